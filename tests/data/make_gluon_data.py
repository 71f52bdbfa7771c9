"""Writes MXNet 1.9.1's results for tests/test_gluon_data.py: gluon_data_mxnet.json and the
RecordIO pair gluon_records.rec / .idx.

Run with MXNet's interpreter from the repository root:
    /tmp/mxref/bin/python tests/data/make_gluon_data.py
The inputs are built by the functions below, which tests/test_gluon_data.py imports too
(with ``mx`` being mxgrad), so both sides see the same cases.
"""
import json
import os
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
RECORDS = [b"", b"abc", b"\x0a\x23\xd7\xce" * 3 + b"tail", b"x" * 37,
           b"head\x0a\x23\xd7\xcemid\x0a\x23\xd7\xce"]


def batchify_cases(mx):
    """Lists of samples as datasets give them, keyed by name."""
    return {
        "ndarray_float32": [mx.nd.array([[1, 2], [3, 4]]), mx.nd.array([[5, 6], [7, 8]])],
        "ndarray_uint8": [mx.nd.array([1, 2, 3], dtype="uint8"),
                          mx.nd.array([4, 5, 6], dtype="uint8")],
        "python_ints": [1, 2, 3],
        "python_floats": [0.5, 1.5],
        "numpy_int32_scalars": [np.int32(4), np.int32(5)],
        "numpy_float64_arrays": [np.arange(3.0), np.arange(3.0) + 1],
        "numpy_uint8_arrays": [np.arange(4, dtype=np.uint8).reshape(2, 2)] * 3,
        "tuples": [(mx.nd.array([1.0, 2.0]), 3, 0.25), (mx.nd.array([3.0, 4.0]), 4, 0.5)],
    }


def loader_dataset(mx):
    return mx.gluon.data.ArrayDataset(mx.nd.arange(14).reshape((7, 2)),
                                      [i * 10 for i in range(7)])


def loader_configs(mx):
    data = mx.gluon.data
    return {
        "keep": dict(batch_size=3),
        "discard": dict(batch_size=3, last_batch="discard"),
        "rollover": dict(batch_size=3, last_batch="rollover"),
        "sampler": dict(batch_size=2, sampler=data.SequentialSampler(5, start=2)),
        "batch_sampler": dict(batch_sampler=data.BatchSampler(
            data.SequentialSampler(7), 4, "keep")),
    }


def transform_inputs(mx):
    hwc = mx.nd.array(np.arange(24).reshape(2, 4, 3) * 10 % 256, dtype="uint8")
    nhwc = mx.nd.array(np.arange(48).reshape(2, 2, 4, 3) * 7 % 256, dtype="uint8")
    chw = mx.nd.array(np.linspace(0, 1, 24).reshape(3, 2, 4), dtype="float32")
    nchw = mx.nd.array(np.linspace(-1, 1, 48).reshape(2, 3, 2, 4), dtype="float32")
    return hwc, nhwc, chw, nchw


def transform_cases(mx):
    t = mx.gluon.data.vision.transforms
    hwc, nhwc, chw, nchw = transform_inputs(mx)
    return {
        "totensor_hwc": t.ToTensor()(hwc),
        "totensor_nhwc": t.ToTensor()(nhwc),
        "totensor_float": t.ToTensor()(hwc.astype("float32")),
        "normalize_chw": t.Normalize((0.1, 0.2, 0.3), (0.5, 0.25, 2.0))(chw),
        "normalize_scalar": t.Normalize(0.5, 0.2)(chw),
        "normalize_nchw": t.Normalize((0.1, 0.2, 0.3), (0.5, 0.25, 2.0))(nchw),
        "totensor_int32": t.ToTensor()(mx.nd.array([[[300, -5, 7]], [[0, 1, 2]]],
                                                    dtype="int32")),
        "normalize_uint8": t.Normalize((1, 2, 3), (2, 2, 2))(hwc.transpose((2, 0, 1))),
        "normalize_int32": t.Normalize(1, 2)(mx.nd.array([[[1, 255, 7, -4]]], dtype="int32")),
        "normalize_one_channel": t.Normalize(0.25, 0.5)(chw[:1]),
        "normalize_float16": t.Normalize((1, 2, 3), 3.0)(chw.astype("float16")),
        "cast": t.Cast("float16")(chw),
        "cast_default": t.Cast()(hwc),
        "compose": t.Compose([t.ToTensor(), t.Normalize((0.4, 0.5, 0.6), (0.2, 0.3, 0.4))])(hwc),
    }


def vision_cases(mx, root):
    """(name, a function making the dataset) for the synthetic files under ``root``."""
    v = mx.gluon.data.vision
    mnist, c10, c100 = (os.path.join(root, n) for n in ("mnist", "cifar10", "cifar100"))
    return [
        ("mnist_train", lambda: v.MNIST(root=mnist)),
        ("mnist_test", lambda: v.MNIST(root=mnist, train=False)),
        ("fashion_train", lambda: v.FashionMNIST(root=mnist)),
        ("cifar10_train", lambda: v.CIFAR10(root=c10)),
        ("cifar10_test", lambda: v.CIFAR10(root=c10, train=False)),
        ("cifar100_coarse", lambda: v.CIFAR100(root=c100)),
        ("cifar100_fine", lambda: v.CIFAR100(root=c100, fine_label=True)),
        ("cifar100_test", lambda: v.CIFAR100(root=c100, train=False)),
    ]


def write_vision_files(root, pickled=False):
    sys.path.insert(0, HERE)
    import gluon_vision_files as files
    files.write_mnist(os.path.join(root, "mnist"))
    files.write_cifar10(os.path.join(root, "cifar10"), pickled=pickled)
    files.write_cifar100(os.path.join(root, "cifar100"), pickled=pickled)


def describe(x):
    """A JSON form of a batch or sample: arrays as shape, dtype and values."""
    if isinstance(x, (list, tuple)):
        return [describe(i) for i in x]
    if hasattr(x, "asnumpy"):
        x = x.asnumpy()
        kind = "ndarray"
    elif isinstance(x, np.ndarray):
        kind = "numpy"
    elif isinstance(x, np.generic):
        return {"kind": "numpy_scalar", "dtype": str(x.dtype), "values": x.item()}
    else:
        return {"kind": type(x).__name__, "values": x}
    return {"kind": kind, "shape": list(x.shape), "dtype": str(x.dtype),
            "values": x.astype(np.float64).ravel().tolist()}


def summarize(x):
    """``describe`` for images: shape, dtype, sum and the first and last 16 values."""
    if isinstance(x, (list, tuple)):
        return [summarize(i) for i in x]
    d = describe(x)
    if "shape" in d:
        values = d.pop("values")
        d.update(sum=float(np.sum(values)), head=values[:16], tail=values[-16:])
    return d


def main():
    import mxnet as mx
    from mxnet.gluon.data.vision import datasets as mx_datasets
    data = mx.gluon.data
    out = {}

    passes = {}
    for length in (10, 9):
        for mode in ("keep", "discard", "rollover"):
            sampler = data.BatchSampler(data.SequentialSampler(length), 3, mode)
            before = len(sampler)
            first = list(sampler)
            after = len(sampler)
            passes[f"{length}_{mode}"] = {"len_before": before, "pass1": first,
                                          "len_after": after, "pass2": list(sampler)}
    out["batch_sampler"] = passes

    ds = data.SimpleDataset(list(range(7)))
    out["views"] = {
        "shard": [list(ds.shard(3, i)) for i in range(3)],
        "shard_lens": [len(ds.shard(4, i)) for i in range(4)],
        "take3": list(ds.take(3)), "take_none": list(ds.take(None)),
        "take20": list(ds.take(20)),
        "filter": list(ds.filter(lambda x: x % 3 != 1)),
        "sample": list(ds.sample(data.SequentialSampler(3, start=4))),
        "transform": list(data.ArrayDataset(list(range(4)), list(range(4, 8))).transform(
            lambda x, y: x * y)),
        "transform_first": [list(s) for s in data.ArrayDataset(
            list(range(3)), list(range(3))).transform_first(lambda x: x + 100)],
        "transform_eager": list(ds.transform(lambda x: -x, lazy=False)),
    }

    batchify = data.dataloader.default_batchify_fn
    out["batchify"] = {k: describe(batchify(v)) for k, v in batchify_cases(mx).items()}

    loaders = {}
    for name, kwargs in loader_configs(mx).items():
        loader = data.DataLoader(loader_dataset(mx), **kwargs)
        loaders[name] = {"len": len(loader), "pass1": describe(list(loader)),
                         "pass2": describe(list(loader))}
    out["loader"] = loaders

    out["transforms"] = {k: describe(v) for k, v in transform_cases(mx).items()}

    errors = {}
    for name, fn in {
        "arraydataset_lengths": lambda: data.ArrayDataset([1, 2], [1, 2, 3]),
        "sample_not_sampler": lambda: ds.sample([0, 1]),
        "bad_last_batch_len": lambda: len(data.BatchSampler(data.SequentialSampler(4), 3, "x")),
        "bad_last_batch_iter": lambda: list(data.BatchSampler(data.SequentialSampler(4), 3, "x")),
        "no_batch_size": lambda: data.DataLoader(ds),
        "shuffle_and_sampler": lambda: data.DataLoader(
            ds, 2, shuffle=True, sampler=data.SequentialSampler(7)),
        "batch_sampler_and_size": lambda: data.DataLoader(
            ds, 2, batch_sampler=data.BatchSampler(data.SequentialSampler(7), 2)),
        "shard_out_of_range": lambda: ds.shard(2, 2),
        "normalize_4_channels": lambda: mx.gluon.data.vision.transforms.Normalize(0.5)(
            mx.nd.ones((4, 2, 2))).wait_to_read(),
    }.items():
        try:
            fn()
            errors[name] = None
        except Exception as e:  # the type is what the test compares
            errors[name] = [type(e).__name__, str(e).split("\n")[0]]
    out["errors"] = errors

    rec = os.path.join(HERE, "gluon_records.rec")
    writer = mx.recordio.MXIndexedRecordIO(os.path.join(HERE, "gluon_records.idx"), rec, "w")
    for key, payload in zip([5, 2, 9, 0, 7], RECORDS):
        writer.write_idx(key, payload)
    writer.close()
    recds = data.RecordFileDataset(rec)
    out["records"] = [recds[i].hex() for i in range(len(recds))]

    # MXNet downloads when a file's SHA-1 is not the published one: let it take the files
    mx_datasets.download = lambda url, path=None, sha1_hash=None: os.path.join(
        path, url.split("/")[-1])
    mx_datasets.check_sha1 = lambda path, sha1: True
    with tempfile.TemporaryDirectory() as root:
        write_vision_files(root)
        vision = {}
        for name, make in vision_cases(mx, root):
            dataset = make()
            vision[name] = {"len": len(dataset), "first": summarize(dataset[0]),
                            "last": summarize(dataset[len(dataset) - 1])}
        out["vision"] = vision

    with open(os.path.join(HERE, "gluon_data_mxnet.json"), "w") as f:
        json.dump(out, f, indent=0, sort_keys=True)


if __name__ == "__main__":
    main()
