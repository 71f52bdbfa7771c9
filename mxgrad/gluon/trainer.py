"""``gluon.Trainer``: applies an optimizer to a set of Parameters after ``backward``, as
MXNet 1.9.1's does.

The updates go through :class:`mxgrad.optimizer.Updater`, which aggregates them (many
parameters per launch). Parameters on several contexts have their gradients summed across
the contexts first, in this process, as MXNet's ``'device'`` and ``'local'`` KVStores do;
then every copy gets the same update. With a distributed store (``kvstore='dist_sync'`` or
a ``mx.kv`` store of that type) the gradients are also summed across the processes, in one
``pushpull`` of every key per step, and every process applies the same update: the
parameters stay identical everywhere (rank 0's initial values are broadcast first).
"""
import os
import pickle

from mxgrad import kvstore as kvs
from mxgrad import optimizer as opt
from mxgrad import ndarray
from mxgrad.base import MXNetError
from mxgrad.gluon import trainer_states
from mxgrad.gluon.parameter import Parameter, ParameterDict

__all__ = ["Trainer"]

# The KVStore types of one process (MXNet's kvstore.create names); each sums the gradients
# of the contexts, which is what a Trainer needs of them.
_LOCAL_KVSTORES = ("local", "device", "nccl", "local_update_cpu", "local_allreduce_cpu",
                   "local_allreduce_device")
# Past this many elements in one Parameter MXNet's 'local' store updates on the contexts.
_BIG_PARAMETER = 1024 * 1024 * 16


def _stale_error(param, data):
    return UserWarning(
        f"Gradient of Parameter `{param.name}` on context {data.context} has not been updated "
        "by backward since last `step`. This could mean a bug in your model that made it "
        "only use a subset of the Parameters (Blocks) for this iteration. If you are "
        "intentionally only using a subset, call step with ignore_stale_grad=True to "
        "suppress this warning and skip updating of Parameters with stale gradient")


class Trainer:
    """Applies an Optimizer to a set of Parameters: ``Trainer(params, optimizer,
    optimizer_params=None, kvstore='device', compression_params=None,
    update_on_kvstore=None)``.

    ``params`` is a ParameterDict, a dict (taken in the order of its sorted keys) or a list
    of Parameters; ``optimizer`` an optimizer name (made with ``optimizer_params``) or an
    Optimizer. Each Parameter's ``lr_mult`` and ``wd_mult`` scale its learning rate and
    weight decay. ``step(batch_size)`` after ``backward`` updates every Parameter whose
    ``grad_req`` is not ``'null'``, with gradients scaled by ``rescale_grad / batch_size``.

    >>> net = mx.gluon.nn.Dense(1, in_units=2, prefix='fc_')
    >>> net.initialize(mx.init.One())
    >>> trainer = mx.gluon.Trainer(net.collect_params(), 'sgd', {'learning_rate': 0.1})
    >>> with mx.autograd.record():
    ...     loss = net(mx.nd.array([[1.0, 2.0], [3.0, 4.0]])).sum()
    >>> loss.backward()
    >>> trainer.step(2)
    >>> net.weight.data()
    <BLANKLINE>
    [[0.8 0.7]]
    <NDArray 1x2 @cpu(0)>
    """

    def __init__(self, params, optimizer, optimizer_params=None, kvstore="device",
                 compression_params=None, update_on_kvstore=None):
        if isinstance(params, (dict, ParameterDict)):
            params = [params[key] for key in sorted(params.keys())]
        if not isinstance(params, (list, tuple)):
            raise ValueError(f"First argument must be a list or dict of Parameters, got "
                             f"{type(params)}.")
        self._params = []
        self._param2idx = {}
        seen = set()
        for i, param in enumerate(params):
            if not isinstance(param, Parameter):
                raise ValueError("First argument must be a list or dict of Parameters, got "
                                 f"list of {type(param)}.")
            if id(param) in seen:
                raise ValueError(f"Parameter '{param.name}' is given to the Trainer more than "
                                 "once; it would be updated once for each time. Pass each "
                                 "Parameter once.")
            seen.add(id(param))
            self._param2idx[param.name] = i
            self._params.append(param)
            param._set_trainer(self)
        self._compression_params = compression_params
        self._contexts = self._check_contexts()
        self._kvstore_params = {"kvstore": kvstore, "update_on_kvstore": update_on_kvstore}
        self._reduce, self._update_on_kvstore = self._plan_reduction(kvstore, update_on_kvstore)
        self._init_optimizer(optimizer, optimizer_params if optimizer_params else {})
        self._scale = self._optimizer.rescale_grad
        self._distributed = self._kvstore is not None
        # Parameters whose copies are made equal on the first step (MXNet's broadcast from
        # the first context when the store starts); deferred ones wait for their shapes
        self._params_to_init = list(self._params) if self._reduce else []
        if self._distributed:
            # now, not at the first step as MXNet: the first gradients are then computed
            # from rank 0's values on every process (deferred Parameters: at the first step)
            self._broadcast_initial()

    def _check_contexts(self):
        contexts = None
        for param in self._params:
            ctx = param.list_ctx()
            if contexts is not None and contexts != ctx:
                raise AssertionError(
                    "All Parameters must be initialized on the same set of contexts, but "
                    f"Parameter {param.name} is initialized on {ctx} while previous "
                    f"Parameters are initialized on {contexts}.")
            contexts = ctx
        return list(contexts) if contexts else []

    def _plan_reduction(self, kvstore, update_on_kvstore):
        """(whether gradients are summed across contexts, update_on_kvstore), as MXNet
        decides them when it creates the KVStore; a distributed store is kept in
        ``self._kvstore``."""
        self._kvstore = None
        if isinstance(kvstore, kvs.KVStore):
            if "dist" not in kvstore.type:
                kvstore = kvstore.type        # one process: the sums happen here
        elif kvstore is not None and not isinstance(kvstore, str):
            raise TypeError("kvstore must be KVStore, str or None")
        if isinstance(kvstore, str) and ("dist" in kvstore or kvstore in ("horovod", "byteps")):
            kvstore = kvs.create(kvstore)     # refuses the types mxgrad does not have
        if isinstance(kvstore, kvs.KVStore):
            if self._compression_params:
                kvstore.set_gradient_compression(self._compression_params)   # refuses
            self._kvstore = kvstore
            on_store = bool(int(os.environ.get("MXNET_UPDATE_ON_KVSTORE", "1")))
            return True, on_store if update_on_kvstore is None else bool(update_on_kvstore)
        if kvstore is None or len(self._contexts) < 2:
            return False, None        # MXNet makes no KVStore for a single context
        if kvstore not in _LOCAL_KVSTORES:
            raise MXNetError(f"Unknown KVStore type '{kvstore}'; mxgrad has "
                             f"{', '.join(_LOCAL_KVSTORES)} (summed in this process) and None")
        if self._compression_params:
            raise MXNetError("compression_params: gradient compression is not available in "
                             "mxgrad (the contexts' gradients are summed exactly)")
        if update_on_kvstore is not None:
            return True, bool(update_on_kvstore)
        on_store = bool(int(os.environ.get("MXNET_UPDATE_ON_KVSTORE", "1")))
        if kvstore == "local" and any(_size(p) > _BIG_PARAMETER for p in self._params):
            on_store = False
        return True, on_store

    def _init_optimizer(self, optimizer, optimizer_params):
        param_dict = dict(enumerate(self._params))
        if isinstance(optimizer, opt.Optimizer):
            if optimizer_params:
                raise AssertionError("optimizer_params must be None if optimizer is an "
                                     "instance of Optimizer instead of str")
            self._optimizer = optimizer
            # the Parameters themselves, so later changes of lr_mult/wd_mult count
            self._optimizer.param_dict = param_dict
        elif isinstance(optimizer, str):
            self._optimizer = opt.create(optimizer, param_dict=param_dict, **optimizer_params)
        else:
            raise MXNetError(f"optimizer must be the name of an optimizer or an Optimizer, "
                             f"got {type(optimizer).__name__}")
        self._updaters = [opt.get_updater(self._optimizer)
                          for _ in range(max(1, len(self._contexts)))]
        # with update_on_kvstore, one updater keeps the states, as MXNet's KVStore does
        self._store_updater = opt.get_updater(self._optimizer) \
            if self._update_on_kvstore else None

    @property
    def learning_rate(self):
        """The optimizer's current learning rate.

        >>> p = mx.gluon.Parameter('w', shape=(2,)); p.initialize()
        >>> mx.gluon.Trainer([p], 'adam').learning_rate
        0.001
        """
        return self._optimizer.learning_rate

    @property
    def optimizer(self):
        """The Optimizer in use.

        >>> p = mx.gluon.Parameter('w', shape=(2,)); p.initialize()
        >>> mx.gluon.Trainer([p], 'nag', {'momentum': 0.9}).optimizer.momentum
        0.9
        """
        return self._optimizer

    def set_learning_rate(self, lr):
        """Sets the optimizer's learning rate (refused when it has an lr_scheduler).

        >>> p = mx.gluon.Parameter('w', shape=(2,)); p.initialize()
        >>> trainer = mx.gluon.Trainer([p], 'sgd')
        >>> trainer.set_learning_rate(0.25); trainer.learning_rate
        0.25
        """
        self._optimizer.set_learning_rate(lr)

    def _broadcast_initial(self):
        """Make the copies of each Parameter equal to its first one, once (skipping those
        still waiting for deferred initialization)."""
        waiting, ready = [], []
        for param in self._params_to_init:
            if param._deferred_init:
                waiting.append(param)
                continue
            ready.append(param)
            first, *others = param.list_data()
            for copy in others:
                first.copyto(copy)
        if self._kvstore is not None and ready:
            # the store takes rank 0's values and every process starts from them
            keys = [self._param2idx[p.name] for p in ready]
            self._kvstore.init(keys, [p.list_data()[0] for p in ready])
            self._kvstore.pull(keys, out=[p.list_data() for p in ready])
        self._params_to_init = waiting

    def _check_params(self, stale_too):
        """Refuse, before any change, Parameters moved to other contexts since the Trainer
        was made (its updaters are per context) and, when ``stale_too``, stale gradients."""
        for param in self._params:
            if param.grad_req == "null":
                continue
            data = param.list_data()
            if param.list_ctx() != self._contexts:
                raise MXNetError(f"Parameter '{param.name}' is on {param.list_ctx()} but the "
                                 f"Trainer was made for {self._contexts}; make a new Trainer "
                                 "after moving Parameters (reset_ctx)")
            if stale_too:
                for arr in data:
                    if not arr._fresh_grad:
                        raise _stale_error(param, arr)

    def step(self, batch_size, ignore_stale_grad=False):
        """One update of every Parameter from its gradient (call it after ``backward``,
        outside ``record()``): :meth:`allreduce_grads`, then :meth:`update`. Gradients are
        scaled by ``1 / batch_size`` (give 1 when the loss is a mean already).

        A Parameter whose gradient ``backward`` did not write since the last step raises
        ``UserWarning``, unless ``ignore_stale_grad``: then it is left as it is.

        >>> p = mx.gluon.Parameter('w', shape=(2,), init=mx.init.One()); p.initialize()
        >>> trainer = mx.gluon.Trainer([p], 'sgd', {'learning_rate': 1.0})
        >>> with mx.autograd.record():
        ...     loss = (p.data() * mx.nd.array([2.0, 4.0])).sum()
        >>> loss.backward()
        >>> trainer.step(2); p.data()
        <BLANKLINE>
        [ 0. -1.]
        <NDArray 2 @cpu(0)>
        >>> trainer.step(2)
        Traceback (most recent call last):
        ...
        UserWarning: Gradient of Parameter `w` on context cpu(0) has not been updated ...
        """
        self._optimizer.rescale_grad = self._scale / batch_size
        self._check_params(not ignore_stale_grad)
        if self._params_to_init:
            self._broadcast_initial()
        if self._update_on_kvstore:
            self._update_through_store(ignore_stale_grad)
            return
        self._allreduce_grads()
        self._update(ignore_stale_grad)

    def _refuse_on_store(self, what):
        if self._update_on_kvstore:
            raise AssertionError(f"{what}() when parameters are updated on kvstore is not "
                                 "supported. Try setting `update_on_kvstore` to False when "
                                 "creating trainer.")

    def allreduce_grads(self):
        """Sums each Parameter's gradients over its contexts, into every context's gradient
        (nothing to do on one context); :meth:`update` then applies them. ``step`` is the
        two together; call them apart to change the summed gradients in between (clipping).

        >>> p = mx.gluon.Parameter('w', shape=(2,)); p.initialize(ctx=[mx.cpu(0), mx.cpu(1)])
        >>> trainer = mx.gluon.Trainer([p], 'sgd', update_on_kvstore=False)
        >>> p.grad(mx.cpu(0))[:] = 1; p.grad(mx.cpu(1))[:] = 2
        >>> trainer.allreduce_grads(); p.grad(mx.cpu(1))
        <BLANKLINE>
        [3. 3.]
        <NDArray 2 @cpu(1)>
        """
        self._refuse_on_store("allreduce_grads")
        self._check_params(False)
        if self._params_to_init:
            self._broadcast_initial()
        self._allreduce_grads()

    def _summed(self, grads):
        """The sum of one Parameter's gradients, on the first one's context."""
        home = grads[0].context
        return ndarray.add_n(*(g.as_in_context(home) for g in grads))

    def _allreduce_grads(self):
        if not self._reduce:
            return
        if self._kvstore is not None:
            self._reduce_across([p for p in self._params if p.grad_req != "null"])
            return
        for param in self._params:
            if param.grad_req == "null":
                continue
            grads = param.list_grad()
            total = self._summed(grads)
            for grad in grads:
                total.copyto(grad)

    def _reduce_across(self, params):
        """Every gradient of ``params`` becomes its sum over the contexts and the processes:
        one pushpull of all their keys (the store checks that every process sends the same
        keys and shapes)."""
        if params:
            self._kvstore.pushpull([self._param2idx[p.name] for p in params],
                                   [p.list_grad() for p in params])

    def update(self, batch_size, ignore_stale_grad=False):
        """The update half of :meth:`step`, after :meth:`allreduce_grads` (not available
        with ``update_on_kvstore``, where the store updates).

        >>> p = mx.gluon.Parameter('w', shape=(2,), init=mx.init.One()); p.initialize()
        >>> trainer = mx.gluon.Trainer([p], 'sgd', {'learning_rate': 1.0})
        >>> with mx.autograd.record():
        ...     loss = (p.data() * 3).sum()
        >>> loss.backward()
        >>> trainer.allreduce_grads()
        >>> p.grad()[:] = p.grad().clip(-1, 1)     # clipped before the update
        >>> trainer.update(1); p.data()
        <BLANKLINE>
        [0. 0.]
        <NDArray 2 @cpu(0)>
        """
        self._refuse_on_store("update")
        self._optimizer.rescale_grad = self._scale / batch_size
        self._check_params(not ignore_stale_grad)
        if self._params_to_init:
            self._broadcast_initial()
        self._update(ignore_stale_grad)

    def _update(self, ignore_stale_grad):
        """Each context's updater applies the (summed) gradients to its copies."""
        updates = [[] for _ in self._updaters]
        for i, param in enumerate(self._params):
            if param.grad_req == "null":
                continue
            for batch, data, grad in zip(updates, param.list_data(), param.list_grad()):
                if not ignore_stale_grad or data._fresh_grad:
                    batch.append((i, grad, data))
        for updater, batch in zip(self._updaters, updates):
            if batch:
                indices, grads, weights = (list(t) for t in zip(*batch))
                updater(indices, grads, weights)
                for data in weights:
                    data._fresh_grad = False

    def _update_through_store(self, ignore_stale_grad):
        """update_on_kvstore: the summed gradient updates the first copy, which the other
        copies then take (the gradients stay as backward left them, as in MXNet)."""
        indices, grads, weights, copies, params = [], [], [], [], []
        for i, param in enumerate(self._params):
            if param.grad_req == "null":
                continue
            data = param.list_data()
            if ignore_stale_grad and not any(d._fresh_grad for d in data):
                continue
            indices.append(i)
            params.append(param)
            weights.append(data[0])
            copies.append(data)
        if not indices:
            return
        if self._kvstore is not None:
            # summed across contexts and processes in place; every process then applies
            # the same update to the same weights, as a store holding the optimizer would
            self._reduce_across(params)
            grads = [p.list_grad()[0] for p in params]
        else:
            grads = [self._summed(p.list_grad()) for p in params]
        self._store_updater(indices, grads, weights)
        for data in copies:
            for copy in data[1:]:
                data[0].copyto(copy)
            for d in data:
                d._fresh_grad = False

    def _states_updaters(self):
        return [self._store_updater] if self._update_on_kvstore else self._updaters

    def save_states(self, fname):
        """Writes the optimizer and its states (momentum, ...) to ``fname``, in the format of
        MXNet 1.9.1's Trainer (its ``load_states`` reads the file, and this one reads
        MXNet's). The Parameters' ``lr_mult``/``wd_mult`` are not saved.

        >>> import os, tempfile
        >>> p = mx.gluon.Parameter('w', shape=(2,)); p.initialize()
        >>> trainer = mx.gluon.Trainer([p], 'adam', {'learning_rate': 0.01})
        >>> fname = os.path.join(tempfile.mkdtemp(), 'trainer.states')
        >>> trainer.save_states(fname)
        >>> other = mx.gluon.Trainer([p], 'sgd'); other.load_states(fname)
        >>> type(other.optimizer).__name__, other.learning_rate
        ('Adam', 0.01)
        """
        updater = self._states_updaters()[0]
        payload = trainer_states.dumps((updater.states, updater.optimizer))
        with open(fname, "wb") as f:
            f.write(payload)

    def load_states(self, fname):
        """Reads what :meth:`save_states` (or MXNet's) wrote: the optimizer (it replaces this
        Trainer's, with this Trainer's Parameters) and its states, moved to each context.

        >>> import os, tempfile
        >>> p = mx.gluon.Parameter('w', shape=(2,)); p.initialize()
        >>> trainer = mx.gluon.Trainer([p], 'sgd', {'learning_rate': 0.5, 'momentum': 0.9})
        >>> fname = os.path.join(tempfile.mkdtemp(), 'trainer.states')
        >>> trainer.save_states(fname)
        >>> trainer.set_learning_rate(0.1); trainer.load_states(fname); trainer.learning_rate
        0.5
        """
        with open(fname, "rb") as f:
            payload = f.read()
        updaters = self._states_updaters()
        for updater in updaters:
            # each updater its own arrays (moved to its context at its next update)
            updater.set_states(_native_pickle(trainer_states.loads(payload)))
        self._optimizer = updaters[0].optimizer
        for updater in self._updaters + updaters:
            updater.optimizer = self._optimizer
        self._optimizer.param_dict = dict(enumerate(self._params))


def _native_pickle(loaded):
    """What Updater.set_states reads: loaded states (and optimizer) in mxgrad's pickle."""
    return pickle.dumps(loaded)


def _size(param):
    size = 1
    for dim in param.shape or ():
        size *= dim
    return size
