"""Kernel getters: build a kernel variant once per context (called on cache misses only)."""
from mxgrad import _programs
from mxgrad._codegen import TYPES
from mxgrad._dispatch import Kernel, host_has_room
from mxgrad.base import MXNetError, DTYPES, OutOfMemoryError
from mxgrad.context import live_states

_BUILD_ROOM = 256 << 20     # address space a program build peaks at on PoCL (measured)


def _build(ctx, source, options, what):
    """``_programs.build``, refused with OutOfMemoryError when the compiler could not get the
    memory it needs (PoCL's LLVM crashes the process then), after giving back the buffers
    every pool keeps parked."""
    if not host_has_room(_BUILD_ROOM):
        for state in live_states():
            state.pool.empty()
        if not host_has_room(_BUILD_ROOM):
            raise OutOfMemoryError(f"not enough memory left to build {what} (it needs about "
                                   f"{_BUILD_ROOM >> 20} MiB); free some arrays and retry")
    return _programs.build(ctx.cl_context, ctx.device_info.device, source, options, what)


def _check_dtype(ctx, code):
    state = ctx.state
    if code == 1 and not state.has_fp64:
        raise MXNetError(f"float64 is not supported on {ctx} ({ctx.device_info.name})")


def kernel_from_source(ctx, source, what, name="fused"):
    """Kernel ``name`` of a generated source, built (or loaded from the disk cache)."""
    prg = _build(ctx, source, "", what)
    return Kernel(prg, name)


def family_kernel(ctx, family, name, code, options=""):
    """Kernel ``name`` of ``kernels_cl/<family>.cl`` built for dtype ``code``.

    The family source, after kernels_cl/prelude.cl (float64 pragma, LOAD/STORE), is
    specialised with -D T=<type> (and CT, FT, IS_HALF); kept per context.
    """
    state = ctx.state
    key = ("family", family, name, code, options)
    k = state.kernels.get(key)
    if k is None:
        _check_dtype(ctx, code)
        storage, compute = TYPES[code]
        opts = (f"-D T={storage} -D CT={compute} -D FT={'double' if code == 1 else 'float'} "
                f"-D IS_HALF={int(code == 2)} -D HAS_FP64={int(state.has_fp64)} {options}")
        source = _programs.kernel_source("prelude") + _programs.kernel_source(family)
        prg = _build(ctx, source, opts.strip(), f"{family}.cl ({DTYPES[code].name})")
        k = state.kernels[key] = Kernel(prg, name)
    return k
