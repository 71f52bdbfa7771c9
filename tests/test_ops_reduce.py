"""Reductions against NumPy (MXNet 1.9.1's shapes, dtypes and integer rules), on every device."""
import itertools

import numpy as np
import pytest

import mxgrad as mx
from mxgrad.base import MXNetError
from mxgrad.ndarray import reduce as R
from gradcheck import check_gradients

nd = mx.nd
rng = np.random.RandomState(11)

SHAPES = [(2, 3, 4), (3, 1, 5)]
AXES = [None, (), 0, 1, 2, -1, -3, (0, 1), (0, 2), (1, 2), (2, -3), (0, 1, 2)]
NP_OPS = {"sum": np.sum, "prod": np.prod, "max": np.max, "min": np.min,
          "nansum": np.nansum, "nanprod": np.nanprod}


def _np_axes(axis, ndim, exclude):
    if axis is None or axis == ():
        return tuple(range(ndim))
    axes = {a % ndim for a in ((axis,) if isinstance(axis, int) else axis)}
    return tuple(sorted(set(range(ndim)) - axes if exclude else axes))


def _data(shape, dtype):
    if dtype == "int32":
        return rng.randint(-3, 4, size=shape).astype(np.int32)
    return rng.uniform(-2, 2, size=shape).astype(dtype)


def _expected(op, x, axes, keepdims):
    code_dtype = x.dtype
    if op == "mean":
        if x.dtype.kind == "i":       # the wrapped sum, divided with truncation
            s = x.sum(axis=axes, keepdims=keepdims, dtype=np.int64).astype(x.dtype)
            count = int(np.prod([x.shape[a] for a in axes]))
            e = np.fix(s / count).astype(x.dtype)
        else:
            e = x.astype(np.float64).mean(axis=axes, keepdims=keepdims)
    elif x.dtype.kind == "i" and op in ("sum", "prod", "nansum", "nanprod"):
        e = NP_OPS[op](x.astype(np.int64), axis=axes, keepdims=keepdims)
    else:
        e = NP_OPS[op](x.astype(np.float64) if op != "max" and op != "min" else x,
                       axis=axes, keepdims=keepdims)
    e = np.asarray(e).astype(code_dtype)          # int64 wraps to int32 like MXNet's sums
    return e.reshape(1) if e.ndim == 0 else e


@pytest.mark.parametrize("dtype", ["float32", "float64", "int32"])
@pytest.mark.parametrize("op", ["sum", "mean", "prod", "max", "min", "nansum", "nanprod"])
def test_forward_every_axis(ctx, op, dtype):
    fn = getattr(nd, op)
    for shape in SHAPES:
        x = _data(shape, dtype)
        a = nd.array(x, ctx=ctx, dtype=dtype)
        for axis, keepdims, exclude in itertools.product(AXES, (False, True), (False, True)):
            axes = _np_axes(axis, len(shape), exclude)
            got = fn(a, axis=axis, keepdims=keepdims, exclude=exclude)
            want = _expected(op, x, axes, keepdims) if axes else x.copy()
            assert got.dtype == np.dtype(dtype)
            assert got.shape == want.shape, (op, shape, axis, keepdims, exclude)
            np.testing.assert_allclose(got.asnumpy(), want, rtol=1e-5, atol=1e-6,
                                       err_msg=f"{op} {shape} axis={axis} kd={keepdims} "
                                               f"ex={exclude}")


def test_output_shapes_follow_mxnet(ctx):
    x = nd.ones((2, 3, 4), ctx=ctx)
    assert nd.sum(nd.ones((3,), ctx=ctx)).shape == (1,)
    assert nd.sum(x).shape == (1,)
    assert nd.sum(x, keepdims=True).shape == (1, 1, 1)
    assert nd.sum(x, axis=1, exclude=True).shape == (3,)
    assert nd.sum(x, axis=(0, 1, 2), exclude=True).shape == (2, 3, 4)     # nothing reduced
    assert nd.sum(x, axis=(), exclude=True).asnumpy().tolist() == [24.0]  # () is everything
    assert nd.sum(x, axis=[0, 2]).shape == (3,)
    assert nd.sum_axis(x, axis=1).shape == nd.max_axis(x, axis=1).shape == (2, 4)


@pytest.mark.parametrize("dtype", ["float32", "float64", "int32"])
def test_argmax_argmin(ctx, dtype):
    x = _data((3, 4, 5), dtype)
    a = nd.array(x, ctx=ctx, dtype=dtype)
    for fn, ref in ((nd.argmax, np.argmax), (nd.argmin, np.argmin)):
        for axis in (0, 1, 2, -1):
            for keepdims in (False, True):
                got = fn(a, axis=axis, keepdims=keepdims)
                want = ref(x, axis=axis)
                if keepdims:
                    want = np.expand_dims(want, axis % 3)
                assert got.dtype == np.dtype(dtype)       # MXNet: indices in the input dtype
                np.testing.assert_array_equal(got.asnumpy(), want)
        assert fn(a).asnumpy().tolist() == [ref(x)]
        assert fn(a, keepdims=True).shape == (1, 1, 1)
    assert nd.argmax_channel(a).shape == (3, 5)


def test_arg_ties_and_nan_take_the_first(ctx):
    n = np.nan
    a = nd.array([[1, 3, 3], [n, 1, n], [1, n, 2], [-np.inf, -np.inf, -np.inf]], ctx=ctx)
    assert nd.argmax(a, axis=1).asnumpy().tolist() == [1, 0, 1, 0]
    assert nd.argmin(a, axis=1).asnumpy().tolist() == [0, 0, 1, 0]
    m = nd.max(a, axis=1).asnumpy()
    assert m[0] == 3 and np.isnan(m[1]) and np.isnan(m[2])
    assert np.isnan(nd.min(a, axis=1).asnumpy()[2])
    assert nd.nansum(a, axis=1).asnumpy()[1] == 1


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_norm(ctx, dtype):
    x = _data((2, 3, 4), dtype)
    a = nd.array(x, ctx=ctx, dtype=dtype)
    for ord_, axis, keepdims in itertools.product((1, 2), AXES[:10], (False, True)):
        axes = _np_axes(axis, 3, False)
        got = nd.norm(a, ord=ord_, axis=axis, keepdims=keepdims)
        f = np.abs(x).sum if ord_ == 1 else None
        want = f(axis=axes, keepdims=keepdims) if f else \
            np.sqrt((x.astype(np.float64) ** 2).sum(axis=axes, keepdims=keepdims))
        want = np.asarray(want).reshape(got.shape) if not keepdims else want
        assert got.shape == (np.asarray(want).shape or (1,))
        np.testing.assert_allclose(got.asnumpy(), want, rtol=1e-5)
    assert nd.norm(a, out_dtype="float64").dtype == np.float64


def test_norm_edge_values(ctx):
    # float32 squares beyond its range stay finite; integer norms follow MXNet's
    # scaled algorithm: max|x| * sqrt(count of max|x|), truncated.
    np.testing.assert_allclose(nd.norm(nd.array([1e20, 1e20], ctx=ctx)).asnumpy(),
                               [1.4142135e20], rtol=1e-6)
    ints = [([3, 4], 4), ([5, 5, 5], 8), ([-5, 5, 3], 7), ([0, 0], 0), ([1, 1, 1, 1], 2)]
    for v, want in ints:
        got = nd.norm(nd.array(v, ctx=ctx, dtype="int32"))
        assert got.dtype == np.int32 and got.asnumpy().tolist() == [want], v
    assert nd.norm(nd.array([-3, 4], ctx=ctx, dtype="int32"), ord=1).asnumpy().tolist() == [7]


def test_integer_and_half_accumulation(ctx):
    u8 = nd.array([200, 200], ctx=ctx, dtype="uint8")
    assert nd.sum(u8).asnumpy().tolist() == [144]           # wraps like the dtype
    assert nd.mean(u8).asnumpy().tolist() == [72]           # mean of the wrapped sum
    assert nd.sum(nd.array([100, 100], ctx=ctx, dtype="int8")).asnumpy().tolist() == [-56]
    i32 = nd.array([2 ** 31 - 1, 2 ** 31 - 1], ctx=ctx, dtype="int32")
    assert nd.sum(i32).asnumpy().tolist() == [-2]
    big = nd.array([2 ** 40, 2 ** 40], ctx=ctx, dtype="int64")
    assert nd.sum(big).asnumpy().tolist() == [2 ** 41]
    assert nd.mean(nd.array([-1, -2], ctx=ctx, dtype="int32")).asnumpy().tolist() == [-1]
    h = nd.ones((5000,), ctx=ctx, dtype="float16")
    assert nd.sum(h).asnumpy().tolist() == [5000.0]         # accumulated in float
    assert nd.sum(h).dtype == np.float16
    hot = nd.full((10,), 10000, ctx=ctx, dtype="float16")
    assert np.isinf(nd.mean(hot).asnumpy()[0])              # as MXNet: the sum overflows first


@pytest.mark.parametrize("shape,axis", [((1000003,), None), ((20011, 3), 0), ((3, 20011), 1),
                                        ((7, 9001, 3), (0, 1)), ((5, 3, 9001), (0, 2))])
def test_long_reductions_split_across_work_items(ctx, shape, axis):
    x = rng.uniform(-1, 1, size=shape).astype(np.float32)
    a = nd.array(x, ctx=ctx)
    axes = _np_axes(axis, len(shape), False)
    ref = x.astype(np.float64)
    np.testing.assert_allclose(nd.sum(a, axis=axis).asnumpy(),
                               ref.sum(axis=axes).reshape(-1), rtol=1e-4, atol=1e-3)
    np.testing.assert_allclose(nd.max(a, axis=axis).asnumpy(), x.max(axis=axes).reshape(-1))
    np.testing.assert_allclose(nd.norm(a, axis=axis).asnumpy(),
                               np.sqrt((ref ** 2).sum(axis=axes)).reshape(-1), rtol=1e-5)
    if not isinstance(axis, tuple):
        flat_axis = axis if axis is not None else 0
        want = np.argmax(x if axis is not None else x.reshape(-1), axis=flat_axis)
        np.testing.assert_array_equal(nd.argmax(a, axis=axis).asnumpy(), np.ravel(want))


def test_empty_reduced_axis(ctx):
    a = nd.zeros((2, 0), ctx=ctx)
    assert nd.sum(a, axis=1).asnumpy().tolist() == [0, 0]
    assert nd.prod(a, axis=1).asnumpy().tolist() == [1, 1]
    with pytest.raises(MXNetError, match="zero-size"):
        nd.max(a, axis=1)


def test_bad_axes_raise_naming_axis_and_ndim(ctx):
    x = nd.ones((2, 3, 4), ctx=ctx)
    with pytest.raises(MXNetError, match=r"axis 3 .*3 dimensions"):
        nd.sum(x, axis=3)
    with pytest.raises(MXNetError, match=r"axis -4 .*3 dimensions"):
        nd.mean(x, axis=(0, -4))
    with pytest.raises(MXNetError, match="repeat axis 1"):
        nd.max(x, axis=(1, -2))
    with pytest.raises(MXNetError, match=r"axis 3 .*3 dimensions"):
        nd.argmax(x, axis=3)
    with pytest.raises(MXNetError, match="axis must be an int or None"):
        nd.argmax(x, axis=(0, 1))
    with pytest.raises(MXNetError, match="ord must be"):
        nd.norm(x, ord=3)
    with pytest.raises(MXNetError, match="must be an NDArray"):
        nd.sum([1, 2])


def test_out_argument(ctx):
    x = nd.array([[1, 2], [3, 4]], ctx=ctx)
    out = nd.zeros((2,), ctx=ctx)
    assert nd.sum(x, axis=0, out=out) is out
    assert out.asnumpy().tolist() == [4, 6]
    with pytest.raises(MXNetError, match="out must be"):
        nd.sum(x, out=nd.zeros((3,), ctx=ctx))


def test_moments(ctx):
    x = _data((3, 4), "float32")
    m, v = nd.moments(nd.array(x, ctx=ctx), axes=(0,))
    np.testing.assert_allclose(m.asnumpy(), x.mean(axis=0), rtol=1e-5)
    np.testing.assert_allclose(v.asnumpy(), x.var(axis=0), rtol=1e-5)


def test_sum_to_shape(ctx):
    g = nd.array(rng.uniform(size=(2, 3, 4)), ctx=ctx)
    for shape in [(2, 3, 4), (3, 1), (4,), (1, 3, 1), (1,)]:
        want = g.asnumpy()
        lead = want.ndim - len(shape)
        want = want.sum(axis=tuple(range(lead)))
        want = want.sum(axis=tuple(i for i, d in enumerate(shape) if d == 1), keepdims=True)
        got = R.sum_to_shape(g, shape)
        assert got.shape == shape
        np.testing.assert_allclose(got.asnumpy(), want.reshape(shape), rtol=1e-6)


@pytest.mark.parametrize("fn", [
    lambda x: nd.sum(x, axis=1),
    lambda x: nd.mean(x, axis=(0, 2), keepdims=True),
    lambda x: nd.sum(x * x, axis=0, exclude=True),
    lambda x: nd.prod(x, axis=2),
    lambda x: nd.max(x, axis=(0, 2)),
    lambda x: nd.min(x, axis=-1, keepdims=True),
    lambda x: nd.nansum(x * x),
    lambda x: nd.norm(x, axis=1),
    lambda x: nd.norm(x, ord=1, axis=(1, 2)),
    lambda x: R.sum_to_shape(x * x, (3, 1)),
], ids=["sum", "mean", "sum_exclude", "prod", "max", "min", "nansum", "norm2", "norm1",
        "sum_to_shape"])
def test_gradients_first_and_second_order(ctx, fp64, fn):
    x = rng.uniform(0.5, 2, size=(2, 3, 4)) * rng.choice([-1, 1], size=(2, 3, 4))
    check_gradients(fn, [x], ctx, order=2)


def test_extremum_gradient_goes_to_every_tie(ctx):
    x = nd.array([[1, 3, 3], [2, 0, 0]], ctx=ctx)
    x.attach_grad()
    with mx.autograd.record():
        y = nd.max(x, axis=1)
    y.backward()
    assert x.grad.asnumpy().tolist() == [[0, 1, 1], [1, 0, 0]]     # not split, as MXNet


def test_argmax_records_nothing(ctx):
    x = nd.array([1, 3, 2], ctx=ctx)
    x.attach_grad()
    with mx.autograd.record():
        y = nd.argmax(x, axis=0)
    assert y._entry is None


@pytest.mark.parametrize("dtype", ["float32", "float16", "float64"])
def test_contiguous_rows_every_reducer(ctx, dtype):
    # rows long enough for the 16-wide vector steps plus a tail; NaNs for the nan* reducers
    x = rng.uniform(0.9, 1.1, size=(3, 101)).astype(dtype)
    x[1, 40] = np.nan
    x[2, 100] = np.nan
    a = nd.array(x, ctx=ctx, dtype=dtype)
    ref = x.astype(np.float64)
    tol = dict(rtol=2e-3 if dtype == "float16" else 1e-5)
    for op, want in (("sum", ref.sum(1)), ("mean", ref.mean(1)), ("prod", ref.prod(1)),
                     ("max", ref.max(1)), ("min", ref.min(1)), ("nansum", np.nansum(ref, 1)),
                     ("nanprod", np.nanprod(ref, 1))):
        np.testing.assert_allclose(getattr(nd, op)(a, axis=1).asnumpy(), want, **tol,
                                   err_msg=op)
    np.testing.assert_allclose(nd.norm(a, ord=1, axis=1).asnumpy(), np.abs(ref).sum(1), **tol)
    np.testing.assert_allclose(nd.norm(a, axis=1).asnumpy(), np.sqrt((ref ** 2).sum(1)), **tol)
    np.testing.assert_array_equal(nd.argmax(a, axis=1).asnumpy(), [np.argmax(x[0]), 40, 100])


@pytest.mark.parametrize("dtype", ["float32", "float16", "float64"])
def test_contiguous_rows_around_the_vector_step(ctx, dtype):
    # A contiguous row is read into four 8-wide (float64: 4-wide) accumulators, then a
    # scalar tail: lengths around the step, extremes placed at the edges of the
    # accumulators and in the tail, ties across accumulators (the first index must win).
    if dtype == "float64" and not ctx.state.has_fp64:
        pytest.skip(f"{ctx} has no float64")
    own = np.random.RandomState(3)      # the module's rng feeds the tests below
    edges = (0, 1, 3, 4, 7, 8, 15, 16, 24, 31, 32, 33, 40, 63, 64, 96)
    for length in (1, 7, 8, 31, 32, 33, 63, 64, 65, 97):
        spots = [p for p in edges if p < length] + [length - 1]
        x = own.uniform(0.9, 1.1, size=(len(spots) + 2, length)).astype(dtype)
        for row, p in enumerate(spots):
            x[row, p] = 3
            x[row, (p + 13) % length] = -3 if length > 1 else 3
        if length >= 64:
            x[-2, [40, 27, 59]] = 4             # steps 1, 0, 1; accumulators 1, 3, 3
            x[-1, [length - 1, 37, 9]] = np.nan     # NaN wins max/min, the first argmax
        a = nd.array(x, ctx=ctx, dtype=dtype)
        ref = x.astype(np.float64)
        tol = dict(rtol=2e-3 if dtype == "float16" else 1e-5)
        for op, want in (("sum", ref.sum(1)), ("mean", ref.mean(1)), ("prod", ref.prod(1)),
                         ("max", ref.max(1)), ("min", ref.min(1)),
                         ("nansum", np.nansum(ref, 1))):
            np.testing.assert_allclose(getattr(nd, op)(a, axis=1).asnumpy(), want, **tol,
                                       err_msg=f"{op} length {length}")
        np.testing.assert_allclose(nd.norm(a, axis=1).asnumpy(), np.sqrt((ref ** 2).sum(1)),
                                   **tol)
        np.testing.assert_array_equal(nd.argmax(a, axis=1).asnumpy(), np.argmax(x, 1))
        np.testing.assert_array_equal(nd.argmin(a, axis=1).asnumpy(), np.argmin(x, 1))


@pytest.mark.parametrize("interleaved", [False, True])
def test_split_rows_keep_first_index(ctx, monkeypatch, interleaved):
    # GPUs split long rows into interleaved slots; force either layout on this device
    monkeypatch.setattr(R, "interleave_split_rows", lambda c: interleaved)
    monkeypatch.setattr(R, "_plans", {})          # plans are cached per shape
    x = rng.uniform(-1, 1, size=(100003,)).astype(np.float32)
    x[[70001, 9, 50000]] = 5
    x[[80000, 12]] = -5
    a = nd.array(x, ctx=ctx)
    assert nd.argmax(a).asnumpy().tolist() == [9]
    assert nd.argmin(a).asnumpy().tolist() == [12]
    x[[99999, 777]] = np.nan
    a = nd.array(x, ctx=ctx)
    assert nd.argmax(a, axis=0).asnumpy().tolist() == [777]
    np.testing.assert_allclose(nd.nansum(a).asnumpy(), np.nansum(x.astype(np.float64)),
                               rtol=1e-5)
    c = x[:100000].reshape(-1, 4)             # NaNs in columns 1 and 3
    cols = nd.array(c, ctx=ctx)
    np.testing.assert_allclose(nd.nansum(cols, axis=0).asnumpy(),
                               np.nansum(c.astype(np.float64), axis=0), rtol=1e-5)
    np.testing.assert_array_equal(nd.max(cols, axis=0).asnumpy(), np.max(c, axis=0))
    np.testing.assert_array_equal(nd.argmin(cols, axis=0).asnumpy(), np.argmin(c, axis=0))


@pytest.mark.parametrize("interleaved", [False, True])
def test_split_rows_merged_over_several_launches(ctx, monkeypatch, interleaved):
    # A GPU splits a long row into ~10^5 short slots and merges their partial states in
    # further split launches; force that schedule on this device.
    monkeypatch.setattr(R, "interleave_split_rows", lambda c: interleaved)
    monkeypatch.setattr(R, "_MIN_CHUNK", {True: 64, False: 64})
    monkeypatch.setattr(R, "_parallel_slots", lambda c: 1 << 16)
    monkeypatch.setattr(R, "_plans", {})          # plans are cached per shape
    x = rng.uniform(-1, 1, size=(1000003,)).astype(np.float32)
    x[[700001, 90, 5000]] = 5
    a = nd.array(x, ctx=ctx)
    ref = x.astype(np.float64)
    np.testing.assert_allclose(nd.sum(a).asnumpy(), [ref.sum()], rtol=1e-4, atol=1e-2)
    np.testing.assert_allclose(nd.norm(a).asnumpy(), [np.sqrt((ref ** 2).sum())], rtol=1e-5)
    assert nd.argmax(a).asnumpy().tolist() == [90]
    ints = nd.array(np.arange(300007) % 7, ctx=ctx, dtype="int32")
    assert nd.sum(ints).asnumpy().tolist() == [int((np.arange(300007) % 7).sum())]
    cols = nd.array(x[:1000000].reshape(-1, 4), ctx=ctx)
    np.testing.assert_allclose(nd.sum(cols, axis=0).asnumpy(),
                               ref[:1000000].reshape(-1, 4).sum(0), rtol=1e-4, atol=1e-2)
