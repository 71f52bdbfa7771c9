"""Lazy fusion of elementwise ops into one generated kernel.

Elementwise ops of one shape and dtype issued back to back on a context are not enqueued
one by one: each becomes a node of the context's pending ``FusionGroup`` (its output buffer
is taken from the pool at once, so the array is a normal NDArray). The group runs as one
kernel when anything else is enqueued on the context (another op, a copy, a host read,
``waitall``), when an op of another shape or dtype arrives, or when the kernel's argument
space is full. Intermediates whose NDArray died before that are never written to memory.

MXNet's eager semantics hold: every check runs at the call; the queue is in order and the
group always runs before any later command of the context, so what any command sees is
exactly what eager execution would have produced.

Threads: the pending group is per thread (the thread's Lane of the DeviceState), so a
thread's groups, and the kernels and the bits they produce, are those of a serial run. What
another thread does touches them only through memory they share: using an array a group
computes, or a buffer it reads or writes, runs that group first (``settle``). Groups are
built, changed and run under the DeviceState's lock.
"""
# Included by _ndarray.pyx (the elementwise dispatch hands its ops to add_op).
cdef object source_builder = None     # mxgrad._codegen.fused_source
cdef Py_ssize_t GRID2D_MIN_ROW = 32
cdef object kernel_from_source = None  # (ctx, source, what) -> Kernel
cdef object reduce_source_builder = None  # mxgrad._codegen.fused_reduce_source
cdef object segments_source_builder = None  # mxgrad._codegen.fused_segments_source
cdef object reduction_slots = None      # (ctx, n) -> (slots, chunk, interleaved): reduce.py
cdef object merge_partials = None       # (partials, out, op, count): reduce.py


cdef class FusionGroup:
    """The pending elementwise ops of one context (one output shape and dtype)."""
    cdef readonly tuple shape      # output shape shared by every op of the group
    cdef readonly int code         # dtype code shared by every op
    cdef Py_ssize_t n              # elements per output
    cdef object ctx                # the Context
    cdef DeviceState dev
    cdef list leaves               # realized input arrays (held: their buffers stay put)
    cdef dict leaf_index           # id(array) -> position in leaves
    cdef list scalars              # Python scalars, passed as kernel arguments
    cdef list nodes                # (snippet, *argument tokens) per op, in order
    cdef list outputs              # output Buffer per op
    cdef list out_offsets          # element offset of each output in its buffer
    cdef readonly bint flushed     # enqueued already: its arrays are plain arrays now
    cdef list key                  # structural description, the kernel cache key
    cdef Py_ssize_t param_bytes    # kernel argument bytes used so far
    cdef Py_ssize_t output_bytes   # ... of them by outputs (held ones only, after a recount)
    cdef bint recount_futile       # a recount freed too little to try again
    cdef list reductions           # (node, op, result buffer, offset, shape) per fused sum/mean
    cdef tuple red_layout          # (kind, rows, cols) shared by the reductions
    cdef bint has_broadcast        # a leaf is broadcast (its group cannot be a segment)
    cdef bint closed               # it writes an existing array (out=): no op joins it
    # Segments: independent groups of other shapes issued just before this one, run in the
    # same launch (fused_segments.cl) instead of one launch each.
    cdef list sealed               # those groups, oldest first
    cdef bint is_sealed            # this group is one of them (a later group will run it)
    cdef set sealed_reads          # id() of every buffer the sealed groups read ...
    cdef set sealed_writes         # ... and write: a segment must not touch them (races)
    cdef Py_ssize_t sealed_bytes   # kernel argument bytes the sealed groups use
    cdef FusionGroup sealer        # the group this one was sealed into
    cdef Lane lane                 # the lane (thread) whose pending group it is or was
    cdef bint running              # being enqueued now (by the thread holding the lock)

    def __cinit__(self, DeviceState dev, ctx, tuple shape, int code, Py_ssize_t n):
        self.dev = dev
        self.ctx = ctx
        self.shape = shape
        self.code = code
        self.n = n
        self.leaves = []
        self.leaf_index = {}
        self.scalars = []
        self.nodes = []
        self.outputs = []
        self.out_offsets = []
        self.key = []
        self.reductions = []
        self.param_bytes = 24
        self.sealed = []

    def __len__(self):
        return len(self.nodes)

    cdef int node_for(self, object arr) except -2:
        """The node computing ``arr`` in this group, or -1."""
        cdef NDArrayBase a = <NDArrayBase>arr
        if a.lazy is self and a.lazy_index >= 0:
            return a.lazy_index
        return -1

    cdef int leaf_token(self, object arr) except 1:
        """Token of a realized input (added as a leaf on first use): -1 - its index."""
        cdef NDArrayBase a = <NDArrayBase>arr
        cdef Py_ssize_t k
        key = id(a)
        idx = self.leaf_index.get(key)
        if idx is None:
            idx = len(self.leaves)
            self.leaf_index[key] = idx
            self.leaves.append(a)
            if a.shape_ != self.shape and a.size_ != 1:
                self.has_broadcast = True
                self.param_bytes += 8 * len(self.shape)
            self.param_bytes += 16
        return -1 - <int>idx


cdef enum:
    SCALAR_TOKEN = 1 << 20      # operand tokens at or above this name scalar arguments

cdef Py_ssize_t PARAM_LIMIT = 1024 - 128   # bytes of kernel arguments a group may use
cdef Py_ssize_t NODE_LIMIT = 192           # ops per generated kernel


def set_limits(Py_ssize_t param_bytes, Py_ssize_t nodes):
    """Kernel-size limits (from the device's CL_DEVICE_MAX_PARAMETER_SIZE)."""
    global PARAM_LIMIT, NODE_LIMIT
    PARAM_LIMIT = param_bytes
    NODE_LIMIT = nodes


cdef object add_op(DeviceState dev, object ctx, tuple shape, int code, Py_ssize_t n,
                   str snippet, tuple args, NDArrayBase res, bint inplace=False):
    """Append one elementwise op writing ``res`` to this thread's pending group.

    ``inplace``: ``res`` is an existing array (``out=``), whose buffer other arrays may
    share: the op starts a group of its own that nothing joins later (``closed``); that
    group may still run as a segment beside others when no buffer is shared.
    """
    cdef long me = thread_ident()
    dev.acquire_as(me)
    try:
        return add_op_locked(dev, dev.lane_of(me), ctx, shape, code, n, snippet, args, res,
                             inplace)
    finally:
        dev.release()


cdef object add_op_locked(DeviceState dev, Lane lane, object ctx, tuple shape, int code,
                          Py_ssize_t n, str snippet, tuple args, NDArrayBase res,
                          bint inplace):
    if dev.busy > (lane.pending is not None):
        # Other threads' pending groups that use this op's memory come first.
        for x in args:
            if isinstance(x, NDArrayBase):
                sync_foreign(dev, lane, (<NDArrayBase>x).buf, False)
        sync_foreign(dev, lane, res.buf, True)
    cdef FusionGroup g = <FusionGroup>lane.pending
    cdef FusionGroup prev = None      # the pending group, sealed as a segment of the new one
    cdef NDArrayBase a
    cdef int k
    if g is not None and (inplace or g.closed or g.code != code or g.shape != shape
                          or len(g.nodes) >= NODE_LIMIT or over_param_limit(g, args)):
        if g.code == code and (g.shape != shape or inplace or g.closed) \
                and can_seal(g, shape, args):
            prev = g
        else:
            dev.flush()
        g = None
    # An input pending in this group is read from its node; any other pending input (it
    # is broadcast, so its node cannot feed this one element by element) is run first.
    for x in args:
        if isinstance(x, NDArrayBase):
            a = <NDArrayBase>x
            if is_pending(a) and (a.lazy is not g or a.shape_ != shape):
                dev.flush()
                if is_pending(a):           # pending in another thread's group
                    flush_group(a.lazy)
                g = prev = None
                break
    # A group that reduces takes only ops that read its results, except during a backward
    # pass (which joins the forward pass that computed its head): independent work (the
    # next iteration of a loop) would make groups, and their kernels, grow without end.
    if g is not None and g.reductions and not mxgrad_in_backward \
            and not reads_group(g, args):
        dev.flush()
        g = None
    if prev is not None and touches_sealed(prev, True, args, res):
        dev.flush()
        prev = None
    elif g is not None and g.sealed and (broadcasts(args, shape)
                                         or touches_sealed(g, False, args, res)):
        dev.flush()
        g = None
    if g is None:
        g = FusionGroup(dev, ctx, shape, code, n)
        g.lane = lane
        if prev is not None:
            seal_into(prev, g)
        dev.set_pending(lane, g)
    g.closed = inplace
    # The node: its snippet and its operand tokens: node j -> j, leaf k -> -1 - k, scalar
    # k -> SCALAR_TOKEN + k; packed in one int (_fusion_nodes.pxi), which is both the node
    # and its part of the cache key.
    cdef int tokens[8]
    cdef int nt = 0
    if len(args) > 8:
        raise MXNetError(f"a fused op takes 8 operands at most, got {len(args)}")
    for x in args:
        if isinstance(x, NDArrayBase):
            k = g.node_for(x)
            tokens[nt] = k if k >= 0 else g.leaf_token(x)
        else:
            tokens[nt] = SCALAR_TOKEN + scalar_slot(g, x)
        nt += 1
    cdef Py_ssize_t idx = len(g.nodes)
    node = pack_node(snippet, tokens, nt)
    g.nodes.append(node)
    g.outputs.append(res.buf)
    g.out_offsets.append(res.offset)
    g.key.append(node)
    g.param_bytes += 16 if res.offset else 8
    g.output_bytes += 16 if res.offset else 8
    res.lazy = g
    res.lazy_index = idx
    return g


cdef bint over_param_limit(FusionGroup g, tuple args):
    """Whether an op on ``args`` would take ``g``'s kernel past PARAM_LIMIT. The running
    count takes every output as an argument; only the outputs something still holds will
    be one (a recorded chain keeps one in two or none), so at the limit the count is redone
    from them: an output nobody holds now stays unheld."""
    cdef Py_ssize_t need = g.sealed_bytes + 16 + 16 * len(args)
    if need + g.param_bytes <= PARAM_LIMIT:
        return False
    if g.recount_futile:
        return True
    cdef Py_ssize_t exact = g.param_bytes - g.output_bytes
    for i in stored_outputs(g):
        exact += 16 if g.out_offsets[i] else 8
    g.output_bytes += exact - g.param_bytes
    g.param_bytes = exact
    # A recount that frees little would run again at the next op: the next overflow flushes.
    g.recount_futile = need + exact + 128 > PARAM_LIMIT
    return need + exact > PARAM_LIMIT


cdef Py_ssize_t scalar_slot(FusionGroup g, object x):
    """The argument slot of the scalar ``x`` in ``g``: the same object met again (a constant
    in a loop, a rule reading the op's scalar) shares its slot; any other gets a new one."""
    cdef Py_ssize_t k, n = len(g.scalars)
    for k in range(n - 1, max(n - 8, 0) - 1, -1):
        if g.scalars[k] is x:
            return k
    g.scalars.append(x)
    g.param_bytes += 8
    return n


REDUCE_SUM, REDUCE_MEAN = 0, 1
# what a group's reductions cover (KIND in kernels_cl/fused_reduce.cl)
REDUCE_ALL, REDUCE_ROWS, REDUCE_COLUMNS = 0, 1, 2
cdef bint fuse_reductions = True

cdef extern from *:
    """
    static __thread int mxgrad_in_backward = 0;
    """
    int mxgrad_in_backward


def set_backward_running(bint on):
    """Set whether autograd's reverse traversal runs in this thread; returns the previous
    setting."""
    global mxgrad_in_backward
    prev = bool(mxgrad_in_backward)
    mxgrad_in_backward = on
    return prev


def set_reduction_fusion(bint on):
    """Whether sums and means of pending elementwise results join the group (tests)."""
    global fuse_reductions
    fuse_reductions = on


def fuse_reduction(NDArrayBase x, NDArrayBase res, int op, tuple layout):
    """Make the pending group computing ``x`` also reduce it into ``res`` (``op``:
    REDUCE_SUM or REDUCE_MEAN), when it can; returns whether it did. ``layout`` is
    (kind, rows, cols): x seen as a (rows, cols) array reduced over everything (REDUCE_ALL),
    over its columns (ROWS: a result per row) or over its rows (COLUMNS); every reduction of
    a group has the same layout.

    ``res`` becomes pending on the group: whatever reads it runs the group first. The group's
    kernel accumulates x as it computes it, so x is written only if someone keeps it
    (``sum(x * x + 1)`` reads x once and writes nothing but the sum).
    """
    if not fuse_reductions or not is_pending(x) or x.lazy_index < 0 or is_pending(res):
        return False
    cdef DeviceState dev = x.dev
    dev.acquire()
    try:
        return fuse_reduction_locked(x, res, op, layout)
    finally:
        dev.release()


cdef bint fuse_reduction_locked(NDArrayBase x, NDArrayBase res, int op, tuple layout):
    if not is_pending(x):
        return False
    cdef FusionGroup g = <FusionGroup>x.lazy
    if g.running or g.lane is not x.dev.lane():
        return False                      # another thread's group keeps its own kernels
    if g.is_sealed or g.sealed or g.n <= 1 or x.size_ != g.n or res.dev is not x.dev \
            or res.dtype_code != g.code or g.code > 1 or g.param_bytes + 16 > PARAM_LIMIT \
            or len(g.reductions) >= 8 or (g.reductions and g.red_layout != layout):
        return False
    g.red_layout = layout
    g.reductions.append((x.lazy_index, op, res.buf, res.offset, res.shape_))
    g.key.append(("reduce", x.lazy_index, op))
    g.param_bytes += 16
    res.lazy = g
    res.lazy_index = -1      # not an element of the group: reading it runs the group
    return True


cdef bint reads_group(FusionGroup g, tuple args):
    for x in args:
        if isinstance(x, NDArrayBase) and g.node_for(x) >= 0:
            return True
    return False


cdef str leaf_layout(NDArrayBase a, tuple shape, list strides_out):
    """'c' same shape, 's' one element, 'b' broadcast (strides over ``shape`` appended)."""
    if a.shape_ == shape:
        return "c"
    if a.size_ == 1:
        return "s"
    cdef Py_ssize_t nd = len(shape), m = nd - len(a.shape_), j, acc = 1
    cdef list st = [0] * nd
    for j in range(nd - 1, -1, -1):
        if j >= m and a.shape_[j - m] != 1:
            st[j] = acc
            acc *= a.shape_[j - m]
    strides_out.append(st)
    return "b"


def retarget_pending(NDArrayBase src, NDArrayBase dst):
    """Make the pending op computing ``src`` write into ``dst`` instead of a buffer of its
    own, when that is safe; returns whether it did. Saves a full copy when a gradient goes
    into ``x.grad``: the fused kernel writes there directly.
    """
    if not is_pending(src) or src.lazy_index < 0 or is_pending(dst) or src.shape_ != dst.shape_ \
            or src.dtype_code != dst.dtype_code or src.dev is not dst.dev:
        return False
    cdef DeviceState dev = src.dev
    dev.acquire()
    try:
        return retarget_locked(src, dst)
    finally:
        dev.release()


cdef bint retarget_locked(NDArrayBase src, NDArrayBase dst):
    cdef DeviceState dev = src.dev
    cdef Lane lane = dev.lane()
    if dev.contended(lane):
        sync_foreign(dev, lane, dst.buf, True)   # another thread's group uses dst's memory
    if not is_pending(src) or is_pending(dst):
        return False
    cdef FusionGroup g = <FusionGroup>src.lazy
    if g.running or g.lane is not lane:
        return False
    cdef Py_ssize_t i = src.lazy_index
    if g.is_sealed or g.sealed:
        return False             # another segment may read dst: keep the plain copy
    old = src.buf
    if g.outputs[i] is not old or Py_REFCNT(old) > 3:
        return False             # views or saved aliases share src's buffer: keep it
    for leaf in g.leaves:        # the group reads dst's memory: writing it would race
        if (<NDArrayBase>leaf).buf is dst.buf:
            return False
    for buf in g.outputs:        # another op of the group already writes there
        if buf is dst.buf:
            return False
    g.outputs[i] = dst.buf
    g.out_offsets[i] = dst.offset
    g.param_bytes += 8 if dst.offset else 0
    g.output_bytes += 8 if dst.offset else 0
    src.buf = dst.buf             # whoever else holds src now reads the same place
    src.offset = dst.offset
    return True


def adopt_buffer(NDArrayBase src, NDArrayBase dst):
    """Give ``dst`` the data of ``src`` by exchanging their buffers, when nothing else can
    see either buffer (a view, a saved alias, an export to pyopencl or DLPack); returns
    whether it did. A gradient a rule computed becomes ``x.grad`` without a copy kernel;
    ``src`` leaves with x.grad's old buffer, which returns to the pool when it dies.
    """
    if src.shape_ != dst.shape_ or src.dtype_code != dst.dtype_code or src.dev is not dst.dev \
            or src.offset or dst.offset or src is dst:
        return False
    cdef Buffer sb = src.buf, db = dst.buf
    if sb is None or db is None or sb is db or sb.pool is None or db.pool is None:
        return False                      # no data, or a foreign buffer (interop)
    if Py_REFCNT(sb) > 2 or Py_REFCNT(db) > 2:
        return False                      # the array and ``sb``/``db`` here: nobody else
    # Pending fused ops read arrays, not buffers: run them first, so what they read of
    # dst is its old data, as eager execution would have it.
    src.dev.flush()
    settle(src, True)
    settle(dst, True)
    if is_pending(src) or is_pending(dst) or Py_REFCNT(sb) > 2 or Py_REFCNT(db) > 2:
        return False
    dst.buf, src.buf = sb, db
    return True


cdef inline bint is_pending(NDArrayBase a):
    """Whether ``a`` is computed by a fused group that has not been enqueued yet."""
    return a.lazy is not None and not (<FusionGroup>a.lazy).flushed


def flush_group(FusionGroup g):
    """Run a group (and the groups sealed into it; a sealed group runs the group it was
    sealed into): one kernel computing every op, storing the outputs still referenced.
    Any thread may run any thread's group; it leaves that thread's lane."""
    cdef DeviceState dev = g.dev
    dev.acquire()
    try:
        while g.is_sealed and not g.flushed:
            g = g.sealer
        if g.flushed or g.running:
            return       # run already (another thread's turn), or running in this thread
        if g.lane is not None and g.lane.pending is g:
            dev.set_pending(g.lane, None)
        run_groups(g)
    finally:
        dev.release()


cdef run_groups(FusionGroup g):
    cdef FusionGroup h
    groups = g.sealed + [g] if g.sealed else (g,)
    for h in groups:
        h.running = True
    try:
        if len(groups) == 1:
            run_group(g)
        else:
            run_segments(groups)
    finally:
        for h in groups:
            h.flushed = True
            h.running = False
            h.leaves = h.scalars = h.nodes = h.outputs = h.out_offsets = h.reductions = None
            h.sealed = None
            h.sealed_reads = h.sealed_writes = None


cdef inline int settle(NDArrayBase a, bint writing) except -1:
    """Make ``a``'s memory final for the calling thread: enqueue the pending group that
    computes ``a`` (this thread's whole pending group when it is that one), and other
    threads' pending groups that write ``a``'s buffer, or (``writing``: the caller may
    write it) read it."""
    cdef DeviceState dev = a.dev
    if is_pending(a):
        dev.flush()
        if is_pending(a):
            flush_group(a.lazy)
    cdef Lane lane
    if dev.busy or dev.lock_depth:         # else nothing pending anywhere: the fast way out
        lane = dev.lane()
        if dev.contended(lane):
            sync_foreign(dev, lane, a.buf, writing)
    return 0


cdef int sync_foreign(DeviceState dev, Lane own, Buffer buf, bint writing) except -1:
    """Enqueue other threads' pending groups that write ``buf``, or read it when the caller
    is ``writing`` it (their ops were called first), after waiting for a group another
    thread is enqueueing now. Groups that only read what the caller reads stay pending,
    so threads sharing read-only arrays keep the kernels of a serial run. Under the lock:
    no group changes while it is looked at."""
    dev.acquire()
    try:
        if buf is None or dev.busy <= (own.pending is not None):
            return 0
        for ln in dev.lane_list():
            g = (<Lane>ln).pending
            if ln is not own and g is not None and group_touches(<FusionGroup>g, buf, writing):
                flush_group(g)
    finally:
        dev.release()
    return 0


cdef bint group_touches(FusionGroup head, Buffer buf, bint reads):
    """Whether a pending group (or a group sealed into it) writes ``buf``, or reads it."""
    cdef FusionGroup g
    for g in (head.sealed or []) + [head]:
        if buf in g.outputs:
            return True
        if reads:
            for a in g.leaves:
                if (<NDArrayBase>a).buf is buf:
                    return True
        for r in g.reductions:
            if r[2] is buf:
                return True
    return False


cdef run_group(FusionGroup g):
    cdef DeviceState dev = g.dev
    cdef NDArrayBase a
    cdef Kernel kern
    cdef Py_ssize_t i, j
    # An output is needed when something besides this group holds its buffer (its array,
    # a view of it, or a tape node's saved alias); the others are never written.
    stored = stored_outputs(g)
    if not stored and not g.reductions:
        return           # nothing anyone can see: the work is dropped
    layouts = []
    strides = []
    for a in g.leaves:
        lay = leaf_layout(a, g.shape, strides)
        layouts.append(lay + ("o" if a.offset else ""))
    has_b = bool(strides)
    out_layouts = tuple([(i, bool(g.out_offsets[i])) for i in stored])
    narrow = g.n < (1 << 31)
    # Rows long enough to fill work-groups: a 2-D launch spares the last coordinate's division.
    cdef Py_ssize_t row = g.shape[len(g.shape) - 1] if g.shape else 0
    cdef bint grid2d = has_b and len(g.shape) >= 2 and row >= GRID2D_MIN_ROW \
        and not g.reductions
    cdef Py_ssize_t slots = 0, chunk = 0
    cdef bint interleaved = False
    if g.reductions:
        slots, chunk, interleaved = reduction_slots(g.ctx, g.n, g.red_layout)
        kind = g.red_layout[0]
        final = kind != REDUCE_ALL or slots == 1
        key = ("fused_reduce", g.code, tuple(g.key), tuple(layouts), out_layouts,
               len(g.shape) if has_b else 0, narrow, kind, interleaved, final)
    else:
        key = ("fused", g.code, tuple(g.key), tuple(layouts), out_layouts,
               len(g.shape) if has_b else 0, narrow, grid2d)
    kern = dev.kernels.get(key)
    if kern is None:
        if g.reductions:
            src = reduce_source_builder(
                g.code, unpacked_nodes(g.nodes), layouts, len(g.scalars), out_layouts,
                len(g.shape) if has_b else 0, narrow, [r[:2] for r in g.reductions],
                kind, interleaved, final)
            kern = kernel_from_source(g.ctx, src, f"fused elementwise group of "
                                      f"{len(g.nodes)} ops with reductions", "fused_reduce")
        else:
            src = source_builder(g.code, unpacked_nodes(g.nodes), layouts, len(g.scalars),
                                 out_layouts, len(g.shape) if has_b else 0, narrow, grid2d)
            kern = kernel_from_source(g.ctx, src,
                                      f"fused elementwise group of {len(g.nodes)} ops")
        dev.kernels[key] = kern
    # Arguments in the order _codegen.fused_source declares them.
    cdef unsigned int ai = 0
    cdef int scalar_code = compute_code(g.code)
    kern.set_long(ai, g.n)
    ai += 1
    cdef Py_ssize_t b = 0
    for i in range(len(g.leaves)):
        a = <NDArrayBase>g.leaves[i]
        kern.set_mem(ai, a.buf)
        ai += 1
        if a.offset:
            kern.set_long(ai, a.offset)
            ai += 1
        if layouts[i][0] == "b":
            for s in strides[b]:
                kern.set_long(ai, s)
                ai += 1
            b += 1
    for x in g.scalars:
        kern.set_scalar(ai, scalar_code, x if g.code <= 1 else kernel_scalar(g.code, x))
        ai += 1
    for i in stored:
        kern.set_mem(ai, <Buffer>g.outputs[i])
        ai += 1
        if g.out_offsets[i]:
            kern.set_long(ai, g.out_offsets[i])
            ai += 1
    if has_b:
        for d in g.shape:
            kern.set_long(ai, d)
            ai += 1
    if g.reductions:
        run_reductions(g, kern, ai, slots, chunk, final)
        return
    cdef size_t grid[2]
    if grid2d:
        grid[0] = row
        grid[1] = g.n // row
        dev.launch_nd(kern, 2, grid, NULL)
    else:
        dev.launch(kern, g.n)




cdef run_reductions(FusionGroup g, Kernel kern, unsigned int ai, Py_ssize_t slots,
                    Py_ssize_t chunk, bint final):
    """Launch a group with reductions (its other arguments are set): each reduction writes
    its results directly (``final``) or partial sums that reduce.py merges into it."""
    cdef DeviceState dev = g.dev
    cdef NDArrayBase p
    kind, rows, cols = g.red_layout
    partials = []
    for node, op, buf, offset, shape in g.reductions:
        if final:
            kern.set_mem(ai, <Buffer>buf)
            kern.set_long(ai + 1, offset)
        else:
            p = new_array(dev, g.ctx, (slots,), g.code)
            partials.append(p)
            kern.set_mem(ai, p.buf)
            kern.set_long(ai + 1, 0)
        ai += 2
    kern.set_long(ai, chunk)
    kern.set_long(ai + 1, cols)
    kern.set_long(ai + 2, g.n if kind == REDUCE_ALL else (rows if kind == REDUCE_COLUMNS
                                                          else cols))
    dev.launch(kern, slots, (g.n + slots - 1) // slots)
    if final:
        return
    for p, (node, op, buf, offset, shape) in zip(partials, g.reductions):
        out = make_array(buf, shape, offset, 1, g.code, g.ctx, dev)
        merge_partials(p, out, "mean" if op == REDUCE_MEAN else "sum", g.n)


cdef list stored_outputs(FusionGroup g):
    """The ops whose output something besides the group holds (its array, a view of it, or
    a tape node's saved alias); the others are never written."""
    stored = []
    for i in range(len(g.nodes)):
        buf = g.outputs[i]
        if Py_REFCNT(buf) > 2:       # the list's reference and ``buf``
            stored.append(i)
    return stored
