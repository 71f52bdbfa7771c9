"""CTCLoss (ctc_loss): the connectionist temporal classification loss, as MXNet 1.9.1's.

The labels and lengths are read on the host first (they are small): that checks them before
anything is enqueued, and gives each sequence its extended label (blanks around and between
the labels) and its length. The forward (alpha) recursion then runs on the device in log
space, composed of differentiable ops over log_softmax(data), so the gradient is exact
(softmax minus the label posteriors, MXNet's) and has higher orders too.
"""
import numpy as np

from mxgrad._ndarray import NDArrayBase
from mxgrad.base import MXNetError
from mxgrad.ndarray._deliver import deliver
from mxgrad.ndarray._elemwise_table import OPS
from mxgrad.ndarray._select import select

__all__ = ["CTCLoss", "ctc_loss"]

# log(0) for the recursion: finite, so the unused branches of logsumexp give exp(-huge) = 0
# rather than NaN (inf - inf), in float32 and float64 (float16 data is computed in float32).
_LOG_ZERO = -1e30


def _host_ints(op, name, arr, shape):
    if not isinstance(arr, NDArrayBase):
        raise MXNetError(f"{op}: {name} must be an NDArray, got {type(arr).__name__}")
    if arr.shape != shape:
        raise MXNetError(f"{op}: {name} must have shape {shape}, got {arr.shape}")
    values = arr.asnumpy()
    ints = np.rint(values).astype(np.int64) if values.size else values.astype(np.int64)
    if values.size and not np.array_equal(ints, values):
        raise MXNetError(f"{op}: {name} must hold whole numbers")
    return ints


def _sequences(op, label, label_lengths, use_label_lengths, blank_first, classes):
    """The label sequences (one list per sample), checked."""
    N, L = label.shape
    lab = _host_ints(op, "label", label, (N, L))
    if use_label_lengths:
        if label_lengths is None:
            raise MXNetError(f"{op}: use_label_lengths=True needs label_lengths")
        lengths = _host_ints(op, "label_lengths", label_lengths, (N,))
        if lengths.size and (lengths.min() < 0 or lengths.max() > L):
            raise MXNetError(f"{op}: label_lengths must be in [0, {L}], got "
                             f"{lengths.tolist()}")
    else:
        # MXNet pads with 0 when the blank is first and with -1 when it is last
        pad = 0 if blank_first else -1
        is_pad = np.concatenate([lab == pad, np.ones((N, 1), bool)], axis=1)
        lengths = is_pad.argmax(axis=1)
    low, high = (1, classes - 1) if blank_first else (0, classes - 2)
    seqs = []
    for b in range(N):
        seq = lab[b, :lengths[b]]
        if seq.size and (seq.min() < low or seq.max() > high):
            raise MXNetError(f"{op}: labels must be in [{low}, {high}] (blank_label="
                             f"{'first' if blank_first else 'last'}, {classes} classes), "
                             f"got {seq.tolist()} in sample {b}")
        seqs.append(seq)
    return seqs


def _frames(op, data_lengths, use_data_lengths, T, N):
    if not use_data_lengths:
        return np.full(N, T, np.int64)
    if data_lengths is None:
        raise MXNetError(f"{op}: use_data_lengths=True needs data_lengths")
    frames = _host_ints(op, "data_lengths", data_lengths, (N,))
    if frames.size and (frames.min() < 1 or frames.max() > T):
        raise MXNetError(f"{op}: data_lengths must be in [1, {T}], got {frames.tolist()}")
    return frames


def _ctc(op, data, label, data_lengths, label_lengths, use_data_lengths, use_label_lengths,
         blank_label, out):
    if not isinstance(data, NDArrayBase):
        raise MXNetError(f"{op}: data must be an NDArray, got {type(data).__name__}")
    if data._dtype_code not in (0, 1, 2):
        raise MXNetError(f"{op}: only floating point types are supported, got "
                         f"{data.dtype.__name__}")
    if blank_label not in ("first", "last"):
        raise MXNetError(f"{op}: invalid blank_label {blank_label!r}, valid values are "
                         "'first', 'last'")
    if data.ndim != 3:
        raise MXNetError(f"{op}: data must be 3-D (sequence, batch, alphabet), got "
                         f"{data.shape}")
    if not isinstance(label, NDArrayBase) or label.ndim != 2:
        raise MXNetError(f"{op}: label must be a 2-D NDArray (batch, label length)")
    T, N, C = data.shape
    if label.shape[0] != N:
        raise MXNetError(f"{op}: the batch size of label ({label.shape[0]}) and data ({N}) "
                         "must be the same")
    if T == 0 or C == 0:
        raise MXNetError(f"{op}: data must have a sequence and an alphabet, got {data.shape}")
    blank_first = blank_label == "first"
    if N == 0:
        from mxgrad.ndarray.creation import zeros
        return deliver(op, zeros((0,), ctx=data.context, dtype=data.dtype), out)
    seqs = _sequences(op, label, label_lengths, use_label_lengths, blank_first, C)
    frames = _frames(op, data_lengths, use_data_lengths, T, N)
    plan = _plan(seqs, frames, T, C, 0 if blank_first else C - 1)
    x = data.astype("float32") if data._dtype_code == 2 else data
    loss = _forward(x, plan, frames, use_data_lengths)
    if loss.dtype != data.dtype:
        loss = loss.astype(data.dtype)
    return deliver(op, loss, out)


def _plan(seqs, frames, T, C, blank):
    """Host-side tables: the gather indices of each (t, sample, position) into the flat
    log-probabilities, where a skip of two positions is allowed, the last position of each
    extended label, and which samples have an alignment at all."""
    N = len(seqs)
    S = 2 * max((len(s) for s in seqs), default=0) + 1
    ext = np.full((N, S), blank, np.int64)
    skip = np.zeros((N, S), bool)
    last = np.zeros(N, np.int64)
    feasible = np.zeros(N, bool)
    for b, seq in enumerate(seqs):
        ext[b, 1:2 * len(seq):2] = seq
        skip[b, 3:2 * len(seq):2] = seq[1:] != seq[:-1]
        last[b] = 2 * len(seq)
        repeats = int((seq[1:] == seq[:-1]).sum()) if len(seq) > 1 else 0
        feasible[b] = len(seq) + repeats <= frames[b]
    gather = (np.arange(T).reshape(T, 1, 1) * N * C + np.arange(N).reshape(1, N, 1) * C
              + ext.reshape(1, N, S))
    return {"S": S, "gather": gather, "skip": skip, "last": last, "feasible": feasible}


def _forward(x, plan, frames, use_data_lengths):
    from mxgrad.ndarray.creation import array, full
    from mxgrad.ndarray.gather import take_along
    from mxgrad.ndarray.join import concat
    from mxgrad.ndarray.nn import log_softmax, pick
    from mxgrad.ndarray.shape import slice_axis
    T, N, C = x.shape
    S, ctx, dt = plan["S"], x.context, x.dtype

    def const(a):
        return array(a, ctx=ctx, dtype=dt)

    logp = log_softmax(x, axis=-1).reshape((T * N * C,))
    index = array(plan["gather"], ctx=ctx, dtype="int32")
    lpe = take_along("CTCLoss", logp, index, 0, "clip")                     # (T, N, S)
    zero = full((N, S), _LOG_ZERO, ctx=ctx, dtype=dt)
    first_two = const(np.broadcast_to(np.arange(S) < 2, (N, S)))
    alpha = select(first_two, lpe[0], zero)
    pad1 = full((N, 1), _LOG_ZERO, ctx=ctx, dtype=dt)
    pad2 = full((N, 2), _LOG_ZERO, ctx=ctx, dtype=dt)
    skip = const(plan["skip"])
    for t in range(1, int(frames.max())):
        stay = alpha
        step = concat(pad1, slice_axis(alpha, axis=1, begin=0, end=S - 1), dim=1) \
            if S > 1 else zero
        jump = select(skip, concat(pad2, slice_axis(alpha, axis=1, begin=0, end=S - 2),
                                   dim=1), zero) if S > 2 else zero
        top = OPS["maximum"](OPS["maximum"](stay, step), jump)
        total = OPS["exp"](stay - top) + OPS["exp"](step - top) + OPS["exp"](jump - top)
        new = top + OPS["log"](total) + lpe[t]
        if use_data_lengths and frames.min() <= t:       # sequences that ended keep alpha
            running = const(np.broadcast_to((frames > t).reshape(N, 1), (N, S)))
            new = select(running, new, alpha)
        alpha = new
    last = plan["last"]
    end = pick(alpha, const(last), axis=1)
    before = select(const(last > 0), pick(alpha, const(np.maximum(last - 1, 0)), axis=1),
                    full((N,), _LOG_ZERO, ctx=ctx, dtype=dt))
    top = OPS["maximum"](end, before)
    nll = -(top + OPS["log"](OPS["exp"](end - top) + OPS["exp"](before - top)))
    # no alignment: the loss is +inf and the gradient 0 (MXNet: loss 0, gradient garbage)
    return select(const(plan["feasible"]), nll, float("inf"))


def CTCLoss(data=None, label=None, data_lengths=None, label_lengths=None,
            use_data_lengths=False, use_label_lengths=False, blank_label="first", out=None,
            name=None):
    """The CTC loss of each sequence: -log of the probability that ``data`` (sequence,
    batch, alphabet) activations, softmax-normalised, emit ``label`` (batch, label length)
    with blanks and repeats removed. Shape (batch,).

    The blank is class 0 (blank_label='first'; labels 1 .. alphabet-1, padded with 0) or the
    last class ('last'; labels 0 .. alphabet-2, padded with -1); label_lengths and
    data_lengths (with use_label_lengths / use_data_lengths) give the lengths instead.
    A label that cannot be aligned in its sequence gets the loss inf and a zero gradient.

    >>> data = mx.nd.zeros((2, 1, 3))           # 2 steps, 1 sequence, 3 classes, uniform
    >>> loss = mx.nd.CTCLoss(data, mx.nd.array([[1, 0]]))       # label [1]
    >>> np.round(loss.asnumpy(), 4)          # paths 1-1, 1-blank, blank-1: -log(3 / 9)
    array([1.0986], dtype=float32)
    >>> data.attach_grad()
    >>> with mx.autograd.record():
    ...     loss = mx.nd.CTCLoss(data, mx.nd.array([[2, 2]]))   # needs 2-blank-2: 3 steps
    >>> loss
    <BLANKLINE>
    [inf]
    <NDArray 1 @cpu(0)>
    """
    return _ctc("CTCLoss", data, label, data_lengths, label_lengths, use_data_lengths,
                use_label_lengths, blank_label, out)


def ctc_loss(data=None, label=None, data_lengths=None, label_lengths=None,
             use_data_lengths=False, use_label_lengths=False, blank_label="first", out=None,
             name=None):
    """The CTC loss; the same function as :func:`CTCLoss`.

    >>> data = mx.nd.zeros((3, 1, 2))
    >>> np.round(mx.nd.ctc_loss(data, mx.nd.array([[1]])).asnumpy(), 4)   # -log(6 / 8)
    array([0.2877], dtype=float32)
    """
    return _ctc("ctc_loss", data, label, data_lengths, label_lengths, use_data_lengths,
                use_label_lengths, blank_label, out)
