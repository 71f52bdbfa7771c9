# The NDArray core: a typed view (shape, dtype, element offset) of one device buffer.

from mxgrad._dispatch cimport Buffer, DeviceState
from mxgrad._tape cimport TapeArray

cdef class NDArrayBase(TapeArray):
    cdef Buffer buf              # device memory (shared by views)
    cdef tuple shape_            # shape as a tuple of ints
    cdef Py_ssize_t offset       # first element within buf, in elements
    cdef Py_ssize_t size_        # number of elements
    cdef int dtype_code          # see _dtypes.pxd
    cdef object ctx_             # the Context
    cdef DeviceState dev         # the context's queue, pool and kernels
    cdef object lazy             # FusionGroup computing it (not yet enqueued), or None
    cdef Py_ssize_t lazy_index   # its op in that group
    cdef object __weakref__

cdef class ElemwiseOp:
    cdef readonly str name       # op name, as MXNet spells it
    cdef readonly str snippet    # OpenCL expression over x0, x1, ...
    cdef readonly int nin        # number of inputs (arrays or scalars)
    cdef public object vjp       # gradient rule, written in NDArray ops (None: not differentiable)
    cdef public tuple needs      # per input, bit mask of operands its gradient reads
                                 # (bit k: input k, bit nin: the output); None: all

cdef NDArrayBase new_array(DeviceState dev, object ctx, tuple shape, int code)
