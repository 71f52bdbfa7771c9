"""Building OpenCL programs: once per context in memory, once per machine on disk.

The disk cache is keyed by the source, the build options and the exact device, driver and
platform versions, and written atomically (temporary file + rename), so processes compiling
the same program at once never see a half-written entry. Each entry carries a checksum of
the binary: a damaged file is never handed to the driver (some crash on bad binaries) but
rebuilt from source and overwritten. A build failure raises MXNetError carrying the
compiler's log. ``MXGRAD_NO_DISK_CACHE=1`` turns the disk cache off.
"""
import contextlib
import hashlib
import os
import tempfile
import warnings

import pyopencl as cl

from mxgrad.base import MXNetError

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


_MAGIC = b"mxgrad-cl-binary-1\n"


def _read_binary(path):
    """The cached binary at ``path``, or None when missing or damaged."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return None
    head = len(_MAGIC) + 32
    if len(data) <= head or not data.startswith(_MAGIC):
        return None
    digest, binary = data[len(_MAGIC):head], data[head:]
    return binary if hashlib.sha256(binary).digest() == digest else None


def _write_binary(path, binary):
    d = os.path.dirname(path)
    tmp = None
    try:
        os.makedirs(d, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=d, prefix=".tmp-")
        with os.fdopen(fd, "wb") as f:
            f.write(_MAGIC + hashlib.sha256(binary).digest() + binary)
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


_BUILD_ROOM = 256 << 20     # address space a program build peaks at on PoCL (measured)


def _ensure_build_room(what):
    """OutOfMemoryError when a compiler could not get the memory it needs (PoCL's LLVM
    crashes the process then), after giving back the buffers the pools keep parked."""
    from mxgrad._dispatch import host_has_room
    if host_has_room(_BUILD_ROOM):
        return
    from mxgrad.context import _states
    for state in list(_states.values()):
        state.pool.empty()
    if not host_has_room(_BUILD_ROOM):
        from mxgrad.base import OutOfMemoryError
        raise OutOfMemoryError(f"not enough memory left to build {what} (it needs about "
                               f"{_BUILD_ROOM >> 20} MiB); free some arrays and retry")


def build(cl_context, device, source, options="", what="program"):
    """A built pyopencl program for ``source``, from the disk cache when possible."""
    _ensure_build_room(what)
    use_cache = os.environ.get("MXGRAD_NO_DISK_CACHE") != "1"
    path = os.path.join(cache_dir(), _cache_key(device, source, options) + ".bin")
    if use_cache:
        binary = _read_binary(path)
        if binary:
            try:
                prg = cl._cl._Program(cl_context, [device], [binary])
                prg.build(options.encode(), [device])
                return prg
            except cl.Error:
                pass  # stale or damaged entry: rebuild from source and overwrite it
    prg = _build(cl._cl._Program(cl_context, source), device, options, what)
    if use_cache:
        binaries = prg.get_info(cl.program_info.BINARIES)
        if binaries and binaries[0]:
            _write_binary(path, bytes(binaries[0]))
    return prg
