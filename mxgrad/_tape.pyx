"""Autograd state: thread-local recording and training flags (C globals, as in MXNet)."""

cdef extern from *:
    """
    static __thread int mxgrad_recording = 0;
    static __thread int mxgrad_training = 0;
    """
    int mxgrad_recording
    int mxgrad_training


cdef bint is_recording_c() noexcept nogil:
    return mxgrad_recording


cdef bint is_training_c() noexcept nogil:
    return mxgrad_training


def set_recording(bint is_recording):
    """Set whether operations are recorded; returns the previous state."""
    global mxgrad_recording
    cdef bint prev = mxgrad_recording
    mxgrad_recording = is_recording
    return prev


def set_training(bint train_mode):
    """Set train (True) or predict (False) mode; returns the previous state."""
    global mxgrad_training
    cdef bint prev = mxgrad_training
    mxgrad_training = train_mode
    return prev


def is_recording():
    """Whether operations are being recorded in this thread."""
    return bool(mxgrad_recording)


def is_training():
    """Whether this thread is in train mode."""
    return bool(mxgrad_training)
