"""Type stubs of the OpenCL loader (mxgrad/_opencl.pyx)."""
from typing import Dict

STATUS_NAMES: Dict[int, str]

def status_name(status: int) -> str: ...
