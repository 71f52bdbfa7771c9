"""MXNet's generated op functions take ``**kwargs`` and refuse the names they do not know;
the functions written after them do the same, before anything is enqueued."""
from mxgrad.base import MXNetError

__all__ = []


def reject_unknown(op, kwargs):
    """MXNetError naming the first keyword argument ``op`` does not take."""
    if kwargs:
        raise MXNetError(f"Cannot find argument '{next(iter(kwargs))}', in operator {op}")
