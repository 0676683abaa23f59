"""Tapes belong to the thread that entered them (as in TensorFlow)."""
import threading

import numpy as np

import ndflow as tf


def test_ops_run_in_another_thread_are_not_recorded():
    v = tf.Variable([1.0, 2.0])
    seen = {}

    def worker():
        seen["y"] = v * 10.0  # would be recorded if tapes were shared across threads

    with tf.GradientTape() as tape:
        t = threading.Thread(target=worker)
        t.start()
        t.join()
        z = tf.reduce_sum(v * v)
    assert len(tape._records) == 2  # multiply and reduce_sum of this thread only
    np.testing.assert_allclose(tape.gradient(z, v).numpy(), [2.0, 4.0])
    # the other thread's result is a plain tensor, cut from this thread's tape
    with tf.GradientTape() as tape2:
        w = seen["y"] * 1.0
    assert tape2.gradient(w, v) is None


def test_each_thread_records_on_its_own_tape():
    results = {}

    def worker(k):
        x = tf.constant(float(k))
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = x * x * x
        results[k] = float(tape.gradient(y, x))

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(1, 5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == {k: 3.0 * k * k for k in range(1, 5)}
