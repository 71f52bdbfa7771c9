"""The file of ``Trainer.save_states``/``load_states``: MXNet 1.9.1's pickle of
``(states, optimizer)`` (what ``Updater.get_states(dump_optimizer=True)`` returns there).

MXNet pickles its NDArrays as ``mxnet.ndarray.ndarray.NDArray`` with the raw bytes of
one saved array (the layout of one array of an ``mx.nd.save`` file) and its optimizers
and learning-rate schedulers under ``mxnet.optimizer.*`` and ``mxnet.lr_scheduler``.
:func:`dumps` writes mxgrad's objects under those names, so MXNet 1.9.1 unpickles the
file, and :func:`loads` reads MXNet's names back into mxgrad's classes (mxgrad's own
names too), so a states file moves between the two libraries either way.
"""
import importlib
import io
import pickle
import struct

import numpy as np

from mxgrad import lr_scheduler, ndarray, optimizer
from mxgrad.base import DTYPES, MXNetError
from mxgrad.ndarray import NDArray

__all__ = ["dumps", "loads"]

_MAGIC_LEGACY = 0xF993FAC9      # the shape semantics MXNet 1.x writes by default
_MAGIC_NP = 0xF993FACA          # numpy shape semantics (0-d and zero-size arrays)
_FILE_HEAD = struct.pack("<QQQ", 0x112, 0, 1)     # an nd.save file of one unnamed array
_FILE_TAIL = struct.pack("<Q", 0)


class _MXNetArray:
    """An MXNet NDArray while unpickling (MXNet builds it from ``{'handle': raw bytes}``);
    :func:`_resolve` swaps it for the mxgrad NDArray."""

    def __init__(self, handle=None):
        self.array = None

    def __setstate__(self, state):
        raw = state.get("handle")
        if raw is not None:
            self.array = ndarray.load_frombuffer(_FILE_HEAD + bytes(raw) + _FILE_TAIL)[0]


def _raw_bytes(array):
    """``array`` as MXNet's raw bytes of one NDArray (what its ``__getstate__`` keeps)."""
    host = array.asnumpy()
    ctx = array.context
    magic = _MAGIC_NP if host.ndim == 0 or 0 in host.shape else _MAGIC_LEGACY
    return b"".join([
        struct.pack(f"<IiI{host.ndim}q", magic, 0, host.ndim, *host.shape),
        struct.pack("<iii", ctx.device_typeid, ctx.device_id, DTYPES.index(host.dtype)),
        np.ascontiguousarray(host, dtype=host.dtype.newbyteorder("<")).tobytes()])


def _mxnet_names():
    """mxgrad class -> (module, name) MXNet 1.9.1 pickles that class under."""
    names = {_MXNetArray: ("mxnet.ndarray.ndarray", "NDArray")}
    for module, target in ((optimizer, "mxnet.optimizer.optimizer"),
                           (optimizer.contrib, "mxnet.optimizer.contrib"),
                           (lr_scheduler, "mxnet.lr_scheduler")):
        for name, obj in vars(module).items():
            if isinstance(obj, type) and obj.__module__.startswith(module.__name__):
                names[obj] = (target, name)
    return names


class _MXNetPickler(pickle._Pickler):
    """The pure-Python pickler (its ``save_global`` can be overridden) writing MXNet's
    class names for mxgrad's arrays, optimizers and schedulers."""

    def __init__(self, file):
        super().__init__(file, protocol=4)
        self.names = _mxnet_names()

    def reducer_override(self, obj):
        if isinstance(obj, NDArray):
            return _MXNetArray, (None,), {"handle": bytearray(_raw_bytes(obj))}
        return NotImplemented

    def save_global(self, obj, name=None):
        target = self.names.get(obj) if isinstance(obj, type) else None
        if target is None:
            return super().save_global(obj, name)
        self.save(target[0])
        self.save(target[1])
        self.write(pickle.STACK_GLOBAL)
        self.memoize(obj)
        return None


class _MXNetUnpickler(pickle.Unpickler):
    """Reads MXNet's class names as mxgrad's (and mxgrad's own as they are)."""

    def find_class(self, module, name):
        if module == "mxnet.ndarray.ndarray" and name == "NDArray":
            return _MXNetArray
        if module == "mxnet" or module.startswith("mxnet."):
            home = {"mxnet.optimizer.optimizer": optimizer, "mxnet.optimizer": optimizer,
                    "mxnet.optimizer.contrib": optimizer.contrib,
                    "mxnet.lr_scheduler": lr_scheduler}.get(module)
            if home is None:
                try:
                    home = importlib.import_module("mxgrad" + module[len("mxnet"):])
                except ImportError:
                    home = None
            if home is None or not hasattr(home, name):
                raise MXNetError(f"the states file holds MXNet's {module}.{name}, which "
                                 "mxgrad has no counterpart of")
            return getattr(home, name)
        return super().find_class(module, name)


def _resolve(obj):
    """``obj`` with every unpickled MXNet array replaced by its mxgrad NDArray."""
    if isinstance(obj, _MXNetArray):
        return obj.array
    if isinstance(obj, tuple):
        return tuple(_resolve(o) for o in obj)
    if isinstance(obj, list):
        return [_resolve(o) for o in obj]
    if isinstance(obj, dict):
        return {k: _resolve(v) for k, v in obj.items()}
    if isinstance(obj, (optimizer.Optimizer, lr_scheduler.LRScheduler)):
        for key, value in list(vars(obj).items()):
            setattr(obj, key, _resolve(value))
    return obj


def dumps(obj):
    """``obj`` (the states, or ``(states, optimizer)``) pickled as MXNet 1.9.1 pickles it.

    >>> from mxgrad.gluon import trainer_states
    >>> blob = trainer_states.dumps({0: mx.nd.array([1.0, 2.0])})
    >>> b'mxnet.ndarray.ndarray' in blob
    True
    >>> trainer_states.loads(blob)[0]
    <BLANKLINE>
    [1. 2.]
    <NDArray 2 @cpu(0)>
    """
    buf = io.BytesIO()
    _MXNetPickler(buf).dump(obj)
    return buf.getvalue()


def loads(payload):
    """What :func:`dumps` (or MXNet 1.9.1's ``Updater.get_states``) pickled, with mxgrad's
    NDArrays, optimizers and schedulers in place of MXNet's.

    >>> from mxgrad.gluon import trainer_states
    >>> opt = mx.optimizer.SGD(learning_rate=0.5)
    >>> states, loaded = trainer_states.loads(trainer_states.dumps(({}, opt)))
    >>> type(loaded).__name__, loaded.learning_rate
    ('SGD', 0.5)
    """
    try:
        return _resolve(_MXNetUnpickler(io.BytesIO(payload)).load())
    except (pickle.UnpicklingError, EOFError) as e:
        raise MXNetError(f"not a Trainer states file (cannot unpickle it: {e})") from None
