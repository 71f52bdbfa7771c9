"""Every mx.gluon.nn layer against MXNet 1.9.1 with the same Parameters.

tests/data/make_gluon_nn_parity.py (run by MXNet 1.9.1) builds each config's layer, gives
its Parameters seeded random values, saves them with save_parameters (gluon_nn_<group>.params)
and records the output, the input and Parameter gradients of ``(out * head).sum()`` and the
BatchNorm running statistics after the pass (gluon_nn_parity.nd). Here mxgrad builds the
same layer from the same module, loads MXNet's file and must give the same numbers.
"""
import json
import os
import sys

import numpy as np
import pytest

import mxgrad as mx
from gradcheck import check_gradients

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
sys.path.insert(0, DATA)
from make_gluon_nn_parity import (CONFIGS, GROUPS, build_holder, load_layer,  # noqa: E402
                                  make_head, make_input, run_pass)

nn = mx.gluon.nn
RECORDS = {k: v.asnumpy() for k, v in
           mx.nd.load(os.path.join(DATA, "gluon_nn_parity.nd")).items()}
with open(os.path.join(DATA, "gluon_nn_reprs.json")) as f:
    REPRS = json.load(f)

# The training pass of a normalization subtracts the mean: float32 cancellation leaves a few
# 1e-6 of noise after it, as in tests/test_gluon_core.py.
ATOL = {"norm": 2e-5}
# MXNet 1.9.1's SELU gradient below 0 is wrong (docs/migration.md): compared where x > 0,
# and against finite differences below.
POSITIVE_GRAD_ONLY = {"selu"}


def _params_file(group):
    return os.path.join(DATA, f"gluon_nn_{group}.params")


def _channel_view(layer, arr, ndim):
    shape = [1] * ndim
    shape[layer._kwargs["axis"] % ndim] = -1
    return arr.reshape(shape)


def _predict_batchnorm_x_grad(layer, name, ctx):
    """The derivative of a predict-mode BatchNorm, ``head * gamma / sqrt(running_var +
    eps)``: MXNet 1.9.1 gives its train-mode formula here instead (docs/migration.md)."""
    x = make_input(name)
    head = make_head(name, x.shape)
    k = layer._kwargs
    gamma = 1 if k["fix_gamma"] else _channel_view(layer, layer.gamma.data(ctx).asnumpy(),
                                                   x.ndim)
    var = _channel_view(layer, layer.running_var.data(ctx).asnumpy(), x.ndim)
    return head * gamma / np.sqrt(var + k["eps"])


def _expected(name, key, layer, ctx):
    """MXNet's record, or what mxgrad gives instead where MXNet is wrong."""
    mxnet = RECORDS[f"{name}:{key}"]
    if name.startswith("batchnorm") and CONFIGS[name][3] == "predict" and key == "x_grad":
        right = _predict_batchnorm_x_grad(layer, name, ctx)
        assert not np.allclose(right, mxnet, atol=1e-3)     # MXNet's differs
        return right
    if name.startswith("batchnorm") and key == "after:gamma":
        # scale=False: MXNet writes ones into gamma on every call; mxgrad leaves it
        assert (mxnet == 1).all()
        return mx.nd.load(_params_file("norm"))[f"{name}.gamma"].asnumpy()
    return mxnet


@pytest.mark.parametrize("name", list(CONFIGS))
def test_layer_matches_mxnet(name, ctx):
    group = CONFIGS[name][0]
    layer = load_layer(mx, name, ctx)
    assert repr(layer) == REPRS[name]
    x, out = run_pass(mx, layer, name, ctx)
    atol = ATOL.get(group, 1e-5)

    def close(got, key):
        np.testing.assert_allclose(got, _expected(name, key, layer, ctx), rtol=1e-5,
                                   atol=atol, err_msg=f"{name}:{key}")

    assert out.shape == RECORDS[f"{name}:out"].shape
    close(out.asnumpy(), "out")
    if f"{name}:x_grad" in RECORDS:
        grad = x.grad.asnumpy()
        if name in POSITIVE_GRAD_ONLY:
            keep = x.asnumpy() > 0
            assert keep.any() and not keep.all()
            np.testing.assert_allclose(grad[keep], RECORDS[f"{name}:x_grad"][keep],
                                       rtol=1e-5, atol=atol)
        else:
            close(grad, "x_grad")
    params = layer._collect_params_with_prefix()
    expected = sorted(k.split(":", 2)[2] for k in RECORDS
                      if k.startswith(f"{name}:grad:") or k.startswith(f"{name}:after:"))
    assert sorted(params) == expected
    for key, param in params.items():
        if param.grad_req == "null":
            close(param.data(ctx).asnumpy(), f"after:{key}")
        else:
            close(param.grad(ctx).asnumpy(), f"grad:{key}")


@pytest.mark.parametrize("group", [g for g in GROUPS if os.path.exists(_params_file(g))])
def test_group_files_load_strictly_and_save_back_mxnet_bytes(group, tmp_path):
    """All names of MXNet's file match the holder's; saving writes MXNet's bytes back."""
    holder = build_holder(mx, group)
    holder.load_parameters(_params_file(group))
    out = str(tmp_path / "back.params")
    holder.save_parameters(out)
    with open(out, "rb") as f1, open(_params_file(group), "rb") as f2:
        assert f1.read() == f2.read()


def test_every_layer_class_is_covered():
    built = {type(b).__name__ for name in CONFIGS for b in _walk(CONFIGS[name][1](nn))}
    public = {n for n in dir(nn) if isinstance(getattr(nn, n), type)
              and issubclass(getattr(nn, n), mx.gluon.Block)}
    assert len(public) > 35
    assert public - built == {"Block", "HybridBlock", "SymbolBlock"}


def test_embedding_config_repeats_rows():
    """So its weight gradient checks rows that sum several heads."""
    rows = make_input("embedding").ravel()
    assert len(np.unique(rows)) < rows.size
    assert (RECORDS["embedding:grad:weight"] != 0).any(axis=1).sum() == len(np.unique(rows))


def _walk(block):
    yield block
    for child in block._children.values():
        yield from _walk(child)


def test_grouped_transposed_conv_infers_in_channels(ctx):
    """MXNet 1.9.1's deferred initialization fails here (docs/migration.md)."""
    layer = nn.Conv1DTranspose(4, 3, strides=2, output_padding=1, groups=2)
    layer.initialize(mx.init.Uniform(), ctx=ctx)
    x = mx.nd.array(np.random.RandomState(5).uniform(-1, 1, (1, 2, 4)), ctx=ctx)
    y = layer(x)
    assert layer.weight.shape == (2, 2, 3)
    expected = mx.nd.Deconvolution(x, layer.weight.data(ctx), layer.bias.data(ctx),
                                   kernel=(3,), stride=(2,), adj=(1,), num_filter=4,
                                   num_group=2, no_bias=False)
    np.testing.assert_allclose(y.asnumpy(), expected.asnumpy(), rtol=1e-6)


# ---------------------------------------------------------------- Dropout in training

def test_dropout_training_statistics(ctx):
    x = mx.nd.array(np.random.RandomState(0).uniform(1, 2, (50, 40)), ctx=ctx)
    x.attach_grad()
    drop = nn.Dropout(0.3)
    with mx.autograd.record():
        y = drop(x)
    y.backward()
    y, xs, g = y.asnumpy(), x.asnumpy(), x.grad.asnumpy()
    kept = y != 0
    assert abs(1 - kept.mean() - 0.3) < 0.05
    np.testing.assert_allclose(y[kept], xs[kept] / 0.7, rtol=1e-6)
    np.testing.assert_allclose(g, kept / 0.7, rtol=1e-6)
    # predict mode and autograd.predict_mode are the identity
    np.testing.assert_array_equal(drop(x).asnumpy(), xs)
    with mx.autograd.record(train_mode=False):
        np.testing.assert_array_equal(drop(x).asnumpy(), xs)


def test_dropout_rate_1_is_the_identity_in_predict_mode(ctx):
    """As MXNet 1.9.1 in predict mode; training refuses p=1 (MXNet: NaN, docs/migration.md)."""
    x = mx.nd.array([[1.5, -2.0]], ctx=ctx)
    drop = nn.Dropout(1.0)
    np.testing.assert_array_equal(drop(x).asnumpy(), x.asnumpy())
    with mx.autograd.record():
        with pytest.raises(mx.base.MXNetError, match="p must be in"):
            drop(x)
    # the op itself as MXNet 1.9.1's: p=1 outside training is the identity
    np.testing.assert_array_equal(mx.nd.Dropout(x, p=1.0).asnumpy(), x.asnumpy())
    with pytest.raises(mx.base.MXNetError, match="p must be in"):
        mx.nd.Dropout(x, p=1.0, mode="always")
    with pytest.raises(mx.base.MXNetError, match="p must be in"):
        mx.nd.Dropout(x, p=1.5)


def test_dropout_axes_share_the_mask(ctx):
    x = mx.nd.ones((6, 5, 4), ctx=ctx)
    with mx.autograd.record():
        y = nn.Dropout(0.5, axes=(1,))(x).asnumpy()
    assert (y == y[:, :1, :]).all()
    assert set(np.unique(y)) <= {0.0, 2.0} and 0 < (y == 0).mean() < 1


# ---------------------------------------------------------------- float64 gradients

def _float64_layer(layer, ctx, x_shape):
    layer.initialize(mx.init.Uniform(0.8), ctx=ctx)
    layer.cast("float64")
    layer(mx.nd.zeros(x_shape, ctx=ctx, dtype="float64"))
    return layer


@pytest.mark.parametrize("make, shape", [
    (lambda: nn.Swish(1.5), (2, 3)),
    (lambda: nn.SELU(), (2, 3)),
    (lambda: nn.InstanceNorm(axis=2, scale=True), (2, 2, 3)),
    (lambda: nn.ReflectionPad2D((0, 0, 0, 0, 1, 0, 0, 2)), (1, 1, 2, 3)),
    (lambda: nn.HybridLambda(lambda F, x: F.LeakyReLU(x, slope=0.3) * F.sin(x)), (2, 3)),
], ids=["swish", "selu", "instancenorm_axis_2", "reflection_pad", "hybrid_lambda"])
def test_layers_composed_in_gluon_have_exact_float64_gradients(make, shape, ctx, fp64):
    layer = _float64_layer(make(), ctx, shape)
    x = np.random.RandomState(3).uniform(-1.5, 1.5, shape)
    check_gradients(layer, [x], ctx, order=1)


@pytest.mark.parametrize("make, x_shape", [
    (lambda: nn.Conv2D(2, (2, 1), padding=(0, 1), layout="NHWC", use_bias=False,
                       in_channels=3), (1, 3, 2, 3)),
    (lambda: nn.Conv3DTranspose(2, (1, 2, 1), strides=(1, 2, 1), layout="NDHWC",
                                use_bias=False, in_channels=2), (1, 1, 2, 2, 2)),
], ids=["conv2d_nhwc", "conv3d_transpose_ndhwc"])
def test_channels_last_convolution_float64_gradients(make, x_shape, ctx, fp64):
    """The transposes around the channels-first op carry exact gradients to x and weight."""
    layer = _float64_layer(make(), ctx, x_shape)
    rng = np.random.RandomState(4)
    x = rng.uniform(-1, 1, x_shape)
    w = rng.uniform(-1, 1, layer.weight.shape)
    check_gradients(lambda x, w: layer.hybrid_forward(mx.nd, x, w), [x, w], ctx, order=1)


@pytest.mark.parametrize("layout, shape", [("NWC", (1, 5, 2)), ("NHWC", (1, 3, 4, 2)),
                                           ("NDHWC", (1, 2, 3, 2, 2))])
def test_channels_last_pooling_float64_gradients(layout, shape, ctx, fp64):
    n = len(shape) - 2
    layer = getattr(nn, f"AvgPool{n}D")(2, 1, 1, layout=layout, ceil_mode=True,
                                        count_include_pad=False)
    x = np.random.RandomState(6).uniform(-1, 1, shape)
    check_gradients(layer, [x], ctx, order=1)
