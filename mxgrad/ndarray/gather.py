"""Gathering along an axis (the engine of take and Embedding) and its adjoint.

``take_along(a, indices, axis, mode)`` reads slices of ``a`` at integer-valued indices
(kernels_cl/gather.cl: one work-item per output element). Its gradient is the scatter-add
of the output gradient into zeros shaped like ``a`` (atomic adds: indices may repeat), and
the gradient of that scatter-add is the gather again, so both differentiate to any order.
The cost is that of the data moved, not of a one-hot product over the whole axis.
"""
import math

from mxgrad import _ndarray
from mxgrad._codegen import TYPES
from mxgrad._tape import is_recording, record_op
from mxgrad.base import MXNetError, DTYPES
from mxgrad.gradients import gradient_rule
from mxgrad.ndarray._kernels import family_kernel

_FLOAT16, _FLOAT32, _INT32 = 2, 0, 4
# accumulator dtype code of the scatter-add, by dtype code: float16 sums in float32,
# the small integers in int32
_ACC_CODE = {0: 0, 1: 1, 2: 0, 3: 4, 4: 4, 5: 4, 6: 6}
_ACC_KIND = {0: 0, 1: 1, 4: 2, 6: 3}     # ACC_KIND of kernels_cl/gather.cl by accumulator


def _index_array(indices):
    """The indices flattened, in a dtype the kernels read directly (not float16)."""
    flat = indices.reshape((-1,))
    return flat.astype("float32") if flat._dtype_code == _FLOAT16 else flat


def _split(shape, ax):
    return math.prod(shape[:ax]), shape[ax], math.prod(shape[ax + 1:])


def _gather(a, idx, ax, wrap):
    """a gathered at the flat indices ``idx`` along ``ax``: shape (outer, N, inner)."""
    outer, L, inner = _split(a.shape, ax)
    N = idx.size
    out = _ndarray.empty_array(a.context, (outer, N, inner), a._dtype_code)
    if out.size:
        k = family_kernel(a.context, "gather", "take", a._dtype_code,
                          f"-D IDX_T={TYPES[idx._dtype_code][0]}")
        k.set_args(0, out._buffer, out._offset, a._buffer, a._offset, idx._buffer, idx._offset,
                   out.size, L, N, inner)
        k.set_arg_int(10, int(wrap))
        a.context.state.launch_1d(k, out.size)
    return out


def _scatter_add(g, idx, ax, wrap, shape):
    """The adjoint of _gather: zeros of ``shape`` (a's) with each slice of g (outer, N,
    inner) added at its index."""
    outer, L, inner = _split(shape, ax)
    code = g._dtype_code
    acc_code = _ACC_CODE[code]
    ctx = g.context
    if acc_code == 1 and "cl_khr_int64_base_atomics" not in ctx.device_info.device.extensions:
        raise MXNetError(f"take: the float64 gradient needs 64-bit atomics, which {ctx} "
                         f"({ctx.device_info.name}) lacks")
    acc = _ndarray.empty_array(ctx, (outer, L, inner), acc_code)
    acc._fill(0)
    if g.size:
        src = g if acc_code == code else g.astype(DTYPES[acc_code])
        k = family_kernel(ctx, "gather", "take_add", acc_code,
                          f"-D IDX_T={TYPES[idx._dtype_code][0]} "
                          f"-D ACC_KIND={_ACC_KIND[acc_code]}")
        k.set_args(0, acc._buffer, acc._offset, src._buffer, src._offset, idx._buffer,
                   idx._offset, src.size, L, idx.size, inner)
        k.set_arg_int(10, int(wrap))
        ctx.state.launch_1d(k, src.size)
    return (acc if acc_code == code else acc.astype(DTYPES[code])).reshape(shape)


@gradient_rule("take")
def _take_rule(saved, inputs, outputs, out_grads):
    ax, wrap, idx, lead, trail = saved
    a = inputs[0]
    g = out_grads[0].reshape(lead + (idx.size,) + trail)
    return (_scatter_add_recorded(g, idx, ax, wrap, a.shape),)


@gradient_rule("_scatter_add")
def _scatter_rule(saved, inputs, outputs, out_grads):
    ax, wrap, idx, g_shape = saved
    return (take_flat(out_grads[0], idx, ax, wrap).reshape(g_shape),)


def _scatter_add_recorded(g, idx, ax, wrap, shape):
    res = _scatter_add(g, idx, ax, wrap, shape)
    if is_recording():
        record_op("_scatter_add", (g,), (res,), _scatter_rule, (ax, wrap, idx, g.shape),
                  save_outputs=False)
    return res


def take_flat(a, idx, ax, wrap):
    """a gathered at the flat index array ``idx`` along ``ax``, the gathered slices in place
    of the axis: shape a.shape[:ax] + (N,) + a.shape[ax + 1:]; recorded."""
    lead, trail = a.shape[:ax], a.shape[ax + 1:]
    out = _gather(a, idx, ax, wrap).reshape(lead + (idx.size,) + trail)
    if is_recording():
        record_op("take", (a,), (out,), _take_rule, (ax, wrap, idx, lead, trail),
                  replay=lambda x: take_flat(x, idx, ax, wrap),
                  attrs={"axis": ax, "mode": "wrap" if wrap else "clip"}, save_outputs=False)
    return out


def take_along(op, a, indices, ax, mode):
    """MXNet's take: ``a`` gathered at ``indices`` along axis ``ax`` (already checked), shape
    a.shape[:ax] + indices.shape + a.shape[ax + 1:]."""
    if mode not in ("clip", "wrap"):
        raise MXNetError(f"{op}: mode must be 'clip' or 'wrap', got {mode!r}")
    if a.shape[ax] == 0:
        raise MXNetError(f"{op}: cannot take from an axis of length 0 (shape {a.shape})")
    if indices.context != a.context:
        raise MXNetError(f"{op}: indices are on {indices.context}, data on {a.context}")
    idx = _index_array(indices)
    out = take_flat(a, idx, ax, mode == "wrap")
    return out.reshape(a.shape[:ax] + indices.shape + a.shape[ax + 1:])
