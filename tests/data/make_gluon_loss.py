"""Write tests/data/gluon_loss_mxnet.npz: MXNet 1.9.1's gluon.loss results for
tests/test_gluon_loss.py.

Run with MXNet's interpreter from the repository root:
    /tmp/mxref/bin/python tests/data/make_gluon_loss.py
For each case (a loss class, its constructor arguments and the positional forward
arguments, None where skipped) it stores the float32 inputs, MXNet's output and MXNet's
gradient of ``output.sum()`` with respect to the first input, plus the printed form of the
loss and the signatures of the classes (under ``meta``, a JSON string).
"""
import inspect
import json
import os

import numpy as np

if not isinstance(getattr(np, "bool", None), type):     # MXNet 1.9.1 needs np.bool
    np.bool = bool
import mxnet as mx                                       # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def _cases():
    """(name, class name, constructor kwargs, forward arguments) with float32 inputs."""
    rng = np.random.RandomState(0)

    def randn(*shape):
        return rng.randn(*shape).astype(np.float32)

    def uniform(lo, hi, *shape):
        return rng.uniform(lo, hi, size=shape).astype(np.float32)

    def signs(*shape):
        return np.where(rng.rand(*shape) > 0.5, 1, -1).astype(np.float32)

    def softmax(x, axis=-1):
        e = np.exp(x - x.max(axis=axis, keepdims=True))
        return (e / e.sum(axis=axis, keepdims=True)).astype(np.float32)

    binary = (rng.rand(3, 4) > 0.5).astype(np.float32)
    logits = randn(3, 5)
    return [
        ("l2", "L2Loss", {}, [randn(3, 4), randn(3, 4)]),
        ("l2_weight_axis1", "L2Loss", {"weight": 2.0, "batch_axis": 1},
         [randn(3, 4), randn(3, 4), uniform(0.5, 1.5, 1, 4)]),
        ("l2_label_reshaped", "L2Loss", {}, [randn(3, 2, 2), randn(3, 4)]),
        ("l1", "L1Loss", {}, [randn(3, 4), randn(3, 4)]),
        ("l1_weight_sample", "L1Loss", {"weight": 0.5},
         [randn(3, 4), randn(3, 4), uniform(0.5, 1.5, 3, 1)]),
        ("sbce", "SigmoidBinaryCrossEntropyLoss", {}, [randn(3, 4) * 3, binary]),
        ("sbce_sample", "SigmoidBCELoss", {"weight": 1.5},
         [randn(3, 4), binary, uniform(0.5, 1.5, 3, 1)]),
        ("sbce_pos_weight", "SigmoidBCELoss", {},
         [randn(3, 4) * 3, binary, None, uniform(0.5, 3, 4)]),
        ("sbce_from_sigmoid", "SigmoidBCELoss", {"from_sigmoid": True},
         [uniform(0.05, 0.95, 3, 4), binary]),
        ("sbce_from_sigmoid_pos", "SigmoidBCELoss", {"from_sigmoid": True, "batch_axis": 1},
         [uniform(0.05, 0.95, 3, 4), binary, None, uniform(0.5, 3, 3, 1)]),
        ("sce", "SoftmaxCrossEntropyLoss", {}, [logits, np.array([0, 4, 2], np.float32)]),
        ("sce_label_keepdims", "SoftmaxCELoss", {"weight": 0.5},
         [logits, np.array([[1], [3], [0]], np.float32)]),
        ("sce_axis1", "SoftmaxCELoss", {"axis": 1},
         [randn(2, 4, 3), np.array([[0, 3, 1], [2, 2, 0]], np.float32)]),
        ("sce_dense", "SoftmaxCELoss", {"sparse_label": False},
         [logits, softmax(randn(3, 5))]),
        ("sce_from_logits", "SoftmaxCELoss", {"from_logits": True},
         [np.log(softmax(randn(3, 5))), np.array([1, 1, 4], np.float32)]),
        ("sce_batch_axis1", "SoftmaxCELoss", {"batch_axis": 1},
         [randn(4, 3, 5), rng.randint(0, 5, size=(4, 3)).astype(np.float32)]),
        ("sce_sample", "SoftmaxCELoss", {},
         [logits, np.array([2, 2, 1], np.float32), uniform(0.5, 1.5, 3, 1)]),
        ("kl", "KLDivLoss", {}, [np.log(softmax(randn(3, 4))), softmax(randn(3, 4))]),
        ("kl_logits_axis1", "KLDivLoss", {"from_logits": False, "axis": 1},
         [randn(2, 3, 4), softmax(randn(2, 3, 4), axis=1)]),
        ("kl_batch_axis1_sample", "KLDivLoss", {"batch_axis": 1, "weight": 2.0},
         [np.log(softmax(randn(3, 4))), softmax(randn(3, 4)), uniform(0.5, 1.5, 3, 1)]),
        ("huber", "HuberLoss", {}, [randn(3, 4) * 2, randn(3, 4)]),
        ("huber_rho", "HuberLoss", {"rho": 0.5, "weight": 2.0},
         [randn(3, 4), randn(3, 4), uniform(0.5, 1.5, 3, 1)]),
        ("hinge", "HingeLoss", {}, [randn(3, 4), signs(3, 4)]),
        ("hinge_margin", "HingeLoss", {"margin": 0.5, "batch_axis": 1},
         [randn(3, 4), signs(3, 4)]),
        ("sq_hinge", "SquaredHingeLoss", {}, [randn(3, 4), signs(3, 4)]),
        ("sq_hinge_margin", "SquaredHingeLoss", {"margin": 2, "weight": 0.5},
         [randn(3, 4), signs(3, 4), uniform(0.5, 1.5, 1, 4)]),
        ("logistic", "LogisticLoss", {}, [randn(3, 4) * 3, signs(3, 4)]),
        ("logistic_binary", "LogisticLoss", {"label_format": "binary"},
         [randn(3, 4) * 3, binary, uniform(0.5, 1.5, 3, 1)]),
        ("triplet", "TripletLoss", {}, [randn(3, 4), randn(3, 4), randn(3, 4)]),
        ("triplet_margin", "TripletLoss", {"margin": 4, "weight": 2.0, "batch_axis": 1},
         [randn(3, 4), randn(3, 4), randn(12)]),
        ("poisson", "PoissonNLLLoss", {},
         [randn(3, 4), rng.randint(0, 5, size=(3, 4)).astype(np.float32)]),
        ("poisson_rate", "PoissonNLLLoss", {"from_logits": False, "weight": 2.0},
         [uniform(0.1, 3, 3, 4), rng.randint(0, 5, size=(3, 4)).astype(np.float32),
          uniform(0.5, 1.5, 3, 1), 1e-3]),
        ("poisson_full", "PoissonNLLLoss", {"compute_full": True},
         [randn(3, 4), rng.randint(1, 6, size=(3, 4)).astype(np.float32)]),
        ("cosine", "CosineEmbeddingLoss", {},
         [randn(4, 3), randn(4, 3), np.array([1, -1, 1, -1], np.float32)]),
        ("cosine_margin", "CosineEmbeddingLoss", {"margin": 0.2, "weight": 2.0},
         [randn(4, 3), randn(4, 3), np.array([-1, -1, 1, 0], np.float32),
          uniform(0.5, 1.5, 4, 1)]),
        ("cosine_3d", "CosineEmbeddingLoss", {},
         [randn(2, 2, 3), randn(2, 2, 3), np.array([1, -1, -1, 1], np.float32)]),
        ("ctc", "CTCLoss", {},
         [randn(2, 5, 4), np.array([[0, 1, 1], [2, 0, -1]], np.float32)]),
        ("ctc_tnc_lengths", "CTCLoss", {"layout": "TNC", "label_layout": "TN", "weight": 2.0},
         [randn(6, 2, 4), np.array([[1, 0], [2, 2], [0, 1]], np.float32),
          np.array([6, 5], np.float32), np.array([2, 3], np.float32),
          uniform(0.5, 1.5, 2)]),
        ("sdml", "SDMLLoss", {}, [randn(4, 3), randn(4, 3)]),
        ("sdml_smooth", "SDMLLoss", {"smoothing_parameter": 0.1}, [randn(3, 2), randn(3, 2)]),
    ]


def main():
    arrays = {}
    meta = {"cases": [], "signatures": {}}
    for name, cls_name, kwargs, args in _cases():
        loss = getattr(mx.gluon.loss, cls_name)(**kwargs)
        inputs = [a if a is None or isinstance(a, float) else mx.nd.array(a) for a in args]
        inputs[0].attach_grad()
        if kwargs.get("compute_full"):
            # MXNet 1.9.1 cannot record compute_full (an in-place *= inside its graph
            # raises): its output comes unrecorded, and the gradient from the same loss
            # without the Stirling terms, which do not depend on pred
            out = loss(*inputs)
            with mx.autograd.record():
                part = getattr(mx.gluon.loss, cls_name)(**dict(kwargs, compute_full=False))
                part(*inputs).backward()
        else:
            with mx.autograd.record():
                out = loss(*inputs)
            out.backward()
        arrays[f"{name}/out"] = out.asnumpy()
        arrays[f"{name}/grad"] = inputs[0].grad.asnumpy()
        kinds = []
        for k, a in enumerate(args):
            if isinstance(a, np.ndarray):
                arrays[f"{name}/in{k}"] = a
                kinds.append("array")
            else:
                kinds.append(a)                   # None or a float argument
        meta["cases"].append({"name": name, "cls": cls_name, "kwargs": kwargs,
                              "inputs": kinds, "repr": repr(loss)})
    for cls_name in mx.gluon.loss.__all__:
        cls = getattr(mx.gluon.loss, cls_name)
        meta["signatures"][cls_name] = [str(inspect.signature(cls.__init__)),
                                        str(inspect.signature(cls.hybrid_forward))]
    meta["all"] = list(mx.gluon.loss.__all__)
    arrays["meta"] = np.array(json.dumps(meta))
    np.savez_compressed(os.path.join(HERE, "gluon_loss_mxnet.npz"), **arrays)


if __name__ == "__main__":
    main()
