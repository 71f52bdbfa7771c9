"""The benchmark workloads: inputs, float64 references, timing, and one measurement per process.

``run.py`` starts this file once per (peer, workload) in the peer's own interpreter:

    python bench/workloads.py --peer mxgrad --workload matmul     # one JSON record on stdout
    python bench/workloads.py --peer torch --probe                 # the peer's versions, device

Each workload builds its inputs (identical for every peer), asks the peer's adapter
(``adapters.py``) for a closure doing one unit of work, checks that closure's result against
a float64 NumPy reference outside the timed region, then times it: warm-up calls, then
``--repeats`` timed loops of ``inner`` calls, ``inner`` calibrated so that one loop lasts about
``--target`` seconds. Every loop ends with the adapter's full sync (``nd.waitall()`` for the
MXNet API, ``queue.finish()`` for raw OpenCL; PyTorch and NumPy are synchronous). Start-time
workloads time whole interpreter processes instead.
"""
import argparse
import gc
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

TAPE_OPS = 200
TAPE_CYCLE = ("mul", "add", "tanh", "exp")      # y*0.5, y+0.1, tanh(y), exp(y)
TAPE_MUL, TAPE_ADD = 0.5, 0.1
BIG_N = 10_000_000                               # elementwise, reduction, copy limit
MATMUL_N = 1024
MLP_SHAPES = {"small-mlp-step": ((64, 128, 128, 10), 32),
              "mid-mlp-step": ((784, 512, 512, 10), 128)}
LR = 0.01
LSTM_SHAPE = (35, 32, 128, 256)                  # steps, batch, input size, hidden size
# conv3x3(3->64)+relu+maxpool, conv3x3(64->128)+relu+maxpool, dense(8192->10) on 32x32 images
CNN_BATCH = {"cnn-step-32": 32, "cnn-step-128": 128, "cnn-gluon-step-32": 32}
CNN_CHANNELS = (3, 64, 128)
CNN_SIDE, CNN_CLASSES = 32, 10


class Workload:
    """What one workload reports: metric unit, direction, and the work done per call."""

    def __init__(self, name, unit, better, per_call, about):
        self.name = name
        self.unit = unit
        self.better = better        # "higher" or "lower"
        self.per_call = per_call    # converts seconds per call into the reported unit
        self.about = about


WORKLOADS = {w.name: w for w in [
    Workload("tape-overhead", "us/op", "lower", lambda s: s * 1e6 / TAPE_OPS,
             "4 floats, 200 recorded ops (*0.5, +0.1, tanh, exp), sum, backward, grad to host"),
    Workload("small-mlp-step", "steps/s", "higher", lambda s: 1.0 / s,
             "MLP 64-128-128-10 ReLU, batch 32, log_softmax+pick+mean, backward, sgd_update"),
    Workload("mid-mlp-step", "steps/s", "higher", lambda s: 1.0 / s,
             "MLP 784-512-512-10 ReLU, batch 128, same step"),
    Workload("elementwise", "GB/s", "higher", lambda s: 8 * BIG_N / 1e9 / s,
             "y = x*x+1, 1e7 floats, fresh output (8 B/elem)"),
    Workload("elementwise-fwd-bwd", "GB/s", "higher", lambda s: 8 * BIG_N / 1e9 / s,
             "sum(x*x+1) forward+backward, 1e7 floats (8 B/elem: read x, write dx)"),
    Workload("matmul", "GFLOP/s", "higher", lambda s: 2 * MATMUL_N ** 3 / 1e9 / s,
             "1024x1024 @ 1024x1024"),
    Workload("sum", "GB/s", "higher", lambda s: 4 * BIG_N / 1e9 / s,
             "sum of 1e7 floats to a host scalar (4 B/elem)"),
    Workload("copy-limit", "GB/s", "higher", lambda s: 8 * BIG_N / 1e9 / s,
             "raw OpenCL float4 copy kernel, 1e7 floats, same device (8 B/elem)"),
    Workload("lstm-step", "steps/s", "higher", lambda s: 1.0 / s,
             "LSTM 128->256, 35 steps, batch 32 (mx.nd.RNN / torch.nn.LSTM), "
             "sum(out*head)/(T*N), backward, SGD"),
    Workload("cnn-step-32", "steps/s", "higher", lambda s: 1.0 / s,
             "CNN conv3x3(3->64)+relu+maxpool, conv3x3(64->128)+relu+maxpool, dense, 32x32 "
             "images, batch 32, log_softmax+pick+mean, backward, SGD"),
    Workload("cnn-step-128", "steps/s", "higher", lambda s: 1.0 / s,
             "the same CNN step at batch 128"),
    Workload("cnn-gluon-step-32", "steps/s", "higher", lambda s: 1.0 / s,
             "the CNN step at batch 32 written with gluon.nn layers, gluon.loss and a "
             "gluon.Trainer (torch: nn.Sequential and torch.optim.SGD)"),
    Workload("start-warm", "s", "lower", lambda s: s,
             "new interpreter: import, first op, first backward; kernel caches warm"),
    Workload("start-cold", "s", "lower", lambda s: s,
             "the same with empty MXGRAD_CACHE_DIR and POCL_CACHE_DIR"),
]}


# --- inputs and float64 references ---------------------------------------------------------
def tape_x0():
    return np.linspace(0.1, 0.4, 4, dtype=np.float32)


def tape_ops():
    return [TAPE_CYCLE[i % len(TAPE_CYCLE)] for i in range(TAPE_OPS)]


def tape_reference():
    """d sum(chain(x)) / dx in float64, by a hand-written backward pass."""
    y = tape_x0().astype(np.float64)
    local_grads = []
    for op in tape_ops():
        if op == "mul":
            y = y * TAPE_MUL
            local_grads.append(TAPE_MUL)
        elif op == "add":
            y = y + TAPE_ADD
            local_grads.append(1.0)
        elif op == "tanh":
            y = np.tanh(y)
            local_grads.append(1 - y * y)
        else:
            y = np.exp(y)
            local_grads.append(y)
    g = np.ones_like(y)
    for local in reversed(local_grads):
        g = g * local
    return g


def mlp_inputs(sizes, batch, seed=0):
    """He-initialised weights, zero biases, a batch and integer labels."""
    rng = np.random.default_rng(seed)
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        params.append((rng.standard_normal((fan_in, fan_out)) * math.sqrt(2.0 / fan_in))
                      .astype(np.float32))
        params.append(np.zeros(fan_out, np.float32))
    x = rng.standard_normal((batch, sizes[0])).astype(np.float32)
    labels = rng.integers(0, sizes[-1], size=batch)
    return params, x, labels


def cross_entropy_and_grad(logits, labels):
    """Mean of -log_softmax(logits)[label] over the rows, and its gradient for logits."""
    z = logits - logits.max(axis=1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    rows = np.arange(len(labels))
    dz = np.exp(logp)
    dz[rows, labels] -= 1
    return -logp[rows, labels].mean(), dz / len(labels)


def mlp_reference(params, x, labels):
    """Loss and parameter gradients of one step, float64, by hand."""
    p = [a.astype(np.float64) for a in params]
    layers = len(p) // 2
    acts = [x.astype(np.float64)]
    h = acts[0]
    for i in range(layers):
        h = h @ p[2 * i] + p[2 * i + 1]
        if i < layers - 1:
            h = np.maximum(h, 0)
        acts.append(h)
    loss, dz = cross_entropy_and_grad(h, labels)
    grads = [None] * len(p)
    for i in reversed(range(layers)):
        grads[2 * i] = acts[i].T @ dz
        grads[2 * i + 1] = dz.sum(axis=0)
        if i > 0:
            dz = (dz @ p[2 * i].T) * (acts[i] > 0)
    return loss, grads


def lstm_inputs(seed=3):
    """Input sequence, head weights of the loss, and (W_ih, W_hh, b_ih, b_hh) in the gate
    order i, f, g, o that MXNet's RNN and torch.nn.LSTM share."""
    T, N, I, H = LSTM_SHAPE
    rng = np.random.default_rng(seed)
    bound = 1 / math.sqrt(H)
    params = [rng.uniform(-bound, bound, shape).astype(np.float32)
              for shape in ((4 * H, I), (4 * H, H), (4 * H,), (4 * H,))]
    x = rng.standard_normal((T, N, I)).astype(np.float32)
    head = rng.standard_normal((T, N, H)).astype(np.float32)
    return params, x, head


def lstm_reference(params, x, head):
    """Loss sum(out * head) / (T * N) of an LSTM from zero states and its parameter
    gradients, float64, by backpropagation through time written out."""
    w_ih, w_hh, b_ih, b_hh = (a.astype(np.float64) for a in params)
    x, head = x.astype(np.float64), head.astype(np.float64)
    T, N, _ = x.shape
    H = w_hh.shape[1]
    sig = lambda v: 1 / (1 + np.exp(-v))
    h, c = np.zeros((N, H)), np.zeros((N, H))
    saved, loss = [], 0.0
    for t in range(T):
        a = x[t] @ w_ih.T + h @ w_hh.T + b_ih + b_hh
        i, f = sig(a[:, :H]), sig(a[:, H:2 * H])
        g, o = np.tanh(a[:, 2 * H:3 * H]), sig(a[:, 3 * H:])
        saved.append((h, c, i, f, g, o))
        c = f * c + i * g
        h = o * np.tanh(c)
        loss += (h * head[t]).sum()
    grads = [np.zeros_like(w_ih), np.zeros_like(w_hh), np.zeros_like(b_ih)]
    dh_next, dc_next = np.zeros((N, H)), np.zeros((N, H))
    for t in reversed(range(T)):
        h_prev, c_prev, i, f, g, o = saved[t]
        c = f * c_prev + i * g
        tc = np.tanh(c)
        dh = head[t] / (T * N) + dh_next
        dc = dh * o * (1 - tc * tc) + dc_next
        da = np.concatenate([dc * g * i * (1 - i), dc * c_prev * f * (1 - f),
                             dc * i * (1 - g * g), dh * tc * o * (1 - o)], axis=1)
        grads[0] += da.T @ x[t]
        grads[1] += da.T @ h_prev
        grads[2] += da.sum(axis=0)
        dh_next, dc_next = da @ w_hh, dc * f
    return loss / (T * N), grads + [grads[2]]


def cnn_inputs(batch, seed=4):
    """He-initialised (conv1 w, b, conv2 w, b, dense w, b), images and integer labels; the
    dense weight is (classes, features) as MXNet's FullyConnected and torch's linear hold it."""
    rng = np.random.default_rng(seed)
    c0, c1, c2 = CNN_CHANNELS
    features = c2 * (CNN_SIDE // 4) ** 2
    params = []
    for shape in ((c1, c0, 3, 3), (c2, c1, 3, 3), (CNN_CLASSES, features)):
        fan_in = int(np.prod(shape[1:]))
        params.append((rng.standard_normal(shape) * math.sqrt(2.0 / fan_in)).astype(np.float32))
        params.append((rng.standard_normal(shape[0]) * 0.1).astype(np.float32))
    x = rng.standard_normal((batch, c0, CNN_SIDE, CNN_SIDE)).astype(np.float32)
    labels = rng.integers(0, CNN_CLASSES, size=batch)
    return params, x, labels


def _conv3x3(x, w, b):
    """Same-padded 3x3 convolution by im2col; returns the output and the columns."""
    n, c, h, wd = x.shape
    padded = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    windows = np.lib.stride_tricks.sliding_window_view(padded, (3, 3), axis=(2, 3))
    cols = windows.transpose(0, 2, 3, 1, 4, 5).reshape(n * h * wd, c * 9)
    out = cols @ w.reshape(w.shape[0], -1).T + b
    return out.reshape(n, h, wd, -1).transpose(0, 3, 1, 2), cols


def _conv3x3_backward(dout, x_shape, w, cols):
    """Gradients of ``_conv3x3`` for its input, weight and bias."""
    n, c, h, wd = x_shape
    d = dout.transpose(0, 2, 3, 1).reshape(n * h * wd, -1)
    dw = (d.T @ cols).reshape(w.shape)
    dcols = (d @ w.reshape(w.shape[0], -1)).reshape(n, h, wd, c, 3, 3)
    dpad = np.zeros((n, c, h + 2, wd + 2))
    for i in range(3):
        for j in range(3):
            dpad[:, :, i:i + h, j:j + wd] += dcols[..., i, j].transpose(0, 3, 1, 2)
    return dpad[:, :, 1:-1, 1:-1], dw, d.sum(axis=0)


def _maxpool2(x):
    """2x2/2 max-pooling and the one-hot mask of each window's (first) maximum."""
    n, c, h, w = x.shape
    win = x.reshape(n, c, h // 2, 2, w // 2, 2).transpose(0, 1, 2, 4, 3, 5).reshape(
        n, c, h // 2, w // 2, 4)
    first = win.argmax(axis=-1)
    mask = np.zeros_like(win)
    np.put_along_axis(mask, first[..., None], 1.0, axis=-1)
    return np.take_along_axis(win, first[..., None], axis=-1)[..., 0], mask


def _maxpool2_backward(dout, mask):
    n, c, h2, w2, _ = mask.shape
    dwin = mask * dout[..., None]
    return dwin.reshape(n, c, h2, w2, 2, 2).transpose(0, 1, 2, 4, 3, 5).reshape(
        n, c, 2 * h2, 2 * w2)


def cnn_reference(params, x, labels):
    """Loss and parameter gradients of one CNN step, float64, by hand (ties in max-pooling
    only occur at relu's zeros, where every framework's gradient is zero anyway)."""
    w1, b1, w2, b2, w3, b3 = (a.astype(np.float64) for a in params)
    x = x.astype(np.float64)
    a1, cols1 = _conv3x3(x, w1, b1)
    p1, mask1 = _maxpool2(np.maximum(a1, 0))
    a2, cols2 = _conv3x3(p1, w2, b2)
    p2, mask2 = _maxpool2(np.maximum(a2, 0))
    flat = p2.reshape(len(x), -1)
    loss, dz = cross_entropy_and_grad(flat @ w3.T + b3, labels)
    dw3, db3 = dz.T @ flat, dz.sum(axis=0)
    dp2 = (dz @ w3).reshape(p2.shape)
    da2 = _maxpool2_backward(dp2, mask2) * (a2 > 0)
    dp1, dw2, db2 = _conv3x3_backward(da2, p1.shape, w2, cols2)
    da1 = _maxpool2_backward(dp1, mask1) * (a1 > 0)
    _, dw1, db1 = _conv3x3_backward(da1, x.shape, w1, cols1)
    return loss, [dw1, db1, dw2, db2, dw3, db3]


def big_vector(seed=1):
    return np.random.default_rng(seed).random(BIG_N, dtype=np.float32)


def matmul_inputs(seed=2):
    rng = np.random.default_rng(seed)
    shape = (MATMUL_N, MATMUL_N)
    return rng.random(shape, dtype=np.float32) - 0.5, rng.random(shape, dtype=np.float32) - 0.5


def max_rel_err(got, ref):
    """Largest error relative to the reference's largest magnitude (robust near zeros)."""
    got = np.asarray(got, dtype=np.float64)
    ref = np.asarray(ref, dtype=np.float64)
    if got.shape != ref.shape:
        raise AssertionError(f"shape {got.shape}, expected {ref.shape}")
    return float(np.max(np.abs(got - ref)) / max(np.max(np.abs(ref)), 1e-30))


# --- timing ----------------------------------------------------------------------------------
def time_calls(fn, sync, opts):
    """Seconds per call for each repeat, and the calibrated number of calls per repeat."""
    for _ in range(opts.warmup):
        fn()
    sync()
    calls, elapsed = 1, 0.0
    while True:                     # calibrate on batches long enough to time reliably
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        sync()
        elapsed = time.perf_counter() - start
        if elapsed >= opts.target / 8 or calls >= 1 << 20:
            break
        calls *= 2
    inner = max(1, int(round(calls * opts.target / elapsed)))
    seconds = []
    for _ in range(opts.repeats):
        gc.collect()
        start = time.perf_counter()
        for _ in range(inner):
            fn()
        sync()
        seconds.append((time.perf_counter() - start) / inner)
    return seconds, inner


# --- the workloads: each returns (seconds per call, inner, check) -----------------------------
def check(what, err, tol):
    return {"what": what, "err": float(f"{err:.3g}"), "tol": tol, "ok": bool(err <= tol)}


def run_tape(adapter, opts):
    step = adapter.tape(tape_x0(), tape_ops(), TAPE_MUL, TAPE_ADD)
    ok = check("grad rel. err.", max_rel_err(step(), tape_reference()), 1e-4)
    return time_calls(step, adapter.sync, opts) + (ok,)


def check_and_time_step(adapter, opts, built, params, ref_loss, ref_grads):
    """Check one training step against the float64 reference, then time it. The first SGD
    step moved each parameter by -LR * grad: the gradients are recovered from it."""
    step, loss_of_last_step, current_params = built
    step()
    adapter.sync()
    grad_err = max(max_rel_err((p0 - p1) / LR, g)
                   for p0, p1, g in zip(params, current_params(), ref_grads))
    loss_err = abs(loss_of_last_step() - ref_loss) / abs(ref_loss)
    ok = check("max(loss, grad) rel. err.", max(grad_err, loss_err), 1e-3)
    return time_calls(step, adapter.sync, opts) + (ok,)


def run_mlp(adapter, opts, workload):
    sizes, batch = MLP_SHAPES[workload]
    params, x, labels = mlp_inputs(sizes, batch)
    return check_and_time_step(adapter, opts, adapter.mlp(params, x, labels, LR), params,
                               *mlp_reference(params, x, labels))


def run_lstm(adapter, opts):
    params, x, head = lstm_inputs()
    return check_and_time_step(adapter, opts, adapter.lstm(params, x, head, LR), params,
                               *lstm_reference(params, x, head))


def run_cnn(adapter, opts, workload):
    params, x, labels = cnn_inputs(CNN_BATCH[workload])
    build = adapter.cnn_gluon if "gluon" in workload else adapter.cnn
    return check_and_time_step(adapter, opts, build(params, x, labels, LR), params,
                               *cnn_reference(params, x, labels))


def run_elementwise(adapter, opts):
    x = big_vector()
    f = adapter.elementwise(x)
    ok = check("rel. err.", max_rel_err(adapter.to_numpy(f()), x.astype(np.float64) ** 2 + 1), 1e-6)
    return time_calls(f, adapter.sync, opts) + (ok,)


def run_elementwise_fwd_bwd(adapter, opts):
    x = big_vector()
    f = adapter.elementwise_fwd_bwd(x)
    ok = check("grad rel. err.", max_rel_err(adapter.to_numpy(f()), 2 * x.astype(np.float64)),
               1e-6)
    return time_calls(f, adapter.sync, opts) + (ok,)


def run_matmul(adapter, opts):
    a, b = matmul_inputs()
    f = adapter.matmul(a, b)
    ref = a.astype(np.float64) @ b.astype(np.float64)
    ok = check("rel. err.", max_rel_err(adapter.to_numpy(f()), ref), 1e-5)
    return time_calls(f, adapter.sync, opts) + (ok,)


def run_sum(adapter, opts):
    x = big_vector()
    f = adapter.sum(x)
    ok = check("rel. err.", max_rel_err(f(), x.astype(np.float64).sum()), 1e-5)
    return time_calls(f, adapter.sync, opts) + (ok,)


def run_copy_limit(adapter, opts):
    x = big_vector()
    f, result = adapter.copy_kernel(x)
    f()
    adapter.sync()
    ok = check("abs. err.", float(np.max(np.abs(result() - x))), 0.0)
    return time_calls(f, adapter.sync, opts) + (ok,)


def run_start(adapter, opts, cold):
    """Wall time of fresh interpreters running the adapter's first-gradient script."""
    script = adapter.start_script()
    ref = tape_x0().astype(np.float64)
    ref = 2 * ref * (1 - np.tanh(ref * ref + 1) ** 2)      # d tanh(x*x+1) / dx
    scratch = tempfile.mkdtemp(prefix="mxgrad-bench-start-")

    def launch(cache_root):
        env = dict(os.environ, MXGRAD_CACHE_DIR=os.path.join(cache_root, "mxgrad"),
                   POCL_CACHE_DIR=os.path.join(cache_root, "pocl"))
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, "-c", script, *map(repr, tape_x0().tolist())],
                              env=env, capture_output=True, text=True)
        seconds = time.perf_counter() - start
        if proc.returncode:
            raise RuntimeError(f"start script failed: {proc.stderr.strip()[-800:]}")
        return seconds, np.array(json.loads(proc.stdout.strip().splitlines()[-1]))

    try:
        warm_root = os.path.join(scratch, "warm")
        _, grad = launch(warm_root)                 # fills the warm caches; checked
        seconds = []
        for i in range(opts.start_repeats):
            root = os.path.join(scratch, f"cold{i}") if cold else warm_root
            t, grad = launch(root)
            seconds.append(t)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return seconds, 1, check("grad rel. err.", max_rel_err(grad, ref), 1e-5)


RUNNERS = {
    "tape-overhead": run_tape,
    "small-mlp-step": lambda a, o: run_mlp(a, o, "small-mlp-step"),
    "mid-mlp-step": lambda a, o: run_mlp(a, o, "mid-mlp-step"),
    "lstm-step": run_lstm,
    "cnn-step-32": lambda a, o: run_cnn(a, o, "cnn-step-32"),
    "cnn-step-128": lambda a, o: run_cnn(a, o, "cnn-step-128"),
    "cnn-gluon-step-32": lambda a, o: run_cnn(a, o, "cnn-gluon-step-32"),
    "elementwise": run_elementwise,
    "elementwise-fwd-bwd": run_elementwise_fwd_bwd,
    "matmul": run_matmul,
    "sum": run_sum,
    "copy-limit": run_copy_limit,
    "start-warm": lambda a, o: run_start(a, o, cold=False),
    "start-cold": lambda a, o: run_start(a, o, cold=True),
}


# --- one measurement per process ----------------------------------------------------------------
def environment():
    """The thread settings that decide CPU numbers, as found."""
    keys = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_CORETYPE",
            "MXGRAD_CTX", "MXGRAD_FUSION", "MXGRAD_NATIVE_BLAS")
    env = {k: os.environ[k] for k in keys if k in os.environ}
    env.update({k: v for k, v in os.environ.items() if k.startswith(("POCL_", "MXNET_"))})
    return env


def measure(peer, workload, opts):
    import adapters
    record = {"peer": peer, "workload": workload}
    adapter = None
    try:
        adapter = adapters.make(peer)
        record["info"] = adapter.info()
        if workload not in adapter.workloads:
            record["skipped"] = f"{peer} does not run {workload}"
            return record
        seconds, inner, ok = RUNNERS[workload](adapter, opts)
    except Exception as e:                      # reported in the table; the run goes on
        record["error"] = f"{type(e).__name__}: {str(e).strip()[-600:]}"
        return record
    finally:
        if adapter is not None:
            try:
                adapter.sync()          # leave no work queued when the interpreter exits
            except Exception as e:
                record.setdefault("error", f"final sync: {type(e).__name__}: {e}")
    w = WORKLOADS[workload]
    record.update(unit=w.unit, better=w.better, inner=inner, check=ok,
                  samples=[float(f"{w.per_call(s):.5g}") for s in seconds],
                  ms_per_call=float(f"{statistics.median(seconds) * 1e3:.4g}"))
    return record


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--peer", required=True)
    p.add_argument("--workload", choices=sorted(WORKLOADS))
    p.add_argument("--probe", action="store_true", help="print the peer's versions and device")
    p.add_argument("--repeats", type=int, default=5, help="timed loops per measurement")
    p.add_argument("--target", type=float, default=0.3, help="seconds per timed loop")
    p.add_argument("--warmup", type=int, default=3, help="untimed calls first")
    p.add_argument("--start-repeats", type=int, default=3, help="processes timed by start-*")
    opts = p.parse_args(argv)
    if opts.probe:
        import adapters
        adapter = adapters.make(opts.peer)
        record = {"peer": opts.peer, "info": adapter.info(), "workloads": sorted(adapter.workloads),
                  "python": platform.python_version(), "env": environment()}
    elif opts.workload:
        record = measure(opts.peer, opts.workload, opts)
    else:
        p.error("give --workload or --probe")
    print(json.dumps(record), flush=True)


if __name__ == "__main__":
    main()
