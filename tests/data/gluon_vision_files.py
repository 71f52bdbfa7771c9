"""Writes small synthetic MNIST / CIFAR files in the published formats (used by the MXNet
fixture script tests/data/make_gluon_data.py and by tests/test_gluon_data.py).

Runs under both mxgrad's and MXNet's interpreters: NumPy and the standard library only.
"""
import gzip
import os
import pickle
import struct

import numpy as np


def _images(seed, n, shape):
    return np.random.RandomState(seed).randint(0, 256, size=(n,) + shape).astype(np.uint8)


def write_mnist(root, n_train=3, n_test=2, gz=True):
    """The four IDX files (gzipped as published, or plain) of a tiny MNIST."""
    os.makedirs(root, exist_ok=True)
    for prefix, n, seed in (("train", n_train, 1), ("t10k", n_test, 2)):
        images = _images(seed, n, (28, 28))
        labels = np.random.RandomState(seed + 10).randint(0, 10, size=n).astype(np.uint8)
        opener = gzip.open if gz else open
        suffix = ".gz" if gz else ""
        with opener(os.path.join(root, f"{prefix}-images-idx3-ubyte{suffix}"), "wb") as f:
            f.write(struct.pack(">IIII", 0x803, n, 28, 28) + images.tobytes())
        with opener(os.path.join(root, f"{prefix}-labels-idx1-ubyte{suffix}"), "wb") as f:
            f.write(struct.pack(">II", 0x801, n) + labels.tobytes())


def _cifar_records(seed, n, label_bytes):
    rng = np.random.RandomState(seed)
    labels = rng.randint(0, 20 if label_bytes == 2 else 10, size=(n, label_bytes))
    if label_bytes == 2:
        labels[:, 1] = rng.randint(0, 100, size=n)
    planes = rng.randint(0, 256, size=(n, 3072))
    return np.concatenate([labels, planes], axis=1).astype(np.uint8)


def write_cifar10(root, per_batch=2, pickled=False):
    """The five training batches and the test batch of a tiny CIFAR-10 (binary or pickled)."""
    names = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
    folder = os.path.join(root, "cifar-10-batches-py") if pickled else root
    os.makedirs(folder, exist_ok=True)
    for seed, name in enumerate(names):
        records = _cifar_records(seed, per_batch, 1)
        if pickled:
            batch = {b"data": records[:, 1:], b"labels": records[:, 0].tolist()}
            with open(os.path.join(folder, name), "wb") as f:
                pickle.dump(batch, f)
        else:
            with open(os.path.join(folder, name + ".bin"), "wb") as f:
                f.write(records.tobytes())


def write_cifar100(root, n=3, pickled=False):
    """train and test of a tiny CIFAR-100 (coarse label byte, fine label byte, pixels)."""
    folder = os.path.join(root, "cifar-100-python") if pickled else root
    os.makedirs(folder, exist_ok=True)
    for seed, name in ((7, "train"), (8, "test")):
        records = _cifar_records(seed, n, 2)
        if pickled:
            batch = {b"data": records[:, 2:], b"coarse_labels": records[:, 0].tolist(),
                     b"fine_labels": records[:, 1].tolist()}
            with open(os.path.join(folder, name), "wb") as f:
                pickle.dump(batch, f)
        else:
            with open(os.path.join(folder, name + ".bin"), "wb") as f:
                f.write(records.tobytes())
