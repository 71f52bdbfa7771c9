"""Ops that rearrange elements: moveaxis, depth_to_space, space_to_depth, diag, khatri_rao.

Each one is a composition of the differentiable shape ops (transpose, reshape views, the
strided read ``gather_strided`` and its adjoint ``scatter_strided``, broadcast products), so
their gradients come from those ops and differentiate again; this module only checks the
arguments as MXNet 1.9.1 does and picks the strides.
"""
import math
import numbers

from mxgrad.base import MXNetError
from mxgrad.ndarray._deliver import check_out, deliver
from mxgrad.ndarray._strided import (_check_array, contiguous_strides, gather_strided,
                                     scatter_strided)
from mxgrad.ndarray.shape import transpose

__all__ = ["moveaxis", "depth_to_space", "space_to_depth", "diag", "khatri_rao"]

_KR_CODES = (0, 1)      # float32, float64: MXNet's khatri_rao has no other kernels


def _axis_list(v, what):
    if isinstance(v, numbers.Integral) and not isinstance(v, bool):
        return [int(v)]
    if isinstance(v, (list, tuple)) and all(isinstance(a, numbers.Integral)
                                            and not isinstance(a, bool) for a in v):
        return [int(a) for a in v]
    raise ValueError(f"moveaxis: {what} must be an int or a list of ints, got {v!r}")


def moveaxis(tensor, source, destination):
    """Move the axes ``source`` of ``tensor`` to the positions ``destination`` (ints or
    lists of ints, negative counting from the end); the other axes keep their order.
    Misuse raises ValueError, as MXNet's helper does.

    >>> x = mx.nd.zeros((2, 3, 4))
    >>> mx.nd.moveaxis(x, 0, -1).shape
    (3, 4, 2)
    >>> mx.nd.moveaxis(x, [0, 1], [2, 0]).shape
    (3, 4, 2)
    >>> mx.nd.moveaxis(mx.nd.array([[1, 2, 3]]), 1, 0)
    <BLANKLINE>
    [[1.]
     [2.]
     [3.]]
    <NDArray 3x1 @cpu(0)>
    """
    _check_array("moveaxis", tensor, "tensor")
    nd = tensor.ndim
    src, dst = _axis_list(source, "source"), _axis_list(destination, "destination")
    for what, axes in (("source", src), ("destination", dst)):
        for a in axes:
            if not -nd <= a < nd:
                raise ValueError(f"moveaxis: {what} axis {a} is out of range for an array of "
                                 f"{nd} dimensions")
    src, dst = [a % nd for a in src], [a % nd for a in dst]
    if len(set(src)) != len(src) or len(set(dst)) != len(dst):
        raise ValueError(f"moveaxis: repeated axis in source {source!r} or destination "
                         f"{destination!r}")
    if len(src) != len(dst):
        raise ValueError(f"moveaxis: source {source!r} and destination {destination!r} must "
                         f"name the same number of axes")
    order = [a for a in range(nd) if a not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return transpose(tensor, axes=tuple(order))


def _early_out(op, out, like, shape, inputs=None):
    """The checks of ``out=`` made before anything is enqueued (deliver copies later)."""
    if out is not None:
        check_out(op, out, inputs or (like,), shape, like._dtype_code, like.context)


def _block(op, data, block_size):
    _check_array(op, data)
    if block_size is None:
        raise MXNetError(f"{op}: block_size must be given")
    if isinstance(block_size, bool) or not isinstance(block_size, numbers.Integral) \
            or block_size < 1:
        raise MXNetError(f"{op}: block_size must be a positive int, got {block_size!r}")
    if data.ndim != 4:
        raise MXNetError(f"{op}: data must be a 4-D array (N, C, H, W), got shape "
                         f"{data.shape}")
    return int(block_size)


def depth_to_space(data=None, block_size=None, out=None, name=None):
    """Move blocks of channels into space: (N, C, H, W) to (N, C/b², H*b, W*b), channel
    ``(i*b + j)*C/b² + c`` going to row offset i and column offset j (MXNet's order).

    >>> x = mx.nd.arange(8).reshape((1, 4, 1, 2))
    >>> mx.nd.depth_to_space(x, 2)
    <BLANKLINE>
    [[[[0. 2. 1. 3.]
       [4. 6. 5. 7.]]]]
    <NDArray 1x1x2x4 @cpu(0)>
    """
    b = _block("depth_to_space", data, block_size)
    n, c, h, w = data.shape
    if c % (b * b):
        raise MXNetError(f"depth_to_space: the depth (axis 1, size {c}) must be a multiple "
                         f"of block_size² = {b * b}")
    _early_out("depth_to_space", out, data, (n, c // (b * b), h * b, w * b))
    parts = data.reshape((n, b, b, c // (b * b), h, w))
    res = transpose(parts, axes=(0, 3, 4, 1, 5, 2)).reshape((n, c // (b * b), h * b, w * b))
    return deliver("depth_to_space", res, out)


def space_to_depth(data=None, block_size=None, out=None, name=None):
    """Move b×b blocks of space into channels: (N, C, H, W) to (N, C*b², H/b, W/b), the
    inverse of :func:`depth_to_space`.

    >>> x = mx.nd.arange(8).reshape((1, 1, 2, 4))
    >>> mx.nd.space_to_depth(x, 2)
    <BLANKLINE>
    [[[[0. 2.]]
    <BLANKLINE>
      [[1. 3.]]
    <BLANKLINE>
      [[4. 6.]]
    <BLANKLINE>
      [[5. 7.]]]]
    <NDArray 1x4x1x2 @cpu(0)>
    """
    b = _block("space_to_depth", data, block_size)
    n, c, h, w = data.shape
    for ax, size in ((2, h), (3, w)):
        if size % b:
            raise MXNetError(f"space_to_depth: axis {ax} (size {size}) must be a multiple of "
                             f"block_size = {b}")
    _early_out("space_to_depth", out, data, (n, c * b * b, h // b, w // b))
    parts = data.reshape((n, c, h // b, b, w // b, b))
    res = transpose(parts, axes=(0, 3, 5, 1, 2, 4)).reshape((n, c * b * b, h // b, w // b))
    return deliver("space_to_depth", res, out)


def _int_param(op, what, v):
    if isinstance(v, bool) or not isinstance(v, numbers.Integral):
        raise MXNetError(f"{op}: {what} must be an int, got {v!r}")
    return int(v)


def diag(data=None, k=0, axis1=0, axis2=1, out=None, name=None):
    """A 1-D ``data`` becomes a square matrix with ``data`` on its ``k``-th diagonal
    (above the main one for k > 0); from an N-D ``data`` the ``k``-th diagonal of the
    planes (axis1, axis2) is taken, as a last axis after the remaining ones.

    >>> mx.nd.diag(mx.nd.array([1, 2]), k=1)
    <BLANKLINE>
    [[0. 1. 0.]
     [0. 0. 2.]
     [0. 0. 0.]]
    <NDArray 3x3 @cpu(0)>
    >>> mx.nd.diag(mx.nd.arange(12).reshape((3, 4)), k=-1)
    <BLANKLINE>
    [4. 9.]
    <NDArray 2 @cpu(0)>
    >>> mx.nd.diag(mx.nd.zeros((2, 3, 4)), axis1=0, axis2=2).shape
    (3, 2)
    """
    _check_array("diag", data)
    k = _int_param("diag", "k", k)
    axis1, axis2 = _int_param("diag", "axis1", axis1), _int_param("diag", "axis2", axis2)
    nd = data.ndim
    if nd == 0:
        raise MXNetError("diag: data must have at least one dimension, got a 0-d array")
    if nd == 1:
        n = data.shape[0] + abs(k)
        offset = k if k >= 0 else -k * n
        _early_out("diag", out, data, (n, n))
        res = scatter_strided(data, (n, n), (n + 1,), offset)
        return deliver("diag", res, out)
    for a in (axis1, axis2):
        if not -nd <= a < nd:
            raise MXNetError(f"diag: axis {a} is out of range for an array of {nd} dimensions")
    a1, a2 = axis1 % nd, axis2 % nd
    if a1 == a2:
        raise MXNetError(f"diag: axis1 and axis2 cannot refer to the same axis {a1}")
    rows, cols = data.shape[a1], data.shape[a2]
    length = min(rows, cols - k) if k >= 0 else min(rows + k, cols)
    if length < 0:          # an empty diagonal just past a corner is still one
        raise MXNetError(f"diag: the diagonal k={k} does not exist in a {rows}x{cols} plane "
                         f"(axes {a1}, {a2} of shape {data.shape})")
    st = contiguous_strides(data.shape)
    rest = [a for a in range(nd) if a not in (a1, a2)]
    shape = tuple(data.shape[a] for a in rest) + (length,)
    strides = tuple(st[a] for a in rest) + (st[a1] + st[a2],)
    offset = k * st[a2] if k >= 0 else -k * st[a1]
    _early_out("diag", out, data, shape)
    return deliver("diag", gather_strided(data, shape, strides, offset, name="diag"), out)


def khatri_rao(*args, out=None, name=None):
    """The column-wise Kronecker product of matrices with the same number of columns k:
    for inputs of shapes (n1, k), (n2, k), ... a (n1*n2*..., k) matrix whose column j is
    the Kronecker product of the inputs' columns j. float32 and float64 only, as in MXNet.

    >>> a = mx.nd.array([[1, 2], [3, 4]])
    >>> b = mx.nd.array([[1, 5], [2, 6]])
    >>> mx.nd.khatri_rao(a, b)
    <BLANKLINE>
    [[ 1. 10.]
     [ 2. 12.]
     [ 3. 20.]
     [ 6. 24.]]
    <NDArray 4x2 @cpu(0)>
    """
    if not args:
        raise MXNetError("khatri_rao: needs at least one input matrix (num_args >= 1)")
    for i, a in enumerate(args):
        _check_array("khatri_rao", a, f"input {i}")
        if a.ndim != 2:
            raise MXNetError(f"khatri_rao: every input must be a matrix, input {i} has shape "
                             f"{a.shape}")
        if a.shape[1] != args[0].shape[1]:
            raise MXNetError(f"khatri_rao: every input must have {args[0].shape[1]} columns "
                             f"(as input 0), input {i} has shape {a.shape}")
        if a._dtype_code != args[0]._dtype_code or a.context != args[0].context:
            raise MXNetError(f"khatri_rao: input {i} is {a.dtype.__name__} on {a.context}, "
                             f"input 0 {args[0].dtype.__name__} on {args[0].context}")
    if args[0]._dtype_code not in _KR_CODES:
        raise MXNetError(f"khatri_rao: only float32 and float64 inputs are supported, got "
                         f"{args[0].dtype.__name__}")
    cols = args[0].shape[1]
    _early_out("khatri_rao", out, args[0], (math.prod(a.shape[0] for a in args), cols), args)
    res = args[0]
    for a in args[1:]:
        prod = res.reshape((res.shape[0], 1, cols)) * a.reshape((1, a.shape[0], cols))
        res = prod.reshape((res.shape[0] * a.shape[0], cols))
    if res is args[0]:
        res = res.copy()
    return deliver("khatri_rao", res, out)
