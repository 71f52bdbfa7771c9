"""mx.gluon.loss against MXNet 1.9.1: values, gradients, printed forms, signatures and
misuse errors; gradients also against central differences in float64.

MXNet's results come from tests/data/gluon_loss_mxnet.npz, written by
``/tmp/mxref/bin/python tests/data/make_gluon_loss.py`` (inputs, outputs, and the gradient
of ``output.sum()`` with respect to the first input, for each case).
"""
import inspect
import json
import os
import warnings

import numpy as np
import pytest

import mxgrad as mx
from mxgrad.base import MXNetError
from gradcheck import check_gradients
from launches import refused_before_launch

gloss = mx.gluon.loss
FIXTURE = np.load(os.path.join(os.path.dirname(__file__), "data", "gluon_loss_mxnet.npz"))
META = json.loads(str(FIXTURE["meta"]))
CASES = {c["name"]: c for c in META["cases"]}


def _inputs(case, ctx):
    args = []
    for k, kind in enumerate(case["inputs"]):
        if kind == "array":
            args.append(mx.nd.array(FIXTURE[f"{case['name']}/in{k}"], ctx=ctx))
        else:
            args.append(kind)                          # None or a float argument
    return args


def test_names_and_signatures():
    assert gloss.__all__ == META["all"]
    for name, (init, forward) in META["signatures"].items():
        cls = getattr(gloss, name)
        assert str(inspect.signature(cls.__init__)) == init, name
        assert str(inspect.signature(cls.hybrid_forward)) == forward, name
        assert issubclass(cls, gloss.Loss) and issubclass(cls, mx.gluon.HybridBlock)
    assert gloss.SigmoidBCELoss is gloss.SigmoidBinaryCrossEntropyLoss
    assert gloss.SoftmaxCELoss is gloss.SoftmaxCrossEntropyLoss
    assert mx.gluon.loss is gloss


@pytest.mark.parametrize("name", list(CASES))
def test_matches_mxnet(name, ctx):
    case = CASES[name]
    loss = getattr(gloss, case["cls"])(**case["kwargs"])
    assert repr(loss) == case["repr"]
    loss.hybridize()                                      # accepted, changes nothing
    args = _inputs(case, ctx)
    args[0].attach_grad()
    with mx.autograd.record():
        out = loss(*args)
    out.backward()
    want = FIXTURE[f"{name}/out"]
    assert out.shape == want.shape and out.dtype == want.dtype and out.context == ctx
    np.testing.assert_allclose(out.asnumpy(), want, rtol=2e-5, atol=2e-6)
    grad = FIXTURE[f"{name}/grad"]        # float32 roundings scale with the largest term
    np.testing.assert_allclose(args[0].grad.asnumpy(), grad, rtol=2e-5,
                               atol=4e-6 * max(1, np.abs(grad).max()))


def test_names_from_counters_and_children():
    with mx.gluon.nn.HybridSequential(prefix="net_").name_scope():
        inner = gloss.L2Loss()
    assert inner.prefix == "net_l2loss0_"
    sdml = gloss.SDMLLoss(prefix="s_")
    assert list(sdml._children) == ["kl_loss"]
    assert sdml.kl_loss.prefix.startswith("kldivloss")        # a global name, as in MXNet
    assert repr(sdml) == "SDMLLoss(batch_axis=0, w=1.0)"
    assert not sdml.collect_params()
    assert repr(gloss.Loss(2, 1)) == "Loss(batch_axis=1, w=2)"
    with pytest.raises(NotImplementedError):
        gloss.Loss(1.0, 0)(mx.nd.ones(1))


@pytest.mark.parametrize("dtype", ["float16", "float64"])
def test_output_dtype_follows_pred(dtype, ctx, request):
    if dtype == "float64":
        request.getfixturevalue("fp64")
    pred = mx.nd.array([[0.5, -1.], [2., 0.]], ctx=ctx, dtype=dtype)
    label = mx.nd.array([[1., 0.], [0., 1.]], ctx=ctx, dtype=dtype)
    for loss in (gloss.L2Loss(), gloss.L1Loss(), gloss.SigmoidBCELoss(), gloss.HuberLoss(),
                 gloss.HingeLoss(), gloss.LogisticLoss(label_format="binary"),
                 gloss.SoftmaxCELoss(sparse_label=False), gloss.KLDivLoss()):
        out = loss(pred, label)
        assert out.dtype == np.dtype(dtype) and out.shape == (2,), loss
    # sparse labels may keep their own dtype (pick reads them as indices)
    out = gloss.SoftmaxCELoss()(pred, mx.nd.array([1, 0], ctx=ctx, dtype="int32"))
    # MXNet 1.9.1: [1.701 0.1273] (float16), [1.70141328 0.12692801] (float64)
    np.testing.assert_allclose(out.asnumpy(), [1.70141328, 0.12692801],
                               rtol=5e-3 if dtype == "float16" else 1e-7)


# (class, kwargs, inputs as float64 numpy arrays: the first is differentiated, second order)
rng = np.random.RandomState(1)
GRADCHECK = {
    "l2_sample": (gloss.L2Loss, {"weight": 3.0}, [rng.randn(2, 3), rng.randn(2, 3),
                                                   rng.rand(2, 1) + 0.5], 2),
    "l1": (gloss.L1Loss, {"batch_axis": 1}, [rng.randn(2, 3), rng.randn(2, 3)], 2),
    "sbce": (gloss.SigmoidBCELoss, {}, [rng.randn(2, 3) * 2, rng.rand(2, 3)], 2),
    "sbce_pos": (gloss.SigmoidBCELoss, {}, [rng.randn(2, 3) * 2, rng.rand(2, 3), None,
                                            rng.rand(3) + 0.5], 2),
    "sbce_sigmoid": (gloss.SigmoidBCELoss, {"from_sigmoid": True},
                     [rng.uniform(0.2, 0.8, (2, 3)), rng.rand(2, 3), None, rng.rand(3) + 1], 2),
    "sce": (gloss.SoftmaxCELoss, {"axis": 0, "batch_axis": 1},
            [rng.randn(3, 2), np.array([2., 0.])], 2),
    "sce_dense": (gloss.SoftmaxCELoss, {"sparse_label": False},
                  [rng.randn(2, 3), rng.dirichlet(np.ones(3), 2)], 2),
    "kl_logits": (gloss.KLDivLoss, {"from_logits": False},
                  [rng.randn(2, 3), rng.dirichlet(np.ones(3), 2)], 2),
    "huber": (gloss.HuberLoss, {"rho": 0.7}, [rng.randn(2, 3), rng.randn(2, 3)], 2),
    "hinge": (gloss.HingeLoss, {}, [rng.randn(2, 3) * 0.4, np.sign(rng.randn(2, 3))], 2),
    "sq_hinge": (gloss.SquaredHingeLoss, {}, [rng.randn(2, 3) * 0.4,
                                              np.sign(rng.randn(2, 3))], 2),
    "logistic": (gloss.LogisticLoss, {}, [rng.randn(2, 3) * 2, np.sign(rng.randn(2, 3))], 2),
    "triplet": (gloss.TripletLoss, {"margin": 3}, [rng.randn(2, 3), rng.randn(2, 3),
                                                   rng.randn(2, 3)], 2),
    "poisson": (gloss.PoissonNLLLoss, {"compute_full": True},
                [rng.randn(2, 3), np.array([[0., 1., 2.], [3., 0., 5.]])], 2),
    "poisson_rate": (gloss.PoissonNLLLoss, {"from_logits": False},
                     [rng.uniform(0.5, 2, (2, 3)), rng.randint(0, 4, (2, 3)) * 1.], 2),
    "cosine": (gloss.CosineEmbeddingLoss, {"margin": -0.5},
               [rng.randn(3, 2), rng.randn(3, 2), np.array([1., -1., -1.])], 2),
    "sdml": (gloss.SDMLLoss, {}, [rng.randn(3, 2), rng.randn(3, 2)], 2),
    "ctc": (gloss.CTCLoss, {}, [rng.randn(1, 3, 3), np.array([[0., 1.]])], 1),
}


@pytest.mark.parametrize("name", list(GRADCHECK))
def test_gradients_float64(name, ctx, fp64):
    cls, kwargs, inputs, order = GRADCHECK[name]
    loss = cls(**kwargs)
    rest = [None if a is None else mx.nd.array(a, ctx=ctx, dtype="float64")
            for a in inputs[1:]]
    check_gradients(lambda pred: loss(pred, *rest), [inputs[0]], ctx, order=order)


def test_poisson_full_with_zero_targets(ctx):
    # MXNet 1.9.1 gives nan here (0 * log(0)) and cannot record compute_full at all
    pred = mx.nd.array([[0., 1.], [0.5, -1.]], ctx=ctx)
    target = mx.nd.array([[0., 3.], [1., 2.]], ctx=ctx)
    pred.attach_grad()
    with mx.autograd.record():
        out = gloss.PoissonNLLLoss(compute_full=True)(pred, target)
    out.backward()
    p, t = pred.asnumpy().astype(np.float64), target.asnumpy().astype(np.float64)
    safe = np.maximum(t, 1)
    stirling = np.where(t > 1, safe * np.log(safe) - safe + 0.5 * np.log(2 * np.pi * safe), 0)
    np.testing.assert_allclose(out.asnumpy(), [np.mean(np.exp(p) - t * p + stirling)],
                               rtol=1e-6)
    np.testing.assert_allclose(pred.grad.asnumpy(), (np.exp(p) - t) / p.size, rtol=1e-6)


def test_cosine_and_sdml_in_float64(ctx, fp64):
    # MXNet 1.9.1 fails on float64 inputs here (its constants are float32 arrays)
    x = mx.nd.array([[1., 0.], [1., 1.]], ctx=ctx, dtype="float64")
    y = mx.nd.array([[0., 1.], [1., 0.]], ctx=ctx, dtype="float64")
    out = gloss.CosineEmbeddingLoss()(x, y, mx.nd.array([1, -1], ctx=ctx))
    assert out.dtype == np.float64
    np.testing.assert_allclose(out.asnumpy(), [[1.], [0.5 ** 0.5]], rtol=1e-12)
    out = gloss.SDMLLoss()(x, y)
    assert out.dtype == np.float64 and out.shape == (2,)
    ref = gloss.SDMLLoss()(x.astype("float32"), y.astype("float32"))
    np.testing.assert_allclose(out.asnumpy(), ref.asnumpy(), rtol=1e-5)


def test_cosine_zero_vectors(ctx):
    zeros = mx.nd.zeros((2, 3), ctx=ctx)
    out = gloss.CosineEmbeddingLoss()(zeros, zeros, mx.nd.array([1, -1], ctx=ctx))
    assert out.asnumpy().tolist() == [[1.], [0.]]          # MXNet 1.9.1's result


def test_ctc_unalignable_label_is_inf(ctx):
    pred = mx.nd.zeros((1, 2, 3), ctx=ctx)                  # 2 steps cannot emit 1, 1
    out = gloss.CTCLoss()(pred, mx.nd.array([[1, 1]], ctx=ctx))
    assert np.isinf(out.asnumpy()).all()


def test_constructor_errors():
    with pytest.raises(ValueError, match="label_format"):
        gloss.LogisticLoss(label_format="x")
    with pytest.raises(AssertionError, match="layout"):
        gloss.CTCLoss(layout="NCT")
    with pytest.raises(AssertionError, match="label_layout"):
        gloss.CTCLoss(label_layout="NTC")
    with pytest.raises(TypeError):
        gloss.CTCLoss(batch_axis=1)                         # it follows label_layout
    with pytest.raises(TypeError):
        gloss.L2Loss(margin=1)


def test_misuse_errors(ctx):
    """Bad inputs are refused (MXNet's exception types) before any kernel is enqueued."""
    def ones(*shape):
        return mx.nd.ones(shape, ctx=ctx)
    x, x33, x44, w21, w3 = ones(3, 4), ones(3, 3), ones(4, 4), ones(2, 1), ones(3)
    x2, x5, p324, l31, x14 = ones(2), ones(5), ones(3, 2, 4), ones(3, 1), ones(1, 4)
    refused = [
        (lambda: gloss.L2Loss()(x, x33), r"label of shape \(3, 3\)", MXNetError),
        (lambda: gloss.HingeLoss()(x, x44), r"label of shape \(4, 4\)", MXNetError),
        (lambda: gloss.L1Loss()(x, x, w21), "sample_weight of shape", MXNetError),
        (lambda: gloss.L1Loss()(x, x, 2.0), "sample_weight must be an NDArray", MXNetError),
        (lambda: gloss.L1Loss()(x, np.ones((3, 4))), "label must be an NDArray", MXNetError),
        (lambda: gloss.L2Loss(batch_axis=2)(x, x), "batch_axis 2", MXNetError),
        (lambda: gloss.L1Loss(weight=w3)(x, x), "weight must be a number", AssertionError),
        (lambda: gloss.L2Loss(weight=None)(x, x), "weight None", TypeError),
        (lambda: gloss.L2Loss()(x, x, sample_weight=x), "sample_weight", TypeError),
        (lambda: gloss.SoftmaxCELoss()(x, x2), "sparse label", MXNetError),
        (lambda: gloss.SoftmaxCELoss()(x, x), "sparse label", MXNetError),
        (lambda: gloss.SoftmaxCELoss(axis=2)(x, w3), "axis 2", MXNetError),
        (lambda: gloss.SigmoidBCELoss()(x, x, None, w3), "pos_weight", MXNetError),
        (lambda: gloss.KLDivLoss()(x, x33), "broadcast", MXNetError),
        (lambda: gloss.HuberLoss(rho=0)(x, x), "rho", ZeroDivisionError),
        (lambda: gloss.CosineEmbeddingLoss()(x, x, x2), "one value per vector", MXNetError),
        (lambda: gloss.CTCLoss()(x, x33), "3-D", MXNetError),
        (lambda: gloss.CTCLoss()(p324, l31, None, None, x2), "sample_weight", MXNetError),
        (lambda: gloss.SDMLLoss()(x, x33), "one shape", AssertionError),
        (lambda: gloss.SDMLLoss()(p324, p324), "2-D", ValueError),
        (lambda: gloss.SDMLLoss()(x14, x14), "at least 2", MXNetError),   # MXNet: nan
        (lambda: gloss.TripletLoss()(x, x), "negative", TypeError),
        (lambda: gloss.TripletLoss()(x, x, x5), "negative of shape", MXNetError),
        (lambda: gloss.PoissonNLLLoss()(x, x2), "target of shape", MXNetError),
    ]
    for fn, match, error in refused:
        refused_before_launch(ctx, fn, match, error)


def test_docstring_examples():
    from test_metric import run_doctests
    import mxgrad.gluon.loss_extra
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run_doctests(gloss)
        run_doctests(mxgrad.gluon.loss_extra)
