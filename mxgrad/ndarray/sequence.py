"""SequenceLast and SequenceReverse: batches of sequences of different lengths, as MXNet
1.9.1 has them.

The data is viewed as rows of one time step of one sequence ((T, B, ...) as (T*B, rest));
the op reads the rows it needs with the gather of ``take``, so the gradient is the
scatter-add of the head gradient back to those rows (and differentiates again). The row
numbers come from ``sequence_length``, which is read on the host: a length outside what
the op can use is an MXNetError here, where MXNet reads memory it does not own.
``sequence_length`` itself gets no gradient.
"""
import numbers

import numpy as np

from mxgrad.base import MXNetError
from mxgrad.ndarray._deliver import check_out, deliver
from mxgrad.ndarray._strided import _check_array, _empty
from mxgrad.ndarray.creation import array
from mxgrad.ndarray.gather import take_flat

__all__ = ["SequenceLast", "SequenceReverse"]


def _check(op, data, sequence_length, use_sequence_length, axis, axes):
    _check_array(op, data)
    if isinstance(axis, bool) or not isinstance(axis, numbers.Integral) or axis not in axes:
        raise MXNetError(f"{op}: axis must be {' or '.join(map(str, axes))}, got {axis!r}")
    if data.ndim < 2:
        raise MXNetError(f"{op}: data must have at least 2 dimensions (time and batch), got "
                         f"shape {data.shape}")
    if not use_sequence_length:
        if sequence_length is not None:
            raise MXNetError(f"{op}: sequence_length is given but use_sequence_length is "
                             f"False; pass use_sequence_length=True to use it")
        return None
    if sequence_length is None:
        raise MXNetError(f"{op}: use_sequence_length=True needs sequence_length")
    _check_array(op, sequence_length, "sequence_length")
    batch = data.shape[1 - axis]
    if sequence_length.shape != (batch,):
        raise MXNetError(f"{op}: sequence_length must have shape ({batch},), one length per "
                         f"sequence of data {data.shape}, got {sequence_length.shape}")
    lengths = sequence_length.asnumpy().astype(np.float64)
    if not np.isfinite(lengths).all():
        raise MXNetError(f"{op}: sequence_length must be finite, got {lengths}")
    return np.trunc(lengths).astype(np.int64)      # MXNet truncates fractional lengths


def _early_out(op, out, data, shape, sequence_length):
    """The checks of ``out=`` made before anything is enqueued (deliver copies later)."""
    if out is not None:
        inputs = (data,) if sequence_length is None else (data, sequence_length)
        check_out(op, out, inputs, shape, data._dtype_code, data.context)


def _rows(data, rows, shape):
    """The rows ``rows`` (host int64) of data viewed as (rows, rest), shaped ``shape``."""
    if data.size == 0:          # nothing to read (and reshape would read a 0 as "keep")
        return _empty(data, shape)
    flat = data.reshape((data.shape[0] * data.shape[1],) + data.shape[2:])
    idx = array(rows, ctx=data.context, dtype=np.int64)
    return take_flat(flat, idx, 0, False).reshape(shape)


def SequenceLast(data=None, sequence_length=None, use_sequence_length=False, axis=0,
                 out=None, name=None):
    """The last element of each sequence: ``data`` holds sequences along ``axis`` (0:
    (time, batch, ...), or 1: (batch, time, ...)); with ``use_sequence_length`` sequence
    b ends at step ``sequence_length[b]`` (truncated to an int, in [1, time]), else all
    end at the last step. Shape: data's without the time axis.

    >>> x = mx.nd.arange(6).reshape((3, 2))          # 3 steps of 2 sequences
    >>> mx.nd.SequenceLast(x)
    <BLANKLINE>
    [4. 5.]
    <NDArray 2 @cpu(0)>
    >>> mx.nd.SequenceLast(x, mx.nd.array([1, 2]), use_sequence_length=True)
    <BLANKLINE>
    [0. 3.]
    <NDArray 2 @cpu(0)>
    """
    lengths = _check("SequenceLast", data, sequence_length, use_sequence_length, axis,
                     (0, 1))
    steps = data.shape[axis]
    batch = data.shape[1 - axis]
    if lengths is None:
        if steps == 0:
            raise MXNetError(f"SequenceLast: the time axis of data {data.shape} is empty")
        lengths = np.full(batch, steps, np.int64)
    elif ((lengths < 1) | (lengths > steps)).any():
        raise MXNetError(f"SequenceLast: sequence_length must be in [1, {steps}] (the "
                         f"length of the time axis), got {sequence_length.asnumpy()}")
    _early_out("SequenceLast", out, data, (batch,) + data.shape[2:], sequence_length)
    b = np.arange(batch, dtype=np.int64)
    rows = (lengths - 1) * batch + b if axis == 0 else b * steps + lengths - 1
    res = _rows(data, rows, (batch,) + data.shape[2:])
    return deliver("SequenceLast", res, out)


def SequenceReverse(data=None, sequence_length=None, use_sequence_length=False, axis=0,
                    out=None, name=None):
    """Reverse each sequence of ``data`` (time, batch, ...) in time: all ``time`` steps, or
    with ``use_sequence_length`` the first ``sequence_length[b]`` steps of sequence b
    (truncated to an int, in [0, time]); the steps after them stay in place.

    >>> x = mx.nd.arange(6).reshape((3, 2))          # 3 steps of 2 sequences
    >>> mx.nd.SequenceReverse(x, mx.nd.array([2, 3]), use_sequence_length=True)
    <BLANKLINE>
    [[2. 5.]
     [0. 3.]
     [4. 1.]]
    <NDArray 3x2 @cpu(0)>
    """
    lengths = _check("SequenceReverse", data, sequence_length, use_sequence_length, axis,
                     (0,))
    steps, batch = data.shape[:2]
    if lengths is None:
        lengths = np.full(batch, steps, np.int64)
    elif ((lengths < 0) | (lengths > steps)).any():
        raise MXNetError(f"SequenceReverse: sequence_length must be in [0, {steps}] (the "
                         f"length of the time axis), got {sequence_length.asnumpy()}")
    _early_out("SequenceReverse", out, data, data.shape, sequence_length)
    t = np.arange(steps, dtype=np.int64)[:, None]
    src = np.where(t < lengths[None, :], lengths[None, :] - 1 - t, t)
    rows = (src * batch + np.arange(batch, dtype=np.int64)[None, :]).reshape(-1)
    return deliver("SequenceReverse", _rows(data, rows, data.shape), out)
