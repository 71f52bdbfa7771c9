"""Test setup: every test that takes ``ctx`` runs on every OpenCL device found.

``MXGRAD_TEST_DEVICES`` (e.g. ``cpu(0),gpu(0)``) restricts the list. The kernel binary cache
goes to a folder of this session so tests never depend on (or pollute) the user's cache.
"""
import os
import tempfile

import pytest

os.environ.setdefault("MXGRAD_CACHE_DIR", os.path.join(tempfile.gettempdir(), "mxgrad-test-cache"))
# Under pytest-xdist (``-n auto``) each worker process compiles into a PoCL cache folder of
# its own (PoCL (3.1) fails a build now and then when two processes write its cache at
# once; mxgrad's own cache is safe to share) and Oclgrind writes its diagnostics to a log of
# its own, so that they count against the test that caused them.
_WORKER = os.environ.get("PYTEST_XDIST_WORKER")
if _WORKER:
    _pocl_cache = os.environ.get("POCL_CACHE_DIR") or os.path.join(tempfile.gettempdir(),
                                                                   "mxgrad-test-pocl")
    os.environ["POCL_CACHE_DIR"] = os.path.join(_pocl_cache, _WORKER)
    if os.environ.get("OCLGRIND_LOG"):
        os.environ["OCLGRIND_LOG"] += "." + _WORKER

import mxgrad as mx  # noqa: E402
from mxgrad import _devices  # noqa: E402


def _test_contexts():
    wanted = os.environ.get("MXGRAD_TEST_DEVICES")
    ctxs = [mx.Context(d.kind, d.index) for d in _devices.all_devices()]
    if wanted:
        names = {w.strip() for w in wanted.split(",")}
        ctxs = [c for c in ctxs if str(c) in names]
    return ctxs


CONTEXTS = _test_contexts()


def pytest_generate_tests(metafunc):
    if "ctx" in metafunc.fixturenames:
        metafunc.parametrize("ctx", CONTEXTS, ids=[str(c) for c in CONTEXTS])


@pytest.fixture
def fp64(ctx):
    """Skip float64 cases on devices without cl_khr_fp64 (the error itself is tested)."""
    if not ctx.state.has_fp64:
        pytest.skip(f"{ctx} has no float64")
    return True


# Under Oclgrind (.ci/run's stage "op tests on Oclgrind"), OCLGRIND_LOG names the file its
# diagnostics go to (one per xdist worker, above): a test whose kernels added any fails,
# with the diagnostics shown.
_OCLGRIND_LOG = os.environ.get("OCLGRIND_LOG")


@pytest.fixture(autouse=True)
def _oclgrind_diagnostics():
    if not _OCLGRIND_LOG:
        yield
        return
    start = os.path.getsize(_OCLGRIND_LOG) if os.path.exists(_OCLGRIND_LOG) else 0
    yield
    for c in CONTEXTS:
        c.state.finish()          # kernels still queued report now, against this test
    if os.path.exists(_OCLGRIND_LOG) and os.path.getsize(_OCLGRIND_LOG) > start:
        with open(_OCLGRIND_LOG, errors="replace") as f:
            f.seek(start)
            found = f.read(4000)
        pytest.fail("Oclgrind reported:\n" + found, pytrace=False)
