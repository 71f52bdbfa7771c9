"""Independent elementwise groups of different shapes run as segments of one launch
(_fusion.pxi's sealing, kernels_cl/fused_segments.cl), and in-place writes (``out=``) keep
program order against every group that reads or writes the same buffer.
"""
import numpy as np
import pytest

from mxgrad import nd
from launches import needs_fusion, traced

pytestmark = needs_fusion

rng = np.random.default_rng(11)


def arrays(ctx, shapes):
    host = [rng.uniform(-1, 1, s).astype(np.float32) for s in shapes]
    return host, [nd.array(h, ctx=ctx) for h in host]


SHAPES = [(64, 128), (128,), (128, 128), (128,), (128, 10), (10,)]


def test_parameter_updates_share_launches(ctx):
    w_host, ws = arrays(ctx, SHAPES)
    g_host, gs = arrays(ctx, SHAPES)

    def update():
        for w, g in zip(ws, gs):
            nd.sgd_update(w, g, lr=0.1, wd=0.01, out=w)
    _, trace = traced(ctx, update)
    # four sgd_update segments fill a launch's argument budget (SEGMENT_ARGS)
    assert trace == ["fused_segments", "fused_segments"]
    for w, wh, gh in zip(ws, w_host, g_host):
        np.testing.assert_allclose(w.asnumpy(), wh - 0.1 * (gh + 0.01 * wh), rtol=1e-6,
                                   atol=1e-7)


def test_independent_results_of_several_shapes(ctx):
    hosts, arrs = arrays(ctx, [(5, 7), (3,), (1000,), (2, 2)])
    big = nd.array(np.arange(50, dtype=np.float32), ctx=ctx)
    part = big[10:30]                             # a leaf at an element offset

    def run():
        return [nd.exp(a) * 2 for a in arrs] + [part + 1]
    results, trace = traced(ctx, run)
    assert trace == ["fused_segments"]
    for r, h in zip(results, hosts):
        np.testing.assert_allclose(r.asnumpy(), np.exp(h) * 2, rtol=1e-6)
    np.testing.assert_array_equal(results[-1].asnumpy(), np.arange(10, 30) + 1)


def test_a_dropped_segment_is_not_computed(ctx):
    hosts, (a, b) = arrays(ctx, [(40,), (9,)])

    def run():
        a * 2                                       # nobody keeps it
        return b * 3
    r, trace = traced(ctx, run)
    assert trace == ["fused"]
    np.testing.assert_allclose(r.asnumpy(), hosts[1] * 3, rtol=1e-6)


def test_reading_another_segments_result_runs_the_segments_first(ctx):
    hosts, (p, q) = arrays(ctx, [(3,), (4,)])
    u = p * 2
    v = q * 3                       # seals u's group
    w = u + 1                       # reads u: everything pending runs first
    np.testing.assert_allclose(w.asnumpy(), hosts[0] * 2 + 1, rtol=1e-6)
    np.testing.assert_allclose(v.asnumpy(), hosts[1] * 3, rtol=1e-6)


def test_in_place_write_after_a_pending_read_keeps_the_old_values(ctx):
    hosts, (a, b) = arrays(ctx, [(6,), (6,)])
    y = a * 2                                  # pending, reads a
    nd.elemwise_add(b, b, out=a)               # overwrites a: y must see the old a
    np.testing.assert_allclose(y.asnumpy(), hosts[0] * 2, rtol=1e-6)
    np.testing.assert_allclose(a.asnumpy(), hosts[1] * 2, rtol=1e-6)
    c = nd.array(hosts[0], ctx=ctx)
    z = c * 3                                   # shape (6,)
    view = c.reshape((2, 3))                    # shares c's buffer, another shape
    nd.elemwise_mul(view, view, out=view)
    np.testing.assert_allclose(z.asnumpy(), hosts[0] * 3, rtol=1e-6)
    np.testing.assert_allclose(c.asnumpy(), hosts[0] ** 2, rtol=1e-6)


def test_reading_a_buffer_written_in_place_sees_the_new_values(ctx):
    hosts, (w, g) = arrays(ctx, [(4, 5), (4, 5)])
    flat = w.reshape((20,))                     # a view made before the update
    nd.sgd_update(w, g, lr=1.0, out=w)
    doubled = flat * 2                          # another shape, same buffer
    np.testing.assert_allclose(doubled.asnumpy(), ((hosts[0] - hosts[1]) * 2).ravel(),
                               rtol=1e-6)


def test_writes_to_one_buffer_keep_their_order(ctx):
    hosts, (a, b) = arrays(ctx, [(8,), (2, 4)])
    nd.elemwise_add(a, a, out=a)
    nd.elemwise_add(b, b, out=a.reshape((2, 4)))    # the second write wins
    np.testing.assert_allclose(a.asnumpy(), hosts[1].ravel() * 2, rtol=1e-6)


def test_broadcasting_op_after_sealing_is_not_a_segment(ctx):
    hosts, (x, y, bias) = arrays(ctx, [(3,), (2, 3), (3,)])
    u = x * 2                        # (3,)
    v = y * 1                        # (2, 3): seals u's group
    w = v + bias                     # broadcasts into v's group: no segments then
    np.testing.assert_allclose(u.asnumpy(), hosts[0] * 2, rtol=1e-6)
    np.testing.assert_allclose(w.asnumpy(), hosts[1] + hosts[2], rtol=1e-6)


def test_large_groups_run_alone(ctx):
    hosts, (a, b) = arrays(ctx, [(300, 300), (70_000,)])
    (x, y), trace = traced(ctx, lambda: (a * 2, b * 2))
    assert trace == ["fused", "fused"]
    np.testing.assert_allclose(y.asnumpy(), hosts[1] * 2, rtol=1e-6)


@pytest.mark.parametrize("count", [3, 40])
def test_many_groups(ctx, count):
    hosts, arrs = arrays(ctx, [(k + 1,) for k in range(count)])
    results = [a * 0.5 + 1 for a in arrs]
    for r, h in zip(results, hosts):
        np.testing.assert_allclose(r.asnumpy(), h * 0.5 + 1, rtol=1e-6)


def test_dtypes_do_not_share_a_launch(ctx):
    f = nd.array([1.5, 2.5], ctx=ctx)
    i = nd.array([1, 2, 3], ctx=ctx, dtype="int32")
    (a, b), trace = traced(ctx, lambda: (f * 2, i * 2))
    assert trace == ["fused", "fused"]
    assert a.asnumpy().tolist() == [3.0, 5.0] and b.asnumpy().tolist() == [2, 4, 6]
