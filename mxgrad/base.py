"""Errors and dtype tables shared by every layer."""
import numpy as np

__all__ = ["MXNetError", "DTYPES", "dtype_code", "dtype_name", "kernel_scalar"]


class MXNetError(Exception):
    """Raised for misuse of the API: bad shapes, dtypes, contexts, autograd misuse.

    Named as in MXNet so ``except mx.base.MXNetError`` keeps working in ported code.

    >>> try:
    ...     mx.nd.ones((2, 3)) + mx.nd.ones((4,))
    ... except mx.MXNetError as e:
    ...     print(type(e).__name__)
    MXNetError
    >>> mx.MXNetError is mx.base.MXNetError
    True
    """


class OutOfMemoryError(MXNetError, MemoryError):
    """Raised when host or device memory runs out: an MXNetError that is also a MemoryError.

    The process keeps working: free some arrays and the same allocation can succeed.

    >>> issubclass(mx.base.OutOfMemoryError, (mx.MXNetError, MemoryError))
    True
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
    except (TypeError, ValueError):
        raise MXNetError(f"unknown dtype {dtype!r}; supported: "
                         f"{', '.join(d.name for d in DTYPES)}") from None
    code = _CODE.get(dt)
    if code is None:
        raise MXNetError(f"dtype {dt.name} is not supported; supported: "
                         f"{', '.join(d.name for d in DTYPES)}")
    return code


def dtype_name(code):
    """The name of dtype code ``code`` (``'float32'``)."""
    return DTYPES[code].name


_INT32_RANGE = (-2.0 ** 31, 2.0 ** 31)
_INT64_RANGE = (-2.0 ** 63, 2.0 ** 63)


def kernel_scalar(code, value):
    """The value a Python scalar operand has in an op on an array of dtype ``code``.

    MXNet passes scalars as double and converts them to the array's dtype before the op, so
    ``int32_array * 2.5`` multiplies by 2 and ``uint8_array == -1`` compares with 255. Float16
    rounds through float32. Integer dtypes truncate toward zero; NaN and values out of the
    32-bit (64-bit for int64) range become that range's minimum, as x86 converts them, and
    the 8-bit dtypes keep the low byte. Returns a Python float for floating dtypes, else int.
    """
    d = float(value)
    if code <= 1:
        return d
    if code == 2:
        with np.errstate(over="ignore"):      # beyond the range is inf, as in MXNet
            return float(np.float16(np.float32(d)))
    lo, hi = _INT64_RANGE if code == 6 else _INT32_RANGE
    v = int(d) if lo <= d < hi else int(lo)   # NaN fails the range test too
    if code == 3:
        return v & 0xFF
    if code == 5:
        return (v & 0xFF) - 256 if v & 0x80 else v & 0xFF
    return v
