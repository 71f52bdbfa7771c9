"""Samplers: the index sequences a DataLoader walks, as MXNet 1.9.1's ``gluon.data`` has them.

A sampler is an iterable of dataset indices with a length. ``BatchSampler`` groups another
sampler's indices into mini-batches and decides what happens to the short last batch.
Shuffling draws from NumPy's global generator, like MXNet's ``RandomSampler``.
"""
import numpy as np

__all__ = ["Sampler", "SequentialSampler", "RandomSampler", "FilterSampler", "BatchSampler"]

_LAST_BATCH = ("keep", "discard", "rollover")


class Sampler:
    """Base class of samplers: subclasses define ``__iter__`` and ``__len__``.

    >>> class Evens(mx.gluon.data.Sampler):
    ...     def __iter__(self):
    ...         return iter(range(0, 6, 2))
    ...     def __len__(self):
    ...         return 3
    >>> list(Evens())
    [0, 2, 4]
    """

    def __iter__(self):
        raise NotImplementedError

    def __len__(self):
        raise NotImplementedError


class SequentialSampler(Sampler):
    """The indices ``start, start + 1, ..., start + length - 1`` in order.

    >>> list(mx.gluon.data.SequentialSampler(4, start=2))
    [2, 3, 4, 5]
    """

    def __init__(self, length, start=0):
        self._length = length
        self._start = start

    def __iter__(self):
        return iter(range(self._start, self._start + self._length))

    def __len__(self):
        return self._length


class RandomSampler(Sampler):
    """The indices ``0 .. length - 1`` in a fresh random order each pass (``np.random``).

    >>> sorted(int(i) for i in mx.gluon.data.RandomSampler(5))
    [0, 1, 2, 3, 4]
    """

    def __init__(self, length):
        self._length = length

    def __iter__(self):
        order = np.arange(self._length)
        np.random.shuffle(order)
        return iter(order)

    def __len__(self):
        return self._length


class FilterSampler(Sampler):
    """The indices of the samples of ``dataset`` for which ``fn(sample)`` is true.

    The dataset is scanned once, when the sampler is made.

    >>> list(mx.gluon.data.FilterSampler(lambda x: x % 3 == 0, list(range(10))))
    [0, 3, 6, 9]
    """

    def __init__(self, fn, dataset):
        self._fn = fn
        self._dataset = dataset
        self._indices = [i for i, sample in enumerate(dataset) if fn(sample)]

    def __iter__(self):
        return iter(self._indices)

    def __len__(self):
        return len(self._indices)


def _check_last_batch(last_batch):
    if last_batch not in _LAST_BATCH:
        raise ValueError("last_batch must be one of 'keep', 'discard', or 'rollover', "
                         f"but got {last_batch}")


class BatchSampler(Sampler):
    """Groups the indices of ``sampler`` into lists of ``batch_size``.

    ``last_batch`` says what becomes of a short last batch: ``'keep'`` yields it,
    ``'discard'`` drops it, ``'rollover'`` puts its indices in front of the next pass.

    >>> sampler = mx.gluon.data.SequentialSampler(10)
    >>> list(mx.gluon.data.BatchSampler(sampler, 3, 'keep'))
    [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]
    >>> rolling = mx.gluon.data.BatchSampler(sampler, 3, 'rollover')
    >>> list(rolling), list(rolling)
    ([[0, 1, 2], [3, 4, 5], [6, 7, 8]], [[9, 0, 1], [2, 3, 4], [5, 6, 7]])
    """

    def __init__(self, sampler, batch_size, last_batch='keep'):
        self._sampler = sampler
        self._batch_size = batch_size
        self._last_batch = last_batch
        self._prev = []

    def __iter__(self):
        batch, self._prev = self._prev, []
        for index in self._sampler:
            batch.append(index)
            if len(batch) == self._batch_size:
                yield batch
                batch = []
        if batch:
            _check_last_batch(self._last_batch)
            if self._last_batch == "keep":
                yield batch
            elif self._last_batch == "rollover":
                self._prev = batch

    def __len__(self):
        _check_last_batch(self._last_batch)
        if self._last_batch == "keep":
            return (len(self._sampler) + self._batch_size - 1) // self._batch_size
        if self._last_batch == "discard":
            return len(self._sampler) // self._batch_size
        return (len(self._prev) + len(self._sampler)) // self._batch_size
