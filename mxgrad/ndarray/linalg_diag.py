"""Diagonals and triangles of batches of matrices: MXNet's linalg extractdiag, makediag,
extracttrian, maketrian and sumlogdiag.

Each is an index map from the trailing matrix (or vector) of the input to that of the output,
applied to every matrix of the batch by one gather kernel (kernels_cl/linalg_gather.cl; a
negative index writes 0). The maps are one-to-one, so the gradient of a
gather is the gather by the inverse map (extractdiag's is makediag's, and so on), which
differentiates again. The same gather masks a triangle (``triangle``) for the other linalg
modules' gradient rules.
"""
import functools
import math
import numbers

import numpy as np

from mxgrad import _ndarray
from mxgrad._ndarray import NDArrayBase
from mxgrad._tape import is_recording, record_op
from mxgrad.base import MXNetError
from mxgrad.gradients import gradient_rule
from mxgrad.ndarray._deliver import deliver
from mxgrad.ndarray._kernels import family_kernel
from mxgrad.ndarray.reduce import sum as _sum
from mxgrad.ndarray.shape import swapaxes

__all__ = ["linalg_extractdiag", "linalg_makediag", "linalg_extracttrian",
           "linalg_maketrian", "linalg_sumlogdiag"]

_INT32 = 4
_FLOATS = (0, 1)           # float32, float64: the dtypes of MXNet's factorizations
_DEVICE_MAPS = {}          # (ctx, spec) -> int32 NDArray of the map on that context
_MAX_MAPS = 512


def check_matrices(op, A, name="A", square=True):
    """A is an NDArray of (square) matrices: at least 2-D."""
    if not isinstance(A, NDArrayBase):
        raise MXNetError(f"{op}: {name} must be an NDArray, got {type(A).__name__}")
    if A.ndim < 2:
        raise MXNetError(f"{op}: {name} must be a tensor of matrices (at least 2 dimensions), "
                         f"got shape {A.shape}")
    if square and A.shape[-1] != A.shape[-2]:
        raise MXNetError(f"{op}: {name} must be a tensor of square matrices, got shape "
                         f"{A.shape}")


def check_float(op, *arrays):
    """float32 or float64, all of one dtype and context (MXNet's factorizations' dtypes)."""
    first = arrays[0]
    for x in arrays:
        if x._dtype_code not in _FLOATS:
            raise MXNetError(f"{op}: only float32 and float64 are supported, got "
                             f"{np.dtype(x.dtype).name}")
        if x._dtype_code != first._dtype_code:
            raise MXNetError(f"{op}: dtype mismatch, {np.dtype(first.dtype).name} vs "
                             f"{np.dtype(x.dtype).name}")
        if x.context != first.context:
            raise MXNetError(f"{op}: arrays are on different contexts, {first.context} and "
                             f"{x.context}")


def _int(op, name, v):
    if isinstance(v, bool) or not isinstance(v, numbers.Integral):
        raise MXNetError(f"{op}: {name} must be an int, got {v!r}")
    return int(v)


# --- index maps: spec -> (int32 indices, input matrix shape, output matrix shape) ---------
@functools.lru_cache(maxsize=256)
def host_map(spec):
    kind = spec[0]
    if kind == "adj":         # the inverse of a one-to-one map: its gradient
        idx, src_shape, dst_shape = host_map(spec[1])
        inv = np.full(math.prod(src_shape), -1, np.int32)
        hit = np.nonzero(idx >= 0)[0]
        inv[idx[hit]] = hit
        return inv, dst_shape, src_shape
    n = spec[1]
    grid = np.arange(n * n, dtype=np.int32).reshape(n, n)
    if kind == "diag":
        offset = spec[2]
        return np.ascontiguousarray(np.diagonal(grid, offset)), (n, n), (n - abs(offset),)
    if kind == "trian":       # lower: row by row; upper: column by column (MXNet's order)
        offset, lower = spec[2], spec[3]
        if offset < 0 or (offset == 0 and lower):
            idx = grid[np.tril(np.ones((n, n), bool), offset)]
        else:
            idx = grid.T[np.tril(np.ones((n, n), bool), -offset)]
        return idx.astype(np.int32), (n, n), (idx.size,)
    if kind == "mask":        # the triangle kept (j <= i + offset, or j >= i + offset), 0 else
        offset, lower = spec[2], spec[3]
        keep = np.tril(np.ones((n, n), bool), offset) if lower else \
            np.triu(np.ones((n, n), bool), offset)
        return np.where(keep, grid, -1).astype(np.int32).reshape(-1), (n, n), (n, n)
    raise ValueError(spec)


def _device_map(ctx, spec):
    key = (ctx, spec)
    arr = _DEVICE_MAPS.get(key)
    if arr is None:
        idx = host_map(spec)[0]
        if len(_DEVICE_MAPS) >= _MAX_MAPS:
            _DEVICE_MAPS.clear()
        arr = _ndarray.empty_array(ctx, (max(idx.size, 1),), _INT32)
        if idx.size:
            arr._write_numpy(idx)
        _DEVICE_MAPS[key] = arr
    return arr


def gather_map(x, spec):
    """Every trailing matrix of ``x`` mapped by ``spec``; recorded (gradient: the inverse)."""
    _, src_shape, dst_shape = host_map(spec)
    lead = x.shape[:x.ndim - len(src_shape)]
    out = _ndarray.empty_array(x.context, lead + dst_shape, x._dtype_code)
    if out.size:
        k = family_kernel(x.context, "linalg_gather", "index_gather", x._dtype_code)
        idx = _device_map(x.context, spec)
        k.set_args(0, out._buffer, x._buffer, x._offset, idx._buffer, out.size,
                   math.prod(dst_shape), math.prod(src_shape))
        x.context.state.launch_1d(k, out.size)
    if is_recording():
        record_op("_linalg_index_gather", (x,), (out,), _gather_rule, spec,
                  replay=lambda a: gather_map(a, spec), save_outputs=False)
    return out


@gradient_rule("_linalg_index_gather")
def _gather_rule(spec, inputs, outputs, out_grads):
    return (gather_map(out_grads[0], spec[1] if spec[0] == "adj" else ("adj", spec)),)


def triangle(x, lower=True, offset=0):
    """The lower (j <= i + offset) or upper (j >= i + offset) triangle of each trailing
    square matrix of ``x``, zeros elsewhere; differentiable."""
    return gather_map(x, ("mask", x.shape[-1], offset, bool(lower)))


def copy_lower_to_upper(x):
    """Each matrix's lower triangle mirrored onto its upper one (a symmetric matrix)."""
    return triangle(x) + swapaxes(triangle(x, offset=-1), -1, -2)


# --- the public ops ----------------------------------------------------------------------
def _diag_offset(op, A, offset):
    offset = _int(op, "offset", offset)
    n = A.shape[-1]
    if n - abs(offset) <= 0:
        raise MXNetError(f"{op}: illegal offset {offset} for a diagonal or triangle of "
                         f"{n} x {n} matrices")
    return offset


def linalg_extractdiag(A=None, offset=0, out=None, name=None):
    """Diagonal ``offset`` (0: the main one, > 0 above it, < 0 below) of each trailing square
    matrix of ``A``.

    >>> A = mx.nd.array([[1, 2], [3, 4]])
    >>> mx.nd.linalg.extractdiag(A)
    <BLANKLINE>
    [1. 4.]
    <NDArray 2 @cpu(0)>
    >>> mx.nd.linalg.extractdiag(A, offset=1)
    <BLANKLINE>
    [2.]
    <NDArray 1 @cpu(0)>
    """
    check_matrices("linalg_extractdiag", A)
    check_float("linalg_extractdiag", A)
    offset = _diag_offset("linalg_extractdiag", A, offset)
    return deliver("linalg_extractdiag", gather_map(A, ("diag", A.shape[-1], offset)), out)


def linalg_makediag(A=None, offset=0, out=None, name=None):
    """Square matrices with the trailing vectors of ``A`` on diagonal ``offset``, zeros
    elsewhere (vectors of n make matrices of n + abs(offset)).

    >>> mx.nd.linalg.makediag(mx.nd.array([1, 2]))
    <BLANKLINE>
    [[1. 0.]
     [0. 2.]]
    <NDArray 2x2 @cpu(0)>
    >>> mx.nd.linalg.makediag(mx.nd.array([1, 2]), offset=-1)
    <BLANKLINE>
    [[0. 0. 0.]
     [1. 0. 0.]
     [0. 2. 0.]]
    <NDArray 3x3 @cpu(0)>
    """
    if not isinstance(A, NDArrayBase):
        raise MXNetError(f"linalg_makediag: A must be an NDArray, got {type(A).__name__}")
    if A.ndim < 1:
        raise MXNetError("linalg_makediag: A must have at least one dimension")
    check_float("linalg_makediag", A)
    offset = _int("linalg_makediag", "offset", offset)
    n = A.shape[-1] + abs(offset)
    return deliver("linalg_makediag", gather_map(A, ("adj", ("diag", n, offset))), out)


def linalg_extracttrian(A=None, offset=0, lower=True, out=None, name=None):
    """The triangle of each trailing square matrix of ``A`` as a vector: the lower one row by
    row (``offset`` < 0, or 0 with ``lower``), else the upper one column by column;
    ``offset`` shifts the bounding diagonal as in extractdiag.

    >>> A = mx.nd.array([[1, 2, 3], [4, 5, 6], [7, 8, 9]])
    >>> mx.nd.linalg.extracttrian(A)
    <BLANKLINE>
    [1. 4. 5. 7. 8. 9.]
    <NDArray 6 @cpu(0)>
    >>> mx.nd.linalg.extracttrian(A, lower=False)
    <BLANKLINE>
    [1. 2. 5. 3. 6. 9.]
    <NDArray 6 @cpu(0)>
    """
    check_matrices("linalg_extracttrian", A)
    check_float("linalg_extracttrian", A)
    offset = _diag_offset("linalg_extracttrian", A, offset)
    spec = ("trian", A.shape[-1], offset, bool(lower))
    return deliver("linalg_extracttrian", gather_map(A, spec), out)


def linalg_maketrian(A=None, offset=0, lower=True, out=None, name=None):
    """The inverse of extracttrian: square matrices whose triangle holds the trailing vectors
    of ``A`` (of length m (m + 1) / 2: matrices of m + abs(offset)), zeros elsewhere.

    >>> mx.nd.linalg.maketrian(mx.nd.array([1, 2, 3]))
    <BLANKLINE>
    [[1. 0.]
     [2. 3.]]
    <NDArray 2x2 @cpu(0)>
    >>> mx.nd.linalg.maketrian(mx.nd.array([1, 2, 3]), offset=1)
    <BLANKLINE>
    [[0. 1. 2.]
     [0. 0. 3.]
     [0. 0. 0.]]
    <NDArray 3x3 @cpu(0)>
    """
    if not isinstance(A, NDArrayBase):
        raise MXNetError(f"linalg_maketrian: A must be an NDArray, got {type(A).__name__}")
    if A.ndim < 1:
        raise MXNetError("linalg_maketrian: A must have at least one dimension")
    check_float("linalg_maketrian", A)
    offset = _int("linalg_maketrian", "offset", offset)
    length = A.shape[-1]
    m = int((math.isqrt(8 * length + 1) - 1) // 2)
    if m * (m + 1) // 2 != length or m == 0:
        raise MXNetError(f"linalg_maketrian: the last axis of A must have a triangular length "
                         f"m (m + 1) / 2, got {length} (shape {A.shape})")
    spec = ("adj", ("trian", m + abs(offset), offset, bool(lower)))
    return deliver("linalg_maketrian", gather_map(A, spec), out)


def linalg_sumlogdiag(A=None, out=None, name=None):
    """The sum of the logarithms of the diagonal of each trailing square matrix of ``A``
    (the log-determinant of a Cholesky factor, times two).

    >>> mx.nd.linalg.sumlogdiag(mx.nd.array([[1, 2], [3, 4]]))
    <BLANKLINE>
    [1.3862944]
    <NDArray 1 @cpu(0)>
    """
    check_matrices("linalg_sumlogdiag", A)
    check_float("linalg_sumlogdiag", A)
    d = gather_map(A, ("diag", A.shape[-1], 0))
    res = _sum(d.log(), axis=-1)
    return deliver("linalg_sumlogdiag", res, out)
