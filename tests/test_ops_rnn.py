"""mx.nd.RNN: values and gradients against MXNet 1.9.1, finite differences, misuse errors.

The reference values come from tests/data/make_rnn_fixtures.py, run on MXNet 1.9.1.
"""
import os

import numpy as np
import pytest

import mxgrad as mx
from mxgrad.base import MXNetError
from gradcheck import check_gradients

DATA = os.path.join(os.path.dirname(__file__), "data")
MODES = ("rnn_relu", "rnn_tanh", "lstm", "gru")       # the order of make_rnn_fixtures.MODES
GATES = {"rnn_relu": 1, "rnn_tanh": 1, "lstm": 4, "gru": 3}


def _fixtures():
    flat = mx.nd.load(os.path.join(DATA, "rnn_fixtures.nd"))
    cases = {}
    for key, value in flat.items():
        case, name = key.split("/")
        cases.setdefault(case, {})[name] = value.asnumpy()
    return cases


FIXTURES = _fixtures()


def _run(case, ctx, record_grads):
    """mxgrad's outputs and gradients of the fixture's weighted sum."""
    c = FIXTURES[case]
    mode_i, L, bi, H, P, use_len = (int(v) for v in c["config"])
    mode = MODES[mode_i]
    names = ["data", "parameters", "state"] + (["state_cell"] if mode == "lstm" else [])
    args = {n: mx.nd.array(c[n], ctx=ctx) for n in names}
    for a in args.values():
        a.attach_grad()
    kw = dict(state_size=H, num_layers=L, bidirectional=bool(bi), mode=mode,
              state_outputs=True, projection_size=P or None)
    if use_len:
        kw.update(sequence_length=mx.nd.array(c["sequence_length"], ctx=ctx, dtype="int32"),
                  use_sequence_length=True)
    with mx.autograd.record():
        outs = mx.nd.RNN(**args, **kw)
        heads = ["out", "hN"] + (["cN"] if mode == "lstm" else [])
        loss = sum((o * mx.nd.array(c["w_" + h], ctx=ctx)).sum() for o, h in zip(outs, heads))
    if record_grads:
        loss.backward()
    return c, dict(zip(heads, outs)), args


@pytest.mark.parametrize("case", sorted(FIXTURES))
def test_values_and_gradients_match_mxnet(ctx, case):
    c, outs, args = _run(case, ctx, record_grads="d_data" in FIXTURES[case])
    for name, value in outs.items():
        np.testing.assert_allclose(value.asnumpy(), c[name], rtol=1e-5, atol=1e-5,
                                   err_msg=f"{case} {name}")
    if "d_data" not in c:          # projection: MXNet's CPU RNN has no backward for it
        return
    for name, a in args.items():
        np.testing.assert_allclose(a.grad.asnumpy(), c["d_" + name], rtol=1e-4, atol=1e-5,
                                   err_msg=f"{case} d_{name}")


@pytest.mark.parametrize("mode", ["gru", "lstm"])
def test_recorded_graph_replays(ctx, mode):
    """get_symbol(...).eval recomputes the layer from new inputs."""
    c = FIXTURES[f"{mode}_bi1"]
    names = ("data", "parameters", "state") + (("state_cell",) if mode == "lstm" else ())
    args = [mx.nd.array(c[n], ctx=ctx) for n in names]
    for a in args:
        a.attach_grad()
    kw = dict(state_size=4, num_layers=2, bidirectional=True, mode=mode)
    with mx.autograd.record():
        out = mx.nd.RNN(*args, **kw)
    sym = mx.autograd.get_symbol(out)
    new = [a * 0.5 for a in args]
    got = sym.eval(ctx=ctx, **dict(zip(sym.list_arguments(), new)))[0]
    np.testing.assert_allclose(got.asnumpy(), mx.nd.RNN(*new, **kw).asnumpy(), rtol=1e-6)


def test_sequence_length_zeros_outputs_past_the_length(ctx):
    c, outs, _ = _run("lstm_bi1_len", ctx, record_grads=False)
    out = outs["out"].asnumpy()
    for b, n in enumerate(c["sequence_length"]):
        assert np.all(out[int(n):, b] == 0)
        assert np.all(out[:int(n), b] != 0)


def _gluon_flat(mode, L=2):
    """A gluon layer's .params reassembled into the flat layout (weights, then biases);
    MXNet 1.9.1's save_parameters names them after the layer's unfused cells."""
    params = mx.nd.load(os.path.join(DATA, f"rnn_gluon_{mode}.params"))
    order = [f"_unfused.{layer}.{d}_cell.{g}_{t}" for t in ("weight", "bias")
             for layer in range(L) for d in ("l", "r") for g in ("i2h", "h2h")]
    assert sorted(order) == sorted(params)
    return mx.nd.concat(*[params[k].reshape((-1,)) for k in order], dim=0)


@pytest.mark.parametrize("mode", ["lstm", "gru"])
def test_gluon_trained_weights_give_mxnets_outputs(ctx, mode):
    ref = mx.nd.load(os.path.join(DATA, f"rnn_gluon_{mode}.nd"))
    flat = _gluon_flat(mode).as_in_context(ctx)
    states = [ref[f"state{i}"].as_in_context(ctx) for i in range(2 if mode == "lstm" else 1)]
    H = states[0].shape[2]
    outs = mx.nd.RNN(ref["data"].as_in_context(ctx), flat, *states, state_size=H,
                     num_layers=2, bidirectional=True, mode=mode, state_outputs=True)
    np.testing.assert_allclose(outs[0].asnumpy(), ref["out"].asnumpy(), rtol=1e-5, atol=1e-5)
    for i in range(len(states)):
        np.testing.assert_allclose(outs[1 + i].asnumpy(), ref[f"new_state{i}"].asnumpy(),
                                   rtol=1e-5, atol=1e-5)


# --- finite differences -------------------------------------------------------------------
def _tiny(mode, bidirectional=False, T=2, N=1, I=1, H=2, L=1, **extra):
    D = 2 if bidirectional else 1
    G = GATES[mode]
    n = sum(D * (G * H * (I if layer == 0 else D * H) + G * H * H + 2 * G * H)
            for layer in range(L))
    rng = np.random.RandomState(5)
    xs = [rng.uniform(-1, 1, (T, N, I)), rng.uniform(-0.6, 0.6, (n,)),
          rng.uniform(-1, 1, (L * D, N, H))]
    if mode == "lstm":
        xs.append(rng.uniform(-1, 1, (L * D, N, H)))

    def fn(*a):
        outs = mx.nd.RNN(*a, state_size=H, num_layers=L, bidirectional=bidirectional,
                         mode=mode, state_outputs=True, **extra)
        return mx.nd.concat(*[o.reshape((-1,)) for o in outs], dim=0)
    return fn, xs


# the fused LSTM direction (rnn_lstm.py) forward and backward, stacked, both ways, one step
LSTM_CASES = {"lstm-bi": dict(bidirectional=True), "lstm-2layer": dict(L=2, T=3),
              "lstm-T1": dict(T=1, N=2)}


@pytest.mark.parametrize("mode", MODES + ("lstm-clip",) + tuple(LSTM_CASES))
def test_gradients_first_and_second_order(ctx, fp64, mode):
    if mode == "lstm-clip":        # the ops path of the cell: step 0 clipped, step 1 not
        fn, xs = _tiny("lstm", lstm_state_clip_min=-0.25, lstm_state_clip_max=0.3)
    elif mode in LSTM_CASES:
        fn, xs = _tiny("lstm", **LSTM_CASES[mode])
    else:
        fn, xs = _tiny(mode, bidirectional=(mode == "gru"))
    if mode == "rnn_relu":            # away from relu's kink: the differences straddle none
        xs[1] = np.abs(xs[1])
    check_gradients(fn, xs, ctx, order=2)


@pytest.mark.parametrize("mode", ["lstm", "gru"])
def test_cell_kernel_and_op_gradients_agree(ctx, mode):
    """The fused LSTM direction's and the GRU cell's backward kernels (plain backward) and
    their formulas in ops (taken while create_graph records) give the same gradients."""
    c = FIXTURES[f"{mode}_bi1"]
    names = ("data", "parameters", "state") + (("state_cell",) if mode == "lstm" else ())
    args = [mx.nd.array(c[n], ctx=ctx) for n in names]
    for a in args:
        a.attach_grad()
    kw = dict(state_size=4, num_layers=2, bidirectional=True, mode=mode, state_outputs=True)
    results = []
    for create_graph in (False, True):
        with mx.autograd.record():
            outs = mx.nd.RNN(*args, **kw)
            heads = [outs[0], outs[-1]]
            grads = mx.autograd.grad(heads, args, head_grads=[outs[0] * 0 + 1,
                                                              outs[-1] * 0 + 0.5],
                                     create_graph=create_graph)
        results.append([g.asnumpy() for g in grads])
    for plain, recorded in zip(*results):
        np.testing.assert_allclose(plain, recorded, rtol=1e-5, atol=1e-6)


def _lstm_step_args(ctx, T=3, N=2, I=2, H=3, D=1):
    rng = np.random.RandomState(11)
    n = D * (4 * H * I + 4 * H * H + 8 * H)
    shapes = [(T, N, I), (n,), (D, N, H), (D, N, H)]
    return [mx.nd.array(rng.uniform(-1, 1, s), ctx=ctx) for s in shapes], H


def _lstm_grads(args, want, **kw):
    """Outputs of an LSTM layer (state_outputs) and the gradients of a weighted sum of
    them w.r.t. the arguments named in ``want`` (indices)."""
    args = [a.copy() for a in args]
    for k in want:
        args[k].attach_grad()
    with mx.autograd.record():
        outs = mx.nd.RNN(*args, num_layers=1, mode="lstm", state_outputs=True, **kw)
        loss = sum((o * mx.nd.array(np.arange(o.size).reshape(o.shape) * 0.1 + k, ctx=o.context,
                                    dtype=o.dtype)).sum() for k, o in enumerate(outs))
    loss.backward()
    return [o.asnumpy() for o in outs], [args[k].grad.asnumpy() for k in want]


def _host_recurrence(ctx, dtype="float32"):
    """Whether the fused LSTM direction runs its recurrence on the host on ctx (where GEMMs
    run on the host BLAS)."""
    from mxgrad import _gemm
    from mxgrad.base import dtype_code
    a = mx.nd.zeros((1,), ctx=ctx, dtype=dtype)
    return _gemm.lstm_host_ready(ctx, dtype_code(dtype), a)


@pytest.fixture(params=[True, False], ids=["host", "kernels"])
def recurrence(request, monkeypatch):
    """Both ways of running the fused direction's recurrence: on the host where the device
    allows it, and per-step kernels (everywhere)."""
    from mxgrad.ndarray import rnn_lstm
    monkeypatch.setattr(rnn_lstm, "HOST_RECURRENCE", request.param)
    return request.param


def test_lstm_runs_as_one_op_per_direction(ctx, recurrence):
    """A plain LSTM layer takes the fused direction: per step one cell kernel each way (or,
    where the recurrence runs on the host, one native kernel per compute unit each way), no
    per-step copies (splits, stacks), no per-step cell op of the composed path."""
    from launches import traced
    T = 3
    args, H = _lstm_step_args(ctx, T=T)
    args[1].attach_grad()

    def step():
        with mx.autograd.record():
            out = mx.nd.RNN(*args, state_size=H, num_layers=1, mode="lstm")
            loss = out.sum()
        forward = len(ctx.state.trace)
        loss.backward()
        return forward
    forward, trace = traced(ctx, step)
    host = recurrence and _host_recurrence(ctx)
    steps = 0 if host else T
    assert trace.count("lstm_seq_fwd") == steps and trace.count("lstm_seq_bwd") == steps
    assert ("lstm_host_forward" in trace[:forward]) == host
    assert ("lstm_host_backward" in trace[forward:]) == host
    assert "lstm_cell_fwd" not in trace and "lstm_cell_bwd" not in trace
    assert "strided_copy" not in trace[:forward]


def _both_recurrences(ctx, dtype, fn):
    """fn()'s result with the recurrence on the host (checked to run there where the device
    allows it) and with the per-step kernels (checked to run those)."""
    from launches import traced
    from mxgrad.ndarray import rnn_lstm
    results = []
    for host in (True, False):
        rnn_lstm.HOST_RECURRENCE = host
        try:
            result, trace = traced(ctx, fn)
        finally:
            rnn_lstm.HOST_RECURRENCE = True
        on_host = host and _host_recurrence(ctx, dtype)
        assert ("lstm_host_forward" in trace) == on_host
        assert ("lstm_seq_fwd" in trace) == (not on_host)
        results.append(result)
    return results


@pytest.mark.parametrize("shape", [dict(T=4, N=3, I=2, H=5), dict(T=1, N=1, I=3, H=2),
                                   dict(T=3, N=5, I=2, H=3, D=2), dict(T=2, N=19, I=3, H=20),
                                   dict(T=2, N=27, I=3, H=20), dict(T=2, N=30, I=4, H=33)],
                         ids=["T4", "T1", "bi", "tiles", "rows-7", "rows-8"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_host_recurrence_agrees_with_the_kernels(ctx, shape, dtype):
    """The recurrence on the host and the per-step kernels give the same outputs, states
    and gradients (float32 within rounding), also with odd batches split across units, where
    only some inputs want a gradient, and with whole and partial tiles of the host's packed
    float32 product (16 columns, 8 rows; blocks of 5, 7 and 8 rows leave 4, 2 and 1 rows to
    the smaller tiles); on devices without the host path both runs take the kernels."""
    if dtype == "float64" and not ctx.state.has_fp64:
        pytest.skip(f"{ctx} has no float64")
    args, H = _lstm_step_args(ctx, **shape)
    args = [a.astype(dtype) for a in args]
    kw = dict(state_size=H, bidirectional=shape.get("D", 1) == 2)
    eps = 1e-6 if dtype == "float32" else 1e-13   # of the largest element: sums cancel
    for want in ((0, 1, 2, 3), (1, 3)):
        results = _both_recurrences(ctx, dtype, lambda: _lstm_grads(args, want, **kw))
        for a, b in zip(results[0][0] + results[0][1], results[1][0] + results[1][1]):
            assert a.dtype == np.dtype(dtype)
            np.testing.assert_allclose(a, b, rtol=10 * eps, atol=eps * np.abs(b).max())


def test_host_recurrence_saturates_and_keeps_nan_like_the_kernels(ctx):
    """Inputs far out in the sigmoids' and tanh's tails (where the host's float32 exp clamps
    its argument) and a NaN in one sequence give the kernels' values: NaN in that
    sequence's outputs only."""
    args, H = _lstm_step_args(ctx, T=3, N=3)
    x = args[0].asnumpy()
    x[:, 0] *= 1e4
    x[1, 1, 0] = np.nan
    args[0] = mx.nd.array(x, ctx=ctx)
    results = _both_recurrences(ctx, "float32", lambda: [
        o.asnumpy() for o in mx.nd.RNN(*args, state_size=H, num_layers=1, mode="lstm",
                                       state_outputs=True)])
    out = results[0][0]
    assert np.isnan(out[1:, 1]).all() and not np.isnan(np.delete(out, 1, axis=1)).any()
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("fallback", ["clip", "sequence_length", "projection"])
def test_lstm_fallbacks_keep_the_composed_path(ctx, fallback):
    """State clipping, sequence lengths and projections run the composed path; with a clip
    that never bites and full lengths it gives the fused path's values and gradients,
    also where only some inputs want a gradient."""
    from launches import traced
    args, H = _lstm_step_args(ctx)
    T, N = args[0].shape[:2]
    extra = {"clip": dict(lstm_state_clip_min=-1e6, lstm_state_clip_max=1e6),
             "sequence_length": dict(sequence_length=mx.nd.array([T] * N, ctx=ctx),
                                     use_sequence_length=True),
             "projection": dict(projection_size=2)}[fallback]
    if fallback == "projection":      # W_h2r (R, H) after the weights; h is (N, R)
        args[1] = mx.nd.concat(args[1][:4 * H * 2 + 4 * H * 2], mx.nd.ones((2 * H,), ctx=ctx),
                               args[1][-8 * H:], dim=0)
        args[2] = args[2][:, :, :2]
    _, trace = traced(ctx, lambda: mx.nd.RNN(*args, state_size=H, num_layers=1, mode="lstm",
                                             **extra).wait_to_read())
    assert "lstm_seq_fwd" not in trace
    if fallback == "projection":
        return                   # no fused counterpart; its values are checked against MXNet
    for want in ((0, 1, 2, 3), (1,)):
        fused = _lstm_grads(args, want, state_size=H)
        composed = _lstm_grads(args, want, state_size=H, **extra)
        for a, b in zip(fused[0] + fused[1], composed[0] + composed[1]):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("mode", ["lstm", "gru"])
def test_float16_runs_close_to_float32(ctx, mode):
    c = FIXTURES[f"{mode}_bi0"]
    names = ("data", "parameters", "state") + (("state_cell",) if mode == "lstm" else ())
    args = [c[n] for n in names]
    kw = dict(state_size=4, num_layers=2, mode=mode)
    full = mx.nd.RNN(*(mx.nd.array(a, ctx=ctx) for a in args), **kw).asnumpy()
    half = mx.nd.RNN(*(mx.nd.array(a, ctx=ctx, dtype="float16") for a in args), **kw)
    assert half.dtype == np.float16
    np.testing.assert_allclose(half.asnumpy(), full, atol=1e-2)


def test_lstm_state_clip_limits_the_cell(ctx):
    """The cell state clipped after every step, as cuDNN does (MXNet's CPU path ignores the
    clip, see docs/migration.md): against a NumPy LSTM."""
    T, N, I, H = 3, 2, 2, 3
    rng = np.random.RandomState(7)
    x = rng.uniform(-2, 2, (T, N, I)).astype(np.float32)
    params = rng.uniform(-1, 1, (4 * H * I + 4 * H * H + 8 * H,)).astype(np.float32)
    h0 = rng.uniform(-1, 1, (1, N, H)).astype(np.float32)
    c0 = rng.uniform(-1, 1, (1, N, H)).astype(np.float32)
    out, hN, cN = mx.nd.RNN(*(mx.nd.array(a, ctx=ctx) for a in (x, params, h0, c0)),
                            state_size=H, num_layers=1, mode="lstm", state_outputs=True,
                            lstm_state_clip_min=-0.2, lstm_state_clip_max=0.3)
    wi = params[:4 * H * I].reshape(4 * H, I)
    wh = params[4 * H * I:4 * H * (I + H)].reshape(4 * H, H)
    b = params[4 * H * (I + H):].reshape(2, 4 * H).sum(0)
    sig = lambda v: 1 / (1 + np.exp(-v))
    h, c, outs = h0[0], c0[0], []
    for t in range(T):
        i, f, g, o = np.split(x[t] @ wi.T + h @ wh.T + b, 4, axis=1)
        c = np.clip(sig(f) * c + sig(i) * np.tanh(g), -0.2, 0.3)
        h = sig(o) * np.tanh(c)
        outs.append(h)
    np.testing.assert_allclose(out.asnumpy(), np.stack(outs), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(cN.asnumpy()[0], c, rtol=1e-5, atol=1e-6)
    assert cN.asnumpy().max() <= np.float32(0.3) and cN.asnumpy().min() >= np.float32(-0.2)
    # a NaN cell state propagates, or with lstm_state_clip_nan becomes the lower bound
    x[0, 0, 0] = np.nan
    for clip_nan in (False, True):
        cN = mx.nd.RNN(*(mx.nd.array(a, ctx=ctx) for a in (x, params, h0, c0)),
                       state_size=H, num_layers=1, mode="lstm", state_outputs=True,
                       lstm_state_clip_min=-0.2, lstm_state_clip_max=0.3,
                       lstm_state_clip_nan=clip_nan)[2].asnumpy()[0]
        np.testing.assert_array_equal(cN[0], np.float32(-0.2) if clip_nan else np.nan)
        np.testing.assert_allclose(cN[1], c[1], rtol=1e-5, atol=1e-6)


def test_dropout_between_layers_only_in_train_mode(ctx):
    fn_args = dict(state_size=3, num_layers=2, mode="rnn_tanh")
    n = (3 * 2 + 3 * 3 + 6) + (3 * 3 + 3 * 3 + 6)
    rng = np.random.RandomState(1)
    x = mx.nd.array(rng.uniform(-1, 1, (4, 5, 2)), ctx=ctx)
    w = mx.nd.array(rng.uniform(-1, 1, (n,)), ctx=ctx)
    h0 = mx.nd.zeros((2, 5, 3), ctx=ctx)
    plain = mx.nd.RNN(x, w, h0, p=0.0, **fn_args).asnumpy()
    np.testing.assert_array_equal(mx.nd.RNN(x, w, h0, p=0.5, **fn_args).asnumpy(), plain)
    with mx.autograd.train_mode():
        dropped = mx.nd.RNN(x, w, h0, p=0.5, **fn_args).asnumpy()
        # one layer: nothing after the last layer is dropped
        one = dict(fn_args, num_layers=1)
        np.testing.assert_array_equal(mx.nd.RNN(x, w[:21], h0[:1], p=0.5, **one).asnumpy(),
                                      mx.nd.RNN(x, w[:21], h0[:1], **one).asnumpy())
        # p = 1 (which MXNet takes) drops every input of the second layer
        zero_in = mx.nd.RNN(x, w, h0, p=1.0, **fn_args).asnumpy()
    w_np = w.asnumpy()
    h = h0.asnumpy()[1]
    for t in range(4):      # layer 2 on zero inputs: W_h2h is w[24:33], its biases the last 6
        h = np.tanh(h @ w_np[24:33].reshape(3, 3).T + w_np[-6:-3] + w_np[-3:])
        np.testing.assert_allclose(zero_in[t], h, rtol=1e-5, atol=1e-6)
    assert not np.allclose(dropped, plain)


def test_single_output_and_out(ctx):
    args = [mx.nd.ones((2, 1, 2), ctx=ctx), mx.nd.ones((3 * 2 + 3 * 3 + 6,), ctx=ctx) * 0.1,
            mx.nd.zeros((1, 1, 3), ctx=ctx)]
    res = mx.nd.RNN(*args, state_size=3, num_layers=1, mode="rnn_tanh")
    assert isinstance(res, mx.nd.NDArray) and res.shape == (2, 1, 3)
    into = mx.nd.zeros((2, 1, 3), ctx=ctx)
    assert mx.nd.RNN(*args, state_size=3, num_layers=1, mode="rnn_tanh", out=into) is into
    assert mx.nd.RNN(*args, state_size=3, num_layers=1, mode="rnn_tanh", out=[into]) is into
    np.testing.assert_array_equal(into.asnumpy(), res.asnumpy())
    pair = [mx.nd.zeros((2, 1, 3), ctx=ctx), mx.nd.zeros((1, 1, 3), ctx=ctx)]
    got = mx.nd.RNN(*args, state_size=3, num_layers=1, mode="rnn_tanh", state_outputs=True,
                    out=pair)
    assert got[0] is pair[0] and got[1] is pair[1]
    np.testing.assert_array_equal(pair[1].asnumpy()[0], res.asnumpy()[-1])
    with pytest.raises(MXNetError, match="out must hold 2 arrays"):
        mx.nd.RNN(*args, state_size=3, num_layers=1, mode="rnn_tanh", state_outputs=True,
                  out=into)
    with pytest.raises(MXNetError, match=r"out must be \(1, 1, 3\) float32"):
        mx.nd.RNN(*args, state_size=3, num_layers=1, mode="rnn_tanh", state_outputs=True,
                  out=[into, mx.nd.zeros((2, 1, 3), ctx=ctx)])


# --- misuse ---------------------------------------------------------------------------------
def _lstm_args(ctx, n=4 * 3 * 2 + 4 * 3 * 3 + 8 * 3):
    return [mx.nd.ones((2, 1, 2), ctx=ctx), mx.nd.ones((n,), ctx=ctx),
            mx.nd.zeros((1, 1, 3), ctx=ctx), mx.nd.zeros((1, 1, 3), ctx=ctx)]


@pytest.mark.parametrize("change, message", [
    (dict(n=10), "Shape inconsistent"),
    (dict(mode="foo"), "Invalid Input"),
    (dict(mode="gru"), "state_cell is for mode 'lstm' only"),
    (dict(state_size=0), "state_size must be a positive integer"),
    (dict(num_layers=None), "num_layers must be a positive integer"),
    (dict(num_layers=2), "Shape inconsistent"),
    (dict(drop_cell=True), "state_cell is missing"),
    (dict(data=(2, 2)), "rank-3"),
    (dict(data=(0, 1, 2)), "is empty"),
    (dict(data=(2, 1, 0)), "is empty"),
    (dict(state=(2, 1, 3)), "Shape inconsistent"),
    (dict(dtype="float16"), "uniform type"),
    (dict(use_sequence_length=True), "sequence_length must be given"),
    (dict(projection_size=5), "smaller than state_size"),
    (dict(p=1.5), "dropout p"),
    (dict(bidirectonal=True), "Cannot find argument 'bidirectonal'"),
    (dict(lstm_state_clip_min=-1.0), "given together"),
])
def test_misuse_raises_before_running(ctx, change, message):
    change = dict(change)
    args = _lstm_args(ctx, **({"n": change.pop("n")} if "n" in change else {}))
    if "data" in change:
        args[0] = mx.nd.ones(change.pop("data"), ctx=ctx)
    if "state" in change:
        args[2] = mx.nd.zeros(change.pop("state"), ctx=ctx)
    if change.pop("drop_cell", False):
        args.pop()
    if "dtype" in change:
        args[2] = args[2].astype(change.pop("dtype"))
    kw = dict(state_size=3, num_layers=1, mode="lstm")
    kw.update(change)
    with pytest.raises(MXNetError, match=message):
        mx.nd.RNN(*args, **kw)
