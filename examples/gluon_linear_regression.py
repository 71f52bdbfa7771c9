"""Concise linear regression, as in the Gluon book: ``nn.Dense(1)``, ``L2Loss``, a Trainer.

    python examples/gluon_linear_regression.py

Fits y = 2 x1 - 3.4 x2 + 4.2 + noise on 1,000 synthetic examples; after three epochs the
loss is about 5e-5 and the weights are within a few thousandths of the true ones.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import mxgrad as mx  # noqa: E402
from mxgrad import autograd, gluon, init, nd  # noqa: E402
from mxgrad.gluon import nn  # noqa: E402

from examples_common import batches, parse_args  # noqa: E402


def main(argv=None, log=print):
    """Train; returns the per-epoch losses and the learned weight and bias (NumPy)."""
    args = parse_args(__doc__.splitlines()[0], argv, epochs=3, batch_size=10, lr=0.03)
    true_w, true_b = nd.array([2, -3.4]), 4.2
    features = nd.random.normal(scale=1, shape=(1000, 2))
    labels = nd.dot(features, true_w) + true_b
    labels += nd.random.normal(scale=0.01, shape=labels.shape)
    dataset = gluon.data.ArrayDataset(features, labels)
    data_iter = gluon.data.DataLoader(dataset, args.batch_size, shuffle=True)

    net = nn.Sequential()
    net.add(nn.Dense(1))
    net.initialize(init.Normal(sigma=0.01))
    loss = gluon.loss.L2Loss()
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": args.lr})

    history = []
    for epoch in range(1, args.epochs + 1):
        for X, y in batches(data_iter, args.max_batches):
            with autograd.record():
                l = loss(net(X), y)
            l.backward()
            trainer.step(args.batch_size)
        history.append(loss(net(features), labels).mean().asscalar())
        log(f"epoch {epoch}, loss: {history[-1]:f}")
    dense = net[0]
    w, b = dense.weight.data().asnumpy(), dense.bias.data().asnumpy()
    log(f"true w {true_w.asnumpy()}, learned {w.ravel()}; true b {true_b}, learned {b[0]:.4f}")
    return {"loss": history, "weight": w, "bias": b}


if __name__ == "__main__":
    main()
