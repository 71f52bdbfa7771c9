"""MXNet's multi-tensor SGD updates (multi_sgd_update, multi_sgd_mom_update, their mp_ and
preloaded_ forms): many weights updated by one kernel launch.

The kernel is generated for the number of tensors it serves: each tensor is a slot with its
own buffers, the end of its range in the launch's index space and (unless preloaded, where
they come from the arrays ``lrs`` and ``wds``) its learning rate and weight decay. A work-item
finds its slot by comparing its index with those ends. At most ``SLOTS`` tensors go in one
launch (the kernel's argument list stays under OpenCL's minimum parameter size of 1 KiB);
more are updated in launches of ``SLOTS``.
"""
from mxgrad import _ndarray
from mxgrad._ndarray import NDArrayBase
from mxgrad._codegen import TYPES
from mxgrad.base import DTYPES, MXNetError
from mxgrad.ndarray._kernels import _build, _check_dtype
from mxgrad.ndarray._kwargs import reject_unknown
from mxgrad.ndarray._optimizer_launch import (FLOAT16, FLOAT32, check_arrays, check_float,
                                              writable)
from mxgrad._dispatch import Kernel
from mxgrad._programs import kernel_source

__all__ = ["multi_sgd_update", "multi_sgd_mom_update", "multi_mp_sgd_update",
           "multi_mp_sgd_mom_update", "preloaded_multi_sgd_update",
           "preloaded_multi_sgd_mom_update", "preloaded_multi_mp_sgd_update",
           "preloaded_multi_mp_sgd_mom_update"]

SLOTS = 8

# kind -> (the arrays of one weight after weight and grad, the update of one element). The
# update sees w (the weight, or its float32 master copy), g (rescaled, clipped, plus wd * w),
# lr, momentum and the slot's state pointers (mom, weight32; SLOAD/SSTORE at index j); it
# leaves the new weight in ``w1``.
_KINDS = {
    "sgd": ((), "const ST w1 = w - lr * g;"),
    "sgd_mom": (("mom",), "const ST m = momentum * SLOAD(mom, j) - lr * g; SSTORE(mom, j, m); "
                          "const ST w1 = w + m;"),
    "mp_sgd": (("weight32",), "const ST w1 = w - lr * g; SSTORE(weight32, j, w1);"),
    "mp_sgd_mom": (("mom", "weight32"), "const ST m = momentum * SLOAD(mom, j) - lr * g; "
                                        "SSTORE(mom, j, m); const ST w1 = w + m; "
                                        "SSTORE(weight32, j, w1);"),
}


def _source(kind, count, preloaded):
    """The OpenCL source of the update of ``count`` tensors."""
    states, step = _KINDS[kind]
    mp = kind.startswith("mp_")
    params, bodies = [], []
    for k in range(count):
        params.append(f"__global T* out{k}, const long out{k}_off, "
                      f"__global const T* weight{k}, const long weight{k}_off, "
                      f"__global const T* grad{k}, const long grad{k}_off")
        for s in states:
            params.append(f"__global S* {s}{k}, const long {s}{k}_off")
        params.append(f"const long end{k}")
        if not preloaded:
            params.append(f"const ST lr{k}, const ST wd{k}")
        begin = f"end{k - 1}" if k else "0"
        lr, wd = (f"SLOAD(lrs, lrs_off + first + {k})", f"SLOAD(wds, wds_off + first + {k})") \
            if preloaded else (f"lr{k}", f"wd{k}")
        local = "".join(f"__global S* {s} = {s}{k} + {s}{k}_off; " for s in states)
        load_w = "SLOAD(weight32, j)" if mp else f"(ST)LOAD(weight{k}, weight{k}_off + j)"
        bodies.append(
            f"{'else ' if k else ''}if (i < end{k}) {{\n"
            f"        const long j = i - {begin}; {local}\n"
            f"        const ST lr = {lr}, wd = {wd};\n"
            f"        const ST w = {load_w};\n"
            f"        ST g = rescale * (ST)LOAD(grad{k}, grad{k}_off + j);\n"
            f"        if (clip >= 0) g = g > clip ? clip : (g < -clip ? -clip : g);\n"
            f"        g += wd * w;\n"
            f"        {step}\n"
            f"        STORE(out{k}, out{k}_off + j, w1);\n"
            f"    }}")
    if preloaded:
        params.append("__global const S* lrs, const long lrs_off, "
                      "__global const S* wds, const long wds_off, const long first")
    params.append("const ST rescale, const ST clip, const ST momentum")
    # S: the states' storage type, ST: the type the update computes in
    head = ("#define S float\n#define ST float\n#define SLOAD(p, k) ((p)[k])\n"
            "#define SSTORE(p, k, v) ((p)[k] = (v))\n" if mp else
            "#define S T\n#define ST CT\n#define SLOAD LOAD\n#define SSTORE STORE\n")
    return (head + "__kernel void multi_update(" + ",\n    ".join(params) + ")\n{\n"
            "    const long i = get_global_id(0);\n    " + "\n    ".join(bodies) + "\n}\n")


def _kernel(ctx, kind, code, count, preloaded):
    state = ctx.state
    key = ("multi_update", kind, code, count, preloaded)
    k = state.kernels.get(key)
    if k is None:
        _check_dtype(ctx, code)
        storage, compute = TYPES[code]
        opts = (f"-D T={storage} -D CT={compute} -D IS_HALF={int(code == FLOAT16)} "
                f"-D HAS_FP64={int(state.has_fp64)}")
        source = kernel_source("prelude") + _source(kind, count, preloaded)
        prg = _build(ctx, source, opts, f"multi_{kind}_update ({count} tensors)")
        k = state.kernels[key] = Kernel(prg, "multi_update")
    return k


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
    lr_list = None if preloaded else [float(v) for v in lrs]
    wd_list = None if preloaded else [float(v) for v in wds]
    scalar_code = FLOAT32 if mp or code == FLOAT16 else code
    for first in range(0, num_weights, SLOTS):
        chunk = range(first, min(first + SLOTS, num_weights))
        k = _kernel(ctx, kind, code, len(chunk), preloaded)
        i, end = 0, 0
        for n in chunk:
            for a in (outs[n],) + groups[n]:
                k.set_arg_mem(i, a._buffer)
                k.set_arg_long(i + 1, a._offset)
                i += 2
            end += weights[n].size
            k.set_arg_long(i, end)
            i += 1
            if not preloaded:
                k.set_arg_scalar(i, scalar_code, lr_list[n])
                k.set_arg_scalar(i + 1, scalar_code, wd_list[n])
                i += 2
        if preloaded:
            for t in tables:
                k.set_arg_mem(i, t._buffer)
                k.set_arg_long(i + 1, t._offset)
                i += 2
            k.set_arg_long(i, first)
            i += 1
        for v in (rescale_grad, clip_gradient, momentum):
            k.set_arg_scalar(i, scalar_code, float(v))
            i += 1
        if end:
            ctx.state.launch_1d(k, end)
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
