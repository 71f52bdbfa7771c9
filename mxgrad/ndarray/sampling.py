"""MXNet's samplers beyond uniform and normal: gamma, exponential, Poisson, the negative
binomials and multinomial, as ``random_*`` (number parameters), ``sample_*`` (arrays of
parameters: ``shape`` draws per parameter, shaped parameter shape + shape) and the
``mx.nd.random`` functions that pick one or the other.

The draws run on the device (kernels_cl/sampling.cl) from the counter-based generator of
mxgrad.ndarray._generator: element i of a draw depends only on (seed, stream, i), so
``mx.random.seed`` reproduces them on every device. Gamma uses Marsaglia and Tsang's
rejection method (alpha < 1 boosted through alpha + 1), Poisson counts uniforms for small
means and uses a transformed rejection for large ones, and the negative binomials are
gamma-Poisson mixtures. Number parameters are checked before anything is enqueued; an
invalid entry of a parameter array gives NaN where it is used.
"""
import numbers

import numpy as np

from mxgrad import _ndarray
from mxgrad._ndarray import NDArrayBase
from mxgrad.base import MXNetError, DTYPES, dtype_code
from mxgrad.ndarray import _generator as _gen
from mxgrad.ndarray._deliver import check_out, deliver
from mxgrad.ndarray._elemwise_table import OPS
from mxgrad.ndarray._kernels import family_kernel
from mxgrad.ndarray.gather import take_flat

__all__ = ["uniform", "normal", "random_exponential", "random_gamma", "random_poisson",
           "random_negative_binomial", "random_generalized_negative_binomial",
           "sample_uniform", "sample_normal", "sample_gamma", "sample_exponential",
           "sample_poisson", "sample_negative_binomial",
           "sample_generalized_negative_binomial", "sample_multinomial"]

_UNIFORM, _NORMAL, _GAMMA, _EXPONENTIAL, _POISSON, _NEG_BINOMIAL, _GEN_NEG_BINOMIAL = range(7)
_FLOAT_CODES = (0, 1, 2)
_MULTINOMIAL_CODES = (0, 1, 2, 3, 4)     # float32, float64, float16, uint8, int32
_INT64 = 6


# --- launching ---------------------------------------------------------------------------------
def _kernel(ctx, name, code, pt_code):
    pt = "double" if pt_code == 1 else "float"
    return family_kernel(ctx, "sampling", name, code,
                         f"-D PT={pt} -D PT_IS_DOUBLE={int(pt_code == 1)}")


def _launch(res, dist, pa, pb, per):
    """Fill ``res`` with draws of ``dist``: element i from parameters (pa, pb)[i // per]."""
    if res.size == 0:
        return res
    ctx = res.context
    k = _kernel(ctx, "sample", res._dtype_code, pa._dtype_code)
    seed_value, stream = _gen.generators.next_stream(ctx)
    k.set_args(0, res._buffer, res._offset, res.size, per, pa._buffer, pa._offset,
               pb._buffer, pb._offset, _gen._as_signed64(seed_value),
               _gen._as_signed64(stream))
    k.set_arg_int(10, dist)
    ctx.state.launch_1d(k, res.size)
    return res


def _param_code(code):
    return 1 if code == 1 else 0           # float16 draws compute in float32


def _float_dtype(op, dtype, allowed=_FLOAT_CODES, default=0):
    if dtype is None:
        return default
    try:
        code = dtype_code(dtype)
    except (TypeError, ValueError, KeyError, MXNetError):
        code = None
    if code not in allowed:
        raise MXNetError(f"{op}: dtype {dtype!r} is not supported; valid values are "
                         f"{', '.join(sorted(DTYPES[c].name for c in allowed))}")
    return code


def _number(op, name, v, low, strict):
    """A number parameter, checked: > low (strict) or >= low."""
    if isinstance(v, bool) or not isinstance(v, (numbers.Real, np.number)):
        raise MXNetError(f"{op}: {name} must be a number, got {v!r}")
    v = float(v)
    if low is not None and not (v > low if strict else v >= low):
        raise MXNetError(f"{op}: {name} must be {'positive' if strict else 'non-negative'}"
                         f"{'' if low == 0 else f' (> {low})'}, got {name}={v}")
    return v


def _scalar_array(ctx, value, pt_code):
    a = _ndarray.empty_array(ctx, (1,), pt_code)
    a._fill(value)
    return a


def _draw_numbers(op, dist, values, shape, ctx, dtype, out):
    """``random_*``: ``shape`` draws of ``dist`` with number parameters ``values``."""
    code = _float_dtype(op, dtype)
    res = _gen._output(op, shape, DTYPES[code] if dtype is not None else None, ctx, out,
                          _FLOAT_CODES, code)
    pt = _param_code(res._dtype_code)
    params = [_scalar_array(res.context, v, pt) for v in values]
    if len(params) == 1:
        params.append(params[0])
    return _launch(res, dist, params[0], params[1], max(res.size, 1))


def _check_params(op, names, arrays):
    for name, a in zip(names, arrays):
        if not isinstance(a, NDArrayBase):
            raise MXNetError(f"{op}: {name} must be an NDArray, got {type(a).__name__}")
    first = arrays[0]
    for name, a in zip(names[1:], arrays[1:]):
        if a.shape != first.shape:
            raise MXNetError(f"{op}: the parameters must have the same shape, got "
                             f"{names[0]} {first.shape} and {name} {a.shape}")
        if a.context != first.context:
            raise MXNetError(f"{op}: the parameters must be on one context, got "
                             f"{names[0]} on {first.context} and {name} on {a.context}")


def _draw_arrays(op, dist, names, arrays, shape, dtype, out):
    """``sample_*``: ``shape`` draws per entry of the parameter arrays, shaped
    param.shape + shape, float32 unless ``dtype``."""
    _check_params(op, names, arrays)
    extra = () if shape is None else _gen._shape_of(op, shape)
    code = _float_dtype(op, dtype)
    first = arrays[0]
    out_shape = first.shape + extra
    if out is not None:
        check_out(op, out, shape=out_shape, code=code, ctx=first.context)
    pt = _param_code(code)
    params = [a if a._dtype_code == pt else a.astype(DTYPES[pt]) for a in arrays]
    if len(params) == 1:
        params.append(params[0])
    per = 1
    for d in extra:
        per *= d
    res = _ndarray.empty_array(first.context, out_shape, code)
    _launch(res, dist, params[0], params[1], max(per, 1))
    return deliver(op, res, out)


# --- mx.nd.uniform / mx.nd.normal --------------------------------------------------------------
def uniform(low=0, high=1, shape=None, ctx=None, dtype=None, out=None, name=None, **kwargs):
    """``mx.nd.uniform``: MXNet's older name of ``random_uniform`` (samples on
    [low, high)).

    >>> x = mx.nd.uniform(0, 2, shape=(2, 3))
    >>> x.shape, x.dtype
    ((2, 3), <class 'numpy.float32'>)
    """
    return _gen.draw_uniform("uniform", low, high, shape, dtype, ctx, out)


def normal(loc=0, scale=1, shape=None, ctx=None, dtype=None, out=None, name=None, **kwargs):
    """``mx.nd.normal``: MXNet's older name of ``random_normal``.

    >>> mx.nd.normal(0, 1, shape=(4,), dtype='float64').dtype
    <class 'numpy.float64'>
    """
    return _gen.draw_normal("normal", loc, scale, shape, dtype, ctx, out)


# --- random_*: number parameters ---------------------------------------------------------------
def random_exponential(lam=1, shape=None, ctx=None, dtype=None, out=None, name=None,
                       **kwargs):
    """Exponential samples with rate ``lam`` > 0 (mean 1 / lam), float32 unless ``dtype``.

    >>> mx.random.seed(0)
    >>> x = mx.nd.random_exponential(lam=4, shape=(20000,))
    >>> round(float(x.mean().asscalar()), 2)
    0.25
    """
    lam = _number("random_exponential", "lam", lam, 0, True)
    return _draw_numbers("random_exponential", _EXPONENTIAL, (lam,), shape, ctx, dtype, out)


def random_gamma(alpha=1, beta=1, shape=None, ctx=None, dtype=None, out=None, name=None,
                 **kwargs):
    """Gamma samples with shape ``alpha`` > 0 and scale ``beta`` > 0 (mean alpha * beta).

    >>> mx.random.seed(0)
    >>> x = mx.nd.random_gamma(alpha=2, beta=3, shape=(20000,))
    >>> round(float(x.mean().asscalar()))
    6
    """
    alpha = _number("random_gamma", "alpha", alpha, 0, True)
    beta = _number("random_gamma", "beta", beta, 0, True)
    return _draw_numbers("random_gamma", _GAMMA, (alpha, beta), shape, ctx, dtype, out)


def random_poisson(lam=1, shape=None, ctx=None, dtype=None, out=None, name=None, **kwargs):
    """Poisson samples with mean ``lam`` >= 0, as floats (float32 unless ``dtype``).

    >>> mx.random.seed(0)
    >>> x = mx.nd.random_poisson(lam=3, shape=(20000,))
    >>> round(float(x.mean().asscalar())), bool((x == x.round()).min().asscalar())
    (3, True)
    """
    lam = _number("random_poisson", "lam", lam, 0, False)
    return _draw_numbers("random_poisson", _POISSON, (lam,), shape, ctx, dtype, out)


def random_negative_binomial(k=1, p=1, shape=None, ctx=None, dtype=None, out=None,
                             name=None, **kwargs):
    """Negative binomial samples: the failures before the ``k``-th success (k >= 0) of
    trials that succeed with probability ``p`` in (0, 1]; mean k (1 - p) / p.

    >>> mx.random.seed(0)
    >>> x = mx.nd.random_negative_binomial(k=3, p=0.5, shape=(20000,))
    >>> round(float(x.mean().asscalar()))
    3
    """
    k = _number("random_negative_binomial", "k", k, 0, False)
    p = _check_probability("random_negative_binomial", p)
    return _draw_numbers("random_negative_binomial", _NEG_BINOMIAL, (k, p), shape, ctx,
                         dtype, out)


def _check_probability(op, p):
    p = _number(op, "p", p, None, False)
    if not 0 < p <= 1:
        raise MXNetError(f"{op}: p must be in (0, 1], got p={p}")
    return p


def random_generalized_negative_binomial(mu=1, alpha=1, shape=None, ctx=None, dtype=None,
                                         out=None, name=None, **kwargs):
    """Generalized negative binomial samples with mean ``mu`` >= 0 and dispersion
    ``alpha`` >= 0 (variance mu + alpha mu^2; alpha = 0 is Poisson).

    >>> mx.random.seed(0)
    >>> x = mx.nd.random_generalized_negative_binomial(mu=2, alpha=0.5, shape=(20000,))
    >>> round(float(x.mean().asscalar()))
    2
    """
    op = "random_generalized_negative_binomial"
    mu = _number(op, "mu", mu, 0, False)
    alpha = _number(op, "alpha", alpha, 0, False)
    return _draw_numbers(op, _GEN_NEG_BINOMIAL, (mu, alpha), shape, ctx, dtype, out)


# --- sample_*: arrays of parameters ------------------------------------------------------------
def sample_uniform(low=None, high=None, shape=None, dtype=None, out=None, name=None,
                   **kwargs):
    """``shape`` uniform samples on [low[i], high[i]) for each entry i of the arrays ``low``
    and ``high`` (one shape): the result is shaped low.shape + shape, float32 unless
    ``dtype``.

    >>> x = mx.nd.sample_uniform(mx.nd.array([0, 10]), mx.nd.array([1, 11]), shape=3)
    >>> x.shape, bool((x[1] >= 10).min().asscalar())
    ((2, 3), True)
    """
    return _draw_arrays("sample_uniform", _UNIFORM, ("low", "high"), (low, high), shape,
                        dtype, out)


def sample_normal(mu=None, sigma=None, shape=None, dtype=None, out=None, name=None,
                  **kwargs):
    """``shape`` normal samples per entry of the arrays ``mu`` and ``sigma`` (standard
    deviations), shaped mu.shape + shape.

    >>> mx.nd.sample_normal(mx.nd.array([0, 5]), mx.nd.array([1, 2]), shape=(2, 2)).shape
    (2, 2, 2)
    """
    return _draw_arrays("sample_normal", _NORMAL, ("mu", "sigma"), (mu, sigma), shape,
                        dtype, out)


def sample_gamma(alpha=None, beta=None, shape=None, dtype=None, out=None, name=None,
                 **kwargs):
    """``shape`` gamma samples per entry of the arrays ``alpha`` (shape) and ``beta``
    (scale), shaped alpha.shape + shape.

    >>> mx.random.seed(0)
    >>> x = mx.nd.sample_gamma(mx.nd.array([1, 4]), mx.nd.array([1, 0.5]), shape=10000)
    >>> [round(float(m)) for m in x.mean(axis=1).asnumpy()]
    [1, 2]
    """
    return _draw_arrays("sample_gamma", _GAMMA, ("alpha", "beta"), (alpha, beta), shape,
                        dtype, out)


def sample_exponential(lam=None, shape=None, dtype=None, out=None, name=None, **kwargs):
    """``shape`` exponential samples per entry of the array of rates ``lam``.

    >>> mx.nd.sample_exponential(mx.nd.array([1, 2, 3]), shape=4).shape
    (3, 4)
    """
    return _draw_arrays("sample_exponential", _EXPONENTIAL, ("lam",), (lam,), shape, dtype,
                        out)


def sample_poisson(lam=None, shape=None, dtype=None, out=None, name=None, **kwargs):
    """``shape`` Poisson samples per entry of the array of means ``lam``.

    >>> mx.random.seed(0)
    >>> x = mx.nd.sample_poisson(mx.nd.array([0, 30]), shape=5000)
    >>> [round(float(m)) for m in x.mean(axis=1).asnumpy()]
    [0, 30]
    """
    return _draw_arrays("sample_poisson", _POISSON, ("lam",), (lam,), shape, dtype, out)


def sample_negative_binomial(k=None, p=None, shape=None, dtype=None, out=None, name=None,
                             **kwargs):
    """``shape`` negative binomial samples per entry of the arrays ``k`` and ``p``.

    >>> mx.nd.sample_negative_binomial(mx.nd.array([1, 2]), mx.nd.array([0.5, 0.9])).shape
    (2,)
    """
    return _draw_arrays("sample_negative_binomial", _NEG_BINOMIAL, ("k", "p"), (k, p),
                        shape, dtype, out)


def sample_generalized_negative_binomial(mu=None, alpha=None, shape=None, dtype=None,
                                         out=None, name=None, **kwargs):
    """``shape`` generalized negative binomial samples per entry of the arrays ``mu`` and
    ``alpha``.

    >>> mx.nd.sample_generalized_negative_binomial(mx.nd.array([1, 2]),
    ...                                            mx.nd.array([0, 0.5]), shape=3).shape
    (2, 3)
    """
    return _draw_arrays("sample_generalized_negative_binomial", _GEN_NEG_BINOMIAL,
                        ("mu", "alpha"), (mu, alpha), shape, dtype, out)


def sample_multinomial(data=None, shape=None, get_prob=False, dtype="int32", out=None,
                       name=None, **kwargs):
    """Category draws from the probabilities along the last axis of ``data``: ``shape``
    draws per distribution, shaped data.shape[:-1] + shape, in ``dtype`` (int32). With
    ``get_prob=True`` also the log-probabilities of the drawn categories, ``log(data)`` at
    the draws, through which the gradient flows back to ``data``.

    >>> mx.random.seed(0)
    >>> p = mx.nd.array([[0, 1, 0], [0.5, 0, 0.5]])
    >>> s, logp = mx.nd.sample_multinomial(p, shape=2, get_prob=True)
    >>> s.shape, s.dtype, s[0].asnumpy().tolist()
    ((2, 2), <class 'numpy.int32'>, [1, 1])
    >>> logp[0].asnumpy().tolist()
    [0.0, 0.0]
    """
    op = "sample_multinomial"
    if not isinstance(data, NDArrayBase):
        raise MXNetError(f"{op}: data must be an NDArray, got {type(data).__name__}")
    if data._dtype_code not in _FLOAT_CODES:
        raise MXNetError(f"{op}: data must hold floating-point probabilities, got "
                         f"{DTYPES[data._dtype_code].name}")
    if data.ndim == 0 or data.shape[-1] == 0:
        raise MXNetError(f"{op}: data must have a non-empty last axis of probabilities, got "
                         f"shape {data.shape}")
    code = _float_dtype(op, "int32" if dtype is None else dtype, _MULTINOMIAL_CODES)
    extra = () if shape is None else _gen._shape_of(op, shape)
    if not isinstance(get_prob, (bool, numbers.Integral)):
        raise MXNetError(f"{op}: get_prob must be a bool, got {get_prob!r}")
    K = data.shape[-1]
    out_shape = (data.shape[:-1] + extra) or (1,)      # MXNet: never 0-d
    if get_prob and out is not None:
        if not isinstance(out, (list, tuple)) or len(out) != 2:
            raise MXNetError(f"{op}: out must be a list of two NDArrays with get_prob=True")
        check_out(op, out[0], shape=out_shape, code=code, ctx=data.context)
        check_out(op, out[1], shape=out_shape, code=data._dtype_code, ctx=data.context)
    elif out is not None:
        check_out(op, out, shape=out_shape, code=code, ctx=data.context)
    per = 1
    for d in extra:
        per *= d
    ctx = data.context
    res = _ndarray.empty_array(ctx, out_shape, code)
    flat = _ndarray.empty_array(ctx, (res.size,), _INT64)
    probs = data if data._dtype_code != 2 else data.astype("float32")
    if res.size:
        k = _kernel(ctx, "multinomial", code, probs._dtype_code)
        seed_value, stream = _gen.generators.next_stream(ctx)
        k.set_args(0, res._buffer, res._offset, flat._buffer, res.size, max(per, 1),
                   probs._buffer, probs._offset, K, _gen._as_signed64(seed_value),
                   _gen._as_signed64(stream))
        ctx.state.launch_1d(k, res.size)
    if not get_prob:
        return deliver(op, res, out)
    logp = OPS["log"](take_flat(data.reshape((-1,)), flat, 0, False)).reshape(out_shape)
    if out is not None:
        return [deliver(op, res, out[0]), deliver(op, logp, out[1])]
    return [res, logp]
