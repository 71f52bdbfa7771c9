"""Second-order gradients through FullyConnected layers: a WGAN-GP gradient penalty and a
Hessian-vector product, both with ``autograd.grad(create_graph=True)``.

MXNet 1.9.1 cannot run either: its FullyConnected backward has no gradient of its own.

    python examples/second_order.py
"""
import numpy as np

import mxgrad as mx
from mxgrad import autograd, nd


def critic(x, params):
    """A two-layer critic: FullyConnected -> tanh -> FullyConnected to one score."""
    w1, b1, w2, b2 = params
    h = nd.tanh(nd.FullyConnected(x, w1, b1, num_hidden=w1.shape[0]))
    return nd.FullyConnected(h, w2, b2, num_hidden=1)


def gradient_penalty(params, real, fake, rng, ctx):
    """WGAN-GP: (||d critic / d x|| - 1)^2 at random interpolates of real and fake."""
    eps = nd.array(rng.uniform(size=(real.shape[0], 1)), ctx=ctx)
    x = eps * real + (1 - eps) * fake
    x.attach_grad()
    with autograd.record():
        score = critic(x, params)
        (dx,) = autograd.grad(score, [x], create_graph=True)
        norms = nd.sqrt(nd.sum(dx * dx, axis=1) + 1e-12)
        penalty = nd.mean((norms - 1) ** 2)
    penalty.backward()          # second order: through the gradient, into the weights
    return penalty.asscalar()


def hessian_vector_product(params, x, v, ctx):
    """H v for the loss sum(critic(x)^2) w.r.t. the first layer's weights."""
    w1 = params[0]
    with autograd.record():
        loss = nd.sum(critic(x, params) ** 2)
        (g,) = autograd.grad(loss, [w1], create_graph=True)
        gv = nd.sum(g * v)
    (hv,) = autograd.grad(gv, [w1])
    return hv


def main(seed=0, steps=50, lr=0.05):
    ctx = mx.current_context()
    rng = np.random.RandomState(seed)
    shapes = [(16, 4), (16,), (1, 16), (1,)]
    params = [nd.array(rng.normal(0, 0.5, s), ctx=ctx) for s in shapes]
    for p in params:
        p.attach_grad()
    real = nd.array(rng.normal(1.0, 0.3, (64, 4)), ctx=ctx)
    fake = nd.array(rng.normal(-1.0, 0.3, (64, 4)), ctx=ctx)
    history = []
    for _ in range(steps):
        history.append(gradient_penalty(params, real, fake, rng, ctx))
        for p in params:
            nd.sgd_update(p, p.grad, lr=lr, out=p)
    print(f"gradient penalty: {history[0]:.4f} -> {history[-1]:.4f} after {steps} steps")
    v = nd.array(rng.normal(size=shapes[0]), ctx=ctx)
    hv = hessian_vector_product(params, real, v, ctx)
    print(f"Hessian-vector product w.r.t. the first layer: shape {hv.shape}, "
          f"norm {float(nd.norm(hv).asscalar()):.4f}")
    return history, hv


if __name__ == "__main__":
    main()
