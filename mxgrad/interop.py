"""mxgrad inside other OpenCL code: share pyopencl contexts, queues and buffers, no copies.

    import pyopencl as cl, pyopencl.array as cla
    ctx = mx.Context.from_queue(queue)          # mxgrad uses the application's queue
    x = mx.interop.from_pyopencl(cla_array)     # an NDArray over the same cl_mem
    a = mx.interop.to_pyopencl(x)               # a pyopencl Array over x's cl_mem

Both directions share memory. Work is ordered when both sides use the same in-order queue.
When the application uses another queue, ``to_pyopencl(x, queue)`` and
``from_pyopencl(array)`` (whose array remembers its queue) order the hand-over themselves,
and ``enqueue_wait(waiter, producer)`` orders any later one: the waiting queue waits on the
device for what the other had enqueued (a marker and a barrier), the host never blocks.
"""
import numpy as np

from mxgrad import _ndarray
from mxgrad._dispatch import wrap_foreign_buffer
from mxgrad.base import MXNetError, dtype_code
from mxgrad.context import Context, live_contexts

__all__ = ["from_pyopencl", "to_pyopencl", "from_cl_buffer", "enqueue_wait"]


def _context_of(cl_context, ctx):
    if ctx is not None:
        if ctx.cl_context.int_ptr != cl_context.int_ptr:
            raise MXNetError(f"{ctx} uses another OpenCL context than the buffer: create it "
                             "with mx.Context.from_queue(queue) on the buffer's queue")
        return ctx
    for c in live_contexts():
        if c.cl_context.int_ptr == cl_context.int_ptr:
            return c
    raise MXNetError("no mxgrad context uses this OpenCL context: call "
                     "mx.Context.from_queue(queue) with the application's queue first")


def from_cl_buffer(buffer, shape, dtype="float32", offset=0, ctx=None):
    """An NDArray over a ``pyopencl.Buffer`` (``offset`` in bytes), sharing its memory.

    >>> import pyopencl as cl
    >>> host = np.array([1, 2, 3, 4], dtype=np.int32)
    >>> flags = cl.mem_flags.READ_WRITE | cl.mem_flags.COPY_HOST_PTR
    >>> buf = cl.Buffer(mx.cpu(0).cl_context, flags, hostbuf=host)
    >>> mx.interop.from_cl_buffer(buf, (2,), dtype='int32', offset=8)    # elements 2 and 3
    <BLANKLINE>
    [3 4]
    <NDArray 2 @cpu(0)>
    """
    code = dtype_code(dtype)
    itemsize = np.dtype(dtype).itemsize
    shape = tuple(int(s) for s in shape)
    if offset % itemsize:
        raise MXNetError(f"from_cl_buffer: offset {offset} is not a multiple of the item size "
                         f"{itemsize}")
    need = offset + int(np.prod(shape, dtype=np.int64)) * itemsize
    if need > buffer.size:
        raise MXNetError(f"from_cl_buffer: shape {shape} {np.dtype(dtype).name} at offset "
                         f"{offset} needs {need} bytes, the buffer has {buffer.size}")
    ctx = _context_of(buffer.context, ctx)
    buf = wrap_foreign_buffer(buffer, buffer.int_ptr, buffer.size)
    return _ndarray.wrap_buffer(buf, ctx, shape, code, offset // itemsize)


def from_pyopencl(array, ctx=None):
    """An NDArray over a C-contiguous ``pyopencl.array.Array``, sharing its memory.

    >>> import pyopencl.array as cla
    >>> a = cla.to_device(mx.cpu(0).queue, np.array([1, 2, 3], dtype=np.float32))
    >>> x = mx.interop.from_pyopencl(a)     # the same memory: no copy
    >>> x += 1
    >>> x.wait_to_read()                    # mxgrad's pending work is done
    >>> a.get()
    array([2., 3., 4.], dtype=float32)
    """
    if not array.flags.c_contiguous:
        raise MXNetError("from_pyopencl: the array must be C-contiguous")
    x = from_cl_buffer(array.base_data, array.shape, array.dtype, array.offset, ctx)
    if array.queue is not None:
        enqueue_wait(x.context, array.queue)    # the array's pending writes come first
    return x


def to_pyopencl(x, queue=None):
    """A ``pyopencl.array.Array`` over the memory of NDArray ``x`` (pending work on ``x`` is
    enqueued first, on mxgrad's queue).

    >>> x = mx.nd.array([1, 2, 3])
    >>> a = mx.interop.to_pyopencl(x)       # the same memory: no copy
    >>> a.shape, a.dtype
    ((3,), dtype('float32'))
    >>> a.set(np.array([7, 8, 9], dtype=np.float32))
    >>> x
    <BLANKLINE>
    [7. 8. 9.]
    <NDArray 3 @cpu(0)>
    """
    import pyopencl as cl
    import pyopencl.array as cla
    buf = x._buffer                        # enqueues pending fused ops writing x
    mem = cl.Buffer.from_int_ptr(buf.int_ptr, retain=True)
    itemsize = np.dtype(x.dtype).itemsize
    if queue is not None:
        enqueue_wait(queue, x.context)          # mxgrad's writes to x come first
    a = cla.Array(queue or x.context.queue, x.shape, x.dtype, data=mem,
                  offset=x._offset * itemsize)
    a._mxgrad_owner = x                    # keeps the NDArray (and so its buffer) alive
    a._mxgrad_buffer = buf                 # and pins the buffer: x keeps this cl_mem for good
    return a


def _queue_of(q):
    """The pyopencl queue of a queue or an mxgrad Context (whose pending fused work is
    enqueued first, so that the marker follows it)."""
    import pyopencl as cl
    if isinstance(q, cl.CommandQueue):
        return q
    if isinstance(q, Context):
        q.state.submit()
        return q.queue
    raise MXNetError(f"enqueue_wait: expected a pyopencl.CommandQueue or an mxgrad Context, "
                     f"got {type(q).__name__}")


def enqueue_wait(waiter, producer):
    """Make ``waiter`` wait, on the device, for every command enqueued so far on
    ``producer`` before it runs anything enqueued after this call. Each is a
    ``pyopencl.CommandQueue`` or an mxgrad Context; nothing blocks the host.

    >>> import pyopencl as cl
    >>> other = cl.CommandQueue(mx.cpu(0).cl_context)    # the application's second queue
    >>> x = mx.nd.array([1, 2, 3]) * 2
    >>> mx.interop.enqueue_wait(other, mx.cpu(0))         # other's next commands see x
    >>> a = mx.interop.to_pyopencl(x, queue=other)
    >>> a.get()
    array([2., 4., 6.], dtype=float32)
    """
    import pyopencl as cl
    wq, pq = _queue_of(waiter), _queue_of(producer)
    if wq.int_ptr == pq.int_ptr:
        return                          # one in-order queue: already ordered
    if wq.context.int_ptr != pq.context.int_ptr:
        raise MXNetError("enqueue_wait: the queues belong to different OpenCL contexts")
    marker = cl.enqueue_marker(pq)
    pq.flush()                          # the marker must reach the device to ever complete
    cl.enqueue_barrier(wq, wait_for=[marker])
