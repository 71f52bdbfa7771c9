"""LAPACK inside the queue: MXNet's linalg factorizations on CPU devices.

Where the GEMMs run the host BLAS as OpenCL native kernels (mxgrad/_gemm.pyx: a CPU device
whose buffers wrap our own host memory, scipy-openblas32 loaded), the factorizations run
its LAPACK the same way: one native kernel per op, in order with the other kernels, looping
over the batch. The row-major matrices are handed to the column-major LAPACK as their
transposes, as MXNet does (potrf with the other triangle, getrf/getri of A^T, geqrf of A^T
for the LQ of A), so the results are MXNet's. Elsewhere (``available`` False) the ops run
the OpenCL kernels of kernels_cl/linalg_factor.cl.
"""
from libc.stdlib cimport malloc, free
from libc.string cimport memcpy, memset
from libc.math cimport log, logf, fabs, exp, expf, NAN
from posix.dlfcn cimport dlopen, dlsym, RTLD_NOW, RTLD_LOCAL

from mxgrad._opencl cimport CLApi, cl_api, check, native_fn
from mxgrad._dispatch cimport Buffer, DeviceState
from mxgrad._dtypes cimport dtype_size, FLOAT32, FLOAT64

from mxgrad import _gemm       # loads the library: single-threaded, its workspace mapped

cdef CLApi* cl = cl_api()

cdef enum:
    ROW_MAJOR = 101
    COL_MAJOR = 102
    NO_TRANS = 111
    TRANS = 112
    UPPER = 121
    LOWER = 122
    NON_UNIT = 131
    LEFT = 141
    RIGHT = 142

cdef enum:
    OP_POTRF = 1
    OP_TRSM = 2
    OP_INVERSE = 3
    OP_DET = 4
    OP_GELQF = 5

ctypedef int (*potrf_fn)(int, char, int, void*, int) noexcept nogil
ctypedef int (*getrf_fn)(int, int, int, void*, int, int*) noexcept nogil
ctypedef int (*getri_fn)(int, int, void*, int, const int*, void*, int) noexcept nogil
ctypedef int (*geqrf_fn)(int, int, int, void*, int, void*, void*, int) noexcept nogil
ctypedef int (*orgqr_fn)(int, int, int, int, void*, int, const void*, void*, int) noexcept nogil
ctypedef void (*strsm_fn)(int, int, int, int, int, int, int, float, const float*, int,
                          float*, int) noexcept nogil
ctypedef void (*dtrsm_fn)(int, int, int, int, int, int, int, double, const double*, int,
                          double*, int) noexcept nogil

ctypedef struct Routines:
    potrf_fn potrf
    getrf_fn getrf
    getri_fn getri
    geqrf_fn geqrf
    orgqr_fn orgqr

cdef Routines lapack[2]          # [0]: float32 (s), [1]: float64 (d)
cdef strsm_fn blas_strsm = NULL
cdef dtrsm_fn blas_dtrsm = NULL
cdef int lapack_state = 0        # 0 not tried, 1 loaded, -1 unavailable
enabled = True                   # False: the OpenCL kernels everywhere (tests compare both)

ctypedef struct LaCall:
    int op, dtype
    int n, m, k                  # matrix sizes (per op, below)
    int lower, transpose, rightside
    double alpha
    long long batch
    char* a                      # input matrices, n x n (gelqf: m x n)
    char* b                      # trsm: right-hand sides; det: sign; gelqf: L
    char* out                    # result matrices; det: the determinants
    char* out2                   # det: log |det|
    int* info                    # potrf, inverse: 1 for a matrix that failed


cdef inline double get(const LaCall* c, const char* p, long long i) noexcept nogil:
    if c.dtype == FLOAT32:
        return (<const float*>p)[i]
    return (<const double*>p)[i]


cdef inline void put(const LaCall* c, char* p, long long i, double v) noexcept nogil:
    if c.dtype == FLOAT32:
        (<float*>p)[i] = <float>v
    else:
        (<double*>p)[i] = v


cdef void run_potrf(LaCall* c, int isz) noexcept nogil:
    # row-major lower L L^T = A is the column-major upper factor of A^T (= A)
    cdef Routines* r = &lapack[c.dtype == FLOAT64]
    cdef long long b, mat = <long long>c.n * c.n
    cdef int i, j
    cdef char* o
    memcpy(c.out, c.a, c.batch * mat * isz)
    for b in range(c.batch):
        o = c.out + b * mat * isz
        c.info[b] = r.potrf(COL_MAJOR, b'U' if c.lower else b'L', c.n, o, c.n) != 0
        for i in range(c.n):            # zero the triangle LAPACK leaves alone
            for j in range(i + 1, c.n):
                put(c, o, <long long>i * c.n + j if c.lower else <long long>j * c.n + i, 0)


cdef void run_trsm(LaCall* c, int isz) noexcept nogil:
    # A: n x n; B: n x k (left) or k x n (right)
    cdef long long b, amat = <long long>c.n * c.n, bmat = <long long>c.n * c.k
    cdef int rows = c.k if c.rightside else c.n, cols = c.n if c.rightside else c.k
    memcpy(c.out, c.b, c.batch * bmat * isz)
    for b in range(c.batch):
        if c.dtype == FLOAT32:
            blas_strsm(ROW_MAJOR, RIGHT if c.rightside else LEFT, LOWER if c.lower else UPPER,
                       TRANS if c.transpose else NO_TRANS, NON_UNIT, rows, cols,
                       <float>c.alpha, <const float*>(c.a + b * amat * isz), c.n,
                       <float*>(c.out + b * bmat * isz), cols)
        else:
            blas_dtrsm(ROW_MAJOR, RIGHT if c.rightside else LEFT, LOWER if c.lower else UPPER,
                       TRANS if c.transpose else NO_TRANS, NON_UNIT, rows, cols,
                       c.alpha, <const double*>(c.a + b * amat * isz), c.n,
                       <double*>(c.out + b * bmat * isz), cols)


cdef void run_inverse(LaCall* c, int isz) noexcept nogil:
    # the column-major inverse of A^T is the row-major inverse of A
    cdef Routines* r = &lapack[c.dtype == FLOAT64]
    cdef long long b, mat = <long long>c.n * c.n
    cdef int* ipiv = <int*>malloc((c.n + 1) * sizeof(int))
    cdef void* work = malloc((mat + 1) * isz)
    cdef char* o
    memcpy(c.out, c.a, c.batch * mat * isz)
    for b in range(c.batch):
        o = c.out + b * mat * isz
        if ipiv == NULL or work == NULL:
            c.info[b] = 2
            continue
        c.info[b] = r.getrf(COL_MAJOR, c.n, c.n, o, c.n, ipiv) != 0
        if not c.info[b]:
            c.info[b] = r.getri(COL_MAJOR, c.n, o, c.n, ipiv, work, <int>mat) != 0
        if c.info[b] and c.lower:       # zero_singular (see enqueue)
            memset(o, 0, mat * isz)
    free(ipiv)
    free(work)


cdef void run_det(LaCall* c, int isz) noexcept nogil:
    # det, sign and log |det| from the LU of A^T, as MXNet: det = sign * exp(log |det|)
    cdef Routines* r = &lapack[c.dtype == FLOAT64]
    cdef long long b, mat = <long long>c.n * c.n
    cdef int* ipiv = <int*>malloc((c.n + 1) * sizeof(int))
    cdef char* w = <char*>malloc((mat + 1) * isz)
    cdef double sign, logabs, d
    cdef int i
    for b in range(c.batch):
        if ipiv == NULL or w == NULL:
            sign, logabs = NAN, NAN
        else:
            memcpy(w, c.a + b * mat * isz, mat * isz)
            r.getrf(COL_MAJOR, c.n, c.n, w, c.n, ipiv)
            sign, logabs = 1.0, 0.0
            for i in range(c.n):
                d = get(c, w, <long long>i * c.n + i)
                if ipiv[i] != i + 1:
                    sign = -sign
                if d < 0:
                    sign = -sign
                elif d == 0:
                    sign = sign * 0.0
                if c.dtype == FLOAT32:  # in float, as MXNet's float32 op
                    logabs = <float>(<float>logabs + logf(<float>fabs(d)))
                else:
                    logabs += log(fabs(d))
        put(c, c.b, b, sign)
        put(c, c.out2, b, logabs)
        put(c, c.out, b, sign * (<double>expf(<float>logabs) if c.dtype == FLOAT32
                                 else exp(logabs)))
    free(ipiv)
    free(w)


cdef void run_gelqf(LaCall* c, int isz) noexcept nogil:
    # A (m x n, row-major) is the column-major n x m A^T = Q' R: L = R^T, Q = Q'^T, and
    # Q' (column-major) is Q (row-major)
    cdef Routines* r = &lapack[c.dtype == FLOAT64]
    cdef long long b, amat = <long long>c.m * c.n, lmat = <long long>c.m * c.m
    cdef int lwork = 64 * (c.m + 1)
    cdef char* tau = <char*>malloc((c.m + 1) * isz)
    cdef void* work = malloc(lwork * isz)
    cdef char* q
    cdef char* l
    cdef int i, j
    memcpy(c.out, c.a, c.batch * amat * isz)
    for b in range(c.batch):
        q = c.out + b * amat * isz
        l = c.b + b * lmat * isz
        if tau == NULL or work == NULL:
            continue
        r.geqrf(COL_MAJOR, c.n, c.m, q, c.n, tau, work, lwork)
        for i in range(c.m):
            for j in range(c.m):
                put(c, l, <long long>i * c.m + j,
                    get(c, q, <long long>i * c.n + j) if j <= i else 0.0)
        r.orgqr(COL_MAJOR, c.n, c.m, c.m, q, c.n, tau, work, lwork)
    free(tau)
    free(work)


cdef void run_lapack(void* p) noexcept nogil:
    """The native kernel: runs on one of the device's worker threads, in queue order."""
    cdef LaCall* c = <LaCall*>p
    cdef int isz = 4 if c.dtype == FLOAT32 else 8
    if c.op == OP_POTRF:
        run_potrf(c, isz)
    elif c.op == OP_TRSM:
        run_trsm(c, isz)
    elif c.op == OP_INVERSE:
        run_inverse(c, isz)
    elif c.op == OP_DET:
        run_det(c, isz)
    elif c.op == OP_GELQF:
        run_gelqf(c, isz)


cdef void* sym(void* lib, bytes name):
    return dlsym(lib, b"scipy_" + name)


cdef int load_lapack() except -1:
    global lapack_state, blas_strsm, blas_dtrsm
    if lapack_state != 0:
        return lapack_state == 1
    lapack_state = -1
    path = _gemm.library_path()
    if path is None:
        return False
    cdef void* lib = dlopen(path.encode(), RTLD_NOW | RTLD_LOCAL)
    if lib == NULL:
        return False
    cdef int i
    for i, p in enumerate((b"s", b"d")):
        lapack[i].potrf = <potrf_fn>sym(lib, b"LAPACKE_" + p + b"potrf_work")
        lapack[i].getrf = <getrf_fn>sym(lib, b"LAPACKE_" + p + b"getrf_work")
        lapack[i].getri = <getri_fn>sym(lib, b"LAPACKE_" + p + b"getri_work")
        lapack[i].geqrf = <geqrf_fn>sym(lib, b"LAPACKE_" + p + b"geqrf_work")
        lapack[i].orgqr = <orgqr_fn>sym(lib, b"LAPACKE_" + p + b"orgqr_work")
        if (lapack[i].potrf == NULL or lapack[i].getrf == NULL or lapack[i].getri == NULL
                or lapack[i].geqrf == NULL or lapack[i].orgqr == NULL):
            return False
    blas_strsm = <strsm_fn>sym(lib, b"cblas_strsm")
    blas_dtrsm = <dtrsm_fn>sym(lib, b"cblas_dtrsm")
    if blas_strsm == NULL or blas_dtrsm == NULL:
        return False
    lapack_state = 1
    return True


def available(ctx, *buffers):
    """Whether the linalg ops on these buffers of ``ctx`` run LAPACK in the queue."""
    cdef DeviceState dev = ctx.state
    cdef Buffer b
    if not enabled or not dev.pool.use_host_ptr or not _gemm.native_blas_available(dev) \
            or not load_lapack():
        return False
    for b in buffers:
        if b.host == NULL:
            return False
    return True


cdef char* at(Buffer buf, long long offset, int isz):
    return NULL if buf is None else <char*>buf.host + offset * isz


def enqueue(ctx, int op, int dtype, int n, int m, int k, bint lower, bint transpose,
            bint rightside, double alpha, long long batch, Buffer a, long long a_off,
            Buffer b=None, long long b_off=0, Buffer out=None, Buffer out2=None,
            Buffer info=None):
    """Enqueue one op over the batch as a native kernel (``available`` must be True).
    For INVERSE, ``lower`` asks for zeros in place of the inverse of a singular matrix."""
    cdef DeviceState dev = ctx.state
    cdef LaCall call
    cdef int isz = dtype_size(dtype)
    if batch == 0:
        return
    dev.flush()       # pending fused ops producing the inputs run first
    memset(&call, 0, sizeof(call))
    call.op, call.dtype = op, dtype
    call.n, call.m, call.k = n, m, k
    call.lower, call.transpose, call.rightside = lower, transpose, rightside
    call.alpha = alpha
    call.batch = batch
    call.a = at(a, a_off, isz)
    call.b = at(b, b_off, isz)
    call.out = at(out, 0, isz)
    call.out2 = at(out2, 0, isz)
    call.info = <int*>at(info, 0, 4)
    if dev.trace is not None:
        dev.trace.append("lapack")
    check(cl.clEnqueueNativeKernel(dev.queue, <native_fn>run_lapack, &call, sizeof(call), 0,
                                   NULL, NULL, 0, NULL, NULL), "clEnqueueNativeKernel(lapack)")
    dev.counted(1)


POTRF, TRSM, INVERSE, DET, GELQF = OP_POTRF, OP_TRSM, OP_INVERSE, OP_DET, OP_GELQF
