"""MXNet's ``out=`` argument, in one place: copy a result into a given array.

Ops that compute into a fresh array and then ``deliver`` it are safe when ``out`` is also one
of their inputs. Ops that write ``out`` directly (the GEMMs) first ask ``aliases`` and, when
``out`` shares memory with an input, compute into a temporary and deliver that instead.
"""
import numpy as np

from mxgrad._ndarray import NDArrayBase, check_inplace, check_write_recording, overlaps
from mxgrad._tape import is_recording, record_op
from mxgrad.base import DTYPES, MXNetError
from mxgrad.gradients import gradient_rule

__all__ = []


def deliver(op, res, out):
    """``res``, or ``res`` copied into ``out`` and ``out`` returned (gradients flow through)."""
    if out is None:
        return res
    if not isinstance(out, NDArrayBase):
        raise MXNetError(f"{op}: out must be an NDArray, got {type(out).__name__}")
    if out.shape != res.shape or out.dtype != res.dtype or out.context != res.context:
        raise MXNetError(f"{op}: out must be {res.shape} {np.dtype(res.dtype).name} on "
                         f"{res.context}, got {out.shape} {np.dtype(out.dtype).name} on "
                         f"{out.context}")
    check_inplace(out)
    if res is out:
        return out
    if res.size and overlaps(res, out):
        if res._offset == out._offset:      # the very same elements: nothing to move
            record_copy(res, out)
            return out
        res = res.copy()                    # a view meeting out elsewhere: copy it away first
    if res.size:
        out._copy_from(res)
    record_copy(res, out)
    return out


def check_out(op, out, inputs=None, shape=None, code=None, ctx=None):
    """The checks of ``op(..., out=out)`` made before anything is enqueued: out is an NDArray;
    given ``shape``, it takes the result (that shape, dtype code ``code``, context ``ctx``);
    it may be written now (autograd); given ``inputs``, it is not one of them while a
    gradient is being recorded."""
    if not isinstance(out, NDArrayBase):
        raise MXNetError(f"{op}: out must be an NDArray, got {type(out).__name__}")
    if shape is not None and (out.shape != shape or out._dtype_code != code
                              or out.context != ctx):
        raise MXNetError(f"{op}: out must be {shape} {DTYPES[code].name} on {ctx}, got "
                         f"{out.shape} {DTYPES[out._dtype_code].name} on {out.context}")
    check_inplace(out)
    if inputs is not None:
        check_write_recording(op, out, tuple(inputs))


def aliases(out, inputs):
    """Whether ``out`` shares memory with one of ``inputs``: an op that reads its inputs other
    than element by element must then compute into a temporary."""
    return any(isinstance(x, NDArrayBase) and overlaps(out, x) for x in inputs)


def record_copy(src, dst):
    """While recording, tape ``dst`` as a copy of ``src`` (gradients flow from dst to src)."""
    if is_recording():
        record_op("_copyto", (src,), (dst,), _identity_rule, replay=lambda a: a.copy(),
                  save_outputs=False)


@gradient_rule("_copyto")
def _identity_rule(saved, inputs, outputs, out_grads):
    g, src = out_grads[0], inputs[0]
    return (g if g.context == src.context else g.as_in_context(src.context),)
