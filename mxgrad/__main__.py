"""The command line: ``python -m mxgrad [command]``.

``devices`` (also what runs without a command) lists the OpenCL devices mxgrad can use, says
which one is the default context and why, and runs a small computation on it, checked
against NumPy. Each command is one ``_add_<name>`` function registering its parser and its
handler in ``COMMANDS``; a handler takes the parsed arguments and returns the exit status.
"""
import argparse
import os
import sys
import time

import numpy as np
import pyopencl as cl

import mxgrad as mx
from mxgrad import _devices


_DEVICE_TYPES = ("CPU", "GPU", "ACCELERATOR", "CUSTOM")


def _device_lines(info, is_default):
    """Two lines describing one device; the default one is starred."""
    d = info.device
    kinds = "/".join(t for t in _DEVICE_TYPES if d.type & getattr(cl.device_type, t)) or "?"
    opencl_version = " ".join(d.version.split()[:2])        # "OpenCL 3.0", no vendor tail
    mark = "*" if is_default else " "
    return [
        f"{mark} {info.kind}({info.index})  {info.name}  [platform: {info.platform_name}]",
        f"      type {kinds}, {d.max_compute_units} compute units, "
        f"{d.global_mem_size / (1 << 30):.1f} GiB memory, "
        f"fp64 {'yes' if info.has_fp64 else 'no'}, fp16 {'yes' if info.has_fp16 else 'no'}, "
        f"{opencl_version}, driver {d.driver_version.strip()}",
    ]


def _default_reason(kind, index):
    """Which rule of ``_devices.default_device`` picked (kind, index), in words."""
    spec = os.environ.get("MXGRAD_CTX", "").strip()
    if spec:
        backing = _devices.backing_device(kind, index)
        shared = f", which runs on {backing[0]}({backing[1]})" if backing != (kind, index) else ""
        return f"chosen by MXGRAD_CTX={spec}{shared}"
    if kind == "cpu":
        return ("MXGRAD_CTX is not set and, like MXNet, mxgrad defaults to the CPU: "
                "the first OpenCL CPU device")
    return "MXGRAD_CTX is not set and there is no OpenCL CPU device: the first GPU or accelerator"


def _demo(ctx):
    """``y = x * x + 1`` and its gradient on ``ctx``, checked against NumPy.

    Returns the lines to print and whether both results matched.
    """
    x_np = np.array([1, 2, 3, 4], dtype=np.float32)
    start = time.perf_counter()
    x = mx.nd.array(x_np, ctx=ctx)
    x.attach_grad()
    with mx.autograd.record():
        y = x * x + 1
    y.backward()
    y_out, grad_out = y.asnumpy(), x.grad.asnumpy()
    elapsed = time.perf_counter() - start
    y_ok = np.array_equal(y_out, x_np * x_np + 1)
    grad_ok = np.array_equal(grad_out, 2 * x_np)
    lines = [
        f"computation on {ctx} ({elapsed * 1000:.0f} ms including OpenCL program setup):",
        f"  x           = {x_np}",
        f"  y = x*x + 1 = {y_out}  ({_verdict(y_ok)})",
        f"  dy/dx       = {grad_out}  ({_verdict(grad_ok)})",
    ]
    return lines, y_ok and grad_ok


def _verdict(matches):
    return "matches NumPy" if matches else "MISMATCH with NumPy"


def _print_devices(found, default):
    """Describe every device found, starring ``default`` ((kind, index) or None)."""
    for info in found:
        print("\n".join(_device_lines(info, (info.kind, info.index) == default)))


def cmd_devices(args):
    """List the OpenCL devices, the default context and why, then run the demo on it."""
    found = _devices.all_devices()
    print(f"mxgrad {mx.__version__}: {len(found)} OpenCL device(s) found")
    if not found:
        print(_devices.available_text())
        return 1
    try:
        kind, index = _devices.default_device()
        backing = _devices.backing_device(kind, index)      # cpu(3) runs on cpu(0)'s device
        _devices.find(*backing)         # MXGRAD_CTX may name a device that does not exist
    except mx.MXNetError as e:
        _print_devices(found, None)
        print(f"error: no usable default context: {e}")
        return 1
    _print_devices(found, backing)
    print(f"default context: {kind}({index}), {_default_reason(kind, index)}")
    print()
    try:
        lines, ok = _demo(mx.Context(kind, index))
    except mx.MXNetError as e:
        print(f"error: the computation on {kind}({index}) failed: {e}")
        return 1
    print("\n".join(lines))
    print("ok" if ok else "FAILED")
    return 0 if ok else 1


def _add_devices(subparsers):
    """Register ``devices``."""
    p = subparsers.add_parser(
        "devices", help="list OpenCL devices, the default and why; run a check on it (default)")
    p.set_defaults(handler=cmd_devices)


def cmd_train(args):
    """``train``: examples/train_digits.py (an MLP and a CNN on scikit-learn's digits)."""
    try:
        train_digits = _load_example("train_digits")
    except ImportError as e:
        print(f"error: the training example needs its extra dependencies ({e.name} is "
              "missing): pip install 'mxgrad[examples]'")
        return 1
    train_digits.main(args.train_args, prog="python -m mxgrad train")
    return 0


def _load_example(name):
    """An example module: installed as mxgrad.examples, or examples/ beside the package."""
    import importlib
    import importlib.util
    try:
        return importlib.import_module(f"mxgrad.examples.{name}")
    except ModuleNotFoundError as e:
        if not (e.name or "").startswith("mxgrad.examples"):
            raise
    path = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                        "examples", f"{name}.py")
    spec = importlib.util.spec_from_file_location(f"mxgrad_examples_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _add_train(subparsers):
    """Register ``train``; its options are the example's (see ``train --help``)."""
    p = subparsers.add_parser(
        "train", add_help=False,
        help="train an MLP and a CNN on the handwritten digits (examples/train_digits.py)")
    p.add_argument("train_args", nargs=argparse.REMAINDER)
    p.set_defaults(handler=cmd_train)


def cmd_check(args):
    """``check``: the documented autograd examples on every device, pass/fail per device."""
    from mxgrad._selfcheck import run_checks
    infos = _devices.all_devices()
    if not infos:
        print(f"error: {_devices.available_text()}")
        return 1
    failed = 0
    for info in infos:
        ctx = mx.Context(info.kind, info.index)
        results = run_checks(ctx)
        bad = [r for r in results if not r[1]]
        failed += bool(bad)
        print(f"{ctx} {info.name}: {'PASS' if not bad else 'FAIL'} "
              f"({len(results) - len(bad)}/{len(results)})")
        for name, ok, err in results:
            print(f"    {'ok  ' if ok else 'FAIL'} {name}" + (f": {err}" if err else ""))
    return 1 if failed else 0


def _add_check(subparsers):
    """Register ``check``."""
    p = subparsers.add_parser(
        "check", help="run the documented autograd examples on every device; pass/fail each")
    p.set_defaults(handler=cmd_check)


COMMANDS = [_add_devices, _add_train, _add_check]


def build_parser():
    """The argument parser with every command of ``COMMANDS`` registered."""
    parser = argparse.ArgumentParser(
        prog="python -m mxgrad",
        description="mxgrad: MXNet's NDArray and autograd on OpenCL.")
    subparsers = parser.add_subparsers(title="commands", metavar="command")
    for add in COMMANDS:
        add(subparsers)
    parser.set_defaults(handler=cmd_devices)
    return parser


def main(argv=None):
    """Run the command named in ``argv`` (``devices`` when none); return the exit status."""
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if args.handler is cmd_train:       # its options (even --help) belong to the example
        args.train_args = extra + args.train_args
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
