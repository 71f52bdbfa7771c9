"""Small index ops of MXNet 1.9.1: batch_take, choose_element_0index, fill_element_0index,
onehot_encode, ravel_multi_index, unravel_index, contrib.index_array and contrib.arange_like.

The ones that move values are compositions of pick, one_hot and where (so they have the
gradients of those, which MXNet's batch_take and fill_element_0index lack); the index
arithmetic runs in kernels_cl/index_ops.cl, one work-item per result column or element.
Index-valued results are not recorded by autograd (like argmax).
"""
import math
import numbers

import numpy as np

from mxgrad import _ndarray
from mxgrad._ndarray import NDArrayBase
from mxgrad.base import MXNetError
from mxgrad.ndarray._deliver import check_out, deliver
from mxgrad.ndarray._kernels import family_kernel

__all__ = ["batch_take", "choose_element_0index", "fill_element_0index", "onehot_encode",
           "ravel_multi_index", "unravel_index"]

_INT32, _INT64 = 4, 6
_SCALAR_CODE = {2: 0, 3: 4, 5: 4}     # the compute type's code of half and 8-bit storage


def _check_array(op, x, name):
    if not isinstance(x, NDArrayBase):
        raise MXNetError(f"{op}: {name} must be an NDArray, got {type(x).__name__}")


def _longs(values, ctx):
    from mxgrad.ndarray.creation import array
    return array(np.asarray(values, np.int64), ctx=ctx, dtype="int64")


def batch_take(a=None, indices=None, out=None, name=None):
    """One element of each row (last axis) of ``a`` at the int32 ``indices``, one index
    per row, clipped into range: ``a[..., indices[...]]``, shaped like ``indices``.
    Differentiable (MXNet's batch_take is not; it is :func:`pick` on the rows).

    >>> a = mx.nd.array([[1, 2], [3, 4], [5, 6]])
    >>> mx.nd.batch_take(a, mx.nd.array([0, 1, 5], dtype='int32'))
    <BLANKLINE>
    [1. 4. 6.]
    <NDArray 3 @cpu(0)>
    """
    from mxgrad.ndarray.nn import pick
    _check_array("batch_take", a, "a")
    _check_array("batch_take", indices, "indices")
    if a.ndim < 2:
        raise MXNetError(f"batch_take: a must have at least 2 dimensions, got shape {a.shape}")
    if indices._dtype_code != _INT32:
        raise MXNetError(f"batch_take: indices must be int32, got "
                         f"{np.dtype(indices.dtype).name}")
    if a.shape[-1] == 0:
        raise MXNetError(f"batch_take: cannot take from rows of length 0 (shape {a.shape})")
    rows = a.size // a.shape[-1]
    if indices.size != rows:
        raise MXNetError(f"batch_take: indices must hold one index per row of a ({rows}), "
                         f"got shape {indices.shape}")
    if out is not None:
        check_out("batch_take", out, (a,), indices.shape, a._dtype_code, a.context)
    if rows == 0:     # (reshapes would read a 0 as MXNet's "keep this size")
        return deliver("batch_take", _ndarray.empty_array(a.context, indices.shape,
                                                          a._dtype_code), out)
    res = pick(a.reshape((rows, a.shape[-1])), indices.reshape((rows,)), axis=-1, mode="clip")
    return deliver("batch_take", res.reshape(indices.shape), out)


def choose_element_0index(data=None, index=None, axis=-1, keepdims=False, mode="clip",
                          out=None, name=None):
    """MXNet's older name of :func:`pick`, with the same arguments and gradient.

    >>> x = mx.nd.array([[1, 2], [3, 4]])
    >>> mx.nd.choose_element_0index(x, mx.nd.array([1, 0]))
    <BLANKLINE>
    [2. 3.]
    <NDArray 2 @cpu(0)>
    """
    from mxgrad.ndarray.nn import pick
    if (isinstance(data, NDArrayBase) and isinstance(axis, numbers.Integral)
            and -data.ndim <= axis < data.ndim and data.shape[axis] == 0):
        # refused here to name this function (pick refuses it too)
        raise MXNetError(f"choose_element_0index: cannot choose from an axis of length 0 "
                         f"(shape {data.shape})")
    return pick(data, index, axis=axis, keepdims=keepdims, mode=mode, out=out)


def fill_element_0index(lhs=None, mhs=None, rhs=None, out=None, name=None):
    """A copy of the matrix ``lhs`` with ``lhs[i, rhs[i]]`` set to ``mhs[i]`` in each row
    ``i``; an index outside the row (after truncation to an integer) leaves the row as it
    is. All three arrays share a dtype. Differentiable in ``lhs`` and ``mhs`` (MXNet's is
    not).

    >>> lhs = mx.nd.zeros((2, 3))
    >>> mx.nd.fill_element_0index(lhs, mx.nd.array([5, 7]), mx.nd.array([2, 0]))
    <BLANKLINE>
    [[0. 0. 5.]
     [7. 0. 0.]]
    <NDArray 2x3 @cpu(0)>
    """
    from mxgrad.ndarray.nn import one_hot
    from mxgrad.ndarray._select import select
    op = "fill_element_0index"
    for arg, what in ((lhs, "lhs"), (mhs, "mhs"), (rhs, "rhs")):
        _check_array(op, arg, what)
    if lhs.ndim != 2 or mhs.ndim != 1 or rhs.ndim != 1:
        raise MXNetError(f"{op}: lhs must be 2-D, mhs and rhs 1-D, got shapes {lhs.shape}, "
                         f"{mhs.shape}, {rhs.shape}")
    if not lhs.shape[0] == mhs.shape[0] == rhs.shape[0]:
        raise MXNetError(f"{op}: mhs and rhs must have one value per row of lhs "
                         f"({lhs.shape[0]}), got shapes {mhs.shape} and {rhs.shape}")
    if not lhs.dtype == mhs.dtype == rhs.dtype:
        raise MXNetError(f"{op}: lhs, mhs and rhs must share a dtype, got "
                         f"{', '.join(np.dtype(x.dtype).name for x in (lhs, mhs, rhs))}")
    if out is not None:
        check_out(op, out, (lhs, mhs), lhs.shape, lhs._dtype_code, lhs.context)
    if lhs.size == 0:
        return deliver(op, lhs.copy(), out)
    hit = one_hot(rhs, lhs.shape[1], dtype=lhs.dtype)
    values = mhs.reshape((-1, 1)).broadcast_to(lhs.shape)
    return deliver(op, select(hit, values, lhs), out)


def onehot_encode(indices, out):
    """Write the one-hot rows of the float32 ``indices`` (truncated; out of range: a row of
    zeros) into the float32 matrix ``out`` and return it (MXNet's older :func:`one_hot`).

    >>> out = mx.nd.empty((2, 3))
    >>> mx.nd.onehot_encode(mx.nd.array([2, 0]), out)
    <BLANKLINE>
    [[0. 0. 1.]
     [1. 0. 0.]]
    <NDArray 2x3 @cpu(0)>
    """
    from mxgrad.ndarray.nn import one_hot
    _check_array("onehot_encode", indices, "indices")
    _check_array("onehot_encode", out, "out")
    if indices.ndim != 1 or out.ndim != 2 or indices.shape[0] != out.shape[0]:
        raise MXNetError(f"onehot_encode: indices must be 1-D with one value per row of the "
                         f"2-D out, got shapes {indices.shape} and {out.shape}")
    if indices.dtype != np.float32 or out.dtype != np.float32:
        raise MXNetError("onehot_encode: indices and out must be float32")
    check_out("onehot_encode", out, inputs=(indices,))
    return deliver("onehot_encode", one_hot(indices, out.shape[1], dtype="float32"), out)


def _shape_param(op, shape):
    """MXNet's ``shape`` of ravel/unravel as a tuple of ints; the first size is never used
    (it may be -1), the others must be positive (they divide)."""
    if shape is None:
        raise MXNetError(f"{op}: the shape parameter is required and must not be empty")
    if isinstance(shape, numbers.Integral):
        shape = (shape,)
    try:
        shape = tuple(int(s) for s in shape)
    except (TypeError, ValueError):
        raise MXNetError(f"{op}: shape must be a tuple of ints, got {shape!r}") from None
    if not shape:
        raise MXNetError(f"{op}: the shape parameter is required and must not be empty")
    if any(s <= 0 for s in shape[1:]):
        raise MXNetError(f"{op}: the sizes of shape after the first must be positive, got "
                         f"{shape}")
    return shape


def _check_result_out(op, out, shape, code, data):
    """``out`` checked before anything is enqueued (deliver checks it again at the end)."""
    if out is not None:
        check_out(op, out, shape=shape, code=code, ctx=data.context)


def _index_kernel(op, name, res, data, columns, dims):
    if not columns:
        return res
    k = family_kernel(data.context, "index_ops", name, data._dtype_code)
    d = _longs(dims, data.context)
    k.set_args(0, res._buffer, res._offset, data._buffer, data._offset, columns)
    k.set_arg_int(5, len(dims))
    k.set_args(6, d._buffer, d._offset)
    data.context.state.launch_1d(k, columns)
    return res


def ravel_multi_index(data=None, shape=None, out=None, name=None):
    """Flat indices into an array of ``shape`` from the coordinates in the columns of the
    2-D ``data`` (one row per axis), in ``data``'s dtype; coordinates are truncated to
    integers and not checked (as in MXNet, out-of-range ones give indices past the end).

    >>> coords = mx.nd.array([[3, 6, 6], [4, 5, 1]])
    >>> mx.nd.ravel_multi_index(coords, shape=(7, 6))
    <BLANKLINE>
    [22. 41. 37.]
    <NDArray 3 @cpu(0)>
    """
    op = "ravel_multi_index"
    _check_array(op, data, "data")
    dims = _shape_param(op, shape)
    if data.ndim != 2 or data.shape[0] != len(dims):
        raise MXNetError(f"{op}: data must be 2-D with one row per axis of shape {dims}, got "
                         f"shape {data.shape}")
    _check_result_out(op, out, (data.shape[1],), data._dtype_code, data)
    res = _ndarray.empty_array(data.context, (data.shape[1],), data._dtype_code)
    res = _index_kernel(op, "ravel_index", res, data, data.shape[1], dims)
    return deliver(op, res, out)


def unravel_index(data=None, shape=None, out=None, name=None):
    """The coordinates in an array of ``shape`` of the flat indices in ``data`` (truncated
    to integers): shape ``(len(shape),) + data.shape``, in ``data``'s dtype. As in MXNet,
    the first coordinate is not reduced (indices past the end give it past its size) and
    negative indices give negative coordinates (C's division).

    >>> mx.nd.unravel_index(mx.nd.array([22, 41, 37]), shape=(7, 6))
    <BLANKLINE>
    [[3. 6. 6.]
     [4. 5. 1.]]
    <NDArray 2x3 @cpu(0)>
    """
    op = "unravel_index"
    _check_array(op, data, "data")
    dims = _shape_param(op, shape)
    _check_result_out(op, out, (len(dims),) + data.shape, data._dtype_code, data)
    res = _ndarray.empty_array(data.context, (len(dims),) + data.shape, data._dtype_code)
    res = _index_kernel(op, "unravel_index", res, data, data.size, dims)
    return deliver(op, res, out)


def _axes_param(op, axes, ndim):
    if axes is None:
        return tuple(range(ndim))
    if isinstance(axes, numbers.Integral):
        axes = (axes,)
    result = []
    for a in axes:
        if isinstance(a, bool) or not isinstance(a, numbers.Integral) or not -ndim <= a < ndim:
            raise MXNetError(f"{op}: axis {a!r} is out of range for an array of {ndim} "
                             f"dimensions")
        result.append(int(a) % ndim)
    return tuple(result)


def index_array(data=None, axes=None, out=None, name=None):
    """The coordinates of every element of ``data``: shape ``data.shape + (len(axes),)``,
    int64, the last axis holding the position along each of ``axes`` (all axes when None;
    negative ones count from the end). MXNet reads past the shape for an axis out of
    range; mxgrad raises.

    >>> mx.nd.contrib.index_array(mx.nd.zeros((2, 2)))
    <BLANKLINE>
    [[[0 0]
      [0 1]]
    <BLANKLINE>
     [[1 0]
      [1 1]]]
    <NDArray 2x2x2 @cpu(0)>
    >>> mx.nd.contrib.index_array(mx.nd.zeros((2, 3)), axes=(1,)).reshape((2, 3))
    <BLANKLINE>
    [[0 1 2]
     [0 1 2]]
    <NDArray 2x3 @cpu(0)>
    """
    op = "index_array"
    _check_array(op, data, "data")
    chosen = _axes_param(op, axes, data.ndim)
    _check_result_out(op, out, data.shape + (len(chosen),), _INT64, data)
    res = _ndarray.empty_array(data.context, data.shape + (len(chosen),), _INT64)
    if res.size:
        spec = []
        for a in chosen:
            spec += [math.prod(data.shape[a + 1:]), data.shape[a]]
        s = _longs(spec, data.context)
        k = family_kernel(data.context, "index_ops", "index_array", _INT64)
        k.set_args(0, res._buffer, res._offset, res.size)
        k.set_arg_int(3, len(chosen))
        k.set_args(4, s._buffer, s._offset)
        data.context.state.launch_1d(k, res.size)
    return deliver(op, res, out)


def arange_like(data=None, start=0.0, step=1.0, repeat=1, ctx=None, axis=None, out=None,
                name=None):
    """``start, start + step, ...`` (each value ``repeat`` times) in ``data``'s shape and
    dtype, or along ``axis`` only (shape ``(data.shape[axis],)``) when it is given. Integer
    dtypes take ``start`` and ``step`` truncated, as MXNet does. ``ctx`` is accepted for
    MXNet's signature; the result is on ``data``'s context. Not differentiable (a constant).

    >>> mx.nd.contrib.arange_like(mx.nd.zeros((2, 3)), start=1, step=0.5, repeat=2)
    <BLANKLINE>
    [[1.  1.  1.5]
     [1.5 2.  2. ]]
    <NDArray 2x3 @cpu(0)>
    >>> mx.nd.contrib.arange_like(mx.nd.zeros((2, 3)), axis=-1)
    <BLANKLINE>
    [0. 1. 2.]
    <NDArray 3 @cpu(0)>
    """
    op = "arange_like"
    _check_array(op, data, "data")
    if isinstance(repeat, bool) or not isinstance(repeat, numbers.Integral) or repeat < 1:
        raise MXNetError(f"{op}: repeat must be a positive integer, got {repeat!r}")
    shape = data.shape
    if axis is not None:
        shape = (shape[_axes_param(op, axis, data.ndim)[0]],)
    code = data._dtype_code
    _check_result_out(op, out, shape, code, data)
    res = _ndarray.empty_array(data.context, shape, code)
    if res.size:
        k = family_kernel(data.context, "index_ops", "arange_like", code)
        k.set_args(0, res._buffer, res._offset, res.size, int(repeat))
        scalar = _SCALAR_CODE.get(code, code)
        cast = float if scalar in (0, 1) else int
        k.set_arg_scalar(4, scalar, cast(start))
        k.set_arg_scalar(5, scalar, cast(step))
        data.context.state.launch_1d(k, res.size)
    return deliver(op, res, out)
