"""concat, stack and split: strided copies into and out of regions of one array."""
from mxgrad.base import MXNetError, DTYPES
from mxgrad.gradients import gradient_rule
from mxgrad.ndarray._deliver import deliver
from mxgrad.ndarray._shapes import normalized_axes
from mxgrad.ndarray._strided import (_check_array, _empty, _gather, _record, _view, _zeros,
                                     contiguous_strides, strided_copy)
from mxgrad.ndarray.shape import slice_axis

__all__ = ["concat", "Concat", "stack", "split", "SliceChannel"]


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
    ax = normalized_axes("concat", dim, nd)[0]
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
    ax = normalized_axes("stack", axis, nd)[0]
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
    ax = normalized_axes("split", axis, data.ndim)[0]
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
