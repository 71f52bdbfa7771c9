"""Regression and likelihood metrics, Loss and user-defined metrics."""
import numpy

from mxgrad.metric.base import (EvalMetric, register, alias, check_label_shapes,
                                _host, _ARRAYS)

__all__ = ["MAE", "MSE", "RMSE", "CrossEntropy", "NegativeLogLikelihood",
           "PearsonCorrelation", "Loss", "CustomMetric", "np"]


# --- regression -----------------------------------------------------------------------------
def _as_columns(label, pred):
    label, pred = _host(label), _host(pred)
    if label.ndim == 1:
        label = label.reshape(label.shape[0], 1)
    if pred.ndim == 1:
        pred = pred.reshape(pred.shape[0], 1)
    return label, pred


class _PerBatchRegression(EvalMetric):
    """The mean over batches of a per-batch error (as MXNet: one count per batch)."""

    def __init__(self, name, output_names=None, label_names=None):
        super().__init__(name, output_names=output_names, label_names=label_names,
                         has_global_stats=True)

    def update(self, labels, preds):
        labels, preds = check_label_shapes(labels, preds, True)
        for label, pred in zip(labels, preds):
            self._add(self._error(*_as_columns(label, pred)), 1)


@register
class MAE(_PerBatchRegression):
    """Mean absolute error (averaged per batch, then over batches).

    >>> m = mx.metric.MAE()
    >>> m.update([mx.nd.array([3, -0.5, 2, 7])], [mx.nd.array([2.5, 0.0, 2, 8])])
    >>> m.get()
    ('mae', 0.5)
    """

    def __init__(self, name="mae", output_names=None, label_names=None):
        super().__init__(name, output_names, label_names)

    @staticmethod
    def _error(label, pred):
        return numpy.abs(label - pred).mean()


@register
class MSE(_PerBatchRegression):
    """Mean squared error (averaged per batch, then over batches).

    >>> m = mx.metric.MSE()
    >>> m.update([mx.nd.array([3, -0.5, 2, 7])], [mx.nd.array([2.5, 0.0, 2, 8])])
    >>> m.get()
    ('mse', 0.375)
    """

    def __init__(self, name="mse", output_names=None, label_names=None):
        super().__init__(name, output_names, label_names)

    @staticmethod
    def _error(label, pred):
        return ((label - pred) ** 2.0).mean()


@register
class RMSE(_PerBatchRegression):
    """Root mean squared error (per batch, then averaged over batches).

    >>> m = mx.metric.RMSE()
    >>> m.update([mx.nd.array([3, -0.5, 2, 7])], [mx.nd.array([2.5, 0.0, 2, 8])])
    >>> round(m.get()[1], 6)
    0.612372
    """

    def __init__(self, name="rmse", output_names=None, label_names=None):
        super().__init__(name, output_names, label_names)

    @staticmethod
    def _error(label, pred):
        return numpy.sqrt(((label - pred) ** 2.0).mean())


class _LabelLogProb(EvalMetric):
    """Mean of -log(probability of the label + eps) over samples."""

    def __init__(self, eps, name, output_names, label_names):
        super().__init__(name, eps=eps, output_names=output_names, label_names=label_names,
                         has_global_stats=True)
        self.eps = eps

    def update(self, labels, preds):
        labels, preds = check_label_shapes(labels, preds, True)
        for label, pred in zip(labels, preds):
            label, pred = _host(label).ravel(), _host(pred)
            if label.shape[0] != pred.shape[0]:
                raise ValueError(f"{label.shape[0]} labels for {pred.shape[0]} predictions")
            prob = pred[numpy.arange(label.shape[0], dtype=numpy.int64), numpy.int64(label)]
            self._add((-numpy.log(prob + self.eps)).sum(), label.shape[0])


@register
@alias("ce")
class CrossEntropy(_LabelLogProb):
    """Cross entropy of class probabilities against integer labels.

    >>> m = mx.metric.CrossEntropy()
    >>> m.update([mx.nd.array([0, 1, 1])], [mx.nd.array([[0.3, 0.7], [0, 1.], [0.4, 0.6]])])
    >>> round(m.get()[1], 6)
    0.571599
    """

    def __init__(self, eps=1e-12, name="cross-entropy", output_names=None, label_names=None):
        super().__init__(eps, name, output_names, label_names)


@register
@alias("nll_loss")
class NegativeLogLikelihood(_LabelLogProb):
    """Negative log likelihood of class probabilities against integer labels.

    >>> m = mx.metric.NegativeLogLikelihood()
    >>> m.update([mx.nd.array([0, 1, 1])], [mx.nd.array([[0.3, 0.7], [0, 1.], [0.4, 0.6]])])
    >>> round(m.get()[1], 6)
    0.571599
    """

    def __init__(self, eps=1e-12, name="nll-loss", output_names=None, label_names=None):
        super().__init__(eps, name, output_names, label_names)


@register
@alias("pearsonr")
class PearsonCorrelation(EvalMetric):
    """Pearson correlation of predictions and labels: 'macro' averages it per batch,
    'micro' computes it over all samples seen (running moments, local and global).

    >>> m = mx.metric.PearsonCorrelation()
    >>> m.update([mx.nd.array([[1, 0], [0, 1], [0, 0], [1, 0]])],
    ...          [mx.nd.array([[0.3, 0.7], [0, 1.], [0.4, 0.6], [0.6, 0.4]])])
    >>> round(m.get()[1], 6)
    0.370991
    """

    def __init__(self, name="pearsonr", output_names=None, label_names=None, average="macro"):
        self.average = average
        self._moments = {"local": _Moments(), "global": _Moments()}
        super().__init__(name, output_names=output_names, label_names=label_names,
                         has_global_stats=True)

    def reset_micro(self):
        """Clear the running moments of ``average='micro'``."""
        for scope in self._moments:
            self._moments[scope] = _Moments()

    def reset(self):
        super().reset()
        self.reset_micro()

    def reset_local(self):
        super().reset_local()
        self._moments["local"] = _Moments()

    def update(self, labels, preds):
        labels, preds = check_label_shapes(labels, preds, True)
        for label, pred in zip(labels, preds):
            label, pred = _host(label), _host(pred)
            check_label_shapes(label, pred, False, True)
            label = label.ravel().astype(numpy.float64)
            pred = pred.ravel().astype(numpy.float64)
            if self.average == "macro":
                self._add(numpy.corrcoef(pred, label)[0, 1], 1)
                continue
            self.num_inst += 1
            self.global_num_inst += 1
            for moments in self._moments.values():
                moments.add(label, pred)

    def _value(self, scope, num_inst, sum_metric):
        if num_inst == 0:
            return (self.name, float("nan"))
        if self.average == "macro":
            return (self.name, sum_metric / num_inst)
        return (self.name, self._moments[scope].correlation())

    def get(self):
        return self._value("local", self.num_inst, self.sum_metric)

    def get_global(self):
        return self._value("global", self.global_num_inst, self.global_sum_metric)


class _Moments:
    """Running means, squared deviations and co-moment of labels and predictions
    (Welford's updates, in float64)."""

    def __init__(self):
        self.count = 0
        self.mean_l = self.mean_p = self.sse_l = self.sse_p = self.co = 0.0

    def add(self, label, pred):
        self.count += len(label)
        delta_l = label - self.mean_l
        self.mean_l += numpy.sum(delta_l / self.count)
        self.sse_l += numpy.sum(delta_l * (label - self.mean_l))
        # the co-moment pairs the updated label mean with the previous prediction mean
        self.co += numpy.sum((label - self.mean_l) * (pred - self.mean_p))
        delta_p = pred - self.mean_p
        self.mean_p += numpy.sum(delta_p / self.count)
        self.sse_p += numpy.sum(delta_p * (pred - self.mean_p))

    def correlation(self):
        n = self.count
        return float(self.co / ((n - 1) * numpy.sqrt(self.sse_p / (n - 1))
                                * numpy.sqrt(self.sse_l / (n - 1))))


# --- losses and user functions --------------------------------------------------------------
@register
class Loss(EvalMetric):
    """Mean of the loss values given as predictions (labels are ignored).

    >>> m = mx.metric.Loss()
    >>> m.update(None, mx.nd.array([0.5, 1.5]))
    >>> m.get()
    ('loss', 1.0)
    """

    def __init__(self, name="loss", output_names=None, label_names=None):
        super().__init__(name, output_names=output_names, label_names=label_names,
                         has_global_stats=True)

    def update(self, _, preds):
        if isinstance(preds, _ARRAYS):
            preds = [preds]
        for pred in preds:
            pred = _host(pred)
            self._add(pred.sum(), pred.size)


@register
class CustomMetric(EvalMetric):
    """A metric from ``feval(label, pred)`` on NumPy arrays, returning a value (one count)
    or a ``(sum, count)`` pair. The name defaults to feval's.

    >>> def mean_abs(label, pred):
    ...     return abs(label - pred).mean()
    >>> m = mx.metric.CustomMetric(mean_abs)
    >>> m.update([mx.nd.array([1, 2])], [mx.nd.array([1, 4])])
    >>> m.get()
    ('mean_abs', 1.0)
    """

    def __init__(self, feval, name=None, allow_extra_outputs=False, output_names=None,
                 label_names=None):
        if name is None:
            name = feval.__name__
            if "<" in name:
                name = f"custom({name})"
        super().__init__(name, feval=feval, allow_extra_outputs=allow_extra_outputs,
                         output_names=output_names, label_names=label_names,
                         has_global_stats=True)
        self._feval = feval
        self._allow_extra_outputs = allow_extra_outputs

    def update(self, labels, preds):
        if not self._allow_extra_outputs:
            labels, preds = check_label_shapes(labels, preds, True)
        for pred, label in zip(preds, labels):
            result = self._feval(_host(label), _host(pred))
            if isinstance(result, tuple):
                self._add(*result)
            else:
                self._add(result, 1)

    def get_config(self):
        raise NotImplementedError("CustomMetric cannot be serialized")


def np(numpy_feval, name=None, allow_extra_outputs=False):  # noqa: A001 (MXNet's name)
    """A CustomMetric from a function of NumPy ``(label, pred)`` returning a float.

    >>> def mean_abs(label, pred):
    ...     return abs(label - pred).mean()
    >>> m = mx.metric.np(mean_abs)
    >>> m.update([mx.nd.array([1, 2])], [mx.nd.array([2, 2])])
    >>> m.get()
    ('mean_abs', 0.5)
    """
    def feval(label, pred):
        return numpy_feval(label, pred)
    feval.__name__ = numpy_feval.__name__
    return CustomMetric(feval, name, allow_extra_outputs)
