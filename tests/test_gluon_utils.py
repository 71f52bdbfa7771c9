"""mx.gluon.utils against MXNet 1.9.1: splitting batches, clipping by the global norm,
hashes, local downloads and shape_is_known."""
import hashlib
import warnings

import numpy as np
import pytest

import mxgrad as mx
from mxgrad.base import MXNetError

utils = mx.gluon.utils


@pytest.mark.parametrize("shape, num, axis, shapes", [
    ((1,), 2, 0, [(1,), (0,)]),                     # MXNet 1.9.1's results, uneven splits
    ((7,), 3, 0, [(3,), (2,), (2,)]),
    ((2, 6), 4, 1, [(2, 2), (2, 2), (2, 1), (2, 1)]),
    ((6, 2), 3, -2, [(2, 2), (2, 2), (2, 2)]),
])
def test_split_data_uneven(shape, num, axis, shapes, ctx):
    x = mx.nd.array(np.arange(np.prod(shape)).reshape(shape), ctx=ctx)
    parts = utils.split_data(x, num, batch_axis=axis, even_split=False)
    assert [p.shape for p in parts] == shapes
    np.testing.assert_array_equal(np.concatenate([p.asnumpy() for p in parts], axis=axis),
                                  x.asnumpy())


def test_split_data_errors(ctx):
    with pytest.raises(ValueError, match=r"data with shape \(5,\) cannot be evenly split into "
                                         r"2 slices along axis 0"):     # MXNet 1.9.1's words
        utils.split_data(mx.nd.arange(5, ctx=ctx), 2)
    with pytest.raises(MXNetError, match="batch_axis 2"):
        utils.split_data(mx.nd.zeros((2, 2), ctx=ctx), 2, batch_axis=2)
    with pytest.raises(MXNetError, match="num_slice"):
        utils.split_data(mx.nd.zeros((2, 2), ctx=ctx), 0)


def test_split_and_load(ctx):
    parts = utils.split_and_load([[1, 2], [3, 4]], [ctx, ctx])
    assert [p.asnumpy().tolist() for p in parts] == [[[1, 2]], [[3, 4]]]
    assert all(p.context == ctx for p in parts)
    whole = utils.split_and_load(mx.nd.ones((3, 2), ctx=ctx), [ctx])
    assert len(whole) == 1 and whole[0].shape == (3, 2)
    cols = utils.split_and_load(np.arange(8).reshape(2, 4), [ctx, ctx], batch_axis=1)
    assert [p.shape for p in cols] == [(2, 2), (2, 2)]
    with pytest.raises(ValueError, match="evenly"):
        utils.split_and_load(np.zeros(3), [ctx, ctx])
    assert [p.shape for p in utils.split_and_load(np.zeros(3), [ctx, ctx],
                                                  even_split=False)] == [(2,), (1,)]
    with pytest.raises(MXNetError, match="ctx_list"):
        utils.split_and_load(np.zeros(3), [])


def test_clip_global_norm(ctx):
    grads = [mx.nd.array([3., 0.], ctx=ctx), mx.nd.array([[4.]], ctx=ctx)]
    norm = utils.clip_global_norm(grads, 1.0)
    # MXNet 1.9.1: 5.0 (numpy.float32), [0.6 0.] and [[0.8]]
    assert isinstance(norm, np.float32) and norm == 5.0
    np.testing.assert_allclose(grads[0].asnumpy(), [0.6, 0.], rtol=1e-6)
    np.testing.assert_allclose(grads[1].asnumpy(), [[0.8]], rtol=1e-6)
    small = [mx.nd.array([0.3, 0.], ctx=ctx), mx.nd.array([[0.4]], ctx=ctx)]
    norm = utils.clip_global_norm(small, 1.0, check_isfinite=False)
    assert isinstance(norm, mx.nd.NDArray) and norm.shape == (1,)      # as MXNet 1.9.1
    np.testing.assert_allclose(norm.asnumpy(), [0.5], rtol=1e-6)
    np.testing.assert_allclose(small[0].asnumpy(), [0.3, 0.], rtol=1e-6)  # under: unchanged
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        bad = [mx.nd.array([np.inf, 1.], ctx=ctx)]
        assert utils.clip_global_norm(bad, 1.0) == np.inf
    assert "nan or inf is detected" in str(caught[0].message)
    with pytest.raises(MXNetError, match="empty"):
        utils.clip_global_norm([], 1.0)


def test_check_sha1_and_download(tmp_path, monkeypatch):
    src = tmp_path / "src.bin"
    src.write_bytes(b"mxgrad")
    digest = hashlib.sha1(b"mxgrad").hexdigest()
    assert utils.check_sha1(str(src), digest)
    assert not utils.check_sha1(str(src), "0" * 40)
    # file:// URLs are copied; into a folder, the URL's file name is kept
    folder = tmp_path / "out"
    folder.mkdir()
    got = utils.download("file://" + str(src), path=str(folder), sha1_hash=digest)
    assert got == str(folder / "src.bin") and (folder / "src.bin").read_bytes() == b"mxgrad"
    # a present file is used without any network
    monkeypatch.chdir(tmp_path)
    assert utils.download("https://example.com/data/src.bin") == "src.bin"
    with pytest.raises(MXNetError, match="does not download") as info:
        utils.download("https://example.com/data/other.bin")
    assert str(tmp_path / "other.bin") in str(info.value)
    with pytest.raises(MXNetError, match="does not download"):
        utils.download("https://example.com/data/src.bin", sha1_hash="0" * 40)
    with pytest.raises(MXNetError, match="file-name"):
        utils.download("https://example.com/data/")
    with pytest.raises(UserWarning, match="hash does not match"):
        utils.download("file://" + str(src), path=str(tmp_path / "x.bin"), sha1_hash="0" * 40)


def test_shape_is_known():
    # MXNet 1.9.1 (legacy shapes): () False, None False, (2, 0) False, (2, 3) True
    assert not utils.shape_is_known(())
    assert not utils.shape_is_known(None)
    assert not utils.shape_is_known((2, 0))
    assert utils.shape_is_known((2, 3))
    with pytest.raises(MXNetError, match="less than 0, while received -1"):
        utils.shape_is_known((2, -1))


def test_docstring_examples():
    from test_metric import run_doctests
    run_doctests(utils)
