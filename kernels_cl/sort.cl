/* Sorting along an axis (sort, argsort, topk): a bitonic sort of each row, one launch per
 * stage, over rows padded to a power of two P.
 * Options: -D T/CT (storage, compute type), IS_HALF, HAS_FP64; DESCEND (1: largest first);
 * IS_FLOAT (1 for the floating types, which may hold NaN).
 * The array is viewed as (outer, L, inner) around the axis; row (o, i) is its L elements
 * (o, j, i). The work buffers hold per row P keys and P indices; an index >= L marks padding.
 * The order is total, so the result does not depend on the sort's path: values by value,
 * a NaN counting as larger than any number, ties broken by the smaller index first (stable).
 */

/* Whether element (a, ia) comes before element (b, ib) in the final order. */
inline bool before(const CT a, const int ia, const CT b, const int ib, const int L)
{
    if (ia >= L) return false;
    if (ib >= L) return true;
#if IS_FLOAT
    const bool an = isnan(a), bn = isnan(b);
#else
    const bool an = false, bn = false;
#endif
    if (an || bn) {
        if (an && bn) return ia < ib;
        return DESCEND ? an : bn;
    }
    if (a != b) return DESCEND ? a > b : a < b;
    return ia < ib;
}

/* keys[row * P + j], idx[row * P + j] = x(o, j, i), j; padding past L. */
__kernel void sort_init(__global T* keys, __global int* idx, __global const T* x,
                        const long x_off, const long n, const long L, const long inner,
                        const long P)
{
    const long t = get_global_id(0);
    if (t >= n) return;
    const long row = t / P, j = t % P, o = row / inner, i = row % inner;
    idx[t] = (int)j;
    STORE(keys, t, j < L ? LOAD(x, x_off + (o * L + j) * inner + i) : (CT)0);
}

/* One compare-exchange stage (block size k, distance d) of the bitonic sort: one work-item
 * per pair; blocks whose bit k is set are sorted the other way round. */
__kernel void sort_stage(__global T* keys, __global int* idx, const long pairs, const long P,
                         const long k, const long d, const int L)
{
    const long t = get_global_id(0);
    if (t >= pairs) return;
    const long per_row = P / 2, row = t / per_row, q = t % per_row;
    const long lo = 2 * d * (q / d) + q % d, hi = lo + d;
    const long a = row * P + lo, b = row * P + hi;
    const CT va = LOAD(keys, a), vb = LOAD(keys, b);
    const int ia = idx[a], ib = idx[b];
    const bool forward = (lo & k) == 0;
    const bool swap = forward ? before(vb, ib, va, ia, L) : before(va, ia, vb, ib, L);
    if (swap) {
        STORE(keys, a, vb); STORE(keys, b, va);
        idx[a] = ib; idx[b] = ia;
    }
}

/* The first K of each sorted row back in (outer, K, inner) layout: the values, the indices
 * along the axis, and the flat indices into the whole array (to gather with). */
__kernel void sort_emit(__global T* vals, __global int* out_idx, __global long* flat_idx,
                        __global const T* keys, __global const int* idx, const long n,
                        const long K, const long L, const long inner, const long P)
{
    const long t = get_global_id(0);
    if (t >= n) return;
    const long i = t % inner, rest = t / inner, r = rest % K, o = rest / K;
    const long src = (o * inner + i) * P + r;
    const int j = idx[src];
    STORE(vals, t, LOAD(keys, src));
    out_idx[t] = j;
    flat_idx[t] = (o * L + j) * inner + i;
}

/* mask[flat_idx[t]] = 1 (mask zero-filled before). */
__kernel void sort_mask(__global T* mask, __global const long* flat_idx, const long n)
{
    const long t = get_global_id(0);
    if (t >= n) return;
    STORE(mask, flat_idx[t], (CT)1);
}

#ifdef TILE
/* The stages whose compare distance is below TILE, in local memory: one work-group of TILE/2
 * work-items per tile of TILE elements (tiles lie inside rows: P is a multiple of TILE).
 * merge_k == 0: every stage of blocks up to TILE (each tile sorted, alternately up and down);
 * otherwise the stages of distance TILE/2 .. 1 of the block size merge_k. */
__kernel void sort_tile(__global T* keys, __global int* idx, const long P, const int L,
                        const long merge_k)
{
    __local CT lk[TILE];
    __local int li[TILE];
    const int t = get_local_id(0);
    const long base = get_group_id(0) * (long)TILE, pos = base % P;
    for (int e = t; e < TILE; e += TILE / 2) {
        lk[e] = LOAD(keys, base + e);
        li[e] = idx[base + e];
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    const long k_first = merge_k ? merge_k : 2, k_last = merge_k ? merge_k : TILE;
    for (long k = k_first; k <= k_last; k <<= 1) {
        for (int d = (int)(merge_k ? TILE / 2 : k / 2); d >= 1; d >>= 1) {
            const int lo = 2 * d * (t / d) + t % d, hi = lo + d;
            const CT va = lk[lo], vb = lk[hi];
            const int ia = li[lo], ib = li[hi];
            const bool forward = ((pos + lo) & k) == 0;
            if (forward ? before(vb, ib, va, ia, L) : before(va, ia, vb, ib, L)) {
                lk[lo] = vb; lk[hi] = va;
                li[lo] = ib; li[hi] = ia;
            }
            barrier(CLK_LOCAL_MEM_FENCE);
        }
    }
    for (int e = t; e < TILE; e += TILE / 2) {
        STORE(keys, base + e, lk[e]);
        idx[base + e] = li[e];
    }
}
#endif
