"""``mx.nd.contrib``: the operators MXNet 1.9.1 keeps under ``contrib``.

Each one lives with its op family; this module only gathers them under MXNet's names.
"""
from mxgrad.ndarray.math_extra import isnan, isinf, isfinite, div_sqrt_dim  # noqa: F401
