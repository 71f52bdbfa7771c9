"""The one GEMM entry point: C = alpha * op(A) @ op(B) + beta * C, row-major, batched.

On CPU devices whose buffers wrap our own host memory (see _dispatch.BufferPool), the host
BLAS (scipy-openblas32, opened at run time) runs as OpenCL native kernels inside the queue:
in order with the other kernels, no host wait, ~BLAS speed. Elsewhere a tiled OpenCL kernel
(kernels_cl/gemm.cl) runs.

The BLAS runs single-threaded; a large product is split into one part per compute unit, each
a native kernel that the device's own worker threads pick up. OpenBLAS's threads would
otherwise spin between products on the cores those workers need for the kernels in between
(measured: the 784-512-512-10 MLP step ran at 225-287 steps/s threaded, 322-363 split).
"""
from libc.stdint cimport intptr_t
from libc.stdlib cimport calloc, free
from libc.string cimport memset
from posix.dlfcn cimport dlopen, dlsym, RTLD_NOW, RTLD_LOCAL

from mxgrad._opencl cimport (CLApi, cl_api, check, native_fn, cl_event, cl_command_queue,
                             cl_int, CL_SUCCESS)
from mxgrad._dispatch cimport Buffer, DeviceState, Kernel
from mxgrad._dtypes cimport dtype_size, FLOAT32, FLOAT64

import os

cdef CLApi* cl = cl_api()

cdef enum:
    ROW_MAJOR = 101
    NO_TRANS = 111
    TRANS = 112

ctypedef void (*sgemm_fn)(int, int, int, int, int, int, float, const float*, int,
                          const float*, int, float, float*, int) noexcept nogil
ctypedef void (*dgemm_fn)(int, int, int, int, int, int, double, const double*, int,
                          const double*, int, double, double*, int) noexcept nogil

ctypedef void (*set_threads_fn)(int) noexcept nogil

cdef sgemm_fn blas_sgemm = NULL
cdef dgemm_fn blas_dgemm = NULL
cdef int blas_state = 0          # 0 not tried, 1 loaded, -1 unavailable
# Each part of a split product does at least this many multiply-adds: below ~1M in all, the
# marker and events cost more than the second core gains (measured on PoCL, 2 cores).
cdef long long PART_MIN = 1 << 19
cdef enum:
    MAX_PARTS = 64

ctypedef struct GemmCall:
    int dtype
    int trans_a, trans_b
    int M, N, K
    double alpha, beta
    char* A
    char* B
    char* C
    int lda, ldb, ldc
    long long batch
    long long stride_a, stride_b, stride_c     # in bytes


cdef void blas(int dtype, bint ta, bint tb, long long M, long long N, long long K,
               double alpha, const void* A, long long lda, const void* B, long long ldb,
               double beta, void* C, long long ldc) noexcept nogil:
    """One row-major product on the host BLAS (float32 or float64)."""
    if dtype == FLOAT32:
        blas_sgemm(ROW_MAJOR, TRANS if ta else NO_TRANS, TRANS if tb else NO_TRANS,
                   <int>M, <int>N, <int>K, <float>alpha, <const float*>A, <int>lda,
                   <const float*>B, <int>ldb, <float>beta, <float*>C, <int>ldc)
    else:
        blas_dgemm(ROW_MAJOR, TRANS if ta else NO_TRANS, TRANS if tb else NO_TRANS,
                   <int>M, <int>N, <int>K, alpha, <const double*>A, <int>lda,
                   <const double*>B, <int>ldb, beta, <double*>C, <int>ldc)


cdef void run_blas(void* p) noexcept nogil:
    """The native kernel: runs on one of the device's worker threads, in queue order."""
    cdef GemmCall* g = <GemmCall*>p
    cdef long long b
    cdef double beta = g.beta
    for b in range(g.batch):
        # stride_c 0: the batch's products add up in C (beta applies to the first)
        if b > 0 and g.stride_c == 0:
            beta = 1.0
        blas(g.dtype, g.trans_a, g.trans_b, g.M, g.N, g.K, g.alpha, g.A + b * g.stride_a,
             g.lda, g.B + b * g.stride_b, g.ldb, beta, g.C + b * g.stride_c, g.ldc)


cdef enum:
    WARM_N = 64              # past OpenBLAS's small-matrix path, which needs no workspace
    WARM_ROOM = 64 << 20     # address space its workspace needs (32 MiB measured), with margin


cdef int warm_up() except -1:
    """One product of each dtype, so OpenBLAS maps its workspace now: when it cannot map it
    later, under memory pressure, it prints "Memory allocation still failed" and exits the
    process. Raises OutOfMemoryError (and BLAS loading is retried later) if there is no room."""
    from mxgrad._dispatch import host_has_room
    if not host_has_room(WARM_ROOM):
        from mxgrad.base import OutOfMemoryError
        raise OutOfMemoryError("not enough memory left to set up the BLAS workspace")
    cdef double* m = <double*>calloc(3 * WARM_N * WARM_N, sizeof(double))
    if m == NULL:
        raise MemoryError()
    blas_sgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, WARM_N, WARM_N, WARM_N, 1, <float*>m, WARM_N,
               <float*>(m + WARM_N * WARM_N), WARM_N, 0, <float*>(m + 2 * WARM_N * WARM_N),
               WARM_N)
    blas_dgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, WARM_N, WARM_N, WARM_N, 1, m, WARM_N,
               m + WARM_N * WARM_N, WARM_N, 0, m + 2 * WARM_N * WARM_N, WARM_N)
    free(m)
    return 0


def library_path():
    """The shared library of scipy-openblas32 (BLAS and LAPACK), or None without it."""
    try:
        import scipy_openblas32
    except ImportError:
        return None
    return os.path.join(scipy_openblas32.get_lib_dir(),
                        f"lib{scipy_openblas32.get_library()}.so")


cdef int load_blas() except -1:
    global blas_state, blas_sgemm, blas_dgemm
    if blas_state != 0:
        return blas_state == 1
    blas_state = -1
    if os.environ.get("MXGRAD_NATIVE_BLAS", "1") == "0":
        return False
    path = library_path()
    if path is None:
        return False
    cdef void* lib = dlopen(path.encode(), RTLD_NOW | RTLD_LOCAL)
    if lib == NULL:
        return False
    blas_sgemm = <sgemm_fn>dlsym(lib, b"scipy_cblas_sgemm")
    blas_dgemm = <dgemm_fn>dlsym(lib, b"scipy_cblas_dgemm")
    cdef set_threads_fn set_threads = <set_threads_fn>dlsym(lib, b"scipy_openblas_set_num_threads")
    if set_threads == NULL:
        return False      # a threaded BLAS we cannot tame would fight the device's workers
    set_threads(1)
    if blas_sgemm != NULL and blas_dgemm != NULL:
        blas_state = 0          # until the warm-up has run
        warm_up()
        blas_state = 1
    return blas_state == 1


cdef bint host_blas(DeviceState dev, int dtype) except -1:
    """Whether work of ``dtype`` on ``dev`` can run on the host BLAS: float32 or float64, a
    device whose buffers are host memory, the BLAS loaded. Each buffer it touches must then
    have a host pointer too (see all_on_host): those wrapped from elsewhere have none."""
    return (dtype == FLOAT32 or dtype == FLOAT64) and dev.pool.use_host_ptr and load_blas()


cdef bint all_on_host(buffers) except -1:
    """Whether every Buffer of ``buffers`` (None: not used) is host memory."""
    for b in buffers:
        if b is not None and (<Buffer>b).host == NULL:
            return False
    return True


def sums_batches(ctx, Buffer A, Buffer B, Buffer C, int dtype):
    """Whether ``gemm`` with these buffers runs on the host BLAS, where ``stride_c`` 0 sums
    a batch into C."""
    return host_blas(ctx.state, dtype) and A.host != NULL and B.host != NULL \
        and C.host != NULL


def native_blas_available(DeviceState dev):
    """Whether GEMMs on this device run as host BLAS inside the queue."""
    return dev.pool.use_host_ptr and load_blas()


cdef object _kernel_getter = None


def _set_kernel_getter(fn):
    """fn(ctx, trans_a, trans_b, dtype_code) -> Kernel of kernels_cl/gemm.cl."""
    global _kernel_getter
    _kernel_getter = fn


cdef int split_parts(DeviceState dev, long long work) except -1:
    """How many native kernels a product of ``work`` multiply-adds runs as."""
    if dev.side_queues is None:
        import pyopencl
        units = min(MAX_PARTS, dev.cl_device_obj.max_compute_units)
        # one in-order queue per extra part: commands of different queues may run at once
        queues = [pyopencl.CommandQueue(dev.cl_context_obj, dev.cl_device_obj)
                  for _ in range(units - 1)]
        if dev.side_queues is None:      # another thread may have made them meanwhile
            dev.side_queues = queues
    return <int>max(1, min(len(dev.side_queues) + 1, work // PART_MIN))


cdef int enqueue_blas(DeviceState dev, GemmCall* call, int isz) except -1:
    """Enqueue the product as native kernels, split along the batch, the rows of C or its
    columns (see enqueue_native_parts)."""
    cdef int parts = split_parts(dev, <long long>call.M * call.N * call.K * call.batch)
    cdef GemmCall pieces[MAX_PARTS]
    cdef int i, n = 0
    cdef long long total, lo, hi, unit
    cdef int axis                   # 0: batch, 1: rows of C, 2: columns of C
    if call.batch >= parts and call.stride_c != 0:
        axis, total = 0, call.batch
    elif call.M >= call.N:
        axis, total = 1, call.M
    else:
        axis, total = 2, call.N
    # rows and columns: parts start on multiples of 8 (32-byte aligned columns) when possible
    unit = 8 if axis != 0 and total >= 8 * parts else 1
    for i in range(parts):
        lo = total * i // parts // unit * unit
        hi = total if i == parts - 1 else total * (i + 1) // parts // unit * unit
        if hi <= lo:
            continue
        pieces[n] = call[0]
        if axis == 0:
            pieces[n].batch = hi - lo
            pieces[n].A += lo * call.stride_a
            pieces[n].B += lo * call.stride_b
            pieces[n].C += lo * call.stride_c
        elif axis == 1:
            pieces[n].M = <int>(hi - lo)
            pieces[n].A += lo * isz * (1 if call.trans_a else call.lda)
            pieces[n].C += lo * isz * call.ldc
        else:
            pieces[n].N = <int>(hi - lo)
            pieces[n].B += lo * isz * (call.ldb if call.trans_b else 1)
            pieces[n].C += lo * isz
        n += 1
    return enqueue_native_parts(dev, <native_fn>run_blas, pieces, sizeof(GemmCall), n,
                                "blas_gemm")


cdef int enqueue_native_parts(DeviceState dev, native_fn fn, void* args, size_t size,
                              int parts, str name) except -1:
    """Enqueue ``parts`` native kernels fn(args + i * size) as one command of the bounded
    queue. Part 0 goes in the main queue; the others in side queues, each waiting for a
    marker of everything enqueued before; a barrier holds the main queue until they
    finish."""
    cdef cl_event marker = NULL
    cdef cl_event done[MAX_PARTS]
    cdef cl_command_queue side
    cdef int i, ndone = 0
    cdef cl_int barrier = CL_SUCCESS
    if parts > 1:
        split_parts(dev, 1)              # makes the side queues if not there yet
        check(cl.clEnqueueMarkerWithWaitList(dev.queue, 0, NULL, &marker), "clEnqueueMarker")
    try:
        for i in range(parts):
            if dev.trace is not None:
                dev.trace.append(name)
            if i == 0:
                check(cl.clEnqueueNativeKernel(dev.queue, fn, <char*>args, size, 0, NULL,
                                               NULL, 0, NULL, NULL),
                      f"clEnqueueNativeKernel({name})")
                continue
            side = <cl_command_queue><intptr_t>dev.side_queues[i - 1].int_ptr
            check(cl.clEnqueueNativeKernel(side, fn, <char*>args + i * size, size, 0, NULL,
                                           NULL, 1, &marker, &done[ndone]),
                  f"clEnqueueNativeKernel({name})")
            ndone += 1
            check(cl.clFlush(side), "clFlush")
    finally:
        # also after a failed enqueue: parts already queued must finish before anything
        # after them (a buffer freed under a running part would abort PoCL)
        if ndone:
            barrier = cl.clEnqueueBarrierWithWaitList(dev.queue, ndone, done, NULL)
        if marker != NULL:
            cl.clReleaseEvent(marker)
        for i in range(ndone):
            cl.clReleaseEvent(done[i])
    check(barrier, "clEnqueueBarrier")
    return dev.counted(1)           # the parts as one command of the bounded queue


def gemm(ctx, bint trans_a, bint trans_b, int M, int N, int K, double alpha,
         Buffer A, long long off_a, int lda, long long stride_a,
         Buffer B, long long off_b, int ldb, long long stride_b, double beta,
         Buffer C, long long off_c, int ldc, long long stride_c, long long batch, int dtype):
    """Enqueue ``batch`` GEMMs; offsets and strides in elements. Shapes are the caller's job.

    ``stride_c`` 0 with a batch adds the products up in C, on the host BLAS only (see
    ``sums_batches``); elsewhere the batch runs in parallel and C must not be shared."""
    cdef DeviceState dev = ctx.state
    cdef GemmCall call
    cdef int isz = dtype_size(dtype)
    cdef Kernel k
    cdef size_t g[3]
    cdef size_t l[3]
    if M == 0 or N == 0 or batch == 0:
        return
    dev.flush()       # pending fused ops producing A or B run first
    if host_blas(dev, dtype) and A.host != NULL and B.host != NULL and C.host != NULL:
        memset(&call, 0, sizeof(call))
        call.dtype = dtype
        call.trans_a, call.trans_b = trans_a, trans_b
        call.M, call.N, call.K = M, N, K
        call.alpha, call.beta = alpha, beta
        call.A = <char*>A.host + off_a * isz
        call.B = <char*>B.host + off_b * isz
        call.C = <char*>C.host + off_c * isz
        call.lda, call.ldb, call.ldc = lda, ldb, ldc
        call.batch = batch
        call.stride_a, call.stride_b, call.stride_c = stride_a * isz, stride_b * isz, stride_c * isz
        enqueue_blas(dev, &call, isz)
        return
    k = _kernel_getter(ctx, trans_a, trans_b, dtype)
    k.set_int(0, M)
    k.set_int(1, N)
    k.set_int(2, K)
    k.set_scalar(3, FLOAT32 if dtype == 2 else dtype, alpha)
    k.set_scalar(4, FLOAT32 if dtype == 2 else dtype, beta)
    k.set_mem(5, A)
    k.set_long(6, off_a)
    k.set_int(7, lda)
    k.set_long(8, stride_a)
    k.set_mem(9, B)
    k.set_long(10, off_b)
    k.set_int(11, ldb)
    k.set_long(12, stride_b)
    k.set_mem(13, C)
    k.set_long(14, off_c)
    k.set_int(15, ldc)
    k.set_long(16, stride_c)
    g[0] = ((N + 63) // 64) * 16
    g[1] = ((M + 63) // 64) * 16
    g[2] = batch
    l[0] = 16
    l[1] = 16
    l[2] = 1
    dev.launch_nd(k, 3, g, l)


include "_gemm_conv.pxi"     # convolution as implicit GEMM
include "_gemm_winograd.pxi" # 3x3 "same" convolutions by Winograd's F(2x2, 3x3)
include "_lstm_host.pxi"     # the fused LSTM direction's recurrence on the host


# The BLAS is loaded, and its workspace mapped (see warm_up), at import: before arrays can
# have taken the memory it needs.
try:
    load_blas()
except MemoryError:
    pass          # retried at the first product
