"""Finite-difference checks of first and second order gradients, in float64.

``check_gradients(fn, inputs, ctx)`` compares autograd's gradient of ``sum(fn(*x) * w)``
(random head weights w) with central differences; with ``order=2`` it also compares the
Hessian-vector product obtained through ``grad(create_graph=True)`` with central
differences of the first-order gradient.
"""
import numpy as np

import mxgrad as mx

EPS = 1e-6


def analytic_grads(fn, xs, w, ctx, create_graph=False):
    arrs = [mx.nd.array(x, ctx=ctx, dtype="float64") for x in xs]
    for a in arrs:
        a.attach_grad()
    wa = mx.nd.array(w, ctx=ctx, dtype="float64")
    with mx.autograd.record():
        out = fn(*arrs)
        grads = mx.autograd.grad(out, arrs, head_grads=[wa], create_graph=create_graph)
    return arrs, wa, out, grads


def numeric_grads(f_np, xs, eps=EPS):
    """Central differences of the scalar function f_np(list of float64 arrays)."""
    result = []
    for k, x in enumerate(xs):
        g = np.zeros_like(x)
        for idx in np.ndindex(x.shape):
            xp = [a.copy() for a in xs]
            xm = [a.copy() for a in xs]
            xp[k][idx] += eps
            xm[k][idx] -= eps
            g[idx] = (f_np(xp) - f_np(xm)) / (2 * eps)
        result.append(g)
    return result


def check_gradients(fn, xs, ctx, order=1, rtol=1e-5, atol=1e-6, seed=0):
    """Assert autograd's gradients of fn (NDArrays -> NDArray) match central differences."""
    rng = np.random.RandomState(seed)
    xs = [np.asarray(x, dtype=np.float64) for x in xs]
    out_shape = fn(*[mx.nd.array(x, ctx=ctx, dtype="float64") for x in xs]).shape
    w = rng.uniform(0.5, 1.5, size=out_shape)

    def f_np(vals):
        arrs = [mx.nd.array(v, ctx=ctx, dtype="float64") for v in vals]
        return float((fn(*arrs).asnumpy() * w).sum())

    _, _, _, grads = analytic_grads(fn, xs, w, ctx)
    expected = numeric_grads(f_np, xs)
    for g, e in zip(grads, expected):
        np.testing.assert_allclose(g.asnumpy(), e, rtol=rtol, atol=atol * max(1, np.abs(e).max()))
    if order < 2:
        return
    # Hessian-vector product: d/dx (grad(x) . v) against differences of grad(x) . v
    vs = [rng.uniform(-1, 1, size=x.shape) for x in xs]

    def first_dot_v(vals):
        _, _, _, gs = analytic_grads(fn, vals, w, ctx)
        return float(sum((g.asnumpy() * v).sum() for g, v in zip(gs, vs)))

    arrs = [mx.nd.array(x, ctx=ctx, dtype="float64") for x in xs]
    for a in arrs:
        a.attach_grad()
    wa = mx.nd.array(w, ctx=ctx, dtype="float64")
    va = [mx.nd.array(v, ctx=ctx, dtype="float64") for v in vs]
    with mx.autograd.record():
        out = fn(*arrs)
        gs = mx.autograd.grad(out, arrs, head_grads=[wa], create_graph=True)
        dots = [g * v for g, v in zip(gs, va)]
    recorded = [d for d in dots if d._entry is not None]
    expected2 = numeric_grads(first_dot_v, xs, eps=1e-5)
    if not recorded:       # the gradient does not depend on x: a linear function
        for e in expected2:
            np.testing.assert_allclose(e, 0, atol=1e-6)
        return
    mx.autograd.backward(recorded)
    for a, e in zip(arrs, expected2):
        np.testing.assert_allclose(a.grad.asnumpy(), e, rtol=1e-4,
                                   atol=1e-5 * max(1, np.abs(e).max()))
