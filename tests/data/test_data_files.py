"""tf.data.TextLineDataset, TFRecordDataset and FixedLengthRecordDataset (expected values
are what TensorFlow 2.21 gives for the same files, checked by hand: TF yields bytes where
ndflow yields str for text, as everywhere in ndflow)."""
import gzip
import zlib

import numpy as np
import pytest

import ndflow as tf
from ndflow.core import errors


def _lines(ds):
    return [e for e in ds.as_numpy_iterator()]


def test_text_lines_strip_line_ends_and_keep_empty_lines(tmp_path):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_bytes(b"a\r\nb\n\nc")          # CRLF, an empty line, no final newline
    b.write_bytes("x\nü\n".encode("utf-8"))
    assert _lines(tf.data.TextLineDataset(str(a))) == ["a", "b", "", "c"]
    both = tf.data.TextLineDataset([str(a), str(b)])
    assert _lines(both) == ["a", "b", "", "c", "x", "ü"]
    # a string tensor of names, and a Dataset of names (read when iterated)
    assert _lines(tf.data.TextLineDataset(tf.constant([str(b)]))) == ["x", "ü"]
    names = tf.data.Dataset.from_tensor_slices([str(b), str(a)])
    assert _lines(tf.data.TextLineDataset(names)) == ["x", "ü", "a", "b", "", "c"]
    ds = tf.data.TextLineDataset(str(a))
    assert ds.element_spec == tf.TensorSpec([], tf.string)
    assert int(ds.cardinality()) == -2   # UNKNOWN, as in TensorFlow


def test_text_lines_compressed_and_in_a_pipeline(tmp_path):
    text = b"".join(b"line %d\n" % i for i in range(7))
    (tmp_path / "g.gz").write_bytes(gzip.compress(text))
    (tmp_path / "z.zlib").write_bytes(zlib.compress(text))
    want = ["line %d" % i for i in range(7)]
    assert _lines(tf.data.TextLineDataset(str(tmp_path / "g.gz"), "GZIP")) == want
    assert _lines(tf.data.TextLineDataset(str(tmp_path / "z.zlib"), "ZLIB")) == want
    ds = tf.data.TextLineDataset(str(tmp_path / "g.gz"), compression_type="GZIP")
    batches = list(ds.map(lambda s: s).batch(3).as_numpy_iterator())
    assert [list(b) for b in batches] == [want[:3], want[3:6], want[6:]]


def test_text_line_that_is_not_utf8_stays_bytes(tmp_path):
    p = tmp_path / "latin1.txt"
    p.write_bytes(b"caf\xe9\nok\n")
    assert _lines(tf.data.TextLineDataset(str(p))) == [b"caf\xe9", "ok"]


def test_missing_file_and_bad_arguments(tmp_path):
    ds = tf.data.TextLineDataset(str(tmp_path / "nope.txt"))
    with pytest.raises(errors.NotFoundError, match="nope.txt"):
        list(ds)
    with pytest.raises(errors.InvalidArgumentError, match="compression_type"):
        tf.data.TextLineDataset(str(tmp_path / "x"), compression_type="BZIP2")
    with pytest.raises(errors.InvalidArgumentError, match="empty"):
        tf.data.TextLineDataset([])


def test_tfrecords_round_trip_plain_and_compressed(tmp_path):
    records = [b"", b"\x00\x01binary\xff", b"x" * 5000, "ünï".encode("utf-8")]
    for comp in ("", "GZIP", "ZLIB"):
        path = str(tmp_path / ("r%s.tfrecord" % comp))
        with tf.io.TFRecordWriter(path, options=comp or None) as w:
            for r in records:
                w.write(r)
        ds = tf.data.TFRecordDataset(path, compression_type=comp or None)
        got = _lines(ds)
        assert got == records and all(type(g) is bytes for g in got)
    # several files in order, and the framing bytes of one record as TensorFlow writes them
    # (length, masked CRC32C of the length, data, masked CRC32C of the data)
    two = tf.data.TFRecordDataset([str(tmp_path / "r.tfrecord")] * 2)
    assert _lines(two) == records + records


def test_tfrecord_corruption_is_reported(tmp_path):
    path = tmp_path / "c.tfrecord"
    with tf.io.TFRecordWriter(str(path)) as w:
        w.write(b"hello world")
    data = bytearray(path.read_bytes())
    data[14] ^= 0xFF                       # flip a data byte: the data CRC no longer matches
    path.write_bytes(bytes(data))
    with pytest.raises(errors.DataLossError, match="c.tfrecord"):
        list(tf.data.TFRecordDataset(str(path)))
    with pytest.raises(errors.NotFoundError):
        list(tf.data.TFRecordDataset(str(tmp_path / "missing.tfrecord")))


def test_fixed_length_records(tmp_path):
    p = tmp_path / "f.bin"
    p.write_bytes(b"HabcdefgF")
    ds = tf.data.FixedLengthRecordDataset(str(p), 7, header_bytes=1, footer_bytes=1)
    assert _lines(ds) == [b"abcdefg"]
    q = tmp_path / "g.bin"
    q.write_bytes(b"\x01\x02\x03\x04\x05\x06")
    got = _lines(tf.data.FixedLengthRecordDataset(str(q), 2))
    assert got == [b"\x01\x02", b"\x03\x04", b"\x05\x06"]
    # raw records decode into numbers, as with tf.io.decode_raw
    vals = [np.frombuffer(r, np.uint8).tolist() for r in got]
    assert vals == [[1, 2], [3, 4], [5, 6]]
    # a body that is not a whole number of records is an error, as in TensorFlow
    bad = tf.data.FixedLengthRecordDataset(str(p), 3, header_bytes=1, footer_bytes=1)
    with pytest.raises(errors.InvalidArgumentError, match="not a multiple of record_bytes=3"):
        list(bad)
    gz = tmp_path / "f.gz"
    gz.write_bytes(gzip.compress(b"abcdef"))
    assert _lines(tf.data.FixedLengthRecordDataset(str(gz), 3, compression_type="GZIP")) == \
        [b"abc", b"def"]


def test_list_files_sorted_shuffled_and_missing(tmp_path):
    for d, names in (("b", ["2.png", "1.png"]), ("a", ["3.jpg"])):
        (tmp_path / d).mkdir()
        for n in names:
            (tmp_path / d / n).write_bytes(b"x")
    pattern = str(tmp_path / "*" / "*")
    want = [str(tmp_path / p).encode() for p in ("a/3.jpg", "b/1.png", "b/2.png")]
    ds = tf.data.Dataset.list_files(pattern, shuffle=False)
    assert _lines(ds) == want                      # bytes, sorted (as TensorFlow gives)
    assert ds.element_spec.dtype == tf.string and int(ds.cardinality()) == 3
    # a list of patterns: the matches of each in turn
    two = tf.data.Dataset.list_files([str(tmp_path / "b" / "*"), str(tmp_path / "a" / "*")],
                                     shuffle=False)
    assert _lines(two) == want[1:] + want[:1]
    # shuffled by default, a new order each pass; a seed makes the first order repeatable
    orders = set()
    for seed in range(8):
        shuffled = tf.data.Dataset.list_files(pattern, seed=seed)
        first = _lines(shuffled)
        assert sorted(first) == want
        assert first == _lines(tf.data.Dataset.list_files(pattern, seed=seed))
        orders.add(tuple(first))
    assert len(orders) > 1
    with pytest.raises(errors.InvalidArgumentError, match="no files matched"):
        tf.data.Dataset.list_files(str(tmp_path / "*.txt"))


def test_experimental_tfrecord_writer_writes_a_dataset(tmp_path):
    path = str(tmp_path / "w.tfrecord")
    records = [b"\x00\x01", b"", "text"]
    ds = tf.data.Dataset.from_generator(lambda: iter(records),
                                        output_signature=tf.TensorSpec([], tf.string))
    tf.data.experimental.TFRecordWriter(path).write(ds)
    assert _lines(tf.data.TFRecordDataset(path)) == [b"\x00\x01", b"", b"text"]
    gz = str(tmp_path / "w.gz")
    tf.data.experimental.TFRecordWriter(gz, "GZIP").write(
        tf.data.Dataset.from_tensor_slices([b"a", b"bc"]))
    assert _lines(tf.data.TFRecordDataset(gz, "GZIP")) == [b"a", b"bc"]
    with pytest.raises(TypeError, match="scalar string"):
        tf.data.experimental.TFRecordWriter(path).write(
            tf.data.Dataset.from_tensor_slices(np.zeros((2, 3))))
