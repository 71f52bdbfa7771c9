"""``mx.gluon.rnn.rnn_cell``: MXNet 1.9.1's module of recurrent cells (defined in
cell_base.py, basic_cells.py and cell_wrappers.py, gathered here under MXNet's module name).

>>> mx.gluon.rnn.rnn_cell.LSTMCell is mx.gluon.rnn.LSTMCell
True
"""
from mxgrad.gluon.rnn.cell_base import RecurrentCell, HybridRecurrentCell
from mxgrad.gluon.rnn.basic_cells import RNNCell, LSTMCell, GRUCell
from mxgrad.gluon.rnn.cell_wrappers import (SequentialRNNCell, HybridSequentialRNNCell,
                                            DropoutCell, ModifierCell, ZoneoutCell,
                                            ResidualCell, BidirectionalCell)

__all__ = ["RecurrentCell", "HybridRecurrentCell", "RNNCell", "LSTMCell", "GRUCell",
           "SequentialRNNCell", "HybridSequentialRNNCell", "DropoutCell", "ModifierCell",
           "ZoneoutCell", "ResidualCell", "BidirectionalCell"]
