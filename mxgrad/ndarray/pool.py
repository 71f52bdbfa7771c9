"""Pooling (max, avg, sum, lp; 1-D, 2-D, 3-D) with MXNet 1.9.1's shape rules.

Forward: kernels_cl/pool.cl, one work-item per output. Gradients are recorded ops so they
differentiate again:
- avg/sum: ``_unpool``, the adjoint linear map (each input gathers the output gradients of
  the windows holding it, divided as the forward divided); its own gradient is the pooling.
- max: ``_max_pool_grad(g, x)`` routes g to the first maximum of each window (MXNet's tie
  rule); it is linear in g, its gradient w.r.t. g is ``_max_gather`` (read back at the
  argmax), and zero w.r.t. x. ``_max_gather``'s gradient is ``_max_pool_grad`` again.
  While recording, the forward pass keeps each window's argmax (int32) for the backward.
- lp: (sum_window x^p)^(1/p) from sum pooling and elementwise ops, one recorded node whose
  rule is written in those ops (zero gradient for a zero window, as MXNet).
"""
import numpy as np

from mxgrad import _ndarray
from mxgrad._ndarray import NDArrayBase
from mxgrad._tape import is_recording, record_op, set_recording, wants_grad
from mxgrad.base import MXNetError
from mxgrad.gradients import gradient_rule
from mxgrad.ndarray._elemwise_table import OPS
from mxgrad.ndarray._deliver import check_out, deliver
from mxgrad.ndarray._kernels import family_kernel
from mxgrad.ndarray.conv import _as_tuple, grid_local_size

__all__ = ["Pooling"]

_POOL_TYPES = {"max": 0, "avg": 1, "sum": 2, "lp": 3}
_CONVENTIONS = ("valid", "full", "same")
_LAYOUTS = {1: "NCW", 2: "NCHW", 3: "NCDHW"}
_INT32 = 4                                   # dtype code of the argmax index arrays
# The lowest finite value of each float dtype code: max pooling's value for a window that
# holds only padding (MXNet outputs it rather than -inf).
_LOWEST = {0: "(-0x1.fffffep127f)", 1: "(-0x1.fffffffffffffp1023)", 2: "(-65504.0f)"}


class _PoolGeometry:
    """Image (D, H, W), output (OD, OH, OW), kernel, stride, pad (all padded to 3-D) and
    count_include_pad; ``rank`` spatial axes are real."""
    __slots__ = ("rank", "image", "out", "kernel", "stride", "pad", "include_pad")

    def __init__(self, rank, image, out, kernel, stride, pad, include_pad):
        def pad3(t, fill):
            return (fill,) * (3 - rank) + tuple(t)
        self.rank = rank
        self.image, self.out = pad3(image, 1), pad3(out, 1)
        self.kernel, self.stride, self.pad = pad3(kernel, 1), pad3(stride, 1), pad3(pad, 0)
        self.include_pad = bool(include_pad)

    def spatial_out(self):
        return self.out[3 - self.rank:]

    def spatial_image(self):
        return self.image[3 - self.rank:]


def _geometry(data, kernel, global_pool, pooling_convention, stride, pad, count_include_pad):
    if pooling_convention not in _CONVENTIONS:
        raise MXNetError(f"Pooling: invalid pooling_convention {pooling_convention!r}, valid "
                         f"values are 'full', 'same', 'valid'")
    if data.ndim < 3 or data.ndim > 5:
        raise MXNetError(f"Pooling: data must be 3-D (N, C, W), 4-D (N, C, H, W) or 5-D "
                         f"(N, C, D, H, W), got shape {data.shape}")
    rank = data.ndim - 2
    spatial = data.shape[2:]
    if pooling_convention == "same":
        return _same_geometry(data, kernel, global_pool, stride, pad)
    if global_pool:
        return _PoolGeometry(rank, spatial, (1,) * rank, spatial, (1,) * rank, (0,) * rank,
                             count_include_pad)
    kernel = _as_tuple("Pooling", "kernel", kernel)
    if not kernel:
        raise MXNetError("Pooling: kernel is required unless global_pool=True")
    if len(kernel) != rank:
        raise MXNetError(f"Pooling: a {len(kernel)}-D kernel {kernel} needs "
                         f"{len(kernel) + 2}-D data, got shape {data.shape}")
    if any(k <= 0 for k in kernel):
        raise MXNetError(f"Pooling: kernel sizes must be positive, got kernel={kernel}")
    stride = _as_tuple("Pooling", "stride", stride) or (1,) * rank
    pad = _as_tuple("Pooling", "pad", pad) or (0,) * rank
    for name, t in (("stride", stride), ("pad", pad)):
        if len(t) != rank:
            raise MXNetError(f"Pooling: {name} {t} must have as many dimensions as kernel "
                             f"{kernel}")
    if any(s <= 0 for s in stride):
        raise MXNetError(f"Pooling: strides must be positive, got stride={stride}")
    out = []
    for i in range(rank):
        room = spatial[i] + 2 * pad[i] - kernel[i]
        if room < 0:
            raise MXNetError(f"Pooling: kernel size ({kernel[i]}) exceeds input "
                             f"({spatial[i]} padded to {spatial[i] + 2 * pad[i]}) on spatial "
                             f"axis {i}")
        steps = room // stride[i] if pooling_convention == "valid" else -(-room // stride[i])
        out.append(steps + 1)
    return _PoolGeometry(rank, spatial, tuple(out), kernel, stride, pad, count_include_pad)


def _same_geometry(data, kernel, global_pool, stride, pad):
    """MXNet 1.9.1's 'same' convention, 1-D only: ceil(W / stride) windows, window o
    starting at o * stride and cut at the end of the data (no padding; avg divides by the
    elements inside). Any pad must be zeros (MXNet only takes them as a 3-tuple)."""
    if data.ndim != 3:
        raise MXNetError(f"Pooling: pooling_convention='same' needs 1-D data (N, C, W), got "
                         f"shape {data.shape}")
    pad = _as_tuple("Pooling", "pad", pad)
    if any(pad):
        raise MXNetError(f"Pooling: pooling_convention='same' takes no padding, got pad={pad}")
    W = data.shape[2]
    if global_pool:
        return _PoolGeometry(1, (W,), (1,), (W,), (1,), (0,), False)
    kernel = _as_tuple("Pooling", "kernel", kernel)
    if len(kernel) != 1:
        raise MXNetError(f"Pooling: a {len(kernel)}-D kernel {kernel} needs "
                         f"{len(kernel) + 2}-D data, got shape {data.shape}")
    stride = _as_tuple("Pooling", "stride", stride) or (1,)
    if kernel[0] <= 0 or stride[0] <= 0:
        raise MXNetError(f"Pooling: kernel and stride must be positive, got kernel={kernel}, "
                         f"stride={stride}")
    if kernel[0] > W:
        raise MXNetError(f"Pooling: kernel size ({kernel[0]}) exceeds input ({W})")
    return _PoolGeometry(1, (W,), (-(-W // stride[0]),), kernel, stride[:1], (0,), False)


def _set_geometry(k, first, g, pool_type):
    args = g.image + g.out + g.kernel + g.stride + g.pad
    for i, v in enumerate(args):
        k.set_arg_long(first + i, v)
    k.set_arg_int(first + len(args), int(g.include_pad))
    k.set_arg_int(first + len(args) + 1, pool_type)


_GRADIENT_KERNELS = ("sum_unpool", "max_unpool")
# built per window shape (see WK_W in pool.cl): their loops walk the window
_WINDOW_KERNELS = ("pool_forward", "max_forward_argmax", "pool_argmax", "max_gather",
                   "max_unpool_tiled", "max_forward_tiled")


def _kernel(ctx, name, code, g):
    """A pool.cl kernel. The gradient kernels get their strides and loop counts compiled in
    (one small build per stride and number of windows covering an input), which lets PoCL
    vectorize them (see SUM_OVER_COVERING in pool.cl); the kernels walking a window get the
    window's size, stride and padding (one build per window shape); avg_divide serves every
    geometry from one build per dtype."""
    opts = f"-D LOWEST={_LOWEST[code]}"
    if name in _GRADIENT_KERNELS:
        cover = [min(-(-k // s), o) for k, s, o in zip(g.kernel, g.stride, g.out)]
        opts += (" -D SD_C={} -D SH_C={} -D SW_C={} -D CD_C={} -D CH_C={} -D CW_C={}"
                 .format(*g.stride, *cover))
    elif name in _WINDOW_KERNELS:
        inside = not any(g.pad) and all((o - 1) * s + k <= n for o, s, k, n
                                        in zip(g.out, g.stride, g.kernel, g.image))
        opts += (" -D WK_D={} -D WK_H={} -D WK_W={} -D WS_D={} -D WS_H={} -D WS_W={}"
                 " -D WP_D={} -D WP_H={} -D WP_W={}".format(*g.kernel, *g.stride, *g.pad)
                 + f" -D WINSIDE={int(inside)}")
    return family_kernel(ctx, "pool", name, code, opts)


def _launch(name, pool_type, out, operands, g, over_input, code=None):
    """Run a pool.cl kernel writing ``out`` from ``operands``: one work-item per output
    element (grid (OW, OD*OH, planes)), or per input element if ``over_input``. ``code``:
    the dtype the kernel is built for when ``out`` has another one (argmax indices)."""
    if not out.size:
        return out
    k = _kernel(out.context, name, out._dtype_code if code is None else code, g)
    k.set_arg_mem(0, out._buffer)
    k.set_arg_long(1, out._offset)
    i = 2
    for a in operands:
        k.set_arg_mem(i, a._buffer)
        k.set_arg_long(i + 1, a._offset)
        i += 2
    _set_geometry(k, i, g, pool_type)
    sizes = g.image if over_input else g.out
    if name == "max_forward_tiled":          # its grid: (OW, OH, planes * OD)
        grid = (sizes[2], sizes[1], out.shape[0] * out.shape[1] * sizes[0])
    else:
        grid = (sizes[2], sizes[0] * sizes[1], out.shape[0] * out.shape[1])
    out.context.state.launch_grid(k, grid, grid_local_size(grid))
    return out


def _out_like(x, g):
    return _ndarray.empty_array(x.context, x.shape[:2] + g.spatial_out(), x._dtype_code)


def _in_like(y, g):
    return _ndarray.empty_array(y.context, y.shape[:2] + g.spatial_image(), y._dtype_code)


# --- recorded ops ----------------------------------------------------------------------------
def _pool(x, g, pool_type, attrs):
    """Recorded max/avg/sum pooling of x. While recording, max pooling also keeps the
    argmax of every window for its gradient (saves recomputing it at backward)."""
    recording = is_recording()
    if pool_type == 0 and _tiles(g):
        # the tiling kernel is the fastest max pooling, with or without the argmax kept
        argmax = _argmax_like(x, g)
        y = _launch("max_forward_tiled", 0, _out_like(x, g), (argmax, x), g, False)
        argmax = argmax if recording else None
    elif pool_type == 0 and recording:
        argmax = _argmax_like(x, g)
        y = _launch("max_forward_argmax", 0, _out_like(x, g), (argmax, x), g, False)
    else:
        argmax = None
        y = _launch("pool_forward", pool_type, _out_like(x, g), (x,), g, False)
    if recording:
        record_op("Pooling", (x,), (y,), _pool_rule, (g, pool_type, argmax),
                  replay=lambda a: _pool(a, g, pool_type, attrs), attrs=attrs,
                  save_outputs=False)
    return y


@gradient_rule("Pooling")
def _pool_rule(saved, inputs, outputs, out_grads):
    g, pool_type, argmax = saved
    if pool_type == 0:
        return (_max_pool_grad(out_grads[0], inputs[0], g, argmax),)
    return (_unpool(out_grads[0], g, pool_type),)


def _argmax_like(x, g):
    return _ndarray.empty_array(x.context, x.shape[:2] + g.spatial_out(), _INT32)


def _unpool(grad, g, pool_type):
    """Recorded adjoint of avg (1) or sum (2) pooling: output gradients -> input shape."""
    spread = grad
    if pool_type == 1:
        spread = _launch("avg_divide", 1, _out_like(grad, g), (grad,), g, False)
    dx = _launch("sum_unpool", 2, _in_like(grad, g), (spread,), g, True)
    if is_recording():
        record_op("_unpool", (grad,), (dx,), _unpool_rule, (g, pool_type),
                  replay=lambda a: _unpool(a, g, pool_type), save_outputs=False)
    return dx


@gradient_rule("_unpool")
def _unpool_rule(saved, inputs, outputs, out_grads):
    g, pool_type = saved
    return (_pool(out_grads[0], g, pool_type, None),)


def _max_pool_grad(grad, x, g, argmax=None):
    """Recorded max-pool gradient: grad routed to the first maximum of each window of x
    (``argmax``: those maxima when the forward pass kept them)."""
    if argmax is None:
        argmax = _argmax_like(x, g)
        _launch("pool_argmax", 0, argmax, (x,), g, False, code=x._dtype_code)
    if _tiles(g):
        dx = _launch("max_unpool_tiled", 0, _in_like(grad, g), (grad, argmax), g, False)
    else:
        dx = _launch("max_unpool", 0, _in_like(grad, g), (grad, argmax), g, True)
    if is_recording():
        record_op("_max_pool_grad", (grad, x), (dx,), _max_pool_grad_rule, g,
                  replay=lambda a, b: _max_pool_grad(a, b, g), save_outputs=False)
    return dx


def _tiles(g):
    """Whether the windows tile the image exactly: every input in exactly one window."""
    return (not any(g.pad) and g.kernel == g.stride
            and all(o * s == n for o, s, n in zip(g.out, g.stride, g.image)))


@gradient_rule("_max_pool_grad")
def _max_pool_grad_rule(g, inputs, outputs, out_grads):
    grad, x = inputs
    return (_max_gather(out_grads[0], x, g) if wants_grad(grad) else None), None


def _max_gather(h, x, g):
    """Recorded read of h at the first maximum of each window of x (pooled shape)."""
    out = _launch("max_gather", 0, _out_like(h, g), (h, x), g, False)
    if is_recording():
        record_op("_max_gather", (h, x), (out,), _max_gather_rule, g,
                  replay=lambda a, b: _max_gather(a, b, g), save_outputs=False)
    return out


@gradient_rule("_max_gather")
def _max_gather_rule(g, inputs, outputs, out_grads):
    h, x = inputs
    return (_max_pool_grad(out_grads[0], x, g) if wants_grad(h) else None), None


def _lp_value(data, g, p):
    """(sum over the window of x^p)^(1/p), unrecorded pieces of lp pooling's forward."""
    if p == 2:
        return OPS["sqrt"](_pool(OPS["square"](data), g, 2, None))
    if p == 3:
        return OPS["cbrt"](_pool(data * data * data, g, 2, None))
    return _pool(data ** p, g, 2, None) ** (1.0 / p)


def _lp_pool(data, g, p_value, attrs):
    """Recorded lp pooling as MXNet computes it: no abs (p=1 is sum pooling, p=3 a signed
    cube root), and a zero gradient for a window whose value is 0 (not 0 * inf)."""
    if p_value is None:
        raise MXNetError("Pooling: pool_type='lp' needs p_value")
    p = float(p_value)
    if p <= 0:
        raise MXNetError(f"Pooling: p_value must be positive, got {p_value}")
    if p == 1:
        return _pool(data, g, 2, attrs)
    prev = set_recording(False)
    try:
        y = _lp_value(data, g, p)
    finally:
        set_recording(prev)
    if is_recording():
        record_op("Pooling", (data,), (y,), _lp_rule, (g, p),
                  replay=lambda a: _lp_pool(a, g, p, attrs), attrs=attrs)
    return y


@gradient_rule("Pooling(lp)")
def _lp_rule(saved, inputs, outputs, out_grads):
    """dx = unpool_sum(g / y^(p-1)) * x^(p-1), with 0 where y = 0: the division uses a
    denominator moved off 0 there, so no inf or NaN enters (nor its derivatives)."""
    g, p = saved
    x, y = inputs[0], outputs[0]
    nonzero = y != 0
    y_safe = y + (1 - nonzero)
    if p == 2:
        scale, x_power = out_grads[0] * nonzero / y_safe, x
    elif p == 3:
        scale, x_power = out_grads[0] * nonzero / (y_safe * y_safe), x * x
    else:
        scale, x_power = out_grads[0] * nonzero / y_safe ** (p - 1), x ** (p - 1)
    return (_unpool(scale, g, 2) * x_power,)


def Pooling(data=None, kernel=(), pool_type="max", global_pool=False, cudnn_off=False,
            pooling_convention="valid", stride=(), pad=(), p_value=None,
            count_include_pad=None, layout=None, out=None, name=None):
    """Max, average, sum or Lp pooling over the spatial axes of ``(N, C, *spatial)`` data.

    Output size per axis: (size + 2*pad - kernel) // stride + 1 ('valid'), rounded up
    instead of down for 'full'; 'same' (1-D data, no pad) gives ceil(size / stride) windows
    cut at the end of the data; global_pool reduces each whole plane (kernel, stride and pad
    ignored). Padding never wins a max; avg divides by the window size (clipped to the padded
    image) when count_include_pad (the default), else by the real elements counted.

    >>> x = mx.nd.arange(16).reshape((1, 1, 4, 4))
    >>> mx.nd.Pooling(x, kernel=(2, 2), stride=(2, 2), pool_type='max')
    <BLANKLINE>
    [[[[ 5.  7.]
       [13. 15.]]]]
    <NDArray 1x1x2x2 @cpu(0)>
    >>> mx.nd.Pooling(x, kernel=(2, 2), stride=(2, 2), pool_type='avg')
    <BLANKLINE>
    [[[[ 2.5  4.5]
       [10.5 12.5]]]]
    <NDArray 1x1x2x2 @cpu(0)>
    >>> mx.nd.Pooling(x, pool_type='avg', global_pool=True)
    <BLANKLINE>
    [[[[7.5]]]]
    <NDArray 1x1x1x1 @cpu(0)>
    >>> mx.nd.Pooling(x, kernel=(3, 3), stride=(2, 2)).shape
    (1, 1, 1, 1)
    >>> mx.nd.Pooling(x, kernel=(3, 3), stride=(2, 2), pooling_convention='full').shape
    (1, 1, 2, 2)
    """
    if not isinstance(data, NDArrayBase):
        raise MXNetError(f"Pooling: data must be an NDArray, got {type(data).__name__}")
    if pool_type not in _POOL_TYPES:
        raise MXNetError(f"Pooling: invalid pool_type {pool_type!r}, valid values are 'avg', "
                         f"'lp', 'max', 'sum'")
    if data._dtype_code not in (0, 1, 2):
        raise MXNetError(f"Pooling: only floating point types are supported, got "
                         f"{np.dtype(data.dtype).name}")
    include_pad = True if count_include_pad is None else bool(count_include_pad)
    g = _geometry(data, kernel, global_pool, pooling_convention, stride, pad, include_pad)
    if layout is not None and layout != _LAYOUTS[g.rank]:
        raise MXNetError(f"Pooling: layout {layout!r} is not supported for {g.rank}-D data; "
                         f"use {_LAYOUTS[g.rank]!r} (or None)")
    attrs = {"kernel": g.kernel[3 - g.rank:], "pool_type": pool_type,
             "global_pool": bool(global_pool), "pooling_convention": pooling_convention,
             "stride": g.stride[3 - g.rank:], "pad": g.pad[3 - g.rank:]}
    if count_include_pad is not None:
        attrs["count_include_pad"] = include_pad
    if out is not None:           # refused before anything is enqueued
        check_out("Pooling", out, shape=data.shape[:2] + g.spatial_out(),
                  code=data._dtype_code, ctx=data.context)
    if pool_type == "lp":
        attrs["p_value"] = p_value
        result = _lp_pool(data, g, p_value, attrs)
    else:
        result = _pool(data, g, _POOL_TYPES[pool_type], attrs)
    return deliver("Pooling", result, out)
