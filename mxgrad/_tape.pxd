# The autograd tape: thread-local recording/training flags and the recorded nodes.

cdef bint is_recording_c() noexcept nogil
cdef bint is_training_c() noexcept nogil
