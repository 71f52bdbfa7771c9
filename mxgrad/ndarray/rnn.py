"""MXNet's fused recurrent layer ``RNN``: rnn_relu, rnn_tanh, lstm and gru, stacked and
bidirectional, with MXNet's flat parameter layout so weights trained in MXNet give its numbers.

An LSTM direction without state clipping, projection or sequence lengths runs as one op
with one gradient rule (rnn_lstm.py). Otherwise the layer is composed of differentiable ops,
so gradients w.r.t. data, parameters and states come from autograd and differentiate again:
per layer and direction, one GEMM projects the inputs of all time steps at once; each step
then adds ``h @ W_h2h.T`` and runs the gate arithmetic: for an LSTM or a GRU one kernel each
way (rnn_cell.py; an LSTM with state clipping and the plain RNNs use elementwise ops, which
the fuser merges).

The flat ``parameters`` vector holds, as MXNet (and cuDNN) lay it out, first every weight:
for each layer, for each direction, ``W_i2h`` (G*H, input), ``W_h2h`` (G*H, R) and, with a
projection, ``W_h2r`` (R, H); then every bias: for each layer and direction ``b_i2h`` and
``b_h2h`` (G*H each). G is the number of gates (1; LSTM 4 in the order i, f, g, o; GRU 3 in
the order r, z, n), H ``state_size``, R ``projection_size`` or H.
"""
import numbers

from mxgrad import _ndarray
from mxgrad._ndarray import NDArrayBase
from mxgrad._tape import is_recording, is_training, record_op
from mxgrad.base import MXNetError, DTYPES
from mxgrad.gradients import gradient_rule
from mxgrad.ndarray._deliver import check_out, deliver
from mxgrad.ndarray._elemwise_table import OPS
from mxgrad.ndarray._select import select
from mxgrad.ndarray.creation import zeros_like
from mxgrad.ndarray.join import concat, split, stack
from mxgrad.ndarray.linalg import FullyConnected, dot
from mxgrad.ndarray.nn import clip as clip_values
from mxgrad.ndarray.rnn_cell import gru_cell, lstm_cell, per_slot as _per_slot
from mxgrad.ndarray.rnn_lstm import lstm_direction

__all__ = ["RNN"]

_GATES = {"gru": 3, "lstm": 4, "rnn_relu": 1, "rnn_tanh": 1}
_FLOAT_CODES = (0, 1, 2)


# --- argument checks (all before anything is enqueued) ---------------------------------------
def _positive_int(name, value, required=True):
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise MXNetError(f"RNN: {name} must be a positive integer, got {value!r}")
    return int(value)


def _check_array(name, x, data, shape=None):
    if not isinstance(x, NDArrayBase):
        raise MXNetError(f"RNN: {name} must be an NDArray, got {type(x).__name__}")
    if x.context != data.context:
        raise MXNetError(f"RNN: {name} is on {x.context}, data on {data.context}")
    if shape is not None and x.shape != shape:
        raise MXNetError(f"RNN: Shape inconsistent, provided {name} shape {x.shape}, "
                         f"inferred shape {shape}")


def _check_dtype(name, x, data):
    if x._dtype_code != data._dtype_code:
        raise MXNetError(f"RNN: this layer requires uniform type: expected "
                         f"{DTYPES[data._dtype_code].name}, got {DTYPES[x._dtype_code].name} "
                         f"for {name}")


def _layout(mode, I, H, L, D, P):
    """[(layer, direction, {name: (offset, shape)})] of the flat parameters, and their count."""
    G, R = _GATES[mode], P or H
    pieces, at = [[{} for _ in range(D)] for _ in range(L)], 0
    for layer in range(L):
        inp = I if layer == 0 else D * R
        for d in range(D):
            names = [("i2h", (G * H, inp)), ("h2h", (G * H, R))] + ([("h2r", (R, H))] if P else [])
            for name, shape in names:
                pieces[layer][d][name] = (at, shape)
                at += shape[0] * shape[1]
    for layer in range(L):
        for d in range(D):
            for name in ("b_i2h", "b_h2h"):
                pieces[layer][d][name] = (at, (G * H,))
                at += G * H
    return pieces, at


def _check_args(data, parameters, state, state_cell, sequence_length, state_size, num_layers,
                bidirectional, mode, p, projection_size, clip_min, clip_max,
                use_sequence_length):
    if not isinstance(data, NDArrayBase):
        raise MXNetError(f"RNN: data must be an NDArray, got {type(data).__name__}")
    if mode not in _GATES:
        raise MXNetError(f"RNN: Invalid Input: {mode!r}, valid values are: "
                         f"{{{', '.join(repr(m) for m in _GATES)}}}")
    H = _positive_int("state_size", state_size)
    L = _positive_int("num_layers", num_layers)
    P = _positive_int("projection_size", projection_size, required=False)
    if P is not None and mode != "lstm":
        raise MXNetError(f"RNN: projection_size is supported only in mode 'lstm', not {mode!r}")
    if P is not None and P >= H:
        raise MXNetError(f"RNN: projection_size ({P}) must be smaller than state_size ({H})")
    if data.ndim != 3:
        raise MXNetError(f"RNN: input data should be a rank-3 tensor of dim [sequence length, "
                         f"batch size, input size], got shape {data.shape}")
    if 0 in data.shape:
        raise MXNetError(f"RNN: data of shape {data.shape} is empty; the layer needs at "
                         "least one time step, sequence and input feature")
    if data._dtype_code not in _FLOAT_CODES:
        raise MXNetError(f"RNN: data must be a floating point array, got "
                         f"{DTYPES[data._dtype_code].name}")
    if not 0 <= p <= 1:
        raise MXNetError(f"RNN: dropout p must be in [0, 1], got {p}")
    if (clip_min is None) != (clip_max is None):
        raise MXNetError("RNN: lstm_state_clip_min and lstm_state_clip_max must be given "
                         "together")
    if clip_min is not None:
        if mode != "lstm":
            raise MXNetError(f"RNN: lstm_state_clip_min/max apply to mode 'lstm' only, not "
                             f"{mode!r}")
        if clip_min > clip_max:
            raise MXNetError(f"RNN: lstm_state_clip_min ({clip_min}) is greater than "
                             f"lstm_state_clip_max ({clip_max})")
    T, N, I = data.shape
    D = 2 if bidirectional else 1
    R = P or H
    layout, count = _layout(mode, I, H, L, D, P)
    expected = 4 if mode == "lstm" else 3
    given = 3 + (state_cell is not None) + (sequence_length is not None)
    wanted = expected + bool(use_sequence_length)
    if mode == "lstm" and state_cell is None:
        raise MXNetError(f"RNN: mode 'lstm' expects {wanted} inputs (data, parameters, state, "
                         f"state_cell{', sequence_length' if use_sequence_length else ''}), "
                         "but state_cell is missing")
    if mode != "lstm" and state_cell is not None:
        raise MXNetError(f"RNN: mode {mode!r} expects {wanted} inputs, but got {given}: "
                         "state_cell is for mode 'lstm' only")
    if bool(use_sequence_length) != (sequence_length is not None):
        raise MXNetError("RNN: sequence_length must be given exactly when "
                         "use_sequence_length=True")
    _check_array("parameters", parameters, data, (count,))
    _check_array("state", state, data, (L * D, N, R))
    arrays = [("parameters", parameters), ("state", state)]
    if state_cell is not None:
        _check_array("state_cell", state_cell, data, (L * D, N, H))
        arrays.append(("state_cell", state_cell))
    for name, x in arrays:
        _check_dtype(name, x, data)
    if sequence_length is not None:
        _check_array("sequence_length", sequence_length, data, (N,))
    return T, N, H, L, D, P, layout


# --- the flat parameter vector as views, recorded as one op -----------------------------------
def _unflatten(parameters, layout):
    """[[{name: view}] per direction] per layer; the gradient concatenates the pieces'."""
    order = [(layer, d, name) for layer, dirs in enumerate(layout) for d, names in
             enumerate(dirs) for name in names]
    order.sort(key=lambda k: layout[k[0]][k[1]][k[2]][0])
    views = _param_views(parameters, tuple(layout[a][d][n] for a, d, n in order))
    out = [[{} for _ in dirs] for dirs in layout]
    for (layer, d, name), v in zip(order, views):
        out[layer][d][name] = v
    return out


def _param_views(parameters, specs):
    """Views of the flat vector at the (offset, shape) ``specs`` (in order, covering it)."""
    views = [_ndarray.view_of(parameters, shape, parameters._offset + at) for at, shape in specs]
    if is_recording():
        record_op("_rnn_param_split", (parameters,), tuple(views), _unflatten_rule,
                  replay=lambda a: _param_views(a, specs), save_outputs=False)
    return views


@gradient_rule("_rnn_param_split")
def _unflatten_rule(saved, inputs, outputs, out_grads):
    return (concat(*[g.reshape((-1,)) for g in out_grads], dim=0),)


# --- one direction of one layer ----------------------------------------------------------------
def _keep_masks(sequence_length, T, N, width, data):
    """(T steps of) (N, width) masks: 1 where step t < the sequence's length."""
    from mxgrad.ndarray.creation import arange
    steps = arange(T, ctx=data.context, dtype=data.dtype).reshape((T, 1, 1))
    lengths = sequence_length.astype(data.dtype).reshape((1, N, 1))
    keep = (steps < lengths).broadcast_to((T, N, width))
    return _per_slot(keep, T)


def _cell_step(mode, xp, h, c, w, clip):
    """One step: the new (h, c) from the step's input projection ``xp``."""
    if mode == "gru":
        hh = FullyConnected(h, w["h2h"], w["b_h2h"], num_hidden=w["h2h"].shape[0])
        return gru_cell(xp, hh, h), None
    gates = xp + dot(h, w["h2h"], transpose_b=True)
    if mode == "rnn_tanh":
        return OPS["tanh"](gates), None
    if mode == "rnn_relu":
        return OPS["relu"](gates), None
    if clip is None:
        h, c = lstm_cell(gates, c)
        return (dot(h, w["h2r"], transpose_b=True) if "h2r" in w else h), c
    i, f, g, o = split(gates, num_outputs=4, axis=1)
    c = OPS["sigmoid"](f) * c + OPS["sigmoid"](i) * OPS["tanh"](g)
    lo, hi, nan_to_min = clip
    if nan_to_min:
        c = select(c != c, lo, c)
    c = clip_values(c, lo, hi)
    h = OPS["sigmoid"](o) * OPS["tanh"](c)
    if "h2r" in w:
        h = dot(h, w["h2r"], transpose_b=True)
    return h, c


def _direction(mode, x2, T, N, w, h, c, reverse, keeps, clip):
    """Run one direction over all steps of the (T*N, input) inputs ``x2``: the (T, N, R)
    outputs and the final (h, c)."""
    G_H = w["i2h"].shape[0]
    bias = w["b_i2h"] if mode == "gru" else w["b_i2h"] + w["b_h2h"]
    if mode == "lstm" and clip is None and keeps is None and "h2r" not in w:
        return lstm_direction(x2, w["i2h"], w["h2h"], bias, h, c, reverse)    # one op
    xp = FullyConnected(x2, w["i2h"], bias, num_hidden=G_H).reshape((T, N, G_H))
    steps = _per_slot(xp, T)
    outs = [None] * T
    for t in (range(T - 1, -1, -1) if reverse else range(T)):
        h_new, c_new = _cell_step(mode, steps[t], h, c, w, clip)
        if keeps is None:
            h, c = h_new, c_new
            outs[t] = h
            continue
        keep_h, keep_c = keeps[0][t], keeps[1][t] if c is not None else None
        outs[t] = select(keep_h, h_new, 0.0)
        h = select(keep_h, h_new, h)
        if c is not None:
            c = select(keep_c, c_new, c)
    return (stack(*outs, axis=0) if T > 1 else outs[0].reshape((1,) + outs[0].shape)), h, c


# --- the op ----------------------------------------------------------------------------------
def RNN(data=None, parameters=None, state=None, state_cell=None, sequence_length=None,
        state_size=None, num_layers=None, bidirectional=False, mode=None, p=0.0,
        state_outputs=False, projection_size=None, lstm_state_clip_min=None,
        lstm_state_clip_max=None, lstm_state_clip_nan=False, use_sequence_length=False,
        out=None, name=None, **kwargs):
    """A stacked (optionally bidirectional) recurrent layer over (T, N, input) data in MXNet's
    fused form: ``mode`` is 'rnn_relu', 'rnn_tanh', 'lstm' or 'gru'; ``parameters`` is the
    flat weight vector in MXNet's layout; ``state`` (and ``state_cell`` for LSTM) the
    (num_layers * directions, N, state_size) initial states. Returns the (T, N, directions *
    state_size) outputs, or ``[out, hN]`` / ``[out, hN, cN]`` with ``state_outputs=True``.
    ``p`` drops the outputs of every layer but the last in train mode; with
    ``use_sequence_length`` each sequence stops at its length (outputs past it are zero, the
    final states are those of its last step).

    >>> T, N, I, H = 2, 1, 3, 2
    >>> n = 4 * H * I + 4 * H * H + 2 * 4 * H        # LSTM weights i2h, h2h, then biases
    >>> out, hN, cN = mx.nd.RNN(mx.nd.ones((T, N, I)), mx.nd.ones((n,)) * 0.1,
    ...                         mx.nd.zeros((1, N, H)), mx.nd.zeros((1, N, H)),
    ...                         state_size=H, num_layers=1, mode='lstm', state_outputs=True)
    >>> out.shape, hN.shape, cN.shape
    ((2, 1, 2), (1, 1, 2), (1, 1, 2))
    >>> print(out.asnumpy().round(4))
    [[[0.1743 0.1743]]
    <BLANKLINE>
     [[0.2863 0.2863]]]
    """
    if kwargs:
        raise MXNetError(f"RNN: Cannot find argument {sorted(kwargs)[0]!r}")
    T, N, H, L, D, P, layout = _check_args(
        data, parameters, state, state_cell, sequence_length, state_size, num_layers,
        bidirectional, mode, p, projection_size, lstm_state_clip_min, lstm_state_clip_max,
        use_sequence_length)
    R = P or H
    if out is not None:
        shapes = [(T, N, D * R)]
        if state_outputs:
            shapes += [(L * D, N, R)] + ([(L * D, N, H)] if mode == "lstm" else [])
        outs_given = out if isinstance(out, (list, tuple)) else [out]
        if len(outs_given) != len(shapes):
            raise MXNetError(f"RNN: out must hold {len(shapes)} arrays, got {len(outs_given)}")
        inputs = (data, parameters, state, state_cell, sequence_length)
        for o, shape in zip(outs_given, shapes):
            check_out("RNN", o, inputs, shape, data._dtype_code, data.context)
    clip = None
    if lstm_state_clip_min is not None:
        clip = (float(lstm_state_clip_min), float(lstm_state_clip_max), bool(lstm_state_clip_nan))
    weights = _unflatten(parameters, layout)
    h0 = _per_slot(state, L * D)
    c0 = _per_slot(state_cell, L * D) if mode == "lstm" else [None] * (L * D)
    keeps = None
    if sequence_length is not None:
        keep_h = _keep_masks(sequence_length, T, N, R, data)
        keeps = (keep_h, None if mode != "lstm" else
                 keep_h if R == H else _keep_masks(sequence_length, T, N, H, data))
    x, hN, cN = data, [], []
    for layer in range(L):
        if layer and p > 0 and is_training():
            from mxgrad.ndarray.normalization import Dropout
            x = zeros_like(x) if p == 1 else Dropout(x, p=p)    # p = 1 drops everything
        x2 = x.reshape((T * N, x.shape[2]))
        ys = []
        for d in range(D):
            k = layer * D + d
            y, h, c = _direction(mode, x2, T, N, weights[layer][d], h0[k], c0[k], d == 1,
                                 keeps, clip)
            ys.append(y)
            hN.append(h)
            cN.append(c)
        x = ys[0] if D == 1 else concat(*ys, dim=2)
    if not state_outputs:
        return deliver("RNN", x, None if out is None else outs_given[0])
    results = [x, stack(*hN, axis=0)] + ([stack(*cN, axis=0)] if mode == "lstm" else [])
    if out is not None:
        return [deliver("RNN", r, o) for r, o in zip(results, outs_given)]
    return results
