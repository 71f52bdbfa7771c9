"""Convolution's three products on the host BLAS as implicit GEMM (mxgrad/_gemm_conv.pxi):
the forward pass, the data gradient and the weight gradient, each building one image's
columns at a time in a scratch block that stays in cache instead of the batch's columns.

Used by ndarray/conv.py where ``usable`` says so (a CPU device whose buffers are host
memory, float32/float64, one group); the im2col/col2im kernels serve everything else.
"""
import os

from mxgrad import _gemm, _ndarray

FORWARD, DATA_GRAD, WEIGHT_GRAD = 0, 1, 2

# Tests switch this off to run the im2col/col2im path on the same device.
enabled = True

# 3x3 "same" convolutions (stride 1, padding 1) take Winograd's F(2x2, 3x3) for the forward
# pass, the data gradient and the weight gradient (mxgrad/_gemm_winograd.pxi) when their
# input and output channels both number at least WINOGRAD_MIN_CHANNELS (fewer make its 16
# products too thin for the BLAS) and the batch has at least WINOGRAD_MIN_TILES 2x2 output
# tiles (fewer do not pay for transforming the kernels). Measured forward + data gradient,
# batch 32: 1.4x (8 channels, 32x32) to 2.0x (16 channels, 32x32) faster; 8 images of 4x4
# with 256 channels 0.64x. Images go in blocks of about WINOGRAD_TILES tiles (one 16x16
# image: 64 beat 128 and 256), larger ones in bands of tile rows of about as many.
# MXGRAD_WINOGRAD=0 keeps every convolution on the im2col products (results then differ from
# MXNet's by the BLAS's summation order only).
WINOGRAD = os.environ.get("MXGRAD_WINOGRAD", "1") != "0"
WINOGRAD_MIN_CHANNELS = 8
WINOGRAD_MIN_TILES = 128
WINOGRAD_TILES = 64
# The weight gradient (sums of products of the transformed output gradients and inputs over
# the tiles): 1.2x-1.6x at 16 channels and more, level or slower at 8.
WINOGRAD_GRAD_MIN_CHANNELS = 16


def usable(groups, *arrays):
    """Whether the native path can run a convolution of these arrays (None: absent)."""
    if not enabled or groups != 1:
        return False
    first = arrays[0]
    if any(a is not None and a.size == 0 for a in arrays):
        return False
    return _gemm.conv_native_ready(first.context, first._dtype_code,
                                   *[a._buffer for a in arrays if a is not None])


def _prod(t):
    p = 1
    for v in t:
        p *= v
    return p


def run(mode, x, w, y, bias, g):
    """Enqueue one of the products; x (N, C, *image), w (F, C*KS), y (N, F, *out); the
    forward pass writes y, the data gradient x, the weight gradient w."""
    ctx = x.context
    N, C = x.shape[0], x.shape[1]
    F = w.shape[0]
    rows, L = C * _prod(g.kernel), _prod(g.out)
    pointwise = (g.kernel == (1, 1, 1) and g.stride == (1, 1, 1) and g.pad == (0, 0, 0))
    parts = min(_gemm.conv_native_parts(ctx, N * F * rows * L), rows if mode == WEIGHT_GRAD
                else N)
    block, band = _winograd_units(mode, g, N, C, F)
    if block:
        scratch_size = parts * _gemm.winograd_scratch(C, F, g.image[1], g.image[2], block,
                                                      band)
    elif pointwise:
        scratch_size = 1
    elif mode == WEIGHT_GRAD:
        scratch_size = rows * L
    else:
        scratch_size = parts * rows * L
    scratch = _ndarray.empty_array(ctx, (scratch_size,), x._dtype_code)
    geometry = (C,) + g.image + g.out + g.kernel + g.stride + g.pad + g.dilate
    _gemm.conv_native(ctx, mode, x._dtype_code, geometry, N, F, parts,
                      x._buffer, x._offset, w._buffer, w._offset, y._buffer, y._offset,
                      None if bias is None else bias._buffer,
                      0 if bias is None else bias._offset, scratch._buffer, scratch._offset,
                      block, band)


def _winograd_units(mode, g, N, C, F):
    """(images per block, tile rows per band) when Winograd runs this product, else (0, 0):
    whole images while one has at most WINOGRAD_TILES tiles, else bands of one image."""
    if (not WINOGRAD or g.kernel != (1, 3, 3) or g.stride != (1, 1, 1)
            or g.pad != (0, 1, 1) or g.dilate != (1, 1, 1) or g.image[0] != 1
            or min(C, F) < (WINOGRAD_GRAD_MIN_CHANNELS if mode == WEIGHT_GRAD
                            else WINOGRAD_MIN_CHANNELS)):
        return 0, 0
    rows, cols = (g.image[1] + 1) // 2, (g.image[2] + 1) // 2
    if N * rows * cols < WINOGRAD_MIN_TILES:
        return 0, 0
    if rows * cols <= WINOGRAD_TILES:
        return WINOGRAD_TILES // (rows * cols), rows
    return 1, max(1, WINOGRAD_TILES // cols)
