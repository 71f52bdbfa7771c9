"""The mx.autograd API: scopes, flags, backward/grad options, grad_req, errors, Function."""
import gc
import threading

import numpy as np
import pytest

import mxgrad as mx
from mxgrad import autograd as ag
from mxgrad.base import MXNetError


# --- flags and scopes --------------------------------------------------------------------
def test_default_state_is_not_recording_predict_mode():
    assert not ag.is_recording()
    assert not ag.is_training()


def test_set_flags_return_previous_state():
    assert ag.set_recording(True) is False
    assert ag.set_recording(False) is True
    assert ag.set_training(True) is False
    assert ag.set_training(False) is True


def test_scopes_nest_and_restore():
    with ag.record():
        assert ag.is_recording() and ag.is_training()
        with ag.pause():
            assert not ag.is_recording() and not ag.is_training()
            with ag.train_mode():
                assert not ag.is_recording() and ag.is_training()
            with ag.record(train_mode=False):
                assert ag.is_recording() and not ag.is_training()
        assert ag.is_recording() and ag.is_training()
        with ag.predict_mode():
            assert ag.is_recording() and not ag.is_training()
        with ag.pause(train_mode=True):
            assert not ag.is_recording() and ag.is_training()
    assert not ag.is_recording() and not ag.is_training()


def test_scope_restores_on_exception():
    with pytest.raises(ZeroDivisionError):
        with ag.record():
            1 / 0
    assert not ag.is_recording() and not ag.is_training()


def test_scope_object_can_be_entered_again_and_nested():
    scope = ag.record()
    with scope:
        assert ag.is_recording()
    assert not ag.is_recording()
    with scope:
        with ag.pause():
            with scope:
                assert ag.is_recording()
            assert not ag.is_recording()
        assert ag.is_recording()
    assert not ag.is_recording()


def test_thread_does_not_inherit_recording():
    seen = {}

    def work():
        seen["recording"] = ag.is_recording()
        seen["training"] = ag.is_training()

    with ag.record():
        t = threading.Thread(target=work)
        t.start()
        t.join()
    assert seen == {"recording": False, "training": False}


# --- backward ----------------------------------------------------------------------------
def test_documented_example(ctx):
    x = mx.nd.array([[1, 2], [3, 4]], ctx=ctx)
    x.attach_grad()
    with ag.record():
        y = 2 * x * x
    y.backward()
    np.testing.assert_allclose(x.grad.asnumpy(), [[4, 8], [12, 16]])


@pytest.mark.parametrize("use_elemwise_add", [False, True])
def test_documented_grad_create_graph(ctx, use_elemwise_add):
    x = mx.nd.ones((1,), ctx=ctx)
    x.attach_grad()
    with ag.record():
        e = mx.nd.exp(x)
        z = mx.nd.elemwise_add(e, x) if use_elemwise_add else e + x
    dx = ag.grad(z, [x], create_graph=True)
    assert isinstance(dx, list) and len(dx) == 1
    np.testing.assert_allclose(dx[0].asnumpy(), [3.71828175], rtol=1e-6)
    dx[0].backward()
    np.testing.assert_allclose(x.grad.asnumpy(), [np.e], rtol=1e-6)


def test_fan_out_accumulates(ctx):
    x = mx.nd.array([1.0, 2.0, 3.0], ctx=ctx)
    x.attach_grad()
    with ag.record():
        a = x * 2
        y = a * a + a + x
    y.backward()
    np.testing.assert_allclose(x.grad.asnumpy(), 8 * x.asnumpy() + 3)


def test_several_heads(ctx):
    x = mx.nd.array([1.0, 2.0], ctx=ctx)
    x.attach_grad()
    with ag.record():
        y1 = x * x
        y2 = x * 3
    ag.backward([y1, y2])
    np.testing.assert_allclose(x.grad.asnumpy(), 2 * x.asnumpy() + 3)


def test_head_grads(ctx):
    x = mx.nd.array([1.0, 2.0], ctx=ctx)
    x.attach_grad()
    with ag.record():
        y = x * x
    y.backward(out_grad=mx.nd.array([10.0, 100.0], ctx=ctx))
    np.testing.assert_allclose(x.grad.asnumpy(), [20, 400])
    with ag.record():
        y1, y2 = x * 2, x * 3
    ag.backward([y1, y2], head_grads=[mx.nd.array([1.0, 1.0], ctx=ctx), None])
    np.testing.assert_allclose(x.grad.asnumpy(), [5, 5])


def test_head_grad_shape_mismatch(ctx):
    x = mx.nd.array([1.0, 2.0], ctx=ctx)
    x.attach_grad()
    with ag.record():
        y = x * x
    with pytest.raises(MXNetError, match="shape"):
        y.backward(out_grad=mx.nd.ones((3,), ctx=ctx))


def test_graph_freed_after_backward_unless_retained(ctx):
    x = mx.nd.array([1.0, 2.0], ctx=ctx)
    x.attach_grad()
    with ag.record():
        y = x * x
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.asnumpy(), [2, 4])
    with pytest.raises(MXNetError, match="retain_graph=True"):
        y.backward()


def test_backward_of_unrecorded_array_raises(ctx):
    x = mx.nd.array([1.0], ctx=ctx)
    x.attach_grad()
    y = x * 2
    with pytest.raises(MXNetError, match="record"):
        y.backward()


def test_backward_without_variables_raises(ctx):
    x = mx.nd.array([1.0], ctx=ctx)
    with ag.record():
        y = x * 2
    with pytest.raises(MXNetError):
        y.backward()


def test_grad_req_add_accumulates(ctx):
    x = mx.nd.array([1.0, 2.0], ctx=ctx)
    x.attach_grad(grad_req="add")
    for _ in range(3):
        with ag.record():
            y = x * x
        y.backward()
    np.testing.assert_allclose(x.grad.asnumpy(), 3 * 2 * x.asnumpy())


def test_grad_req_write_overwrites(ctx):
    x = mx.nd.array([1.0, 2.0], ctx=ctx)
    x.attach_grad()
    for _ in range(3):
        with ag.record():
            y = x * x
        y.backward()
    np.testing.assert_allclose(x.grad.asnumpy(), 2 * x.asnumpy())


def test_grad_req_null_drops_the_gradient_buffer_with_the_graph(ctx):
    # MXNet: a 'null' variable keeps its zeros until a backward that frees the graph
    # passes through it; then x.grad is None
    x = mx.nd.array([1.0, 2.0], ctx=ctx)
    w = mx.nd.array([3.0, 4.0], ctx=ctx)
    x.attach_grad(grad_req="null")
    w.attach_grad()
    with ag.record():
        y = x * w
    np.testing.assert_allclose(x.grad.asnumpy(), [0, 0])
    y.backward(retain_graph=True)
    np.testing.assert_allclose(x.grad.asnumpy(), [0, 0])     # graph kept: so is x.grad
    y.backward()
    assert x.grad is None
    np.testing.assert_allclose(w.grad.asnumpy(), [1, 2])


def test_grad_req_null_by_mark_variables_and_by_grad(ctx):
    w = mx.nd.array([3.0, 4.0], ctx=ctx)
    w.attach_grad()
    x = mx.nd.array([1.0, 2.0], ctx=ctx)
    gx = mx.nd.ones((2,), ctx=ctx)
    ag.mark_variables([x], [gx], "null")
    with ag.record():
        y = x * w
    (gw,) = ag.grad(y, [w])
    np.testing.assert_allclose(gw.asnumpy(), [1, 2])
    assert x.grad is None
    np.testing.assert_allclose(gx.asnumpy(), [1, 1])         # the buffer itself untouched
    # a 'null' variable the graph does not reach keeps its buffer
    z = mx.nd.array([1.0], ctx=ctx)
    z.attach_grad(grad_req="null")
    with ag.record():
        y = w * 2
    y.backward()
    np.testing.assert_allclose(z.grad.asnumpy(), [0])


def test_bad_grad_req(ctx):
    x = mx.nd.array([1.0], ctx=ctx)
    with pytest.raises(MXNetError, match="grad_req"):
        x.attach_grad(grad_req="sometimes")


def test_mark_variables_with_req_list(ctx):
    x = mx.nd.array([1.0, 2.0], ctx=ctx)
    w = mx.nd.array([3.0, 4.0], ctx=ctx)
    gx = mx.nd.ones((2,), ctx=ctx)
    gw = mx.nd.ones((2,), ctx=ctx)
    ag.mark_variables([x, w], [gx, gw], grad_reqs=["add", "write"])
    with ag.record():
        y = x * w
    y.backward()
    np.testing.assert_allclose(gx.asnumpy(), [4, 5])
    np.testing.assert_allclose(gw.asnumpy(), [1, 2])
    assert x.grad is gx


def test_mark_variables_errors(ctx):
    x = mx.nd.array([1.0, 2.0], ctx=ctx)
    with pytest.raises(MXNetError):
        ag.mark_variables([x], [mx.nd.ones((3,), ctx=ctx)])
    with pytest.raises(MXNetError):
        ag.mark_variables([x], [])


def test_grad_leaves_dot_grad_untouched(ctx):
    x = mx.nd.array([1.0, 2.0], ctx=ctx)
    x.attach_grad()
    with ag.record():
        y = x * x
    g = ag.grad(y, [x])
    np.testing.assert_allclose(g[0].asnumpy(), [2, 4])
    np.testing.assert_allclose(x.grad.asnumpy(), [0, 0])
    with pytest.raises(MXNetError, match="retain_graph"):
        ag.grad(y, [x])


def test_grad_retain_graph_default_follows_create_graph(ctx):
    x = mx.nd.array([1.0, 2.0], ctx=ctx)
    x.attach_grad()
    with ag.record():
        y = x * x
    ag.grad(y, [x], create_graph=True)
    ag.grad(y, [x])              # still there: retained by create_graph


def test_train_mode_seen_during_backward(ctx):
    seen = []

    class Probe(ag.Function):
        def forward(self, x):
            return x * 1

        def backward(self, dy):
            seen.append(ag.is_training())
            return dy

    x = mx.nd.array([1.0], ctx=ctx)
    x.attach_grad()
    with ag.record():
        y = Probe()(x)
    y.backward(retain_graph=True)
    y.backward(train_mode=False)
    assert seen == [True, False]


def test_detach_and_stop_gradient(ctx):
    x = mx.nd.array([1.0, 2.0], ctx=ctx)
    x.attach_grad()
    with ag.record():
        y = x * x
        z = y.detach() * x + x
    z.backward()
    np.testing.assert_allclose(x.grad.asnumpy(), x.asnumpy() ** 2 + 1)


def test_chain_of_100000_ops(ctx):
    x = mx.nd.array([1.0], ctx=ctx)
    x.attach_grad()
    with ag.record():
        y = x
        for _ in range(100000):
            y = y + 0.0
    y.backward()
    np.testing.assert_allclose(x.grad.asnumpy(), [1.0])


def test_dropping_a_long_chain_unrecorded_does_not_overflow(ctx):
    x = mx.nd.array([1.0], ctx=ctx)
    x.attach_grad()
    with ag.record():
        y = x
        for _ in range(100000):
            y = y * 1.0
    del y
    gc.collect()


def test_no_buffer_leak_over_many_iterations(ctx):
    pool = ctx.state.pool
    x = mx.nd.ones((8,), ctx=ctx)
    x.attach_grad()

    def step():
        with ag.record():
            y = mx.nd.exp(x * x + 1) / (x + 2)
        y.backward()

    for _ in range(50):
        step()
    gc.collect()
    live_before = pool.stats()["live"]
    gc.disable()
    try:
        for _ in range(10000):
            step()
    finally:
        gc.enable()
    assert pool.stats()["live"] == live_before


def test_two_threads_record_independent_tapes(ctx):
    results = {}
    errors = []

    def work(k):
        try:
            x = mx.nd.array([float(k)] * 4, ctx=ctx)
            x.attach_grad()
            for _ in range(50):
                with ag.record():
                    y = x * x * k
                y.backward()
            results[k] = x.grad.asnumpy()
        except Exception as e:   # surfaced below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(k,)) for k in (2, 3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    np.testing.assert_allclose(results[2], [8.0] * 4)
    np.testing.assert_allclose(results[3], [18.0] * 4)


# --- in-place writes while recording ----------------------------------------------------------
@pytest.mark.parametrize("write", ["iadd", "imul", "out"])
def test_inplace_write_into_graph_raises_before_modifying(ctx, write):
    x = mx.nd.array([1.0, 2.0], ctx=ctx)
    x.attach_grad()
    w = mx.nd.array([3.0, 4.0], ctx=ctx)
    with ag.record():
        y = x * w
        for target in (y, w, x):
            before = target.asnumpy().copy()
            with pytest.raises(MXNetError, match="in place"):
                if write == "iadd":
                    target += 1
                elif write == "imul":
                    target *= 2
                else:
                    mx.nd.relu(target, out=target)
            np.testing.assert_array_equal(target.asnumpy(), before)


def test_inplace_write_outside_graph_is_fine(ctx):
    z = mx.nd.array([1.0, 2.0], ctx=ctx)
    with ag.record():
        z += 1
    np.testing.assert_array_equal(z.asnumpy(), [2, 3])


# --- Function ------------------------------------------------------------------------------
class Sigmoid(ag.Function):
    def forward(self, x):
        y = 1 / (1 + mx.nd.exp(-x))
        self.save_for_backward(y)
        return y

    def backward(self, dy):
        y, = self.saved_tensors
        return dy * y * (1 - y)


def test_function_custom_backward(ctx):
    x = mx.nd.array([-1.0, 0.0, 2.0], ctx=ctx)
    x.attach_grad()
    with ag.record():
        z = Sigmoid()(x)
    z.backward()
    s = 1 / (1 + np.exp(-x.asnumpy()))
    np.testing.assert_allclose(z.asnumpy(), s, rtol=1e-6)
    np.testing.assert_allclose(x.grad.asnumpy(), s * (1 - s), rtol=1e-6)


class NumpyMulAdd(ag.Function):
    """Two inputs, two outputs, forward and backward through numpy."""

    def forward(self, a, b):
        self.save_for_backward(a, b)
        an, bn = a.asnumpy(), b.asnumpy()
        return mx.nd.array(an * bn, ctx=a.context), mx.nd.array(an + bn, ctx=a.context)

    def backward(self, g_prod, g_sum):
        a, b = self.saved_tensors
        gp, gs = g_prod.asnumpy(), g_sum.asnumpy()
        return (mx.nd.array(gp * b.asnumpy() + gs, ctx=a.context),
                mx.nd.array(gp * a.asnumpy() + gs, ctx=a.context))


def test_function_several_inputs_outputs_through_numpy(ctx):
    a = mx.nd.array([1.0, 2.0], ctx=ctx)
    b = mx.nd.array([3.0, 5.0], ctx=ctx)
    a.attach_grad()
    b.attach_grad()
    with ag.record():
        p, s = NumpyMulAdd()(a, b)
        out = p * 2 + s
    out.backward()
    np.testing.assert_allclose(a.grad.asnumpy(), 2 * b.asnumpy() + 1)
    np.testing.assert_allclose(b.grad.asnumpy(), 2 * a.asnumpy() + 1)


def test_function_honours_add_and_null_per_input(ctx):
    a = mx.nd.array([1.0, 2.0], ctx=ctx)
    b = mx.nd.array([3.0, 5.0], ctx=ctx)
    a.attach_grad(grad_req="null")
    b.attach_grad(grad_req="add")
    for _ in range(2):
        with ag.record():
            p, s = NumpyMulAdd()(a, b)
        p.backward()
    assert a.grad is None            # 'null': dropped with the graph, as in MXNet
    np.testing.assert_allclose(b.grad.asnumpy(), 2 * a.asnumpy())


def test_function_called_twice_raises(ctx):
    f = Sigmoid()
    x = mx.nd.array([1.0], ctx=ctx)
    f(x)
    with pytest.raises(MXNetError, match="once"):
        f(x)


def test_function_wrong_number_of_gradients(ctx):
    class Bad(ag.Function):
        def forward(self, a, b):
            return a * b

        def backward(self, dy):
            return dy

    a = mx.nd.array([1.0], ctx=ctx)
    b = mx.nd.array([2.0], ctx=ctx)
    a.attach_grad()
    with ag.record():
        y = Bad()(a, b)
    with pytest.raises(MXNetError, match="1 gradients for 2 inputs"):
        y.backward()


def test_gradient_written_in_place_even_when_it_reads_the_old_grad(ctx):
    # The fused backward kernel may write x.grad directly, except when it also reads it.
    x = mx.nd.array([1.0, 2.0], ctx=ctx)
    x.attach_grad()
    x.grad[:] = 3
    with ag.record():
        y = x * x.grad
    y.backward()
    np.testing.assert_array_equal(x.grad.asnumpy(), [3, 3])
    with ag.record():
        y = x * x * 5
    y.backward()
    np.testing.assert_array_equal(x.grad.asnumpy(), [10, 20])


def test_gradient_retarget_keeps_other_holders_correct(ctx):
    x = mx.nd.array([1.0, 2.0], ctx=ctx)
    x.attach_grad()
    with ag.record():
        y = x * x
        g = ag.grad(y, [x], create_graph=True)[0]     # g stays referenced by the user
        z = g * 1
    z.backward()
    np.testing.assert_array_equal(g.asnumpy(), [2, 4])
    np.testing.assert_array_equal(x.grad.asnumpy(), [2, 2])


def test_gradient_lands_in_the_same_grad_array_seen_by_views_and_exports(ctx):
    # x.grad may take the computed gradient's buffer (no copy), but only when nothing else
    # sees its memory: a view, or a pyopencl array over it, keeps seeing x.grad's data.
    import mxgrad.interop
    w = mx.nd.array([[1, 2], [3, 4]], ctx=ctx)
    w.attach_grad()
    a = mx.nd.array([[1, 0], [0, 1]], ctx=ctx)
    g = w.grad
    for step in range(1, 4):
        with mx.autograd.record():
            y = mx.nd.dot(a * step, w)       # dW = (a*step)^T @ ones: a GEMM result
        y.backward()
        assert g is w.grad
        assert w.grad.asnumpy().tolist() == [[step, step], [step, step]]
    row = w.grad[1]                          # a view sharing x.grad's memory
    exported = mxgrad.interop.to_pyopencl(w.grad)
    with mx.autograd.record():
        y = mx.nd.dot(a * 5, w)
    y.backward()
    assert row.asnumpy().tolist() == [5, 5]
    assert exported.get().tolist() == [[5, 5], [5, 5]]


def test_gradient_takes_the_result_buffer_only_when_nobody_else_sees_grad(ctx):
    # the no-copy path really runs: x.grad's memory changes hands when it is private, and
    # stays put (a copy lands in it) when a view shares it
    w = mx.nd.array([[1, 2], [3, 4]], ctx=ctx)
    w.attach_grad()
    a = mx.nd.array([[1, 0], [0, 1]], ctx=ctx)
    before = w.grad.handle
    with mx.autograd.record():
        y = mx.nd.dot(a, w)
    y.backward()
    assert w.grad.handle != before
    kept = w.grad.handle
    view = w.grad[0]
    with mx.autograd.record():
        y = mx.nd.dot(a * 2, w)
    y.backward()
    assert w.grad.handle == kept and view.asnumpy().tolist() == [2, 2]
