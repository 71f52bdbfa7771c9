"""What the optimizer update modules share: argument checks made before anything is enqueued,
and the launch of a kernel of kernels_cl/optimizer_more.cl over (out, arrays..., n, scalars)."""
from mxgrad import _ndarray
from mxgrad._ndarray import NDArrayBase
from mxgrad.base import DTYPES, MXNetError
from mxgrad.ndarray._kernels import family_kernel

FLOAT32, FLOAT64, FLOAT16 = 0, 1, 2


def required(op, **params):
    """MXNet's error for a required hyper-parameter left out (lr, t, wd, eta, ...)."""
    for name, value in params.items():
        if value is None:
            raise MXNetError(f"Required parameter {name} is not presented, in operator {op}")


def check_arrays(op, arrays, like=None, codes=None):
    """Each (name, array) is an NDArray of ``like``'s shape and context (default: the first
    array's), of dtype code ``codes[name]`` or else ``like``'s."""
    like = like if like is not None else arrays[0][1]
    if not isinstance(like, NDArrayBase):
        raise MXNetError(f"{op}: {arrays[0][0]} must be an NDArray, got {type(like).__name__}")
    for name, a in arrays:
        if not isinstance(a, NDArrayBase):
            raise MXNetError(f"{op}: {name} must be an NDArray, got {type(a).__name__}")
        if a.shape != like.shape:
            raise MXNetError(f"{op}: {name} has shape {a.shape}, weight has {like.shape}")
        code = (codes or {}).get(name, like._dtype_code)
        if a._dtype_code != code:
            raise MXNetError(f"{op}: {name} is {DTYPES[a._dtype_code].name}, expected "
                             f"{DTYPES[code].name}")
        if a.context != like.context:
            raise MXNetError(f"{op}: {name} is on {a.context}, weight on {like.context}")


def check_float(op, weight, allowed=(FLOAT32, FLOAT64, FLOAT16)):
    if not isinstance(weight, NDArrayBase):
        raise MXNetError(f"{op}: weight must be an NDArray, got {type(weight).__name__}")
    if weight._dtype_code not in allowed:
        names = ", ".join(DTYPES[c].name for c in allowed)
        raise MXNetError(f"{op}: weight must be {names}, got {DTYPES[weight._dtype_code].name}"
                         " (this operation only supports floating point types)")


def writable(arrays):
    """States and out are written in place: refuse arrays the recorded graph still needs."""
    for a in arrays:
        _ndarray.check_inplace(a)


def out_array(op, like, out, code=None):
    """``out`` checked to take a result shaped like ``like`` (dtype ``code``), or a fresh one."""
    code = like._dtype_code if code is None else code
    if out is None:
        return _ndarray.empty_array(like.context, like.shape, code)
    check_arrays(op, [("out", out)], like=like, codes={"out": code})
    return out


def launch(op, weight, out, buffers, scalars, scalar_code=None):
    """Run kernel ``op`` of optimizer_more.cl for ``weight``'s dtype over (out, *buffers,
    n, *scalars); scalars are of the compute type (``scalar_code``: float32 for mp_*)."""
    code = weight._dtype_code
    k = family_kernel(weight.context, "optimizer_more", op, code)
    i = 0
    for a in (out,) + tuple(buffers):
        k.set_arg_mem(i, a._buffer)
        k.set_arg_long(i + 1, a._offset)
        i += 2
    k.set_arg_long(i, weight.size)
    if scalar_code is None:
        scalar_code = FLOAT32 if code == FLOAT16 else code
    for j, v in enumerate(scalars):
        k.set_arg_scalar(i + 1 + j, scalar_code, float(v))
    if weight.size:
        weight.context.state.launch_1d(k, weight.size)
    return out
