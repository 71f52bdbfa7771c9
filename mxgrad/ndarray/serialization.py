"""``mx.nd.save`` / ``load`` / ``load_frombuffer`` in MXNet 1.x's binary NDArray-list format.

The layout (all little-endian), as MXNet 1.9.1 writes it:

* file header: uint64 ``0x112``, uint64 ``0`` (reserved), uint64 number of arrays;
* each array: uint32 magic (``0xF993FAC9`` for the legacy shape semantics, ``0xF993FACA``
  for numpy shape semantics, which mxgrad writes for every array of a file where one is
  0-d or has a zero-size axis, as MXNet under ``np_shape(True)``), int32 storage type (0 = dense), uint32 ndim and ndim int64 dims, int32 device
  type and int32 device id, int32 dtype flag, then the raw C-order data;
* names: uint64 count (0 for a list, else one per array), each a uint64 byte length and
  its UTF-8 bytes.
"""
import math
import struct

import numpy as np

from mxgrad.base import MXNetError, DTYPES

__all__ = ["save", "load", "load_frombuffer"]

_LIST_MAGIC = 0x112
_MAGIC_LEGACY = 0xF993FAC9      # shapes where ndim 0 / dim 0 meant "unknown"
_MAGIC_NP = 0xF993FACA          # numpy shape semantics: 0-d and zero-size arrays
_DENSE = 0
_SPARSE_NAMES = {1: "row_sparse", 2: "csr"}
# MXNet's dtype flags past the ones mxgrad has (DTYPES' index is the flag).
_OTHER_FLAGS = {7: "bool", 8: "int16", 9: "uint16", 10: "uint32", 11: "uint64", 12: "bfloat16"}


def _ndarray_class():
    from mxgrad.ndarray.ndarray import NDArray
    return NDArray


# --- writing ---------------------------------------------------------------------------
def _encode_array(host, ctx, magic, out):
    shape = tuple(host.shape)
    out.append(struct.pack("<Ii", magic, _DENSE))
    out.append(struct.pack(f"<I{len(shape)}q", len(shape), *shape))
    out.append(struct.pack("<iii", ctx.device_typeid, ctx.device_id,
                           DTYPES.index(host.dtype)))
    out.append(np.ascontiguousarray(host, dtype=host.dtype.newbyteorder("<")).tobytes())


def _to_bytes(data):
    NDArray = _ndarray_class()
    if isinstance(data, NDArray):
        data = [data]
    if isinstance(data, dict):
        names, arrays = list(data.keys()), list(data.values())
        if not all(isinstance(k, str) for k in names) or \
                not all(isinstance(v, NDArray) for v in arrays):
            raise TypeError("save only accepts a dict str->NDArray or a list of NDArray")
    elif isinstance(data, list):
        names, arrays = [], data
        if not all(isinstance(v, NDArray) for v in arrays):
            raise TypeError("save only accepts a dict str->NDArray or a list of NDArray")
    else:
        raise ValueError("data must be an NDArray, a dict of str->NDArray pairs or a list of "
                         f"NDArrays, got {type(data).__name__}")
    out = [struct.pack("<QQQ", _LIST_MAGIC, 0, len(arrays))]
    hosts = [arr.asnumpy() for arr in arrays]
    # MXNet loads a file only in the shape semantics all its arrays were saved in: one 0-d
    # or zero-size array makes the whole file numpy-semantics, as MXNet under np_shape(True).
    np_semantics = any(h.ndim == 0 or 0 in h.shape for h in hosts)
    magic = _MAGIC_NP if np_semantics else _MAGIC_LEGACY
    for host, arr in zip(hosts, arrays):
        _encode_array(host, arr.context, magic, out)
    out.append(struct.pack("<Q", len(names)))
    for name in names:
        raw = name.encode("utf-8")
        out.append(struct.pack("<Q", len(raw)) + raw)
    return b"".join(out)


def save(fname, data):
    """Save an NDArray, a list of NDArrays or a dict str->NDArray to ``fname`` in MXNet's
    binary format (MXNet 1.9.1's ``mx.nd.load`` reads it, and :func:`load` reads files
    written by MXNet: parameter files such as ``model-0000.params``).

    >>> import os, tempfile
    >>> fname = os.path.join(tempfile.mkdtemp(), 'w.params')
    >>> mx.nd.save(fname, {'weight': mx.nd.ones((2, 2)), 'bias': mx.nd.zeros(2)})
    >>> sorted(mx.nd.load(fname))
    ['bias', 'weight']
    """
    if not isinstance(fname, str):
        raise TypeError(f"fname required to be a string, got {type(fname).__name__}")
    payload = _to_bytes(data)
    with open(fname, "wb") as f:
        f.write(payload)


# --- reading ---------------------------------------------------------------------------
class _Reader:
    """Reads fixed-size fields off a buffer; a short read is a truncated file."""

    def __init__(self, buf, source):
        self.buf, self.pos, self.source = buf, 0, source

    def take(self, nbytes):
        end = self.pos + nbytes
        if nbytes < 0 or end > len(self.buf):
            raise MXNetError(f"{self.source} is truncated or not an MXNet NDArray file: needs "
                             f"{nbytes} more bytes at offset {self.pos}, has "
                             f"{len(self.buf) - self.pos}")
        chunk = self.buf[self.pos:end]
        self.pos = end
        return chunk

    def unpack(self, fmt):
        return struct.unpack(fmt, self.take(struct.calcsize(fmt)))


def _context_for(dev_type, dev_id):
    # As MXNet: a CPU array loads to cpu(0); a GPU one to its GPU if there is one.
    from mxgrad import context, _devices
    if dev_type == 2 and dev_id < len(_devices.devices_of("gpu")):
        return context.gpu(dev_id)
    return context.cpu(0)


def _decode_array(r, index):
    magic, stype = r.unpack("<Ii")
    if magic not in (_MAGIC_LEGACY, _MAGIC_NP):
        raise MXNetError(f"{r.source}: array {index} has an unknown header 0x{magic:08X} "
                         "(not an MXNet 1.x NDArray file, or a format mxgrad does not read)")
    if stype != _DENSE:
        kind = _SPARSE_NAMES.get(stype, f"storage type {stype}")
        raise MXNetError(f"{r.source}: array {index} is a {kind} sparse NDArray; mxgrad "
                         "has dense arrays only (convert with .tostype('default') in MXNet)")
    ndim, = r.unpack("<i")
    if ndim < 0 or (ndim == 0 and magic == _MAGIC_LEGACY):
        raise MXNetError(f"{r.source}: array {index} is an empty (shapeless) NDArray, "
                         "which mxgrad has no equivalent of")
    shape = r.unpack(f"<{ndim}q")
    if any(d < 0 for d in shape):
        raise MXNetError(f"{r.source}: array {index} has an unknown dimension in its "
                         f"shape {shape}")
    dev_type, dev_id, flag = r.unpack("<iii")
    if not 0 <= flag < len(DTYPES):
        name = _OTHER_FLAGS.get(flag, f"type flag {flag}")
        raise MXNetError(f"{r.source}: array {index} has dtype {name}, which mxgrad does "
                         f"not support; supported: {', '.join(d.name for d in DTYPES)}")
    dtype = DTYPES[flag]
    count = math.prod(shape)          # Python ints: a corrupt shape cannot wrap around
    raw = r.take(count * dtype.itemsize)
    host = np.frombuffer(raw, dtype=dtype.newbyteorder("<")).astype(dtype).reshape(shape)
    from mxgrad.ndarray.creation import array
    return array(host, ctx=_context_for(dev_type, dev_id), dtype=dtype)


def _from_bytes(buf, source):
    r = _Reader(memoryview(buf), source)
    magic, _reserved = r.unpack("<QQ")
    if magic != _LIST_MAGIC:
        raise MXNetError(f"{source} is not an MXNet NDArray file (header 0x{magic:X}, "
                         f"expected 0x{_LIST_MAGIC:X})")
    count, = r.unpack("<Q")
    arrays = [_decode_array(r, i) for i in range(count)]
    n_names, = r.unpack("<Q")
    if n_names == 0:
        return arrays
    if n_names != count:
        raise MXNetError(f"{source} has {count} arrays but {n_names} names")
    names = []
    for _ in range(n_names):
        length, = r.unpack("<Q")
        try:
            names.append(bytes(r.take(length)).decode("utf-8"))
        except UnicodeDecodeError:
            raise MXNetError(f"{source} has a name that is not UTF-8") from None
    return dict(zip(names, arrays))


def load(fname):
    """Load the arrays that :func:`save` (or MXNet's ``mx.nd.save``) wrote to ``fname``:
    a list, or a dict when they were saved with names. Arrays land on cpu(0) (a GPU array
    on its GPU when mxgrad has it), as in MXNet.

    >>> import os, tempfile
    >>> fname = os.path.join(tempfile.mkdtemp(), 'x.nd')
    >>> mx.nd.save(fname, [mx.nd.array([1, 2, 3])])
    >>> mx.nd.load(fname)
    [
    [1. 2. 3.]
    <NDArray 3 @cpu(0)>]
    """
    if not isinstance(fname, str):
        raise TypeError(f"fname required to be a string, got {type(fname).__name__}")
    try:
        with open(fname, "rb") as f:
            buf = f.read()
    except OSError as e:
        raise MXNetError(f"cannot open {fname!r}: {e.strerror}") from None
    return _from_bytes(buf, repr(fname))


def load_frombuffer(buf):
    """Like :func:`load`, from the bytes of a saved file.

    >>> import os, tempfile
    >>> fname = os.path.join(tempfile.mkdtemp(), 'x.nd')
    >>> mx.nd.save(fname, {'a': mx.nd.array([1, 2], dtype='int32')})
    >>> with open(fname, 'rb') as f:
    ...     loaded = mx.nd.load_frombuffer(f.read())
    >>> loaded['a']
    <BLANKLINE>
    [1 2]
    <NDArray 2 @cpu(0)>
    """
    if isinstance(buf, str):
        buf = buf.encode("latin-1")
    if not isinstance(buf, (bytes, bytearray, memoryview)):
        raise TypeError(f"buf required to be a string or bytes, got {type(buf).__name__}")
    return _from_bytes(buf, "the buffer")
