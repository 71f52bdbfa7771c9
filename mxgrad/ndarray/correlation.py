"""Correlation (FlowNet's correlation layer), as MXNet 1.9.1 has it.

A composition of differentiable NDArray ops: for each displacement, the product (or
absolute difference) of data1 with data2 shifted, summed over channels, then summed over
each (odd) kernel_size x kernel_size window by sum pooling at stride1. Gradients to both inputs
come from those ops, to any order.
"""
import math
import numbers

from mxgrad.base import MXNetError
from mxgrad.ndarray._deliver import check_out, deliver
from mxgrad.ndarray._elemwise_table import OPS
from mxgrad.ndarray.creation import zeros
from mxgrad.ndarray.join import concat
from mxgrad.ndarray.pool import Pooling
from mxgrad.ndarray.reduce import sum as _sum
from mxgrad.ndarray.sampler import check_float
from mxgrad.ndarray.shape import slice as _slice

__all__ = ["Correlation"]


def _int_param(op, name, value, minimum):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise MXNetError(f"{op}: {name} must be an int >= {minimum}, got {value!r}")
    return int(value)


def _zero_pad(x, before, after):
    """x (N, C, H, W) with zero rows/columns: ``before`` on top and left, ``after`` on
    bottom and right."""
    N, C, H, W = x.shape
    parts = []
    if before:
        parts.append(zeros((N, C, before, W), ctx=x.context, dtype=x.dtype))
    parts.append(x)
    if after:
        parts.append(zeros((N, C, after, W), ctx=x.context, dtype=x.dtype))
    x = concat(*parts, dim=2) if len(parts) > 1 else x
    H = x.shape[2]
    parts = []
    if before:
        parts.append(zeros((N, C, H, before), ctx=x.context, dtype=x.dtype))
    parts.append(x)
    if after:
        parts.append(zeros((N, C, H, after), ctx=x.context, dtype=x.dtype))
    return concat(*parts, dim=3) if len(parts) > 1 else x


def _window(x, top, left, height, width):
    return _slice(x, begin=(None, None, top, left), end=(None, None, top + height,
                                                          left + width))


def Correlation(data1=None, data2=None, kernel_size=1, max_displacement=1, stride1=1,
                stride2=1, pad_size=0, is_multiply=True, out=None, name=None, **kwargs):
    """The correlation of two (N, C, H, W) feature maps (FlowNet): for each displacement
    (dy, dx) in multiples of ``stride2`` up to ``max_displacement``, the mean over channels
    and a ``kernel_size`` window of data1 * data2 shifted by (dy, dx) (``|data1 - data2|``
    when ``is_multiply=False``), at every ``stride1`` pixels of the maps zero-padded by
    ``pad_size``. Output (N, D*D, OH, OW), D = 2 * (max_displacement // stride2) + 1,
    channel (dy index) * D + (dx index). Differentiable in both inputs.

    >>> a = mx.nd.ones((1, 1, 3, 3))
    >>> mx.nd.Correlation(a, a * 2, max_displacement=1, pad_size=1)[0, :, 1, 1]
    <BLANKLINE>
    [2. 2. 2. 2. 2. 2. 2. 2. 2.]
    <NDArray 9 @cpu(0)>
    >>> mx.nd.Correlation(a, a * 2, max_displacement=1, pad_size=1)[0, 0]
    <BLANKLINE>
    [[0. 0. 0.]
     [0. 2. 2.]
     [0. 2. 2.]]
    <NDArray 3x3 @cpu(0)>
    """
    op = "Correlation"
    if kwargs:
        raise MXNetError(f"{op}: unknown argument(s) {', '.join(sorted(kwargs))}")
    k = _int_param(op, "kernel_size", kernel_size, 1)
    if k % 2 == 0:
        raise MXNetError(f"{op}: kernel_size must be odd, got {k}")
    disp = _int_param(op, "max_displacement", max_displacement, 0)
    s1 = _int_param(op, "stride1", stride1, 1)
    s2 = _int_param(op, "stride2", stride2, 1)
    pad = _int_param(op, "pad_size", pad_size, 0)
    check_float(op, "data1", data1)
    check_float(op, "data2", data2, data1)
    if data1.ndim != 4 or data2.shape != data1.shape:
        raise MXNetError(f"{op}: data1 and data2 must be 4-D (N, C, H, W) of one shape, got "
                         f"{data1.shape} and {data2.shape}")
    N, C, H, W = data1.shape
    border = disp + (k - 1) // 2
    OH = math.ceil((H + 2 * pad - 2 * border) / s1)
    OW = math.ceil((W + 2 * pad - 2 * border) / s1)
    if OH < 1 or OW < 1:
        raise MXNetError(f"{op}: the displacements ({disp}) and kernel ({k}) do not fit in "
                         f"data of size {(H, W)} padded by {pad}")
    radius = disp // s2
    D = 2 * radius + 1
    if out is not None:
        check_out(op, out, shape=(N, D * D, OH, OW), code=data1._dtype_code,
                  ctx=data1.context)
    if N * C == 0:
        return deliver(op, zeros((N, D * D, OH, OW), ctx=data1.context, dtype=data1.dtype),
                       out)
    a = _zero_pad(data1, pad, pad)
    b = _zero_pad(data2, pad, pad)
    span_h, span_w = (OH - 1) * s1 + k, (OW - 1) * s1 + k
    first = _window(a, disp, disp, span_h, span_w)
    maps = []
    for dy in range(-radius, radius + 1):
        for dx in range(-radius, radius + 1):
            second = _window(b, disp + dy * s2, disp + dx * s2, span_h, span_w)
            pair = first * second if is_multiply else OPS["abs"](first - second)
            maps.append(_sum(pair, axis=1, keepdims=True))
    joined = concat(*maps, dim=1) if len(maps) > 1 else maps[0]
    windows = Pooling(joined, kernel=(k, k), stride=(s1, s1), pool_type="sum")
    return deliver(op, windows * (1.0 / (k * k * C)), out)
