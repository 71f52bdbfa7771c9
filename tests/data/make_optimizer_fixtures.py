"""Write optimizer_fixtures.json: MXNet 1.9.1's optimizer trajectories (the weights after each
of 20 steps on fixed gradients) and lr_scheduler values per update. Run with MXNet 1.9.1 from
the repository root: ``/tmp/mxref/bin/python tests/data/make_optimizer_fixtures.py``.

Each optimizer case updates two parameters (indices 0 and 1) either through
``mx.optimizer.get_updater`` ("updater", the KVStore/Trainer path, which aggregates) or by
calling ``create_state_multi_precision``/``update_multi_precision`` itself ("direct")."""
import json
import os
import warnings
import zlib

import mxnet as mx
import numpy as np

STEPS = 20
SHAPES = [(2, 3), (4,)]

# (name, optimizer, kwargs, dtype, mode, extras): extras may hold "scheduler" (class name and
# kwargs), "lr_mult"/"wd_mult" (passed to set_lr_mult/set_wd_mult, keys are indices)
HP = dict(wd=0.01, rescale_grad=0.5, clip_gradient=0.8)
CASES = [
    ("sgd_default", "sgd", {}, "float32", "updater", {}),
    ("sgd_mom", "sgd", dict(learning_rate=0.1, momentum=0.9, **HP), "float32", "updater", {}),
    ("sgd_plain_wd", "sgd", dict(learning_rate=0.1, wd=0.01), "float32", "updater", {}),
    ("sgd_mom_direct", "sgd", dict(learning_rate=0.1, momentum=0.9, **HP), "float32", "direct",
     {}),
    ("sgd_mp_mom", "sgd", dict(learning_rate=0.1, momentum=0.9, multi_precision=True, **HP),
     "float16", "updater", {}),
    ("sgd_mp", "sgd", dict(learning_rate=0.1, multi_precision=True, **HP), "float16", "updater",
     {}),
    ("sgd_mp_direct", "sgd", dict(learning_rate=0.1, momentum=0.9, multi_precision=True, **HP),
     "float16", "direct", {}),
    ("sgd_fp16", "sgd", dict(learning_rate=0.1, momentum=0.9), "float16", "updater", {}),
    ("sgd_factor", "sgd", dict(momentum=0.5), "float32", "updater",
     {"scheduler": ["FactorScheduler", dict(step=5, factor=0.5, base_lr=0.1)]}),
    ("sgd_mults", "sgd", dict(learning_rate=0.1, wd=0.1, param_idx2name={0: "fc_weight",
                                                                         1: "fc_bias"}),
     "float32", "updater", {"lr_mult": {1: 0.5}, "wd_mult": {0: 2.0}}),
    # NAG with momentum and weight decay: MXNet 1.9.1's nag_mom_update, written into the
    # weight it reads (as the optimizer calls it), decays the momentum with the already
    # updated weight; tests/test_optimizer.py checks that case against the formula instead
    ("nag_mom", "nag", dict(learning_rate=0.1, momentum=0.9, rescale_grad=0.5,
                            clip_gradient=0.8), "float32", "updater", {}),
    ("nag_plain", "nag", dict(learning_rate=0.1, **HP), "float32", "updater", {}),
    ("nag_mp_mom", "nag", dict(learning_rate=0.1, momentum=0.9, multi_precision=True,
                               rescale_grad=0.5, clip_gradient=0.8), "float16", "updater", {}),
    ("adam_default", "adam", {}, "float32", "updater", {}),
    ("adam", "adam", dict(learning_rate=0.01, **HP), "float32", "updater", {}),
    ("adam_mp", "adam", dict(learning_rate=0.01, multi_precision=True, **HP), "float16",
     "updater", {}),
    ("adam_cosine", "adam", dict(learning_rate=0.05), "float32", "updater",
     {"scheduler": ["CosineScheduler", dict(max_update=15, base_lr=0.05, final_lr=0.001,
                                            warmup_steps=3)]}),
    ("rmsprop", "rmsprop", dict(learning_rate=0.01, **HP), "float32", "updater", {}),
    ("rmsprop_centered", "rmsprop", dict(learning_rate=0.01, centered=True, clip_weights=0.9,
                                         **HP), "float32", "updater", {}),
    ("adagrad", "adagrad", dict(learning_rate=0.1, **HP), "float32", "updater", {}),
    ("adadelta", "adadelta", dict(rho=0.8, **HP), "float32", "updater", {}),
    ("adamax", "adamax", dict(**HP), "float32", "updater", {}),
    ("nadam", "nadam", dict(learning_rate=0.01, **HP), "float32", "updater", {}),
    ("ftrl", "ftrl", dict(lamda1=0.01, learning_rate=0.1, beta=0.5, **HP), "float32",
     "updater", {}),
    ("ftml", "ftml", dict(learning_rate=0.01, **HP), "float32", "updater", {}),
    ("signum", "signum", dict(learning_rate=0.01, momentum=0.9, wd_lh=0.01, **HP), "float32",
     "updater", {}),
    ("signsgd", "signum", dict(learning_rate=0.01, momentum=0.0, **HP), "float32", "updater",
     {}),
    ("lamb", "lamb", dict(learning_rate=0.01, **HP), "float32", "updater", {}),
    ("lamb_direct", "lamb", dict(learning_rate=0.01, **HP), "float32", "direct", {}),
    ("lamb_bounds", "lamb", dict(learning_rate=0.01, lower_bound=0.5, upper_bound=2.0,
                                 bias_correction=False, **HP), "float32", "direct", {}),
    # no "direct" float16 LAMB: MXNet 1.9.1's mp_lamb_update_phase2 leaves the float32 master
    # copy as it was, so that path never moves the master weights (its multi_mp_lamb_update
    # path, "lamb_mp", does)
    ("lamb_mp", "lamb", dict(learning_rate=0.01, multi_precision=True, **HP), "float16",
     "updater", {}),
    ("lars", "lars", dict(learning_rate=0.1, momentum=0.9, eta=0.01,
                          param_idx2name={0: "fc_weight", 1: "fc_bias"}, **HP),
     "float32", "updater", {}),
    ("lars_plain", "lars", dict(learning_rate=0.1, eta=0.01, **HP), "float32", "updater", {}),
    ("lars_direct", "lars", dict(learning_rate=0.1, momentum=0.9, eta=0.01, **HP), "float32",
     "direct", {}),
    ("lars_mp", "lars", dict(learning_rate=0.1, momentum=0.9, eta=0.01, multi_precision=True,
                             **HP), "float16", "updater", {}),
    # DCASGD with momentum fails in MXNet 1.9.1 (the truth value of its momentum array)
    ("dcasgd", "dcasgd", dict(learning_rate=0.1, **HP), "float32", "updater", {}),
    ("lbsgd", "lbsgd", dict(learning_rate=0.1, momentum=0.9, batch_scale=2, warmup_epochs=2,
                            updates_per_epoch=3, **HP), "float32", "updater", {}),
    ("lbsgd_power2", "lbsgd", dict(learning_rate=0.1, batch_scale=3, warmup_epochs=2,
                                   updates_per_epoch=4, warmup_strategy="power2", **HP),
     "float32", "updater", {}),
    ("lbsgd_sqrt", "lbsgd", dict(learning_rate=0.1, momentum=0.5, batch_scale=2,
                                 warmup_epochs=3, updates_per_epoch=2, begin_epoch=1,
                                 warmup_strategy="sqrt"), "float32", "updater", {}),
    ("lbsgd_lars", "lbsgd", dict(learning_rate=0.1, momentum=0.9, batch_scale=2,
                                 warmup_strategy="lars", **HP), "float32", "updater", {}),
    ("lbsgd_mp", "lbsgd", dict(learning_rate=0.1, momentum=0.9, batch_scale=2,
                               multi_precision=True, **HP), "float16", "updater", {}),
    ("ccsgd", "ccsgd", dict(learning_rate=0.1, momentum=0.9), "float32", "updater", {}),
    ("test", "test", dict(rescale_grad=0.5), "float32", "updater", {}),
]

SCHEDULERS = [
    ("factor", "FactorScheduler", dict(step=4, factor=0.5, stop_factor_lr=0.002, base_lr=0.1)),
    ("factor_warmup", "FactorScheduler", dict(step=3, factor=0.9, base_lr=0.1, warmup_steps=5,
                                              warmup_begin_lr=0.01)),
    ("factor_const_warmup", "FactorScheduler", dict(step=3, factor=0.9, base_lr=0.1,
                                                    warmup_steps=5, warmup_begin_lr=0.01,
                                                    warmup_mode="constant")),
    ("multifactor", "MultiFactorScheduler", dict(step=[3, 7, 20], factor=0.5, base_lr=1.0)),
    ("multifactor_warmup", "MultiFactorScheduler", dict(step=[6, 9], factor=0.1, base_lr=0.5,
                                                        warmup_steps=4, warmup_begin_lr=0.1)),
    ("poly", "PolyScheduler", dict(max_update=25, base_lr=0.1, pwr=2)),
    ("poly_warmup", "PolyScheduler", dict(max_update=25, base_lr=0.1, pwr=1.5, final_lr=0.01,
                                          warmup_steps=5, warmup_begin_lr=0.02)),
    ("cosine", "CosineScheduler", dict(max_update=30, base_lr=0.2)),
    ("cosine_warmup", "CosineScheduler", dict(max_update=30, base_lr=0.2, final_lr=0.02,
                                              warmup_steps=6)),
]


def short(a):
    """a's values as the shortest decimals that give them back in a's dtype (a smaller file)."""
    a = np.asarray(a)
    return np.array([float(repr(v)) for v in a.ravel()]).reshape(a.shape).tolist()


def run_case(name, opt_name, kwargs, dtype, mode, extras):
    rng = np.random.RandomState(zlib.crc32(name.encode()))
    init = [rng.uniform(-1, 1, s).astype(dtype) for s in SHAPES]
    grads = [[(rng.randn(*s) * 1.5).astype(dtype) for s in SHAPES] for _ in range(STEPS)]
    kw = dict(kwargs)
    if "scheduler" in extras:
        cls, skw = extras["scheduler"]
        kw["lr_scheduler"] = getattr(mx.lr_scheduler, cls)(**skw)
    opt = mx.optimizer.create(opt_name, **kw)
    if "lr_mult" in extras:
        opt.set_lr_mult(extras["lr_mult"])
    if "wd_mult" in extras:
        opt.set_wd_mult(extras["wd_mult"])
    weights = [mx.nd.array(w, dtype=dtype) for w in init]
    updater = mx.optimizer.get_updater(opt)
    states = {}
    traj = []
    for step in range(STEPS):
        gs = [mx.nd.array(g, dtype=dtype) for g in grads[step]]
        if mode == "updater":
            updater([0, 1], gs, weights)
        else:
            for i, (w, g) in enumerate(zip(weights, gs)):
                if i not in states:
                    states[i] = opt.create_state_multi_precision(i, w)
                opt.update_multi_precision(i, w, g, states[i])
        traj.append([short(w.asnumpy()) for w in weights])
    return {"name": name, "optimizer": opt_name, "kwargs": kwargs, "dtype": dtype,
            "mode": mode, "extras": extras,
            "init": [short(w) for w in init],
            "grads": [[short(g) for g in gs] for gs in grads],
            "trajectory": traj}


def run_scheduler(name, cls, kwargs):
    sched = getattr(mx.lr_scheduler, cls)(**kwargs)
    return {"name": name, "class": cls, "kwargs": kwargs,
            "values": [sched(n) for n in range(40)]}


def jsonable(case):
    # param_idx2name / mult dicts have int keys: JSON turns them into strings, the tests turn
    # them back
    return json.loads(json.dumps(case))


warnings.simplefilter("ignore")
out = {"optimizers": [jsonable(run_case(*c)) for c in CASES],
       "schedulers": [run_scheduler(*s) for s in SCHEDULERS]}
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                       "optimizer_fixtures.json"), "w") as f:
    json.dump(out, f)
