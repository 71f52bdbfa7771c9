"""BatchNorm, LayerNorm, InstanceNorm, Dropout: MXNet's values and gradients."""
import numpy as np
import pytest

import mxgrad as mx
from mxgrad.base import MXNetError
from gradcheck import check_gradients

rng = np.random.RandomState(5)


def _bn_inputs(ctx, dtype="float32"):
    x = mx.nd.array(np.arange(12).reshape(2, 3, 2) * 1.0, ctx=ctx, dtype=dtype)
    g = mx.nd.array([1, 2, 3], ctx=ctx, dtype=dtype)
    b = mx.nd.array([0.1, 0.2, 0.3], ctx=ctx, dtype=dtype)
    return x, g, b, mx.nd.zeros(3, ctx=ctx, dtype=dtype), mx.nd.ones(3, ctx=ctx, dtype=dtype)


def test_batchnorm_train_matches_mxnet(ctx):
    x, g, b, mm, mv = _bn_inputs(ctx)
    with mx.autograd.record():
        y = mx.nd.BatchNorm(x, g, b, mm, mv, fix_gamma=False)
    np.testing.assert_allclose(y.asnumpy()[0], [[-1.0507307, -0.7219505],
                                                 [-2.1014614, -1.443901],
                                                 [-3.1521924, -2.1658516]], rtol=1e-5)
    # moving statistics change only when backward reaches the layer, as in MXNet
    np.testing.assert_array_equal(mm.asnumpy(), [0, 0, 0])


def test_batchnorm_backward_updates_moving_stats_and_fix_gamma(ctx):
    x, g, b, mm, mv = _bn_inputs(ctx)
    for a in (x, g, b):
        a.attach_grad()
    g.grad[:] = 5
    with mx.autograd.record():
        y = mx.nd.BatchNorm(x, g, b, mm, mv, fix_gamma=True)
    y.backward()
    np.testing.assert_allclose(mm.asnumpy(), [0.35, 0.55, 0.75], rtol=1e-5)
    np.testing.assert_allclose(mv.asnumpy(), [1.825] * 3, rtol=1e-5)
    np.testing.assert_array_equal(g.grad.asnumpy(), [0, 0, 0])
    np.testing.assert_allclose(b.grad.asnumpy(), [4, 4, 4])
    np.testing.assert_allclose(x.grad.asnumpy(), np.zeros((2, 3, 2)), atol=1e-5)


def test_batchnorm_predict_uses_moving_stats(ctx):
    x, g, b, mm, mv = _bn_inputs(ctx)
    y = mx.nd.BatchNorm(x, g, b, mm, mv, fix_gamma=True)
    expected = x.asnumpy() / np.sqrt(1 + 1e-3) + np.array([0.1, 0.2, 0.3]).reshape(1, 3, 1)
    np.testing.assert_allclose(y.asnumpy(), expected, rtol=1e-5)


def test_batchnorm_output_mean_var(ctx):
    x, g, b, mm, mv = _bn_inputs(ctx)
    with mx.autograd.record():
        out, mean, invstd = mx.nd.BatchNorm(x, g, b, mm, mv, fix_gamma=False,
                                            output_mean_var=True)
    np.testing.assert_allclose(mean.asnumpy(), [3.5, 5.5, 7.5], rtol=1e-6)
    np.testing.assert_allclose(invstd.asnumpy(), [0.3287802] * 3, rtol=1e-5)


def test_batchnorm_gradients(ctx, fp64):
    mm = mx.nd.zeros(3, ctx=ctx, dtype="float64")
    mv = mx.nd.ones(3, ctx=ctx, dtype="float64")

    def f(x, g, b):
        with mx.autograd.train_mode():
            return mx.nd.BatchNorm(x, g, b, mm, mv, fix_gamma=False)
    check_gradients(f, [rng.normal(size=(4, 3, 2)), rng.uniform(0.5, 1.5, 3),
                        rng.normal(size=3)], ctx, order=2, rtol=1e-4)


def test_layernorm_and_instancenorm_match_mxnet(ctx):
    x, g, b, _, _ = _bn_inputs(ctx)
    y = mx.nd.LayerNorm(x, g[0:2], b[0:2])
    np.testing.assert_allclose(y.asnumpy()[0, 0], [-0.89997995, 2.19996], rtol=1e-5)
    y = mx.nd.InstanceNorm(x, g, b)
    np.testing.assert_allclose(y.asnumpy()[0], [[-0.898006, 1.098006],
                                                [-1.796012, 2.196012],
                                                [-2.6940181, 3.294018]], rtol=1e-5)


def test_layernorm_gradients(ctx, fp64):
    check_gradients(lambda x, g, b: mx.nd.LayerNorm(x, g, b),
                    [rng.normal(size=(2, 4)), rng.uniform(0.5, 1.5, 4), rng.normal(size=4)],
                    ctx, order=2, rtol=1e-4)


def test_norm_shape_errors(ctx):
    x, g, b, mm, mv = _bn_inputs(ctx)
    with pytest.raises(MXNetError, match="gamma"):
        mx.nd.BatchNorm(x, mx.nd.ones(4, ctx=ctx), b, mm, mv)
    with pytest.raises(MXNetError, match="axis"):
        mx.nd.LayerNorm(x, g, b, axis=5)


def test_dropout_modes(ctx):
    x = mx.nd.ones((4, 1000), ctx=ctx)
    np.testing.assert_array_equal(mx.nd.Dropout(x, p=0.5).asnumpy(), x.asnumpy())
    with mx.autograd.train_mode():
        y = mx.nd.Dropout(x, p=0.5).asnumpy()
    assert set(np.unique(y)) <= {0.0, 2.0}
    assert 0.4 < (y == 0).mean() < 0.6
    y = mx.nd.Dropout(x, p=0.25, mode="always").asnumpy()
    assert set(np.unique(y)) <= {0.0, np.float32(1 / 0.75)}
    with mx.autograd.train_mode():
        y = mx.nd.Dropout(x, p=0.5, axes=(1,)).asnumpy()
    assert all(len(set(row)) == 1 for row in y)


def test_dropout_gradient_uses_same_mask(ctx):
    x = mx.nd.ones((3, 50), ctx=ctx)
    x.attach_grad()
    with mx.autograd.record():
        y = mx.nd.Dropout(x, p=0.3)
    y.backward()
    np.testing.assert_allclose(x.grad.asnumpy(), y.asnumpy(), rtol=1e-6)


def _predict_bn_np(x, gamma, beta, mm, mv, eps=1e-3):
    shape = (1, -1, 1)
    return ((x - mm.reshape(shape)) / np.sqrt(mv.reshape(shape) + eps) * gamma.reshape(shape)
            + beta.reshape(shape))


@pytest.mark.parametrize("use_grad", [False, True])
def test_batchnorm_backward_in_predict_mode(ctx, fp64, use_grad):
    """A BatchNorm recorded in train mode, differentiated with train_mode=False: MXNet gives
    the predict-mode gradient (from the moving statistics) and leaves them alone."""
    xs = [rng.normal(size=(4, 3, 2)) * 2 + 1, rng.uniform(0.5, 1.5, 3), rng.normal(size=3)]
    mm_np, mv_np = np.array([0.5, -0.5, 1.0]), np.array([2.0, 3.0, 4.0])
    w = rng.uniform(0.5, 1.5, size=(4, 3, 2))
    x, g, b = [mx.nd.array(a, ctx=ctx, dtype="float64") for a in xs]
    mm, mv = (mx.nd.array(a, ctx=ctx, dtype="float64") for a in (mm_np, mv_np))
    for a in (x, g, b):
        a.attach_grad()
    with mx.autograd.record():
        y = mx.nd.BatchNorm(x, g, b, mm, mv, fix_gamma=False)
    head = mx.nd.array(w, ctx=ctx, dtype="float64")
    if use_grad:
        grads = mx.autograd.grad(y, [x, g, b], head_grads=head, train_mode=False)
    else:
        y.backward(head, train_mode=False)
        grads = [x.grad, g.grad, b.grad]

    def loss(vals):
        return float((_predict_bn_np(*vals, mm_np, mv_np) * w).sum())
    from gradcheck import numeric_grads
    for got, want in zip(grads, numeric_grads(loss, xs)):
        np.testing.assert_allclose(got.asnumpy(), want, rtol=1e-6, atol=1e-7)
    np.testing.assert_array_equal(mm.asnumpy(), mm_np)
    np.testing.assert_array_equal(mv.asnumpy(), mv_np)


def test_batchnorm_backward_in_predict_mode_second_order(ctx, fp64):
    x = mx.nd.array(rng.normal(size=(4, 3)), ctx=ctx, dtype="float64")
    gamma = mx.nd.array([1.5, 2.0, 0.5], ctx=ctx, dtype="float64")
    mm, mv = mx.nd.zeros(3, ctx=ctx, dtype="float64"), mx.nd.array([1, 3, 8], ctx=ctx,
                                                                    dtype="float64")
    for a in (x, gamma):
        a.attach_grad()
    with mx.autograd.record():
        y = mx.nd.BatchNorm(x, gamma, mx.nd.zeros(3, ctx=ctx, dtype="float64"), mm, mv,
                            fix_gamma=False)
        dx = mx.autograd.grad(y, [x], create_graph=True, train_mode=False)[0]
    dx.backward()                 # d/dgamma of sum(gamma / sqrt(mv + eps)) over the rows
    np.testing.assert_allclose(gamma.grad.asnumpy(), 4 / np.sqrt([1 + 1e-3, 3 + 1e-3, 8 + 1e-3]),
                               rtol=1e-6)


def test_batchnorm_backward_in_predict_mode_fix_gamma(ctx):
    x, g, b, mm, mv = _bn_inputs(ctx)
    for a in (x, g, b):
        a.attach_grad()
    with mx.autograd.record():
        y = mx.nd.BatchNorm(x, g, b, mm, mv)             # fix_gamma=True
    y.backward(train_mode=False)
    np.testing.assert_allclose(x.grad.asnumpy(), np.full((2, 3, 2), 1 / np.sqrt(1 + 1e-3)),
                               rtol=1e-6)
    np.testing.assert_array_equal(np.abs(g.grad.asnumpy()), [0, 0, 0])
    np.testing.assert_array_equal(b.grad.asnumpy(), [4, 4, 4])
    np.testing.assert_array_equal(mm.asnumpy(), [0, 0, 0])


@pytest.mark.parametrize("how", ["predict", "p0", "p0_always"])
def test_dropout_identity_is_a_new_recorded_array(ctx, how):
    """Dropout that keeps everything still returns a new array, recorded as an identity
    (MXNet: writing into the result leaves the input alone; backward gives ones)."""
    x = mx.nd.array([1, 2, 3], ctx=ctx)
    x.attach_grad()
    p, mode = (0.5, "training") if how == "predict" else (0.0, "always" if how ==
                                                          "p0_always" else "training")
    with mx.autograd.record(train_mode=how != "predict"):
        y = mx.nd.Dropout(x, p=p, mode=mode)
    assert y is not x
    y.backward(mx.nd.array([1, 2, 4], ctx=ctx))
    np.testing.assert_array_equal(x.grad.asnumpy(), [1, 2, 4])
    y[:] = 7
    np.testing.assert_array_equal(x.asnumpy(), [1, 2, 3])
    z = mx.nd.Dropout(x, p=p, mode=mode)                # not recording: a copy as well
    z[:] = 9
    np.testing.assert_array_equal(x.asnumpy(), [1, 2, 3])
