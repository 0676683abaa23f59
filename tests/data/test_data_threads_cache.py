"""prefetch (background producer), map(num_parallel_calls) and cache (memory, file)."""
import os
import threading
import time

import numpy as np
import pytest

import ndflow as tf
from ndflow.data import Dataset, TensorSpec


def np_list(ds):
    return [v.tolist() if isinstance(v, np.ndarray) else v for v in ds.as_numpy_iterator()]


def _wait_for_threads(prefix, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not any(t.name.startswith(prefix) for t in threading.enumerate()):
            return True
        time.sleep(0.02)
    return False


# ---- prefetch -------------------------------------------------------------------------

def test_prefetch_yields_the_same_elements_from_a_background_thread():
    producers = set()

    def fn(x):
        producers.add(threading.current_thread().name)
        return x * 2

    ds = Dataset.range(50).map(fn).batch(8).prefetch(tf.data.AUTOTUNE)
    assert np_list(ds) == np_list(Dataset.range(50).map(lambda x: x * 2).batch(8))
    assert "ndflow-prefetch" in producers
    assert len(ds) == 7 and ds.element_spec == TensorSpec((None,), tf.int64)
    assert np_list(Dataset.range(5).prefetch(0)) == [0, 1, 2, 3, 4]


def test_prefetch_propagates_an_exception_raised_in_map():
    def boom(x):
        if int(x) == 3:
            raise ValueError("bad element 3")
        return x

    ds = Dataset.range(10).map(boom).prefetch(2)
    got = []
    with pytest.raises(ValueError, match="bad element 3"):
        for v in ds:
            got.append(int(v))
    assert got == [0, 1, 2]
    assert _wait_for_threads("ndflow-prefetch")


def test_prefetch_producer_stops_when_the_consumer_leaves_early():
    ds = Dataset.range(10 ** 6).prefetch(4)
    it = iter(ds)
    assert [int(next(it)) for _ in range(3)] == [0, 1, 2]
    del it
    assert _wait_for_threads("ndflow-prefetch")
    assert np_list(Dataset.range(10 ** 6).prefetch(3).take(2)) == [0, 1]
    assert np_list(Dataset.range(3).repeat().prefetch(2).take(4)) == [0, 1, 2, 0]
    assert _wait_for_threads("ndflow-prefetch")


# ---- parallel map ---------------------------------------------------------------------

def test_parallel_map_keeps_order_and_uses_threads_for_slow_calls():
    workers = set()

    def slow(x):
        workers.add(threading.get_ident())
        time.sleep(0.005)
        return x * x

    out = np_list(Dataset.range(24).map(slow, num_parallel_calls=4))
    assert out == [i * i for i in range(24)]
    assert len(workers) > 1          # the calls ran in a pool, not only in this thread
    assert _wait_for_threads("ndflow-map")


def test_parallel_map_stays_inline_for_cheap_calls():
    workers = set()

    def cheap(x):
        workers.add(threading.get_ident())
        return x + 1

    out = np_list(Dataset.range(100).map(cheap, num_parallel_calls=tf.data.AUTOTUNE))
    assert out == list(range(1, 101)) and workers == {threading.get_ident()}


def test_parallel_map_exception_reaches_the_consumer():
    def slow_boom(x):
        time.sleep(0.002)
        if int(x) == 9:
            raise KeyError("nine")
        return x

    with pytest.raises(KeyError, match="nine"):
        list(Dataset.range(20).map(slow_boom, num_parallel_calls=3).prefetch(2))
    with pytest.raises(ValueError, match="num_parallel_calls"):
        Dataset.range(3).map(lambda x: x, num_parallel_calls=0)


# ---- cache ----------------------------------------------------------------------------

def test_memory_cache_runs_the_pipeline_once():
    calls = []

    def fn(x):
        calls.append(int(x))
        return x * 3

    ds = Dataset.range(5).map(fn).cache()
    assert np_list(ds) == [0, 3, 6, 9, 12]
    assert np_list(ds) == [0, 3, 6, 9, 12]
    assert calls == [0, 1, 2, 3, 4]
    assert len(ds) == 5


def test_memory_cache_keeps_only_complete_passes():
    calls = []
    ds = Dataset.range(5).map(lambda x: calls.append(1) or x).cache()
    assert np_list(ds.take(2)) == [0, 1]
    assert np_list(ds) == [0, 1, 2, 3, 4]
    assert np_list(ds) == [0, 1, 2, 3, 4]
    assert len(calls) == 2 + 5


def test_cache_then_shuffle_reshuffles_cached_elements():
    ds = Dataset.range(30).cache().shuffle(30, seed=0)
    a, b = np_list(ds), np_list(ds)
    assert sorted(a) == sorted(b) == list(range(30)) and a != b


def test_file_cache_round_trip_and_reuse(tmp_path):
    path = str(tmp_path / "sub" / "train.cache")
    calls = []

    def make():
        return (Dataset.from_tensor_slices(({"x": np.arange(6.0).reshape(3, 2)},
                                            np.array(["a", "b", "c"])))
                .map(lambda d, s: (calls.append(1) or d, s)).cache(path))

    first = list(make().as_numpy_iterator())
    assert os.path.exists(path) and len(calls) == 3
    second = list(make().as_numpy_iterator())     # a new dataset object reads the file
    assert len(calls) == 3
    for (d1, s1), (d2, s2) in zip(first, second):
        np.testing.assert_array_equal(d1["x"], d2["x"])
        assert d2["x"].dtype == np.float64 and str(s1) == str(s2)
    assert [os.path.basename(p) for p in os.listdir(tmp_path / "sub")] == ["train.cache"]


def test_file_cache_partial_pass_leaves_nothing(tmp_path):
    path = str(tmp_path / "c")
    ds = Dataset.range(10).cache(path)
    assert np_list(ds.take(3)) == [0, 1, 2]
    assert os.listdir(tmp_path) == []
    assert np_list(ds) == list(range(10)) and os.listdir(tmp_path) == ["c"]


def test_file_cache_rejects_a_foreign_file(tmp_path):
    path = tmp_path / "c"
    path.write_bytes(b"not a cache")
    with pytest.raises(ValueError, match="not an ndflow dataset cache"):
        list(Dataset.range(3).cache(str(path)))
