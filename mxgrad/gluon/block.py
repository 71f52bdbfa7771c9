"""Gluon Blocks: layers and models that own Parameters and child Blocks.

Naming follows MXNet 1.9.1: a Block made outside any ``name_scope`` is named from a
process-wide counter per kind (``dense0_``, ``dense1_``, ...); inside a parent's
``with self.name_scope():`` the counter is the parent's own, and the child's prefix is the
parent's prefix plus its name (``net_dense0_``). ``save_parameters`` keys are the structural
attribute paths (``0.weight``, ``body.dense0.bias``), as MXNet writes them.

mxgrad runs every HybridBlock imperatively with ``F = mx.nd``: ``hybridize()`` is accepted
and changes no result. Parameters whose shape is only known from the input are finished by
the Block's ``infer_shape(*args)`` on the first call (MXNet infers them from the symbolic
graph, which mxgrad does not build).
"""
import re
import threading
import warnings
import weakref
from collections import OrderedDict, defaultdict

from mxgrad import initializer, ndarray
from mxgrad.base import MXNetError
from mxgrad.ndarray import NDArray
from mxgrad.gluon.parameter import (DeferredInitializationError, Parameter, ParameterDict,
                                    _brief_print_list, _indent)

__all__ = ["Block", "HybridBlock", "SymbolBlock"]


class _NameCounter:
    """Process-wide counters for top-level Block names (MXNet's NameManager)."""
    lock = threading.Lock()
    counts = {}

    @classmethod
    def next(cls, hint):
        with cls.lock:
            n = cls.counts.get(hint, 0)
            cls.counts[hint] = n + 1
        return f"{hint}{n}"


class _BlockScope:
    """The ``name_scope`` of a Block: children made inside get names from its counters."""
    _current = threading.local()

    def __init__(self, block):
        self._block = block
        self._counter = {}
        self._old_scope = None

    @staticmethod
    def create(prefix, params, hint):
        """The (prefix, ParameterDict) of a new Block, from the scope it is made in."""
        current = getattr(_BlockScope._current, "value", None)
        if current is None:
            if prefix is None:
                prefix = _NameCounter.next(hint) + "_"
            params = ParameterDict(prefix) if params is None else ParameterDict(params.prefix,
                                                                                 params)
            return prefix, params
        if prefix is None:
            count = current._counter.get(hint, 0)
            prefix = f"{hint}{count}_"
            current._counter[hint] = count + 1
        if params is None:
            parent = current._block.params
            params = ParameterDict(parent.prefix + prefix, parent._shared)
        else:
            params = ParameterDict(params.prefix, params)
        return current._block.prefix + prefix, params

    def __enter__(self):
        if self._block._empty_prefix:
            return self
        self._old_scope = getattr(_BlockScope._current, "value", None)
        _BlockScope._current.value = self
        return self

    def __exit__(self, *exc):
        if self._block._empty_prefix:
            return
        _BlockScope._current.value = self._old_scope


class HookHandle:
    """Detaches a forward hook: ``handle.detach()`` (or use it as a context manager)."""

    def __init__(self):
        self._hooks_ref = None
        self._id = None

    def attach(self, hooks, hook):
        if self._hooks_ref is not None:
            raise AssertionError("The same handle cannot be attached twice.")
        self._id = id(hook)
        hooks[self._id] = hook
        self._hooks_ref = weakref.ref(hooks)

    def detach(self):
        hooks = self._hooks_ref() if self._hooks_ref is not None else None
        if hooks is not None and self._id in hooks:
            del hooks[self._id]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.detach()


class Block:
    """Base class of layers and models: override ``forward``; assign child Blocks and
    Parameters as attributes (inside ``with self.name_scope():`` for MXNet's names).

    >>> class Net(mx.gluon.Block):
    ...     def __init__(self, **kwargs):
    ...         super().__init__(**kwargs)
    ...         with self.name_scope():
    ...             self.dense = mx.gluon.nn.Dense(2, in_units=3)
    ...     def forward(self, x):
    ...         return self.dense(x)
    >>> net = Net(prefix='net_')
    >>> net
    Net(
      (dense): Dense(3 -> 2, linear)
    )
    >>> list(net.collect_params().keys())
    ['net_dense0_weight', 'net_dense0_bias']
    >>> net.initialize(); net(mx.nd.ones((1, 3))).shape
    (1, 2)
    """

    _is_stack = False          # Sequential and HybridSequential set it (summary skips them)

    def __init__(self, prefix=None, params=None):
        self._empty_prefix = prefix == ""
        self._prefix, self._params = _BlockScope.create(prefix, params, self._alias())
        self._name = self._prefix[:-1] if self._prefix.endswith("_") else self._prefix
        self._scope = _BlockScope(self)
        self._children = OrderedDict()
        self._reg_params = {}
        self._forward_hooks = OrderedDict()
        self._forward_pre_hooks = OrderedDict()

    def __repr__(self):
        lines = "\n".join(f"  ({key}): {_indent(repr(block), 2)}"
                          for key, block in self.__dict__.items() if isinstance(block, Block))
        return f"{type(self).__name__}(\n{lines}\n)"

    def __setattr__(self, name, value):
        if hasattr(self, name):
            existing = getattr(self, name)
            if isinstance(existing, (Parameter, Block)) and not isinstance(value, type(existing)):
                raise TypeError(f"Changing attribute type for {name} from {type(existing)} to "
                                f"{type(value)} is not allowed.")
        if isinstance(value, Block):
            self.register_child(value, name)
        elif isinstance(value, Parameter):
            if name in self._reg_params:
                raise AssertionError(
                    f"Overriding Parameter attribute {name} is not allowed. If you want to "
                    "share parameters between blocks, please set 'params' at Block "
                    "construction instead.")
            self._reg_params[name] = value
        super().__setattr__(name, value)

    def _check_container_with_block(self):
        children = set(id(c) for c in self._children.values())

        def unregistered(data):
            if isinstance(data, (list, tuple)):
                return any(unregistered(d) for d in data)
            if isinstance(data, dict):
                return any(unregistered(d) for d in data.values())
            return isinstance(data, Block) and id(data) not in children

        for key, value in self.__dict__.items():
            if (isinstance(value, (list, tuple, dict)) and not key.startswith("__")
                    and key != "_children" and unregistered(value)):
                warnings.warn(f'"{type(self).__name__}.{key}" is an unregistered container '
                              "with Blocks. Note that Blocks inside the list, tuple or dict "
                              "will not be registered automatically. Make sure to register "
                              "them using register_child() or switching to "
                              "nn.Sequential/nn.HybridSequential instead.", stacklevel=3)

    def _alias(self):
        return type(self).__name__.lower()

    @property
    def prefix(self):
        """The prefix of this Block's Parameter names (``dense0_``)."""
        return self._prefix

    @property
    def name(self):
        """The prefix without its trailing ``_``."""
        return self._name

    def name_scope(self):
        """``with block.name_scope():`` names the children made inside after this Block."""
        return self._scope

    @property
    def params(self):
        """This Block's own ParameterDict (children's Parameters not included)."""
        return self._params

    def collect_params(self, select=None):
        """A ParameterDict of this Block's and all its descendants' Parameters, optionally
        only the names that the regular expression ``select`` matches.

        >>> net = mx.gluon.nn.Dense(2, in_units=2, prefix='fc_')
        >>> list(net.collect_params('.*weight').keys())
        ['fc_weight']
        """
        self._check_container_with_block()
        ret = ParameterDict(self._params.prefix)
        if not select:
            ret.update(self.params)
        else:
            pattern = re.compile(select)
            ret.update({k: v for k, v in self.params.items() if pattern.match(k)})
        for child in self._children.values():
            ret.update(child.collect_params(select=select))
        return ret

    def _collect_params_with_prefix(self, prefix=""):
        if prefix:
            prefix += "."
        ret = {prefix + key: value for key, value in self._reg_params.items()}
        for name, child in self._children.items():
            ret.update(child._collect_params_with_prefix(prefix + name))
        return ret

    def save_parameters(self, filename, deduplicate=False):
        """Save the Parameters with mx.nd.save under their structural names
        (``0.weight``), as MXNet's save_parameters; ``deduplicate`` saves a shared one once
        (under its last name).

        >>> import os, tempfile
        >>> net = mx.gluon.nn.Dense(2, in_units=2); net.initialize()
        >>> f = os.path.join(tempfile.mkdtemp(), 'net.params'); net.save_parameters(f)
        >>> sorted(mx.nd.load(f))
        ['bias', 'weight']
        """
        params = self._collect_params_with_prefix()
        if deduplicate:
            # as MXNet: a shared Parameter is saved once, under the last of its names, in
            # the order of its first appearance
            names = {}
            for key, value in params.items():
                names[id(value)] = (key, value)
            params = dict(names.values())
        ndarray.save(filename, {key: value._reduce() for key, value in params.items()})

    def save_params(self, filename):
        """Deprecated: saves ``collect_params()`` with this Block's prefix stripped."""
        warnings.warn("save_params is deprecated. Please use save_parameters.")
        self.collect_params().save(filename, strip_prefix=self.prefix)

    def load_parameters(self, filename, ctx=None, allow_missing=False, ignore_extra=False,
                        cast_dtype=False, dtype_source="current"):
        """Load what ``save_parameters`` (mxgrad's or MXNet's) wrote; files with full
        Parameter names (save_params / ParameterDict.save) load too.

        >>> import os, tempfile
        >>> net = mx.gluon.nn.Dense(2, in_units=2); net.initialize(mx.init.One())
        >>> f = os.path.join(tempfile.mkdtemp(), 'net.params'); net.save_parameters(f)
        >>> net2 = mx.gluon.nn.Dense(2, in_units=2); net2.load_parameters(f)
        >>> net2.weight.data().asnumpy().tolist()
        [[1.0, 1.0], [1.0, 1.0]]
        """
        loaded = ndarray.load(filename)
        if not isinstance(loaded, dict):
            raise ValueError(f"load_parameters: {filename} holds a list of arrays, not the "
                             "name -> array dict save_parameters writes")
        params = self._collect_params_with_prefix()
        if not loaded and not params:
            return
        if not any("." in key for key in loaded):
            # an old-style file with full names (save_params): match them via the prefix
            self.collect_params().load(filename, ctx, allow_missing, ignore_extra, self.prefix,
                                       cast_dtype=cast_dtype, dtype_source=dtype_source)
            return
        if not allow_missing:
            names_of = defaultdict(list)
            for key, value in params.items():
                names_of[id(value)].append(key)
            for key, value in params.items():
                if not any(n in loaded for n in names_of[id(value)]):
                    raise AssertionError(
                        f"Parameter '{key}' is missing in file '{filename}', which contains "
                        f"parameters: {_brief_print_list(loaded.keys())}. Set "
                        "allow_missing=True to ignore missing parameters.")
        for key, value in loaded.items():
            if key not in params:
                if not ignore_extra:
                    raise ValueError(
                        f"Parameter '{key}' loaded from file '{filename}' is not present in "
                        f"ParameterDict, which contains parameters "
                        f"{_brief_print_list(params.keys())}. Set ignore_extra=True to "
                        "ignore. ")
                continue
            params[key]._load_init(value, ctx, cast_dtype=cast_dtype, dtype_source=dtype_source)

    def load_params(self, filename, ctx=None, allow_missing=False, ignore_extra=False):
        """Deprecated name of ``load_parameters``."""
        warnings.warn("load_params is deprecated. Please use load_parameters.")
        self.load_parameters(filename, ctx, allow_missing, ignore_extra)

    def register_child(self, block, name=None):
        """Make ``block`` a child (named by position when ``name`` is None).

        >>> seq = mx.gluon.nn.Sequential(); seq.register_child(mx.gluon.nn.Flatten())
        >>> len(seq)
        1
        """
        if name is None:
            name = str(len(self._children))
        self._children[name] = block

    def register_forward_pre_hook(self, hook):
        """Call ``hook(block, inputs)`` before each forward; returns a HookHandle.

        >>> net = mx.gluon.nn.Flatten(); seen = []
        >>> h = net.register_forward_pre_hook(lambda b, args: seen.append(args[0].shape))
        >>> _ = net(mx.nd.ones((2, 3, 4))); h.detach(); seen
        [(2, 3, 4)]
        """
        handle = HookHandle()
        handle.attach(self._forward_pre_hooks, hook)
        return handle

    def register_forward_hook(self, hook):
        """Call ``hook(block, inputs, output)`` after each forward; returns a HookHandle.

        >>> net = mx.gluon.nn.Flatten(); seen = []
        >>> h = net.register_forward_hook(lambda b, args, out: seen.append(out.shape))
        >>> _ = net(mx.nd.ones((2, 3, 4))); seen
        [(2, 12)]
        """
        handle = HookHandle()
        handle.attach(self._forward_hooks, hook)
        return handle

    def apply(self, fn):
        """Call ``fn(block)`` on every descendant, then on this Block; returns self.

        >>> names = []; _ = mx.gluon.nn.Dense(1, prefix='d_').apply(lambda b: names.append(b.name))
        >>> names
        ['d']
        """
        for child in self._children.values():
            child.apply(fn)
        fn(self)
        return self

    def initialize(self, init=initializer.Uniform(), ctx=None, verbose=False,
                   force_reinit=False):
        """Initialize every Parameter of this Block and its children (``init`` is the
        default for Parameters that have no initializer of their own)."""
        self.collect_params().initialize(init, ctx, verbose, force_reinit)

    def zero_grad(self):
        """Set every gradient buffer to 0."""
        self.collect_params().zero_grad()

    def reset_ctx(self, ctx):
        """Move every Parameter to ``ctx``."""
        self.collect_params().reset_ctx(ctx)

    def hybridize(self, active=True, **kwargs):
        """Accepted for MXNet code; mxgrad always runs imperatively, so nothing changes."""
        for child in self._children.values():
            child.hybridize(active, **kwargs)

    def cast(self, dtype):
        """Cast every Parameter (this Block's and its children's) to ``dtype``.

        >>> net = mx.gluon.nn.Dense(1, in_units=1); net.cast('float64'); net.weight.dtype
        'float64'
        """
        for child in self._children.values():
            child.cast(dtype)
        for param in self.params.values():
            param.cast(dtype)

    def __call__(self, *args):
        for hook in self._forward_pre_hooks.values():
            hook(self, args)
        out = self.forward(*args)
        for hook in self._forward_hooks.values():
            hook(self, args, out)
        return out

    def forward(self, *args):
        """The computation; subclasses override it."""
        raise NotImplementedError

    def register_op_hook(self, callback, monitor_all=False):
        """MXNet's operator monitor runs inside compiled graphs, which mxgrad has not."""
        raise MXNetError("register_op_hook: mxgrad runs Blocks imperatively and has no "
                         "operator monitor; use register_forward_hook")

    def summary(self, *inputs):
        """Run ``inputs`` through the Block and print each layer's output shape and
        Parameter count, as MXNet's summary.
        """
        rows = OrderedDict()
        seen = set()
        handles = []

        def shape_str(args):
            shapes = _map_nested(args, lambda x: x.shape if isinstance(x, NDArray) else x)
            text = str(shapes)[1:-1] if isinstance(shapes, list) else str(shapes)
            return text

        def hook(block, _, outputs):
            key = f"{type(block).__name__}-{len(rows)}"
            row = {"output_shape": shape_str(outputs), "n_params": 0, "trainable": 0,
                   "shared": 0}
            for p in block.params.values():
                size = p.data().size
                row["n_params"] += size
                row["trainable"] += 0 if p.grad_req == "null" else size
                if id(p) in seen:
                    row["shared"] += size
                seen.add(id(p))
            rows[key] = row

        def register(block):
            if not block._is_stack:             # Sequential containers get no row
                handles.append(block.register_forward_hook(hook))

        rows["Input"] = {"output_shape": shape_str(list(inputs) if len(inputs) > 1
                                                   else inputs[0]),
                         "n_params": 0, "trainable": 0, "shared": 0}
        try:
            self.apply(register)
            self(*inputs)
            fmt = "{:>20}  {:>42} {:>15}"
            print("-" * 80)
            print(fmt.format("Layer (type)", "Output Shape", "Param #"))
            print("=" * 80)
            for name, row in rows.items():
                print(fmt.format(name, str(row["output_shape"]), row["n_params"]))
            total = sum(r["n_params"] for r in rows.values())
            trainable = sum(r["trainable"] for r in rows.values())
            shared = sum(r["shared"] for r in rows.values())
            print("=" * 80)
            print("Parameters in forward computation graph, duplicate included")
            print(f"   Total params: {total}")
            print(f"   Trainable params: {trainable}")
            print(f"   Non-trainable params: {total - trainable}")
            print(f"Shared params in forward computation graph: {shared}")
            print(f"Unique parameters in model: {total - shared}")
            print("-" * 80)
        finally:
            for handle in handles:
                handle.detach()


def _map_nested(args, fn):
    if isinstance(args, (list, tuple)):
        return [_map_nested(a, fn) for a in args]
    return fn(args)


def _first_context(args):
    for arg in args:
        if isinstance(arg, NDArray):
            return arg.context
        if isinstance(arg, (list, tuple)):
            ctx = _first_context(arg)
            if ctx is not None:
                return ctx
    return None


class HybridBlock(Block):
    """A Block written as ``hybrid_forward(F, x, *args, **params)``: ``F`` is ``mx.nd``
    and ``params`` holds this Block's Parameters' data on the input's context.

    >>> class Scale(mx.gluon.HybridBlock):
    ...     def __init__(self, **kwargs):
    ...         super().__init__(**kwargs)
    ...         self.s = self.params.get('s', shape=(1,), init=mx.init.Constant(2))
    ...     def hybrid_forward(self, F, x, s):
    ...         return F.broadcast_mul(x, s)
    >>> net = Scale(); net.initialize(); net.hybridize()
    >>> net(mx.nd.array([1, 2])).asnumpy()
    array([2., 4.], dtype=float32)
    """

    def __init__(self, prefix=None, params=None):
        super().__init__(prefix=prefix, params=params)
        self._active = False

    def hybridize(self, active=True, **kwargs):
        """Accepted for MXNet code (any of MXNet's options); changes no result."""
        self._active = active
        super().hybridize(active, **kwargs)

    def infer_shape(self, *args):
        """Fill in the unknown sizes of this Block's Parameters from the inputs; layers
        with deferred initialization override it."""
        unknown = [p.name for p in self._reg_params.values()
                   if p.shape is None or not all(d > 0 for d in p.shape)]
        raise MXNetError(f"{type(self).__name__} has Parameters of unknown shape "
                         f"({', '.join(unknown)}) and no infer_shape(*args) to finish them: "
                         "give the full shapes, or define infer_shape")

    def _deferred_infer_shape(self, *args):
        try:
            self.infer_shape(*args)
        except Exception as err:
            raise ValueError("Deferred initialization failed because shape cannot be "
                             f"inferred. {err}") from err

    def forward(self, x, *args):
        """Call ``hybrid_forward`` with ``F = mx.nd`` and the Parameters' data, finishing
        deferred initialization first if needed."""
        ctx = _first_context((x,) + args)
        if ctx is None:
            raise ValueError("In HybridBlock, there must be one NDArray in the input. Please "
                             "check the type of the args.")
        with ctx:
            try:
                params = {k: v.data(ctx) for k, v in self._reg_params.items()}
            except DeferredInitializationError:
                self._deferred_infer_shape(x, *args)
                for param in self.params.values():
                    param._finish_deferred_init()
                params = {k: v.data(ctx) for k, v in self._reg_params.items()}
            return self.hybrid_forward(ndarray, x, *args, **params)

    def hybrid_forward(self, F, x, *args, **kwargs):
        """The computation with ``F = mx.nd``; subclasses override it."""
        raise NotImplementedError

    def export(self, path, epoch=0, remove_amp_cast=True):
        """MXNet writes a symbol JSON here; mxgrad has no symbolic graphs."""
        raise MXNetError("HybridBlock.export needs a symbolic graph, which mxgrad does not "
                         "build; use save_parameters")


class SymbolBlock(HybridBlock):
    """MXNet's Block around a Symbol graph: mxgrad has no symbols, so making one raises."""

    def __init__(self, outputs, inputs, params=None):
        raise MXNetError("SymbolBlock needs symbolic graphs (mx.sym), which mxgrad does not "
                         "have")

    @staticmethod
    def imports(symbol_file, input_names, param_file=None, ctx=None):
        raise MXNetError("SymbolBlock.imports needs symbolic graphs (mx.sym), which mxgrad "
                         "does not have")
