"""Convolution's three products on the host BLAS as implicit GEMM (mxgrad/_gemm_conv.pxi):
the forward pass, the data gradient and the weight gradient, each building one image's
columns at a time in a scratch block that stays in cache instead of the batch's columns.

Used by ndarray/conv.py where ``usable`` says so (a CPU device whose buffers are host
memory, float32/float64, one group); the im2col/col2im kernels serve everything else.
"""
from mxgrad import _gemm, _ndarray

FORWARD, DATA_GRAD, WEIGHT_GRAD = 0, 1, 2

# Tests switch this off to run the im2col/col2im path on the same device.
enabled = True


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
    if pointwise:
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
                      0 if bias is None else bias._offset, scratch._buffer, scratch._offset)
