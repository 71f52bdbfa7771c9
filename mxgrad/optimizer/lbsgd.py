"""MXNet 1.9.1's LBSGD: large-batch SGD emulated by accumulating ``batch_scale`` gradients per
update, with a warm-up of the learning-rate multiplier (or a LARS-like one)."""
import logging
import math

import numpy as np

from mxgrad import ndarray as nd
from mxgrad.optimizer.optimizer import Optimizer, check_arrays, fp16_warning, register

__all__ = ["LBSGD"]


@register
class LBSGD(Optimizer):
    """Large-batch SGD: gradients are summed over ``batch_scale`` calls and their mean
    applied on the last one (``sgd_update``/``sgd_mom_update``, ``mp_`` forms for float16
    master copies), with the learning rate multiplied by a factor rising from 1 to
    ``batch_scale`` over ``warmup_epochs * updates_per_epoch`` updates
    (``warmup_strategy`` 'linear', 'power2' or 'sqrt'; 'lars' scales by
    ``sqrt(|w|^2 / (|g|^2 + wd |w|^2))`` clipped to [0.01, 100]).

    >>> import mxgrad as mx
    >>> opt = mx.optimizer.LBSGD(learning_rate=0.1, batch_scale=2, warmup_epochs=0)
    >>> w = mx.nd.array([1.0])
    >>> opt.update(0, w, mx.nd.array([1.0]), None)      # accumulated only
    >>> opt.update(0, w, mx.nd.array([3.0]), None)      # lr 0.1 * 2, mean gradient 2
    >>> w
    <BLANKLINE>
    [0.6]
    <NDArray 1 @cpu(0)>
    """

    def __init__(self, momentum=0.0, multi_precision=False, warmup_strategy="linear",
                 warmup_epochs=5, batch_scale=1, updates_per_epoch=32, begin_epoch=0,
                 num_epochs=60, **kwargs):
        super().__init__(**kwargs)
        logging.info("Large-batch SGD: batch_scale=%f, warmup_epochs=%d, warmup_strategy=%s, "
                     "updates_per_epoch=%d", batch_scale, warmup_epochs, warmup_strategy,
                     updates_per_epoch)
        self.momentum = momentum
        self.multi_precision = multi_precision
        self.warmup_strategy = warmup_strategy
        self.warmup_epochs = warmup_epochs
        self.batch_scale = batch_scale
        self.updates_per_epoch = updates_per_epoch
        self.init_updates = begin_epoch * updates_per_epoch
        self.num_epochs = num_epochs
        self.lbmult = 1
        self.cumgrads = {}
        self.adaptive = False
        self.admult = 1

    def create_state(self, index, weight):
        if self.multi_precision and weight.dtype == np.float16:
            master = weight.astype(np.float32)
            mom = (None if self.momentum == 0.0
                   else nd.zeros(weight.shape, weight.context, dtype=np.float32))
            return (mom, master)
        if weight.dtype == np.float16:
            fp16_warning("SGD")
        if self.momentum == 0.0:
            return None
        return nd.zeros(weight.shape, weight.context, dtype=weight.dtype)

    def _get_lbmult(self, nup):
        """The warm-up multiplier after ``nup`` accumulated gradients."""
        nwup = self.warmup_epochs * self.updates_per_epoch
        top = float(self.batch_scale)
        if nup >= nwup:
            return top
        if nwup <= 1:
            return 1.0
        rise = {"linear": lambda: nup / nwup, "power2": lambda: (nup * nup) / (nwup * nwup),
                "sqrt": lambda: math.sqrt(float(nup) / nwup)}.get(self.warmup_strategy)
        return 1.0 if rise is None else 1.0 + (top - 1) * rise()

    def _get_lars(self, weight, g, wd):
        """The 'lars' multiplier: sqrt(|w|^2 / (|g|^2 + wd |w|^2)) within [0.01, 100]."""
        w2 = float(nd.sum(weight * weight).asscalar())
        g2 = float(nd.sum(g * g).asscalar())
        return min(max(math.sqrt(w2 / (g2 + wd * w2 + 1e-18)), 0.01), 100)

    def _cumulate_gradient(self, grad, index):
        """Adds grad to index's running sum (a copy: callers reuse their gradient arrays)."""
        cgrad = self.cumgrads.get(index)
        if cgrad and cgrad["num_cums"] > 0:
            cgrad = {"cum_grad": cgrad["cum_grad"] + grad, "num_cums": cgrad["num_cums"] + 1}
        else:
            cgrad = {"cum_grad": grad.copy(), "num_cums": self.init_updates + 1}
        self.cumgrads[index] = cgrad
        return cgrad

    def update(self, index, weight, grad, state):
        check_arrays(weight, grad)
        lr, wd = self._get_lr(index), self._get_wd(index)     # before counting, as MXNet
        self._update_count(index)
        cgrad = self._cumulate_gradient(grad, index)
        if cgrad["num_cums"] % self.batch_scale != 0:
            return                              # (MXNet runs an sgd_update with lr 0 here)
        grad = cgrad["cum_grad"] / self.batch_scale
        if self.warmup_strategy == "lars":
            lr *= self._get_lars(weight, grad, wd)
        else:
            lr *= self._get_lbmult(cgrad["num_cums"])
        kwargs = {"rescale_grad": self.rescale_grad, "lr": lr, "wd": wd, "out": weight}
        if self.momentum > 0:
            kwargs["momentum"] = self.momentum
        kwargs.update(self._clip_kwargs())
        if isinstance(state, (list, tuple)):
            if state[0] is not None:
                nd.mp_sgd_mom_update(weight, grad, state[0], state[1], **kwargs)
            else:
                nd.mp_sgd_update(weight, grad, state[1], **kwargs)
        elif state is not None:
            nd.sgd_mom_update(weight, grad, state, **kwargs)
        else:
            nd.sgd_update(weight, grad, **kwargs)
        cgrad["cum_grad"] = 0
