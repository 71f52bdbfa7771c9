# Independent fused groups run as segments of one launch (kernels_cl/fused_segments.cl): a
# pending group that cannot take the next op (another shape, an in-place write) is sealed
# into the next group instead of running alone, when neither broadcasts nor reduces and no
# buffer one writes is touched by another. Included by _ndarray.pyx after _fusion.pxi.

cdef Py_ssize_t MAX_SEGMENTS = 16
# Kernel arguments of one segmented launch at most: PoCL 3.1 compiled kernels with 54 and
# more arguments 20-60x slower per element (measured with 6 sgd_update segments).
cdef Py_ssize_t SEGMENT_ARGS = 40
# Groups larger than this run alone: their launch costs little next to their work, and a
# segmented kernel ran a 400,000-element sgd_update 1.4x slower than its own kernel (PoCL).
cdef Py_ssize_t SEGMENT_MAX_SIZE = 65536
cdef size_t SEGMENT_GROUP[2]        # work-group size of segmented launches (GPU, CPU)
SEGMENT_GROUP[0] = 256
SEGMENT_GROUP[1] = 512


cdef bint can_seal(FusionGroup g, tuple shape, tuple args):
    """Whether ``g`` can become a segment of a new group of ``shape`` starting with an op
    on ``args``: both free of broadcasting and reductions, the kernel's arguments fit."""
    if g.has_broadcast or g.reductions or len(g.sealed) + 2 > MAX_SEGMENTS \
            or g.n > SEGMENT_MAX_SIZE or shape_size(shape) > SEGMENT_MAX_SIZE:
        return False
    if g.sealed_bytes + g.param_bytes + 40 + 16 * len(args) > PARAM_LIMIT:
        return False
    return not broadcasts(args, shape)


cdef bint broadcasts(tuple args, tuple shape):
    """Whether an operand is broadcast to ``shape`` (segments run without coordinates)."""
    for x in args:
        if isinstance(x, NDArrayBase) and (<NDArrayBase>x).shape_ != shape \
                and (<NDArrayBase>x).size_ != 1:
            return True
    return False


cdef bint touches_sealed(FusionGroup g, bint including_g, tuple args, NDArrayBase res):
    """Whether an op reading ``args`` and writing ``res`` would read a buffer the sealed
    groups (and ``g`` itself when it is about to be sealed) write, or write one they read
    or write: in one launch their work-items run in no particular order."""
    cdef set reads = g.sealed_reads, writes = g.sealed_writes
    cdef NDArrayBase a
    cdef Buffer rb = res.buf
    for x in args:
        if isinstance(x, NDArrayBase):
            b = (<NDArrayBase>x).buf
            if (writes is not None and id(b) in writes) or (including_g and b in g.outputs):
                return True
    if (reads is not None and id(rb) in reads) or (writes is not None and id(rb) in writes):
        return True
    if including_g:
        if rb in g.outputs:
            return True
        for a in g.leaves:
            if a.buf is rb:
                return True
    return False


cdef seal_into(FusionGroup prev, FusionGroup g):
    """Make ``prev`` (and the groups it sealed) segments run by ``g``."""
    g.sealed = prev.sealed
    g.sealed.append(prev)
    g.sealed_reads = prev.sealed_reads if prev.sealed_reads is not None else set()
    g.sealed_writes = prev.sealed_writes if prev.sealed_writes is not None else set()
    for a in prev.leaves:
        g.sealed_reads.add(id((<NDArrayBase>a).buf))
    for b in prev.outputs:
        g.sealed_writes.add(id(b))
    prev.sealed_reads = prev.sealed_writes = None
    g.sealed_bytes = prev.sealed_bytes + prev.param_bytes
    prev.sealed = None
    prev.is_sealed = True
    prev.sealer = g


cdef run_segments(list groups):
    """Run independent groups (no broadcast, no reductions) as segments of as few launches
    as SEGMENT_ARGS allows."""
    cdef FusionGroup g
    cdef NDArrayBase a
    batch = []
    cdef Py_ssize_t batch_args = 0, nargs
    for g in groups:
        stored = stored_outputs(g)
        if not stored:
            continue                   # nothing anyone can see
        nargs = 2 + len(g.scalars) + len(stored) \
            + sum([1 for i in stored if g.out_offsets[i]])
        for a in g.leaves:
            nargs += 2 if a.offset else 1
        if batch and batch_args + nargs > SEGMENT_ARGS:
            run_segment_batch(batch)
            batch, batch_args = [], 0
        batch.append((g, stored))
        batch_args += nargs
    if batch:
        run_segment_batch(batch)


cdef run_segment_batch(list live):
    cdef FusionGroup g
    cdef NDArrayBase a
    cdef Kernel kern
    if len(live) == 1:
        run_group(live[0][0])
        return
    g = live[0][0]
    cdef DeviceState dev = g.dev
    segments, key = [], ["segments", g.code]
    for g, stored in live:
        layouts = tuple(["c" if a.shape_ == g.shape else "s" for a in g.leaves])
        layouts = tuple([lay + ("o" if (<NDArrayBase>a).offset else "")
                         for lay, a in zip(layouts, g.leaves)])
        out_layouts = tuple([(i, bool(g.out_offsets[i])) for i in stored])
        segments.append((unpacked_nodes(g.nodes), layouts, len(g.scalars), out_layouts))
        key.append((tuple(g.key), layouts, out_layouts))
    key = tuple(key)
    kern = dev.kernels.get(key)
    if kern is None:
        src = segments_source_builder(g.code, segments)
        kern = kernel_from_source(g.ctx, src, f"{len(segments)} fused elementwise groups",
                                  "fused_segments")
        dev.kernels[key] = kern
    cdef unsigned int ai = 0
    cdef Py_ssize_t groups_end = 0
    # The kernel finds its segment from group ids, so the group size is ours, within limits.
    cdef size_t wg = min(SEGMENT_GROUP[dev.is_cpu], dev.group_limit(kern), dev.max_items[0])
    cdef int scalar_code = compute_code(g.code)
    for g, stored in live:
        groups_end += (g.n + wg - 1) // wg
        kern.set_long(ai, groups_end)
        kern.set_long(ai + 1, g.n)
        ai += 2
        for a in g.leaves:
            kern.set_mem(ai, a.buf)
            ai += 1
            if a.offset:
                kern.set_long(ai, a.offset)
                ai += 1
        for x in g.scalars:
            kern.set_scalar(ai, scalar_code, x if g.code <= 1 else kernel_scalar(g.code, x))
            ai += 1
        for i in stored:
            kern.set_mem(ai, <Buffer>g.outputs[i])
            ai += 1
            if g.out_offsets[i]:
                kern.set_long(ai, g.out_offsets[i])
                ai += 1
    cdef size_t total = groups_end * wg
    dev.launch_nd(kern, 1, &total, &wg)
