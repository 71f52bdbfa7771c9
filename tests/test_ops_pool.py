"""Pooling: forward vs a NumPy reference, MXNet 1.9.1's shape rules, tie and padding behaviour
and errors (values checked against mxnet 1.9.1), first and second order gradients."""
import itertools

import numpy as np
import pytest

import mxgrad as mx
from mxgrad.base import MXNetError
from mxgrad.ndarray.pool import Pooling

from gradcheck import check_gradients
from launches import traced


def ref_pool(x, kernel, pool_type="max", stride=(), pad=(), pooling_convention="valid",
             count_include_pad=True):
    """Every output as an explicit window reduction (float64)."""
    rank = len(kernel)
    stride = tuple(stride) or (1,) * rank
    pad = tuple(pad) or (0,) * rank
    sp = x.shape[2:]
    rnd = np.floor if pooling_convention == "valid" else np.ceil
    out = [int(rnd((sp[i] + 2 * pad[i] - kernel[i]) / stride[i])) + 1 for i in range(rank)]
    y = np.zeros(x.shape[:2] + tuple(out))
    for o in itertools.product(*[range(s) for s in out]):
        lo = [o[i] * stride[i] - pad[i] for i in range(rank)]
        sl = tuple(slice(max(lo[i], 0), max(min(lo[i] + kernel[i], sp[i]), 0))
                   for i in range(rank))
        win = x[(slice(None), slice(None)) + sl].reshape(x.shape[:2] + (-1,))
        if pool_type == "max":
            y[(slice(None), slice(None)) + o] = (win.max(-1) if win.shape[-1]
                                                 else np.finfo(np.float32).min)
            continue
        total = win.sum(-1)
        if pool_type == "avg":
            if count_include_pad:
                count = np.prod([min(lo[i] + kernel[i], sp[i] + pad[i]) - lo[i]
                                 for i in range(rank)])
            else:
                count = win.shape[-1]
            total = total / count if count > 0 else 0 * total
        y[(slice(None), slice(None)) + o] = total
    return y


CASES = []
for _pt in ("max", "avg", "sum"):
    for _conv in ("valid", "full"):
        CASES += [dict(x=(2, 2, 5, 5), kernel=(2, 2), stride=(2, 2)),
                  dict(x=(2, 2, 5, 5), kernel=(3, 3), stride=(2, 2), pad=(1, 1)),
                  dict(x=(1, 2, 7), kernel=(2,), stride=(3,), pad=(1,)),
                  dict(x=(1, 1, 4, 5, 5), kernel=(2, 3, 2), stride=(1, 2, 2), pad=(1, 0, 1))]
        for _c in CASES[-4:]:
            _c.update(pool_type=_pt, pooling_convention=_conv)
CASES += [dict(x=(2, 2, 5, 5), kernel=(3, 3), stride=(2, 2), pad=(1, 1), pool_type="avg",
               count_include_pad=False),
          dict(x=(1, 2, 6), kernel=(2,), pad=(3,), pool_type="avg", count_include_pad=False),
          dict(x=(1, 2, 6), kernel=(2,), pad=(3,), pool_type="avg")]
# windows of more than 64 elements take the run-time loop variant of the kernels
CASES += [dict(x=(1, 2, 10, 10), kernel=(9, 8), stride=(1, 2), pad=(1, 0), pool_type=t)
          for t in ("max", "avg", "sum")]


def _kwargs(case):
    return {k: v for k, v in case.items() if k != "x"}


@pytest.mark.parametrize("case", CASES, ids=lambda c: "-".join(
    str(c.get(k)) for k in ("x", "kernel", "pool_type", "pooling_convention")))
def test_pooling_matches_reference(ctx, case):
    x = np.random.RandomState(0).randn(*case["x"])
    y = Pooling(mx.nd.array(x, ctx=ctx), **_kwargs(case))
    expected = ref_pool(x, **_kwargs(case))
    assert y.shape == expected.shape
    np.testing.assert_allclose(y.asnumpy(), expected, rtol=1e-5, atol=1e-5)


def test_pooling_values_from_mxnet(ctx):
    # numbers printed by mxnet 1.9.1 for arange(100).reshape(2, 2, 5, 5) and arange(1, 6)
    x = mx.nd.arange(100, ctx=ctx).reshape((2, 2, 5, 5))
    y = Pooling(x, kernel=(3, 3), stride=(2, 2), pad=(1, 1), pool_type="avg")
    np.testing.assert_allclose(y.asnumpy().ravel()[:4], [1.3333334, 3.0, 2.6666667, 7.0],
                               rtol=1e-6)
    y = Pooling(x, kernel=(2, 2), stride=(2, 2), pooling_convention="full", pool_type="avg")
    np.testing.assert_allclose(y.asnumpy().ravel()[:3], [3.0, 5.0, 6.5])
    assert Pooling(x, global_pool=True, pool_type="sum").asnumpy().ravel().tolist() == \
        [300.0, 925.0, 1550.0, 2175.0]
    v = mx.nd.arange(1, 6, ctx=ctx).reshape((1, 1, 5))
    np.testing.assert_allclose(Pooling(v, kernel=(1,), stride=(3,), pad=(2,), pool_type="avg",
                                       pooling_convention="full").asnumpy().ravel(),
                               [0, 2, 5, 0])
    lowest = np.finfo(np.float32).min
    np.testing.assert_array_equal(
        Pooling(v, kernel=(2,), stride=(3,), pad=(1,), pooling_convention="full").asnumpy()
        .ravel(), [1, 4, lowest])
    for dtype in ("float16", "float64"):
        if dtype == "float64" and not ctx.state.has_fp64:
            continue
        y = Pooling(v.astype(dtype), kernel=(2,), pad=(3,))
        assert y.dtype == np.dtype(dtype)
        assert y.asnumpy()[0, 0, 0] == np.finfo(dtype).min
    # lp pooling has no abs: p=1 is sum pooling, p=3 a signed cube root
    w = mx.nd.array([[[-1.0, 2.0, -3.0, 0.5]]], ctx=ctx)
    np.testing.assert_allclose(Pooling(w, kernel=(2,), stride=(2,), pool_type="lp",
                                       p_value=3).asnumpy().ravel(),
                               [1.9129312, -2.9953632], rtol=1e-6)
    np.testing.assert_allclose(Pooling(w, kernel=(2,), stride=(2,), pool_type="lp",
                                       p_value=2).asnumpy().ravel(),
                               [2.236068, 3.0413814], rtol=1e-6)


@pytest.mark.parametrize("kernel, stride, expected", [
    # where mxnet 1.9.1 routes the gradient of max pooling over a 4x4 of ones (ties): the
    # first maximum of each window in row-major order gets it
    ((2, 2), (2, 2), [[1, 0, 1, 0], [0, 0, 0, 0], [1, 0, 1, 0], [0, 0, 0, 0]]),
    ((3, 3), (1, 1), [[1, 1, 0, 0], [1, 1, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]]),
    ((2, 2), (1, 1), [[1, 1, 1, 0], [1, 1, 1, 0], [1, 1, 1, 0], [0, 0, 0, 0]]),
])
def test_max_pool_gradient_goes_to_first_maximum(ctx, kernel, stride, expected):
    x = mx.nd.ones((1, 1, 4, 4), ctx=ctx)
    x.attach_grad()
    with mx.autograd.record():
        y = Pooling(x, kernel=kernel, stride=stride)
    y.backward(mx.nd.ones(y.shape, ctx=ctx))
    np.testing.assert_array_equal(x.grad.asnumpy()[0, 0], expected)


def test_max_pool_gradient_skips_padding(ctx):
    x = mx.nd.full((1, 1, 3, 3), -1.0, ctx=ctx)
    x.attach_grad()
    with mx.autograd.record():
        y = Pooling(x, kernel=(2, 2), stride=(2, 2), pad=(1, 1))
    y.backward(mx.nd.ones(y.shape, ctx=ctx))
    np.testing.assert_array_equal(y.asnumpy(), -np.ones((1, 1, 2, 2)))
    np.testing.assert_array_equal(x.grad.asnumpy()[0, 0], [[1, 1, 0], [1, 1, 0], [0, 0, 0]])


@pytest.mark.parametrize("shape, kwargs, out_shape", [
    ((2, 2, 5, 5), dict(kernel=(2, 2)), (2, 2, 4, 4)),
    ((2, 2, 5, 5), dict(kernel=(2, 2), stride=(2, 2)), (2, 2, 2, 2)),
    ((2, 2, 5, 5), dict(kernel=(2, 2), stride=(2, 2), pooling_convention="full"), (2, 2, 3, 3)),
    ((2, 2, 5, 5), dict(kernel=(3, 3), global_pool=True, stride=(2, 2), pad=(1, 1)),
     (2, 2, 1, 1)),
    ((2, 2, 5, 5), dict(global_pool=True, pool_type="avg"), (2, 2, 1, 1)),
    ((2, 2, 5, 5), dict(kernel=(6, 6), pad=(1, 1)), (2, 2, 2, 2)),
    ((2, 2, 5, 5), dict(kernel=(2, 2), pad=(2, 2)), (2, 2, 8, 8)),
    ((1, 1, 10), dict(kernel=(3,), stride=(2,), pooling_convention="full"), (1, 1, 5)),
    ((1, 1, 5), dict(kernel=(2,), pad=(-1,)), (1, 1, 2)),
    ((1, 1, 3, 3, 3), dict(kernel=(2, 2, 2)), (1, 1, 2, 2, 2)),
])
def test_pooling_output_shapes(ctx, shape, kwargs, out_shape):
    assert Pooling(mx.nd.ones(shape, ctx=ctx), **kwargs).shape == out_shape


@pytest.mark.parametrize("shape, kwargs, message", [
    ((2, 2, 5, 5), dict(), "kernel is required"),
    ((2, 2, 5, 5), dict(kernel=(2, 2), pooling_convention="bad"), "pooling_convention"),
    ((2, 2, 5, 5), dict(kernel=(2, 2), pooling_convention="same"), "same"),
    ((2, 2, 5, 5), dict(kernel=(2, 2), pool_type="foo"), "pool_type"),
    ((2, 2, 5, 5), dict(kernel=(2, 2), pool_type="lp"), "p_value"),
    ((2, 2, 5, 5), dict(kernel=(6, 6)), "exceeds input"),
    ((2, 2, 5, 5), dict(kernel=(2,)), "needs 3-D data"),
    ((2, 2, 5, 5), dict(kernel=(2, 2), stride=(1,)), "stride"),
    ((2, 2, 5, 5), dict(kernel=(2, 2), stride=(0, 1)), "stride"),
    ((2, 2, 5, 5), dict(kernel=(0, 2)), "kernel"),
    ((2, 2, 5, 5), dict(kernel=(2, 2), layout="NHWC"), "layout"),
    ((10,), dict(kernel=(3,)), "3-D"),
])
def test_pooling_errors(ctx, shape, kwargs, message):
    with pytest.raises(MXNetError, match=message) as err:
        Pooling(mx.nd.ones(shape, ctx=ctx), **kwargs)
    assert "Pooling" in str(err.value)
    with pytest.raises(MXNetError, match="floating point"):
        Pooling(mx.nd.ones((1, 1, 4), ctx=ctx, dtype="int32"), kernel=(2,))


@pytest.mark.parametrize("kwargs", [
    dict(kernel=(3, 3), stride=(2, 2), pad=(1, 1), pool_type="avg"),
    dict(kernel=(2, 2), stride=(2, 2), pad=(1, 1), pool_type="avg", count_include_pad=False,
         pooling_convention="full"),
    dict(kernel=(2, 3), stride=(1, 2), pool_type="sum"),
    dict(kernel=(3, 3), stride=(1, 1), pad=(1, 1), pool_type="max"),
    dict(kernel=(2, 2), stride=(2, 2), pooling_convention="full", pool_type="max"),
    dict(kernel=(2, 2), pool_type="lp", p_value=2),
    dict(global_pool=True, pool_type="avg"),
    dict(kernel=(5, 5), stride=(1, 2), pad=(2, 2), pool_type="avg"),
    dict(kernel=(5, 4), stride=(1, 1), pool_type="max"),
], ids=lambda k: f"{k.get('pool_type')}-{k.get('kernel')}-{k.get('pooling_convention')}")
def test_pooling_gradients_first_and_second_order(ctx, fp64, kwargs):
    # distinct values so no max sits within finite-difference reach of a tie
    x = np.random.RandomState(1).permutation(50).reshape(2, 1, 5, 5) * 0.1 + 0.05
    check_gradients(lambda a: Pooling(a, **kwargs) ** 2, [x], ctx, order=2)


def test_pool_1d_3d_and_large_window_gradients(ctx, fp64):
    rng = np.random.RandomState(2)
    check_gradients(lambda a: Pooling(a, kernel=(2,), stride=(1,), pad=(1,)) ** 2,
                    [rng.permutation(12).reshape(2, 1, 6) * 0.1], ctx, order=2)
    check_gradients(lambda a: Pooling(a, kernel=(2, 2, 2), pool_type="avg") ** 2,
                    [rng.randn(1, 1, 3, 3, 3)], ctx, order=2)
    # windows of more than 64 elements: the run-time loop variant of the kernels
    big = rng.permutation(90).reshape(1, 1, 9, 10) * 0.1
    for kwargs in (dict(pool_type="max"), dict(pool_type="avg", pad=(1, 0))):
        check_gradients(lambda a: Pooling(a, kernel=(8, 9), stride=(1, 1), **kwargs) ** 2,
                        [big], ctx, order=2)


@pytest.mark.parametrize("p, expected", [(2, [0, 0, -0.98639387, 0.16439898]),
                                         (3, [0, 0, 1.0030982, 0.02786385]),
                                         (1, [1, 1, 1, 1])])
def test_lp_pool_gradient_of_a_zero_window_is_zero(ctx, p, expected):
    # gradients printed by mxnet 1.9.1 (window [0, 0] has value 0: gradient 0, not NaN)
    x = mx.nd.array([[[0.0, 0.0, -3.0, 0.5]]], ctx=ctx)
    x.attach_grad()
    with mx.autograd.record():
        y = Pooling(x, kernel=(2,), stride=(2,), pool_type="lp", p_value=p)
    y.backward(mx.nd.ones(y.shape, ctx=ctx))
    np.testing.assert_allclose(x.grad.asnumpy().ravel(), expected, rtol=1e-5)


@pytest.mark.parametrize("p", [2, 3, 2.5])
def test_lp_pool_gradients_first_and_second_order(ctx, fp64, p):
    x = np.random.RandomState(3).uniform(0.5, 1.5, size=(1, 2, 4, 4))
    check_gradients(lambda a: Pooling(a, kernel=(2, 2), stride=(1, 2), pool_type="lp",
                                      p_value=p), [x], ctx, order=2)


# --- pooling_convention='same' (MXNet 1.9.1: 1-D only, checked against its non-oneDNN path) -
def ref_same_pool_1d(x, k, s, pool_type, p_value=2):
    """Window o covers [o*s, min(o*s + k, W)); avg divides by the elements inside."""
    W = x.shape[2]
    out = []
    for o in range(-(-W // s)):
        win = x[:, :, o * s:min(o * s + k, W)]
        out.append({"max": win.max(-1), "avg": win.mean(-1), "sum": win.sum(-1),
                    "lp": (win ** p_value).sum(-1) ** (1 / p_value)}[pool_type])
    return np.stack(out, axis=-1)


same_rng = np.random.RandomState(14)
SAME_WINDOWS = [(3, 1), (3, 2), (2, 2), (4, 3), (1, 3), (5, 2), (7, 1)]


@pytest.mark.parametrize("pool_type", ["max", "avg", "sum", "lp"])
@pytest.mark.parametrize("k,s", SAME_WINDOWS)
@pytest.mark.parametrize("pad", [(0, 0, 0), (0,), ()])
def test_pooling_same_1d(ctx, pool_type, k, s, pad):
    x = same_rng.uniform(0.5, 2, size=(2, 3, 7)).astype(np.float32)
    y = Pooling(mx.nd.array(x, ctx=ctx), kernel=(k,), stride=(s,), pad=pad,
                pool_type=pool_type, pooling_convention="same", p_value=2,
                count_include_pad=True)         # ignored by 'same', as MXNet
    np.testing.assert_allclose(y.asnumpy(), ref_same_pool_1d(x, k, s, pool_type), rtol=1e-5)


@pytest.mark.parametrize("pool_type", ["max", "avg", "sum", "lp"])
@pytest.mark.parametrize("k,s", [(3, 2), (4, 1), (2, 3)])
def test_pooling_same_1d_gradients(ctx, fp64, pool_type, k, s):
    x = same_rng.permutation(14).reshape(1, 2, 7) * 0.25 + 0.5   # no ties
    check_gradients(lambda a: Pooling(a, kernel=(k,), stride=(s,), pool_type=pool_type,
                                      pooling_convention="same", p_value=2),
                    [x], ctx, order=2, rtol=1e-4)


@pytest.mark.parametrize("pool_type, value, grad", [
    # MXNet 1.9.1 (MXNET_MKLDNN_ENABLED=0): x = [3, 1, 4, 1, 5, 9, 2], kernel 3, stride 2,
    # pad=(0, 0, 0), head gradient [1, 2, 3, 4]
    ("max", [4, 5, 9, 2], [0, 0, 1, 0, 2, 3, 4]),
    ("avg", [8 / 3, 10 / 3, 16 / 3, 2], [1 / 3, 1 / 3, 1, 2 / 3, 5 / 3, 1, 5]),
    ("sum", [8, 10, 16, 2], [1, 1, 3, 2, 5, 3, 7]),
])
def test_pooling_same_matches_mxnet(ctx, pool_type, value, grad):
    x = mx.nd.array([[[3, 1, 4, 1, 5, 9, 2]]], ctx=ctx)
    x.attach_grad()
    with mx.autograd.record():
        y = mx.nd.Pooling(x, kernel=(3,), stride=(2,), pad=(0, 0, 0), pool_type=pool_type,
                          pooling_convention="same")
    y.backward(mx.nd.array([[[1, 2, 3, 4]]], ctx=ctx))
    np.testing.assert_allclose(y.asnumpy().ravel(), value, rtol=1e-6)
    np.testing.assert_allclose(x.grad.asnumpy().ravel(), grad, rtol=1e-6)
    g = mx.nd.Pooling(x, kernel=(3,), pad=(0, 0, 0), pool_type=pool_type, global_pool=True,
                      pooling_convention="same")
    np.testing.assert_allclose(g.asnumpy().ravel(),
                               ref_same_pool_1d(x.asnumpy(), 7, 1, pool_type)[..., :1].ravel(),
                               rtol=1e-6)


@pytest.mark.parametrize("shape, kwargs, message", [
    ((1, 1, 5, 5), dict(kernel=(3, 3)), "1-D"),
    ((1, 1, 5, 5, 5), dict(kernel=(3, 3, 3), stride=(2, 2, 2)), "1-D"),
    ((1, 1, 5, 5), dict(kernel=(3, 3), global_pool=True), "1-D"),
    ((1, 1, 7), dict(kernel=(3,), pad=(1,)), "padding"),
    ((1, 1, 7), dict(kernel=(3,), pad=(0, 1, 0)), "padding"),
    ((1, 1, 7), dict(kernel=(9,), pad=(0, 0, 0)), "exceeds"),
    ((1, 1, 7), dict(kernel=(3,), stride=(0,)), "stride"),
    ((1, 1, 7), dict(kernel=(3, 3)), "needs 4-D"),
])
def test_pooling_same_refused_as_mxnet(ctx, shape, kwargs, message):
    x = mx.nd.ones(shape, ctx=ctx)
    for pool_type in ("max", "avg", "sum", "lp"):
        with pytest.raises(MXNetError, match=message):
            Pooling(x, pool_type=pool_type, pooling_convention="same", p_value=2, **kwargs)


def ref_max_pool_grad(x, head, kernel, stride):
    """Each window's output gradient added at its first maximum (no padding)."""
    rank = len(kernel)
    dx = np.zeros_like(x)
    out = head.shape[2:]
    for n, c in itertools.product(range(x.shape[0]), range(x.shape[1])):
        for o in itertools.product(*[range(s) for s in out]):
            sl = tuple(slice(o[i] * stride[i], o[i] * stride[i] + kernel[i]) for i in range(rank))
            win = x[(n, c) + sl]
            at = np.unravel_index(np.argmax(win), win.shape)
            dx[(n, c) + tuple(o[i] * stride[i] + at[i] for i in range(rank))] += head[(n, c) + o]
    return dx


@pytest.mark.parametrize("shape, kernel, tiled", [
    ((2, 2, 4, 6), (2, 3), True),
    ((2, 3, 4, 6), (2, 2), True),
    ((2, 3, 6), (3,), True),
    ((2, 3, 6), (2,), True),
    ((1, 2, 4, 4, 2), (2, 2, 2), True),
    ((2, 2, 5, 5), (2, 2), False),          # the last row and column are in no window
    ((1, 2, 4, 6), (1, 1), True),
])
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
def test_max_pool_of_tiling_windows(ctx, shape, kernel, tiled, dtype):
    """Windows that tile the image (kernel = stride, no pad) take the per-window kernels
    (max_forward_tiled, max_unpool_tiled); the others the general ones. Both give the
    maximum and route the gradient to the first maximum, with or without recording."""
    from mxgrad.ndarray import pool
    if dtype == "float64" and not ctx.state.has_fp64:
        pytest.skip("no float64")
    rng = np.random.RandomState(3)
    # distinct values (exact in float16) with some ties between neighbours
    x = (rng.permutation(int(np.prod(shape))).reshape(shape) // 2).astype(np.float64)
    data = mx.nd.array(x, ctx=ctx, dtype=dtype)
    g = pool._geometry(data, kernel, False, "valid", kernel, (), True)
    assert pool._tiles(g) == tiled
    expected = ref_pool(x, kernel, stride=kernel)
    y, trace = traced(ctx, lambda: Pooling(data, kernel=kernel, stride=kernel))
    np.testing.assert_array_equal(y.asnumpy(), expected)
    assert ("max_forward_tiled" in trace) == tiled
    data.attach_grad()
    with mx.autograd.record():
        y = Pooling(data, kernel=kernel, stride=kernel)
    np.testing.assert_array_equal(y.asnumpy(), expected)
    head = rng.randint(-4, 5, y.shape).astype(np.float64)
    head_nd = mx.nd.array(head, ctx=ctx, dtype=dtype)
    _, trace = traced(ctx, lambda: y.backward(head_nd))
    assert ("max_unpool_tiled" in trace) == tiled
    np.testing.assert_array_equal(data.grad.asnumpy(), ref_max_pool_grad(x, head, kernel, kernel))


def test_max_pool_tiled_gradients_first_and_second_order(ctx, fp64):
    x = np.random.RandomState(4).permutation(48).reshape(2, 1, 4, 6) * 0.1 + 0.05
    check_gradients(lambda a: Pooling(a, kernel=(2, 3), stride=(2, 3)) ** 2, [x], ctx, order=2)
