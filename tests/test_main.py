"""``python -m mxgrad``: lists the devices, names the default and why, runs a checked demo."""
import os
import re
import subprocess
import sys

import pytest

from mxgrad import _devices


def run_main(*args, **env_changes):
    """Run ``python -m mxgrad *args``; an env value of None removes that variable."""
    env = dict(os.environ)
    for key, value in env_changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    proc = subprocess.run([sys.executable, "-m", "mxgrad", *args], env=env,
                          capture_output=True, text=True, timeout=300)
    return proc.returncode, proc.stdout + proc.stderr


def test_lists_every_device_and_runs_the_demo_on_the_default():
    rc, out = run_main(MXGRAD_CTX=None)
    assert rc == 0, out
    found = _devices.all_devices()
    assert f"{len(found)} OpenCL device(s) found" in out
    for info in found:
        assert f"{info.kind}({info.index})  {info.name}  [platform: {info.platform_name}]" in out
    kind, index = _devices.default_device()
    assert f"* {kind}({index})  " in out
    assert out.count("* ") == 1
    assert f"default context: {kind}({index}), MXGRAD_CTX is not set" in out
    assert f"computation on {kind}({index})" in out
    assert "y = x*x + 1 = [ 2.  5. 10. 17.]  (matches NumPy)" in out
    assert "dy/dx       = [2. 4. 6. 8.]  (matches NumPy)" in out
    assert out.rstrip().endswith("\nok")


def test_describes_device_capabilities():
    rc, out = run_main("devices")
    assert rc == 0, out
    for info in _devices.all_devices():
        line = re.search(rf"{info.kind}\({info.index}\)  .*\n\s+type (.*)\n", out).group(1)
        assert f"{info.device.max_compute_units} compute units" in line
        assert f"fp64 {'yes' if info.has_fp64 else 'no'}" in line
        assert f"fp16 {'yes' if info.has_fp16 else 'no'}" in line
        assert "GiB memory" in line


def _without_timing(text):
    return re.sub(r"\(\d+ ms", "(", text)


def test_devices_command_is_the_default_command():
    rc_default, out_default = run_main()
    rc_devices, out_devices = run_main("devices")
    assert rc_default == rc_devices == 0
    assert _without_timing(out_default) == _without_timing(out_devices)


@pytest.mark.skipif(not _devices.devices_of("cpu"), reason="no OpenCL CPU device")
def test_mxgrad_ctx_is_named_as_the_reason():
    rc, out = run_main(MXGRAD_CTX="cpu(0)")
    assert rc == 0, out
    assert "default context: cpu(0), chosen by MXGRAD_CTX=cpu(0)" in out
    assert "computation on cpu(0)" in out


@pytest.mark.skipif(not _devices.devices_of("cpu"), reason="no OpenCL CPU device")
def test_mxgrad_ctx_cpu_past_the_last_device_is_cpu0s_device_as_in_code():
    past_last = len(_devices.devices_of("cpu"))
    rc, out = run_main(MXGRAD_CTX=f"cpu({past_last})")
    assert rc == 0, out
    assert (f"default context: cpu({past_last}), chosen by MXGRAD_CTX=cpu({past_last}), "
            "which runs on cpu(0)") in out
    assert "* cpu(0)  " in out and out.count("* ") == 1
    assert f"computation on cpu({past_last})" in out and out.rstrip().endswith("\nok")


@pytest.mark.parametrize("spec", [":", "cpu"])
def test_malformed_mxgrad_ctx_is_a_one_line_error(spec):
    rc, out = run_main(MXGRAD_CTX=spec)
    assert rc == 1
    error = [line for line in out.splitlines() if line.startswith("error:")]
    assert len(error) == 1 and "Traceback" not in out
    assert error[0].startswith("error: no usable default context: not a device name")
    assert "cpu(i) or gpu(i)" in error[0] and "platform[:device]" in error[0]
    assert "computation on" not in out


def test_a_missing_default_device_is_an_error():
    rc, out = run_main(MXGRAD_CTX="gpu(99)")
    assert rc == 1
    assert "error: no usable default context: gpu(99) does not exist" in out
    assert "computation on" not in out


def test_no_opencl_platform_says_what_to_install():
    # The ICD loaders (ocl-icd's, Khronos') read their vendor list from OCL_ICD_VENDORS.
    rc, out = run_main(OCL_ICD_VENDORS=os.devnull, OCL_ICD_FILENAMES=None)
    assert rc == 1
    assert "0 OpenCL device(s) found" in out
    assert "pocl-opencl-icd" in out


def test_unknown_command_is_a_usage_error():
    rc, out = run_main("bogus")
    assert rc == 2
    assert "invalid choice: 'bogus'" in out
