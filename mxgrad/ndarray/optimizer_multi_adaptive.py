"""Multi-tensor forms of the optimizer updates that have no MXNet multi-tensor op (Adam,
RMSProp, NAG, Signum, FTML, Ftrl, AdaGrad, AdaDelta, Adamax, Nadam, LAMB's two phases):
many weights updated in place by one kernel launch, for mx.optimizer's Updater.

Internal (``_multi_update``), not an mx.nd name. The kernel is generated per kind from the
table ``KINDS`` and the number of tensors, like optimizer_multi.py's: each tensor is a slot
with its buffers (weight, grad, states, the float32 master copy with multi-precision), the end
of its range in the launch's index space and its own scalars (learning rate, weight decay,
bias corrections, ...); the scalars every slot shares come last. A work-item finds its slot by
comparing its index with the ends, then runs the kind's update of one element. The updates
repeat, operation for operation, what the one-tensor ops (or the NDArray arithmetic of
mx.optimizer) compute, so the numbers are the same. Slots per launch are sized so the
argument list stays under OpenCL's minimum parameter size of 1 KiB.
"""
from collections import namedtuple

from mxgrad._codegen import TYPES
from mxgrad._dispatch import Kernel
from mxgrad._ndarray import NDArrayBase
from mxgrad._programs import kernel_source
from mxgrad.base import DTYPES, MXNetError
from mxgrad.ndarray._kernels import _build, _check_dtype
from mxgrad.ndarray._optimizer_launch import (FLOAT16, FLOAT32, FLOAT64, check_arrays,
                                              check_float, writable)

__all__ = []

# states: the arrays of one weight after weight and grad; slot: its scalars; shared: the
# launch's scalars; body: the update of element j, from w (the weight or its float32 master
# copy) and gr (the raw gradient), reading states with SL(name), writing with SS(name, v) and
# leaving the new weight in w1 (or, with ``direction``, the value for ``out``). ``fp16``: the
# kind may run on float16 weights without a master copy (the one-tensor op is a kernel that
# computes in float; NDArray arithmetic rounds every step to float16 instead). ``direction``:
# the result goes to the arrays ``outs`` (of the states' dtype), the weight is only read.
# ``tables``: float32 vectors with one value per tensor, read with TB(name) (LAMB's norms);
# ``grad32``: with master copies the gradient is float32 too.
Kind = namedtuple("Kind", "states slot shared body fp16 direction tables grad32")
Kind.__new__.__defaults__ = (True, False, (), False)

_ELEMWISE_CLIP = "ST g = gr * rescale; if (clip >= 0) g = g < -clip ? -clip : (g > clip ? clip : g);"

KINDS = {
    # sgd_update (NAG without momentum) and nag_mom_update (kernels_cl/optimizer_more.cl)
    "sgd": Kind((), ("lr", "wd"), ("rescale", "clip"),
                "ST g = rescale * gr; g = CLIPV(g, clip); g += wd * w; const ST w1 = w - lr * g;",
                fp16=False),     # sgd_update on float16 rounds its scalars to float16
    "nag": Kind(("mom",), ("lr", "wd"), ("rescale", "clip", "momentum"),
                "const ST g = CLIPV(rescale * gr, clip) + wd * w;"
                "const ST m = momentum * SL(mom) - lr * g; SS(mom, m);"
                "const ST w1 = w + momentum * m - lr * g;"),
    # adam_update (kernels_cl/optimizer.cl): weight decay before the clip
    "adam": Kind(("mean", "var"), ("lr", "wd"), ("rescale", "clip", "beta1", "beta2", "epsilon"),
                 "ST g = gr * rescale + wd * w; g *= 1; g = CLIPV(g, clip); g = g + 0 * w;"
                 "const ST m = beta1 * SL(mean) + (1 - beta1) * g;"
                 "const ST v = beta2 * SL(var) + (1 - beta2) * g * g;"
                 "SS(mean, m); SS(var, v); const ST w1 = w - lr * m / (sqrt(v) + epsilon);"),
    "rmsprop": Kind(("n",), ("lr", "wd"),
                    ("rescale", "clip", "gamma1", "epsilon", "clip_weights"),
                    "const ST g = CLIPV(rescale * gr + wd * w, clip);"
                    "const ST s = (1 - gamma1) * g * g + gamma1 * SL(n); SS(n, s);"
                    "const ST w1 = CLIPV(w - lr * g / sqrt(s + epsilon), clip_weights);"),
    "rmspropalex": Kind(("sn", "sg", "delta"), ("lr", "wd"),
                        ("rescale", "clip", "gamma1", "gamma2", "epsilon", "clip_weights"),
                        "const ST g = CLIPV(rescale * gr + wd * w, clip);"
                        "const ST s = (1 - gamma1) * g * g + gamma1 * SL(sn);"
                        "const ST m = (1 - gamma1) * g + gamma1 * SL(sg);"
                        "const ST d = gamma2 * SL(delta) - lr * g / sqrt(s - m * m + epsilon);"
                        "SS(sn, s); SS(sg, m); SS(delta, d);"
                        "const ST w1 = CLIPV(w + d, clip_weights);"),
    "signsgd": Kind((), ("lr", "wd"), ("rescale", "clip"),
                    "const ST g = CLIPV(rescale * gr, clip);"
                    "const ST w1 = (1 - lr * wd) * w - lr * SIGN(g);"),
    "signum": Kind(("mom",), ("lr", "wd"), ("rescale", "clip", "momentum", "wd_lh"),
                   "const ST g = CLIPV(rescale * gr, clip) + wd * w;"
                   "const ST m = momentum * SL(mom) - (1 - momentum) * g; SS(mom, m);"
                   "const ST w1 = (1 - lr * wd_lh) * w + lr * SIGN(m);"),
    # c1 = (1 - beta1^t) / lr, c2 = 1 / (1 - beta2^t), from the host (ftml_update's)
    "ftml": Kind(("sd", "sv", "sz"), ("wd", "c1", "c2"),
                 ("rescale", "clip", "beta1", "beta2", "epsilon"),
                 "const ST g = CLIPV(rescale * gr + wd * w, clip);"
                 "const ST v = beta2 * SL(sv) + (1 - beta2) * g * g;"
                 "const ST d = c1 * (sqrt(v * c2) + epsilon);"
                 "const ST z = beta1 * SL(sz) + (1 - beta1) * g - (d - beta1 * SL(sd)) * w;"
                 "SS(sv, v); SS(sd, d); SS(sz, z); const ST w1 = -z / d;"),
    "ftrl": Kind(("sz", "sn"), ("lr", "wd"), ("rescale", "clip", "lamda1", "beta"),
                 "const ST g = CLIPV(rescale * gr, clip); const ST n0 = SL(sn);"
                 "const ST z = SL(sz) + g - (sqrt(n0 + g * g) - sqrt(n0)) * w / lr;"
                 "const ST n1 = n0 + g * g; SS(sz, z); SS(sn, n1);"
                 "const ST w1 = fabs(z) > lamda1"
                 " ? (SIGN(z) * lamda1 - z) / ((beta + sqrt(n1)) / lr + wd) : (ST)0;"),
    # mx.optimizer's NDArray arithmetic, one statement per op (each op rounds to ST);
    # clip only when clip >= 0 (the host passes -1 for None), as nd.clip does
    "adagrad": Kind(("history",), ("lr", "wd"), ("rescale", "clip", "eps"),
                    _ELEMWISE_CLIP + "ST sq = g * g; ST h = SL(history); h = h + sq;"
                    "SS(history, h); ST hs = h + eps; hs = sqrt(hs); const ST div = g / hs;"
                    "ST wwd = w * wd; ST step = div + wwd; step = step * lr;"
                    "const ST w1 = w + step;", fp16=False),
    "adadelta": Kind(("acc_g", "acc_delta"), ("wd",), ("rescale", "clip", "rho", "omr", "eps"),
                     _ELEMWISE_CLIP + "ST ag = SL(acc_g); ag = ag * rho; ST t = omr * g;"
                     "t = t * g; ag = ag + t; SS(acc_g, ag); ST ad = SL(acc_delta);"
                     "ST num = ad + eps; num = sqrt(num); ST den = ag + eps; den = sqrt(den);"
                     "ST delta = num / den; delta = delta * g; ad = ad * rho;"
                     "ST td = omr * delta; td = td * delta; ad = ad + td; SS(acc_delta, ad);"
                     "ST wwd = wd * w; ST step = delta + wwd; const ST w1 = w - step;",
                     fp16=False),
    "adamax": Kind(("m", "u"), ("lr", "wd"), ("rescale", "clip", "beta1", "omb1", "beta2"),
                   "ST g = gr * rescale; ST wwd = wd * w; g = g + wwd;"
                   "if (clip >= 0) g = g < -clip ? -clip : (g > clip ? clip : g);"
                   "ST m = SL(m); m = m * beta1; ST t = omb1 * g; m = m + t; SS(m, m);"
                   "ST bu = beta2 * SL(u); ST ag = fabs(g); bu = MAXN(bu, ag); SS(u, bu);"
                   "ST step = lr * m; step = step / bu; const ST w1 = w - step;", fp16=False),
    "nadam": Kind(("m", "v"), ("lr", "wd", "c_g", "c_m", "c_v", "omt", "mom_next"),
                  ("rescale", "clip", "beta1", "omb1", "beta2", "omb2", "epsilon"),
                  "ST g = gr * rescale; ST wwd = wd * w; g = g + wwd;"
                  "if (clip >= 0) g = g < -clip ? -clip : (g > clip ? clip : g);"
                  "ST m = SL(m); m = m * beta1; ST t = omb1 * g; m = m + t; SS(m, m);"
                  "ST v = SL(v); v = v * beta2; ST t2 = omb2 * g; t2 = t2 * g; v = v + t2;"
                  "SS(v, v); const ST gp = g / c_g; const ST mp = m / c_m;"
                  "const ST vp = v / c_v; ST a = omt * gp; ST b = mom_next * mp;"
                  "const ST mbar = a + b; ST step = lr * mbar; ST den = sqrt(vp);"
                  "den = den + epsilon; step = step / den; const ST w1 = w - step;",
                  fp16=False),
    # lamb_update_phase1: the direction goes to out (float32 with a master copy)
    "lamb1": Kind(("mean", "var"), ("wd", "c1", "c2"),
                  ("rescale", "clip", "beta1", "beta2", "epsilon"),
                  "const ST g = CLIPV(rescale * gr, clip);"
                  "const ST m = beta1 * SL(mean) + (1 - beta1) * g;"
                  "const ST v = beta2 * SL(var) + (1 - beta2) * g * g;"
                  "SS(mean, m); SS(var, v);"
                  "const ST w1 = m * c1 / (sqrt(v * c2) + epsilon) + wd * w;", direction=True),
    # lamb_update_phase2 with the norms r1 (weights) and r2 (directions), the square roots
    # of the sums of squares in tables wss and dss; the gradient is phase 1's direction
    "lamb2": Kind((), ("lr",), ("lower", "upper"),
                  "ST r1 = sqrt(TB(wss)); const ST r2 = sqrt(TB(dss));"
                  "if (lower >= 0) r1 = fmax(r1, lower); if (upper >= 0) r1 = fmin(r1, upper);"
                  "const ST ratio = (r1 == 0 || r2 == 0) ? (ST)1 : r1 / r2;"
                  "const ST w1 = w - lr * ratio * gr;", fp16=False, tables=("wss", "dss"),
                  grad32=True),
}

_BUFFER_BYTES = 16          # a pointer and its offset
_SCALAR_BYTES = 8           # at most (double)
_PARAM_BYTES = 1024         # OpenCL's minimum CL_DEVICE_MAX_PARAMETER_SIZE
MAX_SLOTS = 16


def slots(kind, master_copy=False):
    """How many tensors one launch of ``kind`` takes."""
    k = KINDS[kind]
    buffers = 2 + len(k.states) + int(master_copy) + int(k.direction)
    per_slot = buffers * _BUFFER_BYTES + 8 + len(k.slot) * _SCALAR_BYTES
    room = _PARAM_BYTES - len(k.shared) * _SCALAR_BYTES - (len(k.tables) * 2 + 1) * 8
    return max(1, min(MAX_SLOTS, room // per_slot))


def _source(kind, count, mp):
    k = KINDS[kind]
    grad_type = "const float" if mp and k.grad32 else "const T"
    bufs = [("weight", "T"), ("grad", grad_type)] + [(f"st_{s}", "S") for s in k.states]
    if mp:
        bufs.append(("weight32", "float"))
    if k.direction:
        bufs.append(("out", "S"))
    params, picks = [], []
    for n in range(count):
        for name, typ in bufs:
            params.append(f"__global {typ}* {name}{n}, const long {name}{n}_off")
        params.append(f"const long end{n}")
        params += [f"const ST {s}{n}" for s in k.slot]
        sets = "".join(f"{name} = {name}{n} + {name}{n}_off; " for name, _ in bufs)
        sets += "".join(f"{s} = {s}{n}; " for s in k.slot) + f"slot = {n}; "
        begin = f"end{n - 1}" if n else "0"
        picks.append(f"{'else ' if n else ''}if (i < end{n}) {{ j = i - {begin}; {sets}}}")
    params += [f"const ST {s}" for s in k.shared]
    params += [f"__global const float* tb_{t}, const long tb_{t}_off" for t in k.tables]
    params += ["const long first"] if k.tables else []
    decl = "".join(f"    __global {typ}* {name};\n" for name, typ in bufs)
    decl += "".join(f"    ST {s};\n" for s in k.slot)
    decl += "    long slot;\n"
    load_w = "weight32[j]" if mp else "(ST)LOAD(weight, j)"
    load_g = "grad[j]" if mp and k.grad32 else "(ST)LOAD(grad, j)"
    if k.direction:
        save = "SSTORE(out, j, w1);"
    else:
        save = "STORE(weight, j, w1);" + (" weight32[j] = w1;" if mp else "")
    head = ("#define S float\n#define ST float\n#define SLOAD(p, k) ((p)[k])\n"
            "#define SSTORE(p, k, v) ((p)[k] = (v))\n" if mp else
            "#define S T\n#define ST CT\n#define SLOAD LOAD\n#define SSTORE STORE\n")
    head += ("#define SL(s) SLOAD(st_##s, j)\n#define SS(s, v) SSTORE(st_##s, j, v)\n"
             "#define CLIPV(g, c) ((c) >= 0 ? ((g) > (c) ? (c) : ((g) < -(c) ? -(c) : (g))) "
             ": (g))\n#define SIGN(v) ((ST)(((v) > 0) - ((v) < 0)))\n"
             "#define TB(t) ((ST)tb_##t[tb_##t##_off + first + slot])\n"
             "#define MAXN(a, b) (isnan(a) ? (a) : isnan(b) ? (b) : (a) > (b) ? (a) : (b))\n")
    return (head + "__kernel void multi_update(" + ",\n    ".join(params) + ")\n{\n"
            "    const long i = get_global_id(0);\n    long j;\n" + decl +
            "    " + "\n    ".join(picks) + "\n    else return;\n"
            f"    const ST w = {load_w};\n    const ST gr = {load_g};\n"
            f"    {{ {k.body}\n    {save} }}\n}}\n")


def _kernel(ctx, kind, code, count, mp):
    state = ctx.state
    key = ("multi_update_adaptive", kind, code, count, mp)
    k = state.kernels.get(key)
    if k is None:
        _check_dtype(ctx, code)
        storage, compute = TYPES[code]
        opts = (f"-D T={storage} -D CT={compute} -D IS_HALF={int(code == FLOAT16)} "
                f"-D HAS_FP64={int(state.has_fp64)}")
        source = kernel_source("prelude") + _source(kind, count, mp)
        prg = _build(ctx, source, opts, f"multi {kind} update ({count} tensors)")
        k = state.kernels[key] = Kernel(prg, "multi_update")
    return k


def _check(op, kind, weights, grads, states, slot_scalars, shared, masters, outs, tables):
    k = KINDS[kind]
    n = len(weights)
    if not n or any(len(x) != n for x in (grads, states, slot_scalars)):
        raise MXNetError(f"{op}: weights, grads, states and scalars must be lists of one "
                         f"length, got {n}, {len(grads)}, {len(states)}, {len(slot_scalars)}")
    if len(shared) != len(k.shared):
        raise MXNetError(f"{op}: {len(k.shared)} shared scalars expected, got {len(shared)}")
    mp = masters is not None
    for w in weights:
        check_float(op, w, (FLOAT16,) if mp else (FLOAT32, FLOAT64, FLOAT16))
    code, ctx = weights[0]._dtype_code, weights[0].context
    if not (k.fp16 or mp) and code == FLOAT16:
        raise MXNetError(f"{op}: float16 weights need float32 master copies")
    f32 = FLOAT32 if mp else code
    for n_, (w, g, st, sc) in enumerate(zip(weights, grads, states, slot_scalars)):
        if w._dtype_code != code or w.context != ctx:
            raise MXNetError(f"{op}: weight {n_} is {DTYPES[w._dtype_code].name} on "
                             f"{w.context}, weight 0 is {DTYPES[code].name} on {ctx}")
        if len(st) != len(k.states) or len(sc) != len(k.slot):
            raise MXNetError(f"{op}: weight {n_} needs {len(k.states)} states and "
                             f"{len(k.slot)} scalars, got {len(st)} and {len(sc)}")
        arrays = [(f"weight {n_}", w), (f"grad {n_}", g)]
        arrays += [(f"{s} {n_}", a) for s, a in zip(k.states, st)]
        codes = {f"{s} {n_}": f32 for s in k.states}
        if mp and k.grad32:
            codes[f"grad {n_}"] = FLOAT32
        if mp:
            arrays.append((f"weight32 {n_}", masters[n_]))
            codes[f"weight32 {n_}"] = FLOAT32
        if outs is not None:
            arrays.append((f"out {n_}", outs[n_]))
            codes[f"out {n_}"] = f32
        check_arrays(op, arrays, codes=codes)
    if len(tables or ()) != len(k.tables):
        raise MXNetError(f"{op}: {len(k.tables)} tables expected")
    for name, t in zip(k.tables, tables or ()):
        if not isinstance(t, NDArrayBase) or t.shape != (n,) or t._dtype_code != FLOAT32 \
                or t.context != ctx:
            raise MXNetError(f"{op}: {name} must be a ({n},) float32 NDArray on {ctx}")
    return code, ctx


def _multi_update(kind, weights, grads, states, slot_scalars, shared, masters=None,
                  outs=None, tables=None):
    """Updates ``weights`` in place with the kind's rule, up to ``slots(kind)`` per launch.

    ``states``: per weight, the tuple of its state arrays (KINDS[kind].states order);
    ``slot_scalars``: per weight, the tuple of its scalars (KINDS[kind].slot);
    ``shared``: the scalars of KINDS[kind].shared; ``masters``: the float32 master copies of
    float16 weights (multi-precision: states are float32 too, the update computes on the
    masters); ``outs``: for direction kinds, the arrays taking the result; ``tables``: the
    kind's float32 vectors of one value per weight. Every argument is
    checked before anything is enqueued.
    """
    op = f"multi_{kind}_update"
    weights, grads, states = list(weights), list(grads), [tuple(s) for s in states]
    code, ctx = _check(op, kind, weights, grads, states, slot_scalars, shared, masters, outs,
                       tables)
    k = KINDS[kind]
    mp = masters is not None
    written = ([] if k.direction else weights) + [a for st in states for a in st]
    writable(written + list(masters or []) + list(outs or []))
    scalar_code = FLOAT32 if mp or code == FLOAT16 else code
    count = slots(kind, mp)
    for first in range(0, len(weights), count):
        chunk = range(first, min(first + count, len(weights)))
        kern = _kernel(ctx, kind, code, len(chunk), mp)
        i, end = 0, 0
        for n in chunk:
            bufs = [weights[n], grads[n], *states[n]]
            if mp:
                bufs.append(masters[n])
            if k.direction:
                bufs.append(outs[n])
            for a in bufs:
                kern.set_arg_mem(i, a._buffer)
                kern.set_arg_long(i + 1, a._offset)
                i += 2
            end += weights[n].size
            kern.set_arg_long(i, end)
            i += 1
            for v in slot_scalars[n]:
                kern.set_arg_scalar(i, scalar_code, float(v))
                i += 1
        for v in shared:
            kern.set_arg_scalar(i, scalar_code, float(v))
            i += 1
        for t in tables or ():
            kern.set_arg_mem(i, t._buffer)
            kern.set_arg_long(i + 1, t._offset)
            i += 2
        if k.tables:
            kern.set_arg_long(i, first)
        if end:
            ctx.state.launch_1d(kern, end)
    return outs if k.direction else weights
