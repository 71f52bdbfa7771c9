"""MXNet 1.9.1's optimizers with per-element adaptive steps: Adam, AdaGrad, RMSProp,
AdaDelta, Adamax, Nadam, Ftrl, FTML, LAMB, and the ``Test`` optimizer. Those MXNet runs as
one fused op (adam_update, rmsprop_update, ftrl_update, ftml_update, the lamb phases) do so
here; the others are NDArray arithmetic in MXNet's order of operations, so the numbers match.
Lists of parameters (from the Updater) go through multi-tensor kernels with the same numbers
(mxgrad.optimizer._multi)."""
import numpy as np

from mxgrad import ndarray as nd
from mxgrad.ndarray import optimizer_multi_adaptive as multi
from mxgrad.optimizer import _multi
from mxgrad.optimizer.optimizer import Optimizer, aggregation_size, check_arrays, register

__all__ = ["Adam", "AdaGrad", "RMSProp", "AdaDelta", "Adamax", "Nadam", "Ftrl", "FTML",
           "LAMB", "Test"]


def _zeros_like(weight, dtype=None):
    return nd.zeros(weight.shape, weight.context, dtype=dtype)


def _scaled_clipped(opt, grad):
    """rescale_grad * grad, clipped when clip_gradient is not None (these optimizers clip
    even at 0, as MXNet's do)."""
    grad = grad * opt.rescale_grad
    if opt.clip_gradient is not None:
        grad = nd.clip(grad, -opt.clip_gradient, opt.clip_gradient)
    return grad


def _arithmetic_many(opt, kind, indices, weights, grads, states, step, inner, shared):
    """update_many for the updates written in NDArray arithmetic; a negative clip_gradient
    (which nd.clip refuses) takes the one-parameter path, to raise as it does."""
    if opt.clip_gradient is not None and opt.clip_gradient < 0:
        for args in zip(indices, weights, grads, states):
            opt.update_multi_precision(*args)
        return
    _multi.update_many(opt, kind, indices, weights, grads, states, step, inner, shared)


@register
class Adam(Optimizer):
    """Adam: ``adam_update`` with the bias corrections folded into the learning rate,
    ``lr * sqrt(1 - beta2**t) / (1 - beta1**t)``.

    >>> import mxgrad as mx
    >>> opt = mx.optimizer.Adam(learning_rate=0.1)
    >>> w = mx.nd.array([1.0, 1.0])
    >>> opt.update(0, w, mx.nd.array([3.0, -0.5]), opt.create_state(0, w))
    >>> w.asnumpy().round(4)
    array([0.9, 1.1], dtype=float32)
    """

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8,
                 lazy_update=True, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.lazy_update = lazy_update

    def create_state(self, index, weight):
        return (_zeros_like(weight, weight.dtype), _zeros_like(weight, weight.dtype))

    def _step(self, index):
        self._update_count(index)
        lr, wd = self._get_lr(index), self._get_wd(index)
        t = self._index_update_count[index]
        lr *= (1. - self.beta2 ** t) ** 0.5 / (1. - self.beta1 ** t)
        return lr, wd

    def update(self, index, weight, grad, state):
        check_arrays(weight, grad)
        lr, wd = self._step(index)
        mean, var = state
        nd.adam_update(weight, grad, mean, var, out=weight, lazy_update=self.lazy_update,
                       lr=lr, wd=wd, beta1=self.beta1, beta2=self.beta2,
                       epsilon=self.epsilon, rescale_grad=self.rescale_grad,
                       **self._clip_kwargs())

    def _update_many(self, indices, weights, grads, states):
        _multi.update_many(self, "adam", indices, weights, grads, states, self._step, tuple,
                           (self.rescale_grad, _multi.clip_for_kernel(self), self.beta1,
                            self.beta2, self.epsilon))


@register
class AdaGrad(Optimizer):
    """AdaGrad: the step of each element shrinks with its accumulated squared gradients,
    ``history += g**2; weight -= lr * (g / sqrt(history + eps) + wd * weight)``.

    >>> import mxgrad as mx
    >>> opt = mx.optimizer.AdaGrad(learning_rate=0.1)
    >>> w = mx.nd.array([1.0])
    >>> opt.update(0, w, mx.nd.array([2.0]), opt.create_state(0, w))
    >>> w
    <BLANKLINE>
    [0.9]
    <NDArray 1 @cpu(0)>
    """

    def __init__(self, eps=1e-7, **kwargs):
        super().__init__(**kwargs)
        self.float_stable_eps = eps

    def create_state(self, index, weight):
        return _zeros_like(weight)       # float32 history, as MXNet's

    def update(self, index, weight, grad, state):
        check_arrays(weight, grad)
        self._update_count(index)
        lr, wd = self._get_lr(index), self._get_wd(index)
        grad = _scaled_clipped(self, grad)
        state[:] += nd.square(grad)
        div = grad / nd.sqrt(state + self.float_stable_eps)
        weight[:] += (div + weight * wd) * -lr

    def _step(self, index):
        self._update_count(index)
        return -self._get_lr(index), self._get_wd(index)

    def _update_many(self, indices, weights, grads, states):
        _arithmetic_many(self, "adagrad", indices, weights, grads, states, self._step,
                         lambda s: (s,), (self.rescale_grad, _multi.clip_for_arithmetic(self),
                                          self.float_stable_eps))


@register
class RMSProp(Optimizer):
    """RMSProp (``rmsprop_update``), or its centered form of Graves (``rmspropalex_update``,
    ``centered=True``) with momentum ``gamma2``; ``clip_weights`` bounds the weights.

    >>> import mxgrad as mx
    >>> opt = mx.optimizer.RMSProp(learning_rate=0.1)
    >>> w = mx.nd.array([1.0])
    >>> opt.update(0, w, mx.nd.array([2.0]), opt.create_state(0, w))
    >>> w.asnumpy().round(4)
    array([0.6838], dtype=float32)
    """

    def __init__(self, learning_rate=0.001, gamma1=0.9, gamma2=0.9, epsilon=1e-8,
                 centered=False, clip_weights=None, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.gamma1 = gamma1
        self.gamma2 = gamma2
        self.centered = centered
        self.epsilon = epsilon
        self.clip_weights = clip_weights

    def create_state(self, index, weight):
        return tuple(_zeros_like(weight) for _ in range(3 if self.centered else 1))

    def update(self, index, weight, grad, state):
        check_arrays(weight, grad)
        self._update_count(index)
        kwargs = {"gamma1": self.gamma1, "epsilon": self.epsilon,
                  "rescale_grad": self.rescale_grad, "lr": self._get_lr(index),
                  "wd": self._get_wd(index), "out": weight}
        kwargs.update(self._clip_kwargs())
        if self.clip_weights:
            kwargs["clip_weights"] = self.clip_weights
        if self.centered:
            n, g, delta = state
            nd.rmspropalex_update(weight, grad, n, g, delta, gamma2=self.gamma2, **kwargs)
        else:
            nd.rmsprop_update(weight, grad, state[0], **kwargs)

    def _update_many(self, indices, weights, grads, states):
        gammas = (self.gamma1, self.gamma2) if self.centered else (self.gamma1,)
        shared = (self.rescale_grad, _multi.clip_for_kernel(self), *gammas, self.epsilon,
                  self.clip_weights if self.clip_weights else -1.0)
        _multi.update_many(self, "rmspropalex" if self.centered else "rmsprop", indices,
                           weights, grads, states, self._step, tuple, shared)


@register
class AdaDelta(Optimizer):
    """AdaDelta: steps sized by the ratio of running RMS of past steps and of gradients
    (no learning rate), then ``weight -= step + wd * weight``.

    Unlike MXNet 1.9.1, which multiplies the caller's gradient by ``rescale_grad`` in place,
    mxgrad leaves the gradient array as it was.

    >>> import mxgrad as mx
    >>> opt = mx.optimizer.AdaDelta()
    >>> w = mx.nd.array([1.0])
    >>> opt.update(0, w, mx.nd.array([2.0]), opt.create_state(0, w))
    >>> w.asnumpy().round(5)
    array([0.99], dtype=float32)
    """

    def __init__(self, rho=0.90, epsilon=1e-5, **kwargs):
        super().__init__(**kwargs)
        self.rho = rho
        self.epsilon = epsilon

    def create_state(self, index, weight):
        return (_zeros_like(weight), _zeros_like(weight))

    def update(self, index, weight, grad, state):
        check_arrays(weight, grad)
        wd = self._get_wd(index)
        self._update_count(index)
        grad = _scaled_clipped(self, grad)
        acc_g, acc_delta = state
        acc_g[:] *= self.rho
        acc_g[:] += (1. - self.rho) * grad * grad
        delta = nd.sqrt(acc_delta + self.epsilon) / nd.sqrt(acc_g + self.epsilon) * grad
        acc_delta[:] *= self.rho
        acc_delta[:] += (1. - self.rho) * delta * delta
        weight[:] -= delta + wd * weight

    def _step(self, index):
        wd = self._get_wd(index)
        self._update_count(index)
        return (wd,)

    def _update_many(self, indices, weights, grads, states):
        _arithmetic_many(self, "adadelta", indices, weights, grads, states, self._step, tuple,
                         (self.rescale_grad, _multi.clip_for_arithmetic(self), self.rho,
                          1. - self.rho, self.epsilon))


@register
class Adamax(Optimizer):
    """Adamax: Adam with the infinity norm, ``u = max(beta2 * u, |g|); weight -= lr / (1 -
    beta1**t) * m / u``.

    >>> import mxgrad as mx
    >>> opt = mx.optimizer.Adamax(learning_rate=0.1)
    >>> w = mx.nd.array([1.0])
    >>> opt.update(0, w, mx.nd.array([-4.0]), opt.create_state(0, w))
    >>> w
    <BLANKLINE>
    [1.1]
    <NDArray 1 @cpu(0)>
    """

    def __init__(self, learning_rate=0.002, beta1=0.9, beta2=0.999, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta1 = beta1
        self.beta2 = beta2

    def create_state(self, index, weight):
        return (_zeros_like(weight, weight.dtype), _zeros_like(weight, weight.dtype))

    def update(self, index, weight, grad, state):
        check_arrays(weight, grad)
        self._update_count(index)
        lr, wd = self._get_lr(index), self._get_wd(index)
        lr /= (1. - self.beta1 ** self._index_update_count[index])
        grad = grad * self.rescale_grad + wd * weight
        if self.clip_gradient is not None:
            grad = nd.clip(grad, -self.clip_gradient, self.clip_gradient)
        m, u = state
        m[:] *= self.beta1
        m[:] += (1. - self.beta1) * grad
        u[:] = nd.maximum(self.beta2 * u, nd.abs(grad))
        weight[:] -= lr * m / u

    def _step(self, index):
        self._update_count(index)
        lr, wd = self._get_lr(index), self._get_wd(index)
        lr /= (1. - self.beta1 ** self._index_update_count[index])
        return lr, wd

    def _update_many(self, indices, weights, grads, states):
        _arithmetic_many(self, "adamax", indices, weights, grads, states, self._step, tuple,
                         (self.rescale_grad, _multi.clip_for_arithmetic(self), self.beta1,
                          1. - self.beta1, self.beta2))


@register
class Nadam(Optimizer):
    """Nadam: Adam with Nesterov momentum and a momentum schedule (``schedule_decay``).
    As in MXNet, the schedule's running product is one per optimizer, advanced by every
    parameter's update.

    >>> import mxgrad as mx
    >>> opt = mx.optimizer.Nadam(learning_rate=0.1)
    >>> w = mx.nd.array([1.0])
    >>> opt.update(0, w, mx.nd.array([2.0]), opt.create_state(0, w))
    >>> w.asnumpy().round(4)
    array([0.8944], dtype=float32)
    """

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8,
                 schedule_decay=0.004, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.schedule_decay = schedule_decay
        self.m_schedule = 1.

    def create_state(self, index, weight):
        return (_zeros_like(weight, weight.dtype), _zeros_like(weight, weight.dtype))

    def _momentum_at(self, t):
        return self.beta1 * (1. - 0.5 * pow(0.96, t * self.schedule_decay))

    def update(self, index, weight, grad, state):
        check_arrays(weight, grad)
        self._update_count(index)
        lr, wd = self._get_lr(index), self._get_wd(index)
        t = self._index_update_count[index]
        grad = grad * self.rescale_grad + wd * weight
        if self.clip_gradient is not None:
            grad = nd.clip(grad, -self.clip_gradient, self.clip_gradient)
        mom_t, mom_next = self._momentum_at(t), self._momentum_at(t + 1)
        self.m_schedule = self.m_schedule * mom_t
        m_schedule_next = self.m_schedule * mom_next
        m, v = state
        m[:] *= self.beta1
        m[:] += (1. - self.beta1) * grad
        v[:] *= self.beta2
        v[:] += (1. - self.beta2) * grad * grad
        grad_prime = grad / (1. - self.m_schedule)
        m_prime = m / (1. - m_schedule_next)
        v_prime = v / (1. - pow(self.beta2, t))
        m_bar = (1. - mom_t) * grad_prime + mom_next * m_prime
        weight[:] -= lr * m_bar / (nd.sqrt(v_prime) + self.epsilon)

    def _step(self, index):
        """update's scalars: lr, wd and the divisors and factors of its corrections."""
        self._update_count(index)
        lr, wd = self._get_lr(index), self._get_wd(index)
        t = self._index_update_count[index]
        mom_t, mom_next = self._momentum_at(t), self._momentum_at(t + 1)
        self.m_schedule = self.m_schedule * mom_t
        m_schedule_next = self.m_schedule * mom_next
        return (lr, wd, 1. - self.m_schedule, 1. - m_schedule_next, 1. - pow(self.beta2, t),
                1. - mom_t, mom_next)

    def _update_many(self, indices, weights, grads, states):
        _arithmetic_many(self, "nadam", indices, weights, grads, states, self._step, tuple,
                         (self.rescale_grad, _multi.clip_for_arithmetic(self), self.beta1,
                          1. - self.beta1, self.beta2, 1. - self.beta2, self.epsilon))


@register
class Ftrl(Optimizer):
    """FTRL-proximal (``ftrl_update``), with L1 strength ``lamda1`` and ``beta``; its
    learning rate defaults to 0.1.

    >>> import mxgrad as mx
    >>> opt = mx.optimizer.Ftrl(lamda1=0.0)
    >>> w = mx.nd.array([1.0])
    >>> opt.update(0, w, mx.nd.array([2.0]), opt.create_state(0, w))
    >>> w.asnumpy().round(4)
    array([0.6], dtype=float32)
    """

    def __init__(self, lamda1=0.01, learning_rate=0.1, beta=1, **kwargs):
        super().__init__(**kwargs)
        self.lamda1 = lamda1
        self.beta = beta
        self.lr = learning_rate

    def create_state(self, index, weight):
        return (_zeros_like(weight), _zeros_like(weight))

    def update(self, index, weight, grad, state):
        check_arrays(weight, grad)
        self._update_count(index)
        wd, lr = self._get_wd(index), self._get_lr(index)
        z, n = state
        nd.ftrl_update(weight, grad, z, n, out=weight, lr=lr, wd=wd, lamda1=self.lamda1,
                       beta=self.beta, rescale_grad=self.rescale_grad, **self._clip_kwargs())

    def _update_many(self, indices, weights, grads, states):
        _multi.update_many(self, "ftrl", indices, weights, grads, states, self._step, tuple,
                           (self.rescale_grad, _multi.clip_for_kernel(self), self.lamda1,
                            self.beta))


@register
class FTML(Optimizer):
    """Follow the moving leader (``ftml_update``).

    >>> import mxgrad as mx
    >>> opt = mx.optimizer.FTML(learning_rate=0.1)
    >>> w = mx.nd.array([1.0])
    >>> opt.update(0, w, mx.nd.array([2.0]), opt.create_state(0, w))
    >>> w.asnumpy().round(4)
    array([0.9], dtype=float32)
    """

    def __init__(self, beta1=0.6, beta2=0.999, epsilon=1e-8, **kwargs):
        super().__init__(**kwargs)
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon

    def create_state(self, index, weight):
        return tuple(_zeros_like(weight, weight.dtype) for _ in range(3))    # d, v, z

    def update(self, index, weight, grad, state):
        check_arrays(weight, grad)
        self._update_count(index)
        lr, wd = self._get_lr(index), self._get_wd(index)
        d, v, z = state
        nd.ftml_update(weight, grad, d, v, z, out=weight, lr=lr, wd=wd, beta1=self.beta1,
                       beta2=self.beta2, epsilon=self.epsilon,
                       rescale_grad=self.rescale_grad, t=self._index_update_count[index],
                       **self._clip_kwargs("clip_grad"))

    def _step(self, index):
        """wd and ftml_update's factors c1 = (1 - beta1**t) / lr, c2 = 1 / (1 - beta2**t)
        (its hyper-parameters as float32, as ftml_update holds them)."""
        self._update_count(index)
        lr, wd = self._get_lr(index), self._get_wd(index)
        t = int(self._index_update_count[index])
        beta1, beta2 = float(np.float32(self.beta1)), float(np.float32(self.beta2))
        return wd, (1 - beta1 ** t) / float(np.float32(lr)), 1 / (1 - beta2 ** t)

    def _update_many(self, indices, weights, grads, states):
        _multi.update_many(self, "ftml", indices, weights, grads, states, self._step, tuple,
                           (self.rescale_grad, _multi.clip_for_kernel(self),
                            float(np.float32(self.beta1)), float(np.float32(self.beta2)),
                            self.epsilon))


@register
class LAMB(Optimizer):
    """LAMB: Adam's direction (plus weight decay) scaled per layer by ``|w| / |direction|``
    (bounded by ``lower_bound``/``upper_bound``), with ``lamb_update_phase1``/``phase2``
    (``mp_`` forms for float16 weights with ``multi_precision``).

    Float32 weights (and float16 ones with ``multi_precision``) go through multi-tensor
    kernels of the two phases, a list of parameters in a few launches, with the norms from
    ``multi_sum_sq`` as in MXNet's ``multi_lamb_update``. MXNet 1.9.1's ``mp_lamb_update_phase2``
    leaves the float32 master copy unchanged, so its one-parameter float16 path never moves
    the master weights; mxgrad's updates them, as MXNet's multi-tensor path does.

    >>> import mxgrad as mx
    >>> opt = mx.optimizer.LAMB(learning_rate=0.1)
    >>> w = mx.nd.array([3.0, 4.0])
    >>> opt.update(0, w, mx.nd.array([1.0, 0.0]), opt.create_state(0, w))
    >>> w
    <BLANKLINE>
    [2.5 4. ]
    <NDArray 2 @cpu(0)>
    """

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-6,
                 lower_bound=None, upper_bound=None, bias_correction=True, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.lower_bound = lower_bound
        self.upper_bound = upper_bound
        self.bias_correction = bias_correction
        self.aggregate_num = max(1, min(45, aggregation_size(45)))

    def create_state(self, index, weight):
        return (_zeros_like(weight, weight.dtype), _zeros_like(weight, weight.dtype))

    def update(self, index, weight, grad, state):
        self._update_impl(index, weight, grad, state, multi_precision=False)

    def update_multi_precision(self, index, weight, grad, state):
        first = weight[0] if isinstance(weight, (tuple, list)) else weight
        self._update_impl(index, weight, grad, state,
                          multi_precision=self.multi_precision and first.dtype == np.float16)

    def _update_impl(self, index, weight, grad, state, multi_precision=False):
        if not isinstance(index, (tuple, list)):
            index, weight, grad, state = [index], [weight], [grad], [state]
        elif self.aggregate_num <= 1:
            assert len(index) == self.aggregate_num
            index, weight, grad, state = index[:1], weight[:1], grad[:1], state[:1]
        # every parameter is counted before any is updated, as MXNet's multi-tensor path does
        steps = []
        for i, w, g in zip(index, weight, grad):
            check_arrays(w, g)
            self._update_count(i)
            steps.append((self._index_update_count[i], self._get_lr(i), self._get_wd(i)))
        first = weight[0]
        if all(w.dtype == first.dtype and w.context == first.context for w in weight) \
                and (multi_precision or first.dtype == np.float32):
            self._update_many_lamb(weight, grad, state, steps, multi_precision)
            return
        bounds = {}
        if self.lower_bound:
            bounds["lower_bound"] = self.lower_bound
        if self.upper_bound:
            bounds["upper_bound"] = self.upper_bound
        for w, g, s, (t, lr, wd) in zip(weight, grad, state, steps):
            phase1 = dict(beta1=self.beta1, beta2=self.beta2, epsilon=self.epsilon,
                          bias_correction=self.bias_correction,
                          rescale_grad=self.rescale_grad, t=t, wd=wd, **self._clip_kwargs())
            if multi_precision:
                weight32, (mean, var) = s
                direction = nd.mp_lamb_update_phase1(w, g, mean, var, weight32, **phase1)
                nd.mp_lamb_update_phase2(w, direction, weight32.norm(), direction.norm(),
                                         weight32, lr=lr, out=w, **bounds)
            else:
                mean, var = s
                direction = nd.lamb_update_phase1(w, g, mean, var, **phase1)
                nd.lamb_update_phase2(w, direction, w.norm(), direction.norm(), lr=lr, out=w,
                                      **bounds)

    def _bias_factors(self, t):
        """lamb_update_phase1's bias corrections (its betas held as float32)."""
        if not self.bias_correction:
            return 1.0, 1.0
        beta1, beta2 = float(np.float32(self.beta1)), float(np.float32(self.beta2))
        return 1 / (1 - beta1 ** t), 1 / (1 - beta2 ** t)

    def _update_many_lamb(self, weights, grads, states, steps, multi_precision):
        """Both phases for all the parameters, a few launches in all: phase 1 into direction
        arrays, the norms of weights and directions with multi_sum_sq (as MXNet's
        multi_lamb_update computes them), phase 2."""
        masters = [s[0] for s in states] if multi_precision else None
        inner = [s[1] for s in states] if multi_precision else states
        ctx, n = weights[0].context, len(weights)
        outs = [nd.empty(w.shape, ctx=ctx, dtype="float32") for w in weights]
        phase1 = [(wd, *self._bias_factors(int(t))) for t, _, wd in steps]
        multi._multi_update("lamb1", weights, grads, inner, phase1,
                            (self.rescale_grad, _multi.clip_for_kernel(self), self.beta1,
                             self.beta2, self.epsilon), masters=masters, outs=outs)
        sums = nd.multi_sum_sq(*(masters or weights), *outs, num_arrays=2 * n)
        multi._multi_update("lamb2", weights, outs, [()] * n, [(lr,) for _, lr, _ in steps],
                            (self.lower_bound or -1.0, self.upper_bound or -1.0),
                            masters=masters, tables=(sums[:n], sums[n:]))


@register
class Test(Optimizer):
    """MXNet's test optimizer: ``weight += rescale_grad * grad``, the state a copy of the
    weight.

    >>> import mxgrad as mx
    >>> opt = mx.optimizer.Test()
    >>> w = mx.nd.array([1.0])
    >>> opt.update(0, w, mx.nd.array([2.0]), opt.create_state(0, w))
    >>> w
    <BLANKLINE>
    [3.]
    <NDArray 1 @cpu(0)>
    """

    def create_state(self, index, weight):
        """A float32 array of zeros the shape of ``weight``.

        >>> import mxgrad as mx
        >>> mx.optimizer.Test().create_state(0, mx.nd.ones((1,)))
        <BLANKLINE>
        [0.]
        <NDArray 1 @cpu(0)>
        """
        return _zeros_like(weight)

    def update(self, index, weight, grad, state):
        """Adds the rescaled gradient to the weight; the state becomes the new weight.

        >>> import mxgrad as mx
        >>> opt, w, s = mx.optimizer.Test(rescale_grad=0.5), mx.nd.ones((1,)), mx.nd.zeros((1,))
        >>> opt.update(0, w, mx.nd.ones((1,)), s)
        >>> s
        <BLANKLINE>
        [1.5]
        <NDArray 1 @cpu(0)>
        """
        weight[:] += grad * self.rescale_grad
        state[:] = weight
