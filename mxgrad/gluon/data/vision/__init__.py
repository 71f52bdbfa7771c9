"""``mx.gluon.data.vision``: the standard image datasets and basic transforms."""
from mxgrad.gluon.data.vision.datasets import *  # noqa: F401,F403
from mxgrad.gluon.data.vision import datasets, transforms  # noqa: F401
