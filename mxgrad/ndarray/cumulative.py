"""cumsum: running sums along an axis, as MXNet 1.9.1's ``mx.nd.cumsum`` has them.

One work-item sums one row in order (kernels_cl/cumulative.cl); when there are few long
rows, each is cut into chunks summed in parallel, and the running sums of the chunks'
totals (the same op, one level down) are added to them. The running sum is rounded to the
output's dtype at every step, as MXNet keeps it: integers wrap as in MXNet (exactly, in
any order), float sums of chunked rows are rounded in another order than MXNet's single
loop. A ``dtype`` other than the input's converts each element first (a recorded Cast).
The gradient of a running sum is the running sum of the head gradient taken from the other
end (flip, cumsum, flip), itself differentiable.
"""
import math
import numbers

import numpy as np

from mxgrad import _ndarray
from mxgrad._tape import is_recording, record_op
from mxgrad.base import DTYPES, MXNetError, dtype_code
from mxgrad.gradients import gradient_rule
from mxgrad.ndarray._deliver import check_out, deliver
from mxgrad.ndarray._kernels import family_kernel
from mxgrad.ndarray._strided import _check_array
from mxgrad.ndarray.shape import cast, flip

__all__ = ["cumsum"]

_DTYPES = ("float16", "float32", "float64", "int32", "int64", "int8")
_CHUNK = 256          # elements one work-item sums when long rows are cut into chunks
_MANY_ROWS = 4096     # rows enough to keep a device busy one work-item per row


def _cumsum_axis(x, ax):
    """Running sums of x along axis ``ax`` (in range), in x's dtype; recorded."""
    out = _ndarray.empty_array(x.context, x.shape, x._dtype_code)
    if out.size:
        _scan(out, x, math.prod(x.shape[:ax]), x.shape[ax], math.prod(x.shape[ax + 1:]))
    if is_recording():
        record_op("_np_cumsum", (x,), (out,), _cumsum_rule, ax,
                  replay=lambda a: _cumsum_axis(a, ax), attrs={"axis": ax},
                  save_outputs=False)
    return out


def _scan(out, x, outer, L, inner):
    """Enqueue out = running sums of x viewed as (outer, L, inner), along L."""
    ctx, code, state = x.context, x._dtype_code, x.context.state
    rows = outer * inner
    if rows >= _MANY_ROWS or L <= 2 * _CHUNK:
        k = family_kernel(ctx, "cumulative", "cumsum", code)
        k.set_args(0, out._buffer, out._offset, x._buffer, x._offset, rows, L, inner)
        state.launch_1d(k, rows)
        return
    # few long rows: sum chunks in parallel, then add the running sums of their totals
    C = -(-L // _CHUNK)
    totals = _ndarray.empty_array(ctx, (outer * C * inner,), code)
    k = family_kernel(ctx, "cumulative", "cumsum_chunks", code)
    k.set_args(0, out._buffer, out._offset, x._buffer, x._offset, totals._buffer,
               totals.size, L, inner, _CHUNK, C)
    state.launch_1d(k, totals.size)
    sums = _ndarray.empty_array(ctx, (outer * C * inner,), code)
    _scan(sums, totals, outer, C, inner)
    k = family_kernel(ctx, "cumulative", "cumsum_add", code)
    k.set_args(0, out._buffer, out._offset, sums._buffer, out.size, L, inner, _CHUNK, C)
    state.launch_1d(k, out.size)


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
        code = dtype_code(name_)
    else:
        code = a._dtype_code
    if out is not None:
        shape = (a.size,) if axis is None else a.shape
        check_out("cumsum", out, (a,), shape, code, a.context)
    if code != a._dtype_code:
        a = cast(a, DTYPES[code].name)
    if axis is None and a.size == 0:      # reshape reads a 0 as "keep this dim"
        res = _ndarray.empty_array(a.context, (0,), a._dtype_code)
    elif axis is None:
        res = _cumsum_axis(a.reshape((a.size,)), 0)
    else:
        res = _cumsum_axis(a, int(axis) % a.ndim)
    return deliver("cumsum", res, out)
