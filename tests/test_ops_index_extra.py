"""gather_nd, scatter_nd, batch_take, choose_element_0index, fill_element_0index,
onehot_encode, ravel_multi_index, unravel_index, histogram and the contrib ops boolean_mask,
index_copy, index_array and arange_like: values against NumPy and against literals taken from
MXNet 1.9.1 (run side by side), their errors, and gradients to second order in float64."""
import numpy as np
import pytest

import mxgrad as mx
from mxgrad.base import MXNetError
from gradcheck import check_gradients
from launches import refused_before_launch

C = mx.nd.contrib


def _nd(a, ctx, dtype=None):
    a = np.asarray(a)
    return mx.nd.array(a, ctx=ctx, dtype=dtype or a.dtype)


# --- gather_nd / scatter_nd ----------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float32", "float16", "int32", "int64", "uint8", "int8"])
def test_gather_nd_points_and_slices(ctx, dtype):
    a = np.arange(24).reshape((2, 3, 4)).astype(dtype)
    x = _nd(a, ctx)
    # points (1, 2) and (0, -3 -> 0): slices of the last axis; negative indices wrap
    got = mx.nd.gather_nd(x, _nd([[1, 0], [2, -3]], ctx, "float32"))
    assert got.dtype == np.dtype(dtype) and got.shape == (2, 4)
    np.testing.assert_array_equal(got.asnumpy(), a[[1, 0], [2, 0]])
    idx = np.array([[[1, 0], [0, 1]], [[2, 1], [0, 0]], [[3, 0], [1, 2]]])
    full = mx.nd.gather_nd(x, _nd(idx, ctx, "int32"))
    np.testing.assert_array_equal(full.asnumpy(), a[tuple(idx)])


def test_gather_nd_truncates_float_indices(ctx):
    # MXNet 1.9.1: gather_nd(arange(12).reshape(3, 4), [[0.7], [1.9]]) == [1.]
    x = mx.nd.arange(12, ctx=ctx).reshape((3, 4))
    np.testing.assert_array_equal(mx.nd.gather_nd(x, _nd([[0.7], [1.9]], ctx)).asnumpy(), [1])
    assert mx.nd.gather_nd(x, mx.nd.zeros((2, 0), ctx=ctx)).shape == (0,)


def test_gather_nd_errors(ctx):
    x = mx.nd.arange(12, ctx=ctx).reshape((3, 4))
    for bad, value in (([[5, 2], [1, 9]], 5), ([[-4], [0]], -4), ([[0], [4]], 4)):
        with pytest.raises(IndexError, match=f"index {value} is out of bounds") as info:
            mx.nd.gather_nd(x, _nd(bad, ctx, "float32"))
        assert isinstance(info.value, MXNetError)
    with pytest.raises(MXNetError, match="not a finite"):
        mx.nd.gather_nd(x, _nd([[np.nan], [0]], ctx, "float32"))
    with pytest.raises(MXNetError, match="at least 2 dimensions"):
        mx.nd.gather_nd(x, _nd([1, 2], ctx, "float32"))
    with pytest.raises(MXNetError, match="between 1 and"):
        mx.nd.gather_nd(x, _nd([[0], [1], [2]], ctx, "float32"))
    with pytest.raises(MXNetError, match="must be an NDArray"):
        mx.nd.gather_nd(x, [[0], [1]])


def test_scatter_nd_values(ctx):
    data = _nd([2, 3], ctx, "float32")
    got = mx.nd.scatter_nd(data, _nd([[1, 1], [0, 1]], ctx, "float32"), shape=(2, 2))
    np.testing.assert_array_equal(got.asnumpy(), [[0, 0], [2, 3]])
    # repeated points: the last one wins, as on MXNet 1.9.1's CPU ([[0, 0], [0, 3]])
    dup = mx.nd.scatter_nd(data, _nd([[1, 1], [1, 1]], ctx, "float32"), shape=(2, 2))
    np.testing.assert_array_equal(dup.asnumpy(), [[0, 0], [0, 3]])
    rows = mx.nd.scatter_nd(_nd([[2, 3], [4, 5]], ctx, "int32"), _nd([[1, 0]], ctx, "int32"),
                            shape=(2, 2))
    assert rows.dtype == np.int32
    np.testing.assert_array_equal(rows.asnumpy(), [[4, 5], [2, 3]])
    empty = mx.nd.scatter_nd(mx.nd.zeros((0,), ctx=ctx), mx.nd.zeros((2, 0), ctx=ctx), (2, 3))
    np.testing.assert_array_equal(empty.asnumpy(), np.zeros((2, 3)))


def test_scatter_nd_errors(ctx):
    data = _nd([2, 3], ctx, "float32")
    idx = _nd([[1, 1], [0, 1]], ctx, "float32")
    with pytest.raises(MXNetError, match="shape of the result is required"):
        mx.nd.scatter_nd(data, idx)
    with pytest.raises(MXNetError, match="does not fit"):
        mx.nd.scatter_nd(_nd([1, 2, 3], ctx, "float32"), idx, shape=(2, 2))
    # MXNet 1.9.1 writes out of bounds here (and may crash); mxgrad refuses first
    with pytest.raises(IndexError, match="index 5 is out of bounds for axis 1"):
        mx.nd.scatter_nd(data, _nd([[1, 0], [5, 1]], ctx, "float32"), shape=(2, 2))


def test_gather_scatter_nd_gradients(ctx, fp64):
    idx = mx.nd.array([[0, 2, 2, 1], [1, 0, 0, 3]], ctx=ctx)
    x = np.random.RandomState(0).uniform(-1, 1, (3, 4))
    # a repeated point: the gradient is the scatter-add of both uses
    check_gradients(lambda a: mx.nd.gather_nd(a, idx) ** 2, [x], ctx, order=2)
    check_gradients(lambda a: mx.nd.gather_nd(a, idx[:1, :3]) * a, [x], ctx, order=2)
    uniq = mx.nd.array([[0, 2, 1], [1, 0, 3]], ctx=ctx)
    check_gradients(lambda d: mx.nd.scatter_nd(d ** 3, uniq, shape=(3, 4)),
                    [np.array([0.5, -1.0, 2.0])], ctx, order=2)


def test_scatter_nd_gradient_of_overwritten_point_is_zero(ctx):
    d = mx.nd.array([1, 2, 3], ctx=ctx)
    d.attach_grad()
    with mx.autograd.record():
        y = mx.nd.scatter_nd(d, mx.nd.array([[0, 0, 2], [1, 1, 3]], ctx=ctx), shape=(3, 4))
    y.backward(mx.nd.arange(1, 13, ctx=ctx).reshape((3, 4)))
    # MXNet 1.9.1 gives [2, 2, 12]: the first write, overwritten, counts too
    np.testing.assert_array_equal(d.grad.asnumpy(), [0, 2, 12])


# --- batch_take, choose_element_0index, fill_element_0index, onehot_encode --------------------
def test_batch_take(ctx):
    a = np.arange(12).reshape((3, 4)).astype("float32")
    got = mx.nd.batch_take(_nd(a, ctx), _nd([-1, 7, 1], ctx, "int32"))
    np.testing.assert_array_equal(got.asnumpy(), [0, 7, 9])        # clipped, as MXNet 1.9.1
    got = mx.nd.batch_take(_nd(a, ctx, "int64"), _nd([[0], [3], [1]], ctx, "int32"))
    assert got.shape == (3, 1) and got.dtype == np.int64
    np.testing.assert_array_equal(got.asnumpy().ravel(), [0, 7, 9])
    b = np.arange(24).reshape((2, 3, 4)).astype("float32")
    idx = np.array([3, 0, 1, 2, 2, 0])
    np.testing.assert_array_equal(
        mx.nd.batch_take(_nd(b, ctx), _nd(idx, ctx, "int32")).asnumpy(),
        b.reshape(6, 4)[np.arange(6), idx])
    with pytest.raises(MXNetError, match="int32"):
        mx.nd.batch_take(_nd(a, ctx), _nd([0, 1, 2], ctx, "float32"))
    with pytest.raises(MXNetError, match="one index per row"):
        mx.nd.batch_take(_nd(a, ctx), _nd([0, 1], ctx, "int32"))
    with pytest.raises(MXNetError, match="at least 2 dimensions"):
        mx.nd.batch_take(mx.nd.arange(3, ctx=ctx), _nd([0, 1, 2], ctx, "int32"))
    with pytest.raises(MXNetError, match="length 0"):
        mx.nd.batch_take(mx.nd.zeros((2, 0), ctx=ctx), _nd([0, 0], ctx, "int32"))
    assert mx.nd.batch_take(mx.nd.zeros((0, 3), ctx=ctx),
                            mx.nd.zeros((0, 2), ctx=ctx, dtype="int32")).shape == (0, 2)


def test_choose_element_0index_is_pick(ctx):
    x = mx.nd.arange(12, ctx=ctx).reshape((3, 4))
    np.testing.assert_array_equal(
        mx.nd.choose_element_0index(x, mx.nd.array([-1, 7, 4], ctx=ctx)).asnumpy(), [0, 7, 11])
    # MXNet 1.9.1: axis=0, mode='wrap', keepdims=True -> [[0, 1, 10, 11]]
    got = mx.nd.choose_element_0index(x, mx.nd.array([0, 3, -1, 2], ctx=ctx), axis=0,
                                      mode="wrap", keepdims=True)
    np.testing.assert_array_equal(got.asnumpy(), [[0, 1, 10, 11]])
    with pytest.raises(MXNetError):
        mx.nd.choose_element_0index(x, mx.nd.array([0, 3], ctx=ctx))
    with pytest.raises(MXNetError, match="length 0"):
        mx.nd.choose_element_0index(mx.nd.zeros((2, 0), ctx=ctx), mx.nd.array([0, 0], ctx=ctx))


def test_fill_element_0index(ctx):
    lhs = mx.nd.arange(12, ctx=ctx).reshape((3, 4))
    vals = mx.nd.array([10, 20, 30], ctx=ctx)
    got = mx.nd.fill_element_0index(lhs, vals, mx.nd.array([0, 3, 1], ctx=ctx))
    np.testing.assert_array_equal(got.asnumpy(), [[10, 1, 2, 3], [4, 5, 6, 20], [8, 30, 10, 11]])
    # out of range leaves the row alone; fractions truncate (MXNet 1.9.1's results)
    got = mx.nd.fill_element_0index(lhs, vals, mx.nd.array([-1, 7, 4], ctx=ctx))
    np.testing.assert_array_equal(got.asnumpy(), np.arange(12).reshape((3, 4)))
    got = mx.nd.fill_element_0index(lhs, vals, mx.nd.array([0.6, 2.9, -0.5], ctx=ctx))
    np.testing.assert_array_equal(got.asnumpy(), [[10, 1, 2, 3], [4, 5, 20, 7], [30, 9, 10, 11]])
    same = lhs.copy()
    assert mx.nd.fill_element_0index(same, vals, mx.nd.array([0, 0, 0], ctx=ctx),
                                     out=same) is same
    np.testing.assert_array_equal(same.asnumpy()[:, 0], [10, 20, 30])
    empty = mx.nd.zeros((0, 3), ctx=ctx)
    assert mx.nd.fill_element_0index(empty, empty[:, 0], empty[:, 0]).shape == (0, 3)
    with pytest.raises(MXNetError, match="share a dtype"):
        mx.nd.fill_element_0index(lhs, vals, mx.nd.array([0, 3, 1], ctx=ctx, dtype="int32"))
    with pytest.raises(MXNetError, match="one value per row"):
        mx.nd.fill_element_0index(lhs, vals[:2], mx.nd.array([0, 3, 1], ctx=ctx))
    with pytest.raises(MXNetError, match="2-D"):
        mx.nd.fill_element_0index(lhs.reshape((1, 3, 4)), vals, vals)


def test_fill_element_0index_gradients(ctx, fp64):
    idx = mx.nd.array([0, 3, 9], ctx=ctx, dtype="float64")
    rng = np.random.RandomState(1)
    check_gradients(lambda a, v: mx.nd.fill_element_0index(a * a, v * v, idx),
                    [rng.uniform(-1, 1, (3, 4)), rng.uniform(-1, 1, 3)], ctx, order=2)
    check_gradients(lambda a: mx.nd.batch_take(a * a, mx.nd.array([1, 0, 3], ctx=ctx,
                                                                    dtype="int32")),
                    [rng.uniform(-1, 1, (3, 4))], ctx, order=2)


def test_onehot_encode(ctx):
    out = mx.nd.ones((3, 4), ctx=ctx)
    res = mx.nd.onehot_encode(mx.nd.array([0, 5, 2.6], ctx=ctx), out)
    assert res is out
    # MXNet 1.9.1: out of range gives a row of zeros, 2.6 truncates to 2
    np.testing.assert_array_equal(out.asnumpy(), [[1, 0, 0, 0], [0, 0, 0, 0], [0, 0, 1, 0]])
    with pytest.raises(MXNetError, match="float32"):
        mx.nd.onehot_encode(mx.nd.array([0, 1, 2], ctx=ctx, dtype="int32"), out)
    with pytest.raises(MXNetError, match="one value per row"):
        mx.nd.onehot_encode(mx.nd.array([0, 1], ctx=ctx), out)


# --- ravel_multi_index / unravel_index -------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float32", "int32", "int64"])
def test_ravel_unravel_round_trip(ctx, dtype):
    flat = np.array([0, 5, 17, 23, 11])
    coords = np.array(np.unravel_index(flat, (2, 3, 4)))
    got = mx.nd.unravel_index(_nd(flat, ctx, dtype), shape=(2, 3, 4))
    assert got.dtype == np.dtype(dtype) and got.shape == (3, 5)
    np.testing.assert_array_equal(got.asnumpy(), coords)
    back = mx.nd.ravel_multi_index(got, shape=(2, 3, 4))
    assert back.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(back.asnumpy(), flat)
    # any shape of flat indices (MXNet 1.9.1 handles 1-D only)
    grid = mx.nd.unravel_index(_nd(flat[:4].reshape(2, 2), ctx, dtype), shape=(2, 3, 4))
    np.testing.assert_array_equal(grid.asnumpy(), coords[:, :4].reshape(3, 2, 2))


def test_ravel_unravel_out_of_range_like_mxnet(ctx):
    # literals from MXNet 1.9.1: no checks, C division; the first size is never used
    np.testing.assert_array_equal(mx.nd.ravel_multi_index(
        mx.nd.array([[9, 6, -1], [4, 9, 1]], ctx=ctx), shape=(7, 6)).asnumpy(), [58, 45, -5])
    np.testing.assert_array_equal(mx.nd.ravel_multi_index(
        mx.nd.array([[3.7], [4.6]], ctx=ctx), shape=(-1, 6)).asnumpy(), [22])
    np.testing.assert_array_equal(mx.nd.unravel_index(
        mx.nd.array([99, -1, -7], ctx=ctx), shape=(7, 6)).asnumpy(),
        [[16, 0, -1], [3, -1, -1]])
    np.testing.assert_array_equal(mx.nd.unravel_index(
        mx.nd.array([5, 17, -3], ctx=ctx, dtype="int32"), shape=(2, 3, 4)).asnumpy(),
        [[0, 1, 0], [1, 1, 0], [1, 1, -3]])
    np.testing.assert_array_equal(mx.nd.unravel_index(
        mx.nd.array([16777217], ctx=ctx, dtype="int64"), shape=(4096, 4096)).asnumpy(),
        [[4096], [1]])


def test_ravel_unravel_errors(ctx):
    x = mx.nd.array([[3, 6, 6], [4, 5, 1]], ctx=ctx)
    for op in (mx.nd.ravel_multi_index, mx.nd.unravel_index):
        with pytest.raises(MXNetError, match="shape parameter is required"):
            op(x)
        with pytest.raises(MXNetError, match="must be positive"):
            op(x, shape=(3, 0))
    with pytest.raises(MXNetError, match="one row per axis"):
        mx.nd.ravel_multi_index(x, shape=(7, 6, 2))
    with pytest.raises(MXNetError, match="2-D"):
        mx.nd.ravel_multi_index(x.reshape((2, 1, 3)), shape=(7, 6))


# --- histogram -------------------------------------------------------------------------------
def test_histogram_with_range(ctx):
    x = mx.nd.array([0, 1, 1, 2, 3, 5, 9, np.nan], ctx=ctx)
    counts, edges = mx.nd.histogram(x, bins=3, range=(0, 4))
    assert counts.dtype == np.int64 and edges.dtype == np.float32
    np.testing.assert_array_equal(counts.asnumpy(), [3, 1, 1])      # MXNet 1.9.1
    np.testing.assert_allclose(edges.asnumpy(), np.linspace(0, 4, 4, dtype=np.float32))
    # the right edge belongs to the last bin; an empty range widens by 0.5 (MXNet, NumPy)
    c, e = mx.nd.histogram(mx.nd.array([4, 4, -1, 0], ctx=ctx), bins=2, range=(4, 4))
    np.testing.assert_array_equal(c.asnumpy(), [0, 2])
    np.testing.assert_array_equal(e.asnumpy(), [3.5, 4, 4.5])
    rng = np.random.RandomState(2)
    a = rng.uniform(-1, 2, 300).astype(np.float32)
    c, _ = mx.nd.histogram(mx.nd.array(a, ctx=ctx), bins=7, range=(0, 1))
    np.testing.assert_array_equal(c.asnumpy(), np.histogram(a, bins=7, range=(0, 1))[0])
    c, e = mx.nd.histogram(mx.nd.zeros((0,), ctx=ctx), bins=2, range=(0, 1))
    np.testing.assert_array_equal(c.asnumpy(), [0, 0])


def test_histogram_dtypes(ctx):
    # literals from MXNet 1.9.1: integer data truncates the edges
    c, e = mx.nd.histogram(mx.nd.array([0, 1, 1, 2, 3, 5, 9], ctx=ctx, dtype="int32"), bins=3,
                           range=(0, 4))
    assert e.dtype == np.int32
    np.testing.assert_array_equal(c.asnumpy(), [1, 2, 2])
    np.testing.assert_array_equal(e.asnumpy(), [0, 1, 2, 4])
    c, e = mx.nd.histogram(mx.nd.array([0, 1, 1, 2, 3, 5, 9], ctx=ctx, dtype="uint8"), bins=4,
                           range=(1, 7.5))
    np.testing.assert_array_equal(c.asnumpy(), [2, 2, 0, 1])
    np.testing.assert_array_equal(e.asnumpy(), [1, 2, 4, 5, 7])
    h = mx.nd.array(np.linspace(-1, 2, 50), ctx=ctx, dtype="float16")
    c, e = mx.nd.histogram(h, bins=4, range=(0, 1))
    assert e.dtype == np.float16
    np.testing.assert_array_equal(c.asnumpy(), [4, 4, 4, 4])


def test_histogram_with_edges_and_without_range(ctx):
    x = mx.nd.array([0, 1, 1, 2, 3, 5, 9], ctx=ctx)
    c, e = mx.nd.histogram(x, mx.nd.array([0, 2, 5, 9], ctx=ctx), range=(0, 1))
    np.testing.assert_array_equal(c.asnumpy(), [3, 2, 2])           # range is ignored
    np.testing.assert_array_equal(e.asnumpy(), [0, 2, 5, 9])
    with pytest.warns(UserWarning, match="NumPy"):
        c, e = mx.nd.histogram(x, bins=3)
    want_c, want_e = np.histogram(x.asnumpy(), bins=3)
    assert c.dtype == np.float32 and c.context == ctx
    np.testing.assert_array_equal(c.asnumpy(), want_c)
    np.testing.assert_array_equal(e.asnumpy(), want_e.astype(np.float32))


def test_histogram_errors(ctx):
    x = mx.nd.array([1, 2], ctx=ctx)
    with pytest.raises(ValueError, match="bins must be an int or an NDArray") as info:
        mx.nd.histogram(x, bins=[0, 1, 2])
    assert isinstance(info.value, MXNetError)
    with pytest.raises(MXNetError, match="must not exceed"):
        mx.nd.histogram(x, bins=2, range=(4, 0))
    with pytest.raises(MXNetError, match="must be positive"):
        mx.nd.histogram(x, bins=0, range=(0, 1))
    with pytest.raises(MXNetError, match="at least 2 edges"):
        mx.nd.histogram(x, mx.nd.array([5], ctx=ctx))
    with pytest.raises(MXNetError, match="dtype"):
        mx.nd.histogram(x, mx.nd.array([0, 5], ctx=ctx, dtype="int32"))


# --- contrib: boolean_mask, index_copy, index_array, arange_like -------------------------------
def test_boolean_mask(ctx):
    a = np.arange(24).reshape((2, 3, 4)).astype("float32")
    x = mx.nd.array(a, ctx=ctx)
    got = C.boolean_mask(x, mx.nd.array([1, np.nan], ctx=ctx))        # NaN counts as true
    np.testing.assert_array_equal(got.asnumpy(), a)
    got = C.boolean_mask(x, mx.nd.array([0, 2, -1], ctx=ctx, dtype="int32"), axis=1)
    np.testing.assert_array_equal(got.asnumpy(), a[:, [1, 2]])
    got = C.boolean_mask(x, mx.nd.array([1, 0, 0, 1], ctx=ctx), axis=-1)
    np.testing.assert_array_equal(got.asnumpy(), a[..., [0, 3]])
    none = C.boolean_mask(x, mx.nd.zeros((2,), ctx=ctx))
    assert none.shape == (0, 3, 4) and none.dtype == np.float32
    with pytest.raises(MXNetError, match="one value per slice"):
        C.boolean_mask(x, mx.nd.array([1, 0, 1], ctx=ctx))
    with pytest.raises(MXNetError, match="out of range"):
        C.boolean_mask(x, mx.nd.array([1, 0], ctx=ctx), axis=3)


def test_boolean_mask_gradient(ctx, fp64):
    mask = mx.nd.array([1, 0, 1], ctx=ctx)
    x = np.random.RandomState(3).uniform(-1, 1, (3, 2))
    check_gradients(lambda a: C.boolean_mask(a * a, mask), [x], ctx, order=2)
    check_gradients(lambda a: C.boolean_mask(a, mask[:2], axis=1) ** 3, [x], ctx, order=2)


def test_index_copy(ctx):
    old = mx.nd.zeros((5, 3), ctx=ctx)
    new = mx.nd.arange(9, ctx=ctx).reshape((3, 3))
    got = C.index_copy(old, mx.nd.array([0, 4, 2], ctx=ctx, dtype="int64"), new)
    np.testing.assert_array_equal(got.asnumpy(), [[0, 1, 2], [0, 0, 0], [6, 7, 8], [0, 0, 0],
                                                  [3, 4, 5]])          # MXNet 1.9.1
    dup = C.index_copy(old, mx.nd.array([0, 0, 3.9], ctx=ctx), new)
    np.testing.assert_array_equal(dup.asnumpy(), [[3, 4, 5], [0, 0, 0], [0, 0, 0], [6, 7, 8],
                                                  [0, 0, 0]])
    np.testing.assert_array_equal(C.index_copy(mx.nd.zeros((5,), ctx=ctx),
                                               mx.nd.array([0, 4, 1], ctx=ctx),
                                               mx.nd.arange(3, ctx=ctx)).asnumpy(),
                                  [0, 2, 0, 0, 1])
    # MXNet 1.9.1 writes out of bounds (and may crash); mxgrad refuses first
    with pytest.raises(IndexError, match="index 7 is out of bounds"):
        C.index_copy(old, mx.nd.array([0, 7, 1], ctx=ctx), new)
    with pytest.raises(IndexError, match="index -1 is out of bounds"):
        C.index_copy(old, mx.nd.array([0, -1, 1], ctx=ctx), new)
    with pytest.raises(MXNetError, match="new_tensor must have shape"):
        C.index_copy(old, mx.nd.array([0, 4], ctx=ctx), new)
    with pytest.raises(MXNetError, match="dtype"):
        C.index_copy(old, mx.nd.array([0, 4, 2], ctx=ctx), new.astype("int32"))
    with pytest.raises(MXNetError, match="1-D"):
        C.index_copy(old, mx.nd.array([[0, 4, 2]], ctx=ctx), new)


def test_index_copy_gradients(ctx, fp64):
    idx = mx.nd.array([3, 0], ctx=ctx)
    rng = np.random.RandomState(4)
    check_gradients(lambda o, n: C.index_copy(o * o, idx, n * n * n),
                    [rng.uniform(-1, 1, (4, 2)), rng.uniform(-1, 1, (2, 2))], ctx, order=2)
    o, n = mx.nd.zeros((3, 2), ctx=ctx), mx.nd.ones((3, 2), ctx=ctx)
    o.attach_grad()
    n.attach_grad()
    with mx.autograd.record():
        y = C.index_copy(o, mx.nd.array([0, 0, 2], ctx=ctx), n)
    y.backward(mx.nd.arange(1, 7, ctx=ctx).reshape((3, 2)))
    np.testing.assert_array_equal(o.grad.asnumpy(), [[0, 0], [3, 4], [0, 0]])
    # MXNet 1.9.1 also gives the overwritten first row [1, 2]
    np.testing.assert_array_equal(n.grad.asnumpy(), [[0, 0], [1, 2], [5, 6]])


def test_index_array(ctx):
    x = mx.nd.zeros((2, 3, 2), ctx=ctx)
    got = C.index_array(x)
    assert got.dtype == np.int64 and got.shape == (2, 3, 2, 3)
    np.testing.assert_array_equal(got.asnumpy(), np.stack(np.indices((2, 3, 2)), axis=-1))
    got = C.index_array(x, axes=(-1, 0))
    np.testing.assert_array_equal(got.asnumpy(), np.stack(np.indices((2, 3, 2)), -1)[..., [2, 0]])
    assert C.index_array(x, axes=()).shape == (2, 3, 2, 0)
    assert C.index_array(mx.nd.zeros((2, 0), ctx=ctx)).shape == (2, 0, 2)
    with pytest.raises(MXNetError, match="out of range"):
        C.index_array(x, axes=(3,))


def test_arange_like(ctx):
    x = mx.nd.zeros((2, 3), ctx=ctx)
    np.testing.assert_array_equal(C.arange_like(x).asnumpy(), np.arange(6).reshape((2, 3)))
    # literals from MXNet 1.9.1
    np.testing.assert_array_equal(C.arange_like(x, start=1, step=0.5, repeat=2).asnumpy(),
                                  [[1, 1, 1.5], [1.5, 2, 2]])
    np.testing.assert_array_equal(C.arange_like(x, start=1, step=2, axis=1).asnumpy(), [1, 3, 5])
    np.testing.assert_array_equal(
        C.arange_like(mx.nd.zeros((2, 5), ctx=ctx), repeat=2, axis=-1).asnumpy(), [0, 0, 1, 1, 2])
    ints = C.arange_like(mx.nd.zeros((2, 3), ctx=ctx, dtype="int32"), start=1.5, step=0.5)
    assert ints.dtype == np.int32
    np.testing.assert_array_equal(ints.asnumpy(), np.ones((2, 3)))
    np.testing.assert_array_equal(C.arange_like(mx.nd.zeros((3,), ctx=ctx, dtype="uint8"),
                                                start=250, step=3).asnumpy(), [250, 253, 0])
    # float32 rounding as MXNet 1.9.1 (no fused multiply-add): element 33 of 0.1 + 0.3 * k
    big = C.arange_like(mx.nd.zeros((4, 30), ctx=ctx), start=0.1, step=0.3).asnumpy().ravel()
    assert big[33] == np.float32(10.000000953674316) and big[119] == np.float32(35.79999923706055)
    with pytest.raises(MXNetError, match="repeat must be a positive"):
        C.arange_like(x, repeat=0)
    with pytest.raises(MXNetError, match="out of range"):
        C.arange_like(x, axis=2)


def test_index_results_are_constants(ctx):
    x = mx.nd.ones((2, 3), ctx=ctx)
    x.attach_grad()
    with mx.autograd.record():
        y = (C.arange_like(x) * x).sum()
    y.backward()
    np.testing.assert_array_equal(x.grad.asnumpy(), np.arange(6).reshape((2, 3)))


def test_refused_before_anything_is_enqueued(ctx):
    x = mx.nd.arange(12, ctx=ctx).reshape((3, 4))
    bad = mx.nd.array([[0, 1], [2, 4]], ctx=ctx)
    wrong = mx.nd.zeros((5,), ctx=ctx)
    cases = [
        (lambda: mx.nd.gather_nd(x, bad), IndexError, "out of bounds"),
        (lambda: mx.nd.scatter_nd(mx.nd.ones((2,), ctx=ctx), bad, shape=(3, 4)), IndexError,
         "out of bounds"),
        (lambda: C.index_copy(x, mx.nd.array([3], ctx=ctx), x[:1]), IndexError,
         "out of bounds"),
        (lambda: mx.nd.gather_nd(x, mx.nd.array([[0], [1]], ctx=ctx), out=wrong), MXNetError,
         "out must be"),
        (lambda: C.boolean_mask(x, mx.nd.array([1, 0, 1], ctx=ctx), out=wrong), MXNetError,
         "out must be"),
        (lambda: mx.nd.unravel_index(wrong, shape=(2, 3), out=wrong), MXNetError,
         "out must be"),
        (lambda: C.arange_like(x, out=wrong), MXNetError, "out must be"),
        (lambda: C.index_array(x, out=wrong), MXNetError, "out must be"),
        (lambda: mx.nd.batch_take(x, mx.nd.array([0, 1, 2], ctx=ctx, dtype="int32"),
                                  out=wrong), MXNetError, "out must be"),
        (lambda: mx.nd.histogram(x, bins=2, range=(3, 1)), MXNetError, "must not exceed"),
    ]
    for fn, error, match in cases:
        refused_before_launch(ctx, fn, match, error)


def test_batch_take_float16_wide_rows(ctx):
    a = np.arange(3000, dtype=np.float16).reshape((1, 3000)) * 0 + np.float16(1)
    a[0, 2049] = 7
    got = mx.nd.batch_take(mx.nd.array(a, ctx=ctx, dtype="float16"),
                           mx.nd.array([2049], ctx=ctx, dtype="int32"))
    assert got.dtype == np.float16
    np.testing.assert_array_equal(got.asnumpy(), [7])
