"""Write tests/data/metric_reference.json: MXNet 1.9.1's mx.metric results on fixed inputs.

Run with MXNet's interpreter: ``/tmp/mxref/bin/python tests/data/make_metric.py``. Each case
updates a metric with three batches (lists of float32 label and prediction arrays), calling
``reset_local()`` after the second, and records ``get()`` and ``get_global()`` after each.
"""
import json
import os

import numpy as np
import mxnet as mx

rng = np.random.RandomState(0)


def probs(n, k):
    p = rng.rand(n, k).astype(np.float32) + 0.05
    return p / p.sum(axis=1, keepdims=True)


def ints(n, k):
    return rng.randint(0, k, size=n).astype(np.float32)


def reals(*shape):
    return rng.randn(*shape).astype(np.float32)


def batches(make, count=3):
    return [make() for _ in range(count)]


CASES = [
    ("Accuracy", {}, batches(lambda: ([ints(6, 3)], [probs(6, 3)]))),
    ("Accuracy", {}, batches(lambda: ([ints(6, 3), ints(4, 2)], [ints(6, 3), probs(4, 2)]))),
    ("Accuracy", {"axis": 0}, batches(lambda: ([ints(5, 3)], [probs(5, 3).T.copy()]))),
    ("TopKAccuracy", {"top_k": 2}, batches(lambda: ([ints(8, 4)], [probs(8, 4)]))),
    ("TopKAccuracy", {"top_k": 3}, batches(lambda: ([ints(5, 6), ints(3, 6)],
                                                    [probs(5, 6), probs(3, 6)]))),
    ("F1", {}, batches(lambda: ([ints(8, 2)], [probs(8, 2)]))),
    ("F1", {"average": "micro"}, batches(lambda: ([ints(8, 2), ints(4, 2)],
                                                  [probs(8, 2), probs(4, 2)]))),
    ("MCC", {}, batches(lambda: ([ints(8, 2)], [probs(8, 2)]))),
    ("MCC", {"average": "micro"}, batches(lambda: ([ints(8, 2)], [probs(8, 2)]))),
    ("PCC", {}, [([ints(8, 3)], [probs(8, 3)]), ([ints(6, 3)], [ints(6, 3)]),
                 ([ints(8, 5)], [probs(8, 5)])]),
    ("Perplexity", {"ignore_label": None}, batches(lambda: ([ints(6, 3)], [probs(6, 3)]))),
    ("Perplexity", {"ignore_label": 0}, batches(lambda: ([ints(6, 3), ints(4, 3)],
                                                         [probs(6, 3), probs(4, 3)]))),
    ("MAE", {}, batches(lambda: ([reals(6)], [reals(6)]))),
    ("MSE", {}, batches(lambda: ([reals(3, 2), reals(4)], [reals(3, 2), reals(4)]))),
    ("RMSE", {}, batches(lambda: ([reals(6)], [reals(6, 1)]))),
    ("CrossEntropy", {}, batches(lambda: ([ints(6, 3)], [probs(6, 3)]))),
    ("CrossEntropy", {"eps": 1e-3}, batches(lambda: ([ints(6, 4).reshape(6, 1)],
                                                     [probs(6, 4)]))),
    ("NegativeLogLikelihood", {}, batches(lambda: ([ints(6, 3)], [probs(6, 3)]))),
    ("PearsonCorrelation", {}, batches(lambda: ([reals(6)], [reals(6)]))),
    ("PearsonCorrelation", {"average": "micro"}, batches(lambda: ([reals(6), reals(3, 2)],
                                                                  [reals(6), reals(3, 2)]))),
    ("Loss", {}, batches(lambda: ([reals(4)], [reals(4), reals(2, 3)]))),
    ("composite", {"metrics": ["acc", "f1", "ce"]},
     batches(lambda: ([ints(6, 2)], [probs(6, 2)]))),
]


def run(name, kwargs, data):
    metric = mx.metric.create(name, **kwargs)
    results = []
    for i, (labels, preds) in enumerate(data):
        metric.update([mx.nd.array(a) for a in labels], [mx.nd.array(a) for a in preds])
        results.append([metric.get(), metric.get_global()])
        if i == 1:
            metric.reset_local()
    return metric, results


def plain(x):
    if isinstance(x, (list, tuple)):
        return [plain(v) for v in x]
    if isinstance(x, (np.generic, float, int)):
        return float(x)
    return x


out = []
for name, kwargs, data in CASES:
    metric, results = run(name, kwargs, data)
    out.append({"metric": name, "kwargs": kwargs,
                "batches": [[[a.tolist() for a in labels], [a.tolist() for a in preds]]
                            for labels, preds in data],
                "results": plain(results), "config": metric.get_config()})

with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "metric_reference.json"),
          "w") as f:
    json.dump({"mxnet": mx.__version__, "cases": out}, f, allow_nan=True)
