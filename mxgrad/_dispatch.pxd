# Moving work to a device: buffers and their pool, prebuilt kernels, and the per-context
# queue through which every enqueue goes.

cdef extern from "<pthread.h>" nogil:
    ctypedef unsigned long pthread_t
    pthread_t pthread_self()


cdef inline long thread_ident() noexcept nogil:
    """The calling thread's ident: threading.get_ident()'s value (pthread_self on POSIX)."""
    return <long>pthread_self()


from mxgrad._opencl cimport cl_mem, cl_kernel, cl_command_queue, cl_context, cl_uint, CLApi

cdef class BufferPool:
    cdef cl_context context        # OpenCL context the buffers belong to
    cdef cl_command_queue queue    # queue to drain before a buffer is really released
    cdef bint use_host_ptr         # CPU device: buffers wrap our own host memory (native BLAS)
    cdef dict free                 # capacity in bytes -> [cl_mem, host ptr, cl_mem, ...] as ints
    cdef readonly size_t free_bytes    # bytes parked in the pool
    cdef readonly Py_ssize_t live      # buffers handed out and not yet returned
    cdef readonly Py_ssize_t created   # buffers ever created
    cdef readonly size_t limit_bytes   # park at most this much; beyond, release
    cdef public size_t max_alloc       # largest buffer the device takes, in bytes
    cdef public size_t headroom        # host bytes left free after each new buffer (CPU)
    cdef Buffer take(self, size_t nbytes)
    cdef Buffer create(self, size_t capacity, bint retried)
    cdef Buffer handed_out(self, cl_mem mem, void* host, size_t cap)
    cdef void give_back(self, cl_mem mem, void* host, size_t capacity) noexcept
    cdef int release_all(self) except -1

cdef class Buffer:
    cdef cl_mem mem                # the device buffer
    cdef void* host                # its host memory when created with USE_HOST_PTR, else NULL
    cdef readonly size_t capacity  # bytes usable
    cdef BufferPool pool           # where it goes back when no NDArray uses it (None: not ours)
    cdef object owner              # keeps a foreign buffer (pyopencl's) alive

cdef class Kernel:
    cdef cl_kernel k               # the kernel handle, arguments are set on it per launch
    cdef object owner              # the pyopencl Program the kernel comes from
    cdef readonly str name
    cdef long home                 # thread that created it: it uses ``k``
    cdef dict clones               # thread ident -> KernelClone: other threads' handles
    cdef size_t group_size         # CL_KERNEL_WORK_GROUP_SIZE on its device; 0 until asked
    cdef cl_kernel other_handle(self) except NULL

    cdef inline cl_kernel handle(self) except NULL:
        """The calling thread's handle (see other_handle)."""
        if self.home == thread_ident():
            return self.k
        return self.other_handle()
    cdef int set_mem(self, cl_uint i, Buffer b) except -1
    cdef int set_long(self, cl_uint i, long long v) except -1
    cdef int set_int(self, cl_uint i, int v) except -1
    cdef int set_scalar(self, cl_uint i, int dtype_code, object v) except -1

cdef class KernelClone:
    cdef cl_kernel k               # a thread's own handle of a Kernel (arguments are per handle)


cdef class Lane:
    # One thread's dispatch state on one context (see "Threads" in DeviceState's docstring).
    cdef readonly object pending   # FusionGroup of the thread's elementwise ops not yet enqueued


cdef class DeviceState:
    cdef cl_command_queue queue    # the context's one in-order queue
    cdef cl_context context
    cdef readonly BufferPool pool
    cdef readonly dict kernels     # variant key -> Kernel, built once per context
    cdef readonly object cl_context_obj, cl_queue_obj, cl_device_obj   # pyopencl objects
    cdef readonly bint is_cpu
    cdef public size_t grid_limit  # most work-groups a launch may have along dims 1 and 2
    cdef public size_t max_group_size  # CL_DEVICE_MAX_WORK_GROUP_SIZE (a test may lower it)
    cdef size_t max_items[3]       # CL_DEVICE_MAX_WORK_ITEM_SIZES: work-items of a group per dim
    cdef readonly bint has_fp64, has_fp16
    cdef list host_refs            # host arrays read by writes still in flight
    cdef Lane home                 # the lane of the thread that created the state ...
    cdef long home_ident           # ... and that thread's ident
    cdef dict lanes                # thread ident -> Lane of every other thread
    cdef readonly Py_ssize_t busy  # lanes whose pending group is not None
    cdef long lock_owner           # thread holding the lock while fused groups are built or
    cdef int lock_depth            # run, and how many times it took it (see acquire)
    cdef Py_ssize_t write_seq      # host-to-device writes ever enqueued ...
    cdef Py_ssize_t refs_base      # ... and the number of the first in host_refs
    cdef public list trace         # when a list: the name of each kernel enqueued
    cdef public list group_trace   # when a list: (name, work-group shape or None: the
                                   # runtime's choice) of each kernel enqueued
    cdef public list side_queues   # pyopencl queues running parts of a split host GEMM
    # Bounded run-ahead (see DeviceState.mark): commands ever enqueued on the queue, the
    # count at which the next marker event goes in, the count known to have completed, the
    # bound (0: none), marker spacing, and the markers in flight as (event, count before it).
    cdef readonly Py_ssize_t commands
    cdef Py_ssize_t next_mark
    cdef Py_ssize_t settled
    cdef Py_ssize_t inflight_limit
    cdef Py_ssize_t mark_spacing
    cdef list marks
    cdef int mark(self) except -1
    cdef int all_settled(self, Py_ssize_t upto) noexcept
    cdef int flush(self) except -1
    cdef Lane other_lane(self, long ident)
    cdef void set_pending(self, Lane lane, object group) noexcept
    cdef int wait_lock(self, long me) except -1

    # Hot paths, inline in every module (no virtual call).
    cdef inline int counted(self, Py_ssize_t n) except -1:
        """Note ``n`` commands just enqueued; every ``mark_spacing`` of them, a marker."""
        self.commands += n
        if self.commands >= self.next_mark:
            return self.mark()
        return 0

    cdef inline Lane lane(self):
        """The calling thread's lane (the creating thread's without a lookup)."""
        return self.lane_of(thread_ident())

    cdef inline Lane lane_of(self, long me):
        if me == self.home_ident:
            return self.home
        return self.other_lane(me)

    cdef inline int acquire(self) except -1:
        """Take the state's lock (reentrant): see wait_lock."""
        return self.acquire_as(thread_ident())

    cdef inline int acquire_as(self, long me) except -1:
        if self.lock_depth:
            if self.lock_owner != me:
                return self.wait_lock(me)
            self.lock_depth += 1
            return 0
        self.lock_owner = me       # free: the GIL makes the test and the take one step
        self.lock_depth = 1
        return 0

    cdef inline bint contended(self, Lane lane) noexcept:
        """Whether another thread has fused ops pending here, or is building or running a
        group now (the check a use of memory makes before the cross-thread work)."""
        return self.busy > (lane.pending is not None) or \
            (self.lock_depth != 0 and self.lock_owner != thread_ident())

    cdef inline void release(self) noexcept:
        self.lock_depth -= 1
        if self.lock_depth == 0:
            self.lock_owner = 0
    cdef int drop_host_refs(self, Py_ssize_t upto) noexcept
    cdef Buffer alloc(self, size_t nbytes)
    cdef int launch(self, Kernel k, size_t n, size_t work=*) except -1
    cdef int enqueue(self, Kernel k, int dims, size_t* gsize, size_t* lsize,
                     bint one_group) except -1
    cdef int launch_nd(self, Kernel k, int dims, size_t* gsize, size_t* lsize) except -1
    cdef size_t group_limit(self, Kernel k) except 0
    cdef bint group_fits(self, Kernel k, int dims, size_t* lsize) except -1
    cdef bint exceeds_grid(self, int dims, size_t* gsize, size_t* lsize)
    cdef int enqueue_pieces(self, Kernel k, int dims, size_t* gsize, size_t* lsize) except -1
    cdef int write(self, Buffer b, size_t offset, object arr) except -1
    cdef int read(self, Buffer b, size_t offset, size_t nbytes, void* dst) except -1
    cdef int copy(self, Buffer src, size_t src_off, Buffer dst, size_t dst_off, size_t nbytes) except -1
    cdef int fill_bytes(self, Buffer b, size_t offset, size_t nbytes, const void* pattern, size_t psize) except -1

