"""tf.lookup: static tables, vocabulary tables with out-of-vocabulary buckets, text-file and
dataset initializers, mutable and dense hash tables.

Constants marked "TF 2.21" were produced by the real TensorFlow 2.21 and pasted here;
tests_reference/test_lookup.py compares many more cases against TensorFlow directly.
"""
import numpy as np
import pytest

import ndflow as tf
from ndflow.core import errors

L = tf.lookup
E = tf.lookup.experimental
W, N = L.TextFileIndex.WHOLE_LINE, L.TextFileIndex.LINE_NUMBER

WORDS = ["the", "cat", "sat", "on", "mat"]
QUERIES = ["the", "dog", "", "a", "hello world", "zzz", "cat", "x" * 20, "y" * 40, "z" * 100,
           "é", "naïve café", "日本語のテキスト", "mat", "MAT", " the", "the\t"]
INT_KEYS = [10, 0, 1, 2, 3, 42, -1, -5, 123456789, 2 ** 40, -2 ** 62, 20, 2 ** 63 - 1,
            -2 ** 63]


def vocab(num_oov=5, words=WORDS):
    return L.StaticVocabularyTable(
        L.KeyValueTensorInitializer(words, tf.range(len(words), dtype=tf.int64)), num_oov)


def int_vocab(num_oov):
    return L.StaticVocabularyTable(L.KeyValueTensorInitializer(
        tf.constant([10, 20, 30], tf.int64), tf.constant([0, 1, 2], tf.int64)), num_oov)


def kv(keys=("a", "b", "c"), values=(1, 2, 3), **kw):
    return L.KeyValueTensorInitializer(list(keys), list(values), **kw)


def np_of(t):
    return np.asarray(t.numpy())


# ---- namespace -------------------------------------------------------------------------

def test_public_names():
    for name in ["KeyValueTensorInitializer", "StaticHashTable", "StaticVocabularyTable",
                 "TextFileIndex", "TextFileInitializer", "experimental"]:
        assert hasattr(tf.lookup, name)
    for name in ["MutableHashTable", "DenseHashTable", "DatasetInitializer"]:
        assert hasattr(tf.lookup.experimental, name)
    assert (W, N) == (-2, -1)


# ---- KeyValueTensorInitializer + StaticHashTable ---------------------------------------

def test_initializer_dtypes_follow_tf_constant():
    assert (kv().key_dtype, kv().value_dtype) == (tf.string, tf.int32)
    i = kv([1, 2], [1.0, 2.0])
    assert (i.key_dtype, i.value_dtype) == (tf.int32, tf.float32)
    i = kv([1, 2], [1, 2], key_dtype=tf.int64, value_dtype=tf.int64)
    assert (i.key_dtype, i.value_dtype) == (tf.int64, tf.int64)
    i = L.KeyValueTensorInitializer(np.array([1, 2]), np.array([5.0, 6.0]))
    assert (i.key_dtype, i.value_dtype) == (tf.int64, tf.float64)


def test_initializer_refuses_to_cast_a_tensor():
    with pytest.raises(ValueError, match="int64.*int32|tf.cast"):
        L.KeyValueTensorInitializer(tf.constant([1, 2]), [1, 2], key_dtype=tf.int64)


def test_static_lookup_any_shape():
    t = L.StaticHashTable(kv(), -1)
    out = t.lookup(tf.constant([["a", "z"], ["c", "b"]]))
    assert out.dtype == tf.int32 and out.shape == (2, 2)
    np.testing.assert_array_equal(np_of(out), [[1, -1], [3, 2]])
    s = t.lookup(tf.constant("b"))
    assert s.shape == () and int(s) == 2
    np.testing.assert_array_equal(np_of(t.lookup(tf.constant([b"a", b"q"]))), [1, -1])
    np.testing.assert_array_equal(np_of(t.lookup(["c", "a"])), [3, 1])
    empty = t.lookup(tf.constant([], tf.string))
    assert empty.shape == (0,) and empty.dtype == tf.int32


def test_static_properties_and_export():
    t = L.StaticHashTable(kv(), -1)
    assert t.key_dtype == tf.string and t.value_dtype == tf.int32
    assert t.default_value.dtype == tf.int32 and int(t.default_value) == -1
    size = t.size()
    assert size.dtype == tf.int64 and int(size) == 3
    keys, values = t.export()
    assert keys.dtype == tf.string and values.dtype == tf.int32
    assert sorted(zip(keys.numpy().tolist(), values.numpy().tolist())) == [
        ("a", 1), ("b", 2), ("c", 3)]
    assert t.name is None  # as TensorFlow's eager tables


def test_static_int_keys_and_value_dtypes():
    t = L.StaticHashTable(kv([1, 2], [1.0, 2.0]), -1.0)
    out = t.lookup(tf.constant([[1, 5], [2, 2]]))
    assert out.dtype == tf.float32
    np.testing.assert_array_equal(np_of(out), [[1.0, -1.0], [2.0, 2.0]])
    t = L.StaticHashTable(L.KeyValueTensorInitializer(np.array([1, 2]), np.array([5, 6])), -1)
    big = tf.constant([1, 2, 3, 2 ** 40], tf.int64)
    np.testing.assert_array_equal(np_of(t.lookup(big)), [5, 6, -1, -1])
    t = L.StaticHashTable(kv([1, 2], ["x", "y"], key_dtype=tf.int64), "UNK")
    assert t.lookup(tf.constant([1, 3], tf.int64)).numpy().tolist() == ["x", "UNK"]
    t = L.StaticHashTable(kv(["a"], [True]), False)
    assert np_of(t.lookup(tf.constant(["a", "b"]))).tolist() == [True, False]


def test_static_keys_of_another_dtype_raise():
    t = L.StaticHashTable(kv(), -1)
    with pytest.raises(TypeError, match="StaticHashTable.lookup.*string.*int32"):
        t.lookup(tf.constant([1]))
    t = L.StaticHashTable(kv([1, 2], [1.0, 2.0]), -1.0)
    with pytest.raises(TypeError, match="int32.*int64"):
        t.lookup(tf.constant([1], tf.int64))


def test_static_default_value_errors():
    with pytest.raises(TypeError, match="default_value"):
        L.StaticHashTable(kv(), -1.5)
    with pytest.raises(TypeError, match="default_value"):
        L.StaticHashTable(kv(), "x")
    with pytest.raises(ValueError, match="scalar"):
        L.StaticHashTable(kv(), [1, 2])
    with pytest.raises(ValueError, match="int32.*int64"):
        L.StaticHashTable(kv(), tf.constant(-1, tf.int64))


def test_static_initializer_errors():
    # the same key twice with the same value is fine; with two values it is not
    t = L.StaticHashTable(kv(["a", "a"], [1, 1]), -1)
    assert int(t.size()) == 1
    with pytest.raises(errors.FailedPreconditionError, match="different value"):
        L.StaticHashTable(kv(["a", "a"], [1, 2]), -1)
    with pytest.raises(errors.InvalidArgumentError, match=r"\[2\].*\[3\]"):
        L.StaticHashTable(kv(["a", "b"], [1, 2, 3]), -1)
    with pytest.raises(errors.InvalidArgumentError, match="empty"):
        L.StaticHashTable(L.KeyValueTensorInitializer(tf.constant([], tf.string),
                                                      tf.constant([], tf.int64)), -1)
    with pytest.raises(TypeError, match="initializer"):
        L.StaticHashTable("vocab.txt", -1)


def test_unsupported_key_value_dtypes():
    # TensorFlow has no kernel for these pairs (NotFoundError); ndflow's error is both a
    # NotFoundError and a TypeError and lists the supported pairs
    with pytest.raises(errors.NotFoundError, match="float32"):
        L.StaticHashTable(kv([1.0, 2.0], [1, 2]), -1)
    with pytest.raises(TypeError, match="Supported"):
        L.StaticHashTable(kv([1], tf.constant([1], tf.int64)), -1)
    with pytest.raises(errors.NotFoundError):
        E.MutableHashTable(tf.string, tf.string, "")
    with pytest.raises(errors.NotFoundError):
        E.DenseHashTable(tf.int32, tf.int64, 0, -1, -2)


def test_static_ragged_lookup():
    t = L.StaticHashTable(kv(), -1)
    out = t.lookup(tf.strings.split(tf.constant(["a b", "", "z c a"])))
    # TF 2.21: a RaggedTensor with the keys' row partition (int64 row_splits)
    assert isinstance(out, tf.RaggedTensor) and out.row_splits.dtype == tf.int64
    assert out.to_list() == [[1, 2], [], [-1, 3, 1]]
    assert out.dtype == tf.int32
    deep = t.lookup(tf.strings.split(tf.constant([["a b", ""], ["c", "zz"]])))
    assert isinstance(deep, tf.RaggedTensor) and deep.shape.as_list() == [2, 2, None]
    assert deep.to_list() == [[[1, 2], []], [[3], [-1]]]
    # a legacy RaggedList of rows comes back as a RaggedTensor too
    rows = tf.strings.RaggedList([tf.constant(["a", "z"]), tf.constant(["c"])])
    got = t.lookup(rows)
    assert isinstance(got, tf.RaggedTensor) and got.to_list() == [[1, -1], [3]]


# ---- StaticVocabularyTable ----------------------------------------------------------------

def test_vocabulary_oov_ids_of_strings_match_tensorflow():
    # TF 2.21: vocab(5).lookup(QUERIES) and vocab(1000).lookup(QUERIES)
    out = vocab(5).lookup(tf.constant(QUERIES))
    assert out.dtype == tf.int64
    assert np_of(out).tolist() == [0, 7, 8, 9, 6, 5, 1, 8, 6, 8, 5, 8, 6, 4, 5, 9, 9]
    assert np_of(vocab(1000).lookup(tf.constant(QUERIES))).tolist() == [
        0, 117, 268, 944, 16, 385, 1, 353, 11, 78, 30, 223, 841, 4, 640, 969, 454]


def test_vocabulary_oov_ids_of_int64_match_tensorflow():
    # TF 2.21: out-of-vocabulary int64 keys hash their decimal text
    assert np_of(int_vocab(7).lookup(tf.constant(INT_KEYS, tf.int64))).tolist() == [
        0, 5, 8, 8, 5, 9, 7, 3, 6, 3, 8, 1, 5, 6]
    assert np_of(int_vocab(1000).lookup(tf.constant(INT_KEYS, tf.int64))).tolist() == [
        0, 738, 852, 762, 924, 739, 433, 819, 309, 381, 495, 1, 322, 115]


def test_vocabulary_shapes_size_and_dtypes():
    t = vocab(3)
    assert int(t.size()) == 8 and t.size().dtype == tf.int64
    assert t.key_dtype == tf.string and t.value_dtype == tf.int64
    out = t.lookup(tf.constant([["the", "mat"], ["on", "sat"]]))
    assert out.shape == (2, 2)
    np.testing.assert_array_equal(np_of(out), [[0, 4], [3, 2]])
    s = t.lookup(tf.constant("cat"))
    assert s.shape == () and int(s) == 1
    assert not hasattr(t, "export")


def test_vocabulary_ids_need_not_be_contiguous():
    # TF 2.21: 'q' and 'r' -> 3 + hash % 2 = 4 (vocab_size is the number of keys: 3)
    t = L.StaticVocabularyTable(L.KeyValueTensorInitializer(
        WORDS[:3], tf.constant([5, 9, 100], tf.int64)), 2)
    assert np_of(t.lookup(tf.constant(["the", "q", "r", "sat"]))).tolist() == [5, 4, 4, 100]


def test_vocabulary_int32_lookup_keys():
    t = L.StaticVocabularyTable(L.KeyValueTensorInitializer(
        tf.constant([10, 20], tf.int64), tf.constant([0, 1], tf.int64)), 7,
        lookup_key_dtype=tf.int32)
    assert t.key_dtype == tf.int32
    # TF 2.21: [10, 42, -1] -> [0, 2 + 6, 2 + 4]
    assert np_of(t.lookup(tf.constant([10, 42, -1]))).tolist() == [0, 8, 6]
    with pytest.raises(TypeError, match="int32.*int64"):
        t.lookup(tf.constant([10], tf.int64))
    with pytest.raises(TypeError, match="int64.*int32"):
        int_vocab(7).lookup(tf.constant([10, 42]))


def test_vocabulary_without_initializer():
    t = L.StaticVocabularyTable(None, 3)
    # TF 2.21: ['a', 'b', 'the'] -> [0, 1, 1]
    assert np_of(t.lookup(tf.constant(["a", "b", "the"]))).tolist() == [0, 1, 1]
    assert int(t.size()) == 3 and t.key_dtype == tf.string
    # TensorFlow ignores lookup_key_dtype without an initializer: keys are strings
    assert L.StaticVocabularyTable(None, 5, lookup_key_dtype=tf.int32).key_dtype == tf.string


def test_vocabulary_errors():
    with pytest.raises(ValueError, match="num_oov_buckets.*> 0.*StaticHashTable"):
        vocab(0)
    with pytest.raises(ValueError, match="num_oov_buckets"):
        vocab(-1)
    with pytest.raises(TypeError, match="value_dtype.*int64.*int32"):
        L.StaticVocabularyTable(kv(), 1)
    with pytest.raises(TypeError, match="key_dtype.*int32"):
        L.StaticVocabularyTable(kv([1, 2], tf.constant([0, 1], tf.int64)), 1)
    with pytest.raises(TypeError, match="lookup_key_dtype"):
        int_vocab(2).__class__(L.KeyValueTensorInitializer(
            ["a"], tf.constant([0], tf.int64)), 2, lookup_key_dtype=tf.int64)
    with pytest.raises(TypeError, match="StaticVocabularyTable.lookup.*string.*int64"):
        vocab().lookup(tf.constant([1, 2], tf.int64))


def test_vocabulary_ragged_lookup():
    out = vocab(5).lookup(tf.strings.split(tf.constant(["the cat sat", "dog the", ""])))
    # TF 2.21: [[0, 1, 2], [7, 0], []]
    assert out.to_list() == [[0, 1, 2], [7, 0], []]
    np.testing.assert_array_equal(np_of(out.to_tensor()), [[0, 1, 2], [7, 0, 0], [0, 0, 0]])


def test_vocabulary_in_dataset_map():
    table = vocab(1)
    ds = tf.data.Dataset.from_tensor_slices((["the cat sat", "a dog on the mat"], [0, 1]))
    ds = ds.map(lambda text, label: (table.lookup(tf.strings.split(text)), label))
    got = [(x.numpy().tolist(), int(y)) for x, y in ds]
    # TF 2.21 (num_oov_buckets=1: every unknown word is id 5)
    assert got == [([0, 1, 2], 0), ([5, 5, 3, 0, 4], 1)]
    table3 = vocab(3)
    ds3 = tf.data.Dataset.from_tensor_slices((["the cat sat", "a dog on the mat"], [0, 1]))
    got = [x.numpy().tolist() for x, _ in ds3.map(
        lambda text, label: (table3.lookup(tf.strings.split(text)), label))]
    assert got == [[0, 1, 2], [5, 7, 3, 0, 4]]  # TF 2.21


def test_vocabulary_batched_dataset_map():
    table = vocab(1)
    ds = tf.data.Dataset.from_tensor_slices(["the cat", "a dog on the mat"]).batch(2)
    ds = ds.map(lambda text: table.lookup(tf.strings.split(text)).to_tensor())
    (batch,) = list(ds)
    np.testing.assert_array_equal(np_of(batch), [[0, 1, 0, 0, 0], [5, 5, 3, 0, 4]])


# ---- TextFileInitializer -------------------------------------------------------------------

F3 = "emerson\t10\tx\nlake\t20\ty\npalmer\t30\tz\n"


def textfile(tmp_path, content, *args, name="vocab.txt", **kw):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return L.TextFileInitializer(str(path), *args, **kw)


def export_dict(table):
    k, v = table.export()
    return dict(zip(k.numpy().tolist(), v.numpy().tolist()))


def test_textfile_columns(tmp_path):
    t = L.StaticHashTable(textfile(tmp_path, F3, tf.string, 0, tf.int64, 1), -1)
    np.testing.assert_array_equal(np_of(t.lookup(tf.constant(["lake", "x"]))), [20, -1])
    t = L.StaticHashTable(textfile(tmp_path, F3, tf.string, 0, tf.string, 2), "UNK")
    assert t.lookup(tf.constant(["lake", "x"])).numpy().tolist() == ["y", "UNK"]
    t = L.StaticHashTable(textfile(tmp_path, F3, tf.int64, 1, tf.int64, N), -1)
    np.testing.assert_array_equal(np_of(t.lookup(tf.constant([20, 1], tf.int64))), [1, -1])
    t = L.StaticHashTable(textfile(tmp_path, F3, tf.string, 0, tf.float32, 1), -1.0)
    out = t.lookup(tf.constant(["lake"]))
    assert out.dtype == tf.float32 and float(out[0]) == 20.0


def test_textfile_whole_line_and_line_number(tmp_path):
    init = textfile(tmp_path, "a\nb\nc", tf.string, W, tf.int64, N)  # no final newline
    assert (init.key_dtype, init.value_dtype) == (tf.string, tf.int64)
    t = L.StaticHashTable(init, -1)
    assert export_dict(t) == {"a": 0, "b": 1, "c": 2}
    t = L.StaticHashTable(textfile(tmp_path, F3, tf.int64, N, tf.string, W), "?")
    assert export_dict(t) == {0: "emerson\t10\tx", 1: "lake\t20\ty", 2: "palmer\t30\tz"}
    t = L.StaticHashTable(textfile(tmp_path, "5\n7\n9\n", tf.int64, W, tf.int64, N), -1)
    assert export_dict(t) == {5: 0, 7: 1, 9: 2}
    t = L.StaticHashTable(textfile(tmp_path, "a\nb\n", tf.string, W, tf.int64, N,
                                   value_index_offset=10), -1)
    assert export_dict(t) == {"a": 10, "b": 11}


def test_textfile_line_ends_and_text(tmp_path):
    t = L.StaticHashTable(textfile(tmp_path, b"a\t1\r\nb\t2\r\n", tf.string, 0, tf.int64, 1), -1)
    assert export_dict(t) == {"a": 1, "b": 2}  # a trailing \r is dropped
    t = L.StaticHashTable(textfile(tmp_path, b"a\rb\nc\n", tf.string, W, tf.int64, N), -1)
    assert export_dict(t) == {"a\rb": 0, "c": 1}  # one inside a line is kept
    t = L.StaticHashTable(textfile(tmp_path, " a \nb\n", tf.string, W, tf.int64, N), -1)
    assert export_dict(t) == {" a ": 0, "b": 1}
    t = L.StaticHashTable(textfile(tmp_path, "é\n日本\n", tf.string, W, tf.int64, N), -1)
    np.testing.assert_array_equal(np_of(t.lookup(tf.constant(["日本", "é", "x"]))), [1, 0, -1])
    t = L.StaticHashTable(textfile(tmp_path, "a\tb\n\tq\nc\t\n", tf.string, 0, tf.string, 1),
                          "?")
    assert export_dict(t) == {"a": "b", "": "q", "c": ""}


def test_textfile_number_fields(tmp_path):
    content = "a\t8 \nb\t -3 \nc\t+7\nd\t007\n"
    t = L.StaticHashTable(textfile(tmp_path, content, tf.string, 0, tf.int64, 1), -1)
    assert export_dict(t) == {"a": 8, "b": -3, "c": 7, "d": 7}
    content = "a\t1.5\nb\t1e3\nd\t 2\ne\t0x1p3\nf\t-inf\ng\t.5\n"
    t = L.StaticHashTable(textfile(tmp_path, content, tf.string, 0, tf.float64, 1), -1.0)
    assert export_dict(t) == {"a": 1.5, "b": 1000.0, "d": 2.0, "e": 8.0, "f": -np.inf,
                              "g": 0.5}
    for bad, dtype in [("1.0", tf.int64), ("", tf.int64), ("1_0", tf.int64),
                       ("9223372036854775808", tf.int64), ("99999999999", tf.int32),
                       ("1e", tf.float32), ("x", tf.float32)]:
        init = textfile(tmp_path, "k\t%s\n" % bad, tf.string, 0, dtype, 1)
        with pytest.raises(errors.InvalidArgumentError, match="line 0 is not a valid"):
            L.StaticHashTable(init, -1 if dtype.is_integer else -1.0)


def test_textfile_vocab_size_and_delimiter(tmp_path):
    t = L.StaticHashTable(textfile(tmp_path, "a\nb\nc\n", tf.string, W, tf.int64, N,
                                   vocab_size=2), -1)
    assert export_dict(t) == {"a": 0, "b": 1}
    with pytest.raises(errors.InvalidArgumentError, match="expected 5 but got 3"):
        L.StaticHashTable(textfile(tmp_path, "a\nb\nc\n", tf.string, W, tf.int64, N,
                                   vocab_size=5), -1)
    t = L.StaticHashTable(textfile(tmp_path, "a b\nc d\n", tf.string, 1, tf.string, 0,
                                   delimiter=" "), "?")
    assert export_dict(t) == {"b": "a", "d": "c"}
    with pytest.raises(errors.InvalidArgumentError, match="expected at least 2 got 1"):
        L.StaticHashTable(textfile(tmp_path, "a b\n", tf.string, 1, tf.string, 0), "?")
    with pytest.raises(errors.InvalidArgumentError, match="one character"):
        textfile(tmp_path, "a::1\n", tf.string, 0, tf.int64, 1, delimiter="::")


def test_textfile_content_errors(tmp_path):
    with pytest.raises(errors.InvalidArgumentError, match="empty line found at position 3"):
        L.StaticHashTable(textfile(tmp_path, "a\n\nc\n", tf.string, W, tf.int64, N), -1)
    with pytest.raises(errors.InvalidArgumentError, match="empty line found at position 5"):
        L.StaticHashTable(textfile(tmp_path, "a\nb\n\n", tf.string, W, tf.int64, N), -1)
    with pytest.raises(errors.FailedPreconditionError, match="different value"):
        L.StaticHashTable(textfile(tmp_path, "a\nb\na\n", tf.string, W, tf.int64, N), -1)
    with pytest.raises(errors.InvalidArgumentError,
                       match=r"columns in .* line 0 \(emerson\t10\tx\) : expected at least 6"):
        L.StaticHashTable(textfile(tmp_path, F3, tf.string, 0, tf.int64, 5), -1)
    with pytest.raises(errors.NotFoundError, match="No such file"):
        L.StaticHashTable(L.TextFileInitializer(str(tmp_path / "nope.txt"), tf.string, W,
                                                tf.int64, N), -1)
    with pytest.raises(errors.OutOfRangeError, match="empty"):
        L.StaticHashTable(textfile(tmp_path, "", tf.string, W, tf.int64, N), -1)


def test_textfile_argument_errors():
    with pytest.raises(ValueError, match="filename"):
        L.TextFileInitializer("", tf.string, W, tf.int64, N)
    with pytest.raises(ValueError, match="key_index.*>= -2.*-3"):
        L.TextFileInitializer("v", tf.string, -3, tf.int64, N)
    with pytest.raises(ValueError, match="value_index.*>= -2"):
        L.TextFileInitializer("v", tf.string, W, tf.int64, -3)
    with pytest.raises(ValueError, match="key_dtype.*int64.*string"):
        L.TextFileInitializer("v", tf.string, N, tf.int64, W)
    with pytest.raises(ValueError, match="value_dtype.*int64.*string"):
        L.TextFileInitializer("v", tf.string, W, tf.string, N)
    with pytest.raises(ValueError, match="integer or string.*float32"):
        L.TextFileInitializer("v", tf.float32, W, tf.int64, N)
    with pytest.raises(ValueError, match="vocab_size.*> 0"):
        L.TextFileInitializer("v", tf.string, W, tf.int64, N, vocab_size=0)


def test_textfile_vocabulary_table(tmp_path):
    t = L.StaticVocabularyTable(textfile(tmp_path, "a\nb\nc\n", tf.string, W, tf.int64, N), 2)
    # TF 2.21
    assert np_of(t.lookup(tf.constant(["a", "c", "zz", "q"]))).tolist() == [0, 2, 3, 4]
    assert int(t.size()) == 5


# ---- DatasetInitializer ---------------------------------------------------------------------

def test_dataset_initializer():
    ds = tf.data.Dataset.from_tensor_slices((["a", "b", "c"], tf.constant([1, 2, 3], tf.int64)))
    init = E.DatasetInitializer(ds)
    assert (init.key_dtype, init.value_dtype) == (tf.string, tf.int64)
    t = L.StaticHashTable(init, -1)
    np.testing.assert_array_equal(np_of(t.lookup(tf.constant(["a", "z", "c"]))), [1, -1, 3])
    # TF 2.21: 'z' -> 3 + 1, 'zz' -> 3 + 0
    v = L.StaticVocabularyTable(E.DatasetInitializer(ds), 2)
    assert np_of(v.lookup(tf.constant(["a", "z", "zz", "c"]))).tolist() == [1, 4, 3, 3]
    with pytest.raises(ValueError, match="3 components"):
        E.DatasetInitializer(tf.data.Dataset.from_tensor_slices((["a"], [1], [2])))
    with pytest.raises(ValueError, match="non-scalar key"):
        E.DatasetInitializer(tf.data.Dataset.from_tensor_slices(([["a", "b"]], [[1, 2]])))


def test_table_from_dataset_helpers():
    from ndflow.lookup.dataset_tables import index_table_from_dataset, table_from_dataset
    ds = tf.data.Dataset.from_tensor_slices((["a", "b", "c"], tf.constant([1, 2, 3], tf.int64)))
    t = table_from_dataset(ds, default_value=-1)
    np.testing.assert_array_equal(np_of(t.lookup(tf.constant(["a", "zz"]))), [1, -1])
    t = table_from_dataset(ds, num_oov_buckets=2, default_value=-1)
    assert np_of(t.lookup(tf.constant(["a", "zz"]))).tolist() == [1, 3]  # TF 2.21
    t = table_from_dataset(ds, vocab_size=2, default_value=-1)
    np.testing.assert_array_equal(np_of(t.lookup(tf.constant(["a", "c"]))), [1, -1])
    keys = tf.data.Dataset.from_tensor_slices(["x", "y", "z"])
    t = index_table_from_dataset(keys, num_oov_buckets=1)
    assert np_of(t.lookup(tf.constant(["y", "q"]))).tolist() == [1, 3]  # TF 2.21
    with pytest.raises(errors.FailedPreconditionError, match="5 elements.*only 3"):
        index_table_from_dataset(keys, vocab_size=5)


# ---- MutableHashTable ------------------------------------------------------------------------

def test_mutable_insert_lookup_remove_export():
    m = E.MutableHashTable(tf.string, tf.int64, -1)
    assert int(m.size()) == 0
    k, v = m.export()
    assert k.shape == (0,) and v.shape == (0,) and v.dtype == tf.int64
    m.insert(tf.constant(["a", "b", "c"]), tf.constant([1, 2, 3], tf.int64))
    m.insert(["d"], [4])
    m.insert("e", 5)
    m.insert(["a"], [100])
    out = m.lookup(tf.constant([["a", "z"], ["e", "d"]]))
    assert out.dtype == tf.int64
    np.testing.assert_array_equal(np_of(out), [[100, -1], [5, 4]])
    m.remove(tf.constant(["b", "nope"]))
    assert int(m.size()) == 4
    assert export_dict(m) == {"a": 100, "c": 3, "d": 4, "e": 5}
    m.insert(["k", "k"], [1, 2])  # the last value wins
    assert int(m.lookup(["k"])[0]) == 2
    assert (m.key_dtype, m.value_dtype) == (tf.string, tf.int64)


def test_mutable_dynamic_default_values():
    m = E.MutableHashTable(tf.string, tf.int64, -1)
    m.insert(["a"], [1])
    out = m.lookup(tf.constant(["a", "zz"]), dynamic_default_values=tf.constant([0, 99],
                                                                                tf.int64))
    np.testing.assert_array_equal(np_of(out), [1, 99])
    out = m.lookup(tf.constant(["a", "zz"]), dynamic_default_values=tf.constant(7, tf.int64))
    np.testing.assert_array_equal(np_of(out), [1, 7])
    with pytest.raises(errors.InvalidArgumentError, match=r"\[2\].*\[3\]"):
        m.lookup(tf.constant(["a", "b"]),
                 dynamic_default_values=tf.constant([7, 8, 9], tf.int64))


def test_mutable_vector_values():
    v = E.MutableHashTable(tf.int64, tf.float32, [0.0, -1.0])
    v.insert(tf.constant([1, 2], tf.int64), tf.constant([[1.0, 2.0], [3.0, 4.0]]))
    v.insert(tf.constant(3, tf.int64), tf.constant([5.0, 6.0]))
    out = v.lookup(tf.constant([1, 5], tf.int64))
    assert out.shape == (2, 2) and out.dtype == tf.float32
    np.testing.assert_array_equal(np_of(out), [[1.0, 2.0], [0.0, -1.0]])
    assert v.lookup(tf.constant([[1], [3]], tf.int64)).shape == (2, 1, 2)
    k, vals = v.export()
    assert sorted(k.numpy().tolist()) == [1, 2, 3] and vals.shape == (3, 2)
    with pytest.raises(errors.InvalidArgumentError, match=r"\[1,2\].*\[2\]"):
        v.insert(tf.constant([1], tf.int64), tf.constant([1.0, 2.0]))
    with pytest.raises(errors.InvalidArgumentError, match="scalar or a vector"):
        E.MutableHashTable(tf.string, tf.float32, np.zeros((2, 3), np.float32))


def test_mutable_dtype_errors():
    m = E.MutableHashTable(tf.string, tf.int64, -1)
    with pytest.raises(ValueError, match="values.*int64.*int32"):
        m.insert(["q"], tf.constant([1]))
    with pytest.raises(ValueError, match="keys.*string.*int64"):
        m.insert(tf.constant([1], tf.int64), tf.constant([1], tf.int64))
    with pytest.raises(ValueError, match="keys.*string"):
        m.lookup(tf.constant([1], tf.int64))
    with pytest.raises(TypeError, match="keys.*string"):
        m.remove(tf.constant([1]))
    with pytest.raises(TypeError):
        E.MutableHashTable(tf.string, tf.int64, "x")
    with pytest.raises(errors.InvalidArgumentError, match=r"\[2\].*\[3\]"):
        m.insert(["x", "y"], [1, 2, 3])


def test_mutable_other_dtypes_and_ragged():
    m = E.MutableHashTable(tf.int64, tf.string, "?")
    m.insert(tf.constant([1, 2], tf.int64), ["x", "y"])
    assert m.lookup(tf.constant([2, 3], tf.int64)).numpy().tolist() == ["y", "?"]
    s = E.MutableHashTable(tf.string, tf.int32, 0)
    s.insert(["a", "b"], tf.constant([1, 2]))
    assert s.lookup(tf.strings.split(tf.constant(["a b q", "b"]))).to_list() == [[1, 2, 0], [2]]


# ---- DenseHashTable ---------------------------------------------------------------------------

def dense_int(nb=16):
    return E.DenseHashTable(tf.int64, tf.int64, -1, empty_key=-7, deleted_key=-8,
                            initial_num_buckets=nb)


def bucket_keys(table):
    return np_of(table.export()[0])[:, 0].tolist()


def test_dense_basic_operations():
    d = dense_int(8)
    d.insert(tf.constant([5, 7, 9], tf.int64), tf.constant([50, 70, 90], tf.int64))
    d.insert([11], [110])
    np.testing.assert_array_equal(np_of(d.lookup(tf.constant([5, 6, 11], tf.int64))),
                                  [50, -1, 110])
    assert int(d.lookup(tf.constant(5, tf.int64))) == 50
    assert int(d.size()) == 4
    d.erase(tf.constant([5, 100], tf.int64))
    assert int(d.size()) == 3 and int(d.lookup([5])[0]) == -1
    d.remove(tf.constant([7], tf.int64))
    d.insert_or_assign(tf.constant([9], tf.int64), tf.constant([999], tf.int64))
    assert int(d.lookup([9])[0]) == 999 and int(d.size()) == 2


def test_dense_bucket_layout_matches_tensorflow():
    # integer keys sit at key & (num_buckets - 1); collisions step +1, +2, +3, ...
    d = dense_int(8)
    d.insert(tf.constant([5, 7, 9, 11], tf.int64), tf.constant([50, 70, 90, 110], tf.int64))
    k, v = d.export()
    assert k.shape == (8, 1) and v.shape == (8, 1)
    assert bucket_keys(d) == [-7, 9, -7, 11, -7, 5, -7, 7]  # TF 2.21
    assert np_of(v)[:, 0].tolist() == [0, 90, 0, 110, 0, 50, 0, 70]
    d = dense_int(16)
    for key in [1, 17, 33, 49, 65]:
        d.insert(tf.constant([key], tf.int64), tf.constant([1], tf.int64))
    assert bucket_keys(d) == [-7, 1, 17, -7, 33, -7, -7, 49, -7, -7, -7, 65, -7, -7, -7, -7]
    d = dense_int(16)
    d.insert(tf.constant([-1, -2, 100, 12345678901], tf.int64), tf.constant([1] * 4, tf.int64))
    keys = bucket_keys(d)
    assert [keys.index(x) for x in [-1, -2, 100, 12345678901]] == [15, 14, 4, 5]


def test_dense_string_layout_matches_tensorflow():
    d = E.DenseHashTable(tf.string, tf.int64, -1, empty_key="<E>", deleted_key="<D>",
                         initial_num_buckets=32)
    d.insert(["a", "b", "c", "hello", "world", "é", "x" * 9, "y" * 20], list(range(8)))
    # TF 2.21 (MurmurHash64A of the bytes picks the home bucket)
    E_ = "<E>"
    assert bucket_keys(d) == [
        "y" * 20, E_, E_, "x" * 9, E_, E_, E_, E_, E_, E_, "b", "hello", E_, E_, E_, E_, E_,
        E_, E_, E_, E_, "c", E_, E_, E_, "é", E_, E_, "a", "world", E_, E_]
    assert np_of(d.export()[1])[:, 0].tolist() == [
        7, 0, 0, 6, 0, 0, 0, 0, 0, 0, 1, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 5, 0, 0, 0,
        4, 0, 0]


def test_dense_growth_and_erase_layout():
    d = dense_int(8)
    d.insert(tf.constant([1, 2, 3, 4, 5, 6], tf.int64), tf.constant([1] * 6, tf.int64))
    assert d.export()[0].shape == (8, 1)  # 6 <= 0.8 * 8
    d.insert(tf.constant([1], tf.int64), tf.constant([2], tf.int64))
    assert d.export()[0].shape == (16, 1) and int(d.size()) == 6  # the batch counts
    d = dense_int(4)
    d.insert(tf.constant(list(range(1, 27)), tf.int64), tf.constant([0] * 26, tf.int64))
    assert d.export()[0].shape == (64, 1)  # doubled until 26 <= 0.8 * n
    # an erased bucket shows deleted_key and keeps its old value until reused
    d = dense_int(16)
    d.insert(tf.constant([1, 2, 3], tf.int64), tf.constant([10, 20, 30], tf.int64))
    d.erase(tf.constant([2], tf.int64))
    assert bucket_keys(d)[:4] == [-7, 1, -8, 3]
    assert np_of(d.export()[1])[2, 0] == 20
    d.insert(tf.constant([17], tf.int64), tf.constant([170], tf.int64))
    assert bucket_keys(d)[:4] == [-7, 1, 17, 3]  # 17 probes 1, then takes the erased 2


def test_dense_overwrite_past_an_erased_bucket():
    # TensorFlow would put a second copy of 17 in the erased bucket 1; ndflow overwrites
    # the existing entry, so lookups and erase stay consistent
    d = dense_int(16)
    d.insert(tf.constant([1, 17], tf.int64), tf.constant([1, 1], tf.int64))
    d.erase(tf.constant([1], tf.int64))
    d.insert(tf.constant([17], tf.int64), tf.constant([2], tf.int64))
    assert int(d.size()) == 1 and int(d.lookup([17])[0]) == 2
    d.erase(tf.constant([17], tf.int64))
    assert int(d.lookup([17])[0]) == -1


def test_dense_vector_keys_and_values():
    d = E.DenseHashTable(tf.int64, tf.int64, -1, empty_key=[-1, -1], deleted_key=[-2, -2],
                         initial_num_buckets=16)
    d.insert(tf.constant([[1, 2], [3, 4], [0, 0], [5, 6], [100, 7]], tf.int64),
             tf.constant([1, 2, 3, 4, 5], tf.int64))
    k = np_of(d.export()[0])
    assert k.shape == (16, 2)
    # TF 2.21
    assert k.tolist()[:10] == [[0, 0], [-1, -1], [-1, -1], [1, 2], [5, 6], [-1, -1],
                               [-1, -1], [3, 4], [-1, -1], [100, 7]]
    np.testing.assert_array_equal(np_of(d.lookup(tf.constant([[1, 2], [9, 9]], tf.int64))),
                                  [1, -1])
    with pytest.raises(errors.InvalidArgumentError, match="keys must have shape"):
        d.lookup(tf.constant([1, 2], tf.int64))
    v = E.DenseHashTable(tf.int32, tf.float32, np.zeros(3, np.float32), empty_key=5,
                         deleted_key=6, initial_num_buckets=16)
    v.insert(tf.constant([-3, 7]), tf.ones((2, 3)))
    k, vals = v.export()
    assert k.shape == (16, 1) and vals.shape == (16, 3)
    assert np_of(k)[13, 0] == -3 and np_of(k)[7, 0] == 7  # int32 -3 -> bucket 13
    np.testing.assert_array_equal(np_of(v.lookup(tf.constant([-3, 1]))),
                                  [[1, 1, 1], [0, 0, 0]])


def test_dense_errors():
    d = dense_int()
    with pytest.raises(errors.InvalidArgumentError, match="empty_key"):
        d.insert(tf.constant([-7], tf.int64), tf.constant([1], tf.int64))
    with pytest.raises(errors.InvalidArgumentError, match="deleted_key"):
        d.insert(tf.constant([-8], tf.int64), tf.constant([1], tf.int64))
    with pytest.raises(errors.InvalidArgumentError, match="empty_key"):
        d.lookup(tf.constant([-7], tf.int64))
    with pytest.raises(errors.InvalidArgumentError, match="deleted_key"):
        d.erase(tf.constant([-8], tf.int64))
    with pytest.raises(errors.InvalidArgumentError, match="1-D"):
        d.lookup(tf.constant([[1, 2]], tf.int64))
    with pytest.raises(errors.InvalidArgumentError, match=r"\[2\].*\[1\]"):
        d.insert([1, 2], [3])
    with pytest.raises(ValueError, match="int64.*int32"):
        d.lookup(tf.constant([5, 6]))
    with pytest.raises(errors.InvalidArgumentError, match="cannot be equal"):
        E.DenseHashTable(tf.int64, tf.int64, -1, empty_key=0, deleted_key=0)
    with pytest.raises(errors.InvalidArgumentError, match="same shape"):
        E.DenseHashTable(tf.int64, tf.int64, -1, empty_key=[-1, -1], deleted_key=-2)
    with pytest.raises(errors.InvalidArgumentError, match="power of 2"):
        dense_int(10)
    with pytest.raises(errors.InvalidArgumentError, match="scalar or a vector"):
        E.DenseHashTable(tf.int32, tf.float32, np.zeros((2, 3), np.float32), 5, 6)
    with pytest.raises(TypeError, match="empty_key"):
        E.DenseHashTable(tf.int64, tf.int64, 0, "a", "b")
    assert E.DenseHashTable(tf.int64, tf.int64, -1, 0, -1).export()[0].shape == (131072, 1)


def test_murmur64a_home_buckets():
    from ndflow.lookup.mutable_tables import murmur64a
    # home buckets of TF 2.21's string DenseHashTable (32 buckets, no collisions here)
    assert murmur64a(b"a") % 32 == 28 and murmur64a("é".encode()) % 32 == 25


def test_dataset_table_helpers_are_reachable_from_tf_data_experimental():
    ds = tf.data.Dataset.from_tensor_slices(["cat", "dog", "bird"])
    table = tf.data.experimental.index_table_from_dataset(ds, num_oov_buckets=0)
    np.testing.assert_array_equal(table.lookup(tf.constant(["dog", "bird", "cat"])).numpy(),
                                  [1, 2, 0])
    assert tf.data.experimental.DatasetInitializer is tf.lookup.experimental.DatasetInitializer
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        tf.data.experimental.nope
