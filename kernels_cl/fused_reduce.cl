/* Fused elementwise group that also reduces: work-item `slot` walks its elements computing
 * every op of the group, stores the outputs still referenced, and accumulates the reduced
 * nodes. The reduced intermediates are never written to memory.
 *
 * mxgrad/_codegen_fused.py (fused_reduce_source) prepends the #defines:
 *   T, CT, FT, CT_IS_FLOAT, PARAMS, LOAD_INPUTS, COMPUTE, STORE_OUTPUTS as for fused.cl
 *     (the statements of element `i`); PARAMS ends with `chunk, cols, count`
 *   ACC            the accumulator type (float for float32, double for float64)
 *   UNROLL         accumulators per reduction: 16 on CPUs, where the compiler turns the
 *                  unrolled lanes into vector code (one work-item per element would need a
 *                  work-group tree, measured 3-4x slower on PoCL); 1 on GPUs
 *   REDUCE_INIT    per reduction an array of UNROLL accumulators, zeroed
 *   REDUCE_UPDATE  adds element i's value into accumulator `u`
 *   REDUCE_STORE   writes this slot's partial sums or results
 *   KIND           what a slot covers:
 *     0  all elements: slot k takes the `chunk` elements from k * chunk (INTERLEAVED 0), or
 *        elements k, k + chunk, k + 2 chunk, ... (INTERLEAVED 1, `chunk` is then the number
 *        of slots: neighbouring work-items read neighbouring elements, for GPUs); it writes
 *        a partial sum, merged by a reduce.cl launch, or with one slot the result itself
 *     1  rows: the array is (rows, chunk) and slot k reduces row k into result k
 *     2  columns: the array is (count, cols) and slot k reduces columns k * UNROLL ...
 *        k * UNROLL + UNROLL - 1 into those results, one accumulator per column
 */

/* everything element i takes (with its accumulator u) */
#define ELEMENT LOAD_INPUTS COMPUTE STORE_OUTPUTS REDUCE_UPDATE

__kernel void fused_reduce(PARAMS)
{
    const long slot = get_global_id(0);
#if KIND == 2
    const long c0 = slot * UNROLL;
    if (c0 >= cols) return;
    const int lanes = (int)min((long)UNROLL, cols - c0);
    REDUCE_INIT
    if (lanes == UNROLL) {
        for (long r = 0; r < count; r++) {
#pragma unroll
            for (int u = 0; u < UNROLL; u++) {
                const long i = r * cols + c0 + u;
                ELEMENT
            }
        }
    } else {
        for (long r = 0; r < count; r++) {
            for (int u = 0; u < lanes; u++) {
                const long i = r * cols + c0 + u;
                ELEMENT
            }
        }
    }
#elif KIND == 0 && INTERLEAVED
    if (slot >= chunk) return;
    REDUCE_INIT
    for (long i = slot; i < n; i += chunk) {
        const int u = 0;
        ELEMENT
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
            ELEMENT
        }
    }
    for (; i0 < end; i0++) {
        const long i = i0;
        const int u = 0;
        ELEMENT
    }
#endif
    REDUCE_STORE
}
