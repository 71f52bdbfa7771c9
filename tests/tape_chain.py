"""The tape benchmark's chain (bench/workloads.py): ops cycling through y * 0.5, y + 0.1,
tanh and exp, recorded and differentiated, with its gradient in float64."""
import numpy as np

import mxgrad as mx
from mxgrad import nd

MUL, ADD = 0.5, 0.1
X0 = np.linspace(0.1, 0.4, 4)


def chain(y, n):
    """n ops of the cycle applied to y."""
    for i in range(n):
        op = i % 4
        y = y * MUL if op == 0 else y + ADD if op == 1 else nd.tanh(y) if op == 2 else nd.exp(y)
    return y


def chain_step(x, n):
    """A function that records sum(chain(x, n)), runs backward and returns x.grad."""
    def step():
        with mx.autograd.record():
            total = nd.sum(chain(x, n))
        total.backward()
        return x.grad.asnumpy()
    return step


def chain_gradient(n):
    """d sum(chain(x, n)) / dx at X0, in float64."""
    y, local = X0.copy(), []
    for i in range(n):
        op = i % 4
        if op == 0:
            y, d = y * MUL, MUL
        elif op == 1:
            y, d = y + ADD, 1.0
        elif op == 2:
            y = np.tanh(y)
            d = 1 - y * y
        else:
            y = np.exp(y)
            d = y
        local.append(d)
    g = np.ones_like(y)
    for d in reversed(local):
        g = g * d
    return g
