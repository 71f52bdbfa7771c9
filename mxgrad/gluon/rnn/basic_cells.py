"""MXNet 1.9.1's three recurrent cells with weights: ``RNNCell`` (Elman), ``LSTMCell`` and
``GRUCell``, each one step of ``FullyConnected`` projections and gate arithmetic.

Each owns ``i2h_weight`` (gates * hidden, input), ``h2h_weight`` (gates * hidden, hidden),
``i2h_bias`` and ``h2h_bias``; ``input_size=0`` leaves the input width to the first call.
"""
import numpy as np

from mxgrad.gluon.rnn.cell_base import HybridRecurrentCell, RNNInputError, _check_states
from mxgrad.ndarray import NDArray

__all__ = ["RNNCell", "LSTMCell", "GRUCell"]


class _WeightedCell(HybridRecurrentCell):
    """What the three cells share: their four Parameters, shape inference and checks."""

    _gates = 1
    _num_states = 1

    def __init__(self, hidden_size, i2h_weight_initializer, h2h_weight_initializer,
                 i2h_bias_initializer, h2h_bias_initializer, input_size, prefix, params):
        super().__init__(prefix=prefix, params=params)
        self._hidden_size = hidden_size
        self._input_size = input_size
        rows = self._gates * hidden_size
        self.i2h_weight = self.params.get("i2h_weight", shape=(rows, input_size),
                                          init=i2h_weight_initializer,
                                          allow_deferred_init=True)
        self.h2h_weight = self.params.get("h2h_weight", shape=(rows, hidden_size),
                                          init=h2h_weight_initializer,
                                          allow_deferred_init=True)
        self.i2h_bias = self.params.get("i2h_bias", shape=(rows,), init=i2h_bias_initializer,
                                        allow_deferred_init=True)
        self.h2h_bias = self.params.get("h2h_bias", shape=(rows,), init=h2h_bias_initializer,
                                        allow_deferred_init=True)

    def state_info(self, batch_size=0):
        return [{"shape": (batch_size, self._hidden_size), "__layout__": "NC"}
                for _ in range(self._num_states)]

    def infer_shape(self, inputs, *args):
        """The input width of ``i2h_weight``, from the first inputs (all axes but the batch)."""
        self.i2h_weight.shape = (self._gates * self._hidden_size,
                                 int(np.prod(inputs.shape[1:])))

    def forward(self, inputs, states):
        if not isinstance(inputs, NDArray) or inputs.ndim < 2:
            raise RNNInputError(f"{type(self).__name__}: a step's inputs must be an NDArray "
                                "of shape (batch_size, input_size), got "
                                f"{getattr(inputs, 'shape', type(inputs).__name__)}")
        _check_states(self, states, inputs.shape[0])
        return super().forward(inputs, states)

    def _mapping(self):
        shape = self.i2h_weight.shape
        return f"{shape[1] if shape[1] else None} -> {shape[0]}"

    def _projections(self, F, inputs, h, i2h_weight, h2h_weight, i2h_bias, h2h_bias):
        rows = self._gates * self._hidden_size
        i2h = F.FullyConnected(data=inputs, weight=i2h_weight, bias=i2h_bias, num_hidden=rows)
        h2h = F.FullyConnected(data=h, weight=h2h_weight, bias=h2h_bias, num_hidden=rows)
        return i2h, h2h


class RNNCell(_WeightedCell):
    r"""Elman RNN cell: ``h' = activation(W_ih x + b_ih + W_hh h + b_hh)``; the output is
    ``h'``. ``activation`` is 'tanh' (default), 'relu', 'sigmoid', 'softsign', another
    ``Activation`` act_type, a ``gluon.nn.LeakyReLU`` or a callable.

    >>> cell = mx.gluon.rnn.RNNCell(3, activation='relu', prefix='rnn_')
    >>> cell
    RNNCell(None -> 3, relu)
    >>> cell.initialize(mx.init.One())
    >>> out, [h] = cell(mx.nd.ones((2, 4)), cell.begin_state(batch_size=2))
    >>> out.asnumpy()
    array([[4., 4., 4.],
           [4., 4., 4.]], dtype=float32)
    >>> cell, sorted(cell.collect_params().keys())
    (RNNCell(4 -> 3, relu), ['rnn_h2h_bias', 'rnn_h2h_weight', 'rnn_i2h_bias', 'rnn_i2h_weight'])
    """

    def __init__(self, hidden_size, activation="tanh", i2h_weight_initializer=None,
                 h2h_weight_initializer=None, i2h_bias_initializer="zeros",
                 h2h_bias_initializer="zeros", input_size=0, prefix=None, params=None):
        super().__init__(hidden_size, i2h_weight_initializer, h2h_weight_initializer,
                         i2h_bias_initializer, h2h_bias_initializer, input_size, prefix,
                         params)
        self._activation = activation

    def _alias(self):
        return "rnn"

    def __repr__(self):
        return f"{type(self).__name__}({self._mapping()}, {self._activation})"

    def hybrid_forward(self, F, inputs, states, i2h_weight, h2h_weight, i2h_bias, h2h_bias):
        i2h, h2h = self._projections(F, inputs, states[0], i2h_weight, h2h_weight, i2h_bias,
                                     h2h_bias)
        output = self._get_activation(F, F.elemwise_add(i2h, h2h), self._activation)
        return output, [output]


class LSTMCell(_WeightedCell):
    r"""Long short-term memory cell. The gates (in the order i, f, g, o of the weights'
    rows) are ``W_i x + b_i + W_h h + b_h``; ``c' = sig(f) * c + sig(i) * act(g)``,
    ``h' = sig(o) * act(c')``, where sig is ``recurrent_activation`` ('sigmoid') and act
    ``activation`` ('tanh'). The states are ``[h, c]``, the output ``h'``.

    >>> cell = mx.gluon.rnn.LSTMCell(2, input_size=3)
    >>> cell
    LSTMCell(3 -> 8)
    >>> cell.initialize(mx.init.Constant(0.1))
    >>> out, [h, c] = cell(mx.nd.ones((1, 3)), cell.begin_state(batch_size=1))
    >>> out.asnumpy().round(4), c.asnumpy().round(4)
    (array([[0.0952, 0.0952]], dtype=float32), array([[0.1673, 0.1673]], dtype=float32))
    """

    _gates = 4
    _num_states = 2

    def __init__(self, hidden_size, i2h_weight_initializer=None, h2h_weight_initializer=None,
                 i2h_bias_initializer="zeros", h2h_bias_initializer="zeros", input_size=0,
                 prefix=None, params=None, activation="tanh", recurrent_activation="sigmoid"):
        super().__init__(hidden_size, i2h_weight_initializer, h2h_weight_initializer,
                         i2h_bias_initializer, h2h_bias_initializer, input_size, prefix,
                         params)
        self._activation = activation
        self._recurrent_activation = recurrent_activation

    def _alias(self):
        return "lstm"

    def __repr__(self):
        return f"{type(self).__name__}({self._mapping()})"

    def hybrid_forward(self, F, inputs, states, i2h_weight, h2h_weight, i2h_bias, h2h_bias):
        i2h, h2h = self._projections(F, inputs, states[0], i2h_weight, h2h_weight, i2h_bias,
                                     h2h_bias)
        gates = F.SliceChannel(F.elemwise_add(i2h, h2h), num_outputs=4)
        act, rec = self._activation, self._recurrent_activation
        in_gate = self._get_activation(F, gates[0], rec)
        forget_gate = self._get_activation(F, gates[1], rec)
        in_transform = self._get_activation(F, gates[2], act)
        out_gate = self._get_activation(F, gates[3], rec)
        next_c = F.elemwise_add(F.elemwise_mul(forget_gate, states[1]),
                                F.elemwise_mul(in_gate, in_transform))
        next_h = F.elemwise_mul(out_gate, self._get_activation(F, next_c, act))
        return next_h, [next_h, next_c]


class GRUCell(_WeightedCell):
    r"""Gated recurrent unit cell as cuDNN computes it (the reset gate applied after the
    recurrent projection): with the weights' rows in the order r, z, n,
    ``r = sigmoid(W_ir x + b_ir + W_hr h + b_hr)``, ``z`` likewise,
    ``n = tanh(W_in x + b_in + r * (W_hn h + b_hn))`` and ``h' = (1 - z) * n + z * h``.

    >>> cell = mx.gluon.rnn.GRUCell(2, input_size=3)
    >>> cell
    GRUCell(3 -> 6)
    >>> cell.initialize(mx.init.Constant(0.1))
    >>> out, [h] = cell(mx.nd.ones((1, 3)), [mx.nd.ones((1, 2))])
    >>> out.asnumpy().round(4)
    array([[0.7737, 0.7737]], dtype=float32)
    """

    _gates = 3

    def __init__(self, hidden_size, i2h_weight_initializer=None, h2h_weight_initializer=None,
                 i2h_bias_initializer="zeros", h2h_bias_initializer="zeros", input_size=0,
                 prefix=None, params=None):
        super().__init__(hidden_size, i2h_weight_initializer, h2h_weight_initializer,
                         i2h_bias_initializer, h2h_bias_initializer, input_size, prefix,
                         params)

    def _alias(self):
        return "gru"

    def __repr__(self):
        return f"{type(self).__name__}({self._mapping()})"

    def hybrid_forward(self, F, inputs, states, i2h_weight, h2h_weight, i2h_bias, h2h_bias):
        prev_h = states[0]
        i2h, h2h = self._projections(F, inputs, prev_h, i2h_weight, h2h_weight, i2h_bias,
                                     h2h_bias)
        i2h_r, i2h_z, i2h_n = F.SliceChannel(i2h, num_outputs=3)
        h2h_r, h2h_z, h2h_n = F.SliceChannel(h2h, num_outputs=3)
        reset_gate = F.Activation(F.elemwise_add(i2h_r, h2h_r), act_type="sigmoid")
        update_gate = F.Activation(F.elemwise_add(i2h_z, h2h_z), act_type="sigmoid")
        candidate = F.Activation(F.elemwise_add(i2h_n, F.elemwise_mul(reset_gate, h2h_n)),
                                 act_type="tanh")
        keep_new = F.elemwise_sub(F.ones_like(update_gate), update_gate)
        next_h = F.elemwise_add(F.elemwise_mul(keep_new, candidate),
                                F.elemwise_mul(update_gate, prev_h))
        return next_h, [next_h]
