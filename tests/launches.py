"""What a piece of code enqueues: the names of the kernels, from DeviceState.trace."""
from mxgrad import nd


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
