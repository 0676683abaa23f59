"""tf.data pipeline throughput: samples/s of

    from_tensor_slices((x, y)) -> shuffle(10000) -> map(scale to [0, 1]) -> batch(32)
    -> prefetch(AUTOTUNE)

over Fashion-MNIST's 60000 training images, for ndflow and (when installed) TensorFlow.
Each framework runs one warm-up epoch, then ``--epochs`` timed epochs; the best epoch
is reported.

    python benchmarks/bench_data.py [--epochs 3] [--limit N]
"""
import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def load_fashion_mnist(limit):
    from ndflow.keras.datasets import fashion_mnist
    (x, y), _ = fashion_mnist.load_data()
    return x[:limit], y[:limit]


def pipeline(tf, x, y):
    scale = make_scale(tf)
    return (tf.data.Dataset.from_tensor_slices((x, y))
            .shuffle(10000, seed=0)
            .map(scale, num_parallel_calls=tf.data.AUTOTUNE)
            .batch(32)
            .prefetch(tf.data.AUTOTUNE))


def make_scale(tf):
    def scale(image, label):
        return tf.cast(image, tf.float32) / 255.0, label
    return scale


def stages(tf, x, y):
    """Shorter pipelines, to show where the time goes (ndflow only)."""
    D = tf.data.Dataset
    scale = make_scale(tf)
    return [
        ("from_tensor_slices -> batch", D.from_tensor_slices((x, y)).batch(32)),
        ("... -> shuffle -> batch", D.from_tensor_slices((x, y)).shuffle(10000, seed=0)
         .batch(32)),
        ("... -> shuffle -> map(identity) -> batch", D.from_tensor_slices((x, y))
         .shuffle(10000, seed=0).map(lambda a, b: (a, b)).batch(32)),
        ("batch before map (vectorized map)", D.from_tensor_slices((x, y))
         .shuffle(10000, seed=0).batch(32).map(scale).prefetch(tf.data.AUTOTUNE)),
    ]


def rate(ds, n_expected, epochs):
    for _ in ds:  # warm-up epoch (TensorFlow traces the map function here)
        pass
    best = float("inf")
    for _ in range(epochs):
        t0 = time.perf_counter()
        n = 0
        for xb, _ in ds:
            n += int(xb.shape[0])
        best = min(best, time.perf_counter() - t0)
    assert n == n_expected, (n, n_expected)
    return n / best


def measure(tf, x, y, epochs):
    return rate(pipeline(tf, x, y), len(x), epochs)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--limit", type=int, default=60000)
    args = parser.parse_args()
    x, y = load_fashion_mnist(args.limit)
    import ndflow
    results = {"ndflow": measure(ndflow, x, y, args.epochs)}
    try:
        import tensorflow
    except ImportError:
        tensorflow = None
    if tensorflow is not None and getattr(tensorflow, "__name__", "") == "tensorflow":
        results["tensorflow %s" % tensorflow.__version__] = measure(tensorflow, x, y,
                                                                    args.epochs)
    print("pipeline: from_tensor_slices -> shuffle(10000) -> map(cast, /255) -> batch(32) "
          "-> prefetch(AUTOTUNE); %d Fashion-MNIST samples, best of %d epochs"
          % (len(x), args.epochs))
    for name, value in results.items():
        print("  %-20s %10.0f samples/s" % (name, value))
    if tensorflow is None:
        print("  (TensorFlow is not installed: no tf.data comparison)")
    print("ndflow stages:")
    for name, ds in stages(ndflow, x, y):
        print("  %-42s %10.0f samples/s" % (name, rate(ds, len(x), args.epochs)))


if __name__ == "__main__":
    main()
