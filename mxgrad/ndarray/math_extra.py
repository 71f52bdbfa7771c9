"""The rest of MXNet's math under ``mx.nd``: add_n, softmin, hard_sigmoid, smooth_l1, the
finiteness checks (all_finite, multi_all_finite, contrib.isnan/isinf/isfinite), multi_sum_sq,
the AMP casts, reset_arrays, contrib.div_sqrt_dim, and the special functions gamma, gammaln and
erfinv (elementwise ops, documented in the elementwise table; kernels_cl/elementwise.cl has
their helpers).

The elementwise ones are fusable snippets with gradient rules in NDArray ops; the others are
compositions of differentiable ops. Arguments are checked before anything is enqueued.
"""
import math

import numpy as np

from mxgrad._ndarray import ElemwiseOp, NDArrayBase
from mxgrad.base import DTYPES, MXNetError, dtype_code
from mxgrad._tape import is_recording, wants_grad
from mxgrad.gradients import elementwise
from mxgrad.ndarray import _sum_sq
from mxgrad.ndarray._deliver import check_out, deliver
from mxgrad.ndarray._elemwise_grads import needs_masks
from mxgrad.ndarray._elemwise_table import OPS, DocumentedOp
from mxgrad.ndarray._kwargs import reject_unknown
from mxgrad.ndarray._select import select

__all__ = ["gamma", "gammaln", "erfinv", "add_n", "ElementWiseSum", "softmin", "hard_sigmoid",
           "smooth_l1", "all_finite", "multi_all_finite", "multi_sum_sq", "amp_cast",
           "amp_multicast", "reset_arrays"]

_FLOATS = (0, 1, 2)
_MAX_OPERANDS = 8          # operands of one elementwise op


def _check_float(op, x, name="data"):
    if not isinstance(x, NDArrayBase):
        raise MXNetError(f"{op}: {name} must be an NDArray, got {type(x).__name__}")
    if x._dtype_code not in _FLOATS:
        raise MXNetError(f"{op}: this operation only supports floating point types, not "
                         f"{DTYPES[x._dtype_code].name}")


def _check_count(op, data, num, what="num_arrays"):
    if num is not None and int(num) != len(data):
        raise MXNetError(f"Operator {op} expects {int(num)} inputs, but got {len(data)} "
                         f"instead ({what}={num})")
    if not data:
        raise MXNetError(f"{op}: needs at least one input array")


def _check_uniform(op, data, shapes=True):
    first = data[0]
    for i, a in enumerate(data):
        if not isinstance(a, NDArrayBase):
            raise MXNetError(f"{op}: input {i} must be an NDArray, got {type(a).__name__}")
        if shapes and a.shape != first.shape:
            raise MXNetError(f"{op}: input {i} has shape {a.shape}, input 0 has {first.shape}")
        if a._dtype_code != first._dtype_code:
            raise MXNetError(f"{op}: input {i} is {DTYPES[a._dtype_code].name}, input 0 is "
                             f"{DTYPES[first._dtype_code].name} (inputs must share a dtype)")
        if a.context != first.context:
            raise MXNetError(f"{op}: input {i} is on {a.context}, input 0 on {first.context}")


# --- add_n: one elementwise op (fused into one kernel) for up to 8 operands -----------------
def _add_rule(saved, inputs, outputs, out_grads):
    return (out_grads[0],) * len(inputs)


_SUMS = {n: elementwise(ElemwiseOp(
    "add_n", "(" + " + ".join(f"x{k}" for k in range(n)) + ")", n, _add_rule))
    for n in range(2, _MAX_OPERANDS + 1)}
for _op in _SUMS.values():
    _op.needs = (0,) * _op.nin         # the rule reads no data


def add_n(*args, num_args=None, out=None, name=None, **kwargs):
    """The elementwise sum of arrays of one shape and dtype, in one kernel (no broadcasting).

    >>> mx.nd.add_n(mx.nd.array([1, 2]), mx.nd.array([3, 4]), mx.nd.array([5, 6]))
    <BLANKLINE>
    [ 9. 12.]
    <NDArray 2 @cpu(0)>
    """
    reject_unknown("add_n", kwargs)
    _check_count("add_n", args, num_args, "num_args")
    _check_uniform("add_n", args)
    if out is not None:
        check_out("add_n", out, args, args[0].shape, args[0]._dtype_code, args[0].context)
    if len(args) == 1:
        return deliver("add_n", OPS["identity"](args[0]), out)
    total, rest = None, list(args)
    while rest:         # chained sums of up to 8 operands; the fuser joins them into one kernel
        take = rest[:_MAX_OPERANDS - (total is not None)]
        rest = rest[len(take):]
        operands = ([total] if total is not None else []) + take
        total = operands[0] if len(operands) == 1 else _SUMS[len(operands)](*operands)
    return deliver("add_n", total, out)


def ElementWiseSum(*args, num_args=None, out=None, name=None, **kwargs):
    """MXNet's other name of :func:`add_n`.

    >>> mx.nd.ElementWiseSum(mx.nd.array([1, 2]), mx.nd.array([3, 4]))
    <BLANKLINE>
    [4. 6.]
    <NDArray 2 @cpu(0)>
    """
    reject_unknown("ElementWiseSum", kwargs)
    return add_n(*args, num_args=num_args, out=out, name=name, **kwargs)


# --- special functions: gamma, gammaln, erfinv (rows of the elementwise table's docs) ------------
# trigamma, the last order written, refuses to go further.
def _too_deep(*args):
    raise MXNetError("gamma and gammaln are differentiable twice, not three times")


_trigamma = elementwise(ElemwiseOp("_trigamma", "TO_CT(mx_trigamma((FT)x0))", 1, _too_deep))
_digamma = elementwise(ElemwiseOp(
    "_digamma", "TO_CT(mx_digamma((FT)x0))", 1,
    lambda saved, inputs, outputs, g: (g[0] * _trigamma(inputs[0]),)))
gamma = elementwise(DocumentedOp(
    "gamma", "TO_CT(tgamma((FT)x0))", 1,
    lambda saved, inputs, outputs, g: (g[0] * outputs[0] * _digamma(inputs[0]),)))
gammaln = elementwise(DocumentedOp(
    "gammaln", "TO_CT(lgamma((FT)x0))", 1,
    lambda saved, inputs, outputs, g: (g[0] * _digamma(inputs[0]),)))
erfinv = elementwise(DocumentedOp(
    "erfinv", "TO_CT(mx_erfinv((FT)x0))", 1,
    lambda saved, inputs, outputs, g: (
        g[0] * (math.sqrt(math.pi) / 2) * OPS["exp"](outputs[0] * outputs[0]),)))
_trigamma.needs = _digamma.needs = gammaln.needs = needs_masks(("x",), 1)
gamma.needs = needs_masks(("xy",), 1)
erfinv.needs = needs_masks(("y",), 1)


# --- activations ------------------------------------------------------------------------------
def softmin(data, axis=-1, temperature=None, dtype=None, use_length=False, out=None,
            name=None, **kwargs):
    """softmax of ``-data / temperature`` along ``axis``: the smallest values weigh most.

    >>> np.round(mx.nd.softmin(mx.nd.array([[1, 2], [3, 5]]), axis=1).asnumpy(), 4)
    array([[0.7311, 0.2689],
           [0.8808, 0.1192]], dtype=float32)
    """
    reject_unknown("softmin", kwargs)
    from mxgrad.ndarray.nn import softmax
    _check_float("softmin", data)
    if use_length:
        raise MXNetError("softmin: use_length=True is not supported")
    if temperature is not None and float(temperature) == 0:
        raise MXNetError("softmin: temperature must not be 0")
    if not -data.ndim <= int(axis) < max(data.ndim, 1):
        raise MXNetError(f"softmin: axis {axis} is out of range for an array of {data.ndim} "
                         "dimensions")
    if dtype is not None:
        name_ = np.dtype(dtype).name if not isinstance(dtype, str) else dtype
        if name_ not in ("float16", "float32", "float64"):
            raise MXNetError(f"softmin: invalid dtype {dtype!r}, valid values are None, "
                             "'float16', 'float32', 'float64'")
    if out is not None:
        code = data._dtype_code if dtype is None else dtype_code(dtype)
        check_out("softmin", out, shape=data.shape, code=code, ctx=data.context)
    return softmax(-data, axis=axis, temperature=temperature, dtype=dtype, out=out)


_hard_sigmoid = elementwise(ElemwiseOp(
    "hard_sigmoid", "TO_CT(fmin((FT)1, fmax((FT)0, (FT)x1 * (FT)x0 + (FT)x2)))", 3,
    # alpha where the result is strictly inside (0, 1), else 0 (MXNet's rule)
    lambda saved, inputs, outputs, g: (
        g[0] * select((outputs[0] > 0) * (outputs[0] < 1), inputs[1], 0.0), None, None)))


def hard_sigmoid(data, alpha=0.2, beta=0.5, out=None, name=None, **kwargs):
    """``max(0, min(1, alpha * x + beta))``, elementwise.

    >>> mx.nd.hard_sigmoid(mx.nd.array([-5, 0, 1, 5]))
    <BLANKLINE>
    [0.  0.5 0.7 1. ]
    <NDArray 4 @cpu(0)>
    """
    reject_unknown("hard_sigmoid", kwargs)
    _check_float("hard_sigmoid", data)
    # float32 parameters in MXNet, in every dtype
    return _hard_sigmoid(data, float(np.float32(alpha)), float(np.float32(beta)), out=out)


def _smooth_l1_rule(saved, inputs, outputs, g):
    x, sigma = inputs
    s2 = float(sigma) ** 2
    bound = 1 / s2 if s2 else math.inf
    return (g[0] * select(OPS["abs"](x) < bound, x * s2, OPS["sign"](x)), None)


_smooth_l1 = elementwise(ElemwiseOp(
    "smooth_l1", "TO_CT(fabs((FT)x0) * (FT)x1 * (FT)x1 < (FT)1 "
                 "? (FT)0.5 * (FT)x0 * (FT)x0 * (FT)x1 * (FT)x1 "
                 ": fabs((FT)x0) - (FT)0.5 / ((FT)x1 * (FT)x1))", 2, _smooth_l1_rule))


def smooth_l1(data, scalar=1.0, out=None, name=None, **kwargs):
    """The smooth L1 loss with ``sigma = scalar``: ``0.5 * (sigma * x)**2`` where
    ``abs(x) < 1 / sigma**2``, else ``abs(x) - 0.5 / sigma**2``.

    >>> mx.nd.smooth_l1(mx.nd.array([-2, -0.5, 0, 2]), scalar=2.0)
    <BLANKLINE>
    [1.875 0.375 0.    1.875]
    <NDArray 4 @cpu(0)>
    """
    reject_unknown("smooth_l1", kwargs)
    if not isinstance(data, NDArrayBase):
        raise MXNetError(f"smooth_l1: data must be an NDArray, got {type(data).__name__}")
    return _smooth_l1(data, float(np.float32(scalar)), out=out)


# --- finiteness ------------------------------------------------------------------------------
# 1/0 in the input's dtype; x - x is NaN exactly for infinities and NaN (0 for integers)
_isfinite = elementwise(ElemwiseOp("isfinite", "(CT)(x0 - x0 == x0 - x0)", 1,
                                   lambda saved, inputs, outputs, g: (None,)))
_isinf = elementwise(ElemwiseOp("isinf", "(CT)(x0 == x0 && x0 - x0 != x0 - x0)", 1,
                                lambda saved, inputs, outputs, g: (None,)))
_isnan = elementwise(ElemwiseOp("isnan", "(CT)(x0 != x0)", 1,
                                lambda saved, inputs, outputs, g: (None,)))
for _op in (_isfinite, _isinf, _isnan):
    _op.needs = (0,)


def isfinite(data, out=None, name=None, **kwargs):
    """1 where ``data`` is finite, else 0, in data's dtype (``mx.nd.contrib.isfinite``).

    >>> mx.nd.contrib.isfinite(mx.nd.array([1, np.nan, np.inf]))
    <BLANKLINE>
    [1. 0. 0.]
    <NDArray 3 @cpu(0)>
    """
    reject_unknown("isfinite", kwargs)
    return _isfinite(_array("isfinite", data), out=out)


def isinf(data, out=None, name=None, **kwargs):
    """1 where ``data`` is +inf or -inf, else 0, in data's dtype (``mx.nd.contrib.isinf``).

    >>> mx.nd.contrib.isinf(mx.nd.array([1, np.nan, -np.inf]))
    <BLANKLINE>
    [0. 0. 1.]
    <NDArray 3 @cpu(0)>
    """
    reject_unknown("isinf", kwargs)
    return _isinf(_array("isinf", data), out=out)


def isnan(data, out=None, name=None, **kwargs):
    """1 where ``data`` is NaN, else 0, in data's dtype (``mx.nd.contrib.isnan``).

    >>> mx.nd.contrib.isnan(mx.nd.array([1, np.nan, np.inf]))
    <BLANKLINE>
    [0. 1. 0.]
    <NDArray 3 @cpu(0)>
    """
    reject_unknown("isnan", kwargs)
    return _isnan(_array("isnan", data), out=out)


def _array(op, data):
    if not isinstance(data, NDArrayBase):
        raise MXNetError(f"{op}: data must be an NDArray, got {type(data).__name__}")
    return data


def _finite_flag(op, data):
    """float32 (1,): 1 if every element of ``data`` is finite (also when it is empty)."""
    from mxgrad.ndarray.creation import ones
    from mxgrad.ndarray.reduce import min as reduce_min
    if data.size == 0:
        return ones((1,), ctx=data.context)
    flag = reduce_min(_isfinite(data)).reshape((1,))
    return flag if flag._dtype_code == 0 else flag.astype("float32")


def _finite_result(op, flag, init_output, out):
    """MXNet's init_output: with False the result starts from ``out``'s value (it only ever
    writes a 0 into it); without ``out`` it starts from 1."""
    if out is not None:
        check_out(op, out, shape=(1,), code=0, ctx=flag.context)
        if not init_output:
            flag = flag * out
    return deliver(op, flag, out)


def all_finite(data, init_output=True, out=None, name=None, **kwargs):
    """float32 ``[1.]`` if every element of ``data`` is finite, else ``[0.]``.

    >>> mx.nd.all_finite(mx.nd.array([1, 2]))
    <BLANKLINE>
    [1.]
    <NDArray 1 @cpu(0)>
    >>> mx.nd.all_finite(mx.nd.array([1, np.inf]))
    <BLANKLINE>
    [0.]
    <NDArray 1 @cpu(0)>
    """
    reject_unknown("all_finite", kwargs)
    _check_float("all_finite", data)
    if out is not None:
        check_out("all_finite", out, shape=(1,), code=0, ctx=data.context)
    return _finite_result("all_finite", _finite_flag("all_finite", data), init_output, out)


def multi_all_finite(*data, num_arrays=1, init_output=True, out=None, name=None, **kwargs):
    """float32 ``[1.]`` if every element of every array is finite, else ``[0.]``.

    >>> mx.nd.multi_all_finite(mx.nd.array([1, 2]), mx.nd.array([np.nan]), num_arrays=2)
    <BLANKLINE>
    [0.]
    <NDArray 1 @cpu(0)>
    """
    reject_unknown("multi_all_finite", kwargs)
    op = "multi_all_finite"
    _check_count(op, data, num_arrays)
    for i, a in enumerate(data):
        _check_float(op, a, f"input {i}")
    _check_uniform(op, data, shapes=False)
    if out is not None:
        check_out(op, out, shape=(1,), code=0, ctx=data[0].context)
    flag = _finite_flag(op, data[0])
    for a in data[1:]:
        flag = flag * _finite_flag(op, a)
    return _finite_result(op, flag, init_output, out)


def multi_sum_sq(*data, num_arrays=1, out=None, name=None, **kwargs):
    """The sum of squares of each array, as a float32 vector of ``num_arrays`` values
    (float16 inputs are summed in float32), up to 16 arrays a kernel launch.

    >>> mx.nd.multi_sum_sq(mx.nd.array([1, 2]), mx.nd.array([3]), num_arrays=2)
    <BLANKLINE>
    [5. 9.]
    <NDArray 2 @cpu(0)>
    """
    reject_unknown("multi_sum_sq", kwargs)
    op = "multi_sum_sq"
    _check_count(op, data, num_arrays)
    for i, a in enumerate(data):
        _check_float(op, a, f"input {i}")
    _check_uniform(op, data, shapes=False)
    if out is not None:
        check_out(op, out, data, (len(data),), 0, data[0].context)
    if is_recording() and any(wants_grad(a) for a in data):
        return deliver(op, _differentiable_sum_sq(data), out)
    res = out if out is not None else _sum_sq.empty_sums(data[0].context, len(data))
    return _sum_sq.sum_squares(list(data), res)


def _differentiable_sum_sq(data):
    """multi_sum_sq from recorded ops, for arrays that need a gradient (MXNet has none)."""
    from mxgrad.ndarray.join import concat
    from mxgrad.ndarray.reduce import sum as reduce_sum
    sums = []
    for a in data:
        a = a.astype("float32") if a._dtype_code == 2 else a
        s = reduce_sum(OPS["square"](a)).reshape((1,))
        sums.append(s if s._dtype_code == 0 else s.astype("float32"))
    return sums[0] if len(sums) == 1 else concat(*sums, dim=0)


# --- AMP casts: only float16 and float32 arrays change type ------------------------------
_AMP = (0, 2)


def amp_cast(data, dtype=None, out=None, name=None, **kwargs):
    """``data`` cast to ``dtype`` if it is float16 or float32; other dtypes pass unchanged
    (as a copy). The gradient is cast back.

    >>> mx.nd.amp_cast(mx.nd.array([1, 2]), dtype='float16').dtype
    <class 'numpy.float16'>
    >>> mx.nd.amp_cast(mx.nd.array([1, 2], dtype='float64'), dtype='float16').dtype
    <class 'numpy.float64'>
    """
    reject_unknown("amp_cast", kwargs)
    if dtype is None:
        raise MXNetError("Required parameter dtype is not presented, in operator amp_cast")
    _array("amp_cast", data)
    code = dtype_code(dtype)
    target = code if data._dtype_code in _AMP else data._dtype_code
    if out is not None:
        check_out("amp_cast", out, (data,), data.shape, target, data.context)
    res = data.astype(DTYPES[target]) if target != data._dtype_code else OPS["identity"](data)
    return deliver("amp_cast", res, out)


def amp_multicast(*data, num_outputs=None, cast_narrow=False, out=None, name=None, **kwargs):
    """The float16 and float32 inputs all cast to the widest of them (float32), or with
    ``cast_narrow`` to the narrowest; other dtypes pass unchanged. A list of ``num_outputs``
    arrays (one NDArray when there is one).

    >>> a, b = mx.nd.array([1, 2]), mx.nd.array([1], dtype='float16')
    >>> [x.dtype.__name__ for x in mx.nd.amp_multicast(a, b, num_outputs=2)]
    ['float32', 'float32']
    >>> [x.dtype.__name__ for x in mx.nd.amp_multicast(a, b, num_outputs=2, cast_narrow=True)]
    ['float16', 'float16']
    """
    reject_unknown("amp_multicast", kwargs)
    op = "amp_multicast"
    if num_outputs is None:
        raise MXNetError(f"Required parameter num_outputs is not presented, in operator {op}")
    _check_count(op, data, num_outputs, "num_outputs")
    for i, a in enumerate(data):
        _array(op, a)
    amp = {a._dtype_code for a in data if a._dtype_code in _AMP}
    target = (2 if 2 in amp else 0) if cast_narrow else (0 if 0 in amp else 2)
    codes = [target if a._dtype_code in _AMP else a._dtype_code for a in data]
    outs = None
    if out is not None:
        outs = list(out) if isinstance(out, (list, tuple)) else [out]
        if len(outs) != len(data):
            raise MXNetError(f"{op}: out has {len(outs)} arrays for {len(data)} outputs")
        for a, o, c in zip(data, outs, codes):
            check_out(op, o, data, a.shape, c, a.context)
    res = [a.astype(DTYPES[c]) if c != a._dtype_code else OPS["identity"](a)
           for a, c in zip(data, codes)]
    if outs is not None:
        res = [deliver(op, r, o) for r, o in zip(res, outs)]
    return res[0] if len(res) == 1 else res


def reset_arrays(*data, num_arrays=None, out=None, name=None, **kwargs):
    """Set every array to zero, in place; returns an empty list (as MXNet's).

    >>> a, b = mx.nd.array([1, 2]), mx.nd.array([3])
    >>> mx.nd.reset_arrays(a, b, num_arrays=2)
    []
    >>> a
    <BLANKLINE>
    [0. 0.]
    <NDArray 2 @cpu(0)>
    """
    reject_unknown("reset_arrays", kwargs)
    from mxgrad._ndarray import check_inplace
    if num_arrays is None:
        raise MXNetError("Required parameter num_arrays is not presented, in operator "
                         "reset_arrays")
    _check_count("reset_arrays", data, num_arrays)
    for i, a in enumerate(data):
        _array("reset_arrays", a)
        check_inplace(a)
    for a in data:
        a[:] = 0
    return []


def div_sqrt_dim(data, out=None, name=None, **kwargs):
    """``data / sqrt(d)`` with ``d`` the size of its last axis (scaled dot-product
    attention's scaling; ``mx.nd.contrib.div_sqrt_dim``). Integer dtypes divide by the
    square root truncated to an integer, as MXNet does.

    >>> mx.nd.contrib.div_sqrt_dim(mx.nd.array([[1, 2, 3, 4]]))
    <BLANKLINE>
    [[0.5 1.  1.5 2. ]]
    <NDArray 1x4 @cpu(0)>
    """
    reject_unknown("div_sqrt_dim", kwargs)
    _array("div_sqrt_dim", data)
    if data.ndim == 0:
        raise MXNetError("div_sqrt_dim: data must have at least one axis")
    root = math.sqrt(data.shape[-1])
    if data._dtype_code not in _FLOATS:
        root = int(root)
    return OPS["divide"](data, root, out=out)
