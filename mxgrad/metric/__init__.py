"""Evaluation metrics, as MXNet 1.9.1's ``mx.metric``.

A metric keeps two running sums: a *local* one (``get``, cleared by ``reset_local``, e.g. at
each logging interval) and a *global* one (``get_global``, cleared only by ``reset``). Labels
and predictions are NDArrays (or NumPy arrays), one per output, passed as lists; the numbers
are computed on the host in NumPy like MXNet does, so they match MXNet's.

>>> acc = mx.metric.Accuracy()
>>> acc.update([mx.nd.array([0, 1, 1])], [mx.nd.array([[0.3, 0.7], [0, 1.], [0.4, 0.6]])])
>>> acc.get()
('accuracy', 0.6666666666666666)
"""
from mxgrad.metric.base import (EvalMetric, CompositeEvalMetric, create, register, alias,
                                check_label_shapes)
from mxgrad.metric.classification import (Accuracy, TopKAccuracy, F1, MCC, PCC,
                                          Perplexity)
from mxgrad.metric.regression import (MAE, MSE, RMSE, CrossEntropy, NegativeLogLikelihood,
                                      PearsonCorrelation, Loss, CustomMetric, np)

__all__ = ["EvalMetric", "CompositeEvalMetric", "Accuracy", "TopKAccuracy", "F1", "MCC",
           "Perplexity", "MAE", "MSE", "RMSE", "CrossEntropy", "NegativeLogLikelihood",
           "PearsonCorrelation", "PCC", "Loss", "CustomMetric", "np", "create", "register",
           "alias", "check_label_shapes"]
