"""Convolution_v1 and Pooling_v1: MXNet's first convolution and pooling layers.

Convolution_v1 is Convolution limited to 2-D and 3-D kernels. Pooling_v1 differs from
Pooling at the borders: its padding is zeros that take part in max and avg alike (an avg
window always divides by the kernel's area), also past the data's end under
pooling_convention='full'; it is Pooling of the data padded so.
"""
import math

from mxgrad._ndarray import NDArrayBase
from mxgrad.base import MXNetError
from mxgrad.ndarray._deliver import deliver
from mxgrad.ndarray.conv import Convolution
from mxgrad.ndarray.pool import Pooling

__all__ = ["Convolution_v1", "Pooling_v1"]


def _check_data(op, data):
    if not isinstance(data, NDArrayBase):
        raise MXNetError(f"{op}: data must be an NDArray, got {type(data).__name__}")
    if data._dtype_code not in (0, 1, 2):
        raise MXNetError(f"{op}: only floating point types are supported, got "
                         f"{data.dtype.__name__}")
    if data.ndim not in (4, 5):
        raise MXNetError(f"{op}: data must be 4-D (batch, channel, y, x) or 5-D (batch, "
                         f"channel, d, y, x), got {data.shape}")


def Convolution_v1(data=None, weight=None, bias=None, kernel=None, stride=(), dilate=(),
                   pad=(), num_filter=None, num_group=1, workspace=1024, no_bias=False,
                   cudnn_tune=None, cudnn_off=False, layout=None, out=None, name=None):
    """Convolution (see mx.nd.Convolution) of 2-D or 3-D kernels only.

    >>> x = mx.nd.arange(9).reshape((1, 1, 3, 3))
    >>> mx.nd.Convolution_v1(x, mx.nd.ones((1, 1, 2, 2)), kernel=(2, 2), num_filter=1,
    ...                      no_bias=True)
    <BLANKLINE>
    [[[[ 8. 12.]
       [20. 24.]]]]
    <NDArray 1x1x2x2 @cpu(0)>
    """
    _check_data("Convolution_v1", data)
    return Convolution(data, weight, bias, kernel=kernel, stride=stride, dilate=dilate,
                       pad=pad, num_filter=num_filter, num_group=num_group,
                       workspace=workspace, no_bias=no_bias, cudnn_tune=cudnn_tune,
                       cudnn_off=cudnn_off, layout=layout, out=out)


def _spatial(op, name, value, rank, default):
    value = tuple(int(v) for v in ((value,) if isinstance(value, int) else value or ()))
    if not value:
        return (default,) * rank
    if len(value) != rank:
        raise MXNetError(f"{op}: {name} {value} must have {rank} values for "
                         f"{rank + 2}-D data")
    return value


def _zero_pad(x, axis, front, back):
    from mxgrad.ndarray.creation import zeros
    from mxgrad.ndarray.join import concat
    parts = []
    for n in (front, None, back):
        if n is None:
            parts.append(x)
        elif n:
            shape = x.shape[:axis] + (n,) + x.shape[axis + 1:]
            parts.append(zeros(shape, ctx=x.context, dtype=x.dtype))
    return concat(*parts, dim=axis) if len(parts) > 1 else x


def Pooling_v1(data=None, kernel=(), pool_type="max", global_pool=False,
               pooling_convention="valid", stride=(), pad=(), out=None, name=None):
    """Max, avg or sum pooling of (N, C, y, x) or (N, C, d, y, x) data, with zero padding
    that counts in every window (see the module docstring).

    >>> x = mx.nd.array([[-4, -3], [-2, -1]]).reshape((1, 1, 2, 2))
    >>> mx.nd.Pooling_v1(x, kernel=(2, 2), pad=(1, 1))      # the padding's zeros win
    <BLANKLINE>
    [[[[ 0.  0.  0.]
       [ 0. -1.  0.]
       [ 0.  0.  0.]]]]
    <NDArray 1x1x3x3 @cpu(0)>
    >>> mx.nd.Pooling_v1(x, kernel=(2, 2), pool_type='avg', stride=(2, 2), pad=(1, 1))
    <BLANKLINE>
    [[[[-1.   -0.75]
       [-0.5  -0.25]]]]
    <NDArray 1x1x2x2 @cpu(0)>
    """
    op = "Pooling_v1"
    _check_data(op, data)
    if pool_type not in ("avg", "max", "sum"):
        raise MXNetError(f"{op}: invalid pool_type {pool_type!r}, valid values are 'avg', "
                         "'max', 'sum'")
    if pooling_convention not in ("full", "valid"):
        raise MXNetError(f"{op}: invalid pooling_convention {pooling_convention!r}, valid "
                         "values are 'full', 'valid'")
    rank = data.ndim - 2
    if global_pool:
        return Pooling(data, kernel=(1,) * rank, pool_type=pool_type, global_pool=True,
                       out=out)
    kernel = _spatial(op, "kernel", kernel, rank, 0)
    if not kernel or min(kernel) < 1 or len(kernel) != rank:
        raise MXNetError(f"{op}: kernel must have {rank} positive values, got {kernel}")
    stride = _spatial(op, "stride", stride, rank, 1)
    pad = _spatial(op, "pad", pad, rank, 0)
    if min(stride) < 1 or min(pad) < 0:
        raise MXNetError(f"{op}: stride must be positive and pad non-negative, got "
                         f"{stride} and {pad}")
    x = data
    for i, (k, s, p) in enumerate(zip(kernel, stride, pad)):
        size = data.shape[2 + i] + 2 * p
        if size < k:
            raise MXNetError(f"{op}: kernel {kernel} is larger than the padded data "
                             f"{data.shape}")
        if pooling_convention == "valid":
            windows = (size - k) // s + 1
        else:
            windows = math.ceil((size - k) / s) + 1
        back = max(p, (windows - 1) * s + k - size + p)
        x = _zero_pad(x, 2 + i, p, back)
    return deliver(op, Pooling(x, kernel=kernel, pool_type=pool_type, stride=stride), out)
