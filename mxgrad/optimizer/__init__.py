"""Optimizers, as MXNet 1.9.1's ``mx.optimizer``: ``mx.optimizer.create('sgd', ...)``,
the optimizer classes, ``Updater``/``get_updater`` for KVStore and Gluon's Trainer.

>>> import mxgrad as mx
>>> opt = mx.optimizer.create('sgd', learning_rate=0.1, momentum=0.9)
>>> updater = mx.optimizer.get_updater(opt)
>>> w = mx.nd.array([1.0, 2.0])
>>> updater(0, mx.nd.array([1.0, -1.0]), w)
>>> w
<BLANKLINE>
[0.9 2.1]
<NDArray 2 @cpu(0)>
"""
from mxgrad.ndarray import abs as NDabs  # noqa: F401 (MXNet's module exports it)
from mxgrad.optimizer import optimizer, contrib  # noqa: F401
from mxgrad.optimizer.optimizer import (Optimizer, Updater, create, get_updater,  # noqa: F401
                                        register)
from mxgrad.optimizer.sgd import SGD, ccSGD, NAG, Signum, LARS, DCASGD, SGLD  # noqa: F401
from mxgrad.optimizer.adaptive import (Adam, AdaGrad, RMSProp, AdaDelta, Adamax,  # noqa: F401
                                       Nadam, Ftrl, FTML, LAMB, Test)
from mxgrad.optimizer.lbsgd import LBSGD  # noqa: F401

__all__ = ["AdaDelta", "AdaGrad", "Adam", "Adamax", "DCASGD", "FTML", "Ftrl", "LARS", "LBSGD",
           "NAG", "NDabs", "Nadam", "Optimizer", "RMSProp", "SGD", "SGLD", "Signum", "LAMB", "Test",
           "Updater", "ccSGD", "create", "get_updater", "register", "contrib"]
