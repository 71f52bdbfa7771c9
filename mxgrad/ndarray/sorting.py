"""Sorting along an axis: sort, argsort and topk, as MXNet 1.9.1 has them.

Each row along the axis is sorted on the device (kernels_cl/sort.cl: a bitonic sort over the
rows padded to a power of two, one launch per stage), in a total order: a NaN counts as larger
than any number and ties keep their original order (the smaller index first), both ways.
The values are differentiable: while recording they are gathered from the input at the flat
indices the sort found (``take`` along the flattened array), so the gradient is the
scatter-add of the head gradient to the chosen positions and differentiates again. Indices
and masks are not differentiable and record nothing (like argmax).
"""
import math
import numbers

import numpy as np

from mxgrad import _ndarray
from mxgrad._ndarray import NDArrayBase
from mxgrad._tape import is_recording
from mxgrad.base import MXNetError, DTYPES, dtype_code
from mxgrad.ndarray._deliver import deliver
from mxgrad.ndarray._kernels import family_kernel
from mxgrad.ndarray.gather import take_flat

__all__ = ["sort", "argsort", "topk"]

_INT32, _INT64 = 4, 6
_FLOAT_CODES = (0, 1, 2)
_MAX_ROW = 1 << 30     # padded row length the int32 positions of the kernels can address
_MAX_GROUP = 256      # work-items per group of the local-memory sort (tiles of twice that)
_RET_TYPES = ("both", "indices", "mask", "value")
_INDEX_DTYPES = ("float16", "float32", "float64", "int32", "int64", "uint8")


def _check_args(op, data, axis, is_ascend, dtype):
    if not isinstance(data, NDArrayBase):
        raise MXNetError(f"{op}: data must be an NDArray, got {type(data).__name__}")
    if axis is not None:
        if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
            raise MXNetError(f"{op}: axis must be an int or None, got {axis!r}")
        if not -data.ndim <= axis < data.ndim:
            raise MXNetError(f"{op}: axis {axis} is out of range for an array of "
                             f"{data.ndim} dimensions (shape {data.shape})")
    if not isinstance(is_ascend, (bool, numbers.Integral)):
        raise MXNetError(f"{op}: is_ascend must be a bool, got {is_ascend!r}")
    if dtype is not None:
        try:
            name = np.dtype(dtype).name
        except (TypeError, ValueError):
            name = None
        if name not in _INDEX_DTYPES:
            raise MXNetError(f"{op}: dtype must be one of {', '.join(_INDEX_DTYPES)} for the "
                             f"indices, got {dtype!r}")
        return dtype_code(name)
    return dtype_code("float32")     # None: the default, as MXNet reads an unset dtype


def _sorted_rows(op, data, axis, k, descend):
    """Sort ``data`` along ``axis`` (None: flattened); the first ``k`` of each row as
    (values or None, int32 indices along the axis, int64 flat indices, result shape)."""
    if axis is None:
        data = data.reshape((-1,))
        ax = 0
    else:
        ax = int(axis) % data.ndim
    shape = data.shape
    outer, L, inner = math.prod(shape[:ax]), shape[ax], math.prod(shape[ax + 1:])
    out_shape = shape[:ax] + (k,) + shape[ax + 1:]
    ctx, code = data.context, data._dtype_code
    rows = outer * inner
    vals = _ndarray.empty_array(ctx, out_shape, code)
    idx = _ndarray.empty_array(ctx, out_shape, _INT32)
    flat = _ndarray.empty_array(ctx, out_shape, _INT64)
    if vals.size == 0:
        return data, vals, idx, flat
    P = 1 << max(0, (L - 1).bit_length())
    if P > _MAX_ROW:
        raise MXNetError(f"{op}: cannot sort rows of {L} elements (at most {_MAX_ROW})")
    keys = _ndarray.empty_array(ctx, (rows * P,), code)
    order = _ndarray.empty_array(ctx, (rows * P,), _INT32)
    opts = f"-D DESCEND={int(descend)} -D IS_FLOAT={int(code in _FLOAT_CODES)}"
    state = ctx.state
    init = family_kernel(ctx, "sort", "sort_init", code, opts)
    init.set_args(0, keys._buffer, order._buffer, data._buffer, data._offset, rows * P, L,
                  inner, P)
    state.launch_1d(init, rows * P)
    _bitonic(ctx, code, opts, keys, order, rows, P, L)
    emit = family_kernel(ctx, "sort", "sort_emit", code, opts)
    emit.set_args(0, vals._buffer, idx._buffer, flat._buffer, keys._buffer, order._buffer,
                  vals.size, k, L, inner, P)
    state.launch_1d(emit, vals.size)
    return data, vals, idx, flat


def _tile_kernel(ctx, code, opts, P):
    """The local-memory kernel and its tile (2 work-items' worth per work-item of a group
    within the device's and the kernel's limits), or (None, 0) when rows are shorter than a
    tile or the device allows no group of 2."""
    state = ctx.state
    group = 1 << (min(_MAX_GROUP, state.max_group_size).bit_length() - 1)
    while group >= 2 and 2 * group <= P:
        kern = family_kernel(ctx, "sort", "sort_tile", code, f"{opts} -D TILE={2 * group}")
        if state.kernel_group_limit(kern) >= group:
            return kern, 2 * group
        group //= 2
    return None, 0


def _bitonic(ctx, code, opts, keys, order, rows, P, L):
    """Sort each row of P (keys, order) pairs: the stages of short compare distances run in
    local memory, a tile per work-group, the others one launch each over the whole array."""
    state = ctx.state
    pairs = rows * P // 2
    stage = family_kernel(ctx, "sort", "sort_stage", code, opts)
    tile_k, tile = _tile_kernel(ctx, code, opts, P)

    def global_stage(size, dist):
        stage.set_args(0, keys._buffer, order._buffer, pairs, P, size, dist)
        stage.set_arg_int(6, L)
        state.launch_1d(stage, pairs)

    def local_stages(merge_k):
        tile_k.set_args(0, keys._buffer, order._buffer, P)
        tile_k.set_arg_int(3, L)
        tile_k.set_arg_long(4, merge_k)
        state.launch_grid(tile_k, (pairs,), (tile // 2,))

    if tile:
        local_stages(0)
    size = 2 * tile if tile else 2
    while size <= P:
        dist = size // 2
        while dist >= max(1, tile):
            global_stage(size, dist)
            dist //= 2
        if tile:
            local_stages(size)
        size *= 2


def _values(data, vals, flat):
    """The sorted values; gathered from ``data`` while recording, so they differentiate."""
    if not is_recording():
        return vals
    src = data.reshape((-1,))
    return take_flat(src, flat.reshape((-1,)), 0, False).reshape(vals.shape)


def _indices(idx, code):
    return idx.astype(DTYPES[code]) if code != _INT32 else idx


def topk(data=None, axis=-1, k=1, ret_typ="indices", is_ascend=False, dtype="float32",
         out=None, name=None):
    """The ``k`` largest (or smallest, ``is_ascend=True``) elements along ``axis`` (of the
    flattened array when None). ``ret_typ``: 'indices' (their positions, in ``dtype``),
    'value', 'both' ([values, indices]) or 'mask' (1 at the chosen positions, 0 elsewhere, in
    the input's shape and dtype). ``k <= 0`` takes the whole axis. Ties keep the original
    order; a NaN counts as the largest value. Only the values are differentiable.

    >>> x = mx.nd.array([[3, 1, 2], [0, 5, 4]])
    >>> mx.nd.topk(x, k=2)
    <BLANKLINE>
    [[0. 2.]
     [1. 2.]]
    <NDArray 2x2 @cpu(0)>
    >>> mx.nd.topk(x, k=1, ret_typ='value', axis=0)
    <BLANKLINE>
    [[3. 5. 4.]]
    <NDArray 1x3 @cpu(0)>
    >>> mx.nd.topk(x, k=2, ret_typ='mask', is_ascend=True)
    <BLANKLINE>
    [[0. 1. 1.]
     [1. 0. 1.]]
    <NDArray 2x3 @cpu(0)>
    """
    code = _check_args("topk", data, axis, is_ascend, dtype)
    if ret_typ not in _RET_TYPES:
        raise MXNetError(f"topk: ret_typ must be one of {', '.join(_RET_TYPES)}, got "
                         f"{ret_typ!r}")
    if isinstance(k, bool) or not isinstance(k, numbers.Integral):
        raise MXNetError(f"topk: k must be an int, got {k!r}")
    length = data.size if axis is None else data.shape[int(axis) % data.ndim]
    if k > length:
        raise MXNetError(f"topk: k must be at most {length}, the length of the sorted axis, "
                         f"got k = {k}")
    k = length if k <= 0 else int(k)
    src, vals, idx, flat = _sorted_rows("topk", data, axis, k, not is_ascend)
    if ret_typ == "mask":
        mask = _ndarray.empty_array(data.context, data.shape, data._dtype_code)
        mask._fill(0)
        if flat.size:
            kern = family_kernel(data.context, "sort", "sort_mask", data._dtype_code,
                                 "-D DESCEND=0 -D IS_FLOAT=0")
            kern.set_args(0, mask._buffer, flat._buffer, flat.size)
            data.context.state.launch_1d(kern, flat.size)
        return deliver("topk", mask, out)
    if ret_typ == "indices":
        return deliver("topk", _indices(idx, code), out)
    values = _values(src, vals, flat)
    if ret_typ == "value":
        return deliver("topk", values, out)
    if out is not None:
        if not isinstance(out, (list, tuple)) or len(out) != 2:
            raise MXNetError("topk: out must be a list of two NDArrays for ret_typ='both'")
        return [deliver("topk", values, out[0]), deliver("topk", _indices(idx, code), out[1])]
    return [values, _indices(idx, code)]


def sort(data=None, axis=-1, is_ascend=True, out=None, name=None):
    """``data`` sorted along ``axis`` (the flattened array when None), ascending unless
    ``is_ascend=False``; a NaN counts as the largest value. Differentiable: the gradient
    goes back to each value's original position.

    >>> x = mx.nd.array([[3, 1, 2], [0, 5, 4]])
    >>> mx.nd.sort(x)
    <BLANKLINE>
    [[1. 2. 3.]
     [0. 4. 5.]]
    <NDArray 2x3 @cpu(0)>
    >>> mx.nd.sort(x, axis=0, is_ascend=False)
    <BLANKLINE>
    [[3. 5. 4.]
     [0. 1. 2.]]
    <NDArray 2x3 @cpu(0)>
    """
    _check_args("sort", data, axis, is_ascend, None)
    length = data.size if axis is None else data.shape[int(axis) % data.ndim]
    src, vals, idx, flat = _sorted_rows("sort", data, axis, length, not is_ascend)
    return deliver("sort", _values(src, vals, flat), out)


def argsort(data=None, axis=-1, is_ascend=True, dtype="float32", out=None, name=None):
    """The positions that sort ``data`` along ``axis`` (the flattened array when None), in
    ``dtype``; ties keep their original order. Not differentiable.

    >>> x = mx.nd.array([[3, 1, 2], [0, 5, 0]])
    >>> mx.nd.argsort(x)
    <BLANKLINE>
    [[1. 2. 0.]
     [0. 2. 1.]]
    <NDArray 2x3 @cpu(0)>
    >>> mx.nd.argsort(x, is_ascend=False, dtype='int32')
    <BLANKLINE>
    [[0 2 1]
     [1 0 2]]
    <NDArray 2x3 @cpu(0)>
    """
    code = _check_args("argsort", data, axis, is_ascend, dtype)
    length = data.size if axis is None else data.shape[int(axis) % data.ndim]
    src, vals, idx, flat = _sorted_rows("argsort", data, axis, length, not is_ascend)
    return deliver("argsort", _indices(idx, code), out)
