"""Optimizer update ops (sgd_update, sgd_mom_update, adam_update): one kernel each, in place.

They run outside the tape (an update is not part of the model being differentiated) and,
like every op, only enqueue: a training loop never waits on them. sgd_update is an
elementwise snippet (the fused-kernel path: no per-call kernel setup in Python); the
updates with state arrays write several outputs and have kernels in kernels_cl/optimizer.cl.
"""
from mxgrad import _ndarray
from mxgrad._ndarray import ElemwiseOp, NDArrayBase
from mxgrad.base import MXNetError
from mxgrad.ndarray._kernels import family_kernel

__all__ = ["sgd_update", "sgd_mom_update", "adam_update"]


def _check(op, arrays):
    first = arrays[0][1]
    for name, a in arrays:
        if not isinstance(a, NDArrayBase):
            raise MXNetError(f"{op}: {name} must be an NDArray, got {type(a).__name__}")
        if a.shape != first.shape:
            raise MXNetError(f"{op}: {name} has shape {a.shape}, weight has {first.shape}")
        if a._dtype_code != first._dtype_code:
            raise MXNetError(f"{op}: {name} is {a.dtype.__name__}, weight is "
                             f"{first.dtype.__name__}")
        if a.context is not first.context and a.context != first.context:
            raise MXNetError(f"{op}: {name} is on {a.context}, weight on {first.context}")
    if first._dtype_code not in (0, 1, 2):
        raise MXNetError(f"{op}: weights must be float16/32/64, got {first.dtype.__name__}")


def _launch(op, weight, out, buffers, scalars):
    """Set (out, weight, grad, *state) buffers then the scalar hyper-parameters, enqueue."""
    if out is None:
        out = _ndarray.empty_array(weight.context, weight.shape, weight._dtype_code)
    else:
        _ndarray.check_inplace(out)
    _check(op, [("out", out)] + [("weight", weight)])
    code = weight._dtype_code
    k = family_kernel(weight.context, "optimizer", op, code)
    k.set_arg_mem(0, out._buffer)
    k.set_arg_long(1, out._offset)
    i = 2
    for a in buffers:
        k.set_arg_mem(i, a._buffer)
        k.set_arg_long(i + 1, a._offset)
        i += 2
    k.set_arg_long(i, weight.size)
    ct = 0 if code == 2 else code
    for j, v in enumerate(scalars):
        k.set_arg_scalar(i + 1 + j, ct, float(v))
    if weight.size:
        weight.context.state.launch_1d(k, weight.size)
    return out


# x0 weight, x1 grad; scalars x2 lr, x3 wd, x4 rescale_grad, x5 clip_gradient (< 0: none).
# The clip lets NaN through, as MXNet's does.
_sgd = ElemwiseOp("sgd_update", "(x0 - x2 * ((x5 < 0 ? x4 * x1 : x4 * x1 > x5 ? x5 "
                                ": x4 * x1 < -x5 ? -x5 : x4 * x1) + x3 * x0))", 6)


def sgd_update(weight, grad, lr, wd=0.0, rescale_grad=1.0, clip_gradient=-1.0,
               lazy_update=True, out=None, name=None):
    """weight - lr * (clip(rescale_grad * grad) + wd * weight), written to ``out``.

    >>> weight = mx.nd.array([1, 2])
    >>> grad = mx.nd.array([0.5, -1])
    >>> mx.nd.sgd_update(weight, grad, lr=0.1, out=weight)      # the usual in-place step
    <BLANKLINE>
    [0.95 2.1 ]
    <NDArray 2 @cpu(0)>
    >>> weight
    <BLANKLINE>
    [0.95 2.1 ]
    <NDArray 2 @cpu(0)>
    >>> mx.nd.sgd_update(weight, grad, lr=0.1, clip_gradient=0.1)
    <BLANKLINE>
    [0.94 2.11]
    <NDArray 2 @cpu(0)>
    """
    checked = [("weight", weight), ("grad", grad)]
    if out is not None:
        checked.append(("out", out))
    _check("sgd_update", checked)
    return _sgd(weight, grad, float(lr), float(wd), float(rescale_grad), float(clip_gradient),
                out=out)


def sgd_mom_update(weight, grad, mom, lr, momentum=0.0, wd=0.0, rescale_grad=1.0,
                   clip_gradient=-1.0, lazy_update=True, out=None, name=None):
    """mom = momentum * mom - lr * (clip(rescale_grad * grad) + wd * weight); weight + mom.

    >>> weight, mom = mx.nd.array([1]), mx.nd.zeros(1)
    >>> grad = mx.nd.array([1])
    >>> for _ in range(2):
    ...     w = mx.nd.sgd_mom_update(weight, grad, mom, lr=0.1, momentum=0.9, out=weight)
    >>> mom                         # -0.1, then 0.9 * -0.1 - 0.1
    <BLANKLINE>
    [-0.19]
    <NDArray 1 @cpu(0)>
    >>> weight
    <BLANKLINE>
    [0.71]
    <NDArray 1 @cpu(0)>
    """
    _check("sgd_mom_update", [("weight", weight), ("grad", grad), ("mom", mom)])
    return _launch("sgd_mom_update", weight, out, [weight, grad, mom],
                   [lr, wd, rescale_grad, clip_gradient, momentum])


def adam_update(weight, grad, mean, var, lr, beta1=0.9, beta2=0.999, epsilon=1e-8, wd=0.0,
                rescale_grad=1.0, clip_gradient=-1.0, lazy_update=True, out=None, name=None):
    """Adam step without bias correction (MXNet's optimizer folds it into ``lr``).

    >>> weight, grad = mx.nd.array([1]), mx.nd.array([0.5])
    >>> mean, var = mx.nd.zeros(1), mx.nd.zeros(1)
    >>> w = mx.nd.adam_update(weight, grad, mean, var, lr=0.1, out=weight)
    >>> np.round(mean.asnumpy(), 4), np.round(var.asnumpy(), 6)    # updated in place
    (array([0.05], dtype=float32), array([0.00025], dtype=float32))
    >>> np.round(weight.asnumpy(), 4)           # 1 - 0.1 * 0.05 / sqrt(0.00025)
    array([0.6838], dtype=float32)
    """
    _check("adam_update", [("weight", weight), ("grad", grad), ("mean", mean), ("var", var)])
    return _launch("adam_update", weight, out, [weight, grad, mean, var],
                   [lr, wd, rescale_grad, clip_gradient, beta1, beta2, epsilon])
