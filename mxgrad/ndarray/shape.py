"""Shape ops: reshape, transpose, broadcast, concat/stack/split, flip, tile, repeat, slice, cast.

Every op that moves data is one ``strided_copy`` (kernels_cl/copy.cl): a walk over an index
space that reads the source and writes the destination each with its own strides and offset.
Transposes permute source strides, flips negate them, broadcasts zero them, slices offset
them, concatenation writes into strided regions of the output. Results are fresh contiguous
arrays, except ``NDArray.reshape`` (and ``inplace=True`` variants), which return views
sharing memory as MXNet's do.

Gradient rules are written in these same ops (the rule of a strided read is a strided write
into zeros and vice versa), so every gradient can be differentiated again.
"""
import builtins
import math
import numbers

import numpy as np

from mxgrad import _ndarray
from mxgrad._ndarray import NDArrayBase
from mxgrad._tape import is_recording, record_op
from mxgrad.base import MXNetError, DTYPES, CL_TYPES, dtype_code
from mxgrad.gradients import gradient_rule
from mxgrad.ndarray._deliver import deliver
from mxgrad.ndarray._kernels import family_kernel
from mxgrad.ndarray._shapes import check_bytes, nonnegative

__all__ = ["reshape", "Reshape", "reshape_like", "transpose", "swapaxes", "SwapAxis",
           "expand_dims", "flatten", "Flatten", "squeeze", "cast", "Cast", "broadcast_to",
           "broadcast_axis", "broadcast_axes", "broadcast_like", "concat", "Concat", "stack",
           "split", "SliceChannel", "flip", "reverse", "tile", "repeat", "slice", "slice_axis"]

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


# --- reshape --------------------------------------------------------------------------------
def _int_tuple(op, name, v):
    if isinstance(v, numbers.Integral):
        return (int(v),)
    try:
        return tuple(int(s) for s in v)
    except TypeError:
        raise MXNetError(f"{op}: {name} must be an int or a tuple of ints, got {v!r}") from None


def infer_reshape(op, dshape, params, reverse=False):
    """The shape MXNet's Reshape gives ``dshape`` for ``params`` with its special codes:
    0 copies a dim, -1 infers one dim, -2 copies all remaining dims, -3 merges two dims,
    -4 splits a dim in the two that follow it (one may be -1). ``reverse`` matches the
    codes from the right."""
    params = list(params)
    dshape = list(dshape)
    if reverse:
        params.reverse()
        dshape.reverse()
    out, src, infer_at, i = [], 0, None, 0

    def take(count):
        nonlocal src
        if src + count > len(dshape):
            raise MXNetError(f"{op}: shape {tuple(params)} consumes more dimensions than the "
                             f"input shape {tuple(dshape)} has")
        vals = dshape[src:src + count]
        src += count
        return vals

    while i < len(params):
        p = params[i]
        if p == 0:
            out.extend(take(1))
        elif p == -1:
            if infer_at is not None:
                raise MXNetError(f"{op}: only one dimension can be inferred (-1), got shape "
                                 f"{tuple(params)}")
            infer_at = len(out)
            out.append(1)
            if src < len(dshape):
                src += 1
        elif p == -2:
            out.extend(dshape[src:])
            src = len(dshape)
        elif p == -3:
            d1, d2 = take(2)
            out.append(d1 * d2)
        elif p == -4:
            if i + 2 >= len(params):
                raise MXNetError(f"{op}: -4 must be followed by two dimensions, got shape "
                                 f"{tuple(params)}")
            (d0,) = take(1)
            d1, d2 = params[i + 1], params[i + 2]
            i += 2
            if d1 == -1 and d2 == -1:
                raise MXNetError(f"{op}: the two dims after -4 cannot both be -1")
            if d1 == -1:
                d1 = d0 // d2 if d2 else 0
            elif d2 == -1:
                d2 = d0 // d1 if d1 else 0
            if d1 * d2 != d0:
                raise MXNetError(f"{op}: split dims {d1}, {d2} do not divide original dim {d0}")
            out.extend((d1, d2))
        elif p < -4:
            raise MXNetError(f"{op}: shape dim size must be >= -4, got {p} in {tuple(params)}")
        else:
            out.append(p)
            if src < len(dshape):
                src += 1
        i += 1
    if infer_at is not None:
        known = _prod(out)
        total = _prod(dshape)
        if known == 0 or total == 0:
            raise MXNetError(f"{op}: cannot infer the -1 dimension of shape {tuple(params)} for "
                             f"an array of shape {tuple(dshape)} with zero elements")
        out[infer_at] = total // known
    if reverse:
        out.reverse()
    return tuple(out)


def _reshape_view(x, shape):
    out = _ndarray.view_of(x, shape, x._offset)
    if is_recording():
        record_op("Reshape", (x,), (out,), _reshape_rule, None,
                  replay=lambda a: _reshape_view(a, shape),
                  attrs={"shape": "[" + ",".join(map(str, shape)) + "]"},   # MXNet's form
                  save_outputs=False)
    return out


@gradient_rule("Reshape")
def _reshape_rule(saved, inputs, outputs, out_grads):
    return (out_grads[0].reshape(inputs[0].shape),)


def _reshape_copy(op, x, shape, attrs=None):
    """A fresh copy of x with another shape (MXNet's reshape-like ops return copies)."""
    if _prod(shape) != x.size:
        raise MXNetError(f"{op}: cannot reshape an array of shape {x.shape} to {shape}: "
                         f"the sizes differ ({x.size} vs {_prod(shape)})")
    out = _empty(x, shape)
    if out.size:
        out._copy_from(x)
    _record(op, (x,), (out,), _reshape_rule, None,
            replay=lambda a: _reshape_copy(op, a, shape, attrs),
            attrs={"shape": shape} if attrs is None else attrs)
    return out


def reshape_method(x, shape, reverse=False):
    """``NDArray.reshape``: a view sharing memory; accepts MXNet's special codes."""
    if type(shape) is tuple and not reverse and all(type(d) is int and d > 0 for d in shape) \
            and _prod(shape) == x.size:
        return _reshape_view(x, shape)       # plain dims: nothing to infer
    params = _int_tuple("reshape", "shape", shape)
    new = infer_reshape("reshape", x.shape, params, reverse)
    if _prod(new) > x.size:
        raise MXNetError(f"NDArray.reshape: target shape {new} (from {tuple(params)}) is larger "
                         f"than the current shape {x.shape}")
    if _prod(new) != x.size:
        raise ValueError(f"Cannot reshape array of size {x.size} into shape {tuple(params)}")
    return _reshape_view(x, new)


def reshape(data=None, shape=None, reverse=False, target_shape=None, keep_highest=False,
            out=None, name=None):
    """Reshape to ``shape`` (MXNet's special codes 0, -1, -2, -3, -4; ``reverse`` reads them
    from the right). Returns a copy; ``NDArray.reshape`` returns a view.

    >>> x = mx.nd.arange(24).reshape((2, 3, 4))
    >>> mx.nd.reshape(x, shape=(4, -1)).shape       # -1 is inferred
    (4, 6)
    >>> mx.nd.reshape(x, shape=(0, -1)).shape       # 0 keeps that dim
    (2, 12)
    >>> mx.nd.reshape(x, shape=(-3, 4)).shape       # -3 merges two dims
    (6, 4)
    >>> mx.nd.reshape(x, shape=(-2, 1)).shape       # -2 keeps all remaining dims
    (2, 3, 4, 1)
    >>> mx.nd.reshape(x, shape=(0, -4, 1, 3, 4)).shape   # -4 splits a dim in two
    (2, 1, 3, 4)
    >>> mx.nd.reshape(x, shape=(-1, 0), reverse=True).shape   # codes matched from the right
    (6, 4)
    """
    _check_array("Reshape", data)
    if shape is None:
        shape = target_shape
    if shape is None:
        raise MXNetError("Reshape: shape must be given")
    new = infer_reshape("Reshape", data.shape, _int_tuple("Reshape", "shape", shape), reverse)
    return deliver("Reshape", _reshape_copy("Reshape", data, new), out)


Reshape = reshape


def reshape_like(lhs=None, rhs=None, lhs_begin=None, lhs_end=None, rhs_begin=None,
                 rhs_end=None, out=None, name=None):
    """lhs reshaped to rhs's shape, or with dims [lhs_begin, lhs_end) of lhs replaced by
    dims [rhs_begin, rhs_end) of rhs.

    >>> mx.nd.reshape_like(mx.nd.arange(6), mx.nd.zeros((2, 3)))
    <BLANKLINE>
    [[0. 1. 2.]
     [3. 4. 5.]]
    <NDArray 2x3 @cpu(0)>
    >>> x = mx.nd.zeros((2, 12))
    >>> mx.nd.reshape_like(x, mx.nd.zeros((3, 4)), lhs_begin=1, rhs_begin=0).shape
    (2, 3, 4)
    """
    _check_array("reshape_like", lhs, "lhs")
    _check_array("reshape_like", rhs, "rhs")
    lb, le = _range_of("reshape_like", lhs.ndim, lhs_begin, lhs_end, "lhs")
    rb, re = _range_of("reshape_like", rhs.ndim, rhs_begin, rhs_end, "rhs")
    shape = lhs.shape[:lb] + rhs.shape[rb:re] + lhs.shape[le:]
    if _prod(shape) != lhs.size:
        raise MXNetError(f"reshape_like: cannot reshape lhs with shape {lhs.shape} to new "
                         f"shape {shape} because they have different size")
    return deliver("reshape_like", _reshape_copy("reshape_like", lhs, shape, {}), out)


def _range_of(op, ndim, begin, end, side):
    b = 0 if begin is None else int(begin)
    e = ndim if end is None else int(end)
    b, e = (b + ndim if b < 0 else b), (e + ndim if e < 0 else e)
    if not 0 <= b <= e <= ndim:
        raise MXNetError(f"{op}: invalid {side} range [{begin}, {end}) for {ndim} dimensions")
    return b, e


def expand_dims(data=None, axis=None, out=None, name=None, inplace=False):
    """Insert a size-1 axis at ``axis`` (in [-ndim-1, ndim]).

    >>> x = mx.nd.array([1, 2])
    >>> mx.nd.expand_dims(x, axis=0).shape
    (1, 2)
    >>> mx.nd.expand_dims(x, axis=-1)
    <BLANKLINE>
    [[1.]
     [2.]]
    <NDArray 2x1 @cpu(0)>
    """
    _check_array("expand_dims", data)
    nd = data.ndim
    if axis is None or not -nd - 1 <= int(axis) <= nd:
        raise MXNetError(f"expand_dims: axis must be in the range [{-nd - 1}, {nd}] "
                         f"({axis} provided)")
    ax = int(axis) % (nd + 1)
    shape = data.shape[:ax] + (1,) + data.shape[ax:]
    if inplace:
        return _reshape_view(data, shape)
    res = _reshape_copy("expand_dims", data, shape, {"axis": ax})
    return deliver("expand_dims", res, out)


def flatten(data=None, out=None, name=None, inplace=False):
    """Collapse every axis but the first: shape (d0, d1*d2*...).

    >>> mx.nd.flatten(mx.nd.zeros((2, 3, 4))).shape
    (2, 12)
    >>> mx.nd.flatten(mx.nd.array([1, 2, 3]))
    <BLANKLINE>
    [[1.]
     [2.]
     [3.]]
    <NDArray 3x1 @cpu(0)>
    """
    _check_array("Flatten", data)
    if data.ndim == 0:
        raise MXNetError("Flatten: data must have at least one dimension")
    shape = (data.shape[0], _prod(data.shape[1:]))
    if inplace:
        return _reshape_view(data, shape)
    return deliver("Flatten", _reshape_copy("Flatten", data, shape, {}), out)


Flatten = flatten


def _axes(op, axis, ndim, allow_negative=True):
    """Axes as a tuple of ints in [0, ndim); MXNetError naming the bad one."""
    axes = _int_tuple(op, "axis", axis)
    res = []
    for a in axes:
        if not (-ndim <= a < ndim if allow_negative else 0 <= a < ndim):
            lo = -ndim if allow_negative else 0
            raise MXNetError(f"{op}: axis {a} is out of range [{lo}, {ndim}) for an array of "
                             f"{ndim} dimensions")
        res.append(a % ndim)
    return tuple(res)


def squeeze(data=None, axis=None, out=None, name=None, inplace=False):
    """Remove size-1 axes (all of them, or those in ``axis``); never goes below 1-D.

    >>> x = mx.nd.zeros((1, 3, 1))
    >>> mx.nd.squeeze(x).shape
    (3,)
    >>> mx.nd.squeeze(x, axis=0).shape
    (3, 1)
    >>> mx.nd.squeeze(mx.nd.zeros((1, 1))).shape    # at least one axis stays
    (1,)
    """
    _check_array("squeeze", data)
    if axis is None:
        drop = {i for i, d in enumerate(data.shape) if d == 1}
    else:
        axes = _axes("squeeze", axis, data.ndim)
        if len(set(axes)) != len(axes):
            raise MXNetError(f"squeeze: duplicate value in axis {axis}")
        for a in axes:
            if data.shape[a] != 1:
                raise MXNetError(f"squeeze: cannot select axis {a} to squeeze out: it has "
                                 f"size {data.shape[a]}, not 1")
        drop = set(axes)
    shape = tuple(d for i, d in enumerate(data.shape) if i not in drop) or (1,)
    if inplace:
        return _reshape_view(data, shape)
    res = _reshape_copy("squeeze", data, shape, {"axis": axis})
    return deliver("squeeze", res, out)


# --- transpose, swapaxes, flip --------------------------------------------------------------
def transpose(data=None, axes=None, out=None, name=None):
    """Permute the axes (reverse them when ``axes`` is None or empty).

    >>> x = mx.nd.array([[1, 2, 3], [4, 5, 6]])
    >>> mx.nd.transpose(x)
    <BLANKLINE>
    [[1. 4.]
     [2. 5.]
     [3. 6.]]
    <NDArray 3x2 @cpu(0)>
    >>> mx.nd.transpose(mx.nd.zeros((2, 3, 4)), axes=(1, 0, 2)).shape
    (3, 2, 4)
    """
    _check_array("transpose", data)
    nd = data.ndim
    if axes is None or len(_int_tuple("transpose", "axes", axes)) == 0:
        perm = tuple(range(nd - 1, -1, -1))
    else:
        perm = _int_tuple("transpose", "axes", axes)
        if sorted(perm) != list(range(nd)):
            raise MXNetError(f"transpose: axes {perm} is not a permutation of the "
                             f"{nd} axes of an array of shape {data.shape}")
    return deliver("transpose", _permute("transpose", data, perm, {"axes": perm}), out)


def _permute(op, x, perm, attrs):
    """x with its axes reordered: output axis i is input axis perm[i]."""
    st = contiguous_strides(x.shape)
    out = _gather(x, [x.shape[p] for p in perm], [st[p] for p in perm])
    _record(op, (x,), (out,), _permute_rule, perm,
            replay=lambda a: _permute(op, a, perm, attrs), attrs=attrs)
    return out


@gradient_rule("transpose")
def _permute_rule(saved, inputs, outputs, out_grads):
    inverse = tuple(int(i) for i in np.argsort(saved))
    return (transpose(out_grads[0], inverse),)


def swapaxes(data=None, dim1=0, dim2=0, out=None, name=None):
    """Exchange axes ``dim1`` and ``dim2``.

    >>> x = mx.nd.array([[1, 2, 3]])
    >>> mx.nd.swapaxes(x, 0, 1)
    <BLANKLINE>
    [[1.]
     [2.]
     [3.]]
    <NDArray 3x1 @cpu(0)>
    >>> mx.nd.swapaxes(mx.nd.zeros((2, 3, 4)), dim1=0, dim2=2).shape
    (4, 3, 2)
    """
    _check_array("SwapAxis", data)
    a, b = _axes("SwapAxis", (dim1, dim2), data.ndim)
    perm = list(range(data.ndim))
    perm[a], perm[b] = perm[b], perm[a]
    res = _permute("SwapAxis", data, tuple(perm), {"dim1": dim1, "dim2": dim2})
    return deliver("SwapAxis", res, out)


SwapAxis = swapaxes


def flip(data=None, axis=None, out=None, name=None):
    """Reverse the order of elements along ``axis`` (an int or tuple; listing an axis twice
    flips it twice, as in MXNet).

    >>> x = mx.nd.array([[1, 2, 3], [4, 5, 6]])
    >>> mx.nd.flip(x, axis=1)
    <BLANKLINE>
    [[3. 2. 1.]
     [6. 5. 4.]]
    <NDArray 2x3 @cpu(0)>
    >>> mx.nd.flip(x, axis=(0, 1))
    <BLANKLINE>
    [[6. 5. 4.]
     [3. 2. 1.]]
    <NDArray 2x3 @cpu(0)>
    """
    _check_array("reverse", data)
    axes = _axes("reverse", () if axis is None else axis, data.ndim, allow_negative=False)
    flipped = [False] * data.ndim
    for a in axes:
        flipped[a] = not flipped[a]
    st = contiguous_strides(data.shape)
    strides = [-s if f else s for s, f in zip(st, flipped)]
    offset = sum((d - 1) * s for d, s, f in zip(data.shape, st, flipped) if f and d)
    res = _gather(data, data.shape, strides, offset)
    _record("reverse", (data,), (res,), _flip_rule, axes,
            replay=lambda a: flip(a, axes), attrs={"axis": axes})
    return deliver("reverse", res, out)


reverse = flip


@gradient_rule("reverse")
def _flip_rule(saved, inputs, outputs, out_grads):
    return (flip(out_grads[0], saved),)


# --- broadcasting ---------------------------------------------------------------------------
def _broadcast(op, x, shape):
    """x (same ndim, dims 1 or equal) repeated up to ``shape``; gradient sums back."""
    st = contiguous_strides(x.shape)
    strides = [0 if d == 1 and n != 1 else s for d, n, s in zip(x.shape, shape, st)]
    out = _gather(x, shape, strides)
    summed = tuple(i for i, (d, n) in enumerate(zip(x.shape, shape)) if d != n)
    _record(op, (x,), (out,), _broadcast_rule, summed,
            replay=lambda a: _broadcast(op, a, shape), attrs={"shape": shape})
    return out


@gradient_rule("broadcast_to")
def _broadcast_rule(saved, inputs, outputs, out_grads):
    g = out_grads[0]
    if not saved:
        return (g,)
    from mxgrad.ndarray.reduce import sum as reduce_sum
    return (reduce_sum(g, axis=saved, keepdims=True),)


def _check_broadcast(op, x, shape):
    for d, n in zip(x.shape, shape):
        if d != n and d != 1:
            raise MXNetError(f"{op}: operand of shape {x.shape} cannot be broadcast to {shape}")


def broadcast_to(data=None, shape=None, out=None, name=None):
    """Broadcast to ``shape`` (same number of dims; a 0 keeps the input's dim).

    >>> mx.nd.broadcast_to(mx.nd.array([[1, 2]]), shape=(3, 2))
    <BLANKLINE>
    [[1. 2.]
     [1. 2.]
     [1. 2.]]
    <NDArray 3x2 @cpu(0)>
    >>> mx.nd.broadcast_to(mx.nd.array([[1], [2]]), shape=(0, 3))   # 0 keeps the dim
    <BLANKLINE>
    [[1. 1. 1.]
     [2. 2. 2.]]
    <NDArray 2x3 @cpu(0)>
    """
    _check_array("broadcast_to", data)
    target = _int_tuple("broadcast_to", "shape", shape)
    if len(target) != data.ndim:
        raise MXNetError(f"broadcast_to: operand of shape {data.shape} cannot be broadcast to "
                         f"{target}: the number of dimensions differs")
    target = tuple(d if n == 0 else n for d, n in zip(data.shape, target))
    nonnegative("broadcast_to", "shape", target)
    _check_broadcast("broadcast_to", data, target)
    return deliver("broadcast_to", _broadcast("broadcast_to", data, target), out)


def broadcast_to_method(x, shape):
    """``NDArray.broadcast_to``: numpy-style, leading dims may be added."""
    target = nonnegative("broadcast_to", "shape", _int_tuple("broadcast_to", "shape", shape))
    cur = (1,) * (len(target) - x.ndim) + x.shape
    if len(cur) != len(target) or any(d != n and d != 1 for d, n in zip(cur, target)):
        raise ValueError(f"operands could not be broadcast together with remapped "
                         f"shapes[original->remapped]: {x.shape} and requested shape {target}")
    if cur != x.shape:
        x = x.reshape(cur)
    return _broadcast("broadcast_to", x, target)


def broadcast_axis(data=None, axis=(), size=(), out=None, name=None):
    """Broadcast the size-1 axes ``axis`` to the sizes ``size``.

    >>> x = mx.nd.array([[[1], [2]]])
    >>> x.shape
    (1, 2, 1)
    >>> mx.nd.broadcast_axis(x, axis=2, size=3)
    <BLANKLINE>
    [[[1. 1. 1.]
      [2. 2. 2.]]]
    <NDArray 1x2x3 @cpu(0)>
    >>> mx.nd.broadcast_axis(x, axis=(0, 2), size=(2, 3)).shape
    (2, 2, 3)
    """
    _check_array("broadcast_axis", data)
    axes = _axes("broadcast_axis", axis, data.ndim, allow_negative=False)
    sizes = nonnegative("broadcast_axis", "size", _int_tuple("broadcast_axis", "size", size))
    if len(axes) != len(sizes):
        raise MXNetError(f"broadcast_axis: axis {axes} and size {sizes} must have the same "
                         f"length")
    target = list(data.shape)
    for a, s in zip(axes, sizes):
        if data.shape[a] != 1:
            raise MXNetError(f"broadcast_axis: axis {a} has size {data.shape[a]}; broadcasting "
                             f"axes must have size 1")
        target[a] = s
    return deliver("broadcast_axis", _broadcast("broadcast_axis", data, tuple(target)), out)


broadcast_axes = broadcast_axis


def broadcast_like(lhs=None, rhs=None, lhs_axes=None, rhs_axes=None, out=None, name=None):
    """Broadcast lhs to rhs's shape (or only ``lhs_axes`` to the sizes of ``rhs_axes``).

    >>> mx.nd.broadcast_like(mx.nd.array([[1, 2]]), mx.nd.zeros((3, 2)))
    <BLANKLINE>
    [[1. 2.]
     [1. 2.]
     [1. 2.]]
    <NDArray 3x2 @cpu(0)>
    >>> x = mx.nd.zeros((1, 2, 1))
    >>> mx.nd.broadcast_like(x, mx.nd.zeros((4, 5)), lhs_axes=(0, 2), rhs_axes=(0, 1)).shape
    (4, 2, 5)
    """
    _check_array("broadcast_like", lhs, "lhs")
    _check_array("broadcast_like", rhs, "rhs")
    if lhs_axes is None and rhs_axes is None:
        if lhs.ndim != rhs.ndim:
            raise MXNetError(f"broadcast_like: operand of shape {lhs.shape} cannot be "
                             f"broadcast to {rhs.shape}")
        target = rhs.shape
    else:
        la = _axes("broadcast_like", () if lhs_axes is None else lhs_axes, lhs.ndim)
        ra = _axes("broadcast_like", () if rhs_axes is None else rhs_axes, rhs.ndim)
        if len(la) != len(ra) or not la:
            raise MXNetError(f"broadcast_like: lhs_axes {lhs_axes} and rhs_axes {rhs_axes} "
                             f"must be non-empty and of the same length")
        target = list(lhs.shape)
        for a, b in zip(la, ra):
            target[a] = rhs.shape[b]
        target = tuple(target)
    _check_broadcast("broadcast_like", lhs, target)
    return deliver("broadcast_like", _broadcast("broadcast_like", lhs, target), out)


def tile(data=None, reps=None, out=None, name=None):
    """Repeat the whole array ``reps[i]`` times along each axis (numpy.tile).

    >>> mx.nd.tile(mx.nd.array([1, 2]), reps=(2, 2))
    <BLANKLINE>
    [[1. 2. 1. 2.]
     [1. 2. 1. 2.]]
    <NDArray 2x4 @cpu(0)>
    >>> mx.nd.tile(mx.nd.array([[1, 2]]), reps=(2,))   # reps apply to the last axes
    <BLANKLINE>
    [[1. 2. 1. 2.]]
    <NDArray 1x4 @cpu(0)>
    """
    _check_array("tile", data)
    reps = _int_tuple("tile", "reps", () if reps is None else reps)
    if any(r < 1 for r in reps):
        raise MXNetError(f"tile: reps must be positive, got {reps}")
    nd = max(len(reps), data.ndim)
    reps = (1,) * (nd - len(reps)) + reps
    x = _view(data, (1,) * (nd - data.ndim) + data.shape)
    # out viewed as (r0, s0, r1, s1, ...) is x broadcast along the r axes
    st = contiguous_strides(x.shape)
    wide = [v for r, s in zip(reps, x.shape) for v in (r, s)]
    wide_strides = [v for s in st for v in (0, s)]
    check_bytes("tile", [r * s for r, s in zip(reps, x.shape)], data._dtype_code, data.context)
    res = _view(_gather(x, wide, wide_strides), [r * s for r, s in zip(reps, x.shape)])
    _record("tile", (data,), (res,), _tile_rule, (tuple(wide), data.shape),
            replay=lambda a: tile(a, reps), attrs={"reps": reps})
    return deliver("tile", res, out)


@gradient_rule("tile")
def _tile_rule(saved, inputs, outputs, out_grads):
    wide, shape = saved
    from mxgrad.ndarray.reduce import sum as reduce_sum
    g = reduce_sum(out_grads[0].reshape(wide), axis=tuple(range(0, len(wide), 2)))
    return (g.reshape(shape),)


def repeat(data=None, repeats=None, axis=None, out=None, name=None):
    """Repeat each element ``repeats`` times along ``axis`` (of the flattened array if None).

    >>> mx.nd.repeat(mx.nd.array([1, 2]), repeats=2)
    <BLANKLINE>
    [1. 1. 2. 2.]
    <NDArray 4 @cpu(0)>
    >>> mx.nd.repeat(mx.nd.array([[1, 2], [3, 4]]), repeats=2, axis=0)
    <BLANKLINE>
    [[1. 2.]
     [1. 2.]
     [3. 4.]
     [3. 4.]]
    <NDArray 4x2 @cpu(0)>
    """
    _check_array("repeat", data)
    if repeats is None or int(repeats) < 0:
        raise MXNetError(f"repeat: repeats cannot be a negative number, got {repeats}")
    repeats = int(repeats)
    x = _view(data, (data.size,)) if axis is None else data
    ax = 0 if axis is None else _axes("repeat", axis, x.ndim)[0]
    st = contiguous_strides(x.shape)
    wide = x.shape[:ax + 1] + (repeats,) + x.shape[ax + 1:]
    wide_strides = st[:ax + 1] + (0,) + st[ax + 1:]
    out_shape = x.shape[:ax] + (x.shape[ax] * repeats,) + x.shape[ax + 1:]
    check_bytes("repeat", out_shape, data._dtype_code, data.context)
    res = _view(_gather(x, wide, wide_strides), out_shape)
    _record("repeat", (data,), (res,), _repeat_rule, (wide, ax + 1, data.shape),
            replay=lambda a: repeat(a, repeats, axis), attrs={"repeats": repeats, "axis": axis})
    return deliver("repeat", res, out)


@gradient_rule("repeat")
def _repeat_rule(saved, inputs, outputs, out_grads):
    wide, summed, shape = saved
    from mxgrad.ndarray.reduce import sum as reduce_sum
    return (reduce_sum(out_grads[0].reshape(wide), axis=summed).reshape(shape),)


# --- concat, stack, split -------------------------------------------------------------------
def _check_same(op, arrays):
    if not arrays:
        raise MXNetError(f"{op}: needs at least one input array")
    for i, a in enumerate(arrays):
        _check_array(op, a, f"input {i}")
        if a._dtype_code != arrays[0]._dtype_code:
            raise MXNetError(f"{op}: non-uniform data type, expected "
                             f"{DTYPES[arrays[0]._dtype_code].name}, got "
                             f"{DTYPES[a._dtype_code].name} for input {i}")
        if a.context != arrays[0].context:
            raise MXNetError(f"{op}: input {i} is on {a.context}, input 0 on "
                             f"{arrays[0].context}")


def concat(*data, dim=1, num_args=None, out=None, name=None):
    """Join arrays along axis ``dim``; other dims must match.

    >>> a = mx.nd.array([[1, 2]])
    >>> b = mx.nd.array([[3, 4]])
    >>> mx.nd.concat(a, b, dim=0)
    <BLANKLINE>
    [[1. 2.]
     [3. 4.]]
    <NDArray 2x2 @cpu(0)>
    >>> mx.nd.concat(a, b)          # dim=1 by default
    <BLANKLINE>
    [[1. 2. 3. 4.]]
    <NDArray 1x4 @cpu(0)>
    """
    _check_same("concat", data)
    if num_args is not None and num_args != len(data):
        raise MXNetError(f"concat: num_args={num_args} but {len(data)} arrays were given")
    nd = data[0].ndim
    ax = _axes("concat", dim, nd)[0]
    for i, a in enumerate(data):
        if a.ndim != nd or any(a.shape[k] != data[0].shape[k] for k in range(nd) if k != ax):
            raise MXNetError(f"concat: incompatible input shape: input {i} has shape {a.shape}, "
                             f"input 0 {data[0].shape} (joining along axis {ax})")
    sizes = tuple(a.shape[ax] for a in data)
    shape = data[0].shape[:ax] + (sum(sizes),) + data[0].shape[ax + 1:]
    res = _empty(data[0], shape)
    ost = contiguous_strides(shape)
    start = 0
    for a in data:
        strided_copy(res, ost, res._offset + start * ost[ax], a, contiguous_strides(a.shape),
                     a._offset, a.shape)
        start += a.shape[ax]
    _record("Concat", data, (res,), _concat_rule, (ax, sizes),
            replay=lambda *xs: concat(*xs, dim=ax), attrs={"dim": ax, "num_args": len(data)})
    return deliver("concat", res, out)


Concat = concat


@gradient_rule("Concat")
def _concat_rule(saved, inputs, outputs, out_grads):
    ax, sizes = saved
    grads, start = [], 0
    for s in sizes:
        grads.append(slice_axis(out_grads[0], ax, start, start + s) if s else
                     _zeros(out_grads[0], inputs[len(grads)].shape))
        start += s
    return tuple(grads)


def stack(*data, axis=0, num_args=None, out=None, name=None):
    """Join same-shape arrays along a new axis ``axis``.

    >>> a = mx.nd.array([1, 2])
    >>> b = mx.nd.array([3, 4])
    >>> mx.nd.stack(a, b)
    <BLANKLINE>
    [[1. 2.]
     [3. 4.]]
    <NDArray 2x2 @cpu(0)>
    >>> mx.nd.stack(a, b, axis=1)
    <BLANKLINE>
    [[1. 3.]
     [2. 4.]]
    <NDArray 2x2 @cpu(0)>
    """
    _check_same("stack", data)
    shape0 = data[0].shape
    for i, a in enumerate(data):
        if a.shape != shape0:
            raise MXNetError(f"stack: input {i} has shape {a.shape}, input 0 {shape0}; all "
                             f"inputs must have the same shape")
    nd = len(shape0) + 1
    ax = _axes("stack", axis, nd)[0]
    shape = shape0[:ax] + (len(data),) + shape0[ax:]
    res = _empty(data[0], shape)
    ost = contiguous_strides(shape)
    dst_strides = ost[:ax] + ost[ax + 1:]
    for i, a in enumerate(data):
        strided_copy(res, dst_strides, res._offset + i * ost[ax], a,
                     contiguous_strides(shape0), a._offset, shape0)
    _record("stack", data, (res,), _stack_rule, ax,
            replay=lambda *xs: stack(*xs, axis=ax), attrs={"axis": ax, "num_args": len(data)})
    return deliver("stack", res, out)


@gradient_rule("stack")
def _stack_rule(saved, inputs, outputs, out_grads):
    parts = split(out_grads[0], num_outputs=len(inputs), axis=saved, squeeze_axis=True)
    parts = parts if isinstance(parts, list) else [parts]
    return tuple(p.reshape(x.shape) for p, x in zip(parts, inputs))


def split(data=None, num_outputs=None, axis=1, squeeze_axis=False, out=None, name=None):
    """Split along ``axis`` into ``num_outputs`` equal parts (a list; the array itself when
    num_outputs is 1); ``squeeze_axis`` drops the split axis when the parts have size 1.

    >>> x = mx.nd.array([[1, 2, 3], [4, 5, 6]])
    >>> first, second, third = mx.nd.split(x, num_outputs=3)     # axis=1 by default
    >>> first
    <BLANKLINE>
    [[1.]
     [4.]]
    <NDArray 2x1 @cpu(0)>
    >>> [p.shape for p in mx.nd.split(x, num_outputs=3, squeeze_axis=True)]
    [(2,), (2,), (2,)]
    >>> mx.nd.split(x, num_outputs=2, axis=0)[1]
    <BLANKLINE>
    [[4. 5. 6.]]
    <NDArray 1x3 @cpu(0)>
    """
    _check_array("split", data)
    if out is not None:
        raise MXNetError("split: out= is not supported; use the returned list")
    if num_outputs is None or int(num_outputs) < 1:
        raise MXNetError(f"split: num_outputs must be a positive int, got {num_outputs}")
    k = int(num_outputs)
    ax = _axes("split", axis, data.ndim)[0]
    n = data.shape[ax]
    if n % k:
        raise MXNetError(f"split: cannot split axis {ax} of shape {data.shape} into "
                         f"num_outputs={k} evenly sized chunks: {k} does not divide {n}")
    step = n // k
    squeeze_axis = bool(squeeze_axis)
    if squeeze_axis and step != 1:
        raise MXNetError(f"split: squeeze_axis needs parts of size 1 along axis {ax}, got "
                         f"{step}")
    st = contiguous_strides(data.shape)
    part_shape = data.shape[:ax] + (step,) + data.shape[ax + 1:]
    out_shape = data.shape[:ax] + data.shape[ax + 1:] if squeeze_axis else part_shape
    outs = [_view(_gather(data, part_shape, st, i * step * st[ax]), out_shape)
            for i in range(k)]
    _record("SliceChannel", (data,), outs, _split_rule, (ax, part_shape),
            replay=lambda a: split(a, k, ax, squeeze_axis),
            attrs={"num_outputs": k, "axis": ax, "squeeze_axis": squeeze_axis})
    return outs if k > 1 else outs[0]


SliceChannel = split


@gradient_rule("SliceChannel")
def _split_rule(saved, inputs, outputs, out_grads):
    ax, part_shape = saved
    return (concat(*[g.reshape(part_shape) for g in out_grads], dim=ax),)


# --- slicing ----------------------------------------------------------------------------------
def slice_spec(shape, begin, end, step):
    """(out_shape, strides, offset) of MXNet's slice: Python slice rules per axis (None keeps
    the default, out-of-range bounds clip); axes past len(begin) are kept whole."""
    st = contiguous_strides(shape)
    out_shape, strides, offset = [], [], 0
    for k, n in enumerate(shape):
        if k < len(begin):
            s = 1 if k >= len(step) or step[k] is None else int(step[k])
            if s == 0:
                raise MXNetError(f"slice: step[{k}] cannot be 0")
            start, stop, s = builtins.slice(begin[k], end[k], s).indices(n)
            length = len(range(start, stop, s))
        else:
            start, s, length = 0, 1, n
        out_shape.append(length)
        strides.append(st[k] * s)
        offset += start * st[k] if length else 0
    return tuple(out_shape), tuple(strides), offset


def slice(data=None, begin=None, end=None, step=None, out=None, name=None):
    """Slice every axis by (begin[i], end[i], step[i]); None entries mean the defaults.

    >>> x = mx.nd.array([[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]])
    >>> mx.nd.slice(x, begin=(0, 1), end=(2, 3))
    <BLANKLINE>
    [[2. 3.]
     [6. 7.]]
    <NDArray 2x2 @cpu(0)>
    >>> mx.nd.slice(x, begin=(None, 0), end=(None, None), step=(-1, 2))  # reversed rows
    <BLANKLINE>
    [[ 9. 11.]
     [ 5.  7.]
     [ 1.  3.]]
    <NDArray 3x2 @cpu(0)>
    """
    _check_array("slice", data)
    begin = tuple(begin or ())
    end = tuple(end or ())
    step = tuple(step or ())
    if len(begin) != len(end):
        raise MXNetError(f"slice: begin {begin} and end {end} must have the same length")
    if step and len(step) != len(begin):
        raise MXNetError(f"slice: step {step} must have the same length as begin {begin}")
    if len(begin) > data.ndim:
        raise MXNetError(f"slice: slicing {len(begin)} axes exceeds the {data.ndim} dims of "
                         f"shape {data.shape}")
    spec = slice_spec(data.shape, begin, end, step)
    return deliver("slice", gather_strided(data, *spec, name="slice"), out)


def slice_axis(data=None, axis=0, begin=0, end=None, out=None, name=None):
    """Elements [begin, end) along ``axis`` (negative values count from the end).

    >>> x = mx.nd.array([[1, 2, 3, 4], [5, 6, 7, 8]])
    >>> mx.nd.slice_axis(x, axis=1, begin=1, end=3)
    <BLANKLINE>
    [[2. 3.]
     [6. 7.]]
    <NDArray 2x2 @cpu(0)>
    >>> mx.nd.slice_axis(x, axis=1, begin=-1, end=None)
    <BLANKLINE>
    [[4.]
     [8.]]
    <NDArray 2x1 @cpu(0)>
    """
    _check_array("slice_axis", data)
    ax = _axes("slice_axis", axis, data.ndim)[0]
    n = data.shape[ax]
    b = int(begin) + n if int(begin) < 0 else int(begin)
    e = n if end is None else (int(end) + n if int(end) < 0 else int(end))
    if b < 0:
        raise MXNetError(f"slice_axis: invalid begin {begin} for axis {ax} of size {n}")
    if e > n:
        raise MXNetError(f"slice_axis: invalid end {end} for axis {ax} of size {n}")
    if b >= e:
        raise MXNetError(f"slice_axis: invalid begin, end: begin={begin}, end={end} "
                         f"(axis {ax} of size {n})")
    st = contiguous_strides(data.shape)
    shape = data.shape[:ax] + (e - b,) + data.shape[ax + 1:]
    res = gather_strided(data, shape, st, b * st[ax], name="slice_axis")
    return deliver("slice_axis", res, out)


# --- dtype cast -------------------------------------------------------------------------------
def cast(data=None, dtype=None, out=None, name=None):
    """``data`` converted to ``dtype`` (a name, numpy type or mxgrad dtype code), with the
    conversions of MXNet's CPU build. ``NDArray.astype`` calls it with a code.

    >>> mx.nd.cast(mx.nd.array([1.7, -1.7, 2.5]), dtype='int32')   # truncates toward zero
    <BLANKLINE>
    [ 1 -1  2]
    <NDArray 3 @cpu(0)>
    >>> mx.nd.cast(mx.nd.array([1, 2], dtype='int32'), dtype='float16').dtype
    <class 'numpy.float16'>
    """
    _check_array("Cast", data)
    if dtype is None:
        raise MXNetError("Cast: dtype must be given")
    code = dtype if isinstance(dtype, int) and 0 <= dtype < len(DTYPES) else dtype_code(dtype)
    return deliver("Cast", _cast(data, code), out)


Cast = cast


def _cast(x, code):
    src = x._dtype_code
    out = _empty(x, x.shape, code)
    if x.size:
        k = family_kernel(x.context, "copy", "cast", code,
                          f"-D SRC_T={CL_TYPES[src]} -D SRC_HALF={int(src == 2)} "
                          f"-D SRC_FLOAT={int(src in (0, 1))} "
                          f"-D DST_INT={int(code not in (0, 1, 2))} -D DST_LONG={int(code == 6)}")
        k.set_args(0, out._buffer, out._offset, x._buffer, x._offset, x.size)
        x.context.state.launch_1d(k, x.size)
    _record("Cast", (x,), (out,), _cast_rule, src, replay=lambda a: _cast(a, code),
            attrs={"dtype": DTYPES[code].name})
    return out


@gradient_rule("Cast")
def _cast_rule(saved, inputs, outputs, out_grads):
    g = out_grads[0]
    return (g if g._dtype_code == saved else _cast(g, saved),)
