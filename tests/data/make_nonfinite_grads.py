"""Writes nonfinite_grads.json: MXNet 1.9.1's values and gradients of every activation and
unary elementwise op at NaN, +inf, -inf and 0 (and a few ordinary points), float32 and
float64, head gradient 1 (and 2 for the ops whose gradient MXNet gates on the head).

Run with MXNet 1.9.1's Python (mxgrad's tests only read the JSON):
    python tests/data/make_nonfinite_grads.py
oneDNN is switched off: MXNet's own kernels are the reference (in float32 its oneDNN build
gives other results at NaN for Activation relu, elu and leaky).
Numbers are stored as strings (repr of the float: 'nan', 'inf', '-inf', '-0.0', ...).
"""
import json
import os

os.environ["MXNET_MKLDNN_ENABLED"] = "0"
os.environ["MXNET_STORAGE_FALLBACK_LOG_VERBOSE"] = "0"
import mxnet as mx  # noqa: E402
import numpy as np  # noqa: E402

POINTS = [float("nan"), float("inf"), float("-inf"), 0.0, -0.0, 0.5, -2.0]

UNARY = ["negative", "abs", "exp", "log", "log2", "log10", "sqrt", "rsqrt", "cbrt", "rcbrt",
         "square", "sin", "cos", "tan", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh",
         "arcsinh", "arccosh", "arctanh", "degrees", "radians", "sigmoid", "relu", "softsign",
         "reciprocal", "log1p", "expm1", "identity", "erf", "floor", "ceil", "round", "rint",
         "fix", "trunc", "sign"]
# (case name, function of x, extra arrays needing gradients)
CASES = [(name, (lambda n: lambda x: getattr(mx.nd, n)(x))(name)) for name in UNARY]
CASES += [(f"Activation:{t}", (lambda t: lambda x: mx.nd.Activation(x, act_type=t))(t))
          for t in ("relu", "sigmoid", "tanh", "softrelu", "softsign")]
CASES += [(f"LeakyReLU:{t}", (lambda t: lambda x: mx.nd.LeakyReLU(x, act_type=t))(t))
          for t in ("leaky", "elu", "selu", "gelu")]
CASES += [("LeakyReLU:elu:slope=0.5", lambda x: mx.nd.LeakyReLU(x, act_type="elu", slope=0.5)),
          ("LeakyReLU:leaky:slope=0.1",
           lambda x: mx.nd.LeakyReLU(x, act_type="leaky", slope=0.1))]


def text(a):
    return [repr(float(v)) for v in np.asarray(a, dtype=np.float64).ravel()]


def run(fn, dtype, head):
    x = mx.nd.array(POINTS, dtype=dtype)
    x.attach_grad()
    with mx.autograd.record():
        y = fn(x)
    y.backward(mx.nd.full(x.shape, head, dtype=dtype))
    return {"y": text(y.asnumpy()), "grad": text(x.grad.asnumpy())}


def prelu(dtype):
    """prelu: the gradients of data and of gamma (one channel)."""
    x = mx.nd.array(POINTS, dtype=dtype).reshape((1, len(POINTS)))
    gamma = mx.nd.array([0.25], dtype=dtype)
    x.attach_grad()
    gamma.attach_grad()
    with mx.autograd.record():
        y = mx.nd.LeakyReLU(x, gamma=gamma, act_type="prelu")
    y.backward()
    return {"y": text(y.asnumpy()), "grad": text(x.grad.asnumpy()),
            "gamma_grad": text(gamma.grad.asnumpy())}


def main():
    out = {"mxnet": mx.__version__, "points": text(POINTS), "cases": {}}
    for dtype in ("float32", "float64"):
        cases = out["cases"].setdefault(dtype, {})
        for name, fn in CASES:
            cases[name] = {"head1": run(fn, dtype, 1.0), "head2": run(fn, dtype, 2.0)}
        cases["LeakyReLU:prelu"] = {"head1": prelu(dtype)}
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "nonfinite_grads.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
