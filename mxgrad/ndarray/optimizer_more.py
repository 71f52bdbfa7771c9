"""More of MXNet's optimizer update ops, one kernel each (kernels_cl/optimizer_more.cl):
nag_mom, rmsprop, rmspropalex, signsgd, signum, ftml, ftrl, LAMB's two phases, the
multi-precision (float16 weights, float32 master copy) sgd/nag forms, and multi_lars.

Like sgd_update they run outside the tape, update their state arrays in place and only
enqueue. Every argument is checked before anything is enqueued.
"""
import numpy as np

from mxgrad._ndarray import NDArrayBase
from mxgrad.base import DTYPES, MXNetError
from mxgrad.ndarray._kwargs import reject_unknown
from mxgrad.ndarray._optimizer_launch import (FLOAT16, FLOAT32, FLOAT64, check_arrays, check_float,
                                              launch, out_array, required, writable)

__all__ = ["nag_mom_update", "rmsprop_update", "rmspropalex_update", "signsgd_update",
           "signum_update", "ftml_update", "ftrl_update", "lamb_update_phase1",
           "lamb_update_phase2", "mp_sgd_update", "mp_sgd_mom_update", "mp_nag_mom_update",
           "mp_lamb_update_phase1", "mp_lamb_update_phase2", "multi_lars"]


def _update(op, weight, grad, states, out, scalars, **required_params):
    """The plain (single-precision) update: every array of weight's shape and dtype."""
    required(op, **required_params)
    check_float(op, weight)
    check_arrays(op, [("weight", weight), ("grad", grad)] + states)
    out = out_array(op, weight, out)
    writable([out] + [a for _, a in states])
    return launch(op, weight, out, [weight, grad] + [a for _, a in states], scalars)


def nag_mom_update(weight, grad, mom, lr=None, momentum=0.0, wd=0.0, rescale_grad=1.0,
                   clip_gradient=-1.0, out=None, name=None, **kwargs):
    """Nesterov momentum: mom = momentum * mom - lr * g; weight + momentum * mom - lr * g,
    with g = clip(rescale_grad * grad) + wd * weight.

    >>> weight, mom = mx.nd.array([1.0]), mx.nd.array([0.5])
    >>> w = mx.nd.nag_mom_update(weight, mx.nd.array([2.0]), mom, lr=0.1, momentum=0.9,
    ...                          out=weight)
    >>> np.round(mom.asnumpy(), 4), np.round(weight.asnumpy(), 4)
    (array([0.25], dtype=float32), array([1.025], dtype=float32))
    """
    reject_unknown("nag_mom_update", kwargs)
    return _update("nag_mom_update", weight, grad, [("mom", mom)], out,
                   [lr, wd, rescale_grad, clip_gradient, momentum], lr=lr)


def rmsprop_update(weight, grad, n, lr=None, gamma1=0.95, epsilon=1e-8, wd=0.0,
                   rescale_grad=1.0, clip_gradient=-1.0, clip_weights=-1.0, out=None,
                   name=None, **kwargs):
    """RMSProp: n = (1 - gamma1) * g**2 + gamma1 * n; weight - lr * g / sqrt(n + epsilon),
    with g = clip(rescale_grad * grad + wd * weight); the result is clipped to
    ``clip_weights`` when that is >= 0.

    >>> weight, n = mx.nd.array([1.0]), mx.nd.array([0.5])
    >>> mx.nd.rmsprop_update(weight, mx.nd.array([2.0]), n, lr=0.1, gamma1=0.5)
    <BLANKLINE>
    [0.8666667]
    <NDArray 1 @cpu(0)>
    >>> n
    <BLANKLINE>
    [2.25]
    <NDArray 1 @cpu(0)>
    """
    reject_unknown("rmsprop_update", kwargs)
    return _update("rmsprop_update", weight, grad, [("n", n)], out,
                   [lr, wd, rescale_grad, clip_gradient, gamma1, epsilon, clip_weights], lr=lr)


def rmspropalex_update(weight, grad, n, g, delta, lr=None, gamma1=0.95, gamma2=0.9,
                       epsilon=1e-8, wd=0.0, rescale_grad=1.0, clip_gradient=-1.0,
                       clip_weights=-1.0, out=None, name=None, **kwargs):
    """Graves' RMSProp: n and g are running means of grad**2 and grad, delta = gamma2 *
    delta - lr * grad / sqrt(n - g**2 + epsilon); weight + delta.

    >>> weight = mx.nd.array([1.0])
    >>> n, g, delta = mx.nd.array([0.5]), mx.nd.array([0.2]), mx.nd.array([0.1])
    >>> w = mx.nd.rmspropalex_update(weight, mx.nd.array([2.0]), n, g, delta, lr=0.1,
    ...                              gamma1=0.5, gamma2=0.5)
    >>> np.round(w.asnumpy(), 4), np.round(delta.asnumpy(), 4)
    (array([0.8539], dtype=float32), array([-0.1461], dtype=float32))
    """
    reject_unknown("rmspropalex_update", kwargs)
    return _update("rmspropalex_update", weight, grad, [("n", n), ("g", g), ("delta", delta)],
                   out, [lr, wd, rescale_grad, clip_gradient, gamma1, gamma2, epsilon,
                         clip_weights], lr=lr)


def signsgd_update(weight, grad, lr=None, wd=0.0, rescale_grad=1.0, clip_gradient=-1.0,
                   out=None, name=None, **kwargs):
    """signSGD: (1 - lr * wd) * weight - lr * sign(clip(rescale_grad * grad)).

    >>> mx.nd.signsgd_update(mx.nd.array([1, 2]), mx.nd.array([0.5, -3]), lr=0.1)
    <BLANKLINE>
    [0.9 2.1]
    <NDArray 2 @cpu(0)>
    """
    reject_unknown("signsgd_update", kwargs)
    return _update("signsgd_update", weight, grad, [], out,
                   [lr, wd, rescale_grad, clip_gradient], lr=lr)


def signum_update(weight, grad, mom, lr=None, momentum=0.0, wd=0.0, rescale_grad=1.0,
                  clip_gradient=-1.0, wd_lh=0.0, out=None, name=None, **kwargs):
    """Signum: mom = momentum * mom - (1 - momentum) * g with g = clip(rescale_grad * grad)
    + wd * weight; (1 - lr * wd_lh) * weight + lr * sign(mom).

    >>> mom = mx.nd.array([0.5, 0.0])
    >>> mx.nd.signum_update(mx.nd.array([1, 2]), mx.nd.array([2, -1]), mom, lr=0.1,
    ...                     momentum=0.9)
    <BLANKLINE>
    [1.1 2.1]
    <NDArray 2 @cpu(0)>
    """
    reject_unknown("signum_update", kwargs)
    return _update("signum_update", weight, grad, [("mom", mom)], out,
                   [lr, wd, rescale_grad, clip_gradient, momentum, wd_lh], lr=lr)


def ftml_update(weight, grad, d, v, z, lr=None, beta1=0.6, beta2=0.999, epsilon=1e-8, t=None,
                wd=0.0, rescale_grad=1.0, clip_grad=-1.0, out=None, name=None, **kwargs):
    """FTML (Follow the Moving Leader) at step ``t`` (from 1); d, v and z updated in place.

    >>> weight = mx.nd.array([1.0])
    >>> d, v, z = mx.nd.array([0.5]), mx.nd.array([0.2]), mx.nd.array([0.1])
    >>> w = mx.nd.ftml_update(weight, mx.nd.array([2.0]), d, v, z, lr=0.1, beta1=0.5,
    ...                       beta2=0.5, t=1)
    >>> np.round(w.asnumpy(), 4), np.round(d.asnumpy(), 4)
    (array([0.8731], dtype=float32), array([10.247], dtype=float32))
    """
    reject_unknown("ftml_update", kwargs)
    required("ftml_update", lr=lr, t=t)
    t = int(t)
    beta1, beta2 = _f32(beta1), _f32(beta2)
    c1 = (1 - beta1 ** t) / _f32(lr)
    c2 = 1 / (1 - beta2 ** t)
    return _update("ftml_update", weight, grad, [("d", d), ("v", v), ("z", z)], out,
                   [wd, rescale_grad, clip_grad, beta1, beta2, epsilon, c1, c2])


def ftrl_update(weight, grad, z, n, lr=None, lamda1=0.01, beta=1.0, wd=0.0, rescale_grad=1.0,
                clip_gradient=-1.0, out=None, name=None, **kwargs):
    """FTRL-proximal; z and n updated in place, weights with abs(z) <= lamda1 become 0.

    >>> z, n = mx.nd.array([0.5, 0.0]), mx.nd.array([0.2, 0.0])
    >>> w = mx.nd.ftrl_update(mx.nd.array([1.0, 0.0]), mx.nd.array([2.0, 0.001]), z, n,
    ...                       lr=0.1)
    >>> np.round(w.asnumpy(), 4)
    array([0.4431, 0.    ], dtype=float32)
    """
    reject_unknown("ftrl_update", kwargs)
    return _update("ftrl_update", weight, grad, [("z", z), ("n", n)], out,
                   [lr, wd, rescale_grad, clip_gradient, lamda1, beta], lr=lr)


def _f32(v):
    """A hyper-parameter as MXNet holds it (a float32), for factors computed on the host."""
    return float(np.float32(v))


def _bias_factors(beta1, beta2, t, bias_correction):
    if not bias_correction:
        return 1.0, 1.0
    return 1 / (1 - _f32(beta1) ** t), 1 / (1 - _f32(beta2) ** t)


def lamb_update_phase1(weight, grad, mean, var, beta1=0.9, beta2=0.999, epsilon=1e-6, t=None,
                       bias_correction=True, wd=None, rescale_grad=1.0, clip_gradient=-1.0,
                       out=None, name=None, **kwargs):
    """LAMB's first phase: mean and var updated in place; returns the direction
    mean_hat / (sqrt(var_hat) + epsilon) + wd * weight (hats: bias-corrected at step t).

    >>> weight, mean, var = mx.nd.array([1.0]), mx.nd.zeros(1), mx.nd.zeros(1)
    >>> g = mx.nd.lamb_update_phase1(weight, mx.nd.array([2.0]), mean, var, t=1, wd=0.1)
    >>> np.round(g.asnumpy(), 4), np.round(mean.asnumpy(), 4)
    (array([1.1], dtype=float32), array([0.2], dtype=float32))
    """
    reject_unknown("lamb_update_phase1", kwargs)
    required("lamb_update_phase1", t=t, wd=wd)
    c1, c2 = _bias_factors(beta1, beta2, int(t), bias_correction)
    return _update("lamb_update_phase1", weight, grad, [("mean", mean), ("var", var)], out,
                   [wd, rescale_grad, clip_gradient, beta1, beta2, epsilon, c1, c2])


def lamb_update_phase2(weight, g, r1, r2, lr=None, lower_bound=-1.0, upper_bound=-1.0,
                       out=None, name=None, **kwargs):
    """LAMB's second phase: weight - lr * ratio * g, ratio = r1 / r2 (the norms of weight and
    g, arrays of shape (1,)), r1 first clipped to [lower_bound, upper_bound] where those are
    >= 0; the ratio is 1 when either norm is 0.

    >>> weight, g = mx.nd.array([3.0, 4.0]), mx.nd.array([1.0, 0.0])
    >>> mx.nd.lamb_update_phase2(weight, g, weight.norm(), g.norm(), lr=0.1)
    <BLANKLINE>
    [2.5 4. ]
    <NDArray 2 @cpu(0)>
    """
    reject_unknown("lamb_update_phase2", kwargs)
    op = "lamb_update_phase2"
    required(op, lr=lr)
    check_float(op, weight)
    check_arrays(op, [("weight", weight), ("g", g)])
    _check_norms(op, weight, r1, r2, weight._dtype_code)
    out = out_array(op, weight, out)
    writable([out])
    return launch(op, weight, out, [weight, g, r1, r2], [lr, lower_bound, upper_bound])


def _check_norms(op, weight, r1, r2, code):
    for name, r in (("r1", r1), ("r2", r2)):
        if not isinstance(r, NDArrayBase):
            raise MXNetError(f"{op}: {name} must be an NDArray, got {type(r).__name__}")
        if r.shape != (1,):
            raise MXNetError(f"{op}: {name} must have shape (1,), got {r.shape}")
        if r._dtype_code != code or r.context != weight.context:
            raise MXNetError(f"{op}: {name} must be {DTYPES[code].name} on "
                             f"{weight.context}, got {r.dtype.__name__} on {r.context}")


# --- multi-precision: float16 (or float32) weights, float32 master weights and states ---
def _mp_update(op, weight, grad, states, weight32, out, scalars, **required_params):
    required(op, **required_params)
    check_float(op, weight, (FLOAT16, FLOAT32, FLOAT64))
    check_arrays(op, [("weight", weight), ("grad", grad)])
    f32 = {name: FLOAT32 for name, _ in states + [("weight32", weight32)]}
    check_arrays(op, states + [("weight32", weight32)], like=weight, codes=f32)
    out = out_array(op, weight, out)
    writable([out, weight32] + [a for _, a in states])
    return launch(op, weight, out, [weight, grad] + [a for _, a in states] + [weight32],
                  scalars, scalar_code=FLOAT32)


def mp_sgd_update(weight, grad, weight32, lr=None, wd=0.0, rescale_grad=1.0,
                  clip_gradient=-1.0, lazy_update=True, out=None, name=None, **kwargs):
    """sgd_update on the float32 master copy ``weight32`` (updated in place); the result is
    it cast to weight's dtype (float16 weights keep full-precision training).

    >>> weight32 = mx.nd.array([1, 2])
    >>> weight = weight32.astype('float16')
    >>> w = mx.nd.mp_sgd_update(weight, mx.nd.array([0.5, -1], dtype='float16'), weight32,
    ...                         lr=0.1, out=weight)
    >>> weight32
    <BLANKLINE>
    [0.95 2.1 ]
    <NDArray 2 @cpu(0)>
    >>> weight.dtype
    <class 'numpy.float16'>
    """
    reject_unknown("mp_sgd_update", kwargs)
    return _mp_update("mp_sgd_update", weight, grad, [], weight32, out,
                      [lr, wd, rescale_grad, clip_gradient], lr=lr)


def mp_sgd_mom_update(weight, grad, mom, weight32, lr=None, momentum=0.0, wd=0.0,
                      rescale_grad=1.0, clip_gradient=-1.0, lazy_update=True, out=None,
                      name=None, **kwargs):
    """sgd_mom_update on the float32 master copy; mom (float32) and weight32 in place.

    >>> weight32, mom = mx.nd.array([1.0]), mx.nd.zeros(1)
    >>> weight = weight32.astype('float16')
    >>> w = mx.nd.mp_sgd_mom_update(weight, mx.nd.ones(1, dtype='float16'), mom, weight32,
    ...                             lr=0.1, momentum=0.9, out=weight)
    >>> mom, weight32
    (
    [-0.1]
    <NDArray 1 @cpu(0)>, 
    [0.9]
    <NDArray 1 @cpu(0)>)
    """
    reject_unknown("mp_sgd_mom_update", kwargs)
    return _mp_update("mp_sgd_mom_update", weight, grad, [("mom", mom)], weight32, out,
                      [lr, wd, rescale_grad, clip_gradient, momentum], lr=lr)


def mp_nag_mom_update(weight, grad, mom, weight32, lr=None, momentum=0.0, wd=0.0,
                      rescale_grad=1.0, clip_gradient=-1.0, out=None, name=None, **kwargs):
    """nag_mom_update on the float32 master copy; mom (float32) and weight32 in place.

    >>> weight32, mom = mx.nd.array([1.0]), mx.nd.array([0.5])
    >>> w = mx.nd.mp_nag_mom_update(weight32.astype('float16'),
    ...                             mx.nd.array([2.0], dtype='float16'), mom, weight32,
    ...                             lr=0.1, momentum=0.9)
    >>> np.round(weight32.asnumpy(), 4), w.dtype
    (array([1.025], dtype=float32), <class 'numpy.float16'>)
    """
    reject_unknown("mp_nag_mom_update", kwargs)
    return _mp_update("mp_nag_mom_update", weight, grad, [("mom", mom)], weight32, out,
                      [lr, wd, rescale_grad, clip_gradient, momentum], lr=lr)


def mp_lamb_update_phase1(weight, grad, mean, var, weight32, beta1=0.9, beta2=0.999,
                          epsilon=1e-6, t=None, bias_correction=True, wd=None,
                          rescale_grad=1.0, clip_gradient=-1.0, out=None, name=None,
                          **kwargs):
    """lamb_update_phase1 from the float32 master weights; the direction is float32.

    >>> weight32, mean, var = mx.nd.array([1.0]), mx.nd.zeros(1), mx.nd.zeros(1)
    >>> g = mx.nd.mp_lamb_update_phase1(weight32.astype('float16'),
    ...                                 mx.nd.array([2.0], dtype='float16'), mean, var,
    ...                                 weight32, t=1, wd=0.1)
    >>> np.round(g.asnumpy(), 4)
    array([1.1], dtype=float32)
    """
    reject_unknown("mp_lamb_update_phase1", kwargs)
    op = "mp_lamb_update_phase1"
    required(op, t=t, wd=wd)
    check_float(op, weight, (FLOAT16, FLOAT32, FLOAT64))
    check_arrays(op, [("weight", weight), ("grad", grad)])
    f32 = {"mean": FLOAT32, "var": FLOAT32, "weight32": FLOAT32}
    check_arrays(op, [("mean", mean), ("var", var), ("weight32", weight32)], like=weight,
                 codes=f32)
    out = out_array(op, weight, out, FLOAT32)
    writable([out, mean, var])
    c1, c2 = _bias_factors(beta1, beta2, int(t), bias_correction)
    return launch(op, weight, out, [weight, grad, mean, var, weight32],
                  [wd, rescale_grad, clip_gradient, beta1, beta2, epsilon, c1, c2],
                  scalar_code=FLOAT32)


def mp_lamb_update_phase2(weight, g, r1, r2, weight32, lr=None, lower_bound=-1.0,
                          upper_bound=-1.0, out=None, name=None, **kwargs):
    """lamb_update_phase2 on the float32 master copy (updated in place), cast to weight's
    dtype; g, r1 and r2 are float32.

    >>> weight32, g = mx.nd.array([3.0, 4.0]), mx.nd.array([1.0, 0.0])
    >>> w = mx.nd.mp_lamb_update_phase2(weight32.astype('float16'), g, weight32.norm(),
    ...                                 g.norm(), weight32, lr=0.1)
    >>> weight32
    <BLANKLINE>
    [2.5 4. ]
    <NDArray 2 @cpu(0)>
    """
    reject_unknown("mp_lamb_update_phase2", kwargs)
    op = "mp_lamb_update_phase2"
    required(op, lr=lr)
    check_float(op, weight, (FLOAT16, FLOAT32, FLOAT64))
    check_arrays(op, [("g", g), ("weight32", weight32)], like=weight,
                 codes={"g": FLOAT32, "weight32": FLOAT32})
    _check_norms(op, weight, r1, r2, FLOAT32)
    out = out_array(op, weight, out)
    writable([out, weight32])
    return launch(op, weight, out, [weight, g, r1, r2, weight32], [lr, lower_bound, upper_bound],
                  scalar_code=FLOAT32)


def multi_lars(lrs, weights_sum_sq, grads_sum_sq, wds, eta=None, eps=None, rescale_grad=1.0,
               out=None, name=None, **kwargs):
    """LARS: each learning rate times ``eta * wn / (gn + wd * wn + eps)``, from the squared
    norms of each layer's weight and gradient (``wn = sqrt(weights_sum_sq)``,
    ``gn = sqrt(grads_sum_sq) * rescale_grad``); unchanged where either norm is 0. All four
    are float32 vectors of one length.

    >>> mx.nd.multi_lars(mx.nd.array([0.1, 0.2]), mx.nd.array([4.0, 0.0]),
    ...                  mx.nd.array([1.0, 1.0]), mx.nd.array([0.0, 0.0]), eta=0.5, eps=0.0)
    <BLANKLINE>
    [0.1 0.2]
    <NDArray 2 @cpu(0)>
    """
    reject_unknown("multi_lars", kwargs)
    op = "multi_lars"
    required(op, eta=eta, eps=eps)
    arrays = [("lrs", lrs), ("weights_sum_sq", weights_sum_sq), ("grads_sum_sq", grads_sum_sq),
              ("wds", wds)]
    check_arrays(op, arrays, codes={name: FLOAT32 for name, _ in arrays})
    if lrs.ndim != 1:
        raise MXNetError(f"{op}: lrs must be a vector, got shape {lrs.shape}")
    out = out_array(op, lrs, out)
    writable([out])
    return launch(op, lrs, out, [lrs, weights_sum_sq, grads_sum_sq, wds],
                  [eta, eps, rescale_grad])
