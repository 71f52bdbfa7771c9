"""``mx.gluon.nn``: neural network layers (MXNet 1.9.1's names)."""
from mxgrad.gluon.block import *  # noqa: F401,F403
from mxgrad.gluon.nn.basic_layers import *  # noqa: F401,F403
from mxgrad.gluon.nn.activations import *  # noqa: F401,F403
from mxgrad.gluon.nn.conv_layers import *  # noqa: F401,F403
