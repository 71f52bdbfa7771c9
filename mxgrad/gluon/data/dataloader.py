"""DataLoader: mini-batches of a dataset, as MXNet 1.9.1's ``gluon.data.DataLoader``.

Batches are read in the calling process, in a thread pool (``thread_pool=True``), or in
worker processes (``num_workers > 0``). mxgrad's OpenCL state cannot cross a ``fork``, so
worker processes are started with ``spawn`` and never touch OpenCL: the dataset reaches them
with every NDArray turned into a NumPy array, they batch NumPy arrays, and this process turns
the batches into NDArrays. Batches come back in sampler order whatever the worker timing.
"""
import io
import multiprocessing
import multiprocessing.pool
import pickle
import signal

import numpy as np

from mxgrad import ndarray as nd
from mxgrad.base import MXNetError
from mxgrad.ndarray import NDArray
from mxgrad.gluon.data import sampler as _sampler

__all__ = ["DataLoader"]


def default_batchify_fn(data):
    """Stacks a list of samples into a batch, as MXNet's default.

    NDArrays are stacked (``nd.stack``, their dtype kept); tuples are batched element by
    element into a list; anything else (NumPy arrays, numbers) goes through
    ``np.asarray`` and becomes an NDArray of NumPy's dtype (int64 for Python ints,
    float64 for Python floats).

    >>> batchify = mx.gluon.data.dataloader.default_batchify_fn
    >>> x, y = batchify([(mx.nd.ones((2,)), 1), (mx.nd.zeros((2,)), 0)])
    >>> x.shape, y.dtype, y.asnumpy().tolist()
    ((2, 2), <class 'numpy.int64'>, [1, 0])
    """
    if isinstance(data[0], NDArray):
        return nd.stack(*data)
    if isinstance(data[0], tuple):
        return [default_batchify_fn(column) for column in zip(*data)]
    data = np.asarray(data)
    return nd.array(data, dtype=data.dtype)


# MXNet's multi-worker default batches into shared CPU memory; here it is the same batch.
default_mp_batchify_fn = default_batchify_fn


def _numpy_batchify(data):
    """``default_batchify_fn`` in a worker process: the same stacking, in NumPy."""
    if isinstance(data[0], tuple):
        return [_numpy_batchify(column) for column in zip(*data)]
    if isinstance(data[0], np.ndarray):
        return np.stack(data)
    return np.asarray(data)


def _to_ndarrays(batch):
    """A worker's NumPy batch as NDArrays of the same dtypes (lists stay lists)."""
    if isinstance(batch, np.ndarray):
        return nd.array(batch, dtype=batch.dtype)
    if isinstance(batch, (list, tuple)):
        return [_to_ndarrays(part) for part in batch]
    return batch


class _NumpyPickler(pickle.Pickler):
    """Pickles a dataset for the workers with each NDArray replaced by its NumPy array."""

    def reducer_override(self, obj):
        if isinstance(obj, NDArray):
            return _identity, (obj.asnumpy(),)
        return NotImplemented


def _identity(x):
    return x


def _dumps_for_workers(obj):
    buf = io.BytesIO()
    try:
        _NumpyPickler(buf, pickle.HIGHEST_PROTOCOL).dump(obj)
    except (pickle.PicklingError, AttributeError, TypeError) as e:
        raise MXNetError(
            "DataLoader(num_workers > 0) sends the dataset to spawned worker processes, so "
            f"it must pickle, and it does not: {e}. A lambda or a function defined inside "
            "another cannot; use a module-level function or class, or num_workers=0, or "
            "thread_pool=True.") from e
    return buf.getvalue()


_worker_dataset = None


def _worker_initializer(dataset_bytes):
    """Runs once in each worker process: its own copy of the dataset (NumPy, no OpenCL)."""
    global _worker_dataset
    _worker_dataset = pickle.loads(dataset_bytes)


def _worker_fn(samples, batchify_fn):
    """One batch in a worker process; ``batchify_fn`` None means the NumPy default."""
    data = [_worker_dataset[i] for i in samples]
    if batchify_fn is None:
        return _numpy_batchify(data)
    return batchify_fn(data)


def _thread_worker_fn(samples, batchify_fn, dataset):
    return batchify_fn([dataset[i] for i in samples])


class _MultiWorkerIter:
    """Keeps ``prefetch`` batches in flight in a pool and hands them out in order."""

    def __init__(self, loader):
        self._loader = loader
        self._iter = iter(loader._batch_sampler)
        self._pending = {}
        self._sent = 0
        self._received = 0
        for _ in range(loader._prefetch):
            self._push_next()

    def __len__(self):
        return len(self._loader._batch_sampler)

    def _push_next(self):
        indices = next(self._iter, None)
        if indices is None:
            return
        loader = self._loader
        if loader._thread_pool:
            args = (_thread_worker_fn, (indices, loader._batchify_fn, loader._dataset))
        else:
            args = (_worker_fn, (indices, loader._worker_batchify_fn))
        self._pending[self._sent] = loader._worker_pool.apply_async(*args)
        self._sent += 1

    def __next__(self):
        self._push_next()
        if self._received == self._sent:
            raise StopIteration
        result = self._pending.pop(self._received)
        loader = self._loader
        try:
            batch = result.get(loader._timeout)
        except multiprocessing.TimeoutError:
            print(f"Worker timed out after {loader._timeout} seconds. This might be caused "
                  "by a slow transform: increase `timeout` to allow slower data loading "
                  "in each worker.")
            raise
        except Exception:
            loader._worker_pool.terminate()
            raise
        self._received += 1
        if not loader._thread_pool and loader._worker_batchify_fn is None:
            batch = _to_ndarrays(batch)
        return batch

    next = __next__

    def __iter__(self):
        return self


class DataLoader:
    """Loads a dataset in mini-batches (MXNet 1.9.1's signature and batch order).

    ``batch_size``, ``shuffle``, ``sampler`` and ``last_batch`` make a ``BatchSampler``;
    or pass your own ``batch_sampler`` instead of all four. ``batchify_fn`` turns a list of
    samples into a batch (default ``dataloader.default_batchify_fn``). ``num_workers > 0`` reads
    batches in that many processes (or threads with ``thread_pool=True``), keeping
    ``prefetch`` batches (default ``2 * num_workers``) in flight; a batch not ready within
    ``timeout`` seconds raises ``multiprocessing.TimeoutError``.

    Worker processes are spawned and stay off OpenCL: they see the dataset's NDArrays as
    NumPy arrays, so transforms that run in them must accept NumPy arrays (the
    ``vision.transforms`` do) and a custom ``batchify_fn`` runs on NumPy samples. The
    batches are NDArrays on the current context. ``pin_memory`` and ``pin_device_id`` are
    accepted; OpenCL has no pinned host context, so they change nothing.

    >>> data = mx.gluon.data.ArrayDataset(mx.nd.arange(10).reshape((5, 2)), [0, 1, 0, 1, 1])
    >>> for x, y in mx.gluon.data.DataLoader(data, batch_size=2, last_batch='discard'):
    ...     print(x.shape, y.asnumpy().tolist())
    (2, 2) [0, 1]
    (2, 2) [0, 1]
    """

    def __init__(self, dataset, batch_size=None, shuffle=False, sampler=None,
                 last_batch=None, batch_sampler=None, batchify_fn=None,
                 num_workers=0, pin_memory=False, pin_device_id=0,
                 prefetch=None, thread_pool=False, timeout=120, auto_reload=False):
        self._dataset = dataset
        self._pin_memory = pin_memory
        self._pin_device_id = pin_device_id
        self._thread_pool = thread_pool
        self._timeout = timeout
        self._worker_pool = None
        assert timeout > 0, f"timeout must be positive, given {timeout}"

        if batch_sampler is None:
            if batch_size is None:
                raise ValueError("batch_size must be specified unless "
                                 "batch_sampler is specified")
            if sampler is None:
                sampler = (_sampler.RandomSampler(len(dataset)) if shuffle
                           else _sampler.SequentialSampler(len(dataset)))
            elif shuffle:
                raise ValueError("shuffle must not be specified if sampler is specified")
            batch_sampler = _sampler.BatchSampler(sampler, batch_size,
                                                  last_batch if last_batch else "keep")
        elif (batch_size is not None or shuffle or sampler is not None
              or last_batch is not None):
            raise ValueError("batch_size, shuffle, sampler and last_batch must "
                             "not be specified if batch_sampler is specified.")
        self._batch_sampler = batch_sampler
        self._num_workers = num_workers if num_workers >= 0 else 0
        self._prefetch = max(0, int(prefetch) if prefetch is not None
                             else 2 * self._num_workers)
        self._batchify_fn = default_batchify_fn if batchify_fn is None else batchify_fn
        self._worker_batchify_fn = batchify_fn     # None: the NumPy default in workers
        if self._num_workers > 0:
            self._worker_pool = self._make_pool()
        self.auto_reload = auto_reload
        if self.auto_reload:
            self.refresh()
        else:
            self.clean()

    def _make_pool(self):
        if self._thread_pool:
            return multiprocessing.pool.ThreadPool(self._num_workers)
        dataset_bytes = _dumps_for_workers(self._dataset)
        # workers ignore Ctrl-C: the main process handles it and terminates them
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            return multiprocessing.get_context("spawn").Pool(
                self._num_workers, initializer=_worker_initializer,
                initargs=(dataset_bytes,))
        finally:
            signal.signal(signal.SIGINT, previous)

    def __iter__(self):
        if self._iter is None:
            self.refresh()
        batches = self._iter
        self._iter = None                  # an iterator is used once
        for batch in batches:
            yield batch
        if self._iter is None and self.auto_reload:
            self.refresh()

    def _prefetch_iter(self):
        if self._num_workers == 0:
            return self._same_process_iter()
        return _MultiWorkerIter(self)

    def _same_process_iter(self):
        for indices in self._batch_sampler:
            yield self._batchify_fn([self._dataset[i] for i in indices])

    def __len__(self):
        return len(self._batch_sampler)

    def __del__(self):
        pool = getattr(self, "_worker_pool", None)
        if pool is not None:
            pool.terminate()

    def refresh(self):
        """Starts a fresh pass now (its prefetching begins at once).

        >>> loader = mx.gluon.data.DataLoader([1, 2, 3], batch_size=2)
        >>> loader.refresh()
        >>> [b.asnumpy().tolist() for b in loader]
        [[1, 2], [3]]
        """
        self._iter = self._prefetch_iter()

    def clean(self):
        """Drops a prefetched pass; the next ``iter()`` starts a new one.

        >>> loader = mx.gluon.data.DataLoader([1, 2, 3], batch_size=3)
        >>> loader.clean()
        >>> len(loader), [b.asnumpy().tolist() for b in loader]
        (1, [[1, 2, 3]])
        """
        self._iter = None
