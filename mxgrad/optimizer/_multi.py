"""Many parameters per kernel launch for the optimizers MXNet updates one at a time (Adam,
RMSProp, NAG, Signum, FTML, Ftrl, AdaGrad, AdaDelta, Adamax, Nadam, DCASGD).

The Updater hands a list of parameters to an optimizer's private ``_update_many``; the
optimizer computes each index's scalars on the host in the order and with the arithmetic of
its one-parameter ``update`` (update counts, learning rates, bias corrections), then the
parameters go through the multi-tensor kernels of mxgrad.ndarray.optimizer_multi_adaptive,
grouped by dtype, context and master copy. The element updates repeat the one-parameter
ops, so the numbers are the same. The public ``aggregate_num`` stays MXNet's (0), so pickled
optimizers load in MXNet.
"""
import numpy as np

from mxgrad.ndarray import optimizer_multi_adaptive as multi
from mxgrad.optimizer.optimizer import check_arrays

def clip_for_kernel(opt):
    """The clip of the fused one-parameter ops: passed only when set and non-zero."""
    return float(opt.clip_gradient) if opt.clip_gradient else -1.0


def clip_for_arithmetic(opt):
    """nd.clip's bound, used whenever clip_gradient is not None (None: -1, no clip)."""
    return -1.0 if opt.clip_gradient is None else float(opt.clip_gradient)


def update_many(opt, kind, indices, weights, grads, states, step, inner_states, shared,
                master_layout="first"):
    """Updates the parameters with ``kind``'s multi-tensor kernel.

    ``step(index)`` counts the update of index and returns its slot scalars (what the
    one-parameter update computes first); ``inner_states(state)`` the tuple of state arrays
    of the kind; ``master_layout``: where a multi-precision state keeps the float32 master
    copy, "first" (the base Optimizer's ``(weight32, state)``) or "last" (SGD-like
    ``(momentum, weight32)``). Parameters the kernel does not take (float16 weights without
    master copies where the one-parameter update is NDArray arithmetic in float16) go
    through ``update_multi_precision``, in their turn.
    """
    fp16_ok = multi.KINDS[kind].fp16
    groups = {}
    for index, weight, grad, state in zip(indices, weights, grads, states):
        check_arrays(weight, grad)
        master = None
        if opt.multi_precision and weight.dtype == np.float16 \
                and isinstance(state, (tuple, list)):
            if master_layout == "first":
                master, state = state
            else:
                state, master = state[0], state[1]
        elif weight.dtype == np.float16 and not fp16_ok:
            opt.update_multi_precision(index, weight, grad, state)
            continue
        key = (weight.dtype, weight.context, master is not None)
        group = groups.setdefault(key, ([], [], [], [], []))
        for column, value in zip(group, (weight, grad, inner_states(state), step(index),
                                         master)):
            column.append(value)
    for (_, _, has_master), (ws, gs, sts, scalars, masters) in groups.items():
        multi._multi_update(kind, ws, gs, sts, scalars, shared,
                            masters=masters if has_master else None)


def max_per_launch(kind, master_copy=False):
    """How many parameters one launch of ``kind`` updates."""
    return multi.slots(kind, master_copy)
