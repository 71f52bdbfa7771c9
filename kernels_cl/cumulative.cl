/* Cumulative sums along an axis (cumsum).
 * Options: -D T/CT (storage, compute type), IS_HALF, HAS_FP64 from family_kernel.
 * The array is viewed as (outer, L, inner) around the axis. Neighbouring work-items take
 * neighbouring i, so their reads coalesce.
 *
 * The running sum is rounded to the output's type after every step, as MXNet's CPU loop
 * keeps it in that type (float16 rounds, int8 wraps there).
 *
 * Long rows, when there are few of them, are summed in chunks of S elements
 * (mxgrad/ndarray/cumulative.py): cumsum_chunks sums each chunk and leaves its total in
 * ``totals`` (outer, C, inner); the running sums of the totals (the same op, along C) are
 * then added to the chunks after the first by cumsum_add.
 */
#if IS_HALF
inline CT round_to_storage(const CT v)
{
    ushort bits;
    vstore_half(v, 0, (__private half*)&bits);
    return vload_half(0, (__private half*)&bits);
}
#else
#define round_to_storage(v) ((CT)(T)(v))
#endif

/* Row (o, :, i) from position j0 for n elements: out = running sum; returns the total. */
inline CT scan_run(__global T* out, const long out_off, __global const T* x, const long x_off,
                   long p, const long n, const long inner)
{
    CT acc = 0;
    for (long j = 0; j < n; ++j, p += inner) {
        acc = round_to_storage(acc + LOAD(x, x_off + p));
        STORE(out, out_off + p, acc);
    }
    return acc;
}

__kernel void cumsum(__global T* out, const long out_off, __global const T* x,
                     const long x_off, const long rows, const long L, const long inner)
{
    const long k = get_global_id(0);
    if (k >= rows) return;
    const long o = k / inner, i = k % inner;
    scan_run(out, out_off, x, x_off, o * L * inner + i, L, inner);
}

/* Work-item (o, c, i): chunk c = [c*S, min(L, (c+1)*S)) of row (o, :, i). */
__kernel void cumsum_chunks(__global T* out, const long out_off, __global const T* x,
                            const long x_off, __global T* totals, const long n,
                            const long L, const long inner, const long S, const long C)
{
    const long k = get_global_id(0);
    if (k >= n) return;
    const long i = k % inner, rest = k / inner, c = rest % C, o = rest / C;
    const long j0 = c * S, len = min(S, L - j0);
    const CT total = scan_run(out, out_off, x, x_off, (o * L + j0) * inner + i, len, inner);
    STORE(totals, k, total);
}

/* out[o, j, i] += sums[o, j / S - 1, i] for every j past the first chunk. */
__kernel void cumsum_add(__global T* out, const long out_off, __global const T* sums,
                         const long n, const long L, const long inner, const long S,
                         const long C)
{
    const long k = get_global_id(0);
    if (k >= n) return;
    const long i = k % inner, rest = k / inner, j = rest % L, o = rest / L;
    const long c = j / S;
    if (c == 0) return;
    const CT v = LOAD(out, out_off + k) + LOAD(sums, (o * C + c - 1) * inner + i);
    STORE(out, out_off + k, round_to_storage(v));
}
