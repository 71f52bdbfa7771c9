"""``mx.nd.contrib``: the operators MXNet 1.9.1 keeps under ``contrib``.

Each one lives with its op family; this module only gathers them under MXNet's names.
"""
from mxgrad.ndarray.control_flow import foreach, while_loop, cond  # noqa: F401
