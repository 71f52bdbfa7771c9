"""The strided copy engine every shape op moves data with, and the strided read/write pair.

A ``strided_copy`` (kernels_cl/copy.cl) walks an index space, reading the source and writing
the destination each with its own strides and offset. ``gather_strided`` (a strided read into
a fresh array) and ``scatter_strided`` (a strided write into zeros) are each the other's
gradient, so slices, broadcasts and their gradients can all be differentiated again.
"""
import math

import numpy as np

from mxgrad import _ndarray
from mxgrad._ndarray import NDArrayBase
from mxgrad._tape import is_recording, record_op
from mxgrad.base import MXNetError
from mxgrad.gradients import gradient_rule
from mxgrad.ndarray._kernels import family_kernel

_MAX_KERNEL_DIMS = 8     # strided_copy's index space; more dims loop on the host
_TILE = 16               # block edge of strided_copy_tiled
_ROW_MIN = 16            # last dims at least this long are copied a row at a time


# --- the strided copy engine ---------------------------------------------------------------
def _prod(dims):
    p = 1
    for d in dims:
        p *= d
    return p


def contiguous_strides(shape):
    """Row-major element strides of ``shape``."""
    strides, acc = [], 1
    for d in reversed(shape):
        strides.append(acc)
        acc *= d
    return tuple(reversed(strides))


def _collapse(shape, dst_strides, src_strides):
    """Dims of the index space with size-1 dims dropped and neighbours that both sides step
    through contiguously merged: a list of (size, dst stride, src stride), or None if empty."""
    dims = []
    for d, a, b in zip(shape, dst_strides, src_strides):
        if d == 1:
            continue
        if d == 0:
            return None
        if dims and dims[-1][1] == a * d and dims[-1][2] == b * d:
            dims[-1] = (dims[-1][0] * d, a, b)
        else:
            dims.append((d, a, b))
    return dims or [(1, 0, 0)]


def _strided_copy_kernel(ctx, name, code, ndim, narrow, unit_row=False):
    """strided_copy(_rows, _tiled) for an index space of ``ndim`` dims; ``narrow``: fewer
    than 2^31 elements, coordinates divided in 32 bits; ``unit_row``: rows contiguous on
    both sides."""
    key = ("copy." + name, code, ndim, narrow, unit_row)
    k = ctx.state.kernels.get(key)
    if k is None:
        k = ctx.state.kernels[key] = family_kernel(
            ctx, "copy", name, code,
            f"-D NDIM={ndim} -D TILE={_TILE}" + (" -D IDX=uint" if narrow else "")
            + (" -D UNIT_ROW=1" if unit_row else ""))
    return k


def _transposed_dims(dims):
    """(P, Q) when dim P is contiguous in dst and another dim Q in src (a transpose: the
    tiled kernel keeps both sides in cache and divides indices once per tile), else None."""
    p = q = None
    for j, (d, a, b) in enumerate(dims):
        if a == 1:
            p = j
        if b == 1:
            q = j
    if p is None or q is None or p == q or dims[p][0] * dims[q][0] < 4 * _TILE:
        return None
    return p, q


def strided_copy(dst, dst_strides, dst_off, src, src_strides, src_off, shape):
    """Enqueue ``dst[dst_off + c . dst_strides] = src[src_off + c . src_strides]`` for every
    coordinate ``c`` of ``shape``; offsets are absolute elements within each buffer."""
    dims = _collapse(shape, dst_strides, src_strides)
    if dims is None:
        return
    outer, inner = dims[:-_MAX_KERNEL_DIMS], dims[-_MAX_KERNEL_DIMS:]
    tiled = _transposed_dims(inner)
    rows = not tiled and len(inner) > 1 and inner[-1][0] >= _ROW_MIN
    if rows:
        # strided_copy_rows's dims: the last, the next-to-last, then the others in order
        inner = inner[-1:] + inner[-2:-1] + inner[:-2]
        name = "strided_copy_rows"
    else:
        name = "strided_copy_tiled" if tiled else "strided_copy"
    sizes = [-(-d // _TILE) if tiled and j in tiled else d for j, (d, _, _) in enumerate(inner)]
    n = math.prod(sizes[2:]) if rows else math.prod(sizes)
    k = _strided_copy_kernel(dst.context, name, dst._dtype_code, len(inner),
                             math.prod(sizes) < 2 ** 31, rows and inner[0][1:] == (1, 1))
    k.set_arg_mem(0, dst._buffer)
    k.set_arg_mem(2, src._buffer)
    for j, ((_, a, b), d) in enumerate(zip(inner, sizes)):
        k.set_arg_long(5 + 3 * j, d)
        k.set_arg_long(6 + 3 * j, a)
        k.set_arg_long(7 + 3 * j, b)
    k.set_arg_long(4, n)
    if tiled:
        extra = 5 + 3 * len(inner)
        k.set_arg_int(extra, tiled[0])
        k.set_arg_int(extra + 1, tiled[1])
        k.set_arg_long(extra + 2, inner[tiled[0]][0])
        k.set_arg_long(extra + 3, inner[tiled[1]][0])
    state = dst.context.state
    if rows:
        group = 64 if sizes[0] <= 64 else 256
        grid = (-(-sizes[0] // group) * group, sizes[1], n)
        launch = lambda: state.launch_grid(k, grid, (group, 1, 1))
    else:
        launch = lambda: state.launch_1d(k, n)
    if not outer:
        k.set_arg_long(1, dst_off)
        k.set_arg_long(3, src_off)
        launch()
        return
    # Index spaces with more than 8 irreducible dims: one launch per outer coordinate.
    for c in np.ndindex(*[d for d, _, _ in outer]):
        k.set_arg_long(1, dst_off + sum(ci * a for ci, (_, a, _) in zip(c, outer)))
        k.set_arg_long(3, src_off + sum(ci * b for ci, (_, _, b) in zip(c, outer)))
        launch()


def _empty(like, shape, code=None):
    return _ndarray.empty_array(like.context, tuple(shape), like._dtype_code if code is None
                                else code)


def _zeros(like, shape):
    out = _empty(like, shape)
    if out.size:
        out._fill(0)
    return out


def _view(x, shape):
    """x's data under another shape, not recorded (for reshapes inside one op)."""
    return _ndarray.view_of(x, tuple(shape), x._offset)


def _gather(x, shape, strides, offset=0):
    """A fresh array of ``shape`` reading x's element ``offset + c . strides`` (x row-major)."""
    out = _empty(x, shape)
    strided_copy(out, contiguous_strides(shape), out._offset, x, strides, x._offset + offset,
                 shape)
    return out


def _check_array(op, x, name="data"):
    if not isinstance(x, NDArrayBase):
        raise MXNetError(f"{op}: {name} must be an NDArray, got {type(x).__name__}")


def _record(name, inputs, outputs, rule, saved=None, replay=None, attrs=None):
    if is_recording():
        record_op(name, tuple(inputs), tuple(outputs), rule, saved, replay=replay, attrs=attrs)


# --- strided read / strided write into zeros: each is the other's gradient ------------------
def gather_strided(x, shape, strides, offset, name="slice"):
    """A fresh array of ``shape`` whose element c is x's row-major element
    ``offset + c . strides``; the map must be one-to-one (no zero strides over dims > 1)."""
    out = _gather(x, shape, strides, offset)
    spec = (tuple(shape), tuple(strides), offset)
    _record(name, (x,), (out,), _gather_strided_rule, (x.shape, spec),
            replay=lambda a: gather_strided(a, *spec, name=name))
    return out


@gradient_rule("slice")
def _gather_strided_rule(saved, inputs, outputs, out_grads):
    base_shape, spec = saved
    return (scatter_strided(out_grads[0], base_shape, *spec[1:]),)


def scatter_strided(values, base_shape, strides, offset):
    """Zeros of ``base_shape`` with ``values`` written at ``offset + c . strides`` (the
    gradient of ``gather_strided``)."""
    out = _zeros(values, base_shape)
    strided_copy(out, strides, out._offset + offset, values, contiguous_strides(values.shape),
                 values._offset, values.shape)
    spec = (values.shape, tuple(strides), offset)
    _record("_scatter_strided", (values,), (out,), _scatter_strided_rule, spec,
            replay=lambda v: scatter_strided(v, base_shape, strides, offset))
    return out


@gradient_rule("_scatter_strided")
def _scatter_strided_rule(saved, inputs, outputs, out_grads):
    shape, strides, offset = saved
    return (gather_strided(out_grads[0], shape, strides, offset),)
