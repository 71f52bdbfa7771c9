"""Shape ops against numpy and MXNet 1.9.1's observed behaviour (shapes, views, errors)."""
import numpy as np
import pytest

import mxgrad as mx
from mxgrad.base import MXNetError

X = np.arange(24, dtype=np.float32).reshape(2, 3, 4)


def nd(a, ctx, dtype=None):
    return mx.nd.array(a, ctx=ctx, dtype=dtype)


# --- reshape ------------------------------------------------------------------------------
@pytest.mark.parametrize("code, shape", [
    ((0, -1), (2, 12)), ((-2,), (2, 3, 4)), ((-3, 4), (6, 4)), ((-4, 1, 2, -2), (1, 2, 3, 4)),
    ((2, -4, -1, 3, 4), (2, 1, 3, 4)), ((0, 0, -1), (2, 3, 4)), ((-1,), (24,)),
    ((4, 0, -1), (4, 3, 2)), ((-2, 1), (2, 3, 4, 1)), ((2, -2), (2, 3, 4)),
    ((-3, -2), (6, 4)), ((-4, -1, 2, -2), (1, 2, 3, 4)), ((4, 6), (4, 6))])
def test_reshape_codes(ctx, code, shape):
    a = nd(X, ctx)
    assert a.reshape(code).shape == shape
    r = mx.nd.reshape(a, code)
    assert r.shape == shape
    np.testing.assert_array_equal(r.asnumpy().ravel(), X.ravel())


@pytest.mark.parametrize("code, shape", [
    ((-1, 0), (6, 4)), ((0, -1), (3, 8)), ((-3, -1), (6, 4)), ((-3, 0), (6, 4)),
    ((-2, 0), (2, 3, 4)), ((-2, 3, 4), (2, 3, 4))])
def test_reshape_reverse(ctx, code, shape):
    a = nd(X, ctx)
    assert mx.nd.reshape(a, code, reverse=True).shape == shape
    assert a.reshape(code, reverse=True).shape == shape


def test_reshape_reverse_4d(ctx):
    z = mx.nd.zeros((2, 3, 4, 5), ctx=ctx)
    assert mx.nd.reshape(z, (-1, 0, -3), reverse=True).shape == (2, 3, 20)
    assert mx.nd.reshape(z, (0, -3, 0), reverse=True).shape == (2, 12, 5)
    z = mx.nd.zeros((10, 5, 4), ctx=ctx)
    assert mx.nd.reshape(z, shape=(-1, 0), reverse=True).shape == (50, 4)
    assert mx.nd.reshape(z, shape=(-1, 0)).shape == (40, 5)


def test_reshape_method_forms_and_view(ctx):
    a = nd(X, ctx)
    assert a.reshape(4, 6).shape == (4, 6)
    assert a.reshape([4, 6]).shape == (4, 6)
    assert a.reshape(shape=(4, 6)).shape == (4, 6)
    assert a.reshape(np.int64(24)).shape == (24,)
    v = a.reshape((6, 4))
    v[:] = 5
    assert (a.asnumpy() == 5).all()           # the method returns a view


def test_nd_reshape_copies(ctx):
    a = nd(X, ctx)
    r = mx.nd.reshape(a, (6, 4))
    r[:] = 5
    np.testing.assert_array_equal(a.asnumpy(), X)


@pytest.mark.parametrize("code", [(-1, -1), (0, 0, 0, 0), (-3, -3), (-4, -1, -1, 3, 4),
                                  (-4, 5, -1, 3, 4), (-5,), (5, 5)])
def test_reshape_errors(ctx, code):
    a = nd(X, ctx)
    with pytest.raises(MXNetError):
        mx.nd.reshape(a, code)
    with pytest.raises(MXNetError):
        a.reshape(code)


def test_reshape_method_size_mismatch(ctx):
    a = nd(X, ctx)
    with pytest.raises(ValueError, match="Cannot reshape array of size 24"):
        a.reshape((2, 2))
    with pytest.raises(ValueError):
        a.reshape((7, -1))
    with pytest.raises(MXNetError, match="larger"):
        a.reshape((30,))
    with pytest.raises(MXNetError):
        a.reshape()
    with pytest.raises(MXNetError):
        mx.nd.zeros((0, 3), ctx=ctx).reshape((-1, 3))


def test_reshape_like(ctx):
    a = nd(X, ctx)
    assert mx.nd.reshape_like(a, mx.nd.zeros((4, 6), ctx=ctx)).shape == (4, 6)
    assert a.reshape_like(mx.nd.zeros((4, 6), ctx=ctx)).shape == (4, 6)
    r = mx.nd.reshape_like(a, mx.nd.zeros((6, 5, 4), ctx=ctx), lhs_begin=0, lhs_end=2,
                           rhs_begin=0, rhs_end=1)
    assert r.shape == (6, 4)
    np.testing.assert_array_equal(r.asnumpy().ravel(), X.ravel())
    with pytest.raises(MXNetError):
        mx.nd.reshape_like(a, mx.nd.zeros((4, 5), ctx=ctx))


# --- expand_dims, flatten, squeeze ------------------------------------------------------------
def test_expand_dims(ctx):
    a = nd(X, ctx)
    assert a.expand_dims(3).shape == (2, 3, 4, 1)
    assert a.expand_dims(-1).shape == (2, 3, 4, 1)
    assert mx.nd.expand_dims(a, axis=-4).shape == (1, 2, 3, 4)
    for bad in (4, -5):
        with pytest.raises(MXNetError):
            a.expand_dims(bad)
    e = a.expand_dims(0)
    e[:] = 1
    np.testing.assert_array_equal(a.asnumpy(), X)       # a copy
    e = a.expand_dims(0, inplace=True)
    e[:] = 1
    assert (a.asnumpy() == 1).all()                      # inplace: a view


def test_flatten(ctx):
    a = nd(X, ctx)
    f = a.flatten()
    assert f.shape == (2, 12)
    np.testing.assert_array_equal(f.asnumpy(), X.reshape(2, 12))
    assert mx.nd.flatten(nd([1, 2, 3], ctx)).shape == (3, 1)
    assert mx.nd.Flatten(a).shape == (2, 12)


def test_squeeze(ctx):
    z = mx.nd.zeros((2, 1, 3, 1), ctx=ctx)
    assert z.squeeze().shape == (2, 3)
    assert z.squeeze(axis=1).shape == (2, 3, 1)
    assert z.squeeze(axis=(1, 3)).shape == (2, 3)
    assert mx.nd.squeeze(mx.nd.zeros((2, 1), ctx=ctx), axis=-1).shape == (2,)
    assert mx.nd.zeros((1, 1), ctx=ctx).squeeze().shape == (1,)
    with pytest.raises(MXNetError, match="size 2"):
        z.squeeze(axis=0)
    with pytest.raises(MXNetError, match="duplicate"):
        mx.nd.squeeze(mx.nd.zeros((2, 1), ctx=ctx), axis=(1, 1))


# --- transpose, swapaxes, flip ----------------------------------------------------------------
@pytest.mark.parametrize("axes", [None, (1, 0, 2), (2, 0, 1), (0, 1, 2), ()])
def test_transpose(ctx, axes):
    a = nd(X, ctx)
    ref = X.transpose(None if not axes else axes)
    np.testing.assert_array_equal(mx.nd.transpose(a, axes=axes).asnumpy(), ref)
    np.testing.assert_array_equal(a.transpose(axes).asnumpy(), ref)


def test_transpose_misc(ctx):
    a = nd(X, ctx)
    np.testing.assert_array_equal(a.T.asnumpy(), X.T)
    np.testing.assert_array_equal(nd([1, 2, 3], ctx).T.asnumpy(), [1, 2, 3])
    for bad in [(1, 0), (1, 0, 0), (-1, 0, 1)]:
        with pytest.raises(MXNetError):
            mx.nd.transpose(a, axes=bad)
    # high-rank transpose: more irreducible dims than one kernel launch handles
    big = np.arange(2 ** 10, dtype=np.float32).reshape((2,) * 10)
    perm = tuple(range(9, -1, -1))
    np.testing.assert_array_equal(mx.nd.transpose(nd(big, ctx), perm).asnumpy(),
                                  big.transpose(perm))


@pytest.mark.parametrize("shape, axes", [
    ((37, 50), (1, 0)), ((5, 3, 33, 17), (0, 2, 3, 1)), ((2, 40, 3), (2, 1, 0)),
    ((3, 17, 4, 19), (3, 1, 2, 0)), ((16, 16), (1, 0))])
@pytest.mark.parametrize("dtype", ["float32", "float16", "uint8", "int64"])
def test_transpose_tiled(ctx, shape, axes, dtype):
    """Transposes large enough for the tiled kernel, with partial tiles."""
    x = np.arange(np.prod(shape)).reshape(shape).astype(dtype)
    np.testing.assert_array_equal(mx.nd.transpose(nd(x, ctx, dtype), axes).asnumpy(),
                                  x.transpose(axes))


def test_swapaxes(ctx):
    a = nd(X, ctx)
    np.testing.assert_array_equal(a.swapaxes(0, 2).asnumpy(), X.swapaxes(0, 2))
    np.testing.assert_array_equal(mx.nd.swapaxes(a, dim1=0, dim2=-1).asnumpy(),
                                  X.swapaxes(0, -1))
    np.testing.assert_array_equal(mx.nd.SwapAxis(a, 0, 1).asnumpy(), X.swapaxes(0, 1))
    with pytest.raises(MXNetError):
        mx.nd.swapaxes(a, 0, 3)


def test_flip(ctx):
    a = nd(X, ctx)
    np.testing.assert_array_equal(mx.nd.flip(a, axis=1).asnumpy(), X[:, ::-1])
    np.testing.assert_array_equal(mx.nd.flip(a, axis=(0, 2)).asnumpy(), X[::-1, :, ::-1])
    np.testing.assert_array_equal(mx.nd.reverse(a, axis=0).asnumpy(), X[::-1])
    np.testing.assert_array_equal(a.flip(axis=0).asnumpy(), X[::-1])
    np.testing.assert_array_equal(mx.nd.flip(a, axis=(0, 0)).asnumpy(), X)  # flipped twice
    for bad in (-1, 3):
        with pytest.raises(MXNetError):
            mx.nd.flip(a, axis=bad)


# --- broadcasting -----------------------------------------------------------------------------
def test_broadcast_to(ctx):
    b = nd([[0, 1, 2]], ctx)
    np.testing.assert_array_equal(b.broadcast_to((4, 3)).asnumpy(), np.tile([0, 1, 2], (4, 1)))
    assert b.broadcast_to((2, 4, 3)).shape == (2, 4, 3)
    assert mx.nd.broadcast_to(b, shape=(0, 3)).shape == (1, 3)     # 0 keeps the dim
    np.testing.assert_array_equal(mx.nd.broadcast_to(b, shape=(2, 0)).asnumpy(),
                                  [[0, 1, 2]] * 2)
    with pytest.raises(ValueError, match="could not be broadcast"):
        b.broadcast_to((4, 4))
    with pytest.raises(ValueError):
        b.broadcast_to((4, 0))
    with pytest.raises(MXNetError):
        mx.nd.broadcast_to(nd([0, 1, 2], ctx), shape=(2, 3))       # op needs equal ndim


def test_broadcast_axis_and_like(ctx):
    z = nd(np.arange(3).reshape(1, 3, 1), ctx)
    r = mx.nd.broadcast_axis(z, axis=(0, 2), size=(2, 4))
    np.testing.assert_array_equal(r.asnumpy(), np.broadcast_to(z.asnumpy(), (2, 3, 4)))
    assert mx.nd.broadcast_axes(z, axis=2, size=4).shape == (1, 3, 4)
    assert z.broadcast_axes(axis=2, size=4).shape == (1, 3, 4)
    with pytest.raises(MXNetError):
        mx.nd.broadcast_axis(mx.nd.zeros((2, 3, 1), ctx=ctx), axis=0, size=4)
    with pytest.raises(MXNetError):
        mx.nd.broadcast_axis(z, axis=-1, size=4)
    b = nd([[0, 1, 2]], ctx)
    assert mx.nd.broadcast_like(b, mx.nd.zeros((5, 3), ctx=ctx)).shape == (5, 3)
    assert b.broadcast_like(mx.nd.zeros((5, 3), ctx=ctx)).shape == (5, 3)
    r = mx.nd.broadcast_like(b, mx.nd.zeros((5, 6), ctx=ctx), lhs_axes=(0,), rhs_axes=(0,))
    np.testing.assert_array_equal(r.asnumpy(), [[0, 1, 2]] * 5)
    with pytest.raises(MXNetError):
        mx.nd.broadcast_like(b, mx.nd.zeros((2, 5, 3), ctx=ctx))


# --- concat, stack, split ---------------------------------------------------------------------
def test_concat(ctx):
    a = nd(X, ctx)
    for dim in (0, 1, 2, -1):
        np.testing.assert_array_equal(mx.nd.concat(a, a, dim=dim).asnumpy(),
                                      np.concatenate([X, X], axis=dim))
    np.testing.assert_array_equal(mx.nd.concat(a, a).asnumpy(), np.concatenate([X, X], 1))
    z = np.ones((2, 3, 5), np.float32)
    np.testing.assert_array_equal(mx.nd.concat(a, nd(z, ctx), dim=2).asnumpy(),
                                  np.concatenate([X, z], 2))
    np.testing.assert_array_equal(mx.nd.Concat(a, dim=0).asnumpy(), X)
    with pytest.raises(MXNetError):
        mx.nd.concat(a, nd(z, ctx), dim=1)
    with pytest.raises(MXNetError, match="data type"):
        mx.nd.concat(a, a.astype("float16"))


def test_stack(ctx):
    a = nd(X, ctx)
    b = a + 100
    for axis in (0, 1, 3, -1):
        np.testing.assert_array_equal(mx.nd.stack(a, b, axis=axis).asnumpy(),
                                      np.stack([X, X + 100], axis=axis))
    assert mx.nd.stack(a).shape == (1, 2, 3, 4)
    with pytest.raises(MXNetError):
        mx.nd.stack(a, a, axis=4)
    with pytest.raises(MXNetError):
        mx.nd.stack(a, mx.nd.zeros((2, 3, 5), ctx=ctx))


def test_split(ctx):
    a = nd(X, ctx)
    parts = mx.nd.split(a, 3)
    assert isinstance(parts, list) and len(parts) == 3
    for p, ref in zip(parts, np.split(X, 3, axis=1)):
        np.testing.assert_array_equal(p.asnumpy(), ref)
    sq = mx.nd.split(a, num_outputs=3, axis=1, squeeze_axis=True)
    np.testing.assert_array_equal(sq[2].asnumpy(), X[:, 2])
    np.testing.assert_array_equal(a.split(num_outputs=2, axis=-1)[1].asnumpy(), X[..., 2:])
    np.testing.assert_array_equal(mx.nd.SliceChannel(a, num_outputs=2, axis=0)[1].asnumpy(),
                                  X[1:])
    one = mx.nd.split(a, num_outputs=1, axis=1)
    assert isinstance(one, mx.nd.NDArray) and one.shape == (2, 3, 4)
    with pytest.raises(MXNetError, match="evenly"):
        mx.nd.split(a, num_outputs=2, axis=1)


# --- tile, repeat -----------------------------------------------------------------------------
@pytest.mark.parametrize("reps", [(2,), (2, 1, 1, 1), (2, 2), 2, (1, 2, 3), ()])
def test_tile(ctx, reps):
    a = nd(X, ctx)
    np.testing.assert_array_equal(mx.nd.tile(a, reps=reps).asnumpy(), np.tile(X, reps))
    np.testing.assert_array_equal(a.tile(reps).asnumpy(), np.tile(X, reps))


def test_tile_errors(ctx):
    a = nd(X, ctx)
    for bad in [(2, 0), (-1,)]:
        with pytest.raises(MXNetError):
            mx.nd.tile(a, reps=bad)


@pytest.mark.parametrize("axis", [None, 0, 1, 2, -1])
def test_repeat(ctx, axis):
    a = nd(X, ctx)
    np.testing.assert_array_equal(mx.nd.repeat(a, repeats=2, axis=axis).asnumpy(),
                                  np.repeat(X, 2, axis=axis))
    np.testing.assert_array_equal(a.repeat(3, axis=axis).asnumpy(), np.repeat(X, 3, axis))


def test_repeat_errors(ctx):
    a = nd(X, ctx)
    with pytest.raises(MXNetError, match="negative"):
        mx.nd.repeat(a, repeats=-1, axis=1)
    with pytest.raises(MXNetError):
        mx.nd.repeat(a, repeats=2, axis=3)


# --- slice, slice_axis ------------------------------------------------------------------------
@pytest.mark.parametrize("begin, end, step, ref", [
    ((0, 1), (2, 3), None, X[0:2, 1:3]),
    ((None, 1), (None, None), (None, 2), X[:, 1::2]),
    ((1,), (None,), (-1,), X[1::-1]),
    ((None,), (None,), (-1,), X[::-1]),
    ((-1, -2), (None, None), None, X[-1:, -2:]),
    ((0, 5), (2, 10), None, X[0:2, 5:10]),
    ((0, 2), (2, 1), None, X[0:2, 2:1]),
    ((0, -10), (1, 10), None, X[0:1, -10:10]),
    ((0, 3), (1, 0), (1, -1), X[0:1, 3:0:-1]),
    ((0, 10), (1, -10), (1, -1), X[0:1, 10:-10:-1])])
def test_slice(ctx, begin, end, step, ref):
    r = mx.nd.slice(nd(X, ctx), begin=begin, end=end, step=step)
    assert r.shape == ref.shape
    np.testing.assert_array_equal(r.asnumpy(), ref)


def test_slice_errors_and_method(ctx):
    a = nd(X, ctx)
    np.testing.assert_array_equal(a.slice(begin=(0, 1), end=(1, 2)).asnumpy(), X[0:1, 1:2])
    for kw in [dict(begin=(0, 0, 0, 0), end=(1, 1, 1, 1)), dict(begin=(0,), end=(1, 2)),
               dict(begin=(0,), end=(1,), step=(0,))]:
        with pytest.raises(MXNetError):
            mx.nd.slice(a, **kw)


def test_slice_axis(ctx):
    a = nd(X, ctx)
    np.testing.assert_array_equal(mx.nd.slice_axis(a, axis=1, begin=1, end=3).asnumpy(),
                                  X[:, 1:3])
    np.testing.assert_array_equal(mx.nd.slice_axis(a, axis=1, begin=-2, end=None).asnumpy(),
                                  X[:, -2:])
    np.testing.assert_array_equal(mx.nd.slice_axis(a, axis=-1, begin=1, end=-1).asnumpy(),
                                  X[..., 1:-1])
    np.testing.assert_array_equal(a.slice_axis(axis=0, begin=1, end=2).asnumpy(), X[1:2])
    for kw in [dict(axis=1, begin=2, end=1), dict(axis=1, begin=0, end=5),
               dict(axis=1, begin=-5, end=2), dict(axis=3, begin=0, end=1)]:
        with pytest.raises(MXNetError):
            mx.nd.slice_axis(a, **kw)
    s = mx.nd.slice_axis(a, axis=0, begin=0, end=1)
    s[:] = -1
    np.testing.assert_array_equal(a.asnumpy(), X)     # a copy, as in MXNet


# --- cast -------------------------------------------------------------------------------------
F = np.array([-2.7, -0.5, 0.5, 1.5, 2.5, 300, -300, 1e10], np.float32)


@pytest.mark.parametrize("dtype, expected", [
    ("int32", [-2, 0, 0, 1, 2, 300, -300, -2147483648]),
    ("uint8", [254, 0, 0, 1, 2, 44, 212, 0]),
    ("int8", [-2, 0, 0, 1, 2, 44, -44, 0]),
    ("int64", [-2, 0, 0, 1, 2, 300, -300, 10000000000]),
    ("float16", [-2.7, -0.5, 0.5, 1.5, 2.5, 300, -300, np.inf]),
    ("float64", F.astype(np.float64))])
def test_cast_float32_like_mxnet(ctx, fp64, dtype, expected):
    r = nd(F, ctx).astype(dtype)
    assert r.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(r.asnumpy(), np.asarray(expected, dtype))


def test_cast_misc(ctx):
    assert nd([float("nan")], ctx).astype("int32").asnumpy()[0] == -2147483648
    np.testing.assert_array_equal(nd([300, -5, 7], ctx, "int32").astype("uint8").asnumpy(),
                                  [44, 251, 7])
    np.testing.assert_array_equal(nd([1, 2, 3], ctx, "int32").astype("float16").asnumpy(),
                                  [1, 2, 3])
    np.testing.assert_array_equal(nd([1e6, 7e4], ctx).astype("float16").asnumpy(),
                                  [np.inf, np.inf])
    h = nd([1.5, -2.5, 3], ctx, "float16")
    np.testing.assert_array_equal(h.astype("int32").asnumpy(), [1, -2, 3])
    np.testing.assert_array_equal(h.astype("float32").asnumpy(), [1.5, -2.5, 3])
    a = nd(F, ctx)
    assert mx.nd.cast(a, dtype="int32").dtype == np.int32
    assert mx.nd.Cast(a, dtype=np.uint8).dtype == np.uint8
    assert a.astype(np.float32, copy=False) is a
    with pytest.raises(MXNetError):
        mx.nd.cast(a, dtype="bool")


def test_zero_size(ctx):
    z = mx.nd.zeros((2, 0, 3), ctx=ctx)
    assert z.transpose().shape == (3, 0, 2)
    assert mx.nd.concat(z, z, dim=1).shape == (2, 0, 3)
    assert mx.nd.tile(z, (2, 1, 1)).shape == (4, 0, 3)
    assert z.astype("int32").shape == (2, 0, 3)


# --- gradients (first and second order, finite differences in float64) ----------------------
from gradcheck import check_gradients  # noqa: E402

R = np.random.RandomState(0).uniform(-1, 1, size=(2, 3, 4))

GRAD_OPS = {
    "reshape_method": lambda x: (x * x).reshape((4, -1)),
    "reshape": lambda x: mx.nd.reshape(x * x, (-3, 0)),
    "reshape_like": lambda x: mx.nd.reshape_like(x * x, mx.nd.zeros((6, 4), ctx=x.context)),
    "expand_dims": lambda x: mx.nd.expand_dims(x * x, 1),
    "flatten": lambda x: mx.nd.flatten(x * x),
    "squeeze": lambda x: mx.nd.squeeze((x * x).reshape((2, 1, 3, 4))),
    "transpose": lambda x: mx.nd.transpose(x * x, axes=(2, 0, 1)),
    "swapaxes": lambda x: mx.nd.swapaxes(x * x, 0, 2),
    "flip": lambda x: mx.nd.flip(x * x, axis=(0, 2)),
    "slice": lambda x: mx.nd.slice(x * x, begin=(None, 2), end=(None, 0), step=(None, -1)),
    "slice_axis": lambda x: mx.nd.slice_axis(x * x, axis=2, begin=1, end=3),
    "concat": lambda x: mx.nd.concat(x * x, x, dim=1),
    "stack": lambda x: mx.nd.stack(x * x, x, axis=2),
    "split": lambda x: mx.nd.split(x * x, num_outputs=3, axis=1)[1],
    "split_squeeze": lambda x: mx.nd.split(x * x, num_outputs=2, axis=0, squeeze_axis=True)[0],
}


@pytest.mark.parametrize("name", sorted(GRAD_OPS))
def test_gradients(ctx, fp64, name):
    check_gradients(GRAD_OPS[name], [R], ctx, order=2)


def test_cast_gradient_is_cast_back(ctx, fp64):
    x = nd([1.5, -2.0], ctx)
    x.attach_grad()
    with mx.autograd.record():
        y = x.astype("float64") * nd([3.0, 4.0], ctx, "float64")
    y.backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad.asnumpy(), [3.0, 4.0])


REDUCING_OPS = {
    "broadcast_to": lambda x: mx.nd.broadcast_to((x * x)[:, :1], shape=(2, 5, 4)),
    "broadcast_to_method": lambda x: (x * x)[0, :1].broadcast_to((2, 3, 4)),
    "broadcast_axis": lambda x: mx.nd.broadcast_axis((x * x)[:, :1], axis=1, size=3),
    "broadcast_like": lambda x: mx.nd.broadcast_like((x * x)[:1], x),
    "tile": lambda x: mx.nd.tile(x * x, reps=(2, 1, 2)),
    "repeat": lambda x: mx.nd.repeat(x * x, repeats=2, axis=1),
    "repeat_flat": lambda x: mx.nd.repeat(x * x, repeats=3),
}


@pytest.mark.parametrize("name", sorted(REDUCING_OPS))
def test_gradients_through_sums(ctx, fp64, name):
    pytest.importorskip("mxgrad.ndarray.reduce")
    check_gradients(REDUCING_OPS[name], [R], ctx, order=2)


def test_out_argument(ctx):
    a = nd(X, ctx)
    o = mx.nd.zeros((4, 3, 2), ctx=ctx)
    r = mx.nd.transpose(a, out=o)
    assert r is o
    np.testing.assert_array_equal(o.asnumpy(), X.T)
    o = mx.nd.zeros((2, 6, 4), ctx=ctx)
    assert mx.nd.concat(a, a, dim=1, out=o) is o
    np.testing.assert_array_equal(o.asnumpy(), np.concatenate([X, X], 1))
    with pytest.raises(MXNetError, match="out must be"):
        mx.nd.flip(a, axis=0, out=mx.nd.zeros((2, 3), ctx=ctx))
    with pytest.raises(MXNetError):
        mx.nd.split(a, 3, out=[o])


def test_out_argument_keeps_gradient(ctx):
    x = nd([[1.0, 2.0], [3.0, 4.0]], ctx)
    x.attach_grad()
    o = mx.nd.zeros((2, 2), ctx=ctx)
    with mx.autograd.record():
        mx.nd.transpose(x * x, out=o)
        y = o * nd([[1.0, 0.0], [0.0, 0.0]], ctx)
    y.backward()
    np.testing.assert_array_equal(x.grad.asnumpy(), [[2.0, 0.0], [0.0, 0.0]])


@pytest.mark.parametrize("dtype", ["float16", "uint8", "int8", "int32", "int64", "float64"])
def test_dtypes(ctx, dtype):
    if dtype == "float64" and not ctx.state.has_fp64:
        pytest.skip("no float64")
    x = X.astype(dtype)
    a = nd(x, ctx, dtype)
    checks = [
        (mx.nd.concat(a, a, dim=2), np.concatenate([x, x], 2)),
        (mx.nd.stack(a, a, axis=1), np.stack([x, x], 1)),
        (mx.nd.flip(a, axis=1), x[:, ::-1]),
        (mx.nd.tile(a, (2, 1, 1)), np.tile(x, (2, 1, 1))),
        (mx.nd.broadcast_to(a[:, :1], shape=(2, 3, 4)), np.broadcast_to(x[:, :1], (2, 3, 4))),
        (mx.nd.split(a, 3, axis=1)[2], x[:, 2:]),
        (a.T, x.T),
    ]
    for got, ref in checks:
        assert got.dtype == np.dtype(dtype)
        np.testing.assert_array_equal(got.asnumpy(), ref)


def test_errors_leave_out_untouched(ctx):
    a = nd(X, ctx)
    o = mx.nd.ones((4, 3, 4), ctx=ctx)
    with pytest.raises(MXNetError):
        mx.nd.concat(a, mx.nd.zeros((2, 2, 4), ctx=ctx), dim=0, out=o)
    with pytest.raises(MXNetError):
        mx.nd.concat(a, a, dim=0, out=mx.nd.ones((4, 3), ctx=ctx))
    with pytest.raises(MXNetError):
        mx.nd.slice_axis(a, axis=0, begin=1, end=5, out=o)
    assert (o.asnumpy() == 1).all()
    np.testing.assert_array_equal(a.asnumpy(), X)


# --- copies whose last dim is long run a row at a time (strided_copy_rows) ----------------
ROW_SOURCE = np.random.RandomState(11).uniform(-1, 1, (3,) * 9 + (20,)).astype(np.float32)
ROW_CASES = {
    "2-d slice": (lambda a: a.reshape((27, -1))[:, 1:],
                  lambda a: a.reshape(27, -1)[:, 1:]),
    "3-d slice": (lambda a: a.reshape((729, 27, 20))[1:, 2:20:3, 2:19],
                  lambda a: a.reshape(729, 27, 20)[1:, 2:20:3, 2:19]),
    "5-d slice": (lambda a: a.reshape((9, 9, 9, 27, 20))[1:, ::2, 3:, 1::2, :18],
                  lambda a: a.reshape(9, 9, 9, 27, 20)[1:, ::2, 3:, 1::2, :18]),
    "row stride 2": (lambda a: a.reshape((1620, 243))[:, ::2],
                     lambda a: a.reshape(1620, 243)[:, ::2]),
    "reversed rows": (lambda a: mx.nd.flip(a.reshape((14580, 27)), axis=1),
                      lambda a: a.reshape(14580, 27)[:, ::-1]),
    "leading transpose": (lambda a: a.reshape((27, 729, 20)).transpose((1, 0, 2)),
                          lambda a: a.reshape(27, 729, 20).transpose(1, 0, 2)),
    "broadcast rows": (lambda a: mx.nd.broadcast_to(a.reshape((19683, 20))[:1], (30, 20)),
                       lambda a: np.broadcast_to(a.reshape(19683, 20)[:1], (30, 20))),
    "10 irreducible dims": (lambda a: a[(slice(0, 2),) * 9 + (slice(1, None),)],
                            lambda a: a[(slice(0, 2),) * 9 + (slice(1, None),)]),
}


@pytest.mark.parametrize("case", sorted(ROW_CASES))
@pytest.mark.parametrize("dtype", ["float32", "float16", "int64"])
def test_row_wise_copies(ctx, case, dtype):
    from launches import traced
    ours, ref = ROW_CASES[case]
    a = (ROW_SOURCE * 100).astype(dtype)
    x = nd(a, ctx, dtype)
    out, trace = traced(ctx, lambda: ours(x))
    np.testing.assert_array_equal(out.asnumpy(), ref(a))
    assert "strided_copy_rows" in trace
