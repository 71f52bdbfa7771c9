"""The examples of MXNet's autograd documentation and tutorial, run on mxgrad."""
import numpy as np

import mxgrad as mx
from mxgrad import autograd, nd


def test_record_example(ctx):
    x = nd.array([1, 2, 3, 4], ctx=ctx)
    x.attach_grad()
    with autograd.record():
        y = x * x + 1
    y.backward()
    np.testing.assert_allclose(x.grad.asnumpy(), [2, 4, 6, 8])


def test_tutorial_chain(ctx):
    x = nd.array([[1, 2], [3, 4]], ctx=ctx)
    x.attach_grad()
    with autograd.record():
        y = x * 2
        z = y * x
    z.backward()
    np.testing.assert_allclose(x.grad.asnumpy(), [[4, 8], [12, 16]])


def test_tutorial_head_gradient(ctx):
    x = nd.array([[1, 2], [3, 4]], ctx=ctx)
    x.attach_grad()
    with autograd.record():
        y = x * 2
        z = y * x
    head_gradient = nd.array([[10, 1.], [.1, .01]], ctx=ctx)
    z.backward(head_gradient)
    np.testing.assert_allclose(x.grad.asnumpy(), [[40, 8], [1.2, 0.16]], rtol=1e-6)


def test_tutorial_control_flow(ctx):
    def f(a):
        b = a * 2
        while b.norm().asscalar() < 1000:
            b = b * 2
        if b.sum().asscalar() > 0:
            c = b
        else:
            c = 100 * b
        return c

    a = nd.array(np.random.RandomState(1).normal(size=(3,)), ctx=ctx)
    a.attach_grad()
    with autograd.record():
        c = f(a)
    c.backward()
    np.testing.assert_allclose(a.grad.asnumpy(), (c / a).asnumpy(), rtol=1e-5)


def test_pause_example(ctx):
    x = nd.array([1.0, 2.0], ctx=ctx)
    x.attach_grad()
    with autograd.record():
        y = x * 3
        with autograd.pause():
            side = y * 100          # not recorded: no gradient flows through it
        z = y * 2
    autograd.backward([z])
    assert side._entry is None
    np.testing.assert_allclose(x.grad.asnumpy(), [6, 6])


def test_train_and_predict_mode_flags(ctx):
    with autograd.record():
        assert autograd.is_training()
        with autograd.predict_mode():
            assert not autograd.is_training() and autograd.is_recording()
    with autograd.train_mode():
        assert autograd.is_training() and not autograd.is_recording()


def test_grad_doc_example(ctx):
    x = mx.nd.ones((1,), ctx=ctx)
    x.attach_grad()
    with mx.autograd.record():
        z = mx.nd.elemwise_add(mx.nd.exp(x), x)
    dx_grad = mx.autograd.grad(z, [x], create_graph=True)
    np.testing.assert_allclose(dx_grad[0].asnumpy(), [3.71828175], rtol=1e-6)


def test_backward_with_heads_and_head_grads(ctx):
    x = nd.array([1.0, 2.0, 3.0], ctx=ctx)
    x.attach_grad()
    with autograd.record():
        y1 = x * x
        y2 = nd.exp(x)
    autograd.backward([y1, y2], head_grads=[nd.ones((3,), ctx=ctx),
                                            nd.array([0.5, 0.5, 0.5], ctx=ctx)])
    np.testing.assert_allclose(x.grad.asnumpy(), 2 * x.asnumpy() + 0.5 * np.exp(x.asnumpy()),
                               rtol=1e-6)


def test_function_doc_example(ctx):
    class sigmoid(mx.autograd.Function):
        def forward(self, x):
            y = 1 / (1 + mx.nd.exp(-x))
            self.save_for_backward(y)
            return y

        def backward(self, dy):
            # backward takes as many inputs as forward's return value,
            # and returns as many NDArrays as forward's arguments.
            y, = self.saved_tensors
            return dy * y * (1 - y)

    func = sigmoid()
    x = mx.nd.random.uniform(shape=(10,), ctx=ctx)
    x.attach_grad()
    with mx.autograd.record():
        m = func(x)
        m.backward()
    dx = x.grad.asnumpy()
    s = 1 / (1 + np.exp(-x.asnumpy()))
    np.testing.assert_allclose(dx, s * (1 - s), rtol=1e-5)
