"""MXNet's multi-tensor SGD updates (multi_sgd_update, multi_sgd_mom_update, their mp_ and
preloaded_ forms): many weights updated by one kernel launch.

The kernels are _multi_tensor.py's, generated for the number of tensors they serve: each
tensor is a slot with its own buffers, the end of its range in the launch's index space and
(unless preloaded, where they come from the arrays ``lrs`` and ``wds``) its learning rate and
weight decay. As many tensors go in one launch as keep the kernel's argument list under
OpenCL's minimum parameter size of 1 KiB (9 to 16); more take more launches.
"""
from mxgrad import _ndarray
from mxgrad._ndarray import NDArrayBase
from mxgrad.base import DTYPES, MXNetError
from mxgrad.ndarray._kwargs import reject_unknown
from mxgrad.ndarray._multi_tensor import launch
from mxgrad.ndarray._optimizer_launch import FLOAT32, check_arrays, check_float, writable

__all__ = ["multi_sgd_update", "multi_sgd_mom_update", "multi_mp_sgd_update",
           "multi_mp_sgd_mom_update", "preloaded_multi_sgd_update",
           "preloaded_multi_sgd_mom_update", "preloaded_multi_mp_sgd_update",
           "preloaded_multi_mp_sgd_mom_update"]

# kind -> (the arrays of one weight after weight and grad, the kernel kind of
# _multi_tensor.py); mp_ kinds keep float32 master copies (the last array) and moms
_KINDS = {
    "sgd": ((), "sgd"),
    "sgd_mom": (("mom",), "sgd_mom"),
    "mp_sgd": (("weight32",), "sgd"),
    "mp_sgd_mom": (("mom", "weight32"), "sgd_mom"),
}


def _groups(op, data, per, num_weights, preloaded):
    """The inputs split into one tuple per weight (and the trailing lrs, wds if preloaded)."""
    expected = per * num_weights + (2 if preloaded else 0)
    if len(data) != expected:
        raise MXNetError(f"Operator {op} expects {expected} inputs, but got {len(data)} "
                         "instead.")
    groups = [tuple(data[i * per:(i + 1) * per]) for i in range(num_weights)]
    return groups, (tuple(data[-2:]) if preloaded else None)


def _multi(op, kind, data, lrs, wds, momentum, rescale_grad, clip_gradient, num_weights, out,
           preloaded):
    states = _KINDS[kind][0]
    mp = kind.startswith("mp_")
    names = ("weight", "grad") + states
    num_weights = int(num_weights)
    if num_weights < 1:
        raise MXNetError(f"{op}: num_weights must be at least 1, got {num_weights}")
    groups, tables = _groups(op, data, len(names), num_weights, preloaded)
    if not preloaded:
        for what, v in (("learning rates", lrs), ("wds", wds)):
            if v is None:
                raise MXNetError(f"Required parameter {'lrs' if what[0] == 'l' else 'wds'} "
                                 f"is not presented, in operator {op}")
            if len(tuple(v)) != num_weights:
                raise MXNetError(f"{op}: number of {what} is inconsistent with num_weights: "
                                 f"expected {num_weights}, got {len(tuple(v))}")
    weights = [grp[0] for grp in groups]
    for w in weights:
        check_float(op, w)
    code = weights[0]._dtype_code
    ctx = weights[0].context
    f32 = {s: FLOAT32 for s in states} if mp else {}
    for n, grp in enumerate(groups):
        if grp[0]._dtype_code != code or grp[0].context != ctx:
            raise MXNetError(f"{op}: weight {n} is {DTYPES[grp[0]._dtype_code].name} on "
                             f"{grp[0].context}, weight 0 is {DTYPES[code].name} on {ctx}")
        check_arrays(op, [(f"{name} {n}", a) for name, a in zip(names, grp)],
                     codes={f"{s} {n}": c for s, c in f32.items()})
    if preloaded:
        table_code = FLOAT32 if mp else code
        for name, t in zip(("lrs", "wds"), tables):
            if not isinstance(t, NDArrayBase) or t.shape != (num_weights,) \
                    or t._dtype_code != table_code or t.context != ctx:
                raise MXNetError(f"{op}: {name} must be a ({num_weights},) "
                                 f"{DTYPES[table_code].name} NDArray on {ctx}, got {t!r}")
    outs = _outputs(op, out, weights)
    writable(outs + [a for grp in groups for a in grp[2:]])
    tensor_kind = ("preloaded_" if preloaded else "") + _KINDS[kind][1]
    buffers = [list(grp) + [o] for grp, o in zip(groups, outs)]
    slot_scalars = [()] * num_weights if preloaded else \
        [(float(lr), float(wd)) for lr, wd in zip(lrs, wds)]
    shared = (rescale_grad, clip_gradient) + ((momentum,) if "mom" in kind else ())
    launch(tensor_kind, ctx, code, mp, True, buffers, slot_scalars, shared,
           tuple(tables) if preloaded else ())
    return outs[0] if num_weights == 1 else outs


def _outputs(op, out, weights):
    """The arrays taking the new weights: ``out`` (an NDArray for one weight, else a list of
    one per weight), checked; fresh arrays when it is None."""
    if out is None:
        return [_ndarray.empty_array(w.context, w.shape, w._dtype_code) for w in weights]
    outs = [out] if not isinstance(out, (list, tuple)) else list(out)
    if len(outs) != len(weights):
        raise MXNetError(f"{op}: out has {len(outs)} arrays for {len(weights)} weights")
    for n, (o, w) in enumerate(zip(outs, weights)):
        check_arrays(op, [(f"out {n}", o)], like=w)
    return outs


def multi_sgd_update(*data, lrs=None, wds=None, rescale_grad=1.0, clip_gradient=-1.0,
                     num_weights=1, out=None, name=None, **kwargs):
    """sgd_update of ``num_weights`` weights in one launch; ``data`` is weight0, grad0,
    weight1, grad1, ... and ``lrs``, ``wds`` one value per weight. Returns the new weights
    (one NDArray when num_weights is 1); pass ``out=`` the weights to update in place.

    >>> w0, w1 = mx.nd.array([1, 2]), mx.nd.array([3])
    >>> new = mx.nd.multi_sgd_update(w0, mx.nd.array([1, 1]), w1, mx.nd.array([2]),
    ...                              lrs=(0.1, 0.2), wds=(0, 0.1), num_weights=2, out=[w0, w1])
    >>> w0, w1
    (
    [0.9 1.9]
    <NDArray 2 @cpu(0)>, 
    [2.54]
    <NDArray 1 @cpu(0)>)
    """
    reject_unknown("multi_sgd_update", kwargs)
    return _multi("multi_sgd_update", "sgd", data, lrs, wds, 0.0, rescale_grad,
                  clip_gradient, num_weights, out, False)


def multi_sgd_mom_update(*data, lrs=None, wds=None, momentum=0.0, rescale_grad=1.0,
                         clip_gradient=-1.0, num_weights=1, out=None, name=None, **kwargs):
    """sgd_mom_update of ``num_weights`` weights in one launch; ``data`` is weight0, grad0,
    mom0, weight1, ... (each mom updated in place).

    >>> w, mom = mx.nd.array([1.0]), mx.nd.zeros(1)
    >>> new = mx.nd.multi_sgd_mom_update(w, mx.nd.array([1.0]), mom, lrs=(0.1,), wds=(0,),
    ...                                  momentum=0.9, out=w)
    >>> w, mom
    (
    [0.9]
    <NDArray 1 @cpu(0)>, 
    [-0.1]
    <NDArray 1 @cpu(0)>)
    """
    reject_unknown("multi_sgd_mom_update", kwargs)
    return _multi("multi_sgd_mom_update", "sgd_mom", data, lrs, wds, momentum, rescale_grad,
                  clip_gradient, num_weights, out, False)


def multi_mp_sgd_update(*data, lrs=None, wds=None, rescale_grad=1.0, clip_gradient=-1.0,
                        num_weights=1, out=None, name=None, **kwargs):
    """mp_sgd_update of ``num_weights`` weights in one launch; ``data`` is weight0, grad0,
    weight32_0, weight1, ... (float16 weights and gradients, float32 master copies).

    >>> w32 = mx.nd.array([1, 2])
    >>> w = w32.astype('float16')
    >>> new = mx.nd.multi_mp_sgd_update(w, mx.nd.ones(2, dtype='float16'), w32, lrs=(0.5,),
    ...                                 wds=(0,), out=w)
    >>> w
    <BLANKLINE>
    [0.5 1.5]
    <NDArray 2 @cpu(0)>
    """
    reject_unknown("multi_mp_sgd_update", kwargs)
    return _multi("multi_mp_sgd_update", "mp_sgd", data, lrs, wds, 0.0, rescale_grad,
                  clip_gradient, num_weights, out, False)


def multi_mp_sgd_mom_update(*data, lrs=None, wds=None, momentum=0.0, rescale_grad=1.0,
                            clip_gradient=-1.0, num_weights=1, out=None, name=None, **kwargs):
    """mp_sgd_mom_update of ``num_weights`` weights in one launch; ``data`` is weight0, grad0,
    mom0, weight32_0, weight1, ... (float32 moms and master copies).

    >>> w32, mom = mx.nd.array([1.0]), mx.nd.zeros(1)
    >>> new = mx.nd.multi_mp_sgd_mom_update(w32.astype('float16'),
    ...                                     mx.nd.ones(1, dtype='float16'), mom, w32,
    ...                                     lrs=(0.5,), wds=(0,), momentum=0.9)
    >>> new
    <BLANKLINE>
    [0.5]
    <NDArray 1 @cpu(0)>
    """
    reject_unknown("multi_mp_sgd_mom_update", kwargs)
    return _multi("multi_mp_sgd_mom_update", "mp_sgd_mom", data, lrs, wds, momentum,
                  rescale_grad, clip_gradient, num_weights, out, False)


def preloaded_multi_sgd_update(*data, rescale_grad=1.0, clip_gradient=-1.0, num_weights=1,
                               out=None, name=None, **kwargs):
    """multi_sgd_update with the learning rates and weight decays as two arrays at the end of
    ``data`` (weight0, grad0, ..., lrs, wds): they may change without a new kernel call
    signature, or be computed on the device (multi_lars).

    >>> w = mx.nd.array([1, 2])
    >>> mx.nd.preloaded_multi_sgd_update(w, mx.nd.ones(2), mx.nd.array([0.5]), mx.nd.zeros(1))
    <BLANKLINE>
    [0.5 1.5]
    <NDArray 2 @cpu(0)>
    """
    reject_unknown("preloaded_multi_sgd_update", kwargs)
    return _multi("preloaded_multi_sgd_update", "sgd", data, None, None, 0.0, rescale_grad,
                  clip_gradient, num_weights, out, True)


def preloaded_multi_sgd_mom_update(*data, momentum=0.0, rescale_grad=1.0, clip_gradient=-1.0,
                                   num_weights=1, out=None, name=None, **kwargs):
    """multi_sgd_mom_update with the learning rates and weight decays as two arrays at the
    end of ``data`` (weight0, grad0, mom0, ..., lrs, wds).

    >>> w, mom = mx.nd.array([1.0]), mx.nd.zeros(1)
    >>> mx.nd.preloaded_multi_sgd_mom_update(w, mx.nd.ones(1), mom, mx.nd.array([0.5]),
    ...                                      mx.nd.zeros(1), momentum=0.9)
    <BLANKLINE>
    [0.5]
    <NDArray 1 @cpu(0)>
    """
    reject_unknown("preloaded_multi_sgd_mom_update", kwargs)
    return _multi("preloaded_multi_sgd_mom_update", "sgd_mom", data, None, None, momentum,
                  rescale_grad, clip_gradient, num_weights, out, True)


def preloaded_multi_mp_sgd_update(*data, rescale_grad=1.0, clip_gradient=-1.0, num_weights=1,
                                  out=None, name=None, **kwargs):
    """multi_mp_sgd_update with float32 arrays of learning rates and weight decays at the end
    of ``data`` (weight0, grad0, weight32_0, ..., lrs, wds).

    >>> w32 = mx.nd.array([1, 2])
    >>> mx.nd.preloaded_multi_mp_sgd_update(w32.astype('float16'),
    ...                                     mx.nd.ones(2, dtype='float16'), w32,
    ...                                     mx.nd.array([0.5]), mx.nd.zeros(1))
    <BLANKLINE>
    [0.5 1.5]
    <NDArray 2 @cpu(0)>
    """
    reject_unknown("preloaded_multi_mp_sgd_update", kwargs)
    return _multi("preloaded_multi_mp_sgd_update", "mp_sgd", data, None, None, 0.0,
                  rescale_grad, clip_gradient, num_weights, out, True)


def preloaded_multi_mp_sgd_mom_update(*data, momentum=0.0, rescale_grad=1.0,
                                      clip_gradient=-1.0, num_weights=1, out=None, name=None,
                                      **kwargs):
    """multi_mp_sgd_mom_update with float32 arrays of learning rates and weight decays at the
    end of ``data`` (weight0, grad0, mom0, weight32_0, ..., lrs, wds).

    >>> w32, mom = mx.nd.array([1.0]), mx.nd.zeros(1)
    >>> mx.nd.preloaded_multi_mp_sgd_mom_update(w32.astype('float16'),
    ...                                         mx.nd.ones(1, dtype='float16'), mom, w32,
    ...                                         mx.nd.array([0.5]), mx.nd.zeros(1))
    <BLANKLINE>
    [0.5]
    <NDArray 1 @cpu(0)>
    """
    reject_unknown("preloaded_multi_mp_sgd_mom_update", kwargs)
    return _multi("preloaded_multi_mp_sgd_mom_update", "mp_sgd_mom", data, None, None,
                  momentum, rescale_grad, clip_gradient, num_weights, out, True)
