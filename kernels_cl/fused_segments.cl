/* Several independent fused elementwise groups in one launch: each segment (group) takes
 * a run of whole work-groups, and work-item `lid` of the k-th of them computes element
 * k * wg + lid of that group (as fused.cl does for one group). Small groups of different
 * sizes issued back to back, such as the update of each parameter of a model, then cost
 * one kernel launch.
 *
 * mxgrad/_codegen_fused.py (fused_segments_source) prepends the #defines:
 *   T, CT, FT, CT_IS_FLOAT  as for fused.cl (one dtype for every segment)
 *   PARAMS     per segment the running total of work-groups `g<s>_gend`, its size `g<s>_n`
 *              and its operands, all named g<s>_...
 *   SEGMENTS   `if (grp < g0_gend) { ... } else if (grp < g1_gend) { ... }`: per segment
 *              its loads, ops and stores, guarded by its size
 * The branch depends on the work-group only, so a work-group never diverges.
 */

__kernel void fused_segments(PARAMS)
{
    const long grp = get_group_id(0);
    const long lid = get_local_id(0);
    const long wg = get_local_size(0);
    SEGMENTS
}
