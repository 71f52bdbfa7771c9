"""Reductions: sum, mean, prod, max, min, nansum, nanprod, norm, argmax, argmin, moments,
and ``sum_to_shape`` (the gradient of broadcasting).

Semantics follow MXNet 1.9.1: ``axis`` is an int or a tuple (negative values count from the
end), ``axis=None`` or ``()`` reduces everything, ``exclude=True`` reduces the axes *not*
listed, and a result with no axes left has shape (1,). Results keep the input dtype (argmax's
indices too); integer sums wrap like the dtype and integer means divide the wrapped sum.

How it runs (kernels_cl/reduce.cl): adjacent reduced axes, and adjacent kept axes, are
merged, giving an (outer, R, inner) view per group of reduced axes; several groups (axes 0
and 2 of a 3-D array) are reduced one launch each, innermost first, passing partial states
(float for float16, long for integer sums) between launches. In a launch one work-item
reduces a row (8 neighbouring rows when inner > 1, whose elements are then contiguous), or,
when rows are long and too few to fill the device, each row is split into slots reduced in
parallel into partial states that a further launch merges (split again while the partial
states are still many: a GPU wants ~10^5 work-items, whose partials a single work-item
would merge slowly). On CPUs a slot is a contiguous chunk read into four 256-bit vector
accumulators (8 floats or 4 doubles each); on GPUs slots interleave so that neighbouring
work-items read neighbouring elements. A work-group tree in local memory was measured on
PoCL at 2-10 GB/s against 18-20 GB/s for the chunked form, so none is used.

Gradient rules are written in NDArray ops (reshape, a fusable broadcast, elementwise), so they can
be differentiated again; argmax and argmin are not differentiable and record nothing.
"""
import builtins
import functools
import math
import numbers

from mxgrad import _host_reduce, _ndarray, _tape
from mxgrad._codegen_fused import fused_reduce_source
from mxgrad._ndarray import ElemwiseOp, NDArrayBase
from mxgrad._tape import is_recording, record_op
from mxgrad.base import MXNetError, dtype_code
from mxgrad.gradients import elementwise, gradient_rule
from mxgrad.ndarray._elemwise_table import OPS
from mxgrad.ndarray._deliver import check_out, deliver
from mxgrad.ndarray._kernels import family_kernel
from mxgrad.ndarray._select import select

__all__ = ["sum", "mean", "prod", "max", "min", "nansum", "nanprod", "norm", "argmax",
           "argmin", "argmax_channel", "sum_axis", "max_axis", "min_axis", "moments"]

# reducer ids of kernels_cl/reduce.cl
_OP_IDS = {"sum": 0, "mean": 1, "prod": 2, "max": 3, "min": 4, "nansum": 5, "nanprod": 6,
           "norm1": 7, "norm2": 8, "argmax": 9, "argmin": 10}
_FLOAT32, _FLOAT64, _INT64 = 0, 1, 6
_INT_CODES = (3, 4, 5, 6)
# dtype code of the kernel's compute type CT, by input dtype code
_CT_CODE = {0: 0, 1: 1, 2: 0, 3: 4, 4: 4, 5: 4, 6: 6}

_LANES = 8                 # neighbouring outputs a work-item reduces when inner > 1
# Elements a work-item reduces at least when a row is split (CPU, GPU): a CPU work-item
# streams a long chunk; a GPU needs many short interleaved ones to have enough in flight.
_MIN_CHUNK = {True: 4096, False: 64}
_SLOTS_PER_UNIT = {True: 128, False: 2048}   # parallel slots per compute unit (CPU, GPU)


# --- axes and shapes ---------------------------------------------------------------------------
def _check_array(op, x, name="data"):
    if not isinstance(x, NDArrayBase):
        raise MXNetError(f"{op}: {name} must be an NDArray, got {type(x).__name__}")


def _axis_tuple(op, axis):
    if isinstance(axis, numbers.Integral):
        return (int(axis),)
    try:
        axes = tuple(axis)
    except TypeError:
        raise MXNetError(f"{op}: axis must be an int, a tuple of ints or None, "
                         f"got {axis!r}") from None
    if not builtins.all(isinstance(a, numbers.Integral) for a in axes):
        raise MXNetError(f"{op}: axis must be an int, a tuple of ints or None, got {axis!r}")
    return tuple(int(a) for a in axes)


def reduced_axes(op, shape, axis, exclude=False):
    """The sorted axes MXNet reduces for ``axis``/``exclude`` on an array of ``shape``;
    MXNetError naming a bad or repeated axis."""
    ndim = len(shape)
    if axis is None:
        return tuple(range(ndim))
    given = _axis_tuple(op, axis)
    if not given:                      # MXNet 1.x: an empty axis tuple reduces everything
        return tuple(range(ndim))
    for a in given:
        if not -ndim <= a < ndim:
            raise MXNetError(f"{op}: reduction axis {a} is out of range for an array of "
                             f"{ndim} dimensions (shape {shape})")
    axes = sorted(a % ndim for a in given)
    for a, b in zip(axes, axes[1:]):
        if a == b:
            raise MXNetError(f"{op}: reduction axes {given} repeat axis {a}")
    if exclude:
        return tuple(i for i in range(ndim) if i not in axes)
    return tuple(axes)


def _result_shape(shape, axes, keepdims):
    if keepdims:
        return tuple(1 if i in axes else d for i, d in enumerate(shape))
    return tuple(d for i, d in enumerate(shape) if i not in axes) or (1,)


def _keepdims_shape(shape, axes):
    return tuple(1 if i in axes else d for i, d in enumerate(shape))


def _groups(shape, axes):
    """Dims as alternating (size, reduced) groups: size-1 dims dropped, neighbours of the
    same kind merged."""
    groups = []
    for i, d in enumerate(shape):
        if d == 1:
            continue
        red = i in axes
        if groups and groups[-1][1] == red:
            groups[-1] = (groups[-1][0] * d, red)
        else:
            groups.append((d, red))
    return groups


def _ceil_div(a, b):
    return -(-a // b)


# --- launching ---------------------------------------------------------------------------------
_device_slots = {}


def _parallel_slots(ctx):
    """How many independent reductions keep this device busy."""
    n = _device_slots.get(ctx)
    if n is None:
        units = ctx.device_info.device.max_compute_units
        n = _device_slots[ctx] = builtins.max(256, units * _SLOTS_PER_UNIT[ctx.state.is_cpu])
    return n


def interleave_split_rows(ctx):
    """Whether the slots of a split row take interleaved elements (neighbouring work-items
    reading neighbouring elements: GPUs) rather than contiguous chunks (CPUs)."""
    return not ctx.state.is_cpu


_kernel_cache = {}      # (state, variant) -> Kernel: skips building the options per launch


def _kernel(ctx, op, code, in_partial, out_partial, lanes, interleaved):
    key = (ctx.state, op, code, in_partial, out_partial, lanes, interleaved)
    k = _kernel_cache.get(key)
    if k is None:
        k = _kernel_cache[key] = family_kernel(
            ctx, "reduce", "reduce", code,
            f"-D OP={_OP_IDS[op]} -D IN_PARTIAL={int(in_partial)} "
            f"-D OUT_PARTIAL={int(out_partial)} -D LANES={lanes} "
            f"-D INTERLEAVED={int(interleaved)} "
            f"-D IS_INT={int(code in _INT_CODES)} -D IS_DOUBLE={int(code == 1)}")
    return k


def _acc_code(op, code, has_fp64):
    """Dtype code of the partial states' first part (the kernel's ACC)."""
    if op in ("max", "min", "argmax", "argmin"):
        return _CT_CODE[code]
    if code in _INT_CODES:
        return _INT64
    if code == _FLOAT64 or (op == "norm2" and has_fp64):
        return _FLOAT64
    return _FLOAT32


class _Step:
    """One launch of a reduction plan: its kernel and scalar arguments, and the partial
    states it writes (None for the final launch, which writes the result)."""
    __slots__ = ("kernel", "nitems", "R", "inner", "G", "chunk", "nslots", "acc_code",
                 "two_part", "work")

    def __init__(self, kernel, nitems, R, inner, G, chunk, nslots, acc_code, two_part, work):
        self.kernel, self.nitems, self.R, self.inner = kernel, nitems, R, inner
        self.G, self.chunk, self.nslots = G, chunk, nslots
        self.acc_code, self.two_part = acc_code, two_part
        self.work = work          # elements a work-item reads (the device's launch rule)


def _plan_step(ctx, op, code, in_partial, outer, R, inner, G, chunk, final):
    """The launch over (outer, R, inner) in G chunks: into the result when ``final``, else
    into partial states of layout (outer, G, inner)."""
    lanes = _LANES if inner >= _LANES else 1
    nitems = outer * G * _ceil_div(inner, lanes)
    interleaved = G > 1 and interleave_split_rows(ctx)
    k = _kernel(ctx, op, code, in_partial, not final, lanes, interleaved)
    return _Step(k, nitems, R, inner, G, chunk, 0 if final else outer * G * inner,
                 _acc_code(op, code, ctx.state.has_fp64),
                 op in ("argmax", "argmin") or (op == "norm2" and code in _INT_CODES),
                 _ceil_div(R, G) * lanes)


def _plan_pass(ctx, op, code, in_partial, outer, R, inner, final, steps):
    """Reduce the middle axis of (outer, R, inner); long rows with few outputs are cut into
    chunks reduced in parallel, whose partial states are merged (cut again while many)."""
    nout = outer * inner
    slots = _parallel_slots(ctx)
    min_chunk = _MIN_CHUNK[ctx.state.is_cpu]
    while nout * 2 < slots and R >= 2 * min_chunk:
        G = builtins.min(_ceil_div(slots, nout), R // min_chunk)
        chunk = _ceil_div(_ceil_div(R, G), 32) * 32   # whole vector steps when contiguous
        G = _ceil_div(R, chunk)
        steps.append(_plan_step(ctx, op, code, in_partial, outer, R, inner, G, chunk, False))
        in_partial, R = True, G
    steps.append(_plan_step(ctx, op, code, in_partial, outer, R, inner, 1, R, final))


def _plan(ctx, op, code, shape, axes):
    """The launches reducing an array of ``shape`` over ``axes``: one pass per group of
    adjacent reduced axes, innermost first, partial states between."""
    dims = _groups(shape, axes)
    if not builtins.any(red for _, red in dims):      # nothing to reduce: rows of length 1
        dims = [(math.prod(shape), False), (1, True)]
    steps = []
    in_partial = False
    while True:
        j = builtins.max(i for i, (_, red) in enumerate(dims) if red)
        outer, inner = math.prod(s for s, _ in dims[:j]), math.prod(s for s, _ in dims[j + 1:])
        last = not builtins.any(red for _, red in dims[:j])
        _plan_pass(ctx, op, code, in_partial, outer, dims[j][0], inner, last, steps)
        if last:
            return tuple(steps)
        in_partial = True
        del dims[j]


_plans = {}     # (state, op, dtype code, shape, axes) -> the steps of _plan
# Whole-array sums and means of float arrays on CPU devices whose queue is idle run on the
# calling thread and a helper thread, with the same bits as the two launches (see
# mxgrad/_host_reduce.pyx); tests switch it off to compare.
HOST_SUMS = True


def _reduce_into(out, x, op, axes):
    """Enqueue the reduction ``op`` of x over ``axes`` into the fresh array ``out``."""
    ctx = x.context
    key = (ctx.state, op, x._dtype_code, x.shape, axes)
    steps = _plans.get(key)
    if steps is None:
        steps = _plans[key] = _plan(ctx, op, x._dtype_code, x.shape, axes)
    count = 1
    for a in axes:
        count *= x.shape[a]
    # every axis, in one chunk or split into chunks and merged: the plans host_sum follows
    if (HOST_SUMS and (op == "sum" or op == "mean") and len(axes) == x.ndim
            and len(steps) <= 2 and x.size
            and _host_reduce.host_sum(ctx, x, out, op == "mean", steps[0].G, steps[0].chunk)):
        return
    _run_steps(ctx, steps, out, x, count)


# --- sums and means fused into the elementwise group computing their input ------------------
_FUSED_OPS = {"sum": _ndarray.REDUCE_SUM, "mean": _ndarray.REDUCE_MEAN}
_fused_slots = {}     # (state, n, layout, interleaved) -> (slots, chunk, interleaved)


@functools.lru_cache(maxsize=4096)
def _fused_kind(shape, axes):
    """(kind, rows, cols) of a reduction the fused kernel can do, or None: everything
    (REDUCE_ALL), trailing axes (REDUCE_ROWS: a result per row), leading axes
    (REDUCE_COLUMNS)."""
    dims = _groups(shape, axes)
    if len(dims) == 1 and dims[0][1]:
        return (_ndarray.REDUCE_ALL, 1, dims[0][0])
    if len(dims) == 2 and not dims[0][1]:
        return (_ndarray.REDUCE_ROWS, dims[0][0], dims[1][0])
    if len(dims) == 2 and dims[0][1]:
        return (_ndarray.REDUCE_COLUMNS, dims[0][0], dims[1][0])
    return None


def _fused_layout(ctx, shape, axes):
    """The layout to fuse a reduction over ``axes`` with, or None where a fused slot (one
    work-item per row, or per run of columns) was measured slower than an elementwise
    kernel plus reduce.cl, or would be on a GPU.

    PoCL (mxgrad + reduce, A/B): rows of 10 fused 15 vs 18 us at (128, 10), 0.8 vs 1.1 ms
    at (100000, 10), but rows of 512 were 1.5x slower. Columns (bias gradients, relu
    backward + sum over the batch) fused 10.3 vs 12.6 us at (32, 128), 8.6 vs 12.0 at
    (128, 128), but 44.6 vs 31.6 at (128, 512): few slots, each a scalar walk down the rows
    (the kernel alone took 40 us there against 14 for the elementwise kernel). On GPUs a
    work-item per column reads coalesced rows, like reduce.cl's column plan; a work-item
    per long row would not.
    """
    layout = _fused_kind(shape, axes)
    if layout is None:
        return None
    kind, rows, cols = layout
    cpu = ctx.state.is_cpu
    if kind == _ndarray.REDUCE_ROWS:
        return layout if cols <= 64 and rows >= (16 if cpu else 256) else None
    if kind == _ndarray.REDUCE_COLUMNS:
        if cpu:
            return layout if rows * cols <= 16384 else None
        return layout if cols >= 256 and rows <= 4096 else None
    return layout


def _fused_reduction_slots(ctx, n, layout):
    """How a fused group reducing its n elements splits them: (slots, elements per slot or,
    interleaved, the slot count, interleaved). A full reduction is cut like a split row of
    _plan_pass; rows take a slot each; columns a slot per 16 (CPUs) or one each (GPUs)."""
    interleaved = interleave_split_rows(ctx)
    key = (ctx.state, n, layout, interleaved)
    hit = _fused_slots.get(key)
    if hit is None:
        kind, rows, cols = layout
        if kind == _ndarray.REDUCE_ROWS:
            hit = (rows, cols, interleaved)
        elif kind == _ndarray.REDUCE_COLUMNS:
            lanes = 1 if interleaved else 16
            hit = (_ceil_div(cols, lanes), rows * lanes, interleaved)
        elif interleaved:
            slots = builtins.max(1, builtins.min(_parallel_slots(ctx), n // _MIN_CHUNK[False]))
            hit = (slots, slots, True)
        else:
            slots = builtins.max(1, builtins.min(_parallel_slots(ctx), n // _MIN_CHUNK[True]))
            chunk = _ceil_div(_ceil_div(n, slots), 16) * 16
            hit = (_ceil_div(n, chunk), chunk, False)
        _fused_slots[key] = hit
    return hit


def _merge_fused_partials(partials, out, op, count):
    """Reduce the per-slot partial sums of a fused group into ``out`` (mean: / count)."""
    ctx = out.context
    key = (ctx.state, "merge", op, out._dtype_code, partials.size)
    steps = _plans.get(key)
    if steps is None:
        steps = []
        _plan_pass(ctx, op, out._dtype_code, True, 1, partials.size, 1, True, steps)
        steps = _plans[key] = tuple(steps)
    _run_steps(ctx, steps, out, partials, count)


_ndarray._set_reduction_hooks(fused_reduce_source, _fused_reduction_slots,
                              _merge_fused_partials)


def _run_steps(ctx, steps, out, x, count):
    """Launch a reduction plan reading ``x`` (or partial states) and writing ``out``."""
    state = ctx.state
    src, src_off, src_b = x._buffer, x._offset, x._buffer
    for step in steps:
        if step.nslots:
            pa = _ndarray.empty_array(ctx, (step.nslots,), step.acc_code)
            pb = _ndarray.empty_array(ctx, (step.nslots,), _INT64) if step.two_part else pa
            dst, dst_off, dst_b = pa._buffer, 0, pb._buffer
        else:
            dst, dst_off, dst_b = out._buffer, out._offset, out._buffer
        step.kernel.set_args(0, dst, dst_off, dst_b, src, src_off, src_b, step.nitems, step.R,
                             step.inner, step.G, step.chunk, count)
        state.launch_1d(step.kernel, step.nitems, step.work)
        src, src_off, src_b = dst, 0, dst_b


def _forward(opname, x, axes, keepdims, kernel_op=None, shape=None):
    """A fresh array holding reduction ``kernel_op`` (default ``opname``) of x (of ``shape``
    when the caller knows the result shape)."""
    op = kernel_op or opname
    if shape is None:
        shape = _result_shape(x.shape, axes, keepdims)
    out = _ndarray.empty_array(x.context, shape, x._dtype_code)
    if out.size == 0:
        return out
    if x.size == 0:          # a zero-length reduced axis
        if op in ("max", "min", "argmax", "argmin"):
            raise MXNetError(f"{opname}: cannot reduce a zero-size array of shape {x.shape} "
                             f"over axes {axes}: the operation has no identity")
        identity = {"prod": 1, "nanprod": 1, "mean": float("nan")}.get(op, 0)
        if op == "mean" and x._dtype_code in _INT_CODES:
            identity = 0                  # an integer 0 / 0 has no NaN to give
        out._fill(identity)
        return out
    if op in _FUSED_OPS and x._dtype_code in (0, 1):
        layout = _fused_layout(x.context, x.shape, axes)
        if layout is not None and _ndarray.fuse_reduction(x, out, _FUSED_OPS[op], layout):
            return out
    _reduce_into(out, x, op, axes)
    return out


# --- gradient rules ----------------------------------------------------------------------------
# ``x0`` spread over the shape of ``x1`` (whose data is never read): a broadcast that fuses
# with the elementwise ops around it instead of writing a full-size copy. Its gradient
# w.r.t. x0 is summed back to x0's shape by the tape, as for every broadcasting op.
_broadcast_onto = elementwise(ElemwiseOp("_broadcast_onto", "(x0)", 2,
                             lambda saved, inputs, outputs, g: (g[0], None)))
_broadcast_onto.needs = (0, 0)


def _spread(g, x, axes):
    """The output gradient g broadcast back over the reduced axes to the shape of ``x``;
    ``g`` may be the number 1.0, the implicit head gradient of a one-element result."""
    if not isinstance(g, NDArrayBase):
        return _broadcast_onto(g, x)
    return _broadcast_onto(g.reshape(_keepdims_shape(x.shape, axes)), x)


def _kept(y, shape, axes):
    """A reduction result reshaped to broadcast against its input."""
    return y.reshape(_keepdims_shape(shape, axes))


@gradient_rule("sum")
def _sum_rule(saved, inputs, outputs, out_grads):
    return (_spread(out_grads[0], inputs[0], saved),)


@gradient_rule("mean")
def _mean_rule(saved, inputs, outputs, out_grads):
    axes, count = saved
    return (_spread(out_grads[0], inputs[0], axes) / count,)


# Their implicit head gradient may be a number (autograd's run_backward): a fused sum's
# backward then joins the pending group that computes the sum, so ``sum(f(x))`` and its
# gradient read x once, in one kernel.
_sum_rule.scalar_head = _mean_rule.scalar_head = True


@gradient_rule("nansum")
def _nansum_rule(saved, inputs, outputs, out_grads):
    x = inputs[0]
    return (_kept(out_grads[0], x.shape, saved) * OPS["equal"](x, x),)


@gradient_rule("prod")
def _prod_rule(saved, inputs, outputs, out_grads):
    x = inputs[0]
    return (_kept(out_grads[0] * outputs[0], x.shape, saved) / x,)


@gradient_rule("nanprod")
def _nanprod_rule(saved, inputs, outputs, out_grads):
    x = inputs[0]
    d = _kept(out_grads[0] * outputs[0], x.shape, saved) / x
    return (select(OPS["equal"](x, x), d, 0.0),)


@gradient_rule("max", "min")
def _extremum_rule(saved, inputs, outputs, out_grads):
    # As MXNet: every element equal to the result gets the whole gradient (ties not split).
    x = inputs[0]
    hit = OPS["equal"](x, _kept(outputs[0], x.shape, saved))
    return (_kept(out_grads[0], x.shape, saved) * hit,)


@gradient_rule("norm(ord=1)")
def _norm1_rule(saved, inputs, outputs, out_grads):
    x = inputs[0]
    return (_kept(out_grads[0], x.shape, saved) * OPS["sign"](x),)


@gradient_rule("norm")
def _norm2_rule(saved, inputs, outputs, out_grads):
    x = inputs[0]
    return (_kept(out_grads[0] / outputs[0], x.shape, saved) * x,)


_RULES = {"sum": _sum_rule, "mean": _mean_rule, "prod": _prod_rule, "max": _extremum_rule,
          "min": _extremum_rule, "nansum": _nansum_rule, "nanprod": _nanprod_rule,
          "norm1": _norm1_rule, "norm2": _norm2_rule}


def _record(opname, kernel_op, x, res, saved, replay, attrs):
    if is_recording():
        record_op(opname, (x,), (res,), _RULES[kernel_op], saved, replay=replay, attrs=attrs,
                  save_outputs=kernel_op not in ("sum", "mean", "nansum", "norm1"))


# --- the public reductions ---------------------------------------------------------------------
_layouts = {}    # (shape, axis, exclude, keepdims) -> (axes, result shape, count)


def _layout(opname, shape, axis, exclude, keepdims):
    """The reduced axes, result shape and reduced element count, cached per call layout."""
    try:
        key = (shape, axis, exclude, keepdims)
        hit = _layouts.get(key)
    except TypeError:                       # an unhashable axis (a list): not cached
        key = hit = None
    if hit is None:
        axes = reduced_axes(opname, shape, axis, exclude)
        hit = (axes, _result_shape(shape, axes, keepdims), math.prod(shape[a] for a in axes))
        if key is not None:
            _layouts[key] = hit
    return hit


def _axes_reduction(opname, data, axis, keepdims, exclude, out):
    _check_array(opname, data)
    axes, shape, count = _layout(opname, data.shape, axis, exclude, keepdims)
    if out is not None:
        check_out(opname, out, shape=shape, code=data._dtype_code, ctx=data.context)
    res = _forward(opname, data, axes, keepdims, shape=shape)
    if is_recording():
        fn = globals()[opname]
        _record(opname, opname, data, res, (axes, count) if opname == "mean" else axes,
                lambda a: fn(a, axis=axis, keepdims=keepdims, exclude=exclude),
                {"axis": axis, "keepdims": keepdims, "exclude": exclude})
    return deliver(opname, res, out)


def sum(data=None, axis=None, keepdims=False, exclude=False, out=None, name=None):
    """Sum over ``axis`` (an int, a tuple, or None for all axes); with ``exclude=True``
    over every axis not listed. Integer sums wrap like the dtype.

    >>> import mxgrad as mx
    >>> x = mx.nd.array([[1, 2], [3, 4]])
    >>> mx.nd.sum(x, axis=1)
    <BLANKLINE>
    [3. 7.]
    <NDArray 2 @cpu(0)>
    """
    return _axes_reduction("sum", data, axis, keepdims, exclude, out)


def mean(data=None, axis=None, keepdims=False, exclude=False, out=None, name=None):
    """Mean over ``axis`` (see ``sum``); integer dtypes divide their sum with truncation.

    >>> x = mx.nd.array([[1, 2], [3, 4]])
    >>> mx.nd.mean(x)
    <BLANKLINE>
    [2.5]
    <NDArray 1 @cpu(0)>
    >>> mx.nd.mean(x, axis=0, keepdims=True)
    <BLANKLINE>
    [[2. 3.]]
    <NDArray 1x2 @cpu(0)>
    >>> mx.nd.mean(mx.nd.array([1, 2], dtype='int32'))     # the int32 sum 3, divided by 2
    <BLANKLINE>
    [1]
    <NDArray 1 @cpu(0)>
    """
    return _axes_reduction("mean", data, axis, keepdims, exclude, out)


def prod(data=None, axis=None, keepdims=False, exclude=False, out=None, name=None):
    """Product over ``axis`` (see ``sum``).

    >>> x = mx.nd.array([[1, 2], [3, 4]])
    >>> mx.nd.prod(x, axis=1)
    <BLANKLINE>
    [ 2. 12.]
    <NDArray 2 @cpu(0)>
    >>> mx.nd.prod(x)
    <BLANKLINE>
    [24.]
    <NDArray 1 @cpu(0)>
    """
    return _axes_reduction("prod", data, axis, keepdims, exclude, out)


def max(data=None, axis=None, keepdims=False, exclude=False, out=None, name=None):
    """Maximum over ``axis`` (see ``sum``); NaN wins over every number.

    >>> x = mx.nd.array([[1, 5], [3, 4]])
    >>> mx.nd.max(x, axis=1)
    <BLANKLINE>
    [5. 4.]
    <NDArray 2 @cpu(0)>
    >>> mx.nd.max(mx.nd.zeros((2, 3, 4)), axis=1, exclude=True).shape    # over axes 0 and 2
    (3,)
    >>> mx.nd.max(mx.nd.array([1, np.nan, 3]))
    <BLANKLINE>
    [nan]
    <NDArray 1 @cpu(0)>
    """
    return _axes_reduction("max", data, axis, keepdims, exclude, out)


def min(data=None, axis=None, keepdims=False, exclude=False, out=None, name=None):
    """Minimum over ``axis`` (see ``sum``); NaN wins over every number.

    >>> x = mx.nd.array([[1, 5], [3, 4]])
    >>> mx.nd.min(x, axis=0)
    <BLANKLINE>
    [1. 4.]
    <NDArray 2 @cpu(0)>
    >>> mx.nd.min(x, axis=(0, 1), keepdims=True)
    <BLANKLINE>
    [[1.]]
    <NDArray 1x1 @cpu(0)>
    """
    return _axes_reduction("min", data, axis, keepdims, exclude, out)


def nansum(data=None, axis=None, keepdims=False, exclude=False, out=None, name=None):
    """Sum over ``axis`` treating NaN as 0 (see ``sum``).

    >>> x = mx.nd.array([[1, np.nan], [np.nan, np.nan]])
    >>> mx.nd.nansum(x, axis=1)
    <BLANKLINE>
    [1. 0.]
    <NDArray 2 @cpu(0)>
    >>> mx.nd.sum(x, axis=1)
    <BLANKLINE>
    [nan nan]
    <NDArray 2 @cpu(0)>
    """
    return _axes_reduction("nansum", data, axis, keepdims, exclude, out)


def nanprod(data=None, axis=None, keepdims=False, exclude=False, out=None, name=None):
    """Product over ``axis`` treating NaN as 1 (see ``sum``).

    >>> x = mx.nd.array([[2, np.nan], [np.nan, np.nan]])
    >>> mx.nd.nanprod(x, axis=1)
    <BLANKLINE>
    [2. 1.]
    <NDArray 2 @cpu(0)>
    """
    return _axes_reduction("nanprod", data, axis, keepdims, exclude, out)


sum_axis = sum
max_axis = max
min_axis = min


def norm(data=None, ord=2, axis=None, out_dtype=None, keepdims=False, out=None, name=None):
    """The L1 (``ord=1``) or L2 (``ord=2``) norm over ``axis`` (None: all elements, as one
    flat vector). ``out_dtype`` converts the result.

    >>> import mxgrad as mx
    >>> mx.nd.norm(mx.nd.array([3, 4]))
    <BLANKLINE>
    [5.]
    <NDArray 1 @cpu(0)>
    """
    _check_array("norm", data)
    if isinstance(ord, bool) or not isinstance(ord, numbers.Integral) or ord not in (1, 2):
        raise MXNetError(f"norm: ord must be the int 1 or 2, got {ord!r}")
    axes = reduced_axes("norm", data.shape, axis)
    if out is not None:
        code = data._dtype_code if out_dtype is None else dtype_code(out_dtype)
        check_out("norm", out, shape=_result_shape(data.shape, axes, keepdims), code=code,
                  ctx=data.context)
    kernel_op = f"norm{int(ord)}"
    res = _forward("norm", data, axes, keepdims, kernel_op)
    _record("norm", kernel_op, data, res, axes,
            lambda a: norm(a, ord=ord, axis=axis, keepdims=keepdims),
            {"ord": ord, "axis": axis, "keepdims": keepdims})
    if out_dtype is not None and dtype_code(out_dtype) != res._dtype_code:
        res = res.astype(out_dtype)
    return deliver("norm", res, out)


def _arg_reduction(opname, data, axis, keepdims, out):
    _check_array(opname, data)
    if axis is None:                     # the index into the flattened array
        if out is not None:
            check_out(opname, out, shape=(1,) * data.ndim if keepdims else (1,),
                      code=data._dtype_code, ctx=data.context)
        flat = _ndarray.view_of(data, (data.size,), data._offset)
        res = _forward(opname, flat, (0,), False)
        if keepdims:
            res = _ndarray.view_of(res, (1,) * data.ndim, res._offset)
    else:
        if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
            raise MXNetError(f"{opname}: axis must be an int or None, got {axis!r}")
        if not -data.ndim <= axis < data.ndim:
            raise MXNetError(f"{opname}: axis {axis} is out of range for an array of "
                             f"{data.ndim} dimensions (shape {data.shape})")
        axes = (int(axis) % data.ndim,)
        if out is not None:
            check_out(opname, out, shape=_result_shape(data.shape, axes, keepdims),
                      code=data._dtype_code, ctx=data.context)
        res = _forward(opname, data, axes, keepdims)
    return deliver(opname, res, out)


def argmax(data=None, axis=None, keepdims=False, out=None, name=None):
    """Index of the maximum along ``axis`` (of the flattened array when None), in the input's
    dtype as MXNet returns it; the first one wins ties, and a NaN wins over numbers.
    Not differentiable.

    >>> x = mx.nd.array([[1, 7, 7], [9, 0, 2]])
    >>> mx.nd.argmax(x, axis=1)                 # the first of tied maxima
    <BLANKLINE>
    [1. 0.]
    <NDArray 2 @cpu(0)>
    >>> mx.nd.argmax(x)                         # index into the flattened array
    <BLANKLINE>
    [3.]
    <NDArray 1 @cpu(0)>
    >>> mx.nd.argmax(mx.nd.array([3, 5], dtype='int32'), axis=0)    # in the input's dtype
    <BLANKLINE>
    [1]
    <NDArray 1 @cpu(0)>
    """
    return _arg_reduction("argmax", data, axis, keepdims, out)


def argmin(data=None, axis=None, keepdims=False, out=None, name=None):
    """Index of the minimum along ``axis`` (see ``argmax``).

    >>> x = mx.nd.array([[1, 7, 7], [9, 0, 2]])
    >>> mx.nd.argmin(x, axis=0)
    <BLANKLINE>
    [0. 1. 1.]
    <NDArray 3 @cpu(0)>
    >>> mx.nd.argmin(x, axis=1, keepdims=True)
    <BLANKLINE>
    [[0.]
     [1.]]
    <NDArray 2x1 @cpu(0)>
    """
    return _arg_reduction("argmin", data, axis, keepdims, out)


def argmax_channel(data=None, out=None, name=None):
    """``argmax(data, axis=1)``: the best channel of each sample.

    >>> scores = mx.nd.array([[0.1, 0.7, 0.2], [0.5, 0.3, 0.2]])   # (batch, classes)
    >>> mx.nd.argmax_channel(scores)
    <BLANKLINE>
    [1. 0.]
    <NDArray 2 @cpu(0)>
    """
    if out is not None and isinstance(data, NDArrayBase) and data.ndim >= 2:
        check_out("argmax_channel", out, shape=data.shape[:1] + data.shape[2:],
                  code=data._dtype_code, ctx=data.context)
    return deliver("argmax_channel", argmax(data, axis=1), out)


def moments(data=None, axes=None, keepdims=False, name=None):
    """[mean, variance] over ``axes`` (None: all), both differentiable.

    >>> x = mx.nd.array([[1, 2], [3, 6]])
    >>> mean, var = mx.nd.moments(x, axes=(0,))
    >>> mean
    <BLANKLINE>
    [2. 4.]
    <NDArray 2 @cpu(0)>
    >>> var
    <BLANKLINE>
    [1. 4.]
    <NDArray 2 @cpu(0)>
    >>> [a.shape for a in mx.nd.moments(x, axes=(0, 1), keepdims=True)]
    [(1, 1), (1, 1)]
    """
    _check_array("moments", data)
    red = reduced_axes("moments", data.shape, axes)
    m = mean(data, axis=red, keepdims=True)
    centered = data - m
    var = mean(centered * centered, axis=red, keepdims=keepdims)
    if not keepdims:
        m = m.reshape(_result_shape(data.shape, red, False))
    return [m, var]


# --- gradient plumbing -------------------------------------------------------------------------
@functools.lru_cache(maxsize=None)       # gradient shapes recur every step
def _summed_axes(g_shape, shape):
    """The axes of ``g_shape`` that broadcasting from ``shape`` added or stretched."""
    lead = len(g_shape) - len(shape)
    return tuple(range(lead)) + tuple(lead + i for i, d in enumerate(shape)
                                      if d == 1 and g_shape[lead + i] != 1)


def sum_to_shape(g, shape):
    """g (broadcast from ``shape`` by numpy's rules) summed back to ``shape``; recorded, so
    it can be differentiated again."""
    shape = tuple(shape)
    if g.shape == shape:
        return g
    axes = _summed_axes(g.shape, shape)
    if not axes:
        return g.reshape(shape)
    if not is_recording():
        # Nothing to record (a plain backward): the sum lands in ``shape`` directly, whose
        # layout is the keepdims result's.
        return _forward("sum", g, axes, True, shape=shape)
    return sum(g, axis=axes, keepdims=True).reshape(shape)


_tape.set_sum_to_shape(sum_to_shape)
