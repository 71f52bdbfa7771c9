"""Broadcasting, tile and repeat: strided reads whose source strides are zero or wrap.

Each gradient sums the output gradient back onto the input's shape, written in NDArray ops
so it can be differentiated again.
"""
from mxgrad.base import MXNetError
from mxgrad.gradients import gradient_rule
from mxgrad.ndarray._deliver import deliver
from mxgrad.ndarray._shapes import check_bytes, int_tuple, nonnegative, normalized_axes
from mxgrad.ndarray._strided import _check_array, _gather, _record, _view, contiguous_strides

__all__ = ["broadcast_to", "broadcast_axis", "broadcast_axes", "broadcast_like", "tile",
           "repeat"]


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
    target = int_tuple("broadcast_to", "shape", shape)
    if len(target) != data.ndim:
        raise MXNetError(f"broadcast_to: operand of shape {data.shape} cannot be broadcast to "
                         f"{target}: the number of dimensions differs")
    target = tuple(d if n == 0 else n for d, n in zip(data.shape, target))
    nonnegative("broadcast_to", "shape", target)
    _check_broadcast("broadcast_to", data, target)
    return deliver("broadcast_to", _broadcast("broadcast_to", data, target), out)


def broadcast_to_method(x, shape):
    """``NDArray.broadcast_to``: numpy-style, leading dims may be added."""
    target = nonnegative("broadcast_to", "shape", int_tuple("broadcast_to", "shape", shape))
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
    axes = normalized_axes("broadcast_axis", axis, data.ndim, allow_negative=False)
    sizes = nonnegative("broadcast_axis", "size", int_tuple("broadcast_axis", "size", size))
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
        la = normalized_axes("broadcast_like", () if lhs_axes is None else lhs_axes, lhs.ndim)
        ra = normalized_axes("broadcast_like", () if rhs_axes is None else rhs_axes, rhs.ndim)
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
    reps = int_tuple("tile", "reps", () if reps is None else reps)
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
    ax = 0 if axis is None else normalized_axes("repeat", axis, x.ndim)[0]
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
