"""Invalid arguments are refused with MXNetError before anything is enqueued (checked on the
launch trace), and the accepted forms give MXNet 1.9.1's results."""
import numpy as np
import pytest

import mxgrad as mx
from launches import refused_before_launch


def _x(ctx):
    return mx.nd.array([[1, 2, 3], [4, 5, 6]], ctx=ctx)


@pytest.mark.parametrize("op", ["softmax", "log_softmax"])
@pytest.mark.parametrize("dtype", ["int32", "uint8", "int64", "bool", "float128x"])
def test_softmax_dtype_refused(ctx, op, dtype):
    refused_before_launch(ctx, lambda: getattr(mx.nd, op)(_x(ctx), dtype=dtype), "dtype")


@pytest.mark.parametrize("op", ["softmax", "log_softmax"])
@pytest.mark.parametrize("dtype", ["float16", "float32", "float64", np.float64])
def test_softmax_dtype_is_the_result_dtype(ctx, fp64, op, dtype):
    """MXNet computes in the input's type and writes the result in ``dtype``; the gradient
    comes back in the input's type."""
    x = _x(ctx)
    x.attach_grad()
    with mx.autograd.record():
        y = getattr(mx.nd, op)(x, dtype=dtype)
    assert y.dtype == np.dtype(dtype)
    ref = getattr(mx.nd, op)(x).asnumpy()
    np.testing.assert_allclose(y.asnumpy(), ref.astype(dtype), rtol=1e-3)
    y.backward(mx.nd.array([[1, 0, 0], [0, 1, 0]], ctx=ctx, dtype=dtype))
    assert x.grad.dtype == np.float32
    x2 = _x(ctx)
    x2.attach_grad()
    with mx.autograd.record():
        y2 = getattr(mx.nd, op)(x2)
    y2.backward(mx.nd.array([[1, 0, 0], [0, 1, 0]], ctx=ctx))
    np.testing.assert_allclose(x.grad.asnumpy(), x2.grad.asnumpy(), rtol=1e-3, atol=1e-4)


@pytest.mark.parametrize("axes", [(2,), (5,), (-1,), (-3,), (0, 2)])
@pytest.mark.parametrize("mode", ["always", "training"])
def test_dropout_axes_out_of_range(ctx, axes, mode):
    """MXNet takes only 0 <= axis < ndim (negative axes too are refused), in every mode."""
    refused_before_launch(ctx, lambda: mx.nd.Dropout(_x(ctx), p=0.5, axes=axes, mode=mode),
                          "axis")


@pytest.mark.parametrize("op", ["concat", "Concat"])
@pytest.mark.parametrize("num_args", [1, 3])
def test_concat_num_args_mismatch(ctx, op, num_args):
    x = _x(ctx)
    refused_before_launch(ctx, lambda: getattr(mx.nd, op)(x, x, num_args=num_args),
                          "num_args")
    assert mx.nd.concat(x, x, num_args=2).shape == (2, 6)


_REDUCTIONS = [
    ("sum", {"axis": 0}), ("mean", {"axis": 1}), ("prod", {"axis": 0}), ("max", {"axis": 0}),
    ("min", {}), ("nansum", {"axis": 0}), ("nanprod", {"axis": 1}), ("norm", {"axis": 0}),
    ("argmax", {"axis": 0}), ("argmin", {}), ("argmax_channel", {}),
    ("sum", {"axis": 0, "keepdims": True}), ("norm", {"axis": 1, "out_dtype": "float64"}),
]


@pytest.mark.parametrize("op,kwargs", _REDUCTIONS)
def test_reduction_out_of_wrong_shape_or_dtype(ctx, op, kwargs):
    x = _x(ctx)
    fn = getattr(mx.nd, op)
    want = fn(x, **kwargs)
    mx.nd.waitall()
    wrong_shape = mx.nd.zeros(want.shape + (2,), ctx=ctx, dtype=want.dtype)
    refused_before_launch(ctx, lambda: fn(x, out=wrong_shape, **kwargs), "out")
    other = "int32" if want.dtype != np.int32 else "float32"
    wrong_dtype = mx.nd.zeros(want.shape, ctx=ctx, dtype=other)
    refused_before_launch(ctx, lambda: fn(x, out=wrong_dtype, **kwargs), "out")
    refused_before_launch(ctx, lambda: fn(x, out=[0.0], **kwargs), "out")
    good = mx.nd.zeros(want.shape, ctx=ctx, dtype=want.dtype)
    assert fn(x, out=good, **kwargs) is good
    np.testing.assert_array_equal(good.asnumpy(), want.asnumpy())


@pytest.mark.parametrize("op", ["softmax", "log_softmax"])
def test_softmax_out_checked_before_launch(ctx, op):
    x = _x(ctx)
    fn = getattr(mx.nd, op)
    for bad in (mx.nd.zeros((3, 2), ctx=ctx), mx.nd.zeros((2, 3), ctx=ctx, dtype="float16")):
        refused_before_launch(ctx, lambda: fn(x, out=bad), "out")
    # with dtype=, out must have that dtype
    refused_before_launch(ctx, lambda: fn(x, dtype="float16", out=mx.nd.zeros((2, 3),
                                                                              ctx=ctx)), "out")
    good = mx.nd.zeros((2, 3), ctx=ctx, dtype="float16")
    assert fn(x, dtype="float16", out=good) is good
    np.testing.assert_allclose(good.asnumpy(), fn(x).asnumpy(), rtol=1e-3, atol=1e-3)


def test_pooling_out_checked_before_launch(ctx):
    x = mx.nd.ones((1, 2, 4, 4), ctx=ctx)
    for pool_type in ("max", "avg", "lp"):
        kwargs = dict(kernel=(2, 2), stride=(2, 2), pool_type=pool_type, p_value=2)
        refused_before_launch(ctx, lambda: mx.nd.Pooling(x, out=mx.nd.zeros((1, 2, 4, 4),
                                                                            ctx=ctx), **kwargs),
                              "out")
        good = mx.nd.zeros((1, 2, 2, 2), ctx=ctx)
        assert mx.nd.Pooling(x, out=good, **kwargs) is good
