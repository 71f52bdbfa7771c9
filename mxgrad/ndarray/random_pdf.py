"""MXNet's ``random_pdf_*`` ops: densities (probability masses for the discrete
distributions) of samples under arrays of parameters, or their logarithms (``is_log``).

A parameter array of shape P goes with samples of shape P + E (each parameter entry
describes the samples that extend it); the result has the samples' shape (Dirichlet: the
parameters are P + (K,), the samples P + E + (K,), the result P + E). Each density is a
composition of differentiable NDArray ops, so gradients w.r.t. the samples and the
parameters (and their gradients) come from autograd; like MXNet, the samples of the
discrete distributions (Poisson, negative binomials) get no gradient. ``lgamma`` and its
derivatives digamma, trigamma, ... are elementwise kernels (kernels_cl/special.cl), each
the derivative of the one before, so every order differentiates.
"""
import math

from mxgrad import _ndarray
from mxgrad._ndarray import NDArrayBase
from mxgrad._tape import is_recording, record_op
from mxgrad.base import MXNetError, DTYPES
from mxgrad.gradients import gradient_rule
from mxgrad.ndarray._deliver import deliver
from mxgrad.ndarray._elemwise_table import OPS
from mxgrad.ndarray._kernels import family_kernel
from mxgrad.ndarray.creation import full
from mxgrad.ndarray.nn import where
from mxgrad.ndarray.reduce import sum as _sum

__all__ = ["random_pdf_uniform", "random_pdf_normal", "random_pdf_gamma",
           "random_pdf_exponential", "random_pdf_poisson", "random_pdf_negative_binomial",
           "random_pdf_generalized_negative_binomial", "random_pdf_dirichlet"]

_FLOAT_CODES = (0, 1, 2)
_log, _exp, _log1p = OPS["log"], OPS["exp"], OPS["log1p"]
_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


# --- lgamma and the polygamma functions --------------------------------------------------------
def _special(order, x):
    """lgamma (order -1), digamma (0) or the polygamma function psi^(order) of ``x``;
    recorded, with psi^(order + 1) as the derivative."""
    res = _ndarray.empty_array(x.context, x.shape, x._dtype_code)
    if res.size:
        code = x._dtype_code
        k = family_kernel(x.context, "special", "special", code,
                          f"-D FT_IS_DOUBLE={int(code == 1)}")
        k.set_args(0, res._buffer, res._offset, x._buffer, x._offset, res.size)
        k.set_arg_int(5, order)
        x.context.state.launch_1d(k, res.size)
    if is_recording():
        record_op("_random_pdf_special", (x,), (res,), _special_rule, order,
                  replay=lambda a: _special(order, a), attrs={"order": order},
                  save_outputs=False)
    return res


@gradient_rule("_random_pdf_special")
def _special_rule(saved, inputs, outputs, out_grads):
    return (out_grads[0] * _special(saved + 1, inputs[0]),)


def _lgamma(x):
    return _special(-1, x)


# --- argument checks ---------------------------------------------------------------------------
def _check(op, sample, params, names, is_log, event=False):
    """Checked arguments; returns the parameters reshaped to broadcast against the samples
    (P + ones for the sample dims beyond P; Dirichlet: the event axis stays last)."""
    if not isinstance(sample, NDArrayBase):
        raise MXNetError(f"{op}: sample must be an NDArray, got {type(sample).__name__}")
    if sample._dtype_code not in _FLOAT_CODES:
        raise MXNetError(f"{op}: sample must be a floating-point array, got "
                         f"{DTYPES[sample._dtype_code].name}")
    if not isinstance(is_log, (bool, int)) or is_log not in (0, 1):
        raise MXNetError(f"{op}: is_log must be a bool, got {is_log!r}")
    first = None
    for name, p in zip(names, params):
        if not isinstance(p, NDArrayBase):
            raise MXNetError(f"{op}: {name} must be an NDArray, got {type(p).__name__}")
        if p._dtype_code != sample._dtype_code:
            raise MXNetError(f"{op}: {name} has dtype {DTYPES[p._dtype_code].name}, but "
                             f"sample has {DTYPES[sample._dtype_code].name}; they must agree")
        if p.context != sample.context:
            raise MXNetError(f"{op}: {name} is on {p.context}, sample on {sample.context}")
        if first is not None and p.shape != first.shape:
            raise MXNetError(f"{op}: the parameters must have the same shape, got "
                             f"{names[0]} {first.shape} and {name} {p.shape}")
        first = p if first is None else first
    P = first.shape[:-1] if event else first.shape
    s_lead = sample.shape[:-1] if event else sample.shape
    if event and (sample.ndim == 0 or first.ndim == 0 or sample.shape[-1] != first.shape[-1]):
        raise MXNetError(f"{op}: the last axis of sample {sample.shape} and of {names[0]} "
                         f"{first.shape} must be the same (the number of categories)")
    if s_lead[:len(P)] != P:
        raise MXNetError(f"{op}: the shape of sample {sample.shape} must start with the "
                         f"shape of the parameters {first.shape}")
    ones = (1,) * (len(s_lead) - len(P))
    tail = first.shape[-1:] if event else ()
    return [p.reshape(P + ones + tail) for p in params]


def _finish(op, log_pdf, is_log, out):
    return deliver(op, log_pdf if is_log else _exp(log_pdf), out)


def _outside(log_pdf, mask):
    """log_pdf where ``mask`` (not recorded) is 0, -inf where it is 1."""
    minus_inf = full(log_pdf.shape, -math.inf, log_pdf.context, DTYPES[log_pdf._dtype_code])
    return where(mask, minus_inf, log_pdf)


# --- densities ---------------------------------------------------------------------------------
def random_pdf_uniform(sample=None, low=None, high=None, is_log=False, out=None, name=None,
                       **kwargs):
    """Density of the uniform distribution on [low, high): 1 / (high - low) inside, 0
    outside.

    >>> x = mx.nd.array([[0.5, 1.5, 3.0]])
    >>> mx.nd.random_pdf_uniform(x, mx.nd.array([0]), mx.nd.array([2]))
    <BLANKLINE>
    [[0.5 0.5 0. ]]
    <NDArray 1x3 @cpu(0)>
    """
    lo, hi = _check("random_pdf_uniform", sample, (low, high), ("low", "high"), is_log)
    x = sample.detach()
    mask = (x < lo.detach()) + (x >= hi.detach()) > 0
    log_pdf = -_log(hi - lo) + sample * 0
    return _finish("random_pdf_uniform", _outside(log_pdf, mask), is_log, out)


def random_pdf_normal(sample=None, mu=None, sigma=None, is_log=False, out=None, name=None,
                      **kwargs):
    """Density of the normal distribution with means ``mu`` and standard deviations
    ``sigma``.

    >>> mx.nd.random_pdf_normal(mx.nd.array([[0, 1]]), mx.nd.array([0]), mx.nd.array([1]),
    ...                         is_log=True)
    <BLANKLINE>
    [[-0.9189385 -1.4189385]]
    <NDArray 1x2 @cpu(0)>
    """
    m, s = _check("random_pdf_normal", sample, (mu, sigma), ("mu", "sigma"), is_log)
    z = (sample - m) / s
    log_pdf = z * z * -0.5 - _log(s) - _HALF_LOG_2PI
    return _finish("random_pdf_normal", log_pdf, is_log, out)


def random_pdf_gamma(sample=None, alpha=None, beta=None, is_log=False, out=None, name=None,
                     **kwargs):
    """Density of the gamma distribution with shapes ``alpha`` and rates ``beta`` (MXNet's
    pdf takes the rate, while ``sample_gamma`` takes the scale); 0 for negative samples.

    >>> mx.nd.random_pdf_gamma(mx.nd.array([[1, 2]]), mx.nd.array([2]), mx.nd.array([1]))
    <BLANKLINE>
    [[0.36787945 0.27067056]]
    <NDArray 1x2 @cpu(0)>
    """
    a, b = _check("random_pdf_gamma", sample, (alpha, beta), ("alpha", "beta"), is_log)
    log_pdf = a * _log(b) + (a - 1) * _log(sample) - b * sample - _lgamma(a)
    return _finish("random_pdf_gamma", _outside(log_pdf, sample.detach() < 0), is_log, out)


def random_pdf_exponential(sample=None, lam=None, is_log=False, out=None, name=None,
                           **kwargs):
    """Density of the exponential distribution with rates ``lam``; 0 for negative samples.

    >>> mx.nd.random_pdf_exponential(mx.nd.array([[0, 1]]), mx.nd.array([2]))
    <BLANKLINE>
    [[2.         0.27067056]]
    <NDArray 1x2 @cpu(0)>
    """
    (lam_,) = _check("random_pdf_exponential", sample, (lam,), ("lam",), is_log)
    log_pdf = _log(lam_) - lam_ * sample
    return _finish("random_pdf_exponential", _outside(log_pdf, sample.detach() < 0), is_log,
                   out)


def _poisson_log_pmf(x, lam):
    return x * _log(lam) - lam - _lgamma(x + 1)


def random_pdf_poisson(sample=None, lam=None, is_log=False, out=None, name=None, **kwargs):
    """Probability of the samples (counts) under Poisson distributions of means ``lam``.

    >>> mx.nd.random_pdf_poisson(mx.nd.array([[0, 1, 2]]), mx.nd.array([1]))
    <BLANKLINE>
    [[0.36787945 0.36787945 0.18393973]]
    <NDArray 1x3 @cpu(0)>
    """
    (lam_,) = _check("random_pdf_poisson", sample, (lam,), ("lam",), is_log)
    return _finish("random_pdf_poisson", _poisson_log_pmf(sample.detach(), lam_), is_log, out)


def _neg_binomial_log_pmf(x, k, log_p, log_q):
    """log P(x) for k successes, log success / failure probabilities log_p, log_q."""
    return _lgamma(x + k) - _lgamma(k) - _lgamma(x + 1) + k * log_p + x * log_q


def random_pdf_negative_binomial(sample=None, k=None, p=None, is_log=False, out=None,
                                 name=None, **kwargs):
    """Probability of the samples (failures before the k-th success) under negative
    binomial distributions with ``k`` successes of probability ``p``.

    >>> mx.nd.random_pdf_negative_binomial(mx.nd.array([[0, 1]]), mx.nd.array([2]),
    ...                                    mx.nd.array([0.5]))
    <BLANKLINE>
    [[0.25 0.25]]
    <NDArray 1x2 @cpu(0)>
    """
    k_, p_ = _check("random_pdf_negative_binomial", sample, (k, p), ("k", "p"), is_log)
    log_pmf = _neg_binomial_log_pmf(sample.detach(), k_, _log(p_), _log1p(-p_))
    return _finish("random_pdf_negative_binomial", log_pmf, is_log, out)


def random_pdf_generalized_negative_binomial(sample=None, mu=None, alpha=None, is_log=False,
                                             out=None, name=None, **kwargs):
    """Probability of the samples under generalized negative binomial distributions of mean
    ``mu`` and dispersion ``alpha`` (k = 1 / alpha, p = 1 / (1 + alpha mu)); alpha = 0 is
    the Poisson distribution of mean mu.

    >>> mx.nd.random_pdf_generalized_negative_binomial(mx.nd.array([[0, 1]]),
    ...     mx.nd.array([1]), mx.nd.array([1]))
    <BLANKLINE>
    [[0.5  0.25]]
    <NDArray 1x2 @cpu(0)>
    """
    op = "random_pdf_generalized_negative_binomial"
    m, a = _check(op, sample, (mu, alpha), ("mu", "alpha"), is_log)
    x = sample.detach()
    poisson = a.detach() == 0
    safe_a = where(poisson, a * 0 + 1, a)       # keeps the unused branch (and its gradient) finite
    k = 1 / safe_a
    am = safe_a * m
    log_pmf = _neg_binomial_log_pmf(x, k, -_log1p(am), _log(am) - _log1p(am))
    log_pmf = where(poisson + x * 0 > 0, _poisson_log_pmf(x, m), log_pmf)
    return _finish(op, log_pmf, is_log, out)


def random_pdf_dirichlet(sample=None, alpha=None, is_log=False, out=None, name=None,
                         **kwargs):
    """Density of the Dirichlet distributions of concentrations ``alpha`` (P + (K,)) at
    the samples (P + E + (K,)); the result is shaped P + E ((1,) when that is empty).

    >>> mx.nd.random_pdf_dirichlet(mx.nd.array([[0.2, 0.8]]), mx.nd.array([1, 2]))
    <BLANKLINE>
    [1.6]
    <NDArray 1 @cpu(0)>
    """
    (a,) = _check("random_pdf_dirichlet", sample, (alpha,), ("alpha",), is_log, event=True)
    log_pdf = (_sum((a - 1) * _log(sample), axis=-1) + _lgamma(_sum(a, axis=-1))
               - _sum(_lgamma(a), axis=-1))
    if log_pdf.ndim == 0:
        log_pdf = log_pdf.reshape((1,))
    return _finish("random_pdf_dirichlet", log_pdf, is_log, out)
