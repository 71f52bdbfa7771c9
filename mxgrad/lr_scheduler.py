"""Learning-rate schedules, as MXNet 1.9.1's ``mx.lr_scheduler``: callables from the update
count to a learning rate, with an optional warm-up, which an optimizer consults before every
update (``mx.optimizer.SGD(lr_scheduler=...)``).

>>> import mxgrad as mx
>>> sched = mx.lr_scheduler.FactorScheduler(step=2, factor=0.5, base_lr=1.0)
>>> [sched(n) for n in range(1, 7)]
[1.0, 1.0, 0.5, 0.5, 0.25, 0.25]
"""
import logging
import math

__all__ = ["LRScheduler", "FactorScheduler", "MultiFactorScheduler", "PolyScheduler",
           "CosineScheduler"]

_WARMUP_MODES = ("linear", "constant")


class LRScheduler:
    """The base of every schedule: ``base_lr`` and the warm-up over the first
    ``warmup_steps`` updates, from ``warmup_begin_lr`` up to ``base_lr`` ('linear') or held
    at ``warmup_begin_lr`` ('constant'). Subclasses give ``__call__(num_update)``.

    >>> import mxgrad as mx
    >>> class Halving(mx.lr_scheduler.LRScheduler):
    ...     def __call__(self, num_update):
    ...         if num_update < self.warmup_steps:
    ...             return self.get_warmup_lr(num_update)
    ...         return self.base_lr / 2
    >>> sched = Halving(base_lr=0.4, warmup_steps=4)
    >>> [round(sched(n), 6) for n in range(6)]
    [0.0, 0.1, 0.2, 0.3, 0.2, 0.2]
    """

    def __init__(self, base_lr=0.01, warmup_steps=0, warmup_begin_lr=0, warmup_mode="linear"):
        self.base_lr = base_lr
        # MXNet asserts these: a float step count would make the warm-up ramp meaningless
        assert isinstance(warmup_steps, int), "warmup_steps must be an int"
        self.warmup_steps = warmup_steps
        self.warmup_final_lr = base_lr
        self.warmup_begin_lr = warmup_begin_lr
        if warmup_begin_lr > base_lr:
            raise ValueError(f"warmup_begin_lr ({warmup_begin_lr}) must not exceed base_lr "
                             f"({base_lr})")
        if warmup_steps < 0:
            raise ValueError(f"warmup_steps must be 0 or positive, got {warmup_steps}")
        if warmup_mode not in _WARMUP_MODES:
            raise ValueError(f"warmup_mode must be 'linear' or 'constant', got {warmup_mode!r}")
        self.warmup_mode = warmup_mode

    def get_warmup_lr(self, num_update):
        """The learning rate during the warm-up (``num_update < warmup_steps``).

        >>> import mxgrad as mx
        >>> sched = mx.lr_scheduler.FactorScheduler(step=10, base_lr=1.0, warmup_steps=4,
        ...                                         warmup_begin_lr=0.2)
        >>> round(sched.get_warmup_lr(2), 6)
        0.6
        """
        assert num_update < self.warmup_steps
        if self.warmup_mode == "constant":
            return self.warmup_begin_lr
        ramp = self.warmup_final_lr - self.warmup_begin_lr
        return self.warmup_begin_lr + ramp * float(num_update) / float(self.warmup_steps)

    def __call__(self, num_update):
        raise NotImplementedError("an LRScheduler subclass must define __call__")


class FactorScheduler(LRScheduler):
    """Multiplies the learning rate by ``factor`` every ``step`` updates, never going below
    ``stop_factor_lr``.

    The schedule keeps its position: call it with non-decreasing update counts (as
    optimizers do).

    >>> import mxgrad as mx
    >>> sched = mx.lr_scheduler.FactorScheduler(step=3, factor=0.1, stop_factor_lr=0.005,
    ...                                         base_lr=1.0)
    >>> [round(sched(n), 6) for n in (1, 3, 4, 7, 10)]
    [1.0, 1.0, 0.1, 0.01, 0.005]
    """

    def __init__(self, step, factor=1, stop_factor_lr=1e-8, base_lr=0.01, warmup_steps=0,
                 warmup_begin_lr=0, warmup_mode="linear"):
        super().__init__(base_lr, warmup_steps, warmup_begin_lr, warmup_mode)
        if step < 1:
            raise ValueError(f"the schedule step must be at least 1 update, got {step}")
        if factor > 1.0:
            raise ValueError(f"factor must be at most 1 (the rate decreases), got {factor}")
        self.step = step
        self.factor = factor
        self.stop_factor_lr = stop_factor_lr
        self.count = 0

    def __call__(self, num_update):
        if num_update < self.warmup_steps:
            return self.get_warmup_lr(num_update)
        while num_update > self.count + self.step:
            self.count += self.step
            self.base_lr *= self.factor
            if self.base_lr < self.stop_factor_lr:
                self.base_lr = self.stop_factor_lr
                logging.info("Update[%d]: the learning rate reached its floor %0.5e",
                             num_update, self.base_lr)
            else:
                logging.info("Update[%d]: learning rate now %0.5e", num_update, self.base_lr)
        return self.base_lr


class MultiFactorScheduler(LRScheduler):
    """Multiplies the learning rate by ``factor`` after each update count in ``step`` (an
    increasing list).

    >>> import mxgrad as mx
    >>> sched = mx.lr_scheduler.MultiFactorScheduler(step=[2, 5], factor=0.5, base_lr=1.0)
    >>> [sched(n) for n in range(1, 8)]
    [1.0, 1.0, 0.5, 0.5, 0.5, 0.25, 0.25]
    """

    def __init__(self, step, factor=1, base_lr=0.01, warmup_steps=0, warmup_begin_lr=0,
                 warmup_mode="linear"):
        super().__init__(base_lr, warmup_steps, warmup_begin_lr, warmup_mode)
        assert isinstance(step, list) and len(step) >= 1, "step must be a non-empty list"
        for i, s in enumerate(step):
            if i and s <= step[i - 1]:
                raise ValueError(f"the schedule steps must increase, got {step}")
            if s < 1:
                raise ValueError(f"every schedule step must be at least 1 update, got {step}")
        if factor > 1.0:
            raise ValueError(f"factor must be at most 1 (the rate decreases), got {factor}")
        self.step = step
        self.cur_step_ind = 0
        self.factor = factor
        self.count = 0

    def __call__(self, num_update):
        if num_update < self.warmup_steps:
            return self.get_warmup_lr(num_update)
        while self.cur_step_ind < len(self.step) and num_update > self.step[self.cur_step_ind]:
            self.count = self.step[self.cur_step_ind]
            self.cur_step_ind += 1
            self.base_lr *= self.factor
            logging.info("Update[%d]: learning rate now %0.5e", num_update, self.base_lr)
        return self.base_lr


class PolyScheduler(LRScheduler):
    """Decays the learning rate from ``base_lr`` to ``final_lr`` as a power ``pwr`` of the
    fraction of the ``max_update`` updates (after the warm-up) still to come.

    >>> import mxgrad as mx
    >>> sched = mx.lr_scheduler.PolyScheduler(max_update=4, base_lr=1.0, pwr=2)
    >>> [sched(n) for n in range(6)]
    [1.0, 0.5625, 0.25, 0.0625, 0.0, 0.0]
    """

    def __init__(self, max_update, base_lr=0.01, pwr=2, final_lr=0, warmup_steps=0,
                 warmup_begin_lr=0, warmup_mode="linear"):
        super().__init__(base_lr, warmup_steps, warmup_begin_lr, warmup_mode)
        assert isinstance(max_update, int), "max_update must be an int"
        if max_update < 1:
            raise ValueError(f"max_update must be at least 1, got {max_update}")
        self.power = pwr
        self.base_lr_orig = self.base_lr
        self.max_update = max_update
        self.final_lr = final_lr
        self.max_steps = self.max_update - self.warmup_steps

    def __call__(self, num_update):
        if num_update < self.warmup_steps:
            return self.get_warmup_lr(num_update)
        if num_update <= self.max_update:
            left = 1 - float(num_update - self.warmup_steps) / float(self.max_steps)
            self.base_lr = self.final_lr + (self.base_lr_orig - self.final_lr) * pow(
                left, self.power)
        return self.base_lr


class CosineScheduler(LRScheduler):
    """Decays the learning rate from ``base_lr`` to ``final_lr`` along half a cosine over
    the ``max_update`` updates (after the warm-up).

    >>> import mxgrad as mx
    >>> sched = mx.lr_scheduler.CosineScheduler(max_update=4, base_lr=1.0)
    >>> [round(sched(n), 6) for n in range(6)]
    [1.0, 0.853553, 0.5, 0.146447, 0.0, 0.0]
    """

    def __init__(self, max_update, base_lr=0.01, final_lr=0, warmup_steps=0,
                 warmup_begin_lr=0, warmup_mode="linear"):
        super().__init__(base_lr, warmup_steps, warmup_begin_lr, warmup_mode)
        assert isinstance(max_update, int), "max_update must be an int"
        if max_update < 1:
            raise ValueError(f"max_update must be at least 1, got {max_update}")
        self.base_lr_orig = base_lr
        self.max_update = max_update
        self.final_lr = final_lr
        self.max_steps = self.max_update - self.warmup_steps

    def __call__(self, num_update):
        if num_update < self.warmup_steps:
            return self.get_warmup_lr(num_update)
        if num_update <= self.max_update:
            phase = math.pi * (num_update - self.warmup_steps) / self.max_steps
            self.base_lr = self.final_lr + (self.base_lr_orig - self.final_lr) * (
                1 + math.cos(phase)) / 2
        return self.base_lr
