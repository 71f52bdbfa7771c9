"""A LeNet-style convolutional network in Gluon, as in the crash course, on the digits.

    python examples/gluon_cnn.py

Two 3x3 convolutions with ReLU and max-pooling (the images are 8x8, so LeNet's 5x5 kernels
would not fit), two dense layers, Xavier initialization, hybridized; fifteen epochs reach
about 98 % test accuracy.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import mxgrad as mx  # noqa: E402
from mxgrad import init  # noqa: E402
from mxgrad.gluon import nn  # noqa: E402

from examples_common import parse_args, train_classifier  # noqa: E402


def lenet():
    """The network: conv-pool, conv-pool, dense, dense."""
    net = nn.HybridSequential()
    net.add(nn.Conv2D(channels=16, kernel_size=3, padding=1, activation="relu"),
            nn.MaxPool2D(pool_size=2, strides=2),
            nn.Conv2D(channels=32, kernel_size=3, padding=1, activation="relu"),
            nn.MaxPool2D(pool_size=2, strides=2),
            nn.Flatten(),
            nn.Dense(64, activation="relu"),
            nn.Dense(10))
    return net


def main(argv=None, log=print):
    """Train; returns per-epoch training loss and test accuracy."""
    args = parse_args(__doc__.splitlines()[0], argv, epochs=15, batch_size=64, lr=0.3)
    net = lenet()
    net.initialize(init.Xavier())
    net.hybridize()
    return train_classifier(net, args, mx.cpu(), log)


if __name__ == "__main__":
    main()
