"""``mx.nd``: NDArray and the functions that make and transform arrays."""
from mxgrad import _ndarray
from mxgrad._codegen_fused import fused_source
from mxgrad.ndarray import _elemwise_table, _elemwise_grads, _kernels
from mxgrad.ndarray.ndarray import NDArray
from mxgrad.ndarray.creation import *  # noqa: F401,F403
from mxgrad.ndarray.creation import __all__ as _creation_all
from mxgrad.ndarray.shape import *  # noqa: F401,F403
from mxgrad.ndarray.linalg import *  # noqa: F401,F403
from mxgrad.ndarray.nn import *  # noqa: F401,F403
from mxgrad.ndarray.optimizer_ops import *  # noqa: F401,F403
from mxgrad.ndarray.norm import *  # noqa: F401,F403


_ndarray._set_hooks(NDArray, fused_source, _kernels.kernel_from_source)
_elemwise_grads.attach_rules()
_ndarray._bind_operators([_elemwise_table.OPS[n] for n in _elemwise_table.OPERATOR_ORDER],
                         _elemwise_table.OPS["negative"])


def waitall():
    """Block until every op enqueued on every context has finished."""
    from mxgrad.context import live_states
    for s in live_states():
        s.finish()


# elementwise functions under their MXNet names
def _export_elemwise():
    g = globals()
    ops = _elemwise_table.OPS
    for name, op in ops.items():
        g[name] = op
    for name in ("add", "subtract", "multiply", "divide", "power", "maximum", "minimum",
                 "hypot", "equal", "not_equal", "greater", "greater_equal", "lesser",
                 "lesser_equal", "logical_and", "logical_or", "logical_xor"):
        g["broadcast_" + name] = ops[name]
    g["broadcast_sub"] = ops["subtract"]
    g["broadcast_mul"] = ops["multiply"]
    g["broadcast_div"] = ops["divide"]
    g["broadcast_mod"] = ops["modulo"]
    g["broadcast_plus"] = ops["add"]
    g["broadcast_minus"] = ops["subtract"]
    g["mod"] = ops["modulo"]


_export_elemwise()
