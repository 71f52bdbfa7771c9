"""One adapter per peer: the same workloads written in each framework's own API.

mxgrad and MXNet 1.9.1 share one adapter (``MXNetAPI``): the code is identical, only the
module differs (``import mxgrad as mx`` or ``import mxnet as mx``), which is the point of
mxgrad. Every method returns a closure doing one unit of work; ``sync`` waits for all queued
work, and ends every timed loop.
"""
import os
import sys

import numpy as np

# mxgrad is benchmarked from the checkout holding this folder (built in place), installed or not.
CHECKOUT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

ALL_COMPUTE = {"tape-overhead", "small-mlp-step", "mid-mlp-step", "lstm-step", "cnn-step-32",
               "cnn-step-128", "cnn-gluon-step-32", "elementwise",
               "elementwise-fwd-bwd", "matmul", "sum", "start-warm", "start-cold"}


def mlp_loss(nd, weights, data, label):
    """The MLP workloads' loss in ``mx.nd`` (mxgrad's or MXNet's): dense layers with ReLU
    between them, then the mean of -log_softmax picked at the labels."""
    h = data
    layers = len(weights) // 2
    for i in range(layers):
        h = nd.dot(h, weights[2 * i]) + weights[2 * i + 1]
        if i < layers - 1:
            h = nd.relu(h)
    return -nd.mean(nd.pick(nd.log_softmax(h, axis=-1), label, axis=-1))


def cnn_loss(nd, weights, data, label):
    """The CNN workloads' loss in ``mx.nd``: two conv3x3+relu+maxpool blocks, a dense layer."""
    w1, b1, w2, b2, w3, b3 = weights
    h = nd.Convolution(data, w1, b1, kernel=(3, 3), pad=(1, 1), num_filter=w1.shape[0])
    h = nd.Pooling(nd.relu(h), kernel=(2, 2), stride=(2, 2), pool_type="max")
    h = nd.Convolution(h, w2, b2, kernel=(3, 3), pad=(1, 1), num_filter=w2.shape[0])
    h = nd.Pooling(nd.relu(h), kernel=(2, 2), stride=(2, 2), pool_type="max")
    h = nd.FullyConnected(h, w3, b3, num_hidden=w3.shape[0])
    return -nd.mean(nd.pick(nd.log_softmax(h, axis=-1), label, axis=-1))

class MXNetAPI:
    """mxgrad or MXNet through ``mx.nd`` and ``mx.autograd`` only."""

    workloads = ALL_COMPUTE

    def __init__(self, module):
        import importlib
        self.module = module
        self.mx = importlib.import_module(module)
        self.ctx = self.mx.current_context()

    def info(self):
        info = {"version": self.mx.__version__, "ctx": str(self.ctx)}
        device_info = getattr(self.ctx, "device_info", None)    # mxgrad: the OpenCL device
        if device_info is not None:
            info["device"] = device_info.name
            info["platform"] = device_info.platform_name
            info["compute_units"] = device_info.device.max_compute_units
        else:
            info["device"] = "host CPU (MXNet's own kernels)"
        info["fusion"] = os.environ.get("MXGRAD_FUSION", "default")
        return info

    def sync(self):
        self.mx.nd.waitall()

    def to_numpy(self, a):
        return a.asnumpy()

    def array(self, a):
        return self.mx.nd.array(a, ctx=self.ctx, dtype="float32")

    def tape(self, x0, ops, mul, add):
        mx, nd = self.mx, self.mx.nd
        x = self.array(x0)
        x.attach_grad()

        def step():
            with mx.autograd.record():
                y = x
                for op in ops:
                    if op == "mul":
                        y = y * mul
                    elif op == "add":
                        y = y + add
                    elif op == "tanh":
                        y = nd.tanh(y)
                    else:
                        y = nd.exp(y)
                total = nd.sum(y)
            total.backward()
            return x.grad.asnumpy()
        return step

    def _sgd_training(self, weights, lr, loss_of_step):
        """(step, loss of the last step, current weights) for a step recording
        ``loss_of_step()``, its backward and ``nd.sgd_update`` of each of ``weights``."""
        mx, nd = self.mx, self.mx.nd
        for w in weights:
            w.attach_grad()
        last = {}

        def step():
            with mx.autograd.record():
                loss = loss_of_step()
            loss.backward()
            for w in weights:
                nd.sgd_update(w, w.grad, lr=lr, out=w)
            last["loss"] = loss

        return (step, lambda: float(last["loss"].asscalar()),
                lambda: [w.asnumpy() for w in weights])

    def mlp(self, params, x, labels, lr):
        nd = self.mx.nd
        weights = [self.array(p) for p in params]
        data = self.array(x)
        label = self.array(labels.astype(np.float32))     # MXNet's pick takes float indices

        return self._sgd_training(weights, lr, lambda: mlp_loss(nd, weights, data, label))

    def lstm(self, params, x, head, lr):
        """One LSTM training step through the fused ``nd.RNN``: the four parameter arrays
        flattened into its one vector (weights, then biases)."""
        mx, nd = self.mx, self.mx.nd
        T, N, _ = x.shape
        H = params[1].shape[1]
        flat = self.array(np.concatenate([p.ravel() for p in params]))
        flat.attach_grad()
        data, heads = self.array(x), self.array(head)
        zeros = nd.zeros((1, N, H), ctx=self.ctx)
        last = {}

        def step():
            with mx.autograd.record():
                out = nd.RNN(data, flat, zeros, zeros, state_size=H, num_layers=1, mode="lstm")
                loss = nd.sum(out * heads) / (T * N)
            loss.backward()
            nd.sgd_update(flat, flat.grad, lr=lr, out=flat)
            last["loss"] = loss

        def current():
            values, at = flat.asnumpy(), 0
            for p in params:
                yield values[at:at + p.size].reshape(p.shape)
                at += p.size

        return step, lambda: float(last["loss"].asscalar()), lambda: list(current())

    def cnn(self, params, x, labels, lr):
        """The CNN step with ``nd.Convolution``/``Pooling``/``FullyConnected`` and SGD."""
        nd = self.mx.nd
        weights = [self.array(p) for p in params]
        data, label = self.array(x), self.array(labels.astype(np.float32))
        return self._sgd_training(weights, lr, lambda: cnn_loss(nd, weights, data, label))

    def cnn_gluon(self, params, x, labels, lr):
        """The same step as Gluon code: layers, ``SoftmaxCrossEntropyLoss``, a Trainer."""
        mx = self.mx
        nn = mx.gluon.nn
        net = nn.HybridSequential()
        net.add(nn.Conv2D(params[0].shape[0], 3, padding=1, activation="relu"),
                nn.MaxPool2D(2, 2),
                nn.Conv2D(params[2].shape[0], 3, padding=1, activation="relu"),
                nn.MaxPool2D(2, 2),
                nn.Dense(params[4].shape[0]))
        data, label = self.array(x), self.array(labels.astype(np.float32))
        net.initialize(ctx=self.ctx)
        net(data)                                       # shapes are inferred on first call
        net_params = list(net.collect_params().values())
        for p, value in zip(net_params, params):
            p.set_data(self.array(value))
        net.hybridize()
        loss_fn = mx.gluon.loss.SoftmaxCrossEntropyLoss()
        trainer = mx.gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": lr})
        batch = len(x)
        last = {}

        def step():
            with mx.autograd.record():
                loss = loss_fn(net(data), label)
            loss.backward()
            trainer.step(batch)
            last["loss"] = loss

        return (step, lambda: float(last["loss"].mean().asscalar()),
                lambda: [p.data().asnumpy() for p in net_params])

    def elementwise(self, x):
        xd = self.array(x)

        def f():
            y = xd * xd + 1
            # mxgrad fuses elementwise ops lazily and never computes an output that died
            # before the group ran; waiting here makes every call's output really written.
            y.wait_to_read()
            return y
        return f

    def elementwise_fwd_bwd(self, x):
        mx, nd = self.mx, self.mx.nd
        xd = self.array(x)
        xd.attach_grad()

        def f():
            with mx.autograd.record():
                total = nd.sum(xd * xd + 1)
            total.backward()
            return xd.grad
        return f

    def matmul(self, a, b):
        nd = self.mx.nd
        ad, bd = self.array(a), self.array(b)
        return lambda: nd.dot(ad, bd)

    def sum(self, x):
        nd = self.mx.nd
        xd = self.array(x)
        return lambda: nd.sum(xd).asscalar()

    def start_script(self):
        return (f"import json, sys\n"
                f"import {self.module} as mx\n"
                f"x = mx.nd.array([float(v) for v in sys.argv[1:]])\n"
                f"x.attach_grad()\n"
                f"with mx.autograd.record():\n"
                f"    y = mx.nd.tanh(x * x + 1)\n"
                f"y.backward()\n"
                f"print(json.dumps(x.grad.asnumpy().tolist()))\n")


class Torch:
    """PyTorch eager on the CPU (synchronous) or on CUDA (``sync`` waits for the stream)."""

    workloads = ALL_COMPUTE

    def __init__(self, device="cpu"):
        import torch
        self.torch = torch
        self.device = torch.device(device)
        self.cuda = self.device.type == "cuda"

    def info(self):
        t = self.torch
        if self.cuda:
            return {"version": t.__version__, "device": t.cuda.get_device_name(self.device)}
        return {"version": t.__version__, "device": "host CPU", "threads": t.get_num_threads()}

    def sync(self):
        if self.cuda:
            self.torch.cuda.synchronize(self.device)

    def to_numpy(self, a):
        return a.detach().cpu().numpy()

    def tensor(self, a, requires_grad=False):
        return self.torch.tensor(a, device=self.device, requires_grad=requires_grad)

    def tape(self, x0, ops, mul, add):
        torch = self.torch
        x = self.tensor(x0, requires_grad=True)

        def step():
            y = x
            for op in ops:
                if op == "mul":
                    y = y * mul
                elif op == "add":
                    y = y + add
                elif op == "tanh":
                    y = torch.tanh(y)
                else:
                    y = torch.exp(y)
            y.sum().backward()
            grad = x.grad.cpu().numpy().copy()
            x.grad = None
            return grad
        return step

    def _sgd_training(self, weights, lr, loss_of_step):
        """(step, loss of the last step, current weights) for a step computing
        ``loss_of_step()``, its backward and plain SGD on ``weights``."""
        torch = self.torch
        last = {}

        def step():
            loss = loss_of_step()
            loss.backward()
            with torch.no_grad():
                for w in weights:
                    w.sub_(w.grad, alpha=lr)
                    w.grad = None
            last["loss"] = loss

        return (step, lambda: float(last["loss"].item()),
                lambda: [w.detach().cpu().numpy().copy() for w in weights])

    def mlp(self, params, x, labels, lr):
        torch = self.torch
        weights = [self.tensor(p, requires_grad=True) for p in params]
        data, label = self.tensor(x), self.tensor(labels)
        layers = len(weights) // 2

        def loss():
            h = data
            for i in range(layers):
                h = h @ weights[2 * i] + weights[2 * i + 1]
                if i < layers - 1:
                    h = torch.relu(h)
            return torch.nn.functional.cross_entropy(h, label)

        return self._sgd_training(weights, lr, loss)

    def lstm(self, params, x, head, lr):
        torch = self.torch
        T, N, I = x.shape
        layer = torch.nn.LSTM(I, params[1].shape[1], num_layers=1).to(self.device)
        weights = [layer.weight_ih_l0, layer.weight_hh_l0, layer.bias_ih_l0, layer.bias_hh_l0]
        with torch.no_grad():
            for w, p in zip(weights, params):
                w.copy_(self.tensor(p))
        data, heads = self.tensor(x), self.tensor(head)
        return self._sgd_training(weights, lr,
                                  lambda: (layer(data)[0] * heads).sum() / (T * N))

    def cnn(self, params, x, labels, lr):
        F = self.torch.nn.functional
        weights = [self.tensor(p, requires_grad=True) for p in params]
        w1, b1, w2, b2, w3, b3 = weights
        data, label = self.tensor(x), self.tensor(labels)

        def loss():
            h = F.max_pool2d(F.relu(F.conv2d(data, w1, b1, padding=1)), 2)
            h = F.max_pool2d(F.relu(F.conv2d(h, w2, b2, padding=1)), 2)
            return F.cross_entropy(F.linear(h.flatten(1), w3, b3), label)

        return self._sgd_training(weights, lr, loss)

    def cnn_gluon(self, params, x, labels, lr):
        """PyTorch's own module API for the Gluon row: nn.Sequential and optim.SGD."""
        torch = self.torch
        nn = torch.nn
        net = nn.Sequential(nn.Conv2d(params[0].shape[1], params[0].shape[0], 3, padding=1),
                            nn.ReLU(), nn.MaxPool2d(2),
                            nn.Conv2d(params[2].shape[1], params[2].shape[0], 3, padding=1),
                            nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                            nn.Linear(params[4].shape[1], params[4].shape[0])).to(self.device)
        weights = list(net.parameters())
        with torch.no_grad():
            for w, p in zip(weights, params):
                w.copy_(self.tensor(p))
        data, label = self.tensor(x), self.tensor(labels)
        loss_fn = nn.CrossEntropyLoss()
        opt = torch.optim.SGD(weights, lr=lr)
        last = {}

        def step():
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(net(data), label)
            loss.backward()
            opt.step()
            last["loss"] = loss

        return (step, lambda: float(last["loss"].item()),
                lambda: [w.detach().cpu().numpy().copy() for w in weights])

    def elementwise(self, x):
        xd = self.tensor(x)
        return lambda: xd * xd + 1

    def elementwise_fwd_bwd(self, x):
        xd = self.tensor(x, requires_grad=True)

        def f():
            (xd * xd + 1).sum().backward()
            grad = xd.grad
            xd.grad = None
            return grad
        return f

    def matmul(self, a, b):
        ad, bd = self.tensor(a), self.tensor(b)
        return lambda: ad @ bd

    def sum(self, x):
        xd = self.tensor(x)
        return lambda: xd.sum().item()

    def start_script(self):
        return ("import json, sys\n"
                "import torch\n"
                f"x = torch.tensor([float(v) for v in sys.argv[1:]], device={str(self.device)!r},"
                " requires_grad=True)\n"
                "torch.tanh(x * x + 1).sum().backward()\n"
                "print(json.dumps(x.grad.cpu().tolist()))\n")


class NumPy:
    """Hand-written NumPy: a reference bar for the array workloads, not an autograd peer."""

    workloads = {"elementwise", "elementwise-fwd-bwd", "matmul", "sum"}

    def info(self):
        return {"version": np.__version__, "device": "host CPU"}

    def sync(self):
        pass

    def to_numpy(self, a):
        return a

    def elementwise(self, x):
        return lambda: x * x + 1

    def elementwise_fwd_bwd(self, x):
        def f():
            (x * x + 1).sum()
            return 2 * x            # the gradient, by hand
        return f

    def matmul(self, a, b):
        return lambda: a @ b

    def sum(self, x):
        return lambda: float(x.sum())


COPY4_SOURCE = """
__kernel void copy4(__global const float4 *src, __global float4 *dst, long n) {
    long i = get_global_id(0);
    if (i < n) dst[i] = src[i];
}
"""


class OpenCLCopy:
    """The memory-bandwidth limit: a float4 copy kernel via pyopencl on mxgrad's device."""

    workloads = {"copy-limit"}

    def __init__(self):
        import pyopencl as cl
        import mxgrad as mx
        self.cl = cl
        self.device_info = mx.current_context().device_info     # the device mxgrad uses
        self.context = cl.Context([self.device_info.device])
        self.queue = cl.CommandQueue(self.context)
        kernel = cl.Program(self.context, COPY4_SOURCE).build().copy4
        kernel.set_scalar_arg_dtypes([None, None, np.int64])
        self.kernel = kernel

    def info(self):
        return {"version": self.cl.VERSION_TEXT, "device": self.device_info.name,
                "platform": self.device_info.platform_name}

    def sync(self):
        self.queue.finish()

    def copy_kernel(self, x):
        cl, q = self.cl, self.queue
        flags = cl.mem_flags
        src = cl.Buffer(self.context, flags.READ_ONLY | flags.COPY_HOST_PTR, hostbuf=x)
        dst = cl.Buffer(self.context, flags.READ_WRITE, x.nbytes)
        n4 = x.size // 4
        self.kernel.set_args(src, dst, n4)

        def f():
            # The closure holds ``src``: set_args does not, and PoCL aborts when a buffer
            # a queued kernel uses is released.
            cl.enqueue_nd_range_kernel(q, self.kernel, (n4,), None)
            return src

        def result():
            out = np.empty_like(x)
            cl.enqueue_copy(q, out, dst)
            return out
        return f, result


def use_checkout():
    """Import mxgrad from this checkout, here and in the processes the start workloads launch."""
    sys.path.insert(0, CHECKOUT)
    os.environ["PYTHONPATH"] = os.pathsep.join(
        p for p in (CHECKOUT, os.environ.get("PYTHONPATH")) if p)


def make(peer):
    """The adapter for a peer name, in the interpreter it runs in."""
    if peer in ("mxgrad", "opencl"):
        use_checkout()
    if peer == "mxgrad":
        return MXNetAPI("mxgrad")
    if peer == "mxnet":
        return MXNetAPI("mxnet")
    if peer == "torch":
        return Torch()
    if peer == "torch-cuda":
        return Torch("cuda")
    if peer == "numpy":
        return NumPy()
    if peer == "opencl":
        return OpenCLCopy()
    raise ValueError(f"unknown peer {peer!r}")
