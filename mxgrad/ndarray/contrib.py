"""``mx.nd.contrib``: the operators MXNet 1.9.1 keeps under ``contrib``.

Each one lives with its op family; this module only gathers them under MXNet's names.
"""
from mxgrad.ndarray.control_flow import foreach, while_loop, cond  # noqa: F401
from mxgrad.ndarray.resize import AdaptiveAvgPooling2D, BilinearResize2D  # noqa: F401
from mxgrad.ndarray.roi import ROIAlign  # noqa: F401
from mxgrad.ndarray.norm_extra import SyncBatchNorm  # noqa: F401
from mxgrad.ndarray.ctc import CTCLoss, ctc_loss  # noqa: F401
from mxgrad.ndarray.gather_nd import boolean_mask, index_copy  # noqa: F401
from mxgrad.ndarray.index_ops import index_array, arange_like  # noqa: F401
from mxgrad.ndarray.math_extra import isnan, isinf, isfinite, div_sqrt_dim  # noqa: F401
