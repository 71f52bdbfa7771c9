"""Classification metrics: accuracy, top-k, F1, MCC, PCC, perplexity."""
import math

import numpy

from mxgrad.base import MXNetError
from mxgrad.metric.base import (EvalMetric, register, alias, check_label_shapes,
                                _host)

__all__ = ["Accuracy", "TopKAccuracy", "F1", "MCC", "PCC", "Perplexity"]


# --- classification ---------------------------------------------------------------------------
@register
@alias("acc")
class Accuracy(EvalMetric):
    """Fraction of samples whose predicted class (argmax over ``axis`` of a prediction, or
    the prediction itself when it has the label's shape) equals the label.

    >>> acc = mx.metric.Accuracy()
    >>> acc.update([mx.nd.array([0, 1, 1])], [mx.nd.array([[0.3, 0.7], [0, 1.], [0.4, 0.6]])])
    >>> acc.get()
    ('accuracy', 0.6666666666666666)
    """

    def __init__(self, axis=1, name="accuracy", output_names=None, label_names=None):
        super().__init__(name, axis=axis, output_names=output_names,
                         label_names=label_names, has_global_stats=True)
        self.axis = axis

    def update(self, labels, preds):
        labels, preds = check_label_shapes(labels, preds, True)
        for label, pred in zip(labels, preds):
            label, pred = _host(label), _host(pred)
            if pred.shape != label.shape:
                pred = numpy.argmax(pred, axis=self.axis)
            pred = pred.astype("int32").ravel()
            label = label.astype("int32").ravel()
            check_label_shapes(label, pred)
            self._add((pred == label).sum(), len(pred))


@register
@alias("top_k_accuracy", "top_k_acc")
class TopKAccuracy(EvalMetric):
    """Fraction of samples whose label is among the ``top_k`` highest-scored classes.

    >>> m = mx.metric.TopKAccuracy(top_k=2)
    >>> m.update([mx.nd.array([2, 0])], [mx.nd.array([[0.1, 0.5, 0.4], [0.2, 0.3, 0.5]])])
    >>> m.get()
    ('top_k_accuracy_2', 0.5)
    """

    def __init__(self, top_k=1, name="top_k_accuracy", output_names=None, label_names=None):
        super().__init__(name, top_k=top_k, output_names=output_names,
                         label_names=label_names, has_global_stats=True)
        self.top_k = top_k
        if not self.top_k > 1:
            raise MXNetError("Please use Accuracy if top_k is no more than 1")
        self.name += f"_{self.top_k}"

    def update(self, labels, preds):
        labels, preds = check_label_shapes(labels, preds, True)
        for label, pred in zip(labels, preds):
            pred = _host(pred).astype("float32")
            if pred.ndim > 2:
                raise MXNetError(f"Predictions should be no more than 2 dims, got shape "
                                 f"{pred.shape}")
            label = _host(label).astype("int32")
            order = numpy.argpartition(pred, -self.top_k)
            check_label_shapes(label, order)
            if order.ndim == 1:
                correct = (order.ravel() == label.ravel()).sum()
            else:
                classes = order.shape[1]
                correct = sum((order[:, classes - 1 - j].ravel() == label.ravel()).sum()
                              for j in range(min(classes, self.top_k)))
            self._add(correct, order.shape[0])


class _BinaryCounts:
    """True/false positive/negative counts of a binary classifier, local and global."""

    FIELDS = ("tp", "fp", "fn", "tn")

    def __init__(self, owner):
        self.owner = owner
        self.reset_stats()

    def update(self, label, pred):
        pred = _host(pred)
        label = _host(label).astype("int32")
        pred_label = numpy.argmax(pred, axis=1)
        check_label_shapes(label, pred)
        if len(numpy.unique(label)) > 2:
            raise ValueError(f"{self.owner} currently only supports binary classification.")
        pred_true, label_true = pred_label == 1, label == 1
        counts = {"tp": (pred_true & label_true).sum(), "fp": (pred_true & ~label_true).sum(),
                  "fn": (~pred_true & label_true).sum(), "tn": (~pred_true & ~label_true).sum()}
        for k, v in counts.items():
            self.local[k] += v
            self.glob[k] += v

    def reset_local(self):
        self.local = dict.fromkeys(self.FIELDS, 0)

    def reset_stats(self):
        self.reset_local()
        self.glob = dict.fromkeys(self.FIELDS, 0)

    @staticmethod
    def total(c):
        return c["tp"] + c["fp"] + c["fn"] + c["tn"]

    @staticmethod
    def fscore(c):
        precision = float(c["tp"]) / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] > 0 else 0.
        recall = float(c["tp"]) / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] > 0 else 0.
        if precision + recall > 0:
            return 2 * precision * recall / (precision + recall)
        return 0.

    @classmethod
    def mcc(cls, c):
        if not cls.total(c):
            return 0.
        tp, fp, fn, tn = (float(c[k]) for k in cls.FIELDS)
        denom = 1.
        for t in (tp + fp, tp + fn, tn + fp, tn + fn):
            if t != 0.:                       # a zero margin counts as 1 (MXNet's convention)
                denom *= t
        return (tp * tn - fp * fn) / math.sqrt(denom)


class _BinaryMetric(EvalMetric):
    """F1 and MCC: 'macro' averages the per-batch scores, 'micro' scores all counts."""

    _score = None

    def __init__(self, name, output_names, label_names, average):
        self.average = average
        self._counts = _BinaryCounts(type(self).__name__)
        super().__init__(name, output_names=output_names, label_names=label_names,
                         has_global_stats=True)

    def update(self, labels, preds):
        labels, preds = check_label_shapes(labels, preds, True)
        counts = self._counts
        for label, pred in zip(labels, preds):
            counts.update(label, pred)
        score = type(self)._score
        if self.average == "macro":
            self._add(score(counts.local), 1)
            counts.reset_stats()
        else:
            self.num_inst = int(counts.total(counts.local))
            self.global_num_inst = int(counts.total(counts.glob))
            self.sum_metric = score(counts.local) * self.num_inst
            self.global_sum_metric = score(counts.glob) * self.global_num_inst

    def reset(self):
        super().reset()
        self._counts.reset_stats()

    def reset_local(self):
        super().reset_local()
        self._counts.reset_local()


@register
class F1(_BinaryMetric):
    """F1 score of a binary classifier (predictions: class scores, argmax over axis 1).
    ``average='macro'`` averages the per-batch F1, ``'micro'`` pools the counts.

    >>> m = mx.metric.F1()
    >>> m.update([mx.nd.array([0, 1, 1])], [mx.nd.array([[0.3, 0.7], [0, 1.], [0.4, 0.6]])])
    >>> m.get()
    ('f1', 0.8)
    """

    _score = staticmethod(_BinaryCounts.fscore)

    def __init__(self, name="f1", output_names=None, label_names=None, average="macro"):
        super().__init__(name, output_names, label_names, average)


@register
class MCC(_BinaryMetric):
    """Matthews correlation coefficient of a binary classifier (as F1: ``average`` is
    'macro' or 'micro').

    >>> m = mx.metric.MCC()
    >>> m.update([mx.nd.array([0, 1, 1, 0])], [mx.nd.array([[0.3, 0.7], [0, 1.], [0.4, 0.6], [0.8, 0.2]])])
    >>> round(m.get()[1], 6)
    0.57735
    """

    _score = staticmethod(_BinaryCounts.mcc)

    def __init__(self, name="mcc", output_names=None, label_names=None, average="macro"):
        super().__init__(name, output_names, label_names, average)


@register
class PCC(EvalMetric):
    """Multiclass Matthews correlation (Pearson correlation of the confusion matrix, which
    grows with the largest class seen).

    >>> m = mx.metric.PCC()
    >>> m.update([mx.nd.array([0, 1, 2, 2])], [mx.nd.array([0, 1, 2, 1])])
    >>> round(m.get()[1], 6)
    0.7
    """

    def __init__(self, name="pcc", output_names=None, label_names=None, has_global_stats=True):
        self.k = 2
        super().__init__(name=name, output_names=output_names, label_names=label_names,
                         has_global_stats=has_global_stats)

    def _grow(self, inc):
        self.lcm = numpy.pad(self.lcm, ((0, inc), (0, inc)), "constant")
        self.gcm = numpy.pad(self.gcm, ((0, inc), (0, inc)), "constant")
        self.k += inc

    @staticmethod
    def _calc_mcc(cmat):
        n = cmat.sum()
        x, y = cmat.sum(axis=1), cmat.sum(axis=0)
        cov_xx, cov_yy = numpy.sum(x * (n - x)), numpy.sum(y * (n - y))
        if cov_xx == 0 or cov_yy == 0:
            return float("nan")
        cov_xy = numpy.sum(cmat.diagonal() * n - x * y)
        return cov_xy / (cov_xx * cov_yy) ** 0.5

    def update(self, labels, preds):
        labels, preds = check_label_shapes(labels, preds, True)
        for label, pred in zip(labels, preds):
            label, pred = _host(label).astype("int32"), _host(pred)
            pred = pred.argmax(axis=1) if pred.shape != label.shape else pred.astype("int32")
            n = max(pred.max(), label.max())
            if n >= self.k:
                self._grow(n + 1 - self.k)
            batch = numpy.zeros((self.k, self.k))
            numpy.add.at(batch, (pred.ravel(), label.ravel()), 1)
            self.lcm += batch
            self.gcm += batch
        self.num_inst += 1
        self.global_num_inst += 1

    @property
    def sum_metric(self):
        return float(self._calc_mcc(self.lcm) * self.num_inst)

    @property
    def global_sum_metric(self):
        return float(self._calc_mcc(self.gcm) * self.global_num_inst)

    def reset(self):
        self.global_num_inst = 0.
        self.gcm = numpy.zeros((self.k, self.k))
        self.reset_local()

    def reset_local(self):
        self.num_inst = 0.
        self.lcm = numpy.zeros((self.k, self.k))


@register
class Perplexity(EvalMetric):
    """exp of the mean negative log of the probability given to each label (labels equal
    to ``ignore_label`` are left out); ``axis`` is the class axis of the predictions.

    >>> m = mx.metric.Perplexity(ignore_label=None)
    >>> m.update([mx.nd.array([0, 1, 1])], [mx.nd.array([[0.3, 0.7], [0, 1.], [0.4, 0.6]])])
    >>> round(m.get()[1], 6)
    1.771098
    """

    def __init__(self, ignore_label, axis=-1, name="perplexity", output_names=None,
                 label_names=None):
        super().__init__(name, ignore_label=ignore_label, output_names=output_names,
                         label_names=label_names, has_global_stats=True)
        self.ignore_label = ignore_label
        self.axis = axis

    def update(self, labels, preds):
        if len(labels) != len(preds):
            raise ValueError(f"Shape of labels {len(labels)} does not match shape of "
                             f"predictions {len(preds)}")
        loss, num = 0., 0
        for label, pred in zip(labels, preds):
            label, pred = _host(label), _host(pred)
            pred = numpy.moveaxis(pred, self.axis, -1)
            if label.size * pred.shape[-1] != pred.size:
                raise MXNetError(f"shape mismatch: {label.shape} vs. {pred.shape}")
            pred = pred.reshape(-1, pred.shape[-1])
            label = label.reshape(-1)
            prob = pred[numpy.arange(label.size), label.astype("int32")]
            if self.ignore_label is not None:
                ignore = (label == self.ignore_label).astype(prob.dtype)
                num -= ignore.sum()
                prob = prob * (1 - ignore) + ignore
            loss -= float(numpy.log(numpy.maximum(prob.dtype.type(1e-10), prob)).sum())
            num += prob.size
        self._add(loss, num)

    def get(self):
        if self.num_inst == 0:
            return (self.name, float("nan"))
        return (self.name, math.exp(self.sum_metric / self.num_inst))

    def get_global(self):
        if self.global_num_inst == 0:
            return (self.name, float("nan"))
        return (self.name, math.exp(self.global_sum_metric / self.global_num_inst))
