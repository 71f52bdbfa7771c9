/* Samplers that take a variable number of random numbers per element (gamma, Poisson and
 * their mixtures) and per-element parameters (MXNet's sample_* ops), plus multinomial draws.
 *
 * Element i of a draw reads the Philox4x32-10 blocks (key = seed, counter = (i, t, stream)),
 * t = 0, 1, 2, ...: its numbers depend only on (seed, stream, i), never on the work-group
 * size or on the other elements, so a seed reproduces a draw on any device.
 *
 * Options: -D T/CT/FT/IS_HALF/HAS_FP64 (the output, mxgrad/ndarray/_kernels.py),
 *   PT    the parameters' type (float or double, PT_IS_DOUBLE); the math runs in PT
 * The distribution is the kernel argument dist:
 *   0 uniform (low, high)     1 normal (mu, sigma)      2 gamma (alpha, beta = scale)
 *   3 exponential (lam)       4 Poisson (lam)           5 negative binomial (k, p)
 *   6 generalized negative binomial (mu, alpha)
 */

#define PHILOX_M0 0xD2511F53u
#define PHILOX_M1 0xCD9E8D57u
#define PHILOX_W0 0x9E3779B9u
#define PHILOX_W1 0xBB67AE85u

inline uint4 philox_block(uint4 c, uint k0, uint k1)
{
    for (int r = 0; r < 10; r++) {
        const ulong p0 = (ulong)PHILOX_M0 * c.x;
        const ulong p1 = (ulong)PHILOX_M1 * c.z;
        c = (uint4)((uint)(p1 >> 32) ^ c.y ^ k0, (uint)p1, (uint)(p0 >> 32) ^ c.w ^ k1,
                    (uint)p0);
        k0 += PHILOX_W0;
        k1 += PHILOX_W1;
    }
    return c;
}

/* The random words of one element: refilled a block at a time. */
typedef struct {
    uint4 words;
    uint used;          /* words of `words` already handed out */
    uint block;         /* the next block's number t */
    uint c0, c3;        /* counter words fixed by (i, stream) */
    uint c2, k0, k1;
} rng_t;

inline void rng_init(rng_t* g, const ulong i, const ulong stream, const ulong seed)
{
    g->c0 = (uint)i;
    g->c2 = (uint)stream;
    g->c3 = (uint)(stream >> 32) ^ ((uint)(i >> 32) << 16);
    g->k0 = (uint)seed;
    g->k1 = (uint)(seed >> 32);
    g->used = 4;
    g->block = 0;
}

inline uint rng_word(rng_t* g)
{
    if (g->used == 4) {
        g->words = philox_block((uint4)(g->c0, g->block, g->c2, g->c3), g->k0, g->k1);
        g->block++;
        g->used = 0;
    }
    const uint w = g->used == 0 ? g->words.x : g->used == 1 ? g->words.y
                 : g->used == 2 ? g->words.z : g->words.w;
    g->used++;
    return w;
}

/* Uniform on the open interval (0, 1): 24 bits in float, 53 in double (two words). */
inline PT rng_unit(rng_t* g)
{
#if PT_IS_DOUBLE
    const ulong hi = rng_word(g) >> 5, lo = rng_word(g) >> 6;
    return ((double)((hi << 26) | lo) + 0.5) * 0x1.0p-53;
#else
    return ((float)(rng_word(g) >> 8) + 0.5f) * 0x1.0p-24f;
#endif
}

inline PT rng_normal(rng_t* g)      /* Box-Muller, one of the pair */
{
    const PT u1 = rng_unit(g), u2 = rng_unit(g);
    return sqrt((PT)-2 * log(u1)) * cos((PT)(2 * M_PI) * u2);
}

/* Gamma(alpha, 1): Marsaglia and Tsang's squeeze and rejection for alpha >= 1; for
 * alpha < 1, Gamma(alpha + 1) * U^(1 / alpha). NaN for alpha <= 0, NaN or inf. */
inline PT rng_gamma(rng_t* g, PT alpha)
{
    if (!(alpha > 0) || isinf(alpha)) return NAN;
    PT boost = 1;
    if (alpha < 1) {
        boost = pow(rng_unit(g), (PT)1 / alpha);
        alpha += 1;
    }
    const PT d = alpha - (PT)1 / 3, c = (PT)1 / sqrt(9 * d);
    for (;;) {
        PT x, v;
        do {
            x = rng_normal(g);
            v = 1 + c * x;
        } while (v <= 0);
        v = v * v * v;
        const PT u = rng_unit(g), x2 = x * x;
        if (u < 1 - (PT)0.0331 * x2 * x2) return d * v * boost;
        if (log(u) < (PT)0.5 * x2 + d * (1 - v + log(v))) return d * v * boost;
    }
}

/* Poisson(lam): counting uniforms whose product stays above exp(-lam) for lam < 10, else
 * Hormann's transformed rejection with squeeze (PTRS, 1993). NaN for lam < 0 or NaN. */
inline PT rng_poisson(rng_t* g, const PT lam)
{
    if (!(lam >= 0)) return NAN;
    if (isinf(lam)) return lam;
    if (lam < 10) {
        const PT limit = exp(-lam);
        PT prod = rng_unit(g);
        long k = 0;
        while (prod > limit) {
            k++;
            prod *= rng_unit(g);
        }
        return (PT)k;
    }
    const PT slam = sqrt(lam), loglam = log(lam);
    const PT b = (PT)0.931 + (PT)2.53 * slam, a = (PT)-0.059 + (PT)0.02483 * b;
    const PT inv_alpha = (PT)1.1239 + (PT)1.1328 / (b - (PT)3.4);
    const PT v_r = (PT)0.9277 - (PT)3.6224 / (b - 2);
    for (;;) {
        const PT u = rng_unit(g) - (PT)0.5, v = rng_unit(g);
        const PT us = (PT)0.5 - fabs(u);
        const PT k = floor((2 * a / us + b) * u + lam + (PT)0.43);
        if (us >= (PT)0.07 && v <= v_r) return k;
        if (k < 0 || (us < (PT)0.013 && v > us)) continue;
        if (log(v) + log(inv_alpha) - log(a / (us * us) + b)
                <= -lam + k * loglam - lgamma(k + 1))
            return k;
    }
}

/* dist: the number of the distribution (a kernel argument, not a build option: one
 * program per dtype serves every distribution) */
inline PT sample_one(rng_t* g, const int dist, const PT a, const PT b)
{
    switch (dist) {
    case 0:
        return a + (b - a) * rng_unit(g);
    case 1:
        return a + b * rng_normal(g);
    case 2:
        return rng_gamma(g, a) * b;
    case 3:
        return -log(rng_unit(g)) / a;
    case 4:
        return rng_poisson(g, a);
    case 5:
        /* failures before the k-th success (probability p): Poisson(Gamma(k, (1 - p) / p)) */
        if (!(a >= 0) || !(b > 0 && b <= 1)) return NAN;
        return (a == 0 || b == 1) ? 0 : rng_poisson(g, rng_gamma(g, a) * (1 - b) / b);
    default:
        /* mean mu, variance mu + alpha mu^2: Poisson(Gamma(1 / alpha, alpha mu)) */
        if (!(a >= 0) || !(b >= 0)) return NAN;
        if (a == 0) return 0;
        return rng_poisson(g, b == 0 ? a : rng_gamma(g, 1 / b) * b * a);
    }
}

/* out[i] = a draw with parameters (pa[i / per], pb[i / per]); n elements. */
__kernel void sample(__global T* out, const long out_off, const long n, const long per,
                     __global const PT* pa, const long pa_off,
                     __global const PT* pb, const long pb_off,
                     const ulong seed, const ulong stream, const int dist)
{
    const long i = get_global_id(0);
    if (i >= n) return;
    const long j = i / per;
    rng_t g;
    rng_init(&g, (ulong)i, stream, seed);
    const PT v = sample_one(&g, dist, pa[pa_off + j], pb[pb_off + j]);
    STORE(out + out_off, i, (CT)v);
}

/* Categorical draws: row r = i / per of probs (rows x K) gives out[i] = the first j whose
 * running sum passes u * (row sum), u uniform; flat[i] = r * K + j (for the log-probability).
 * A row's last positive entry is taken when rounding leaves the sum short of its target. */
__kernel void multinomial(__global T* out, const long out_off, __global long* flat,
                          const long n, const long per, __global const PT* probs,
                          const long probs_off, const long K,
                          const ulong seed, const ulong stream)
{
    const long i = get_global_id(0);
    if (i >= n) return;
    const long r = i / per;
    __global const PT* p = probs + probs_off + r * K;
    PT total = 0;
    long last = 0;
    for (long j = 0; j < K; j++) {
        total += p[j];
        if (p[j] > 0) last = j;
    }
    rng_t g;
    rng_init(&g, (ulong)i, stream, seed);
    const PT target = rng_unit(&g) * total;
    PT acc = 0;
    long pick = last;
    for (long j = 0; j < last; j++) {
        acc += p[j];
        if (acc > target) {
            pick = j;
            break;
        }
    }
    STORE(out + out_off, i, (CT)pick);
    flat[i] = r * K + pick;
}
