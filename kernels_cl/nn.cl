/* Neural-network kernels: softmax along an axis, pick and its adjoint, one_hot.
 * Options: -D T/CT/FT (storage, compute, float type), IS_HALF, HAS_FP64; LOG_SOFTMAX (0/1)
 * for softmax, IDX_T (index storage type) for pick, pick_spread and one_hot.
 * An axis of length L splits the array into (outer, L, inner); element (o, l, i) sits at
 * (o * L + l) * inner + i.
 */

#ifndef LOG_SOFTMAX
#define LOG_SOFTMAX 0
#endif
#ifndef IDX_T
#define IDX_T float
#endif

/* One work-item per (outer, inner) row: max, sum of exp, then write. LOG_SOFTMAX selects
 * x - max - log(sum) instead of exp(x - max) / sum. */
__kernel void softmax(__global T* out, const long out_off, __global const T* x, const long x_off,
                      const long rows, const long L, const long inner, const CT inv_temp)
{
    const long r = get_global_id(0);
    if (r >= rows) return;
    const long base = (r / inner) * L * inner + (r % inner);
    __global const T* xr = x + x_off + base;
    __global T* yr = out + out_off + base;
    FT m = -INFINITY;
    for (long l = 0; l < L; l++) m = fmax(m, (FT)LOAD(xr, l * inner) * inv_temp);
    FT s = 0;
    for (long l = 0; l < L; l++) s += exp((FT)LOAD(xr, l * inner) * inv_temp - m);
#if LOG_SOFTMAX
    const FT shift = m + log(s);
    for (long l = 0; l < L; l++) STORE(yr, l * inner, (FT)LOAD(xr, l * inner) * inv_temp - shift);
#else
    const FT inv = 1 / s;
    for (long l = 0; l < L; l++) STORE(yr, l * inner, exp((FT)LOAD(xr, l * inner) * inv_temp - m) * inv);
#endif
}

/* out[o, i] = x[o, index[o, i], i]; index (stored as IDX_T) clipped or wrapped. */
__kernel void pick(__global T* out, const long out_off, __global const T* x, const long x_off,
                   __global const IDX_T* index, const long idx_off, const long n, const long L,
                   const long inner, const int wrap)
{
    const long r = get_global_id(0);
    if (r >= n) return;
    const long k = fix_index((long)index[idx_off + r], L, wrap);
    STORE(out, out_off + r, LOAD(x, x_off + ((r / inner) * L + k) * inner + (r % inner)));
}

/* The adjoint of pick: dx (outer, L, inner) is g[o, i] where l is the picked index of
 * (o, i), 0 elsewhere; one work-item per element of dx. */
__kernel void pick_spread(__global T* dx, const long dx_off, __global const T* g,
                          const long g_off, __global const IDX_T* index, const long idx_off,
                          const long n, const long L, const long inner, const int wrap)
{
    const long k = get_global_id(0);
    if (k >= n) return;
    const long i = k % inner, rest = k / inner, l = rest % L, o = rest / L;
    const long r = o * inner + i;
    const long j = fix_index((long)index[idx_off + r], L, wrap);
    STORE(dx, dx_off + k, j == l ? LOAD(g, g_off + r) : (CT)0);
}

/* out[r, d] = (indices[r] == d) ? on : off, indices stored as IDX_T. */
__kernel void one_hot(__global T* out, const long out_off, __global const IDX_T* indices,
                      const long idx_off, const long n, const long depth, const CT on,
                      const CT off)
{
    const long k = get_global_id(0);
    if (k >= n) return;
    const long r = k / depth, d = k % depth;
    const long want = (long)indices[idx_off + r];
    STORE(out, out_off + k, want == d ? on : off);
}
