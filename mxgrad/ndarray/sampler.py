"""Sampling grids and bilinear sampling: GridGenerator, BilinearSampler and
SpatialTransformer, as MXNet 1.9.1 has them.

BilinearSampler finds the four pixels around each grid point on the device and sums them
weighted through the taps engine (``_taps``: a weighted gather whose adjoint is an
atomic-free scatter); the weights come from the grid in differentiable NDArray ops, so
gradients flow to the data and to the grid, to any order.
A grid value of -1 is the first pixel, 1 the last; corners outside the image read zero.
GridGenerator and SpatialTransformer are compositions of differentiable ops.
"""
import numbers

import numpy as np

from mxgrad._ndarray import NDArrayBase
from mxgrad.base import MXNetError
from mxgrad.ndarray import _taps
from mxgrad.ndarray._deliver import check_out, deliver
from mxgrad.ndarray._elemwise_table import OPS
from mxgrad.ndarray.creation import array, zeros
from mxgrad.ndarray.join import stack
from mxgrad.ndarray.linalg import batch_dot

__all__ = ["BilinearSampler", "GridGenerator", "SpatialTransformer"]

_FLOAT_CODES = (0, 1, 2)


def check_float(op, name, arr, dtype_of=None):
    """arr is a float NDArray (of the same dtype as ``dtype_of`` when given)."""
    if not isinstance(arr, NDArrayBase):
        raise MXNetError(f"{op}: {name} must be an NDArray, got {type(arr).__name__}")
    if arr._dtype_code not in _FLOAT_CODES:
        raise MXNetError(f"{op}: only floating point types are supported, got "
                         f"{np.dtype(arr.dtype).name} for {name}")
    if dtype_of is not None:
        if arr.dtype != dtype_of.dtype:
            raise MXNetError(f"{op}: {name} must have the data's dtype "
                             f"{np.dtype(dtype_of.dtype).name}, got {np.dtype(arr.dtype).name}")
        if arr.context != dtype_of.context:
            raise MXNetError(f"{op}: {name} is on {arr.context}, the data on "
                             f"{dtype_of.context}")


def _target_shape(op, target_shape):
    try:
        shape = tuple(int(v) for v in target_shape)
    except (TypeError, ValueError):
        shape = ()
    if (len(shape) != 2 or any(isinstance(v, bool) or not isinstance(v, numbers.Integral)
                               for v in target_shape) or min(shape) <= 0):
        raise MXNetError(f"{op}: target_shape must be two positive sizes (height, width), "
                         f"got {target_shape!r}")
    return shape


def _axis_coords(n):
    """n points from -1 to 1 (just -1 for one point)."""
    return np.linspace(-1.0, 1.0, n) if n > 1 else np.array([-1.0])


def _affine_grid(theta, shape):
    """theta (N, 6) -> (N, 2, H, W): theta as a 2x3 matrix applied to (x, y, 1)."""
    H, W = shape
    ys, xs = np.meshgrid(_axis_coords(H), _axis_coords(W), indexing="ij")
    base = np.stack([xs.ravel(), ys.ravel(), np.ones(H * W)])        # (3, H*W)
    N = theta.shape[0]
    base = array(np.broadcast_to(base, (N, 3, H * W)), ctx=theta.context, dtype=theta.dtype)
    return batch_dot(theta.reshape((N, 2, 3)), base).reshape((N, 2, H, W))


def _warp_grid(flow):
    """flow (N, 2, H, W) in pixels -> the grid sampling pixel (x + fx, y + fy)."""
    _, _, H, W = flow.shape
    ys, xs = np.meshgrid(np.arange(H, dtype=np.float64), np.arange(W, dtype=np.float64),
                         indexing="ij")
    # pixel p of n maps to p / ((n - 1) / 2) - 1; n = 1 divides by zero as MXNet does
    with np.errstate(divide="ignore"):
        scale = np.array([2.0 / (W - 1) if W > 1 else np.inf,
                          2.0 / (H - 1) if H > 1 else np.inf]).reshape(1, 2, 1, 1)
    ctx, dtype = flow.context, flow.dtype
    pixels = array(np.stack([xs, ys])[None], ctx=ctx, dtype=dtype)
    return (flow + pixels) * array(scale, ctx=ctx, dtype=dtype) - 1


def GridGenerator(data=None, transform_type=None, target_shape=(0, 0), out=None, name=None,
                  **kwargs):
    """A sampling grid for BilinearSampler, (N, 2, H, W) of (x, y) in [-1, 1] coordinates.

    ``transform_type='affine'``: ``data`` (N, 6) holds 2x3 matrices applied to the target
    grid's points (x, y, 1), over ``target_shape`` (H, W). ``'warp'``: ``data`` (N, 2, H, W)
    is an optical flow in pixels added to each pixel's position (target_shape unused).

    >>> theta = mx.nd.array([[1, 0, 0, 0, 1, 0]])          # identity
    >>> mx.nd.GridGenerator(theta, transform_type='affine', target_shape=(2, 3))
    <BLANKLINE>
    [[[[-1.  0.  1.]
       [-1.  0.  1.]]
    <BLANKLINE>
      [[-1. -1. -1.]
       [ 1.  1.  1.]]]]
    <NDArray 1x2x2x3 @cpu(0)>
    >>> mx.nd.GridGenerator(mx.nd.zeros((1, 2, 2, 2)), transform_type='warp')[0, 0]
    <BLANKLINE>
    [[-1.  1.]
     [-1.  1.]]
    <NDArray 2x2 @cpu(0)>
    """
    op = "GridGenerator"
    _check_kwargs(op, kwargs)
    if transform_type not in ("affine", "warp"):
        raise MXNetError(f"{op}: transform_type must be 'affine' or 'warp', got "
                         f"{transform_type!r}")
    check_float(op, "data", data)
    if transform_type == "affine":
        shape = _target_shape(op, target_shape)
        if data.ndim != 2 or data.shape[1] != 6:
            raise MXNetError(f"{op}: affine data must be (N, 6), got shape {data.shape}")
        if out is not None:
            check_out(op, out, shape=(data.shape[0], 2) + shape, code=data._dtype_code,
                      ctx=data.context)
        return deliver(op, _affine_grid(data, shape), out)
    if data.ndim != 4 or data.shape[1] != 2:
        raise MXNetError(f"{op}: warp data must be a flow (N, 2, H, W), got shape "
                         f"{data.shape}")
    if out is not None:
        check_out(op, out, shape=data.shape, code=data._dtype_code, ctx=data.context)
    return deliver(op, _warp_grid(data), out)


def _check_kwargs(op, kwargs):
    if kwargs:
        raise MXNetError(f"{op}: unknown argument(s) {', '.join(sorted(kwargs))}")


def bilinear_sample(data, grid):
    """data (N, C, H, W) sampled at grid (N, 2, Ho, Wo); arguments checked."""
    N, C, H, W = data.shape
    Ho, Wo = grid.shape[2:]
    if N * C * Ho * Wo == 0:    # (reshape reads a 0 in a shape as "keep this axis")
        return zeros((N, C, Ho, Wo), ctx=data.context, dtype=data.dtype)
    gx = grid[:, 0].reshape((N, Ho * Wo))
    gy = grid[:, 1].reshape((N, Ho * Wo))
    xr = (gx + 1) * ((W - 1) / 2)
    yr = (gy + 1) * ((H - 1) / 2)
    taps = _taps.corner_taps("BilinearSampler", xr, yr, N, H, W)
    fx = xr - OPS["floor"](xr)
    fy = yr - OPS["floor"](yr)
    weights = stack((1 - fy) * (1 - fx), (1 - fy) * fx, fy * (1 - fx), fy * fx, axis=2)
    return _taps.weighted(data, taps, C, weights).reshape((N, C, Ho, Wo))


def _check_sampler(op, data, grid, grid_name):
    check_float(op, "data", data)
    check_float(op, grid_name, grid, data)
    if data.ndim != 4:
        raise MXNetError(f"{op}: data must be 4-D (N, C, H, W), got shape {data.shape}")


def BilinearSampler(data=None, grid=None, cudnn_off=None, out=None, name=None, **kwargs):
    """``data`` (N, C, H, W) sampled bilinearly at the points of ``grid`` (N, 2, Ho, Wo):
    channel 0 of the grid is x, 1 is y, -1 the first pixel and 1 the last. Pixels outside
    the image count as zero. Result (N, C, Ho, Wo); differentiable in data and grid.

    >>> data = mx.nd.arange(6).reshape((1, 1, 2, 3))
    >>> grid = mx.nd.array([[[[-1, 0, 0.5]], [[-1, -1, 0]]]])  # (x, y) of 3 points
    >>> mx.nd.BilinearSampler(data, grid)
    <BLANKLINE>
    [[[[0. 1. 3.]]]]
    <NDArray 1x1x1x3 @cpu(0)>
    """
    op = "BilinearSampler"
    _check_kwargs(op, kwargs)
    _check_sampler(op, data, grid, "grid")
    if grid.ndim != 4 or grid.shape[1] != 2 or grid.shape[0] != data.shape[0]:
        raise MXNetError(f"{op}: grid must be (N, 2, H, W) with the data's N = "
                         f"{data.shape[0]}, got shape {grid.shape}")
    if out is not None:
        check_out(op, out, shape=data.shape[:2] + grid.shape[2:], code=data._dtype_code,
                  ctx=data.context)
    return deliver(op, bilinear_sample(data, grid), out)


def SpatialTransformer(data=None, loc=None, target_shape=(0, 0), transform_type=None,
                       sampler_type=None, cudnn_off=None, out=None, name=None, **kwargs):
    """An affine spatial transformer: ``data`` (N, C, H, W) sampled bilinearly over the grid
    that the matrices ``loc`` (N, 6) make for ``target_shape`` (H', W'), i.e.
    ``BilinearSampler(data, GridGenerator(loc, 'affine', target_shape))``. MXNet requires
    ``transform_type='affine'`` and ``sampler_type='bilinear'`` to be given.

    >>> data = mx.nd.arange(4).reshape((1, 1, 2, 2))
    >>> loc = mx.nd.array([[1, 0, 0, 0, 1, 0]])               # identity
    >>> mx.nd.SpatialTransformer(data, loc, target_shape=(2, 2), transform_type='affine',
    ...                          sampler_type='bilinear')
    <BLANKLINE>
    [[[[0. 1.]
       [2. 3.]]]]
    <NDArray 1x1x2x2 @cpu(0)>
    """
    op = "SpatialTransformer"
    _check_kwargs(op, kwargs)
    if transform_type != "affine":
        raise MXNetError(f"{op}: transform_type must be 'affine', got {transform_type!r}")
    if sampler_type != "bilinear":
        raise MXNetError(f"{op}: sampler_type must be 'bilinear', got {sampler_type!r}")
    shape = _target_shape(op, target_shape)
    _check_sampler(op, data, loc, "loc")
    if loc.ndim != 2 or loc.shape != (data.shape[0], 6):
        raise MXNetError(f"{op}: loc must be (N, 6) with the data's N = {data.shape[0]}, "
                         f"got shape {loc.shape}")
    if out is not None:
        check_out(op, out, shape=data.shape[:2] + shape, code=data._dtype_code,
                  ctx=data.context)
    return deliver(op, bilinear_sample(data, _affine_grid(loc, shape)), out)
