"""mx.metric against MXNet 1.9.1: values after each batch, local and global statistics.

tests/data/metric_reference.json holds the inputs and MXNet's results; it is written by
tests/data/make_metric.py (run with MXNet's interpreter).
"""
import json
import math
import os

import numpy as np
import pytest

import mxgrad as mx
from mxgrad.base import MXNetError

with open(os.path.join(os.path.dirname(__file__), "data", "metric_reference.json")) as f:
    REFERENCE = json.load(f)["cases"]
CASE_IDS = [f"{c['metric']}-{json.dumps(c['kwargs'], sort_keys=True)}" for c in REFERENCE]


def _run(case, to_array):
    metric = mx.metric.create(case["metric"], **case["kwargs"])
    results = []
    for i, (labels, preds) in enumerate(case["batches"]):
        metric.update([to_array(a) for a in labels], [to_array(a) for a in preds])
        results.append([metric.get(), metric.get_global()])
        if i == 1:
            metric.reset_local()
    return metric, results


def _close(got, want):
    name, value = got
    assert name == want[0]
    np.testing.assert_allclose(np.array(value, dtype=np.float64), np.array(want[1]),
                               rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("case", REFERENCE, ids=CASE_IDS)
def test_values_match_mxnet(case, ctx):
    metric, results = _run(case, lambda a: mx.nd.array(a, ctx=ctx))
    micro_pearson = case["metric"] == "PearsonCorrelation" and case["kwargs"]
    for step, ((local, glob), (want_local, want_glob)) in enumerate(zip(results,
                                                                        case["results"])):
        if micro_pearson and step > 0:
            continue                                    # see test_pearson_micro_scopes
        _close(local, want_local)
        if not micro_pearson:
            _close(glob, want_glob)
    assert metric.get_config() == case["config"]


@pytest.mark.parametrize("case", REFERENCE[:3] + REFERENCE[12:16],
                         ids=CASE_IDS[:3] + CASE_IDS[12:16])
def test_numpy_inputs_give_the_same_values(case):
    # MXNet needs NDArrays here; NumPy arrays (float32, as MXNet's would be) work in mxgrad.
    _, results = _run(case, lambda a: np.array(a, dtype=np.float32))
    for (local, glob), (want_local, want_glob) in zip(results, case["results"]):
        _close(local, want_local)
        _close(glob, want_glob)


def test_pearson_micro_scopes(ctx):
    # MXNet 1.9.1's micro PearsonCorrelation reports 0.0 as its global value and keeps
    # pooling after reset_local; mxgrad pools locally since reset_local, globally since reset.
    case = next(c for c in REFERENCE if c["metric"] == "PearsonCorrelation" and c["kwargs"])
    _, results = _run(case, lambda a: mx.nd.array(a, ctx=ctx))
    label_all = np.concatenate([np.ravel(a) for b in case["batches"] for a in b[0]])
    pred_all = np.concatenate([np.ravel(a) for b in case["batches"] for a in b[1]])
    # MXNet's local value after the third batch pools all three batches: our global one.
    np.testing.assert_allclose(results[2][1][1], case["results"][2][0][1], rtol=1e-6)
    np.testing.assert_allclose(results[2][1][1], np.corrcoef(pred_all, label_all)[0, 1],
                               rtol=1e-6)
    third = case["batches"][2]
    label3 = np.concatenate([np.ravel(a) for a in third[0]])
    pred3 = np.concatenate([np.ravel(a) for a in third[1]])
    np.testing.assert_allclose(results[2][0][1], np.corrcoef(pred3, label3)[0, 1], rtol=1e-6)
    np.testing.assert_allclose(results[1][1][1], case["results"][1][0][1], rtol=1e-6)


def test_fresh_metric_is_nan_and_str():
    # MXNet 1.9.1: str(mx.metric.create(['acc', 'mse'])) == "EvalMetric: {'accuracy': nan, 'mse': nan}"
    m = mx.metric.create(["acc", "mse"])
    assert str(m) == "EvalMetric: {'accuracy': nan, 'mse': nan}"
    assert all(math.isnan(v) for v in m.get()[1])
    acc = mx.metric.Accuracy()
    acc.update(mx.nd.array([0, 1]), mx.nd.array([[0.3, 0.7], [0.1, 0.9]]))   # bare arrays
    assert str(acc) == "EvalMetric: {'accuracy': 0.5}"                       # as MXNet 1.9.1
    assert acc.get_name_value() == [("accuracy", 0.5)]
    assert acc.get_global_name_value() == [("accuracy", 0.5)]


def test_create_by_name_alias_list_callable_and_config():
    assert type(mx.metric.create("ACC")) is mx.metric.Accuracy
    assert mx.metric.create("top_k_acc", top_k=3).name == "top_k_accuracy_3"   # MXNet 1.9.1
    assert type(mx.metric.create("ce")) is mx.metric.CrossEntropy
    assert type(mx.metric.create("nll_loss")) is mx.metric.NegativeLogLikelihood
    assert type(mx.metric.create("pearsonr")) is mx.metric.PearsonCorrelation
    acc = mx.metric.Accuracy()
    assert mx.metric.create(acc) is acc
    composite = mx.metric.create([acc, "mse"])
    assert composite.get_metric(0) is acc and composite.get_metric(1).name == "mse"
    # configs recreate the metric (MXNet 1.9.1's get_config of create(['acc','mse']))
    config = composite.get_config()
    assert config == {"metric": "CompositeEvalMetric", "name": "composite",
                      "output_names": None, "label_names": None,
                      "metrics": [{"axis": 1, "metric": "Accuracy", "name": "accuracy",
                                   "output_names": None, "label_names": None},
                                  {"metric": "MSE", "name": "mse", "output_names": None,
                                   "label_names": None}]}
    again = mx.metric.create(config)
    assert again.get()[0] == ["accuracy", "mse"]
    assert type(mx.metric.create(json.dumps(acc.get_config()))) is mx.metric.Accuracy
    assert mx.metric.Perplexity(None).get_config()["ignore_label"] is None

    def my_metric(label, pred):
        return float(np.abs(label - pred).sum()), label.size
    custom = mx.metric.create(my_metric)
    assert custom.name == "my_metric"
    assert mx.metric.create(lambda l, p: 1).name == "custom(<lambda>)"
    custom.update([mx.nd.array([1, 2, 3])], [mx.nd.array([1, 2, 5])])
    assert custom.get() == ("my_metric", 2 / 3)
    with pytest.raises(NotImplementedError):
        custom.get_config()


def test_create_errors():
    with pytest.raises(MXNetError, match="nosuch is not registered"):
        mx.metric.create("nosuch")
    with pytest.raises(MXNetError, match="metric must be"):
        mx.metric.create(3)
    with pytest.raises(MXNetError, match="already an instance"):
        mx.metric.create(mx.metric.Accuracy(), axis=0)
    with pytest.raises(ValueError, match="out of range 0 and 1"):
        mx.metric.CompositeEvalMetric(["acc"]).get_metric(5)
    with pytest.raises(MXNetError, match="top_k"):
        mx.metric.TopKAccuracy(top_k=1)


def test_register_and_alias():
    @mx.metric.register
    @mx.metric.alias("gm_count_alias")
    class GmCount(mx.metric.EvalMetric):
        def __init__(self, name="gm_count"):
            super().__init__(name)

        def update(self, labels, preds):
            self.sum_metric += len(preds)
            self.num_inst += 1
    assert type(mx.metric.create("gmcount")) is GmCount
    assert type(mx.metric.create("GM_COUNT_ALIAS")) is GmCount
    m = GmCount()
    m.update([1], [1, 2])
    assert m.get() == ("gm_count", 2.0) and m.get_global() == ("gm_count", 2.0)
    with pytest.raises(MXNetError):
        mx.metric.register(int)


def test_check_label_shapes():
    with pytest.raises(ValueError, match="Shape of labels 1 does not match shape of "
                                         "predictions 2"):   # MXNet 1.9.1's message
        mx.metric.Accuracy().update([mx.nd.array([0])], [mx.nd.array([0]), mx.nd.array([1])])
    with pytest.raises(ValueError, match=r"\(2,\) does not match .* \(3,\)"):
        mx.metric.check_label_shapes(np.zeros(2), np.zeros(3), shape=True)
    labels, preds = mx.metric.check_label_shapes(mx.nd.zeros(2), np.zeros(2), wrap=True)
    assert isinstance(labels, list) and isinstance(preds, list)


def test_update_dict_picks_names():
    m = mx.metric.MSE(output_names=["out"], label_names=["y"])
    m.update_dict({"y": mx.nd.array([1, 2]), "z": None},
                  {"out": mx.nd.array([1, 4]), "other": None})
    assert m.get() == ("mse", 2.0)
    composite = mx.metric.CompositeEvalMetric(["mae"], output_names=["out"], label_names=["y"])
    composite.update_dict({"y": mx.nd.array([1, 2]), "z": mx.nd.zeros(3)},
                          {"out": mx.nd.array([1, 4]), "other": mx.nd.zeros(3)})
    assert composite.get() == (["mae"], [1.0])


def test_binary_metrics_refuse_multiclass():
    with pytest.raises(ValueError, match="F1 currently only supports binary"):
        mx.metric.F1().update([mx.nd.array([0, 1, 2])], [mx.nd.ones((3, 3))])


def test_loss_and_np_wrapper(ctx):
    loss = mx.metric.Loss()
    loss.update(None, mx.nd.array([1.0, 2.0, 6.0], ctx=ctx))
    assert loss.get() == ("loss", 3.0)

    def abs_err(label, pred):
        assert isinstance(label, np.ndarray) and isinstance(pred, np.ndarray)
        return np.abs(label - pred).mean()
    m = mx.metric.np(abs_err, allow_extra_outputs=True)
    m.update([mx.nd.array([1, 2], ctx=ctx)], [mx.nd.array([2, 2], ctx=ctx), mx.nd.zeros(1)])
    assert m.get() == ("abs_err", 0.5)


def test_sums_accumulate_in_float64():
    # float32 batch values are summed in float64 (MXNet under NumPy 1.x does the same).
    m = mx.metric.MAE()
    for _ in range(1000):
        m.update([np.float32([0.0])], [np.float32([0.1])])
    assert abs(m.get()[1] - float(np.float32(0.1))) < 1e-12


def run_doctests(module):
    """Run a module's docstring examples the way tests/test_docstrings.py does; every name
    in its ``__all__`` must show one."""
    import doctest
    import inspect
    missing = [n for n in module.__all__ if callable(getattr(module, n))
               and ">>>" not in (inspect.getdoc(getattr(module, n)) or "")]
    assert missing == []
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    with mx.cpu(0):
        for test in finder.find(module, globs={"mx": mx, "np": np}):
            runner.run(test)
    assert runner.failures == 0


@pytest.mark.parametrize("module", ["base", "classification", "regression"])
def test_docstring_examples(module):
    import importlib
    run_doctests(mx.metric)
    run_doctests(importlib.import_module(f"mxgrad.metric.{module}"))


def test_perplexity_on_sequences(ctx):
    # (batch, time, classes) predictions with (batch, time) labels: MXNet 1.9.1 fails here
    # ("Shape inconsistent"); mxgrad picks each label's probability along axis -1.
    rng = np.random.RandomState(3)
    p = rng.rand(2, 3, 4).astype(np.float32) + 0.1
    p /= p.sum(-1, keepdims=True)
    label = rng.randint(0, 4, (2, 3))
    m = mx.metric.Perplexity(ignore_label=None)
    m.update([mx.nd.array(label, ctx=ctx)], [mx.nd.array(p, ctx=ctx)])
    picked = np.take_along_axis(p, label[..., None], axis=-1)
    np.testing.assert_allclose(m.get()[1], np.exp(-np.log(picked).mean()), rtol=1e-5)
    # classes on axis 1 instead
    m = mx.metric.Perplexity(ignore_label=None, axis=1)
    m.update([mx.nd.array(label, ctx=ctx)], [mx.nd.array(p.transpose(0, 2, 1), ctx=ctx)])
    np.testing.assert_allclose(m.get()[1], np.exp(-np.log(picked).mean()), rtol=1e-5)
    with pytest.raises(MXNetError, match="shape mismatch"):
        m.update([mx.nd.zeros(5, ctx=ctx)], [mx.nd.array(p, ctx=ctx)])


def test_top_k_with_class_predictions_counts_globally():
    # 1-d predictions (class ids): MXNet 1.9.1 gives ('top_k_accuracy_2', 1.0) from get()
    # but leaves them out of get_global(); mxgrad counts them in both.
    m = mx.metric.TopKAccuracy(top_k=2)
    m.update([mx.nd.array([1, 2, 0])], [mx.nd.array([1, 0, 0])])
    assert m.get() == ("top_k_accuracy_2", 1.0)
    assert m.get_global() == ("top_k_accuracy_2", 1.0)
