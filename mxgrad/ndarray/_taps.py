"""Taps: the gather engine of the spatial samplers, and its deterministic adjoint.

A sampler reads, for each of M output items (an image, a region of interest), QK pixels of
every plane of one image of ``x`` viewed as (B, C, S): the tap table (M, QK) of pixel
numbers (-1: none) and ``batch`` (M,) of image numbers. ``weighted`` sums the taps of each
output (Q outputs of K taps per item) by weights, in one kernel; ``gather`` returns the
taps themselves, (M, C, QK), for an op that maxes them.

``gather``'s gradient is ``scatter`` (each pixel sums the gradients of the taps that read
it) and ``scatter``'s is ``gather``; ``weighted``'s is a ``scatter`` of the head gradient
spread by the weights (data) and a ``gather`` times the head gradient (weights, e.g. from a
sampling grid). All differentiate to any order. ``scatter`` uses no atomics: the taps'
keys (image * S + pixel) are sorted once per table (stably), and each pixel finds its taps
by binary search and sums them in tap order, so results are the same on every run
(kernels_cl/spatial.cl). Like the index ops (sort, take), a recorded node keeps its taps:
replaying it (``get_symbol(...).eval``) on new inputs reads the same pixels.
"""
import numpy as np

from mxgrad import _ndarray
from mxgrad._tape import is_recording, record_op, wants_grad
from mxgrad.base import MXNetError
from mxgrad.gradients import gradient_rule
from mxgrad.ndarray._kernels import family_kernel
from mxgrad.ndarray.reduce import sum as _sum

__all__ = []

_INT32 = 4
_KEY_LIMIT = (1 << 31) - 1      # keys are int32; INT_MAX marks a missing tap


class Taps:
    """A tap table (M, QK) int32 over (B, C, S) data and the image ``batch`` (M,) int32
    of each item; the sorted keys of the adjoint are made on first use and kept."""
    __slots__ = ("table", "batch", "B", "S", "M", "QK", "_sorted")

    def __init__(self, op, table, batch, B, S):
        if B * S >= _KEY_LIMIT:
            raise MXNetError(f"{op}: data of {B} images of {S} pixels is too large "
                             f"(at most {_KEY_LIMIT - 1} pixels in all)")
        self.table, self.batch = table, batch
        self.B, self.S = B, S
        self.M, self.QK = table.shape
        self._sorted = None

    @classmethod
    def from_numpy(cls, op, ctx, table, batch, B, S):
        """Taps made on the host (geometry known from shapes or rois)."""
        table = np.ascontiguousarray(table, dtype=np.int32).reshape(len(batch), -1)
        from mxgrad.ndarray.creation import array
        return cls(op, array(table, ctx=ctx, dtype="int32"),
                   array(np.asarray(batch, dtype=np.int32), ctx=ctx, dtype="int32"), B, S)

    def sorted_keys(self):
        if self._sorted is None:
            from mxgrad.ndarray.sorting import _sorted_rows
            ctx = self.table.context
            n = self.M * self.QK
            keys = _ndarray.empty_array(ctx, (n,), _INT32)
            if n:
                k = family_kernel(ctx, "spatial", "tap_keys", _INT32)
                k.set_args(0, keys._buffer, self.table._buffer, self.batch._buffer, n,
                           self.QK, self.S)
                ctx.state.launch_1d(k, n)
                _, vals, perm, _ = _sorted_rows("scatter", keys, 0, n, False)
            else:
                vals, perm = keys, keys
            self._sorted = (vals, perm)
        return self._sorted


def gather(x, taps, C, fill_lowest=False):
    """x (B, C, S elements in any shape) read at the taps: (M, C, QK); a missing tap reads
    0, or -inf with ``fill_lowest`` (for a max). Recorded."""
    out = _ndarray.empty_array(x.context, (taps.M, C, taps.QK), x._dtype_code)
    if out.size:
        k = family_kernel(x.context, "spatial", "tap_gather", x._dtype_code)
        k.set_args(0, out._buffer, x._buffer, x._offset, taps.table._buffer,
                   taps.batch._buffer, out.size, C, taps.QK, taps.S)
        k.set_arg_int(9, int(fill_lowest))
        x.context.state.launch_1d(k, out.size)
    if is_recording():
        record_op("_tap_gather", (x,), (out,), _gather_rule, (taps, x.shape),
                  replay=lambda a: gather(a, taps, C, fill_lowest), save_outputs=False)
    return out


@gradient_rule("_tap_gather")
def _gather_rule(saved, inputs, outputs, out_grads):
    taps, shape = saved
    return (scatter(out_grads[0], taps, shape),)


def scatter(g, taps, shape):
    """The adjoint of ``gather``: g (M, C, QK) summed into zeros of ``shape`` (the data's)
    at the taps. Recorded."""
    C = g.shape[1]
    dx = _ndarray.empty_array(g.context, tuple(shape), g._dtype_code)
    if dx.size:
        if g.size:
            vals, perm = taps.sorted_keys()
            k = family_kernel(g.context, "spatial", "tap_scatter", g._dtype_code)
            k.set_args(0, dx._buffer, g._buffer, g._offset, vals._buffer, perm._buffer,
                       vals.size, dx.size, C, taps.QK, taps.S)
            g.context.state.launch_1d(k, dx.size)
        else:
            dx._fill(0)
    if is_recording():
        record_op("_tap_scatter", (g,), (dx,), _scatter_rule, (taps, g.shape),
                  replay=lambda a: scatter(a, taps, shape), save_outputs=False)
    return dx


@gradient_rule("_tap_scatter")
def _scatter_rule(saved, inputs, outputs, out_grads):
    taps, g_shape = saved
    return (gather(out_grads[0], taps, g_shape[1]),)


def weighted(x, taps, C, w):
    """sum over k of w[m, q, k] * (x read at tap (m, q * K + k)): (M, C, Q), with ``w``
    (M or 1, Q, K) of x's dtype, in one pass. Recorded; differentiable in x and w."""
    M = taps.M
    Mw, Q, K = w.shape
    out = _ndarray.empty_array(x.context, (M, C, Q), x._dtype_code)
    if out.size:
        k = family_kernel(x.context, "spatial", "tap_weighted", x._dtype_code)
        k.set_args(0, out._buffer, x._buffer, x._offset, w._buffer, w._offset,
                   taps.table._buffer, taps.batch._buffer, out.size, C, Q, K, taps.S)
        k.set_arg_int(12, int(Mw != 1))
        x.context.state.launch_1d(k, out.size)
    if is_recording():
        record_op("_tap_weighted", (x, w), (out,), _weighted_rule, (taps, C),
                  replay=lambda a, b: weighted(a, taps, C, b), save_outputs=False)
    return out


@gradient_rule("_tap_weighted")
def _weighted_rule(saved, inputs, outputs, out_grads):
    """dx: the head gradient spread over each output's taps by their weights, scattered;
    dw: the head gradient times the gathered taps, summed over channels (and items when
    one set of weights serves them all). Both in recorded ops."""
    taps, C = saved
    x, w = inputs
    g = out_grads[0]
    M, Q = taps.M, g.shape[2]
    K = w.shape[2]
    g4 = g.reshape((M, C, Q, 1))
    dx = dw = None
    if wants_grad(x):
        spread = g4 * w.reshape((w.shape[0], 1, Q, K))
        dx = scatter(spread.reshape((M, C, Q * K)), taps, x.shape)
    if wants_grad(w):
        values = gather(x, taps, C).reshape((M, C, Q, K))
        dw = _sum(g4 * values, axis=1)
        if w.shape[0] != M:
            dw = _sum(dw, axis=0, keepdims=True)
    return dx, dw


def corner_taps(op, xr, yr, B, H, W):
    """Taps of bilinear sampling at pixel coordinates (xr, yr), both (M, Q) NDArrays of
    the data's dtype: (M, Q * 4) corners (see corner_taps in spatial.cl), item m reading
    image m."""
    M = xr.shape[0]
    n = xr.size
    ctx = xr.context
    table = _ndarray.empty_array(ctx, (M, n // M * 4 if M else 0), _INT32)
    if n:
        k = family_kernel(ctx, "spatial", "corner_taps", xr._dtype_code)
        k.set_args(0, table._buffer, xr._buffer, xr._offset, yr._buffer, yr._offset, n, H, W)
        ctx.state.launch_1d(k, n)
    from mxgrad.ndarray.creation import array
    batch = array(np.arange(M, dtype=np.int32), ctx=ctx, dtype="int32")
    return Taps(op, table, batch, B, H * W)
