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
 * The host rounds the global size up, hence the guard.
 */

/* Python-style modulo: the result takes the sign of the divisor, 0 when dividing by 0. */
inline CT mx_mod(CT a, CT b)
{
    if (b == 0) return 0;
#if CT_IS_FLOAT
    CT r = fmod(a, b);
#else
    CT r = a % b;
#endif
    if (r != 0 && ((r < 0) != (b < 0))) r += b;
    return r;
}

__kernel void fused(PARAMS)
{
    const long i = get_global_id(0);
    if (i >= n) return;
    LOAD_INPUTS
    COMPUTE
    STORE_OUTPUTS
}
