"""Building OpenCL programs: once per context in memory, once per machine on disk.

The disk cache is keyed by the source, the build options and the exact device, driver and
platform versions, and written atomically (temporary file + rename), so processes compiling
the same program at once never see a half-written entry. Each entry carries its key and a
checksum of key and binary: a damaged entry, or one whose file holds another program's
binary (swapped, copied or stale), is never handed to the driver (which would run the
wrong kernel, or crash on a bad binary) but rebuilt from source and overwritten. A build
failure raises MXNetError carrying the compiler's log. ``MXGRAD_NO_DISK_CACHE=1`` turns
the disk cache off.

Processes starting together with cold caches: PoCL (3.1) fails a build now and then when
another process finishes the same program at the same moment (it removes the file it is
about to replace, and one of two removals fails), and a PoCL cache folder is shared by
every process of a user unless ``POCL_CACHE_DIR`` says otherwise. So a program missing
from the disk cache is compiled under a lock shared through the cache folder: one process
compiles it, the others wait and load its binary. A build from source that fails anyway
(no writable cache folder, or processes with different cache folders) is tried once more
before its error is raised.
"""
import contextlib
import hashlib
import os
import tempfile
import time
import warnings

import pyopencl as cl

from mxgrad.base import MXNetError

try:
    import fcntl
except ImportError:     # not POSIX: no lock between processes, the retry still applies
    fcntl = None

_KERNEL_DIRS = (
    os.path.join(os.path.dirname(__file__), "kernels_cl"),                 # installed
    os.path.join(os.path.dirname(os.path.dirname(__file__)), "kernels_cl"),  # checkout
)


def kernel_source(family):
    """The text of ``kernels_cl/<family>.cl``."""
    for d in _KERNEL_DIRS:
        path = os.path.join(d, family + ".cl")
        if os.path.exists(path):
            with open(path) as f:
                return f.read()
    raise MXNetError(f"kernel family {family!r} not found in {', '.join(_KERNEL_DIRS)}")


def cache_dir():
    """Folder of the binary cache: $MXGRAD_CACHE_DIR, else $XDG_CACHE_HOME/mxgrad."""
    d = os.environ.get("MXGRAD_CACHE_DIR")
    if not d:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        d = os.path.join(base, "mxgrad")
    return d


def _cache_key(device, source, options):
    h = hashlib.sha256()
    for part in (source, options, device.name, device.version, device.driver_version,
                 device.platform.name, device.platform.version, cl.VERSION_TEXT):
        h.update(part.encode())
        h.update(b"\0")
    return h.hexdigest()


_MAGIC = b"mxgrad-cl-binary-2\n"
_KEY_LEN = 64                     # hex sha256: the entry's own key, checked on every read


def _entry_digest(key, binary):
    return hashlib.sha256(key.encode() + b"\0" + binary).digest()


def _read_binary(path, key):
    """The binary cached at ``path`` for ``key``; None when missing, damaged or another key's."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return None
    key_end = len(_MAGIC) + _KEY_LEN
    head = key_end + 32
    if len(data) <= head or not data.startswith(_MAGIC):
        return None
    stored_key, digest, binary = data[len(_MAGIC):key_end], data[key_end:head], data[head:]
    if stored_key != key.encode() or _entry_digest(key, binary) != digest:
        return None
    return binary


def _write_binary(path, key, binary):
    d = os.path.dirname(path)
    tmp = None
    try:
        os.makedirs(d, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=d, prefix=".tmp-")
        with os.fdopen(fd, "wb") as f:
            f.write(_MAGIC + key.encode() + _entry_digest(key, binary) + binary)
        os.replace(tmp, path)
    except OSError:
        # a read-only or full cache only costs a rebuild next time
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _error_name(err):
    """``BUILD_PROGRAM_FAILURE`` style name of a pyopencl error (its code if unnamed)."""
    code = err.code if hasattr(err, "code") else None
    try:
        return cl.status_code.to_string(code)
    except (ValueError, TypeError):   # an unknown code, or an error without one
        return str(code)


def _build(prg, device, options, what):
    try:
        with warnings.catch_warnings():
            # NVIDIA's compiler reports informational output for every program, which
            # pyopencl turns into a warning each; PYOPENCL_COMPILER_OUTPUT=1 still shows it.
            if not os.environ.get("PYOPENCL_COMPILER_OUTPUT"):
                warnings.simplefilter("ignore", cl.CompilerWarning)
            prg.build(options.encode(), [device])
    except cl.Error as e:
        try:
            log = prg.get_build_info(device, cl.program_build_info.LOG)
        except cl.Error:
            log = "(no build log)"
        raise MXNetError(f"OpenCL build of {what} failed on {device.name.strip()} "
                         f"({_error_name(e)}); build log:\n{log.strip()}") from None
    return prg


def _compile(cl_context, device, source, options, what):
    """Build ``source``; a failed build is tried once more (see the module's docstring)."""
    try:
        return _build(cl._cl._Program(cl_context, source), device, options, what)
    except MXNetError:
        return _build(cl._cl._Program(cl_context, source), device, options, what)


_LOCK_WAIT_S = 120     # past this a holder is taken for stuck and the build goes ahead


@contextlib.contextmanager
def _compile_lock(key):
    """Held while ``key`` is compiled; shared by every process using this cache folder.

    256 lock files (by the key's first byte) bound the clutter; keys sharing one only wait
    for each other. Closing the file releases the lock, also when a process dies.
    """
    f = None
    if fcntl is not None:
        with contextlib.suppress(OSError):
            d = os.path.join(cache_dir(), "locks")
            os.makedirs(d, exist_ok=True)
            f = open(os.path.join(d, key[:2] + ".lock"), "ab")
    if f is None:
        yield
        return
    try:
        deadline = time.monotonic() + _LOCK_WAIT_S
        while time.monotonic() < deadline:
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                time.sleep(0.01)
            except OSError:     # a file system without locks
                break
        yield
    finally:
        f.close()


def _load_cached(cl_context, device, path, key, options):
    """The program built from the disk cache's binary for ``key``, or None."""
    binary = _read_binary(path, key)
    if binary:
        try:
            prg = cl._cl._Program(cl_context, [device], [binary])
            prg.build(options.encode(), [device])
            return prg
        except cl.Error:
            pass  # a binary this driver refuses: rebuild from source and overwrite it
    return None


def build(cl_context, device, source, options="", what="program"):
    """A built pyopencl program for ``source``, from the disk cache when possible."""
    if os.environ.get("MXGRAD_NO_DISK_CACHE") == "1":
        return _compile(cl_context, device, source, options, what)
    key = _cache_key(device, source, options)
    path = os.path.join(cache_dir(), key + ".bin")
    prg = _load_cached(cl_context, device, path, key, options)
    if prg is not None:
        return prg
    with _compile_lock(key):
        prg = _load_cached(cl_context, device, path, key, options)   # built while we waited?
        if prg is None:
            prg = _compile(cl_context, device, source, options, what)
            binaries = prg.get_info(cl.program_info.BINARIES)
            if binaries and binaries[0]:
                _write_binary(path, key, bytes(binaries[0]))
    return prg
