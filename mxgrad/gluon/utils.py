"""Gluon's helper functions, as MXNet 1.9.1's ``mx.gluon.utils``: splitting a batch across
contexts, clipping gradients by their global norm, file hashes and (local) downloads.

>>> parts = mx.gluon.utils.split_and_load(mx.nd.arange(4), [mx.cpu(0), mx.cpu(0)])
>>> [p.asnumpy().tolist() for p in parts]
[[0.0, 1.0], [2.0, 3.0]]
"""
import hashlib
import os
import shutil
import urllib.parse
import uuid
import warnings

import numpy as np

from mxgrad import ndarray
from mxgrad.base import MXNetError

__all__ = ["split_data", "split_and_load", "clip_global_norm", "check_sha1", "download",
           "shape_is_known"]


def split_data(data, num_slice, batch_axis=0, even_split=True):
    """Split an NDArray into ``num_slice`` parts along ``batch_axis``. With
    ``even_split=False`` the first ``size % num_slice`` parts get one extra element.

    >>> parts = mx.gluon.utils.split_data(mx.nd.arange(5), 2, even_split=False)
    >>> [p.shape for p in parts]
    [(3,), (2,)]
    """
    if not isinstance(num_slice, (int, np.integer)) or num_slice < 1:
        raise MXNetError(f"split_data: num_slice must be a positive integer, got {num_slice!r}")
    ndim = len(data.shape)
    if not -ndim <= batch_axis < ndim:
        raise MXNetError(f"split_data: batch_axis {batch_axis} is out of range for data of "
                         f"shape {data.shape}")
    batch_axis %= ndim
    size = data.shape[batch_axis]
    if even_split and size % num_slice != 0:
        raise ValueError(
            f"data with shape {data.shape} cannot be evenly split into {num_slice} slices "
            f"along axis {batch_axis}. Use a batch size that's multiple of {num_slice} or "
            f"set even_split=False to allow uneven partitioning of data.")
    each, extra = divmod(size, num_slice)
    bounds = np.cumsum([0] + [each + 1] * extra + [each] * (num_slice - extra))
    if batch_axis == 0:
        return [data[int(bounds[i]):int(bounds[i + 1])] for i in range(num_slice)]
    return [ndarray.slice_axis(data, axis=batch_axis, begin=int(bounds[i]),
                               end=int(bounds[i + 1])) for i in range(num_slice)]


def split_and_load(data, ctx_list, batch_axis=0, even_split=True):
    """Split ``data`` (an NDArray or array-like) along ``batch_axis`` and copy part i to
    ``ctx_list[i]``; with one context, the whole batch goes there.

    >>> x = mx.gluon.utils.split_and_load(np.ones((4, 2)), [mx.cpu(0)])
    >>> len(x), x[0].shape, x[0].context
    (1, (4, 2), cpu(0))
    """
    if not isinstance(ctx_list, (list, tuple)) or not ctx_list:
        raise MXNetError(f"split_and_load: ctx_list must be a non-empty list of contexts, "
                         f"got {ctx_list!r}")
    if not isinstance(data, ndarray.NDArray):
        data = ndarray.array(data, ctx=ctx_list[0])
    if len(ctx_list) == 1:
        return [data.as_in_context(ctx_list[0])]
    slices = split_data(data, len(ctx_list), batch_axis, even_split)
    return [part.as_in_context(ctx) for part, ctx in zip(slices, ctx_list)]


def clip_global_norm(arrays, max_norm, check_isfinite=True):
    """Scale the arrays in place so that their joint 2-norm is at most ``max_norm``;
    returns that norm before scaling (a float with ``check_isfinite``, which warns when it
    is nan or inf, else a 1-element NDArray that needs no device wait).

    >>> grads = [mx.nd.array([3., 0.]), mx.nd.array([4.])]
    >>> norm = mx.gluon.utils.clip_global_norm(grads, 1.0)
    >>> print(norm, grads[1].asscalar())
    5.0 0.8
    """
    if len(arrays) == 0:
        raise MXNetError("clip_global_norm: arrays is empty")
    ctx = arrays[0].context
    squares = []
    for arr in arrays:
        flat = arr.reshape((-1,))
        squares.append(ndarray.dot(flat, flat).as_in_context(ctx))
    total_norm = ndarray.sqrt(ndarray.add_n(*squares))
    if check_isfinite and not np.isfinite(total_norm.asscalar()):
        warnings.warn(UserWarning("nan or inf is detected. Clipping results will be "
                                  "undefined."), stacklevel=2)
    scale = max_norm / (total_norm + 1e-8)
    scale = ndarray.min(ndarray.concat(scale, ndarray.ones(1, ctx=ctx), dim=0))
    for arr in arrays:
        arr *= scale.as_in_context(arr.context)
    return total_norm.asscalar() if check_isfinite else total_norm


def check_sha1(filename, sha1_hash):
    """Whether the SHA-1 of the file's bytes is ``sha1_hash`` (hex digits).

    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), 'f.txt')
    >>> with open(path, 'wb') as f:
    ...     _ = f.write(b'abc')
    >>> mx.gluon.utils.check_sha1(path, 'a9993e364706816aba3e25717850c26c9cd0d89d')
    True
    """
    sha1 = hashlib.sha1()
    with open(filename, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            sha1.update(block)
    return sha1.hexdigest() == sha1_hash


def _target_path(url, path):
    if path is None:
        fname = url.split("/")[-1]
        if not fname:
            raise MXNetError("Can't construct file-name from this URL. Please set the `path` "
                             "option manually.")
        return fname
    path = os.path.expanduser(path)
    return os.path.join(path, url.split("/")[-1]) if os.path.isdir(path) else path


def download(url, path=None, overwrite=False, sha1_hash=None, retries=5, verify_ssl=True):
    """Return the local path of ``url``'s file (``path``: a file, or a folder to put it
    in; default the current folder). A file already there (with ``sha1_hash``, a matching
    one) is used as is; ``file://`` URLs are copied. mxgrad has no network access, so any
    other URL raises MXNetError saying where to put the file.

    >>> import tempfile, os
    >>> folder = tempfile.mkdtemp()
    >>> src = os.path.join(folder, 'src.txt')
    >>> with open(src, 'w') as f:
    ...     _ = f.write('hello')
    >>> dst = mx.gluon.utils.download('file://' + src, path=os.path.join(folder, 'dst.txt'))
    >>> open(dst).read()
    'hello'
    """
    fname = _target_path(url, path)
    if retries < 0:
        raise MXNetError(f"Number of retries should be at least 0, currently it's {retries}")
    if not verify_ssl:
        warnings.warn("Unverified HTTPS request is being made (verify_ssl=False). Adding "
                      "certificate verification is strongly advised.")
    if not (overwrite or not os.path.exists(fname)
            or (sha1_hash and not check_sha1(fname, sha1_hash))):
        return fname
    parsed = urllib.parse.urlparse(url)
    if parsed.scheme != "file":
        raise MXNetError(f"download: mxgrad does not download ({url}). Put the file at "
                         f"{os.path.abspath(fname)} (or pass a file:// URL).")
    source = urllib.parse.unquote(parsed.path)
    if not os.path.isfile(source):
        raise MXNetError(f"download: {source} (from {url}) is not a file")
    folder = os.path.dirname(os.path.abspath(fname))
    os.makedirs(folder, exist_ok=True)
    staging = f"{fname}.{uuid.uuid4()}"        # copy then rename: readers never see half
    shutil.copyfile(source, staging)
    os.replace(staging, fname)
    if sha1_hash and not check_sha1(fname, sha1_hash):
        raise UserWarning(f"File {fname} is downloaded but the content hash does not match.")
    return fname


def shape_is_known(shape):
    """Whether every size of ``shape`` is known (MXNet's legacy shapes: 0 means unknown,
    and an empty shape is unknown).

    >>> mx.gluon.utils.shape_is_known((2, 3)), mx.gluon.utils.shape_is_known((0, 3))
    (True, False)
    """
    if shape is None or len(shape) == 0:
        return False
    for dim in shape:
        if dim == 0:
            return False
        if dim < 0:
            raise MXNetError(f"shape dimension size cannot be less than 0, while received "
                             f"{dim}")
    return True
