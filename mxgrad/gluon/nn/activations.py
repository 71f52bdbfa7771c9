"""Activation layers (MXNet 1.9.1's gluon.nn names), over ``mx.nd.Activation`` and
``mx.nd.LeakyReLU``."""
from mxgrad import initializer
from mxgrad.gluon.block import HybridBlock

__all__ = ["Activation", "LeakyReLU", "PReLU", "ELU", "SELU", "Swish", "GELU"]


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


class PReLU(HybridBlock):
    """Leaky ReLU with a learned slope ``alpha`` (one per channel with ``in_channels``).

    >>> p = mx.gluon.nn.PReLU(); p.initialize()
    >>> p(mx.nd.array([-2, 2])).asnumpy(), p.alpha.shape
    (array([-0.5,  2. ], dtype=float32), (1,))
    """

    def __init__(self, alpha_initializer=initializer.Constant(0.25), in_channels=1, **kwargs):
        super().__init__(**kwargs)
        with self.name_scope():
            self.alpha = self.params.get("alpha", shape=(in_channels,), init=alpha_initializer)

    def hybrid_forward(self, F, x, alpha):
        return F.LeakyReLU(x, gamma=alpha, act_type="prelu", name="fwd")


class ELU(HybridBlock):
    """``x`` where positive, ``alpha * (exp(x) - 1)`` elsewhere.

    >>> mx.gluon.nn.ELU()(mx.nd.array([0, 2])).asnumpy()
    array([0., 2.], dtype=float32)
    """

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        self._alpha = alpha

    def hybrid_forward(self, F, x):
        return F.LeakyReLU(x, act_type="elu", slope=self._alpha)


class SELU(HybridBlock):
    """Scaled ELU with the self-normalizing constants.

    >>> mx.gluon.nn.SELU()(mx.nd.array([0])).asnumpy()
    array([0.], dtype=float32)
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)

    def hybrid_forward(self, F, x):
        return F.LeakyReLU(x, act_type="selu", name="fwd")


class GELU(HybridBlock):
    """Gaussian error linear unit, ``x * Phi(x)``.

    >>> mx.gluon.nn.GELU()(mx.nd.array([0])).asnumpy()
    array([0.], dtype=float32)
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)

    def hybrid_forward(self, F, x):
        return F.LeakyReLU(x, act_type="gelu", name="fwd")


class Swish(HybridBlock):
    """``x * sigmoid(beta * x)``.

    >>> mx.gluon.nn.Swish()(mx.nd.array([0])).asnumpy()
    array([0.], dtype=float32)
    """

    def __init__(self, beta=1.0, **kwargs):
        super().__init__(**kwargs)
        self._beta = beta

    def hybrid_forward(self, F, x):
        return x * F.sigmoid(self._beta * x, name="fwd")
