"""MXNet 1.9.1's random families: random_* / sample_* / mx.nd.random samplers (gamma,
exponential, Poisson, negative binomials, multinomial), random_pdf_* densities and their
gradients, on every device."""
import math
import subprocess
import sys
from functools import partial

import numpy as np
import pytest

import mxgrad as mx
from mxgrad.base import MXNetError
from gradcheck import check_gradients
from launches import refused_before_launch

nd = mx.nd
N = 3000           # draws per statistical check: means within 5 standard errors


def _moments_ok(x, mean, var):
    """The sample mean and variance of ``x`` agree with (mean, var) within 5 standard
    errors (the variance's from the sample's fourth central moment)."""
    x = np.asarray(x, dtype=np.float64).ravel()
    n = x.size
    assert abs(x.mean() - mean) < 5 * math.sqrt(var / n) + 1e-12, (x.mean(), mean)
    m4 = ((x - x.mean()) ** 4).mean()
    se_var = math.sqrt(max(m4 - x.var() ** 2, 1e-12) / n)
    assert abs(x.var() - var) < 5 * se_var + 1e-12, (x.var(), var)


# (function, parameters, mean, variance)
_FAMILIES = [
    ("random_gamma", dict(alpha=2.5, beta=0.5), 1.25, 0.625),
    ("random_gamma", dict(alpha=0.4, beta=2.0), 0.8, 1.6),
    ("random_exponential", dict(lam=4.0), 0.25, 0.0625),
    ("random_poisson", dict(lam=3.0), 3.0, 3.0),
    ("random_poisson", dict(lam=40.0), 40.0, 40.0),
    ("random_negative_binomial", dict(k=3, p=0.4), 4.5, 11.25),
    ("random_generalized_negative_binomial", dict(mu=2.0, alpha=0.5), 2.0, 4.0),
    ("random_generalized_negative_binomial", dict(mu=3.0, alpha=0.0), 3.0, 3.0),
]


@pytest.mark.parametrize("name,params,mean,var", _FAMILIES)
def test_random_moments(ctx, name, params, mean, var):
    mx.random.seed(21)
    x = getattr(nd, name)(shape=(N,), ctx=ctx, **params)
    assert x.shape == (N,) and x.dtype == np.float32 and x.context == ctx
    a = x.asnumpy()
    if name != "random_gamma" and name != "random_exponential":
        np.testing.assert_array_equal(a, np.round(a))          # counts
    assert a.min() >= 0
    _moments_ok(a, mean, var)


@pytest.mark.parametrize("dtype", ["float16", "float64"])
def test_random_dtypes(ctx, dtype):
    if dtype == "float64" and not ctx.state.has_fp64:
        pytest.skip("no float64")
    mx.random.seed(3)
    for name, params, mean, var in _FAMILIES[::2]:
        x = getattr(nd, name)(shape=(N,), ctx=ctx, dtype=dtype, **params)
        assert x.dtype == np.dtype(dtype)
        _moments_ok(x.asnumpy(), mean, var)


def test_default_shape_and_mxnet_aliases(ctx):
    for fn in (nd.random_gamma, nd.random_poisson, nd.random_exponential,
               nd.random_negative_binomial, nd.random_generalized_negative_binomial,
               nd.uniform, nd.normal):
        x = fn(ctx=ctx)
        assert x.shape == (1,) and x.dtype == np.float32
    assert nd.random_negative_binomial(ctx=ctx).asscalar() == 0       # p = 1: no failures
    u = nd.uniform(-1, 1, shape=(2, 3), ctx=ctx, dtype="float16")
    assert u.shape == (2, 3) and u.dtype == np.float16
    z = nd.normal(5, 0.001, shape=(4,), ctx=ctx).asnumpy()
    assert np.abs(z - 5).max() < 0.01


@pytest.mark.parametrize("draw", [
    lambda ctx, n: nd.random_gamma(0.5, 2, shape=(n,), ctx=ctx),
    lambda ctx, n: nd.random_poisson(30, shape=(n,), ctx=ctx),
    lambda ctx, n: nd.random_generalized_negative_binomial(2, 0.3, shape=(n,), ctx=ctx),
    lambda ctx, n: nd.sample_multinomial(nd.array([0.2, 0.3, 0.5], ctx=ctx), shape=n),
])
def test_seed_reproduces_and_element_depends_only_on_its_index(ctx, draw):
    mx.random.seed(5)
    a = draw(ctx, 7).asnumpy()
    b = draw(ctx, 7).asnumpy()
    mx.random.seed(5)
    np.testing.assert_array_equal(draw(ctx, 7).asnumpy(), a)
    assert not np.array_equal(a, b) or np.unique(a).size == 1
    mx.random.seed(5)
    np.testing.assert_array_equal(draw(ctx, 300).asnumpy()[:7], a)


def test_sample_arrays_shapes_and_per_entry_moments(ctx):
    mx.random.seed(9)
    alpha = nd.array([[0.5, 3.0]], ctx=ctx)
    beta = nd.array([[2.0, 1.0]], ctx=ctx)
    g = nd.sample_gamma(alpha, beta, shape=(2, N // 2))
    assert g.shape == (1, 2, 2, N // 2) and g.dtype == np.float32
    _moments_ok(g.asnumpy()[0, 0], 1.0, 2.0)
    _moments_ok(g.asnumpy()[0, 1], 3.0, 3.0)
    lam = nd.array([0.0, 2.0, 25.0], ctx=ctx, dtype="float64")
    p = nd.sample_poisson(lam, shape=N, dtype="float16" if not ctx.state.has_fp64 else None)
    assert p.shape == (3, N) and p.dtype in (np.float32, np.float16)   # float32 by default
    a = p.asnumpy()
    assert (a[0] == 0).all()
    _moments_ok(a[1], 2.0, 2.0)
    _moments_ok(a[2], 25.0, 25.0)
    e = nd.sample_exponential(nd.array([1.0, 10.0], ctx=ctx), shape=N).asnumpy()
    _moments_ok(e[1], 0.1, 0.01)
    nb = nd.sample_negative_binomial(nd.array([2.0], ctx=ctx), nd.array([0.25], ctx=ctx),
                                     shape=N).asnumpy()
    _moments_ok(nb[0], 6.0, 24.0)
    gnb = nd.sample_generalized_negative_binomial(nd.array([4.0], ctx=ctx),
                                                  nd.array([0.25], ctx=ctx), shape=N)
    _moments_ok(gnb.asnumpy()[0], 4.0, 8.0)
    u = nd.sample_uniform(nd.array([0.0, 10.0], ctx=ctx), nd.array([1.0, 12.0], ctx=ctx),
                          shape=N).asnumpy()
    assert u[0].min() >= 0 and u[0].max() < 1 and u[1].min() >= 10 and u[1].max() < 12
    _moments_ok(u[1], 11.0, 1 / 3)
    z = nd.sample_normal(nd.array([-3.0], ctx=ctx), nd.array([0.5], ctx=ctx), shape=N)
    _moments_ok(z.asnumpy(), -3.0, 0.25)
    ones = nd.array([1.0, 1.0], ctx=ctx)
    assert nd.sample_normal(ones, ones).shape == (2,)


def test_mx_nd_random_dispatch(ctx):
    mx.random.seed(1)
    assert nd.random.gamma(2, 3, shape=(2, 2), ctx=ctx).shape == (2, 2)
    assert nd.random.poisson(4, shape=3, ctx=ctx, dtype="float16").dtype == np.float16
    arr = nd.array([1.0, 2.0], ctx=ctx)
    assert nd.random.gamma(arr, arr, shape=3).shape == (2, 3)
    assert nd.random.poisson(arr, shape=(2, 2)).shape == (2, 2, 2)
    assert nd.random.negative_binomial(arr, arr / 4).shape == (2,)
    assert nd.random.generalized_negative_binomial(arr, arr, shape=1).shape == (2, 1)
    # MXNet: NDArray parameters go through sample_*, float32 whatever the parameters' dtype
    u = nd.random.uniform(arr, arr + 1, shape=2)
    assert u.shape == (2, 2) and u.dtype == np.float32
    e = nd.random.exponential(nd.array([0.1, 100.0], ctx=ctx), shape=N).asnumpy()
    _moments_ok(e[0], 0.1, 0.01)                          # scale, as mx.nd.random.exponential
    for fn, args in ((nd.random.gamma, (arr, 1)), (nd.random.negative_binomial, (1, arr))):
        with pytest.raises(MXNetError, match="all numbers or all NDArrays"):
            fn(*args)
    for name in ("gamma", "poisson", "negative_binomial", "generalized_negative_binomial",
                 "multinomial", "uniform", "normal", "exponential"):
        assert getattr(mx.random, name) is getattr(nd.random, name)


def test_like_samplers(ctx):
    data = nd.zeros((2, 3), ctx=ctx)
    for fn, kw in ((nd.random.uniform_like, dict(low=2, high=3)),
                   (nd.random.normal_like, dict(loc=1, scale=2)),
                   (nd.random.exponential_like, dict(lam=2)),
                   (nd.random.gamma_like, dict(alpha=2, beta=3)),
                   (nd.random.poisson_like, dict(lam=2)),
                   (nd.random.negative_binomial_like, dict(k=2, p=0.5)),
                   (nd.random.generalized_negative_binomial_like, dict(mu=2, alpha=0.5))):
        x = fn(data, **kw)
        assert x.shape == (2, 3) and x.dtype == np.float32 and x.context == ctx
    assert nd.random.uniform_like(nd.zeros((2,), ctx=ctx, dtype="float16")).dtype == np.float16
    u = nd.random.uniform_like(data, low=2, high=3).asnumpy()
    assert u.min() >= 2 and u.max() < 3
    out = nd.zeros((2, 3), ctx=ctx)
    assert nd.random.gamma_like(data, out=out) is out


def test_multinomial_frequencies_dtypes_and_log_prob(ctx):
    mx.random.seed(2)
    probs = np.array([[0.2, 0.3, 0.5], [0.0, 1.0, 0.0], [1.0, 1.0, 2.0]], np.float32)
    p = nd.array(probs, ctx=ctx)
    s = nd.random.multinomial(p, shape=N)
    assert s.shape == (3, N) and s.dtype == np.int32
    a = s.asnumpy()
    for row, pr in zip(a, probs / probs.sum(1, keepdims=True)):
        freq = np.bincount(row, minlength=3) / N
        np.testing.assert_array_less(np.abs(freq - pr), 5 * np.sqrt(pr * (1 - pr) / N) + 1e-9)
    assert nd.random.multinomial(p).shape == (3,)
    assert nd.random.multinomial(nd.array([0.5, 0.5], ctx=ctx)).shape == (1,)
    for dtype in ("float16", "float32", "uint8", "int32"):
        assert nd.sample_multinomial(p, shape=2, dtype=dtype).dtype == np.dtype(dtype)
    # trailing zero probabilities are never drawn, even where rounding leaves a gap
    z = nd.sample_multinomial(nd.array([0.3, 0.7, 0.0, 0.0], ctx=ctx), shape=N).asnumpy()
    assert z.max() <= 1
    s, logp = nd.sample_multinomial(p, shape=(2, 2), get_prob=True)
    assert logp.shape == (3, 2, 2) and logp.dtype == np.float32
    rows = np.arange(3)[:, None, None]
    np.testing.assert_allclose(logp.asnumpy(), np.log(probs[rows, s.asnumpy()]), rtol=1e-6)


def test_multinomial_log_prob_gradient(ctx):
    # MXNet 1.9.1: the gradient of the log-probability reaches data[r, s] as 1 / data[r, s]
    # per draw s of row r
    mx.random.seed(4)
    probs = np.array([[0.2, 0.3, 0.5], [0.6, 0.1, 0.3]])
    p = nd.array(probs, ctx=ctx)
    p.attach_grad()
    with mx.autograd.record():
        s, logp = nd.random.multinomial(p, shape=5, get_prob=True)
    logp.backward()
    expected = np.zeros_like(probs)
    for r, row in enumerate(s.asnumpy()):
        for j in row:
            expected[r, j] += 1 / probs[r, j]
    np.testing.assert_allclose(p.grad.asnumpy(), expected, rtol=1e-5)


def test_out_arguments(ctx):
    out = nd.zeros((4,), ctx=ctx)
    assert nd.random_gamma(2, 2, shape=(4,), ctx=ctx, out=out) is out
    assert (out.asnumpy() > 0).all()
    out = nd.zeros((2, 3), ctx=ctx)
    assert nd.sample_poisson(nd.array([1.0, 100.0], ctx=ctx), shape=3, out=out) is out
    assert out.asnumpy()[1].min() > 30
    p = nd.array([[0.5, 0.5]], ctx=ctx)
    o1, o2 = nd.zeros((1, 3), ctx=ctx, dtype="int32"), nd.zeros((1, 3), ctx=ctx)
    r = nd.sample_multinomial(p, shape=3, get_prob=True, out=[o1, o2])
    assert r[0] is o1 and r[1] is o2
    np.testing.assert_allclose(o2.asnumpy(), np.log(0.5), rtol=1e-6)


@pytest.mark.parametrize("call,match", [
    (lambda c: partial(nd.random_gamma, -1, 1, ctx=c), "alpha must be positive"),
    (lambda c: partial(nd.random_gamma, 1, 0, ctx=c), "beta must be positive"),
    (lambda c: partial(nd.random_poisson, -1, ctx=c), "lam must be non-negative"),
    (lambda c: partial(nd.random_exponential, 0, ctx=c), "lam must be positive"),
    (lambda c: partial(nd.random_negative_binomial, -1, 0.5, ctx=c), "k must be non-negative"),
    (lambda c: partial(nd.random_negative_binomial, 1, 1.5, ctx=c), r"p must be in \(0, 1\]"),
    (lambda c: partial(nd.random_generalized_negative_binomial, -1, 1, ctx=c), "mu must be"),
    (lambda c: partial(nd.random_generalized_negative_binomial, 1, -1, ctx=c), "alpha must be"),
    (lambda c: partial(nd.random_gamma, "2", 1, ctx=c), "alpha must be a number"),
    (lambda c: partial(nd.random_poisson, 2, shape=(2, -1), ctx=c), "negative dimension"),
    (lambda c: partial(nd.random_poisson, 2, shape="x", ctx=c), "shape must be"),
    (lambda c: partial(nd.random_poisson, 2, dtype="int32", ctx=c), "dtype"),
    (lambda c: partial(nd.random_gamma, 1, 1, shape=(3,), ctx=c, out=nd.zeros((2,), ctx=c)),
     "out has shape"),
    (lambda c: partial(nd.sample_gamma, nd.ones((2,), ctx=c), nd.ones((3,), ctx=c)), "same shape"),
    (lambda c: partial(nd.sample_gamma, nd.ones((2,), ctx=c), 1), "beta must be an NDArray"),
    (lambda c: partial(nd.sample_poisson, [1, 2]), "lam must be an NDArray"),
    (lambda c: partial(nd.sample_poisson, nd.ones((2,), ctx=c), shape=(-1,)), "negative"),
    (lambda c: partial(nd.sample_poisson, nd.ones((2,), ctx=c), dtype="int32"), "dtype"),
    (lambda c: partial(nd.sample_poisson, nd.ones((2,), ctx=c), shape=2,
                       out=nd.zeros((2,), ctx=c)),
     "out must be"),
    (lambda c: partial(nd.sample_multinomial, nd.ones((2,), ctx=c), dtype="int64"), "dtype"),
    (lambda c: partial(nd.sample_multinomial, nd.ones((2,), ctx=c, dtype="int32")), "floating"),
    (lambda c: partial(nd.sample_multinomial, nd.ones((2, 0), ctx=c)), "non-empty"),
    (lambda c: partial(nd.sample_multinomial, nd.ones((2,), ctx=c), get_prob=True,
                                     out=nd.zeros((1,), ctx=c)), "list of two"),
    (lambda c: partial(nd.random.multinomial, [0.5, 0.5]), "data must be an NDArray"),
    (lambda c: partial(nd.random.gamma_like, [1.0]), "data must be an NDArray"),
    (lambda c: partial(nd.random_pdf_normal, nd.ones((1, 2), ctx=c), nd.ones((2,), ctx=c),
                                    nd.ones((2,), ctx=c)), "must start with"),
    (lambda c: partial(nd.random_pdf_normal, nd.ones((2, 2), ctx=c), nd.ones((2,), ctx=c),
                                    nd.ones((1,), ctx=c)), "same shape"),
    (lambda c: partial(nd.random_pdf_gamma, nd.ones((2,), ctx=c),
                       nd.ones((2,), ctx=c, dtype="float16"),
                                   nd.ones((2,), ctx=c)), "dtype"),
    (lambda c: partial(nd.random_pdf_poisson, nd.ones((2,), ctx=c), 1.0),
     "lam must be an NDArray"),
    (lambda c: partial(nd.random_pdf_poisson, nd.ones((2,), ctx=c), nd.ones((2,), ctx=c),
                       is_log=2),
     "is_log"),
    (lambda c: partial(nd.random_pdf_dirichlet, nd.ones((2, 3), ctx=c), nd.ones((2,), ctx=c)),
     "last axis"),
])
def test_misuse_refused_before_launch(ctx, call, match):
    refused_before_launch(ctx, call(ctx), match)    # arguments made before the trace starts


def test_invalid_parameter_entries_give_nan_without_hanging():
    # parameter arrays are not read back to be checked: invalid entries come out NaN (MXNet
    # hangs on some of them); a subprocess guards against a sampler that would loop forever
    code = (
        "import mxgrad as mx, numpy as np\n"
        "nd = mx.nd\n"
        "bad = nd.array([-1.0, float('nan'), float('inf'), 0.0])\n"
        "g = nd.sample_gamma(bad, nd.ones((4,)), shape=3).asnumpy()\n"
        "assert np.isnan(g[:3]).all() and np.isnan(g[3]).all(), g\n"
        "p = nd.sample_poisson(bad, shape=3).asnumpy()\n"
        "assert np.isnan(p[:2]).all() and np.isinf(p[2]).all() and (p[3] == 0).all(), p\n"
        "nb = nd.sample_negative_binomial(nd.ones((2,)), nd.array([0.0, 2.0])).asnumpy()\n"
        "assert np.isnan(nb).all(), nb\n"
        "m = nd.sample_multinomial(nd.zeros((2, 3)), shape=2).asnumpy()\n"
        "assert (m == 0).all(), m\n"
        "print('ok')\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr


# --- random_pdf_* ------------------------------------------------------------------------------
# values and gradients (of the sum) from MXNet 1.9.1, float64 inputs
_PDF_CASES = [
    ("random_pdf_poisson", [[[1, 2.], [0, 3]], [1.5, 0.5]],
     [[0.3347, 0.25102], [0.60653, 0.01264]], [[-0.02789, -0.54335]]),
    ("random_pdf_negative_binomial", [[[1, 2.], [0, 4]], [1.5, 3], [0.4, 0.7]],
     [[0.22768, 0.17076], [0.343, 0.04167]], [[-0.03116, -0.09761], [0.54549, 1.09294]]),
    ("random_pdf_generalized_negative_binomial", [[[1, 2.], [0, 3]], [1.5, 2], [0.4, 1.3]],
     [[0.28952, 0.18999], [0.37331, 0.08834]], [[-0.02073, -0.09143], [-0.20723, 0.09288]]),
    ("random_pdf_gamma", [[[1, 2.], [0.5, 3]], [1.5, 0.7], [0.4, 2]],
     [[0.19135, 0.18139], [0.56682, 0.00223]], [[-0.22941, 0.69825], [0.84365, -0.09093]]),
    ("random_pdf_exponential", [[[1, 2.], [0.3, 4]], [1.5, 0.2]],
     [[0.3347, 0.07468], [0.18835, 0.08987]], [[-0.21114, 0.97512]]),
    ("random_pdf_uniform", [[[1, 2.], [0.5, 0.7]], [0.5, 0.1], [3, 1.2]],
     [[0.4, 0.4], [0.90909, 0.90909]], [[0.32, 1.65289], [-0.32, -1.65289]]),
    ("random_pdf_normal", [[[1, 2.], [0, -1]], [0.5, 0.1], [3, 1.4]],
     [[0.13115, 0.11736], [0.28423, 0.20928]], [[0.02685, -0.13195], [-0.07184, -0.25919]]),
    ("random_pdf_dirichlet", [[[[0.2, 0.8], [0.5, 0.5]]], [[1.5, 2]]],
     [[1.34164, 1.32583]], [[[-0.23298, 0.5965]]]),
]
_SAMPLE_GRADS = {      # MXNet 1.9.1's gradients w.r.t. the samples (zero for the discrete ones)
    "random_pdf_gamma": [[0.01913, -0.02721], [-1.47372, -0.00469]],
    "random_pdf_exponential": [[-0.50204, -0.11202], [-0.03767, -0.01797]],
    "random_pdf_normal": [[-0.00729, -0.01956], [0.0145, 0.11745]],
    "random_pdf_dirichlet": [[[3.3541, 1.67705], [1.32583, 2.65165]]],
}


@pytest.mark.parametrize("name,args,values,param_grads", _PDF_CASES)
def test_pdf_values_and_gradients_match_mxnet(ctx, fp64, name, args, values, param_grads):
    xs = [nd.array(a, ctx=ctx, dtype="float64") for a in args]
    for x in xs:
        x.attach_grad()
    with mx.autograd.record():
        y = getattr(nd, name)(*xs)
    y.backward()
    assert y.shape == np.array(values).shape and y.dtype == np.float64
    np.testing.assert_allclose(y.asnumpy(), values, atol=1e-5)
    for x, g in zip(xs[1:], param_grads):
        np.testing.assert_allclose(x.grad.asnumpy(), g, atol=1e-5)
    np.testing.assert_allclose(xs[0].grad.asnumpy(),
                               _SAMPLE_GRADS.get(name, np.zeros(np.shape(args[0]))), atol=1e-5)
    log = getattr(nd, name)(*xs, is_log=True)
    np.testing.assert_allclose(log.asnumpy(), np.log(values), rtol=1e-4)


def test_pdf_shapes_and_dtypes(ctx):
    s = nd.ones((2, 3, 4), ctx=ctx)
    for p in ((2,), (2, 3)):
        mu, sigma = nd.zeros(p, ctx=ctx), nd.ones(p, ctx=ctx)
        assert nd.random_pdf_normal(s, mu, sigma).shape == (2, 3, 4)
    assert nd.random_pdf_dirichlet(s / 4, nd.ones((2, 4), ctx=ctx)).shape == (2, 3)
    assert nd.random_pdf_dirichlet(nd.array([0.2, 0.8], ctx=ctx),
                                   nd.array([1.0, 2.0], ctx=ctx)).shape == (1,)
    h = nd.random_pdf_exponential(nd.array([[1.0, 2.0]], ctx=ctx, dtype="float16"),
                                  nd.array([2.0], ctx=ctx, dtype="float16"))
    assert h.dtype == np.float16
    np.testing.assert_allclose(h.asnumpy(), [[2 * np.exp(-2), 2 * np.exp(-4)]], rtol=2e-3)
    out = nd.zeros((1, 2), ctx=ctx)
    assert nd.random_pdf_exponential(nd.ones((1, 2), ctx=ctx), nd.ones((1,), ctx=ctx),
                                     out=out) is out


def test_pdf_support_and_poisson_limit(ctx):
    # documented differences: densities are 0 outside the support (MXNet extends the
    # formula), and alpha = 0 gives the Poisson limit (MXNet: NaN)
    x = nd.array([[-1.0, 0.5, 3.0]], ctx=ctx)
    np.testing.assert_allclose(
        nd.random_pdf_uniform(x, nd.array([0.0], ctx=ctx), nd.array([2.0], ctx=ctx)).asnumpy(),
        [[0, 0.5, 0]])
    assert nd.random_pdf_uniform(x, nd.array([0.0], ctx=ctx), nd.array([2.0], ctx=ctx),
                                 is_log=True).asnumpy()[0, 0] == -np.inf
    assert nd.random_pdf_exponential(x, nd.array([2.0], ctx=ctx)).asnumpy()[0, 0] == 0
    assert nd.random_pdf_gamma(x, nd.array([2.0], ctx=ctx),
                               nd.array([2.0], ctx=ctx)).asnumpy()[0, 0] == 0
    k = nd.array([[0.0, 1.0, 4.0]], ctx=ctx)
    mu = nd.array([2.0], ctx=ctx)
    np.testing.assert_allclose(
        nd.random_pdf_generalized_negative_binomial(k, mu, nd.array([0.0], ctx=ctx)).asnumpy(),
        nd.random_pdf_poisson(k, mu).asnumpy(), rtol=1e-6)


_COUNTS = [[0.0, 2.0], [1.0, 5.0]]
_GRAD_CASES = {        # family: (the pdf of the inputs, inputs)
    "uniform": (lambda x, lo, hi, **kw: nd.random_pdf_uniform(x, lo, hi, **kw),
                [[[0.5, 1.0], [1.2, 1.4]], [0.2, 1.0], [2.0, 1.5]]),
    "normal": (lambda x, m, s, **kw: nd.random_pdf_normal(x, m, s, **kw),
               [[[0.5, 1.0], [1.2, -1.4]], [0.2, 1.0], [2.0, 1.5]]),
    "gamma": (lambda x, a, b, **kw: nd.random_pdf_gamma(x, a, b, **kw),
              [[[0.5, 1.0], [1.2, 2.4]], [2.2, 0.7], [2.0, 1.5]]),
    "exponential": (lambda x, lam, **kw: nd.random_pdf_exponential(x, lam, **kw),
                    [[[0.5, 1.0], [1.2, 2.4]], [0.7, 1.5]]),
    "poisson": (lambda lam, **kw: nd.random_pdf_poisson(
        nd.array(_COUNTS, dtype="float64", ctx=lam.context), lam, **kw), [[1.3, 4.5]]),
    "negative_binomial": (lambda k, p, **kw: nd.random_pdf_negative_binomial(
        nd.array(_COUNTS, dtype="float64", ctx=k.context), k, p, **kw),
                          [[1.3, 4.5], [0.3, 0.6]]),
    "generalized_negative_binomial": (
        lambda m, a, **kw: nd.random_pdf_generalized_negative_binomial(
            nd.array(_COUNTS, dtype="float64", ctx=m.context), m, a, **kw),
        [[1.3, 4.5], [0.3, 0.6]]),
    "dirichlet": (lambda x, a, **kw: nd.random_pdf_dirichlet(x, a, **kw),
                  [[[0.2, 0.3, 0.5], [0.6, 0.1, 0.3]], [1.5, 0.8, 2.5]]),
}


# every family's log-density, and the densities of a few (exp of the same graph)
@pytest.mark.parametrize("family,is_log", [(f, True) for f in _GRAD_CASES]
                         + [("gamma", False), ("negative_binomial", False),
                            ("dirichlet", False)])
def test_pdf_gradients_first_and_second_order(ctx, fp64, family, is_log):
    fn, inputs = _GRAD_CASES[family]
    check_gradients(lambda *a: fn(*a, is_log=is_log), inputs, ctx, order=2, rtol=1e-4,
                    atol=1e-6)


def test_lgamma_chain_against_math(ctx, fp64):
    from mxgrad.ndarray.random_pdf import _special
    xs = np.array([0.1, 0.7, 1.0, 2.5, 9.0, 31.0])
    x = nd.array(xs, ctx=ctx, dtype="float64")
    np.testing.assert_allclose(_special(-1, x).asnumpy(), [math.lgamma(v) for v in xs],
                               rtol=1e-12)
    h = 1e-5
    for order in (0, 1, 2, 3):       # each is the derivative of the one before
        up, down = _special(order - 1, x + h), _special(order - 1, x - h)
        fd = (up.asnumpy() - down.asnumpy()) / (2 * h)
        np.testing.assert_allclose(_special(order, x).asnumpy(), fd, rtol=1e-5)
    euler_gamma = 0.5772156649015329
    at = nd.array([1.0, -0.5], ctx=ctx, dtype="float64")
    np.testing.assert_allclose(_special(0, at).asnumpy(), [-euler_gamma, 0.03648997397857652],
                               rtol=1e-12)                   # digamma; psi(-1/2) = 2 - g - 2 ln 2
    np.testing.assert_allclose(_special(1, at[:1]).asnumpy(), [math.pi ** 2 / 6], rtol=1e-12)
