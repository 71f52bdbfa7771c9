/* Portable GEMM: C[b] = alpha * op(A[b]) * op(B[b]) + beta * C[b], row-major, batched.
 *
 * Options: -D T/CT (storage/compute type), IS_HALF, TRANS_A, TRANS_B (0/1).
 * Each 16x16 work-group computes a 64x64 tile of C, each work-item a 4x4 block held in
 * registers; K advances 16 at a time through local memory. Sizes need not be multiples of
 * the tile (loads and stores are guarded). On CPU devices with native kernels mxgrad runs
 * the host BLAS inside the queue instead (mxgrad/_gemm.pyx).
 */

#define TM 64
#define TN 64
#define TK 16
#define RM 4
#define RN 4
#define WG 16

#if TRANS_A
#define A_AT(m, k) LOAD(A, (long)(k) * lda + (m))
#else
#define A_AT(m, k) LOAD(A, (long)(m) * lda + (k))
#endif
#if TRANS_B
#define B_AT(k, n) LOAD(B, (long)(n) * ldb + (k))
#else
#define B_AT(k, n) LOAD(B, (long)(k) * ldb + (n))
#endif

__kernel __attribute__((reqd_work_group_size(WG, WG, 1)))
void gemm(const int M, const int N, const int K, const CT alpha, const CT beta,
          __global const T* A, const long offA, const int lda, const long strideA,
          __global const T* B, const long offB, const int ldb, const long strideB,
          __global T* C, const long offC, const int ldc, const long strideC)
{
    const int tx = get_local_id(0), ty = get_local_id(1);
    /* global ids, not group ids, along dims 1 and 2: a launch split into pieces passes
     * offsets (see DeviceState.enqueue_pieces), which only global ids include */
    const int n0 = get_group_id(0) * TN, m0 = (int)(get_global_id(1) / WG) * TM;
    const long batch = get_global_id(2);
    A += offA + batch * strideA;
    B += offB + batch * strideB;
    C += offC + batch * strideC;
    __local CT As[TK][TM];
    __local CT Bs[TK][TN];
    CT acc[RM][RN];
    for (int i = 0; i < RM; i++)
        for (int j = 0; j < RN; j++)
            acc[i][j] = 0;
    const int tid = ty * WG + tx;
    for (int k0 = 0; k0 < K; k0 += TK) {
        for (int l = 0; l < (TM * TK) / (WG * WG); l++) {
            const int idx = tid + l * WG * WG;
            const int mm = idx / TK, kk = idx % TK;
            const int gm = m0 + mm, gk = k0 + kk;
            As[kk][mm] = (gm < M && gk < K) ? A_AT(gm, gk) : (CT)0;
        }
        for (int l = 0; l < (TN * TK) / (WG * WG); l++) {
            const int idx = tid + l * WG * WG;
            const int kk = idx / TN, nn = idx % TN;
            const int gk = k0 + kk, gn = n0 + nn;
            Bs[kk][nn] = (gk < K && gn < N) ? B_AT(gk, gn) : (CT)0;
        }
        barrier(CLK_LOCAL_MEM_FENCE);
        for (int kk = 0; kk < TK; kk++) {
            CT a[RM], b[RN];
            for (int i = 0; i < RM; i++) a[i] = As[kk][ty + i * WG];
            for (int j = 0; j < RN; j++) b[j] = Bs[kk][tx + j * WG];
            for (int i = 0; i < RM; i++)
                for (int j = 0; j < RN; j++)
                    acc[i][j] += a[i] * b[j];
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    for (int i = 0; i < RM; i++) {
        const int m = m0 + ty + i * WG;
        if (m >= M) continue;
        for (int j = 0; j < RN; j++) {
            const int n = n0 + tx + j * WG;
            if (n >= N) continue;
            const long c = (long)m * ldc + n;
            CT v = alpha * acc[i][j];
            if (beta != 0) v += beta * LOAD(C, c);
            STORE(C, c, v);
        }
    }
}
