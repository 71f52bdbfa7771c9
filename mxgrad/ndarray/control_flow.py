"""Imperative control flow of ``mx.nd.contrib``: ``foreach``, ``while_loop`` and ``cond``.

As in MXNet's imperative mode they run the user's Python functions step by step on NDArrays;
every op inside is recorded as usual under ``autograd.record()``, so gradients flow through
the loop body, the loop states and the branch taken. Outputs of the steps are stacked along
a new first axis.
"""
import numbers

from mxgrad._ndarray import NDArrayBase
from mxgrad.base import MXNetError
from mxgrad.ndarray.creation import zeros
from mxgrad.ndarray.join import stack, concat

__all__ = ["foreach", "while_loop", "cond"]


def _flatten(op, what, value):
    """(list of NDArrays, whether ``value`` was a single NDArray)."""
    if isinstance(value, NDArrayBase):
        return [value], True
    if isinstance(value, (list, tuple)):
        for k, v in enumerate(value):
            if not isinstance(v, NDArrayBase):
                raise MXNetError(f"{op}: {what} must be an NDArray or a list of NDArrays; "
                                 f"item {k} is {type(v).__name__}")
        return list(value), False
    raise MXNetError(f"{op}: {what} must be an NDArray or a list of NDArrays, got "
                     f"{type(value).__name__}")


def _step_result(op, result):
    if not isinstance(result, (list, tuple)) or len(result) != 2:
        raise MXNetError(f"{op}: the step function must return a pair (outputs, states)")
    return result


def _pack(arrays, single):
    return arrays[0] if single else arrays


def foreach(body, data, init_states):
    """Run ``body(data[i], states) -> (outputs, states)`` over the first axis of ``data``;
    returns (the outputs stacked along a new first axis, the final states).

    >>> def running_sum(x, states):
    ...     total = states[0] + x
    ...     return total, [total]
    >>> outs, states = mx.nd.contrib.foreach(running_sum, mx.nd.array([[1, 2], [3, 4]]),
    ...                                      [mx.nd.zeros((2,))])
    >>> outs
    <BLANKLINE>
    [[1. 2.]
     [4. 6.]]
    <NDArray 2x2 @cpu(0)>
    """
    if not callable(body):
        raise MXNetError(f"foreach: body must be callable, got {type(body).__name__}")
    data_list, data_single = _flatten("foreach", "data", data)
    states, states_single = _flatten("foreach", "init_states", init_states)
    if not data_list:
        raise MXNetError("foreach: data must hold at least one NDArray")
    lengths = {x.shape[0] if x.ndim else None for x in data_list}
    if None in lengths or len(lengths) != 1:
        raise MXNetError("foreach: every data array needs the same first dimension, got "
                         f"shapes {[x.shape for x in data_list]}")
    steps = lengths.pop()
    collected, out_single = [], True
    for i in range(steps):
        items = [x[i] for x in data_list]
        outs, states = _step_result("foreach", body(_pack(items, data_single),
                                                    _pack(states, states_single)))
        outs, out_single = _flatten("foreach", "the step outputs", outs)
        states, states_single = _flatten("foreach", "the step states", states)
        collected.append(outs)
    if not collected:
        raise MXNetError("foreach: data has no steps (its first dimension is 0)")
    stacked = [stack(*column, axis=0) for column in zip(*collected)]
    return _pack(stacked, out_single), _pack(states, states_single)


def _truth(op, value):
    if isinstance(value, NDArrayBase):
        if value.size != 1:
            raise MXNetError(f"{op}: the condition must be a scalar (one element), got "
                             f"shape {value.shape}")
        return bool(value.asscalar())
    if isinstance(value, (bool, numbers.Number)):
        return bool(value)
    raise MXNetError(f"{op}: the condition must be an NDArray of one element or a "
                     f"number, got {type(value).__name__}")


def while_loop(cond, func, loop_vars, max_iterations=None):
    """While ``cond(*loop_vars)`` holds (at most ``max_iterations`` times), run
    ``func(*loop_vars) -> (outputs, new loop_vars)``; returns (each output stacked along a
    new first axis of length ``max_iterations``, zero-padded past the last step, and the
    final loop variables).

    >>> outs, (i,) = mx.nd.contrib.while_loop(lambda i: i < 3, lambda i: (i * 10, [i + 1]),
    ...                                       [mx.nd.array([0])], max_iterations=4)
    >>> outs
    <BLANKLINE>
    [[ 0.]
     [10.]
     [20.]
     [ 0.]]
    <NDArray 4x1 @cpu(0)>
    """
    if not callable(cond) or not callable(func):
        raise MXNetError("while_loop: cond and func must be callable")
    if max_iterations is None:
        raise MXNetError("while_loop: max_iterations must be given (the outputs are "
                         "padded to that many steps)")
    if isinstance(max_iterations, bool) or not isinstance(max_iterations, numbers.Integral) \
            or max_iterations < 0:
        raise MXNetError(f"while_loop: max_iterations must be a non-negative int, got "
                         f"{max_iterations!r}")
    loop_vars, vars_single = _flatten("while_loop", "loop_vars", loop_vars)
    collected, out_single = [], False
    while len(collected) < max_iterations and _truth("while_loop", cond(*loop_vars)):
        outs, new_vars = _step_result("while_loop", func(*loop_vars))
        outs, out_single = _flatten("while_loop", "the step outputs", outs)
        new_vars, _ = _flatten("while_loop", "the new loop_vars", new_vars)
        if len(new_vars) != len(loop_vars):
            raise MXNetError(f"while_loop: func returned {len(new_vars)} loop variables, "
                             f"expected {len(loop_vars)}")
        for old, new in zip(loop_vars, new_vars):
            if old.shape != new.shape:
                raise MXNetError(f"while_loop: a loop variable changed shape from "
                                 f"{old.shape} to {new.shape}")
        loop_vars = new_vars
        collected.append(outs)
    stacked = []
    for column in zip(*collected):
        out = stack(*column, axis=0)
        pad = max_iterations - len(collected)
        if pad:
            out = concat(out, zeros((pad,) + column[0].shape, ctx=column[0].context,
                                    dtype=column[0].dtype), dim=0)
        stacked.append(out)
    return _pack(stacked, out_single) if stacked else [], _pack(loop_vars, vars_single)


def cond(pred, then_func, else_func):
    """``then_func()`` if the one-element NDArray ``pred`` is non-zero, else
    ``else_func()``.

    >>> x = mx.nd.array([2.0])
    >>> mx.nd.contrib.cond(x > 1, lambda: x * x, lambda: x * 3)
    <BLANKLINE>
    [4.]
    <NDArray 1 @cpu(0)>
    """
    if not callable(then_func) or not callable(else_func):
        raise MXNetError("cond: then_func and else_func must be callable")
    return then_func() if _truth("cond", pred) else else_func()
