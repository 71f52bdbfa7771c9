"""Indexing by index arrays read on the host: gather_nd, scatter_nd, contrib.boolean_mask and
contrib.index_copy, as MXNet 1.9.1 has them.

Each of these reads its index array back to the host (a wait for the queue, as MXNet's own
bounds checks and data-dependent shapes do): there the indices are checked against the
array, so a bad one raises an MXNetError before anything is enqueued and no kernel ever
reads or writes out of bounds, and they are turned into flat positions along one axis.
The values then move with ``take`` along that axis (kernels_cl/gather.cl), so every op
here is differentiable to any order: the gradient of a gather is the scatter-add of the
head gradient, and the writes (scatter_nd, index_copy) are gathers from the new values
joined with the old ones (or with a row of zeros).
"""
import math
import numbers

import numpy as np

from mxgrad import _ndarray
from mxgrad._ndarray import NDArrayBase
from mxgrad.base import MXNetError
from mxgrad.ndarray._deliver import check_out, deliver
from mxgrad.ndarray.gather import take_flat

__all__ = ["gather_nd", "scatter_nd"]


class IndexOutOfRangeError(MXNetError, IndexError):
    """An index outside its axis; both an ``MXNetError`` and an ``IndexError`` (MXNet 1.9.1
    raises ``IndexError`` from gather_nd).

    >>> try:
    ...     mx.nd.gather_nd(mx.nd.zeros((2, 2)), mx.nd.array([[2], [0]]))
    ... except IndexError as e:
    ...     print(isinstance(e, mx.MXNetError))
    True
    """


def _check_array(op, x, name):
    if not isinstance(x, NDArrayBase):
        raise MXNetError(f"{op}: {name} must be an NDArray, got {type(x).__name__}")


def _host_integers(op, index):
    """The index array on the host as int64, truncated toward zero like MXNet's casts;
    a NaN or infinite index is refused."""
    host = index.asnumpy()
    if host.dtype.kind == "f":
        if not np.isfinite(host).all():
            raise IndexOutOfRangeError(f"{op}: index {host[~np.isfinite(host)][0]} is not a "
                                       f"finite number")
        host = np.trunc(host)
    return host.astype(np.int64)


def _checked(op, values, size, axis, negative_ok):
    """``values`` checked against an axis of ``size``; negatives from -size wrap (when
    ``negative_ok``), as in MXNet's gather_nd."""
    low = -size if negative_ok else 0
    bad = (values < low) | (values >= size)
    if bad.any():
        raise IndexOutOfRangeError(f"{op}: index {values[bad][0]} is out of bounds for axis "
                                   f"{axis} with size {size}")
    return np.where(values < 0, values + size, values)


def _cells(op, indices, dims):
    """The flat cell (row of the leading ``dims``) each column of ``indices`` points at."""
    host = _host_integers(op, indices).reshape((len(dims), -1))
    flat = np.zeros(host.shape[1], np.int64)
    for axis, size in enumerate(dims):
        flat = flat * size + _checked(op, host[axis], size, axis, True)
    return flat


def _empty(shape, like):
    """An empty result of ``shape`` (size 0): built directly, as reshapes read a 0 in a
    shape as MXNet's "keep this size"."""
    return _ndarray.empty_array(like.context, shape, like._dtype_code)


def _check_out(op, out, shape, like, inputs):
    """``out`` checked before anything is enqueued (deliver checks it again at the end)."""
    if out is not None:
        check_out(op, out, inputs, shape, like._dtype_code, like.context)


def _device_index(positions, ctx):
    from mxgrad.ndarray.creation import array
    return array(positions, ctx=ctx, dtype="int64")


def _check_nd_indices(op, indices, ndim):
    if indices.ndim < 2:
        raise MXNetError(f"{op}: indices must have at least 2 dimensions (the first one "
                         f"indexes the data's axes), got shape {indices.shape}")
    if not 1 <= indices.shape[0] <= ndim:
        raise MXNetError(f"{op}: indices.shape[0] = {indices.shape[0]} must be between 1 and "
                         f"the number of dimensions indexed ({ndim})")


def _last_writer(cells, count, fallback):
    """For each of ``count`` cells, the position of the last index pointing at it (later
    writes win, as in MXNet's CPU loops), else ``fallback`` plus the cell's number."""
    source = fallback + np.arange(count, dtype=np.int64)
    # the first of each cell in reverse order is its last write (NumPy does not promise
    # which of repeated assignments to one element wins, so assign each cell once)
    hit, first_from_end = np.unique(cells[::-1], return_index=True)
    source[hit] = len(cells) - 1 - first_from_end
    return source


def gather_nd(data=None, indices=None, out=None, name=None):
    """Elements (or slices) of ``data`` at the points in ``indices``, whose first axis
    runs over the first ``indices.shape[0]`` axes of ``data``: the result has shape
    ``indices.shape[1:] + data.shape[indices.shape[0]:]``. Indices are truncated to
    integers; negative ones from ``-size`` count from the end; any other index out of
    range raises an ``IndexError`` (an MXNetError too), as in MXNet. The indices are read
    back to the host to check them. The gradient is the scatter-add of the head gradient.

    >>> data = mx.nd.array([[0, 1], [2, 3]])
    >>> mx.nd.gather_nd(data, mx.nd.array([[1, 0], [1, -1]]))    # points (1, 1), (0, 1)
    <BLANKLINE>
    [3. 1.]
    <NDArray 2 @cpu(0)>
    >>> mx.nd.gather_nd(data, mx.nd.array([[1]]))                 # a whole row
    <BLANKLINE>
    [[2. 3.]]
    <NDArray 1x2 @cpu(0)>
    """
    _check_array("gather_nd", data, "data")
    _check_array("gather_nd", indices, "indices")
    _check_nd_indices("gather_nd", indices, data.ndim)
    n = indices.shape[0]
    dims, trail = data.shape[:n], data.shape[n:]
    out_shape = indices.shape[1:] + trail
    _check_out("gather_nd", out, out_shape, data, (data,))
    cells = _cells("gather_nd", indices, dims)
    if math.prod(out_shape) == 0:
        return deliver("gather_nd", _empty(out_shape, data), out)
    rows = data.reshape((math.prod(dims), math.prod(trail)))
    res = take_flat(rows, _device_index(cells, data.context), 0, False)
    return deliver("gather_nd", res.reshape(out_shape), out)


def scatter_nd(data=None, indices=None, shape=None, out=None, name=None):
    """An array of ``shape``, zero except at the points in ``indices`` (as in gather_nd),
    which take the elements (or slices) of ``data``; ``data.shape`` must be
    ``indices.shape[1:] + shape[indices.shape[0]:]``. Where points repeat, the last one
    wins (MXNet's CPU order). The indices are read back to the host and checked: one out
    of range raises an ``IndexError`` (MXNet writes out of bounds). Differentiable: each
    element of ``data`` gets the head gradient at the point it was written to (0 when a
    later repeat overwrote it).

    >>> mx.nd.scatter_nd(mx.nd.array([5, 7]), mx.nd.array([[0, 1], [1, 0]]), shape=(2, 2))
    <BLANKLINE>
    [[0. 5.]
     [7. 0.]]
    <NDArray 2x2 @cpu(0)>
    """
    _check_array("scatter_nd", data, "data")
    _check_array("scatter_nd", indices, "indices")
    if shape is None:
        raise MXNetError("scatter_nd: the shape of the result is required (shape=...)")
    if isinstance(shape, numbers.Integral):
        shape = (shape,)
    shape = tuple(int(s) for s in shape)
    if any(s < 0 for s in shape):
        raise MXNetError(f"scatter_nd: shape must not have negative sizes, got {shape}")
    _check_nd_indices("scatter_nd", indices, len(shape))
    n = indices.shape[0]
    dims, trail = shape[:n], shape[n:]
    if data.shape != indices.shape[1:] + trail:
        raise MXNetError(f"scatter_nd: data of shape {data.shape} does not fit indices of "
                         f"shape {indices.shape} and shape={shape} (it must be "
                         f"{indices.shape[1:] + trail})")
    _check_out("scatter_nd", out, shape, data, (data,))
    cells = _cells("scatter_nd", indices, dims)
    count, width = math.prod(dims), math.prod(trail)
    from mxgrad.ndarray.creation import zeros
    from mxgrad.ndarray.join import concat
    if count * width == 0:
        return deliver("scatter_nd", _empty(shape, data), out)
    if len(cells) == 0:
        return deliver("scatter_nd", zeros(shape, ctx=data.context, dtype=data.dtype), out)
    # the rows of data and one row of zeros, for the cells no index points at
    rows = concat(data.reshape((len(cells), width)),
                  zeros((1, width), ctx=data.context, dtype=data.dtype), dim=0)
    source = _last_writer(cells, count, len(cells))
    source[source > len(cells)] = len(cells)
    res = take_flat(rows, _device_index(source, data.context), 0, False)
    return deliver("scatter_nd", res.reshape(shape), out)


def _check_axis(op, axis, ndim):
    if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
        raise MXNetError(f"{op}: axis must be an int, got {axis!r}")
    if not -ndim <= axis < ndim:
        raise MXNetError(f"{op}: axis {axis} is out of range for an array of {ndim} "
                         f"dimensions")
    return int(axis) % ndim


def boolean_mask(data=None, index=None, axis=0, out=None, name=None):
    """The slices of ``data`` along ``axis`` where the 1-D ``index`` (one value per slice)
    is non-zero (NaN counts as non-zero), in order. The result's length along the axis
    depends on the values: ``index`` is read back to the host. MXNet takes only axis 0;
    mxgrad takes any. The gradient goes back to the kept slices (0 for the others).

    >>> data = mx.nd.array([[1, 2], [3, 4], [5, 6]])
    >>> mx.nd.contrib.boolean_mask(data, mx.nd.array([0, 1, 1]))
    <BLANKLINE>
    [[3. 4.]
     [5. 6.]]
    <NDArray 2x2 @cpu(0)>
    """
    _check_array("boolean_mask", data, "data")
    _check_array("boolean_mask", index, "index")
    if data.ndim == 0:
        raise MXNetError("boolean_mask: data must have at least one dimension")
    ax = _check_axis("boolean_mask", axis, data.ndim)
    if index.ndim != 1 or index.shape[0] != data.shape[ax]:
        raise MXNetError(f"boolean_mask: index must be 1-D with one value per slice along "
                         f"axis {ax} ({data.shape[ax]}), got shape {index.shape}")
    keep = np.flatnonzero(index.asnumpy())
    out_shape = data.shape[:ax] + (len(keep),) + data.shape[ax + 1:]
    _check_out("boolean_mask", out, out_shape, data, (data,))
    if math.prod(out_shape) == 0:
        return deliver("boolean_mask", _empty(out_shape, data), out)
    res = take_flat(data, _device_index(keep, data.context), ax, False)
    return deliver("boolean_mask", res, out)


def index_copy(old_tensor=None, index_vector=None, new_tensor=None, out=None, name=None):
    """A copy of ``old_tensor`` whose rows (first axis) ``index_vector[i]`` are replaced by
    ``new_tensor[i]``; where an index repeats, the last row wins. Indices are truncated to
    integers and read back to the host; one outside ``[0, len(old_tensor))`` raises an
    ``IndexError`` (MXNet writes out of bounds). Differentiable in both tensors: the kept
    old rows and the written new rows get the head gradient (a new row overwritten by a
    later repeat gets 0).

    >>> old = mx.nd.zeros((3, 2))
    >>> mx.nd.contrib.index_copy(old, mx.nd.array([2, 0]), mx.nd.array([[1, 2], [3, 4]]))
    <BLANKLINE>
    [[3. 4.]
     [0. 0.]
     [1. 2.]]
    <NDArray 3x2 @cpu(0)>
    """
    op = "index_copy"
    _check_array(op, old_tensor, "old_tensor")
    _check_array(op, index_vector, "index_vector")
    _check_array(op, new_tensor, "new_tensor")
    if old_tensor.ndim == 0:
        raise MXNetError(f"{op}: old_tensor must have at least one dimension")
    if index_vector.ndim != 1:
        raise MXNetError(f"{op}: index_vector must be 1-D, got shape {index_vector.shape}")
    if new_tensor.shape != index_vector.shape + old_tensor.shape[1:]:
        raise MXNetError(f"{op}: new_tensor must have shape "
                         f"{index_vector.shape + old_tensor.shape[1:]} (one row of "
                         f"old_tensor per index), got {new_tensor.shape}")
    if new_tensor.dtype != old_tensor.dtype or new_tensor.context != old_tensor.context:
        raise MXNetError(f"{op}: new_tensor must have old_tensor's dtype and context "
                         f"({np.dtype(old_tensor.dtype).name} on {old_tensor.context}), got "
                         f"{np.dtype(new_tensor.dtype).name} on {new_tensor.context}")
    _check_out(op, out, old_tensor.shape, old_tensor, (old_tensor, new_tensor))
    rows = _checked(op, _host_integers(op, index_vector), old_tensor.shape[0], 0, False)
    if old_tensor.size == 0:
        return deliver(op, _empty(old_tensor.shape, old_tensor), out)
    if len(rows) == 0:
        return deliver(op, old_tensor.copy(), out)
    from mxgrad.ndarray.join import concat
    # new rows first, then the old ones: each row of the result is a row of the two
    both = concat(new_tensor, old_tensor, dim=0)
    source = _last_writer(rows, old_tensor.shape[0], len(rows))
    res = take_flat(both, _device_index(source, old_tensor.context), 0, False)
    return deliver(op, res, out)
