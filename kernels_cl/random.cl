/* Random numbers from the counter-based Philox4x32-10 generator (Salmon et al., SC'11).
 *
 * Block j of a draw is philox(key = seed, counter = (j, stream)): four 32-bit words that
 * depend only on the seed, the draw's stream number and j, and make elements
 * [4j, 4j + 4) (32-bit values) or [2j, 2j + 2) (64-bit values), so a value never depends
 * on the work-group size or on how many work-items run. A work-item makes four blocks, so
 * that the math (log, sincos) runs on 8-wide vectors: 4-9x faster on PoCL than scalars.
 *
 * Options: -D T/CT/FT/IS_HALF/HAS_FP64 (mxgrad/ndarray/_kernels.py), and
 *   DIST  0 uniform: a + b * u, u in [0, 1)
 *         1 normal:  a + b * z, z standard normal (Box-Muller)
 *         2 randint: low + an integer uniform in [0, range), int32 and int64
 *   WIDE  1 when each element takes 64 random bits (float64 and int64)
 */

#define PHILOX_M0 0xD2511F53u
#define PHILOX_M1 0xCD9E8D57u
#define PHILOX_W0 0x9E3779B9u
#define PHILOX_W1 0xBB67AE85u

/* Philox4x32-10 on four consecutive blocks at once (lane q of each vector is block
 * first_block + q): c0..c3 are the counter words, (k0, k1) the key. The 32x32 -> 64-bit
 * products are ulong multiplies: PoCL's mul_hi made draws 9x slower. Returns the four
 * blocks one after the other (block q in lanes 4q .. 4q + 3). */
#define PHILOX_ROUND {                                                              \
        const ulong4 p0 = (ulong4)PHILOX_M0 * convert_ulong4(c0);                  \
        const ulong4 p1 = (ulong4)PHILOX_M1 * convert_ulong4(c2);                  \
        const uint4 n0 = convert_uint4(p1 >> 32) ^ c1 ^ k0;                         \
        const uint4 n2 = convert_uint4(p0 >> 32) ^ c3 ^ k1;                         \
        c1 = convert_uint4(p1);                                                     \
        c3 = convert_uint4(p0);                                                     \
        c0 = n0;                                                                    \
        c2 = n2;                                                                    \
        k0 += PHILOX_W0;                                                            \
        k1 += PHILOX_W1;                                                            \
    }

inline uint16 philox4x32_10_x4(const ulong first_block, const ulong stream, const ulong key)
{
    const ulong4 block = (ulong4)(first_block) + (ulong4)(0, 1, 2, 3);
    uint4 c0 = convert_uint4(block), c1 = convert_uint4(block >> 32);
    uint4 c2 = (uint4)((uint)stream), c3 = (uint4)((uint)(stream >> 32));
    uint k0 = (uint)key, k1 = (uint)(key >> 32);
    PHILOX_ROUND PHILOX_ROUND PHILOX_ROUND PHILOX_ROUND PHILOX_ROUND
    PHILOX_ROUND PHILOX_ROUND PHILOX_ROUND PHILOX_ROUND PHILOX_ROUND
    return shuffle((uint16)(c0, c1, c2, c3),
                   (uint16)(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15));
}

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#if WIDE
#define EPW 8             /* elements per work-item: 4 blocks of 2 x 64 bits */
#else
#define EPW 16            /* 4 blocks of 4 x 32 bits */
#endif
#if DIST == 2
#define PARAM_T long
#define ELEM T            /* randint computes in the storage type */
#else
#define PARAM_T FT
#define ELEM FT           /* float16 is computed in float */
#endif
#define VALS_T CAT(ELEM, EPW)

/* Uniform [0, 1) from 24 (float) or 53 (double: hi, lo words) random bits; (0, 1] with
 * OPEN_LOW = 1, for logarithms. */
#define UNIT_FLOAT(w, OPEN_LOW) (convert_float8(((w) >> 8) + (OPEN_LOW)) * 0x1.0p-24f)
#define UNIT_DOUBLE(hi, lo, OPEN_LOW)                                                 \
    (convert_double4(((convert_ulong4((hi) >> 5) << 26) | convert_ulong4((lo) >> 6))  \
                     + (OPEN_LOW)) * 0x1.0p-53)

/* a, b: (low, high - low) for uniform, (loc, scale) for normal, (low, range) for randint.
 * Work-item j writes elements [j * EPW, j * EPW + EPW) from blocks 4j .. 4j + 3; each
 * block gives 4 (2 when WIDE) consecutive elements. */
__kernel void draw(__global T* out, const long out_off, const long n, const ulong seed,
                   const ulong stream, const PARAM_T a, const PARAM_T b)
{
    const long j = get_global_id(0);
    const long first = j * EPW;
    if (first >= n) return;
    const uint16 w = philox4x32_10_x4((ulong)j * 4, stream, seed);
    VALS_T v;
#if DIST == 0 && WIDE
    /* element 2q + p takes words (2p, 2p + 1) of block q: even lanes high, odd lanes low */
    const uint8 hi = w.even, lo = w.odd;
    v = a + b * (double8)(UNIT_DOUBLE(hi.lo, lo.lo, 0), UNIT_DOUBLE(hi.hi, lo.hi, 0));
#elif DIST == 0
    v = a + b * convert_float16(w >> 8) * 0x1.0p-24f;
#elif DIST == 1 && WIDE
    {
        /* block q: u1 from words (0, 1), u2 from words (2, 3); elements r cos, r sin */
        const double4 r = sqrt(-2.0 * log(UNIT_DOUBLE(w.s048c, w.s159d, 1)));
        double4 c;
        const double4 s = sincos(2.0 * M_PI * UNIT_DOUBLE(w.s26ae, w.s37bf, 0), &c);
        v = a + b * shuffle2(r * c, r * s, (ulong8)(0, 4, 1, 5, 2, 6, 3, 7));
    }
#elif DIST == 1
    {
        /* pair k = (words 2k, 2k + 1): u1 from the even word, u2 from the odd one;
         * elements 2k, 2k + 1 are r cos, r sin */
        const float8 r = sqrt(-2.0f * log(UNIT_FLOAT(w.even, 1)));
        float8 c;
        const float8 s = sincos(2.0f * M_PI_F * UNIT_FLOAT(w.odd, 0), &c);
        v = a + b * shuffle2(r * c, r * s,
                             (uint16)(0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15));
    }
#elif DIST == 2 && WIDE
    {
        /* range <= 2^32: the high word of (high 32 bits) * range (Lemire); wider: all 64
         * bits mod range */
        const ulong range = (ulong)b;
        const ulong8 hi = convert_ulong8(w.even);
        if (range <= 0x100000000UL)
            v = a + convert_long8((hi * range) >> 32);
        else
            v = a + convert_long8(((hi << 32) | convert_ulong8(w.odd)) % range);
    }
#else
    v = convert_int16(a + convert_long16((convert_ulong16(w) * (ulong)b) >> 32));
#endif
    __global T* dst = out + out_off + first;
    if (first + EPW <= n) {
#if IS_HALF
        vstore_half16(v, 0, dst);
#else
        CAT(vstore, EPW)(v, 0, dst);
#endif
    } else {
        ELEM tail[EPW];
        CAT(vstore, EPW)(v, 0, tail);
        for (int p = 0; p < n - first; p++) {
#if IS_HALF
            vstore_half(tail[p], p, dst);
#else
            dst[p] = tail[p];
#endif
        }
    }
}
