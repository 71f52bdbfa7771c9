"""NDArray __getitem__ / __setitem__ against numpy and MXNet 1.9.1's observed behaviour."""
import numpy as np
import pytest

import mxgrad as mx
from mxgrad.base import MXNetError

X = np.arange(24, dtype=np.float32).reshape(2, 3, 4)


def nd(a, ctx, dtype=None):
    return mx.nd.array(a, ctx=ctx, dtype=dtype)


# keys whose result matches numpy's, and whether MXNet returns a view sharing memory
BASIC = [
    (1, True), (-1, True), (slice(1, 3), True), (slice(5, 7), True),
    ((slice(None), 0), False), ((slice(None), -1), False), ((1, 2), True),
    ((slice(0, 2), slice(None, None, 2)), False), (slice(None, None, -1), False),
    ((slice(None), slice(None, None, -2)), False), (None, True), ((slice(None), None), True),
    ((Ellipsis, 1), False), ((1, Ellipsis), True), ((1,), True), ((), True),
    (np.int64(1), True), ((slice(1, 2), slice(1, 2)), True), (slice(None, None, 1), True),
    (slice(1, None), True), ((0, slice(1, 3)), True), ((0, slice(None), slice(1, 2)), False),
    ((slice(None), slice(1, 1)), True), (slice(1, 1), True), ((1, 2, slice(3, 4)), True),
]


@pytest.mark.parametrize("key, is_view", BASIC)
def test_basic_getitem(ctx, key, is_view):
    a = nd(X, ctx)
    r = a[key]
    np.testing.assert_array_equal(r.asnumpy(), X[key])
    r[:] = -1
    changed = (a.asnumpy() == -1).any()
    assert changed == (is_view and r.size > 0)


def test_integer_result_is_1d(ctx):
    a = nd(X, ctx)
    r = a[1, 2, 3]
    assert r.shape == (1,) and r.asscalar() == 23
    v = nd([0, 1, 2], ctx)
    e = v[1]
    assert e.shape == (1,)
    e[:] = 9
    np.testing.assert_array_equal(v.asnumpy(), [0, 9, 2])         # a view
    assert mx.nd.array(5, ctx=ctx)[()].shape == ()
    assert a[True].shape == (3, 4)                                  # bool counts as 1


@pytest.mark.parametrize("key, msg", [
    (2, "index 2 is out of bounds for axis 0 with size 2"),
    (-3, "index -3 is out of bounds for axis 0 with size 2"),
    ((slice(None), 5), "index 5 is out of bounds for axis 1 with size 3"),
    ((1, 2, 3, 0), r"too many indices \(4\) for array with 3 dimensions"),
    ([1, 5], "index 5 is out of bounds for axis 0 with size 2")])
def test_getitem_index_errors(ctx, key, msg):
    with pytest.raises(IndexError, match=msg):
        nd(X, ctx)[key]


def test_getitem_value_errors(ctx):
    a = nd(X, ctx)
    for key in (1.0, "x"):
        with pytest.raises(ValueError, match="does not support slicing"):
            a[key]
    with pytest.raises(ValueError, match="step cannot be zero"):
        a[0:2:0]


def test_iteration_stops(ctx):
    a = nd(X, ctx)
    rows = [r.asnumpy() for r in a]
    assert len(rows) == 2
    np.testing.assert_array_equal(rows[1], X[1])
    assert [r.shape for r in nd([1, 2, 3], ctx)] == [(1,)] * 3


@pytest.mark.parametrize("key", [
    [1, 0], np.array([1, 0]), ([1, 0], [2, 1]), (slice(None), [2, 1]), [-1],
    (slice(None), [[0, 1], [2, 2]]), (0, [2, 0], slice(1, 3)), ([1], Ellipsis, [3, 0])])
def test_advanced_getitem(ctx, key):
    np.testing.assert_array_equal(nd(X, ctx)[key].asnumpy(), X[key])


def test_ndarray_index(ctx):
    a = nd(X.reshape(6, 4), ctx)
    ref = X.reshape(6, 4)
    np.testing.assert_array_equal(a[nd([1, 0], ctx)].asnumpy(), ref[[1, 0]])
    np.testing.assert_array_equal(a[nd([[0, 1], [5, 5]], ctx, "int32")].asnumpy(),
                                  ref[[[0, 1], [5, 5]]])
    np.testing.assert_array_equal(a[nd([1.7], ctx)].asnumpy(), ref[[1]])   # truncated
    np.testing.assert_array_equal(a[np.array([True, False, True])].asnumpy(), ref[[1, 0, 1]])
    with pytest.raises(IndexError):
        a[nd([-1, 7], ctx)]
    r = a[[1, 0]]
    r[:] = -1
    np.testing.assert_array_equal(a.asnumpy(), ref)       # advanced indexing copies


# --- writes -----------------------------------------------------------------------------------
SET = [
    (slice(None), 1), (1, np.ones((3, 4))), (1, np.arange(4)), (slice(0, 2), np.ones((1, 3, 1))),
    ((slice(None), 0), 7), ((slice(None), 0), np.arange(8).reshape(2, 4)),
    ((slice(None), slice(None, None, -1)), np.arange(3).reshape(3, 1)), (1, [1, 2, 3, 4]),
    ([1, 0], 3), ((slice(None), [2, 0]), 3), (Ellipsis, 4), ((1, 2, 3), 9), (None, 4),
    (1, 2.7), ((slice(None), slice(None, None, 2), 1), np.array([5, 6])),
    (([0, 1], [2, 0]), np.array([[1, 2, 3, 4]])), ((slice(1, 2), slice(0, 0)), 5)]


@pytest.mark.parametrize("key, value", SET)
@pytest.mark.parametrize("as_nd", [False, True])
def test_setitem(ctx, key, value, as_nd):
    ref = X.copy()
    ref[key] = value
    a = nd(X, ctx)
    if as_nd and not np.isscalar(value):
        value = nd(np.asarray(value, np.float32), ctx)
    a[key] = value
    np.testing.assert_array_equal(a.asnumpy(), ref)


def test_setitem_casts_and_broadcasts(ctx):
    a = mx.nd.zeros((3,), ctx=ctx, dtype="int32")
    a[0] = 2.7
    np.testing.assert_array_equal(a.asnumpy(), [2, 0, 0])
    b = mx.nd.zeros((2, 3, 4), ctx=ctx)
    b[1] = mx.nd.ones((3, 4), ctx=ctx, dtype="int32") * 2
    assert b.asnumpy()[1].min() == 2 and b.asnumpy()[0].max() == 0
    b[1, 2, 3] = nd([9], ctx)
    assert b.asnumpy()[1, 2, 3] == 9


def test_setitem_through_views(ctx):
    a = nd(X, ctx)
    v = a[1]
    v[:, 1] = 0                       # non-contiguous write into a view of a
    ref = X.copy()
    ref[1][:, 1] = 0
    np.testing.assert_array_equal(a.asnumpy(), ref)


def test_setitem_overlapping_source(ctx):
    a = nd(np.arange(6, dtype=np.float32), ctx)
    a[1:] = a[:5]
    np.testing.assert_array_equal(a.asnumpy(), [0, 0, 1, 2, 3, 4])


def test_setitem_errors_change_nothing(ctx):
    a = nd(X, ctx)
    with pytest.raises(ValueError, match="could not be broadcast"):
        a[1] = mx.nd.ones((2, 4), ctx=ctx)
    with pytest.raises(ValueError):
        a[:, ::2] = nd([1, 2], ctx)
    with pytest.raises(IndexError, match="index 5 is out of bounds"):
        a[5] = 1
    np.testing.assert_array_equal(a.asnumpy(), X)


def test_setitem_refused_while_recording(ctx):
    x = nd(X, ctx)
    x.attach_grad()
    with mx.autograd.record():
        x[1]
        with pytest.raises(MXNetError):
            x[0] = 1
    np.testing.assert_array_equal(x.asnumpy(), X)


@pytest.mark.parametrize("dtype", ["float16", "uint8", "int8", "int32", "int64", "float64"])
def test_dtypes(ctx, dtype):
    if dtype == "float64" and not ctx.state.has_fp64:
        pytest.skip("no float64")
    ref = X.astype(dtype)
    a = nd(ref, ctx, dtype)
    np.testing.assert_array_equal(a[:, ::-1, 1:3].asnumpy(), ref[:, ::-1, 1:3])
    np.testing.assert_array_equal(a[[1, 0], 2].asnumpy(), ref[[1, 0], 2])
    a[:, 0] = 7
    ref[:, 0] = 7
    np.testing.assert_array_equal(a.asnumpy(), ref)


# --- gradients (first and second order, finite differences in float64) ----------------------
from gradcheck import check_gradients  # noqa: E402

R = np.random.RandomState(0).uniform(-1, 1, size=(2, 3, 4))


@pytest.mark.parametrize("key", [
    1, slice(0, 1), (slice(None), 0), (1, slice(None, None, -2)), (None, Ellipsis, 2),
    (1, 2, 3), [1, 1, 0], (slice(None), [2, 0, 2]), ([0, 1], [2, 0], [3, 3])])
def test_getitem_gradients(ctx, fp64, key):
    check_gradients(lambda x: (x * x)[key], [R], ctx, order=2)


# --- MXNet's rules for writes while recording ---------------------------------------------------
def _plain_and_variable(ctx):
    x = mx.nd.zeros((3, 4), ctx=ctx)
    y = nd(np.arange(12, dtype=np.float32).reshape(3, 4), ctx)
    y.attach_grad()
    return x, y


@pytest.mark.parametrize("key", [1, (slice(None), 1), [0, 1], slice(0, 2), (1, slice(1, 3))])
def test_partial_write_of_a_value_needing_a_gradient_raises_first(ctx, key):
    x, y = _plain_and_variable(ctx)
    with mx.autograd.record():
        with pytest.raises(MXNetError, match="in-place"):
            x[key] = y[0:1, 0:1] * 2               # the gradient would be lost
    np.testing.assert_array_equal(x.asnumpy(), 0)   # raised before writing


@pytest.mark.parametrize("key", [slice(None), Ellipsis, (), slice(0, 3),
                                 (slice(None), slice(None))])
def test_full_write_while_recording_is_a_recorded_copy(ctx, key):
    x, y = _plain_and_variable(ctx)
    with mx.autograd.record():
        x[key] = y * 2
        z = x * x
    z.backward()
    np.testing.assert_array_equal(x.asnumpy(), np.arange(12).reshape(3, 4) * 2)
    np.testing.assert_allclose(y.grad.asnumpy(), 8 * np.arange(12).reshape(3, 4))


def test_full_write_gradient_broadcasts_and_casts(ctx, fp64):
    def fn(v):
        out = mx.nd.zeros((3, 4), ctx=ctx, dtype="float64")
        out[:] = v * v                             # (4,) broadcast over the rows
        return out * out
    check_gradients(fn, [np.random.RandomState(1).uniform(-1, 1, 4)], ctx, order=2)
    v = nd(np.array([1, 2, 3, 4], np.float64), ctx, "float64")
    v.attach_grad()
    with mx.autograd.record():
        out = mx.nd.zeros((1, 1, 4), ctx=ctx)      # float32: the value is cast
        out[:] = v * 3
    out.backward()
    np.testing.assert_array_equal(v.grad.asnumpy(), [3, 3, 3, 3])


def test_writes_that_need_no_gradient_still_work_while_recording(ctx):
    x, y = _plain_and_variable(ctx)
    plain = mx.nd.ones((4,), ctx=ctx)
    with mx.autograd.record():
        x[1] = 5                                   # constants
        x[0] = plain                               # arrays outside the graph
        x[2] = y.detach()[2]
        x[:, 3] = np.full(3, 7, np.float32)
    np.testing.assert_array_equal(x.asnumpy(), [[1, 1, 1, 7], [5, 5, 5, 7], [8, 9, 10, 7]])


# --- value shapes and keys as MXNet 1.9.1 takes them ---------------------------------------------
@pytest.mark.parametrize("key, vshape", [
    (0, (1, 1, 1, 4)), (slice(None), (1, 1, 3, 4)), ((slice(0, 2), 1), (1, 1, 2)),
    ((1, 2), (1, 1)), ([0, 1], (1, 1, 2, 4)), (([0, 1], 1), (1, 2))])
@pytest.mark.parametrize("as_nd", [False, True])
def test_setitem_value_with_extra_leading_unit_axes(ctx, key, vshape, as_nd):
    v = np.arange(np.prod(vshape), dtype=np.float32).reshape(vshape) + 1
    x = mx.nd.zeros((3, 4), ctx=ctx)
    x[key] = nd(v, ctx) if as_nd else v
    ref = np.zeros((3, 4), np.float32)
    ref[key] = v.reshape(np.shape(ref[key]))       # the same values, without the extra axes
    np.testing.assert_array_equal(x.asnumpy(), ref)


@pytest.mark.parametrize("key, vshape", [(0, (2, 1, 4)), ((1, 2), (1, 2))])
def test_setitem_extra_axes_must_be_unit(ctx, key, vshape):
    x = mx.nd.zeros((3, 4), ctx=ctx)
    with pytest.raises(ValueError, match="could not be broadcast"):
        x[key] = mx.nd.ones(vshape, ctx=ctx)
    np.testing.assert_array_equal(x.asnumpy(), 0)


TUPLE_KEYS = [([1, 2], slice(1, 3), (2, 3)), ((1, 2), slice(1, 3), [2, 3]), ((1, 2),),
              (1, (0, 2)), (slice(None), (0, 2), 1), (slice(None), ((0, 2), (1, 3)), 1),
              ([[0, 1]], (0, 2)), (Ellipsis, (0, 4)), (None, (0, 2)), ((0, 2), None, 1)]
Y = np.arange(60, dtype=np.float32).reshape(3, 4, 5)


@pytest.mark.parametrize("key", TUPLE_KEYS)
def test_tuples_inside_keys_index_like_lists(ctx, key):
    a = nd(Y, ctx)
    np.testing.assert_array_equal(a[key].asnumpy(), Y[key])
    ref = Y.copy()
    ref[key] = -1
    a[key] = -1
    np.testing.assert_array_equal(a.asnumpy(), ref)
    ref[key] = np.arange(ref[key].size, dtype=np.float32).reshape(ref[key].shape)
    a[key] = nd(ref[key], ctx)
    np.testing.assert_array_equal(a.asnumpy(), ref)


def test_tuple_key_gradient(ctx, fp64):
    check_gradients(lambda x: (x * x)[[1, 0], (2, 2)], [R], ctx, order=2)
