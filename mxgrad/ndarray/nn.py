"""Neural-network ops: softmax family, activations, pick/one_hot/Embedding, losses, where/clip.

Forward passes are kernels (kernels_cl/nn.cl or elementwise snippets); gradient rules are
written in NDArray ops so every op here has higher-order gradients.
"""
import functools
import math

import numpy as np

from mxgrad import _ndarray
from mxgrad._codegen import TYPES
from mxgrad._ndarray import NDArrayBase, ElemwiseOp
from mxgrad._tape import is_recording, record_op
from mxgrad.base import MXNetError, dtype_code
from mxgrad.gradients import elementwise, gradient_rule
from mxgrad.ndarray._elemwise_table import OPS, DocumentedOp
from mxgrad.ndarray._deliver import check_out, deliver
from mxgrad.ndarray._kernels import family_kernel
from mxgrad.ndarray._select import select
from mxgrad.ndarray.gather import take_along

__all__ = ["softmax", "log_softmax", "Activation", "LeakyReLU", "pick", "one_hot", "Embedding",
           "take", "SequenceMask", "stop_gradient", "BlockGrad", "shuffle",
           "SoftmaxOutput", "softmax_cross_entropy", "where", "clip", "erf", "softrelu",
           "gelu", "selu", "elu", "leaky_relu"]

_SQRT1_2 = 1 / math.sqrt(2.0)
_SQRT2_PI = math.sqrt(2.0 / math.pi)
_FLOAT16 = dtype_code("float16")
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_LAMBDA = 1.0507009873554804934193349852946


def _check_array(op, x, name="data"):
    if not isinstance(x, NDArrayBase):
        raise MXNetError(f"{op}: {name} must be an NDArray, got {type(x).__name__}")


def _check_float(op, x):
    """The NN layers take floating point data only, as in MXNet (the plain elementwise
    functions such as relu take integers too)."""
    _check_array(op, x)
    if x._dtype_code not in (0, 1, 2):
        raise MXNetError(f"{op}: only floating point types are supported, got "
                         f"{x.dtype.__name__}")


def _axis(op, axis, ndim):
    if not -ndim <= axis < ndim:
        raise MXNetError(f"{op}: axis {axis} is out of range for an array of {ndim} dimensions")
    return axis % ndim


def _split(shape, axis):
    outer = math.prod(shape[:axis])
    inner = math.prod(shape[axis + 1:])
    return outer, shape[axis], inner


def _sum_keep(x, axis):
    from mxgrad.ndarray.reduce import sum as reduce_sum
    return reduce_sum(x, axis=axis, keepdims=True)


# --- softmax family --------------------------------------------------------------------------
@functools.lru_cache(maxsize=None)       # layouts recur every step: compute them once
def _softmax_layout(op, shape, axis):
    """(axis, outer, L, inner) of a softmax along ``axis``."""
    ax = _axis(op, axis, len(shape))
    return (ax,) + _split(shape, ax)


def _softmax_forward(op, data, axis, temperature, log):
    _check_array(op, data)
    if data._dtype_code not in (0, 1, 2):
        raise MXNetError(f"{op}: needs a floating dtype, got {np.dtype(data.dtype).name}")
    t = 1.0 if temperature is None else float(temperature)
    if t == 0:
        raise MXNetError(f"{op}: temperature must not be 0")
    ax, outer, L, inner = _softmax_layout(op, data.shape, axis)
    out = _ndarray.empty_array(data.context, data.shape, data._dtype_code)
    if data.size:
        k = family_kernel(data.context, "nn", "softmax", data._dtype_code,
                          f"-D LOG_SOFTMAX={int(log)}")
        k.set_args(0, out._buffer, out._offset, data._buffer, data._offset, outer * inner, L,
                   inner)
        k.set_arg_scalar(7, 0 if data._dtype_code == 2 else data._dtype_code, 1.0 / t)
        data.context.state.launch_1d(k, outer * inner, L)     # a work-item per row
    if is_recording():
        rule = _log_softmax_rule if log else _softmax_rule
        fn = log_softmax if log else softmax
        record_op(op, (data,), (out,), rule, (ax, t),
                  replay=lambda x: fn(x, axis=ax, temperature=t),
                  attrs={"axis": axis, "temperature": temperature})
    return out


@gradient_rule("softmax")
def _softmax_rule(saved, inputs, outputs, out_grads):
    ax, t = saved
    y, g = outputs[0], out_grads[0]
    gy = g * y
    dx = gy - y * _sum_keep(gy, ax)
    return (dx / t if t != 1.0 else dx,)


@gradient_rule("log_softmax")
def _log_softmax_rule(saved, inputs, outputs, out_grads):
    ax, t = saved
    y, g = outputs[0], out_grads[0]
    total = _sum_keep(g, ax)          # first: exp(y) then joins dx's group
    dx = g - OPS["exp"](y) * total
    return (dx / t if t != 1.0 else dx,)


def softmax(data, axis=-1, temperature=None, length=None, use_length=False, dtype=None, out=None,
            name=None):
    """exp(x / T) normalised along ``axis``; ``dtype`` (float16/32/64) is the result's type.

    >>> x = mx.nd.array([[0, 0], [1, 3]])
    >>> np.round(mx.nd.softmax(x).asnumpy(), 4)
    array([[0.5   , 0.5   ],
           [0.1192, 0.8808]], dtype=float32)
    >>> np.round(mx.nd.softmax(x, axis=0).asnumpy(), 4)
    array([[0.2689, 0.0474],
           [0.7311, 0.9526]], dtype=float32)
    >>> np.round(mx.nd.softmax(mx.nd.array([1, 3]), temperature=2).asnumpy(), 4)
    array([0.2689, 0.7311], dtype=float32)
    >>> mx.nd.softmax(x, dtype='float16').dtype
    <class 'numpy.float16'>
    """
    _no_length("softmax", use_length)
    dtype = _result_dtype("softmax", data, dtype, out)
    res = _softmax_forward("softmax", data, axis, temperature, False)
    return deliver("softmax", _cast(res, dtype), out)


def log_softmax(data, axis=-1, temperature=None, dtype=None, use_length=False, out=None, name=None):
    """log(softmax(x / T)) along ``axis``, computed stably.

    >>> x = mx.nd.array([[0, 0], [1, 3]])
    >>> np.round(mx.nd.log_softmax(x).asnumpy(), 4)
    array([[-0.6931, -0.6931],
           [-2.1269, -0.1269]], dtype=float32)
    >>> np.round(mx.nd.log_softmax(x + 1000).asnumpy(), 3)     # no overflow
    array([[-0.693, -0.693],
           [-2.127, -0.127]], dtype=float32)
    """
    _no_length("log_softmax", use_length)
    dtype = _result_dtype("log_softmax", data, dtype, out)
    res = _softmax_forward("log_softmax", data, axis, temperature, True)
    return deliver("log_softmax", _cast(res, dtype), out)


def _no_length(op, use_length):
    if use_length:
        raise MXNetError(f"{op}: use_length=True is not supported")


_RESULT_DTYPES = ("float16", "float32", "float64")


def _result_dtype(op, data, dtype, out):
    """The name of softmax's ``dtype=`` (None: the input's), checked with ``out`` before any
    launch. MXNet computes in the input's type and writes the result in ``dtype``."""
    name = None
    if dtype is not None:
        try:
            name = np.dtype(dtype).name
        except TypeError:
            pass
        if name not in _RESULT_DTYPES:
            raise MXNetError(f"{op}: invalid dtype {dtype!r}, valid values are None, "
                             f"{', '.join(map(repr, _RESULT_DTYPES))}")
    if out is not None and isinstance(data, NDArrayBase):
        code = data._dtype_code if name is None else dtype_code(name)
        check_out(op, out, shape=data.shape, code=code, ctx=data.context)
    return name


def _cast(res, dtype):
    return res if dtype is None or dtype == res.dtype.__name__ else res.astype(dtype)


# --- elementwise activations (snippets + rules in NDArray ops) -------------------------------
def _rule1(d):
    return lambda saved, inputs, outputs, g: (d(inputs[0], outputs[0], g[0]),)


erf = elementwise(DocumentedOp(
    "erf", "erf((FT)x0)", 1,
    _rule1(lambda x, y, g: g * (2 / math.sqrt(math.pi)) * OPS["exp"](-(x * x)))))
softrelu = elementwise(DocumentedOp(
    "softrelu", "(x0 > (CT)20 ? (FT)x0 : log1p(exp((FT)x0)))", 1,
    _rule1(lambda x, y, g: g * OPS["sigmoid"](x))))
gelu = elementwise(DocumentedOp(
    "gelu", f"((FT)0.5 * (FT)x0 * ((FT)1 + erf((FT)x0 * (FT){_SQRT1_2!r})))", 1,
    _rule1(lambda x, y, g: g * (0.5 * (1 + erf(x * _SQRT1_2))
                                + x * OPS["exp"](-0.5 * x * x) * (1 / math.sqrt(2 * math.pi))))))
# The gradients below pick their branch with select, as MXNet's kernels do, rather than mask
# arithmetic: 0 * inf in an unused branch would make NaN (at x = +inf), and NaN takes the
# x <= 0 branch (its gradient is NaN for selu and elu, the slope for leaky and prelu).
selu = elementwise(DocumentedOp(
    "selu", f"((FT){_SELU_LAMBDA!r} * (x0 > 0 ? (FT)x0 : (FT){_SELU_ALPHA!r} * expm1((FT)x0)))",
    1, _rule1(lambda x, y, g: g * select(x > 0, _SELU_LAMBDA, y + _SELU_LAMBDA * _SELU_ALPHA))))
# slope is a scalar operand (x1): one kernel serves every slope.
elu = elementwise(DocumentedOp(
    "elu", "(x0 > 0 ? (FT)x0 : (FT)x1 * expm1((FT)x0))", 2,
    lambda saved, inputs, outputs, g: (
        g[0] * select(inputs[0] > 0, 1.0, outputs[0] + inputs[1]), None)))
leaky_relu = elementwise(DocumentedOp(
    "leaky_relu", "(x0 > 0 ? x0 : x1 * x0)", 2,
    lambda saved, inputs, outputs, g: (g[0] * select(inputs[0] > 0, 1.0, inputs[1]), None)))
_clip = elementwise(ElemwiseOp(
    "clip", "(x0 < x1 ? x1 : (x0 > x2 ? x2 : x0))", 3,
    lambda saved, inputs, outputs, g: (
        g[0] * (inputs[0] >= inputs[1]) * (inputs[0] <= inputs[2]), None, None)))

_ACTIVATIONS = {"relu": OPS["relu"], "sigmoid": OPS["sigmoid"], "tanh": OPS["tanh"],
                "softrelu": softrelu, "softsign": OPS["softsign"]}


def Activation(data, act_type, out=None, name=None):
    """relu, sigmoid, tanh, softrelu (log(1 + exp(x))) or softsign, elementwise.

    >>> x = mx.nd.array([-1, 0, 2])
    >>> mx.nd.Activation(x, act_type='relu')
    <BLANKLINE>
    [0. 0. 2.]
    <NDArray 3 @cpu(0)>
    >>> mx.nd.Activation(x, act_type='softsign')
    <BLANKLINE>
    [-0.5        0.         0.6666667]
    <NDArray 3 @cpu(0)>
    """
    op = _ACTIVATIONS.get(act_type)
    if op is None:
        raise MXNetError(f"Activation: unsupported act_type {act_type!r}; expected one of "
                         f"{', '.join(sorted(_ACTIVATIONS))}")
    _check_float("Activation", data)
    return op(data, out=out)


def LeakyReLU(data, gamma=None, act_type="leaky", slope=0.25, lower_bound=0.125,
              upper_bound=0.334, out=None, name=None):
    """leaky (x or slope*x), elu, selu, gelu, or prelu with a learned ``gamma`` per channel.

    >>> x = mx.nd.array([-2, 0, 2])
    >>> mx.nd.LeakyReLU(x)                          # slope 0.25
    <BLANKLINE>
    [-0.5  0.   2. ]
    <NDArray 3 @cpu(0)>
    >>> mx.nd.LeakyReLU(x, act_type='elu', slope=1.0)
    <BLANKLINE>
    [-0.86466473  0.          2.        ]
    <NDArray 3 @cpu(0)>
    >>> data = mx.nd.array([[-1, -1], [2, 2]])      # (batch, channels)
    >>> mx.nd.LeakyReLU(data, gamma=mx.nd.array([0.1, 0.5]), act_type='prelu')
    <BLANKLINE>
    [[-0.1 -0.5]
     [ 2.   2. ]]
    <NDArray 2x2 @cpu(0)>
    """
    _check_float("LeakyReLU", data)
    slope = float(np.float32(slope))         # a float32 parameter in MXNet, in every dtype
    if act_type == "leaky":
        return leaky_relu(data, slope, out=out)
    if act_type == "elu":
        return elu(data, slope, out=out)
    if act_type == "selu":
        return selu(data, out=out)
    if act_type == "gelu":
        return gelu(data, out=out)
    if act_type == "prelu":
        if gamma is None:
            raise MXNetError("LeakyReLU: act_type='prelu' needs gamma")
        g = gamma
        if data.ndim > 1 and gamma.ndim == 1 and gamma.shape[0] != 1:
            if gamma.shape[0] != data.shape[1]:
                raise MXNetError(f"LeakyReLU: prelu gamma has {gamma.shape[0]} values for "
                                 f"{data.shape[1]} channels")
            g = gamma.reshape((1, -1) + (1,) * (data.ndim - 2))
        # MXNet's x > 0 ? x : gamma * x; gamma's gradient sees only the other elements
        # (0 rather than 0 * inf where x = +inf).
        positive = data > 0
        rest = select(positive, 0.0, data)
        return deliver("LeakyReLU", select(positive, data, g * rest), out)
    raise MXNetError(f"LeakyReLU: unsupported act_type {act_type!r}; expected leaky, elu, "
                     "selu, gelu or prelu")


def where(condition, x, y, out=None, name=None):
    """Elementwise x where condition is non-zero, else y (same shapes).

    >>> cond = mx.nd.array([1, 0, 2])
    >>> mx.nd.where(cond, mx.nd.array([1, 2, 3]), mx.nd.array([-1, -2, -3]))
    <BLANKLINE>
    [ 1. -2.  3.]
    <NDArray 3 @cpu(0)>
    """
    for name, a in (("condition", condition), ("x", x), ("y", y)):
        _check_array("where", a, name)
    if not (condition.shape == x.shape == y.shape):
        raise MXNetError(f"where: condition, x and y must have the same shape, got "
                         f"{condition.shape}, {x.shape}, {y.shape}")
    if condition.dtype != x.dtype:
        condition = condition.astype(x.dtype)
    return deliver("where", select(condition, x, y), out)


def clip(data, a_min, a_max, out=None, name=None):
    """Values limited to [a_min, a_max]; the gradient passes where a_min <= x <= a_max.

    >>> x = mx.nd.array([-2, 0.5, 3])
    >>> mx.nd.clip(x, 0, 1)
    <BLANKLINE>
    [0.  0.5 1. ]
    <NDArray 3 @cpu(0)>
    >>> x.attach_grad()
    >>> with mx.autograd.record():
    ...     y = mx.nd.clip(x, 0, 1)
    >>> y.backward()
    >>> x.grad
    <BLANKLINE>
    [0. 1. 0.]
    <NDArray 3 @cpu(0)>
    """
    _check_array("clip", data)
    if a_min > a_max:
        raise MXNetError(f"clip: a_min {a_min} is greater than a_max {a_max}")
    return _clip(data, float(a_min), float(a_max), out=out)


# --- index ops ---------------------------------------------------------------------------------
def pick(data, index, axis=-1, keepdims=False, mode="clip", out=None, name=None):
    """data[..., index, ...] along ``axis`` for each position of ``index``.

    >>> x = mx.nd.array([[1, 2], [3, 4], [5, 6]])
    >>> mx.nd.pick(x, mx.nd.array([0, 1, 0]))                 # one per row (axis=-1)
    <BLANKLINE>
    [1. 4. 5.]
    <NDArray 3 @cpu(0)>
    >>> mx.nd.pick(x, mx.nd.array([2, 0]), axis=0)
    <BLANKLINE>
    [5. 2.]
    <NDArray 2 @cpu(0)>
    >>> mx.nd.pick(x, mx.nd.array([0, 5, -1]), keepdims=True)  # mode='clip'
    <BLANKLINE>
    [[1.]
     [4.]
     [5.]]
    <NDArray 3x1 @cpu(0)>
    """
    _check_array("pick", data)
    _check_array("pick", index, "index")
    if mode not in ("clip", "wrap"):
        raise MXNetError(f"pick: mode must be 'clip' or 'wrap', got {mode!r}")
    ax, L, inner, out_shape = _pick_layout(data.shape, index.shape, axis)
    if L == 0 and math.prod(out_shape):
        raise MXNetError(f"pick: cannot pick along axis {axis} of length 0 (data shape "
                         f"{data.shape})")
    idx = _index_storage(index)
    res = _ndarray.empty_array(data.context, out_shape, data._dtype_code)
    if res.size:
        k = family_kernel(data.context, "nn", "pick", data._dtype_code, _idx_option(idx))
        k.set_args(0, res._buffer, res._offset, data._buffer, data._offset, idx._buffer,
                   idx._offset, res.size, L, inner)
        k.set_arg_int(9, int(mode == "wrap"))
        data.context.state.launch_1d(k, res.size)
    if keepdims:
        res = _ndarray.view_of(res, data.shape[:ax] + (1,) + data.shape[ax + 1:], res._offset)
    if is_recording():
        record_op("pick", (data, index), (res,), _pick_rule, (ax, mode),
                  replay=lambda d, i: pick(d, i, axis=axis, keepdims=keepdims, mode=mode),
                  attrs={"axis": axis, "keepdims": keepdims, "mode": mode})
    return deliver("pick", res, out)


def _index_storage(index):
    """The index array as the kernels read it: in its own dtype (no conversion to the data's,
    which for float16 data lost indices past 2048), half indices as float32 (a plain pointer
    cannot read half)."""
    return index if index._dtype_code != _FLOAT16 else index.astype("float32")


def _idx_option(idx):
    return f"-D IDX_T={TYPES[idx._dtype_code][0]}"


@functools.lru_cache(maxsize=None)       # layouts recur every step: compute them once
def _pick_layout(shape, index_shape, axis):
    """(axis, L, inner, result shape) of pick, checked."""
    ax = _axis("pick", axis, len(shape))
    outer, L, inner = _split(shape, ax)
    if math.prod(index_shape) != outer * inner:
        raise MXNetError(f"pick: index of shape {index_shape} does not match data {shape} "
                         f"without axis {axis}")
    return ax, L, inner, shape[:ax] + shape[ax + 1:]


@gradient_rule("pick")
def _pick_rule(saved, inputs, outputs, out_grads):
    ax, mode = saved
    data, index = inputs
    return _pick_spread(out_grads[0], index, data.shape, ax, mode), None


def _pick_spread(g, index, shape, ax, mode):
    """The adjoint of pick, one kernel: zeros of ``shape`` holding each element of ``g`` at
    its picked position along ``ax``. Recorded: its gradient is pick again."""
    outer, L, inner = _split(shape, ax)
    idx = _index_storage(index)
    dx = _ndarray.empty_array(g.context, shape, g._dtype_code)
    if dx.size:
        k = family_kernel(g.context, "nn", "pick_spread", g._dtype_code, _idx_option(idx))
        k.set_args(0, dx._buffer, dx._offset, g._buffer, g._offset, idx._buffer, idx._offset,
                   dx.size, L, inner)
        k.set_arg_int(9, int(mode == "wrap"))
        g.context.state.launch_1d(k, dx.size)
    if is_recording():
        record_op("_pick_spread", (g, index), (dx,), _pick_spread_rule, (ax, mode, g.shape),
                  replay=lambda a, i: _pick_spread(a, i, shape, ax, mode), save_outputs=False)
    return dx


@gradient_rule("_pick_spread")
def _pick_spread_rule(saved, inputs, outputs, out_grads):
    ax, mode, g_shape = saved
    return pick(out_grads[0], inputs[1], axis=ax, mode=mode).reshape(g_shape), None


def one_hot(indices, depth, on_value=1.0, off_value=0.0, dtype="float32", out=None, name=None):
    """A new last axis of length ``depth``: on_value at each index, off_value elsewhere.

    >>> mx.nd.one_hot(mx.nd.array([1, 0, 2]), 3)
    <BLANKLINE>
    [[0. 1. 0.]
     [1. 0. 0.]
     [0. 0. 1.]]
    <NDArray 3x3 @cpu(0)>
    >>> mx.nd.one_hot(mx.nd.array([1]), 2, on_value=5, off_value=-1, dtype='int32')
    <BLANKLINE>
    [[-1  5]]
    <NDArray 1x2 @cpu(0)>
    """
    from mxgrad.base import dtype_code
    _check_array("one_hot", indices, "indices")
    code = dtype_code(dtype)
    depth = int(depth)
    if depth < 0:
        raise MXNetError(f"one_hot: depth must be non-negative, got {depth}")
    idx = _index_storage(indices)
    res = _ndarray.empty_array(indices.context, indices.shape + (depth,), code)
    if res.size:
        k = family_kernel(indices.context, "nn", "one_hot", code, _idx_option(idx))
        k.set_args(0, res._buffer, res._offset, idx._buffer, idx._offset, res.size, depth)
        ct = {2: 0, 3: 4, 5: 4}.get(code, code)
        k.set_arg_scalar(6, ct, on_value if ct in (0, 1) else int(on_value))
        k.set_arg_scalar(7, ct, off_value if ct in (0, 1) else int(off_value))
        indices.context.state.launch_1d(k, res.size)
    return deliver("one_hot", res, out)


def Embedding(data, weight, input_dim=None, output_dim=None, dtype="float32", sparse_grad=False,
              out=None, name=None):
    """Rows of ``weight`` picked by the integer-valued ``data``: shape data.shape + (output_dim,).

    >>> weight = mx.nd.array([[0, 0], [1, 1], [2, 2]])      # 3 words, 2 dims each
    >>> mx.nd.Embedding(mx.nd.array([[2, 0], [1, 1]]), weight, input_dim=3, output_dim=2)
    <BLANKLINE>
    [[[2. 2.]
      [0. 0.]]
    <BLANKLINE>
     [[1. 1.]
      [1. 1.]]]
    <NDArray 2x2x2 @cpu(0)>
    """
    _check_array("Embedding", data)
    _check_array("Embedding", weight, "weight")
    if weight.ndim != 2:
        raise MXNetError(f"Embedding: weight must be 2-D, got {weight.shape}")
    if input_dim is not None and weight.shape[0] != input_dim:
        raise MXNetError(f"Embedding: weight has {weight.shape[0]} rows, input_dim={input_dim}")
    if output_dim is not None and weight.shape[1] != output_dim:
        raise MXNetError(f"Embedding: weight has {weight.shape[1]} columns, "
                         f"output_dim={output_dim}")
    return deliver("Embedding", take_along("Embedding", weight, data, 0, "clip"), out)


def take(a, indices, axis=0, mode="clip", out=None, name=None):
    """Slices of ``a`` along ``axis`` at ``indices`` (clipped or wrapped into range);
    shape a.shape[:axis] + indices.shape + a.shape[axis+1:].

    >>> a = mx.nd.array([[1, 2], [3, 4], [5, 6]])
    >>> mx.nd.take(a, mx.nd.array([2, 0]))
    <BLANKLINE>
    [[5. 6.]
     [1. 2.]]
    <NDArray 2x2 @cpu(0)>
    >>> mx.nd.take(a, mx.nd.array([[0, 1]]), axis=1).shape
    (3, 1, 2)
    >>> mx.nd.take(a, mx.nd.array([4]), mode='wrap')    # 4 wraps to 1; 'clip' would give 2
    <BLANKLINE>
    [[3. 4.]]
    <NDArray 1x2 @cpu(0)>
    """
    _check_array("take", a)
    _check_array("take", indices, "indices")
    return deliver("take", take_along("take", a, indices, _axis("take", axis, a.ndim), mode), out)


def SequenceMask(data, sequence_length=None, use_sequence_length=False, value=0.0, axis=0,
                 name=None):
    """Set the steps at or beyond each sequence's length to ``value`` (time along ``axis``,
    0 or 1; the batch is the other of the first two axes).

    >>> data = mx.nd.array([[1, 2], [3, 4], [5, 6]])        # (time 3, batch 2)
    >>> mx.nd.SequenceMask(data, mx.nd.array([1, 3]), use_sequence_length=True)
    <BLANKLINE>
    [[1. 2.]
     [0. 4.]
     [0. 6.]]
    <NDArray 3x2 @cpu(0)>
    >>> lengths = mx.nd.array([1, 2, 0])                     # axis=1: data is (batch, time)
    >>> mx.nd.SequenceMask(data, lengths, use_sequence_length=True, value=-1, axis=1)
    <BLANKLINE>
    [[ 1. -1.]
     [ 3.  4.]
     [-1. -1.]]
    <NDArray 3x2 @cpu(0)>
    """
    _check_array("SequenceMask", data)
    if axis not in (0, 1):
        raise MXNetError(f"SequenceMask: axis must be 0 or 1, got {axis}")
    if not use_sequence_length:
        return data * 1
    _check_array("SequenceMask", sequence_length, "sequence_length")
    T, B = (data.shape[0], data.shape[1]) if axis == 0 else (data.shape[1], data.shape[0])
    if sequence_length.shape != (B,):
        raise MXNetError(f"SequenceMask: sequence_length must have shape ({B},), got "
                         f"{sequence_length.shape}")
    from mxgrad.ndarray.creation import arange, full
    steps = arange(T, ctx=data.context, dtype=data.dtype)
    lengths = sequence_length.astype(data.dtype) if sequence_length.dtype != data.dtype \
        else sequence_length
    tail = (1,) * (data.ndim - 2)
    if axis == 0:
        keep = steps.reshape((T, 1) + tail) < lengths.reshape((1, B) + tail)
    else:
        keep = steps.reshape((1, T) + tail) < lengths.reshape((B, 1) + tail)
    return where(keep.broadcast_to(data.shape), data,
                 full(data.shape, value, ctx=data.context, dtype=data.dtype))


def stop_gradient(data, name=None):
    """A copy of ``data`` through which no gradient flows (MXNet's BlockGrad).

    >>> x = mx.nd.array([1, 2])
    >>> x.attach_grad()
    >>> with mx.autograd.record():
    ...     y = mx.nd.stop_gradient(x * x) * x      # x * x counts as a constant
    >>> y.backward()
    >>> x.grad
    <BLANKLINE>
    [1. 4.]
    <NDArray 2 @cpu(0)>
    """
    from mxgrad.autograd import pause
    _check_array("stop_gradient", data)
    with pause(train_mode=None):
        return OPS["identity"](data)


BlockGrad = stop_gradient


def shuffle(data, **kwargs):
    """The rows (first axis) of ``data`` in a random order (see mx.nd.random.shuffle).

    >>> mx.random.seed(1)
    >>> x = mx.nd.arange(5)
    >>> sorted(mx.nd.shuffle(x).asnumpy().tolist())
    [0.0, 1.0, 2.0, 3.0, 4.0]
    """
    from mxgrad.ndarray import random
    return random.shuffle(data, **kwargs)


# --- losses ------------------------------------------------------------------------------------
def softmax_cross_entropy(data, label, name=None):
    """Sum over the batch of -log(softmax(data)[label]); shape (1,).

    >>> data = mx.nd.array([[0, 0], [5, 5]])
    >>> mx.nd.softmax_cross_entropy(data, mx.nd.array([0, 1]))    # 2 * log(2)
    <BLANKLINE>
    [1.3862944]
    <NDArray 1 @cpu(0)>
    """
    from mxgrad.ndarray.reduce import sum as reduce_sum
    _check_array("softmax_cross_entropy", data)
    _check_array("softmax_cross_entropy", label, "label")
    if data.ndim != 2 or label.shape != (data.shape[0],):
        raise MXNetError(f"softmax_cross_entropy: data must be (batch, classes) and label "
                         f"(batch,), got {data.shape} and {label.shape}")
    return -reduce_sum(pick(log_softmax(data, axis=-1), label, axis=-1)).reshape((1,))


def SoftmaxOutput(data, label, grad_scale=1.0, ignore_label=-1.0, multi_output=False,
                  use_ignore=False, preserve_shape=False, normalization="null",
                  out_grad=False, smooth_alpha=0.0, name=None):
    """Softmax forward; backward is (softmax - one_hot(label)) * grad_scale, ignoring the
    head gradient, as MXNet's output layer does.

    >>> data = mx.nd.array([[1, 1], [0, 0]])
    >>> data.attach_grad()
    >>> with mx.autograd.record():
    ...     prob = mx.nd.SoftmaxOutput(data, mx.nd.array([0, 1]))
    >>> prob
    <BLANKLINE>
    [[0.5 0.5]
     [0.5 0.5]]
    <NDArray 2x2 @cpu(0)>
    >>> prob.backward()
    >>> data.grad                   # softmax - one_hot(label)
    <BLANKLINE>
    [[-0.5  0.5]
     [ 0.5 -0.5]]
    <NDArray 2x2 @cpu(0)>
    """
    _check_array("SoftmaxOutput", data)
    _check_array("SoftmaxOutput", label, "label")
    if normalization not in ("null", "batch", "valid"):
        raise MXNetError(f"SoftmaxOutput: normalization must be null, batch or valid, "
                         f"got {normalization!r}")
    if multi_output or preserve_shape or smooth_alpha:
        raise MXNetError("SoftmaxOutput: multi_output, preserve_shape and smooth_alpha are "
                         "not supported")
    x = data.reshape((data.shape[0], -1)) if data.ndim != 2 else data
    if label.size != x.shape[0]:
        raise MXNetError(f"SoftmaxOutput: label of shape {label.shape} for data {data.shape}")
    with _paused():
        y = softmax(x, axis=-1)
    y = y.reshape(data.shape) if y.shape != data.shape else y
    if is_recording():
        record_op("SoftmaxOutput", (data, label), (y,), _softmax_output_rule,
                  (float(grad_scale), float(ignore_label), bool(use_ignore), normalization),
                  replay=lambda d, l: SoftmaxOutput(d, l, grad_scale, ignore_label, False,
                                                    use_ignore, False, normalization),
                  attrs={"grad_scale": grad_scale, "normalization": normalization})
    return y


@gradient_rule("SoftmaxOutput")
def _softmax_output_rule(saved, inputs, outputs, out_grads):
    scale, ignore, use_ignore, normalization = saved
    data, label = inputs
    y = outputs[0]
    y2 = y.reshape((y.shape[0], -1))
    lab = label.reshape((-1,))
    grad = y2 - one_hot(lab, y2.shape[1], dtype=y.dtype)
    if use_ignore:
        keep = (lab != ignore).reshape((-1, 1))
        grad = grad * keep
    if normalization == "batch":
        scale /= y2.shape[0]
    elif normalization == "valid":
        valid = float((lab != ignore).asnumpy().sum()) if use_ignore else float(y2.shape[0])
        scale /= max(valid, 1.0)
    if scale != 1.0:
        grad = grad * scale
    return grad.reshape(data.shape), None


def _paused():
    from mxgrad.autograd import pause
    return pause(train_mode=None)
