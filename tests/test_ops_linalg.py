"""dot, batch_dot, linalg_gemm2, FullyConnected: forward vs numpy, gradients vs differences."""
import numpy as np
import pytest

import mxgrad as mx
from mxgrad.base import MXNetError
from gradcheck import check_gradients

rng = np.random.RandomState(3)


def _np_dot(a, b, ta, tb):
    a2 = a.reshape(a.shape[0], -1).T if ta else a.reshape(-1, a.shape[-1])
    b2 = b.reshape(-1, b.shape[-1]).T if tb else b.reshape(b.shape[0], -1)
    return a2 @ b2


DOT_CASES = [
    ((3, 4), (4, 5), False, False, (3, 5)),
    ((4, 3), (4, 5), True, False, (3, 5)),
    ((3, 4), (5, 4), False, True, (3, 5)),
    ((4, 3), (5, 4), True, True, (3, 5)),
    ((2, 3, 4), (4, 5), False, False, (2, 3, 5)),
    ((4,), (4,), False, False, (1,)),
    ((3, 4), (4,), False, False, (3,)),
    ((4,), (4, 2), False, False, (2,)),
    ((70, 33), (33, 65), False, False, (70, 65)),
]


@pytest.mark.parametrize("sa,sb,ta,tb,expected", DOT_CASES)
def test_dot_forward(ctx, sa, sb, ta, tb, expected):
    a = rng.uniform(-1, 1, sa).astype(np.float32)
    b = rng.uniform(-1, 1, sb).astype(np.float32)
    out = mx.nd.dot(mx.nd.array(a, ctx=ctx), mx.nd.array(b, ctx=ctx), transpose_a=ta,
                    transpose_b=tb)
    assert out.shape == expected
    np.testing.assert_allclose(out.asnumpy().reshape(-1), _np_dot(a, b, ta, tb).reshape(-1),
                               rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("sa,sb,ta,tb,expected", DOT_CASES[:6])
def test_dot_gradients(ctx, fp64, sa, sb, ta, tb, expected):
    a = rng.uniform(-1, 1, sa)
    b = rng.uniform(-1, 1, sb)
    check_gradients(lambda x, y: mx.nd.dot(x, y, transpose_a=ta, transpose_b=tb), [a, b], ctx,
                    order=2)


def test_dot_second_order_is_nonzero_through_product(ctx, fp64):
    a = rng.uniform(-1, 1, (3, 4))
    check_gradients(lambda x: mx.nd.dot(x * x, x, transpose_b=True), [a], ctx, order=2)


@pytest.mark.parametrize("ta,tb", [(False, False), (True, False), (False, True), (True, True)])
def test_batch_dot(ctx, fp64, ta, tb):
    a = rng.uniform(-1, 1, (2, 4, 3) if ta else (2, 3, 4))
    b = rng.uniform(-1, 1, (2, 5, 4) if tb else (2, 4, 5))
    out = mx.nd.batch_dot(mx.nd.array(a, ctx=ctx, dtype="float64"),
                          mx.nd.array(b, ctx=ctx, dtype="float64"), transpose_a=ta,
                          transpose_b=tb)
    ea = np.swapaxes(a, 1, 2) if ta else a
    eb = np.swapaxes(b, 1, 2) if tb else b
    np.testing.assert_allclose(out.asnumpy(), ea @ eb, rtol=1e-12)
    check_gradients(lambda x, y: mx.nd.batch_dot(x, y, transpose_a=ta, transpose_b=tb), [a, b],
                    ctx, order=2)


def test_linalg_gemm2(ctx, fp64):
    a = rng.uniform(-1, 1, (2, 3, 4))
    b = rng.uniform(-1, 1, (2, 5, 4))
    out = mx.nd.linalg_gemm2(mx.nd.array(a, ctx=ctx, dtype="float64"),
                             mx.nd.array(b, ctx=ctx, dtype="float64"), transpose_b=True,
                             alpha=2.0)
    np.testing.assert_allclose(out.asnumpy(), 2 * a @ np.swapaxes(b, 1, 2), rtol=1e-12)


def test_fully_connected(ctx, fp64):
    x = rng.uniform(-1, 1, (4, 2, 3))
    w = rng.uniform(-1, 1, (5, 6))
    b = rng.uniform(-1, 1, (5,))
    out = mx.nd.FullyConnected(mx.nd.array(x, ctx=ctx, dtype="float64"),
                               mx.nd.array(w, ctx=ctx, dtype="float64"),
                               mx.nd.array(b, ctx=ctx, dtype="float64"), num_hidden=5)
    np.testing.assert_allclose(out.asnumpy(), x.reshape(4, 6) @ w.T + b, rtol=1e-12)
    check_gradients(lambda d, ww, bb: mx.nd.FullyConnected(d, ww, bb, num_hidden=5),
                    [x, w, b], ctx, order=2)


def test_dot_errors(ctx):
    a = mx.nd.ones((3, 4), ctx=ctx)
    with pytest.raises(MXNetError, match="shape mismatch"):
        mx.nd.dot(a, mx.nd.ones((3, 4), ctx=ctx))
    with pytest.raises(MXNetError, match="dtype"):
        mx.nd.dot(a, mx.nd.ones((4, 2), ctx=ctx, dtype="float64"))
    with pytest.raises(MXNetError, match="3-D"):
        mx.nd.batch_dot(a, a)
    with pytest.raises(MXNetError, match="num_hidden"):
        mx.nd.FullyConnected(a, mx.nd.ones((2, 4), ctx=ctx), no_bias=True)


# Products of >= 1M multiply-adds run on CPU devices as one host-BLAS part per compute unit:
# split along the batch, the rows of C or its columns (see mxgrad/_gemm.pyx).
SPLIT_CASES = [
    # (a shape, b shape, transpose_a, transpose_b)   split along
    ((256, 96), (96, 64), False, False),             # rows
    ((96, 256), (96, 64), True, False),              # rows, A transposed
    ((48, 96), (512, 96), False, True),              # columns, B transposed
    ((48, 96), (96, 512), False, False),             # columns
    ((10, 20000), (20000, 9), False, False),         # rows, fewer than 8 per part
    ((3, 16, 20000), (20000, 5), False, False),      # rows of the flattened batch
]


def _expect_split(ctx, trace, parts_wanted):
    from mxgrad import _gemm
    if _gemm.native_blas_available(ctx.state):
        units = min(64, ctx.state.cl_device_obj.max_compute_units)
        assert trace.count("blas_gemm") == min(units, parts_wanted)


@pytest.mark.parametrize("sa,sb,ta,tb", SPLIT_CASES)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_large_dot_split_across_compute_units(ctx, fp64, sa, sb, ta, tb, dtype):
    from launches import traced
    a = rng.uniform(-1, 1, sa)
    b = rng.uniform(-1, 1, sb)
    A = mx.nd.array(a, ctx=ctx, dtype=dtype)
    B = mx.nd.array(b, ctx=ctx, dtype=dtype)
    out, trace = traced(ctx, lambda: mx.nd.dot(A, B, transpose_a=ta, transpose_b=tb))
    _expect_split(ctx, trace, 2)
    tol = 1e-4 if dtype == "float32" else 1e-10
    np.testing.assert_allclose(out.asnumpy().reshape(-1), _np_dot(a, b, ta, tb).reshape(-1),
                               rtol=tol, atol=tol * sa[-1 if not ta else 0] ** 0.5)


@pytest.mark.parametrize("ta,tb", [(False, False), (True, True)])
def test_large_batch_dot_splits_the_batch(ctx, ta, tb):
    from launches import traced
    a = rng.uniform(-1, 1, (6, 96, 64) if ta else (6, 64, 96)).astype(np.float32)
    b = rng.uniform(-1, 1, (6, 80, 96) if tb else (6, 96, 80)).astype(np.float32)
    A, B = mx.nd.array(a, ctx=ctx), mx.nd.array(b, ctx=ctx)
    out, trace = traced(ctx, lambda: mx.nd.batch_dot(A, B, transpose_a=ta, transpose_b=tb))
    _expect_split(ctx, trace, 2)
    ea = np.swapaxes(a, 1, 2) if ta else a
    eb = np.swapaxes(b, 1, 2) if tb else b
    np.testing.assert_allclose(out.asnumpy(), ea @ eb, rtol=1e-4, atol=1e-4)


def test_split_product_keeps_queue_order(ctx):
    # Its inputs come from pending fused ops; writes right after it must not overtake it.
    # Without the barrier this is a race (the main queue's part ends about when the side
    # queue's does), so it runs many times, on a product that takes a while.
    a = rng.uniform(-1, 1, (512, 256)).astype(np.float32)
    b = rng.uniform(-1, 1, (256, 256)).astype(np.float32)
    for _ in range(20):
        A, B = mx.nd.array(a, ctx=ctx), mx.nd.array(b, ctx=ctx)
        A2 = A * 2 + 0
        C = mx.nd.dot(A2, B)
        last = C[-1:, :-1]          # a row a side queue's part computes, copied at once
        D = C + 1
        A2[:] = 0
        B[:] = 0
        np.testing.assert_allclose(D.asnumpy(), (2 * a) @ b + 1, rtol=1e-4, atol=1e-4)
        np.testing.assert_allclose(last.asnumpy(), ((2 * a[-1:]) @ b)[:, :-1], rtol=1e-4,
                                   atol=1e-4)
        assert float(A2.sum().asscalar()) == 0.0


def test_split_product_holds_the_queue_until_every_part_is_done(ctx):
    # Deterministic form of the ordering above: stall a side queue, so the part it runs
    # cannot finish; what is enqueued after the product must then stay queued.
    import time
    import pyopencl as cl
    from mxgrad import _gemm
    state = ctx.state
    if not _gemm.native_blas_available(state) or state.cl_device_obj.max_compute_units < 2:
        pytest.skip("products are not split on this device")
    A = mx.nd.array(rng.uniform(-1, 1, (256, 128)).astype(np.float32), ctx=ctx)
    B = mx.nd.array(rng.uniform(-1, 1, (128, 64)).astype(np.float32), ctx=ctx)
    mx.nd.dot(A, B).wait_to_read()          # the side queues exist from here on
    stall = cl.UserEvent(ctx.cl_context)
    try:
        cl.enqueue_barrier(state.side_queues[0], wait_for=[stall])
        C = mx.nd.dot(A, B)
        after = cl.enqueue_marker(ctx.queue)
        time.sleep(0.05)                    # the main queue's own part is long done
        assert after.command_execution_status != cl.command_execution_status.COMPLETE
    finally:
        stall.set_status(cl.command_execution_status.COMPLETE)
    np.testing.assert_allclose(C.asnumpy(), A.asnumpy() @ B.asnumpy(), rtol=1e-4, atol=1e-4)
