"""``mx.gluon``: MXNet's imperative training front (data, utils; Block and nn follow)."""
from mxgrad.gluon import data  # noqa: F401
from mxgrad.gluon import utils  # noqa: F401
