"""The metric base class, CompositeEvalMetric, the name registry and ``create``."""
import warnings
from collections import OrderedDict

import numpy

from mxgrad import ndarray
from mxgrad.base import MXNetError

__all__ = ["EvalMetric", "CompositeEvalMetric", "create", "register", "alias",
           "check_label_shapes"]

_ARRAYS = (ndarray.NDArray, numpy.ndarray)


def _host(x):
    """An NDArray or array-like as a NumPy array (metrics compute on the host)."""
    if isinstance(x, ndarray.NDArray):
        return x.asnumpy()
    return numpy.asarray(x)


def check_label_shapes(labels, preds, wrap=False, shape=False):
    """Raise ValueError unless labels and preds have the same length (``shape=True``: the
    same shape); with ``wrap=True`` a single array is returned wrapped in a list.

    >>> labels, preds = mx.metric.check_label_shapes(mx.nd.zeros(3), mx.nd.ones(3), wrap=True)
    >>> len(labels), len(preds)
    (1, 1)
    >>> mx.metric.check_label_shapes([mx.nd.zeros(3)], [mx.nd.ones(3), mx.nd.ones(3)])
    Traceback (most recent call last):
    ...
    ValueError: Shape of labels 1 does not match shape of predictions 2
    """
    if shape:
        label_shape, pred_shape = labels.shape, preds.shape
    else:
        label_shape, pred_shape = len(labels), len(preds)
    if label_shape != pred_shape:
        raise ValueError(f"Shape of labels {label_shape} does not match shape of "
                         f"predictions {pred_shape}")
    if wrap:
        if isinstance(labels, _ARRAYS):
            labels = [labels]
        if isinstance(preds, _ARRAYS):
            preds = [preds]
    return labels, preds


# --- registry: metric names (lower case) -> classes ---------------------------------------
_REGISTRY = {}


def register(klass, name=None):
    """Register an EvalMetric subclass so ``create`` finds it by (lower-cased) name.

    >>> @mx.metric.register
    ... class HalfCount(mx.metric.EvalMetric):
    ...     def __init__(self):
    ...         super().__init__('half_count')
    ...     def update(self, labels, preds):
    ...         self.sum_metric += 0.5 * len(preds)
    ...         self.num_inst += 1
    >>> mx.metric.create('halfcount').name
    'half_count'
    """
    if not (isinstance(klass, type) and issubclass(klass, EvalMetric)):
        raise MXNetError(f"Can only register subclass of EvalMetric, got {klass!r}")
    key = (klass.__name__ if name is None else name).lower()
    old = _REGISTRY.get(key)
    if old is not None and old is not klass:
        warnings.warn(f"New metric {klass.__module__}.{klass.__name__} registered with name "
                      f"{key} is overriding existing metric {old.__module__}.{old.__name__}",
                      UserWarning, stacklevel=2)
    _REGISTRY[key] = klass
    return klass


def alias(*aliases):
    """Class decorator registering a metric under extra names.

    >>> @mx.metric.alias('twice_acc')
    ... class TwiceAccuracy(mx.metric.Accuracy):
    ...     pass
    >>> type(mx.metric.create('twice_acc')).__name__
    'TwiceAccuracy'
    """
    def decorate(klass):
        for name in aliases:
            register(klass, name)
        return klass
    return decorate


def _create_registered(metric, *args, **kwargs):
    if isinstance(metric, EvalMetric):
        if args or kwargs:
            raise MXNetError("metric is already an instance. Additional arguments are invalid")
        return metric
    if isinstance(metric, dict):
        return _create_registered(**metric)
    if not isinstance(metric, str):
        raise MXNetError(f"metric must be a name, an EvalMetric, a list or a callable, "
                         f"got {type(metric).__name__}")
    if metric.startswith("[") or metric.startswith("{"):      # a get_config() as JSON
        if args or kwargs:
            raise MXNetError("a JSON metric description takes no additional arguments")
        import json                     # rare: keep it off mxgrad's import time
        loaded = json.loads(metric)
        if isinstance(loaded, dict):
            return _create_registered(**loaded)
        name, kw = loaded
        return _create_registered(name, **kw)
    key = metric.lower()
    if key not in _REGISTRY:
        raise MXNetError(f"{key} is not registered. Please register with metric.register "
                         f"first (known: {', '.join(sorted(_REGISTRY))})")
    return _REGISTRY[key](*args, **kwargs)


def create(metric, *args, **kwargs):
    """A metric from a registered name, an EvalMetric (returned as is), a list of those (a
    CompositeEvalMetric) or a function ``feval(label, pred)`` on NumPy arrays (a CustomMetric).

    >>> mx.metric.create('acc').name
    'accuracy'
    >>> m = mx.metric.create(['acc', 'mse'])
    >>> m.get()
    (['accuracy', 'mse'], [nan, nan])
    >>> def mean_abs(label, pred):
    ...     return abs(label - pred).mean()
    >>> mx.metric.create(mean_abs).name
    'mean_abs'
    """
    if callable(metric) and not isinstance(metric, EvalMetric):
        if isinstance(metric, type) and issubclass(metric, EvalMetric):
            return metric(*args, **kwargs)
        return _REGISTRY["custommetric"](metric, *args, **kwargs)   # CustomMetric
    if isinstance(metric, list):
        composite = CompositeEvalMetric()
        for child in metric:
            composite.add(create(child, *args, **kwargs))
        return composite
    return _create_registered(metric, *args, **kwargs)


# --- the base class -------------------------------------------------------------------------
class EvalMetric:
    """Base class of the metrics: running sums ``sum_metric``/``num_inst`` (local) and
    ``global_sum_metric``/``global_num_inst``; ``get()`` is their ratio.

    Subclasses implement ``update(labels, preds)``. ``output_names``/``label_names`` pick the
    arrays ``update_dict`` passes on.

    >>> class Count(mx.metric.EvalMetric):
    ...     def update(self, labels, preds):
    ...         self.sum_metric += len(preds)
    ...         self.num_inst += 1
    >>> m = Count('count')
    >>> m.update([mx.nd.zeros(2)], [mx.nd.zeros(2)])
    >>> print(m)
    EvalMetric: {'count': 1.0}
    """

    def __init__(self, name, output_names=None, label_names=None, **kwargs):
        self.name = str(name)
        self.output_names = output_names
        self.label_names = label_names
        self._has_global_stats = kwargs.pop("has_global_stats", False)
        self._kwargs = kwargs
        self.reset()

    def __str__(self):
        return f"EvalMetric: {dict(self.get_name_value())}"

    def get_config(self):
        """The arguments that recreate this metric with ``mx.metric.create(**config)``.

        >>> mx.metric.Accuracy(axis=1).get_config()['metric']
        'Accuracy'
        """
        config = dict(self._kwargs)
        config.update({"metric": type(self).__name__, "name": self.name,
                       "output_names": self.output_names, "label_names": self.label_names})
        return config

    def update_dict(self, label, pred):
        """Update from name -> array mappings (the names in output_names/label_names, else all).

        >>> m = mx.metric.MAE(output_names=['out'])
        >>> m.update_dict({'y': mx.nd.array([1, 2])}, {'out': mx.nd.array([2, 2]), 'x': None})
        >>> m.get()
        ('mae', 0.5)
        """
        if self.output_names is not None:
            pred = [pred[name] for name in self.output_names]
        else:
            pred = list(pred.values())
        if self.label_names is not None:
            label = [label[name] for name in self.label_names]
        else:
            label = list(label.values())
        self.update(label, pred)

    def update(self, labels, preds):
        """Add a batch: lists of label and prediction arrays (one per output)."""
        raise NotImplementedError(f"{type(self).__name__} does not implement update")

    def reset(self):
        """Clear the local and the global statistics.

        >>> m = mx.metric.MSE()
        >>> m.update([mx.nd.array([1.])], [mx.nd.array([3.])])
        >>> m.reset(); m.get_global()
        ('mse', nan)
        """
        self.num_inst = 0
        self.sum_metric = 0.0
        self.global_num_inst = 0
        self.global_sum_metric = 0.0

    def reset_local(self):
        """Clear the local statistics only (``get_global`` keeps counting).

        >>> m = mx.metric.MSE()
        >>> m.update([mx.nd.array([1.])], [mx.nd.array([3.])])
        >>> m.reset_local(); m.get(), m.get_global()
        (('mse', nan), ('mse', 4.0))
        """
        self.num_inst = 0
        self.sum_metric = 0.0

    def get(self):
        """``(name, value)`` of the local statistics; value is nan before any update.

        >>> mx.metric.Accuracy().get()
        ('accuracy', nan)
        """
        if self.num_inst == 0:
            return (self.name, float("nan"))
        return (self.name, self.sum_metric / self.num_inst)

    def get_global(self):
        """``(name, value)`` since the last ``reset`` (``get()`` for metrics without global
        statistics).

        >>> mx.metric.Accuracy().get_global()
        ('accuracy', nan)
        """
        if not self._has_global_stats:
            return self.get()
        if self.global_num_inst == 0:
            return (self.name, float("nan"))
        return (self.name, self.global_sum_metric / self.global_num_inst)

    @staticmethod
    def _pairs(name, value):
        names = name if isinstance(name, list) else [name]
        values = value if isinstance(value, list) else [value]
        return list(zip(names, values))

    def get_name_value(self):
        """``get()`` as a list of ``(name, value)`` pairs.

        >>> mx.metric.create(['acc', 'mae']).get_name_value()
        [('accuracy', nan), ('mae', nan)]
        """
        return self._pairs(*self.get())

    def get_global_name_value(self):
        """``get_global()`` as a list of ``(name, value)`` pairs.

        >>> mx.metric.MAE().get_global_name_value()
        [('mae', nan)]
        """
        if not self._has_global_stats:
            return self.get_name_value()
        return self._pairs(*self.get_global())

    def _add(self, value, count):
        """Add one batch's contribution to the local and the global sums (in float64, as
        MXNet's sums under NumPy 1.x: NumPy 2 would keep a float32 value's precision)."""
        if isinstance(value, (numpy.generic, numpy.ndarray)) and numpy.size(value) == 1:
            value = value.item()
        if isinstance(count, (numpy.generic, numpy.ndarray)) and numpy.size(count) == 1:
            count = count.item()
        self.sum_metric += value
        self.global_sum_metric += value
        self.num_inst += count
        self.global_num_inst += count


def _joined(results):
    names, values = [], []
    for name, value in results:
        names.extend(name if isinstance(name, list) else [name])
        values.extend(value if isinstance(value, list) else [value])
    return (names, values)


@register
@alias("composite")
class CompositeEvalMetric(EvalMetric):
    """Several metrics updated together; ``get()`` gives lists of names and values.

    >>> m = mx.metric.CompositeEvalMetric(['acc', mx.metric.F1()])
    >>> m.update([mx.nd.array([0, 1, 1])], [mx.nd.array([[0.3, 0.7], [0, 1.], [0.4, 0.6]])])
    >>> m.get()
    (['accuracy', 'f1'], [0.6666666666666666, 0.8])
    """

    def __init__(self, metrics=None, name="composite", output_names=None, label_names=None):
        super().__init__(name, output_names=output_names, label_names=label_names,
                         has_global_stats=True)
        self.metrics = [create(m) for m in (metrics or [])]

    def add(self, metric):
        """Add a child metric (anything ``create`` accepts).

        >>> m = mx.metric.CompositeEvalMetric()
        >>> m.add('rmse'); m.get_metric(0).name
        'rmse'
        """
        self.metrics.append(create(metric))

    def get_metric(self, index):
        """The child metric at ``index``.

        >>> mx.metric.CompositeEvalMetric(['acc']).get_metric(0).name
        'accuracy'
        """
        try:
            return self.metrics[index]
        except IndexError:
            raise ValueError(f"Metric index {index} is out of range 0 and "
                             f"{len(self.metrics)}") from None

    def update_dict(self, labels, preds):
        if self.label_names is not None:
            labels = OrderedDict((k, v) for k, v in labels.items() if k in self.label_names)
        if self.output_names is not None:
            preds = OrderedDict((k, v) for k, v in preds.items() if k in self.output_names)
        for metric in self.metrics:
            metric.update_dict(labels, preds)

    def update(self, labels, preds):
        for metric in self.metrics:
            metric.update(labels, preds)

    def reset(self):
        for metric in getattr(self, "metrics", []):   # reset() runs before metrics exist
            metric.reset()

    def reset_local(self):
        for metric in self.metrics:
            metric.reset_local()

    def get(self):
        return _joined(m.get() for m in self.metrics)

    def get_global(self):
        return _joined(m.get_global() for m in self.metrics)

    def get_config(self):
        config = super().get_config()
        config["metrics"] = [m.get_config() for m in self.metrics]
        return config
