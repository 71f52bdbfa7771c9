# dtype codes shared by the Cython modules. The codes are MXNet's type flags, so they also
# name the dtype in get_symbol's JSON.

cdef enum DType:
    FLOAT32 = 0
    FLOAT64 = 1
    FLOAT16 = 2
    UINT8 = 3
    INT32 = 4
    INT8 = 5
    INT64 = 6
    N_DTYPES = 7

cdef inline int dtype_size(int code) noexcept nogil:
    if code == FLOAT32 or code == INT32:
        return 4
    if code == FLOAT64 or code == INT64:
        return 8
    if code == FLOAT16:
        return 2
    return 1

cdef inline bint dtype_is_float(int code) noexcept nogil:
    return code <= FLOAT16
