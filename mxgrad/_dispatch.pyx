"""Moving work to a device: buffers and their pool, prebuilt kernels, and the queue.

Every array op ends here: it takes an output buffer from the pool, sets the arguments of a
kernel built once per context, and enqueues it on the context's one in-order queue through
the OpenCL C API. Nothing here waits for the device except ``read`` and ``finish``.

Buffer lifetime: a buffer goes back to the pool as soon as no NDArray uses it, even while
queued kernels still read or write it. That is safe because the queue is in order: whoever
takes it from the pool next can only enqueue work behind those kernels. A buffer is really
released only after ``clFinish`` (PoCL aborts when a buffer dies under a queued kernel).

Threads: every thread has its own lane on a context (its own pending fused group) and its
own handle of every kernel (OpenCL kernel arguments belong to the handle), so threads that
each work on their own arrays never see each other's work and get the bits a serial run
gets. A thread that uses memory another thread's pending group reads or writes runs that
group first. Groups are built and run under the state's lock (see ``acquire``). Everything
here relies on the GIL: code between two Python-level calls runs without a thread switch.
"""
cimport cython
from cpython.ref cimport PyObject
from cpython.bytes cimport PyBytes_AS_STRING
from libc.stdint cimport int8_t, uint8_t, int32_t, int64_t, uint16_t, intptr_t
from libc.stdlib cimport free
from libc.string cimport memcpy
from posix.unistd cimport usleep
from posix.stdlib cimport posix_memalign
from posix.mman cimport (mmap, munmap, PROT_NONE, MAP_PRIVATE, MAP_ANONYMOUS, MAP_NORESERVE,
                         MAP_FAILED)
from posix.resource cimport getrlimit, rlimit, RLIMIT_AS, RLIM_INFINITY
cimport numpy as cnp

from mxgrad._opencl cimport (CLApi, cl_api, check, cl_int, cl_mem, cl_uint, cl_ulong, cl_program,
                             CL_SUCCESS, CL_MEM_READ_WRITE, CL_MEM_USE_HOST_PTR,
                             CL_MEM_OBJECT_ALLOCATION_FAILURE, CL_OUT_OF_RESOURCES,
                             CL_INVALID_WORK_GROUP_SIZE, cl_event, CL_COMPLETE,
                             CL_EVENT_COMMAND_EXECUTION_STATUS)
from mxgrad._opencl import status_name
from mxgrad._dtypes cimport (FLOAT32, FLOAT64, FLOAT16, UINT8, INT32, INT8, INT64)

import os

import numpy as np

from mxgrad.base import MXNetError, OutOfMemoryError

cnp.import_array()

cdef CLApi* cl = cl_api()

cdef enum:
    HOST_ALIGN = 128          # bytes; at least CL_DEVICE_MEM_BASE_ADDR_ALIGN of CPU devices
    SMALL_STEP = 256          # small sizes are rounded up to this many bytes
    MAX_HOST_REFS = 256       # pending host-to-device writes before we drain the queue
    SMALL_LAUNCH = 4096       # CPU devices: launches up to this size run as one work-group
    GPU_GRID_LIMIT = 65535    # work-groups along dims 1 and 2 of one launch on other devices
    SMALL_BUFFER = 1 << 20    # CPU devices: smaller buffers keep less headroom (see _pool.pxi)

include "_pool.pxi"


def _inflight_limit_from_env():
    """MXGRAD_MAX_INFLIGHT: most commands a context's queue may hold before the host waits
    (0: no bound). 256 keeps a device busy (the host resumes with 192 still queued) while a
    loop that never reads stays a few steps ahead instead of minutes."""
    text = os.environ.get("MXGRAD_MAX_INFLIGHT", "256").strip()
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise MXNetError(f"MXGRAD_MAX_INFLIGHT must be a whole number >= 0 (0: no bound), "
                         f"got {text!r}")
    return value


cdef class Kernel:
    """A kernel handle built once per context; arguments are set per launch."""

    def __cinit__(self, program, str name):
        cdef cl_int status = 0
        self.owner = program
        self.name = name
        self.home = thread_ident()
        self.k = cl.clCreateKernel(<cl_program><intptr_t>program.int_ptr, name.encode(), &status)
        check(status, f"clCreateKernel({name})")

    def __dealloc__(self):
        if self.k != NULL:
            cl.clReleaseKernel(self.k)

    cdef cl_kernel other_handle(self) except NULL:
        """The handle of a thread other than the one that built the kernel. Arguments are
        state of a handle: two threads setting them on one handle would launch each
        other's arguments, so every other thread gets a handle of its own (clCreateKernel,
        once)."""
        cdef long me = thread_ident()
        if self.clones is None:
            self.clones = {}
        c = self.clones.get(me)
        if c is None:
            c = KernelClone(self.owner, self.name)
            self.clones[me] = c
        return (<KernelClone>c).k

    cdef int set_mem(self, cl_uint i, Buffer b) except -1:
        cdef cl_int st = cl.clSetKernelArg(self.handle(), i, sizeof(cl_mem), &b.mem)
        if st != CL_SUCCESS:
            check(st, f"clSetKernelArg({self.name}, {i})")
        return 0

    cdef int set_long(self, cl_uint i, long long v) except -1:
        cdef int64_t x = v
        cdef cl_int st = cl.clSetKernelArg(self.handle(), i, 8, &x)
        if st != CL_SUCCESS:
            check(st, f"clSetKernelArg({self.name}, {i})")
        return 0

    cdef int set_int(self, cl_uint i, int v) except -1:
        cdef int32_t x = v
        cdef cl_int st = cl.clSetKernelArg(self.handle(), i, 4, &x)
        if st != CL_SUCCESS:
            check(st, f"clSetKernelArg({self.name}, {i})")
        return 0

    cdef int set_scalar(self, cl_uint i, int code, object v) except -1:
        """A scalar argument of the kernel's element type."""
        cdef cl_kernel kk = self.handle()
        cdef float f
        cdef double d
        cdef int64_t l
        cdef int32_t n
        cdef int8_t c
        cdef uint8_t u
        cdef uint16_t h
        cdef cl_int st
        if code == FLOAT32:
            f = v
            st = cl.clSetKernelArg(kk, i, 4, &f)
        elif code == FLOAT64:
            d = v
            st = cl.clSetKernelArg(kk, i, 8, &d)
        elif code == INT32:
            n = v
            st = cl.clSetKernelArg(kk, i, 4, &n)
        elif code == INT64:
            l = v
            st = cl.clSetKernelArg(kk, i, 8, &l)
        elif code == FLOAT16:
            h = np.float16(v).view(np.uint16)
            st = cl.clSetKernelArg(kk, i, 2, &h)
        elif code == INT8:
            c = v
            st = cl.clSetKernelArg(kk, i, 1, &c)
        else:
            u = v
            st = cl.clSetKernelArg(kk, i, 1, &u)
        if st != CL_SUCCESS:
            check(st, f"clSetKernelArg({self.name}, {i})")
        return 0

    def set_args(self, unsigned int first, *args):
        """Set consecutive arguments from ``first``: a Buffer is a cl_mem, an int a
        ``long``. Scalars of the element type go through ``set_arg_scalar``."""
        cdef unsigned int i = first
        for a in args:
            if isinstance(a, Buffer):
                self.set_mem(i, <Buffer>a)
            else:
                self.set_long(i, a)
            i += 1

    def set_arg_mem(self, unsigned int i, Buffer b):
        self.set_mem(i, b)

    def set_arg_long(self, unsigned int i, long long v):
        self.set_long(i, v)

    def set_arg_int(self, unsigned int i, int v):
        self.set_int(i, v)

    def set_arg_scalar(self, unsigned int i, int code, v):
        self.set_scalar(i, code, v)


cdef class KernelClone:
    """Another thread's handle of a Kernel (see Kernel.handle)."""

    def __cinit__(self, program, str name):
        cdef cl_int status = 0
        self.k = cl.clCreateKernel(<cl_program><intptr_t>program.int_ptr, name.encode(), &status)
        check(status, f"clCreateKernel({name})")

    def __dealloc__(self):
        if self.k != NULL:
            cl.clReleaseKernel(self.k)


cdef class Lane:
    """One thread's dispatch state on one context: its pending fused group."""


cdef object group_flusher = None   # runs a FusionGroup: mxgrad._ndarray's flush_group


def set_group_flusher(fn):
    """Called once by mxgrad._ndarray, which builds the fused groups this module only holds
    (so dispatch imports nothing above it)."""
    global group_flusher
    group_flusher = fn


cdef class DeviceState:
    """Everything one context needs at dispatch time: queue, pool, kernels.

    Threads: each has a Lane (its pending group), found by thread ident; the thread that
    created the state has the first, checked without a lookup. ``acquire``/``release``
    bracket building and running fused groups.
    """

    def __cinit__(self, cl_context_obj, cl_queue_obj, cl_device_obj, bint use_host_ptr,
                  bint is_cpu, bint has_fp64, bint has_fp16, size_t pool_limit):
        self.cl_context_obj = cl_context_obj
        self.cl_queue_obj = cl_queue_obj
        self.cl_device_obj = cl_device_obj
        self.context = <void*><intptr_t>cl_context_obj.int_ptr
        self.queue = <void*><intptr_t>cl_queue_obj.int_ptr
        self.pool = BufferPool(cl_context_obj.int_ptr, cl_queue_obj.int_ptr, use_host_ptr,
                               pool_limit)
        self.pool.max_alloc = cl_device_obj.max_mem_alloc_size
        self.kernels = {}
        self.is_cpu = is_cpu
        # NVIDIA's driver, like CUDA, takes at most 65,535 work-groups along dims 1 and 2
        self.grid_limit = 0 if is_cpu else GPU_GRID_LIMIT
        from mxgrad._devices import work_group_limits
        self.max_group_size, items = work_group_limits(cl_device_obj)
        self.max_items = items
        self.has_fp64 = has_fp64
        self.has_fp16 = has_fp16
        self.host_refs = []
        self.home = Lane.__new__(Lane)
        self.home_ident = thread_ident()
        self.lanes = {}
        self.marks = []
        self.max_inflight = _inflight_limit_from_env()

    def __dealloc__(self):
        cdef cl_event ev
        if self.marks:
            for handle, _ in self.marks:
                ev = <cl_event><intptr_t>handle
                cl.clReleaseEvent(ev)

    @property
    def max_inflight(self):
        """Most commands (kernels, copies, fills, writes, host GEMMs) the queue holds before
        the enqueuing thread waits for the oldest to finish; 0: no bound
        (MXGRAD_MAX_INFLIGHT, read when the context is first used)."""
        return self.inflight_limit

    @max_inflight.setter
    def max_inflight(self, Py_ssize_t limit):
        if limit < 0:
            raise MXNetError(f"max_inflight must be >= 0 (0: no bound), got {limit}")
        self.inflight_limit = limit
        # markers also go in without a bound: they measure what is in flight
        self.mark_spacing = max(1, limit // 4) if limit else 64
        self.next_mark = self.commands + self.mark_spacing

    cdef int mark(self) except -1:
        """Enqueue a marker event after every command so far, then, if the queue is bounded,
        wait until at most ``max_inflight - mark_spacing`` commands are unfinished, so that
        the queue never holds more than ``max_inflight`` (a marker is popped before the
        wait: another thread may enqueue, and mark, meanwhile)."""
        cdef cl_event ev = NULL
        cdef cl_int st
        check(cl.clEnqueueMarkerWithWaitList(self.queue, 0, NULL, &ev), "clEnqueueMarker")
        self.marks.append((<intptr_t>ev, self.commands))
        self.next_mark = self.commands + self.mark_spacing
        if not self.inflight_limit:
            if len(self.marks) > 64:        # no bound: forget old markers without waiting
                handle, _ = self.marks.pop(0)
                cl.clReleaseEvent(<cl_event><intptr_t>handle)
            return 0
        flushed = False
        while self.marks and (self.commands - self.settled
                              > self.inflight_limit - self.mark_spacing):
            handle, count = self.marks.pop(0)
            ev = <cl_event><intptr_t>handle
            if not flushed:
                check(cl.clFlush(self.queue), "clFlush")
                flushed = True
            with nogil:
                st = cl.clWaitForEvents(1, &ev)
            cl.clReleaseEvent(ev)
            check(st, "clWaitForEvents")
            if count > self.settled:
                self.settled = count
        return 0

    cdef int all_settled(self, Py_ssize_t upto) noexcept:
        """Every command up to ``upto`` has completed (after a blocking read or clFinish):
        release the markers they cover."""
        cdef Py_ssize_t k = 0
        if upto > self.settled:
            self.settled = upto
        while k < len(self.marks) and self.marks[k][1] <= upto:
            cl.clReleaseEvent(<cl_event><intptr_t>self.marks[k][0])
            k += 1
        if k:
            del self.marks[:k]
        return 0

    def commands_in_flight(self):
        """At most how many enqueued commands have not completed: those after the newest
        marker the runtime reports complete (asked without waiting)."""
        cdef cl_int status
        cdef Py_ssize_t done = self.settled
        for handle, count in reversed(self.marks):
            status = -1
            cl.clGetEventInfo(<cl_event><intptr_t>handle, CL_EVENT_COMMAND_EXECUTION_STATUS,
                              sizeof(cl_int), &status, NULL)
            if status <= CL_COMPLETE:           # complete, or ended with an error
                done = max(done, count)
                break
        return self.commands - done

    @property
    def pending(self):
        """This thread's FusionGroup of elementwise ops not yet enqueued, or None."""
        return self.lane().pending

    cdef Lane other_lane(self, long ident):
        ln = self.lanes.get(ident)
        if ln is None:
            ln = Lane.__new__(Lane)
            self.lanes[ident] = ln
        return <Lane>ln

    def lane_list(self):
        """Every thread's lane (a new list)."""
        return [self.home] + list(self.lanes.values())

    cdef void set_pending(self, Lane lane, object group) noexcept:
        self.busy += (group is not None) - (lane.pending is not None)
        lane.pending = group

    cdef int wait_lock(self, long me) except -1:
        """Wait for the lock another thread holds, then take it. The lock is held while a
        fused group is built or run, so no thread runs a group another is building, or
        sees one half enqueued. Taking a free lock needs no OS call (see acquire); a
        waiter sleeps without the GIL (it waits for a group to run, often a kernel build)."""
        cdef unsigned int pause = 20
        while self.lock_depth:
            with nogil:
                usleep(pause)
            pause = min(pause * 2, 1000)
        self.lock_owner = me
        self.lock_depth = 1
        return 0

    cdef int drop_host_refs(self, Py_ssize_t upto) noexcept:
        """Forget the host arrays of the first ``upto`` writes ever enqueued (done now).
        Writes other threads enqueued during a blocking wait stay held."""
        cdef Py_ssize_t k = upto - self.refs_base
        if k <= 0:
            return 0
        self.refs_base = upto
        del self.host_refs[:k]       # CPython frees the items after the list is updated
        return 0

    cdef Buffer alloc(self, size_t nbytes):
        return self.pool.take(nbytes)

    cdef int flush(self) except -1:
        """Enqueue this thread's pending fused elementwise ops, if any (before any other
        command of the thread); flush_group takes the group off the lane."""
        group = self.lane().pending
        if group is not None:
            group_flusher(group)
        return 0

    def drop_ended_lanes(self):
        """Run the pending groups of threads that have ended, and forget their lanes."""
        import threading
        alive = {t.ident for t in threading.enumerate()}
        for ident, ln in list(self.lanes.items()):
            if ident not in alive:
                if (<Lane>ln).pending is not None:
                    group_flusher((<Lane>ln).pending)
                if self.lanes.get(ident) is ln:
                    del self.lanes[ident]

    def run_pending(self):
        """Enqueue this thread's pending fused elementwise ops now (without waiting)."""
        self.flush()

    @property
    def max_item_sizes(self):
        """CL_DEVICE_MAX_WORK_ITEM_SIZES: most work-items of one group along each dim (a
        test may lower them, as ``max_group_size``)."""
        return tuple(self.max_items)

    @max_item_sizes.setter
    def max_item_sizes(self, sizes):
        self.max_items = tuple(sizes)

    def kernel_group_limit(self, Kernel k):
        """Most work-items one work-group of ``k`` may have on this device."""
        return self.group_limit(k)

    cdef size_t group_limit(self, Kernel k) except 0:
        """Most work-items in one work-group of ``k``: the kernel's own limit on this
        device (CL_KERNEL_WORK_GROUP_SIZE, asked at its first launch) within the device's."""
        if k.group_size == 0:
            from mxgrad._devices import kernel_group_size
            k.group_size = kernel_group_size(<intptr_t>k.k, self.cl_device_obj) or 1
        return min(k.group_size, self.max_group_size)

    cdef bint group_fits(self, Kernel k, int dims, size_t* lsize) except -1:
        """Whether work-groups of shape ``lsize`` are within the device's and ``k``'s limits."""
        cdef size_t total = 1
        cdef int d
        for d in range(dims):
            if lsize[d] > self.max_items[d]:
                return False
            total *= lsize[d]
        return total <= self.group_limit(k)

    cdef int launch(self, Kernel k, size_t n, size_t work=1) except -1:
        """One work-item per element: the global size is rounded up to a multiple of 64 and
        the kernel guards its index, so the runtime may pick any work-group size.

        On a CPU device a small launch (``n`` items of ``work`` elements each, at most
        SMALL_LAUNCH elements in all) is one work-group when the device and kernel allow
        one that large: one worker thread runs it, and the others are not woken (on 2
        cores, waking them for kernels of a few microseconds cost the host thread more than
        the kernels themselves)."""
        cdef size_t g = ((n + 63) // 64) * 64
        if g == 0:
            return 0
        return self.enqueue(k, 1, &g, NULL, self.is_cpu and g <= SMALL_LAUNCH
                            and n * work <= SMALL_LAUNCH)

    cdef int launch_nd(self, Kernel k, int dims, size_t* gsize, size_t* lsize) except -1:
        """An N-D launch; without ``lsize``, a small one on a CPU device is one work-group
        (see launch)."""
        cdef size_t total = 1
        cdef int d
        for d in range(dims):
            total *= gsize[d]
        return self.enqueue(k, dims, gsize, lsize, lsize == NULL and self.is_cpu
                            and total <= SMALL_LAUNCH)

    cdef int enqueue(self, Kernel k, int dims, size_t* gsize, size_t* lsize,
                     bint one_group) except -1:
        """Enqueue ``k`` after the pending fused ops; ``one_group``: as a single work-group
        when the device and kernel allow one that large. An ``lsize`` beyond their limits
        was a hint: the runtime picks instead. (Of the kernels that need their own, the
        segmented ones are sized by ``group_limit``; gemm's 16 x 16 fits every device we
        know of, and elsewhere the runtime's error names the kernel.)"""
        if self.busy:
            self.flush()
        if self.trace is not None:
            self.trace.append(k.name)
        cdef cl_int st
        cdef cl_kernel kk = k.handle()
        if lsize != NULL and not self.group_fits(k, dims, lsize):
            lsize = NULL
        if one_group and self.group_fits(k, dims, gsize):
            if self.group_trace is not None:
                self.group_trace.append((k.name, tuple([gsize[d] for d in range(dims)])))
            st = cl.clEnqueueNDRangeKernel(self.queue, kk, dims, NULL, gsize, gsize, 0, NULL,
                                           NULL)
            if st != CL_INVALID_WORK_GROUP_SIZE:
                if st != CL_SUCCESS:
                    check(st, f"clEnqueueNDRangeKernel({k.name})")
                return self.counted(1)
        if self.group_trace is not None:
            self.group_trace.append((k.name, None if lsize == NULL
                                     else tuple([lsize[d] for d in range(dims)])))
        if self.grid_limit and dims > 1 and self.exceeds_grid(dims, gsize, lsize):
            return self.enqueue_pieces(k, dims, gsize, lsize)
        st = cl.clEnqueueNDRangeKernel(self.queue, kk, dims, NULL, gsize, lsize, 0, NULL, NULL)
        if st != CL_SUCCESS:
            check(st, f"clEnqueueNDRangeKernel({k.name})")
        return self.counted(1)

    cdef bint exceeds_grid(self, int dims, size_t* gsize, size_t* lsize):
        cdef int d
        for d in range(1, dims):
            if gsize[d] // (lsize[d] if lsize != NULL else 1) > self.grid_limit:
                return True
        return False

    cdef int enqueue_pieces(self, Kernel k, int dims, size_t* gsize, size_t* lsize) except -1:
        """The launch as pieces of at most ``grid_limit`` work-groups along dims 1 and 2, each
        with a global offset (kernels index those dims by get_global_id only)."""
        cdef size_t offset[3]
        cdef size_t size[3]
        cdef size_t step[3]
        cdef size_t o1, o2
        cdef int d
        cdef cl_int st
        cdef cl_kernel kk = k.handle()
        offset[0] = 0
        size[0] = gsize[0]
        for d in range(1, 3):
            step[d] = self.grid_limit * (lsize[d] if lsize != NULL and d < dims else 1)
        o2 = 0
        while o2 < (gsize[2] if dims > 2 else 1):
            o1 = 0
            while o1 < gsize[1]:
                offset[1], size[1] = o1, min(step[1], gsize[1] - o1)
                offset[2], size[2] = o2, (min(step[2], gsize[2] - o2) if dims > 2 else 1)
                st = cl.clEnqueueNDRangeKernel(self.queue, kk, dims, offset, size, lsize, 0,
                                               NULL, NULL)
                if st != CL_SUCCESS:
                    check(st, f"clEnqueueNDRangeKernel({k.name})")
                self.counted(1)
                o1 += step[1]
            o2 += step[2]
        return 0

    cdef int write(self, Buffer b, size_t offset, object arr) except -1:
        """Enqueue a copy of a C-contiguous numpy array into ``b``; returns at once."""
        if self.busy:
            self.flush()
        cdef cnp.ndarray a = arr
        cdef size_t nbytes = a.nbytes
        if nbytes == 0:
            return 0
        check(cl.clEnqueueWriteBuffer(self.queue, b.mem, 0, offset, nbytes, cnp.PyArray_DATA(a),
                                      0, NULL, NULL), "clEnqueueWriteBuffer")
        self.host_refs.append(a)
        self.write_seq += 1
        if len(self.host_refs) > MAX_HOST_REFS:
            self.finish()
            return 0
        return self.counted(1)

    cdef int read(self, Buffer b, size_t offset, size_t nbytes, void* dst) except -1:
        """Blocking read: waits for every kernel queued before it."""
        if self.busy:
            self.flush()
        cdef cl_int st
        cdef Py_ssize_t writes = self.write_seq
        cdef Py_ssize_t commands = self.commands
        if nbytes == 0:
            return 0
        if b.host != NULL:
            # Host memory (CPU devices): wait for the queue, then copy on this thread. A read
            # command would have a PoCL worker wake up for it and signal back: ~10 us more
            # per asscalar(). If another thread enqueued while this one waited without the
            # GIL, the copy might see that work: the read goes through the queue instead.
            with nogil:
                st = cl.clFinish(self.queue)
            check(st, "clFinish")
            if self.commands == commands:
                memcpy(dst, <char*>b.host + offset, nbytes)
                self.drop_host_refs(writes)
                self.all_settled(commands)
                return 0
        with nogil:
            st = cl.clEnqueueReadBuffer(self.queue, b.mem, 1, offset, nbytes, dst, 0, NULL, NULL)
        check(st, "clEnqueueReadBuffer")
        self.drop_host_refs(writes)   # every write queued before the read has run
        self.all_settled(commands)
        return 0

    cdef int copy(self, Buffer src, size_t src_off, Buffer dst, size_t dst_off, size_t nbytes) except -1:
        if self.busy:
            self.flush()
        if nbytes == 0:
            return 0
        check(cl.clEnqueueCopyBuffer(self.queue, src.mem, dst.mem, src_off, dst_off, nbytes,
                                     0, NULL, NULL), "clEnqueueCopyBuffer")
        return self.counted(1)

    cdef int fill_bytes(self, Buffer b, size_t offset, size_t nbytes, const void* pattern,
                        size_t psize) except -1:
        if self.busy:
            self.flush()
        if nbytes == 0:
            return 0
        check(cl.clEnqueueFillBuffer(self.queue, b.mem, pattern, psize, offset, nbytes,
                                     0, NULL, NULL), "clEnqueueFillBuffer")
        return self.counted(1)

    def finish(self):
        """Enqueue this thread's pending fused ops (and those left by threads that ended),
        then wait until every enqueued command has completed."""
        cdef cl_int st
        self.flush()
        if self.lanes:
            self.drop_ended_lanes()
        cdef Py_ssize_t writes = self.write_seq
        cdef Py_ssize_t commands = self.commands
        with nogil:
            st = cl.clFinish(self.queue)
        check(st, "clFinish")
        self.drop_host_refs(writes)
        self.all_settled(commands)

    def submit(self):
        """Enqueue pending work and hand the queue to the device (clFlush), without waiting."""
        self.flush()
        check(cl.clFlush(self.queue), "clFlush")

    def alloc_buffer(self, size_t nbytes):
        return self.alloc(nbytes)

    def write_array(self, Buffer b, size_t offset, arr):
        self.write(b, offset, arr)

    def read_into(self, Buffer b, size_t offset, cnp.ndarray out):
        self.read(b, offset, out.nbytes, cnp.PyArray_DATA(out))

    def copy_buffer(self, Buffer src, size_t src_off, Buffer dst, size_t dst_off, size_t nbytes):
        self.copy(src, src_off, dst, dst_off, nbytes)

    def fill(self, Buffer b, size_t offset, size_t nbytes, bytes pattern):
        self.fill_bytes(b, offset, nbytes, PyBytes_AS_STRING(pattern), len(pattern))

    def launch_1d(self, Kernel k, size_t n, size_t work=1):
        """Enqueue ``k`` over ``n`` work-items that each handle about ``work`` elements."""
        self.launch(k, n, work)

    def launch_grid(self, Kernel k, tuple gsize, tuple lsize=None):
        cdef size_t g[3]
        cdef size_t l[3]
        cdef int i, dims = len(gsize)
        for i in range(dims):
            g[i] = gsize[i]
            if lsize is not None:
                l[i] = lsize[i]
        self.launch_nd(k, dims, g, l if lsize is not None else NULL)
