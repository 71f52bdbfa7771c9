/* Elementwise template: one work-item per output element.
 *
 * mxgrad/_codegen.py prepends the #defines that make a variant:
 *   T, CT          storage and compute type of the output
 *   PARAMS         input parameters after `n`: per array input a pointer and an element
 *                  offset (+ one stride per dim when broadcast), per scalar input a CT value,
 *                  then the output dims when any input is broadcast
 *   LOAD_INPUTS    statements that load x0, x1, ... (CT) for output element i
 *   VALUE          the expression over x0, x1, ... (nested op snippets)
 *   STORE(p, k, v) writes v to p[k] in storage type T
 *   CT_IS_FLOAT    1 when CT is a floating type
 * The global size is rounded up by the host, hence the guard.
 */

/* Helpers op snippets may call. */
/* Python-style modulo: the result takes the sign of the divisor, 0 when dividing by 0. */
inline CT mx_mod(CT a, CT b)
{
#if CT_IS_FLOAT
    if (b == 0) return 0;
    CT r = fmod(a, b);
#else
    if (b == 0) return 0;
    CT r = a % b;
#endif
    if (r != 0 && ((r < 0) != (b < 0))) r += b;
    return r;
}

__kernel void elementwise(__global T* out, const long out_off, const long n PARAMS)
{
    const long i = get_global_id(0);
    if (i >= n) return;
    LOAD_INPUTS
    STORE(out, out_off + i, VALUE);
}
