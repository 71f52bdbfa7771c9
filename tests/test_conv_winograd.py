"""3x3 "same" convolutions by Winograd's F(2x2, 3x3) on the host BLAS
(mxgrad/_gemm_winograd.pxi): forward pass, data and weight gradients against direct float64
sums and the im2col path, odd image sizes, partial blocks, first and second order gradients,
and which convolutions take it."""
import os
import subprocess
import sys

import numpy as np
import pytest

import mxgrad as mx
from mxgrad.ndarray import _conv_native
from mxgrad.ndarray.conv import Convolution

from gradcheck import check_gradients
from launches import traced

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "data"))
import make_conv_winograd  # noqa: E402
from test_ops_conv import _skip_without_native, ref_conv

SAME = dict(kernel=(3, 3), pad=(1, 1))


@pytest.fixture
def winograd_calls(monkeypatch):
    """Lowered thresholds (small test shapes take Winograd) and the units chosen, as
    (images per block, tile rows per band)."""
    monkeypatch.setattr(_conv_native, "WINOGRAD_MIN_CHANNELS", 1)
    monkeypatch.setattr(_conv_native, "WINOGRAD_MIN_TILES", 1)
    monkeypatch.setattr(_conv_native, "WINOGRAD_GRAD_MIN_CHANNELS", 1)
    chosen = []
    pick = _conv_native._winograd_units

    def spy(*args):
        chosen.append(pick(*args))
        return chosen[-1]

    monkeypatch.setattr(_conv_native, "_winograd_units", spy)
    return chosen


def _products(ctx, shape_x, F, dtype, seed=3, bias=True):
    """The inputs, the head, the output and the three gradients of sum(conv(x, w, b) *
    head), and the kernels the convolution and its backward pass enqueued."""
    rng = np.random.RandomState(seed)
    C = shape_x[1]
    arrs = [mx.nd.array(rng.randn(*s), ctx=ctx, dtype=dtype)
            for s in (shape_x, (F, C, 3, 3), (F,))]
    if not bias:
        arrs = arrs[:2]
    for a in arrs:
        a.attach_grad()
    head = rng.randn(*((shape_x[0], F) + shape_x[2:]))
    head_nd = mx.nd.array(head, ctx=ctx, dtype=dtype)

    def forward_and_backward():
        with mx.autograd.record():
            y = Convolution(*arrs, num_filter=F, no_bias=not bias, **SAME)
        y.backward(head_nd)
        return y

    y, trace = traced(ctx, forward_and_backward)
    return ([a.asnumpy() for a in arrs], head,
            [y.asnumpy()] + [a.grad.asnumpy() for a in arrs], trace)


def _reference(xs, head):
    """Output, data gradient and weight gradient by direct float64 sums: the data gradient of
    a "same" 3x3 convolution is the same convolution of the head with the kernels turned 180
    degrees and the channels swapped; the weight gradient sums head * input window."""
    x, w, b = (xs + [None])[:3]
    y = ref_conv(x, w, b, (3, 3), pad=(1, 1))
    turned = np.ascontiguousarray(w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3))
    dx = ref_conv(head, turned, None, (3, 3), pad=(1, 1))
    H, W = x.shape[2:]
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    dw = np.zeros(w.shape)
    for a in range(3):
        for e in range(3):
            dw[:, :, a, e] = np.einsum("nfij,ncij->fc", head, xp[:, :, a:a + H, e:e + W])
    return y, dx, dw


CASES = [((2, 3, 5, 7), 4),       # odd height and width: partial tiles on both
         ((3, 16, 16, 16), 8),    # one image per block
         ((1, 2, 1, 1), 3),       # one output, all neighbours padding
         ((5, 4, 2, 3), 6),       # many images per block, the last block partial
         ((4, 17, 9, 6), 19),
         ((33, 8, 8, 8), 8)]      # 4 images per block: 8 blocks and one image


@pytest.mark.parametrize("shape,F", CASES, ids=lambda c: str(c))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_winograd_matches_direct_sums_and_the_im2col_path(ctx, winograd_calls, shape, F, dtype):
    if dtype == "float64" and not ctx.state.has_fp64:
        pytest.skip("no float64")
    _skip_without_native(ctx, dtype)
    xs, head, fast, trace = _products(ctx, shape, F, dtype)
    assert len(winograd_calls) == 3 and all(block for block, _ in winograd_calls)
    assert "conv_winograd" in trace and "conv_native" not in trace, trace
    tol = 2e-5 if dtype == "float32" else 1e-12
    for got, expected in zip(fast, _reference(xs, head)):
        np.testing.assert_allclose(got, expected, rtol=tol, atol=tol * np.abs(expected).max())
    saved, _conv_native.enabled = _conv_native.enabled, False
    try:
        _, _, slow, trace = _products(ctx, shape, F, dtype)
        assert "conv_winograd" not in trace
    finally:
        _conv_native.enabled = saved
    for a, b in zip(fast, slow):
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol * max(1.0, np.abs(b).max()))


def test_without_bias(ctx, winograd_calls):
    _skip_without_native(ctx)
    xs, head, fast, trace = _products(ctx, (2, 5, 6, 6), 7, "float32", bias=False)
    assert "conv_winograd" in trace
    for got, expected in zip(fast, _reference(xs, head)):
        np.testing.assert_allclose(got, expected, rtol=2e-5, atol=2e-5 * np.abs(expected).max())


@pytest.mark.parametrize("tiles,band", [(14, 2), (8, 1)])
def test_large_images_go_in_bands_of_tile_rows(ctx, winograd_calls, monkeypatch, tiles, band):
    """Images of more than WINOGRAD_TILES tiles go through in bands of tile rows (the last
    one partial here: 5 tile rows of 6 tiles)."""
    _skip_without_native(ctx)
    monkeypatch.setattr(_conv_native, "WINOGRAD_TILES", tiles)
    xs, head, fast, trace = _products(ctx, (3, 4, 9, 11), 5, "float32")
    assert winograd_calls == [(1, band)] * 3
    assert "conv_winograd" in trace and "conv_native" not in trace, trace
    for got, expected in zip(fast, _reference(xs, head)):
        np.testing.assert_allclose(got, expected, rtol=2e-5, atol=2e-5 * np.abs(expected).max())


def test_gradients_first_and_second_order(ctx, fp64, winograd_calls):
    _skip_without_native(ctx, "float64")
    rng = np.random.RandomState(9)

    def fn(x, w, b):
        return Convolution(x, w, b, num_filter=3, **SAME)

    check_gradients(fn, [rng.randn(2, 2, 3, 5), rng.randn(3, 2, 3, 3), rng.randn(3)], ctx,
                    order=2)
    assert any(block for block, _ in winograd_calls)


def test_which_convolutions_take_it(ctx):
    """With the default thresholds: a CNN's second layer does, its 3-channel first layer
    and a batch of few tiles do not, nor any other geometry; 8 channels take it for the
    forward pass and the data gradient, not for the weight gradient."""
    _skip_without_native(ctx)
    calls = []
    pick = _conv_native._winograd_units

    def taken(x_shape, F, **kw):
        calls.clear()
        x = mx.nd.ones(x_shape, ctx=ctx)
        w = mx.nd.ones((F, x_shape[1], 3, 3), ctx=ctx)
        x.attach_grad()
        w.attach_grad()
        saved = _conv_native._winograd_units
        _conv_native._winograd_units = lambda *a: calls.append(pick(*a)) or calls[-1]
        try:
            with mx.autograd.record():
                y = Convolution(x, w, num_filter=F, no_bias=True, **dict(SAME, **kw))
            y.backward()
            mx.nd.waitall()
        finally:
            _conv_native._winograd_units = saved
        return [bool(block) for block, _ in calls]

    assert taken((4, 64, 16, 16), 128) == [True, True, True]
    assert taken((4, 8, 16, 16), 8) == [True, True, False]
    assert taken((4, 3, 16, 16), 64) == [False, False, False]
    assert taken((2, 64, 4, 4), 64) == [False, False, False]      # 8 tiles in the batch
    assert not any(taken((4, 64, 16, 16), 64, stride=(2, 2)))
    assert not any(taken((4, 64, 16, 16), 64, dilate=(2, 2), pad=(2, 2)))
    assert not any(taken((4, 64, 16, 16), 64, pad=(0, 0)))


def test_mxnet_gives_the_same_numbers(ctx):
    """MXNet 1.9.1's outputs and gradients (tests/data/conv_winograd_mxnet.npz, written by
    tests/data/make_conv_winograd.py) against mxgrad's with the default thresholds, where
    its Winograd products run: agreement to float32 rounding."""
    _skip_without_native(ctx)
    fixture = np.load(os.path.join(os.path.dirname(__file__), "data",
                                   "conv_winograd_mxnet.npz"))
    with mx.Context(ctx):
        got, trace = traced(ctx, lambda: make_conv_winograd.cases(mx))
    assert "conv_winograd" in trace, trace     # (the deconvolution's 8-channel weight
    #                                            gradient is the im2col product's)
    for name, values in got.items():
        for i, v in enumerate(values):
            expected = fixture[f"{name}_{i}"]
            np.testing.assert_allclose(v, expected, rtol=1e-5,
                                       atol=1e-5 * np.abs(expected).max(), err_msg=name)


def test_an_environment_variable_turns_it_off():
    """MXGRAD_WINOGRAD=0 (read at import): every convolution takes the im2col products."""
    code = ("from mxgrad.ndarray import _conv_native as c\n"
            "from mxgrad.ndarray.conv import _make_geometry as g\n"
            "same = g(2, (16, 16), (16, 16), (3, 3), (1, 1), (1, 1), (1, 1))\n"
            "print(c.WINOGRAD, c._winograd_units(c.FORWARD, same, 32, 64, 128))\n")
    for value, expected in (("0", "False (0, 0)"), ("1", "True (1, 8)")):
        env = dict(os.environ, MXGRAD_WINOGRAD=value)
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                             text=True, timeout=120)
        assert out.returncode == 0, out.stderr
        assert out.stdout.strip() == expected
