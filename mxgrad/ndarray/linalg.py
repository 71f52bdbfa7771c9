"""Matrix products: dot, batch_dot, linalg_gemm2, FullyConnected — all through one GEMM.

Every product ends in mxgrad._gemm.gemm (host BLAS inside the queue on CPU devices, a tiled
OpenCL kernel elsewhere). Gradient rules are products again, so they differentiate too.
"""
import functools
import numpy as np

from mxgrad import _gemm
from mxgrad import _ndarray
from mxgrad._ndarray import NDArrayBase
from mxgrad._tape import is_recording, record_op, wants_grad
from mxgrad.base import MXNetError
from mxgrad.gradients import gradient_rule
from mxgrad.ndarray._deliver import aliases, check_out, deliver
from mxgrad.ndarray._kernels import family_kernel
from mxgrad.ndarray.shape import swapaxes

__all__ = ["dot", "batch_dot", "linalg_gemm2", "FullyConnected"]


def _gemm_kernel(ctx, trans_a, trans_b, code):
    return family_kernel(ctx, "gemm", "gemm", code,
                         f"-D TRANS_A={int(trans_a)} -D TRANS_B={int(trans_b)}")


_gemm._set_kernel_getter(_gemm_kernel)


def _check_pair(op, a, b):
    if not isinstance(a, NDArrayBase) or not isinstance(b, NDArrayBase):
        raise MXNetError(f"{op}: operands must be NDArrays, got {type(a).__name__} and "
                         f"{type(b).__name__}")
    if a._dtype_code != b._dtype_code:
        raise MXNetError(f"{op}: dtype mismatch, {np.dtype(a.dtype).name} vs "
                         f"{np.dtype(b.dtype).name}")
    if a.context is not b.context and a.context != b.context:
        raise MXNetError(f"{op}: arrays are on different contexts, {a.context} and {b.context}")
    if a._dtype_code not in (0, 1, 2):
        raise MXNetError(f"{op}: only float16/32/64 are supported, got {np.dtype(a.dtype).name}")


def _prod(dims):
    p = 1
    for d in dims:
        p *= d
    return p


@functools.lru_cache(maxsize=None)       # shapes recur every step: compute them once
def _dot_dims(a_shape, b_shape, ta, tb):
    """(M, K, N, out_shape) of MXNet's dot: a is flattened to 2-D around the reduced axis."""
    if len(a_shape) == 0 or len(b_shape) == 0:
        raise MXNetError("dot: operands must have at least one dimension")
    if ta:
        K, M, a_rest = a_shape[0], _prod(a_shape[1:]), a_shape[1:]
    else:
        K, M, a_rest = a_shape[-1], _prod(a_shape[:-1]), a_shape[:-1]
    if tb:
        Kb, N, b_rest = b_shape[-1], _prod(b_shape[:-1]), b_shape[:-1]
    else:
        Kb, N, b_rest = b_shape[0], _prod(b_shape[1:]), b_shape[1:]
    if K != Kb:
        raise MXNetError(f"dot: shape mismatch, {a_shape} and {b_shape} "
                         f"(transpose_a={ta}, transpose_b={tb}) reduce {K} against {Kb}")
    out_shape = tuple(a_rest) + tuple(b_rest)
    return M, K, N, out_shape or (1,)


def _enqueue_gemm(a, b, out, ta, tb, M, K, N, batch=1, alpha=1.0):
    _gemm.gemm(a.context, ta, tb, M, N, K, alpha,
               a._buffer, a._offset, M if ta else K, M * K,
               b._buffer, b._offset, K if tb else N, K * N, 0.0,
               out._buffer, out._offset, N, M * N, batch, a._dtype_code)


def dot(lhs, rhs, transpose_a=False, transpose_b=False, forward_stype=None, out=None, name=None):
    """Dot product; N-d operands contract the last axis of lhs with the first of rhs
    (the first of lhs with ``transpose_a``, the last of rhs with ``transpose_b``).

    >>> a = mx.nd.array([[1, 2], [3, 4]])
    >>> mx.nd.dot(a, mx.nd.array([[1], [1]]))
    <BLANKLINE>
    [[3.]
     [7.]]
    <NDArray 2x1 @cpu(0)>
    >>> mx.nd.dot(a, a, transpose_a=True)
    <BLANKLINE>
    [[10. 14.]
     [14. 20.]]
    <NDArray 2x2 @cpu(0)>
    >>> mx.nd.dot(mx.nd.array([1, 2]), mx.nd.array([3, 4]))     # two vectors: shape (1,)
    <BLANKLINE>
    [11.]
    <NDArray 1 @cpu(0)>
    >>> mx.nd.dot(mx.nd.ones((2, 3, 4)), mx.nd.ones((4, 5))).shape
    (2, 3, 5)
    """
    _check_pair("dot", lhs, rhs)
    ta, tb = bool(transpose_a), bool(transpose_b)
    M, K, N, out_shape = _dot_dims(lhs.shape, rhs.shape, ta, tb)
    if out is None:
        out = _ndarray.empty_array(lhs.context, out_shape, lhs._dtype_code)
    else:
        check_out("dot", out, (lhs, rhs), out_shape, lhs._dtype_code, lhs.context)
        if aliases(out, (lhs, rhs)):        # the GEMM would read what it already wrote
            return deliver("dot", dot(lhs, rhs, ta, tb), out)
    _enqueue_gemm(lhs, rhs, out, ta, tb, M, K, N)
    if is_recording():
        record_op("dot", (lhs, rhs), (out,), _dot_rule, (ta, tb), replay=_dot_replay(ta, tb),
                  attrs={"transpose_a": ta, "transpose_b": tb})
    return out


def _dot_replay(ta, tb):
    return lambda a, b: dot(a, b, transpose_a=ta, transpose_b=tb)


def _as2d(x, rows_first_axis):
    """x as a matrix: (shape[0], rest) if rows_first_axis else (rest..., last)."""
    if rows_first_axis:
        return x.reshape((x.shape[0], -1))
    return x.reshape((-1, x.shape[-1]))


@gradient_rule("dot")
def _dot_rule(saved, inputs, outputs, out_grads):
    ta, tb = saved
    a, b = inputs
    M, K, N, _ = _dot_dims(a.shape, b.shape, ta, tb)
    g = _as_shape(out_grads[0], (M, N))
    da = db = None
    # Only the wanted products: the first layer's data needs no gradient (a whole GEMM).
    if wants_grad(a):
        b2 = _as_shape(b, (N, K) if tb else (K, N))
        if ta:      # da = (g @ op(b)^T)^T
            da = dot(b2, g, transpose_a=tb, transpose_b=True)
        else:       # da = g @ op(b)^T
            da = dot(g, b2, transpose_b=not tb)
        da = _as_shape(da, a.shape)
    if wants_grad(b):
        a2 = _as_shape(a, (K, M) if ta else (M, K))
        if tb:      # db = (op(a)^T @ g)^T
            db = dot(g, a2, transpose_a=True, transpose_b=ta)
        else:       # db = op(a)^T @ g
            db = dot(a2, g, transpose_a=not ta)
        db = _as_shape(db, b.shape)
    return da, db


def _as_shape(x, shape):
    """``x`` itself when it already has ``shape``, else a (recorded) reshape."""
    return x if x.shape == shape else x.reshape(shape)


def batch_dot(lhs, rhs, transpose_a=False, transpose_b=False, forward_stype=None, out=None,
              name=None):
    """Batched matrix product of (B, M, K) and (B, K, N) arrays (with optional transposes).

    >>> a = mx.nd.array([[[1, 2]], [[3, 4]]])          # (2, 1, 2)
    >>> b = mx.nd.array([[[1], [1]], [[2], [0]]])      # (2, 2, 1)
    >>> mx.nd.batch_dot(a, b)
    <BLANKLINE>
    [[[3.]]
    <BLANKLINE>
     [[6.]]]
    <NDArray 2x1x1 @cpu(0)>
    >>> mx.nd.batch_dot(a, a, transpose_a=True).shape
    (2, 2, 2)
    """
    _check_pair("batch_dot", lhs, rhs)
    if lhs.ndim != 3 or rhs.ndim != 3:
        raise MXNetError(f"batch_dot: operands must be 3-D, got {lhs.shape} and {rhs.shape}")
    ta, tb = bool(transpose_a), bool(transpose_b)
    B = lhs.shape[0]
    M, K = (lhs.shape[2], lhs.shape[1]) if ta else (lhs.shape[1], lhs.shape[2])
    Kb, N = (rhs.shape[2], rhs.shape[1]) if tb else (rhs.shape[1], rhs.shape[2])
    if rhs.shape[0] != B or K != Kb:
        raise MXNetError(f"batch_dot: shape mismatch, {lhs.shape} and {rhs.shape} "
                         f"(transpose_a={ta}, transpose_b={tb})")
    out_shape = (B, M, N)
    if out is None:
        out = _ndarray.empty_array(lhs.context, out_shape, lhs._dtype_code)
    else:
        check_out("batch_dot", out, (lhs, rhs), out_shape, lhs._dtype_code, lhs.context)
        if aliases(out, (lhs, rhs)):
            return deliver("batch_dot", batch_dot(lhs, rhs, ta, tb), out)
    _enqueue_gemm(lhs, rhs, out, ta, tb, M, K, N, batch=B)
    if is_recording():
        record_op("batch_dot", (lhs, rhs), (out,), _batch_dot_rule, (ta, tb),
                  replay=lambda a, b: batch_dot(a, b, transpose_a=ta, transpose_b=tb),
                  attrs={"transpose_a": ta, "transpose_b": tb})
    return out


@gradient_rule("batch_dot")
def _batch_dot_rule(saved, inputs, outputs, out_grads):
    ta, tb = saved
    a, b = inputs
    g = out_grads[0]
    da = db = None
    if wants_grad(a):
        da = (batch_dot(b, g, transpose_a=tb, transpose_b=True) if ta
              else batch_dot(g, b, transpose_b=not tb))
    if wants_grad(b):
        db = (batch_dot(g, a, transpose_a=True, transpose_b=ta) if tb
              else batch_dot(a, g, transpose_a=not ta))
    return da, db


def linalg_gemm2(A, B, transpose_a=False, transpose_b=False, alpha=1.0, axis=-2, out=None,
                 name=None):
    """alpha * op(A) @ op(B) over the last two axes, batched over the leading ones
    (``axis``: the axis of the matrix rows, by default the second last).

    >>> A = mx.nd.array([[1, 2], [3, 4]])
    >>> mx.nd.linalg_gemm2(A, A, transpose_b=True, alpha=0.5)
    <BLANKLINE>
    [[ 2.5  5.5]
     [ 5.5 12.5]]
    <NDArray 2x2 @cpu(0)>
    >>> mx.nd.linalg_gemm2(mx.nd.ones((5, 2, 3)), mx.nd.ones((5, 3, 4))).shape
    (5, 2, 4)
    """
    _check_pair("linalg_gemm2", A, B)
    if out is not None:
        check_out("linalg_gemm2", out, (A, B))
    if not isinstance(axis, int) or not -A.ndim <= axis < A.ndim - 1 or A.ndim != B.ndim:
        raise MXNetError(f"linalg_gemm2: axis {axis!r} must name an axis of A {A.shape} and B "
                         f"{B.shape} (of as many dimensions) but the last")
    if axis % A.ndim != A.ndim - 2:        # the rows elsewhere: move them next to the columns
        ax = axis % A.ndim
        res = linalg_gemm2(swapaxes(A, ax, -2), swapaxes(B, ax, -2), transpose_a, transpose_b,
                           alpha)
        return deliver("linalg_gemm2", swapaxes(res, ax, -2), out)
    if A.ndim < 2 or B.ndim < 2 or A.shape[:-2] != B.shape[:-2]:
        raise MXNetError(f"linalg_gemm2: need matching batch dims and at least 2-D operands, "
                         f"got {A.shape} and {B.shape}")
    lead = A.shape[:-2]
    a3 = A.reshape((-1,) + A.shape[-2:])
    b3 = B.reshape((-1,) + B.shape[-2:])
    res = batch_dot(a3, b3, transpose_a=transpose_a, transpose_b=transpose_b)
    if alpha != 1.0:
        res = res * alpha
    return deliver("linalg_gemm2", res.reshape(lead + res.shape[-2:]), out)


def FullyConnected(data, weight, bias=None, num_hidden=None, no_bias=False, flatten=True,
                   out=None, **kwargs):
    """``data @ weight.T + bias``; data is flattened to 2-D first unless flatten=False.

    >>> x = mx.nd.array([[1, 2, 3]])
    >>> w = mx.nd.array([[1, 0, 0], [0, 1, 1]])        # (num_hidden, in_units)
    >>> b = mx.nd.array([10, 20])
    >>> mx.nd.FullyConnected(x, w, b, num_hidden=2)
    <BLANKLINE>
    [[11. 25.]]
    <NDArray 1x2 @cpu(0)>
    >>> mx.nd.FullyConnected(mx.nd.ones((2, 3, 4)), mx.nd.ones((5, 12)), no_bias=True,
    ...                      num_hidden=5).shape
    (2, 5)
    >>> mx.nd.FullyConnected(mx.nd.ones((2, 3, 4)), mx.nd.ones((5, 4)), no_bias=True,
    ...                      num_hidden=5, flatten=False).shape
    (2, 3, 5)
    """
    if num_hidden is None:
        raise MXNetError("FullyConnected: num_hidden is required")
    if out is not None:
        check_out("FullyConnected", out, (data, weight, bias))
    _check_pair("FullyConnected", data, weight)
    if weight.ndim != 2 or weight.shape[0] != num_hidden:
        raise MXNetError(f"FullyConnected: weight must have shape ({num_hidden}, in_units), "
                         f"got {weight.shape}")
    if not no_bias:
        if bias is None:
            raise MXNetError("FullyConnected: bias is required unless no_bias=True")
        if not isinstance(bias, NDArrayBase) or bias.shape != (num_hidden,):
            raise MXNetError(f"FullyConnected: bias must have shape ({num_hidden},), "
                             f"got {getattr(bias, 'shape', type(bias).__name__)}")
    if flatten:
        x = data.reshape((data.shape[0], -1)) if data.ndim != 2 else data
    else:
        x = data
    if x.shape[-1] != weight.shape[1]:
        raise MXNetError(f"FullyConnected: data has {x.shape[-1]} input units but weight "
                         f"expects {weight.shape[1]} ({data.shape} vs {weight.shape})")
    res = dot(x, weight, transpose_b=True)      # a fresh array: out= may be an input
    return deliver("FullyConnected", res if no_bias else res + bias, out)
