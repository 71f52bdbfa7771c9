"""Gradient rules of the elementwise ops, written in NDArray ops (so they differentiate again).

Each rule maps (inputs, output y, output gradient g) to one gradient per input; a Python
scalar input gets None. Broadcasting is undone by the tape (gradients are summed back to
each input's shape), so rules are written as if shapes matched.
"""
import math

from mxgrad._ndarray import ElemwiseOp, NDArrayBase
from mxgrad._tape import wants_grad
from mxgrad.gradients import elementwise
from mxgrad.ndarray._elemwise_table import OPS

_LN2 = math.log(2.0)
_LN10 = math.log(10.0)


def _log(v):
    return OPS["log"](v) if isinstance(v, NDArrayBase) else math.log(v)


def _unary(d):
    """Rule from ``d(x, y, g)`` = the input gradient."""
    def rule(saved, inputs, outputs, out_grads):
        return (d(inputs[0], outputs[0], out_grads[0]),)
    return rule


def _binary(da, db):
    """Rule from the gradients w.r.t. each operand; skipped for operands that need none
    (scalars, constants), whose data the tape may not have kept."""
    def rule(saved, inputs, outputs, out_grads):
        a, b = inputs
        y, g = outputs[0], out_grads[0]
        return (da(a, b, y, g) if wants_grad(a) else None,
                db(a, b, y, g) if wants_grad(b) else None)
    return rule


def _no_gradient(saved, inputs, outputs, out_grads):
    """Piecewise-constant ops (floor, sign, comparisons): the gradient is zero."""
    return (None,) * len(inputs)


# The gradients of the common activations as single elementwise ops (one fused node in the
# backward pass instead of three), each with its own rule so it differentiates again.
# Inputs: (g, y) with y the activation's output, or (g, x) for relu.
tanh_grad = ElemwiseOp("_backward_tanh", "(x0 * ((CT)1 - x1 * x1))", 2)
sigmoid_grad = ElemwiseOp("_backward_sigmoid", "(x0 * x1 * ((CT)1 - x1))", 2)
# relu's gradient at NaN is NaN, as MXNet's (x1 != x1 only for a NaN)
relu_grad = ElemwiseOp("_backward_relu", "(x1 > 0 ? x0 : (x1 != x1 ? x1 : (CT)0))", 2)
tanh_grad.vjp = _binary(lambda g, y, _, h: tanh_grad(h, y), lambda g, y, _, h: h * g * y * -2)
sigmoid_grad.vjp = _binary(lambda g, y, _, h: sigmoid_grad(h, y),
                           lambda g, y, _, h: h * g * (1 - 2 * y))
relu_grad.vjp = _binary(lambda g, x, _, h: relu_grad(h, x), lambda g, x, _, h: None)

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
    "rcbrt": _unary(lambda x, y, g: -g * y / (3 * x)),
    "degrees": _unary(lambda x, y, g: g * (180 / math.pi)),
    "radians": _unary(lambda x, y, g: g * (math.pi / 180)),
}
for _name in ("floor", "ceil", "round", "rint", "fix", "trunc", "sign", "equal", "not_equal",
              "greater", "greater_equal", "lesser", "lesser_equal", "logical_and",
              "logical_or", "logical_xor", "logical_not"):
    RULES[_name] = _no_gradient


# What each rule reads, per input: the operands its gradient needs (a/x: input 0, b: input 1,
# y: the output). The tape keeps only those, so e.g. ``y = x + 1`` keeps no data at all.
NEEDS = {
    "add": ("", ""), "subtract": ("", ""), "multiply": ("b", "a"), "divide": ("b", "ab"),
    "power": ("ab", "ay"), "modulo": ("", "ab"), "maximum": ("ab", "ab"),
    "minimum": ("ab", "ab"), "hypot": ("ay", "by"),
    "negative": ("",), "identity": ("",), "exp": ("y",), "sqrt": ("y",), "cbrt": ("y",),
    "tan": ("y",), "tanh": ("y",), "sigmoid": ("y",), "reciprocal": ("y",), "expm1": ("y",),
    "rsqrt": ("xy",), "rcbrt": ("xy",), "degrees": ("",), "radians": ("",),
}
for _name in ("abs", "log", "log2", "log10", "square", "sin", "cos", "arcsin", "arccos",
              "arctan", "sinh", "cosh", "arcsinh", "arccosh", "arctanh", "relu", "softsign",
              "log1p"):
    NEEDS[_name] = ("x",)
for _name, _op in OPS.items():
    if RULES.get(_name) is _no_gradient:
        NEEDS[_name] = ("",) * _op.nin


def needs_masks(spec, nin):
    """Bit masks of a needs spec: bit k for input k, bit nin for the output."""
    bits = {"a": 1, "x": 1, "b": 2, "c": 4, "y": 1 << nin}
    return tuple(sum(bits[ch] for ch in per_input) for per_input in spec)


tanh_grad.needs = needs_masks(("b", "ab"), 2)
sigmoid_grad.needs = needs_masks(("b", "ab"), 2)
relu_grad.needs = needs_masks(("b", ""), 2)


def attach_rules():
    """Give every elementwise op its rule (ops without one are not differentiable) and
    what the rule reads."""
    for name, op in OPS.items():
        op.vjp = RULES.get(name)
        elementwise(op)
        spec = NEEDS.get(name)
        op.needs = None if spec is None else needs_masks(spec, op.nin)
