"""Strings taken out of string tensors answer .decode() (TensorFlow hands out bytes, and
TensorFlow code writes ``t.numpy().decode("utf-8")``), and are equal to the plain str."""
import numpy as np

import ndflow as tf
from ndflow.core.tensor import TextStr


def test_scalar_and_array_strings_decode():
    s = tf.constant("héllo").numpy()
    assert s == "héllo" and isinstance(s, str) and type(s) is TextStr
    assert s.decode("utf-8") == "héllo" and type(s.decode()) is str
    words = tf.constant([["a", "bb"], ["", "c"]]).numpy()
    assert words.shape == (2, 2) and words.dtype == object
    assert [[w.decode() for w in row] for row in words] == [["a", "bb"], ["", "c"]]
    assert words.tolist() == [["a", "bb"], ["", "c"]]
    # numpy() hands out a new array of strings: changing it leaves the tensor alone
    t = tf.constant(["x", "y"])
    got = t.numpy()
    got[0] = "z"
    assert t.numpy().tolist() == ["x", "y"]


def test_dataset_strings_decode_and_bytes_stay_bytes(tmp_path):
    ds = tf.data.Dataset.from_tensor_slices(["one", "two"])
    assert [e.decode("utf-8") for e in ds.as_numpy_iterator()] == ["one", "two"]
    pairs = tf.data.Dataset.from_tensor_slices((["a", "b"], [1, 2]))
    assert [(s.decode(), int(n)) for s, n in pairs.as_numpy_iterator()] == [("a", 1), ("b", 2)]
    path = str(tmp_path / "r.tfrecord")
    with tf.io.TFRecordWriter(path) as w:
        w.write(b"\xff\x00")
    rec = next(iter(tf.data.TFRecordDataset(path).as_numpy_iterator()))
    assert type(rec) is bytes and rec == b"\xff\x00"
    # numbers are untouched
    assert type(tf.constant([1, 2]).numpy()) is np.ndarray
