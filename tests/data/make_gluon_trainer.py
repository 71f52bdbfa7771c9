"""Write the MXNet 1.9.1 fixtures of tests/test_gluon_trainer.py.

Run with MXNet's Python from the repository root:
``/tmp/mxref/bin/python tests/data/make_gluon_trainer.py``. It saves a small net's
parameters (gluon_trainer.params), trains copies of it with ``gluon.Trainer`` for 20 steps
per case and records the parameters (gluon_trainer_records.nd, by mx.nd.save), and saves
an Adam Trainer's states after 10 steps (gluon_trainer_adam.states, MXNet's pickle).
``build_net``, ``train`` and ``CASES`` are imported by the test too, so both libraries run
the very same training loops.
"""
import os

HERE = os.path.dirname(os.path.abspath(__file__))
PARAMS = os.path.join(HERE, "gluon_trainer.params")
RECORDS = os.path.join(HERE, "gluon_trainer_records.nd")
STATES = os.path.join(HERE, "gluon_trainer_adam.states")
STEPS = 20
BATCH = 4

# (name, optimizer, optimizer_params, extras). Every case halves the learning rate with
# set_learning_rate after 10 steps unless it has a scheduler. extras: "scheduler" (class
# name, kwargs), "stale" (odd steps leave the second layer's gradients stale and step with
# ignore_stale_grad=True), "grad_req" ('add': two backward passes per step), "contexts"
# (2: the batch split over cpu(0) and cpu(1)), "trainer" (more Trainer arguments).
CASES = [
    ("sgd", "sgd", dict(learning_rate=0.1), {}),
    ("sgd_mom_wd", "sgd", dict(learning_rate=0.1, momentum=0.9, wd=0.01), {}),
    ("sgd_clip", "sgd", dict(learning_rate=0.2, momentum=0.5, clip_gradient=0.3), {}),
    ("adam", "adam", dict(learning_rate=0.01, wd=0.001), {}),
    ("rmsprop", "rmsprop", dict(learning_rate=0.01), {}),
    ("rmsprop_centered", "rmsprop", dict(learning_rate=0.01, centered=True, wd=0.01), {}),
    ("nag", "nag", dict(learning_rate=0.05, momentum=0.9), {}),
    ("adagrad", "adagrad", dict(learning_rate=0.1, wd=0.01, rescale_grad=2.0), {}),
    ("lamb", "lamb", dict(learning_rate=0.01, wd=0.01), {}),
    ("adadelta", "adadelta", dict(wd=0.01), {}),
    ("adamax", "adamax", dict(learning_rate=0.01), {}),
    ("nadam", "nadam", dict(learning_rate=0.01), {}),
    ("ftml", "ftml", dict(learning_rate=0.01), {}),
    ("signum", "signum", dict(learning_rate=0.01, momentum=0.9, wd=0.01), {}),
    ("ftrl", "ftrl", dict(learning_rate=0.1), {}),
    ("sgd_factor", "sgd", dict(momentum=0.9),
     {"scheduler": ("FactorScheduler", dict(step=5, factor=0.5, base_lr=0.1))}),
    ("adam_poly", "adam", dict(),
     {"scheduler": ("PolyScheduler", dict(max_update=15, base_lr=0.02, pwr=2))}),
    ("sgd_stale", "sgd", dict(learning_rate=0.1, momentum=0.9), {"stale": True}),
    ("adam_add", "adam", dict(learning_rate=0.01), {"grad_req": "add"}),
    ("sgd_two_ctx", "sgd", dict(learning_rate=0.1, momentum=0.9), {"contexts": 2}),
    ("adam_two_ctx", "adam", dict(learning_rate=0.01), {"contexts": 2}),
    ("adam_two_ctx_local", "adam", dict(learning_rate=0.01),
     {"contexts": 2, "trainer": dict(update_on_kvstore=False)}),
]


def build_net(mx):
    """Two Dense layers with a fixed prefix (no global counters)."""
    nn = mx.gluon.nn
    net = nn.HybridSequential(prefix="tnet_")
    with net.name_scope():
        net.add(nn.Dense(5, in_units=3, activation="tanh"), nn.Dense(2, in_units=5))
    return net


def inputs(mx):
    """A fixed batch: x (4, 3) and y (4, 2)."""
    x = mx.nd.array([[0.5, -1.0, 2.0], [1.5, 0.3, -0.7], [-0.2, 0.8, 0.1], [1.0, 1.0, -1.0]])
    y = mx.nd.array([[1.0, -1.0], [0.5, 0.0], [-0.5, 2.0], [0.0, 1.0]])
    return x, y


def make_trainer(mx, net, optimizer, opt_params, extras):
    """The net's Trainer, with lr_mult/wd_mult set on some Parameters."""
    net[0].bias.lr_mult = 2.0
    net[0].weight.lr_mult = 0.5
    net[1].weight.wd_mult = 0.5
    kwargs = dict(opt_params)
    if "scheduler" in extras:
        name, sched_kwargs = extras["scheduler"]
        kwargs["lr_scheduler"] = getattr(mx.lr_scheduler, name)(**sched_kwargs)
    return mx.gluon.Trainer(net.collect_params(), optimizer, kwargs,
                            **extras.get("trainer", {}))


def contexts(mx, extras):
    """The contexts of a case: cpu(0), and cpu(1) for two."""
    return [mx.cpu(i) for i in range(extras.get("contexts", 1))]


def train_steps(mx, net, trainer, extras, first, last, ctxs):
    """Steps ``first`` .. ``last - 1`` of a case's training loop on ``ctxs``."""
    x, y = inputs(mx)
    for step in range(first, last):
        if step == STEPS // 2 and "scheduler" not in extras and not extras.get("no_set_lr"):
            trainer.set_learning_rate(trainer.learning_rate * 0.5)
        stale = extras.get("stale") and step % 2 == 1
        parts = 2 if (len(ctxs) > 1 or extras.get("grad_req") == "add") else 1
        for part in range(parts):
            ctx = ctxs[part % len(ctxs)]
            rows = slice(part * BATCH // parts, (part + 1) * BATCH // parts)
            xs, ys = x[rows].as_in_context(ctx), y[rows].as_in_context(ctx)
            with mx.autograd.record():
                if stale:
                    loss = (net[0](xs) ** 2).sum() * 0.1
                else:
                    loss = ((net(xs) - ys) ** 2).sum()
            loss.backward()
        trainer.step(BATCH, ignore_stale_grad=bool(extras.get("stale")))
        if extras.get("grad_req") == "add":
            net.collect_params().zero_grad()


def train(mx, name, optimizer, opt_params, extras, steps=STEPS, ctxs=None):
    """Train a fresh net from gluon_trainer.params on ``ctxs`` (default: ``contexts``); the
    parameters by record name, the Trainer and the net."""
    net = build_net(mx)
    ctxs = ctxs or contexts(mx, extras)
    net.load_parameters(PARAMS, ctx=ctxs)
    if "grad_req" in extras:
        net.collect_params().setattr("grad_req", extras["grad_req"])
    trainer = make_trainer(mx, net, optimizer, opt_params, extras)
    train_steps(mx, net, trainer, extras, 0, steps, ctxs)
    return record(net, name, ctxs), trainer, net


def record(net, name, ctxs):
    """Each Parameter's value on each context: ``<case>/<parameter>/<context index>``."""
    return {f"{name}/{key}/{i}": p.data(c).copy() for key, p in net.collect_params().items()
            for i, c in enumerate(ctxs)}


def main():
    import mxnet as mx
    mx.random.seed(7)
    net = build_net(mx)
    net.initialize(mx.init.Xavier())
    net.save_parameters(PARAMS)
    records = {}
    for name, optimizer, opt_params, extras in CASES:
        records.update(train(mx, name, optimizer, opt_params, extras)[0])
    # states after 10 steps, the parameters then and after 10 more
    extras = {"no_set_lr": True}
    got, trainer, net = train(mx, "adam_states_mid", "adam", dict(learning_rate=0.01), extras,
                              steps=STEPS // 2)
    records.update(got)
    trainer.save_states(STATES)
    train_steps(mx, net, trainer, extras, STEPS // 2, STEPS, [mx.cpu()])
    records.update(record(net, "adam_states_end", [mx.cpu()]))
    mx.nd.save(RECORDS, records)


if __name__ == "__main__":
    main()
