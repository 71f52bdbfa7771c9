"""NDArray creation, attributes, host transfer and printing, checked against MXNet 1.9.1.

Expected values and printed forms were read off Apache MXNet 1.9.1 (with numpy 1.23; the
array text is numpy's ``str``, which prints these cases identically under numpy 2).
"""
import threading

import numpy as np
import pytest

import mxgrad as mx
from mxgrad.base import MXNetError

DTYPES = ["float32", "float64", "float16", "int32", "int64", "uint8", "int8"]


def needs(ctx, dtype):
    if dtype == "float64" and not ctx.state.has_fp64:
        pytest.skip(f"{ctx} has no float64")


def same(x, expected, dtype):
    assert x.dtype == np.dtype(dtype).type
    got, want = x.asnumpy(), np.asarray(expected, dtype=dtype)
    assert got.shape == want.shape
    np.testing.assert_array_equal(got, want)


# --- array() ----------------------------------------------------------------------------------
@pytest.mark.parametrize("np_dtype", [np.float64, np.float32, np.float16, np.int64, np.int32,
                                      np.int8, np.uint8, np.bool_, np.int16])
def test_array_from_numpy_is_float32_by_default(ctx, np_dtype):
    # MXNet 1.9.1 converts every non-NDArray source to float32 unless dtype= is given.
    x = mx.nd.array(np.array([1, 2, 3]).astype(np_dtype), ctx=ctx)
    same(x, [1, 1, 1] if np_dtype is np.bool_ else [1, 2, 3], "float32")
    assert x.context == ctx


@pytest.mark.parametrize("source,shape", [
    ([[1, 2], [3, 4]], (2, 2)), ((1, 2), (2,)), ([True, False], (2,)), ([1.5, 2], (2,)),
    (3, ()), (3.5, ()), (np.float64(3.5), ()), ([], (0,)), (range(3), (3,)),
    (np.zeros((2, 0)), (2, 0)),
])
def test_array_from_python_values(ctx, source, shape):
    x = mx.nd.array(source, ctx=ctx)
    assert x.shape == shape and x.dtype == np.float32
    np.testing.assert_array_equal(x.asnumpy(), np.asarray(source, dtype=np.float32))


@pytest.mark.parametrize("dtype", DTYPES)
def test_array_with_dtype(ctx, dtype):
    needs(ctx, dtype)
    x = mx.nd.array([[1, 2], [3, 4]], ctx=ctx, dtype=dtype)
    same(x, [[1, 2], [3, 4]], dtype)
    # numpy dtype objects and types are accepted as well as names
    assert mx.nd.array([1], ctx=ctx, dtype=np.dtype(dtype)).dtype == np.dtype(dtype).type
    assert mx.nd.array([1], ctx=ctx, dtype=np.dtype(dtype).type).dtype == np.dtype(dtype).type


def test_array_value_conversion(ctx, fp64):
    same(mx.nd.array([2 ** 40 + 1], ctx=ctx, dtype="int64"), [2 ** 40 + 1], "int64")
    same(mx.nd.array([1 / 3], ctx=ctx, dtype="float64"), [1 / 3], "float64")
    same(mx.nd.array([300], ctx=ctx, dtype="uint8"), [44], "uint8")
    same(mx.nd.array([-1.5], ctx=ctx, dtype="uint8"), [255], "uint8")
    # numpy rounds double to half directly (full() goes through float32 and gives 1.0)
    same(mx.nd.array([1.0004883], ctx=ctx, dtype="float16"), [1.0009765625], "float16")


def test_array_from_ndarray_keeps_dtype(ctx):
    src = mx.nd.array([1, 2], ctx=ctx, dtype="int32")
    same(mx.nd.array(src), [1, 2], "int32")
    same(mx.nd.array(src, dtype="float32"), [1, 2], "float32")
    copy = mx.nd.array(src, ctx=ctx)
    copy += 1
    same(src, [1, 2], "int32")                # a copy, not a view


@pytest.mark.parametrize("source", ["abc", {1: 2}, [[1, 2], [3]], None, object()])
def test_array_from_non_arrays_is_a_type_error(ctx, source):
    if source is None:
        pytest.skip("MXNet gives a float32 NaN for None (numpy 1.23 casts None to NaN)")
    with pytest.raises(TypeError, match="array like"):
        mx.nd.array(source, ctx=ctx)


@pytest.mark.parametrize("dtype", ["complex64", "foo", np.int16, "bool", object])
def test_unknown_dtype_is_an_mxnet_error(ctx, dtype):
    for make in (lambda: mx.nd.array([1, 2], ctx=ctx, dtype=dtype),
                 lambda: mx.nd.zeros((2,), ctx=ctx, dtype=dtype),
                 lambda: mx.nd.ones((2,), ctx=ctx, dtype=dtype),
                 lambda: mx.nd.empty((2,), ctx=ctx, dtype=dtype),
                 lambda: mx.nd.arange(3, ctx=ctx, dtype=dtype)):
        with pytest.raises(MXNetError, match="dtype"):
            make()


# --- zeros, ones, full, empty -----------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
def test_constant_creators(ctx, dtype):
    needs(ctx, dtype)
    same(mx.nd.zeros((2, 3), ctx=ctx, dtype=dtype), np.zeros((2, 3)), dtype)
    same(mx.nd.ones(4, ctx=ctx, dtype=dtype), np.ones(4), dtype)
    same(mx.nd.full((2, 2), 7, ctx=ctx, dtype=dtype), np.full((2, 2), 7), dtype)
    e = mx.nd.empty((3, 1), ctx=ctx, dtype=dtype)
    assert e.shape == (3, 1) and e.dtype == np.dtype(dtype).type and e.context == ctx
    same(mx.nd.zeros_like(e), np.zeros((3, 1)), dtype)
    same(mx.nd.ones_like(e), np.ones((3, 1)), dtype)
    assert mx.nd.ones_like(e).context == ctx


def test_default_dtype_and_context(ctx):
    for x in (mx.nd.zeros(3), mx.nd.ones((1, 2)), mx.nd.full(2, 1.5), mx.nd.empty(3),
              mx.nd.arange(3), mx.nd.linspace(0, 1, 3), mx.nd.eye(2), mx.nd.array([1])):
        assert x.dtype == np.float32
        assert x.context == mx.current_context()
    with ctx:
        assert mx.nd.zeros(2).context == ctx


def test_full_converts_the_value_like_mxnet(ctx, fp64):
    same(mx.nd.full((2,), 300, ctx=ctx, dtype="uint8"), [44, 44], "uint8")
    same(mx.nd.full((2,), -1, ctx=ctx, dtype="uint8"), [255, 255], "uint8")
    same(mx.nd.full((2,), 200, ctx=ctx, dtype="int8"), [-56, -56], "int8")
    same(mx.nd.full((2,), 2.7, ctx=ctx, dtype="int32"), [2, 2], "int32")
    same(mx.nd.full((2,), -2.7, ctx=ctx, dtype="int64"), [-2, -2], "int64")
    same(mx.nd.full((2,), float("nan"), ctx=ctx, dtype="int32"), [-2 ** 31] * 2, "int32")
    same(mx.nd.full((2,), 1e10, ctx=ctx, dtype="int32"), [-2 ** 31] * 2, "int32")
    same(mx.nd.full((2,), 2 ** 60 + 1, ctx=ctx, dtype="int64"), [2 ** 60] * 2, "int64")
    same(mx.nd.full((2,), 1.0004883, ctx=ctx, dtype="float16"), [1.0, 1.0], "float16")
    same(mx.nd.full((2,), 1 / 3, ctx=ctx), [np.float32(1 / 3)] * 2, "float32")
    same(mx.nd.full((2,), 1 / 3, ctx=ctx, dtype="float64"), [1 / 3] * 2, "float64")
    same(mx.nd.full((2,), True, ctx=ctx), [1, 1], "float32")


def test_out_arguments(ctx):
    o = mx.nd.ones((3,), ctx=ctx)
    assert mx.nd.full((2,), 5, out=o) is o           # MXNet ignores shape when out= is given
    same(o, [5, 5, 5], "float32")
    assert mx.nd.zeros((3,), out=o) is o
    same(o, [0, 0, 0], "float32")
    assert mx.nd.ones_like(mx.nd.zeros((3,), ctx=ctx), out=o) is o
    same(o, [1, 1, 1], "float32")
    with pytest.raises(MXNetError, match="shape"):
        mx.nd.zeros((2,), out=o)


@pytest.mark.parametrize("shape", [(2.0, 3), (2, -1), "ab", None])
def test_bad_shapes(ctx, shape):
    with pytest.raises(MXNetError, match="shape"):
        mx.nd.zeros(shape, ctx=ctx)


def test_shapes_from_lists_and_numpy_ints(ctx):
    assert mx.nd.zeros([2, 3], ctx=ctx).shape == (2, 3)
    assert mx.nd.ones((np.int64(2), np.int32(1)), ctx=ctx).shape == (2, 1)
    assert mx.nd.empty((2, 0), ctx=ctx).shape == (2, 0)


def test_keyword_arguments_like_mxnet(ctx):
    assert mx.nd.zeros((2,), ctx=ctx, stype="default").stype == "default"
    assert mx.nd.zeros((2,), ctx=ctx, name="z").shape == (2,)
    with pytest.raises(MXNetError, match="foo"):
        mx.nd.zeros((2,), ctx=ctx, foo=1)
    with pytest.raises(MXNetError, match="foo"):
        mx.nd.ones((2,), ctx=ctx, foo=1)
    with pytest.raises(MXNetError, match="foo"):
        mx.nd.eye(2, ctx=ctx, foo=1)
    with pytest.raises(MXNetError, match="stype"):
        mx.nd.zeros((2,), ctx=ctx, stype="csr")
    # zeros_like/ones_like take (and ignore) other keywords, as MXNet's do
    same(mx.nd.zeros_like(mx.nd.ones((2,), ctx=ctx), dtype="int32"), [0, 0], "float32")


def test_context_given_as_string(ctx):
    assert mx.nd.zeros((2,), ctx=str(ctx)).context == ctx
    assert mx.nd.arange(3, ctx=str(ctx)).context == ctx
    with pytest.raises(MXNetError, match="ctx"):
        mx.nd.zeros((2,), ctx="cpu")


# --- arange, linspace, eye --------------------------------------------------------------------
@pytest.mark.parametrize("args,kwargs,dtype,expected", [
    ((5,), {}, "float32", [0, 1, 2, 3, 4]),
    ((0, 5, 0.5), {}, "float32", np.arange(10) * 0.5),
    ((0, 3), {"repeat": 2}, "float32", [0, 0, 1, 1, 2, 2]),
    ((0, 2, 0.5), {"repeat": 2}, "float32", [0, 0, 0.5, 0.5, 1, 1, 1.5, 1.5]),
    ((5, 0, -1), {}, "float32", [5, 4, 3, 2, 1]),
    ((5, 0, -1.5), {}, "float32", [5, 3.5, 2, 0.5]),
    ((0.5, 3), {}, "float32", [0.5, 1.5, 2.5]),
    ((2,), {"infer_range": True}, "float32", [0, 1]),
    # computed in the dtype from start and step converted to it
    ((0, 5, 1.5), {"dtype": "int32"}, "int32", [0, 1, 2, 3]),
    ((-0.5, 2), {"dtype": "int32"}, "int32", [0, 1, 2]),
    ((0.5, 5), {"dtype": "int64"}, "int64", [0, 1, 2, 3, 4]),
    ((-3, 3, 1.7), {"dtype": "int64"}, "int64", [-3, -2, -1, 0]),
    ((-3, 3, 0.7), {"dtype": "int8"}, "int8", [-3] * 9),
    ((250, 260), {"dtype": "uint8"}, "uint8", [250, 251, 252, 253, 254, 255, 0, 1, 2, 3]),
    ((16777217, 16777220), {}, "float32", [16777216, 16777216, 16777218]),
    ((0, 1, 0.1), {}, "float32", np.float32(0.1) * np.arange(10, dtype=np.float32)),
    ((3,), {"dtype": "float16"}, "float16", [0, 1, 2]),
    # MXNet truncates float16 start and step to integers
    ((0, 10, 2.5), {"dtype": "float16"}, "float16", [0, 2, 4, 6]),
    ((0.5, 5, 1.5), {"dtype": "float16"}, "float16", [0, 1, 2]),
    ((0, 3, 0.5), {"dtype": "float16"}, "float16", [0] * 6),
])
def test_arange_like_mxnet(ctx, args, kwargs, dtype, expected):
    same(mx.nd.arange(*args, ctx=ctx, **kwargs), expected, dtype)


def test_arange_float64(ctx, fp64):
    same(mx.nd.arange(0.1, 0.5, 0.1, ctx=ctx, dtype="float64"),
         [0.1, 0.2, 0.30000000000000004, 0.4], "float64")


@pytest.mark.parametrize("args,kwargs,match", [
    ((0, 5, 0), {}, "step"), ((5, 0), {}, "range"), ((0, 5, -1), {}, "range"),
    ((0, None, 1), {"infer_range": True}, "range"), ((0, 5), {"repeat": 0}, "repeat"),
    ((0, 5), {"repeat": -1}, "repeat"),
])
def test_arange_errors(ctx, args, kwargs, match):
    with pytest.raises(MXNetError, match=match):
        mx.nd.arange(*args, ctx=ctx, **kwargs)


@pytest.mark.parametrize("args,kwargs,dtype,expected", [
    ((0, 1, 5), {}, "float32", [0, 0.25, 0.5, 0.75, 1]),
    ((0, 1, 5), {"endpoint": False}, "float32", [0, 0.2, 0.4, 0.6, 0.8]),
    ((-3.3, 7.7, 13), {}, "float32", np.linspace(-3.3, 7.7, 13)),
    ((1, 0, 5), {}, "float32", [1, 0.75, 0.5, 0.25, 0]),
    ((0, 10, 4), {"dtype": "int32"}, "int32", [0, 3, 6, 10]),
    ((-1, 10, 4), {"dtype": "uint8"}, "uint8", [255, 2, 6, 10]),
    ((0, 1e10, 3), {"dtype": "int32"}, "int32", [0, -2 ** 31, -2 ** 31]),
    ((0, 1000, 7), {"dtype": "float16"}, "float16", [0, 166.6, 333.2, 500, 666.5, 833.5, 1000]),
    ((0, 10, 1), {}, "float32", [0]),
    ((0, 10, 0), {}, "float32", np.zeros(0)),
])
def test_linspace_like_mxnet(ctx, args, kwargs, dtype, expected):
    same(mx.nd.linspace(*args, ctx=ctx, **kwargs), expected, dtype)


def test_linspace_negative_num(ctx):
    with pytest.raises(MXNetError, match="num"):
        mx.nd.linspace(0, 1, -1, ctx=ctx)


@pytest.mark.parametrize("args,kwargs,dtype", [
    ((3,), {}, "float32"), ((2, 3, 1), {}, "float32"), ((3, 2, -1), {"dtype": "int32"}, "int32"),
    ((3, 0), {}, "float32"), ((2, 3, 5), {}, "float32"), ((0,), {}, "float32"),
    ((2,), {"dtype": "float16"}, "float16"),
])
def test_eye(ctx, args, kwargs, dtype):
    n, m, k = (list(args) + [0, 0])[:3]
    same(mx.nd.eye(*args, ctx=ctx, **kwargs), np.eye(n, m or None, k), dtype)


def test_eye_negative_size(ctx):
    with pytest.raises(MXNetError):
        mx.nd.eye(-1, ctx=ctx)


# --- attributes -------------------------------------------------------------------------------
def test_attributes(ctx):
    x = mx.nd.array([[1, 2, 3], [4, 5, 6]], ctx=ctx)
    assert x.shape == (2, 3) and x.size == 6 and x.ndim == 2
    assert x.dtype is np.float32                      # a numpy type, as in MXNet
    assert x.context == ctx and x.ctx == ctx
    assert x.stype == "default"
    assert len(x) == 2
    s = mx.nd.array(3.5, ctx=ctx)
    assert s.shape == () and s.size == 1 and s.ndim == 0
    for dtype in DTYPES:
        assert mx.nd.zeros((1,), ctx=ctx, dtype=dtype).dtype is np.dtype(dtype).type


def test_bool_rules(ctx):
    assert bool(mx.nd.array([2], ctx=ctx)) is True
    assert bool(mx.nd.array([0], ctx=ctx)) is False
    assert bool(mx.nd.array([[3]], ctx=ctx)) is True
    assert bool(mx.nd.array([], ctx=ctx)) is False
    with pytest.raises(ValueError, match="ambiguous"):
        bool(mx.nd.array([1, 2], ctx=ctx))
    with pytest.raises(ValueError, match="ambiguous"):
        2 in mx.nd.array([[1, 2], [3, 4]], ctx=ctx)


def test_iteration_yields_rows(ctx):
    x = mx.nd.array([[1, 2, 3], [4, 5, 6]], ctx=ctx)
    rows = list(x)
    assert len(rows) == 2 and all(isinstance(r, mx.nd.NDArray) for r in rows)
    same(rows[1], [4, 5, 6], "float32")
    assert [r.asscalar() for r in mx.nd.array([7, 8], ctx=ctx)] == [7, 8]


# --- host transfer ----------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
def test_asnumpy_and_asscalar(ctx, dtype):
    needs(ctx, dtype)
    a = (np.arange(12).reshape(3, 4) % 100).astype(dtype)
    x = mx.nd.array(a, ctx=ctx, dtype=dtype)
    got = x.asnumpy()
    assert isinstance(got, np.ndarray) and got.flags["C_CONTIGUOUS"]
    np.testing.assert_array_equal(got, a)
    v = mx.nd.array([3], ctx=ctx, dtype=dtype).asscalar()
    assert type(v) is np.dtype(dtype).type and v == 3


def test_asscalar_needs_one_element(ctx):
    assert mx.nd.array(2.5, ctx=ctx).asscalar() == 2.5
    with pytest.raises(ValueError, match="scalar"):
        mx.nd.array([1, 2], ctx=ctx).asscalar()


def test_numpy_conversion_protocol(ctx):
    x = mx.nd.array([[1.5, 2.5]], ctx=ctx)
    a = np.asarray(x)
    assert a.dtype == np.float32 and a.shape == (1, 2)
    np.testing.assert_array_equal(np.asarray(x, dtype="int32"), [[1, 2]])
    np.testing.assert_array_equal(np.array(x, dtype=np.float64), [[1.5, 2.5]])
    np.testing.assert_array_equal(x.__array__(np.float64, copy=True), [[1.5, 2.5]])
    with pytest.raises(ValueError):
        x.__array__(copy=False)                  # the data is on the device: always a copy


def test_numpy_scalar_times_ndarray_is_ndarray(ctx):
    x = mx.nd.array([1, 2], ctx=ctx)
    for y in (np.float32(2) * x, np.float64(2) * x, np.int64(2) * x, x * np.float32(2)):
        assert isinstance(y, mx.nd.NDArray)
        same(y, [2, 4], "float32")


def test_numpy_array_operands_give_ndarrays(ctx):
    # MXNet 1.9.1 raises TypeError; mxgrad copies the NumPy operand to x's device and dtype
    x = mx.nd.array([1, 2], ctx=ctx)
    n = np.array([3.0, 4.0])                       # float64: cast to x's float32
    for got, want in ((n + x, [4, 6]), (x + n, [4, 6]), (n - x, [2, 2]), (x - n, [-2, -2]),
                      (n * x, [3, 8]), (n / x, [3, 2]), (n ** x, [3, 16]), (n % x, [0, 0]),
                      (n == x, [0, 0]), (n > x, [1, 1]), (x >= n, [0, 0]), (n <= x, [0, 0]),
                      (np.array([[1], [2]]) + x, [[2, 3], [3, 4]]), (np.array(2.0) * x, [2, 4])):
        assert isinstance(got, mx.nd.NDArray)
        same(got, want, "float32")
    same(mx.nd.array([1, 2], ctx=ctx, dtype="int32") * np.array([2.7, 2.7]), [2, 4], "int32")
    with pytest.raises(TypeError):
        x + np.array(["a", "b"])
    with pytest.raises(TypeError):
        x + [1, 2]


def test_numpy_functions_run_on_host_copies(ctx):
    x = mx.nd.array([1, 2, 3], ctx=ctx)
    assert np.all(mx.nd.ones((2, 3), ctx=ctx) == 1) and not np.all(x == 1)
    assert np.any(x == 1)
    assert np.allclose(x, np.array([1, 2, 3])) and np.allclose(x, x + 1e-7)
    assert not np.allclose(x, x + 1)
    s = np.sum(x)                                  # NDArray.sum, as in MXNet
    assert isinstance(s, mx.nd.NDArray)
    same(s, [6], "float32")
    e = np.exp(x)
    assert isinstance(e, np.ndarray)
    np.testing.assert_allclose(e, np.exp([1, 2, 3]), rtol=1e-6)
    np.testing.assert_array_equal(np.maximum(x, 2), [2, 2, 3])
    acc = np.zeros(3, np.float32)
    acc += x                                       # a NumPy array stays a NumPy array
    assert isinstance(acc, np.ndarray)
    np.testing.assert_array_equal(acc, [1, 2, 3])
    with pytest.raises(TypeError):
        np.exp(np.zeros(3), out=(x,))              # a host result cannot land in x


def test_copy_and_copyto(ctx):
    x = mx.nd.array([[1, 2, 3], [4, 5, 6]], ctx=ctx)
    c = x.copy()
    c += 1
    same(x, [[1, 2, 3], [4, 5, 6]], "float32")
    y = x.copyto(ctx)
    assert y is not x and y.context == ctx
    same(y, [[1, 2, 3], [4, 5, 6]], "float32")
    dst = mx.nd.zeros((2, 3), ctx=ctx)
    assert x.copyto(dst) is dst
    same(dst, [[1, 2, 3], [4, 5, 6]], "float32")
    dst_int = mx.nd.zeros((2, 3), ctx=ctx, dtype="int32")
    x.copyto(dst_int)                              # converts to the target's dtype
    same(dst_int, [[1, 2, 3], [4, 5, 6]], "int32")
    with pytest.raises(MXNetError, match="shape"):
        x.copyto(mx.nd.zeros((3, 2), ctx=ctx))
    with pytest.raises((TypeError, MXNetError)):
        x.copyto(3)


def test_as_in_context(ctx):
    x = mx.nd.array([1, 2], ctx=ctx)
    assert x.as_in_context(ctx) is x
    assert x.as_in_context(mx.Context(ctx)) is x


@pytest.mark.parametrize("dtype", DTYPES)
def test_astype(ctx, dtype):
    needs(ctx, dtype)
    x = mx.nd.array([1.7, -1.2, 3.0], ctx=ctx)
    y = x.astype(dtype)
    assert y.dtype is np.dtype(dtype).type and y is not x
    np.testing.assert_array_equal(y.asnumpy(), np.array([1.7, -1.2, 3.0], np.float32).astype(dtype))
    assert x.astype("float32", copy=False) is x
    assert x.astype("float32") is not x


def test_astype_like_mxnet(ctx):
    same(mx.nd.array([1.7, -1.7], ctx=ctx).astype("int32"), [1, -1], "int32")
    same(mx.nd.array([300, -1], ctx=ctx).astype("uint8"), [44, 255], "uint8")
    with pytest.raises(MXNetError, match="dtype"):
        mx.nd.array([1], ctx=ctx).astype("complex64")


def test_wait_to_read_and_waitall(ctx):
    x = mx.nd.ones((1000,), ctx=ctx) * 3
    x.wait_to_read()
    mx.nd.waitall()
    assert x.asnumpy().sum() == 3000


# --- printing ---------------------------------------------------------------------------------
REPRS = [
    ([1, 2, 3, 4], "float32", "\n[1. 2. 3. 4.]\n<NDArray 4 @cpu(0)>"),
    ([1e10, 1, 2], "float32", "\n[1.e+10 1.e+00 2.e+00]\n<NDArray 3 @cpu(0)>"),
    ([1e-10, 1, 2], "float32", "\n[1.e-10 1.e+00 2.e+00]\n<NDArray 3 @cpu(0)>"),
    ([-1.5, 2.25, -3], "float32", "\n[-1.5   2.25 -3.  ]\n<NDArray 3 @cpu(0)>"),
    ([0.1, 123456.7, -0.003], "float32",
     "\n[ 1.000000e-01  1.234567e+05 -3.000000e-03]\n<NDArray 3 @cpu(0)>"),
    ([1 / 3, 2 / 3], "float64", "\n[0.33333333 0.66666667]\n<NDArray 2 @cpu(0)>"),
    ([1 / 3, 2 / 3], "float16", "\n[0.3333 0.6665]\n<NDArray 2 @cpu(0)>"),
    ([float("nan"), float("inf"), -float("inf"), 1], "float32",
     "\n[ nan  inf -inf   1.]\n<NDArray 4 @cpu(0)>"),
    ([[1, -2], [300, 4]], "int32", "\n[[  1  -2]\n [300   4]]\n<NDArray 2x2 @cpu(0)>"),
    ([2 ** 40, -1], "int64", "\n[1099511627776            -1]\n<NDArray 2 @cpu(0)>"),
    ([0, 255], "uint8", "\n[  0 255]\n<NDArray 2 @cpu(0)>"),
    ([-128, 127], "int8", "\n[-128  127]\n<NDArray 2 @cpu(0)>"),
    ([], "float32", "\n[]\n<NDArray 0 @cpu(0)>"),
    (np.arange(24).reshape(2, 3, 4).tolist(), "float32",
     "\n[[[ 0.  1.  2.  3.]\n  [ 4.  5.  6.  7.]\n  [ 8.  9. 10. 11.]]\n\n"
     " [[12. 13. 14. 15.]\n  [16. 17. 18. 19.]\n  [20. 21. 22. 23.]]]\n<NDArray 2x3x4 @cpu(0)>"),
    ([[1, 2, 3], [4, 5, 6]], "float32", "\n[[1. 2. 3.]\n [4. 5. 6.]]\n<NDArray 2x3 @cpu(0)>"),
    ([0.0, -0.0], "float32", "\n[ 0. -0.]\n<NDArray 2 @cpu(0)>"),
    ([1e16, 1e-5], "float32", "\n[1.e+16 1.e-05]\n<NDArray 2 @cpu(0)>"),
    ([1.23456789012345], "float64", "\n[1.23456789]\n<NDArray 1 @cpu(0)>"),
    (3.5, "float32", "\n3.5\n<NDArray  @cpu(0)>"),
    (7, "int32", "\n7\n<NDArray  @cpu(0)>"),
]


@pytest.mark.parametrize("values,dtype,expected", REPRS)
def test_repr_like_mxnet(ctx, values, dtype, expected):
    needs(ctx, dtype)
    x = mx.nd.array(values, ctx=ctx, dtype=dtype)
    text = expected.replace("@cpu(0)", f"@{ctx}")
    assert repr(x) == text
    assert str(x) == text


def test_repr_of_large_arrays_is_summarised(ctx):
    x = mx.nd.arange(1200, ctx=ctx).reshape((40, 30))
    assert repr(x).endswith(
        " [1.170e+03 1.171e+03 1.172e+03 ... 1.197e+03 1.198e+03 1.199e+03]]\n"
        f"<NDArray 40x30 @{ctx}>")
    assert "..." in repr(mx.nd.arange(2000, ctx=ctx))


def test_printing_waits_for_pending_work_in_another_thread(ctx):
    x = mx.nd.ones((3,), ctx=ctx) * 2
    out = []
    t = threading.Thread(target=lambda: out.append(repr(x)))
    t.start()
    t.join()
    assert out == [f"\n[2. 2. 2.]\n<NDArray 3 @{ctx}>"]


def test_misuse_raises_like_mxnet(ctx):
    x = mx.nd.array([1, 2], ctx=ctx)
    with pytest.raises(TypeError):
        x == None  # noqa: E711
    with pytest.raises(TypeError):
        x.copyto(3)
    with pytest.warns(RuntimeWarning):
        assert x.copyto(x) is False


def test_copyto_between_cpu_aliases_is_a_device_copy(ctx):
    if ctx.device_type != "cpu":
        pytest.skip("cpu aliases only")
    x = mx.nd.array([1, 2], ctx=ctx)
    y = x.copyto(mx.cpu(ctx.device_id + 5))
    np.testing.assert_array_equal(y.asnumpy(), [1, 2])


def test_fluent_methods_forward_to_the_functions(ctx):
    from mxgrad.ndarray.fluent import FLUENT
    x = mx.nd.array([0.25, 0.5], ctx=ctx)
    for name in FLUENT:
        assert callable(getattr(x, name)), name
    np.testing.assert_array_equal(x.exp().asnumpy(), mx.nd.exp(x).asnumpy())
    np.testing.assert_array_equal(x.clip(0, 0.375).asnumpy(), [0.25, 0.375])
    m = mx.nd.array([[1, 2], [3, 4]], ctx=ctx)
    assert m.pick(mx.nd.array([1, 0], ctx=ctx)).asnumpy().tolist() == [2, 3]
    assert mx.nd.array([0, 2], ctx=ctx).one_hot(3).asnumpy().tolist() == [[1, 0, 0], [0, 0, 1]]
    x.attach_grad()
    with mx.autograd.record():
        y = x.square().sum()
    y.backward()
    assert x.grad.asnumpy().tolist() == [0.5, 1.0]


def test_op_functions_accept_mxnet_name_argument(ctx):
    # MXNet's generated op functions take name= (a symbol-API leftover) and ignore it
    import inspect
    plain_python = {"arange", "array", "empty", "from_dlpack", "full", "linspace", "power",
                    "waitall",      # not generated ops in MXNet either: no name= there
                    "save", "load", "load_frombuffer",
                    "moveaxis", "concatenate", "split_v2",     # MXNet's Python helpers
                    "from_numpy", "to_dlpack_for_read", "to_dlpack_for_write"}
    plain_python |= {"histogram", "onehot_encode"}     # Python functions in MXNet: no name=
    for fname in dir(mx.nd):
        f = getattr(mx.nd, fname)
        if fname.startswith("_") or fname in plain_python or not callable(f) \
                or inspect.isclass(f) or inspect.ismodule(f):
            continue
        if inspect.isfunction(f):
            params = inspect.signature(f).parameters
            assert "name" in params or any(p.kind == p.VAR_KEYWORD for p in params.values()), \
                fname
    x = mx.nd.array([[1, 2]], ctx=ctx)
    assert mx.nd.dot(x, x.T, name="d").asnumpy().tolist() == [[5]]
    assert mx.nd.broadcast_add(x, x, name="a").asnumpy().tolist() == [[2, 4]]
    assert mx.nd.softmax(x, name="s").shape == (1, 2)


# --- large copies and fills: kernels on CPU devices (mxgrad/ndarray/_bulk.py) ---------------
BULK_ROWS = 70_001        # with 1-8 byte elements: ranges of 70 KB to 560 KB, some > 256 KiB


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "int8", "int64"])
@pytest.mark.parametrize("start,stop", [(0, BULK_ROWS), (1, BULK_ROWS), (3, BULK_ROWS - 5),
                                        (7, BULK_ROWS - 2)])
def test_large_fill_of_a_view_touches_exactly_its_range(ctx, dtype, start, stop):
    # views starting and ending off 16-byte boundaries: the unaligned ends and the bulk
    # middle meet without gaps, and nothing outside the view is written
    base = (np.arange(BULK_ROWS * 4) % 100).reshape(BULK_ROWS, 4).astype(dtype)
    x = mx.nd.array(base, ctx=ctx, dtype=dtype)
    view = x[start:stop]
    view._fill(5)
    expected = base.copy()
    expected[start:stop] = 5
    np.testing.assert_array_equal(x.asnumpy(), expected)


@pytest.mark.parametrize("dtype", ["float32", "float16", "int8"])
@pytest.mark.parametrize("dst_start,src_start", [(0, 0), (1, 1), (2, 5), (5, 1), (3, 0)])
def test_large_copy_between_views_touches_exactly_its_range(ctx, dtype, dst_start, src_start):
    # equal and unequal misalignments of source and destination (the latter cannot move
    # 16-byte units and falls back to the OpenCL copy)
    n = BULK_ROWS - 8
    src_host = np.random.RandomState(1).randint(-100, 100, (BULK_ROWS, 4)).astype(dtype)
    dst_host = np.zeros((BULK_ROWS, 4), dtype)
    src = mx.nd.array(src_host, ctx=ctx, dtype=dtype)
    dst = mx.nd.array(dst_host, ctx=ctx, dtype=dtype)
    dst[dst_start:dst_start + n]._copy_from(src[src_start:src_start + n])
    expected = dst_host.copy()
    expected[dst_start:dst_start + n] = src_host[src_start:src_start + n]
    np.testing.assert_array_equal(dst.asnumpy(), expected)


def test_large_copies_and_fills_run_as_kernels_on_cpu_devices(ctx):
    from launches import traced
    x = mx.nd.ones((1 << 17,), ctx=ctx)                   # 512 KiB
    _, trace = traced(ctx, lambda: (x.copy(), mx.nd.zeros((1 << 17,), ctx=ctx)))
    if ctx.device_type == "cpu":
        assert trace == ["copy16", "fill16"]
    else:
        assert trace == []


# --- MXNet's rules for copies and in-place writes while recording --------------------------------
def test_copyto_while_recording_keeps_the_gradient(ctx):
    y = mx.nd.array([[1, 2], [3, 4]], ctx=ctx)
    y.attach_grad()
    dst = mx.nd.zeros((2, 2), ctx=ctx)
    dst64 = mx.nd.zeros((2, 2), ctx=ctx, dtype="float64") if ctx.state.has_fp64 else None
    with mx.autograd.record():
        (y * 2).copyto(dst)
        z = dst * y.copy() + y.as_in_context(mx.cpu(1) if ctx == mx.cpu(0) else ctx)
        if dst64 is not None:
            (y * 3).copyto(dst64)
            z = z + dst64.astype("float32")
    z.backward()
    same(dst, [[2, 4], [6, 8]], "float32")
    # d/dy (2y * y + y + 3y) = 4y + 1 + 3
    same(y.grad, [[4 * v + 1 + (3 if dst64 is not None else 0) for v in r]
                  for r in ([1, 2], [3, 4])], "float32")


def test_copyto_into_a_graph_member_raises_while_recording(ctx):
    y = mx.nd.array([1, 2], ctx=ctx)
    y.attach_grad()
    with mx.autograd.record():
        z = y * 2
        with pytest.raises(MXNetError):
            mx.nd.array([5, 5], ctx=ctx).copyto(z)
    same(z, [2, 4], "float32")


def test_in_place_arithmetic_with_a_value_needing_a_gradient_raises_first(ctx):
    x = mx.nd.array([1, 2], ctx=ctx)
    y = mx.nd.array([3, 4], ctx=ctx)
    y.attach_grad()
    with mx.autograd.record():
        x += 1                                     # no gradient involved: allowed (MXNet too)
        with pytest.raises(MXNetError, match="in-place"):
            x += y
        with pytest.raises(MXNetError, match="in-place"):
            x *= y
    same(x, [2, 3], "float32")


# --- sizes: negative, overflowing, past the device's largest buffer ---------------------------
# (the same cases in a child process with a timeout, where they used to hang: test_stress.py)
@pytest.mark.parametrize("make", [
    lambda ctx: mx.nd.broadcast_to(mx.nd.ones((1, 3), ctx=ctx), shape=(-1, 3)),
    lambda ctx: mx.nd.ones((1, 3), ctx=ctx).broadcast_to((-2, 3)),
    lambda ctx: mx.nd.broadcast_axis(mx.nd.ones((1, 3), ctx=ctx), axis=0, size=-2),
    lambda ctx: mx.nd.zeros((-1, 3), ctx=ctx),
], ids=["broadcast_to", "NDArray.broadcast_to", "broadcast_axis", "zeros"])
def test_negative_sizes_raise(ctx, make):
    with pytest.raises(MXNetError, match="negative"):
        make(ctx)


@pytest.mark.parametrize("shape, nbytes", [((2 ** 32, 2 ** 32), 2 ** 66), ((2 ** 61, 8), 2 ** 66),
                                           ((2 ** 63 - 1,), (2 ** 63 - 1) * 4),
                                           ((2 ** 64,), 2 ** 66)])
def test_shapes_past_64_bits_raise_naming_the_size(ctx, shape, nbytes):
    with pytest.raises(MXNetError, match=f"{nbytes} bytes"):
        mx.nd.zeros(shape, ctx=ctx)


def test_shape_past_the_largest_buffer_raises(ctx):
    limit = ctx.state.pool.max_alloc
    assert limit == ctx.state.cl_device_obj.max_mem_alloc_size
    with pytest.raises(MXNetError, match=f"{limit // 4 * 4 + 4} bytes"):
        mx.nd.empty((limit // 4 + 1,), ctx=ctx)
    with pytest.raises(MXNetError, match="CL_DEVICE_MAX_MEM_ALLOC_SIZE"):
        ctx.state.alloc_buffer(2 ** 63 + 5)       # the pool's own guard (no size-class hang)
    assert mx.nd.zeros((2 ** 40, 2 ** 40, 0), ctx=ctx).shape == (2 ** 40, 2 ** 40, 0)


def test_out_of_memory_is_an_mxnet_error_and_a_memory_error():
    assert issubclass(mx.base.OutOfMemoryError, MXNetError)
    assert issubclass(mx.base.OutOfMemoryError, MemoryError)
