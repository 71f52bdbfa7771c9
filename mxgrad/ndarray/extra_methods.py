"""NDArray methods of MXNet 1.9.1 that are not forwarding functions: ``tostype``, the DLPack
capsules, ``writable``, ``slice_assign``/``slice_assign_scalar`` and ``_fresh_grad``."""
import numbers

from mxgrad.autograd import grad_is_fresh, mark_grad_fresh
from mxgrad.base import MXNetError
from mxgrad.ndarray import storage


def _slices(op, ndim, begin, end, step):
    begin, end = tuple(begin), tuple(end)
    step = tuple(step) if step is not None else ()
    if len(begin) != len(end) or len(step) not in (0, len(begin)) or len(begin) > ndim:
        raise MXNetError(f"{op}: begin {begin}, end {end} and step {step} must have one "
                         f"entry per leading axis (at most {ndim})")
    step = step or (None,) * len(begin)
    for v in begin + end + step:
        if v is not None and (isinstance(v, bool) or not isinstance(v, numbers.Integral)):
            raise MXNetError(f"{op}: begin, end and step hold ints or None, got {v!r}")
    if any(s == 0 for s in step):
        raise MXNetError(f"{op}: step cannot be 0")
    return tuple(slice(b, e, s) for b, e, s in zip(begin, end, step))


def slice_assign(self, rhs, begin, end, step):
    """Write ``rhs`` into ``self[begin:end:step]`` (one entry per leading axis) in place;
    returns ``self``.

    >>> x = mx.nd.zeros((2, 3))
    >>> x.slice_assign(mx.nd.ones((1, 2)), (0, 1), (1, 3), (None, None))
    <BLANKLINE>
    [[0. 1. 1.]
     [0. 0. 0.]]
    <NDArray 2x3 @cpu(0)>
    """
    self[_slices("slice_assign", self.ndim, begin, end, step)] = rhs
    return self


def slice_assign_scalar(self, value, begin, end, step):
    """Write the number ``value`` into ``self[begin:end:step]`` in place; returns ``self``.

    >>> x = mx.nd.zeros((2, 2))
    >>> x.slice_assign_scalar(7, (1, 0), (2, 2), (None, None))
    <BLANKLINE>
    [[0. 0.]
     [7. 7.]]
    <NDArray 2x2 @cpu(0)>
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Number):
        raise MXNetError(f"slice_assign_scalar: value must be a number, got {value!r}")
    self[_slices("slice_assign_scalar", self.ndim, begin, end, step)] = value
    return self


def _writable(self):
    """Whether the array may be written (always: mxgrad has no read-only arrays).

    >>> mx.nd.ones((1,)).writable
    True
    """
    return True


def _get_fresh_grad(self):
    """1 if backward wrote this array's gradient since ``_fresh_grad`` was last set to
    False, else 0 (an int, as MXNet returns it; Gluon's Trainer uses it to find stale
    gradients). Every variable backward reaches counts, zero gradients included.

    >>> x = mx.nd.ones((2,))
    >>> x.attach_grad()
    >>> with mx.autograd.record():
    ...     y = x * 2
    >>> y.backward()
    >>> x._fresh_grad
    1
    """
    return int(grad_is_fresh(self._grad))


def _set_fresh_grad(self, fresh):
    if self._grad is None:
        raise MXNetError("_fresh_grad: the array has no gradient (call attach_grad first)")
    mark_grad_fresh(self._grad, bool(fresh))


def to_dlpack_for_read(self):
    """A DLPack capsule over this array for reading (see ``mx.nd.to_dlpack_for_read``).

    >>> type(mx.nd.ones((2,)).to_dlpack_for_read()).__name__
    'PyCapsule'
    """
    return storage.to_dlpack_for_read(self)


def to_dlpack_for_write(self):
    """A DLPack capsule over this array for writing (see ``mx.nd.to_dlpack_for_write``).

    >>> type(mx.nd.ones((2,)).to_dlpack_for_write()).__name__
    'PyCapsule'
    """
    return storage.to_dlpack_for_write(self)


def attach(cls):
    """Give ``cls`` (NDArray) these methods and properties."""
    cls.tostype = storage.tostype
    cls.slice_assign = slice_assign
    cls.slice_assign_scalar = slice_assign_scalar
    cls.to_dlpack_for_read = to_dlpack_for_read
    cls.to_dlpack_for_write = to_dlpack_for_write
    cls.writable = property(_writable)
    cls._fresh_grad = property(_get_fresh_grad, _set_fresh_grad)
