"""Write the MXNet 1.9.1 Gluon fixtures for tests/test_gluon_core.py.

Run with MXNet's Python: ``/tmp/mxref/bin/python tests/data/make_gluon_fixtures.py``.
It builds small nets, saves their parameters with ``save_parameters`` (gluon_<net>.params),
and records inputs, outputs, gradients and running statistics (gluon_records.nd, written
by mx.nd.save) and printed forms and names (gluon_strings.json). ``build_nets(mx)`` is
imported by the test too, so both libraries build the very same nets.
"""
import contextlib
import io
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))


def build_nets(mx):
    """The fixture nets, by name, in a fixed order (prefixes given: no global counters)."""
    nn = mx.gluon.nn
    mlp = nn.HybridSequential(prefix="mlp_")
    with mlp.name_scope():
        mlp.add(nn.Dense(8, activation="relu"))
        mlp.add(nn.Dropout(0.5))
        mlp.add(nn.BatchNorm())
        mlp.add(nn.Dense(6, use_bias=False, flatten=False))
        mlp.add(nn.LeakyReLU(0.1))
        mlp.add(nn.Dense(3, in_units=6))
    emb = nn.HybridSequential(prefix="emb_")
    with emb.name_scope():
        emb.add(nn.Embedding(10, 4))
        emb.add(nn.Flatten())
        emb.add(nn.Dense(5, activation="tanh"))
        emb.add(nn.Activation("sigmoid"))
    seq = nn.Sequential(prefix="seq_")
    with seq.name_scope():
        seq.add(nn.Dense(4, in_units=3, activation="softrelu"))
        inner = nn.HybridSequential()
        with inner.name_scope():
            inner.add(nn.BatchNorm(axis=1, center=False, in_channels=4))
            inner.add(nn.Dense(2))
        seq.add(inner)
    # no SELU: its gradient below 0 is wrong in MXNet 1.9.1 (docs/migration.md)
    ext = nn.HybridSequential(prefix="ext_")
    with ext.name_scope():
        ext.add(nn.PReLU(in_channels=3), nn.ELU(0.5), nn.InstanceNorm(scale=True),
                nn.LayerNorm(), nn.GELU(), nn.GroupNorm(num_groups=3),
                nn.Swish(2.0), nn.Dense(2, flatten=False))
    cnn = nn.HybridSequential(prefix="cnn_")
    with cnn.name_scope():
        cnn.add(nn.Conv2D(4, 3, padding=1, activation="relu"), nn.MaxPool2D(),
                nn.Conv2DTranspose(3, 2, strides=2, groups=1), nn.BatchNorm(),
                nn.AvgPool2D(3, 2, 1, count_include_pad=False),
                nn.Conv2D(2, (2, 1), dilation=(1, 2), use_bias=False, layout="NCHW"),
                nn.GlobalAvgPool2D(), nn.Flatten(), nn.Dense(3))
    return {"mlp": mlp, "emb": emb, "seq": seq, "ext": ext, "cnn": cnn}


def conv_layers(mx):
    """Convolution and pooling layers whose reprs and Parameter shapes are compared."""
    nn = mx.gluon.nn
    return [nn.Conv2D(8, 3),
            nn.Conv2D(8, (3, 2), strides=2, padding=1, dilation=2, groups=2, in_channels=4,
                      use_bias=False, activation="relu"),
            nn.Conv2D(6, 3, layout="NHWC", in_channels=3), nn.Conv2DTranspose(8, 3),
            nn.Conv2DTranspose(8, 3, strides=2, output_padding=1, in_channels=4, groups=2),
            nn.Conv1D(4, 3, in_channels=2), nn.Conv3D(2, 2, in_channels=1),
            nn.Conv1DTranspose(3, 2, in_channels=2), nn.Conv3DTranspose(2, 2, in_channels=2),
            nn.MaxPool2D(), nn.MaxPool1D(3, 1, 1, ceil_mode=True),
            nn.AvgPool2D(3, 2, 1, count_include_pad=False), nn.AvgPool3D(),
            nn.GlobalAvgPool2D(), nn.GlobalMaxPool1D(), nn.MaxPool2D(layout="NHWC"),
            nn.GlobalMaxPool3D(), nn.AvgPool1D(), nn.GlobalAvgPool3D(), nn.MaxPool3D(),
            nn.GlobalMaxPool2D(), nn.GlobalAvgPool1D()]


def inputs(mx):
    import numpy as np
    rng = np.random.RandomState(7)
    return {"mlp": mx.nd.array(rng.uniform(-1, 1, (4, 2, 3))),
            "emb": mx.nd.array(rng.randint(0, 10, (4, 3))),
            "seq": mx.nd.array(rng.uniform(-1, 1, (5, 3))),
            "ext": mx.nd.array(rng.uniform(-2, 2, (2, 3, 4))),
            "cnn": mx.nd.array(rng.uniform(-1, 1, (2, 2, 6, 6)))}


def main():
    import mxnet as mx
    mx.random.seed(1)
    nets = build_nets(mx)
    data = inputs(mx)
    records, strings = {}, {"repr_before": {}, "repr_after": {}, "params": {},
                            "params_repr": {}, "save_keys": {}, "prefixes": {}}
    for name, net in nets.items():
        strings["repr_before"][name] = repr(net)
        net.initialize(mx.init.Xavier(magnitude=2.5))
        x = data[name]
        records[f"{name}:x"] = x
        predict = net(x)                               # also finishes deferred init
        records[f"{name}:predict"] = predict
        params = net.collect_params()
        net.save_parameters(os.path.join(HERE, f"gluon_{name}.params"))
        # a training pass: Dropout's mask is random, so the mlp runs it with rate 0;
        # BatchNorm uses the batch statistics and updates its running ones
        if name == "mlp":
            net[1]._rate = 0.0
        if name != "emb":
            x.attach_grad()
        with mx.autograd.record():
            out = net(x)
            loss = (out * out).sum()
        loss.backward()
        if name == "mlp":
            net[1]._rate = 0.5
        records[f"{name}:train_out"] = out
        if name != "emb":
            records[f"{name}:x_grad"] = x.grad
        for pname, p in params.items():
            if p.grad_req != "null":
                records[f"{name}:grad:{pname}"] = p.grad()
            else:
                records[f"{name}:after:{pname}"] = p.data()
        strings["repr_after"][name] = repr(net)
        strings["params"][name] = list(params.keys())
        strings["params_repr"][name] = repr(params)
        strings["save_keys"][name] = sorted(mx.nd.load(
            os.path.join(HERE, f"gluon_{name}.params")).keys())
        strings["prefixes"][name] = [b.prefix for b in _walk(net)]
        text = io.StringIO()
        with contextlib.redirect_stdout(text):
            net.summary(x)
        strings.setdefault("summary", {})[name] = text.getvalue()
    strings["param_repr"] = [repr(mx.gluon.Parameter("w")),
                             repr(mx.gluon.Parameter("w", shape=(2, 0), dtype="float16")),
                             repr(mx.gluon.Constant("c", [[1, 2]]))]
    strings["dumps"] = [mx.init.Normal(0.5).dumps(), mx.init.Xavier("gaussian", "in", 2).dumps(),
                        mx.init.MSRAPrelu().dumps(), mx.init.Uniform().dumps(),
                        mx.init.Constant(3).dumps(), mx.init.Orthogonal().dumps(),
                        mx.init.Zero().dumps(), mx.init.One().dumps(),
                        mx.init.Bilinear().dumps()]
    strings["layer_reprs"] = [repr(b) for b in (
        mx.gluon.nn.Dense(3), mx.gluon.nn.Dense(3, in_units=2, activation="tanh"),
        mx.gluon.nn.Dropout(0.2, axes=(1,)), mx.gluon.nn.BatchNorm(axis=2, scale=False),
        mx.gluon.nn.Embedding(5, 2, dtype="float64"), mx.gluon.nn.Flatten(),
        mx.gluon.nn.Activation("relu"), mx.gluon.nn.LeakyReLU(0.25),
        mx.gluon.nn.Lambda("tanh"), mx.gluon.nn.HybridLambda("relu"))]
    strings["conv_layers"] = [(repr(b), [p.shape for p in b.collect_params().values()])
                              for b in conv_layers(mx)]
    w = mx.nd.zeros((2, 3, 4, 5))
    mx.init.Bilinear()(mx.init.InitDesc("up_weight"), w)
    records["bilinear"] = w
    mx.nd.save(os.path.join(HERE, "gluon_records.nd"), records)
    with open(os.path.join(HERE, "gluon_strings.json"), "w") as f:
        json.dump(strings, f, indent=1, sort_keys=True)


def _walk(block):
    yield block
    for child in block._children.values():
        yield from _walk(child)


if __name__ == "__main__":
    main()
