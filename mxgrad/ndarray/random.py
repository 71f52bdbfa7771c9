"""``mx.nd.random``: uniform, normal, randn, randint, exponential, shuffle, on the device.

Numbers come from the counter-based Philox4x32-10 generator of each context
(mxgrad/ndarray/_generator.py): element i of a draw depends only on (seed, stream, i), so
``mx.random.seed`` reproduces the same numbers on any device. The streams differ from
MXNet's own generator: same seed, other numbers. The other families (gamma, poisson, ...,
multinomial) live in mxgrad/ndarray/sampling.py and random_dispatch.py.
"""
import numbers

import numpy as np

from mxgrad import _ndarray
from mxgrad._ndarray import NDArrayBase
from mxgrad.base import MXNetError, DTYPES
from mxgrad.context import current_context  # noqa: F401  (MXNet's module exports it)
from mxgrad.ndarray._elemwise_table import OPS
from mxgrad.ndarray._generator import (  # noqa: F401  (generators, seed: mx.nd.random's)
    generators, seed, _draw, _output, _number, _into, _check_pair, draw_uniform, draw_normal,
    _FLOAT_CODES, _INT_DRAW_CODES, _DIST_RANDINT, _DIST_UNIFORM)
from mxgrad.ndarray.random_dispatch import (  # noqa: F401
    gamma, poisson, negative_binomial, generalized_negative_binomial, multinomial,
    uniform_like, normal_like, exponential_like, gamma_like, poisson_like,
    negative_binomial_like, generalized_negative_binomial_like)
from mxgrad.ndarray.sampling import sample_uniform, sample_normal, sample_exponential
from mxgrad.ndarray.ndarray import NDArray  # noqa: F401  (MXNet's module exports it)

# the types MXNet's samplers read as one number rather than an array of parameters
numeric_types = (float, int, np.generic)

__all__ = ["uniform", "normal", "randn", "randint", "exponential", "shuffle",
           "random_uniform", "random_normal", "random_randint", "gamma", "poisson",
           "negative_binomial", "generalized_negative_binomial", "multinomial",
           "uniform_like", "normal_like", "exponential_like", "gamma_like", "poisson_like",
           "negative_binomial_like", "generalized_negative_binomial_like"]


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
        return sample_uniform(low, high, shape, dtype, out)
    return draw_uniform("uniform", low, high, shape, dtype, ctx, out)


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
        return sample_normal(loc, scale, shape, dtype, out)
    return draw_normal("normal", loc, scale, shape, dtype, ctx, out)


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

