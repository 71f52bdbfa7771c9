"""MXNet 1.9.1's ``mx.optimizer.contrib``: GroupAdaGrad (dense gradients; mxgrad has no
sparse storage)."""
from mxgrad import ndarray as nd
from mxgrad.optimizer.optimizer import Optimizer, check_arrays, register

__all__ = ["GroupAdaGrad"]


@register
class GroupAdaGrad(Optimizer):
    """AdaGrad with one accumulated rate per row of a 2-D weight: ``history +=
    mean(g**2, axis=1); weight -= lr * g / sqrt(history + eps)``. No weight decay.

    >>> import mxgrad as mx
    >>> opt = mx.optimizer.contrib.GroupAdaGrad(learning_rate=0.1)
    >>> w = mx.nd.ones((2, 2))
    >>> opt.update(0, w, mx.nd.array([[3.0, 4.0], [0.0, 0.0]]), opt.create_state(0, w))
    >>> w.asnumpy().round(4)
    array([[0.9151, 0.8869],
           [1.    , 1.    ]], dtype=float32)
    """

    def __init__(self, eps=1e-5, **kwargs):
        super().__init__(**kwargs)
        self.float_stable_eps = eps

    def create_state(self, index, weight):
        assert len(weight.shape) == 2, "GroupAdaGrad takes 2-D weights"
        return nd.zeros((weight.shape[0], 1), weight.context)

    def update(self, index, weight, grad, state):
        check_arrays(weight, grad)
        self._update_count(index)
        lr = self._get_lr(index)
        assert self._get_wd(index) == 0, "Weight decay is not supported for GroupAdaGrad"
        grad = grad * self.rescale_grad
        if self.clip_gradient is not None:
            grad = nd.clip(grad, -self.clip_gradient, self.clip_gradient)
        state[:] += nd.mean(nd.square(grad), axis=1, keepdims=True)
        weight[:] -= lr * grad / nd.sqrt(state + self.float_stable_eps)
