"""Large copies and fills on CPU devices, as kernels (copy16 and fill16 of kernels_cl/copy.cl).

PoCL runs clEnqueueCopyBuffer and clEnqueueFillBuffer on one worker thread: copying 40 MB
took 2.9-3.4 ms and filling it 2.9 ms, against 1.9-2.3 and 0.8-1.1 ms as these kernels on 2
cores (A/B). The kernels move 16-byte units; the ends of a range that are not 16-byte
aligned (under 16 bytes each) still go through the OpenCL calls. GPUs keep the driver's own
copies and fills; _ndarray picks (from 256 KiB, on CPU devices).
"""
from mxgrad.ndarray._kernels import family_kernel

UNIT = 16


def _kernel(ctx, name):
    return family_kernel(ctx, "copy", name, 0)


def _split(start, nbytes):
    """(head end, tail start): [start, head) and [tail, start + nbytes) are the unaligned
    ends, [head, tail) a whole number of units."""
    head = -(-start // UNIT) * UNIT
    tail = (start + nbytes) // UNIT * UNIT
    return head, max(head, tail)


def copy(ctx, dst_buf, dst_start, src_buf, src_start, nbytes):
    """Copy ``nbytes`` from src_buf at byte ``src_start`` to dst_buf at ``dst_start``."""
    state = ctx.state
    if (dst_start - src_start) % UNIT:
        # the two ranges are not aligned alike: no unit-wise copy
        state.copy_buffer(src_buf, src_start, dst_buf, dst_start, nbytes)
        return
    head, tail = _split(dst_start, nbytes)
    shift = src_start - dst_start
    if head > dst_start:
        state.copy_buffer(src_buf, src_start, dst_buf, dst_start, head - dst_start)
    if tail > head:
        k = _kernel(ctx, "copy16")
        k.set_arg_mem(0, dst_buf)
        k.set_arg_long(1, head // UNIT)
        k.set_arg_mem(2, src_buf)
        k.set_arg_long(3, (head + shift) // UNIT)
        k.set_arg_long(4, (tail - head) // UNIT)
        state.launch_1d(k, (tail - head) // UNIT)
    end = dst_start + nbytes
    if end > tail:
        state.copy_buffer(src_buf, tail + shift, dst_buf, tail, end - tail)


def fill(ctx, buf, start, nbytes, pattern):
    """Fill ``nbytes`` of buf from byte ``start`` with ``pattern`` (1, 2, 4 or 8 bytes;
    ``start`` is a multiple of its length)."""
    state = ctx.state
    head, tail = _split(start, nbytes)
    if head > start:
        state.fill(buf, start, head - start, pattern)
    if tail > head:
        unit = pattern * (UNIT // len(pattern))
        k = _kernel(ctx, "fill16")
        k.set_arg_mem(0, buf)
        k.set_arg_long(1, head // UNIT)
        k.set_arg_long(2, int.from_bytes(unit[:8], "little", signed=True))
        k.set_arg_long(3, int.from_bytes(unit[8:], "little", signed=True))
        k.set_arg_long(4, (tail - head) // UNIT)
        state.launch_1d(k, (tail - head) // UNIT)
    end = start + nbytes
    if end > tail:
        state.fill(buf, tail, end - tail, pattern)
