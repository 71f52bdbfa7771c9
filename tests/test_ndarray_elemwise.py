"""Elementwise ops and Python operators: values, dtypes, broadcasting and errors like MXNet.

Expected integer results were read off Apache MXNet 1.9.1 (x86 build): integer math runs in
double and a NaN or out-of-range result becomes the type's minimum; integer division
truncates; ``%`` takes the divisor's sign; a scalar operand is first converted to the
array's dtype (``int32_array * 2.5`` multiplies by 2).
"""
import math

import numpy as np
import pytest

import mxgrad as mx
from mxgrad.base import MXNetError
from mxgrad.ndarray import _elemwise_table

from conftest import CONTEXTS

INT_MIN = -2 ** 31
LONG_MIN = -2 ** 63


def A(values, ctx, dtype="float32"):
    return mx.nd.array(values, ctx=ctx, dtype=dtype)


def same(x, expected, dtype):
    """x has dtype ``dtype`` and exactly these values (NaN matches NaN, -0.0 != 0.0)."""
    assert x.dtype == np.dtype(dtype).type
    got = x.asnumpy()
    want = np.asarray(expected, dtype=dtype)
    assert got.shape == want.shape
    assert np.array_equal(got, want, equal_nan=True), (got, want)
    signed = ~np.isnan(want)                  # a NaN's sign bit is the hardware's choice
    assert np.array_equal(np.signbit(got[signed]), np.signbit(want[signed])), (got, want)


# --- float math against NumPy -----------------------------------------------------------------
_POSITIVE = [0.25, 0.5, 1.5, 3.0, 7.25]
_ANY = [-2.5, -0.75, 0.0, 0.5, 2.25]
_UNIT = [-0.9, -0.3, 0.0, 0.4, 0.8]
UNARY_CASES = {
    "negative": (_ANY, np.negative),
    "abs": (_ANY, np.abs),
    "exp": (_ANY, np.exp),
    "log": (_POSITIVE, np.log),
    "log2": (_POSITIVE, np.log2),
    "log10": (_POSITIVE, np.log10),
    "sqrt": (_POSITIVE, np.sqrt),
    "rsqrt": (_POSITIVE, lambda x: 1 / np.sqrt(x)),
    "cbrt": (_ANY, np.cbrt),
    "rcbrt": (_POSITIVE, lambda x: 1 / np.cbrt(x)),
    "square": (_ANY, np.square),
    "sin": (_ANY, np.sin),
    "cos": (_ANY, np.cos),
    "tan": (_ANY, np.tan),
    "arcsin": (_UNIT, np.arcsin),
    "arccos": (_UNIT, np.arccos),
    "arctan": (_ANY, np.arctan),
    "sinh": (_ANY, np.sinh),
    "cosh": (_ANY, np.cosh),
    "tanh": (_ANY, np.tanh),
    "arcsinh": (_ANY, np.arcsinh),
    "arccosh": ([1.0, 1.5, 3.0, 10.0], np.arccosh),
    "arctanh": (_UNIT, np.arctanh),
    "degrees": (_ANY, np.degrees),
    "radians": (_ANY, np.radians),
    "sigmoid": (_ANY, lambda x: 1 / (1 + np.exp(-x))),
    "relu": (_ANY, lambda x: np.maximum(x, 0)),
    "softsign": (_ANY, lambda x: x / (1 + np.abs(x))),
    "reciprocal": (_POSITIVE + [-2.0], np.reciprocal),
    "log1p": ([-0.5, 0.0, 1e-8, 2.0], np.log1p),
    "expm1": ([-1.0, 0.0, 1e-8, 2.0], np.expm1),
    "floor": ([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5], np.floor),
    "ceil": ([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5], np.ceil),
    # round: halves away from zero; rint: halves down (both as MXNet 1.9.1)
    "round": ([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5], lambda x: np.sign(x) * np.floor(np.abs(x) + 0.5)),
    "rint": ([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, -1.9, 1.9, -0.3],
             lambda x: np.where(x - np.floor(x) <= np.ceil(x) - x, np.floor(x), np.ceil(x))),
    "fix": ([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5], np.trunc),
    "trunc": ([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5], np.trunc),
    "sign": (_ANY, np.sign),
    "logical_not": (_ANY, lambda x: (x == 0).astype(x.dtype)),
    "identity": (_ANY, lambda x: x),
}


def test_every_unary_op_has_a_case():
    assert set(UNARY_CASES) == set(_elemwise_table.UNARY)


@pytest.mark.parametrize("name", sorted(UNARY_CASES))
@pytest.mark.parametrize("dtype,rtol", [("float32", 1e-5), ("float64", 1e-12),
                                        ("float16", 2e-3)])
def test_unary_float(ctx, name, dtype, rtol):
    if dtype == "float64" and not ctx.state.has_fp64:
        pytest.skip(f"{ctx} has no float64")
    values, ref = UNARY_CASES[name]
    x_np = np.array(values, dtype=dtype)
    y = getattr(mx.nd, name)(A(x_np, ctx, dtype))
    assert y.dtype == np.dtype(dtype).type and y.shape == x_np.shape
    want = ref(x_np.astype(np.float64))
    np.testing.assert_allclose(y.asnumpy().astype(np.float64), want, rtol=rtol, atol=rtol * 1e-3)


def test_float_special_values(ctx):
    nan, inf = float("nan"), float("inf")
    same(mx.nd.relu(A([nan, -1.0, 2.0], ctx)), [nan, 0.0, 2.0], "float32")
    same(mx.nd.sign(A([nan, -0.0, -3.0], ctx)), [0.0, 0.0, -1.0], "float32")
    same(mx.nd.logical_not(A([nan, 0.0, -0.0, 2.0], ctx)), [0, 1, 1, 0], "float32")
    same(mx.nd.sigmoid(A([-100.0, 100.0, 0.0], ctx)), [0.0, 1.0, 0.5], "float32")
    same(mx.nd.log1p(A([-1.0], ctx)), [-inf], "float32")
    same(mx.nd.rsqrt(A([0.0, 4.0], ctx)), [inf, 0.5], "float32")
    same(A([1.0, -1.0, 0.0], ctx) / 0, [inf, -inf, nan], "float32")
    same(-A([0.0], ctx), [-0.0], "float32")


# --- integer dtypes: MXNet 1.9.1's results --------------------------------------------------
INT32_UNARY = {
    "negative": [3, 0, -2, -9], "abs": [3, 0, 2, 9], "exp": [0, 1, 7, 8103],
    "log": [INT_MIN, INT_MIN, 0, 2], "log2": [INT_MIN, INT_MIN, 1, 3],
    "log10": [INT_MIN, INT_MIN, 0, 0], "sqrt": [INT_MIN, 0, 1, 3],
    "rsqrt": [INT_MIN, INT_MIN, 0, 0], "cbrt": [-1, 0, 1, 2], "rcbrt": [0, INT_MIN, 0, 0],
    "square": [9, 0, 4, 81], "sin": [0, 0, 0, 0], "cos": [0, 1, 0, 0], "tan": [0, 0, -2, 0],
    "arcsin": [INT_MIN, 0, INT_MIN, INT_MIN], "arccos": [INT_MIN, 1, INT_MIN, INT_MIN],
    "arctan": [-1, 0, 1, 1], "sinh": [-10, 0, 3, 4051], "cosh": [10, 1, 3, 4051],
    "tanh": [0, 0, 0, 0], "arcsinh": [-1, 0, 1, 2], "arccosh": [INT_MIN, INT_MIN, 1, 2],
    "arctanh": [INT_MIN, 0, INT_MIN, INT_MIN], "degrees": [-171, 0, 114, 515],
    "radians": [0, 0, 0, 0], "sigmoid": [0, 0, 0, 0], "relu": [0, 0, 2, 9],
    "softsign": [0, 0, 0, 0], "reciprocal": [0, INT_MIN, 0, 0], "log1p": [INT_MIN, 0, 1, 2],
    "expm1": [0, 0, 6, 8102], "floor": [-3, 0, 2, 9], "ceil": [-3, 0, 2, 9],
    "round": [-3, 0, 2, 9], "rint": [-3, 0, 2, 9], "fix": [-3, 0, 2, 9],
    "trunc": [-3, 0, 2, 9], "sign": [-1, 0, 1, 1], "logical_not": [0, 1, 0, 0],
    "identity": [-3, 0, 2, 9],
}
UINT8_UNARY = {
    "negative": [0, 254, 247, 1], "abs": [0, 2, 9, 255], "sqrt": [0, 1, 3, 15],
    "exp": [1, 7, 167, 0], "sign": [0, 1, 1, 1], "reciprocal": [0, 0, 0, 0],
    "square": [0, 4, 81, 1], "logical_not": [1, 0, 0, 0], "relu": [0, 2, 9, 255],
}
INT8_UNARY = {
    "negative": [-128, 7, -7, -127], "abs": [-128, 7, 7, 127], "square": [0, 49, 49, 1],
    "sqrt": [0, 0, 2, 11], "exp": [0, 0, 72, 0], "sign": [-1, -1, 1, 1],
}
# int64 math goes through double too: beyond 2**53 it rounds, overflow gives LONG_MIN
INT64_UNARY = {
    "abs": [1099511627777, 1152921504606846976, 40],
    "negative": [-1099511627777, 1152921504606846977, -40],
    "floor": [1099511627777, -1152921504606846976, 40],
    "round": [1099511627777, -1152921504606846976, 40],
    "sign": [1, -1, 1],
    "square": [LONG_MIN, LONG_MIN, 1600],
    "identity": [1099511627777, -1152921504606846977, 40],
    "sqrt": [1048576, LONG_MIN, 6],
    "relu": [1099511627777, 0, 40],
}


@pytest.mark.parametrize("name", sorted(INT32_UNARY))
def test_unary_int32_like_mxnet(ctx, name):
    if not ctx.state.has_fp64 and name not in ("negative", "sign", "relu", "identity"):
        pytest.skip("MXNet computes integer math in double")
    same(getattr(mx.nd, name)(A([-3, 0, 2, 9], ctx, "int32")), INT32_UNARY[name], "int32")


@pytest.mark.parametrize("dtype,values,table", [
    ("uint8", [0, 2, 9, 255], UINT8_UNARY),
    ("int8", [-128, -7, 7, 127], INT8_UNARY),
    ("int64", [2 ** 40 + 1, -(2 ** 60 + 1), 40], INT64_UNARY),
], ids=["uint8", "int8", "int64"])
def test_unary_small_and_wide_ints_like_mxnet(ctx, fp64, dtype, values, table):
    x = A(values, ctx, dtype)
    for name, expected in table.items():
        same(getattr(mx.nd, name)(x), expected, dtype)


def test_int64_exp_is_computed_in_double(ctx, fp64):
    y = mx.nd.exp(A([40], ctx, "int64")).asnumpy()[0]
    assert abs(int(y) - 235385266837020000) <= 64     # double's ulp there is 32


def test_integer_division_and_modulo(ctx):
    x = A([7, -7, 6, -6, 0], ctx, "int32")
    same(x / 2, [3, -3, 3, -3, 0], "int32")
    same(x / -2, [-3, 3, -3, 3, 0], "int32")
    same(x / A([2, 2, -4, 4, 3], ctx, "int32"), [3, -3, -1, -1, 0], "int32")
    same(x % 3, [1, 2, 0, 0, 0], "int32")
    same(x % -3, [-2, -1, 0, 0, 0], "int32")
    same(x % A([3, 3, -4, 4, 3], ctx, "int32"), [1, 2, -2, 2, 0], "int32")
    same(x % 0, [0, 0, 0, 0, 0], "int32")
    same(10 / A([3, 4], ctx, "int32"), [3, 2], "int32")
    same(10 % A([3, -4], ctx, "int32"), [1, -2], "int32")
    same(-10 % A([3, -4], ctx, "int32"), [2, -2], "int32")
    same(A([-7, 7], ctx, "int8") / 2, [-3, 3], "int8")
    same(A([-7, 7], ctx, "int8") % 3, [2, 1], "int8")
    same(A([-7, 7], ctx, "int64") / 2, [-3, 3], "int64")
    same(A([2 ** 62 + 1], ctx, "int64") / A([1], ctx, "int64"), [2 ** 62 + 1], "int64")
    same(A([3 ** 20], ctx, "int64") * A([3 ** 19], ctx, "int64"), [3 ** 39], "int64")
    same(A([-128], ctx, "int8") / -1, [-128], "int8")


def test_integer_division_by_zero_and_overflow_do_not_trap(ctx):
    # MXNet's x86 build dies of SIGFPE here; mxgrad gives NumPy's 0 and wraps MIN / -1.
    same(A([7, -7, 0], ctx, "int32") / A([0, 0, 0], ctx, "int32"), [0, 0, 0], "int32")
    same(A([INT_MIN], ctx, "int32") / A([-1], ctx, "int32"), [INT_MIN], "int32")
    same(A([INT_MIN], ctx, "int32") % A([-1], ctx, "int32"), [0], "int32")


def test_int64_modulo_goes_through_double_like_mxnet(ctx, fp64):
    same(A([2 ** 62 + 3], ctx, "int64") % A([2 ** 61 + 7], ctx, "int64"), [0], "int64")


def test_integer_power_is_computed_in_float_like_mxnet(ctx):
    same(A([3], ctx, "int32") ** A([19], ctx, "int32"), [1162261504], "int32")
    same(A([3], ctx, "int64") ** A([39], ctx, "int64"), [4052555218645155840], "int64")
    same(A([2, 3], ctx, "int32") ** A([3, 2], ctx, "int32"), [8, 9], "int32")
    same(A([2, 3], ctx, "int32") ** -1, [0, 0], "int32")
    same(2 ** A([3, 4], ctx, "int32"), [8, 16], "int32")


def test_small_int_arithmetic_wraps(ctx):
    same(A([1, 2], ctx, "uint8") - 3, [254, 255], "uint8")
    same(A([1, 2], ctx, "uint8") * 200, [200, 144], "uint8")
    same(A([1], ctx, "uint8") - A([2], ctx, "uint8"), [255], "uint8")
    same(A([1, 200], ctx, "uint8") > 100, [0, 1], "uint8")


def test_scalar_operand_is_converted_to_the_array_dtype(ctx):
    x = A([7, -7, 6, -6, 0], ctx, "int32")
    same(x * 2.5, [14, -14, 12, -12, 0], "int32")
    same(x + 0.7, [7, -7, 6, -6, 0], "int32")
    same(x / 2.5, [3, -3, 3, -3, 0], "int32")
    same(2.5 - x, [-5, 9, -4, 8, 2], "int32")
    same(A([4, 9], ctx, "int32") ** 0.5, [1, 1], "int32")
    same(A([2], ctx, "int32") == 2.5, [1], "int32")
    same(A([5], ctx, "int32") * -1.5, [-5], "int32")
    same(mx.nd.maximum(A([3, 7], ctx, "int32"), 5.9), [5, 7], "int32")
    # through double, then to the dtype: x86 gives the minimum for NaN / out of range,
    # 8-bit dtypes keep the low byte, float16 rounds through float32
    same(A([0], ctx, "int32") + 2 ** 31, [INT_MIN], "int32")
    same(A([0], ctx, "int32") + 1e20, [INT_MIN], "int32")
    same(A([0], ctx, "int32") + float("nan"), [INT_MIN], "int32")
    same(A([1], ctx, "int32") + 2 ** 33, [INT_MIN + 1], "int32")
    same(A([1], ctx, "int64") + (2 ** 60 + 1), [2 ** 60 + 1], "int64")
    same(A([0], ctx, "uint8") + 300, [44], "uint8")
    same(A([0], ctx, "int8") + 200, [-56], "int8")
    same(A([7, 200], ctx, "uint8") % -3, [7, 200], "uint8")
    same(A([7, 200], ctx, "uint8") / -3, [0, 0], "uint8")
    same(A([255, 1], ctx, "uint8") == -1, [1, 0], "uint8")
    same(A([2048], ctx, "float16") + 1.0001, [2048], "float16")
    same(A([0], ctx, "float16") + 1.0004883, [1], "float16")
    same(A([0], ctx, "float16") + 1e6, [float("inf")], "float16")


# --- floating modulo, NaN propagation --------------------------------------------------------
def test_float_modulo_like_mxnet(ctx):
    inf, nan = float("inf"), float("nan")
    x = A([7, -7, 6.5, -6.5], ctx)
    same(x % 3, [1, 2, 0.5, 2.5], "float32")
    same(x % -3, [-2, -1, -2.5, -0.5], "float32")
    same(x % 0, [0, 0, 0, 0], "float32")
    same(A([inf, 5, -5], ctx) % A([3, inf, inf], ctx), [nan, 5, inf], "float32")
    # a zero result is +0 unless both operands are negative
    same(A([-3, 3, -3, -0.0, 0.0, 6, -6, 0.0], ctx) % A([3, -3, -3, 3, -3, 3, -3, 3], ctx),
         [0.0, 0.0, -0.0, -0.0, 0.0, 0.0, -0.0, 0.0], "float32")
    same(A([0.3, -0.3, 1e10], ctx) % A([0.1, 0.1, 3], ctx),
         np.array([0.3, -0.3, 1e10], np.float32) % np.array([0.1, 0.1, 3], np.float32),
         "float32")
    same(7 % A([4.0], ctx), [3.0], "float32")
    same(A([5.5, -5.5], ctx, "float16") % 2, [1.5, 0.5], "float16")


def test_float64_modulo(ctx, fp64):
    same(A([0.3, -0.3, 1e10], ctx, "float64") % 0.1,
         [0.3 % 0.1, -0.3 % 0.1, 1e10 % 0.1], "float64")


def test_maximum_minimum_propagate_nan(ctx):
    nan = float("nan")
    same(mx.nd.maximum(A([nan, 5], ctx), 3), [nan, 5], "float32")
    same(mx.nd.minimum(A([nan, 5], ctx), A([1, nan], ctx)), [nan, nan], "float32")
    same(mx.nd.maximum(A([1, nan], ctx), A([nan, 1], ctx)), [nan, nan], "float32")
    same(mx.nd.maximum(3, A([1, 5], ctx)), [3, 5], "float32")


def test_float16_arithmetic_rounds_each_result(ctx):
    same(A([1, 2], ctx, "float16") + 0.1, np.array([1, 2], np.float16) + np.float16(0.1),
         "float16")
    same(A([1000, 2], ctx, "float16") * A([1000, 3], ctx, "float16"), [np.inf, 6], "float16")
    same(A([1, 2], ctx, "float16") / 3, [0.333251953125, 0.66650390625], "float16")
    same(A([1, 2], ctx, "float16") > 1.5, [0, 1], "float16")
    same(2 ** A([2, 0.5], ctx, "float16"), [4.0, 1.4140625], "float16")


# --- binary ops against NumPy, with broadcasting ---------------------------------------------
BINARY_REF = {
    "add": np.add, "subtract": np.subtract, "multiply": np.multiply, "divide": np.divide,
    "power": np.power, "modulo": np.mod, "maximum": np.maximum, "minimum": np.minimum,
    "hypot": np.hypot,
    "equal": np.equal, "not_equal": np.not_equal, "greater": np.greater,
    "greater_equal": np.greater_equal, "lesser": np.less, "lesser_equal": np.less_equal,
    "logical_and": np.logical_and, "logical_or": np.logical_or,
    "logical_xor": np.logical_xor,
}
BROADCAST_NAME = {"subtract": "broadcast_sub", "multiply": "broadcast_mul",
                  "divide": "broadcast_div", "modulo": "broadcast_mod"}
SHAPES = [((2, 3), (3,)), ((2, 1), (1, 3)), ((4, 1, 3), (2, 1)), ((2, 3), (2, 3)),
          ((1,), (2, 3)), ((3, 1, 1, 2), (1, 4, 1))]


def test_every_binary_op_has_a_reference():
    assert set(BINARY_REF) == set(_elemwise_table.BINARY)


def _operands(rng, shape, name):
    x = rng.uniform(0.5, 2.0, size=shape).astype(np.float32)
    if name not in ("power", "hypot"):
        x *= rng.choice([-1, 1], size=shape).astype(np.float32)
    if name in ("equal", "not_equal", "greater_equal", "lesser_equal", "logical_and",
                "logical_or", "logical_xor"):
        x = np.round(x)          # ties and zeros make these interesting
    return x


@pytest.mark.parametrize("name", sorted(BINARY_REF))
@pytest.mark.parametrize("sa,sb", SHAPES, ids=[f"{a}+{b}" for a, b in SHAPES])
def test_binary_broadcasting_against_numpy(ctx, name, sa, sb):
    rng = np.random.default_rng(sum(map(ord, name)) + 7 * len(sa) + len(sb))
    a, b = _operands(rng, sa, name), _operands(rng, sb, name)
    op = getattr(mx.nd, BROADCAST_NAME.get(name, "broadcast_" + name))
    y = op(A(a, ctx), A(b, ctx))
    if name == "modulo":          # fmod is exact: compare with float32 NumPy
        want = np.mod(a, b)
    else:
        want = BINARY_REF[name](a.astype(np.float64), b.astype(np.float64)).astype(np.float32)
    assert y.shape == want.shape and y.dtype == np.float32
    np.testing.assert_allclose(y.asnumpy(), want, rtol=1e-5, atol=1e-6)


OPERATORS = {
    "+": (lambda a, b: a + b), "-": (lambda a, b: a - b), "*": (lambda a, b: a * b),
    "/": (lambda a, b: a / b), "**": (lambda a, b: a ** b), "%": (lambda a, b: a % b),
    "==": (lambda a, b: a == b), "!=": (lambda a, b: a != b), ">": (lambda a, b: a > b),
    ">=": (lambda a, b: a >= b), "<": (lambda a, b: a < b), "<=": (lambda a, b: a <= b),
}


@pytest.mark.parametrize("sym", sorted(OPERATORS))
def test_python_operators_array_scalar_and_reversed(ctx, sym):
    f = OPERATORS[sym]
    a = np.array([[0.5, 1.0, 2.0], [3.0, 1.5, 4.0]], dtype=np.float32)
    b = np.array([1.5, 1.0, 0.5], dtype=np.float32)
    x, y = A(a, ctx), A(b, ctx)
    for got, want in ((f(x, y), f(a, b)), (f(x, 2.0), f(a, np.float32(2.0))),
                      (f(2.0, x), f(np.float32(2.0), a)), (f(x, 1), f(a, np.float32(1))),
                      (f(3, x), f(np.float32(3), a))):
        assert isinstance(got, mx.nd.NDArray)
        assert got.dtype == np.float32            # comparisons give 0/1 of the input dtype
        np.testing.assert_allclose(got.asnumpy(), np.asarray(want, dtype=np.float32),
                                   rtol=1e-5)


def test_unary_operators(ctx):
    x = A([-1.5, 0.0, 2.0], ctx)
    same(-x, [1.5, -0.0, -2.0], "float32")
    same(abs(x), [1.5, 0.0, 2.0], "float32")
    assert (+x) is x


def test_comparisons_keep_the_input_dtype(ctx):
    x = A([7, -7, 6, 0], ctx, "int32")
    same(x > 2.5, [1, 0, 1, 0], "int32")
    same(x == 7, [1, 0, 0, 0], "int32")
    same(1 < A([0, 2.0], ctx), [0, 1], "float32")
    same(2 == A([0, 2.0], ctx), [0, 1], "float32")
    same(A([float("nan")], ctx) == A([float("nan")], ctx), [0], "float32")


def test_numpy_scalars_are_scalars(ctx):
    x = A([1, 2], ctx)
    for s in (np.float32(2), np.float64(2), np.int64(2)):
        y = s * x
        assert isinstance(y, mx.nd.NDArray)
        same(y, [2, 4], "float32")
    same(x * np.float64(2.5), [2.5, 5], "float32")
    same(A([1, 2], ctx, "int32") * np.float64(2.5), [2, 4], "int32")
    same(x + np.bool_(True), [2, 3], "float32")
    same(x + True, [2, 3], "float32")


@pytest.mark.parametrize("other", ["a", None, [1, 2], {1: 2}])
def test_unsupported_operands_raise_type_error(ctx, other):
    x = A([1, 2], ctx)
    with pytest.raises(TypeError):
        x + other
    with pytest.raises(TypeError):
        x * other
    with pytest.raises(TypeError):
        mx.nd.add(x, other)


def test_floor_division_is_not_an_operator(ctx):
    with pytest.raises(TypeError):
        A([7.0], ctx) // 2


# --- errors before anything is enqueued -------------------------------------------------------
def test_mismatches_raise_before_writing(ctx):
    out = A([5, 5], ctx)
    with pytest.raises(MXNetError, match="broadcast"):
        mx.nd.ones((2, 3), ctx=ctx) + mx.nd.ones((3, 2), ctx=ctx)
    with pytest.raises(MXNetError, match="dtype"):
        mx.nd.add(A([1, 2], ctx), A([1, 2], ctx, "int32"), out=out)
    with pytest.raises(MXNetError, match="dtype"):
        A([1, 2], ctx) + A([1, 2], ctx, "float16")
    with pytest.raises(MXNetError):
        mx.nd.add(A([1, 2], ctx), A([1, 2], ctx), out=mx.nd.zeros((3,), ctx=ctx))
    with pytest.raises(MXNetError):
        mx.nd.exp(A([1, 2], ctx), out=mx.nd.zeros((2,), ctx=ctx, dtype="int32"))
    same(out, [5, 5], "float32")


@pytest.mark.skipif(len(CONTEXTS) < 2, reason="needs two OpenCL devices")
def test_context_mismatch_raises():
    a, b = CONTEXTS[:2]
    with pytest.raises(MXNetError, match="context"):
        mx.nd.ones((2,), ctx=a) + mx.nd.ones((2,), ctx=b)


def test_out_argument(ctx):
    out = mx.nd.zeros((2, 3), ctx=ctx)
    r = mx.nd.add(mx.nd.ones((2, 3), ctx=ctx), A([1, 2, 3], ctx), out=out)
    assert r is out
    same(out, [[2, 3, 4], [2, 3, 4]], "float32")
    r = mx.nd.exp(mx.nd.zeros((2, 3), ctx=ctx), out=out)
    assert r is out
    same(out, np.ones((2, 3)), "float32")
    x = A([1, 4, 9], ctx)
    mx.nd.sqrt(x, out=x)                      # in place
    same(x, [1, 2, 3], "float32")


# --- MXNet's function names -------------------------------------------------------------------
def test_elemwise_names_need_equal_shapes_and_dtypes(ctx):
    a, b = A([7, -7], ctx), A([2, 2], ctx)
    same(mx.nd.elemwise_add(a, b), [9, -5], "float32")
    same(mx.nd.elemwise_sub(a, b), [5, -9], "float32")
    same(mx.nd.elemwise_mul(a, b), [14, -14], "float32")
    same(mx.nd.elemwise_div(a, b), [3.5, -3.5], "float32")
    same(mx.nd.elemwise_div(A([7, -7], ctx, "int32"), A([2, 2], ctx, "int32")), [3, -3],
         "int32")
    out = mx.nd.zeros((2,), ctx=ctx)
    assert mx.nd.elemwise_add(a, b, out=out) is out
    with pytest.raises(MXNetError, match="shape"):
        mx.nd.elemwise_add(mx.nd.ones((2, 3), ctx=ctx), mx.nd.ones((3,), ctx=ctx))
    with pytest.raises(MXNetError, match="dtype"):
        mx.nd.elemwise_add(mx.nd.ones((2,), ctx=ctx, dtype="int32"), mx.nd.ones((2,), ctx=ctx))
    with pytest.raises(MXNetError):
        mx.nd.elemwise_add(a, 1)


def test_broadcast_names(ctx):
    col, row = A([[2], [3]], ctx), A([1, 2], ctx)
    for name, ref in (("add", np.add), ("plus", np.add), ("sub", np.subtract),
                      ("minus", np.subtract), ("mul", np.multiply), ("div", np.divide),
                      ("mod", np.mod), ("power", np.power), ("maximum", np.maximum),
                      ("minimum", np.minimum), ("hypot", np.hypot), ("equal", np.equal),
                      ("not_equal", np.not_equal), ("greater", np.greater),
                      ("greater_equal", np.greater_equal), ("lesser", np.less),
                      ("lesser_equal", np.less_equal), ("logical_and", np.logical_and),
                      ("logical_or", np.logical_or), ("logical_xor", np.logical_xor)):
        y = getattr(mx.nd, "broadcast_" + name)(col, row)
        want = ref(np.array([[2.0], [3.0]]), np.array([1.0, 2.0])).astype(np.float32)
        np.testing.assert_allclose(y.asnumpy(), want, rtol=1e-6, err_msg=name)
    with pytest.raises(MXNetError):
        mx.nd.broadcast_add(col, 3)
    # names MXNet 1.9.1 does not have
    for name in ("broadcast_subtract", "broadcast_multiply", "broadcast_divide",
                 "broadcast_modulo", "broadcast_pow", "mod", "hypot"):
        assert not hasattr(mx.nd, name), name


def test_function_forms_with_scalars(ctx):
    x = A([1, 5], ctx)
    same(mx.nd.add(x, 3), [4, 8], "float32")
    same(mx.nd.add(3, x), [4, 8], "float32")
    same(mx.nd.subtract(3, x), [2, -2], "float32")
    same(mx.nd.power(2, A([2, 3], ctx)), [4, 8], "float32")
    same(mx.nd.power(A([2, 3], ctx), 2), [4, 9], "float32")
    same(mx.nd.modulo(A([5, -5], ctx), 3), [2, 1], "float32")
    same(mx.nd.logical_and(A([0, 1, 2], ctx), 1), [0, 1, 1], "float32")
    same(mx.nd.logical_xor(A([0, 1, 2], ctx), 1), [1, 0, 0], "float32")
    same(mx.nd.true_divide(A([7], ctx, "int32"), 2), [3], "int32")
    same(mx.nd.equal(A([3, 5], ctx), A([[3], [5]], ctx)), [[1, 0], [0, 1]], "float32")


@pytest.mark.parametrize("name,expected", [
    ("add", 9), ("subtract", 5), ("multiply", 14), ("divide", 3.5), ("true_divide", 3.5),
    ("power", 49), ("modulo", 1), ("maximum", 7), ("minimum", 2), ("equal", 0),
    ("not_equal", 1), ("greater", 1), ("greater_equal", 1), ("lesser", 0),
    ("lesser_equal", 0), ("logical_and", 1), ("logical_or", 1), ("logical_xor", 0),
])
def test_two_scalars_give_a_python_number(name, expected):
    got = getattr(mx.nd, name)(7, 2)
    assert not isinstance(got, mx.nd.NDArray)
    assert got == expected and type(got) is type(expected)


def test_zero_size_operands(ctx):
    e = mx.nd.array(np.zeros((0, 3)), ctx=ctx)
    y = e + A([1, 2, 3], ctx)
    assert y.shape == (0, 3)
    assert mx.nd.exp(e).shape == (0, 3)


def test_large_array_every_element(ctx):
    n = 100003                                # not a multiple of the 64 work-item rounding
    a = np.arange(n, dtype=np.float32)
    y = (A(a, ctx) * 2 + 1).asnumpy()
    np.testing.assert_array_equal(y, a * 2 + 1)


def test_hypot_and_integer_hypot(ctx):
    same(mx.nd.broadcast_hypot(A([3], ctx, "int32"), A([4], ctx, "int32")), [5], "int32")
    same(mx.nd.broadcast_hypot(A([3], ctx, "float16"), A([4], ctx, "float16")), [5],
         "float16")
    assert math.isclose(mx.nd.broadcast_hypot(A([3.0], ctx), A([4.0], ctx)).asscalar(), 5.0)


@pytest.mark.parametrize("sym", ["+", "-", "*", "/"])
def test_float16_results_are_rounded_like_numpy(ctx, sym):
    rng = np.random.default_rng(5)
    a = rng.uniform(-300, 300, size=4096).astype(np.float16)
    b = rng.uniform(0.01, 5, size=4096).astype(np.float16)
    f = OPERATORS[sym]
    got = f(A(a, ctx, "float16"), A(b, ctx, "float16")).asnumpy()
    np.testing.assert_array_equal(got, f(a, b))          # numpy: float32 op, then round


def test_elementwise_functions_take_mxnet_keywords(ctx):
    # MXNet's generated functions name their operands data (one input) and accept name=
    x = mx.nd.array([1, 2], ctx=ctx)
    assert mx.nd.exp(data=x, name="e").asnumpy().tolist() == mx.nd.exp(x).asnumpy().tolist()
    assert mx.nd.relu(data=-x).asnumpy().tolist() == [0, 0]
    assert mx.nd.erf(x, name="e").shape == (2,)
    with pytest.raises(TypeError, match="multiple values for argument 'data'"):
        mx.nd.exp(x, data=x)
    with pytest.raises(TypeError, match="unexpected keyword argument 'datum'"):
        mx.nd.exp(datum=x)


@pytest.mark.parametrize("shapes", [((128, 512), (512,)), ((4, 3, 40), (3, 1)),
                                    ((2, 3, 5, 33), (1, 3, 1, 1)), ((2, 3, 5, 64), (5, 64)),
                                    ((7, 100), (7, 1)), ((3, 2, 50), (1, 2, 1)), ((6, 31), (31,))])
def test_broadcast_groups_on_both_launch_shapes(ctx, shapes):
    # rows of 32 or more run as a 2-D launch (no division for the last coordinate)
    rng = np.random.default_rng(1)
    a = rng.standard_normal(shapes[0]).astype(np.float32)
    b = rng.standard_normal(shapes[1]).astype(np.float32)
    A, B = mx.nd.array(a, ctx=ctx), mx.nd.array(b, ctx=ctx)
    np.testing.assert_allclose(mx.nd.relu(A * B + B - 1).asnumpy(),
                               np.maximum(a * b + b - 1, 0), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose((B + A).asnumpy(), b + a, rtol=1e-6)
    if shapes[0][-1] >= 32:          # the 2-D form was built for this group
        assert any(type(k) is tuple and k[0] == "fused" and k[-1] is True
                   for k in ctx.state.kernels)
