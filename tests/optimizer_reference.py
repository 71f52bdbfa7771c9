"""NumPy forms of MXNet 1.9.1's optimizer update ops (checked against MXNet 1.9.1 itself, step
by step, before being used as the expected values of tests/test_ops_optimizer_extra.py).

Each function takes and returns NumPy arrays: (new weight, *new states)."""
import numpy as np


# rmsprop, rmspropalex and ftml clip after adding weight decay; the others before
def prepared(g, rescale_grad, clip_gradient):
    g = g * rescale_grad
    return np.clip(g, -clip_gradient, clip_gradient) if clip_gradient >= 0 else g


def nag_mom(w, g, mom, lr, momentum=0.0, wd=0.0, rescale_grad=1.0, clip_gradient=-1.0):
    g = prepared(g, rescale_grad, clip_gradient) + wd * w
    mom = momentum * mom - lr * g
    return w + momentum * mom - lr * g, mom


def rmsprop(w, g, n, lr, gamma1=0.95, epsilon=1e-8, wd=0.0, rescale_grad=1.0,
            clip_gradient=-1.0, clip_weights=-1.0):
    g = prepared(g * rescale_grad + wd * w, 1.0, clip_gradient)
    n = (1 - gamma1) * g * g + gamma1 * n
    w = w - lr * g / np.sqrt(n + epsilon)
    if clip_weights >= 0:
        w = np.clip(w, -clip_weights, clip_weights)
    return w, n


def rmspropalex(w, g, n, gs, delta, lr, gamma1=0.95, gamma2=0.9, epsilon=1e-8, wd=0.0,
                rescale_grad=1.0, clip_gradient=-1.0, clip_weights=-1.0):
    g = prepared(g * rescale_grad + wd * w, 1.0, clip_gradient)
    n = (1 - gamma1) * g * g + gamma1 * n
    gs = (1 - gamma1) * g + gamma1 * gs
    delta = gamma2 * delta - lr * g / np.sqrt(n - gs * gs + epsilon)
    w = w + delta
    if clip_weights >= 0:
        w = np.clip(w, -clip_weights, clip_weights)
    return w, n, gs, delta


def signsgd(w, g, lr, wd=0.0, rescale_grad=1.0, clip_gradient=-1.0):
    g = prepared(g, rescale_grad, clip_gradient)
    return (1 - lr * wd) * w - lr * np.sign(g),


def signum(w, g, mom, lr, momentum=0.0, wd=0.0, rescale_grad=1.0, clip_gradient=-1.0,
           wd_lh=0.0):
    g = prepared(g, rescale_grad, clip_gradient) + wd * w
    mom = momentum * mom - (1 - momentum) * g
    return (1 - lr * wd_lh) * w + lr * np.sign(mom), mom


def ftml(w, g, d, v, z, lr, t, beta1=0.6, beta2=0.999, epsilon=1e-8, wd=0.0,
         rescale_grad=1.0, clip_grad=-1.0):
    g = prepared(g * rescale_grad + wd * w, 1.0, clip_grad)
    v = beta2 * v + (1 - beta2) * g * g
    d_t = (1 - beta1 ** t) / lr * (np.sqrt(v / (1 - beta2 ** t)) + epsilon)
    z = beta1 * z + (1 - beta1) * g - (d_t - beta1 * d) * w
    return -z / d_t, d_t, v, z


def ftrl(w, g, z, n, lr, lamda1=0.01, beta=1.0, wd=0.0, rescale_grad=1.0, clip_gradient=-1.0):
    g = prepared(g, rescale_grad, clip_gradient)
    z = z + g - (np.sqrt(n + g * g) - np.sqrt(n)) * w / lr
    n = n + g * g
    w = (np.sign(z) * lamda1 - z) / ((beta + np.sqrt(n)) / lr + wd) * (np.abs(z) > lamda1)
    return w, z, n


def sgd(w, g, lr, wd=0.0, rescale_grad=1.0, clip_gradient=-1.0):
    return w - lr * (prepared(g, rescale_grad, clip_gradient) + wd * w),


def sgd_mom(w, g, mom, lr, momentum=0.0, wd=0.0, rescale_grad=1.0, clip_gradient=-1.0):
    mom = momentum * mom - lr * (prepared(g, rescale_grad, clip_gradient) + wd * w)
    return w + mom, mom


def lamb_phase1(w, g, mean, var, t, wd, beta1=0.9, beta2=0.999, epsilon=1e-6,
                bias_correction=True, rescale_grad=1.0, clip_gradient=-1.0):
    g = prepared(g, rescale_grad, clip_gradient)
    mean = beta1 * mean + (1 - beta1) * g
    var = beta2 * var + (1 - beta2) * g * g
    m, v = mean, var
    if bias_correction:
        m, v = mean / (1 - beta1 ** t), var / (1 - beta2 ** t)
    return m / (np.sqrt(v) + epsilon) + wd * w, mean, var


def lamb_phase2(w, g, r1, r2, lr, lower_bound=-1.0, upper_bound=-1.0):
    r1 = float(r1)
    if lower_bound >= 0:
        r1 = max(r1, lower_bound)
    if upper_bound >= 0:
        r1 = min(r1, upper_bound)
    ratio = 1.0 if r1 == 0 or float(r2) == 0 else r1 / float(r2)
    return w - lr * ratio * g,


def multi_lars(lrs, wss, gss, wds, eta, eps, rescale_grad=1.0):
    wn, gn = np.sqrt(wss), np.sqrt(gss) * rescale_grad
    ok = (wn > 0) & (gn > 0)
    safe = np.where(ok, wn / np.where(ok, gn + wds * wn + eps, 1), 1)
    return np.where(ok, lrs * eta * safe, lrs),
