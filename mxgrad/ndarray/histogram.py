"""``mx.nd.histogram``, as MXNet 1.9.1 has it.

With a range (or bin edges given as an NDArray) the counting runs on the device
(kernels_cl/histogram.cl: a work-item per element, an atomic increment of its bin); without
one, MXNet computes ``numpy.histogram`` on the host, and so does mxgrad, for the same
numbers. The result's shape never depends on the data, so nothing is read back then.
"""
import numbers
import warnings

import numpy as np

from mxgrad import _ndarray
from mxgrad._ndarray import NDArrayBase
from mxgrad.base import MXNetError
from mxgrad.ndarray._kernels import family_kernel

__all__ = ["histogram"]

_INT32 = 4
_MAX_COUNT = 2 ** 31 - 1     # the device counts in int32


class _BinsError(MXNetError, ValueError):
    """bins of neither kind (MXNet raises ValueError)."""


def _range(rng):
    try:
        lo, hi = (float(v) for v in rng)
    except (TypeError, ValueError):
        raise MXNetError(f"histogram: range must be a pair (low, high), got {rng!r}") from None
    if not lo <= hi:
        raise MXNetError(f"histogram: the low end of range ({lo}) must not exceed the high "
                         f"end ({hi})")
    if lo == hi:           # an empty range widens by half a unit each way, as in NumPy
        lo, hi = lo - 0.5, hi + 0.5
    return lo, hi


def _edges(a, bins, rng):
    """The bin edges as an NDArray in a's dtype and context, checked."""
    from mxgrad.ndarray.creation import array
    if isinstance(bins, NDArrayBase):
        if bins.ndim != 1 or bins.size < 2:
            raise MXNetError(f"histogram: bins must be a 1-D array of at least 2 edges, got "
                             f"shape {bins.shape}")
        if bins.dtype != a.dtype or bins.context != a.context:
            raise MXNetError(f"histogram: bins must have the data's dtype and context "
                             f"({np.dtype(a.dtype).name} on {a.context}), got "
                             f"{np.dtype(bins.dtype).name} on {bins.context}")
        return bins.copy()
    lo, hi = _range(rng)
    host = lo + np.arange(bins + 1, dtype=np.float64) * ((hi - lo) / bins)
    return array(host, ctx=a.context, dtype=a.dtype)


def histogram(a, bins=10, range=None):
    """The histogram of the flattened ``a``: (counts, bin_edges). ``bins`` is a number of
    equal bins over ``range`` (low, high), or a 1-D NDArray of increasing edges in ``a``'s
    dtype (``range`` is then ignored). Each bin holds ``edges[i] <= x < edges[i + 1]``,
    the last one also its right edge; values outside and NaN are not counted. Counts are
    int64, the edges in ``a``'s dtype (integer dtypes truncate them), as in MXNet. With a
    number of bins and no range, MXNet (and mxgrad) warn and compute ``numpy.histogram``
    on the host: float32 counts, edges over the data's min and max. Edges that do not
    increase give unspecified counts (MXNet's too), but never a read outside the arrays.

    >>> x = mx.nd.array([0, 1, 1, 2, 3, 5, 9])
    >>> counts, edges = mx.nd.histogram(x, bins=3, range=(0, 6))
    >>> counts
    <BLANKLINE>
    [3 2 1]
    <NDArray 3 @cpu(0)>
    >>> edges
    <BLANKLINE>
    [0. 2. 4. 6.]
    <NDArray 4 @cpu(0)>
    >>> mx.nd.histogram(x, mx.nd.array([0, 2, 5, 9]))[0]
    <BLANKLINE>
    [3 2 2]
    <NDArray 3 @cpu(0)>
    """
    if not isinstance(a, NDArrayBase):
        raise MXNetError(f"histogram: a must be an NDArray, got {type(a).__name__}")
    if not isinstance(bins, NDArrayBase):
        if isinstance(bins, bool) or not isinstance(bins, numbers.Integral):
            raise _BinsError("histogram: bins must be an int or an NDArray of bin edges, got "
                             f"{bins!r}")
        if bins < 1:
            raise MXNetError(f"histogram: bins must be positive, got {bins}")
        if range is None:
            from mxgrad.ndarray.creation import array
            warnings.warn("histogram: no range given, so the histogram is computed by NumPy "
                          "on the host (as MXNet does)", stacklevel=2)
            counts, edges = np.histogram(a.asnumpy(), bins=int(bins))
            return array(counts, ctx=a.context), array(edges, ctx=a.context)
    if a.size > _MAX_COUNT:
        raise MXNetError(f"histogram: at most {_MAX_COUNT} elements, got {a.size}")
    edges = _edges(a, bins, range)
    nbins = edges.size - 1
    counts = _ndarray.empty_array(a.context, (nbins,), _INT32)
    counts._fill(0)
    if a.size:
        k = family_kernel(a.context, "histogram", "histogram_count", a._dtype_code)
        k.set_args(0, counts._buffer, counts._offset, a._buffer, a._offset, a.size,
                   edges._buffer, edges._offset)
        k.set_arg_int(7, nbins)
        a.context.state.launch_1d(k, a.size)
    return counts.astype("int64"), edges
