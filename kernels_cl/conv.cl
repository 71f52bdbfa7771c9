/* Convolution kernels: im2col, col2im, bias fill, batch sum.
 * Options: -D T/CT/FT (storage, compute, float type), IS_HALF, HAS_FP64; HAS_BIAS (0/1) for
 * col2im (adds bias[c] to every output element, as Deconvolution needs).
 *
 * Geometry: every convolution is treated as 3-D. An image is (N, C, D, H, W) with D = 1 (and
 * H = 1) for 2-D (1-D) data; the column array is (N, C * KD * KH * KW, OD * OH * OW), row
 * c * KS + (a * KH + b) * KW + e holding x[n, c, od*sd - pd + a*dd, oh*sh - ph + b*dh,
 * ow*sw - pw + e*dw] (zero outside the image) at column (od * OH + oh) * OW + ow.
 * GEOMETRY_ARGS is the argument list im2col and col2im take, in the order the host sets it.
 */

#ifndef HAS_BIAS
#define HAS_BIAS 0
#endif

#define GEOMETRY_ARGS const long C, const long D, const long H, const long W, \
    const long OD, const long OH, const long OW, const long KD, const long KH, const long KW, \
    const long SD, const long SH, const long SW, const long PD, const long PH, const long PW, \
    const long DD, const long DH, const long DW

/* One work-item per column element, on a 3-D grid (OW, OD*OH, N*C*KS) so the index
 * arithmetic is a few 32-bit divisions (64-bit ones made this kernel 5x slower on PoCL). */
__kernel void im2col(__global T* cols, const long cols_off, __global const T* x,
                     const long x_off, GEOMETRY_ARGS)
{
    const int ow = get_global_id(0), odh = get_global_id(1);
    const long r = get_global_id(2);               /* (n * C + c) * KS + k */
    const int KS = KD * KH * KW;
    const int k = r % KS;
    const long nc = r / KS;
    const int oh = odh % (int)OH, od = odh / (int)OH;
    const int e = k % (int)KW, b = (k / (int)KW) % (int)KH, a = k / (int)(KH * KW);
    const long z = od * SD - PD + a * DD;
    const long y = oh * SH - PH + b * DH;
    const long w = ow * SW - PW + e * DW;
    CT v = 0;
    if (z >= 0 && z < D && y >= 0 && y < H && w >= 0 && w < W)
        v = LOAD(x, x_off + ((nc * D + z) * H + y) * W + w);
    STORE(cols, cols_off + (r * OD * OH + odh) * OW + ow, v);
}

/* col2im is built per window (-D WIN_C=1 with CK_* kernel, CS_* stride, CP_* pad, CDL_*
 * dilation): with constant loop counts and strides its loops unroll, the divisions by the
 * stride become shifts or vanish, and PoCL vectorizes across work-items; masked steps read
 * index 0 instead of branching (run-time geometry made the data gradient of a 3x3
 * convolution 3x slower than its GEMM). */
#ifdef WIN_C
#define C_KD CK_D
#define C_KH CK_H
#define C_KW CK_W
#define C_SD CS_D
#define C_SH CS_H
#define C_SW CS_W
#define C_PD CP_D
#define C_PH CP_H
#define C_PW CP_W
#define C_DD CDL_D
#define C_DH CDL_H
#define C_DW CDL_W
#else
#define C_KD ((int)KD)
#define C_KH ((int)KH)
#define C_KW ((int)KW)
#define C_SD ((int)SD)
#define C_SH ((int)SH)
#define C_SW ((int)SW)
#define C_PD ((int)PD)
#define C_PH ((int)PH)
#define C_PW ((int)PW)
#define C_DD ((int)DD)
#define C_DH ((int)DH)
#define C_DW ((int)DW)
#endif

/* The adjoint of im2col, gathered: one work-item per image element, on a 3-D grid
 * (W, D*H, N*C), sums the column entries that im2col copied from it (no atomics needed). */
__kernel void col2im(__global T* x, const long x_off, __global const T* cols,
                     const long cols_off, GEOMETRY_ARGS
#if HAS_BIAS
                     , __global const T* bias, const long bias_off
#endif
                     )
{
    const int w = get_global_id(0), zy = get_global_id(1);
    const long nc = get_global_id(2);
    const int y = zy % (int)H, z = zy / (int)H;
    const long L = OD * OH * OW;
    __global const T* src = cols + cols_off + nc * (long)(C_KD * C_KH * C_KW) * L;
    FT acc = 0;
#if defined(WIN_C) && CS_D == 1 && CS_H == 1 && CS_W == 1
    /* stride 1: along a row of work-items the entries read are contiguous, so each step is
     * a (masked) vector load */
    for (int a = 0; a < C_KD; a++) {
        const int zz = z + C_PD - a * C_DD;
        for (int b = 0; b < C_KH; b++) {
            const int yy = y + C_PH - b * C_DH;
            const bool in_h = zz >= 0 && zz < OD && yy >= 0 && yy < OH;
            const int base = (zz * (int)OH + yy) * (int)OW + w + C_PW;
            for (int e = 0; e < C_KW; e++) {
                const int ww = w + C_PW - e * C_DW;
                const int row = (a * C_KH + b) * C_KW + e;
                if (in_h && ww >= 0 && ww < OW)
                    acc += LOAD(src, row * L + base - e * C_DW);
            }
        }
    }
#else
    for (int a = 0; a < C_KD; a++) {
        const int zz = z + C_PD - a * C_DD;
        const bool in_d = zz >= 0 && zz % C_SD == 0 && zz / C_SD < OD;
        for (int b = 0; b < C_KH; b++) {
            const int yy = y + C_PH - b * C_DH;
            const bool in_h = in_d && yy >= 0 && yy % C_SH == 0 && yy / C_SH < OH;
            for (int e = 0; e < C_KW; e++) {
                const int ww = w + C_PW - e * C_DW;
                const bool in = in_h && ww >= 0 && ww % C_SW == 0 && ww / C_SW < OW;
                const long row = (a * C_KH + b) * C_KW + e;
                const long at = row * L + ((long)(zz / C_SD) * OH + yy / C_SH) * OW + ww / C_SW;
                const CT v = LOAD(src, in ? at : 0);
                acc += in ? v : (CT)0;
            }
        }
    }
#endif
#if HAS_BIAS
    acc += LOAD(bias, bias_off + nc % C);
#endif
    STORE(x, x_off + (nc * D * H + zy) * W + w, acc);
}

/* out[n, f, l] = bias[f] in a (N, F, L) array (the GEMM adds onto it); grid (L, N*F): the
 * row gives f with a 32-bit remainder (a 64-bit division per element made this fill cost
 * 5x the convolution it precedes on PoCL). */
__kernel void bias_fill(__global T* out, const long out_off, __global const T* bias,
                        const long bias_off, const int F, const long L)
{
    const int l = get_global_id(0), row = get_global_id(1);
    STORE(out, out_off + (long)row * L + l, LOAD(bias, bias_off + row % F));
}

/* out[j] = sum over b < B of x[b * n + j]: the sum of a batch of per-sample products. */
__kernel void batch_sum(__global T* out, const long out_off, __global const T* x,
                        const long x_off, const long n, const long B)
{
    const long j = get_global_id(0);
    if (j >= n) return;
    FT acc = 0;
    for (long b = 0; b < B; b++) acc += LOAD(x, x_off + b * n + j);
    STORE(out, out_off + j, acc);
}
