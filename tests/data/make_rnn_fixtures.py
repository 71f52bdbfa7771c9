"""Write the MXNet 1.9.1 reference values for tests/test_ops_rnn.py.

Run with an MXNet 1.9.1 interpreter from the repository root:
``/tmp/mxref/bin/python tests/data/make_rnn_fixtures.py``. It saves, with ``mx.nd.save``:

* ``rnn_fixtures.nd``: for each case ``<case>/<name>``: the inputs (data, parameters, state,
  state_cell, sequence_length), the weights of a weighted sum of the outputs, MXNet's
  outputs (out, hN, cN) and the gradients of that sum w.r.t. data, parameters and states.
  ``<case>/config`` holds the op's settings as numbers (see ``CONFIG_KEYS``).
* ``rnn_gluon_<mode>.params``: a 2-layer bidirectional gluon.rnn.LSTM / GRU saved with
  ``save_parameters``, and ``rnn_gluon_<mode>.nd`` its input, initial states and outputs.

MXNet's CPU RNN ignores ``sequence_length`` (only its cuDNN path reads it), so the
``use_sequence_length`` cases are built from MXNet runs of each batch element's valid steps
alone: outputs past the length are zero and the final states are those at the last valid
step, which is what cuDNN (and mxgrad) compute.
"""
import os

import mxnet as mx
import numpy as np

MODES = ("rnn_relu", "rnn_tanh", "lstm", "gru")
GATES = {"rnn_relu": 1, "rnn_tanh": 1, "lstm": 4, "gru": 3}
CONFIG_KEYS = ("mode", "num_layers", "bidirectional", "state_size", "projection_size",
               "use_sequence_length")
HERE = os.path.dirname(os.path.abspath(__file__))


def param_count(mode, I, H, L, D, P=None):
    G, R = GATES[mode], (P or H)
    n = 0
    for layer in range(L):
        inp = I if layer == 0 else D * R
        n += D * (G * H * inp + G * H * R + (H * R if P else 0) + 2 * G * H)
    return n


def run(mode, x, params, h0, c0, wo, wh, wc, H, L, bi, P=None):
    """MXNet's outputs and the gradients of sum(out*wo) + sum(hN*wh) [+ sum(cN*wc)]
    (outputs only with a projection: MXNet's CPU RNN has no backward for it)."""
    args = [x, params, h0] + ([c0] if mode == "lstm" else [])
    kw = dict(state_size=H, num_layers=L, bidirectional=bi, mode=mode, state_outputs=True)
    if P:
        outs = mx.nd.RNN(*args, projection_size=P, **kw)
        return {"out": outs[0].copy(), "hN": outs[1].copy(), "cN": outs[2].copy()}
    for a in args:
        a.attach_grad()
    with mx.autograd.record():
        outs = mx.nd.RNN(*args, **kw)
        loss = (outs[0] * wo).sum() + (outs[1] * wh).sum()
        if mode == "lstm":
            loss = loss + (outs[2] * wc).sum()
    loss.backward()
    res = {"out": outs[0], "hN": outs[1], "d_data": x.grad, "d_parameters": params.grad,
           "d_state": h0.grad}
    if mode == "lstm":
        res.update(cN=outs[2], d_state_cell=c0.grad)
    return {k: v.copy() for k, v in res.items()}


def run_lengths(mode, x, params, h0, c0, wo, wh, wc, H, L, bi, lengths):
    """The use_sequence_length reference: each batch element run alone on its valid steps."""
    T, N = x.shape[:2]
    res = {"out": np.zeros(wo.shape, np.float32), "hN": np.zeros(h0.shape, np.float32),
           "d_data": np.zeros(x.shape, np.float32),
           "d_parameters": np.zeros(params.shape, np.float32),
           "d_state": np.zeros(h0.shape, np.float32)}
    if mode == "lstm":
        res.update(cN=np.zeros(h0.shape, np.float32), d_state_cell=np.zeros(h0.shape, np.float32))
    for b, n in enumerate(lengths):
        one = run(mode, x[:n, b:b + 1].copy(), params.copy(), h0[:, b:b + 1].copy(),
                  c0[:, b:b + 1].copy(), wo[:n, b:b + 1], wh[:, b:b + 1], wc[:, b:b + 1],
                  H, L, bi)
        res["out"][:n, b:b + 1] = one["out"].asnumpy()
        res["d_data"][:n, b:b + 1] = one["d_data"].asnumpy()
        res["d_parameters"] += one["d_parameters"].asnumpy()
        for k in ("hN", "d_state") + (("cN", "d_state_cell") if mode == "lstm" else ()):
            res[k][:, b:b + 1] = one[k].asnumpy()
    return {k: mx.nd.array(v) for k, v in res.items()}


def make_case(rng, mode, bi, T=3, N=2, I=3, H=4, L=2, P=None, lengths=None):
    D = 2 if bi else 1
    R = P or H
    arr = lambda *shape, s=1.0: mx.nd.array(rng.uniform(-s, s, shape).astype(np.float32))
    x, params = arr(T, N, I), arr(param_count(mode, I, H, L, D, P), s=0.5)
    h0, c0 = arr(L * D, N, R), arr(L * D, N, H)
    wo, wh, wc = arr(T, N, D * R), arr(L * D, N, R), arr(L * D, N, H)
    inputs = {"data": x.copy(), "parameters": params.copy(), "state": h0.copy(),
              "w_out": wo, "w_hN": wh}
    if mode == "lstm":
        inputs.update(state_cell=c0.copy(), w_cN=wc)
    if lengths is None:
        res = run(mode, x, params, h0, c0, wo, wh, wc, H, L, bi, P)
    else:
        res = run_lengths(mode, x, params, h0, c0, wo, wh, wc, H, L, bi, lengths)
        inputs["sequence_length"] = mx.nd.array(lengths, dtype="int32")
    config = [MODES.index(mode), L, int(bi), H, P or 0, int(lengths is not None)]
    inputs["config"] = mx.nd.array(config, dtype="int32")
    inputs.update(res)
    return inputs


def gluon_case(rng, mode, T=3, N=2, I=3, H=4, L=2):
    """A gluon LSTM/GRU with random weights: its .params file and its outputs."""
    layer = (mx.gluon.rnn.LSTM if mode == "lstm" else mx.gluon.rnn.GRU)(
        H, num_layers=L, bidirectional=True, input_size=I)
    layer.initialize(mx.init.Uniform(0.5))
    x = mx.nd.array(rng.uniform(-1, 1, (T, N, I)).astype(np.float32))
    states = [mx.nd.array(rng.uniform(-1, 1, (2 * L, N, H)).astype(np.float32))
              for _ in range(2 if mode == "lstm" else 1)]
    out, new_states = layer(x, states)
    layer.save_parameters(os.path.join(HERE, f"rnn_gluon_{mode}.params"))
    saved = {"data": x, "out": out}
    for i, (s, n) in enumerate(zip(states, new_states)):
        saved[f"state{i}"], saved[f"new_state{i}"] = s, n
    mx.nd.save(os.path.join(HERE, f"rnn_gluon_{mode}.nd"), saved)


def main():
    rng = np.random.RandomState(13)
    cases = {}
    for mode in MODES:
        for bi in (False, True):
            cases[f"{mode}_bi{int(bi)}"] = make_case(rng, mode, bi)
    cases["lstm_bi1_len"] = make_case(rng, "lstm", True, N=3, lengths=[3, 1, 2])
    cases["gru_bi0_len"] = make_case(rng, "gru", False, N=3, lengths=[2, 3, 1])
    cases["rnn_tanh_bi1_len"] = make_case(rng, "rnn_tanh", True, N=3, lengths=[1, 3, 2])
    cases["lstm_bi1_proj"] = make_case(rng, "lstm", True, H=4, P=2)
    flat = {f"{case}/{name}": v for case, d in cases.items() for name, v in d.items()}
    mx.nd.save(os.path.join(HERE, "rnn_fixtures.nd"), flat)
    for mode in ("lstm", "gru"):
        gluon_case(rng, mode)


if __name__ == "__main__":
    main()
