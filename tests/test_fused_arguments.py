"""How a fused group budgets its kernel's arguments (_fusion.pxi): a scalar object met
again shares its argument, and outputs nobody holds are not arguments, so long recorded
chains run in few launches; values stay exact however the budget is spent.
"""
import numpy as np

import mxgrad as mx
from mxgrad import nd
from launches import needs_fusion, traced
from tape_chain import ADD, MUL, X0, chain_gradient, chain_step

pytestmark = needs_fusion

def test_a_long_recorded_chain_runs_in_few_launches(ctx):
    x = nd.array(X0, ctx=ctx, dtype="float32")
    x.attach_grad()
    grad, trace = traced(ctx, chain_step(x, 200))
    # 192 ops at most per kernel: two forward launches (the second one sums), two backward
    assert trace == ["fused", "fused_reduce", "fused", "fused"]
    np.testing.assert_allclose(grad, chain_gradient(200), rtol=2e-5)


def test_the_same_scalar_object_is_one_argument(ctx):
    x = nd.array(X0, ctx=ctx, dtype="float32")
    factor = 1.0009765625            # exact in float32
    _, trace = traced(ctx, lambda: [chain_of_muls(x, [factor] * 180)])
    assert trace == ["fused"]        # 180 separate scalar arguments would need several
    r = chain_of_muls(x, [factor] * 180).asnumpy()
    np.testing.assert_allclose(r, (X0 * factor ** 180).astype(np.float32), rtol=1e-5)


def chain_of_muls(x, factors):
    y = x
    for f in factors:
        y = y * f
    return y


def test_equal_scalars_that_are_distinct_objects_keep_their_own_values(ctx):
    x = nd.array([1.0, 2.0], ctx=ctx)
    neg_zero, zero = -0.0, float("0")       # equal as numbers, different bits
    y = (x * neg_zero).asnumpy(), (x * zero).asnumpy()
    assert np.signbit(y[0]).all() and not np.signbit(y[1]).any()
    factors = [1.0 + k / 64 for k in range(120)]   # all different: each its own argument
    r = chain_of_muls(x, factors).asnumpy()
    np.testing.assert_allclose(r, np.array([1.0, 2.0]) * np.prod(factors), rtol=1e-4)
    nan = float("nan")
    r = ((x * nan) + nan).asnumpy()
    assert np.isnan(r).all()


def test_every_output_held_still_fits_the_arguments(ctx):
    """All outputs kept: the recount frees nothing, the group runs and a new one starts."""
    x = nd.array(X0, ctx=ctx, dtype="float32")
    kept, y = [], x
    for k in range(150):
        y = y + (k + 1) / 1024          # a new scalar object each time
        kept.append(y)
    expected = X0.astype(np.float32)
    for k, r in enumerate(kept):
        expected = (expected + np.float32((k + 1) / 1024)).astype(np.float32)
        np.testing.assert_allclose(r.asnumpy(), expected, rtol=1e-6)


def test_outputs_dropped_after_their_op_free_room_for_more_ops(ctx):
    """Recorded with offsets and broadcast leaves mixed in: the count stays an upper bound."""
    base = nd.array(np.arange(40, dtype=np.float32), ctx=ctx)
    part = base[3:7]                          # a leaf at an element offset
    row = nd.array(np.ones((1, 4), np.float32), ctx=ctx)
    x = nd.array(np.tile(X0, (3, 1)), ctx=ctx, dtype="float32")
    x.attach_grad()
    with mx.autograd.record():
        y = x
        for k in range(60):
            y = nd.tanh(y * MUL + part / 64) + row * ADD
        total = nd.sum(y)
    total.backward()
    host = np.tile(X0, (3, 1))
    p = np.arange(3, 7) / 64.0
    g = np.ones_like(host)
    ys = [host]
    for k in range(60):
        ys.append(np.tanh(ys[-1] * MUL + p) + ADD)
    for k in range(60, 0, -1):
        t = ys[k] - ADD
        g = g * (1 - t * t) * MUL
    np.testing.assert_allclose(total.asscalar(), ys[-1].sum(), rtol=1e-5)
    np.testing.assert_allclose(x.grad.asnumpy(), g, rtol=1e-4)


def test_ops_past_the_packed_range_keep_their_tuples(ctx):
    """An op's index past 511, or more than four operands, does not fit the int a group
    keeps per op (_fusion_nodes.pxi): those ops stay tuples in the same kernel."""
    from mxgrad import _ndarray
    x = nd.array([1.0, 2.0], ctx=ctx)
    w = nd.array([3.0, 5.0], ctx=ctx)
    _ndarray.set_limits(1024 - 128, 600)
    try:
        def run():
            y = x
            for _ in range(530):
                y = y + 1.0
            return nd.sgd_update(y, w, lr=0.5, wd=0.0)    # five operands, index 530
        r, trace = traced(ctx, run)
    finally:
        _ndarray.set_limits(1024 - 128, 192)
    assert trace == ["fused"]
    np.testing.assert_array_equal(r.asnumpy(), np.array([531.0, 532.0]) - 0.5 * w.asnumpy())
