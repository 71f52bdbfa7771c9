"""The table of gradient rules (mxgrad.gradients): every differentiable op's rule is in it,
and an op cannot be recorded with a rule that is not."""
import pytest

import mxgrad as mx
from mxgrad.ndarray._elemwise_table import OPS


def test_the_table_holds_every_family_and_elementwise_rule():
    rules = mx.gradients.gradient_rules()
    for name in ("dot", "batch_dot", "Convolution", "Deconvolution", "Pooling", "BatchNorm",
                 "softmax", "log_softmax", "SoftmaxOutput", "pick", "take", "sum", "mean",
                 "max", "min", "prod", "norm", "Reshape", "transpose", "Concat", "stack",
                 "SliceChannel", "slice", "tile", "repeat", "reverse", "broadcast_to", "Cast",
                 "Function", "erf", "gelu", "where", "clip"):
        assert callable(rules.get(name)), name
    for name, op in OPS.items():
        if op.vjp is not None:
            assert rules[name] is op.vjp, name


def test_recording_with_a_rule_outside_the_table_raises(ctx):
    x = mx.nd.array([1, 2], ctx=ctx)
    x.attach_grad()
    with mx.autograd.record():
        y = x * 2
        with pytest.raises(mx.MXNetError, match="not in the table of gradient rules"):
            mx.autograd.record_op("twice", (x,), (y,), lambda s, i, o, g: (g[0] * 2,))


def test_an_op_name_keeps_its_rule():
    @mx.gradients.gradient_rule("_test_only_op")
    def first(saved, inputs, outputs, out_grads):
        return out_grads

    def other(saved, inputs, outputs, out_grads):
        return out_grads
    with pytest.raises(ValueError, match="already has the gradient rule first"):
        mx.gradients.gradient_rule("_test_only_op")(other)
