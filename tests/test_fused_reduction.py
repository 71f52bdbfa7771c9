"""Sums and means fused into the elementwise group computing their input (_fusion.pxi's
fuse_reduction, kernels_cl/fused_reduce.cl), and a sum's backward joining that group.

Values are checked against float64 NumPy; launch traces (``DeviceState.trace``) check that
the fusion really happens, so a change that silently stops it fails here.
"""
import numpy as np
import pytest

import mxgrad as mx
from mxgrad import _ndarray, nd
from mxgrad.ndarray import reduce as R
from launches import needs_fusion, traced

pytestmark = needs_fusion

rng = np.random.default_rng(7)
SIZES = [2, 33, 4096, 5000, 100_003]


@pytest.fixture(params=[False, True], ids=["chunks", "interleaved"])
def slot_layout(request, monkeypatch):
    """CPUs give each slot a contiguous chunk, GPUs interleave slots; force each one."""
    monkeypatch.setattr(R, "interleave_split_rows", lambda c: request.param)
    monkeypatch.setattr(R, "_fused_slots", {})
    return request.param


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_sum_and_mean_of_a_pending_expression(ctx, slot_layout, n, dtype):
    if dtype == "float64" and not ctx.state.has_fp64:
        pytest.skip("no float64")
    x = rng.uniform(-1, 1, n).astype(dtype)
    a = nd.array(x, ctx=ctx, dtype=dtype)
    ref = x.astype(np.float64)
    rtol = 1e-5 if dtype == "float32" else 1e-12
    (s, m), trace = traced(ctx, lambda: (nd.sum(a * a + 1), nd.mean(nd.tanh(a) * 3)))
    np.testing.assert_allclose(s.asnumpy(), [(ref * ref + 1).sum()], rtol=rtol)
    np.testing.assert_allclose(m.asnumpy(), [(np.tanh(ref) * 3).mean()], rtol=rtol,
                               atol=1e-6 if dtype == "float32" else 1e-13)
    assert s.dtype == m.dtype == np.dtype(dtype) and s.shape == m.shape == (1,)
    # no elementwise kernel of its own, no full-size reduction: the group reduces itself
    assert "fused" not in trace and trace.count("fused_reduce") == 2
    assert len(trace) <= 4, trace


def test_kept_intermediate_is_stored_and_reduced_in_one_kernel(ctx):
    x = rng.uniform(-1, 1, (300, 70)).astype(np.float32)
    a = nd.array(x, ctx=ctx)

    def run():
        y = a * 2
        return y, nd.sum(y), nd.mean(y, axis=(0, 1), keepdims=True)
    (y, s, m), trace = traced(ctx, run)
    assert trace[0] == "fused_reduce" and "fused" not in trace
    np.testing.assert_array_equal(y.asnumpy(), x * 2)
    np.testing.assert_allclose(s.asnumpy(), [(x.astype(np.float64) * 2).sum()], rtol=1e-5)
    assert m.shape == (1, 1)
    np.testing.assert_allclose(m.asnumpy(), [[(x.astype(np.float64) * 2).mean()]], rtol=1e-5)


def test_broadcast_and_offset_leaves(ctx):
    x = rng.uniform(-1, 1, (64, 129)).astype(np.float32)
    b = rng.uniform(-1, 1, 129).astype(np.float32)
    a, bias = nd.array(x, ctx=ctx), nd.array(b, ctx=ctx)
    s = nd.sum(nd.relu(a + bias))
    ref = np.maximum(x.astype(np.float64) + b, 0).sum()
    np.testing.assert_allclose(s.asnumpy(), [ref], rtol=1e-5)
    big = nd.array(np.arange(1000, dtype=np.float32), ctx=ctx)
    part = big[100:900]                       # a leaf at an element offset
    np.testing.assert_allclose(nd.mean(part * 0.5).asnumpy(), [np.arange(100, 900).mean() / 2])


def test_result_used_by_later_ops_of_other_shapes(ctx):
    x = rng.uniform(0, 1, 1000).astype(np.float32)
    a = nd.array(x, ctx=ctx)
    centred = a - nd.mean(a * 1)              # the mean (shape (1,)) broadcast back
    np.testing.assert_allclose(centred.asnumpy(), x - x.mean(), rtol=1e-5, atol=1e-6)
    s = nd.sum(a + 1)
    s += 1                                    # written in place before the group ran
    np.testing.assert_allclose(s.asnumpy(), [(x + 1).astype(np.float64).sum() + 1], rtol=1e-5)
    t = nd.sum(a * 3)
    np.testing.assert_allclose(t.reshape((1, 1)).asnumpy(), [[3 * x.astype(np.float64).sum()]],
                               rtol=1e-5)


def test_many_reductions_of_one_group(ctx):
    x = rng.uniform(0, 1, 3000).astype(np.float32)
    a = nd.array(x, ctx=ctx)
    y = a * 1
    sums = [nd.sum(y * k) for k in range(12)]          # more than one kernel takes (8)
    for k, s in enumerate(sums):
        np.testing.assert_allclose(s.asnumpy(), [k * x.astype(np.float64).sum()], rtol=1e-5)


def test_independent_sums_do_not_pile_up_in_one_group(ctx):
    a = nd.array(rng.uniform(0, 1, 50_000).astype(np.float32), ctx=ctx)
    results, trace = traced(ctx, lambda: [nd.sum(a * k + 1) for k in range(6)])
    assert trace.count("fused_reduce") == 6          # one group, one kernel each
    x = a.asnumpy().astype(np.float64)
    for k, s in enumerate(results):
        np.testing.assert_allclose(s.asnumpy(), [(x * k + 1).sum()], rtol=1e-5)


def test_switched_off_gives_the_same_values(ctx):
    x = rng.uniform(-1, 1, 20_000).astype(np.float32)
    a = nd.array(x, ctx=ctx)
    on = nd.sum(nd.exp(a) - a).asscalar()
    _ndarray.set_reduction_fusion(False)
    try:
        off, trace = traced(ctx, lambda: nd.sum(nd.exp(a) - a))
        assert "fused_reduce" not in trace
    finally:
        _ndarray.set_reduction_fusion(True)
    np.testing.assert_allclose(on, off.asscalar(), rtol=1e-5)


def test_not_fused_where_semantics_differ(ctx):
    # float16 and integer sums keep their own kernels (MXNet's accumulation rules)
    ints = nd.array([1, 2, 3], ctx=ctx, dtype="int32")
    (s,), trace = traced(ctx, lambda: (nd.sum(ints * 2),))
    assert s.asnumpy().tolist() == [12] and "fused_reduce" not in trace
    h = nd.array([1, 2, 3], ctx=ctx, dtype="float16")
    assert nd.mean(h * 2).asnumpy().tolist() == [4.0]
    partial = nd.sum(nd.array(np.ones((3, 4), np.float32), ctx=ctx) * 2, axis=0)
    assert partial.asnumpy().tolist() == [6.0] * 4


@pytest.mark.parametrize("n", [10, 100_003])
def test_backward_of_a_sum_joins_its_forward_kernel(ctx, n):
    x = rng.uniform(-1, 1, n).astype(np.float32)
    a = nd.array(x, ctx=ctx)
    a.attach_grad()

    def step():
        with mx.autograd.record():
            loss = nd.sum(a * a + 1)
        loss.backward()
        return loss
    loss, trace = traced(ctx, step)
    # one kernel reads a, writes a.grad and sums (plus the merge of its partial sums)
    assert trace.count("fused_reduce") == 1 and "fused" not in trace, trace
    ref = x.astype(np.float64)
    np.testing.assert_allclose(loss.asnumpy(), [(ref * ref + 1).sum()], rtol=1e-5)
    np.testing.assert_allclose(a.grad.asnumpy(), 2 * x, rtol=1e-6)


def test_mean_loss_gradient_and_heads_given_twice(ctx):
    x = rng.uniform(-1, 1, (40, 30)).astype(np.float32)
    t = rng.uniform(-1, 1, (40, 30)).astype(np.float32)
    a, target = nd.array(x, ctx=ctx), nd.array(t, ctx=ctx)
    a.attach_grad()
    with mx.autograd.record():
        loss = nd.mean((a - target) ** 2)
    loss.backward()
    np.testing.assert_allclose(a.grad.asnumpy(), 2 * (x - t) / x.size, rtol=1e-5, atol=1e-8)
    with mx.autograd.record():
        s = nd.sum(a * 3)
    mx.autograd.backward([s, s])                       # the implicit head twice: 2 each
    np.testing.assert_allclose(a.grad.asnumpy(), np.full(x.shape, 6.0))


def test_second_order_through_a_fused_sum(ctx):
    x = rng.uniform(0.5, 1.5, 1000).astype(np.float32)
    a = nd.array(x, ctx=ctx)
    a.attach_grad()
    with mx.autograd.record():
        y = nd.sum(a ** 3)
        (dy,) = mx.autograd.grad(y, [a], create_graph=True)
        z = nd.sum(dy * dy)                            # sum 9 a^4
    z.backward()
    np.testing.assert_allclose(dy.asnumpy(), 3 * x ** 2, rtol=1e-5)
    np.testing.assert_allclose(a.grad.asnumpy(), 36 * x ** 3, rtol=1e-4)


def test_gradient_rule_of_a_fused_sum_sees_ones_for_a_custom_head(ctx):
    a = nd.array([1.0, 2.0, 3.0], ctx=ctx)
    a.attach_grad()
    with mx.autograd.record():
        s = nd.sum(a * a)
    s.backward(nd.array([0.5], ctx=ctx))               # an explicit head gradient
    np.testing.assert_allclose(a.grad.asnumpy(), [1.0, 2.0, 3.0])


@pytest.fixture
def every_layout_fuses(monkeypatch):
    """Fuse every row and column reduction, whatever the device's policy (each kernel
    variant then runs here: CPU lanes or, with ``slot_layout``, GPU work-items)."""
    monkeypatch.setattr(R, "_fused_layout", lambda ctx, shape, axes: R._fused_kind(shape, axes))


@pytest.mark.parametrize("shape,axis", [((32, 128), 0), ((128, 40), 0), ((7, 5, 3), (0, 1)),
                                        ((3, 17), 0), ((5, 40), 0), ((100, 10), 1),
                                        ((100, 10), -1), ((4, 33, 5), (1, 2)), ((1000, 3), 1),
                                        ((6, 70), 1)])
def test_row_and_column_reductions(ctx, slot_layout, every_layout_fuses, shape, axis):
    x = rng.uniform(-1, 1, shape).astype(np.float32)
    a = nd.array(x, ctx=ctx)
    ref = x.astype(np.float64)

    def run():
        y = nd.relu(a) + 1
        return y, nd.sum(a * 2, axis=axis), nd.mean(y, axis=axis, keepdims=True)
    (y, s, m), trace = traced(ctx, run)
    assert trace == ["fused_reduce"], trace       # one kernel: y, both reductions
    np.testing.assert_allclose(s.asnumpy(), (ref * 2).sum(axis=axis), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(m.asnumpy(), (np.maximum(ref, 0) + 1).mean(axis=axis,
                                                                          keepdims=True),
                               rtol=1e-5)
    np.testing.assert_array_equal(y.asnumpy(), np.maximum(x, 0) + 1)   # kept: stored


def test_short_rows_fuse_by_default(ctx):
    x = rng.uniform(-1, 1, (300, 10)).astype(np.float32)
    a = nd.array(x, ctx=ctx)
    s, trace = traced(ctx, lambda: nd.sum(a * 2, axis=1))
    assert trace == ["fused_reduce"], trace
    # atol: a row of ten float32 values of up to 2 in size may cancel to nearly 0
    np.testing.assert_allclose(s.asnumpy(), (2 * x.astype(np.float64)).sum(1), rtol=1e-5,
                               atol=2e-6)
    # the softmax rule's row sum of g * y (pending) joins the gradient's group
    head = rng.uniform(-1, 1, (300, 10)).astype(np.float32)
    a.attach_grad()
    h = nd.array(head, ctx=ctx)

    def step():
        with mx.autograd.record():
            p = nd.softmax(a * 1)
        p.backward(h * 1)
        return p
    p, trace = traced(ctx, step)
    assert "reduce" not in trace and trace.count("fused_reduce") == 1, trace
    y = p.asnumpy().astype(np.float64)
    expected = y * (head - (head * y).sum(1, keepdims=True))
    np.testing.assert_allclose(a.grad.asnumpy(), expected, rtol=1e-4, atol=1e-6)
