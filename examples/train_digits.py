"""Train an MLP and a small CNN on scikit-learn's handwritten digits, MXNet style.

    python examples/train_digits.py                 # both models, default device
    python examples/train_digits.py --ctx "gpu(0)" --model cnn --epochs 20

    python examples/train_digits.py --api gluon     # the same networks written with mx.gluon
    python -m mxgrad.launch -n 2 examples/train_digits.py --kvstore dist_sync   # 2 processes

The data set (1,797 8x8 images) ships inside scikit-learn: nothing is downloaded. With
``--api nd`` training uses ``autograd.record()``, ``backward()`` and the ``sgd_mom_update``
optimizer op; with ``--api gluon`` the networks are ``gluon.nn`` layers trained with
``gluon.loss.SoftmaxCrossEntropyLoss`` and a ``gluon.Trainer`` (the same SGD with momentum).
Both train on a held-out split; a progress bar shows loss and accuracy, and the loss/accuracy curves are
written to a PNG whose path is printed. The same ``--seed`` gives the same run.

With ``--kvstore dist_sync`` (started by mpiexec or ``python -m mxgrad.launch``) each worker
takes its share of every global batch of ``--batch-size`` images, the gradients are summed
across the workers by ``mx.kv`` (``pushpull``), and every worker takes the same step: the
run follows the one-process run with the same global batch. Rank 0 prints and plots.
"""
import argparse
import os
import re
import sys
import time

import numpy as np

import mxgrad as mx
from mxgrad import gluon, nd

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from examples_common import load_digits_split  # noqa: E402


class Model:
    """Parameters (NDArrays with gradients) and momentum buffers of a network."""

    def __init__(self, shapes, ctx, rng):
        self.params = {}
        for name, shape in shapes.items():
            if name.endswith("bias"):
                value = np.zeros(shape, np.float32)
            else:
                fan_in = int(np.prod(shape[1:]))
                value = rng.normal(0, np.sqrt(2.0 / fan_in), shape).astype(np.float32)
            p = nd.array(value, ctx=ctx)
            p.attach_grad()
            self.params[name] = p
        self.momentum = {n: nd.zeros(p.shape, ctx=ctx) for n, p in self.params.items()}

    def loss(self, logits, labels):
        """Mean cross-entropy of the batch."""
        return -nd.mean(nd.pick(nd.log_softmax(logits, axis=-1), labels, axis=-1))

    def step(self, batch_size, lr, momentum=0.9, wd=1e-4):
        """SGD with momentum on the gradients of the mean loss."""
        for name, p in self.params.items():
            nd.sgd_mom_update(p, p.grad, self.momentum[name], lr=lr, momentum=momentum, wd=wd,
                              out=p)


class MLP(Model):
    def __init__(self, ctx, rng, hidden=128):
        super().__init__({"fc1_weight": (hidden, 64), "fc1_bias": (hidden,),
                          "fc2_weight": (10, hidden), "fc2_bias": (10,)}, ctx, rng)

    def forward(self, x):
        p = self.params
        h = nd.relu(nd.FullyConnected(x, p["fc1_weight"], p["fc1_bias"], num_hidden=p["fc1_bias"].shape[0]))
        return nd.FullyConnected(h, p["fc2_weight"], p["fc2_bias"], num_hidden=10)


class CNN(Model):
    def __init__(self, ctx, rng):
        super().__init__({"conv1_weight": (16, 1, 3, 3), "conv1_bias": (16,),
                          "conv2_weight": (32, 16, 3, 3), "conv2_bias": (32,),
                          "fc1_weight": (64, 32 * 2 * 2), "fc1_bias": (64,),
                          "fc2_weight": (10, 64), "fc2_bias": (10,)}, ctx, rng)

    def forward(self, x):
        p = self.params
        h = nd.Convolution(x, p["conv1_weight"], p["conv1_bias"], kernel=(3, 3), pad=(1, 1),
                           num_filter=16)
        h = nd.Pooling(nd.relu(h), kernel=(2, 2), stride=(2, 2), pool_type="max")
        h = nd.Convolution(h, p["conv2_weight"], p["conv2_bias"], kernel=(3, 3), pad=(1, 1),
                           num_filter=32)
        h = nd.Pooling(nd.relu(h), kernel=(2, 2), stride=(2, 2), pool_type="max")
        h = nd.relu(nd.FullyConnected(h, p["fc1_weight"], p["fc1_bias"], num_hidden=64))
        return nd.FullyConnected(h, p["fc2_weight"], p["fc2_bias"], num_hidden=10)


class GluonModel:
    """The same two networks written with ``mx.gluon``: layers, the Gluon loss, a Trainer.

    He-normal weights and zero biases as above; the per-example losses are backpropagated
    as a sum and ``Trainer.step`` divides by the batch size, so each step is the same SGD
    with momentum on the mean loss."""

    def __init__(self, model_name, ctx, lr, hidden=128, kvstore=None):
        nn = gluon.nn
        net = nn.HybridSequential(prefix=f"{model_name}_")
        with net.name_scope():
            if model_name == "cnn":
                net.add(nn.Conv2D(16, kernel_size=3, padding=1, activation="relu"),
                        nn.MaxPool2D(pool_size=2, strides=2),
                        nn.Conv2D(32, kernel_size=3, padding=1, activation="relu"),
                        nn.MaxPool2D(pool_size=2, strides=2),
                        nn.Dense(64, activation="relu"))
            else:
                net.add(nn.Dense(hidden, activation="relu"))
            net.add(nn.Dense(10))
        net.initialize(mx.init.Xavier(rnd_type="gaussian", factor_type="in", magnitude=2),
                       ctx=ctx)
        net.hybridize()
        self.net = net
        extra = {"kvstore": kvstore} if kvstore else {}    # else Trainer's default
        self.trainer = gluon.Trainer(net.collect_params(), "sgd",
                                     {"learning_rate": lr, "momentum": 0.9, "wd": 1e-4}, **extra)
        self.loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()

    def forward(self, x):
        return self.net(x)

    def loss(self, logits, labels):
        """Per-example cross-entropy (backward sums it)."""
        return self.loss_fn(logits, labels)

    def step(self, batch_size, lr):
        self.trainer.set_learning_rate(lr)
        self.trainer.step(batch_size)


def make_model(model_name, api, ctx, rng, lr, kvstore=None):
    """The network ``model_name`` ("mlp" or "cnn") written with ``api`` ("nd" or "gluon")."""
    if api == "gluon":
        return GluonModel(model_name, ctx, lr, kvstore=kvstore)
    return MLP(ctx, rng) if model_name == "mlp" else CNN(ctx, rng)


class Workers:
    """Data parallelism of the nd networks through a KVStore: the same parameters on every
    worker at the start, each worker's share of a global batch, gradients summed."""

    def __init__(self, kv, model, prefix):
        self.kv, self.model = kv, model
        self.names = list(model.params)
        self.keys = [f"{prefix}_{n}" for n in self.names] + [f"{prefix}_loss"]
        params = [model.params[n] for n in self.names]
        kv.broadcast(self.keys[:-1], params, out=params)      # rank 0's initial weights
        kv.init(self.keys[-1], nd.zeros((1,), ctx=params[0].context))

    def loss(self, logits, labels, global_size):
        """This worker's part of the mean cross-entropy of the global batch."""
        return -nd.sum(nd.pick(nd.log_softmax(logits, axis=-1), labels, axis=-1)) / global_size

    def reduce(self, loss):
        """Sum the gradients (and the loss) over the workers: the global batch's."""
        grads = [self.model.params[n].grad for n in self.names]
        loss = loss.reshape((1,))
        self.kv.pushpull(self.keys, grads + [loss])
        return loss


def accuracy(model, x, y, ctx, batch=256):
    """Fraction of correct predictions, computed in predict mode."""
    correct = 0
    for i in range(0, len(x), batch):
        logits = model.forward(nd.array(x[i:i + batch], ctx=ctx))
        correct += int((logits.asnumpy().argmax(axis=1) == y[i:i + batch]).sum())
    return correct / len(x)


def train(model_name, args, ctx, data, log):
    """Train one model; returns its history (per-epoch loss/accuracy) and test accuracy."""
    x_train, y_train, x_test, y_test = data
    rng = np.random.RandomState(args.seed)
    model = make_model(model_name, args.api, ctx, rng, args.lr, args.kvstore)
    kv = args.kv
    workers = Workers(kv, model, model_name) if kv is not None and args.api == "nd" else None
    history = {"loss": [], "train_acc": [], "test_acc": [], "epoch_s": []}
    steps_per_epoch = (len(x_train) + args.batch_size - 1) // args.batch_size
    if args.max_steps:
        steps_per_epoch = min(steps_per_epoch, args.max_steps)
    bar = _progress(total=args.epochs * steps_per_epoch, desc=f"{model_name} ({args.api})",
                    disable=args.quiet)
    for epoch in range(args.epochs):
        order = rng.permutation(len(x_train))
        started = time.perf_counter()
        losses = []
        for step in range(steps_per_epoch):
            idx = order[step * args.batch_size:(step + 1) * args.batch_size]
            mine = idx if kv is None else np.array_split(idx, kv.num_workers)[kv.rank]
            xb = nd.array(x_train[mine], ctx=ctx)
            yb = nd.array(y_train[mine], ctx=ctx)
            with mx.autograd.record():
                if workers is None:
                    loss = model.loss(model.forward(xb), yb)
                else:
                    loss = workers.loss(model.forward(xb), yb, len(idx))
            loss.backward()
            if workers is not None:
                loss = workers.reduce(loss)
            model.step(len(idx), args.lr)
            losses.append(loss.mean())
            bar.update(1)
        mean_loss = float(np.mean([l.asscalar() for l in losses]))
        history["epoch_s"].append(time.perf_counter() - started)
        history["loss"].append(mean_loss)
        history["train_acc"].append(accuracy(model, x_train, y_train, ctx))
        history["test_acc"].append(accuracy(model, x_test, y_test, ctx))
        bar.set_postfix(loss=f"{mean_loss:.4f}", test_acc=f"{history['test_acc'][-1]:.3f}")
    bar.close()
    log(f"{model_name}: test accuracy {history['test_acc'][-1]:.4f}, "
        f"{np.mean(history['epoch_s']):.3f} s per epoch")
    return history


def _progress(total, desc, disable):
    from tqdm import tqdm
    return tqdm(total=total, desc=desc, disable=disable, leave=False, file=sys.stderr)


def plot(histories, path):
    """Write the loss and accuracy curves of every model to a PNG."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 4))
    for i, (name, h) in enumerate(histories.items()):
        epochs = np.arange(1, len(h["loss"]) + 1)
        color = f"C{i}"      # markers: a one-epoch run is a point, not an invisible line
        ax_loss.plot(epochs, h["loss"], "o-", color=color, markersize=4, label=name)
        ax_acc.plot(epochs, h["train_acc"], "s--", color=color, markersize=4, label=f"{name} train")
        ax_acc.plot(epochs, h["test_acc"], "o-", color=color, markersize=4, label=f"{name} test")
    ax_loss.set(title="training loss", xlabel="epoch", ylabel="cross-entropy")
    ax_acc.set(title="accuracy", xlabel="epoch", ylabel="accuracy")
    for ax in (ax_loss, ax_acc):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


class _Parser(argparse.ArgumentParser):
    """Usage errors in one line (the options are in ``--help``)."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _count(minimum):
    """An argparse type: an int of at least ``minimum``."""
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {value}")
        return value
    return parse


def _context(text):
    """An argparse type: a Context written as in code, ``cpu(0)`` or ``gpu(1)``, that exists."""
    m = re.fullmatch(r"\s*(cpu|gpu)\s*\(\s*(\d+)\s*\)\s*", text, re.ASCII)
    if not m:
        raise argparse.ArgumentTypeError(f"expected cpu(i) or gpu(i), e.g. cpu(0), got {text!r}")
    ctx = mx.Context(m.group(1), int(m.group(2)))
    try:
        ctx.device_info
    except mx.MXNetError as e:
        raise argparse.ArgumentTypeError(str(e)) from None
    return ctx


def _png_path(text):
    """An argparse type: a file path whose folder exists, so a finished run can be saved."""
    folder = os.path.dirname(os.path.abspath(text))
    if not os.path.isdir(folder):
        raise argparse.ArgumentTypeError(f"folder {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise argparse.ArgumentTypeError(f"folder {folder} is not writable")
    return text


class _Help(argparse.ArgumentDefaultsHelpFormatter):
    """Each option's default after its help; options without one say what happens instead."""

    def _get_help_string(self, action):
        if action.default is None:
            return action.help
        return super()._get_help_string(action)


def build_parser(prog=None):
    """The command line's parser (``prog``: the name in usage and error lines)."""
    ap = _Parser(prog=prog, description=__doc__.splitlines()[0], formatter_class=_Help)
    ap.add_argument("--model", choices=["mlp", "cnn", "both"], default="both",
                    help="which network to train")
    ap.add_argument("--api", choices=["nd", "gluon"], default="nd",
                    help="write the networks with mx.nd ops or with mx.gluon layers")
    ap.add_argument("--epochs", type=_count(1), default=20, help="passes over the training set")
    ap.add_argument("--batch-size", type=_count(1), default=64, help="images per step")
    ap.add_argument("--lr", type=float, default=0.05, help="learning rate of SGD with momentum")
    ap.add_argument("--seed", type=int, default=0, help="seed of the split, the weights and the order")
    ap.add_argument("--ctx", type=_context, default=None,
                    help='device, e.g. "cpu(0)" or "gpu(0)" (default: the default context, '
                         "as MXGRAD_CTX sets it, else cpu(0))")
    ap.add_argument("--max-steps", type=_count(0), default=0,
                    help="cap on steps per epoch, 0 for none (quick runs in CI)")
    ap.add_argument("--plot", type=_png_path, default="digits_training.png",
                    help="where to write the PNG of the curves")
    ap.add_argument("--quiet", action="store_true", help="no progress bar")
    ap.add_argument("--kvstore", choices=["local", "device", "dist_sync", "dist_sync_device"],
                    default=None,
                    help="sum the gradients through mx.kv.create(KVSTORE); dist_sync: over the "
                         "processes started by mpiexec, each taking its share of every batch "
                         "(default: none, one process without a kvstore)")
    return ap


def parse_args(argv=None, prog=None):
    """The options; a bad value (or an unusable default device) exits with a one-line error
    before any data is loaded."""
    ap = build_parser(prog)
    args = ap.parse_args(argv)
    if args.ctx is None:
        try:
            args.ctx = mx.current_context()
            args.ctx.device_info
        except mx.MXNetError as e:
            ap.error(f"no usable default context: {e}")
    return args


def _silent(*args, **kwargs):
    """The log of the workers other than rank 0."""


def main(argv=None, prog=None):
    """Train the chosen models; returns their histories by name."""
    args = parse_args(argv, prog)
    ctx = args.ctx
    args.kv = mx.kv.create(args.kvstore) if args.kvstore else None
    lead = args.kv is None or args.kv.rank == 0     # one report and one progress bar: rank 0's
    log = print if lead else _silent
    args.quiet = args.quiet or not lead
    mx.random.seed(args.seed)
    data = load_digits_split(args.seed)
    log(f"digits: {len(data[0])} training and {len(data[2])} test images on {ctx} "
          f"({ctx.device_info.name})")
    names = ["mlp", "cnn"] if args.model == "both" else [args.model]
    histories = {name: train(name, args, ctx, data, log) for name in names}
    if lead:
        path = os.path.abspath(plot(histories, args.plot))
        log(f"curves written to {path}")
    return histories


if __name__ == "__main__":
    main()
