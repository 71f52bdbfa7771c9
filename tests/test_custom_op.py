"""mx.operator.CustomOp/CustomOpProp/register and mx.nd.Custom, as MXNet 1.9.1 runs them
(the calls each method receives were recorded side by side with MXNet 1.9.1)."""
import numpy as np
import pytest

import mxgrad as mx
from mxgrad import nd
from gradcheck import check_gradients

CALLS = []


class _Mul(mx.operator.CustomOp):
    def forward(self, is_train, req, in_data, out_data, aux):
        CALLS.append(("forward", is_train, list(req), out_data[0].shape, len(aux)))
        self.assign(out_data[0], req[0], in_data[0] * in_data[1])

    def backward(self, req, out_grad, in_data, out_data, in_grad, aux):
        CALLS.append(("backward", list(req), in_grad[0].asnumpy().tolist()))
        self.assign(in_grad[0], req[0], out_grad[0] * in_data[1])
        self.assign(in_grad[1], req[1], out_grad[0] * in_data[0])


@mx.operator.register("test_mul")
class _MulProp(mx.operator.CustomOpProp):
    def __init__(self, scale="1"):
        CALLS.append(("prop", scale))
        super().__init__(need_top_grad=True)

    def list_arguments(self):
        return ["a", "b"]

    def infer_shape(self, in_shape):
        CALLS.append(("infer_shape", in_shape))
        return in_shape, [in_shape[0]], []

    def create_operator(self, ctx, in_shapes, in_dtypes):
        CALLS.append(("create", in_shapes, in_dtypes))
        return _Mul()


def test_calls_are_those_of_mxnet(ctx):
    a = nd.array([1., 2.], ctx=ctx)
    b = nd.array([3., 4.], ctx=ctx)
    a.attach_grad()
    CALLS.clear()
    y = nd.Custom(a, b, op_type="test_mul", scale=3)
    np.testing.assert_array_equal(y.asnumpy(), [3, 8])
    # kwargs reach the property as strings; shapes as lists; dtypes as type codes
    assert CALLS == [("prop", "3"), ("infer_shape", [[2], [2]]),
                     ("create", [[2], [2]], [0, 0]), ("forward", 0, ["write"], (2,), 0)]
    CALLS.clear()
    with mx.autograd.record():
        y = nd.Custom(a, b, op_type="test_mul")
    y.backward(nd.array([1., 10.], ctx=ctx))
    assert CALLS[3] == ("forward", 1, ["write"], (2,), 0)
    assert CALLS[4] == ("backward", ["write", "null"], [0.0, 0.0])   # b needs no gradient
    np.testing.assert_array_equal(a.grad.asnumpy(), [3, 40])


def test_gradient_matches_finite_differences(ctx, fp64):
    check_gradients(lambda a, b: nd.Custom(a, b, op_type="test_mul"),
                    [np.random.RandomState(0).randn(3, 2), np.random.RandomState(1).randn(3, 2)],
                    ctx)


class _Split(mx.operator.CustomOp):
    def forward(self, is_train, req, in_data, out_data, aux):
        self.assign(out_data[0], req[0], in_data[0] * 2)
        self.assign(out_data[1], req[1], nd.sum(in_data[0]).reshape((1,)).astype("int32"))
        aux[0][:] += 1          # an auxiliary state, updated in place

    def backward(self, req, out_grad, in_data, out_data, in_grad, aux):
        self.assign(in_grad[0], req[0], out_grad[0] * 2)


@mx.operator.register("test_split")
class _SplitProp(mx.operator.CustomOpProp):
    def list_outputs(self):
        return ["double", "total"]

    def list_auxiliary_states(self):
        return ["count"]

    def infer_shape(self, in_shape):
        return in_shape, [in_shape[0], [1]], [[1]]

    def infer_type(self, in_type):
        return in_type, [in_type[0], np.int32], [in_type[0]]

    def create_operator(self, ctx, in_shapes, in_dtypes):
        return _Split()


def test_several_outputs_dtypes_and_auxiliary_states(ctx):
    x = nd.array([1., 2., 3.], ctx=ctx)
    count = nd.zeros((1,), ctx=ctx)
    x.attach_grad()
    with mx.autograd.record():
        double, total = nd.Custom(x, count, op_type="test_split")
    assert total.dtype == np.int32 and total.asnumpy().tolist() == [6]
    assert '"op": "Custom"' in mx.autograd.get_symbol(double).tojson()
    double.backward()
    np.testing.assert_array_equal(x.grad.asnumpy(), [2, 2, 2])
    assert count.asnumpy().tolist() == [1]


def test_misuse_raises_before_running(ctx):
    a = nd.array([1.], ctx=ctx)
    with pytest.raises(mx.MXNetError, match="expects 2 inputs"):
        nd.Custom(a, op_type="test_mul")
    with pytest.raises(mx.MXNetError, match="cannot find the custom operator 'nope'"):
        nd.Custom(a, op_type="nope")
    with pytest.raises(mx.MXNetError, match="op_type is required"):
        nd.Custom(a)
    with pytest.raises(mx.MXNetError, match="must be an NDArray"):
        nd.Custom(a, [1.0], op_type="test_mul")
    with pytest.raises(mx.MXNetError, match="not a subclass"):
        mx.operator.register("bad")(object)
    with pytest.raises(mx.MXNetError, match="req must be"):
        mx.operator.CustomOp().assign(a, "sometimes", a)
