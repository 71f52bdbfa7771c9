"""OpenCL device discovery and the device facts mxgrad depends on, in one place.

Devices are listed over every platform in a stable order (platforms sorted by name, devices
in the platform's order). ``cpu(i)`` is the i-th CPU device, ``gpu(i)`` the i-th GPU or
accelerator.
"""
import functools
import os
import re

import pyopencl as cl

from mxgrad.base import MXNetError


class DeviceInfo:
    """What mxgrad needs to know about one OpenCL device."""

    def __init__(self, platform, device, kind, index):
        self.platform = platform
        self.device = device
        self.kind = kind            # 'cpu' or 'gpu'
        self.index = index          # position among devices of that kind
        ext = device.extensions.split()
        self.has_fp64 = "cl_khr_fp64" in ext or device.double_fp_config != 0
        self.has_fp16 = "cl_khr_fp16" in ext
        self.native_kernels = bool(device.execution_capabilities
                                   & cl.device_exec_capabilities.NATIVE_KERNEL)
        self.name = device.name.strip()
        self.platform_name = platform.name.strip()

    def describe(self):
        return (f"{self.kind}({self.index}): {self.name} [{self.platform_name}], "
                f"{self.device.max_compute_units} compute units, "
                f"{self.device.global_mem_size // (1 << 20)} MiB, "
                f"fp64 {'yes' if self.has_fp64 else 'no'}, fp16 {'yes' if self.has_fp16 else 'no'}")


@functools.lru_cache(maxsize=None)
def all_devices():
    """Every OpenCL device, as DeviceInfo, CPUs and GPUs numbered separately."""
    try:
        platforms = cl.get_platforms()
    except cl.Error:
        platforms = []
    platforms = sorted(platforms, key=lambda p: p.name)
    found = []
    counts = {"cpu": 0, "gpu": 0}
    for p in platforms:
        try:
            devices = p.get_devices()
        except cl.Error:
            continue
        for d in devices:
            kind = "cpu" if d.type & cl.device_type.CPU else "gpu"
            found.append(DeviceInfo(p, d, kind, counts[kind]))
            counts[kind] += 1
    return tuple(found)


def devices_of(kind):
    return [d for d in all_devices() if d.kind == kind]


def available_text():
    found = all_devices()
    if not found:
        return "no OpenCL device was found (install an OpenCL driver, e.g. Debian's pocl-opencl-icd)"
    return "available: " + "; ".join(d.describe() for d in found)


def find(kind, index):
    """The DeviceInfo for cpu(i)/gpu(i), or MXNetError naming what exists."""
    matches = devices_of(kind)
    if not 0 <= index < len(matches):
        raise MXNetError(f"{kind}({index}) does not exist: {available_text()}")
    return matches[index]


def backing_device(kind, index):
    """(kind, index) of the device that runs cpu(i)/gpu(i).

    As in MXNet, where every cpu(i) is the same host memory, a cpu(i) past the last OpenCL
    CPU device runs on cpu(0)'s device; any other name is its own device.
    """
    if kind == "cpu" and index >= len(devices_of("cpu")) > 0:
        return kind, 0
    return kind, index


def _pick(names, spec, what):
    """Index into ``names`` of an index or a name substring (PYOPENCL_CTX rules)."""
    if spec.isascii() and spec.isdigit():
        if int(spec) < len(names):
            return int(spec)
        raise MXNetError(f"{what} {spec} does not exist")
    for i, name in enumerate(names):
        if spec.lower() in name.lower():
            return i
    raise MXNetError(f"no {what} name contains {spec!r}")


_VALID_FORMS = ("expected cpu(i) or gpu(i), or PYOPENCL_CTX syntax platform[:device] with "
                "each part an index or a part of a name, e.g. cpu(0), gpu(1), 0:1, nvidia")
_MXNET_NAME = re.compile(r"(cpu|gpu)\s*\(\s*(\d+)\s*\)", re.ASCII)


def _parse_spec(spec):
    """(kind, index) named by an MXGRAD_CTX value; MXNetError saying what is wrong."""
    if "(" in spec or ")" in spec:
        m = _MXNET_NAME.fullmatch(spec)
        if not m:
            raise MXNetError(f"not a device name: {_VALID_FORMS}")
        kind, index = m.group(1), int(m.group(2))
        backing_kind, backing_index = backing_device(kind, index)   # what mx.cpu(i) means
        if backing_index >= len(devices_of(backing_kind)):
            raise MXNetError(f"{kind}({index}) does not exist")
        return kind, index
    if spec.lower() in ("cpu", "gpu"):
        raise MXNetError(f"not a device name (a type needs its number): {_VALID_FORMS}")
    # PYOPENCL_CTX syntax: platforms and devices numbered as pyopencl numbers them
    parts = [part.strip() for part in spec.split(":")]
    if len(parts) > 2 or not all(parts):
        raise MXNetError(f"not a device name (an empty or extra part): {_VALID_FORMS}")
    plat_spec, dev_spec = parts[0], parts[1] if len(parts) == 2 else "0"
    try:
        platforms = cl.get_platforms()
    except cl.Error:
        platforms = []
    platform = platforms[_pick([p.name for p in platforms], plat_spec, "platform")]
    devices = platform.get_devices()
    device = devices[_pick([d.name for d in devices], dev_spec, "device")]
    for info in all_devices():
        if info.device.int_ptr == device.int_ptr:
            return info.kind, info.index
    raise MXNetError(f"device {device.name!r} was not found")   # unreachable in practice


def default_device():
    """(kind, index) of the default context.

    ``MXGRAD_CTX`` overrides: ``cpu(0)``/``gpu(1)`` (meaning what ``mx.cpu(0)``/``mx.gpu(1)``
    mean), or PYOPENCL_CTX syntax ``platform[:device]`` where each part is an index (in
    pyopencl's order) or a name substring. Without it: cpu(0) when an OpenCL CPU device
    exists (as MXNet defaults to the CPU), else gpu(0). A value of another form (``:``,
    ``cpu``, ...) is a one-line MXNetError naming the valid forms.
    """
    spec = os.environ.get("MXGRAD_CTX", "").strip()
    if spec:
        try:
            return _parse_spec(spec)
        except MXNetError as e:
            raise MXNetError(f"{e} (MXGRAD_CTX={spec!r} names the default context). "
                             f"{platforms_text()}; {available_text()}") from None
    if devices_of("cpu"):
        return "cpu", 0
    if devices_of("gpu"):
        return "gpu", 0
    raise MXNetError(available_text())


def platforms_text():
    """The OpenCL platforms in pyopencl's numbering, for error messages."""
    try:
        platforms = cl.get_platforms()
    except cl.Error:
        platforms = []
    return "platforms: " + ("; ".join(f"{i}: {p.name.strip()}" for i, p in enumerate(platforms))
                            or "none")


def work_group_limits(device):
    """(CL_DEVICE_MAX_WORK_GROUP_SIZE, CL_DEVICE_MAX_WORK_ITEM_SIZES of dims 0-2) of a
    pyopencl device: the most work-items of one work-group, in all and along each dim."""
    sizes = list(device.max_work_item_sizes)[:3]
    return device.max_work_group_size, tuple(sizes + [1] * (3 - len(sizes)))


def kernel_group_size(kernel_ptr, device):
    """CL_KERNEL_WORK_GROUP_SIZE of the cl_kernel handle ``kernel_ptr`` on ``device``: the
    most work-items one of its work-groups may have there (asked once per kernel)."""
    kernel = cl.Kernel.from_int_ptr(kernel_ptr, retain=True)
    return kernel.get_work_group_info(cl.kernel_work_group_info.WORK_GROUP_SIZE, device)
