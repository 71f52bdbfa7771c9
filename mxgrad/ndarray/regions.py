"""Regions of arrays and their shapes: Crop, crop, slice_like, concatenate, split_v2,
shape_array and size_array, as MXNet 1.9.1 has them.

The region ops are strided reads (``gather_strided``, whose gradient is the strided write
into zeros) and ``concat``; a second array that only gives a shape (``Crop``'s crop_like,
``slice_like``'s shape_like) gets no gradient. shape_array and size_array are int64 arrays
made on the host from the shape, with no gradient.
"""
import numbers

import numpy as np

from mxgrad.base import MXNetError
from mxgrad.ndarray._deliver import check_out, deliver
from mxgrad.ndarray._strided import _check_array, contiguous_strides, gather_strided
from mxgrad.ndarray.creation import array
from mxgrad.ndarray.join import concat
from mxgrad.ndarray.shape import slice as _slice

_INT64 = 6

__all__ = ["Crop", "crop", "slice_like", "concatenate", "split_v2", "shape_array",
           "size_array"]


def _region(x, begin, size, name):
    """x[begin[0]:begin[0]+size[0], ...] as a fresh recorded array."""
    st = contiguous_strides(x.shape)
    offset = sum(b * s for b, s in zip(begin, st)) if all(size) else 0
    return gather_strided(x, tuple(size), st, offset, name=name)


def _early_out(op, out, like, shape, inputs=None, code=None):
    """The checks of ``out=`` made before anything is enqueued (deliver copies later)."""
    if out is not None:
        check_out(op, out, inputs or (like,), shape,
                  like._dtype_code if code is None else code, like.context)


def _pair(op, what, v):
    try:
        t = tuple(int(a) for a in v)
    except TypeError:
        t = None
    if t is None or len(t) != 2:
        raise MXNetError(f"{op}: {what} must be a pair of ints, got {v!r}")
    return t


def Crop(*data, offset=(0, 0), h_w=(0, 0), center_crop=False, num_args=None, out=None,
         name=None):
    """Crop the last two axes (height, width) of a 4-D array (N, C, H, W): to ``h_w``, or
    to the height and width of a second array ``crop_like`` (``Crop(data, crop_like)``,
    num_args=2). The window starts at ``offset`` or, with ``center_crop``, in the middle
    (rounded down). Only ``data`` gets a gradient.

    >>> x = mx.nd.arange(20).reshape((1, 1, 4, 5))
    >>> mx.nd.Crop(x, h_w=(2, 3), offset=(1, 2))
    <BLANKLINE>
    [[[[ 7.  8.  9.]
       [12. 13. 14.]]]]
    <NDArray 1x1x2x3 @cpu(0)>
    >>> mx.nd.Crop(x, mx.nd.zeros((1, 1, 2, 2)), center_crop=True)
    <BLANKLINE>
    [[[[ 6.  7.]
       [11. 12.]]]]
    <NDArray 1x1x2x2 @cpu(0)>
    """
    if num_args is None:
        num_args = len(data)
    if num_args not in (1, 2) or len(data) != num_args:
        raise MXNetError(f"Crop: expects num_args = 1 (data) or 2 (data, crop_like) arrays, "
                         f"got num_args={num_args} and {len(data)} arrays")
    x = data[0]
    _check_array("Crop", x)
    if x.ndim != 4:
        raise MXNetError(f"Crop: data must be 4-D (batch, channel, y, x), got shape {x.shape}")
    oy, ox = _pair("Crop", "offset", offset)
    if num_args == 2:
        _check_array("Crop", data[1], "crop_like")
        if data[1].ndim != 4:
            raise MXNetError(f"Crop: crop_like must be 4-D, got shape {data[1].shape}")
        h, w = data[1].shape[2:]
    else:
        h, w = _pair("Crop", "h_w", h_w)
        if h < 1 or w < 1:
            raise MXNetError(f"Crop: h_w must be at least (1, 1), got {tuple(h_w)}")
    H, W = x.shape[2:]
    if h > H or w > W:
        raise MXNetError(f"Crop: the crop size ({h}, {w}) must not exceed the input's height "
                         f"and width ({H}, {W})")
    if center_crop:
        oy, ox = (H - h) // 2, (W - w) // 2
    if not (0 <= oy <= H - h and 0 <= ox <= W - w):
        raise MXNetError(f"Crop: offset ({oy}, {ox}) leaves no room for a ({h}, {w}) window "
                         f"in ({H}, {W}); it must be within (0..{H - h}, 0..{W - w})")
    _early_out("Crop", out, x, x.shape[:2] + (h, w), data)
    res = _region(x, (0, 0, oy, ox), x.shape[:2] + (h, w), "Crop")
    return deliver("Crop", res, out)


def crop(data=None, begin=None, end=None, step=None, out=None, name=None):
    """MXNet's deprecated name of :func:`slice`: the same op and arguments.

    >>> x = mx.nd.arange(6).reshape((2, 3))
    >>> mx.nd.crop(x, begin=(0, 1), end=(2, 3))
    <BLANKLINE>
    [[1. 2.]
     [4. 5.]]
    <NDArray 2x2 @cpu(0)>
    """
    return _slice(data, begin, end, step, out=out)


def slice_like(data=None, shape_like=None, axes=(), out=None, name=None):
    """``data`` sliced from the start to the sizes of ``shape_like`` on ``axes`` (all axes
    when empty: then both must have the same number of dimensions). Only ``data`` gets a
    gradient.

    >>> x = mx.nd.arange(12).reshape((3, 4))
    >>> mx.nd.slice_like(x, mx.nd.zeros((2, 2)))
    <BLANKLINE>
    [[0. 1.]
     [4. 5.]]
    <NDArray 2x2 @cpu(0)>
    >>> mx.nd.slice_like(x, mx.nd.zeros((2, 2)), axes=(-1,))
    <BLANKLINE>
    [[0. 1.]
     [4. 5.]
     [8. 9.]]
    <NDArray 3x2 @cpu(0)>
    """
    _check_array("slice_like", data)
    _check_array("slice_like", shape_like, "shape_like")
    ishape, fshape = data.shape, shape_like.shape
    if axes is None or (not isinstance(axes, numbers.Integral) and len(axes) == 0):
        if len(ishape) != len(fshape):
            raise MXNetError(f"slice_like: with no axes every axis is sliced, but data has "
                             f"{len(ishape)} dimensions and shape_like {len(fshape)}")
        axes = range(len(ishape))
    elif isinstance(axes, numbers.Integral):
        axes = (axes,)
    size = list(ishape)
    for a in axes:
        a = int(a)
        ax = a + len(ishape) if a < 0 else a
        if not 0 <= ax < len(ishape) or ax >= len(fshape):
            raise MXNetError(f"slice_like: axis {a} is out of range for data of shape "
                             f"{ishape} and shape_like of shape {fshape}")
        if fshape[ax] > ishape[ax]:
            raise MXNetError(f"slice_like: axis {ax} of shape_like has size {fshape[ax]}, "
                             f"more than data's {ishape[ax]}")
        size[ax] = fshape[ax]
    _early_out("slice_like", out, data, tuple(size), (data, shape_like))
    res = _region(data, (0,) * len(ishape), size, "slice_like")
    return deliver("slice_like", res, out)


def concatenate(arrays, axis=0, always_copy=True):
    """Join a list of arrays along ``axis`` (the other axes must match). With a single
    array and ``always_copy=False`` that array itself is returned.

    >>> a, b = mx.nd.ones((1, 2)), mx.nd.zeros((2, 2))
    >>> mx.nd.concatenate([a, b])
    <BLANKLINE>
    [[1. 1.]
     [0. 0.]
     [0. 0.]]
    <NDArray 3x2 @cpu(0)>
    >>> mx.nd.concatenate([a], always_copy=False) is a
    True
    """
    if not isinstance(arrays, (list, tuple)) or not arrays:
        raise MXNetError("concatenate: arrays must be a non-empty list of NDArrays")
    if len(arrays) == 1 and not always_copy:
        _check_array("concatenate", arrays[0], "arrays[0]")
        return arrays[0]
    return concat(*arrays, dim=axis)


def split_v2(ary, indices_or_sections, axis=0, squeeze_axis=False):
    """Split ``ary`` along ``axis``: into ``indices_or_sections`` equal parts (an int), or
    at the positions of a tuple of sorted indices (parts [0, i0), [i0, i1), ..., [ik,
    end)). A list of arrays, or the array itself when there is one part;
    ``squeeze_axis`` drops the split axis (every part must have length 1 along it).
    Misuse of ``indices_or_sections`` raises ValueError, as MXNet's helper does.

    >>> x = mx.nd.arange(6).reshape((2, 3))
    >>> [p.shape for p in mx.nd.split_v2(x, (1,), axis=1)]
    [(2, 1), (2, 2)]
    >>> top, bottom = mx.nd.split_v2(x, 2, squeeze_axis=True)
    >>> bottom
    <BLANKLINE>
    [3. 4. 5.]
    <NDArray 3 @cpu(0)>
    """
    _check_array("split_v2", ary, "ary")
    if isinstance(axis, bool) or not isinstance(axis, numbers.Integral) \
            or not -ary.ndim <= axis < ary.ndim:
        raise MXNetError(f"split_v2: axis {axis!r} is out of range for an array of "
                         f"{ary.ndim} dimensions")
    ax = int(axis) % ary.ndim
    n = ary.shape[ax]
    if isinstance(indices_or_sections, numbers.Integral) \
            and not isinstance(indices_or_sections, bool):
        sections = int(indices_or_sections)
        if sections < 1:
            raise ValueError(f"split_v2: the number of sections must be positive, got "
                             f"{sections}")
        if n % sections:
            raise ValueError(f"split_v2: array split does not result in an equal division "
                             f"({n} elements along axis {ax} in {sections} sections)")
        starts = [i * (n // sections) for i in range(sections)]
    elif isinstance(indices_or_sections, tuple) and all(
            isinstance(i, numbers.Integral) and not isinstance(i, bool)
            for i in indices_or_sections):
        starts = [0] + [int(i) for i in indices_or_sections]
    else:
        raise ValueError(f"split_v2: indices_or_sections must be an int or a tuple of ints, "
                         f"got {indices_or_sections!r}")
    ends = starts[1:] + [n]
    for i, (b, e) in enumerate(zip(starts, ends)):
        if not 0 <= b <= e <= n:
            raise MXNetError(f"split_v2: part {i} would be [{b}, {e}) along axis {ax} of "
                             f"size {n}; indices must be sorted and within [0, {n}]")
        if squeeze_axis and e - b != 1:
            raise MXNetError(f"split_v2: squeeze_axis needs parts of length 1 along axis "
                             f"{ax}, part {i} has length {e - b}")
    parts = []
    for b, e in zip(starts, ends):
        begin = (0,) * ax + (b,) + (0,) * (ary.ndim - ax - 1)
        part = _region(ary, begin, ary.shape[:ax] + (e - b,) + ary.shape[ax + 1:],
                       "split_v2")
        if squeeze_axis:
            part = part.reshape(ary.shape[:ax] + ary.shape[ax + 1:])
        parts.append(part)
    return parts if len(parts) > 1 else parts[0]


def _shape_of(op, data):
    _check_array(op, data)
    if data.ndim == 0:
        raise MXNetError(f"{op}: data must have at least one dimension, got a 0-d array")


def shape_array(data=None, out=None, name=None):
    """The shape of ``data`` as a 1-D int64 array (not differentiable).

    >>> mx.nd.shape_array(mx.nd.zeros((2, 3)))
    <BLANKLINE>
    [2 3]
    <NDArray 2 @cpu(0)>
    """
    _shape_of("shape_array", data)
    _early_out("shape_array", out, data, (data.ndim,), code=_INT64)
    res = array(np.array(data.shape, np.int64), ctx=data.context, dtype=np.int64)
    return deliver("shape_array", res, out)


def size_array(data=None, out=None, name=None):
    """The number of elements of ``data`` as a 1-element int64 array (not differentiable).

    >>> mx.nd.size_array(mx.nd.zeros((2, 3)))
    <BLANKLINE>
    [6]
    <NDArray 1 @cpu(0)>
    """
    _check_array("size_array", data)
    _early_out("size_array", out, data, (1,), code=_INT64)
    res = array(np.array([data.size], np.int64), ctx=data.context, dtype=np.int64)
    return deliver("size_array", res, out)
