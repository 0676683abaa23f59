"""Eager dispatch overhead: what calling an ndflow op adds over the bare NumPy kernel.

For a (32, 128) float32 add (and a few other small ops) it times

* the bare NumPy call on the same arrays,
* the ndflow op with no tape (``tf.add(a, b)`` and ``a + b``),
* the ndflow op while a GradientTape records it (``a`` watched),

and prints the time per call and the overhead over NumPy, in microseconds (best of
``--repeat`` runs of ``--number`` calls each).

    python benchmarks/bench_dispatch.py [--number 5000] [--repeat 40] [--markdown]
"""
import argparse
import os
import sys
import timeit

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import ndflow as tf  # noqa: E402


def best_us(fn, number, repeat):
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number * 1e6


def cases():
    rng = np.random.default_rng(0)
    an = rng.standard_normal((32, 128)).astype(np.float32)
    bn = rng.standard_normal((32, 128)).astype(np.float32)
    wn = rng.standard_normal((128, 64)).astype(np.float32)
    a, b, w = tf.constant(an), tf.constant(bn), tf.constant(wn)
    return [
        ("add (32,128)", lambda: np.add(an, bn), lambda: tf.add(a, b), lambda: a + b),
        ("multiply (32,128)", lambda: np.multiply(an, bn), lambda: tf.multiply(a, b),
         lambda: a * b),
        ("multiply by 2.0 (32,128)", lambda: np.multiply(an, 2.0),
         lambda: tf.multiply(a, 2.0), lambda: a * 2.0),
        ("cast to float64 (32,128)", lambda: an.astype(np.float64),
         lambda: tf.cast(a, tf.float64), None),
        ("relu (32,128)", lambda: np.maximum(an, 0), lambda: tf.nn.relu(a), None),
        ("reduce_sum (32,128)", lambda: np.sum(an), lambda: tf.reduce_sum(a), None),
        ("matmul (32,128)x(128,64)", lambda: np.matmul(an, wn), lambda: tf.matmul(a, w),
         lambda: a @ w),
    ], a


def interleaved_best_us(fns, number, repeat):
    """Best time per call of each function, running them in turn inside every repeat so
    that a busy spell on a shared machine hits all of them alike."""
    best = [float("inf")] * len(fns)
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            if fn is not None:
                best[i] = min(best[i], timeit.timeit(fn, number=number) / number * 1e6)
    return [None if fn is None else b for fn, b in zip(fns, best)]


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--number", type=int, default=5000)
    p.add_argument("--repeat", type=int, default=40)
    p.add_argument("--markdown", action="store_true", help="print a Markdown table")
    args = p.parse_args()
    rows = []
    table, a = cases()
    tape = tf.GradientTape(persistent=True)
    for name, bare, op, operator in table:
        def recorded(op=op):
            with tape:
                tape.watch(a)
                op()
            tape.reset()   # keep memory flat: only the recording cost counts
        # the tape's enter/watch/reset cost is measured alone and subtracted
        def empty():
            with tape:
                tape.watch(a)
            tape.reset()
        t_np, t_op, t_operator, t_tape, t_empty = interleaved_best_us(
            [bare, op, operator, recorded, empty], args.number, args.repeat)
        rows.append((name, t_np, t_op, t_operator, t_tape - t_empty))
    if args.markdown:
        print("| op | NumPy µs | ndflow µs (added) | operator µs (added) | recording tape µs "
              "(added) |")
        print("| --- | ---: | ---: | ---: | ---: |")
        for name, t_np, t_op, t_operator, t_tape in rows:
            opr = "%.2f (+%.2f)" % (t_operator, t_operator - t_np) if t_operator else "-"
            print("| %s | %.2f | %.2f (+%.2f) | %s | %.2f (+%.2f) |" % (
                name, t_np, t_op, t_op - t_np, opr, t_tape, t_tape - t_np))
    else:
        for name, t_np, t_op, t_operator, t_tape in rows:
            opr = "" if t_operator is None else "  operator %.2f (+%.2f)" % (
                t_operator, t_operator - t_np)
            print("%-26s numpy %.2f us | ndflow %.2f (+%.2f)%s | taped %.2f (+%.2f)" % (
                name, t_np, t_op, t_op - t_np, opr, t_tape, t_tape - t_np))


if __name__ == "__main__":
    main()
