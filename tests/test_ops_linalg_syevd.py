"""mx.nd.linalg.syevd against MXNet 1.9.1 (tests/data/syevd_mxnet.json, made by
tests/data/make_syevd_fixture.py) and finite differences."""
import json
import os

import numpy as np
import pytest

import mxgrad as mx
from mxgrad import nd
from gradcheck import check_gradients

with open(os.path.join(os.path.dirname(__file__), "data", "syevd_mxnet.json")) as f:
    MXNET = {k: np.array(v) for k, v in json.load(f).items()}


@pytest.mark.parametrize("dtype,tol", [("float32", 2e-5), ("float64", 1e-12)])
def test_values_and_gradient_match_mxnet(ctx, dtype, tol):
    if dtype == "float64" and not ctx.state.has_fp64:
        pytest.skip("no float64")
    a = nd.array(MXNET["A"], ctx=ctx, dtype=dtype)
    a.attach_grad()
    with mx.autograd.record():
        U, L = nd.linalg.syevd(a)
    assert U.dtype == np.dtype(dtype) and U.shape == (2, 4, 4) and L.shape == (2, 4)
    np.testing.assert_allclose(U.asnumpy(), MXNET["U"], atol=tol * 10)
    np.testing.assert_allclose(L.asnumpy(), MXNET["L"], atol=tol * 10)
    mx.autograd.backward([U, L], [nd.array(MXNET["wu"], ctx=ctx, dtype=dtype),
                                  nd.array(MXNET["wl"], ctx=ctx, dtype=dtype)])
    np.testing.assert_allclose(a.grad.asnumpy(), MXNET["grad"], atol=tol * 100)


def test_reconstruction_and_edge_cases(ctx, fp64):
    rng = np.random.RandomState(3)
    B = rng.randn(3, 2, 5, 5)
    A = B + B.transpose(0, 1, 3, 2)
    U, L = nd.linalg.syevd(nd.array(A, ctx=ctx, dtype="float64"))
    U, L = U.asnumpy(), L.asnumpy()
    rebuilt = np.einsum("...ji,...j,...jk->...ik", U, L, U)
    np.testing.assert_allclose(rebuilt, A, atol=1e-12)
    assert np.all(np.diff(L, axis=-1) >= 0)
    np.testing.assert_allclose(L, np.linalg.eigvalsh(A), atol=1e-12)
    U, L = nd.linalg.syevd(nd.array([[0., 1.], [1., 0.]], ctx=ctx, dtype="float64"))
    np.testing.assert_allclose(L.asnumpy(), [-1, 1])
    U, L = nd.linalg.syevd(nd.zeros((0, 3, 3), ctx=ctx))
    assert U.shape == (0, 3, 3) and L.shape == (0, 3)


def test_gradients_first_and_second_order(ctx, fp64):
    def fn(B):
        U, L = nd.linalg.syevd(B + B.transpose((0, 2, 1)))
        return nd.concat(U.reshape((2, -1)), L.reshape((2, -1)) * 0.5, dim=1)
    check_gradients(fn, [np.random.RandomState(1).randn(2, 3, 3)], ctx, order=2,
                    rtol=1e-4, atol=1e-6)


def test_misuse(ctx):
    with pytest.raises(mx.MXNetError, match="last two dimensions"):
        nd.linalg.syevd(nd.ones((2, 3), ctx=ctx))
    with pytest.raises(mx.MXNetError, match="at least 2 dimensions"):
        nd.linalg.syevd(nd.ones((3,), ctx=ctx))
    with pytest.raises(mx.MXNetError, match="float32 or float64"):
        nd.linalg.syevd(nd.ones((2, 2), ctx=ctx, dtype="int32"))
