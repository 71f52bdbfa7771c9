"""Type stubs of the GEMM entry point (mxgrad/_gemm.pyx)."""
from typing import Any, Callable

from mxgrad._dispatch import Buffer, DeviceState

def native_blas_available(dev: DeviceState) -> bool: ...
def _set_kernel_getter(fn: Callable[..., Any]) -> None: ...
def gemm(ctx: Any, trans_a: bool, trans_b: bool, M: int, N: int, K: int, alpha: float,
         A: Buffer, off_a: int, lda: int, stride_a: int,
         B: Buffer, off_b: int, ldb: int, stride_b: int, beta: float,
         C: Buffer, off_c: int, ldc: int, stride_c: int, batch: int, dtype: int) -> None: ...
