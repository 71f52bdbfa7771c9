"""The Gluon book's programs in examples/ run unchanged and reach the book's results; the
digits job trains with ``--api gluon``."""
import os
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("sklearn", reason="the examples' extra dependencies are not installed")
pytest.importorskip("matplotlib", reason="the examples' extra dependencies are not installed")

from mxgrad.__main__ import _load_example  # noqa: E402


def _quiet(*_):
    pass


def test_linear_regression_recovers_the_true_weights():
    result = _load_example("gluon_linear_regression").main([], log=_quiet)
    assert result["loss"][-1] < 1e-4                      # the book: about 5e-5
    np.testing.assert_allclose(result["weight"].ravel(), [2, -3.4], atol=5e-3)
    np.testing.assert_allclose(result["bias"], [4.2], atol=5e-3)


@pytest.mark.parametrize("name,accuracy", [("gluon_softmax_regression", 0.7),
                                           ("gluon_mlp", 0.7), ("gluon_cnn", 0.7)])
def test_digit_classifiers_learn(name, accuracy):
    history = _load_example(name).main(["--epochs", "4"], log=_quiet)
    assert history["loss"][-1] < history["loss"][0]
    assert history["test_acc"][-1] > accuracy


def test_cnn_reaches_the_book_accuracy_and_repeats_with_its_seed():
    cnn = _load_example("gluon_cnn")
    first = cnn.main([], log=_quiet)
    assert first["test_acc"][-1] >= 0.97
    again = cnn.main(["--epochs", "2", "--max-batches", "3"], log=_quiet)
    once_more = cnn.main(["--epochs", "2", "--max-batches", "3"], log=_quiet)
    np.testing.assert_allclose(again["loss"], once_more["loss"], rtol=1e-5)


def test_lstm_language_model_perplexity_falls_and_it_writes_text():
    lm = _load_example("gluon_lstm_lm")
    corpus, vocab = lm.load_corpus()
    history = lm.main(["--epochs", "25"], log=_quiet)
    perplexity = history["perplexity"]
    assert perplexity[0] > 0.5 * len(vocab)               # starts near uniform guessing
    assert perplexity[-1] < 8                             # MXNet 1.9.1: 6.3 after 25 epochs
    assert history["sample"].startswith("the river ")
    assert len(history["sample"]) == len("the river ") + 60
    assert set(history["sample"]) <= set(vocab)


def test_main_train_with_the_gluon_api(tmp_path):
    run = subprocess.run([sys.executable, "-m", "mxgrad", "train", "--api", "gluon",
                          "--epochs", "2", "--max-steps", "4", "--quiet", "--plot",
                          str(tmp_path / "c.png")], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "mlp: test accuracy" in run.stdout and "cnn: test accuracy" in run.stdout


def test_train_digits_gluon_matches_its_nd_twin_in_quality(tmp_path):
    train_digits = _load_example("train_digits")
    argv = ["--model", "cnn", "--epochs", "6", "--quiet", "--plot", str(tmp_path / "c.png")]
    gluon = train_digits.main(argv + ["--api", "gluon"])["cnn"]
    nd = train_digits.main(argv + ["--api", "nd"])["cnn"]
    assert gluon["loss"][-1] < gluon["loss"][0]
    assert gluon["test_acc"][-1] > 0.93 and nd["test_acc"][-1] > 0.93
    again = train_digits.main(argv[:2] + ["--epochs", "1", "--max-steps", "5", "--quiet",
                                          "--plot", str(tmp_path / "c.png"), "--api", "gluon"])
    twice = train_digits.main(argv[:2] + ["--epochs", "1", "--max-steps", "5", "--quiet",
                                          "--plot", str(tmp_path / "c.png"), "--api", "gluon"])
    np.testing.assert_allclose(again["cnn"]["loss"], twice["cnn"]["loss"], rtol=1e-5)
