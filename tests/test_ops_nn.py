"""softmax family, activations, pick/one_hot/Embedding, losses, where/clip."""
import numpy as np
import pytest

import mxgrad as mx
from mxgrad.base import MXNetError
from gradcheck import check_gradients

rng = np.random.RandomState(7)


def np_softmax(x, axis=-1, t=1.0):
    e = np.exp(x / t - (x / t).max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


@pytest.mark.parametrize("shape,axis", [((2, 5), -1), ((2, 5), 0), ((2, 3, 4), 1), ((7,), 0)])
@pytest.mark.parametrize("temperature", [None, 2.0])
def test_softmax_forward(ctx, shape, axis, temperature):
    x = rng.uniform(-3, 3, shape).astype(np.float32)
    t = 1.0 if temperature is None else temperature
    y = mx.nd.softmax(mx.nd.array(x, ctx=ctx), axis=axis, temperature=temperature)
    np.testing.assert_allclose(y.asnumpy(), np_softmax(x, axis, t), rtol=1e-5, atol=1e-7)
    ly = mx.nd.log_softmax(mx.nd.array(x, ctx=ctx), axis=axis, temperature=temperature)
    np.testing.assert_allclose(ly.asnumpy(), np.log(np_softmax(x, axis, t)), rtol=1e-5,
                               atol=1e-6)


def test_softmax_matches_mxnet_printed_values(ctx):
    y = mx.nd.softmax(mx.nd.array([[1, 2, 3]], ctx=ctx), temperature=2)
    np.testing.assert_allclose(y.asnumpy(), [[0.18632373, 0.3071959, 0.5064804]], rtol=1e-6)


@pytest.mark.parametrize("fn", [
    lambda x: mx.nd.softmax(x, axis=-1),
    lambda x: mx.nd.softmax(x, axis=0, temperature=3.0),
    lambda x: mx.nd.log_softmax(x, axis=1),
    lambda x: mx.nd.log_softmax(x, axis=-1, temperature=0.5),
])
def test_softmax_gradients(ctx, fp64, fn):
    check_gradients(fn, [rng.uniform(-2, 2, (2, 4))], ctx, order=2)


ACTS = {
    "relu": lambda v: np.maximum(v, 0),
    "sigmoid": lambda v: 1 / (1 + np.exp(-v)),
    "tanh": np.tanh,
    "softrelu": lambda v: np.log1p(np.exp(v)),
    "softsign": lambda v: v / (1 + np.abs(v)),
}


@pytest.mark.parametrize("act", sorted(ACTS))
def test_activation(ctx, fp64, act):
    x = rng.uniform(-2, 2, (3, 4))
    x[np.abs(x) < 0.1] = 0.5
    y = mx.nd.Activation(mx.nd.array(x, ctx=ctx, dtype="float64"), act_type=act)
    np.testing.assert_allclose(y.asnumpy(), ACTS[act](x), rtol=1e-10)
    check_gradients(lambda a: mx.nd.Activation(a, act_type=act), [x], ctx, order=2)


def test_activation_bad_type(ctx):
    with pytest.raises(MXNetError, match="act_type"):
        mx.nd.Activation(mx.nd.ones((2,), ctx=ctx), act_type="swish")


@pytest.mark.parametrize("act,expected", [
    ("leaky", [-0.25, 2.0]), ("elu", [-0.15803012, 2.0]), ("selu", [-1.1113307, 2.101402]),
    ("gelu", [-0.15865527, 1.9544998]),
])
def test_leaky_relu_matches_mxnet(ctx, act, expected):
    y = mx.nd.LeakyReLU(mx.nd.array([-1, 2], ctx=ctx), act_type=act)
    np.testing.assert_allclose(y.asnumpy(), expected, rtol=1e-6)


@pytest.mark.parametrize("act", ["leaky", "elu", "selu", "gelu"])
def test_leaky_relu_gradients(ctx, fp64, act):
    x = rng.uniform(-2, 2, (2, 3))
    x[np.abs(x) < 0.1] = 0.5
    check_gradients(lambda a: mx.nd.LeakyReLU(a, act_type=act, slope=0.3), [x], ctx, order=2)


def test_prelu(ctx, fp64):
    x = rng.uniform(-2, 2, (2, 3, 2))
    x[np.abs(x) < 0.1] = 0.5
    gamma = np.array([0.1, 0.2, 0.3])
    y = mx.nd.LeakyReLU(mx.nd.array(x, ctx=ctx, dtype="float64"),
                        mx.nd.array(gamma, ctx=ctx, dtype="float64"), act_type="prelu")
    g = gamma.reshape(1, 3, 1)
    np.testing.assert_allclose(y.asnumpy(), np.where(x > 0, x, g * x), rtol=1e-12)
    check_gradients(lambda a, b: mx.nd.LeakyReLU(a, b, act_type="prelu"), [x, gamma], ctx,
                    order=2)


def test_pick_forward_matches_mxnet(ctx):
    d = mx.nd.array([[1, 2, 3], [4, 5, 6]], ctx=ctx)
    np.testing.assert_array_equal(mx.nd.pick(d, mx.nd.array([0, 2], ctx=ctx)).asnumpy(), [1, 6])
    np.testing.assert_array_equal(mx.nd.pick(d, mx.nd.array([5, -1], ctx=ctx)).asnumpy(), [3, 4])
    np.testing.assert_array_equal(
        mx.nd.pick(d, mx.nd.array([5, -1], ctx=ctx), mode="wrap").asnumpy(), [3, 6])
    k = mx.nd.pick(d, mx.nd.array([0, 1], ctx=ctx), keepdims=True)
    assert k.shape == (2, 1)
    np.testing.assert_array_equal(mx.nd.pick(d, mx.nd.array([1, 0, 1], ctx=ctx), axis=0)
                                  .asnumpy(), [4, 2, 6])


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_pick_gradients(ctx, fp64, axis):
    x = rng.uniform(-1, 1, (3, 4))
    n = 4 if axis == 0 else 3
    L = 3 if axis == 0 else 4
    idx = mx.nd.array(rng.randint(0, L, n), ctx=ctx, dtype="float64")
    check_gradients(lambda a: mx.nd.pick(a * a, idx, axis=axis), [x], ctx, order=2)


def test_one_hot(ctx):
    y = mx.nd.one_hot(mx.nd.array([1, 0, 5], ctx=ctx), 3)
    np.testing.assert_array_equal(y.asnumpy(), [[0, 1, 0], [1, 0, 0], [0, 0, 0]])
    y = mx.nd.one_hot(mx.nd.array([[2]], ctx=ctx, dtype="int32"), 4, on_value=5,
                      off_value=-1, dtype="int32")
    assert y.shape == (1, 1, 4) and y.dtype == np.int32
    np.testing.assert_array_equal(y.asnumpy(), [[[-1, -1, 5, -1]]])


def test_embedding(ctx, fp64):
    w = np.arange(6, dtype=np.float64).reshape(3, 2)
    data = mx.nd.array([[0, 2]], ctx=ctx, dtype="float64")
    y = mx.nd.Embedding(data, mx.nd.array(w, ctx=ctx, dtype="float64"), input_dim=3,
                        output_dim=2)
    np.testing.assert_array_equal(y.asnumpy(), [[[0, 1], [4, 5]]])
    check_gradients(lambda ww: mx.nd.Embedding(data, ww * ww, input_dim=3, output_dim=2),
                    [w + 1], ctx, order=2)


def test_softmax_cross_entropy(ctx, fp64):
    d = mx.nd.array([[1, 2, 3], [4, 5, 6]], ctx=ctx)
    y = mx.nd.softmax_cross_entropy(d, mx.nd.array([0, 2], ctx=ctx))
    assert y.shape == (1,)
    np.testing.assert_allclose(y.asnumpy(), [2.8152118], rtol=1e-6)
    label = mx.nd.array([1, 0], ctx=ctx, dtype="float64")
    check_gradients(lambda a: mx.nd.softmax_cross_entropy(a, label),
                    [rng.uniform(-1, 1, (2, 3))], ctx, order=2)


def test_softmax_output_gradient_ignores_head_grad(ctx):
    x = mx.nd.array([[1, 2, 3]], ctx=ctx)
    x.attach_grad()
    with mx.autograd.record():
        y = mx.nd.SoftmaxOutput(x, mx.nd.array([1], ctx=ctx))
    y.backward()
    np.testing.assert_allclose(x.grad.asnumpy(), [[0.09003057, -0.75527155, 0.66524094]],
                               rtol=1e-6)
    with mx.autograd.record():
        y = mx.nd.SoftmaxOutput(x, mx.nd.array([1], ctx=ctx), normalization="batch",
                                grad_scale=2)
    y.backward(mx.nd.ones((1, 3), ctx=ctx) * 5)
    np.testing.assert_allclose(x.grad.asnumpy(), [[0.18006115, -1.5105431, 1.3304819]],
                               rtol=1e-6)


def test_where_and_clip(ctx, fp64):
    cond = mx.nd.array([1, 0, 1, 0], ctx=ctx, dtype="float64")
    a = rng.uniform(-1, 1, 4)
    b = rng.uniform(-1, 1, 4)
    y = mx.nd.where(cond, mx.nd.array(a, ctx=ctx, dtype="float64"),
                    mx.nd.array(b, ctx=ctx, dtype="float64"))
    np.testing.assert_array_equal(y.asnumpy(), np.where([1, 0, 1, 0], a, b))
    check_gradients(lambda p, q: mx.nd.where(cond, p * p, q * p), [a, b], ctx, order=2)
    x = mx.nd.array([-2, -1, 0, 1, 2, 3], ctx=ctx)
    x.attach_grad()
    with mx.autograd.record():
        c = mx.nd.clip(x, -1, 2)
    c.backward()
    np.testing.assert_array_equal(c.asnumpy(), [-1, -1, 0, 1, 2, 2])
    np.testing.assert_array_equal(x.grad.asnumpy(), [0, 1, 1, 1, 1, 0])
    with pytest.raises(MXNetError, match="shape"):
        mx.nd.where(cond, mx.nd.ones((3,), ctx=ctx, dtype="float64"), cond)


def test_take_matches_mxnet(ctx, fp64):
    a = mx.nd.array([[1, 2], [3, 4], [5, 6]], ctx=ctx)
    np.testing.assert_array_equal(mx.nd.take(a, mx.nd.array([0, 2, 5, -1], ctx=ctx)).asnumpy(),
                                  [[1, 2], [5, 6], [5, 6], [1, 2]])
    y = mx.nd.take(a, mx.nd.array([[0, 3]], ctx=ctx), mode="wrap")
    assert y.shape == (1, 2, 2)
    np.testing.assert_array_equal(y.asnumpy(), [[[1, 2], [1, 2]]])
    np.testing.assert_array_equal(mx.nd.take(a, mx.nd.array([1], ctx=ctx), axis=1).asnumpy(),
                                  [[2], [4], [6]])
    idx = mx.nd.array([2, 0, 2], ctx=ctx, dtype="float64")
    check_gradients(lambda x: mx.nd.take(x * x, idx, axis=1), [rng.normal(size=(2, 3))], ctx,
                    order=2)


def test_sequence_mask_matches_mxnet(ctx):
    d = mx.nd.arange(12, ctx=ctx).reshape((3, 2, 2))
    y = mx.nd.SequenceMask(d, mx.nd.array([1, 2], ctx=ctx), use_sequence_length=True, value=-1)
    np.testing.assert_array_equal(y.asnumpy(), [[[0, 1], [2, 3]], [[-1, -1], [6, 7]],
                                                [[-1, -1], [-1, -1]]])
    y = mx.nd.SequenceMask(mx.nd.arange(6, ctx=ctx).reshape((2, 3)),
                           mx.nd.array([1, 2], ctx=ctx), use_sequence_length=True, axis=1)
    np.testing.assert_array_equal(y.asnumpy(), [[0, 0, 0], [3, 4, 0]])


def test_block_grad_stops_gradient(ctx):
    x = mx.nd.array([1.0, 2.0], ctx=ctx)
    x.attach_grad()
    with mx.autograd.record():
        y = mx.nd.BlockGrad(x * 2) + mx.nd.stop_gradient(x) * x + x
    y.backward()
    np.testing.assert_array_equal(x.grad.asnumpy(), [2, 3])


def test_take_truncates_float_indices_and_types_as_mxnet(ctx):
    # values MXNet 1.9.1 prints for the same calls
    a = mx.nd.array(np.arange(12).reshape(3, 4), ctx=ctx)
    idx = mx.nd.array([1.7, -0.5, 2.2, -1.2], ctx=ctx)
    assert mx.nd.take(a, idx).asnumpy()[:, 0].tolist() == [4, 0, 8, 0]
    wrap = mx.nd.array([1.7, -0.5, 4.2, -1.2], ctx=ctx)
    assert mx.nd.take(a, wrap, mode="wrap").asnumpy()[:, 0].tolist() == [4, 0, 4, 8]
    ints = mx.nd.take(a.astype("int32"), mx.nd.array([2, 0], ctx=ctx, dtype="int32"), axis=1)
    assert ints.dtype == np.int32 and ints.asnumpy().tolist() == [[2, 0], [6, 4], [10, 8]]
    e = mx.nd.Embedding(mx.nd.array([[0, 2], [2, 2]], ctx=ctx),
                        mx.nd.array(np.arange(6).reshape(3, 2), ctx=ctx, dtype="int32"),
                        input_dim=3, output_dim=2, dtype="int32")
    assert e.dtype == np.int32 and e.asnumpy().tolist() == [[[0, 1], [4, 5]], [[4, 5], [4, 5]]]


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64", "int32", "int64"])
def test_embedding_gradient_adds_repeated_rows(ctx, dtype):
    if dtype == "float64" and not ctx.state.has_fp64:
        pytest.skip(f"{ctx} has no float64")
    w = mx.nd.array(np.arange(6).reshape(3, 2), ctx=ctx, dtype=dtype)
    w.attach_grad()
    with mx.autograd.record():
        y = mx.nd.Embedding(mx.nd.array([[0, 2], [2, 2], [5, -3]], ctx=ctx), w,
                            input_dim=3, output_dim=2, dtype=dtype)
    y.backward(mx.nd.ones_like(y) * mx.nd.array([1, 10], ctx=ctx, dtype=dtype))
    assert w.grad.dtype == np.dtype(dtype)
    assert w.grad.asnumpy().tolist() == [[2, 20], [0, 0], [4, 40]]     # as MXNet 1.9.1


def test_take_scatter_matches_numpy_on_many_repeats(ctx):
    table = rng.normal(size=(50, 3, 7)).astype(np.float32)
    idx = rng.randint(0, 50, size=(40, 25))
    a = mx.nd.array(table, ctx=ctx)
    a.attach_grad()
    head = rng.normal(size=(40, 25, 3, 7)).astype(np.float32)
    with mx.autograd.record():
        y = mx.nd.take(a, mx.nd.array(idx, ctx=ctx, dtype="int64"))
    y.backward(mx.nd.array(head, ctx=ctx))
    np.testing.assert_array_equal(y.asnumpy(), table[idx])
    want = np.zeros_like(table, dtype=np.float64)
    np.add.at(want, idx.reshape(-1), head.reshape(-1, 3, 7))
    np.testing.assert_allclose(a.grad.asnumpy(), want, rtol=1e-5, atol=1e-5)


def test_take_middle_axis_with_repeats_second_order(ctx, fp64):
    idx = mx.nd.array([[2, 0], [2, 2]], ctx=ctx)
    check_gradients(lambda x: mx.nd.take(x * x, idx, axis=1) * mx.nd.take(x, idx, axis=1),
                    [rng.normal(size=(2, 3, 2))], ctx, order=2)


@pytest.mark.parametrize("mode", ["clip", "wrap"])
def test_pick_gradient_middle_axis_out_of_range_keepdims(ctx, fp64, mode):
    x = rng.uniform(-1, 1, (2, 3, 4))
    idx = mx.nd.array([[5, -1, 0, 2], [1, -4, 3, 2]], ctx=ctx, dtype="int32")
    check_gradients(lambda a: mx.nd.pick(a * a, idx, axis=1, mode=mode, keepdims=True) * a[:, :1],
                    [x], ctx, order=2)
    a = mx.nd.array(x, ctx=ctx)
    a.attach_grad()
    with mx.autograd.record():
        y = mx.nd.pick(a, idx, axis=1, mode=mode)
    y.backward(mx.nd.ones_like(y) * 2)
    j = idx.asnumpy().astype(np.int64)
    j = np.mod(j, 3) if mode == "wrap" else np.clip(j, 0, 2)
    want = np.zeros((2, 3, 4))
    for o in range(2):
        for i in range(4):
            want[o, j[o, i], i] = 2
    np.testing.assert_array_equal(a.grad.asnumpy(), want)


def test_pick_float16_rows_longer_than_half_can_count(ctx):
    # the indices used to be converted to float16, which rounds 2049 to 2048
    x = np.arange(3000, dtype=np.float32).reshape(1, 3000) % 1000
    data = mx.nd.array(x, ctx=ctx, dtype="float16")
    data.attach_grad()
    idx = mx.nd.array([2049], ctx=ctx)
    with mx.autograd.record():
        y = mx.nd.pick(data, idx, axis=1)
    y.backward()
    assert y.dtype == np.float16 and y.asnumpy().tolist() == [49.0]
    g = data.grad.asnumpy()
    assert g[0, 2049] == 1 and g.sum() == 1


def test_pick_along_an_empty_axis_raises(ctx):
    with pytest.raises(mx.MXNetError, match="length 0"):
        mx.nd.pick(mx.nd.zeros((3, 0), ctx=ctx), mx.nd.zeros((3,), ctx=ctx))
    assert mx.nd.pick(mx.nd.zeros((0, 4), ctx=ctx), mx.nd.zeros((0,), ctx=ctx)).shape == (0,)
