"""A character-level LSTM language model in Gluon, as in the book's concise RNN chapter.

    python examples/gluon_lstm_lm.py

Reads the short story bundled beside this file (``data/river_town.txt``, written for this
project), trains ``rnn.LSTM`` + ``nn.Dense`` on consecutive 35-character windows with the
hidden state carried across batches (detached), gradient clipping by global norm and SGD
through a ``Trainer``, then writes text from a prefix. Perplexity falls from about the
vocabulary size (~30) to about 2 in 60 epochs.
"""
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402

import mxgrad as mx  # noqa: E402
from mxgrad import autograd, gluon, init, nd  # noqa: E402
from mxgrad.gluon import nn, rnn  # noqa: E402

from examples_common import parse_args  # noqa: E402

CORPUS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "river_town.txt")


def load_corpus(path=CORPUS):
    """(indices of every character, the vocabulary as a list of characters)."""
    with open(path, encoding="utf-8") as f:
        text = " ".join(f.read().split())
    vocab = sorted(set(text))
    index = {c: i for i, c in enumerate(vocab)}
    return np.array([index[c] for c in text], dtype=np.float32), vocab


def consecutive_batches(corpus, batch_size, num_steps):
    """(X, Y) pairs whose rows continue the previous batch's rows (state carries over)."""
    rows = len(corpus) // batch_size
    data = corpus[:rows * batch_size].reshape(batch_size, rows)
    for start in range(0, rows - 1 - num_steps + 1, num_steps):
        yield (nd.array(data[:, start:start + num_steps]),
               nd.array(data[:, start + 1:start + 1 + num_steps]))


class RNNModel(gluon.Block):
    """Embedding by one-hot, an LSTM layer, and a dense layer over its outputs."""

    def __init__(self, vocab_size, num_hiddens, **kwargs):
        super().__init__(**kwargs)
        self.vocab_size = vocab_size
        with self.name_scope():
            self.rnn = rnn.LSTM(num_hiddens)
            self.dense = nn.Dense(vocab_size)

    def forward(self, inputs, state):
        X = nd.one_hot(inputs.T, self.vocab_size)           # (time, batch, vocab)
        Y, state = self.rnn(X, state)
        return self.dense(Y.reshape((-1, Y.shape[-1]))), state

    def begin_state(self, *args, **kwargs):
        return self.rnn.begin_state(*args, **kwargs)


def predict(prefix, num_chars, model, vocab):
    """``prefix`` followed by ``num_chars`` characters, each the model's most likely next."""
    index = {c: i for i, c in enumerate(vocab)}
    state = model.begin_state(batch_size=1)
    output = [index[prefix[0]]]
    for t in range(num_chars + len(prefix) - 1):
        X = nd.array([output[-1]]).reshape((1, 1))
        Y, state = model(X, state)
        output.append(index[prefix[t + 1]] if t < len(prefix) - 1 else int(Y.argmax(axis=1).asscalar()))
    return "".join(vocab[i] for i in output)


def main(argv=None, log=print):
    """Train; returns per-epoch perplexity and a sample of generated text."""
    args = parse_args(__doc__.splitlines()[0], argv, epochs=60, batch_size=16, lr=1.0)
    corpus, vocab = load_corpus()
    num_steps, clipping_theta = 35, 1.0
    model = RNNModel(len(vocab), num_hiddens=128)
    model.initialize(init.Normal(sigma=0.01))
    trainer = gluon.Trainer(model.collect_params(), "sgd",
                            {"learning_rate": args.lr, "momentum": 0.9, "wd": 0})
    loss = gluon.loss.SoftmaxCrossEntropyLoss()
    history = {"perplexity": []}
    for epoch in range(args.epochs):
        state = model.begin_state(batch_size=args.batch_size)
        total, count = 0.0, 0
        for step, (X, Y) in enumerate(consecutive_batches(corpus, args.batch_size, num_steps)):
            if args.max_batches and step >= args.max_batches:
                break
            state = [s.detach() for s in state]
            with autograd.record():
                output, state = model(X, state)
                l = loss(output, Y.T.reshape((-1,))).mean()
            l.backward()
            grads = [p.grad() for p in model.collect_params().values()]
            gluon.utils.clip_global_norm(grads, clipping_theta)
            trainer.step(1)
            total += l.asscalar() * Y.size
            count += Y.size
        history["perplexity"].append(math.exp(total / count))
        log(f"epoch {epoch + 1}: perplexity {history['perplexity'][-1]:.2f}")
    history["sample"] = predict("the river ", 60, model, vocab)
    log(history["sample"])
    return history


if __name__ == "__main__":
    main()
