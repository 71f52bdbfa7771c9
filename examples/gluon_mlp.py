"""Concise multilayer perceptron, as in the Gluon book, on the handwritten digits.

    python examples/gluon_mlp.py

``nn.Dense(256, activation='relu')`` then ``nn.Dense(10)``, softmax cross-entropy and SGD
through a ``Trainer``; twenty epochs reach about 97 % test accuracy.
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
    args = parse_args(__doc__.splitlines()[0], argv, epochs=20, batch_size=64, lr=0.5)
    net = nn.Sequential()
    net.add(nn.Dense(256, activation="relu"),
            nn.Dense(10))
    net.initialize(init.Normal(sigma=0.01))
    return train_classifier(net, args, mx.cpu(), log)


if __name__ == "__main__":
    main()
