/* Attributes of the host loops the Cython modules embed (included by their C code).
 *
 * The modules build at -O2 for any x86-64 (no -march): GCC then neither vectorizes loops
 * nor uses AVX, and kept 256-bit vectors in memory. MXG_VECTORIZE compiles one function at
 * -O3; MXG_CLONES makes one copy per instruction set, the loader picking the best one the
 * CPU has. */
#ifndef MXGRAD_SIMD_H
#define MXGRAD_SIMD_H

#if defined(__GNUC__) && !defined(__clang__)
#define MXG_VECTORIZE __attribute__((optimize("O3")))
#else
#define MXG_VECTORIZE
#endif

#if defined(__GNUC__) && defined(__x86_64__) && defined(__linux__)
#define MXG_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define MXG_CLONES
#endif

#endif
