"""The table of gradient rules: every differentiable op's vector-Jacobian product.

A rule ``rule(saved, inputs, outputs, out_grads)`` returns one gradient (or None) per input
and is written in NDArray ops, so the gradient is itself recorded and can be differentiated
again (``autograd.grad(create_graph=True)`` works through every op, to any order). The
rules live next to the kernels of their op family and enter this one table as they are
defined: ``@gradient_rule("dot")`` for an op family's rule, ``elementwise(op)`` for an
elementwise op (whose rule is attached to the op). Recording an op whose rule is not in the
table raises, so no op can carry an unlisted rule. ``gradient_rules()`` lists them all.

>>> rules = mx.gradients.gradient_rules()
>>> sorted(name for name in rules if name in ("dot", "exp", "Convolution"))
['Convolution', 'dot', 'exp']
"""
from mxgrad import _tape

_FAMILY_RULES = {}        # op name -> rule, from @gradient_rule
_ELEMENTWISE = {}         # op name -> ElemwiseOp whose .vjp is its rule


def gradient_rule(*names):
    """Register the decorated function as the gradient rule of the ops ``names``.

    >>> @mx.gradients.gradient_rule("_doc_example_op")
    ... def _double_rule(saved, inputs, outputs, out_grads):
    ...     return (out_grads[0] * 2,)
    >>> mx.gradients.gradient_rules()["_doc_example_op"] is _double_rule
    True
    """
    def register(rule):
        for name in names:
            known = _FAMILY_RULES.get(name)
            # a new definition of the same function (a re-run cell, a reload) replaces it
            if known is not None and known is not rule and _where(known) != _where(rule):
                raise ValueError(f"op {name!r} already has the gradient rule {known.__name__}")
            _FAMILY_RULES[name] = rule
        _tape.register_rule(rule)
        return rule
    return register


def _where(fn):
    return getattr(fn, "__module__", None), getattr(fn, "__qualname__", None)


def elementwise(op):
    """Register an elementwise op, whose rule is its ``vjp``; returns the op.

    >>> mx.gradients.gradient_rules()["tanh"] is mx.nd.tanh.vjp
    True
    """
    _ELEMENTWISE[op.name] = op
    return op


def gradient_rules():
    """{op name: rule} for every differentiable op.

    >>> callable(mx.gradients.gradient_rules()["sum"])
    True
    """
    rules = {name: op.vjp for name, op in _ELEMENTWISE.items() if op.vjp is not None}
    rules.update(_FAMILY_RULES)
    return rules
