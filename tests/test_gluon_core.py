"""mx.gluon core against MXNet 1.9.1: Blocks, layers, save/load, names and printed forms.

The fixtures in tests/data were written by MXNet 1.9.1 (tests/data/make_gluon_fixtures.py,
whose ``build_nets`` builds the same nets here): parameters saved by MXNet's
save_parameters, the inputs, outputs, gradients and running statistics it computed, and its
reprs, names and summary. mxgrad loads the parameters, must give the same numbers, strings,
and write the same bytes back.
"""
import contextlib
import io
import json
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest

import mxgrad as mx

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
sys.path.insert(0, DATA)
from make_gluon_fixtures import build_nets, conv_layers  # noqa: E402

nn = mx.gluon.nn
NETS = ["mlp", "emb", "seq", "ext", "cnn"]
MXNET_PYTHON = "/tmp/mxref/bin/python"

with open(os.path.join(DATA, "gluon_strings.json")) as f:
    STRINGS = json.load(f)
RECORDS = {k: v.asnumpy() for k, v in mx.nd.load(os.path.join(DATA, "gluon_records.nd")).items()}


def _walk(block):
    yield block
    for child in block._children.values():
        yield from _walk(child)


def _params_file(name):
    return os.path.join(DATA, f"gluon_{name}.params")


def _close(a, b, atol=1e-6):
    np.testing.assert_allclose(a, b, rtol=1e-5, atol=atol)


# BatchNorm in training subtracts the batch mean: float32 cancellation leaves a few 1e-6 of
# noise in what follows it (a float64 run of the seq net lands between MXNet's and mxgrad's
# float32 numbers, closer to mxgrad's), so the training pass is compared to 2e-5.
TRAIN_ATOL = 2e-5


# ---------------------------------------------------------------- the MXNet fixture nets

@pytest.mark.parametrize("name", NETS)
def test_fixture_net_names_and_reprs(name):
    net = build_nets(mx)[name]
    assert repr(net) == STRINGS["repr_before"][name]
    assert list(net.collect_params().keys()) == STRINGS["params"][name]
    assert [b.prefix for b in _walk(net)] == STRINGS["prefixes"][name]


@pytest.mark.parametrize("name", NETS)
def test_fixture_net_deferred_init_infers_mxnet_shapes(name):
    net = build_nets(mx)[name]
    net.initialize(mx.init.Xavier(magnitude=2.5))
    deferred = [p for p in net.collect_params().values() if 0 in p.shape]
    assert deferred
    with pytest.raises(mx.gluon.DeferredInitializationError, match="deferred"):
        deferred[0].data()
    net(mx.nd.array(RECORDS[f"{name}:x"]))
    assert repr(net.collect_params()) == STRINGS["params_repr"][name]
    assert repr(net) == STRINGS["repr_after"][name]


@pytest.mark.parametrize("name", NETS)
def test_fixture_net_load_forward_backward(name, ctx, tmp_path):
    net = build_nets(mx)[name]
    net.load_parameters(_params_file(name), ctx=ctx)
    assert repr(net) == STRINGS["repr_after"][name]
    x = mx.nd.array(RECORDS[f"{name}:x"], ctx=ctx)
    net.hybridize()                                   # a no-op: same numbers
    _close(net(x).asnumpy(), RECORDS[f"{name}:predict"])
    # save back: MXNet's own bytes
    out = str(tmp_path / "back.params")
    net.save_parameters(out)
    with open(out, "rb") as f1, open(_params_file(name), "rb") as f2:
        assert f1.read() == f2.read()
    # a training pass (Dropout at rate 0, as the fixture): outputs, gradients, statistics
    if name == "mlp":
        net[1]._rate = 0.0
    if name != "emb":
        x.attach_grad()
    with mx.autograd.record():
        y = net(x)
        loss = (y * y).sum()
    loss.backward()
    _close(y.asnumpy(), RECORDS[f"{name}:train_out"], TRAIN_ATOL)
    if name != "emb":
        _close(x.grad.asnumpy(), RECORDS[f"{name}:x_grad"], TRAIN_ATOL)
    checked = 0
    for pname, p in net.collect_params().items():
        key = f"{name}:grad:{pname}" if p.grad_req != "null" else f"{name}:after:{pname}"
        got = (p.grad(ctx) if p.grad_req != "null" else p.data(ctx)).asnumpy()
        _close(got, RECORDS[key], TRAIN_ATOL)
        checked += 1
    assert checked == len(STRINGS["params"][name])


@pytest.mark.parametrize("name", ["seq", "emb"])
def test_summary_prints_as_mxnet(name):
    net = build_nets(mx)[name]
    net.load_parameters(_params_file(name))
    text = io.StringIO()
    with contextlib.redirect_stdout(text):
        net.summary(mx.nd.array(RECORDS[f"{name}:x"]))
    assert text.getvalue() == STRINGS["summary"][name]


def test_layer_and_parameter_reprs_match_mxnet():
    layers = (nn.Dense(3), nn.Dense(3, in_units=2, activation="tanh"),
              nn.Dropout(0.2, axes=(1,)), nn.BatchNorm(axis=2, scale=False),
              nn.Embedding(5, 2, dtype="float64"), nn.Flatten(), nn.Activation("relu"),
              nn.LeakyReLU(0.25), nn.Lambda("tanh"), nn.HybridLambda("relu"))
    assert [repr(b) for b in layers] == STRINGS["layer_reprs"]
    params = [mx.gluon.Parameter("w"), mx.gluon.Parameter("w", shape=(2, 0), dtype="float16"),
              mx.gluon.Constant("c", [[1, 2]])]
    assert [repr(p) for p in params] == STRINGS["param_repr"]


def test_conv_and_pool_layers_match_mxnet():
    got = [[repr(b), [list(p.shape) for p in b.collect_params().values()]]
           for b in conv_layers(mx)]
    assert got == STRINGS["conv_layers"]
    with pytest.raises(AssertionError, match="layout"):
        nn.Conv1D(2, 3, layout="NWC")
    with pytest.raises(AssertionError, match="kernel_size must be"):
        nn.Conv2D(2, (3, 3, 3))
    with pytest.raises(AssertionError, match="layouts are valid"):
        nn.MaxPool2D(layout="NCW")


def test_conv_1d_3d_forward_backward(ctx):
    for layer, shape in ((nn.Conv1D(3, 2, strides=2, activation="tanh"), (2, 2, 7)),
                         (nn.Conv3D(2, 2, padding=1), (1, 2, 3, 3, 3)),
                         (nn.Conv1DTranspose(2, 3, strides=2, output_padding=1), (1, 2, 4)),
                         (nn.Conv3DTranspose(2, 2), (1, 1, 2, 2, 2))):
        layer.initialize(mx.init.Normal(0.5), ctx=ctx)
        x = mx.nd.array(np.random.RandomState(1).uniform(-1, 1, shape), ctx=ctx)
        x.attach_grad()
        with mx.autograd.record():
            y = layer(x)
        y.backward()
        op = mx.nd.Deconvolution if "Transpose" in type(layer).__name__ else mx.nd.Convolution
        expected = op(x, layer.weight.data(ctx), layer.bias.data(ctx), **layer._kwargs)
        if layer.act is not None:
            expected = mx.nd.tanh(expected)
        _close(y.asnumpy(), expected.asnumpy())
        assert layer.weight.grad(ctx).shape == layer.weight.shape
        assert np.abs(x.grad.asnumpy()).sum() > 0
    x = mx.nd.arange(8, ctx=ctx).reshape((1, 1, 2, 4))
    # MXNet 1.9.1: ReflectionPad2D(1) of arange(8).reshape(1, 1, 2, 4), first and last rows
    padded = nn.ReflectionPad2D(1)(x).asnumpy()[0, 0]
    assert padded[0].tolist() == [5, 4, 5, 6, 7, 6] and padded[3].tolist() == [1, 0, 1, 2, 3, 2]
    pools = ((nn.MaxPool1D(3, 1, 1), (1, 2, 5)), (nn.AvgPool3D(), (1, 1, 4, 4, 4)),
             (nn.GlobalMaxPool3D(), (1, 2, 2, 2, 2)), (nn.AvgPool1D(ceil_mode=True), (1, 1, 5)))
    for layer, shape in pools:
        x = mx.nd.array(np.random.RandomState(2).uniform(-1, 1, shape), ctx=ctx)
        _close(layer(x).asnumpy(), mx.nd.Pooling(x, **layer._kwargs).asnumpy())


@pytest.mark.skipif(not os.path.exists(MXNET_PYTHON), reason="MXNet 1.9.1 not installed")
def test_mxnet_loads_mxgrad_saved_parameters(tmp_path):
    net = build_nets(mx)["mlp"]
    net.initialize(mx.init.Normal(0.3))
    x = mx.nd.array(RECORDS["mlp:x"])
    expected = net(x).asnumpy()
    path = str(tmp_path / "mlp.params")
    net.save_parameters(path)
    np.save(str(tmp_path / "x.npy"), RECORDS["mlp:x"])
    script = (f"import sys; sys.path.insert(0, {DATA!r}); import numpy as np, mxnet as mx\n"
              "from make_gluon_fixtures import build_nets\n"
              "net = build_nets(mx)['mlp']\n"
              f"net.load_parameters({path!r})\n"
              f"y = net(mx.nd.array(np.load({str(tmp_path / 'x.npy')!r})))\n"
              f"np.save({str(tmp_path / 'y.npy')!r}, y.asnumpy())\n")
    subprocess.run([MXNET_PYTHON, "-c", script], check=True, timeout=120,
                   capture_output=True)
    _close(np.load(str(tmp_path / "y.npy")), expected)


# ---------------------------------------------------------------- naming and structure

def test_top_level_names_count_per_kind():
    a, b = nn.Dense(2), nn.Dense(2)
    n = int(a.prefix[len("dense"):-1])
    assert b.prefix == f"dense{n + 1}_" and b.name == f"dense{n + 1}"
    act = nn.Activation("tanh")
    assert act.prefix.startswith("tanh") and act.prefix.endswith("_")
    assert nn.Dense(1, prefix="mine_").weight.name == "mine_weight"


def test_name_scope_counters_are_per_parent():
    outer = nn.HybridSequential(prefix="o_")
    with outer.name_scope():
        first = nn.HybridSequential()
        with first.name_scope():
            first.add(nn.Dense(2), nn.Dense(2))
        outer.add(first, nn.Dense(3))
    assert [b.prefix for b in _walk(outer)] == [
        "o_", "o_hybridsequential0_", "o_hybridsequential0_dense0_",
        "o_hybridsequential0_dense1_", "o_dense0_"]
    # outside the scope, a child keeps its own top-level name
    loose = nn.Sequential(prefix="l_")
    loose.add(nn.Dense(1, prefix="x_"))
    assert loose[0].prefix == "x_"


class _Net(mx.gluon.Block):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        with self.name_scope():
            self.body = nn.HybridSequential()
            self.body.add(nn.Dense(3, in_units=2))
            self.head = nn.Dense(1, in_units=3)
            self.scale = self.params.get("scale", shape=(1,), init=mx.init.Constant(2.0))
        self.blocks = [nn.Dense(1)]                    # unregistered: warned about

    def forward(self, x):
        return self.head(self.body(x)) * self.scale.data(x.context)


def test_block_registration_repr_and_collect_params():
    net = _Net(prefix="net_")
    assert list(net._children) == ["body", "head"]
    assert repr(net) == ("_Net(\n  (body): HybridSequential(\n    (0): Dense(2 -> 3, linear)\n"
                         "  )\n  (head): Dense(3 -> 1, linear)\n)")
    with pytest.warns(UserWarning, match="unregistered container"):
        names = list(net.collect_params().keys())
    # MXNet 1.9.1 names body's Dense in net's scope (it is made outside body's own)
    assert names == ["net_scale", "net_dense0_weight", "net_dense0_bias",
                     "net_dense1_weight", "net_dense1_bias"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert list(net.collect_params(".*bias").keys()) == ["net_dense0_bias",
                                                             "net_dense1_bias"]
        assert sorted(net._collect_params_with_prefix()) == [
            "body.0.bias", "body.0.weight", "head.bias", "head.weight", "scale"]
    with pytest.raises(TypeError, match="Changing attribute type"):
        net.head = 3
    with pytest.raises(AssertionError, match="Overriding Parameter"):
        net.scale = mx.gluon.Parameter("other")


def test_save_load_parameters_options(ctx, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net = _Net(prefix="a_")
        net.initialize(ctx=ctx)
        path = str(tmp_path / "net.params")
        net.save_parameters(path)
        assert sorted(mx.nd.load(path)) == ["body.0.bias", "body.0.weight", "head.bias",
                                            "head.weight", "scale"]
        other = _Net(prefix="b_")                      # other prefix: structural names load
        other.load_parameters(path, ctx=ctx)
        x = mx.nd.array([[1.0, -2.0]], ctx=ctx)
        _close(other(x).asnumpy(), net(x).asnumpy())
        # a file with an extra and a missing name
        arrays = mx.nd.load(path)
        arrays["extra"] = mx.nd.ones(1)
        del arrays["scale"]
        mx.nd.save(path, arrays)
        with pytest.raises(AssertionError, match="'scale' is missing"):
            _Net().load_parameters(path)
        with pytest.raises(ValueError, match="'extra' loaded from file"):
            _Net().load_parameters(path, allow_missing=True)
        fresh = _Net()
        fresh.load_parameters(path, ctx=ctx, allow_missing=True, ignore_extra=True)
        with pytest.raises(RuntimeError, match="has not been initialized"):
            fresh.scale.data()
        # dtype: refused unless cast_dtype
        mx.nd.save(path, {k: v.astype("float64") for k, v in mx.nd.load(path).items()
                          if k != "extra"})
        with pytest.raises(AssertionError, match="cast_dtype=True"):
            _Net().load_parameters(path, allow_missing=True)
        cast = _Net()
        cast.load_parameters(path, allow_missing=True, cast_dtype=True)
        assert cast.head.weight.data().dtype == np.float32
        saved = _Net()
        saved.load_parameters(path, allow_missing=True, cast_dtype=True, dtype_source="saved")
        assert saved.head.weight.data().dtype == np.float64


def test_save_params_full_names_load_back(tmp_path):
    net = nn.Dense(2, in_units=2, prefix="fc_")
    net.initialize(mx.init.One())
    path = str(tmp_path / "old.params")
    with pytest.warns(UserWarning, match="deprecated"):
        net.save_params(path)
    assert sorted(mx.nd.load(path)) == ["bias", "weight"]
    again = nn.Dense(2, in_units=2, prefix="fc_")       # no '.' in the names: by prefix
    again.load_parameters(path)
    _close(again.weight.data().asnumpy(), np.ones((2, 2)))
    full = str(tmp_path / "full.params")
    net.collect_params().save(full)
    assert sorted(mx.nd.load(full)) == ["fc_bias", "fc_weight"]
    other = nn.Dense(2, in_units=2, prefix="x_fc_")
    other.collect_params().load(full, restore_prefix="x_")
    _close(other.weight.data().asnumpy(), np.ones((2, 2)))
    with pytest.raises(ValueError, match="does not start with"):
        other.collect_params().save(full, strip_prefix="zz_")


def test_shared_parameters_and_deduplicate(tmp_path):
    first = nn.Dense(2, in_units=2, prefix="a_")
    second = nn.Dense(2, in_units=2, params=first.params, prefix="b_")
    assert second.weight is first.weight and list(second.params.keys()) == ["a_weight",
                                                                           "a_bias"]
    net = nn.Sequential(prefix="s_")
    net.add(first, second, nn.Dense(2, in_units=2, params=first.collect_params()))
    assert list(net.collect_params().keys()) == ["a_weight", "a_bias"]
    net.initialize()
    path = str(tmp_path / "shared.params")
    net.save_parameters(path)
    assert sorted(mx.nd.load(path)) == ["0.bias", "0.weight", "1.bias", "1.weight",
                                        "2.bias", "2.weight"]
    net.save_parameters(path, deduplicate=True)
    assert list(mx.nd.load(path)) == ["2.weight", "2.bias"]      # MXNet 1.9.1: the last name
    other = nn.Sequential(prefix="t_")
    with other.name_scope():
        a = nn.Dense(2, in_units=2)
        other.add(a, nn.Dense(2, in_units=2, params=a.params),
                  nn.Dense(2, in_units=2, params=a.params))
    other.load_parameters(path)                                   # any of the names will do
    _close(a.weight.data().asnumpy(), first.weight.data().asnumpy())


def test_hooks_apply_cast_zero_grad_and_hybridize():
    net = nn.HybridSequential(prefix="h_")
    with net.name_scope():
        net.add(nn.Dense(3, in_units=2, activation="relu"), nn.Dense(1, in_units=3))
    net.initialize(mx.init.Uniform(0.5))
    x = mx.nd.array([[0.5, -1.0], [2.0, 1.0]])
    before = net(x).asnumpy()
    calls = []
    pre = net.register_forward_pre_hook(lambda b, args: calls.append(("pre", b.name)))
    post = net[0].register_forward_hook(lambda b, args, out: calls.append(("post", out.shape)))
    net.hybridize(static_alloc=True, static_shape=True)
    _close(net(x).asnumpy(), before)
    assert calls == [("pre", "h"), ("post", (2, 3))]
    pre.detach()
    post.detach()
    net(x)
    assert len(calls) == 2
    visited = []
    net.apply(lambda b: visited.append(b.name))
    assert visited == ["h_dense0_relu", "h_dense0", "h_dense1", "h"]
    with mx.autograd.record():
        y = net(x).sum()
    y.backward()
    assert np.abs(net[0].weight.grad().asnumpy()).sum() > 0
    net.zero_grad()
    assert all((p.grad().asnumpy() == 0).all() for p in net.collect_params().values())
    net.cast("float64")
    assert net[0].weight.data().dtype == np.float64
    _close(net(x.astype("float64")).asnumpy(), before)


def test_batchnorm_cast_float16_keeps_float32_and_stats_not_differentiable():
    bn = nn.BatchNorm(in_channels=2)
    bn.cast("float16")
    assert bn.gamma.dtype == "float32"
    assert bn.running_mean.grad_req == "null"
    bn.running_mean.grad_req = "write"                # not differentiable: stays null
    assert bn.running_mean.grad_req == "null"
    bn.initialize()
    with pytest.raises(RuntimeError, match="grad_req='null'"):
        bn.running_var.grad()


def test_uninitialized_block_errors():
    net = nn.Dense(2, in_units=3)
    with pytest.raises(RuntimeError, match="has not been initialized"):
        net(mx.nd.ones((1, 3)))
    custom = nn.HybridLambda(lambda F, x: x)
    assert custom(mx.nd.ones(1)).shape == (1,)


def test_deferred_shape_needs_infer_shape():
    class Custom(mx.gluon.HybridBlock):
        def __init__(self):
            super().__init__(prefix="c_")
            self.w = self.params.get("w", shape=(0,), allow_deferred_init=True)

        def hybrid_forward(self, F, x, w):
            return x * w

    block = Custom()
    block.initialize()
    with pytest.raises(ValueError, match="Deferred initialization failed"):
        block(mx.nd.ones(2))
    with pytest.raises(ValueError, match="invalid shape"):
        mx.gluon.Parameter("p", shape=(0, 2)).initialize()


def test_dense_gradient_finite_differences(ctx, fp64):
    net = nn.Dense(3, in_units=4, activation="tanh", dtype="float64", prefix="g_")
    net.initialize(mx.init.Normal(0.5), ctx=ctx)
    x = mx.nd.array(np.random.RandomState(0).uniform(-1, 1, (2, 4)), ctx=ctx, dtype="float64")

    def loss():
        return float((net(x) ** 2).sum().asscalar())

    with mx.autograd.record():
        y = (net(x) ** 2).sum()
    y.backward()
    for param in (net.weight, net.bias):
        value = param.data(ctx).asnumpy().copy()
        numeric = np.zeros_like(value)
        for idx in np.ndindex(value.shape):
            for sign in (1, -1):
                moved = value.copy()
                moved[idx] += sign * 1e-6
                param.set_data(mx.nd.array(moved, ctx=ctx, dtype="float64"))
                numeric[idx] += sign * loss() / 2e-6
        param.set_data(mx.nd.array(value, ctx=ctx, dtype="float64"))
        np.testing.assert_allclose(param.grad(ctx).asnumpy(), numeric, rtol=1e-5, atol=1e-8)


def test_grad_req_add_accumulates(ctx):
    net = nn.Dense(1, in_units=2, use_bias=False)
    net.initialize(mx.init.One(), ctx=ctx)
    net.collect_params().setattr("grad_req", "add")
    x = mx.nd.array([[1.0, 2.0]], ctx=ctx)
    for _ in range(2):
        with mx.autograd.record():
            y = net(x)
        y.backward()
    _close(net.weight.grad(ctx).asnumpy(), [[2.0, 4.0]])


def test_sequential_indexing_and_layers():
    seq = nn.Sequential(prefix="s_")
    with seq.name_scope():
        seq.add(nn.Dense(2, in_units=2), nn.Lambda("relu"), nn.Flatten())
    assert len(seq) == 3 and isinstance(seq[1], nn.Lambda)
    sub = seq[1:]
    assert type(sub) is nn.Sequential and len(sub) == 2 and sub.prefix == "s_"
    with pytest.warns(UserWarning, match="HybridSequential"):
        nn.Sequential().add(nn.Dense(1)) or None
        hs = nn.Sequential()
        hs.add(nn.Dense(1))
        hs.hybridize()
    with pytest.raises(AssertionError, match="no less than 0"):
        nn.LeakyReLU(-1)
    with pytest.raises(AssertionError, match="not found"):
        nn.Lambda("no_such_op")
    with pytest.raises(ValueError, match="Unrecognized function"):
        nn.HybridLambda(3)
    drop = nn.Dropout(0.5)
    x = mx.nd.ones((50, 40))
    _close(drop(x).asnumpy(), x.asnumpy())           # prediction: identity
    with mx.autograd.record():
        y = drop(x).asnumpy()
    assert set(np.unique(y)) <= {0.0, 2.0} and 0.3 < (y == 0).mean() < 0.7
    x = mx.nd.array([-1.5, 0.5])
    for block, act in ((nn.SELU(), "selu"), (nn.GELU(), "gelu"), (nn.ELU(0.5), "elu")):
        expected = mx.nd.LeakyReLU(x, act_type=act, slope=0.5 if act == "elu" else 0.25)
        _close(block(x).asnumpy(), expected.asnumpy())
    _close(nn.Swish(2.0)(x).asnumpy(), (x * mx.nd.sigmoid(2 * x)).asnumpy())
    emb = nn.Embedding(4, 3)
    emb.initialize(mx.init.Constant(mx.nd.arange(12).reshape((4, 3))))
    _close(emb(mx.nd.array([3, 0])).asnumpy(), [[9, 10, 11], [0, 1, 2]])
