"""The optimizer updates of optimizer_more.py and optimizer_multi.py over several steps against
tests/optimizer_reference.py (NumPy forms checked step by step against MXNet 1.9.1), a few
values MXNet 1.9.1 printed, in-place semantics, single launches, and misuse errors."""
import numpy as np
import pytest

import mxgrad as mx
from mxgrad.base import MXNetError
import optimizer_reference as R
from launches import traced

HYPER = dict(wd=0.01, rescale_grad=0.5)

# op, reference, number of state arrays, keyword arguments, states that must be >= 0
SINGLE = [
    ("nag_mom_update", R.nag_mom, 1, dict(lr=0.1, momentum=0.9, clip_gradient=0.4, **HYPER), ()),
    ("rmsprop_update", R.rmsprop, 1,
     dict(lr=0.1, gamma1=0.9, clip_gradient=0.4, clip_weights=0.9, **HYPER), (0,)),
    ("rmsprop_update", R.rmsprop, 1, dict(lr=0.05), (0,)),
    ("rmspropalex_update", R.rmspropalex, 3,
     dict(lr=0.01, clip_gradient=0.4, clip_weights=0.9, **HYPER), (0,)),
    ("signsgd_update", R.signsgd, 0, dict(lr=0.1, clip_gradient=0.4, **HYPER), ()),
    ("signum_update", R.signum, 1,
     dict(lr=0.1, momentum=0.9, clip_gradient=0.4, wd_lh=0.05, **HYPER), ()),
    ("ftrl_update", R.ftrl, 2, dict(lr=0.1, lamda1=0.01, beta=1.0, clip_gradient=0.4, **HYPER),
     (1,)),
]


def _rand(rng, n=6, scale=1.0):
    return (rng.uniform(-1, 1, n) * scale).astype(np.float32)


def _run_steps(ctx, dtype, op, ref, nstates, kwargs, positive, steps=3, in_place=True):
    rng = np.random.RandomState(7)
    w = _rand(rng)
    states = [np.abs(_rand(rng)) + 1 if i in positive else _rand(rng) for i in range(nstates)]
    weight = mx.nd.array(w, ctx=ctx, dtype=dtype)
    arrays = [mx.nd.array(s, ctx=ctx, dtype=dtype) for s in states]
    rw, rs = w.astype(np.float64), [s.astype(np.float64) for s in states]
    for _ in range(steps):
        g = _rand(rng, scale=3)
        grad = mx.nd.array(g, ctx=ctx, dtype=dtype)
        if in_place:
            assert getattr(mx.nd, op)(weight, grad, *arrays, out=weight, **kwargs) is weight
        else:
            before = weight.asnumpy()
            new = getattr(mx.nd, op)(weight, grad, *arrays, **kwargs)
            np.testing.assert_array_equal(weight.asnumpy(), before)   # weight untouched
            weight = new
        res = ref(rw, g.astype(np.float64), *rs, **kwargs)
        rw, rs = res[0], list(res[1:])
    return weight, arrays, rw, rs


@pytest.mark.parametrize("op, ref, nstates, kwargs, positive", SINGLE,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(SINGLE)])
@pytest.mark.parametrize("dtype, tol", [("float32", 2e-5), ("float64", 1e-6)])
@pytest.mark.parametrize("in_place", [True, False])
def test_single_updates_follow_mxnet(ctx, op, ref, nstates, kwargs, positive, dtype, tol,
                                     in_place):
    if dtype == "float64" and not ctx.state.has_fp64:
        pytest.skip(f"{ctx} has no float64")
    weight, arrays, rw, rs = _run_steps(ctx, dtype, op, ref, nstates, kwargs, positive,
                                        in_place=in_place)
    assert weight.dtype == np.dtype(dtype)
    np.testing.assert_allclose(weight.asnumpy(), rw, rtol=tol, atol=tol)
    for a, r in zip(arrays, rs):        # states updated in place
        np.testing.assert_allclose(a.asnumpy(), r, rtol=tol, atol=tol)


def test_float16_updates(ctx):
    weight, arrays, rw, rs = _run_steps(ctx, "float16", "rmsprop_update", R.rmsprop, 1,
                                        dict(lr=0.01), (0,))
    assert weight.dtype == np.float16
    np.testing.assert_allclose(weight.asnumpy(), rw, rtol=3e-3, atol=3e-3)


def test_values_mxnet_prints(ctx):
    # one step from weight 1, grad 2 and states 0.5 (0.2, 0.1): MXNet 1.9.1's results
    def one(op, nstates, **kw):
        states = [mx.nd.array([v], ctx=ctx) for v in (0.5, 0.2, 0.1)[:nstates]]
        w = getattr(mx.nd, op)(mx.nd.array([1.0], ctx=ctx), mx.nd.array([2.0], ctx=ctx),
                               *states, **kw)
        return [w.asnumpy()[0]] + [s.asnumpy()[0] for s in states]
    np.testing.assert_allclose(one("nag_mom_update", 1, lr=0.1, momentum=0.9, wd=0.1,
                                   clip_gradient=0.3), [1.329, 0.41], rtol=1e-6)
    np.testing.assert_allclose(one("rmsprop_update", 1, lr=0.1, gamma1=0.5, wd=0.1),
                               [0.86597264, 2.4549997], rtol=1e-6)
    np.testing.assert_allclose(one("rmspropalex_update", 3, lr=0.1, gamma1=0.5, gamma2=0.5,
                                   clip_gradient=0.3),
                               [0.9877829, 0.29500002, 0.25, -0.012217101], rtol=1e-6)
    np.testing.assert_allclose(one("ftml_update", 3, lr=0.1, beta1=0.5, beta2=0.5, t=2),
                               [0.8964135, 12.5499, 2.1, -11.2499], rtol=1e-6)
    np.testing.assert_allclose(one("signum_update", 1, lr=0.1, momentum=0.9, wd=0.1,
                                   clip_gradient=0.3), [1.1, 0.41], rtol=1e-6)
    np.testing.assert_allclose(one("ftrl_update", 2, lr=0.1, wd=0.1, clip_gradient=0.3),
                               [0.0066534197, -0.1130293, 0.29000002], rtol=1e-5)


def test_ftml_over_steps(ctx):
    rng = np.random.RandomState(3)
    w = _rand(rng)
    weight = mx.nd.array(w, ctx=ctx)
    d, v, z = (mx.nd.zeros(6, ctx=ctx) for _ in range(3))
    rw, rd, rv, rz = w.astype(np.float64), np.zeros(6), np.zeros(6), np.zeros(6)
    kw = dict(lr=0.1, wd=0.01, rescale_grad=0.5, clip_grad=0.4)
    for t in range(1, 4):
        g = _rand(rng, scale=3)
        mx.nd.ftml_update(weight, mx.nd.array(g, ctx=ctx), d, v, z, t=t, out=weight, **kw)
        rw, rd, rv, rz = R.ftml(rw, g.astype(np.float64), rd, rv, rz, t=t, **kw)
    for got, ref in ((weight, rw), (d, rd), (v, rv), (z, rz)):
        np.testing.assert_allclose(got.asnumpy(), ref, rtol=1e-4, atol=1e-5)


def test_nag_out_aliasing_weight_matches_a_fresh_result(ctx):
    # MXNet 1.9.1 recomputes mom from the new weight when out is the weight (mom 0.2035
    # instead of 0.2); mxgrad gives the same state either way (docs/migration.md)
    results = []
    for alias in (True, False):
        w, mom = mx.nd.array([1.0], ctx=ctx), mx.nd.array([0.5], ctx=ctx)
        r = mx.nd.nag_mom_update(w, mx.nd.array([2.0], ctx=ctx), mom, lr=0.1, momentum=0.9,
                                 wd=0.5, out=w if alias else None)
        results.append((r.asnumpy().tolist(), mom.asnumpy().tolist()))
    assert results[0] == results[1]
    np.testing.assert_allclose(results[0][0] + results[0][1], [0.93, 0.2], rtol=1e-6)


def test_lamb_phases_over_steps(ctx):
    rng = np.random.RandomState(5)
    w = _rand(rng)
    weight, mean, var = mx.nd.array(w, ctx=ctx), mx.nd.zeros(6, ctx=ctx), mx.nd.zeros(6, ctx=ctx)
    rw, rm, rv = w.astype(np.float64), np.zeros(6), np.zeros(6)
    kw = dict(wd=0.01, rescale_grad=0.5, clip_gradient=0.4)
    for t in range(1, 4):
        g = _rand(rng, scale=3)
        d = mx.nd.lamb_update_phase1(weight, mx.nd.array(g, ctx=ctx), mean, var, t=t, **kw)
        rd, rm, rv = R.lamb_phase1(rw, g.astype(np.float64), rm, rv, t=t, **kw)
        np.testing.assert_allclose(d.asnumpy(), rd, rtol=1e-5)
        mx.nd.lamb_update_phase2(weight, d, weight.norm(), d.norm(), lr=0.1, lower_bound=0.1,
                                 upper_bound=1.5, out=weight)
        rw, = R.lamb_phase2(rw, rd, np.linalg.norm(rw), np.linalg.norm(rd), lr=0.1,
                            lower_bound=0.1, upper_bound=1.5)
    np.testing.assert_allclose(weight.asnumpy(), rw, rtol=1e-5)
    np.testing.assert_allclose(var.asnumpy(), rv, rtol=1e-4)   # 1 - beta2 rounds in float32
    nobias = mx.nd.lamb_update_phase1(weight, weight, mean.copy(), var.copy(), t=1, wd=0,
                                      bias_correction=False)
    assert nobias.shape == (6,)
    # MXNet 1.9.1: a zero r1 makes the ratio 1: [0.9 1.9]
    got = mx.nd.lamb_update_phase2(mx.nd.array([1, 2], ctx=ctx), mx.nd.array([1, 1], ctx=ctx),
                                   mx.nd.array([0], ctx=ctx), mx.nd.array([3], ctx=ctx), lr=0.1)
    np.testing.assert_allclose(got.asnumpy(), [0.9, 1.9], rtol=1e-6)


def test_mp_updates(ctx):
    rng = np.random.RandomState(11)
    w = _rand(rng)
    for op, ref, nmom, kw in (
            ("mp_sgd_update", R.sgd, 0, dict(lr=0.1, wd=0.01, clip_gradient=0.5)),
            ("mp_sgd_mom_update", R.sgd_mom, 1, dict(lr=0.1, momentum=0.9, rescale_grad=2)),
            ("mp_nag_mom_update", R.nag_mom, 1, dict(lr=0.1, momentum=0.9, wd=0.1))):
        weight32 = mx.nd.array(w, ctx=ctx)
        weight = weight32.astype("float16")
        moms = [mx.nd.zeros(6, ctx=ctx) for _ in range(nmom)]
        rw, rs = w.astype(np.float64), [np.zeros(6)] * nmom
        for _ in range(3):
            g = _rand(rng, scale=3).astype(np.float16)
            lazy = {"lazy_update": True} if op != "mp_nag_mom_update" else {}   # MXNet's
            r = getattr(mx.nd, op)(weight, mx.nd.array(g, ctx=ctx, dtype="float16"), *moms,
                                   weight32, out=weight, **kw, **lazy)
            assert r is weight and weight.dtype == np.float16
            res = ref(rw, g.astype(np.float64), *rs, **kw)
            rw, rs = res[0], list(res[1:])
        np.testing.assert_allclose(weight32.asnumpy(), rw, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(weight.asnumpy(), rw.astype(np.float16), rtol=1e-3)
        for m, r in zip(moms, rs):
            np.testing.assert_allclose(m.asnumpy(), r, rtol=1e-5, atol=1e-6)


def test_mp_lamb(ctx):
    # MXNet 1.9.1: phase 1 [1.0999991 0.79999596] (float32), phase 2 [0.9589844 -2.0292969]
    weight32 = mx.nd.array([1.0, -2.0], ctx=ctx)
    weight = weight32.astype("float16")
    mean, var = mx.nd.zeros(2, ctx=ctx), mx.nd.zeros(2, ctx=ctx)
    g = mx.nd.mp_lamb_update_phase1(weight, mx.nd.array([2.0, 0.5], ctx=ctx, dtype="float16"),
                                    mean, var, weight32, t=1, wd=0.1, clip_gradient=1.0,
                                    rescale_grad=0.5)
    assert g.dtype == np.float32
    np.testing.assert_allclose(g.asnumpy(), [1.0999991, 0.79999596], rtol=1e-6)
    np.testing.assert_allclose(mean.asnumpy(), [0.1, 0.025], rtol=1e-6)
    r = mx.nd.mp_lamb_update_phase2(weight, g, mx.nd.array([2.0], ctx=ctx),
                                    mx.nd.array([4.0], ctx=ctx), weight32, lr=0.1,
                                    lower_bound=0.5, upper_bound=1.5)
    assert r.dtype == np.float16
    np.testing.assert_allclose(r.asnumpy(), [0.9589844, -2.0292969], rtol=1e-6)
    # the master copy moves too (MXNet 1.9.1 leaves it: docs/migration.md)
    np.testing.assert_allclose(weight32.asnumpy(), [0.95875, -2.03], rtol=1e-6)


def test_multi_lars(ctx):
    # MXNet 1.9.1: [0.01706818 0.2 0.3 0.16656852]
    lrs, wss, gss, wds = (mx.nd.array(v, ctx=ctx) for v in (
        [0.1, 0.2, 0.3, 0.4], [1, 0, 4, 2], [2, 3, 0, 0.5], [0.1, 0.1, 0, 0.2]))
    got = mx.nd.multi_lars(lrs, wss, gss, wds, eta=0.5, eps=1e-3, rescale_grad=2)
    np.testing.assert_allclose(got.asnumpy(), [0.01706818, 0.2, 0.3, 0.16656852], rtol=1e-6)


# --- multi-tensor -------------------------------------------------------------------------
MULTI = [("multi_sgd_update", 0, False, False), ("multi_sgd_mom_update", 1, False, False),
         ("multi_mp_sgd_update", 0, True, False), ("multi_mp_sgd_mom_update", 1, True, False),
         ("preloaded_multi_sgd_update", 0, False, True),
         ("preloaded_multi_sgd_mom_update", 1, False, True),
         ("preloaded_multi_mp_sgd_update", 0, True, True),
         ("preloaded_multi_mp_sgd_mom_update", 1, True, True)]


@pytest.mark.parametrize("op, nmom, mp, preloaded", MULTI, ids=[m[0] for m in MULTI])
@pytest.mark.parametrize("count", [3, 11])
def test_multi_updates(ctx, op, nmom, mp, preloaded, count):
    rng = np.random.RandomState(count)
    sizes = [int(rng.randint(1, 9)) for _ in range(count)]
    lrs = rng.uniform(0.05, 0.2, count).tolist()
    wds = rng.uniform(0, 0.1, count).tolist()
    momentum = 0.9 if nmom else 0.0
    dtype = "float16" if mp else "float32"
    ws = [_rand(rng, n) for n in sizes]
    weights = [mx.nd.array(w, ctx=ctx, dtype=dtype) for w in ws]
    masters = [mx.nd.array(w, ctx=ctx) for w in ws]
    moms = [mx.nd.zeros(n, ctx=ctx) for n in sizes]
    ref = [(w.astype(np.float16).astype(np.float64) if mp else w.astype(np.float64),
            np.zeros(n)) for w, n in zip(ws, sizes)]
    if mp:
        ref = [(w.astype(np.float64), m) for w, (_, m) in zip(ws, ref)]
    kw = dict(rescale_grad=0.5, clip_gradient=0.4, num_weights=count)
    if nmom:
        kw["momentum"] = momentum
    for _ in range(2):
        gs = [_rand(rng, n, 3).astype(dtype) for n in sizes]
        data = []
        for k in range(count):
            data += [weights[k], mx.nd.array(gs[k], ctx=ctx, dtype=dtype)]
            data += [moms[k]] if nmom else []
            data += [masters[k]] if mp else []
        if preloaded:
            data += [mx.nd.array(lrs, ctx=ctx), mx.nd.array(wds, ctx=ctx)]
            res = getattr(mx.nd, op)(*data, out=weights, **kw)
        else:
            res = getattr(mx.nd, op)(*data, lrs=lrs, wds=wds, out=weights, **kw)
        assert isinstance(res, list) and all(r is w for r, w in zip(res, weights))
        for k in range(count):
            args = dict(lr=lrs[k], wd=wds[k], rescale_grad=0.5, clip_gradient=0.4)
            w, m = ref[k]
            g = gs[k].astype(np.float64)
            ref[k] = R.sgd_mom(w, g, m, momentum=momentum, **args) if nmom else \
                (R.sgd(w, g, **args)[0], m)
    for k in range(count):
        got = (masters if mp else weights)[k].asnumpy()
        np.testing.assert_allclose(got, ref[k][0], rtol=1e-5, atol=1e-6)
        if nmom:
            np.testing.assert_allclose(moms[k].asnumpy(), ref[k][1], rtol=1e-5, atol=1e-6)
        if mp:
            assert weights[k].dtype == np.float16
            np.testing.assert_allclose(weights[k].asnumpy(), ref[k][0], rtol=2e-3, atol=1e-3)


def test_multi_update_is_one_launch_for_eight_tensors(ctx):
    ws = [mx.nd.ones(n, ctx=ctx) for n in range(1, 9)]
    gs = [mx.nd.ones(n, ctx=ctx) for n in range(1, 9)]
    data = [a for pair in zip(ws, gs) for a in pair]
    mx.nd.waitall()
    _, launches = traced(ctx, lambda: mx.nd.multi_sgd_update(
        *data, lrs=[0.5] * 8, wds=[0] * 8, num_weights=8, out=ws))
    assert launches == ["multi_update"], launches
    assert all(w.asnumpy().tolist() == [0.5] * w.size for w in ws)


def test_multi_values_mxnet_prints(ctx):
    # MXNet 1.9.1: [0.9 1.9] [2.54] after one step; a single weight gives an NDArray
    w1, w2 = mx.nd.array([1, 2], ctx=ctx), mx.nd.array([3], ctx=ctx)
    g1, g2 = mx.nd.array([1, 1], ctx=ctx), mx.nd.array([2], ctx=ctx)
    one = mx.nd.multi_sgd_update(w1.copy(), g1, lrs=(0.1,), wds=(0,))
    assert isinstance(one, mx.nd.NDArray)
    np.testing.assert_allclose(one.asnumpy(), [0.9, 1.9], rtol=1e-6)
    mx.nd.multi_sgd_update(w1, g1, w2, g2, lrs=(0.1, 0.2), wds=(0, 0.1), num_weights=2,
                           out=[w1, w2])
    np.testing.assert_allclose(w2.asnumpy(), [2.54], rtol=1e-6)


def test_errors(ctx):
    w, g, m = (mx.nd.array([1, 2], ctx=ctx) for _ in range(3))
    h = w.astype("float16")
    bad_calls = [
        lambda: mx.nd.nag_mom_update(w, g, m),                               # no lr
        lambda: mx.nd.ftml_update(w, g, m, m, m, lr=0.1),                     # no t
        lambda: mx.nd.lamb_update_phase1(w, g, m, m, t=1),                    # no wd
        lambda: mx.nd.multi_lars(m, m, m, m, eta=1),                          # no eps
        lambda: mx.nd.nag_mom_update(w, g, mx.nd.array([1], ctx=ctx), lr=0.1),
        lambda: mx.nd.nag_mom_update(w, h, m, lr=0.1),
        lambda: mx.nd.signsgd_update(w.astype("int32"), g.astype("int32"), lr=0.1),
        lambda: mx.nd.rmsprop_update(w, g, [1, 2], lr=0.1),
        lambda: mx.nd.signsgd_update(w, g, lr=0.1, out=mx.nd.zeros(3, ctx=ctx)),
        lambda: mx.nd.lamb_update_phase2(w, g, mx.nd.array([1, 2], ctx=ctx),
                                         mx.nd.array([1], ctx=ctx), lr=0.1),
        lambda: mx.nd.mp_sgd_update(h, h, h, lr=0.1),                         # weight32 f16
        lambda: mx.nd.mp_sgd_update(w.astype("int32"), g, w, lr=0.1),
        lambda: mx.nd.multi_sgd_update(w, g, w, g, lrs=(0.1,), wds=(0, 0), num_weights=2),
        lambda: mx.nd.multi_sgd_update(w, g, w, lrs=(0.1, 0.1), wds=(0, 0), num_weights=2),
        lambda: mx.nd.multi_sgd_update(w, mx.nd.zeros(3, ctx=ctx), lrs=(0.1,), wds=(0,)),
        lambda: mx.nd.multi_sgd_update(w, g, lrs=(0.1,), wds=(0,), out=[w, w]),
        lambda: mx.nd.multi_sgd_update(w, g),
        lambda: mx.nd.multi_mp_sgd_update(w, g, h, lrs=(0.1,), wds=(0,)),
        lambda: mx.nd.preloaded_multi_sgd_update(w, g, mx.nd.array([0.1, 0.2], ctx=ctx),
                                                 mx.nd.zeros(1, ctx=ctx)),
        lambda: mx.nd.multi_lars(m, m, m, m.astype("float16"), eta=1, eps=0),
        lambda: mx.nd.nag_mom_update(w, g, m, lr=0.1, lazy_update=True),   # not nag's
        lambda: mx.nd.multi_sgd_update(w, g, lrs=(0.1,), wds=(0,), foo=1),
    ]
    for k, bad in enumerate(bad_calls):
        with pytest.raises(MXNetError):
            bad()
        assert w.asnumpy().tolist() == [1, 2] and m.asnumpy().tolist() == [1, 2], k


def test_states_in_the_recorded_graph_are_refused(ctx):
    w, g = mx.nd.array([1.0], ctx=ctx), mx.nd.array([1.0], ctx=ctx)
    mom = mx.nd.zeros(1, ctx=ctx)
    mom.attach_grad()
    with mx.autograd.record():
        with pytest.raises(MXNetError):
            mx.nd.nag_mom_update(w, g, mom, lr=0.1)
        with pytest.raises(MXNetError):
            mx.nd.multi_sgd_mom_update(w, g, mom, lrs=(0.1,), wds=(0,))
    assert mom.asnumpy().tolist() == [0]
