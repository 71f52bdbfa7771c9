"""The rest of mx.nd's math (mxgrad/ndarray/math_extra.py and the gamma, gammaln, erfinv rows
of the elementwise table): values against Python's math module or MXNet 1.9.1's printed
results, gradients to second order against finite differences, and misuse errors."""
import math

import numpy as np
import pytest

import mxgrad as mx
from mxgrad.base import MXNetError
from gradcheck import check_gradients
from launches import needs_fusion, traced


def _inverse_erf(y):
    """erf's inverse by bisection in float64 (the reference for erfinv)."""
    lo, hi = -10.0, 10.0
    for _ in range(200):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if math.erf(mid) < y else (lo, mid)
    return (lo + hi) / 2


@pytest.mark.parametrize("dtype, rtol", [("float32", 2e-6), ("float64", 1e-13)])
def test_gamma_gammaln_erfinv_values(ctx, dtype, rtol):
    if dtype == "float64" and not ctx.state.has_fp64:
        pytest.skip(f"{ctx} has no float64")
    x = np.array([0.5, 1.5, 3.0, -0.5, -2.5, 7.25, 20.0])
    a = mx.nd.array(x, ctx=ctx, dtype=dtype)
    np.testing.assert_allclose(mx.nd.gamma(a).asnumpy(), [math.gamma(v) for v in x], rtol=rtol)
    np.testing.assert_allclose(mx.nd.gammaln(a).asnumpy(), [math.lgamma(v) for v in x],
                               rtol=rtol, atol=rtol)
    y = np.array([0.0, 0.5, -0.9, 0.999, -1e-6, 0.3])
    got = mx.nd.erfinv(mx.nd.array(y, ctx=ctx, dtype=dtype)).asnumpy()
    np.testing.assert_allclose(got, [_inverse_erf(v) for v in y], rtol=rtol * 4, atol=1e-30)
    edges = mx.nd.erfinv(mx.nd.array([1, -1, 1.5, np.nan], ctx=ctx, dtype=dtype)).asnumpy()
    np.testing.assert_array_equal(edges, [np.inf, -np.inf, np.nan, np.nan])


def test_gamma_matches_mxnet(ctx):
    # printed by MXNet 1.9.1 for these inputs (float32), and int32 keeping its dtype
    a = mx.nd.array([0.5, 1.5, 3.0, -0.5], ctx=ctx)
    np.testing.assert_allclose(mx.nd.gamma(a).asnumpy(),
                               [1.7724538, 0.88622695, 2.0000002, -3.544908], rtol=3e-7)
    np.testing.assert_allclose(mx.nd.gammaln(a).asnumpy(),
                               [0.5723649, -0.12078223, 0.6931472, 1.2655121], rtol=3e-7)
    i = mx.nd.gamma(mx.nd.array([1, 2, 4], ctx=ctx, dtype="int32"))
    assert i.dtype == np.int32
    np.testing.assert_array_equal(i.asnumpy(), [1, 1, 6])


@pytest.mark.parametrize("name, x", [
    ("gamma", [0.5, 1.5, 3.2, -0.5, -1.7]),
    ("gammaln", [0.5, 1.5, 3.2, 12.5, -0.5, -1.7]),
    ("erfinv", [-0.5, 0.0, 0.3, 0.9]),
])
def test_special_function_gradients(ctx, fp64, name, x):
    check_gradients(getattr(mx.nd, name), [x], ctx, order=2, rtol=1e-5)


def test_gamma_gradient_matches_mxnet(ctx):
    # x.grad MXNet 1.9.1 prints for head gradients 1, 2, 3, 4
    x = mx.nd.array([0.5, 1.5, 3.0, -0.5], ctx=ctx)
    head = mx.nd.array([1, 2, 3, 4], ctx=ctx)
    for name, expected in (("gamma", [-3.480232, 0.06467669, 5.536707, -0.51741356]),
                           ("gammaln", [-1.9635108, 0.07297983, 2.768353, 0.14595966])):
        x.attach_grad()
        with mx.autograd.record():
            y = getattr(mx.nd, name)(x)
        y.backward(head)
        np.testing.assert_allclose(x.grad.asnumpy(), expected, rtol=2e-6)


def test_gamma_third_order_is_refused(ctx, fp64):
    x = mx.nd.array([1.5], ctx=ctx, dtype="float64")
    x.attach_grad()
    with mx.autograd.record():
        g1 = mx.autograd.grad(mx.nd.gammaln(x), [x], create_graph=True)[0]
        g2 = mx.autograd.grad(g1, [x], create_graph=True)[0]
    with pytest.raises(MXNetError, match="twice"):
        g2.backward()


def test_hard_sigmoid_and_smooth_l1(ctx):
    # MXNet 1.9.1: [0. 0.5 0.7 1.], [0. 0.1 0.6 1.], [1.875 0.375 0. 0.175 1.875],
    # [1.5 0.125 0. 0.045 1.5]
    x = mx.nd.array([-5, 0, 1, 5], ctx=ctx)
    np.testing.assert_allclose(mx.nd.hard_sigmoid(x).asnumpy(), [0, 0.5, 0.7, 1], rtol=1e-6)
    np.testing.assert_allclose(mx.nd.hard_sigmoid(x, alpha=0.5, beta=0.1).asnumpy(),
                               [0, 0.1, 0.6, 1], rtol=1e-6)
    y = mx.nd.array([-2, -0.5, 0, 0.3, 2], ctx=ctx)
    np.testing.assert_allclose(mx.nd.smooth_l1(y, scalar=2.0).asnumpy(),
                               [1.875, 0.375, 0, 0.175, 1.875], rtol=1e-6)
    np.testing.assert_allclose(mx.nd.smooth_l1(y).asnumpy(), [1.5, 0.125, 0, 0.045, 1.5],
                               rtol=1e-6)
    np.testing.assert_array_equal(mx.nd.smooth_l1(y, scalar=0).asnumpy(), np.zeros(5))
    i = mx.nd.smooth_l1(mx.nd.array([1, 2], ctx=ctx, dtype="int32"))
    assert i.dtype == np.int32 and i.asnumpy().tolist() == [0, 1]
    with pytest.raises(MXNetError, match="floating point"):
        mx.nd.hard_sigmoid(mx.nd.array([1], ctx=ctx, dtype="int32"))


def test_activation_gradients_match_mxnet(ctx):
    # x.grad MXNet 1.9.1 prints for head gradients 1..8
    x = mx.nd.array([-3, -2.5, -1, 0, 0.25, 1, 2.5, 3], ctx=ctx)
    head = mx.nd.arange(1, 9, ctx=ctx)
    for fn, expected in (
            (mx.nd.hard_sigmoid, [0, 0, 0.6, 0.8, 1, 1.2, 0, 0]),
            (mx.nd.smooth_l1, [-1, -2, -3, 0, 1.25, 6, 7, 8]),
            (mx.nd.softmin, [0.38205835, -0.09518625, -0.09418382, -0.06148322, -0.06878224,
                             -0.04236245, -0.01165508, -0.0084052])):
        x.attach_grad()
        with mx.autograd.record():
            y = fn(x)
        y.backward(head)
        np.testing.assert_allclose(x.grad.asnumpy(), expected, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("fn", [
    lambda x: mx.nd.hard_sigmoid(x, alpha=0.3, beta=0.4),
    lambda x: mx.nd.smooth_l1(x, scalar=1.5),
    lambda x: mx.nd.softmin(x, axis=0, temperature=2.0),
    lambda x: mx.nd.softmin(x),
    lambda x: mx.nd.contrib.div_sqrt_dim(x),
    lambda x: mx.nd.amp_cast(x, dtype="float16"),      # float64 passes unchanged
], ids=["hard_sigmoid", "smooth_l1", "softmin_axis0_T2", "softmin", "div_sqrt_dim",
        "amp_cast"])
def test_gradients(ctx, fp64, fn):
    x = [[-2.1, -0.3, 0.2, 0.9], [1.7, -1.1, 0.05, 3.0]]
    check_gradients(fn, [x], ctx, order=2)


def test_softmin(ctx):
    # MXNet 1.9.1: axis=1 [[0.7310586 0.26894143] [0.880797 0.11920292]],
    # axis=0, temperature=2 [[0.7310586 0.81757444] [0.26894143 0.18242551]]
    x = mx.nd.array([[1, 2], [3, 5]], ctx=ctx)
    np.testing.assert_allclose(mx.nd.softmin(x, axis=1).asnumpy(),
                               [[0.7310586, 0.26894143], [0.880797, 0.11920292]], rtol=1e-6)
    np.testing.assert_allclose(mx.nd.softmin(x, axis=0, temperature=2).asnumpy(),
                               [[0.7310586, 0.81757444], [0.26894143, 0.18242551]], rtol=1e-6)
    np.testing.assert_allclose(x.softmin().asnumpy(), mx.nd.softmin(x).asnumpy())
    assert mx.nd.softmin(x, dtype="float16").dtype == np.float16
    out = mx.nd.zeros((2, 2), ctx=ctx)
    assert mx.nd.softmin(x, out=out) is out
    for bad in (lambda: mx.nd.softmin(mx.nd.array([1, 2], ctx=ctx, dtype="int32")),
                lambda: mx.nd.softmin(x, use_length=True),
                lambda: mx.nd.softmin(x, temperature=0),
                lambda: mx.nd.softmin(x, axis=2),
                lambda: mx.nd.softmin(x, dtype="int32"),
                lambda: mx.nd.softmin(x, out=mx.nd.zeros((2, 3), ctx=ctx))):
        with pytest.raises(MXNetError):
            bad()


def test_add_n(ctx):
    a, b, c = (mx.nd.array(v, ctx=ctx) for v in ([1, 2], [3, 4], [5, 6]))
    np.testing.assert_array_equal(mx.nd.add_n(a, b, c).asnumpy(), [9, 12])
    np.testing.assert_array_equal(mx.nd.ElementWiseSum(a).asnumpy(), [1, 2])
    many = [mx.nd.array([i, 2 * i], ctx=ctx) for i in range(20)]
    np.testing.assert_array_equal(mx.nd.add_n(*many, num_args=20).asnumpy(), [190, 380])
    ints = mx.nd.add_n(*[mx.nd.array([1, 2], ctx=ctx, dtype="int32")] * 2)
    assert ints.dtype == np.int32 and ints.asnumpy().tolist() == [2, 4]
    out = mx.nd.zeros(2, ctx=ctx)
    assert mx.nd.add_n(a, b, out=out) is out and out.asnumpy().tolist() == [4, 6]
    for bad in (lambda: mx.nd.add_n(a, mx.nd.array([1, 2, 3], ctx=ctx)),
                lambda: mx.nd.add_n(a, a.astype("float16")),
                lambda: mx.nd.add_n(),
                lambda: mx.nd.add_n(a, 1),
                lambda: mx.nd.add_n(a, b, num_args=3),
                lambda: mx.nd.add_n(a, b, foo=1),                   # MXNet: Cannot find argument
                lambda: mx.nd.hard_sigmoid(a, gamma=1)):
        with pytest.raises(MXNetError):
            bad()


@needs_fusion
def test_add_n_is_one_launch(ctx):
    arrays = [mx.nd.array([i, i + 1.0], ctx=ctx) for i in range(8)]
    mx.nd.waitall()
    total, launches = traced(ctx, lambda: mx.nd.add_n(*arrays))
    assert len(launches) == 1, launches
    assert total.asnumpy().tolist() == [28, 36]


def test_add_n_gradients(ctx, fp64):
    check_gradients(lambda a, b, c: mx.nd.add_n(a, b, a, c) * b, [[1.0, -2.0], [0.5, 3.0],
                                                                    [2.0, 1.0]], ctx, order=2)


def test_finiteness(ctx):
    x = mx.nd.array([1, np.nan, np.inf, -np.inf], ctx=ctx)
    np.testing.assert_array_equal(mx.nd.contrib.isnan(x).asnumpy(), [0, 1, 0, 0])
    np.testing.assert_array_equal(mx.nd.contrib.isinf(x).asnumpy(), [0, 0, 1, 1])
    np.testing.assert_array_equal(mx.nd.contrib.isfinite(x).asnumpy(), [1, 0, 0, 0])
    i = mx.nd.contrib.isnan(mx.nd.array([1, 2], ctx=ctx, dtype="int32"))
    assert i.dtype == np.int32 and i.asnumpy().tolist() == [0, 0]
    assert mx.nd.contrib.isfinite(x.astype("float16")).dtype == np.float16
    assert mx.nd.all_finite(mx.nd.array([1, 2], ctx=ctx)).asnumpy().tolist() == [1]
    flag = mx.nd.all_finite(x.astype("float64") if ctx.state.has_fp64 else x)
    assert flag.dtype == np.float32 and flag.shape == (1,) and flag.asnumpy().tolist() == [0]
    assert mx.nd.all_finite(mx.nd.zeros((0,), ctx=ctx)).asnumpy().tolist() == [1]
    two = (mx.nd.array([1, 2], ctx=ctx), mx.nd.array([np.nan], ctx=ctx))
    assert mx.nd.multi_all_finite(*two, num_arrays=2).asnumpy().tolist() == [0]
    assert mx.nd.multi_all_finite(two[0], two[0], num_arrays=2).asnumpy().tolist() == [1]
    # init_output=False keeps a 0 already in out (it only ever writes zeros)
    out = mx.nd.zeros(1, ctx=ctx)
    mx.nd.all_finite(two[0], init_output=False, out=out)
    assert out.asnumpy().tolist() == [0]
    out[:] = 1
    mx.nd.multi_all_finite(*two, num_arrays=2, init_output=False, out=out)
    assert out.asnumpy().tolist() == [0]
    for bad in (lambda: mx.nd.all_finite(mx.nd.array([1], ctx=ctx, dtype="int32")),
                lambda: mx.nd.multi_all_finite(two[0], num_arrays=2),
                lambda: mx.nd.all_finite(two[0], out=mx.nd.zeros(2, ctx=ctx)),
                lambda: mx.nd.contrib.isnan([1.0])):
        with pytest.raises(MXNetError):
            bad()


def test_multi_sum_sq(ctx):
    got = mx.nd.multi_sum_sq(mx.nd.array([1, 2], ctx=ctx), mx.nd.array([[3]], ctx=ctx),
                             num_arrays=2)
    assert got.dtype == np.float32 and got.asnumpy().tolist() == [5, 9]
    half = mx.nd.multi_sum_sq(mx.nd.full((300,), 20, ctx=ctx, dtype="float16"), num_arrays=1)
    assert half.dtype == np.float32 and half.asnumpy().tolist() == [120000]   # > float16 max
    for bad in (lambda: mx.nd.multi_sum_sq(mx.nd.array([1], ctx=ctx), num_arrays=2),
                lambda: mx.nd.multi_sum_sq(mx.nd.array([1], ctx=ctx, dtype="int32")),
                lambda: mx.nd.multi_sum_sq(mx.nd.array([1], ctx=ctx),
                                           mx.nd.array([1], ctx=ctx, dtype="float16"),
                                           num_arrays=2)):
        with pytest.raises(MXNetError):
            bad()


def test_amp_casts(ctx):
    # dtypes MXNet 1.9.1 gives: only float16 and float32 inputs change type
    f16 = mx.nd.array([1, 2], ctx=ctx, dtype="float16")
    f32 = mx.nd.array([1, 2], ctx=ctx)
    i32 = mx.nd.array([1, 2], ctx=ctx, dtype="int32")
    assert mx.nd.amp_cast(f32, dtype="float16").dtype == np.float16
    assert mx.nd.amp_cast(f16, dtype="float32").dtype == np.float32
    assert mx.nd.amp_cast(f32, dtype="int32").dtype == np.int32
    assert mx.nd.amp_cast(i32, dtype="float16").dtype == np.int32
    if ctx.state.has_fp64:
        f64 = mx.nd.array([1, 2], ctx=ctx, dtype="float64")
        assert mx.nd.amp_cast(f64, dtype="float16").dtype == np.float64
        assert [o.dtype for o in mx.nd.amp_multicast(f16, f64, num_outputs=2)] == [
            np.float16, np.float64]
    wide = mx.nd.amp_multicast(f32, f16, num_outputs=2)
    assert [o.dtype for o in wide] == [np.float32, np.float32]
    assert wide[1].asnumpy().tolist() == [1, 2]
    narrow = mx.nd.amp_multicast(f32, f16, num_outputs=2, cast_narrow=True)
    assert [o.dtype for o in narrow] == [np.float16, np.float16]
    assert [o.dtype for o in mx.nd.amp_multicast(f16, i32, num_outputs=2)] == [np.float16,
                                                                              np.int32]
    assert mx.nd.amp_multicast(f16, num_outputs=1).dtype == np.float16
    f32.attach_grad()
    with mx.autograd.record():
        y = mx.nd.amp_cast(f32, dtype="float16") * 3
    y.backward()
    assert f32.grad.dtype == np.float32 and f32.grad.asnumpy().tolist() == [3, 3]
    for bad in (lambda: mx.nd.amp_cast(f32),
                lambda: mx.nd.amp_cast(f32, dtype="complex64"),
                lambda: mx.nd.amp_multicast(f32, num_outputs=2),
                lambda: mx.nd.amp_multicast(f32, f16)):
        with pytest.raises(MXNetError):
            bad()


def test_reset_arrays(ctx):
    a, b = mx.nd.array([1, 2], ctx=ctx), mx.nd.array([[3]], ctx=ctx, dtype="int32")
    assert mx.nd.reset_arrays(a, b, num_arrays=2) == []
    assert a.asnumpy().tolist() == [0, 0] and b.asnumpy().tolist() == [[0]]
    with pytest.raises(MXNetError):
        mx.nd.reset_arrays(a, num_arrays=2)
    x = mx.nd.array([1.0], ctx=ctx)
    x.attach_grad()
    with mx.autograd.record():
        with pytest.raises(MXNetError):
            mx.nd.reset_arrays(x, num_arrays=1)
    assert x.asnumpy().tolist() == [1]


def test_div_sqrt_dim(ctx):
    # MXNet 1.9.1: [[0.5 1. 1.5 2.]]; int32 divides by int(sqrt(2)) = 1: [1 2]
    got = mx.nd.contrib.div_sqrt_dim(mx.nd.array([[1, 2, 3, 4]], ctx=ctx))
    np.testing.assert_array_equal(got.asnumpy(), [[0.5, 1, 1.5, 2]])
    i = mx.nd.contrib.div_sqrt_dim(mx.nd.array([1, 2], ctx=ctx, dtype="int32"))
    assert i.dtype == np.int32 and i.asnumpy().tolist() == [1, 2]


def test_multi_sum_sq_many_arrays_few_launches(ctx):
    rng = np.random.RandomState(2)
    values = [rng.uniform(-2, 2, int(rng.randint(0, 200))).astype(np.float32)
              for _ in range(20)]
    arrays = [mx.nd.array(v, ctx=ctx) for v in values]
    mx.nd.waitall()
    got, launches = traced(ctx, lambda: mx.nd.multi_sum_sq(*arrays, num_arrays=20))
    assert launches == ["multi_sum_sq"] * 2, launches           # 16 arrays a launch
    np.testing.assert_allclose(got.asnumpy(), [float((v.astype(np.float64) ** 2).sum())
                                               for v in values], rtol=1e-5)
    out = mx.nd.zeros(20, ctx=ctx)
    assert mx.nd.multi_sum_sq(*arrays, num_arrays=20, out=out) is out
    np.testing.assert_allclose(out.asnumpy(), got.asnumpy())


def test_multi_sum_sq_gradient(ctx):
    # MXNet 1.9.1 has no gradient here; mxgrad records the sums when an input needs one.
    # d/dx sum(x**2) * w = 2 x w; its derivative along v is 2 v w (float32 output).
    x, y = mx.nd.array([1.0, -2.0, 0.5], ctx=ctx), mx.nd.array([[3.0], [0.25]], ctx=ctx)
    w, v = mx.nd.array([1.5, 0.5], ctx=ctx), mx.nd.array([0.2, -1.0, 4.0], ctx=ctx)
    x.attach_grad()
    y.attach_grad()
    with mx.autograd.record():
        sums = mx.nd.multi_sum_sq(x, y, num_arrays=2)
        gx, gy = mx.autograd.grad(sums, [x, y], head_grads=[w], create_graph=True)
        dot = (gx * v).sum()
    np.testing.assert_allclose(sums.asnumpy(), [5.25, 9.0625])
    np.testing.assert_allclose(gx.asnumpy(), 2 * x.asnumpy() * 1.5)
    np.testing.assert_allclose(gy.asnumpy(), 2 * y.asnumpy() * 0.5)
    dot.backward()
    np.testing.assert_allclose(x.grad.asnumpy(), 2 * v.asnumpy() * 1.5)
