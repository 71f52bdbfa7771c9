"""The SGD family of MXNet 1.9.1's ``mx.optimizer``: SGD (and its alias ccSGD), NAG, Signum,
LARS, DCASGD and SGLD. SGD and LARS update up to ``aggregate_num`` parameters per launch with
the multi-tensor ops; NAG and Signum take one fused op per parameter where MXNet has one, and
they and DCASGD take lists of parameters from the Updater in multi-tensor kernels with the
same numbers."""
import math

import numpy as np

from mxgrad import ndarray as nd
from mxgrad.optimizer import _multi
from mxgrad.optimizer.optimizer import (Optimizer, aggregation_size, check_arrays,
                                        fp16_warning, register)

__all__ = ["SGD", "ccSGD", "NAG", "Signum", "LARS", "DCASGD", "SGLD"]


def _interleaved(*columns):
    """(w0, g0, s0, w1, g1, s1, ...): the argument order of the multi-tensor ops."""
    return [a for row in zip(*columns) for a in row]


def _as_lists(indices, weights, grads, states):
    if isinstance(indices, (tuple, list)):
        return list(indices), list(weights), list(grads), list(states)
    return [indices], [weights], [grads], [states]


class _MomentumMasterCopy(Optimizer):
    """SGD-like optimizers whose multi-precision state is ``(momentum, weight32)`` (MXNet's
    order for these, unlike the base class's ``(weight32, state)``)."""

    def create_state(self, index, weight):
        if self.momentum == 0.0:
            return None
        return nd.zeros(weight.shape, weight.context, dtype=weight.dtype)

    def create_state_multi_precision(self, index, weight):
        if weight.dtype == np.float16:
            if self.multi_precision:
                weight32 = weight.astype(np.float32)
                return (self.create_state(index, weight32), weight32)
            fp16_warning(self._fp16_name)
        return self.create_state(index, weight)

    def _uses_master_copy(self, weight):
        first = weight[0] if isinstance(weight, (tuple, list)) else weight
        return self.multi_precision and first.dtype == np.float16

    def update(self, index, weight, grad, state):
        self._update_impl(index, weight, grad, state, multi_precision=False)

    def update_multi_precision(self, index, weight, grad, state):
        self._update_impl(index, weight, grad, state,
                          multi_precision=self._uses_master_copy(weight))

    def _momentum_kwargs(self, momentum):
        kwargs = {"rescale_grad": self.rescale_grad}
        if self.momentum > 0:
            kwargs["momentum"] = momentum
        kwargs.update(self._clip_kwargs())
        return kwargs


@register
class SGD(_MomentumMasterCopy):
    """Stochastic gradient descent, with optional momentum: ``mom = momentum * mom - lr *
    (rescale_grad * grad clipped + wd * weight); weight += mom`` (without momentum, ``weight
    -= lr * (...)``). Parameters are updated ``aggregate_num`` (MXNET_OPTIMIZER_AGGREGATION_SIZE,
    4) at a time with ``multi_sgd_update``/``multi_sgd_mom_update`` and their mixed-precision
    forms. ``lazy_update`` matters only for sparse gradients, which mxgrad does not have.

    >>> import mxgrad as mx
    >>> opt = mx.optimizer.SGD(learning_rate=0.1, momentum=0.9, wd=0.01)
    >>> w = mx.nd.array([1.0, -1.0])
    >>> mom = opt.create_state(0, w)
    >>> opt.update(0, w, mx.nd.array([0.5, 0.5]), mom)
    >>> w
    <BLANKLINE>
    [ 0.949 -1.049]
    <NDArray 2 @cpu(0)>
    """

    _fp16_name = "SGD"

    def __init__(self, momentum=0.0, lazy_update=True, **kwargs):
        super().__init__(**kwargs)
        self.momentum = momentum
        self.lazy_update = lazy_update
        self.aggregate_num = aggregation_size(4)

    def _update_impl(self, indices, weights, grads, states, multi_precision=False):
        indices, weights, grads, states = _as_lists(indices, weights, grads, states)
        for weight, grad in zip(weights, grads):
            check_arrays(weight, grad)
        self._update_count(indices)
        kwargs = self._momentum_kwargs(self.momentum)
        kwargs.update(num_weights=len(weights), lrs=self._get_lrs(indices),
                      wds=self._get_wds(indices), out=weights)
        with_mom = self.momentum > 0
        if not multi_precision:
            if with_mom:
                nd.multi_sgd_mom_update(*_interleaved(weights, grads, states), **kwargs)
            else:
                nd.multi_sgd_update(*_interleaved(weights, grads), **kwargs)
        elif with_mom:
            moms, masters = zip(*states)
            nd.multi_mp_sgd_mom_update(*_interleaved(weights, grads, moms, masters), **kwargs)
        else:
            masters = [s[1] for s in states]
            nd.multi_mp_sgd_update(*_interleaved(weights, grads, masters), **kwargs)


@register
class ccSGD(SGD):  # noqa: N801 (MXNet's name)
    """The same as :class:`SGD` (an older name MXNet keeps).

    >>> import mxgrad as mx
    >>> isinstance(mx.optimizer.create('ccsgd'), mx.optimizer.SGD)
    True
    """


@register
class NAG(_MomentumMasterCopy):
    """Nesterov accelerated gradient: SGD whose step looks ahead along the momentum
    (``nag_mom_update``; ``sgd_update`` without momentum).

    >>> import mxgrad as mx
    >>> opt = mx.optimizer.NAG(learning_rate=0.1, momentum=0.9)
    >>> w = mx.nd.array([1.0])
    >>> opt.update(0, w, mx.nd.array([1.0]), opt.create_state(0, w))
    >>> w
    <BLANKLINE>
    [0.81]
    <NDArray 1 @cpu(0)>
    """

    _fp16_name = "NAG"

    def __init__(self, momentum=0.0, **kwargs):
        super().__init__(**kwargs)
        self.momentum = momentum

    def update_multi_precision(self, index, weight, grad, state):
        self._update_impl(index, weight, grad, state,
                          multi_precision=self._uses_master_copy(weight)
                          and isinstance(state, (tuple, list)))

    def _update_impl(self, index, weight, grad, state, multi_precision=False):
        check_arrays(weight, grad)
        self._update_count(index)
        kwargs = self._momentum_kwargs(self.momentum)
        kwargs.update(lr=self._get_lr(index), wd=self._get_wd(index), out=weight)
        if not multi_precision:
            if state is not None:
                nd.nag_mom_update(weight, grad, state, **kwargs)
            else:
                nd.sgd_update(weight, grad, **kwargs)
        elif state[0] is not None:
            nd.mp_nag_mom_update(weight, grad, state[0], state[1], **kwargs)
        else:
            nd.mp_sgd_update(weight, grad, state[1], **kwargs)

    def _update_many(self, indices, weights, grads, states):
        clip = _multi.clip_for_kernel(self)
        if self.momentum == 0.0:
            _multi.update_many(self, "sgd", indices, weights, grads, states, self._step,
                               lambda s: (), (self.rescale_grad, clip), master_layout="last")
        else:
            _multi.update_many(self, "nag", indices, weights, grads, states, self._step,
                               lambda s: (s,), (self.rescale_grad, clip, max(self.momentum, 0.)),
                               master_layout="last")


@register
class Signum(Optimizer):
    """Signum (the sign of the momentum; signSGD when ``momentum`` is 0), with decoupled
    weight decay ``wd_lh``: ``signum_update``/``signsgd_update``.

    >>> import mxgrad as mx
    >>> opt = mx.optimizer.Signum(learning_rate=0.1)
    >>> w = mx.nd.array([1.0, 1.0])
    >>> opt.update(0, w, mx.nd.array([2.0, -0.1]), opt.create_state(0, w))
    >>> w
    <BLANKLINE>
    [0.9 1.1]
    <NDArray 2 @cpu(0)>
    """

    def __init__(self, learning_rate=0.01, momentum=0.9, wd_lh=0.0, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.momentum = momentum
        self.wd_lh = wd_lh

    def create_state(self, index, weight):
        if self.momentum == 0.0:
            return None
        return nd.zeros(weight.shape, weight.context, dtype=weight.dtype)

    def update(self, index, weight, grad, state):
        check_arrays(weight, grad)
        self._update_count(index)
        kwargs = {"rescale_grad": self.rescale_grad}
        if self.momentum > 0:
            kwargs["momentum"] = self.momentum
        kwargs.update(self._clip_kwargs())
        if self.wd_lh:
            kwargs["wd_lh"] = self.wd_lh
        kwargs.update(lr=self._get_lr(index), wd=self._get_wd(index), out=weight)
        if state is not None:
            nd.signum_update(weight, grad, state, **kwargs)
        else:
            nd.signsgd_update(weight, grad, **kwargs)

    def _update_many(self, indices, weights, grads, states):
        clip = _multi.clip_for_kernel(self)
        if self.momentum == 0.0:
            _multi.update_many(self, "signsgd", indices, weights, grads, states, self._step,
                               lambda s: (), (self.rescale_grad, clip))
        else:
            _multi.update_many(self, "signum", indices, weights, grads, states, self._step,
                               lambda s: (s,), (self.rescale_grad, clip, max(self.momentum, 0.),
                                                self.wd_lh if self.wd_lh else 0.))


def _has_lars_exemption(name):
    """LARS leaves norm scales and biases at the plain learning rate."""
    return name.endswith("gamma") or name.endswith("beta") or name.endswith("bias")


@register
class LARS(_MomentumMasterCopy):
    """Layer-wise adaptive rate scaling: SGD whose learning rate per layer is scaled by
    ``eta * |w| / (|g| + wd * |w| + eps)`` (``multi_sum_sq`` + ``multi_lars``, then the
    preloaded multi-tensor SGD ops). Parameters whose names end in gamma, beta or bias keep
    the plain rate; with ``momentum_correction`` the momentum follows learning-rate changes.

    >>> import mxgrad as mx
    >>> opt = mx.optimizer.LARS(learning_rate=1.0, eta=0.1)
    >>> w = mx.nd.array([3.0, 4.0])
    >>> opt.update(0, w, mx.nd.array([1.0, 0.0]), None)
    >>> w
    <BLANKLINE>
    [2.5 4. ]
    <NDArray 2 @cpu(0)>
    """

    _fp16_name = "SGD"

    def __init__(self, momentum=0.0, lazy_update=True, eta=0.001, eps=0,
                 momentum_correction=True, **kwargs):
        super().__init__(**kwargs)
        self.momentum = momentum
        self.momentum_correction = momentum_correction
        self.lazy_update = lazy_update
        self.aggregate_num = aggregation_size(4)
        self.eta = eta
        self.eps = eps
        self.skip = 0
        self.last_lr = None
        self.cur_lr = None

    def _get_lrs(self, indices):
        # remembers the previous base rate for the momentum correction
        lr = self.lr_scheduler(self.num_update) if self.lr_scheduler is not None else self.lr
        self.last_lr = lr if self.cur_lr is None else self.cur_lr
        self.cur_lr = lr
        return self._multiplied(lr, indices, self.lr_mult, "lr_mult")

    def set_wd_mult(self, args_wd_mult):
        """As :meth:`Optimizer.set_wd_mult`, but only names ending in ``_weight`` keep the
        weight decay.

        >>> import mxgrad as mx
        >>> opt = mx.optimizer.LARS(wd=0.1, param_idx2name={0: 'bn_gamma'})
        >>> opt._get_wd(0)
        0.0
        """
        self.wd_mult = {n: 0.0 for n in self.idx2name.values() if not n.endswith("_weight")}
        self.wd_mult.update(self._symbol_mults("__wd_mult__"))
        self.wd_mult.update(args_wd_mult)

    def _update_impl(self, indices, weights, grads, states, multi_precision=False):
        indices, weights, grads, states = _as_lists(indices, weights, grads, states)
        for weight, grad in zip(weights, grads):
            check_arrays(weight, grad)
        self._update_count(indices)
        lrs, wds = self._get_lrs(indices), self._get_wds(indices)
        momentum = self.momentum
        if self.momentum_correction and self.last_lr != 0:
            momentum = self.momentum * (self.cur_lr / self.last_lr)
        kwargs = self._momentum_kwargs(momentum)
        names = [self.idx2name.get(i, str(i)) for i in indices]
        # the scaled parameters first, then the exempt ones
        order = ([i for i, n in enumerate(names) if not _has_lars_exemption(n)]
                 + [i for i, n in enumerate(names) if _has_lars_exemption(n)])
        scaled = sum(not _has_lars_exemption(n) for n in names)
        ctx = weights[0].context
        weights, grads, states = ([seq[i] for i in order] for seq in (weights, grads, states))
        new_lrs = nd.array([lrs[i] for i in order], ctx=ctx, dtype="float32")
        new_wds = nd.array([wds[i] for i in order], ctx=ctx, dtype="float32")
        if scaled:
            w_sum_sq = nd.multi_sum_sq(*weights[:scaled], num_arrays=scaled)
            g_sum_sq = nd.multi_sum_sq(*grads[:scaled], num_arrays=scaled)
            lars_lrs = nd.multi_lars(new_lrs[:scaled], w_sum_sq, g_sum_sq, new_wds[:scaled],
                                     eta=self.eta, eps=self.eps,
                                     rescale_grad=self.rescale_grad)
            new_lrs = (lars_lrs if scaled == len(order)
                       else nd.concat(lars_lrs, new_lrs[scaled:], dim=0))
        with_mom = self.momentum > 0
        for start in range(0, len(order), self.aggregate_num):
            stop = min(start + self.aggregate_num, len(order))
            ws, gs, ss = weights[start:stop], grads[start:stop], states[start:stop]
            tail = [new_lrs[start:stop], new_wds[start:stop]]
            call = dict(kwargs, out=ws, num_weights=len(ws))
            if not multi_precision:
                if with_mom:
                    nd.preloaded_multi_sgd_mom_update(*_interleaved(ws, gs, ss), *tail, **call)
                else:
                    nd.preloaded_multi_sgd_update(*_interleaved(ws, gs), *tail, **call)
            elif with_mom:
                moms, masters = zip(*ss)
                nd.preloaded_multi_mp_sgd_mom_update(*_interleaved(ws, gs, moms, masters),
                                                     *tail, **call)
            else:
                masters = [s[1] for s in ss]
                nd.preloaded_multi_mp_sgd_update(*_interleaved(ws, gs, masters), *tail,
                                                 **call)


@register
class DCASGD(Optimizer):
    """Delay-compensated asynchronous SGD: the step adds ``lamda * g * g * (weight -
    previous weight)`` to the gradient, with optional momentum.

    >>> import mxgrad as mx
    >>> opt = mx.optimizer.DCASGD(learning_rate=0.1)
    >>> w = mx.nd.array([1.0])
    >>> opt.update(0, w, mx.nd.array([2.0]), opt.create_state(0, w))
    >>> w
    <BLANKLINE>
    [0.8]
    <NDArray 1 @cpu(0)>
    """

    def __init__(self, momentum=0.0, lamda=0.04, **kwargs):
        super().__init__(**kwargs)
        self.momentum = momentum
        self.weight_previous = {}
        self.lamda = lamda

    def create_state(self, index, weight):
        mom = (None if self.momentum == 0.0
               else nd.zeros(weight.shape, weight.context, dtype=weight.dtype))
        return (mom, weight.copy())

    def update(self, index, weight, grad, state):
        check_arrays(weight, grad)
        self._update_count(index)
        lr, wd = self._get_lr(index), self._get_wd(index)
        grad = grad * self.rescale_grad
        if self.clip_gradient is not None:
            grad = nd.clip(grad, -self.clip_gradient, self.clip_gradient)
        mom, previous = state
        step = -lr * (grad + wd * weight + self.lamda * grad * grad * (weight - previous))
        # MXNet 1.9.1 tests the momentum array's truth value here and fails for any array of
        # more than one element; mxgrad tests whether there is one
        if mom is not None:
            mom[:] *= self.momentum
            mom[:] += step
        else:
            mom = step
        previous[:] = weight
        weight[:] += mom

    def _step(self, index):
        self._update_count(index)
        return -self._get_lr(index), self._get_wd(index)

    def _update_many(self, indices, weights, grads, states):
        if self.clip_gradient is not None and self.clip_gradient < 0:
            for args in zip(indices, weights, grads, states):
                self.update_multi_precision(*args)      # nd.clip refuses it, as there
            return
        clip = _multi.clip_for_arithmetic(self)
        if self.momentum == 0.0:
            _multi.update_many(self, "dcasgd", indices, weights, grads, states, self._step,
                               lambda s: (s[1],), (self.rescale_grad, clip, self.lamda))
        else:
            _multi.update_many(self, "dcasgd_mom", indices, weights, grads, states, self._step,
                               tuple, (self.rescale_grad, clip, self.lamda, self.momentum))


@register
class SGLD(Optimizer):
    """Stochastic gradient Langevin dynamics: a half SGD step plus Gaussian noise of
    variance ``lr`` (from mxgrad's random generator, so draws differ from MXNet's).

    >>> import mxgrad as mx
    >>> opt = mx.optimizer.SGLD(learning_rate=1e-8)
    >>> w = mx.nd.array([1.0])
    >>> opt.update(0, w, mx.nd.array([2.0]), None)
    >>> bool(abs(w.asscalar() - 1.0) < 1e-3)
    True
    """

    def update(self, index, weight, grad, state):
        check_arrays(weight, grad)
        self._update_count(index)
        lr, wd = self._get_lr(index), self._get_wd(index)
        grad = grad * self.rescale_grad
        if self.clip_gradient is not None:
            grad = nd.clip(grad, -self.clip_gradient, self.clip_gradient)
        weight[:] += -lr / 2 * (grad + wd * weight)
        weight[:] += nd.random.normal(0, math.sqrt(lr), shape=weight.shape,
                                      dtype=weight.dtype, ctx=weight.context)
