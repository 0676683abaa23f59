"""``tf.RaggedTensor`` and ``tf.ragged``.

Expected values are written out by hand (or computed with NumPy); a few reprs and
TensorFlow quirks are constants generated with the real TensorFlow 2.21 and pasted in
(marked "from TF 2.21").  Gradients are checked against central finite differences in
float64.  ``tests_reference/test_ragged.py`` compares the same behaviours with TensorFlow.
"""
import copy
import pickle

import numpy as np
import pytest

import ndflow as tf
from ndflow.core.errors import InvalidArgumentError
from ndflow.core.ragged import RaggedList
from ndflow.ragged import ragged_math

C = tf.ragged.constant
R1 = [[1, 2], [3], [], [4, 5, 6]]
R3 = [[[1, 2], [3]], [], [[4, 5, 6]]]


def splits(rt):
    return [s.numpy().tolist() for s in rt.nested_row_splits]


def assert_ragged(rt, values, dtype=None, shape=None, splits_dtype="int64"):
    assert isinstance(rt, tf.RaggedTensor), type(rt)
    assert rt.to_list() == values
    if dtype is not None:
        assert rt.dtype == dtype
    if shape is not None:
        assert rt.shape.as_list() == shape
    assert all(s.dtype.name == splits_dtype for s in rt.nested_row_splits)


def assert_tensor(t, values, dtype):
    assert isinstance(t, tf.Tensor) and not isinstance(t, tf.RaggedTensor)
    assert t.dtype == dtype
    np.testing.assert_array_equal(t.numpy(), np.asarray(values))
    assert t.shape.as_list() == list(np.shape(values))


# ---- namespace ---------------------------------------------------------------------------

def test_namespace():
    assert tf.RaggedTensor is tf.ragged.RaggedTensor
    for name in ["constant", "map_flat_values", "range", "boolean_mask", "stack",
                 "row_splits_to_segment_ids", "segment_ids_to_row_splits", "cross",
                 "stack_dynamic_partitions"]:
        assert callable(getattr(tf.ragged, name)), name


def test_constructor_is_private():
    with pytest.raises(ValueError, match="factory method"):
        tf.RaggedTensor(tf.constant([1, 2]), [0, 2])


# ---- tf.ragged.constant ---------------------------------------------------------------

def test_constant_basic():
    rt = C(R1)
    assert_ragged(rt, R1, tf.int32, [4, None])
    assert rt.ragged_rank == 1
    assert splits(rt) == [[0, 2, 3, 3, 6]]
    assert_tensor(rt.values, [1, 2, 3, 4, 5, 6], tf.int32)


def test_constant_nested():
    rt = C(R3)
    assert_ragged(rt, R3, tf.int32, [3, None, None])
    assert rt.ragged_rank == 2
    assert splits(rt) == [[0, 2, 2, 3], [0, 2, 3, 6]]
    assert_ragged(rt.values, [[1, 2], [3], [4, 5, 6]])
    assert_tensor(rt.flat_values, [1, 2, 3, 4, 5, 6], tf.int32)


@pytest.mark.parametrize("data,dtype", [
    ([[1., 2], [3]], tf.float32), ([[1, 2 ** 40], [3]], tf.int64),
    ([[True], [False, True]], tf.bool), ([["a"], ["bc", "d"]], tf.string),
    ([[], []], tf.float32)])
def test_constant_default_dtypes(data, dtype):
    rt = C(data)
    assert rt.dtype == dtype
    assert rt.to_list() == data


def test_constant_dtype_and_splits_dtype():
    rt = C([[1, 2], [3]], dtype=tf.float64, row_splits_dtype=tf.int32)
    assert rt.dtype == tf.float64 and rt.row_splits.dtype == tf.int32
    assert rt.to_list() == [[1.0, 2.0], [3.0]]
    assert C([[1, 2], [3]], dtype="float16").dtype == tf.float16
    assert C([[], []], dtype=tf.int32).dtype == tf.int32


def test_constant_dense_results():
    # ragged_rank 0: an ordinary tensor, as in TF
    assert_tensor(C([1, 2, 3]), [1, 2, 3], tf.int32)
    assert_tensor(C([[1, 2], [3, 4]], ragged_rank=0), [[1, 2], [3, 4]], tf.int32)
    assert_tensor(C([]), np.zeros(0, np.float32), tf.float32)
    assert_tensor(C(5), 5, tf.int32)


def test_constant_uniform_rows_are_still_ragged():
    rt = C([[1, 2], [3, 4]])
    assert_ragged(rt, [[1, 2], [3, 4]], shape=[2, None])


def test_constant_ragged_rank_and_inner_shape():
    data = [[[1, 2], [3, 4]], [[5, 6]]]
    for rt in (C(data, ragged_rank=1), C(data, inner_shape=(2,)),
               C(data, ragged_rank=1, inner_shape=(2,))):
        assert_ragged(rt, data, shape=[2, None, 2])
        assert rt.ragged_rank == 1
        assert rt.flat_values.shape.as_list() == [3, 2]
    deep = C([[[]], []])
    assert deep.ragged_rank == 2 and deep.shape.as_list() == [2, None, None]
    assert deep.dtype == tf.float32


def test_constant_errors():
    with pytest.raises(ValueError, match="same nesting depth"):
        C([[1, 2], 3])
    with pytest.raises(ValueError, match="same nesting depth"):
        C([[1, [2]], [3]])
    with pytest.raises(ValueError, match="inconsistent shape"):
        C([[[1, 2], [3]], [[5, 6]]], ragged_rank=1)
    with pytest.raises(ValueError, match="ragged_rank=2 requires scalar value depth"):
        C([[1, 2], [3]], ragged_rank=2)
    with pytest.raises(ValueError, match="must be nonnegative"):
        C([[1, 2], [3]], ragged_rank=-1)
    # TF refuses Python floats for an integer dtype, even whole ones
    with pytest.raises(TypeError):
        C([[1.5, 2], [3]], dtype=tf.int32)
    with pytest.raises(TypeError):
        C([[1.0, 2.0]], dtype=tf.int32)
    with pytest.raises(TypeError, match="dtype string"):
        C([[1]], dtype=tf.string)


def test_constant_accepts_numpy_rows():
    assert_ragged(C([np.array([1, 2]), np.array([3])]), [[1, 2], [3]], tf.int32)


# ---- factories -----------------------------------------------------------------------------

V8 = [3, 1, 4, 1, 5, 9, 2, 6]
ROWS = [[3, 1, 4, 1], [], [5, 9, 2], [6], []]


def test_row_partition_factories_agree():
    v = tf.constant(V8)
    R = tf.RaggedTensor
    for rt in (R.from_row_splits(v, [0, 4, 4, 7, 8, 8]),
               R.from_row_lengths(v, [4, 0, 3, 1, 0]),
               R.from_row_starts(v, [0, 4, 4, 7, 8]),
               R.from_row_limits(v, [4, 4, 7, 8, 8]),
               R.from_value_rowids(v, [0, 0, 0, 0, 2, 2, 2, 3], nrows=5)):
        assert_ragged(rt, ROWS, tf.int32, [5, None])
        assert splits(rt) == [[0, 4, 4, 7, 8, 8]]
    # nrows defaults to the last row id + 1
    assert R.from_value_rowids(v, [0, 0, 0, 0, 2, 2, 2, 3]).to_list() == ROWS[:4]


def test_nested_factories_agree():
    v = tf.constant(V8)
    R = tf.RaggedTensor
    want = [[[3, 1]], [[4, 1, 5], [9, 2, 6]]]
    for rt in (R.from_nested_row_splits(v, ([0, 1, 3], [0, 2, 5, 8])),
               R.from_nested_row_lengths(v, ([1, 2], [2, 3, 3])),
               R.from_nested_value_rowids(v, ([0, 1, 1], [0, 0, 1, 1, 1, 2, 2, 2]))):
        assert_ragged(rt, want, tf.int32, [2, None, None])


def test_uniform_row_length():
    rt = tf.RaggedTensor.from_uniform_row_length(tf.constant(V8), 2)
    assert_ragged(rt, [[3, 1], [4, 1], [5, 9], [2, 6]], shape=[4, 2])
    assert int(rt.uniform_row_length) == 2
    assert C(R1).uniform_row_length is None
    with pytest.raises(InvalidArgumentError):
        tf.RaggedTensor.from_uniform_row_length(tf.constant(V8), 3)


def test_splits_dtypes():
    v = tf.constant(V8)
    R = tf.RaggedTensor
    assert R.from_row_splits(v, tf.constant([0, 4, 8], tf.int32)).row_splits.dtype == tf.int32
    assert R.from_row_splits(v, np.array([0, 4, 8], np.int32)).row_splits.dtype == tf.int32
    assert R.from_row_splits(v, [0, 4, 8]).row_splits.dtype == tf.int64
    assert R.from_row_lengths(v, tf.constant([4, 4], tf.int32)).row_splits.dtype == tf.int32
    # a Python list adapts to the inner partition's dtype; an explicit tensor must match
    inner = R.from_row_splits(v, tf.constant([0, 2, 8], tf.int32))
    assert R.from_row_splits(inner, [0, 1, 2]).row_splits.dtype == tf.int32
    with pytest.raises(ValueError, match="same|match"):
        R.from_row_splits(inner, tf.constant([0, 2], tf.int64))


@pytest.mark.parametrize("make,err,match", [
    (lambda v: tf.RaggedTensor.from_row_splits(v, [1, 4, 8]), InvalidArgumentError,
     "start with 0"),
    (lambda v: tf.RaggedTensor.from_row_splits(v, [0, 4, 7]), InvalidArgumentError,
     "must equal the number of values"),
    (lambda v: tf.RaggedTensor.from_row_splits(v, [0, 5, 4, 8]), InvalidArgumentError,
     "non-decreasing"),
    (lambda v: tf.RaggedTensor.from_row_splits(v, []), ValueError, "may not be empty"),
    (lambda v: tf.RaggedTensor.from_row_splits(v, [[0, 8]]), ValueError, "1-D"),
    (lambda v: tf.RaggedTensor.from_row_splits(v, [0., 8.]), ValueError, "int32 or int64"),
    (lambda v: tf.RaggedTensor.from_row_lengths(v, [4, 0, 3, 2, 0]), InvalidArgumentError,
     "number of values"),
    (lambda v: tf.RaggedTensor.from_row_lengths(v, [4, 0, 5, -1, 0]), InvalidArgumentError,
     ">= 0"),
    (lambda v: tf.RaggedTensor.from_row_starts(v, [1, 4, 4, 7, 8]), InvalidArgumentError,
     "start with 0"),
    (lambda v: tf.RaggedTensor.from_row_limits(v, [4, 4, 7, 9, 8]), InvalidArgumentError,
     "non-decreasing"),
    (lambda v: tf.RaggedTensor.from_value_rowids(v, [0, 0, 2, 0, 2, 2, 2, 3]),
     InvalidArgumentError, "sorted"),
    (lambda v: tf.RaggedTensor.from_value_rowids(v, [0, 0, 0, 0, 2, 2, 2, 3], nrows=2),
     ValueError, "nrows=2"),
    (lambda v: tf.RaggedTensor.from_value_rowids(v, [0, 0, 0, 0, 2, 2, 3]), ValueError,
     "one row id per value"),
    (lambda v: tf.RaggedTensor.from_row_splits(tf.constant(1), [0, 1]), ValueError,
     "rank >= 1"),
])
def test_factory_errors(make, err, match):
    with pytest.raises(err, match=match):
        make(tf.constant(V8))


def test_validate_false_skips_checks():
    rt = tf.RaggedTensor.from_row_splits(tf.constant(V8), [0, 4, 7], validate=False)
    assert rt.to_list() == [[3, 1, 4, 1], [5, 9, 2]]


def test_values_of_any_dtype_and_rank():
    R = tf.RaggedTensor
    assert_ragged(R.from_row_splits(["a", "b", "c"], [0, 1, 3]), [["a"], ["b", "c"]],
                  tf.string)
    assert_ragged(R.from_row_splits([1., 2, 3], [0, 1, 3]), [[1.0], [2.0, 3.0]], tf.float32)
    rt = R.from_row_splits(tf.reshape(tf.range(8.), [4, 2]), [0, 1, 4])
    assert_ragged(rt, [[[0., 1.]], [[2., 3.], [4., 5.], [6., 7.]]], tf.float32, [2, None, 2])


# ---- from_tensor -------------------------------------------------------------------------

D33 = [[5, 7, 0], [0, 3, 0], [6, 0, 0]]
PAD3 = [[[1, 0], [0, 0]], [[2, 3], [4, 0]]]


def test_from_tensor_uniform():
    rt = tf.RaggedTensor.from_tensor(tf.constant(D33))
    assert_ragged(rt, D33, tf.int32, [3, 3])
    assert int(rt.uniform_row_length) == 3
    rt = tf.RaggedTensor.from_tensor(tf.reshape(tf.range(12), [2, 3, 2]), ragged_rank=2)
    assert rt.shape.as_list() == [2, 3, 2] and rt.ragged_rank == 2
    assert splits(rt) == [[0, 3, 6], [0, 2, 4, 6, 8, 10, 12]]


def test_from_tensor_lengths_and_padding():
    R = tf.RaggedTensor
    d = tf.constant(D33)
    assert_ragged(R.from_tensor(d, lengths=[1, 0, 3]), [[5], [], [6, 0, 0]], shape=[3, None])
    # lengths are clipped to [0, width]
    assert R.from_tensor(d, lengths=[1, -1, 4]).to_list() == [[5], [], [6, 0, 0]]
    assert R.from_tensor(d, padding=0).to_list() == [[5, 7], [0, 3], [6]]
    assert R.from_tensor(tf.constant([[0, 0], [1, 0], [0, 1]]), padding=0).to_list() == \
        [[], [1], [0, 1]]
    p = tf.constant(PAD3)
    assert_ragged(R.from_tensor(p, padding=[0, 0]), [[[1, 0]], [[2, 3], [4, 0]]],
                  shape=[2, None, 2])
    # ragged_rank 2 with padding: only the innermost dimension becomes ragged
    assert_ragged(R.from_tensor(p, padding=0, ragged_rank=2), [[[1], []], [[2, 3], [4]]],
                  shape=[2, 2, None])
    rt = R.from_tensor(p, lengths=([1, 2], [1, 2, 1]), ragged_rank=2)
    assert_ragged(rt, [[[1]], [[2, 3], [4]]], shape=[2, None, None])
    assert splits(rt) == [[0, 1, 3], [0, 1, 3, 4]]
    strings = R.from_tensor(tf.constant([["a", ""], ["b", "c"]]), padding="")
    assert strings.to_list() == [["a"], ["b", "c"]]
    # NaN padding never matches (NaN != NaN)
    assert R.from_tensor(tf.constant([[1., np.nan]]), padding=np.nan).row_lengths() \
        .numpy().tolist() == [2]
    assert R.from_tensor(d, row_splits_dtype=tf.int32).row_splits.dtype == tf.int32


def test_from_tensor_errors():
    R = tf.RaggedTensor
    with pytest.raises(ValueError, match="not both"):
        R.from_tensor(tf.constant(D33), padding=0, lengths=[1, 2, 3])
    with pytest.raises(ValueError, match="shape"):
        R.from_tensor(tf.constant(PAD3), padding=0)
    with pytest.raises(ValueError, match="must be greater than 0"):
        R.from_tensor(tf.constant(D33), ragged_rank=0)
    with pytest.raises(ValueError, match="greater than 1"):
        R.from_tensor(tf.constant([1, 2]))
    with pytest.raises(ValueError, match="rank at least 4"):
        R.from_tensor(tf.reshape(tf.range(12), [2, 3, 2]), ragged_rank=3)
    with pytest.raises(ValueError, match="one per ragged dimension"):
        R.from_tensor(tf.constant(PAD3), lengths=[1, 2], ragged_rank=2)
    with pytest.raises(TypeError, match="already ragged"):
        R.from_tensor(C(R1))


# ---- queries ------------------------------------------------------------------------------

def test_row_partition_queries():
    rt, r3 = C(R1), C(R3)
    assert_tensor(rt.row_lengths(), [2, 1, 0, 3], tf.int64)
    assert_tensor(rt.row_starts(), [0, 2, 3, 3], tf.int64)
    assert_tensor(rt.row_limits(), [2, 3, 3, 6], tf.int64)
    assert_tensor(rt.value_rowids(), [0, 0, 1, 3, 3, 3], tf.int64)
    assert_tensor(rt.nrows(), 4, tf.int64)
    assert_tensor(rt.nrows(out_type=tf.int32), 4, tf.int32)
    assert_tensor(r3.row_lengths(), [2, 0, 1], tf.int64)
    assert_ragged(r3.row_lengths(axis=2), [[2, 1], [], [3]], tf.int64)
    assert_ragged(r3.row_lengths(axis=-1), [[2, 1], [], [3]], tf.int64)
    assert_tensor(r3.row_lengths(axis=0), 3, tf.int64)
    with pytest.raises(ValueError, match="out of bounds"):
        r3.row_lengths(axis=3)
    assert [t.numpy().tolist() for t in r3.nested_row_lengths()] == [[2, 0, 1], [2, 1, 3]]
    assert [t.numpy().tolist() for t in r3.nested_value_rowids()] == [[0, 0, 2],
                                                                      [0, 0, 1, 2, 2, 2]]
    inner = tf.RaggedTensor.from_row_lengths(tf.ones([3, 2]), [1, 2])
    assert inner.row_lengths(axis=2).to_list() == [[2], [2, 2]]


def test_bounding_shape():
    assert_tensor(C(R1).bounding_shape(), [4, 3], tf.int64)
    assert_tensor(C(R3).bounding_shape(), [3, 2, 3], tf.int64)
    assert_tensor(C(R3).bounding_shape(axis=1), 2, tf.int64)
    assert_tensor(C(R3).bounding_shape(axis=[0, 2]), [3, 3], tf.int64)
    assert_tensor(C(R1).bounding_shape(out_type=tf.int32), [4, 3], tf.int32)
    assert_tensor(C([[], []]).bounding_shape(), [2, 0], tf.int64)


# ---- to_tensor / to_list / numpy / repr ----------------------------------------------

def test_to_tensor():
    rt = C(R1)
    assert_tensor(rt.to_tensor(), [[1, 2, 0], [3, 0, 0], [0, 0, 0], [4, 5, 6]], tf.int32)
    assert_tensor(rt.to_tensor(default_value=-1),
                  [[1, 2, -1], [3, -1, -1], [-1, -1, -1], [4, 5, 6]], tf.int32)
    assert_tensor(rt.to_tensor(shape=[2, 5]), [[1, 2, 0, 0, 0], [3, 0, 0, 0, 0]], tf.int32)
    assert_tensor(rt.to_tensor(shape=[None, 2]), [[1, 2], [3, 0], [0, 0], [4, 5]], tf.int32)
    assert_tensor(C(R3).to_tensor(),
                  [[[1, 2, 0], [3, 0, 0]], [[0, 0, 0], [0, 0, 0]], [[4, 5, 6], [0, 0, 0]]],
                  tf.int32)
    assert_tensor(C(R3).to_tensor(shape=[4, 1, 4]),
                  [[[1, 2, 0, 0]], [[0, 0, 0, 0]], [[4, 5, 6, 0]], [[0, 0, 0, 0]]], tf.int32)
    vec = tf.RaggedTensor.from_row_lengths(tf.ones([3, 2]), [1, 2])
    assert_tensor(vec.to_tensor(default_value=[7., 8.]),
                  [[[1., 1.], [7., 8.]], [[1., 1.], [1., 1.]]], tf.float32)
    assert_tensor(C([["a"], ["b", "c"], []]).to_tensor(),
                  np.array([["a", ""], ["b", "c"], ["", ""]], object), tf.string)
    assert_tensor(C([["a"], ["b", "c"]]).to_tensor("?"),
                  np.array([["a", "?"], ["b", "c"]], object), tf.string)
    assert_tensor(C([[], []]).to_tensor(), np.zeros((2, 0), np.float32), tf.float32)


def test_to_tensor_errors():
    rt = C(R1)
    with pytest.raises(InvalidArgumentError, match="rank"):
        rt.to_tensor(shape=[2])
    with pytest.raises(TypeError):
        rt.to_tensor(default_value=1.5)
    vec = tf.RaggedTensor.from_row_lengths(tf.ones([3, 2]), [1, 2])
    with pytest.raises(InvalidArgumentError, match="inner dimension"):
        vec.to_tensor(shape=[2, 2, 3])


def test_numpy_like_tf():
    n = C(R1).numpy()
    assert n.dtype == object and n.shape == (4,)
    for got, want in zip(n, R1):
        assert got.dtype == np.int32
        np.testing.assert_array_equal(got, want)
    # rows of one length make one regular array
    u = C([[1, 2], [3, 4]]).numpy()
    assert u.dtype == np.int32 and u.tolist() == [[1, 2], [3, 4]]
    # from TF 2.21: rows are slices of values.numpy(), so [[[1, 2]], [[3]]] is a (2, 1)
    # object array and [[[1], [2]], [[3], [4, 5]]] a (2, 2) one
    assert C([[[1, 2]], [[3]]]).numpy().shape == (2, 1)
    assert C([[[1], [2]], [[3], [4, 5]]]).numpy().shape == (2, 2)
    assert C(R3).numpy().shape == (3,)
    empty = tf.RaggedTensor.from_row_splits(tf.zeros([0]), [0]).numpy()
    assert empty.shape == (0, 0) and empty.dtype == np.float32
    assert C([[], []]).numpy().shape == (2, 0)
    s = C([["a", "b"], ["c"]]).numpy()
    assert s[0].tolist() == ["a", "b"] and s[0][0].decode() == "a"


def test_repr():
    # from TF 2.21 (with TF's b'..' strings read as '..')
    assert repr(C(R1)) == "<tf.RaggedTensor [[1, 2], [3], [], [4, 5, 6]]>"
    assert str(C(R1)) == repr(C(R1))
    assert repr(C(R3)) == "<tf.RaggedTensor [[[1, 2], [3]], [], [[4, 5, 6]]]>"
    assert repr(C([[1, 2], [3, 4]])) == "<tf.RaggedTensor [[1, 2],\n [3, 4]]>"
    assert repr(C([[0.1, 0.25], [1e-8]])) == "<tf.RaggedTensor [[0.1, 0.25], [1e-08]]>"
    assert repr(C([[], []])) == "<tf.RaggedTensor [[], []]>"
    assert repr(C([["a"], ["b", "c"]])) == "<tf.RaggedTensor [['a'], ['b', 'c']]>"
    assert repr(C([[[1, 2]], [[3]]])) == "<tf.RaggedTensor [[[1, 2]],\n [[3]]]>"
    assert repr(tf.ragged.range(0., 1., 0.1)) == (
        "<tf.RaggedTensor [[0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.70000005, 0.8000001, "
        "0.9000001]]>")


def test_to_list_strings_are_text():
    assert C([["a"], ["b", "c"]]).to_list() == [["a"], ["b", "c"]]


# ---- merge_dims / with_* -------------------------------------------------------------

def test_merge_dims():
    r3 = C(R3)
    assert_ragged(r3.merge_dims(0, 1), [[1, 2], [3], [4, 5, 6]])
    assert_ragged(r3.merge_dims(1, 2), [[1, 2, 3], [], [4, 5, 6]])
    assert_tensor(r3.merge_dims(0, -1), [1, 2, 3, 4, 5, 6], tf.int32)
    assert_tensor(C(R1).merge_dims(0, 1), [1, 2, 3, 4, 5, 6], tf.int32)
    assert C(R1).merge_dims(1, 1).to_list() == R1
    r4 = C([[[[1, 2], [3]], [[4]]], [[[5, 6, 7]]]])
    assert r4.merge_dims(1, 3).to_list() == [[1, 2, 3, 4], [5, 6, 7]]
    assert r4.merge_dims(0, 2).to_list() == [[1, 2], [3], [4], [5, 6, 7]]
    inner = tf.RaggedTensor.from_row_lengths(tf.reshape(tf.range(12), [3, 2, 2]), [1, 2])
    assert inner.merge_dims(1, 3).to_list() == [[0, 1, 2, 3], [4, 5, 6, 7, 8, 9, 10, 11]]
    assert inner.merge_dims(2, 3).to_list() == [[[0, 1, 2, 3]], [[4, 5, 6, 7],
                                                                 [8, 9, 10, 11]]]
    with pytest.raises(ValueError, match="less than or equal"):
        C(R1).merge_dims(1, 0)


def test_with_values():
    rt = C(R1)
    assert rt.with_values(rt.values * 10).to_list() == [[10, 20], [30], [], [40, 50, 60]]
    with pytest.raises(ValueError, match="rows"):
        rt.with_values(tf.constant([1, 2]))
    r3 = C(R3)
    f = r3.with_flat_values(tf.cast(r3.flat_values, tf.float32))
    assert f.dtype == tf.float32 and f.to_list() == R3
    i32 = r3.with_row_splits_dtype(tf.int32)
    assert [s.dtype for s in i32.nested_row_splits] == [tf.int32, tf.int32]
    assert i32.to_list() == R3


# ---- indexing and iteration ------------------------------------------------------------

def test_getitem_rows():
    rt = C(R1)
    assert_tensor(rt[0], [1, 2], tf.int32)
    assert_tensor(rt[-1], [4, 5, 6], tf.int32)
    assert_tensor(rt[tf.constant(1)], [3], tf.int32)
    assert_tensor(rt[np.int64(1)], [3], tf.int32)
    assert rt[1:3].to_list() == [[3], []]
    assert rt[::2].to_list() == [[1, 2], []]
    assert C([[1, 2, 3], [4, 5], [6]])[::-1].to_list() == [[6], [4, 5], [1, 2, 3]]
    assert C([[1, 2, 3], [4, 5], [6]])[2:1].to_list() == []
    assert_tensor(rt[0, 1], 2, tf.int32)
    assert_tensor(rt[3, -1], 6, tf.int32)
    # TF reads a list key as a tuple
    assert_tensor(rt[[0, 1]], 2, tf.int32)
    with pytest.raises(IndexError, match="out of bounds"):
        rt[5]
    with pytest.raises(TypeError, match="valid indices"):
        rt["a"]


def test_getitem_inside_rows():
    rt = C(R1)
    assert rt[:, 1:].to_list() == [[2], [], [], [5, 6]]
    assert rt[:, ::-1].to_list() == [[2, 1], [3], [], [6, 5, 4]]
    assert C([[1, 2, 3], [4, 5]])[:, -2:].to_list() == [[2, 3], [4, 5]]
    assert C([[1, 2, 3], [4, 5]])[:, ::2].to_list() == [[1, 3], [4]]
    with pytest.raises(ValueError, match="inner ragged dimension"):
        rt[:, 0]
    with pytest.raises(ValueError, match="inner ragged dimension"):
        rt[..., 0]
    r3 = C(R3)
    assert r3[0].to_list() == [[1, 2], [3]]
    assert_tensor(r3[0, 1], [3], tf.int32)
    assert_tensor(r3[0, 1, 0], 3, tf.int32)
    assert r3[:, :, :1].to_list() == [[[1], [3]], [], [[4]]]
    assert r3[1:, :, 1:].to_list() == [[], [[5, 6]]]
    assert r3[...].to_list() == R3
    new = r3[tf.newaxis]
    assert new.to_list() == [R3] and new.shape.as_list() == [1, 3, None, None]
    inner = tf.RaggedTensor.from_row_lengths(tf.reshape(tf.range(6), [3, 2]), [1, 2])
    assert inner[:, :, 1].to_list() == [[1], [3, 5]]


def test_getitem_uniform_rows():
    u = tf.RaggedTensor.from_tensor(tf.constant(D33))
    # from TF 2.21: a uniform row partition may be indexed by a column
    assert_tensor(u[:, 0], [5, 0, 6], tf.int32)
    assert u[:, 1:].shape.as_list() == [3, 2]
    assert u[0:1].shape.as_list() == [1, 3]


def test_iteration_and_no_len():
    rows = list(C(R1))
    assert [r.numpy().tolist() for r in rows] == R1
    assert [r.to_list() for r in C(R3)] == R3
    # TF's RaggedTensor has no len()
    with pytest.raises(TypeError):
        len(C(R1))


# ---- operators ---------------------------------------------------------------------------

def test_arithmetic_with_scalars():
    rt = C(R1)
    assert_ragged(rt + 1, [[2, 3], [4], [], [5, 6, 7]], tf.int32)
    assert (1 + rt).to_list() == [[2, 3], [4], [], [5, 6, 7]]
    assert (rt - 2).to_list() == [[-1, 0], [1], [], [2, 3, 4]]
    assert (10 - rt).to_list() == [[9, 8], [7], [], [6, 5, 4]]
    assert (rt * 3).to_list() == [[3, 6], [9], [], [12, 15, 18]]
    assert_ragged(rt / 2, [[0.5, 1.0], [1.5], [], [2.0, 2.5, 3.0]], tf.float64)
    assert (rt // 2).to_list() == [[0, 1], [1], [], [2, 2, 3]]
    assert (rt % 2).to_list() == [[1, 0], [1], [], [0, 1, 0]]
    assert (rt ** 2).to_list() == [[1, 4], [9], [], [16, 25, 36]]
    assert (12. / C([[1., 2.], [4.]])).to_list() == [[12., 6.], [3.]]
    assert (2. ** C([[1., 2.], [3.]])).to_list() == [[2., 4.], [8.]]
    assert (-rt).to_list() == [[-1, -2], [-3], [], [-4, -5, -6]]
    assert abs(C([[-1, 2], [-3]])).to_list() == [[1, 2], [3]]
    assert (C([[1., 2], [3]]) + 1).dtype == tf.float32
    with pytest.raises(TypeError, match="fraction"):
        rt + 1.5


def test_int_true_division_dtype():
    # TF: int32 / int -> float64
    assert (C(R1) / 2).dtype == tf.float64


def test_comparisons_and_logic():
    rt = C(R1)
    assert_ragged(rt == 1, [[True, False], [False], [], [False, False, False]], tf.bool)
    assert (rt != 1).to_list() == [[False, True], [True], [], [True, True, True]]
    assert (rt < 3).to_list() == [[True, True], [False], [], [False, False, False]]
    assert (rt <= 3).to_list() == [[True, True], [True], [], [False, False, False]]
    assert (rt > 3).to_list() == [[False, False], [False], [], [True, True, True]]
    assert (rt >= 3).to_list() == [[False, False], [True], [], [True, True, True]]
    assert (rt == rt).to_list() == [[True, True], [True], [], [True, True, True]]
    assert ((rt > 1) & (rt < 5)).to_list() == [[False, True], [True], [], [True, False, False]]
    assert ((rt > 4) | (rt < 2)).to_list() == [[True, False], [False], [], [False, True, True]]
    assert ((rt > 1) ^ (rt < 5)).to_list() == [[True, False], [False], [], [False, True, True]]
    assert (~C([[True], [False, True]])).to_list() == [[False], [True, False]]
    with pytest.raises(InvalidArgumentError, match="bool"):
        ~rt
    assert (C([["a", "b"], ["a"]]) == "a").to_list() == [[True, False], [True]]
    assert (rt == None) is False  # noqa: E711
    assert (rt != None) is True  # noqa: E711


def test_broadcasting_dense_operands():
    rt = C(R1)
    col = tf.constant([[1], [2], [3], [4]])
    assert (rt * col).to_list() == [[1, 2], [6], [], [16, 20, 24]]
    assert (rt + [[1], [2], [3], [4]]).to_list() == [[2, 3], [5], [], [8, 9, 10]]
    # a dense dimension lined up with a ragged one must be 1 (as in TF)
    with pytest.raises(InvalidArgumentError, match="ragged dimension 1"):
        rt * tf.constant([1, 2, 3])
    with pytest.raises(InvalidArgumentError, match="rows"):
        rt * tf.constant([[1], [2]])
    r3 = C(R3)
    assert (r3 * tf.constant([[[1]], [[2]], [[3]]])).to_list() == \
        [[[1, 2], [3]], [], [[12, 15, 18]]]
    inner = tf.RaggedTensor.from_row_lengths(tf.reshape(tf.range(6.), [3, 2]), [1, 2])
    assert (inner * tf.constant([10., 100.])).to_list() == \
        [[[0., 100.]], [[20., 300.], [40., 500.]]]
    # uniform rows broadcast like a dense dimension
    u = tf.RaggedTensor.from_tensor(tf.constant([[1, 2], [3, 4]]))
    assert (u * tf.constant([10, 20])).to_list() == [[10, 40], [30, 80]]
    # NumPy on the left defers to the RaggedTensor
    out = np.array([[1], [2], [3], [4]], np.int32) + rt
    assert isinstance(out, tf.RaggedTensor)
    assert out.to_list() == [[2, 3], [5], [], [8, 9, 10]]


def test_ragged_operands_need_the_same_partition():
    rt = C(R1)
    assert (rt + rt).to_list() == [[2, 4], [6], [], [8, 10, 12]]
    with pytest.raises(InvalidArgumentError, match="different row partitions"):
        rt + C([[1, 2], [3], [5], [4, 5]])
    with pytest.raises(InvalidArgumentError):
        rt + C([[1., 2], [3], [], [4, 5, 6]])


def test_tf_functions_dispatch_on_ragged_tensors():
    """tf.math functions, tf.cast, tf.reduce_* and tf.is_tensor accept a RaggedTensor as
    TensorFlow's ragged dispatch does (expected values printed by TF 2.21)."""
    rt = tf.ragged.constant([[1.0, -2.0], [3.0]])
    assert tf.math.add(rt, 1).to_list() == [[2.0, -1.0], [4.0]]
    assert tf.math.add(1.0, rt).to_list() == [[2.0, -1.0], [4.0]]
    assert tf.math.divide(rt, 2.0).to_list() == [[0.5, -1.0], [1.5]]
    assert tf.math.less(rt, 0.0).to_list() == [[False, True], [False]]
    assert tf.cast(rt, tf.int32).to_list() == [[1, -2], [3]]
    assert tf.abs(rt).to_list() == [[1.0, 2.0], [3.0]]
    np.testing.assert_allclose(tf.math.exp(rt).flat_values.numpy(), np.exp([1.0, -2.0, 3.0]),
                               rtol=1e-6)
    np.testing.assert_array_equal(tf.reduce_sum(rt, axis=1).numpy(), [-1.0, 3.0])
    np.testing.assert_array_equal(tf.reduce_max(rt, axis=0).numpy(), [3.0, -2.0])
    np.testing.assert_array_equal(tf.reduce_any(rt > 2.0, axis=1).numpy(), [False, True])
    assert float(tf.reduce_mean(rt)) == pytest.approx(2.0 / 3.0)
    assert tf.is_tensor(rt)
    # gradients flow through the dispatched ops to the flat values
    v = tf.constant([1.0, -2.0, 3.0])
    with tf.GradientTape() as tape:
        tape.watch(v)
        r = tf.RaggedTensor.from_row_lengths(v, [2, 1])
        loss = tf.reduce_sum(tf.reduce_sum(tf.math.multiply(r, r), axis=1))
    np.testing.assert_allclose(tape.gradient(loss, v).numpy(), [2.0, -4.0, 6.0])


def test_python_protocols():
    rt = C(R1)
    with pytest.raises(TypeError, match="unhashable"):
        hash(rt)
    with pytest.raises(TypeError, match="boolean"):
        bool(rt)
    for clone in (pickle.loads(pickle.dumps(rt)), copy.deepcopy(rt), copy.copy(rt)):
        assert clone.to_list() == R1 and clone.row_splits.dtype == tf.int64
    u = tf.RaggedTensor.from_tensor(tf.constant(D33))
    assert pickle.loads(pickle.dumps(u)).shape.as_list() == [3, 3]


# ---- tf.ragged functions -------------------------------------------------------------

def test_range():
    assert_ragged(tf.ragged.range([3, 5, 2]), [[0, 1, 2], [0, 1, 2, 3, 4], [0, 1]], tf.int32)
    assert tf.ragged.range([0, 5, 8], [3, 3, 12]).to_list() == [[0, 1, 2], [], [8, 9, 10, 11]]
    assert tf.ragged.range([0, 5, 8], [3, 3, 12], 2).to_list() == [[0, 2], [], [8, 10]]
    assert tf.ragged.range(5, [0, 2], -2).to_list() == [[5, 3, 1], [5, 3]]
    assert tf.ragged.range(3).to_list() == [[0, 1, 2]]
    assert tf.ragged.range([5], [0], [1]).to_list() == [[]]
    f = tf.ragged.range([0., 1.], 2.5, 0.5)
    assert_ragged(f, [[0., .5, 1., 1.5, 2.], [1., 1.5, 2.]], tf.float32)
    assert tf.ragged.range([0, 1], [2.5, 3]).dtype == tf.float32
    assert tf.ragged.range([3], dtype=tf.int64).dtype == tf.int64
    assert tf.ragged.range([3], dtype=tf.float32).to_list() == [[0., 1., 2.]]
    assert tf.ragged.range([3], row_splits_dtype=tf.int32).row_splits.dtype == tf.int32
    # from TF 2.21: float values accumulate delta in float32
    got = tf.ragged.range(0., 1., 0.1).flat_values.numpy()
    want = np.array([0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.70000005, 0.8000001, 0.9000001],
                    np.float32)
    np.testing.assert_array_equal(got, want)
    with pytest.raises(InvalidArgumentError, match="delta != 0"):
        tf.ragged.range([3], 5, 0)
    with pytest.raises(InvalidArgumentError, match="scalar or vector"):
        tf.ragged.range([[1]])


def test_segment_ids_and_row_splits():
    f = tf.ragged.row_splits_to_segment_ids
    assert_tensor(f([0, 3, 3, 5, 6, 9]), [0, 0, 0, 2, 2, 3, 4, 4, 4], tf.int64)
    assert_tensor(f(tf.constant([0, 3, 3, 5, 6, 9], tf.int32)), [0, 0, 0, 2, 2, 3, 4, 4, 4],
                  tf.int32)
    assert f([0, 3], out_type=tf.int32).dtype == tf.int32
    with pytest.raises(ValueError, match="rank 1"):
        f([[0, 3]])
    g = tf.ragged.segment_ids_to_row_splits
    assert_tensor(g([0, 0, 0, 2, 2, 3, 4, 4, 4]), [0, 3, 3, 5, 6, 9], tf.int64)
    assert_tensor(g([0, 0, 0, 2, 2, 3, 4, 4, 4], num_segments=7), [0, 3, 3, 5, 6, 9, 9, 9],
                  tf.int64)
    assert_tensor(g([0, 0, 3], num_segments=2), [0, 2, 2], tf.int64)
    assert_tensor(g(tf.constant([0, 0, 0, 2], tf.int32)), [0, 3, 3, 4], tf.int32)
    assert g([0, 0, 0, 2], out_type=tf.int32).dtype == tf.int32
    assert_tensor(g([0, 2, 0]), [0, 2, 2, 3], tf.int64)
    assert_tensor(g([]), [0], tf.int64)


def test_boolean_mask():
    bm = tf.ragged.boolean_mask
    d = tf.constant([[1, 2, 3], [4, 5, 6], [7, 8, 9]])
    assert_ragged(bm(d, [[True, False, True], [False, False, False], [True, True, True]]),
                  [[1, 3], [], [7, 8, 9]], shape=[3, None])
    assert_tensor(bm(d, [True, False, True]), [[1, 2, 3], [7, 8, 9]], tf.int32)
    data = C([[1, 2, 3], [4], [5, 6]])
    assert bm(data, C([[False, False, True], [False], [True, True]])).to_list() == \
        [[3], [], [5, 6]]
    assert bm(data, [True, False, True]).to_list() == [[1, 2, 3], [5, 6]]
    cube = bm(tf.reshape(tf.range(12), [2, 3, 2]), [[True, False, True], [False, True, True]])
    assert_ragged(cube, [[[0, 1], [4, 5]], [[8, 9], [10, 11]]], shape=[2, None, 2])
    assert bm(C([[[1], [2, 3]], [[4]]]), C([[True, False], [True]])).to_list() == \
        [[[1]], [[4]]]
    full = bm(tf.reshape(tf.range(8), [2, 2, 2]), tf.reshape(tf.range(8), [2, 2, 2]) % 3 == 0)
    assert_ragged(full, [[[0], [3]], [[], [6]]], shape=[2, None, None])
    with pytest.raises(ValueError, match="rows"):
        bm(data, [True, False])
    with pytest.raises(TypeError, match="bool"):
        bm(d, [[1, 0, 1]] * 3)
    with pytest.raises(ValueError, match="scalar"):
        bm(d, True)


def test_stack():
    st = tf.ragged.stack
    assert_ragged(st([C([[1, 2], [3]]), C([[4]])]), [[[1, 2], [3]], [[4]]],
                  shape=[2, None, None])
    assert st([C([[1, 2], [3]]), C([[4], [5, 6]])], axis=1).to_list() == \
        [[[1, 2], [4]], [[3], [5, 6]]]
    assert_ragged(st([tf.constant([1, 2]), tf.constant([3, 4, 5])]), [[1, 2], [3, 4, 5]],
                  splits_dtype="int32")  # from TF 2.21: int32 splits here
    assert_tensor(st([tf.constant([1, 2]), tf.constant([3, 4])], axis=1), [[1, 3], [2, 4]],
                  tf.int32)
    assert st([tf.constant([[1, 2]]), C([[3], [4, 5]])]).to_list() == [[[1, 2]], [[3], [4, 5]]]
    assert st([[1, 2], [3]]).to_list() == [[1, 2], [3]]
    for axis in (2, -1):
        assert_ragged(st([C([[1, 2], [3]]), C([[4, 5], [6]])], axis=axis),
                      [[[1, 4], [2, 5]], [[3, 6]]], shape=[2, None, 2])
    assert st([C(R3), C([[[7]], [[8, 9]], []])], axis=1).to_list() == \
        [[[[1, 2], [3]], [[7]]], [[], [[8, 9]]], [[[4, 5, 6]], []]]
    with pytest.raises(InvalidArgumentError, match="same number of rows"):
        st([C([[1, 2], [3]]), C([[4]])], axis=1)
    with pytest.raises(InvalidArgumentError, match="dtype"):
        st([C([[1, 2], [3]]), C([[4.]])])
    with pytest.raises(ValueError, match="may not be empty"):
        st([])
    with pytest.raises(ValueError, match="rank"):
        st([C([[1, 2], [3]]), C([[[4]]])])


def test_map_flat_values():
    mfv = tf.ragged.map_flat_values
    assert mfv(tf.ones_like, C([[1, 2], [3]])).to_list() == [[1, 1], [1]]
    assert mfv(tf.multiply, C([[1, 2], [3]]), C([[4, 5], [6]])).to_list() == [[4, 10], [18]]
    assert mfv(tf.add, C([[1, 2], [3]]), 5).to_list() == [[6, 7], [8]]
    assert mfv(tf.add, x=C([[1, 2], [3]]), y=1).to_list() == [[2, 3], [4]]
    assert mfv(lambda xs: tf.add_n(xs), [C([[1, 2], [3]]), C([[1, 1], [1]])]).to_list() == \
        [[2, 3], [4]]
    assert_tensor(mfv(tf.add, 1, 2), 3, tf.int32)
    assert mfv(tf.negative, C([[[1, 2]], [[3]]])).to_list() == [[[-1, -2]], [[-3]]]
    assert mfv(tf.cast, C(R1), tf.float32).dtype == tf.float32
    with pytest.raises(InvalidArgumentError, match="different row partitions"):
        mfv(tf.add, C([[1, 2], [3]]), C([[1], [2, 3]]))
    with pytest.raises(ValueError, match="same ragged_rank"):
        mfv(tf.add, C([[[1, 2]], [[3]]]), C([[1, 2], [3]]))
    with pytest.raises(ValueError, match="outer-dimension size"):
        mfv(lambda x: x[:1], C([[1, 2], [3]]))


def test_cross():
    out = tf.ragged.cross([C([["a", "b"], ["c"]]), C([["d"], ["e"]]),
                           tf.constant([["f"], ["g"]])])
    assert_ragged(out, [["a_X_d_X_f", "b_X_d_X_f"], ["c_X_e_X_g"]], tf.string)
    # from TF 2.21: the first input varies slowest
    assert tf.ragged.cross([C([["a", "b"]]), C([["c", "d"]])]).to_list() == \
        [["a_X_c", "a_X_d", "b_X_c", "b_X_d"]]
    assert tf.ragged.cross([C([[1, 2], [3]]), C([["d"], ["e"]])]).to_list() == \
        [["1_X_d", "2_X_d"], ["3_X_e"]]
    assert tf.ragged.cross([C([["a", "b"], []]), C([["c"], ["e"]])]).to_list() == \
        [["a_X_c", "b_X_c"], []]
    with pytest.raises(InvalidArgumentError, match="batch"):
        tf.ragged.cross([C([["a"], []]), C([["c"]])])
    with pytest.raises(ValueError, match="dtype"):
        tf.ragged.cross([C([[1.5]]), C([["c"]])])
    with pytest.raises(InvalidArgumentError, match="rank=2"):
        tf.ragged.cross([tf.constant(["a", "b"])])


def test_stack_dynamic_partitions():
    sdp = tf.ragged.stack_dynamic_partitions
    assert_ragged(sdp([1, 2, 3, 4, 5], [2, 0, 2, 1, 0], 3), [[2, 5], [4], [1, 3]],
                  splits_dtype="int32")
    assert sdp([[1, 2], [3, 4], [5, 6]], [1, 0, 1], 2).to_list() == [[[3, 4]],
                                                                    [[1, 2], [5, 6]]]
    with pytest.raises(InvalidArgumentError, match="num_partitions"):
        sdp([1, 2, 3], [1, 0, 3], 2)


# ---- RaggedList interop --------------------------------------------------------------

def test_ragged_list_converts_everywhere():
    words = tf.strings.split(tf.constant(["a b c", "d e", ""]))
    # tf.strings.split now returns a RaggedTensor (it returned a RaggedList before)
    assert isinstance(words, tf.RaggedTensor)
    rt = tf.ragged.constant(words)
    assert_ragged(rt, [["a", "b", "c"], ["d", "e"], []], tf.string, [3, None])
    assert tf.ragged.map_flat_values(tf.strings.upper, words).to_list() == \
        [["A", "B", "C"], ["D", "E"], []]
    assert tf.RaggedTensor.from_row_lengths(words, [2, 0, 1]).to_list() == \
        [[["a", "b", "c"], ["d", "e"]], [], [[]]]
    assert tf.ragged.boolean_mask(words, [True, False, True]).to_list() == [["a", "b", "c"],
                                                                             []]
    assert tf.ragged.stack([words, words], axis=1).shape.as_list() == [3, None, None]
    assert tf.ragged.cross([words, words]).to_list()[1] == ["d_X_d", "d_X_e", "e_X_d",
                                                           "e_X_e"]
    assert (rt == words).to_list() == [[True, True, True], [True, True], []]
    lengths = tf.strings.length(words)
    assert (tf.ragged.constant([[1, 1, 1], [1, 1], []]) + lengths).to_list() == \
        [[2, 2, 2], [2, 2], []]
    nested = tf.strings.split(tf.constant([["a b", "c"], ["d e f", ""]]))
    assert tf.ragged.constant(nested).to_list() == [[["a", "b"], ["c"]], [["d", "e", "f"], []]]
    assert tf.RaggedTensor.from_ragged_list(RaggedList()).to_list() == []


def test_ragged_list_methods_are_on_ragged_tensor():
    words = tf.strings.split(tf.constant(["a b c", "d e", ""]))
    rt = tf.ragged.constant(words)
    for name in ["to_list", "numpy", "dtype", "ragged_rank", "shape", "nrows", "row_lengths",
                 "flat_values", "values", "to_tensor"]:
        assert hasattr(rt, name), name
    assert rt.to_list() == words.to_list()
    assert rt.dtype == words.dtype and rt.ragged_rank == words.ragged_rank
    assert rt.shape == words.shape
    assert int(rt.nrows()) == int(words.nrows())
    np.testing.assert_array_equal(rt.row_lengths().numpy(), words.row_lengths().numpy())
    np.testing.assert_array_equal(rt.flat_values.numpy(), words.flat_values.numpy())
    np.testing.assert_array_equal(rt.to_tensor().numpy(), words.to_tensor().numpy())
    np.testing.assert_array_equal(rt.to_tensor("#", shape=[2, 2]).numpy(),
                                  words.to_tensor("#", shape=[2, 2]).numpy())
    for a, b in zip(rt.numpy(), words.numpy()):
        np.testing.assert_array_equal(a, b)
    assert [r.numpy().tolist() for r in rt] == [r.numpy().tolist() for r in words]


# ---- reductions (ndflow.ragged.ragged_math) -------------------------------------------

def test_reductions():
    rt = C([[1., 2], [3], [], [4, 5, 6]])
    rm = ragged_math
    assert_tensor(rm.reduce_sum(rt, axis=1), [3., 3., 0., 15.], tf.float32)
    assert_tensor(rm.reduce_sum(rt, axis=0), [8., 7., 6.], tf.float32)
    assert_tensor(rm.reduce_sum(rt), 21., tf.float32)
    assert_tensor(rm.reduce_sum(rt, axis=[0, 1]), 21., tf.float32)
    assert_tensor(rm.reduce_sum(rt, axis=1, keepdims=True), [[3.], [3.], [0.], [15.]],
                  tf.float32)
    assert_tensor(rm.reduce_sum(rt, keepdims=True), [[21.]], tf.float32)
    assert_tensor(rm.reduce_prod(rt, axis=1), [2., 3., 1., 120.], tf.float32)
    lowest, highest = np.finfo(np.float32).min, np.finfo(np.float32).max
    # from TF 2.21: an empty row's max is the dtype's lowest value (not -inf)
    assert_tensor(rm.reduce_max(rt, axis=1), [2., 3., lowest, 6.], tf.float32)
    assert_tensor(rm.reduce_min(rt, axis=1), [1., 3., highest, 4.], tf.float32)
    assert_tensor(rm.reduce_max(C(R1), axis=1), [2, 3, np.iinfo(np.int32).min, 6], tf.int32)
    mean = rm.reduce_mean(rt, axis=1).numpy()
    np.testing.assert_allclose(mean, [1.5, 3., np.nan, 5.])
    assert_tensor(rm.reduce_mean(rt, axis=0), np.array([8 / 3, 3.5, 6.], np.float32),
                  tf.float32)
    # from TF 2.21: the mean of integers is float64
    assert_tensor(rm.reduce_mean(C([[1, 2], [3], [4, 5, 6]]), axis=1), [1.5, 3., 5.],
                  tf.float64)
    flags = C([[True], [False], []])
    assert_tensor(rm.reduce_any(flags, axis=1), [True, False, False], tf.bool)
    assert_tensor(rm.reduce_all(flags, axis=1), [True, False, True], tf.bool)
    r3 = C([[[1., 2], [3]], [], [[4, 5, 6], []]])
    assert rm.reduce_sum(r3, axis=2).to_list() == [[3., 3.], [], [15., 0.]]
    assert rm.reduce_sum(r3, axis=1).to_list() == [[4., 2.], [], [4., 5., 6.]]
    assert rm.reduce_sum(r3, axis=0).to_list() == [[5., 7., 6.], [3.]]
    assert rm.reduce_sum(r3, axis=2, keepdims=True).to_list() == [[[3.], [3.]], [],
                                                                  [[15.], [0.]]]
    inner = tf.RaggedTensor.from_row_lengths(tf.reshape(tf.range(6.), [3, 2]), [1, 2])
    assert rm.reduce_sum(inner, axis=2).to_list() == [[1.], [5., 9.]]
    assert_tensor(rm.reduce_sum(inner, axis=1), [[0., 1.], [6., 8.]], tf.float32)
    assert_tensor(rm.reduce_mean(inner, axis=1), [[0., 1.], [3., 4.]], tf.float32)
    with pytest.raises(ValueError, match="out of range"):
        rm.reduce_sum(rt, axis=2)
    # the hook ndflow's tf.reduce_* can call on ragged input
    assert_tensor(rt._ndflow_reduce("sum", axis=1), [3., 3., 0., 15.], tf.float32)
    # dense input goes to the dense op
    assert_tensor(rm.reduce_sum(tf.constant([[1, 2], [3, 4]]), axis=1), [3, 7], tf.int32)


# ---- gradients (central finite differences in float64) -------------------------------

X0 = np.array([1.0, -2.0, 3.0, 0.5, 4.0])
W = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75], [3.0, 1.0, 0.5]])


def _rt(x):
    return tf.RaggedTensor.from_row_lengths(x, [2, 0, 3])


GRAD_FUNCS = {
    "to_tensor": lambda x: tf.reduce_sum(_rt(x).to_tensor() * W),
    "to_tensor_default": lambda x: tf.reduce_sum(
        tf.RaggedTensor.from_row_lengths(x[:4], [1, 0, 3]).to_tensor(default_value=x[4]) * W),
    "arithmetic": lambda x: tf.reduce_sum(((_rt(x) ** 2) * 3. - _rt(x) / 2.).flat_values),
    "dense_broadcast": lambda x: tf.reduce_sum(
        (_rt(x) * tf.reshape(x[:3], [3, 1])).to_tensor() * W),
    "rt_times_rt": lambda x: tf.reduce_sum((_rt(x) * _rt(tf.sin(x))).flat_values),
    "getitem_row": lambda x: tf.reduce_sum(_rt(x)[2] * tf.constant([1., 2., 3.], tf.float64)),
    "getitem_slice": lambda x: tf.reduce_sum(_rt(x)[:, 1:].to_tensor() * W[:, :2]),
    "from_tensor": lambda x: tf.reduce_sum(tf.RaggedTensor.from_tensor(
        tf.reshape(tf.concat([x, x[:1]], 0), [2, 3]), lengths=[1, 3]).flat_values *
        tf.constant([1., 2., 3., 4.], tf.float64)),
    "boolean_mask": lambda x: tf.reduce_sum(tf.ragged.boolean_mask(
        _rt(x), C([[True, False], [], [True, True, False]])).to_tensor() * W[:, :2]),
    "stack": lambda x: tf.reduce_sum(tf.ragged.stack(
        [tf.RaggedTensor.from_row_lengths(x, [2, 3]),
         tf.RaggedTensor.from_row_lengths(x[::-1], [1, 4])], axis=1).flat_values *
        tf.range(10., dtype=tf.float64)),
    "map_flat_values": lambda x: tf.reduce_sum(
        tf.ragged.map_flat_values(tf.tanh, _rt(x)).to_tensor() * W),
    "merge_dims": lambda x: tf.reduce_sum(tf.RaggedTensor.from_nested_row_lengths(
        x, ([2, 1], [1, 2, 2])).merge_dims(1, 2).to_tensor() * W[:2]),
    "reduce_sum_1": lambda x: tf.reduce_sum(
        ragged_math.reduce_sum(_rt(x), axis=1) * tf.constant([1., 2., 3.], tf.float64)),
    "reduce_max_0": lambda x: tf.reduce_sum(
        ragged_math.reduce_max(_rt(x), axis=0) * tf.constant([1., 2., 3.], tf.float64)),
    "reduce_mean_1": lambda x: tf.reduce_sum(
        tf.where(tf.math.is_nan(ragged_math.reduce_mean(_rt(x), axis=1)), 0.,
                 ragged_math.reduce_mean(_rt(x), axis=1)) * tf.constant([1., 2., 3.],
                                                                        tf.float64)),
}


@pytest.mark.parametrize("name", sorted(GRAD_FUNCS))
def test_gradient_matches_finite_differences(name):
    fn = GRAD_FUNCS[name]
    x = tf.Variable(X0)
    with tf.GradientTape() as tape:
        loss = fn(x)
    got = tape.gradient(loss, x).numpy()
    eps = 1e-6
    want = np.zeros_like(X0)
    for i in range(X0.size):
        hi, lo = X0.copy(), X0.copy()
        hi[i] += eps
        lo[i] -= eps
        want[i] = (float(fn(tf.constant(hi))) - float(fn(tf.constant(lo)))) / (2 * eps)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)
    assert np.any(got != 0)


def test_tape_sees_flat_values_through_to_tensor():
    w = tf.Variable([[1.0, 2.0, 3.0]])
    values = tf.constant([1.0, 2.0, 3.0, 4.0])
    with tf.GradientTape() as tape:
        rt = tf.RaggedTensor.from_row_lengths(values * w[0, 0], [3, 1])
        loss = tf.reduce_sum(rt.to_tensor() * w)
    # d/dw00 of sum(v_ij * w00 * w_j) = sum(v_ij * w_j) + w00 * v_00 ... by hand:
    # rows [1,2,3] and [4,0,0]: loss = w00*(1*w0 + 2*w1 + 3*w2 + 4*w0)
    g = tape.gradient(loss, w).numpy()
    w0, w1, w2 = 1.0, 2.0, 3.0
    want = [(1 * w0 + 2 * w1 + 3 * w2 + 4 * w0) + w0 * (1 + 4), w0 * 2, w0 * 3]
    np.testing.assert_allclose(g, [want], rtol=1e-6)


def test_dense_tensor_on_the_left_of_an_operator():
    """Tensor operators defer to RaggedTensor (as TF's dispatch does): the dense operand
    broadcasts against the rows, comparisons give ragged bools."""
    rt = tf.ragged.constant([[1.0, 2.0], [3.0]])
    assert (tf.constant([[10.0], [20.0]]) + rt).to_list() == [[11.0, 12.0], [23.0]]
    assert (tf.constant(2.0) * rt).to_list() == [[2.0, 4.0], [6.0]]
    assert (tf.constant(1.0) - rt).to_list() == [[0.0, -1.0], [-2.0]]
    assert (tf.constant([[1.0], [3.0]]) == rt).to_list() == [[True, False], [True]]
    assert (tf.constant([[1.0], [3.0]]) < rt).to_list() == [[False, True], [False]]


# ---- RaggedTensorSpec and tf.data with RaggedTensor elements ------------------------
# expected specs and values from TF 2.21 (bytes shown decoded)

def test_ragged_tensor_spec():
    from ndflow.ragged import RaggedTensorSpec
    spec = RaggedTensorSpec([None, None], tf.string)
    assert spec.ragged_rank == 1 and spec.row_splits_dtype == tf.int64
    assert repr(spec) == "RaggedTensorSpec(TensorShape([None, None]), tf.string, 1, tf.int64)"
    assert spec == RaggedTensorSpec([None, None], tf.string, 1, tf.int64)
    assert spec != RaggedTensorSpec([None, None], tf.string, 1, tf.int32)
    got = RaggedTensorSpec.from_value(tf.ragged.constant([[[1, 2]], [[3]]]))
    assert repr(got) == "RaggedTensorSpec(TensorShape([2, None, None]), tf.int32, 2, tf.int64)"
    assert spec.is_compatible_with(tf.strings.split(["a b"]))
    assert not spec.is_compatible_with(tf.constant(["a"]))
    with pytest.raises(ValueError, match="ragged_rank"):
        RaggedTensorSpec([None, None], tf.string, ragged_rank=2)


def test_dataset_of_split_results():
    from ndflow.ragged import RaggedTensorSpec
    ds = tf.data.Dataset.from_tensor_slices(["a b", "c", "d e f", "g"]).batch(2).map(
        tf.strings.split)
    assert ds.element_spec == RaggedTensorSpec([None, None], tf.string, 1, tf.int64)
    got = list(ds)
    assert all(isinstance(x, tf.RaggedTensor) for x in got)
    assert [x.to_list() for x in got] == [[["a", "b"], ["c"]], [["d", "e", "f"], ["g"]]]
    arrays = list(ds.as_numpy_iterator())
    assert [[r.tolist() for r in a] for a in arrays] == [[["a", "b"], ["c"]],
                                                        [["d", "e", "f"], ["g"]]]
    # batching RaggedTensors adds a uniform dimension: ragged_rank 2
    b = ds.batch(2)
    assert b.element_spec == RaggedTensorSpec([None, None, None], tf.string, 2, tf.int64)
    assert [x.to_list() for x in b] == [[[["a", "b"], ["c"]], [["d", "e", "f"], ["g"]]]]
    # unbatching gives the rows (TF's spec: ragged_rank 0, the rows are dense tensors)
    ub = ds.unbatch()
    assert ub.element_spec == RaggedTensorSpec([None], tf.string, 0, tf.int64)
    assert [x.numpy().tolist() for x in ub] == [["a", "b"], ["c"], ["d", "e", "f"], ["g"]]
    with pytest.raises(TypeError, match="padded_batch"):
        ds.padded_batch(2)


def test_dataset_slices_of_a_ragged_tensor():
    from ndflow.ragged import RaggedTensorSpec
    rt = tf.ragged.constant([[1, 2], [3], [4, 5, 6]])
    s = tf.data.Dataset.from_tensor_slices(rt)
    assert s.element_spec == RaggedTensorSpec([None], tf.int32, 0, tf.int64)
    assert [x.numpy().tolist() for x in s] == [[1, 2], [3], [4, 5, 6]]
    assert [x.to_list() for x in s.batch(2)] == [[[1, 2], [3]], [[4, 5, 6]]]
    one = tf.data.Dataset.from_tensors(rt)
    assert one.element_spec == RaggedTensorSpec([3, None], tf.int32, 1, tf.int64)
    pairs = tf.data.Dataset.from_tensor_slices((tf.ragged.constant([[[1], [2]], [[3]]]),
                                                [0, 1]))
    assert pairs.element_spec[0] == RaggedTensorSpec([None, None], tf.int32, 1, tf.int64)
    assert [(x.to_list(), int(y)) for x, y in pairs] == [([[1], [2]], 0), ([[3]], 1)]


def test_lookup_in_a_dataset_map():
    layer = tf.keras.layers.StringLookup(vocabulary=["a", "b"])
    ds = tf.data.Dataset.from_tensor_slices(["a b", "c a"]).batch(2).map(
        lambda x: layer(tf.strings.split(x)))
    assert [x.to_list() for x in ds] == [[[1, 2], [0, 1]]]


def test_a_custom_layer_receives_ragged_and_sparse_inputs_as_they_are():
    from ndflow import keras

    class RowSums(keras.layers.Layer):
        def call(self, inputs):
            if isinstance(inputs, tf.SparseTensor):
                return tf.sparse.reduce_sum(inputs, axis=1)
            return tf.reduce_sum(inputs, axis=1)

    layer = RowSums()
    rt = tf.ragged.constant([[1.0, 2.0], [3.0]])
    np.testing.assert_array_equal(layer(rt).numpy(), [3.0, 3.0])
    sp = tf.sparse.from_dense(tf.constant([[1.0, 0.0], [0.0, 5.0]]))
    np.testing.assert_array_equal(layer(sp).numpy(), [1.0, 5.0])
