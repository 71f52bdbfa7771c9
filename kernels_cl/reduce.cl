/* Reductions along the middle axis of an (outer, R, inner) view of a contiguous array:
 * element (o, r, i) sits at (o * R + r) * inner + i.
 *
 * Options: -D T/CT/FT/IS_HALF/HAS_FP64 (mxgrad/ndarray/_kernels.py), and
 *   OP     the reducer: one of the OP_* ids below
 *   IN_PARTIAL   0: read the T input; 1: read partial states (a previous launch's output)
 *   OUT_PARTIAL  0: write the final T result; 1: write partial states
 *   IS_INT, IS_DOUBLE  1 for integer dtypes, for float64
 *   LANES  neighbouring outputs (along inner) one work-item reduces
 *   INTERLEAVED  1: slot g of a split row takes r = g, g + G, g + 2G, ... so that
 *          neighbouring work-items read neighbouring elements (GPUs); 0: a contiguous chunk
 *          per slot, read with vector loads (CPUs)
 *
 * A row of R elements is reduced by one work-item, or, when rows are long and few, split
 * into G slots (chunks, or interleaved elements) whose partial states, laid out as
 * (outer, G, inner), a second launch merges (G = 1, chunk = R when rows are not split).
 * A slot walks its elements in increasing r, and merging prefers the smaller index on
 * ties, so the first index wins (argmax ties and NaNs) however rows are split. Reducing
 * several separate axes is a chain of launches, one group of adjacent axes each, passing
 * partial states between them.
 *
 * A state is (a, b): `a` of type ACC, plus `b` (long) for the reducers that need a second
 * component: the index of arg reducers and, for integer L2 norms, the count of elements at
 * the largest magnitude (MXNet's scaled-sum-of-squares norm computes integer norms as
 * max|x| * sqrt(count of max|x|), and so does this one).
 */

#define OP_SUM 0
#define OP_MEAN 1
#define OP_PROD 2
#define OP_MAX 3
#define OP_MIN 4
#define OP_NANSUM 5
#define OP_NANPROD 6
#define OP_NORM1 7
#define OP_NORM2 8
#define OP_ARGMAX 9
#define OP_ARGMIN 10

#if IS_HALF
#define LOAD_T(p, k) vload_half((k), (p))
#define STORE_T(p, k, v) vstore_half((float)(v), (k), (p))
#else
#define LOAD_T(p, k) ((CT)(p)[k])
#define STORE_T(p, k, v) ((p)[k] = (T)(v))
#endif

#if IS_INT
#define ISNAN(v) 0
/* abs() is defined for the most negative value (negating it is not) and returns the
 * unsigned type; clang turned the old conditional into an intrinsic Oclgrind cannot run. */
#define ABS(v) abs(v)
#else
#define ISNAN(v) isnan(v)
#define ABS(v) fabs(v)
#endif

/* --- the state type and the reducer's three steps: INIT, UPDATE (one element at position
 * r), MERGE (one partial state); FINAL makes the result. ---------- */
#define ADDITIVE (OP == OP_SUM || OP == OP_MEAN || OP == OP_NANSUM || OP == OP_NORM1 || \
                  (OP == OP_NORM2 && !IS_INT))
#define TWO_PART (OP == OP_ARGMAX || OP == OP_ARGMIN || (OP == OP_NORM2 && IS_INT))

#if OP == OP_MAX || OP == OP_MIN || OP == OP_ARGMAX || OP == OP_ARGMIN
#define ACC CT
#elif IS_INT
#define ACC long
#elif OP == OP_NORM2 && HAS_FP64
#define ACC double        /* squares of float32 beyond 1.8e19 stay finite, as in MXNet */
#else
#define ACC FT
#endif

#if OP == OP_MAX || OP == OP_ARGMAX
#if IS_INT
#define LOWEST ((CT)1 << (sizeof(CT) * 8 - 1))
#else
#define LOWEST (-INFINITY)
#endif
/* NaN wins and stays (MXNet's max and argmax propagate the first NaN) */
#define BETTER(v, best) (!ISNAN(best) && (ISNAN(v) || (v) > (best)))
#elif OP == OP_MIN || OP == OP_ARGMIN
#if IS_INT
#define LOWEST (~((CT)1 << (sizeof(CT) * 8 - 1)))
#else
#define LOWEST INFINITY
#endif
#define BETTER(v, best) (!ISNAN(best) && (ISNAN(v) || (v) < (best)))
#endif

#if OP == OP_NANSUM && !IS_INT
#define TF(v) (isnan(v) ? (ACC)0 : (ACC)(v))
#elif OP == OP_NANPROD && !IS_INT
#define TF(v) (isnan(v) ? (ACC)1 : (ACC)(v))
#elif OP == OP_NORM1
#define TF(v) ((ACC)ABS(v))
#elif OP == OP_NORM2 && !IS_INT
#define TF(v) ((ACC)(v) * (ACC)(v))
#else
#define TF(v) ((ACC)(v))
#endif

#if ADDITIVE
#define INIT(a, b, r0) a = 0
#define UPDATE(a, b, v, r) a += TF(v)
#define MERGE(a, b, pa, pb) a += (pa)
#elif OP == OP_PROD || OP == OP_NANPROD
#define INIT(a, b, r0) a = 1
#define UPDATE(a, b, v, r) a *= TF(v)
#define MERGE(a, b, pa, pb) a *= (pa)
#elif OP == OP_MAX || OP == OP_MIN
#define INIT(a, b, r0) a = LOWEST
#define UPDATE(a, b, v, r) if (BETTER((v), a)) a = (v)
#define MERGE(a, b, pa, pb) UPDATE(a, b, pa, 0)
#elif OP == OP_ARGMAX || OP == OP_ARGMIN
#define INIT(a, b, r0) { a = LOWEST; b = (r0); }
#define UPDATE(a, b, v, r) if (BETTER((v), a)) { a = (v); b = (r); }
/* partial states may come from interleaved slots: on a tie the smaller index wins */
#define MERGE(a, b, pa, pb) if (BETTER((pa), a) || (((pa) == a || (ISNAN(pa) && ISNAN(a))) \
                                                    && (pb) < b)) { a = (pa); b = (pb); }
#elif OP == OP_NORM2
#define INIT(a, b, r0) { a = 0; b = 0; }
#define UPDATE(a, b, v, r) { const ACC m_ = ABS((ACC)(v)); \
    if (m_ > a) { a = m_; b = 1; } else if (m_ == a && m_ != 0) b += 1; }
#define MERGE(a, b, pa, pb) { if ((pa) > a) { a = (pa); b = (pb); } else if ((pa) == a) b += (pb); }
#endif

#if IS_HALF
/* v rounded to float16 (without cl_khr_fp16, through a half in private memory) */
inline float round_to_half(const float v)
{
    ushort h;
    vstore_half(v, 0, (__private half*)&h);
    return vload_half(0, (__private half*)&h);
}
#endif

#if OP == OP_MEAN
/* MXNet divides the sum, already in the output dtype, by the count (integer division for
 * integer dtypes, and a float16 sum that overflowed stays inf). */
#if IS_HALF
#define FINAL(a, b, count) (round_to_half(a) / (float)(count))
#else
#define FINAL(a, b, count) ((CT)(T)(a) / (CT)(count))
#endif
#elif OP == OP_NORM2 && IS_INT
#define FINAL(a, b, count) ((FT)(a) * sqrt((FT)(b)))
#elif OP == OP_NORM2
#define FINAL(a, b, count) sqrt(a)
#elif OP == OP_ARGMAX || OP == OP_ARGMIN
#define FINAL(a, b, count) (b)
#else
#define FINAL(a, b, count) (a)
#endif

#if IN_PARTIAL
#define IN_T ACC
#define LOAD_IN(p, k) ((p)[k])
#else
#define IN_T T
#define LOAD_IN(p, k) LOAD_T(p, k)
#endif
#if OUT_PARTIAL
#define OUT_T ACC
#else
#define OUT_T T
#endif

/* With floating-point input, a work-item whose elements are contiguous (inner == 1) reads
 * them into four independent 256-bit vector accumulators (VW = 8 floats or 4 doubles), 4 VW
 * elements per step: that is what reaches memory bandwidth on CPUs. On PoCL (x86, 256-bit
 * vectors) four float8 chains ran 12 % faster per core than two float16 ones, which the
 * compiler splits, and four double4 chains 15 % faster than four double8; float64 rows
 * took one scalar chain before, 2.4x slower. Every reducer has a vector form (VINIT,
 * VUPDATE, VCOMBINE; VBETTER for max, min and the arg reducers). */
#define VECTOR_PATH (!IN_PARTIAL && !IS_INT && !INTERLEAVED)
#define IS_ARG (OP == OP_ARGMAX || OP == OP_ARGMIN)

#if VECTOR_PATH
#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#if IS_DOUBLE || (OP == OP_NORM2 && HAS_FP64)      /* ACC is double */
#define VW 4
#else
#define VW 8
#endif
#define VACC CAT(ACC, VW)
#define VINDEX CAT(int, VW)
#define VSTORE CAT(vstore, VW)
#if IS_HALF
#define VLOAD(k, p) CAT(convert_, VACC)(CAT(vload_half, VW)((k), (p)))
#else
#define VLOAD(k, p) CAT(convert_, VACC)(CAT(vload, VW)((k), (p)))
#endif

#if OP == OP_NANSUM
#define VTF(v) select((v), (VACC)0, isnan(v))
#elif OP == OP_NANPROD
#define VTF(v) select((v), (VACC)1, isnan(v))
#elif OP == OP_NORM1
#define VTF(v) fabs(v)
#elif OP == OP_NORM2
#define VTF(v) ((v) * (v))
#else
#define VTF(v) (v)
#endif

#if ADDITIVE
#define VINIT ((VACC)0)
#define VUPDATE(a, v) a += VTF(v)
#define VCOMBINE(a, b) a += (b)
#elif OP == OP_PROD || OP == OP_NANPROD
#define VINIT ((VACC)1)
#define VUPDATE(a, v) a *= VTF(v)
#define VCOMBINE(a, b) a *= (b)
#else
#if OP == OP_MAX || OP == OP_ARGMAX
#define VBETTER(v, a) ((isgreater((v), (a)) | isnan(v)) & ~isnan(a))
#else
#define VBETTER(v, a) ((isless((v), (a)) | isnan(v)) & ~isnan(a))
#endif
#define VINIT ((VACC)LOWEST)
#if IS_ARG
#define VUPDATE(a, v) a = select((a), (v), VBETTER((v), (a)))
#else
/* without the NaN check on the state: a NaN state replaced by a NaN stays NaN */
#define VUPDATE(a, v) a = select((a), (v), (OP == OP_MAX ? isgreater((v), (a)) \
                                                          : isless((v), (a))) | isnan(v))
#endif
#define VCOMBINE(a, b) VUPDATE(a, b)
#endif

#if IS_ARG
/* accumulator j keeps, per lane, the best value and its offset from the chunk's start */
#if IS_DOUBLE
#define VMASK CAT(long, VW)      /* what comparing two VACC gives */
#else
#define VMASK CAT(int, VW)
#endif
#define ARG_STEP(j) { const VACC v = VLOAD(j, p + r0); const VMASK m = VBETTER(v, va##j); \
    va##j = select(va##j, v, m); \
    ia##j = select(ia##j, at + VW * j, CAT(convert_, VINDEX)(m)); }
#endif

/* Merges the reduction of p[r0 .. r1), contiguous, into the state (*a, *b). Arg reducers
 * also track, per lane, the offset of the lane's best element (the first one: strict
 * BETTER), and the lane merge prefers the smaller index on ties. */
inline void contiguous_reduce(__global const T* p, long r0, const long r1, ACC* a, long* b)
{
    VACC va0 = VINIT, va1 = VINIT, va2 = VINIT, va3 = VINIT;
#if IS_ARG
    const long start = r0;
    VINDEX ia0 = 0, ia1 = 0, ia2 = 0, ia3 = 0;
#if VW == 4
    VINDEX at = (VINDEX)(0, 1, 2, 3);
#else
    VINDEX at = (VINDEX)(0, 1, 2, 3, 4, 5, 6, 7);
#endif
#endif
    for (; r0 + 4 * VW <= r1; r0 += 4 * VW) {
#if IS_ARG
        ARG_STEP(0) ARG_STEP(1) ARG_STEP(2) ARG_STEP(3)
        at += 4 * VW;
#else
        VUPDATE(va0, VLOAD(0, p + r0));
        VUPDATE(va1, VLOAD(1, p + r0));
        VUPDATE(va2, VLOAD(2, p + r0));
        VUPDATE(va3, VLOAD(3, p + r0));
#endif
    }
#if IS_ARG
    ACC lanes[4 * VW];
    int offsets[4 * VW];
    VSTORE(va0, 0, lanes);
    VSTORE(va1, 1, lanes);
    VSTORE(va2, 2, lanes);
    VSTORE(va3, 3, lanes);
    VSTORE(ia0, 0, offsets);
    VSTORE(ia1, 1, offsets);
    VSTORE(ia2, 2, offsets);
    VSTORE(ia3, 3, offsets);
    for (int l = 0; l < 4 * VW; l++) MERGE(*a, *b, lanes[l], start + offsets[l]);
#else
    VCOMBINE(va0, va1);
    VCOMBINE(va2, va3);
    VCOMBINE(va0, va2);
    ACC lanes[VW];
    VSTORE(va0, 0, lanes);
    for (int l = 0; l < VW; l++) MERGE(*a, *b, lanes[l], 0);
#endif
    for (; r0 < r1; r0++) UPDATE(*a, *b, LOAD_T(p, r0), r0);
}
#endif

/* Work-item k reduces LANES neighbouring outputs (o, g, i0 .. i0 + LANES - 1): their
 * elements are contiguous for each r, which keeps strided reductions (inner > 1) at memory
 * speed. nitems = outer * G * ceil(inner / LANES). */
__kernel void reduce(__global OUT_T* out, const long out_off, __global long* out_b,
                     __global const IN_T* x, const long x_off, __global const long* x_b,
                     const long nitems, const long R, const long inner, const long G,
                     const long chunk, const long count)
{
    const long k = get_global_id(0);
    if (k >= nitems) return;
    const long nq = (inner + LANES - 1) / LANES;
    const long og = k / nq;
    const long i0 = (k % nq) * LANES;
    const int nl = (int)min((long)LANES, inner - i0);
    const long g = og % G, o = og / G;
#if INTERLEAVED
    const long r0 = g, r1 = R, step = G;
#else
    const long r0 = g * chunk, r1 = min(R, r0 + chunk), step = 1;
#endif
    const long base = x_off + o * R * inner + i0;
    const long slot = og * inner + i0;
    ACC a[LANES];
    long b[LANES];
    for (int l = 0; l < LANES; l++) {
        b[l] = 0;
        INIT(a[l], b[l], r0);
    }
#if IN_PARTIAL && ADDITIVE && !IS_INT
    /* Floating-point partial sums are few and large: adding them up plainly was most of a
     * long sum's rounding error (2-8 float32 ulps at 10^6 elements), so the merge carries
     * each add's rounding error into the next (compensated summation; none once the sum
     * is infinite, where it would turn inf into NaN). */
    ACC lost[LANES];
    for (int l = 0; l < LANES; l++) lost[l] = 0;
    for (long r = r0; r < r1; r += step) {
        for (int l = 0; l < nl; l++) {
            const ACC y = LOAD_IN(x, base + r * inner + l) - lost[l];
            const ACC t = a[l] + y;
            lost[l] = isfinite(t) ? (t - a[l]) - y : 0;
            a[l] = t;
        }
    }
#elif IN_PARTIAL
    for (long r = r0; r < r1; r += step) {
        for (int l = 0; l < nl; l++) {
            const ACC pa = LOAD_IN(x, base + r * inner + l);
            const long pb = TWO_PART ? x_b[base - x_off + r * inner + l] : 0;
            MERGE(a[l], b[l], pa, pb);
        }
    }
#else
#if VECTOR_PATH && LANES == 1
#if IS_ARG
    if (inner == 1 && r1 - r0 < INT_MAX) {     /* lane offsets are ints */
#else
    if (inner == 1) {
#endif
        contiguous_reduce(x + base, r0, r1, &a[0], &b[0]);
    } else
#endif
    if (nl == LANES) {
        for (long r = r0; r < r1; r += step) {
            for (int l = 0; l < LANES; l++) {
                const CT v = LOAD_IN(x, base + r * inner + l);
                UPDATE(a[l], b[l], v, r);
            }
        }
    } else {
        for (long r = r0; r < r1; r += step) {
            for (int l = 0; l < nl; l++) {
                const CT v = LOAD_IN(x, base + r * inner + l);
                UPDATE(a[l], b[l], v, r);
            }
        }
    }
#endif
    for (int l = 0; l < nl; l++) {
#if OUT_PARTIAL
        out[out_off + slot + l] = a[l];
        if (TWO_PART) out_b[slot + l] = b[l];
#else
        STORE_T(out, out_off + slot + l, FINAL(a[l], b[l], count));
#endif
    }
}
