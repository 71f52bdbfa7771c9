"""Array creation: array, zeros, ones, full, empty, arange, linspace, eye, *_like."""
import numbers

import numpy as np

from mxgrad import _ndarray
from mxgrad._ndarray import NDArrayBase
from mxgrad.base import MXNetError, DTYPES, dtype_code
from mxgrad.context import current_context, Context

__all__ = ["array", "empty", "zeros", "ones", "full", "arange", "linspace", "eye",
           "zeros_like", "ones_like", "full_like", "empty_like"]


def _ctx(ctx):
    if ctx is None:
        return current_context()
    if not isinstance(ctx, Context):
        raise MXNetError(f"ctx must be a Context such as mx.cpu(0), got {ctx!r}")
    return ctx


def _shape(shape):
    if isinstance(shape, numbers.Integral):
        shape = (shape,)
    try:
        shape = tuple(int(s) for s in shape)
    except TypeError:
        raise MXNetError(f"shape must be an int or a tuple of ints, got {shape!r}") from None
    if any(s < 0 for s in shape):
        raise MXNetError(f"shape {shape} has a negative dimension")
    return shape


def _code(dtype, default=0):
    return default if dtype is None else dtype_code(dtype)


def empty(shape, ctx=None, dtype=None):
    """An array with undefined contents."""
    return _ndarray.empty_array(_ctx(ctx), _shape(shape), _code(dtype))


def full(shape, val, ctx=None, dtype=None, out=None):
    """An array filled with ``val``."""
    if out is None:
        out = empty(shape, ctx, dtype)
    out._fill(val)
    return out


def zeros(shape, ctx=None, dtype=None, **kwargs):
    """An array of zeros."""
    return full(shape, 0, ctx, dtype)


def ones(shape, ctx=None, dtype=None, **kwargs):
    """An array of ones."""
    return full(shape, 1, ctx, dtype)


def array(source_array, ctx=None, dtype=None):
    """An NDArray from a list, numpy array or NDArray.

    As in MXNet the default dtype is float32, also for float64 numpy input; an NDArray
    source keeps its dtype unless ``dtype`` is given.
    """
    if isinstance(source_array, NDArrayBase):
        code = source_array._dtype_code if dtype is None else dtype_code(dtype)
        out = _ndarray.empty_array(_ctx(ctx) if ctx is not None else source_array.context,
                                   source_array.shape, code)
        source_array.copyto(out)
        return out
    if dtype is None:
        code = 0
        if isinstance(source_array, np.ndarray) and source_array.dtype in DTYPES[1:]:
            # MXNet keeps a numpy array's dtype except float64, which becomes float32.
            code = 0 if source_array.dtype == np.float64 else dtype_code(source_array.dtype)
    else:
        code = dtype_code(dtype)
    try:
        host = np.asarray(source_array, dtype=DTYPES[code])
    except (TypeError, ValueError) as e:
        raise MXNetError(f"cannot make an NDArray from {type(source_array).__name__}: {e}") from None
    out = _ndarray.empty_array(_ctx(ctx), host.shape, code)
    out._write_numpy(host)
    return out


def _from_host(host, ctx, code):
    out = _ndarray.empty_array(_ctx(ctx), host.shape, code)
    out._write_numpy(host)
    return out


def arange(start, stop=None, step=1.0, repeat=1, infer_range=None, ctx=None, dtype=None):
    """Evenly spaced values in [start, stop), each repeated ``repeat`` times."""
    if stop is None:
        start, stop = 0, start
    if step == 0:
        raise MXNetError("arange: step must not be 0")
    code = _code(dtype)
    host = np.arange(start, stop, step, dtype=np.float64)
    if repeat != 1:
        host = np.repeat(host, int(repeat))
    return _from_host(host.astype(DTYPES[code]), ctx, code)


def linspace(start, stop, num, endpoint=True, ctx=None, dtype=None):
    """``num`` evenly spaced values from start to stop."""
    code = _code(dtype)
    host = np.linspace(start, stop, int(num), endpoint=endpoint, dtype=np.float64)
    return _from_host(host.astype(DTYPES[code]), ctx, code)


def eye(N, M=0, k=0, ctx=None, dtype=None, **kwargs):
    """A 2-D array with ones on the k-th diagonal."""
    code = _code(dtype)
    host = np.eye(int(N), int(M) if M else None, int(k), dtype=DTYPES[code])
    return _from_host(host, ctx, code)


def zeros_like(data, **kwargs):
    """Zeros with the shape, dtype and context of ``data``."""
    return zeros(data.shape, data.context, data.dtype)


def ones_like(data, **kwargs):
    """Ones with the shape, dtype and context of ``data``."""
    return ones(data.shape, data.context, data.dtype)


def full_like(data, fill_value, **kwargs):
    return full(data.shape, fill_value, data.context, data.dtype)


def empty_like(data, **kwargs):
    return empty(data.shape, data.context, data.dtype)
