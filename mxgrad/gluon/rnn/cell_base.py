"""The base of MXNet 1.9.1's recurrent cells: ``RecurrentCell`` (one step per call, ``unroll``
over a sequence) and ``HybridRecurrentCell``, with the sequence helpers the cells share.

A cell is called as ``cell(inputs, states)`` on one time step's (batch, features) inputs and
the list of its states, and returns ``(output, new_states)``. ``unroll`` runs it over a whole
sequence given as one array (layout 'NTC' or 'TNC') or as a list of steps, optionally
stopping each sequence at its ``valid_length`` (padded outputs are zero and the returned
states are those of each sequence's last valid step).
"""
import numpy as np

from mxgrad import ndarray
from mxgrad.base import MXNetError
from mxgrad.ndarray import NDArray
from mxgrad.gluon.block import Block, HybridBlock
from mxgrad.gluon.nn.activations import LeakyReLU

__all__ = ["RecurrentCell", "HybridRecurrentCell"]


class RNNStateError(MXNetError, ValueError):
    """Recurrent states of the wrong number or shape (MXNet raises ValueError here)."""


class RNNInputError(MXNetError, ValueError):
    """Inputs of the wrong type or rank for a recurrent cell or layer."""


class RNNUnrollError(MXNetError, AssertionError):
    """``unroll`` arguments that disagree (MXNet asserts them)."""


def _as_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _split_steps(x, axis):
    """The arrays of ``x`` along ``axis`` (that axis dropped), as a list."""
    return _as_list(ndarray.split(x, axis=axis, num_outputs=x.shape[axis], squeeze_axis=True))


def _cells_state_info(cells, batch_size):
    return sum([c.state_info(batch_size) for c in cells], [])


def _cells_begin_state(cells, **kwargs):
    return sum([c.begin_state(**kwargs) for c in cells], [])


def _get_begin_state(cell, begin_state, inputs, batch_size):
    """``begin_state`` or zeros on the inputs' context, in the inputs' dtype."""
    if begin_state is not None:
        return begin_state
    first = inputs if isinstance(inputs, NDArray) else inputs[0]
    # float32 states are begin_state's default: ask for another dtype only when needed, so
    # cells whose begin_state takes no dtype keep working as in MXNet
    kwargs = {} if first.dtype == np.float32 else {"dtype": first.dtype}
    with first.context:
        return cell.begin_state(func=ndarray.zeros, batch_size=batch_size, **kwargs)


def _format_sequence(length, inputs, layout, merge, in_layout=None):
    """(inputs as one array when ``merge`` is True, as a list of steps when False, as given
    when None; the time axis; the batch size)."""
    if inputs is None:
        raise RNNUnrollError("unroll(inputs=None) has been deprecated. Please create input "
                             "variables outside unroll.")
    axis = layout.find("T")
    batch_axis = layout.find("N")
    in_axis = in_layout.find("T") if in_layout is not None else axis
    if isinstance(inputs, NDArray):
        if inputs.ndim < 3:
            raise RNNInputError(f"unroll: inputs of layout {layout!r} must have at least 3 "
                                f"axes (batch, time, features), got shape {inputs.shape}")
        batch_size = inputs.shape[batch_axis]
        if merge is False:
            if length is not None and length != inputs.shape[in_axis]:
                raise RNNUnrollError(f"unroll: length is {length} but the inputs have "
                                     f"{inputs.shape[in_axis]} steps (shape {inputs.shape}, "
                                     f"layout {layout!r})")
            inputs = _split_steps(inputs, in_axis)
    else:
        if not isinstance(inputs, (list, tuple)) or not inputs or not all(
                isinstance(x, NDArray) for x in inputs):
            raise RNNInputError("unroll: inputs must be an NDArray or a non-empty list of "
                                f"NDArrays, got {type(inputs).__name__}")
        if length is not None and len(inputs) != length:
            raise RNNUnrollError(f"unroll: length is {length} but {len(inputs)} input steps "
                                 "were given")
        batch_size = inputs[0].shape[0]
        if merge is True:
            inputs = ndarray.stack(*inputs, axis=axis)
            in_axis = axis
    if isinstance(inputs, NDArray) and axis != in_axis:
        inputs = ndarray.swapaxes(inputs, dim1=axis, dim2=in_axis)
    return inputs, axis, batch_size


def _mask_sequence_variable_length(data, length, valid_length, time_axis, merge):
    """Zero the steps at and past each sequence's valid length (a list of steps or one
    array in, an array out when ``merge`` else a list)."""
    if not isinstance(data, NDArray):
        data = ndarray.stack(*data, axis=time_axis)
    outputs = ndarray.SequenceMask(data, sequence_length=valid_length,
                                   use_sequence_length=True, axis=time_axis)
    if not merge:
        outputs = _split_steps(outputs, time_axis)
    return outputs


def _reverse_sequences(sequences, unroll_step, valid_length=None):
    """The list of steps reversed (only each sequence's valid steps with ``valid_length``)."""
    if valid_length is None:
        return list(reversed(sequences))
    reversed_all = ndarray.SequenceReverse(ndarray.stack(*sequences, axis=0),
                                           sequence_length=valid_length,
                                           use_sequence_length=True)
    return _split_steps(reversed_all, 0)


def _check_states(cell, states, batch_size):
    """The states a step gets: as many as ``state_info`` lists, of its shapes."""
    infos = cell.state_info(batch_size)
    if not isinstance(states, (list, tuple)) or not all(isinstance(s, NDArray) for s in states):
        raise RNNStateError(f"{type(cell).__name__}: states must be a list of {len(infos)} "
                            f"NDArrays, got {type(states).__name__}")
    if len(states) != len(infos):
        raise RNNStateError(f"{type(cell).__name__}: expected {len(infos)} states, got "
                            f"{len(states)}")
    for state, info in zip(states, infos):
        if state.shape != info["shape"]:
            raise RNNStateError(f"Invalid recurrent state shape. Expecting {info['shape']}, "
                                f"got {state.shape}.")


class RecurrentCell(Block):
    """The base of recurrent cells: ``cell(inputs, states)`` runs one step and returns
    ``(output, new_states)``; ``begin_state`` makes the first states, ``state_info`` tells
    their shapes and ``unroll`` runs the cell over a sequence.

    >>> cell = mx.gluon.rnn.RNNCell(2, input_size=3, prefix='rnn_')
    >>> isinstance(cell, mx.gluon.rnn.RecurrentCell)
    True
    >>> cell.initialize(mx.init.One())
    >>> out, states = cell(mx.nd.ones((1, 3)), cell.begin_state(batch_size=1))
    >>> out.asnumpy().round(4), len(states)
    (array([[0.9951, 0.9951]], dtype=float32), 1)
    """

    def __init__(self, prefix=None, params=None):
        super().__init__(prefix=prefix, params=params)
        self._modified = False
        self.reset()

    def reset(self):
        """Reset the step counters (``unroll`` does it before each sequence).

        >>> cell = mx.gluon.rnn.GRUCell(2); cell.reset(); cell._counter
        -1
        """
        self._init_counter = -1
        self._counter = -1
        for cell in self._children.values():
            if isinstance(cell, RecurrentCell):     # not an activation Block (LeakyReLU)
                cell.reset()

    def state_info(self, batch_size=0):
        """A list with a dict per state: its ``shape`` and ``__layout__``.

        >>> mx.gluon.rnn.LSTMCell(3).state_info(2)
        [{'shape': (2, 3), '__layout__': 'NC'}, {'shape': (2, 3), '__layout__': 'NC'}]
        """
        raise NotImplementedError()

    def begin_state(self, batch_size=0, func=ndarray.zeros, **kwargs):
        """The first states for a batch of ``batch_size``: ``func(name=..., shape=...,
        **kwargs)`` for each state (``func`` is ``mx.nd.zeros``, ``mx.nd.ones``,
        ``mx.nd.random.uniform``, ...; ``kwargs`` go to it, e.g. ``ctx`` or ``dtype``).

        >>> states = mx.gluon.rnn.LSTMCell(3).begin_state(2, func=mx.nd.ones)
        >>> [s.shape for s in states], states[0].asnumpy()[0]
        ([(2, 3), (2, 3)], array([1., 1., 1.], dtype=float32))
        """
        if self._modified:
            raise AssertionError("After applying modifier cells (e.g. ZoneoutCell) the base "
                                 "cell cannot be called directly. Call the modifier cell "
                                 "instead.")
        states = []
        for info in self.state_info(batch_size):
            self._init_counter += 1
            info = dict(info) if info is not None else {}
            info.update(kwargs)
            info.pop("__layout__", None)        # a description, not an argument of func
            states.append(func(name=f"{self._prefix}begin_state_{self._init_counter}", **info))
        return states

    def unroll(self, length, inputs, begin_state=None, layout="NTC", merge_outputs=None,
               valid_length=None):
        """Run the cell over ``length`` steps of ``inputs`` (one array in ``layout``, or a
        list of (batch, ...) steps) from ``begin_state`` (zeros when None). Returns
        ``(outputs, states)``: outputs as one array in ``layout`` when ``merge_outputs``, a
        list of steps when False, as the inputs came when None. With ``valid_length`` (batch,)
        outputs past each sequence's length are zero and the states are those of its last
        valid step.

        >>> cell = mx.gluon.rnn.GRUCell(2, input_size=3); cell.initialize()
        >>> outs, states = cell.unroll(4, mx.nd.ones((5, 4, 3)), merge_outputs=True)
        >>> outs.shape, [s.shape for s in states]
        ((5, 4, 2), [(5, 2)])
        >>> outs, _ = cell.unroll(4, mx.nd.ones((5, 4, 3)), merge_outputs=False)
        >>> len(outs), outs[0].shape
        (4, (5, 2))
        """
        self.reset()
        inputs, axis, batch_size = _format_sequence(length, inputs, layout, False)
        states = _get_begin_state(self, begin_state, inputs, batch_size)
        outputs, all_states = [], []
        for i in range(length):
            output, states = self(inputs[i], states)
            outputs.append(output)
            if valid_length is not None:
                all_states.append(states)
        if valid_length is not None:
            states = [ndarray.SequenceLast(ndarray.stack(*steps, axis=0),
                                           sequence_length=valid_length,
                                           use_sequence_length=True, axis=0)
                      for steps in zip(*all_states)]
            outputs = _mask_sequence_variable_length(outputs, length, valid_length, axis, True)
        outputs, _, _ = _format_sequence(length, outputs, layout, merge_outputs)
        return outputs, states

    def _get_activation(self, F, inputs, activation, **kwargs):
        """``activation`` applied: a name ('tanh', 'relu', 'sigmoid', 'softsign' or any
        ``Activation`` act_type), a ``gluon.nn.LeakyReLU`` or a callable."""
        func = {"tanh": F.tanh, "relu": F.relu, "sigmoid": F.sigmoid,
                "softsign": F.softsign}.get(activation) if isinstance(activation, str) else None
        if func is not None:
            return func(inputs)
        if isinstance(activation, str):
            return F.Activation(inputs, act_type=activation)
        if isinstance(activation, LeakyReLU):
            return F.LeakyReLU(inputs, act_type="leaky", slope=activation._alpha)
        return activation(inputs)

    def forward(self, inputs, states):
        """One step: ``(output, new_states)`` from the step's inputs and the states."""
        self._counter += 1
        return super().forward(inputs, states)


class HybridRecurrentCell(RecurrentCell, HybridBlock):
    """A recurrent cell written as ``hybrid_forward(F, inputs, states, **params)``.

    >>> class Doubler(mx.gluon.rnn.HybridRecurrentCell):
    ...     def state_info(self, batch_size=0):
    ...         return [{'shape': (batch_size, 2), '__layout__': 'NC'}]
    ...     def hybrid_forward(self, F, x, states):
    ...         out = x * 2 + states[0]
    ...         return out, [out]
    >>> outs, states = Doubler().unroll(3, mx.nd.ones((1, 3, 2)), merge_outputs=True)
    >>> outs.asnumpy().tolist(), states[0].asnumpy().tolist()
    ([[[2.0, 2.0], [4.0, 4.0], [6.0, 6.0]]], [[6.0, 6.0]])
    """

    def __init__(self, prefix=None, params=None):
        super().__init__(prefix=prefix, params=params)

    def hybrid_forward(self, F, x, *args, **kwargs):
        """One step with ``F = mx.nd``; subclasses override it."""
        raise NotImplementedError
