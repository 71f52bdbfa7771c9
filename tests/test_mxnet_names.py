"""Every public name of MXNet 1.9.1's ``mx.nd``, ``mx.nd.linalg``, ``mx.nd.random`` and
``NDArray`` exists in mxgrad (the lists: tests/data/mxnet_names.json, written by
tests/data/make_mxnet_names.py under MXNet 1.9.1), apart from the groups left out below;
and the ``mx.nd.contrib`` operators MXNet programs use most."""
import json
import os

import pytest

import mxgrad as mx

HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(HERE, "data", "mxnet_names.json")) as f:
    MXNET = json.load(f)

LEFT_OUT = {
    "mx.nd": {
        # sparse storage, mx.np/mx.npx and image decoding are out of mxgrad's scope
        "sparse", "gen_sparse", "np", "npx", "numpy", "numpy_extension", "image",
        "gen_image", "imdecode",
        # MXNet's generated-module plumbing and indexing helpers, not operators
        "gen__internal", "gen_contrib", "gen_linalg", "gen_op", "op", "register", "utils",
        "get_indexing_dispatch_code", "get_oshape_of_gather_nd_op",
        "indexing_key_expand_implicit_axes",
        # runs a compiled Symbol graph: mxgrad has no symbolic executor
        "CachedOp",
    },
    "NDArray": {
        "as_np_ndarray", "as_nd_ndarray",    # mx.np arrays are out of scope
    },
    "mx.nd.linalg": set(),
    "mx.nd.random": set(),
}

CONTRIB = ["isnan", "isinf", "isfinite", "boolean_mask", "index_copy", "index_array",
           "arange_like", "AdaptiveAvgPooling2D", "BilinearResize2D", "ROIAlign",
           "SyncBatchNorm", "div_sqrt_dim", "foreach", "while_loop", "cond"]

OURS = {"mx.nd": mx.nd, "NDArray": mx.nd.NDArray, "mx.nd.linalg": mx.nd.linalg,
        "mx.nd.random": mx.nd.random}


@pytest.mark.parametrize("space", sorted(OURS))
def test_every_mxnet_name_exists(space):
    missing = [n for n in MXNET[space]
               if n not in LEFT_OUT[space] and not hasattr(OURS[space], n)]
    assert missing == [], f"{space} lacks {len(missing)} of MXNet 1.9.1's names: {missing}"


def test_the_left_out_names_are_mxnet_names():
    for space, names in LEFT_OUT.items():
        assert names <= set(MXNET[space]), sorted(names - set(MXNET[space]))


def test_contrib_operators():
    assert [n for n in CONTRIB if not callable(getattr(mx.nd.contrib, n, None))] == []
