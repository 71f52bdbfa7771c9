"""mx.test_utils: contexts, MXNet 1.9.1's tolerance rules and messages, random data,
numeric gradient checks and reading local MNIST files."""
import gzip
import os
import struct

import numpy as np
import pytest

import mxgrad as mx
from mxgrad import test_utils as tu
from mxgrad.base import MXNetError


def test_default_context_and_set_default_context(ctx):
    assert tu.default_context() == mx.current_context()
    old = tu.default_context()
    try:
        tu.set_default_context(ctx)
        assert tu.default_context() == ctx
        assert mx.nd.zeros(1).context == ctx
    finally:
        tu.set_default_context(old)
    assert tu.default_context() == old
    with pytest.raises(MXNetError, match="Context"):
        tu.set_default_context("cpu")


def test_list_gpus():
    assert tu.list_gpus() == list(range(mx.num_gpus()))


# (a, b, kwargs, passes) and MXNet 1.9.1's verdicts on the same calls.
CASES = [
    (np.array([1.0, 2.0]), np.array([1.0, 2.5]), {}, False),
    (np.array([1.0, 2.0]), np.array([1.0, 2.00001]), {}, True),
    (np.float32(1.0), 1.0005, {}, True),                       # float32: rtol 1e-4, atol 1e-3
    (np.array([np.nan, 1.0]), np.array([np.nan, 1.0]), {}, False),
    (np.array([np.nan, 1.0]), np.array([np.nan, 1.0]), {"equal_nan": True}, True),
    (np.array([1, 2], np.int32), np.array([1, 3], np.int32), {}, False),   # integers: exact
    (np.array([1.0, 2.0], np.float32), np.array([1.0, 2.01]), {"rtol": 1e-2, "atol": 0}, True),
    (np.array([1.0, 2.0], np.float32), np.array([1.0, 2.01]),
     {"rtol": {np.dtype(np.float64): 1e-2}, "atol": 0}, True),
]


@pytest.mark.parametrize("a, b, kwargs, passes", CASES)
def test_assert_almost_equal_tolerances(a, b, kwargs, passes, ctx):
    for left in (a, mx.nd.array(a, ctx=ctx, dtype=np.asarray(a).dtype)):
        if passes:
            tu.assert_almost_equal(left, b, **kwargs)
        else:
            with pytest.raises(AssertionError):
                tu.assert_almost_equal(left, b, **kwargs)


def test_assert_almost_equal_message():
    with pytest.raises(AssertionError) as info:
        tu.assert_almost_equal(np.array([1.0, 2.0]), np.array([1.0, 2.5]),
                               names=("out", "expected"))
    # MXNet 1.9.1's lines for the same call:
    assert ("Error 20000.000000 exceeds tolerance rtol=1.000000e-05, atol=1.000000e-20 "
            "(mismatch 50.000000%).") in str(info.value)
    assert "Location of maximum error: (1,), out=2.00000000, expected=2.50000000" in str(info.value)
    with pytest.raises(AssertionError) as info:
        tu.assert_almost_equal(mx.nd.array([[1, 2], [3, 4]]), mx.nd.array([[1, 2.1], [3.5, 4]]))
    # MXNet 1.9.1: Error 370.370361 ... rtol=1.000000e-04, atol=1.000000e-03 (mismatch 50.000000%)
    assert "Error 370.370361 exceeds tolerance rtol=1.000000e-04, atol=1.000000e-03" in str(info.value)
    assert "Location of maximum error: (1, 0), a=3.00000000, b=3.50000000" in str(info.value)
    assert "Location of error: (0, 1)" in str(info.value)               # the next worst
    with pytest.raises(AssertionError, match="shape"):
        tu.assert_almost_equal(np.zeros(2), np.zeros((1, 2)), use_broadcast=False)


def test_almost_equal_same_and_tols():
    assert tu.almost_equal(np.array([1.0]), np.array([1.0 + 1e-7]))    # MXNet 1.9.1: True
    assert not tu.almost_equal(np.array([1.0]), np.array([1.001]))      # MXNet 1.9.1: False
    # MXNet 1.9.1: (0.01, 0.1) and (0.5, 0.001)
    assert tu.get_tols(np.zeros(1, "float16"), np.zeros(1, "float32"), None, None) == (0.01, 0.1)
    assert tu.get_tols(np.zeros(1, "float32"), np.zeros(1, "float32"),
                       {np.dtype("float32"): 0.5}, None) == (0.5, 0.001)
    assert tu.same(np.array([1, 2]), np.array([1, 2]))
    assert not tu.same(np.array([1, 2]), np.array([1, 3]))
    assert tu.same(mx.nd.array([1, 2]), np.array([1, 2]))
    tu.assert_allclose(np.array([np.nan]), np.array([np.nan]))
    tu.assert_exception(mx.nd.ones((2,)).reshape, MXNetError, (3,))
    with pytest.raises(AssertionError):
        tu.assert_exception(mx.nd.ones((2,)).reshape, MXNetError, (2,))


def test_random_data(ctx):
    x = tu.rand_ndarray((2, 3), ctx=ctx)
    assert x.shape == (2, 3) and x.dtype == np.float32 and x.context == ctx
    assert tu.rand_ndarray((4,), dtype="float64", ctx=ctx).dtype == np.float64
    with pytest.raises(MXNetError, match="stype 'csr'"):
        tu.rand_ndarray((2, 3), stype="csr", ctx=ctx)
    one = tu.random_arrays((3, 2))
    assert isinstance(one, np.ndarray) and one.shape == (3, 2) and one.dtype == np.float32
    many = tu.random_arrays((1,), ())
    assert [a.shape for a in many] == [(1,), ()]
    for _ in range(20):
        s2, s3 = tu.rand_shape_2d(3, 4), tu.rand_shape_3d(2, 2, 2)
        assert 1 <= s2[0] <= 3 and 1 <= s2[1] <= 4 and all(1 <= d <= 2 for d in s3)
        assert all(0 <= d <= 2 for d in tu.rand_shape_nd(5, 2, allow_zero_size=True))
    assert len(tu.rand_shape_nd(4)) == 4
    u = tu.random_uniform_arrays((100,), low=2.0, high=3.0)[0]
    assert u.min() >= 2.0 and u.max() < 3.0


def test_check_numeric_gradient(ctx):
    tu.check_numeric_gradient(lambda x, y: mx.nd.sin(x) * y,
                              [np.array([0.5, 1.0, 2.0]), np.array([1.5, -1.0, 0.3])],
                              ctx=ctx, dtype=np.float64)
    tu.check_numeric_gradient(lambda a, b: mx.nd.dot(a, b), {"a": np.random.rand(2, 3),
                                                             "b": np.random.rand(3, 2)},
                              ctx=ctx)
    # a wrong gradient: detach() hides one factor from autograd
    with pytest.raises(AssertionError, match="NUMERICAL_x"):
        tu.check_numeric_gradient(lambda x: x.detach() * x, {"x": np.array([1.0, 2.0])},
                                  ctx=ctx, dtype=np.float64)
    # only the grad_nodes are compared
    tu.check_numeric_gradient(lambda x, y: x.detach() * y, {"x": np.array([1.0, 2.0]),
                                                            "y": np.array([3.0, 4.0])},
                              grad_nodes=["y"], ctx=ctx, dtype=np.float64)


def test_check_numeric_gradient_on_a_symbol(ctx):
    x = mx.nd.array([1.0, 2.0, 3.0], ctx=ctx)
    x.attach_grad()
    with mx.autograd.record():
        y = mx.nd.exp(x * 0.5) + x * x
    sym = mx.autograd.get_symbol(y)
    tu.check_numeric_gradient(sym, [np.array([0.1, -0.4, 0.7])], ctx=ctx, dtype=np.float64)
    with pytest.raises(MXNetError, match="arrays for the arguments"):
        tu.check_numeric_gradient(sym, [np.zeros(3), np.zeros(3)], ctx=ctx)
    with pytest.raises(MXNetError, match="aux_states"):
        tu.check_numeric_gradient(sym, [np.zeros(3)], aux_states=[np.zeros(1)], ctx=ctx)


def _write_idx(path, array, gz):
    header = struct.pack(">I", 0x0800 | array.ndim) + struct.pack(">" + "I" * array.ndim,
                                                                  *array.shape)
    with (gzip.open if gz else open)(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())


def _fake_mnist(folder, gz):
    rng = np.random.RandomState(0)
    arrays = {"train-images-idx3-ubyte": rng.randint(0, 256, (3, 28, 28)),
              "train-labels-idx1-ubyte": np.array([1, 7, 3]),
              "t10k-images-idx3-ubyte": rng.randint(0, 256, (2, 28, 28)),
              "t10k-labels-idx1-ubyte": np.array([9, 0])}
    for name, arr in arrays.items():
        _write_idx(os.path.join(folder, name + (".gz" if gz else "")), arr, gz)
    return arrays


@pytest.mark.parametrize("gz", [True, False])
def test_get_mnist_reads_local_files(tmp_path, monkeypatch, gz):
    source = tmp_path / "mnist"
    source.mkdir()
    arrays = _fake_mnist(str(source), gz)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setenv("MXGRAD_DATA_DIR", str(source))
    mnist = tu.get_mnist()
    assert mnist["train_data"].shape == (3, 1, 28, 28) and mnist["train_data"].dtype == np.float32
    np.testing.assert_allclose(mnist["test_data"][:, 0],
                               arrays["t10k-images-idx3-ubyte"].astype(np.float32) / 255)
    assert mnist["train_label"].dtype == np.int8
    assert mnist["train_label"].tolist() == [1, 7, 3] and mnist["test_label"].tolist() == [9, 0]
    tu.get_mnist_ubyte()
    copied = work / "data" / "train-labels-idx1-ubyte"
    assert copied.read_bytes()[8:] == bytes([1, 7, 3])


def test_get_mnist_without_files_says_where_to_put_them(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MXGRAD_DATA_DIR", str(tmp_path / "nowhere"))
    for fn in (tu.get_mnist, tu.get_mnist_ubyte):
        with pytest.raises(MXNetError, match="MXGRAD_DATA_DIR") as info:
            fn()
        assert "does not download" in str(info.value)
        assert str(tmp_path / "nowhere") in str(info.value)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "train-images-idx3-ubyte").write_bytes(b"\x00\x00\x09\x01junk")
    with pytest.raises(MXNetError, match="not an MNIST idx file"):
        tu.get_mnist()


def test_docstring_examples():
    from test_metric import run_doctests
    run_doctests(tu)
