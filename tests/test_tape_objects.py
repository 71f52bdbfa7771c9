"""What a recorded graph costs the garbage collector: few tracked objects per op, no
reference cycles (a graph is freed by reference counts alone), pool buffers outside the
collector's lists, and buffers wrapped from pyopencl inside them (their owner may refer
back to arrays over them)."""
import gc
import weakref

import numpy as np
import pyopencl as cl

import mxgrad as mx
from mxgrad import nd
from tape_chain import chain, chain_step


def new_tracked_objects(fn):
    """fn()'s result and the objects tracked by the collector that it left alive."""
    gc.collect()
    gc.disable()
    try:
        before = {id(o) for o in gc.get_objects()}
        result = fn()
        return result, [o for o in gc.get_objects() if id(o) not in before and o is not before]
    finally:
        gc.enable()


def test_a_recorded_op_leaves_few_tracked_objects(ctx):
    x = nd.array([0.1, 0.2, 0.3, 0.4], ctx=ctx)
    x.attach_grad()

    def record():
        with mx.autograd.record():
            return chain(x, 200)
    for _ in range(2):
        record().backward()                          # kernels built, pool filled
    y, new = new_tracked_objects(record)
    # per op: its node, the node's input tuple and the input's husk; half the ops (tanh,
    # exp) also keep an alias of their output (3.5)
    assert len(new) / 200 < 4, sorted({type(o).__name__ for o in new})
    assert not any(type(o).__name__ == "Buffer" for o in new)
    y.backward()
    np.testing.assert_array_equal(np.isfinite(x.grad.asnumpy()), True)


def test_a_graph_is_freed_without_the_collector(ctx):
    x = nd.array([0.1, 0.2, 0.3, 0.4], ctx=ctx)
    x.attach_grad()

    def nodes():
        return sum(type(o).__name__ == "Node" for o in gc.get_objects())
    gc.collect()
    gc.disable()
    try:
        before = nodes()
        with mx.autograd.record():
            y = chain(x, 60)
            total = nd.sum(y)
        assert nodes() == before + 61
        total.backward()
        del y, total
        assert nodes() == before                     # gone by reference counts
        assert gc.collect() == 0                     # and nothing cyclic was left
    finally:
        gc.enable()


def test_a_wrapped_pyopencl_buffer_in_a_cycle_is_collected(ctx):
    host = np.arange(4, dtype=np.float32)
    buf = cl.Buffer(ctx.cl_context, cl.mem_flags.READ_WRITE | cl.mem_flags.COPY_HOST_PTR,
                    hostbuf=host)
    arr = mx.interop.from_cl_buffer(buf, (4,), ctx=ctx)
    buf.array = arr                                  # buffer -> array -> its Buffer -> buffer
    gone = weakref.ref(arr)
    del arr, buf
    gc.collect()
    assert gone() is None


def test_recorded_steps_leave_the_collector_idle(ctx):
    """Nodes and buffers come from freelists, which do not count towards the collector's
    threshold: a loop of recorded steps runs (nearly) without collections (one per step
    before, each promoting the live graph towards costly full collections)."""
    x = nd.array([0.1, 0.2, 0.3, 0.4], ctx=ctx)
    x.attach_grad()
    step = chain_step(x, 200)
    for _ in range(3):
        step()
    runs = []

    def count(phase, info):
        if phase == "start":
            runs.append(info["generation"])
    gc.collect()
    gc.callbacks.append(count)
    try:
        for _ in range(50):
            step()
    finally:
        gc.callbacks.remove(count)
    assert len(runs) <= 5, runs
