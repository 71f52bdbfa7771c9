"""The base of ``mx.gluon.loss``: the ``Loss`` class and the argument checks and weighting
every loss shares (``loss`` and ``loss_extra`` build on it).
"""
import numpy as np

from mxgrad import ndarray
from mxgrad.base import MXNetError
from mxgrad.ndarray import NDArray
from mxgrad.gluon.block import HybridBlock

__all__ = ["Loss"]

_NUMBERS = (int, float, np.generic)


def _need_array(loss, what, value):
    if not isinstance(value, NDArray):
        raise MXNetError(f"{type(loss).__name__}: {what} must be an NDArray, got "
                         f"{type(value).__name__}")


def _label_like(loss, label, pred, what="label"):
    """``label`` in ``pred``'s shape (MXNet reshapes it); the sizes must agree."""
    _need_array(loss, what, label)
    if label.shape == pred.shape:
        return label
    if label.size != pred.size:
        raise MXNetError(f"{type(loss).__name__}: {what} of shape {label.shape} "
                         f"({label.size} elements) cannot be reshaped to pred's shape "
                         f"{pred.shape} ({pred.size} elements)")
    return label.reshape(pred.shape)


def _check_weighting(loss, shape, sample_weight):
    """Check ``weight`` and ``sample_weight`` before any work is queued: ``shape`` is the
    shape of the unreduced loss that ``sample_weight`` multiplies."""
    if loss._weight is not None and not isinstance(loss._weight, _NUMBERS):
        raise AssertionError("weight must be a number")
    if sample_weight is None:
        return
    _need_array(loss, "sample_weight", sample_weight)
    try:
        np.broadcast_shapes(shape, sample_weight.shape)
    except ValueError:
        raise MXNetError(f"{type(loss).__name__}: sample_weight of shape "
                         f"{sample_weight.shape} does not broadcast to the loss's shape "
                         f"{shape}") from None


def _check_batch_axis(loss, ndim):
    axis = loss._batch_axis
    if not -ndim <= axis < ndim:
        raise MXNetError(f"{type(loss).__name__}: batch_axis {axis} is out of range for "
                         f"{ndim}-dimensional inputs")


def _apply_weighting(loss, weight, sample_weight):
    """``loss * sample_weight * weight``, in MXNet's order (so the roundings agree)."""
    if sample_weight is not None:
        loss = ndarray.broadcast_mul(loss, sample_weight)
    if weight is not None:
        loss = loss * weight
    return loss


def _softplus_of_minus_abs(pred):
    """``log(1 + exp(-|pred|))``: the part of the logistic loss that cannot overflow."""
    return ndarray.Activation(-ndarray.abs(pred), act_type="softrelu")


class Loss(HybridBlock):
    """Base class of the losses: ``weight`` (a number or None) scales the loss,
    ``batch_axis`` is the axis kept when the loss is averaged. Subclasses write
    ``hybrid_forward(F, pred, label, ...)``.

    >>> class AbsDiff(mx.gluon.loss.Loss):
    ...     def __init__(self, weight=None, batch_axis=0, **kwargs):
    ...         super().__init__(weight, batch_axis, **kwargs)
    ...     def hybrid_forward(self, F, pred, label):
    ...         return F.mean(F.abs(pred - label), axis=self._batch_axis, exclude=True)
    >>> AbsDiff()(mx.nd.array([[1, 2], [3, 4]]), mx.nd.ones((2, 2))).asnumpy()
    array([0.5, 2.5], dtype=float32)
    >>> mx.gluon.loss.Loss(1.0, 0)
    Loss(batch_axis=0, w=1.0)
    """

    def __init__(self, weight, batch_axis, **kwargs):
        super().__init__(**kwargs)
        self._weight = weight
        self._batch_axis = batch_axis

    def __repr__(self):
        return f"{type(self).__name__}(batch_axis={self._batch_axis}, w={self._weight})"

    def hybrid_forward(self, F, x, *args, **kwargs):
        """The loss of ``x`` against the other inputs; subclasses override it."""
        raise NotImplementedError

    def _elementwise_inputs(self, pred, label, sample_weight):
        """Checks shared by the losses computed elementwise on (pred, label)."""
        _need_array(self, "pred", pred)
        label = _label_like(self, label, pred)
        _check_batch_axis(self, max(pred.ndim, 1))
        _check_weighting(self, pred.shape, sample_weight)
        return label

    def _per_sample(self, loss, sample_weight, weight=None):
        """Weight the elementwise loss and average it over all axes but batch_axis."""
        loss = _apply_weighting(loss, self._weight if weight is None else weight,
                                sample_weight)
        return ndarray.mean(loss, axis=self._batch_axis, exclude=True)
