"""gluon.Parameter, Constant and ParameterDict, side by side with MXNet 1.9.1's behaviour
(exception types as MXNet's; messages in the same spirit, checked by their key words)."""

import numpy as np
import pytest

import mxgrad as mx
from doctest_runner import run_module_doctests
import mxgrad.gluon.block
import mxgrad.gluon.nn.activations
import mxgrad.gluon.nn.basic_layers
import mxgrad.gluon.nn.conv_layers
import mxgrad.gluon.parameter

gluon = mx.gluon


def test_parameter_lifecycle(ctx):
    p = gluon.Parameter("fc_weight", shape=(2, 3), init=mx.init.Constant(1.5), lr_mult=2.0,
                        wd_mult=0.5)
    assert (p.name, p.shape, p.lr_mult, p.wd_mult, p.grad_req) == ("fc_weight", (2, 3), 2.0,
                                                                    0.5, "write")
    with pytest.raises(RuntimeError, match="'fc_weight' has not been initialized"):
        p.data()
    with pytest.raises(RuntimeError, match="has not been initialized"):
        p.list_ctx()
    p.initialize(ctx=ctx)
    assert p.list_ctx() == [ctx]
    assert (p.data(ctx).asnumpy() == 1.5).all() and p.data().context == ctx
    assert (p.grad(ctx).asnumpy() == 0).all() and len(p.list_grad()) == 1
    with pytest.warns(UserWarning, match="already initialized"):
        p.initialize(ctx=ctx)
    p.initialize(init=mx.init.Zero(), ctx=ctx, force_reinit=True)
    assert (p.data().asnumpy() == 0).all()
    x = mx.nd.array([1.0, 2.0, 3.0], ctx=ctx)
    with mx.autograd.record():
        y = mx.nd.dot(p.data(), x).sum()
    y.backward()
    np.testing.assert_allclose(p.grad().asnumpy(), [[1, 2, 3], [1, 2, 3]])
    p.zero_grad()
    assert (p.grad().asnumpy() == 0).all()
    p.set_data(mx.nd.ones((2, 3), ctx=ctx) * 4)
    assert (p.data().asnumpy() == 4).all()
    with pytest.raises(AssertionError, match="incompatible"):
        p.set_data(mx.nd.ones((3, 3)))


def test_grad_req_changes(ctx):
    p = gluon.Parameter("w", shape=(2,), grad_req="null")
    p.initialize(ctx=ctx)
    with pytest.raises(RuntimeError, match="grad_req='null'"):
        p.grad()
    with pytest.raises(RuntimeError, match="grad_req='null'"):
        p.list_grad()
    p.grad_req = "add"
    assert p.grad().shape == (2,)
    for _ in range(2):
        with mx.autograd.record():
            y = (p.data() * 3).sum()
        y.backward()
    assert p.grad().asnumpy().tolist() == [6, 6]
    p.grad_req = "null"
    assert p._grad is None
    with pytest.raises(AssertionError, match="grad_req must be one of"):
        p.grad_req = "sometimes"
    frozen = gluon.Parameter("f", shape=(1,), differentiable=False)
    assert frozen.grad_req == "null"


def test_deferred_init_and_set_data_before_it():
    p = gluon.Parameter("w", shape=(0, 3), allow_deferred_init=True, init=mx.init.One())
    p.initialize(ctx=mx.cpu())
    assert p.list_ctx() == [mx.cpu()]
    with pytest.raises(gluon.DeferredInitializationError, match="deferred"):
        p.data()
    p.shape = (2, 3)
    p._finish_deferred_init()
    assert (p.data().asnumpy() == 1).all()
    q = gluon.Parameter("q", shape=(0,), allow_deferred_init=True)
    q.initialize()
    q.set_data(mx.nd.array([5.0, 6.0]))            # remembered until the init finishes
    assert q.shape == (2,)
    q._finish_deferred_init()
    assert q.data().asnumpy().tolist() == [5, 6]
    with pytest.raises(ValueError, match="invalid shape"):
        gluon.Parameter("r", shape=(0,)).initialize()
    with pytest.raises(AssertionError, match="has not been initialized"):
        gluon.Parameter("s", shape=(1,)).set_data(mx.nd.ones(1))
    with pytest.raises(ValueError, match="Cannot reset context"):
        gluon.Parameter("t", shape=(1,)).reset_ctx(mx.cpu())


def test_several_contexts_reset_ctx_and_cast():
    p = gluon.Parameter("w", shape=(2,), init=mx.init.One())
    p.initialize(ctx=[mx.cpu(0), mx.cpu(1)])
    assert p.list_ctx() == [mx.cpu(0), mx.cpu(1)] and len(p.list_data()) == 2
    assert p.data(mx.cpu(1)).context == mx.cpu(1)
    with pytest.raises(RuntimeError, match="was not initialized on context cpu\\(2\\)"):
        p.data(mx.cpu(2))
    p.list_data()[1][:] = 3                       # saving averages the copies
    assert p._reduce().asnumpy().tolist() == [2, 2]
    p.reset_ctx(mx.cpu(2))
    assert p.list_ctx() == [mx.cpu(2)] and p.data().asnumpy().tolist() == [2, 2]
    p.cast("float64")
    assert p.dtype == "float64" and p.data().dtype == np.float64
    assert p.grad().dtype == np.float64
    with mx.autograd.record():
        y = (p.data() * p.data()).sum()
    y.backward()
    assert p.grad().asnumpy().tolist() == [4, 4]
    p.dtype = "float32"
    assert p.data().dtype == np.float32


def test_var_and_sparse_refused():
    with pytest.raises(mx.MXNetError, match="symbolic"):
        gluon.Parameter("w").var()
    with pytest.raises(mx.MXNetError, match="sparse"):
        gluon.Parameter("w", stype="row_sparse")
    with pytest.raises(ValueError, match="sparse_grad"):
        gluon.nn.Embedding(3, 2, sparse_grad=True)


def test_constant():
    c = gluon.Constant("c", mx.nd.array([[1, 2], [3, 4]]))
    assert repr(c) == "Constant c (shape=(2, 2), dtype=<class 'numpy.float32'>)"
    with pytest.warns(UserWarning, match="does not support grad_req"):
        c.grad_req = "write"
    assert c.grad_req == "null"
    c.initialize()
    assert c.data().asnumpy().tolist() == [[1, 2], [3, 4]]
    c.set_data(mx.nd.zeros((2, 2)))
    assert (c.data().asnumpy() == 0).all()


def test_parameter_dict_get_and_shared():
    pd = gluon.ParameterDict("net_")
    w = pd.get("weight", shape=(0, 3), dtype="float32")
    assert pd.get("weight", shape=(4, 0)) is w and w.shape == (4, 3)
    assert pd.get("weight", dtype=np.float32) is w
    with pytest.raises(AssertionError, match="desired attribute does not match"):
        pd.get("weight", shape=(5, 3))
    with pytest.raises(AssertionError, match="'lr_mult'"):
        pd.get("weight", lr_mult=3.0)
    pd.get("weight", init="ones")                 # an attribute that was None is set
    assert w.init == "ones"
    shared = gluon.ParameterDict("net_", shared=pd)
    assert shared.get("weight") is w and "net_weight" in shared
    assert repr(pd) == ("net_ (\n  Parameter net_weight (shape=(4, 3), dtype=float32)\n)")
    assert repr(gluon.ParameterDict()) == "(\n\n)"
    c = pd.get_constant("c", [1.0, 2.0])
    assert pd.get_constant("c") is c and pd.get_constant("c", [1.0, 2.0]) is c
    with pytest.raises(AssertionError, match="doesn't match"):
        pd.get_constant("c", [1.0, 3.0])
    with pytest.raises(AssertionError, match="not a constant"):
        pd.get_constant("weight", [1.0])
    with pytest.raises(KeyError, match="No constant named"):
        pd.get_constant("missing")


def test_parameter_dict_bulk_operations(tmp_path):
    pd = gluon.ParameterDict("m_")
    pd.get("weight", shape=(2, 2))
    pd.get("bias", shape=(2,))
    other = gluon.ParameterDict("m_")
    other.get("weight", shape=(2, 2))
    with pytest.raises(AssertionError, match="different Parameters with the same name"):
        pd.update(other)
    pd.initialize(mx.init.Constant(3), ctx=mx.cpu())
    assert (pd["m_weight"].data().asnumpy() == 3).all()
    assert (pd["m_bias"].data().asnumpy() == 3).all()    # the default reaches every name
    pd.setattr("grad_req", "add")
    assert all(p.grad_req == "add" for p in pd.values())
    for p in pd.values():
        p.grad()[:] = 1
    pd.zero_grad()
    assert all((p.grad().asnumpy() == 0).all() for p in pd.values())
    pd.reset_ctx([mx.cpu(1)])
    assert pd.list_ctx() == [mx.cpu(1)]
    path = str(tmp_path / "pd.params")
    pd.save(path, strip_prefix="m_")
    assert sorted(mx.nd.load(path)) == ["bias", "weight"]
    fresh = gluon.ParameterDict("m_")
    fresh.get("weight", shape=(0, 2), allow_deferred_init=True)
    fresh.load(path, ctx=mx.cpu(), restore_prefix="m_", ignore_extra=True)
    assert fresh["m_weight"].shape == (2, 2) and (fresh["m_weight"].data().asnumpy() == 3).all()
    with pytest.raises(AssertionError, match="is not present in ParameterDict"):
        fresh.load(path, restore_prefix="m_")
    bigger = gluon.ParameterDict("m_")
    bigger.get("weight", shape=(2, 2))
    bigger.get("extra", shape=(1,))
    with pytest.raises(AssertionError, match="'extra' is missing"):
        bigger.load(path, restore_prefix="m_")
    bigger.load(path, restore_prefix="m_", allow_missing=True, ignore_extra=True)
    with pytest.raises(AssertionError, match="restore_prefix"):
        bigger.load(path, restore_prefix="zz_")
    wrong = gluon.ParameterDict()
    wrong.get("weight", shape=(3, 3))
    with pytest.raises(AssertionError, match="shape incompatible"):
        wrong.load(path, ignore_extra=True)


MODULES = [mx.initializer, mx.gluon, mxgrad.gluon.parameter, mxgrad.gluon.block,
           mxgrad.gluon.nn.basic_layers, mxgrad.gluon.nn.activations,
           mxgrad.gluon.nn.conv_layers]


@pytest.mark.parametrize("module", MODULES, ids=[m.__name__ for m in MODULES])
def test_docstring_examples(module):
    """The examples in the docstrings run and show what they say (on cpu(0))."""
    run_module_doctests(module)
