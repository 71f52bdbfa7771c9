"""The elementwise ops: one line each, an OpenCL snippet over x0, x1 (CT) whose value is a CT.

Math runs in FT and comes back through TO_CT, which converts a floating result the way MXNet
does for integer dtypes; the helpers (mx_div, mx_mod, mx_pow, mx_max, mx_min) live in
kernels_cl/elementwise.cl. ``PUBLIC`` maps every MXNet name under ``mx.nd`` to its function.

Gradient rules are attached by mxgrad.ndarray._elemwise_grads (written in NDArray ops, so
they can be differentiated again).
"""
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
    "tanh": "TO_CT(tanh((FT)x0))",
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
    "rint": "TO_CT(rint((FT)x0))",
    "fix": "TO_CT(trunc((FT)x0))",
    "trunc": "TO_CT(trunc((FT)x0))",
    "sign": "(CT)((x0 > 0) - (x0 < 0))",
    "logical_not": "(CT)(x0 == 0)",
    "identity": "(x0)",
}

OPS = {}
for _name, _snippet in BINARY.items():
    OPS[_name] = ElemwiseOp(_name, _snippet, 2)
for _name, _snippet in UNARY.items():
    OPS[_name] = ElemwiseOp(_name, _snippet, 1)

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


def _broadcasting(mx_name, name, doc):
    """mx.nd.<mx_name>(lhs, rhs): NDArray-NDArray broadcasts, a scalar operand is a kernel
    argument, two scalars are computed in Python (as MXNet does)."""
    op = OPS[name]
    scalar_fn = _SCALAR_RESULT[name]

    def fn(lhs, rhs, out=None):
        if _is_scalar(lhs) and _is_scalar(rhs):
            return scalar_fn(lhs, rhs)
        _check_operands(mx_name, lhs, rhs)
        if isinstance(lhs, np.generic):
            lhs = lhs.item()
        if isinstance(rhs, np.generic):
            rhs = rhs.item()
        return op(lhs, rhs, out=out)
    fn.__name__ = fn.__qualname__ = mx_name
    fn.__doc__ = doc
    return fn


def _same_shape(mx_name, name):
    """mx.nd.elemwise_*: two NDArrays of one shape and dtype, no broadcasting."""
    op = OPS[name]

    def fn(lhs, rhs, out=None):
        if not (isinstance(lhs, NDArrayBase) and isinstance(rhs, NDArrayBase)):
            raise MXNetError(f"{mx_name}: lhs and rhs must be NDArrays, got "
                             f"{type(lhs).__name__} and {type(rhs).__name__}")
        if lhs.shape != rhs.shape:
            raise MXNetError(f"{mx_name}: lhs and rhs must have the same shape, got "
                             f"{lhs.shape} and {rhs.shape} (use broadcast_{name[:3]} "
                             "to broadcast)")
        return op(lhs, rhs, out=out)
    fn.__name__ = fn.__qualname__ = mx_name
    fn.__doc__ = f"Elementwise {name} of two arrays of the same shape (no broadcasting)."
    return fn


def _broadcast_only(mx_name, name):
    """mx.nd.broadcast_*: two NDArrays, NumPy broadcasting."""
    op = OPS[name]

    def fn(lhs, rhs, out=None):
        if not (isinstance(lhs, NDArrayBase) and isinstance(rhs, NDArrayBase)):
            raise MXNetError(f"{mx_name}: lhs and rhs must be NDArrays, got "
                             f"{type(lhs).__name__} and {type(rhs).__name__}")
        return op(lhs, rhs, out=out)
    fn.__name__ = fn.__qualname__ = mx_name
    fn.__doc__ = f"Elementwise {name} of two arrays with NumPy broadcasting."
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
    """base ** exp with broadcasting; either may be a scalar (MXNet's parameter names)."""
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

