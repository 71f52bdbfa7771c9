"""Write the MXNet-made fixtures of tests/test_serialization.py (run under MXNet 1.9.1).

    /tmp/mxref/bin/python tests/data/make_nd_save_fixtures.py

Each fixture's arrays are rebuilt by ``fixture_arrays`` (plain numpy, deterministic), which
the tests import too, so the expected values are not stored twice.
"""
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
DTYPES = ["float32", "float64", "float16", "uint8", "int32", "int8", "int64"]


def fixture_arrays():
    """{fixture file name: (list or dict of numpy arrays, needs numpy shape semantics)}."""
    out = {}
    for dt in DTYPES:
        a = (np.arange(24).reshape(2, 3, 4) - (0 if dt == "uint8" else 7)).astype(dt)
        if dt.startswith("float"):
            a = a / np.array(4, dtype=dt)
        out[f"nd_list_{dt}.nd"] = ([a, np.array([3], dtype=dt)], False)
    out["nd_dict.params"] = ({"arg:weight": np.linspace(-1, 1, 12, dtype="float32").reshape(3, 4),
                              "arg:bias": np.array([0.5, -0.25, 1.0], dtype="float64"),
                              "aux:running_mean": np.arange(5, dtype="int64"),
                              "名前": np.array([[1, 2]], dtype="int8")}, False)
    out["nd_empty_list.nd"] = ([], False)
    out["nd_single.nd"] = ([np.array([1.5, 2.5], dtype="float32")], False)
    out["nd_npshape.nd"] = ([np.array(2.5, dtype="float32"), np.zeros((0, 3), dtype="int32"),
                             np.ones((2, 2), dtype="float16")], True)
    return out


def main():
    import mxnet as mx
    for name, (data, np_shape) in fixture_arrays().items():
        with mx.util.np_shape(np_shape):
            if isinstance(data, dict):
                nd = {k: mx.nd.array(v, dtype=v.dtype) for k, v in data.items()}
            else:
                nd = [mx.nd.array(v, dtype=v.dtype) for v in data]
            if name == "nd_single.nd":
                nd = nd[0]           # a bare NDArray is saved as a one-item list
            mx.nd.save(os.path.join(HERE, name), nd)
    sparse = mx.nd.sparse.csr_matrix(np.eye(2, dtype="float32"))
    mx.nd.save(os.path.join(HERE, "nd_sparse.nd"), [sparse])


if __name__ == "__main__":
    main()
