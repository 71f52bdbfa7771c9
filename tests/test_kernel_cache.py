"""The kernel binary cache on disk: entries bound to their key, cold starts side by side.

Each scenario runs fresh interpreters (the cache is read at first use of a program) with
kernel caches of the test's own, as processes on a user's machine would.
"""
import hashlib
import os
import subprocess
import sys
import textwrap
import threading

import numpy as np
import pytest

from mxgrad import _devices, _programs

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
pytestmark = pytest.mark.skipif(not _devices.all_devices(), reason="no OpenCL device")


def _env(tmp_path, **changes):
    env = dict(os.environ, MXGRAD_CACHE_DIR=str(tmp_path / "mxgrad-cache"),
               POCL_CACHE_DIR=str(tmp_path / "pocl-cache"),
               PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.pop("MXGRAD_NO_DISK_CACHE", None)
    env.update(changes)
    return env


def _run(code, env):
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


# Prints each op's result and how many programs were compiled from source.
_OPS = """
    import mxgrad as mx, mxgrad._programs as P
    built = []
    compile_from_source = P._build
    def counting_build(*args):
        built.append(args[-1])
        return compile_from_source(*args)
    P._build = counting_build
    x = mx.nd.array([0.5, 1.0, 2.0])
    for op in {ops!r}:
        print(op, getattr(mx.nd, op)(x).asnumpy().tolist())
    print("built from source:", len(built))
"""


def _results(out):
    """{op: values} and the number of programs built from source, from an _OPS run."""
    lines = out.strip().splitlines()
    values = {line.split()[0]: eval(line.split(" ", 1)[1]) for line in lines[:-1]}
    return values, int(lines[-1].rsplit(" ", 1)[1])


def _entries(cache):
    return {f for f in os.listdir(cache) if f.endswith(".bin")}


def test_swapped_entries_are_rebuilt_not_run(tmp_path):
    # Two programs whose kernels have the same name and signature: each file holding the
    # other's binary would load and run. The entry must say which key it was written for.
    env = _env(tmp_path)
    cache = tmp_path / "mxgrad-cache"
    _run(_OPS.format(ops=["exp"]), env)
    exp_entries = _entries(cache)
    _run(_OPS.format(ops=["sin"]), env)
    sin_entries = _entries(cache) - exp_entries
    assert exp_entries and sin_entries
    exp_file, sin_file = cache / sorted(exp_entries)[-1], cache / sorted(sin_entries)[0]
    exp_bytes, sin_bytes = exp_file.read_bytes(), sin_file.read_bytes()
    exp_file.write_bytes(sin_bytes)
    sin_file.write_bytes(exp_bytes)

    values, built = _results(_run(_OPS.format(ops=["exp", "sin"]), env))
    x = np.array([0.5, 1.0, 2.0], np.float32)
    np.testing.assert_allclose(values["exp"], np.exp(x), rtol=1e-6)
    np.testing.assert_allclose(values["sin"], np.sin(x), rtol=1e-6, atol=1e-7)
    assert built == 2                              # both swapped entries, nothing else
    for path in (exp_file, sin_file):             # ...and rewritten for their own keys
        assert _programs._read_binary(str(path), path.name[:-4]) is not None
    _, built = _results(_run(_OPS.format(ops=["exp", "sin"]), env))
    assert built == 0


def test_truncated_and_old_format_entries_are_rebuilt(tmp_path):
    env = _env(tmp_path)
    cache = tmp_path / "mxgrad-cache"
    first, _ = _results(_run(_OPS.format(ops=["exp", "tanh"]), env))
    entries = sorted(_entries(cache))
    assert len(entries) >= 2
    truncated, old_format = cache / entries[0], cache / entries[1]
    truncated.write_bytes(truncated.read_bytes()[:-200])
    # The first format had no key: magic, checksum of the binary, binary.
    data = old_format.read_bytes()
    binary = data[len(_programs._MAGIC) + _programs._KEY_LEN + 32:]
    old_format.write_bytes(b"mxgrad-cl-binary-1\n" + hashlib.sha256(binary).digest() + binary)

    again, built = _results(_run(_OPS.format(ops=["exp", "tanh"]), env))
    assert again == first
    assert built == 2
    for name in entries:
        assert _programs._read_binary(str(cache / name), name[:-4]) is not None


def test_read_binary_checks_the_key(tmp_path):
    a, b = "a" * 64, "b" * 64
    path = tmp_path / (a + ".bin")
    _programs._write_binary(str(path), a, b"the binary")
    assert _programs._read_binary(str(path), a) == b"the binary"
    assert _programs._read_binary(str(path), b) is None
    other = tmp_path / (b + ".bin")
    other.write_bytes(path.read_bytes())           # a copy under another key's name
    assert _programs._read_binary(str(other), b) is None


# --- processes starting together with cold caches ---------------------------------------------
_UNARY_OPS = ["exp", "log", "sin", "cos", "tan", "tanh", "sqrt", "abs", "sigmoid", "relu",
              "square", "negative", "floor", "ceil", "rsqrt", "cbrt", "expm1", "log1p",
              "sinh", "arctan"]


def test_eight_processes_with_cold_caches_all_succeed(tmp_path):
    # Each op is a program of its own, so eight processes compile the same programs at the
    # same moment. Before: PoCL's shared cache failed about one build in a hundred here
    # (BUILD_PROGRAM_FAILURE: it removes a file another process has just removed).
    env = _env(tmp_path)
    code = textwrap.dedent(_OPS.format(ops=_UNARY_OPS))
    procs = [subprocess.Popen([sys.executable, "-c", code], env=env, cwd=ROOT, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
             for _ in range(8)]
    outs = [p.communicate(timeout=300)[0] for p in procs]
    assert [p.returncode for p in procs] == [0] * 8, "\n".join(o[-600:] for o in outs)
    results = [_results(out) for out in outs]
    x = np.array([0.5, 1.0, 2.0], np.float32)
    numpy_of = {"sigmoid": lambda v: 1 / (1 + np.exp(-v)), "relu": lambda v: np.maximum(v, 0),
                "rsqrt": lambda v: 1 / np.sqrt(v)}
    for op, values in results[0][0].items():
        want = numpy_of.get(op, getattr(np, op, None))(x)
        np.testing.assert_allclose(values, want, rtol=1e-5, atol=1e-6, err_msg=op)
    assert all(values == results[0][0] for values, _ in results)
    # Compiled about once each (one process at a time per program), not once per process.
    assert sum(built for _, built in results) < 2 * len(_UNARY_OPS)
    cache = tmp_path / "mxgrad-cache"
    for name in _entries(cache):
        assert _programs._read_binary(str(cache / name), name[:-4]) is not None


_SOURCE = "__kernel void f(__global float *x) { x[get_global_id(0)] += %s; }"


def test_a_failed_build_from_source_is_tried_once_more(ctx, monkeypatch):
    monkeypatch.setenv("MXGRAD_NO_DISK_CACHE", "1")
    attempts = []
    compile_from_source = _programs._build

    def failing_once(*args):
        attempts.append(args[-1])
        if len(attempts) == 1:
            raise _programs.MXNetError("BUILD_PROGRAM_FAILURE (as PoCL's shared cache gives)")
        return compile_from_source(*args)

    monkeypatch.setattr(_programs, "_build", failing_once)
    prg = _programs.build(ctx.cl_context, ctx.device_info.device, _SOURCE % "1.5f", what="t")
    assert len(attempts) == 2 and prg.get_info(_programs.cl.program_info.NUM_KERNELS) == 1
    attempts.clear()
    with pytest.raises(_programs.MXNetError, match="syntax"):      # a real error: raised
        _programs.build(ctx.cl_context, ctx.device_info.device, "syntax error", what="t")
    assert len(attempts) == 2


def test_a_process_waiting_for_the_compile_lock_loads_the_binary(ctx, monkeypatch, tmp_path):
    monkeypatch.setenv("MXGRAD_CACHE_DIR", str(tmp_path))
    device = ctx.device_info.device
    source = _SOURCE % f"{os.getpid()}.25f"           # cold: no other run has built it
    key = _programs._cache_key(device, source, "")
    built = []
    compile_from_source = _programs._build
    monkeypatch.setattr(_programs, "_build",
                        lambda *args: built.append(args[-1]) or compile_from_source(*args))
    waiter = []
    thread = threading.Thread(target=lambda: waiter.append(
        _programs.build(ctx.cl_context, device, source, what="waiter")))
    with _programs._compile_lock(key):           # as another process compiling it
        thread.start()
        thread.join(0.5)
        assert thread.is_alive() and not waiter   # waits for the lock...
        prg = _programs._compile(ctx.cl_context, device, source, "", "holder")
        _programs._write_binary(str(tmp_path / (key + ".bin")), key,
                                bytes(prg.get_info(_programs.cl.program_info.BINARIES)[0]))
    thread.join(60)
    assert waiter and built == ["holder"]        # ...then loads the binary, no second compile
