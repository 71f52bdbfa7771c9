"""dot, batch_dot, linalg_gemm2, FullyConnected: forward vs numpy, gradients vs differences."""
import numpy as np
import pytest

import mxgrad as mx
from mxgrad.base import MXNetError
from gradcheck import check_gradients

rng = np.random.RandomState(3)


def _np_dot(a, b, ta, tb):
    a2 = a.reshape(a.shape[0], -1).T if ta else a.reshape(-1, a.shape[-1])
    b2 = b.reshape(-1, b.shape[-1]).T if tb else b.reshape(b.shape[0], -1)
    return a2 @ b2


DOT_CASES = [
    ((3, 4), (4, 5), False, False, (3, 5)),
    ((4, 3), (4, 5), True, False, (3, 5)),
    ((3, 4), (5, 4), False, True, (3, 5)),
    ((4, 3), (5, 4), True, True, (3, 5)),
    ((2, 3, 4), (4, 5), False, False, (2, 3, 5)),
    ((4,), (4,), False, False, (1,)),
    ((3, 4), (4,), False, False, (3,)),
    ((4,), (4, 2), False, False, (2,)),
    ((70, 33), (33, 65), False, False, (70, 65)),
]


@pytest.mark.parametrize("sa,sb,ta,tb,expected", DOT_CASES)
def test_dot_forward(ctx, sa, sb, ta, tb, expected):
    a = rng.uniform(-1, 1, sa).astype(np.float32)
    b = rng.uniform(-1, 1, sb).astype(np.float32)
    out = mx.nd.dot(mx.nd.array(a, ctx=ctx), mx.nd.array(b, ctx=ctx), transpose_a=ta,
                    transpose_b=tb)
    assert out.shape == expected
    np.testing.assert_allclose(out.asnumpy().reshape(-1), _np_dot(a, b, ta, tb).reshape(-1),
                               rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("sa,sb,ta,tb,expected", DOT_CASES[:6])
def test_dot_gradients(ctx, fp64, sa, sb, ta, tb, expected):
    a = rng.uniform(-1, 1, sa)
    b = rng.uniform(-1, 1, sb)
    check_gradients(lambda x, y: mx.nd.dot(x, y, transpose_a=ta, transpose_b=tb), [a, b], ctx,
                    order=2)


def test_dot_second_order_is_nonzero_through_product(ctx, fp64):
    a = rng.uniform(-1, 1, (3, 4))
    check_gradients(lambda x: mx.nd.dot(x * x, x, transpose_b=True), [a], ctx, order=2)


@pytest.mark.parametrize("ta,tb", [(False, False), (True, False), (False, True), (True, True)])
def test_batch_dot(ctx, fp64, ta, tb):
    a = rng.uniform(-1, 1, (2, 4, 3) if ta else (2, 3, 4))
    b = rng.uniform(-1, 1, (2, 5, 4) if tb else (2, 4, 5))
    out = mx.nd.batch_dot(mx.nd.array(a, ctx=ctx, dtype="float64"),
                          mx.nd.array(b, ctx=ctx, dtype="float64"), transpose_a=ta,
                          transpose_b=tb)
    ea = np.swapaxes(a, 1, 2) if ta else a
    eb = np.swapaxes(b, 1, 2) if tb else b
    np.testing.assert_allclose(out.asnumpy(), ea @ eb, rtol=1e-12)
    check_gradients(lambda x, y: mx.nd.batch_dot(x, y, transpose_a=ta, transpose_b=tb), [a, b],
                    ctx, order=2)


def test_linalg_gemm2(ctx, fp64):
    a = rng.uniform(-1, 1, (2, 3, 4))
    b = rng.uniform(-1, 1, (2, 5, 4))
    out = mx.nd.linalg_gemm2(mx.nd.array(a, ctx=ctx, dtype="float64"),
                             mx.nd.array(b, ctx=ctx, dtype="float64"), transpose_b=True,
                             alpha=2.0)
    np.testing.assert_allclose(out.asnumpy(), 2 * a @ np.swapaxes(b, 1, 2), rtol=1e-12)


def test_fully_connected(ctx, fp64):
    x = rng.uniform(-1, 1, (4, 2, 3))
    w = rng.uniform(-1, 1, (5, 6))
    b = rng.uniform(-1, 1, (5,))
    out = mx.nd.FullyConnected(mx.nd.array(x, ctx=ctx, dtype="float64"),
                               mx.nd.array(w, ctx=ctx, dtype="float64"),
                               mx.nd.array(b, ctx=ctx, dtype="float64"), num_hidden=5)
    np.testing.assert_allclose(out.asnumpy(), x.reshape(4, 6) @ w.T + b, rtol=1e-12)
    check_gradients(lambda d, ww, bb: mx.nd.FullyConnected(d, ww, bb, num_hidden=5),
                    [x, w, b], ctx, order=2)


def test_dot_errors(ctx):
    a = mx.nd.ones((3, 4), ctx=ctx)
    with pytest.raises(MXNetError, match="shape mismatch"):
        mx.nd.dot(a, mx.nd.ones((3, 4), ctx=ctx))
    with pytest.raises(MXNetError, match="dtype"):
        mx.nd.dot(a, mx.nd.ones((4, 2), ctx=ctx, dtype="float64"))
    with pytest.raises(MXNetError, match="3-D"):
        mx.nd.batch_dot(a, a)
    with pytest.raises(MXNetError, match="num_hidden"):
        mx.nd.FullyConnected(a, mx.nd.ones((2, 4), ctx=ctx), no_bias=True)
