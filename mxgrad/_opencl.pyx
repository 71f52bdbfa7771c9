"""OpenCL C entry points resolved at run time, and the one place status codes get names.

pyopencl has already loaded an ICD loader (its wheel ships one; a distro build links the
system's ``libOpenCL.so.1``). We open the same library and look up the few functions the hot
path needs, so enqueueing a kernel costs one C call instead of a trip through pyopencl.
"""
import glob
import os

from posix.dlfcn cimport dlopen, dlsym, dlerror, RTLD_NOW, RTLD_GLOBAL

cdef CLApi _api
cdef bint _loaded = False

# Status codes of the OpenCL 3.0 headers, for error messages.
STATUS_NAMES = {
    0: "CL_SUCCESS", -1: "CL_DEVICE_NOT_FOUND", -2: "CL_DEVICE_NOT_AVAILABLE",
    -3: "CL_COMPILER_NOT_AVAILABLE", -4: "CL_MEM_OBJECT_ALLOCATION_FAILURE",
    -5: "CL_OUT_OF_RESOURCES", -6: "CL_OUT_OF_HOST_MEMORY",
    -7: "CL_PROFILING_INFO_NOT_AVAILABLE", -8: "CL_MEM_COPY_OVERLAP", -9: "CL_IMAGE_FORMAT_MISMATCH",
    -10: "CL_IMAGE_FORMAT_NOT_SUPPORTED", -11: "CL_BUILD_PROGRAM_FAILURE", -12: "CL_MAP_FAILURE",
    -13: "CL_MISALIGNED_SUB_BUFFER_OFFSET", -14: "CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST",
    -30: "CL_INVALID_VALUE", -31: "CL_INVALID_DEVICE_TYPE", -32: "CL_INVALID_PLATFORM",
    -33: "CL_INVALID_DEVICE", -34: "CL_INVALID_CONTEXT", -35: "CL_INVALID_QUEUE_PROPERTIES",
    -36: "CL_INVALID_COMMAND_QUEUE", -37: "CL_INVALID_HOST_PTR", -38: "CL_INVALID_MEM_OBJECT",
    -40: "CL_INVALID_IMAGE_SIZE", -42: "CL_INVALID_BINARY", -43: "CL_INVALID_BUILD_OPTIONS",
    -44: "CL_INVALID_PROGRAM", -45: "CL_INVALID_PROGRAM_EXECUTABLE", -46: "CL_INVALID_KERNEL_NAME",
    -47: "CL_INVALID_KERNEL_DEFINITION", -48: "CL_INVALID_KERNEL", -49: "CL_INVALID_ARG_INDEX",
    -50: "CL_INVALID_ARG_VALUE", -51: "CL_INVALID_ARG_SIZE", -52: "CL_INVALID_KERNEL_ARGS",
    -53: "CL_INVALID_WORK_DIMENSION", -54: "CL_INVALID_WORK_GROUP_SIZE",
    -55: "CL_INVALID_WORK_ITEM_SIZE", -56: "CL_INVALID_GLOBAL_OFFSET",
    -57: "CL_INVALID_EVENT_WAIT_LIST", -58: "CL_INVALID_EVENT", -59: "CL_INVALID_OPERATION",
    -61: "CL_INVALID_BUFFER_SIZE", -63: "CL_INVALID_GLOBAL_WORK_SIZE",
}


def status_name(int status):
    return STATUS_NAMES.get(status, f"CL status {status}")


def _loader_candidates():
    """The ICD loader pyopencl uses first, then the system's."""
    import pyopencl
    here = os.path.dirname(pyopencl.__file__)
    found = sorted(glob.glob(os.path.join(here, ".libs", "libOpenCL*.so*")))
    found += sorted(glob.glob(os.path.join(os.path.dirname(here), "pyopencl.libs", "libOpenCL*.so*")))
    return found + ["libOpenCL.so.1", "libOpenCL.so"]


cdef void* _sym(void* lib, bytes name) except NULL:
    cdef void* p = dlsym(lib, name)
    if p == NULL:
        raise OSError(f"the OpenCL loader lacks {name.decode()}")
    return p


cdef int _load() except -1:
    global _loaded
    cdef void* lib = NULL
    tried = []
    for path in _loader_candidates():
        lib = dlopen(path.encode(), RTLD_NOW | RTLD_GLOBAL)
        if lib != NULL:
            break
        tried.append(path)
    if lib == NULL:
        raise OSError("no OpenCL ICD loader could be opened (tried: %s)" % ", ".join(tried))
    _api.clCreateBuffer = <cl_mem (*)(cl_context, cl_ulong, size_t, void*, cl_int*) noexcept nogil>_sym(lib, b"clCreateBuffer")
    _api.clReleaseMemObject = <cl_int (*)(cl_mem) noexcept nogil>_sym(lib, b"clReleaseMemObject")
    _api.clRetainMemObject = <cl_int (*)(cl_mem) noexcept nogil>_sym(lib, b"clRetainMemObject")
    _api.clSetKernelArg = <cl_int (*)(cl_kernel, cl_uint, size_t, const void*) noexcept nogil>_sym(lib, b"clSetKernelArg")
    _api.clEnqueueNDRangeKernel = <cl_int (*)(cl_command_queue, cl_kernel, cl_uint, const size_t*, const size_t*, const size_t*, cl_uint, const cl_event*, cl_event*) noexcept nogil>_sym(lib, b"clEnqueueNDRangeKernel")
    _api.clEnqueueReadBuffer = <cl_int (*)(cl_command_queue, cl_mem, cl_bool, size_t, size_t, void*, cl_uint, const cl_event*, cl_event*) noexcept nogil>_sym(lib, b"clEnqueueReadBuffer")
    _api.clEnqueueWriteBuffer = <cl_int (*)(cl_command_queue, cl_mem, cl_bool, size_t, size_t, const void*, cl_uint, const cl_event*, cl_event*) noexcept nogil>_sym(lib, b"clEnqueueWriteBuffer")
    _api.clEnqueueCopyBuffer = <cl_int (*)(cl_command_queue, cl_mem, cl_mem, size_t, size_t, size_t, cl_uint, const cl_event*, cl_event*) noexcept nogil>_sym(lib, b"clEnqueueCopyBuffer")
    _api.clEnqueueFillBuffer = <cl_int (*)(cl_command_queue, cl_mem, const void*, size_t, size_t, size_t, cl_uint, const cl_event*, cl_event*) noexcept nogil>_sym(lib, b"clEnqueueFillBuffer")
    _api.clEnqueueNativeKernel = <cl_int (*)(cl_command_queue, native_fn, void*, size_t, cl_uint, const cl_mem*, const void**, cl_uint, const cl_event*, cl_event*) noexcept nogil>_sym(lib, b"clEnqueueNativeKernel")
    _api.clFinish = <cl_int (*)(cl_command_queue) noexcept nogil>_sym(lib, b"clFinish")
    _api.clFlush = <cl_int (*)(cl_command_queue) noexcept nogil>_sym(lib, b"clFlush")
    _api.clCreateKernel = <cl_kernel (*)(cl_program, const char*, cl_int*) noexcept nogil>_sym(lib, b"clCreateKernel")
    _api.clReleaseKernel = <cl_int (*)(cl_kernel) noexcept nogil>_sym(lib, b"clReleaseKernel")
    _api.clRetainKernel = <cl_int (*)(cl_kernel) noexcept nogil>_sym(lib, b"clRetainKernel")
    _api.clEnqueueMarkerWithWaitList = <cl_int (*)(cl_command_queue, cl_uint, const cl_event*, cl_event*) noexcept nogil>_sym(lib, b"clEnqueueMarkerWithWaitList")
    _api.clEnqueueBarrierWithWaitList = <cl_int (*)(cl_command_queue, cl_uint, const cl_event*, cl_event*) noexcept nogil>_sym(lib, b"clEnqueueBarrierWithWaitList")
    _api.clReleaseEvent = <cl_int (*)(cl_event) noexcept nogil>_sym(lib, b"clReleaseEvent")
    _api.clWaitForEvents = <cl_int (*)(cl_uint, const cl_event*) noexcept nogil>_sym(lib, b"clWaitForEvents")
    _api.clGetEventInfo = <cl_int (*)(cl_event, cl_uint, size_t, void*, size_t*) noexcept nogil>_sym(lib, b"clGetEventInfo")
    _loaded = True
    return 0


cdef CLApi* cl_api() except NULL:
    if not _loaded:
        _load()
    return &_api


cdef int check(cl_int status, str what) except -1:
    if status != CL_SUCCESS:
        from mxgrad.base import MXNetError
        raise MXNetError(f"OpenCL {what} failed: {status_name(status)} ({status})")
    return 0
