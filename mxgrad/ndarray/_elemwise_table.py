"""The elementwise ops: one line each, an OpenCL snippet over x0, x1 (CT) whose value is a CT.

Math runs in FT and comes back through TO_CT, which converts a floating result the way MXNet
does for integer dtypes; the helpers (mx_div, mx_mod, mx_pow, mx_max, mx_min) live in
kernels_cl/elementwise.cl. ``PUBLIC`` maps every MXNet name under ``mx.nd`` to its function.

Gradient rules are attached by mxgrad.ndarray._elemwise_grads (written in NDArray ops, so
they can be differentiated again).
"""
import ast
import numbers
import operator

import numpy as np

from mxgrad._ndarray import ElemwiseOp, NDArrayBase
from mxgrad.base import MXNetError

BINARY = {
    "add": "(x0 + x1)",
    "subtract": "(x0 - x1)",
    "multiply": "(x0 * x1)",
    "divide": "mx_div(x0, x1)",
    "power": "mx_pow(x0, x1)",
    "modulo": "mx_mod(x0, x1)",
    "equal": "(CT)(x0 == x1)",
    "not_equal": "(CT)(x0 != x1)",
    "greater": "(CT)(x0 > x1)",
    "greater_equal": "(CT)(x0 >= x1)",
    "lesser": "(CT)(x0 < x1)",
    "lesser_equal": "(CT)(x0 <= x1)",
    "maximum": "mx_max(x0, x1)",
    "minimum": "mx_min(x0, x1)",
    "hypot": "TO_CT(hypot((FT)x0, (FT)x1))",
    "logical_and": "(CT)(x0 != 0 && x1 != 0)",
    "logical_or": "(CT)(x0 != 0 || x1 != 0)",
    "logical_xor": "(CT)((x0 != 0) != (x1 != 0))",
}

UNARY = {
    "negative": "(-x0)",
    # abs and square go through FT like MXNet (int64 beyond 2**53 rounds, overflow -> MIN)
    "abs": "TO_CT(fabs((FT)x0))",
    "exp": "TO_CT(exp((FT)x0))",
    "log": "TO_CT(log((FT)x0))",
    "log2": "TO_CT(log2((FT)x0))",
    "log10": "TO_CT(log10((FT)x0))",
    "sqrt": "TO_CT(sqrt((FT)x0))",
    "rsqrt": "TO_CT(rsqrt((FT)x0))",
    "cbrt": "TO_CT(cbrt((FT)x0))",
    "rcbrt": "TO_CT((FT)1 / cbrt((FT)x0))",
    "square": "TO_CT((FT)x0 * (FT)x0)",
    "sin": "TO_CT(sin((FT)x0))",
    "cos": "TO_CT(cos((FT)x0))",
    "tan": "TO_CT(tan((FT)x0))",
    "arcsin": "TO_CT(asin((FT)x0))",
    "arccos": "TO_CT(acos((FT)x0))",
    "arctan": "TO_CT(atan((FT)x0))",
    "sinh": "TO_CT(sinh((FT)x0))",
    "cosh": "TO_CT(cosh((FT)x0))",
    # +-1 where tanh rounds to it (some libms, PoCL's among them, stop one ulp short, which
    # leaves the gradient 1 - y*y non-zero at +-inf)
    "tanh": "TO_CT(fabs((FT)x0) > (sizeof(FT) == 4 ? (FT)9.0109f : (FT)19.07) "
            "? copysign((FT)1, (FT)x0) : tanh((FT)x0))",
    "arcsinh": "TO_CT(asinh((FT)x0))",
    "arccosh": "TO_CT(acosh((FT)x0))",
    "arctanh": "TO_CT(atanh((FT)x0))",
    "degrees": "TO_CT((FT)x0 * (FT)57.295779513082320877)",
    "radians": "TO_CT((FT)x0 * (FT)0.017453292519943295769)",
    "sigmoid": "TO_CT((FT)1 / ((FT)1 + exp(-(FT)x0)))",
    "relu": "mx_max(x0, (CT)0)",
    "softsign": "TO_CT((FT)x0 / ((FT)1 + fabs((FT)x0)))",
    "reciprocal": "TO_CT((FT)1 / (FT)x0)",
    "log1p": "TO_CT(log1p((FT)x0))",
    "expm1": "TO_CT(expm1((FT)x0))",
    "floor": "TO_CT(floor((FT)x0))",
    "ceil": "TO_CT(ceil((FT)x0))",
    "round": "TO_CT(round((FT)x0))",
    # the nearer of floor and ceil, floor on ties: halves go down, as MXNet documents
    "rint": "TO_CT((FT)x0 - floor((FT)x0) <= ceil((FT)x0) - (FT)x0 ? floor((FT)x0) "
            ": ceil((FT)x0))",
    "fix": "TO_CT(trunc((FT)x0))",
    "trunc": "TO_CT(trunc((FT)x0))",
    "sign": "(CT)((x0 > 0) - (x0 < 0))",
    "logical_not": "(CT)(x0 == 0)",
    "identity": "(x0)",
}

# --- docstrings: each public function shows its own example --------------------------------
# The results are written here as mxgrad (and MXNet) print them; tests/test_docstrings.py runs
# every example. Inputs avoid values whose last float32 digit differs between math libraries.

# unary op: (what it computes, input, printed result[, second argument])
UNARY_EXAMPLES = {
    "negative": ("The negation ``-x``", "[1, -2, 0.5]", "[-1.   2.  -0.5]"),
    "abs": ("The absolute value", "[-1.5, 0, 2]", "[1.5 0.  2. ]"),
    "exp": ("``e`` to the power ``x``", "[0, 1]", "[1.        2.7182817]"),
    "log": ("The natural logarithm (``-inf`` at 0, NaN below)", "[1, 4, 0]",
            "[0.        1.3862944      -inf]"),
    "log2": ("The base-2 logarithm", "[1, 8, 0.5]", "[ 0.  3. -1.]"),
    "log10": ("The base-10 logarithm", "[1, 100, 0.001]", "[ 0.  2. -3.]"),
    "sqrt": ("The square root", "[4, 9, 2]", "[2.        3.        1.4142135]"),
    "rsqrt": ("The reciprocal square root ``1 / sqrt(x)``", "[4, 16, 0.25]", "[0.5  0.25 2.  ]"),
    "cbrt": ("The cube root (negative for negative ``x``)", "[8, -27, 2]",
             "[ 2.        -3.         1.2599211]"),
    "rcbrt": ("The reciprocal cube root ``1 / cbrt(x)``", "[8, 1, 0.125]", "[0.5 1.  2. ]"),
    "square": ("The square ``x * x``", "[-2, 3, 0.5]", "[4.   9.   0.25]"),
    "sin": ("The sine of ``x`` radians", "[0, np.pi / 2, np.pi / 6]", "[0.  1.  0.5]"),
    "cos": ("The cosine of ``x`` radians", "[0, np.pi]", "[ 1. -1.]"),
    "tan": ("The tangent of ``x`` radians", "[0, 0.5, -0.5]",
            "[ 0.         0.5463025 -0.5463025]"),
    "arcsin": ("The inverse sine, in radians", "[0, 1, 0.5]", "[0.        1.5707964 0.5235988]"),
    "arccos": ("The inverse cosine, in radians", "[1, 0, -1]", "[0.        1.5707964 3.1415927]"),
    "arctan": ("The inverse tangent, in radians", "[0, 0.5, 2]",
               "[0.        0.4636476 1.1071488]"),
    "sinh": ("The hyperbolic sine", "[0, 1]", "[0.        1.1752012]"),
    "cosh": ("The hyperbolic cosine", "[0, 0.5]", "[1.       1.127626]"),
    "tanh": ("The hyperbolic tangent", "[0, 1]", "[0.        0.7615942]"),
    "arcsinh": ("The inverse hyperbolic sine", "[0, 1]", "[0.        0.8813736]"),
    "arccosh": ("The inverse hyperbolic cosine", "[1, 2]", "[0.       1.316958]"),
    "arctanh": ("The inverse hyperbolic tangent", "[0, 0.5]", "[0.         0.54930615]"),
    "degrees": ("Radians converted to degrees", "[0, np.pi, np.pi / 2]", "[  0. 180.  90.]"),
    "radians": ("Degrees converted to radians", "[0, 180, 90]", "[0.        3.1415927 1.5707964]"),
    "sigmoid": ("The logistic function ``1 / (1 + exp(-x))``", "[-1, 0, 1]",
                "[0.26894143 0.5        0.7310586 ]"),
    "relu": ("``max(x, 0)``", "[-1, 0, 2]", "[0. 0. 2.]"),
    "softsign": ("``x / (1 + abs(x))``", "[-1, 0, 3]", "[-0.5   0.    0.75]"),
    "reciprocal": ("``1 / x``", "[2, 4, -0.5]", "[ 0.5   0.25 -2.  ]"),
    "log1p": ("``log(1 + x)``, accurate for ``x`` near 0", "[0, 1, -0.5]",
              "[ 0.         0.6931472 -0.6931472]"),
    "expm1": ("``exp(x) - 1``, accurate for ``x`` near 0", "[0, 1e-7]",
              "[0.0000000e+00 1.0000001e-07]"),
    "floor": ("The largest integer not above ``x``", "[-1.5, 1.5, 2]", "[-2.  1.  2.]"),
    "ceil": ("The smallest integer not below ``x``", "[-1.5, 1.5, 2]", "[-1.  2.  2.]"),
    "round": ("The nearest integer, halves away from zero", "[-2.5, 0.5, 1.4]", "[-3.  1.  1.]"),
    "rint": ("The nearest integer, halves rounded down", "[-1.5, 0.2, 2.5]", "[-2.  0.  2.]"),
    "fix": ("``x`` rounded toward zero", "[-1.7, 1.7, 2]", "[-1.  1.  2.]"),
    "trunc": ("``x`` rounded toward zero (as ``fix``)", "[-1.7, 1.7, 2]", "[-1.  1.  2.]"),
    "sign": ("-1, 0 or 1 by the sign of ``x``", "[-3, 0, 2]", "[-1.  0.  1.]"),
    "logical_not": ("1 where ``x`` is 0, else 0", "[0, 1, 2]", "[1. 0. 0.]"),
    "identity": ("A copy of ``x``", "[1, 2]", "[1. 2.]"),
    # made in mxgrad/ndarray/math_extra.py
    "gamma": ("The gamma function", "[1, 4, 0.5]", "[1.        6.        1.7724539]"),
    "gammaln": ("The log of the absolute value of the gamma function", "[1, 4, -0.5]",
                "[0.        1.7917595 1.2655121]"),
    "erfinv": ("The inverse of erf (``inf`` at 1, NaN beyond)", "[0, 0.5, 1]",
               "[0.         0.47693628        inf]"),
    # made in mxgrad/ndarray/nn.py (documented once it builds them as DocumentedOp)
    "erf": ("The Gauss error function", "[0, 1, -1]", "[ 0.         0.8427008 -0.8427008]"),
    "softrelu": ("``log(1 + exp(x))`` (softplus)", "[0, 1, -1]",
                 "[0.6931472 1.3132616 0.3132617]"),
    "gelu": ("``x * P(X <= x)`` for a standard normal X (the exact GELU, through erf)",
             "[0, 1, -1]", "[ 0.          0.8413447  -0.15865526]"),
    "selu": ("SELU: ``lambda * x`` for ``x > 0``, else ``lambda * alpha * (exp(x) - 1)`` "
             "with SELU's fixed alpha and lambda", "[0, 1, -1]",
             "[ 0.         1.050701  -1.1113307]"),
    "elu": ("``x`` for ``x > 0``, else ``alpha * (exp(x) - 1)``; the second argument is alpha",
            "[0, 1, -1]", "[ 0.          1.         -0.63212055]", "1.0"),
    "leaky_relu": ("``x`` for ``x > 0``, else ``slope * x``; the second argument is slope",
                   "[0, 1, -1]", "[ 0.   1.  -0.1]", "0.1"),
}


def _shape_of(src):
    """The shape of the nested list literal ``src`` (a number or an expression is a scalar)."""
    node, dims = ast.parse(src, mode="eval").body, ()
    while isinstance(node, ast.List):
        dims += (len(node.elts),)
        node = node.elts[0] if node.elts else None
    return dims


def _operand(src):
    return f"mx.nd.array({src})" if src.startswith("[") else src


def _example(call, result, shape):
    """Doctest lines: ``call`` and the NDArray it returns (``result``: its values as printed)."""
    dims = "x".join(str(d) for d in shape)
    return f">>> {call}\n<BLANKLINE>\n{result}\n<NDArray {dims} @cpu(0)>"


class DocumentedOp(ElemwiseOp):
    """A public elementwise op: an ElemwiseOp carrying its own docstring (an instance of the
    Cython class cannot), written from its entry in ``UNARY_EXAMPLES``."""

    def __init__(self, name, snippet, nin, vjp=None):
        what, data, result, *second = UNARY_EXAMPLES[name]
        call = f"mx.nd.{name}({', '.join([_operand(data)] + second)})"
        self.__doc__ = f"{what}, elementwise.\n\n{_example(call, result, _shape_of(data))}\n"


OPS = {}
for _name, _snippet in BINARY.items():
    OPS[_name] = ElemwiseOp(_name, _snippet, 2)
for _name, _snippet in UNARY.items():
    OPS[_name] = DocumentedOp(_name, _snippet, 1)

# The ops behind Python's operators, in the order _ndarray._bind_operators expects.
OPERATOR_ORDER = ("add", "subtract", "multiply", "divide", "power", "modulo", "equal",
                  "not_equal", "greater", "greater_equal", "lesser", "lesser_equal")


# --- the functions under MXNet's names ------------------------------------------------------
def _is_scalar(v):
    return isinstance(v, (numbers.Number, np.generic))


def _py_mod(a, b):
    return a % b if b != 0 else 0


# What mx.nd.<name>(scalar, scalar) returns: MXNet evaluates it in Python.
_SCALAR_RESULT = {
    "add": operator.add,
    "subtract": operator.sub,
    "multiply": operator.mul,
    "divide": operator.truediv,
    "power": operator.pow,
    "modulo": _py_mod,
    "maximum": max,
    "minimum": min,
    "equal": lambda a, b: int(a == b),
    "not_equal": lambda a, b: int(a != b),
    "greater": lambda a, b: int(a > b),
    "greater_equal": lambda a, b: int(a >= b),
    "lesser": lambda a, b: int(a < b),
    "lesser_equal": lambda a, b: int(a <= b),
    "logical_and": lambda a, b: int(bool(a) and bool(b)),
    "logical_or": lambda a, b: int(bool(a) or bool(b)),
    "logical_xor": lambda a, b: int(bool(a) != bool(b)),
}


def _check_operands(fname, lhs, rhs):
    for arg, v in (("lhs", lhs), ("rhs", rhs)):
        if not (isinstance(v, NDArrayBase) or _is_scalar(v)):
            raise TypeError(f"{fname}: {arg} has type {type(v).__name__}; "
                            "expected an NDArray or a number")


# binary op: (lhs, rhs, printed result); a column and a row, so the result shows broadcasting
BINARY_EXAMPLES = {
    "add": ("[[1], [2]]", "[10, 20, 30]", "[[11. 21. 31.]\n [12. 22. 32.]]"),
    "subtract": ("[[10], [20]]", "[1, 2]", "[[ 9.  8.]\n [19. 18.]]"),
    "multiply": ("[[1], [2]]", "[1, -1, 0.5]", "[[ 1.  -1.   0.5]\n [ 2.  -2.   1. ]]"),
    "divide": ("[[6], [-6]]", "[2, 4]", "[[ 3.   1.5]\n [-3.  -1.5]]"),
    "power": ("[[2], [3]]", "[0, 1, 2]", "[[1. 2. 4.]\n [1. 3. 9.]]"),
    "modulo": ("[[5], [-5]]", "[3, -3]", "[[ 2. -1.]\n [ 1. -2.]]"),
    "equal": ("[[1], [2]]", "[1, 2, 3]", "[[1. 0. 0.]\n [0. 1. 0.]]"),
    "not_equal": ("[[1], [2]]", "[1, 2, 3]", "[[0. 1. 1.]\n [1. 0. 1.]]"),
    "greater": ("[[1], [2]]", "[1, 2, 3]", "[[0. 0. 0.]\n [1. 0. 0.]]"),
    "greater_equal": ("[[1], [2]]", "[1, 2, 3]", "[[1. 0. 0.]\n [1. 1. 0.]]"),
    "lesser": ("[[1], [2]]", "[1, 2, 3]", "[[0. 1. 1.]\n [0. 0. 1.]]"),
    "lesser_equal": ("[[1], [2]]", "[1, 2, 3]", "[[1. 1. 1.]\n [0. 1. 1.]]"),
    "maximum": ("[[1], [5]]", "[2, 4]", "[[2. 4.]\n [5. 5.]]"),
    "minimum": ("[[1], [5]]", "[2, 4]", "[[1. 1.]\n [2. 4.]]"),
    "hypot": ("[[3], [6]]", "[4, 8]", "[[ 5.         8.5440035]\n [ 7.2111025 10.       ]]"),
    "logical_and": ("[[0], [1]]", "[0, 1, 2]", "[[0. 0. 0.]\n [0. 1. 1.]]"),
    "logical_or": ("[[0], [1]]", "[0, 1, 2]", "[[0. 1. 1.]\n [1. 1. 1.]]"),
    "logical_xor": ("[[0], [1]]", "[0, 1, 2]", "[[0. 1. 1.]\n [1. 0. 0.]]"),
}
# elemwise_* op: (lhs, rhs, printed result), one shape
_SAME_SHAPE_EXAMPLES = {
    "add": ("[1, 2]", "[3, 4]", "[4. 6.]"),
    "subtract": ("[5, 7]", "[1, 2]", "[4. 5.]"),
    "multiply": ("[2, 3]", "[4, 5]", "[ 8. 15.]"),
    "divide": ("[1, 6]", "[4, 3]", "[0.25 2.  ]"),
}
# A second example for some functions, where MXNet's behaviour is worth showing.
_MORE_EXAMPLES = {
    "add": ">>> mx.nd.add(mx.nd.array([1, 2]), 0.5)\n<BLANKLINE>\n[1.5 2.5]\n"
           "<NDArray 2 @cpu(0)>\n>>> mx.nd.add(2, 3)   # two numbers: a Python number\n5",
    "divide": ">>> mx.nd.divide(mx.nd.array([7, -7], dtype='int32'), 2)\n<BLANKLINE>\n"
              "[ 3 -3]\n<NDArray 2 @cpu(0)>",
    "equal": ">>> mx.nd.equal(mx.nd.array([1, 2, 3], dtype='int32'), 2)\n<BLANKLINE>\n"
             "[0 1 0]\n<NDArray 3 @cpu(0)>",
    "maximum": ">>> mx.nd.maximum(mx.nd.array([1, np.nan]), 0)\n<BLANKLINE>\n[ 1. nan]\n"
               "<NDArray 2 @cpu(0)>",
}


def _binary_doc(summary, mx_name, example):
    lhs, rhs, result = example
    shape = np.broadcast_shapes(_shape_of(lhs), _shape_of(rhs))
    call = f"mx.nd.{mx_name}({_operand(lhs)}, {_operand(rhs)})"
    more = _MORE_EXAMPLES.get(mx_name)
    parts = [summary, "", _example(call, result, shape)] + ([more] if more else [])
    return "\n".join(parts) + "\n"


def _broadcasting(mx_name, name, doc):
    """mx.nd.<mx_name>(lhs, rhs): NDArray-NDArray broadcasts, a scalar operand is a kernel
    argument, two scalars are computed in Python (as MXNet does)."""
    op = OPS[name]
    scalar_fn = _SCALAR_RESULT[name]

    def fn(lhs, rhs, out=None, name=None):
        if _is_scalar(lhs) and _is_scalar(rhs):
            return scalar_fn(lhs, rhs)
        _check_operands(mx_name, lhs, rhs)
        if isinstance(lhs, np.generic):
            lhs = lhs.item()
        if isinstance(rhs, np.generic):
            rhs = rhs.item()
        return op(lhs, rhs, out=out)
    fn.__name__ = fn.__qualname__ = mx_name
    fn.__doc__ = _binary_doc(doc, mx_name, BINARY_EXAMPLES[name])
    return fn


def _same_shape(mx_name, name):
    """mx.nd.elemwise_*: two NDArrays of one shape and dtype, no broadcasting."""
    op = OPS[name]

    def fn(lhs, rhs, out=None, name=None):
        if not (isinstance(lhs, NDArrayBase) and isinstance(rhs, NDArrayBase)):
            raise MXNetError(f"{mx_name}: lhs and rhs must be NDArrays, got "
                             f"{type(lhs).__name__} and {type(rhs).__name__}")
        if lhs.shape != rhs.shape:
            raise MXNetError(f"{mx_name}: lhs and rhs must have the same shape, got "
                             f"{lhs.shape} and {rhs.shape} (use broadcast_{mx_name[9:12]} "
                             "to broadcast)")
        return op(lhs, rhs, out=out)
    fn.__name__ = fn.__qualname__ = mx_name
    fn.__doc__ = _binary_doc(f"Elementwise {name} of two arrays of the same shape (no "
                             "broadcasting).", mx_name, _SAME_SHAPE_EXAMPLES[name])
    return fn


def _broadcast_only(mx_name, name):
    """mx.nd.broadcast_*: two NDArrays, NumPy broadcasting."""
    op = OPS[name]

    def fn(lhs, rhs, out=None, name=None):
        if not (isinstance(lhs, NDArrayBase) and isinstance(rhs, NDArrayBase)):
            raise MXNetError(f"{mx_name}: lhs and rhs must be NDArrays, got "
                             f"{type(lhs).__name__} and {type(rhs).__name__}")
        return op(lhs, rhs, out=out)
    fn.__name__ = fn.__qualname__ = mx_name
    fn.__doc__ = _binary_doc(f"Elementwise {name} of two arrays with NumPy broadcasting.",
                             mx_name, BINARY_EXAMPLES[name])
    return fn


_BROADCASTING_DOCS = {
    "add": "lhs + rhs with broadcasting; either may be a scalar.",
    "subtract": "lhs - rhs with broadcasting; either may be a scalar.",
    "multiply": "lhs * rhs with broadcasting; either may be a scalar.",
    "divide": "lhs / rhs with broadcasting (integer dtypes truncate); either may be a scalar.",
    "modulo": "lhs % rhs with broadcasting (sign of rhs); either may be a scalar.",
    "power": "base ** exp with broadcasting; either may be a scalar.",
    "maximum": "Elementwise maximum with broadcasting (NaN wins); either may be a scalar.",
    "minimum": "Elementwise minimum with broadcasting (NaN wins); either may be a scalar.",
    "equal": "1 where lhs == rhs else 0, in the input dtype, with broadcasting.",
    "not_equal": "1 where lhs != rhs else 0, in the input dtype, with broadcasting.",
    "greater": "1 where lhs > rhs else 0, in the input dtype, with broadcasting.",
    "greater_equal": "1 where lhs >= rhs else 0, in the input dtype, with broadcasting.",
    "lesser": "1 where lhs < rhs else 0, in the input dtype, with broadcasting.",
    "lesser_equal": "1 where lhs <= rhs else 0, in the input dtype, with broadcasting.",
    "logical_and": "1 where both are non-zero else 0, with broadcasting.",
    "logical_or": "1 where either is non-zero else 0, with broadcasting.",
    "logical_xor": "1 where exactly one is non-zero else 0, with broadcasting.",
}

PUBLIC = {name: op for name, op in OPS.items() if name in UNARY}
for _name, _doc in _BROADCASTING_DOCS.items():
    PUBLIC[_name] = _broadcasting(_name, _name, _doc)
PUBLIC["true_divide"] = _broadcasting("true_divide", "divide", _BROADCASTING_DOCS["divide"])
_power = PUBLIC["power"]


def power(base, exp, out=None):
    """base ** exp with broadcasting; either may be a scalar (MXNet's parameter names).

    >>> mx.nd.power(mx.nd.array([[1], [2]]), mx.nd.array([2, 3]))
    <BLANKLINE>
    [[1. 1.]
     [4. 8.]]
    <NDArray 2x2 @cpu(0)>
    >>> mx.nd.power(2, mx.nd.array([0, 1, 2, 3]))        # a scalar base
    <BLANKLINE>
    [1. 2. 4. 8.]
    <NDArray 4 @cpu(0)>
    """
    return _power(base, exp, out=out)


PUBLIC["power"] = power
for _short, _name in (("add", "add"), ("sub", "subtract"), ("mul", "multiply"),
                      ("div", "divide")):
    PUBLIC["elemwise_" + _short] = _same_shape("elemwise_" + _short, _name)
for _mx_name, _name in (
        ("add", "add"), ("plus", "add"), ("sub", "subtract"), ("minus", "subtract"),
        ("mul", "multiply"), ("div", "divide"), ("mod", "modulo"), ("power", "power"),
        ("maximum", "maximum"), ("minimum", "minimum"), ("hypot", "hypot"),
        ("equal", "equal"), ("not_equal", "not_equal"), ("greater", "greater"),
        ("greater_equal", "greater_equal"), ("lesser", "lesser"),
        ("lesser_equal", "lesser_equal"), ("logical_and", "logical_and"),
        ("logical_or", "logical_or"), ("logical_xor", "logical_xor")):
    PUBLIC["broadcast_" + _mx_name] = _broadcast_only("broadcast_" + _mx_name, _name)

