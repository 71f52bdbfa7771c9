"""Gluon Parameters: named arrays (one copy per context) with their gradient buffers.

A Parameter's shape may hold 0 for a size not known yet; with ``allow_deferred_init`` its
``initialize`` is then remembered and finished by the first forward pass, once the layer
has seen its input. As in MXNet 1.9.1, misuse raises the same exception types (ValueError,
RuntimeError, AssertionError, DeferredInitializationError) with messages in the same spirit.
"""
import warnings
from collections import OrderedDict

import numpy as np

from mxgrad import autograd, initializer, ndarray
from mxgrad.base import MXNetError
from mxgrad.context import Context, cpu, current_context
from mxgrad.ndarray import NDArray

__all__ = ["DeferredInitializationError", "Parameter", "Constant", "ParameterDict",
           "tensor_types"]

tensor_types = (NDArray,)
_GRAD_REQS = ("write", "add", "null")


class DeferredInitializationError(MXNetError):
    """A Parameter's value was asked for before the forward pass that infers its shape.

    >>> issubclass(mx.gluon.DeferredInitializationError, mx.MXNetError)
    True
    """


def _indent(text, spaces):
    lines = text.split("\n")
    return "\n".join(lines[:1] + [" " * spaces + line for line in lines[1:]])


def _brief_print_list(items, limit=7):
    items = list(items)
    if len(items) > limit:
        return (_brief_print_list(items[:limit // 2], limit) + ", ..., "
                + _brief_print_list(items[-limit // 2:], limit))
    return ", ".join(f"'{i}'" for i in items)


def _shape_is_known(shape):
    return shape is not None and all(d > 0 for d in shape)


class Parameter:
    """A named, trainable array: ``Parameter(name, grad_req='write', shape=None,
    dtype=numpy.float32, lr_mult=1.0, wd_mult=1.0, init=None, allow_deferred_init=False,
    differentiable=True, stype='default', grad_stype='default')``.

    >>> p = mx.gluon.Parameter('fc_weight', shape=(2, 3), init=mx.init.One())
    >>> p
    Parameter fc_weight (shape=(2, 3), dtype=<class 'numpy.float32'>)
    >>> p.initialize(ctx=mx.cpu())
    >>> p.data().asnumpy().tolist(), p.grad().shape
    ([[1.0, 1.0, 1.0], [1.0, 1.0, 1.0]], (2, 3))
    """

    def __init__(self, name, grad_req="write", shape=None, dtype=np.float32, lr_mult=1.0,
                 wd_mult=1.0, init=None, allow_deferred_init=False, differentiable=True,
                 stype="default", grad_stype="default"):
        self._data = self._grad = None
        self._ctx_list = None
        self._ctx_map = None
        self._trainer = None
        self._deferred_init = ()
        self._differentiable = differentiable
        self._allow_deferred_init = allow_deferred_init
        self._grad_req = None
        self._shape = (shape,) if isinstance(shape, int) else shape
        self.name = name
        self._dtype = dtype
        self.lr_mult = lr_mult
        self.wd_mult = wd_mult
        self.grad_req = grad_req
        self.init = init
        for what, value in (("stype", stype), ("grad_stype", grad_stype)):
            if value != "default":
                raise MXNetError(f"{what} for Parameter '{name}' must be 'default' in mxgrad "
                                 f"(sparse storage is not supported), got '{value}'")
        self._stype = self._grad_stype = "default"

    def __repr__(self):
        return f"Parameter {self.name} (shape={self.shape}, dtype={self.dtype})"

    @property
    def grad_req(self):
        """'write', 'add' or 'null' (no gradient buffer); 'null' when not differentiable."""
        return self._grad_req

    @grad_req.setter
    def grad_req(self, req):
        if req not in _GRAD_REQS:
            raise AssertionError("grad_req must be one of 'write', 'add', or 'null', but got "
                                 f"'{req}'")
        if not self._differentiable:
            req = "null"
        if self._grad_req == req:
            return
        self._grad_req = req
        if req == "null" and self._grad is not None:
            self._grad = None
            self._data = [d.detach() for d in self._data]
        elif self._data is not None:
            self._init_grad()

    @property
    def dtype(self):
        """The data type; setting it casts the data and gradient."""
        return self._dtype

    @dtype.setter
    def dtype(self, dtype):
        self.cast(dtype)

    @property
    def shape(self):
        """The shape, with 0 for sizes not known yet (None when not given at all)."""
        return self._shape

    @shape.setter
    def shape(self, new_shape):
        if self._shape is None:
            self._shape = new_shape
            return
        if len(self._shape) != len(new_shape) or not all(
                j in (-1, 0, i) for i, j in zip(new_shape, self._shape)):
            raise AssertionError(f"Expected shape {new_shape} is incompatible with given shape "
                                 f"{self._shape}.")
        self._shape = tuple(new_shape)

    @property
    def stype(self):
        return self._stype

    def _set_trainer(self, trainer):
        self._trainer = trainer

    def _check_and_get(self, arr_list, ctx):
        if arr_list is not None:
            if ctx is list:
                return arr_list
            if ctx is None:
                if len(arr_list) == 1:
                    return arr_list[0]
                ctx = current_context()
            slots = self._ctx_map[ctx.device_typeid & 1]
            if ctx.device_id < len(slots) and slots[ctx.device_id] is not None:
                return arr_list[slots[ctx.device_id]]
            raise RuntimeError(f"Parameter '{self.name}' was not initialized on context {ctx}. "
                               f"It was only initialized on {self._ctx_list}.")
        if self._deferred_init:
            raise DeferredInitializationError(
                f"Parameter '{self.name}' has not been initialized yet because initialization "
                "was deferred. Actual initialization happens during the first forward pass. "
                "Please pass one batch of data through the network before accessing "
                "Parameters. You can also avoid deferred initialization by specifying "
                "in_units, num_features, etc., for network layers.")
        raise RuntimeError(
            f"Parameter '{self.name}' has not been initialized. Note that you should "
            "initialize parameters and create Trainer with Block.collect_params() instead of "
            "Block.params because the later does not include Parameters of nested child Blocks")

    def _load_init(self, data, ctx, cast_dtype=False, dtype_source="current"):
        """Initialize (or overwrite) from a loaded array, checking shape and dtype."""
        if cast_dtype and dtype_source not in ("current", "saved"):
            raise AssertionError("dtype_source must be 'current' or 'saved'")
        if self.shape:
            for mine, theirs in zip(self.shape, data.shape):
                if mine not in (0, -1, theirs) or len(self.shape) != len(data.shape):
                    raise AssertionError(
                        f"Failed loading Parameter '{self.name}' from saved params: shape "
                        f"incompatible expected {self.shape} vs saved {data.shape}")
            self.shape = tuple(j if i in (0, -1) else i for i, j in zip(self.shape, data.shape))
        if self.dtype:
            if cast_dtype and np.dtype(self.dtype) != np.dtype(data.dtype):
                if dtype_source == "current":
                    data = data.astype(self.dtype, copy=False)
                else:
                    self.dtype = data.dtype
            elif np.dtype(self.dtype) != np.dtype(data.dtype):
                raise AssertionError(
                    f"Failed loading Parameter '{self.name}' from saved params: dtype "
                    f"incompatible expected {np.dtype(self.dtype)} vs saved "
                    f"{np.dtype(data.dtype)}. Set cast_dtype=True to cast the dtype of saved "
                    "params.")
        if isinstance(ctx, Context):
            ctx = [ctx]
        if self._data is None:
            if self._deferred_init:
                if ctx is not None and set(ctx) != set(self._deferred_init[1]):
                    raise AssertionError(f"Failed to load Parameter '{self.name}' on {ctx} "
                                         "because it was previous initialized on "
                                         f"{self.list_ctx()}.")
                ctx = self._deferred_init[1]
            elif ctx is None:
                ctx = [cpu()]
            self._init_impl(data, ctx)
        else:
            if ctx is not None and set(ctx) != set(self.list_ctx()):
                raise AssertionError(f"Failed to load Parameter '{self.name}' on {ctx} because "
                                     f"it was previous initialized on {self.list_ctx()}.")
            self.set_data(data)
        self._deferred_init = ()

    def _finish_deferred_init(self):
        """Run the remembered ``initialize`` now that the shape is known."""
        if not self._deferred_init:
            return
        init, ctx, default_init, data = self._deferred_init
        self._deferred_init = ()
        if not _shape_is_known(self.shape):
            raise AssertionError(f"Cannot initialize Parameter '{self.name}' because it has "
                                 f"invalid shape: {self.shape}. Please specify in_units, "
                                 "in_channels, etc for `Block`s.")
        with autograd.pause():
            if data is None:
                data = ndarray.zeros(self.shape, dtype=self.dtype, ctx=cpu())
                initializer.create(default_init)(
                    initializer.InitDesc(self.name, {"__init__": init}), data)
            self._init_impl(data, ctx)

    def _init_impl(self, data, ctx_list):
        self._ctx_list = list(ctx_list)
        self._ctx_map = [[], []]
        for i, ctx in enumerate(self._ctx_list):
            slots = self._ctx_map[ctx.device_typeid & 1]
            slots.extend([None] * (ctx.device_id + 1 - len(slots)))
            slots[ctx.device_id] = i
        with autograd.pause():
            self._data = [data.copyto(ctx) for ctx in self._ctx_list]
        self._init_grad()

    def _init_grad(self):
        if self.grad_req == "null":
            self._grad = None
            return
        self._grad = [ndarray.zeros(d.shape, dtype=d.dtype, ctx=d.context) for d in self._data]
        autograd.mark_variables(self._data, self._grad, self.grad_req)

    def _reduce(self):
        """The value on cpu (the mean over contexts), for saving."""
        arrays = self.list_data()
        if len(arrays) == 1:
            return arrays[0].copyto(cpu())
        return ndarray.add_n(*(a.copyto(cpu()) for a in arrays)) / len(arrays)

    def initialize(self, init=None, ctx=None, default_init=initializer.Uniform(),
                   force_reinit=False):
        """Create the data (and gradient) on ``ctx`` (a Context or a list), filled by
        ``init`` (else the Parameter's own init, else ``default_init``). With unknown sizes
        and ``allow_deferred_init`` the work waits for the first forward pass.

        >>> p = mx.gluon.Parameter('b', shape=(2,), init='zeros')
        >>> p.initialize(); p.data().asnumpy()
        array([0., 0.], dtype=float32)
        """
        if self._data is not None and not force_reinit:
            warnings.warn(f"Parameter '{self.name}' is already initialized, ignoring. Set "
                          "force_reinit=True to re-initialize.", stacklevel=2)
            return
        self._data = self._grad = None
        ctx = [current_context()] if ctx is None else ctx
        ctx = [ctx] if isinstance(ctx, Context) else list(ctx)
        if init is None:
            init = default_init if self.init is None else self.init
        self._deferred_init = (init, ctx, default_init, None)
        if not _shape_is_known(self.shape):
            if self._allow_deferred_init:
                return
            self._deferred_init = ()
            raise ValueError(f"Cannot initialize Parameter '{self.name}' because it has "
                             f"invalid shape: {self.shape}.")
        self._finish_deferred_init()

    def reset_ctx(self, ctx):
        """Move the (averaged) value to ``ctx``, a Context or a list.

        >>> p = mx.gluon.Parameter('w', shape=(1,)); p.initialize()
        >>> p.reset_ctx(mx.cpu(1)); p.list_ctx()
        [cpu(1)]
        """
        ctx = [current_context()] if ctx is None else ctx
        ctx = [ctx] if isinstance(ctx, Context) else list(ctx)
        if self._data:
            data = self._reduce()
            with autograd.pause():
                self._init_impl(data, ctx)
        elif self._deferred_init:
            init, _, default_init, data = self._deferred_init
            self._deferred_init = (init, ctx, default_init, data)
        else:
            raise ValueError(f"Cannot reset context for Parameter '{self.name}' because it "
                             "has not been initialized.")

    def set_data(self, data):
        """Set the value on every context (remembered until a deferred init finishes).

        >>> p = mx.gluon.Parameter('w', shape=(2,)); p.initialize()
        >>> p.set_data(mx.nd.array([3, 4])); p.data().asnumpy()
        array([3., 4.], dtype=float32)
        """
        self.shape = data.shape
        if self._data is None:
            if not self._deferred_init:
                raise AssertionError(f"Parameter '{self.name}' has not been initialized")
            self._deferred_init = self._deferred_init[:3] + (data,)
            return
        for arr in self._data:
            arr[:] = data

    def data(self, ctx=None):
        """The value on ``ctx`` (the only one when not given).

        >>> p = mx.gluon.Parameter('w', shape=(1,), init='ones'); p.initialize()
        >>> p.data(mx.cpu()).asnumpy()
        array([1.], dtype=float32)
        """
        return self._check_and_get(self._data, ctx)

    def list_data(self):
        """The values on every context, in the order they were given.

        >>> p = mx.gluon.Parameter('w', shape=(1,)); p.initialize(ctx=[mx.cpu(0), mx.cpu(1)])
        >>> len(p.list_data())
        2
        """
        return self._check_and_get(self._data, list)

    def grad(self, ctx=None):
        """The gradient buffer on ``ctx``.

        >>> p = mx.gluon.Parameter('w', shape=(2,)); p.initialize(); p.grad().asnumpy()
        array([0., 0.], dtype=float32)
        """
        if self._data is not None and self._grad is None:
            raise RuntimeError(f"Cannot get gradient array for Parameter '{self.name}' "
                               "because grad_req='null'")
        return self._check_and_get(self._grad, ctx)

    def list_grad(self):
        """The gradient buffers on every context.

        >>> p = mx.gluon.Parameter('w', shape=(2,)); p.initialize(); len(p.list_grad())
        1
        """
        if self._data is not None and self._grad is None:
            raise RuntimeError(f"Cannot get gradient array for Parameter '{self.name}' "
                               "because grad_req='null'")
        return self._check_and_get(self._grad, list)

    def list_ctx(self):
        """The contexts the Parameter lives on (or will, after a deferred init).

        >>> p = mx.gluon.Parameter('w', shape=(2,)); p.initialize(ctx=mx.cpu()); p.list_ctx()
        [cpu(0)]
        """
        if self._data is None:
            if self._deferred_init:
                return self._deferred_init[1]
            raise RuntimeError(f"Parameter '{self.name}' has not been initialized")
        return self._ctx_list

    def zero_grad(self):
        """Set the gradient buffers to 0 (nothing when there are none).

        >>> p = mx.gluon.Parameter('w', shape=(2,)); p.initialize()
        >>> p.grad()[:] = 5; p.zero_grad(); p.grad().asnumpy()
        array([0., 0.], dtype=float32)
        """
        if self._grad is None:
            return
        for g in self._grad:
            g[:] = 0

    def var(self):
        """MXNet's symbol for the Parameter: mxgrad has no symbolic graphs, so this raises.

        >>> mx.gluon.Parameter('w').var()
        Traceback (most recent call last):
        ...
        mxgrad.base.MXNetError: Parameter.var: mxgrad has no symbolic graphs (mx.sym)...
        """
        raise MXNetError("Parameter.var: mxgrad has no symbolic graphs (mx.sym); use "
                         "Parameter.data() with NDArray operations")

    def cast(self, dtype):
        """Cast the data and gradient to ``dtype``.

        >>> p = mx.gluon.Parameter('w', shape=(2,)); p.initialize(); p.cast('float64')
        >>> p.data().dtype
        <class 'numpy.float64'>
        """
        self._dtype = dtype
        if self._data is None:
            return
        with autograd.pause():
            self._data = [d.astype(dtype) for d in self._data]
            if self._grad is None:
                return
            self._grad = [g.astype(dtype) for g in self._grad]
            autograd.mark_variables(self._data, self._grad, self.grad_req)


class Constant(Parameter):
    """A Parameter autograd and Trainer leave alone (grad_req is always 'null');
    ``set_data`` still changes it.

    >>> c = mx.gluon.Constant('const', [[1, 2], [3, 4]])
    >>> c
    Constant const (shape=(2, 2), dtype=<class 'numpy.float32'>)
    >>> c.initialize(); c.data().asnumpy().tolist(), c.grad_req
    ([[1.0, 2.0], [3.0, 4.0]], 'null')
    """

    def __init__(self, name, value):
        if not isinstance(value, NDArray):
            value = ndarray.array(value)
        self.value = value

        class _Init(initializer.Initializer):
            def _init_weight(self, _, arr):
                value.copyto(arr)

        super().__init__(name, grad_req="null", shape=value.shape, dtype=value.dtype,
                         init=_Init())

    def __repr__(self):
        return f"Constant {self.name} (shape={self.shape}, dtype={self.dtype})"

    @property
    def grad_req(self):
        return "null"

    @grad_req.setter
    def grad_req(self, req):
        if req != "null":
            warnings.warn(f'Constant parameter "{self.name}" does not support grad_req other '
                          f'than "null", and new value "{req}" is ignored.')


class ParameterDict:
    """Parameters by full name; ``get`` creates them with this dict's ``prefix``,
    looking in ``shared`` first.

    >>> pd = mx.gluon.ParameterDict('net_')
    >>> w = pd.get('weight', shape=(2, 2))
    >>> pd
    net_ (
      Parameter net_weight (shape=(2, 2), dtype=<class 'numpy.float32'>)
    )
    >>> list(pd.keys())
    ['net_weight']
    """

    def __init__(self, prefix="", shared=None):
        self._prefix = prefix
        self._params = OrderedDict()
        self._shared = shared

    def __repr__(self):
        name = self._prefix + " " if self._prefix else ""
        content = "\n".join(_indent(f"  {v}", 2) for v in self.values())
        return f"{name}(\n{content}\n)"

    def __getitem__(self, key):
        return self._params[key]

    def __iter__(self):
        return iter(self._params)

    def __len__(self):
        return len(self._params)

    def __contains__(self, key):
        return key in self._params

    def items(self):
        return self._params.items()

    def keys(self):
        return self._params.keys()

    def values(self):
        return self._params.values()

    @property
    def prefix(self):
        """The prefix ``get`` puts before names."""
        return self._prefix

    def _get_impl(self, name):
        if name in self._params:
            return self._params[name]
        if self._shared is not None and name in self._shared._params:
            self._params[name] = self._shared._params[name]
            return self._params[name]
        return None

    def get(self, name, **kwargs):
        """The Parameter ``prefix + name``, created with ``kwargs`` if new; for an
        existing one the given attributes must agree (0 sizes in shapes are filled in).

        >>> pd = mx.gluon.ParameterDict('a_')
        >>> pd.get('w', shape=(0, 3)) is pd.get('w', shape=(2, 3))
        True
        >>> pd['a_w'].shape
        (2, 3)
        """
        name = self._prefix + name
        param = self._get_impl(name)
        if param is None:
            param = Parameter(name, **kwargs)
            self._params[name] = param
            return param
        for key, value in kwargs.items():
            existing = getattr(param, key, None)
            if existing is None:
                setattr(param, key, value)
                continue
            if key == "shape" and value is not None and len(value) == len(existing):
                if all(a == b or a <= 0 or b <= 0 for a, b in zip(value, existing)):
                    param._shape = tuple(b if a <= 0 else a for a, b in zip(value, existing))
                    continue
            elif key == "dtype" and np.dtype(value) == np.dtype(existing):
                continue
            if value is not None and value != existing:
                raise AssertionError(
                    f"Cannot retrieve Parameter '{name}' because desired attribute does not "
                    f"match with stored for attribute '{key}': desired '{value}' vs stored "
                    f"'{existing}'.")
        return param

    def get_constant(self, name, value=None):
        """The Constant ``prefix + name``, created from ``value`` if new.

        >>> pd = mx.gluon.ParameterDict('a_')
        >>> pd.get_constant('c', [1, 2])
        Constant a_c (shape=(2,), dtype=<class 'numpy.float32'>)
        """
        name = self._prefix + name
        param = self._get_impl(name)
        if param is None:
            if value is None:
                raise KeyError(f"No constant named '{name}'. Please specify value if you want "
                               "to create a new constant.")
            param = Constant(name, value)
            self._params[name] = param
        elif value is not None:
            if not isinstance(param, Constant):
                raise AssertionError(f"Parameter '{name}' already exists but it is not a "
                                     "constant.")
            value = value.asnumpy() if isinstance(value, NDArray) else np.asarray(value)
            if param.shape != value.shape or not (param.value.asnumpy() == value).all():
                raise AssertionError(f"Constant '{name}' already exists but it's value doesn't "
                                     "match new value")
        return param

    def update(self, other):
        """Add ``other``'s Parameters; a name already here must be the same Parameter.

        >>> a = mx.gluon.ParameterDict('a_'); _ = a.get('w', shape=(1,))
        >>> b = mx.gluon.ParameterDict(); b.update(a); list(b.keys())
        ['a_w']
        """
        for key, value in other.items():
            if key in self._params and self._params[key] is not value:
                raise AssertionError("Cannot update self with other because they have "
                                     f"different Parameters with the same name '{key}'")
        for key, value in other.items():
            self._params[key] = value

    def initialize(self, init=initializer.Uniform(), ctx=None, verbose=False,
                   force_reinit=False):
        """Initialize every Parameter (``init`` is the default for those without one).

        >>> pd = mx.gluon.ParameterDict(); _ = pd.get('w', shape=(2,))
        >>> pd.initialize(mx.init.One()); pd['w'].data().asnumpy()
        array([1., 1.], dtype=float32)
        """
        if verbose:
            init.set_verbosity(verbose=verbose)
        for param in self.values():
            param.initialize(None, ctx, init, force_reinit=force_reinit)

    def zero_grad(self):
        """Set every gradient buffer to 0.

        >>> pd = mx.gluon.ParameterDict(); _ = pd.get('w', shape=(2,)); pd.initialize()
        >>> pd.zero_grad(); pd['w'].grad().asnumpy()
        array([0., 0.], dtype=float32)
        """
        for param in self.values():
            param.zero_grad()

    def reset_ctx(self, ctx):
        """Move every Parameter to ``ctx``.

        >>> pd = mx.gluon.ParameterDict(); _ = pd.get('w', shape=(2,)); pd.initialize()
        >>> pd.reset_ctx(mx.cpu(1)); pd.list_ctx()
        [cpu(1)]
        """
        for param in self.values():
            param.reset_ctx(ctx)

    def list_ctx(self):
        """The contexts any Parameter lives on."""
        found = []
        for param in self.values():
            found.extend(c for c in param.list_ctx() if c not in found)
        return found

    def setattr(self, name, value):
        """Set an attribute on every Parameter, e.g. ``setattr('grad_req', 'null')``.

        >>> pd = mx.gluon.ParameterDict(); _ = pd.get('w', shape=(2,))
        >>> pd.setattr('lr_mult', 0.5); pd['w'].lr_mult
        0.5
        """
        for param in self.values():
            setattr(param, name, value)

    def save(self, filename, strip_prefix=""):
        """Save to ``filename`` with mx.nd.save, names less ``strip_prefix``.

        >>> import os, tempfile
        >>> pd = mx.gluon.ParameterDict('a_'); _ = pd.get('w', shape=(2,)); pd.initialize()
        >>> f = os.path.join(tempfile.mkdtemp(), 'p.params'); pd.save(f, strip_prefix='a_')
        >>> list(mx.nd.load(f))
        ['w']
        """
        arrays = {}
        for param in self.values():
            if not param.name.startswith(strip_prefix):
                raise ValueError(
                    f"Prefix '{strip_prefix}' is to be striped before saving, but Parameter's "
                    f"name '{param.name}' does not start with '{strip_prefix}'. This may be "
                    "due to your Block shares parameters from other Blocks or you forgot to "
                    "use 'with name_scope()' when creating child blocks.")
            arrays[param.name[len(strip_prefix):]] = param._reduce()
        ndarray.save(filename, arrays)

    def load(self, filename, ctx=None, allow_missing=False, ignore_extra=False,
             restore_prefix="", cast_dtype=False, dtype_source="current"):
        """Load what ``save`` wrote (names get ``restore_prefix`` back).

        >>> import os, tempfile
        >>> pd = mx.gluon.ParameterDict('a_'); _ = pd.get('w', shape=(2,))
        >>> f = os.path.join(tempfile.mkdtemp(), 'p.params')
        >>> mx.nd.save(f, {'w': mx.nd.array([1, 2])}); pd.load(f, restore_prefix='a_')
        >>> pd['a_w'].data().asnumpy()
        array([1., 2.], dtype=float32)
        """
        if restore_prefix:
            for name in self.keys():
                if not name.startswith(restore_prefix):
                    raise AssertionError(
                        f"restore_prefix is '{restore_prefix}' but Parameters name '{name}' "
                        f"does not start with '{restore_prefix}'.")
        self.load_dict(ndarray.load(filename), ctx, allow_missing, ignore_extra,
                       restore_prefix, filename, cast_dtype, dtype_source)

    def load_dict(self, param_dict, ctx=None, allow_missing=False, ignore_extra=False,
                  restore_prefix="", filename=None, cast_dtype=False, dtype_source="current"):
        """Load from a dict of name -> NDArray (``arg:``/``aux:`` prefixes dropped).

        >>> pd = mx.gluon.ParameterDict(); _ = pd.get('w', shape=(1,))
        >>> pd.load_dict({'arg:w': mx.nd.array([7])}); pd['w'].data().asnumpy()
        array([7.], dtype=float32)
        """
        items = param_dict.items() if isinstance(param_dict, dict) else param_dict
        arrays = {restore_prefix + (k[4:] if k.startswith(("arg:", "aux:")) else k): v
                  for k, v in items}
        source = f"file: {filename}" if filename else "param_dict"
        if not allow_missing:
            for name in self.keys():
                if name not in arrays:
                    raise AssertionError(
                        f"Parameter '{name[len(restore_prefix):]}' is missing in {source}, "
                        f"which contains parameters: {_brief_print_list(arrays.keys())}. "
                        "Please make sure source and target networks have the same prefix.")
        for name, value in arrays.items():
            if name not in self._params:
                if not ignore_extra:
                    raise AssertionError(
                        f"Parameter '{name[len(restore_prefix):]}' loaded from {source} is not "
                        f"present in ParameterDict, choices are: "
                        f"{_brief_print_list(self._params.keys())}. Set ignore_extra to True "
                        "to ignore. Please make sure source and target networks have the same "
                        "prefix.")
                continue
            self._params[name]._load_init(value, ctx, cast_dtype=cast_dtype,
                                          dtype_source=dtype_source)

