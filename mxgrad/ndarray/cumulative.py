"""cumsum: running sums along an axis, as MXNet 1.9.1's ``mx.nd.cumsum`` has them.

One work-item sums one row in order (kernels_cl/cumulative.cl), keeping the running sum in
the output's dtype as MXNet does: a ``dtype`` other than the input's converts each element
first (a recorded Cast), then sums. The gradient of a running sum is the running sum of the
head gradient taken from the other end (flip, cumsum, flip), itself differentiable.
"""
import math
import numbers

import numpy as np

from mxgrad import _ndarray
from mxgrad._tape import is_recording, record_op
from mxgrad.base import MXNetError, dtype_code
from mxgrad.gradients import gradient_rule
from mxgrad.ndarray._deliver import deliver
from mxgrad.ndarray._kernels import family_kernel
from mxgrad.ndarray._strided import _check_array
from mxgrad.ndarray.shape import cast, flip

__all__ = ["cumsum"]

_DTYPES = ("float16", "float32", "float64", "int32", "int64", "int8")


def _cumsum_axis(x, ax):
    """Running sums of x along axis ``ax`` (in range), in x's dtype; recorded."""
    outer, L, inner = (math.prod(x.shape[:ax]), x.shape[ax], math.prod(x.shape[ax + 1:]))
    out = _ndarray.empty_array(x.context, x.shape, x._dtype_code)
    rows = outer * inner
    if out.size:
        k = family_kernel(x.context, "cumulative", "cumsum", x._dtype_code)
        k.set_args(0, out._buffer, out._offset, x._buffer, x._offset, rows, L, inner)
        x.context.state.launch_1d(k, rows)
    if is_recording():
        record_op("_np_cumsum", (x,), (out,), _cumsum_rule, ax,
                  replay=lambda a: _cumsum_axis(a, ax), attrs={"axis": ax},
                  save_outputs=False)
    return out


@gradient_rule("_np_cumsum")
def _cumsum_rule(saved, inputs, outputs, out_grads):
    ax = saved
    return (flip(_cumsum_axis(flip(out_grads[0], ax), ax), ax),)


def cumsum(a=None, axis=None, dtype=None, out=None, name=None):
    """Running sums of ``a`` along ``axis`` (of the flattened array when None). ``dtype``
    (float16, float32, float64, int32, int64 or int8; the input's when None) is the type
    the elements are converted to and summed in, so integer sums wrap as MXNet's do.

    >>> x = mx.nd.array([[1, 2, 3], [4, 5, 6]])
    >>> mx.nd.cumsum(x)
    <BLANKLINE>
    [ 1.  3.  6. 10. 15. 21.]
    <NDArray 6 @cpu(0)>
    >>> mx.nd.cumsum(x, axis=1, dtype='int32')
    <BLANKLINE>
    [[ 1  3  6]
     [ 4  9 15]]
    <NDArray 2x3 @cpu(0)>
    """
    _check_array("cumsum", a, "a")
    if a.ndim == 0:
        raise MXNetError("cumsum: a must have at least one dimension, got a 0-d array")
    if axis is not None:
        if isinstance(axis, bool) or not isinstance(axis, numbers.Integral) \
                or not -a.ndim <= axis < a.ndim:
            raise MXNetError(f"cumsum: axis {axis!r} is out of range for an array of "
                             f"{a.ndim} dimensions")
    if dtype is not None:
        try:
            name_ = np.dtype(dtype).name
        except (TypeError, ValueError):
            name_ = None
        if name_ not in _DTYPES:
            raise MXNetError(f"cumsum: dtype must be None or one of {', '.join(_DTYPES)}, "
                             f"got {dtype!r}")
        if dtype_code(name_) != a._dtype_code:
            a = cast(a, name_)
    if axis is None and a.size == 0:      # reshape reads a 0 as "keep this dim"
        res = _ndarray.empty_array(a.context, (0,), a._dtype_code)
    elif axis is None:
        res = _cumsum_axis(a.reshape((a.size,)), 0)
    else:
        res = _cumsum_axis(a, int(axis) % a.ndim)
    return deliver("cumsum", res, out)
