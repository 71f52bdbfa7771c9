"""``mx.operator``: users' custom operators, written as MXNet 1.9.1 has them.

A custom operator is two classes: a ``CustomOpProp`` that declares the arguments, outputs,
shapes and dtypes, registered under a name with ``@mx.operator.register(name)``, and the
``CustomOp`` it creates, whose ``forward`` and ``backward`` write into arrays handed to
them (``self.assign(dst, req, src)``). ``mx.nd.Custom(*inputs, op_type=name, **kwargs)``
runs one; under ``autograd.record()`` it is recorded on the same tape as
``autograd.Function`` and its ``backward`` gives the gradients. As in MXNet, the keyword
arguments reach the property's constructor as strings, and ``backward`` runs without
recording (a custom operator has first-order gradients only).

>>> class Scale(mx.operator.CustomOp):
...     def __init__(self, factor):
...         super().__init__()
...         self.factor = factor
...     def forward(self, is_train, req, in_data, out_data, aux):
...         self.assign(out_data[0], req[0], in_data[0] * self.factor)
...     def backward(self, req, out_grad, in_data, out_data, in_grad, aux):
...         self.assign(in_grad[0], req[0], out_grad[0] * self.factor)
>>> @mx.operator.register("doc_scale")
... class ScaleProp(mx.operator.CustomOpProp):
...     def __init__(self, factor="2"):
...         super().__init__(need_top_grad=True)
...         self.factor = float(factor)
...     def list_arguments(self):
...         return ["data"]
...     def list_outputs(self):
...         return ["output"]
...     def infer_shape(self, in_shape):
...         return in_shape, [in_shape[0]], []
...     def create_operator(self, ctx, in_shapes, in_dtypes):
...         return Scale(self.factor)
>>> x = mx.nd.array([1, 2])
>>> x.attach_grad()
>>> with mx.autograd.record():
...     y = mx.nd.Custom(x, op_type="doc_scale", factor=3)
>>> y.backward()
>>> y, x.grad
(
[3. 6.]
<NDArray 2 @cpu(0)>, 
[3. 3.]
<NDArray 2 @cpu(0)>)
"""
import threading

import numpy as np

from mxgrad._ndarray import NDArrayBase
from mxgrad._tape import is_training, wants_grad
from mxgrad.autograd import Function
from mxgrad.base import MXNetError, DTYPES, dtype_code
from mxgrad.ndarray.creation import zeros

__all__ = ["CustomOp", "CustomOpProp", "register", "get_all_registered_operators"]

_REGISTRY = {}
_REGISTRY_LOCK = threading.Lock()


class CustomOp:
    """The computation of a custom operator: override ``forward`` and ``backward``.

    >>> class Double(mx.operator.CustomOp):
    ...     def forward(self, is_train, req, in_data, out_data, aux):
    ...         self.assign(out_data[0], req[0], in_data[0] * 2)
    >>> out = mx.nd.zeros((2,))
    >>> Double().forward(False, ["write"], [mx.nd.array([1, 2])], [out], [])
    >>> out
    <BLANKLINE>
    [2. 4.]
    <NDArray 2 @cpu(0)>
    """

    def __init__(self):
        pass

    def forward(self, is_train, req, in_data, out_data, aux):
        """Compute ``out_data`` from ``in_data`` (write each with ``self.assign``).

        >>> mx.operator.CustomOp().forward(False, [], [], [], [])
        Traceback (most recent call last):
        ...
        NotImplementedError
        """
        raise NotImplementedError

    def backward(self, req, out_grad, in_data, out_data, in_grad, aux):
        """Compute ``in_grad`` (one per argument) from ``out_grad``.

        >>> mx.operator.CustomOp().backward([], [], [], [], [], [])
        Traceback (most recent call last):
        ...
        NotImplementedError
        """
        raise NotImplementedError

    def assign(self, dst, req, src):
        """Write ``src`` into ``dst`` as ``req`` says: 'write'/'inplace' copy, 'add' adds,
        'null' does nothing.

        >>> dst = mx.nd.ones((2,))
        >>> mx.operator.CustomOp().assign(dst, "add", mx.nd.array([1, 2]))
        >>> dst
        <BLANKLINE>
        [2. 3.]
        <NDArray 2 @cpu(0)>
        """
        if req == "null":
            return
        if req in ("write", "inplace"):
            dst[:] = src
        elif req == "add":
            dst[:] += src
        else:
            raise MXNetError(f"assign: req must be 'null', 'write', 'inplace' or 'add', "
                             f"got {req!r}")


class CustomOpProp:
    """The declaration of a custom operator: its arguments, outputs, shapes and dtypes.

    >>> prop = mx.operator.CustomOpProp()
    >>> prop.list_arguments(), prop.list_outputs(), prop.list_auxiliary_states()
    (['data'], ['output'], [])
    >>> prop.infer_shape([[2, 3]])
    ([[2, 3]], [[2, 3]], [])
    """

    def __init__(self, need_top_grad=True):
        self.need_top_grad_ = need_top_grad

    def infer_shape(self, in_shape):
        """(argument shapes, output shapes, auxiliary shapes); default: all like the first.

        >>> mx.operator.CustomOpProp().infer_shape([[4]])
        ([[4]], [[4]], [])
        """
        return (in_shape, [in_shape[0]] * len(self.list_outputs()),
                [in_shape[0]] * len(self.list_auxiliary_states()))

    def infer_type(self, in_type):
        """(argument dtypes, output dtypes, auxiliary dtypes); default: all like the first.

        >>> mx.operator.CustomOpProp().infer_type([np.float32])
        ([<class 'numpy.float32'>], [<class 'numpy.float32'>], [])
        """
        return (in_type, [in_type[0]] * len(self.list_outputs()),
                [in_type[0]] * len(self.list_auxiliary_states()))

    def infer_storage_type(self, in_stype):
        """Storage types: only 'default' (dense) exists in mxgrad.

        >>> mx.operator.CustomOpProp().infer_storage_type(["default"])
        (['default'], ['default'], [])
        """
        return (in_stype, ["default"] * len(self.list_outputs()),
                ["default"] * len(self.list_auxiliary_states()))

    def infer_storage_type_backward(self, ograd_stype, in_stype, out_stype, igrad_stype,
                                    aux_stype):
        """Storage types of the backward pass: all 'default'.

        >>> mx.operator.CustomOpProp().infer_storage_type_backward(
        ...     ["default"], ["default"], ["default"], ["default"], [])[3]
        ['default']
        """
        return ograd_stype, in_stype, out_stype, ["default"] * len(igrad_stype), aux_stype

    def list_outputs(self):
        """The output names; default ``['output']``.

        >>> mx.operator.CustomOpProp().list_outputs()
        ['output']
        """
        return ["output"]

    def list_arguments(self):
        """The argument (input) names; default ``['data']``.

        >>> mx.operator.CustomOpProp().list_arguments()
        ['data']
        """
        return ["data"]

    def list_auxiliary_states(self):
        """The auxiliary state names (inputs updated in place, no gradient); default none.

        >>> mx.operator.CustomOpProp().list_auxiliary_states()
        []
        """
        return []

    def declare_backward_dependency(self, out_grad, in_data, out_data):
        """Which arrays ``backward`` reads (mxgrad keeps them all; kept for MXNet code).

        >>> mx.operator.CustomOpProp().declare_backward_dependency([1], [2], [3])
        [1, 2, 3]
        """
        deps = list(out_grad) if self.need_top_grad_ else []
        return deps + list(in_data) + list(out_data)

    def create_operator(self, ctx, in_shapes, in_dtypes):
        """Make the ``CustomOp`` that computes this operator.

        >>> mx.operator.CustomOpProp().create_operator(mx.cpu(0), [[1]], [0])
        Traceback (most recent call last):
        ...
        NotImplementedError
        """
        raise NotImplementedError


def register(reg_name):
    """Register a ``CustomOpProp`` subclass as the custom operator ``reg_name``.

    >>> @mx.operator.register("doc_noop")
    ... class NoopProp(mx.operator.CustomOpProp):
    ...     pass
    >>> "doc_noop" in mx.operator.get_all_registered_operators()
    True
    """
    if not isinstance(reg_name, str) or not reg_name:
        raise MXNetError(f"register: the operator name must be a non-empty string, "
                         f"got {reg_name!r}")

    def do_register(prop_cls):
        if not (isinstance(prop_cls, type) and issubclass(prop_cls, CustomOpProp)):
            raise MXNetError(f"register({reg_name!r}): {prop_cls!r} is not a subclass of "
                             "mx.operator.CustomOpProp")
        with _REGISTRY_LOCK:
            _REGISTRY[reg_name] = prop_cls
        return prop_cls
    return do_register


def get_all_registered_operators():
    """The names of the registered custom operators.

    >>> isinstance(mx.operator.get_all_registered_operators(), list)
    True
    """
    with _REGISTRY_LOCK:
        return list(_REGISTRY)


def _dtype_name(t):
    try:
        return np.dtype(t).name
    except TypeError:
        return None


class Custom(Function):
    """One call of a custom operator, recorded on the tape as an ``autograd.Function``."""

    def __init__(self, op_type, prop, op, aux, out_shapes, out_dtypes):
        super().__init__()
        self.op_type, self.prop, self.op, self.aux = op_type, prop, op, aux
        self.out_shapes, self.out_dtypes = out_shapes, out_dtypes

    def forward(self, *inputs):
        ctx = inputs[0].context
        outs = [_zeros(s, d, ctx) for s, d in zip(self.out_shapes, self.out_dtypes)]
        self.op.forward(is_train=int(is_training()), req=["write"] * len(outs),
                        in_data=list(inputs), out_data=outs, aux=self.aux)
        self.in_data, self.out_data = list(inputs), outs
        return outs[0] if len(outs) == 1 else tuple(outs)

    def backward(self, *out_grads):
        req = ["write" if wants_grad(x) else "null" for x in self.in_data]
        in_grad = [_zeros(x.shape, x.dtype, x.context) for x in self.in_data]
        self.op.backward(req=req, out_grad=list(out_grads), in_data=self.in_data,
                         out_data=self.out_data, in_grad=in_grad, aux=self.aux)
        return tuple(in_grad)


def _zeros(shape, dtype, ctx):
    return zeros(tuple(shape), ctx=ctx, dtype=dtype)


def _checked_shapes(op_type, what, shapes, count):
    shapes = list(shapes)
    if len(shapes) != count:
        raise MXNetError(f"Custom {op_type!r}: infer_shape returned {len(shapes)} {what} "
                         f"shapes, expected {count}")
    result = []
    for s in shapes:
        try:
            s = tuple(int(d) for d in s)
        except (TypeError, ValueError):
            raise MXNetError(f"Custom {op_type!r}: infer_shape returned {s!r} for an "
                             f"{what} shape") from None
        if any(d < 0 for d in s):
            raise MXNetError(f"Custom {op_type!r}: infer_shape returned the negative "
                             f"{what} shape {s}")
        result.append(s)
    return result


def run_custom(inputs, op_type, kwargs):
    """``mx.nd.Custom``: create the registered operator for ``inputs`` and run it."""
    with _REGISTRY_LOCK:
        prop_cls = _REGISTRY.get(op_type)
    if prop_cls is None:
        raise MXNetError(f"Custom: cannot find the custom operator {op_type!r}; register "
                         "it with @mx.operator.register(name)")
    for k, x in enumerate(inputs):
        if not isinstance(x, NDArrayBase):
            raise MXNetError(f"Custom {op_type!r}: input {k} must be an NDArray, "
                             f"got {type(x).__name__}")
    # MXNet hands the keyword arguments to the property as strings.
    prop = prop_cls(**{k: str(v) for k, v in kwargs.items()})
    args, outputs = prop.list_arguments(), prop.list_outputs()
    aux_names = prop.list_auxiliary_states()
    if len(inputs) != len(args) + len(aux_names):
        raise MXNetError(f"Custom {op_type!r} expects {len(args) + len(aux_names)} inputs "
                         f"({', '.join(args + aux_names)}), got {len(inputs)}")
    ctx = inputs[0].context if inputs else None
    for x in inputs[1:]:
        if x.context != ctx:
            raise MXNetError(f"Custom {op_type!r}: inputs are on {ctx} and {x.context}")
    data, aux = list(inputs[:len(args)]), list(inputs[len(args):])
    shapes = prop.infer_shape([list(x.shape) for x in data])
    _, out_shapes, *_ = shapes
    out_shapes = _checked_shapes(op_type, "output", out_shapes, len(outputs))
    types = prop.infer_type([np.dtype(x.dtype).type for x in data])
    out_dtypes = [_dtype_name(t) for t in list(types[1])]
    if len(out_dtypes) != len(outputs) or any(d not in DTYPES for d in out_dtypes):
        raise MXNetError(f"Custom {op_type!r}: infer_type returned {list(types[1])!r} for "
                         f"{len(outputs)} outputs; each must be one of {', '.join(DTYPES)}")
    op = prop.create_operator(ctx, [list(x.shape) for x in data],
                              [dtype_code(x.dtype) for x in data])
    if not isinstance(op, CustomOp):
        raise MXNetError(f"Custom {op_type!r}: create_operator returned "
                         f"{type(op).__name__}, not an mx.operator.CustomOp")
    return Custom(op_type, prop, op, aux, out_shapes, out_dtypes)(*data)
