"""tf.data transformations: semantics and edge cases, checked against hand-computed
TensorFlow behaviour."""
import numpy as np
import pytest

import ndflow as tf
from ndflow.data import Dataset, TensorSpec


def np_list(ds):
    return [v.tolist() if isinstance(v, np.ndarray) else v for v in ds.as_numpy_iterator()]


# ---- map / filter ---------------------------------------------------------------------

def test_map_unpacks_tuples_and_receives_tensors():
    ds = Dataset.from_tensor_slices((np.arange(4.0), np.arange(4) * 10))
    seen = []

    def fn(x, y):
        seen.append((type(x), type(y)))
        return x * 2.0, y + 1

    out = np_list(ds.map(fn))
    assert out == [(0.0, 1), (2.0, 11), (4.0, 21), (6.0, 31)]
    assert all(a is tf.Tensor and b is tf.Tensor for a, b in seen)


def test_map_dict_argument_list_result_and_python_values():
    ds = Dataset.from_tensor_slices({"a": np.arange(3), "b": np.ones(3)})
    out = list(ds.map(lambda d: [d["a"], d["b"] * 3.0]))  # a list becomes a tuple
    assert isinstance(out[0], tuple) and float(out[2][1]) == 3.0
    const = np_list(Dataset.range(2).map(lambda x: 1.5))
    assert const == [1.5, 1.5]
    assert Dataset.range(2).map(lambda x: 1.5).element_spec == TensorSpec((), tf.float32)


def test_map_element_spec_keeps_unknown_batch_dimension():
    ds = Dataset.from_tensor_slices(np.zeros((10, 3))).batch(4).map(lambda x: x[:, :2])
    assert ds.element_spec.shape.as_list() == [None, 2]
    assert len(ds) == 3


def test_map_returning_none_is_a_clear_error():
    with pytest.raises(TypeError, match="returned None"):
        list(Dataset.range(2).map(lambda x: None))


def test_filter_and_take_while():
    ds = Dataset.range(10)
    f = ds.filter(lambda x: x % 3 == 0)
    assert np_list(f) == [0, 3, 6, 9]
    assert f.cardinality() == tf.data.UNKNOWN_CARDINALITY
    assert np_list(ds.take_while(lambda x: x < 4)) == [0, 1, 2, 3]
    with pytest.raises(TypeError, match="scalar boolean"):
        list(ds.filter(lambda x: x + 1))


# ---- batching -------------------------------------------------------------------------

def test_batch_partial_last_batch_and_drop_remainder():
    x = np.arange(10).reshape(10, 1).astype(np.float64)
    ds = Dataset.from_tensor_slices(x)
    shapes = [b.shape[0] for b in ds.batch(4)]
    assert shapes == [4, 4, 2] and len(ds.batch(4)) == 3
    assert [b.shape[0] for b in ds.batch(4, drop_remainder=True)] == [4, 4]
    assert len(ds.batch(4, drop_remainder=True)) == 2
    assert ds.batch(4).element_spec == TensorSpec((None, 1), tf.float64)
    assert ds.batch(4, drop_remainder=True).element_spec == TensorSpec((4, 1), tf.float64)


def test_batch_slicing_fast_path_equals_element_path():
    x = np.random.RandomState(1).randn(11, 2)
    y = np.arange(11)
    fast = list(Dataset.from_tensor_slices((x, y)).batch(3).as_numpy_iterator())
    slow = list(Dataset.from_tensor_slices((x, y)).map(lambda a, b: (a, b)).batch(3)
                .as_numpy_iterator())
    assert len(fast) == len(slow) == 4
    for (a, b), (c, d) in zip(fast, slow):
        np.testing.assert_array_equal(a, c)
        np.testing.assert_array_equal(b, d)


def test_batch_of_ragged_elements_suggests_padded_batch():
    ds = Dataset.range(1, 4).map(lambda n: tf.ones((n,)))
    with pytest.raises(ValueError, match="padded_batch"):
        list(ds.batch(3))


def test_repeat_then_batch_crosses_the_epoch_boundary():
    ds = Dataset.range(5).repeat(2).batch(3)
    assert np_list(ds) == [[0, 1, 2], [3, 4, 0], [1, 2, 3], [4]]
    assert len(ds) == 4
    # batch then repeat keeps the partial batch of every epoch
    assert np_list(Dataset.range(5).batch(3).repeat(2)) == [[0, 1, 2], [3, 4]] * 2


def test_unbatch_and_rebatch():
    ds = Dataset.from_tensor_slices((np.arange(7), np.arange(7) * 2)).batch(3)
    flat = np_list(ds.unbatch())
    assert flat == [(i, 2 * i) for i in range(7)]
    assert ds.unbatch().element_spec[0].shape == ()
    re = np_list(Dataset.range(7).batch(3).rebatch(2))
    assert re == [[0, 1], [2, 3], [4, 5], [6]]
    assert np_list(Dataset.range(7).batch(3).rebatch(4, drop_remainder=True)) == [[0, 1, 2, 3]]


def test_padded_batch_pads_to_longest_or_given_shape():
    ds = Dataset.range(1, 4).map(
        lambda n: (tf.fill([n], n), n))
    (a, n1), (b, n2) = ds.padded_batch(2).as_numpy_iterator()
    assert a.tolist() == [[1, 0], [2, 2]] and b.tolist() == [[3, 3, 3]]
    (a, _), = ds.take(2).padded_batch(2, padded_shapes=([4], []),
                                      padding_values=(-1, 0)).as_numpy_iterator()
    assert a.tolist() == [[1, -1, -1, -1], [2, 2, -1, -1]]
    assert ds.padded_batch(2).element_spec[0].shape.as_list() == [None, None]
    with pytest.raises(ValueError, match="larger than the padded shape"):
        list(ds.padded_batch(3, padded_shapes=([2], [])))


# ---- order ----------------------------------------------------------------------------

def test_shuffle_is_a_permutation_and_seeded_order_repeats_across_runs():
    a = np_list(Dataset.range(100).shuffle(20, seed=7))
    b = np_list(Dataset.range(100).shuffle(20, seed=7))   # a new pipeline, same seed
    assert sorted(a) == list(range(100)) and a != list(range(100))
    assert a == b
    assert a != np_list(Dataset.range(100).shuffle(20, seed=8))


def test_shuffle_reshuffles_each_iteration_by_default_deterministically():
    ds = Dataset.range(50).shuffle(50, seed=3)
    e1, e2 = np_list(ds), np_list(ds)
    assert e1 != e2 and sorted(e1) == sorted(e2)
    again = Dataset.range(50).shuffle(50, seed=3)
    assert np_list(again) == e1 and np_list(again) == e2   # the epoch sequence repeats
    fixed = Dataset.range(50).shuffle(50, seed=3, reshuffle_each_iteration=False)
    assert np_list(fixed) == np_list(fixed)
    # repeat() re-iterates the shuffle: each epoch is a new order
    rep = np_list(Dataset.range(30).shuffle(30, seed=1).repeat(2))
    assert sorted(rep[:30]) == sorted(rep[30:]) and rep[:30] != rep[30:]


def test_shuffle_then_batch_gather_path_matches_element_path():
    x = np.arange(46.0).reshape(23, 2)
    y = np.arange(23)

    def batches(extra_map, drop):
        ds = Dataset.from_tensor_slices((x, y)).shuffle(7, seed=11)
        if extra_map:      # a map between shuffle and batch forces the element path
            ds = ds.map(lambda a, b: (a, b))
        ds = ds.batch(5, drop_remainder=drop)
        return [[b.tolist() for b in pair] for epoch in range(2)
                for pair in ds.as_numpy_iterator()]

    for drop in (False, True):
        fast, slow = batches(False, drop), batches(True, drop)
        assert fast == slow
    ys = [v for _, b in batches(False, False) for v in b]
    assert sorted(ys[:23]) == list(range(23)) and ys[:23] != ys[23:]
    assert all(xr == [2.0 * v, 2.0 * v + 1] for xb, yb in batches(False, False)
               for xr, v in zip(xb, yb))


def test_shuffle_follows_the_global_seed():
    tf.random.set_seed(123)
    a = np_list(Dataset.range(40).shuffle(40))
    tf.random.set_seed(123)
    b = np_list(Dataset.range(40).shuffle(40))
    tf.random.set_seed(None)
    assert a == b


def test_shuffle_buffer_bounds_the_displacement():
    out = np_list(Dataset.range(200).shuffle(5, seed=0))
    # with a buffer of 5, element k cannot come out before position k - 4
    assert all(pos >= v - 4 for pos, v in enumerate(out))
    assert np_list(Dataset.range(10).shuffle(1, seed=0)) == list(range(10))
    with pytest.raises(ValueError, match="buffer_size"):
        Dataset.range(3).shuffle(0)


def test_element_spec_probe_does_not_disturb_shuffle_order():
    a = Dataset.range(20).shuffle(20, seed=5).map(lambda x: x * 2)
    _ = a.element_spec
    b = Dataset.range(20).shuffle(20, seed=5).map(lambda x: x * 2)
    assert np_list(a) == np_list(b)


def test_take_skip_shard_enumerate():
    ds = Dataset.range(10)
    assert np_list(ds.take(3)) == [0, 1, 2] and len(ds.take(3)) == 3
    assert np_list(ds.take(-1)) == list(range(10))
    assert np_list(ds.skip(8)) == [8, 9] and len(ds.skip(8)) == 2 and len(ds.skip(20)) == 0
    assert np_list(ds.shard(3, 1)) == [1, 4, 7] and len(ds.shard(3, 1)) == 3
    assert len(ds.shard(3, 0)) == 4
    assert np_list(ds.take(2).enumerate(start=5)) == [(5, 0), (6, 1)]
    assert len(ds.repeat().take(7)) == 7
    with pytest.raises(ValueError, match="index"):
        ds.shard(2, 2)


def test_repeat_counts_and_cardinality():
    assert np_list(Dataset.range(2).repeat(3)) == [0, 1] * 3
    assert len(Dataset.range(2).repeat(3)) == 6
    assert np_list(Dataset.range(0).repeat()) == []   # an empty dataset ends
    assert Dataset.range(0).repeat().cardinality() == 0
    assert np_list(Dataset.range(3).repeat().take(7)) == [0, 1, 2, 0, 1, 2, 0]


# ---- windows and nested datasets ------------------------------------------------------

def test_window_with_shift_stride_and_remainder():
    def windows(ds):
        return [list(w.as_numpy_iterator()) for w in ds]

    ds = Dataset.range(7)
    assert windows(ds.window(3)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert windows(ds.window(3, drop_remainder=True)) == [[0, 1, 2], [3, 4, 5]]
    assert windows(ds.window(3, shift=2, stride=2)) == [[0, 2, 4], [2, 4, 6], [4, 6], [6]]
    assert len(ds.window(3, shift=2, stride=2)) == 4
    assert len(ds.window(3, shift=1, drop_remainder=True)) == 5
    flat = ds.window(3, shift=1, drop_remainder=True).flat_map(lambda w: w.batch(3))
    assert np_list(flat) == [[i, i + 1, i + 2] for i in range(5)]


def test_window_of_tuples_gives_tuples_of_datasets():
    ds = Dataset.from_tensor_slices((np.arange(4), np.arange(4) * 10)).window(2)
    first = next(iter(ds))
    assert isinstance(first, tuple) and isinstance(first[1], Dataset)
    zipped = ds.flat_map(lambda a, b: Dataset.zip((a.batch(2), b.batch(2))))
    assert np_list(zipped)[1][1].tolist() == [20, 30]


def test_flat_map_and_interleave_order():
    ds = Dataset.range(1, 4).flat_map(lambda x: Dataset.from_tensors(x).repeat(x))
    assert np_list(ds) == [1, 2, 2, 3, 3, 3]
    inter = Dataset.range(1, 6).interleave(
        lambda x: Dataset.from_tensors(x).repeat(6), cycle_length=2, block_length=4)
    assert np_list(inter) == [1, 1, 1, 1, 2, 2, 2, 2, 1, 1, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4,
                              3, 3, 4, 4, 5, 5, 5, 5, 5, 5]
    with pytest.raises(TypeError, match="must return a Dataset"):
        list(Dataset.range(2).flat_map(lambda x: x))
    nested = Dataset.range(4).map(lambda n: Dataset.range(n)).flat_map(lambda d: d)
    assert np_list(nested) == [0, 0, 1, 0, 1, 2]


def test_apply_reduce_and_get_single_element():
    ds = Dataset.range(5).apply(lambda d: d.map(lambda x: x * 2))
    assert np_list(ds) == [0, 2, 4, 6, 8]
    total = Dataset.range(5).reduce(np.int64(0), lambda s, x: s + x)
    assert int(total) == 10
    assert int(Dataset.range(1).get_single_element()) == 0
    with pytest.raises(ValueError, match="more than one"):
        Dataset.range(2).get_single_element()


def test_as_numpy_iterator_gives_numpy_values():
    out = list(Dataset.from_tensor_slices((np.ones((2, 2)), np.arange(2))).as_numpy_iterator())
    assert isinstance(out[0][0], np.ndarray) and isinstance(out[0][1], np.integer)


def test_counter_scan_sample_and_choose():
    assert np_list(Dataset.counter(3, 2).take(3)) == [3, 5, 7]
    assert Dataset.counter().cardinality() == -1
    sums = Dataset.range(5).scan(np.int64(0), lambda s, x: (s + x, s + x))
    assert np_list(sums) == [0, 1, 3, 6, 10]
    a, b = Dataset.range(0, 50), Dataset.range(100, 150)
    mixed = np_list(Dataset.sample_from_datasets([a, b], weights=[0.5, 0.5], seed=1))
    assert sorted(mixed) == list(range(50)) + list(range(100, 150))   # all, each once
    assert [v for v in mixed if v < 100] == list(range(50))           # order kept per source
    assert mixed != sorted(mixed)
    only_a = np_list(Dataset.sample_from_datasets([a, b], weights=[1.0, 0.0], seed=1))
    assert only_a == list(range(50))
    choice = Dataset.from_tensor_slices(np.array([0, 1, 1, 0, 2], dtype=np.int64))
    picked = Dataset.choose_from_datasets(
        [Dataset.range(3), Dataset.range(10, 13), Dataset.range(20, 23)], choice)
    assert np_list(picked) == [0, 10, 11, 1, 20]
    assert tf.data.experimental.sample_from_datasets is not None


def test_batch_of_scalar_strings_made_by_map_is_a_flat_string_vector():
    # map returning a 0-d object array (as text_dataset_from_directory's file reader
    # does) or a Python str: batching gives a 1-D tensor of str, not an array of arrays
    src = Dataset.from_tensor_slices(np.array(["a", "bb", "ccc"], dtype=object))
    for fn in (lambda p: np.array(p.numpy() + "!", dtype=object),
               lambda p: p.numpy() + "!",
               lambda p: tf.strings.join([p, "!"])):
        batches = [b.numpy() for b in src.map(fn).batch(2)]
        assert [b.tolist() for b in batches] == [["a!", "bb!"], ["ccc!"]]
        assert all(isinstance(s, str) for b in batches for s in b)   # not 0-d arrays
    # rows of strings (1-D elements) still batch to a 2-D string tensor
    rows = Dataset.from_tensor_slices(np.array([["a", "b"], ["c", "d"]], dtype=object))
    got = next(iter(rows.map(lambda r: tf.strings.upper(r)).batch(2))).numpy()
    assert got.shape == (2, 2) and got.tolist() == [["A", "B"], ["C", "D"]]
