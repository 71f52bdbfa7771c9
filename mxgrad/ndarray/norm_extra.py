"""More of MXNet's normalisation layers: GroupNorm, L2Normalization, LRN, BatchNorm_v1,
SyncBatchNorm (contrib, one device) and IdentityAttachKLSparseReg.

Each is composed of differentiable NDArray ops (so every order of gradient works) after its
arguments are checked; IdentityAttachKLSparseReg is one recorded node whose rule adds the
sparseness penalty, as MXNet's backward does.
"""
from mxgrad._ndarray import NDArrayBase
from mxgrad._tape import is_recording, is_training, record_op
from mxgrad.base import MXNetError
from mxgrad.gradients import gradient_rule
from mxgrad.ndarray._deliver import deliver
from mxgrad.ndarray._elemwise_table import OPS
from mxgrad.ndarray.normalization import BatchNorm

__all__ = ["GroupNorm", "L2Normalization", "LRN", "BatchNorm_v1",
           "IdentityAttachKLSparseReg"]


def _reduce():
    from mxgrad.ndarray import reduce
    return reduce


def _check(op, data, **params):
    if not isinstance(data, NDArrayBase):
        raise MXNetError(f"{op}: data must be an NDArray, got {type(data).__name__}")
    if data._dtype_code not in (0, 1, 2):      # as MXNet: floats only
        raise MXNetError(f"{op}: only floating point types are supported, got "
                         f"{data.dtype.__name__}")
    for name, p in params.items():
        if not isinstance(p, NDArrayBase):
            raise MXNetError(f"{op}: {name} must be an NDArray, got {type(p).__name__}")
        if p.dtype != data.dtype or p.context != data.context:
            raise MXNetError(f"{op}: {name} must be {data.dtype.__name__} on {data.context}, "
                             f"got {p.dtype.__name__} on {p.context}")


def GroupNorm(data, gamma, beta, num_groups=1, eps=1e-5, output_mean_var=False, out=None,
              name=None):
    """Normalise each sample's channels in ``num_groups`` groups (data (N, C, ...), C a
    multiple of num_groups), then scale and shift by ``gamma`` and ``beta``, one value per
    group (shape (num_groups,), as in MXNet 1.9.1). With output_mean_var also the (N,
    num_groups) means and standard deviations sqrt(var + eps).

    >>> x = mx.nd.array([[[1, 3], [10, 30]]])           # (1 sample, 2 channels, 2)
    >>> y = mx.nd.GroupNorm(x, mx.nd.array([1, 2]), mx.nd.array([0, 5]), num_groups=2)
    >>> np.round(y.asnumpy(), 3)
    array([[[-1.,  1.],
            [ 3.,  7.]]], dtype=float32)
    >>> y, mean, std = mx.nd.GroupNorm(x, mx.nd.ones(1), mx.nd.zeros(1), output_mean_var=True)
    >>> mean
    <BLANKLINE>
    [[11.]]
    <NDArray 1x1 @cpu(0)>
    """
    _check("GroupNorm", data, gamma=gamma, beta=beta)
    if data.ndim < 3:
        raise MXNetError(f"GroupNorm: data must be at least 3-D (N, C, ...), got {data.shape}")
    G = int(num_groups)
    N, C = data.shape[:2]
    if G < 1 or C % G:
        raise MXNetError(f"GroupNorm: the {C} channels must be a multiple of num_groups "
                         f"{num_groups}")
    for pname, p in (("gamma", gamma), ("beta", beta)):
        if p.shape != (G,):
            raise MXNetError(f"GroupNorm: {pname} must have shape ({G},), got {p.shape}")
    r = _reduce()
    x = data.reshape((N, G, -1))
    mean = r.mean(x, axis=2, keepdims=True)
    centered = x - mean
    std = OPS["sqrt"](r.mean(centered * centered, axis=2, keepdims=True) + eps)
    y = centered / std * gamma.reshape((1, G, 1)) + beta.reshape((1, G, 1))
    y = deliver("GroupNorm", y.reshape(data.shape), out)
    if output_mean_var:
        return [y, mean.reshape((N, G)), std.reshape((N, G))]
    return y


_L2_MODES = ("channel", "instance", "spatial")


def L2Normalization(data, eps=1e-10, mode="instance", out=None, name=None):
    """data / sqrt(sum(data ** 2) + eps), the sum over every axis but the first
    (mode='instance'), over axis 1 ('channel') or over the axes after 1 ('spatial'); the
    last two need 3-D data or more.

    >>> x = mx.nd.array([[3, 4], [0, 2]])
    >>> mx.nd.L2Normalization(x)
    <BLANKLINE>
    [[0.6 0.8]
     [0.  1. ]]
    <NDArray 2x2 @cpu(0)>
    >>> mx.nd.L2Normalization(x.reshape((1, 2, 2)), mode='channel')
    <BLANKLINE>
    [[[1.        0.8944272]
      [0.        0.4472136]]]
    <NDArray 1x2x2 @cpu(0)>
    """
    _check("L2Normalization", data)
    if mode not in _L2_MODES:
        raise MXNetError(f"L2Normalization: invalid mode {mode!r}, valid values are "
                         "'channel', 'instance', 'spatial'")
    if mode != "instance" and data.ndim < 3:
        raise MXNetError(f"L2Normalization: mode={mode!r} needs data of at least 3 "
                         f"dimensions, got {data.shape}")
    if data.ndim == 0:
        raise MXNetError("L2Normalization: data must have at least one dimension")
    axes = {"instance": tuple(range(1, data.ndim)), "channel": (1,),
            "spatial": tuple(range(2, data.ndim))}[mode]
    squares = data * data
    if axes:
        squares = _reduce().sum(squares, axis=axes, keepdims=True)
    return deliver("L2Normalization", data * OPS["rsqrt"](squares + eps), out)


def LRN(data, alpha=1e-4, beta=0.75, knorm=2.0, nsize=None, out=None, name=None):
    """Local response normalisation across channels of (N, C, H, W) data:
    data / (knorm + alpha / nsize * sum of the squares of the ``nsize`` channels around
    each one) ** beta, the window cut at the first and last channel.

    >>> x = mx.nd.array([1, 2, 2]).reshape((1, 3, 1, 1))
    >>> y = mx.nd.LRN(x, alpha=3, beta=1, knorm=1, nsize=3)
    >>> y.reshape((3,))                     # 1 / (1 + 5), 2 / (1 + 9), 2 / (1 + 8)
    <BLANKLINE>
    [0.16666667 0.2        0.22222222]
    <NDArray 3 @cpu(0)>
    """
    _check("LRN", data)
    if nsize is None:
        raise MXNetError("LRN: the parameter nsize is required")
    nsize = int(nsize)
    if nsize < 1 or nsize % 2 == 0:
        raise MXNetError(f"LRN: nsize must be a positive odd number, got {nsize}")
    if data.ndim != 4:
        raise MXNetError(f"LRN: data must be 4-D (batch, channels, y, x), got {data.shape}")
    from mxgrad.ndarray.creation import zeros
    from mxgrad.ndarray.join import concat
    from mxgrad.ndarray.shape import slice_axis
    N, C, H, W = data.shape
    half = nsize // 2
    squares = data * data
    if half:
        edge = zeros((N, half, H, W), ctx=data.context, dtype=data.dtype)
        padded = concat(edge, squares, edge, dim=1)
        window = slice_axis(padded, axis=1, begin=0, end=C)
        for i in range(1, nsize):
            window = window + slice_axis(padded, axis=1, begin=i, end=i + C)
    else:
        window = squares
    scale = window * (float(alpha) / nsize) + float(knorm)
    return deliver("LRN", data * scale ** (-float(beta)), out)


# --- BatchNorm's relatives ---------------------------------------------------------------------
def _batch_norm_with_stats(op, data, gamma, beta, moving_mean, moving_var, eps, momentum,
                           fix_gamma, use_global_stats, output_mean_var, out):
    """BatchNorm over axis 1; with output_mean_var also the mean and the variance it used
    (the batch's in train mode, the moving ones otherwise)."""
    if moving_mean is None or moving_var is None:
        raise MXNetError(f"{op}: needs 5 inputs (data, gamma, beta, moving_mean, moving_var)")
    _check(op, data)
    if data.ndim < 2:
        raise MXNetError(f"{op}: data must be at least 2-D (N, C, ...), got {data.shape}")
    y = BatchNorm(data, gamma, beta, moving_mean, moving_var, eps=eps, momentum=momentum,
                  fix_gamma=fix_gamma, use_global_stats=use_global_stats, axis=1)
    y = deliver(op, y, out)
    if not output_mean_var:
        return y
    if is_training() and not use_global_stats:
        r = _reduce()
        axes = (0,) + tuple(range(2, data.ndim))
        mean = r.mean(data, axis=axes, keepdims=True)
        centered = data - mean
        var = r.mean(centered * centered, axis=axes)
        return [y, mean.reshape((data.shape[1],)), var]
    return [y, OPS["identity"](moving_mean), OPS["identity"](moving_var)]


def BatchNorm_v1(data, gamma, beta, moving_mean=None, moving_var=None, eps=1e-3, momentum=0.9,
                 fix_gamma=True, use_global_stats=False, output_mean_var=False, out=None,
                 name=None):
    """MXNet's first BatchNorm: BatchNorm over axis 1, whose output_mean_var gives the mean
    and the variance (not its inverse square root). The moving statistics are inputs here
    (MXNet's mx.nd.BatchNorm_v1 has no way to take them).

    >>> x = mx.nd.array([[1, 2], [3, 6]])
    >>> gamma, beta = mx.nd.ones(2), mx.nd.zeros(2)
    >>> with mx.autograd.record():
    ...     y, mean, var = mx.nd.BatchNorm_v1(x, gamma, beta, mx.nd.zeros(2), mx.nd.ones(2),
    ...                                       output_mean_var=True)
    >>> mean, var
    (
    [2. 4.]
    <NDArray 2 @cpu(0)>, 
    [1. 4.]
    <NDArray 2 @cpu(0)>)
    """
    return _batch_norm_with_stats("BatchNorm_v1", data, gamma, beta, moving_mean, moving_var,
                                  eps, momentum, fix_gamma, use_global_stats, output_mean_var,
                                  out)


def SyncBatchNorm(data, gamma, beta, moving_mean, moving_var, eps=1e-3, momentum=0.9,
                  fix_gamma=True, use_global_stats=False, output_mean_var=False, ndev=1,
                  key=None, out=None, name=None):
    """BatchNorm over axis 1 synchronised across ``ndev`` devices under ``key``; mxgrad runs
    one device (ndev=1), where it is BatchNorm. output_mean_var gives the mean and the
    variance, as MXNet's does.

    >>> x = mx.nd.array([[1, 2], [3, 6]])
    >>> g, b, mm, mv = mx.nd.ones(2), mx.nd.zeros(2), mx.nd.zeros(2), mx.nd.ones(2)
    >>> with mx.autograd.record():
    ...     y = mx.nd.contrib.SyncBatchNorm(x, g, b, mm, mv, key='bn0')
    >>> np.round(y.asnumpy(), 3)
    array([[-1., -1.],
           [ 1.,  1.]], dtype=float32)
    """
    if key is None:
        raise MXNetError("SyncBatchNorm: the parameter key is required")
    if int(ndev) != 1:
        raise MXNetError(f"SyncBatchNorm: mxgrad runs one device, ndev must be 1, got {ndev}")
    return _batch_norm_with_stats("SyncBatchNorm", data, gamma, beta, moving_mean, moving_var,
                                  eps, momentum, fix_gamma, use_global_stats, output_mean_var,
                                  out)


def IdentityAttachKLSparseReg(data, moving_avg=None, sparseness_target=0.1, penalty=0.001,
                              momentum=0.9, out=None, name=None):
    """The identity, whose backward adds the gradient of a KL-divergence sparseness penalty:
    penalty * (-t / a + (1 - t) / (1 - a)) with t = sparseness_target and ``a`` the
    ``moving_avg`` (shape (data.shape[1],)) of each unit's mean activation over the other
    axes, updated by the backward (a = momentum * a + (1 - momentum) * mean). MXNet's
    mx.nd form cannot take moving_avg; here it is an input.

    >>> x = mx.nd.array([[0.2, 0.4], [0.2, 0.0]])
    >>> avg = mx.nd.array([0.2, 0.2])
    >>> x.attach_grad()
    >>> with mx.autograd.record():
    ...     y = mx.nd.IdentityAttachKLSparseReg(x, avg, sparseness_target=0.2, penalty=1)
    >>> y.backward()
    >>> np.round(avg.asnumpy(), 5)          # at the target: no penalty
    array([0.2, 0.2], dtype=float32)
    >>> np.round(x.grad.asnumpy(), 5)
    array([[1., 1.],
           [1., 1.]], dtype=float32)
    """
    if moving_avg is None:
        raise MXNetError("IdentityAttachKLSparseReg: needs 2 inputs (data, moving_avg)")
    _check("IdentityAttachKLSparseReg", data, moving_avg=moving_avg)
    if data.ndim < 2 or moving_avg.shape != (data.shape[1],):
        raise MXNetError(f"IdentityAttachKLSparseReg: data must be at least 2-D and "
                         f"moving_avg of shape (data.shape[1],), got {data.shape} and "
                         f"{moving_avg.shape}")
    from mxgrad.autograd import pause
    with pause(train_mode=None):
        res = OPS["identity"](data)
    if is_recording():
        record_op("IdentityAttachKLSparseReg", (data,), (res,), _kl_sparse_rule,
                  (moving_avg, float(sparseness_target), float(penalty), float(momentum)),
                  save_outputs=False)
    return deliver("IdentityAttachKLSparseReg", res, out)


@gradient_rule("IdentityAttachKLSparseReg")
def _kl_sparse_rule(saved, inputs, outputs, out_grads):
    moving_avg, target, penalty, momentum = saved
    data = inputs[0]
    from mxgrad.autograd import pause
    with pause(train_mode=None):         # the running average is state, off the tape
        axes = (0,) + tuple(range(2, data.ndim))
        mean = _reduce().mean(data, axis=axes)
        moving_avg._copy_from(moving_avg * momentum + mean * (1 - momentum))
        a = moving_avg.reshape((1, -1) + (1,) * (data.ndim - 2))
        extra = (-target) / a + (1 - target) / (1 - a)
    return (out_grads[0] + (extra * penalty).broadcast_to(data.shape),)
