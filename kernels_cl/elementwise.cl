/* Helpers elementwise op snippets may call (see mxgrad/ndarray/_elemwise_table.py); each takes
 * and returns CT unless it says otherwise. Generated kernels include this file after the type
 * defines of mxgrad/_codegen.py (type_defines):
 *   CT, FT         compute type, and the floating type math runs in: double for float64 and,
 *                  where the device has fp64, for integer dtypes (MXNet computes integer math
 *                  in double)
 *   CT_IS_FLOAT    1 when CT is a floating type
 *   CT_MIN         the most negative CT (integer dtypes only)
 */

#if CT_IS_FLOAT
#define TO_CT(v) ((CT)(v))
#else
/* A floating result stored into an integer dtype, as MXNet's x86 build converts it: truncate
 * toward zero; NaN and out-of-range values give the type's minimum (cvttsd2si). */
inline CT mx_float_to_int(FT v)
{
    const FT lim = -(FT)CT_MIN;
    return (isnan(v) || v >= lim || v < -lim) ? (CT)CT_MIN : (CT)v;
}
#define TO_CT(v) mx_float_to_int((FT)(v))
#endif

/* Division: floating as IEEE; integer truncating, with x/0 = 0 and MIN/-1 wrapping instead
 * of the hardware trap. */
inline CT mx_div(CT a, CT b)
{
#if CT_IS_FLOAT
    return a / b;
#else
    if (b == 0) return 0;
    if (b == -1) return (CT)(0UL - (ulong)a);
    return a / b;
#endif
}

/* MXNet's modulo: the result takes the divisor's sign, x % 0 = 0, and a zero result is +0
 * unless both operands are negative. Integers go through FT like MXNet (exact for int32). */
inline CT mx_mod(CT ca, CT cb)
{
    const FT a = (FT)ca, b = (FT)cb;
    FT r;
    if (b == 0) return 0;
    if (b < 0) {
        if (a < 0) return TO_CT(-fmod(-a, -b));
        r = fmod(a, -b);
    } else {
        if (a >= 0) return TO_CT(fmod(a, b));
        r = -fmod(-a, b);
    }
    return TO_CT(r + (r != 0 ? b : (FT)0));
}

/* Power: floating dtypes in FT; integer dtypes in float, as MXNet computes them. */
inline CT mx_pow(CT a, CT b)
{
#if CT_IS_FLOAT
    return (CT)pow((FT)a, (FT)b);
#else
    return TO_CT(pow((float)a, (float)b));
#endif
}

/* maximum/minimum propagate NaN from either side, like MXNet. */
inline CT mx_max(CT a, CT b)
{
#if CT_IS_FLOAT
    if (isnan(a)) return a;
    if (isnan(b)) return b;
#endif
    return a > b ? a : b;
}

inline CT mx_min(CT a, CT b)
{
#if CT_IS_FLOAT
    if (isnan(a)) return a;
    if (isnan(b)) return b;
#endif
    return a < b ? a : b;
}
