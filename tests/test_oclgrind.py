"""mxgrad on Oclgrind, a strict OpenCL 1.2 simulator (Debian package ``oclgrind``) that
takes at most 1,024 work-items per group and reports kernels' out-of-bounds accesses.

Each case runs Python in a subprocess that sees only Oclgrind (a private OCL_ICD_VENDORS
folder) and sends Oclgrind's diagnostics to a file, which must stay empty. Skipped where
Oclgrind is not installed (.ci/setup installs it). .ci/run runs the op tests on Oclgrind too.
"""
import glob
import os
import subprocess
import sys
import textwrap

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Where distributions put Oclgrind's ICD library (Debian does not register it).
ICD_CANDIDATES = ["/usr/lib/oclgrind/liboclgrind-rt-icd.so",
                  "/usr/lib/*/oclgrind/liboclgrind-rt-icd.so", "/usr/lib*/liboclgrind-rt-icd.so",
                  "/usr/lib/*/liboclgrind-rt-icd.so", "/usr/local/lib*/liboclgrind-rt-icd.so"]


def oclgrind_icd():
    for pattern in ICD_CANDIDATES:
        found = sorted(glob.glob(pattern))
        if found:
            return found[0]
    return None


ICD = oclgrind_icd()
pytestmark = pytest.mark.skipif(ICD is None, reason="Oclgrind is not installed (apt-get "
                                                    "install oclgrind)")

# Launches of 2,000-4,096 elements: on Oclgrind they once failed with
# CL_INVALID_WORK_ITEM_SIZE (the one-group rule for small CPU launches ignored the limit).
SCRIPT = """
import numpy as np
import mxgrad as mx
from mxgrad import nd, _devices

assert [d.platform_name for d in _devices.all_devices()] == ["Oclgrind"], \
    _devices.available_text()
state = mx.cpu(0).state
assert state.max_group_size == LIMIT and state.max_item_sizes[0] == LIMIT
rng = np.random.RandomState(3)
x = rng.uniform(-1, 1, (40, 50)).astype(np.float32)
v = rng.uniform(-1, 1, (4096,)).astype(np.float32)
a = rng.uniform(-1, 1, (33, 20)).astype(np.float32)
b = rng.uniform(-1, 1, (20, 70)).astype(np.float32)
img = rng.uniform(-1, 1, (2, 3, 12, 16)).astype(np.float32)
w = rng.uniform(-1, 1, (4, 3, 3, 3)).astype(np.float32)
X, V = nd.array(x), nd.array(v)
with mx.autograd.train_mode():
    drop = nd.Dropout(X, p=0.5).asnumpy()
assert np.all((drop == 0) | np.isclose(drop, 2 * x)) and 0.3 < np.mean(drop == 0) < 0.7
np.testing.assert_allclose((X * 3 + 1).asnumpy(), x * 3 + 1, rtol=1e-6)
np.testing.assert_allclose((V * V).sum().asnumpy(), [(v * v).sum()], rtol=1e-4)
np.testing.assert_allclose(nd.sum(X, axis=0).asnumpy(), x.sum(axis=0), rtol=1e-5, atol=1e-6)
np.testing.assert_allclose(nd.max(V).asnumpy(), [v.max()])
np.testing.assert_array_equal(nd.transpose(X).asnumpy(), x.T)
S = [nd.array(v[:n]) for n in (2000, 3000, 100)]
for r, n in zip([nd.exp(s) * 2 for s in S], (2000, 3000, 100)):   # segments of one launch
    np.testing.assert_allclose(r.asnumpy(), np.exp(v[:n]) * 2, rtol=1e-6)
np.testing.assert_allclose(nd.dot(nd.array(a), nd.array(b)).asnumpy(), a @ b, rtol=1e-4,
                           atol=1e-5)
I, W = nd.array(img), nd.array(w)
I.attach_grad()
with mx.autograd.record():
    c = nd.Convolution(I, W, kernel=(3, 3), pad=(1, 1), num_filter=4, no_bias=True)
    p = nd.Pooling(c, kernel=(2, 2), stride=(2, 2), pool_type="max")
p.backward()
assert np.isfinite(I.grad.asnumpy()).all() and I.grad.asnumpy().any()
print("ok")
"""


@pytest.mark.parametrize("limit", [1024, 256])
def test_launches_on_oclgrind_fit_its_limits_and_stay_in_bounds(tmp_path, limit):
    vendors = tmp_path / "vendors"
    vendors.mkdir()
    (vendors / "oclgrind.icd").write_text(ICD + "\n")
    log = tmp_path / "oclgrind.log"
    env = dict(os.environ, OCL_ICD_VENDORS=str(vendors), OCLGRIND_LOG=str(log),
               OCLGRIND_MAX_WGSIZE=str(limit), MXGRAD_NATIVE_BLAS="0",
               MXGRAD_CACHE_DIR=str(tmp_path / "cache"),
               PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.pop("MXGRAD_CTX", None)
    code = textwrap.dedent(SCRIPT).replace("LIMIT", str(limit))
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, timeout=600, cwd=ROOT)
    assert proc.returncode == 0 and "ok" in proc.stdout, proc.stdout + proc.stderr
    diagnostics = log.read_text(errors="replace") if log.exists() else ""
    assert not diagnostics.strip(), diagnostics[:4000]
