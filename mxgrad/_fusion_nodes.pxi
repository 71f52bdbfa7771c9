# A fused group's ops as its kernel-cache key holds them: one Python int per op (its snippet
# and up to four operand tokens packed in 63 bits), which the garbage collector does not
# track, instead of a tuple it would track until the group runs. An op with more operands,
# or an index past 511, stays a tuple (snippet, *tokens). Included by _ndarray.pyx.

cdef dict snippet_ids = {}     # snippet -> its number in ``snippets``
cdef list snippets = []        # every snippet met, by number

cdef enum:
    PACKED_TOKENS = 4          # operands a packed op holds at most
    PACKED_INDEX = 512         # node, leaf and scalar indices below this pack


cdef object pack_node(str snippet, int* tokens, int n):
    """The op ``snippet`` over operand ``tokens`` (see add_op_locked) as an int, or a tuple."""
    cdef unsigned long long packed
    cdef int k, t, kind, index
    if n > PACKED_TOKENS:
        return as_tuple(snippet, tokens, n)
    sid = snippet_ids.get(snippet)
    if sid is None:
        if len(snippets) >= 65536:   # 16 bits of snippet number
            return as_tuple(snippet, tokens, n)
        sid = len(snippets)          # nothing here lets another thread run in between
        snippets.append(snippet)
        snippet_ids[snippet] = sid
    packed = <unsigned long long><int>sid | (<unsigned long long>n << 16)
    for k in range(n):
        t = tokens[k]
        if t >= SCALAR_TOKEN:
            kind, index = 2, t - SCALAR_TOKEN
        elif t >= 0:
            kind, index = 0, t
        else:
            kind, index = 1, -1 - t
        if index >= PACKED_INDEX:
            return as_tuple(snippet, tokens, n)
        packed |= <unsigned long long>(kind << 9 | index) << (19 + 11 * k)
    return packed


cdef tuple as_tuple(str snippet, int* tokens, int n):
    return (snippet,) + tuple([tokens[k] for k in range(n)])


cdef list unpacked_nodes(list nodes):
    """The ops of a group as (snippet, *tokens) tuples, for the code generator."""
    cdef unsigned long long p, c
    cdef int k
    out = []
    for node in nodes:
        if isinstance(node, tuple):
            out.append(node)
            continue
        p = node
        op = [snippets[p & 0xFFFF]]
        for k in range((p >> 16) & 7):
            c = (p >> (19 + 11 * k)) & 0x7FF
            op.append(<int>(c & 511) if c >> 9 == 0 else
                      -1 - <int>(c & 511) if c >> 9 == 1 else SCALAR_TOKEN + <int>(c & 511))
        out.append(tuple(op))
    return out
