"""``mx.init`` / ``mx.initializer``: how Gluon Parameters get their first values.

An initializer is called as ``init(InitDesc(name, attrs), arr)`` and fills ``arr`` in place.
When ``attrs['__init__']`` names an initializer (what a Parameter passes), that one fills
the array through its ``_init_weight``; otherwise the array's name picks the rule, as in
MXNet 1.9.1: ``*weight`` -> ``_init_weight``, ``*bias``/``*beta`` -> 0, ``*gamma`` -> 1,
``*min`` -> 0, ``*max`` -> 1. Random initializers draw from ``mx.nd.random``, so
``mx.random.seed`` makes them repeatable (the numbers differ from MXNet's generator).

>>> import mxgrad as mx
>>> w = mx.nd.zeros((2, 3))
>>> mx.init.Constant(0.5)(mx.init.InitDesc('fc_weight'), w)
>>> w.asnumpy().tolist()
[[0.5, 0.5, 0.5], [0.5, 0.5, 0.5]]
>>> mx.init.Xavier(factor_type='in', magnitude=2.34).dumps()
'["xavier", {"rnd_type": "uniform", "factor_type": "in", "magnitude": 2.34}]'
"""
import json
import logging
import re
import warnings

import numpy as np

from mxgrad import ndarray
from mxgrad.ndarray import NDArray
from mxgrad.ndarray import random as _random

__all__ = ["InitDesc", "Initializer", "register", "alias", "create", "Load", "Mixed", "Zero",
           "One", "Constant", "Uniform", "Normal", "Orthogonal", "Xavier", "MSRAPrelu",
           "Bilinear", "LSTMBias"]

_REGISTRY = {}                     # lower-case name -> Initializer subclass


class InitDesc(str):
    """The name of an array to initialize, with its attributes and the global initializer.

    >>> d = mx.init.InitDesc('dense0_weight', {'__init__': 'zeros'})
    >>> d, d.attrs, d.global_init
    ('dense0_weight', {'__init__': 'zeros'}, None)
    """

    def __new__(cls, name, attrs=None, global_init=None):
        desc = super().__new__(cls, name)
        desc.attrs = attrs or {}
        desc.global_init = global_init
        return desc


class Initializer:
    """Base class: subclasses override ``_init_weight`` (and optionally the other rules).

    >>> class Halves(mx.init.Initializer):
    ...     def _init_weight(self, _, arr):
    ...         arr[:] = 0.5
    >>> b = mx.nd.ones(2)
    >>> Halves()(mx.init.InitDesc('fc_bias'), b)     # the name picks the bias rule: zeros
    >>> b.asnumpy().tolist()
    [0.0, 0.0]
    """

    def __init__(self, **kwargs):
        self._kwargs = kwargs
        self._verbose = False
        self._print_func = None

    def set_verbosity(self, verbose=False, print_func=None):
        """Log each initialized array with ``print_func(arr)`` (default: its RMS).

        >>> mx.init.Zero().set_verbosity(True)._verbose
        True
        """
        self._verbose = verbose
        if print_func is None:
            def print_func(x):
                return str((ndarray.norm(x) / np.sqrt(x.size)).asscalar())
        self._print_func = print_func
        return self

    def _verbose_print(self, desc, rule, arr):
        if self._verbose and self._print_func:
            logging.info("Initialized %s as %s: %s", desc, rule, self._print_func(arr))

    def dumps(self):
        """JSON ``[name, kwargs]`` that ``create`` turns back into this initializer.

        >>> mx.init.Normal(0.5).dumps()
        '["normal", {"sigma": 0.5}]'
        """
        return json.dumps([type(self).__name__.lower(), self._kwargs])

    def __call__(self, desc, arr):
        if not isinstance(desc, InitDesc):
            self._legacy_init(desc, arr)
            return
        if desc.global_init is None:
            desc.global_init = self
        named = desc.attrs.get("__init__", "")
        if named:
            create(named)._init_weight(desc, arr)
            self._verbose_print(desc, named, arr)
            return
        for suffix, rule in (("weight", self._init_weight), ("bias", self._init_bias),
                             ("gamma", self._init_gamma), ("beta", self._init_beta),
                             ("min", self._init_zero), ("max", self._init_one)):
            if desc.endswith(suffix):
                rule(desc, arr)
                self._verbose_print(desc, suffix, arr)
                return
        self._init_default(desc, arr)

    def _legacy_init(self, name, arr):
        # init('name', arr): the older name-only form, with the moving_* statistics rules
        warnings.warn("Calling initializer with init(str, NDArray) has been deprecated. "
                      "Please use init(mx.init.InitDesc(...), NDArray) instead.",
                      DeprecationWarning, stacklevel=3)
        if not isinstance(name, str):
            raise TypeError("name must be string")
        if not isinstance(arr, NDArray):
            raise TypeError("arr must be NDArray")
        if name.startswith("upsampling"):
            self._init_bilinear(name, arr)
        elif name.startswith("stn_loc") and name.endswith("weight"):
            self._init_zero(name, arr)
        elif name.startswith("stn_loc") and name.endswith("bias"):
            self._init_loc_bias(name, arr)
        elif name.endswith("bias") or name.endswith("beta"):
            self._init_zero(name, arr)
        elif name.endswith("gamma"):
            self._init_one(name, arr)
        elif name.endswith("weight"):
            self._init_weight(name, arr)
        elif name.endswith("moving_var") or name.endswith("max"):
            self._init_one(name, arr)
        elif name.endswith(("moving_mean", "moving_inv_var", "moving_avg", "min")):
            self._init_zero(name, arr)
        else:
            self._init_default(name, arr)

    def _init_bilinear(self, _, arr):
        arr[:] = _bilinear_kernel(arr.shape)

    def _init_loc_bias(self, _, arr):
        if arr.shape[0] != 6:
            raise ValueError(f"stn_loc bias must have 6 elements, got shape {arr.shape}")
        arr[:] = np.array([1.0, 0, 0, 0, 1.0, 0])

    def _init_zero(self, _, arr):
        arr[:] = 0.0

    def _init_one(self, _, arr):
        arr[:] = 1.0

    _init_bias = _init_beta = _init_zero
    _init_gamma = _init_one

    def _init_weight(self, name, arr):
        raise NotImplementedError("Must override it")

    def _init_default(self, name, _):
        raise ValueError(
            f"Unknown initialization pattern for {name}. Default initialization is limited "
            'to names ending in "weight", "bias", "gamma" (1.0) and "beta" (0.0); give the '
            "Parameter an init=mx.init.* to initialize other names")

    def __eq__(self, other):
        if not isinstance(other, Initializer):
            return NotImplemented
        return type(self) is type(other) and self._kwargs == other._kwargs

    __hash__ = object.__hash__


def _bilinear_kernel(shape):
    # the upsampling filter: a tent in both spatial axes, repeated over the first two
    f = np.ceil(shape[3] / 2.0)
    c = (2 * f - 1 - f % 2) / (2.0 * f)
    x = np.arange(shape[3])
    y = np.arange(shape[2])
    tent = np.outer(1 - np.abs(y / f - c), 1 - np.abs(x / f - c)).astype(np.float32)
    return np.broadcast_to(tent, shape).copy()


def _register_as(klass, name):
    if not (isinstance(klass, type) and issubclass(klass, Initializer)):
        raise AssertionError(f"Can only register subclass of Initializer, got {klass!r}")
    name = name.lower()
    if name in _REGISTRY and _REGISTRY[name] is not klass:
        warnings.warn(f"New initializer {klass.__module__}.{klass.__name__} registered with "
                      f"name {name} is overriding existing initializer "
                      f"{_REGISTRY[name].__module__}.{_REGISTRY[name].__name__}",
                      UserWarning, stacklevel=3)
    _REGISTRY[name] = klass
    return klass


def register(klass):
    """Register an Initializer subclass under its lower-case class name (a decorator).

    >>> @mx.init.register
    ... class Tens(mx.init.Initializer):
    ...     def _init_weight(self, _, arr):
    ...         arr[:] = 10
    >>> type(mx.init.create('tens')).__name__
    'Tens'
    """
    return _register_as(klass, klass.__name__)


def alias(*aliases):
    """Register an Initializer subclass under extra names (a decorator factory).

    >>> @mx.init.alias('sevens')
    ... class Sevens(mx.init.Initializer):
    ...     def _init_weight(self, _, arr):
    ...         arr[:] = 7
    >>> type(mx.init.create('sevens')).__name__
    'Sevens'
    """
    def decorate(klass):
        for name in aliases:
            _register_as(klass, name)
        return klass
    return decorate


def create(*args, **kwargs):
    """An initializer from a name, a ``dumps()`` string, a dict, or an instance (returned).

    >>> mx.init.create('xavier', magnitude=2).dumps()
    '["xavier", {"rnd_type": "uniform", "factor_type": "avg", "magnitude": 2}]'
    >>> mx.init.create('["normal", {"sigma": 0.5}]').sigma
    0.5
    """
    if args:
        name, args = args[0], args[1:]
    else:
        name = kwargs.pop("initializer")
    if isinstance(name, Initializer):
        if args or kwargs:
            raise AssertionError("initializer is already an instance. Additional arguments are "
                             "invalid")
        return name
    if isinstance(name, dict):
        return create(**name)
    if not isinstance(name, str):
        raise AssertionError(f"initializer must be of string type, got {type(name).__name__}")
    if name.startswith("["):
        name, kwargs = json.loads(name)
        return create(name, **kwargs)
    if name.startswith("{"):
        return create(**json.loads(name))
    klass = _REGISTRY.get(name.lower())
    if klass is None:
        raise AssertionError(f"{name.lower()} is not registered. Please register with "
                         "initializer.register first")
    return klass(*args, **kwargs)


class Load:
    """Initialize from saved arrays (a file or dict; ``arg:``/``aux:`` prefixes dropped),
    falling back to ``default_init`` for names not there.

    >>> init = mx.init.Load({'arg:fc_weight': mx.nd.ones((1, 2))})
    >>> w = mx.nd.zeros((1, 2))
    >>> init('fc_weight', w)
    >>> w.asnumpy().tolist()
    [[1.0, 1.0]]
    """

    def __init__(self, param, default_init=None, verbose=False):
        if isinstance(param, str):
            param = ndarray.load(param)
        if not isinstance(param, dict):
            raise AssertionError("Load needs a dict of name -> NDArray or a file that holds one")
        self.param = {(k[4:] if k.startswith(("arg:", "aux:")) else k): v
                      for k, v in param.items()}
        self.default_init = default_init
        self.verbose = verbose

    def __call__(self, name, arr):
        if name in self.param:
            src = self.param[name]
            if arr.shape != src.shape:
                raise AssertionError(f"Parameter {name} cannot be initialized from loading. Shape "
                                 f"mismatch, target {arr.shape} vs loaded {src.shape}")
            arr[:] = src
            if self.verbose:
                logging.info("Initialized %s by loading", name)
            return
        if self.default_init is None:
            raise AssertionError(f"Cannot Initialize {name}. Not found in loaded param and no "
                             "default Initializer is provided.")
        self.default_init(name, arr)
        if self.verbose:
            logging.info("Initialized %s by default", name)


class Mixed:
    """The initializer of the first regular expression that matches the name.

    >>> init = mx.init.Mixed(['bias', '.*'], [mx.init.Zero(), mx.init.One()])
    >>> w = mx.nd.zeros(2)
    >>> init(mx.init.InitDesc('fc_weight'), w)
    >>> w.asnumpy().tolist()
    [1.0, 1.0]
    """

    def __init__(self, patterns, initializers):
        if len(patterns) != len(initializers):
            raise AssertionError(f"Mixed: {len(patterns)} patterns but {len(initializers)} "
                             "initializers")
        self.map = [(re.compile(p), init) for p, init in zip(patterns, initializers)]

    def __call__(self, name, arr):
        for pattern, init in self.map:
            if pattern.match(name):
                init(name, arr)
                return
        raise ValueError(f"Parameter name {name} did not match any pattern. Consider adding "
                         'a ".*" pattern at the end with a default Initializer.')


@register
@alias("zeros")
class Zero(Initializer):
    """Fills with 0.

    >>> w = mx.nd.ones(2); mx.init.Zero()(mx.init.InitDesc('w_weight'), w); w.asnumpy()
    array([0., 0.], dtype=float32)
    """

    def __init__(self):
        super().__init__()

    def _init_weight(self, _, arr):
        arr[:] = 0


@register
@alias("ones")
class One(Initializer):
    """Fills with 1.

    >>> w = mx.nd.zeros(2); mx.init.One()(mx.init.InitDesc('w_weight'), w); w.asnumpy()
    array([1., 1.], dtype=float32)
    """

    def __init__(self):
        super().__init__()

    def _init_weight(self, _, arr):
        arr[:] = 1


@register
class Constant(Initializer):
    """Fills with ``value``: a scalar, or an array of the parameter's shape.

    >>> w = mx.nd.zeros(2); mx.init.Constant(3)(mx.init.InitDesc('w_weight'), w); w.asnumpy()
    array([3., 3.], dtype=float32)
    """

    def __init__(self, value):
        super().__init__(value=value)
        self.value = value

    def _init_weight(self, _, arr):
        arr[:] = self.value

    def dumps(self):
        value = self._kwargs["value"]
        if not np.isscalar(value):
            value = value.tolist() if isinstance(value, np.ndarray) else value.asnumpy().tolist()
        return json.dumps([type(self).__name__.lower(), dict(self._kwargs, value=value)])


@register
class Uniform(Initializer):
    """Uniform samples on [-scale, scale).

    >>> w = mx.nd.zeros(100); mx.init.Uniform(0.1)(mx.init.InitDesc('w_weight'), w)
    >>> bool(abs(w).max() <= 0.1)
    True
    """

    def __init__(self, scale=0.07):
        super().__init__(scale=scale)
        self.scale = scale

    def _init_weight(self, _, arr):
        _random.uniform(-self.scale, self.scale, arr.shape, out=arr)


@register
class Normal(Initializer):
    """Normal samples with mean 0 and standard deviation ``sigma``.

    >>> w = mx.nd.zeros(3); mx.init.Normal(0.5)(mx.init.InitDesc('w_weight'), w); w.shape
    (3,)
    """

    def __init__(self, sigma=0.01):
        super().__init__(sigma=sigma)
        self.sigma = sigma

    def _init_weight(self, _, arr):
        _random.normal(0, self.sigma, arr.shape, out=arr)


@register
class Orthogonal(Initializer):
    """``scale`` times an orthogonal matrix (rows or columns of the SVD of random samples).

    >>> w = mx.nd.zeros((2, 3)); mx.init.Orthogonal(scale=1)(mx.init.InitDesc('w_weight'), w)
    >>> np.allclose(w.asnumpy() @ w.asnumpy().T, np.eye(2), atol=1e-5)
    True
    """

    def __init__(self, scale=1.414, rand_type="uniform"):
        super().__init__(scale=scale, rand_type=rand_type)
        self.scale = scale
        self.rand_type = rand_type

    def _init_weight(self, _, arr):
        nout = arr.shape[0]
        nin = int(np.prod(arr.shape[1:]))
        if self.rand_type == "uniform":
            tmp = _random.uniform(-1.0, 1.0, shape=(nout, nin)).asnumpy()
        elif self.rand_type == "normal":
            tmp = _random.normal(0.0, 1.0, shape=(nout, nin)).asnumpy()
        else:
            raise ValueError(f"Unknown random type {self.rand_type!r}: 'uniform' or 'normal'")
        u, _, v = np.linalg.svd(tmp, full_matrices=False)
        res = u if u.shape == tmp.shape else v
        arr[:] = self.scale * res.reshape(arr.shape)


@register
class Xavier(Initializer):
    """Samples of scale ``sqrt(magnitude / factor)``, factor from the fans ('avg', 'in',
    'out'); ``rnd_type`` 'uniform' (bound) or 'gaussian' (standard deviation).

    >>> w = mx.nd.zeros((4, 2)); mx.init.Xavier()(mx.init.InitDesc('w_weight'), w)
    >>> bool(abs(w).max() <= 1.0)                    # sqrt(3 / ((2 + 4) / 2))
    True
    """

    def __init__(self, rnd_type="uniform", factor_type="avg", magnitude=3):
        super().__init__(rnd_type=rnd_type, factor_type=factor_type, magnitude=magnitude)
        self.rnd_type = rnd_type
        self.factor_type = factor_type
        self.magnitude = float(magnitude)

    def _init_weight(self, name, arr):
        shape = arr.shape
        if len(shape) < 2:
            raise ValueError(f"Xavier initializer cannot be applied to vector {name}. It "
                             "requires at least 2D.")
        hw_scale = float(np.prod(shape[2:])) if len(shape) > 2 else 1.0
        fan_in, fan_out = shape[1] * hw_scale, shape[0] * hw_scale
        factors = {"avg": (fan_in + fan_out) / 2.0, "in": fan_in, "out": fan_out}
        if self.factor_type not in factors:
            raise ValueError("Incorrect factor type")
        scale = np.sqrt(self.magnitude / factors[self.factor_type])
        if self.rnd_type == "uniform":
            _random.uniform(-scale, scale, arr.shape, out=arr)
        elif self.rnd_type == "gaussian":
            _random.normal(0, scale, arr.shape, out=arr)
        else:
            raise ValueError("Unknown random type")


@register
class MSRAPrelu(Xavier):
    """Xavier with Gaussian samples and magnitude ``2 / (1 + slope**2)`` (He et al.).

    >>> mx.init.MSRAPrelu().magnitude
    1.8823529411764706
    """

    def __init__(self, factor_type="avg", slope=0.25):
        super().__init__("gaussian", factor_type, 2.0 / (1 + slope ** 2))
        self._kwargs = {"factor_type": factor_type, "slope": slope}


@register
class Bilinear(Initializer):
    """The bilinear upsampling filter (for a Deconvolution weight of 4 dimensions).

    >>> w = mx.nd.zeros((1, 1, 2, 2)); mx.init.Bilinear()(mx.init.InitDesc('up_weight'), w)
    >>> w.asnumpy().ravel().tolist()
    [1.0, 0.0, 0.0, 0.0]
    """

    def __init__(self):
        super().__init__()

    def _init_weight(self, _, arr):
        self._init_bilinear(_, arr)


@register
class LSTMBias(Initializer):
    """Zeros except the forget gate's quarter of an LSTM bias, set to ``forget_bias``.

    >>> b = mx.nd.ones(8); mx.init.LSTMBias(2.0)._init_weight('lstm_bias', b)
    >>> b.asnumpy().tolist()
    [0.0, 0.0, 2.0, 2.0, 0.0, 0.0, 0.0, 0.0]
    """

    def __init__(self, forget_bias=1.0):
        super().__init__(forget_bias=forget_bias)
        self.forget_bias = forget_bias

    def _init_weight(self, name, arr):
        values = np.zeros(arr.shape, dtype=np.float32)
        hidden = arr.shape[0] // 4
        values[hidden:2 * hidden] = self.forget_bias
        arr[:] = values
