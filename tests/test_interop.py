"""Interop with pyopencl: shared context and queue, zero-copy arrays both ways, a user's own
OpenCL kernel inside autograd. Runs in a subprocess: Context.from_queue must come before
mxgrad first uses the device, and this test process has used it already."""
import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent(r'''
    import numpy as np
    import pyopencl as cl
    import pyopencl.array as cla
    import mxgrad as mx

    platform = cl.get_platforms()[0]
    device = platform.get_devices()[0]
    clctx = cl.Context([device])
    queue = cl.CommandQueue(clctx)
    ctx = mx.Context.from_queue(queue)
    assert ctx.cl_context.int_ptr == clctx.int_ptr and ctx.queue.int_ptr == queue.int_ptr

    # pyopencl -> mxgrad, zero copy: writes through the NDArray show in the pyopencl array
    a = cla.to_device(queue, np.arange(6, dtype=np.float32))
    x = mx.interop.from_pyopencl(a)
    assert x._buffer.int_ptr == a.base_data.int_ptr
    x[:] = x * 10
    assert np.array_equal(a.get(), np.arange(6) * 10)

    # mxgrad -> pyopencl, zero copy, exact round trip
    y = x + 1
    b = mx.interop.to_pyopencl(y)
    assert b.data.int_ptr == y._buffer.int_ptr
    assert np.array_equal(b.get(), y.asnumpy())

    # a product on foreign buffers takes the OpenCL GEMM (no host pointers to hand BLAS)
    w = mx.interop.from_pyopencl(cla.to_device(queue, np.ones((6, 3), np.float32)))
    assert np.array_equal(mx.nd.dot(x.reshape((1, 6)), w).asnumpy(), [[150, 150, 150]])

    # the user's own kernel inside autograd: a Function launching it on mxgrad's buffers
    prg = cl.Program(clctx, """
        __kernel void cube(__global const float* x, __global float* y)
        { const int i = get_global_id(0); y[i] = x[i] * x[i] * x[i]; }
        __kernel void cube_grad(__global const float* x, __global const float* g,
                                __global float* dx)
        { const int i = get_global_id(0); dx[i] = 3 * x[i] * x[i] * g[i]; }
    """).build()

    class Cube(mx.autograd.Function):
        def forward(self, x):
            y = mx.nd.empty(x.shape, ctx=x.context)
            xa, ya = mx.interop.to_pyopencl(x), mx.interop.to_pyopencl(y)
            prg.cube(queue, x.shape, None, xa.data, ya.data)
            self.save_for_backward(x)
            return y

        def backward(self, dy):
            x, = self.saved_tensors
            dx = mx.nd.empty(x.shape, ctx=x.context)
            prg.cube_grad(queue, x.shape, None, mx.interop.to_pyopencl(x).data,
                          mx.interop.to_pyopencl(dy).data, mx.interop.to_pyopencl(dx).data)
            return dx

    v = mx.nd.array([1.0, 2.0, -1.5], ctx=ctx)
    v.attach_grad()
    with mx.autograd.record():
        out = Cube()(v) * 2
    out.backward()
    assert np.allclose(out.asnumpy(), 2 * np.array([1.0, 8.0, -3.375]))
    assert np.allclose(v.grad.asnumpy(), 6 * np.array([1.0, 4.0, 2.25]))

    # a buffer from another OpenCL context is refused with a clear error
    other = cl.Context([device])
    try:
        mx.interop.from_pyopencl(cla.to_device(cl.CommandQueue(other), np.ones(3, np.float32)))
    except mx.MXNetError as e:
        assert "from_queue" in str(e)
    else:
        raise AssertionError("a foreign context was accepted")
    print("interop ok")
''')


def test_interop_in_a_fresh_process():
    run = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "interop ok" in run.stdout


def test_dlpack_round_trips_exactly(ctx):
    import numpy as np
    import mxgrad as mx
    x = mx.nd.array([[1.5, -2.0], [3.25, 4.0]], ctx=ctx)
    assert x.__dlpack_device__() == (1, 0)
    host = np.from_dlpack(x)
    assert host.dtype == np.float32
    np.testing.assert_array_equal(host, x.asnumpy())
    for src in (np.arange(6, dtype=np.int32).reshape(2, 3), np.linspace(0, 1, 5)):
        y = mx.nd.from_dlpack(src, ctx=ctx)
        assert y.dtype == src.dtype.type and y.shape == src.shape
        np.testing.assert_array_equal(y.asnumpy(), src)
    np.testing.assert_array_equal(mx.nd.from_dlpack(x, ctx=ctx).asnumpy(), x.asnumpy())


def test_another_queue_is_ordered_on_the_device(ctx):
    """Hand-overs between mxgrad's queue and a second queue of the application wait on the
    device. The second queue is held back by a user event, so an op that did not wait for
    it would read stale data (or the application would read before mxgrad wrote)."""
    import time

    import numpy as np
    import pyopencl as cl
    import pyopencl.array as cla

    import mxgrad as mx

    other = cl.CommandQueue(ctx.cl_context)
    gate = cl.UserEvent(ctx.cl_context)
    # application -> mxgrad: the application's write is held until the gate opens
    a = cla.zeros(other, (4,), np.float32)
    cl.enqueue_barrier(other, wait_for=[gate])
    a.fill(5.0)                         # enqueued on `other`, behind the gate
    other.flush()
    x = mx.interop.from_pyopencl(a, ctx=ctx)
    y = x * 2
    ctx.state.submit()
    time.sleep(0.2)                     # time enough to run y early, were it not ordered
    gate.set_status(cl.command_execution_status.COMPLETE)
    assert y.asnumpy().tolist() == [10, 10, 10, 10]

    # mxgrad -> application: mxgrad's queue is held by a barrier on the gate, so its
    # write of z runs only after the gate opens; the application's read must wait for it
    gate = cl.UserEvent(ctx.cl_context)
    cl.enqueue_barrier(ctx.queue, wait_for=[gate])
    z = mx.nd.full((4,), 3.0, ctx=ctx) * 7
    b = mx.interop.to_pyopencl(z, queue=other)
    b_host = np.empty(4, np.float32)
    read = cl.enqueue_copy(other, b_host, b.data, is_blocking=False)
    other.flush()
    time.sleep(0.2)
    gate.set_status(cl.command_execution_status.COMPLETE)
    read.wait()
    assert b_host.tolist() == [21, 21, 21, 21]
    with pytest.raises(mx.MXNetError, match="CommandQueue or an mxgrad Context"):
        mx.interop.enqueue_wait(other, "queue")


def test_dlpack_opencl_export_and_import_share_memory(ctx):
    import gc

    import numpy as np

    import mxgrad as mx
    from mxgrad import _dlpack

    x = mx.nd.array([[1, 2, 3], [4, 5, 6]], ctx=ctx, dtype="int32")
    capsule = x[1:].__dlpack__(dl_device=(4, ctx.device_id))      # kDLOpenCL, no copy
    assert _dlpack.capsule_device(capsule) == (4, ctx.device_id)
    y = mx.nd.from_dlpack(capsule)
    assert y.shape == (1, 3) and y.dtype == np.int32 and y.context == ctx
    assert y._buffer.int_ptr == x._buffer.int_ptr and y._offset == 3
    y[:] = 7
    assert x.asnumpy().tolist() == [[1, 2, 3], [7, 7, 7]]
    with pytest.raises(mx.MXNetError, match="consumed"):
        mx.nd.from_dlpack(capsule)
    # an OpenCL-aware producer is recognised by its __dlpack_device__
    class Producer:
        def __dlpack_device__(self):
            return (4, ctx.device_id)

        def __dlpack__(self, **kwargs):
            return x.__dlpack__(dl_device=(4, ctx.device_id))
    z = mx.nd.from_dlpack(Producer())
    assert z._buffer.int_ptr == x._buffer.int_ptr
    copied = mx.nd.from_dlpack(x.__dlpack__(dl_device=(4, ctx.device_id), copy=True))
    assert copied._buffer.int_ptr != x._buffer.int_ptr
    assert copied.asnumpy().tolist() == x.asnumpy().tolist()
    # consumed or not, every exported tensor is released
    unused = x.__dlpack__(dl_device=(4, ctx.device_id))
    del capsule, y, z, copied, unused
    gc.collect()
    assert not _dlpack._exported
    # the default export stays a host copy, as NumPy and PyTorch need
    assert x.__dlpack_device__() == (1, 0)
    assert np.from_dlpack(x).tolist() == [[1, 2, 3], [7, 7, 7]]
    # a bare host capsule (MXNet's to_dlpack_for_read) is copied, as MXNet takes it
    assert mx.nd.from_dlpack(np.arange(3).__dlpack__()).asnumpy().tolist() == [0, 1, 2]
