"""Refuses in-place writes that would corrupt a recorded graph."""
from mxgrad._tape import is_recording
from mxgrad.base import MXNetError


def check_inplace(arr):
    """Raise MXNetError if writing into ``arr`` now would invalidate recorded history.

    Inside ``autograd.record()``, an array that a recorded op produced or read (or a marked
    variable) must not be overwritten: its gradients would be computed from the new data.
    The check runs before anything is written.
    """
    if not is_recording():
        return
    if arr._entry is not None or arr._in_graph or (arr._grad_req is not None):
        raise MXNetError(
            "cannot write in place into an NDArray that belongs to the graph being recorded "
            "(+=, *=, x[idx] = v, out=... inside autograd.record()): gradients would be "
            "computed from the overwritten values. Call backward() first to free the graph, "
            "or write outside the record() block.")
