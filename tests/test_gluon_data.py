"""mx.gluon.data: datasets, samplers, DataLoader, vision datasets and transforms.

Expected results come from MXNet 1.9.1 (tests/data/make_gluon_data.py writes
tests/data/gluon_data_mxnet.json and the RecordIO pair); the inputs are built by the same
functions on both sides. Worker processes run in a subprocess with a timeout.
"""
import json
import multiprocessing
import os
import subprocess
import sys
import tarfile
import textwrap

import numpy as np
import pytest

import mxgrad as mx
from mxgrad.gluon import data as gdata
from conftest import CONTEXTS

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "data"))
import make_gluon_data as ref  # noqa: E402
import gluon_vision_files as vision_files  # noqa: E402

with open(os.path.join(HERE, "data", "gluon_data_mxnet.json")) as _f:
    MXNET = json.load(_f)


def _same(got, want, rtol=1e-6):
    """``got`` (described like the fixture) equals MXNet's ``want``."""
    if isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want), (got, want)
        for g, w in zip(got, want):
            _same(g, w, rtol)
        return
    assert got["kind"] == want["kind"], (got, want)
    assert got.get("dtype") == want.get("dtype"), (got, want)
    assert got.get("shape") == want.get("shape"), (got, want)
    for key in ("values", "sum", "head", "tail"):
        if key in want:
            np.testing.assert_allclose(got[key], want[key], rtol=rtol, atol=1e-7)


def _describe(x, summary=False):
    return ref.summarize(x) if summary else ref.describe(x)


def test_namespace():
    assert mx.gluon.data is gdata
    for name in ("Dataset", "SimpleDataset", "ArrayDataset", "RecordFileDataset", "Sampler",
                 "SequentialSampler", "RandomSampler", "FilterSampler", "BatchSampler",
                 "DataLoader"):
        assert hasattr(gdata, name), name
    for name in ("MNIST", "FashionMNIST", "CIFAR10", "CIFAR100"):
        assert hasattr(gdata.vision, name), name
    for name in ("ToTensor", "Normalize", "Compose", "Cast"):
        assert hasattr(gdata.vision.transforms, name), name
    assert callable(gdata.dataloader.default_batchify_fn)


@pytest.mark.parametrize("case", sorted(MXNET["batch_sampler"]))
def test_batch_sampler_matches_mxnet(case):
    length, mode = case.split("_")
    want = MXNET["batch_sampler"][case]
    sampler = gdata.BatchSampler(gdata.SequentialSampler(int(length)), 3, mode)
    assert len(sampler) == want["len_before"]
    assert list(sampler) == want["pass1"]
    assert len(sampler) == want["len_after"]
    assert list(sampler) == want["pass2"]


def test_dataset_views_match_mxnet():
    want = MXNET["views"]
    ds = gdata.SimpleDataset(list(range(7)))
    assert [list(ds.shard(3, i)) for i in range(3)] == want["shard"]
    assert [len(ds.shard(4, i)) for i in range(4)] == want["shard_lens"]
    assert list(ds.take(3)) == want["take3"]
    assert list(ds.take(None)) == want["take_none"]
    assert list(ds.take(20)) == want["take20"]
    assert list(ds.filter(lambda x: x % 3 != 1)) == want["filter"]
    assert list(ds.sample(gdata.SequentialSampler(3, start=4))) == want["sample"]
    pairs = gdata.ArrayDataset(list(range(4)), list(range(4, 8)))
    assert list(pairs.transform(lambda x, y: x * y)) == want["transform"]
    firsts = gdata.ArrayDataset(list(range(3)), list(range(3))).transform_first(lambda x: x + 100)
    assert [list(s) for s in firsts] == want["transform_first"]
    eager = ds.transform(lambda x: -x, lazy=False)
    assert isinstance(eager, gdata.SimpleDataset)
    assert list(eager) == want["transform_eager"]


def test_dataset_iterates_by_length():
    # MXNet's Dataset iterates until __getitem__ raises IndexError: this one never does
    class Squares(gdata.Dataset):
        def __getitem__(self, idx):
            assert idx < 5, "read past the end"
            return idx * idx

        def __len__(self):
            return 5

    ds = Squares()
    assert list(ds) == [0, 1, 4, 9, 16]
    assert list(ds.filter(lambda x: x % 2 == 0)) == [0, 4, 16]
    assert list(gdata.FilterSampler(lambda x: x > 3, ds)) == [2, 3, 4]


def test_transform_laziness():
    calls = []
    ds = gdata.SimpleDataset([1, 2, 3])
    lazy = ds.transform(lambda x: calls.append(x) or x * 2)
    assert calls == []
    assert lazy[2] == 6 and calls == [3]
    eager = ds.transform(lambda x: calls.append(x) or x * 2, lazy=False)
    assert calls == [3, 1, 2, 3]
    assert eager[0] == 2 and len(calls) == 4


def test_array_dataset(ctx):
    with ctx:
        matrix = mx.nd.arange(6).reshape((3, 2))
        vector = mx.nd.array([7, 8, 9])
        ds = gdata.ArrayDataset(matrix, vector, ["a", "b", "c"])
        x, y, z = ds[1]
        assert isinstance(x, mx.nd.NDArray) and x.asnumpy().tolist() == [2.0, 3.0]
        assert isinstance(y, np.float32) and y == 8       # a 1-d NDArray is kept as NumPy
        assert z == "b" and len(ds) == 3
        single = gdata.ArrayDataset(matrix)
        assert single[2].asnumpy().tolist() == [4.0, 5.0]


@pytest.mark.parametrize("name", sorted(MXNET["errors"]))
def test_misuse_errors_match_mxnet(name):
    want_type, want_text = MXNET["errors"][name]
    ds = gdata.SimpleDataset(list(range(7)))
    fn = {
        "arraydataset_lengths": lambda: gdata.ArrayDataset([1, 2], [1, 2, 3]),
        "sample_not_sampler": lambda: ds.sample([0, 1]),
        "bad_last_batch_len": lambda: len(gdata.BatchSampler(gdata.SequentialSampler(4), 3,
                                                             "x")),
        "bad_last_batch_iter": lambda: list(gdata.BatchSampler(gdata.SequentialSampler(4), 3,
                                                               "x")),
        "no_batch_size": lambda: gdata.DataLoader(ds),
        "shuffle_and_sampler": lambda: gdata.DataLoader(
            ds, 2, shuffle=True, sampler=gdata.SequentialSampler(7)),
        "batch_sampler_and_size": lambda: gdata.DataLoader(
            ds, 2, batch_sampler=gdata.BatchSampler(gdata.SequentialSampler(7), 2)),
        "shard_out_of_range": lambda: ds.shard(2, 2),
        "normalize_4_channels": lambda: gdata.vision.transforms.Normalize(0.5)(
            mx.nd.ones((4, 2, 2))),
    }[name]
    with pytest.raises(Exception) as info:
        fn()
    assert type(info.value).__name__ == want_type
    if name == "arraydataset_lengths":       # MXNet names the wrong array there
        assert "array[1] has 3" in str(info.value)
    elif want_type != "MXNetError":          # MXNet's own errors carry a C++ traceback
        assert str(info.value) == want_text


def test_samplers():
    assert list(gdata.SequentialSampler(3, start=5)) == [5, 6, 7]
    filtered = gdata.FilterSampler(lambda s: s > "b", ["a", "c", "b", "d"])
    assert list(filtered) == [1, 3] and len(filtered) == 2
    np.random.seed(3)
    order = list(gdata.RandomSampler(8))
    np.random.seed(3)
    expected = np.arange(8)
    np.random.shuffle(expected)
    assert order == expected.tolist() and len(gdata.RandomSampler(8)) == 8
    with pytest.raises(NotImplementedError):
        iter(gdata.Sampler())


@pytest.mark.parametrize("case", sorted(MXNET["batchify"]))
def test_default_batchify_matches_mxnet(ctx, case):
    with ctx:
        if "float64" in case and not ctx.state.has_fp64:
            pytest.skip(f"{ctx} has no float64")
        samples = ref.batchify_cases(mx)[case]
        if case in ("python_floats", "tuples") and not ctx.state.has_fp64:
            pytest.skip(f"{ctx} has no float64")
        batch = gdata.dataloader.default_batchify_fn(samples)
        _same(_describe(batch), MXNET["batchify"][case])
        first = batch[0] if isinstance(batch, list) else batch
        assert first.context == ctx


@pytest.mark.parametrize("name", sorted(MXNET["loader"]))
def test_dataloader_matches_mxnet(ctx, name):
    with ctx:
        loader = gdata.DataLoader(ref.loader_dataset(mx), **ref.loader_configs(mx)[name])
        want = MXNET["loader"][name]
        assert len(loader) == want["len"]
        _same(_describe(list(loader)), want["pass1"])
        _same(_describe(list(loader)), want["pass2"])


def test_dataloader_shuffle_and_reload():
    data = list(range(10))
    np.random.seed(0)
    batches = [b.asnumpy().tolist() for b in gdata.DataLoader(data, 4, shuffle=True)]
    assert sorted(sum(batches, [])) == data and [len(b) for b in batches] == [4, 4, 2]
    assert sum(batches, []) != data
    loader = gdata.DataLoader(data, 5, auto_reload=True, pin_memory=True)
    first, second = iter(loader), iter(loader)
    assert [b.asnumpy().tolist() for b in second] == [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]]
    assert [b.asnumpy().tolist() for b in first] == [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]]
    custom = gdata.DataLoader(data, 3, batchify_fn=lambda s: tuple(s), last_batch="discard")
    assert list(custom) == [(0, 1, 2), (3, 4, 5), (6, 7, 8)]


def test_dataloader_thread_pool(ctx):
    with ctx:
        ds = ref.loader_dataset(mx).transform_first(lambda x: x * 2)
        serial = _describe(list(gdata.DataLoader(ds, batch_size=3)))
        threaded = gdata.DataLoader(ds, batch_size=3, num_workers=2, thread_pool=True,
                                    prefetch=1)
        _same(_describe(list(threaded)), serial)
        _same(_describe(list(threaded)), serial)


@pytest.mark.parametrize("case", sorted(MXNET["transforms"]))
def test_transforms_match_mxnet(ctx, case):
    with ctx:
        out = ref.transform_cases(mx)[case]
        assert out.context == ctx
        _same(_describe(out), MXNET["transforms"][case])


@pytest.mark.parametrize("case", sorted(MXNET["transforms"]))
def test_transforms_on_numpy_give_the_same(case):
    numpy_out = ref.transform_cases(_NumpyInputs)[case]
    assert isinstance(numpy_out, np.ndarray)
    want = dict(MXNET["transforms"][case], kind="numpy")
    _same(_describe(numpy_out), want)


class _NumpyInputs:
    """Stands in for ``mx`` in ref.transform_cases so the inputs are NumPy arrays."""
    gluon = mx.gluon

    class nd:
        @staticmethod
        def array(x, dtype=None):
            return np.asarray(x, dtype=dtype)


def test_transform_printed_forms_and_errors():
    t = gdata.vision.transforms
    assert repr(t.ToTensor()) == "ToTensor(\n\n)"
    # MXNet 1.9.1's form: consecutive HybridBlocks grouped in a HybridSequential
    assert repr(t.Compose([t.Cast(), t.ToTensor()])) == (
        "Compose(\n  (0): HybridSequential(\n    (0): Cast(\n    \n    )\n"
        "    (1): ToTensor(\n    \n    )\n  )\n)")
    with pytest.raises(mx.MXNetError, match="3-d or 4-d"):
        t.ToTensor()(mx.nd.ones((2, 2), dtype="uint8"))
    with pytest.raises(mx.MXNetError, match="1 or 3 channels"):
        t.Normalize(0.5)(mx.nd.ones((2, 4, 2, 2)))
    with pytest.raises(mx.MXNetError, match="2 values for an input of 3 channels"):
        t.Normalize((0.1, 0.2), 1.0)(mx.nd.ones((3, 2, 2)))
    with pytest.raises(mx.MXNetError, match="NDArray or a NumPy array"):
        t.ToTensor()([[[1, 2, 3]]])


def test_record_file_dataset_matches_mxnet(tmp_path):
    ds = gdata.RecordFileDataset(os.path.join(HERE, "data", "gluon_records.rec"))
    assert len(ds) == len(MXNET["records"])
    assert [ds[i].hex() for i in range(len(ds))] == MXNET["records"]
    assert ds[3] == ref.RECORDS[3]
    with pytest.raises(mx.MXNetError, match="does not exist"):
        gdata.RecordFileDataset(str(tmp_path / "missing.rec"))
    (tmp_path / "bad.rec").write_bytes(b"\0" * 16)
    (tmp_path / "bad.idx").write_text("0\t0\n")
    with pytest.raises(mx.MXNetError, match="no RecordIO record"):
        gdata.RecordFileDataset(str(tmp_path / "bad.rec"))[0]


def _check_vision(root, names=None):
    for name, make in ref.vision_cases(mx, str(root)):
        if names is not None and name not in names:
            continue
        dataset = make()
        want = MXNET["vision"][name]
        assert len(dataset) == want["len"], name
        _same(_describe(dataset[0], summary=True), want["first"])
        _same(_describe(dataset[len(dataset) - 1], summary=True), want["last"])


def test_vision_datasets_match_mxnet(ctx, tmp_path):
    with ctx:
        ref.write_vision_files(str(tmp_path))
        _check_vision(tmp_path)
        image, label = gdata.vision.MNIST(root=str(tmp_path / "mnist"))[0]
        assert image.context == ctx and isinstance(label, np.int32)


def test_vision_other_file_forms(tmp_path):
    # the CIFAR Python (pickled) batches, unpacked MNIST files and the published archive
    ref.write_vision_files(str(tmp_path / "py"), pickled=True)
    vision_files.write_mnist(str(tmp_path / "py" / "mnist"), gz=False)
    _check_vision(tmp_path / "py")
    ref.write_vision_files(str(tmp_path / "bin"))
    root = tmp_path / "archived" / "cifar10"
    root.mkdir(parents=True)
    with tarfile.open(root / "cifar-10-binary.tar.gz", "w:gz") as tar:
        for f in sorted(os.listdir(tmp_path / "bin" / "cifar10")):
            tar.add(tmp_path / "bin" / "cifar10" / f, arcname="cifar-10-batches-bin/" + f)
    _check_vision(tmp_path / "archived", names={"cifar10_train", "cifar10_test"})


def test_vision_transform_and_missing_files(tmp_path):
    vision_files.write_mnist(str(tmp_path))
    ds = gdata.vision.MNIST(root=str(tmp_path), transform=lambda x, y: (x.shape, int(y) + 1))
    plain = gdata.vision.MNIST(root=str(tmp_path))
    assert ds[1] == ((28, 28, 1), int(plain[1][1]) + 1)
    for cls, needed in ((gdata.vision.MNIST, "t10k-images-idx3-ubyte.gz"),
                        (gdata.vision.CIFAR10, "test_batch.bin"),
                        (gdata.vision.CIFAR100, "test.bin")):
        with pytest.raises(mx.MXNetError, match=needed) as info:
            cls(root=str(tmp_path / "empty"), train=False)
        assert "does not download" in str(info.value)
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "test.bin").write_bytes(b"\1" * 100)
    with pytest.raises(mx.MXNetError, match="CIFAR records"):
        gdata.vision.CIFAR100(root=str(tmp_path / "bad"), train=False)


def test_dataloader_workers_need_a_picklable_dataset():
    ds = gdata.SimpleDataset([1, 2, 3]).transform(lambda x: x + 1)
    with pytest.raises(mx.MXNetError, match="must pickle"):
        gdata.DataLoader(ds, batch_size=2, num_workers=2)
    # the check comes before any worker starts
    assert not multiprocessing.active_children()


_WORKER_SCRIPT = textwrap.dedent("""
    import sys, time, multiprocessing
    import numpy as np
    import mxgrad as mx
    from mxgrad import _devices, context
    from mxgrad.gluon import data as gdata
    from mxgrad.gluon.data.vision import transforms as T

    class Probe(gdata.Dataset):
        # reports, from inside a worker, whether that process touched OpenCL
        def __init__(self, images):
            self.images = images
        def __len__(self):
            return len(self.images)
        def __getitem__(self, i):
            clean = (not context.live_states()
                     and _devices.all_devices.cache_info().currsize == 0)
            return self.images[i], int(clean), i * 0.5

    class Slow(gdata.Dataset):
        def __len__(self):
            return 4
        def __getitem__(self, i):
            time.sleep(30)
            return i

    def summed(samples):
        return np.sum([s[0] for s in samples], axis=0)

    def as_lists(batches):
        return [[b.asnumpy().tolist() for b in batch] for batch in batches]

    if __name__ == "__main__":
        images = mx.nd.array(np.arange(7 * 4 * 3 * 3).reshape(7, 4, 3, 3) % 256,
                             dtype="uint8")
        ds = Probe(images).transform_first(T.ToTensor())
        serial = list(gdata.DataLoader(ds, batch_size=3))
        loader = gdata.DataLoader(ds, batch_size=3, num_workers=2, prefetch=3)
        for _ in range(2):
            batches = list(loader)
            assert len(batches) == 3
            assert all(isinstance(b, mx.nd.NDArray) for batch in batches for b in batch)
            assert [[b.dtype for b in batch] for batch in batches] == \\
                   [[b.dtype for b in batch] for batch in serial]
            assert [b[1].asnumpy().tolist() for b in batches] == [[1] * 3, [1] * 3, [1]]
            # images and the float column as in this process (which did touch OpenCL)
            assert [[b[0], b[2]] for b in as_lists(batches)] == \\
                   [[b[0], b[2]] for b in as_lists(serial)]
        rolled = gdata.DataLoader(ds, batch_size=2, num_workers=2, last_batch="rollover")
        assert [len(b[0]) for b in rolled] == [2, 2, 2]
        custom = list(gdata.DataLoader(ds, batch_size=4, num_workers=2, batchify_fn=summed))
        assert isinstance(custom[0], np.ndarray) and custom[0].shape == (3, 4, 3)
        np.testing.assert_allclose(custom[1], serial[1][0].asnumpy()[1:].sum(0)
                                   + serial[2][0].asnumpy()[0], rtol=1e-6)
        slow = gdata.DataLoader(Slow(), batch_size=2, num_workers=2, timeout=1)
        try:
            next(iter(slow))
            raise SystemExit("no timeout")
        except multiprocessing.TimeoutError:
            pass
        print("WORKERS OK")
""")


def test_dataloader_worker_processes(tmp_path):
    script = tmp_path / "workers.py"
    script.write_text(_WORKER_SCRIPT)
    env = dict(os.environ, PYTHONPATH=os.path.dirname(HERE))
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=240, env=env, cwd=str(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "WORKERS OK" in done.stdout


def _public_callables():
    """Every public class, function and method of mx.gluon.data, once."""
    modules = [gdata.sampler, gdata.dataset, gdata.dataloader, gdata.vision.datasets,
               gdata.vision.transforms]
    seen = {}
    for module in modules:
        for name in module.__all__:
            obj = getattr(module, name)
            seen[f"{module.__name__}.{name}"] = obj
            if isinstance(obj, type):
                for attr, member in vars(obj).items():
                    if not attr.startswith("_") and callable(member):
                        seen[f"{module.__name__}.{name}.{attr}"] = member
    seen["mxgrad.gluon.data.dataloader.default_batchify_fn"] = \
        gdata.dataloader.default_batchify_fn
    return sorted(seen.items())


PUBLIC = _public_callables()


@pytest.mark.parametrize("name, obj", PUBLIC, ids=[n for n, _ in PUBLIC])
def test_docstring_examples(name, obj):
    import doctest
    import inspect
    text = inspect.getdoc(obj) or ""
    assert ">>>" in text, f"{name} has no example"
    if "cpu(0)" not in [str(c) for c in CONTEXTS]:
        pytest.skip("the examples show cpu(0) output")
    test = doctest.DocTestParser().get_doctest(text, {"mx": mx, "np": np}, name, None, None)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    report = []
    with mx.cpu(0):
        runner.run(test, out=report.append)
    assert runner.failures == 0, "".join(report)
