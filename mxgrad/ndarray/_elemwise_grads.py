"""Gradient rules of the elementwise ops, written in NDArray ops (so they differentiate again).

Each rule maps (inputs, output y, output gradient g) to one gradient per input; a Python
scalar input gets None. Broadcasting is undone by the tape (gradients are summed back to
each input's shape), so rules are written as if shapes matched.
"""
import math

from mxgrad._ndarray import ElemwiseOp, NDArrayBase
from mxgrad.ndarray._elemwise_table import OPS

_LN2 = math.log(2.0)
_LN10 = math.log(10.0)


def _is_array(v):
    return isinstance(v, NDArrayBase)


def _log(v):
    return OPS["log"](v) if _is_array(v) else math.log(v)


def _unary(d):
    """Rule from ``d(x, y, g)`` = the input gradient."""
    def rule(saved, inputs, outputs, out_grads):
        return (d(inputs[0], outputs[0], out_grads[0]),)
    return rule


def _binary(da, db):
    """Rule from the gradients w.r.t. each operand; skipped for scalar operands."""
    def rule(saved, inputs, outputs, out_grads):
        a, b = inputs
        y, g = outputs[0], out_grads[0]
        return (da(a, b, y, g) if _is_array(a) else None,
                db(a, b, y, g) if _is_array(b) else None)
    return rule


def _no_gradient(saved, inputs, outputs, out_grads):
    """Piecewise-constant ops (floor, sign, comparisons): the gradient is zero."""
    return (None,) * len(inputs)


# The gradients of the common activations as single elementwise ops (one fused node in the
# backward pass instead of three), each with its own rule so it differentiates again.
# Inputs: (g, y) with y the activation's output, or (g, x) for relu.
tanh_grad = ElemwiseOp("_backward_tanh", "(x0 * ((CT)1 - x1 * x1))", 2)
sigmoid_grad = ElemwiseOp("_backward_sigmoid", "(x0 * x1 * ((CT)1 - x1))", 2)
relu_grad = ElemwiseOp("_backward_relu", "(x1 > 0 ? x0 : (CT)0)", 2)
tanh_grad.vjp = lambda saved, inputs, outputs, h: (
    tanh_grad(h[0], inputs[1]), h[0] * inputs[0] * inputs[1] * -2)
sigmoid_grad.vjp = lambda saved, inputs, outputs, h: (
    sigmoid_grad(h[0], inputs[1]), h[0] * inputs[0] * (1 - 2 * inputs[1]))
relu_grad.vjp = lambda saved, inputs, outputs, h: (relu_grad(h[0], inputs[1]), None)

sqrt, cos, sin, cosh, sinh, sign, floor, rsqrt, square, absolute = (
    OPS["sqrt"], OPS["cos"], OPS["sin"], OPS["cosh"], OPS["sinh"], OPS["sign"], OPS["floor"],
    OPS["rsqrt"], OPS["square"], OPS["abs"])

RULES = {
    "add": _binary(lambda a, b, y, g: g, lambda a, b, y, g: g),
    "subtract": _binary(lambda a, b, y, g: g, lambda a, b, y, g: -g),
    "multiply": _binary(lambda a, b, y, g: g * b, lambda a, b, y, g: g * a),
    "divide": _binary(lambda a, b, y, g: g / b, lambda a, b, y, g: -g * a / (b * b)),
    "power": _binary(lambda a, b, y, g: g * b * a ** (b - 1),
                     lambda a, b, y, g: g * y * _log(a)),
    "modulo": _binary(lambda a, b, y, g: g, lambda a, b, y, g: -g * floor(a / b)),
    "maximum": _binary(lambda a, b, y, g: g * (a >= b), lambda a, b, y, g: g * (a < b)),
    "minimum": _binary(lambda a, b, y, g: g * (a <= b), lambda a, b, y, g: g * (a > b)),
    "hypot": _binary(lambda a, b, y, g: g * a / y, lambda a, b, y, g: g * b / y),
    "negative": _unary(lambda x, y, g: -g),
    "abs": _unary(lambda x, y, g: g * sign(x)),
    "exp": _unary(lambda x, y, g: g * y),
    "log": _unary(lambda x, y, g: g / x),
    "log2": _unary(lambda x, y, g: g / (x * _LN2)),
    "log10": _unary(lambda x, y, g: g / (x * _LN10)),
    "sqrt": _unary(lambda x, y, g: g * 0.5 / y),
    "rsqrt": _unary(lambda x, y, g: g * -0.5 * y / x),
    "cbrt": _unary(lambda x, y, g: g / (3 * y * y)),
    "square": _unary(lambda x, y, g: g * 2 * x),
    "sin": _unary(lambda x, y, g: g * cos(x)),
    "cos": _unary(lambda x, y, g: -g * sin(x)),
    "tan": _unary(lambda x, y, g: g * (1 + y * y)),
    "arcsin": _unary(lambda x, y, g: g * rsqrt(1 - x * x)),
    "arccos": _unary(lambda x, y, g: -g * rsqrt(1 - x * x)),
    "arctan": _unary(lambda x, y, g: g / (1 + x * x)),
    "sinh": _unary(lambda x, y, g: g * cosh(x)),
    "cosh": _unary(lambda x, y, g: g * sinh(x)),
    "tanh": _unary(lambda x, y, g: tanh_grad(g, y)),
    "arcsinh": _unary(lambda x, y, g: g * rsqrt(x * x + 1)),
    "arccosh": _unary(lambda x, y, g: g * rsqrt(x * x - 1)),
    "arctanh": _unary(lambda x, y, g: g / (1 - x * x)),
    "sigmoid": _unary(lambda x, y, g: sigmoid_grad(g, y)),
    "relu": _unary(lambda x, y, g: relu_grad(g, x)),
    "softsign": _unary(lambda x, y, g: g / square(1 + absolute(x))),
    "reciprocal": _unary(lambda x, y, g: -g * y * y),
    "log1p": _unary(lambda x, y, g: g / (1 + x)),
    "expm1": _unary(lambda x, y, g: g * (y + 1)),
    "identity": _unary(lambda x, y, g: g),
}
for _name in ("floor", "ceil", "round", "rint", "fix", "trunc", "sign", "equal", "not_equal",
              "greater", "greater_equal", "lesser", "lesser_equal", "logical_and",
              "logical_or", "logical_xor", "logical_not"):
    RULES[_name] = _no_gradient


def attach_rules():
    """Give every elementwise op its rule (ops without one are not differentiable)."""
    for name, op in OPS.items():
        op.vjp = RULES.get(name)
