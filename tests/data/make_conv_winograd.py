"""Write tests/data/conv_winograd_mxnet.npz: MXNet 1.9.1's outputs and gradients for the
3x3 stride-1 padding-1 layers that mxgrad runs by Winograd's F(2x2, 3x3) on CPU devices
(tests/test_conv_winograd.py: a Convolution whose three products all take it, a
Deconvolution whose forward pass does).

Run with MXNet's interpreter from the repository root:
    /tmp/mxref/bin/python tests/data/make_conv_winograd.py
The inputs come from ``cases`` below (NumPy's legacy RandomState, the same draws on both
sides), which the test imports too with ``mx`` being mxgrad.
"""
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def cases(mx):
    """name -> (the layer's output and the gradients of sum(output * head) with respect to
    its data, weight and bias)."""
    nd = mx.nd
    rng = np.random.RandomState(5)
    results = {}
    layers = {
        # 4 images of 8x16 (128 tiles), 16 -> 16 channels: forward, data and weight gradient
        "conv": ((4, 16, 8, 16), (16, 16, 3, 3), 16,
                 lambda x, w, b: nd.Convolution(x, w, b, kernel=(3, 3), pad=(1, 1),
                                                num_filter=16)),
        # 8 -> 8 channels: the forward pass (the data-gradient product)
        "deconv": ((4, 8, 8, 16), (8, 8, 3, 3), 8,
                   lambda x, w, b: nd.Deconvolution(x, w, b, kernel=(3, 3), pad=(1, 1),
                                                    num_filter=8, no_bias=False)),
    }
    for name, (xs, ws, F, layer) in layers.items():
        arrs = [nd.array(rng.randn(*s).astype(np.float32)) for s in (xs, ws, (F,))]
        for a in arrs:
            a.attach_grad()
        with mx.autograd.record():
            y = layer(*arrs)
        y.backward(nd.array(rng.randn(*y.shape).astype(np.float32)))
        results[name] = [y.asnumpy()] + [a.grad.asnumpy() for a in arrs]
    return results


if __name__ == "__main__":
    import mxnet
    arrays = {f"{name}_{i}": v for name, vs in cases(mxnet).items() for i, v in enumerate(vs)}
    np.savez_compressed(os.path.join(HERE, "conv_winograd_mxnet.npz"), **arrays)
