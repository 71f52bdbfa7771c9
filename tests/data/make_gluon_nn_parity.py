"""Write the MXNet 1.9.1 fixtures for tests/test_gluon_nn_parity.py: every gluon.nn layer.

Run with MXNet's Python: ``/tmp/mxref/bin/python tests/data/make_gluon_nn_parity.py``.
Each config of ``CONFIGS`` builds one layer. The layers with Parameters of a group sit in
a holder Block under their config name; after the first forward (which finishes deferred
initialization) every Parameter gets seeded random values and the holder is saved with
``save_parameters`` (gluon_nn_<group>.params). Then forward and backward of
``(out * head).sum()`` under ``autograd.record`` (train or predict mode), and the output,
input gradient, Parameter gradients and, for grad_req 'null' Parameters (BatchNorm's
running statistics), their values afterwards go into gluon_nn_parity.nd (mx.nd.save);
each loaded layer's repr goes into gluon_nn_reprs.json.
Each config runs in a fresh MXNet process on its plain CPU kernels (see ``main``), and the
channels-last convolutions between transposes (see ``_channels_last_pass``).

Inputs and heads are not saved: ``make_input`` and ``make_head`` regenerate them from
NumPy's seeded RandomState (a stream NumPy keeps stable), on both sides. The test imports
this module, so both libraries build the very same layers.
"""
import json
import os
import zlib

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
GROUPS = ("basic", "act", "norm", "conv", "pool")


def _sequential(nn, cls):
    net = cls()
    with net.name_scope():
        net.add(nn.Dense(4, activation="relu"), nn.Dropout(0.0), nn.Dense(3, flatten=False))
    return net


def _nested(nn):
    net = nn.HybridSequential()
    with net.name_scope():
        inner = nn.HybridSequential()
        with inner.name_scope():
            inner.add(nn.Conv1D(3, 2, activation="tanh"), nn.BatchNorm())
        net.add(inner, nn.GlobalAvgPool1D(), nn.Flatten(), nn.Dense(2))
    return net


# name: (group, builder(nn), input shape, "train" or "predict", input kind)
# Input kinds: "uniform" U(-1, 1), "wide" U(-2, 2), "index" integers in [0, 6).
CONFIGS = {
    # ---- basic layers
    "dense_flatten": ("basic", lambda nn: nn.Dense(3), (2, 3, 4), "train", "uniform"),
    "dense_no_flatten": ("basic", lambda nn: nn.Dense(3, flatten=False), (2, 3, 4), "train",
                         "uniform"),
    "dense_no_bias_tanh": ("basic", lambda nn: nn.Dense(4, use_bias=False, activation="tanh"),
                           (3, 5), "train", "uniform"),
    "dense_in_units_relu": ("basic", lambda nn: nn.Dense(3, in_units=5, activation="relu"),
                            (4, 5), "train", "uniform"),
    "embedding": ("basic", lambda nn: nn.Embedding(6, 3), (3, 4), "train", "index"),
    "flatten": ("basic", lambda nn: nn.Flatten(), (2, 3, 2, 2), "train", "uniform"),
    "lambda_str": ("basic", lambda nn: nn.Lambda("tanh"), (2, 5), "train", "wide"),
    "lambda_fn": ("basic", lambda nn: nn.Lambda(lambda x: x * x + 1), (2, 5), "train",
                  "wide"),
    "hybrid_lambda_str": ("basic", lambda nn: nn.HybridLambda("relu"), (2, 5), "train",
                          "wide"),
    "hybrid_lambda_fn": ("basic", lambda nn: nn.HybridLambda(
        lambda F, x: F.LeakyReLU(x, slope=0.3) + F.sin(x)), (2, 5), "train", "wide"),
    "dropout_predict": ("basic", lambda nn: nn.Dropout(0.5), (3, 4), "predict", "uniform"),
    "dropout_rate_0": ("basic", lambda nn: nn.Dropout(0.0), (3, 4), "train", "uniform"),
    "sequential": ("basic", lambda nn: _sequential(nn, nn.Sequential), (2, 3, 2), "train",
                   "uniform"),
    "hybrid_sequential": ("basic", lambda nn: _sequential(nn, nn.HybridSequential),
                          (2, 3, 2), "train", "uniform"),
    "hybrid_sequential_nested": ("basic", _nested, (3, 2, 5), "train", "uniform"),
    # ---- activations
    **{f"activation_{a}": ("act", lambda nn, a=a: nn.Activation(a), (2, 3, 4), "train",
                           "wide")
       for a in ("relu", "sigmoid", "tanh", "softrelu", "softsign")},
    "leaky_relu": ("act", lambda nn: nn.LeakyReLU(0.1), (2, 3, 4), "train", "wide"),
    "leaky_relu_0": ("act", lambda nn: nn.LeakyReLU(0), (2, 3, 4), "train", "wide"),
    "prelu": ("act", lambda nn: nn.PReLU(), (2, 3, 4), "train", "wide"),
    "prelu_channels": ("act", lambda nn: nn.PReLU(in_channels=3), (2, 3, 4), "train", "wide"),
    "elu": ("act", lambda nn: nn.ELU(), (2, 3, 4), "train", "wide"),
    "elu_alpha": ("act", lambda nn: nn.ELU(0.5), (2, 3, 4), "train", "wide"),
    "selu": ("act", lambda nn: nn.SELU(), (2, 3, 4), "train", "wide"),
    "gelu": ("act", lambda nn: nn.GELU(), (2, 3, 4), "train", "wide"),
    "swish": ("act", lambda nn: nn.Swish(), (2, 3, 4), "train", "wide"),
    "swish_beta": ("act", lambda nn: nn.Swish(2.0), (2, 3, 4), "train", "wide"),
    # ---- normalization
    "batchnorm_train": ("norm", lambda nn: nn.BatchNorm(), (4, 3, 2, 2), "train", "wide"),
    "batchnorm_predict": ("norm", lambda nn: nn.BatchNorm(), (4, 3, 2, 2), "predict", "wide"),
    "batchnorm_axis_last": ("norm", lambda nn: nn.BatchNorm(axis=-1), (4, 2, 3), "train",
                            "wide"),
    "batchnorm_axis_2": ("norm", lambda nn: nn.BatchNorm(axis=2), (3, 2, 4, 2), "train",
                         "wide"),
    "batchnorm_axis_0_predict": ("norm", lambda nn: nn.BatchNorm(axis=0), (3, 4, 2),
                                 "predict", "wide"),
    "batchnorm_global_stats": ("norm", lambda nn: nn.BatchNorm(use_global_stats=True),
                               (4, 3, 2, 2), "train", "wide"),
    "batchnorm_no_center": ("norm", lambda nn: nn.BatchNorm(center=False), (4, 3, 2, 2),
                            "train", "wide"),
    "batchnorm_no_scale": ("norm", lambda nn: nn.BatchNorm(scale=False), (4, 3, 2, 2),
                           "train", "wide"),
    "batchnorm_no_scale_predict": ("norm", lambda nn: nn.BatchNorm(scale=False),
                                   (4, 3, 2, 2), "predict", "wide"),
    "batchnorm_2d_momentum": ("norm", lambda nn: nn.BatchNorm(momentum=0.5, epsilon=1e-3,
                                                               in_channels=3),
                              (5, 3), "train", "wide"),
    "instancenorm": ("norm", lambda nn: nn.InstanceNorm(), (2, 3, 4), "train", "wide"),
    "instancenorm_scale": ("norm", lambda nn: nn.InstanceNorm(scale=True, epsilon=1e-3),
                           (2, 3, 2, 3), "train", "wide"),
    "instancenorm_axis_2": ("norm", lambda nn: nn.InstanceNorm(axis=2, scale=True),
                            (2, 3, 4), "train", "wide"),
    "layernorm": ("norm", lambda nn: nn.LayerNorm(), (2, 3, 4), "train", "wide"),
    "layernorm_axis_1": ("norm", lambda nn: nn.LayerNorm(axis=1, epsilon=1e-3), (2, 3, 4),
                         "train", "wide"),
    "layernorm_no_center_scale": ("norm", lambda nn: nn.LayerNorm(center=False, scale=False),
                                  (3, 5), "train", "wide"),
    "groupnorm": ("norm", lambda nn: nn.GroupNorm(num_groups=2), (2, 4, 3), "train", "wide"),
    "groupnorm_4d": ("norm", lambda nn: nn.GroupNorm(num_groups=3, epsilon=1e-3),
                     (2, 6, 2, 2), "train", "wide"),
    "groupnorm_one_group": ("norm", lambda nn: nn.GroupNorm(), (2, 3, 4), "train", "wide"),
    # ---- convolutions
    "conv1d": ("conv", lambda nn: nn.Conv1D(3, 3), (2, 2, 7), "train", "uniform"),
    "conv1d_options": ("conv", lambda nn: nn.Conv1D(4, 3, strides=2, padding=1, dilation=2,
                                                    groups=2, use_bias=False,
                                                    activation="relu"),
                       (2, 4, 9), "train", "uniform"),
    "conv2d": ("conv", lambda nn: nn.Conv2D(3, (2, 3)), (2, 2, 5, 5), "train", "uniform"),
    "conv2d_options": ("conv", lambda nn: nn.Conv2D(4, 3, strides=(2, 1), padding=(1, 2),
                                                    dilation=(2, 1), groups=2,
                                                    activation="sigmoid"),
                       (1, 2, 6, 5), "train", "uniform"),
    "conv2d_nhwc": ("conv", lambda nn: nn.Conv2D(3, 2, layout="NHWC"), (2, 4, 4, 2), "train",
                    "uniform"),
    "conv3d_ndhwc": ("conv", lambda nn: nn.Conv3D(4, (2, 1, 2), padding=(0, 1, 0), groups=2,
                                                  layout="NDHWC", activation="relu"),
                     (1, 3, 2, 3, 2), "train", "uniform"),
    "conv3d": ("conv", lambda nn: nn.Conv3D(2, 2), (1, 2, 3, 3, 3), "train", "uniform"),
    "conv3d_options": ("conv", lambda nn: nn.Conv3D(4, (2, 1, 2), strides=2, padding=1,
                                                    groups=2, use_bias=False),
                       (1, 2, 4, 3, 4), "train", "uniform"),
    "conv1d_transpose": ("conv", lambda nn: nn.Conv1DTranspose(3, 3), (2, 2, 4), "train",
                         "uniform"),
    "conv1d_transpose_options": ("conv", lambda nn: nn.Conv1DTranspose(
        4, 3, strides=2, padding=1, output_padding=1, groups=2, in_channels=2), (1, 2, 4), "train",
        "uniform"),
    "conv2d_transpose": ("conv", lambda nn: nn.Conv2DTranspose(
        2, (2, 3), strides=(2, 1), padding=(0, 1), output_padding=(1, 0)), (1, 3, 3, 3),
        "train", "uniform"),
    "conv2d_transpose_nhwc": ("conv", lambda nn: nn.Conv2DTranspose(
        3, (2, 3), strides=2, output_padding=1, layout="NHWC"), (1, 3, 2, 2), "train",
        "uniform"),
    "conv2d_transpose_groups": ("conv", lambda nn: nn.Conv2DTranspose(
        4, 2, strides=2, groups=2, use_bias=False, activation="tanh",
        in_channels=4),
        (1, 4, 3, 3), "train", "uniform"),
    "conv3d_transpose": ("conv", lambda nn: nn.Conv3DTranspose(2, 2, strides=2,
                                                               output_padding=1),
                         (1, 2, 2, 2, 2), "train", "uniform"),
    "conv3d_transpose_groups": ("conv", lambda nn: nn.Conv3DTranspose(
        4, (1, 2, 2), padding=(0, 1, 0), groups=2, in_channels=2), (1, 2, 2, 3, 3), "train",
        "uniform"),
    # ---- pooling and padding
    "maxpool1d": ("pool", lambda nn: nn.MaxPool1D(), (2, 2, 6), "train", "uniform"),
    "maxpool1d_ceil": ("pool", lambda nn: nn.MaxPool1D(3, 2, 1, ceil_mode=True), (1, 2, 8),
                       "train", "uniform"),
    "maxpool2d": ("pool", lambda nn: nn.MaxPool2D((2, 3), (1, 2), (1, 1)), (1, 2, 5, 6),
                  "train", "uniform"),
    "maxpool2d_ceil": ("pool", lambda nn: nn.MaxPool2D(3, 2, ceil_mode=True), (1, 2, 6, 6),
                       "train", "uniform"),
    "maxpool2d_nhwc": ("pool", lambda nn: nn.MaxPool2D(layout="NHWC"), (1, 4, 4, 2), "train",
                       "uniform"),
    "maxpool3d": ("pool", lambda nn: nn.MaxPool3D(2, 1, 1), (1, 1, 3, 3, 3), "train",
                  "uniform"),
    "maxpool3d_ceil": ("pool", lambda nn: nn.MaxPool3D(2, 2, ceil_mode=True),
                       (1, 2, 3, 3, 3), "train", "uniform"),
    "avgpool1d": ("pool", lambda nn: nn.AvgPool1D(3, 2, 1), (1, 2, 7), "train", "uniform"),
    "avgpool1d_exclude_pad": ("pool", lambda nn: nn.AvgPool1D(3, 2, 1,
                                                              count_include_pad=False),
                              (1, 2, 7), "train", "uniform"),
    "avgpool1d_ceil": ("pool", lambda nn: nn.AvgPool1D(2, ceil_mode=True), (1, 2, 5),
                       "train", "uniform"),
    "avgpool2d": ("pool", lambda nn: nn.AvgPool2D(), (1, 2, 4, 4), "train", "uniform"),
    "avgpool2d_include_pad": ("pool", lambda nn: nn.AvgPool2D(3, 2, 1), (1, 2, 5, 5), "train",
                              "uniform"),
    "avgpool2d_ceil_exclude_pad": ("pool", lambda nn: nn.AvgPool2D(
        3, 2, 1, ceil_mode=True, count_include_pad=False), (1, 2, 6, 6), "train", "uniform"),
    "avgpool1d_nwc": ("pool", lambda nn: nn.AvgPool1D(3, 2, 1, layout="NWC",
                                                      count_include_pad=False),
                      (2, 7, 3), "train", "uniform"),
    "avgpool3d_ndhwc": ("pool", lambda nn: nn.AvgPool3D(2, 1, ceil_mode=True, layout="NDHWC"),
                        (1, 3, 3, 2, 2), "train", "uniform"),
    "global_maxpool2d_nhwc": ("pool", lambda nn: nn.GlobalMaxPool2D(layout="NHWC"),
                              (2, 3, 3, 2), "train", "uniform"),
    "avgpool3d": ("pool", lambda nn: nn.AvgPool3D(2, 1, 1, count_include_pad=False),
                  (1, 1, 3, 3, 3), "train", "uniform"),
    "avgpool3d_ceil": ("pool", lambda nn: nn.AvgPool3D(2, ceil_mode=True), (1, 1, 3, 3, 3),
                       "train", "uniform"),
    **{f"global_{kind}pool{n}d": ("pool", lambda nn, c=f"Global{kind.title()}Pool{n}D":
                                  getattr(nn, c)(), (2, 2) + (3,) * n, "train", "uniform")
       for kind in ("max", "avg") for n in (1, 2, 3)},
    "reflection_pad2d": ("pool", lambda nn: nn.ReflectionPad2D(1), (1, 2, 3, 4), "train",
                         "uniform"),
    "reflection_pad2d_width": ("pool", lambda nn: nn.ReflectionPad2D((0, 0, 0, 0, 1, 2, 2, 1)),
                               (1, 2, 3, 4), "train", "uniform"),
}


def _seed(name, salt):
    return zlib.crc32(f"{name}:{salt}".encode()) & 0x7FFFFFFF


def make_input(name):
    """The float32 input of a config, from a seeded RandomState."""
    _, _, shape, _, kind = CONFIGS[name]
    rng = np.random.RandomState(_seed(name, "x"))
    if kind == "index":
        return rng.randint(0, 6, shape).astype(np.float32)
    width = 2.0 if kind == "wide" else 1.0
    return rng.uniform(-width, width, shape).astype(np.float32)


def make_head(name, shape):
    """The weights w of the loss ``(out * w).sum()``."""
    return np.random.RandomState(_seed(name, "head")).uniform(-1, 1, shape).astype(np.float32)


def parameter_values(name, key, shape):
    """Seeded random values for a Parameter (variances and scales kept positive)."""
    rng = np.random.RandomState(_seed(name, key))
    if key.endswith(("running_var", "gamma")):
        return rng.uniform(0.5, 1.5, shape).astype(np.float32)
    if key.endswith("alpha"):
        return rng.uniform(0.05, 0.5, shape).astype(np.float32)
    return rng.uniform(-1, 1, shape).astype(np.float32)


def build_holder(mx, group, names=None):
    """A Block whose children are the layers of ``group`` (or only ``names``), by name."""
    holder = mx.gluon.Block(prefix=f"{group}_")
    for name in names or [n for n, c in CONFIGS.items() if c[0] == group]:
        with holder.name_scope():
            setattr(holder, name, CONFIGS[name][1](mx.gluon.nn))
    return holder


def run_pass(mx, layer, name, ctx=None):
    """Forward and backward of ``(layer(x) * head).sum()``; returns (x, out)."""
    _, _, _, mode, kind = CONFIGS[name]
    x = mx.nd.array(make_input(name), ctx=ctx)
    if kind != "index":
        x.attach_grad()
    with mx.autograd.record(train_mode=mode == "train"):
        out = layer(x)
        head = mx.nd.array(make_head(name, out.shape), ctx=ctx)
        loss = (out * head).sum()
    loss.backward()
    return x, out


def write_parameters(mx):
    """gluon_nn_<group>.params: seeded values for every Parameter of the group's holder."""
    for group in GROUPS:
        # a probe holder finds the deferred shapes; the values go to a fresh holder (MXNet
        # cannot save a Parameter its oneDNN forward turned into a view)
        probe = build_holder(mx, group)
        probe.initialize()
        for name, layer in probe._children.items():
            layer(mx.nd.array(make_input(name)))     # finishes deferred initialization
        values = {key: mx.nd.array(parameter_values(key.split(".")[0], key, param.shape))
                  for key, param in probe._collect_params_with_prefix().items()}
        if values:
            path = os.path.join(HERE, f"gluon_nn_{group}.params")
            mx.nd.save(path, values)
            holder = build_holder(mx, group)
            holder.load_parameters(path)
            holder.save_parameters(path)


def load_layer(mx, name, ctx=None):
    """The config's layer in a holder of its own, with the group's saved Parameters."""
    group = CONFIGS[name][0]
    holder = build_holder(mx, group, [name])
    path = os.path.join(HERE, f"gluon_nn_{group}.params")
    if os.path.exists(path):
        holder.load_parameters(path, ctx=ctx, ignore_extra=True)
    else:
        holder.initialize(ctx=ctx)
    return getattr(holder, name)


def _channels_last_pass(mx, layer, name):
    """run_pass for a channels-last convolution layer, computed by MXNet in the
    channels-first layout between transposes: MXNet 1.9.1's CPU (De)Convolution returns
    uninitialized memory for NHWC or refuses it. (Its channels-last Pooling is right.)"""
    x = mx.nd.array(make_input(name))
    x.attach_grad()
    n = x.ndim
    first, last = (0, n - 1) + tuple(range(1, n - 1)), (0,) + tuple(range(2, n)) + (1,)
    kwargs = dict(layer._kwargs, layout=None)
    op = mx.nd.Deconvolution if "Transpose" in type(layer).__name__ else mx.nd.Convolution
    with mx.autograd.record():
        args = [x.transpose(first), layer.weight.data().transpose(first)]
        if layer.bias is not None:
            args.append(layer.bias.data())
        out = op(*args, **kwargs)
        out = layer.act(out) if layer.act is not None else out
        out = out.transpose(last)
        loss = (out * mx.nd.array(make_head(name, out.shape))).sum()
    loss.backward()
    return x, out


def record_config(mx, name):
    """The output, gradients and statistics after-pass of one config."""
    layer = load_layer(mx, name)
    layout = getattr(layer, "_kwargs", {}).get("layout", "NCHW")
    if hasattr(layer, "weight") and layout[1] != "C":
        x, out = _channels_last_pass(mx, layer, name)
    else:
        x, out = run_pass(mx, layer, name)
    found = {"out": out}
    if CONFIGS[name][4] != "index":
        found["x_grad"] = x.grad
    for key, param in layer._collect_params_with_prefix().items():
        if param.grad_req == "null":
            found[f"after:{key}"] = param.data()
        else:
            found[f"grad:{key}"] = param.grad()
    return {f"{name}:{key}": mx.nd.array(value.asnumpy()) for key, value in found.items()}


def main():
    import subprocess
    import sys
    import tempfile
    if sys.argv[1:2] == ["--one"]:                   # a child: one config
        import mxnet as mx
        mx.nd.save(sys.argv[3], record_config(mx, sys.argv[2]))
        return
    os.environ["MXNET_MKLDNN_ENABLED"] = "0"
    import mxnet as mx
    write_parameters(mx)
    reprs = {name: repr(load_layer(mx, name)) for name in CONFIGS}
    with open(os.path.join(HERE, "gluon_nn_reprs.json"), "w") as f:
        json.dump(reprs, f, indent=1)
    # Each config runs in a fresh process on MXNet's plain CPU kernels: in one long process
    # (and on its default oneDNN path) MXNet 1.9.1 returns views that read as zeros or as
    # uninitialized memory for some layers (Conv1D, Conv3DTranspose, Conv1D under BatchNorm).
    # 3-D Deconvolution exists only on the oneDNN path.
    records = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in CONFIGS:
            onednn = name.startswith("conv3d_transpose")
            env = dict(os.environ, MXNET_MKLDNN_ENABLED="1" if onednn else "0",
                       MXNET_STORAGE_FALLBACK_LOG_VERBOSE="0")
            path = os.path.join(tmp, f"{name}.nd")
            subprocess.run([sys.executable, __file__, "--one", name, path], env=env,
                           check=True, capture_output=True)
            records.update(mx.nd.load(path))
    mx.nd.save(os.path.join(HERE, "gluon_nn_parity.nd"), records)


if __name__ == "__main__":
    main()
