/* Edge and reflect padding along one axis (pad), and its adjoint.
 * Options: -D T/CT (storage, compute type), IS_HALF, HAS_FP64 from family_kernel.
 * The input is viewed as (outer, L, inner) around the axis, the padded array as
 * (outer, P, inner) with P = before + L + after. ``reflect`` is 0 for edge, 1 for reflect
 * (whose pads are shorter than L, so a position mirrors at most once).
 */

/* The input position that padded position p reads. */
inline long pad_source(long p, const long L, const long before, const int reflect)
{
    p -= before;
    if (!reflect)
        return p < 0 ? 0 : (p >= L ? L - 1 : p);
    /* reflect pads are shorter than L, so -p <= L - 1. (Not "p = -p" and one test: clang
     * turns that into llvm.abs, which Oclgrind cannot run.) */
    if (p < 0) return -p;
    return p > L - 1 ? 2 * (L - 1) - p : p;
}

__kernel void pad_axis(__global T* out, const long out_off, __global const T* x,
                       const long x_off, const long n, const long L, const long P,
                       const long inner, const long before, const int reflect)
{
    const long k = get_global_id(0);
    if (k >= n) return;
    const long i = k % inner, rest = k / inner, p = rest % P, o = rest / P;
    const long j = pad_source(p, L, before, reflect);
    STORE(out, out_off + k, LOAD(x, x_off + (o * L + j) * inner + i));
}

/* gx[o, j, i] = the sum of g[o, p, i] over the padded positions p that read j: gathered
 * per input element, so no atomics and a fixed order of the additions. */
__kernel void pad_axis_grad(__global T* gx, const long gx_off, __global const T* g,
                            const long g_off, const long n, const long L, const long P,
                            const long inner, const long before, const int reflect)
{
    const long k = get_global_id(0);
    if (k >= n) return;
    const long i = k % inner, rest = k / inner, j = rest % L, o = rest / L;
    __global const T* row = g + g_off + o * P * inner + i;
    CT acc = 0;
    if (reflect) {
        acc = LOAD(row, (before + j) * inner);
        if (j > 0 && j <= before)
            acc += LOAD(row, (before - j) * inner);
        const long mirror = before + 2 * (L - 1) - j;
        if (j < L - 1 && mirror < P)
            acc += LOAD(row, mirror * inner);
    } else {
        const long lo = j == 0 ? 0 : before + j;
        const long hi = j == L - 1 ? P : before + j + 1;
        for (long p = lo; p < hi; ++p)
            acc += LOAD(row, p * inner);
    }
    STORE(gx, gx_off + k, acc);
}
