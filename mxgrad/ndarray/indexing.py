"""``NDArray.__getitem__`` / ``__setitem__`` with MXNet 1.9.1's semantics.

Basic keys (ints, slices, None, Ellipsis) describe a strided region of the array. When the
region is contiguous (MXNet's rule: reading the axes from the last one, once an axis is cut
short every earlier axis keeps a single element, and no axis of more than one element
steps by other than 1) the result is a view sharing memory; otherwise it is a copy made by
one strided_copy. An integer index that would leave no axis gives shape (1,), as in MXNet.

Keys holding index arrays (lists, tuples inside the key, numpy arrays, NDArrays) follow
numpy's advanced indexing; their element offsets are computed on the host (MXNet also reads
NDArray indices back to check their bounds) and applied by a flat gather, whose gradient
sums the gradients of repeated indices.

Every read records its gradient (a strided write into zeros, or the index sum); writes
refuse arrays that belong to a graph being recorded. Writing a value that needs a gradient
while recording is MXNet's rule: a full overwrite (``x[:] = v``) is recorded as a copy, any
other write raises (it would drop the gradient), before anything is enqueued.
"""
import numbers

import numpy as np

from mxgrad import _ndarray
from mxgrad._ndarray import NDArrayBase, check_inplace, check_write_recording
from mxgrad._tape import is_recording, wants_grad
from mxgrad.base import DTYPES
from mxgrad.gradients import gradient_rule
from mxgrad.ndarray import _strided, broadcast as _broadcast, shape as _shape
from mxgrad.ndarray._deliver import deliver
from mxgrad.ndarray._kernels import family_kernel

__all__ = []


# --- keys -------------------------------------------------------------------------------------
def _is_index_array(k):
    """An index array part of a key; a tuple inside the key counts, as in numpy."""
    return isinstance(k, (NDArrayBase, list, tuple, np.ndarray))


def _is_int(k):
    return isinstance(k, (numbers.Integral, np.integer)) and not isinstance(k, np.ndarray)


def _is_basic(key):
    """True when no part of the key is an index array."""
    return not any(_is_index_array(k) for k in _as_tuple(key))


def _unsupported(key):
    return ValueError(f"NDArray does not support slicing with key {key} of type {type(key)}.")


def _as_tuple(key):
    return key if isinstance(key, tuple) else (key,)


def _basic_region(shape, key):
    """(result shape, result strides, offset, contiguous) of a basic key on a row-major
    array of ``shape``; IndexError / ValueError as MXNet raises them."""
    key = _as_tuple(key)
    for k in key:
        if not (k is None or k is Ellipsis or isinstance(k, slice) or _is_int(k)):
            raise _unsupported(k)
    used = sum(1 for k in key if k is not None and k is not Ellipsis)
    if used > len(shape):
        raise IndexError(f"too many indices ({used}) for array with {len(shape)} dimensions")
    if sum(1 for k in key if k is Ellipsis) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    if Ellipsis in key:
        at = key.index(Ellipsis)
        key = key[:at] + (slice(None),) * (len(shape) - used) + key[at + 1:]
    else:
        key = key + (slice(None),) * (len(shape) - used)
    st = _strided.contiguous_strides(shape)
    out_shape, out_strides, offset, axis = [], [], 0, 0
    per_axis = []        # (length, step) of every source axis, for the contiguity rule
    for k in key:
        if k is None:
            out_shape.append(1)
            out_strides.append(0)
            continue
        n = shape[axis]
        if isinstance(k, slice):
            if k.step == 0:
                raise ValueError("slice step cannot be zero")
            start, stop, step = k.indices(n)
            length = len(range(start, stop, step))
            out_shape.append(length)
            out_strides.append(st[axis] * step)
            per_axis.append((length, step))
            if length:
                offset += start * st[axis]
        else:
            i = int(k)
            if not -n <= i < n:
                raise IndexError(f"index {i} is out of bounds for axis {axis} with size {n}")
            offset += (i % n) * st[axis]
            per_axis.append((1, 1))
        axis += 1
    if not out_shape and shape:
        out_shape, out_strides = [1], [0]
    return tuple(out_shape), tuple(out_strides), offset, _contiguous(shape, per_axis)


def _contiguous(shape, per_axis):
    """MXNet's rule for a region to be a view: reading the axes from the last one, once an
    axis is cut short every earlier axis keeps one element; no axis of more than one
    element steps by other than 1. Empty and single-element regions always are."""
    if _strided._prod(n for n, _ in per_axis) <= 1:
        return True
    cut = False
    for (length, step), n in zip(reversed(per_axis), reversed(shape)):
        if length == 0:
            return True
        if length > 1 and step != 1:
            return False
        if cut and length != 1:
            return False
        if length < n:
            cut = True
    return True


def _index_offsets(shape, key):
    """Flat element offsets (int64 numpy array, shaped like the result) of a key holding
    index arrays, with numpy's advanced-indexing rules (bool arrays count as 0/1, as in
    MXNet)."""
    parts = []
    for k in _as_tuple(key):
        if isinstance(k, NDArrayBase):
            k = k.asnumpy()
        if isinstance(k, (list, tuple, np.ndarray)):
            k = np.asarray(k)
            if k.dtype.kind not in "iubf" and k.size:
                raise _unsupported(k)
            k = k.astype(np.int64)          # floats truncate, as MXNet's do
        elif not (k is None or k is Ellipsis or isinstance(k, slice) or _is_int(k)):
            raise _unsupported(k)
        parts.append(k)
    key = tuple(parts)
    used = sum(1 for k in key if k is not None and k is not Ellipsis)
    if used > len(shape):
        raise IndexError(f"too many indices ({used}) for array with {len(shape)} dimensions")
    st = _strided.contiguous_strides(shape)
    offsets = None
    for axis, n in enumerate(shape):
        coord = np.broadcast_to(np.arange(n, dtype=np.int64).reshape(
            [n if j == axis else 1 for j in range(len(shape))]), shape)
        part = coord[key] * st[axis]
        offsets = part if offsets is None else offsets + part
    return np.ascontiguousarray(offsets)


# --- reads ------------------------------------------------------------------------------------
def getitem(x, key):
    """``x[key]``: a view when the region is contiguous, else a copy; recorded."""
    if type(key) is int and x.shape:
        return _row(x, key)
    if _is_basic(key):
        shape, strides, offset, contiguous = _basic_region(x.shape, key)
        if not contiguous:
            return _strided.gather_strided(x, shape, strides, offset, name="slice")
        return _recorded_view(x, key, shape, strides, offset)
    return gather_index(x, _index_offsets(x.shape, key))


def _row(x, i):
    """``x[i]`` for a Python int (``for row in x``): the view of one row, without the
    general key analysis."""
    n = x.shape[0]
    if not -n <= i < n:
        raise IndexError(f"index {i} is out of bounds for axis 0 with size {n}")
    rest = x.shape[1:]
    offset = (i % n) * _strided._prod(rest)
    if not is_recording():
        return _ndarray.view_of(x, rest or (1,), x._offset + offset)
    strides = _strided.contiguous_strides(rest) if rest else (0,)
    return _recorded_view(x, i, rest or (1,), strides, offset)


def _recorded_view(x, key, shape, strides, offset):
    out = _ndarray.view_of(x, shape, x._offset + offset)
    _strided._record("slice", (x,), (out,), _strided._gather_strided_rule,
                   (x.shape, (shape, strides, offset)), replay=lambda a: getitem(a, key))
    return out


def _device_index(like, offsets):
    idx = _ndarray.empty_array(like.context, (offsets.size,), 6)
    if offsets.size:
        idx._write_numpy(offsets.reshape(-1))
    return idx


def gather_index(x, offsets):
    """A fresh array shaped like ``offsets`` holding x's row-major elements at ``offsets``."""
    out = _ndarray.empty_array(x.context, offsets.shape, x._dtype_code)
    if offsets.size:
        idx = _device_index(x, offsets)
        k = family_kernel(x.context, "copy", "gather_flat", x._dtype_code)
        k.set_args(0, out._buffer, out._offset, x._buffer, x._offset, idx._buffer, offsets.size)
        x.context.state.launch_1d(k, offsets.size)
    _strided._record("take", (x,), (out,), _gather_index_rule, (x.shape, offsets),
                   replay=lambda a: gather_index(a, offsets))
    return out


@gradient_rule("_gather_index")
def _gather_index_rule(saved, inputs, outputs, out_grads):
    base_shape, offsets = saved
    return (index_sum(out_grads[0], base_shape, offsets),)


def index_sum(values, base_shape, offsets):
    """Zeros of ``base_shape`` plus, at each offset, the sum of the ``values`` gathered from
    it (the gradient of ``gather_index``)."""
    out = _strided._zeros(values, base_shape)
    flat = offsets.reshape(-1)
    if flat.size:
        order = np.argsort(flat, kind="stable")
        targets, starts = np.unique(flat[order], return_index=True)
        starts = np.append(starts, flat.size).astype(np.int64)
        dev = [_device_index(values, a) for a in (order.astype(np.int64), starts, targets)]
        k = family_kernel(values.context, "copy", "segment_sum", values._dtype_code)
        k.set_args(0, out._buffer, out._offset, values._buffer, values._offset)
        for j, a in enumerate(dev):
            k.set_arg_mem(4 + j, a._buffer)
        k.set_arg_long(7, targets.size)
        values.context.state.launch_1d(k, targets.size)
    _strided._record("_index_sum", (values,), (out,), _index_sum_rule, offsets,
                   replay=lambda v: index_sum(v, base_shape, offsets))
    return out


@gradient_rule("_index_sum")
def _index_sum_rule(saved, inputs, outputs, out_grads):
    return (gather_index(out_grads[0], saved),)


# --- writes -----------------------------------------------------------------------------------
def _value_shape(src_shape, shape):
    """The value's shape broadcast against a region of ``shape``: leading size-1 axes beyond
    the region's rank are dropped first (MXNet: ``x[0] = v`` with v of shape (1, 1, n))."""
    src_shape = tuple(src_shape)
    while len(src_shape) > len(shape) and src_shape[0] == 1:
        src_shape = src_shape[1:]
    vshape = (1,) * (len(shape) - len(src_shape)) + src_shape
    if len(vshape) != len(shape) or any(a != b and a != 1 for a, b in zip(vshape, shape)):
        raise ValueError(f"operands could not be broadcast together with remapped "
                         f"shapes[original->remapped]: {src_shape} and requested shape {shape}")
    return src_shape, vshape


def _value_array(x, value, shape):
    """``value`` (scalar, array-like or NDArray) as an NDArray of x's dtype and context, with
    strides broadcasting it to ``shape`` (numpy rules); ValueError as MXNet when it cannot
    be broadcast, raised before anything is enqueued."""
    host = None
    if _is_scalar(value):
        src_shape = ()
    elif isinstance(value, NDArrayBase):
        src_shape = value.shape
    else:
        host = np.asarray(value, dtype=DTYPES[x._dtype_code])
        src_shape = host.shape
    src_shape, vshape = _value_shape(src_shape, shape)
    if host is not None:
        host = host.reshape(src_shape)
        v = _ndarray.empty_array(x.context, host.shape, x._dtype_code)
        if host.size:
            v._write_numpy(host)
    elif isinstance(value, NDArrayBase):
        v = value
        if v.context != x.context:
            v = v.as_in_context(x.context)
        if v._dtype_code != x._dtype_code:
            v = _shape._cast(v, x._dtype_code)
        elif v._buffer is x._buffer:
            v = v.copy()         # the write may overlap the region it reads
    else:
        v = _ndarray.empty_array(x.context, (), x._dtype_code)
        v._fill(value)
    vst = _strided.contiguous_strides(vshape)
    return v, tuple(0 if a == 1 else s for a, s in zip(vshape, vst))


def setitem(x, key, value):
    """``x[key] = value``: writes in place (value broadcast and cast to x's dtype)."""
    check_inplace(x)
    if is_recording() and isinstance(value, NDArrayBase) and wants_grad(value):
        _recorded_write(x, key, value)
        return
    if _is_basic(key):
        shape, strides, offset, contiguous = _basic_region(x.shape, key)
        if contiguous and _is_scalar(value):
            region = _ndarray.view_of(x, shape, x._offset + offset)
            if region.size:
                region._fill(value)
            return
        v, vstrides = _value_array(x, value, shape)
        _strided.strided_copy(x, strides, x._offset + offset, v, vstrides, v._offset, shape)
        return
    offsets = _index_offsets(x.shape, key)
    v, vstrides = _value_array(x, value, offsets.shape)
    if not offsets.size:
        return
    if v.shape != offsets.shape:
        dense = _ndarray.empty_array(x.context, offsets.shape, x._dtype_code)
        _strided.strided_copy(dense, _strided.contiguous_strides(offsets.shape), dense._offset,
                            v, vstrides, v._offset, offsets.shape)
        v = dense
    idx = _device_index(x, offsets)
    k = family_kernel(x.context, "copy", "put_flat", x._dtype_code)
    k.set_args(0, x._buffer, x._offset, v._buffer, v._offset, idx._buffer, offsets.size)
    x.context.state.launch_1d(k, offsets.size)


def _recorded_write(x, key, value):
    """``x[key] = value`` while recording, ``value`` needing a gradient: a key covering all
    of x is a recorded copy (gradients flow into value, as in MXNet); any other key would
    lose them and raises before anything is enqueued."""
    if not _covers_all(x.shape, key):
        check_write_recording("setitem", x, (x, value))     # raises (x is never empty here)
    _, vshape = _value_shape(value.shape, x.shape)
    v = value if value.context == x.context else value.as_in_context(x.context)
    if v._dtype_code != x._dtype_code:
        v = _shape._cast(v, x._dtype_code)
    if v.shape != vshape:
        v = v.reshape(vshape)
    if v.shape != x.shape:
        v = _broadcast.broadcast_to(v, shape=x.shape)
    deliver("setitem", v, x)


def _covers_all(shape, key):
    """Whether a key selects every element of an array of ``shape`` in order, without
    integers or new axes (``x[:]``, ``x[...]``, ``x[()]``, ``x[0:n]``): MXNet's full write."""
    if not _is_basic(key) or any(k is None or _is_int(k) for k in _as_tuple(key)):
        return False
    if _strided._prod(shape) == 0:
        return True
    rshape, strides, offset, _ = _basic_region(shape, key)
    full = _strided.contiguous_strides(shape)
    return rshape == tuple(shape) and offset == 0 and all(
        n == 1 or a == b for n, a, b in zip(shape, strides, full))


def _is_scalar(v):
    return isinstance(v, (numbers.Number, np.generic))
