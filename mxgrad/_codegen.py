"""Generates elementwise kernel variants from kernels_cl/elementwise.cl.

An elementwise op is an expression snippet over its inputs ``x0, x1, ...`` in the compute
type ``CT`` (``"(x0 + x1)"``); math functions take ``FT``, the floating type that goes with
the dtype (``"exp((FT)x0)"``), so integer dtypes work too. A variant is fixed by the snippet, the dtype,
and how each input is read:

  'c'  contiguous, same shape as the output:   x = p[off + i]
  's'  a single element broadcast everywhere:  x = p[off]
  'b'  broadcast along some dims:              x = p[off + sum(coord_j * stride_j)]
  'k'  a scalar kernel argument of type CT

The argument order written here is the one mxgrad/_ndarray.pyx sets: out, out_off, n, then
per input (pointer, offset[, strides...]) or (scalar), then the output dims if any 'b'.
"""
from mxgrad._programs import kernel_source

# storage type, compute type, and whether the storage needs vload_half/vstore_half
TYPES = {
    0: ("float", "float"),
    1: ("double", "double"),
    2: ("half", "float"),
    3: ("uchar", "int"),
    4: ("int", "int"),
    5: ("char", "int"),
    6: ("long", "long"),
}
FLOAT_CODES = (0, 1, 2)


def _load(name, ptr, index, code):
    if code == 2:
        return f"const CT {name} = vload_half({index}, {ptr});"
    return f"const CT {name} = (CT){ptr}[{index}];"


def elementwise_source(snippet, code, layouts, ndim):
    """OpenCL source of one elementwise variant."""
    storage, compute = TYPES[code]
    params, loads = [], []
    any_b = "b" in layouts
    if any_b:
        # coordinates of output element i, innermost dim last
        loads.append("long rest = i;")
        for j in reversed(range(ndim)):
            loads.append(f"const long c{j} = rest % d{j}; rest /= d{j};")
    for k, lay in enumerate(layouts):
        x, p = f"x{k}", f"p{k}"
        if lay == "k":
            params.append(f"const CT {x}")
            continue
        params.append(f"__global const {storage}* {p}, const long o{k}")
        if lay == "c":
            loads.append(_load(x, p, f"o{k} + i", code))
        elif lay == "s":
            loads.append(_load(x, p, f"o{k}", code))
        else:
            params.extend(f"const long s{k}_{j}" for j in range(ndim))
            idx = " + ".join(f"c{j} * s{k}_{j}" for j in range(ndim))
            loads.append(_load(x, p, f"o{k} + {idx}", code))
    if any_b:
        params.extend(f"const long d{j}" for j in range(ndim))
    if code == 2:
        store = "#define STORE(p, k, v) vstore_half((v), (k), (p))"
    else:
        store = "#define STORE(p, k, v) ((p)[k] = (T)(v))"
    defines = [
        "#pragma OPENCL EXTENSION cl_khr_fp64 : enable" if code in (1,) else "",
        f"#define T {storage}",
        f"#define CT {compute}",
        f"#define FT {'double' if code == 1 else 'float'}",
        f"#define CT_IS_FLOAT {int(code in FLOAT_CODES)}",
        "#define PARAMS " + "".join(", " + p for p in params),
        "#define LOAD_INPUTS " + " ".join(loads),
        f"#define VALUE ({snippet})",
        store,
    ]
    return "\n".join(defines) + "\n" + kernel_source("elementwise")
