"""GroupNorm, L2Normalization, LRN, the output layers (MakeLoss, make_loss, the regression
outputs, SVMOutput, Softmax, SoftmaxActivation), BatchNorm_v1, contrib.SyncBatchNorm,
IdentityAttachKLSparseReg, Convolution_v1 and Pooling_v1: values and gradients against
NumPy references (each checked side by side with MXNet 1.9.1 on random inputs) and literals
from MXNet 1.9.1, gradients by finite differences, and misuse errors."""
import numpy as np
import pytest

import mxgrad as mx
from mxgrad.base import MXNetError
from gradcheck import check_gradients

rng = np.random.RandomState(7)


def _nd(a, ctx, dtype="float32"):
    return mx.nd.array(a, ctx=ctx, dtype=dtype)


def _backward(fn, arrays, head=None):
    """Output and input gradients of fn(*arrays) (head gradient ``head`` or ones)."""
    for a in arrays:
        a.attach_grad()
    with mx.autograd.record():
        y = fn(*arrays)
    y.backward(head)
    return y, [a.grad.asnumpy() for a in arrays]


# --- GroupNorm -----------------------------------------------------------------------------
def _group_norm_np(x, g, b, groups, eps):
    n = x.shape[0]
    xg = x.reshape(n, groups, -1)
    mean = xg.mean(-1, keepdims=True)
    std = np.sqrt(xg.var(-1, keepdims=True) + eps)
    y = (xg - mean) / std * g.reshape(1, -1, 1) + b.reshape(1, -1, 1)
    return y.reshape(x.shape), mean.reshape(n, groups), std.reshape(n, groups)


def test_group_norm_matches_mxnet(ctx):
    x = np.arange(12).reshape(1, 4, 3) % 5 * 0.5 - 1
    y = mx.nd.GroupNorm(_nd(x, ctx), _nd([1, 2], ctx), _nd([0.5, -0.5], ctx), num_groups=2)
    # from MXNet 1.9.1
    np.testing.assert_allclose(y.asnumpy(), [[
        [-0.6180238723754883, 0.05279046297073364, 0.7236047983169556],
        [1.3944191932678223, 2.0652334690093994, -0.6180238723754883],
        [-1.7403335571289062, -0.2519332766532898, 1.2364670038223267],
        [2.724867582321167, -3.228734016418457, -1.7403335571289062]]], rtol=1e-5)
    x, g, b = rng.randn(2, 6, 2, 2), rng.rand(3) + 0.5, rng.randn(3)
    out, mean, std = mx.nd.GroupNorm(_nd(x, ctx), _nd(g, ctx), _nd(b, ctx), num_groups=3,
                                     eps=0.01, output_mean_var=True)
    for got, want in zip((out, mean, std), _group_norm_np(x, g, b, 3, 0.01)):
        assert got.shape == want.shape and got.dtype == np.float32
        np.testing.assert_allclose(got.asnumpy(), want, rtol=1e-4, atol=1e-5)


def test_group_norm_gradients(ctx, fp64):
    check_gradients(lambda x, g, b: mx.nd.GroupNorm(x, g, b, num_groups=2),
                    [rng.randn(1, 4, 2), rng.rand(2) + 0.5, rng.randn(2)], ctx, order=2,
                    rtol=1e-4)


def test_group_norm_errors(ctx):
    x = mx.nd.ones((2, 4, 3), ctx=ctx)
    one, two = mx.nd.ones(1, ctx=ctx), mx.nd.ones(2, ctx=ctx)
    with pytest.raises(MXNetError, match="multiple of num_groups"):
        mx.nd.GroupNorm(x, mx.nd.ones(3, ctx=ctx), mx.nd.ones(3, ctx=ctx), num_groups=3)
    with pytest.raises(MXNetError, match="multiple of num_groups"):
        mx.nd.GroupNorm(x, two, two, num_groups=0)
    with pytest.raises(MXNetError, match=r"gamma must have shape \(2,\)"):
        mx.nd.GroupNorm(x, mx.nd.ones(4, ctx=ctx), two, num_groups=2)
    with pytest.raises(MXNetError, match="at least 3-D"):
        mx.nd.GroupNorm(mx.nd.ones((2, 4), ctx=ctx), one, one)
    with pytest.raises(MXNetError, match="floating point"):
        mx.nd.GroupNorm(x.astype("int32"), one.astype("int32"), one.astype("int32"))


# --- L2Normalization -----------------------------------------------------------------------
@pytest.mark.parametrize("mode, axes", [("instance", (1, 2, 3)), ("channel", (1,)),
                                        ("spatial", (2, 3))])
def test_l2_normalization_values_and_gradients(ctx, fp64, mode, axes):
    x = rng.randn(2, 3, 2, 2)
    y = mx.nd.L2Normalization(_nd(x, ctx), mode=mode, eps=0.1)
    want = x / np.sqrt((x * x).sum(axes, keepdims=True) + 0.1)
    np.testing.assert_allclose(y.asnumpy(), want, rtol=1e-5)
    check_gradients(lambda a: mx.nd.L2Normalization(a, mode=mode, eps=0.1),
                    [rng.randn(2, 2, 1, 2)], ctx, order=2, rtol=1e-4)


def test_l2_normalization_1d_dtypes_and_errors(ctx):
    y = mx.nd.L2Normalization(_nd([3, -4], ctx), eps=0.0)      # each element is an instance
    np.testing.assert_allclose(y.asnumpy(), [1, -1])
    assert mx.nd.L2Normalization(mx.nd.ones((2, 2), ctx=ctx, dtype="float16")).dtype \
        == np.float16
    np.testing.assert_array_equal(mx.nd.L2Normalization(mx.nd.zeros((2, 2), ctx=ctx),
                                                        eps=1.0).asnumpy(), 0)
    with pytest.raises(MXNetError, match="invalid mode"):
        mx.nd.L2Normalization(mx.nd.ones((2, 2), ctx=ctx), mode="foo")
    for mode in ("channel", "spatial"):
        with pytest.raises(MXNetError, match="at least 3"):
            mx.nd.L2Normalization(mx.nd.ones((2, 2), ctx=ctx), mode=mode)
    with pytest.raises(MXNetError, match="floating point"):
        mx.nd.L2Normalization(mx.nd.ones((2, 2), ctx=ctx, dtype="int32"))


# --- LRN -----------------------------------------------------------------------------------
def _lrn_np(x, alpha, beta, knorm, nsize):
    sq = x * x
    half = nsize // 2
    window = np.stack([sq[:, max(0, c - half):c + half + 1].sum(1)
                       for c in range(x.shape[1])], axis=1)
    return x / (knorm + alpha / nsize * window) ** beta


def test_lrn_matches_mxnet(ctx):
    x = (np.arange(8).reshape(1, 4, 1, 2) % 3) - 1.0
    y = mx.nd.LRN(_nd(x, ctx), alpha=0.5, beta=0.75, knorm=1, nsize=3)
    np.testing.assert_allclose(y.asnumpy().ravel(), [     # from MXNet 1.9.1
        -0.8059274554252625, 0.0, 0.8059274554252625, -0.8059274554252625, 0.0,
        0.8059274554252625, -0.8908199071884155, 0.0], rtol=1e-6)
    x = rng.randn(2, 6, 2, 2)
    for nsize in (1, 3, 5, 9):
        y = mx.nd.LRN(_nd(x, ctx), alpha=0.3, beta=0.6, knorm=1.5, nsize=nsize)
        np.testing.assert_allclose(y.asnumpy(), _lrn_np(x, 0.3, 0.6, 1.5, nsize), rtol=1e-5)
    y = mx.nd.LRN(_nd(x, ctx), nsize=3)                      # alpha 1e-4, beta 0.75, knorm 2
    np.testing.assert_allclose(y.asnumpy(), _lrn_np(x, 1e-4, 0.75, 2, 3), rtol=1e-5)


def test_lrn_gradients(ctx, fp64):
    check_gradients(lambda x: mx.nd.LRN(x, alpha=0.5, beta=0.75, knorm=1.5, nsize=3),
                    [rng.randn(1, 4, 2, 1)], ctx, order=2, rtol=1e-4)


def test_lrn_errors(ctx):
    x = mx.nd.ones((1, 3, 2, 2), ctx=ctx)
    with pytest.raises(MXNetError, match="nsize is required"):
        mx.nd.LRN(x)
    for nsize in (0, 4):        # MXNet gives zeros or wrong windows for these
        with pytest.raises(MXNetError, match="positive odd"):
            mx.nd.LRN(x, nsize=nsize)
    with pytest.raises(MXNetError, match="4-D"):
        mx.nd.LRN(mx.nd.ones((2, 3, 4), ctx=ctx), nsize=3)
    with pytest.raises(MXNetError, match="floating point"):
        mx.nd.LRN(x.astype("int32"), nsize=3)


# --- output layers -------------------------------------------------------------------------
def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


@pytest.mark.parametrize("op", ["LinearRegressionOutput", "LogisticRegressionOutput",
                                "MAERegressionOutput"])
@pytest.mark.parametrize("dshape, lshape", [((3, 2), (3, 2)), ((2, 2, 3), (2, 6)),
                                            ((3, 1), (3,))])
def test_regression_outputs(ctx, op, dshape, lshape):
    d, l = rng.randn(*dshape), rng.randn(*lshape)
    data, label = _nd(d, ctx), _nd(l, ctx)
    head = mx.nd.full(dshape, 7.0, ctx=ctx)                  # ignored, as by MXNet
    y, (gd, gl) = _backward(lambda a, b: getattr(mx.nd, op)(a, b, grad_scale=1.5),
                            [data, label], head)
    fwd = _sigmoid(d) if op == "LogisticRegressionOutput" else d
    np.testing.assert_allclose(y.asnumpy(), fwd, rtol=1e-6)
    diff = fwd - l.reshape(dshape)
    if op == "MAERegressionOutput":
        diff = np.sign(diff)
    per_sample = int(np.prod(lshape)) // lshape[0]
    np.testing.assert_allclose(gd, diff * 1.5 / per_sample, rtol=1e-5, atol=1e-7)
    np.testing.assert_array_equal(gl, 0)                     # the label: zeros, as MXNet


def test_regression_output_second_order(ctx, fp64):
    # d/dx of the logistic output's gradient (sigmoid(x) - label) is sigmoid'(x)
    x = _nd([[0.3], [-1.2]], ctx, "float64")
    x.attach_grad()
    label = _nd([1, 0], ctx, "float64")
    with mx.autograd.record():
        y = mx.nd.LogisticRegressionOutput(x, label)
        (g,) = mx.autograd.grad(y, [x], create_graph=True)
    g.backward()
    s = _sigmoid(np.array([[0.3], [-1.2]]))
    np.testing.assert_allclose(x.grad.asnumpy(), s * (1 - s), rtol=1e-10)


def test_regression_output_errors(ctx):
    data = mx.nd.ones((3, 2), ctx=ctx)
    for lshape in ((3,), (2, 3), (6,)):
        with pytest.raises(MXNetError, match="does not fit"):
            mx.nd.LinearRegressionOutput(data, mx.nd.ones(lshape, ctx=ctx))
    with pytest.raises(MXNetError, match="dtype"):
        mx.nd.LogisticRegressionOutput(data, mx.nd.ones((3, 2), ctx=ctx, dtype="float16"))
    with pytest.raises(MXNetError, match="floating point"):
        mx.nd.MAERegressionOutput(data.astype("int32"), data.astype("int32"))


def test_svm_output_matches_mxnet(ctx):
    d = _nd([[0.3, -0.6, 1.5], [-1.2, 0.2, 0.8]], ctx)
    for linear, want in ((False, [[1.3, 0.4, 0.0], [0.0, -0.8, 1.8]]),     # MXNet 1.9.1
                         (True, [[0.5, 0.5, 0.0], [0.0, -0.5, 0.5]])):
        y, (g, gl) = _backward(lambda a, b: mx.nd.SVMOutput(
            a, b, margin=1.0, regularization_coefficient=0.5, use_linear=linear),
            [d, _nd([2, 1], ctx)], mx.nd.full((2, 3), 9.0, ctx=ctx))
        np.testing.assert_array_equal(y.asnumpy(), d.asnumpy())
        np.testing.assert_allclose(g, want, rtol=1e-6)
        np.testing.assert_array_equal(gl, 0)


def test_svm_output_random_against_hinge_gradient(ctx):
    x, label = rng.randn(4, 3), np.array([0, 2, 1, 2])
    margin, coef = 0.7, 1.3
    is_label = np.eye(3)[label] > 0
    want = np.where(is_label, np.where(x < margin, 2 * coef * (x - margin), 0),
                    np.where(x > -margin, 2 * coef * (x + margin), 0))
    _, (g, _) = _backward(lambda a, b: mx.nd.SVMOutput(a, b, margin=margin,
                                                       regularization_coefficient=coef),
                          [_nd(x, ctx), _nd(label, ctx)])
    np.testing.assert_allclose(g, want, rtol=1e-5, atol=1e-6)


def test_svm_output_errors(ctx):
    with pytest.raises(MXNetError, match=r"label must have shape \(3,\)"):
        mx.nd.SVMOutput(mx.nd.ones((3, 4), ctx=ctx), mx.nd.ones((3, 4), ctx=ctx))
    with pytest.raises(MXNetError, match="2-D"):
        mx.nd.SVMOutput(mx.nd.ones((3,), ctx=ctx), mx.nd.ones((3,), ctx=ctx))


@pytest.mark.parametrize("kwargs, scale", [({}, 1.0), ({"grad_scale": 2.5}, 2.5),
                                           ({"normalization": "batch"}, 1 / 3),
                                           ({"normalization": "valid", "valid_thresh": 0.2},
                                            None)])
def test_make_loss(ctx, kwargs, scale):
    d = rng.randn(3, 4)
    x = _nd(d, ctx)
    y, (g,) = _backward(lambda a: mx.nd.MakeLoss(a * a, **kwargs), [x],
                        mx.nd.full((3, 4), 5.0, ctx=ctx))
    np.testing.assert_allclose(y.asnumpy(), d * d, rtol=1e-6)
    if scale is None:               # 1 / the elements of the loss above valid_thresh
        scale = 1 / max(1, int((d * d > 0.2).sum()))
    np.testing.assert_allclose(g, 2 * d * scale, rtol=1e-5)


def test_make_loss_valid_with_nothing_valid_and_errors(ctx):
    x = _nd([[0.5, -1.0]], ctx)
    _, (g,) = _backward(lambda a: mx.nd.MakeLoss(a, normalization="valid", valid_thresh=10),
                        [x])
    np.testing.assert_array_equal(g, [[1, 1]])                # divided by at least 1
    with pytest.raises(MXNetError, match="normalization"):
        mx.nd.MakeLoss(x, normalization="foo")
    with pytest.raises(MXNetError, match="floating point"):
        mx.nd.MakeLoss(x.astype("int32"))
    with pytest.raises(MXNetError, match="no parameters"):
        mx.nd.make_loss(x, grad_scale=2)


def test_make_loss_gives_ones(ctx):
    d = rng.randn(2, 3)
    y, (g,) = _backward(lambda a: mx.nd.make_loss(a * a), [_nd(d, ctx)],
                        mx.nd.full((2, 3), 5.0, ctx=ctx))
    np.testing.assert_allclose(y.asnumpy(), d * d, rtol=1e-6)
    np.testing.assert_allclose(g, 2 * d, rtol=1e-6)


def test_softmax_is_softmax_output(ctx):
    d, label = rng.randn(3, 4), np.array([1, 0, 3])
    y1, g1 = _backward(lambda a, b: mx.nd.Softmax(a, b, grad_scale=2.0),
                       [_nd(d, ctx), _nd(label, ctx)])
    y2, g2 = _backward(lambda a, b: mx.nd.SoftmaxOutput(a, b, grad_scale=2.0),
                       [_nd(d, ctx), _nd(label, ctx)])
    np.testing.assert_array_equal(y1.asnumpy(), y2.asnumpy())
    e = np.exp(d - d.max(1, keepdims=True))
    p = e / e.sum(1, keepdims=True)
    np.testing.assert_allclose(g1[0], 2 * (p - np.eye(4)[label]), rtol=1e-5, atol=1e-7)
    np.testing.assert_array_equal(g1[0], g2[0])


@pytest.mark.parametrize("mode, axis", [("instance", -1), ("channel", 1)])
def test_softmax_activation(ctx, fp64, mode, axis):
    x = rng.randn(2, 3, 2)
    y = mx.nd.SoftmaxActivation(_nd(x, ctx), mode=mode)
    e = np.exp(x - x.max(axis, keepdims=True))
    np.testing.assert_allclose(y.asnumpy(), e / e.sum(axis, keepdims=True), rtol=1e-5)
    check_gradients(lambda a: mx.nd.SoftmaxActivation(a, mode=mode), [rng.randn(1, 3, 2)],
                    ctx, order=2, rtol=1e-4)


def test_softmax_activation_errors(ctx):
    for shape in ((3,), (2, 3)):
        with pytest.raises(MXNetError, match="at least 3"):
            mx.nd.SoftmaxActivation(mx.nd.ones(shape, ctx=ctx), mode="channel")
    with pytest.raises(MXNetError, match="invalid mode"):
        mx.nd.SoftmaxActivation(mx.nd.ones((2, 3), ctx=ctx), mode="spatial")
    with pytest.raises(MXNetError, match="floating point"):
        mx.nd.SoftmaxActivation(mx.nd.ones((2, 3), ctx=ctx, dtype="int32"))


# --- BatchNorm_v1, SyncBatchNorm, IdentityAttachKLSparseReg --------------------------------
@pytest.mark.parametrize("op", ["BatchNorm_v1", "SyncBatchNorm"])
def test_batch_norm_relatives_follow_batch_norm(ctx, op):
    fn = mx.nd.BatchNorm_v1 if op == "BatchNorm_v1" else mx.nd.contrib.SyncBatchNorm
    extra = {} if op == "BatchNorm_v1" else {"key": "bn"}
    x, g, b = rng.randn(3, 2, 2), rng.rand(2) + 0.5, rng.randn(2)
    mm, mv = mx.nd.zeros(2, ctx=ctx), mx.nd.ones(2, ctx=ctx)
    arrays = [_nd(x, ctx), _nd(g, ctx), _nd(b, ctx)]
    for a in arrays:
        a.attach_grad()
    with mx.autograd.record():
        y, mean, var = fn(*arrays, mm, mv, eps=0.01, momentum=0.8, fix_gamma=False,
                          output_mean_var=True, **extra)
    y.backward()
    bm, bv = mx.nd.zeros(2, ctx=ctx), mx.nd.ones(2, ctx=ctx)
    ref = [_nd(x, ctx), _nd(g, ctx), _nd(b, ctx)]
    for a in ref:
        a.attach_grad()
    with mx.autograd.record():
        want = mx.nd.BatchNorm(*ref, bm, bv, eps=0.01, momentum=0.8, fix_gamma=False)
    want.backward()
    np.testing.assert_allclose(y.asnumpy(), want.asnumpy(), rtol=1e-6)
    for a, r in zip(arrays, ref):
        np.testing.assert_allclose(a.grad.asnumpy(), r.grad.asnumpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(mean.asnumpy(), x.mean((0, 2)), rtol=1e-5)
    np.testing.assert_allclose(var.asnumpy(), x.var((0, 2)), rtol=1e-5)
    np.testing.assert_allclose(mm.asnumpy(), 0.2 * x.mean((0, 2)), rtol=1e-5)   # as MXNet
    np.testing.assert_allclose(mv.asnumpy(), 0.8 + 0.2 * x.var((0, 2)), rtol=1e-5)
    # predict mode: the moving statistics, returned as they are
    y, mean, var = fn(*arrays, mm, mv, output_mean_var=True, **extra)
    np.testing.assert_array_equal(mean.asnumpy(), mm.asnumpy())
    np.testing.assert_array_equal(var.asnumpy(), mv.asnumpy())


def test_batch_norm_relatives_errors(ctx):
    x, one = mx.nd.ones((2, 2), ctx=ctx), mx.nd.ones(2, ctx=ctx)
    with pytest.raises(MXNetError, match="5 inputs"):
        mx.nd.BatchNorm_v1(x, one, one)
    with pytest.raises(MXNetError, match="key is required"):
        mx.nd.contrib.SyncBatchNorm(x, one, one, one, one)
    with pytest.raises(MXNetError, match="ndev must be 1"):      # MXNet would wait forever
        mx.nd.contrib.SyncBatchNorm(x, one, one, one, one, key="k", ndev=2)
    with pytest.raises(MXNetError, match="2-D"):
        mx.nd.BatchNorm_v1(mx.nd.ones(2, ctx=ctx), one, one, one, one)


def test_identity_attach_kl_sparse_reg(ctx):
    d = rng.rand(4, 3) * 0.5
    avg = _nd([0.1, 0.3, 0.5], ctx)
    head = rng.randn(4, 3)
    y, (g,) = _backward(lambda a: mx.nd.IdentityAttachKLSparseReg(
        a, avg, sparseness_target=0.2, penalty=0.01, momentum=0.7), [_nd(d, ctx)],
        _nd(head, ctx))
    np.testing.assert_allclose(y.asnumpy(), d, rtol=1e-6)
    a = 0.7 * np.array([0.1, 0.3, 0.5]) + 0.3 * d.mean(0)
    np.testing.assert_allclose(avg.asnumpy(), a, rtol=1e-5)
    np.testing.assert_allclose(g, head + 0.01 * (-0.2 / a + 0.8 / (1 - a)), rtol=1e-5)
    with pytest.raises(MXNetError, match="2 inputs"):
        mx.nd.IdentityAttachKLSparseReg(_nd(d, ctx))
    with pytest.raises(MXNetError, match="moving_avg of shape"):
        mx.nd.IdentityAttachKLSparseReg(_nd(d, ctx), mx.nd.ones(4, ctx=ctx))


# --- Convolution_v1 and Pooling_v1 ---------------------------------------------------------
def test_convolution_v1_is_convolution(ctx):
    x, w, b = rng.randn(1, 4, 3, 3), rng.randn(2, 2, 2, 1), rng.randn(2)
    kw = dict(kernel=(2, 1), num_filter=2, num_group=2, pad=(1, 0), stride=(2, 1))
    y = mx.nd.Convolution_v1(_nd(x, ctx), _nd(w, ctx), _nd(b, ctx), **kw)
    want = mx.nd.Convolution(_nd(x, ctx), _nd(w, ctx), _nd(b, ctx), **kw)
    np.testing.assert_array_equal(y.asnumpy(), want.asnumpy())
    with pytest.raises(MXNetError, match="4-D"):                 # MXNet: no 1-D convolution
        mx.nd.Convolution_v1(mx.nd.ones((1, 1, 3), ctx=ctx), mx.nd.ones((1, 1, 2), ctx=ctx),
                             kernel=(2,), num_filter=1, no_bias=True)


def _pool_v1_np(x, kernel, stride, pad, pool_type, full):
    """Zero padding that counts in every window, also past the end under 'full'."""
    out = []
    for size, k, s, p in zip(x.shape[2:], kernel, stride, pad):
        span = size + 2 * p - k
        out.append((-(-span // s) if full else span // s) + 1)
    padded = np.zeros(x.shape[:2] + tuple(max(n + 2 * p, (o - 1) * s + k) for n, o, s, k, p
                                          in zip(x.shape[2:], out, stride, kernel, pad)))
    padded[:, :, pad[0]:pad[0] + x.shape[2], pad[1]:pad[1] + x.shape[3]] = x
    y = np.zeros(x.shape[:2] + tuple(out))
    reduce = {"max": np.max, "avg": np.mean, "sum": np.sum}[pool_type]
    for i in range(out[0]):
        for j in range(out[1]):
            win = padded[:, :, i * stride[0]:i * stride[0] + kernel[0],
                         j * stride[1]:j * stride[1] + kernel[1]]
            y[:, :, i, j] = reduce(win, axis=(2, 3))
    return y


def test_pooling_v1_matches_mxnet(ctx):
    p = _nd(np.arange(12).reshape(1, 1, 3, 4) - 5.0, ctx)
    y = mx.nd.Pooling_v1(p, kernel=(2, 2), stride=(2, 3), pool_type="avg",
                         pooling_convention="full")
    np.testing.assert_array_equal(y.asnumpy(), [[[[-2.5, 0.0], [1.75, 1.5]]]])   # MXNet 1.9.1
    y = mx.nd.Pooling_v1(p, kernel=(2, 2), stride=(2, 2), pad=(1, 1), pooling_convention="full")
    np.testing.assert_array_equal(y.asnumpy(), [[[[0, 0, 0], [3, 5, 6], [0, 0, 0]]]])
    x = rng.randn(1, 2, 5, 4)
    for pool_type in ("max", "avg", "sum"):
        for full in (False, True):
            for pad in ((0, 0), (1, 1), (1, 0)):
                y = mx.nd.Pooling_v1(_nd(x, ctx), kernel=(2, 3), stride=(2, 2), pad=pad,
                                     pool_type=pool_type,
                                     pooling_convention="full" if full else "valid")
                np.testing.assert_allclose(
                    y.asnumpy(), _pool_v1_np(x, (2, 3), (2, 2), pad, pool_type, full),
                    rtol=1e-5, atol=1e-6)
        y = mx.nd.Pooling_v1(_nd(x, ctx), kernel=(2, 2), pool_type=pool_type, global_pool=True)
        want = {"max": np.max, "avg": np.mean, "sum": np.sum}[pool_type](x, axis=(2, 3))
        np.testing.assert_allclose(y.asnumpy().reshape(1, 2), want, rtol=1e-5)


def test_pooling_v1_gradients(ctx, fp64):
    for pool_type in ("avg", "sum"):
        check_gradients(lambda a: mx.nd.Pooling_v1(a, kernel=(2, 2), pool_type=pool_type,
                                                   pad=(1, 0), pooling_convention="full",
                                                   stride=(2, 1)),
                        [rng.randn(1, 1, 3, 3)], ctx, order=2)


def test_pooling_v1_errors(ctx):
    x = mx.nd.ones((1, 1, 3, 3), ctx=ctx)
    with pytest.raises(MXNetError, match="invalid pool_type"):
        mx.nd.Pooling_v1(x, kernel=(2, 2), pool_type="lp")
    with pytest.raises(MXNetError, match="kernel"):
        mx.nd.Pooling_v1(x)
    with pytest.raises(MXNetError, match="4-D"):
        mx.nd.Pooling_v1(mx.nd.ones((1, 1, 3), ctx=ctx), kernel=(2,))
    with pytest.raises(MXNetError, match="larger than"):
        mx.nd.Pooling_v1(x, kernel=(4, 4))
    with pytest.raises(MXNetError, match="floating point"):
        mx.nd.Pooling_v1(x.astype("int32"), kernel=(2, 2), pad=(1, 1))


# --- CTCLoss -------------------------------------------------------------------------------
def _ctc_brute_force(d, labels, frames, blank):
    """-log P(label) by enumerating every path (tiny sizes only)."""
    import itertools
    losses = []
    for b, (seq, T) in enumerate(zip(labels, frames)):
        p = np.exp(d[:T, b]) / np.exp(d[:T, b]).sum(-1, keepdims=True)
        total = 0.0
        for path in itertools.product(range(d.shape[2]), repeat=T):
            collapsed = [c for i, c in enumerate(path)
                         if c != blank and (i == 0 or c != path[i - 1])]
            if collapsed == list(seq):
                total += np.prod([p[t, c] for t, c in enumerate(path)])
        losses.append(-np.log(total) if total else np.inf)
    return np.array(losses)


def test_ctc_loss_matches_mxnet(ctx):
    d = (np.arange(18).reshape(3, 2, 3) % 5) * 0.5 - 1
    x = _nd(d, ctx)
    y, (g,) = _backward(lambda a: mx.nd.CTCLoss(a, _nd([[1, 2], [2, 0]], ctx),
                                                _nd([3, 2], ctx), use_data_lengths=True),
                        [x], _nd([1, 0.5], ctx))
    # from MXNet 1.9.1
    np.testing.assert_allclose(y.asnumpy(), [1.5437982082366943, 2.062396287918091], rtol=1e-5)
    np.testing.assert_allclose(g, [
        [[0.0505833, -0.557064, 0.5064804], [-0.0508043, 0.2870485, -0.2362441]],
        [[0.0505833, -0.0523427, 0.0017592], [0.1431543, 0.0498118, -0.192966]],
        [[0.0505833, 0.3071959, -0.3577792], [0.0, 0.0, 0.0]]], rtol=1e-4, atol=1e-6)
    y = mx.nd.contrib.ctc_loss(x, _nd([[0, 1], [1, -1]], ctx), blank_label="last")
    np.testing.assert_allclose(y.asnumpy(), [2.160932779312134, 2.2584266662597656], rtol=1e-5)


@pytest.mark.parametrize("blank_label", ["first", "last"])
def test_ctc_loss_against_every_path(ctx, blank_label):
    d = rng.randn(4, 3, 3)
    if blank_label == "first":
        label, seqs, blank = [[1, 1], [2, 0], [0, 0]], [[1, 1], [2], []], 0
    else:
        label, seqs, blank = [[0, 1], [1, 1], [-1, -1]], [[0, 1], [1, 1], []], 2
    y = mx.nd.CTCLoss(_nd(d, ctx), _nd(label, ctx), blank_label=blank_label)
    np.testing.assert_allclose(y.asnumpy(), _ctc_brute_force(d, seqs, [4, 4, 4], blank),
                               rtol=1e-5)
    # the same with explicit lengths (padding values then do not matter)
    y = mx.nd.contrib.CTCLoss(_nd(d, ctx), _nd([[s[0] if s else 1, s[-1] if s else 1]
                                                for s in seqs], ctx),
                              _nd([4, 3, 2], ctx), _nd([len(s) for s in seqs], ctx),
                              use_data_lengths=True, use_label_lengths=True,
                              blank_label=blank_label)
    np.testing.assert_allclose(y.asnumpy(), _ctc_brute_force(d, seqs, [4, 3, 2], blank),
                               rtol=1e-5)


def test_ctc_loss_gradients(ctx, fp64):
    label = mx.nd.array([[1, 2], [2, 0]], ctx=ctx)
    lengths = mx.nd.array([3, 2], ctx=ctx)
    check_gradients(lambda a: mx.nd.CTCLoss(a, label, lengths, use_data_lengths=True),
                    [rng.randn(3, 2, 3)], ctx, order=2, rtol=1e-4)


def test_ctc_loss_infeasible_dtypes_and_errors(ctx):
    x = mx.nd.zeros((2, 1, 3), ctx=ctx)
    y, (g,) = _backward(lambda a: mx.nd.CTCLoss(a, _nd([[2, 2]], ctx)), [x])
    assert np.isinf(y.asnumpy()).all()                     # 2-blank-2 needs 3 steps
    np.testing.assert_array_equal(g, 0)
    y = mx.nd.CTCLoss(mx.nd.zeros((2, 1, 3), ctx=ctx, dtype="float16"), _nd([[1]], ctx))
    assert y.dtype == np.float16 and y.shape == (1,)
    assert mx.nd.CTCLoss(mx.nd.zeros((2, 0, 3), ctx=ctx), mx.nd.zeros((0, 2), ctx=ctx)).shape \
        == (0,)
    y = mx.nd.CTCLoss(mx.nd.zeros((2, 1, 3), ctx=ctx), mx.nd.zeros((1, 0), ctx=ctx))
    np.testing.assert_allclose(y.asnumpy(), [2 * np.log(3)], rtol=1e-6)   # blanks only
    d, lab = mx.nd.zeros((3, 2, 4), ctx=ctx), _nd([[1, 2], [1, 0]], ctx)
    with pytest.raises(MXNetError, match="batch size"):
        mx.nd.CTCLoss(d, _nd([[1, 2]], ctx))
    with pytest.raises(MXNetError, match="3-D"):
        mx.nd.CTCLoss(mx.nd.zeros((3, 4), ctx=ctx), lab)
    with pytest.raises(MXNetError, match="needs data_lengths"):
        mx.nd.CTCLoss(d, lab, use_data_lengths=True)
    for lengths in ([4, 2], [0, 2]):                       # MXNet: double free / garbage
        with pytest.raises(MXNetError, match="data_lengths must be in"):
            mx.nd.CTCLoss(d, lab, _nd(lengths, ctx), use_data_lengths=True)
    with pytest.raises(MXNetError, match="label_lengths must be in"):
        mx.nd.CTCLoss(d, lab, None, _nd([3, 1], ctx), use_label_lengths=True)
    for bad, blank in (([[1, 4], [1, 0]], "first"), ([[1, -1], [1, 0]], "first"),
                       ([[3, 0], [1, -1]], "last")):   # MXNet: numbers from out of range
        with pytest.raises(MXNetError, match="labels must be in"):
            mx.nd.CTCLoss(d, _nd(bad, ctx), blank_label=blank)
    with pytest.raises(MXNetError, match="blank_label"):
        mx.nd.CTCLoss(d, lab, blank_label="middle")
    with pytest.raises(MXNetError, match="floating point"):
        mx.nd.CTCLoss(d.astype("int32"), lab)
