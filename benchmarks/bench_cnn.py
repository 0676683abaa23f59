"""Small CNN training speed: seconds per epoch of

    Conv2D(32, 3, relu) -> MaxPooling2D -> Conv2D(64, 3, relu) -> MaxPooling2D -> Flatten
    -> Dropout(0.5) -> Dense(10, softmax),  Adam, sparse categorical cross-entropy,
    batch 128, on Fashion-MNIST-shaped data (28x28x1)

for ndflow and, when they are installed, TensorFlow (Keras) and PyTorch, in the same run
("ndflow, unfused": ndflow with ``tf.config.optimizer`` remapping off, so each conv and its
max pooling run as two ops instead of ``conv_pool``).
Each framework trains a warm-up slice, then ``--repeat`` passes of ``--steps`` timed steps,
the frameworks' passes taking turns; the best and median pass are reported, and the
ratio of each round's ndflow pass to the peer's pass that followed it; seconds per
epoch = time per step x ceil(60000 / 128).  It also times the
kernels alone (conv forward and backward, then with the max pooling as two ops and as
the fused op) for ndflow, and
the fused LSTM/GRU recurrence against the op-by-op cell loop.

    python benchmarks/bench_cnn.py [--steps 20] [--repeat 7] [--threads N]
                                   [--kernel-threads N]

``--threads`` sets OPENBLAS/OMP thread counts before NumPy is imported (default: leave
the environment as it is); ``--kernel-threads`` sets how many threads ndflow's conv and
pool kernels share a batch among (default: ``ndflow.ops.conv_ops.kernel_threads()``,
every core).  The header line gives the load average: other processes on the machine
slow every framework down, ndflow's threads and TensorFlow's alike.
"""
import argparse
import math
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STEPS_PER_EPOCH = math.ceil(60000 / 128)


def data(n, rng):
    import numpy as np
    x = rng.random((n, 28, 28, 1), dtype=np.float32)
    y = rng.integers(0, 10, n)
    return x, y


def ndflow_epoch(steps, remapping=True):
    """A function that trains the model for ``steps`` steps (after a warm-up).
    ``remapping=False``: the layers run one by one, each conv and its max pooling as two
    ops (``tf.config.optimizer``), as ndflow did before ``conv_pool_ops``."""
    import numpy as np
    sys.path.insert(0, ROOT)
    import ndflow
    from ndflow import keras

    def switch(fn):
        def run():
            ndflow.config.optimizer.set_experimental_options({"remapping": remapping})
            try:
                return fn()
            finally:
                ndflow.config.optimizer.set_experimental_options({"remapping": True})
        return run
    L = keras.layers
    keras.utils.set_random_seed(0)
    x, y = data(128 * steps, np.random.default_rng(0))
    model = keras.Sequential([
        keras.Input((28, 28, 1)),
        L.Conv2D(32, 3, activation="relu"), L.MaxPooling2D(),
        L.Conv2D(64, 3, activation="relu"), L.MaxPooling2D(),
        L.Flatten(), L.Dropout(0.5), L.Dense(10, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    switch(lambda: model.fit(x[:256], y[:256], batch_size=128, epochs=1, verbose=0))()
    return switch(lambda: model.fit(x, y, batch_size=128, epochs=1, verbose=0,
                                    shuffle=False))


def tensorflow_epoch(steps):
    import numpy as np
    try:
        import tensorflow as tf
    except ImportError:
        return None
    keras = tf.keras
    L = keras.layers
    x, y = data(128 * steps, np.random.default_rng(0))
    model = keras.Sequential([
        keras.Input((28, 28, 1)),
        L.Conv2D(32, 3, activation="relu"), L.MaxPooling2D(),
        L.Conv2D(64, 3, activation="relu"), L.MaxPooling2D(),
        L.Flatten(), L.Dropout(0.5), L.Dense(10, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x[:256], y[:256], batch_size=128, epochs=1, verbose=0)
    return lambda: model.fit(x, y, batch_size=128, epochs=1, verbose=0, shuffle=False)


def torch_epoch(steps):
    import numpy as np
    try:
        import torch
        from torch import nn
    except ImportError:
        return None
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Dropout(0.5), nn.Linear(64 * 5 * 5, 10))
    opt = torch.optim.Adam(model.parameters(), 1e-3)
    loss_fn = nn.CrossEntropyLoss()
    x, y = data(128 * steps, np.random.default_rng(0))
    xt = torch.from_numpy(x.transpose(0, 3, 1, 2).copy())
    yt = torch.from_numpy(y)

    def epoch():
        for i in range(steps):
            xb, yb = xt[i * 128:(i + 1) * 128], yt[i * 128:(i + 1) * 128]
            opt.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
    epoch()
    return epoch


FRAMEWORKS = (("ndflow", ndflow_epoch), ("TensorFlow", tensorflow_epoch),
              ("PyTorch", torch_epoch),
              ("ndflow, unfused", lambda steps: ndflow_epoch(steps, remapping=False)))


def bench_frameworks(steps, repeat, frameworks=FRAMEWORKS):
    """Seconds per step of each framework: {name: [one per pass]} (None: not installed).

    ``frameworks``: (name, make) pairs, ``make(steps)`` returning a function that trains
    ``steps`` steps (or None when the framework is not installed).  The passes alternate
    between the frameworks (ndflow, TF, PyTorch, ndflow, ...), so that load from other
    processes, which comes and goes, falls on all of them alike; a short pause before each
    pass lets the previous framework's threads go idle."""
    epochs = {name: make(steps) for name, make in frameworks}
    times = {name: (None if fn is None else []) for name, fn in epochs.items()}
    for _ in range(repeat):
        for name, fn in epochs.items():
            if fn is None:
                continue
            time.sleep(0.3)
            t = time.perf_counter()
            fn()
            times[name].append((time.perf_counter() - t) / steps)
    return times


def bench_kernels(repeat):
    """ndflow's conv and pool kernels alone, at the shapes of the small CNN: the forward
    call, and the gradient call alone (``tape.gradient`` for input and weights)."""
    import numpy as np
    sys.path.insert(0, ROOT)
    import ndflow as tf
    from ndflow.ops import conv_ops, conv_pool_ops
    rng = np.random.default_rng(0)
    n = max(repeat, 10)

    def time_fwd_bwd(forward, sources):
        fwd, bwd = [], []
        for _ in range(n + 1):
            with tf.GradientTape() as tape:
                tape.watch(sources)
                t = time.perf_counter()
                y = forward()
                fwd.append(time.perf_counter() - t)
            t = time.perf_counter()
            tape.gradient(y, sources, output_gradients=tf.ones_like(y))
            bwd.append(time.perf_counter() - t)
        return min(fwd[1:]) * 1e3, min(bwd[1:]) * 1e3

    rows = []
    for xs, ws in [((128, 28, 28, 1), (3, 3, 1, 32)), ((128, 13, 13, 32), (3, 3, 32, 64))]:
        x = tf.constant(rng.random(xs, dtype=np.float32))
        w = tf.constant(rng.random(ws, dtype=np.float32) - 0.5)
        b = tf.constant(rng.random(ws[-1:], dtype=np.float32) - 0.5)
        # the first layer's input needs no gradient in training
        srcs = [x, w, b] if xs[-1] > 1 else [w, b]
        grads = "x, w, b" if xs[-1] > 1 else "w, b"
        f, g = time_fwd_bwd(lambda: conv_ops.conv(x, w, bias=b, relu=True), srcs)
        rows.append(("conv+bias+relu %s * %s (grads: %s)" % (xs, ws, grads), f, g))
        f, g = time_fwd_bwd(lambda: tf.nn.max_pool2d(
            conv_ops.conv(x, w, bias=b, relu=True), 2, 2, "VALID"), srcs)
        rows.append(("  then max_pool 2x2, two ops", f, g))
        f, g = time_fwd_bwd(lambda: conv_pool_ops.conv_pool(x, w, 2, bias=b, relu=True), srcs)
        rows.append(("  then max_pool 2x2, fused (conv_pool)", f, g))
    return rows


def bench_rnn(repeat):
    """LSTM / GRU (64 units, batch 64, 50 steps, 32 features): forward + backward with the
    fused recurrence kernel against the op-by-op cell loop (unroll=True)."""
    import numpy as np
    sys.path.insert(0, ROOT)
    import ndflow as tf
    from ndflow import keras
    rng = np.random.default_rng(0)
    x = tf.constant(rng.random((64, 50, 32), dtype=np.float32))
    rows = []
    for cls in (keras.layers.LSTM, keras.layers.GRU):
        times = []
        for unroll in (False, True):
            layer = cls(64, unroll=unroll)
            layer.build(x.shape)

            def step():
                with tf.GradientTape() as tape:
                    s = tf.reduce_sum(layer(x))
                tape.gradient(s, layer.trainable_weights)
            step()
            best = float("inf")
            for _ in range(max(repeat, 3)):
                t = time.perf_counter()
                step()
                best = min(best, time.perf_counter() - t)
            times.append(best * 1e3)
        rows.append((cls.__name__, times[0], times[1]))
    return rows


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--repeat", type=int, default=7)
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--kernel-threads", type=int, default=None)
    args = p.parse_args()
    if args.threads:
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[var] = str(args.threads)
    sys.path.insert(0, ROOT)
    from ndflow.backend.threads import get_blas_threads
    from ndflow.ops import conv_ops
    if args.kernel_threads is not None:
        conv_ops.set_kernel_threads(args.kernel_threads)
    print("small CNN, batch 128, %d timed steps per pass, %d passes each; epoch = %d "
          "steps; ndflow: %d kernel thread(s), %s BLAS thread(s); load average %.2f %.2f %.2f"
          % ((args.steps, args.repeat, STEPS_PER_EPOCH, conv_ops.kernel_threads(),
              get_blas_threads()) + os.getloadavg()))
    print("| framework | s/step best | s/step median | s/epoch (best) |")
    print("| --- | --- | --- | --- |")
    times = bench_frameworks(args.steps, args.repeat)
    print_times(times, STEPS_PER_EPOCH, ("TensorFlow", "PyTorch", "ndflow, unfused"))
    print()
    print("| ndflow kernel | forward ms | backward ms |")
    print("| --- | --- | --- |")
    for name, f, b in bench_kernels(args.repeat):
        print("| %s | %.1f | %.1f |" % (name, f, b))
    print()
    print("| recurrent layer, fwd + bwd | fused kernel ms | op-by-op cell loop ms |")
    print("| --- | --- | --- |")
    for name, fused, loop in bench_rnn(args.repeat):
        print("| %s(64), x (64, 50, 32) | %.1f | %.1f |" % (name, fused, loop))


def print_times(times, steps_per_epoch, peers):
    """The Markdown table of ``bench_frameworks``' times and the pass-by-pass ratios of
    ndflow against each of ``peers``."""
    for name, per_step in times.items():
        if per_step is None:
            print("| %s | not installed | | |" % name)
        else:
            best, median = min(per_step), sorted(per_step)[len(per_step) // 2]
            print("| %s | %.4f | %.4f | %.1f |" % (name, best, median,
                                                  best * steps_per_epoch))
    print("load average after: %.2f %.2f %.2f" % os.getloadavg())
    for peer in peers:
        if times.get(peer):
            # each round's ndflow pass against the peer's pass right after it: the two
            # ran under nearly the same load, so the ratio is steadier than either time
            ratios = sorted(a / b for a, b in zip(times["ndflow"], times[peer]))
            print("ndflow / %s, pass by pass: median %.2f, range %.2f-%.2f, ndflow faster "
                  "in %d of %d rounds" % (peer, ratios[len(ratios) // 2], ratios[0],
                                          ratios[-1], sum(r < 1 for r in ratios),
                                          len(ratios)))


if __name__ == "__main__":
    main()
