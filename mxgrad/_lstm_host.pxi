# The recurrence of the fused LSTM direction (mxgrad/ndarray/rnn_lstm.py) on the host, where
# GEMMs run on the host BLAS (included by _gemm.pyx).
#
# The rows of a batch never mix in an LSTM: row n of h_t depends on row n of h_{t-1} only. So
# each compute unit takes a block of batch rows and runs the whole sequence for them, each
# step a GEMM of its rows and the cell on them (vectorised C below), then the next untaken
# block, as one native kernel per unit: no command, launch or synchronisation per step. The
# OpenCL path (kernels_cl/rnn.cl lstm_seq_fwd/lstm_seq_bwd, one launch per step) stays for
# every other device.

from libc.string cimport memcpy

cdef extern from *:
    """
    #include <math.h>
    #include <stdlib.h>
    #include <string.h>
    #if defined(__GNUC__) && !defined(__clang__)
    #pragma GCC push_options
    #pragma GCC optimize("O3", "no-trapping-math")   /* if-converts the clamps below */
    #endif
    #include "_simd.h"      /* MXG_CLONES: the loops below vectorise */

    /* exp in float32 without a libm call, so that the loops vectorise (Cephes' expf:
       x = n ln2 + r, a degree-5 polynomial of r, times 2^n); relative error ~2e-7. The
       input is clamped to where 2^n is a normal number: exp(-87.3) ~ 1e-38 stands for
       anything smaller, exp(88) for anything larger, harmless in the sigmoids and tanh. */
    static inline float mxg_expf(float x) {
        x = x > 88.0f ? 88.0f : x;
        x = x < -87.3f ? -87.3f : x;
        /* n = round(x / ln2): adding 1.5 * 2^23 rounds, and leaves n in the low bits */
        union { float f; unsigned u; } t = { x * 1.44269504088896341f + 12582912.0f };
        const float n = t.f - 12582912.0f;
        const float r = (x - n * 0.693359375f) + n * 2.12194440e-4f;
        float y = 1.9875691500e-4f;
        y = y * r + 1.3981999507e-3f;
        y = y * r + 8.3334519073e-3f;
        y = y * r + 4.1665795894e-2f;
        y = y * r + 1.6666665459e-1f;
        y = y * r + 5.0000001201e-1f;
        y = y * r * r + r + 1.0f;
        union { unsigned u; float f; } s = { (t.u - 0x4B400000u + 127u) << 23 };    /* 2^n */
        return y * s.f;
    }

    /* The cell of one step over R rows and H units; gates (stride 4H, the i, f, g, o
       pre-activations less the bias) are overwritten with the activated gates, which the
       backward reads; h and c get the new states (stride H). The formulas are those of
       kernels_cl/rnn.cl, tanh through exp as there. */
    #define MXG_LSTM_CELLS(T, SUF, EXP)                                                     \\
    MXG_CLONES static void mxg_lstm_fwd_##SUF(long R, long H, T* restrict gates,            \\
            const T* restrict bias, const T* restrict c_prev, T* restrict h,               \\
            T* restrict c) {                                                               \\
        for (long r = 0; r < R; r++) {                                                     \\
            T* restrict a = gates + r * 4 * H;                                             \\
            const T* restrict cp = c_prev + r * H;                                         \\
            T* restrict hr = h + r * H;                                                    \\
            T* restrict cr = c + r * H;                                                    \\
            for (long j = 0; j < H; j++) {                                                 \\
                const T i = (T)1 / ((T)1 + EXP(-(a[j] + bias[j])));                        \\
                const T f = (T)1 / ((T)1 + EXP(-(a[H + j] + bias[H + j])));                \\
                const T g = (T)1 - (T)2 / (EXP((T)2 * (a[2 * H + j] + bias[2 * H + j]))    \\
                                           + (T)1);                                        \\
                const T o = (T)1 / ((T)1 + EXP(-(a[3 * H + j] + bias[3 * H + j])));        \\
                const T cn = f * cp[j] + i * g;                                            \\
                a[j] = i; a[H + j] = f; a[2 * H + j] = g; a[3 * H + j] = o;                \\
                cr[j] = cn;                                                                \\
                hr[j] = o * ((T)1 - (T)2 / (EXP((T)2 * cn) + (T)1));                       \\
            }                                                                              \\
        }                                                                                  \\
    }                                                                                      \\
    /* Its backward: from the activated gates, c_{t-1}, the output's gradient gout and   \\
       dh (the gradient of h_t through step t+1) and dc (that of c_t, overwritten with    \\
       that of c_{t-1}): the gradient dg of the gate pre-activations. */                  \\
    MXG_CLONES static void mxg_lstm_bwd_##SUF(long R, long H, T* restrict dg,               \\
            const T* restrict acts, const T* restrict c_prev, const T* restrict gout,      \\
            const T* restrict dh, T* restrict dc) {                                        \\
        for (long r = 0; r < R; r++) {                                                     \\
            const T* restrict a = acts + r * 4 * H;                                        \\
            T* restrict d = dg + r * 4 * H;                                                \\
            const T* restrict cp = c_prev + r * H;                                         \\
            const T* restrict go = gout + r * H;                                           \\
            const T* restrict gh = dh + r * H;                                             \\
            T* restrict gc = dc + r * H;                                                   \\
            for (long j = 0; j < H; j++) {                                                 \\
                const T i = a[j], f = a[H + j], g = a[2 * H + j], o = a[3 * H + j];        \\
                const T tc = (T)1 - (T)2 / (EXP((T)2 * (f * cp[j] + i * g)) + (T)1);       \\
                const T dhn = go[j] + gh[j];                                               \\
                const T dcn = gc[j] + dhn * o * ((T)1 - tc * tc);                          \\
                d[j] = dcn * g * i * ((T)1 - i);                                           \\
                d[H + j] = dcn * cp[j] * f * ((T)1 - f);                                   \\
                d[2 * H + j] = dcn * i * ((T)1 - g * g);                                   \\
                d[3 * H + j] = dhn * tc * o * ((T)1 - o);                                  \\
                gc[j] = dcn * f;                                                           \\
            }                                                                              \\
        }                                                                                  \\
    }

    /* The step's product in float32 against a weight packed once per sequence: OpenBLAS
       packs it anew at every call, which for the few rows of a step costs about half the
       product (measured 143 us against ~90 us of arithmetic for 16x1024x256). C = A @ B,
       or C + A @ B with accumulate, for C (R, Nc) and A (R, K) with row strides ldc, lda;
       B in panels of 16 columns, panel p holding B[k][16p + l] at bp[(p K + k) 16 + l],
       zero past column Nc. */
    typedef float mxg_v16 __attribute__((vector_size(64)));
    typedef float mxg_v16u __attribute__((vector_size(64), aligned(4)));
    #define MXG_TILE(MR)                                                                   \\
        {                                                                                  \\
            mxg_v16 acc[MR];                                                               \\
            const float* restrict a = A + r * lda;                                         \\
            _Pragma("GCC unroll 16") for (int q = 0; q < MR; q++) acc[q] = (mxg_v16){0};   \\
            for (long k = 0; k < K; k++) {                                                 \\
                const mxg_v16 b = *(const mxg_v16u*)(bp + k * 16);                         \\
                _Pragma("GCC unroll 16") for (int q = 0; q < MR; q++)                      \\
                    acc[q] += a[q * lda + k] * b;                                          \\
            }                                                                              \\
            _Pragma("GCC unroll 16") for (int q = 0; q < MR; q++) {                        \\
                float* restrict c = C + (r + q) * ldc + p * 16;                            \\
                if (nc == 16) {                                                            \\
                    *(mxg_v16u*)c = accumulate ? *(mxg_v16u*)c + acc[q] : acc[q];          \\
                } else {                                                                   \\
                    for (long l = 0; l < nc; l++)                                          \\
                        c[l] = accumulate ? c[l] + acc[q][l] : acc[q][l];                  \\
                }                                                                          \\
            }                                                                              \\
        }
    #define MXG_PACKED_GEMM(NAME, ATTR, MR)                                                \\
    ATTR static void NAME(long R, long Nc, long K, const float* restrict A, long lda,      \\
                          const float* restrict Bp, int accumulate, float* restrict C,     \\
                          long ldc) {                                                      \\
        for (long p = 0; p * 16 < Nc; p++) {                                               \\
            const float* restrict bp = Bp + p * K * 16;                                    \\
            const long nc = Nc - p * 16 < 16 ? Nc - p * 16 : 16;                           \\
            long r = 0;                                                                    \\
            for (; r + MR <= R; r += MR) MXG_TILE(MR)                                      \\
            /* the rows left over in tiles of 4 and 2 before single rows: a single row   \\
               loads a vector of the panel for each FMA */                               \\
            if (MR > 4 && r + 4 <= R) { MXG_TILE(4) r += 4; }                              \\
            if (MR > 2 && r + 2 <= R) { MXG_TILE(2) r += 2; }                              \\
            for (; r < R; r++) MXG_TILE(1)                                                 \\
        }                                                                                  \\
    }
    #if defined(__GNUC__) && defined(__x86_64__)
    MXG_PACKED_GEMM(mxg_gemm_packed_avx512, __attribute__((target("avx512f,fma"))), 8)
    MXG_PACKED_GEMM(mxg_gemm_packed_avx2, __attribute__((target("avx2,fma"))), 4)
    #endif
    MXG_PACKED_GEMM(mxg_gemm_packed_base, , 2)

    static void mxg_gemm_packed(long R, long Nc, long K, const float* A, long lda,
                                const float* Bp, int accumulate, float* C, long ldc) {
    #if defined(__GNUC__) && defined(__x86_64__)
        if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("fma")) {
            mxg_gemm_packed_avx512(R, Nc, K, A, lda, Bp, accumulate, C, ldc);
            return;
        }
        if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
            mxg_gemm_packed_avx2(R, Nc, K, A, lda, Bp, accumulate, C, ldc);
            return;
        }
    #endif
        mxg_gemm_packed_base(R, Nc, K, A, lda, Bp, accumulate, C, ldc);
    }

    /* Panels p_lo.. p_hi - 1 of B = W^T (trans) or W, for W (rows, cols) row-major. */
    static void mxg_pack(const float* W, long rows, long cols, int trans, float* bp, long p_lo,
                         long p_hi) {
        const long K = trans ? cols : rows, Nc = trans ? rows : cols;
        for (long p = p_lo; p < p_hi; p++)
            for (long k = 0; k < K; k++)
                for (long l = 0; l < 16; l++) {
                    const long n = p * 16 + l;
                    bp[(p * K + k) * 16 + l] = n >= Nc ? 0.0f
                        : trans ? W[n * cols + k] : W[k * cols + n];
                }
    }

    static inline int mxg_claim(int* next) {
        return __atomic_fetch_add(next, 1, __ATOMIC_RELAXED);
    }

    MXG_LSTM_CELLS(float, f32, mxg_expf)
    MXG_LSTM_CELLS(double, f64, exp)
    #if defined(__GNUC__) && !defined(__clang__)
    #pragma GCC pop_options
    #endif
    """
    void mxg_lstm_fwd_f32(long R, long H, float* gates, const float* bias, const float* c_prev,
                          float* h, float* c) noexcept nogil
    void mxg_lstm_bwd_f32(long R, long H, float* dg, const float* acts, const float* c_prev,
                          const float* gout, const float* dh, float* dc) noexcept nogil
    void mxg_lstm_fwd_f64(long R, long H, double* gates, const double* bias,
                          const double* c_prev, double* h, double* c) noexcept nogil
    void mxg_lstm_bwd_f64(long R, long H, double* dg, const double* acts,
                          const double* c_prev, const double* gout, const double* dh,
                          double* dc) noexcept nogil
    void mxg_gemm_packed(long R, long Nc, long K, const float* A, long lda, const float* Bp,
                         int accumulate, float* C, long ldc) noexcept nogil
    void mxg_pack(const float* W, long rows, long cols, int trans, float* bp, long p_lo,
                  long p_hi) noexcept nogil
    int mxg_claim(int* next) noexcept nogil


ctypedef struct LstmRows:
    # One unit's block of rows; every pointer is at its first row (of step 0 for per-step
    # buffers, whose steps lie `batch` rows apart).
    int dtype
    int T, R, H, batch
    int reverse
    int want_h0           # backward: whether the last step's GEMM (dh0) runs
    char* w_h2h           # (4H, H)
    float* packed         # float32: its panels (W^T forward, W backward), else NULL
    long panel_lo, panel_hi   # the panels a unit packs (run_lstm_pack)
    int* claim            # the next block of rows to take (see run_lstm_blocks)
    int block_rows
    char* bias            # (4H,)
    char* gates           # (T, batch, 4H): pre-activations in, activated gates out
    char* h0
    char* c0
    char* out             # (T, batch, H)
    char* cells           # (T, batch, H): c_t of every step but the last
    char* hN
    char* cN
    char* dgates          # backward: (T, batch, 4H)
    char* gout            # (T, batch, H)
    char* gh              # (batch, H): the gradients of hN and cN
    char* gc
    char* dh              # (batch, H): the gradients of h0 and c0
    char* dc


cdef inline int lstm_step(const LstmRows* p, int n) noexcept nogil:
    return p.T - 1 - n if p.reverse else n


cdef void lstm_forward_rows(LstmRows* p) noexcept nogil:
    """The forward over all steps for R rows."""
    cdef long isz = 4 if p.dtype == FLOAT32 else 8
    cdef long G = 4 * p.H
    cdef long gstep = p.batch * G * isz, hstep = p.batch * p.H * isz
    cdef char* h_prev = p.h0
    cdef char* c_prev = p.c0
    cdef char* g
    cdef char* h
    cdef char* c
    cdef int n, t
    cdef float* packed = p.packed
    for n in range(p.T):
        t = lstm_step(p, n)
        g = p.gates + t * gstep
        if packed != NULL:
            mxg_gemm_packed(p.R, G, p.H, <float*>h_prev, p.H, packed, 1, <float*>g, G)
        else:
            blas(p.dtype, False, True, p.R, G, p.H, 1.0, h_prev, p.H, p.w_h2h, p.H, 1.0, g, G)
        h = p.out + t * hstep
        c = p.cN if n == p.T - 1 else p.cells + t * hstep
        if p.dtype == FLOAT32:
            mxg_lstm_fwd_f32(p.R, p.H, <float*>g, <float*>p.bias, <float*>c_prev, <float*>h,
                             <float*>c)
        else:
            mxg_lstm_fwd_f64(p.R, p.H, <double*>g, <double*>p.bias, <double*>c_prev,
                             <double*>h, <double*>c)
        h_prev, c_prev = h, c
    memcpy(p.hN, h_prev, <long>p.R * p.H * isz)


cdef void lstm_backward_rows(LstmRows* p) noexcept nogil:
    """The backward over all steps for R rows, last first. dh and dc carry the gradients of
    h and c from step to step, from those of hN and cN to those of h0 (if want_h0) and
    c0."""
    cdef long isz = 4 if p.dtype == FLOAT32 else 8
    cdef long G = 4 * p.H
    cdef long gstep = p.batch * G * isz, hstep = p.batch * p.H * isz
    cdef char* d
    cdef char* cp
    cdef int n, t
    cdef float* packed = p.packed
    memcpy(p.dh, p.gh, <long>p.R * p.H * isz)
    memcpy(p.dc, p.gc, <long>p.R * p.H * isz)
    for n in range(p.T - 1, -1, -1):
        t = lstm_step(p, n)
        cp = p.cells + lstm_step(p, n - 1) * hstep if n else p.c0
        d = p.dgates + t * gstep
        if p.dtype == FLOAT32:
            mxg_lstm_bwd_f32(p.R, p.H, <float*>d, <float*>(p.gates + t * gstep), <float*>cp,
                             <float*>(p.gout + t * hstep), <float*>p.dh, <float*>p.dc)
        else:
            mxg_lstm_bwd_f64(p.R, p.H, <double*>d, <double*>(p.gates + t * gstep),
                             <double*>cp, <double*>(p.gout + t * hstep), <double*>p.dh,
                             <double*>p.dc)
        if not (n or p.want_h0):
            continue
        if packed != NULL:
            mxg_gemm_packed(p.R, p.H, G, <float*>d, G, packed, 0, <float*>p.dh, p.H)
        else:
            blas(p.dtype, False, False, p.R, p.H, G, 1.0, d, G, p.w_h2h, p.H, 0.0, p.dh, p.H)


cdef void run_lstm_blocks(LstmRows* p, void (*run)(LstmRows*) noexcept nogil) noexcept nogil:
    """Run ``run`` on blocks of rows, taking the next untaken block until none is left: the
    units share the blocks out as they go, so a unit slowed down (another process on its
    core) takes fewer."""
    cdef LstmRows q
    cdef long lo, g_row = 4 * p.H, h_row = p.H
    cdef int k
    cdef char** rows[13]
    if p.dtype == FLOAT64:
        g_row, h_row = 8 * g_row, 8 * h_row
    else:
        g_row, h_row = 4 * g_row, 4 * h_row
    while True:
        lo = <long>mxg_claim(p.claim) * p.block_rows
        if lo >= p.batch:
            return
        q = p[0]
        q.R = <int>min(<long>p.block_rows, p.batch - lo)
        rows[0], rows[1], rows[2] = &q.gates, &q.dgates, &q.h0
        rows[3], rows[4], rows[5] = &q.c0, &q.out, &q.cells
        rows[6], rows[7], rows[8] = &q.hN, &q.cN, &q.gout
        rows[9], rows[10] = &q.dh, &q.dc
        rows[11], rows[12] = &q.gh, &q.gc
        for k in range(13):          # (4H)-wide rows, then H-wide ones
            if rows[k][0] != NULL:
                rows[k][0] += lo * (g_row if k < 2 else h_row)
        run(&q)


cdef void run_lstm_forward_blocks(void* arg) noexcept nogil:
    run_lstm_blocks(<LstmRows*>arg, lstm_forward_rows)


cdef void run_lstm_backward_blocks(void* arg) noexcept nogil:
    run_lstm_blocks(<LstmRows*>arg, lstm_backward_rows)


cdef void run_lstm_prepare(void* arg) noexcept nogil:
    """The native kernel of one unit before the steps: the first resets the block counter;
    each packs its share of the panels of W_h2h (W^T forward, W backward: dgates is set)."""
    cdef LstmRows* p = <LstmRows*>arg
    if p.panel_lo == 0:
        p.claim[0] = 0
    if p.packed != NULL:
        mxg_pack(<float*>p.w_h2h, 4 * p.H, p.H, p.dgates == NULL, p.packed, p.panel_lo,
                 p.panel_hi)


cdef enum:
    SCRATCH_HEAD = 16        # elements before the panels: the block counter, 64-byte aligned


def lstm_scratch_size(int dtype, int H):
    """Elements of the scratch array of the host recurrence: its block counter, then in
    float32 the panels of W_h2h (float64 runs the BLAS at each step)."""
    if dtype != FLOAT32:
        return SCRATCH_HEAD
    return SCRATCH_HEAD + max((4 * H + 15) // 16 * 16 * H, (H + 15) // 16 * 16 * 4 * H)


cdef char* host_at(object array, int isz) except NULL:
    """The host address of an NDArray's first element (the caller checked lstm_host_ready)."""
    cdef Buffer b = array._buffer
    return <char*>b.host + <long long>array._offset * isz


def lstm_host_ready(ctx, int dtype, *arrays):
    """Whether the fused LSTM direction runs its recurrence on the host (lstm_host_forward,
    lstm_host_backward): where GEMMs of these arrays run on the host BLAS."""
    return host_blas(ctx.state, dtype) and all_on_host([a._buffer for a in arrays])


cdef int enqueue_lstm(ctx, native_fn fn, LstmRows* call, object scratch, int isz,
                      str name) except -1:
    """Enqueue the prepare command (block counter, packing), then ``fn`` once per unit on
    blocks of the batch's rows. Blocks of up to 8 rows (a tile of the product), at least 2
    per unit where there are 8 rows each, fewer where that would leave units idle."""
    cdef DeviceState dev = ctx.state
    cdef LstmRows pieces[MAX_PARTS]
    cdef int units = split_parts(dev, 1LL << 62)
    cdef int i, prep, per_unit = (call.batch + units - 1) // units
    cdef long panels = ((4 * call.H if call.dgates == NULL else call.H) + 15) // 16
    call.block_rows = max(1, min(8, max(4, (call.batch + 2 * units - 1) // (2 * units)),
                                 per_unit))
    call.claim = <int*>host_at(scratch, isz)
    if call.dtype == FLOAT32 and (call.dgates == NULL or call.T > 1 or call.want_h0):
        call.packed = <float*>host_at(scratch, isz) + SCRATCH_HEAD     # else no product runs
    prep = <int>max(1, min(units, panels)) if call.packed != NULL else 1
    dev.flush()            # pending fused ops producing the inputs run first
    for i in range(prep):
        pieces[i] = call[0]
        pieces[i].panel_lo, pieces[i].panel_hi = panels * i // prep, panels * (i + 1) // prep
    enqueue_native_parts(dev, <native_fn>run_lstm_prepare, pieces, sizeof(LstmRows), prep,
                         "lstm_host_prepare")
    units = <int>min(units, (call.batch + call.block_rows - 1) // call.block_rows)
    for i in range(units):
        pieces[i] = call[0]
    return enqueue_native_parts(dev, fn, pieces, sizeof(LstmRows), units, name)


def lstm_host_forward(ctx, int dtype, int T, int N, int H, bint reverse, w_h2h, bias, gates,
                      h0, c0, out, cells, hN, cN, scratch):
    """Enqueue the recurrence of the forward: ``gates`` (T, N, 4H) holds x_t W_i2h^T and
    gets the activated gates; ``out``, ``cells`` (T, N, H) and ``hN``, ``cN`` (N, H) get the
    states; ``scratch`` has lstm_scratch_size elements. Arrays contiguous, of ``dtype``, on
    ``ctx`` (see lstm_host_ready)."""
    cdef LstmRows call
    cdef int isz = dtype_size(dtype)
    if N == 0 or H == 0 or T == 0:
        return
    memset(&call, 0, sizeof(call))
    call.dtype, call.T, call.R, call.H, call.batch, call.reverse = dtype, T, N, H, N, reverse
    call.w_h2h, call.bias = host_at(w_h2h, isz), host_at(bias, isz)
    call.gates, call.h0, call.c0 = host_at(gates, isz), host_at(h0, isz), host_at(c0, isz)
    call.out, call.cells = host_at(out, isz), host_at(cells, isz)
    call.hN, call.cN = host_at(hN, isz), host_at(cN, isz)
    enqueue_lstm(ctx, <native_fn>run_lstm_forward_blocks, &call, scratch, isz,
                 "lstm_host_forward")


def lstm_host_backward(ctx, int dtype, int T, int N, int H, bint reverse, bint want_h0, w_h2h,
                       gates, cells, c0, dgates, gout, gh, gc, dh, dc, scratch):
    """Enqueue the recurrence of the backward: ``dgates`` (T, N, 4H) gets the gradient of
    the gate pre-activations from the activated ``gates`` and the gradients of the outputs
    ``gout`` (T, N, H), ``gh`` and ``gc`` (N, H); ``dh`` and ``dc`` (N, H) those of h0 (if
    ``want_h0``) and c0; ``scratch`` as for lstm_host_forward."""
    cdef LstmRows call
    cdef int isz = dtype_size(dtype)
    if N == 0 or H == 0 or T == 0:
        return
    memset(&call, 0, sizeof(call))
    call.dtype, call.T, call.R, call.H, call.batch, call.reverse = dtype, T, N, H, N, reverse
    call.want_h0 = want_h0
    call.w_h2h, call.gates = host_at(w_h2h, isz), host_at(gates, isz)
    call.cells, call.c0 = host_at(cells, isz), host_at(c0, isz)
    call.dgates, call.gout = host_at(dgates, isz), host_at(gout, isz)
    call.gh, call.gc = host_at(gh, isz), host_at(gc, isz)
    call.dh, call.dc = host_at(dh, isz), host_at(dc, isz)
    enqueue_lstm(ctx, <native_fn>run_lstm_backward_blocks, &call, scratch, isz,
                 "lstm_host_backward")
