"""The autograd tape and its reverse traversal, in Cython.

Recording: when the thread's recording flag is on and some input of an op needs a gradient
(a variable from ``attach_grad``, or the output of a recorded op), the op calls ``record``,
which makes a ``Node`` holding the inputs (strong references), weak references to the
outputs of a multi-output op and what the op's gradient rule needs. Outputs point back at
their node through C fields of ``TapeArray``, the arrays' base class (``x._entry`` gives
``(node, index)`` to Python). The graph is a DAG of strong references from outputs to
inputs only, so dropping the last output frees it without the garbage collector.

Backward is micrograd's loop, iterative: a depth-first post-order over the nodes reachable
from the heads, then each node's rule in reverse order, accumulating into the producers of
its inputs. grad_req, retain_graph and create_graph are separate steps around that loop.
Gradient rules are written in NDArray ops; with create_graph they run while recording, so
the backward pass is itself differentiable.
"""
cimport cython
from cpython.ref cimport PyObject

import weakref

from mxgrad.base import MXNetError

cdef extern from *:
    """
    static __thread int mxgrad_recording = 0;
    static __thread int mxgrad_training = 0;
    static __thread int mxgrad_in_create_graph = 0;
    """
    int mxgrad_recording
    int mxgrad_training
    int mxgrad_in_create_graph   # a grad(create_graph=True) traversal is recording its ops


cdef bint is_recording_c() noexcept nogil:
    return mxgrad_recording


cdef bint is_training_c() noexcept nogil:
    return mxgrad_training


def set_recording(bint is_recording):
    """Set whether operations are recorded; returns the previous state.

    >>> prev = mx.autograd.set_recording(True)
    >>> prev, mx.autograd.is_recording()
    (False, True)
    >>> mx.autograd.set_recording(prev)
    True
    >>> mx.autograd.is_recording()
    False
    """
    global mxgrad_recording
    cdef bint prev = mxgrad_recording
    mxgrad_recording = is_recording
    return prev


def set_training(bint train_mode):
    """Set train (True) or predict (False) mode; returns the previous state.

    >>> prev = mx.autograd.set_training(True)
    >>> mx.autograd.is_training(), mx.autograd.is_recording()
    (True, False)
    >>> mx.autograd.set_training(prev)      # restores; returns the state it replaces
    True
    >>> mx.autograd.is_training()
    False
    """
    global mxgrad_training
    cdef bint prev = mxgrad_training
    mxgrad_training = train_mode
    return prev


def is_recording():
    """Whether operations are being recorded in this thread.

    >>> mx.autograd.is_recording()
    False
    >>> with mx.autograd.record():
    ...     print(mx.autograd.is_recording())
    True
    """
    return bool(mxgrad_recording)


def is_training():
    """Whether this thread is in train mode.

    >>> mx.autograd.is_training()
    False
    >>> with mx.autograd.record():
    ...     print(mx.autograd.is_training())
    True
    >>> with mx.autograd.record(train_mode=False):
    ...     print(mx.autograd.is_training())
    False
    """
    return bool(mxgrad_training)


cdef object zeros_for = None       # (shape, dtype code, ctx) -> zero array
cdef object ones_like = None       # array -> ones of its shape
cdef object sum_to_shape = None    # (grad, shape) -> grad summed over broadcast dims
cdef object add = None             # (a, b) -> a + b (recorded when create_graph)
cdef object copy_into = None       # (dst, src) -> dst[:] = src without recording
cdef object add_into = None        # (dst, src) -> dst += src without recording
cdef object alias_of = None        # array -> the same data without history
cdef object backward_running = None  # (bool) -> tells the fusion that a traversal runs
cdef object constant_rule = None     # the rule of a gradient that is constant in the variables
cdef object mark_fresh = None        # (grad) -> notes that backward wrote it (x._fresh_grad)


def _init(zeros_fn, ones_like_fn, add_fn, copy_into_fn, add_into_fn,
          alias_fn, backward_running_fn, constant_rule_fn, mark_fresh_fn):
    """Called once by mxgrad.autograd with the array helpers the traversal needs."""
    global zeros_for, ones_like, add, copy_into, add_into, alias_of
    global backward_running, constant_rule, mark_fresh
    mark_fresh = mark_fresh_fn
    alias_of = alias_fn
    constant_rule = constant_rule_fn
    backward_running = backward_running_fn
    zeros_for = zeros_fn
    ones_like = ones_like_fn
    add = add_fn
    copy_into = copy_into_fn
    add_into = add_into_fn


def set_sum_to_shape(fn):
    """Called once by mxgrad.ndarray.reduce: ``fn(grad, shape)`` sums a broadcast input's
    gradient back to its shape. The op layer hands it over, so the engine imports no op."""
    global sum_to_shape
    sum_to_shape = fn


cdef class TapeArray:
    """The part of an array the tape reads and writes: its history (``_entry``) and its
    gradient (``_grad``, ``_grad_req``). ``mxgrad.ndarray.NDArray`` derives from it."""

    @property
    def _entry(self):
        """(node, output index) of the recorded op that produced the array, or None."""
        if self.node_ is None:
            return None
        return (self.node_, self.out_index)

    @_entry.setter
    def _entry(self, entry):
        if entry is None:
            self.node_ = None
            self.out_index = 0
        else:
            node, index = entry
            self.node_ = <Node?>node
            self.out_index = index


# Nodes (and pool buffers, _pool.pxi) are made and dropped by the hundred per training
# step: objects reused from a freelist do not count towards the garbage collector's next
# collection (a recorded op otherwise triggered one every ~230 ops, and every tenth moved
# the live graph to the oldest generation, whose full collections then dominated).
@cython.freelist(256)
@cython.trashcan(True)
@cython.final
cdef class Node:
    """One recorded op: its inputs, weak references to its outputs, and its gradient rule."""

    def __repr__(self):
        return f"<autograd Node {self.name}{' (freed)' if self.freed else ''}>"

    @property
    def outputs(self):
        """The outputs of a multi-output op still alive (None for one that was dropped);
        None for each output of a single-output op, which keeps no reference to it."""
        return live_outputs(self)

    cdef void free(self):
        self.freed = True
        for x in self.inputs:
            if isinstance(x, TapeArray) and (<TapeArray>x).node_ is None:
                (<TapeArray>x)._in_graph = False
        self.inputs = None
        self.saved = None
        self.saved_outputs = None
        self.out_grads = None


cdef tuple live_outputs(Node node):
    """What a rule that does not read its outputs gets for them: the outputs of a
    multi-output op still alive (None for one that was dropped); (None,) for a single output,
    as if it had been dropped (it usually has by then: one object fewer per node)."""
    if node.n_out == 1:
        return (None,)
    return tuple([r() for r in node.out_refs])


cdef bint needs_grad(object x):
    """Whether gradients must flow into ``x``: a variable or the output of a live node."""
    if not isinstance(x, TapeArray):
        return False
    cdef TapeArray t = <TapeArray>x
    if t.node_ is not None:
        return not t.node_.freed
    return takes_grad(t)


cdef inline bint takes_grad(TapeArray t):
    """Whether ``t``, an array without history, is a variable whose grad_req asks for a
    gradient."""
    return t._grad_req is not None and t._grad_req != "null"


cdef inline object reconnected(object alias, Node node, Py_ssize_t k):
    """``alias`` (of a saved output) given the history of output ``k`` of ``node``: what
    backward hands the node's rule, so that create_graph differentiates through it."""
    (<TapeArray>alias).node_ = node
    (<TapeArray>alias).out_index = k
    return alias


def wants_grad(x):
    """Whether a gradient must flow into ``x`` (rules skip inputs that do not need one)."""
    return needs_grad(x)


cdef object record(str name, object rule, tuple inputs, tuple outputs, object saved,
                   bint reduce_broadcast, object replay, dict attrs, bint save_outputs):
    """Put one op on the tape if some input needs a gradient; returns the Node or None.

    ``inputs`` are what the node keeps: the caller may pass a husk (shape and history, no
    data) for an input the rule does not read. ``save_outputs``: the rule reads the
    outputs, so the node keeps aliases of their data without history (no reference
    cycle); backward hands the rule aliases reconnected to this node.
    """
    cdef bint any_needed = False
    for x in inputs:
        if needs_grad(x):
            any_needed = True
            break
    if not any_needed:
        return None
    cdef Node node = Node.__new__(Node)
    node.name = name
    node.rule = rule
    node.inputs = inputs
    node.saved = saved
    node.reduce_broadcast = reduce_broadcast
    node.replay = replay
    node.attrs = attrs
    node.from_grad = mxgrad_in_create_graph
    node.n_out = len(outputs)
    if node.n_out == 1:     # most ops: no tuples, one object fewer for the collector each
        if save_outputs:
            node.saved_outputs = alias_of(outputs[0])
    else:                   # a single output only gets a gradient while it is alive
        node.out_refs = tuple([weakref.ref(o) for o in outputs])
        node.out_meta = tuple([(o.shape, o._dtype_code, o.context) for o in outputs])
        if save_outputs:
            node.saved_outputs = tuple([alias_of(o) for o in outputs])
    cdef Py_ssize_t i
    for x in inputs:
        if isinstance(x, TapeArray):
            (<TapeArray>x)._in_graph = True
    for i in range(node.n_out):
        (<TapeArray?>outputs[i]).node_ = node
        (<TapeArray>outputs[i]).out_index = i
    return node


cdef set _rules = set()      # the rules of mxgrad.gradients' table


def register_rule(rule):
    """Admit ``rule`` to record_op (mxgrad.gradients.gradient_rule calls this)."""
    _rules.add(rule)


def record_op(str name, tuple inputs, tuple outputs, rule, saved=None, replay=None,
              dict attrs=None, bint reduce_broadcast=False, bint save_outputs=True):
    """Record an op (call after its forward was enqueued, only while recording).

    ``rule(saved, inputs, outputs, out_grads)`` returns one gradient (NDArray or None) per
    input and must be written in NDArray ops so it can be differentiated again; it must be
    in the table of gradient rules (``mxgrad.gradients.gradient_rule``).
    ``replay(*inputs)`` recomputes the outputs from new inputs (``get_symbol(...).eval``);
    ``attrs`` are the op's arguments as MXNet names them (for the symbol's JSON).
    ``save_outputs=False`` when the rule never reads ``outputs``.
    
    >>> @mx.gradients.gradient_rule("double")     # rules enter the table of gradient rules
    ... def double_rule(saved, inputs, outputs, grads):
    ...     return (grads[0] * 2,)
    >>> def double(x):                   # an op made of NDArray ops, recorded as one node
    ...     y = x.detach() * 2           # the forward, cut from the graph
    ...     if mx.autograd.is_recording():
    ...         mx.autograd.record_op("double", (x,), (y,), double_rule)
    ...     return y
    >>> x = mx.nd.array([1, 2])
    >>> x.attach_grad()
    >>> with mx.autograd.record():
    ...     y = double(x) * x
    >>> y.backward()
    >>> x.grad                           # d(2x * x)/dx = 4x
    <BLANKLINE>
    [4. 8.]
    <NDArray 2 @cpu(0)>
    """
    if rule not in _rules:
        raise MXNetError(f"{name}: its gradient rule {getattr(rule, '__name__', rule)!r} is "
                         "not in the table of gradient rules (mxgrad.gradients)")
    return record(name, rule, inputs, outputs, saved, reduce_broadcast, replay, attrs,
                  save_outputs)


cdef Py_ssize_t _epoch = 0


cdef list topo_order(list heads):
    """Nodes reachable from the heads' nodes, inputs before users (iterative DFS)."""
    global _epoch
    _epoch += 1
    cdef Py_ssize_t epoch = _epoch
    cdef list order = []
    cdef list stack = []
    cdef Node node, child
    for node in heads:
        if node.mark == epoch:
            continue
        node.mark = epoch
        node.cursor = 0
        stack.append(node)
        while stack:
            node = <Node>stack[len(stack) - 1]
            if node.cursor < len(node.inputs):
                x = node.inputs[node.cursor]
                node.cursor += 1
                if isinstance(x, TapeArray):
                    child = (<TapeArray>x).node_
                    if child is not None:
                        if child.mark != epoch and not child.freed:
                            child.mark = epoch
                            child.cursor = 0
                            stack.append(child)
            else:
                stack.pop()
                order.append(node)
    return order


cdef object implicit_head_grad(h):
    """Ones shaped like ``h``; or the number 1.0 for a one-element head whose gradient rule
    takes a number (a sum or mean: the gradient then fuses with the forward pass that
    computed the head, see mxgrad.ndarray.reduce)."""
    cdef Node node = (<TapeArray>h).node_
    if h.size == 1 and node.n_out == 1 and getattr(node.rule, "scalar_head", False):
        return 1.0
    return ones_like(h)


cdef inline object accumulate(object prev, object g):
    return g if prev is None else add(prev, g)


cdef str ordinal(Py_ssize_t n):
    """1st, 2nd, 3rd, 4th, ..., 11th, 12th, 13th, 21st."""
    if n % 100 in (11, 12, 13):
        return f"{n}th"
    return f"{n}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th') }"


cdef object check_variables(list variables):
    """grad()'s variables must be marked variables that take a gradient (as in MXNet)."""
    for k, v in enumerate(variables):
        if not isinstance(v, TapeArray):
            raise MXNetError(f"grad: variables must be NDArrays, got {type(v).__name__}")
        if (<TapeArray>v).node_ is not None or not takes_grad(<TapeArray>v):
            raise MXNetError(
                f"cannot differentiate with respect to the {ordinal(k + 1)} variable: it does "
                "not require a gradient (call attach_grad() on it, with a grad_req other than "
                "'null', before recording)")


cdef object constant_gradient(g, list variables):
    """``g`` (a gradient that no recorded op connects to the variables) as a recorded
    constant function of them, so a higher-order grad of it gives zeros, not an error."""
    out = alias_of(g)          # a new array object: g may be the caller's head grad
    const = alias_of(g)
    node = record("_constant_gradient", constant_rule, tuple(variables), (out,), None, False,
                  lambda *args: const.copy(), None, False)
    (<Node>node).from_grad = True
    return out


cdef list check_heads(list heads, list head_grads):
    """The heads' nodes; each head must come out of a live recorded op, and a head gradient
    must match its head in shape, dtype and context."""
    cdef list head_nodes = []
    cdef Node node
    for i, h in enumerate(heads):
        if not isinstance(h, TapeArray):
            raise MXNetError(f"backward: heads must be NDArrays, got {type(h).__name__}")
        node = (<TapeArray>h).node_
        if node is None:
            raise MXNetError(
                "cannot differentiate: the array was not computed inside autograd.record() "
                "from a variable (call attach_grad() on the inputs and compute the output "
                "inside `with autograd.record():`)")
        if node.freed:
            raise MXNetError(
                "cannot differentiate the same graph twice: it was freed by the previous "
                "backward; pass retain_graph=True to the first backward to keep it")
        g = head_grads[i] if head_grads is not None else None
        if g is not None:
            if g.shape != h.shape:
                raise MXNetError(f"backward: head gradient of shape {g.shape} does not "
                                 f"match the head's shape {h.shape}")
            if g._dtype_code != h._dtype_code:
                raise MXNetError(f"backward: head gradient of dtype {g.dtype.__name__} "
                                 f"does not match the head's dtype {h.dtype.__name__}")
            if g.context != h.context:
                raise MXNetError(f"backward: head gradient on {g.context} but the head "
                                 f"is on {h.context}")
        head_nodes.append(node)
    return head_nodes


cdef object check_reached(list order, list variables, set reached):
    """A variable of grad() the heads do not reach is an error (as in MXNet), except when
    the heads depend on a gradient recorded by grad(create_graph=True): a higher-order
    gradient, whose unreached variables get zeros."""
    cdef Node node
    for node in order:
        if node.from_grad:
            return
    for k, v in enumerate(variables):
        if id(v) not in reached:
            for node in order:
                node.out_grads = None
            raise MXNetError(
                f"cannot differentiate with respect to the {ordinal(k + 1)} variable: the "
                "heads do not depend on it (it is unreachable from them in the recorded "
                "graph)")


cdef inline add_total(dict totals, object x, object g):
    """Add ``g`` to the gradient collected for variable ``x`` (id(x) -> [x, sum])."""
    t = totals.get(id(x))
    if t is None:
        totals[id(x)] = [x, g]
    else:
        t[1] = accumulate(t[1], g)


def run_backward(list heads, list head_grads, variables, bint retain_graph, bint create_graph,
                 bint train_mode):
    """Reverse traversal from ``heads``.

    variables None: backward(): write/add each reached variable's ``.grad`` per its grad_req.
    variables a list: grad(): return the gradient of each; ``.grad`` is left alone. A
    variable the heads do not reach raises, unless the heads depend on a gradient computed
    with create_graph=True (a higher-order gradient): then its gradient is zeros.
    Every error about the arguments is raised before the graph is touched.
    """
    global mxgrad_in_create_graph
    cdef Node node, child
    cdef TapeArray t
    cdef list nulls = []
    cdef list grads
    cdef tuple inputs
    cdef Py_ssize_t i, j, k, n_in
    cdef int prev_in_create_graph = mxgrad_in_create_graph
    # --- arguments: checked before the graph is touched -------------------------------------
    head_nodes = check_heads(heads, head_grads)
    if variables is not None:
        check_variables(variables)
    order = topo_order(head_nodes)
    # --- the variables that will receive gradients ----------------------------------------
    wanted = None
    reached_wanted = None
    if variables is not None:
        wanted = {id(v): k for k, v in enumerate(variables)}
        reached_wanted = set()
    totals = {}                       # id(variable) -> [variable, accumulated gradient]
    reached_vars = {}                 # backward(): id -> every variable the graph reaches
    for node in order:
        node.out_grads = [None] * node.n_out
        for x in node.inputs:
            if not isinstance(x, TapeArray) or (<TapeArray>x).node_ is not None:
                continue
            req = (<TapeArray>x)._grad_req
            if req is None:
                continue
            if req == "null":
                if not retain_graph:
                    nulls.append(x)       # MXNet drops its gradient buffer with the graph
            elif wanted is None:
                reached_vars[id(x)] = x
            elif id(x) in wanted:
                reached_wanted.add(id(x))
    if wanted is None:
        if not reached_vars:
            for node in order:
                node.out_grads = None
            raise MXNetError("backward: no variable in the recorded graph needs a gradient "
                             "(call attach_grad() on an input before recording)")
    elif len(reached_wanted) < len(wanted):
        check_reached(order, variables, reached_wanted)
    # --- head gradients (ones for an implicit head gradient) ---------------------------------
    prev_rec = set_recording(create_graph)
    prev_train = set_training(train_mode)
    prev_running = backward_running(True)
    if create_graph:
        mxgrad_in_create_graph = 1
    try:
        for i, h in enumerate(heads):
            g = head_grads[i] if head_grads is not None else None
            if g is None:
                g = implicit_head_grad(h)
            node = (<TapeArray>h).node_
            k = (<TapeArray>h).out_index
            node.out_grads[k] = accumulate(node.out_grads[k], g)
        # --- the loop ---------------------------------------------------------------------
        for i in range(len(order) - 1, -1, -1):
            node = <Node>order[i]
            grads = node.out_grads
            for k in range(len(grads)):
                if grads[k] is not None:
                    break
            else:
                continue                  # no gradient reached this node
            for k in range(len(grads)):
                if grads[k] is None:
                    shape, code, ctx = node.out_meta[k]
                    grads[k] = zeros_for(shape, code, ctx)
            if node.saved_outputs is None:
                outputs = live_outputs(node)
            elif node.n_out == 1:
                outputs = (reconnected(alias_of(node.saved_outputs), node, 0),)
            else:
                outputs = tuple([reconnected(alias_of(o), node, k)
                                 for k, o in enumerate(node.saved_outputs)])
            inputs = node.inputs
            in_grads = node.rule(node.saved, inputs, outputs, tuple(grads))
            n_in = len(inputs)
            if len(in_grads) != n_in:
                raise MXNetError(f"gradient rule of {node.name} returned {len(in_grads)} "
                                 f"gradients for {n_in} inputs")
            node.out_grads = None         # released now: nothing flows into it any more
            for j in range(n_in):
                x = inputs[j]
                g = in_grads[j]
                if g is None or not isinstance(x, TapeArray):
                    continue
                t = <TapeArray>x
                if node.reduce_broadcast and g.shape != x.shape:
                    g = sum_to_shape(g, x.shape)
                child = t.node_
                if wanted is not None:
                    if id(x) in wanted:
                        add_total(totals, x, g)
                elif child is None and takes_grad(t):
                    add_total(totals, x, g)
                if child is not None and not child.freed and child.out_grads is not None:
                    child.out_grads[t.out_index] = accumulate(child.out_grads[t.out_index], g)
        # --- deliver -------------------------------------------------------------------------
        if wanted is not None:
            result = []
            for v in variables:
                total = totals.get(id(v))
                g = total[1] if total is not None else zeros_for(v.shape, v._dtype_code, v.context)
                if create_graph and (<TapeArray>g).node_ is None:
                    g = constant_gradient(g, variables)
                result.append(g)
    finally:
        set_recording(prev_rec)
        set_training(prev_train)
        backward_running(prev_running)
        mxgrad_in_create_graph = prev_in_create_graph
        if not retain_graph:
            for node in order:
                node.free()
        else:
            for node in order:
                node.out_grads = None
    # A variable with grad_req 'null' loses its gradient buffer once the graph is freed
    # (x.grad is None afterwards), as in MXNet.
    for x in nulls:
        x._grad = None
        x._grad_req = None
    if wanted is not None:
        return result
    for x, g in totals.values():
        if x._grad_req == "add":
            add_into(x._grad, g)
        else:
            copy_into(x._grad, g)
    # A variable reached only through zero-gradient paths (floor, comparisons) gets 0, and
    # its gradient counts as written (MXNet marks it fresh too, for Gluon's Trainer).
    for key, x in reached_vars.items():
        if key not in totals and x._grad_req in ("write", "add"):
            if x._grad_req == "write":
                x._grad._fill(0)
            mark_fresh(x._grad)
    return None
