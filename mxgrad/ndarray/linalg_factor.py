"""Factorizations of MXNet's linalg: potrf (Cholesky), gelqf (LQ), inverse, det, slogdet.

On CPU devices that run the host BLAS in the queue, each runs LAPACK there (mxgrad/_lapack.pyx);
elsewhere a kernel of kernels_cl/linalg_factor.cl, one work-item per matrix (Cholesky;
Householder reflectors as LAPACK's gelqf/orglq; Gauss-Jordan and LU with partial pivoting).
The gradient rules are MXNet's, written in trsm, triangle masks, batch_dot and inverse, so
they differentiate again. potrf of a matrix that is not positive definite and inverse of a
singular one raise MXNetError as MXNet does; that check waits for the kernel (it reads one
flag per matrix back).
"""
import math

import numpy as np

from mxgrad import _lapack, _ndarray
from mxgrad._tape import is_recording, record_op
from mxgrad.base import MXNetError
from mxgrad.gradients import gradient_rule
from mxgrad.ndarray._deliver import deliver
from mxgrad.ndarray._kernels import family_kernel
from mxgrad.ndarray.linalg import batch_dot
from mxgrad.ndarray.linalg_diag import check_float, check_matrices, copy_lower_to_upper
from mxgrad.ndarray.linalg_tri import _trsm
from mxgrad.ndarray.shape import swapaxes

__all__ = ["linalg_potrf", "linalg_gelqf", "linalg_inverse", "linalg_det", "linalg_slogdet"]

_INT32 = 4


def _square_input(op, A):
    check_matrices(op, A)
    check_float(op, A)
    return math.prod(A.shape[:-2]), A.shape[-1]


def _raise_if_flagged(info, message):
    if info.size and np.any(info.asnumpy()):
        raise MXNetError(message)


def _as3(x):
    return x.reshape((-1,) + x.shape[-2:])


def _batch_matmul(a, b, ta=False, tb=False):
    """Products of the trailing matrices of a and b (same leading dimensions)."""
    res = batch_dot(_as3(a), _as3(b), transpose_a=ta, transpose_b=tb)
    return res.reshape(a.shape[:-2] + res.shape[-2:])


def _mT(x):
    return swapaxes(x, -1, -2)


# --- potrf ------------------------------------------------------------------------------
def _potrf(A, lower):
    nmat, n = math.prod(A.shape[:-2]), A.shape[-1]
    ctx, code = A.context, A._dtype_code
    out = _ndarray.empty_array(ctx, A.shape, code)
    if out.size:
        info = _ndarray.empty_array(ctx, (nmat,), _INT32)
        if _lapack.available(ctx, A._buffer, out._buffer, info._buffer):
            _lapack.enqueue(ctx, _lapack.POTRF, code, n, 0, 0, lower, False, False, 1.0, nmat,
                            A._buffer, A._offset, out=out._buffer, info=info._buffer)
        else:
            rs, cs = (n, 1) if lower else (1, n)    # upper: the factor of the transposed view
            k = family_kernel(ctx, "linalg_factor", "potrf", code)
            k.set_args(0, out._buffer, A._buffer, A._offset, nmat, n, rs, cs, info._buffer)
            ctx.state.launch_1d(k, nmat)
        _raise_if_flagged(info, "linalg_potrf: the input matrix is not symmetric positive "
                                "definite (the Cholesky factorization failed)")
    if is_recording():
        record_op("linalg_potrf", (A,), (out,), _potrf_rule, lower,
                  replay=lambda a: _potrf(a, lower), attrs={"lower": lower})
    return out


@gradient_rule("linalg_potrf")
def _potrf_rule(lower, inputs, outputs, out_grads):
    # MXNet's: dA = 1/2 L^-T copyLTU(L^T dL) L^-1 (A = L L^T); for A = U^T U, L = U^T.
    L, G = outputs[0], out_grads[0]
    if lower:
        M = copy_lower_to_upper(_batch_matmul(L, G, ta=True))
        X = _trsm(L, M, True, False, True, 1.0)
        return (_trsm(L, X, False, True, True, 0.5),)
    M = copy_lower_to_upper(_batch_matmul(L, G, tb=True))      # U G^T = L^T dL
    X = _trsm(L, M, False, False, False, 1.0)                  # U^-1 = L^-T
    return (_trsm(L, X, True, True, False, 0.5),)              # . U^-T = . L^-1


def linalg_potrf(A=None, lower=True, out=None, name=None):
    """Cholesky factor of each symmetric positive definite matrix of ``A``: the lower
    triangular L with ``A = L L^T`` (only A's lower triangle is read); with ``lower=False``
    the upper triangular U with ``A = U^T U`` (from A's upper triangle).

    >>> A = mx.nd.array([[4, 2], [2, 3]])
    >>> mx.nd.linalg.potrf(A)
    <BLANKLINE>
    [[2.        0.       ]
     [1.        1.4142135]]
    <NDArray 2x2 @cpu(0)>
    """
    _square_input("linalg_potrf", A)
    return deliver("linalg_potrf", _potrf(A, bool(lower)), out)


# --- gelqf ------------------------------------------------------------------------------
def _gelqf(A):
    m, n = A.shape[-2:]
    nmat = math.prod(A.shape[:-2])
    ctx, code = A.context, A._dtype_code
    Q = _ndarray.empty_array(ctx, A.shape, code)
    L = _ndarray.empty_array(ctx, A.shape[:-1] + (m,), code)
    if nmat and m:
        if _lapack.available(ctx, A._buffer, Q._buffer, L._buffer):
            _lapack.enqueue(ctx, _lapack.GELQF, code, n, m, 0, False, False, False, 1.0, nmat,
                            A._buffer, A._offset, L._buffer, 0, out=Q._buffer)
        else:
            work = _ndarray.empty_array(ctx, (nmat * (m * n + m),), code)
            k = family_kernel(ctx, "linalg_factor", "gelqf", code)
            k.set_args(0, Q._buffer, L._buffer, work._buffer, A._buffer, A._offset, nmat, m, n)
            ctx.state.launch_1d(k, nmat)
    if is_recording():
        record_op("linalg_gelqf", (A,), (Q, L), _gelqf_rule, None, replay=_gelqf)
    return Q, L


@gradient_rule("linalg_gelqf")
def _gelqf_rule(saved, inputs, outputs, out_grads):
    # MXNet's: M = L^T dL - dQ Q^T;  dA = L^-T (dQ + copyLTU(M) Q)
    Q, L = outputs
    dQ, dL = out_grads
    M = _batch_matmul(L, dL, ta=True) - _batch_matmul(dQ, Q, tb=True)
    return (_trsm(L, dQ + _batch_matmul(copy_lower_to_upper(M), Q), True, False, True, 1.0),)


def linalg_gelqf(A=None, out=None, name=None):
    """LQ factorization of each m x n matrix of ``A`` (m <= n): ``[Q, L]`` with A = L Q, Q
    (m x n) with orthonormal rows and L (m x m) lower triangular (LAPACK's signs).

    >>> Q, L = mx.nd.linalg.gelqf(mx.nd.array([[3, 4]]))
    >>> Q
    <BLANKLINE>
    [[-0.6 -0.8]]
    <NDArray 1x2 @cpu(0)>
    >>> L
    <BLANKLINE>
    [[-5.]]
    <NDArray 1x1 @cpu(0)>
    """
    check_matrices("linalg_gelqf", A, square=False)
    check_float("linalg_gelqf", A)
    if A.shape[-2] > A.shape[-1]:
        raise MXNetError(f"linalg_gelqf: A must have at most as many rows as columns, got "
                         f"shape {A.shape}")
    Q, L = _gelqf(A)
    if out is not None:
        if not isinstance(out, (list, tuple)) or len(out) != 2:
            raise MXNetError("linalg_gelqf: out must be a list of two NDArrays (Q, L)")
        return [deliver("linalg_gelqf", Q, out[0]), deliver("linalg_gelqf", L, out[1])]
    return [Q, L]


# --- inverse ----------------------------------------------------------------------------
def _inverse(A, strict=True):
    """The inverses; a singular matrix raises (strict) or gets zeros."""
    nmat, n = math.prod(A.shape[:-2]), A.shape[-1]
    ctx, code = A.context, A._dtype_code
    out = _ndarray.empty_array(ctx, A.shape, code)
    if out.size:
        info = _ndarray.empty_array(ctx, (nmat,), _INT32)
        if _lapack.available(ctx, A._buffer, out._buffer, info._buffer):
            _lapack.enqueue(ctx, _lapack.INVERSE, code, n, 0, 0, not strict, False, False, 1.0,
                            nmat, A._buffer, A._offset, out=out._buffer, info=info._buffer)
        else:
            work = _ndarray.empty_array(ctx, A.shape, code)
            k = family_kernel(ctx, "linalg_factor", "inverse", code)
            k.set_args(0, out._buffer, work._buffer, A._buffer, A._offset, nmat, n,
                       info._buffer)
            k.set_arg_int(7, int(not strict))
            ctx.state.launch_1d(k, nmat)
        if strict:
            _raise_if_flagged(info, "linalg_inverse: the input matrix is singular (not "
                                    "invertible)")
    if is_recording():
        record_op("linalg_inverse", (A,), (out,), _inverse_rule, None,
                  replay=lambda a: _inverse(a, strict))
    return out


@gradient_rule("linalg_inverse")
def _inverse_rule(saved, inputs, outputs, out_grads):
    inv, G = outputs[0], out_grads[0]       # dA = -A^-T G A^-T
    return (-_batch_matmul(_batch_matmul(inv, G, ta=True), inv, tb=True),)


def linalg_inverse(A=None, out=None, name=None):
    """The inverse of each square matrix of ``A`` (MXNetError when one is singular).

    >>> mx.nd.linalg.inverse(mx.nd.array([[2, 0], [1, 1]]))
    <BLANKLINE>
    [[ 0.5  0. ]
     [-0.5  1. ]]
    <NDArray 2x2 @cpu(0)>
    """
    _square_input("linalg_inverse", A)
    return deliver("linalg_inverse", _inverse(A), out)


# --- det, slogdet -----------------------------------------------------------------------
def _lu_det(A):
    """(det, sign, logabsdet) of each matrix, shaped like the batch ((1,) for one)."""
    nmat, n = math.prod(A.shape[:-2]), A.shape[-1]
    ctx, code = A.context, A._dtype_code
    shape = A.shape[:-2] or (1,)
    det, sign, logabs = (_ndarray.empty_array(ctx, shape, code) for _ in range(3))
    if nmat and _lapack.available(ctx, A._buffer, det._buffer, sign._buffer, logabs._buffer):
        _lapack.enqueue(ctx, _lapack.DET, code, n, 0, 0, False, False, False, 1.0, nmat,
                        A._buffer, A._offset, sign._buffer, 0, out=det._buffer,
                        out2=logabs._buffer)
    elif nmat:
        work = _ndarray.empty_array(ctx, (max(nmat * n * n, 1),), code)
        k = family_kernel(ctx, "linalg_factor", "lu_det", code)
        k.set_args(0, det._buffer, sign._buffer, logabs._buffer, work._buffer, A._buffer,
                   A._offset, nmat, n)
        ctx.state.launch_1d(k, nmat)
    return det, sign, logabs


def _inverse_transposed(A, scale):
    """scale[..., None, None] * A^-T: the gradient of det (scale = g det) or logabsdet; as
    MXNet, zeros for a singular matrix."""
    s = scale.reshape(A.shape[:-2] + (1, 1))
    return _mT(_inverse(A, strict=False)) * s


def _det(A):
    det = _lu_det(A)[0]
    if is_recording():
        record_op("linalg_det", (A,), (det,), _det_rule, None, replay=_det)
    return det


@gradient_rule("linalg_det")
def _det_rule(saved, inputs, outputs, out_grads):
    return (_inverse_transposed(inputs[0], out_grads[0] * outputs[0]),)


def linalg_det(A=None, out=None, name=None):
    """The determinant of each square matrix of ``A``: shape A.shape[:-2] ((1,) for a single
    matrix).

    >>> mx.nd.linalg.det(mx.nd.array([[1, 2], [3, 4]]))
    <BLANKLINE>
    [-2.]
    <NDArray 1 @cpu(0)>
    """
    _square_input("linalg_det", A)
    return deliver("linalg_det", _det(A), out)


def _slogdet(A):
    _, sign, logabs = _lu_det(A)
    if is_recording():
        record_op("linalg_slogdet", (A,), (sign, logabs), _slogdet_rule, None,
                  replay=_slogdet)
    return sign, logabs


@gradient_rule("linalg_slogdet")
def _slogdet_rule(saved, inputs, outputs, out_grads):
    return (_inverse_transposed(inputs[0], out_grads[1]),)     # the sign is constant


def linalg_slogdet(A=None, out=None, name=None):
    """``[sign, logabsdet]`` of the determinant of each square matrix of ``A`` (a singular
    one: sign 0, logabsdet -inf); the determinant is sign * exp(logabsdet).

    >>> sign, logabsdet = mx.nd.linalg.slogdet(mx.nd.array([[1, 2], [3, 4]]))
    >>> sign
    <BLANKLINE>
    [-1.]
    <NDArray 1 @cpu(0)>
    >>> logabsdet
    <BLANKLINE>
    [0.6931472]
    <NDArray 1 @cpu(0)>
    """
    _square_input("linalg_slogdet", A)
    sign, logabs = _slogdet(A)
    if out is not None:
        if not isinstance(out, (list, tuple)) or len(out) != 2:
            raise MXNetError("linalg_slogdet: out must be a list of two NDArrays "
                             "(sign, logabsdet)")
        return [deliver("linalg_slogdet", sign, out[0]),
                deliver("linalg_slogdet", logabs, out[1])]
    return [sign, logabs]
