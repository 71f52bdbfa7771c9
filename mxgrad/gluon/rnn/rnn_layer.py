"""MXNet 1.9.1's fused recurrent layers ``RNN``, ``LSTM`` and ``GRU`` on ``mx.nd.RNN``.

Each layer and direction owns ``{l|r}{layer}_i2h_weight``, ``_h2h_weight``, ``_i2h_bias``,
``_h2h_bias`` (and ``_h2r_weight`` for an LSTM with a projection); forward concatenates them
into ``mx.nd.RNN``'s flat parameter vector. ``save_parameters`` writes them under MXNet's
names for the unfused cell stack (``_unfused.0.l_cell.i2h_weight``, or ``_unfused.0.i2h_weight``
one way only), so ``.params`` files move between MXNet and mxgrad both ways.
"""
import re

from mxgrad import ndarray
from mxgrad.ndarray import NDArray
from mxgrad.gluon.block import HybridBlock
from mxgrad.gluon.rnn.cell_base import RNNInputError, RNNStateError

__all__ = ["RNN", "LSTM", "GRU"]

_PARAM_NAME = re.compile(r"(l|r)(\d+)_(i2h|h2h|h2r)_(weight|bias)\Z")


class _RNNLayer(HybridBlock):
    """What RNN, LSTM and GRU share: their Parameters, states and the call of mx.nd.RNN."""

    def __init__(self, hidden_size, num_layers, layout, dropout, bidirectional, input_size,
                 i2h_weight_initializer, h2h_weight_initializer, i2h_bias_initializer,
                 h2h_bias_initializer, mode, projection_size, h2r_weight_initializer,
                 lstm_state_clip_min, lstm_state_clip_max, lstm_state_clip_nan, dtype,
                 use_sequence_length=False, **kwargs):
        super().__init__(**kwargs)
        if layout not in ("TNC", "NTC"):
            raise AssertionError(f"Invalid layout {layout}; must be one of ['TNC' or 'NTC']")
        self._hidden_size = hidden_size
        self._projection_size = projection_size if projection_size else None
        self._num_layers = num_layers
        self._mode = mode
        self._layout = layout
        self._dropout = dropout
        self._dir = 2 if bidirectional else 1
        self._input_size = input_size
        self._i2h_weight_initializer = i2h_weight_initializer
        self._h2h_weight_initializer = h2h_weight_initializer
        self._i2h_bias_initializer = i2h_bias_initializer
        self._h2h_bias_initializer = h2h_bias_initializer
        self._h2r_weight_initializer = h2r_weight_initializer
        self._lstm_state_clip_min = lstm_state_clip_min
        self._lstm_state_clip_max = lstm_state_clip_max
        self._lstm_state_clip_nan = lstm_state_clip_nan
        self._dtype = dtype
        self._use_sequence_length = use_sequence_length
        self.skip_states = None
        self._gates = {"rnn_relu": 1, "rnn_tanh": 1, "lstm": 4, "gru": 3}[mode]

        ng, ni, nh = self._gates, input_size, hidden_size
        nr = self._projection_size or nh         # the width of the recurrent state h
        for i in range(num_layers):
            for j in ["l", "r"][:self._dir]:
                self._register_param(f"{j}{i}_i2h_weight", (ng * nh, ni),
                                     i2h_weight_initializer, dtype)
                self._register_param(f"{j}{i}_h2h_weight", (ng * nh, nr),
                                     h2h_weight_initializer, dtype)
                self._register_param(f"{j}{i}_i2h_bias", (ng * nh,), i2h_bias_initializer,
                                     dtype)
                self._register_param(f"{j}{i}_h2h_bias", (ng * nh,), h2h_bias_initializer,
                                     dtype)
                if self._projection_size:
                    self._register_param(f"{j}{i}_h2r_weight", (nr, nh),
                                         h2r_weight_initializer, dtype)
            ni = nr * self._dir

    def _register_param(self, name, shape, init, dtype):
        p = self.params.get(name, shape=shape, init=init, allow_deferred_init=True,
                            dtype=dtype)
        setattr(self, name, p)
        return p

    def __repr__(self):
        s = f"{type(self).__name__}({{mapping}}, {self._layout}"
        if self._num_layers != 1:
            s += f", num_layers={self._num_layers}"
        if self._dropout != 0:
            s += f", dropout={self._dropout}"
        if self._dir == 2:
            s += ", bidirectional"
        shape = self.l0_i2h_weight.shape
        mapping = f"{shape[1] if shape[1] else None} -> {shape[0] // self._gates}"
        return s.format(mapping=mapping) + ")"

    def _collect_params_with_prefix(self, prefix=""):
        # the names MXNet saves: those of the equivalent stack of cells
        if prefix:
            prefix += "."

        def convert_key(m):
            d, layer, g, t = m.groups()
            if self._dir == 2:
                return f"_unfused.{layer}.{d}_cell.{g}_{t}"
            return f"_unfused.{layer}.{g}_{t}"

        ret = {prefix + convert_key(_PARAM_NAME.match(key)): val
               for key, val in self._reg_params.items()}
        for name, child in self._children.items():
            ret.update(child._collect_params_with_prefix(prefix + name))
        return ret

    def state_info(self, batch_size=0):
        raise NotImplementedError

    def _state(self, batch_size, width):
        return {"shape": (self._num_layers * self._dir, batch_size, width),
                "__layout__": "LNC", "dtype": self._dtype}

    def cast(self, dtype):
        super().cast(dtype)
        self._dtype = dtype

    def begin_state(self, batch_size=0, func=ndarray.zeros, **kwargs):
        """The initial states for a batch of ``batch_size``: ``func(name=..., shape=...,
        dtype=..., **kwargs)`` for each (``func`` is ``mx.nd.zeros``, ``mx.nd.ones``, ...).

        >>> [s.shape for s in mx.gluon.rnn.LSTM(3, num_layers=2).begin_state(5)]
        [(2, 5, 3), (2, 5, 3)]
        """
        states = []
        for i, info in enumerate(self.state_info(batch_size)):
            info = dict(info) if info is not None else {}
            info.update(kwargs)
            info.pop("__layout__", None)        # a description, not an argument of func
            states.append(func(name=f"{self.prefix}h0_{i}", **info))
        return states

    def infer_shape(self, inputs, *args):
        """The input width of the first layer's ``i2h_weight``, from the inputs."""
        for j in ["l", "r"][:self._dir]:
            getattr(self, f"{j}0_i2h_weight").shape = (self._gates * self._hidden_size,
                                                       inputs.shape[2])

    def _check_call(self, inputs, states):
        if not isinstance(inputs, NDArray) or inputs.ndim != 3:
            dims = {"T": "sequence length", "N": "batch size", "C": "input size"}
            raise RNNInputError(
                f"{type(self).__name__}: input data should be a rank-3 tensor of dim "
                f"[{', '.join(dims[a] for a in self._layout)}] (layout {self._layout}), got "
                f"{getattr(inputs, 'shape', type(inputs).__name__)}")
        infos = self.state_info(inputs.shape[self._layout.find("N")])
        if not all(isinstance(s, NDArray) for s in states) or len(states) != len(infos):
            raise RNNStateError(f"{type(self).__name__} expects {len(infos)} state "
                                f"array{'s' if len(infos) > 1 else ''}, got "
                                f"{len(states)} ({', '.join(type(s).__name__ for s in states)})")
        for state, info in zip(states, infos):
            if state.shape != info["shape"]:
                raise RNNStateError(f"Invalid recurrent state shape. Expecting "
                                    f"{info['shape']}, got {state.shape}.")

    def __call__(self, inputs, states=None, sequence_length=None):
        self.skip_states = states is None
        if states is None:
            if isinstance(inputs, NDArray) and inputs.ndim == 3:
                batch_size = inputs.shape[self._layout.find("N")]
                states = self.begin_state(batch_size, ctx=inputs.context, dtype=inputs.dtype)
            else:
                states = []
        if isinstance(states, NDArray):
            states = [states]
        self._check_call(inputs, list(states))
        if self._use_sequence_length:
            return super().__call__(inputs, list(states), sequence_length)
        return super().__call__(inputs, list(states))

    def hybrid_forward(self, F, inputs, states, sequence_length=None, **kwargs):
        out = self._forward_kernel(F, inputs, states, sequence_length, **kwargs)
        return out[0] if self.skip_states else out

    def _forward_kernel(self, F, inputs, states, sequence_length, **kwargs):
        if self._layout == "NTC":
            inputs = F.swapaxes(inputs, 0, 1)
        kinds = ["i2h", "h2h"] + (["h2r"] if self._projection_size else [])
        params = [kwargs[f"{d}{layer}_{g}_{t}"].reshape((-1,))
                  for t in ["weight", "bias"]
                  for layer in range(self._num_layers)
                  for d in ["l", "r"][:self._dir]
                  for g in kinds
                  if g != "h2r" or t != "bias"]
        params = F.concat(*params, dim=0)
        rnn_args = states + [sequence_length] if self._use_sequence_length else states
        rnn = F.RNN(inputs, params, *rnn_args, use_sequence_length=self._use_sequence_length,
                    state_size=self._hidden_size, projection_size=self._projection_size,
                    num_layers=self._num_layers, bidirectional=self._dir == 2,
                    p=self._dropout, state_outputs=True, mode=self._mode,
                    lstm_state_clip_min=self._lstm_state_clip_min,
                    lstm_state_clip_max=self._lstm_state_clip_max,
                    lstm_state_clip_nan=self._lstm_state_clip_nan)
        outputs, states = rnn[0], list(rnn[1:])
        if self._layout == "NTC":
            outputs = F.swapaxes(outputs, 0, 1)
        return outputs, states


class RNN(_RNNLayer):
    r"""A stack of ``num_layers`` Elman RNN layers, ``h_t = activation(W_ih x_t + b_ih +
    W_hh h_{t-1} + b_hh)`` with ``activation`` 'relu' (default) or 'tanh'.

    ``layer(inputs, states=None, sequence_length=None)``: inputs (T, N, C) for layout 'TNC'
    ((N, T, C) for 'NTC'); states a list of one (num_layers * directions, N, hidden_size)
    array. Returns the outputs (T, N, directions * hidden_size), or with ``states`` given
    ``(outputs, new_states)``. ``dropout`` applies between layers in training;
    ``input_size=0`` is inferred from the first input.

    >>> layer = mx.gluon.rnn.RNN(3, num_layers=2, activation='tanh')
    >>> layer
    RNN(None -> 3, TNC, num_layers=2)
    >>> layer.initialize()
    >>> layer(mx.nd.ones((5, 4, 2))).shape
    (5, 4, 3)
    >>> out, [h] = layer(mx.nd.ones((5, 4, 2)), layer.begin_state(4))
    >>> h.shape, layer
    ((2, 4, 3), RNN(2 -> 3, TNC, num_layers=2))
    """

    def __init__(self, hidden_size, num_layers=1, activation="relu", layout="TNC", dropout=0,
                 bidirectional=False, i2h_weight_initializer=None, h2h_weight_initializer=None,
                 i2h_bias_initializer="zeros", h2h_bias_initializer="zeros", input_size=0,
                 dtype="float32", **kwargs):
        super().__init__(hidden_size, num_layers, layout, dropout, bidirectional, input_size,
                         i2h_weight_initializer, h2h_weight_initializer, i2h_bias_initializer,
                         h2h_bias_initializer, "rnn_" + activation, None, None, None, None,
                         False, dtype, **kwargs)

    def state_info(self, batch_size=0):
        """The shape (num_layers * directions, batch_size, hidden_size), layout and dtype of
        the state.

        >>> mx.gluon.rnn.RNN(3, bidirectional=True).state_info(2)
        [{'shape': (2, 2, 3), '__layout__': 'LNC', 'dtype': 'float32'}]
        """
        return [self._state(batch_size, self._hidden_size)]


class LSTM(_RNNLayer):
    r"""A stack of ``num_layers`` LSTM layers (gates i, f, g, o as in ``LSTMCell``), run by
    ``mx.nd.RNN``. ``projection_size`` projects h to that width (LSTMP), with its
    ``h2r_weight``; ``state_clip_min``/``state_clip_max`` clip the cell state (and
    ``state_clip_nan`` turns NaN into the bound).

    ``layer(inputs, states=None, sequence_length=None)``: the states are ``[h, c]``, each
    (num_layers * directions, N, hidden_size) (h of width ``projection_size`` with a
    projection). Returns the outputs, or with ``states`` given ``(outputs, [h, c])``.
    ``use_sequence_length=True`` makes the layer take ``sequence_length`` (N,): outputs past
    each sequence's length are zero and the states those of its last step.

    >>> layer = mx.gluon.rnn.LSTM(4, bidirectional=True, layout='NTC', input_size=3,
    ...                           prefix='lstm_')
    >>> layer
    LSTM(3 -> 4, NTC, bidirectional)
    >>> layer.initialize()
    >>> out, [h, c] = layer(mx.nd.ones((2, 5, 3)), layer.begin_state(2))
    >>> out.shape, h.shape, c.shape
    ((2, 5, 8), (2, 2, 4), (2, 2, 4))
    >>> sorted(layer.collect_params().keys())[:2]
    ['lstm_l0_h2h_bias', 'lstm_l0_h2h_weight']
    """

    def __init__(self, hidden_size, num_layers=1, layout="TNC", dropout=0, bidirectional=False,
                 input_size=0, i2h_weight_initializer=None, h2h_weight_initializer=None,
                 i2h_bias_initializer="zeros", h2h_bias_initializer="zeros",
                 projection_size=None, h2r_weight_initializer=None, state_clip_min=None,
                 state_clip_max=None, state_clip_nan=False, dtype="float32", **kwargs):
        super().__init__(hidden_size, num_layers, layout, dropout, bidirectional, input_size,
                         i2h_weight_initializer, h2h_weight_initializer, i2h_bias_initializer,
                         h2h_bias_initializer, "lstm", projection_size, h2r_weight_initializer,
                         state_clip_min, state_clip_max, state_clip_nan, dtype, **kwargs)

    def state_info(self, batch_size=0):
        """The shapes, layouts and dtypes of h and c.

        >>> [i['shape'] for i in mx.gluon.rnn.LSTM(4, projection_size=2).state_info(3)]
        [(1, 3, 2), (1, 3, 4)]
        """
        return [self._state(batch_size, self._projection_size or self._hidden_size),
                self._state(batch_size, self._hidden_size)]


class GRU(_RNNLayer):
    r"""A stack of ``num_layers`` GRU layers (cuDNN's form, as ``GRUCell``), run by
    ``mx.nd.RNN``. Called as RNN, with one state h.

    >>> layer = mx.gluon.rnn.GRU(3, num_layers=2, input_size=2, prefix='gru_')
    >>> layer
    GRU(2 -> 3, TNC, num_layers=2)
    >>> layer.initialize()
    >>> out, [h] = layer(mx.nd.ones((5, 4, 2)), mx.nd.zeros((2, 4, 3)))
    >>> out.shape, h.shape
    ((5, 4, 3), (2, 4, 3))
    """

    def __init__(self, hidden_size, num_layers=1, layout="TNC", dropout=0, bidirectional=False,
                 input_size=0, i2h_weight_initializer=None, h2h_weight_initializer=None,
                 i2h_bias_initializer="zeros", h2h_bias_initializer="zeros", dtype="float32",
                 **kwargs):
        super().__init__(hidden_size, num_layers, layout, dropout, bidirectional, input_size,
                         i2h_weight_initializer, h2h_weight_initializer, i2h_bias_initializer,
                         h2h_bias_initializer, "gru", None, None, None, None, False, dtype,
                         **kwargs)

    def state_info(self, batch_size=0):
        """The shape (num_layers * directions, batch_size, hidden_size), layout and dtype of
        the state.

        >>> mx.gluon.rnn.GRU(3, num_layers=2).state_info(1)
        [{'shape': (2, 1, 3), '__layout__': 'LNC', 'dtype': 'float32'}]
        """
        return [self._state(batch_size, self._hidden_size)]
