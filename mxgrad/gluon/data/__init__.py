"""``mx.gluon.data``: datasets, samplers and the DataLoader of MXNet 1.9.1's Gluon."""
from mxgrad.gluon.data.sampler import *  # noqa: F401,F403
from mxgrad.gluon.data.dataset import *  # noqa: F401,F403
from mxgrad.gluon.data.dataloader import *  # noqa: F401,F403
from mxgrad.gluon.data import dataloader, dataset, sampler  # noqa: F401
from mxgrad.gluon.data import vision  # noqa: F401
