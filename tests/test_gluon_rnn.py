"""mx.gluon.rnn against MXNet 1.9.1: cells, stacks, modifiers, bidirectional unrolls and the
fused layers, their names, reprs, saved files, outputs and gradients.

The fixtures were written by MXNet 1.9.1 (tests/data/make_gluon_rnn.py, whose ``build`` and
``run_case`` run the same code here on mxgrad): for each case its parameters, inputs,
outputs and the gradients w.r.t. inputs, states and every Parameter. Where MXNet 1.9.1 is
wrong or cannot run a case (documented in docs/migration.md), the test checks mxgrad
against its own definition instead.
"""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import mxgrad as mx
from doctest_runner import run_module_doctests
from mxgrad.gluon.rnn import basic_cells, cell_base, cell_wrappers, rnn_cell, rnn_layer
from gradcheck import check_gradients

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
sys.path.insert(0, DATA)
from make_gluon_rnn import CASES, SAVED_LAYERS, build, run_case  # noqa: E402

rnn = mx.gluon.rnn
FIXTURES = mx.nd.load(os.path.join(DATA, "gluon_rnn.nd"))
with open(os.path.join(DATA, "gluon_rnn_strings.json")) as f:
    STRINGS = json.load(f)
# the names MXNet 1.9.1's mxnet.gluon.rnn exports (dir() there, modules left out)
MXNET_NAMES = ["BidirectionalCell", "DropoutCell", "GRU", "GRUCell", "HybridRecurrentCell",
               "HybridSequentialRNNCell", "LSTM", "LSTMCell", "ModifierCell", "RNN", "RNNCell",
               "RecurrentCell", "ResidualCell", "SequentialRNNCell", "ZoneoutCell"]


def _fixture(case, kind):
    head = f"{case}/{kind}/"
    return {k[len(head):]: v for k, v in FIXTURES.items() if k.startswith(head)}


def _load_case(case, ctx, tmp_path):
    """The case's block with MXNet's parameters, loaded through load_parameters."""
    block = build(mx, case)
    path = str(tmp_path / f"{case}.params")
    mx.nd.save(path, _fixture(case, "param"))
    block.load_parameters(path, ctx=ctx)
    return block


def _run(block, case, ctx, seed=1):
    arrays = {k: v.asnumpy() for k, v in _fixture(case, "in").items()}
    with ctx:
        return run_case(mx, block, CASES[case], arrays, np.random.RandomState(seed))


def test_names_are_mxnets():
    assert sorted(n for n in MXNET_NAMES if hasattr(rnn, n)) == MXNET_NAMES
    assert rnn.rnn_cell.LSTMCell is rnn.LSTMCell and rnn.rnn_layer.GRU is rnn.GRU
    assert mx.gluon.rnn.rnn_cell.__all__ == [
        "RecurrentCell", "HybridRecurrentCell", "RNNCell", "LSTMCell", "GRUCell",
        "SequentialRNNCell", "HybridSequentialRNNCell", "DropoutCell", "ModifierCell",
        "ZoneoutCell", "ResidualCell", "BidirectionalCell"]


# ----------------------------------------------------------------- MXNet's numbers

@pytest.mark.parametrize("case", sorted(CASES))
def test_outputs_and_gradients_match_mxnet(case, ctx, tmp_path):
    block = _load_case(case, ctx, tmp_path)
    got = _run(block, case, ctx)
    expected = {k: v.asnumpy() for k, v in _fixture(case, "res").items()}
    assert sorted(got) == sorted(expected)
    for name, value in expected.items():
        np.testing.assert_allclose(got[name], value, rtol=1e-5, atol=2e-6, err_msg=name)


@pytest.mark.parametrize("case", sorted(CASES))
def test_reprs_and_parameter_names_match_mxnet(case, ctx, tmp_path):
    def describe(block):
        return {"repr": repr(block),
                "params": [[k, list(p.shape)] for k, p in block.collect_params().items()],
                "saved_names": sorted(block._collect_params_with_prefix())}

    assert describe(build(mx, case)) == STRINGS[case]["before"]
    block = _load_case(case, ctx, tmp_path)
    assert describe(block) == STRINGS[case]["after"]


@pytest.mark.parametrize("mode", ["lstm", "gru"])
def test_layers_load_mxnets_files_and_write_the_same_bytes(mode, ctx, tmp_path):
    layer = (rnn.LSTM if mode == "lstm" else rnn.GRU)(4, num_layers=2, bidirectional=True)
    layer.load_parameters(os.path.join(DATA, f"rnn_gluon_{mode}.params"), ctx=ctx)
    ref = {k: v.as_in_context(ctx) for k, v in
           mx.nd.load(os.path.join(DATA, f"rnn_gluon_{mode}.nd")).items()}
    n_states = 2 if mode == "lstm" else 1
    out, states = layer(ref["data"], [ref[f"state{i}"] for i in range(n_states)])
    np.testing.assert_allclose(out.asnumpy(), ref["out"].asnumpy(), rtol=1e-5, atol=1e-6)
    for i, s in enumerate(states):
        np.testing.assert_allclose(s.asnumpy(), ref[f"new_state{i}"].asnumpy(), rtol=1e-5,
                                   atol=1e-6)
    path = str(tmp_path / "again.params")
    layer.save_parameters(path)
    with open(path, "rb") as a, open(os.path.join(DATA, f"rnn_gluon_{mode}.params"), "rb") as b:
        assert a.read() == b.read()


@pytest.mark.parametrize("case", SAVED_LAYERS)
def test_saved_layer_files_round_trip(case, ctx, tmp_path):
    mxnet_file = os.path.join(DATA, f"gluon_rnn_{case}.params")
    layer = build(mx, case)
    layer.load_parameters(mxnet_file, ctx=ctx)
    got = _run(layer, case, ctx)
    np.testing.assert_allclose(got["out0"], _fixture(case, "res")["out0"].asnumpy(), rtol=1e-5,
                               atol=2e-6)
    path = str(tmp_path / "again.params")
    layer.save_parameters(path)
    with open(path, "rb") as a, open(mxnet_file, "rb") as b:
        assert a.read() == b.read()


MXNET_PYTHON = "/tmp/mxref/bin/python"
BOTH_WAYS = ("lstm_layer_bi2", "lstm_layer_proj", "seq_valid", "bi_ntc_valid")


@pytest.mark.skipif(not os.path.exists(MXNET_PYTHON), reason="MXNet 1.9.1 not installed")
def test_mxnet_loads_mxgrad_saved_parameters(tmp_path):
    """Blocks initialized and saved by mxgrad give MXNet 1.9.1 the same outputs."""
    expected = {}
    for case in BOTH_WAYS:
        block = build(mx, case)
        block.initialize(mx.init.Uniform(0.5))
        arrays = {k: v.asnumpy() for k, v in _fixture(case, "in").items()}
        spec = dict(CASES[case], grads=False)
        expected[case] = run_case(mx, block, spec, arrays, np.random.RandomState(0))
        block.save_parameters(str(tmp_path / f"{case}.params"))
    script = (f"import sys; sys.path.insert(0, {DATA!r}); import numpy as np, mxnet as mx\n"
              "from make_gluon_rnn import CASES, build, run_case\n"
              f"fixtures = mx.nd.load({os.path.join(DATA, 'gluon_rnn.nd')!r})\n"
              f"for case in {BOTH_WAYS!r}:\n"
              "    block = build(mx, case)\n"
              f"    block.load_parameters({str(tmp_path)!r} + f'/{{case}}.params')\n"
              "    head = case + '/in/'\n"
              "    arrays = {k[len(head):]: v.asnumpy() for k, v in fixtures.items()\n"
              "              if k.startswith(head)}\n"
              "    res = run_case(mx, block, dict(CASES[case], grads=False), arrays,\n"
              "                   np.random.RandomState(0))\n"
              f"    np.savez({str(tmp_path)!r} + f'/{{case}}.npz', **res)\n")
    done = subprocess.run([MXNET_PYTHON, "-c", script], timeout=120, capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    for case in BOTH_WAYS:
        got = np.load(str(tmp_path / f"{case}.npz"))
        assert sorted(got.files) == sorted(expected[case])
        for name, value in expected[case].items():
            np.testing.assert_allclose(got[name], value, rtol=1e-5, atol=2e-6, err_msg=name)


# ------------------------------------------- where MXNet 1.9.1 cannot give the reference

def _lengths_reference(layer, x, states, lengths):
    """Each sequence alone, on its valid steps (TNC)."""
    outs, finals = np.zeros(x.shape[:2] + (layer._hidden_size * layer._dir,), np.float32), []
    for b, n in enumerate(lengths):
        one = [s[:, b:b + 1] for s in states]
        out, new = layer(x[:n, b:b + 1], one)
        outs[:n, b] = out.asnumpy()[:, 0]
        finals.append([s.asnumpy()[:, 0] for s in new])
    return outs, [np.stack(f, axis=1) for f in zip(*finals)]


def test_layer_sequence_length(ctx):
    """use_sequence_length (MXNet's CPU ignores the lengths; cuDNN and mxgrad stop each
    sequence at its length): against each sequence run alone."""
    layer = rnn.LSTM(3, bidirectional=True, use_sequence_length=True, input_size=2)
    layer.initialize(mx.init.Uniform(0.5), ctx=ctx)
    rng = np.random.RandomState(0)
    x = mx.nd.array(rng.uniform(-1, 1, (4, 3, 2)), ctx=ctx)
    states = [mx.nd.array(rng.uniform(-1, 1, (2, 3, 3)), ctx=ctx) for _ in range(2)]
    lengths = [4, 1, 3]
    out, new = layer(x, states, mx.nd.array(lengths, ctx=ctx, dtype="int32"))
    plain = rnn.LSTM(3, bidirectional=True, input_size=2, params=layer.collect_params())
    ref_out, ref_states = _lengths_reference(plain, x, states, lengths)
    np.testing.assert_allclose(out.asnumpy(), ref_out, rtol=1e-5, atol=1e-6)
    for s, r in zip(new, ref_states):
        np.testing.assert_allclose(s.asnumpy(), r, rtol=1e-5, atol=1e-6)
    with pytest.raises(mx.MXNetError, match="sequence_length"):
        layer(x, states)


def test_layer_state_clip_is_passed_to_the_op(ctx):
    """MXNet's CPU RNN ignores the clip; the layer gives mx.nd.RNN's clipped result."""
    layer = rnn.LSTM(3, state_clip_min=-0.2, state_clip_max=0.3, state_clip_nan=True,
                     input_size=2)
    layer.initialize(mx.init.Uniform(1.0), ctx=ctx)
    x = mx.nd.array(np.random.RandomState(1).uniform(-2, 2, (4, 2, 2)), ctx=ctx)
    out, (h, c) = layer(x, layer.begin_state(2, ctx=ctx))
    params = mx.nd.concat(*[getattr(layer, f"l0_{n}").data(ctx).reshape((-1,)) for n in
                            ("i2h_weight", "h2h_weight", "i2h_bias", "h2h_bias")], dim=0)
    zeros = mx.nd.zeros((1, 2, 3), ctx=ctx)
    ref = mx.nd.RNN(x, params, zeros, zeros, state_size=3, num_layers=1, mode="lstm",
                    state_outputs=True, lstm_state_clip_min=-0.2, lstm_state_clip_max=0.3,
                    lstm_state_clip_nan=True)
    for a, b in zip((out, h, c), ref):
        np.testing.assert_allclose(a.asnumpy(), b.asnumpy(), rtol=1e-6, atol=1e-7)
    # in float32 (NumPy 1.x would compare with the float64 -0.2, a hair above float32's)
    assert c.asnumpy().min() >= np.float32(-0.2) and c.asnumpy().max() <= np.float32(0.3)


def test_bidirectional_ntc_valid_length_merge_none(ctx):
    """MXNet 1.9.1 stacks an already merged output again here and fails; mxgrad gives the
    merged result, the same as merge_outputs=True."""
    cell = rnn.BidirectionalCell(rnn.LSTMCell(3, input_size=2), rnn.GRUCell(3, input_size=2))
    cell.initialize(ctx=ctx)
    x = mx.nd.array(np.random.RandomState(2).uniform(-1, 1, (2, 4, 2)), ctx=ctx)
    valid = mx.nd.array([2, 4], ctx=ctx)
    merged, s1 = cell.unroll(4, x, valid_length=valid, merge_outputs=True)
    auto, s2 = cell.unroll(4, x, valid_length=valid)
    assert auto.shape == (2, 4, 6)
    np.testing.assert_allclose(auto.asnumpy(), merged.asnumpy())
    assert np.all(auto.asnumpy()[0, 2:] == 0)


def test_block_activation_unrolls(ctx):
    """MXNet 1.9.1's reset() fails on a Block activation (LeakyReLU) in unroll: mxgrad
    unrolls it, with the results of stepping it (compared with MXNet in 'rnn_leaky')."""
    cell = rnn.RNNCell(3, activation=mx.gluon.nn.LeakyReLU(0.1), input_size=2)
    cell.initialize(ctx=ctx)
    x = mx.nd.array(np.random.RandomState(3).uniform(-1, 1, (2, 3, 2)), ctx=ctx)
    outs, states = cell.unroll(3, x, merge_outputs=False)
    h = cell.begin_state(batch_size=2, ctx=ctx)
    for t in range(3):
        out, h = cell(x[:, t, :].reshape((2, 2)), h)
        np.testing.assert_allclose(outs[t].asnumpy(), out.asnumpy())


# ------------------------------------------------------------- training-mode randomness

def test_dropout_and_zoneout_in_training(ctx):
    drop = rnn.DropoutCell(0.5)
    x = mx.nd.ones((50, 8), ctx=ctx)
    with mx.autograd.record():
        out, states = drop(x, [])
    vals = set(np.unique(out.asnumpy()).tolist())
    assert vals <= {0.0, 2.0} and len(vals) == 2 and states == []
    seq_out, _ = drop.unroll(3, mx.nd.ones((4, 3, 2), ctx=ctx), merge_outputs=True)
    assert np.all(seq_out.asnumpy() == 1)              # outside training: the identity

    base = rnn.RNNCell(4, input_size=2)
    cell = rnn.ZoneoutCell(base, zoneout_outputs=0.5, zoneout_states=0.5)
    cell.initialize(ctx=ctx)
    x = mx.nd.array(np.random.RandomState(4).uniform(-1, 1, (30, 2)), ctx=ctx)
    begin = cell.begin_state(batch_size=30, ctx=ctx)
    new, _ = cell(x, begin)                            # predict mode: the base cell
    cell.reset()
    with mx.autograd.record():
        out, (h,) = cell(x, begin)
    out, new = out.asnumpy(), new.asnumpy()
    kept_new = np.isclose(out, new)
    assert np.all(kept_new | (out == 0)) and 0 < kept_new.mean() < 1
    assert np.all(np.isclose(h.asnumpy(), new) | (h.asnumpy() == 0))


# ---------------------------------------------------------------- finite differences

def _param_values(cell, ctx, rng):
    for p in cell.collect_params().values():
        p.set_data(mx.nd.array(rng.uniform(-0.8, 0.8, p.shape), ctx=ctx, dtype="float64"))


@pytest.mark.parametrize("kind", ["lstm", "gru", "rnn"])
def test_cell_unroll_finite_differences(kind, ctx, fp64):
    """float64 gradients of a tiny unroll w.r.t. inputs and begin states, first and second
    order (the Parameters' gradients are compared with MXNet's above)."""
    make = {"lstm": rnn.LSTMCell, "gru": rnn.GRUCell, "rnn": rnn.RNNCell}[kind]
    cell = make(2, input_size=1)
    cell.initialize(ctx=ctx)
    cell.cast("float64")
    rng = np.random.RandomState(5)
    _param_values(cell, ctx, rng)
    n_states = len(cell.state_info())
    valid = mx.nd.array([1, 2], ctx=ctx, dtype="float64")

    def fn(x, *states):
        outs, new = cell.unroll(2, x, begin_state=list(states), merge_outputs=True,
                                valid_length=valid)
        return mx.nd.concat(outs.reshape((2, -1)), *new, dim=1)

    xs = [rng.uniform(-1, 1, (2, 2, 1))] + [rng.uniform(-1, 1, (2, 2))
                                             for _ in range(n_states)]
    check_gradients(fn, xs, ctx, order=2)


@pytest.mark.parametrize("kind", ["gru_bi_ntc", "lstm_proj_2"])
def test_layer_finite_differences(kind, ctx, fp64):
    """The fused layers in float64 w.r.t. inputs and states, first and second order: a
    bidirectional GRU (NTC) and a 2-layer LSTM with a projection (which MXNet's CPU cannot
    differentiate)."""
    if kind == "gru_bi_ntc":
        layer = rnn.GRU(2, bidirectional=True, layout="NTC", input_size=2, dtype="float64")
    else:
        layer = rnn.LSTM(3, num_layers=2, projection_size=2, input_size=2, dtype="float64")
    layer.initialize(mx.init.Uniform(0.8), ctx=ctx)
    rng = np.random.RandomState(6)
    x_shape = (1, 3, 2) if kind == "gru_bi_ntc" else (3, 1, 2)
    shapes = [x_shape] + [i["shape"] for i in layer.state_info(1)]

    def fn(x, *states):
        out, new = layer(x, list(states))
        return mx.nd.concat(out.reshape((-1,)), *[s.reshape((-1,)) for s in new], dim=0)

    check_gradients(fn, [rng.uniform(-1, 1, s) for s in shapes], ctx, order=2)


# ------------------------------------------------------------------- API and misuse

def test_begin_state_and_state_info(ctx):
    cell = rnn.LSTMCell(3, prefix="c_")
    states = cell.begin_state(2, func=mx.nd.ones, ctx=ctx, dtype="float64")
    assert [(s.shape, s.dtype, s.context) for s in states] == [((2, 3), np.float64, ctx)] * 2
    assert cell._init_counter == 1
    layer = rnn.LSTM(4, num_layers=2, projection_size=2, bidirectional=True, dtype="float64")
    assert [i["shape"] for i in layer.state_info(5)] == [(4, 5, 2), (4, 5, 4)]
    h, c = layer.begin_state(5, func=mx.nd.random.uniform, low=1, high=2, ctx=ctx)
    assert h.dtype == np.float64 and h.asnumpy().min() >= 1
    stack = rnn.SequentialRNNCell()
    stack.add(rnn.GRUCell(2))
    stack.add(rnn.DropoutCell(0.1))
    stack.add(rnn.ZoneoutCell(rnn.LSTMCell(3)))
    assert [i["shape"] for i in stack.state_info(4)] == [(4, 2), (4, 3), (4, 3)]
    assert [s.shape for s in stack.begin_state(batch_size=4, ctx=ctx)] == [(4, 2), (4, 3),
                                                                           (4, 3)]
    with pytest.raises(TypeError):
        stack.begin_state(4)                       # keyword arguments only, as MXNet
    # zero begin states in the inputs' dtype (MXNet makes float32 ones and fails)
    gru = rnn.GRUCell(2, input_size=2)
    gru.initialize(ctx=ctx)
    gru.cast("float64")
    outs, (h,) = gru.unroll(3, mx.nd.ones((1, 3, 2), ctx=ctx, dtype="float64"))
    assert h.dtype == np.float64 and outs[0].dtype == np.float64


def test_modifier_rules():
    base = rnn.GRUCell(2, prefix="g_")
    zone = rnn.ZoneoutCell(base, 0.1, 0.2)
    assert zone.prefix == "g_zoneout" and zone.params is base.params
    with pytest.raises(AssertionError, match="modifier"):
        base.begin_state(batch_size=1)
    with pytest.raises(AssertionError, match="modified twice"):
        rnn.ResidualCell(base)
    bi = rnn.BidirectionalCell(rnn.GRUCell(2), rnn.GRUCell(2))
    with pytest.raises(AssertionError, match="zoneout"):
        rnn.ZoneoutCell(bi)
    with pytest.raises(NotImplementedError, match="unroll"):
        bi(mx.nd.ones((1, 2)), [])
    stack = rnn.SequentialRNNCell()
    stack.add(rnn.BidirectionalCell(rnn.GRUCell(2), rnn.GRUCell(2)))
    with pytest.raises(AssertionError, match="zoneout"):
        rnn.ZoneoutCell(stack)                     # MXNet 1.9.1 fails with AttributeError
    with pytest.raises(AssertionError, match="unroll"):
        stack(mx.nd.ones((1, 2)), [])
    plain = rnn.SequentialRNNCell()
    plain.add(rnn.GRUCell(2, input_size=2))
    zoned = rnn.ZoneoutCell(plain, 0.5, 0.5)
    assert repr(zoned).startswith("ZoneoutCell(p_out=0.5, p_state=0.5, SequentialRNNCell(")
    zoned.initialize()
    with mx.autograd.record():
        outs, states = zoned.unroll(3, mx.nd.ones((2, 3, 2)), merge_outputs=True)
    assert outs.shape == (2, 3, 2) and [s.shape for s in states] == [(2, 2)]
    with pytest.raises(AssertionError, match="rate must be a number"):
        rnn.DropoutCell("0.5")
    with pytest.raises(AssertionError, match="Invalid layout"):
        rnn.GRU(3, layout="NCT")


def test_misuse_raises_before_computing(ctx):
    layer = rnn.LSTM(4, input_size=3)
    layer.initialize(ctx=ctx)
    x = mx.nd.ones((5, 2, 3), ctx=ctx)
    good = layer.begin_state(2, ctx=ctx)
    for states, match in [([mx.nd.zeros((1, 2, 5), ctx=ctx), good[1]], "Expecting"),
                          ([good[0]], "expects 2 state"),
                          (good[0], "expects 2 state")]:
        with pytest.raises(mx.MXNetError, match=match) as err:
            layer(x, states)
        assert isinstance(err.value, ValueError)       # what MXNet raises there
    for bad in (mx.nd.ones((5, 3), ctx=ctx), mx.nd.ones((5, 2, 3, 1), ctx=ctx), [x]):
        with pytest.raises(mx.MXNetError, match="rank-3"):
            layer(bad)
    deferred = rnn.GRU(4)
    deferred.initialize(ctx=ctx)
    with pytest.raises(mx.MXNetError, match="rank-3"):
        deferred(mx.nd.ones((5, 3), ctx=ctx))
    assert deferred.l0_i2h_weight.shape == (12, 0)     # nothing was set up
    with pytest.raises(mx.MXNetError):
        layer(mx.nd.ones((5, 2, 4), ctx=ctx))          # wrong input width
    with pytest.raises(mx.MXNetError):
        layer(x.astype("float64"))                     # the layer's dtype is float32

    cell = rnn.LSTMCell(4)
    cell.initialize(ctx=ctx)
    step = mx.nd.ones((2, 3), ctx=ctx)
    for states, match in [([mx.nd.zeros((2, 5), ctx=ctx)] * 2, "Expecting"),
                          ([mx.nd.zeros((2, 4), ctx=ctx)], "expected 2 states"),
                          (mx.nd.zeros((2, 4), ctx=ctx), "list")]:
        with pytest.raises(mx.MXNetError, match=match):
            cell(step, states)
    assert cell.i2h_weight.shape == (16, 0)
    with pytest.raises(mx.MXNetError, match="batch_size, input_size"):
        cell(mx.nd.ones((3,), ctx=ctx), cell.begin_state(3, ctx=ctx))
    with pytest.raises(mx.MXNetError, match="at least 3 axes"):
        cell.unroll(3, mx.nd.ones((2, 3), ctx=ctx))
    with pytest.raises(mx.MXNetError, match="length is 4") as err:
        cell.unroll(4, mx.nd.ones((2, 3, 6), ctx=ctx), merge_outputs=False)
    assert isinstance(err.value, AssertionError)
    with pytest.raises(mx.MXNetError, match="length is 2"):
        cell.unroll(2, [step] * 3)
    with pytest.raises(mx.MXNetError, match="inputs"):
        cell.unroll(2, None)


def test_layer_defaults_and_outputs(ctx):
    layer = rnn.RNN(3, num_layers=2, layout="NTC", dropout=0.3)
    assert repr(layer) == "RNN(None -> 3, NTC, num_layers=2, dropout=0.3)"
    layer.initialize(ctx=ctx)
    x = mx.nd.ones((4, 5, 2), ctx=ctx)
    out = layer(x)                                      # no states: only the outputs
    assert isinstance(out, mx.nd.NDArray) and out.shape == (4, 5, 3)
    out2, states = layer(x, layer.begin_state(4, ctx=ctx))
    np.testing.assert_allclose(out.asnumpy(), out2.asnumpy())
    assert isinstance(states, list) and states[0].shape == (2, 4, 3)
    assert repr(layer) == "RNN(2 -> 3, NTC, num_layers=2, dropout=0.3)"
    layer.cast("float64")
    assert layer(x.astype("float64")).dtype == np.float64
    with mx.autograd.record():                          # dropout between layers in training
        a, b = layer(x.astype("float64")), layer(x.astype("float64"))
    assert a.shape == b.shape == (4, 5, 3)


MODULES = [rnn_layer, cell_base, basic_cells, cell_wrappers, rnn_cell, mx.gluon.rnn]


@pytest.mark.parametrize("module", MODULES, ids=[m.__name__ for m in MODULES])
def test_docstring_examples(module):
    """The examples in the docstrings run and show what they say (on cpu(0))."""
    run_module_doctests(module)


def test_every_public_class_has_an_example():
    for name in MXNET_NAMES:
        assert ">>>" in (getattr(rnn, name).__doc__ or ""), name


def test_initializers_reach_their_parameters(ctx):
    init = {"i2h_weight_initializer": mx.init.Constant(0.5), "h2h_weight_initializer": "ones",
            "i2h_bias_initializer": "ones", "h2h_bias_initializer": mx.init.Constant(2)}
    expected = {"i2h_weight": 0.5, "h2h_weight": 1, "i2h_bias": 1, "h2h_bias": 2}
    layer = rnn.LSTM(2, bidirectional=True, projection_size=1,
                     h2r_weight_initializer=mx.init.Constant(3), **init)
    layer.initialize(mx.init.Zero(), ctx=ctx)          # the default for the others only
    layer(mx.nd.ones((1, 1, 3), ctx=ctx))              # deferred: the input size comes now
    for d in "lr":
        for name, value in dict(expected, h2r_weight=3).items():
            assert np.all(getattr(layer, f"{d}0_{name}").data(ctx).asnumpy() == value), name
    cell = rnn.GRUCell(2, **init)
    cell.initialize(mx.init.Zero(), ctx=ctx)
    cell(mx.nd.ones((1, 3), ctx=ctx), cell.begin_state(1, ctx=ctx))
    for name, value in expected.items():
        assert np.all(getattr(cell, name).data(ctx).asnumpy() == value), name
