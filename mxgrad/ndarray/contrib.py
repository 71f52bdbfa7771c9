"""``mx.nd.contrib``: the operators MXNet 1.9.1 keeps under ``contrib``.

Each one lives with its op family; this module only gathers them under MXNet's names.
"""
from mxgrad.ndarray.gather_nd import boolean_mask, index_copy  # noqa: F401
from mxgrad.ndarray.index_ops import index_array, arange_like  # noqa: F401
