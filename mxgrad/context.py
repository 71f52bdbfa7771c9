"""MXNet-style device contexts over OpenCL devices.

``cpu(i)`` is the i-th OpenCL CPU device, ``gpu(i)`` the i-th OpenCL GPU. Each context gets
one in-order queue and one buffer pool, created on first use. ``with ctx:`` makes it the
default for the current thread.

As in MXNet, where every ``cpu(i)`` is the same host memory, a ``cpu(i)`` past the last
OpenCL CPU device is another name for cpu(0)'s device: arrays keep the name they were
created with, and ops may mix them (the result takes the first operand's context). A
``gpu(i)`` that does not exist is an MXNetError naming the devices that do.
"""
import numbers
import atexit
import threading

import pyopencl as cl

from mxgrad import _devices
from mxgrad._dispatch import DeviceState
from mxgrad.base import MXNetError

__all__ = ["Context", "cpu", "gpu", "num_gpus", "current_context"]

_DEVTYPE_ID = {"cpu": 1, "gpu": 2}
_states = {}                      # (kind, index) -> DeviceState
_states_lock = threading.Lock()
_POOL_LIMIT = 1 << 30             # bytes a context's pool may park before releasing


class _Default(threading.local):
    def __init__(self):
        self.stack = []


_default = _Default()


class Context:
    """A device: ``Context('cpu', 0)``, ``Context('gpu', 1)`` or ``Context(other_ctx)``.

    Equal contexts (same type and id) share one queue and buffer pool. Creating a Context
    touches no device; the first op on it does (and raises MXNetError naming the devices
    that exist if there is no such device).

    >>> ctx = mx.Context('cpu', 0)
    >>> ctx.device_type, ctx.device_id, ctx.device_typeid
    ('cpu', 0, 1)
    >>> ctx == mx.cpu(), mx.Context(mx.gpu(1))
    (True, gpu(1))
    >>> with mx.Context('cpu', 0):
    ...     x = mx.nd.zeros(2)
    >>> x.context
    cpu(0)
    """

    __slots__ = ("device_type", "device_id", "_state")
    devtype2str = {1: "cpu", 2: "gpu"}
    devstr2type = {"cpu": 1, "gpu": 2}

    def __init__(self, device_type, device_id=0):
        if isinstance(device_type, Context):
            device_id = device_type.device_id
            device_type = device_type.device_type
        if device_type not in _DEVTYPE_ID:
            raise MXNetError(f"unknown device type {device_type!r}: expected 'cpu' or 'gpu'")
        if not isinstance(device_id, numbers.Integral) or device_id < 0:
            raise MXNetError(f"device_id must be a non-negative int, got {device_id!r}")
        self.device_type = device_type
        self.device_id = int(device_id)
        self._state = None

    @property
    def device_typeid(self):
        """1 for cpu, 2 for gpu (MXNet's device type codes).

        >>> mx.cpu().device_typeid, mx.gpu(1).device_typeid
        (1, 2)
        """
        return _DEVTYPE_ID[self.device_type]

    def __reduce__(self):
        return (Context, (self.device_type, self.device_id))

    def empty_cache(self):
        """Release the device buffers this context's pool keeps for reuse (waits for the
        queue first). Arrays still alive are not affected.

        >>> x = mx.nd.ones((1000,))
        >>> del x                     # its buffer goes back to cpu(0)'s pool
        >>> mx.cpu(0).empty_cache()   # ...and is now released
        """
        state = _states.get((self.device_type, self.device_id))
        if state is not None:
            state.pool.empty()

    def __eq__(self, other):
        return (isinstance(other, Context) and self.device_type == other.device_type
                and self.device_id == other.device_id)

    def __hash__(self):
        return hash((self.device_type, self.device_id))

    def __str__(self):
        return f"{self.device_type}({self.device_id})"

    __repr__ = __str__

    def __enter__(self):
        _default.stack.append(self)
        return self

    def __exit__(self, *exc):
        _default.stack.pop()
        return False

    # --- OpenCL side -----------------------------------------------------------------
    @property
    def state(self):
        """The DeviceState (queue, pool, kernels) of this context, created on first use.

        >>> mx.cpu(0).state is mx.Context('cpu', 0).state
        True
        """
        s = self._state
        if s is None:
            s = self._state = _state_for(self.device_type, self.device_id)
        return s

    @property
    def device_info(self):
        """The DeviceInfo of the OpenCL device this context runs on.

        >>> info = mx.cpu(0).device_info
        >>> info.kind, info.index
        ('cpu', 0)
        """
        return _devices.find(*_device_of(self.device_type, self.device_id))

    @property
    def cl_context(self):
        """The pyopencl Context arrays of this context live in.

        >>> import pyopencl as cl
        >>> isinstance(mx.cpu(0).cl_context, cl.Context)
        True
        """
        return self.state.cl_context_obj

    @property
    def queue(self):
        """The pyopencl CommandQueue every op of this context is enqueued on.

        >>> q = mx.cpu(0).queue
        >>> q.context == mx.cpu(0).cl_context
        True
        """
        return self.state.cl_queue_obj

    @classmethod
    def from_queue(cls, queue):
        """The context of the device ``queue`` runs on, using that queue and its OpenCL context.

        For embedding mxgrad in an application that already owns the device: no second
        OpenCL context is created. Must be called before mxgrad first uses that device.

        >>> queue = mx.cpu(0).queue     # usually the application's own queue
        >>> mx.Context.from_queue(queue)
        cpu(0)
        """
        if queue.properties & cl.command_queue_properties.OUT_OF_ORDER_EXEC_MODE_ENABLE:
            raise MXNetError("Context.from_queue needs an in-order queue")
        dev = queue.device
        for info in _devices.all_devices():
            if info.device.int_ptr == dev.int_ptr:
                break
        else:
            raise MXNetError(f"the queue's device {dev.name!r} is not among "
                             f"{_devices.available_text()}")
        key = (info.kind, info.index)
        with _states_lock:
            existing = _states.get(key)
            if existing is not None and existing.cl_queue_obj.int_ptr != queue.int_ptr:
                raise MXNetError(f"{info.kind}({info.index}) is already in use with another "
                                 "queue; call Context.from_queue before the first op on it")
            if existing is None:
                _states[key] = _make_state(info, queue.context, queue)
        return cls(info.kind, info.index)


def _make_state(info, cl_context, queue):
    use_host_ptr = info.kind == "cpu" and info.native_kernels
    return DeviceState(cl_context, queue, info.device, use_host_ptr, info.kind == "cpu",
                       info.has_fp64, info.has_fp16, _POOL_LIMIT)


_device_of = _devices.backing_device


def _state_for(kind, index):
    key = _device_of(kind, index)
    s = _states.get(key)
    if s is None:
        with _states_lock:
            s = _states.get(key)
            if s is None:
                info = _devices.find(*key)
                ctx = cl.Context([info.device])
                s = _states[key] = _make_state(info, ctx, cl.CommandQueue(ctx, info.device))
    return s


def live_states():
    """The DeviceStates created so far (for waitall and the tests)."""
    return list(_states.values())


def live_contexts():
    """A Context for each device state created so far.

    >>> from mxgrad.context import live_contexts
    >>> x = mx.nd.zeros(1, ctx=mx.cpu(0))      # cpu(0)'s queue and pool exist from here on
    >>> mx.cpu(0) in live_contexts()
    True
    """
    return [Context(kind, index) for kind, index in list(_states)]


@atexit.register
def _drain_queues_at_exit():
    """Let queued work finish before the interpreter frees what it reads (host arrays of
    pending writes): a device thread still copying from freed memory would crash the exit."""
    for state in live_states():
        try:
            state.finish()
        except Exception:       # exiting anyway; a failed device must not hide the rest
            pass


def cpu(device_id=0):
    """The i-th OpenCL CPU device (PoCL, Intel's CPU runtime, ...).

    >>> mx.cpu()
    cpu(0)
    >>> mx.nd.zeros(2, ctx=mx.cpu(0)).context
    cpu(0)
    """
    return Context("cpu", device_id)


def gpu(device_id=0):
    """The i-th OpenCL GPU, across platforms.

    >>> mx.gpu(1)       # creating a Context touches no device
    gpu(1)
    >>> mx.gpu(1).device_typeid
    2
    """
    return Context("gpu", device_id)


def num_gpus():
    """How many OpenCL GPUs there are.

    >>> ctx = mx.gpu(0) if mx.num_gpus() > 0 else mx.cpu(0)
    >>> ctx.device_type in ('cpu', 'gpu')
    True
    """
    return len(_devices.devices_of("gpu"))


_process_default = None


def current_context():
    """The innermost ``with ctx:`` of this thread, else the default (cpu(0) when an OpenCL
    CPU device exists, else gpu(0); ``MXGRAD_CTX`` overrides).

    >>> mx.current_context()
    cpu(0)
    >>> with mx.cpu(1):
    ...     print(mx.current_context(), mx.nd.zeros(1).context)
    cpu(1) cpu(1)
    """
    global _process_default
    stack = _default.stack
    if stack:
        return stack[-1]
    if _process_default is None:
        _process_default = Context(*_devices.default_device())
    return _process_default
