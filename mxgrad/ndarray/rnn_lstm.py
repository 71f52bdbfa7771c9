"""One direction of an LSTM layer of ``mx.nd.RNN`` as one op: the sequence loop runs on
preallocated buffers, recorded as one tape node with one gradient rule.

The composed path (rnn.py) costs per step a GEMM, an add, a split of the input projection, a
stack of the outputs and their gradients' copies. Here the forward is one GEMM for the input
projection of all steps into a (T*N, 4H) gate buffer, then per step one GEMM that adds
``h_{t-1} @ W_h2h.T`` straight into the step's slot (beta = 1) and one kernel
(kernels_cl/rnn.cl ``lstm_seq_fwd``) that adds the bias, activates the gates in place and
writes h and c into their slots of the outputs. The backward runs per step one kernel
(``lstm_seq_bwd``: the gradient of the gate pre-activations and of c_{t-1}) and one GEMM (the
gradient of h_{t-1}); the weight gradients are then one GEMM each over all steps at once.

Where GEMMs run on the host BLAS, the steps of both loops run on the host instead, each
compute unit the whole sequence for its block of batch rows as one native kernel
(mxgrad/_lstm_host.pxi): the same formulas, no command per step.

While a gradient is itself being recorded (``create_graph=True``) the rule recomputes the
forward from its inputs in differentiable ops and writes the backward loop in ops too, so
higher orders work.
"""
from mxgrad import _gemm
from mxgrad import _ndarray
from mxgrad._tape import is_recording, record_op, wants_grad
from mxgrad.gradients import gradient_rule
from mxgrad.ndarray._kernels import family_kernel
from mxgrad.ndarray.creation import ones, zeros
from mxgrad.ndarray.join import concat
from mxgrad.ndarray.linalg import dot
from mxgrad.ndarray.rnn_cell import _lstm_cell_vjp_ops, lstm_cell, per_slot

__all__ = []

# The recurrence runs on the host where GEMMs do (see mxgrad/_lstm_host.pxi); tests switch
# it off to compare with the per-step kernels.
HOST_RECURRENCE = True


def _steps(T, reverse):
    return range(T - 1, -1, -1) if reverse else range(T)


def lstm_direction(x2, w_i2h, w_h2h, bias, h0, c0, reverse=False):
    """(out (T, N, H), hN, cN) of one LSTM direction over the (T*N, I) inputs ``x2`` from the
    states ``h0``, ``c0`` (N, H); ``bias`` is b_i2h + b_h2h. All arrays contiguous, of one
    dtype and context (the caller, rnn.RNN, has checked them)."""
    TN, I = x2.shape
    N, H = h0.shape
    T, G = TN // N, 4 * H
    ctx, code = x2.context, x2._dtype_code
    gates = _ndarray.empty_array(ctx, (TN, G), code)
    out = _ndarray.empty_array(ctx, (T, N, H), code)
    hN = _ndarray.empty_array(ctx, (N, H), code)
    cN = _ndarray.empty_array(ctx, (N, H), code)
    cells = _ndarray.empty_array(ctx, (T, N, H), code)     # c_t of every step but the last
    _gemm.gemm(ctx, False, True, TN, G, I, 1.0, x2._buffer, x2._offset, I, 0,
               w_i2h._buffer, w_i2h._offset, I, 0, 0.0, gates._buffer, gates._offset, G, 0, 1,
               code)
    if HOST_RECURRENCE and _gemm.lstm_host_ready(ctx, code, w_h2h, bias, h0, c0, gates):
        _gemm.lstm_host_forward(ctx, code, T, N, H, reverse, w_h2h, bias, gates, h0, c0, out,
                                cells, hN, cN, _host_scratch(ctx, code, H))
    else:
        _kernel_steps(gates, w_h2h, bias, h0, c0, out, cells, hN, cN, reverse)
    if is_recording():
        record_op("_rnn_lstm_direction", (x2, w_i2h, w_h2h, bias, h0, c0), (out, hN, cN),
                  _lstm_direction_rule, saved=(gates, cells, reverse),
                  replay=lambda *a: lstm_direction(*a, reverse=reverse))
    return out, hN, cN


def _host_scratch(ctx, code, H):
    """The host recurrence's scratch: its block counter and W_h2h's packed panels."""
    return _ndarray.empty_array(ctx, (_gemm.lstm_scratch_size(code, H),), code)


def _kernel_steps(gates, w_h2h, bias, h0, c0, out, cells, hN, cN, reverse):
    """The forward's recurrence on the device: per step a GEMM into the step's gate slot
    and one cell kernel."""
    N, H = h0.shape
    T, G = out.shape[0], 4 * H
    ctx, code = gates.context, gates._dtype_code
    gb, ob, cb = gates._buffer, out._buffer, cells._buffer
    k = family_kernel(ctx, "rnn", "lstm_seq_fwd", code)
    launch, grid = ctx.state.launch_grid, (H, N)
    h_buf, h_off, c_buf, c_off = h0._buffer, h0._offset, c0._buffer, c0._offset
    NH = N * H
    for n, t in enumerate(_steps(T, reverse)):
        g_off = gates._offset + t * N * G
        _gemm.gemm(ctx, False, True, N, G, H, 1.0, h_buf, h_off, H, 0,
                   w_h2h._buffer, w_h2h._offset, H, 0, 1.0, gb, g_off, G, 0, 1, code)
        o_off = out._offset + t * NH
        if n == T - 1:
            h2, h2_off, c_to, c_to_off = hN._buffer, hN._offset, cN._buffer, cN._offset
        else:
            h2, h2_off, c_to, c_to_off = ob, o_off, cb, cells._offset + t * NH
        k.set_args(0, gb, g_off, bias._buffer, bias._offset, c_buf, c_off, ob, o_off,
                   h2, h2_off, c_to, c_to_off)
        launch(k, grid)
        h_buf, h_off, c_buf, c_off = ob, o_off, c_to, c_to_off


def _zeros(shape, like):
    return zeros(shape, ctx=like.context, dtype=like.dtype)


def _ones(shape, like):
    return ones(shape, ctx=like.context, dtype=like.dtype)


@gradient_rule("_rnn_lstm_direction")
def _lstm_direction_rule(saved, inputs, outputs, out_grads):
    x2, w_i2h, w_h2h, bias, h0, c0 = inputs
    gates, cells, reverse = saved
    gout, gh, gc = (g if g is not None else _zeros(o.shape, h0)
                    for g, o in zip(out_grads, outputs))
    if is_recording():
        return _lstm_direction_vjp_ops(x2, w_i2h, w_h2h, bias, h0, c0, gout, gh, gc, reverse)
    TN, I = x2.shape
    N, H = h0.shape
    T, G, NH = TN // N, 4 * H, N * H
    ctx, code = x2.context, x2._dtype_code
    out = outputs[0]
    dG = _ndarray.empty_array(ctx, (TN, G), code)
    dh = _ndarray.empty_array(ctx, (N, H), code)
    dc = _ndarray.empty_array(ctx, (N, H), code)
    gb, db = dG._buffer, dG._offset
    order = list(_steps(T, reverse))
    want_h0 = wants_grad(h0)
    if HOST_RECURRENCE and _gemm.lstm_host_ready(ctx, code, w_h2h, gates, cells, c0, gout, gh,
                                                 gc, dG):
        _gemm.lstm_host_backward(ctx, code, T, N, H, reverse, want_h0, w_h2h, gates, cells, c0,
                                 dG, gout, gh, gc, dh, dc, _host_scratch(ctx, code, H))
    else:
        _kernel_steps_backward(gates, cells, w_h2h, c0, gout, gh, gc, dG, dh, dc, reverse,
                               want_h0)
    d_wh2h = None
    if wants_grad(w_h2h):
        # steps 1.. of the order against the outputs of the steps before them, then step 0
        # against h0; in time order both are one contiguous block of rows
        d_wh2h = _ndarray.empty_array(ctx, (G, H), code)
        if T > 1:
            first_dg = db + (0 if reverse else N * G)
            first_h = out._offset + (NH if reverse else 0)
            _gemm.gemm(ctx, True, False, G, H, (T - 1) * N, 1.0, gb, first_dg, G, 0,
                       out._buffer, first_h, H, 0, 0.0, d_wh2h._buffer, d_wh2h._offset, H, 0,
                       1, code)
        _gemm.gemm(ctx, True, False, G, H, N, 1.0, gb, db + order[0] * N * G, G, 0,
                   h0._buffer, h0._offset, H, 0, 1.0 if T > 1 else 0.0, d_wh2h._buffer,
                   d_wh2h._offset, H, 0, 1, code)
    d_wi2h = None
    if wants_grad(w_i2h):
        d_wi2h = _ndarray.empty_array(ctx, (G, I), code)
        _gemm.gemm(ctx, True, False, G, I, TN, 1.0, gb, db, G, 0, x2._buffer, x2._offset, I,
                   0, 0.0, d_wi2h._buffer, d_wi2h._offset, I, 0, 1, code)
    dx2 = None
    if wants_grad(x2):
        dx2 = _ndarray.empty_array(ctx, (TN, I), code)
        _gemm.gemm(ctx, False, False, TN, I, G, 1.0, gb, db, G, 0, w_i2h._buffer,
                   w_i2h._offset, I, 0, 0.0, dx2._buffer, dx2._offset, I, 0, 1, code)
    d_bias = None
    if wants_grad(bias):         # column sums as a product with ones: a reduce is ~5x slower
        ones = _ones((TN,), dG)
        d_bias = _ndarray.empty_array(ctx, (G,), code)
        _gemm.gemm(ctx, False, False, 1, G, TN, 1.0, ones._buffer, ones._offset, TN, 0, gb, db,
                   G, 0, 0.0, d_bias._buffer, d_bias._offset, G, 0, 1, code)
    return (dx2, d_wi2h, d_wh2h, d_bias, dh if want_h0 else None,
            dc if wants_grad(c0) else None)


def _kernel_steps_backward(gates, cells, w_h2h, c0, gout, gh, gc, dG, dh, dc, reverse,
                           want_h0):
    """The backward's recurrence on the device: per step one cell kernel and a GEMM."""
    N, H = c0.shape
    T, G, NH = cells.shape[0], 4 * H, N * H
    ctx, code = dG.context, dG._dtype_code
    gb, db = dG._buffer, dG._offset
    k = family_kernel(ctx, "rnn", "lstm_seq_bwd", code)
    launch, grid = ctx.state.launch_grid, (H, N)
    order = list(_steps(T, reverse))
    gh_buf, gh_off, gc_buf, gc_off = gh._buffer, gh._offset, gc._buffer, gc._offset
    for n in range(T - 1, -1, -1):
        t = order[n]
        if n:
            cp, cp_off = cells._buffer, cells._offset + order[n - 1] * NH
        else:
            cp, cp_off = c0._buffer, c0._offset
        k.set_args(0, gb, db + t * N * G, dc._buffer, dc._offset, gates._buffer,
                   gates._offset + t * N * G, cp, cp_off, gout._buffer, gout._offset + t * NH,
                   gh_buf, gh_off, gc_buf, gc_off)
        launch(k, grid)
        gc_buf, gc_off = dc._buffer, dc._offset
        if n or want_h0:       # the gradient of h_{t-1}
            _gemm.gemm(ctx, False, False, N, H, G, 1.0, gb, db + t * N * G, G, 0,
                       w_h2h._buffer, w_h2h._offset, H, 0, 0.0, dh._buffer, dh._offset, H, 0,
                       1, code)
            gh_buf, gh_off = dh._buffer, dh._offset


def _lstm_direction_vjp_ops(x2, w_i2h, w_h2h, bias, h0, c0, gout, gh, gc, reverse):
    """The rule in differentiable ops: the forward recomputed from the inputs (its gate
    pre-activations and states), then the backward loop."""
    TN = x2.shape[0]
    N = h0.shape[0]
    T = TN // N
    xp = per_slot((dot(x2, w_i2h, transpose_b=True) + bias).reshape((T, N, -1)), T)
    gates, c_prev, h_prev = [None] * T, [None] * T, [None] * T
    h, c = h0, c0
    for t in _steps(T, reverse):
        gates[t] = xp[t] + dot(h, w_h2h, transpose_b=True)
        h_prev[t], c_prev[t] = h, c
        h, c = lstm_cell(gates[t], c)
    gouts = per_slot(gout, T)
    dgates = [None] * T
    for t in reversed(_steps(T, reverse)):
        dgates[t], gc = _lstm_cell_vjp_ops(gates[t], c_prev[t], gouts[t] + gh, gc)
        gh = dot(dgates[t], w_h2h)
    dG = dgates[0] if T == 1 else concat(*dgates, dim=0)
    hp = h_prev[0] if T == 1 else concat(*h_prev, dim=0)
    return (dot(dG, w_i2h), dot(dG, x2, transpose_a=True), dot(dG, hp, transpose_a=True),
            dG.sum(axis=0), gh, gc)
