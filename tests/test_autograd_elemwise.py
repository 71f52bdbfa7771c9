"""First and second order gradients of the elementwise ops against finite differences."""
import numpy as np
import pytest

import mxgrad as mx
from gradcheck import check_gradients

rng = np.random.RandomState(42)
POS = rng.uniform(0.5, 2.0, size=(2, 3))       # inputs where log/sqrt/... are defined
UNIT = rng.uniform(-0.8, 0.8, size=(2, 3))     # inside (-1, 1) for arcsin/arctanh
ANY = rng.uniform(-2.0, 2.0, size=(2, 3))
ANY[np.abs(ANY) < 0.2] = 0.5                    # keep away from kinks (abs, relu)

UNARY = {
    "negative": ANY, "abs": ANY, "exp": ANY, "log": POS, "log2": POS, "log10": POS,
    "sqrt": POS, "rsqrt": POS, "cbrt": POS, "square": ANY, "sin": ANY, "cos": ANY,
    "tan": UNIT, "arcsin": UNIT, "arccos": UNIT, "arctan": ANY, "sinh": ANY, "cosh": ANY,
    "tanh": ANY, "arcsinh": ANY, "arccosh": POS + 1, "arctanh": UNIT, "sigmoid": ANY,
    "relu": ANY, "softsign": ANY, "reciprocal": POS, "log1p": POS, "expm1": ANY,
    "identity": ANY,
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_first_and_second_order(ctx, fp64, name):
    op = getattr(mx.nd, name)
    check_gradients(lambda x: op(x), [UNARY[name]], ctx, order=2)


BINARY = {
    "add": lambda a, b: a + b,
    "subtract": lambda a, b: a - b,
    "multiply": lambda a, b: a * b,
    "divide": lambda a, b: a / b,
    "power": lambda a, b: a ** b,
    "maximum": lambda a, b: mx.nd.maximum(a, b),
    "minimum": lambda a, b: mx.nd.minimum(a, b),
    "hypot": lambda a, b: mx.nd.broadcast_hypot(a, b),
}


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_first_and_second_order(ctx, fp64, name):
    a = POS
    b = POS[::-1] + 0.1          # no ties for maximum/minimum
    check_gradients(BINARY[name], [a, b], ctx, order=2)


@pytest.mark.parametrize("name", ["add", "subtract", "multiply", "divide", "power"])
def test_scalar_operands(ctx, fp64, name):
    f = BINARY[name]
    check_gradients(lambda x: f(x, 1.5), [POS], ctx, order=2)
    check_gradients(lambda x: f(1.5, x), [POS], ctx, order=2)


def test_third_order_of_cube(ctx, fp64):
    x = mx.nd.array([1.0, 2.0, -3.0], ctx=ctx, dtype="float64")
    x.attach_grad()
    with mx.autograd.record():
        y = x * x * x
        g1 = mx.autograd.grad(y, [x], create_graph=True)[0]
        g2 = mx.autograd.grad(g1, [x], create_graph=True)[0]
    g2.backward()
    np.testing.assert_allclose(g1.asnumpy(), 3 * x.asnumpy() ** 2)
    np.testing.assert_allclose(g2.asnumpy(), 6 * x.asnumpy())
    np.testing.assert_allclose(x.grad.asnumpy(), [6, 6, 6])


@pytest.mark.parametrize("fn,d1,d2,d3", [
    (lambda x: x ** 3, lambda v: 3 * v ** 2, lambda v: 6 * v, lambda v: 6 + 0 * v),
    (mx.nd.sin, np.cos, lambda v: -np.sin(v), lambda v: -np.cos(v)),
    (mx.nd.exp, np.exp, np.exp, np.exp),
    (mx.nd.tanh, lambda v: 1 - np.tanh(v) ** 2,
     lambda v: -2 * np.tanh(v) * (1 - np.tanh(v) ** 2),
     lambda v: (6 * np.tanh(v) ** 2 - 2) * (1 - np.tanh(v) ** 2)),
    (mx.nd.sigmoid, lambda v: s(v) * (1 - s(v)), lambda v: s(v) * (1 - s(v)) * (1 - 2 * s(v)),
     lambda v: s(v) * (1 - s(v)) * (1 - 6 * s(v) + 6 * s(v) ** 2)),
    (mx.nd.log, lambda v: 1 / v, lambda v: -1 / v ** 2, lambda v: 2 / v ** 3),
    (lambda x: 1 / x, lambda v: -1 / v ** 2, lambda v: 2 / v ** 3, lambda v: -6 / v ** 4),
])
def test_third_order_analytic(ctx, fp64, fn, d1, d2, d3):
    v = np.array([0.5, 1.0, 1.5])
    x = mx.nd.array(v, ctx=ctx, dtype="float64")
    x.attach_grad()
    with mx.autograd.record():
        y = fn(x)
        g1 = mx.autograd.grad(y, [x], create_graph=True)[0]
        g2 = mx.autograd.grad(g1, [x], create_graph=True)[0]
    g2.backward()
    np.testing.assert_allclose(g1.asnumpy(), d1(v), rtol=1e-10)
    np.testing.assert_allclose(g2.asnumpy(), d2(v), rtol=1e-10)
    np.testing.assert_allclose(x.grad.asnumpy(), d3(v), rtol=1e-9)


def s(v):
    return 1 / (1 + np.exp(-v))


def test_broadcast_gradients_are_summed_to_input_shape(ctx, fp64):
    a = rng.uniform(0.5, 1.5, size=(2, 3))
    b = rng.uniform(0.5, 1.5, size=(3,))
    c = rng.uniform(0.5, 1.5, size=(2, 1))
    check_gradients(lambda x, y, z: x * y / z + y, [a, b, c], ctx, order=2)


def test_zero_gradient_ops_write_zero(ctx):
    x = mx.nd.array([1.5, -2.5], ctx=ctx)
    x.attach_grad()
    x.grad[:] = 7
    with mx.autograd.record():
        y = mx.nd.floor(x) + (x > 0)
    y.backward()
    np.testing.assert_array_equal(x.grad.asnumpy(), [0, 0])
