"""What generated elementwise kernels share: the OpenCL types of each dtype and their defines.

An elementwise op is an expression snippet over its operands ``x0, x1, ...`` in the compute
type ``CT`` (``"(x0 + x1)"``) whose value is a CT. Math runs in ``FT``, the floating type
that goes with the dtype, and ``TO_CT`` brings a floating result back the way MXNet does
(``"TO_CT(exp((FT)x0))"``), so integer dtypes work too. MXNet computes integer math in
double, so FT is double for integer dtypes wherever the device has fp64. The helpers snippets
may call (TO_CT, mx_div, mx_mod, mx_pow, mx_max, mx_min) are kernels_cl/elementwise.cl.
"""

# storage type, compute type (8-bit integers and half compute in int and float)
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
# the most negative compute-type value of each integer dtype (OpenCL C limits)
INT_MIN_NAMES = {3: "INT_MIN", 4: "INT_MIN", 5: "INT_MIN", 6: "LONG_MIN"}


def type_defines(code):
    """The #define lines of T, CT, FT, CT_IS_FLOAT (and CT_MIN for integers) for dtype code."""
    storage, compute = TYPES[code]
    if code == 1:
        float_type = "#pragma OPENCL EXTENSION cl_khr_fp64 : enable\n#define FT double"
    elif code in FLOAT_CODES:
        float_type = "#define FT float"
    else:
        float_type = ("#ifdef cl_khr_fp64\n#pragma OPENCL EXTENSION cl_khr_fp64 : enable\n"
                      "#define FT double\n#else\n#define FT float\n#endif\n"
                      f"#define CT_MIN {INT_MIN_NAMES[code]}")
    return "\n".join([float_type, f"#define T {storage}", f"#define CT {compute}",
                      f"#define CT_IS_FLOAT {int(code in FLOAT_CODES)}"])
