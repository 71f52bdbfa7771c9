"""``out=`` that is also an input (or shares its memory): every op gives NumPy's result.

Ops that read their inputs other than element by element (products, convolutions, pooling,
softmax, transposes, reductions, gathers) compute into a temporary and then copy; elementwise
ops whose out is exactly an input stay in place. MXNet 1.9.1 itself gets several of these
wrong (``dot(a, a, out=a)``, ``flip``, ``concat``, ``tile``, ...); mxgrad does not.
"""
import numpy as np
import pytest

import mxgrad as mx
from mxgrad.base import MXNetError

RNG = np.random.RandomState(0)


def host(*shape):
    return RNG.uniform(-1, 1, shape).astype(np.float32)


def nd(a, ctx):
    return mx.nd.array(a, ctx=ctx, dtype=a.dtype)


def close(got, want):
    np.testing.assert_allclose(got.asnumpy(), want, rtol=1e-5, atol=1e-5)


# --- reference computations in NumPy ------------------------------------------------------------
def np_conv2d(x, w, pad):
    n, c, h, wd = x.shape
    f, _, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out = np.zeros((n, f, h + 2 * pad - kh + 1, wd + 2 * pad - kw + 1), np.float64)
    for i in range(out.shape[2]):
        for j in range(out.shape[3]):
            out[:, :, i, j] = np.einsum("ncij,fcij->nf", xp[:, :, i:i + kh, j:j + kw], w)
    return out


def np_deconv2d(x, w, pad):
    # the transpose of a stride-1 convolution: correlate with the flipped, swapped kernel
    return np_conv2d(x, np.flip(w, (2, 3)).transpose(1, 0, 2, 3), w.shape[2] - 1 - pad)


def np_maxpool3(x):
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)), constant_values=-np.inf)
    h, w = x.shape[2:]
    return np.max([xp[:, :, i:i + h, j:j + w] for i in range(3) for j in range(3)], axis=0)


def np_softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


# --- out= is an input ---------------------------------------------------------------------------
def test_dot_into_an_operand(ctx):
    a, b = host(4, 4), host(4, 4)
    x = nd(a, ctx)
    mx.nd.dot(x, x, out=x)
    close(x, a @ a)
    x, y = nd(a, ctx), nd(b, ctx)
    mx.nd.dot(x, y, transpose_b=True, out=y)
    close(y, a @ b.T)
    x = nd(a, ctx)
    mx.nd.dot(x, x, transpose_a=True, out=x)
    close(x, a.T @ a)


def test_dot_into_an_overlapping_view(ctx):
    a = host(8, 4)
    x = nd(a, ctx)
    mx.nd.dot(x[0:4], x[4:8], out=x[4:8])         # out is a view meeting the rhs
    close(x[4:8], a[0:4] @ a[4:8])
    close(x[0:4], a[0:4])


def test_batch_dot_and_gemm2_into_an_operand(ctx):
    a = host(2, 3, 3)
    x = nd(a, ctx)
    mx.nd.batch_dot(x, x, out=x)
    close(x, a @ a)
    x = nd(a, ctx)
    mx.nd.batch_dot(x, x, transpose_a=True, out=x)
    close(x, a.transpose(0, 2, 1) @ a)
    m = host(3, 3)
    x = nd(m, ctx)
    mx.nd.linalg_gemm2(x, x, alpha=2.0, out=x)
    close(x, 2 * m @ m)


@pytest.mark.parametrize("flatten", [True, False])
def test_fully_connected_into_its_data(ctx, flatten):
    d, w, b = host(3, 3), host(3, 3), host(3)
    x = nd(d, ctx)
    res = mx.nd.FullyConnected(x, nd(w, ctx), nd(b, ctx), num_hidden=3, flatten=flatten, out=x)
    assert res is x
    close(x, d @ w.T + b)
    x = nd(d, ctx)
    mx.nd.FullyConnected(x, nd(w, ctx), no_bias=True, num_hidden=3, out=x)
    close(x, d @ w.T)


def test_fully_connected_out_is_written(ctx):
    d, w = host(2, 3), host(4, 3)
    out = mx.nd.zeros((2, 4), ctx=ctx)
    assert mx.nd.FullyConnected(nd(d, ctx), nd(w, ctx), no_bias=True, num_hidden=4,
                                out=out) is out
    close(out, d @ w.T)


def test_convolution_family_into_its_data(ctx):
    d, w = host(1, 2, 5, 5), host(2, 2, 3, 3)
    x = nd(d, ctx)
    mx.nd.Convolution(x, nd(w, ctx), kernel=(3, 3), pad=(1, 1), num_filter=2, no_bias=True,
                      out=x)
    close(x, np_conv2d(d, w, 1))
    x = nd(d, ctx)
    mx.nd.Deconvolution(x, nd(w, ctx), kernel=(3, 3), pad=(1, 1), num_filter=2, no_bias=True,
                        out=x)
    close(x, np_deconv2d(d, w, 1))
    x = nd(d, ctx)
    mx.nd.Pooling(x, kernel=(3, 3), pad=(1, 1), stride=(1, 1), pool_type="max", out=x)
    close(x, np_maxpool3(d))


def test_softmax_transpose_and_reductions_into_their_data(ctx):
    s = host(3, 4)
    x = nd(s, ctx)
    mx.nd.softmax(x, out=x)
    close(x, np_softmax(s))
    x = nd(s, ctx)
    mx.nd.log_softmax(x, out=x)
    close(x, np.log(np_softmax(s)))
    q = host(4, 4)
    x = nd(q, ctx)
    mx.nd.transpose(x, out=x)
    close(x, q.T)
    x = nd(q, ctx)
    mx.nd.swapaxes(x, 0, 1, out=x)
    close(x, q.T)
    x = nd(s, ctx)
    mx.nd.sum(x, axis=0, keepdims=True, out=x[0:1])    # out is the first row of the data
    close(x[0:1], s.sum(0, keepdims=True))
    x = nd(s, ctx)
    mx.nd.max(x, axis=0, keepdims=True, out=x[2:3])
    close(x[2:3], s.max(0, keepdims=True))
    x = nd(s, ctx)
    mx.nd.norm(x, axis=0, keepdims=True, out=x[1:2])
    close(x[1:2], np.sqrt((s * s).sum(0, keepdims=True)))


def test_gathers_and_moves_into_their_data(ctx):
    v = host(5)
    idx = np.array([4, 3, 2, 1, 0], np.float32)
    x = nd(v, ctx)
    mx.nd.take(x, nd(idx, ctx), out=x)
    close(x, v[idx.astype(int)])
    i = nd(idx, ctx)
    mx.nd.take(nd(v, ctx), i, out=i)
    close(i, v[idx.astype(int)])
    x = nd(v, ctx)
    mx.nd.flip(x, axis=0, out=x)
    close(x, v[::-1])
    x = nd(v, ctx)
    mx.nd.concat(x[0:2], x[3:4], dim=0, out=x[1:4])
    close(x, np.concatenate([v[:1], v[0:2], v[3:4], v[4:]]))
    x = nd(v, ctx)
    mx.nd.tile(x[0:2], reps=(2,), out=x[1:5])
    close(x, np.concatenate([v[:1], np.tile(v[0:2], 2)]))
    x = nd(v, ctx)
    mx.nd.repeat(x[0:2], repeats=2, out=x[1:5])
    close(x, np.concatenate([v[:1], np.repeat(v[0:2], 2)]))
    c = np.array([1, 0, 1, 0, 1], np.float32)
    x, y = nd(v, ctx), host(5)
    mx.nd.where(nd(c, ctx), x, nd(y, ctx), out=x)
    close(x, np.where(c, v, y))
    w = host(3, 3)
    e = nd(w, ctx)
    mx.nd.Embedding(nd(np.array([2, 0, 1], np.float32), ctx), e, input_dim=3, output_dim=3,
                    out=e)
    close(e, w[[2, 0, 1]])


# --- elementwise: exactly in place stays in place; any other overlap is computed aside --------
def test_elementwise_in_place_stays_in_place(ctx):
    a, b = host(3, 4), host(3, 4)
    x = nd(a, ctx)
    buf = x._buffer
    mx.nd.elemwise_add(x, nd(b, ctx), out=x)
    x += 1
    assert x._buffer is buf
    close(x, a + b + 1)


def test_elementwise_out_meeting_an_input_elsewhere(ctx):
    v = host(4096)
    x = nd(v, ctx)
    y = x[1:]
    y += x[:-1]                                   # reads elements that the op also writes
    close(x, np.concatenate([v[:1], v[1:] + v[:-1]]))
    m = host(64, 64)
    x = nd(m, ctx)
    mx.nd.broadcast_add(x[0:1], x, out=x)         # row 0 is read by every row
    close(x, m[0:1] + m)


# --- while recording: writing into an input that a gradient needs raises first --------------
def test_out_is_an_input_while_recording_raises_before_writing(ctx):
    a, b = host(3, 3), host(3, 3)
    x, w = nd(a, ctx), nd(b, ctx)
    w.attach_grad()
    with mx.autograd.record():
        for op in (lambda: mx.nd.dot(x, w, out=x),
                   lambda: mx.nd.batch_dot(x.reshape((1, 3, 3)), w.reshape((1, 3, 3)),
                                           out=x.reshape((1, 3, 3))),
                   lambda: mx.nd.FullyConnected(x, w, no_bias=True, num_hidden=3, out=x),
                   lambda: mx.nd.elemwise_mul(x, w, out=x)):
            with pytest.raises(MXNetError, match="in-place"):
                op()
    close(x, a)


def test_out_into_a_plain_array_while_recording_keeps_the_gradient(ctx):
    a, b = host(3, 3), host(3, 3)
    x = nd(a, ctx)
    x.attach_grad()
    out = mx.nd.zeros((3, 3), ctx=ctx)
    with mx.autograd.record():
        mx.nd.dot(x, nd(b, ctx), out=out)
    out.backward()
    close(x.grad, np.ones((3, 3)) @ b.T)
