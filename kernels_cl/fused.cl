/* Fused elementwise template: one work-item per output element computes every op of a
 * group in registers and stores the outputs still referenced.
 *
 * mxgrad/_codegen_fused.py prepends the #defines that make a variant:
 *   T, CT, FT      storage type, compute type, floating type for math functions
 *   CT_IS_FLOAT    1 when CT is a floating type
 *   PARAMS         the kernel parameters (n first)
 *   ELEMENT_INDEX  defines i, this work-item's element (1-D launch, guarded; or 2-D over
 *                  (last dim, the rest) for groups with broadcast operands)
 *   LOAD_INPUTS    statements loading the inputs l0, l1, ... for element i
 *   COMPUTE        statements `const CT t<j> = <op snippet>;`, one per op
 *   STORE_OUTPUTS  statements writing the stored t<j> (vstore_half for half storage)
 * The snippet helpers (mx_mod, ...) come from the part of elementwise.cl before its kernel.
 * A 1-D launch rounds the global size up, hence its guard; a 2-D one is exact.
 */

__kernel void fused(PARAMS)
{
    ELEMENT_INDEX
    LOAD_INPUTS
    COMPUTE
    STORE_OUTPUTS
}
