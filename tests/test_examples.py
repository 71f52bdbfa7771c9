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


def _train(*args, **env_changes):
    """``python -m mxgrad train *args`` in a subprocess: (returncode, stdout + stderr)."""
    env = dict(os.environ, **env_changes)
    run = subprocess.run([sys.executable, "-m", "mxgrad", "train", *args], capture_output=True,
                         text=True, env=env, timeout=300)
    return run.returncode, run.stdout + run.stderr


@pytest.mark.parametrize("bad,message", [
    (["--ctx", "cpu(x)"], "argument --ctx: expected cpu(i) or gpu(i)"),
    (["--ctx", ":"], "argument --ctx: expected cpu(i) or gpu(i)"),
    (["--ctx", "gpu(99)"], "argument --ctx: gpu(99) does not exist"),
    (["--epochs", "0"], "argument --epochs: must be at least 1, got 0"),
    (["--batch-size", "0"], "argument --batch-size: must be at least 1, got 0"),
    (["--max-steps", "-1"], "argument --max-steps: must be at least 0, got -1"),
    (["--plot", "{tmp}/no-such-folder/c.png"], "argument --plot: folder {tmp}/no-such-folder does not exist"),
])
def test_train_refuses_bad_options_in_one_line_before_training(tmp_path, bad, message):
    bad = [a.format(tmp=tmp_path) for a in bad]
    rc, out = _train("--model", "mlp", "--epochs", "1", "--max-steps", "1", "--quiet",
                     "--plot", str(tmp_path / "c.png"), *bad)
    assert rc == 2
    assert out.strip().count("\n") == 0, out                    # one line, no traceback
    assert out.startswith("python -m mxgrad train: error: " + message.format(tmp=tmp_path)), out
    assert not os.path.exists(tmp_path / "c.png")


def test_train_with_an_unusable_default_device_is_one_line(tmp_path):
    rc, out = _train("--plot", str(tmp_path / "c.png"), MXGRAD_CTX=":")
    assert rc == 2 and out.strip().count("\n") == 0, out
    assert out.startswith("python -m mxgrad train: error: no usable default context: "
                          "not a device name"), out


def test_train_help_shows_each_options_help_and_default():
    rc, out = _train("--help")
    assert rc == 0
    assert out.startswith("usage: python -m mxgrad train ")
    text = " ".join(out.split())
    for action in train_digits.build_parser()._actions:
        if action.dest == "help":
            continue
        assert action.help and " ".join(action.help.split()) in text, action.dest
        if action.default is None:
            assert "default:" in action.help, action.dest   # says what happens instead
        else:
            assert f"{' '.join(action.help.split())} (default: {action.default})" in text


@pytest.mark.parametrize("epochs", [1, 3])
def test_plot_marks_each_epoch_and_ticks_whole_epochs(tmp_path, monkeypatch, epochs):
    import matplotlib.figure
    saved = []
    save = matplotlib.figure.Figure.savefig
    monkeypatch.setattr(matplotlib.figure.Figure, "savefig",
                        lambda fig, *a, **k: saved.append(fig) or save(fig, *a, **k))
    rng = np.random.RandomState(0)
    histories = {name: {"loss": list(rng.uniform(0.5, 2, epochs)),
                        "train_acc": list(rng.uniform(0, 1, epochs)),
                        "test_acc": list(rng.uniform(0, 1, epochs))} for name in ("mlp", "cnn")}
    train_digits.plot(histories, str(tmp_path / "c.png"))
    assert os.path.getsize(tmp_path / "c.png") > 1000
    (fig,) = saved
    for ax in fig.axes:
        lines = ax.get_lines()
        assert len(lines) in (2, 4)
        for line in lines:                 # a one-epoch run shows a point for each curve
            assert line.get_marker() not in (None, "", " ", "None")
            assert list(line.get_xdata()) == list(range(1, epochs + 1))
        lo, hi = ax.get_xlim()
        ticks = [t for t in ax.get_xticks() if lo <= t <= hi]
        assert ticks and all(float(t).is_integer() for t in ticks), ticks
