"""MXNet 1.9.1 semantics of autograd.grad and backward that code relies on: what grad
returns for one variable, which variables it refuses, grad_req='null', errors that leave
the graph alone, and (where mxgrad differs on purpose) zeros for higher-order gradients of
constant derivatives."""
import numpy as np
import pytest

import mxgrad as mx
from mxgrad import autograd as ag
from mxgrad.base import MXNetError


# --- grad with a single NDArray returns a list ----------------------------------------------
def test_grad_of_a_single_variable_is_a_list_of_one(ctx):
    x = mx.nd.array([[1.0, 2.0], [3.0, 4.0]], ctx=ctx)
    x.attach_grad()
    with ag.record():
        y = x * x * x
    grads = ag.grad(y, x)
    assert isinstance(grads, list) and len(grads) == 1
    # the common `grad(y, x)[0]` is the whole gradient, not its first row
    np.testing.assert_allclose(grads[0].asnumpy(), 3 * x.asnumpy() ** 2)


@pytest.mark.parametrize("container", [list, tuple])
def test_grad_of_a_sequence_of_variables(ctx, container):
    x = mx.nd.array([1.0, 2.0], ctx=ctx)
    w = mx.nd.array([3.0, 5.0], ctx=ctx)
    x.attach_grad()
    w.attach_grad()
    with ag.record():
        y = x * w
    gx, gw = ag.grad(y, container([x, w]))
    np.testing.assert_allclose(gx.asnumpy(), [3, 5])
    np.testing.assert_allclose(gw.asnumpy(), [1, 2])


# --- grad refuses what MXNet refuses ------------------------------------------------------------
def _graph(ctx):
    x = mx.nd.array([1.0, 2.0], ctx=ctx)
    w = mx.nd.array([3.0, 4.0], ctx=ctx)
    n = mx.nd.array([5.0, 6.0], ctx=ctx)
    x.attach_grad()
    n.attach_grad(grad_req="null")
    with ag.record():
        a = x * w
        y = a * n + 1
    return x, w, n, a, y


@pytest.mark.parametrize("which", ["never marked", "grad_req null", "intermediate"])
def test_grad_wrt_an_array_that_does_not_require_a_gradient_raises(ctx, which):
    x, w, n, a, y = _graph(ctx)
    bad = {"never marked": w, "grad_req null": n, "intermediate": a}[which]
    with pytest.raises(MXNetError, match="2nd variable: it does not require a gradient"):
        ag.grad(y, [x, bad])
    # raised before the traversal: the graph is still there for a correct call
    (gx,) = ag.grad(y, [x])
    np.testing.assert_allclose(gx.asnumpy(), w.asnumpy() * n.asnumpy())


def test_grad_wrt_a_variable_the_heads_do_not_depend_on_raises(ctx):
    x = mx.nd.array([1.0, 2.0], ctx=ctx)
    w = mx.nd.array([3.0, 4.0], ctx=ctx)
    x.attach_grad()
    w.attach_grad()
    with ag.record():
        y = x * 2
    with pytest.raises(MXNetError, match="1st variable: the heads do not depend on it"):
        ag.grad(y, w)
    with pytest.raises(MXNetError, match="2nd variable: the heads do not depend on it"):
        ag.grad(y, [x, w], create_graph=True)
    (gx,) = ag.grad(y, [x])
    np.testing.assert_allclose(gx.asnumpy(), [2, 2])


# --- higher order through constant derivatives: zeros -------------------------------------------
CONSTANT_DERIVATIVES = {
    "3x+1, 2nd": (lambda x: 3 * x + 1, 2),
    "x+x, 2nd": (lambda x: x + x, 2),
    "x*2, 2nd": (lambda x: x * 2, 2),
    "radians, 2nd": (lambda x: mx.nd.radians(x), 2),
    "x*x, 3rd": (lambda x: x * x, 3),
    "x*x, 5th": (lambda x: x * x, 5),
}


@pytest.mark.parametrize("case", sorted(CONSTANT_DERIVATIVES))
def test_higher_order_of_a_constant_derivative_is_zeros(ctx, case):
    f, order = CONSTANT_DERIVATIVES[case]
    x = mx.nd.array([0.5, -2.0, 3.0], ctx=ctx)
    x.attach_grad()
    with ag.record():
        g = f(x)
        for _ in range(order - 1):
            g = ag.grad(g, x, create_graph=True)[0]
    (last,) = ag.grad(g, x)
    assert last.shape == x.shape and last.dtype == x.dtype
    np.testing.assert_array_equal(last.asnumpy(), np.zeros(3))


def test_backward_of_a_constant_gradient_writes_zeros(ctx):
    x = mx.nd.array([1.0, 2.0], ctx=ctx)
    x.attach_grad()
    x.grad[:] = 7
    with ag.record():
        (g,) = ag.grad(3 * x + 1, [x], create_graph=True)
    np.testing.assert_allclose(g.asnumpy(), [3, 3])
    g.backward()
    np.testing.assert_array_equal(x.grad.asnumpy(), [0, 0])


def test_mixed_partials_of_a_higher_order_graph_are_zeros_where_unreached(ctx):
    # f = x^2 + 3w: df/dx = 2x reaches only x, df/dw = 3 reaches nothing; every second
    # derivative is defined (zeros where the first derivative does not involve a variable)
    x = mx.nd.array([1.0, 2.0], ctx=ctx, dtype="float64")
    w = mx.nd.array([5.0, 6.0], ctx=ctx, dtype="float64")
    x.attach_grad()
    w.attach_grad()
    with ag.record():
        dx, dw = ag.grad(x * x + 3 * w, [x, w], create_graph=True)
    np.testing.assert_allclose(dx.asnumpy(), [2, 4])
    np.testing.assert_allclose(dw.asnumpy(), [3, 3])
    dxx, dxw = ag.grad(dx, [x, w], retain_graph=True)
    np.testing.assert_allclose(dxx.asnumpy(), [2, 2])
    np.testing.assert_array_equal(dxw.asnumpy(), [0, 0])
    dwx, dww = ag.grad(dw, [x, w])
    np.testing.assert_array_equal(dwx.asnumpy(), [0, 0])
    np.testing.assert_array_equal(dww.asnumpy(), [0, 0])


def test_constant_gradient_leaves_the_callers_head_gradient_alone(ctx):
    x = mx.nd.array([1.0, 2.0], ctx=ctx)
    x.attach_grad()
    v = mx.nd.array([10.0, 20.0], ctx=ctx)
    with ag.record():
        y = x + 1                    # its gradient is the head gradient itself
    (g,) = ag.grad(y, [x], head_grads=[v], create_graph=True)
    np.testing.assert_allclose(g.asnumpy(), [10, 20])
    assert g is not v and v._entry is None
    v += 1                           # v is still a plain array (no graph to protect)
    np.testing.assert_allclose(v.asnumpy(), [11, 21])


def test_a_constant_gradient_without_create_graph_is_not_differentiable(ctx):
    # as in MXNet: only create_graph=True records the gradient computation
    x = mx.nd.array([1.0, 2.0], ctx=ctx)
    x.attach_grad()
    with ag.record():
        (g,) = ag.grad(3 * x, [x])
    with pytest.raises(MXNetError, match="record"):
        ag.grad(g, [x])


# --- errors about arguments leave the graph alone ----------------------------------------------
def test_wrong_shape_head_gradient_raises_and_keeps_the_graph(ctx):
    x = mx.nd.array([1.0, 2.0], ctx=ctx)
    x.attach_grad()
    with ag.record():
        y = x * x
    with pytest.raises(MXNetError, match="shape"):
        y.backward(out_grad=mx.nd.ones((3,), ctx=ctx))
    y.backward(out_grad=mx.nd.array([1.0, 10.0], ctx=ctx))
    np.testing.assert_allclose(x.grad.asnumpy(), [2, 40])


def test_wrong_shape_head_gradient_of_grad_keeps_the_graph(ctx):
    x = mx.nd.array([1.0, 2.0], ctx=ctx)
    x.attach_grad()
    with ag.record():
        a = x * x
        b = x * 3
    with pytest.raises(MXNetError, match="shape"):
        ag.grad([a, b], [x], head_grads=[None, mx.nd.ones((2, 1), ctx=ctx)])
    (g,) = ag.grad([a, b], [x], head_grads=[None, mx.nd.ones((2,), ctx=ctx)])
    np.testing.assert_allclose(g.asnumpy(), [5, 7])


@pytest.mark.parametrize("dtype", ["float64", "int32"])
def test_wrong_dtype_head_gradient_raises_and_keeps_the_graph(ctx, dtype, request):
    if dtype == "float64":
        request.getfixturevalue("fp64")
    x = mx.nd.array([1.0, 2.0], ctx=ctx)
    x.attach_grad()
    with ag.record():
        y = x * x
    with pytest.raises(MXNetError, match="dtype"):
        y.backward(out_grad=mx.nd.array([1, 10], ctx=ctx, dtype=dtype))
    y.backward(out_grad=mx.nd.array([1.0, 10.0], ctx=ctx))
    np.testing.assert_allclose(x.grad.asnumpy(), [2, 40])


def test_variables_of_another_type_raise(ctx):
    x = mx.nd.array([1.0], ctx=ctx)
    x.attach_grad()
    with ag.record():
        y = x * 2
    for bad in (None, 3.0, [x, 3.0]):
        with pytest.raises(MXNetError, match="NDArray"):
            ag.grad(y, bad)
    (g,) = ag.grad(y, x)
    np.testing.assert_allclose(g.asnumpy(), [2])
