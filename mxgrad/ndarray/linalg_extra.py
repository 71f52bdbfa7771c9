"""MXNet's linear algebra operators beyond gemm2, as ``mx.nd.linalg_<name>`` and
``mx.nd.linalg.<name>``: gathers the linalg_diag, linalg_tri and linalg_factor modules and
puts their ops (and gemm2) into the ``mx.nd.linalg`` namespace under their short names."""
from mxgrad.ndarray import linalg as _namespace
from mxgrad.ndarray.linalg_diag import *  # noqa: F401,F403
from mxgrad.ndarray.linalg_tri import *  # noqa: F401,F403
from mxgrad.ndarray.linalg_factor import *  # noqa: F401,F403
from mxgrad.ndarray import linalg_diag, linalg_tri, linalg_factor
from mxgrad.ndarray.linalg_syevd import linalg_syevd

__all__ = linalg_diag.__all__ + linalg_tri.__all__ + linalg_factor.__all__

_namespace.gemm2 = _namespace.linalg_gemm2
_namespace.syevd = linalg_syevd       # MXNet has no mx.nd.linalg_syevd
for _name in __all__:
    setattr(_namespace, _name[len("linalg_"):], globals()[_name])
