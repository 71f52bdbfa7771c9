/* log-gamma and the polygamma functions, elementwise: the pieces of the random_pdf_* ops
 * (mxgrad/ndarray/random_pdf.py) whose derivatives need the next function of the chain
 * lgamma -> digamma -> trigamma -> ...
 *
 * Options: -D T/CT/FT/IS_HALF (the array's dtype), FT_IS_DOUBLE; math in FT.
 * The kernel argument order: -1 lgamma, 0 digamma, n >= 1 the polygamma function psi^(n)
 * (NaN for x <= 0).
 */

/* Bernoulli numbers B_2 .. B_12 of the asymptotic series */
__constant FT BERNOULLI[6] = {(FT)1 / 6, (FT)-1 / 30, (FT)1 / 42, (FT)-1 / 30, (FT)5 / 66,
                              (FT)-691 / 2730};
#if FT_IS_DOUBLE
#define PI_FT M_PI
#else
#define PI_FT M_PI_F
#endif

inline FT digamma_of(FT x)
{
    FT acc = 0;
    if (x <= 0) {
        if (x == floor(x)) return NAN;
        /* reflection: psi(x) = psi(1 - x) - pi / tan(pi x) */
        acc = -PI_FT / tan(PI_FT * x);
        x = 1 - x;
    }
    while (x < 10) {            /* psi(x) = psi(x + 1) - 1 / x */
        acc -= 1 / x;
        x += 1;
    }
    const FT r = 1 / (x * x);
    FT series = 0, power = r;
    for (int k = 0; k < 6; k++) {
        series += (FT)BERNOULLI[k] / (2 * (k + 1)) * power;
        power *= r;
    }
    return acc + log(x) - (FT)0.5 / x - series;
}

/* psi^(n)(x) = (-1)^(n+1) n! sum_k 1 / (x + k)^(n+1); the terms below x = 15 are summed,
 * the rest from the asymptotic series. */
inline FT polygamma_of(const int n, FT x)
{
    if (!(x > 0)) return NAN;
    FT fact_n = 1;                       /* n! */
    for (int j = 2; j <= n; j++) fact_n *= j;
    FT acc = 0;
    while (x < 15) {
        acc += fact_n / pown(x, n + 1);
        x += 1;
    }
    /* (n - 1)! / x^n + n! / (2 x^(n+1)) + sum_k B_2k (2k + n - 1)! / ((2k)! x^(2k + n)) */
    FT tail = fact_n / n / pown(x, n) + fact_n / (2 * pown(x, n + 1));
    FT coef = fact_n / n;                /* (2k + n - 1)! / (2k)!, k = 0 */
    for (int k = 1; k <= 6; k++) {
        coef *= (FT)(2 * k + n - 2) * (2 * k + n - 1) / ((FT)(2 * k - 1) * (2 * k));
        tail += (FT)BERNOULLI[k - 1] * coef / pown(x, 2 * k + n);
    }
    acc += tail;
    return (n % 2 == 1) ? acc : -acc;
}

__kernel void special(__global T* out, const long out_off, __global const T* x,
                      const long x_off, const long n, const int order)
{
    const long i = get_global_id(0);
    if (i >= n) return;
    const FT v = (FT)LOAD(x + x_off, i);
    const FT r = order < 0 ? lgamma(v) : order == 0 ? digamma_of(v) : polygamma_of(order, v);
    STORE(out + out_off, i, (CT)r);
}
