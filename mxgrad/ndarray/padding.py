"""pad (Pad): MXNet 1.9.1's padding of the spatial axes of 4-D and 5-D arrays.

'constant' fills a fresh array with the value and copies the input into its interior (one
strided copy); its gradient is the interior of the head gradient. 'edge' and 'reflect' pad
one axis at a time (kernels_cl/padding.cl: each output element reads its clamped or
mirrored source). Their gradient gathers, for each input element, the head gradient of the
positions that read it (no atomics, a fixed order of additions), and that gather's own
gradient is the padding again, so all three modes differentiate to any order.
"""
import math
import numbers

import numpy as np

from mxgrad._tape import is_recording, record_op
from mxgrad.base import MXNetError
from mxgrad.gradients import gradient_rule
from mxgrad.ndarray._deliver import check_out, deliver
from mxgrad.ndarray._kernels import family_kernel
from mxgrad.ndarray._strided import (_check_array, _empty, contiguous_strides,
                                     gather_strided, strided_copy)

__all__ = ["pad", "Pad"]

_MODES = ("constant", "edge", "reflect")
_FLOAT_CODES = (0, 1, 2)


def _check(data, mode, pad_width):
    _check_array("Pad", data)
    if mode is None:
        raise MXNetError("Pad: mode must be given ('constant', 'edge' or 'reflect')")
    if mode not in _MODES:
        raise MXNetError(f"Pad: mode must be one of 'constant', 'edge', 'reflect', got "
                         f"{mode!r}")
    if pad_width is None:
        raise MXNetError("Pad: pad_width must be given")
    try:
        width = tuple(int(w) for w in pad_width)
    except TypeError:
        raise MXNetError(f"Pad: pad_width must be a tuple of ints, got {pad_width!r}") from None
    if data.ndim not in (4, 5):
        raise MXNetError(f"Pad: only 4-D and 5-D inputs can be padded, got shape {data.shape}")
    if len(width) != 2 * data.ndim:
        raise MXNetError(f"Pad: pad_width needs two entries (before, after) per axis: "
                         f"{2 * data.ndim} for shape {data.shape}, got {len(width)}")
    if any(width[:4]):
        raise MXNetError(f"Pad: the first two axes cannot be padded, pad_width {width} "
                         f"starts with {width[:4]}")
    if any(w < 0 for w in width):
        raise MXNetError(f"Pad: pad_width must not be negative, got {width}")
    if data._dtype_code not in _FLOAT_CODES:
        raise MXNetError(f"Pad: only floating point types can be padded, not "
                         f"{np.dtype(data.dtype).name}")
    pairs = [(width[2 * a], width[2 * a + 1]) for a in range(data.ndim)]
    for a, (before, after) in enumerate(pairs):
        n = data.shape[a]
        if mode == "reflect" and (before >= n or after >= n) and (before or after):
            raise MXNetError(f"Pad: reflect padding must be smaller than the axis it pads: "
                             f"axis {a} has size {n}, pad_width ({before}, {after})")
        if mode == "edge" and n == 0 and (before or after):
            raise MXNetError(f"Pad: cannot edge-pad axis {a} of size 0")
    return pairs


def _axis_kernel(name, src, out, ax, L, P, before, reflect):
    inner = math.prod(src.shape[ax + 1:])
    if out.size:
        k = family_kernel(src.context, "padding", name, src._dtype_code)
        k.set_args(0, out._buffer, out._offset, src._buffer, src._offset, out.size, L, P,
                   inner, before)
        k.set_arg_int(9, reflect)
        src.context.state.launch_1d(k, out.size)
    return out


def _pad_axis(x, ax, before, after, reflect):
    """x padded along axis ``ax`` by its edge or mirror image; recorded."""
    L = x.shape[ax]
    P = before + L + after
    out = _axis_kernel("pad_axis", x, _empty(x, x.shape[:ax] + (P,) + x.shape[ax + 1:]),
                       ax, L, P, before, reflect)
    if is_recording():
        saved = ("axis", (ax, before, after, reflect))
        record_op("Pad", (x,), (out,), _pad_rule, saved,
                  replay=lambda a: _pad_axis(a, ax, before, after, reflect),
                  attrs={"mode": "reflect" if reflect else "edge"}, save_outputs=False)
    return out


def _pad_axis_grad(g, ax, before, after, reflect):
    """The adjoint of _pad_axis: each input position gathers the gradient of the padded
    positions that read it; recorded (its gradient is _pad_axis again)."""
    P = g.shape[ax]
    L = P - before - after
    gx = _axis_kernel("pad_axis_grad", g, _empty(g, g.shape[:ax] + (L,) + g.shape[ax + 1:]),
                      ax, L, P, before, reflect)
    saved = (ax, before, after, reflect)
    if is_recording():
        record_op("_backward_Pad", (g,), (gx,), _pad_axis_grad_rule, saved,
                  replay=lambda a: _pad_axis_grad(a, *saved), save_outputs=False)
    return gx


@gradient_rule("_backward_Pad")
def _pad_axis_grad_rule(saved, inputs, outputs, out_grads):
    return (_pad_axis(out_grads[0], *saved),)


def _constant_pad(x, pairs, value):
    shape = tuple(n + b + a for n, (b, a) in zip(x.shape, pairs))
    res = _empty(x, shape)
    if res.size:
        res._fill(value)
    st = contiguous_strides(shape)
    offset = sum(b * s for (b, _), s in zip(pairs, st))
    if x.size:
        strided_copy(res, st, res._offset + offset, x, contiguous_strides(x.shape), x._offset,
                     x.shape)
    if is_recording():
        record_op("Pad", (x,), (res,), _pad_rule, ("constant", (x.shape, st, offset)),
                  replay=lambda a: _constant_pad(a, pairs, value),
                  attrs={"mode": "constant", "constant_value": value}, save_outputs=False)
    return res


@gradient_rule("Pad")
def _pad_rule(saved, inputs, outputs, out_grads):
    kind, spec = saved
    if kind == "constant":     # the interior of the head gradient
        shape, strides, offset = spec
        return (gather_strided(out_grads[0], shape, strides, offset),)
    return (_pad_axis_grad(out_grads[0], *spec),)


def pad(data=None, mode=None, pad_width=None, constant_value=0.0, out=None, name=None):
    """Pad the spatial axes of a 4-D (N, C, H, W) or 5-D (N, C, D, H, W) float array.
    ``pad_width`` holds (before, after) for every axis, the first two pairs zero. ``mode``:
    'constant' (``constant_value``), 'edge' (the border value repeated) or 'reflect' (the
    mirror image without the border, each pad smaller than its axis).

    >>> x = mx.nd.array([[[[1, 2, 3]]]])
    >>> mx.nd.pad(x, mode='reflect', pad_width=(0, 0, 0, 0, 0, 0, 2, 1))
    <BLANKLINE>
    [[[[3. 2. 1. 2. 3. 2.]]]]
    <NDArray 1x1x1x6 @cpu(0)>
    >>> mx.nd.pad(x, mode='edge', pad_width=(0, 0, 0, 0, 1, 0, 0, 1))
    <BLANKLINE>
    [[[[1. 2. 3. 3.]
       [1. 2. 3. 3.]]]]
    <NDArray 1x1x2x4 @cpu(0)>
    >>> mx.nd.pad(x, mode='constant', pad_width=(0, 0, 0, 0, 0, 0, 1, 1), constant_value=9)
    <BLANKLINE>
    [[[[9. 1. 2. 3. 9.]]]]
    <NDArray 1x1x1x5 @cpu(0)>
    """
    pairs = _check(data, mode, pad_width)
    if not isinstance(constant_value, numbers.Real):
        raise MXNetError(f"Pad: constant_value must be a number, got {constant_value!r}")
    if out is not None:
        shape = tuple(n + b + a for n, (b, a) in zip(data.shape, pairs))
        check_out("Pad", out, (data,), shape, data._dtype_code, data.context)
    if mode == "constant":
        return deliver("Pad", _constant_pad(data, pairs, float(constant_value)), out)
    res = data
    for a, (before, after) in enumerate(pairs):
        if before or after:
            res = _pad_axis(res, a, before, after, int(mode == "reflect"))
    if res is data:
        res = data.copy()
    return deliver("Pad", res, out)


Pad = pad
