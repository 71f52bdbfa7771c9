"""Pooling over regions of interest: ROIPooling and contrib.ROIAlign, as MXNet 1.9.1 has
them.

The regions (``rois``, (R, 5): image number, x1, y1, x2, y2) are read to the host once per
call (a small copy) to lay out each region's taps: the pixels of every bin (ROIPooling)
or the four corners of every bilinear sample (ROIAlign), with their weights, computed in
the data's precision as MXNet does. The taps engine (``_taps``) gathers them; a max or a
weighted sum follows in differentiable NDArray ops, so the gradient w.r.t. the data
differentiates again. Like MXNet, the rois get no gradient. A region of an image number
outside [0, N) outputs zeros.
"""
import numbers

import numpy as np

from mxgrad.base import MXNetError
from mxgrad.ndarray import _taps
from mxgrad.ndarray._deliver import check_out, deliver
from mxgrad.ndarray.creation import array, zeros
from mxgrad.ndarray.nn import pick, where
from mxgrad.ndarray.reduce import argmax, sum as _sum
from mxgrad.ndarray.sampler import check_float

__all__ = ["ROIPooling"]      # ROIAlign is an mx.nd.contrib name only


def _pooled_size(op, pooled_size):
    try:
        size = tuple(pooled_size)
    except TypeError:
        size = ()
    if (len(size) != 2 or any(isinstance(v, bool) or not isinstance(v, numbers.Integral)
                              or v <= 0 for v in size)):
        raise MXNetError(f"{op}: pooled_size must be two positive ints (height, width), got "
                         f"{pooled_size!r}")
    return int(size[0]), int(size[1])


def _check_rois(op, data, rois, spatial_scale):
    check_float(op, "data", data)
    if data.ndim != 4:
        raise MXNetError(f"{op}: data must be 4-D (N, C, H, W), got shape {data.shape}")
    check_float(op, "rois", rois, data)
    if rois.ndim != 2 or rois.shape[1] != 5:
        raise MXNetError(f"{op}: rois must be (R, 5) rows of (image, x1, y1, x2, y2), got "
                         f"shape {rois.shape}")
    if (spatial_scale is None or isinstance(spatial_scale, bool)
            or not isinstance(spatial_scale, numbers.Real)):
        raise MXNetError(f"{op}: spatial_scale must be a number, got {spatial_scale!r}")
    if not 0 <= spatial_scale <= 1:
        raise MXNetError(f"{op}: spatial_scale must be in [0, 1] (the feature map's size over "
                         f"the image's), got {spatial_scale}")


def _host_rois(data, rois):
    """rois on the host in the precision MXNet computes in, and each one's image (-1 for
    one outside [0, N))."""
    dt = np.float64 if data.dtype == np.float64 else np.float32
    r = rois.asnumpy().astype(dt)
    batch = np.trunc(r[:, 0]).astype(np.int64)
    batch = np.where((batch >= 0) & (batch < data.shape[0]), batch, -1)
    return r, batch, dt


def _taps_for(op, data, table, batch):
    """Taps (R, Q * K) from a host table, items of no image reading nothing."""
    R = len(batch)
    table = np.where(batch.reshape((R,) + (1,) * (table.ndim - 1)) >= 0, table, -1)
    return _taps.Taps.from_numpy(op, data.context, table.reshape(R, -1),
                                 np.maximum(batch, 0), data.shape[0],
                                 data.shape[2] * data.shape[3])


# --- ROIPooling ------------------------------------------------------------------------------
def _c_round(v):
    return np.sign(v) * np.floor(np.abs(v) + v.dtype.type(0.5))


def _roi_bins(start, end, pooled, size, dt):
    """Per roi and bin: first and last (exclusive) pixel along one axis, clipped."""
    length = np.maximum(end - start + 1, 1).astype(dt)
    bin_size = length / dt(pooled)
    p = np.arange(pooled, dtype=dt)
    lo = np.floor(p[None, :] * bin_size[:, None]).astype(np.int64) + start[:, None]
    hi = np.ceil((p[None, :] + 1) * bin_size[:, None]).astype(np.int64) + start[:, None]
    return np.clip(lo, 0, size), np.clip(hi, 0, size)


def ROIPooling(data=None, rois=None, pooled_size=None, spatial_scale=None, out=None,
               name=None, **kwargs):
    """Max pooling of ``data`` (N, C, H, W) over each region of ``rois`` (R, 5: image,
    x1, y1, x2, y2 in input coordinates, scaled by ``spatial_scale`` and rounded) cut into
    ``pooled_size`` (PH, PW) bins; an empty bin gives 0. Result (R, C, PH, PW); the
    gradient goes to each bin's first maximum.

    >>> x = mx.nd.arange(16).reshape((1, 1, 4, 4))
    >>> rois = mx.nd.array([[0, 0, 0, 3, 3], [0, 1, 1, 2, 2]])
    >>> mx.nd.ROIPooling(x, rois, pooled_size=(2, 2), spatial_scale=1.0)
    <BLANKLINE>
    [[[[ 5.  7.]
       [13. 15.]]]
    <BLANKLINE>
    <BLANKLINE>
     [[[ 5.  6.]
       [ 9. 10.]]]]
    <NDArray 2x1x2x2 @cpu(0)>
    """
    op = "ROIPooling"
    if kwargs:
        raise MXNetError(f"{op}: unknown argument(s) {', '.join(sorted(kwargs))}")
    PH, PW = _pooled_size(op, pooled_size)
    _check_rois(op, data, rois, spatial_scale)
    N, C, H, W = data.shape
    R = rois.shape[0]
    if out is not None:
        check_out(op, out, shape=(R, C, PH, PW), code=data._dtype_code, ctx=data.context)
    if R == 0 or C == 0 or H * W == 0:
        return deliver(op, zeros((R, C, PH, PW), ctx=data.context, dtype=data.dtype), out)
    r, batch, dt = _host_rois(data, rois)
    corners = _c_round(r[:, 1:] * dt(spatial_scale)).astype(np.int64)
    hs, he = _roi_bins(corners[:, 1], corners[:, 3], PH, H, dt)       # (R, PH)
    ws, we = _roi_bins(corners[:, 0], corners[:, 2], PW, W, dt)       # (R, PW)
    kh = max(int((he - hs).max()), 1)
    kw = max(int((we - ws).max()), 1)
    rows = hs[:, :, None] + np.arange(kh)                              # (R, PH, kh)
    cols = ws[:, :, None] + np.arange(kw)                              # (R, PW, kw)
    ok = ((rows < he[:, :, None])[:, :, None, :, None]
          & (cols < we[:, :, None])[:, None, :, None, :])                # (R, PH, PW, kh, kw)
    table = np.where(ok, rows[:, :, None, :, None] * W + cols[:, None, :, None, :], -1)
    taps = _taps_for(op, data, table, batch)
    values = _taps.gather(data, taps, C, fill_lowest=True)
    values = values.reshape((R, C, PH * PW, kh * kw))
    # the first maximum of each bin, which takes the whole gradient (MXNet's tie rule)
    pooled = pick(values, argmax(values, axis=3), axis=3)
    empty = (~ok.reshape(R, PH * PW, -1).any(axis=2)) | (batch[:, None] < 0)
    keep = array(~empty[:, None, :], ctx=data.context, dtype=data.dtype)
    result = where(keep.broadcast_to(pooled.shape), pooled, zeros(pooled.shape,
                   ctx=data.context, dtype=data.dtype))
    return deliver(op, result.reshape((R, C, PH, PW)), out)


# --- ROIAlign --------------------------------------------------------------------------------
def _sample_axis(start, bin_size, grid, G, pooled, size, dt):
    """Bilinear samples along one axis, per roi (R,), bin and sample (R, pooled, G):
    low and high pixel, their weights (0 for a sample past the roi's grid or off the
    image, as MXNet skips those)."""
    p = np.arange(pooled, dtype=dt)[None, :, None]
    i = np.arange(G, dtype=dt)[None, None, :]
    step = (bin_size / np.maximum(grid, 1).astype(dt))[:, None, None]
    pos = start[:, None, None] + p * bin_size[:, None, None] + (i + dt(0.5)) * step
    used = (i < grid[:, None, None]) & ~((pos < -1) | (pos > size))
    pos = np.maximum(pos, 0)
    low = pos.astype(np.int64)
    top = low >= size - 1
    low = np.where(top, size - 1, low)
    high = np.where(top, size - 1, low + 1)
    frac = np.where(top, 0, pos - low).astype(dt)
    return low, high, (1 - frac) * used, frac * used


def ROIAlign(data=None, rois=None, pooled_size=None, spatial_scale=None, sample_ratio=-1,
             position_sensitive=False, aligned=False, out=None, name=None, **kwargs):
    """Region-of-interest align (Mask R-CNN): each region of ``rois`` (R, 5: image, x1, y1,
    x2, y2, scaled by ``spatial_scale``) of ``data`` (N, C, H, W) is cut into
    ``pooled_size`` (PH, PW) bins and each bin averages bilinear samples on a regular grid
    (``sample_ratio`` per axis, or ceil(bin size) when <= 0). ``aligned=True`` shifts the
    corners by half a pixel (no minimum size of 1). ``position_sensitive``: output channel
    c of bin (i, j) reads input channel (c * PH + i) * PW + j (C must divide). Result
    (R, C', PH, PW); differentiable in data (the rois get no gradient).

    >>> x = mx.nd.arange(16).reshape((1, 1, 4, 4))
    >>> rois = mx.nd.array([[0, 0, 0, 2, 2]])
    >>> mx.nd.contrib.ROIAlign(x, rois, pooled_size=(2, 2), spatial_scale=1.0)
    <BLANKLINE>
    [[[[2.5 3.5]
       [6.5 7.5]]]]
    <NDArray 1x1x2x2 @cpu(0)>
    """
    op = "ROIAlign"
    if kwargs:
        raise MXNetError(f"{op}: unknown argument(s) {', '.join(sorted(kwargs))}")
    PH, PW = _pooled_size(op, pooled_size)
    _check_rois(op, data, rois, spatial_scale)
    if isinstance(sample_ratio, bool) or not isinstance(sample_ratio, numbers.Integral):
        raise MXNetError(f"{op}: sample_ratio must be an int, got {sample_ratio!r}")
    N, C, H, W = data.shape
    Q = PH * PW
    if position_sensitive and C % Q:
        raise MXNetError(f"{op}: with position_sensitive the channels ({C}) must be a "
                         f"multiple of pooled_size[0] * pooled_size[1] ({Q})")
    C_out = C // Q if position_sensitive else C
    R = rois.shape[0]
    if out is not None:
        check_out(op, out, shape=(R, C_out, PH, PW), code=data._dtype_code, ctx=data.context)
    if R == 0 or C == 0 or H * W == 0:
        return deliver(op, zeros((R, C_out, PH, PW), ctx=data.context, dtype=data.dtype), out)
    r, batch, dt = _host_rois(data, rois)
    offset = dt(0.5) if aligned else dt(0)
    start = r[:, 1:3] * dt(spatial_scale) - offset                    # (x, y)
    size = r[:, 3:5] * dt(spatial_scale) - offset - start
    if not aligned:
        size = np.maximum(size, 1)
    size = np.maximum(size, 0)
    bins = size / np.array([PW, PH], dtype=dt)
    if sample_ratio > 0:
        grid = np.full((R, 2), sample_ratio, dtype=np.int64)
    else:
        grid = np.ceil(size / np.array([PW, PH], dtype=dt)).astype(np.int64)
    Gx, Gy = max(int(grid[:, 0].max()), 1), max(int(grid[:, 1].max()), 1)
    yl, yh, wyl, wyh = _sample_axis(start[:, 1], bins[:, 1], grid[:, 1], Gy, PH, H, dt)
    xl, xh, wxl, wxh = _sample_axis(start[:, 0], bins[:, 0], grid[:, 0], Gx, PW, W, dt)
    count = np.maximum(grid[:, 0] * grid[:, 1], 1).astype(dt)

    def outer(a, b):        # (R, PH, Gy) x (R, PW, Gx) -> (R, PH, PW, Gy, Gx)
        return a[:, :, None, :, None] * b[:, None, :, None, :]
    rows, cols = [(yl, wyl), (yh, wyh)], [(xl, wxl), (xh, wxh)]
    table = np.stack([outer(y, np.ones_like(x)) * W + outer(np.ones_like(y), x)
                      for y, _ in rows for x, _ in cols], axis=-1)
    weights = np.stack([outer(wy, wx) for _, wy in rows for _, wx in cols], axis=-1)
    weights = weights / count[:, None, None, None, None, None]
    K = Gy * Gx * 4
    taps = _taps_for(op, data, table, batch)
    w = array(weights.reshape(R, Q, K), ctx=data.context, dtype=data.dtype)
    pooled = _taps.weighted(data, taps, C, w)                           # (R, C, Q)
    if position_sensitive:      # output channel c of bin q reads input channel c * Q + q
        eye = array(np.eye(Q), ctx=data.context, dtype=data.dtype)
        pooled = _sum(pooled.reshape((R, C_out, Q, Q)) * eye, axis=2)
    return deliver(op, pooled.reshape((R, C_out, PH, PW)), out)
