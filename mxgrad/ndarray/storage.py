"""Storage and memory hand-over, as MXNet 1.9.1 names them: ``tostype``/``cast_storage``
(dense storage only: sparse storage is out of scope), ``from_numpy`` and the DLPack
capsules ``to_dlpack_for_read``/``to_dlpack_for_write``.

On a CPU device (PoCL) both hand-overs share memory: ``from_numpy`` wraps the NumPy array's
memory in an OpenCL buffer (``CL_MEM_USE_HOST_PTR``) and makes the NumPy array read-only as
MXNet does; the DLPack capsules map the array's buffer into host memory for as long as the
consumer holds them (the mapping ends, and a GPU's copy is written back, when the consumer
releases the capsule). Elsewhere ``from_numpy`` copies.
"""
import numpy as np

from mxgrad import _ndarray
from mxgrad._dispatch import wrap_foreign_buffer
from mxgrad._ndarray import NDArrayBase
from mxgrad.base import MXNetError, DTYPES, dtype_code
from mxgrad.context import current_context
from mxgrad.ndarray.creation import array

__all__ = ["cast_storage", "from_numpy", "to_dlpack_for_read", "to_dlpack_for_write"]

_STYPES = ("default", "csr", "row_sparse")


def cast_storage(data, stype, out=None, name=None):
    """``data`` in storage type ``stype``: mxgrad stores arrays densely ('default'), and
    returns a copy; 'csr' and 'row_sparse' raise (sparse storage is not supported).

    >>> x = mx.nd.array([[1, 0], [0, 2]])
    >>> y = mx.nd.cast_storage(x, 'default')
    >>> y is x, y.stype
    (False, 'default')
    """
    if not isinstance(data, NDArrayBase):
        raise MXNetError(f"cast_storage: data must be an NDArray, got {type(data).__name__}")
    if stype not in _STYPES:
        raise MXNetError(f"cast_storage: invalid stype {stype!r}, valid values are: "
                         f"{', '.join(repr(s) for s in _STYPES)}")
    if stype != "default":
        raise MXNetError(f"cast_storage: sparse storage ({stype!r}) is not supported by "
                         "mxgrad; arrays are dense ('default')")
    if out is not None:
        data.copyto(out)
        return out
    return data.copy()


def tostype(self, stype):
    """This array in storage type ``stype`` (a copy; only 'default', dense, is supported).

    >>> x = mx.nd.ones((2,))
    >>> x.tostype('default')
    <BLANKLINE>
    [1. 1.]
    <NDArray 2 @cpu(0)>
    """
    return cast_storage(self, stype)


def _shares_host_memory(ctx):
    import pyopencl as cl
    device = ctx.cl_context.devices[0]
    return bool(device.type & cl.device_type.CPU) or bool(device.host_unified_memory)


def from_numpy(ndarray, zero_copy=True, array_cls=None):
    """An NDArray with the values (and dtype) of the NumPy array ``ndarray``. With
    ``zero_copy`` (the default) on a CPU device it shares the NumPy array's memory and makes
    that array read-only, as MXNet does; otherwise the values are copied.

    >>> a = np.array([1.5, 2.5])
    >>> x = mx.nd.from_numpy(a)
    >>> x, a.flags.writeable
    (
    [1.5 2.5]
    <NDArray 2 @cpu(0)>, False)
    """
    if not isinstance(ndarray, np.ndarray):
        raise MXNetError(f"from_numpy: expected a numpy.ndarray, got "
                         f"{type(ndarray).__name__}")
    if ndarray.dtype.name not in DTYPES:
        raise MXNetError(f"from_numpy: dtype {ndarray.dtype} is not supported; supported: "
                         f"{', '.join(DTYPES)}")
    ctx = current_context()
    if not zero_copy or ndarray.size == 0 or not _shares_host_memory(ctx):
        return array(ndarray, ctx=ctx, dtype=ndarray.dtype)
    if not ndarray.flags.c_contiguous:
        raise MXNetError("from_numpy: only C-contiguous arrays can be shared (zero_copy); "
                         "pass zero_copy=False to copy, or np.ascontiguousarray first")
    import pyopencl as cl
    flags = cl.mem_flags.READ_WRITE | cl.mem_flags.USE_HOST_PTR
    cl_buffer = cl.Buffer(ctx.cl_context, flags, hostbuf=ndarray)
    ndarray.flags.writeable = False
    buf = wrap_foreign_buffer(cl_buffer, cl_buffer.int_ptr, cl_buffer.size)
    shape = tuple(int(s) for s in ndarray.shape)
    return _ndarray.wrap_buffer(buf, ctx, shape, dtype_code(ndarray.dtype.name))


class _MappedView:
    """The host mapping of an array's buffer, alive as long as a DLPack consumer holds it;
    it keeps the array's buffer (so the memory is not reused) and the mapping."""

    def __init__(self, x, writable):
        import pyopencl as cl
        buf = x._buffer                  # enqueues pending fused ops writing x
        mem = cl.Buffer.from_int_ptr(buf.int_ptr, retain=True)
        itemsize = np.dtype(x.dtype).itemsize
        flags = cl.map_flags.READ | (cl.map_flags.WRITE if writable else 0)
        self.host, _ = cl.enqueue_map_buffer(
            x.context.queue, mem, flags, x._offset * itemsize, x.shape, x.dtype,
            is_blocking=True)
        self.mxgrad_buffer, self.cl_buffer = buf, mem
        self.__array_interface__ = self.host.__array_interface__


def _capsule(op, data, writable):
    if not isinstance(data, NDArrayBase):
        raise MXNetError(f"{op}: data must be an NDArray, got {type(data).__name__}")
    if data.size == 0:
        return np.empty(data.shape, dtype=data.dtype).__dlpack__()
    view = np.asarray(_MappedView(data, writable))     # its base keeps the mapping
    return view.__dlpack__()


def to_dlpack_for_read(data):
    """A DLPack capsule (host memory) over ``data`` for reading: pending writes to
    ``data`` finish first.

    >>> x = mx.nd.array([1, 2, 3])
    >>> mx.nd.from_dlpack(mx.nd.to_dlpack_for_read(x))      # a copy of x
    <BLANKLINE>
    [1. 2. 3.]
    <NDArray 3 @cpu(0)>
    """
    return _capsule("to_dlpack_for_read", data, False)


def to_dlpack_for_write(data):
    """A DLPack capsule (host memory) over ``data`` for writing: what the consumer writes
    reaches ``data`` (at once on CPU devices, when the consumer releases it elsewhere).

    >>> x = mx.nd.zeros((2,))
    >>> capsule = mx.nd.to_dlpack_for_write(x)   # for torch.utils.dlpack.from_dlpack, ...
    >>> type(capsule).__name__
    'PyCapsule'

    """
    return _capsule("to_dlpack_for_write", data, True)
