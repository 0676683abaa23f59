"""Text classifier training speed: seconds per epoch of

    Embedding(10000, 64, mask_zero=True) -> LSTM(64) (or GRU(64)) -> Dense(1, sigmoid),
    Adam, binary cross-entropy, batch 64, sequences of 100 token ids (25000 reviews per
    epoch, the IMDB tutorial's size; the last 0-30 ids of each sequence are padding)

for ndflow and, when they are installed, TensorFlow (Keras) and PyTorch, in the same run,
their passes taking turns as in ``bench_cnn.py`` (best and median pass, and the
pass-by-pass ratio).  PyTorch runs the same model with ``nn.LSTM``/``nn.GRU`` on packed
sequences (its equivalent of the mask).

    python benchmarks/bench_text.py [--rnn lstm|gru] [--steps 20] [--repeat 5]
"""
import argparse
import math
import os
import sys

from bench_cnn import ROOT, bench_frameworks, print_times

VOCAB, LENGTH, BATCH, UNITS = 10000, 100, 64, 64
STEPS_PER_EPOCH = math.ceil(25000 / BATCH)


def data(n, seed=0):
    import numpy as np
    rng = np.random.default_rng(seed)
    x = rng.integers(1, VOCAB, (n, LENGTH))
    lengths = LENGTH - rng.integers(0, 31, n)
    x[np.arange(LENGTH)[None, :] >= lengths[:, None]] = 0
    y = rng.integers(0, 2, n).astype("float32")
    return x.astype("int32"), y, lengths


def keras_epoch(keras, rnn, steps):
    L = keras.layers
    x, y, _ = data(BATCH * steps)
    cell = L.LSTM if rnn == "lstm" else L.GRU
    model = keras.Sequential([keras.Input((LENGTH,), dtype="int32"),
                              L.Embedding(VOCAB, 64, mask_zero=True), cell(UNITS),
                              L.Dense(1, activation="sigmoid")])
    model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    model.fit(x[:2 * BATCH], y[:2 * BATCH], batch_size=BATCH, epochs=1, verbose=0)
    return lambda: model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0, shuffle=False)


def ndflow_epoch(rnn, steps):
    sys.path.insert(0, ROOT)
    from ndflow import keras
    keras.utils.set_random_seed(0)
    return keras_epoch(keras, rnn, steps)


def tensorflow_epoch(rnn, steps):
    try:
        import tensorflow as tf
    except ImportError:
        return None
    return keras_epoch(tf.keras, rnn, steps)


def torch_epoch(rnn, steps):
    try:
        import torch
        from torch import nn
    except ImportError:
        return None
    torch.manual_seed(0)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(VOCAB, 64, padding_idx=0)
            self.rnn = (nn.LSTM if rnn == "lstm" else nn.GRU)(64, UNITS, batch_first=True)
            self.out = nn.Linear(UNITS, 1)

        def forward(self, x, lengths):
            packed = nn.utils.rnn.pack_padded_sequence(self.emb(x), lengths, batch_first=True,
                                                       enforce_sorted=False)
            _, h = self.rnn(packed)
            h = h[0] if rnn == "lstm" else h
            return self.out(h[-1]).squeeze(1)

    model = Net()
    opt = torch.optim.Adam(model.parameters(), 1e-3)
    loss_fn = nn.BCEWithLogitsLoss()
    x, y, lengths = data(BATCH * steps)
    xt, yt, lt = torch.from_numpy(x.astype("int64")), torch.from_numpy(y), torch.from_numpy(lengths)

    def epoch():
        for i in range(steps):
            s = slice(i * BATCH, (i + 1) * BATCH)
            opt.zero_grad()
            loss = loss_fn(model(xt[s], lt[s]), yt[s])
            loss.backward()
            opt.step()
    epoch()
    return epoch


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rnn", choices=("lstm", "gru"), default="lstm")
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--repeat", type=int, default=5)
    args = p.parse_args()
    print("%s text classifier, batch %d, %d tokens, %d timed steps per pass, %d passes each; "
          "epoch = %d steps; load average %.2f %.2f %.2f"
          % ((args.rnn.upper(), BATCH, LENGTH, args.steps, args.repeat, STEPS_PER_EPOCH) +
             os.getloadavg()))
    print("| framework | s/step best | s/step median | s/epoch (best) |")
    print("| --- | --- | --- | --- |")
    frameworks = [(name, lambda steps, make=make: make(args.rnn, steps)) for name, make in
                  (("ndflow", ndflow_epoch), ("TensorFlow", tensorflow_epoch),
                   ("PyTorch", torch_epoch))]
    times = bench_frameworks(args.steps, args.repeat, frameworks)
    print_times(times, STEPS_PER_EPOCH, ("TensorFlow", "PyTorch"))


if __name__ == "__main__":
    main()
