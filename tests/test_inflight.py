"""Bounded run-ahead: a loop that never reads a value back keeps at most
``MXGRAD_MAX_INFLIGHT`` commands in its context's queue (the host waits on a marker event
for the oldest), and the bound changes no result. Run in child processes with timeouts:
a bug here is a hang."""
import pytest

from test_stress import assert_ok, run_child

_LOOP = """
    import numpy as np
    import mxgrad as mx
    from mxgrad import nd
    ctx = mx.Context({kind!r}, {index})
    state = ctx.state
    print("bound", state.max_inflight)
    rng = np.random.RandomState(0)
    a_np = rng.uniform(-1, 1, ({n}, {n})).astype(np.float32)
    a = nd.array(a_np, ctx=ctx)
    b = nd.array(np.eye({n}, dtype=np.float32) * 0.5, ctx=ctx)
    nd.waitall()
    peak, c = 0, a
    for i in range({steps}):
        c = nd.dot(c, b) * 2            # heavy, and the identity: c stays a
        peak = max(peak, state.commands_in_flight())
    print("peak", peak)
    np.testing.assert_allclose(c.asnumpy(), a_np, rtol=1e-4, atol=1e-5)
    print("DONE")
"""


def _peak(proc):
    assert_ok(proc)
    return int(proc.stdout.split("peak ")[1].split()[0])


def test_ten_thousand_heavy_ops_never_exceed_the_default_bound(ctx):
    proc = run_child(_LOOP.format(kind=ctx.device_type, index=ctx.device_id, n=192,
                                  steps=10_000), timeout=600)
    assert "bound 256" in proc.stdout
    assert 0 < _peak(proc) <= 256


@pytest.mark.parametrize("bound", [1, 7, 32])
def test_a_smaller_bound_holds_and_changes_no_result(ctx, bound):
    proc = run_child(_LOOP.format(kind=ctx.device_type, index=ctx.device_id, n=128,
                                  steps=1_000), timeout=300, MXGRAD_MAX_INFLIGHT=str(bound))
    assert f"bound {bound}" in proc.stdout
    assert _peak(proc) <= bound


def test_without_a_bound_the_same_loop_runs_far_ahead(ctx):
    """The measure is not vacuous: unbounded, a CPU device falls hundreds of commands
    behind a loop of 256x256 products."""
    if ctx.device_type != "cpu":
        pytest.skip("a fast GPU may keep up with the host: only CPU devices surely fall behind")
    proc = run_child(_LOOP.format(kind="cpu", index=ctx.device_id, n=256, steps=2_000),
                     timeout=300, MXGRAD_MAX_INFLIGHT="0")
    assert "bound 0" in proc.stdout
    assert _peak(proc) > 256


def test_threads_share_the_bound_without_hanging(ctx):
    code = """
        import threading
        import numpy as np
        import mxgrad as mx
        from mxgrad import nd
        ctx = mx.Context({kind!r}, {index})
        state = ctx.state
        peaks, results = [], {{}}

        def work(seed):
            x = nd.array(np.full((96, 96), seed, np.float32), ctx=ctx)
            eye = nd.array(np.eye(96, dtype=np.float32), ctx=ctx)
            peak = 0
            for _ in range(1500):
                x = nd.dot(x, eye) + 1
                peak = max(peak, state.commands_in_flight())
            peaks.append(peak)
            results[seed] = x.asnumpy()

        threads = [threading.Thread(target=work, args=(s,)) for s in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for s in range(3):
            assert np.all(results[s] == s + 1500), s
        print("peak", max(peaks))
        print("DONE")
    """
    proc = run_child(code.format(kind=ctx.device_type, index=ctx.device_id), timeout=300,
                     MXGRAD_MAX_INFLIGHT="64")
    # each thread may enqueue up to one marker spacing (16) while another waits
    assert _peak(proc) <= 64 + 3 * 16


@pytest.mark.parametrize("value", ["-1", "many", "2.5"])
def test_a_bad_setting_is_a_clear_error(value):
    proc = run_child("""
        import mxgrad as mx
        try:
            mx.nd.ones((2,)).asnumpy()
        except mx.MXNetError as e:
            print("ERROR", e)
    """, timeout=120, MXGRAD_MAX_INFLIGHT=value)
    assert f"MXGRAD_MAX_INFLIGHT must be a whole number >= 0 (0: no bound), got {value!r}" \
        in proc.stdout, proc.stdout + proc.stderr
