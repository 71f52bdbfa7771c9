"""sort, argsort and topk against NumPy's stable sort (MXNet 1.9.1 agrees wherever it orders
ties at all: checked side by side on distinct values), their errors, and the gradient of the
values to second order."""
import numpy as np
import pytest

import mxgrad as mx
from mxgrad.base import MXNetError
from gradcheck import check_gradients

SIZES = [1, 2, 7, 64, 1000, 5000]


def _expected_order(a, axis, ascend):
    """Stable order along axis: ties keep the smaller index first, both directions; NaN last
    ascending, first descending (NaN counts as the largest value)."""
    key = a.astype(np.float64)
    if not ascend:
        key = -key
    nan_rank = np.isnan(key) if ascend else np.zeros(key.shape, bool)
    if not ascend:
        nan_rank = ~np.isnan(key)
    # lexsort: last key is primary
    moved = np.moveaxis(key, axis, -1)
    rank = np.moveaxis(nan_rank, axis, -1)
    flat_k = moved.reshape(-1, moved.shape[-1])
    flat_r = rank.reshape(-1, moved.shape[-1])
    order = np.stack([np.lexsort((np.arange(len(k)), np.nan_to_num(k), r))
                      for k, r in zip(flat_k, flat_r)])
    return np.moveaxis(order.reshape(moved.shape), -1, axis)


def _data(rng, shape, dtype, ties=True):
    if ties:
        return rng.randint(-3, 4, size=shape).astype(dtype)
    return (rng.permutation(int(np.prod(shape))).reshape(shape) - 5).astype(dtype)


CASES = [((3, n), -1) for n in SIZES] + [((n, 2), 0) for n in SIZES] + [
    ((2, 5, 3, 4), 1), ((2, 5, 3, 4), -3), ((4, 1, 3), 1), ((2, 3, 4), None), ((300, 7), 0)]


@pytest.mark.parametrize("shape, axis", CASES, ids=[f"{s}-{a}" for s, a in CASES])
@pytest.mark.parametrize("ascend", [True, False])
def test_sort_argsort_match_stable_numpy(ctx, shape, axis, ascend):
    rng = np.random.RandomState(len(shape) * 100 + shape[0])
    a = _data(rng, shape, np.float32)
    x = mx.nd.array(a, ctx=ctx)
    flat = a.reshape(-1) if axis is None else a
    ax = 0 if axis is None else axis
    order = _expected_order(flat, ax, ascend)
    got = mx.nd.argsort(x, axis=axis, is_ascend=ascend)
    assert got.dtype == np.float32 and got.shape == order.shape
    np.testing.assert_array_equal(got.asnumpy(), order)
    vals = mx.nd.sort(x, axis=axis, is_ascend=ascend)
    np.testing.assert_array_equal(vals.asnumpy(), np.take_along_axis(flat, order, ax))


@pytest.mark.parametrize("dtype", ["float64", "float16", "int32", "int64", "uint8", "int8"])
def test_sort_dtypes(ctx, dtype):
    if dtype == "float64" and not ctx.state.has_fp64:
        pytest.skip("no float64")
    rng = np.random.RandomState(1)
    a = rng.randint(0, 100, size=(5, 37)).astype(dtype)
    x = mx.nd.array(a, ctx=ctx, dtype=dtype)
    for ascend in (True, False):
        order = _expected_order(a, 1, ascend)
        s = mx.nd.sort(x, is_ascend=ascend)
        assert s.dtype == np.dtype(dtype)
        np.testing.assert_array_equal(s.asnumpy(), np.take_along_axis(a, order, 1))
        np.testing.assert_array_equal(mx.nd.argsort(x, is_ascend=ascend).asnumpy(), order)


def test_nan_counts_as_largest(ctx):
    a = np.array([[3, np.nan, 1, 1, np.nan, -2]], np.float32)
    x = mx.nd.array(a, ctx=ctx)
    np.testing.assert_array_equal(mx.nd.argsort(x).asnumpy(), [[5, 2, 3, 0, 1, 4]])
    np.testing.assert_array_equal(mx.nd.argsort(x, is_ascend=False).asnumpy(),
                                  [[1, 4, 0, 2, 3, 5]])
    np.testing.assert_array_equal(mx.nd.sort(x).asnumpy(), [[-2, 1, 1, 3, np.nan, np.nan]])


@pytest.mark.parametrize("k", [1, 3, 0, -1, 7])
@pytest.mark.parametrize("ascend", [True, False])
def test_topk_ret_types(ctx, k, ascend):
    rng = np.random.RandomState(k + 10)
    a = _data(rng, (4, 7, 3), np.float32)
    x = mx.nd.array(a, ctx=ctx)
    order = _expected_order(a, 1, ascend)
    kk = 7 if k <= 0 else k
    top = order[:, :kk, :]
    idx = mx.nd.topk(x, axis=1, k=k, is_ascend=ascend)
    assert idx.dtype == np.float32 and idx.shape == (4, kk, 3)
    np.testing.assert_array_equal(idx.asnumpy(), top)
    val = mx.nd.topk(x, axis=1, k=k, ret_typ="value", is_ascend=ascend)
    np.testing.assert_array_equal(val.asnumpy(), np.take_along_axis(a, top, 1))
    v2, i2 = mx.nd.topk(x, axis=1, k=k, ret_typ="both", is_ascend=ascend, dtype="int32")
    assert i2.dtype == np.int32
    np.testing.assert_array_equal(v2.asnumpy(), val.asnumpy())
    np.testing.assert_array_equal(i2.asnumpy(), top)
    mask = mx.nd.topk(x, axis=1, k=k, ret_typ="mask", is_ascend=ascend)
    want = np.zeros_like(a)
    np.put_along_axis(want, top, 1, 1)
    assert mask.dtype == np.float32
    np.testing.assert_array_equal(mask.asnumpy(), want)


def test_topk_defaults_and_flattened(ctx):
    a = np.array([[3, 1, 2, 1, 0, 3], [0, 0, 0, 5, -1, 4]], np.float32)
    x = mx.nd.array(a, ctx=ctx)
    np.testing.assert_array_equal(mx.nd.topk(x).asnumpy(), [[0], [3]])
    np.testing.assert_array_equal(mx.nd.topk(x, k=2, ret_typ="value", axis=None).asnumpy(),
                                  [5, 4])
    mask = mx.nd.topk(x, k=2, ret_typ="mask", axis=None)
    assert mask.shape == (2, 6)
    np.testing.assert_array_equal(mask.asnumpy(), [[0] * 6, [0, 0, 0, 1, 0, 1]])
    np.testing.assert_array_equal(mx.nd.argsort(x, axis=None).asnumpy(),
                                  _expected_order(a.reshape(-1), 0, True))
    i = mx.nd.topk(mx.nd.array([1, 2, 3], ctx=ctx, dtype="int32"), k=2, ret_typ="mask")
    assert i.dtype == np.int32
    np.testing.assert_array_equal(i.asnumpy(), [0, 1, 1])


@pytest.mark.parametrize("dtype", ["float16", "float64", "int64", "uint8"])
def test_index_dtypes(ctx, dtype):
    if dtype == "float64" and not ctx.state.has_fp64:
        pytest.skip("no float64")
    x = mx.nd.array([[3, 1, 2]], ctx=ctx)
    assert mx.nd.argsort(x, dtype=dtype).dtype == np.dtype(dtype)
    assert mx.nd.argsort(x, dtype=None).dtype == np.float32    # unset, as in MXNet
    np.testing.assert_array_equal(mx.nd.topk(x, k=3, dtype=dtype).asnumpy(), [[0, 2, 1]])


def test_methods(ctx):
    x = mx.nd.array([[3, 1, 2], [0, 5, 4]], ctx=ctx)
    np.testing.assert_array_equal(x.sort().asnumpy(), [[1, 2, 3], [0, 4, 5]])
    np.testing.assert_array_equal(x.argsort(axis=0, is_ascend=False).asnumpy(),
                                  [[0, 1, 1], [1, 0, 0]])
    np.testing.assert_array_equal(x.topk(k=2, ret_typ="value").asnumpy(), [[3, 2], [5, 4]])


def test_empty_and_out(ctx):
    e = mx.nd.zeros((3, 0), ctx=ctx)
    assert mx.nd.sort(e).shape == (3, 0)
    assert mx.nd.argsort(e, axis=0).shape == (3, 0)
    x = mx.nd.array([[3, 1, 2]], ctx=ctx)
    out = mx.nd.zeros((1, 3), ctx=ctx)
    assert mx.nd.sort(x, out=out) is out
    np.testing.assert_array_equal(out.asnumpy(), [[1, 2, 3]])


@pytest.mark.parametrize("call, message", [
    (lambda x: mx.nd.topk(x, k=7), "k must be at most 6"),
    (lambda x: mx.nd.topk(x, ret_typ="foo"), "ret_typ must be one of"),
    (lambda x: mx.nd.topk(x, axis=2), "axis 2 is out of range"),
    (lambda x: mx.nd.sort(x, axis=-3), "axis -3 is out of range"),
    (lambda x: mx.nd.argsort(x, dtype="int8"), "dtype must be one of"),
    (lambda x: mx.nd.topk(x, k=1.5), "k must be an int"),
    (lambda x: mx.nd.sort([1, 2]), "data must be an NDArray"),
    (lambda x: mx.nd.topk(x, axis=1.0), "axis must be an int or None"),
    (lambda x: mx.nd.argsort(x, is_ascend=None), "is_ascend must be a bool"),
    (lambda x: mx.nd.topk(x, dtype="foo"), "dtype must be one of"),
])
def test_errors(ctx, call, message):
    x = mx.nd.array(np.zeros((2, 6)), ctx=ctx)
    with pytest.raises(MXNetError, match=message):
        call(x)


def test_gradient_scatters_to_chosen_positions(ctx):
    x = mx.nd.array([[1, 5, 2], [4, 3, 6]], ctx=ctx)
    x.attach_grad()
    with mx.autograd.record():
        y = mx.nd.topk(x, k=2, ret_typ="value")
    y.backward(mx.nd.array([[10, 20], [30, 40]], ctx=ctx))
    np.testing.assert_array_equal(x.grad.asnumpy(), [[0, 10, 20], [40, 0, 30]])  # as MXNet
    with mx.autograd.record():
        y = mx.nd.sort(x, axis=0)
    y.backward(mx.nd.array([[10, 20, 30], [40, 50, 60]], ctx=ctx))
    np.testing.assert_array_equal(x.grad.asnumpy(), [[10, 50, 30], [40, 20, 60]])  # as MXNet


@pytest.mark.parametrize("fn", [
    lambda x: mx.nd.sort(x) * x,
    lambda x: mx.nd.sort(x * x, axis=0, is_ascend=False),
    lambda x: mx.nd.topk(x * x, k=2, ret_typ="value") ** 2,
    lambda x: mx.nd.topk(x, k=3, ret_typ="both", axis=None, is_ascend=True)[0] * x.sum(),
], ids=["sort-times-x", "sort-axis0", "topk-value", "topk-both-flat"])
def test_gradients_first_and_second_order(ctx, fp64, fn):
    if "cl_khr_int64_base_atomics" not in ctx.device_info.device.extensions:
        pytest.skip("float64 scatter-add needs 64-bit atomics")
    rng = np.random.RandomState(3)
    x = rng.permutation(12).reshape(3, 4) * 0.37 - 2   # distinct: differentiable there
    check_gradients(fn, [x], ctx, order=2)


@pytest.mark.parametrize("group", [1, 2, 4, 32])
def test_local_memory_tiles_of_any_size(ctx, group):
    """The local-memory stages with small work-groups (tiles of 2 * group elements, or none
    for group 1) give the same order as the global stages."""
    state = ctx.state
    saved = state.max_group_size
    state.max_group_size = group
    try:
        rng = np.random.RandomState(group)
        for shape, axis in [((3, 1000), -1), ((70, 5), 0), ((2, 8), 1), ((4, 3), 1)]:
            a = _data(rng, shape, np.float32)
            x = mx.nd.array(a, ctx=ctx)
            for ascend in (True, False):
                got = mx.nd.argsort(x, axis=axis, is_ascend=ascend).asnumpy()
                np.testing.assert_array_equal(got, _expected_order(a, axis, ascend))
    finally:
        state.max_group_size = saved
