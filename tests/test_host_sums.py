"""Whole-array sums and means of float arrays on the host (mxgrad/_host_reduce.pyx): on CPU
devices whose queue is idle the calling thread and a helper thread sum the kernels' chunks
(the calling thread alone below 8,192 elements, one chunk); the result has the bits of the
launches of kernels_cl/reduce.cl, and the kernels run whenever the queue is not idle. Kept
out of the test_ops_* files (Oclgrind runs those)."""
import os
import subprocess
import sys
import threading

import numpy as np
import pytest

import mxgrad as mx
from mxgrad import _host_reduce
from mxgrad.ndarray import reduce as R
from launches import traced

nd = mx.nd
rng = np.random.default_rng(11)


def _host_path_applies(ctx):
    """Whether sums of realized arrays may run on the host here (a CPU device whose buffers
    are host memory); elsewhere both runs below take the kernels."""
    return _host_reduce.host_sums_apply(ctx)


def _enqueued(ctx, fn):
    """The kernels ``fn()`` enqueued, without waiting for the queue first."""
    ctx.state.trace = []
    try:
        fn()
        return ctx.state.trace
    finally:
        ctx.state.trace = None


def _both(ctx, x, op):
    """(result, kernels traced) of ``op`` on x with the host path off, then on; the queue
    idle before each."""
    out = []
    for host in (False, True):
        R.HOST_SUMS = host
        try:
            nd.waitall()
            res, trace = traced(ctx, lambda: getattr(nd, op)(x))
            out.append((res.asnumpy(), trace))
        finally:
            R.HOST_SUMS = True
    return out


def _inputs(n, dtype):
    x = rng.uniform(-1, 1, n).astype(dtype)
    nan, inf = x.copy(), x.copy()
    nan[n // 3] = np.nan
    inf[n // 2] = np.inf
    tiny = (x * np.finfo(dtype).tiny).astype(dtype)          # subnormal partial sums
    big = (x * (np.finfo(dtype).max / 4)).astype(dtype)       # overflow in the merge
    return {"uniform": x, "nan": nan, "inf": inf, "subnormal": tiny, "big": big}


# below 8,192 elements the kernels sum in one launch, one chunk: so does the host
@pytest.mark.parametrize("n", [1, 2, 31, 33, 255, 4096, 8191, 8192, 8193, 10 ** 5 + 7,
                               3 * 10 ** 6 + 5])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_host_sums_have_the_kernels_bits(ctx, n, dtype):
    if dtype == "float64" and not ctx.state.has_fp64:
        pytest.skip(f"{ctx} has no float64")
    on_host = _host_path_applies(ctx)
    for kind, a in _inputs(n, dtype).items():
        x = nd.array(a, ctx=ctx, dtype=dtype)
        for op in ("sum", "mean"):
            (kern, ktrace), (host, htrace) = _both(ctx, x, op)
            assert ktrace == ["reduce"] * (1 if n < 8192 else 2), ktrace
            assert htrace == ([] if on_host else ktrace), (kind, op, htrace)
            assert host.dtype == np.dtype(dtype) and host.shape == (1,)
            assert host.tobytes() == kern.tobytes(), (kind, op, host, kern)


def test_a_busy_queue_or_a_pending_input_takes_the_kernels(ctx):
    a = rng.uniform(-1, 1, 10 ** 5).astype(np.float32)
    nd.waitall()
    x = nd.array(a, ctx=ctx)                 # its write is a command not known to be done
    assert _enqueued(ctx, lambda: nd.sum(x).asscalar()) == ["reduce", "reduce"]
    nd.waitall()
    # an input whose copy is still queued; a pending elementwise input joins its group
    trace = _enqueued(ctx, lambda: nd.sum(x.copy()).asscalar())
    assert trace[0].startswith("copy") and trace[1:] == ["reduce", "reduce"], trace
    nd.waitall()
    assert _enqueued(ctx, lambda: nd.sum(x * 2).asscalar()) == ["fused_reduce", "reduce"]
    nd.waitall()
    trace = _enqueued(ctx, lambda: nd.sum(x, axis=0).asscalar())
    assert trace == ([] if _host_path_applies(ctx) else ["reduce", "reduce"])


def test_sums_from_several_threads_at_once(ctx):
    """Threads summing at once: one of them has the helper, the others take the kernels;
    every result has the same bits as one thread's."""
    arrays = [nd.array(rng.uniform(-1, 1, 10 ** 5 + 37 * i).astype(np.float32), ctx=ctx)
              for i in range(4)]
    nd.waitall()
    expected = [nd.sum(a).asnumpy().tobytes() for a in arrays]
    wrong = []

    def work(i):
        for _ in range(40):
            got = nd.sum(arrays[i]).asnumpy().tobytes()
            if got != expected[i]:
                wrong.append(i)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    assert wrong == []


def test_gradient_of_a_host_sum(ctx):
    a = rng.uniform(-1, 1, 10 ** 5).astype(np.float32)
    x = nd.array(a, ctx=ctx)
    x.attach_grad()
    nd.waitall()
    ctx.state.trace = []
    try:
        with mx.autograd.record():
            y = nd.mean(x)
        forward = ctx.state.trace
    finally:
        ctx.state.trace = None
    assert forward == ([] if _host_path_applies(ctx) else ["reduce", "reduce"])
    y.backward()
    np.testing.assert_array_equal(x.grad.asnumpy(), np.full(a.shape, 1 / a.size, np.float32))


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork here")
def test_a_forked_child_sums_with_a_helper_of_its_own():
    """The helper thread is not copied into a child process: the child starts its own."""
    script = """
import os, numpy as np, mxgrad as mx
x = mx.nd.array(np.arange(10 ** 5, dtype=np.float32))
mx.nd.waitall()
want = float(mx.nd.sum(x).asscalar())
pid = os.fork()
if pid == 0:
    ok = all(float(mx.nd.sum(x).asscalar()) == want for _ in range(5))
    os._exit(0 if ok else 3)
_, status = os.waitpid(pid, 0)
assert os.WEXITSTATUS(status) == 0, status
assert float(mx.nd.sum(x).asscalar()) == want
print("ok", want)
"""
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120, env=dict(os.environ, MXGRAD_CTX="cpu(0)"))
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.split()[0] == "ok"       # the child's sums equal the parent's
