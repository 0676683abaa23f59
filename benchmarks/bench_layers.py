"""Layer hot-path benchmark (issue 3, layers): the fused Dense primitive against the
composite ``relu(matmul(x, w) + b)``, forward and forward+backward, and the cost of
``Layer.__call__`` around a trivial layer.

    python benchmarks/bench_layers.py [--repeat 2000]

Shapes are those of the quickstart model (batch 32, 784 -> 128, relu).  Run with
``OPENBLAS_NUM_THREADS=1`` on a busy machine: small matmuls get much slower when
OpenBLAS threads compete with other processes.
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir))

import numpy as np  # noqa: E402

import ndflow as tf  # noqa: E402
from ndflow.keras import layers as L  # noqa: E402
from ndflow.keras.layers.core import dense  # noqa: E402


def best_of(fn, repeat, rounds=7):
    best = float("inf")
    for _ in range(rounds):
        t = time.perf_counter()
        for _ in range(repeat):
            fn()
        best = min(best, (time.perf_counter() - t) / repeat)
    return best * 1e6


def pair(fn_a, fn_b, repeat, alternations=3):
    """Best times of two functions measured alternately (fair on a busy machine)."""
    a = b = float("inf")
    for _ in range(alternations):
        a = min(a, best_of(fn_a, repeat))
        b = min(b, best_of(fn_b, repeat))
    return a, b


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=2000)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    x = tf.constant(rng.random((32, 784), dtype=np.float32))
    w = tf.Variable(rng.normal(size=(784, 128)).astype(np.float32) * 0.05)
    b = tf.Variable(np.zeros(128, np.float32))

    def fused():
        return dense(x, w, b, relu=True)

    def composite():
        return tf.nn.relu(tf.matmul(x, w) + b)

    def fused_grad():
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(dense(x, w, b, relu=True))
        return tape.gradient(loss, [w, b])

    def composite_grad():
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(tf.nn.relu(tf.matmul(x, w) + b))
        return tape.gradient(loss, [w, b])

    xs = tf.constant(rng.random((32, 128), dtype=np.float32))
    ws = tf.Variable(rng.normal(size=(128, 10)).astype(np.float32) * 0.05)
    bs = tf.Variable(np.zeros(10, np.float32))

    def small_fused_grad():
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(dense(xs, ws, bs))
        return tape.gradient(loss, [ws, bs])

    def small_composite_grad():
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(tf.matmul(xs, ws) + bs)
        return tape.gradient(loss, [ws, bs])

    identity = L.Identity()
    identity(x)
    layer = L.Dense(128, activation="relu")
    layer(x)

    rows = []
    r = args.repeat
    for label, fa, fb, n in (
            ("Dense 784 -> 128 relu forward", fused, composite, r),
            ("Dense 784 -> 128 relu forward+backward", fused_grad, composite_grad, r // 4),
            ("Dense 128 -> 10 forward+backward", small_fused_grad, small_composite_grad, r)):
        ta, tb = pair(fa, fb, n)
        rows.append((label + ", fused primitive", ta))
        rows.append((label + ", matmul + add (+ relu)", tb))
    rows.append(("Dense layer call, 784 -> 128 relu (Layer.__call__ + fused op)",
                 best_of(lambda: layer(x), r)))
    rows.append(("Layer.__call__ of Identity (pure overhead)", best_of(lambda: identity(x),
                                                                      r * 5)))
    print("OPENBLAS_NUM_THREADS=%s" % os.environ.get("OPENBLAS_NUM_THREADS", "unset"))
    print("| measurement | us per call |")
    print("| --- | ---: |")
    for name, us in rows:
        print("| %s | %.1f |" % (name, us))


if __name__ == "__main__":
    main()
