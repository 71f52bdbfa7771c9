"""Refuses in-place writes that would corrupt a recorded graph (see _ndarray.check_inplace)."""
from mxgrad._ndarray import check_inplace

__all__ = ["check_inplace"]
