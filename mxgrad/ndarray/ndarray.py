"""The public NDArray class: the Cython core plus MXNet's Python-level API."""
import warnings

import numpy as np

from mxgrad import _ndarray
from mxgrad._ndarray import NDArrayBase
from mxgrad.base import MXNetError, DTYPES, dtype_code

__all__ = ["NDArray"]


def _unpickle(host, device_type, device_id):
    from mxgrad import context, _devices
    exists = device_id < len(_devices.devices_of(device_type))
    ctx = context.Context(device_type, device_id) if exists else context.cpu(0)
    from mxgrad.ndarray.creation import array
    return array(host, ctx=ctx, dtype=host.dtype)


class NDArray(NDArrayBase):
    """An n-dimensional array on an OpenCL device, with MXNet's API.

    >>> import mxgrad as mx
    >>> x = mx.nd.array([1, 2, 3, 4])
    >>> x * x + 1
    <BLANKLINE>
    [ 2.  5. 10. 17.]
    <NDArray 4 @cpu(0)>
    """

    __slots__ = ()
    __array_priority__ = 1000.0

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        # NumPy's operators with an NDArray operand (``np.float32(2) * x``, ``np_array + x``)
        # give an NDArray, as the operator with the NDArray first; any other NumPy function
        # (np.all, np.exp, np.add(..., out=np_array)) runs on host copies.
        if method == "__call__" and not kwargs and len(inputs) == 2 and ufunc in _OPERATORS:
            a, b = inputs
            forward, reflected = _OPERATORS[ufunc]
            if isinstance(a, NDArrayBase):
                return getattr(a, forward)(b)
            return getattr(b, reflected)(a)
        if any(isinstance(o, NDArrayBase) for o in kwargs.get("out", ())):
            return NotImplemented        # a host result cannot land in device memory
        host = [x.asnumpy() if isinstance(x, NDArrayBase) else x for x in inputs]
        return getattr(ufunc, method)(*host, **kwargs)

    # --- printing -------------------------------------------------------------------
    def __repr__(self):
        dims = "x".join(str(d) for d in self.shape)
        return f"\n{self.asnumpy()}\n<{type(self).__name__} {dims} @{self.context}>"

    # --- Python protocol ------------------------------------------------------------
    def __len__(self):
        if not self.shape:
            raise IndexError("len() of a 0-d NDArray: it has no first axis")
        return self.shape[0]

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    def __bool__(self):
        if self.size == 0:
            return False
        if self.size == 1:
            return bool(self.asnumpy().reshape(-1)[0])
        raise ValueError("The truth value of an NDArray with multiple elements is ambiguous.")

    # Pickling keeps values, dtype and context (cpu(0) where that device is missing on
    # unpickling); like MXNet, not the attached gradient.
    def __reduce__(self):
        return (_unpickle, (self.asnumpy(), self.context.device_type, self.context.device_id))

    def __deepcopy__(self, memo):
        return self.copy()

    def __array__(self, dtype=None, copy=None):
        if copy is False:
            raise ValueError("an NDArray lives on an OpenCL device: converting it to numpy "
                             "always copies (copy=False cannot be honoured)")
        a = self.asnumpy()
        return a if dtype is None else a.astype(dtype, copy=False)

    # DLPack: by default consumers get a host copy (kDLCPU), so numpy.from_dlpack(x) and
    # torch.from_dlpack(x) work; an OpenCL-aware consumer asks for the device memory itself
    # with dl_device=(4, device_id) (kDLOpenCL: mxgrad/_dlpack.py).
    def __dlpack_device__(self):
        return (1, 0)

    def __dlpack__(self, *, stream=None, max_version=None, dl_device=None, copy=None):
        if dl_device is not None and tuple(dl_device)[0] == 4:
            from mxgrad._dlpack import export_opencl
            return export_opencl(self.copy() if copy else self, self.context.device_id)
        if copy is False:
            raise BufferError("an NDArray lives in OpenCL device memory: a kDLCPU export is "
                              "a host copy (copy=False cannot be honoured; ask for "
                              "dl_device=(4, id), kDLOpenCL, to share the device memory)")
        if dl_device is not None and tuple(dl_device)[0] != 1:
            raise BufferError(f"DLPack export is to the CPU (kDLCPU) or to OpenCL (kDLOpenCL), "
                              f"not device {dl_device}")
        host = self.asnumpy()
        if max_version is None:
            return host.__dlpack__()
        try:
            return host.__dlpack__(max_version=max_version)
        except TypeError:           # NumPy < 2.1 takes no max_version
            return host.__dlpack__()

    def __float__(self):
        return float(self.asscalar())

    def __int__(self):
        return int(self.asscalar())

    def __index__(self):
        if np.issubdtype(DTYPES[self._dtype_code], np.integer):
            return int(self.asscalar())
        raise TypeError("only integer NDArrays of size 1 can be used as an index")

    # --- attributes -----------------------------------------------------------------
    @property
    def stype(self):
        """Storage type: always 'default' (dense).

        >>> mx.nd.zeros((2, 2)).stype
        'default'
        """
        return "default"

    @property
    def T(self):
        """The transpose (reversed axes); a 1-D array is returned unchanged as a copy.

        >>> x = mx.nd.array([[1, 2, 3]])
        >>> x.T
        <BLANKLINE>
        [[1.]
         [2.]
         [3.]]
        <NDArray 3x1 @cpu(0)>
        """
        return self.transpose()

    @property
    def handle(self):
        """The OpenCL buffer (``cl_mem`` as an int) holding the data.

        >>> x = mx.nd.zeros(2)
        >>> isinstance(x.handle, int)
        True
        """
        return self._buffer.int_ptr

    # --- host transfer --------------------------------------------------------------
    def asscalar(self):
        """The value of a size-1 array as a numpy scalar.

        >>> x = mx.nd.array([2.5])
        >>> print(x.asscalar())
        2.5
        >>> type(x.asscalar())
        <class 'numpy.float32'>
        """
        if self.size != 1:
            raise ValueError("The current array is not a scalar")
        return self.asnumpy().reshape(-1)[0]

    def wait_to_read(self):
        """Block until every pending op writing this array has finished.

        >>> x = mx.nd.ones((256, 256))
        >>> y = mx.nd.dot(x, x)     # enqueued; returns at once
        >>> y.wait_to_read()        # blocks until y is computed
        """
        self.context.state.finish()

    def wait_to_write(self):
        """Block until every pending op using this array has finished.

        >>> x = mx.nd.ones(4)
        >>> y = x * 2               # enqueued, reads x
        >>> x.wait_to_write()       # now x may be overwritten from outside mxgrad
        """
        self.context.state.finish()

    def copy(self):
        """A new array with the same data, on the same context.

        >>> x = mx.nd.array([1, 2])
        >>> y = x.copy()
        >>> y[0] = 10
        >>> x
        <BLANKLINE>
        [1. 2.]
        <NDArray 2 @cpu(0)>
        """
        return self.copyto(self.context)

    def copyto(self, other):
        """Copy into ``other`` (an NDArray of the same shape) or to a new array on a Context.

        >>> x = mx.nd.array([1.5, 2.5])
        >>> x.copyto(mx.cpu(1)).context
        cpu(1)
        >>> y = mx.nd.zeros(2, dtype='int32')
        >>> x.copyto(y)             # converted to y's dtype
        <BLANKLINE>
        [1 2]
        <NDArray 2 @cpu(0)>
        """
        from mxgrad.context import Context
        if isinstance(other, Context):
            out = _ndarray.empty_array(other, self.shape, self._dtype_code)
        elif isinstance(other, NDArrayBase):
            out = other
            if out.shape != self.shape:
                raise MXNetError(f"copyto: shape mismatch, {self.shape} vs {out.shape}")
        else:
            raise TypeError(f"copyto does not support type {type(other).__name__}")
        if out is self:
            warnings.warn("You are attempting to copy an array to itself", RuntimeWarning)
            return False
        _ndarray.check_inplace(out)
        if out._dtype_code != self._dtype_code:
            return self.astype(out.dtype).copyto(out)
        if out.context.state is self.context.state:     # same device (cpu aliases too)
            out._copy_from(self)
        else:
            out._write_numpy(self.asnumpy())
        _deliver.record_copy(self, out)                 # gradients flow back, as in MXNet
        return out

    def as_in_context(self, context):
        """This array if it is on ``context``, else a copy there.

        >>> x = mx.nd.array([1, 2])
        >>> x.as_in_context(mx.cpu(0)) is x
        True
        >>> x.as_in_context(mx.cpu(1)).context
        cpu(1)
        """
        if context == self.context:
            return self
        return self.copyto(context)

    def astype(self, dtype, copy=True):
        """A copy converted to ``dtype`` (this array itself when copy=False and no change).

        >>> x = mx.nd.array([1.5, -2.7])
        >>> x.astype('int32')
        <BLANKLINE>
        [ 1 -2]
        <NDArray 2 @cpu(0)>
        >>> x.astype(np.float32, copy=False) is x
        True
        """
        code = dtype_code(dtype)
        if code == self._dtype_code:
            return self.copy() if copy else self
        return _shape_ops.cast(self, code)

    # --- autograd (mxgrad.autograd) ---------------------------------------------------
    def attach_grad(self, grad_req="write", stype=None):
        """Allocate a gradient buffer and mark this array as a variable to differentiate.

        >>> x = mx.nd.array([1, 2, 3])
        >>> x.attach_grad()
        >>> x.grad
        <BLANKLINE>
        [0. 0. 0.]
        <NDArray 3 @cpu(0)>
        >>> with mx.autograd.record():
        ...     y = x * x
        >>> y.backward()
        >>> x.grad
        <BLANKLINE>
        [2. 4. 6.]
        <NDArray 3 @cpu(0)>
        """
        from mxgrad import autograd
        autograd._attach_grad(self, grad_req, stype)

    @property
    def grad(self):
        """The gradient buffer attached by ``attach_grad`` (None if none).

        >>> x = mx.nd.array([1, 2])
        >>> x.grad is None
        True
        >>> x.attach_grad(grad_req='add')
        >>> for _ in range(3):
        ...     with mx.autograd.record():
        ...         y = 2 * x
        ...     y.backward()
        >>> x.grad                  # grad_req='add' sums the three backward passes
        <BLANKLINE>
        [6. 6.]
        <NDArray 2 @cpu(0)>
        """
        return self._grad

    def backward(self, out_grad=None, retain_graph=False, train_mode=True):
        """Compute the gradients of this array w.r.t. the marked variables.

        >>> x = mx.nd.array([1, 2, 3])
        >>> x.attach_grad()
        >>> with mx.autograd.record():
        ...     y = x * x
        >>> y.backward(mx.nd.array([1, 0, 10]))    # the gradient of some loss w.r.t. y
        >>> x.grad
        <BLANKLINE>
        [ 2.  0. 60.]
        <NDArray 3 @cpu(0)>
        """
        from mxgrad import autograd
        autograd.backward([self], None if out_grad is None else [out_grad],
                          retain_graph=retain_graph, train_mode=train_mode)

    def detach(self):
        """The same data, cut from the recorded graph.

        >>> x = mx.nd.array([1, 2])
        >>> x.attach_grad()
        >>> with mx.autograd.record():
        ...     y = x * x
        ...     z = y + y.detach()      # the second term counts as a constant
        >>> z.backward()
        >>> x.grad
        <BLANKLINE>
        [2. 4.]
        <NDArray 2 @cpu(0)>
        """
        return _ndarray.view_of(self, self.shape, self._offset)

    # --- shape and indexing (mxgrad/ndarray/shape.py, broadcast.py, join.py, indexing.py)
    def __getitem__(self, key):
        return _indexing.getitem(self, key)

    def __setitem__(self, key, value):
        _indexing.setitem(self, key, value)

    def reshape(self, *shape, **kwargs):
        """A view with another shape, sharing memory: ``x.reshape((2, -1))`` or
        ``x.reshape(2, -1)``, with MXNet's codes 0, -1, -2, -3, -4 and ``reverse=``.

        >>> x = mx.nd.arange(6)
        >>> y = x.reshape((2, -1))
        >>> y
        <BLANKLINE>
        [[0. 1. 2.]
         [3. 4. 5.]]
        <NDArray 2x3 @cpu(0)>
        >>> x.reshape(3, 2).shape, x.reshape(shape=(-4, 2, -1)).shape
        ((3, 2), (2, 3))
        >>> y[0] = 9                # y shares x's memory
        >>> x
        <BLANKLINE>
        [9. 9. 9. 3. 4. 5.]
        <NDArray 6 @cpu(0)>
        """
        unknown = set(kwargs) - {"shape", "reverse"}
        if unknown:
            raise TypeError(f"reshape() got unexpected keyword arguments {sorted(unknown)}")
        if len(shape) == 1 and not isinstance(shape[0], (int, np.integer)):
            shape = shape[0]
        elif not shape:
            shape = kwargs.get("shape")
            if shape is None:
                raise MXNetError("reshape: shape must be provided")
        return _shape_ops.reshape_method(self, shape, kwargs.get("reverse", False))

    def reshape_like(self, *args, **kwargs):
        """This array reshaped like another (see ``mx.nd.reshape_like``).

        >>> mx.nd.arange(6).reshape_like(mx.nd.zeros((3, 2))).shape
        (3, 2)
        """
        return _shape_ops.reshape_like(self, *args, **kwargs)

    def transpose(self, *args, **kwargs):
        """Permute the axes (see ``mx.nd.transpose``).

        >>> mx.nd.zeros((2, 3, 4)).transpose().shape
        (4, 3, 2)
        >>> mx.nd.zeros((2, 3, 4)).transpose(axes=(0, 2, 1)).shape
        (2, 4, 3)
        """
        return _shape_ops.transpose(self, *args, **kwargs)

    def swapaxes(self, *args, **kwargs):
        """Exchange two axes (see ``mx.nd.swapaxes``).

        >>> mx.nd.zeros((2, 3, 4)).swapaxes(0, 1).shape
        (3, 2, 4)
        """
        return _shape_ops.swapaxes(self, *args, **kwargs)

    def expand_dims(self, axis, inplace=False):
        """Insert a size-1 axis; ``inplace=True`` returns a view sharing memory.

        >>> x = mx.nd.array([1, 2])
        >>> x.expand_dims(axis=1).shape
        (2, 1)
        >>> v = x.expand_dims(0, inplace=True)
        >>> v[0, 0] = 5             # the view writes into x
        >>> x
        <BLANKLINE>
        [5. 2.]
        <NDArray 2 @cpu(0)>
        """
        return _shape_ops.expand_dims(self, axis, inplace=inplace)

    def flatten(self, inplace=False):
        """Shape (d0, d1*d2*...); ``inplace=True`` returns a view sharing memory.

        >>> mx.nd.zeros((2, 3, 4)).flatten().shape
        (2, 12)
        """
        return _shape_ops.flatten(self, inplace=inplace)

    def squeeze(self, axis=None, inplace=False):
        """Remove size-1 axes; ``inplace=True`` returns a view sharing memory.

        >>> mx.nd.zeros((1, 3, 1)).squeeze().shape
        (3,)
        >>> mx.nd.zeros((1, 3, 1)).squeeze(axis=2).shape
        (1, 3)
        """
        return _shape_ops.squeeze(self, axis, inplace=inplace)

    def broadcast_to(self, shape):
        """Broadcast to ``shape`` with numpy's rules (leading axes may be added).

        >>> mx.nd.array([1, 2]).broadcast_to((3, 2))
        <BLANKLINE>
        [[1. 2.]
         [1. 2.]
         [1. 2.]]
        <NDArray 3x2 @cpu(0)>
        """
        return _broadcast_ops.broadcast_to_method(self, shape)

    def broadcast_axes(self, *args, **kwargs):
        """Broadcast size-1 axes (see ``mx.nd.broadcast_axes``).

        >>> mx.nd.array([[1], [2]]).broadcast_axes(axis=1, size=3)
        <BLANKLINE>
        [[1. 1. 1.]
         [2. 2. 2.]]
        <NDArray 2x3 @cpu(0)>
        """
        return _broadcast_ops.broadcast_axes(self, *args, **kwargs)

    def broadcast_like(self, other):
        """Broadcast to ``other``'s shape.

        >>> mx.nd.array([[1, 2]]).broadcast_like(mx.nd.zeros((2, 2)))
        <BLANKLINE>
        [[1. 2.]
         [1. 2.]]
        <NDArray 2x2 @cpu(0)>
        """
        return _broadcast_ops.broadcast_like(self, other)

    def split(self, *args, **kwargs):
        """Split into equal parts (see ``mx.nd.split``).

        >>> a, b = mx.nd.array([[1, 2], [3, 4]]).split(num_outputs=2, axis=0)
        >>> b
        <BLANKLINE>
        [[3. 4.]]
        <NDArray 1x2 @cpu(0)>
        """
        return _join_ops.split(self, *args, **kwargs)

    def flip(self, *args, **kwargs):
        """Reverse along axes (see ``mx.nd.flip``).

        >>> mx.nd.array([1, 2, 3]).flip(axis=0)
        <BLANKLINE>
        [3. 2. 1.]
        <NDArray 3 @cpu(0)>
        """
        return _shape_ops.flip(self, *args, **kwargs)

    def tile(self, *args, **kwargs):
        """Repeat the whole array (see ``mx.nd.tile``).

        >>> mx.nd.array([1, 2]).tile(reps=(3,))
        <BLANKLINE>
        [1. 2. 1. 2. 1. 2.]
        <NDArray 6 @cpu(0)>
        """
        return _broadcast_ops.tile(self, *args, **kwargs)

    def repeat(self, *args, **kwargs):
        """Repeat elements (see ``mx.nd.repeat``).

        >>> mx.nd.array([1, 2]).repeat(repeats=3)
        <BLANKLINE>
        [1. 1. 1. 2. 2. 2.]
        <NDArray 6 @cpu(0)>
        """
        return _broadcast_ops.repeat(self, *args, **kwargs)

    def slice(self, *args, **kwargs):
        """Slice every axis (see ``mx.nd.slice``).

        >>> mx.nd.array([[1, 2, 3], [4, 5, 6]]).slice(begin=(1, 0), end=(2, 2))
        <BLANKLINE>
        [[4. 5.]]
        <NDArray 1x2 @cpu(0)>
        """
        return _shape_ops.slice(self, *args, **kwargs)

    def slice_axis(self, *args, **kwargs):
        """Slice one axis (see ``mx.nd.slice_axis``).

        >>> mx.nd.array([[1, 2, 3], [4, 5, 6]]).slice_axis(axis=1, begin=1, end=None)
        <BLANKLINE>
        [[2. 3.]
         [5. 6.]]
        <NDArray 2x2 @cpu(0)>
        """
        return _shape_ops.slice_axis(self, *args, **kwargs)

    # --- reductions (mxgrad/ndarray/reduce.py) -----------------------------------------
    def sum(self, *args, **kwargs):
        """``mx.nd.sum`` of this array.

        >>> x = mx.nd.array([[1, 2], [3, 4]])
        >>> x.sum()                 # shape (1,): MXNet has no 0-d results
        <BLANKLINE>
        [10.]
        <NDArray 1 @cpu(0)>
        >>> x.sum(axis=0)
        <BLANKLINE>
        [4. 6.]
        <NDArray 2 @cpu(0)>
        >>> x.sum(axis=1, keepdims=True)
        <BLANKLINE>
        [[3.]
         [7.]]
        <NDArray 2x1 @cpu(0)>
        """
        return _reduce.sum(self, *args, **kwargs)

    def mean(self, *args, **kwargs):
        """``mx.nd.mean`` of this array.

        >>> x = mx.nd.array([[1, 2], [3, 4]])
        >>> x.mean(axis=1)
        <BLANKLINE>
        [1.5 3.5]
        <NDArray 2 @cpu(0)>
        >>> mx.nd.array([1, 2], dtype='int32').mean()     # integer mean truncates
        <BLANKLINE>
        [1]
        <NDArray 1 @cpu(0)>
        """
        return _reduce.mean(self, *args, **kwargs)

    def prod(self, *args, **kwargs):
        """``mx.nd.prod`` of this array.

        >>> mx.nd.array([[1, 2], [3, 4]]).prod(axis=0)
        <BLANKLINE>
        [3. 8.]
        <NDArray 2 @cpu(0)>
        """
        return _reduce.prod(self, *args, **kwargs)

    def max(self, *args, **kwargs):
        """``mx.nd.max`` of this array.

        >>> x = mx.nd.array([[1, 5], [3, 4]])
        >>> x.max()
        <BLANKLINE>
        [5.]
        <NDArray 1 @cpu(0)>
        >>> x.max(axis=1)
        <BLANKLINE>
        [5. 4.]
        <NDArray 2 @cpu(0)>
        """
        return _reduce.max(self, *args, **kwargs)

    def min(self, *args, **kwargs):
        """``mx.nd.min`` of this array.

        >>> mx.nd.array([[1, 5], [3, 4]]).min(axis=0)
        <BLANKLINE>
        [1. 4.]
        <NDArray 2 @cpu(0)>
        """
        return _reduce.min(self, *args, **kwargs)

    def nansum(self, *args, **kwargs):
        """``mx.nd.nansum`` of this array.

        >>> mx.nd.array([1, np.nan, 2]).nansum()
        <BLANKLINE>
        [3.]
        <NDArray 1 @cpu(0)>
        """
        return _reduce.nansum(self, *args, **kwargs)

    def nanprod(self, *args, **kwargs):
        """``mx.nd.nanprod`` of this array.

        >>> mx.nd.array([2, np.nan, 3]).nanprod()
        <BLANKLINE>
        [6.]
        <NDArray 1 @cpu(0)>
        """
        return _reduce.nanprod(self, *args, **kwargs)

    def norm(self, *args, **kwargs):
        """``mx.nd.norm`` of this array.

        >>> mx.nd.array([[3, 4], [0, 0]]).norm()
        <BLANKLINE>
        [5.]
        <NDArray 1 @cpu(0)>
        >>> mx.nd.array([[3, 4], [0, 0]]).norm(ord=1, axis=1)
        <BLANKLINE>
        [7. 0.]
        <NDArray 2 @cpu(0)>
        """
        return _reduce.norm(self, *args, **kwargs)

    def argmax(self, *args, **kwargs):
        """``mx.nd.argmax`` of this array.

        >>> x = mx.nd.array([[1, 5, 2], [7, 0, 7]])
        >>> x.argmax(axis=1)        # float32 indices, the first of ties
        <BLANKLINE>
        [1. 0.]
        <NDArray 2 @cpu(0)>
        """
        return _reduce.argmax(self, *args, **kwargs)

    def argmin(self, *args, **kwargs):
        """``mx.nd.argmin`` of this array.

        >>> mx.nd.array([[1, 5, 2], [7, 0, 7]]).argmin(axis=0)
        <BLANKLINE>
        [0. 1. 0.]
        <NDArray 3 @cpu(0)>
        """
        return _reduce.argmin(self, *args, **kwargs)

    def argmax_channel(self, *args, **kwargs):
        """``mx.nd.argmax_channel`` of this array.

        >>> mx.nd.array([[1, 5, 2], [7, 0, 3]]).argmax_channel()
        <BLANKLINE>
        [1. 0.]
        <NDArray 2 @cpu(0)>
        """
        return _reduce.argmax_channel(self, *args, **kwargs)

    # --- in-place arithmetic writes into this array's buffer --------------------------
    def __iadd__(self, other):
        return _inplace(self, "add", other)

    def __isub__(self, other):
        return _inplace(self, "subtract", other)

    def __imul__(self, other):
        return _inplace(self, "multiply", other)

    def __itruediv__(self, other):
        return _inplace(self, "divide", other)

    def __imod__(self, other):
        return _inplace(self, "modulo", other)

    def __abs__(self):
        return _ops.OPS["abs"](self)

    def __pos__(self):
        return self


# NumPy ufunc -> (NDArray method when the NDArray comes first, when it comes second)
_OPERATORS = {np.add: ("__add__", "__radd__"), np.subtract: ("__sub__", "__rsub__"),
              np.multiply: ("__mul__", "__rmul__"), np.true_divide: ("__truediv__", "__rtruediv__"),
              np.power: ("__pow__", "__rpow__"), np.remainder: ("__mod__", "__rmod__"),
              np.equal: ("__eq__", "__eq__"), np.not_equal: ("__ne__", "__ne__"),
              np.greater: ("__gt__", "__lt__"), np.greater_equal: ("__ge__", "__le__"),
              np.less: ("__lt__", "__gt__"), np.less_equal: ("__le__", "__ge__")}


def _inplace(arr, name, other):
    return _ops.OPS[name](arr, other, out=arr)   # refuses graph members while recording


from mxgrad.ndarray import _deliver, _elemwise_table as _ops  # noqa: E402
from mxgrad.ndarray import indexing as _indexing, shape as _shape_ops  # noqa: E402
from mxgrad.ndarray import broadcast as _broadcast_ops, join as _join_ops  # noqa: E402
from mxgrad.ndarray import reduce as _reduce  # noqa: E402
