"""Shape ops: reshape, expand_dims/flatten/squeeze, transpose, flip, slice, cast.

Broadcasting, tile and repeat live in broadcast.py; concat, stack and split in join.py.

Every op that moves data is one ``strided_copy`` (_strided.py, kernels_cl/copy.cl): a walk over an index
space that reads the source and writes the destination each with its own strides and offset.
Transposes permute source strides, flips negate them, broadcasts zero them, slices offset
them, concatenation writes into strided regions of the output. Results are fresh contiguous
arrays, except ``NDArray.reshape`` (and ``inplace=True`` variants), which return views
sharing memory as MXNet's do.

Gradient rules are written in these same ops (the rule of a strided read is a strided write
into zeros and vice versa), so every gradient can be differentiated again.
"""
import builtins

import numpy as np

from mxgrad import _ndarray
from mxgrad._tape import is_recording, record_op
from mxgrad.base import MXNetError, DTYPES, CL_TYPES, dtype_code
from mxgrad.gradients import gradient_rule
from mxgrad.ndarray._deliver import deliver
from mxgrad.ndarray._kernels import family_kernel
from mxgrad.ndarray._shapes import int_tuple, normalized_axes
from mxgrad.ndarray._strided import (_check_array, _empty, _gather, _prod, _record,
                                     contiguous_strides, gather_strided)

__all__ = ["reshape", "Reshape", "reshape_like", "transpose", "swapaxes", "SwapAxis",
           "expand_dims", "flatten", "Flatten", "squeeze", "cast", "Cast", "flip", "reverse",
           "slice", "slice_axis"]


# --- reshape --------------------------------------------------------------------------------
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
    params = int_tuple("reshape", "shape", shape)
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
    new = infer_reshape("Reshape", data.shape, int_tuple("Reshape", "shape", shape), reverse)
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
        axes = normalized_axes("squeeze", axis, data.ndim)
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
    if axes is None or len(int_tuple("transpose", "axes", axes)) == 0:
        perm = tuple(range(nd - 1, -1, -1))
    else:
        perm = int_tuple("transpose", "axes", axes)
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
    a, b = normalized_axes("SwapAxis", (dim1, dim2), data.ndim)
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
    axes = normalized_axes("reverse", () if axis is None else axis, data.ndim, allow_negative=False)
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
    ax = normalized_axes("slice_axis", axis, data.ndim)[0]
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
