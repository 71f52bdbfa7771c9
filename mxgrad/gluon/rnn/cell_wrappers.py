"""MXNet 1.9.1's cells made of other cells: the stacks (``SequentialRNNCell``,
``HybridSequentialRNNCell``), ``DropoutCell``, the modifiers (``ZoneoutCell``,
``ResidualCell``, on ``ModifierCell``) and ``BidirectionalCell``.

A modifier takes over its base cell: the base is marked modified and may no longer be called
or asked for begin states directly, and the modifier shares the base's Parameters.
"""
import numbers

import numpy as np

from mxgrad import ndarray
from mxgrad.ndarray import NDArray
from mxgrad.gluon.parameter import _indent
from mxgrad.gluon.rnn.cell_base import (HybridRecurrentCell, RecurrentCell, _cells_begin_state,
                                        _cells_state_info, _format_sequence, _get_begin_state,
                                        _mask_sequence_variable_length, _reverse_sequences)

__all__ = ["SequentialRNNCell", "HybridSequentialRNNCell", "DropoutCell", "ModifierCell",
           "ZoneoutCell", "ResidualCell", "BidirectionalCell"]

_MODIFIED = ("After applying modifier cells (e.g. ZoneoutCell) the base cell cannot be called "
             "directly. Call the modifier cell instead.")


class _ChildStates:
    """The states of a cell made of child cells: theirs, in order."""

    def state_info(self, batch_size=0):
        return _cells_state_info(self._children.values(), batch_size)

    def begin_state(self, **kwargs):
        """The begin states of every child cell in turn (keyword arguments only, as MXNet)."""
        if self._modified:
            raise AssertionError(_MODIFIED)
        return _cells_begin_state(self._children.values(), **kwargs)


class _CellStack(_ChildStates):
    """What the two stacks share: add, stepping every cell in turn, unroll, the repr."""

    def __repr__(self):
        lines = "\n".join(f"({i}): {_indent(repr(m), 2)}" for i, m in self._children.items())
        return f"{type(self).__name__}(\n{lines}\n)"

    def add(self, cell):
        """Append ``cell`` to the stack."""
        self.register_child(cell)

    def __call__(self, inputs, states):
        self._counter += 1
        if any(isinstance(c, BidirectionalCell) for c in self._children.values()):
            raise AssertionError("A stack holding a BidirectionalCell cannot be stepped; "
                                 "use unroll")
        next_states, p = [], 0
        for cell in self._children.values():
            n = len(cell.state_info())
            inputs, state = cell(inputs, states[p:p + n])
            p += n
            next_states.extend(state)
        return inputs, next_states

    def unroll(self, length, inputs, begin_state=None, layout="NTC", merge_outputs=None,
               valid_length=None):
        """Unroll each cell in turn over the whole sequence (see RecurrentCell.unroll)."""
        self.reset()
        inputs, _, batch_size = _format_sequence(length, inputs, layout, None)
        num_cells = len(self._children)
        begin_state = _get_begin_state(self, begin_state, inputs, batch_size)
        p, next_states = 0, []
        for i, cell in enumerate(self._children.values()):
            n = len(cell.state_info())
            inputs, states = cell.unroll(length, inputs=inputs, begin_state=begin_state[p:p + n],
                                         layout=layout,
                                         merge_outputs=None if i < num_cells - 1
                                         else merge_outputs,
                                         valid_length=valid_length)
            p += n
            next_states.extend(states)
        return inputs, next_states

    def __getitem__(self, i):
        return self._children[str(i)]

    def __len__(self):
        return len(self._children)


class SequentialRNNCell(_CellStack, RecurrentCell):
    """Cells stacked: each step runs them in order, the output of one the input of the
    next; the states are all cells' states, in order.

    >>> stack = mx.gluon.rnn.SequentialRNNCell(prefix='s_')
    >>> with stack.name_scope():
    ...     stack.add(mx.gluon.rnn.LSTMCell(3, input_size=2))
    ...     stack.add(mx.gluon.rnn.GRUCell(2, input_size=3))
    >>> stack
    SequentialRNNCell(
    (0): LSTMCell(2 -> 12)
    (1): GRUCell(3 -> 6)
    )
    >>> stack.initialize()
    >>> outs, states = stack.unroll(5, mx.nd.ones((4, 5, 2)), merge_outputs=True)
    >>> outs.shape, [s.shape for s in states]
    ((4, 5, 2), [(4, 3), (4, 3), (4, 2)])
    """

    def __init__(self, prefix=None, params=None):
        super().__init__(prefix=prefix, params=params)

    def hybrid_forward(self, *args, **kwargs):
        raise NotImplementedError


class HybridSequentialRNNCell(_CellStack, HybridRecurrentCell):
    """HybridRecurrentCells stacked (as SequentialRNNCell).

    >>> stack = mx.gluon.rnn.HybridSequentialRNNCell()
    >>> stack.add(mx.gluon.rnn.RNNCell(3, input_size=2)); stack.add(mx.gluon.rnn.DropoutCell(0.5))
    >>> len(stack), stack[1]
    (2, DropoutCell(rate=0.5, axes=()))
    >>> stack.initialize()
    >>> out, states = stack(mx.nd.ones((4, 2)), stack.begin_state(batch_size=4))
    >>> out.shape, len(states)
    ((4, 3), 1)
    """

    def __init__(self, prefix=None, params=None):
        super().__init__(prefix=prefix, params=params)

    def hybrid_forward(self, F, inputs, states):
        return self.__call__(inputs, states)


class DropoutCell(HybridRecurrentCell):
    """Dropout on the inputs (in training, under ``autograd.record()``), states passed
    through; ``axes`` share one mask along them. No states of its own.

    >>> drop = mx.gluon.rnn.DropoutCell(0.5)
    >>> drop, drop.state_info()
    (DropoutCell(rate=0.5, axes=()), [])
    >>> out, states = drop(mx.nd.ones((2, 3)), [])
    >>> out.asnumpy().tolist(), states
    ([[1.0, 1.0, 1.0], [1.0, 1.0, 1.0]], [])
    """

    def __init__(self, rate, axes=(), prefix=None, params=None):
        super().__init__(prefix, params)
        if isinstance(rate, bool) or not isinstance(rate, (numbers.Number, np.generic)):
            raise AssertionError("rate must be a number")
        self._rate = rate
        self._axes = axes

    def __repr__(self):
        return f"{type(self).__name__}(rate={self._rate}, axes={self._axes})"

    def state_info(self, batch_size=0):
        return []

    def _alias(self):
        return "dropout"

    def hybrid_forward(self, F, inputs, states):
        if self._rate > 0:
            inputs = F.Dropout(data=inputs, p=self._rate, axes=self._axes)
        return inputs, states

    def unroll(self, length, inputs, begin_state=None, layout="NTC", merge_outputs=None,
               valid_length=None):
        """Dropout on the whole sequence at once when it comes (or is merged) as one array."""
        self.reset()
        inputs, _, _ = _format_sequence(length, inputs, layout, merge_outputs)
        if isinstance(inputs, NDArray):
            return self.hybrid_forward(ndarray, inputs, begin_state if begin_state else [])
        return super().unroll(length, inputs, begin_state=begin_state, layout=layout,
                              merge_outputs=merge_outputs, valid_length=None)


class ModifierCell(HybridRecurrentCell):
    """The base of cells that wrap one cell and change what it computes (ZoneoutCell,
    ResidualCell). The wrapped ``base_cell`` is then used only through the modifier, which
    shares its Parameters and states.

    >>> cell = mx.gluon.rnn.ResidualCell(mx.gluon.rnn.GRUCell(3, prefix='gru_'))
    >>> isinstance(cell, mx.gluon.rnn.ModifierCell), cell.prefix, list(cell.params.keys())[0]
    (True, 'gru_residualcell', 'gru_i2h_weight')
    """

    def __init__(self, base_cell):
        if base_cell._modified:
            raise AssertionError(f"Cell {base_cell.name} is already modified. One cell cannot "
                                 "be modified twice")
        base_cell._modified = True
        super().__init__(prefix=base_cell.prefix + self._alias(), params=None)
        self.base_cell = base_cell

    @property
    def params(self):
        """The base cell's Parameters."""
        return self.base_cell.params

    def state_info(self, batch_size=0):
        return self.base_cell.state_info(batch_size)

    def begin_state(self, func=ndarray.zeros, **kwargs):
        """The base cell's begin states."""
        if self._modified:
            raise AssertionError(_MODIFIED)
        self.base_cell._modified = False
        try:
            return self.base_cell.begin_state(func=func, **kwargs)
        finally:
            self.base_cell._modified = True

    def hybrid_forward(self, F, inputs, states):
        raise NotImplementedError

    def __repr__(self):
        return f"{type(self).__name__}({self.base_cell})"


def _has_bidirectional(cell):
    return isinstance(cell, BidirectionalCell) or (
        isinstance(cell, _CellStack) and any(_has_bidirectional(c)
                                             for c in cell._children.values()))


class ZoneoutCell(ModifierCell):
    """Zoneout: in training each output (state) element keeps, with probability
    ``zoneout_outputs`` (``zoneout_states``), its previous step's value instead of the new
    one. Outside training it is the base cell.

    >>> cell = mx.gluon.rnn.ZoneoutCell(mx.gluon.rnn.RNNCell(3, input_size=2), 0.5, 0.2)
    >>> cell
    ZoneoutCell(p_out=0.5, p_state=0.2, RNNCell(2 -> 3, tanh))
    >>> cell.initialize()
    >>> outs, states = cell.unroll(4, mx.nd.ones((1, 4, 2)), merge_outputs=True)
    >>> outs.shape
    (1, 4, 3)
    """

    def __init__(self, base_cell, zoneout_outputs=0., zoneout_states=0.):
        if isinstance(base_cell, BidirectionalCell):
            raise AssertionError("BidirectionalCell doesn't support zoneout since it doesn't "
                                 "support step. Please add ZoneoutCell to the cells underneath "
                                 "instead.")
        if _has_bidirectional(base_cell):
            raise AssertionError("Bidirectional SequentialRNNCell doesn't support zoneout. "
                                 "Please add ZoneoutCell to the cells underneath instead.")
        super().__init__(base_cell)
        self.zoneout_outputs = zoneout_outputs
        self.zoneout_states = zoneout_states
        self._prev_output = None

    def __repr__(self):
        return (f"{type(self).__name__}(p_out={self.zoneout_outputs}, "
                f"p_state={self.zoneout_states}, {self.base_cell})")

    def _alias(self):
        return "zoneout"

    def reset(self):
        super().reset()
        self._prev_output = None

    def hybrid_forward(self, F, inputs, states):
        p_outputs, p_states = self.zoneout_outputs, self.zoneout_states
        next_output, next_states = self.base_cell(inputs, states)

        def mask(p, like):          # 1 where the new value is taken (0 or 1/(1-p) in training)
            return F.Dropout(F.ones_like(like), p=p)

        prev_output = self._prev_output
        if prev_output is None:
            prev_output = F.zeros_like(next_output)
        output = (F.where(mask(p_outputs, next_output), next_output, prev_output)
                  if p_outputs != 0. else next_output)
        states = ([F.where(mask(p_states, new), new, old) for new, old in
                   zip(next_states, states)] if p_states != 0. else next_states)
        self._prev_output = output
        return output, states


class ResidualCell(ModifierCell):
    """Residual connection (Wu et al., 2016): the output is the base cell's output plus
    the inputs (so they must have the same width).

    >>> cell = mx.gluon.rnn.ResidualCell(mx.gluon.rnn.RNNCell(2, input_size=2))
    >>> cell.initialize(mx.init.Zero())
    >>> out, _ = cell(mx.nd.array([[1, 2]]), [mx.nd.zeros((1, 2))])
    >>> out.asnumpy()
    array([[1., 2.]], dtype=float32)
    """

    def __init__(self, base_cell):
        super().__init__(base_cell)

    def hybrid_forward(self, F, inputs, states):
        output, states = self.base_cell(inputs, states)
        return F.elemwise_add(output, inputs), states

    def unroll(self, length, inputs, begin_state=None, layout="NTC", merge_outputs=None,
               valid_length=None):
        """The base cell unrolled, plus the inputs (zero past ``valid_length``)."""
        self.reset()
        self.base_cell._modified = False
        try:
            outputs, states = self.base_cell.unroll(length, inputs=inputs,
                                                    begin_state=begin_state, layout=layout,
                                                    merge_outputs=merge_outputs,
                                                    valid_length=valid_length)
        finally:
            self.base_cell._modified = True
        if merge_outputs is None:
            merge_outputs = isinstance(outputs, NDArray)
        inputs, axis, _ = _format_sequence(length, inputs, layout, merge_outputs)
        if valid_length is not None:
            inputs = _mask_sequence_variable_length(inputs, length, valid_length, axis,
                                                    merge_outputs)
        if merge_outputs:
            return ndarray.elemwise_add(outputs, inputs), states
        return [ndarray.elemwise_add(i, j) for i, j in zip(outputs, inputs)], states


class BidirectionalCell(_ChildStates, HybridRecurrentCell):
    """Two cells over a sequence, ``l_cell`` forwards and ``r_cell`` backwards (each
    sequence's valid steps reversed with ``valid_length``); the outputs are the two
    concatenated on the feature axis, the states ``l_cell``'s then ``r_cell``'s. It can
    only be unrolled, not stepped.

    >>> bi = mx.gluon.rnn.BidirectionalCell(mx.gluon.rnn.LSTMCell(3, input_size=2),
    ...                                     mx.gluon.rnn.GRUCell(2, input_size=2))
    >>> bi
    BidirectionalCell(forward=LSTMCell(2 -> 12), backward=GRUCell(2 -> 6))
    >>> bi.initialize()
    >>> outs, states = bi.unroll(3, mx.nd.ones((4, 3, 2)), merge_outputs=True)
    >>> outs.shape, [s.shape for s in states]
    ((4, 3, 5), [(4, 3), (4, 3), (4, 2)])
    """

    def __init__(self, l_cell, r_cell, output_prefix="bi_"):
        super().__init__(prefix="", params=None)
        self.register_child(l_cell, "l_cell")
        self.register_child(r_cell, "r_cell")
        self._output_prefix = output_prefix

    def __call__(self, inputs, states):
        raise NotImplementedError("Bidirectional cannot be stepped. Please use unroll")

    def __repr__(self):
        return (f"{type(self).__name__}(forward={self._children['l_cell']}, "
                f"backward={self._children['r_cell']})")

    def unroll(self, length, inputs, begin_state=None, layout="NTC", merge_outputs=None,
               valid_length=None):
        """Unroll both directions (see RecurrentCell.unroll)."""
        self.reset()
        inputs, axis, batch_size = _format_sequence(length, inputs, layout, False)
        reversed_inputs = _reverse_sequences(inputs, length, valid_length)
        begin_state = _get_begin_state(self, begin_state, inputs, batch_size)
        l_cell, r_cell = self._children.values()
        n_left = len(l_cell.state_info(batch_size))
        l_outputs, l_states = l_cell.unroll(length, inputs=inputs,
                                            begin_state=begin_state[:n_left], layout=layout,
                                            merge_outputs=merge_outputs,
                                            valid_length=valid_length)
        r_outputs, r_states = r_cell.unroll(length, inputs=reversed_inputs,
                                            begin_state=begin_state[n_left:], layout=layout,
                                            merge_outputs=False, valid_length=valid_length)
        reversed_r_outputs = _reverse_sequences(r_outputs, length, valid_length)
        if merge_outputs is None:
            merge_outputs = isinstance(l_outputs, NDArray)
            l_outputs, _, _ = _format_sequence(None, l_outputs, layout, merge_outputs)
            reversed_r_outputs, _, _ = _format_sequence(None, reversed_r_outputs, layout,
                                                        merge_outputs)
        if merge_outputs:
            if not isinstance(reversed_r_outputs, NDArray):
                reversed_r_outputs = ndarray.stack(*reversed_r_outputs, axis=axis)
            outputs = ndarray.concat(l_outputs, reversed_r_outputs, dim=2)
        else:
            outputs = [ndarray.concat(l_o, r_o, dim=1)
                       for l_o, r_o in zip(l_outputs, reversed_r_outputs)]
        if valid_length is not None:
            outputs = _mask_sequence_variable_length(outputs, length, valid_length, axis,
                                                     merge_outputs)
        return outputs, l_states + r_states
