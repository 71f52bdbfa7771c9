"""Several Python threads using mxgrad at once give the same bits as the same work run serially.

Each workload runs in a fresh interpreter (subprocess, with a timeout) under
``sys.setswitchinterval(1e-6)``, so the interpreter switches threads between almost any two
bytecodes: every op of one thread can land between two steps of another's. The worker
threads each train or update their own arrays on one shared context; their final arrays
must equal, bit for bit, those of the same functions run one after another in one thread.
"""
import os
import subprocess
import sys

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# --- Workloads: each takes (mx, ctx, seed, iterations, shared) and returns numpy arrays ----
def sgd_loop(mx, ctx, seed, iters, shared):
    """``sgd_update(..., out=w)`` on several parameters with gradients from fused chains."""
    rs = np.random.RandomState(seed)
    ws = [mx.nd.array(rs.randn(*s), ctx=ctx) for s in ((17,), (8, 5), (33,))]
    gs = [mx.nd.array(rs.randn(*w.shape), ctx=ctx) for w in ws]
    for i in range(iters):
        for w, g in zip(ws, gs):
            g = g * 0.9 + w * 0.01
            mx.nd.sgd_update(w, g, lr=0.05, wd=1e-3, out=w)
    return [w.asnumpy() for w in ws]


def mlp_training(mx, ctx, seed, iters, shared):
    """A small MLP: dot (GEMM), relu, log_softmax, pick, mean, backward, sgd_update."""
    rs = np.random.RandomState(seed)
    sizes = (12, 16, 5)
    params = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        params += [mx.nd.array(rs.randn(a, b) * 0.3, ctx=ctx), mx.nd.zeros((b,), ctx=ctx)]
    for p in params:
        p.attach_grad()
    x = mx.nd.array(rs.randn(8, sizes[0]), ctx=ctx)
    y = mx.nd.array(rs.randint(0, sizes[-1], size=8), ctx=ctx)
    for i in range(iters):
        with mx.autograd.record():
            h = x
            for j in range(0, len(params), 2):
                h = mx.nd.dot(h, params[j]) + params[j + 1]
                if j + 2 < len(params):
                    h = mx.nd.relu(h)
            loss = -mx.nd.mean(mx.nd.pick(mx.nd.log_softmax(h), y))
        loss.backward()
        for p in params:
            mx.nd.sgd_update(p, p.grad, lr=0.1, out=p)
    return [p.asnumpy() for p in params] + [loss.asnumpy()]


def chains_and_reductions(mx, ctx, seed, iters, shared):
    """Fused elementwise chains, fused and plain reductions, a GEMM, host reads."""
    rs = np.random.RandomState(seed)
    x = mx.nd.array(rs.rand(40, 24), ctx=ctx)
    m = mx.nd.array(rs.rand(24, 24) * 0.1, ctx=ctx)
    total = mx.nd.zeros((1,), ctx=ctx)
    for i in range(iters):
        t = mx.nd.tanh(x * 0.5 + 0.1)
        s = mx.nd.sum(t * t)                  # joins the pending group of t
        c = mx.nd.mean(x, axis=0)             # a reduction of its own
        x = mx.nd.dot(t, m) + c * 0.01 - s * 1e-4
        total = total + s
        if i % 7 == 0:
            x = x / (float(mx.nd.max(mx.nd.abs(x)).asscalar()) + 1.0)
    return [x.asnumpy(), total.asnumpy()]


def autograd_chains(mx, ctx, seed, iters, shared):
    """Recorded elementwise chains and their backward pass (fused into the forward group)."""
    rs = np.random.RandomState(seed)
    x = mx.nd.array(rs.rand(64) + 0.5, ctx=ctx)
    x.attach_grad()
    for i in range(iters):
        with mx.autograd.record():
            y = mx.nd.sum(mx.nd.exp(x * 0.1) * x + mx.nd.sqrt(x))
        y.backward()
        x[:] = x - 0.01 * x.grad
    return [x.asnumpy(), x.grad.asnumpy()]


def shared_model(mx, ctx):
    """Weights every thread reads (made by the main thread, before the workers start)."""
    rs = np.random.RandomState(99)
    return {"w1": mx.nd.array(rs.randn(16, 12) * 0.3, ctx=ctx),
            "b1": mx.nd.array(rs.randn(16) * 0.1, ctx=ctx),
            "w2": mx.nd.array(rs.randn(16, 6) * 0.3, ctx=ctx)}


def shared_inference(mx, ctx, seed, iters, shared):
    """Threads reading the same weights: FullyConnected, dot, fused reductions."""
    rs = np.random.RandomState(seed)
    x = mx.nd.array(rs.rand(8, 12), ctx=ctx)
    acc = mx.nd.zeros((1,), ctx=ctx)
    for i in range(iters):
        h = mx.nd.relu(mx.nd.FullyConnected(x, shared["w1"], shared["b1"], num_hidden=16))
        o = mx.nd.dot(h, shared["w2"])
        acc = acc + mx.nd.sum(mx.nd.tanh(o) * o)
        x = x * 0.99 + mx.nd.mean(o) * 0.01 + shared["b1"][:12] * 0.001
    return [x.asnumpy(), acc.asnumpy()]


WORKLOADS = {f.__name__: f for f in (sgd_loop, mlp_training, chains_and_reductions,
                                     autograd_chains, shared_inference)}
SHARED = {"shared_inference": shared_model}


def run_workers(workload, threads, iters, serial):
    """Run ``threads`` copies of ``workload`` (seeds 0, 1, ...) in threads or one by one;
    returns the list of results."""
    import threading

    import mxgrad as mx
    ctx = mx.cpu() if not os.environ.get("MXGRAD_CTX") else mx.context.current_context()
    fn = WORKLOADS[workload]
    shared = SHARED[workload](mx, ctx) if workload in SHARED else None
    results = [None] * threads
    errors = []

    def work(k):
        try:
            results[k] = fn(mx, ctx, k, iters, shared)
        except BaseException as e:        # reported by the main thread
            import traceback
            errors.append(traceback.format_exc())

    if serial:
        for k in range(threads):
            work(k)
    else:
        ts = [threading.Thread(target=work, args=(k,)) for k in range(threads)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
    if errors:
        raise RuntimeError("a worker failed:\n" + errors[0])
    return results


def main(workload, threads, iters, rounds):
    """Serial once, then ``rounds`` threaded runs; prints OK or what differed."""
    sys.setswitchinterval(1e-6)
    want = run_workers(workload, threads, iters, serial=True)
    for r in range(rounds):
        got = run_workers(workload, threads, iters, serial=False)
        for k, (a, b) in enumerate(zip(want, got)):
            for i, (u, v) in enumerate(zip(a, b)):
                if u.tobytes() != v.tobytes():
                    print(f"MISMATCH round {r} thread {k} array {i}: "
                          f"max diff {np.abs(u.astype(float) - v).max()}")
                    return 1
    print("OK")
    return 0


def run_case(workload, threads, iters, rounds, timeout=120):
    env = dict(os.environ)
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.run([sys.executable, os.path.abspath(__file__), workload, str(threads),
                           str(iters), str(rounds)], capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT, env=env)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0 and "OK" in proc.stdout, out


@pytest.mark.parametrize("threads", [2, 4, 8])
def test_sgd_update_loops_bit_identical(threads):
    run_case("sgd_loop", threads, 400 // threads, 2)


@pytest.mark.parametrize("threads", [2, 4, 8])
def test_mlp_training_bit_identical(threads):
    run_case("mlp_training", threads, 160 // threads, 2)


@pytest.mark.parametrize("threads", [2, 4, 8])
def test_chains_reductions_gemm_bit_identical(threads):
    run_case("chains_and_reductions", threads, 160 // threads, 2)


@pytest.mark.parametrize("threads", [2, 4])
def test_autograd_chains_bit_identical(threads):
    run_case("autograd_chains", threads, 160 // threads, 2)


@pytest.mark.parametrize("threads", [2, 8])
def test_threads_sharing_weights_bit_identical(threads):
    run_case("shared_inference", threads, 160 // threads, 2)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])))


# --- Arrays handed from one thread to another: call order, as one thread would see it -------
HANDOFF = r"""
import sys, threading
import numpy as np
import mxgrad as mx
sys.setswitchinterval(1e-6)


def in_turns(*steps):
    # Run steps[0] in thread A, steps[1] in thread B, steps[2] in A, ...: each waits for the
    # previous; the fused groups a thread leaves pending stay pending across the hand-off.
    turns = [threading.Event() for _ in steps] + [threading.Event()]
    turns[0].set()
    errors = []

    def run(mine):
        for i in mine:
            turns[i].wait(60)
            try:
                steps[i]()
            except BaseException as e:
                errors.append(e)
            turns[i + 1].set()

    ts = [threading.Thread(target=run, args=(range(k, len(steps), 2),)) for k in (0, 1)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(120)
    if errors:
        raise errors[0]


base = np.arange(12, dtype=np.float32).reshape(3, 4)
box = {}
mx.nd.zeros(1).asnumpy()               # the main thread makes the context's state


# Reading an array another thread's pending group computes: asnumpy, an elementwise op, a GEMM.
def a1():
    x = mx.nd.array(base)
    box["y"] = x * 2 + 1                 # pending in A's group
    box["z"] = mx.nd.tanh(x)


def b1():
    assert np.array_equal(box["y"].asnumpy(), base * 2 + 1)
    w = (box["z"] + 1).asnumpy()
    assert np.allclose(w, np.tanh(base) + 1, atol=1e-6), w
    d = mx.nd.dot(box["y"] * 1, mx.nd.ones((4, 2))).asnumpy()
    assert np.array_equal(d, (base * 2 + 1) @ np.ones((4, 2), np.float32))


in_turns(a1, b1)


# Writing memory another thread's pending group reads: its ops were called first.
writers = {
    "fill": lambda x: x.__setitem__(slice(None), 100),
    "setitem_array": lambda x: x.__setitem__(slice(None), mx.nd.ones(x.shape) * 7),
    "elementwise_out": lambda x: mx.nd.elemwise_add(x, x, out=x),
    "sgd_update_out": lambda x: mx.nd.sgd_update(x, mx.nd.ones(x.shape), lr=1.0, out=x),
    "copyto": lambda x: mx.nd.zeros(x.shape).copyto(x),
    "add_in_place": lambda x: x.__iadd__(5),
}
for name, write in writers.items():
    box.clear()
    box["x"] = mx.nd.array(base)

    def a2():
        box["before"] = box["x"] * 3         # reads x; pending in A's group

    def b2(write=write):
        write(box["x"])

    def a3():
        got = box["before"].asnumpy()
        assert np.array_equal(got, base * 3), (name, got)

    in_turns(a2, b2, a3)


# A gradient that backward leaves pending (written straight into x.grad) read elsewhere.
box.clear()


def a4():
    x = mx.nd.array(base)
    x.attach_grad()
    with mx.autograd.record():
        y = mx.nd.sum(x * x + x)
    y.backward()
    box["x"] = x


def b4():
    g = box["x"].grad.asnumpy()
    assert np.array_equal(g, 2 * base + 1), g


in_turns(a4, b4)


# A thread that ends with work pending: its results stay readable; waitall runs the rest
# and forgets the thread's lane.
def leave_pending():
    x = mx.nd.array(base)
    box["kept"] = mx.nd.exp(x * 0.1)
    box["dropped"] = x * 5             # pending, read only after the thread ended


state = mx.cpu().state
mx.nd.waitall()                        # the threads above have ended: their lanes go
assert len(state.lane_list()) == 1, state.lane_list()
t = threading.Thread(target=leave_pending)
t.start()
t.join(60)
assert len(state.lane_list()) == 2, state.lane_list()
assert np.allclose(box["kept"].asnumpy(), np.exp(base * np.float32(0.1)), rtol=1e-6)
mx.nd.waitall()
assert len(state.lane_list()) == 1, state.lane_list()
assert np.array_equal(box["dropped"].asnumpy(), base * 5)
print("OK")
"""


def test_arrays_handed_between_threads_keep_call_order():
    env = dict(os.environ)
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.run([sys.executable, "-c", HANDOFF], capture_output=True, text=True,
                          timeout=120, cwd=ROOT, env=env)
    assert proc.returncode == 0 and "OK" in proc.stdout, proc.stdout + proc.stderr


RANDOM_DRAWS = r"""
import sys, threading
import numpy as np
import mxgrad as mx
sys.setswitchinterval(1e-6)
THREADS, DRAWS = int(sys.argv[1]), 100


def draws(out):
    for i in range(DRAWS):
        a = mx.nd.random.uniform(-1, 1, shape=(7,))
        out.append((a * 1).asnumpy().tobytes())


mx.random.seed(7)
serial = []
for k in range(THREADS):
    draws(serial)
for round in range(4):
    mx.random.seed(7)
    outs = [[] for _ in range(THREADS)]
    ts = [threading.Thread(target=draws, args=(outs[k],)) for k in range(THREADS)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(120)
    threaded = [d for o in outs for d in o]
    # Each draw takes the next stream of the generator: which thread gets which one depends
    # on the interleaving, but every stream is drawn once, with its own numbers, as serially.
    assert len(set(threaded)) == len(threaded) == THREADS * DRAWS, round
    assert sorted(serial) == sorted(threaded), f"round {round}: threaded draws differ"
print("OK")
"""


@pytest.mark.parametrize("threads", [4, 8])
def test_random_draws_from_threads_are_the_serial_streams(threads):
    env = dict(os.environ)
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.run([sys.executable, "-c", RANDOM_DRAWS, str(threads)], capture_output=True,
                          text=True, timeout=120, cwd=ROOT, env=env)
    assert proc.returncode == 0 and "OK" in proc.stdout, proc.stdout + proc.stderr
