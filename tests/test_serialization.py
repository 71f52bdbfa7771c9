"""mx.nd.save / load / load_frombuffer in MXNet's binary format, pickle and deepcopy.

The fixtures in tests/data were written by MXNet 1.9.1 (tests/data/make_nd_save_fixtures.py,
which also rebuilds their values): mxgrad must load them, and write the same bytes, so a file
mxgrad writes loads in MXNet even where MXNet is not installed. Where it is
(/tmp/mxref/bin/python), MXNet loads mxgrad's files in a subprocess too.
"""
import copy
import os
import pickle
import struct
import subprocess
import sys

import numpy as np
import pytest

import mxgrad as mx
from mxgrad.base import MXNetError

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
sys.path.insert(0, DATA)
from make_nd_save_fixtures import fixture_arrays  # noqa: E402

FIXTURES = fixture_arrays()
MXNET_PYTHON = "/tmp/mxref/bin/python"


def _read(name):
    with open(os.path.join(DATA, name), "rb") as f:
        return f.read()


def _to_mxgrad(data, ctx=None):
    if isinstance(data, dict):
        return {k: mx.nd.array(v, ctx=ctx, dtype=v.dtype) for k, v in data.items()}
    return [mx.nd.array(v, ctx=ctx, dtype=v.dtype) for v in data]


def _check_same(loaded, expected):
    assert type(loaded) is type(expected)
    if isinstance(expected, dict):
        assert list(loaded) == list(expected)          # order kept, as MXNet
        pairs = [(loaded[k], expected[k]) for k in expected]
    else:
        assert len(loaded) == len(expected)
        pairs = list(zip(loaded, expected))
    for got, want in pairs:
        assert isinstance(got, mx.nd.NDArray)
        assert got.dtype == want.dtype and got.shape == want.shape
        assert got.context == mx.cpu(0)
        np.testing.assert_array_equal(got.asnumpy(), want)


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_loads_mxnet_files(name):
    expected, _ = FIXTURES[name]
    _check_same(mx.nd.load(os.path.join(DATA, name)), expected)
    _check_same(mx.nd.load_frombuffer(_read(name)), expected)


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_writes_the_bytes_mxnet_writes(name, tmp_path):
    data = _to_mxgrad(FIXTURES[name][0])
    if name == "nd_single.nd":
        data = data[0]
    fname = str(tmp_path / name)
    mx.nd.save(fname, data)
    with open(fname, "rb") as f:
        assert f.read() == _read(name)


def test_roundtrip_from_any_device(ctx, tmp_path):
    data = {"w": mx.nd.array(np.arange(6).reshape(2, 3), ctx=ctx, dtype="float64"),
            "s": mx.nd.array(np.array(7, dtype="int32"), ctx=ctx, dtype="int32"),
            "e": mx.nd.zeros((2, 0), ctx=ctx, dtype="float16")}
    fname = str(tmp_path / "rt.params")
    mx.nd.save(fname, data)
    loaded = mx.nd.load(fname)
    assert list(loaded) == ["w", "s", "e"]
    for k, v in data.items():
        got = loaded[k]
        # as MXNet: CPU arrays come back on cpu(0), a GPU one on its GPU
        assert got.context == (ctx if ctx.device_type == "gpu" else mx.cpu(0))
        assert got.dtype == v.dtype and got.shape == v.shape
        np.testing.assert_array_equal(got.asnumpy(), v.asnumpy())


@pytest.mark.skipif(not os.path.exists(MXNET_PYTHON), reason="MXNet 1.9.1 not installed")
def test_mxnet_loads_mxgrad_files(tmp_path):
    expected = {}
    for name, (data, np_shape) in FIXTURES.items():
        fname = str(tmp_path / name)
        mx.nd.save(fname, _to_mxgrad(data))
        expected[fname] = np_shape
    script = (
        "import sys, pickle, mxnet as mx\n"
        "out = {}\n"
        "for fname, np_shape in pickle.loads(bytes.fromhex(sys.argv[1])).items():\n"
        "    with mx.util.np_shape(np_shape):\n"
        "        got = mx.nd.load(fname)\n"
        "        items = got.items() if isinstance(got, dict) else enumerate(got)\n"
        "        out[fname] = (type(got).__name__,\n"
        "                      [(k, v.asnumpy()) for k, v in items])\n"
        "sys.stdout.buffer.write(pickle.dumps(out))\n")
    proc = subprocess.run([MXNET_PYTHON, "-c", script, pickle.dumps(expected).hex()],
                          capture_output=True, timeout=300)
    assert proc.returncode == 0, proc.stderr.decode()[-2000:]
    result = pickle.loads(proc.stdout)
    for name, (data, _) in FIXTURES.items():
        kind, items = result[str(tmp_path / name)]
        assert kind == type(data).__name__
        want = list(data.items()) if isinstance(data, dict) else list(enumerate(data))
        assert [k for k, _ in items] == [k for k, _ in want]
        for (_, got), (_, w) in zip(items, want):
            assert got.dtype == w.dtype and got.shape == w.shape
            np.testing.assert_array_equal(got, w)


# --- bad input -------------------------------------------------------------------------
def test_refuses_truncated_files():
    buf = _read("nd_dict.params")
    for cut in [0, 5, 16, 23, 30, 60, 100, len(buf) - 1]:
        with pytest.raises(MXNetError, match="truncated"):
            mx.nd.load_frombuffer(buf[:cut])


def test_refuses_corrupt_shapes():
    buf = bytearray(_read("nd_single.nd"))
    struct.pack_into("<I", buf, 32, 0x7FFFFFFF)      # ndim
    with pytest.raises(MXNetError, match="truncated"):
        mx.nd.load_frombuffer(bytes(buf))
    buf = bytearray(_read("nd_single.nd"))
    struct.pack_into("<q", buf, 36, 2 ** 62)          # a dim whose byte size wraps int64
    with pytest.raises(MXNetError, match="truncated"):
        mx.nd.load_frombuffer(bytes(buf))
    struct.pack_into("<q", buf, 36, -5)
    with pytest.raises(MXNetError, match="unknown dimension"):
        mx.nd.load_frombuffer(bytes(buf))


def test_refuses_other_files(tmp_path):
    with pytest.raises(MXNetError, match="not an MXNet NDArray file"):
        mx.nd.load_frombuffer(b"garbage" * 5)
    buf = bytearray(_read("nd_single.nd"))
    buf[24] ^= 0xFF                                   # the array's magic
    with pytest.raises(MXNetError, match="unknown header"):
        mx.nd.load_frombuffer(bytes(buf))
    with pytest.raises(MXNetError, match="cannot open"):
        mx.nd.load(str(tmp_path / "missing.params"))


def test_refuses_sparse_and_unsupported_dtypes():
    with pytest.raises(MXNetError, match="csr sparse"):
        mx.nd.load(os.path.join(DATA, "nd_sparse.nd"))
    buf = bytearray(_read("nd_single.nd"))
    flag_at = 24 + 8 + 4 + 8 + 8                      # magic, stype, ndim, dim, context
    assert struct.unpack_from("<i", buf, flag_at) == (0,)
    for flag, name in [(7, "bool"), (12, "bfloat16"), (99, "type flag 99")]:
        struct.pack_into("<i", buf, flag_at, flag)
        with pytest.raises(MXNetError, match=f"dtype {name}"):
            mx.nd.load_frombuffer(bytes(buf))


def test_refuses_mismatched_names():
    buf = _read("nd_single.nd")
    bad = buf[:-8] + struct.pack("<Q", 2) + struct.pack("<Q", 1) + b"a" + \
        struct.pack("<Q", 1) + b"b"
    with pytest.raises(MXNetError, match="1 arrays but 2 names"):
        mx.nd.load_frombuffer(bad)


def test_argument_types_as_mxnet(tmp_path):
    fname = str(tmp_path / "x.nd")
    a = mx.nd.ones(2)
    with pytest.raises(ValueError):
        mx.nd.save(fname, 5)
    with pytest.raises(ValueError):
        mx.nd.save(fname, (a,))                       # MXNet takes lists, not tuples
    with pytest.raises(TypeError):
        mx.nd.save(fname, {1: a})
    with pytest.raises(TypeError):
        mx.nd.save(fname, [a, 5])
    with pytest.raises(TypeError):
        mx.nd.load(123)
    with pytest.raises(TypeError):
        mx.nd.load_frombuffer(123)
    assert not os.path.exists(fname)                  # nothing written on bad input


# --- pickle and deepcopy ---------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "uint8", "int32",
                                   "int8", "int64"])
def test_pickle_keeps_values_dtype_context(ctx, dtype):
    x = mx.nd.array(np.arange(-3, 3).reshape(2, 3), ctx=ctx, dtype=dtype)
    x.attach_grad()
    y = pickle.loads(pickle.dumps(x))
    assert y.context == ctx and y.dtype == x.dtype and y.shape == x.shape
    np.testing.assert_array_equal(y.asnumpy(), x.asnumpy())
    assert y.grad is None                             # as MXNet: the gradient is not kept


def test_unpickle_on_a_missing_device_lands_on_cpu0():
    from mxgrad.ndarray.ndarray import _unpickle
    y = _unpickle(np.arange(3, dtype="int64"), "gpu", 999)
    assert y.context == mx.cpu(0) and y.dtype == np.int64
    np.testing.assert_array_equal(y.asnumpy(), [0, 1, 2])


def test_deepcopy_is_independent(ctx):
    x = mx.nd.array([[1, 2], [3, 4]], ctx=ctx)
    y = copy.deepcopy(x)
    x[:] = 0
    assert y.context == ctx
    np.testing.assert_array_equal(y.asnumpy(), [[1, 2], [3, 4]])
    z = copy.deepcopy({"p": [x]})["p"][0]
    assert z is not x and z.context == ctx
