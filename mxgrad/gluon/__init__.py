"""``mx.gluon``."""
from mxgrad.gluon import data  # noqa: F401
