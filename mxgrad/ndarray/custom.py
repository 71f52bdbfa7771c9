"""``mx.nd.Custom``: run a custom operator registered with ``mx.operator.register``."""
from mxgrad.base import MXNetError
from mxgrad.operator import run_custom

__all__ = ["Custom"]


def Custom(*data, op_type=None, name=None, **kwargs):
    """Run the custom operator ``op_type`` on ``data``; the other keyword arguments go to
    its ``CustomOpProp`` as strings (see :mod:`mxgrad.operator`).

    >>> class Neg(mx.operator.CustomOp):
    ...     def forward(self, is_train, req, in_data, out_data, aux):
    ...         self.assign(out_data[0], req[0], -in_data[0])
    >>> @mx.operator.register("doc_neg")
    ... class NegProp(mx.operator.CustomOpProp):
    ...     def create_operator(self, ctx, in_shapes, in_dtypes):
    ...         return Neg()
    >>> mx.nd.Custom(mx.nd.array([1, -2]), op_type="doc_neg")
    <BLANKLINE>
    [-1.  2.]
    <NDArray 2 @cpu(0)>
    """
    if op_type is None:
        raise MXNetError("Custom: op_type is required (the name given to "
                         "@mx.operator.register)")
    return run_custom(data, op_type, kwargs)
