"""``python -m mxgrad check``: the documented autograd examples on every device.

Each check runs one example from MXNet's autograd documentation (or a core op family's
gradient) on a context and compares with the documented or analytic result.
"""
import numpy as np

import mxgrad as mx


def _record_backward(ctx):
    x = mx.nd.array([1, 2, 3, 4], ctx=ctx)
    x.attach_grad()
    with mx.autograd.record():
        y = x * x + 1
    y.backward()
    return np.allclose(x.grad.asnumpy(), [2, 4, 6, 8])


def _head_gradient(ctx):
    x = mx.nd.array([[1, 2], [3, 4]], ctx=ctx)
    x.attach_grad()
    with mx.autograd.record():
        z = x * 2 * x
    z.backward(mx.nd.array([[10, 1.], [.1, .01]], ctx=ctx))
    return np.allclose(x.grad.asnumpy(), [[40, 8], [1.2, 0.16]])


def _higher_order(ctx):
    x = mx.nd.ones((1,), ctx=ctx)
    x.attach_grad()
    with mx.autograd.record():
        z = mx.nd.elemwise_add(mx.nd.exp(x), x)
        dx = mx.autograd.grad(z, [x], create_graph=True)[0]
    dx.backward()
    return (np.allclose(dx.asnumpy(), [3.71828175])
            and np.allclose(x.grad.asnumpy(), [np.e]))


def _custom_function(ctx):
    class Sigmoid(mx.autograd.Function):
        def forward(self, x):
            y = 1 / (1 + mx.nd.exp(-x))
            self.save_for_backward(y)
            return y

        def backward(self, dy):
            y, = self.saved_tensors
            return dy * y * (1 - y)

    x = mx.nd.array([-1.0, 0.0, 2.0], ctx=ctx)
    x.attach_grad()
    with mx.autograd.record():
        Sigmoid()(x).backward()
    s = 1 / (1 + np.exp(-np.array([-1.0, 0.0, 2.0])))
    return np.allclose(x.grad.asnumpy(), s * (1 - s), rtol=1e-5)


def _mlp_gradient(ctx):
    rng = np.random.RandomState(0)
    xv, wv = rng.normal(size=(4, 3)), rng.normal(size=(3, 5))
    label = np.array([0, 2, 4, 1])
    x = mx.nd.array(xv, ctx=ctx)
    w = mx.nd.array(wv, ctx=ctx)
    w.attach_grad()
    with mx.autograd.record():
        loss = -mx.nd.mean(mx.nd.pick(mx.nd.log_softmax(mx.nd.dot(x, w)),
                                      mx.nd.array(label, ctx=ctx)))
    loss.backward()
    logits = xv @ wv
    p = np.exp(logits - logits.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    p[np.arange(4), label] -= 1
    return np.allclose(w.grad.asnumpy(), xv.T @ p / 4, rtol=1e-4, atol=1e-6)


CHECKS = [
    ("record + backward (x*x+1)", _record_backward),
    ("backward with a head gradient", _head_gradient),
    ("grad(create_graph=True), second order", _higher_order),
    ("custom Function", _custom_function),
    ("dot + log_softmax + pick gradient", _mlp_gradient),
]


def run_checks(ctx):
    """[(name, passed, error message or None)] for every check on ``ctx``."""
    results = []
    for name, check in CHECKS:
        try:
            results.append((name, bool(check(ctx)), None))
        except Exception as e:      # reported per check, the others still run
            results.append((name, False, f"{type(e).__name__}: {e}"))
    return results
