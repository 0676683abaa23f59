"""Element specs of map / flat_map / interleave / scan outputs whose sizes depend on the
data, and what asking for them costs.  The expected specs are TensorFlow 2.21's (printed
by it for the same pipelines and pasted here; tests_reference/test_data_sparse.py runs
the comparison live)."""
import numpy as np

import ndflow as tf

SENTENCES = ["a b c", "b c", "a"]


def _table():
    return tf.lookup.StaticHashTable(
        tf.lookup.KeyValueTensorInitializer(["a", "b", "c"], [1, 2, 3]), 0)


def test_split_then_lookup_length_is_none():
    table = _table()
    ds = tf.data.Dataset.from_tensor_slices(SENTENCES).map(
        lambda x: table.lookup(tf.strings.split(x)))
    # TensorFlow 2.21: TensorSpec(shape=(None,), dtype=tf.int32, name=None)
    assert ds.element_spec == tf.TensorSpec([None], tf.int32)
    # TensorFlow 2.21: batch (None, None); padded_batch (None, None); with
    # drop_remainder=True (2, None)
    assert ds.batch(1).element_spec == tf.TensorSpec([None, None], tf.int32)
    assert ds.padded_batch(2).element_spec == tf.TensorSpec([None, None], tf.int32)
    assert ds.padded_batch(2, drop_remainder=True).element_spec == \
        tf.TensorSpec([2, None], tf.int32)
    assert [e.numpy().tolist() for e in ds.padded_batch(2)] == [[[1, 2, 3], [2, 3, 0]],
                                                                [[1]]]


def test_known_dims_stay_known():
    ds = tf.data.Dataset.from_tensor_slices(SENTENCES).map(
        lambda x: (tf.strings.split(x), tf.strings.length(x), tf.fill([3], 1.0)))
    # TensorFlow 2.21: ((None,), string), ((), int32); fill([3]) is (3,)
    assert ds.element_spec == (tf.TensorSpec([None], tf.string), tf.TensorSpec([], tf.int32),
                               tf.TensorSpec([3], tf.float32))
    # the leading dimension of a map over batches is the unknown batch size
    b = tf.data.Dataset.range(5).batch(2).map(lambda x: x * 2)
    assert b.element_spec == tf.TensorSpec([None], tf.int64)


def test_flat_map_interleave_scan_specs():
    src = tf.data.Dataset.from_tensor_slices(SENTENCES)
    fm = src.flat_map(lambda x: tf.data.Dataset.from_tensors(tf.strings.split(x)))
    il = src.interleave(lambda x: tf.data.Dataset.from_tensors(tf.strings.split(x)),
                        cycle_length=2)
    sc = src.scan(tf.constant(0, tf.int64), lambda s, x: (s + 1, tf.strings.split(x)))
    # TensorFlow 2.21: TensorSpec(shape=(None,), dtype=tf.string) for all three
    for ds in (fm, il, sc):
        assert ds.element_spec == tf.TensorSpec([None], tf.string)
    assert [e.numpy().tolist() for e in sc] == [["a", "b", "c"], ["b", "c"], ["a"]]
    # filter keeps its input's spec
    assert src.map(tf.strings.split).filter(lambda x: tf.size(x) > 1).element_spec == \
        tf.TensorSpec([None], tf.string)


def test_probe_reads_only_the_first_two_elements():
    pulled, calls = [], []

    def gen():
        for i in range(1, 6):
            pulled.append(i)
            yield np.arange(i)

    def f(x):
        calls.append(1)
        return x * 2
    ds = tf.data.Dataset.from_generator(
        gen, output_signature=tf.TensorSpec([None], tf.int64)).map(f)
    assert ds.element_spec == tf.TensorSpec([None], tf.int64)
    assert pulled == [1, 2] and len(calls) == 2
    # one element only: its exact shape (nothing to compare it with)
    one = tf.data.Dataset.from_tensors(tf.constant([1, 2, 3])).map(lambda x: x + 1)
    assert one.element_spec == tf.TensorSpec([3], tf.int32)


def test_probe_leaves_random_state_alone():
    tf.random.set_seed(5)
    ds = tf.data.Dataset.range(4).map(lambda i: tf.random.uniform([2]))
    plain = [e.numpy().tolist() for e in ds]
    tf.random.set_seed(5)
    ds = tf.data.Dataset.range(4).map(lambda i: tf.random.uniform([2]))
    assert ds.element_spec == tf.TensorSpec([2], tf.float32)
    assert [e.numpy().tolist() for e in ds] == plain
    # and seeded ops too
    tf.random.set_seed(5)
    ds = tf.data.Dataset.range(3).map(lambda i: tf.random.uniform([], seed=3))
    plain = [float(e) for e in ds]
    tf.random.set_seed(5)
    ds = tf.data.Dataset.range(3).map(lambda i: tf.random.uniform([], seed=3))
    ds.element_spec
    assert [float(e) for e in ds] == plain
