"""The optimizer base class, the registry (``register``/``create``) and the ``Updater`` that
KVStore and Gluon's Trainer call, as MXNet 1.9.1's ``mx.optimizer`` has them.

The concrete optimizers live in :mod:`mxgrad.optimizer.sgd` (the SGD family) and
:mod:`mxgrad.optimizer.adaptive` (per-element adaptive rates); they update weights in place
with mx.nd's fused update ops, as MXNet's do.
"""
import os
import pickle
import warnings

import numpy as np

from mxgrad import ndarray as nd
from mxgrad.ndarray import NDArray

__all__ = ["Optimizer", "register", "create", "Updater", "get_updater"]


def aggregation_size(default):
    """How many parameters one multi-tensor update takes (MXNet's
    MXNET_OPTIMIZER_AGGREGATION_SIZE)."""
    return int(os.environ.get("MXNET_OPTIMIZER_AGGREGATION_SIZE", str(default)))


def check_arrays(weight, grad):
    """Optimizers take NDArrays (MXNet asserts this too)."""
    assert isinstance(weight, NDArray), f"the weight must be an NDArray, got {type(weight)}"
    assert isinstance(grad, NDArray), f"the gradient must be an NDArray, got {type(grad)}"


def fp16_warning(name=""):
    warnings.warn("Accumulating with float16 in optimizer can lead to poor accuracy or slow "
                  "convergence. Consider using multi_precision=True option of the "
                  f"{name + ' ' if name else ''}optimizer")


class Optimizer:
    """The base of every optimizer: the learning rate (fixed, or from ``lr_scheduler``),
    weight decay ``wd``, ``rescale_grad``, ``clip_gradient``, per-parameter multipliers
    (:meth:`set_lr_mult`, :meth:`set_wd_mult`), the update counts and ``multi_precision``
    (float16 weights updated through float32 master copies).

    Subclasses define :meth:`create_state` and :meth:`update`; ``@register`` makes them
    available to :func:`create` by their lower-cased class name.

    >>> import mxgrad as mx
    >>> @mx.optimizer.register
    ... class PlainStep(mx.optimizer.Optimizer):
    ...     def update(self, index, weight, grad, state):
    ...         self._update_count(index)
    ...         weight[:] -= self._get_lr(index) * grad
    >>> opt = mx.optimizer.create('plainstep', learning_rate=0.5)
    >>> w = mx.nd.array([1.0, 2.0])
    >>> opt.update(0, w, mx.nd.array([1.0, -1.0]), None)
    >>> w
    <BLANKLINE>
    [0.5 2.5]
    <NDArray 2 @cpu(0)>
    >>> opt.num_update
    1
    """

    opt_registry = {}

    def __init__(self, rescale_grad=1., param_idx2name=None, wd=0., clip_gradient=None,
                 learning_rate=None, lr_scheduler=None, sym=None, begin_num_update=0,
                 multi_precision=False, param_dict=None):
        self.rescale_grad = rescale_grad
        self.lr_scheduler = lr_scheduler
        if lr_scheduler is None and learning_rate is None:
            learning_rate = 0.01
        self.lr = learning_rate
        if lr_scheduler is not None and learning_rate is not None \
                and lr_scheduler.base_lr != learning_rate:
            # MXNet prints this (not a warnings.warn) and lets learning_rate win
            print(UserWarning("learning rate from ``lr_scheduler`` has been overwritten by "
                              "``learning_rate`` in optimizer."))
            lr_scheduler.base_lr = learning_rate
        self.wd = wd
        self.lr_mult = {}
        self.wd_mult = {}
        self.begin_num_update = begin_num_update
        self.num_update = begin_num_update
        # update counts per device (Updater switches with _set_current_context)
        self._all_index_update_counts = {0: {}}
        self._index_update_count = self._all_index_update_counts[0]
        self.clip_gradient = clip_gradient
        self.multi_precision = multi_precision
        self.aggregate_num = 0
        if param_idx2name is None:
            param_idx2name = {}
        assert isinstance(param_idx2name, dict), \
            "param_idx2name should be a dict of param indexes to names."
        self.idx2name = param_idx2name.copy()
        self.sym_info = (sym.attr_dict(), sym.list_arguments()) if sym is not None else ()
        self.param_dict = param_dict if param_dict else {}
        self.allow_np_array = False       # mxgrad has no mx.np arrays
        self.set_lr_mult({})
        self.set_wd_mult({})

    @staticmethod
    def register(klass):
        """Registers an optimizer class under its lower-cased name, for :func:`create`
        (a later class of the same name replaces it, with a warning).

        >>> import mxgrad as mx
        >>> @mx.optimizer.Optimizer.register
        ... class Frozen(mx.optimizer.Optimizer):
        ...     def update(self, index, weight, grad, state):
        ...         pass
        >>> type(mx.optimizer.Optimizer.create_optimizer('frozen')).__name__
        'Frozen'
        """
        assert isinstance(klass, type), "register takes an optimizer class"
        name = klass.__name__.lower()
        old = Optimizer.opt_registry.get(name)
        if old is not None:
            warnings.warn(f"WARNING: New optimizer {klass.__module__}.{klass.__name__} is "
                          f"overriding existing optimizer {old.__module__}.{old.__name__}")
        Optimizer.opt_registry[name] = klass
        return klass

    @staticmethod
    def create_optimizer(name, **kwargs):
        """An instance of the optimizer registered as ``name`` (any case), made with
        ``kwargs``; ``mx.optimizer.create`` is the same function.

        >>> import mxgrad as mx
        >>> opt = mx.optimizer.Optimizer.create_optimizer('SGD', learning_rate=0.1)
        >>> type(opt).__name__, opt.learning_rate
        ('SGD', 0.1)
        """
        klass = Optimizer.opt_registry.get(name.lower())
        if klass is None:
            raise ValueError(f"Cannot find optimizer {name}")
        return klass(**kwargs)

    @property
    def learning_rate(self):
        """The current learning rate: the scheduler's at ``num_update``, else ``lr``.

        >>> import mxgrad as mx
        >>> mx.optimizer.Adam().learning_rate
        0.001
        """
        if self.lr_scheduler is not None:
            return self.lr_scheduler(self.num_update)
        return self.lr

    def create_state(self, index, weight):
        """The auxiliary state (momentum, moments, ...) of one weight, made once per weight;
        None when the optimizer keeps none.

        >>> import mxgrad as mx
        >>> mx.optimizer.SGD(momentum=0.9).create_state(0, mx.nd.ones((2,)))
        <BLANKLINE>
        [0. 0.]
        <NDArray 2 @cpu(0)>
        """
        return None

    def create_state_multi_precision(self, index, weight):
        """:meth:`create_state`, plus a float32 master copy of a float16 weight when
        ``multi_precision`` is on: ``(weight32, state)``.

        >>> import mxgrad as mx
        >>> opt = mx.optimizer.Adam(multi_precision=True)
        >>> w32, (mean, var) = opt.create_state_multi_precision(0, mx.nd.ones((2,),
        ...                                                     dtype='float16'))
        >>> w32.dtype, mean.dtype
        (<class 'numpy.float32'>, <class 'numpy.float32'>)
        """
        if weight.dtype == np.float16:
            if self.multi_precision:
                weight32 = weight.astype(np.float32)
                return (weight32, self.create_state(index, weight32))
            fp16_warning()
        return self.create_state(index, weight)

    def update(self, index, weight, grad, state):
        """Updates ``weight`` in place from ``grad`` and the ``state`` of
        :meth:`create_state`; ``index`` selects the learning-rate and weight-decay
        multipliers and the update count.

        >>> import mxgrad as mx
        >>> opt = mx.optimizer.SGD(learning_rate=0.1)
        >>> w = mx.nd.array([1.0, 2.0])
        >>> opt.update(0, w, mx.nd.array([1.0, 1.0]), None)
        >>> w
        <BLANKLINE>
        [0.9 1.9]
        <NDArray 2 @cpu(0)>
        """
        raise NotImplementedError()

    def update_multi_precision(self, index, weight, grad, state):
        """:meth:`update` through the float32 master copy of a float16 weight (when
        ``multi_precision`` is on), the weight then being its float16 cast.

        >>> import mxgrad as mx
        >>> opt = mx.optimizer.Adam(learning_rate=0.1, multi_precision=True)
        >>> w = mx.nd.array([1.0, 2.0], dtype='float16')
        >>> state = opt.create_state_multi_precision(0, w)
        >>> opt.update_multi_precision(0, w, mx.nd.array([1.0, -1.0], dtype='float16'), state)
        >>> w
        <BLANKLINE>
        [0.9 2.1]
        <NDArray 2 @cpu(0)>
        """
        if self.multi_precision and weight.dtype == np.float16:
            weight32, inner = state
            self.update(index, weight32, grad.astype(np.float32), inner)
            nd.cast(weight32, dtype=weight.dtype, out=weight)
        else:
            self.update(index, weight, grad, state)

    def set_learning_rate(self, lr):
        """Sets the fixed learning rate (refused when a scheduler sets it).

        >>> import mxgrad as mx
        >>> opt = mx.optimizer.SGD()
        >>> opt.set_learning_rate(0.3)
        >>> opt.learning_rate
        0.3
        """
        if self.lr_scheduler is not None:
            raise UserWarning("LRScheduler of the optimizer has already been defined. Note "
                              "that set_learning_rate can mutate the value of the learning "
                              "rate of the optimizer only when the LRScheduler of the "
                              "optimizer is undefined.")
        self.lr = lr

    def set_lr_scale(self, args_lrscale):
        """Deprecated in MXNet (raises DeprecationWarning): use :meth:`set_lr_mult`.

        >>> import mxgrad as mx
        >>> mx.optimizer.SGD().set_lr_scale({})
        Traceback (most recent call last):
        ...
        DeprecationWarning
        """
        raise DeprecationWarning

    def _symbol_mults(self, key):
        """The ``__lr_mult__``/``__wd_mult__`` attributes of the arguments of ``sym``."""
        if not self.sym_info:
            return {}
        attr, arg_names = self.sym_info
        return {name: float(attr[name][key]) for name in arg_names
                if name in attr and key in attr[name]}

    def set_lr_mult(self, args_lr_mult):
        """Per-parameter learning-rate multipliers, keyed by parameter index or name (names
        through ``param_idx2name``); they replace the earlier ones.

        >>> import mxgrad as mx
        >>> opt = mx.optimizer.SGD(learning_rate=0.1, param_idx2name={0: 'fc_bias'})
        >>> opt.set_lr_mult({'fc_bias': 2.0})
        >>> opt._get_lr(0)
        0.2
        """
        self.lr_mult = self._symbol_mults("__lr_mult__")
        self.lr_mult.update(args_lr_mult)

    def set_wd_mult(self, args_wd_mult):
        """Per-parameter weight-decay multipliers, keyed by index or name; parameters named
        in ``param_idx2name`` that end neither in ``_weight`` nor ``_gamma`` (biases, ...)
        get 0 unless given here.

        >>> import mxgrad as mx
        >>> opt = mx.optimizer.SGD(wd=0.1, param_idx2name={0: 'fc_weight', 1: 'fc_bias'})
        >>> opt._get_wd(0), opt._get_wd(1)
        (0.1, 0.0)
        """
        self.wd_mult = {n: 0.0 for n in self.idx2name.values()
                        if not (n.endswith("_weight") or n.endswith("_gamma"))}
        self.wd_mult.update(self._symbol_mults("__wd_mult__"))
        self.wd_mult.update(args_wd_mult)

    def _set_current_context(self, device_id):
        """Keeps separate update counts per device."""
        self._index_update_count = self._all_index_update_counts.setdefault(device_id, {})

    def _update_count(self, index):
        """Counts one more update of ``index`` (an index or a list of them)."""
        for idx in index if isinstance(index, (list, tuple)) else [index]:
            count = self._index_update_count.get(idx, self.begin_num_update) + 1
            self._index_update_count[idx] = count
            self.num_update = max(count, self.num_update)

    def _multiplied(self, base, indices, mults, attr):
        values = [base] * len(indices)
        for i, index in enumerate(indices):
            if index in self.param_dict:
                values[i] *= getattr(self.param_dict[index], attr)
            elif index in mults:
                values[i] *= mults[index]
            elif index in self.idx2name:
                values[i] *= mults.get(self.idx2name[index], 1.0)
        return values

    def _get_lrs(self, indices):
        """The learning rates of ``indices``: scheduler (or ``lr``) times multipliers."""
        lr = self.lr_scheduler(self.num_update) if self.lr_scheduler is not None else self.lr
        return self._multiplied(lr, indices, self.lr_mult, "lr_mult")

    def _get_lr(self, index):
        return self._get_lrs([index])[0]

    def _get_wds(self, indices):
        """The weight decays of ``indices``: ``wd`` times multipliers."""
        return self._multiplied(self.wd, indices, self.wd_mult, "wd_mult")

    def _get_wd(self, index):
        return self._get_wds([index])[0]

    def _step(self, index):
        """One more update of ``index``: counts it, then its (lr, wd). The multi-tensor path
        (``_update_many``) takes each index's scalars from here; optimizers whose kernels
        need more (bias corrections, factors) override it."""
        self._update_count(index)
        return self._get_lr(index), self._get_wd(index)

    def _clip_kwargs(self, key="clip_gradient"):
        """The clip argument of a fused update op: MXNet passes it only when set and
        non-zero."""
        return {key: self.clip_gradient} if self.clip_gradient else {}

    def __getstate__(self):
        state = self.__dict__.copy()
        del state["param_dict"]            # Gluon's Trainer sets it again
        return state

    def __setstate__(self, state):
        self.__dict__ = state
        self.param_dict = {}


register = Optimizer.register
create = Optimizer.create_optimizer

_UPDATE_METHODS = ("update", "update_multi_precision", "create_state",
                   "create_state_multi_precision")


def _owns_multi_update(opt):
    """Whether ``opt`` has a ``_update_many`` that computes what its ``update`` does: no
    subclass below the class defining ``_update_many`` replaced the update or the states."""
    mro = type(opt).__mro__
    owner = next((c for c in mro if "_update_many" in c.__dict__), None)
    if owner is None:
        return False
    return all(next(c for c in mro if name in c.__dict__) in owner.__mro__
               for name in _UPDATE_METHODS)


class Updater:
    """Applies an optimizer to (index, grad, weight) triples, creating and keeping each
    index's state; KVStore and Gluon's Trainer call it. States serialize with
    :meth:`get_states`/:meth:`set_states` (pickle).

    >>> import mxgrad as mx
    >>> updater = mx.optimizer.get_updater(mx.optimizer.SGD(learning_rate=0.1, momentum=0.9))
    >>> w = mx.nd.array([1.0, 2.0])
    >>> for _ in range(2):
    ...     updater(0, mx.nd.array([1.0, 1.0]), w)
    >>> w
    <BLANKLINE>
    [0.71 1.71]
    <NDArray 2 @cpu(0)>
    >>> updater.states[0]
    <BLANKLINE>
    [-0.19 -0.19]
    <NDArray 2 @cpu(0)>
    """

    def __init__(self, optimizer):
        self.optimizer = optimizer
        self.states = {}
        self.states_synced = {}
        self.aggregate_updates = optimizer.aggregate_num > 0

    def __call__(self, index, grad, weight):
        if isinstance(index, (list, tuple)):
            indices, grads, weights = list(index), list(grad), list(weight)
        else:
            indices, grads, weights = [index], [grad], [weight]
        if weights:
            self.optimizer._set_current_context(weights[0].context.device_id)
        for i, idx in enumerate(indices):
            if isinstance(idx, bytes):
                idx = indices[i] = idx.decode()
            if idx not in self.states:
                self.states[idx] = self.optimizer.create_state_multi_precision(idx, weights[i])
                self.states_synced[idx] = True
            elif not self.states_synced[idx]:
                self.states[idx] = self.sync_state_context(self.states[idx],
                                                           weights[i].context)
                self.states_synced[idx] = True
        # (MXNet loops forever once set_states swapped in an optimizer that does not
        # aggregate; the optimizer in use decides here)
        if not (self.aggregate_updates and self.optimizer.aggregate_num > 0):
            # optimizers MXNet updates one parameter at a time take many per launch here
            # (a private path: aggregate_num stays MXNet's)
            if len(indices) > 1 and _owns_multi_update(self.optimizer):
                self.optimizer._update_many(indices, weights, grads,
                                            [self.states[i] for i in indices])
                return
            for idx, w, g in zip(indices, weights, grads):
                self.optimizer.update_multi_precision(idx, w, g, self.states[idx])
            return
        # one multi-tensor update per dtype and per aggregate_num parameters
        by_dtype = {}
        for idx, w, g in zip(indices, weights, grads):
            by_dtype.setdefault(w.dtype, []).append((idx, w, g))
        size = self.optimizer.aggregate_num
        for group in by_dtype.values():
            for start in range(0, len(group), size):
                idxs, ws, gs = (list(t) for t in zip(*group[start:start + size]))
                self.optimizer.update_multi_precision(idxs, ws, gs,
                                                      [self.states[i] for i in idxs])

    def sync_state_context(self, state, context):
        """``state`` (an NDArray, or nested tuples/lists of them) moved to ``context``.

        >>> import mxgrad as mx
        >>> updater = mx.optimizer.get_updater(mx.optimizer.SGD())
        >>> updater.sync_state_context((mx.nd.ones((1,)), None), mx.cpu(0))[0].context
        cpu(0)
        """
        if isinstance(state, NDArray):
            return state.as_in_context(context)
        if isinstance(state, (tuple, list)):
            synced = [self.sync_state_context(s, context) for s in state]
            return tuple(synced) if isinstance(state, tuple) else synced
        return state

    def set_states(self, states):
        """Loads what :meth:`get_states` returned (the states, and the optimizer when it was
        dumped too); states move to their weights' context at the next update.

        >>> import mxgrad as mx
        >>> updater = mx.optimizer.get_updater(mx.optimizer.SGD(momentum=0.9))
        >>> updater(0, mx.nd.ones((2,)), mx.nd.ones((2,)))
        >>> fresh = mx.optimizer.get_updater(mx.optimizer.SGD(momentum=0.9))
        >>> fresh.set_states(updater.get_states())
        >>> fresh.states[0]
        <BLANKLINE>
        [-0.01 -0.01]
        <NDArray 2 @cpu(0)>
        """
        states = pickle.loads(states)
        if isinstance(states, tuple) and len(states) == 2:
            self.states, self.optimizer = states
            self.aggregate_updates = self.optimizer.aggregate_num > 0
        else:
            self.states = states
        self.states_synced = dict.fromkeys(self.states.keys(), False)

    def get_states(self, dump_optimizer=False):
        """The states as pickled bytes; with ``dump_optimizer`` the optimizer (its
        hyperparameters and update counts) too.

        >>> import mxgrad as mx
        >>> updater = mx.optimizer.get_updater(mx.optimizer.Adam())
        >>> type(updater.get_states(dump_optimizer=True))
        <class 'bytes'>
        """
        return pickle.dumps((self.states, self.optimizer) if dump_optimizer else self.states)


def get_updater(optimizer):
    """An :class:`Updater` around ``optimizer``.

    >>> import mxgrad as mx
    >>> type(mx.optimizer.get_updater(mx.optimizer.SGD())).__name__
    'Updater'
    """
    return Updater(optimizer)
