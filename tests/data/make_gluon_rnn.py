"""Write the MXNet 1.9.1 reference values for tests/test_gluon_rnn.py.

Run with MXNet's Python from the repository root:
``/tmp/mxref/bin/python tests/data/make_gluon_rnn.py``. For every case in ``CASES`` it builds
the cell or layer (``build``, shared with the test, which builds the same on mxgrad), gives
it random parameters, runs ``run_case`` (also shared) under ``autograd.record(train_mode=
False)`` and saves, with ``mx.nd.save`` into ``gluon_rnn.nd``, for each case ``<case>/...``:
the parameters under their ``save_parameters`` names (``param/<name>``), the inputs, head
weights, and MXNet's outputs and gradients (``res/<name>``). The fused layers are also saved
with ``save_parameters`` as ``gluon_rnn_<case>.params`` for two cases, which mxgrad loads;
``gluon_rnn_strings.json`` holds each block's repr, Parameter names and shapes, before and
after the first pass.
"""
import json
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
T, N, C, H = 3, 2, 3, 4


def build(mx, case):
    """The block of ``case``, named the same on MXNet and mxgrad."""
    rnn = mx.gluon.rnn
    if case == "rnn_tanh_ntc":
        return rnn.RNNCell(H, prefix="c_")
    if case == "rnn_relu_tnc_list":
        return rnn.RNNCell(H, activation="relu", input_size=C, prefix="c_")
    if case == "rnn_leaky":
        return rnn.RNNCell(H, activation=mx.gluon.nn.LeakyReLU(0.1), prefix="c_")
    if case == "rnn_softrelu":
        return rnn.RNNCell(H, activation="softrelu", prefix="c_")
    if case in ("lstm_ntc", "lstm_valid", "lstm_list"):
        return rnn.LSTMCell(H, prefix="c_")
    if case == "lstm_acts":
        return rnn.LSTMCell(H, activation="relu", recurrent_activation="softsign", prefix="c_")
    if case == "gru_tnc_valid":
        return rnn.GRUCell(H, prefix="c_")
    if case in ("seq_valid", "seq_step"):
        stack = (rnn.SequentialRNNCell if case == "seq_valid"
                 else rnn.HybridSequentialRNNCell)(prefix="s_")
        with stack.name_scope():
            stack.add(rnn.LSTMCell(H))
            stack.add(rnn.DropoutCell(0.5))
            stack.add(rnn.ResidualCell(rnn.GRUCell(H)))
            stack.add(rnn.ZoneoutCell(rnn.RNNCell(H), 0.3, 0.3))
        return stack
    if case.startswith("bi_"):
        return rnn.BidirectionalCell(rnn.LSTMCell(H, prefix="l_"), rnn.GRUCell(H, prefix="r_"))
    if case == "residual_valid":
        return rnn.ResidualCell(rnn.GRUCell(C, prefix="c_"))
    if case == "lstm_layer_bi2":
        return rnn.LSTM(H, num_layers=2, bidirectional=True, prefix="net_")
    if case == "gru_layer_ntc":
        return rnn.GRU(H, layout="NTC", prefix="net_")
    if case == "rnn_layer_relu2":
        return rnn.RNN(H, num_layers=2, layout="NTC", dropout=0.5, prefix="net_")
    if case == "rnn_layer_tanh_bi":
        return rnn.RNN(H, activation="tanh", bidirectional=True, input_size=C, prefix="net_")
    if case == "lstm_layer_proj":
        return rnn.LSTM(H, num_layers=2, projection_size=2, bidirectional=True, prefix="net_")
    raise KeyError(case)


# case: how it runs: "unroll" (layout, merge_outputs, begin states?, valid_length?, list
# inputs?), "step" (calls step by step), "layer" (layout, states?); "grads": False where
# MXNet's CPU has no backward (an LSTM with a projection). No case clips the LSTM state:
# MXNet's CPU RNN ignores the clip (the test compares that layer with mx.nd.RNN instead).
CASES = {
    "rnn_tanh_ntc": dict(run="unroll", layout="NTC", merge=True, begin=True),
    "rnn_relu_tnc_list": dict(run="unroll", layout="TNC", merge=False, list_inputs=True),
    "rnn_leaky": dict(run="step", begin=True),   # MXNet cannot unroll it (see the test),
    "rnn_softrelu": dict(run="unroll", layout="TNC", merge=True),
    "lstm_ntc": dict(run="unroll", layout="NTC", merge=True, begin=True),
    "lstm_valid": dict(run="unroll", layout="NTC", merge=None, valid=True, begin=True),
    "lstm_list": dict(run="unroll", layout="NTC", merge=None, list_inputs=True),
    "lstm_acts": dict(run="unroll", layout="TNC", merge=False, begin=True),
    "gru_tnc_valid": dict(run="unroll", layout="TNC", merge=False, valid=True),
    "seq_valid": dict(run="unroll", layout="NTC", merge=True, valid=True, begin=True),
    "seq_step": dict(run="step", begin=True),
    "bi_ntc_valid": dict(run="unroll", layout="NTC", merge=True, valid=True, begin=True),
    "bi_tnc_list": dict(run="unroll", layout="TNC", merge=False, list_inputs=True),
    "bi_tnc_none_valid": dict(run="unroll", layout="TNC", merge=None, valid=True),
    "residual_valid": dict(run="unroll", layout="NTC", merge=False, valid=True, begin=True),
    "lstm_layer_bi2": dict(run="layer", layout="TNC", begin=True),
    "gru_layer_ntc": dict(run="layer", layout="NTC"),
    "rnn_layer_relu2": dict(run="layer", layout="NTC", begin=True),
    "rnn_layer_tanh_bi": dict(run="layer", layout="TNC"),
    "lstm_layer_proj": dict(run="layer", layout="TNC", begin=True, grads=False),
}
SAVED_LAYERS = ("rnn_layer_relu2", "lstm_layer_proj")


def input_shape(spec):
    return (T, N, C) if spec.get("layout") == "TNC" else (N, T, C)


def state_shapes(block, batch_size):
    return [info["shape"] for info in block.state_info(batch_size)]


def make_arrays(rng, block, spec):
    """Random inputs for ``spec`` (NumPy), with the state shapes from ``block``."""
    arrays = {"x": rng.uniform(-1, 1, input_shape(spec)).astype(np.float32)}
    if spec.get("begin"):
        for i, shape in enumerate(state_shapes(block, N)):
            arrays[f"state{i}"] = rng.uniform(-1, 1, shape).astype(np.float32)
    if spec.get("valid"):
        arrays["valid_length"] = np.array([2, 3], np.float32)
    return arrays


def run_case(mx, block, spec, arrays, rng_weights):
    """Run ``block`` on ``arrays`` as ``spec`` says, under record(train_mode=False); return
    {name: NumPy array}: outputs, states and (unless spec["grads"] is False) the gradients
    of sum(outputs * w) + sum(states * w) w.r.t. the inputs, the states and every Parameter
    (``d_param/<save_parameters name>``)."""
    x = mx.nd.array(arrays["x"])
    x.attach_grad()
    n_states = len([k for k in arrays if k.startswith("state")])
    states = [mx.nd.array(arrays[f"state{i}"]) for i in range(n_states)] or None
    for s in states or []:
        s.attach_grad()
    valid = mx.nd.array(arrays["valid_length"]) if "valid_length" in arrays else None
    grads = spec.get("grads", True)
    # without gradients nothing is recorded (MXNet's CPU LSTM with a projection refuses to)
    with mx.autograd.record(train_mode=False) if grads else mx.autograd.predict_mode():
        if spec["run"] == "unroll":
            inputs = x
            if spec.get("list_inputs"):
                inputs = list(mx.nd.split(x, axis=spec["layout"].find("T"), num_outputs=T,
                                          squeeze_axis=True))
            outs, new_states = block.unroll(T, inputs, begin_state=states,
                                            layout=spec["layout"],
                                            merge_outputs=spec.get("merge"),
                                            valid_length=valid)
        elif spec["run"] == "step":
            if not isinstance(getattr(block, "_activation", None), mx.gluon.Block):
                block.reset()           # MXNet's reset fails on a Block activation
            new_states, outs = states, []
            for step in mx.nd.split(x, axis=1, num_outputs=T, squeeze_axis=True):
                out, new_states = block(step, new_states)
                outs.append(out)
        else:
            res = block(x, states) if states is not None else block(x)
            outs, new_states = res if states is not None else (res, [])
        outs = outs if isinstance(outs, list) else [outs]
        heads = list(outs) + list(new_states)
        weights = [mx.nd.array(rng_weights.uniform(0.5, 1.5, h.shape).astype(np.float32))
                   for h in heads]
        loss = mx.nd.add_n(*[(h * w).sum() for h, w in zip(heads, weights)])
    result = {f"out{i}": o.asnumpy() for i, o in enumerate(outs)}
    result.update({f"new_state{i}": s.asnumpy() for i, s in enumerate(new_states)})
    if grads:
        loss.backward()
        result["d_x"] = x.grad.asnumpy()
        for i, s in enumerate(states or []):
            result[f"d_state{i}"] = s.grad.asnumpy()
        for key, p in block._collect_params_with_prefix().items():
            if p.grad_req != "null":
                result[f"d_param/{key}"] = p.grad().asnumpy()
    return result


def describe(block):
    """What the test compares as text: the repr and the Parameter names and shapes."""
    return {"repr": repr(block),
            "params": [[k, list(p.shape)] for k, p in block.collect_params().items()],
            "saved_names": sorted(block._collect_params_with_prefix())}


def main():
    import mxnet as mx
    rng = np.random.RandomState(14)
    saved, strings = {}, {}
    for case, spec in CASES.items():
        block = build(mx, case)
        strings[case] = {"before": describe(block)}
        arrays = make_arrays(rng, block, spec)
        block.initialize(mx.init.Uniform(0.5))
        # finish deferred initialization with one pass, then give every Parameter a value
        # drawn here (so the file does not depend on MXNet's generator)
        run_case(mx, block, dict(spec, grads=False), arrays, np.random.RandomState(0))
        for key, p in sorted(block._collect_params_with_prefix().items()):
            p.set_data(mx.nd.array(rng.uniform(-0.5, 0.5, p.shape).astype(np.float32)))
            saved[f"{case}/param/{key}"] = p.data().copy()
        strings[case]["after"] = describe(block)
        if case in SAVED_LAYERS:
            block.save_parameters(os.path.join(HERE, f"gluon_rnn_{case}.params"))
        for name, value in arrays.items():
            saved[f"{case}/in/{name}"] = mx.nd.array(value)
        res = run_case(mx, block, spec, arrays, np.random.RandomState(1))
        for name, value in res.items():
            saved[f"{case}/res/{name}"] = mx.nd.array(value)
    mx.nd.save(os.path.join(HERE, "gluon_rnn.nd"), saved)
    with open(os.path.join(HERE, "gluon_rnn_strings.json"), "w") as f:
        f.write("{\n" + ",\n".join(f"{json.dumps(case)}: {json.dumps(s, sort_keys=True)}"
                                   for case, s in sorted(strings.items())) + "\n}\n")


if __name__ == "__main__":
    main()
