/* Fused elementwise group that also reduces: work-item `slot` walks its elements computing
 * every op of the group, stores the outputs still referenced, and accumulates the reduced
 * nodes into partial sums, one per slot (merged by a reduce.cl launch), or, with one slot,
 * into the result itself. The reduced intermediates are never written to memory.
 *
 * mxgrad/_codegen_fused.py (fused_reduce_source) prepends the #defines:
 *   T, CT, FT, CT_IS_FLOAT, PARAMS, LOAD_INPUTS, COMPUTE, STORE_OUTPUTS as for fused.cl
 *     (the statements of element `i`); PARAMS ends with `chunk`
 *   ACC            the accumulator type (float for float32, double for float64)
 *   REDUCE_INIT    per reduction an array of UNROLL accumulators, zeroed
 *   REDUCE_UPDATE  adds element i's value into accumulator `u`
 *   REDUCE_STORE   adds up the accumulators and writes this slot's partial (or the result)
 *   INTERLEAVED    1: slot k takes elements k, k + chunk, k + 2 chunk, ... (`chunk` is the
 *                  number of slots), so that neighbouring work-items read neighbouring
 *                  elements (GPUs); 0: slot k takes the `chunk` elements from k * chunk,
 *                  UNROLL at a time into UNROLL accumulators, which the compiler turns into
 *                  vector code (CPUs: one work-item per element would need a work-group
 *                  tree, measured 3-4x slower on PoCL)
 */

#if INTERLEAVED
#define UNROLL 1
#else
#define UNROLL 16
#endif

__kernel void fused_reduce(PARAMS)
{
    const long slot = get_global_id(0);
#if INTERLEAVED
    if (slot >= chunk) return;
    REDUCE_INIT
    for (long i = slot; i < n; i += chunk) {
        const int u = 0;
        LOAD_INPUTS
        COMPUTE
        STORE_OUTPUTS
        REDUCE_UPDATE
    }
#else
    long i0 = slot * chunk;
    if (i0 >= n) return;
    const long end = min(n, i0 + chunk);
    REDUCE_INIT
    for (; i0 + UNROLL <= end; i0 += UNROLL) {
#pragma unroll
        for (int u = 0; u < UNROLL; u++) {
            const long i = i0 + u;
            LOAD_INPUTS
            COMPUTE
            STORE_OUTPUTS
            REDUCE_UPDATE
        }
    }
    for (; i0 < end; i0++) {
        const long i = i0;
        const int u = 0;
        LOAD_INPUTS
        COMPUTE
        STORE_OUTPUTS
        REDUCE_UPDATE
    }
#endif
    REDUCE_STORE
}
