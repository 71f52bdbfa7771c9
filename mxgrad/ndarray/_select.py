"""``select(c, x, y)``: x where c is non-zero, else y, as one fusable elementwise op.

The kernel of ``mx.nd.where`` and the branch picker of gradient rules that must not mix
branches arithmetically (0 * inf in the unused branch would make NaN). It sits below the op
families that use it (nn, reduce), so none of them imports another for it.
"""
from mxgrad._ndarray import ElemwiseOp, NDArrayBase
from mxgrad.gradients import elementwise

__all__ = []

select = elementwise(ElemwiseOp(
    "where", "(x0 != 0 ? x1 : x2)", 3,
    lambda saved, inputs, outputs, g: (
        None,
        g[0] * (inputs[0] != 0) if isinstance(inputs[1], NDArrayBase) else None,
        g[0] * (inputs[0] == 0) if isinstance(inputs[2], NDArrayBase) else None)))
