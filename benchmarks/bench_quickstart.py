"""Quickstart training benchmark: ndflow vs TensorFlow vs PyTorch on Fashion-MNIST.

    python benchmarks/bench_quickstart.py [--epochs 3] [--frameworks ndflow,tensorflow,torch]

The model of the TensorFlow quickstart: Flatten -> Dense(128, relu) -> Dropout(0.2) ->
Dense(10) (logits), Adam(1e-3), sparse categorical cross-entropy from logits, batch 32,
60000 images = 1875 steps per epoch, verbose=0 on every side.  Measured per framework, each
in its own process:

* ``fit`` seconds per epoch (wall and process CPU time; best and median over the epochs
  after the first, which includes warm-up) and the test accuracy reached;
* the eager ``GradientTape`` loop of the first seed document (one epoch, batch 32; for
  PyTorch the plain training loop);
* ``predict(x)`` against ``model(x)`` on one batch of 32 images.

TensorFlow and PyTorch are measured only when installed (``make bench`` installs them in
its own environment); otherwise their rows say so.  Prints a Markdown table.
"""
import argparse
import gzip
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def load_data(limit=None):
    directory = os.environ.get("FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist")

    def read(name, offset, shape):
        with gzip.open(os.path.join(directory, name), "rb") as f:
            return np.frombuffer(f.read(), np.uint8, offset=offset).reshape(shape)

    xtr = read("train-images-idx3-ubyte.gz", 16, (-1, 28, 28)).astype("float32") / 255.0
    ytr = read("train-labels-idx1-ubyte.gz", 8, (-1,)).astype("int64")
    xte = read("t10k-images-idx3-ubyte.gz", 16, (-1, 28, 28)).astype("float32") / 255.0
    yte = read("t10k-labels-idx1-ubyte.gz", 8, (-1,)).astype("int64")
    if limit:
        xtr, ytr = xtr[:limit], ytr[:limit]
    return xtr, ytr, xte, yte


def _timeit(fn, repeat=200):
    fn()
    best = float("inf")
    for _ in range(5):
        t = time.perf_counter()
        for _ in range(repeat):
            fn()
        best = min(best, (time.perf_counter() - t) / repeat)
    return best


# ---- Keras-API frameworks (ndflow, TensorFlow) ---------------------------------------------

def bench_keras(tf, epochs, limit):
    xtr, ytr, xte, yte = load_data(limit)
    tf.keras.utils.set_random_seed(0)

    def make():
        return tf.keras.models.Sequential([
            tf.keras.layers.Flatten(input_shape=(28, 28)),
            tf.keras.layers.Dense(128, activation="relu"),
            tf.keras.layers.Dropout(0.2),
            tf.keras.layers.Dense(10)])

    loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    model = make()
    model.compile(optimizer="adam", loss=loss_fn, metrics=["accuracy"])
    walls, cpus = [], []
    for _ in range(epochs):
        w, c = time.perf_counter(), time.process_time()
        model.fit(xtr, ytr, epochs=1, batch_size=32, verbose=0)
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    _, acc = model.evaluate(xte, yte, verbose=0)

    # the eager GradientTape loop of seed 000, on the same model
    model2 = make()
    model2(xtr[:1])
    opt = tf.keras.optimizers.Adam()

    def train_step(inputs, labels):
        with tf.GradientTape() as tape:
            loss = loss_fn(labels, model2(inputs, training=True))
        grads = tape.gradient(loss, model2.trainable_variables)
        opt.apply_gradients(zip(grads, model2.trainable_variables))

    order = np.random.default_rng(0).permutation(len(xtr))
    steps = len(xtr) // 32
    w, c = time.perf_counter(), time.process_time()
    for s in range(steps):
        idx = order[s * 32:(s + 1) * 32]
        train_step(xtr[idx], ytr[idx])
    eager_wall = time.perf_counter() - w
    eager_cpu = time.process_time() - c
    eager_acc = float(np.mean(np.argmax(np.asarray(model2(xte)), 1) == yte))

    batch = xte[:32]
    t_call = _timeit(lambda: model(batch))
    t_predict = _timeit(lambda: model.predict(batch, verbose=0), repeat=50)
    return {"epoch_wall": walls, "epoch_cpu": cpus, "test_acc": float(acc),
            "eager_wall": eager_wall, "eager_cpu": eager_cpu, "eager_acc": eager_acc,
            "eager_steps": steps, "call_s": t_call, "predict_s": t_predict}


# ---- PyTorch ---------------------------------------------------------------------------------

def bench_torch(epochs, limit):
    import torch
    from torch import nn
    torch.manual_seed(0)
    xtr, ytr, xte, yte = load_data(limit)
    model = nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Dropout(0.2),
                          nn.Linear(128, 10))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    loss_fn = nn.CrossEntropyLoss()
    X, Y = torch.from_numpy(xtr), torch.from_numpy(ytr)
    walls, cpus = [], []
    for _ in range(epochs):
        model.train()
        perm = torch.randperm(len(X))
        w, c = time.perf_counter(), time.process_time()
        for s in range(0, len(X), 32):
            idx = perm[s:s + 32]
            opt.zero_grad()
            loss = loss_fn(model(X[idx]), Y[idx])
            loss.backward()
            opt.step()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    model.eval()
    with torch.no_grad():
        acc = float((model(torch.from_numpy(xte)).argmax(1).numpy() == yte).mean())
        batch = torch.from_numpy(xte[:32])
        t_call = _timeit(lambda: model(batch))
    return {"epoch_wall": walls, "epoch_cpu": cpus, "test_acc": acc, "eager_wall": None,
            "call_s": t_call, "predict_s": t_call}


def run_one(framework, epochs, limit):
    if framework == "ndflow":
        sys.path.insert(0, ROOT)
        import ndflow
        return bench_keras(ndflow, epochs, limit)
    if framework == "tensorflow":
        import tensorflow
        return bench_keras(tensorflow, epochs, limit)
    if framework == "torch":
        return bench_torch(epochs, limit)
    raise ValueError(framework)


def _summary(r):
    walls = r["epoch_wall"][1:] or r["epoch_wall"]
    cpus = r["epoch_cpu"][1:] or r["epoch_cpu"]
    return min(walls), statistics.median(walls), min(cpus)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--limit", type=int, default=None, help="use only N training images")
    ap.add_argument("--frameworks", default="ndflow,tensorflow,torch")
    ap.add_argument("--one", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one, args.epochs, args.limit)))
        return
    results = {}
    for fw in args.frameworks.split(","):
        cmd = [sys.executable, os.path.abspath(__file__), "--one", fw, "--epochs",
               str(args.epochs)] + (["--limit", str(args.limit)] if args.limit else [])
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            last = (proc.stderr.strip().splitlines() or ["failed"])[-1]
            results[fw] = "not measured: " + last[:120]
            continue
        results[fw] = json.loads(proc.stdout.strip().splitlines()[-1])
    try:
        load = os.getloadavg()[0]
    except OSError:
        load = float("nan")
    print("Quickstart model, batch 32, %d epochs, %s training images, %d CPUs, load "
          "average %.1f, OPENBLAS_NUM_THREADS=%s\n"
          % (args.epochs, args.limit or 60000, os.cpu_count(), load,
             os.environ.get("OPENBLAS_NUM_THREADS", "unset")))
    print("| framework | fit s/epoch (best) | median | CPU s/epoch | test acc | "
          "eager tape loop s/epoch | eager / fit | model(x) 32 | predict 32 | "
          "predict / model(x) |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for fw, r in results.items():
        if isinstance(r, str):
            print("| %s | %s |  |  |  |  |  |  |  |  |" % (fw, r))
            continue
        best, med, cpu = _summary(r)
        eager = r.get("eager_wall")
        print("| %s | %.2f | %.2f | %.2f | %.4f | %s | %s | %.0f us | %.0f us | %.2f |" % (
            fw, best, med, cpu, r["test_acc"], "%.2f" % eager if eager else "-",
            "%.2f" % (eager / best) if eager else "-", r["call_s"] * 1e6,
            r["predict_s"] * 1e6, r["predict_s"] / r["call_s"]))


if __name__ == "__main__":
    main()
