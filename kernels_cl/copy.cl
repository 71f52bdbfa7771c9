/* Copy kernels: a strided copy (gather, scatter, broadcast, transpose), its tiled form for
 * transposes, flat gathers/scatters by index arrays, and dtype casts.
 *
 * Options: -D T (storage type), CT, IS_HALF, HAS_FP64 from family_kernel, and
 *   strided_copy(_rows, _tiled): NDIM (1..8), the number of dims of the index space (each
 *                 dim j adds arguments d_j, dt_j, st_j); TILE: the block edge of the tiled
 *                 form.
 *   cast:         SRC_T (source storage type), SRC_HALF / SRC_FLOAT (source is half / float
 *                 or double), DST_INT / DST_LONG (destination is an integer / int64 type).
 */

#ifndef NDIM
#define NDIM 1
#endif
#ifndef TILE
#define TILE 16
#endif

/* Copies move storage bits; half is copied as ushort so no fp16 support is needed. */
#if IS_HALF
#define ELEM ushort
#else
#define ELEM T
#endif

/* Dim j of the index space: its size and the dst / src strides. Only NDIM dims are kernel
 * arguments (PoCL's enqueue cost grows with the argument count); the others are constants. */
#define DIM_ARGS(j) , const long d##j, const long dt##j, const long st##j
#define DIM_UNUSED(j) const long d##j = 1, dt##j = 0, st##j = 0;
#if NDIM > 1
#define DIM1 DIM_ARGS(1)
#define UNUSED1
#else
#define DIM1
#define UNUSED1 DIM_UNUSED(1)
#endif
#if NDIM > 2
#define DIM2 DIM_ARGS(2)
#define UNUSED2
#else
#define DIM2
#define UNUSED2 DIM_UNUSED(2)
#endif
#if NDIM > 3
#define DIM3 DIM_ARGS(3)
#define UNUSED3
#else
#define DIM3
#define UNUSED3 DIM_UNUSED(3)
#endif
#if NDIM > 4
#define DIM4 DIM_ARGS(4)
#define UNUSED4
#else
#define DIM4
#define UNUSED4 DIM_UNUSED(4)
#endif
#if NDIM > 5
#define DIM5 DIM_ARGS(5)
#define UNUSED5
#else
#define DIM5
#define UNUSED5 DIM_UNUSED(5)
#endif
#if NDIM > 6
#define DIM6 DIM_ARGS(6)
#define UNUSED6
#else
#define DIM6
#define UNUSED6 DIM_UNUSED(6)
#endif
#if NDIM > 7
#define DIM7 DIM_ARGS(7)
#define UNUSED7
#else
#define DIM7
#define UNUSED7 DIM_UNUSED(7)
#endif
#define STRIDED_ARGS \
    __global ELEM* dst, const long dst_off, __global const ELEM* src, const long src_off, \
    const long n DIM_ARGS(0) DIM1 DIM2 DIM3 DIM4 DIM5 DIM6 DIM7
#define UNUSED_DIMS UNUSED1 UNUSED2 UNUSED3 UNUSED4 UNUSED5 UNUSED6 UNUSED7

/* Peel coordinate j (for PEEL_FIRST <= j < NDIM, innermost first) off `rest` and hand it to
 * USE(j, c); the conditions are compile-time constants, so only NDIM - 1 steps remain. */
#define PEEL_FIRST 1
#define PEEL(j) if ((j) >= PEEL_FIRST && (j) < NDIM) { \
    const IDX c = rest % (IDX)d##j; rest /= (IDX)d##j; USE(j, (long)c) }
/* The type coordinates are divided in: uint when the index space has fewer than 2^31
 * elements (-D IDX=uint; 64-bit divisions made copies 10-20x slower on CPUs), else long. */
#ifndef IDX
#define IDX long
#endif
#define PEEL_ALL PEEL(7) PEEL(6) PEEL(5) PEEL(4) PEEL(3) PEEL(2) PEEL(1)

/* dst[dst_off + sum c_j * dt_j] = src[src_off + sum c_j * st_j] for every coordinate c of the
 * index space d_0 x ... x d_{NDIM-1} (last dim fastest). A contiguous side passes its row-major
 * strides, a broadcast source passes stride 0, a reversed axis a negative stride. */
__kernel void strided_copy(STRIDED_ARGS)
{
    const long i = get_global_id(0);
    if (i >= n) return;
    UNUSED_DIMS
    IDX rest = (IDX)i;
    long di = dst_off, si = src_off;
#define USE(j, c) di += (c) * dt##j; si += (c) * st##j;
    PEEL_ALL
#undef USE
    dst[di + (long)rest * dt0] = src[si + (long)rest * st0];
}

/* The same copy a row at a time, for index spaces whose last dim is long: the host passes
 * that dim as dim 0, walked by get_global_id(0); the next-to-last as dim 1, get_global_id(1);
 * and the others as dims 2..NDIM-1 (the last fastest), numbered by get_global_id(2). Up to
 * 3 dims need no division at all (a division per element ran 4x slower than a copy on
 * PoCL), and the walk along the row vectorizes on CPUs. */
#undef PEEL_FIRST
#define PEEL_FIRST 3
__kernel void strided_copy_rows(STRIDED_ARGS)
{
    UNUSED_DIMS
    IDX rest = (IDX)get_global_id(2);
    const long y = get_global_id(1);
    long di = dst_off + y * dt1, si = src_off + y * st1;
#define USE(j, c) di += (c) * dt##j; si += (c) * st##j;
    PEEL_ALL
    USE(2, (long)rest)     /* dim 2 is the slowest: what is left of the index */
#undef USE
    const long x = get_global_id(0);
    if (x >= d0) return;
#if UNIT_ROW
    dst[di + x] = src[si + x];       /* both sides contiguous along the row: vector moves */
#else
    dst[di + x * dt0] = src[si + x * st0];
#endif
}
#undef PEEL_FIRST
#define PEEL_FIRST 1

/* The same copy when one dim (P) is contiguous in dst and another (Q) in src, as in a
 * transpose: the sizes of P and Q arrive divided into tiles (np, nq are the real sizes) and
 * each work-item copies one TILE x TILE block, so both sides stay in cache. */
__kernel void strided_copy_tiled(STRIDED_ARGS, const int P, const int Q,
                                 const long np, const long nq)
{
    const long i = get_global_id(0);
    if (i >= n) return;
    UNUSED_DIMS
    IDX rest = (IDX)i;
    long di = dst_off, si = src_off, tp = 0, tq = 0;
    long dtp = 0, stp = 0, dtq = 0, stq = 0;
#define USE(j, c) \
    if ((j) == P) { tp = (c); dtp = dt##j; stp = st##j; } \
    else if ((j) == Q) { tq = (c); dtq = dt##j; stq = st##j; } \
    else { di += (c) * dt##j; si += (c) * st##j; }
    PEEL_ALL
    USE(0, (long)rest)
#undef USE
    const long p1 = min(np, (tp + 1) * TILE), q1 = min(nq, (tq + 1) * TILE);
    for (long q = tq * TILE; q < q1; q++)
        for (long p = tp * TILE; p < p1; p++)
            dst[di + p * dtp + q * dtq] = src[si + p * stp + q * stq];
}

/* Bulk moves of 16-byte units for large copies and fills on CPU devices (see
 * mxgrad/ndarray/_bulk.py); offsets and counts are in units. */
__kernel void copy16(__global ulong2* dst, const long dst_off, __global const ulong2* src,
                     const long src_off, const long n)
{
    const long i = get_global_id(0);
    if (i < n) dst[dst_off + i] = src[src_off + i];
}

__kernel void fill16(__global ulong2* dst, const long dst_off, const ulong lo, const ulong hi,
                     const long n)
{
    const long i = get_global_id(0);
    if (i < n) dst[dst_off + i] = (ulong2)(lo, hi);
}

/* Index arrays (int64 element offsets computed on the host from numpy-style keys). */
/* dst[dst_off + i] = src[src_off + index[i]] */
__kernel void gather_flat(__global ELEM* dst, const long dst_off,
                          __global const ELEM* src, const long src_off,
                          __global const long* index, const long n)
{
    const long i = get_global_id(0);
    if (i >= n) return;
    dst[dst_off + i] = src[src_off + index[i]];
}

/* dst[dst_off + index[i]] = src[src_off + i] (a repeated index keeps one of its values) */
__kernel void put_flat(__global ELEM* dst, const long dst_off,
                       __global const ELEM* src, const long src_off,
                       __global const long* index, const long n)
{
    const long i = get_global_id(0);
    if (i >= n) return;
    dst[dst_off + index[i]] = src[src_off + i];
}

/* Here half storage is declared as ushort (ELEM): the prelude's LOAD/STORE cast back. */
#if IS_HALF
#undef LOAD
#undef STORE
#define LOAD(p, k) vload_half((k), (__global const half*)(p))
#define STORE(p, k, v) vstore_half((v), (k), (__global half*)(p))
#endif

/* The gradient of gather_flat: for each distinct target j, dst[target[j]] = the sum of the
 * src elements that read it, src[order[t]] for t in [start[j], start[j + 1]) (order sorts
 * the gather's index). One work-item per target: deterministic, no atomics. */
__kernel void segment_sum(__global ELEM* dst, const long dst_off,
                          __global const ELEM* src, const long src_off,
                          __global const long* order, __global const long* start,
                          __global const long* target, const long m)
{
    const long j = get_global_id(0);
    if (j >= m) return;
    CT s = 0;
    for (long t = start[j]; t < start[j + 1]; t++) s += LOAD(src, src_off + order[t]);
    STORE(dst, dst_off + target[j], s);
}

/* dst[i] = (T) src[i] with x86 conversion rules, as MXNet's CPU build gives them:
 * a float out of an integer's range (or NaN) becomes the most negative int32 / int64, and
 * narrower integers take the low bits of the int32 value; halves round to nearest even. */
#ifdef SRC_T
__kernel void cast(__global T* dst, const long dst_off,
                   __global const SRC_T* src, const long src_off, const long n)
{
    const long i = get_global_id(0);
    if (i >= n) return;
#if SRC_HALF
    const float v = vload_half(src_off + i, (__global const half*)src);
#else
    const SRC_T v = src[src_off + i];
#endif
#if IS_HALF
#if SRC_HALF || SRC_FLOAT
    vstore_half(v, dst_off + i, dst);
#else
    vstore_half((float)v, dst_off + i, dst);
#endif
#elif DST_INT && (SRC_HALF || SRC_FLOAT)
#if DST_LONG
    dst[dst_off + i] = (isnan(v) || v >= 0x1p63f || v < -0x1p63f) ? LONG_MIN : (long)v;
#else
    const int w = (isnan(v) || v >= 0x1p31f || v < -0x1p31f) ? INT_MIN : (int)v;
    dst[dst_off + i] = (T)w;
#endif
#else
    dst[dst_off + i] = (T)v;
#endif
}
#endif
