"""``Symbol``: the recorded history of an array (``autograd.get_symbol``).

A Symbol is a small graph built from the tape: leaf inputs become arguments (``var<i>`` for
marked variables, ``null<i>`` for other arrays, as MXNet names them), each recorded op
becomes a node ``node_<j>``. It can list its arguments and outputs, print itself, export
MXNet's JSON graph layout, and ``eval`` the same computation on new inputs.
"""
import json

from mxgrad._ndarray import NDArrayBase
from mxgrad.base import MXNetError

# Elementwise op names as MXNet's graph calls them: array-array and array-scalar forms.
_ARRAY_OP = {
    "add": "broadcast_add", "subtract": "broadcast_sub", "multiply": "broadcast_mul",
    "divide": "broadcast_div", "power": "broadcast_power", "modulo": "broadcast_mod",
    "maximum": "broadcast_maximum", "minimum": "broadcast_minimum",
    "hypot": "broadcast_hypot", "equal": "broadcast_equal",
    "not_equal": "broadcast_not_equal", "greater": "broadcast_greater",
    "greater_equal": "broadcast_greater_equal", "lesser": "broadcast_lesser",
    "lesser_equal": "broadcast_lesser_equal", "logical_and": "broadcast_logical_and",
    "logical_or": "broadcast_logical_or", "logical_xor": "broadcast_logical_xor",
}
_SCALAR_OP = {
    "add": ("_plus_scalar", "_plus_scalar"), "subtract": ("_minus_scalar", "_rminus_scalar"),
    "multiply": ("_mul_scalar", "_mul_scalar"), "divide": ("_div_scalar", "_rdiv_scalar"),
    "power": ("_power_scalar", "_rpower_scalar"), "modulo": ("_mod_scalar", "_rmod_scalar"),
    "maximum": ("_maximum_scalar", "_maximum_scalar"),
    "minimum": ("_minimum_scalar", "_minimum_scalar"),
    "hypot": ("_hypot_scalar", "_hypot_scalar"), "equal": ("_equal_scalar", "_equal_scalar"),
    "not_equal": ("_not_equal_scalar", "_not_equal_scalar"),
    "greater": ("_greater_scalar", "_lesser_scalar"),
    "greater_equal": ("_greater_equal_scalar", "_lesser_equal_scalar"),
    "lesser": ("_lesser_scalar", "_greater_scalar"),
    "lesser_equal": ("_lesser_equal_scalar", "_greater_equal_scalar"),
}
# Ops recorded under another name than MXNet's graph gives them.
_RENAMED = {"identity": "_copy"}
_MXNET_VERSION = 10901


def _graph_name(node):
    """The op name and attrs as MXNet's graph would show them."""
    attrs = dict(node.attrs or {})
    inputs = node.inputs
    scalars = [i for i, x in enumerate(inputs) if not isinstance(x, NDArrayBase)]
    name = node.name
    if scalars and name in _SCALAR_OP and len(inputs) == 2:
        reverse = scalars[0] == 0
        attrs["scalar"] = repr(float(inputs[scalars[0]]))
        return _SCALAR_OP[name][1 if reverse else 0], attrs
    return _ARRAY_OP.get(name) or _RENAMED.get(name, name), attrs


class Symbol:
    """A recorded computation: arguments, op nodes and heads. Names are numbered within each
    graph (MXNet numbers them across the process).

    >>> x = mx.nd.array([1, 2])
    >>> x.attach_grad()
    >>> with mx.autograd.record():
    ...     y = mx.nd.relu(x * 3 - 4)
    >>> sym = mx.autograd.get_symbol(y)
    >>> print(sym)
    <Symbol node_2>
      var0: argument
      node_0 = _mul_scalar(var0, scalar=3.0)
      node_1 = _minus_scalar(node_0, scalar=4.0)
      node_2 = relu(node_1)
    """

    def __init__(self, nodes, arg_nodes, heads):
        self._nodes = nodes          # dicts: op, name, attrs, inputs [(node, out)], replay, consts
        self._arg_nodes = arg_nodes  # indices of argument nodes
        self._heads = heads          # [(node, out)]

    @property
    def name(self):
        """The name of the node computing the (first) output.

        >>> x = mx.nd.array([1, 2])
        >>> x.attach_grad()
        >>> with mx.autograd.record():
        ...     y = mx.nd.exp(x)
        >>> mx.autograd.get_symbol(y).name
        'node_0'
        """
        return self._nodes[self._heads[0][0]]["name"]

    def list_arguments(self):
        """Names of the inputs the graph needs, in graph order.

        >>> x, w = mx.nd.array([1, 2]), mx.nd.array([3, 4])
        >>> x.attach_grad()
        >>> with mx.autograd.record():
        ...     y = x * w
        >>> mx.autograd.get_symbol(y).list_arguments()     # w was not marked: a 'null' input
        ['var0', 'null1']
        """
        return [self._nodes[i]["name"] for i in self._arg_nodes]

    list_inputs = list_arguments

    def list_outputs(self):
        """Names of the outputs.

        >>> x = mx.nd.array([1, 2])
        >>> x.attach_grad()
        >>> with mx.autograd.record():
        ...     y = x * x
        >>> mx.autograd.get_symbol(y).list_outputs()
        ['node_0_output']
        """
        return [f"{self._nodes[n]['name']}_output" if self._nodes[n]["n_out"] == 1
                else f"{self._nodes[n]['name']}_output{k}" for n, k in self._heads]

    def __repr__(self):
        return f"<Symbol {self.name}>"

    def __str__(self):
        lines = [repr(self)]
        for i, n in enumerate(self._nodes):
            if n["op"] == "null":
                lines.append(f"  {n['name']}: argument")
                continue
            ins = ", ".join(self._nodes[j]["name"] + (f"[{k}]" if k else "")
                            for j, k in n["inputs"])
            attrs = "".join(f", {k}={v}" for k, v in (n["attrs"] or {}).items())
            lines.append(f"  {n['name']} = {n['op']}({ins}{attrs})")
        return "\n".join(lines)

    def tojson(self):
        """The graph in MXNet's JSON layout (nodes, arg_nodes, node_row_ptr, heads).

        >>> import json
        >>> x = mx.nd.array([1, 2])
        >>> x.attach_grad()
        >>> with mx.autograd.record():
        ...     y = mx.nd.sum(x * 2)
        >>> graph = json.loads(mx.autograd.get_symbol(y).tojson())
        >>> [(n['op'], n['name']) for n in graph['nodes']]
        [('null', 'var0'), ('_mul_scalar', 'node_0'), ('sum', 'node_1')]
        >>> graph['arg_nodes'], graph['heads']
        ([0], [[2, 0, 0]])
        """
        nodes, row_ptr = [], [0]
        for n in self._nodes:
            entry = {"op": n["op"], "name": n["name"]}
            if n["attrs"]:
                entry["attrs"] = {k: str(v) for k, v in n["attrs"].items()}
            entry["inputs"] = [[j, k, 0] for j, k in n["inputs"]]
            nodes.append(entry)
            row_ptr.append(row_ptr[-1] + n["n_out"])
        graph = {"nodes": nodes, "arg_nodes": list(self._arg_nodes), "node_row_ptr": row_ptr,
                 "heads": [[j, k, 0] for j, k in self._heads],
                 "attrs": {"mxnet_version": ["int", _MXNET_VERSION]}}
        return json.dumps(graph, indent=2)

    def eval(self, ctx=None, **kwargs):
        """Run the graph on the arrays given by argument name; returns a list of outputs.

        >>> x = mx.nd.array([1, 2])
        >>> x.attach_grad()
        >>> with mx.autograd.record():
        ...     y = x * x + 1
        >>> sym = mx.autograd.get_symbol(y)
        >>> sym.eval(var0=mx.nd.array([3, 4]))[0]     # x * x + 1 for x = [3, 4]
        <BLANKLINE>
        [10. 17.]
        <NDArray 2 @cpu(0)>
        """
        missing = [a for a in self.list_arguments() if a not in kwargs]
        if missing:
            raise MXNetError(f"eval: missing arguments {missing}; the graph needs "
                             f"{self.list_arguments()}")
        values = {}
        for i, n in enumerate(self._nodes):
            if n["op"] == "null":
                arr = kwargs[n["name"]]
                if ctx is not None:
                    arr = arr.as_in_context(ctx)
                values[i] = (arr,)
                continue
            if n["replay"] is None:
                raise MXNetError(f"eval: op {n['op']} cannot be replayed")
            args = [values[j][k] if j is not None else c
                    for (j, k), c in zip(n["all_inputs"], n["consts"])]
            out = n["replay"](*args)
            values[i] = tuple(out) if isinstance(out, (tuple, list)) else (out,)
        return [values[j][k] for j, k in self._heads]


def symbol_from_tape(heads):
    """Build the Symbol of the recorded history of an array (or a list of arrays)."""
    heads = [heads] if isinstance(heads, NDArrayBase) else list(heads)
    for h in heads:
        if not isinstance(h, NDArrayBase) or h._entry is None or h._entry[0].freed:
            raise MXNetError("get_symbol: the array is not part of a recorded computation "
                             "graph (compute it inside autograd.record() from a variable, "
                             "and before backward frees the graph)")
    # MXNet's layout: a depth-first post-order from the heads over every input, so each
    # argument appears just before the first op that reads it (iterative).
    nodes, index, arg_nodes = [], {}, []     # index: id(tape node or leaf array) -> position

    def is_leaf(x):
        return x._entry is None or x._entry[0].freed

    def add_leaf(x):
        prefix = "var" if x._grad_req is not None else "null"
        index[id(x)] = len(nodes)
        arg_nodes.append(len(nodes))
        nodes.append({"op": "null", "name": f"{prefix}{len(arg_nodes) - 1}", "attrs": None,
                      "inputs": [], "n_out": 1, "replay": None})

    def add_op(node):
        op, attrs = _graph_name(node)
        ins, all_inputs, consts = [], [], []
        for x in node.inputs:
            if isinstance(x, NDArrayBase):
                src = (index[id(x)], 0) if is_leaf(x) else (index[id(x._entry[0])], x._entry[1])
                ins.append(src)
                all_inputs.append(src)
                consts.append(None)
            else:
                all_inputs.append((None, None))
                consts.append(x)
        index[id(node)] = len(nodes)
        nodes.append({"op": op, "name": f"node_{len(nodes) - len(arg_nodes)}", "attrs": attrs,
                      "inputs": ins, "all_inputs": all_inputs, "consts": consts,
                      "n_out": node.n_out, "replay": node.replay})

    # (tape node, False): to expand; (tape node, True): its inputs are placed; (leaf, None)
    stack = [(h._entry[0], False) for h in reversed(heads)]
    while stack:
        item, state = stack.pop()
        if state is None:
            if id(item) not in index:
                add_leaf(item)
        elif state:
            add_op(item)
        elif id(item) not in index:
            stack.append((item, True))
            for x in reversed(item.inputs):
                if isinstance(x, NDArrayBase):
                    stack.append((x, None) if is_leaf(x) else (x._entry[0], False))
    head_refs = [(index[id(h._entry[0])], h._entry[1]) for h in heads]
    return Symbol(nodes, arg_nodes, head_refs)
