/* The index maps of MXNet's linalg diagonal and triangle ops (mxgrad/ndarray/linalg_diag.py),
 * for every dtype: each output matrix (or vector) of per_out elements reads its elements from
 * the input matrix of the same batch position through one int32 map.
 */

/* out[t] = src[matrix of t, idx[t % per_out]], or 0 where that index is negative: the
 * diagonal and triangle extractions, their inverses and the triangle masks. */
__kernel void index_gather(__global T* out, __global const T* src, const long src_off,
                           __global const int* idx, const long total, const long per_out,
                           const long per_src)
{
    const long t = get_global_id(0);
    if (t >= total) return;
    const int j = idx[t % per_out];
    STORE(out, t, j >= 0 ? LOAD(src, src_off + (t / per_out) * per_src + j) : (CT)0);
}
