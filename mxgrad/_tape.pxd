# The autograd tape: thread-local recording/training flags, recorded nodes, and the reverse
# traversal.

cdef bint is_recording_c() noexcept nogil
cdef bint is_training_c() noexcept nogil

cdef class Node:
    cdef readonly str name       # op name (get_symbol, error messages)
    cdef object rule             # rule(saved, inputs, outputs, out_grads) -> grads per input
    cdef readonly tuple inputs   # op inputs (NDArrays and scalars); None once freed
    cdef tuple out_refs          # weak references to the outputs of a multi-output op
    cdef readonly Py_ssize_t n_out   # number of outputs
    cdef object saved_outputs    # outputs the rule reads: aliases without history (the alias
                                 # itself for one output, else a tuple), or None
    cdef tuple out_meta          # (shape, dtype code, ctx) per output of a multi-output op
    cdef readonly object saved   # whatever the rule needs beyond inputs and outputs
    cdef readonly object replay  # replay(*inputs) recomputes the outputs (get_symbol's eval)
    cdef readonly dict attrs     # op attributes, for get_symbol's JSON
    cdef bint reduce_broadcast   # input grads are summed back to the input's shape
    cdef readonly bint freed     # graph released by a backward without retain_graph
    cdef readonly bint from_grad # recorded by a grad(create_graph=True) traversal
    cdef list out_grads          # accumulated gradient per output during a traversal
    cdef Py_ssize_t mark         # traversal epoch that last visited this node
    cdef Py_ssize_t cursor       # next input to visit in the iterative DFS
    cdef void free(self)

cdef class TapeArray:
    # What the tape knows of an array (NDArrayBase derives from it): its history and its
    # gradient, as C fields the traversal reads without attribute lookups.
    cdef Node node_              # the recorded op that produced it, or None (a leaf)
    cdef Py_ssize_t out_index    # which output of node_ it is
    cdef public object _grad     # gradient buffer from attach_grad, or None
    cdef public str _grad_req    # 'write', 'add', 'null' (attached) or None
    cdef public bint _in_graph   # an input of a live recorded op (no in-place writes)

cdef bint needs_grad(object x)
cdef object record(str name, object rule, tuple inputs, tuple outputs, object saved,
                   bint reduce_broadcast, object replay, dict attrs, bint save_outputs)
