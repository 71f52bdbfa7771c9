# Included by _gemm.pyx: convolution as implicit GEMM on the host BLAS (native kernels).
#
# The im2col path writes the columns of the whole batch (N * C*KS * L elements: 19 MB for
# the 64->128 3x3 layer at batch 32) and reads them back in the GEMM, and col2im reads the
# batch's column gradients again. Here each native kernel builds the columns of ONE image at
# a time in a scratch block that stays in cache and runs the BLAS on it: the forward pass
# (columns, then W @ columns), the data gradient (W^T @ g, then col2im) and the weight
# gradient (sum over images of g @ columns^T) never materialise the batch's columns.
# Groups of 1, float32/float64; the callers (ndarray/_conv_native.py) fall back otherwise.

from libc.string cimport memcpy

ctypedef fused real:
    float
    double

cdef enum:
    CONV_FORWARD = 0
    CONV_DATA_GRAD = 1
    CONV_WEIGHT_GRAD = 2

ctypedef struct ConvCall:
    int dtype, mode, pointwise
    long long C, D, H, W, OD, OH, OW, KD, KH, KW, SD, SH, SW, PD, PH, PW, DD, DH, DW
    long long F, KS, Kdim, L, image     # filters; kernel size; C*KS; OD*OH*OW; C*D*H*W
    char* x            # images (N, C, D, H, W): the input, or the data gradient written
    char* w            # (F, Kdim): the weight, or the weight gradient written
    char* y            # (N, F, L): the output written, or the output gradient read
    char* bias         # per output channel (forward), per image channel (data gradient, a
                       # Deconvolution's bias); NULL for none
    char* scratch      # this part's columns: Kdim * L elements
    long long n0, n1   # the images of this part (forward, data gradient)
    long long k0, k1   # the column rows of this part (weight gradient, over every image)
    long long block    # > 0: by Winograd (_gemm_winograd.pxi), this many images at a time,
    long long band     # or this many tile rows of one image when fewer than it has


cdef extern from *:
    """
    #include "_simd.h"      /* MXG_VECTORIZE: add loops GCC vectorizes */
    static MXG_VECTORIZE void mxg_add_float(float* __restrict d, const float* __restrict s,
                                            long long n)
    { for (long long i = 0; i < n; i++) d[i] += s[i]; }
    static MXG_VECTORIZE void mxg_add_double(double* __restrict d, const double* __restrict s,
                                             long long n)
    { for (long long i = 0; i < n; i++) d[i] += s[i]; }
    static MXG_VECTORIZE void mxg_add_scalar_float(float* __restrict d, const float s,
                                                   long long n)
    { for (long long i = 0; i < n; i++) d[i] += s; }
    static MXG_VECTORIZE void mxg_add_scalar_double(double* __restrict d, const double s,
                                                    long long n)
    { for (long long i = 0; i < n; i++) d[i] += s; }
    """
    void mxg_add_float(float* d, const float* s, long long n) nogil
    void mxg_add_double(double* d, const double* s, long long n) nogil
    void mxg_add_scalar_float(float* d, float s, long long n) nogil
    void mxg_add_scalar_double(double* d, double s, long long n) nogil


cdef inline void add_to(real* d, const real* s, long long n) noexcept nogil:
    if real is float:
        mxg_add_float(d, s, n)
    else:
        mxg_add_double(d, s, n)


cdef inline void add_scalar(real* d, real s, long long n) noexcept nogil:
    if real is float:
        mxg_add_scalar_float(d, s, n)
    else:
        mxg_add_scalar_double(d, s, n)


cdef inline void valid_range(long long O, long long S, long long P, long long off,
                             long long size, long long* lo, long long* hi) noexcept nogil:
    """Outputs o in [lo, hi) whose input o*S - P + off lies inside [0, size)."""
    cdef long long first = P - off, last = size - 1 + P - off
    lo[0] = 0 if first <= 0 else (first + S - 1) // S
    hi[0] = 0 if last < 0 else last // S + 1
    if hi[0] > O:
        hi[0] = O
    if lo[0] > hi[0]:
        lo[0] = hi[0]


# Stride 1 along H and W with OW == W (a "same" convolution): the entries of one column
# row over a whole plane are the plane itself shifted by ``delta``, so a row is one long copy
# (or add) plus the few wrapped entries at each row's ends, which are padding; rows of 16
# elements copied one by one cost as much as the GEMM's rest.
ctypedef struct PlaneShift:
    long long delta          # column entry j holds plane[j + delta] where valid
    long long jl, jh         # entries [jl, jh) lie inside the plane
    long long h0, h1         # output rows whose input row is inside the image


cdef inline bint plane_shift(ConvCall* g, long long b, long long e, PlaneShift* ps) noexcept nogil:
    if g.SH != 1 or g.SW != 1 or g.OW != g.W:
        return False
    ps.h0 = max(0, g.PH - b * g.DH)
    ps.h1 = max(ps.h0, min(g.OH, g.H + g.PH - b * g.DH))
    ps.delta = (b * g.DH - g.PH) * g.W + e * g.DW - g.PW
    ps.jl = min(ps.h1 * g.OW, max(ps.h0 * g.OW, -ps.delta))
    ps.jh = max(ps.jl, min(ps.h1 * g.OW, g.H * g.W - ps.delta))
    return True


cdef void im2col_rows(real* cols, const real* x, ConvCall* g, long long k0,
                      long long k1) noexcept nogil:
    """Rows [k0, k1) of one image's columns (row c*KS + (a*KH + b)*KW + e), zero outside."""
    cdef long long r, c, k, a, b, e, od, oh, ow, z, yy, lo, hi
    cdef long long OW = g.OW, s = g.SW, plane = g.OH * g.OW
    cdef real* row
    cdef const real* src
    cdef PlaneShift ps
    cdef bint shifted
    for r in range(k0, k1):
        c = r // g.KS
        k = r % g.KS
        e = k % g.KW
        b = (k // g.KW) % g.KH
        a = k // (g.KW * g.KH)
        valid_range(g.OW, g.SW, g.PW, e * g.DW, g.W, &lo, &hi)
        shifted = plane_shift(g, b, e, &ps)
        row = cols + (r - k0) * g.L
        for od in range(g.OD):
            z = od * g.SD - g.PD + a * g.DD
            if z < 0 or z >= g.D:
                memset(row, 0, plane * sizeof(real))
            elif shifted:
                src = x + (c * g.D + z) * g.H * g.W + ps.delta
                memset(row, 0, ps.jl * sizeof(real))
                memcpy(row + ps.jl, src + ps.jl, (ps.jh - ps.jl) * sizeof(real))
                memset(row + ps.jh, 0, (plane - ps.jh) * sizeof(real))
                for oh in range(ps.h0, ps.h1):
                    for ow in range(lo):
                        row[oh * OW + ow] = 0
                    for ow in range(hi, OW):
                        row[oh * OW + ow] = 0
            else:
                for oh in range(g.OH):
                    yy = oh * g.SH - g.PH + b * g.DH
                    if yy < 0 or yy >= g.H:
                        memset(row + oh * OW, 0, OW * sizeof(real))
                        continue
                    src = x + ((c * g.D + z) * g.H + yy) * g.W - g.PW + e * g.DW
                    for ow in range(lo):
                        row[oh * OW + ow] = 0
                    for ow in range(lo, hi):
                        row[oh * OW + ow] = src[ow * s]
                    for ow in range(hi, OW):
                        row[oh * OW + ow] = 0
            row += plane


cdef void col2im_image(real* x, real* cols, ConvCall* g) noexcept nogil:
    """One image = the sum of its column entries (the adjoint of im2col_rows); the columns
    are scratch: their padding entries may be zeroed."""
    cdef long long r, c, k, a, b, e, od, oh, ow, z, yy, lo, hi
    cdef long long OW = g.OW, s = g.SW, plane = g.OH * g.OW
    cdef real* row
    cdef real* dst
    cdef PlaneShift ps
    cdef bint shifted
    memset(x, 0, g.image * sizeof(real))
    for r in range(g.Kdim):
        c = r // g.KS
        k = r % g.KS
        e = k % g.KW
        b = (k // g.KW) % g.KH
        a = k // (g.KW * g.KH)
        valid_range(g.OW, g.SW, g.PW, e * g.DW, g.W, &lo, &hi)
        shifted = plane_shift(g, b, e, &ps)
        row = cols + r * g.L
        for od in range(g.OD):
            z = od * g.SD - g.PD + a * g.DD
            if z >= 0 and z < g.D:
                if shifted:
                    for oh in range(ps.h0, ps.h1):      # padding entries: nothing to add
                        for ow in range(lo):
                            row[oh * OW + ow] = 0
                        for ow in range(hi, OW):
                            row[oh * OW + ow] = 0
                    add_to(x + (c * g.D + z) * g.H * g.W + ps.delta + ps.jl, row + ps.jl,
                           ps.jh - ps.jl)
                else:
                    for oh in range(g.OH):
                        yy = oh * g.SH - g.PH + b * g.DH
                        if yy >= 0 and yy < g.H:
                            dst = x + ((c * g.D + z) * g.H + yy) * g.W - g.PW + e * g.DW
                            for ow in range(lo, hi):
                                dst[ow * s] += row[oh * OW + ow]
            row += plane


cdef void conv_part(real* x, real* w, real* y, real* bias, real* scratch,
                    ConvCall* g) noexcept nogil:
    cdef long long n, f, c, plane, L = g.L
    cdef real* cols
    cdef real* out
    cdef int dtype = g.dtype
    if g.block > 0:
        winograd_part(x, w, y, bias, scratch, g)
    elif g.mode == CONV_FORWARD:
        for n in range(g.n0, g.n1):
            cols = x + n * g.image if g.pointwise else scratch
            if not g.pointwise:
                im2col_rows(scratch, x + n * g.image, g, 0, g.Kdim)
            out = y + n * g.F * g.L
            blas(dtype, False, False, g.F, g.L, g.Kdim, 1.0, w, g.Kdim, cols, g.L, 0.0,
                 out, g.L)
            if bias != NULL:      # after the product, while its output is in cache
                for f in range(g.F):
                    add_scalar(out + f * L, bias[f], L)
    elif g.mode == CONV_DATA_GRAD:
        for n in range(g.n0, g.n1):
            cols = x + n * g.image if g.pointwise else scratch
            blas(dtype, True, False, g.Kdim, g.L, g.F, 1.0, w, g.Kdim, y + n * g.F * g.L,
                 g.L, 0.0, cols, g.L)
            if not g.pointwise:
                col2im_image(x + n * g.image, scratch, g)
            if bias != NULL:      # a Deconvolution's bias, one per image channel
                plane = g.image // g.C
                for c in range(g.C):
                    add_scalar(x + n * g.image + c * plane, bias[c], plane)
    else:
        for n in range(g.n1):
            if g.pointwise:
                cols = x + n * g.image + g.k0 * g.L
            else:
                cols = scratch
                im2col_rows(scratch, x + n * g.image, g, g.k0, g.k1)
            blas(dtype, False, True, g.F, g.k1 - g.k0, g.L, 1.0, y + n * g.F * g.L, g.L,
                 cols, g.L, 0.0 if n == 0 else 1.0, w + g.k0, g.Kdim)


cdef void run_conv(void* p) noexcept nogil:
    """The native kernel of one part: runs on one of the device's worker threads."""
    cdef ConvCall* g = <ConvCall*>p
    if g.dtype == FLOAT32:
        conv_part(<float*>g.x, <float*>g.w, <float*>g.y, <float*>g.bias,
                  <float*>g.scratch, g)
    else:
        conv_part(<double*>g.x, <double*>g.w, <double*>g.y, <double*>g.bias,
                  <double*>g.scratch, g)


def conv_native_ready(ctx, int dtype, *buffers):
    """Whether conv_native can run these buffers: host BLAS, float32/64, host memory."""
    return host_blas(ctx.state, dtype) and all_on_host(buffers)


def conv_native_parts(ctx, long long work):
    """How many native kernels (each with its own scratch) a convolution of ``work``
    multiply-adds runs as."""
    return split_parts(ctx.state, work)


def conv_native(ctx, int mode, int dtype, geometry, long long N, long long F, int parts,
                Buffer x, long long off_x, Buffer w, long long off_w, Buffer y,
                long long off_y, Buffer bias, long long off_bias, Buffer scratch,
                long long off_scratch, long long block=0, long long band=0):
    """Enqueue a forward pass (mode 0), data gradient (1) or weight gradient (2) of a
    convolution with one group, in ``parts`` native kernels; ``geometry`` is (C, D, H, W,
    OD, OH, OW, KD, KH, KW, SD, SH, SW, PD, PH, PW, DD, DH, DW); offsets in elements;
    ``scratch`` holds parts * C*KS * L elements (C*KS * L for the weight gradient; unused
    for a pointwise convolution). ``block`` > 0: a 3x3 convolution with stride 1 and
    padding 1 by Winograd, ``block`` images or ``band`` tile rows at a time, in
    parts * winograd_scratch(C, F, H, W, block, band) elements of scratch.
    ``bias`` (or None) is added per channel of what is written: y's in the forward pass,
    x's in the data gradient (the forward pass of a Deconvolution).
    Shapes and ``conv_native_ready`` are the caller's job."""
    cdef DeviceState dev = ctx.state
    cdef ConvCall call
    cdef ConvCall pieces[MAX_PARTS]
    cdef int isz = dtype_size(dtype)
    cdef int i, n = 0
    cdef long long total, lo, hi, per_part
    memset(&call, 0, sizeof(call))
    (call.C, call.D, call.H, call.W, call.OD, call.OH, call.OW, call.KD, call.KH, call.KW,
     call.SD, call.SH, call.SW, call.PD, call.PH, call.PW, call.DD, call.DH,
     call.DW) = geometry
    call.dtype, call.mode, call.F = dtype, mode, F
    call.KS = call.KD * call.KH * call.KW
    call.Kdim = call.C * call.KS
    call.L = call.OD * call.OH * call.OW
    call.image = call.C * call.D * call.H * call.W
    call.pointwise = (call.KS == 1 and call.SD == 1 and call.SH == 1 and call.SW == 1
                      and call.PD == 0 and call.PH == 0 and call.PW == 0)
    call.x = <char*>x.host + off_x * isz
    call.w = <char*>w.host + off_w * isz
    call.y = <char*>y.host + off_y * isz
    call.bias = NULL if bias is None else <char*>bias.host + off_bias * isz
    call.block, call.band = block, band
    per_part = (winograd_scratch(call.C, F, call.H, call.W, block, band) if call.block
                else call.Kdim * call.L)
    if mode != CONV_WEIGHT_GRAD:
        total = N
    else:       # by Winograd: its output channels; else the rows of the columns
        total = F if call.block else call.Kdim
    parts = max(1, min(parts, split_parts(dev, 1) + len(dev.side_queues), total))
    for i in range(parts):
        lo, hi = total * i // parts, total * (i + 1) // parts
        if hi <= lo:
            continue
        pieces[n] = call
        # the weight gradient's parts build disjoint rows of one image's columns
        if mode == CONV_WEIGHT_GRAD and not call.block:
            pieces[n].scratch = <char*>scratch.host + (off_scratch + lo * call.L) * isz
        else:
            pieces[n].scratch = <char*>scratch.host + (off_scratch + i * per_part) * isz
        if mode == CONV_WEIGHT_GRAD:
            pieces[n].k0, pieces[n].k1, pieces[n].n1 = lo, hi, N
        else:
            pieces[n].n0, pieces[n].n1 = lo, hi
        n += 1
    dev.flush()       # pending fused ops producing the inputs run first
    enqueue_native_parts(dev, <native_fn>run_conv, pieces, sizeof(ConvCall), n,
                         "conv_winograd" if call.block else "conv_native")
