"""mx.lr_scheduler against MXNet 1.9.1: each schedule's learning rate for update counts 0..39
(tests/data/optimizer_fixtures.json, written by make_optimizer_fixtures.py), warm-up modes,
misuse and use through an optimizer."""
import doctest
import json
import os

import pytest

import mxgrad as mx

SCHEDULERS = json.load(open(os.path.join(os.path.dirname(__file__), "data",
                                         "optimizer_fixtures.json")))["schedulers"]


@pytest.mark.parametrize("case", SCHEDULERS, ids=[c["name"] for c in SCHEDULERS])
def test_values_match_mxnet(case):
    sched = getattr(mx.lr_scheduler, case["class"])(**case["kwargs"])
    got = [sched(n) for n in range(len(case["values"]))]
    assert got == pytest.approx(case["values"], rel=1e-12, abs=1e-15)


def test_every_schedule_is_an_lrscheduler():
    for name in mx.lr_scheduler.__all__:
        assert issubclass(getattr(mx.lr_scheduler, name), mx.lr_scheduler.LRScheduler)
    with pytest.raises(NotImplementedError):
        mx.lr_scheduler.LRScheduler()(0)


def test_warmup():
    linear = mx.lr_scheduler.CosineScheduler(max_update=10, base_lr=1.0, warmup_steps=4,
                                             warmup_begin_lr=0.2)
    assert [linear.get_warmup_lr(n) for n in range(4)] == pytest.approx([0.2, 0.4, 0.6, 0.8])
    const = mx.lr_scheduler.PolyScheduler(max_update=10, base_lr=1.0, warmup_steps=4,
                                          warmup_begin_lr=0.2, warmup_mode="constant")
    assert [const(n) for n in range(4)] == [0.2] * 4
    assert const(4) == 1.0                       # the decay starts after the warm-up
    with pytest.raises(AssertionError):
        const.get_warmup_lr(4)


@pytest.mark.parametrize("make, match", [
    (lambda: mx.lr_scheduler.LRScheduler(base_lr=0.1, warmup_begin_lr=0.2), "warmup_begin_lr"),
    (lambda: mx.lr_scheduler.LRScheduler(warmup_steps=-1), "warmup_steps"),
    (lambda: mx.lr_scheduler.LRScheduler(warmup_mode="cubic"), "warmup_mode"),
    (lambda: mx.lr_scheduler.FactorScheduler(step=0), "step"),
    (lambda: mx.lr_scheduler.FactorScheduler(step=2, factor=1.5), "factor"),
    (lambda: mx.lr_scheduler.MultiFactorScheduler(step=[3, 3]), "increase"),
    (lambda: mx.lr_scheduler.MultiFactorScheduler(step=[0, 3]), "at least 1"),
    (lambda: mx.lr_scheduler.MultiFactorScheduler(step=[3], factor=2), "factor"),
    (lambda: mx.lr_scheduler.PolyScheduler(max_update=0), "max_update"),
    (lambda: mx.lr_scheduler.CosineScheduler(max_update=0), "max_update"),
])
def test_misuse_raises_value_error(make, match):
    with pytest.raises(ValueError, match=match):
        make()


@pytest.mark.parametrize("make", [
    lambda: mx.lr_scheduler.LRScheduler(warmup_steps=2.0),
    lambda: mx.lr_scheduler.MultiFactorScheduler(step=3),
    lambda: mx.lr_scheduler.MultiFactorScheduler(step=[]),
    lambda: mx.lr_scheduler.PolyScheduler(max_update=10.0),
    lambda: mx.lr_scheduler.CosineScheduler(max_update=10.0),
])
def test_wrong_types_fail_assertions(make):
    # MXNet asserts these types
    with pytest.raises(AssertionError):
        make()


def test_an_optimizer_follows_its_schedule():
    sched = mx.lr_scheduler.MultiFactorScheduler(step=[2, 4], factor=0.1, base_lr=1.0)
    opt = mx.optimizer.SGD(lr_scheduler=sched)
    w = mx.nd.zeros((1,))
    seen = []
    for _ in range(6):
        opt.update(0, w, mx.nd.ones((1,)), None)
        seen.append(opt.learning_rate)
    assert seen == pytest.approx([1.0, 1.0, 0.1, 0.1, 0.01, 0.01])
    assert w.asscalar() == pytest.approx(-(1 + 1 + 0.1 + 0.1 + 0.01 + 0.01), rel=1e-6)


def test_docstring_examples():
    result = doctest.testmod(mx.lr_scheduler, extraglobs={"mx": mx})
    assert result.failed == 0 and result.attempted > 0
