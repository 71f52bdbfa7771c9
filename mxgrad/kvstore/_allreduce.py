"""Bucketed, overlapped allreduce of NDArrays across MPI ranks, bounded by a deadline.

The arrays of one call are packed, in order and by dtype, into buckets of about
``MXGRAD_KVSTORE_BUCKET_MB``. Each bucket is staged through host memory with non-blocking
reads (``clEnqueueReadBuffer``), all enqueued at once; as soon as a bucket's reads are done
its ``Iallreduce`` starts, while the device goes on reading the next buckets and the
reduced buckets are written back (non-blocking writes, ordered before any later op on the
arrays by the context's in-order queue). On a CPU device, where device memory is host
memory, an array alone in its bucket (one that fills at least half a bucket) is not copied
at all: it is mapped and reduced in place.

MPI requests are polled, never waited on blindly: if the other ranks do not answer within
``MXGRAD_KVSTORE_TIMEOUT`` seconds (a rank died, hangs, or took another code path), the
call raises MXNetError and this process aborts the MPI job when it exits, so that no rank
waits forever.

The arrays are reached through the public interop layer (``mx.interop.to_pyopencl``):
pyopencl enqueues the non-blocking reads and the maps on each context's own queue. This is
the one place the kvstore goes below ``mx.nd``; mxgrad's NDArray API has no non-blocking
read and no map.
"""
import atexit
import os
import sys
import time

import numpy as np

from mxgrad import interop
from mxgrad.base import MXNetError

DEFAULT_BUCKET_MB = 1.0
DEFAULT_TIMEOUT_S = 60.0
SPIN_S = 1.0                 # how long a wait polls at full speed before it eases off


def _positive(name, text, default):
    if text is None or text.strip() == "":
        return default
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not value > 0:
        raise MXNetError(f"{name}={text!r}: expected a positive number")
    return value


def bucket_bytes_from_env():
    """Bucket size in bytes from ``MXGRAD_KVSTORE_BUCKET_MB`` (MiB, default 1)."""
    mb = _positive("MXGRAD_KVSTORE_BUCKET_MB", os.environ.get("MXGRAD_KVSTORE_BUCKET_MB"),
                   DEFAULT_BUCKET_MB)
    return max(1, int(mb * 2**20))


def timeout_from_env():
    """Seconds to wait for the other ranks, from ``MXGRAD_KVSTORE_TIMEOUT`` (default 60)."""
    return _positive("MXGRAD_KVSTORE_TIMEOUT", os.environ.get("MXGRAD_KVSTORE_TIMEOUT"),
                     DEFAULT_TIMEOUT_S)


_EVENT_COMPLETE = 0          # CL_COMPLETE


def plan_buckets(arrays, bucket_bytes):
    """Group ``arrays`` (in order) into buckets of one dtype and at most ``bucket_bytes``;
    an array of at least half a bucket gets a bucket of its own (on a CPU device it is then
    reduced in place, mapped, without a copy).

    >>> from mxgrad.kvstore._allreduce import plan_buckets
    >>> arrays = [mx.nd.zeros(100), mx.nd.zeros(100), mx.nd.zeros(300), mx.nd.zeros(5)]
    >>> [[a.size for a in b] for b in plan_buckets(arrays, bucket_bytes=1000)]
    [[100, 100], [300], [5]]
    """
    buckets, current, size, dtype = [], [], 0, None
    for a in arrays:
        nbytes = a.size * np.dtype(a.dtype).itemsize
        alone = nbytes * 2 >= bucket_bytes
        if current and (alone or a.dtype != dtype or size + nbytes > bucket_bytes):
            buckets.append(current)
            current, size = [], 0
        if alone:
            buckets.append([a])
            continue
        current.append(a)
        size += nbytes
        dtype = a.dtype
    if current:
        buckets.append(current)
    return buckets


class _Part:
    """One array's place in a bucket: host-staged (``view`` is its slice of the bucket's
    host buffer) or mapped (``view`` is the mapped device memory itself)."""

    __slots__ = ("array", "view", "event", "mapped")

    def __init__(self, array, view, event, mapped):
        self.array, self.view, self.event, self.mapped = array, view, event, mapped


class _Bucket:
    __slots__ = ("parts", "host", "request", "started")

    def __init__(self, parts, host):
        self.parts, self.host, self.request, self.started = parts, host, None, 0.0


class Allreducer:
    """Runs the collectives of one communicator for the dist kvstore."""

    def __init__(self, comm, bucket_bytes=None, timeout=None):
        from mpi4py import MPI
        self.MPI = MPI
        self.comm = comm
        self.bucket_bytes = bucket_bytes or bucket_bytes_from_env()
        self.timeout = timeout or timeout_from_env()
        self.broken = None              # the message of a timed-out call, then no more calls
        self.stats = {"calls": 0, "buckets": 0, "bytes": 0, "mapped_bytes": 0,
                      "seconds": 0.0}

    # --- deadlines ---------------------------------------------------------------------
    def _fail(self, what, waited):
        rank, size = self.comm.Get_rank(), self.comm.Get_size()
        self.broken = (f"kvstore dist_sync: rank {rank} of {size} waited {waited:.1f} s for the "
                       f"other ranks in {what}: a rank has exited, hangs, or is running other "
                       "code (MXGRAD_KVSTORE_TIMEOUT sets this limit); the MPI job is aborted "
                       "when this process exits")
        atexit.register(self._abort_at_exit)
        raise MXNetError(self.broken)

    def _abort_at_exit(self):
        # A collective that never completed leaves MPI unable to finalize: end the whole
        # job instead, so that the ranks still waiting do not hang either.
        sys.stdout.flush()
        sys.stderr.flush()
        self.comm.Abort(1)

    def check_usable(self):
        if self.broken:
            raise MXNetError(self.broken)

    def _pause(self, polls, started, began, what):
        """Between two polls. MPI moves data only while the ranks poll (a sleep between
        polls slowed a 2.6 MB allreduce down several times), so a wait polls at full speed,
        yielding the core to anything runnable, for up to ``SPIN_S``; a rank still waiting
        then is waiting for one that is stuck or far behind, and polls every half
        millisecond. The deadline (from ``started``) is checked every 16 polls."""
        if polls & 15:
            os.sched_yield()
            return
        now = time.perf_counter()
        if now - started > self.timeout:
            self._fail(what, now - started)
        if now - began < SPIN_S:
            os.sched_yield()
        else:
            time.sleep(5e-4)

    def wait(self, request, started, what):
        """Poll ``request`` until it completes or the deadline passes."""
        polls = 0
        began = time.perf_counter()
        while not request.Test():
            polls += 1
            self._pause(polls, started, began, what)

    def _wait_event(self, event, pending, what):
        """Wait for an OpenCL event, making progress on (and checking the deadlines of) the
        MPI requests in flight meanwhile."""
        if not pending:
            event.wait()
            return
        polls = 0
        began = time.perf_counter()
        while event.command_execution_status != _EVENT_COMPLETE:
            if event.command_execution_status < 0:
                event.wait()                   # raises the runtime's error
            oldest = pending[0]
            oldest.request.Test()
            polls += 1
            self._pause(polls, oldest.started, began, what)

    # --- small collectives ------------------------------------------------------------
    def allgather_int(self, value, what):
        """Every rank's ``value`` (an int64), with the deadline."""
        self.check_usable()
        mine = np.array([value], dtype=np.int64)
        every = np.empty(self.comm.Get_size(), dtype=np.int64)
        started = time.perf_counter()
        self.wait(self.comm.Iallgather(mine, every), started, what)
        return every

    def barrier(self, what="a barrier"):
        self.check_usable()
        started = time.perf_counter()
        self.wait(self.comm.Ibarrier(), started, what)

    # --- the bucketed collectives -------------------------------------------------------
    def _stage(self, arrays):
        """Enqueue the non-blocking reads (or the map) that bring one bucket to the host."""
        import pyopencl as cl
        dtype = np.dtype(arrays[0].dtype)
        if len(arrays) == 1 and arrays[0].context.device_type == "cpu" and arrays[0].size:
            x = arrays[0]
            a = interop.to_pyopencl(x)
            view, event = cl.enqueue_map_buffer(
                a.queue, a.base_data, cl.map_flags.READ | cl.map_flags.WRITE, a.offset,
                (x.size,), dtype, is_blocking=False)
            return _Bucket([_Part(x, view, event, True)], None)
        total = sum(x.size for x in arrays)
        host = np.empty(total, dtype=dtype)
        parts, start = [], 0
        for x in arrays:
            view = host[start:start + x.size]
            start += x.size
            event = None
            if x.size:
                a = interop.to_pyopencl(x)
                event = cl.enqueue_copy(a.queue, view, a.base_data, src_offset=a.offset,
                                        is_blocking=False)
            parts.append(_Part(x, view, event, False))
        return _Bucket(parts, host)

    def _deliver(self, bucket):
        """Hand a reduced bucket back to its arrays (enqueued; nothing waits)."""
        for p in bucket.parts:
            if p.mapped:
                p.view.base.release(p.array.context.queue)
            elif p.array.size:
                p.array[:] = p.view.reshape(p.array.shape)

    def allreduce(self, arrays, what, root=None):
        """Sum ``arrays`` (NDArrays, in the same order and shapes on every rank) in place
        across the ranks; with ``root``, broadcast that rank's values instead."""
        self.check_usable()
        arrays = [a for a in arrays if a.size]
        if not arrays or self.comm.Get_size() == 1:
            return
        t0 = time.perf_counter()
        MPI = self.MPI
        buckets = [self._stage(group) for group in plan_buckets(arrays, self.bucket_bytes)]
        queues = {id(p.array.context.queue): p.array.context.queue
                  for b in buckets for p in b.parts}
        for q in queues.values():
            q.flush()                    # the reads start now, while we reduce
        pending = []
        try:
            for b in buckets:
                for p in b.parts:
                    if p.event is not None:
                        self._wait_event(p.event, pending, what)
                buf = b.host if b.host is not None else b.parts[0].view
                b.started = time.perf_counter()
                if root is None:
                    b.request = self.comm.Iallreduce(MPI.IN_PLACE, buf, op=MPI.SUM)
                else:
                    b.request = self.comm.Ibcast(buf, root=root)
                pending.append(b)
                while pending and pending[0].request.Test():
                    self._deliver(pending.pop(0))
            while pending:
                self.wait(pending[0].request, pending[0].started, what)
                self._deliver(pending.pop(0))
        except BaseException:
            for b in buckets:            # unmap what was mapped; the data is unusable anyway
                for p in b.parts:
                    if p.mapped and p.event is not None:
                        try:
                            p.event.wait()
                            p.view.base.release(p.array.context.queue)
                        except Exception:
                            pass
            raise
        st = self.stats
        st["calls"] += 1
        st["buckets"] += len(buckets)
        st["bytes"] += sum(p.view.nbytes for b in buckets for p in b.parts)
        st["mapped_bytes"] += sum(p.view.nbytes for b in buckets for p in b.parts if p.mapped)
        st["seconds"] += time.perf_counter() - t0
