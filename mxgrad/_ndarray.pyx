"""The NDArray core in Cython: fields, host transfer and the elementwise dispatch path.

``NDArrayBase`` holds a view of a device buffer; the public ``NDArray`` (mxgrad/ndarray/
ndarray.py) subclasses it with the rest of the API. Elementwise ops (arithmetic, math,
comparisons) go through ``apply_elemwise``: validate, infer the broadcast shape, collapse
dims, look the kernel variant up, set its arguments and enqueue, all without Python-level
work beyond the call itself.
"""
cimport cython
from cpython.ref cimport Py_REFCNT
from libc.stdint cimport intptr_t
cimport numpy as cnp

from mxgrad._dispatch cimport Buffer, DeviceState, Kernel, Lane, thread_ident
from mxgrad._dtypes cimport (dtype_size, dtype_is_float, FLOAT32, FLOAT64, FLOAT16, INT32,
                             UINT8, INT8)
from mxgrad._tape cimport is_recording_c, record, needs_grad

import os

import numpy as np

from mxgrad.base import MXNetError, DTYPES, kernel_scalar

cnp.import_array()

DEF MAXD = 32

cdef type array_class = NDArrayBase     # replaced by the public NDArray class

include "_fusion_nodes.pxi"
include "_fusion.pxi"
include "_fusion_segments.pxi"

from mxgrad._dispatch import set_group_flusher
set_group_flusher(flush_group)     # the queue runs pending groups through it


def _set_hooks(cls, source_fn, kernel_fn):
    """Called once by mxgrad.ndarray: the public class, the fused-kernel source generator
    and the kernel builder."""
    global array_class, source_builder, kernel_from_source
    array_class = cls
    source_builder = source_fn
    kernel_from_source = kernel_fn


def _set_segments_hook(source_fn):
    """Called once by mxgrad.ndarray: the source generator of segmented launches."""
    global segments_source_builder
    segments_source_builder = source_fn


def _set_reduction_hooks(source_fn, slots_fn, merge_fn):
    """Called once by mxgrad.ndarray.reduce: the source generator of fused groups with
    reductions, their slot plan and the merge of their partial sums."""
    global reduce_source_builder, reduction_slots, merge_partials
    reduce_source_builder = source_fn
    reduction_slots = slots_fn
    merge_partials = merge_fn


cdef inline int compute_code(int code) noexcept:
    """The dtype kernels compute in (scalar arguments have this type): see _codegen.py."""
    if code == FLOAT16:
        return FLOAT32
    if code == UINT8 or code == INT8:
        return INT32
    return code


cdef inline Py_ssize_t shape_size(tuple shape):
    cdef Py_ssize_t n = 1
    for s in shape:
        n *= <Py_ssize_t>s
    return n


cdef NDArrayBase make_array(Buffer buf, tuple shape, Py_ssize_t offset, Py_ssize_t size,
                            int code, object ctx, DeviceState dev):
    """The one place an NDArray object is assembled from its fields."""
    cdef NDArrayBase a = array_class.__new__(array_class)
    a.buf = buf
    a.shape_ = shape
    a.offset = offset
    a.size_ = size
    a.dtype_code = code
    a.ctx_ = ctx
    a.dev = dev
    return a


cdef Py_ssize_t checked_size(tuple shape, int code) except -1:
    """shape_size for a new buffer: MXNetError for a negative dim or a byte size past 2**62
    (the products would wrap and allocate a wrong size, or hang the pool's size classes)."""
    cdef Py_ssize_t n = 1, d, limit = (<Py_ssize_t>1 << 62) // dtype_size(code)
    try:
        for s in shape:
            d = s
            if d < 0 or (d > 1 and n > limit // d):
                break
            n *= d
        else:
            return n
    except OverflowError:      # a dim past 2**63
        pass
    if any(s < 0 for s in shape):
        raise MXNetError(f"cannot create an array of shape {shape}: negative dimension")
    total = 1
    for s in shape:
        total *= s
    if total == 0:
        return 0
    raise MXNetError(f"cannot create an array of shape {shape} and dtype {DTYPES[code].name}: "
                     f"{total * dtype_size(code)} bytes is more than any device holds")


cdef NDArrayBase new_array(DeviceState dev, object ctx, tuple shape, int code):
    """A fresh array with a buffer from the pool; contents undefined."""
    cdef Py_ssize_t n = checked_size(shape, code)
    cdef size_t nbytes = n * dtype_size(code)
    if nbytes > dev.pool.max_alloc:
        raise MXNetError(f"cannot create an array of shape {shape} and dtype "
                         f"{DTYPES[code].name} on {ctx}: {nbytes} bytes is more than its "
                         f"largest buffer, {dev.pool.max_alloc} bytes "
                         "(CL_DEVICE_MAX_MEM_ALLOC_SIZE)")
    return make_array(dev.alloc(nbytes), shape, 0, n, code, ctx, dev)


def empty_array(ctx, tuple shape, int code):
    """A fresh array on ``ctx`` (a Context), contents undefined."""
    dev = ctx.state
    if code == FLOAT64 and not (<DeviceState>dev).has_fp64:
        raise MXNetError(f"float64 is not supported by {ctx} ({ctx.device_info.name}): the device lacks cl_khr_fp64")
    return new_array(dev, ctx, shape, code)


def view_of(NDArrayBase src, tuple shape, Py_ssize_t offset):
    """An array sharing ``src``'s buffer with another shape and element offset."""
    settle(src, False)            # a view reads the buffer directly: compute it first
    return make_array(src.buf, shape, offset, shape_size(shape), src.dtype_code, src.ctx_,
                      src.dev)


cdef NDArrayBase husk_of(NDArrayBase x):
    """Shape, dtype and history of ``x`` without its data: what a tape node keeps of an
    input its gradient rule does not read (so the input's buffer can be recycled)."""
    cdef NDArrayBase h = make_array(None, x.shape_, 0, x.size_, x.dtype_code, x.ctx_, x.dev)
    h.node_ = x.node_
    h.out_index = x.out_index
    return h


def alias_of(NDArrayBase x):
    """The same data as ``x`` (a pending value stays pending), without history."""
    cdef NDArrayBase a = make_array(x.buf, x.shape_, x.offset, x.size_, x.dtype_code, x.ctx_,
                                    x.dev)
    a.lazy = x.lazy
    a.lazy_index = x.lazy_index
    return a


def wrap_buffer(Buffer buf, ctx, tuple shape, int code, Py_ssize_t offset=0):
    """An array over an existing Buffer (interop)."""
    return make_array(buf, shape, offset, shape_size(shape), code, ctx, ctx.state)


cpdef check_inplace(NDArrayBase arr):
    """Raise MXNetError if writing into ``arr`` now would invalidate recorded history.

    Inside ``autograd.record()``, an array that a recorded op produced or read (or a marked
    variable) must not be overwritten: its gradients would be computed from the new data.
    Called before anything is written.
    """
    if is_recording_c() and (arr.node_ is not None or arr._in_graph
                             or arr._grad_req is not None):
        raise MXNetError(
            "cannot write in place into an NDArray that belongs to the graph being recorded "
            "(+=, *=, x[idx] = v, out=... inside autograd.record()): gradients would be "
            "computed from the overwritten values. Call backward() first to free the graph, "
            "or write outside the record() block.")


cdef inline bint overlaps_c(NDArrayBase a, NDArrayBase b) noexcept:
    # Every array is a contiguous run of its buffer: overlap is interval intersection.
    return (a.buf is not None and a.buf is b.buf and a.size_ > 0 and b.size_ > 0
            and a.offset < b.offset + b.size_ and b.offset < a.offset + a.size_)


def overlaps(NDArrayBase a, NDArrayBase b):
    """Whether ``a`` and ``b`` share some device memory (views of one buffer that meet)."""
    return overlaps_c(a, b)


cdef str INPLACE_RECORDING = (
    "in-place operations (x[idx] = v, x += v, op(..., out=x) where x is also an input) "
    "are not supported while recording with autograd when a value needs a gradient: the "
    "gradient would be lost or computed from overwritten data. Build a new array instead "
    "(a full overwrite x[:] = v is recorded), or write outside the record() block.")


def check_write_recording(str op, NDArrayBase out, tuple inputs):
    """Raise MXNetError, while recording, if ``op`` would write into ``out`` that overlaps one
    of its ``inputs`` while some input needs a gradient (MXNet refuses such writes too).
    Called before anything is enqueued."""
    if is_recording_c():
        check_write_recording_c(op, out, inputs)


cdef int check_write_recording_c(str op, NDArrayBase out, tuple inputs) except -1:
    cdef bint aliased = False, grad = False
    for x in inputs:
        if isinstance(x, NDArrayBase):
            if overlaps_c(out, <NDArrayBase>x):
                aliased = True
            if needs_grad(x):
                grad = True
    if aliased and grad:
        raise MXNetError(f"{op}: {INPLACE_RECORDING}")
    return 0


# Copies and fills of at least this many bytes run as kernels on CPU devices (see
# mxgrad/ndarray/_bulk.py: PoCL's own copies and fills use one thread).
cdef size_t BULK_MIN = 1 << 18
cdef object _bulk_module = None


cdef object bulk_moves():
    global _bulk_module
    if _bulk_module is None:
        from mxgrad.ndarray import _bulk
        _bulk_module = _bulk
    return _bulk_module


@cython.trashcan(True)
cdef class NDArrayBase:
    """Fields and hot paths of NDArray; see mxgrad.ndarray.NDArray for the API."""

    @property
    def shape(self):
        """Tuple of dimensions.

        >>> mx.nd.zeros((2, 3)).shape
        (2, 3)
        """
        return self.shape_

    @property
    def size(self):
        """Number of elements.

        >>> mx.nd.zeros((2, 3)).size
        6
        """
        return self.size_

    @property
    def ndim(self):
        """Number of dimensions.

        >>> mx.nd.zeros((2, 3)).ndim
        2
        """
        return len(self.shape_)

    @property
    def dtype(self):
        """Element type, as a numpy type (``numpy.float32``), like MXNet.

        >>> mx.nd.zeros(2).dtype
        <class 'numpy.float32'>
        >>> mx.nd.zeros(2, dtype='int32').dtype
        <class 'numpy.int32'>
        """
        return DTYPES[self.dtype_code].type

    @property
    def context(self):
        """The device context the array lives on.

        >>> mx.nd.zeros(2).context
        cpu(0)
        """
        return self.ctx_

    @property
    def ctx(self):
        """Alias of ``context``.

        >>> mx.nd.zeros(2).ctx
        cpu(0)
        """
        return self.ctx_

    @property
    def _dtype_code(self):
        return self.dtype_code

    @property
    def _offset(self):
        return self.offset

    @property
    def _buffer(self):
        """The device buffer (pending fused ops computing it, or another thread's using it,
        are enqueued first); the caller may write it."""
        settle(self, True)
        return self.buf

    def _write_numpy(self, arr):
        """Enqueue a copy of host data (same size; cast to this dtype) into this array."""
        a = np.ascontiguousarray(arr, dtype=DTYPES[self.dtype_code])
        if a.size != self.size_:
            raise MXNetError(f"cannot copy an array of shape {np.shape(arr)} into an "
                             f"NDArray of shape {self.shape_}")
        settle(self, True)
        self.dev.write(self.buf, self.offset * dtype_size(self.dtype_code), a)

    def asnumpy(self):
        """A numpy copy of the data; waits for the ops that produce it.

        >>> x = mx.nd.array([[1, 2], [3, 4]])
        >>> x.asnumpy()
        array([[1., 2.],
               [3., 4.]], dtype=float32)
        >>> print((x * 2).asnumpy().sum())
        20.0
        """
        cdef cnp.ndarray out = np.empty(self.shape_, dtype=DTYPES[self.dtype_code])
        settle(self, False)
        self.dev.read(self.buf, self.offset * dtype_size(self.dtype_code),
                      self.size_ * dtype_size(self.dtype_code), cnp.PyArray_DATA(out))
        return out

    def _copy_from(self, NDArrayBase src):
        """Enqueue a device copy of ``src`` (same size and dtype) into this array."""
        cdef int isz = dtype_size(self.dtype_code)
        cdef size_t nbytes = self.size_ * isz
        settle(src, False)
        settle(self, True)
        if self.dev.is_cpu and nbytes >= BULK_MIN:
            bulk_moves().copy(self.ctx_, self.buf, self.offset * isz, src.buf, src.offset * isz,
                              nbytes)
        else:
            self.dev.copy(src.buf, src.offset * isz, self.buf, self.offset * isz, nbytes)

    def _fill(self, value):
        """Enqueue filling every element with ``value``."""
        pattern = np.array([value]).astype(DTYPES[self.dtype_code]).tobytes()
        cdef int isz = dtype_size(self.dtype_code)
        cdef size_t nbytes = self.size_ * isz
        settle(self, True)
        if self.dev.is_cpu and nbytes >= BULK_MIN:
            bulk_moves().fill(self.ctx_, self.buf, self.offset * isz, nbytes, pattern)
        else:
            self.dev.fill(self.buf, self.offset * isz, nbytes, pattern)

    def _same_buffer(self, NDArrayBase other):
        return self.buf is other.buf

    # Arithmetic operators dispatch straight into apply_elemwise; see _bind_operators.
    def __add__(self, other):
        return _binary(0, self, other)

    def __radd__(self, other):
        return _binary(0, other, self)

    def __sub__(self, other):
        return _binary(1, self, other)

    def __rsub__(self, other):
        return _binary(1, other, self)

    def __mul__(self, other):
        return _binary(2, self, other)

    def __rmul__(self, other):
        return _binary(2, other, self)

    def __truediv__(self, other):
        return _binary(3, self, other)

    def __rtruediv__(self, other):
        return _binary(3, other, self)

    def __pow__(self, other, mod):
        return _binary(4, self, other)

    def __rpow__(self, other, mod):
        return _binary(4, other, self)

    def __mod__(self, other):
        return _binary(5, self, other)

    def __rmod__(self, other):
        return _binary(5, other, self)

    def __eq__(self, other):
        return _binary(6, self, other)

    def __ne__(self, other):
        return _binary(7, self, other)

    def __gt__(self, other):
        return _binary(8, self, other)

    def __ge__(self, other):
        return _binary(9, self, other)

    def __lt__(self, other):
        return _binary(10, self, other)

    def __le__(self, other):
        return _binary(11, self, other)

    def __neg__(self):
        return apply_elemwise(_neg_op, (self,), None)

    __hash__ = object.__hash__


cdef class ElemwiseOp:
    """An elementwise op: its snippet and its gradient rule."""

    def __cinit__(self, str name, str snippet, int nin, vjp=None):
        self.name = name
        self.snippet = snippet
        self.nin = nin
        self.vjp = vjp

    def __repr__(self):
        return f"<ElemwiseOp {self.name}: {self.snippet}>"

    def __call__(self, *args, out=None, name=None, **kwargs):
        # name= is accepted and ignored, as by MXNet's generated op functions
        if kwargs:
            args = keyword_operands(self, args, kwargs)
        return apply_elemwise(self, args, out)


cdef tuple keyword_operands(ElemwiseOp op, tuple args, dict kwargs):
    """The operands with those given by MXNet's keywords appended: ``data`` for an op of one
    input, ``lhs`` and ``rhs`` for two."""
    names = ("data",) if op.nin == 1 else ("lhs", "rhs") if op.nin == 2 else ()
    operands = list(args)
    for i, key in enumerate(names):
        if key not in kwargs:
            continue
        if i < len(operands):
            raise TypeError(f"{op.name}() got multiple values for argument '{key}'")
        if i > len(operands):
            raise TypeError(f"{op.name}() missing argument '{names[len(operands)]}'")
        operands.append(kwargs.pop(key))
    if kwargs:
        raise TypeError(f"{op.name}() got an unexpected keyword argument '{next(iter(kwargs))}'")
    return tuple(operands)


# Operator table: _binary(i, ...) uses _array_ops[i] for array-array and array-scalar alike;
# scalars are kernel arguments, so ``x * 2`` and ``x * y`` share the snippet.
cdef list _operator_ops = []
cdef ElemwiseOp _neg_op = None


def _bind_operators(list binary_ops, ElemwiseOp neg):
    """The ops behind + - * / ** % == != > >= < <= (in that order), and unary minus."""
    global _operator_ops, _neg_op
    _operator_ops = binary_ops
    _neg_op = neg


cdef object host_operand(object v, NDArrayBase like):
    """A numpy array operand of an operator: a scalar when 0-d, else an NDArray of ``like``'s
    dtype and context (as a Python scalar takes the array's dtype); None if not numeric."""
    if v.dtype.kind not in "biuf":
        return None
    if v.ndim == 0:
        return v.item()
    arr = empty_array(like.ctx_, v.shape, like.dtype_code)
    if arr.size:
        arr._write_numpy(v)
    return arr


cdef object _binary(int which, a, b):
    if not (isinstance(a, (NDArrayBase, int, float)) and isinstance(b, (NDArrayBase, int, float))):
        if isinstance(a, (np.generic, bool)) or isinstance(b, (np.generic, bool)):
            a = a.item() if isinstance(a, np.generic) else a
            b = b.item() if isinstance(b, np.generic) else b
        elif isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
            # x + numpy_array (and numpy_array + x, via NDArray.__array_ufunc__): an NDArray
            if isinstance(a, np.ndarray):
                a = host_operand(a, <NDArrayBase>b)
            else:
                b = host_operand(b, <NDArrayBase>a)
            if a is None or b is None:
                return NotImplemented
        elif which in (6, 7):     # == and != with another type: MXNet's TypeError
            other = b if isinstance(a, NDArrayBase) else a
            raise TypeError(f"type {type(other)} not supported")
        else:
            return NotImplemented
    return apply_elemwise(<ElemwiseOp>_operator_ops[which], (a, b), None)


# MXGRAD_FUSION=0 runs every elementwise op as its own kernel at once (debugging, timing).
cdef bint fusion_enabled = os.environ.get("MXGRAD_FUSION", "1") != "0"


@cython.boundscheck(False)
cpdef object apply_elemwise(ElemwiseOp op, tuple args, out):
    """Run an elementwise op on arrays and Python scalars, with NumPy broadcasting.

    ``out``: an NDArray to write into (its shape must be the broadcast shape), or None.
    """
    cdef int nin = len(args)
    cdef int k, j, m, nd = 0
    cdef NDArrayBase a, first = None, res
    cdef Py_ssize_t oshape[MAXD]
    cdef Py_ssize_t dim
    cdef int code
    if nin > 8 or nin != op.nin:
        raise MXNetError(f"{op.name} takes {op.nin} inputs, got {nin}")
    # --- validate: one dtype, one context, broadcastable shapes -------------------------
    for k in range(nin):
        x = args[k]
        if isinstance(x, NDArrayBase):
            a = <NDArrayBase>x
            if a.buf is None:
                raise MXNetError(f"{op.name}: an operand has no data: a gradient rule read an "
                                 "input its op did not declare in its needs")
            if first is None:
                first = a
            else:
                if a.dtype_code != first.dtype_code:
                    raise MXNetError(f"{op.name}: dtype mismatch, {DTYPES[first.dtype_code].name} "
                                     f"vs {DTYPES[a.dtype_code].name}")
                if a.dev is not first.dev:
                    raise MXNetError(f"{op.name}: arrays are on different contexts, "
                                     f"{first.ctx_} and {a.ctx_}")
            if len(a.shape_) > nd:
                nd = len(a.shape_)
        elif not isinstance(x, (int, float)):
            raise MXNetError(f"{op.name}: unsupported operand type {type(x).__name__}")
    if first is None:
        raise MXNetError(f"{op.name}: needs at least one NDArray operand")
    if nd > MAXD:
        raise MXNetError(f"{op.name}: at most {MAXD} dimensions are supported")
    code = first.dtype_code
    for j in range(nd):
        oshape[j] = 1
    for k in range(nin):
        x = args[k]
        if isinstance(x, NDArrayBase):
            a = <NDArrayBase>x
            m = nd - len(a.shape_)
            for j in range(len(a.shape_)):
                dim = a.shape_[j]
                if dim != 1:
                    if oshape[m + j] == 1:
                        oshape[m + j] = dim
                    elif oshape[m + j] != dim:
                        raise MXNetError(
                            f"{op.name}: operands could not be broadcast together with shapes "
                            + " ".join([str(y.shape) for y in args if isinstance(y, NDArrayBase)]))
    oshape_t = first.shape_          # the usual case: no broadcast, no new tuple to track
    if len(oshape_t) != nd:
        oshape_t = tuple([oshape[j] for j in range(nd)])
    else:
        for j in range(nd):
            if oshape[j] != first.shape_[j]:
                oshape_t = tuple([oshape[j] for j in range(nd)])
                break
    cdef Py_ssize_t n = 1
    for j in range(nd):
        n *= oshape[j]
    cdef DeviceState dev = first.dev
    if out is not None:
        res = <NDArrayBase?>out
        check_inplace(res)
        if res.shape_ != oshape_t or res.dtype_code != code or res.dev is not first.dev:
            raise MXNetError(f"{op.name}: out has shape {res.shape_} {DTYPES[res.dtype_code].name} "
                             f"on {res.ctx_}, expected {oshape_t} {DTYPES[code].name} on {first.ctx_}")
        if is_recording_c():
            check_write_recording_c(op.name, res, args)
        if n and misaligned_alias(res, args):
            # An input meets out elsewhere than element for element (x[1:] += x[:-1], a
            # broadcast row of out): work items would read what others already wrote.
            # (No input needs a gradient here: check_write_recording refused that.)
            res._copy_from(apply_elemwise(op, args, None))
            return res
        # Writing into an existing buffer (maybe one it reads, or shared with a view): a
        # group of its own, run before anything touching that buffer (see add_op).
        if n:
            add_op(dev, first.ctx_, oshape_t, code, n, op.snippet, args, res, True)
    else:
        res = new_array(dev, first.ctx_, oshape_t, code)
        if n:
            add_op(dev, first.ctx_, oshape_t, code, n, op.snippet, args, res)
            if not fusion_enabled:
                dev.flush()
    if is_recording_c() and op.vjp is not None:
        record_elemwise(op, args, res)
    return res


cdef bint misaligned_alias(NDArrayBase res, tuple args):
    """Whether some input shares memory with ``res`` other than as the very same elements."""
    cdef NDArrayBase a
    for x in args:
        if isinstance(x, NDArrayBase):
            a = <NDArrayBase>x
            if overlaps_c(res, a) and (a.offset != res.offset or a.shape_ != res.shape_):
                return True
    return False


cdef record_elemwise(ElemwiseOp op, tuple args, NDArrayBase res):
    """Tape the op, keeping only the operands its gradient rule reads."""
    cdef int k, nin = len(args)
    cdef long mask = 0
    cdef tuple needs = op.needs
    cdef bint any_grad = False
    for k in range(nin):
        if needs_grad(args[k]):
            any_grad = True
            mask |= needs[k] if needs is not None else -1
    if not any_grad:
        return
    if mask == -1:
        record(op.name, op.vjp, args, (res,), None, True, op, None, True)
        return
    kept = []
    for k in range(nin):
        x = args[k]
        if isinstance(x, NDArrayBase) and not (mask >> k) & 1 and (<NDArrayBase>x)._grad_req is None:
            (<NDArrayBase>x)._in_graph = True
            kept.append(husk_of(<NDArrayBase>x))
        else:
            kept.append(x)
    record(op.name, op.vjp, tuple(kept), (res,), None, True, op, None, (mask >> nin) & 1)
