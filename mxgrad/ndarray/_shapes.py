"""Checks on sizes and axes that callers pass in, made before anything is allocated or enqueued.

A negative size or one whose bytes pass what the device can hold is an MXNetError naming
the op; the allocator (mxgrad._ndarray.new_array, BufferPool.take) refuses such sizes too,
as a last line, but without the op's name.
"""
import numbers

from mxgrad.base import MXNetError, DTYPES

_BYTES_MAX = 1 << 62      # beyond any device, and products past it would wrap in C


def nonnegative(op, what, dims):
    """``dims`` (a tuple of ints), or MXNetError if one is negative."""
    if any(d < 0 for d in dims):
        raise MXNetError(f"{op}: {what} {dims} has a negative dimension")
    return dims


def check_bytes(op, shape, code, ctx=None):
    """MXNetError unless an array of ``shape`` and dtype code ``code`` fits one buffer of
    ``ctx``'s device (any device when None); for ops that build the data on the host first."""
    count = 1
    for d in shape:
        count *= d
    nbytes = count * DTYPES[code].itemsize
    limit = _BYTES_MAX if ctx is None else min(_BYTES_MAX, ctx.state.pool.max_alloc)
    if nbytes > limit:
        where = "any device" if ctx is None else f"{ctx}'s largest buffer"
        raise MXNetError(f"{op}: an array of shape {tuple(shape)} and dtype "
                         f"{DTYPES[code].name} takes {nbytes} bytes, more than {where} "
                         f"({limit} bytes)")


def int_tuple(op, name, v):
    """``v`` (an int or a sequence of ints) as a tuple of ints; MXNetError naming ``name``."""
    if isinstance(v, numbers.Integral):
        return (int(v),)
    try:
        return tuple(int(s) for s in v)
    except TypeError:
        raise MXNetError(f"{op}: {name} must be an int or a tuple of ints, got {v!r}") from None


def normalized_axes(op, axis, ndim, allow_negative=True):
    """Axes as a tuple of ints in [0, ndim); MXNetError naming the bad one."""
    axes = int_tuple(op, "axis", axis)
    res = []
    for a in axes:
        if not (-ndim <= a < ndim if allow_negative else 0 <= a < ndim):
            lo = -ndim if allow_negative else 0
            raise MXNetError(f"{op}: axis {a} is out of range [{lo}, {ndim}) for an array of "
                             f"{ndim} dimensions")
        res.append(a % ndim)
    return tuple(res)
