"""Resizing images: contrib.BilinearResize2D, contrib.AdaptiveAvgPooling2D and UpSampling,
as MXNet 1.9.1 has them.

The resizes are fixed linear maps of each plane, known from the shapes: their taps (a few
pixels per output pixel and their weights) are made on the host once per geometry and
kept, then applied with the taps engine (``_taps``: a gather and its atomic-free adjoint)
and a weighted sum, so they differentiate to any order. Nearest UpSampling repeats pixels;
bilinear UpSampling is MXNet's grouped deconvolution with the given weight.
"""
import math
import numbers

import numpy as np

from mxgrad._ndarray import NDArrayBase
from mxgrad.base import MXNetError
from mxgrad.ndarray import _taps
from mxgrad.ndarray._deliver import check_out, deliver
from mxgrad.ndarray.broadcast import repeat
from mxgrad.ndarray.conv import Deconvolution
from mxgrad.ndarray.creation import array, zeros
from mxgrad.ndarray.join import concat
from mxgrad.ndarray.sampler import check_float

__all__ = ["UpSampling"]      # the other two are mx.nd.contrib names only

_RESIZE_MODES = ("size", "odd_scale", "like", "to_even_down", "to_even_up", "to_odd_down",
                 "to_odd_up")
_CACHE_LIMIT = 16
_plane_maps = {}        # (ctx, dtype, kind, geometry) -> (Taps, weights NDArray)


def _check_image(op, data):
    check_float(op, "data", data)
    if data.ndim != 4:
        raise MXNetError(f"{op}: data must be 4-D (N, C, H, W), got shape {data.shape}")


def _plane_map(data, kind, geometry, make):
    """The taps and weights (1, Q, K) of a per-plane linear map, made by ``make()`` on the host
    as (table (Q, K) of pixels, -1 for none; weights (Q, K)) and kept per geometry."""
    key = (data.context, data.dtype, kind, geometry)
    hit = _plane_maps.get(key)
    if hit is None:
        table, weights = make()
        if len(_plane_maps) >= _CACHE_LIMIT:
            _plane_maps.pop(next(iter(_plane_maps)))
        S = data.shape[2] * data.shape[3]
        taps = _taps.Taps.from_numpy(kind, data.context, table.reshape(1, -1), [0], 1, S)
        weights = array(weights[None], ctx=data.context, dtype=data.dtype)      # (1, Q, K)
        hit = _plane_maps[key] = (taps, weights)
    return hit


def _apply_plane_map(data, taps, weights, out_hw):
    """Every plane of data mapped: sum over k of weights[q, k] * plane[table[q, k]]."""
    N, C = data.shape[:2]
    if data.size == 0:          # no planes, or empty ones (which read as zeros)
        return zeros((N, C) + out_hw, ctx=data.context, dtype=data.dtype)
    return _taps.weighted(data, taps, N * C, weights).reshape((N, C) + out_hw)


# --- BilinearResize2D ------------------------------------------------------------------------
def _source_coords(n_in, n_out, align_corners):
    """For each output row: (first source row, second source row, weight of the second)."""
    o = np.arange(n_out, dtype=np.float64)
    if align_corners:
        real = o * ((n_in - 1) / (n_out - 1) if n_out > 1 else 0.0)
    else:
        real = np.maximum((o + 0.5) * (n_in / n_out) - 0.5, 0.0)
    first = np.minimum(np.floor(real).astype(np.int64), n_in - 1)
    second = np.where(first < n_in - 1, first + 1, first)
    return first, second, real - first


def _bilinear_map(H, W, OH, OW, align_corners):
    def make():
        h0, h1, lh = _source_coords(H, OH, align_corners)
        w0, w1, lw = _source_coords(W, OW, align_corners)
        rows = [(h0, 1 - lh), (h1, lh)]
        cols = [(w0, 1 - lw), (w1, lw)]
        table = np.stack([r[:, None] * W + c[None, :] for r, _ in rows for c, _ in cols],
                         axis=-1)
        weights = np.stack([rw[:, None] * cw[None, :] for _, rw in rows for _, cw in cols],
                           axis=-1)
        return table.reshape(OH * OW, 4), weights.reshape(OH * OW, 4)
    return make


def _positive_int(op, name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise MXNetError(f"{op}: {name} must be an int >= 1, got {value!r}")
    return int(value)


def _resize_shape(op, data, like, height, width, scale_height, scale_width, mode):
    H, W = data.shape[2:]
    if mode == "like":
        if not isinstance(like, NDArrayBase) or like.ndim != 4:
            raise MXNetError(f"{op}: mode='like' needs a 4-D array `like`, got "
                             f"{type(like).__name__ if like is None else like.shape}")
        return like.shape[2:]
    if like is not None:
        raise MXNetError(f"{op}: `like` is only taken with mode='like', got mode={mode!r}")
    for name, s in (("scale_height", scale_height), ("scale_width", scale_width)):
        if s is not None and (isinstance(s, bool) or not isinstance(s, numbers.Real)
                              or not s > 0):
            raise MXNetError(f"{op}: {name} must be a positive number, got {s!r}")
    if mode == "size":
        oh = int(scale_height * H) if scale_height is not None else height
        ow = int(scale_width * W) if scale_width is not None else width
        return _positive_int(op, "height", oh), _positive_int(op, "width", ow)
    if mode == "odd_scale":
        if scale_height is None or scale_width is None:
            raise MXNetError(f"{op}: mode='odd_scale' needs scale_height and scale_width")
        return tuple(int(n * s) if n % 2 == 0 else int((n - 1) * s) + 1
                     for n, s in ((H, scale_height), (W, scale_width)))
    even, up = mode.startswith("to_even"), mode.endswith("_up")
    return tuple(n if (n % 2 == 0) == even else (n + 1 if up else n - 1) for n in (H, W))


def BilinearResize2D(data=None, like=None, height=1, width=1, scale_height=None,
                     scale_width=None, mode="size", align_corners=True, out=None, name=None,
                     **kwargs):
    """``data`` (N, C, H, W) resized bilinearly to (N, C, OH, OW).

    The size: ``mode='size'`` takes ``height`` and ``width`` (or ``int(scale * size)`` per
    axis given a scale); 'like' takes the last two axes of ``like``; 'odd_scale' scales an
    even size by the scale and an odd one as ``(size - 1) * scale + 1``; 'to_even_down',
    'to_even_up', 'to_odd_down', 'to_odd_up' round each size to an even or odd one.
    ``align_corners=True`` maps corner pixels onto corner pixels; False maps pixel centres
    (half-pixel offsets, as PyTorch's align_corners=False). Differentiable in data.

    >>> x = mx.nd.array([[[[0, 2], [4, 6]]]])
    >>> mx.nd.contrib.BilinearResize2D(x, height=3, width=3)
    <BLANKLINE>
    [[[[0. 1. 2.]
       [2. 3. 4.]
       [4. 5. 6.]]]]
    <NDArray 1x1x3x3 @cpu(0)>
    >>> mx.nd.contrib.BilinearResize2D(x, scale_height=2, scale_width=2,
    ...                                align_corners=False)[0, 0, 0]
    <BLANKLINE>
    [0.  0.5 1.5 2. ]
    <NDArray 4 @cpu(0)>
    """
    op = "BilinearResize2D"
    if kwargs:
        raise MXNetError(f"{op}: unknown argument(s) {', '.join(sorted(kwargs))}")
    if mode not in _RESIZE_MODES:
        raise MXNetError(f"{op}: mode must be one of {', '.join(_RESIZE_MODES)}, got {mode!r}")
    _check_image(op, data)
    OH, OW = _resize_shape(op, data, like, height, width, scale_height, scale_width, mode)
    if min(OH, OW) < 1:
        raise MXNetError(f"{op}: the output size ({OH}, {OW}) must be positive")
    if out is not None:
        check_out(op, out, shape=data.shape[:2] + (OH, OW), code=data._dtype_code,
                  ctx=data.context)
    H, W = data.shape[2:]
    if data.size == 0:
        return deliver(op, zeros(data.shape[:2] + (OH, OW), ctx=data.context,
                                 dtype=data.dtype), out)
    geometry = (H, W, OH, OW, bool(align_corners))
    taps, weights = _plane_map(data, "BilinearResize2D", geometry, _bilinear_map(*geometry))
    return deliver(op, _apply_plane_map(data, taps, weights, (OH, OW)), out)


# --- AdaptiveAvgPooling2D --------------------------------------------------------------------
def _bins(n_in, n_out):
    i = np.arange(n_out)
    return (i * n_in) // n_out, -((-(i + 1) * n_in) // n_out)     # floor and ceil


def _adaptive_map(H, W, OH, OW):
    def make():
        hs, he = _bins(H, OH)
        ws, we = _bins(W, OW)
        kh, kw = int((he - hs).max()), int((we - ws).max())
        dh, dw = np.arange(kh), np.arange(kw)
        rows = hs[:, None] + dh[None, :]                              # (OH, kh)
        cols = ws[:, None] + dw[None, :]                              # (OW, kw)
        row_ok = rows < he[:, None]
        col_ok = cols < we[:, None]
        table = rows[:, None, :, None] * W + cols[None, :, None, :]   # (OH, OW, kh, kw)
        ok = row_ok[:, None, :, None] & col_ok[None, :, None, :]
        area = ((he - hs)[:, None] * (we - ws)[None, :]).astype(np.float64)
        weights = ok / area[:, :, None, None]
        return (np.where(ok, table, -1).reshape(OH * OW, kh * kw),
                weights.reshape(OH * OW, kh * kw))
    return make


def AdaptiveAvgPooling2D(data=None, output_size=(), out=None, name=None, **kwargs):
    """Average pooling of ``data`` (N, C, H, W) to ``output_size`` (OH, OW) (an int or a
    1-tuple: square; empty: (1, 1)). Output row i averages input rows floor(i * H / OH) to
    ceil((i + 1) * H / OH) (exclusive), and likewise for columns. Differentiable.

    >>> x = mx.nd.arange(16).reshape((1, 1, 4, 4))
    >>> mx.nd.contrib.AdaptiveAvgPooling2D(x, output_size=2)
    <BLANKLINE>
    [[[[ 2.5  4.5]
       [10.5 12.5]]]]
    <NDArray 1x1x2x2 @cpu(0)>
    >>> mx.nd.contrib.AdaptiveAvgPooling2D(x, output_size=(1, 3))
    <BLANKLINE>
    [[[[6.5 7.5 8.5]]]]
    <NDArray 1x1x1x3 @cpu(0)>
    """
    op = "AdaptiveAvgPooling2D"
    if kwargs:
        raise MXNetError(f"{op}: unknown argument(s) {', '.join(sorted(kwargs))}")
    size = output_size
    if isinstance(size, numbers.Integral) and not isinstance(size, bool):
        size = (size,)
    try:
        size = tuple(size)
    except TypeError:
        size = None
    if (size is None or len(size) > 2
            or any(isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < 0
                   for v in size)):
        raise MXNetError(f"{op}: output_size must be an int or a tuple of one or two "
                         f"non-negative ints, got {output_size!r}")
    if not size:
        size = (1, 1)
    OH, OW = int(size[0]), int(size[-1])        # one size: a square
    _check_image(op, data)
    if out is not None:
        check_out(op, out, shape=data.shape[:2] + (OH, OW), code=data._dtype_code,
                  ctx=data.context)
    H, W = data.shape[2:]
    if min(OH, OW) == 0 or data.size == 0:
        return deliver(op, zeros(data.shape[:2] + (OH, OW), ctx=data.context,
                                 dtype=data.dtype), out)
    geometry = (H, W, OH, OW)
    taps, weights = _plane_map(data, "AdaptiveAvgPooling2D", geometry,
                               _adaptive_map(*geometry))
    return deliver(op, _apply_plane_map(data, taps, weights, (OH, OW)), out)


# --- UpSampling ------------------------------------------------------------------------------
def _nearest(data, scale):
    return repeat(repeat(data, scale, axis=2), scale, axis=3) if scale > 1 else data


def UpSampling(*data, scale=None, num_filter=0, sample_type=None, multi_input_mode="concat",
               num_args=None, workspace=512, out=None, name=None, **kwargs):
    """Upsampling of 4-D (N, C, H, W) arrays by the integer ``scale``.

    ``sample_type='nearest'``: each pixel repeated scale x scale times. Several inputs may
    be given: each is scaled to the first one's upsampled size (which its size must
    divide), then joined on the channels ('concat') or added ('sum', equal channels).
    ``sample_type='bilinear'``: ``UpSampling(data, weight, ...)``, a deconvolution of each
    channel with its own kernel ``weight`` (C, 1, 2*scale - scale % 2, same), stride
    ``scale``, padding ceil((scale - 1) / 2) (``num_filter`` is not used).

    >>> x = mx.nd.array([[[[1, 2], [3, 4]]]])
    >>> mx.nd.UpSampling(x, scale=2, sample_type='nearest')
    <BLANKLINE>
    [[[[1. 1. 2. 2.]
       [1. 1. 2. 2.]
       [3. 3. 4. 4.]
       [3. 3. 4. 4.]]]]
    <NDArray 1x1x4x4 @cpu(0)>
    >>> mx.nd.UpSampling(x, mx.nd.ones((1, 1, 4, 4)), scale=2, sample_type='bilinear').shape
    (1, 1, 4, 4)
    """
    op = "UpSampling"
    if kwargs:
        raise MXNetError(f"{op}: unknown argument(s) {', '.join(sorted(kwargs))}")
    if sample_type not in ("nearest", "bilinear"):
        raise MXNetError(f"{op}: sample_type must be 'nearest' or 'bilinear', got "
                         f"{sample_type!r}")
    if multi_input_mode not in ("concat", "sum"):
        raise MXNetError(f"{op}: multi_input_mode must be 'concat' or 'sum', got "
                         f"{multi_input_mode!r}")
    if scale is None:
        raise MXNetError(f"{op}: scale is required")
    scale = _positive_int(op, "scale", scale)
    if not data:
        raise MXNetError(f"{op}: needs at least one input")
    for i, d in enumerate(data):
        _check_image(op, d) if i == 0 else check_float(op, f"input {i}", d, data[0])
        if d.ndim != 4:
            raise MXNetError(f"{op}: input {i} must be 4-D (N, C, H, W), got shape {d.shape}")
    if sample_type == "bilinear":
        return _bilinear_upsampling(op, data, scale, out)
    if num_args is not None and num_args != len(data):
        raise MXNetError(f"{op}: num_args = {num_args} but {len(data)} inputs were given")
    first = data[0]
    OH, OW = first.shape[2] * scale, first.shape[3] * scale
    parts = []
    for i, d in enumerate(data):
        if d.shape[0] != first.shape[0]:
            raise MXNetError(f"{op}: input {i} has batch size {d.shape[0]}, the first "
                             f"{first.shape[0]}")
        if (d.shape[2] == 0 or d.shape[3] == 0 or OH % d.shape[2] or OW % d.shape[3]
                or OH // d.shape[2] != OW // d.shape[3]):
            raise MXNetError(f"{op}: input {i} of size {d.shape[2:]} does not scale evenly "
                             f"to the output size ({OH}, {OW})")
        if multi_input_mode == "sum" and d.shape[1] != first.shape[1]:
            raise MXNetError(f"{op}: multi_input_mode='sum' needs inputs with equal "
                             f"channels, got {first.shape[1]} and {d.shape[1]}")
        parts.append((d, OH // d.shape[2]))
    channels = (first.shape[1] if multi_input_mode == "sum"
                else sum(d.shape[1] for d in data))
    if out is not None:
        check_out(op, out, shape=(first.shape[0], channels, OH, OW),
                  code=first._dtype_code, ctx=first.context)
    scaled = [_nearest(d, s) for d, s in parts]
    if len(scaled) == 1:
        result = scaled[0] if scale > 1 else scaled[0].copy()
    elif multi_input_mode == "sum":
        result = scaled[0]
        for s in scaled[1:]:
            result = result + s
    else:
        result = concat(*scaled, dim=1)
    return deliver(op, result, out)


def _bilinear_upsampling(op, data, scale, out):
    if len(data) != 2:
        raise MXNetError(f"{op}: sample_type='bilinear' takes (data, weight), got "
                         f"{len(data)} inputs")
    x, weight = data
    k = 2 * scale - scale % 2
    C = x.shape[1]
    if weight.shape != (C, 1, k, k):
        raise MXNetError(f"{op}: weight must be {(C, 1, k, k)} for {C} channels and scale "
                         f"{scale}, got {weight.shape}")
    pad = math.ceil((scale - 1) / 2)
    shape = x.shape[:2] + tuple((n - 1) * scale - 2 * pad + k for n in x.shape[2:])
    if out is not None:
        check_out(op, out, shape=shape, code=x._dtype_code, ctx=x.context)
    result = Deconvolution(x, weight, kernel=(k, k), stride=(scale, scale), pad=(pad, pad),
                           num_filter=C, num_group=C, no_bias=True)
    return deliver(op, result, out)
