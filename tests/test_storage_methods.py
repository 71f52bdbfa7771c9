"""tostype/cast_storage, from_numpy, the DLPack capsules and the NDArray methods writable,
slice_assign(_scalar) and _fresh_grad, as MXNet 1.9.1 has them (same calls run there)."""
import ctypes

import numpy as np
import pytest

import mxgrad as mx
from mxgrad import nd
from mxgrad._dlpack import DLManagedTensor

_api = ctypes.pythonapi
_api.PyCapsule_GetPointer.restype = ctypes.c_void_p
_api.PyCapsule_GetPointer.argtypes = [ctypes.py_object, ctypes.c_char_p]


def test_tostype_and_cast_storage(ctx):
    x = nd.array([[1, 0], [0, 2]], ctx=ctx)
    for y in (x.tostype("default"), nd.cast_storage(x, "default")):
        assert y is not x and y.stype == "default"          # a copy, as in MXNet
        np.testing.assert_array_equal(y.asnumpy(), x.asnumpy())
    with pytest.raises(mx.MXNetError, match="sparse storage"):
        x.tostype("csr")
    with pytest.raises(mx.MXNetError, match="valid values are"):
        x.tostype("bogus")


def test_from_numpy_shares_memory_on_cpu_devices():
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    with mx.cpu(0):
        x = nd.from_numpy(a)
    assert x.dtype == np.float32 and x.shape == (2, 3)
    assert not a.flags.writeable                 # MXNet makes the source read-only
    x += 1
    x.wait_to_read()
    np.testing.assert_array_equal(a, np.arange(1, 7).reshape(2, 3))   # the same memory
    b = np.arange(3.0)
    y = nd.from_numpy(b, zero_copy=False)
    assert y.dtype == np.float64 and b.flags.writeable
    b[0] = 5
    assert y.asnumpy().tolist() == [0, 1, 2]
    with pytest.raises(mx.MXNetError, match="C-contiguous"):
        nd.from_numpy(np.arange(6.0).reshape(2, 3)[:, ::2])
    with pytest.raises(mx.MXNetError, match="numpy.ndarray"):
        nd.from_numpy([1, 2])
    assert nd.from_numpy(np.zeros((0, 2), np.int32)).shape == (0, 2)


def _capsule_tensor(capsule):
    return ctypes.cast(_api.PyCapsule_GetPointer(capsule, b"dltensor"),
                       ctypes.POINTER(DLManagedTensor)).contents


def test_dlpack_for_read_and_write(ctx):
    x = nd.arange(4, ctx=ctx) * 2
    np.testing.assert_array_equal(nd.from_dlpack(x.to_dlpack_for_read()).asnumpy(), [0, 2, 4, 6])
    np.testing.assert_array_equal(nd.from_dlpack(nd.to_dlpack_for_read(x[1:3])).asnumpy(), [2, 4])
    y = nd.zeros((2, 3), ctx=ctx)
    capsule = y.to_dlpack_for_write()
    t = _capsule_tensor(capsule).dl_tensor
    assert t.ndim == 2 and [t.shape[0], t.shape[1]] == [2, 3] and t.device.device_type == 1
    data = (ctypes.c_float * 6).from_address(t.data + t.byte_offset)
    data[:] = [1, 2, 3, 4, 5, 6]                # what a consumer (torch, ...) would write
    del t, data, capsule                         # the consumer lets go: the mapping ends
    np.testing.assert_array_equal(y.asnumpy(), [[1, 2, 3], [4, 5, 6]])
    with pytest.raises(mx.MXNetError, match="must be an NDArray"):
        nd.to_dlpack_for_read(np.ones(2))


def test_slice_assign_writable(ctx):
    x = nd.array([[1, 2], [3, 4]], ctx=ctx)
    assert x.writable is True
    assert x.slice_assign(nd.array([[9]], ctx=ctx), (0, 0), (1, 1), (None, None)) is x
    assert x.slice_assign_scalar(7, (1, 0), (2, 2), (None, None)) is x
    assert x.asnumpy().tolist() == [[9, 2], [7, 7]]               # MXNet 1.9.1's result
    z = nd.zeros((4,), ctx=ctx)
    z.slice_assign_scalar(1, (0,), (4,), (2,))
    assert z.asnumpy().tolist() == [1, 0, 1, 0]
    with pytest.raises(mx.MXNetError, match="step cannot be 0"):
        z.slice_assign_scalar(1, (0,), (4,), (0,))
    with pytest.raises(mx.MXNetError, match="one entry per leading axis"):
        x.slice_assign_scalar(1, (0, 0, 0), (1, 1, 1), (None, None, None))
    with pytest.raises(mx.MXNetError, match="must be a number"):
        x.slice_assign_scalar("a", (0,), (1,), (None,))


def test_fresh_grad(ctx):
    x = nd.ones((2,), ctx=ctx)
    x.attach_grad()
    assert x._fresh_grad == 0
    with mx.autograd.record():
        y = (x * 2).sum()
    y.backward()
    assert x._fresh_grad == 1
    x._fresh_grad = False
    assert x._fresh_grad == 0
    x.attach_grad(grad_req="add")
    with mx.autograd.record():
        y = (x * 3).sum()
    y.backward()
    assert x._fresh_grad == 1
    with pytest.raises(mx.MXNetError, match="no gradient"):
        nd.ones((1,), ctx=ctx)._fresh_grad = True
    assert nd.ones((1,), ctx=ctx)._fresh_grad == 0


@pytest.mark.parametrize("req", ["write", "add"])
def test_fresh_grad_of_a_variable_reached_only_through_zero_gradients(ctx, req):
    # MXNet 1.9.1: floor's gradient is zero, yet backward writes x's gradient (zeros) and
    # marks it fresh: `x._fresh_grad` reads 1, as for w
    x = nd.array([1.5, 2.5], ctx=ctx)
    x.attach_grad(grad_req=req)
    w = nd.array([1.0, 2.0], ctx=ctx)
    w.attach_grad()
    with mx.autograd.record():
        y = (nd.floor(x) + w).sum()
    assert (x._fresh_grad, w._fresh_grad) == (0, 0)
    y.backward()
    assert (x._fresh_grad, w._fresh_grad) == (1, 1)
    assert type(x._fresh_grad) is int
    assert x.grad.asnumpy().tolist() == [0.0, 0.0]
