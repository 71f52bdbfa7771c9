"""The losses of ``mx.gluon.loss`` beyond the elementwise ones: Triplet, PoissonNLL,
CosineEmbedding, CTC and SDML, and KLDiv, which SDML builds on (MXNet 1.9.1's formulas over
``mx.nd``).

Import them from ``mx.gluon.loss``; they subclass its ``Loss``.
"""
import numpy as np

from mxgrad.base import MXNetError
from mxgrad.gluon.loss_base import (Loss, _apply_weighting, _check_batch_axis,
                                    _check_weighting, _label_like, _need_array)

__all__ = ["KLDivLoss", "TripletLoss", "PoissonNLLLoss", "CosineEmbeddingLoss", "CTCLoss",
           "SDMLLoss"]



class KLDivLoss(Loss):
    """Kullback-Leibler divergence ``label * (log(label) - pred)`` with ``pred`` a
    log-probability (``from_logits=True``, the default) or logits turned into one by
    ``log_softmax`` along ``axis``; summed (not averaged) over all axes but batch_axis, as
    MXNet 1.9.1 does.

    >>> loss = mx.gluon.loss.KLDivLoss(from_logits=False)
    >>> np.round(loss(mx.nd.array([[1., 1.]]), mx.nd.array([[0.5, 0.5]])).asnumpy(), 4)
    array([0.], dtype=float32)
    >>> np.round(loss(mx.nd.array([[0., 2.]]), mx.nd.array([[0.5, 0.5]])).asnumpy(), 4)
    array([0.4338], dtype=float32)
    """

    def __init__(self, from_logits=True, axis=-1, weight=None, batch_axis=0, **kwargs):
        super().__init__(weight, batch_axis, **kwargs)
        self._from_logits = from_logits
        self._axis = axis

    def hybrid_forward(self, F, pred, label, sample_weight=None):
        _need_array(self, "pred", pred)
        _need_array(self, "label", label)
        try:
            shape = np.broadcast_shapes(pred.shape, label.shape)
        except ValueError:
            raise MXNetError(f"{type(self).__name__}: label of shape {label.shape} does not "
                             f"broadcast to pred's shape {pred.shape}") from None
        _check_batch_axis(self, max(len(shape), 1))
        _check_weighting(self, shape, sample_weight)
        if not self._from_logits:
            pred = F.log_softmax(pred, axis=self._axis)
        loss = label * (F.log(label + 1e-12) - pred)
        loss = _apply_weighting(loss, self._weight, sample_weight)
        return F.sum(loss, axis=self._batch_axis, exclude=True)


class TripletLoss(Loss):
    """``max(0, |positive - pred|^2 - |negative - pred|^2 + margin)`` per sample (squared
    distances summed over all axes but batch_axis). Called as
    ``loss(pred, positive, negative)``: no sample_weight, as in MXNet.

    >>> loss = mx.gluon.loss.TripletLoss(margin=1)
    >>> anchor = mx.nd.array([[0., 0.], [1., 1.]])
    >>> loss(anchor, mx.nd.array([[1., 0.], [1., 1.]]), mx.nd.array([[2., 0.], [1., 2.]])).asnumpy()
    array([0., 0.], dtype=float32)
    >>> loss(anchor, mx.nd.array([[2., 0.], [1., 1.]]), mx.nd.array([[1., 0.], [1., 1.]])).asnumpy()
    array([4., 1.], dtype=float32)
    """

    def __init__(self, margin=1, weight=None, batch_axis=0, **kwargs):
        super().__init__(weight, batch_axis, **kwargs)
        self._margin = margin

    def hybrid_forward(self, F, pred, positive, negative):
        _need_array(self, "pred", pred)
        positive = _label_like(self, positive, pred, "positive")
        negative = _label_like(self, negative, pred, "negative")
        _check_batch_axis(self, max(pred.ndim, 1))
        _check_weighting(self, pred.shape, None)
        gap = F.sum(F.square(positive - pred) - F.square(negative - pred),
                    axis=self._batch_axis, exclude=True)
        return _apply_weighting(F.relu(gap + self._margin), self._weight, None)


class PoissonNLLLoss(Loss):
    """Negative log likelihood of ``target`` under a Poisson distribution whose rate is
    ``exp(pred)`` (``from_logits=True``) or ``pred`` itself (``log(pred + epsilon)`` is
    used); ``compute_full`` adds Stirling's approximation of ``log(target!)`` for targets
    above 1. Called as ``loss(pred, target, sample_weight=None, epsilon=1e-08)``; the
    result is the mean over ALL elements, shape ``(1,)``, as in MXNet.

    >>> loss = mx.gluon.loss.PoissonNLLLoss()
    >>> np.round(loss(mx.nd.array([[0., 1.]]), mx.nd.array([[1., 2.]])).asnumpy(), 4)
    array([0.8591], dtype=float32)
    >>> full = mx.gluon.loss.PoissonNLLLoss(compute_full=True)
    >>> np.round(full(mx.nd.array([[0., 1.]]), mx.nd.array([[2., 3.]])).asnumpy(), 4)
    array([1.5671], dtype=float32)
    >>> np.round(full(mx.nd.array([[0., 1.]]), mx.nd.array([[0., 3.]])).asnumpy(), 4)  # no nan
    array([1.2412], dtype=float32)
    """

    def __init__(self, weight=None, from_logits=True, batch_axis=0, compute_full=False,
                 **kwargs):
        super().__init__(weight, batch_axis, **kwargs)
        self._from_logits = from_logits
        self._compute_full = compute_full

    def hybrid_forward(self, F, pred, target, sample_weight=None, epsilon=1e-08):
        _need_array(self, "pred", pred)
        target = _label_like(self, target, pred, "target")
        _check_weighting(self, pred.shape, sample_weight)
        if self._from_logits:
            loss = F.exp(pred) - target * pred
        else:
            loss = pred - target * F.log(pred + epsilon)
        if self._compute_full:
            # Stirling's terms count only where target > 1; they are evaluated on
            # max(target, 1) so that targets of 0 give 0, not 0 * log(0) = nan (MXNet)
            safe = F.maximum(target, 1.0)
            stirling = safe * F.log(safe) - safe + 0.5 * F.log(2 * safe * np.pi)
            loss = loss + stirling * (target > 1)
        loss = _apply_weighting(loss, self._weight, sample_weight)
        return F.mean(loss)


class CosineEmbeddingLoss(Loss):
    """For each pair of rows (vectors along the last axis): ``1 - cos(input1, input2)``
    where ``label`` is 1, ``max(0, cos(input1, input2) - margin)`` where it is -1, 0
    otherwise. Called as ``loss(input1, input2, label, sample_weight=None)``; the result
    has shape ``(rows, 1)``, as in MXNet.

    >>> loss = mx.gluon.loss.CosineEmbeddingLoss()
    >>> a = mx.nd.array([[1., 0.], [1., 0.]]); b = mx.nd.array([[0., 1.], [1., 1.]])
    >>> np.round(loss(a, b, mx.nd.array([1, -1])).asnumpy(), 4)
    array([[1.    ],
           [0.7071]], dtype=float32)
    """

    def __init__(self, weight=None, batch_axis=0, margin=0, **kwargs):
        super().__init__(weight, batch_axis, **kwargs)
        self._margin = margin

    def hybrid_forward(self, F, input1, input2, label, sample_weight=None):
        _need_array(self, "input2", input2)
        input1 = _label_like(self, input1, input2, "input1")
        _need_array(self, "label", label)
        rows = input2.size // input2.shape[-1] if input2.ndim and input2.shape[-1] else 0
        if input2.ndim == 0 or label.size != rows:
            raise MXNetError(f"{type(self).__name__}: label of shape {label.shape} needs one "
                             f"value per vector of the inputs of shape {input2.shape}")
        _check_weighting(self, (rows, 1), sample_weight)
        label = label.reshape((-1, 1))
        cos = self._cosine_similarity(F, input1, input2)
        if label.dtype != cos.dtype:     # float64 inputs with a float32 label work too
            label = label.astype(cos.dtype)
        similar = (1 - cos) * (label == 1)
        dissimilar = F.relu((label == -1) * (cos - self._margin))
        return _apply_weighting(similar + dissimilar, self._weight, sample_weight)

    @staticmethod
    def _cosine_similarity(F, x, y, axis=-1):
        norms = F.norm(x, axis=axis).reshape((-1, 1)) * F.norm(y, axis=axis).reshape((-1, 1))
        dots = F.sum(x * y, axis=axis).reshape((-1, 1))
        return dots / F.maximum(norms, 1e-12)       # 1e-12: zero vectors give 0, not nan


class CTCLoss(Loss):
    """Connectionist Temporal Classification loss (``mx.nd.CTCLoss`` with the blank as
    the last class): ``pred`` holds unnormalised activations in ``layout`` 'NTC' or 'TNC',
    ``label`` the class indices (0 .. classes-2, padded with -1) in ``label_layout`` 'NT'
    or 'TN'. Called as ``loss(pred, label, pred_lengths=None, label_lengths=None,
    sample_weight=None)``; one loss per sequence.

    >>> loss = mx.gluon.loss.CTCLoss()
    >>> loss
    CTCLoss(batch_axis=0, w=None)
    >>> pred = mx.nd.zeros((1, 2, 3))          # 1 sequence, 2 steps, 3 classes (2 = blank)
    >>> np.round(loss(pred, mx.nd.array([[1, -1]])).asnumpy(), 4)   # -log(3 / 9)
    array([1.0986], dtype=float32)
    """

    def __init__(self, layout="NTC", label_layout="NT", weight=None, **kwargs):
        if layout not in ("NTC", "TNC"):
            raise AssertionError(f"CTCLoss: layout must be 'NTC' or 'TNC', got {layout!r}")
        if label_layout not in ("NT", "TN"):
            raise AssertionError("CTCLoss: label_layout must be 'NT' or 'TN', got "
                                 f"{label_layout!r}")
        super().__init__(weight, label_layout.find("N"), **kwargs)
        self._layout = layout
        self._label_layout = label_layout

    def hybrid_forward(self, F, pred, label, pred_lengths=None, label_lengths=None,
                       sample_weight=None):
        _need_array(self, "pred", pred)
        _need_array(self, "label", label)
        if pred.ndim != 3 or label.ndim != 2:
            raise MXNetError(f"CTCLoss: pred must be 3-D ({self._layout}) and label 2-D "
                             f"({self._label_layout}), got shapes {pred.shape} and "
                             f"{label.shape}")
        batch = pred.shape[self._layout.find("N")]
        _check_weighting(self, (batch,), sample_weight)
        if self._layout == "NTC":
            pred = F.swapaxes(pred, 0, 1)
        if self._batch_axis == 1:
            label = F.swapaxes(label, 0, 1)
        loss = F.CTCLoss(pred, label, pred_lengths, label_lengths,
                         use_data_lengths=pred_lengths is not None,
                         use_label_lengths=label_lengths is not None, blank_label="last")
        return _apply_weighting(loss, self._weight, sample_weight)


class SDMLLoss(Loss):
    """Smoothed Deep Metric Learning loss for a batch of matching pairs (row i of ``x1``
    matches row i of ``x2``): the KL divergence between ``softmax(-squared distances)``
    over the batch and labels smoothed by ``smoothing_parameter``. Called as
    ``loss(x1, x2)`` with 2-D inputs of one shape and at least 2 rows.

    >>> loss = mx.gluon.loss.SDMLLoss()
    >>> x = mx.nd.array([[0., 0.], [3., 0.]])
    >>> np.round(loss(x, x).asnumpy(), 4)
    array([2.0893, 2.0893], dtype=float32)
    """

    def __init__(self, smoothing_parameter=0.3, weight=1., batch_axis=0, **kwargs):
        super().__init__(weight, batch_axis, **kwargs)
        self.kl_loss = KLDivLoss(from_logits=True)   # a global name, as in MXNet
        self.smoothing_parameter = smoothing_parameter

    def _compute_labels(self, F, batch_size, dtype, ctx):
        """The smoothed targets: 1 - s on the diagonal, s / (batch_size - 1) elsewhere."""
        gold = F.eye(batch_size, dtype=dtype, ctx=ctx)
        s = self.smoothing_parameter
        return gold * (1 - s) + (1 - gold) * s / (batch_size - 1)

    def hybrid_forward(self, F, x1, x2):
        _need_array(self, "x1", x1)
        _need_array(self, "x2", x2)
        if x1.shape != x2.shape:
            raise AssertionError(f"SDMLLoss: x1 and x2 must have one shape, got {x1.shape} "
                                 f"and {x2.shape}")
        if x1.ndim != 2:
            raise ValueError(f"SDMLLoss: inputs must be 2-D (batch, features), got shape "
                             f"{x1.shape}")
        batch_size, dim = x1.shape
        if batch_size < 2:
            raise MXNetError("SDMLLoss: the batch needs at least 2 pairs (the smoothed "
                             f"labels divide by batch_size - 1), got {batch_size}")
        pairs = (batch_size, batch_size, dim)
        diffs = x1.expand_dims(1).broadcast_to(pairs) - x2.expand_dims(0).broadcast_to(pairs)
        distances = F.sum(F.square(diffs), axis=2)
        labels = self._compute_labels(F, batch_size, x1.dtype, x1.context)
        return self.kl_loss(F.log_softmax(-distances, axis=1), labels)
