"""Type stubs of the Cython autograd tape (mxgrad/_tape.pyx)."""
from typing import Any, Callable, List, Optional, Sequence, Tuple

def set_recording(is_recording: bool) -> bool: ...
def set_training(train_mode: bool) -> bool: ...
def is_recording() -> bool: ...
def is_training() -> bool: ...
def wants_grad(x: Any) -> bool: ...
def set_sum_to_shape(fn: Callable[[Any, tuple], Any]) -> None: ...

class TapeArray:
    _entry: Optional[tuple]
    _grad: Any
    _grad_req: Optional[str]
    _in_graph: bool

class Node:
    name: str
    n_out: int
    inputs: Optional[tuple]
    saved: Any
    replay: Optional[Callable[..., Any]]
    attrs: Optional[dict]
    freed: bool
    from_grad: bool
    @property
    def outputs(self) -> tuple: ...

def record_op(name: str, inputs: tuple, outputs: tuple, rule: Callable[..., Sequence[Any]],
              saved: Any = ..., replay: Optional[Callable[..., Any]] = ...,
              attrs: Optional[dict] = ..., reduce_broadcast: bool = ...,
              save_outputs: bool = ...) -> Optional[Node]: ...
def run_backward(heads: List[Any], head_grads: Optional[List[Any]], variables: Optional[List[Any]],
                 retain_graph: bool, create_graph: bool, train_mode: bool) -> Optional[List[Any]]: ...
