"""mx.init / mx.initializer against MXNet 1.9.1.

Random initializers draw from mxgrad's generator, so their numbers are not MXNet's: their
bounds and moments are tested. Deterministic ones (Zero, One, Constant, Bilinear, the
name-pattern rules, dumps) are compared exactly with MXNet (fixture values and strings from
tests/data/make_gluon_fixtures.py, or results stated in the MXNet 1.9.1 docs).
"""
import json
import os
import warnings

import numpy as np
import pytest

import mxgrad as mx

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
with open(os.path.join(DATA, "gluon_strings.json")) as f:
    STRINGS = json.load(f)


def _init(init, name, shape, ctx=None, dtype="float32"):
    arr = mx.nd.zeros(shape, ctx=ctx, dtype=dtype) + 5
    init(mx.init.InitDesc(name), arr)
    return arr.asnumpy()


def test_aliases_and_exports():
    assert mx.init is mx.initializer
    for name in ("InitDesc", "Initializer", "Uniform", "Normal", "Zero", "One", "Constant",
                 "Xavier", "MSRAPrelu", "Orthogonal", "Bilinear", "Mixed", "Load", "register",
                 "create", "alias", "LSTMBias"):
        assert hasattr(mx.init, name)


def test_dumps_match_mxnet():
    inits = [mx.init.Normal(0.5), mx.init.Xavier("gaussian", "in", 2), mx.init.MSRAPrelu(),
             mx.init.Uniform(), mx.init.Constant(3), mx.init.Orthogonal(), mx.init.Zero(),
             mx.init.One(), mx.init.Bilinear()]
    assert [i.dumps() for i in inits] == STRINGS["dumps"]
    assert json.loads(mx.init.Constant(mx.nd.array([1, 2])).dumps()) == ["constant",
                                                                        {"value": [1.0, 2.0]}]
    for init in inits:
        assert mx.init.create(init.dumps()) == init


def test_name_pattern_rules(ctx):
    init = mx.init.Uniform(0.1)
    assert (_init(init, "fc_bias", 3, ctx) == 0).all()
    assert (_init(init, "bn_beta", 3, ctx) == 0).all()
    assert (_init(init, "bn_gamma", 3, ctx) == 1).all()
    assert (_init(init, "q_min", 3, ctx) == 0).all()
    assert (_init(init, "q_max", 3, ctx) == 1).all()
    w = _init(init, "fc_weight", (20, 5), ctx)
    assert (np.abs(w) <= 0.1).all() and w.std() > 0.02
    # MXNet 1.9.1: an InitDesc with another name, e.g. moving_mean, is refused
    with pytest.raises(ValueError, match="Unknown initialization pattern for bn_moving_mean"):
        _init(init, "bn_moving_mean", 3, ctx)
    # attrs['__init__'] names the initializer, whatever the name says
    arr = mx.nd.ones(3, ctx=ctx)
    init(mx.init.InitDesc("fc_bias", {"__init__": mx.init.Constant(7).dumps()}), arr)
    assert (arr.asnumpy() == 7).all()


def test_legacy_string_names(ctx):
    init = mx.init.Uniform()
    expected = {"bn_moving_mean": 0, "bn_moving_var": 1, "bn_moving_inv_var": 0,
                "x_moving_avg": 0, "x_bias": 0, "x_gamma": 1, "x_beta": 0, "x_min": 0,
                "x_max": 1}
    for name, value in expected.items():
        arr = mx.nd.zeros(2, ctx=ctx) + 5
        with pytest.warns(DeprecationWarning):
            init(name, arr)
        assert (arr.asnumpy() == value).all(), name
    loc = mx.nd.zeros(6, ctx=ctx)
    with pytest.warns(DeprecationWarning):
        init("stn_loc_bias", loc)
    assert loc.asnumpy().tolist() == [1, 0, 0, 0, 1, 0]
    with pytest.raises(TypeError, match="arr must be NDArray"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        init("x_weight", np.zeros(2))


def test_deterministic_initializers(ctx):
    assert (_init(mx.init.Zero(), "w_weight", (2, 3), ctx) == 0).all()
    assert (_init(mx.init.One(), "w_weight", (2, 3), ctx) == 1).all()
    assert (_init(mx.init.Constant(2.5), "w_weight", (2, 3), ctx) == 2.5).all()
    value = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(_init(mx.init.Constant(mx.nd.array(value)), "w_weight",
                                        (2, 3), ctx), value)
    bilinear = mx.nd.load(os.path.join(DATA, "gluon_records.nd"))["bilinear"].asnumpy()
    np.testing.assert_array_equal(_init(mx.init.Bilinear(), "up_weight", (2, 3, 4, 5), ctx),
                                  bilinear)
    lstm = _init(mx.init.LSTMBias(forget_bias=3.0), "l_weight", (8,), ctx)
    assert lstm.tolist() == [0, 0, 3, 3, 0, 0, 0, 0]


def test_uniform_and_normal_moments(ctx):
    mx.random.seed(3)
    u = _init(mx.init.Uniform(0.2), "w_weight", (100, 100), ctx)
    assert u.min() >= -0.2 and u.max() < 0.2
    assert abs(u.mean()) < 0.005 and abs(u.std() - 0.2 / np.sqrt(3)) < 0.005
    n = _init(mx.init.Normal(0.3), "w_weight", (100, 100), ctx)
    assert abs(n.mean()) < 0.01 and abs(n.std() - 0.3) < 0.01
    n64 = _init(mx.init.Normal(1.0), "w_weight", (50, 50), ctx, dtype="float64")
    assert abs(n64.std() - 1.0) < 0.05


@pytest.mark.parametrize("factor_type", ["avg", "in", "out"])
def test_xavier_scales(ctx, factor_type):
    shape = (40, 30, 3, 3)
    fan_in, fan_out = 30 * 9, 40 * 9
    factor = {"avg": (fan_in + fan_out) / 2, "in": fan_in, "out": fan_out}[factor_type]
    scale = np.sqrt(3.0 / factor)
    u = _init(mx.init.Xavier("uniform", factor_type, 3), "c_weight", shape, ctx)
    assert np.abs(u).max() <= scale and abs(u.std() - scale / np.sqrt(3)) < 0.03 * scale
    g = _init(mx.init.Xavier("gaussian", factor_type, 3), "c_weight", shape, ctx)
    assert abs(g.std() - scale) < 0.03 * scale
    slope = 0.5
    m = _init(mx.init.MSRAPrelu(factor_type, slope), "c_weight", shape, ctx)
    assert abs(m.std() - np.sqrt(2.0 / (1 + slope ** 2) / factor)) < 0.03 * scale


def test_xavier_errors():
    with pytest.raises(ValueError, match="at least 2D"):
        _init(mx.init.Xavier(), "w_weight", (3,))
    with pytest.raises(ValueError, match="Incorrect factor type"):
        _init(mx.init.Xavier(factor_type="sideways"), "w_weight", (3, 3))
    with pytest.raises(ValueError, match="Unknown random type"):
        _init(mx.init.Xavier(rnd_type="poisson"), "w_weight", (3, 3))


@pytest.mark.parametrize("rand_type", ["uniform", "normal"])
def test_orthogonal(ctx, rand_type):
    wide = _init(mx.init.Orthogonal(scale=2.0, rand_type=rand_type), "w_weight", (3, 2, 4), ctx)
    flat = wide.reshape(3, 8)
    np.testing.assert_allclose(flat @ flat.T, 4 * np.eye(3), atol=1e-5)
    tall = _init(mx.init.Orthogonal(scale=1.0, rand_type=rand_type), "w_weight", (6, 2), ctx)
    np.testing.assert_allclose(tall.T @ tall, np.eye(2), atol=1e-5)


def test_mixed_and_load(tmp_path):
    mixed = mx.init.Mixed(["bias", ".*"], [mx.init.Zero(), mx.init.Constant(4)])
    b, w = mx.nd.ones(2), mx.nd.zeros(2)
    mixed("bias", b)
    mixed(mx.init.InitDesc("fc_weight"), w)
    assert b.asnumpy().tolist() == [0, 0] and w.asnumpy().tolist() == [4, 4]
    with pytest.raises(ValueError, match="did not match any pattern"):
        mx.init.Mixed(["bias"], [mx.init.Zero()])("weight", w)
    path = str(tmp_path / "p.nd")
    mx.nd.save(path, {"arg:fc_weight": mx.nd.array([[1, 2]]), "aux:bn_moving_var": mx.nd.ones(1)})
    load = mx.init.Load(path, default_init=mx.init.Constant(9))
    target = mx.nd.zeros((1, 2))
    load("fc_weight", target)
    assert target.asnumpy().tolist() == [[1, 2]]
    other = mx.nd.zeros(3)
    load(mx.init.InitDesc("other_weight"), other)
    assert other.asnumpy().tolist() == [9, 9, 9]
    with pytest.raises(AssertionError, match="Shape mismatch"):
        load("fc_weight", mx.nd.zeros(3))
    with pytest.raises(AssertionError, match="no default Initializer"):
        mx.init.Load({"a": mx.nd.ones(1)})("b", mx.nd.ones(1))


def test_register_alias_create():
    @mx.init.register
    @mx.init.alias("gcore_twos")
    class GcoreTwos(mx.init.Initializer):
        def __init__(self, bias=0.0):
            super().__init__(bias=bias)
            self.bias = bias

        def _init_weight(self, _, arr):
            arr[:] = 2 + self.bias

    for spec in ("gcoretwos", "GCORE_TWOS", '["gcoretwos", {"bias": 1}]',
                 '{"initializer": "gcoretwos"}', {"initializer": "gcore_twos", "bias": 1}):
        assert isinstance(mx.init.create(spec), GcoreTwos)
    inst = GcoreTwos()
    assert mx.init.create(inst) is inst
    with pytest.raises(AssertionError, match="not registered"):
        mx.init.create("no_such_init")
    with pytest.raises(AssertionError, match="already an instance"):
        mx.init.create(inst, 1)
    with pytest.raises(AssertionError, match="subclass"):
        mx.init.register(int)
    with pytest.warns(UserWarning, match="overriding"):
        mx.init.alias("gcore_twos")(type("Other", (mx.init.Initializer,), {}))
    with pytest.raises(NotImplementedError):
        mx.init.Initializer()(mx.init.InitDesc("w_weight"), mx.nd.zeros(1))


def test_equality_and_verbosity(caplog):
    assert mx.init.Uniform(0.1) == mx.init.Uniform(0.1)
    assert mx.init.Uniform(0.1) != mx.init.Uniform(0.2)
    assert mx.init.Uniform(0.1) != mx.init.Normal(0.1)
    init = mx.init.One().set_verbosity(True)
    with caplog.at_level("INFO"):
        init(mx.init.InitDesc("fc_weight"), mx.nd.zeros(4))
    assert "Initialized fc_weight as weight: 1.0" in caplog.text
