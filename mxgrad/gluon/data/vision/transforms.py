"""Image transforms of MXNet 1.9.1's ``gluon.data.vision.transforms``: the basic four.

In MXNet these are Gluon Blocks; here they are plain callables with MXNet's names,
arguments and results. Each works on an NDArray (with NDArray ops, on its context) and on a
NumPy array (in NumPy, so it runs in DataLoader worker processes, which stay off OpenCL).
"""
import numpy as np

from mxgrad import ndarray as nd
from mxgrad.base import MXNetError
from mxgrad.ndarray import NDArray

__all__ = ["Compose", "Cast", "ToTensor", "Normalize"]


class _Transform:
    """Shared printed form: MXNet prints a Block with no children as ``Name(\\n\\n)``."""

    def __repr__(self):
        return f"{type(self).__name__}(\n\n)"


class Compose(_Transform):
    """Applies ``transforms`` one after another.

    >>> t = mx.gluon.data.vision.transforms
    >>> image = mx.nd.array([[[0, 255, 255]]], dtype='uint8')
    >>> t.Compose([t.ToTensor(), t.Normalize(0.5, 0.5)])(image).asnumpy().ravel().tolist()
    [-1.0, 1.0, 1.0]
    """

    def __init__(self, transforms):
        self._transforms = [t for t in transforms if t is not None]

    def __call__(self, x, *args):
        for transform in self._transforms:
            x = transform(x, *args) if args else transform(x)
            args = ()
        return x

    def __repr__(self):
        lines = [f"  ({i}): " + repr(t).replace("\n", "\n  ")
                 for i, t in enumerate(self._transforms)]
        return "Compose(\n" + "\n".join(lines) + "\n)"


class Cast(_Transform):
    """Casts the input to ``dtype`` (default float32).

    >>> mx.gluon.data.vision.transforms.Cast('float16')(mx.nd.ones((2,))).dtype
    <class 'numpy.float16'>
    """

    def __init__(self, dtype='float32'):
        self._dtype = dtype

    def __call__(self, x):
        return x.astype(self._dtype)


def _check_image(x, name, ranks=(3, 4)):
    if not isinstance(x, (NDArray, np.ndarray)):
        raise MXNetError(f"{name} takes an NDArray or a NumPy array, got {type(x).__name__}")
    if x.ndim not in ranks:
        raise MXNetError(f"{name} takes a 3-d or 4-d image array, got shape {tuple(x.shape)}")


class ToTensor(_Transform):
    """HWC (or NHWC) image values in [0, 255] to a CHW (NCHW) float32 tensor in [0, 1].

    >>> image = mx.nd.array([[[0, 51, 255]]], dtype='uint8')
    >>> out = mx.gluon.data.vision.transforms.ToTensor()(image)
    >>> out.shape, out.dtype, out.asnumpy().ravel().tolist()
    ((3, 1, 1), <class 'numpy.float32'>, [0.0, 0.20000000298023224, 1.0])
    """

    def __call__(self, x):
        _check_image(x, "ToTensor")
        axes = (2, 0, 1) if x.ndim == 3 else (0, 3, 1, 2)
        # any dtype, as MXNet: values are divided by 255, not clipped
        return x.astype(np.float32).transpose(axes) / np.float32(255)


class Normalize(_Transform):
    """``(x[c] - mean[c]) / std[c]`` for each channel ``c`` of a CHW (or NCHW) tensor.

    The input has 1 or 3 channels; a scalar ``mean`` or ``std`` applies to every channel.
    An integer or float16 input is computed in float32 and cast back (integers truncate),
    as in MXNet.

    >>> x = mx.nd.ones((3, 1, 2))
    >>> out = mx.gluon.data.vision.transforms.Normalize((0.5, 2.0, 1.0), (0.5, 4.0, 2.0))(x)
    >>> out.asnumpy().tolist()
    [[[1.0, 1.0]], [[-0.25, -0.25]], [[0.0, 0.0]]]
    """

    def __init__(self, mean=0.0, std=1.0):
        self._mean = mean
        self._std = std

    def _per_channel(self, value, what, channels, ndim):
        values = np.atleast_1d(np.asarray(value, dtype=np.float32))
        if values.ndim != 1 or values.size not in (1, channels):
            raise MXNetError(f"Normalize: {what} has {values.size} values for an input of "
                             f"{channels} channels (give one value or one per channel)")
        values = np.broadcast_to(values, (channels,))
        return values.reshape((channels,) + (1,) * (ndim - 1 - (ndim == 4)))

    def __call__(self, x):
        _check_image(x, "Normalize")
        channels = x.shape[0] if x.ndim == 3 else x.shape[1]
        if channels not in (1, 3):
            raise MXNetError(f"Normalize takes an input with 1 or 3 channels (axis "
                             f"{x.ndim - 3}), got shape {tuple(x.shape)}")
        dtype = np.dtype(x.dtype)
        # float16 and integer inputs are computed in float32 and cast back, as MXNet does
        work = dtype if dtype in (np.float32, np.float64) else np.dtype(np.float32)
        mean = self._per_channel(self._mean, "mean", channels, x.ndim).astype(work)
        std = self._per_channel(self._std, "std", channels, x.ndim).astype(work)
        if isinstance(x, NDArray):
            mean = nd.array(mean, ctx=x.context, dtype=mean.dtype)
            std = nd.array(std, ctx=x.context, dtype=std.dtype)
            sub, div = nd.broadcast_sub, nd.broadcast_div
        else:
            sub, div = np.subtract, np.divide
        centred = sub(x.astype(work), mean)
        if dtype == np.float16:
            # MXNet rounds to float16 after each of its two steps
            centred = centred.astype(dtype).astype(work)
        out = div(centred, std)
        return out if work == dtype else out.astype(dtype)
