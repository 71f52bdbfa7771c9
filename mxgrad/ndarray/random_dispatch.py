"""``mx.nd.random``'s gamma, poisson, negative binomials, multinomial and ``*_like``
samplers, as MXNet 1.9.1 has them: number parameters draw ``shape`` samples through the
``random_*`` ops, NDArray parameters draw ``shape`` samples per entry through ``sample_*``
(result shaped parameter shape + shape). The parameters must be all numbers or all
NDArrays. These names live in ``mx.nd.random`` (and ``mx.random``), not in ``mx.nd``,
where ``gamma`` is the gamma function.
"""
from mxgrad._ndarray import NDArrayBase
from mxgrad.base import MXNetError, DTYPES
from mxgrad.ndarray import sampling as _s
from mxgrad.ndarray._generator import draw_normal, draw_uniform

__all__ = ["gamma", "poisson", "negative_binomial", "generalized_negative_binomial",
           "multinomial", "uniform_like", "normal_like", "exponential_like", "gamma_like",
           "poisson_like", "negative_binomial_like", "generalized_negative_binomial_like"]


def _pick(op, params, by_numbers, by_arrays, shape, dtype, ctx, out):
    arrays = [isinstance(p, NDArrayBase) for p in params]
    if any(arrays):
        if not all(arrays):
            raise MXNetError(f"{op}: the distribution parameters must be all numbers or all "
                             f"NDArrays, got {', '.join(type(p).__name__ for p in params)}")
        return by_arrays(*params, shape=shape, dtype=dtype, out=out)
    return by_numbers(*params, shape=shape, ctx=ctx, dtype=dtype, out=out)


def gamma(alpha=1, beta=1, shape=None, dtype=None, ctx=None, out=None, **kwargs):
    """Gamma samples with shape ``alpha`` and scale ``beta`` (numbers, or NDArrays for
    ``shape`` samples per entry).

    >>> mx.random.seed(0)
    >>> mx.nd.random.gamma(2, 3, shape=(2, 2)).shape
    (2, 2)
    >>> mx.nd.random.gamma(mx.nd.array([1, 2]), mx.nd.array([1, 1]), shape=3).shape
    (2, 3)
    """
    return _pick("gamma", (alpha, beta), _s.random_gamma, _s.sample_gamma, shape, dtype,
                 ctx, out)


def poisson(lam=1, shape=None, dtype=None, ctx=None, out=None, **kwargs):
    """Poisson samples with mean ``lam`` (a number, or an NDArray for ``shape`` samples per
    entry), as floats.

    >>> mx.nd.random.poisson(mx.nd.array([1, 2]), shape=(3,)).shape
    (2, 3)
    """
    return _pick("poisson", (lam,), _s.random_poisson, _s.sample_poisson, shape, dtype, ctx,
                 out)


def negative_binomial(k=1, p=1, shape=None, dtype=None, ctx=None, out=None, **kwargs):
    """Negative binomial samples: failures before the ``k``-th success, success
    probability ``p``.

    >>> mx.nd.random.negative_binomial(2, 0.5, shape=(4,)).shape
    (4,)
    """
    return _pick("negative_binomial", (k, p), _s.random_negative_binomial,
                 _s.sample_negative_binomial, shape, dtype, ctx, out)


def generalized_negative_binomial(mu=1, alpha=1, shape=None, dtype=None, ctx=None, out=None,
                                  **kwargs):
    """Generalized negative binomial samples with mean ``mu`` and dispersion ``alpha``.

    >>> mx.nd.random.generalized_negative_binomial(2, 0.3, shape=(2, 2)).dtype
    <class 'numpy.float32'>
    """
    return _pick("generalized_negative_binomial", (mu, alpha),
                 _s.random_generalized_negative_binomial,
                 _s.sample_generalized_negative_binomial, shape, dtype, ctx, out)


def multinomial(data, shape=None, get_prob=False, out=None, dtype="int32", **kwargs):
    """Category draws from the probabilities along the last axis of ``data`` (see
    ``sample_multinomial``); with ``get_prob=True``, [draws, their log-probabilities].

    >>> mx.random.seed(0)
    >>> mx.nd.random.multinomial(mx.nd.array([[0, 0, 1], [1, 0, 0]]), shape=2)
    <BLANKLINE>
    [[2 2]
     [0 0]]
    <NDArray 2x2 @cpu(0)>
    """
    if not isinstance(data, NDArrayBase):
        raise MXNetError(f"multinomial: data must be an NDArray, got {type(data).__name__}")
    return _s.sample_multinomial(data, shape, get_prob, dtype, out)


def _like(op, data):
    if not isinstance(data, NDArrayBase):
        raise MXNetError(f"{op}: data must be an NDArray, got {type(data).__name__}")
    if data._dtype_code not in _s._FLOAT_CODES:
        raise MXNetError(f"{op}: data must be a floating-point array, got "
                         f"{DTYPES[data._dtype_code].name}")
    return dict(shape=data.shape or (1,), ctx=data.context, dtype=DTYPES[data._dtype_code])


def _from_like(fn, op, data, params, out):
    kwargs = _like(op, data)
    if out is not None:
        _s.check_out(op, out, shape=data.shape, code=data._dtype_code, ctx=data.context)
    res = fn(*params, **kwargs)
    return _s.deliver(op, res.reshape(data.shape), out)


def uniform_like(data=None, low=0, high=1, out=None, name=None, **kwargs):
    """Uniform samples on [low, high) shaped like ``data`` (its dtype and context).

    >>> mx.nd.random.uniform_like(mx.nd.zeros((2, 3), dtype='float64')).dtype
    <class 'numpy.float64'>
    """
    return _from_like(lambda lo, hi, **kw: draw_uniform("uniform_like", lo, hi, out=None, **kw),
                      "uniform_like", data, (low, high), out)


def normal_like(data=None, loc=0, scale=1, out=None, name=None, **kwargs):
    """Normal samples shaped like ``data``.

    >>> mx.nd.random.normal_like(mx.nd.zeros((2, 2))).shape
    (2, 2)
    """
    return _from_like(lambda m, s, **kw: draw_normal("normal_like", m, s, out=None, **kw),
                      "normal_like", data, (loc, scale), out)


def exponential_like(data=None, lam=1, out=None, name=None, **kwargs):
    """Exponential samples with rate ``lam`` shaped like ``data``.

    >>> mx.nd.random.exponential_like(mx.nd.zeros((3,)), lam=2).shape
    (3,)
    """
    return _from_like(_s.random_exponential, "exponential_like", data, (lam,), out)


def gamma_like(data=None, alpha=1, beta=1, out=None, name=None, **kwargs):
    """Gamma samples shaped like ``data``.

    >>> mx.nd.random.gamma_like(mx.nd.zeros((2, 2)), alpha=2, beta=3).shape
    (2, 2)
    """
    return _from_like(_s.random_gamma, "gamma_like", data, (alpha, beta), out)


def poisson_like(data=None, lam=1, out=None, name=None, **kwargs):
    """Poisson samples shaped like ``data``.

    >>> mx.nd.random.poisson_like(mx.nd.zeros((4,)), lam=5).shape
    (4,)
    """
    return _from_like(_s.random_poisson, "poisson_like", data, (lam,), out)


def negative_binomial_like(data=None, k=1, p=1, out=None, name=None, **kwargs):
    """Negative binomial samples shaped like ``data``.

    >>> mx.nd.random.negative_binomial_like(mx.nd.zeros((2,)), k=3, p=0.4).shape
    (2,)
    """
    return _from_like(_s.random_negative_binomial, "negative_binomial_like", data, (k, p),
                      out)


def generalized_negative_binomial_like(data=None, mu=1, alpha=1, out=None, name=None,
                                       **kwargs):
    """Generalized negative binomial samples shaped like ``data``.

    >>> mx.nd.random.generalized_negative_binomial_like(mx.nd.zeros((2,)), mu=2).shape
    (2,)
    """
    return _from_like(_s.random_generalized_negative_binomial,
                      "generalized_negative_binomial_like", data, (mu, alpha), out)
