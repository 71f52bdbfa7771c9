"""multi_sum_sq's kernel: the sums of squares of up to ``SLOTS`` arrays in one launch.

The kernel is generated for the number of arrays it serves; work-group ``k`` reduces array
``k`` (a strided loop, then a tree in local memory) and writes one float32 of the result.
"""
from mxgrad import _ndarray
from mxgrad._codegen import TYPES
from mxgrad._dispatch import Kernel
from mxgrad._programs import kernel_source
from mxgrad.ndarray._kernels import _build, _check_dtype

__all__ = []

SLOTS = 16
GROUP = 64          # work-items per array


def _source(count):
    params = [f"__global const T* x{k}, const long x{k}_off, const long n{k}"
              for k in range(count)]
    picks = "\n".join(f"    {'else ' if k else ''}if (slot == {k}) {{ x = x{k} + x{k}_off; "
                      f"n = n{k}; }}" for k in range(count))
    return (
        "__kernel void multi_sum_sq(" + ",\n    ".join(params) +
        ",\n    __global float* out, const long out_off)\n{\n"
        "    __local ACC part[GROUP];\n"
        "    const int slot = get_group_id(0), lid = get_local_id(0);\n"
        "    __global const T* x = 0;\n    long n = 0;\n" + picks + "\n"
        "    ACC acc = 0;\n"
        "    for (long i = lid; i < n; i += GROUP) {\n"
        "        const ACC v = (ACC)LOAD(x, i);\n"
        "        acc += v * v;\n"
        "    }\n"
        "    part[lid] = acc;\n"
        "    for (int step = GROUP / 2; step > 0; step /= 2) {\n"
        "        barrier(CLK_LOCAL_MEM_FENCE);\n"
        "        if (lid < step) part[lid] += part[lid + step];\n"
        "    }\n"
        "    if (lid == 0) out[out_off + slot] = (float)part[0];\n"
        "}\n")


def _kernel(ctx, code, count):
    state = ctx.state
    key = ("multi_sum_sq", code, count)
    k = state.kernels.get(key)
    if k is None:
        _check_dtype(ctx, code)
        storage, compute = TYPES[code]
        opts = (f"-D T={storage} -D CT={compute} -D IS_HALF={int(code == 2)} "
                f"-D HAS_FP64={int(state.has_fp64)} -D GROUP={GROUP} "
                f"-D ACC={'double' if code == 1 else 'float'}")
        source = kernel_source("prelude") + _source(count)
        prg = _build(ctx, source, opts, f"multi_sum_sq ({count} arrays)")
        k = state.kernels[key] = Kernel(prg, "multi_sum_sq")
    return k


def sum_squares(arrays, out):
    """Write the sum of squares of each of ``arrays`` (checked: one dtype, one context) into
    the float32 vector ``out``, ``SLOTS`` arrays a launch."""
    ctx = arrays[0].context
    code = arrays[0]._dtype_code
    for first in range(0, len(arrays), SLOTS):
        chunk = arrays[first:first + SLOTS]
        k = _kernel(ctx, code, len(chunk))
        i = 0
        for a in chunk:
            k.set_arg_mem(i, a._buffer)
            k.set_arg_long(i + 1, a._offset)
            k.set_arg_long(i + 2, a.size)
            i += 3
        k.set_arg_mem(i, out._buffer)
        k.set_arg_long(i + 1, out._offset + first)
        ctx.state.launch_grid(k, (GROUP * len(chunk),), (GROUP,))
    return out


def empty_sums(ctx, count):
    return _ndarray.empty_array(ctx, (count,), 0)
