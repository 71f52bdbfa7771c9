"""Write mxnet_names.json: the public names of MXNet 1.9.1's ``mx.nd``, ``mx.nd.contrib``
(the dense operators that issue 13 names) and ``NDArray``. Run it with MXNet 1.9.1:
``/tmp/mxref/bin/python tests/data/make_mxnet_names.py`` (from the repository root)."""
import json
import os

import mxnet as mx

assert mx.__version__ == "1.9.1", mx.__version__
names = {
    "mx.nd": sorted(n for n in dir(mx.nd) if not n.startswith("_")),
    "NDArray": sorted(n for n in dir(mx.nd.NDArray) if not n.startswith("_")) + ["_fresh_grad"],
    "mx.nd.linalg": sorted(n for n in dir(mx.nd.linalg) if not n.startswith("_")),
    "mx.nd.random": sorted(n for n in dir(mx.nd.random) if not n.startswith("_")),
}
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "mxnet_names.json"), "w") as f:
    json.dump(names, f, indent=1)
    f.write("\n")
