"""``mx.nd``: NDArray and the functions that make and transform arrays."""
from mxgrad import _ndarray
from mxgrad._codegen_fused import fused_source as _fused_source
from mxgrad._codegen_fused import fused_segments_source as _fused_segments_source
from mxgrad.ndarray import _elemwise_table, _elemwise_grads, _kernels
from mxgrad.ndarray.ndarray import NDArray
from mxgrad.ndarray.creation import *  # noqa: F401,F403
from mxgrad.ndarray.shape import *  # noqa: F401,F403
from mxgrad.ndarray.broadcast import *  # noqa: F401,F403
from mxgrad.ndarray.join import *  # noqa: F401,F403
from mxgrad.ndarray.reduce import *  # noqa: F401,F403
from mxgrad.ndarray.linalg import *  # noqa: F401,F403
from mxgrad.ndarray.nn import *  # noqa: F401,F403
from mxgrad.ndarray.optimizer_ops import *  # noqa: F401,F403
from mxgrad.ndarray.normalization import *  # noqa: F401,F403
from mxgrad.ndarray.conv import *  # noqa: F401,F403
from mxgrad.ndarray.pool import *  # noqa: F401,F403
from mxgrad.ndarray.sorting import *  # noqa: F401,F403
from mxgrad.ndarray.custom import *  # noqa: F401,F403
from mxgrad.ndarray.storage import *  # noqa: F401,F403
from mxgrad.ndarray.rearrange import *  # noqa: F401,F403
from mxgrad.ndarray.regions import *  # noqa: F401,F403
from mxgrad.ndarray.padding import *  # noqa: F401,F403
from mxgrad.ndarray.cumulative import *  # noqa: F401,F403
from mxgrad.ndarray.sequence import *  # noqa: F401,F403
from mxgrad.ndarray.rnn import *  # noqa: F401,F403
from mxgrad.ndarray.sampler import *  # noqa: F401,F403
from mxgrad.ndarray.resize import *  # noqa: F401,F403
from mxgrad.ndarray.roi import *  # noqa: F401,F403
from mxgrad.ndarray.correlation import *  # noqa: F401,F403
from mxgrad.ndarray.output_ops import *  # noqa: F401,F403
from mxgrad.ndarray.norm_extra import *  # noqa: F401,F403
from mxgrad.ndarray.layers_v1 import *  # noqa: F401,F403
from mxgrad.ndarray.ctc import *  # noqa: F401,F403
from mxgrad.ndarray.linalg_extra import *  # noqa: F401,F403
from mxgrad.ndarray.gather_nd import *  # noqa: F401,F403
from mxgrad.ndarray.index_ops import *  # noqa: F401,F403
from mxgrad.ndarray.histogram import *  # noqa: F401,F403
from mxgrad.ndarray.sampling import *  # noqa: F401,F403
from mxgrad.ndarray.random_pdf import *  # noqa: F401,F403
from mxgrad.ndarray.optimizer_more import *  # noqa: F401,F403
from mxgrad.ndarray.optimizer_multi import *  # noqa: F401,F403
from mxgrad.ndarray.math_extra import *  # noqa: F401,F403
from mxgrad.ndarray.serialization import save, load, load_frombuffer  # noqa: F401
from mxgrad.ndarray import random  # noqa: F401
from mxgrad.ndarray import contrib  # noqa: F401
from mxgrad.ndarray.random import random_uniform, random_normal, random_randint  # noqa: F401


_ndarray._set_hooks(NDArray, _fused_source, _kernels.kernel_from_source)
_ndarray._set_segments_hook(_fused_segments_source)
_elemwise_grads.attach_rules()
_ndarray._bind_operators([_elemwise_table.OPS[n] for n in _elemwise_table.OPERATOR_ORDER],
                         _elemwise_table.OPS["negative"])


def waitall():
    """Block until every op enqueued on every context has finished.

    >>> y = mx.nd.ones((100, 100)) * 2     # queued, maybe not run yet
    >>> mx.nd.waitall()                      # every queue has finished now
    >>> float(y.sum().asscalar())
    20000.0
    """
    from mxgrad.context import live_states
    for s in live_states():
        s.finish()


# elementwise functions under their MXNet names (add, elemwise_add, broadcast_add, exp, ...)
globals().update(_elemwise_table.PUBLIC)

# x.exp(), x.clip(0, 1), ...: NDArray methods forwarding to the functions above
from mxgrad.ndarray import fluent as _fluent  # noqa: E402
_fluent.attach(NDArray, globals())
from mxgrad.ndarray import extra_methods as _extra_methods  # noqa: E402
_extra_methods.attach(NDArray)
