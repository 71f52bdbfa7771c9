"""The random generator of every context and the draws made with it: the root of
mxgrad.ndarray.random, mxgrad.ndarray.sampling and mxgrad.ndarray.random_dispatch.

Numbers come from the counter-based Philox4x32-10 generator (kernels_cl/random.cl,
kernels_cl/sampling.cl). Each context has a generator state (seed, stream): every draw takes
the next stream number, and element i of a draw depends only on (seed, stream, i), so a seed
reproduces the same numbers on any device and whatever the work-group size.
``mx.random.seed`` resets the states; the process starts as if seeded with 0, so unseeded
runs repeat too (as in MXNet). The streams differ from MXNet's own generator: same seed,
other numbers.
"""
import numbers
import threading

import numpy as np

from mxgrad import _ndarray
from mxgrad._ndarray import NDArrayBase, check_inplace
from mxgrad.base import MXNetError, DTYPES, dtype_code
from mxgrad.context import Context
from mxgrad.ndarray._kernels import family_kernel
from mxgrad.ndarray.creation import _ctx

__all__ = ["seed"]

_FLOAT_CODES = (0, 1, 2)
_INT_DRAW_CODES = (4, 6)             # int32, int64
_DIST_UNIFORM, _DIST_NORMAL, _DIST_RANDINT = 0, 1, 2
_MASK64 = (1 << 64) - 1


# --- generator state ---------------------------------------------------------------------------
class _Generators:
    """Per-context (seed, next stream) pairs, and the seed new contexts start from."""

    def __init__(self):
        self.lock = threading.Lock()
        self.default_seed = 0
        self.states = {}             # Context -> [seed, next stream]

    def seed(self, seed_state, ctx="all"):
        value = int(seed_state) & _MASK64
        with self.lock:
            if isinstance(ctx, str) and ctx == "all":
                self.default_seed = value
                self.states.clear()
            else:
                self.states[_ctx(ctx)] = [value, 0]

    def next_stream(self, ctx):
        """(seed, stream) for one draw on ``ctx``; the stream number advances."""
        with self.lock:
            st = self.states.get(ctx)
            if st is None:
                st = self.states[ctx] = [self.default_seed, 0]
            seed, stream = st
            st[1] = (stream + 1) & _MASK64
        return seed, stream


generators = _Generators()


def seed(seed_state, ctx="all"):
    """Seed the generator of every context (``ctx='all'``) or of one context.

    >>> mx.random.seed(7)
    >>> a = mx.nd.random.uniform(shape=(3,))
    >>> mx.random.seed(7)
    >>> b = mx.nd.random.uniform(shape=(3,))
    >>> np.array_equal(a.asnumpy(), b.asnumpy())
    True
    >>> mx.random.seed(7, ctx=mx.cpu(0))    # only cpu(0)'s generator
    """
    if isinstance(seed_state, bool) or not isinstance(seed_state, numbers.Integral):
        raise ValueError("seed_state must be int")
    if not (isinstance(ctx, str) and ctx == "all") and not isinstance(ctx, Context):
        raise MXNetError(f"seed: ctx must be 'all' or a Context, got {ctx!r}")
    generators.seed(seed_state, ctx)


def _as_signed64(v):
    return v - (1 << 64) if v >= 1 << 63 else v


def _draw(out, dist, a, b):
    """Fill ``out`` with one draw of distribution ``dist`` with parameters (a, b)."""
    n = out.size
    if n == 0:
        return out
    ctx, code = out.context, out._dtype_code
    wide = code in (1, 6)
    per_item = 8 if wide else 16          # elements per work-item (random.cl's EPW)
    k = family_kernel(ctx, "random", "draw", code, f"-D DIST={dist} -D WIDE={int(wide)}")
    seed_value, stream = generators.next_stream(ctx)
    k.set_args(0, out._buffer, out._offset, n, _as_signed64(seed_value), _as_signed64(stream))
    if dist == _DIST_RANDINT:
        k.set_arg_long(5, a)
        k.set_arg_long(6, _as_signed64(b))
    else:
        ft = 1 if code == 1 else 0
        k.set_arg_scalar(5, ft, a)
        k.set_arg_scalar(6, ft, b)
    ctx.state.launch_1d(k, -(-n // per_item), per_item)
    return out


# --- argument handling -------------------------------------------------------------------------
def _shape_of(op, shape):
    if shape is None:
        return (1,)
    if isinstance(shape, numbers.Integral):
        return (int(shape),)
    try:
        dims = tuple(int(d) for d in shape)
    except (TypeError, ValueError):
        raise MXNetError(f"{op}: shape must be an int or a tuple of ints, got {shape!r}") \
            from None
    if any(d < 0 for d in dims):
        raise MXNetError(f"{op}: shape {dims} has a negative dimension")
    return dims or (1,)


def _output(op, shape, dtype, ctx, out, allowed, default):
    """The array a draw writes: ``out`` (checked) or a fresh one."""
    code = default if dtype is None else dtype_code(dtype)
    if code not in allowed:
        raise MXNetError(f"{op}: dtype {DTYPES[code].name} is not supported; valid values "
                         f"are {', '.join(sorted(DTYPES[c].name for c in allowed))}")
    if out is None:
        return _ndarray.empty_array(_ctx(ctx), _shape_of(op, shape), code)
    if not isinstance(out, NDArrayBase):
        raise MXNetError(f"{op}: out must be an NDArray, got {type(out).__name__}")
    if shape is not None and _shape_of(op, shape) != out.shape:
        raise MXNetError(f"{op}: out has shape {out.shape}, but shape={shape!r} was asked")
    if out._dtype_code not in allowed or (dtype is not None and code != out._dtype_code):
        raise MXNetError(f"{op}: out has dtype {DTYPES[out._dtype_code].name}, expected "
                         f"{DTYPES[code].name}")
    check_inplace(out)
    return out


def _number(op, name, v):
    if isinstance(v, bool) or not isinstance(v, (numbers.Real, np.number)):
        raise MXNetError(f"{op}: {name} must be a number or an NDArray, got {v!r}")
    return float(v)


def _check_pair(op, a, b):
    if not (isinstance(a, NDArrayBase) and isinstance(b, NDArrayBase)):
        raise MXNetError(f"{op}: both parameters must be NDArrays or both numbers, got "
                         f"{type(a).__name__} and {type(b).__name__}")


def _into(op, res, out):
    """``res``, or ``res`` copied into ``out`` (checked) and ``out`` returned."""
    if out is None:
        return res
    _output(op, res.shape, DTYPES[res._dtype_code], None, out, _FLOAT_CODES,
            res._dtype_code)
    out._copy_from(res)
    return out


# --- uniform and normal from number parameters (random_uniform, mx.nd.uniform, *_like) ---------
def draw_uniform(op, low, high, shape, dtype, ctx, out):
    """Uniform samples on [low, high) (numbers, checked)."""
    lo, hi = _number(op, "low", low), _number(op, "high", high)
    if not lo <= hi:
        raise MXNetError(f"{op}: low must be less or equal to high, got low={low}, "
                         f"high={high}")
    res = _output(op, shape, dtype, ctx, out, _FLOAT_CODES, 0)
    return _draw(res, _DIST_UNIFORM, lo, hi - lo)


def draw_normal(op, loc, scale, shape, dtype, ctx, out):
    """Normal samples of mean ``loc`` and standard deviation ``scale`` > 0 (numbers)."""
    mu, sigma = _number(op, "loc", loc), _number(op, "scale", scale)
    if not sigma > 0:
        raise MXNetError(f"{op}: scale must be positive, got scale={scale}")
    res = _output(op, shape, dtype, ctx, out, _FLOAT_CODES, 0)
    return _draw(res, _DIST_NORMAL, mu, sigma)
