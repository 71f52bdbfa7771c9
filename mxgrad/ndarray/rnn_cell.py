"""The LSTM cell of ``mx.nd.RNN`` as one kernel each way (kernels_cl/rnn.cl).

``lstm_cell(gates, c_prev)`` turns the (N, 4H) gate pre-activations (i, f, g, o) and the
previous cell state into (h, c) in one launch, where the composition of ops takes a split
(four copies) and a fused elementwise kernel. Its gradient rule runs the backward kernel, or,
while a gradient is itself being recorded (``create_graph=True``), the same formula in
differentiable ops, so higher orders work.
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
