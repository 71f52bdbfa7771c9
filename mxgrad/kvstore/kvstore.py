"""The single-process KVStore ('local' and 'device'): values pushed for a key are summed
across the contexts they live on, then stored (or given to the optimizer set with
``set_optimizer``, which updates the stored value once per key); ``pull`` copies the stored
value out to every context that asks.

Built only on the public NDArray API. ``KVStore`` is also the base of the multi-process
store in :mod:`mxgrad.kvstore.dist`, which overrides the one step that crosses processes
(:meth:`KVStore._reduce_across`, a no-op here).
"""
import numbers
import pickle
import warnings

from mxgrad import optimizer as opt
from mxgrad.base import MXNetError
from mxgrad.context import cpu
from mxgrad.ndarray import NDArray

__all__ = ["KVStoreBase", "KVStore"]


def _context_text(values):
    return ", ".join(str(v.context) for v in values)


class KVStoreBase:
    """The interface every key-value store implements, and the registry ``create`` reads:
    a subclass decorated with :meth:`KVStoreBase.register` is created by its lower-cased
    class name.

    >>> @mx.kvstore.KVStoreBase.register
    ... class EchoStore(mx.kvstore.KVStore):
    ...     pass
    >>> type(mx.kv.create('echostore')).__name__
    'EchoStore'
    >>> del mx.kvstore.KVStoreBase.kv_registry['echostore']
    """

    OPTIMIZER = "optimizer"
    kv_registry = {}

    @staticmethod
    def register(klass):
        """Register ``klass`` so that ``create(klass.__name__.lower())`` makes one.

        >>> class MyStore(mx.kvstore.KVStore):
        ...     pass
        >>> mx.kvstore.KVStoreBase.register(MyStore) is MyStore
        True
        >>> del mx.kvstore.KVStoreBase.kv_registry['mystore']
        """
        if not isinstance(klass, type):
            raise MXNetError(f"KVStoreBase.register expects a class, got {klass!r}")
        name = klass.__name__.lower()
        if name in KVStoreBase.kv_registry:
            warnings.warn(f"kvstore {name!r} is registered again: {klass.__module__}."
                          f"{klass.__name__} replaces the earlier class", stacklevel=2)
        KVStoreBase.kv_registry[name] = klass
        return klass


class KVStore(KVStoreBase):
    """A key-value store for data-parallel training in one process ('local' or 'device').

    ``push`` sums the values given for a key (one per context) and stores the sum, or hands
    it to the optimizer (``set_optimizer``) which updates the stored value; ``pull`` copies
    the stored value into arrays on any context; ``pushpull`` does both. Keys are ints or
    strs (one kind per store); a call takes one key or a list of keys, each with an
    NDArray or a list of NDArrays. 'local' keeps the stored values on ``cpu(0)``, 'device'
    on the context of the value given to ``init``; both sum on the stored value's context.
    ``priority`` is accepted and ignored: operations run in call order.

    >>> kv = mx.kv.create('local')
    >>> kv.init('w', mx.nd.ones((2,)))
    >>> kv.push('w', [mx.nd.ones((2,), ctx=mx.cpu(0)), mx.nd.ones((2,), ctx=mx.cpu(1)) * 2])
    >>> out = mx.nd.zeros((2,))
    >>> kv.pull('w', out=out)
    >>> out
    <BLANKLINE>
    [3. 3.]
    <NDArray 2 @cpu(0)>
    >>> kv.type, kv.rank, kv.num_workers
    ('local', 0, 1)
    """

    def __init__(self, name="local"):
        self._type = name
        self._store = {}            # key -> the stored NDArray
        self._key_kind = None       # int or str, fixed by the first key
        self._updater = None

    # --- who and what ---------------------------------------------------------------
    @property
    def type(self):
        """The store's type, as given to ``create``.

        >>> mx.kv.create('device').type
        'device'
        """
        return self._type

    @property
    def rank(self):
        """This worker's rank, in ``range(num_workers)`` (0 in one process).

        >>> mx.kv.create('local').rank
        0
        """
        return 0

    @property
    def num_workers(self):
        """How many workers (processes) share the store (1 in one process).

        >>> mx.kv.create('local').num_workers
        1
        """
        return 1

    def is_capable(self, capability):
        """Whether the store supports ``capability``: 'optimizer' (updates run in the store,
        ``set_optimizer``) is supported.

        >>> mx.kv.create('local').is_capable('optimizer')
        True
        """
        if str(capability).lower() == KVStoreBase.OPTIMIZER:
            return True
        raise MXNetError(f"unknown kvstore capability {capability!r}: expected 'optimizer'")

    def __repr__(self):
        return (f"<KVStore {self._type!r}: rank {self.rank} of {self.num_workers}, "
                f"{len(self._store)} keys>")

    # --- arguments --------------------------------------------------------------------
    def _check_key(self, key, op):
        if isinstance(key, bool) or not isinstance(key, (numbers.Integral, str)):
            raise MXNetError(f"kvstore.{op}: a key is an int or a str, got "
                             f"{type(key).__name__} {key!r}")
        kind = str if isinstance(key, str) else int
        if self._key_kind is None:
            self._key_kind = kind
        elif kind is not self._key_kind:
            raise MXNetError(f"kvstore.{op}: key {key!r} is a {kind.__name__} but this store's "
                             f"keys are {self._key_kind.__name__}s: mixed key types are not "
                             "allowed")
        return key if kind is str else int(key)

    @staticmethod
    def _as_list(value, what, op):
        values = [value] if isinstance(value, NDArray) else value
        if not isinstance(values, (list, tuple)) or not values or \
                not all(isinstance(v, NDArray) for v in values):
            raise MXNetError(f"kvstore.{op}: {what} must be an NDArray or a non-empty list of "
                             f"NDArrays, got {type(value).__name__}")
        stype = getattr(values[0], "stype", "default")
        if stype != "default":
            raise MXNetError(f"kvstore.{op}: only dense ('default' storage) values are "
                             f"supported, got {stype!r}")
        return list(values)

    def _pairs(self, key, value, op, what="value"):
        """[(key, [NDArray, ...]), ...] in first-seen key order; a key repeated in one call
        has its values joined (they are summed), as in MXNet."""
        if isinstance(key, (list, tuple)):
            if not isinstance(value, (list, tuple)) or len(key) != len(value):
                n = len(value) if isinstance(value, (list, tuple)) else 1
                raise MXNetError(f"kvstore.{op}: {len(key)} keys but {n} {what}s: give one "
                                 f"{what} (an NDArray or a list of NDArrays) per key")
            if not key:
                return []
            kinds = {str if isinstance(k, str) else int for k in key}
            if len(kinds) > 1:
                raise MXNetError(f"kvstore.{op}: mixed key types in one call: {list(key)!r}")
            grouped = {}
            for k, v in zip(key, value):
                k = self._check_key(k, op)
                grouped.setdefault(k, []).extend(self._as_list(v, what, op))
            return list(grouped.items())
        return [(self._check_key(key, op), self._as_list(value, what, op))]

    def _stored(self, key, op):
        try:
            return self._store[key]
        except KeyError:
            raise MXNetError(f"kvstore.{op}: key {key!r} has not been initialized: call "
                             "init (or broadcast) with it first") from None

    @staticmethod
    def _check_shapes(key, stored, values, op, what):
        for v in values:
            if v.shape != stored.shape:
                raise MXNetError(f"kvstore.{op}: {what} of shape {v.shape} for key {key!r}, "
                                 f"whose stored value has shape {stored.shape}")

    def _home(self, value):
        """The context a key's stored value lives on."""
        if self._type.startswith("local") and "device" not in self._type:
            try:
                cpu(0).device_info
                return cpu(0)
            except MXNetError:          # no OpenCL CPU device: stay where the value is
                pass
        return value.context

    # --- the operations --------------------------------------------------------------
    def init(self, key, value):
        """Initialize ``key`` (or a list of keys) with ``value`` (an NDArray, or a list of
        NDArrays whose first is taken, per key). A key is initialized once.

        >>> kv = mx.kv.create('local')
        >>> kv.init([3, 5], [mx.nd.ones((2, 2)), mx.nd.zeros(3)])
        >>> out = mx.nd.zeros((2, 2))
        >>> kv.pull(3, out=out)
        >>> out.asnumpy()
        array([[1., 1.],
               [1., 1.]], dtype=float32)
        """
        pairs = self._pairs(key, value, "init")
        for k, values in pairs:
            if k in self._store:
                raise MXNetError(f"kvstore.init: key {k!r} is already initialized (init or "
                                 "broadcast was called with it before)")
        self._init_values([(k, values[0]) for k, values in pairs])

    def _init_values(self, items):
        for k, v in items:
            self._store[k] = v.copyto(self._home(v))

    def push(self, key, value, priority=0):
        """Push ``value`` for ``key`` (or lists of both): the values given for a key (one per
        context) are summed; the sum replaces the stored value, or, after
        :meth:`set_optimizer`, updates it through the optimizer.

        >>> kv = mx.kv.create('local')
        >>> kv.init(0, mx.nd.zeros(2))
        >>> kv.push(0, [mx.nd.ones(2), mx.nd.ones(2, ctx=mx.cpu(1))])
        >>> out = mx.nd.zeros(2)
        >>> kv.pull(0, out=out)
        >>> out
        <BLANKLINE>
        [2. 2.]
        <NDArray 2 @cpu(0)>
        """
        self._push_pairs(self._pairs(key, value, "push"), "push")

    def _push_pairs(self, pairs, op):
        """Sum each key's values locally, then across workers, then store or update."""
        for k, values in pairs:                  # every check before any work
            self._check_shapes(k, self._stored(k, op), values, op, "value")
        merged = [(k, self._local_sum(values, self._store[k])) for k, values in pairs]
        self._reduce_across([m for _, m in merged], [k for k, _ in merged], op)
        for k, m in merged:
            stored = self._store[k]
            if self._updater is not None:
                self._updater(k, m, stored)
            else:
                m.copyto(stored)

    @staticmethod
    def _local_sum(values, stored):
        """A new array on the stored value's context holding the sum of ``values``."""
        home = stored.context
        parts = [v if v.context == home else v.as_in_context(home) for v in values]
        parts = [p if p.dtype == stored.dtype else p.astype(stored.dtype) for p in parts]
        if len(parts) == 1:
            return parts[0].copy()
        total = parts[0] + parts[1]
        for p in parts[2:]:
            total = total + p
        return total

    def _reduce_across(self, arrays, keys, op):
        """Sum ``arrays`` in place across workers (one worker here: nothing to do)."""

    def pull(self, key, out=None, priority=0, ignore_sparse=True):
        """Copy the stored value of ``key`` (or a list of keys) into ``out``: an NDArray or
        a list of NDArrays (any contexts) per key.

        >>> kv = mx.kv.create('device')
        >>> kv.init('b', mx.nd.array([1, 2]))
        >>> outs = [mx.nd.zeros(2, ctx=mx.cpu(0)), mx.nd.zeros(2, ctx=mx.cpu(1))]
        >>> kv.pull('b', out=outs)
        >>> outs[1]
        <BLANKLINE>
        [1. 2.]
        <NDArray 2 @cpu(1)>
        """
        if out is None:
            raise MXNetError("kvstore.pull: out is required (the arrays to copy the stored "
                             "values into)")
        pairs = self._pairs(key, out, "pull", what="out")
        for k, outs in pairs:
            stored = self._stored(k, "pull")
            self._check_shapes(k, stored, outs, "pull", "out")
        for k, outs in pairs:
            for o in outs:
                self._store[k].copyto(o)

    def pushpull(self, key, value, out=None, priority=0):
        """Push ``value`` then pull into ``out`` (into ``value`` itself when ``out`` is None):
        without an optimizer this is an all-reduce of the values given for the key.

        >>> kv = mx.kv.create('local')
        >>> kv.init('g', mx.nd.zeros(2))
        >>> grads = [mx.nd.array([1, 2]), mx.nd.array([3, 4], ctx=mx.cpu(1))]
        >>> kv.pushpull('g', grads)
        >>> grads[1]
        <BLANKLINE>
        [4. 6.]
        <NDArray 2 @cpu(1)>
        """
        pairs = self._pairs(key, value, "pushpull")
        if out is None:
            out_pairs = pairs
        else:
            out_pairs = self._pairs(key, out, "pushpull", what="out")
        for k, outs in out_pairs:
            self._check_shapes(k, self._stored(k, "pushpull"), outs, "pushpull", "out")
        if out is None and self._updater is None:
            self._allreduce_in_place(pairs)
            return
        self._push_pairs(pairs, "pushpull")
        for k, outs in out_pairs:
            for o in outs:
                self._store[k].copyto(o)

    def _allreduce_in_place(self, pairs):
        """pushpull into the pushed arrays without an optimizer (a Trainer's gradients): a
        key's single value is summed across workers where it is, without the copies into
        and out of a separate sum; the store keeps a copy for later pulls."""
        for k, values in pairs:
            self._check_shapes(k, self._stored(k, "pushpull"), values, "pushpull", "value")
        sums = []
        for k, values in pairs:
            stored = self._store[k]
            if len(values) == 1 and values[0].dtype == stored.dtype:
                sums.append(values[0])
            else:
                sums.append(self._local_sum(values, stored))
        self._reduce_across(sums, [k for k, _ in pairs], "pushpull")
        for (k, values), total in zip(pairs, sums):
            total.copyto(self._store[k])
            for v in values:
                if v is not total:
                    total.copyto(v)

    def broadcast(self, key, value, out, priority=0):
        """Initialize ``key`` with ``value`` (rank 0's, across workers) and copy it into
        ``out`` (an NDArray or a list of them).

        >>> kv = mx.kv.create('local')
        >>> out = mx.nd.zeros(3, ctx=mx.cpu(1))
        >>> kv.broadcast('w', mx.nd.array([1, 2, 3]), out=out)
        >>> out
        <BLANKLINE>
        [1. 2. 3.]
        <NDArray 3 @cpu(1)>
        """
        pairs = self._pairs(key, out, "broadcast", what="out")
        self._pairs(key, value, "broadcast")      # checked before anything is stored
        self.init(key, value)
        for k, outs in pairs:
            self._check_shapes(k, self._store[k], outs, "broadcast", "out")
            for o in outs:
                self._store[k].copyto(o)

    def row_sparse_pull(self, key, out=None, priority=0, row_ids=None):
        """Not supported: mxgrad has dense arrays only.

        >>> mx.kv.create('local').row_sparse_pull(0)
        Traceback (most recent call last):
        ...
        mxgrad.base.MXNetError: kvstore.row_sparse_pull: row_sparse storage is not supported (mxgrad has dense arrays only); use pull
        """
        raise MXNetError("kvstore.row_sparse_pull: row_sparse storage is not supported "
                         "(mxgrad has dense arrays only); use pull")

    # --- optimizer ------------------------------------------------------------------
    def set_optimizer(self, optimizer):
        """Apply ``optimizer`` in the store: each ``push`` updates the stored value once per
        key with the summed gradient (``optimizer.update(key, weight, grad, state)``).

        >>> kv = mx.kv.create('local')
        >>> kv.init(0, mx.nd.array([1.0, 2.0]))
        >>> kv.set_optimizer(mx.optimizer.SGD(learning_rate=0.1))
        >>> kv.push(0, mx.nd.array([1.0, 1.0]))
        >>> w = mx.nd.zeros(2)
        >>> kv.pull(0, out=w)
        >>> w
        <BLANKLINE>
        [0.9 1.9]
        <NDArray 2 @cpu(0)>
        """
        if not isinstance(optimizer, opt.Optimizer):
            raise MXNetError(f"kvstore.set_optimizer expects an mx.optimizer.Optimizer, got "
                             f"{type(optimizer).__name__}")
        self._set_updater(opt.get_updater(optimizer))

    def _set_updater(self, updater):
        """Use ``updater(key, merged_grad, stored_weight)`` for every push.

        >>> kv = mx.kv.create('local')
        >>> kv.init(0, mx.nd.ones(2))
        >>> def update(key, grad, weight):
        ...     weight[:] = weight + grad * 2
        >>> kv._set_updater(update)
        >>> kv.push(0, mx.nd.ones(2))
        >>> w = mx.nd.zeros(2); kv.pull(0, out=w); w.asnumpy()
        array([3., 3.], dtype=float32)
        """
        if not callable(updater):
            raise MXNetError(f"kvstore._set_updater expects a callable, got {updater!r}")
        self._updater = updater

    def _optimizer_updater(self, op):
        if not isinstance(self._updater, opt.Updater):
            raise MXNetError(f"kvstore.{op}: no optimizer set on this store (call "
                             "set_optimizer first)")
        return self._updater

    def save_optimizer_states(self, fname, dump_optimizer=False):
        """Write the optimizer's states (and the optimizer with ``dump_optimizer``) to
        ``fname``, for :meth:`load_optimizer_states`.

        >>> import os, tempfile
        >>> kv = mx.kv.create('local')
        >>> kv.init(0, mx.nd.ones(2))
        >>> kv.set_optimizer(mx.optimizer.SGD(learning_rate=0.1, momentum=0.9))
        >>> kv.push(0, mx.nd.ones(2))
        >>> path = os.path.join(tempfile.mkdtemp(), 'states')
        >>> kv.save_optimizer_states(path)
        >>> kv.load_optimizer_states(path)
        """
        data = self._optimizer_updater("save_optimizer_states").get_states(dump_optimizer)
        with open(fname, "wb") as f:
            f.write(data)

    def load_optimizer_states(self, fname):
        """Read optimizer states written by :meth:`save_optimizer_states`.

        >>> kv = mx.kv.create('local')
        >>> kv.load_optimizer_states('states')
        Traceback (most recent call last):
        ...
        mxgrad.base.MXNetError: kvstore.load_optimizer_states: no optimizer set on this store (call set_optimizer first)
        """
        updater = self._optimizer_updater("load_optimizer_states")
        with open(fname, "rb") as f:
            data = f.read()
        try:
            updater.set_states(data)
        except (pickle.UnpicklingError, EOFError, ValueError) as e:
            raise MXNetError(f"kvstore.load_optimizer_states: {fname} holds no optimizer "
                             f"states ({e})") from None

    def set_gradient_compression(self, compression_params):
        """Not supported: gradients are reduced at full precision.

        >>> mx.kv.create('local').set_gradient_compression({'type': '2bit'})
        Traceback (most recent call last):
        ...
        mxgrad.base.MXNetError: kvstore.set_gradient_compression: gradient compression is not supported by mxgrad's kvstore (gradients are reduced at full precision)
        """
        raise MXNetError("kvstore.set_gradient_compression: gradient compression is not "
                         "supported by mxgrad's kvstore (gradients are reduced at full "
                         "precision)")

    # --- synchronization ------------------------------------------------------------------
    def _barrier(self):
        """Wait until every worker reaches this point (one worker here: returns at once).

        >>> mx.kv.create('local')._barrier()
        """

    def barrier(self):
        """The same as :meth:`_barrier` (MXNet 1.9.1's name), under a public name.

        >>> mx.kv.create('local').barrier()
        """
        self._barrier()
