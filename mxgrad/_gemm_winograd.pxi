# Included by _gemm.pyx: 3x3 "same" convolutions (stride 1, padding 1, no dilation) by
# Winograd's minimal filtering F(2x2, 3x3) on the host BLAS.
#
# Each 2x2 block of outputs ("tile") comes from a 4x4 block of inputs: transformed (B^T d B)
# and multiplied element by element with the transformed 3x3 kernels (G g G^T), summed over
# the input channels, the 4x4 result folds back to 2x2 (A^T m A). The sum over channels is
# 16 products (one per element of the 4x4 transform) of (outputs x inputs) by (inputs x
# tiles): 16 multiply-adds per tile and channel pair where the im2col product does 36, so
# 2.25x less arithmetic for the forward pass and the data gradient (a "same" convolution of
# the output gradient with the kernels turned 180 degrees and the channels swapped). The
# transform matrices hold 0, +-1 and 1/2 only: the result differs from the direct sum by a
# few roundings. The weight gradient is the adjoint in the kernels: the 16 products of the
# transformed output gradients (A dy A^T) by the transformed inputs, summed over the tiles,
# folded back to 3x3 (G^T z G); its parts split the output channels.
#
# Images go through in blocks of about WINOGRAD_TILES tiles, large ones in bands of tile rows
# of about as many, so that the transformed inputs and products stay in cache between the
# transforms and the 16 products.

cdef extern from *:
    """
    #include "_simd.h"
    #if defined(__GNUC__) && !defined(__clang__)
    #define MXG_IVDEP _Pragma("GCC ivdep")    /* the scratch blocks never overlap */
    #else
    #define MXG_IVDEP
    #endif
    /* one copy per element type, vectorized (MXG_VECTORIZE; copies per instruction set
       with wider vectors ran no faster, the one with AVX-512 slower) */
    #define MXG_WINOGRAD(T, S)                                                                 \\
    /* U[xi][o][i] (planes of us >= O*I, rows of I): the transforms of the kernels             \\
       w + o*os + i*is (3x3, row major), each turned 180 degrees when rot. tmp: 9 * I          \\
       elements, one kernel entry of every i in a row, so that the transform runs              \\
       along i. */                                                                             \\
    static MXG_VECTORIZE void mxg_wino_weights_##S(const T* w, long long O,                    \\
            long long I, long long os, long long is, int rot, T* __restrict U,                 \\
            long long us, T* __restrict tmp) {                                                 \\
        for (long long o = 0; o < O; o++) {                                                    \\
            for (long long i = 0; i < I; i++)                                                  \\
                for (int q = 0; q < 9; q++)                                                    \\
                    tmp[q * I + i] = w[o * os + i * is + (rot ? 8 - q : q)];                   \\
            T* u = U + o * I;                                                                  \\
            for (long long i = 0; i < I; i++) {                                                \\
                T t[4][3];                                                                     \\
                for (int b = 0; b < 3; b++) {             /* G g */                            \\
                    const T g0 = tmp[b * I + i], g1 = tmp[(3 + b) * I + i];                    \\
                    const T g2 = tmp[(6 + b) * I + i];                                         \\
                    t[0][b] = g0;                                                              \\
                    t[1][b] = (g0 + g1 + g2) * (T)0.5;                                         \\
                    t[2][b] = (g0 - g1 + g2) * (T)0.5;                                         \\
                    t[3][b] = g2;                                                              \\
                }                                                                              \\
                for (int r = 0; r < 4; r++) {             /* (G g) G^T */                      \\
                    u[(4 * r) * us + i] = t[r][0];                                             \\
                    u[(4 * r + 1) * us + i] = (t[r][0] + t[r][1] + t[r][2]) * (T)0.5;          \\
                    u[(4 * r + 2) * us + i] = (t[r][0] - t[r][1] + t[r][2]) * (T)0.5;          \\
                    u[(4 * r + 3) * us + i] = t[r][2];                                         \\
                }                                                                              \\
            }                                                                                  \\
        }                                                                                      \\
    }                                                                                          \\
                                                                                               \\
    /* V[xi][i][t0 + (ty - ty0)*TX + tx] (planes of vs >= I*nt, rows of nt) for the tile rows  \\
       [ty0, ty1) of the I planes (H x W) of one image. buf: (2*(ty1 - ty0) + 2) * 2 * (TX + 1)\\
       + 8 * (TX + 1) elements. */                                                             \\
    static MXG_VECTORIZE void mxg_wino_input_##S(const T* x, long long I, long long H,         \\
            long long W, long long ty0, long long ty1, long long TX, long long nt,             \\
            long long t0,                                                                      \\
            T* __restrict V, long long vs, T* __restrict buf) {                                \\
        const long long PW = TX + 1, R = 2 * (ty1 - ty0) + 2;                                  \\
        T* rows = buf;                         /* padded row r: even, then odd columns */      \\
        T* te = buf + R * 2 * PW;              /* B^T d: 4 rows, even and odd columns */       \\
        for (long long i = 0; i < I; i++) {                                                    \\
            const T* p = x + i * H * W;                                                        \\
            /* padded row r is input row 2*ty0 + r - 1, padded column j input column j - 1:    \\
               even padded columns 2k are input 2k - 1, odd ones 2k + 1 are input 2k */        \\
            for (long long r = 0; r < R; r++) {                                                \\
                T* e = rows + r * 2 * PW;                                                      \\
                T* od = e + PW;                                                                \\
                const long long y = 2 * ty0 + r - 1;                                           \\
                if (y < 0 || y >= H) {                                                         \\
                    for (long long k = 0; k < PW; k++) e[k] = od[k] = 0;                       \\
                    continue;                                                                  \\
                }                                                                              \\
                const T* row = p + y * W;                                                      \\
                long long k;                                                                   \\
                e[0] = 0;                                                                      \\
                MXG_IVDEP for (k = 1; k <= W / 2; k++) e[k] = row[2 * k - 1];                  \\
                for (; k < PW; k++) e[k] = 0;                                                  \\
                MXG_IVDEP for (k = 0; k < (W + 1) / 2; k++) od[k] = row[2 * k];                \\
                for (; k < PW; k++) od[k] = 0;                                                 \\
            }                                                                                  \\
            for (long long ty = ty0; ty < ty1; ty++) {                                         \\
                const T* d0 = rows + (2 * (ty - ty0)) * 2 * PW;                                \\
                const T* d1 = d0 + 2 * PW;                                                     \\
                const T* d2 = d1 + 2 * PW;                                                     \\
                const T* d3 = d2 + 2 * PW;                                                     \\
                MXG_IVDEP for (long long k = 0; k < 2 * PW; k++) {                             \\
                    te[k] = d0[k] - d2[k];                                                     \\
                    te[2 * PW + k] = d1[k] + d2[k];                                            \\
                    te[4 * PW + k] = d2[k] - d1[k];                                            \\
                    te[6 * PW + k] = d1[k] - d3[k];                                            \\
                }                                                                              \\
                T* v = V + i * nt + t0 + (ty - ty0) * TX;                                      \\
                const long long xs = vs;                                                       \\
                for (int a = 0; a < 4; a++) {                  /* (B^T d) B */                 \\
                    const T* e = te + a * 2 * PW;                                              \\
                    const T* od = e + PW;                                                      \\
                    T* v0 = v + (4 * a) * xs;                                                  \\
                    T* v1 = v0 + xs;                                                           \\
                    T* v2 = v1 + xs;                                                           \\
                    T* v3 = v2 + xs;                                                           \\
                    MXG_IVDEP for (long long tx = 0; tx < TX; tx++) v0[tx] = e[tx] - e[tx + 1];\\
                    MXG_IVDEP for (long long tx = 0; tx < TX; tx++) v1[tx] = od[tx] + e[tx + 1]; \\
                    MXG_IVDEP for (long long tx = 0; tx < TX; tx++) v2[tx] = e[tx + 1] - od[tx]; \\
                    MXG_IVDEP for (long long tx = 0; tx < TX; tx++)                            \\
                        v3[tx] = od[tx] - od[tx + 1];                                          \\
                }                                                                              \\
            }                                                                                  \\
        }                                                                                      \\
    }                                                                                          \\
                                                                                               \\
    /* Rows [2*ty0, 2*ty1) of the O output planes (H x W) of one image from                    \\
       M[xi][o][t0 + (ty - ty0)*TX + tx] (planes of ms >= O*nt, rows of nt), plus bias[o]      \\
       unless NULL. tmp: 4 * TX elements. */                                                   \\
    static MXG_VECTORIZE void mxg_wino_output_##S(const T* M, long long O, long long nt,       \\
            long long t0, long long ms, long long H, long long W, long long ty0,               \\
            long long ty1, long long TX,                                                       \\
            const T* bias, T* __restrict y, T* __restrict tmp) {                               \\
        const long long xs = ms;                                                               \\
        T* y00 = tmp;                                                                          \\
        T* y01 = tmp + TX;                                                                     \\
        T* y10 = tmp + 2 * TX;                                                                 \\
        T* y11 = tmp + 3 * TX;                                                                 \\
        for (long long o = 0; o < O; o++) {                                                    \\
            const T b = bias ? bias[o] : 0;                                                    \\
            T* plane = y + o * H * W;                                                          \\
            for (long long ty = ty0; ty < ty1; ty++) {                                         \\
                const T* m = M + o * nt + t0 + (ty - ty0) * TX;                                \\
                MXG_IVDEP for (long long tx = 0; tx < TX; tx++) {                              \\
                    T r0[4], r1[4];                       /* A^T m */                          \\
                    for (int l = 0; l < 4; l++) {                                              \\
                        const T m0 = m[l * xs + tx], m1 = m[(4 + l) * xs + tx];                \\
                        const T m2 = m[(8 + l) * xs + tx], m3 = m[(12 + l) * xs + tx];         \\
                        r0[l] = m0 + m1 + m2;                                                  \\
                        r1[l] = m1 - m2 - m3;                                                  \\
                    }                                                                          \\
                    y00[tx] = r0[0] + r0[1] + r0[2];      /* (A^T m) A */                      \\
                    y01[tx] = r0[1] - r0[2] - r0[3];                                           \\
                    y10[tx] = r1[0] + r1[1] + r1[2];                                           \\
                    y11[tx] = r1[1] - r1[2] - r1[3];                                           \\
                }                                                                              \\
                if (bias)                                                                      \\
                    for (long long tx = 0; tx < TX; tx++) {                                    \\
                        y00[tx] += b; y01[tx] += b; y10[tx] += b; y11[tx] += b;                \\
                    }                                                                          \\
                T* top = plane + 2 * ty * W;                                                   \\
                const long long full = W / 2;                                                  \\
                MXG_IVDEP for (long long tx = 0; tx < full; tx++) {                            \\
                    top[2 * tx] = y00[tx];                                                     \\
                    top[2 * tx + 1] = y01[tx];                                                 \\
                }                                                                              \\
                if (W & 1) top[W - 1] = y00[TX - 1];                                           \\
                if (2 * ty + 1 < H) {                                                          \\
                    T* bottom = top + W;                                                       \\
                    MXG_IVDEP for (long long tx = 0; tx < full; tx++) {                        \\
                        bottom[2 * tx] = y10[tx];                                              \\
                        bottom[2 * tx + 1] = y11[tx];                                          \\
                    }                                                                          \\
                    if (W & 1) bottom[W - 1] = y10[TX - 1];                                    \\
                }                                                                              \\
            }                                                                                  \\
        }                                                                                      \\
    }
    MXG_WINOGRAD(float, float)
    MXG_WINOGRAD(double, double)

    /* The weight gradient: the forward pass is y = A^T [(G g G^T) . (B^T d B)] A per tile,
       linear in g, so d(loss)/dg = G^T [sum over tiles of (A dy A^T) . (B^T d B)] G. */
    #define MXG_WINOGRAD_GRAD(T, S)                                                            \\
    /* Y[xi][f][t0 + (ty - ty0)*TX + tx] (planes of ys, rows of nt) = A dy A^T for the tile    \\
       rows [ty0, ty1) of the Fp planes (H x W) of dy, each tile the 2x2 block at (2ty, 2tx).  \\
       buf: 12 * TX elements. */                                                               \\
    static MXG_VECTORIZE void mxg_wino_dy_##S(const T* dy, long long Fp, long long H,          \\
            long long W, long long ty0, long long ty1, long long TX, long long nt,             \\
            long long t0,                                                                      \\
            T* __restrict Y, long long ys, T* __restrict buf) {                                \\
        T* e0 = buf;                /* rows 2ty and 2ty + 1: even and odd columns */           \\
        T* o0 = buf + TX;                                                                      \\
        T* e1 = buf + 2 * TX;                                                                  \\
        T* o1 = buf + 3 * TX;                                                                  \\
        T* su = buf + 4 * TX;       /* A dy: 4 rows of the tiles' even columns */              \\
        T* sv = buf + 8 * TX;       /* and of their odd columns */                             \\
        for (long long f = 0; f < Fp; f++) {                                                   \\
            const T* p = dy + f * H * W;                                                       \\
            for (long long ty = ty0; ty < ty1; ty++) {                                         \\
                for (int r = 0; r < 2; r++) {                                                  \\
                    T* e = r ? e1 : e0;                                                        \\
                    T* od = r ? o1 : o0;                                                       \\
                    long long k;                                                               \\
                    if (2 * ty + r >= H) {                                                     \\
                        for (k = 0; k < TX; k++) e[k] = od[k] = 0;                             \\
                        continue;                                                              \\
                    }                                                                          \\
                    const T* row = p + (2 * ty + r) * W;                                       \\
                    MXG_IVDEP for (k = 0; k < (W + 1) / 2; k++) e[k] = row[2 * k];             \\
                    for (; k < TX; k++) e[k] = 0;                                              \\
                    MXG_IVDEP for (k = 0; k < W / 2; k++) od[k] = row[2 * k + 1];              \\
                    for (; k < TX; k++) od[k] = 0;                                             \\
                }                                                                              \\
                MXG_IVDEP for (long long tx = 0; tx < TX; tx++) {   /* A dy */                 \\
                    su[tx] = e0[tx];                                                           \\
                    su[TX + tx] = e0[tx] + e1[tx];                                             \\
                    su[2 * TX + tx] = e0[tx] - e1[tx];                                         \\
                    su[3 * TX + tx] = -e1[tx];                                                 \\
                    sv[tx] = o0[tx];                                                           \\
                    sv[TX + tx] = o0[tx] + o1[tx];                                             \\
                    sv[2 * TX + tx] = o0[tx] - o1[tx];                                         \\
                    sv[3 * TX + tx] = -o1[tx];                                                 \\
                }                                                                              \\
                T* y = Y + f * nt + t0 + (ty - ty0) * TX;                                      \\
                for (int k = 0; k < 4; k++) {          /* (A dy) A^T */                        \\
                    const T* u = su + k * TX;          /* row k, the tiles' even column */     \\
                    const T* v = sv + k * TX;          /* and odd column */                    \\
                    T* y0 = y + (4 * k) * ys;                                                  \\
                    T* y1 = y0 + ys;                                                           \\
                    T* y2 = y1 + ys;                                                           \\
                    T* y3 = y2 + ys;                                                           \\
                    MXG_IVDEP for (long long tx = 0; tx < TX; tx++) y0[tx] = u[tx];            \\
                    MXG_IVDEP for (long long tx = 0; tx < TX; tx++) y1[tx] = u[tx] + v[tx];    \\
                    MXG_IVDEP for (long long tx = 0; tx < TX; tx++) y2[tx] = u[tx] - v[tx];    \\
                    MXG_IVDEP for (long long tx = 0; tx < TX; tx++) y3[tx] = -v[tx];           \\
                }                                                                              \\
            }                                                                                  \\
        }                                                                                      \\
    }                                                                                          \\
                                                                                               \\
    /* dw[f][c][a][b] (rows of C * 9) = (G^T Z[.][f][c] G)[a][b] for the Fp x C matrices       \\
       Z[xi] (planes of zs, rows of C). tmp: 9 * C elements. */                                \\
    static MXG_VECTORIZE void mxg_wino_dw_##S(const T* Z, long long zs, long long Fp,          \\
            long long C, T* __restrict dw, T* __restrict tmp) {                                \\
        for (long long f = 0; f < Fp; f++) {                                                   \\
            const T* z = Z + f * C;                                                            \\
            MXG_IVDEP for (long long c = 0; c < C; c++) {                                      \\
                T q[3][4];                               /* G^T Z */                           \\
                for (int l = 0; l < 4; l++) {                                                  \\
                    const T z0 = z[l * zs + c], z1 = z[(4 + l) * zs + c];                      \\
                    const T z2 = z[(8 + l) * zs + c], z3 = z[(12 + l) * zs + c];               \\
                    q[0][l] = z0 + (z1 + z2) * (T)0.5;                                         \\
                    q[1][l] = (z1 - z2) * (T)0.5;                                              \\
                    q[2][l] = (z1 + z2) * (T)0.5 + z3;                                         \\
                }                                                                              \\
                for (int a = 0; a < 3; a++) {            /* (G^T Z) G */                       \\
                    tmp[(3 * a) * C + c] = q[a][0] + (q[a][1] + q[a][2]) * (T)0.5;             \\
                    tmp[(3 * a + 1) * C + c] = (q[a][1] - q[a][2]) * (T)0.5;                   \\
                    tmp[(3 * a + 2) * C + c] = (q[a][1] + q[a][2]) * (T)0.5 + q[a][3];         \\
                }                                                                              \\
            }                                                                                  \\
            T* out = dw + f * C * 9;                                                           \\
            for (long long c = 0; c < C; c++)                                                  \\
                for (int q = 0; q < 9; q++) out[c * 9 + q] = tmp[q * C + c];                   \\
        }                                                                                      \\
    }
    MXG_WINOGRAD_GRAD(float, float)
    MXG_WINOGRAD_GRAD(double, double)
    """
    void mxg_wino_weights_float(const float* w, long long O, long long I, long long ostride,
                                long long istride, int rot, float* U, long long us,
                                float* tmp) nogil
    void mxg_wino_weights_double(const double* w, long long O, long long I, long long ostride,
                                 long long istride, int rot, double* U, long long us,
                                 double* tmp) nogil
    void mxg_wino_input_float(const float* x, long long I, long long H, long long W,
                              long long ty0, long long ty1, long long TX, long long nt,
                              long long t0, float* V, long long vs, float* buf) nogil
    void mxg_wino_input_double(const double* x, long long I, long long H, long long W,
                               long long ty0, long long ty1, long long TX, long long nt,
                               long long t0, double* V, long long vs, double* buf) nogil
    void mxg_wino_output_float(const float* M, long long O, long long nt, long long t0,
                               long long ms, long long H, long long W, long long ty0,
                               long long ty1, long long TX, const float* bias, float* y,
                               float* tmp) nogil
    void mxg_wino_output_double(const double* M, long long O, long long nt, long long t0,
                                long long ms, long long H, long long W, long long ty0,
                                long long ty1, long long TX, const double* bias, double* y,
                                double* tmp) nogil
    void mxg_wino_dy_float(const float* dy, long long Fp, long long H, long long W,
                           long long ty0, long long ty1, long long TX, long long nt,
                           long long t0, float* Y, long long ys, float* buf) nogil
    void mxg_wino_dy_double(const double* dy, long long Fp, long long H, long long W,
                            long long ty0, long long ty1, long long TX, long long nt,
                            long long t0, double* Y, long long ys, double* buf) nogil
    void mxg_wino_dw_float(const float* Z, long long zs, long long Fp, long long C, float* dw,
                           float* tmp) nogil
    void mxg_wino_dw_double(const double* Z, long long zs, long long Fp, long long C,
                            double* dw, double* tmp) nogil

cdef enum:
    # Elements between the 16 planes of each transform beyond their size: the transforms
    # touch all 16 at once, and plane sizes that are multiples of 4 KiB put them in one set
    # of the L1 cache (the transforms then ran at a third of the speed).
    SKEW = 16


cdef inline long long tiles_at_once(long long H, long long W, long long block,
                                    long long band) noexcept nogil:
    """Tiles a unit of work holds: ``block`` whole images, or ``band`` tile rows of one."""
    cdef long long TY = (H + 1) // 2, TX = (W + 1) // 2
    return block * TY * TX if band >= TY else band * TX


cdef inline long long input_buf(long long rows, long long TX) noexcept nogil:
    """Elements mxg_wino_input's buf holds for ``rows`` tile rows of TX tiles; the output
    transform's tmp (4 * TX) follows them."""
    return (2 * rows + 2) * 2 * (TX + 1) + 8 * (TX + 1)


cpdef long long winograd_scratch(long long C, long long F, long long H, long long W,
                                 long long block, long long band):
    """Elements of scratch one part of a Winograd convolution needs (see winograd_part),
    for ``block`` images at a time, or ``band`` tile rows of one image at a time when that
    is fewer than the image's."""
    cdef long long TX = (W + 1) // 2, rows = min(band, (H + 1) // 2)
    cdef long long nt = tiles_at_once(H, W, block, band)
    return (16 * (C * F + SKEW) + 16 * ((C + F) * nt + 2 * SKEW)
            + max(input_buf(rows, TX) + 4 * TX, 12 * TX, 9 * max(C, F)))


# The units of work of a part: blocks of g.block whole images when g.band covers the image
# (small images), else bands of g.band tile rows of one image (large ones: the transformed
# inputs and products of a whole image would not stay in cache, nor fit a small scratch).
cdef inline void next_unit(ConvCall* g, long long n, long long ty0, long long TY,
                           long long* nb, long long* ty1) noexcept nogil:
    if g.band >= TY:
        nb[0], ty1[0] = min(g.block, g.n1 - n), TY
    else:
        nb[0], ty1[0] = 1, min(TY, ty0 + g.band)


cdef void winograd_part(real* x, real* w, real* y, real* bias, real* scratch,
                        ConvCall* g) noexcept nogil:
    """The forward pass or the data gradient of the images [n0, n1) of a 3x3 convolution
    with stride 1 and padding 1, unit by unit (see next_unit)."""
    cdef long long I, O, ostr, istr, n, b, nb, nt, xi, ty0, ty1, per
    cdef long long H = g.H, W = g.W, TY = (g.H + 1) // 2, TX = (g.W + 1) // 2
    cdef real* src
    cdef real* dst
    cdef real* plane_bias = NULL
    cdef int rot
    if g.mode == CONV_WEIGHT_GRAD:
        winograd_weight_grad_part(x, w, y, scratch, g)
        return
    if g.mode == CONV_FORWARD:
        I, O, ostr, istr, rot = g.C, g.F, g.C * 9, 9, 0
        src, dst, plane_bias = x, y, bias
    else:       # the output gradient's F planes through the turned kernels, to C planes
        I, O, ostr, istr, rot = g.F, g.C, 9, g.C * 9, 1
        src, dst, plane_bias = y, x, bias       # (a Deconvolution's bias)
    cdef long long cap = tiles_at_once(H, W, g.block, g.band)
    cdef long long us = O * I + SKEW, vs = I * cap + SKEW, ms = O * cap + SKEW
    cdef real* U = scratch
    cdef real* V = U + 16 * us
    cdef real* M = V + 16 * vs
    cdef real* buf = M + 16 * ms
    cdef real* tmp = buf + input_buf(min(g.band, TY), TX)
    # every part transforms all the kernels: parts run at once with no ordering between
    # them, and the transform is ~1 % of a CNN step's CPU time (an extra native command
    # before them would cost a worker's wake-up)
    if real is float:
        mxg_wino_weights_float(w, O, I, ostr, istr, rot, U, us, buf)
    else:
        mxg_wino_weights_double(w, O, I, ostr, istr, rot, U, us, buf)
    n = g.n0
    while n < g.n1:
        ty0 = 0
        while ty0 < TY:
            next_unit(g, n, ty0, TY, &nb, &ty1)
            per = (ty1 - ty0) * TX
            nt = nb * per
            for b in range(nb):
                if real is float:
                    mxg_wino_input_float(src + (n + b) * I * H * W, I, H, W, ty0, ty1, TX, nt,
                                         b * per, V, vs, buf)
                else:
                    mxg_wino_input_double(src + (n + b) * I * H * W, I, H, W, ty0, ty1, TX,
                                          nt, b * per, V, vs, buf)
            for xi in range(16):
                blas(g.dtype, False, False, O, nt, I, 1.0, U + xi * us, I, V + xi * vs, nt,
                     0.0, M + xi * ms, nt)
            for b in range(nb):
                if real is float:
                    mxg_wino_output_float(M, O, nt, b * per, ms, H, W, ty0, ty1, TX,
                                          plane_bias, dst + (n + b) * O * H * W, tmp)
                else:
                    mxg_wino_output_double(M, O, nt, b * per, ms, H, W, ty0, ty1, TX,
                                           plane_bias, dst + (n + b) * O * H * W, tmp)
            ty0 = ty1
        n += nb


cdef void winograd_weight_grad_part(real* x, real* w, real* y, real* scratch,
                                    ConvCall* g) noexcept nogil:
    """The weight gradient's rows [k0, k1) (output channels) over every image: the 16
    products of the transformed output gradients by the transformed inputs, summed over the
    images' tiles, then folded back to 3x3 (G^T z G). Laid out as winograd_part's units,
    the sums in place of the kernels' transforms."""
    cdef long long C = g.C, F = g.F, f0 = g.k0, Fp = g.k1 - g.k0, n, b, nb, nt, xi, ty0, ty1
    cdef long long H = g.H, W = g.W, TY = (g.H + 1) // 2, TX = (g.W + 1) // 2, per
    cdef long long cap = tiles_at_once(H, W, g.block, g.band)
    cdef long long zs = Fp * C + SKEW, vs = C * cap + SKEW, ys = Fp * cap + SKEW
    cdef real* Z = scratch
    cdef real* V = Z + 16 * (F * C + SKEW)
    cdef real* Y = V + 16 * vs
    cdef real* buf = Y + 16 * (F * cap + SKEW)
    cdef bint first = True
    n = 0
    while n < g.n1:
        ty0 = 0
        while ty0 < TY:
            next_unit(g, n, ty0, TY, &nb, &ty1)
            per = (ty1 - ty0) * TX
            nt = nb * per
            for b in range(nb):
                if real is float:
                    mxg_wino_input_float(x + (n + b) * C * H * W, C, H, W, ty0, ty1, TX, nt,
                                         b * per, V, vs, buf)
                    mxg_wino_dy_float(y + ((n + b) * F + f0) * H * W, Fp, H, W, ty0, ty1, TX,
                                      nt, b * per, Y, ys, buf)
                else:
                    mxg_wino_input_double(x + (n + b) * C * H * W, C, H, W, ty0, ty1, TX, nt,
                                          b * per, V, vs, buf)
                    mxg_wino_dy_double(y + ((n + b) * F + f0) * H * W, Fp, H, W, ty0, ty1,
                                       TX, nt, b * per, Y, ys, buf)
            for xi in range(16):
                blas(g.dtype, False, True, Fp, C, nt, 1.0, Y + xi * ys, nt, V + xi * vs, nt,
                     0.0 if first else 1.0, Z + xi * zs, C)
            first = False
            ty0 = ty1
        n += nb
    if real is float:
        mxg_wino_dw_float(Z, zs, Fp, C, w + f0 * C * 9, buf)
    else:
        mxg_wino_dw_double(Z, zs, Fp, C, w + f0 * C * 9, buf)
