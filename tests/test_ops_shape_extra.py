"""The rest of mx.nd's shape ops: moveaxis, pad, Crop, crop, slice_like, concatenate, diag,
depth_to_space, space_to_depth, split_v2, shape_array, size_array, khatri_rao, cumsum,
SequenceLast and SequenceReverse. Values against NumPy or MXNet 1.9.1's outputs (pasted
as literals where NumPy has no counterpart), MXNet's errors, and first and second order
gradients in float64."""
import numpy as np
import pytest

import mxgrad as mx
from mxgrad.base import MXNetError
from gradcheck import check_gradients


def _arange(shape, ctx, dtype="float32"):
    return mx.nd.array(np.arange(np.prod(shape)).reshape(shape), ctx=ctx, dtype=dtype)


# --- moveaxis, depth_to_space, space_to_depth ---------------------------------------------
@pytest.mark.parametrize("src, dst", [(0, 2), (-1, 0), ([0, 1], [1, 2]), ([2, 0], [0, 1])])
def test_moveaxis_matches_numpy(ctx, src, dst):
    a = np.arange(24.0).reshape(2, 3, 4)
    got = mx.nd.moveaxis(mx.nd.array(a, ctx=ctx), src, dst)
    np.testing.assert_array_equal(got.asnumpy(), np.moveaxis(a, src, dst))


def test_moveaxis_errors(ctx):
    x = mx.nd.zeros((2, 3, 4), ctx=ctx)
    with pytest.raises(ValueError, match="out of range"):
        mx.nd.moveaxis(x, 3, 0)
    with pytest.raises(ValueError, match="repeated"):
        mx.nd.moveaxis(x, [0, 0], [1, 2])
    with pytest.raises(ValueError, match="same number"):
        mx.nd.moveaxis(x, [0, 1], [1])


def _depth_to_space_ref(a, b):
    n, c, h, w = a.shape
    t = a.reshape(n, b, b, c // b // b, h, w).transpose(0, 3, 4, 1, 5, 2)
    return t.reshape(n, c // b // b, h * b, w * b)


def test_depth_space_round_trip_and_mxnet_values(ctx):
    x = _arange((1, 4, 2, 2), ctx)
    d = mx.nd.depth_to_space(x, 2)
    # mxnet 1.9.1: depth_to_space(arange(16).reshape(1, 4, 2, 2), 2)
    np.testing.assert_array_equal(d.asnumpy().ravel(), [0, 4, 1, 5, 8, 12, 9, 13, 2, 6, 3,
                                                        7, 10, 14, 11, 15])
    s = mx.nd.space_to_depth(_arange((1, 1, 4, 4), ctx), 2)
    # mxnet 1.9.1: space_to_depth(arange(16).reshape(1, 1, 4, 4), 2)
    np.testing.assert_array_equal(s.asnumpy().ravel(), [0, 2, 8, 10, 1, 3, 9, 11, 4, 6, 12,
                                                        14, 5, 7, 13, 15])
    a = np.random.RandomState(0).rand(2, 18, 2, 3).astype(np.float32)
    y = mx.nd.depth_to_space(mx.nd.array(a, ctx=ctx), 3)
    np.testing.assert_array_equal(y.asnumpy(), _depth_to_space_ref(a, 3))
    np.testing.assert_array_equal(mx.nd.space_to_depth(y, 3).asnumpy(), a)
    assert x.depth_to_space(2).shape == (1, 1, 4, 4) and d.space_to_depth(2).shape == x.shape


def test_depth_space_errors(ctx):
    with pytest.raises(MXNetError, match="multiple"):
        mx.nd.depth_to_space(mx.nd.zeros((1, 3, 2, 2), ctx=ctx), 2)
    with pytest.raises(MXNetError, match="4-D"):
        mx.nd.depth_to_space(mx.nd.zeros((4, 2, 2), ctx=ctx), 2)
    with pytest.raises(MXNetError, match="positive"):
        mx.nd.depth_to_space(mx.nd.zeros((1, 4, 2, 2), ctx=ctx), 0)
    with pytest.raises(MXNetError, match="block_size"):
        mx.nd.space_to_depth(mx.nd.zeros((1, 4, 2, 2), ctx=ctx))
    with pytest.raises(MXNetError, match="multiple"):
        mx.nd.space_to_depth(mx.nd.zeros((1, 1, 3, 6), ctx=ctx), 2)


# --- diag, khatri_rao ---------------------------------------------------------------------
@pytest.mark.parametrize("k", [0, 1, -2])
def test_diag_vector_makes_matrix(ctx, k):
    v = np.array([1.0, 2.0, 3.0])
    got = mx.nd.diag(mx.nd.array(v, ctx=ctx), k=k)
    np.testing.assert_array_equal(got.asnumpy(), np.diag(v, k))
    i = mx.nd.diag(mx.nd.array([1, 2], ctx=ctx, dtype="int32"))
    assert i.dtype == np.int32 and i.asnumpy().tolist() == [[1, 0], [0, 2]]


@pytest.mark.parametrize("shape, k, a1, a2", [((3, 4), 0, 0, 1), ((3, 4), 2, 0, 1),
                                              ((3, 4), -1, 0, 1), ((2, 3, 4), 0, 0, 1),
                                              ((2, 3, 4), 1, 0, 2), ((2, 3, 4), 0, -1, 0)])
def test_diag_extracts_like_numpy(ctx, shape, k, a1, a2):
    a = np.arange(np.prod(shape), dtype=np.float32).reshape(shape)
    got = mx.nd.diag(mx.nd.array(a, ctx=ctx), k=k, axis1=a1, axis2=a2)
    np.testing.assert_array_equal(got.asnumpy(), np.diagonal(a, k, a1, a2))
    if (k, a1, a2) == (0, 0, 1):
        np.testing.assert_array_equal(mx.nd.array(a, ctx=ctx).diag().asnumpy(),
                                      np.diagonal(a))


def test_diag_errors(ctx):
    m = mx.nd.zeros((3, 4), ctx=ctx)
    for k in (5, -4):
        with pytest.raises(MXNetError, match="does not exist"):
            mx.nd.diag(m, k=k)
    for k in (4, -3):       # just past a corner: empty, as in MXNet 1.9.1
        assert mx.nd.diag(m, k=k).shape == (0,)
    with pytest.raises(MXNetError, match="same axis"):
        mx.nd.diag(mx.nd.zeros((2, 3, 4), ctx=ctx), axis1=1, axis2=1)
    with pytest.raises(MXNetError, match="out of range"):
        mx.nd.diag(mx.nd.zeros((2, 3, 4), ctx=ctx), axis1=3)
    with pytest.raises(MXNetError, match="0-d"):
        mx.nd.diag(mx.nd.array(np.array(5.0), ctx=ctx))


def test_khatri_rao_matches_columnwise_kron(ctx):
    rng = np.random.RandomState(0)
    mats = [rng.rand(n, 3).astype(np.float32) for n in (2, 3, 1)]
    got = mx.nd.khatri_rao(*[mx.nd.array(m, ctx=ctx) for m in mats])
    want = np.stack([np.kron(np.kron(mats[0][:, j], mats[1][:, j]), mats[2][:, j])
                     for j in range(3)], axis=1)
    np.testing.assert_allclose(got.asnumpy(), want, rtol=1e-6)
    one = mx.nd.array(mats[0], ctx=ctx)
    single = mx.nd.khatri_rao(one)
    assert single is not one
    np.testing.assert_array_equal(single.asnumpy(), mats[0])


def test_khatri_rao_errors(ctx):
    with pytest.raises(MXNetError, match="at least one"):
        mx.nd.khatri_rao()
    with pytest.raises(MXNetError, match="columns"):
        mx.nd.khatri_rao(mx.nd.zeros((2, 2), ctx=ctx), mx.nd.zeros((1, 3), ctx=ctx))
    with pytest.raises(MXNetError, match="matrix"):
        mx.nd.khatri_rao(mx.nd.zeros((2,), ctx=ctx))
    for dtype in ("int32", "float16"):
        with pytest.raises(MXNetError, match="float32 and float64"):
            mx.nd.khatri_rao(mx.nd.zeros((2, 2), ctx=ctx, dtype=dtype))


# --- regions: Crop, crop, slice_like, concatenate, split_v2 ----------------------------------
def test_crop_layer_op(ctx):
    a = np.arange(40.0, dtype=np.float32).reshape(2, 1, 4, 5)
    x = mx.nd.array(a, ctx=ctx)
    np.testing.assert_array_equal(mx.nd.Crop(x, h_w=(2, 3)).asnumpy(), a[:, :, :2, :3])
    np.testing.assert_array_equal(mx.nd.Crop(x, h_w=(2, 3), offset=(1, 2)).asnumpy(),
                                  a[:, :, 1:3, 2:5])
    np.testing.assert_array_equal(mx.nd.Crop(x, h_w=(1, 2), center_crop=True).asnumpy(),
                                  a[:, :, 1:2, 1:3])
    like = mx.nd.zeros((1, 1, 3, 3), ctx=ctx)
    for kwargs in ({}, {"num_args": 2}):
        np.testing.assert_array_equal(mx.nd.Crop(x, like, **kwargs).asnumpy(), a[:, :, :3, :3])
    np.testing.assert_array_equal(mx.nd.Crop(x, like, offset=(1, 1)).asnumpy(),
                                  a[:, :, 1:4, 1:4])


def test_crop_layer_op_errors(ctx):
    x = mx.nd.zeros((2, 1, 4, 5), ctx=ctx)
    with pytest.raises(MXNetError, match="num_args"):
        mx.nd.Crop(x, mx.nd.zeros((1, 1, 3, 3), ctx=ctx), num_args=1, h_w=(1, 1))
    with pytest.raises(MXNetError, match="exceed"):
        mx.nd.Crop(x, h_w=(5, 3))
    with pytest.raises(MXNetError, match="offset"):
        mx.nd.Crop(x, h_w=(2, 3), offset=(3, 0))
    with pytest.raises(MXNetError, match="4-D"):
        mx.nd.Crop(mx.nd.zeros((2, 4, 5), ctx=ctx), h_w=(2, 3))
    with pytest.raises(MXNetError, match="h_w"):
        mx.nd.Crop(x)
    with pytest.raises(MXNetError, match="4-D"):
        mx.nd.Crop(x, mx.nd.zeros((3, 3), ctx=ctx))


def test_crop_is_slice(ctx):
    a = np.arange(40.0, dtype=np.float32).reshape(2, 1, 4, 5)
    x = mx.nd.array(a, ctx=ctx)
    got = mx.nd.crop(x, begin=(0, 0, 1), end=(1, 1, 3))
    np.testing.assert_array_equal(got.asnumpy(), a[0:1, 0:1, 1:3])
    np.testing.assert_array_equal(mx.nd.crop(x, (None, 0), (None, 1), (-1, 1)).asnumpy(),
                                  mx.nd.slice(x, (None, 0), (None, 1), (-1, 1)).asnumpy())


def test_slice_like(ctx):
    a = np.arange(40.0, dtype=np.float32).reshape(2, 1, 4, 5)
    x = mx.nd.array(a, ctx=ctx)
    like = mx.nd.zeros((1, 1, 2, 3), ctx=ctx)
    np.testing.assert_array_equal(mx.nd.slice_like(x, like).asnumpy(), a[:1, :1, :2, :3])
    np.testing.assert_array_equal(mx.nd.slice_like(x, like, axes=(2,)).asnumpy(),
                                  a[:, :, :2])
    np.testing.assert_array_equal(x.slice_like(like, axes=(-1,)).asnumpy(), a[..., :3])
    with pytest.raises(MXNetError, match="more than"):
        mx.nd.slice_like(x, mx.nd.zeros((1, 1, 6, 3), ctx=ctx))
    with pytest.raises(MXNetError, match="dimensions"):
        mx.nd.slice_like(x, mx.nd.zeros((1, 3), ctx=ctx))
    with pytest.raises(MXNetError, match="more than"):
        mx.nd.slice_like(x, mx.nd.zeros((1, 3), ctx=ctx), axes=(1,))
    with pytest.raises(MXNetError, match="out of range"):
        mx.nd.slice_like(x, like, axes=(4,))


def test_concatenate(ctx):
    a, b = mx.nd.ones((1, 2), ctx=ctx), mx.nd.zeros((2, 2), ctx=ctx)
    np.testing.assert_array_equal(mx.nd.concatenate([a, b]).asnumpy(), [[1, 1], [0, 0], [0, 0]])
    c = mx.nd.concatenate([a, mx.nd.zeros((1, 3), ctx=ctx)], axis=1)
    np.testing.assert_array_equal(c.asnumpy(), [[1, 1, 0, 0, 0]])
    assert mx.nd.concatenate([a], always_copy=False) is a
    copied = mx.nd.concatenate([a])
    assert copied is not a and copied.asnumpy().tolist() == [[1, 1]]
    for bad in ([], [a, mx.nd.zeros((2, 3), ctx=ctx)],
                [a, mx.nd.zeros((1, 2), ctx=ctx, dtype="int32")]):
        with pytest.raises(MXNetError):
            mx.nd.concatenate(bad)


def test_split_v2(ctx):
    a = np.arange(24.0, dtype=np.float32).reshape(2, 3, 4)
    x = mx.nd.array(a, ctx=ctx)
    for args, kwargs, want in [((2,), {}, np.split(a, 2)),
                               (((1, 3),), {"axis": 2}, np.split(a, (1, 3), axis=2)),
                               (((0, 3),), {"axis": -1}, np.split(a, (0, 3), axis=2))]:
        got = mx.nd.split_v2(x, *args, **kwargs)
        assert [g.shape for g in got] == [w.shape for w in want]
        for g, w in zip(got, want):
            np.testing.assert_array_equal(g.asnumpy(), w)
    parts = x.split_v2(3, axis=1, squeeze_axis=True)
    assert [p.shape for p in parts] == [(2, 4)] * 3
    np.testing.assert_array_equal(parts[1].asnumpy(), a[:, 1])
    for single in (mx.nd.split_v2(x, 1), mx.nd.split_v2(x, ())):
        assert isinstance(single, mx.nd.NDArray) and single.shape == x.shape


def test_split_v2_errors(ctx):
    x = mx.nd.zeros((2, 3, 4), ctx=ctx)
    for bad in ([1, 3], 2.0, "2"):
        with pytest.raises(ValueError, match="int or a tuple"):
            mx.nd.split_v2(x, bad)
    with pytest.raises(ValueError, match="equal division"):
        mx.nd.split_v2(x, 3)
    with pytest.raises(ValueError, match="positive"):
        mx.nd.split_v2(x, 0)
    with pytest.raises(MXNetError, match="sorted"):
        mx.nd.split_v2(x, (3, 1), axis=2)
    with pytest.raises(MXNetError, match="sorted"):
        mx.nd.split_v2(x, (1, 6), axis=2)
    with pytest.raises(MXNetError, match="length 1"):
        mx.nd.split_v2(x, (1,), axis=2, squeeze_axis=True)
    with pytest.raises(MXNetError, match="out of range"):
        mx.nd.split_v2(x, 2, axis=3)


def test_shape_and_size_array(ctx):
    x = mx.nd.zeros((2, 3, 4), ctx=ctx)
    for got, want in ((mx.nd.shape_array(x), [2, 3, 4]), (mx.nd.size_array(x), [24]),
                      (x.shape_array(), [2, 3, 4]), (x.size_array(), [24]),
                      (mx.nd.size_array(mx.nd.array(np.array(3.0), ctx=ctx)), [1])):
        assert got.dtype == np.int64 and got.context == ctx
        assert got.asnumpy().tolist() == want
    with pytest.raises(MXNetError, match="0-d"):
        mx.nd.shape_array(mx.nd.array(np.array(3.0), ctx=ctx))


# --- pad ----------------------------------------------------------------------------------
PADS = [(0, 0, 0, 0, 1, 1, 1, 2), (0, 0, 0, 0, 0, 1, 2, 0), (0, 0, 0, 0, 0, 0, 0, 0)]


@pytest.mark.parametrize("mode", ["constant", "edge", "reflect"])
@pytest.mark.parametrize("width", PADS)
def test_pad_4d_matches_numpy(ctx, mode, width):
    a = np.random.RandomState(1).rand(2, 1, 3, 3).astype(np.float32)
    x = mx.nd.array(a, ctx=ctx)
    kw = {"constant_value": 2.5} if mode == "constant" else {}
    got = mx.nd.pad(x, mode=mode, pad_width=width, **kw)
    np_kw = {"constant_values": 2.5} if mode == "constant" else {}
    want = np.pad(a, np.array(width).reshape(4, 2), mode=mode, **np_kw)
    np.testing.assert_array_equal(got.asnumpy(), want)
    np.testing.assert_array_equal(x.pad(mode=mode, pad_width=width, **kw).asnumpy(), want)


@pytest.mark.parametrize("mode", ["constant", "edge", "reflect"])
def test_pad_5d_and_dtypes(ctx, mode):
    width = (0, 0, 0, 0, 1, 0, 0, 1, 1, 1)
    a = np.random.RandomState(2).rand(1, 2, 2, 2, 3)
    want = np.pad(a, np.array(width).reshape(5, 2), mode=mode)
    for dtype in ("float32", "float16") + (("float64",) if ctx.state.has_fp64 else ()):
        got = mx.nd.Pad(mx.nd.array(a, ctx=ctx, dtype=dtype), mode=mode, pad_width=width)
        assert got.dtype == np.dtype(dtype)
        np.testing.assert_array_equal(got.asnumpy(), want.astype(dtype))


def test_pad_mxnet_values(ctx):
    x = _arange((2, 1, 2, 3), ctx)
    # mxnet 1.9.1: pad(arange(12).reshape(2, 1, 2, 3), 'reflect', (0,0,0,0,1,1,1,2)), first 20
    got = mx.nd.pad(x, mode="reflect", pad_width=(0, 0, 0, 0, 1, 1, 1, 2))
    np.testing.assert_array_equal(got.asnumpy().ravel()[:20],
                                  [4, 3, 4, 5, 4, 3, 1, 0, 1, 2, 1, 0, 4, 3, 4, 5, 4, 3, 1, 0])
    # the same with 'edge' and wide pads: edge values repeat past the input's size
    got = mx.nd.pad(x, mode="edge", pad_width=(0, 0, 0, 0, 3, 3, 4, 4))
    assert got.shape == (2, 1, 8, 11)
    np.testing.assert_array_equal(got.asnumpy().ravel()[:20],
                                  [0, 0, 0, 0, 0, 1, 2, 2, 2, 2, 2, 0, 0, 0, 0, 0, 1, 2, 2, 2])


def test_pad_errors(ctx):
    x = mx.nd.zeros((2, 1, 2, 3), ctx=ctx)
    w = (0, 0, 0, 0, 1, 1, 1, 1)
    cases = [
        (dict(data=x, pad_width=w), "mode"),
        (dict(data=x, mode="constant"), "pad_width"),
        (dict(data=x, mode="wrap", pad_width=w), "mode must be one of"),
        (dict(data=x, mode="reflect", pad_width=(0, 0, 0, 0, 2, 1, 1, 1)), "smaller"),
        (dict(data=x, mode="constant", pad_width=(1, 0, 0, 0, 1, 1, 1, 1)), "first two"),
        (dict(data=x, mode="constant", pad_width=(0, 0, 1, 0, 1, 1, 1, 1)), "first two"),
        (dict(data=mx.nd.zeros((2, 3, 4), ctx=ctx), mode="constant",
              pad_width=(0, 0, 1, 1, 1, 1)), "4-D and 5-D"),
        (dict(data=x, mode="constant", pad_width=(0, 0, 0, 0, 1, 1)), "two entries"),
        (dict(data=x.astype("int32"), mode="constant", pad_width=w), "floating point"),
        (dict(data=x, mode="constant", pad_width=(0, 0, 0, 0, -1, 1, 1, 1)), "negative"),
    ]
    for kwargs, msg in cases:
        with pytest.raises(MXNetError, match=msg):
            mx.nd.pad(**kwargs)


# --- cumsum -------------------------------------------------------------------------------
@pytest.mark.parametrize("axis", [None, 0, 1, 2, -1])
def test_cumsum_matches_numpy(ctx, axis):
    a = np.random.RandomState(3).rand(2, 3, 40).astype(np.float32)
    got = mx.nd.cumsum(mx.nd.array(a, ctx=ctx), axis=axis)
    want = np.cumsum(a, axis=axis)
    assert got.shape == want.shape and got.dtype == np.float32
    np.testing.assert_allclose(got.asnumpy(), want, rtol=1e-5)


def test_cumsum_dtypes(ctx):
    a = np.arange(24).reshape(2, 3, 4)
    for dtype in ("int32", "int64", "uint8", "int8", "float16"):
        got = mx.nd.cumsum(mx.nd.array(a, ctx=ctx, dtype=dtype))
        assert got.dtype == np.dtype(dtype)
        # sums in the input's type: int8 wraps as in MXNet 1.9.1 (..., 120, -120, -103)
        np.testing.assert_array_equal(got.asnumpy(), np.cumsum(a.astype(dtype),
                                                               dtype=dtype))
    # converted then summed: mxnet 1.9.1 gives [1, 3] for cumsum([1.5, 2.7], dtype='int32')
    got = mx.nd.cumsum(mx.nd.array([1.5, 2.7], ctx=ctx), dtype="int32")
    assert got.dtype == np.int32 and got.asnumpy().tolist() == [1, 3]
    got = mx.nd.cumsum(mx.nd.array(a, ctx=ctx, dtype="int32"), axis=2, dtype="float32")
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got.asnumpy(), np.cumsum(a, axis=2))
    assert mx.nd.cumsum(mx.nd.zeros((2, 0), ctx=ctx)).shape == (0,)
    assert mx.nd.cumsum(mx.nd.zeros((2, 0), ctx=ctx), axis=1).shape == (2, 0)


def test_cumsum_errors(ctx):
    x = mx.nd.zeros((2, 3), ctx=ctx)
    with pytest.raises(MXNetError, match="out of range"):
        mx.nd.cumsum(x, axis=2)
    with pytest.raises(MXNetError, match="dtype"):
        mx.nd.cumsum(x, dtype="uint8")
    with pytest.raises(MXNetError, match="0-d"):
        mx.nd.cumsum(mx.nd.array(np.array(3.0), ctx=ctx))


# --- SequenceLast, SequenceReverse --------------------------------------------------------
def test_sequence_last(ctx):
    a = np.arange(24.0, dtype=np.float32).reshape(4, 2, 3)
    x = mx.nd.array(a, ctx=ctx)
    np.testing.assert_array_equal(mx.nd.SequenceLast(x).asnumpy(), a[-1])
    got = mx.nd.SequenceLast(x, mx.nd.array([2, 4], ctx=ctx), use_sequence_length=True)
    np.testing.assert_array_equal(got.asnumpy(), np.stack([a[1, 0], a[3, 1]]))
    # fractional lengths are truncated (mxnet 1.9.1: [1.7, 2.2] reads steps 0 and 1)
    got = mx.nd.SequenceLast(x, mx.nd.array([1.7, 2.2], ctx=ctx), use_sequence_length=True)
    np.testing.assert_array_equal(got.asnumpy(), np.stack([a[0, 0], a[1, 1]]))
    lens = mx.nd.array([1, 2, 2, 1], ctx=ctx, dtype="int32")
    got = mx.nd.SequenceLast(x, lens, use_sequence_length=True, axis=1)
    np.testing.assert_array_equal(got.asnumpy(), a[np.arange(4), [0, 1, 1, 0]])
    np.testing.assert_array_equal(mx.nd.SequenceLast(x, axis=1).asnumpy(), a[:, -1])


def test_sequence_reverse(ctx):
    a = np.arange(24.0, dtype=np.float32).reshape(4, 2, 3)
    x = mx.nd.array(a, ctx=ctx)
    np.testing.assert_array_equal(mx.nd.SequenceReverse(x).asnumpy(), a[::-1])
    for lens in ([2, 4], [0, 1], [4, 3]):
        got = mx.nd.SequenceReverse(x, mx.nd.array(lens, ctx=ctx), use_sequence_length=True)
        want = a.copy()
        for b, n in enumerate(lens):
            want[:n, b] = a[:n, b][::-1]
        np.testing.assert_array_equal(got.asnumpy(), want)


def test_sequence_errors(ctx):
    x = mx.nd.zeros((4, 2, 3), ctx=ctx)
    L = mx.nd.array([2, 4], ctx=ctx)
    for op in (mx.nd.SequenceLast, mx.nd.SequenceReverse):
        with pytest.raises(MXNetError, match="use_sequence_length"):
            op(x, L)
        with pytest.raises(MXNetError, match="needs sequence_length"):
            op(x, use_sequence_length=True)
        with pytest.raises(MXNetError, match="shape"):
            op(x, mx.nd.array([1, 2, 3], ctx=ctx), use_sequence_length=True)
        with pytest.raises(MXNetError, match="at least 2"):
            op(mx.nd.zeros((4,), ctx=ctx))
        with pytest.raises(MXNetError, match="must be in"):
            op(x, mx.nd.array([5, 1], ctx=ctx), use_sequence_length=True)
        with pytest.raises(MXNetError, match="axis"):
            op(x, axis=2)
    with pytest.raises(MXNetError, match="must be in"):
        mx.nd.SequenceLast(x, mx.nd.array([0, 1], ctx=ctx), use_sequence_length=True)
    with pytest.raises(MXNetError, match="axis must be 0"):
        mx.nd.SequenceReverse(x, axis=1)


# --- gradients, first and second order (float64) ------------------------------------------
def _sq(f):
    """f followed by a square, so second-order checks see a non-zero Hessian."""
    return lambda *xs: f(*xs) ** 2


GRAD_CASES = {
    "moveaxis": (lambda x: mx.nd.moveaxis(x, 0, -1), [(2, 3, 2)]),
    "depth_to_space": (lambda x: mx.nd.depth_to_space(x, 2), [(1, 4, 2, 1)]),
    "space_to_depth": (lambda x: mx.nd.space_to_depth(x, 2), [(1, 1, 2, 4)]),
    "diag_vector": (lambda x: mx.nd.diag(x, k=-1), [(3,)]),
    "diag_extract": (lambda x: mx.nd.diag(x, k=1, axis1=2, axis2=0), [(3, 2, 3)]),
    "khatri_rao": (lambda a, b: mx.nd.khatri_rao(a, b), [(2, 2), (3, 2)]),
    "Crop": (lambda x: mx.nd.Crop(x, h_w=(2, 2), offset=(1, 0)), [(1, 2, 3, 3)]),
    "slice_like": (lambda x: mx.nd.slice_like(x, mx.nd.zeros((2, 2), dtype="float64",
                                                            ctx=x.context)), [(3, 3)]),
    "split_v2": (lambda x: mx.nd.split_v2(x, (1,), axis=1)[1] * 2, [(2, 3)]),
    "concatenate": (lambda a, b: mx.nd.concatenate([a, b], axis=1), [(2, 1), (2, 2)]),
    "pad_constant": (lambda x: mx.nd.pad(x, "constant", (0, 0, 0, 0, 1, 0, 2, 1), 3.0),
                     [(1, 1, 2, 2)]),
    "pad_edge": (lambda x: mx.nd.pad(x, "edge", (0, 0, 0, 0, 2, 1, 1, 3)), [(1, 1, 2, 2)]),
    "pad_edge_of_one": (lambda x: mx.nd.pad(x, "edge", (0, 0, 0, 0, 2, 1, 0, 0)),
                        [(2, 1, 1, 2)]),
    "pad_reflect": (lambda x: mx.nd.pad(x, "reflect", (0, 0, 0, 0, 0, 0, 1, 1, 2, 1)),
                    [(1, 1, 1, 2, 3)]),
    "cumsum": (lambda x: mx.nd.cumsum(x, axis=1), [(2, 4)]),
    "cumsum_flat": (lambda x: mx.nd.cumsum(x), [(2, 3)]),
    "SequenceLast": (lambda x: mx.nd.SequenceLast(
        x, mx.nd.array([1, 3], ctx=x.context), use_sequence_length=True), [(3, 2, 2)]),
    "SequenceLast_axis1": (lambda x: mx.nd.SequenceLast(
        x, mx.nd.array([2, 1, 3], ctx=x.context), use_sequence_length=True, axis=1),
        [(3, 3, 2)]),
    "SequenceReverse": (lambda x: mx.nd.SequenceReverse(
        x, mx.nd.array([2, 0], ctx=x.context), use_sequence_length=True), [(3, 2, 2)]),
}


@pytest.mark.parametrize("name", sorted(GRAD_CASES))
def test_gradients_first_and_second_order(ctx, fp64, name):
    fn, shapes = GRAD_CASES[name]
    rng = np.random.RandomState(7)
    xs = [rng.uniform(-1, 1, size=s) for s in shapes]
    check_gradients(_sq(fn), xs, ctx, order=2)


def test_shape_inputs_get_no_gradient(ctx):
    x = mx.nd.ones((1, 1, 3, 3), ctx=ctx)
    like = mx.nd.ones((1, 1, 2, 2), ctx=ctx)
    L = mx.nd.array([1], ctx=ctx)
    for a in (x, like, L):
        a.attach_grad()
    with mx.autograd.record():
        y = (mx.nd.Crop(x, like).sum() + mx.nd.slice_like(x, like).sum()
             + mx.nd.SequenceLast(x.reshape((3, 1, 3)), L, use_sequence_length=True).sum())
    y.backward()
    assert like.grad.asnumpy().sum() == 0 and L.grad.asnumpy().sum() == 0
    assert x.grad.asnumpy().sum() == 4 + 4 + 3


@pytest.mark.parametrize("chunk, shape, axis", [(None, (1100,), 0), (4, (100,), 0),
                                                (4, (2, 50), 1), (4, (40, 3), 0)])
def test_cumsum_long_rows_in_chunks(ctx, monkeypatch, chunk, shape, axis):
    # few long rows are summed in chunks; with chunks of 4 the totals are chunked again
    # (three levels for 100 elements). Integers come out exact, wrapping as in MXNet.
    from mxgrad.ndarray import cumulative
    if chunk:
        monkeypatch.setattr(cumulative, "_CHUNK", chunk)
    a = np.random.RandomState(4).randint(-50, 50, size=shape)
    for dtype in ("int32", "int8"):
        got = mx.nd.cumsum(mx.nd.array(a, ctx=ctx, dtype=dtype), axis=axis)
        np.testing.assert_array_equal(got.asnumpy(), np.cumsum(a.astype(dtype), axis=axis,
                                                               dtype=dtype))
    f = mx.nd.cumsum(mx.nd.array(a / 7, ctx=ctx), axis=axis)
    np.testing.assert_allclose(f.asnumpy(), np.cumsum(a / 7, axis=axis), rtol=1e-5,
                               atol=1e-4)


def test_out_argument(ctx):
    x = _arange((1, 1, 2, 3), ctx)
    calls = [
        (lambda o: mx.nd.pad(x, "edge", (0, 0, 0, 0, 1, 0, 0, 1), out=o), (1, 1, 3, 4)),
        (lambda o: mx.nd.pad(x, "constant", (0, 0, 0, 0, 1, 0, 0, 1), out=o), (1, 1, 3, 4)),
        (lambda o: mx.nd.cumsum(x, axis=3, out=o), (1, 1, 2, 3)),
        (lambda o: mx.nd.diag(x.reshape((2, 3)), out=o), (2,)),
        (lambda o: mx.nd.Crop(x, h_w=(1, 2), out=o), (1, 1, 1, 2)),
        (lambda o: mx.nd.SequenceLast(x.reshape((2, 3)), out=o), (3,)),
        (lambda o: mx.nd.SequenceReverse(x.reshape((2, 3)), out=o), (2, 3)),
        (lambda o: mx.nd.space_to_depth(x[:, :, :, :2], 2, out=o), (1, 4, 1, 1)),
        (lambda o: mx.nd.khatri_rao(x.reshape((2, 3)), x.reshape((2, 3)), out=o), (4, 3)),
    ]
    for call, shape in calls:
        o = mx.nd.zeros(shape, ctx=ctx)
        assert call(o) is o
        np.testing.assert_array_equal(o.asnumpy(), call(None).asnumpy())
        with pytest.raises(MXNetError, match="out"):
            call(mx.nd.zeros((7,), ctx=ctx))


def test_misuse_is_refused_before_anything_is_enqueued(ctx):
    x4 = mx.nd.zeros((2, 1, 4, 5), ctx=ctx)
    x3 = mx.nd.zeros((4, 2, 3), ctx=ctx)
    bad_len = mx.nd.array([5, 1], ctx=ctx)
    calls = [
        (lambda: mx.nd.pad(x4, "reflect", (0, 0, 0, 0, 4, 0, 0, 0)), "smaller"),
        (lambda: mx.nd.pad(x4, "edge", (0, 0, 0, 0, 1, 0, 0, 0), out=x3), "out"),
        (lambda: mx.nd.Crop(x4, h_w=(2, 3), offset=(3, 0)), "offset"),
        (lambda: mx.nd.slice_like(x4, x3), "dimensions"),
        (lambda: mx.nd.diag(x3, axis1=1, axis2=-2), "same axis"),
        (lambda: mx.nd.cumsum(x3, axis=-4), "out of range"),
        (lambda: mx.nd.cumsum(x3, dtype="float16", out=x4), "out"),
        (lambda: mx.nd.khatri_rao(x3), "matrix"),
        (lambda: mx.nd.depth_to_space(x4, 2), "multiple"),
        (lambda: mx.nd.split_v2(x3, (2, 1)), "sorted"),
        (lambda: mx.nd.SequenceLast(x3, bad_len, use_sequence_length=True), "must be in"),
        (lambda: mx.nd.SequenceReverse(x3, bad_len, use_sequence_length=True), "must be in"),
    ]
    mx.nd.waitall()
    state = ctx.state
    for call, match in calls:
        state.trace = []
        try:
            with pytest.raises(MXNetError, match=match):
                call()
            assert state.trace == [], f"enqueued before refusing ({match}): {state.trace}"
        finally:
            state.trace = None
