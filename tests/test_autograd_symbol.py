"""autograd.get_symbol: the recorded history as a Symbol."""
import json

import numpy as np
import pytest

import mxgrad as mx
from mxgrad.base import MXNetError


def _record(ctx):
    x = mx.nd.array([1.0, 2.0, 3.0], ctx=ctx)
    x.attach_grad()
    w = mx.nd.array([1.0, 1.0, 1.0], ctx=ctx)
    with mx.autograd.record():
        y = mx.nd.exp(x * w) + 2
        z = 3 - y
    return x, w, z


def test_arguments_outputs_repr(ctx):
    _, _, z = _record(ctx)
    s = mx.autograd.get_symbol(z)
    assert s.list_arguments() == ["var0", "null1"]
    assert s.list_outputs() == ["node_3_output"]
    assert repr(s) == "<Symbol node_3>"
    assert "exp(node_0)" in str(s)


def test_json_layout_matches_mxnet(ctx):
    _, _, z = _record(ctx)
    g = json.loads(mx.autograd.get_symbol(z).tojson())
    assert [n["op"] for n in g["nodes"]] == ["null", "null", "broadcast_mul", "exp",
                                             "_plus_scalar", "_rminus_scalar"]
    assert [n["name"] for n in g["nodes"]] == ["var0", "null1", "node_0", "node_1", "node_2",
                                               "node_3"]
    assert g["nodes"][2]["inputs"] == [[0, 0, 0], [1, 0, 0]]
    assert g["nodes"][4]["attrs"] == {"scalar": "2.0"}
    assert g["arg_nodes"] == [0, 1]
    assert g["node_row_ptr"] == [0, 1, 2, 3, 4, 5, 6]
    assert g["heads"] == [[5, 0, 0]]
    assert g["attrs"]["mxnet_version"] == ["int", 10901]


def test_eval_reruns_on_new_inputs(ctx):
    _, _, z = _record(ctx)
    s = mx.autograd.get_symbol(z)
    a = np.array([0.5, 1.0, -1.0])
    b = np.array([2.0, 0.0, 1.0])
    (out,) = s.eval(ctx=ctx, var0=mx.nd.array(a, ctx=ctx), null1=mx.nd.array(b, ctx=ctx))
    np.testing.assert_allclose(out.asnumpy(), 3 - (np.exp(a * b) + 2), rtol=1e-6)


def test_eval_missing_argument(ctx):
    _, _, z = _record(ctx)
    with pytest.raises(MXNetError, match="null1"):
        mx.autograd.get_symbol(z).eval(ctx=ctx, var0=mx.nd.ones((3,), ctx=ctx))


def test_not_recorded_raises(ctx):
    with pytest.raises(MXNetError, match="record"):
        mx.autograd.get_symbol(mx.nd.array([1.0], ctx=ctx))


def test_function_nodes_replay(ctx):
    class Double(mx.autograd.Function):
        def forward(self, x):
            return x * 2

        def backward(self, dy):
            return dy * 2

    x = mx.nd.array([1.0, 2.0], ctx=ctx)
    x.attach_grad()
    with mx.autograd.record():
        y = Double()(x) + 1
    s = mx.autograd.get_symbol(y)
    assert "Double" in str(s)
    (out,) = s.eval(ctx=ctx, var0=mx.nd.array([5.0, 6.0], ctx=ctx))
    np.testing.assert_allclose(out.asnumpy(), [11, 13])


# --- the same operators and layout as MXNet's graph for the same program --------------------
def _ops(sym):
    return [(n["op"], n.get("attrs", {})) for n in json.loads(sym.tojson())["nodes"]]


def test_layout_is_depth_first_with_each_argument_before_its_first_reader(ctx):
    # MXNet 1.9.1 lists: var0, exp, null, broadcast_mul, var, relu, broadcast_mul, broadcast_add
    x = mx.nd.array([1.0, 2.0], ctx=ctx)
    w = mx.nd.array([3.0, 4.0], ctx=ctx)
    v = mx.nd.array([-5.0, 6.0], ctx=ctx)
    x.attach_grad()
    v.attach_grad()
    with mx.autograd.record():
        y = mx.nd.exp(x) * w + mx.nd.relu(v) * x
    s = mx.autograd.get_symbol(y)
    g = json.loads(s.tojson())
    assert [n["op"] for n in g["nodes"]] == ["null", "exp", "null", "broadcast_mul", "null",
                                             "relu", "broadcast_mul", "broadcast_add"]
    assert g["arg_nodes"] == [0, 2, 4]
    assert [n["inputs"] for n in g["nodes"]][3] == [[1, 0, 0], [2, 0, 0]]
    assert g["nodes"][6]["inputs"] == [[5, 0, 0], [0, 0, 0]]
    assert g["heads"] == [[7, 0, 0]]
    assert [n["name"] for n in g["nodes"] if n["op"] != "null"] == [f"node_{j}" for j in range(5)]
    args = s.list_arguments()
    assert [a[:3] for a in args] == ["var", "nul", "var"]
    a, b, c = (np.array([0.5, -1.0]), np.array([2.0, 3.0]), np.array([1.0, -2.0]))
    (out,) = s.eval(ctx=ctx, **{name: mx.nd.array(val, ctx=ctx)
                                for name, val in zip(args, (a, b, c))})
    np.testing.assert_allclose(out.asnumpy(), np.exp(a) * b + np.maximum(c, 0) * a, rtol=1e-6)


def test_view_reshape_is_one_reshape_node_as_in_mxnet(ctx):
    x = mx.nd.array([[1, 2, 3], [4, 5, 6]], ctx=ctx)
    x.attach_grad()
    with mx.autograd.record():
        y = x.reshape((3, 2)) * 2
        z = x.reshape(-1) * 2
        u = mx.nd.reshape(x, shape=(3, 2)) * 2
    scalar = ("_mul_scalar", {"scalar": "2.0"})
    # NDArray.reshape (a view) is recorded with the shape as MXNet's view prints it
    assert _ops(mx.autograd.get_symbol(y)) == [("null", {}), ("Reshape", {"shape": "[3,2]"}),
                                               scalar]
    assert _ops(mx.autograd.get_symbol(z)) == [("null", {}), ("Reshape", {"shape": "[6]"}),
                                               scalar]
    assert _ops(mx.autograd.get_symbol(u)) == [("null", {}), ("Reshape", {"shape": "(3, 2)"}),
                                               scalar]
    (out,) = mx.autograd.get_symbol(y).eval(ctx=ctx, var0=mx.nd.arange(6, ctx=ctx))
    np.testing.assert_allclose(out.asnumpy(), np.arange(6).reshape(3, 2) * 2)


def test_reshaped_input_of_a_two_input_op(ctx):
    # MXNet: null, Reshape, null, dot (the second argument after the first one's reshape)
    x = mx.nd.arange(6, ctx=ctx)
    w = mx.nd.ones((3, 2), ctx=ctx)
    x.attach_grad()
    w.attach_grad()
    with mx.autograd.record():
        y = mx.nd.dot(x.reshape((2, 3)), w)
    assert [op for op, _ in _ops(mx.autograd.get_symbol(y))] == ["null", "Reshape", "null",
                                                                 "dot"]


def test_identity_is_named_copy_as_in_mxnet(ctx):
    x = mx.nd.array([1.0, 2.0], ctx=ctx)
    x.attach_grad()
    with mx.autograd.record():
        y = mx.nd.identity(x)
    assert [op for op, _ in _ops(mx.autograd.get_symbol(y))] == ["null", "_copy"]
