/* Gather along an axis (take, Embedding) and its adjoint, the scatter-add of gradients.
 * Options: -D T/CT (storage, compute type), IS_HALF, HAS_FP64; IDX_T (the indices' storage
 * type, never half); for take_add, ACC_KIND: how the accumulator is added to atomically
 * (0 float, 1 double, 2 int, 3 long; the accumulator's type is then T).
 * The array is viewed as (outer, L, inner) around the axis, the result as (outer, N, inner)
 * for N indices: element (o, r, i) of the result is element (o, index[r], i) of the array.
 * Indices are truncated to integers, then clipped into [0, L) or wrapped modulo L.
 */
#if ACC_KIND == 1 || ACC_KIND == 3
#pragma OPENCL EXTENSION cl_khr_int64_base_atomics : enable
#endif

__kernel void take(__global T* out, const long out_off, __global const T* x, const long x_off,
                   __global const IDX_T* index, const long idx_off, const long n, const long L,
                   const long N, const long inner, const int wrap)
{
    const long k = get_global_id(0);
    if (k >= n) return;
    const long i = k % inner, rest = k / inner, r = rest % N, o = rest / N;
    const long j = fix_index((long)index[idx_off + r], L, wrap);
    STORE(out, out_off + k, LOAD(x, x_off + (o * L + j) * inner + i));
}

#ifdef ACC_KIND
/* acc[o, index[r], i] += g[o, r, i] for every element of g: indices may repeat, so the
 * adds are atomic (floating ones as compare-and-swap loops on the bits). */
#if ACC_KIND == 0
#define BITS uint               /* the accumulator's bits, swapped by compare-and-swap */
#define CMPXCHG atomic_cmpxchg
#elif ACC_KIND == 1
#define BITS ulong
#define CMPXCHG atom_cmpxchg
#endif

inline void atomic_add_to(volatile __global T* p, const T v)
{
#if ACC_KIND <= 1
    union { BITS u; T f; } old, upd;
    do {
        old.f = *p;
        upd.f = old.f + v;
    } while (CMPXCHG((volatile __global BITS*)p, old.u, upd.u) != old.u);
#elif ACC_KIND == 2
    atomic_add(p, v);
#else
    atom_add(p, v);
#endif
}

__kernel void take_add(__global T* acc, const long acc_off, __global const T* g,
                       const long g_off, __global const IDX_T* index, const long idx_off,
                       const long n, const long L, const long N, const long inner,
                       const int wrap)
{
    const long k = get_global_id(0);
    if (k >= n) return;
    const long i = k % inner, rest = k / inner, r = rest % N, o = rest / N;
    const long j = fix_index((long)index[idx_off + r], L, wrap);
    atomic_add_to(acc + acc_off + (o * L + j) * inner + i, g[g_off + k]);
}
#endif
