"""MXNet's output layers: MakeLoss, make_loss, the regression outputs, SVMOutput, Softmax,
and SoftmaxActivation.

An output layer's backward ignores the head gradient, as MXNet's does: the gradient it hands
its data is the loss gradient the layer stands for (for LinearRegressionOutput,
(data - label) * grad_scale / outputs per sample), and its label gets a zero gradient. The
rules are written in NDArray ops on the inputs, so they can be differentiated again.
"""
from mxgrad._ndarray import NDArrayBase
from mxgrad._tape import is_recording, record_op
from mxgrad.base import MXNetError
from mxgrad.gradients import gradient_rule
from mxgrad.ndarray._deliver import deliver
from mxgrad.ndarray._elemwise_table import OPS
from mxgrad.ndarray._select import select
from mxgrad.ndarray.creation import ones_like as _ones_like
from mxgrad.ndarray.nn import SoftmaxOutput, one_hot, softmax

__all__ = ["MakeLoss", "make_loss", "LinearRegressionOutput", "LogisticRegressionOutput",
           "MAERegressionOutput", "SVMOutput", "Softmax", "SoftmaxActivation"]


def _check_float(op, x, name="data"):
    if not isinstance(x, NDArrayBase):
        raise MXNetError(f"{op}: {name} must be an NDArray, got {type(x).__name__}")
    if x._dtype_code not in (0, 1, 2):
        raise MXNetError(f"{op}: only floating point types are supported, got "
                         f"{x.dtype.__name__}")


def _check_label(op, data, label):
    _check_float(op, label, "label")
    if label.dtype != data.dtype:
        raise MXNetError(f"{op}: label must have data's dtype {data.dtype.__name__}, got "
                         f"{label.dtype.__name__}")
    if label.context != data.context:
        raise MXNetError(f"{op}: label is on {label.context}, data on {data.context}")


def _detached(x):
    """A copy of ``x`` cut from the graph: the forward of an op recorded as one node."""
    from mxgrad.autograd import pause
    with pause(train_mode=None):
        return OPS["identity"](x)


# --- MakeLoss / make_loss ----------------------------------------------------------------------
_NORMALIZATIONS = ("null", "batch", "valid")


def MakeLoss(data, grad_scale=1.0, valid_thresh=0.0, normalization="null", out=None,
             name=None):
    """Mark ``data`` as a loss: the forward is the identity; the backward ignores the head
    gradient and gives ``grad_scale`` everywhere, divided by the batch size
    (normalization='batch') or by the number of elements above ``valid_thresh``
    (normalization='valid', at least 1).

    >>> x = mx.nd.array([[0.5, -1], [2, 3]])
    >>> x.attach_grad()
    >>> with mx.autograd.record():
    ...     loss = mx.nd.MakeLoss(x * 1, grad_scale=3, normalization='batch')
    >>> loss.backward()
    >>> x.grad
    <BLANKLINE>
    [[1.5 1.5]
     [1.5 1.5]]
    <NDArray 2x2 @cpu(0)>
    """
    _check_float("MakeLoss", data)
    if normalization not in _NORMALIZATIONS:
        raise MXNetError(f"MakeLoss: invalid normalization {normalization!r}, valid values "
                         f"are 'batch', 'null', 'valid'")
    res = _detached(data)
    if is_recording():
        record_op("MakeLoss", (data,), (res,), _make_loss_rule,
                  (float(grad_scale), float(valid_thresh), normalization), save_outputs=False,
                  replay=lambda d: MakeLoss(d, grad_scale, valid_thresh, normalization),
                  attrs={"grad_scale": grad_scale, "valid_thresh": valid_thresh,
                         "normalization": normalization})
    return deliver("MakeLoss", res, out)


@gradient_rule("MakeLoss")
def _make_loss_rule(saved, inputs, outputs, out_grads):
    scale, thresh, normalization = saved
    data = inputs[0]
    ones = _ones_like(data)
    if normalization == "batch" and data.ndim:
        scale /= data.shape[0]
    if normalization == "valid":
        from mxgrad.ndarray.reduce import sum as reduce_sum
        valid = reduce_sum(data > thresh, axis=tuple(range(data.ndim)), keepdims=True)
        return (ones * (scale / OPS["maximum"](valid, 1.0)),)
    return (ones * scale,)


def make_loss(data, out=None, name=None, **kwargs):
    """Mark ``data`` as a loss: the forward is the identity, the backward gives ones (the
    head gradient is ignored).

    >>> x = mx.nd.array([1, 2])
    >>> x.attach_grad()
    >>> with mx.autograd.record():
    ...     loss = mx.nd.make_loss(x * 2)
    >>> loss.backward(mx.nd.array([5, 5]))      # ignored
    >>> x.grad
    <BLANKLINE>
    [2. 2.]
    <NDArray 2 @cpu(0)>
    """
    if kwargs:
        raise MXNetError(f"make_loss: takes no parameters, got {', '.join(sorted(kwargs))}")
    _check_float("make_loss", data)
    res = _detached(data)
    if is_recording():
        record_op("make_loss", (data,), (res,), _ones_rule, None, save_outputs=False,
                  replay=lambda d: make_loss(d))
    return deliver("make_loss", res, out)


@gradient_rule("make_loss")
def _ones_rule(saved, inputs, outputs, out_grads):
    return (_ones_like(inputs[0]),)


# --- regression outputs ------------------------------------------------------------------------
def _regression(op, data, label, grad_scale, out):
    _check_float(op, data)
    _check_label(op, data, label)
    # as MXNet: the same first axis and size ((batch,) labels fit (batch, 1) outputs)
    if data.ndim == 0 or label.ndim == 0 or label.shape[0] != data.shape[0] \
            or label.size != data.size:
        raise MXNetError(f"{op}: label of shape {label.shape} does not fit data of shape "
                         f"{data.shape} (the same first axis and size are needed)")
    with_sigmoid = op == "LogisticRegressionOutput"
    if with_sigmoid:
        from mxgrad.autograd import pause
        with pause(train_mode=None):
            res = OPS["sigmoid"](data)
    else:
        res = _detached(data)
    if is_recording():
        per_sample = label.size // label.shape[0] if label.shape[0] else 1
        record_op(op, (data, label), (res,), _regression_rule,
                  (op, float(grad_scale) / max(per_sample, 1)), save_outputs=False,
                  replay=lambda d, l: _regression(op, d, l, grad_scale, None),
                  attrs={"grad_scale": grad_scale})
    return deliver(op, res, out)


@gradient_rule("LinearRegressionOutput", "LogisticRegressionOutput", "MAERegressionOutput")
def _regression_rule(saved, inputs, outputs, out_grads):
    op, scale = saved
    data, label = inputs
    lab = label.reshape(data.shape) if label.shape != data.shape else label
    if op == "LogisticRegressionOutput":
        diff = OPS["sigmoid"](data) - lab
    else:
        diff = data - lab
    if op == "MAERegressionOutput":
        diff = OPS["sign"](diff)
    return diff * scale, None


def LinearRegressionOutput(data, label, grad_scale=1.0, out=None, name=None):
    """Identity forward; backward (data - label) * grad_scale / m, m the outputs per sample
    (the gradient of the squared error / 2), ignoring the head gradient.

    >>> data, label = mx.nd.array([[1, 2], [3, 4]]), mx.nd.array([[0, 0], [3, 3]])
    >>> data.attach_grad()
    >>> with mx.autograd.record():
    ...     y = mx.nd.LinearRegressionOutput(data, label)
    >>> y.backward()
    >>> data.grad
    <BLANKLINE>
    [[0.5 1. ]
     [0.  0.5]]
    <NDArray 2x2 @cpu(0)>
    """
    return _regression("LinearRegressionOutput", data, label, grad_scale, out)


def LogisticRegressionOutput(data, label, grad_scale=1.0, out=None, name=None):
    """sigmoid(data) forward; backward (sigmoid(data) - label) * grad_scale / m, m the
    outputs per sample, ignoring the head gradient.

    >>> data, label = mx.nd.array([[0], [0]]), mx.nd.array([1, 0])
    >>> data.attach_grad()
    >>> with mx.autograd.record():
    ...     y = mx.nd.LogisticRegressionOutput(data, label)
    >>> y.backward()
    >>> y.reshape((2,)), data.grad.reshape((2,))
    (
    [0.5 0.5]
    <NDArray 2 @cpu(0)>, 
    [-0.5  0.5]
    <NDArray 2 @cpu(0)>)
    """
    return _regression("LogisticRegressionOutput", data, label, grad_scale, out)


def MAERegressionOutput(data, label, grad_scale=1.0, out=None, name=None):
    """Identity forward; backward sign(data - label) * grad_scale / m, m the outputs per
    sample, ignoring the head gradient.

    >>> data, label = mx.nd.array([[1, 2]]), mx.nd.array([[3, 0]])
    >>> data.attach_grad()
    >>> with mx.autograd.record():
    ...     y = mx.nd.MAERegressionOutput(data, label)
    >>> y.backward()
    >>> data.grad
    <BLANKLINE>
    [[-0.5  0.5]]
    <NDArray 1x2 @cpu(0)>
    """
    return _regression("MAERegressionOutput", data, label, grad_scale, out)


# --- SVMOutput ---------------------------------------------------------------------------------
def SVMOutput(data, label, margin=1.0, regularization_coefficient=1.0, use_linear=False,
              out=None, name=None):
    """Identity forward; backward the gradient of the (squared, or with use_linear the
    plain) hinge loss of the scores ``data`` (batch, classes) for the class ``label``
    (batch,), times regularization_coefficient, ignoring the head gradient.

    >>> data = mx.nd.array([[0.2, 0.6, -2]])
    >>> data.attach_grad()
    >>> with mx.autograd.record():
    ...     y = mx.nd.SVMOutput(data, mx.nd.array([0]))
    >>> y.backward()
    >>> data.grad                       # -2 (1 - 0.2), 2 (1 + 0.6), 0 (beyond the margin)
    <BLANKLINE>
    [[-1.6  3.2  0. ]]
    <NDArray 1x3 @cpu(0)>
    """
    _check_float("SVMOutput", data)
    _check_label("SVMOutput", data, label)
    if data.ndim != 2:
        raise MXNetError(f"SVMOutput: data must be 2-D (batch, classes), got {data.shape}")
    if label.shape != data.shape[:1]:
        raise MXNetError(f"SVMOutput: label must have shape {data.shape[:1]}, got "
                         f"{label.shape}")
    res = _detached(data)
    if is_recording():
        saved = (float(margin), float(regularization_coefficient), bool(use_linear))
        record_op("SVMOutput", (data, label), (res,), _svm_rule, saved, save_outputs=False,
                  replay=lambda d, l: SVMOutput(d, l, *saved),
                  attrs={"margin": margin, "use_linear": use_linear,
                         "regularization_coefficient": regularization_coefficient})
    return deliver("SVMOutput", res, out)


@gradient_rule("SVMOutput")
def _svm_rule(saved, inputs, outputs, out_grads):
    margin, coef, linear = saved
    x, label = inputs
    # a label outside [0, classes) marks no class: every score counts as a wrong one
    is_label = one_hot(label, x.shape[1], dtype=x.dtype)
    below = x < margin                 # the label's score inside the margin
    above = x > -margin                # another class's score inside the margin
    if linear:
        d_label, d_other = below * -coef, above * coef
    else:      # select, not a product with the mask: no -0 where the margin is met
        d_label = select(below, (x - margin) * (2 * coef), 0.0)
        d_other = select(above, (x + margin) * (2 * coef), 0.0)
    return select(is_label, d_label, d_other), None


# --- Softmax (SoftmaxOutput's old name) and SoftmaxActivation ----------------------------------
Softmax = SoftmaxOutput


def SoftmaxActivation(data, mode="instance", out=None, name=None):
    """Softmax along the last axis (mode='instance') or along axis 1 (mode='channel',
    3-D data or more); MXNet's deprecated form of softmax.

    >>> x = mx.nd.array([[[0, 1], [0, 1]]])              # (1, 2 channels, 2)
    >>> np.round(mx.nd.SoftmaxActivation(x).asnumpy(), 4)
    array([[[0.2689, 0.7311],
            [0.2689, 0.7311]]], dtype=float32)
    >>> mx.nd.SoftmaxActivation(x, mode='channel')
    <BLANKLINE>
    [[[0.5 0.5]
      [0.5 0.5]]]
    <NDArray 1x2x2 @cpu(0)>
    """
    _check_float("SoftmaxActivation", data)
    if mode not in ("instance", "channel"):
        raise MXNetError(f"SoftmaxActivation: invalid mode {mode!r}, valid values are "
                         "'channel', 'instance'")
    if mode == "channel" and data.ndim < 3:
        raise MXNetError(f"SoftmaxActivation: mode='channel' needs data of at least 3 "
                         f"dimensions, got {data.shape}")
    return deliver("SoftmaxActivation", softmax(data, axis=1 if mode == "channel" else -1),
                   out)

