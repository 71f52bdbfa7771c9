"""mxgrad inside other OpenCL code: share pyopencl contexts, queues and buffers, no copies.

    import pyopencl as cl, pyopencl.array as cla
    ctx = mx.Context.from_queue(queue)          # mxgrad uses the application's queue
    x = mx.interop.from_pyopencl(cla_array)     # an NDArray over the same cl_mem
    a = mx.interop.to_pyopencl(x)               # a pyopencl Array over x's cl_mem

Both directions share memory. Work is ordered because both sides use the same in-order
queue; an application using another queue must synchronise itself (``x.wait_to_read()``
before it reads, ``queue.finish()`` before mxgrad does).
"""
import numpy as np

from mxgrad import _ndarray
from mxgrad._dispatch import wrap_foreign_buffer
from mxgrad.base import MXNetError, dtype_code
from mxgrad.context import live_contexts

__all__ = ["from_pyopencl", "to_pyopencl", "from_cl_buffer"]


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
    """An NDArray over a ``pyopencl.Buffer`` (``offset`` in bytes), sharing its memory."""
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
    """An NDArray over a C-contiguous ``pyopencl.array.Array``, sharing its memory."""
    if not array.flags.c_contiguous:
        raise MXNetError("from_pyopencl: the array must be C-contiguous")
    return from_cl_buffer(array.base_data, array.shape, array.dtype, array.offset, ctx)


def to_pyopencl(x, queue=None):
    """A ``pyopencl.array.Array`` over the memory of NDArray ``x`` (pending work on ``x`` is
    enqueued first, on mxgrad's queue)."""
    import pyopencl as cl
    import pyopencl.array as cla
    buf = x._buffer                        # enqueues pending fused ops writing x
    mem = cl.Buffer.from_int_ptr(buf.int_ptr, retain=True)
    itemsize = np.dtype(x.dtype).itemsize
    a = cla.Array(queue or x.context.queue, x.shape, x.dtype, data=mem,
                  offset=x._offset * itemsize)
    a._mxgrad_owner = x                    # keeps the NDArray (and so its buffer) alive
    return a
