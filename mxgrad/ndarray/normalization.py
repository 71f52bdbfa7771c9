"""Normalisation and Dropout, composed of differentiable ops (so every order of gradient works).

BatchNorm follows MXNet: batch statistics in train mode, moving statistics in predict mode
or with use_global_stats, and the moving statistics updated when a train-mode backward pass
reaches the layer (as MXNet's BatchNorm does), outside the tape; backward(train_mode=False)
gives the predict-mode gradient instead.
"""
from mxgrad._ndarray import NDArrayBase
from mxgrad._tape import is_recording, is_training, record_op
from mxgrad.base import MXNetError
from mxgrad.gradients import gradient_rule
from mxgrad.ndarray._elemwise_table import OPS

__all__ = ["BatchNorm", "LayerNorm", "InstanceNorm", "Dropout"]


def _reduce():
    from mxgrad.ndarray import reduce
    return reduce


def _channel_shape(ndim, axis, size):
    shape = [1] * ndim
    shape[axis] = size
    return tuple(shape)


def _check(op, data, **params):
    if not isinstance(data, NDArrayBase):
        raise MXNetError(f"{op}: data must be an NDArray, got {type(data).__name__}")
    for name, p in params.items():
        if not isinstance(p, NDArrayBase):
            raise MXNetError(f"{op}: {name} must be an NDArray, got {type(p).__name__}")
    if data._dtype_code not in (0, 1, 2):      # as MXNet: normalisation is for floats only
        raise MXNetError(f"{op}: only floating point types are supported, got "
                         f"{data.dtype.__name__}")


def _normalize(x, mean, var, eps, gamma, beta):
    return (x - mean) * OPS["rsqrt"](var + eps) * gamma + beta


def BatchNorm(data, gamma, beta, moving_mean, moving_var, eps=1e-3, momentum=0.9,
              fix_gamma=True, use_global_stats=False, output_mean_var=False, axis=1,
              cudnn_off=False, min_calib_range=None, max_calib_range=None, name=None):
    """Batch normalisation over every axis but ``axis``; see the module docstring.

    >>> x = mx.nd.array([[1, 2], [3, 6]])               # (batch, channels)
    >>> gamma, beta = mx.nd.array([2, 2]), mx.nd.zeros(2)
    >>> moving_mean, moving_var = mx.nd.zeros(2), mx.nd.ones(2)
    >>> with mx.autograd.record():                      # train mode: the batch's statistics
    ...     y = mx.nd.BatchNorm(x, gamma, beta, moving_mean, moving_var)
    >>> np.round(y.asnumpy(), 3)                        # fix_gamma=True: gamma taken as 1
    array([[-1., -1.],
           [ 1.,  1.]], dtype=float32)
    >>> y = mx.nd.BatchNorm(x, mx.nd.array([2, 2]), beta, moving_mean, moving_var,
    ...                     fix_gamma=False)
    >>> np.round(y.asnumpy(), 2)                        # predict mode: the moving statistics
    array([[ 2.  ,  4.  ],
           [ 6.  , 11.99]], dtype=float32)
    """
    _check("BatchNorm", data, gamma=gamma, beta=beta, moving_mean=moving_mean,
           moving_var=moving_var)
    if not -data.ndim <= axis < data.ndim:
        raise MXNetError(f"BatchNorm: axis {axis} is out of range for {data.ndim}-D data")
    ax = axis % data.ndim
    C = data.shape[ax]
    for name, p in (("gamma", gamma), ("beta", beta), ("moving_mean", moving_mean),
                    ("moving_var", moving_var)):
        if p.shape != (C,):
            raise MXNetError(f"BatchNorm: {name} must have shape ({C},), got {p.shape}")
    cshape = _channel_shape(data.ndim, ax, C)
    g = gamma.reshape(cshape)
    if fix_gamma:
        g = g * 0 + 1        # gamma acts as 1 and gets a zero gradient, as in MXNet
    b = beta.reshape(cshape)
    reduce_axes = tuple(i for i in range(data.ndim) if i != ax)
    use_batch = is_training() and not use_global_stats
    if use_batch:
        r = _reduce()
        mean = r.mean(data, axis=reduce_axes, keepdims=True)
        centered = data - mean
        var = r.mean(centered * centered, axis=reduce_axes, keepdims=True)
    else:
        mean = moving_mean.reshape(cshape)
        var = moving_var.reshape(cshape)
    out = _normalize(data, mean, var, eps, g, b)
    if use_batch and is_recording():
        # A node over the batch-statistics graph whose rule, run by backward, picks the
        # gradient by the backward's mode (see _batch_norm_backward).
        res = out.detach()
        stats = (mean.detach().reshape((C,)), var.detach().reshape((C,)))
        record_op("BatchNorm", (out, data, g, b), (res,), _batch_norm_backward,
                  (stats, moving_mean, moving_var, float(momentum), float(eps), cshape,
                   reduce_axes), save_outputs=False)
        out = res
    if output_mean_var:
        return [out, mean.reshape((C,)), OPS["rsqrt"](var + eps).reshape((C,))]
    return out


@gradient_rule("BatchNorm")
def _batch_norm_backward(saved, inputs, outputs, out_grads):
    """A train-mode BatchNorm's backward, as MXNet's. In train mode (backward's default) the
    gradient runs through the batch statistics (input 0, the graph computing the output)
    and the moving statistics are updated. Under backward(train_mode=False) it is the
    predict-mode gradient, from the moving statistics: d/dx = g * gamma / sqrt(moving_var
    + eps), d/dgamma = sum(g * (x - moving_mean) / sqrt(moving_var + eps)), d/dbeta =
    sum(g); the moving statistics stay as they are."""
    (mean, var), moving_mean, moving_var, momentum, eps, cshape, axes = saved
    g = out_grads[0]
    if is_training():
        from mxgrad.autograd import pause
        with pause(train_mode=None):
            moving_mean._copy_from(moving_mean * momentum + mean * (1 - momentum))
            moving_var._copy_from(moving_var * momentum + var * (1 - momentum))
        return g, None, None, None
    _, x, gamma, _ = inputs
    rstd = OPS["rsqrt"](moving_var.reshape(cshape) + eps)
    r = _reduce()
    d_gamma = r.sum(g * (x - moving_mean.reshape(cshape)) * rstd, axis=axes, keepdims=True)
    return None, g * (gamma * rstd), d_gamma, r.sum(g, axis=axes, keepdims=True)


def LayerNorm(data, gamma, beta, axis=-1, eps=1e-5, output_mean_var=False, name=None):
    """Normalise over ``axis`` for each position of the other axes, then scale and shift.

    >>> x = mx.nd.array([[1, 2, 3], [10, 20, 30]])
    >>> y = mx.nd.LayerNorm(x, mx.nd.ones(3), mx.nd.zeros(3))
    >>> np.round(y.asnumpy(), 3)
    array([[-1.225,  0.   ,  1.225],
           [-1.225,  0.   ,  1.225]], dtype=float32)
    >>> y, mean, std = mx.nd.LayerNorm(x, mx.nd.ones(3), mx.nd.zeros(3), output_mean_var=True)
    >>> mean
    <BLANKLINE>
    [[ 2.]
     [20.]]
    <NDArray 2x1 @cpu(0)>
    """
    _check("LayerNorm", data, gamma=gamma, beta=beta)
    if not -data.ndim <= axis < data.ndim:
        raise MXNetError(f"LayerNorm: axis {axis} is out of range for {data.ndim}-D data")
    ax = axis % data.ndim
    C = data.shape[ax]
    if gamma.shape != (C,) or beta.shape != (C,):
        raise MXNetError(f"LayerNorm: gamma and beta must have shape ({C},), got "
                         f"{gamma.shape} and {beta.shape}")
    r = _reduce()
    mean = r.mean(data, axis=ax, keepdims=True)
    centered = data - mean
    var = r.mean(centered * centered, axis=ax, keepdims=True)
    cshape = _channel_shape(data.ndim, ax, C)
    out = _normalize(data, mean, var, eps, gamma.reshape(cshape), beta.reshape(cshape))
    if output_mean_var:
        return [out, mean, OPS["sqrt"](var + eps)]
    return out


def InstanceNorm(data, gamma, beta, eps=1e-3, name=None):
    """Normalise each (sample, channel) over its spatial axes, then scale and shift.

    >>> x = mx.nd.array([[[1, 3], [10, 30]]])           # (batch 1, 2 channels, width 2)
    >>> y = mx.nd.InstanceNorm(x, mx.nd.ones(2), mx.nd.array([0, 5]))
    >>> np.round(y.asnumpy(), 3)
    array([[[-1.,  1.],
            [ 4.,  6.]]], dtype=float32)
    """
    _check("InstanceNorm", data, gamma=gamma, beta=beta)
    if data.ndim < 3:
        raise MXNetError(f"InstanceNorm: data must be at least 3-D (N, C, ...), got "
                         f"{data.shape}")
    C = data.shape[1]
    if gamma.shape != (C,) or beta.shape != (C,):
        raise MXNetError(f"InstanceNorm: gamma and beta must have shape ({C},), got "
                         f"{gamma.shape} and {beta.shape}")
    r = _reduce()
    axes = tuple(range(2, data.ndim))
    mean = r.mean(data, axis=axes, keepdims=True)
    centered = data - mean
    var = r.mean(centered * centered, axis=axes, keepdims=True)
    cshape = _channel_shape(data.ndim, 1, C)
    return _normalize(data, mean, var, eps, gamma.reshape(cshape), beta.reshape(cshape))


def Dropout(data, p=0.5, mode="training", axes=(), cudnn_off=False, name=None):
    """Zero each element with probability p and scale the rest by 1/(1-p), in train mode
    (or always with mode='always'); identity otherwise. ``axes`` share one mask value along
    those axes. The gradient uses the same mask.

    >>> x = mx.nd.ones((2, 4))
    >>> mx.nd.Dropout(x, p=0.5)                         # predict mode: unchanged
    <BLANKLINE>
    [[1. 1. 1. 1.]
     [1. 1. 1. 1.]]
    <NDArray 2x4 @cpu(0)>
    >>> mx.random.seed(0)
    >>> with mx.autograd.record():
    ...     y = mx.nd.Dropout(x, p=0.5)
    >>> set(y.asnumpy().ravel().tolist()) <= {0.0, 2.0}   # zeros, and the rest times 1 / (1 - p)
    True
    >>> y = mx.nd.Dropout(x, p=0.5, mode='always', axes=(1,))
    >>> bool((y[:, 0] == y[:, 1]).min())                  # one mask value along axis 1
    True
    """
    _check("Dropout", data)
    if mode not in ("training", "always"):
        raise MXNetError(f"Dropout: mode must be 'training' or 'always', got {mode!r}")
    if not 0 <= p <= 1:
        raise MXNetError(f"Dropout: p must be in [0, 1), got {p}")
    shared = _dropout_axes(axes, data.ndim)
    if p == 0 or (mode == "training" and not is_training()):
        return OPS["identity"](data)     # a new array (recorded: gradient ones), as MXNet
    if p == 1:
        # MXNet scales the (all dropped) elements by 1 / 0: NaN everywhere
        raise MXNetError("Dropout: p must be in [0, 1), got 1 while dropping (training or "
                         "mode='always'); in predict mode p=1 is the identity")
    mask_shape = tuple(1 if i in shared else d for i, d in enumerate(data.shape))
    from mxgrad.ndarray import random
    keep = random.uniform(0, 1, shape=mask_shape, ctx=data.context, dtype=data.dtype) >= p
    return data * (keep * (1.0 / (1.0 - p)))


def _dropout_axes(axes, ndim):
    """The axes one mask value is shared along; MXNet takes only 0 <= axis < ndim."""
    axes = (axes,) if isinstance(axes, int) else tuple(axes)
    for a in axes:
        if not 0 <= a < ndim:
            raise MXNetError(f"Dropout: axis {a} in axes={axes} is out of range for "
                             f"{ndim}-D data (MXNet takes 0 <= axis < {ndim})")
    return set(axes)
