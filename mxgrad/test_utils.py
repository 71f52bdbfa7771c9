"""Helpers for tests and examples, as MXNet 1.9.1's ``mx.test_utils``: default contexts,
tolerant comparisons, random arrays and shapes, numeric gradient checks and the MNIST files.

>>> mx.test_utils.assert_almost_equal(mx.nd.array([1, 2]), np.array([1, 2.0001]))
>>> mx.test_utils.list_gpus() == list(range(mx.num_gpus()))
True
"""
import gzip
import numbers
import os
import struct

import numpy as np

from mxgrad import autograd, context, ndarray
from mxgrad.base import MXNetError
from mxgrad.context import Context, current_context

__all__ = ["default_context", "set_default_context", "default_dtype", "default_rtols",
           "default_atols", "default_numeric_eps", "get_tolerance", "get_tols", "get_atol",
           "get_rtol", "list_gpus", "same", "almost_equal", "assert_almost_equal",
           "assert_allclose", "assert_exception", "random_arrays", "random_uniform_arrays",
           "rand_ndarray", "rand_shape_2d", "rand_shape_3d", "rand_shape_nd",
           "check_numeric_gradient", "get_mnist", "get_mnist_ubyte"]


# --- contexts -----------------------------------------------------------------------------
def default_context():
    """The context tests run on: the current default context.

    >>> mx.test_utils.default_context()
    cpu(0)
    """
    return current_context()


def set_default_context(ctx):
    """Make ``ctx`` the default context (of every thread here; MXNet's is per thread).
    ``with ctx:`` blocks still take precedence.

    >>> old = mx.test_utils.default_context()
    >>> mx.test_utils.set_default_context(mx.cpu(0))
    >>> mx.nd.zeros(1).context
    cpu(0)
    >>> mx.test_utils.set_default_context(old)
    """
    if not isinstance(ctx, Context):
        raise MXNetError(f"set_default_context expects a Context such as mx.cpu(0), got {ctx!r}")
    # current_context() falls back to this process-wide default when no `with ctx:` is active.
    context._process_default = ctx


def list_gpus():
    """The ids of the OpenCL GPU devices there are (``[]`` without one).

    >>> mx.test_utils.list_gpus() == list(range(mx.num_gpus()))
    True
    """
    return list(range(context.num_gpus()))


# --- tolerances -----------------------------------------------------------------------------
_INT_TYPES = (np.bool_, np.int8, np.uint8, np.int32, np.uint32, np.int64, np.uint64)


def default_dtype():
    """The dtype of random test data: float32.

    >>> mx.test_utils.default_dtype()
    <class 'numpy.float32'>
    """
    return np.float32


def default_rtols():
    """Relative tolerance by dtype (exact for integers).

    >>> mx.test_utils.default_rtols()[np.dtype('float32')]
    0.0001
    """
    tols = {np.dtype(np.float16): 1e-2, np.dtype(np.float32): 1e-4,
            np.dtype(np.float64): 1e-5}
    tols.update({np.dtype(t): 0 for t in _INT_TYPES})
    return tols


def default_atols():
    """Absolute tolerance by dtype (exact for integers).

    >>> mx.test_utils.default_atols()[np.dtype('float32')]
    0.001
    """
    tols = {np.dtype(np.float16): 1e-1, np.dtype(np.float32): 1e-3,
            np.dtype(np.float64): 1e-20}
    tols.update({np.dtype(t): 0 for t in _INT_TYPES})
    return tols


def default_numeric_eps():
    """Finite-difference step by dtype (powers of two, exact as input deltas).

    >>> mx.test_utils.default_numeric_eps()[np.dtype('float64')]
    6.103515625e-05
    """
    return {np.dtype(np.float16): 1.0 / 2 ** 6, np.dtype(np.float32): 1.0 / 2 ** 9,
            np.dtype(np.float64): 1.0 / 2 ** 14}


def get_tolerance(dat, tol, default_tol):
    """``tol`` if it is a number, else its (or default_tol's) entry for dat's dtype.

    >>> mx.test_utils.get_tolerance(np.zeros(1, 'float16'), None, mx.test_utils.default_rtols())
    0.01
    """
    if isinstance(tol, numbers.Number):
        return tol
    dtype = np.dtype(dat.dtype)
    tol = {} if tol is None else tol
    return tol.get(dtype, default_tol[dtype])


def get_tols(x, y, rtol, atol):
    """``(rtol, atol)`` for comparing x and y: given ones, else the looser of their dtypes'.

    >>> mx.test_utils.get_tols(np.zeros(1, 'float32'), np.zeros(1), None, None)
    (0.0001, 0.001)
    """
    x = np.array(x) if isinstance(x, numbers.Number) else x
    y = np.array(y) if isinstance(y, numbers.Number) else y
    return (max(get_tolerance(x, rtol, default_rtols()), get_tolerance(y, rtol, default_rtols())),
            max(get_tolerance(x, atol, default_atols()), get_tolerance(y, atol, default_atols())))


def get_atol(atol=None, dtype=np.dtype(np.float64)):
    """``atol``, or the default absolute tolerance of ``dtype``.

    >>> mx.test_utils.get_atol()
    1e-20
    """
    return default_atols()[dtype] if atol is None else atol


def get_rtol(rtol=None, dtype=np.dtype(np.float64)):
    """``rtol``, or the default relative tolerance of ``dtype``.

    >>> mx.test_utils.get_rtol()
    1e-05
    """
    return default_rtols()[dtype] if rtol is None else rtol


# --- comparisons ------------------------------------------------------------------------------
def _numpy(x):
    return x.asnumpy() if isinstance(x, ndarray.NDArray) else x


def same(a, b):
    """Whether two arrays have equal shapes and elements.

    >>> mx.test_utils.same(np.array([1, 2]), np.array([1, 2]))
    True
    """
    return np.array_equal(_numpy(a), _numpy(b))


def _err_msg(arrays, message, names=("ACTUAL", "DESIRED")):
    import numpy.testing as npt        # on failure only: it imports unittest (~10 ms)
    return npt.build_err_msg(arrays, err_msg=message, names=names)


def _check_shapes(a, b):
    if a.shape != b.shape:
        raise AssertionError(_err_msg(
            [a, b], f"a.shape = {a.shape} and b.shape = {b.shape} are not equal"))


def almost_equal(a, b, rtol=None, atol=None, equal_nan=False, use_broadcast=True):
    """``|a - b| <= atol + rtol * |b|`` everywhere (defaults: float64's tolerances).

    >>> mx.test_utils.almost_equal(np.array([1.0]), np.array([1.0 + 1e-7]))
    True
    """
    a, b = _numpy(a), _numpy(b)
    if not use_broadcast:
        _check_shapes(a, b)
    return np.allclose(a, b, rtol=get_rtol(rtol), atol=get_atol(atol), equal_nan=equal_nan)


def _max_violation(a, b, rtol, atol):
    """Index and size of the worst ``|a - b| / (atol + rtol * |b|)`` (equal infs count 0)."""
    with np.errstate(invalid="ignore"):
        absdiff = np.where(np.equal(a, b), 0, np.abs(a - b))
        violation = absdiff / (atol + rtol * np.abs(b) + 1e-20)
    violation = np.where(np.isnan(violation), np.inf, violation)
    idx = tuple(int(i) for i in np.unravel_index(np.argmax(violation), violation.shape))
    return idx, np.max(violation)


def _location(a, b, index, names, worst=False):
    kind = "maximum " if worst else ""
    return (f"Location of {kind}error: {index}, {names[0]}={a[index]:.8f}, "
            f"{names[1]}={b[index]:.8f}")


def assert_almost_equal(a, b, rtol=None, atol=None, names=("a", "b"), equal_nan=False,
                        use_broadcast=True, mismatches=(10, 10)):
    """Raise AssertionError unless ``|a - b| <= atol + rtol * |b|`` everywhere. Tolerances
    left None take the looser default of the two dtypes (float32: rtol 1e-4, atol 1e-3);
    a number or a dtype -> tolerance dict overrides. The message names the worst element.

    >>> mx.test_utils.assert_almost_equal(mx.nd.array([1, 2]), mx.nd.array([1, 2.0001]))
    >>> mx.test_utils.assert_almost_equal(np.array([1.0, 2.0]), np.array([1.0, 2.5]),
    ...                                   names=('out', 'expected'))
    Traceback (most recent call last):
    ...
    AssertionError: ...
    Error 20000.000000 exceeds tolerance rtol=1.000000e-05, atol=1.000000e-20 (mismatch 50.000000%).
    Location of maximum error: (1,), out=2.00000000, expected=2.50000000
    ...
    """
    rtol, atol = get_tols(a, b, rtol, atol)
    a, b = np.asarray(_numpy(a)), np.asarray(_numpy(b))
    if not use_broadcast:
        _check_shapes(a, b)
    if a.dtype == np.bool_ and b.dtype == np.bool_:
        if not np.array_equal(a, b):
            raise AssertionError(_err_msg([a, b], "boolean arrays differ", names))
        return
    if almost_equal(a, b, rtol, atol, equal_nan=equal_nan):
        return
    a, b = np.broadcast_arrays(a, b)
    index, rel = _max_violation(a, b, rtol, atol)
    if index != ():
        count = int(np.sum(~np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)))
        shown = [_location(a, b, index, names, worst=True)]
        a_rest, b_rest = a.astype(np.float64), b.astype(np.float64)
        for i in range(1, min(count, mismatches[0])):      # the next worst elements
            a_rest[index] = b_rest[index] = 0
            index_i, rel_i = _max_violation(a_rest, b_rest, rtol, atol)
            shown.append(f"{i + 1:3d}: Error {rel_i:f}  {_location(a, b, index_i, names)}")
            index = index_i
        msg = (f"Error {rel:f} exceeds tolerance rtol={rtol:e}, atol={atol:e} "
               f"(mismatch {100 * count / a.size:f}%).\n" + "\n".join(shown))
    else:
        msg = f"Error {rel:f} exceeds tolerance rtol={rtol:e}, atol={atol:e}.\n"
    with np.printoptions(threshold=4, suppress=True):
        raise AssertionError(_err_msg([a, b], msg, names))


def assert_allclose(a, b, rtol=1e-07, atol=0, equal_nan=True):
    """``assert_almost_equal`` with NumPy's ``assert_allclose`` defaults.

    >>> mx.test_utils.assert_allclose(np.array([np.nan, 1.0]), np.array([np.nan, 1.0]))
    """
    assert_almost_equal(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)


def assert_exception(f, exception_type, *args, **kwargs):
    """Check that ``f(*args, **kwargs)`` raises ``exception_type``.

    >>> mx.test_utils.assert_exception(mx.nd.ones((2,)).reshape, mx.MXNetError, (3,))
    """
    try:
        f(*args, **kwargs)
    except exception_type:
        return
    raise AssertionError(f"{getattr(f, '__name__', f)} did not raise {exception_type.__name__}")


# --- random data --------------------------------------------------------------------------------
def random_arrays(*shapes):
    """Standard normal float32 NumPy arrays of the given shapes (one array if one shape).

    >>> mx.test_utils.random_arrays((2, 3)).shape
    (2, 3)
    >>> [a.dtype.name for a in mx.test_utils.random_arrays((1,), ())]
    ['float32', 'float32']
    """
    arrays = [np.array(np.random.randn(), dtype=default_dtype()) if len(s) == 0
              else np.random.randn(*s).astype(default_dtype()) for s in shapes]
    return arrays[0] if len(arrays) == 1 else arrays


def random_uniform_arrays(*shapes, low=0.0, high=1.0, dtype=None):
    """Uniform [low, high) NumPy arrays of the given shapes (always a list).

    >>> [a.shape for a in mx.test_utils.random_uniform_arrays((2,), (1, 2))]
    [(2,), (1, 2)]
    """
    dtype = default_dtype() if dtype is None else dtype
    return [np.random.uniform(low, high, size=s).astype(dtype) for s in shapes]


def rand_ndarray(shape, stype="default", density=None, dtype=None, modifier_func=None,
                 shuffle_csr_indices=False, distribution=None, ctx=None):
    """A standard normal NDArray (dense only: mxgrad has no sparse storage).

    >>> x = mx.test_utils.rand_ndarray((2, 3), dtype='float64')
    >>> x.shape, x.dtype.__name__, x.context
    ((2, 3), 'float64', cpu(0))
    """
    if stype != "default":
        raise MXNetError(f"rand_ndarray: stype '{stype}' is not supported; mxgrad arrays are "
                         f"dense (stype 'default')")
    ctx = ctx if ctx else default_context()
    return ndarray.array(random_arrays(shape), dtype=dtype, ctx=ctx)


def rand_shape_2d(dim0=10, dim1=10, allow_zero_size=False):
    """A random 2-d shape with sizes up to dim0, dim1 (from 1, or 0 with allow_zero_size).

    >>> s = mx.test_utils.rand_shape_2d(3, 4)
    >>> len(s), 1 <= s[0] <= 3, 1 <= s[1] <= 4
    (2, True, True)
    """
    low = 0 if allow_zero_size else 1
    return np.random.randint(low, dim0 + 1), np.random.randint(low, dim1 + 1)


def rand_shape_3d(dim0=10, dim1=10, dim2=10, allow_zero_size=False):
    """A random 3-d shape with sizes up to dim0, dim1, dim2.

    >>> len(mx.test_utils.rand_shape_3d())
    3
    """
    low = 0 if allow_zero_size else 1
    return (np.random.randint(low, dim0 + 1), np.random.randint(low, dim1 + 1),
            np.random.randint(low, dim2 + 1))


def rand_shape_nd(num_dim, dim=10, allow_zero_size=False):
    """A random shape of ``num_dim`` sizes up to ``dim``.

    >>> len(mx.test_utils.rand_shape_nd(4, dim=2))
    4
    """
    low = 0 if allow_zero_size else 1
    return tuple(np.random.randint(low, dim + 1, size=num_dim))


# --- numeric gradients ----------------------------------------------------------------------
def _as_call(sym, location):
    """(names, arrays, f) where f(*NDArrays) evaluates sym (a callable or a Symbol)."""
    if isinstance(location, dict):
        names = list(location)
        arrays = [location[n] for n in names]
    else:
        arrays = list(location)
        names = None
    if hasattr(sym, "list_arguments") and hasattr(sym, "eval"):      # a Symbol
        args = sym.list_arguments()
        if names is None:
            if len(arrays) != len(args):
                raise MXNetError(f"check_numeric_gradient: {len(arrays)} arrays for the "
                                 f"arguments {args}")
            names = args
        elif sorted(names) != sorted(args):
            raise MXNetError(f"check_numeric_gradient: location names {names} do not match "
                             f"the arguments {args}")

        def f(*xs):
            outs = sym.eval(**dict(zip(names, xs)))
            return outs[0] if len(outs) == 1 else outs
        return names, arrays, f
    if not callable(sym):
        raise MXNetError(f"check_numeric_gradient: sym must be a Symbol or a callable, "
                         f"got {type(sym).__name__}")
    if names is not None:
        return names, arrays, lambda *xs: sym(**dict(zip(names, xs)))
    return [f"arg{i}" for i in range(len(arrays))], arrays, sym


def check_numeric_gradient(sym, location, aux_states=None, numeric_eps=None, rtol=None,
                           atol=None, grad_nodes=None, use_forward_train=True, ctx=None,
                           grad_stype_dict=None, dtype=np.float32):
    """Compare autograd's gradient with central differences.

    ``sym`` is a Symbol (``mx.autograd.get_symbol``) or a function of NDArrays; ``location``
    the input values (a list, or a dict by argument name). The scalar compared is
    ``sum(out * r)`` for a random ``r`` in [0.1, 1.1), in ``dtype``; ``grad_nodes`` limits which inputs
    are checked.

    >>> mx.test_utils.check_numeric_gradient(lambda x: mx.nd.sin(x) * x,
    ...                                      [np.array([0.5, 1.0, 2.0])], dtype=np.float64)
    """
    if aux_states:
        raise MXNetError("check_numeric_gradient: aux_states are not supported (mxgrad has no "
                         "auxiliary states)")
    ctx = ctx if ctx else default_context()
    dtype = np.dtype(dtype)
    eps = default_numeric_eps()[dtype] if numeric_eps is None else numeric_eps
    names, arrays, f = _as_call(sym, location)
    values = [np.asarray(_numpy(a), dtype=dtype) for a in arrays]
    checked = names if grad_nodes is None else list(grad_nodes)    # a list, or dict keys
    unknown = [n for n in checked if n not in names]
    if unknown:
        raise MXNetError(f"check_numeric_gradient: grad_nodes {unknown} are not among {names}")

    def forward(vals):
        with autograd.train_mode() if use_forward_train else autograd.predict_mode():
            return f(*[ndarray.array(v, ctx=ctx, dtype=dtype) for v in vals])

    out = forward(values)
    # weights away from 0, as MXNet's: small ones would lose precision in the differences
    proj = (np.random.rand(*out.shape) + 0.1).astype(dtype)
    inputs = [ndarray.array(v, ctx=ctx, dtype=dtype) for v in values]
    for x in inputs:
        x.attach_grad()
    with autograd.record(train_mode=use_forward_train):
        head = f(*inputs)
    head.backward(ndarray.array(proj, ctx=ctx, dtype=dtype))

    def scalar(vals):
        return float(np.sum(forward(vals).asnumpy().astype(np.float64) * proj))

    for k, name in enumerate(names):
        if name not in checked:
            continue
        numeric = np.zeros(values[k].shape, dtype=np.float64)
        for idx in np.ndindex(values[k].shape):
            plus = [v.copy() for v in values]
            minus = [v.copy() for v in values]
            plus[k][idx] += eps / 2
            minus[k][idx] -= eps / 2
            numeric[idx] = (scalar(plus) - scalar(minus)) / eps
        assert_almost_equal(numeric.astype(dtype), inputs[k].grad.asnumpy(), rtol=rtol,
                            atol=atol, names=(f"NUMERICAL_{name}", f"BACKWARD_{name}"))


# --- MNIST ------------------------------------------------------------------------------------
_MNIST_FILES = {"train_data": "train-images-idx3-ubyte", "train_label": "train-labels-idx1-ubyte",
                "test_data": "t10k-images-idx3-ubyte", "test_label": "t10k-labels-idx1-ubyte"}


def _data_dirs():
    dirs = [os.environ.get("MXGRAD_DATA_DIR"), os.path.join(os.getcwd(), "data"), os.getcwd()]
    return [d for d in dirs if d]


def _find_mnist_file(base):
    """The path of ``base`` or ``base.gz`` in the data folders, or a clear error."""
    for folder in _data_dirs():
        for name in (base, base + ".gz"):
            path = os.path.join(folder, name)
            if os.path.exists(path):
                return path
    raise MXNetError(
        f"MNIST file {base} (or {base}.gz) not found in {_data_dirs()}. mxgrad does not "
        f"download: put the four MNIST files (train-images-idx3-ubyte, "
        f"train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, "
        f"gzipped or not) in one of these folders or set MXGRAD_DATA_DIR to their folder.")


def _read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        magic = struct.unpack(">I", f.read(4))[0]
        ndim = magic & 0xFF
        if magic >> 8 != 0x08 or ndim not in (1, 3):
            raise MXNetError(f"{path} is not an MNIST idx file of unsigned bytes")
        shape = struct.unpack(">" + "I" * ndim, f.read(4 * ndim))
        data = np.frombuffer(f.read(), dtype=np.uint8)
    if data.size != int(np.prod(shape)):
        raise MXNetError(f"{path} holds {data.size} bytes of data, its header says {shape}")
    return data.reshape(shape)


def get_mnist():
    """MNIST as a dict of NumPy arrays: 'train_data'/'test_data' float32 (N, 1, 28, 28) in
    [0, 1] and 'train_label'/'test_label' int8, read from ``$MXGRAD_DATA_DIR``, ``./data``
    or ``.`` (the standard idx files, gzipped or not). mxgrad never downloads.

    >>> try:
    ...     ok = mx.test_utils.get_mnist()['train_data'].shape[1:] == (1, 28, 28)
    ... except mx.MXNetError as e:        # no files here: the error says where to put them
    ...     ok = 'MXGRAD_DATA_DIR' in str(e)
    >>> ok
    True
    """
    result = {}
    for key, base in _MNIST_FILES.items():
        raw = _read_idx(_find_mnist_file(base))
        if key.endswith("label"):
            result[key] = raw.astype(np.int8)
        else:
            result[key] = raw.reshape(raw.shape[0], 1, 28, 28).astype(np.float32) / 255
    return result


def get_mnist_ubyte():
    """Make sure ``./data`` holds the four uncompressed MNIST idx files (as MXNet leaves
    them), copying or un-gzipping them from ``$MXGRAD_DATA_DIR`` if needed; no download.

    >>> import os
    >>> try:
    ...     mx.test_utils.get_mnist_ubyte()
    ...     ok = os.path.exists(os.path.join('data', 't10k-labels-idx1-ubyte'))
    ... except mx.MXNetError as e:        # no files here: the error says where to put them
    ...     ok = 'MXGRAD_DATA_DIR' in str(e)
    >>> ok
    True
    """
    target = os.path.join(os.getcwd(), "data")
    for base in _MNIST_FILES.values():
        if os.path.exists(os.path.join(target, base)):
            continue
        source = _find_mnist_file(base)
        os.makedirs(target, exist_ok=True)
        opener = gzip.open if source.endswith(".gz") else open
        with opener(source, "rb") as src, open(os.path.join(target, base), "wb") as dst:
            dst.write(src.read())
