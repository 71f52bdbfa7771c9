"""The basic Gluon layers of MXNet 1.9.1: containers, Dense, Dropout, BatchNorm,
Embedding, Flatten and the Lambda wrappers, each over the matching ``mx.nd`` operator."""
import warnings

import numpy as np

from mxgrad import autograd, ndarray
from mxgrad.gluon.block import Block, HybridBlock
from mxgrad.gluon.parameter import _indent
from mxgrad.gluon.nn.activations import Activation

__all__ = ["Sequential", "HybridSequential", "Dense", "Dropout", "Embedding", "BatchNorm",
           "InstanceNorm", "LayerNorm", "GroupNorm", "Flatten", "Lambda", "HybridLambda"]


class _Stack:
    """What Sequential and HybridSequential share: add, indexing, len and the repr."""

    _is_stack = True

    def add(self, *blocks):
        """Append blocks, run in order by forward."""
        for block in blocks:
            self.register_child(block)

    def __repr__(self):
        lines = "\n".join(f"  ({key}): {_indent(repr(block), 2)}"
                          for key, block in self._children.items())
        return f"{type(self).__name__}(\n{lines}\n)"

    def __getitem__(self, key):
        layers = list(self._children.values())[key]
        if not isinstance(layers, list):
            return layers
        net = type(self)(prefix=self._prefix)
        with net.name_scope():
            net.add(*layers)
        return net

    def __len__(self):
        return len(self._children)


class Sequential(_Stack, Block):
    """Blocks run one after the other.

    >>> net = mx.gluon.nn.Sequential()
    >>> net.add(mx.gluon.nn.Dense(3, in_units=2), mx.gluon.nn.Activation('relu'))
    >>> net
    Sequential(
      (0): Dense(2 -> 3, linear)
      (1): Activation(relu)
    )
    >>> len(net), net[1]
    (2, Activation(relu))
    """

    def __init__(self, prefix=None, params=None):
        super().__init__(prefix=prefix, params=params)

    def forward(self, x):
        for block in self._children.values():
            x = block(x)
        return x

    def hybridize(self, active=True, **kwargs):
        """Accepted; warns as MXNet when every child is a HybridBlock."""
        if self._children and all(isinstance(c, HybridBlock) for c in self._children.values()):
            warnings.warn(f"All children of this Sequential layer '{self.prefix}' are "
                          "HybridBlocks. Consider using HybridSequential for the best "
                          "performance.", stacklevel=2)
        super().hybridize(active, **kwargs)


class HybridSequential(_Stack, HybridBlock):
    """HybridBlocks run one after the other.

    >>> net = mx.gluon.nn.HybridSequential(prefix='net_')
    >>> with net.name_scope():
    ...     net.add(mx.gluon.nn.Dense(3), mx.gluon.nn.Dense(1))
    >>> [b.prefix for b in net]
    ['net_dense0_', 'net_dense1_']
    """

    def __init__(self, prefix=None, params=None):
        super().__init__(prefix=prefix, params=params)

    def hybrid_forward(self, F, x):
        for block in self._children.values():
            x = block(x)
        return x


class Dense(HybridBlock):
    """``activation(dot(x, weight.T) + bias)``: ``weight`` is ``(units, in_units)``;
    ``in_units=0`` leaves it to the first input. ``flatten`` folds all but the first axis
    of ``x`` into one (else only the last axis is contracted).

    >>> d = mx.gluon.nn.Dense(2, activation='relu', prefix='fc_')
    >>> d
    Dense(None -> 2, Activation(relu))
    >>> d.initialize(mx.init.One()); d(mx.nd.ones((1, 3))).asnumpy()
    array([[3., 3.]], dtype=float32)
    >>> d
    Dense(3 -> 2, Activation(relu))
    """

    def __init__(self, units, activation=None, use_bias=True, flatten=True, dtype="float32",
                 weight_initializer=None, bias_initializer="zeros", in_units=0, **kwargs):
        super().__init__(**kwargs)
        self._flatten = flatten
        with self.name_scope():
            self._units = units
            self._in_units = in_units
            self.weight = self.params.get("weight", shape=(units, in_units),
                                          init=weight_initializer, dtype=dtype,
                                          allow_deferred_init=True)
            if use_bias:
                self.bias = self.params.get("bias", shape=(units,), init=bias_initializer,
                                            dtype=dtype, allow_deferred_init=True)
            else:
                self.bias = None
            self.act = (Activation(activation, prefix=activation + "_")
                        if activation is not None else None)

    def infer_shape(self, x, *args):
        in_units = int(np.prod(x.shape[1:])) if self._flatten else x.shape[-1]
        self.weight.shape = (self._units, in_units)

    def hybrid_forward(self, F, x, weight, bias=None):
        out = F.FullyConnected(x, weight, bias, no_bias=bias is None, num_hidden=self._units,
                               flatten=self._flatten, name="fwd")
        return self.act(out) if self.act is not None else out

    def __repr__(self):
        shape = self.weight.shape
        return (f"{type(self).__name__}({shape[1] if shape[1] else None} -> {shape[0]}, "
                f"{self.act if self.act else 'linear'})")


class Dropout(HybridBlock):
    """Zero each element with probability ``rate`` in training (autograd.record), scaling
    the rest by ``1 / (1 - rate)``; ``axes`` share one mask along them. Identity in
    prediction.

    >>> drop = mx.gluon.nn.Dropout(0.5)
    >>> drop, drop(mx.nd.ones(3)).asnumpy()
    (Dropout(p = 0.5, axes=()), array([1., 1., 1.], dtype=float32))
    """

    def __init__(self, rate, axes=(), **kwargs):
        super().__init__(**kwargs)
        self._rate = rate
        self._axes = axes

    def hybrid_forward(self, F, x):
        # predict mode is the identity for any rate, as in MXNet (in training mx.nd.Dropout
        # refuses p=1, which MXNet turns into NaN)
        if self._rate > 0 and autograd.is_training():
            return F.Dropout(x, p=self._rate, axes=self._axes, name="fwd", cudnn_off=False)
        return F.identity(x)

    def __repr__(self):
        return f"{type(self).__name__}(p = {self._rate}, axes={self._axes})"


class BatchNorm(HybridBlock):
    """Batch normalization over ``axis``; ``running_mean``/``running_var`` are Parameters
    with grad_req 'null', updated in training with ``momentum``. ``scale=False`` fixes
    gamma at 1, ``center=False`` beta at 0.

    >>> bn = mx.gluon.nn.BatchNorm()
    >>> repr(bn)[:50]
    'BatchNorm(axis=1, eps=1e-05, momentum=0.9, fix_gam'
    >>> bn.initialize(); bn(mx.nd.ones((2, 3))).shape
    (2, 3)
    >>> bn.running_var.grad_req
    'null'
    """

    def __init__(self, axis=1, momentum=0.9, epsilon=1e-5, center=True, scale=True,
                 use_global_stats=False, beta_initializer="zeros", gamma_initializer="ones",
                 running_mean_initializer="zeros", running_variance_initializer="ones",
                 in_channels=0, **kwargs):
        super().__init__(**kwargs)
        self._kwargs = {"axis": axis, "eps": epsilon, "momentum": momentum,
                        "fix_gamma": not scale, "use_global_stats": use_global_stats}
        if in_channels != 0:
            self.in_channels = in_channels
        self.gamma = self.params.get("gamma", grad_req="write" if scale else "null",
                                     shape=(in_channels,), init=gamma_initializer,
                                     allow_deferred_init=True, differentiable=scale)
        self.beta = self.params.get("beta", grad_req="write" if center else "null",
                                    shape=(in_channels,), init=beta_initializer,
                                    allow_deferred_init=True, differentiable=center)
        self.running_mean = self.params.get("running_mean", grad_req="null",
                                            shape=(in_channels,),
                                            init=running_mean_initializer,
                                            allow_deferred_init=True, differentiable=False)
        self.running_var = self.params.get("running_var", grad_req="null",
                                           shape=(in_channels,),
                                           init=running_variance_initializer,
                                           allow_deferred_init=True, differentiable=False)

    def infer_shape(self, x, *args):
        channels = x.shape[self._kwargs["axis"]]
        for param in (self.gamma, self.beta, self.running_mean, self.running_var):
            param.shape = (channels,)

    def cast(self, dtype):
        """Cast as MXNet: float16 BatchNorm keeps float32 Parameters."""
        if np.dtype(dtype).name == "float16":
            dtype = "float32"
        super().cast(dtype)

    def hybrid_forward(self, F, x, gamma, beta, running_mean, running_var):
        return F.BatchNorm(x, gamma, beta, running_mean, running_var, name="fwd",
                           **self._kwargs)

    def __repr__(self):
        content = ", ".join(f"{k}={v!r}" for k, v in self._kwargs.items())
        in_channels = self.gamma.shape[0]
        return f"{type(self).__name__}({content}, in_channels={in_channels or None})"


class _Norm(HybridBlock):
    """What InstanceNorm, LayerNorm and GroupNorm share: gamma/beta and the repr."""

    def _gamma_beta(self, shape, center, scale, beta_initializer, gamma_initializer):
        self.gamma = self.params.get("gamma", grad_req="write" if scale else "null",
                                     shape=shape, init=gamma_initializer,
                                     allow_deferred_init=True)
        self.beta = self.params.get("beta", grad_req="write" if center else "null",
                                    shape=shape, init=beta_initializer, allow_deferred_init=True)

    def infer_shape(self, x, *args):
        channels = x.shape[self._kwargs["axis"]]
        self.gamma.shape = (channels,)
        self.beta.shape = (channels,)

    def __repr__(self):
        content = ", ".join(f"{k}={v!r}" for k, v in self._kwargs.items())
        return f"{type(self).__name__}({content}, in_channels={self.gamma.shape[0]})"


class InstanceNorm(_Norm):
    """Normalize each sample and channel over the remaining axes (``axis`` is the channel
    axis); ``scale`` is off by default, as in MXNet.

    >>> n = mx.gluon.nn.InstanceNorm(); n.initialize()
    >>> n
    InstanceNorm(eps=1e-05, axis=1, center=True, scale=False, in_channels=0)
    >>> n(mx.nd.array([[[1, 3]]])).asnumpy().round(3)
    array([[[-1.,  1.]]], dtype=float32)
    """

    def __init__(self, axis=1, epsilon=1e-5, center=True, scale=False,
                 beta_initializer="zeros", gamma_initializer="ones", in_channels=0, **kwargs):
        super().__init__(**kwargs)
        self._kwargs = {"eps": epsilon, "axis": axis, "center": center, "scale": scale}
        self._axis = axis
        self._epsilon = epsilon
        self._gamma_beta((in_channels,), center, scale, beta_initializer, gamma_initializer)

    def hybrid_forward(self, F, x, gamma, beta):
        if self._axis == 1:
            return F.InstanceNorm(x, gamma, beta, name="fwd", eps=self._epsilon)
        x = x.swapaxes(1, self._axis)
        return F.InstanceNorm(x, gamma, beta, name="fwd",
                              eps=self._epsilon).swapaxes(1, self._axis)


class LayerNorm(_Norm):
    """Normalize over ``axis`` (the last by default), then scale and shift.

    >>> n = mx.gluon.nn.LayerNorm(); n.initialize()
    >>> n(mx.nd.array([[1, 3]])).asnumpy().round(3)
    array([[-1.,  1.]], dtype=float32)
    """

    def __init__(self, axis=-1, epsilon=1e-5, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", in_channels=0,
                 prefix=None, params=None):
        super().__init__(prefix=prefix, params=params)
        self._kwargs = {"eps": epsilon, "axis": axis, "center": center, "scale": scale}
        self._axis = axis
        self._epsilon = epsilon
        self._gamma_beta((in_channels,), center, scale, beta_initializer, gamma_initializer)

    def hybrid_forward(self, F, data, gamma, beta):
        return F.LayerNorm(data, gamma=gamma, beta=beta, axis=self._axis, eps=self._epsilon)


class GroupNorm(_Norm):
    """Normalize each of ``num_groups`` channel groups of each sample (channels on axis 1).

    >>> n = mx.gluon.nn.GroupNorm(); n.initialize()
    >>> n
    GroupNorm(eps=1e-05, num_groups=1, center=True, scale=True)
    >>> n(mx.nd.array([[[1, 3]]])).asnumpy().round(3)
    array([[[-1.,  1.]]], dtype=float32)
    """

    def __init__(self, num_groups=1, epsilon=1e-5, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", prefix=None, params=None):
        super().__init__(prefix=prefix, params=params)
        self._kwargs = {"eps": epsilon, "num_groups": num_groups, "center": center,
                        "scale": scale}
        self._num_groups = num_groups
        self._epsilon = epsilon
        self._gamma_beta((num_groups,), center, scale, beta_initializer, gamma_initializer)

    def hybrid_forward(self, F, data, gamma, beta):
        return F.GroupNorm(data, gamma=gamma, beta=beta, num_groups=self._num_groups,
                           eps=self._epsilon)

    def __repr__(self):
        content = ", ".join(f"{k}={v!r}" for k, v in self._kwargs.items())
        return f"{type(self).__name__}({content})"


class Embedding(HybridBlock):
    """Rows of ``weight`` (``(input_dim, output_dim)``) picked by integer indices.

    >>> emb = mx.gluon.nn.Embedding(4, 2)
    >>> emb
    Embedding(4 -> 2, float32)
    >>> emb.initialize(mx.init.One()); emb(mx.nd.array([0, 3])).shape
    (2, 2)
    """

    def __init__(self, input_dim, output_dim, dtype="float32", weight_initializer=None,
                 sparse_grad=False, **kwargs):
        super().__init__(**kwargs)
        if sparse_grad:
            raise ValueError("Embedding: sparse_grad=True needs row_sparse gradients, which "
                             "mxgrad does not have; use sparse_grad=False")
        self._kwargs = {"input_dim": input_dim, "output_dim": output_dim, "dtype": dtype,
                        "sparse_grad": sparse_grad}
        self.weight = self.params.get("weight", shape=(input_dim, output_dim),
                                      init=weight_initializer, dtype=dtype,
                                      allow_deferred_init=True)

    def hybrid_forward(self, F, x, weight):
        return F.Embedding(x, weight, name="fwd", **self._kwargs)

    def __repr__(self):
        k = self._kwargs
        return f"{type(self).__name__}({k['input_dim']} -> {k['output_dim']}, {k['dtype']})"


class Flatten(HybridBlock):
    """Reshape to ``(batch, -1)``.

    >>> mx.gluon.nn.Flatten()(mx.nd.ones((2, 3, 4))).shape
    (2, 12)
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)

    def hybrid_forward(self, F, x):
        return F.flatten(x)

    def __repr__(self):
        return type(self).__name__


def _lookup(function):
    if not hasattr(ndarray, function):
        raise AssertionError(f"Function name {function} is not found in ndarray.")
    return getattr(ndarray, function)


class Lambda(Block):
    """A Block around a function (or the name of an ``mx.nd`` function).

    >>> mx.gluon.nn.Lambda('tanh')
    Lambda(tanh)
    >>> mx.gluon.nn.Lambda(lambda x: x * 2)(mx.nd.ones(1)).asnumpy()
    array([2.], dtype=float32)
    """

    def __init__(self, function, prefix=None):
        super().__init__(prefix=prefix)
        if isinstance(function, str):
            self._func_impl = _lookup(function)
            self._func_name = function
        elif callable(function):
            self._func_impl = function
            self._func_name = function.__name__
        else:
            raise ValueError(f"Unrecognized function in lambda: {function} of type "
                             f"{type(function)}")

    def forward(self, *args):
        return self._func_impl(*args)

    def __repr__(self):
        return f"{type(self).__name__}({self._func_name})"


class HybridLambda(HybridBlock):
    """A HybridBlock around ``function(F, x, *args)`` (or the name of an ``mx.nd``
    function, called without ``F``).

    >>> mx.gluon.nn.HybridLambda(lambda F, x: F.relu(x))(mx.nd.array([-1, 1])).asnumpy()
    array([0., 1.], dtype=float32)
    """

    def __init__(self, function, prefix=None):
        super().__init__(prefix=prefix)
        if isinstance(function, str):
            impl = _lookup(function)
            self._func = lambda F, *args: impl(*args)
            self._func_name = function
        elif callable(function):
            self._func = function
            self._func_name = function.__name__
        else:
            raise ValueError(f"Unrecognized function in lambda: {function} of type "
                             f"{type(function)}")

    def hybrid_forward(self, F, x, *args):
        return self._func(F, x, *args)

    def __repr__(self):
        return f"{type(self).__name__}({self._func_name})"
