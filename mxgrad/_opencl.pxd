# The OpenCL C entry points mxgrad calls directly, resolved at run time from the ICD loader
# that pyopencl already loaded (no OpenCL SDK is needed to build). Handles are plain pointers,
# interchangeable with pyopencl's ``int_ptr``.

from libc.stdint cimport int32_t, uint32_t, int64_t, uint64_t, intptr_t

ctypedef int32_t cl_int
ctypedef uint32_t cl_uint
ctypedef uint64_t cl_ulong
ctypedef uint32_t cl_bool
ctypedef void* cl_context
ctypedef void* cl_command_queue
ctypedef void* cl_mem
ctypedef void* cl_kernel
ctypedef void* cl_program
ctypedef void* cl_event

cdef enum:
    CL_SUCCESS = 0
    CL_MEM_OBJECT_ALLOCATION_FAILURE = -4
    CL_OUT_OF_RESOURCES = -5
    CL_OUT_OF_HOST_MEMORY = -6
    CL_INVALID_WORK_GROUP_SIZE = -54

cdef enum:
    CL_EVENT_COMMAND_EXECUTION_STATUS = 0x11D3
    CL_COMPLETE = 0

cdef enum:
    CL_MEM_READ_WRITE = 1
    CL_MEM_USE_HOST_PTR = 8

ctypedef void (*native_fn)(void*) noexcept nogil

ctypedef struct CLApi:
    cl_mem (*clCreateBuffer)(cl_context, cl_ulong, size_t, void*, cl_int*) noexcept nogil
    cl_int (*clReleaseMemObject)(cl_mem) noexcept nogil
    cl_int (*clRetainMemObject)(cl_mem) noexcept nogil
    cl_int (*clSetKernelArg)(cl_kernel, cl_uint, size_t, const void*) noexcept nogil
    cl_int (*clEnqueueNDRangeKernel)(cl_command_queue, cl_kernel, cl_uint, const size_t*,
                                     const size_t*, const size_t*, cl_uint, const cl_event*,
                                     cl_event*) noexcept nogil
    cl_int (*clEnqueueReadBuffer)(cl_command_queue, cl_mem, cl_bool, size_t, size_t, void*,
                                  cl_uint, const cl_event*, cl_event*) noexcept nogil
    cl_int (*clEnqueueWriteBuffer)(cl_command_queue, cl_mem, cl_bool, size_t, size_t,
                                   const void*, cl_uint, const cl_event*, cl_event*) noexcept nogil
    cl_int (*clEnqueueCopyBuffer)(cl_command_queue, cl_mem, cl_mem, size_t, size_t, size_t,
                                  cl_uint, const cl_event*, cl_event*) noexcept nogil
    cl_int (*clEnqueueFillBuffer)(cl_command_queue, cl_mem, const void*, size_t, size_t, size_t,
                                  cl_uint, const cl_event*, cl_event*) noexcept nogil
    cl_int (*clEnqueueNativeKernel)(cl_command_queue, native_fn, void*, size_t, cl_uint,
                                    const cl_mem*, const void**, cl_uint, const cl_event*,
                                    cl_event*) noexcept nogil
    cl_int (*clFinish)(cl_command_queue) noexcept nogil
    cl_int (*clFlush)(cl_command_queue) noexcept nogil
    cl_kernel (*clCreateKernel)(cl_program, const char*, cl_int*) noexcept nogil
    cl_int (*clReleaseKernel)(cl_kernel) noexcept nogil
    cl_int (*clRetainKernel)(cl_kernel) noexcept nogil
    cl_int (*clEnqueueMarkerWithWaitList)(cl_command_queue, cl_uint, const cl_event*,
                                          cl_event*) noexcept nogil
    cl_int (*clEnqueueBarrierWithWaitList)(cl_command_queue, cl_uint, const cl_event*,
                                           cl_event*) noexcept nogil
    cl_int (*clReleaseEvent)(cl_event) noexcept nogil
    cl_int (*clWaitForEvents)(cl_uint, const cl_event*) noexcept nogil
    cl_int (*clGetEventInfo)(cl_event, cl_uint, size_t, void*, size_t*) noexcept nogil

cdef CLApi* cl_api() except NULL
cdef int check(cl_int status, str what) except -1
