"""Concise softmax regression, as in the Gluon book, on the handwritten digits.

    python examples/gluon_softmax_regression.py

One ``nn.Dense(10)`` layer on the flattened 8x8 images, ``SoftmaxCrossEntropyLoss`` and SGD
through a ``Trainer``; ten epochs reach about 95 % test accuracy.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import mxgrad as mx  # noqa: E402
from mxgrad import init  # noqa: E402
from mxgrad.gluon import nn  # noqa: E402

from examples_common import parse_args, train_classifier  # noqa: E402


def main(argv=None, log=print):
    """Train; returns per-epoch training loss and test accuracy."""
    args = parse_args(__doc__.splitlines()[0], argv, epochs=10, batch_size=64, lr=0.5)
    net = nn.Sequential()
    net.add(nn.Dense(10))
    net.initialize(init.Normal(sigma=0.01))
    return train_classifier(net, args, mx.cpu(), log)


if __name__ == "__main__":
    main()
