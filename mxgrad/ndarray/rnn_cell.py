"""The LSTM and GRU cells of ``mx.nd.RNN`` as one kernel each way (kernels_cl/rnn.cl).

``lstm_cell(gates, c_prev)`` turns the (N, 4H) gate pre-activations (i, f, g, o) and the
previous cell state into (h, c) in one launch, and ``gru_cell(xp, hh, h_prev)`` the (N, 3H)
input and hidden projections (r, z, n) and the previous state into h, where the composition of
ops takes splits (a copy per gate) and fused elementwise kernels. Their gradient rules run the
backward kernels, or, while a gradient is itself being recorded (``create_graph=True``), the
same formulas in differentiable ops, so higher orders work.
"""
from mxgrad import _ndarray
from mxgrad._tape import is_recording, record_op
from mxgrad.gradients import gradient_rule
from mxgrad.ndarray._elemwise_table import OPS
from mxgrad.ndarray._kernels import family_kernel
from mxgrad.ndarray.join import concat, split

__all__ = []


def lstm_cell(gates, c_prev):
    """(h, c) of one LSTM step from contiguous (N, 4H) ``gates`` and (N, H) ``c_prev``."""
    N, H = c_prev.shape
    ctx, code = gates.context, gates._dtype_code
    h = _ndarray.empty_array(ctx, (N, H), code)
    c = _ndarray.empty_array(ctx, (N, H), code)
    if N * H:
        k = family_kernel(ctx, "rnn", "lstm_cell_fwd", code)
        k.set_args(0, h._buffer, c._buffer, gates._buffer, gates._offset, c_prev._buffer,
                   c_prev._offset, N * H, H)
        ctx.state.launch_1d(k, N * H)
    if is_recording():
        record_op("_rnn_lstm_cell", (gates, c_prev), (h, c), _lstm_cell_rule,
                  replay=lstm_cell, save_outputs=False)
    return h, c


def per_slot(x, count):
    """The (N, X) slices of a (count, N, X) array (states, steps), as one recorded op."""
    return [x.reshape(x.shape[1:])] if count == 1 else split(x, num_outputs=count, axis=0,
                                                            squeeze_axis=True)


def _zeros_like(x):
    from mxgrad.ndarray.creation import zeros
    return zeros(x.shape, ctx=x.context, dtype=x.dtype)


@gradient_rule("_rnn_lstm_cell")
def _lstm_cell_rule(saved, inputs, outputs, out_grads):
    gates, c_prev = inputs
    gh, gc = (g if g is not None else _zeros_like(c_prev) for g in out_grads)
    if is_recording():
        return _lstm_cell_vjp_ops(gates, c_prev, gh, gc)
    N, H = c_prev.shape
    ctx, code = gates.context, gates._dtype_code
    dgates = _ndarray.empty_array(ctx, gates.shape, code)
    dc_prev = _ndarray.empty_array(ctx, c_prev.shape, code)
    if N * H:
        k = family_kernel(ctx, "rnn", "lstm_cell_bwd", code)
        k.set_args(0, dgates._buffer, dc_prev._buffer, gates._buffer, gates._offset,
                   c_prev._buffer, c_prev._offset, gh._buffer, gh._offset, gc._buffer,
                   gc._offset, N * H, H)
        ctx.state.launch_1d(k, N * H)
    return dgates, dc_prev


def _lstm_cell_vjp_ops(gates, c_prev, gh, gc):
    """The backward kernel's formula in differentiable ops (for higher-order gradients)."""
    sig, tanh = OPS["sigmoid"], OPS["tanh"]
    ai, af, ag, ao = split(gates, num_outputs=4, axis=1)
    i, f, g, o = sig(ai), sig(af), tanh(ag), sig(ao)
    tc = tanh(f * c_prev + i * g)
    dc = gc + gh * o * (1 - tc * tc)
    dgates = concat(dc * g * i * (1 - i), dc * c_prev * f * (1 - f), dc * i * (1 - g * g),
                    gh * tc * o * (1 - o), dim=1)
    return dgates, dc * f


def gru_cell(xp, hh, h_prev):
    """h of one GRU step from contiguous (N, 3H) projections ``xp``, ``hh`` and ``h_prev``."""
    N, H = h_prev.shape
    ctx, code = xp.context, xp._dtype_code
    h = _ndarray.empty_array(ctx, (N, H), code)
    if N * H:
        k = family_kernel(ctx, "rnn", "gru_cell_fwd", code)
        k.set_args(0, h._buffer, xp._buffer, xp._offset, hh._buffer, hh._offset,
                   h_prev._buffer, h_prev._offset, N * H, H)
        ctx.state.launch_1d(k, N * H)
    if is_recording():
        record_op("_rnn_gru_cell", (xp, hh, h_prev), (h,), _gru_cell_rule, replay=gru_cell,
                  save_outputs=False)
    return h


@gradient_rule("_rnn_gru_cell")
def _gru_cell_rule(saved, inputs, outputs, out_grads):
    xp, hh, h_prev = inputs
    gh = out_grads[0]
    if is_recording():
        return _gru_cell_vjp_ops(xp, hh, h_prev, gh)
    N, H = h_prev.shape
    ctx, code = xp.context, xp._dtype_code
    dxp = _ndarray.empty_array(ctx, xp.shape, code)
    dhh = _ndarray.empty_array(ctx, hh.shape, code)
    dh_prev = _ndarray.empty_array(ctx, h_prev.shape, code)
    if N * H:
        k = family_kernel(ctx, "rnn", "gru_cell_bwd", code)
        k.set_args(0, dxp._buffer, dhh._buffer, dh_prev._buffer, xp._buffer, xp._offset,
                   hh._buffer, hh._offset, h_prev._buffer, h_prev._offset, gh._buffer,
                   gh._offset, N * H, H)
        ctx.state.launch_1d(k, N * H)
    return dxp, dhh, dh_prev


def _gru_cell_vjp_ops(xp, hh, h_prev, gh):
    """The GRU backward kernel's formula in differentiable ops."""
    sig, tanh = OPS["sigmoid"], OPS["tanh"]
    xr, xz, xn = split(xp, num_outputs=3, axis=1)
    hr, hz, hn = split(hh, num_outputs=3, axis=1)
    r, z = sig(xr + hr), sig(xz + hz)
    n = tanh(xn + r * hn)
    dan = gh * (1 - z) * (1 - n * n)
    dar = dan * hn * r * (1 - r)
    daz = gh * (h_prev - n) * z * (1 - z)
    return (concat(dar, daz, dan, dim=1), concat(dar, daz, dan * r, dim=1), gh * z)
