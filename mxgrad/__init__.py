"""mxgrad: MXNet's NDArray and autograd on OpenCL, with a Cython core.

>>> import mxgrad as mx
>>> x = mx.nd.array([1, 2, 3])
>>> x.attach_grad()
>>> with mx.autograd.record():
...     y = x * x
>>> y.backward()
>>> x.grad
<BLANKLINE>
[2. 4. 6.]
<NDArray 3 @cpu(0)>
"""
from mxgrad import base
from mxgrad.base import MXNetError
from mxgrad.context import Context, cpu, gpu, num_gpus, current_context
from mxgrad import ndarray
from mxgrad import ndarray as nd
from mxgrad import autograd
from mxgrad import gradients
from mxgrad import random
from mxgrad import interop
from mxgrad import operator
from mxgrad import optimizer, lr_scheduler
from mxgrad import metric, test_utils
from mxgrad import gluon, initializer
init = initializer
from mxgrad import kvstore
kv = kvstore

__version__ = "0.1.0"
