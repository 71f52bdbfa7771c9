"""Errors and dtype tables shared by every layer."""
import numpy as np

__all__ = ["MXNetError", "DTYPES", "dtype_code", "dtype_name"]


class MXNetError(Exception):
    """Raised for misuse of the API: bad shapes, dtypes, contexts, autograd misuse.

    Named as in MXNet so ``except mx.base.MXNetError`` keeps working in ported code.
    """


# MXNet's type flags; their order is the code used by the Cython core (_dtypes.pxd).
DTYPES = (
    np.dtype(np.float32),
    np.dtype(np.float64),
    np.dtype(np.float16),
    np.dtype(np.uint8),
    np.dtype(np.int32),
    np.dtype(np.int8),
    np.dtype(np.int64),
)
_CODE = {dt: code for code, dt in enumerate(DTYPES)}
# OpenCL C spelling of each dtype, by code.
CL_TYPES = ("float", "double", "half", "uchar", "int", "char", "long")


def dtype_code(dtype):
    """The code of a dtype given as a name, numpy dtype or type; MXNetError if unsupported."""
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise MXNetError(f"unknown dtype {dtype!r}; supported: "
                         f"{', '.join(d.name for d in DTYPES)}") from None
    code = _CODE.get(dt)
    if code is None:
        raise MXNetError(f"dtype {dt.name} is not supported; supported: "
                         f"{', '.join(d.name for d in DTYPES)}")
    return code


def dtype_name(code):
    return DTYPES[code].name
