"""``mx.gluon.rnn``: MXNet 1.9.1's recurrent layers (``RNN``, ``LSTM``, ``GRU`` on the fused
``mx.nd.RNN``) and recurrent cells (stepped one time step per call, or unrolled).

>>> layer = mx.gluon.rnn.LSTM(8, num_layers=2)
>>> layer.initialize()
>>> layer(mx.nd.ones((5, 3, 4))).shape            # (time, batch, features) in, layout 'TNC'
(5, 3, 8)
>>> cell = mx.gluon.rnn.GRUCell(8)
>>> cell.initialize()
>>> outputs, states = cell.unroll(5, mx.nd.ones((3, 5, 4)), merge_outputs=True)   # 'NTC'
>>> outputs.shape, states[0].shape
((3, 5, 8), (3, 8))
"""
from mxgrad.gluon.rnn.rnn_cell import *  # noqa: F401,F403
from mxgrad.gluon.rnn.rnn_layer import *  # noqa: F401,F403
from mxgrad.gluon.rnn import rnn_cell, rnn_layer  # noqa: F401
