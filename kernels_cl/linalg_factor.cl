/* Dense factorizations of batches of small matrices (MXNet's linalg ops): one work-item per
 * matrix (per column of the right-hand side for trsm), in the compute type CT.
 * Matrices are row-major n x n (m x n for gelqf) blocks, one after another; an element (i, j)
 * of a "view" sits at i * rs + j * cs, so one kernel serves a matrix and its transpose.
 * info[t] != 0 flags a matrix the factorization failed on (not positive definite, singular).
 */

/* No fused multiply-adds: a - b * c rounds b * c first, as the reference BLAS/LAPACK code
 * does, so results round as MXNet's (exact zeros of singular matrices stay exact). */
#pragma OPENCL FP_CONTRACT OFF

/* Cholesky: L with L L^T = the lower triangle of the view of a (the other triangle of the
 * output zeroed), written through the same view. */
__kernel void potrf(__global T* out, __global const T* a, const long a_off, const long nmat,
                    const long n, const long rs, const long cs, __global int* info)
{
    const long t = get_global_id(0);
    if (t >= nmat) return;
    const long ba = a_off + t * n * n, bo = t * n * n;
    int bad = 0;
    for (long j = 0; j < n; ++j) {
        CT s = LOAD(a, ba + j * rs + j * cs);
        for (long k = 0; k < j; ++k) {
            const CT l = LOAD(out, bo + j * rs + k * cs);
            s -= l * l;
        }
        if (!(s > (CT)0)) bad = 1;
        const CT d = sqrt(s);
        STORE(out, bo + j * rs + j * cs, d);
        for (long i = j + 1; i < n; ++i) {
            CT v = LOAD(a, ba + i * rs + j * cs);
            for (long k = 0; k < j; ++k)
                v -= LOAD(out, bo + i * rs + k * cs) * LOAD(out, bo + j * rs + k * cs);
            STORE(out, bo + i * rs + j * cs, v / d);
            STORE(out, bo + j * rs + i * cs, (CT)0);
        }
    }
    info[t] = bad;
}

/* Triangular solve T X = alpha B, one work-item per (matrix, column of B): T is the n x n
 * view (trs, tcs) of a, lower or upper triangular (LOWER); B and X are n x k views
 * (brs, bcs) of b and out. Only T's triangle is read. */
__kernel void trsm(__global T* out, __global const T* a, const long a_off,
                   __global const T* b, const long b_off, const long nitems, const long n,
                   const long k, const long trs, const long tcs, const long brs,
                   const long bcs, const FT alpha, const int lower)
{
    const long t = get_global_id(0);
    if (t >= nitems) return;
    const long mat = t / k, c = t % k;
    const long ba = a_off + mat * n * n, bb = b_off + mat * n * k + c * bcs,
               bo = mat * n * k + c * bcs;
    for (long s = 0; s < n; ++s) {
        const long i = lower ? s : n - 1 - s;
        CT v = (CT)alpha * LOAD(b, bb + i * brs);
        if (lower) {
            for (long j = 0; j < i; ++j)
                v -= LOAD(a, ba + i * trs + j * tcs) * LOAD(out, bo + j * brs);
        } else {
            for (long j = i + 1; j < n; ++j)
                v -= LOAD(a, ba + i * trs + j * tcs) * LOAD(out, bo + j * brs);
        }
        STORE(out, bo + i * brs, v / LOAD(a, ba + i * trs + i * tcs));
    }
}

/* Inverse by Gauss-Jordan elimination with partial pivoting; w: n x n scratch per matrix.
 * zero_singular: a singular matrix gets zeros (the gradients of det and slogdet, as MXNet). */
__kernel void inverse(__global T* out, __global T* w, __global const T* a, const long a_off,
                      const long nmat, const long n, __global int* info,
                      const int zero_singular)
{
    const long t = get_global_id(0);
    if (t >= nmat) return;
    const long ba = a_off + t * n * n, bo = t * n * n;
    for (long e = 0; e < n * n; ++e) {
        STORE(w, bo + e, LOAD(a, ba + e));
        STORE(out, bo + e, (CT)(e / n == e % n));
    }
    int bad = 0;
    for (long k = 0; k < n && !bad; ++k) {
        long p = k;
        CT best = fabs(LOAD(w, bo + k * n + k));
        for (long i = k + 1; i < n; ++i) {
            const CT v = fabs(LOAD(w, bo + i * n + k));
            if (v > best) { best = v; p = i; }
        }
        if (!(best > (CT)0)) { bad = 1; break; }
        if (p != k) {
            for (long j = 0; j < n; ++j) {
                const CT x = LOAD(w, bo + k * n + j), y = LOAD(out, bo + k * n + j);
                STORE(w, bo + k * n + j, LOAD(w, bo + p * n + j));
                STORE(out, bo + k * n + j, LOAD(out, bo + p * n + j));
                STORE(w, bo + p * n + j, x);
                STORE(out, bo + p * n + j, y);
            }
        }
        const CT inv = (CT)1 / LOAD(w, bo + k * n + k);
        for (long j = 0; j < n; ++j) {
            STORE(w, bo + k * n + j, LOAD(w, bo + k * n + j) * inv);
            STORE(out, bo + k * n + j, LOAD(out, bo + k * n + j) * inv);
        }
        for (long i = 0; i < n; ++i) {
            if (i == k) continue;
            const CT f = LOAD(w, bo + i * n + k);
            if (f == (CT)0) continue;
            for (long j = 0; j < n; ++j) {
                STORE(w, bo + i * n + j, LOAD(w, bo + i * n + j) - f * LOAD(w, bo + k * n + j));
                STORE(out, bo + i * n + j,
                      LOAD(out, bo + i * n + j) - f * LOAD(out, bo + k * n + j));
            }
        }
    }
    if (bad && zero_singular)
        for (long e = 0; e < n * n; ++e) STORE(out, bo + e, (CT)0);
    info[t] = bad;
}

/* LU with partial pivoting of each matrix (w: n x n scratch): the determinant, its sign and
 * the log of its absolute value (a zero pivot: 0, 0 and -inf). As MXNet (LAPACK's getrf on
 * the row-major data, i.e. on A^T), it factors A^T and scales by the pivot's reciprocal, so
 * the rounding is LAPACK's (det([[1, 2], [3, 4]]) is exactly -2 in float32). */
__kernel void lu_det(__global T* det, __global T* sign, __global T* logabs, __global T* w,
                     __global const T* a, const long a_off, const long nmat, const long n)
{
    const long t = get_global_id(0);
    if (t >= nmat) return;
    const long ba = a_off + t * n * n, bo = t * n * n;
    for (long e = 0; e < n * n; ++e) STORE(w, bo + (e % n) * n + e / n, LOAD(a, ba + e));
    CT sg = (CT)1, la = (CT)0;
    for (long k = 0; k < n; ++k) {
        long p = k;
        CT best = fabs(LOAD(w, bo + k * n + k));
        for (long i = k + 1; i < n; ++i) {
            const CT v = fabs(LOAD(w, bo + i * n + k));
            if (v > best) { best = v; p = i; }
        }
        if (!(best > (CT)0)) {      /* a zero column: LAPACK moves on, the pivot stays 0 */
            sg *= (CT)0;
            la = -INFINITY;
            continue;
        }
        if (p != k) {
            sg = -sg;
            for (long j = k; j < n; ++j) {
                const CT x = LOAD(w, bo + k * n + j);
                STORE(w, bo + k * n + j, LOAD(w, bo + p * n + j));
                STORE(w, bo + p * n + j, x);
            }
        }
        const CT piv = LOAD(w, bo + k * n + k);
        if (piv < (CT)0) sg = -sg;
        la += log(fabs(piv));
        const CT r = (CT)1 / piv;
        for (long i = k + 1; i < n; ++i) {
            const CT f = LOAD(w, bo + i * n + k) * r;
            for (long j = k + 1; j < n; ++j)
                STORE(w, bo + i * n + j, LOAD(w, bo + i * n + j) - f * LOAD(w, bo + k * n + j));
        }
    }
    STORE(det, t, sg * exp(la));        /* as MXNet: sign * exp(logabsdet) */
    STORE(sign, t, sg);
    STORE(logabs, t, la);
}

/* LQ of each m x n matrix (m <= n) by Householder reflectors from the right, as LAPACK's
 * gelqf + orglq: A = L Q, Q with orthonormal rows, L lower triangular (its diagonal
 * -sign(a_kk) * norm, LAPACK's convention). w: m x n + m scratch (reflectors, taus). */
__kernel void gelqf(__global T* q, __global T* l, __global T* w, __global const T* a,
                    const long a_off, const long nmat, const long m, const long n)
{
    const long t = get_global_id(0);
    if (t >= nmat) return;
    const long ba = a_off + t * m * n, bw = t * (m * n + m), bq = t * m * n, bl = t * m * m;
    const long btau = bw + m * n;
    for (long e = 0; e < m * n; ++e) STORE(w, bw + e, LOAD(a, ba + e));
    for (long k = 0; k < m; ++k) {
        const long rk = bw + k * n;
        const CT alpha = LOAD(w, rk + k);
        CT xnorm2 = (CT)0;
        for (long j = k + 1; j < n; ++j) {
            const CT x = LOAD(w, rk + j);
            xnorm2 += x * x;
        }
        CT tau = (CT)0;
        if (xnorm2 > (CT)0) {
            const CT beta = -copysign(sqrt(alpha * alpha + xnorm2), alpha);
            tau = (beta - alpha) / beta;
            const CT scale = (CT)1 / (alpha - beta);
            for (long j = k + 1; j < n; ++j) STORE(w, rk + j, LOAD(w, rk + j) * scale);
            STORE(w, rk + k, beta);
            for (long i = k + 1; i < m; ++i) {
                const long ri = bw + i * n;
                CT s = LOAD(w, ri + k);
                for (long j = k + 1; j < n; ++j) s += LOAD(w, ri + j) * LOAD(w, rk + j);
                s *= tau;
                STORE(w, ri + k, LOAD(w, ri + k) - s);
                for (long j = k + 1; j < n; ++j)
                    STORE(w, ri + j, LOAD(w, ri + j) - s * LOAD(w, rk + j));
            }
        }
        STORE(w, btau + k, tau);
    }
    for (long i = 0; i < m; ++i)
        for (long j = 0; j < m; ++j)
            STORE(l, bl + i * m + j, j <= i ? LOAD(w, bw + i * n + j) : (CT)0);
    for (long i = 0; i < m; ++i)
        for (long j = 0; j < n; ++j)
            STORE(q, bq + i * n + j, (CT)(i == j));
    for (long k = m - 1; k >= 0; --k) {
        const CT tau = LOAD(w, btau + k);
        if (tau == (CT)0) continue;
        const long rk = bw + k * n;
        for (long i = 0; i < m; ++i) {
            const long ri = bq + i * n;
            CT s = LOAD(q, ri + k);
            for (long j = k + 1; j < n; ++j) s += LOAD(q, ri + j) * LOAD(w, rk + j);
            s *= tau;
            STORE(q, ri + k, LOAD(q, ri + k) - s);
            for (long j = k + 1; j < n; ++j)
                STORE(q, ri + j, LOAD(q, ri + j) - s * LOAD(w, rk + j));
        }
    }
}
