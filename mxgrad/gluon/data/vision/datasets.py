"""MNIST, Fashion-MNIST, CIFAR-10 and CIFAR-100 read from their standard files in ``root``.

mxgrad never downloads: when the files are not in ``root`` the dataset raises an
``MXNetError`` naming the files and the folder to put them in. Samples are what MXNet 1.9.1
gives: ``(image, label)`` with the image a uint8 NDArray (H, W, C) and the label a NumPy
int32 scalar, passed through ``transform(image, label)`` when one is given.
"""
import gzip
import os
import pickle
import struct
import tarfile

import numpy as np

from mxgrad import ndarray as nd
from mxgrad.base import MXNetError
from mxgrad.gluon.data.dataset import Dataset

__all__ = ["MNIST", "FashionMNIST", "CIFAR10", "CIFAR100"]


def _data_dir():
    # MXNet keeps datasets under $MXNET_HOME (default ~/.mxnet)
    return os.environ.get("MXNET_HOME", os.path.join("~", ".mxnet"))


def _missing(dataset, root, names, where):
    return MXNetError(
        f"{dataset}: cannot find {', '.join(names)} in {root}. mxgrad does not download "
        f"datasets: {where} and put the files in that folder (or pass root=<folder>).")


class _LocalDataset(Dataset):
    """Images held as one uint8 NDArray and labels as a NumPy int32 array."""

    def __init__(self, root, transform):
        self._root = os.path.expanduser(root)
        self._transform = transform
        self._data, self._label = self._load()

    def __getitem__(self, idx):
        if self._transform is not None:
            return self._transform(self._data[idx], self._label[idx])
        return self._data[idx], self._label[idx]

    def __len__(self):
        return len(self._label)


def _read_idx(path, magic):
    """An IDX file (the MNIST format: big-endian magic and sizes, then uint8 values)."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read()
    ndim = magic & 0xff
    if len(raw) < 4 + 4 * ndim or struct.unpack(">I", raw[:4])[0] != magic:
        raise MXNetError(f"{path} is not an IDX file of {ndim} dimension(s) "
                         f"(expected magic number {magic:#010x})")
    shape = struct.unpack(f">{ndim}I", raw[4:4 + 4 * ndim])
    values = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if values.size != int(np.prod(shape)):
        raise MXNetError(f"{path}: holds {values.size} values, its header says {shape}")
    return values.reshape(shape)


class MNIST(_LocalDataset):
    """The MNIST digits from the four IDX files in ``root``.

    ``root`` must hold ``train-images-idx3-ubyte.gz`` and ``train-labels-idx1-ubyte.gz``
    (``train=True``) or ``t10k-images-idx3-ubyte.gz`` and ``t10k-labels-idx1-ubyte.gz``
    (``train=False``), gzipped as published or unpacked (without ``.gz``). A sample is a
    (28, 28, 1) uint8 NDArray and its int32 label.

    >>> try:
    ...     mx.gluon.data.vision.MNIST(root='/nonexistent')
    ... except mx.MXNetError as e:
    ...     print(str(e).split(' in /')[0])
    MNIST: cannot find train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz
    """
    _name = "MNIST"
    _where = "download them from http://yann.lecun.com/exdb/mnist/"

    def __init__(self, root=os.path.join(_data_dir(), "datasets", "mnist"),
                 train=True, transform=None):
        self._train = train
        super().__init__(root, transform)

    def _find(self, name):
        for candidate in (name, name[:-3]):
            path = os.path.join(self._root, candidate)
            if os.path.isfile(path):
                return path
        return None

    def _load(self):
        prefix = "train" if self._train else "t10k"
        names = (f"{prefix}-images-idx3-ubyte.gz", f"{prefix}-labels-idx1-ubyte.gz")
        paths = [self._find(n) for n in names]
        if None in paths:
            raise _missing(self._name, self._root, names, self._where)
        label = _read_idx(paths[1], 0x801).astype(np.int32)
        images = _read_idx(paths[0], 0x803)
        if len(images) != len(label):
            raise MXNetError(f"{self._name}: {paths[0]} has {len(images)} images but "
                             f"{paths[1]} has {len(label)} labels")
        images = images.reshape(images.shape + (1,))
        return nd.array(images, dtype=images.dtype), label


class FashionMNIST(MNIST):
    """Zalando's Fashion-MNIST, a drop-in for MNIST with the same four file names.

    >>> try:
    ...     mx.gluon.data.vision.FashionMNIST(root='/nonexistent', train=False)
    ... except mx.MXNetError as e:
    ...     print(str(e).split(' in /')[0])
    FashionMNIST: cannot find t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz
    """
    _name = "FashionMNIST"
    _where = "download them from https://github.com/zalandoresearch/fashion-mnist"

    def __init__(self, root=os.path.join(_data_dir(), "datasets", "fashion-mnist"),
                 train=True, transform=None):
        super().__init__(root, train, transform)


class CIFAR10(_LocalDataset):
    """CIFAR-10 from the binary version's batches in ``root``.

    ``root`` must hold ``data_batch_1.bin`` ... ``data_batch_5.bin`` (``train=True``) or
    ``test_batch.bin`` (``train=False``), directly or in the ``cifar-10-batches-bin``
    folder the published ``cifar-10-binary.tar.gz`` unpacks to (an archive found in
    ``root`` is unpacked there). The Python version's pickled batches
    (``cifar-10-batches-py/data_batch_1`` ...) are read too. A sample is a (32, 32, 3)
    uint8 NDArray and its int32 label.

    >>> try:
    ...     mx.gluon.data.vision.CIFAR10(root='/nonexistent', train=False)
    ... except mx.MXNetError as e:
    ...     print(str(e).split(' in /')[0])
    CIFAR10: cannot find test_batch.bin
    """
    _name = "CIFAR10"
    _archive = "cifar-10-binary.tar.gz"
    _folders = ("cifar-10-batches-bin", "cifar-10-batches-py")
    _where = ("download the binary version from https://www.cs.toronto.edu/~kriz/cifar.html "
              "(cifar-10-binary.tar.gz)")
    _label_bytes = 1

    def __init__(self, root=os.path.join(_data_dir(), "datasets", "cifar10"),
                 train=True, transform=None):
        self._train = train
        super().__init__(root, transform)

    def _files(self):
        if self._train:
            return [f"data_batch_{i}.bin" for i in range(1, 6)]
        return ["test_batch.bin"]

    def _locate(self, names):
        """The paths of ``names`` (binary) or of their pickled twins, else None."""
        for folder in (self._root, os.path.join(self._root, self._folders[0])):
            paths = [os.path.join(folder, n) for n in names]
            if all(os.path.isfile(p) for p in paths):
                return paths
        py_folder = os.path.join(self._root, self._folders[1])
        paths = [os.path.join(py_folder, n[:-4]) for n in names]
        if all(os.path.isfile(p) for p in paths):
            return paths
        return None

    def _load(self):
        names = self._files()
        paths = self._locate(names)
        archive = os.path.join(self._root, self._archive)
        if paths is None and os.path.isfile(archive):
            with tarfile.open(archive) as tar:
                tar.extractall(self._root, filter="data")
            paths = self._locate(names)
        if paths is None:
            raise _missing(self._name, self._root, names, self._where)
        parts = [self._read_pickled(p) if not p.endswith(".bin") else self._read_binary(p)
                 for p in paths]
        images = np.concatenate([p[0] for p in parts])
        label = np.concatenate([p[1] for p in parts])
        return nd.array(images, dtype=images.dtype), label

    def _read_binary(self, path):
        # each record: the label byte(s), then 3072 bytes of R, G, B planes of 32x32
        width = 3072 + self._label_bytes
        with open(path, "rb") as f:
            raw = np.frombuffer(f.read(), dtype=np.uint8)
        if raw.size % width:
            raise MXNetError(f"{path}: {raw.size} bytes is not a whole number of "
                             f"{width}-byte CIFAR records")
        raw = raw.reshape(-1, width)
        images = raw[:, self._label_bytes:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
        return images, raw[:, self._label_column()].astype(np.int32)

    def _label_column(self):
        return 0

    def _read_pickled(self, path):
        with open(path, "rb") as f:
            batch = pickle.load(f, encoding="bytes")
        images = np.asarray(batch[b"data"], dtype=np.uint8)
        images = images.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
        return images, np.asarray(batch[self._pickled_label_key()], dtype=np.int32)

    def _pickled_label_key(self):
        return b"labels"


class CIFAR100(CIFAR10):
    """CIFAR-100 from the binary version's ``train.bin`` / ``test.bin`` in ``root``.

    Labels are the 20 coarse classes, or the 100 fine ones with ``fine_label=True``. The
    files may also sit in ``cifar-100-binary`` (the published ``cifar-100-binary.tar.gz``
    unpacks there); the Python version's ``cifar-100-python/train`` and ``test`` are read
    too.

    >>> try:
    ...     mx.gluon.data.vision.CIFAR100(root='/nonexistent')
    ... except mx.MXNetError as e:
    ...     print(str(e).split(' in /')[0])
    CIFAR100: cannot find train.bin
    """
    _name = "CIFAR100"
    _archive = "cifar-100-binary.tar.gz"
    _folders = ("cifar-100-binary", "cifar-100-python")
    _where = ("download the binary version from https://www.cs.toronto.edu/~kriz/cifar.html "
              "(cifar-100-binary.tar.gz)")
    _label_bytes = 2

    def __init__(self, root=os.path.join(_data_dir(), "datasets", "cifar100"),
                 fine_label=False, train=True, transform=None):
        self._fine_label = fine_label
        super().__init__(root, train, transform)

    def _files(self):
        return ["train.bin" if self._train else "test.bin"]

    def _label_column(self):
        return 1 if self._fine_label else 0

    def _pickled_label_key(self):
        return b"fine_labels" if self._fine_label else b"coarse_labels"
