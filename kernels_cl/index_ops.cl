/* Index arithmetic: ravel_multi_index, unravel_index, contrib.index_array, contrib.arange_like.
 * Options: -D T/CT (storage, compute type), IS_HALF, HAS_FP64 (index_array's T is long).
 * ``dims`` holds the sizes of the shape parameter (long); coordinates are computed in long
 * from values truncated toward zero, with C's division and remainder, as MXNet does: the
 * first coordinate is never reduced, so indices past the end give coordinates past it.
 */

/* out[r] = sum over j of x[j, r] * (product of dims after j), for the m columns of x. */
__kernel void ravel_index(__global T* out, const long out_off, __global const T* x,
                          const long x_off, const long m, const int ndim,
                          __global const long* dims, const long dims_off)
{
    const long r = get_global_id(0);
    if (r >= m) return;
    long flat = 0;
    for (int j = 0; j < ndim; j++)
        flat = flat * dims[dims_off + j] + (long)LOAD(x, x_off + j * m + r);
    STORE(out, out_off + r, (CT)flat);
}

/* out[j, r]: the j-th coordinate of the flat index x[r] in an array of shape dims. */
__kernel void unravel_index(__global T* out, const long out_off, __global const T* x,
                            const long x_off, const long m, const int ndim,
                            __global const long* dims, const long dims_off)
{
    const long r = get_global_id(0);
    if (r >= m) return;
    long q = (long)LOAD(x, x_off + r);
    for (int j = ndim - 1; j > 0; j--) {
        const long d = dims[dims_off + j];
        STORE(out, out_off + j * m + r, (CT)(q % d));
        q /= d;
    }
    STORE(out, out_off + r, (CT)q);
}

/* out[p, j] = the coordinate of position p along the j-th chosen axis; spec holds for each
 * chosen axis (the number of positions one step along it spans, its size). */
__kernel void index_array(__global long* out, const long out_off, const long n,
                          const int naxes, __global const long* spec, const long spec_off)
{
    const long k = get_global_id(0);
    if (k >= n) return;
    const long p = k / naxes;
    const int j = (int)(k % naxes);
    out[out_off + k] = (p / spec[spec_off + 2 * j]) % spec[spec_off + 2 * j + 1];
}

/* out[k] = start + step * (k / repeat), computed in the compute type (integer types take
 * start and step truncated, as MXNet's casts do), the product rounded before the sum (no
 * fused multiply-add) for MXNet's float32 numbers. */
#pragma OPENCL FP_CONTRACT OFF
__kernel void arange_like(__global T* out, const long out_off, const long n,
                          const long repeat, const CT start, const CT step)
{
    const long k = get_global_id(0);
    if (k >= n) return;
    STORE(out, out_off + k, start + step * (CT)(k / repeat));
}
