"""mx.optimizer against MXNet 1.9.1: every optimizer's weights after each of 20 steps on the
gradients MXNet saw (tests/data/optimizer_fixtures.json, written by
make_optimizer_fixtures.py), the registry, learning-rate and weight-decay multipliers, the
Updater's aggregation and its state round trip."""
import doctest
import json
import os
import pickle
import warnings

import numpy as np
import pytest

import mxgrad as mx
from launches import traced

FIXTURES = json.load(open(os.path.join(os.path.dirname(__file__), "data",
                                       "optimizer_fixtures.json")))
CASES = {c["name"]: c for c in FIXTURES["optimizers"]}
HP = dict(wd=0.01, rescale_grad=0.5, clip_gradient=0.8)


def _int_keys(d):
    return {int(k): v for k, v in d.items()}


def _make_optimizer(case):
    kwargs = dict(case["kwargs"])
    if "param_idx2name" in kwargs:
        kwargs["param_idx2name"] = _int_keys(kwargs["param_idx2name"])
    extras = case["extras"]
    if "scheduler" in extras:
        cls, skw = extras["scheduler"]
        kwargs["lr_scheduler"] = getattr(mx.lr_scheduler, cls)(**skw)
    opt = mx.optimizer.create(case["optimizer"], **kwargs)
    if "lr_mult" in extras:
        opt.set_lr_mult(_int_keys(extras["lr_mult"]))
    if "wd_mult" in extras:
        opt.set_wd_mult(_int_keys(extras["wd_mult"]))
    return opt


def _run(case, ctx, mode=None, grads=None):
    """The weights (NumPy) after each step of case's optimizer on ctx."""
    dtype, mode = case["dtype"], mode or case["mode"]
    opt = _make_optimizer(case)
    weights = [mx.nd.array(w, ctx=ctx, dtype=dtype) for w in case["init"]]
    updater, states, trajectory = mx.optimizer.get_updater(opt), {}, []
    for step_grads in grads or case["grads"]:
        gs = [mx.nd.array(g, ctx=ctx, dtype=dtype) for g in step_grads]
        if mode == "updater":
            updater([0, 1], gs, weights)
        else:
            for i, (w, g) in enumerate(zip(weights, gs)):
                if i not in states:
                    states[i] = opt.create_state_multi_precision(i, w)
                opt.update_multi_precision(i, w, g, states[i])
        trajectory.append([w.asnumpy() for w in weights])
    return trajectory


def _tolerance(dtype, master_copy=True):
    if dtype != "float16":
        return dict(rtol=1e-5, atol=1e-6)
    if master_copy:
        # a unit in the last place: the cast of a float32 master copy
        return dict(rtol=2e-3, atol=2e-3)
    # float16 states: MXNet rounds intermediate results to float16 and mx.nd's ops round
    # once, so the trajectories drift apart by a few units in the last place per step
    return dict(rtol=2e-2, atol=2e-2)


@pytest.mark.parametrize("name", sorted(CASES))
def test_trajectory_matches_mxnet(ctx, name):
    case = CASES[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")              # sgd_fp16: the float16 warning
        got = _run(case, ctx)
    for step, (got_ws, want_ws) in enumerate(zip(got, case["trajectory"])):
        for got_w, want_w in zip(got_ws, want_ws):
            assert got_w.dtype == np.dtype(case["dtype"])
            np.testing.assert_allclose(got_w, np.array(want_w, dtype=case["dtype"]),
                                       err_msg=f"{name}: step {step + 1}",
                                       **_tolerance(case["dtype"], "multi_precision"
                                                    in case["kwargs"]))


def test_lamb_float16_direct_path_follows_the_master_copy(ctx):
    # MXNet 1.9.1's one-parameter float16 LAMB never moves its master copy (see the fixture
    # script); mxgrad's gives the numbers of MXNet's multi-tensor path on the same gradients
    case = CASES["lamb_mp"]
    direct = _run(case, ctx, mode="direct")
    for got_ws, want_ws in zip(direct, case["trajectory"]):
        for got_w, want_w in zip(got_ws, want_ws):
            np.testing.assert_allclose(got_w, np.array(want_w, dtype="float16"),
                                       **_tolerance("float16"))


def test_dcasgd_with_momentum_against_numpy(ctx):
    # MXNet 1.9.1 fails on DCASGD with momentum (the truth value of its momentum array)
    case = CASES["dcasgd"]
    lr, mom_coef, lamda = 0.1, 0.9, 0.1
    opt = mx.optimizer.DCASGD(learning_rate=lr, momentum=mom_coef, lamda=lamda, **HP)
    w_np = [np.array(w, dtype=np.float32) for w in case["init"]]
    prev_np = [w.copy() for w in w_np]
    mom_np = [np.zeros_like(w) for w in w_np]
    weights = [mx.nd.array(w, ctx=ctx) for w in w_np]
    states = [opt.create_state(i, w) for i, w in enumerate(weights)]
    for step_grads in case["grads"][:5]:
        for i, g in enumerate(step_grads):
            opt.update(i, weights[i], mx.nd.array(g, ctx=ctx), states[i])
            g = np.clip(np.float32(0.5) * np.array(g, dtype=np.float32), -0.8, 0.8)
            step = -lr * (g + 0.01 * w_np[i] + lamda * g * g * (w_np[i] - prev_np[i]))
            mom_np[i] = mom_coef * mom_np[i] + step
            prev_np[i] = w_np[i].copy()
            w_np[i] = w_np[i] + mom_np[i]
            np.testing.assert_allclose(weights[i].asnumpy(), w_np[i], rtol=1e-5, atol=1e-6)


def test_nag_with_momentum_and_weight_decay_against_numpy(ctx):
    # MXNet 1.9.1's nag_mom_update decays the momentum with the weight it has just written
    # when out is the weight (as its NAG optimizer calls it); mxgrad follows the formula
    case = CASES["nag_mom"]
    lr, mom_coef = 0.1, 0.9
    opt = mx.optimizer.NAG(learning_rate=lr, momentum=mom_coef, **HP)
    w_np = [np.array(w, dtype=np.float32) for w in case["init"]]
    mom_np = [np.zeros_like(w) for w in w_np]
    weights = [mx.nd.array(w, ctx=ctx) for w in w_np]
    states = [opt.create_state(i, w) for i, w in enumerate(weights)]
    for step_grads in case["grads"]:
        for i, g in enumerate(step_grads):
            opt.update(i, weights[i], mx.nd.array(g, ctx=ctx), states[i])
            g = np.clip(np.float32(0.5) * np.array(g, dtype=np.float32), -0.8, 0.8)
            g = g + np.float32(0.01) * w_np[i]
            mom_np[i] = mom_coef * mom_np[i] - lr * g
            w_np[i] = w_np[i] + mom_coef * mom_np[i] - lr * g
            np.testing.assert_allclose(weights[i].asnumpy(), w_np[i], rtol=1e-5, atol=1e-6)
            np.testing.assert_allclose(states[i].asnumpy(), mom_np[i], rtol=1e-5, atol=1e-6)


def test_sgld_is_a_half_step_plus_noise_of_variance_lr(ctx):
    lr, wd = 0.01, 0.1
    opt = mx.optimizer.SGLD(learning_rate=lr, wd=wd)
    w0 = np.linspace(-1, 1, 4000).astype(np.float32)
    g = np.cos(np.arange(4000)).astype(np.float32)
    w = mx.nd.array(w0, ctx=ctx)
    opt.update(0, w, mx.nd.array(g, ctx=ctx), opt.create_state(0, w))
    noise = w.asnumpy() - (w0 - lr / 2 * (g + wd * w0))
    assert abs(noise.mean()) < 0.01
    assert abs(noise.var() / lr - 1) < 0.1


def test_sgd_updater_updates_four_parameters_per_launch(ctx):
    opt = mx.optimizer.SGD(learning_rate=0.1, momentum=0.9)
    assert opt.aggregate_num == 4
    updater = mx.optimizer.get_updater(opt)
    weights = [mx.nd.ones((3,), ctx=ctx) for _ in range(5)]
    grads = [mx.nd.ones((3,), ctx=ctx) for _ in range(5)]
    updater(list(range(5)), grads, weights)                     # states made, kernels built
    _, launches = traced(ctx, lambda: updater(list(range(5)), grads, weights))
    assert len(launches) == 2, launches                         # 4 + 1 parameters
    np.testing.assert_allclose(weights[4].asnumpy(), np.full(3, 1 - 0.1 - 0.19), rtol=1e-6)


def test_aggregation_size_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("MXNET_OPTIMIZER_AGGREGATION_SIZE", "7")
    assert mx.optimizer.SGD().aggregate_num == 7
    assert mx.optimizer.LAMB().aggregate_num == 7
    monkeypatch.setenv("MXNET_OPTIMIZER_AGGREGATION_SIZE", "100")
    assert mx.optimizer.LAMB().aggregate_num == 45          # LAMB caps it, as MXNet does
    assert mx.optimizer.Adam().aggregate_num == 0


def test_updater_groups_parameters_by_dtype(ctx):
    opt = mx.optimizer.SGD(learning_rate=0.5)
    updater = mx.optimizer.get_updater(opt)
    w16 = mx.nd.ones((2,), ctx=ctx, dtype="float16")
    w32 = mx.nd.ones((2,), ctx=ctx)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        updater([0, 1], [mx.nd.ones((2,), ctx=ctx, dtype="float16"),
                         mx.nd.ones((2,), ctx=ctx)], [w16, w32])
    assert w16.dtype == np.float16
    np.testing.assert_allclose(w16.asnumpy(), [0.5, 0.5])
    np.testing.assert_allclose(w32.asnumpy(), [0.5, 0.5])


def test_create_and_register():
    assert type(mx.optimizer.create("SGD")) is mx.optimizer.SGD
    assert type(mx.optimizer.create("adam", learning_rate=0.1)) is mx.optimizer.Adam
    assert mx.optimizer.create("adam", learning_rate=0.1).learning_rate == 0.1
    assert mx.optimizer.Optimizer.create_optimizer is mx.optimizer.create
    for name in ("sgd", "nag", "adam", "rmsprop", "adagrad", "adadelta", "adamax", "nadam",
                 "ftrl", "ftml", "signum", "lamb", "lars", "lbsgd", "dcasgd", "sgld", "ccsgd",
                 "test", "groupadagrad"):
        assert name in mx.optimizer.Optimizer.opt_registry
    with pytest.raises(ValueError, match="Cannot find optimizer nosuch"):
        mx.optimizer.create("nosuch")

    saved = dict(mx.optimizer.Optimizer.opt_registry)
    try:
        @mx.optimizer.register
        class MyStep(mx.optimizer.Optimizer):
            def update(self, index, weight, grad, state):
                weight[:] -= grad

        assert isinstance(mx.optimizer.create("mystep"), MyStep)
        with pytest.warns(UserWarning, match="overriding existing optimizer"):
            @mx.optimizer.register
            class mystep(mx.optimizer.Optimizer):   # noqa: N801 (a clash on purpose)
                pass
        assert mx.optimizer.Optimizer.opt_registry["mystep"] is mystep
    finally:
        mx.optimizer.Optimizer.opt_registry.clear()
        mx.optimizer.Optimizer.opt_registry.update(saved)


def test_defaults_match_mxnet():
    # learning rates and other defaults of MXNet 1.9.1's constructors
    assert mx.optimizer.SGD().lr == 0.01
    assert mx.optimizer.Adam().lr == 0.001
    assert mx.optimizer.Adamax().lr == 0.002
    assert mx.optimizer.Ftrl().lr == 0.1
    assert mx.optimizer.LAMB().epsilon == 1e-6
    assert mx.optimizer.RMSProp().gamma1 == 0.9
    opt = mx.optimizer.SGD()
    assert (opt.wd, opt.rescale_grad, opt.clip_gradient, opt.multi_precision,
            opt.num_update, opt.begin_num_update) == (0.0, 1.0, None, False, 0, 0)


def test_learning_rate_property_and_setter():
    opt = mx.optimizer.SGD(learning_rate=0.2)
    assert opt.learning_rate == 0.2
    opt.set_learning_rate(0.05)
    assert opt.learning_rate == 0.05
    sched = mx.lr_scheduler.FactorScheduler(step=1, factor=0.5, base_lr=0.2)
    opt = mx.optimizer.SGD(lr_scheduler=sched)
    assert opt.lr is None and opt.learning_rate == 0.2
    opt.num_update = 3
    assert opt.learning_rate == 0.05
    with pytest.raises(UserWarning, match="LRScheduler of the optimizer has already"):
        opt.set_learning_rate(0.1)
    with pytest.raises(DeprecationWarning):
        opt.set_lr_scale({})


def test_learning_rate_overrides_the_schedulers_base(capsys):
    sched = mx.lr_scheduler.FactorScheduler(step=10, base_lr=0.5)
    opt = mx.optimizer.SGD(learning_rate=0.3, lr_scheduler=sched)
    assert "overwritten by ``learning_rate``" in capsys.readouterr().out
    assert sched.base_lr == 0.3 and opt.learning_rate == 0.3


def test_lr_and_wd_multipliers():
    opt = mx.optimizer.SGD(learning_rate=0.1, wd=0.01,
                           param_idx2name={0: "fc_weight", 1: "fc_bias", 2: "bn_gamma",
                                           3: "bn_beta"})
    assert opt._get_wds([0, 1, 2, 3]) == [0.01, 0.0, 0.01, 0.0]
    opt.set_lr_mult({"fc_bias": 2.0, 0: 0.5})
    assert opt._get_lrs([0, 1, 2, 4]) == [0.05, 0.2, 0.1, 0.1]
    opt.set_wd_mult({"fc_bias": 3.0})
    assert opt._get_wds([0, 1, 3]) == [0.01, 0.03, 0.0]
    opt.set_lr_mult({})                          # replaces the earlier multipliers
    assert opt._get_lr(1) == 0.1

    class Param:
        lr_mult, wd_mult = 4.0, 0.0

    opt = mx.optimizer.SGD(learning_rate=0.1, wd=0.5, param_dict={7: Param()})
    assert opt._get_lr(7) == 0.4 and opt._get_wd(7) == 0.0
    assert "param_dict" not in opt.__getstate__()
    assert pickle.loads(pickle.dumps(opt)).param_dict == {}


def test_lars_keeps_weight_decay_on_weights_only():
    opt = mx.optimizer.LARS(wd=0.1, param_idx2name={0: "a_weight", 1: "bn_gamma"})
    assert opt._get_wds([0, 1]) == [0.1, 0.0]


def test_update_counts_per_index_and_begin_num_update():
    opt = mx.optimizer.Adam(begin_num_update=10)
    w, g = mx.nd.ones((2,)), mx.nd.ones((2,))
    state = opt.create_state(0, w)
    opt.update(0, w, g, state)
    opt.update(0, w, g, state)
    opt.update(1, w, g, opt.create_state(1, w))
    assert opt._index_update_count == {0: 12, 1: 11}
    assert opt.num_update == 12


def test_float16_without_multi_precision_warns():
    with pytest.warns(UserWarning, match="multi_precision=True"):
        mx.optimizer.SGD(momentum=0.9).create_state_multi_precision(
            0, mx.nd.ones((2,), dtype="float16"))
    with pytest.warns(UserWarning, match="multi_precision=True"):
        mx.optimizer.Adam().create_state_multi_precision(0, mx.nd.ones((2,), dtype="float16"))


def test_multi_precision_states_hold_float32_master_copies():
    w = mx.nd.array([1.0, 2.0], dtype="float16")
    mom, master = mx.optimizer.SGD(momentum=0.9, multi_precision=True) \
        .create_state_multi_precision(0, w)
    assert mom.dtype == np.float32 and master.dtype == np.float32
    master, (mean, var) = mx.optimizer.Adam(multi_precision=True) \
        .create_state_multi_precision(0, w)
    assert master.dtype == mean.dtype == var.dtype == np.float32
    np.testing.assert_array_equal(master.asnumpy(), [1.0, 2.0])


def test_updater_state_round_trip(ctx):
    case = CASES["adam"]
    grads = case["grads"][:6]

    def train(updater, weights, steps):
        for step_grads in steps:
            updater([0, 1], [mx.nd.array(g, ctx=ctx) for g in step_grads], weights)

    straight = [mx.nd.array(w, ctx=ctx) for w in case["init"]]
    train(mx.optimizer.get_updater(_make_optimizer(case)), straight, grads)

    weights = [mx.nd.array(w, ctx=ctx) for w in case["init"]]
    first = mx.optimizer.get_updater(_make_optimizer(case))
    train(first, weights, grads[:3])
    blob = first.get_states(dump_optimizer=True)
    resumed = mx.optimizer.get_updater(mx.optimizer.SGD())      # replaced by the dump
    resumed.set_states(blob)
    assert type(resumed.optimizer) is mx.optimizer.Adam
    assert resumed.optimizer.num_update == 3
    assert resumed.states_synced == {0: False, 1: False}
    train(resumed, weights, grads[3:])
    assert resumed.states_synced == {0: True, 1: True}
    for a, b in zip(weights, straight):
        np.testing.assert_array_equal(a.asnumpy(), b.asnumpy())

    # states only: the optimizer (and its update counts) stay the receiver's
    only = mx.optimizer.get_updater(_make_optimizer(case))
    only.set_states(first.get_states())
    assert only.optimizer.num_update == 0
    mean, var = only.states[1]
    np.testing.assert_array_equal(mean.asnumpy(), first.states[1][0].asnumpy())


def test_updater_single_index_and_bytes_index(ctx):
    updater = mx.optimizer.get_updater(mx.optimizer.Adam(learning_rate=0.1))
    assert not updater.aggregate_updates
    w = mx.nd.ones((2,), ctx=ctx)
    updater(b"w0", mx.nd.ones((2,), ctx=ctx), w)
    assert list(updater.states) == ["w0"]
    np.testing.assert_allclose(w.asnumpy(), [0.9, 0.9], rtol=1e-5)


def test_sync_state_context_keeps_container_types(ctx):
    updater = mx.optimizer.get_updater(mx.optimizer.SGD())
    state = [mx.nd.ones((1,)), (mx.nd.zeros((1,)), None), 3]
    synced = updater.sync_state_context(state, ctx)
    assert isinstance(synced, list) and isinstance(synced[1], tuple)
    assert synced[0].context == ctx and synced[1][1] is None and synced[2] == 3


def test_misuse():
    with pytest.raises(AssertionError, match="param_idx2name"):
        mx.optimizer.SGD(param_idx2name=[1])
    with pytest.raises(AssertionError, match="NDArray"):
        mx.optimizer.Adam().update(0, np.ones(2), mx.nd.ones((2,)), None)
    with pytest.raises(NotImplementedError):
        mx.optimizer.Optimizer().update(0, mx.nd.ones((1,)), mx.nd.ones((1,)), None)
    with pytest.raises(AssertionError, match="Weight decay is not supported"):
        opt = mx.optimizer.contrib.GroupAdaGrad(wd=0.1)
        w = mx.nd.ones((2, 2))
        opt.update(0, w, w, opt.create_state(0, w))


def test_group_adagrad_against_numpy(ctx):
    opt = mx.optimizer.contrib.GroupAdaGrad(learning_rate=0.1, rescale_grad=0.5,
                                            clip_gradient=0.8)
    rng = np.random.RandomState(3)
    w_np = rng.randn(3, 2).astype(np.float32)
    hist = np.zeros((3, 1), np.float32)
    w = mx.nd.array(w_np, ctx=ctx)
    state = opt.create_state(0, w)
    for _ in range(3):
        g = rng.randn(3, 2).astype(np.float32)
        opt.update(0, w, mx.nd.array(g, ctx=ctx), state)
        g = np.clip(g * 0.5, -0.8, 0.8)
        hist += (g * g).mean(axis=1, keepdims=True)
        w_np -= 0.1 * g / np.sqrt(hist + 1e-5)
    np.testing.assert_allclose(w.asnumpy(), w_np, rtol=1e-5, atol=1e-6)


def test_adadelta_leaves_the_gradient_alone(ctx):
    opt = mx.optimizer.AdaDelta(rescale_grad=0.5)
    w, g = mx.nd.ones((2,), ctx=ctx), mx.nd.array([1.0, 2.0], ctx=ctx)
    opt.update(0, w, g, opt.create_state(0, w))
    np.testing.assert_array_equal(g.asnumpy(), [1.0, 2.0])


def test_docstring_examples():
    from mxgrad.optimizer import adaptive, contrib, lbsgd, optimizer, sgd
    for module in (mx.optimizer, optimizer, sgd, adaptive, lbsgd, contrib):
        with mx.cpu(0):
            result = doctest.testmod(module, extraglobs={"mx": mx, "np": np},
                                     optionflags=doctest.NORMALIZE_WHITESPACE)
        assert result.failed == 0 and result.attempted > 0, module.__name__
