"""The examples and the main job on tiny settings: they run, the loss falls, seeds repeat."""
import os
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("sklearn", reason="the examples' extra dependencies are not installed")
pytest.importorskip("matplotlib", reason="the examples' extra dependencies are not installed")

import mxgrad as mx  # noqa: E402
from mxgrad.__main__ import _load_example  # noqa: E402

train_digits = _load_example("train_digits")


@pytest.mark.parametrize("model", ["mlp", "cnn"])
def test_train_digits_loss_falls_and_is_deterministic(tmp_path, model):
    argv = ["--model", model, "--epochs", "3", "--max-steps", "6", "--quiet",
            "--plot", str(tmp_path / "curves.png")]
    first = train_digits.main(argv)[model]
    assert first["loss"][-1] < first["loss"][0]
    assert first["test_acc"][-1] > 0.3
    assert os.path.getsize(tmp_path / "curves.png") > 1000
    again = train_digits.main(argv)[model]
    np.testing.assert_allclose(again["loss"], first["loss"], rtol=1e-6)


def test_main_train_and_check_commands(tmp_path):
    env = dict(os.environ)
    run = subprocess.run([sys.executable, "-m", "mxgrad", "train", "--model", "mlp",
                          "--epochs", "1", "--max-steps", "2", "--quiet", "--plot",
                          str(tmp_path / "c.png")], capture_output=True, text=True, env=env,
                         timeout=300)
    assert run.returncode == 0, run.stderr
    assert "mlp: test accuracy" in run.stdout and "curves written to" in run.stdout
    run = subprocess.run([sys.executable, "-m", "mxgrad", "check"], capture_output=True,
                         text=True, env=env, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "PASS (5/5)" in run.stdout


second_order = _load_example("second_order")


def test_second_order_example_penalty_falls_and_hvp_matches_differences():
    history, hv = second_order.main(steps=20)
    assert history[-1] < history[0]
    # H v against central differences of the gradient along v
    rng = np.random.RandomState(1)
    ctx = mx.current_context()
    params = [mx.nd.array(rng.normal(0, 0.5, s), ctx=ctx, dtype="float64")
              for s in [(16, 4), (16,), (1, 16), (1,)]]
    x = mx.nd.array(rng.normal(size=(8, 4)), ctx=ctx, dtype="float64")
    v = rng.normal(size=(16, 4))
    params[0].attach_grad()
    hv = second_order.hessian_vector_product(params, x, mx.nd.array(v, ctx=ctx, dtype="float64"),
                                             ctx).asnumpy()

    def grad_at(w):
        p = [mx.nd.array(w, ctx=ctx, dtype="float64")] + params[1:]
        p[0].attach_grad()
        with mx.autograd.record():
            loss = mx.nd.sum(second_order.critic(x, p) ** 2)
        loss.backward()
        return p[0].grad.asnumpy()

    w = params[0].asnumpy()
    eps = 1e-5
    expected = (grad_at(w + eps * v) - grad_at(w - eps * v)) / (2 * eps)
    np.testing.assert_allclose(hv, expected, rtol=1e-5, atol=1e-7)
