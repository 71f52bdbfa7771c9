"""``linalg_syevd``: the eigendecomposition of symmetric matrices, as MXNet 1.9.1 has it.

``U, L = linalg_syevd(A)`` gives ``A = U^T diag(L) U`` for each matrix of the batch: the
eigenvalues ``L`` ascending, the eigenvectors as the rows of ``U``, each signed so that its
largest-magnitude entry is positive (MXNet's convention). The kernel
(kernels_cl/linalg_syevd.cl) runs cyclic Jacobi rotations, one work-item per matrix. The
gradient is MXNet's: ``U^T (diag(dL) + F * (U dU^T)) U`` symmetrized, with
``F[i, j] = 1 / (L[j] - L[i])`` off the diagonal (repeated eigenvalues make it infinite, as
in MXNet).
"""
from mxgrad import _ndarray
from mxgrad._ndarray import NDArrayBase
from mxgrad._tape import is_recording, record_op
from mxgrad.base import MXNetError
from mxgrad.gradients import gradient_rule
from mxgrad.ndarray._deliver import deliver
from mxgrad.ndarray._kernels import family_kernel
from mxgrad.ndarray.creation import eye
from mxgrad.ndarray.linalg import batch_dot

__all__ = []        # mx.nd.linalg.syevd only, as in MXNet (linalg_extra puts it there)

_FLOAT32, _FLOAT64 = 0, 1


def _check(op, A):
    if not isinstance(A, NDArrayBase):
        raise MXNetError(f"{op}: A must be an NDArray, got {type(A).__name__}")
    if A.ndim < 2:
        raise MXNetError(f"{op}: A must have at least 2 dimensions, got shape {A.shape}")
    if A.shape[-1] != A.shape[-2]:
        raise MXNetError(f"{op}: the last two dimensions of A must be equal (square "
                         f"matrices), got shape {A.shape}")
    if A._dtype_code not in (_FLOAT32, _FLOAT64):
        raise MXNetError(f"{op}: A must be float32 or float64, got {A.dtype.__name__}")


def _forward(A):
    n = A.shape[-1]
    batch = A.size // (n * n) if n else 0
    ctx, code = A.context, A._dtype_code
    U = _ndarray.empty_array(ctx, A.shape, code)
    L = _ndarray.empty_array(ctx, A.shape[:-1], code)
    if batch == 0 or n == 0:
        return U, L
    work = A.detach().copy()                 # overwritten by the rotations
    vectors = _ndarray.empty_array(ctx, A.shape, code)
    k = family_kernel(ctx, "linalg_syevd", "syevd_jacobi", code)
    k.set_args(0, work._buffer, vectors._buffer, U._buffer, L._buffer, batch)
    k.set_arg_int(5, n)
    ctx.state.launch_1d(k, batch)
    return U, L


def linalg_syevd(A, out=None, name=None, **kwargs):
    """Eigendecomposition of the symmetric matrices in the last two axes of ``A``:
    ``(U, L)`` with ``A = U^T diag(L) U``, eigenvalues ascending (float32 or float64).

    >>> U, L = mx.nd.linalg.syevd(mx.nd.array([[2.0, 0.0], [0.0, 1.0]]))
    >>> U
    <BLANKLINE>
    [[0. 1.]
     [1. 0.]]
    <NDArray 2x2 @cpu(0)>
    >>> L
    <BLANKLINE>
    [1. 2.]
    <NDArray 2 @cpu(0)>
    """
    _check("linalg_syevd", A)
    if out is not None and (not isinstance(out, (list, tuple)) or len(out) != 2):
        raise MXNetError("linalg_syevd: out must be a list of two NDArrays (U, L)")
    U, L = _forward(A)
    if is_recording():
        record_op("linalg_syevd", (A,), (U, L), _syevd_rule, replay=linalg_syevd)
    if out is not None:
        return [deliver("linalg_syevd", U, out[0]), deliver("linalg_syevd", L, out[1])]
    return [U, L]


@gradient_rule("linalg_syevd")
def _syevd_rule(saved, inputs, outputs, out_grads):
    U, L = outputs
    dU, dL = out_grads
    n = U.shape[-1]
    lead = U.shape[:-2]
    U3, L2 = U.reshape((-1, n, n)), L.reshape((-1, n))
    # F[i, j] = 1 / (L[j] - L[i]) off the diagonal, 0 on it
    diff = L2.expand_dims(1) - L2.expand_dims(2)
    eye = _eye_like(U3)
    inner = None
    if dU is not None:
        F = (1 - eye) / (diff + eye)
        inner = F * batch_dot(U3, dU.reshape((-1, n, n)), transpose_b=True)
    if dL is not None:
        diag = eye * dL.reshape((-1, n)).expand_dims(1)
        inner = diag if inner is None else inner + diag
    if inner is None:
        return (None,)
    G = batch_dot(batch_dot(U3, inner, transpose_a=True), U3)
    G = (G + G.transpose((0, 2, 1))) * 0.5
    return (G.reshape(lead + (n, n)),)


def _eye_like(U3):
    n = U3.shape[-1]
    return eye(n, ctx=U3.context, dtype=U3.dtype).expand_dims(0)
