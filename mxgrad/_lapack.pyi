"""Type stubs of LAPACK inside the queue (mxgrad/_lapack.pyx)."""
from typing import Any, Optional

from mxgrad._dispatch import Buffer

enabled: bool
POTRF: int
TRSM: int
INVERSE: int
DET: int
GELQF: int

def available(ctx: Any, *buffers: Buffer) -> bool: ...
def enqueue(ctx: Any, op: int, dtype: int, n: int, m: int, k: int, lower: bool,
            transpose: bool, rightside: bool, alpha: float, batch: int, a: Buffer,
            a_off: int, b: Optional[Buffer] = ..., b_off: int = ...,
            out: Optional[Buffer] = ..., out2: Optional[Buffer] = ...,
            info: Optional[Buffer] = ...) -> None: ...
