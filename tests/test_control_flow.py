"""mx.nd.contrib.foreach, while_loop and cond (imperative, recorded through autograd);
the expected values were printed by MXNet 1.9.1 on the same calls."""
import numpy as np
import pytest

import mxgrad as mx
from mxgrad import nd
from gradcheck import check_gradients


def test_foreach_values_and_structure(ctx):
    def step(data, states):
        out = data + states[0]
        return out, [out * 2]
    outs, states = nd.contrib.foreach(step, nd.arange(6, ctx=ctx).reshape((3, 2)),
                                      [nd.zeros((2,), ctx=ctx)])
    np.testing.assert_array_equal(outs.asnumpy(), [[0, 1], [2, 5], [8, 15]])
    assert isinstance(states, list) and states[0].asnumpy().tolist() == [16, 30]
    d = nd.arange(4, ctx=ctx).reshape((2, 2))
    outs, states = nd.contrib.foreach(lambda x, s: ([x[0] + x[1]], s), [d, d], [])
    assert isinstance(outs, list) and outs[0].asnumpy().tolist() == [[0, 2], [4, 6]]
    outs, states = nd.contrib.foreach(lambda x, s: (x, s), d, nd.ones((2,), ctx=ctx))
    assert isinstance(outs, nd.NDArray) and isinstance(states, nd.NDArray)


def test_foreach_gradient(ctx, fp64):
    x = nd.array([1., 2.], ctx=ctx)
    x.attach_grad()
    with mx.autograd.record():
        o, st = nd.contrib.foreach(lambda d, s: (d * s[0], [s[0] * d]),
                                   nd.array([[1., 2.], [3., 4.]], ctx=ctx), [x])
        total = o.sum() + st[0].sum()
    total.backward()
    np.testing.assert_array_equal(x.grad.asnumpy(), [7, 18])      # MXNet 1.9.1's values

    def recurrence(data, h):
        outs, states = nd.contrib.foreach(lambda d, s: (nd.tanh(d * s[0]), [nd.tanh(d + s[0])]),
                                          data, [h])
        return outs.sum(axis=0) + states[0]
    rng = np.random.RandomState(0)
    check_gradients(recurrence, [rng.randn(3, 2), rng.randn(2)], ctx, order=2)


def test_while_loop(ctx):
    loop_vars = (nd.array([0], ctx=ctx, dtype="int64"), nd.array([1], ctx=ctx, dtype="int64"))
    outs, states = nd.contrib.while_loop(lambda i, s: i <= 5,
                                         lambda i, s: ([i + s], [i + 1, s + i]),
                                         loop_vars, max_iterations=10)
    # MXNet fills the 4 steps past the end with uninitialised memory; mxgrad with zeros
    assert outs[0].shape == (10, 1)
    assert outs[0].asnumpy().ravel().tolist() == [1, 2, 4, 7, 11, 16, 0, 0, 0, 0]
    assert [s.asnumpy().tolist() for s in states] == [[6], [16]]
    outs, states = nd.contrib.while_loop(lambda i: i < 0, lambda i: (i, [i + 1]),
                                         [nd.array([0.], ctx=ctx)], max_iterations=3)
    assert outs == [] and states[0].asnumpy().tolist() == [0]
    outs, state = nd.contrib.while_loop(lambda i: i < 2, lambda i: (i * 2, i + 1),
                                        nd.array([0.], ctx=ctx), max_iterations=3)
    assert isinstance(outs, nd.NDArray) and outs.asnumpy().ravel().tolist() == [0, 2, 0]
    assert isinstance(state, nd.NDArray) and state.asnumpy().tolist() == [2]
    with pytest.raises(mx.MXNetError, match="max_iterations must be given"):
        nd.contrib.while_loop(lambda i: i < 2, lambda i: (i, [i]), [nd.array([0.], ctx=ctx)])
    with pytest.raises(mx.MXNetError, match="changed shape"):
        nd.contrib.while_loop(lambda i: i.sum() < 2, lambda i: (i, [nd.concat(i, i, dim=0)]),
                              [nd.array([0.], ctx=ctx)], max_iterations=3)


def test_while_loop_gradient(ctx, fp64):

    def power(x):
        outs, (_, y) = nd.contrib.while_loop(
            lambda i, y: i < 3, lambda i, y: (y, [i + 1, y * x]),
            [nd.zeros((1,), ctx=ctx, dtype="float64"), x], max_iterations=4)
        return outs.sum() + y.sum()
    check_gradients(power, [np.array([0.7])], ctx, order=2)


def test_cond(ctx):
    x = nd.array([2.0], ctx=ctx)
    x.attach_grad()
    with mx.autograd.record():
        y = nd.contrib.cond(x > 1, lambda: x * x, lambda: x * 3)
    y.backward()
    assert y.asnumpy().tolist() == [4] and x.grad.asnumpy().tolist() == [4]
    outs = nd.contrib.cond(nd.array([0], ctx=ctx), lambda: [x, x * 2], lambda: [x * 3, x * 4])
    assert [o.asnumpy().tolist() for o in outs] == [[6], [8]]
    with pytest.raises(mx.MXNetError, match="scalar"):
        nd.contrib.cond(nd.array([1, 2], ctx=ctx), lambda: 1, lambda: 2)
