"""``mx.gluon``: MXNet 1.9.1's imperative neural network interface on mxgrad's NDArray.

Parameters, Blocks and layers sit on the public ``mx.nd``/``mx.autograd`` API only.
HybridBlocks run imperatively (``F`` is ``mx.nd``); ``hybridize()`` changes nothing.

>>> import mxgrad as mx
>>> net = mx.gluon.nn.HybridSequential(prefix='net_')
>>> with net.name_scope():
...     net.add(mx.gluon.nn.Dense(4, activation='relu'), mx.gluon.nn.Dense(1))
>>> net.initialize()
>>> net(mx.nd.ones((2, 3))).shape
(2, 1)
"""
from mxgrad.gluon.parameter import *  # noqa: F401,F403
from mxgrad.gluon.block import *  # noqa: F401,F403
from mxgrad.gluon import nn  # noqa: F401
# further subpackages (data, utils, ...) are imported below this line
from mxgrad.gluon import data  # noqa: F401,E402
from mxgrad.gluon import utils  # noqa: F401,E402
from mxgrad.gluon import loss  # noqa: F401,E402
from mxgrad.gluon import rnn  # noqa: F401,E402
from mxgrad.gluon.trainer import Trainer  # noqa: F401,E402
