"""NDArray's fluent methods, as MXNet's NDArray has them: ``x.exp()`` is ``mx.nd.exp(x)``,
``x.clip(0, 1)`` is ``mx.nd.clip(x, 0, 1)``. Each method forwards to the function of the
same name with the array as its first argument, so the two never differ."""

# method name -> (the array of its example, the arguments after it); default: a vector
FLUENT = {name: None for name in (
    "abs", "arccos", "arcsin", "arcsinh", "arctan", "arctanh", "cbrt", "ceil", "cos", "cosh",
    "degrees", "exp", "expm1", "fix", "floor", "log", "log10", "log1p", "log2", "radians",
    "rcbrt", "reciprocal", "relu", "rint", "round", "rsqrt", "sigmoid", "sign", "sin", "sinh",
    "sqrt", "square", "tan", "tanh", "trunc", "zeros_like", "ones_like")}
FLUENT.update({
    "arccosh": ("mx.nd.array([1.5, 2.0])", ""),
    "clip": (None, "0, 0.3"),
    "softmax": ("mx.nd.array([[1, 2], [3, 5]])", "axis=1"),
    "log_softmax": ("mx.nd.array([[1, 2], [3, 5]])", "axis=1"),
    "one_hot": ("mx.nd.array([0, 2])", "3"),
    "pick": ("mx.nd.array([[1, 2], [3, 4]])", "mx.nd.array([1, 0])"),
    "take": ("mx.nd.array([[1, 2], [3, 4]])", "mx.nd.array([1])"),
    "sort": ("mx.nd.array([[3, 1], [0, 2]])", ""),
    "argsort": ("mx.nd.array([[3, 1], [0, 2]])", ""),
    "topk": ("mx.nd.array([[3, 1], [0, 2]])", "k=1"),
})
FLUENT.update({  # shape1
    "diag": ("mx.nd.array([[1, 2], [3, 4]])", ""),
    "pad": ("mx.nd.ones((1, 1, 2, 2))", "mode='edge', pad_width=(0, 0, 0, 0, 1, 1, 1, 1)"),
    "slice_like": ("mx.nd.array([[1, 2], [3, 4]])", "mx.nd.zeros((1, 2))"),
    "split_v2": ("mx.nd.array([[1, 2], [3, 4]])", "1"),
    "shape_array": ("mx.nd.zeros((2, 3))", ""),
    "size_array": ("mx.nd.zeros((2, 3))", ""),
    "depth_to_space": ("mx.nd.arange(8).reshape((1, 4, 1, 2))", "2"),
    "space_to_depth": ("mx.nd.arange(8).reshape((1, 1, 2, 4))", "2"),
})
FLUENT.update({  # mathopt
    "softmin": ("mx.nd.array([[1, 2], [3, 5]])", "axis=1"),
})
_DEFAULT_DATA = "mx.nd.array([0.25, 0.5])"


def _method(name, function):
    data, args = FLUENT[name] or (None, "")
    call_args = f", {args}" if args else ""

    def method(self, *args, **kwargs):
        return function(self, *args, **kwargs)

    method.__name__ = name
    method.__qualname__ = f"NDArray.{name}"
    method.__doc__ = (
        f"``x.{name}({args})`` is ``mx.nd.{name}(x{call_args})``.\n\n"
        f">>> x = {data or _DEFAULT_DATA}\n"
        f">>> bool((x.{name}({args}) == mx.nd.{name}(x{call_args})).asnumpy().all())\n"
        f"True\n")
    return method


def attach(cls, namespace):
    """Give ``cls`` the fluent methods it lacks, forwarding to ``namespace``'s functions."""
    for name in FLUENT:
        if not hasattr(cls, name):
            setattr(cls, name, _method(name, namespace[name]))
