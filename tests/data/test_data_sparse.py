"""tf.data with tf.SparseTensor elements.  Expected values are worked out by hand from
TensorFlow's rules (checked against TensorFlow 2.21 in tests_reference/test_data_sparse.py):
slicing takes the rows of the first dimension; batching puts the position in the batch in
a new first column of the indices and makes the dense shape [batch] + the largest of each
dimension; unbatching splits the rows back with dense shape dense_shape[1:]."""
import pytest

import ndflow as tf


def sp():
    return tf.SparseTensor(indices=[[0, 0], [1, 2], [2, 1], [2, 3]],
                           values=[1.0, 2.0, 3.0, 4.0], dense_shape=[3, 4])


def parts(s):
    assert isinstance(s, tf.SparseTensor)
    return (s.indices.numpy().tolist(), s.values.numpy().tolist(),
            s.dense_shape.numpy().tolist())


def test_from_tensor_slices_rows_and_spec():
    ds = tf.data.Dataset.from_tensor_slices(sp())
    assert ds.element_spec == tf.SparseTensorSpec([4], tf.float32)
    assert [parts(e) for e in ds] == [([[0]], [1.0], [4]), ([[2]], [2.0], [4]),
                                      ([[1], [3]], [3.0, 4.0], [4])]


def test_batch_and_unbatch():
    ds = tf.data.Dataset.from_tensor_slices(sp())
    b = ds.batch(2)
    assert b.element_spec == tf.SparseTensorSpec([None, 4], tf.float32)
    assert [parts(e) for e in b] == [([[0, 0], [1, 2]], [1.0, 2.0], [2, 4]),
                                     ([[0, 1], [0, 3]], [3.0, 4.0], [1, 4])]
    assert ds.batch(2, drop_remainder=True).element_spec == tf.SparseTensorSpec([2, 4])
    assert len(list(ds.batch(2, drop_remainder=True))) == 1
    u = b.unbatch()
    assert u.element_spec == tf.SparseTensorSpec([4], tf.float32)
    assert [parts(e) for e in u] == [parts(e) for e in ds]


def test_batch_takes_largest_dense_shape():
    elems = [tf.SparseTensor([[0]], [1.0], [3]), tf.SparseTensor([[1], [4]], [2.0, 3.0], [5])]

    def gen():
        yield from elems
    ds = tf.data.Dataset.from_generator(
        gen, output_signature=tf.SparseTensorSpec([None], tf.float32))
    assert ds.element_spec == tf.SparseTensorSpec([None], tf.float32)
    (b,) = list(ds.batch(2))
    assert parts(b) == ([[0, 0], [1, 1], [1, 4]], [1.0, 2.0, 3.0], [2, 5])
    # unbatch keeps the batch's dense shape for every row
    assert [parts(e) for e in ds.batch(2).unbatch()] == [([[0]], [1.0], [5]),
                                                         ([[1], [4]], [2.0, 3.0], [5])]


def test_batch_different_ranks_raises():
    def gen():
        yield tf.SparseTensor([[0]], [1], [2])
        yield tf.SparseTensor([[0, 0]], [1], [2, 2])
    ds = tf.data.Dataset.from_generator(gen, output_signature=tf.SparseTensorSpec(None,
                                                                                  tf.int32))
    with pytest.raises(tf.errors.InvalidArgumentError, match="different ranks"):
        list(ds.batch(2))


def test_mixed_tuple_shuffle_zip_rebatch_cache(tmp_path):
    ds = tf.data.Dataset.from_tensor_slices((sp(), tf.constant([10, 20, 30])))
    assert ds.element_spec == (tf.SparseTensorSpec([4], tf.float32),
                               tf.TensorSpec([], tf.int32))
    (s, y), = list(ds.batch(3))
    assert parts(s) == parts(sp()) and y.numpy().tolist() == [10, 20, 30]
    # a shuffle keeps each sparse row with its label
    rows = {10: [[0]], 20: [[2]], 30: [[1], [3]]}
    for s, y in ds.shuffle(3, seed=4):
        assert s.indices.numpy().tolist() == rows[int(y)]
    for s, y in ds.shuffle(3, seed=4).batch(3):
        got = tf.sparse.to_dense(s).numpy()
        assert got.tolist() == [tf.sparse.to_dense(sp()).numpy()[v // 10 - 1].tolist()
                                for v in y.numpy().tolist()]
    z = tf.data.Dataset.zip((tf.data.Dataset.from_tensor_slices(sp()),
                             tf.data.Dataset.range(3)))
    assert z.batch(2).element_spec == (tf.SparseTensorSpec([None, 4]),
                                       tf.TensorSpec([None], tf.int64))
    rb = tf.data.Dataset.from_tensor_slices(sp()).batch(2).rebatch(3)
    assert [parts(e) for e in rb] == [parts(sp())]
    for cache in (tf.data.Dataset.from_tensor_slices(sp()).cache(),
                  tf.data.Dataset.from_tensor_slices(sp()).cache(str(tmp_path / "c"))):
        first = [parts(e) for e in cache]
        assert [parts(e) for e in cache] == first == [parts(e) for e in
                                                      tf.data.Dataset.from_tensor_slices(sp())]


def test_string_values_and_as_numpy_iterator():
    s = tf.SparseTensor([[0, 1], [1, 0]], ["x", "y"], [2, 2])
    ds = tf.data.Dataset.from_tensor_slices(s)
    (b,) = list(ds.batch(2))
    assert b.indices.numpy().tolist() == [[0, 1], [1, 0]]
    assert [v.decode() if isinstance(v, bytes) else v for v in b.values.numpy()] == ["x", "y"]
    dense = list(tf.data.Dataset.from_tensor_slices(sp()).as_numpy_iterator())
    assert [d.tolist() for d in dense] == [[1, 0, 0, 0], [0, 0, 2, 0], [0, 3, 0, 4]]


def test_map_returns_sparse_and_reads_sparse():
    def mk(i):
        return tf.SparseTensor(tf.reshape(tf.range(i, dtype=tf.int64), [-1, 1]),
                               tf.ones([i], tf.float32), tf.reshape(i, [1]))
    m = tf.data.Dataset.range(1, 4).map(mk)
    assert m.element_spec == tf.SparseTensorSpec([None], tf.float32)
    assert [parts(e) for e in m.batch(3)] == [
        ([[0, 0], [1, 0], [1, 1], [2, 0], [2, 1], [2, 2]], [1.0] * 6, [3, 3])]
    v = tf.data.Dataset.from_tensor_slices(sp()).map(lambda s: s.values * 2.0)
    # the number of stored entries is never known to a traced function
    assert v.element_spec == tf.TensorSpec([None], tf.float32)
    assert [e.numpy().tolist() for e in v] == [[2.0], [4.0], [6.0, 8.0]]


def test_parse_example_varlen_in_map():
    def ex(vals):
        f = tf.train.Feature(int64_list=tf.train.Int64List(value=vals))
        return tf.train.Example(features=tf.train.Features(feature={"v": f})
                                ).SerializeToString()
    recs = tf.data.Dataset.from_tensor_slices([ex([1, 2]), ex([3]), ex([4, 5, 6])])
    spec = {"v": tf.io.VarLenFeature(tf.int64)}
    pe = recs.batch(2).map(lambda b: tf.io.parse_example(b, spec))
    assert pe.element_spec == {"v": tf.SparseTensorSpec([None, None], tf.int64)}
    assert [parts(e["v"]) for e in pe] == [([[0, 0], [0, 1], [1, 0]], [1, 2, 3], [2, 2]),
                                           ([[0, 0], [0, 1], [0, 2]], [4, 5, 6], [1, 3])]
    assert [parts(e["v"]) for e in pe.unbatch()] == [
        ([[0], [1]], [1, 2], [2]), ([[0]], [3], [2]), ([[0], [1], [2]], [4, 5, 6], [3])]
    single = recs.map(lambda r: tf.io.parse_single_example(r, spec))
    assert single.element_spec == {"v": tf.SparseTensorSpec([None], tf.int64)}
    assert single.batch(2).element_spec == {"v": tf.SparseTensorSpec([None, None], tf.int64)}


def test_padded_batch_and_concatenate_refuse_sparse():
    ds = tf.data.Dataset.from_tensor_slices(sp())
    with pytest.raises(TypeError, match="padded_batch pads dense tensors only"):
        ds.padded_batch(2)
    with pytest.raises(TypeError, match="different element types"):
        ds.concatenate(tf.data.Dataset.range(3))


def test_from_tensor_slices_needs_ordered_indices():
    bad = tf.SparseTensor([[2, 0], [0, 1], [0, 0]], [1, 2, 3], [3, 2])
    with pytest.raises(tf.errors.InvalidArgumentError, match="tf.sparse.reorder"):
        tf.data.Dataset.from_tensor_slices(bad)
    ds = tf.data.Dataset.from_tensor_slices(tf.sparse.reorder(bad))
    assert [parts(e) for e in ds] == [([[0], [1]], [3, 2], [2]), ([], [], [2]),
                                      ([[0]], [1], [2])]


def test_from_tensors_reduce_and_window():
    ft = tf.data.Dataset.from_tensors(sp())
    assert ft.element_spec == tf.SparseTensorSpec([3, 4], tf.float32)
    assert parts(ft.get_single_element()) == parts(sp())
    w = tf.data.Dataset.from_tensor_slices(sp()).window(2)
    assert w.element_spec == tf.data.DatasetSpec(tf.SparseTensorSpec([4], tf.float32))
    got = [[parts(e) for e in win] for win in w]
    assert got == [[([[0]], [1.0], [4]), ([[2]], [2.0], [4])], [([[1], [3]], [3.0, 4.0], [4])]]


def test_sparse_tensor_spec_class():
    s = tf.SparseTensorSpec([2, 3], tf.float32)
    assert s.shape.as_list() == [2, 3] and s.dtype == tf.float32
    assert s == tf.SparseTensorSpec([2, 3]) and hash(s) == hash(tf.SparseTensorSpec([2, 3]))
    assert s != tf.TensorSpec([2, 3]) and s != tf.SparseTensorSpec([2, 3], tf.int32)
    assert s.is_compatible_with(tf.SparseTensorSpec([None, 3]))
    assert not s.is_compatible_with(sp())
    assert tf.SparseTensorSpec.from_value(sp()) == tf.SparseTensorSpec([3, 4])
    assert s.value_type is tf.SparseTensor
    assert s.most_specific_common_supertype([tf.SparseTensorSpec([4, 3])]) == \
        tf.SparseTensorSpec([None, 3])
    # TensorFlow 2.21 prints: SparseTensorSpec(TensorShape([None, 4]), tf.int64)
    assert repr(tf.SparseTensorSpec([None, 4], tf.int64)) == \
        "SparseTensorSpec(TensorShape([None, 4]), tf.int64)"
    assert tf.SparseTensorSpec().shape.rank is None
