"""Stress tests: what could hang, crash or exit the process runs in a child process with a
timeout, so a failure shows as a failed test instead of taking the test run down.

Sections: sizes (negative and overflowing sizes), memory pressure (RLIMIT_AS). Several
Python threads at once are stressed in test_threads.py (its children run its own module).
Each child prints a line per step before it runs it, so a hang or a crash names the step.
"""
import os
import subprocess
import sys
import textwrap

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_child(code, timeout, **env):
    """Run ``code`` in a fresh interpreter importing this checkout's mxgrad; the result."""
    full_env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""),
                    **env)
    try:
        return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT,
                              env=full_env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode() if isinstance(e.stdout, bytes) else e.stdout
        pytest.fail(f"child ran past {timeout} s (hung?); its output:\n{out}")


def assert_ok(proc):
    assert proc.returncode == 0 and proc.stdout.rstrip().endswith("DONE"), (
        f"child exited with {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}")


# --- sizes: negative, overflowing and oversized shapes ------------------------------------
_SIZES_CHILD = """
    import mxgrad as mx
    from mxgrad.base import MXNetError
    ctx = mx.Context({kind!r}, {index})
    x = mx.nd.ones((1, 3), ctx=ctx)
    huge = 2 ** 62
    cases = {{
        # negative sizes (used to spin at 100 % CPU in the pool's size-class loop)
        "broadcast_to -1": lambda: mx.nd.broadcast_to(x, shape=(-1, 3)),
        "NDArray.broadcast_to -1": lambda: x.broadcast_to((-1, 3)),
        "NDArray.broadcast_to -2": lambda: x.broadcast_to((-2, 3)),
        "broadcast_axis -2": lambda: mx.nd.broadcast_axis(x, axis=0, size=-2),
        "zeros -1": lambda: mx.nd.zeros((-1, 3), ctx=ctx),
        "ones -2": lambda: mx.nd.ones(-2, ctx=ctx),
        "empty -1": lambda: mx.nd.empty((-1,), ctx=ctx),
        "full -1": lambda: mx.nd.full((-1, 2), 1, ctx=ctx),
        "tile -1": lambda: mx.nd.tile(x, reps=(-1,)),
        "repeat -1": lambda: mx.nd.repeat(x, repeats=-1),
        "reshape -5": lambda: x.reshape((-5,)),
        "uniform -1": lambda: mx.nd.random.uniform(shape=(-1,), ctx=ctx),
        # element counts or bytes past 64 bits (used to wrap to size 0 or segfault)
        "zeros 2**32 x 2**32": lambda: mx.nd.zeros((2 ** 32, 2 ** 32), ctx=ctx),
        "ones 2**61 x 8": lambda: mx.nd.ones((2 ** 61, 8), ctx=ctx),
        "empty 2**63-1": lambda: mx.nd.empty((2 ** 63 - 1,), ctx=ctx),
        "zeros 2**64": lambda: mx.nd.zeros((2 ** 64,), ctx=ctx),
        "broadcast_to 2**62": lambda: mx.nd.broadcast_to(x, shape=(huge, 3)),
        "broadcast_axis 2**62": lambda: mx.nd.broadcast_axis(x, axis=0, size=huge),
        "tile 2**62": lambda: mx.nd.tile(x, reps=(huge,)),
        "repeat 2**62": lambda: mx.nd.repeat(x, repeats=huge),
        "arange 1e30": lambda: mx.nd.arange(0, 1e30, ctx=ctx),
        "eye 2**31": lambda: mx.nd.eye(2 ** 31, ctx=ctx),
        "normal 2**62": lambda: mx.nd.random.normal(shape=(huge, 4), ctx=ctx),
        "outer broadcast": lambda: (mx.nd.ones((2 ** 20, 1, 1), ctx=ctx)
                                    + mx.nd.ones((1, 2 ** 20, 1), ctx=ctx)
                                    + mx.nd.ones((1, 1, 2 ** 20), ctx=ctx)).wait_to_read(),
        # more than the device's largest buffer
        "past max alloc": lambda: mx.nd.empty((ctx.state.pool.max_alloc // 4 + 1,), ctx=ctx),
    }}
    for name, make in cases.items():
        print("step", name, flush=True)
        try:
            make()
        except MXNetError as e:
            print("  raised", str(e)[:200], flush=True)
        else:
            print("  NO ERROR", flush=True)
    print("step still working", flush=True)
    assert (x * 2).asnumpy().tolist() == [[2, 2, 2]]
    assert mx.nd.broadcast_axis(x, axis=0, size=0).shape == (0, 3)
    assert mx.nd.zeros((2 ** 40, 2 ** 40, 0), ctx=ctx).shape == (2 ** 40, 2 ** 40, 0)
    print("DONE")
"""


def test_bad_sizes_raise_at_once(ctx):
    proc = run_child(_SIZES_CHILD.format(kind=ctx.device_type, index=ctx.device_id), 60)
    assert_ok(proc)
    assert "NO ERROR" not in proc.stdout, proc.stdout
    # the error names the size in bytes
    assert "73786976294838206464 bytes" in proc.stdout, proc.stdout


# --- memory pressure: RLIMIT_AS in the child -----------------------------------------------
_PRESSURE_CHILD = """
    import resource
    import numpy as np
    import mxgrad as mx
    from mxgrad.base import MXNetError

    def vm_size():
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmSize"):
                    return int(line.split()[1]) * 1024

    ctx = mx.Context({kind!r}, {index})
    mx.nd.ones((2, 2), ctx=ctx).asnumpy()
    limit = vm_size() + ({extra_mib} << 20)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    MiB = 1 << 20 >> 2        # float32 elements in a MiB

    print("step too large at once", flush=True)
    try:
        mx.nd.zeros(({extra_mib} * 2 * MiB,), ctx=ctx)
    except MXNetError as e:
        assert isinstance(e, MemoryError), type(e).__mro__
        print("  raised", e, flush=True)
    else:
        raise SystemExit("no error")

    print("step fill up", flush=True)
    held, chunk = [], 128
    for _ in range({extra_mib} // chunk + 1):
        try:
            held.append(mx.nd.ones((chunk * MiB,), ctx=ctx))
        except MXNetError as e:
            assert isinstance(e, MemoryError), type(e).__mro__
            break
    else:
        raise SystemExit("no error")
    total = len(held) * chunk
    print("  held", total, "MiB", flush=True)
    assert len(held) >= 3

    print("step first GEMM and new kernels under pressure", flush=True)
    a = np.arange(96 * 80, dtype=np.float32).reshape(96, 80) / 1000
    b = np.arange(80 * 64, dtype=np.float32).reshape(80, 64) / 1000
    got = mx.nd.dot(mx.nd.array(a, ctx=ctx), mx.nd.array(b, ctx=ctx)).asnumpy()
    np.testing.assert_allclose(got, a.astype(np.float64) @ b, rtol=1e-5)
    c = np.random.RandomState(0).rand(256, 256).astype(np.float32)   # split in parts
    got = mx.nd.dot(mx.nd.array(c, ctx=ctx), mx.nd.array(c, ctx=ctx)).asnumpy()
    np.testing.assert_allclose(got, c.astype(np.float64) @ c, rtol=1e-4)
    y = mx.nd.arcsinh(mx.nd.array(a, ctx=ctx)) * 3 + 1
    np.testing.assert_allclose(y.asnumpy(), np.arcsinh(a) * 3 + 1, rtol=1e-5)

    print("step freed: the same allocation succeeds", flush=True)
    del held[len(held) // 2:]
    again = mx.nd.ones((chunk * MiB,), ctx=ctx)
    assert again[-1].asscalar() == 1
    del held[:], again
    pool = ctx.state.pool
    assert pool.stats()["parked"] > 0
    # nearly all that was held, in one array: fits only once the pool gives back what it parks
    other = mx.nd.full(((total - 2 * chunk) * MiB,), 2, ctx=ctx)
    assert other[-1].asscalar() == 2
    assert pool.stats()["parked"] == 0, pool.stats()
    print("DONE")
"""


def test_memory_pressure_fails_cleanly_and_recovers(ctx, tmp_path):
    if ctx.device_type != "cpu" or not ctx.state.pool.headroom:
        pytest.skip("RLIMIT_AS bounds host memory: only devices whose buffers are host memory")
    # fresh kernel caches: the kernels the child needs are compiled under pressure
    proc = run_child(_PRESSURE_CHILD.format(kind=ctx.device_type, index=ctx.device_id,
                                            extra_mib=1536), 90,
                     MXGRAD_CACHE_DIR=str(tmp_path / "mxgrad"),
                     POCL_CACHE_DIR=str(tmp_path / "pocl"))
    assert_ok(proc)
