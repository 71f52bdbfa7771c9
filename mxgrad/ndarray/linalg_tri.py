"""Triangular and product ops of MXNet's linalg: gemm, trsm, trmm, syrk, potri.

trsm solves with the host BLAS's trsm inside the queue on CPU devices that run it there
(mxgrad/_lapack.pyx), elsewhere with a kernel (kernels_cl/linalg_factor.cl's ``trsm``:
one work-item per column of the right-hand side, substituting through the triangle); its gradient rule is written in
trsm and batch_dot again, so it differentiates to any order. The others are compositions of
GEMMs (mxgrad.ndarray.linalg), triangle masks and trsm, and get their gradients from those.
Like MXNet, the triangular ops read only the triangle of A that ``lower`` names, and the
gradient they give A is zero outside it.
"""
import numbers

from mxgrad import _lapack, _ndarray
from mxgrad._tape import is_recording, record_op, wants_grad
from mxgrad.base import MXNetError
from mxgrad.gradients import gradient_rule
from mxgrad.ndarray._deliver import deliver
from mxgrad.ndarray._kernels import family_kernel
from mxgrad.ndarray.linalg import batch_dot, linalg_gemm2
from mxgrad.ndarray.linalg_diag import check_float, check_matrices, gather_map, triangle
from mxgrad.ndarray.shape import swapaxes

__all__ = ["linalg_gemm", "linalg_trsm", "linalg_trmm", "linalg_syrk", "linalg_potri"]


def _scalar(op, name, v):
    if isinstance(v, bool) or not isinstance(v, numbers.Real):
        raise MXNetError(f"{op}: {name} must be a number, got {v!r}")
    return float(v)


def _check_tri_pair(op, A, B, rightside):
    check_matrices(op, A)
    check_matrices(op, B, "B", square=False)
    check_float(op, A, B)
    if A.shape[:-2] != B.shape[:-2]:
        raise MXNetError(f"{op}: A and B must have the same leading (batch) dimensions, got "
                         f"{A.shape} and {B.shape}")
    k = B.shape[-1] if rightside else B.shape[-2]
    if k != A.shape[-1]:
        raise MXNetError(f"{op}: incompatible matrix dimensions, A {A.shape} and B {B.shape} "
                         f"(rightside={bool(rightside)})")


def _as3(x):
    return x.reshape((-1,) + x.shape[-2:])


def _trsm(A, B, transpose, rightside, lower, alpha):
    """alpha * op(A)^-1 B (or B op(A)^-1), computed by the kernel; recorded."""
    ctx, code = A.context, A._dtype_code
    n = A.shape[-1]
    out = _ndarray.empty_array(ctx, B.shape, code)
    if out.size and _lapack.available(ctx, A._buffer, B._buffer, out._buffer):
        k = B.shape[-2] if rightside else B.shape[-1]
        _lapack.enqueue(ctx, _lapack.TRSM, code, n, 0, k, lower, transpose, rightside, alpha,
                        out.size // (n * k), A._buffer, A._offset, B._buffer, B._offset,
                        out=out._buffer)
    elif out.size:
        rows, cols = B.shape[-2], B.shape[-1]
        if not rightside:      # T X = alpha B with T = op(A); the columns of B
            t_lower = lower != transpose
            trs, tcs = (1, n) if transpose else (n, 1)
            k, brs, bcs = cols, cols, 1
        else:                  # op(A)^T X^T = alpha B^T; the rows of B are the columns
            t_lower = lower == transpose
            trs, tcs = (n, 1) if transpose else (1, n)
            k, brs, bcs = rows, 1, cols
        nitems = out.size // n
        kern = family_kernel(ctx, "linalg_factor", "trsm", code)
        kern.set_args(0, out._buffer, A._buffer, A._offset, B._buffer, B._offset, nitems, n, k,
                      trs, tcs, brs, bcs)
        kern.set_arg_scalar(12, code, alpha)
        kern.set_arg_int(13, int(t_lower))
        ctx.state.launch_1d(kern, nitems)
    if is_recording():
        saved = (transpose, rightside, lower, alpha)
        record_op("linalg_trsm", (A, B), (out,), _trsm_rule, saved,
                  replay=lambda a, b: _trsm(a, b, *saved),
                  attrs={"transpose": transpose, "rightside": rightside, "lower": lower,
                         "alpha": alpha})
    return out


@gradient_rule("linalg_trsm")
def _trsm_rule(saved, inputs, outputs, out_grads):
    transpose, rightside, lower, alpha = saved
    A, B = inputs
    X, G = outputs[0], out_grads[0]
    Y = _trsm(A, G, not transpose, rightside, lower, 1.0)    # op(A)^-T G or G op(A)^-T
    dB = Y * alpha if wants_grad(B) else None
    dA = None
    if wants_grad(A):
        X3, Y3 = _as3(X), _as3(Y)
        if not rightside:      # d op(A) = -Y X^T
            d = batch_dot(X3, Y3, transpose_b=True) if transpose else \
                batch_dot(Y3, X3, transpose_b=True)
        else:                  # d op(A) = -X^T Y
            d = batch_dot(Y3, X3, transpose_a=True) if transpose else \
                batch_dot(X3, Y3, transpose_a=True)
        dA = -triangle(d.reshape(A.shape), lower)
    return dA, dB


def linalg_trsm(A=None, B=None, transpose=False, rightside=False, lower=True, alpha=1.0,
                out=None, name=None):
    """Solve with triangular matrices: ``alpha * op(A)^-1 B`` (``B op(A)^-1`` with
    ``rightside``), op(A) = A or A^T (``transpose``), A lower triangular (upper unless
    ``lower``); only that triangle of A is read. Batched over leading dimensions.

    >>> A = mx.nd.array([[2, 0], [1, 1]])
    >>> mx.nd.linalg.trsm(A, mx.nd.array([[2, 4], [3, 3]]))
    <BLANKLINE>
    [[1. 2.]
     [2. 1.]]
    <NDArray 2x2 @cpu(0)>
    >>> mx.nd.linalg.trsm(A, mx.nd.array([[2, 1]]), rightside=True)
    <BLANKLINE>
    [[0.5 1. ]]
    <NDArray 1x2 @cpu(0)>
    """
    _check_tri_pair("linalg_trsm", A, B, rightside)
    alpha = _scalar("linalg_trsm", "alpha", alpha)
    res = _trsm(A, B, bool(transpose), bool(rightside), bool(lower), alpha)
    return deliver("linalg_trsm", res, out)


def linalg_trmm(A=None, B=None, transpose=False, rightside=False, lower=True, alpha=1.0,
                out=None, name=None):
    """Multiply by triangular matrices: ``alpha * op(A) B`` (``alpha * B op(A)`` with
    ``rightside``), op(A) = A or A^T (``transpose``), A taken as lower triangular (upper
    unless ``lower``): the other triangle of A is ignored.

    >>> A = mx.nd.array([[1, 5], [2, 3]])        # 5 is above the diagonal: ignored
    >>> mx.nd.linalg.trmm(A, mx.nd.array([[1, 1], [1, 0]]))
    <BLANKLINE>
    [[1. 1.]
     [5. 2.]]
    <NDArray 2x2 @cpu(0)>
    """
    _check_tri_pair("linalg_trmm", A, B, rightside)
    alpha = _scalar("linalg_trmm", "alpha", alpha)
    T = triangle(A, bool(lower))
    if rightside:
        res = linalg_gemm2(B, T, transpose_b=bool(transpose), alpha=alpha)
    else:
        res = linalg_gemm2(T, B, transpose_a=bool(transpose), alpha=alpha)
    return deliver("linalg_trmm", res, out)


def linalg_syrk(A=None, transpose=False, alpha=1.0, out=None, name=None):
    """``alpha * A A^T`` (``alpha * A^T A`` with ``transpose``) for each trailing matrix.

    >>> mx.nd.linalg.syrk(mx.nd.array([[1, 2], [3, 4]]))
    <BLANKLINE>
    [[ 5. 11.]
     [11. 25.]]
    <NDArray 2x2 @cpu(0)>
    """
    check_matrices("linalg_syrk", A, square=False)
    check_float("linalg_syrk", A)
    alpha = _scalar("linalg_syrk", "alpha", alpha)
    if transpose:
        res = linalg_gemm2(A, A, transpose_a=True, alpha=alpha)
    else:
        res = linalg_gemm2(A, A, transpose_b=True, alpha=alpha)
    return deliver("linalg_syrk", res, out)


def linalg_gemm(A=None, B=None, C=None, transpose_a=False, transpose_b=False, alpha=1.0,
                beta=1.0, axis=-2, out=None, name=None):
    """``alpha * op(A) op(B) + beta * C`` over the trailing matrices (op: transpose or not);
    ``axis`` names the axis of the matrix rows (the columns are the last axis; the other
    axes are batch axes).

    >>> A = mx.nd.array([[1, 2], [3, 4]])
    >>> mx.nd.linalg.gemm(A, A, mx.nd.ones((2, 2)), transpose_b=True, alpha=2, beta=10)
    <BLANKLINE>
    [[20. 32.]
     [32. 60.]]
    <NDArray 2x2 @cpu(0)>
    """
    op = "linalg_gemm"
    check_matrices(op, A, square=False)
    check_matrices(op, B, "B", square=False)
    check_matrices(op, C, "C", square=False)
    check_float(op, A, B, C)
    alpha, beta = _scalar(op, "alpha", alpha), _scalar(op, "beta", beta)
    if isinstance(axis, bool) or not isinstance(axis, numbers.Integral) or \
            not -A.ndim <= axis < A.ndim - 1 or A.ndim != B.ndim or A.ndim != C.ndim:
        raise MXNetError(f"{op}: A, B and C must have the same number of dimensions and axis "
                         f"must name one of them but the last, got {A.shape}, {B.shape}, "
                         f"{C.shape} and axis={axis!r}")
    ax = axis % A.ndim
    if ax != A.ndim - 2:       # move the rows next to the columns, and back afterwards
        A, B, C = (swapaxes(x, ax, -2) for x in (A, B, C))
    a_rows, a_cols = (A.shape[-1], A.shape[-2]) if transpose_a else A.shape[-2:]
    b_rows, b_cols = (B.shape[-1], B.shape[-2]) if transpose_b else B.shape[-2:]
    if A.shape[:-2] != B.shape[:-2] or a_cols != b_rows or \
            C.shape != A.shape[:-2] + (a_rows, b_cols):
        raise MXNetError(f"{op}: incompatible shapes A {A.shape}, B {B.shape}, C {C.shape} "
                         f"(transpose_a={bool(transpose_a)}, transpose_b={bool(transpose_b)})")
    res = linalg_gemm2(A, B, transpose_a=bool(transpose_a), transpose_b=bool(transpose_b),
                       alpha=alpha)
    res = res + C * beta if beta != 1.0 else res + C
    if ax != res.ndim - 2:
        res = swapaxes(res, ax, -2)
    return deliver(op, res, out)


def _identities(ref):
    """Identity matrices shaped like ``ref`` (square, batched): constants."""
    ones = _ndarray.empty_array(ref.context, ref.shape[:-1], ref._dtype_code)
    ones._fill(1)
    return gather_map(ones, ("adj", ("diag", ref.shape[-1], 0)))


def linalg_potri(A=None, lower=True, out=None, name=None):
    """The inverse ``(L L^T)^-1`` of a matrix from its Cholesky factor ``A`` = L (lower
    triangular; with ``lower=False`` A = U, upper, and the result is ``(U^T U)^-1``).

    >>> L = mx.nd.array([[2, 0], [1, 1]])
    >>> mx.nd.linalg.potri(L)
    <BLANKLINE>
    [[ 0.5 -0.5]
     [-0.5  1. ]]
    <NDArray 2x2 @cpu(0)>
    """
    check_matrices("linalg_potri", A)
    check_float("linalg_potri", A)
    lower = bool(lower)
    inv = _trsm(A, _identities(A), False, False, lower, 1.0)         # L^-1 (U^-1)
    if lower:
        res = linalg_gemm2(inv, inv, transpose_a=True)     # L^-T L^-1
    else:
        res = linalg_gemm2(inv, inv, transpose_b=True)     # U^-1 U^-T
    return deliver("linalg_potri", res, out)
