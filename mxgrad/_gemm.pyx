"""The one GEMM entry point: C = alpha * op(A) @ op(B) + beta * C, row-major, batched.

On CPU devices whose buffers wrap our own host memory (see _dispatch.BufferPool), the host
BLAS (scipy-openblas32, opened at run time) runs as an OpenCL native kernel inside the
queue: in order with the other kernels, no host wait, ~BLAS speed. Elsewhere a tiled OpenCL
kernel (kernels_cl/gemm.cl) runs.
"""
from libc.stdint cimport intptr_t
from libc.string cimport memset
from posix.dlfcn cimport dlopen, dlsym, RTLD_NOW, RTLD_LOCAL

from mxgrad._opencl cimport CLApi, cl_api, check, native_fn
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
cdef set_threads_fn blas_set_threads = NULL
cdef int blas_max_threads = 1
# Below this many multiply-adds one BLAS thread is faster: the device's own worker threads
# already share the cores, and waking more threads costs more than the product.
cdef long long BLAS_THREADING_MIN = 1 << 24
cdef int blas_state = 0          # 0 not tried, 1 loaded, -1 unavailable

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


cdef void run_blas(void* p) noexcept nogil:
    """The native kernel: runs on the device's worker thread, in queue order."""
    cdef GemmCall* g = <GemmCall*>p
    cdef long long b
    if blas_set_threads != NULL:
        blas_set_threads(blas_max_threads if <long long>g.M * g.N * g.K * g.batch
                         >= BLAS_THREADING_MIN else 1)
    cdef double beta = g.beta
    for b in range(g.batch):
        # stride_c 0: the batch's products add up in C (beta applies to the first)
        if b > 0 and g.stride_c == 0:
            beta = 1.0
        if g.dtype == FLOAT32:
            blas_sgemm(ROW_MAJOR, TRANS if g.trans_a else NO_TRANS,
                       TRANS if g.trans_b else NO_TRANS, g.M, g.N, g.K, <float>g.alpha,
                       <const float*>(g.A + b * g.stride_a), g.lda,
                       <const float*>(g.B + b * g.stride_b), g.ldb, <float>beta,
                       <float*>(g.C + b * g.stride_c), g.ldc)
        else:
            blas_dgemm(ROW_MAJOR, TRANS if g.trans_a else NO_TRANS,
                       TRANS if g.trans_b else NO_TRANS, g.M, g.N, g.K, g.alpha,
                       <const double*>(g.A + b * g.stride_a), g.lda,
                       <const double*>(g.B + b * g.stride_b), g.ldb, beta,
                       <double*>(g.C + b * g.stride_c), g.ldc)


cdef bint load_blas():
    global blas_state, blas_sgemm, blas_dgemm, blas_set_threads, blas_max_threads
    if blas_state != 0:
        return blas_state == 1
    blas_state = -1
    if os.environ.get("MXGRAD_NATIVE_BLAS", "1") == "0":
        return False
    try:
        import scipy_openblas32
    except ImportError:
        return False
    path = os.path.join(scipy_openblas32.get_lib_dir(),
                        f"lib{scipy_openblas32.get_library()}.so")
    cdef void* lib = dlopen(path.encode(), RTLD_NOW | RTLD_LOCAL)
    if lib == NULL:
        return False
    blas_sgemm = <sgemm_fn>dlsym(lib, b"scipy_cblas_sgemm")
    blas_dgemm = <dgemm_fn>dlsym(lib, b"scipy_cblas_dgemm")
    blas_set_threads = <set_threads_fn>dlsym(lib, b"scipy_openblas_set_num_threads")
    blas_max_threads = int(os.environ.get("OPENBLAS_NUM_THREADS", 0)) or (os.cpu_count() or 1)
    if blas_sgemm != NULL and blas_dgemm != NULL:
        blas_state = 1
    return blas_state == 1


def sums_batches(ctx, Buffer A, Buffer B, Buffer C, int dtype):
    """Whether ``gemm`` with these buffers runs on the host BLAS, where ``stride_c`` 0 sums
    a batch into C."""
    cdef DeviceState dev = ctx.state
    return (dtype == FLOAT32 or dtype == FLOAT64) and dev.pool.use_host_ptr and load_blas() \
        and A.host != NULL and B.host != NULL and C.host != NULL


def native_blas_available(DeviceState dev):
    """Whether GEMMs on this device run as host BLAS inside the queue."""
    return dev.pool.use_host_ptr and load_blas()


cdef object _kernel_getter = None


def _set_kernel_getter(fn):
    """fn(ctx, trans_a, trans_b, dtype_code) -> Kernel of kernels_cl/gemm.cl."""
    global _kernel_getter
    _kernel_getter = fn


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
    # Host BLAS needs host pointers: buffers wrapped from elsewhere (interop) have none.
    if (dtype == FLOAT32 or dtype == FLOAT64) and dev.pool.use_host_ptr and load_blas() \
            and A.host != NULL and B.host != NULL and C.host != NULL:
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
        check(cl.clEnqueueNativeKernel(dev.queue, <native_fn>run_blas, &call, sizeof(call), 0,
                                       NULL, NULL, 0, NULL, NULL), "clEnqueueNativeKernel(gemm)")
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
