"""Image transforms of MXNet 1.9.1's ``gluon.data.vision.transforms``: Gluon Blocks, as in
MXNet (``Compose`` is a Sequential; ``Cast``, ``ToTensor``, ``Normalize``, ``Resize`` and the
random flips are HybridBlocks; ``CenterCrop`` is a Block), with MXNet's names, arguments,
printed forms and results.

Each also takes a NumPy array and answers in NumPy, without OpenCL, so it runs in
DataLoader worker processes. ``Resize`` and ``CenterCrop`` compute on the host as MXNet's
(OpenCV's) do; the others use NDArray ops on the input's context.
"""
import numpy as np

from mxgrad import ndarray as nd
from mxgrad.base import MXNetError
from mxgrad.gluon.block import Block, HybridBlock
from mxgrad.gluon.nn import HybridSequential as _HybridSequential, Sequential
from mxgrad.ndarray import NDArray

__all__ = ["Compose", "Cast", "ToTensor", "Normalize", "Resize", "CenterCrop",
           "RandomFlipLeftRight", "RandomFlipTopBottom", "HybridSequential"]


def _check_array(x, name):
    if not isinstance(x, (NDArray, np.ndarray)):
        raise MXNetError(f"{name} takes an NDArray or a NumPy array, got {type(x).__name__}")


def _check_image(x, name, ranks=(3, 4)):
    _check_array(x, name)
    if x.ndim not in ranks:
        shapes = "a 3-d or 4-d" if ranks == (3, 4) else "a 3-d (height, width, channels)"
        raise MXNetError(f"{name} takes {shapes} image array, got shape {tuple(x.shape)}")


class _Transform(HybridBlock):
    """A HybridBlock that also runs on NumPy arrays: ``_compute(x)`` serves both kinds."""

    def forward(self, x, *args):
        _check_array(x, type(self).__name__)
        if isinstance(x, np.ndarray):
            return self._compute(x)
        return super().forward(x, *args)

    def hybrid_forward(self, F, x):
        return self._compute(x)

    def _compute(self, x):
        raise NotImplementedError


class HybridSequential(_HybridSequential):
    """The HybridSequential that :class:`Compose` puts consecutive HybridBlocks in (as
    MXNet's does); it also runs on NumPy arrays.

    >>> t = mx.gluon.data.vision.transforms
    >>> chain = t.HybridSequential()
    >>> chain.add(t.Cast('float64'), t.ToTensor())
    >>> chain(np.ones((1, 1, 3), dtype=np.uint8)).dtype
    dtype('float32')
    """

    def forward(self, x, *args):
        """Runs the children in order (on a NumPy array too).

        >>> t = mx.gluon.data.vision.transforms
        >>> chain = t.HybridSequential(); chain.add(t.Cast('float16'))
        >>> chain.forward(np.ones(2)).dtype
        dtype('float16')
        """
        if isinstance(x, np.ndarray):
            for block in self._children.values():
                x = block(x)
            return x
        return super().forward(x, *args)


class Compose(Sequential):
    """Applies ``transforms`` one after another; runs of consecutive HybridBlocks are
    grouped in a HybridSequential, as MXNet does.

    >>> t = mx.gluon.data.vision.transforms
    >>> image = mx.nd.array([[[0, 255, 255]]], dtype='uint8')
    >>> chain = t.Compose([t.ToTensor(), t.Normalize(0.5, 0.5)])
    >>> chain(image).asnumpy().ravel().tolist()
    [-1.0, 1.0, 1.0]
    >>> type(chain[0]).__name__, [type(b).__name__ for b in chain[0]]
    ('HybridSequential', ['ToTensor', 'Normalize'])
    """

    def __init__(self, transforms):
        super().__init__()
        run = []
        for transform in list(transforms) + [None]:
            if isinstance(transform, HybridBlock):
                run.append(transform)
                continue
            if len(run) == 1:
                self.add(run[0])
            elif run:
                chain = HybridSequential()
                chain.add(*run)
                chain.hybridize()
                self.add(chain)
            run = []
            if transform is not None:
                self.add(transform)

    def forward(self, x, *args):
        """Runs the transforms in order. Extra inputs (which MXNet 1.9.1 refuses) go to
        the first one, and a tuple output is spread over the next one's inputs.

        >>> t = mx.gluon.data.vision.transforms
        >>> out = t.Compose([lambda x, y: (x * 2, y), lambda x, y: (x + y, y)]).forward(
        ...     mx.nd.ones((1,)), 5)
        >>> out[0].asnumpy().tolist(), out[1]
        ([7.0], 5)
        """
        for block in self._children.values():
            x = block(x, *args)
            args = ()
            if isinstance(x, (tuple, list)):
                x, args = x[0], tuple(x[1:])
        return (x,) + args if args else x


class Cast(_Transform):
    """Casts the input to ``dtype`` (default float32).

    >>> mx.gluon.data.vision.transforms.Cast('float16')(mx.nd.ones((2,))).dtype
    <class 'numpy.float16'>
    """

    def __init__(self, dtype='float32'):
        super().__init__()
        self._dtype = dtype

    def _compute(self, x):
        return x.astype(self._dtype)


class ToTensor(_Transform):
    """HWC (or NHWC) image values in [0, 255] to a CHW (NCHW) float32 tensor in [0, 1].

    >>> image = mx.nd.array([[[0, 51, 255]]], dtype='uint8')
    >>> out = mx.gluon.data.vision.transforms.ToTensor()(image)
    >>> out.shape, out.dtype, out.asnumpy().ravel().tolist()
    ((3, 1, 1), <class 'numpy.float32'>, [0.0, 0.20000000298023224, 1.0])
    """

    def __init__(self):
        super().__init__()

    def _compute(self, x):
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
        super().__init__()
        self._mean = mean
        self._std = std

    def _per_channel(self, value, what, channels, ndim):
        values = np.atleast_1d(np.asarray(value, dtype=np.float32))
        if values.ndim != 1 or values.size not in (1, channels):
            raise MXNetError(f"Normalize: {what} has {values.size} values for an input of "
                             f"{channels} channels (give one value or one per channel)")
        values = np.broadcast_to(values, (channels,))
        return values.reshape((channels,) + (1,) * (ndim - 1 - (ndim == 4)))

    def _compute(self, x):
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


# --- resizing, as OpenCV's cv::resize (which MXNet's image ops call) ----------------------
_RESIZE_DTYPES = (np.uint8, np.float32, np.float64)
_COEF_BITS = 11                  # OpenCV's INTER_RESIZE_COEF_BITS: uint8 weights in 1/2048


def _linear_taps(n_in, n_out):
    """Source rows (or columns) and weights of bilinear resizing, with OpenCV's float32
    arithmetic and edge clamping (pixel centres aligned)."""
    scale = 1.0 / (n_out / n_in)
    src = ((np.arange(n_out) + 0.5) * scale - 0.5).astype(np.float32)
    first = np.floor(src).astype(np.int64)
    frac = src - first.astype(np.float32)
    edge = (first < 0) | (first >= n_in - 1)
    frac[edge] = 0
    first = np.clip(first, 0, n_in - 1)
    return first, np.minimum(first + 1, n_in - 1), frac


def _resize_image(img, out_h, out_w, interpolation):
    """One HWC NumPy image resized to (out_h, out_w)."""
    h, w = img.shape[:2]
    if interpolation == 0:
        rows = np.minimum(np.floor(np.arange(out_h) * (h / out_h)).astype(np.int64), h - 1)
        cols = np.minimum(np.floor(np.arange(out_w) * (w / out_w)).astype(np.int64), w - 1)
        return img[rows][:, cols]
    r0, r1, fr = _linear_taps(h, out_h)
    c0, c1, fc = _linear_taps(w, out_w)
    if img.dtype == np.uint8:
        # OpenCV's fixed point: weights in 1/2048, rows summed in int, then rounded down
        # to 8 bits in two shifts
        scale = np.float32(1 << _COEF_BITS)
        cw0 = np.round((np.float32(1) - fc) * scale).astype(np.int64)[None, :, None]
        cw1 = np.round(fc * scale).astype(np.int64)[None, :, None]
        rw0 = np.round((np.float32(1) - fr) * scale).astype(np.int64)[:, None, None]
        rw1 = np.round(fr * scale).astype(np.int64)[:, None, None]
        src = img.astype(np.int64)
        horizontal = src[:, c0] * cw0 + src[:, c1] * cw1
        top, bottom = horizontal[r0] >> 4, horizontal[r1] >> 4
        out = (((rw0 * top) >> 16) + ((rw1 * bottom) >> 16) + 2) >> 2
        return np.clip(out, 0, 255).astype(np.uint8)
    wt = img.dtype.type
    fc, fr = fc.astype(wt)[None, :, None], fr.astype(wt)[:, None, None]
    horizontal = img[:, c0] * (wt(1) - fc) + img[:, c1] * fc
    return (horizontal[r0] * (wt(1) - fr) + horizontal[r1] * fr).astype(img.dtype)


def _resize(x, size, interpolation, name):
    """``x`` (HWC or NHWC, NDArray or NumPy) resized to ``size`` = (width, height)."""
    host = x.asnumpy() if isinstance(x, NDArray) else np.asarray(x)
    if host.dtype not in _RESIZE_DTYPES:
        raise MXNetError(f"{name}: mxgrad resizes uint8, float32 and float64 images, got "
                         f"{host.dtype}")
    width, height = size
    images = host if host.ndim == 4 else host[None]
    out = np.stack([_resize_image(img, height, width, interpolation) for img in images])
    out = out if host.ndim == 4 else out[0]
    if isinstance(x, NDArray):
        return nd.array(out, ctx=x.context, dtype=out.dtype)
    return out


def _check_interpolation(interpolation, name):
    if interpolation not in (0, 1):
        raise MXNetError(f"{name}: interpolation {interpolation!r} is not available in "
                         "mxgrad; it has 0 (nearest) and 1 (bilinear)")


class Resize(_Transform):
    """Resizes an HWC image (or an NHWC batch) to ``size``: an int (a square, or with
    ``keep_ratio`` the size of the shorter edge) or ``(width, height)``. ``interpolation``
    is OpenCV's: 1 bilinear (the default), 0 nearest. Apply it before ToTensor.

    >>> image = mx.nd.array(np.arange(12).reshape(2, 2, 3), dtype='uint8')
    >>> out = mx.gluon.data.vision.transforms.Resize((4, 3))(image)
    >>> out.shape, out[:, :, 0].asnumpy().tolist()
    ((3, 4, 3), [[0, 1, 2, 3], [3, 4, 5, 6], [6, 7, 8, 9]])
    >>> mx.gluon.data.vision.transforms.Resize(4, keep_ratio=True)(mx.nd.ones((6, 3, 1))).shape
    (8, 4, 1)
    """

    def __init__(self, size, keep_ratio=False, interpolation=1):
        super().__init__()
        self._keep = keep_ratio
        self._size = size
        self._interpolation = interpolation

    def _out_size(self, height, width):
        size = self._size
        if isinstance(size, (int, np.integer)):
            size = (size,)
        size = tuple(size)
        if len(size) not in (1, 2):
            raise MXNetError(f"Resize: size must be an int or (width, height), got {size}")
        if any(s <= 0 for s in size):
            raise MXNetError(f"Resize: the size must be greater than 0, got {self._size}")
        if len(size) == 2:
            return size
        short = size[0]
        if not self._keep:
            return short, short
        if height > width:
            return short, height * short // width
        return width * short // height, short

    def _compute(self, x):
        _check_image(x, "Resize")
        _check_interpolation(self._interpolation, "Resize")
        height, width = x.shape[-3:-1]
        return _resize(x, self._out_size(height, width), self._interpolation, "Resize")


class CenterCrop(Block):
    """Crops the centre of an HWC image to ``size`` (an int or ``(width, height)``); an image
    smaller than that is cropped to its aspect ratio and resized up (``interpolation`` as
    in :class:`Resize`).

    >>> image = mx.nd.array(np.arange(20).reshape(4, 5, 1))
    >>> mx.gluon.data.vision.transforms.CenterCrop((3, 2))(image)[:, :, 0].asnumpy().tolist()
    [[6.0, 7.0, 8.0], [11.0, 12.0, 13.0]]
    """

    def __init__(self, size, interpolation=1):
        super().__init__()
        if isinstance(size, (int, np.integer)):
            size = (size, size)
        self._args = (tuple(size), interpolation)

    def forward(self, x):
        """The centre crop of ``x`` (an HWC NDArray or NumPy array).

        >>> mx.gluon.data.vision.transforms.CenterCrop(2).forward(np.zeros((5, 5, 3))).shape
        (2, 2, 3)
        """
        _check_image(x, "CenterCrop", ranks=(3,))
        (width, height), interpolation = self._args
        src_h, src_w = x.shape[:2]
        # the largest crop of the wanted aspect ratio that fits (MXNet's scale_down)
        crop_w, crop_h = float(width), float(height)
        if src_h < crop_h:
            crop_w, crop_h = crop_w * src_h / crop_h, src_h
        if src_w < crop_w:
            crop_w, crop_h = src_w, crop_h * src_w / crop_w
        crop_w, crop_h = int(crop_w), int(crop_h)
        x0, y0 = int((src_w - crop_w) / 2), int((src_h - crop_h) / 2)
        out = x[y0:y0 + crop_h, x0:x0 + crop_w]
        if (crop_w, crop_h) == (width, height):
            return out
        _check_interpolation(interpolation, "CenterCrop")
        return _resize(out, (width, height), interpolation, "CenterCrop")


class _RandomFlip(_Transform):
    """Flips an HWC image along ``_axis`` with probability 0.5 (one draw of
    ``mx.nd.random`` per NDArray image, of NumPy's generator per NumPy image)."""

    _axis = 0

    def __init__(self):
        super().__init__()

    def _compute(self, x):
        _check_image(x, type(self).__name__, ranks=(3,))
        if isinstance(x, np.ndarray):
            return np.flip(x, self._axis).copy() if np.random.random() < 0.5 else x.copy()
        if nd.random.uniform(shape=(1,), ctx=x.context).asscalar() < 0.5:
            return nd.flip(x, axis=self._axis)
        return x.copy()


class RandomFlipLeftRight(_RandomFlip):
    """Flips an HWC image left to right with probability 0.5.

    >>> image = mx.nd.array([[[1], [2], [3]]])
    >>> out = mx.gluon.data.vision.transforms.RandomFlipLeftRight()(image)
    >>> out[0, :, 0].asnumpy().tolist() in ([1.0, 2.0, 3.0], [3.0, 2.0, 1.0])
    True
    """

    _axis = 1


class RandomFlipTopBottom(_RandomFlip):
    """Flips an HWC image upside down with probability 0.5.

    >>> image = mx.nd.array([[[1]], [[2]]])
    >>> out = mx.gluon.data.vision.transforms.RandomFlipTopBottom()(image)
    >>> out[:, 0, 0].asnumpy().tolist() in ([1.0, 2.0], [2.0, 1.0])
    True
    """

    _axis = 0
