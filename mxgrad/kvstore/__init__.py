"""Key-value stores for data-parallel training, as MXNet 1.9.1's ``mx.kvstore`` (``mx.kv``).

``create('local')`` or ``create('device')`` sums gradients across the contexts of one
process; ``create('dist_sync')`` also sums them across processes, over MPI (mpi4py, the
``dist`` extra), one process per rank, started with ``mpiexec`` or
``python -m mxgrad.launch``. See docs/distributed.md.

>>> kv = mx.kv.create('local')
>>> kv.init(0, mx.nd.zeros(3))
>>> grads = [mx.nd.ones(3, ctx=mx.cpu(0)), mx.nd.ones(3, ctx=mx.cpu(1))]
>>> kv.pushpull(0, grads)
>>> grads[0]
<BLANKLINE>
[2. 2. 2.]
<NDArray 3 @cpu(0)>
"""
from mxgrad.base import MXNetError
from mxgrad.kvstore.kvstore import KVStore, KVStoreBase

__all__ = ["create", "KVStore", "KVStoreBase"]

_LOCAL_TYPES = ("local", "device", "local_allreduce_cpu", "local_allreduce_device",
                "local_update_cpu")
_DIST_TYPES = ("dist_sync", "dist_sync_device", "dist_device_sync")
_REFUSED = {
    "dist_async": "asynchronous training is not supported; use 'dist_sync'",
    "dist_async_device": "asynchronous training is not supported; use 'dist_sync'",
    "nccl": "NCCL is CUDA's; use 'device' (one process) or 'dist_sync' (MPI)",
    "horovod": "use 'dist_sync', which reduces over MPI like Horovod",
    "byteps": "use 'dist_sync', which reduces over MPI",
}


def create(name="local", comm=None):
    """A new KVStore of type ``name``: 'local' or 'device' (one process, several
    contexts), 'dist_sync' or 'dist_sync_device' (processes over MPI; ``comm``: the
    application's own mpi4py communicator, default COMM_WORLD). A name registered with
    ``KVStoreBase.register`` makes that class.

    >>> kv = mx.kv.create('device')
    >>> kv.type, kv.num_workers
    ('device', 1)
    >>> mx.kv.create('dist_async')
    Traceback (most recent call last):
    ...
    mxgrad.base.MXNetError: kvstore.create('dist_async'): asynchronous training is not supported; use 'dist_sync'
    """
    if not isinstance(name, str):
        raise MXNetError(f"kvstore.create: name must be a str, got {type(name).__name__}")
    key = name.lower()
    if key in _REFUSED:
        raise MXNetError(f"kvstore.create({name!r}): {_REFUSED[key]}")
    if comm is not None and key not in _DIST_TYPES:
        raise MXNetError(f"kvstore.create({name!r}): comm is for the dist types "
                         f"({', '.join(_DIST_TYPES)})")
    if key in _DIST_TYPES:
        from mxgrad.kvstore.dist import DistKVStore    # imports mpi4py: only here
        return DistKVStore(key, comm)
    if key in _LOCAL_TYPES:
        return KVStore(key)
    if key in KVStoreBase.kv_registry:
        return KVStoreBase.kv_registry[key]()
    known = _LOCAL_TYPES + _DIST_TYPES + tuple(KVStoreBase.kv_registry)
    raise MXNetError(f"kvstore.create: unknown kvstore type {name!r}; expected one of "
                     f"{', '.join(repr(k) for k in known)}")
