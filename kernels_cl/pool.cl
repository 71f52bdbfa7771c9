/* Pooling kernels: forward max/avg/sum, the avg/sum adjoint (divide, unpool), the max-pool
 * gradient pair (route to the argmax / gather from the argmax).
 * Options: -D T/CT/FT (storage, compute, float type), IS_HALF, HAS_FP64; LOWEST, the dtype's
 * lowest finite value (what max pooling gives for a window of padding only, as MXNet);
 * SD_C.. and CD_C.. for the per-stride builds of the gradient kernels (see
 * SUM_OVER_COVERING).
 *
 * Every pooling is treated as 3-D: images are planes of D x H x W (D = 1, H = 1 for lower
 * ranks), one plane per (n, c); the output planes are OD x OH x OW. Output o along an axis
 * covers inputs [o*s - p, o*s - p + k), padding excluded from max and from the sums.
 * avg divides by the window clipped to the padded image (end at most H + p) when
 * count_include_pad, by the number of real inputs otherwise; an empty window gives 0.
 * GEOMETRY_ARGS is the argument list the host sets for every kernel here, in this order.
 */

#define GEOMETRY_ARGS const long D, const long H, const long W, \
    const long OD, const long OH, const long OW, const long KD, const long KH, const long KW, \
    const long SD, const long SH, const long SW, const long PD, const long PH, const long PW, \
    const int count_include_pad, const int pool_type

/* Work-item coordinates: an output (od, oh, ow) or input (z, y, w) position of plane p
 * (= n * C + c), and i, its flat index. 32-bit divisions: 64-bit ones are slow on CPUs. */
#define OUTPUT_INDEX \
    const int ow = get_global_id(0), odh = get_global_id(1); \
    const long p = get_global_id(2); \
    const int oh = odh % (int)OH, od = odh / (int)OH; \
    const long i = (p * OD * OH + odh) * OW + ow
#define INPUT_INDEX \
    const int w = get_global_id(0), zy = get_global_id(1); \
    const long p = get_global_id(2); \
    const int y = zy % (int)H, z = zy / (int)H; \
    const long i = (p * D * H + zy) * W + w

/* The window of output o along one axis: [start, end) clipped to the image, and the
 * element count avg divides by along this axis. */
inline int window(const int o, const int s, const int p, const int k, const int size,
                  const int include_pad, int* start, int* end)
{
    const int lo = o * s - p;
    const int hi_padded = min(lo + k, size + p);
    *start = max(lo, 0);
    *end = min(lo + k, size);
    const int count = include_pad ? hi_padded - lo : *end - *start;
    return max(count, 0);
}

/* The outputs whose windows hold input z along one axis: [first, last] (empty if first >
 * last). */
inline void covering(const int z, const int s, const int p, const int k, const int O,
                     int* first, int* last)
{
    const int lo = z + p - k + 1, hi = z + p;
    *first = lo <= 0 ? 0 : (lo + s - 1) / s;
    *last = hi < 0 ? -1 : min(hi / s, O - 1);
}

/* The gradient kernels (sum_unpool, max_unpool) are built per stride (-D SD_C, SH_C, SW_C)
 * and per count of outputs covering one input (-D CD_C, CH_C, CW_C: min(ceil(k / s), O) per
 * axis). With those constants the loops unroll and the divisions by the stride become
 * multiplications, so PoCL vectorizes across work-items: run-time counts and strides made
 * these kernels 5-20x slower. Every loop runs its full count with the out-of-range steps
 * masked, each load reading a valid address (index 0 when masked).
 * SUM_OVER_COVERING runs TERM(od, oh, ow) into acc for every output window holding input
 * (z, y, w). */
#define SUM_OVER_COVERING(acc, TERM) do { \
    int d0, d1, h0, h1, v0, v1; \
    covering(z, SD_C, PD, KD, OD, &d0, &d1); \
    covering(y, SH_C, PH, KH, OH, &h0, &h1); \
    covering(w, SW_C, PW, KW, OW, &v0, &v1); \
    for (int td = 0; td < CD_C; td++) \
        for (int th = 0; th < CH_C; th++) \
            for (int tw = 0; tw < CW_C; tw++) { \
                const bool ok = d0 + td <= d1 && h0 + th <= h1 && v0 + tw <= v1; \
                const CT t = TERM(ok ? d0 + td : 0, ok ? h0 + th : 0, ok ? v0 + tw : 0); \
                acc += ok ? t : (CT)0; \
            } \
} while (0)

/* The forward kernels are built per window (-D WK_D, WK_H, WK_W: kernel; WS_*: stride;
 * WP_*: pad; WINSIDE: 1 when every window lies inside the image, so no bounds checks):
 * with constant loop counts the window loops unroll and PoCL vectorizes across
 * work-items (run-time counts made 2x2 max pooling 3-4x slower). */
#ifdef WK_W
#define K_D WK_D
#define K_H WK_H
#define K_W WK_W
#define S_D WS_D
#define S_H WS_H
#define S_W WS_W
#define P_D WP_D
#define P_H WP_H
#define P_W WP_W
#define INSIDE(z, y, w) (WINSIDE || ((z) >= 0 && (z) < D && (y) >= 0 && (y) < H && (w) >= 0 \
                                     && (w) < W))
#else
#define K_D ((int)KD)
#define K_H ((int)KH)
#define K_W ((int)KW)
#define S_D ((int)SD)
#define S_H ((int)SH)
#define S_W ((int)SW)
#define P_D ((int)PD)
#define P_H ((int)PH)
#define P_W ((int)PW)
#define INSIDE(z, y, w) ((z) >= 0 && (z) < D && (y) >= 0 && (y) < H && (w) >= 0 && (w) < W)
#endif

/* Index of the first maximum (row-major window order) inside the plane, -1 if the window
 * holds only padding; *value gets the maximum (LOWEST for padding only), which spares the
 * caller a data-dependent load (3x slower 2x2 max pooling on PoCL). */
inline int first_argmax(__global const T* plane, const int od, const int oh, const int ow,
                        CT* value, GEOMETRY_ARGS)
{
    const int zs = od * S_D - P_D, ys = oh * S_H - P_H, ws = ow * S_W - P_W;
    int best = -1;
    CT m = LOWEST;
    for (int a = 0; a < K_D; a++)
        for (int b = 0; b < K_H; b++)
            for (int e = 0; e < K_W; e++) {
                const int z = zs + a, y = ys + b, w = ws + e;
                const bool in = INSIDE(z, y, w);
                const int j = in ? (z * (int)H + y) * (int)W + w : 0;
                const CT v = LOAD(plane, j);
                const bool take = in && (best < 0 || v > m);
                m = take ? v : m;
                best = take ? j : best;
            }
    *value = m;
    return best;
}

#ifndef SD_C   /* a per-stride build holds only the gradient kernels (see below) */
/* Max (pool_type 0), avg (1) or sum (2) pooling; one work-item per output element, grid
 * (OW, OD*OH, planes). */
__kernel void pool_forward(__global T* out, const long out_off, __global const T* x,
                           const long x_off, GEOMETRY_ARGS)
{
    OUTPUT_INDEX;
    __global const T* plane = x + x_off + p * D * H * W;
    if (pool_type == 0) {
        CT m;
        first_argmax(plane, od, oh, ow, &m, D, H, W, OD, OH, OW, KD, KH, KW, SD, SH, SW, PD,
                     PH, PW, count_include_pad, pool_type);
        STORE(out, out_off + i, m);
        return;
    }
    const int zs = od * S_D - P_D, ys = oh * S_H - P_H, ws = ow * S_W - P_W;
    FT acc = 0;
    for (int a = 0; a < K_D; a++)
        for (int b = 0; b < K_H; b++)
            for (int e = 0; e < K_W; e++) {
                const int z = zs + a, y = ys + b, w = ws + e;
                const bool in = INSIDE(z, y, w);
                const CT v = LOAD(plane, in ? (z * (int)H + y) * (int)W + w : 0);
                acc += in ? v : (CT)0;
            }
    if (pool_type == 1) {
        int lo, hi;
        const int count = window(od, SD, PD, KD, D, count_include_pad, &lo, &hi)
                        * window(oh, SH, PH, KH, H, count_include_pad, &lo, &hi)
                        * window(ow, SW, PW, KW, W, count_include_pad, &lo, &hi);
        acc = count ? acc / (FT)count : (FT)0;
    }
    STORE(out, out_off + i, acc);
}

/* g[o] / count(o), the output gradient avg pooling spreads evenly over window o (empty
 * windows give 0); one work-item per output element, grid (OW, OD*OH, planes). */
__kernel void avg_divide(__global T* out, const long out_off, __global const T* g,
                         const long g_off, GEOMETRY_ARGS)
{
    OUTPUT_INDEX;
    int a, b;
    const int count = window(od, SD, PD, KD, D, count_include_pad, &a, &b)
                    * window(oh, SH, PH, KH, H, count_include_pad, &a, &b)
                    * window(ow, SW, PW, KW, W, count_include_pad, &a, &b);
    STORE(out, out_off + i, count ? LOAD(g, g_off + i) / (FT)count : (FT)0);
}

/* The first maximum of every window, as an index into its plane (-1: padding only); one
 * work-item per output element, grid (OW, OD*OH, planes). max_unpool reads these. */
__kernel void pool_argmax(__global int* out, const long out_off, __global const T* x,
                          const long x_off, GEOMETRY_ARGS)
{
    OUTPUT_INDEX;
    CT m;
    out[out_off + i] = first_argmax(x + x_off + p * D * H * W, od, oh, ow, &m, D, H, W, OD, OH,
                                    OW, KD, KH, KW, SD, SH, SW, PD, PH, PW, 0, 0);
}

/* Max pooling that also writes pool_argmax's indices (for the gradient); one work-item per
 * output element, grid (OW, OD*OH, planes). */
__kernel void max_forward_argmax(__global T* out, const long out_off, __global int* argmax,
                                 const long am_off, __global const T* x, const long x_off,
                                 GEOMETRY_ARGS)
{
    OUTPUT_INDEX;
    __global const T* plane = x + x_off + p * D * H * W;
    CT m;
    argmax[am_off + i] = first_argmax(plane, od, oh, ow, &m, D, H, W, OD, OH, OW, KD, KH, KW,
                                      SD, SH, SW, PD, PH, PW, 0, 0);
    STORE(out, out_off + i, m);
}

/* T2: the storage type's 2-vector, for max_forward_tiled's 2-wide window rows (read at once,
 * PoCL makes whole vector loads of them; read per element they were gathers). */
#define T2_(t) t##2
#define T2__(t) T2_(t)
#define T2 T2__(T)

/* Max pooling with its argmax for windows that tile the image (kernel = stride, no padding,
 * see max_unpool_tiled): 32-bit plane offsets and a plain first-maximum scan, which PoCL
 * vectorizes (the general kernel ran at a fifteenth of the copy bandwidth for 2x2). */
__kernel void max_forward_tiled(__global T* out, const long out_off, __global int* argmax,
                                const long am_off, __global const T* x, const long x_off,
                                GEOMETRY_ARGS)
{
    /* grid (OW, OH, planes * OD): no per-lane division */
    const int ow = get_global_id(0), oh = get_global_id(1), pd = get_global_id(2);
    const int Hi = H, Wi = W, OHi = OH, OWi = OW;
    const int od = pd % (int)OD;
    const long p = pd / (int)OD;
    const int odh = od * OHi + oh;
    __global const T* plane = x + x_off + p * D * H * W;
    const int base = ((od * K_D) * Hi + oh * K_H) * Wi + ow * K_W;
    CT m = LOAD(plane, base);
    int best = base;
#if defined(WK_W) && WK_W == 2 && !IS_HALF
    for (int a = 0; a < K_D; a++)
        for (int b = 0; b < K_H; b++) {
            const int j = base + (a * Hi + b) * Wi;
            const T2 v = vload2(0, plane + j);
            bool take = v.s0 > m;
            m = take ? v.s0 : m;
            best = take ? j : best;
            take = v.s1 > m;
            m = take ? v.s1 : m;
            best = take ? j + 1 : best;
        }
#else
    for (int a = 0; a < K_D; a++)
        for (int b = 0; b < K_H; b++)
            for (int e = 0; e < K_W; e++) {
                const int j = base + (a * Hi + b) * Wi + e;
                const CT v = LOAD(plane, j);
                const bool take = v > m;
                m = take ? v : m;
                best = take ? j : best;
            }
#endif
    const long i = (p * OD * OHi + odh) * OWi + ow;
    argmax[am_off + i] = best;
    STORE(out, out_off + i, m);
}

/* max_unpool for windows that tile the image exactly (kernel = stride, no padding, the
 * outputs covering every input): one work-item per output element writes its whole window,
 * g[o] at the argmax and 0 elsewhere. Its loads are contiguous across work-items, where
 * max_unpool's per-input work-items read g and the argmax at stride (3x slower for 2x2). */
__kernel void max_unpool_tiled(__global T* dx, const long dx_off, __global const T* g,
                               const long g_off, __global const int* argmax, const long am_off,
                               GEOMETRY_ARGS)
{
    OUTPUT_INDEX;
    __global T* plane = dx + dx_off + p * D * H * W;
    const int j = argmax[am_off + i];
    const CT v = LOAD(g, g_off + i);
    const int zs = od * K_D, ys = oh * K_H, ws = ow * K_W;
    for (int a = 0; a < K_D; a++)
        for (int b = 0; b < K_H; b++)
            for (int e = 0; e < K_W; e++) {
                const int at = ((zs + a) * (int)H + ys + b) * (int)W + ws + e;
                STORE(plane, at, at == j ? v : (CT)0);
            }
}

/* The adjoint of max_unpool in its gradient argument: out[o] = h[first argmax of x's window
 * o] (0 for a window of padding only); one work-item per output element, grid
 * (OW, OD*OH, planes). */
__kernel void max_gather(__global T* out, const long out_off, __global const T* h,
                         const long h_off, __global const T* x, const long x_off,
                         GEOMETRY_ARGS)
{
    OUTPUT_INDEX;
    CT m;
    const int j = first_argmax(x + x_off + p * D * H * W, od, oh, ow, &m, D, H, W, OD, OH, OW,
                               KD, KH, KW, SD, SH, SW, PD, PH, PW, 0, 0);
    STORE(out, out_off + i, j < 0 ? (CT)0 : LOAD(h, h_off + p * D * H * W + j));
}
#endif

/* The gradient kernels exist only in their per-stride builds (see SUM_OVER_COVERING). */
#ifdef SD_C
/* The adjoint of sum pooling (and of avg pooling after avg_divide): one work-item per input
 * element (grid (W, D*H, planes)) sums the output gradients of the windows holding it. */
__kernel void sum_unpool(__global T* dx, const long dx_off, __global const T* g,
                         const long g_off, GEOMETRY_ARGS)
{
    INPUT_INDEX;
    __global const T* gp = g + g_off + p * OD * OH * OW;
#define SUM_TERM(od, oh, ow) LOAD(gp, ((od) * (int)OH + (oh)) * (int)OW + (ow))
    FT acc = 0;
    SUM_OVER_COVERING(acc, SUM_TERM);
    STORE(dx, dx_off + i, acc);
}

/* Max-pool gradient: one work-item per input element (grid (W, D*H, planes)) adds the
 * gradients of the windows whose first maximum (from pool_argmax) it is. */
__kernel void max_unpool(__global T* dx, const long dx_off, __global const T* g,
                         const long g_off, __global const int* argmax, const long am_off,
                         GEOMETRY_ARGS)
{
    INPUT_INDEX;
    const int j = zy * (int)W + w;
    const long o_base = p * OD * OH * OW;
    __global const T* gp = g + g_off + o_base;
    __global const int* ap = argmax + am_off + o_base;
#define MAX_TERM(od, oh, ow) (ap[((od) * (int)OH + (oh)) * (int)OW + (ow)] == j \
        ? LOAD(gp, ((od) * (int)OH + (oh)) * (int)OW + (ow)) : (CT)0)
    FT acc = 0;
    SUM_OVER_COVERING(acc, MAX_TERM);
    STORE(dx, dx_off + i, acc);
}
#endif
