# cython: language_level=3, boundscheck=False, wraparound=False
"""Sums and means over every element of a float array in host memory (CPU devices), run on
the calling thread and one helper thread when the device's queue is idle.

``nd.sum(x)`` on a CPU device is two launches (kernels_cl/reduce.cl): chunks summed in
parallel into partial sums, then one work-item merging them (one launch, one work-item, for
fewer than 8,192 elements). PoCL's worker threads sleep between commands, so each call
waits for a worker to wake up for the launch and then for the calling thread to wake up for
the result: ~40 us a call, 7-8 % of a sum of 10^7 floats. With nothing queued, the calling
thread sums the first half of the chunks itself and wakes one helper thread for the second
half; whichever finishes first takes what is left of the other's half from its end (so the
helper's wake-up is hidden, not waited for), and the calling thread merges the partial
sums (one chunk: the calling thread alone). The chunks, the order of the additions within
a chunk (four vector accumulators, as reduce.cl's contiguous_reduce) and the compensated
merge are the kernels', so the result has the same bits as the launches.
"""
from libc.stdint cimport intptr_t

from mxgrad._dispatch cimport Buffer, DeviceState
from mxgrad._dtypes cimport FLOAT32, FLOAT64

cdef extern from *:
    """
    #include <math.h>
    #include <pthread.h>
    #include <sched.h>
    #include <stdatomic.h>
    #include <stdint.h>
    #include <string.h>
    #include <unistd.h>
    #if defined(__x86_64__) || defined(__i386__)
    #define MXG_PAUSE() __builtin_ia32_pause()
    #else
    #define MXG_PAUSE() ((void)0)
    #endif

    /* reduce.cl's contiguous_reduce for a sum: four accumulators of VW lanes (256-bit
       vectors) over steps of 4 VW elements, combined (0 + 1, 2 + 3, then the two), the
       lanes added in order into 0, then the elements left one by one. */
    #include "_simd.h"      /* MXG_CLONES: 256-bit vectors in registers */
    #define MXG_CHUNK_SUM(T, VW, NAME)                                                      \\
    typedef T NAME##_v __attribute__((vector_size(32)));                                  \\
    typedef T NAME##_vu __attribute__((vector_size(32), aligned(sizeof(T))));             \\
    MXG_CLONES static T NAME(const T* p, long r0, const long r1) {                        \\
        NAME##_v v0 = {0}, v1 = {0}, v2 = {0}, v3 = {0};                                  \\
        for (; r0 + 4 * VW <= r1; r0 += 4 * VW) {                                         \\
            v0 += *(const NAME##_vu*)(p + r0);                                            \\
            v1 += *(const NAME##_vu*)(p + r0 + VW);                                       \\
            v2 += *(const NAME##_vu*)(p + r0 + 2 * VW);                                   \\
            v3 += *(const NAME##_vu*)(p + r0 + 3 * VW);                                   \\
        }                                                                                 \\
        v0 += v1;                                                                         \\
        v2 += v3;                                                                         \\
        v0 += v2;                                                                         \\
        T a = 0;                                                                          \\
        for (int l = 0; l < VW; l++) a += v0[l];                                          \\
        for (; r0 < r1; r0++) a += p[r0];                                                 \\
        return a;                                                                         \\
    }
    MXG_CHUNK_SUM(float, 8, mxg_chunk_f32)
    MXG_CHUNK_SUM(double, 4, mxg_chunk_f64)

    /* reduce.cl's merge of partial sums: each add's rounding error carried into the next
       (none once the sum is infinite). */
    #define MXG_MERGE(T, NAME)                                                              \\
    static T NAME(const T* part, const int n) {                                            \\
        T a = 0, lost = 0;                                                                 \\
        for (int r = 0; r < n; r++) {                                                      \\
            const T y = part[r] - lost;                                                    \\
            const T t = a + y;                                                             \\
            lost = isfinite(t) ? (t - a) - y : 0;                                          \\
            a = t;                                                                         \\
        }                                                                                  \\
        return a;                                                                          \\
    }
    MXG_MERGE(float, mxg_merge_f32)
    MXG_MERGE(double, mxg_merge_f64)

    typedef struct {
        const char* x;          /* the first element */
        long n, chunk;
        int nchunks, dbl;
        char* part;             /* nchunks partial sums */
        _Atomic uint64_t range[2];  /* chunks [lo, hi) left in each half: hi << 32 | lo */
        atomic_int left;        /* the helper took the job and is done with it */
        int taken;              /* the helper took the job (under mxg_mu) */
    } mxg_sum_job;

    /* The next chunk of a half from its front (its owner) or its back (the other thread,
       once its own half is done); -1 when the half is empty. */
    static int mxg_claim(_Atomic uint64_t* range, const int from_back) {
        uint64_t v = atomic_load(range);
        for (;;) {
            const uint32_t lo = (uint32_t)v, hi = (uint32_t)(v >> 32);
            if (lo >= hi) return -1;
            const uint64_t next = from_back ? ((uint64_t)(hi - 1) << 32 | lo)
                                            : ((uint64_t)hi << 32 | (lo + 1));
            if (atomic_compare_exchange_weak(range, &v, next)) return from_back ? hi - 1 : lo;
        }
    }

    static void mxg_sum_chunk(mxg_sum_job* j, const int k) {
        const long lo = k * j->chunk, hi = lo + j->chunk < j->n ? lo + j->chunk : j->n;
        if (j->dbl) ((double*)j->part)[k] = mxg_chunk_f64((const double*)j->x, lo, hi);
        else ((float*)j->part)[k] = mxg_chunk_f32((const float*)j->x, lo, hi);
    }

    /* Each thread walks its own half forward, then takes what is left of the other's from
       the back: each reads one contiguous stream while both work. Handing chunks out in
       turn made both jump a chunk ahead every chunk, and the hardware prefetcher start
       over: 10^7 floats in 440-510 us against 250-260 (a C prototype, quiet machine). */
    static void mxg_take_chunks(mxg_sum_job* j, const int half) {
        int k;
        while ((k = mxg_claim(&j->range[half], 0)) >= 0) mxg_sum_chunk(j, k);
        while ((k = mxg_claim(&j->range[1 - half], 1)) >= 0) mxg_sum_chunk(j, k);
    }

    /* The helper sleeps until a job is posted, takes it (so the caller knows to wait for
       it), takes chunks until none is left, and says so. A job it did not take before the
       caller ran out of chunks is withdrawn: the helper never sees it. */
    static pthread_mutex_t mxg_mu = PTHREAD_MUTEX_INITIALIZER;
    static pthread_cond_t mxg_cv = PTHREAD_COND_INITIALIZER;
    static pthread_mutex_t mxg_busy = PTHREAD_MUTEX_INITIALIZER;   /* one job at a time */
    static mxg_sum_job* mxg_posted = NULL;
    static pid_t mxg_helper_pid = 0;   /* the process the helper runs in (a fork has none) */

    static void* mxg_helper(void* arg) {
        (void)arg;
        for (;;) {
            pthread_mutex_lock(&mxg_mu);
            while (mxg_posted == NULL) pthread_cond_wait(&mxg_cv, &mxg_mu);
            mxg_sum_job* j = mxg_posted;
            mxg_posted = NULL;
            j->taken = 1;
            pthread_mutex_unlock(&mxg_mu);
            mxg_take_chunks(j, 1);
            atomic_store(&j->left, 1);
        }
        return NULL;
    }

    static int mxg_helper_ready(void) {
        const pid_t me = getpid();
        if (mxg_helper_pid == me) return 1;
        if (mxg_helper_pid != 0) {
            /* forked: this process has no helper yet, and its lock and condition may have
               been copied while the parent's helper held them (the caller holds mxg_busy) */
            pthread_mutex_init(&mxg_mu, NULL);
            pthread_cond_init(&mxg_cv, NULL);
            mxg_posted = NULL;
        }
        pthread_attr_t attr;
        pthread_t t;
        if (pthread_attr_init(&attr)) return 0;
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        const int failed = pthread_create(&t, &attr, mxg_helper, NULL);
        pthread_attr_destroy(&attr);
        if (failed) return 0;
        mxg_helper_pid = me;
        return 1;
    }

    /* The sum of x[0 .. n) in nchunks chunks of `chunk` elements; 0 when another thread's
       job holds the helper or it cannot start (the caller then launches the kernels). */
    static int mxg_host_sum(const char* x, long n, long chunk, int nchunks, int dbl,
                            char* part, double* result) {
        if (nchunks == 1) {      /* the kernels' one launch: one chunk, no merge, no helper */
            *result = dbl ? mxg_chunk_f64((const double*)x, 0, n)
                          : (double)mxg_chunk_f32((const float*)x, 0, n);
            return 1;
        }
        if (pthread_mutex_trylock(&mxg_busy)) return 0;
        if (!mxg_helper_ready()) {
            pthread_mutex_unlock(&mxg_busy);
            return 0;
        }
        mxg_sum_job j;
        j.x = x; j.n = n; j.chunk = chunk; j.nchunks = nchunks; j.dbl = dbl; j.part = part;
        j.taken = 0;
        const uint32_t mid = (uint32_t)nchunks / 2;
        atomic_init(&j.range[0], (uint64_t)mid << 32);
        atomic_init(&j.range[1], (uint64_t)nchunks << 32 | mid);
        atomic_init(&j.left, 0);
        pthread_mutex_lock(&mxg_mu);
        mxg_posted = &j;
        pthread_cond_signal(&mxg_cv);
        pthread_mutex_unlock(&mxg_mu);
        mxg_take_chunks(&j, 0);
        pthread_mutex_lock(&mxg_mu);
        const int taken = j.taken;
        if (!taken) mxg_posted = NULL;
        pthread_mutex_unlock(&mxg_mu);
        if (taken) {                     /* at most the chunk it holds: spin, then yield */
            for (int spins = 0; !atomic_load(&j.left); spins++) {
                if (spins < 4096) MXG_PAUSE(); else sched_yield();
            }
        }
        *result = dbl ? mxg_merge_f64((const double*)part, nchunks)
                      : (double)mxg_merge_f32((const float*)part, nchunks);
        pthread_mutex_unlock(&mxg_busy);
        return 1;
    }
    """
    int mxg_host_sum(const char* x, long n, long chunk, int nchunks, int dbl, char* part,
                     double* result) nogil

cdef enum:
    MAX_CHUNKS = 4096      # partial sums on the caller's stack (32 KiB)


def host_sum(ctx, x, out, bint mean, int nchunks, long chunk):
    """Write the sum (or mean) of every element of ``x`` (contiguous) in ``nchunks`` chunks
    of ``chunk`` into the one-element ``out`` on the host, as the two launches of
    kernels_cl/reduce.cl would; False, doing nothing, unless ``x`` is float32 or float64,
    the device's queue is idle, both arrays are host memory and the helper thread is free."""
    cdef DeviceState dev = ctx.state
    cdef int dtype = x._dtype_code
    if not dev.is_cpu or (dtype != FLOAT32 and dtype != FLOAT64) or nchunks < 1 \
            or nchunks > MAX_CHUNKS:
        return False
    cdef Buffer xb = x._buffer     # (enqueues x's pending group, if any: then not idle)
    cdef Buffer ob = out._buffer
    if xb.host == NULL or ob.host == NULL or dev.busy or dev.settled != dev.commands:
        return False
    cdef long count = x.size
    cdef long isz = 4 if dtype == FLOAT32 else 8
    cdef const char* px = <const char*>xb.host + <long long>x._offset * isz
    cdef char* po = <char*>ob.host + <long long>out._offset * isz
    cdef double part[MAX_CHUNKS]
    cdef double result
    cdef int done
    with nogil:
        done = mxg_host_sum(px, count, chunk, nchunks, dtype == FLOAT64, <char*>part, &result)
    if not done:
        return False
    cdef float r32
    if dtype == FLOAT32:
        r32 = <float>result
        if mean:
            r32 = r32 / <float>count
        (<float*>po)[0] = r32
    else:
        if mean:
            result = result / <double>count
        (<double*>po)[0] = result
    return True


def host_sums_apply(ctx):
    """Whether whole-array float sums and means on ``ctx`` may run on the host: a CPU
    device whose buffers are host memory (they then do whenever its queue is idle)."""
    cdef DeviceState dev = ctx.state
    return dev.is_cpu and dev.pool.use_host_ptr
