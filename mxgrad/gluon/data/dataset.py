"""Datasets: indexable collections of samples, as MXNet 1.9.1's ``gluon.data`` has them.

``Dataset`` gives every dataset its derived views (``transform``, ``filter``, ``shard``,
``take``, ``sample``); ``SimpleDataset`` and ``ArrayDataset`` wrap lists and arrays;
``RecordFileDataset`` reads the records of an MXNet RecordIO (``.rec`` + ``.idx``) file.
"""
import os
import struct

from mxgrad.base import MXNetError
from mxgrad.ndarray import NDArray
from mxgrad.gluon.data.sampler import Sampler, SequentialSampler, FilterSampler

__all__ = ["Dataset", "SimpleDataset", "ArrayDataset", "RecordFileDataset"]


class Dataset:
    """Base class of datasets: subclasses define ``__getitem__`` and ``__len__``.

    >>> class Squares(mx.gluon.data.Dataset):
    ...     def __getitem__(self, idx):
    ...         return idx * idx
    ...     def __len__(self):
    ...         return 5
    >>> ds = Squares()
    >>> list(ds.filter(lambda x: x % 2 == 0)), list(ds.take(2)), list(ds.shard(2, 1))
    ([0, 4, 16], [0, 1], [9, 16])
    """

    def __getitem__(self, idx):
        raise NotImplementedError

    def __len__(self):
        raise NotImplementedError

    def __iter__(self):
        # by length: Python's fallback would call __getitem__ until an IndexError, which a
        # dataset like the one above never raises
        for idx in range(len(self)):
            yield self[idx]

    def filter(self, fn):
        """A view of the samples for which ``fn(sample)`` is true (the dataset is scanned now).

        >>> list(mx.gluon.data.SimpleDataset([1, 5, 2, 8]).filter(lambda x: x > 2))
        [5, 8]
        """
        return _SampledDataset(self, FilterSampler(fn, self))

    def shard(self, num_shards, index):
        """Part ``index`` of ``num_shards`` contiguous parts; the first ``len % num_shards``
        parts hold one sample more.

        >>> ds = mx.gluon.data.SimpleDataset(list(range(7)))
        >>> [list(ds.shard(3, i)) for i in range(3)]
        [[0, 1, 2], [3, 4], [5, 6]]
        """
        assert index < num_shards, f"Shard index of out bound: {index} out of {num_shards}"
        assert num_shards > 0, "Number of shards must be greater than 0"
        assert index >= 0, "Index must be non-negative"
        size, rest = divmod(len(self), num_shards)
        start = size * index + min(index, rest)
        return _SampledDataset(self, SequentialSampler(size + (index < rest), start))

    def take(self, count):
        """The first ``count`` samples (all of them when ``count`` is None or too large).

        >>> list(mx.gluon.data.SimpleDataset('abcde').take(3))
        ['a', 'b', 'c']
        """
        if count is None or count > len(self):
            count = len(self)
        return _SampledDataset(self, SequentialSampler(count))

    def sample(self, sampler):
        """The samples at the indices ``sampler`` yields (a ``Sampler``).

        >>> ds = mx.gluon.data.SimpleDataset('abcde')
        >>> list(ds.sample(mx.gluon.data.SequentialSampler(2, start=3)))
        ['d', 'e']
        """
        if not isinstance(sampler, Sampler):
            raise TypeError(f"Invalid sampler type: {type(sampler)}. "
                            "Expected gluon.data.Sampler instead.")
        return _SampledDataset(self, sampler)

    def transform(self, fn, lazy=True):
        """Each sample passed through ``fn`` (a tuple sample is spread over its arguments).

        With ``lazy=False`` every sample is transformed now, once, into a ``SimpleDataset``.

        >>> ds = mx.gluon.data.ArrayDataset([1, 2], [10, 20])
        >>> ds.transform(lambda x, y: x + y)[1]
        22
        """
        transformed = _LazyTransformDataset(self, fn)
        if lazy:
            return transformed
        return SimpleDataset([sample for sample in transformed])

    def transform_first(self, fn, lazy=True):
        """Like ``transform``, but ``fn`` sees only the first element of each sample.

        >>> ds = mx.gluon.data.ArrayDataset([1, 2], [10, 20])
        >>> ds.transform_first(lambda x: x * 100)[1]
        (200, 20)
        """
        return self.transform(_TransformFirst(fn), lazy)


class SimpleDataset(Dataset):
    """A dataset over anything with ``len()`` and ``[]`` (a list, an array, an NDArray).

    >>> ds = mx.gluon.data.SimpleDataset([3, 1, 4])
    >>> len(ds), ds[2]
    (3, 4)
    """

    def __init__(self, data):
        self._data = data

    def __len__(self):
        return len(self._data)

    def __getitem__(self, idx):
        return self._data[idx]


class _LazyTransformDataset(Dataset):
    """A dataset whose samples go through ``fn`` when read."""

    def __init__(self, data, fn):
        self._data = data
        self._fn = fn

    def __len__(self):
        return len(self._data)

    def __getitem__(self, idx):
        item = self._data[idx]
        if isinstance(item, tuple):
            return self._fn(*item)
        return self._fn(item)


class _TransformFirst:
    """``fn`` on the first element only; a class, not a closure, so it pickles to workers."""

    def __init__(self, fn):
        self._fn = fn

    def __call__(self, x, *rest):
        if rest:
            return (self._fn(x),) + rest
        return self._fn(x)


class _SampledDataset(Dataset):
    """The samples of ``dataset`` at the indices a sampler gives (fixed when made)."""

    def __init__(self, dataset, sampler):
        self._dataset = dataset
        self._sampler = sampler
        self._indices = list(iter(sampler))

    def __len__(self):
        return len(self._sampler)

    def __getitem__(self, idx):
        return self._dataset[self._indices[idx]]


class ArrayDataset(Dataset):
    """Several equally long dataset-like objects zipped: sample ``i`` is ``(a[i], b[i], ...)``.

    With one argument a sample is ``a[i]`` itself. A 1-d NDArray is held as a NumPy array,
    as MXNet does, so its samples are NumPy scalars.

    >>> ds = mx.gluon.data.ArrayDataset(mx.nd.array([[1, 2], [3, 4]]), [7, 8])
    >>> x, y = ds[1]
    >>> x.asnumpy().tolist(), y
    ([3.0, 4.0], 8)
    """

    def __init__(self, *args):
        assert len(args) > 0, "Needs at least 1 arrays"
        self._length = len(args[0])
        self._data = []
        for i, data in enumerate(args):
            assert len(data) == self._length, (
                f"All arrays must have the same length; array[0] has length {self._length} "
                f"while array[{i}] has {len(data)}.")
            if isinstance(data, NDArray) and data.ndim == 1:
                data = data.asnumpy()
            self._data.append(data)

    def __getitem__(self, idx):
        if len(self._data) == 1:
            return self._data[0][idx]
        return tuple(data[idx] for data in self._data)

    def __len__(self):
        return self._length


# MXNet RecordIO: each record is a little-endian uint32 magic, a uint32 whose top 3 bits flag
# a record split in parts (0 whole, 1 first, 2 middle, 3 last) and whose low 29 bits give
# the length, then the bytes, padded to 4. A writer splits a record where the magic occurs
# in it, so the reader puts the magic back between parts.
_RECORD_MAGIC = 0xced7230a
_MAGIC_BYTES = struct.pack("<I", _RECORD_MAGIC)


class _RecordReader:
    """Random access to the records of a ``.rec`` file through its ``.idx`` (key, offset)."""

    def __init__(self, idx_path, rec_path):
        for path in (rec_path, idx_path):
            if not os.path.isfile(path):
                raise MXNetError(f"RecordFileDataset: {path} does not exist (a .rec file "
                                 "needs its .idx index next to it)")
        self._rec_path = rec_path
        self.offsets = {}
        self.keys = []
        with open(idx_path) as f:
            for line in f:
                fields = line.split()
                if not fields:
                    continue
                if len(fields) != 2:
                    raise MXNetError(f"{idx_path}: bad index line {line!r} "
                                     "(expected 'key<TAB>offset')")
                key, offset = int(fields[0]), int(fields[1])
                self.keys.append(key)
                self.offsets[key] = offset
        self._file = None

    def __getstate__(self):
        # an open file does not pickle; each worker reopens its own
        state = dict(self.__dict__)
        state["_file"] = None
        return state

    def read_idx(self, key):
        if self._file is None:
            self._file = open(self._rec_path, "rb")
        self._file.seek(self.offsets[key])
        parts = []
        while True:
            head = self._file.read(8)
            if len(head) < 8:
                raise MXNetError(f"{self._rec_path}: record {key} is cut short")
            magic, lrec = struct.unpack("<II", head)
            if magic != _RECORD_MAGIC:
                raise MXNetError(f"{self._rec_path}: no RecordIO record at offset "
                                 f"{self.offsets[key]} (is this an MXNet .rec file?)")
            flag, length = lrec >> 29, lrec & ((1 << 29) - 1)
            data = self._file.read(length)
            self._file.read((4 - length % 4) % 4)
            parts.append(data)
            if flag in (0, 3):
                return _MAGIC_BYTES.join(parts)

    def __del__(self):
        if getattr(self, "_file", None) is not None:
            self._file.close()


class RecordFileDataset(Dataset):
    """The raw records (``bytes``) of an MXNet RecordIO file, read through its ``.idx``.

    ``filename`` names the ``.rec`` file; the index is the file of the same name ending in
    ``.idx`` (as ``mx.recordio.MXIndexedRecordIO`` writes them). Sample ``i`` is the record
    of the ``i``-th key of the index.

    >>> import os, struct, tempfile
    >>> folder = tempfile.mkdtemp()
    >>> with open(os.path.join(folder, 'a.rec'), 'wb') as f:
    ...     _ = f.write(struct.pack('<II', 0xced7230a, 3) + b'abc\\0')
    >>> with open(os.path.join(folder, 'a.idx'), 'w') as f:
    ...     _ = f.write('0\\t0\\n')
    >>> mx.gluon.data.RecordFileDataset(os.path.join(folder, 'a.rec'))[0]
    b'abc'
    """

    def __init__(self, filename):
        self.idx_file = os.path.splitext(filename)[0] + ".idx"
        self.filename = filename
        self._record = _RecordReader(self.idx_file, self.filename)

    def __getitem__(self, idx):
        return self._record.read_idx(self._record.keys[idx])

    def __len__(self):
        return len(self._record.keys)
