"""Array creation: array, zeros, ones, full, empty, arange, linspace, eye, zeros_like, ones_like.

Dtype rules follow MXNet 1.9.1: everything but an NDArray source defaults to float32 (also
float64 and integer numpy arrays), fill values and range bounds go through double and are
then converted to the dtype as MXNet's x86 build does (see mxgrad.base.kernel_scalar), and
``arange`` computes in the target dtype.
"""
import math
import numbers
import warnings

import numpy as np

from mxgrad import _ndarray
from mxgrad._ndarray import NDArrayBase
from mxgrad.base import MXNetError, DTYPES, dtype_code, kernel_scalar
from mxgrad.context import current_context, Context
from mxgrad.ndarray._shapes import check_bytes

__all__ = ["from_dlpack", "array", "empty", "zeros", "ones", "full", "arange", "linspace", "eye",
           "zeros_like", "ones_like"]

_FLOAT32, _FLOAT64, _FLOAT16 = 0, 1, 2


def _ctx(ctx):
    """A Context from None (the current one), a Context, or a string such as ``'cpu(0)'``."""
    if ctx is None:
        return current_context()
    if isinstance(ctx, Context):
        return ctx
    if isinstance(ctx, str):
        kind, _, rest = ctx.strip().partition("(")
        if rest.endswith(")") and rest[:-1].strip().isdigit():
            return Context(kind.strip(), int(rest[:-1]))
    raise MXNetError(f"ctx must be a Context such as mx.cpu(0) (or 'cpu(0)'), got {ctx!r}")


def _shape(shape, what="shape"):
    if isinstance(shape, numbers.Integral):
        shape = (shape,)
    try:
        dims = tuple(shape)
    except TypeError:
        raise MXNetError(f"{what} must be an int or a tuple of ints, got {shape!r}") from None
    if not all(isinstance(s, numbers.Integral) for s in dims):
        raise MXNetError(f"{what} must be an int or a tuple of ints, got {shape!r}")
    dims = tuple(int(s) for s in dims)
    if any(s < 0 for s in dims):
        raise MXNetError(f"{what} {dims} has a negative dimension")
    return dims


def _code(dtype, default=_FLOAT32):
    return default if dtype is None else dtype_code(dtype)


def _check_kwargs(fname, kwargs, allowed=("name",)):
    """MXNet's generated ops reject unknown keyword arguments."""
    for key in kwargs:
        if key not in allowed:
            raise MXNetError(f"{fname}: unknown argument {key!r}; possible arguments: "
                             f"{', '.join(allowed)}")


def _check_out(fname, out, shape):
    if not isinstance(out, NDArrayBase):
        raise MXNetError(f"{fname}: out must be an NDArray, got {type(out).__name__}")
    if out.shape != shape:
        raise MXNetError(f"{fname}: out has shape {out.shape}, expected {shape}")
    _ndarray.check_inplace(out)


def _from_host(host, ctx, code):
    out = _ndarray.empty_array(_ctx(ctx), host.shape, code)
    out._write_numpy(np.ascontiguousarray(host, dtype=DTYPES[code]))
    return out


def _cast_from_double(values, code):
    """float64 values converted to dtype ``code`` the way MXNet's x86 build does (vectorised
    kernel_scalar): float16 through float32; integers truncated, NaN or out of range giving
    the range's minimum, 8-bit dtypes keeping the low byte."""
    with np.errstate(invalid="ignore", over="ignore"):
        if code in (_FLOAT32, _FLOAT64):
            return values.astype(DTYPES[code])
        if code == _FLOAT16:
            return values.astype(np.float32).astype(np.float16)
        bits = 64 if code == 6 else 32
        lo, hi = -2.0 ** (bits - 1), 2.0 ** (bits - 1)
        inside = (values >= lo) & (values < hi)         # False for NaN
        ints = np.where(inside, values, 0).astype(np.int64)
        ints[~inside] = int(lo)
        return ints.astype(DTYPES[code])               # 8-bit dtypes wrap


def empty(shape, ctx=None, dtype=None, stype=None):
    """An array with undefined contents (float32 unless ``dtype``).

    >>> x = mx.nd.empty((2, 3))
    >>> x.shape, x.dtype
    ((2, 3), <class 'numpy.float32'>)
    """
    _check_stype("empty", stype)
    return _ndarray.empty_array(_ctx(ctx), _shape(shape), _code(dtype))


def _check_stype(fname, stype):
    if stype not in (None, "default"):
        raise MXNetError(f"{fname}: stype {stype!r} is not supported (only dense 'default' "
                         "arrays exist in mxgrad)")


def full(shape, val, ctx=None, dtype=np.float32, out=None):
    """An array of ``shape`` filled with ``val``; with ``out``, fills ``out`` and returns it.

    As in MXNet the value goes through double, so an int64 fill beyond 2**53 rounds.

    >>> mx.nd.full((2, 2), 7)
    <BLANKLINE>
    [[7. 7.]
     [7. 7.]]
    <NDArray 2x2 @cpu(0)>
    >>> mx.nd.full(3, 2.5, dtype='int32')    # the value is converted to the dtype
    <BLANKLINE>
    [2 2 2]
    <NDArray 3 @cpu(0)>
    """
    if out is None:
        out = empty(shape, ctx, dtype)
    else:
        _ndarray.check_inplace(out)
    out._fill(kernel_scalar(out._dtype_code, val))
    return out


def zeros(shape, ctx=None, dtype=None, stype=None, **kwargs):
    """An array of zeros (float32 unless ``dtype``); ``out=`` fills an existing array.

    >>> mx.nd.zeros((2, 3))
    <BLANKLINE>
    [[0. 0. 0.]
     [0. 0. 0.]]
    <NDArray 2x3 @cpu(0)>
    >>> mx.nd.zeros(2, dtype='int32')
    <BLANKLINE>
    [0 0]
    <NDArray 2 @cpu(0)>
    """
    return _constant("zeros", 0, shape, ctx, dtype, stype, kwargs)


def ones(shape, ctx=None, dtype=None, **kwargs):
    """An array of ones (float32 unless ``dtype``); ``out=`` fills an existing array.

    >>> mx.nd.ones((2, 2))
    <BLANKLINE>
    [[1. 1.]
     [1. 1.]]
    <NDArray 2x2 @cpu(0)>
    >>> x = mx.nd.zeros(3)
    >>> mx.nd.ones(3, out=x) is x
    True
    >>> x
    <BLANKLINE>
    [1. 1. 1.]
    <NDArray 3 @cpu(0)>
    """
    return _constant("ones", 1, shape, ctx, dtype, None, kwargs)


def _constant(fname, value, shape, ctx, dtype, stype, kwargs):
    _check_kwargs(fname, kwargs, ("out", "name"))
    _check_stype(fname, stype)
    shape = _shape(shape)
    out = kwargs.get("out")
    if out is None:
        out = _ndarray.empty_array(_ctx(ctx), shape, _code(dtype))
    else:
        _check_out(fname, out, shape)
    out._fill(value)
    return out


_RAGGED_WARNING = getattr(getattr(np, "exceptions", np), "VisibleDeprecationWarning",
                          DeprecationWarning)


def array(source_array, ctx=None, dtype=None):
    """An NDArray from a list, tuple, scalar, numpy array or NDArray, on ``ctx``.

    The dtype is ``dtype`` if given, else the source's dtype for an NDArray, else float32
    (as in MXNet: also for float64, integer and bool numpy arrays).

    >>> mx.nd.array([[1, 2], [3, 4]])
    <BLANKLINE>
    [[1. 2.]
     [3. 4.]]
    <NDArray 2x2 @cpu(0)>
    >>> mx.nd.array(np.arange(3)).dtype      # float32 unless dtype= says otherwise
    <class 'numpy.float32'>
    >>> mx.nd.array([1, 2], dtype='int32')
    <BLANKLINE>
    [1 2]
    <NDArray 2 @cpu(0)>
    """
    if isinstance(source_array, NDArrayBase):
        code = source_array._dtype_code if dtype is None else dtype_code(dtype)
        out = _ndarray.empty_array(_ctx(ctx), source_array.shape, code)
        source_array.copyto(out)
        return out
    code = _code(dtype)
    try:
        with warnings.catch_warnings():
            # NumPy < 2 only warns about ragged nested lists; treat it as NumPy 2's error.
            warnings.simplefilter("error", _RAGGED_WARNING)
            host = np.asarray(source_array)
    except (TypeError, ValueError, _RAGGED_WARNING):
        host = None
    if host is None or host.dtype.kind not in "biuf":
        raise TypeError(f"source_array must be array like object, got "
                        f"{type(source_array).__name__} {source_array!r:.80}")
    with np.errstate(invalid="ignore", over="ignore"):
        host = host.astype(DTYPES[code])     # numpy's cast: integers wrap like MXNet's
    return _from_host(host, ctx, code)


def from_dlpack(ext_tensor, ctx=None):
    """An NDArray from a DLPack producer, keeping its dtype: copied from a producer on the
    CPU (a numpy array, a CPU torch tensor, another NDArray), shared without a copy when the
    tensor lives in an OpenCL buffer (kDLOpenCL: a capsule, or a producer whose
    ``__dlpack_device__`` says so) of a context mxgrad uses.

    >>> x = mx.nd.from_dlpack(np.arange(3))     # a copy that keeps numpy's int64
    >>> x
    <BLANKLINE>
    [0 1 2]
    <NDArray 3 @cpu(0)>
    >>> x.dtype
    <class 'numpy.int64'>
    """
    from mxgrad import _dlpack
    capsule = None
    if type(ext_tensor).__name__ == "PyCapsule":
        capsule = ext_tensor
    elif hasattr(ext_tensor, "__dlpack_device__") and \
            ext_tensor.__dlpack_device__()[0] == _dlpack.KDL_OPENCL:
        capsule = ext_tensor.__dlpack__()
    if capsule is not None:
        device_type = _dlpack.capsule_device(capsule)[0]
        if device_type == _dlpack.KDL_OPENCL:
            return _dlpack.import_opencl(capsule, ctx)
        if device_type != _dlpack.KDL_CPU:
            raise MXNetError(f"from_dlpack: a bare capsule must hold a host (kDLCPU) or "
                             f"OpenCL (kDLOpenCL) tensor, this one has device type "
                             f"{device_type}; pass the producer itself")
        ext_tensor = _dlpack.HostCapsule(capsule)    # numpy consumes producers, not capsules
    host = np.from_dlpack(ext_tensor)
    return array(host, ctx=ctx, dtype=host.dtype)


def arange(start, stop=None, step=1.0, repeat=1, infer_range=None, ctx=None,
           dtype=np.float32):
    """Values ``start, start+step, ...`` below ``stop``, each repeated ``repeat`` times.

    Like MXNet, the length is ``ceil((stop - start) / step)`` and the values are computed
    in the target dtype from ``start`` and ``step`` converted to it: ``arange(0, 5, 1.5,
    dtype='int32')`` is ``[0, 1, 2, 3]``. For float16 MXNet also truncates ``start`` and
    ``step`` to integers, which is kept for identical results. ``infer_range`` is accepted
    for compatibility and, as in MXNet's imperative mode, changes nothing.

    >>> mx.nd.arange(5)
    <BLANKLINE>
    [0. 1. 2. 3. 4.]
    <NDArray 5 @cpu(0)>
    >>> mx.nd.arange(1, 2, 0.25)
    <BLANKLINE>
    [1.   1.25 1.5  1.75]
    <NDArray 4 @cpu(0)>
    >>> mx.nd.arange(0, 5, 1.5, dtype='int32')   # ceil(5 / 1.5) values, step 1 once in int32
    <BLANKLINE>
    [0 1 2 3]
    <NDArray 4 @cpu(0)>
    >>> mx.nd.arange(3, repeat=2)
    <BLANKLINE>
    [0. 0. 1. 1. 2. 2.]
    <NDArray 6 @cpu(0)>
    """
    if stop is None:
        start, stop = 0, start
    start, stop, step = float(start), float(stop), float(step)
    if step == 0:
        raise MXNetError(f"arange: step must not be 0 (start={start}, stop={stop})")
    if not isinstance(repeat, numbers.Integral) or repeat <= 0:
        raise MXNetError(f"arange: repeat must be a positive integer, got {repeat!r}")
    if (stop - start) / step <= 0:
        raise MXNetError(f"arange: empty range (start, stop, step) = ({start}, {stop}, {step})")
    code = _code(dtype)
    n = int(math.ceil((stop - start) / step))
    check_bytes("arange", (n * int(repeat),), code, _ctx(ctx))     # before numpy builds it
    index = np.repeat(np.arange(n, dtype=np.int64), int(repeat))
    if code == _FLOAT16:
        first, delta = int(np.float16(np.float32(start))), int(np.float16(np.float32(step)))
        values = (first + index * delta).astype(np.float32).astype(np.float16)
    elif code in (_FLOAT32, _FLOAT64):
        ft = DTYPES[code].type
        values = ft(start) + index.astype(ft) * ft(step)
    else:
        first, delta = kernel_scalar(code, start), kernel_scalar(code, step)
        values = (first + index * delta).astype(DTYPES[code])   # integer wrap-around
    return _from_host(values, ctx, code)


def linspace(start, stop, num, endpoint=True, ctx=None, dtype=np.float32):
    """``num`` evenly spaced values from ``start`` to ``stop`` (excluded when not
    ``endpoint``), computed in double and converted to ``dtype``.

    >>> mx.nd.linspace(0, 1, 5)
    <BLANKLINE>
    [0.   0.25 0.5  0.75 1.  ]
    <NDArray 5 @cpu(0)>
    >>> mx.nd.linspace(0, 1, 4, endpoint=False)
    <BLANKLINE>
    [0.   0.25 0.5  0.75]
    <NDArray 4 @cpu(0)>
    """
    if not isinstance(num, numbers.Integral) or num < 0:
        raise MXNetError(f"linspace: num must be a non-negative integer, got {num!r}")
    code = _code(dtype)
    check_bytes("linspace", (int(num),), code, _ctx(ctx))
    host = np.linspace(float(start), float(stop), int(num), endpoint=endpoint, dtype=np.float64)
    return _from_host(_cast_from_double(host, code), ctx, code)


def eye(N, M=0, k=0, ctx=None, dtype=None, **kwargs):
    """An N x M (M=0: N x N) array with ones on diagonal ``k`` (float32 unless ``dtype``).

    >>> mx.nd.eye(3)
    <BLANKLINE>
    [[1. 0. 0.]
     [0. 1. 0.]
     [0. 0. 1.]]
    <NDArray 3x3 @cpu(0)>
    >>> mx.nd.eye(2, 3, k=1)
    <BLANKLINE>
    [[0. 1. 0.]
     [0. 0. 1.]]
    <NDArray 2x3 @cpu(0)>
    """
    _check_kwargs("eye", kwargs)
    if N < 0 or M < 0:
        raise MXNetError(f"eye: N and M must be non-negative, got N={N}, M={M}")
    code = _code(dtype)
    check_bytes("eye", (int(N), int(M) if M else int(N)), code, _ctx(ctx))
    host = np.eye(int(N), int(M) if M else None, int(k), dtype=DTYPES[code])
    return _from_host(host, ctx, code)


def _like(fname, value, data, out):
    if not isinstance(data, NDArrayBase):
        raise MXNetError(f"{fname}: data must be an NDArray, got {type(data).__name__}")
    if out is None:
        out = _ndarray.empty_array(data.context, data.shape, data._dtype_code)
    else:
        _check_out(fname, out, data.shape)
    out._fill(value)
    return out


def zeros_like(data=None, out=None, name=None, **kwargs):
    """Zeros with the shape, dtype and context of ``data`` (other keywords are ignored,
    as in MXNet).

    >>> x = mx.nd.array([[1, 2, 3]], dtype='int32')
    >>> mx.nd.zeros_like(x)
    <BLANKLINE>
    [[0 0 0]]
    <NDArray 1x3 @cpu(0)>
    """
    return _like("zeros_like", 0, data, out)


def ones_like(data=None, out=None, name=None, **kwargs):
    """Ones with the shape, dtype and context of ``data`` (other keywords are ignored,
    as in MXNet).

    >>> x = mx.nd.array([[1, 2, 3]], dtype='int32')
    >>> mx.nd.ones_like(x)
    <BLANKLINE>
    [[1 1 1]]
    <NDArray 1x3 @cpu(0)>
    """
    return _like("ones_like", 1, data, out)
