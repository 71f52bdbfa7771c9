/* Several independent fused elementwise groups in one launch: work-item `gid` belongs to
 * the first segment whose end exceeds it and computes element `gid - start` of that group
 * (as fused.cl does for one group). Small groups of different sizes issued back to back,
 * such as the update of each parameter of a model, then cost one kernel launch.
 *
 * mxgrad/_codegen_fused.py (fused_segments_source) prepends the #defines:
 *   T, CT, FT, CT_IS_FLOAT  as for fused.cl (one dtype for every segment)
 *   PARAMS     per segment its end (a running total) and its operands, named g<s>_...
 *   SEGMENTS   `if (gid < g0_end) { ... } else if (gid < g1_end) { ... }`: per segment its
 *              loads, ops and stores in a block of its own
 * Work-items past the last end (the launch is rounded up) do nothing.
 */

__kernel void fused_segments(PARAMS)
{
    const long gid = get_global_id(0);
    SEGMENTS
}
