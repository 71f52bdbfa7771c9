"""The elementwise ops: one line each, an OpenCL snippet over x0, x1 (CT), FT for math.

Gradient rules are attached by mxgrad.autograd's rule table (written in NDArray ops, so
they can be differentiated again).
"""
from mxgrad._ndarray import ElemwiseOp

BINARY = {
    "add": "(x0 + x1)",
    "subtract": "(x0 - x1)",
    "multiply": "(x0 * x1)",
    "divide": "(x0 / x1)",
    "power": "pow((FT)x0, (FT)x1)",
    "modulo": "mx_mod(x0, x1)",
    "equal": "(CT)(x0 == x1)",
    "not_equal": "(CT)(x0 != x1)",
    "greater": "(CT)(x0 > x1)",
    "greater_equal": "(CT)(x0 >= x1)",
    "lesser": "(CT)(x0 < x1)",
    "lesser_equal": "(CT)(x0 <= x1)",
    "maximum": "(x0 > x1 ? x0 : x1)",
    "minimum": "(x0 < x1 ? x0 : x1)",
    "hypot": "hypot((FT)x0, (FT)x1)",
    "logical_and": "(CT)(x0 != 0 && x1 != 0)",
    "logical_or": "(CT)(x0 != 0 || x1 != 0)",
    "logical_xor": "(CT)((x0 != 0) != (x1 != 0))",
}

UNARY = {
    "negative": "(-x0)",
    "abs": "(x0 < 0 ? -x0 : x0)",
    "exp": "exp((FT)x0)",
    "log": "log((FT)x0)",
    "log2": "log2((FT)x0)",
    "log10": "log10((FT)x0)",
    "sqrt": "sqrt((FT)x0)",
    "rsqrt": "rsqrt((FT)x0)",
    "cbrt": "cbrt((FT)x0)",
    "square": "(x0 * x0)",
    "sin": "sin((FT)x0)",
    "cos": "cos((FT)x0)",
    "tan": "tan((FT)x0)",
    "arcsin": "asin((FT)x0)",
    "arccos": "acos((FT)x0)",
    "arctan": "atan((FT)x0)",
    "sinh": "sinh((FT)x0)",
    "cosh": "cosh((FT)x0)",
    "tanh": "tanh((FT)x0)",
    "arcsinh": "asinh((FT)x0)",
    "arccosh": "acosh((FT)x0)",
    "arctanh": "atanh((FT)x0)",
    "sigmoid": "((FT)1 / ((FT)1 + exp(-(FT)x0)))",
    "relu": "(x0 > 0 ? x0 : (CT)0)",
    "softsign": "((FT)x0 / ((FT)1 + fabs((FT)x0)))",
    "reciprocal": "((FT)1 / (FT)x0)",
    "log1p": "log1p((FT)x0)",
    "expm1": "expm1((FT)x0)",
    "floor": "floor((FT)x0)",
    "ceil": "ceil((FT)x0)",
    "round": "round((FT)x0)",
    "rint": "rint((FT)x0)",
    "fix": "trunc((FT)x0)",
    "trunc": "trunc((FT)x0)",
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
