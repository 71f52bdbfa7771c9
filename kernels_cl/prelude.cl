/* Prepended to every op family's source by family_kernel (mxgrad/ndarray/_kernels.py),
 * after the -D options T (storage type), CT (compute type), IS_HALF and HAS_FP64.
 * LOAD/STORE read and write storage as the compute type: float16 through vload_half and
 * vstore_half, so it works on devices without cl_khr_fp16.
 */
#if HAS_FP64
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#endif

#if IS_HALF
#define LOAD(p, k) vload_half((k), (p))
#define STORE(p, k, v) vstore_half((v), (k), (p))
#else
#define LOAD(p, k) ((CT)(p)[k])
#define STORE(p, k, v) ((p)[k] = (T)(v))
#endif

/* An index into an axis of length L, clipped into [0, L) or wrapped modulo L (MXNet's
 * 'clip' and 'wrap' modes of pick, take and Embedding). */
inline long fix_index(const long j, const long L, const int wrap)
{
    if (wrap) {
        const long m = j % L;
        return m < 0 ? m + L : m;
    }
    return j < 0 ? 0 : (j >= L ? L - 1 : j);
}
