"""Activation layers: ``Activation`` and ``LeakyReLU`` (MXNet 1.9.1's gluon.nn names)."""
from mxgrad.gluon.block import HybridBlock

__all__ = ["Activation", "LeakyReLU"]


class Activation(HybridBlock):
    """``mx.nd.Activation`` as a layer: 'relu', 'sigmoid', 'tanh', 'softrelu' or
    'softsign'. Its name comes from the activation (``relu0_``).

    >>> act = mx.gluon.nn.Activation('relu')
    >>> act, act(mx.nd.array([-1, 2])).asnumpy()
    (Activation(relu), array([0., 2.], dtype=float32))
    """

    def __init__(self, activation, **kwargs):
        self._act_type = activation
        super().__init__(**kwargs)

    def _alias(self):
        return self._act_type

    def hybrid_forward(self, F, x):
        return F.Activation(x, act_type=self._act_type, name="fwd")

    def __repr__(self):
        return f"{type(self).__name__}({self._act_type})"


class LeakyReLU(HybridBlock):
    """``x`` where positive, ``alpha * x`` elsewhere (``alpha >= 0``).

    >>> lr = mx.gluon.nn.LeakyReLU(0.1)
    >>> lr, lr(mx.nd.array([-1, 2])).asnumpy()
    (LeakyReLU(0.1), array([-0.1,  2. ], dtype=float32))
    """

    def __init__(self, alpha, **kwargs):
        if not alpha >= 0:
            raise AssertionError("Slope coefficient for LeakyReLU must be no less than 0.")
        super().__init__(**kwargs)
        self._alpha = alpha

    def hybrid_forward(self, F, x):
        return F.LeakyReLU(x, act_type="leaky", slope=self._alpha, name="fwd")

    def __repr__(self):
        return f"{type(self).__name__}({self._alpha})"
