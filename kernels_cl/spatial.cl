/* Taps: the gather engine of the spatial samplers (BilinearSampler, BilinearResize2D,
 * ROIAlign, ROIPooling, AdaptiveAvgPooling2D) and its adjoint, without atomics.
 * Options: -D T/CT (storage, compute type), IS_HALF, HAS_FP64.
 * The data is viewed as (B, C, S): B images of C planes of S pixels. A tap table (M, QK)
 * names, for each of M output items (an image, a region), QK pixels of a plane (-1: none);
 * batch[m] says which image item m reads. The gathered taps are (M, C, QK); tap_weighted
 * sums each output's K taps by weights instead.
 */

/* out[m, c, j] = x[batch[m], c, taps[m, j]], or `fill` (0 or the lowest value) for -1. */
__kernel void tap_gather(__global T* out, __global const T* x, const long x_off,
                         __global const int* taps, __global const int* batch, const long n,
                         const long C, const long QK, const long S, const int fill_lowest)
{
    const long k = get_global_id(0);
    if (k >= n) return;
    const long j = k % QK, rest = k / QK, c = rest % C, m = rest / C;
    const int s = taps[m * QK + j];
    CT v;
    if (s < 0)
        v = fill_lowest ? (CT)(-INFINITY) : (CT)0;
    else
        v = LOAD(x, x_off + ((long)batch[m] * C + c) * S + s);
    STORE(out, k, v);
}

/* keys[m, j] = batch[m] * S + taps[m, j] (INT_MAX for -1): sorted, they list the taps
 * reading each pixel together, in tap order (the sort is stable). */
__kernel void tap_keys(__global int* keys, __global const int* taps,
                       __global const int* batch, const long n, const long QK, const long S)
{
    const long k = get_global_id(0);
    if (k >= n) return;
    const int s = taps[k];
    keys[k] = s < 0 ? INT_MAX : (int)(batch[k / QK] * S + s);
}

/* The adjoint of tap_gather: dx[b, c, s] = the sum of g[m, c, j] over the taps (m, j)
 * reading pixel s of image b, found by binary search in the sorted keys; summed in tap
 * order, so the result is the same on every run. */
__kernel void tap_scatter(__global T* dx, __global const T* g, const long g_off,
                          __global const int* sorted, __global const int* perm,
                          const long nkeys, const long n, const long C, const long QK,
                          const long S)
{
    const long k = get_global_id(0);
    if (k >= n) return;
    const long s = k % S, rest = k / S, c = rest % C, b = rest / C;
    const int key = (int)(b * S + s);
    long lo = 0, hi = nkeys;
    while (lo < hi) {
        const long mid = (lo + hi) / 2;
        if (sorted[mid] < key) lo = mid + 1; else hi = mid;
    }
    CT acc = 0;
    for (long p = lo; p < nkeys && sorted[p] == key; ++p) {
        const long t = perm[p], m = t / QK, j = t % QK;
        acc += LOAD(g, g_off + (m * C + c) * QK + j);
    }
    STORE(dx, k, acc);
}

/* The four corners of bilinear sampling at (xr, yr) (pixel units) of an H x W plane:
 * taps[q, 0..3] = (y0, x0), (y0, x0 + 1), (y0 + 1, x0), (y0 + 1, x0 + 1) with
 * x0 = floor(xr); -1 for a corner outside the plane (it reads zero). */
__kernel void corner_taps(__global int* taps, __global const T* xr, const long x_off,
                          __global const T* yr, const long y_off, const long n,
                          const long H, const long W)
{
    const long q = get_global_id(0);
    if (q >= n) return;
    const FT fx = floor((FT)LOAD(xr, x_off + q)), fy = floor((FT)LOAD(yr, y_off + q));
    for (int k = 0; k < 4; ++k) {
        const FT cx = fx + (k & 1), cy = fy + (k >> 1);
        const bool inside = cx >= 0 && cx < W && cy >= 0 && cy < H;
        taps[q * 4 + k] = inside ? (int)((long)cy * W + (long)cx) : -1;
    }
}

/* out[m, c, q] = sum over k < K of w[m or 0, q, k] * x[batch[m], c, taps[m, q * K + k]]:
 * tap_gather and the weighted sum in one pass (a missing tap adds nothing). */
__kernel void tap_weighted(__global T* out, __global const T* x, const long x_off,
                           __global const T* w, const long w_off, __global const int* taps,
                           __global const int* batch, const long n, const long C,
                           const long Q, const long K, const long S, const int w_per_item)
{
    const long k = get_global_id(0);
    if (k >= n) return;
    const long q = k % Q, rest = k / Q, c = rest % C, m = rest / C;
    const long tb = (m * Q + q) * K, wb = w_off + ((w_per_item ? m : 0) * Q + q) * K;
    const long plane = x_off + ((long)batch[m] * C + c) * S;
    CT acc = 0;
    for (long j = 0; j < K; ++j) {
        const int s = taps[tb + j];
        if (s >= 0)
            acc += LOAD(w, wb + j) * LOAD(x, plane + s);
    }
    STORE(out, k, acc);
}
