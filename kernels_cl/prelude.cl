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
