/* Fused elementwise template: one work-item per output element computes every op of a
 * group in registers and stores the outputs still referenced.
 *
 * mxgrad/_codegen_fused.py prepends the #defines that make a variant:
 *   T, CT, FT      storage type, compute type, floating type for math functions
 *   CT_IS_FLOAT    1 when CT is a floating type
 *   PARAMS         the kernel parameters (n first)
 *   LOAD_INPUTS    statements loading the inputs l0, l1, ... for element i
 *   COMPUTE        statements `const CT t<j> = <op snippet>;`, one per op
 *   STORE_OUTPUTS  statements writing the stored t<j> (vstore_half for half storage)
 * The snippet helpers (mx_mod, ...) come from the part of elementwise.cl before its kernel.
 * The host rounds the global size up, hence the guard.
 */

__kernel void fused(PARAMS)
{
    const long i = get_global_id(0);
    if (i >= n) return;
    LOAD_INPUTS
    COMPUTE
    STORE_OUTPUTS
}
