# The buffer pool of a context (BufferPool, Buffer) and the host-memory checks it makes;
# included in _dispatch.pyx (textually: it uses that module's cimports and constants).

# Host address space a CPU device's pool leaves free after each new buffer (MiB): the BLAS's
# workspace and the kernel compiler allocate on their own and abort the process (OpenBLAS
# exits, LLVM inside PoCL crashes) when they cannot, so an array that would leave them less
# fails cleanly instead (measured on PoCL: a process's first program build keeps ~110 MiB and
# peaks higher, a BLAS workspace takes 32 MiB). Buffers under SMALL_BUFFER keep an eighth of
# it: once large arrays fail, small ones still work (what the BLAS and builds need then is
# mostly set up, and builds check for room themselves).
HOST_HEADROOM = int(os.environ.get("MXGRAD_HOST_HEADROOM_MB", "384")) << 20


def host_has_room(size_t nbytes):
    """Whether ``nbytes`` more of address space can be mapped now, under RLIMIT_AS; probes
    with a reservation that is never touched and is unmapped at once."""
    cdef rlimit lim
    cdef void* p
    if getrlimit(RLIMIT_AS, &lim) == 0 and lim.rlim_cur == RLIM_INFINITY:
        return True          # the probe costs ~10 us and cannot fail without a limit
    p = mmap(NULL, nbytes, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0)
    if p == MAP_FAILED:
        return False
    munmap(p, nbytes)
    return True


cdef inline size_t capacity_for(size_t nbytes) noexcept:
    """Size class of a request: 256-byte steps up to 64 KiB, then eighths of a power of two,
    so a training loop's repeated shapes always hit the same class and waste stays <= 12.5%."""
    cdef size_t step, top
    if nbytes <= 65536:
        return ((nbytes + SMALL_STEP - 1) // SMALL_STEP) * SMALL_STEP if nbytes else SMALL_STEP
    if nbytes > (<size_t>1) << 62:
        return nbytes        # no device has that much (take refuses it); top would overflow
    top = 1
    while top < nbytes:
        top <<= 1
    step = top >> 4
    return ((nbytes + step - 1) // step) * step


# Host buffers of at least HUGE_MIN start on a 2 MiB boundary and ask the kernel for huge
# pages (Linux's transparent huge pages, where set to "madvise", as NumPy does for its
# arrays): with 4 KiB pages, summing 40 MB took 1.40 ms on one core of the benchmark VM,
# with huge pages 0.80 ms (fewer TLB misses; PyTorch's arrays from NumPy had them).
cdef extern from *:
    """
    #include <sys/mman.h>
    static void mx_advise_huge_pages(void* p, size_t n) {
    #ifdef MADV_HUGEPAGE
        madvise(p, n, MADV_HUGEPAGE);
    #endif
    }
    """
    void mx_advise_huge_pages(void* p, size_t n) noexcept nogil

cdef enum:
    HUGE_MIN = 4 << 20
    HUGE_ALIGN = 2 << 20


cdef int host_alloc(void** host, size_t cap) noexcept:
    """posix_memalign for a buffer of ``cap`` bytes (see HUGE_MIN)."""
    if cap < HUGE_MIN:
        return posix_memalign(host, HOST_ALIGN, cap)
    cdef int err = posix_memalign(host, HUGE_ALIGN, cap)
    if err == 0:
        mx_advise_huge_pages(host[0], cap)
    return err


@cython.no_gc_clear
cdef class BufferPool:
    """Free device buffers of one context, by size class."""

    def __cinit__(self, intptr_t context, intptr_t queue, bint use_host_ptr, size_t limit_bytes):
        self.context = <void*>context
        self.queue = <void*>queue
        self.use_host_ptr = use_host_ptr
        self.free = {}
        self.limit_bytes = limit_bytes
        self.max_alloc = <size_t>1 << 62      # DeviceState sets the device's own limit
        self.headroom = HOST_HEADROOM if use_host_ptr else 0

    cdef Buffer take(self, size_t nbytes):
        if nbytes > self.max_alloc:
            raise MXNetError(f"cannot allocate {nbytes} bytes: the device's largest buffer is "
                             f"{self.max_alloc} bytes (CL_DEVICE_MAX_MEM_ALLOC_SIZE)")
        cdef size_t cap = capacity_for(nbytes)
        cdef list bucket
        if cap > self.max_alloc:
            cap = nbytes
        bucket = self.free.get(cap)
        if not bucket:
            return self.create(cap, False)
        # The pool is settled before anything is allocated: an allocation may run the
        # garbage collector, a finalizer, and so another thread taking from this bucket.
        host_int = bucket.pop()
        mem_int = bucket.pop()
        self.free_bytes -= cap
        return self.handed_out(<cl_mem><intptr_t>mem_int, <void*><intptr_t>host_int, cap)

    cdef Buffer handed_out(self, cl_mem mem, void* host, size_t cap):
        """The Buffer object over memory of this pool that an array now uses."""
        cdef Buffer b = Buffer.__new__(Buffer)
        b.mem = mem
        b.host = host
        b.capacity = cap
        b.pool = self
        PyObject_GC_UnTrack(<PyObject*>b)     # in no cycle: see the note above Buffer
        self.live += 1
        return b

    cdef Buffer create(self, size_t cap, bint retried):
        cdef cl_mem mem
        cdef cl_int status = 0
        cdef void* host = NULL
        cdef size_t room
        if self.use_host_ptr:
            # room for the buffer and the headroom first (see HOST_HEADROOM)
            room = self.headroom if cap >= SMALL_BUFFER else self.headroom >> 3
            if (room and not host_has_room(cap + room)) \
                    or host_alloc(&host, cap) != 0:
                host = NULL
                if not retried:
                    self.release_all()        # parked buffers hold memory nobody uses
                    return self.create(cap, True)
                raise OutOfMemoryError(
                    f"cannot allocate {cap} bytes of host memory for an array (keeping "
                    f"{room >> 20} MiB free for the BLAS and the kernel compiler)")
            mem = cl.clCreateBuffer(self.context, CL_MEM_READ_WRITE | CL_MEM_USE_HOST_PTR,
                                    cap, host, &status)
        else:
            mem = cl.clCreateBuffer(self.context, CL_MEM_READ_WRITE, cap, NULL, &status)
        if status != CL_SUCCESS:
            if host != NULL:
                free(host)
            if not retried and (status == CL_MEM_OBJECT_ALLOCATION_FAILURE
                                or status == CL_OUT_OF_RESOURCES):
                # The device is full: give back what the pool parks and try once more.
                self.release_all()
                return self.create(cap, True)
            raise OutOfMemoryError(f"cannot allocate {cap} bytes of device memory: "
                                   f"{status_name(status)}")
        self.created += 1
        return self.handed_out(mem, host, cap)

    cdef void give_back(self, cl_mem mem, void* host, size_t capacity) noexcept:
        self.live -= 1
        if self.free is None or self.free_bytes + capacity > self.limit_bytes:
            # Over the limit, or the pool is being torn down at exit: release for real.
            cl.clFinish(self.queue)
            cl.clReleaseMemObject(mem)
            if host != NULL:
                free(host)
            return
        # Runs from __dealloc__, in any thread: counted first, and a new bucket goes in by
        # setdefault, so a thread switch inside an allocation here loses no bucket.
        self.free_bytes += capacity
        bucket = self.free.get(capacity)
        if bucket is None:
            bucket = self.free.setdefault(capacity, [])
        # Two ints, not a (mem, host) tuple: ints are no work for the garbage collector. No
        # other thread runs between the two appends (nothing here can release the GIL).
        bucket.append(<intptr_t>mem)
        bucket.append(<intptr_t>host)

    cdef int release_all(self) except -1:
        """Drain the queue, then release every parked buffer."""
        check(cl.clFinish(self.queue), "clFinish")
        fresh = {}
        parked = self.free           # swapped without a switch point: give_back from
        self.free = fresh            # another thread goes to the fresh dict
        self.free_bytes = 0
        for bucket in parked.values():
            for k in range(0, len(bucket), 2):     # [mem, host, mem, host, ...]
                cl.clReleaseMemObject(<cl_mem><intptr_t>bucket[k])
                if bucket[k + 1]:
                    free(<void*><intptr_t>bucket[k + 1])
        return 0

    def empty(self):
        """Release every parked buffer (waits for the queue first)."""
        self.release_all()

    def stats(self):
        return {"live": self.live, "created": self.created, "free_bytes": self.free_bytes,
                "parked": sum(len(b) for b in self.free.values()) // 2}


# A buffer from a pool refers to nothing but its pool, and a pool to no buffer: it can be in
# no reference cycle, so it is left out of the garbage collector's lists (an array and its
# buffer are created per op; every tracked object more per op costs collections). A foreign
# buffer keeps its owner, which may refer back to arrays over it: that one stays tracked.
cdef extern from "Python.h":
    void PyObject_GC_UnTrack(PyObject*)


@cython.freelist(256)           # see Node in _tape.pyx
@cython.no_gc_clear
cdef class Buffer:
    """One device buffer; back to its pool when the last NDArray using it dies."""

    def __dealloc__(self):
        if self.pool is not None:
            self.pool.give_back(self.mem, self.host, self.capacity)
        # A foreign buffer (pool None) is owned by ``owner``; nothing to release here.

    @property
    def int_ptr(self):
        """The ``cl_mem`` handle as an integer (pyopencl's ``int_ptr`` convention)."""
        return <intptr_t>self.mem

    @property
    def host_ptr(self):
        return <intptr_t>self.host


def wrap_foreign_buffer(owner, intptr_t mem, size_t capacity):
    """A Buffer over a cl_mem someone else owns (a pyopencl Buffer); ``owner`` keeps it alive."""
    cdef Buffer b = Buffer.__new__(Buffer)
    b.mem = <cl_mem>mem
    b.host = NULL
    b.capacity = capacity
    b.pool = None
    b.owner = owner
    return b
