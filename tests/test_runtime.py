"""Contexts, device selection, embedding into a host OpenCL context, and the program cache.

Device state (queues, the default context, MXGRAD_CTX) is per process, so the tests that
change it run Python in a subprocess. Subprocesses get their own PoCL kernel cache folder:
PoCL's cache has been corrupted by concurrent processes before (see FACTS.md).
"""
import os
import pickle
import shutil
import subprocess
import sys
import textwrap
import threading

import pytest

import mxgrad as mx
from mxgrad import _devices, _programs
from mxgrad.base import MXNetError

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HAS_CPU = bool(_devices.devices_of("cpu"))


@pytest.fixture(scope="module")
def pocl_cache(tmp_path_factory):
    """A PoCL cache folder for this module's subprocesses (one at a time)."""
    return str(tmp_path_factory.mktemp("pocl"))


def run_python(code, pocl_cache, check=True, **env_changes):
    """Run ``code`` in a fresh interpreter; returns (returncode, stdout + stderr)."""
    env = dict(os.environ)
    env["POCL_CACHE_DIR"] = pocl_cache
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    for key, value in env_changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=env,
                          capture_output=True, text=True, timeout=300, cwd=ROOT)
    out = proc.stdout + proc.stderr
    if check:
        assert proc.returncode == 0, out
    return proc.returncode, out


# --- Context objects --------------------------------------------------------------------------
def test_context_identity_like_mxnet():
    c = mx.cpu(0)
    assert c == mx.Context("cpu", 0) == mx.Context(c) == mx.cpu()
    assert hash(c) == hash(mx.Context("cpu", 0))
    assert c != mx.cpu(1) and c != mx.gpu(0) and c != 0 and c != "cpu(0)"
    assert str(c) == repr(c) == "cpu(0)"
    assert str(mx.gpu(1)) == repr(mx.gpu(1)) == "gpu(1)"
    assert (c.device_type, c.device_id, c.device_typeid) == ("cpu", 0, 1)
    g = mx.gpu(2)
    assert (g.device_type, g.device_id, g.device_typeid) == ("gpu", 2, 2)
    assert mx.Context.devtype2str == {1: "cpu", 2: "gpu"}
    assert mx.Context.devstr2type == {"cpu": 1, "gpu": 2}
    assert len({mx.cpu(0), mx.Context("cpu", 0), mx.gpu(0)}) == 2


def test_context_pickles():
    for c in (mx.cpu(0), mx.gpu(3)):
        assert pickle.loads(pickle.dumps(c)) == c


@pytest.mark.parametrize("args", [("tpu", 0), ("cpu", -1), ("cpu", "1"), ("cpu", 1.5)])
def test_bad_context_arguments(args):
    with pytest.raises(MXNetError):
        mx.Context(*args)


def test_num_gpus_counts_opencl_gpus():
    assert mx.num_gpus() == len(_devices.devices_of("gpu"))
    assert mx.context.num_gpus() == mx.num_gpus()


def test_a_missing_device_fails_when_first_used():
    missing = mx.gpu(mx.num_gpus() + 5)       # creating the Context touches nothing
    assert str(missing) == f"gpu({mx.num_gpus() + 5})"
    with pytest.raises(MXNetError, match=r"gpu\(\d+\) does not exist.*available"):
        mx.nd.zeros(3, ctx=missing)


@pytest.mark.skipif(not HAS_CPU, reason="no OpenCL CPU device")
def test_extra_cpu_contexts_share_cpu0_like_mxnet():
    extra = mx.cpu(len(_devices.devices_of("cpu")) + 3)
    x = mx.nd.ones((2,), ctx=extra)
    assert x.context == extra and str(x.context) == str(extra)
    assert extra.device_info.device.int_ptr == mx.cpu(0).device_info.device.int_ptr
    y = mx.nd.ones((2,), ctx=mx.cpu(0))
    assert (x + y).context == extra and (y + x).context == mx.cpu(0)
    assert (x + y).asnumpy().tolist() == [2, 2]
    assert x.as_in_context(mx.cpu(0)).context == mx.cpu(0)


def test_available_text_names_every_device():
    text = _devices.available_text()
    for info in _devices.all_devices():
        assert f"{info.kind}({info.index}): {info.name}" in text


# --- the default context ----------------------------------------------------------------------
def test_with_block_sets_the_default_of_this_thread(ctx):
    default = mx.current_context()
    seen_in_thread = []
    with ctx as entered:
        assert entered is ctx
        assert mx.current_context() == ctx
        assert mx.nd.zeros(2).context == ctx
        with mx.gpu(7):
            assert mx.current_context() == mx.gpu(7)
        assert mx.current_context() == ctx
        t = threading.Thread(target=lambda: seen_in_thread.append(mx.current_context()))
        t.start()
        t.join()
    assert seen_in_thread == [default]        # a new thread sees the process default
    assert mx.current_context() == default


def test_with_block_is_restored_after_an_exception(ctx):
    default = mx.current_context()
    with pytest.raises(RuntimeError):
        with mx.gpu(9):
            raise RuntimeError("boom")
    assert mx.current_context() == default


@pytest.mark.skipif(not HAS_CPU, reason="no OpenCL CPU device")
def test_default_is_cpu0_like_mxnet(pocl_cache):
    _, out = run_python("import mxgrad as mx; print(mx.current_context())", pocl_cache,
                        MXGRAD_CTX=None)
    assert out.strip() == "cpu(0)"


def _first_device_specs():
    """MXGRAD_CTX values naming the first device of pyopencl's first platform."""
    import pyopencl as cl
    platform = cl.get_platforms()[0]
    device = platform.get_devices()[0]
    for info in _devices.all_devices():
        if info.device.int_ptr == device.int_ptr:
            expected = f"{info.kind}({info.index})"
    word = platform.name.split()[0]
    return [(expected, expected), ("0:0", expected), ("0", expected),
            (word.lower(), expected), (f"{word.upper()}:{device.name.split()[0]}", expected)]


@pytest.mark.skipif(not _devices.all_devices(), reason="no OpenCL device")
def test_mxgrad_ctx_selects_the_default(monkeypatch, pocl_cache):
    for spec, expected in _first_device_specs():
        monkeypatch.setenv("MXGRAD_CTX", spec)
        assert "%s(%d)" % _devices.default_device() == expected, spec
    # end to end: the process default of a fresh interpreter
    spec, expected = _first_device_specs()[1]
    _, out = run_python("import mxgrad as mx; print(mx.current_context()); "
                        "print(mx.nd.ones(2).context)", pocl_cache, MXGRAD_CTX=spec)
    assert out.split() == [expected, expected]


@pytest.mark.parametrize("spec,message", [
    ("gpu(99)", r"gpu\(99\) does not exist"), ("cpu(x)", r"expected cpu\(i\) or gpu\(i\)"),
    ("tpu(0)", r"expected cpu\(i\) or gpu\(i\)"), ("57", "platform 57 does not exist"),
    ("0:57", "device 57 does not exist"), ("no-such-vendor", "no platform name contains"),
    (":", "not a device name"), ("cpu", "not a device name"), ("GPU", "not a device name"),
    ("0:", "not a device name"), (":0", "not a device name"), ("0:0:0", "not a device name"),
    ("cpu(1", "not a device name"), ("cpu(0)x", "not a device name"),
    ("cpu(\u00b2)", "not a device name"), ("\u00b2", "no platform name contains"),
])
def test_mxgrad_ctx_errors_name_the_variable_and_the_devices(monkeypatch, spec, message):
    monkeypatch.setenv("MXGRAD_CTX", spec)
    with pytest.raises(MXNetError, match=message) as info:
        _devices.default_device()
    text = str(info.value)
    assert f"MXGRAD_CTX={spec!r}" in text
    assert "platforms:" in text and "available:" in text
    assert "\n" not in text and text.count("available:") == 1
    if "not a device name" in text:      # malformed: the valid forms are named
        assert "cpu(i) or gpu(i)" in text and "platform[:device]" in text


@pytest.mark.skipif(not HAS_CPU, reason="no OpenCL CPU device")
def test_mxgrad_ctx_cpu_i_means_what_mx_cpu_i_means(monkeypatch, pocl_cache):
    # mx.cpu(i) past the last CPU device runs on cpu(0)'s device (as in MXNet, where every
    # cpu(i) is host memory); the variable accepts the same names.
    past_last = len(_devices.devices_of("cpu"))
    for index in (0, past_last, past_last + 5):
        monkeypatch.setenv("MXGRAD_CTX", f"cpu({index})")
        assert _devices.default_device() == ("cpu", index)
    _, out = run_python(f"""
        import mxgrad as mx
        x = mx.nd.array([1, 2, 3])
        print(mx.current_context(), x.context, x.context == mx.cpu({past_last}))
        print((x * 2).asnumpy().tolist(), x.context.device_info.name == mx.cpu(0).device_info.name)
    """, pocl_cache, MXGRAD_CTX=f" cpu( {past_last} ) ")
    assert out.split("\n")[:2] == [f"cpu({past_last}) cpu({past_last}) True", "[2.0, 4.0, 6.0] True"]


def test_malformed_mxgrad_ctx_is_one_line_on_first_use(pocl_cache):
    for spec in (":", "cpu"):
        rc, out = run_python("import mxgrad as mx; mx.nd.ones(2)", pocl_cache, check=False,
                             MXGRAD_CTX=spec)
        last = out.strip().splitlines()[-1]
        assert rc != 0 and last.startswith("mxgrad.base.MXNetError: not a device name"), out
        assert f"MXGRAD_CTX={spec!r}" in last and "cpu(i) or gpu(i)" in last


def test_mxgrad_ctx_error_surfaces_on_first_use(pocl_cache):
    rc, out = run_python("import mxgrad as mx; mx.nd.ones(2)", pocl_cache, check=False,
                         MXGRAD_CTX="gpu(99)")
    assert rc != 0 and "MXNetError" in out and "gpu(99) does not exist" in out


# --- embedding: an application's own queue ----------------------------------------------------
@pytest.mark.skipif(not _devices.all_devices(), reason="no OpenCL device")
def test_from_queue_uses_the_host_context_and_queue(pocl_cache):
    _, out = run_python("""
        import pyopencl as cl
        device = cl.get_platforms()[0].get_devices()[0]
        host_ctx = cl.Context([device])
        queue = cl.CommandQueue(host_ctx, device)
        import mxgrad as mx
        ctx = mx.Context.from_queue(queue)
        x = mx.nd.array([1, 2, 3], ctx=ctx) * 2
        assert x.context == ctx
        assert x.context.cl_context.int_ptr == host_ctx.int_ptr
        assert x.context.queue.int_ptr == queue.int_ptr
        assert mx.Context.from_queue(queue) == ctx        # the same queue again is fine
        try:
            mx.Context.from_queue(cl.CommandQueue(host_ctx, device))
        except mx.MXNetError as e:
            print("second queue:", e)
        print(x.asnumpy().tolist())
    """, pocl_cache)
    assert "[2.0, 4.0, 6.0]" in out
    assert "second queue:" in out and "already in use" in out


@pytest.mark.skipif(not _devices.all_devices(), reason="no OpenCL device")
def test_from_queue_refuses_an_out_of_order_queue(pocl_cache):
    _, out = run_python("""
        import pyopencl as cl
        device = cl.get_platforms()[0].get_devices()[0]
        host_ctx = cl.Context([device])
        props = cl.command_queue_properties.OUT_OF_ORDER_EXEC_MODE_ENABLE
        try:
            queue = cl.CommandQueue(host_ctx, device, properties=props)
        except cl.Error:
            print("unsupported"); raise SystemExit
        import mxgrad as mx
        try:
            mx.Context.from_queue(queue)
        except mx.MXNetError as e:
            print("refused:", e)
    """, pocl_cache)
    assert "unsupported" in out or "in-order" in out


# --- program building and the disk cache ------------------------------------------------------
_WORKLOAD = """
    import mxgrad as mx, mxgrad._programs as P
    built = []
    compile_from_source = P._build
    def counting_build(*args):
        built.append(args[-1])
        return compile_from_source(*args)
    P._build = counting_build
    x = mx.nd.array([1, 2, 3], dtype="{dtype}")
    print(((x + 1) * 3 - mx.nd.exp(x)).asnumpy().tolist())
    print("built from source:", len(built))
"""


def _cache_entries(cache):
    return sorted(f for f in os.listdir(cache) if f.endswith(".bin"))


@pytest.mark.skipif(not _devices.all_devices(), reason="no OpenCL device")
def test_second_process_loads_cached_binaries(tmp_path, pocl_cache):
    cache = tmp_path / "cache"
    _, first = run_python(_WORKLOAD.format(dtype="float32"), pocl_cache, MXGRAD_CACHE_DIR=str(cache))
    entries = _cache_entries(cache)
    assert entries and "built from source: 0" not in first
    _, second = run_python(_WORKLOAD.format(dtype="float32"), pocl_cache,
                           MXGRAD_CACHE_DIR=str(cache))
    assert "built from source: 0" in second
    assert first.splitlines()[0] == second.splitlines()[0]
    assert _cache_entries(cache) == entries
    for name in entries:
        assert _programs._read_binary(str(cache / name), name[:-4]) is not None


@pytest.mark.skipif(not _devices.all_devices(), reason="no OpenCL device")
def test_concurrent_processes_leave_a_valid_cache(tmp_path, pocl_cache):
    cache = tmp_path / "cache"
    env = dict(os.environ, MXGRAD_CACHE_DIR=str(cache),
               PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    procs = []
    for k in range(2):
        own_pocl_cache = tmp_path / f"pocl{k}"       # a copy each: PoCL's own cache is not
        shutil.copytree(pocl_cache, own_pocl_cache)   # safe for concurrent writers
        env_k = dict(env, POCL_CACHE_DIR=str(own_pocl_cache))
        procs.append(subprocess.Popen(
            [sys.executable, "-c", textwrap.dedent(_WORKLOAD.format(dtype="float32"))],
            env=env_k, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))
    outs = [p.communicate(timeout=300)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    assert outs[0].splitlines()[0] == outs[1].splitlines()[0]
    entries = _cache_entries(cache)
    assert entries
    assert not [f for f in os.listdir(cache) if f.startswith(".tmp-")]
    for name in entries:
        assert _programs._read_binary(str(cache / name), name[:-4]) is not None
    _, again = run_python(_WORKLOAD.format(dtype="float32"), pocl_cache, MXGRAD_CACHE_DIR=str(cache))
    assert "built from source: 0" in again


def _damage(data, how):
    if how == "truncate":
        return data[:len(data) // 2]
    if how == "flip":
        return data[:-100] + bytes(b ^ 0xFF for b in data[-100:])
    return how                                   # replaced by these bytes


@pytest.mark.skipif(not _devices.all_devices(), reason="no OpenCL device")
def test_damaged_cache_entries_are_rebuilt(tmp_path, pocl_cache):
    cache = tmp_path / "cache"
    _, first = run_python(_WORKLOAD.format(dtype="int32"), pocl_cache, MXGRAD_CACHE_DIR=str(cache))
    entries = _cache_entries(cache)
    damages = [b"", b"garbage", "truncate", "flip"]
    for k, name in enumerate(entries):
        path = cache / name
        path.write_bytes(_damage(path.read_bytes(), damages[k % len(damages)]))
    _, second = run_python(_WORKLOAD.format(dtype="int32"), pocl_cache,
                           MXGRAD_CACHE_DIR=str(cache))
    assert first.splitlines()[0] == second.splitlines()[0]
    assert f"built from source: {len(entries)}" in second
    assert _cache_entries(cache) == entries
    for name in entries:
        assert _programs._read_binary(str(cache / name), name[:-4]) is not None


def test_read_binary_rejects_damage(tmp_path):
    key = "0" * 64
    path = tmp_path / "entry.bin"
    _programs._write_binary(str(path), key, b"some binary")
    assert _programs._read_binary(str(path), key) == b"some binary"
    good = path.read_bytes()
    for how in (b"", b"garbage", "truncate"):
        path.write_bytes(_damage(good, how))
        assert _programs._read_binary(str(path), key) is None
    path.write_bytes(good[:-1] + bytes([good[-1] ^ 1]))
    assert _programs._read_binary(str(path), key) is None
    assert _programs._read_binary(str(tmp_path / "missing.bin"), key) is None


@pytest.mark.skipif(not _devices.all_devices(), reason="no OpenCL device")
def test_disk_cache_can_be_turned_off(tmp_path, pocl_cache):
    cache = tmp_path / "cache"
    run_python(_WORKLOAD.format(dtype="float32"), pocl_cache, MXGRAD_CACHE_DIR=str(cache),
               MXGRAD_NO_DISK_CACHE="1")
    assert not cache.exists() or not _cache_entries(cache)


def test_cache_key_depends_on_source_and_options(ctx):
    dev = ctx.device_info.device
    k = _programs._cache_key(dev, "a", "")
    assert k == _programs._cache_key(dev, "a", "")
    assert k != _programs._cache_key(dev, "b", "")
    assert k != _programs._cache_key(dev, "a", "-D X=1")


def test_build_failure_raises_with_the_build_log(ctx):
    with pytest.raises(MXNetError) as info:
        _programs.build(ctx.cl_context, ctx.device_info.device,
                        "__kernel void f(){ syntax error }", what="a broken test kernel")
    message = str(info.value)
    assert "a broken test kernel" in message
    assert "build log" in message
    assert "syntax" in message                      # the compiler names the bad token


def test_unknown_kernel_family_is_an_error():
    with pytest.raises(MXNetError, match="no_such_family"):
        _programs.kernel_source("no_such_family")


def test_empty_cache_keeps_live_arrays(ctx):
    x = mx.nd.arange(10, ctx=ctx)
    (x * 2).wait_to_read()
    ctx.empty_cache()
    assert x.asnumpy().tolist() == list(range(10))


def test_launches_split_into_grid_pieces_give_the_same_results(ctx):
    # GPUs take at most 65,535 work-groups along dims 1 and 2 of a launch; beyond, a launch
    # runs as pieces with global offsets. Force tiny pieces here and compare with numpy:
    # row-wise copies, im2col/col2im, pooling, broadcast adds on a 2-D grid, and the OpenCL
    # GEMM kernel (arrays over another application's buffers do not use the host BLAS).
    import numpy as np
    import pyopencl.array as cla
    rng = np.random.RandomState(12)
    x = rng.uniform(-1, 1, (5, 7, 6, 40)).astype(np.float32)
    w = rng.uniform(-1, 1, (3, 7, 3, 3)).astype(np.float32)
    a = rng.uniform(-1, 1, (150, 70)).astype(np.float32)
    b = rng.uniform(-1, 1, (70, 90)).astype(np.float32)

    def run():
        X, W = mx.nd.array(x, ctx=ctx), mx.nd.array(w, ctx=ctx)
        A = mx.interop.from_pyopencl(cla.to_device(ctx.queue, a), ctx=ctx)
        B = mx.interop.from_pyopencl(cla.to_device(ctx.queue, b), ctx=ctx)
        X.attach_grad()
        with mx.autograd.record():
            c = mx.nd.Convolution(X, W, kernel=(3, 3), pad=(1, 1), num_filter=3, no_bias=True)
            p = mx.nd.Pooling(c, kernel=(2, 2), stride=(2, 2), pool_type="max")
            loss = (p * p).sum()
        loss.backward()
        return [X[:, 1:, 2:, 3:37].asnumpy(), (X + mx.nd.array(x[0, 0, 0], ctx=ctx)).asnumpy(),
                c.asnumpy(), p.asnumpy(), X.grad.asnumpy(), mx.nd.dot(A, B).asnumpy()]

    whole = run()
    state = ctx.state
    saved = state.grid_limit
    state.grid_limit = 2
    try:
        pieces = run()
    finally:
        state.grid_limit = saved
    for got, want in zip(pieces, whole):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(whole[0], x[:, 1:, 2:, 3:37])
    np.testing.assert_allclose(whole[5], a @ b, rtol=1e-4, atol=1e-4)


def test_gemm_kernel_split_into_pieces_from_its_first_launch(ctx):
    # Observed on PoCL: with its row block read from group ids (which exclude the pieces'
    # offsets), a GEMM kernel that had already run whole still gave right results in
    # pieces, and only one whose first launch was in pieces went wrong. So this builds a
    # fresh kernel (an extra build option) whose very first launch is in pieces.
    import numpy as np
    import pyopencl.array as cla
    from mxgrad import _gemm
    from mxgrad.ndarray import linalg
    from mxgrad.ndarray._kernels import family_kernel
    rng = np.random.RandomState(13)
    a = rng.uniform(-1, 1, (150, 70)).astype(np.float32)
    b = rng.uniform(-1, 1, (70, 90)).astype(np.float32)
    A = mx.interop.from_pyopencl(cla.to_device(ctx.queue, a), ctx=ctx)
    B = mx.interop.from_pyopencl(cla.to_device(ctx.queue, b), ctx=ctx)

    def fresh_kernel(c, trans_a, trans_b, code):
        return family_kernel(c, "gemm", "gemm", code, f"-D TRANS_A={int(trans_a)} "
                             f"-D TRANS_B={int(trans_b)} -D FIRST_LAUNCH_IN_PIECES=1")
    state = ctx.state
    saved = state.grid_limit
    _gemm._set_kernel_getter(fresh_kernel)
    state.grid_limit = 1
    try:
        out = mx.nd.dot(A, B).asnumpy()
    finally:
        state.grid_limit = saved
        _gemm._set_kernel_getter(linalg._gemm_kernel)
    np.testing.assert_allclose(out, a @ b, rtol=1e-4, atol=1e-4)


def test_launches_respect_a_small_work_group_limit(ctx):
    # Oclgrind and some CPU runtimes take at most 1,024 work-items per group; the one-group
    # rule for small CPU launches once ignored that (CL_INVALID_WORK_ITEM_SIZE from 2,048).
    # Here the device's limits are lowered to 256, below every launch size used, and each
    # launch's work-group shape is recorded.
    import numpy as np
    from mxgrad import nd
    rng = np.random.RandomState(14)
    x = rng.uniform(-1, 1, (40, 50)).astype(np.float32)
    v = rng.uniform(-1, 1, (4096,)).astype(np.float32)
    img = rng.uniform(-1, 1, (2, 3, 30, 40)).astype(np.float32)
    small = [rng.uniform(-1, 1, (n,)).astype(np.float32) for n in (2000, 3000, 100)]

    def run():
        X, V, I = (nd.array(a, ctx=ctx) for a in (x, v, img))
        with mx.autograd.train_mode():
            drop = nd.Dropout(X, p=0.5)
        S = [nd.array(a, ctx=ctx) for a in small]
        segments = [nd.exp(a) * 2 for a in S]            # independent groups: segments
        return [drop.asnumpy(), (X * 3 + 1).asnumpy(), (V * V).sum().asnumpy(),
                nd.sum(X, axis=0).asnumpy(), nd.softmax(X).asnumpy(),
                nd.Pooling(I, kernel=(2, 2), stride=(2, 2), pool_type="max").asnumpy(),
                nd.transpose(X).asnumpy()] + [s.asnumpy() for s in segments]

    state = ctx.state
    saved = state.max_group_size, state.max_item_sizes
    nd.waitall()
    state.max_group_size, state.max_item_sizes = 256, (256, 256, 256)
    state.group_trace = []
    try:
        got = run()
        nd.waitall()
        groups = state.group_trace
    finally:
        state.max_group_size, state.max_item_sizes = saved
        state.group_trace = None
    drop, want = got[0], x * 2
    assert np.all((drop == 0) | np.isclose(drop, want)) and 0.3 < np.mean(drop == 0) < 0.7
    np.testing.assert_allclose(got[1], x * 3 + 1, rtol=1e-6)
    np.testing.assert_allclose(got[2], [(v * v).sum()], rtol=1e-4)
    np.testing.assert_allclose(got[3], x.sum(axis=0), rtol=1e-5, atol=1e-6)
    e = np.exp(x - x.max(axis=1, keepdims=True))
    np.testing.assert_allclose(got[4], e / e.sum(axis=1, keepdims=True), rtol=1e-5)
    np.testing.assert_allclose(got[5], img.reshape(2, 3, 15, 2, 20, 2).max(axis=(3, 5)))
    np.testing.assert_array_equal(got[6], x.T)
    for r, a in zip(got[7:], small):
        np.testing.assert_allclose(r, np.exp(a) * 2, rtol=1e-6)
    names = {name for name, _ in groups}
    assert {"fused", "reduce", "softmax"} <= names, names
    for name, shape in groups:
        assert shape is None or np.prod(shape) <= 256, (name, shape)
    assert ("fused_segments", (256,)) in groups, groups     # their group size is ours
    if state.is_cpu:       # small launches still run as one group, within the limit
        assert ("draw", (128,)) in groups, groups
