"""tf.SparseTensor and tf.sparse (ndflow/sparse/, ndflow/ops/sparse_ops.py).

Values are checked against NumPy on the dense equivalents, gradients against central
finite differences in float64.  Where the result depends on TensorFlow's conventions
(the order of merged entries, which errors it raises, its hashes) the expected values
are constants produced with real TensorFlow 2.21 and pasted here (marked "TF 2.21").
TensorFlow is not needed to run these tests; tests_reference/test_sparse.py compares the
two libraries directly.
"""
import pickle

import numpy as np
import pytest

import ndflow as tf
from ndflow.core.errors import InvalidArgumentError


def sp(indices, values, shape, dtype=None):
    return tf.SparseTensor(indices, tf.constant(values, dtype) if dtype else values, shape)


def parts(s):
    return s.indices.numpy().tolist(), s.values.numpy().tolist(), s.dense_shape.numpy().tolist()


def dense_of(s):
    """A float64 NumPy dense array of a SparseTensor (repeated indices add up)."""
    out = np.zeros(s.dense_shape.numpy(), np.float64)
    np.add.at(out, tuple(s.indices.numpy().T), s.values.numpy())
    return out


def random_sparse(rng, shape, density=0.4, dtype=np.float64):
    dense = rng.normal(size=shape).astype(dtype)
    dense[rng.random(shape) > density] = 0
    idx = np.argwhere(dense != 0)
    return tf.SparseTensor(idx, dense[tuple(idx.T)], list(shape)), dense


A = dict(indices=[[0, 1], [1, 0], [2, 3]], values=[1.0, -2.0, 3.0], dense_shape=[3, 4])
UNSORTED = [[2, 3], [0, 1], [1, 0]]


def a():
    return tf.SparseTensor(**A)


def b():
    return tf.SparseTensor([[0, 1], [1, 2], [2, 2]], [-1.0, 0.05, 4.0], [3, 4])


# ---- the class --------------------------------------------------------------------------------

def test_components_dtypes_and_shape():
    s = a()
    assert s.indices.dtype == tf.int64 and s.dense_shape.dtype == tf.int64
    assert s.values.dtype == tf.float32 and s.dtype == tf.float32
    assert s.shape == tf.TensorShape([3, 4]) and s.get_shape().as_list() == [3, 4]
    assert parts(s) == (A["indices"], A["values"], A["dense_shape"])
    assert tf.SparseTensor([[0]], [3], [2]).dtype == tf.int32          # Python ints: int32
    assert tf.SparseTensor([[0]], np.array([1.5]), [2]).dtype == tf.float64
    assert tf.SparseTensor([[1]], ["ab"], [3]).dtype == tf.string
    assert tf.SparseTensor([[1]], [True], [3]).dtype == tf.bool
    assert tf.SparseTensor(np.array([[0, 1]], np.int32), [1.0], [3, 4]).indices.dtype == tf.int64
    empty = tf.SparseTensor(np.zeros([0, 2]), [], [3, 4])
    assert empty.indices.shape == (0, 2) and empty.dtype == tf.float32
    assert tf.SparseTensor([[0, 1]], [1], [-1, 4]).shape.as_list() == [None, 4]
    assert tf.SparseTensor([[0]], [1.0], tf.TensorShape([2])).dense_shape.numpy().tolist() == [2]
    assert tf.sparse.SparseTensor is tf.SparseTensor
    assert s.consumers() == []
    assert not hasattr(s, "numpy")       # as in TensorFlow: use .values.numpy() etc.


def test_repr_is_tensorflows():
    s = tf.SparseTensor([[0]], [1], [2])
    assert repr(s) == str(s) == "SparseTensor(indices=%s, values=%s, dense_shape=%s)" % (
        s.indices, s.values, s.dense_shape)
    assert "values=tf.Tensor([1], shape=(1,), dtype=int32)" in repr(s)


def test_construction_errors():
    with pytest.raises(ValueError, match="indices must have rank 2"):
        tf.SparseTensor([0, 1], [1], [3, 4])
    with pytest.raises(ValueError, match="values must have rank 1"):
        tf.SparseTensor([[0, 1]], [[1]], [3, 4])
    with pytest.raises(ValueError, match="indices has 1 rows but values has 2"):
        tf.SparseTensor([[0, 1]], [1, 2], [3, 4])
    with pytest.raises(ValueError, match="dense_shape \\[3, 4, 5\\] has rank 3"):
        tf.SparseTensor([[0, 1]], [1], [3, 4, 5])
    with pytest.raises(TypeError, match="must hold integers"):
        tf.SparseTensor([[0.0, 1.0]], [1], [3, 4])
    with pytest.raises(ValueError, match="indices must be int64, got a tensor of dtype int32"):
        tf.SparseTensor(tf.constant([[0, 1]]), [1.0], [3, 4])


def test_values_from_a_variable_are_read_once():
    v = tf.Variable([1.0, 2.0])
    s = tf.SparseTensor([[0], [1]], v, [2])
    v.assign([5.0, 6.0])
    assert s.values.numpy().tolist() == [1.0, 2.0] and not s.values._is_variable


def test_with_values_from_value_set_shape_and_pickle():
    s = a()
    w = s.with_values(tf.constant([4, 5, 6]))
    assert w.dtype == tf.int32 and parts(w)[0::2] == parts(s)[0::2]
    with pytest.raises(ValueError, match="new_values must have shape \\(3,\\)"):
        s.with_values([1.0, 2.0])
    c = tf.SparseTensor.from_value(s)
    assert c is not s and parts(c) == parts(s)
    with pytest.raises(TypeError, match="neither a SparseTensor nor a SparseTensorValue"):
        tf.SparseTensor.from_value(tf.ones([2]))
    s.set_shape([3, None])
    with pytest.raises(ValueError, match="not compatible"):
        s.set_shape([5, None])
    assert parts(pickle.loads(pickle.dumps(s))) == parts(s)


def test_no_implicit_dense_conversion_and_no_other_operators():
    s = a()
    with pytest.raises(ValueError, match="tf.sparse.to_dense"):
        tf.convert_to_tensor(s)
    with pytest.raises(ValueError, match="never done implicitly"):
        np.asarray(s)
    for op in (lambda: s + s, lambda: -s, lambda: 2.0 * s, lambda: s - s, lambda: s // 2):
        with pytest.raises(TypeError):   # TF 2.21 has none of these either
            op()


# ---- sparse * dense, sparse / dense ------------------------------------------------------------

@pytest.mark.parametrize("dense_shape", [(), (4,), (1, 4), (3, 1), (3, 4), (1, 1)])
def test_mul_div_broadcast_like_numpy(dense_shape):
    rng = np.random.default_rng(1)
    s, dense = random_sparse(rng, (3, 4), density=0.6)
    y = rng.uniform(0.5, 2.0, size=dense_shape)
    full = np.broadcast_to(y, (3, 4))
    idx = s.indices.numpy()
    for result, want in ((s * tf.constant(y), dense * full), (s / tf.constant(y), dense / full)):
        assert isinstance(result, tf.SparseTensor)
        np.testing.assert_array_equal(result.indices.numpy(), idx)   # same entries
        np.testing.assert_allclose(tf.sparse.to_dense(result).numpy(), want, rtol=1e-12)
    # Python numbers, lists and NumPy arrays take the values' dtype
    f32 = a()
    assert (f32 * np.arange(4.0)).values.numpy().tolist() == [1.0, -0.0, 9.0]
    assert (f32 * [1.0, 2.0, 3.0, 4.0]).values.dtype == tf.float32


def test_mul_div_dtypes_and_errors():
    ints = sp([[0], [1]], [3, 4], [2])
    assert (ints * 2).values.numpy().tolist() == [6, 8] and (ints * 2).dtype == tf.int32
    q = ints / tf.constant([2, 8])          # TF 2.21: int32 / int32 -> float64
    assert q.dtype == tf.float64 and q.values.numpy().tolist() == [1.5, 0.5]
    q8 = sp([[0]], [3], [2], "int8") / tf.constant([2, 8], tf.int8)
    assert q8.dtype == tf.float32           # TF 2.21: small ints -> float32
    with pytest.raises(TypeError):
        sp([[0]], [3], [2]) * 2.5           # the float would lose its fraction
    with pytest.raises(ValueError, match="dtype"):
        a() * tf.constant([1, 2, 3, 4])
    with pytest.raises(InvalidArgumentError, match="broadcasts the dense operand"):
        a() * tf.ones([2, 3, 4])
    with pytest.raises(InvalidArgumentError, match="incompatible shapes"):
        a() * tf.ones([3, 5])
    with pytest.raises(InvalidArgumentError, match="divide by zero"):
        a() / tf.constant([1.0, 0.0, 1.0, 1.0])      # zero where a value is stored
    assert (a() / tf.constant([1.0, 1.0, 0.0, 1.0])).values.numpy().tolist() == [1, -2, 3]
    with pytest.raises(TypeError, match="SparseTensor too"):
        a() * a()


# ---- conversion ------------------------------------------------------------------------------

def test_to_dense_matches_numpy_and_defaults():
    rng = np.random.default_rng(2)
    s, dense = random_sparse(rng, (4, 3, 5))
    np.testing.assert_array_equal(tf.sparse.to_dense(s).numpy(), dense)
    filled = tf.sparse.to_dense(a(), default_value=-1.5).numpy()
    want = np.full((3, 4), -1.5, np.float32)
    want[0, 1], want[1, 0], want[2, 3] = 1, -2, 3
    np.testing.assert_array_equal(filled, want)
    assert tf.sparse.to_dense(a(), default_value=tf.constant(-1.5)).dtype == tf.float32
    assert tf.sparse.to_dense(sp([[1]], [4], [3]), default_value=7).numpy().tolist() == [7, 4, 7]
    assert tf.sparse.to_dense(tf.SparseTensor([[1]], [True], [3])).numpy().tolist() == \
        [False, True, False]
    strings = tf.sparse.to_dense(tf.SparseTensor([[1]], [b"a"], [3]), default_value=b"z")
    assert strings.numpy().tolist() == [b"z", b"a", b"z"]
    assert tf.sparse.to_dense(tf.SparseTensor([[1]], [b"a"], [3])).numpy().tolist() == \
        [b"", b"a", b""]
    scalar = tf.sparse.to_dense(tf.SparseTensor(np.zeros([1, 0], np.int64), [5.0], []))
    assert scalar.shape == () and float(scalar) == 5.0
    assert tf.sparse.to_dense(tf.SparseTensor(np.zeros([0, 2]), tf.zeros([0]), [0, 3])).shape \
        == (0, 3)


def test_to_dense_errors():
    # the messages follow TensorFlow 2.21's
    with pytest.raises(InvalidArgumentError, match=r"indices\[1\] = \[0,1\] is out of order"):
        tf.sparse.to_dense(sp(UNSORTED, A["values"], [3, 4]))
    np.testing.assert_array_equal(
        tf.sparse.to_dense(sp(UNSORTED, A["values"], [3, 4]), validate_indices=False).numpy(),
        tf.sparse.to_dense(tf.sparse.reorder(sp(UNSORTED, A["values"], [3, 4]))).numpy())
    with pytest.raises(InvalidArgumentError, match=r"indices\[1\] = \[0,1\] is repeated"):
        tf.sparse.to_dense(sp([[0, 1], [0, 1]], [1.0, 2.0], [3, 4]))
    with pytest.raises(InvalidArgumentError,
                       match=r"indices\[0\] = \[0,7\] is out of bounds: need 0 <= index < \[3,4\]"):
        tf.sparse.to_dense(sp([[0, 7]], [1.0], [3, 4]), validate_indices=False)
    with pytest.raises(InvalidArgumentError, match="default_value should be a scalar"):
        tf.sparse.to_dense(a(), default_value=[1.0, 2.0])
    with pytest.raises(InvalidArgumentError, match="default_value has dtype int32"):
        tf.sparse.to_dense(a(), default_value=tf.constant(-1))
    for dense in (tf.ones([2]), [1, 2], np.ones(3)):
        with pytest.raises(TypeError, match="tf.sparse.to_dense: Input must be a SparseTensor"):
            tf.sparse.to_dense(dense)


def test_from_dense_round_trip():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(3, 4, 2))
    x[rng.random(x.shape) < 0.5] = 0
    s = tf.sparse.from_dense(x)
    np.testing.assert_array_equal(s.indices.numpy(), np.argwhere(x != 0))
    np.testing.assert_array_equal(tf.sparse.to_dense(s).numpy(), x)
    assert s.dense_shape.numpy().tolist() == [3, 4, 2] and s.dtype == tf.float64
    assert parts(tf.sparse.from_dense(tf.constant([["", "a"], ["b", ""]]))) == \
        ([[0, 1], [1, 0]], ["a", "b"], [2, 2])
    nan = tf.sparse.from_dense(tf.constant([np.nan, 0.0, -0.0]))
    assert nan.indices.numpy().tolist() == [[0]] and np.isnan(nan.values.numpy()[0])
    with pytest.raises(InvalidArgumentError, match="rank >= 1"):
        tf.sparse.from_dense(3.0)
    with pytest.raises(ValueError, match="never done implicitly"):
        tf.sparse.from_dense(a())


def test_to_indicator():
    ids = sp([[0, 0], [0, 1], [1, 0]], [2, 3, 1], [2, 2], "int64")
    want = np.zeros((2, 5), bool)
    want[0, [2, 3]] = True
    want[1, 1] = True
    np.testing.assert_array_equal(tf.sparse.to_indicator(ids, 5).numpy(), want)
    three = tf.sparse.to_indicator(sp([[0, 0, 0], [1, 1, 0]], [2, 3], [2, 2, 2], "int64"), 4)
    assert three.shape == (2, 2, 4) and three.numpy()[0, 0, 2] and three.numpy()[1, 1, 3]
    assert int(tf.reduce_sum(tf.cast(three, tf.int32))) == 2
    with pytest.raises(InvalidArgumentError, match="out of bounds"):
        tf.sparse.to_indicator(sp([[0, 0]], [7], [2, 2], "int64"), 5)


# ---- rearranging -----------------------------------------------------------------------------

def test_reorder_is_stable_row_major():
    s = tf.sparse.reorder(sp(UNSORTED, [1.0, 2.0, 3.0], [3, 4]))
    assert parts(s) == ([[0, 1], [1, 0], [2, 3]], [2.0, 3.0, 1.0], [3, 4])
    dup = tf.sparse.reorder(sp([[0, 1], [0, 0], [0, 1]], [2.0, 1.0, 3.0], [3, 4]))
    assert parts(dup)[1] == [1.0, 2.0, 3.0]        # TF 2.21: repeats keep their order


@pytest.mark.parametrize("new_shape", [[2, -1], [2, 3, 2], [12], [-1, 3, 1]])
def test_reshape_like_numpy(new_shape):
    rng = np.random.default_rng(4)
    s, dense = random_sparse(rng, (3, 4))
    r = tf.sparse.reshape(s, new_shape)
    np.testing.assert_array_equal(tf.sparse.to_dense(r).numpy(), dense.reshape(new_shape))
    np.testing.assert_array_equal(r.values.numpy(), s.values.numpy())   # order kept


def test_reshape_errors():
    with pytest.raises(InvalidArgumentError, match="only one output dimension may be -1"):
        tf.sparse.reshape(a(), [-1, -1])
    with pytest.raises(InvalidArgumentError, match="needs a multiple of 5"):
        tf.sparse.reshape(a(), [5, -1])
    with pytest.raises(InvalidArgumentError, match="has 15"):
        tf.sparse.reshape(a(), [5, 3])


def test_transpose_expand_dims_reset_shape():
    rng = np.random.default_rng(5)
    s, dense = random_sparse(rng, (2, 3, 4))
    for perm in (None, [2, 0, 1], [0, 2, 1]):
        t = tf.sparse.transpose(s, perm)
        np.testing.assert_array_equal(tf.sparse.to_dense(t).numpy(), np.transpose(dense, perm))
        idx = t.indices.numpy()
        np.testing.assert_array_equal(idx, idx[np.lexsort(idx.T[::-1])])   # row-major
    with pytest.raises(InvalidArgumentError, match="not a permutation"):
        tf.sparse.transpose(a(), [0, 0])
    for axis in (0, 1, 2, -1, -3):
        e = tf.sparse.expand_dims(a(), axis)
        np.testing.assert_array_equal(tf.sparse.to_dense(e).numpy(),
                                      np.expand_dims(dense_of(a()), axis))
    assert tf.sparse.expand_dims(a()).dense_shape.numpy().tolist() == [3, 4, 1]
    with pytest.raises(InvalidArgumentError, match="out of range"):
        tf.sparse.expand_dims(a(), 3)
    tight = tf.sparse.reset_shape(sp([[0, 1], [1, 0]], [1.0, 2.0], [5, 6]))
    assert tight.dense_shape.numpy().tolist() == [2, 2]
    assert tf.sparse.reset_shape(tf.SparseTensor(np.zeros([0, 2]), tf.zeros([0]), [5, 6])) \
        .dense_shape.numpy().tolist() == [0, 0]
    assert tf.sparse.reset_shape(a(), [5, 6]).dense_shape.numpy().tolist() == [5, 6]
    with pytest.raises(ValueError, match="every size >= the SparseTensor's dense_shape"):
        tf.sparse.reset_shape(a(), [2, 6])
    with pytest.raises(ValueError, match="rank 3"):
        tf.sparse.reset_shape(a(), [5, 6, 7])


def test_slice_split_retain():
    rng = np.random.default_rng(6)
    s, dense = random_sparse(rng, (5, 6), density=0.5)
    for start, size in (([0, 1], [2, 3]), ([1, 0], [9, 9]), ([2, 2], [0, 3]), ([7, 0], [2, 2])):
        r = tf.sparse.slice(s, start, size)
        want = dense[start[0]:start[0] + size[0], start[1]:start[1] + size[1]]
        assert r.dense_shape.numpy().tolist() == list(want.shape)
        np.testing.assert_array_equal(tf.sparse.to_dense(r).numpy(), want)
    with pytest.raises(InvalidArgumentError, match="non-negative size"):
        tf.sparse.slice(s, [0, 0], [-1, 2])
    with pytest.raises(InvalidArgumentError, match="vector of length 2"):
        tf.sparse.slice(s, [0], [2, 3])
    for n, axis in ((2, 1), (3, 1), (4, 0), (5, 0)):
        pieces = tf.sparse.split(sp_input=s, num_split=n, axis=axis)
        np.testing.assert_array_equal(
            np.concatenate([tf.sparse.to_dense(p).numpy() for p in pieces], axis=axis), dense)
        sizes = [p.dense_shape.numpy()[axis] for p in pieces]
        assert sizes == [d.shape[axis] for d in np.array_split(dense, n, axis=axis)]
    # TF 2.21: the values keep their order inside a piece
    first = tf.sparse.split(sp_input=sp([[1, 3], [0, 1], [0, 0]], [2.0, 1.0, 5.0], [3, 4]),
                            num_split=2, axis=0)[0]
    assert parts(first) == ([[1, 3], [0, 1], [0, 0]], [2.0, 1.0, 5.0], [2, 4])
    with pytest.raises(ValueError, match="axis is required"):
        tf.sparse.split(sp_input=s, num_split=2)
    with pytest.raises(InvalidArgumentError, match="between 1 and the size"):
        tf.sparse.split(sp_input=s, num_split=7, axis=1)
    kept = tf.sparse.retain(b(), [True, False, True])
    assert parts(kept) == ([[0, 1], [2, 2]], [-1.0, 4.0], [3, 4])
    with pytest.raises(ValueError, match="one flag per value"):
        tf.sparse.retain(b(), [True, False])


def test_fill_empty_rows():
    out, empty = tf.sparse.fill_empty_rows(sp([[0, 1], [2, 3], [4, 0]], [1.0, 2.0, 3.0], [6, 4]),
                                           -1.0)
    # TF 2.21
    assert parts(out) == ([[0, 1], [1, 0], [2, 3], [3, 0], [4, 0], [5, 0]],
                          [1.0, -1.0, 2.0, -1.0, 3.0, -1.0], [6, 4])
    assert empty.numpy().tolist() == [False, True, False, True, False, True]
    out, _ = tf.sparse.fill_empty_rows(sp([[2, 0], [0, 3], [0, 1]], [1.0, 2.0, 3.0], [3, 4]), -1.0)
    assert parts(out)[:2] == ([[0, 3], [0, 1], [1, 0], [2, 0]], [2.0, 3.0, -1.0, 1.0])  # TF 2.21
    out, _ = tf.sparse.fill_empty_rows(tf.SparseTensor([[1]], ["a"], [3]), "z")
    assert parts(out)[1] == ["z", "a", "z"]
    assert tf.sparse.fill_empty_rows(sp([[1]], [1.0], [3]), 9)[0].dtype == tf.float32
    with pytest.raises(ValueError, match="default_value has dtype int32"):
        tf.sparse.fill_empty_rows(sp([[1]], [1.0], [3]), tf.constant(9))


# ---- combining -------------------------------------------------------------------------------

def test_add_sparse_sparse_like_numpy():
    rng = np.random.default_rng(7)
    s1, d1 = random_sparse(rng, (4, 5))
    s2, d2 = random_sparse(rng, (4, 5))
    total = tf.sparse.add(s1, s2)
    np.testing.assert_allclose(tf.sparse.to_dense(total).numpy(), d1 + d2, rtol=1e-12)
    want_idx = np.argwhere((d1 != 0) | (d2 != 0))
    np.testing.assert_array_equal(total.indices.numpy(), want_idx)


def test_add_threshold_and_tensorflow_merge_order():
    # TF 2.21: the threshold drops only sums of two stored values, |sum| < threshold
    assert parts(tf.sparse.add(a(), b())) == (
        [[0, 1], [1, 0], [1, 2], [2, 2], [2, 3]], [0.0, -2.0, 0.05000000074505806, 4.0, 3.0],
        [3, 4])
    assert parts(tf.sparse.add(a(), b(), threshold=0.1))[0] == [[1, 0], [1, 2], [2, 2], [2, 3]]
    assert parts(tf.sparse.add(sp([[0]], [0.25], [3]), sp([[0]], [0.25], [3]),
                               threshold=0.5))[1] == [0.5]
    # TF 2.21: repeated indices pair up one by one; unsorted inputs merge step by step
    assert parts(tf.sparse.add(sp([[0], [0]], [1.0, 2.0], [3]), sp([[0]], [10.0], [3]))) == \
        ([[0], [0]], [11.0, 2.0], [3])
    unsorted = tf.sparse.add(sp([[2, 3], [0, 1]], [2.0, 1.0], [3, 4]),
                             sp([[0, 1], [1, 0], [2, 2]], [-1.0, 0.5, 3.0], [3, 4]))
    assert parts(unsorted)[:2] == ([[0, 1], [1, 0], [2, 2], [2, 3], [0, 1]],
                                   [-1.0, 0.5, 3.0, 2.0, 1.0])
    ints = tf.sparse.add(sp([[0]], [1], [3]), sp([[0], [2]], [-1, 4], [3]), threshold=2)
    assert parts(ints) == ([[2]], [4], [3]) and ints.dtype == tf.int32


def test_add_with_dense_and_errors():
    out = tf.sparse.add(sp([[0], [0], [2]], [1.0, 2.0, 5.0], [3]), tf.constant([1.0, 1.0, 1.0]))
    assert out.numpy().tolist() == [4.0, 1.0, 6.0]      # repeated indices add up
    np.testing.assert_array_equal(tf.sparse.add(tf.ones([3, 4]), a()).numpy(),
                                  dense_of(a()) + 1)
    with pytest.raises(TypeError, match="At least one input should be a SparseTensor"):
        tf.sparse.add(tf.ones([2]), tf.ones([2]))
    with pytest.raises(InvalidArgumentError, match="different ranks"):
        tf.sparse.add(a(), tf.ones([4]))
    with pytest.raises(InvalidArgumentError, match="no broadcasting is supported"):
        tf.sparse.add(a(), tf.ones([3, 5]))
    with pytest.raises(InvalidArgumentError, match="Operands' shapes do not match"):
        tf.sparse.add(a(), sp([[0, 1]], [1.0], [3, 5]))
    with pytest.raises(InvalidArgumentError, match="dtypes float32 and int32"):
        tf.sparse.add(a(), sp([[0, 1]], [1], [3, 4]))


def test_maximum_minimum():
    rng = np.random.default_rng(8)
    s1, d1 = random_sparse(rng, (3, 4))
    s2, d2 = random_sparse(rng, (3, 4))
    for fn, np_fn in ((tf.sparse.maximum, np.maximum), (tf.sparse.minimum, np.minimum)):
        out = fn(s1, s2)
        np.testing.assert_array_equal(tf.sparse.to_dense(out).numpy(), np_fn(d1, d2))
        np.testing.assert_array_equal(out.indices.numpy(), np.argwhere((d1 != 0) | (d2 != 0)))
    # TF 2.21: a missing entry counts as 0; repeats pair up
    assert parts(tf.sparse.maximum(sp([[0]], [-3], [2]), sp([[1]], [-4], [2])))[1] == [0, 0]
    assert parts(tf.sparse.maximum(sp([[0], [0]], [1.0, 7.0], [2]), sp([[0]], [2.0], [2])))[1] \
        == [2.0, 7.0]
    with pytest.raises(TypeError, match="Input must be a SparseTensor"):
        tf.sparse.maximum(a(), tf.ones([3, 4]))


def test_concat():
    rng = np.random.default_rng(9)
    pieces = [random_sparse(rng, (3, n)) for n in (2, 4, 1)]
    for axis in (1, -1):
        out = tf.sparse.concat(axis, [p[0] for p in pieces])
        np.testing.assert_array_equal(tf.sparse.to_dense(out).numpy(),
                                      np.concatenate([p[1] for p in pieces], axis=1))
        idx = out.indices.numpy()
        np.testing.assert_array_equal(idx, idx[np.lexsort(idx.T[::-1])])
    # TF 2.21: row-major, stable for repeats
    assert parts(tf.sparse.concat(0, [sp([[0], [0]], [1.0, 2.0], [2]),
                                      sp([[1], [0]], [3.0, 4.0], [2])])) == \
        ([[0], [0], [2], [3]], [1.0, 2.0, 4.0, 3.0], [4])
    expanded = tf.sparse.concat(1, [a(), sp([[0, 0], [1, 1]], [7.0, 8.0], [2, 2])],
                                expand_nonconcat_dims=True)
    assert parts(expanded) == ([[0, 1], [0, 4], [1, 0], [1, 5], [2, 3]],
                               [1.0, 7.0, -2.0, 8.0, 3.0], [3, 6])
    with pytest.raises(InvalidArgumentError, match="expected 3 for dimension 0 but got 2"):
        tf.sparse.concat(1, [a(), sp([[0, 0]], [7.0], [2, 2])])
    with pytest.raises(TypeError, match="Input must be a SparseTensor"):
        tf.sparse.concat(0, [a(), tf.ones([1, 4])])
    with pytest.raises(InvalidArgumentError, match="dtype int32"):
        tf.sparse.concat(0, [a(), sp([[0, 1]], [1], [3, 4])])


# ---- products and reductions ---------------------------------------------------------------

@pytest.mark.parametrize("adjoint_a", [False, True])
@pytest.mark.parametrize("adjoint_b", [False, True])
def test_sparse_dense_matmul_like_numpy(adjoint_a, adjoint_b):
    rng = np.random.default_rng(10)
    s, dense = random_sparse(rng, (4, 6) if not adjoint_a else (6, 4))
    a_mat = dense.T if adjoint_a else dense
    rhs = rng.normal(size=(6, 3))
    bb = rhs.T if adjoint_b else rhs
    got = tf.sparse.sparse_dense_matmul(s, tf.constant(bb), adjoint_a=adjoint_a,
                                        adjoint_b=adjoint_b)
    np.testing.assert_allclose(got.numpy(), a_mat @ rhs, rtol=1e-12, atol=1e-12)
    # a dense matrix on the left of a sparse one
    lhs = rng.normal(size=(3, 4) if not adjoint_a else (4, 3))
    s2, d2 = random_sparse(rng, (4, 5) if not adjoint_b else (5, 4))
    got = tf.sparse.sparse_dense_matmul(tf.constant(lhs), s2, adjoint_a=adjoint_a,
                                        adjoint_b=adjoint_b)
    np.testing.assert_allclose(got.numpy(), (lhs.T if adjoint_a else lhs) @
                               (d2.T if adjoint_b else d2), rtol=1e-12, atol=1e-12)


def test_sparse_dense_matmul_complex_repeats_and_errors():
    c = sp([[0, 1], [1, 0]], [1 + 2j, 3 - 1j], [2, 2], "complex128")
    m = np.array([[1j, 2], [3, 4 - 1j]])
    got = tf.sparse.sparse_dense_matmul(c, tf.constant(m), adjoint_a=True, adjoint_b=True)
    np.testing.assert_allclose(got.numpy(), dense_of_complex(c).conj().T @ m.conj().T)
    rep = tf.sparse.sparse_dense_matmul(sp([[0, 1], [0, 1]], [2.0, 3.0], [2, 2]), tf.ones([2, 2]))
    assert rep.numpy().tolist() == [[5.0, 5.0], [0.0, 0.0]]
    ints = tf.sparse.sparse_dense_matmul(sp([[0, 1], [1, 1]], [2, 3], [2, 2]),
                                         tf.constant([[1, 2], [3, 4]]))
    assert ints.dtype == tf.int32 and ints.numpy().tolist() == [[6, 8], [9, 12]]
    with pytest.raises(InvalidArgumentError, match="inner dimensions do not match: 4 vs. 3"):
        tf.sparse.sparse_dense_matmul(a(), tf.ones([3, 2]))
    with pytest.raises(InvalidArgumentError, match="must be a matrix"):
        tf.sparse.sparse_dense_matmul(a(), tf.ones([4]))
    with pytest.raises(InvalidArgumentError, match="dtype float64"):
        tf.sparse.sparse_dense_matmul(a(), tf.ones([4, 2], tf.float64))
    with pytest.raises(InvalidArgumentError, match="out of bounds"):
        tf.sparse.sparse_dense_matmul(sp([[0, 5]], [2.0], [2, 2]), tf.ones([2, 2]))
    with pytest.raises(TypeError, match="For two dense matrices use tf.matmul"):
        tf.sparse.sparse_dense_matmul(tf.ones([2, 3]), tf.ones([3, 2]))
    with pytest.raises(TypeError, match="both operands are SparseTensors"):
        tf.sparse.sparse_dense_matmul(a(), a())


def dense_of_complex(s):
    out = np.zeros(s.dense_shape.numpy(), np.complex128)
    out[tuple(s.indices.numpy().T)] = s.values.numpy()
    return out


@pytest.mark.parametrize("axis", [None, 0, 1, -1, [0, 2], [1, 1], 2])
@pytest.mark.parametrize("keepdims", [False, True])
def test_reduce_sum_like_numpy(axis, keepdims):
    rng = np.random.default_rng(11)
    s, dense = random_sparse(rng, (3, 4, 2))
    np_axis = None if axis is None else tuple(sorted(set(np.atleast_1d(axis) % 3)))
    want = dense.sum(axis=np_axis, keepdims=keepdims)
    got = tf.sparse.reduce_sum(s, axis, keepdims=keepdims)
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-12, atol=1e-15)
    sparse = tf.sparse.reduce_sum(s, axis, keepdims=keepdims, output_is_sparse=True)
    np.testing.assert_allclose(tf.sparse.to_dense(sparse).numpy(), want, rtol=1e-12,
                               atol=1e-15)
    idx = sparse.indices.numpy()
    np.testing.assert_array_equal(idx, idx[np.lexsort(idx.T[::-1])] if idx.size else idx)


def test_reduce_max_and_tensorflow_conventions():
    s = sp([[0, 1], [2, 0], [2, 3]], [-1.0, -4.0, 2.0], [3, 4])
    # TF 2.21: only the stored values take part; an empty group gives 0
    assert tf.sparse.reduce_max(s, 1).numpy().tolist() == [-1.0, 0.0, 2.0]
    assert parts(tf.sparse.reduce_max(s, 1, output_is_sparse=True)) == \
        ([[0], [2]], [-1.0, 2.0], [3])
    assert float(tf.sparse.reduce_max(s)) == 2.0
    assert tf.sparse.reduce_max(sp([[0, 1]], [2], [2, 2], "uint8"), 1).numpy().tolist() == [2, 0]
    empty = tf.SparseTensor(np.zeros([0, 2]), tf.zeros([0]), [2, 2])
    assert float(tf.sparse.reduce_max(empty)) == 0.0
    # TF 2.21: a NaN is replaced by a later value in row-major order, and wins when last
    assert tf.sparse.reduce_max(sp([[0, 0], [0, 1]], [np.nan, 1.0], [2, 2]), 1).numpy()[0] == 1.0
    assert np.isnan(tf.sparse.reduce_max(sp([[0, 1], [0, 0]], [np.nan, 1.0], [2, 2]),
                                         1).numpy()[0])
    # TF 2.21 shapes of a full reduction with sparse output
    full = tf.sparse.reduce_sum(a(), output_is_sparse=True)
    assert full.indices.shape == (1, 0) and parts(full)[1:] == ([2.0], [])
    none = tf.sparse.reduce_sum(empty, output_is_sparse=True)
    assert none.indices.shape == (0, 0) and none.dense_shape.shape == (0,)
    assert parts(tf.sparse.reduce_sum(sp([[0, 1], [0, 2]], [1.0, -1.0], [2, 3]), 1,
                                      output_is_sparse=True)) == ([[0]], [0.0], [2])
    with pytest.raises(InvalidArgumentError, match="invalid reduction dimension 2"):
        tf.sparse.reduce_sum(a(), 2)
    with pytest.raises(InvalidArgumentError, match="dtype bool"):
        tf.sparse.reduce_max(tf.SparseTensor([[0, 1]], [True], [2, 2]), 1)
    with pytest.raises(InvalidArgumentError, match="dtype string"):
        tf.sparse.reduce_sum(tf.SparseTensor([[0, 1]], ["a"], [2, 2]), 1)


def test_eye():
    np.testing.assert_array_equal(tf.sparse.to_dense(tf.sparse.eye(3)).numpy(), np.eye(3))
    rect = tf.sparse.eye(2, 4, dtype=tf.int32)
    assert rect.dtype == tf.int32 and rect.dense_shape.numpy().tolist() == [2, 4]
    np.testing.assert_array_equal(tf.sparse.to_dense(tf.sparse.eye(4, 2)).numpy(), np.eye(4, 2))
    assert tf.sparse.eye(0).indices.shape == (0, 2)


def test_softmax_per_group():
    idx = [[0, 0], [0, 2], [1, 1], [2, 0], [2, 1], [2, 3]]
    vals = np.array([1.0, 2.0, 3.0, -1.0, 0.0, 1.0])
    out = tf.sparse.softmax(sp(idx, vals, [3, 4], "float64")).values.numpy()
    want = np.concatenate([np.exp(g) / np.exp(g).sum() for g in (vals[:2], vals[2:3], vals[3:])])
    np.testing.assert_allclose(out, want, rtol=1e-12)
    three = tf.sparse.softmax(sp([[0, 0, 0], [0, 0, 2], [0, 1, 0], [1, 1, 1]],
                                 [1.0, 2.0, 4.0, 3.0], [2, 2, 3]))
    np.testing.assert_allclose(three.values.numpy(), [0.26894143, 0.7310586, 1.0, 1.0],
                               rtol=1e-6)   # TF 2.21
    with pytest.raises(InvalidArgumentError, match="rank >= 2"):
        tf.sparse.softmax(sp([[0], [2]], [1.0, 2.0], [4]))
    with pytest.raises(InvalidArgumentError, match="dtype int32"):
        tf.sparse.softmax(sp([[0, 0]], [1], [3, 4]))


def test_map_values():
    sq = tf.sparse.map_values(tf.math.square, a())
    assert parts(sq) == (A["indices"], [1.0, 4.0, 9.0], A["dense_shape"])
    assert parts(tf.sparse.map_values(tf.add, a(), a()))[1] == [2.0, -4.0, 6.0]
    assert parts(tf.sparse.map_values(tf.add, x=a(), y=5.0))[1] == [6.0, 3.0, 8.0]
    assert parts(tf.sparse.map_values(lambda d: d["k"] * 2, {"k": a()}))[1] == [2.0, -4.0, 6.0]
    with pytest.raises(InvalidArgumentError, match="mismatched indices"):
        tf.sparse.map_values(tf.add, a(), b())
    with pytest.raises(InvalidArgumentError, match="mismatched shapes"):
        tf.sparse.map_values(tf.add, a(), tf.SparseTensor(A["indices"], A["values"], [3, 5]))
    with pytest.raises(ValueError, match="no SparseTensor"):
        tf.sparse.map_values(tf.add, 1.0, 2.0)
    with pytest.raises(ValueError, match="keep the shape of the values"):
        tf.sparse.map_values(lambda v: tf.concat([v, v], 0), a())


# ---- segments ----------------------------------------------------------------------------

def test_segment_reductions_like_numpy():
    data = np.arange(12.0).reshape(4, 3)
    ind, seg = [0, 1, 3, 3, 2], [0, 0, 2, 2, 3]
    rows = data[ind]
    sums = np.zeros((4, 3))
    np.add.at(sums, seg, rows)
    counts = np.bincount(seg, minlength=4)[:, None]
    np.testing.assert_allclose(tf.sparse.segment_sum(data, ind, seg).numpy(), sums)
    np.testing.assert_allclose(tf.sparse.segment_mean(data, ind, seg).numpy(),
                               sums / np.maximum(counts, 1))
    np.testing.assert_allclose(tf.sparse.segment_sqrt_n(data, ind, seg).numpy(),
                               sums / np.sqrt(np.maximum(counts, 1)))
    assert tf.sparse.segment_sum(data, ind, seg, num_segments=6).shape == (6, 3)
    assert tf.sparse.segment_sum(tf.constant([[1, 2], [3, 4]]), [0, 1], [0, 0]).dtype == tf.int32
    assert tf.sparse.segment_sum(data, np.zeros(0, np.int32), np.zeros(0, np.int32)).shape \
        == (0, 3)
    # errors, with TensorFlow 2.21's wording
    with pytest.raises(InvalidArgumentError, match="segment ids are not increasing"):
        tf.sparse.segment_sum(data, [0, 1, 3], [1, 0, 0])
    with pytest.raises(InvalidArgumentError, match=r"indices\[2\] == 7 is out of range"):
        tf.sparse.segment_sum(data, [0, 1, 7], [0, 0, 1])
    with pytest.raises(InvalidArgumentError, match="should have the same size"):
        tf.sparse.segment_sum(data, [0, 1], [0, 0, 1])
    with pytest.raises(InvalidArgumentError, match="must be < num_segments"):
        tf.sparse.segment_sum(data, [0, 1, 3], [0, 0, 2], num_segments=2)
    with pytest.raises(InvalidArgumentError, match="should be a vector"):
        tf.sparse.segment_sum(data, [[0, 1]], [[0, 0]])
    with pytest.raises(InvalidArgumentError, match="needs float data"):
        tf.sparse.segment_mean(tf.constant([[1, 2], [3, 4]]), [0, 1], [0, 0])


# ---- counting and crossing -----------------------------------------------------------------

def test_bincount():
    values = sp([[0, 0], [0, 2], [1, 1], [1, 3]], [1, 2, 2, 5], [2, 4])
    assert parts(tf.sparse.bincount(values)) == ([[1], [2], [5]], [1, 2, 1], [6])
    assert parts(tf.sparse.bincount(values, axis=-1)) == \
        ([[0, 1], [0, 2], [1, 2], [1, 5]], [1, 1, 1, 1], [2, 6])
    dense = tf.sparse.bincount(tf.constant([[1, 2], [2, 5]]), axis=-1)
    assert parts(dense) == parts(tf.sparse.bincount(values, axis=-1))
    weighted = tf.sparse.bincount(tf.constant([1, 1, 3]), weights=tf.constant([0.5, 0.25, 2.0]))
    assert parts(weighted) == ([[1], [3]], [0.75, 2.0], [4]) and weighted.dtype == tf.float32
    assert parts(tf.sparse.bincount(tf.constant([[1, 1, 2]]), axis=-1, binary_output=True))[1] \
        == [1, 1]
    # TF 2.21 sizes: largest + 1, at least minlength, at most maxlength; empty input -> [1]
    assert parts(tf.sparse.bincount(values, minlength=8))[2] == [8]
    assert parts(tf.sparse.bincount(values, maxlength=3)) == ([[1], [2]], [1, 2], [3])
    assert parts(tf.sparse.bincount(tf.constant([1, 7]), minlength=6, maxlength=5))[2] == [5]
    assert parts(tf.sparse.bincount(tf.constant([], tf.int32))) == ([], [], [1])
    rng = np.random.default_rng(12)
    x = rng.integers(0, 9, size=50)
    c = tf.sparse.bincount(tf.constant(x, tf.int64))
    np.testing.assert_array_equal(tf.sparse.to_dense(c).numpy(), np.bincount(x))
    assert c.dtype == tf.int64
    with pytest.raises(InvalidArgumentError, match="non-negative"):
        tf.sparse.bincount(tf.constant([-1, 2]))
    with pytest.raises(ValueError, match="mutually exclusive"):
        tf.sparse.bincount(tf.constant([1]), weights=tf.constant([1.0]), binary_output=True)


def test_cross_and_cross_hashed_match_tensorflow():
    inputs = [tf.SparseTensor([[0, 0], [1, 0], [1, 1]], ["a", "b", "c"], [2, 2]),
              tf.constant([["d"], ["e"]])]
    assert parts(tf.sparse.cross(inputs)) == ([[0, 0], [1, 0], [1, 1]],
                                              ["a_X_d", "b_X_e", "c_X_e"], [2, 2])
    three = tf.sparse.cross([tf.constant([["a", "b"]]), tf.constant([["c", "d"]]),
                             tf.constant([["e", "f"]])])
    assert parts(three)[1] == ["a_X_c_X_e", "a_X_c_X_f", "a_X_d_X_e", "a_X_d_X_f",
                               "b_X_c_X_e", "b_X_c_X_f", "b_X_d_X_e", "b_X_d_X_f"]
    assert parts(tf.sparse.cross([tf.constant([[1, 2]]), tf.constant([["d"]])],
                                 separator="-"))[1] == ["1-d", "2-d"]
    # TF 2.21 hashes
    hashed = tf.sparse.cross_hashed(inputs, num_buckets=100)
    assert parts(hashed)[1] == [82, 61, 41] and hashed.dtype == tf.int64
    assert parts(tf.sparse.cross_hashed([tf.constant([["a", "b"]]),
                                         tf.constant([["c", "d"]])]))[1] == \
        [1265624096873407566, 1584069791037555375, 2725843207563437254, 2292520902626215647]
    assert parts(tf.sparse.cross_hashed([tf.constant([[1, -2]], tf.int64),
                                         tf.constant([["c"]])]))[1] == \
        [8255401821285888731, 1580895765584166313]
    assert parts(tf.sparse.cross_hashed([tf.constant([["a"]]), tf.constant([["c"]])],
                                        hash_key=7))[1] == [4406271492663848617]
    with pytest.raises(InvalidArgumentError, match="should be matrices"):
        tf.sparse.cross([tf.constant(["a", "b"]), tf.constant(["c", "d"])])
    with pytest.raises(InvalidArgumentError, match="expected batch size 2, got 1"):
        tf.sparse.cross([tf.constant([["a"], ["b"]]), tf.constant([["c"]])])


def test_mask_drops_slices():
    class Slices:      # an IndexedSlices-like value: values, indices, dense_shape
        def __init__(self, values, indices, dense_shape=None):
            self.values, self.indices, self.dense_shape = values, indices, dense_shape
    m = tf.sparse.mask(Slices(tf.constant([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]),
                              tf.constant([0, 3, 5]), tf.constant([10, 2])), tf.constant([3]))
    assert m.values.numpy().tolist() == [[1.0, 2.0], [5.0, 6.0]]
    assert m.indices.numpy().tolist() == [0, 5]
    with pytest.raises(TypeError, match="use tf.sparse.retain"):
        tf.sparse.mask(a(), [1])


# ---- gradients against finite differences ------------------------------------------------------

def fd_check(fn, arrays, eps=1e-6, rtol=1e-6, atol=1e-8):
    """fn(*tensors) -> Tensor or SparseTensor; compares tape gradients of sum(w * out) with
    central differences for every float64 input array."""
    rng = np.random.default_rng(0)

    def output(*xs):
        out = fn(*xs)
        return out.values if isinstance(out, tf.SparseTensor) else out
    shape = output(*[tf.constant(x) for x in arrays]).shape
    w = rng.normal(size=tuple(shape))

    def loss_np(*xs):
        return float(np.sum(w * output(*[tf.constant(x) for x in xs]).numpy()))
    vs = [tf.Variable(x) for x in arrays]
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(output(*vs) * tf.constant(w))
    grads = tape.gradient(y, vs)
    for i, x in enumerate(arrays):
        num = np.zeros_like(x)
        for j in np.ndindex(x.shape):
            up, down = [a.copy() for a in arrays], [a.copy() for a in arrays]
            up[i][j] += eps
            down[i][j] -= eps
            num[j] = (loss_np(*up) - loss_np(*down)) / (2 * eps)
        assert grads[i] is not None, "no gradient for input %d" % i
        np.testing.assert_allclose(grads[i].numpy(), num, rtol=rtol, atol=atol,
                                   err_msg="input %d" % i)


IDX = [[0, 1], [1, 0], [2, 1], [2, 3]]
VALS = np.array([0.5, -1.5, 2.0, 0.75])


def S(v, idx=IDX, shape=(3, 4)):
    return tf.SparseTensor(idx, v, list(shape))


@pytest.mark.parametrize("adj", [(False, False), (True, False), (False, True), (True, True)])
def test_sparse_dense_matmul_gradients(adj):
    rng = np.random.default_rng(13)
    rhs = rng.normal(size=(3, 2) if adj[0] else (4, 2))
    rhs = rhs.T.copy() if adj[1] else rhs
    fd_check(lambda v, d: tf.sparse.sparse_dense_matmul(S(v), d, adjoint_a=adj[0],
                                                        adjoint_b=adj[1]), [VALS, rhs])
    lhs = rng.normal(size=(2, 3))
    fd_check(lambda v, d: tf.sparse.sparse_dense_matmul(d, S(v), adjoint_a=False,
                                                        adjoint_b=False), [VALS, lhs])


def test_second_order_gradient_of_sparse_dense_matmul():
    v = tf.Variable(VALS)
    d = tf.Variable(np.arange(8.0).reshape(4, 2))
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            y = tf.reduce_sum(tf.sparse.sparse_dense_matmul(S(v), d) ** 2)
        gv = inner.gradient(y, v)
        z = tf.reduce_sum(gv)
    g2 = outer.gradient(z, d)
    # z = sum_i 2 * (A d)[r_i, :] . d[c_i, :], differentiated in NumPy
    A_ = np.zeros((3, 4))
    np.add.at(A_, tuple(np.array(IDX).T), VALS)
    dd = d.numpy()
    want = np.zeros_like(dd)
    for (r, c) in IDX:
        want[c] += 2 * (A_ @ dd)[r]
        want += 2 * np.outer(A_[r], dd[c])
    np.testing.assert_allclose(g2.numpy(), want, rtol=1e-12)


def test_value_gradients_of_the_sparse_functions():
    rng = np.random.default_rng(14)
    dense = rng.normal(size=(3, 4))
    fd_check(lambda v: tf.sparse.to_dense(S(v)), [VALS])
    fd_check(lambda v, d: tf.sparse.to_dense(S(v), default_value=tf.reshape(d, [])),
             [VALS, np.array([0.3])])
    for axis in (None, 0, 1):
        fd_check(lambda v: tf.sparse.reduce_sum(S(v), axis), [VALS])
        fd_check(lambda v: tf.sparse.reduce_sum(S(v), axis, output_is_sparse=True), [VALS])
    fd_check(lambda v, w: tf.sparse.add(S(v), S(w, [[0, 1], [1, 2], [2, 3]])),
             [VALS, np.array([1.0, 2.0, -2.0])])
    fd_check(lambda v, w: tf.sparse.add(S(v), S(w, [[0, 1]]), threshold=0.6),
             [VALS, np.array([-0.25])])         # the dropped sum has no gradient
    fd_check(lambda v, d: tf.sparse.add(S(v), d), [VALS, dense])
    fd_check(lambda v, d: S(v) * d, [VALS, dense[0]])
    fd_check(lambda v, d: S(v) / d, [VALS, dense + 3.0])
    fd_check(lambda v: tf.sparse.softmax(S(v)), [VALS])
    fd_check(lambda v, w: tf.sparse.maximum(S(v), S(w, [[0, 1], [2, 1]])),
             [VALS, np.array([1.0, -2.0])])
    fd_check(lambda v, w: tf.sparse.concat(1, [S(v), S(w, [[0, 0]], (3, 2))]),
             [VALS, np.array([1.5])])
    fd_check(lambda v, d: tf.sparse.fill_empty_rows(S(v, shape=(5, 4)),
                                                    tf.reshape(d, []))[0],
             [VALS, np.array([0.7])])
    fd_check(lambda v: tf.sparse.transpose(S(v)), [VALS])
    fd_check(lambda v: tf.sparse.reorder(S(v, [[2, 3], [0, 1], [2, 1], [1, 0]])), [VALS])
    fd_check(lambda v: tf.sparse.slice(S(v), [1, 1], [2, 3]), [VALS])
    fd_check(lambda v: tf.sparse.split(sp_input=S(v), num_split=2, axis=1)[1], [VALS])
    fd_check(lambda v: tf.sparse.map_values(tf.math.square, S(v)), [VALS])
    fd_check(lambda d: tf.sparse.from_dense(d * d), [dense])
    fd_check(lambda d: tf.sparse.segment_sqrt_n(d, [0, 2, 2, 1], [0, 0, 1, 3]), [dense])
    fd_check(lambda d: tf.sparse.segment_mean(d, [0, 2, 2, 1], [0, 0, 1, 3]), [dense])


def test_reduce_max_has_no_gradient():
    v = tf.Variable(VALS)
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(tf.sparse.reduce_max(S(v), 1))
    assert tape.gradient(y, v) is None       # TF 2.21 registers no gradient either
