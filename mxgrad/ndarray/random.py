"""``mx.nd.random``: uniform, normal, randn, randint, exponential, shuffle, on the device.

Numbers come from the counter-based Philox4x32-10 generator (kernels_cl/random.cl). Each
context has a generator state (seed, stream): every draw takes the next stream number, and
element i of a draw depends only on (seed, stream, i), so a seed reproduces the same
numbers on any device and whatever the work-group size. ``mx.random.seed`` resets the
states; the process starts as if seeded with 0, so unseeded runs repeat too (as in MXNet).
The streams differ from MXNet's own generator: same seed, other numbers.
"""
import numbers
import threading

import numpy as np

from mxgrad import _ndarray
from mxgrad._ndarray import NDArrayBase, check_inplace
from mxgrad.base import MXNetError, DTYPES, dtype_code
from mxgrad.context import Context
from mxgrad.ndarray._elemwise_table import OPS
from mxgrad.ndarray._kernels import family_kernel
from mxgrad.ndarray.creation import _ctx

__all__ = ["uniform", "normal", "randn", "randint", "exponential", "shuffle",
           "random_uniform", "random_normal", "random_randint", "gamma", "poisson",
           "negative_binomial", "generalized_negative_binomial", "multinomial",
           "uniform_like", "normal_like", "exponential_like", "gamma_like", "poisson_like",
           "negative_binomial_like", "generalized_negative_binomial_like"]

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


# --- distributions -----------------------------------------------------------------------------
def uniform(low=0, high=1, shape=None, dtype=None, ctx=None, out=None, **kwargs):
    """Uniform samples on [low, high) of ``shape`` ((1,) when None), float32 unless
    ``dtype``; NDArray ``low``/``high`` give ``shape`` samples per pair.

    >>> import mxgrad as mx
    >>> mx.nd.random.uniform(0, 1, shape=(2,)).shape
    (2,)
    """
    if isinstance(low, NDArrayBase) or isinstance(high, NDArrayBase):
        _check_pair("uniform", low, high)
        from mxgrad.ndarray.sampling import sample_uniform
        return sample_uniform(low, high, shape, dtype, out)
    lo, hi = _number("uniform", "low", low), _number("uniform", "high", high)
    if not lo <= hi:
        raise MXNetError(f"uniform: low must be less or equal to high, got low={low}, "
                         f"high={high}")
    res = _output("uniform", shape, dtype, ctx, out, _FLOAT_CODES, 0)
    return _draw(res, _DIST_UNIFORM, lo, hi - lo)


def normal(loc=0, scale=1, shape=None, dtype=None, ctx=None, out=None, **kwargs):
    """Normal samples with mean ``loc`` and standard deviation ``scale`` (> 0), float32
    unless ``dtype``; NDArray ``loc``/``scale`` give ``shape`` samples per pair.

    >>> mx.random.seed(0)
    >>> x = mx.nd.random.normal(loc=5, scale=2, shape=(2, 3))
    >>> x.shape, x.dtype
    ((2, 3), <class 'numpy.float32'>)
    >>> big = mx.nd.random.normal(5, 2, shape=(10000,))
    >>> round(float(big.mean().asscalar())), round(float(big.asnumpy().std()))
    (5, 2)
    >>> mx.nd.random.normal(mx.nd.array([0, 10]), mx.nd.array([1, 1]), shape=3).shape
    (2, 3)
    """
    if isinstance(loc, NDArrayBase) or isinstance(scale, NDArrayBase):
        _check_pair("normal", loc, scale)
        from mxgrad.ndarray.sampling import sample_normal
        return sample_normal(loc, scale, shape, dtype, out)
    mu, sigma = _number("normal", "loc", loc), _number("normal", "scale", scale)
    if not sigma > 0:
        raise MXNetError(f"normal: scale must be positive, got scale={scale}")
    res = _output("normal", shape, dtype, ctx, out, _FLOAT_CODES, 0)
    return _draw(res, _DIST_NORMAL, mu, sigma)


def randn(*shape, **kwargs):
    """Normal samples of shape ``shape`` (given as separate ints): ``randn(2, 3, loc=1)``.

    >>> mx.random.seed(0)
    >>> mx.nd.random.randn(2, 3).shape
    (2, 3)
    >>> x = mx.nd.random.randn(10000, loc=1, scale=0.5)
    >>> round(float(x.mean().asscalar()), 1), round(float(x.asnumpy().std()), 1)
    (1.0, 0.5)
    """
    return normal(kwargs.pop("loc", 0), kwargs.pop("scale", 1), shape or None, **kwargs)


def randint(low, high, shape=None, dtype=None, ctx=None, out=None, **kwargs):
    """Uniform integers in [low, high), int32 unless ``dtype`` ('int32' or 'int64').

    >>> mx.random.seed(0)
    >>> x = mx.nd.random.randint(0, 10, shape=(1000,))
    >>> x.dtype
    <class 'numpy.int32'>
    >>> int(x.min().asscalar()), int(x.max().asscalar())
    (0, 9)
    >>> mx.nd.random.randint(-5, 5, shape=(2,), dtype='int64').dtype
    <class 'numpy.int64'>
    """
    for name, v in (("low", low), ("high", high)):
        if isinstance(v, bool) or not isinstance(v, (numbers.Integral, np.integer)):
            raise MXNetError(f"randint: {name} must be an int, got {v!r}")
    low, high = int(low), int(high)
    if not low < high:
        raise MXNetError(f"randint: low must be less than high, got low={low}, high={high}")
    res = _output("randint", shape, dtype, ctx, out, _INT_DRAW_CODES, 4)
    info = np.iinfo(DTYPES[res._dtype_code])
    if low < info.min or high - 1 > info.max:
        raise MXNetError(f"randint: [{low}, {high}) does not fit {DTYPES[res._dtype_code].name}")
    return _draw(res, _DIST_RANDINT, low, high - low)


def exponential(scale=1, shape=None, dtype=None, ctx=None, out=None, **kwargs):
    """Exponential samples with mean ``scale`` (> 0), float32 unless ``dtype``; an NDArray
    ``scale`` gives ``shape`` samples per entry (``sample_exponential`` of 1 / scale).

    >>> mx.random.seed(0)
    >>> x = mx.nd.random.exponential(scale=2, shape=(10000,))
    >>> round(float(x.mean().asscalar()))
    2
    >>> float(x.min().asscalar()) >= 0
    True
    """
    if isinstance(scale, NDArrayBase):
        from mxgrad.ndarray.sampling import sample_exponential
        return sample_exponential(1.0 / scale, shape, dtype, out)
    beta = _number("exponential", "scale", scale)
    if not beta > 0:
        raise MXNetError(f"exponential: scale must be positive, got scale={scale}")
    u = _draw(_output("exponential", shape, dtype, ctx, None, _FLOAT_CODES, 0),
              _DIST_UNIFORM, 0.0, 1.0)
    return _into("exponential", OPS["log1p"](-u) * (-beta), out)   # u < 1: finite


def shuffle(data, **kwargs):
    """A copy of ``data`` with its first axis randomly permuted. The permutation sorts keys
    drawn on the device (one host round trip), then the rows are gathered on the device.

    >>> mx.random.seed(0)
    >>> x = mx.nd.array([[0, 1], [2, 3], [4, 5]])
    >>> y = mx.nd.random.shuffle(x)
    >>> sorted(y.asnumpy().tolist())        # the same rows, in another order
    [[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]]
    """
    if not isinstance(data, NDArrayBase):
        raise MXNetError(f"shuffle: data must be an NDArray, got {type(data).__name__}")
    n = data.shape[0] if data.shape else 1
    keys = _draw(_ndarray.empty_array(data.context, (n,), 6), _DIST_RANDINT, 0, 1 << 62)
    perm = np.argsort(keys.asnumpy(), kind="stable")
    res = data[perm]
    out = kwargs.get("out")
    if out is not None:
        out._copy_from(res)
        return out
    return res


def random_uniform(low=0, high=1, shape=None, ctx=None, dtype=None, out=None, name=None,
                   **kwargs):
    """``mx.nd.random_uniform``: ``uniform`` with MXNet's older argument order.

    >>> x = mx.nd.random_uniform(-1, 1, shape=(2, 2), ctx=mx.cpu(0))
    >>> x.shape, x.context
    ((2, 2), cpu(0))
    >>> float(x.min().asscalar()) >= -1 and float(x.max().asscalar()) < 1
    True
    """
    return uniform(low, high, shape, dtype, ctx, out)


def random_normal(loc=0, scale=1, shape=None, ctx=None, dtype=None, out=None, name=None,
                  **kwargs):
    """``mx.nd.random_normal``: ``normal`` with MXNet's older argument order.

    >>> x = mx.nd.random_normal(0, 1, shape=(3,), ctx=mx.cpu(0), dtype='float64')
    >>> x.shape, x.dtype
    ((3,), <class 'numpy.float64'>)
    """
    return normal(loc, scale, shape, dtype, ctx, out)


def random_randint(low, high, shape=None, ctx=None, dtype=None, out=None, name=None,
                   **kwargs):
    """``mx.nd.random_randint``: ``randint`` with MXNet's older argument order.

    >>> x = mx.nd.random_randint(1, 7, shape=(4,), ctx=mx.cpu(0))
    >>> x.dtype, x.shape
    (<class 'numpy.int32'>, (4,))
    """
    return randint(low, high, shape, dtype, ctx, out)


# gamma, poisson, ..., multinomial and the *_like samplers (their own module; it reads the
# generator state above, so it comes last)
from mxgrad.ndarray.random_dispatch import (  # noqa: E402,F401
    gamma, poisson, negative_binomial, generalized_negative_binomial, multinomial,
    uniform_like, normal_like, exponential_like, gamma_like, poisson_like,
    negative_binomial_like, generalized_negative_binomial_like)
