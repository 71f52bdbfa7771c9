/* Cumulative sums along an axis (cumsum).
 * Options: -D T/CT (storage, compute type), IS_HALF, HAS_FP64 from family_kernel.
 * The array is viewed as (outer, L, inner) around the axis; one work-item walks one row
 * (o, :, i), neighbouring work-items taking neighbouring i so their reads coalesce.
 * The running sum is kept in the output's type, as MXNet's CPU loop keeps it: after each
 * step it is read back from the stored value (float16 rounds, int8 wraps there).
 */
__kernel void cumsum(__global T* out, const long out_off, __global const T* x,
                     const long x_off, const long rows, const long L, const long inner)
{
    const long k = get_global_id(0);
    if (k >= rows) return;
    const long o = k / inner, i = k % inner;
    long p = o * L * inner + i;
    CT acc = 0;
    for (long j = 0; j < L; ++j, p += inner) {
        acc += LOAD(x, x_off + p);
        STORE(out, out_off + p, acc);
        acc = LOAD(out, out_off + p);
    }
}
