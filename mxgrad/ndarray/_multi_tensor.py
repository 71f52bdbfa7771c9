"""The multi-tensor optimizer kernels: many weights updated by one launch, generated per kind
(the table ``KINDS``) and per number of tensors.

Each tensor is a slot with its buffers (weight, grad, states, the float32 master copy with
multi-precision, the output), the end of its range in the launch's index space and its own
scalars (learning rate, weight decay, bias corrections, ...); the scalars every slot shares
come last, then the tables (arrays of one value per tensor, e.g. preloaded learning rates). A
work-item finds its slot by comparing its index with the ends, then runs the kind's update of
one element. The updates repeat, operation for operation, what the one-tensor ops (or the
NDArray arithmetic of mx.optimizer) compute, so the numbers are the same. Slots per launch
are sized so the argument list stays under OpenCL's minimum parameter size of 1 KiB.

Users: optimizer_multi.py (MXNet's multi_sgd_update family) and optimizer_multi_adaptive.py
(the private multi-tensor forms of the other optimizers, for mx.optimizer's Updater).
"""
from collections import namedtuple

from mxgrad._codegen import TYPES
from mxgrad._dispatch import Kernel
from mxgrad._programs import kernel_source
from mxgrad.ndarray._kernels import _build, _check_dtype
from mxgrad.ndarray._optimizer_launch import FLOAT16, FLOAT32

# states: the arrays of one weight after weight and grad; slot: its scalars; shared: the
# launch's scalars; body: the update of element j, from w (the weight or its float32 master
# copy) and gr (the raw gradient), reading states with SL(name), writing with SS(name, v) and
# leaving the new weight in w1 (or, with ``direction``, the value for ``out``). ``fp16``: the
# kind may run on float16 weights without a master copy (the one-tensor op is a kernel that
# computes in float; NDArray arithmetic rounds every step to float16 instead). ``direction``:
# the result goes to the arrays ``outs`` (of the states' dtype), the weight is only read.
# ``tables``: vectors with one value per tensor (of the states' dtype), read with TB(name);
# ``grad32``: with master copies the gradient is float32 too.
Kind = namedtuple("Kind", "states slot shared body fp16 direction tables grad32")
Kind.__new__.__defaults__ = (True, False, (), False)

_ELEMWISE_CLIP = ("ST g = gr * rescale;"
                  "if (clip >= 0) g = g < -clip ? -clip : (g > clip ? clip : g);")

_SGD_STEP = "ST g = rescale * gr; g = CLIPV(g, clip); g += wd * w;"
_SGD_MOM = "const ST m = momentum * SL(mom) - lr * g; SS(mom, m); const ST w1 = w + m;"
_PRELOADED = "const ST lr = TB(lrs), wd = TB(wds);"
_DCASGD_STEP = ("ST wwd = wd * w; ST a = g + wwd; ST c = lamda * g; c = c * g;"
                "ST diff = w - SL(prev); c = c * diff; a = a + c; const ST step = neg_lr * a;")

KINDS = {
    # MXNet's multi_sgd_update, multi_sgd_mom_update and their preloaded forms (learning
    # rates and weight decays from arrays); with master copies their mp_ forms. "sgd" is
    # also NAG without momentum (sgd_update)
    "sgd_mom": Kind(("mom",), ("lr", "wd"), ("rescale", "clip", "momentum"),
                    _SGD_STEP + _SGD_MOM),
    "preloaded_sgd": Kind((), (), ("rescale", "clip"),
                          _PRELOADED + _SGD_STEP + "const ST w1 = w - lr * g;",
                          tables=("lrs", "wds")),
    "preloaded_sgd_mom": Kind(("mom",), (), ("rescale", "clip", "momentum"),
                              _PRELOADED + _SGD_STEP + _SGD_MOM, tables=("lrs", "wds")),
    "sgd": Kind((), ("lr", "wd"), ("rescale", "clip"), _SGD_STEP + "const ST w1 = w - lr * g;",
                fp16=False),     # sgd_update on float16 rounds its scalars to float16
    # nag_mom_update (kernels_cl/optimizer_more.cl)
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
    # DCASGD: the step with the delay compensation lamda * g * g * (w - previous)
    "dcasgd": Kind(("prev",), ("neg_lr", "wd"), ("rescale", "clip", "lamda"),
                   _ELEMWISE_CLIP + _DCASGD_STEP + "SS(prev, w); const ST w1 = w + step;",
                   fp16=False),
    "dcasgd_mom": Kind(("mom", "prev"), ("neg_lr", "wd"), ("rescale", "clip", "lamda", "momentum"),
                       _ELEMWISE_CLIP + _DCASGD_STEP + "ST m = SL(mom); m = m * momentum;"
                       "m = m + step; SS(mom, m); SS(prev, w); const ST w1 = w + m;",
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


def _buffers(k, mp, has_out):
    """(name, OpenCL type) of one slot's buffers, in argument order."""
    grad_type = "const float" if mp and k.grad32 else "const T"
    weight_type = "const T" if k.direction or has_out else "T"
    bufs = [("weight", weight_type), ("grad", grad_type)]
    bufs += [(f"st_{s}", "S") for s in k.states]
    if mp:
        bufs.append(("weight32", "float"))
    if k.direction:
        bufs.append(("out", "S"))
    elif has_out:
        bufs.append(("out", "T"))
    return bufs


def slots(kind, master_copy=False, has_out=False):
    """How many tensors one launch of ``kind`` takes."""
    k = KINDS[kind]
    per_slot = (len(_buffers(k, master_copy, has_out)) * _BUFFER_BYTES + 8
                + len(k.slot) * _SCALAR_BYTES)
    room = _PARAM_BYTES - len(k.shared) * _SCALAR_BYTES - (len(k.tables) * 2 + 1) * 8
    return max(1, min(MAX_SLOTS, room // per_slot))


def _source(kind, count, mp, has_out):
    k = KINDS[kind]
    bufs = _buffers(k, mp, has_out)
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
    params += [f"__global const S* tb_{t}, const long tb_{t}_off" for t in k.tables]
    params += ["const long first"] if k.tables else []
    decl = "".join(f"    __global {typ}* {name};\n" for name, typ in bufs)
    decl += "".join(f"    ST {s};\n" for s in k.slot)
    decl += "    long slot;\n"
    load_w = "weight32[j]" if mp else "(ST)LOAD(weight, j)"
    load_g = "grad[j]" if mp and k.grad32 else "(ST)LOAD(grad, j)"
    if k.direction:
        save = "SSTORE(out, j, w1);"
    else:
        save = f"STORE({'out' if has_out else 'weight'}, j, w1);"
        save += " weight32[j] = w1;" if mp else ""
    head = ("#define S float\n#define ST float\n#define SLOAD(p, k) ((p)[k])\n"
            "#define SSTORE(p, k, v) ((p)[k] = (v))\n" if mp else
            "#define S T\n#define ST CT\n#define SLOAD LOAD\n#define SSTORE STORE\n")
    head += ("#define SL(s) SLOAD(st_##s, j)\n#define SS(s, v) SSTORE(st_##s, j, v)\n"
             "#define CLIPV(g, c) ((c) >= 0 ? ((g) > (c) ? (c) : ((g) < -(c) ? -(c) : (g))) "
             ": (g))\n#define SIGN(v) ((ST)(((v) > 0) - ((v) < 0)))\n"
             "#define TB(t) ((ST)SLOAD(tb_##t, tb_##t##_off + first + slot))\n"
             "#define MAXN(a, b) (isnan(a) ? (a) : isnan(b) ? (b) : (a) > (b) ? (a) : (b))\n")
    return (head + "__kernel void multi_update(" + ",\n    ".join(params) + ")\n{\n"
            "    const long i = get_global_id(0);\n    long j;\n" + decl +
            "    " + "\n    ".join(picks) + "\n    else return;\n"
            f"    const ST w = {load_w};\n    const ST gr = {load_g};\n"
            f"    {{ {k.body}\n    {save} }}\n}}\n")


def _kernel(ctx, kind, code, count, mp, has_out):
    state = ctx.state
    key = ("multi_tensor_update", kind, code, count, mp, has_out)
    k = state.kernels.get(key)
    if k is None:
        _check_dtype(ctx, code)
        storage, compute = TYPES[code]
        opts = (f"-D T={storage} -D CT={compute} -D IS_HALF={int(code == FLOAT16)} "
                f"-D HAS_FP64={int(state.has_fp64)}")
        source = kernel_source("prelude") + _source(kind, count, mp, has_out)
        prg = _build(ctx, source, opts, f"multi {kind} update ({count} tensors)")
        k = state.kernels[key] = Kernel(prg, "multi_update")
    return k


def launch(kind, ctx, code, mp, has_out, buffers, slot_scalars, shared, tables=()):
    """Enqueues the kind's update of every tensor, ``slots`` a launch (arguments checked by
    the caller). ``buffers``: per tensor, its arrays in the kernel's order (weight, grad,
    states, the master copy with ``mp``, the output with ``has_out`` or a direction kind);
    ``slot_scalars``: per tensor, its scalars; ``shared``, ``tables``: the kind's."""
    k = KINDS[kind]
    scalar_code = FLOAT32 if mp or code == FLOAT16 else code
    count = slots(kind, mp, has_out)
    for first in range(0, len(buffers), count):
        chunk = range(first, min(first + count, len(buffers)))
        kern = _kernel(ctx, kind, code, len(chunk), mp, has_out)
        i, end = 0, 0
        for n in chunk:
            for a in buffers[n]:
                kern.set_arg_mem(i, a._buffer)
                kern.set_arg_long(i + 1, a._offset)
                i += 2
            end += buffers[n][0].size
            kern.set_arg_long(i, end)
            i += 1
            for v in slot_scalars[n]:
                kern.set_arg_scalar(i, scalar_code, float(v))
                i += 1
        for v in shared:
            kern.set_arg_scalar(i, scalar_code, float(v))
            i += 1
        for t in tables:
            kern.set_arg_mem(i, t._buffer)
            kern.set_arg_long(i + 1, t._offset)
            i += 2
        if k.tables:
            kern.set_arg_long(i, first)
        if end:
            ctx.state.launch_1d(kern, end)
