"""``mx.autograd``: recording, backward and grad, as in MXNet 1.9.1.

The recording and training flags are C-level thread-local variables (mxgrad/_tape.pyx);
the scopes here only save, set and restore them. The tape and the reverse traversal live
in Cython too; this module is the documented front.

>>> import mxgrad as mx
>>> x = mx.nd.array([1, 2, 3])
>>> x.attach_grad()
>>> with mx.autograd.record():
...     y = 2 * x * x
>>> y.backward()
>>> x.grad
<BLANKLINE>
[ 4.  8. 12.]
<NDArray 3 @cpu(0)>
"""
import copy
import weakref

from mxgrad import _ndarray, _tape
from mxgrad._ndarray import NDArrayBase
from mxgrad._tape import (set_recording, set_training, is_recording, is_training, record_op,
                          run_backward)
from mxgrad.base import MXNetError
from mxgrad.gradients import gradient_rule

__all__ = ["set_recording", "set_training", "is_recording", "is_training", "record", "pause",
           "train_mode", "predict_mode", "mark_variables", "backward", "grad", "get_symbol",
           "Function", "record_op"]

_GRAD_REQS = ("write", "add", "null")


class _RecordingStateScope:
    """Sets the recording and/or training flag inside a ``with`` block, restores them after.

    None leaves a flag as it is. The same object may be entered again, even nested.
    """

    def __init__(self, is_record, train_mode):
        self._enter_record = is_record
        self._enter_train = train_mode
        self._saved = []

    def __enter__(self):
        prev_record = prev_train = None
        if self._enter_record is not None:
            prev_record = set_recording(self._enter_record)
        if self._enter_train is not None:
            prev_train = set_training(self._enter_train)
        self._saved.append((prev_record, prev_train))
        return self

    def __exit__(self, *exc):
        prev_record, prev_train = self._saved.pop()
        if prev_record is not None:
            set_recording(prev_record)
        if prev_train is not None:
            set_training(prev_train)
        return False


def record(train_mode=True):
    """Record the operations in the block so gradients can be computed.

    ``train_mode`` (default True) sets train mode for ops like Dropout and BatchNorm.

    >>> x = mx.nd.array([1, 2, 3])
    >>> x.attach_grad()
    >>> with mx.autograd.record():
    ...     y = (x * x).sum()
    >>> y.backward()
    >>> x.grad
    <BLANKLINE>
    [2. 4. 6.]
    <NDArray 3 @cpu(0)>
    >>> with mx.autograd.record():
    ...     print(mx.autograd.is_recording(), mx.autograd.is_training())
    True True
    >>> mx.autograd.is_recording()
    False
    """
    return _RecordingStateScope(True, train_mode)


def pause(train_mode=False):
    """Stop recording inside the block (and use predict mode unless train_mode=True).

    >>> x = mx.nd.array([1, 2])
    >>> x.attach_grad()
    >>> with mx.autograd.record():
    ...     y = x * 2
    ...     with mx.autograd.pause():
    ...         z = y * 10          # not recorded: no gradient flows through z
    ...     loss = y + z
    >>> loss.backward()
    >>> x.grad
    <BLANKLINE>
    [2. 2.]
    <NDArray 2 @cpu(0)>
    """
    return _RecordingStateScope(False, train_mode)


def train_mode():
    """Train mode inside the block, leaving recording as it is.

    >>> with mx.autograd.train_mode():
    ...     print(mx.autograd.is_training(), mx.autograd.is_recording())
    True False
    >>> x = mx.nd.ones((2, 4))
    >>> with mx.autograd.train_mode():
    ...     y = mx.nd.Dropout(x, p=0.5)     # active: zeroes about half the values
    >>> set(y.asnumpy().ravel().tolist()) <= {0.0, 2.0}    # kept values scaled by 1 / (1 - p)
    True
    """
    return _RecordingStateScope(None, True)


def predict_mode():
    """Predict mode inside the block, leaving recording as it is.

    >>> x = mx.nd.ones((2, 2))
    >>> with mx.autograd.record():
    ...     with mx.autograd.predict_mode():
    ...         y = mx.nd.Dropout(x, p=0.5)    # predict mode: Dropout is the identity
    ...         print(mx.autograd.is_recording(), mx.autograd.is_training())
    True False
    >>> y
    <BLANKLINE>
    [[1. 1.]
     [1. 1.]]
    <NDArray 2x2 @cpu(0)>
    """
    return _RecordingStateScope(None, False)


def _check_req(req):
    if req not in _GRAD_REQS:
        raise MXNetError(f"grad_req must be one of 'write', 'add', 'null', got {req!r}")
    return req


def _attach_grad(arr, grad_req="write", stype=None):
    if stype is not None and stype != "default":
        raise MXNetError(f"attach_grad: only dense gradients are supported, got stype={stype!r}")
    _mark(arr, _zeros_for(arr.shape, arr._dtype_code, arr.context), _check_req(grad_req))


def _mark(var, gradient, req):
    if not isinstance(var, NDArrayBase) or not isinstance(gradient, NDArrayBase):
        raise MXNetError("mark_variables: variables and gradients must be NDArrays")
    if gradient.shape != var.shape:
        raise MXNetError(f"mark_variables: gradient shape {gradient.shape} does not match "
                         f"the variable's shape {var.shape}")
    var._entry = None        # a variable is a leaf: its history is cut
    var._grad = gradient
    var._grad_req = req


def mark_variables(variables, gradients, grad_reqs="write"):
    """Mark arrays as variables whose gradients go into ``gradients``.

    ``grad_reqs``: 'write', 'add' or 'null', or one of those per variable.

    >>> x = mx.nd.array([1, 2])
    >>> gx = mx.nd.zeros(2)
    >>> mx.autograd.mark_variables([x], [gx])
    >>> with mx.autograd.record():
    ...     y = 3 * x
    >>> y.backward()
    >>> gx
    <BLANKLINE>
    [3. 3.]
    <NDArray 2 @cpu(0)>
    >>> mx.autograd.mark_variables(x, gx, grad_reqs='add')
    >>> for _ in range(2):
    ...     with mx.autograd.record():
    ...         y = 3 * x
    ...     y.backward()
    >>> gx                          # 'add' accumulates: 3 + 3 + 3
    <BLANKLINE>
    [9. 9.]
    <NDArray 2 @cpu(0)>
    """
    if isinstance(variables, NDArrayBase):
        variables, gradients = [variables], [gradients]
    variables, gradients = list(variables), list(gradients)
    if len(variables) != len(gradients):
        raise MXNetError(f"mark_variables: {len(variables)} variables but {len(gradients)} "
                         "gradients")
    reqs = [grad_reqs] * len(variables) if isinstance(grad_reqs, str) else list(grad_reqs)
    if len(reqs) != len(variables):
        raise MXNetError(f"mark_variables: {len(variables)} variables but {len(reqs)} grad_reqs")
    for v, g, r in zip(variables, gradients, reqs):
        _mark(v, g, _check_req(r))


def _as_list(heads, what):
    if isinstance(heads, NDArrayBase):
        return [heads]
    if heads is None:
        return None
    heads = list(heads)
    for h in heads:
        if h is not None and not isinstance(h, NDArrayBase):
            raise MXNetError(f"{what} must be NDArrays, got {type(h).__name__}")
    return heads


def _head_grads(heads, head_grads):
    head_grads = _as_list(head_grads, "head_grads")
    if head_grads is not None and len(head_grads) != len(heads):
        raise MXNetError(f"{len(heads)} heads but {len(head_grads)} head gradients")
    return head_grads


def backward(heads, head_grads=None, retain_graph=False, train_mode=True):
    """Compute the gradients of ``heads`` w.r.t. the marked variables into their ``.grad``.

    A head that is not a scalar gets an implicit gradient of ones unless ``head_grads``
    gives one. The graph is freed afterwards unless ``retain_graph=True``.

    >>> x = mx.nd.array([1, 2])
    >>> x.attach_grad()
    >>> with mx.autograd.record():
    ...     a = x * x
    ...     b = 2 * x
    >>> mx.autograd.backward([a, b], head_grads=[mx.nd.ones(2), mx.nd.array([10, 100])])
    >>> x.grad                      # 2x * 1 + 2 * [10, 100]
    <BLANKLINE>
    [ 22. 204.]
    <NDArray 2 @cpu(0)>
    """
    heads = _as_list(heads, "heads")
    run_backward(heads, _head_grads(heads, head_grads), None, bool(retain_graph), False,
                 bool(train_mode))


def grad(heads, variables, head_grads=None, retain_graph=None, create_graph=False,
         train_mode=True):
    """The gradients of ``heads`` w.r.t. ``variables``, as a list of new arrays (one per
    variable, also for a single NDArray); ``.grad`` is untouched.

    Each variable must have been marked (``attach_grad``) with a grad_req other than 'null',
    and the heads must depend on it; otherwise MXNetError, as in MXNet. With
    ``create_graph=True`` the computation of the gradients is recorded, so they can be
    differentiated again (higher-order gradients); a gradient that turns out constant
    differentiates to zeros. ``retain_graph`` defaults to ``create_graph``.

    >>> import mxgrad as mx
    >>> x = mx.nd.array([1.0])
    >>> x.attach_grad()
    >>> with mx.autograd.record():
    ...     y = mx.nd.exp(x) + x
    ...     dx = mx.autograd.grad(y, [x], create_graph=True)[0]
    >>> dx.backward()
    >>> x.grad
    <BLANKLINE>
    [2.7182817]
    <NDArray 1 @cpu(0)>
    >>> with mx.autograd.record():
    ...     y = x * x * x
    >>> mx.autograd.grad(y, x)                  # a single variable: still a list
    [
    [3.]
    <NDArray 1 @cpu(0)>]
    >>> # derivatives of x**2 up to the 4th: constant, then zeros
    >>> with mx.autograd.record():
    ...     g = x * x
    ...     for order in range(4):
    ...         g = mx.autograd.grad(g, x, create_graph=True)[0]
    ...         print(order + 1, g.asnumpy())
    1 [2.]
    2 [2.]
    3 [0.]
    4 [0.]
    """
    heads = _as_list(heads, "heads")
    if isinstance(variables, NDArrayBase):
        variables = [variables]
    elif isinstance(variables, (list, tuple)):
        variables = list(variables)
    else:
        raise MXNetError(f"grad: variables must be an NDArray or a list of NDArrays, got "
                         f"{type(variables).__name__}")
    if retain_graph is None:
        retain_graph = create_graph
    return run_backward(heads, _head_grads(heads, head_grads), variables, bool(retain_graph),
                        bool(create_graph), bool(train_mode))


def get_symbol(x):
    """The recorded history of ``x`` as a Symbol (see mxgrad.symbol).

    >>> x = mx.nd.array([1, 2])
    >>> x.attach_grad()
    >>> with mx.autograd.record():
    ...     y = mx.nd.exp(x) * 2
    >>> sym = mx.autograd.get_symbol(y)
    >>> name, = sym.list_arguments()       # the one input, x
    >>> sym.eval(**{name: mx.nd.array([0, 0])})[0]
    <BLANKLINE>
    [2. 2.]
    <NDArray 2 @cpu(0)>
    """
    from mxgrad.symbol import symbol_from_tape
    return symbol_from_tape(x)


@gradient_rule("_constant_gradient")
def _constant_gradient_rule(saved, inputs, outputs, out_grads):
    """A gradient that does not depend on the variables (grad(create_graph=True) of a linear
    function): its own gradient is zero."""
    return (None,) * len(inputs)


@gradient_rule("Function")
def _function_rule(function, inputs, outputs, out_grads):
    """A custom Function's gradient: its own ``backward``."""
    return function._vjp(None, inputs, outputs, out_grads)


class Function:
    """A custom differentiable function: define ``forward`` and ``backward``.

    ``forward`` runs without recording; ``backward`` receives one gradient per output and
    returns one per input. Each instance may be called once.

    >>> import mxgrad as mx
    >>> class Sigmoid(mx.autograd.Function):
    ...     def forward(self, x):
    ...         y = 1 / (1 + mx.nd.exp(-x))
    ...         self.save_for_backward(y)
    ...         return y
    ...     def backward(self, dy):
    ...         y, = self.saved_tensors
    ...         return dy * y * (1 - y)
    >>> x = mx.nd.array([0.0])
    >>> x.attach_grad()
    >>> with mx.autograd.record():
    ...     z = Sigmoid()(x)
    >>> z.backward()
    >>> x.grad
    <BLANKLINE>
    [0.25]
    <NDArray 1 @cpu(0)>
    """

    def __init__(self):
        self._used = False
        self.saved_tensors = ()

    def save_for_backward(self, *args):
        """Keep arrays for ``backward`` (as ``self.saved_tensors``)."""
        self.saved_tensors = args

    def forward(self, *inputs):
        raise NotImplementedError

    def backward(self, *output_grads):
        raise NotImplementedError

    def __call__(self, *inputs):
        if self._used:
            raise MXNetError(f"{type(self).__name__}: each Function instance can be called "
                             "only once; create a new instance for each call")
        self._used = True
        for x in inputs:
            if not isinstance(x, NDArrayBase):
                raise MXNetError(f"{type(self).__name__}: inputs must be NDArrays, "
                                 f"got {type(x).__name__}")
        with _RecordingStateScope(False, None):
            outputs = self.forward(*inputs)
        single = isinstance(outputs, NDArrayBase)
        outs = (outputs,) if single else tuple(outputs)
        # An output that is an input object would point at its own node: give it its own
        # array object over the same data.
        outs = tuple(o.detach() if any(o is x for x in inputs) else o for o in outs)
        if is_recording():
            record_op(type(self).__name__, tuple(inputs), outs, _function_rule, self,
                      replay=self._replay)
        return outs[0] if single else outs

    def _replay(self, *inputs):
        """Run a fresh copy of this Function on new inputs (get_symbol's eval)."""
        again = copy.copy(self)
        again._used = False
        again.saved_tensors = ()
        return again(*inputs)

    def _vjp(self, saved, inputs, outputs, out_grads):
        with _RecordingStateScope(False, None):
            grads = self.backward(*out_grads)
        if isinstance(grads, NDArrayBase):
            grads = (grads,)
        grads = tuple(grads)
        if len(grads) != len(inputs):
            raise MXNetError(f"{type(self).__name__}.backward returned {len(grads)} gradients "
                             f"for {len(inputs)} inputs")
        for x, g in zip(inputs, grads):
            if g is not None and (not isinstance(g, NDArrayBase) or g.shape != x.shape):
                raise MXNetError(f"{type(self).__name__}.backward: gradient "
                                 f"{getattr(g, 'shape', type(g).__name__)} does not match the "
                                 f"input shape {x.shape}")
        return grads


# --- helpers the Cython traversal calls ---------------------------------------------------
# Built from NDArray primitives and operators only: the engine imports no op family (the one
# reduction it needs, sum_to_shape, mxgrad.ndarray.reduce hands to the tape itself).
def _zeros_for(shape, code, ctx):
    z = _ndarray.empty_array(ctx, shape, code)
    z._fill(0)
    return z


# The implicit head gradient: ones shaped like the head, as an elementwise op that reads
# nothing, so it fuses with the first gradient ops instead of costing a fill command.
_ONES = _ndarray.ElemwiseOp("_ones_like", "((CT)1)", 1)


def _ones_like(a):
    return _ONES(a)


def _add(a, b):
    return a + b


# The gradient arrays backward wrote since someone last cleared them (x._fresh_grad, which
# Gluon's Trainer reads to find parameters whose gradient was not recomputed): id -> array.
_FRESH_GRADS = weakref.WeakValueDictionary()


def grad_is_fresh(grad):
    """Whether backward wrote the gradient array ``grad`` since it was last marked stale."""
    return grad is not None and _FRESH_GRADS.get(id(grad)) is grad


def mark_grad_fresh(grad, fresh):
    if fresh:
        _FRESH_GRADS[id(grad)] = grad
    else:
        _FRESH_GRADS.pop(id(grad), None)


def _copy_into(dst, src):
    _FRESH_GRADS[id(dst)] = dst
    # Cheapest first: the pending fused op writes dst itself, or dst takes src's buffer.
    if not _ndarray.retarget_pending(src, dst) and not _ndarray.adopt_buffer(src, dst):
        dst._copy_from(src)


def _add_into(dst, src):
    _FRESH_GRADS[id(dst)] = dst
    with _RecordingStateScope(False, None):
        dst += src


_tape._init(_zeros_for, _ones_like, _add, _copy_into, _add_into,
            _ndarray.alias_of, _ndarray.set_backward_running, _constant_gradient_rule,
            lambda grad: mark_grad_fresh(grad, True))
