"""``mx.random``: seeding, and the samplers of ``mx.nd.random`` under MXNet's names."""
from mxgrad.ndarray.random import (seed, uniform, normal, randn, randint, exponential,  # noqa: F401
                                   shuffle, gamma, poisson, negative_binomial,
                                   generalized_negative_binomial, multinomial)

__all__ = ["seed", "uniform", "normal", "randn", "randint", "exponential", "shuffle", "gamma",
           "poisson", "negative_binomial", "generalized_negative_binomial", "multinomial"]
