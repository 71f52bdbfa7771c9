"""The multi-process KVStore ('dist_sync'): one process per rank of an MPI communicator.

Every rank keeps its own copy of every key. ``init`` and ``broadcast`` give every rank
rank 0's value; ``push`` sums the values of every rank (an MPI allreduce, after the local
sum across the rank's contexts) and then stores the sum or runs the optimizer on it, the
same update on every rank; ``pull`` reads the local copy. There is no server: the stored
values stay identical because every rank applies the same update to the same sum.

Before the data of a call moves, the ranks compare what they are about to reduce (keys,
shapes, dtypes: a hash gathered from every rank), so that mismatched code raises a clear
MXNetError instead of reducing garbage or hanging. mpi4py is imported only here, when a
dist store is created.
"""
import hashlib

import numpy as np

from mxgrad.base import MXNetError
from mxgrad.kvstore._allreduce import Allreducer
from mxgrad.kvstore.kvstore import KVStore

__all__ = ["DistKVStore", "mpi_comm_world"]


def _mpi():
    try:
        from mpi4py import MPI
    except ImportError as e:
        raise MXNetError("kvstore 'dist_sync' needs mpi4py and an MPI library: pip install "
                         f"'mxgrad[dist]' (mpi4py and mpich), then start the workers with "
                         f"mpiexec or python -m mxgrad.launch ({e})") from None
    return MPI


def mpi_comm_world():
    """MPI's COMM_WORLD (importing mpi4py initializes MPI)."""
    return _mpi().COMM_WORLD


def _describe(pairs):
    return ", ".join(f"{k!r} {tuple(v.shape)} {np.dtype(v.dtype).name}" for k, v in pairs)


class DistKVStore(KVStore):
    """A KVStore whose pushes are summed across the ranks of an MPI communicator.

    Made by ``mx.kv.create('dist_sync', comm=None)``: ``comm`` is an mpi4py communicator of
    the application's (the store works on a duplicate of it, so its messages never mix
    with the application's); None uses MPI's COMM_WORLD. Single-process use needs no MPI:
    this class is only created for the dist types.
    """

    def __init__(self, name="dist_sync", comm=None):
        super().__init__(name)
        MPI = _mpi()
        if comm is None:
            comm = MPI.COMM_WORLD
        elif not isinstance(comm, MPI.Comm):
            raise MXNetError(f"kvstore.create: comm must be an mpi4py communicator "
                             f"(mpi4py.MPI.Comm), got {type(comm).__name__}")
        if comm == MPI.COMM_NULL:
            raise MXNetError("kvstore.create: comm is MPI.COMM_NULL")
        self._comm = comm.Dup()
        self._net = Allreducer(self._comm)

    @property
    def rank(self):
        """This process's rank in the store's communicator."""
        return self._comm.Get_rank()

    @property
    def num_workers(self):
        """The number of processes (ranks) of the store's communicator."""
        return self._comm.Get_size()

    @property
    def comm(self):
        """The store's own communicator (a duplicate of the one it was created with)."""
        return self._comm

    @property
    def stats(self):
        """Counters of the collectives so far: calls, buckets, bytes (of which mapped in
        place), seconds spent in them."""
        return dict(self._net.stats)

    # --- agreement between ranks ------------------------------------------------------
    def _agree(self, op, pairs):
        """Raise the same clear MXNetError on every rank unless every rank calls ``op`` with
        the same keys, shapes and dtypes (``pairs``: [(key, array), ...])."""
        text = f"{op}: {_describe(pairs)}"
        digest = int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(),
                                "little", signed=True)
        what = f"kvstore.{op} (keys {[k for k, _ in pairs][:8]!r})"
        every = self._net.allgather_int(digest, what)
        if (every == every[0]).all():
            return
        texts = self._comm.allgather(text)      # every rank is here: the hashes arrived
        me = self.rank
        other = next(r for r, t in enumerate(texts) if t != texts[me])
        raise MXNetError(f"kvstore dist_sync: the ranks disagree on what to reduce: rank {me} "
                         f"calls {texts[me]}; rank {other} calls {texts[other]} (every rank "
                         "must call the store with the same keys, shapes and dtypes, in the "
                         "same order)")

    # --- the operations that cross processes ---------------------------------------------
    def _init_values(self, items):
        self._agree("init", items)
        copies = [(k, v.copyto(self._home(v))) for k, v in items]
        self._net.allreduce([c for _, c in copies], "kvstore.init (broadcast from rank 0)",
                            root=0)
        for k, c in copies:
            self._store[k] = c

    def _reduce_across(self, arrays, keys, op):
        self._agree(op, list(zip(keys, arrays)))
        self._net.allreduce(arrays, f"kvstore.{op} (keys {keys[:8]!r})")

    def _barrier(self):
        """Wait (within the timeout) until every rank reaches this point."""
        self._net.barrier("kvstore._barrier")
