"""Convolution, Deconvolution, im2col and col2im (1-D, 2-D and 3-D, NCW/NCHW/NCDHW).

Convolution is im2col (kernels_cl/conv.cl: one work-item per column element, giving
per-sample columns (N, C*prod(kernel), L)) followed by ONE batched GEMM per group whose weight
operand is shared across the batch (stride 0), writing (N, F, L) straight into NCHW order.
Deconvolution is its adjoint: the transposed GEMM, then col2im (with the bias folded in).
On the host BLAS, a convolution of one group (float32/64) and its two gradients run instead
as implicit GEMM, one image's columns at a time (ndarray/_conv_native.py).

Gradients are written in recorded ops so they differentiate again: im2col and col2im are
each other's adjoint, and three products close the set (see _weight_matmul/_weight_grad):
for y[n] = W @ cols[n], dcols[n] = W^T @ g[n], dW = sum_n g[n] @ cols[n]^T. Convolution's
own gradients are the recorded ops _conv_data_grad and _conv_filter_grad, which close a set
with the convolution (see there).
"""
from collections import namedtuple

import numpy as np

from mxgrad import _gemm, _ndarray
from mxgrad._ndarray import NDArrayBase
from mxgrad._tape import is_recording, record_op, wants_grad
from mxgrad.base import MXNetError
from mxgrad.gradients import gradient_rule
from mxgrad.ndarray._deliver import deliver
from mxgrad.ndarray._kernels import family_kernel
from mxgrad.ndarray import _conv_native as _native

__all__ = ["Convolution", "Deconvolution", "im2col", "col2im"]

_LAYOUTS = {1: "NCW", 2: "NCHW", 3: "NCDHW"}

# A convolution seen from its input side, every axis triple padded to 3-D (leading 1s):
# image (D, H, W), out (OD, OH, OW), kernel, stride, pad, dilate. ``rank`` is 1, 2 or 3.
Geometry = namedtuple("Geometry", "rank image out kernel stride pad dilate")


# --- argument parsing ----------------------------------------------------------------------
def _as_tuple(op, name, value):
    if value is None:
        return ()
    if isinstance(value, (int, np.integer)):
        return (int(value),)
    try:
        return tuple(int(v) for v in value)
    except (TypeError, ValueError):
        raise MXNetError(f"{op}: {name} must be a tuple of ints, got {value!r}") from None


def _spatial_param(op, name, value, rank, default, minimum):
    """stride/dilate/pad/adj as a rank-tuple (``default`` when not given), checked."""
    t = _as_tuple(op, name, value)
    if not t:
        return (default,) * rank
    if len(t) != rank:
        raise MXNetError(f"{op}: {name} must have the same number of dimensions as kernel "
                         f"({rank}), got {name}={t}")
    if minimum is not None and any(v < minimum for v in t):
        raise MXNetError(f"{op}: every {name} must be at least {minimum}, got {name}={t}")
    return t


def _kernel_param(op, kernel):
    k = _as_tuple(op, "kernel", kernel)
    if not k:
        raise MXNetError(f"{op}: required parameter kernel is not given")
    if not 1 <= len(k) <= 3:
        raise MXNetError(f"{op}: only 1-D, 2-D and 3-D kernels are supported, got kernel={k}")
    if any(v <= 0 for v in k):
        raise MXNetError(f"{op}: kernel sizes must be positive, got kernel={k}")
    return k


def _check_data(op, data, rank, name="data"):
    if not isinstance(data, NDArrayBase):
        raise MXNetError(f"{op}: {name} must be an NDArray, got {type(data).__name__}")
    if data.ndim != rank + 2:
        raise MXNetError(f"{op}: {name} must be {rank + 2}-D ({_LAYOUTS[rank]}) for a {rank}-D "
                         f"kernel, got shape {data.shape}")
    if data._dtype_code not in (0, 1, 2):
        raise MXNetError(f"{op}: only float16/32/64 are supported, got "
                         f"{np.dtype(data.dtype).name}")


def _check_like(op, name, arr, data, shape):
    if not isinstance(arr, NDArrayBase):
        raise MXNetError(f"{op}: {name} must be an NDArray, got {type(arr).__name__}")
    if arr.shape != shape:
        raise MXNetError(f"{op}: {name} shape inconsistent, provided {arr.shape}, "
                         f"inferred {shape}")
    if arr.dtype != data.dtype:
        raise MXNetError(f"{op}: {name} has dtype {np.dtype(arr.dtype).name} but data has "
                         f"{np.dtype(data.dtype).name}; all inputs must share one dtype")
    if arr.context != data.context:
        raise MXNetError(f"{op}: {name} is on {arr.context} but data is on {data.context}")


def _check_layout(op, layout, rank):
    if layout is not None and layout != _LAYOUTS[rank]:
        raise MXNetError(f"{op}: layout {layout!r} is not supported for {rank}-D data; "
                         f"use {_LAYOUTS[rank]!r} (or None)")


def _check_num_filter(op, num_filter):
    if num_filter is None:
        raise MXNetError(f"{op}: required parameter num_filter is not given")
    if int(num_filter) < 1:
        raise MXNetError(f"{op}: num_filter must be at least 1, got {num_filter}")
    return int(num_filter)


def _pad3(t, fill):
    return (fill,) * (3 - len(t)) + tuple(t)


def _make_geometry(rank, image, out, kernel, stride, pad, dilate):
    return Geometry(rank, _pad3(image, 1), _pad3(out, 1), _pad3(kernel, 1), _pad3(stride, 1),
                    _pad3(pad, 0), _pad3(dilate, 1))


def _conv_out_size(op, size, k, s, p, d, axis):
    dk = d * (k - 1) + 1
    if dk > size + 2 * p:
        raise MXNetError(f"{op}: kernel size exceeds input on spatial axis {axis}: dilated "
                         f"kernel {dk} > input {size} padded to {size + 2 * p}")
    return (size + 2 * p - dk) // s + 1


def _sliding_geometry(op, spatial, kernel, stride, dilate, pad):
    """Geometry of a sliding window over ``spatial`` (im2col/Convolution's rules)."""
    rank = len(kernel)
    stride = _spatial_param(op, "stride", stride, rank, 1, 1)
    dilate = _spatial_param(op, "dilate", dilate, rank, 1, 1)
    pad = _spatial_param(op, "pad", pad, rank, 0, None)
    out = tuple(_conv_out_size(op, spatial[i], kernel[i], stride[i], pad[i], dilate[i], i)
                for i in range(rank))
    return _make_geometry(rank, spatial, out, kernel, stride, pad, dilate)


def _geometry_attrs(g):
    r = g.rank
    return {"kernel": g.kernel[3 - r:], "stride": g.stride[3 - r:], "dilate": g.dilate[3 - r:],
            "pad": g.pad[3 - r:]}


# --- kernels ---------------------------------------------------------------------------------
def _set_geometry(k, first, channels, g):
    args = (channels,) + g.image + g.out + g.kernel + g.stride + g.pad + g.dilate
    for i, v in enumerate(args):
        k.set_arg_long(first + i, v)


def _prod(t):
    p = 1
    for v in t:
        p *= v
    return p


_MAX_GROUP = 256      # work-items per group: within every OpenCL device's limit


def _largest_divisor(n, limit):
    for d in range(min(n, limit), 0, -1):
        if n % d == 0:
            return d
    return 1


def grid_local_size(gsize):
    """Work-group shape for a 3-D grid whose first axis is an image row: whole rows (or the
    largest divisor of a row that fits) times as many rows as fit in _MAX_GROUP.

    PoCL vectorizes a work-group along its first axis; left to itself it picked groups that
    made im2col 5-10x slower whenever the row length was not a multiple of 16.
    """
    x = _largest_divisor(gsize[0], _MAX_GROUP)
    return (x, _largest_divisor(gsize[1], _MAX_GROUP // x), 1)


def _enqueue_im2col(x, g):
    """Columns (N, C*prod(kernel), L) of image x (N, C, *spatial)."""
    N, C = x.shape[0], x.shape[1]
    cols = _ndarray.empty_array(x.context, (N, C * _prod(g.kernel), _prod(g.out)),
                                x._dtype_code)
    if cols.size:
        k = family_kernel(x.context, "conv", "im2col", x._dtype_code)
        k.set_args(0, cols._buffer, cols._offset, x._buffer, x._offset)
        _set_geometry(k, 4, C, g)
        grid = (g.out[2], g.out[0] * g.out[1], cols.shape[0] * cols.shape[1])
        x.context.state.launch_grid(k, grid, grid_local_size(grid))
    return cols


def _enqueue_col2im(cols, g, channels, bias=None):
    """Image (N, channels, *spatial) summing the columns back; plus bias[c] if given."""
    N = cols.shape[0]
    shape = (N, channels) + g.image[3 - g.rank:]
    x = _ndarray.empty_array(cols.context, shape, cols._dtype_code)
    if x.size:
        window = (" -D WIN_C=1 -D CK_D={} -D CK_H={} -D CK_W={} -D CS_D={} -D CS_H={}"
                  " -D CS_W={} -D CP_D={} -D CP_H={} -D CP_W={} -D CDL_D={} -D CDL_H={}"
                  " -D CDL_W={}").format(*g.kernel, *g.stride, *g.pad, *g.dilate)
        k = family_kernel(cols.context, "conv", "col2im", cols._dtype_code,
                          f"-D HAS_BIAS={int(bias is not None)}" + window)
        k.set_args(0, x._buffer, x._offset, cols._buffer, cols._offset)
        _set_geometry(k, 4, channels, g)
        if bias is not None:
            k.set_arg_mem(23, bias._buffer)
            k.set_arg_long(24, bias._offset)
        grid = (g.image[2], g.image[0] * g.image[1], N * channels)
        cols.context.state.launch_grid(k, grid, grid_local_size(grid))
    return x


def _enqueue_bias_fill(out, bias):
    """out (N, F, ...) = bias[f] everywhere (a GEMM with beta=1 then adds onto it)."""
    k = family_kernel(out.context, "conv", "bias_fill", out._dtype_code)
    N, F = out.shape[0], out.shape[1]
    L = out.size // (N * F)
    k.set_args(0, out._buffer, out._offset, bias._buffer, bias._offset)
    k.set_arg_int(4, F)
    k.set_arg_long(5, L)
    grid = (L, N * F, 1)
    out.context.state.launch_grid(k, grid, grid_local_size(grid))


def _enqueue_weight_matmul(w, x, out, transpose, groups, beta=0.0):
    """out[n] = W_g @ x[n] per group (or W_g^T @ x[n]); W (F, Kg) is shared by the batch.

    Untransposed: x (N, G*Kg, L) -> out (N, F, L). Transposed: x (N, F, L) -> out (N, G*Kg, L).
    """
    F, Kg = w.shape
    N, L = x.shape[0], x.shape[2]
    Fg = F // groups
    x_rows, o_rows = (F, groups * Kg) if transpose else (groups * Kg, F)
    M, K = (Kg, Fg) if transpose else (Fg, Kg)
    for gi in range(groups):
        _gemm.gemm(w.context, transpose, False, M, L, K, 1.0,
                   w._buffer, w._offset + gi * Fg * Kg, Kg, 0,
                   x._buffer, x._offset + gi * K * L, L, x_rows * L, beta,
                   out._buffer, out._offset + gi * M * L, L, o_rows * L, N, w._dtype_code)


# --- the closed set of products behind the gradients -----------------------------------------
def _weight_matmul(w, x, transpose, groups):
    """Recorded ``out[n] = W @ x[n]`` (``W^T @ x[n]`` if transpose), per group; W is (F, Kg)."""
    F, Kg = w.shape
    N, L = x.shape[0], x.shape[2]
    rows = groups * Kg if transpose else F
    out = _ndarray.empty_array(w.context, (N, rows, L), w._dtype_code)
    if out.size:
        _enqueue_weight_matmul(w, x, out, transpose, groups)
    if is_recording():
        record_op("_conv_weight_matmul", (w, x), (out,), _weight_matmul_rule,
                  (transpose, groups),
                  replay=lambda a, b: _weight_matmul(a, b, transpose, groups),
                  attrs={"transpose": transpose, "num_group": groups}, save_outputs=False)
    return out


@gradient_rule("_conv_weight_matmul")
def _weight_matmul_rule(saved, inputs, outputs, out_grads):
    transpose, groups = saved
    w, x = inputs
    g = out_grads[0]
    dw = dx = None
    if wants_grad(w):
        dw = _weight_grad(x, g, groups) if transpose else _weight_grad(g, x, groups)
    if wants_grad(x):
        dx = _weight_matmul(w, g, not transpose, groups)
    return dw, dx


def _weight_grad(a, b, groups):
    """Recorded ``sum_n a[n] @ b[n]^T`` per group: a (N, F, L), b (N, G*Kg, L) -> (F, Kg)."""
    out = _enqueue_weight_grad(a, b, groups)
    _record_weight_grad(a, b, out, groups)
    return out


def _enqueue_weight_grad(a, b, groups):
    """``sum_n a[n] @ b[n]^T`` per group, unrecorded. On the host BLAS the batch's products
    add up in the result inside one call; elsewhere (the OpenCL GEMM runs a batch in
    parallel) they are written per sample and summed."""
    N, F, L = a.shape
    Kg = b.shape[1] // groups
    Fg = F // groups
    code = a._dtype_code
    out = _ndarray.empty_array(a.context, (F, Kg), code)
    if N == 0 or L == 0:
        out._fill(0)         # an empty sum; the GEMM writes nothing for an empty batch
        return out
    summed = N == 1 or _gemm.sums_batches(a.context, a._buffer, b._buffer, out._buffer, code)
    dst = out if summed else _ndarray.empty_array(a.context, (N, F, Kg), code)
    if out.size:
        for gi in range(groups):
            _gemm.gemm(a.context, False, True, Fg, Kg, L, 1.0,
                       a._buffer, a._offset + gi * Fg * L, L, F * L,
                       b._buffer, b._offset + gi * Kg * L, L, groups * Kg * L, 0.0,
                       dst._buffer, dst._offset + gi * Fg * Kg, Kg, 0 if summed else F * Kg,
                       N, code)
        if not summed:
            k = family_kernel(a.context, "conv", "batch_sum", code)
            k.set_args(0, out._buffer, out._offset, dst._buffer, dst._offset, out.size, N)
            a.context.state.launch_1d(k, out.size, N)
    return out


def _record_weight_grad(a, b, out, groups):
    if is_recording():
        record_op("_conv_weight_grad", (a, b), (out,), _weight_grad_rule, groups,
                  replay=lambda x, y: _weight_grad(x, y, groups),
                  attrs={"num_group": groups}, save_outputs=False)


@gradient_rule("_conv_weight_grad")
def _weight_grad_rule(groups, inputs, outputs, out_grads):
    a, b = inputs
    h = out_grads[0]
    da = _weight_matmul(h, b, False, groups) if wants_grad(a) else None
    db = _weight_matmul(h, a, True, groups) if wants_grad(b) else None
    return da, db


def _channel_sum(g3):
    """Recorded sum of g (N, F, L) over N and L, as two products with ones -> (F,)."""
    from mxgrad.ndarray.creation import ones
    from mxgrad.ndarray.linalg import dot
    N, F, L = g3.shape
    per_channel = dot(ones((N,), g3.context, g3.dtype), g3.reshape((N, F * L)))
    return dot(per_channel.reshape((F, L)), ones((L,), g3.context, g3.dtype))


# --- im2col / col2im -------------------------------------------------------------------------
def _im2col(data, g):
    cols = _enqueue_im2col(data, g)
    if is_recording():
        record_op("im2col", (data,), (cols,), _im2col_rule, g,
                  replay=lambda x: _im2col(x, g), attrs=_geometry_attrs(g), save_outputs=False)
    return cols


@gradient_rule("im2col")
def _im2col_rule(g, inputs, outputs, out_grads):
    return (_col2im(out_grads[0], g, inputs[0].shape[1]),)


def _col2im(cols, g, channels):
    img = _enqueue_col2im(cols, g, channels)
    if is_recording():
        attrs = _geometry_attrs(g)
        attrs["output_size"] = g.image[3 - g.rank:]
        record_op("col2im", (cols,), (img,), _col2im_rule, g,
                  replay=lambda c: _col2im(c, g, channels), attrs=attrs, save_outputs=False)
    return img


@gradient_rule("col2im")
def _col2im_rule(g, inputs, outputs, out_grads):
    return (_im2col(out_grads[0], g),)


def im2col(data, kernel=None, stride=(), dilate=(), pad=(), out=None, name=None):
    """Sliding blocks of ``(N, C, *spatial)`` data as columns ``(N, C*prod(kernel), L)``,
    where L is the number of blocks (the spatial size a convolution with the same arguments
    gives).

    >>> x = mx.nd.arange(9).reshape((1, 1, 3, 3))
    >>> mx.nd.im2col(x, kernel=(2, 2))             # column j: the j-th 2x2 block, flattened
    <BLANKLINE>
    [[[0. 1. 3. 4.]
      [1. 2. 4. 5.]
      [3. 4. 6. 7.]
      [4. 5. 7. 8.]]]
    <NDArray 1x4x4 @cpu(0)>
    """
    k = _kernel_param("im2col", kernel)
    _check_data("im2col", data, len(k))
    g = _sliding_geometry("im2col", data.shape[2:], k, stride, dilate, pad)
    return deliver("im2col", _im2col(data, g), out)


def col2im(data, output_size=None, kernel=None, stride=(), dilate=(), pad=(), out=None,
           name=None):
    """Sum columns ``(N, C*prod(kernel), L)`` back into an image ``(N, C, *output_size)``: the
    adjoint (and gradient) of im2col, overlapping blocks accumulate.

    >>> cols = mx.nd.ones((1, 4, 4))
    >>> mx.nd.col2im(cols, output_size=(3, 3), kernel=(2, 2))   # how many blocks cover each pixel
    <BLANKLINE>
    [[[[1. 2. 1.]
       [2. 4. 2.]
       [1. 2. 1.]]]]
    <NDArray 1x1x3x3 @cpu(0)>
    """
    k = _kernel_param("col2im", kernel)
    size = _as_tuple("col2im", "output_size", output_size)
    if len(size) != len(k):
        raise MXNetError(f"col2im: output_size {size} must have as many dimensions as "
                         f"kernel {k}")
    if not isinstance(data, NDArrayBase) or data.ndim != 3:
        raise MXNetError(f"col2im: data must be a 3-D NDArray (N, C*prod(kernel), L), got "
                         f"{getattr(data, 'shape', type(data).__name__)}")
    if data._dtype_code not in (0, 1, 2):
        raise MXNetError(f"col2im: only float16/32/64 are supported, got "
                         f"{np.dtype(data.dtype).name}")
    g = _sliding_geometry("col2im", size, k, stride, dilate, pad)
    KS, L = _prod(g.kernel), _prod(g.out)
    if data.shape[1] % KS or data.shape[2] != L:
        raise MXNetError(f"col2im: data of shape {data.shape} does not fit kernel {k} over "
                         f"output_size {size}: expected (N, C*{KS}, {L})")
    return deliver("col2im", _col2im(data, g, data.shape[1] // KS), out)


# --- Convolution -----------------------------------------------------------------------------
def _check_groups(op, num_group, channels, num_filter):
    groups = int(num_group)
    if groups < 1:
        raise MXNetError(f"{op}: num_group must be at least 1, got {num_group}")
    if channels % groups or num_filter % groups:
        raise MXNetError(f"{op}: num_group {groups} must divide both the input channels "
                         f"({channels}) and num_filter ({num_filter})")
    return groups


def _check_bias(op, bias, no_bias, data, num_filter):
    if no_bias:
        if bias is not None:
            raise MXNetError(f"{op}: no_bias=True but a bias was given (expects 2 inputs, "
                             f"got 3)")
        return None
    if bias is None:
        raise MXNetError(f"{op}: bias is required unless no_bias=True (expects 3 inputs, "
                         f"got 2)")
    _check_like(op, "bias", bias, data, (num_filter,))
    return bias


def Convolution(data=None, weight=None, bias=None, kernel=None, stride=(), dilate=(), pad=(),
                num_filter=None, num_group=1, workspace=1024, no_bias=False, cudnn_tune=None,
                cudnn_off=False, layout=None, out=None, name=None):
    """Convolution of ``(N, C, *spatial)`` data with ``(num_filter, C/num_group, *kernel)``
    weights, plus a (num_filter,) bias unless no_bias. 1-D, 2-D or 3-D; NCW/NCHW/NCDHW
    layouts.

    Output spatial size per axis: (size + 2*pad - (dilate*(kernel-1) + 1)) // stride + 1.

    >>> x = mx.nd.arange(16).reshape((1, 1, 4, 4))
    >>> w = mx.nd.ones((1, 1, 2, 2))
    >>> mx.nd.Convolution(x, w, kernel=(2, 2), num_filter=1, no_bias=True)
    <BLANKLINE>
    [[[[10. 14. 18.]
       [26. 30. 34.]
       [42. 46. 50.]]]]
    <NDArray 1x1x3x3 @cpu(0)>
    >>> w8 = mx.nd.ones((8, 1, 3, 3))
    >>> mx.nd.Convolution(x, w8, mx.nd.zeros(8), kernel=(3, 3), pad=(1, 1), stride=(2, 2),
    ...                   num_filter=8).shape
    (1, 8, 2, 2)
    """
    op = "Convolution"
    k = _kernel_param(op, kernel)
    F = _check_num_filter(op, num_filter)
    rank = len(k)
    _check_data(op, data, rank)
    _check_layout(op, layout, rank)
    C = data.shape[1]
    groups = _check_groups(op, num_group, C, F)
    _check_like(op, "weight", weight, data, (F, C // groups) + k)
    bias = _check_bias(op, bias, no_bias, data, F)
    g = _sliding_geometry(op, data.shape[2:], k, stride, dilate, pad)
    return deliver(op, _convolution(data, weight, bias, g, groups), out)


def _convolution(data, weight, bias, g, groups):
    """Recorded convolution (bias None: without); its gradients are the recorded products
    _conv_data_grad, _conv_filter_grad and a channel sum."""
    result = _conv_forward(data, weight, bias, g, groups)
    if is_recording():
        inputs = (data, weight) if bias is None else (data, weight, bias)
        attrs = dict(_geometry_attrs(g), num_filter=weight.shape[0], num_group=groups,
                     no_bias=bias is None)
        record_op("Convolution", inputs, (result,), _conv_rule, (g, groups),
                  replay=lambda *xs: _conv_forward(xs[0], xs[1], xs[2] if len(xs) > 2 else None,
                                                   g, groups),
                  attrs=attrs, save_outputs=False)
    return result


def _is_pointwise(g):
    return g.kernel == (1, 1, 1) and g.stride == (1, 1, 1) and g.pad == (0, 0, 0)


def _conv_forward(data, weight, bias, g, groups):
    N, F = data.shape[0], weight.shape[0]
    result = _ndarray.empty_array(data.context, (N, F) + g.out[3 - g.rank:], data._dtype_code)
    if not result.size:
        return result
    L = _prod(g.out)
    if _native.usable(groups, data, weight, bias):
        w2 = _ndarray.view_of(weight, (F, weight.size // F), weight._offset)
        _native.run(_native.FORWARD, data, w2, result, bias, g)
        return result
    if _is_pointwise(g):        # a 1x1 convolution's columns are the data itself
        cols = _ndarray.view_of(data, (N, data.shape[1], L), data._offset)
    else:
        cols = _enqueue_im2col(data, g)
    w2 = _ndarray.view_of(weight, (F, weight.size // F), weight._offset)
    out3 = _ndarray.view_of(result, (N, F, L), result._offset)
    if bias is not None:
        _enqueue_bias_fill(out3, bias)
    _enqueue_weight_matmul(w2, cols, out3, False, groups, beta=0.0 if bias is None else 1.0)
    return result


@gradient_rule("Convolution")
def _conv_rule(saved, inputs, outputs, out_grads):
    g, groups = saved
    data, weight = inputs[0], inputs[1]
    gy = out_grads[0]
    d_data = d_weight = d_bias = None
    if wants_grad(data):
        d_data = _conv_data_grad(weight, gy, g, groups, data.shape[1])
    if wants_grad(weight):
        d_weight = _conv_filter_grad(gy, data, g, groups, weight.shape)
    if len(inputs) > 2 and wants_grad(inputs[2]):
        N, F = gy.shape[0], gy.shape[1]
        d_bias = _channel_sum(gy.reshape((N, F, _prod(g.out))))
    return (d_data, d_weight) if len(inputs) == 2 else (d_data, d_weight, d_bias)


# The data and weight gradients close a set with the convolution itself (linear in each
# input): for y = conv(x, W), dx = data_grad(W, gy) and dW = filter_grad(gy, x); the
# gradients of data_grad(W, gy) are filter_grad(gy, h) and conv(h, W), those of
# filter_grad(gy, x) are conv(x, H) and data_grad(H, gy).
def _conv_data_grad(weight, gy, g, groups, channels):
    """Recorded col2im(W^T @ gy[n]): the data gradient (N, channels, *image)."""
    N, F = gy.shape[0], weight.shape[0]
    shape = (N, channels) + g.image[3 - g.rank:]
    w2 = _ndarray.view_of(weight, (F, weight.size // F), weight._offset)
    if _native.usable(groups, gy, weight):
        dx = _ndarray.empty_array(gy.context, shape, gy._dtype_code)
        _native.run(_native.DATA_GRAD, dx, w2, gy, None, g)
    else:
        L = _prod(g.out)
        g3 = _ndarray.view_of(gy, (N, F, L), gy._offset)
        cols = _ndarray.empty_array(gy.context, (N, channels * _prod(g.kernel), L),
                                    gy._dtype_code)
        if cols.size:
            _enqueue_weight_matmul(w2, g3, cols, True, groups)
        dx = _enqueue_col2im(cols, g, channels)
    if is_recording():
        record_op("_conv_data_grad", (weight, gy), (dx,), _data_grad_rule, (g, groups),
                  replay=lambda a, b: _conv_data_grad(a, b, g, groups, channels),
                  attrs=dict(_geometry_attrs(g), num_group=groups), save_outputs=False)
    return dx


@gradient_rule("_conv_data_grad")
def _data_grad_rule(saved, inputs, outputs, out_grads):
    g, groups = saved
    weight, gy = inputs
    h = out_grads[0]
    dw = _conv_filter_grad(gy, h, g, groups, weight.shape) if wants_grad(weight) else None
    dgy = _convolution(h, weight, None, g, groups) if wants_grad(gy) else None
    return dw, dgy


def _conv_filter_grad(gy, data, g, groups, shape):
    """Recorded sum_n gy[n] @ im2col(data)[n]^T: the weight gradient, of ``shape``."""
    N, F = gy.shape[0], gy.shape[1]
    if _native.usable(groups, gy, data):
        dw = _ndarray.empty_array(gy.context, shape, gy._dtype_code)
        w2 = _ndarray.view_of(dw, (F, dw.size // F), dw._offset)
        _native.run(_native.WEIGHT_GRAD, data, w2, gy, None, g)
    else:
        g3 = _ndarray.view_of(gy, (N, F, _prod(g.out)), gy._offset)
        flat = _enqueue_weight_grad(g3, _enqueue_im2col(data, g), groups)
        dw = _ndarray.view_of(flat, shape, flat._offset)
    if is_recording():
        record_op("_conv_filter_grad", (gy, data), (dw,), _filter_grad_rule, (g, groups),
                  replay=lambda a, b: _conv_filter_grad(a, b, g, groups, shape),
                  attrs=dict(_geometry_attrs(g), num_group=groups), save_outputs=False)
    return dw


@gradient_rule("_conv_filter_grad")
def _filter_grad_rule(saved, inputs, outputs, out_grads):
    g, groups = saved
    gy, data = inputs
    h = out_grads[0]
    dgy = _convolution(data, h, None, g, groups) if wants_grad(gy) else None
    dx = _conv_data_grad(h, gy, g, groups, data.shape[1]) if wants_grad(data) else None
    return dgy, dx


# --- Deconvolution ---------------------------------------------------------------------------
def _deconv_geometry(op, spatial, kernel, stride, dilate, pad, adj, target_shape):
    """Geometry of the convolution whose adjoint this deconvolution is (image = the output).

    A non-zero target_shape overrides pad and adj: the surplus over the target is split
    between both sides as pad, an odd remainder going to adj.
    """
    rank = len(kernel)
    stride = _spatial_param(op, "stride", stride, rank, 1, 1)
    dilate = _spatial_param(op, "dilate", dilate, rank, 1, 1)
    pad = _spatial_param(op, "pad", pad, rank, 0, None)
    adj = _spatial_param(op, "adj", adj, rank, 0, 0)
    target = _as_tuple(op, "target_shape", target_shape)
    if any(target):
        if len(target) != rank:
            raise MXNetError(f"{op}: target_shape {target} must have as many dimensions as "
                             f"kernel {kernel}")
        pad, adj = [], []
        for i in range(rank):
            full = stride[i] * (spatial[i] - 1) + dilate[i] * (kernel[i] - 1) + 1
            if full < target[i]:
                raise MXNetError(f"{op}: target_shape {target} is too big: at most {full} "
                                 f"on spatial axis {i}")
            surplus = full - target[i]
            pad.append((surplus + 1) // 2)
            adj.append(surplus % 2)
    out = []
    for i in range(rank):
        if adj[i] > stride[i] - 1:
            raise MXNetError(f"{op}: adj must be smaller than stride, got adj={tuple(adj)} "
                             f"with stride={stride}")
        size = (stride[i] * (spatial[i] - 1) + dilate[i] * (kernel[i] - 1) + 1
                - 2 * pad[i] + adj[i])
        if size <= 0 and not (any(target) and target[i] == 0):
            raise MXNetError(f"{op}: output size on spatial axis {i} would be {size} "
                             f"(input {spatial[i]}, kernel {kernel[i]}, pad {pad[i]})")
        out.append(max(size, 0))
    return _make_geometry(rank, tuple(out), tuple(spatial), kernel, stride, tuple(pad), dilate)


def Deconvolution(data=None, weight=None, bias=None, kernel=None, stride=(), dilate=(), pad=(),
                  adj=(), target_shape=(), num_filter=None, num_group=1, workspace=512,
                  no_bias=True, cudnn_tune=None, cudnn_off=False, layout=None, out=None,
                  name=None):
    """Transposed convolution (the adjoint of Convolution): ``(N, C, *spatial)`` data with
    ``(C, num_filter/num_group, *kernel)`` weights, plus a bias only if no_bias=False.

    Output size per axis: stride*(size-1) + dilate*(kernel-1) + 1 - 2*pad + adj, or
    target_shape when given (pad and adj are then derived from it).

    >>> x = mx.nd.array([[[[1, 2], [3, 4]]]])
    >>> w = mx.nd.ones((1, 1, 2, 2))
    >>> mx.nd.Deconvolution(x, w, kernel=(2, 2), num_filter=1)
    <BLANKLINE>
    [[[[ 1.  3.  2.]
       [ 4. 10.  6.]
       [ 3.  7.  4.]]]]
    <NDArray 1x1x3x3 @cpu(0)>
    >>> mx.nd.Deconvolution(x, w, kernel=(2, 2), stride=(2, 2), num_filter=1).shape
    (1, 1, 4, 4)
    """
    op = "Deconvolution"
    k = _kernel_param(op, kernel)
    F = _check_num_filter(op, num_filter)
    rank = len(k)
    _check_data(op, data, rank)
    _check_layout(op, layout, rank)
    C = data.shape[1]
    groups = _check_groups(op, num_group, C, F)
    _check_like(op, "weight", weight, data, (C, F // groups) + k)
    bias = _check_bias(op, bias, no_bias, data, F)
    g = _deconv_geometry(op, data.shape[2:], k, stride, dilate, pad, adj, target_shape)
    result = _deconv_forward(data, weight, bias, g, groups)
    if is_recording():
        inputs = (data, weight) if bias is None else (data, weight, bias)
        attrs = dict(_geometry_attrs(g), num_filter=F, num_group=groups,
                     no_bias=bias is None)
        attrs["adj"] = _as_tuple(op, "adj", adj) or (0,) * rank
        if any(_as_tuple(op, "target_shape", target_shape)):
            attrs["target_shape"] = _as_tuple(op, "target_shape", target_shape)
        record_op(op, inputs, (result,), _deconv_rule, (g, groups),
                  replay=lambda *xs: _deconv_forward(xs[0], xs[1],
                                                     xs[2] if len(xs) > 2 else None, g, groups),
                  attrs=attrs, save_outputs=False)
    return deliver(op, result, out)


def _deconv_forward(data, weight, bias, g, groups):
    N, C = data.shape[0], data.shape[1]
    F = weight.shape[1] * groups
    L = _prod(g.out)
    if N * C * L == 0 or _prod(g.image) == 0:
        return _ndarray.empty_array(data.context, (N, F) + g.image[3 - g.rank:],
                                    data._dtype_code)
    w2 = _ndarray.view_of(weight, (C, weight.size // C), weight._offset)
    if _native.usable(groups, data, weight, bias):
        # the data gradient of the convolution whose adjoint this is, plus the bias
        result = _ndarray.empty_array(data.context, (N, F) + g.image[3 - g.rank:],
                                      data._dtype_code)
        _native.run(_native.DATA_GRAD, result, w2, data, bias, g)
        return result
    x3 = _ndarray.view_of(data, (N, C, L), data._offset)
    cols = _ndarray.empty_array(data.context, (N, F * _prod(g.kernel), L), data._dtype_code)
    _enqueue_weight_matmul(w2, x3, cols, True, groups)
    return _enqueue_col2im(cols, g, F, bias)


@gradient_rule("Deconvolution")
def _deconv_rule(saved, inputs, outputs, out_grads):
    # the adjoint of the convolution with geometry g: its data gradient is that convolution
    # of gy, its weight gradient that convolution's weight gradient with the roles of the
    # data and the output gradient swapped
    g, groups = saved
    data, weight = inputs[0], inputs[1]
    gy = out_grads[0]
    d_data = d_weight = d_bias = None
    if _native.usable(groups, gy, weight, data):
        if wants_grad(data):
            d_data = _convolution(gy, weight, None, g, groups)
        if wants_grad(weight):
            d_weight = _conv_filter_grad(data, gy, g, groups, weight.shape)
    else:       # the kernels: one column matrix of gy serves both products
        N, C = data.shape[0], data.shape[1]
        g_cols = _im2col(gy, g)
        w2 = weight.reshape((C, -1))
        if wants_grad(data):
            d_data = _weight_matmul(w2, g_cols, False, groups).reshape(data.shape)
        if wants_grad(weight):
            d_weight = _weight_grad(data.reshape((N, C, _prod(g.out))), g_cols,
                                    groups).reshape(weight.shape)
    if len(inputs) > 2 and wants_grad(inputs[2]):
        d_bias = _channel_sum(gy.reshape((gy.shape[0], gy.shape[1], -1)))
    return (d_data, d_weight) if len(inputs) == 2 else (d_data, d_weight, d_bias)
