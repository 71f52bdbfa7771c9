"""Values and gradients of every activation and unary elementwise op at NaN, +inf, -inf and
0 (and a few ordinary points) match MXNet 1.9.1's, read from tests/data/nonfinite_grads.json
(written by tests/data/make_nonfinite_grads.py under MXNet)."""
import json
import os

import numpy as np
import pytest

import mxgrad as mx

_DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data",
                     "nonfinite_grads.json")
with open(_DATA) as _f:
    FIXTURE = json.load(_f)
POINTS = [float(v) for v in FIXTURE["points"]]
# MXNet computes these gradients wrongly; mxgrad gives the true derivative (see
# docs/migration.md): selu's below 0 (MXNet scales the output by lambda twice).
WRONG_IN_MXNET = {"LeakyReLU:selu": [2, 6]}


def _function(name):
    """The mxgrad call behind a fixture case name ('op', 'Activation:t', 'LeakyReLU:t[:k=v]')."""
    parts = name.split(":")
    if len(parts) == 1:
        return getattr(mx.nd, name)
    kwargs = {"act_type": parts[1]}
    for kv in parts[2:]:
        k, v = kv.split("=")
        kwargs[k] = float(v)
    return lambda x: getattr(mx.nd, parts[0])(x, **kwargs)


def _run(ctx, name, dtype, head):
    x = mx.nd.array(POINTS, ctx=ctx, dtype=dtype)
    x.attach_grad()
    with mx.autograd.record():
        y = _function(name)(x)
    y.backward(mx.nd.full(x.shape, head, ctx=ctx, dtype=dtype))
    return {"y": y.asnumpy(), "grad": x.grad.asnumpy()}


def _prelu(ctx, dtype):
    x = mx.nd.array(POINTS, ctx=ctx, dtype=dtype).reshape((1, len(POINTS)))
    gamma = mx.nd.array([0.25], ctx=ctx, dtype=dtype)
    x.attach_grad()
    gamma.attach_grad()
    with mx.autograd.record():
        y = mx.nd.LeakyReLU(x, gamma=gamma, act_type="prelu")
    y.backward()
    return {"y": y.asnumpy(), "grad": x.grad.asnumpy(), "gamma_grad": gamma.grad.asnumpy()}


def _mismatches(got, want, dtype, skip=()):
    """Positions where got differs from MXNet's want: NaN against NaN, infinities and the
    sign of zeros exactly, other numbers to the dtype's precision."""
    want = np.array([float(v) for v in want])
    got = np.asarray(got, dtype=np.float64).ravel()
    rtol = 2e-6 if dtype == "float32" else 1e-6   # MXNet float64 uses float32 constants
    bad = []
    for i, (g, w) in enumerate(zip(got, want)):
        if i in skip:
            continue
        if np.isnan(w) or np.isnan(g) or np.isinf(w) or w == 0:
            same = (np.isnan(w) and np.isnan(g)) or (g == w and np.signbit(g) == np.signbit(w))
        else:
            same = abs(g - w) <= rtol * abs(w)
        if not same:
            bad.append((POINTS[i], float(g), float(w)))
    return bad


CASES = [(dtype, name) for dtype in ("float32", "float64")
         for name in sorted(FIXTURE["cases"][dtype])]


@pytest.mark.parametrize("dtype,name", CASES, ids=[f"{d}-{n}" for d, n in CASES])
def test_values_and_gradients_at_nonfinite_points(ctx, dtype, name):
    if dtype == "float64" and not ctx.state.has_fp64:
        pytest.skip(f"{ctx} has no float64")
    expected = FIXTURE["cases"][dtype][name]
    problems = []
    for head, want in expected.items():
        got = _prelu(ctx, dtype) if name == "LeakyReLU:prelu" else \
            _run(ctx, name, dtype, float(head[-1]))
        for key, values in want.items():
            skip = WRONG_IN_MXNET.get(name, ()) if key == "grad" else ()
            bad = _mismatches(got[key], values, dtype, skip)
            if bad:
                problems.append(f"{head} {key} at (x, mxgrad, MXNet): {bad}")
    assert not problems, "\n".join(problems)
