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

/* The special functions behind gamma's, gammaln's and erfinv's gradients and erfinv itself
 * (mxgrad/ndarray/math_extra.py), in FT. digamma and trigamma: recurrence up to x >= 10, then
 * their asymptotic series (error below 1e-14 there); reflection for x <= 0. */
#define MX_PI ((FT)3.14159265358979323846)

inline FT mx_digamma(FT x)
{
    FT acc = 0;
    if (x <= 0) {
        if (x == floor(x)) return NAN;              /* a pole */
        acc = -MX_PI / tanpi(x);                    /* psi(x) = psi(1 - x) - pi / tan(pi x) */
        x = 1 - x;
    }
    while (x < 10) {
        acc -= 1 / x;
        x += 1;
    }
    const FT r = 1 / (x * x);
    /* 1/12 r - 1/120 r^2 + 1/252 r^3 - 1/240 r^4 + 1/132 r^5 */
    const FT series = r * ((FT)0.0833333333333333333 - r * ((FT)0.00833333333333333333
        - r * ((FT)0.00396825396825396825 - r * ((FT)0.00416666666666666667
        - r * (FT)0.00757575757575757576))));
    return acc + log(x) - (FT)0.5 / x - series;
}

inline FT mx_trigamma(FT x)
{
    FT acc = 0, sign = 1;
    if (x <= 0) {
        if (x == floor(x)) return NAN;
        const FT s = sinpi(x);                 /* psi1(x) = pi^2 / sin^2(pi x) - psi1(1 - x) */
        acc = MX_PI * MX_PI / (s * s);
        sign = -1;
        x = 1 - x;
    }
    FT sum = 0;
    while (x < 10) {
        sum += 1 / (x * x);
        x += 1;
    }
    const FT r = 1 / (x * x);
    /* 1/x + r/2 + (1/6 - 1/30 r + 1/42 r^2 - 1/30 r^3 + 5/66 r^4) r / x */
    sum += 1 / x + r / 2 + r / x * ((FT)0.166666666666666667 - r * ((FT)0.0333333333333333333
        - r * ((FT)0.0238095238095238095 - r * ((FT)0.0333333333333333333
        - r * (FT)0.0757575757575757576))));
    return acc + sign * sum;
}

/* erf's inverse on [-1, 1] (+-inf at +-1, NaN outside): Giles' single-precision
 * approximation, then Newton steps on erf(x) = y (double precision after two). */
inline FT mx_erfinv(FT y)
{
    if (!(fabs(y) < 1)) return fabs(y) == 1 ? copysign((FT)INFINITY, y) : (FT)NAN;
    float w = -log((1.0f - (float)y) * (1.0f + (float)y)), p;
    if (w < 5.0f) {
        w -= 2.5f;
        p = 2.81022636e-08f;
        p = fma(p, w, 3.43273939e-07f); p = fma(p, w, -3.5233877e-06f);
        p = fma(p, w, -4.39150654e-06f); p = fma(p, w, 0.00021858087f);
        p = fma(p, w, -0.00125372503f); p = fma(p, w, -0.00417768164f);
        p = fma(p, w, 0.246640727f); p = fma(p, w, 1.50140941f);
    } else {
        w = sqrt(w) - 3.0f;
        p = -0.000200214257f;
        p = fma(p, w, 0.000100950558f); p = fma(p, w, 0.00134934322f);
        p = fma(p, w, -0.00367342844f); p = fma(p, w, 0.00573950773f);
        p = fma(p, w, -0.0076224613f); p = fma(p, w, 0.00943887047f);
        p = fma(p, w, 1.00167406f); p = fma(p, w, 2.83297682f);
    }
    FT x = (FT)p * y;
    for (int k = 0; k < 2; k++) {
        const FT d = (FT)1.1283791670955126 * exp(-x * x);    /* erf'(x) */
        if (d > 0) x -= (erf(x) - y) / d;
    }
    return x;
}
