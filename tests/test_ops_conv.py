"""Convolution, Deconvolution, im2col, col2im: forward vs a direct NumPy reference, MXNet 1.9.1's
shape rules and errors (values checked against mxnet 1.9.1), first and second order gradients."""
import itertools

import numpy as np
import pytest

import mxgrad as mx
from mxgrad.base import MXNetError
from mxgrad.ndarray.conv import Convolution, Deconvolution, im2col, col2im

from gradcheck import check_gradients
from launches import traced


def _tuple(v, rank, default):
    return tuple(v) if v else (default,) * rank


def ref_conv(x, w, b, kernel, stride=(), pad=(), dilate=(), num_group=1):
    """Direct convolution: every output element as an explicit sum (float64)."""
    rank = len(kernel)
    stride, pad, dilate = _tuple(stride, rank, 1), _tuple(pad, rank, 0), _tuple(dilate, rank, 1)
    x = x.astype(np.float64)
    N, C = x.shape[:2]
    F = w.shape[0]
    Cg, Fg = C // num_group, F // num_group
    xp = np.pad(x, [(0, 0), (0, 0)] + [(p, p) for p in pad])
    out_sp = [(x.shape[2 + i] + 2 * pad[i] - dilate[i] * (kernel[i] - 1) - 1) // stride[i] + 1
              for i in range(rank)]
    y = np.zeros((N, F) + tuple(out_sp))
    for f in range(F):
        grp = f // Fg
        for o in itertools.product(*[range(s) for s in out_sp]):
            for kk in itertools.product(*[range(k) for k in kernel]):
                idx = tuple(o[i] * stride[i] + kk[i] * dilate[i] for i in range(rank))
                patch = xp[(slice(None), slice(grp * Cg, (grp + 1) * Cg)) + idx]
                y[(slice(None), f) + o] += patch @ w[(f, slice(None)) + kk]
        if b is not None:
            y[:, f] += b[f]
    return y


def ref_deconv(x, w, b, kernel, stride=(), pad=(), adj=(), dilate=(), num_group=1):
    """Transposed convolution by scattering every input element through the kernel."""
    rank = len(kernel)
    stride, pad, adj = _tuple(stride, rank, 1), _tuple(pad, rank, 0), _tuple(adj, rank, 0)
    dilate = _tuple(dilate, rank, 1)
    N, C = x.shape[:2]
    Fg = w.shape[1]
    Cg = C // num_group
    full = [stride[i] * (x.shape[2 + i] - 1) + dilate[i] * (kernel[i] - 1) + 1 + adj[i]
            for i in range(rank)]
    y = np.zeros((N, Fg * num_group) + tuple(full))
    for c in range(C):
        grp = c // Cg
        for i in itertools.product(*[range(s) for s in x.shape[2:]]):
            for kk in itertools.product(*[range(k) for k in kernel]):
                o = tuple(i[d] * stride[d] + kk[d] * dilate[d] for d in range(rank))
                y[(slice(None), slice(grp * Fg, (grp + 1) * Fg)) + o] += \
                    x[(slice(None), c) + i][:, None] * w[(c, slice(None)) + kk][None, :]
    crop = tuple(slice(pad[i], full[i] - pad[i]) for i in range(rank))
    y = y[(slice(None), slice(None)) + crop]
    if b is not None:
        y += b.reshape((1, -1) + (1,) * rank)
    return y


CONV_CASES = [
    dict(x=(2, 3, 6, 6), w=(4, 3, 3, 3), kernel=(3, 3)),
    dict(x=(2, 4, 7, 7), w=(6, 2, 3, 3), kernel=(3, 3), stride=(2, 2), pad=(1, 1),
         dilate=(2, 2), num_group=2),
    dict(x=(2, 3, 6, 5), w=(4, 3, 3, 2), kernel=(3, 2), stride=(1, 2), pad=(0, 1)),
    dict(x=(3, 2, 9), w=(5, 2, 3), kernel=(3,), stride=(2,), pad=(1,)),
    dict(x=(2, 3, 5, 5), w=(4, 3, 1, 1), kernel=(1, 1)),
    dict(x=(2, 4, 5, 5), w=(4, 1, 3, 3), kernel=(3, 3), pad=(1, 1), num_group=4),
    dict(x=(1, 2, 4, 4, 4), w=(3, 2, 2, 2, 2), kernel=(2, 2, 2), stride=(2, 1, 1)),
]


def _conv_kwargs(case):
    return {k: v for k, v in case.items() if k not in ("x", "w")}


@pytest.mark.parametrize("case", CONV_CASES, ids=lambda c: f"{c['x']}-{c['kernel']}")
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_convolution_matches_direct_reference(ctx, case, dtype):
    if dtype == "float64" and not ctx.state.has_fp64:
        pytest.skip("no float64")
    rng = np.random.RandomState(0)
    x, w = rng.randn(*case["x"]), rng.randn(*case["w"])
    b = rng.randn(case["w"][0])
    kw = _conv_kwargs(case)
    y = Convolution(mx.nd.array(x, ctx=ctx, dtype=dtype), mx.nd.array(w, ctx=ctx, dtype=dtype),
                    mx.nd.array(b, ctx=ctx, dtype=dtype), num_filter=case["w"][0], **kw)
    expected = ref_conv(x, w, b, **kw)
    assert y.shape == expected.shape and y.dtype == np.dtype(dtype)
    tol = 1e-4 if dtype == "float32" else 1e-10
    np.testing.assert_allclose(y.asnumpy(), expected, rtol=tol, atol=tol)


def test_convolution_no_bias_and_float16(ctx):
    rng = np.random.RandomState(1)
    x, w = rng.randn(2, 3, 5, 5), rng.randn(2, 3, 3, 3)
    y = Convolution(mx.nd.array(x, ctx=ctx), mx.nd.array(w, ctx=ctx), kernel=(3, 3),
                    num_filter=2, no_bias=True)
    np.testing.assert_allclose(y.asnumpy(), ref_conv(x, w, None, (3, 3)), rtol=1e-4, atol=1e-4)
    h = Convolution(mx.nd.array(x, ctx=ctx, dtype="float16"),
                    mx.nd.array(w, ctx=ctx, dtype="float16"), kernel=(3, 3), num_filter=2,
                    no_bias=True)
    assert h.dtype == np.float16
    np.testing.assert_allclose(h.asnumpy(), ref_conv(x, w, None, (3, 3)), rtol=2e-2, atol=5e-2)


@pytest.mark.parametrize("data, weight, kwargs, shape", [
    # (shapes as mxnet 1.9.1 gives them)
    ((2, 4, 7, 7), (6, 2, 3, 3), dict(kernel=(3, 3), num_filter=6, num_group=2, stride=(2, 2),
                                       pad=(1, 1), dilate=(2, 2)), (2, 6, 3, 3)),
    ((2, 4, 7, 7), (6, 2, 3, 3), dict(kernel=(3, 3), num_filter=6, num_group=2), (2, 6, 5, 5)),
    ((2, 4, 9), (5, 4, 3), dict(kernel=(3,), num_filter=5, stride=(2,)), (2, 5, 4)),
    ((2, 4, 9), (5, 4, 3), dict(kernel=3, num_filter=5), (2, 5, 7)),
    ((2, 4, 7, 7), (6, 4, 3, 3), dict(kernel=(3, 3), num_filter=6, pad=(5, 5)), (2, 6, 15, 15)),
    ((2, 4, 7, 7), (6, 4, 3, 3), dict(kernel=(3, 3), num_filter=6, pad=(-1, 0)), (2, 6, 3, 5)),
    ((2, 4, 2, 2), (6, 4, 3, 3), dict(kernel=(3, 3), num_filter=6, pad=(1, 1)), (2, 6, 2, 2)),
    ((2, 4, 3, 3, 3), (6, 4, 3, 3, 3), dict(kernel=(3, 3, 3), num_filter=6), (2, 6, 1, 1, 1)),
    ((0, 4, 7, 7), (6, 4, 3, 3), dict(kernel=(3, 3), num_filter=6), (0, 6, 5, 5)),
])
def test_convolution_output_shapes(ctx, data, weight, kwargs, shape):
    y = Convolution(mx.nd.ones(data, ctx=ctx), mx.nd.ones(weight, ctx=ctx),
                    mx.nd.zeros((weight[0],), ctx=ctx), **kwargs)
    assert y.shape == shape


@pytest.mark.parametrize("kwargs, weight, message", [
    (dict(kernel=(3, 3), num_filter=6), (6, 4, 9, 9), "weight shape inconsistent"),
    (dict(kernel=(9, 9), num_filter=6), (6, 4, 9, 9), "kernel size exceeds input"),
    (dict(kernel=(3, 3), num_filter=6), (5, 4, 3, 3), "weight shape inconsistent"),
    (dict(kernel=(3, 3)), (6, 4, 3, 3), "num_filter"),
    (dict(num_filter=6), (6, 4, 3, 3), "kernel"),
    (dict(kernel=(3, 3), num_filter=0), (6, 4, 3, 3), "num_filter"),
    (dict(kernel=(3, 3), num_filter=6, num_group=4), (6, 1, 3, 3), "num_group"),
    (dict(kernel=(3, 3), num_filter=6, stride=(0, 1)), (6, 4, 3, 3), "stride"),
    (dict(kernel=(3, 3), num_filter=6, stride=(2,)), (6, 4, 3, 3), "stride"),
    (dict(kernel=(3, 3), num_filter=6, pad=(1,)), (6, 4, 3, 3), "pad"),
    (dict(kernel=(3, 3), num_filter=6, dilate=(0, 1)), (6, 4, 3, 3), "dilate"),
    (dict(kernel=(0, 3), num_filter=6), (6, 4, 0, 3), "kernel"),
    (dict(kernel=(3, 3), num_filter=6, layout="NHWC"), (6, 4, 3, 3), "layout"),
    (dict(kernel=(3,), num_filter=6), (6, 4, 3), "data must be 3-D"),
])
def test_convolution_errors(ctx, kwargs, weight, message):
    x = mx.nd.ones((2, 4, 7, 7), ctx=ctx)
    with pytest.raises(MXNetError, match=message) as err:
        Convolution(x, mx.nd.ones(weight, ctx=ctx), mx.nd.zeros((6,), ctx=ctx), **kwargs)
    assert "Convolution" in str(err.value)


def test_convolution_bias_and_dtype_errors(ctx):
    x, w = mx.nd.ones((2, 4, 7, 7), ctx=ctx), mx.nd.ones((6, 4, 3, 3), ctx=ctx)
    with pytest.raises(MXNetError, match="bias is required"):
        Convolution(x, w, kernel=(3, 3), num_filter=6)
    with pytest.raises(MXNetError, match="no_bias=True but a bias"):
        Convolution(x, w, mx.nd.zeros((6,), ctx=ctx), kernel=(3, 3), num_filter=6,
                    no_bias=True)
    with pytest.raises(MXNetError, match="bias shape inconsistent"):
        Convolution(x, w, mx.nd.zeros((5,), ctx=ctx), kernel=(3, 3), num_filter=6)
    with pytest.raises(MXNetError, match="dtype"):
        Convolution(x, w.astype("float16"), mx.nd.zeros((6,), ctx=ctx), kernel=(3, 3),
                    num_filter=6)
    with pytest.raises(MXNetError, match="float16/32/64"):
        Convolution(x.astype("int32"), w.astype("int32"), mx.nd.zeros((6,), ctx=ctx,
                    dtype="int32"), kernel=(3, 3), num_filter=6)


DECONV_CASES = [
    dict(x=(2, 4, 5, 5), w=(4, 3, 3, 3), kernel=(3, 3)),
    dict(x=(2, 4, 5, 5), w=(4, 3, 3, 3), kernel=(3, 3), stride=(2, 2), pad=(1, 1), adj=(1, 1)),
    dict(x=(2, 4, 3, 4), w=(4, 1, 3, 2), kernel=(3, 2), stride=(2, 3), num_group=2),
    dict(x=(2, 4, 5), w=(4, 3, 3), kernel=(3,), stride=(3,)),
    # mxnet 1.9.1's own dilated Deconvolution forward is not the adjoint of its backward (and
    # its oneDNN path refuses dilation); this is the true transposed convolution, whose
    # gradients match mxnet's
    dict(x=(2, 2, 4, 4), w=(2, 3, 3, 3), kernel=(3, 3), stride=(2, 2), dilate=(2, 2),
         pad=(1, 1)),
]


@pytest.mark.parametrize("case", DECONV_CASES, ids=lambda c: f"{c['x']}-{c['kernel']}")
def test_deconvolution_matches_scatter_reference(ctx, case):
    rng = np.random.RandomState(2)
    x, w = rng.randn(*case["x"]), rng.randn(*case["w"])
    groups = case.get("num_group", 1)
    F = case["w"][1] * groups
    b = rng.randn(F)
    kw = _conv_kwargs(case)
    y = Deconvolution(mx.nd.array(x, ctx=ctx), mx.nd.array(w, ctx=ctx),
                      mx.nd.array(b, ctx=ctx), num_filter=F, no_bias=False, **kw)
    expected = ref_deconv(x, w, b, **kw)
    assert y.shape == expected.shape
    np.testing.assert_allclose(y.asnumpy(), expected, rtol=1e-4, atol=1e-4)
    # no_bias defaults to True for Deconvolution
    y0 = Deconvolution(mx.nd.array(x, ctx=ctx), mx.nd.array(w, ctx=ctx), num_filter=F, **kw)
    np.testing.assert_allclose(y0.asnumpy(), ref_deconv(x, w, None, **kw), rtol=1e-4,
                               atol=1e-4)


@pytest.mark.parametrize("kwargs, shape", [
    # (shapes as mxnet 1.9.1 gives them for (2, 4, 5, 5) data, (4, 3, 3, 3) weight)
    (dict(), (2, 3, 7, 7)),
    (dict(stride=(2, 2), pad=(1, 1), adj=(1, 1)), (2, 3, 10, 10)),
    (dict(stride=(2, 2), target_shape=(10, 10)), (2, 3, 10, 10)),
    (dict(stride=(2, 2), target_shape=(11, 11)), (2, 3, 11, 11)),
    (dict(stride=(2, 2), target_shape=(8, 8)), (2, 3, 8, 8)),
    (dict(stride=(2, 2), pad=(1, 1), target_shape=(10, 10)), (2, 3, 10, 10)),
    (dict(stride=(2, 2), dilate=(2, 2)), (2, 3, 13, 13)),
])
def test_deconvolution_output_shapes(ctx, kwargs, shape):
    y = Deconvolution(mx.nd.ones((2, 4, 5, 5), ctx=ctx), mx.nd.ones((4, 3, 3, 3), ctx=ctx),
                      kernel=(3, 3), num_filter=3, **kwargs)
    assert y.shape == shape


def test_deconvolution_target_shape_crops_like_pad(ctx):
    # mxnet 1.9.1: target 6 of a full 7 = pad 1 and adj 1 (the crop starts at offset 1)
    rng = np.random.RandomState(3)
    x, w = rng.randn(1, 2, 3, 3), rng.randn(2, 1, 3, 3)
    y = Deconvolution(mx.nd.array(x, ctx=ctx), mx.nd.array(w, ctx=ctx), kernel=(3, 3),
                      num_filter=1, stride=(2, 2), target_shape=(6, 6))
    full = ref_deconv(x, w, None, (3, 3), stride=(2, 2))
    np.testing.assert_allclose(y.asnumpy(), full[:, :, 1:7, 1:7], rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("kwargs, message", [
    (dict(stride=(2, 2), target_shape=(12, 12)), "too big"),
    (dict(stride=(2, 2), pad=(1, 1), adj=(2, 2)), "adj must be smaller than stride"),
    (dict(target_shape=(6, 6)), "adj must be smaller than stride"),
    (dict(pad=(4, 4)), "output size"),
])
def test_deconvolution_errors(ctx, kwargs, message):
    with pytest.raises(MXNetError, match=message):
        Deconvolution(mx.nd.ones((2, 4, 5, 5), ctx=ctx), mx.nd.ones((4, 3, 3, 3), ctx=ctx),
                      kernel=(3, 3), num_filter=3, **kwargs)
    with pytest.raises(MXNetError, match="weight shape inconsistent"):
        Deconvolution(mx.nd.ones((2, 4, 5, 5), ctx=ctx), mx.nd.ones((4, 4, 3, 3), ctx=ctx),
                      kernel=(3, 3), num_filter=3)


def test_im2col_col2im_shapes_and_adjointness(ctx):
    rng = np.random.RandomState(4)
    x = rng.randn(2, 3, 5, 6)
    kw = dict(kernel=(2, 3), stride=(2, 1), pad=(1, 1), dilate=(1, 2))
    cols = im2col(mx.nd.array(x, ctx=ctx, dtype="float64"), **kw)
    assert cols.shape == (2, 3 * 6, 3 * 4)
    # im2col of a 1-D signal (mxnet 1.9.1: (2, 3, 5) with kernel 2 -> (2, 6, 4))
    assert im2col(mx.nd.ones((2, 3, 5), ctx=ctx), kernel=(2,)).shape == (2, 6, 4)
    c = rng.randn(*cols.shape)
    img = col2im(mx.nd.array(c, ctx=ctx, dtype="float64"), output_size=(5, 6), **kw)
    assert img.shape == x.shape
    # <im2col(x), c> == <x, col2im(c)>: they are adjoint linear maps
    np.testing.assert_allclose((cols.asnumpy() * c).sum(), (x * img.asnumpy()).sum(),
                               rtol=1e-10)
    # a convolution is im2col followed by a product with the flattened weight
    w = rng.randn(4, 3, 2, 3)
    y = ref_conv(x, w, None, **kw).reshape(2, 4, -1)
    np.testing.assert_allclose(np.einsum("fk,nkl->nfl", w.reshape(4, -1), cols.asnumpy()), y,
                               rtol=1e-10)
    with pytest.raises(MXNetError, match="col2im"):
        col2im(mx.nd.ones((2, 5, 16), ctx=ctx), output_size=(5, 6), **kw)


@pytest.mark.parametrize("shape,kw", [
    ((2, 3, 5, 6), dict(kernel=(3, 3), pad=(1, 1))),
    ((2, 3, 7, 9), dict(kernel=(3, 2), pad=(2, 0), dilate=(2, 1))),
    ((1, 2, 17, 20), dict(kernel=(5, 5), pad=(2, 3))),
    ((2, 3, 11), dict(kernel=(4,), pad=(3,), dilate=(2,))),
    ((1, 2, 4, 5, 6), dict(kernel=(2, 3, 2), pad=(1, 0, 1))),
], ids=["3x3", "dilated", "wide-pad", "1d", "3d"])
def test_col2im_stride_one_is_im2col_adjoint(ctx, fp64, shape, kw):
    # col2im has its own code for stride 1 (contiguous reads along a row)
    rng = np.random.RandomState(8)
    x = rng.randn(*shape)
    cols = im2col(mx.nd.array(x, ctx=ctx, dtype="float64"), **kw)
    c = rng.randn(*cols.shape)
    img = col2im(mx.nd.array(c, ctx=ctx, dtype="float64"), output_size=shape[2:], **kw)
    # the adjoint, element by element: image element j sums the column entries im2col
    # copied from it (im2col of a one-hot image picks them out)
    flat = np.zeros(x.size)
    for j in range(x.size):
        flat[:] = 0
        flat[j] = 1
        picked = im2col(mx.nd.array(flat.reshape(shape), ctx=ctx, dtype="float64"), **kw)
        assert img.asnumpy().reshape(-1)[j] == pytest.approx((picked.asnumpy() * c).sum(),
                                                            rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("case", [
    dict(x=(2, 2, 5, 5), w=(3, 2, 3, 3), kernel=(3, 3)),
    dict(x=(2, 2, 5, 5), w=(2, 1, 3, 3), kernel=(3, 3), stride=(2, 2), pad=(1, 1),
         dilate=(1, 2), num_group=2),
    dict(x=(2, 2, 6), w=(3, 2, 3), kernel=(3,), stride=(2,), pad=(1,)),
], ids=["plain", "strided-grouped", "1d"])
def test_convolution_gradients_first_and_second_order(ctx, fp64, case):
    rng = np.random.RandomState(5)
    kw = _conv_kwargs(case)
    F = case["w"][0]

    def fn(x, w, b):
        return Convolution(x, w, b, num_filter=F, **kw)

    check_gradients(fn, [rng.randn(*case["x"]), rng.randn(*case["w"]), rng.randn(F)], ctx,
                    order=2)


@pytest.mark.parametrize("kwargs", [dict(), dict(stride=(2, 2), pad=(1, 1), adj=(1, 1)),
                                    dict(stride=(2, 1), num_group=2),
                                    dict(dilate=(2, 1), stride=(1, 2), target_shape=(5, 6))],
                         ids=["plain", "strided", "grouped", "dilated-target"])
def test_deconvolution_gradients_first_and_second_order(ctx, fp64, kwargs):
    rng = np.random.RandomState(6)
    groups = kwargs.get("num_group", 1)

    def fn(x, w, b):
        return Deconvolution(x, w, b, kernel=(2, 2), num_filter=2, no_bias=False, **kwargs)

    check_gradients(fn, [rng.randn(2, 2, 3, 3), rng.randn(2, 2 // groups, 2, 2),
                         rng.randn(2)], ctx, order=2)


def test_im2col_col2im_gradients(ctx, fp64):
    rng = np.random.RandomState(7)
    kw = dict(kernel=(2, 2), stride=(1, 2), pad=(1, 0))
    check_gradients(lambda x: im2col(x, **kw) ** 2, [rng.randn(1, 2, 4, 4)], ctx, order=2)
    check_gradients(lambda c: col2im(c, output_size=(4, 4), **kw) ** 2,
                    [rng.randn(1, 8, 10)], ctx, order=2)


def test_float32_gradients_match_float64(ctx, fp64):
    rng = np.random.RandomState(8)
    x, w, b = rng.randn(2, 3, 6, 6), rng.randn(4, 3, 3, 3), rng.randn(4)
    head = rng.randn(2, 4, 3, 3)
    grads = {}
    for dtype in ("float32", "float64"):
        arrs = [mx.nd.array(a, ctx=ctx, dtype=dtype) for a in (x, w, b)]
        for a in arrs:
            a.attach_grad()
        with mx.autograd.record():
            y = Convolution(*arrs, kernel=(3, 3), num_filter=4, stride=(2, 2), pad=(1, 1))
        y.backward(mx.nd.array(head, ctx=ctx, dtype=dtype))
        grads[dtype] = [a.grad.asnumpy() for a in arrs]
    for g32, g64 in zip(grads["float32"], grads["float64"]):
        np.testing.assert_allclose(g32, g64, rtol=1e-4, atol=1e-4)


def test_float16_gradients_and_out_argument(ctx):
    rng = np.random.RandomState(9)
    x, w, b = rng.randn(2, 3, 6, 6), rng.randn(4, 3, 3, 3), rng.randn(4)
    grads = {}
    for dtype in ("float16", "float32"):
        arrs = [mx.nd.array(a, ctx=ctx, dtype=dtype) for a in (x, w, b)]
        for a in arrs:
            a.attach_grad()
        with mx.autograd.record():
            y = Convolution(*arrs, kernel=(3, 3), num_filter=4, pad=(1, 1))
            z = Deconvolution(y, arrs[1], kernel=(3, 3), num_filter=3)
        z.backward()
        assert z.dtype == arrs[0].grad.dtype == np.dtype(dtype)
        grads[dtype] = [a.grad.asnumpy().astype(np.float64) for a in arrs]
    for g16, g32 in zip(grads["float16"], grads["float32"]):
        np.testing.assert_allclose(g16, g32, rtol=0, atol=5e-3 * np.abs(g32).max())
    out = mx.nd.zeros((2, 4, 6, 6), ctx=ctx)
    res = Convolution(mx.nd.array(x, ctx=ctx), mx.nd.array(w, ctx=ctx), mx.nd.array(b, ctx=ctx),
                      kernel=(3, 3), num_filter=4, pad=(1, 1), out=out)
    assert res is out
    np.testing.assert_allclose(out.asnumpy(), ref_conv(x, w, b, (3, 3), pad=(1, 1)), rtol=1e-4,
                               atol=1e-4)


# --- the implicit-GEMM path on the host BLAS (ndarray/_conv_native.py) ------------------------
NATIVE_CASES = [
    # big enough (>1M multiply-adds) to run as one native kernel per compute unit
    dict(x=(4, 16, 8, 8), w=(32, 16, 3, 3), kernel=(3, 3), pad=(1, 1)),
    dict(x=(3, 3, 7, 5), w=(4, 3, 3, 2), kernel=(3, 2), stride=(2, 1), pad=(2, 0),
         dilate=(1, 2)),
    dict(x=(2, 5, 6, 7), w=(3, 5, 2, 3), kernel=(2, 3), stride=(3, 2), pad=(1, 2)),
    dict(x=(2, 3, 4, 4), w=(5, 3, 1, 1), kernel=(1, 1)),
    dict(x=(2, 3, 5, 5), w=(5, 3, 1, 1), kernel=(1, 1), stride=(2, 2), pad=(1, 1)),
    dict(x=(3, 2, 11), w=(4, 2, 3), kernel=(3,), stride=(2,), pad=(1,), dilate=(2,)),
    dict(x=(1, 2, 3, 4, 5), w=(3, 2, 2, 3, 2), kernel=(2, 3, 2), stride=(1, 2, 1),
         pad=(1, 0, 1), dilate=(2, 1, 1)),
    dict(x=(2, 2, 3, 3), w=(3, 2, 3, 3), kernel=(3, 3), pad=(4, 4)),   # padding-only windows
    # stride 1 with as many output columns as input ones: rows copied as shifted planes
    dict(x=(2, 3, 5, 6), w=(4, 3, 2, 3), kernel=(2, 3), pad=(0, 2), dilate=(1, 2)),
    dict(x=(1, 2, 3, 4, 5), w=(3, 2, 2, 3, 3), kernel=(2, 3, 3), pad=(1, 1, 1)),
    dict(x=(2, 2, 3, 4), w=(2, 2, 5, 5), kernel=(5, 5), pad=(1, 2)),
]


def _skip_without_native(ctx, dtype="float32"):
    """The implicit-GEMM path exists only on devices running the host BLAS in their queue;
    elsewhere the tests above cover the im2col path (and Oclgrind has no time to spare)."""
    from mxgrad import _gemm
    probe = mx.nd.zeros((1,), ctx=ctx, dtype=dtype)
    if not _gemm.conv_native_ready(ctx, probe._dtype_code, probe._buffer):
        pytest.skip(f"{ctx} runs no host BLAS")


def _layer_products(ctx, layer, shapes, dtype, native, seed):
    """Output and the gradients of sum(layer(*arrays) * head) for arrays of ``shapes``, the
    implicit-GEMM path on or off (the im2col/col2im path then runs on the same device)."""
    from mxgrad.ndarray import _conv_native
    rng = np.random.RandomState(seed)
    arrs = [mx.nd.array(rng.randn(*s), ctx=ctx, dtype=dtype) for s in shapes]
    for a in arrs:
        a.attach_grad()
    saved, _conv_native.enabled = _conv_native.enabled, native
    try:
        with mx.autograd.record():
            y = layer(*arrs)
        y.backward(mx.nd.array(rng.randn(*y.shape), ctx=ctx, dtype=dtype))
        return [y.asnumpy()] + [a.grad.asnumpy() for a in arrs]
    finally:
        _conv_native.enabled = saved


def _native_matches_kernels(ctx, products, case, dtype, tol32):
    """products(ctx, case, dtype, native) with the native path and without (skipped where
    there is none) agree; the native ones and the tolerance."""
    if dtype == "float64" and not ctx.state.has_fp64:
        pytest.skip("no float64")
    _skip_without_native(ctx, dtype)
    fast = products(ctx, case, dtype, True)
    slow = products(ctx, case, dtype, False)
    tol = tol32 if dtype == "float32" else 1e-10
    for a, b in zip(fast, slow):
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol * max(1.0, np.abs(b).max()))
    return fast, tol


def _conv_products(ctx, case, dtype, native):
    F = case["w"][0]
    return _layer_products(ctx, lambda *a: Convolution(*a, num_filter=F, **_conv_kwargs(case)),
                           (case["x"], case["w"], (F,)), dtype, native, 11)


@pytest.mark.parametrize("case", NATIVE_CASES, ids=lambda c: f"{c['x']}-{c['kernel']}")
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_native_convolution_matches_im2col_path_and_reference(ctx, case, dtype):
    fast, tol = _native_matches_kernels(ctx, _conv_products, case, dtype, 1e-4)
    rng = np.random.RandomState(11)
    x, w, b = rng.randn(*case["x"]), rng.randn(*case["w"]), rng.randn(case["w"][0])
    np.testing.assert_allclose(fast[0], ref_conv(x, w, b, **_conv_kwargs(case)), rtol=tol,
                               atol=tol)


def test_native_convolution_runs_where_the_host_blas_does(ctx):
    """On a device with the host BLAS in its queue, float32/64 convolutions of one group run
    as native kernels (no im2col); grouped and float16 ones take the im2col path."""
    from mxgrad import _gemm
    x, w = mx.nd.ones((2, 4, 5, 5), ctx=ctx), mx.nd.ones((4, 4, 3, 3), ctx=ctx)
    native = _gemm.conv_native_ready(ctx, 0, x._buffer, w._buffer)

    def commands(dtype, channels_per_group, **kw):
        data = mx.nd.ones((2, 4, 5, 5), ctx=ctx, dtype=dtype)
        weight = mx.nd.ones((4, channels_per_group, 3, 3), ctx=ctx, dtype=dtype)
        data.attach_grad()
        weight.attach_grad()
        ctx.state.trace = []
        try:
            with mx.autograd.record():
                y = Convolution(data, weight, kernel=(3, 3), num_filter=4, no_bias=True, **kw)
            y.backward()
            mx.nd.waitall()
            return set(ctx.state.trace)
        finally:
            ctx.state.trace = None

    plain = commands("float32", 4)
    assert ("conv_native" in plain) == native and ("im2col" in plain) != native
    assert "conv_native" not in commands("float32", 2, num_group=2)
    half = commands("float16", 4)
    assert "conv_native" not in half and "im2col" in half


@pytest.mark.parametrize("case", [NATIVE_CASES[1], NATIVE_CASES[4], NATIVE_CASES[6]],
                         ids=["strided-dilated", "pointwise-padded", "3d"])
def test_native_convolution_gradients_first_and_second_order(ctx, fp64, case):
    _skip_without_native(ctx, "float64")
    rng = np.random.RandomState(12)
    kw = _conv_kwargs(case)
    F = case["w"][0]
    x = rng.randn(*case["x"])[:1, :2]
    w = rng.randn(*case["w"])[:2, :2]

    def fn(x, w, b):
        return Convolution(x, w, b, num_filter=2, **kw)

    check_gradients(fn, [x, w, rng.randn(2)], ctx, order=2)


@pytest.mark.parametrize("groups", [1, 2])
def test_empty_batch_gradients_are_zeros(ctx, groups):
    """An empty batch adds nothing to the weight gradient: zeros, not whatever memory the
    result buffer held before (the GEMM of an empty batch writes nothing)."""
    for _ in range(3):                      # leave non-zero buffers of the result's size
        junk = mx.nd.ones((4, 4 // groups, 3, 3), ctx=ctx) * 7
        junk.wait_to_read()
        del junk
    x = mx.nd.zeros((0, 4, 5, 5), ctx=ctx)
    w = mx.nd.ones((4, 4 // groups, 3, 3), ctx=ctx)
    b = mx.nd.ones((4,), ctx=ctx)
    for a in (x, w, b):
        a.attach_grad()
    with mx.autograd.record():
        y = Convolution(x, w, b, kernel=(3, 3), num_filter=4, num_group=groups)
    assert y.shape == (0, 4, 3, 3)
    y.backward()
    assert not w.grad.asnumpy().any() and not b.grad.asnumpy().any()


DECONV_NATIVE_CASES = [
    dict(x=(2, 3, 4, 5), w=(3, 2, 2, 2), kw=dict(kernel=(2, 2))),
    dict(x=(2, 4, 5, 5), w=(4, 3, 4, 4), kw=dict(kernel=(4, 4), stride=(2, 2), pad=(1, 1))),
    dict(x=(2, 3, 5, 4), w=(3, 2, 3, 3), kw=dict(kernel=(3, 3), stride=(2, 2), adj=(1, 1))),
    dict(x=(1, 2, 4, 4), w=(2, 3, 3, 3), kw=dict(kernel=(3, 3), stride=(2, 2),
                                                 target_shape=(8, 7))),
    # 3x3, stride 1, padding 1, enough channels and tiles: Winograd (data-gradient product)
    dict(x=(4, 16, 16, 16), w=(16, 8, 3, 3), kw=dict(kernel=(3, 3), pad=(1, 1))),
    dict(x=(2, 3, 6, 6), w=(3, 2, 1, 1), kw=dict(kernel=(1, 1))),        # pointwise
]


def _deconv_products(ctx, case, dtype, native):
    F = case["w"][1]
    return _layer_products(
        ctx, lambda *a: Deconvolution(*a, num_filter=F, no_bias=False, **case["kw"]),
        (case["x"], case["w"], (F,)), dtype, native, 13)


@pytest.mark.parametrize("case", DECONV_NATIVE_CASES, ids=lambda c: f"{c['x']}-{c['kw']}")
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_native_deconvolution_matches_the_im2col_path(ctx, case, dtype):
    """Deconvolution on the host BLAS is its convolution's data-gradient product plus the
    bias, and its gradients that convolution and its weight gradient: the same numbers as
    the im2col/col2im kernels, bias and all three gradients included."""
    _native_matches_kernels(ctx, _deconv_products, case, dtype, 2e-5)


def test_native_deconvolution_runs_as_native_kernels(ctx):
    _skip_without_native(ctx)

    def kernels(x_shape, w_shape, **kw):
        x, w = mx.nd.ones(x_shape, ctx=ctx), mx.nd.ones(w_shape, ctx=ctx)
        return set(traced(ctx, lambda: Deconvolution(x, w, kernel=(3, 3),
                                                     num_filter=w_shape[1], **kw))[1])

    trace = kernels((2, 4, 5, 5), (4, 3, 3, 3), stride=(2, 2))
    assert "conv_native" in trace and "col2im" not in trace
    # 3x3, stride 1, padding 1, 16 -> 8 channels, 256 tiles: Winograd's products
    trace = kernels((4, 16, 16, 16), (16, 8, 3, 3), pad=(1, 1))
    assert trace == {"conv_winograd"}, trace
