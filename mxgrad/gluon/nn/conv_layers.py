"""Convolution and pooling layers of MXNet 1.9.1's gluon.nn, over ``mx.nd.Convolution``,
``mx.nd.Deconvolution`` and ``mx.nd.Pooling``."""
import numbers

from mxgrad.gluon.block import HybridBlock
from mxgrad.gluon.nn.activations import Activation

__all__ = ["Conv1D", "Conv2D", "Conv3D", "Conv1DTranspose", "Conv2DTranspose",
           "Conv3DTranspose", "MaxPool1D", "MaxPool2D", "MaxPool3D", "AvgPool1D", "AvgPool2D",
           "AvgPool3D", "GlobalMaxPool1D", "GlobalMaxPool2D", "GlobalMaxPool3D",
           "GlobalAvgPool1D", "GlobalAvgPool2D", "GlobalAvgPool3D", "ReflectionPad2D"]

_LAYOUTS = {1: ("NCW",), 2: ("NCHW", "NHWC"), 3: ("NCDHW", "NDHWC")}
_POOL_LAYOUTS = {1: ("NCW", "NWC"), 2: ("NCHW", "NHWC"), 3: ("NCDHW", "NDHWC")}


def _tuple(value, n, what):
    if isinstance(value, numbers.Integral):
        value = (value,) * n
    value = tuple(value)
    if len(value) != n:
        raise AssertionError(f"{what} must be a number or a list of {n} ints")
    return value


def _weight_shape(op_name, layout, channels, in_channels, groups, kernel):
    """The weight shape the operator expects (0 where in_channels is not known yet); in a
    channels-last layout the channel axis of the weight comes last too, as in MXNet."""
    first, second = ((in_channels, channels // groups) if op_name == "Deconvolution"
                     else (channels, in_channels // groups))
    if layout.find("C") == 1:
        return (first, second) + kernel
    return (first,) + kernel + (second,)


def _channels_first(x):
    """``x`` (or a weight) with its last axis moved to axis 1."""
    return x.transpose((0, x.ndim - 1) + tuple(range(1, x.ndim - 1)))


def _channels_last(x):
    """The inverse of _channels_first."""
    return x.transpose((0,) + tuple(range(2, x.ndim)) + (1,))


class _Conv(HybridBlock):
    """What the convolution layers share: the Parameters, the call and the repr."""

    def __init__(self, channels, kernel_size, strides, padding, dilation, groups, layout,
                 in_channels=0, activation=None, use_bias=True, weight_initializer=None,
                 bias_initializer="zeros", op_name="Convolution", adj=None, prefix=None,
                 params=None):
        super().__init__(prefix=prefix, params=params)
        n = len(kernel_size)
        with self.name_scope():
            self._channels = channels
            self._in_channels = in_channels
            self._op_name = op_name
            self._kwargs = {"kernel": kernel_size, "stride": _tuple(strides, n, "strides"),
                            "dilate": _tuple(dilation, n, "dilation"),
                            "pad": _tuple(padding, n, "padding"), "num_filter": channels,
                            "num_group": groups, "no_bias": not use_bias, "layout": layout}
            if adj is not None:
                self._kwargs["adj"] = adj
            self.weight = self.params.get(
                "weight", shape=_weight_shape(op_name, layout, channels, in_channels, groups,
                                              kernel_size),
                init=weight_initializer, allow_deferred_init=True)
            if use_bias:
                self.bias = self.params.get("bias", shape=(channels,), init=bias_initializer,
                                            allow_deferred_init=True)
            else:
                self.bias = None
            self.act = (Activation(activation, prefix=activation + "_")
                        if activation is not None else None)

    def infer_shape(self, x, *args):
        in_channels = x.shape[self._kwargs["layout"].find("C")]
        self.weight.shape = _weight_shape(self._op_name, self._kwargs["layout"],
                                          self._channels, in_channels,
                                          self._kwargs["num_group"], self._kwargs["kernel"])

    def hybrid_forward(self, F, x, weight, bias=None):
        op = getattr(F, self._op_name)
        kwargs = self._kwargs
        # the mx.nd operators are channels-first: a channels-last layout (NHWC, NDHWC)
        # runs between transposes, which carry the gradients back
        channels_last = kwargs["layout"].find("C") != 1
        if channels_last:
            x, weight = _channels_first(x), _channels_first(weight)
            kwargs = dict(kwargs, layout=None)
        if bias is None:
            out = op(x, weight, name="fwd", **kwargs)
        else:
            out = op(x, weight, bias, name="fwd", **kwargs)
        if channels_last:
            out = _channels_last(out)
        return self.act(out) if self.act is not None else out

    def _alias(self):
        return "conv"

    def __repr__(self):
        k = self._kwargs
        n = len(k["kernel"])
        text = f"{type(self).__name__}({{mapping}}, kernel_size={k['kernel']}, stride={k['stride']}"
        if k["pad"] != (0,) * n:
            text += f", padding={k['pad']}"
        if k["dilate"] != (1,) * n:
            text += f", dilation={k['dilate']}"
        if k["num_group"] != 1:
            text += f", groups={k['num_group']}"
        if self.bias is None:
            text += ", bias=False"
        if self.act:
            text += f", {self.act}"
        shape = self.weight.shape
        return text.format(mapping=f"{shape[1] if shape[1] else None} -> {shape[0]}") + ")"


def _conv_class(name, n, transpose):
    op_name = "Deconvolution" if transpose else "Convolution"
    default_layout = _LAYOUTS[n][0]
    one, zero = (1, 0) if n == 1 else ((1,) * n, (0,) * n)     # MXNet's defaults

    def setup(self, channels, kernel_size, strides, padding, output_padding, dilation,
              groups, layout, activation, use_bias, weight_initializer, bias_initializer,
              in_channels, kwargs):
        if layout not in _LAYOUTS[n]:
            raise AssertionError(f"Only supports {' and '.join(map(repr, _LAYOUTS[n]))} "
                                 "layout for now")
        kernel_size = _tuple(kernel_size, n, "kernel_size")
        adj = _tuple(output_padding, n, "output_padding") if transpose else None
        _Conv.__init__(self, channels, kernel_size, strides, padding, dilation, groups,
                       layout, in_channels, activation, use_bias, weight_initializer,
                       bias_initializer, op_name=kwargs.pop("op_name", op_name), adj=adj,
                       **kwargs)
        if transpose:
            self.outpad = adj

    if transpose:
        def __init__(self, channels, kernel_size, strides=one, padding=zero,
                     output_padding=zero, dilation=one, groups=1, layout=default_layout,
                     activation=None, use_bias=True, weight_initializer=None,
                     bias_initializer="zeros", in_channels=0, **kwargs):
            setup(self, channels, kernel_size, strides, padding, output_padding, dilation,
                  groups, layout, activation, use_bias, weight_initializer, bias_initializer,
                  in_channels, kwargs)
    else:
        def __init__(self, channels, kernel_size, strides=one, padding=zero, dilation=one,
                     groups=1, layout=default_layout, activation=None, use_bias=True,
                     weight_initializer=None, bias_initializer="zeros", in_channels=0,
                     **kwargs):
            setup(self, channels, kernel_size, strides, padding, 0, dilation, groups, layout,
                  activation, use_bias, weight_initializer, bias_initializer, in_channels,
                  kwargs)

    kind = "transposed convolution (Deconvolution)" if transpose else "convolution"
    doc = (f"{n}-D {kind} over layout {default_layout}: ``channels`` outputs, weight "
           "shape inferred from the first input when ``in_channels`` is 0.\n\n"
           f"    >>> layer = mx.gluon.nn.{name}(2, 3, in_channels=1)\n"
           "    >>> layer.initialize()\n"
           f"    >>> layer(mx.nd.ones((1, 1) + (5,) * {n})).shape[:2]\n"
           "    (1, 2)\n")
    return type(name, (_Conv,), {"__init__": __init__, "__doc__": doc,
                                 "__module__": __name__})


Conv1D = _conv_class("Conv1D", 1, False)
Conv2D = _conv_class("Conv2D", 2, False)
Conv3D = _conv_class("Conv3D", 3, False)
Conv1DTranspose = _conv_class("Conv1DTranspose", 1, True)
Conv2DTranspose = _conv_class("Conv2DTranspose", 2, True)
Conv3DTranspose = _conv_class("Conv3DTranspose", 3, True)


class _Pooling(HybridBlock):
    """What the pooling layers share."""

    def __init__(self, pool_size, strides, padding, ceil_mode, global_pool, pool_type, layout,
                 count_include_pad=None, **kwargs):
        super().__init__(**kwargs)
        n = len(pool_size)
        strides = pool_size if strides is None else strides
        self._kwargs = {"kernel": pool_size, "stride": _tuple(strides, n, "strides"),
                        "pad": _tuple(padding, n, "padding"), "global_pool": global_pool,
                        "pool_type": pool_type, "layout": layout,
                        "pooling_convention": "full" if ceil_mode else "valid"}
        if count_include_pad is not None:
            self._kwargs["count_include_pad"] = count_include_pad

    def _alias(self):
        return "pool"

    def hybrid_forward(self, F, x):
        if self._kwargs["layout"].find("C") == 1:
            return F.Pooling(x, name="fwd", **self._kwargs)
        # channels-last (NWC, NHWC, NDHWC): pooled channels-first between transposes
        out = F.Pooling(_channels_first(x), name="fwd", **dict(self._kwargs, layout=None))
        return _channels_last(out)

    def __repr__(self):
        k = self._kwargs
        return (f"{type(self).__name__}(size={k['kernel']}, stride={k['stride']}, "
                f"padding={k['pad']}, ceil_mode={k['pooling_convention'] == 'full'}, "
                f"global_pool={k['global_pool']}, pool_type={k['pool_type']}, "
                f"layout={k['layout']})")


def _check_pool_layout(layout, n):
    if layout not in _POOL_LAYOUTS[n]:
        raise AssertionError(f"Only {' and '.join(_POOL_LAYOUTS[n])} layouts are valid for "
                             f"{n}D Pooling")


def _pool_class(name, n, pool_type):
    default_layout = _POOL_LAYOUTS[n][0]
    size = 2 if n == 1 else (2,) * n

    def setup(self, pool_size, strides, padding, layout, ceil_mode, count_include_pad,
              kwargs):
        _check_pool_layout(layout, n)
        _Pooling.__init__(self, _tuple(pool_size, n, "pool_size"), strides, padding,
                          ceil_mode, False, pool_type, layout, count_include_pad, **kwargs)

    # MXNet's parameter orders differ between the 1-D/2-D and 3-D (and avg) classes
    if pool_type == "max" and n < 3:
        def __init__(self, pool_size=size, strides=None, padding=0, layout=default_layout,
                     ceil_mode=False, **kwargs):
            setup(self, pool_size, strides, padding, layout, ceil_mode, None, kwargs)
    elif pool_type == "max":
        def __init__(self, pool_size=size, strides=None, padding=0, ceil_mode=False,
                     layout=default_layout, **kwargs):
            setup(self, pool_size, strides, padding, layout, ceil_mode, None, kwargs)
    elif n == 1:
        def __init__(self, pool_size=size, strides=None, padding=0, layout=default_layout,
                     ceil_mode=False, count_include_pad=True, **kwargs):
            setup(self, pool_size, strides, padding, layout, ceil_mode, count_include_pad,
                  kwargs)
    else:
        def __init__(self, pool_size=size, strides=None, padding=0, ceil_mode=False,
                     layout=default_layout, count_include_pad=True, **kwargs):
            setup(self, pool_size, strides, padding, layout, ceil_mode, count_include_pad,
                  kwargs)
    doc = (f"{n}-D {pool_type} pooling over layout {default_layout} (window 2, stride = "
           "window by default).\n\n"
           f"    >>> mx.gluon.nn.{name}()(mx.nd.ones((1, 1) + (4,) * {n})).shape[2:]\n"
           f"    {(2,) * n}\n")
    return type(name, (_Pooling,), {"__init__": __init__, "__doc__": doc,
                                    "__module__": __name__})


def _global_pool_class(name, n, pool_type):
    default_layout = _POOL_LAYOUTS[n][0]

    def __init__(self, layout=default_layout, **kwargs):
        _check_pool_layout(layout, n)
        _Pooling.__init__(self, (1,) * n, None, 0, True, True, pool_type, layout, **kwargs)

    doc = (f"{pool_type} over all of the {n} spatial axes (kept, of size 1).\n\n"
           f"    >>> mx.gluon.nn.{name}()(mx.nd.ones((1, 2) + (3,) * {n})).shape\n"
           f"    {(1, 2) + (1,) * n}\n")
    return type(name, (_Pooling,), {"__init__": __init__, "__doc__": doc,
                                    "__module__": __name__})


MaxPool1D = _pool_class("MaxPool1D", 1, "max")
MaxPool2D = _pool_class("MaxPool2D", 2, "max")
MaxPool3D = _pool_class("MaxPool3D", 3, "max")
AvgPool1D = _pool_class("AvgPool1D", 1, "avg")
AvgPool2D = _pool_class("AvgPool2D", 2, "avg")
AvgPool3D = _pool_class("AvgPool3D", 3, "avg")
GlobalMaxPool1D = _global_pool_class("GlobalMaxPool1D", 1, "max")
GlobalMaxPool2D = _global_pool_class("GlobalMaxPool2D", 2, "max")
GlobalMaxPool3D = _global_pool_class("GlobalMaxPool3D", 3, "max")
GlobalAvgPool1D = _global_pool_class("GlobalAvgPool1D", 1, "avg")
GlobalAvgPool2D = _global_pool_class("GlobalAvgPool2D", 2, "avg")
GlobalAvgPool3D = _global_pool_class("GlobalAvgPool3D", 3, "avg")


class ReflectionPad2D(HybridBlock):
    """Pad the two spatial axes of NCHW input by reflection (``padding`` on every side,
    or MXNet's 8-tuple ``pad_width``).

    >>> mx.gluon.nn.ReflectionPad2D(1)(mx.nd.ones((1, 1, 2, 2))).shape
    (1, 1, 4, 4)
    """

    def __init__(self, padding=0, **kwargs):
        super().__init__(**kwargs)
        if isinstance(padding, numbers.Integral):
            padding = (0, 0, 0, 0, padding, padding, padding, padding)
        if len(padding) != 8:
            raise AssertionError("ReflectionPad2D: padding must be a number or 8 ints")
        self._padding = padding

    def hybrid_forward(self, F, x):
        return F.pad(x, mode="reflect", pad_width=self._padding)
