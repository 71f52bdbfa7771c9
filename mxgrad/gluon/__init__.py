"""mx.gluon (this branch: only ``mx.gluon.utils``)."""
from mxgrad.gluon import utils
