"""What a piece of code enqueues: the names of the kernels, from DeviceState.trace."""
import os

import pytest

from mxgrad import nd
from mxgrad.base import MXNetError

# Launch lists of fused groups only hold with fusion on (MXGRAD_FUSION=0 runs each op alone).
needs_fusion = pytest.mark.skipif(os.environ.get("MXGRAD_FUSION", "1") == "0",
                                  reason="MXGRAD_FUSION=0: no fused groups to count")


def traced(ctx, fn):
    """``fn()``'s result and the kernels it enqueued on ctx (pending work run before and
    after, so the list holds exactly fn's launches)."""
    state = ctx.state
    nd.waitall()
    state.trace = []
    try:
        result = fn()
        nd.waitall()
        return result, state.trace
    finally:
        state.trace = None


def refused_before_launch(ctx, fn, match, error=MXNetError):
    """fn() raises ``error`` matching ``match`` without enqueuing a kernel on ctx."""
    state = ctx.state
    nd.waitall()
    state.trace = []
    try:
        with pytest.raises(error, match=match):
            fn()
        assert state.trace == [], f"enqueued before refusing ({match}): {state.trace}"
    finally:
        state.trace = None
