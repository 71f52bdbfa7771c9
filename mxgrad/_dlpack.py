"""DLPack on OpenCL devices (kDLOpenCL): export an NDArray's device memory, import a tensor
that lives in an OpenCL buffer, both without a copy.

In a kDLOpenCL tensor, ``data`` is the ``cl_mem`` handle and ``byte_offset`` the offset
of the first element in it. Exported tensors keep the NDArray (and so its buffer) alive until
the consumer calls the deleter; imported ones keep the producer's managed tensor until the
NDArray's buffer dies. Export is on request only (``x.__dlpack__(dl_device=(4, i))``):
``__dlpack_device__`` says kDLCPU so that NumPy and PyTorch get their host copy.
"""
import ctypes

import numpy as np

from mxgrad.base import MXNetError

KDL_CPU, KDL_OPENCL = 1, 4
_CODES = {"i": 0, "u": 1, "f": 2}              # DLPack type codes of numpy kinds


class DLDevice(ctypes.Structure):
    _fields_ = [("device_type", ctypes.c_int32), ("device_id", ctypes.c_int32)]


class DLDataType(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint8), ("bits", ctypes.c_uint8), ("lanes", ctypes.c_uint16)]


class DLTensor(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("device", DLDevice), ("ndim", ctypes.c_int32),
                ("dtype", DLDataType), ("shape", ctypes.POINTER(ctypes.c_int64)),
                ("strides", ctypes.POINTER(ctypes.c_int64)), ("byte_offset", ctypes.c_uint64)]


class DLManagedTensor(ctypes.Structure):
    pass


_Deleter = ctypes.CFUNCTYPE(None, ctypes.POINTER(DLManagedTensor))
DLManagedTensor._fields_ = [("dl_tensor", DLTensor), ("manager_ctx", ctypes.c_void_p),
                            ("deleter", _Deleter)]

# The destructor gets the dying capsule as a raw pointer: wrapping it in a py_object would
# touch the reference count of an object being deallocated.
_CapsuleDestructor = ctypes.CFUNCTYPE(None, ctypes.c_void_p)
_api = ctypes.pythonapi
_api.PyCapsule_New.restype = ctypes.py_object
_api.PyCapsule_New.argtypes = [ctypes.c_void_p, ctypes.c_char_p, _CapsuleDestructor]
_api.PyCapsule_IsValid.restype = ctypes.c_int
_api.PyCapsule_IsValid.argtypes = [ctypes.py_object, ctypes.c_char_p]
_api.PyCapsule_GetPointer.restype = ctypes.c_void_p
_api.PyCapsule_GetPointer.argtypes = [ctypes.py_object, ctypes.c_char_p]
_api.PyCapsule_SetName.restype = ctypes.c_int
_api.PyCapsule_SetName.argtypes = [ctypes.py_object, ctypes.c_char_p]
_raw_is_valid = ctypes.PYFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p)(
    ("PyCapsule_IsValid", _api))
_raw_get_pointer = ctypes.PYFUNCTYPE(ctypes.c_void_p, ctypes.c_void_p, ctypes.c_char_p)(
    ("PyCapsule_GetPointer", _api))

_exported = {}          # address of a DLManagedTensor -> what keeps its memory alive


@_Deleter
def _delete_exported(managed):
    _exported.pop(ctypes.addressof(managed.contents), None)


@_CapsuleDestructor
def _capsule_destructor(capsule):
    # A capsule nobody consumed still owns its tensor (a consumer renames it "used_dltensor").
    if _raw_is_valid(capsule, b"dltensor"):
        _exported.pop(_raw_get_pointer(capsule, b"dltensor"), None)


def export_opencl(x, device_id):
    """A DLPack capsule over NDArray ``x``'s device memory (kDLOpenCL, ``device_id``)."""
    buf = x._buffer                     # enqueues pending fused ops writing x
    dtype = np.dtype(x.dtype)
    shape = (ctypes.c_int64 * len(x.shape))(*x.shape)
    managed = DLManagedTensor()
    t = managed.dl_tensor
    t.data = buf.int_ptr
    t.device = DLDevice(KDL_OPENCL, device_id)
    t.ndim = len(x.shape)
    t.dtype = DLDataType(_CODES[dtype.kind], dtype.itemsize * 8, 1)
    t.shape = shape
    t.strides = None                    # compact row-major
    t.byte_offset = x._offset * dtype.itemsize
    managed.deleter = _delete_exported
    address = ctypes.addressof(managed)
    _exported[address] = (managed, shape, x, buf)      # buf pinned: x keeps this cl_mem
    return _api.PyCapsule_New(address, b"dltensor", _capsule_destructor)


class _Imported:
    """Keeps a consumed DLPack tensor until the buffer wrapping it dies, then calls the
    producer's deleter."""

    def __init__(self, managed_ptr, cl_buffer):
        self.managed_ptr = managed_ptr
        self.cl_buffer = cl_buffer

    def __del__(self):
        managed = ctypes.cast(self.managed_ptr, ctypes.POINTER(DLManagedTensor))
        if managed.contents.deleter:
            managed.contents.deleter(managed)


class HostCapsule:
    """A DLPack producer around a bare host (kDLCPU) capsule, for consumers such as
    ``numpy.from_dlpack`` that take producers only."""

    def __init__(self, capsule):
        self.capsule = capsule

    def __dlpack__(self, *, stream=None, max_version=None, dl_device=None, copy=None):
        capsule, self.capsule = self.capsule, None
        if capsule is None:
            raise MXNetError("from_dlpack: this DLPack capsule was already consumed")
        return capsule

    def __dlpack_device__(self):
        return (KDL_CPU, 0)


def capsule_device(capsule):
    """(device_type, device_id) of an unconsumed DLPack capsule."""
    if not _api.PyCapsule_IsValid(capsule, b"dltensor"):
        raise MXNetError("from_dlpack: not a DLPack capsule, or one already consumed")
    managed = ctypes.cast(_api.PyCapsule_GetPointer(capsule, b"dltensor"),
                          ctypes.POINTER(DLManagedTensor)).contents
    return managed.dl_tensor.device.device_type, managed.dl_tensor.device.device_id


def import_opencl(capsule, ctx=None):
    """An NDArray over the OpenCL buffer of a kDLOpenCL capsule, without a copy."""
    import pyopencl as cl

    from mxgrad import _ndarray
    from mxgrad._dispatch import wrap_foreign_buffer
    from mxgrad.base import dtype_code
    from mxgrad.interop import _context_of
    ptr = _api.PyCapsule_GetPointer(capsule, b"dltensor")
    t = ctypes.cast(ptr, ctypes.POINTER(DLManagedTensor)).contents.dl_tensor
    kinds = {v: k for k, v in _CODES.items()}
    if t.dtype.lanes != 1 or t.dtype.code not in kinds:
        raise MXNetError(f"from_dlpack: unsupported DLPack dtype (code {t.dtype.code}, "
                         f"{t.dtype.bits} bits, {t.dtype.lanes} lanes)")
    dtype = np.dtype(f"{kinds[t.dtype.code]}{t.dtype.bits // 8}")
    shape = tuple(t.shape[i] for i in range(t.ndim))
    if t.strides:
        expect = 1
        for i in reversed(range(t.ndim)):
            if shape[i] != 1 and t.strides[i] != expect:
                raise MXNetError("from_dlpack: only compact row-major tensors can be wrapped "
                                 "without a copy")
            expect *= shape[i]
    if t.byte_offset % dtype.itemsize:
        raise MXNetError(f"from_dlpack: byte offset {t.byte_offset} is not a multiple of the "
                         f"item size {dtype.itemsize}")
    mem = cl.Buffer.from_int_ptr(t.data, retain=True)
    ctx = _context_of(mem.context, ctx)
    code = dtype_code(dtype)
    _api.PyCapsule_SetName(capsule, b"used_dltensor")      # the tensor is ours now
    owner = _Imported(ptr, mem)
    buf = wrap_foreign_buffer(owner, mem.int_ptr, mem.size)
    return _ndarray.wrap_buffer(buf, ctx, shape or (1,), code, t.byte_offset // dtype.itemsize)
