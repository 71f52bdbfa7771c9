"""``mx.gluon.loss``: MXNet 1.9.1's loss functions as HybridBlocks over ``mx.nd``.

Every loss is ``loss(pred, label[, sample_weight])`` (positional arguments, as MXNet's
``Block.__call__``): an elementwise loss, multiplied by ``sample_weight`` (broadcast) and
by the constant ``weight``, then averaged over every axis but ``batch_axis`` (so one value
per sample). The formulas are MXNet's, written in differentiable ``mx.nd`` operators, so
``autograd`` gives first and higher order gradients.

The losses that need more than one line (KLDiv, Triplet, PoissonNLL, CosineEmbedding, CTC,
SDML) live in ``loss_extra``, the ``Loss`` base in ``loss_base``; both are re-exported here.

>>> import mxgrad as mx
>>> loss = mx.gluon.loss.L2Loss()
>>> loss(mx.nd.array([[1., 2.], [3., 4.]]), mx.nd.array([[1., 0.], [0., 0.]]))
<BLANKLINE>
[1.   6.25]
<NDArray 2 @cpu(0)>
"""
import numpy as np

from mxgrad.base import MXNetError
from mxgrad.gluon.loss_base import (Loss, _check_batch_axis, _check_weighting, _label_like,
                                    _need_array, _softplus_of_minus_abs)
from mxgrad.gluon.loss_extra import (CTCLoss, CosineEmbeddingLoss, KLDivLoss, PoissonNLLLoss,
                                     SDMLLoss, TripletLoss)

__all__ = ["Loss", "L2Loss", "L1Loss", "SigmoidBinaryCrossEntropyLoss", "SigmoidBCELoss",
           "SoftmaxCrossEntropyLoss", "SoftmaxCELoss", "KLDivLoss", "CTCLoss", "HuberLoss",
           "HingeLoss", "SquaredHingeLoss", "LogisticLoss", "TripletLoss", "PoissonNLLLoss",
           "CosineEmbeddingLoss", "SDMLLoss"]

class L2Loss(Loss):
    """``weight / 2 * (label - pred) ** 2``, averaged per sample; ``label`` is reshaped to
    ``pred``'s shape.

    >>> loss = mx.gluon.loss.L2Loss()
    >>> loss
    L2Loss(batch_axis=0, w=1.0)
    >>> loss(mx.nd.array([[0., 2.]]), mx.nd.array([1., 0.])).asnumpy()
    array([1.25], dtype=float32)
    """

    def __init__(self, weight=1., batch_axis=0, **kwargs):
        super().__init__(weight, batch_axis, **kwargs)

    def hybrid_forward(self, F, pred, label, sample_weight=None):
        label = self._elementwise_inputs(pred, label, sample_weight)
        if self._weight is None:
            raise TypeError("L2Loss: weight None cannot be halved; give a number")
        loss = F.square(label - pred)
        return self._per_sample(loss, sample_weight, self._weight / 2)


class L1Loss(Loss):
    """``weight * |label - pred|``, averaged per sample.

    >>> mx.gluon.loss.L1Loss()(mx.nd.array([[0., 2.]]), mx.nd.array([[1., 0.]])).asnumpy()
    array([1.5], dtype=float32)
    """

    def __init__(self, weight=None, batch_axis=0, **kwargs):
        super().__init__(weight, batch_axis, **kwargs)

    def hybrid_forward(self, F, pred, label, sample_weight=None):
        label = self._elementwise_inputs(pred, label, sample_weight)
        return self._per_sample(F.abs(label - pred), sample_weight)


class SigmoidBinaryCrossEntropyLoss(Loss):
    """Binary cross entropy of ``sigmoid(pred)`` (or of ``pred`` itself with
    ``from_sigmoid=True``) against labels in [0, 1]; the logits form is computed without
    overflow. ``pos_weight`` (an NDArray broadcast against the label) scales the positive
    term. Called as ``loss(pred, label, sample_weight=None, pos_weight=None)``.

    >>> loss = mx.gluon.loss.SigmoidBCELoss()
    >>> np.round(loss(mx.nd.array([[0., 2.]]), mx.nd.array([[1., 0.]])).asnumpy(), 4)
    array([1.41], dtype=float32)
    >>> pos = mx.nd.array([2.])
    >>> np.round(loss(mx.nd.array([[0., 2.]]), mx.nd.array([[1., 0.]]), None, pos).asnumpy(), 4)
    array([1.7566], dtype=float32)
    """

    def __init__(self, from_sigmoid=False, weight=None, batch_axis=0, **kwargs):
        super().__init__(weight, batch_axis, **kwargs)
        self._from_sigmoid = from_sigmoid

    def hybrid_forward(self, F, pred, label, sample_weight=None, pos_weight=None):
        label = self._elementwise_inputs(pred, label, sample_weight)
        if pos_weight is not None:
            _need_array(self, "pos_weight", pos_weight)
            try:
                np.broadcast_shapes(pred.shape, pos_weight.shape)
            except ValueError:
                raise MXNetError(f"{type(self).__name__}: pos_weight of shape "
                                 f"{pos_weight.shape} does not broadcast to the label's shape "
                                 f"{pred.shape}") from None
        if self._from_sigmoid:
            eps = 1e-12      # keeps log away from 0 for probabilities of exactly 0 or 1
            positive = F.log(pred + eps) * label
            if pos_weight is not None:
                positive = F.broadcast_mul(positive, pos_weight)
            loss = -(positive + F.log(1. - pred + eps) * (1. - label))
        elif pos_weight is None:
            loss = F.relu(pred) - pred * label + _softplus_of_minus_abs(pred)
        else:
            scale = 1 + F.broadcast_mul(pos_weight - 1, label)
            loss = pred - pred * label + scale * (_softplus_of_minus_abs(pred) + F.relu(-pred))
        return self._per_sample(loss, sample_weight)


SigmoidBCELoss = SigmoidBinaryCrossEntropyLoss


class SoftmaxCrossEntropyLoss(Loss):
    """Cross entropy of ``log_softmax(pred, axis)`` (``pred`` itself with
    ``from_logits=True``) against class indices (``sparse_label=True``: label has pred's
    shape without ``axis``) or against distributions (label reshaped to pred's shape).

    >>> loss = mx.gluon.loss.SoftmaxCELoss()
    >>> pred = mx.nd.array([[1., 2., 3.], [1., 1., 1.]])
    >>> np.round(loss(pred, mx.nd.array([2, 0])).asnumpy(), 4)
    array([0.4076, 1.0986], dtype=float32)
    >>> dense = mx.gluon.loss.SoftmaxCELoss(sparse_label=False)
    >>> np.round(dense(pred, mx.nd.array([[0, 0, 1], [1, 0, 0]])).asnumpy(), 4)
    array([0.4076, 1.0986], dtype=float32)
    """

    def __init__(self, axis=-1, sparse_label=True, from_logits=False, weight=None,
                 batch_axis=0, **kwargs):
        super().__init__(weight, batch_axis, **kwargs)
        self._axis = axis
        self._sparse_label = sparse_label
        self._from_logits = from_logits

    def hybrid_forward(self, F, pred, label, sample_weight=None):
        _need_array(self, "pred", pred)
        _need_array(self, "label", label)
        if not -pred.ndim <= self._axis < pred.ndim:
            raise MXNetError(f"{type(self).__name__}: axis {self._axis} is out of range for "
                             f"pred of shape {pred.shape}")
        axis = self._axis % pred.ndim
        picked = pred.shape[:axis] + (1,) + pred.shape[axis + 1:]
        if self._sparse_label:
            if label.shape not in (pred.shape[:axis] + pred.shape[axis + 1:], picked):
                raise MXNetError(f"{type(self).__name__}: sparse label of shape {label.shape} "
                                 f"does not match pred of shape {pred.shape} without axis "
                                 f"{self._axis}")
        else:
            label = _label_like(self, label, pred)
        _check_batch_axis(self, pred.ndim)
        _check_weighting(self, picked, sample_weight)
        if not self._from_logits:
            pred = F.log_softmax(pred, axis=self._axis)
        if self._sparse_label:
            loss = -F.pick(pred, label, axis=self._axis, keepdims=True)
        else:
            loss = -F.sum(pred * label, axis=self._axis, keepdims=True)
        return self._per_sample(loss, sample_weight)


SoftmaxCELoss = SoftmaxCrossEntropyLoss


class HuberLoss(Loss):
    """Smooth L1: ``|d| ** 2 / (2 * rho)`` where ``|d| <= rho``, else ``|d| - rho / 2``
    (``d = label - pred``), averaged per sample.

    >>> loss = mx.gluon.loss.HuberLoss(rho=1)
    >>> loss(mx.nd.array([[0., 3.]]), mx.nd.array([[0.5, 0.]])).asnumpy()
    array([1.3125], dtype=float32)
    """

    def __init__(self, rho=1, weight=None, batch_axis=0, **kwargs):
        super().__init__(weight, batch_axis, **kwargs)
        self._rho = rho

    def hybrid_forward(self, F, pred, label, sample_weight=None):
        label = self._elementwise_inputs(pred, label, sample_weight)
        if not self._rho:
            raise ZeroDivisionError("HuberLoss: rho must not be 0")
        dist = F.abs(label - pred)
        loss = F.where(dist > self._rho, dist - 0.5 * self._rho,
                       (0.5 / self._rho) * F.square(dist))
        return self._per_sample(loss, sample_weight)


class HingeLoss(Loss):
    """``max(0, margin - pred * label)`` for labels -1 and 1, averaged per sample.

    >>> mx.gluon.loss.HingeLoss()(mx.nd.array([[0.5, 2.]]), mx.nd.array([[1, -1]])).asnumpy()
    array([1.75], dtype=float32)
    """

    def __init__(self, margin=1, weight=None, batch_axis=0, **kwargs):
        super().__init__(weight, batch_axis, **kwargs)
        self._margin = margin

    def hybrid_forward(self, F, pred, label, sample_weight=None):
        label = self._elementwise_inputs(pred, label, sample_weight)
        return self._per_sample(F.relu(self._margin - pred * label), sample_weight)


class SquaredHingeLoss(Loss):
    """``max(0, margin - pred * label) ** 2`` for labels -1 and 1, averaged per sample.

    >>> loss = mx.gluon.loss.SquaredHingeLoss()
    >>> loss(mx.nd.array([[0.5, 2.]]), mx.nd.array([[1, -1]])).asnumpy()
    array([4.625], dtype=float32)
    """

    def __init__(self, margin=1, weight=None, batch_axis=0, **kwargs):
        super().__init__(weight, batch_axis, **kwargs)
        self._margin = margin

    def hybrid_forward(self, F, pred, label, sample_weight=None):
        label = self._elementwise_inputs(pred, label, sample_weight)
        return self._per_sample(F.square(F.relu(self._margin - pred * label)), sample_weight)


class LogisticLoss(Loss):
    """``log(1 + exp(-pred * label))`` for labels -1 and 1 (``label_format='signed'``) or
    the same loss for labels 0 and 1 (``'binary'``), averaged per sample.

    >>> loss = mx.gluon.loss.LogisticLoss()
    >>> np.round(loss(mx.nd.array([[0., 2.]]), mx.nd.array([[1, -1]])).asnumpy(), 4)
    array([1.41], dtype=float32)
    >>> binary = mx.gluon.loss.LogisticLoss(label_format='binary')
    >>> np.round(binary(mx.nd.array([[0., 2.]]), mx.nd.array([[1, 0]])).asnumpy(), 4)
    array([1.41], dtype=float32)
    """

    def __init__(self, weight=None, batch_axis=0, label_format="signed", **kwargs):
        super().__init__(weight, batch_axis, **kwargs)
        if label_format not in ("signed", "binary"):
            raise ValueError("LogisticLoss: label_format must be 'signed' or 'binary', got "
                             f"{label_format!r}")
        self._label_format = label_format

    def hybrid_forward(self, F, pred, label, sample_weight=None):
        label = self._elementwise_inputs(pred, label, sample_weight)
        if self._label_format == "signed":
            label = (label + 1.0) / 2.0          # -1, 1 -> 0, 1
        loss = F.relu(pred) - pred * label + _softplus_of_minus_abs(pred)
        return self._per_sample(loss, sample_weight)


# the losses of loss_extra subclass Loss above, so they are imported after it
