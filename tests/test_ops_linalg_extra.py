"""MXNet's linalg operators beyond gemm2 (mxgrad.ndarray.linalg_diag, linalg_tri,
linalg_factor): values against NumPy and against outputs of MXNet 1.9.1, gradients against
central differences to second order in float64, and the misuse errors."""
import numpy as np
import pytest

import mxgrad as mx
from mxgrad.base import MXNetError
from gradcheck import check_gradients

LA = mx.nd.linalg
NAMES = ["gemm", "gemm2", "potrf", "potri", "trsm", "trmm", "syrk", "gelqf", "inverse", "det",
         "slogdet", "sumlogdiag", "extractdiag", "makediag", "extracttrian", "maketrian"]


def _rng(seed=0):
    return np.random.RandomState(seed)


def _spd(rng, shape):
    x = rng.uniform(-1, 1, shape)
    n = shape[-1]
    return x @ np.swapaxes(x, -1, -2) + n * np.eye(n)


def _tri(rng, shape):
    """Well-conditioned matrices with junk in both triangles (the ops read only one)."""
    return rng.uniform(-1, 1, shape) + 3 * np.eye(shape[-1])


@pytest.fixture(params=["default", "opencl"])
def path(request, ctx, monkeypatch):
    """The ops as they run by default, and on a CPU device that runs LAPACK in the queue
    also on the OpenCL kernels (elsewhere those are the default: no second run)."""
    from mxgrad import _lapack
    if request.param == "opencl":
        if not _lapack.available(ctx, mx.nd.zeros((1,), ctx=ctx)._buffer):
            pytest.skip(f"{ctx} runs the OpenCL kernels by default")
        monkeypatch.setattr(_lapack, "enabled", False)
    return request.param


def _nd(x, ctx, dtype="float64"):
    return mx.nd.array(x, ctx=ctx, dtype=dtype)


def test_names_in_both_namespaces():
    for name in NAMES:
        assert getattr(LA, name) is getattr(mx.nd, "linalg_" + name)
        assert getattr(LA, name).__doc__


# --- values --------------------------------------------------------------------------------
def test_diag_and_triangles_match_mxnet(ctx):
    A = _nd(np.arange(1, 17).reshape(4, 4), ctx, "float32")
    # outputs of MXNet 1.9.1: the lower triangle row by row, the upper column by column
    np.testing.assert_array_equal(LA.extracttrian(A, offset=1).asnumpy(), [2, 3, 7, 4, 8, 12])
    np.testing.assert_array_equal(LA.extracttrian(A, lower=False).asnumpy(),
                                  [1, 2, 6, 3, 7, 11, 4, 8, 12, 16])
    np.testing.assert_array_equal(LA.extracttrian(A, offset=-1).asnumpy(),
                                  [5, 9, 10, 13, 14, 15])
    np.testing.assert_array_equal(LA.maketrian(mx.nd.arange(1, 7, ctx=ctx), offset=1).asnumpy(),
                                  [[0, 1, 2, 4], [0, 0, 3, 5], [0, 0, 0, 6], [0, 0, 0, 0]])
    np.testing.assert_array_equal(
        LA.maketrian(mx.nd.arange(1, 7, ctx=ctx), offset=-1, lower=False).asnumpy(),
        [[0, 0, 0, 0], [1, 0, 0, 0], [2, 3, 0, 0], [4, 5, 6, 0]])
    np.testing.assert_array_equal(LA.extractdiag(A, offset=1).asnumpy(), [2, 7, 12])
    assert LA.extractdiag(mx.nd.ones((2, 3, 3), ctx=ctx), offset=-2).shape == (2, 1)
    assert LA.makediag(mx.nd.ones((2, 3, 4), ctx=ctx), offset=-1).shape == (2, 3, 5, 5)


@pytest.mark.parametrize("dtype", ["int32", "uint8", "int64", "float16"])
def test_only_float32_and_float64_as_mxnet(ctx, dtype):
    A = mx.nd.ones((3, 3), ctx=ctx, dtype=dtype)
    v = mx.nd.ones((3,), ctx=ctx, dtype=dtype)
    for call in (lambda: LA.extractdiag(A), lambda: LA.makediag(v), lambda: LA.extracttrian(A),
                 lambda: LA.maketrian(v), lambda: LA.sumlogdiag(A), lambda: LA.syrk(A),
                 lambda: LA.potrf(A), lambda: LA.trsm(A, A), lambda: LA.gemm(A, A, A)):
        with pytest.raises(MXNetError, match="float32 and float64"):
            call()


@pytest.mark.parametrize("offset", [-2, 0, 1])
@pytest.mark.parametrize("lower", [True, False])
def test_triangle_round_trip_batched(ctx, offset, lower):
    a = _rng(1).uniform(-1, 1, (2, 3, 4, 4)).astype(np.float32)
    v = LA.extracttrian(_nd(a, ctx, "float32"), offset=offset, lower=lower)
    back = LA.maketrian(v, offset=offset, lower=lower).asnumpy()
    keep = np.tril(np.ones((4, 4)), offset) if offset < 0 or (offset == 0 and lower) \
        else np.triu(np.ones((4, 4)), offset)
    np.testing.assert_array_equal(back, a * keep)
    d = LA.extractdiag(_nd(a, ctx, "float32"), offset=offset)
    np.testing.assert_array_equal(d.asnumpy(), np.diagonal(a, offset, -2, -1))
    made = LA.makediag(d, offset=offset).asnumpy()
    np.testing.assert_array_equal(np.diagonal(made, offset, -2, -1), d.asnumpy())
    assert made.sum() == pytest.approx(d.asnumpy().sum(), rel=1e-5)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_factorizations_match_numpy(ctx, path, dtype):
    if dtype == "float64" and not ctx.state.has_fp64:
        pytest.skip("no float64")
    rng = _rng(2)
    tol = dict(rtol=1e-4, atol=1e-5) if dtype == "float32" else dict(rtol=1e-10, atol=1e-12)
    S = _spd(rng, (2, 1, 4, 4))
    L = np.linalg.cholesky(S)
    np.testing.assert_allclose(LA.potrf(_nd(S, ctx, dtype)).asnumpy(), L, **tol)
    np.testing.assert_allclose(LA.potrf(_nd(S, ctx, dtype), lower=False).asnumpy(),
                               np.swapaxes(L, -1, -2), **tol)
    np.testing.assert_allclose(LA.potri(_nd(L, ctx, dtype)).asnumpy(), np.linalg.inv(S), **tol)
    A = rng.uniform(-1, 1, (3, 4, 4))
    np.testing.assert_allclose(LA.inverse(_nd(A, ctx, dtype)).asnumpy(), np.linalg.inv(A),
                               **tol)
    np.testing.assert_allclose(LA.det(_nd(A, ctx, dtype)).asnumpy(), np.linalg.det(A), **tol)
    sign, logabs = LA.slogdet(_nd(A, ctx, dtype))
    np.testing.assert_allclose(sign.asnumpy(), np.linalg.slogdet(A)[0])
    np.testing.assert_allclose(logabs.asnumpy(), np.linalg.slogdet(A)[1], **tol)
    np.testing.assert_allclose(LA.sumlogdiag(_nd(S, ctx, dtype)).asnumpy(),
                               np.log(np.diagonal(S, 0, -2, -1)).sum(-1), **tol)
    W = rng.uniform(-1, 1, (2, 3, 5))
    Q, Lq = LA.gelqf(_nd(W, ctx, dtype))
    assert Q.shape == (2, 3, 5) and Lq.shape == (2, 3, 3)
    np.testing.assert_allclose(Lq.asnumpy() @ Q.asnumpy(), W, **tol)
    np.testing.assert_allclose(Q.asnumpy() @ np.swapaxes(Q.asnumpy(), 1, 2),
                               np.broadcast_to(np.eye(3), (2, 3, 3)), **tol)
    np.testing.assert_array_equal(np.triu(Lq.asnumpy(), 1), 0)


def test_gelqf_signs_and_det_of_one_matrix_match_mxnet(ctx):
    # outputs of MXNet 1.9.1 (LAPACK's signs: L's diagonal is -sign(a_kk) * norm)
    Q, L = LA.gelqf(mx.nd.array([[-1, 2, 3], [4, 5, 6]], ctx=ctx))
    np.testing.assert_allclose(Q.asnumpy(), [[-0.26726115, 0.5345225, 0.8017837],
                                              [-0.9542762, -0.262426, -0.14314145]], rtol=1e-5)
    np.testing.assert_allclose(L.asnumpy(), [[3.7416575, 0], [6.41427, -5.9880834]], rtol=1e-5)
    d = LA.det(mx.nd.array([[1, 2], [3, 4]], ctx=ctx))
    assert d.shape == (1,) and d.asnumpy()[0] == pytest.approx(-2)


def test_singular_det_and_slogdet_as_mxnet(ctx):
    A = mx.nd.array([[1, 2, 3], [2, 4, 6], [1, 1, 1]], ctx=ctx)    # exactly singular
    assert LA.det(A).asnumpy().tolist() == [0.0]
    sign, logabs = LA.slogdet(A)
    assert sign.asnumpy().tolist() == [0.0] and logabs.asnumpy().tolist() == [-np.inf]


@pytest.mark.parametrize("transpose", [False, True])
@pytest.mark.parametrize("rightside", [False, True])
@pytest.mark.parametrize("lower", [False, True])
def test_trsm_trmm_match_numpy(ctx, path, transpose, rightside, lower):
    rng = _rng(3)
    A = _tri(rng, (2, 3, 3)).astype(np.float32)
    B = rng.uniform(-1, 1, (2, 2, 3) if rightside else (2, 3, 2)).astype(np.float32)
    T = np.tril(A) if lower else np.triu(A)
    opT = np.swapaxes(T, 1, 2) if transpose else T
    kw = dict(transpose=transpose, rightside=rightside, lower=lower)
    Ad, Bd = _nd(A, ctx, "float32"), _nd(B, ctx, "float32")
    want_mm = 1.5 * (B @ opT if rightside else opT @ B)
    want_sm = 1.5 * (B @ np.linalg.inv(opT) if rightside else np.linalg.solve(opT, B))
    np.testing.assert_allclose(LA.trmm(Ad, Bd, alpha=1.5, **kw).asnumpy(), want_mm, rtol=1e-5,
                               atol=1e-5)
    np.testing.assert_allclose(LA.trsm(Ad, Bd, alpha=1.5, **kw).asnumpy(), want_sm, rtol=1e-4,
                               atol=1e-5)


def test_gemm_syrk_match_numpy(ctx):
    rng = _rng(4)
    A, B, C = (rng.uniform(-1, 1, s).astype(np.float32) for s in [(2, 3, 4), (2, 5, 4),
                                                                     (2, 3, 5)])
    got = LA.gemm(*(_nd(x, ctx, "float32") for x in (A, B, C)), transpose_b=True, alpha=2,
                  beta=0.5)
    np.testing.assert_allclose(got.asnumpy(), 2 * A @ np.swapaxes(B, 1, 2) + 0.5 * C,
                               rtol=1e-5, atol=1e-5)
    # axis=-3: the rows on axis 0, the batch on axis 1
    At, Bt, Ct = (np.ascontiguousarray(np.swapaxes(x, 0, 1)) for x in (A, B, C))
    got = LA.gemm(*(_nd(x, ctx, "float32") for x in (At, Bt, Ct)), transpose_b=True, axis=-3)
    np.testing.assert_allclose(got.asnumpy(), np.swapaxes(A @ np.swapaxes(B, 1, 2) + C, 0, 1),
                               rtol=1e-5, atol=1e-5)
    # gemm2 too: its axis is MXNet's (the rows' axis, -2 by default)
    A2, B2 = (rng.uniform(-1, 1, (2, 3, 4, 5)).astype(np.float32) for _ in range(2))
    got = LA.gemm2(_nd(A2, ctx, "float32"), _nd(B2, ctx, "float32"), axis=1, transpose_b=True)
    want = np.swapaxes(np.swapaxes(A2, 1, 2) @ np.swapaxes(B2, 1, 2).transpose(0, 1, 3, 2),
                       1, 2)
    assert got.shape == (2, 3, 4, 3)
    np.testing.assert_allclose(got.asnumpy(), want, rtol=1e-5, atol=1e-5)
    got = LA.gemm2(_nd(A2, ctx, "float32"), _nd(B2, ctx, "float32"), axis=-2, transpose_a=True)
    np.testing.assert_allclose(got.asnumpy(), np.swapaxes(A2, -1, -2) @ B2, rtol=1e-5,
                               atol=1e-5)
    np.testing.assert_allclose(LA.syrk(_nd(A, ctx, "float32"), alpha=2).asnumpy(),
                               2 * A @ np.swapaxes(A, 1, 2), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(LA.syrk(_nd(A, ctx, "float32"), transpose=True).asnumpy(),
                               np.swapaxes(A, 1, 2) @ A, rtol=1e-5, atol=1e-5)


def test_out_arguments(ctx):
    S = _nd(_spd(_rng(5), (3, 3)), ctx, "float32")
    out = mx.nd.zeros((3, 3), ctx=ctx)
    assert LA.potrf(S, out=out) is out
    np.testing.assert_allclose(out.asnumpy(), LA.potrf(S).asnumpy())
    outs = [mx.nd.zeros((1,), ctx=ctx), mx.nd.zeros((1,), ctx=ctx)]
    res = LA.slogdet(S, out=outs)
    assert res[0] is outs[0] and res[1] is outs[1] and outs[0].asnumpy()[0] == 1
    q, l = mx.nd.zeros((3, 3), ctx=ctx), mx.nd.zeros((3, 3), ctx=ctx)
    LA.gelqf(S, out=[q, l])
    np.testing.assert_allclose(l.asnumpy() @ q.asnumpy(), S.asnumpy(), rtol=1e-5, atol=1e-5)


# --- gradients (float64, central differences, first and second order) ----------------------
def _sym_spd(x):
    """A symmetric positive definite matrix from any x (the inputs of potrf's checks)."""
    n = x.shape[-1]
    return LA.syrk(x) + mx.nd.array(n * np.eye(n), ctx=x.context, dtype="float64")


def _flat(*parts):
    return mx.nd.concat(*[p.reshape((-1,)) for p in parts], dim=0)


GRAD_CASES = {
    "potrf": (lambda x: LA.potrf(_sym_spd(x)), [(2, 3, 3)]),
    "potrf_upper": (lambda x: LA.potrf(_sym_spd(x), lower=False), [(3, 3)]),
    "potri": (lambda x: LA.potri(x), ["tri(2, 3, 3)"]),
    "potri_upper": (lambda x: LA.potri(x, lower=False), ["tri(3, 3)"]),
    "inverse": (lambda x: LA.inverse(x), ["tri(2, 3, 3)"]),
    "det": (lambda x: LA.det(x), ["tri(2, 3, 3)"]),
    "det_single": (lambda x: LA.det(x), [(3, 3)]),
    "slogdet": (lambda x: _flat(*LA.slogdet(x)), [(2, 3, 3)]),
    "sumlogdiag": (lambda x: LA.sumlogdiag(x), ["tri(2, 3, 3)"]),
    "gelqf": (lambda x: _flat(*LA.gelqf(x)), [(2, 2, 3)]),
    "gelqf_square": (lambda x: _flat(*LA.gelqf(x)), [(3, 3)]),
    "syrk": (lambda x: LA.syrk(x * x, transpose=True, alpha=0.5), [(2, 3)]),
    "gemm": (lambda a, b, c: LA.gemm(a * a, b, c, transpose_a=True, alpha=2, beta=0.5),
             [(2, 3, 2), (2, 3, 2), (2, 2, 2)]),
    "extractdiag": (lambda x: LA.extractdiag(x * x, offset=1), [(2, 3, 3)]),
    "makediag": (lambda x: LA.makediag(x * x, offset=-1), [(2, 2)]),
    "extracttrian": (lambda x: LA.extracttrian(x * x, lower=False), [(2, 3, 3)]),
    "maketrian": (lambda x: LA.maketrian(x * x, offset=1), [(2, 3)]),
}


@pytest.mark.parametrize("case", sorted(GRAD_CASES))
def test_gradients(ctx, path, fp64, case):
    fn, shapes = GRAD_CASES[case]
    rng = _rng(6)
    xs = [_tri(rng, eval(s[3:])) if isinstance(s, str) else rng.uniform(-1, 1, s)
          for s in shapes]
    if case == "slogdet":
        xs = [x + 2 * np.eye(3) for x in xs]
    check_gradients(fn, xs, ctx, order=2)


@pytest.mark.parametrize("transpose", [False, True])
@pytest.mark.parametrize("rightside", [False, True])
@pytest.mark.parametrize("lower", [False, True])
def test_trsm_trmm_gradients(ctx, path, fp64, transpose, rightside, lower):
    rng = _rng(7)
    A = _tri(rng, (3, 3))
    B = rng.uniform(-1, 1, (2, 3) if rightside else (3, 2))
    kw = dict(transpose=transpose, rightside=rightside, lower=lower)
    check_gradients(lambda a, b: LA.trsm(a, b, alpha=1.5, **kw), [A, B], ctx, order=2)
    check_gradients(lambda a, b: LA.trmm(a * a, b, alpha=0.5, **kw), [A, B], ctx, order=2)


def test_potrf_gradient_is_symmetric_as_mxnet(ctx, fp64):
    # MXNet gives the symmetric gradient (the matrix is symmetric): the same at (i, j), (j, i)
    S = _nd(_spd(_rng(8), (3, 3)), ctx)
    S.attach_grad()
    with mx.autograd.record():
        y = LA.potrf(S)
    y.backward(_nd(_rng(9).uniform(-1, 1, (3, 3)), ctx))
    g = S.grad.asnumpy()
    np.testing.assert_allclose(g, g.T, atol=1e-12)


# --- misuse -------------------------------------------------------------------------------
def test_misuse_errors(ctx):
    sq, rect, vec = (mx.nd.ones(s, ctx=ctx) for s in [(3, 3), (2, 3), (3,)])
    bad = [
        lambda: LA.potrf(rect), lambda: LA.potrf(vec), lambda: LA.inverse(rect),
        lambda: LA.det(vec), lambda: LA.slogdet(rect), lambda: LA.sumlogdiag(rect),
        lambda: LA.extractdiag(vec), lambda: LA.extractdiag(sq, offset=3),
        lambda: LA.extracttrian(rect), lambda: LA.maketrian(mx.nd.ones((5,), ctx=ctx)),
        lambda: LA.trsm(sq, rect), lambda: LA.trmm(sq, rect.T, rightside=True),
        lambda: LA.trsm(mx.nd.ones((2, 3, 3), ctx=ctx), mx.nd.ones((3, 3, 2), ctx=ctx)),
        lambda: LA.gelqf(rect.T), lambda: LA.syrk(vec),
        lambda: LA.gemm(sq, sq, rect), lambda: LA.gemm(sq, rect, sq),
        lambda: LA.potrf(mx.nd.ones((3, 3), ctx=ctx, dtype="int32")),
        lambda: LA.det(mx.nd.ones((3, 3), ctx=ctx, dtype="float16")),
        lambda: LA.trsm(sq, "B"),
    ]
    for call in bad:
        with pytest.raises(MXNetError):
            call()


# --- LAPACK in the queue (CPU devices) against the OpenCL kernels ---------------------------
def _all_ops(ctx, dtype):
    rng = _rng(10)
    S = _nd(_spd(rng, (2, 4, 4)), ctx, dtype)
    A = _nd(rng.uniform(-1, 1, (3, 4, 4)), ctx, dtype)
    T = _nd(_tri(rng, (2, 4, 4)), ctx, dtype)
    B = _nd(rng.uniform(-1, 1, (2, 4, 3)), ctx, dtype)
    Br = _nd(rng.uniform(-1, 1, (2, 3, 4)), ctx, dtype)
    W = _nd(rng.uniform(-1, 1, (2, 3, 5)), ctx, dtype)
    res = [LA.potrf(S), LA.potrf(S, lower=False), LA.potri(T), LA.inverse(A), LA.det(A),
           *LA.slogdet(A), *LA.gelqf(W), *LA.gelqf(A)]
    for transpose in (False, True):
        for lower in (False, True):
            res.append(LA.trsm(T, B, transpose=transpose, lower=lower, alpha=1.5))
            res.append(LA.trsm(T, Br, transpose=transpose, lower=lower, rightside=True))
    return [r.asnumpy() for r in res]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_lapack_in_queue_matches_kernels(ctx, dtype, monkeypatch):
    from mxgrad import _lapack
    if dtype == "float64" and not ctx.state.has_fp64:
        pytest.skip("no float64")
    if not _lapack.available(ctx, mx.nd.zeros((1,), ctx=ctx)._buffer):
        pytest.skip(f"{ctx} runs the OpenCL kernels only")
    native = _all_ops(ctx, dtype)
    monkeypatch.setattr(_lapack, "enabled", False)
    kernels = _all_ops(ctx, dtype)
    tol = dict(rtol=1e-4, atol=1e-5) if dtype == "float32" else dict(rtol=1e-11, atol=1e-12)
    for got, want in zip(native, kernels):
        np.testing.assert_allclose(got, want, **tol)


def test_lapack_det_rounds_as_mxnet(ctx):
    from mxgrad import _lapack
    if not _lapack.available(ctx, mx.nd.zeros((1,), ctx=ctx)._buffer):
        pytest.skip(f"{ctx} runs the OpenCL kernels only")
    # float32 outputs of MXNet 1.9.1 (exactly: both run OpenBLAS's getrf on A^T)
    A = mx.nd.array([[2, 1, 1], [1, 3, 2], [1, 0, 0]], ctx=ctx)
    assert LA.det(A).asnumpy().tolist() == [-1.0]
    A = mx.nd.array([[1, 2, -3, 0], [0, 0, -2, 0], [2, -1, 1, 3], [-3, -3, 1, -1]], ctx=ctx)
    assert LA.det(A).asnumpy().tolist() == [-7.999998092651367]
    assert LA.slogdet(A)[1].asnumpy().tolist() == [2.0794413089752197]


def test_failed_factorizations_raise(ctx, path):
    with pytest.raises(MXNetError, match="positive definite"):
        LA.potrf(mx.nd.array([[[4, 0], [0, 4]], [[1, 2], [2, 1]]], ctx=ctx))
    with pytest.raises(MXNetError, match="singular"):
        LA.inverse(mx.nd.array([[[1, 0], [0, 1]], [[0, 0], [0, 0]]], ctx=ctx))
    sign, logabs = LA.slogdet(mx.nd.array([[1, 2, 3], [2, 4, 6], [1, 1, 1]], ctx=ctx))
    assert np.signbit(sign.asnumpy()[0]) and logabs.asnumpy()[0] == -np.inf    # -0, as MXNet


def test_det_gradient_of_a_singular_matrix_is_zero_as_mxnet(ctx, path):
    # MXNet 1.9.1 gives zeros (it backpropagates nothing for a singular matrix); the regular
    # matrix next to it gets its usual gradient: det(A) A^-T, and A^-T for logabsdet
    for op, regular in ((lambda a: LA.det(a), [[1, 0], [0, 2]]),
                        (lambda a: LA.slogdet(a)[1], [[0.5, 0], [0, 1]])):
        A = mx.nd.array([[[1, 2], [2, 4]], [[2, 0], [0, 1]]], ctx=ctx)
        A.attach_grad()
        with mx.autograd.record():
            y = op(A)
        y.backward()
        np.testing.assert_array_equal(A.grad.asnumpy()[0], 0)
        np.testing.assert_allclose(A.grad.asnumpy()[1], regular, rtol=1e-6)
