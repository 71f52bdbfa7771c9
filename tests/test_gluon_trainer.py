"""gluon.Trainer, side by side with MXNet 1.9.1: the parameters after 20 steps of each
optimizer (tests/data/make_gluon_trainer.py ran the same loops in MXNet), stale gradients,
several contexts, the states files of both libraries, launches per step and misuse."""
import os
import pickletools
import sys
import warnings

import numpy as np
import pytest

import mxgrad as mx
from doctest_runner import run_module_doctests
import mxgrad.gluon.trainer
import mxgrad.gluon.trainer_states
from conftest import CONTEXTS
from launches import traced

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "data"))
import make_gluon_trainer as ref  # noqa: E402

RECORDS = mx.nd.load(ref.RECORDS)
CASES = {case[0]: case for case in ref.CASES}


def _expected(name):
    prefix = name + "/"
    return {k[len(prefix):]: v.asnumpy() for k, v in RECORDS.items() if k.startswith(prefix)}


def _check(got, name):
    expected = _expected(name)
    assert expected and sorted(got) == [f"{name}/{k}" for k in sorted(expected)]
    for key, value in expected.items():
        np.testing.assert_allclose(got[f"{name}/{key}"].asnumpy(), value, rtol=2e-5,
                                   atol=2e-6, err_msg=f"{name}/{key}")


def _quiet_train(*args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ref.train(mx, *args, **kwargs)


@pytest.mark.parametrize("name", list(CASES))
def test_twenty_steps_match_mxnet(ctx, name, capsys):
    _, optimizer, opt_params, extras = CASES[name]
    got, trainer, net = _quiet_train(name, optimizer, opt_params, extras,
                                     ctxs=_case_contexts(ctx, extras))
    _check(got, name)
    assert trainer.optimizer.num_update == ref.STEPS


def _param(ctx, value=(1.0, 2.0), name="w", **kwargs):
    p = mx.gluon.Parameter(name, shape=(len(value),), **kwargs)
    p.initialize(ctx=ctx)
    p.set_data(mx.nd.array(value, ctx=ctx[0] if isinstance(ctx, list) else ctx))
    return p


def _backward(params, scale=1.0):
    with mx.autograd.record():
        loss = sum(((p.data() * scale) ** 2).sum() for p in params)
    loss.backward()


def test_stale_gradient_raises_before_any_update(ctx):
    a, b = _param(ctx, name="a"), _param(ctx, name="b")
    trainer = mx.gluon.Trainer([a, b], "sgd", {"learning_rate": 0.1})
    with pytest.raises(UserWarning, match="Parameter `a` on context .* has not been updated"):
        trainer.step(1)                     # no backward yet
    _backward([a])                           # b's gradient is stale
    with pytest.raises(UserWarning, match="`b`.*ignore_stale_grad=True"):
        trainer.step(1)
    np.testing.assert_array_equal(a.data().asnumpy(), [1, 2])       # nothing updated
    trainer.step(1, ignore_stale_grad=True)                          # a updated, b skipped
    np.testing.assert_allclose(a.data().asnumpy(), [0.8, 1.6], rtol=1e-6)
    np.testing.assert_array_equal(b.data().asnumpy(), [1, 2])
    assert not a.data()._fresh_grad           # cleared by the update, as MXNet's Trainer
    with pytest.raises(UserWarning, match="`a`"):
        trainer.step(1)
    _backward([a, b])
    trainer.step(1)
    np.testing.assert_allclose(b.data().asnumpy(), [0.8, 1.6], rtol=1e-6)


def test_null_and_add_grad_req(ctx):
    frozen = _param(ctx, name="frozen", grad_req="null")
    acc = _param(ctx, name="acc", grad_req="add")
    trainer = mx.gluon.Trainer([frozen, acc], "sgd", {"learning_rate": 0.1})
    _backward([acc])
    _backward([acc])                          # 'add': the two gradients add up
    trainer.step(2)
    np.testing.assert_array_equal(frozen.data().asnumpy(), [1, 2])
    np.testing.assert_allclose(acc.data().asnumpy(), [0.8, 1.6], rtol=1e-6)


def test_lr_mult_and_wd_mult_changes_count(ctx):
    a = _param(ctx, name="a")
    trainer = mx.gluon.Trainer([a], mx.optimizer.SGD(learning_rate=0.1, wd=0.5))
    assert trainer.optimizer.param_dict[0] is a
    a.lr_mult, a.wd_mult = 2.0, 0.0           # after the Trainer was made: still used
    _backward([a])
    trainer.step(1)
    np.testing.assert_allclose(a.data().asnumpy(), [1 - 0.2 * 2, 2 - 0.2 * 4], rtol=1e-6)


def test_dict_is_taken_in_sorted_order(ctx):
    b, a = _param(ctx, name="b"), _param(ctx, name="a")
    trainer = mx.gluon.Trainer({"b": b, "a": a}, "sgd")
    assert trainer._params == [a, b] and trainer.optimizer.param_dict == {0: a, 1: b}


def test_launches_per_step_are_aggregated(ctx):
    params = [_param(ctx, value=[1.0, 2.0, 3.0], name=f"p{i}") for i in range(8)]
    trainer = mx.gluon.Trainer(params, "sgd", {"learning_rate": 0.1, "momentum": 0.9})
    _backward(params)
    mx.nd.waitall()
    _, launches = traced(ctx, lambda: trainer.step(1))
    assert 0 < len(launches) < len(params), launches      # multi-tensor updates, 4 per launch
    _backward(params)
    before = [p.data().asnumpy() for p in params]
    trainer.step(1)
    assert all((p.data().asnumpy() != b).all() for p, b in zip(params, before))


def _two_contexts(ctx):
    """ctx and another context: cpu(i + 1) (the same OpenCL device), else another device."""
    if ctx.device_type == "cpu":
        return [ctx, mx.cpu(ctx.device_id + 1)]
    others = [c for c in CONTEXTS if c != ctx]
    if not others:
        pytest.skip("one OpenCL device and no second context on it")
    return [ctx, others[0]]


def _case_contexts(ctx, extras):
    return _two_contexts(ctx) if extras.get("contexts") == 2 else [ctx]


@pytest.mark.parametrize("on_store", [None, False])
def test_two_contexts_sum_gradients(ctx, on_store):
    ctxs = _two_contexts(ctx)
    p = mx.gluon.Parameter("w", shape=(2,), init=mx.init.One())
    p.initialize(ctx=ctxs)
    trainer = mx.gluon.Trainer([p], "sgd", {"learning_rate": 0.1},
                               update_on_kvstore=on_store)
    for i, c in enumerate(ctxs):
        with mx.autograd.record():
            loss = (p.data(c) * (i + 1)).sum()
        loss.backward()
    trainer.step(1)
    for c in ctxs:
        np.testing.assert_allclose(p.data(c).asnumpy(), [0.7, 0.7], rtol=1e-6)
    # MXNet: summed into each gradient without update_on_kvstore, left alone with it
    grads = [p.grad(c).asnumpy().tolist() for c in ctxs]
    assert grads == ([[3, 3], [3, 3]] if on_store is False else [[1, 1], [2, 2]])
    if on_store is None:
        for call in (trainer.allreduce_grads, lambda: trainer.update(1)):
            with pytest.raises(AssertionError, match="update_on_kvstore"):
                call()
    with pytest.raises(UserWarning, match="has not been updated"):
        trainer.step(1)                       # the flags were cleared in both modes


def test_update_on_kvstore_from_the_environment(ctx, monkeypatch):
    monkeypatch.setenv("MXNET_UPDATE_ON_KVSTORE", "0")
    p = _param(_two_contexts(ctx))
    assert mx.gluon.Trainer([p], "sgd")._update_on_kvstore is False
    assert mx.gluon.Trainer([p], "sgd", update_on_kvstore=True)._update_on_kvstore is True
    monkeypatch.setenv("MXNET_UPDATE_ON_KVSTORE", "1")
    assert mx.gluon.Trainer([p], "sgd")._update_on_kvstore is True
    assert mx.gluon.Trainer([_param(ctx)], "sgd")._update_on_kvstore is None   # no store


def test_states_round_trip_continues_the_run(ctx, tmp_path):
    extras = {"no_set_lr": True}
    ctxs = [ctx]
    whole, _, _ = _quiet_train("r", "adam", dict(learning_rate=0.01), extras, ctxs=[ctx])
    _, trainer, net = _quiet_train("r", "adam", dict(learning_rate=0.01), extras,
                                   steps=ref.STEPS // 2, ctxs=[ctx])
    fname = str(tmp_path / "t.states")
    trainer.save_states(fname)
    params = str(tmp_path / "t.params")
    net.save_parameters(params)
    net2 = ref.build_net(mx)
    net2.load_parameters(params, ctx=ctx)
    trainer2 = ref.make_trainer(mx, net2, "sgd", {}, extras)     # load_states brings Adam
    trainer2.load_states(fname)
    assert type(trainer2.optimizer).__name__ == "Adam"
    assert trainer2.optimizer.param_dict[0] is trainer2._params[0]
    ref.train_steps(mx, net2, trainer2, extras, ref.STEPS // 2, ref.STEPS, ctxs)
    for key, value in ref.record(net2, "r", ctxs).items():
        np.testing.assert_allclose(value.asnumpy(), whole[key].asnumpy(), rtol=1e-6)


def test_loads_the_states_mxnet_saved(ctx):
    extras = {"no_set_lr": True}
    net = ref.build_net(mx)
    net.initialize(ctx=ctx)
    for key, p in net.collect_params().items():
        p.set_data(RECORDS[f"adam_states_mid/{key}/0"].as_in_context(ctx))
    trainer = ref.make_trainer(mx, net, "sgd", {}, extras)
    trainer.load_states(ref.STATES)
    ref.train_steps(mx, net, trainer, extras, ref.STEPS // 2, ref.STEPS, [ctx])
    _check(ref.record(net, "adam_states_end", [ctx]), "adam_states_end")


def _globals(payload):
    names, strings = set(), []
    for op, arg, _ in pickletools.genops(payload):
        if op.name in ("SHORT_BINUNICODE", "BINUNICODE", "UNICODE"):
            strings.append(arg)
        elif op.name == "STACK_GLOBAL":
            names.add(tuple(strings[-2:]))
        elif op.name == "GLOBAL":
            names.add(tuple(arg.split(" ")))
    return names


def test_saved_states_name_mxnet_classes(ctx, tmp_path):
    """The file names MXNet's classes only, so MXNet 1.9.1 unpickles it (checked by hand:
    its Trainer.load_states reads it and continues the run)."""
    _, trainer, _ = _quiet_train("s", "sgd", dict(learning_rate=0.1, momentum=0.9),
                                 {"scheduler": ("FactorScheduler", dict(step=5))}, steps=2,
                                 ctxs=[ctx])
    fname = str(tmp_path / "s.states")
    trainer.save_states(fname)
    with open(fname, "rb") as f:
        payload = f.read()
    assert _globals(payload) == {("mxnet.ndarray.ndarray", "NDArray"),
                                 ("builtins", "bytearray"),
                                 ("mxnet.optimizer.optimizer", "SGD"),
                                 ("mxnet.lr_scheduler", "FactorScheduler")}
    with open(ref.STATES, "rb") as f:
        mxnet_payload = f.read()
    assert {n for n in _globals(mxnet_payload) if n[0].startswith("mxnet")} == \
        {("mxnet.ndarray.ndarray", "NDArray"), ("mxnet.optimizer.optimizer", "Adam")}
    states, optimizer = mx.gluon.trainer_states.loads(payload)
    assert sorted(states) == [0, 1, 2, 3] and type(optimizer.lr_scheduler).__name__ == \
        "FactorScheduler"
    for index, state in states.items():
        np.testing.assert_array_equal(state.asnumpy(),
                                      trainer._updaters[0].states[index].asnumpy())


def test_states_file_errors(tmp_path):
    bad = tmp_path / "bad.states"
    bad.write_bytes(b"not a pickle")
    p = _param(mx.cpu(0))
    trainer = mx.gluon.Trainer([p], "sgd")
    with pytest.raises(mx.MXNetError, match="states file"):
        trainer.load_states(str(bad))
    foreign = tmp_path / "foreign.states"
    foreign.write_bytes(b"\x80\x04\x8c\x0bmxnet.model\x8c\x05Thing\x93.")   # a class only MXNet has
    with pytest.raises(mx.MXNetError, match="mxnet.model.Thing"):
        trainer.load_states(str(foreign))


def test_misuse_errors(ctx):
    p = _param(ctx)
    with pytest.raises(ValueError, match="list or dict of Parameters, got <class"):
        mx.gluon.Trainer(p, "sgd")
    with pytest.raises(ValueError, match="list of <class 'int'>"):
        mx.gluon.Trainer([1], "sgd")
    with pytest.raises(ValueError, match="more than once"):
        mx.gluon.Trainer([p, p], "sgd")
    with pytest.raises(ValueError, match="Cannot find optimizer nosuch"):
        mx.gluon.Trainer([p], "nosuch")
    with pytest.raises(mx.MXNetError, match="optimizer must be"):
        mx.gluon.Trainer([p], None)
    with pytest.raises(AssertionError, match="optimizer_params must be None"):
        mx.gluon.Trainer([p], mx.optimizer.SGD(), {"learning_rate": 1})
    with pytest.raises(TypeError, match="kvstore must be KVStore, str or None"):
        mx.gluon.Trainer([p], "sgd", kvstore=3)
    # the distributed types mxgrad does not have (dist_sync runs under mpiexec:
    # tests/test_kvstore_dist.py)
    for kv, why in (("dist_async", "asynchronous training is not supported"),
                    ("horovod", "use 'dist_sync'"), ("byteps", "use 'dist_sync'")):
        with pytest.raises(mx.MXNetError, match=why):
            mx.gluon.Trainer([p], "sgd", kvstore=kv)
    q = mx.gluon.Parameter("q", shape=(2,))
    q.initialize(ctx=_two_contexts(ctx))
    with pytest.raises(AssertionError, match="same set of contexts"):
        mx.gluon.Trainer([p, q], "sgd")
    with pytest.raises(mx.MXNetError, match="Unknown KVStore type 'whatever'"):
        mx.gluon.Trainer([q], "sgd", kvstore="whatever")
    mx.gluon.Trainer([p], "sgd", kvstore="whatever")        # one context: no store, as MXNet
    # a one-process store object works as its type name: the sums happen in the Trainer
    by_object = mx.gluon.Trainer([q], "sgd", kvstore=mx.kv.create("device"))
    assert by_object._reduce and by_object._kvstore is None and not by_object._distributed
    with pytest.raises(mx.MXNetError, match="compression"):
        mx.gluon.Trainer([q], "sgd", compression_params={"type": "2bit", "threshold": 0.5})
    with pytest.raises(RuntimeError, match="has not been initialized"):
        mx.gluon.Trainer([mx.gluon.Parameter("u", shape=(2,))], "sgd")
    trainer = mx.gluon.Trainer([p], "sgd", {"lr_scheduler": mx.lr_scheduler.FactorScheduler(2)})
    with pytest.raises(UserWarning, match="LRScheduler of the optimizer has already"):
        trainer.set_learning_rate(0.5)
    _backward([p])
    with pytest.raises(ZeroDivisionError):
        trainer.step(0)


def test_kvstore_none_and_local_work(ctx):
    for kv in (None, "local", "device"):
        p = _param(ctx)
        trainer = mx.gluon.Trainer([p], "sgd", {"learning_rate": 0.1}, kvstore=kv)
        _backward([p])
        trainer.step(1)
        np.testing.assert_allclose(p.data().asnumpy(), [0.8, 1.6], rtol=1e-6)


def test_empty_trainer_steps(tmp_path):
    trainer = mx.gluon.Trainer([], "sgd")
    trainer.step(1)
    trainer.save_states(str(tmp_path / "e.states"))
    trainer.load_states(str(tmp_path / "e.states"))


@pytest.mark.parametrize("module", [mxgrad.gluon.trainer, mxgrad.gluon.trainer_states])
def test_docstring_examples(module):
    run_module_doctests(module, min_examples=6)


def test_parameters_moved_after_the_trainer_was_made(ctx):
    p = _param(ctx)
    trainer = mx.gluon.Trainer([p], "sgd")
    p.reset_ctx(_two_contexts(ctx))
    for call in (lambda: trainer.step(1, ignore_stale_grad=True), trainer.allreduce_grads,
                 lambda: trainer.update(1)):
        with pytest.raises(mx.MXNetError, match="make a new Trainer"):
            call()


def test_float16_parameters_with_multi_precision(ctx):
    """The Trainer updates float16 weights through the optimizer's float32 master copies,
    as the Updater alone does."""
    p = mx.gluon.Parameter("h", shape=(3,), dtype="float16")
    p.initialize(ctx=ctx)
    p.set_data(mx.nd.array([0.5, -1.0, 2.0], ctx=ctx, dtype="float16"))
    kwargs = dict(learning_rate=0.1, momentum=0.9, multi_precision=True)
    trainer = mx.gluon.Trainer([p], "sgd", kwargs)
    updater = mx.optimizer.get_updater(mx.optimizer.SGD(rescale_grad=0.5, **kwargs))
    w = mx.nd.array([0.5, -1.0, 2.0], ctx=ctx, dtype="float16")
    for _ in range(5):
        with mx.autograd.record():
            loss = (p.data() * p.data()).sum()
        loss.backward()
        updater(0, p.grad().copy(), w)
        trainer.step(2)
    assert p.data().dtype == np.float16
    np.testing.assert_array_equal(p.data().asnumpy(), w.asnumpy())
    assert trainer._updaters[0].states[0][0].dtype == np.float32    # the master copy
