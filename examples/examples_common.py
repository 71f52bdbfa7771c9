"""What the Gluon examples share: the digits data, their command line and accuracy.

The digits are scikit-learn's 1,797 8x8 images, so nothing is downloaded; they stand in for
the MNIST/Fashion-MNIST downloads of the Gluon book. Each example's ``main(argv)`` takes the
options below and returns what it measured, so the tests run it on tiny settings.
"""
import argparse

import numpy as np

import mxgrad as mx


def load_digits_split(seed, test_fraction=0.2):
    """(x_train, y_train, x_test, y_test): images scaled to [0, 1], NCHW, float32 labels."""
    from sklearn.datasets import load_digits
    digits = load_digits()
    x = (digits.images / 16.0).astype(np.float32)[:, None, :, :]
    y = digits.target.astype(np.float32)
    order = np.random.RandomState(seed).permutation(len(x))
    n_test = int(len(x) * test_fraction)
    test, train = order[:n_test], order[n_test:]
    return x[train], y[train], x[test], y[test]


def digits_loaders(batch_size, seed):
    """Shuffled training and ordered test ``DataLoader``s over the digits."""
    x_train, y_train, x_test, y_test = load_digits_split(seed)
    gdata = mx.gluon.data
    train = gdata.DataLoader(gdata.ArrayDataset(x_train, y_train), batch_size, shuffle=True)
    test = gdata.DataLoader(gdata.ArrayDataset(x_test, y_test), batch_size)
    return train, test


def parse_args(description, argv, epochs, batch_size, lr):
    """The options every example takes, with its own defaults."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--epochs", type=int, default=epochs, help="passes over the training set")
    ap.add_argument("--batch-size", type=int, default=batch_size, help="examples per step")
    ap.add_argument("--lr", type=float, default=lr, help="learning rate")
    ap.add_argument("--max-batches", type=int, default=0,
                    help="cap on steps per epoch, 0 for none (quick runs in the tests)")
    ap.add_argument("--seed", type=int, default=0, help="seed of the data order and weights")
    args = ap.parse_args(argv)
    mx.random.seed(args.seed)
    np.random.seed(args.seed)
    return args


def batches(loader, max_batches):
    """The loader's batches, at most ``max_batches`` of them (0: all)."""
    for i, batch in enumerate(loader):
        if max_batches and i >= max_batches:
            return
        yield batch


def accuracy(net, loader, ctx):
    """Fraction of the loader's examples whose arg-max prediction is the label."""
    metric = mx.metric.Accuracy()
    for x, y in loader:
        metric.update([y.as_in_context(ctx)], [net(x.as_in_context(ctx))])
    return metric.get()[1]


def train_classifier(net, args, ctx, log=print):
    """The Gluon book's training loop: softmax cross-entropy, SGD through a ``Trainer``.

    Returns per-epoch mean training loss and test accuracy."""
    train_data, test_data = digits_loaders(args.batch_size, args.seed)
    loss_fn = mx.gluon.loss.SoftmaxCrossEntropyLoss()
    trainer = mx.gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": args.lr})
    history = {"loss": [], "test_acc": []}
    for epoch in range(args.epochs):
        total, count = 0.0, 0
        for x, y in batches(train_data, args.max_batches):
            x, y = x.as_in_context(ctx), y.as_in_context(ctx)
            with mx.autograd.record():
                loss = loss_fn(net(x), y)
            loss.backward()
            trainer.step(x.shape[0])
            total += loss.sum().asscalar()
            count += x.shape[0]
        history["loss"].append(total / count)
        history["test_acc"].append(accuracy(net, test_data, ctx))
        log(f"epoch {epoch + 1}: loss {history['loss'][-1]:.4f}, "
            f"test accuracy {history['test_acc'][-1]:.3f}")
    return history
