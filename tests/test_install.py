"""mxgrad works installed, away from the checkout.

From a copy of the sources without build products, ``python -m build`` makes the source
distribution and a wheel from it (as PyPI users get them); the wheel goes into a fresh
virtual environment, whose dependencies pip fetches, and mxgrad is used from an unrelated
folder. Slow (about a minute: two isolated builds and the downloads), hence the marker.
"""
import glob
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile

import pytest

pytestmark = pytest.mark.slow

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXTENSIONS = ["_opencl", "_dispatch", "_ndarray", "_tape", "_gemm", "_lapack", "_host_reduce"]
# What a fresh clone does not have: build products, environments, caches.
NOT_SOURCES = shutil.ignore_patterns(".git", ".venv*", "build", "dist", "*.egg-info",
                                     "__pycache__", ".pytest_cache", "*.so", "*.c")


def _run(cmd, cwd, env=None, timeout=600):
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)
    assert proc.returncode == 0, f"{' '.join(map(str, cmd))} failed:\n{proc.stdout}{proc.stderr}"
    return proc.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(venv python, dist folder, clean env) with the wheel built from the sdist installed."""
    tmp = tmp_path_factory.mktemp("install")
    src, dist, venv = tmp / "src", tmp / "dist", tmp / "venv"
    shutil.copytree(ROOT, src, ignore=NOT_SOURCES)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env["MXGRAD_CACHE_DIR"] = str(tmp / "mxgrad-cache")
    env["POCL_CACHE_DIR"] = str(tmp / "pocl-cache")
    _run([sys.executable, "-m", "venv", str(venv)], cwd=tmp, env=env)
    python = str(venv / "bin" / "python")
    _run([python, "-m", "pip", "install", "-q", "build"], cwd=tmp, env=env)
    _run([python, "-m", "build", "--outdir", str(dist), str(src)], cwd=tmp, env=env)
    (wheel,) = glob.glob(str(dist / "*.whl"))
    _run([python, "-m", "pip", "install", "-q", wheel], cwd=tmp, env=env)
    return python, dist, env


def test_sdist_has_the_sources_and_no_build_products(installed):
    _, dist, _ = installed
    (sdist,) = glob.glob(str(dist / "*.tar.gz"))
    with tarfile.open(sdist) as tar:
        names = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
    for name in EXTENSIONS:
        assert f"mxgrad/{name}.pyx" in names
    for path in glob.glob(os.path.join(ROOT, "kernels_cl", "*.cl")):
        assert f"kernels_cl/{os.path.basename(path)}" in names
    assert not [n for n in names if n.endswith((".c", ".so"))]


def test_wheel_carries_extensions_and_kernels_inside_the_package(installed):
    _, dist, _ = installed
    (wheel,) = glob.glob(str(dist / "*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in EXTENSIONS:
        assert any(n.startswith(f"mxgrad/{name}.") and n.endswith(".so") for n in names), name
    for path in glob.glob(os.path.join(ROOT, "kernels_cl", "*.cl")):
        assert f"mxgrad/kernels_cl/{os.path.basename(path)}" in names
    assert "mxgrad/__main__.py" in names
    assert not [n for n in names if n.endswith(".c") or n.startswith("kernels_cl/")]


def test_installed_package_computes_outside_the_checkout(installed, tmp_path):
    python, _, env = installed
    out = _run([python, "-c", "import mxgrad as mx; print(mx.__file__); "
                "print(mx.nd.array([1,2,3,4])*2)"], cwd=tmp_path, env=env)
    location, rest = out.split("\n", 1)
    assert "site-packages" in location and not location.startswith(ROOT)
    assert "[2. 4. 6. 8.]\n<NDArray 4 @" in rest


def test_installed_main_job_runs(installed, tmp_path):
    python, _, env = installed
    out = _run([python, "-m", "mxgrad"], cwd=tmp_path, env=env)
    assert "dy/dx       = [2. 4. 6. 8.]  (matches NumPy)" in out
    assert out.rstrip().endswith("\nok")
