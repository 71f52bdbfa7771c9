"""Multi-tensor forms of the optimizer updates that have no MXNet multi-tensor op (Adam,
RMSProp, NAG, Signum, FTML, Ftrl, AdaGrad, AdaDelta, Adamax, Nadam, DCASGD, LAMB's two
phases):
many weights updated in place by one kernel launch, for mx.optimizer's Updater.

Internal (``_multi_update``), not an mx.nd name; the kernels are _multi_tensor.py's.
"""
from mxgrad._ndarray import NDArrayBase
from mxgrad.base import DTYPES, MXNetError
from mxgrad.ndarray._multi_tensor import KINDS, launch, slots  # noqa: F401 (used by optimizers)
from mxgrad.ndarray._optimizer_launch import (FLOAT16, FLOAT32, FLOAT64, check_arrays,
                                              check_float, writable)

__all__ = []


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
        if not isinstance(t, NDArrayBase) or t.shape != (n,) or t._dtype_code != f32 \
                or t.context != ctx:
            raise MXNetError(f"{op}: {name} must be a ({n},) {DTYPES[f32].name} NDArray on "
                             f"{ctx}")
    return code, ctx


def _multi_update(kind, weights, grads, states, slot_scalars, shared, masters=None,
                  outs=None, tables=None):
    """Updates ``weights`` in place with the kind's rule, up to ``slots(kind)`` per launch.

    ``states``: per weight, the tuple of its state arrays (KINDS[kind].states order);
    ``slot_scalars``: per weight, the tuple of its scalars (KINDS[kind].slot);
    ``shared``: the scalars of KINDS[kind].shared; ``masters``: the float32 master copies of
    float16 weights (multi-precision: states are float32 too, the update computes on the
    masters); ``outs``: for direction kinds, the arrays taking the result; ``tables``: the
    kind's vectors of one value per weight (float32 with master copies, else the weights'
    dtype). Every argument is
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
    buffers = [[w, g, *st] + ([masters[n]] if mp else []) + ([outs[n]] if k.direction else [])
               for n, (w, g, st) in enumerate(zip(weights, grads, states))]
    launch(kind, ctx, code, mp, False, buffers, slot_scalars, shared, tuple(tables or ()))
    return outs if k.direction else weights
