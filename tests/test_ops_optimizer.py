"""sgd_update, sgd_mom_update, adam_update: values MXNet 1.9.1 prints for the same inputs."""
import numpy as np
import pytest

import mxgrad as mx
from mxgrad.base import MXNetError


def test_sgd_update(ctx):
    w = mx.nd.array([1, 2], ctx=ctx)
    g = mx.nd.array([0.5, 10], ctx=ctx)
    mx.nd.sgd_update(w, g, lr=0.1, wd=0.01, clip_gradient=1, out=w)
    np.testing.assert_allclose(w.asnumpy(), [0.949, 1.898], rtol=1e-6)


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_updates_let_nan_gradients_through_the_clip(ctx, dtype):
    if dtype == "float64" and not ctx.state.has_fp64:
        pytest.skip(f"{ctx} has no float64")
    # MXNet 1.9.1 prints [0.899 2.398 2.597 nan] (float16: 2.596, one half-step off)
    w = mx.nd.array([1, 2, 3, -4], ctx=ctx, dtype=dtype)
    g = mx.nd.array([0.5, -3, 10, np.nan], ctx=ctx, dtype=dtype)
    mx.nd.sgd_update(w, g, lr=0.1, wd=0.01, rescale_grad=2, clip_gradient=4, out=w)
    np.testing.assert_allclose(w.asnumpy(), [0.899, 2.398, 2.597, np.nan], rtol=1e-3)
    mom = mx.nd.zeros((4,), ctx=ctx, dtype=dtype)
    w2 = mx.nd.array([1, 2, 3, -4], ctx=ctx, dtype=dtype)
    mx.nd.sgd_mom_update(w2, g, mom, lr=0.1, momentum=0.9, wd=0.01, rescale_grad=2,
                         clip_gradient=4, out=w2)
    np.testing.assert_allclose(w2.asnumpy(), [0.899, 2.398, 2.597, np.nan], rtol=1e-3)


def test_sgd_update_rescale_and_new_output(ctx):
    w = mx.nd.array([1, 2], ctx=ctx)
    g = mx.nd.array([0.5, 10], ctx=ctx)
    out = mx.nd.sgd_update(w, g, lr=0.5, rescale_grad=0.5)
    np.testing.assert_allclose(out.asnumpy(), [1 - 0.125, 2 - 2.5], rtol=1e-6)
    np.testing.assert_allclose(w.asnumpy(), [1, 2])


def test_sgd_mom_update(ctx):
    w = mx.nd.array([1, 2], ctx=ctx)
    m = mx.nd.array([0.1, 0.1], ctx=ctx)
    mx.nd.sgd_mom_update(w, mx.nd.array([0.5, 10], ctx=ctx), m, lr=0.1, momentum=0.9, wd=0.01,
                         out=w)
    np.testing.assert_allclose(w.asnumpy(), [1.039, 1.088], rtol=1e-6)
    np.testing.assert_allclose(m.asnumpy(), [0.039, -0.912], rtol=1e-5)


def test_adam_update(ctx):
    w = mx.nd.array([1, 2], ctx=ctx)
    m = mx.nd.array([0.1, 0.1], ctx=ctx)
    v = mx.nd.array([0.2, 0.2], ctx=ctx)
    mx.nd.adam_update(w, mx.nd.array([0.5, 10], ctx=ctx), m, v, lr=0.1, wd=0.01, out=w)
    np.testing.assert_allclose(w.asnumpy(), [0.9684762, 1.8006951], rtol=1e-6)
    np.testing.assert_allclose(m.asnumpy(), [0.141, 1.0920004], rtol=1e-6)
    np.testing.assert_allclose(v.asnumpy(), [0.2000601, 0.30019912], rtol=1e-6)


def test_update_shape_mismatch(ctx):
    with pytest.raises(MXNetError, match="shape"):
        mx.nd.sgd_update(mx.nd.ones((2,), ctx=ctx), mx.nd.ones((3,), ctx=ctx), lr=0.1)


def test_training_loop_converges(ctx):
    """A linear fit by record/backward/sgd_update, as MXNet-style loops do."""
    rng = np.random.RandomState(0)
    X = rng.uniform(-1, 1, (64, 3)).astype(np.float32)
    true_w = np.array([[1.5], [-2.0], [0.5]], dtype=np.float32)
    Y = X @ true_w
    x, y = mx.nd.array(X, ctx=ctx), mx.nd.array(Y, ctx=ctx)
    w = mx.nd.zeros((3, 1), ctx=ctx)
    w.attach_grad()
    for _ in range(200):
        with mx.autograd.record():
            err = mx.nd.dot(x, w) - y
            loss = err * err
        loss.backward()
        mx.nd.sgd_update(w, w.grad, lr=0.01, out=w)
    np.testing.assert_allclose(w.asnumpy(), true_w, atol=1e-3)


def test_adam_update_decays_before_clipping_as_mxnet(ctx):
    # MXNet 1.9.1: adam_update clips rescale * grad + wd * weight (sgd_mom_update clips first)
    w, g = mx.nd.array([0.5], ctx=ctx), mx.nd.array([3.0], ctx=ctx)
    mean, var = mx.nd.zeros((1,), ctx=ctx), mx.nd.zeros((1,), ctx=ctx)
    mx.nd.adam_update(w, g, mean, var, lr=0.1, wd=0.5, rescale_grad=0.5, clip_gradient=0.8,
                      out=w)
    np.testing.assert_allclose(mean.asnumpy(), [0.08], rtol=1e-6)       # MXNet's values
    np.testing.assert_allclose(w.asnumpy(), [0.18377024], rtol=1e-6)
