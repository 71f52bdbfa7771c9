"""Generates fused elementwise kernels from kernels_cl/fused.cl (see _fusion.pxi).

A group is a list of nodes ``(snippet, *tokens)``: each snippet is an OpenCL expression over
``x0, x1, ...``, each token (an int) names where that operand comes from: ``j >= 0`` an
earlier node, ``-1 - k`` the realized input array (leaf) k, ``SCALAR_TOKEN + k`` the
scalar kernel argument k. Leaf layouts:
'c' same shape as the output, 's' one element, 'b' broadcast (one stride per output dim);
a trailing 'o' adds an element-offset argument.

Argument order (the one _fusion.pxi sets): n; per leaf its pointer[, offset][, strides];
per scalar its value (compute type); per stored output its pointer[, offset]; then the
output dims when any leaf is broadcast.
"""
import re

from mxgrad._codegen import TYPES, type_defines
from mxgrad._ndarray import REDUCE_ALL, REDUCE_COLUMNS
from mxgrad._programs import kernel_source

_OPERAND = re.compile(r"\bx(\d+)\b")
SCALAR_TOKEN = 1 << 20      # as in _fusion.pxi


def _operand_name(token, prefix=""):
    if token >= SCALAR_TOKEN:
        return f"{prefix}s{token - SCALAR_TOKEN}"
    return f"t{token}" if token >= 0 else f"l{-1 - token}"


def fused_source(code, nodes, leaf_layouts, n_scalars, out_layouts, ndim, narrow=False,
                 grid2d=False):
    """OpenCL source computing every node of a group and storing the requested ones.

    With broadcast leaves (``ndim`` > 0) each work-item needs its output coordinates.
    ``narrow``: fewer than 2^31 elements, so they are computed in 32 bits (64-bit divisions
    cost several times more on CPUs). ``grid2d``: the launch is 2-D, (last dim, the rest),
    so the last coordinate needs no division at all (a bias add over rows).
    """
    params, index, loads, body, stores = _element_code(
        code, nodes, leaf_layouts, n_scalars, out_layouts, ndim, narrow, grid2d)
    return _source("fused", code, params, [
        "#define ELEMENT_INDEX " + index,
        "#define LOAD_INPUTS " + " ".join(loads),
        "#define COMPUTE " + " ".join(body),
        "#define STORE_OUTPUTS " + " ".join(stores),
    ])


def fused_reduce_source(code, nodes, leaf_layouts, n_scalars, out_layouts, ndim, narrow,
                        reductions, kind, interleaved, final):
    """A group that also reduces some of its nodes (kernels_cl/fused_reduce.cl): each
    work-item walks a slot of elements computing every node, storing the requested outputs
    and accumulating ``reductions`` ((node, op) pairs, op 0 sum, 1 mean). ``kind``
    (_ndarray's REDUCE_*): ALL
    (all elements; ``final``: one slot, which writes the result, else partial sums per
    slot; ``interleaved``: slots take interleaved elements, for GPUs), ROWS (the trailing
    axes: a slot per row) or COLUMNS (the leading axes: a slot per run of columns)."""
    params, _, loads, body, stores = _element_code(
        code, nodes, leaf_layouts, n_scalars, out_layouts, ndim, narrow, False)
    partial = kind == REDUCE_ALL and not final
    init, update, store = [], [], []
    for r, (node, op) in enumerate(reductions):
        params += [f"__global {'ACC' if partial else 'T'}* red{r}", f"const long red_off{r}"]
        init.append(f"ACC acc{r}[UNROLL]; for (int u = 0; u < UNROLL; u++) acc{r}[u] = 0;")
        update.append(f"acc{r}[u] += (ACC)t{node};")

        def result(v):
            # MXNet's mean: the sum, in the output dtype, divided by the count
            return f"(T)((CT)(T)({v}) / (CT)count)" if op == 1 else f"(T)({v})"
        if kind == REDUCE_COLUMNS:
            store.append(f"for (int u = 0; u < lanes; u++) "
                         f"red{r}[red_off{r} + c0 + u] = {result(f'acc{r}[u]')};")
            continue
        total = f"ACC sum{r} = 0; for (int u = 0; u < UNROLL; u++) sum{r} += acc{r}[u];"
        value = f"sum{r}" if partial else result(f"sum{r}")
        store.append(f"{{ {total} red{r}[red_off{r} + slot] = {value}; }}")
    params += ["const long chunk", "const long cols", "const long count"]
    return _source("fused_reduce", code, params, [
        f"#define KIND {kind}",
        f"#define INTERLEAVED {int(interleaved)}",
        f"#define UNROLL {1 if interleaved else 16}",
        "#define ACC " + ("double" if code == 1 else "float"),
        "#define LOAD_INPUTS " + " ".join(loads),
        "#define COMPUTE " + " ".join(body),
        "#define STORE_OUTPUTS " + " ".join(stores),
        "#define REDUCE_INIT " + " ".join(init),
        "#define REDUCE_UPDATE " + " ".join(update),
        "#define REDUCE_STORE " + " ".join(store),
    ])


def fused_segments_source(code, segments):
    """One kernel running several independent groups of one dtype (each of its own size, no
    broadcast operands): ``segments`` is a list of (nodes, leaf_layouts, n_scalars,
    out_layouts), one per group. Each segment takes whole work-groups: segment s the
    groups below ``g<s>_gend`` (a parameter, running total), so every work-item of a
    work-group takes the same branch (CPU compilers keep such a kernel vectorized; a branch
    per work-item made it 18x slower on PoCL). It names its parameters ``g<s>_...``,
    ``g<s>_n`` its size. A training step's parameter updates (one small group per
    parameter) run as one launch instead of one each."""
    params, blocks = [], []
    for s, (nodes, leaf_layouts, n_scalars, out_layouts) in enumerate(segments):
        prefix = f"g{s}_"
        seg_params, _, loads, body, stores = _element_code(
            code, nodes, leaf_layouts, n_scalars, out_layouts, 0, True, False, prefix)
        params += [f"const long {prefix}gend", f"const long {prefix}n"] + seg_params[1:]
        start = f"g{s - 1}_gend" if s else "0"
        blocks.append(f"{'else ' if s else ''}if (grp < {prefix}gend) {{ "
                      f"const long i = (grp - {start}) * wg + lid; if (i < {prefix}n) {{ "
                      f"{' '.join(loads + body + stores)} }} }}")
    return _source("fused_segments", code, params, ["#define SEGMENTS " + " ".join(blocks)])


def _source(template, code, params, defines):
    # the snippet helpers (TO_CT, mx_div, mx_mod, ...) come with elementwise.cl
    return "\n".join([type_defines(code), "#define PARAMS " + ", ".join(params)] + defines) \
        + "\n" + kernel_source("elementwise") + kernel_source(template)


def _element_code(code, nodes, leaf_layouts, n_scalars, out_layouts, ndim, narrow, grid2d,
                  prefix=""):
    """Kernel parameters and the statements of one element: its index (from the launch),
    input loads, one statement per node, output stores. ``prefix`` starts the name of every
    parameter (the segments of one kernel, see fused_segments_source)."""
    storage, compute = TYPES[code]
    half = code == 2
    params, loads, body, stores = ["const long n"], [], [], []
    index = "const long i = get_global_id(0); if (i >= n) return;"
    if ndim:
        it = "uint" if narrow else "long"
        last = ndim - 1
        if grid2d:
            index = f"const long i = (long)get_global_id(1) * {prefix}d{last} + (long)get_global_id(0);"
            loads.append(f"const {it} c{last} = ({it})get_global_id(0);")
            loads.append(f"{it} rest = ({it})get_global_id(1);")
            inner = range(1, last)
        else:
            loads.append(f"{it} rest = ({it})i;")
            inner = range(1, ndim)
        for j in reversed(inner):
            loads.append(f"const {it} c{j} = rest % ({it}){prefix}d{j}; rest /= ({it}){prefix}d{j};")
        if last > 0 or not grid2d:
            loads.append(f"const {it} c0 = rest;")      # i < n: what is left is < d0
    for k, lay in enumerate(leaf_layouts):
        params.append(f"__global const {storage}* {prefix}p{k}")
        base = "0"
        if lay.endswith("o"):
            params.append(f"const long {prefix}o{k}")
            base = f"{prefix}o{k}"
        if lay[0] == "c":
            idx = f"{base} + i"
        elif lay[0] == "s":
            idx = base
        else:
            params.extend(f"const long {prefix}s{k}_{j}" for j in range(ndim))
            idx = base + "".join(f" + c{j} * {prefix}s{k}_{j}" for j in range(ndim))
        load = f"vload_half({idx}, {prefix}p{k})" if half else f"(CT){prefix}p{k}[{idx}]"
        loads.append(f"const CT l{k} = {load};")
    params.extend(f"const CT {prefix}s{k}" for k in range(n_scalars))
    for j, node in enumerate(nodes):
        names = [_operand_name(t, prefix) for t in node[1:]]
        expr = _OPERAND.sub(lambda m: names[int(m.group(1))], node[0])
        body.append(f"const CT t{j} = (CT)({expr});")
    for j, has_offset in out_layouts:
        params.append(f"__global {storage}* {prefix}q{j}")
        idx = "i"
        if has_offset:
            params.append(f"const long {prefix}r{j}")
            idx = f"{prefix}r{j} + i"
        stores.append(f"vstore_half(t{j}, {idx}, {prefix}q{j});" if half else f"{prefix}q{j}[{idx}] = (T)t{j};")
    if ndim:
        params.extend(f"const long {prefix}d{j}" for j in range(ndim))
    return params, index, loads, body, stores
