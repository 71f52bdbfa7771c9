"""The public NDArray class: the Cython core plus MXNet's Python-level API."""
import numpy as np

from mxgrad import _ndarray
from mxgrad._ndarray import NDArrayBase
from mxgrad.base import MXNetError, DTYPES, dtype_code

__all__ = ["NDArray"]


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
    # numpy defers to NDArray in mixed expressions: ``np.float32(2) * x`` is an NDArray.
    __array_priority__ = 1000.0

    # --- printing -------------------------------------------------------------------
    def __repr__(self):
        dims = "x".join(str(d) for d in self.shape)
        return f"\n{self.asnumpy()}\n<{type(self).__name__} {dims} @{self.context}>"

    # --- Python protocol ------------------------------------------------------------
    def __len__(self):
        if not self.shape:
            raise TypeError("len() of unsized object")
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

    def __array__(self, dtype=None, copy=None):
        if copy is False:
            raise ValueError("an NDArray lives on an OpenCL device: converting it to numpy "
                             "always copies (copy=False cannot be honoured)")
        a = self.asnumpy()
        return a if dtype is None else a.astype(dtype, copy=False)

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
        """Storage type: always 'default' (dense)."""
        return "default"

    @property
    def T(self):
        """The transpose (reversed axes); a 1-D array is returned unchanged as a copy."""
        return self.transpose()

    @property
    def handle(self):
        """The OpenCL buffer (``cl_mem`` as an int) holding the data."""
        return self._buffer.int_ptr

    # --- host transfer --------------------------------------------------------------
    def asscalar(self):
        """The value of a size-1 array as a numpy scalar."""
        if self.size != 1:
            raise ValueError("The current array is not a scalar")
        return self.asnumpy().reshape(-1)[0]

    def wait_to_read(self):
        """Block until every pending op writing this array has finished."""
        self.context.state.finish()

    def wait_to_write(self):
        """Block until every pending op using this array has finished."""
        self.context.state.finish()

    def copy(self):
        """A new array with the same data, on the same context."""
        return self.copyto(self.context)

    def copyto(self, other):
        """Copy into ``other`` (an NDArray of the same shape) or to a new array on a Context."""
        from mxgrad.context import Context
        if isinstance(other, Context):
            out = _ndarray.empty_array(other, self.shape, self._dtype_code)
        elif isinstance(other, NDArrayBase):
            out = other
            if out.shape != self.shape:
                raise MXNetError(f"copyto: shape mismatch, {self.shape} vs {out.shape}")
        else:
            raise MXNetError(f"copyto does not support type {type(other).__name__}")
        if out is self:
            return out
        if out._dtype_code != self._dtype_code:
            self.astype(out.dtype).copyto(out)
        elif out.context == self.context:
            out._copy_from(self)
        else:
            out._write_numpy(self.asnumpy())
        return out

    def as_in_context(self, context):
        """This array if it is on ``context``, else a copy there."""
        if context == self.context:
            return self
        return self.copyto(context)

    def astype(self, dtype, copy=True):
        """A copy converted to ``dtype`` (this array itself when copy=False and no change)."""
        code = dtype_code(dtype)
        if code == self._dtype_code:
            return self.copy() if copy else self
        from mxgrad.ndarray.shape import cast
        return cast(self, code)

    # --- autograd (mxgrad.autograd) ---------------------------------------------------
    def attach_grad(self, grad_req="write", stype=None):
        """Allocate a gradient buffer and mark this array as a variable to differentiate."""
        from mxgrad import autograd
        autograd._attach_grad(self, grad_req, stype)

    @property
    def grad(self):
        """The gradient buffer attached by ``attach_grad`` (None if none)."""
        return self._grad

    def backward(self, out_grad=None, retain_graph=False, train_mode=True):
        """Compute the gradients of this array w.r.t. the marked variables."""
        from mxgrad import autograd
        autograd.backward([self], None if out_grad is None else [out_grad],
                          retain_graph=retain_graph, train_mode=train_mode)

    def detach(self):
        """The same data, cut from the recorded graph."""
        return _ndarray.view_of(self, self.shape, self._offset)

    # --- shape and indexing (mxgrad/ndarray/shape.py, indexing.py) ----------------------

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


def _inplace(arr, name, other):
    return _ops.OPS[name](arr, other, out=arr)   # refuses graph members while recording


from mxgrad.ndarray import _elemwise_table as _ops  # noqa: E402
