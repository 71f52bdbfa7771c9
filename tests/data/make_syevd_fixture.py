"""Write syevd_mxnet.json: MXNet 1.9.1's linalg.syevd of a batch of symmetric matrices, and
the gradient of sum(U * wu) + sum(L * wl). Run with MXNet 1.9.1 from the repository root:
``/tmp/mxref/bin/python tests/data/make_syevd_fixture.py``."""
import json
import os

import mxnet as mx
import numpy as np

rng = np.random.RandomState(0)
B = rng.randn(2, 4, 4)
A = B + B.transpose(0, 2, 1)
wu, wl = rng.randn(2, 4, 4), rng.randn(2, 4)
a = mx.nd.array(A, dtype="float64")
a.attach_grad()
with mx.autograd.record():
    U, L = mx.nd.linalg.syevd(a)
mx.autograd.backward([U, L], [mx.nd.array(wu, dtype="float64"),
                              mx.nd.array(wl, dtype="float64")])
out = {"A": A.tolist(), "wu": wu.tolist(), "wl": wl.tolist(), "U": U.asnumpy().tolist(),
       "L": L.asnumpy().tolist(), "grad": a.grad.asnumpy().tolist()}
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "syevd_mxnet.json"), "w") as f:
    json.dump(out, f)
