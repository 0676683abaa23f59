"""tf.summary: event files written through tensorboardX, read back here record by record
(TFRecord framing checked with our own CRC-32C; events decoded with tensorboardX's
protobuf classes)."""
import glob
import io
import os
import struct
import sys

import numpy as np
import pytest

import ndflow as tf
from ndflow.core import errors


# ---------------------------------------------------------------- reading event files
def _crc32c(data):
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def _masked(data):
    c = _crc32c(data)
    return (((c >> 15) | (c << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def read_events(path):
    """Every Event in a TFRecord file: records of (uint64 length, masked CRC of the length,
    data, masked CRC of the data)."""
    from tensorboardX.proto import event_pb2
    raw = open(path, "rb").read()
    pos, events = 0, []
    while pos < len(raw):
        header = raw[pos:pos + 8]
        (length,) = struct.unpack("<Q", header)
        (len_crc,) = struct.unpack("<I", raw[pos + 8:pos + 12])
        assert len_crc == _masked(header)
        data = raw[pos + 12:pos + 12 + length]
        (data_crc,) = struct.unpack("<I", raw[pos + 12 + length:pos + 16 + length])
        assert data_crc == _masked(data)
        events.append(event_pb2.Event.FromString(data))
        pos += 16 + length
    return events


def values(logdir):
    """[(step, Summary.Value)] of all event files in logdir."""
    out = []
    for path in sorted(glob.glob(os.path.join(logdir, "events.out.tfevents.*"))):
        for ev in read_events(path):
            for v in ev.summary.value:
                out.append((ev.step, v))
    return out


def tensor_of(value):
    """The NumPy array in a TensorProto (the dtypes used here)."""
    t = value.tensor
    shape = [d.size for d in t.tensor_shape.dim]
    if t.dtype == 7:                                     # DT_STRING
        return np.array(list(t.string_val), dtype=object).reshape(shape)
    dt = {1: np.float32, 2: np.float64, 3: np.int32, 9: np.int64}[t.dtype]
    return np.frombuffer(t.tensor_content, dtype=np.dtype(dt).newbyteorder("<")).reshape(shape)


@pytest.fixture(autouse=True)
def _clean_state():
    tf.summary.experimental.set_step(None)
    yield
    tf.summary.experimental.set_step(None)
    from ndflow.summary import _writer
    _writer._state.writer = None


# ---------------------------------------------------------------- the four summaries
def test_scalars_are_written_with_their_steps(tmp_path):
    writer = tf.summary.create_file_writer(str(tmp_path))
    with writer.as_default():
        for step in range(3):
            assert bool(tf.summary.scalar("loss", 1.0 / (step + 1), step=step))
        assert tf.summary.scalar("acc", tf.constant(0.75), step=7, description="accuracy")
        assert tf.summary.scalar("int", np.int64(3), step=tf.Variable(9, dtype=tf.int64))
    writer.close()
    got = [(s, v.tag, v.simple_value) for s, v in values(str(tmp_path))]
    assert got == [(0, "loss", 1.0), (1, "loss", np.float32(0.5)),
                   (2, "loss", np.float32(1 / 3)), (7, "acc", 0.75), (9, "int", 3.0)]
    acc = [v for _, v in values(str(tmp_path)) if v.tag == "acc"][0]
    assert acc.metadata.summary_description == "accuracy"
    files = glob.glob(str(tmp_path / "events.out.tfevents.*"))
    assert len(files) == 1 and files[0].endswith(".v2")
    first = read_events(files[0])[0]
    assert first.file_version == "brain.Event:2"


def test_histograms_match_tensorflow(tmp_path):
    writer = tf.summary.create_file_writer(str(tmp_path))
    with writer.as_default(step=1):
        assert tf.summary.histogram("h1", np.arange(10.0), buckets=3)
        assert tf.summary.histogram("h4", tf.constant([[1, 2], [7, 100]]), buckets=5)
        assert tf.summary.histogram("same", [3.0, 3.0], buckets=4)
        assert tf.summary.histogram("empty", np.zeros((0,)))
        assert tf.summary.histogram("default", np.linspace(-1, 1, 301))
    writer.close()
    got = {v.tag: (v.metadata.plugin_data.plugin_name, tensor_of(v))
           for _, v in values(str(tmp_path))}
    assert all(plugin == "histograms" for plugin, _ in got.values())
    # constants from TensorFlow 2.21 (tf.summary.histogram with tensorboard 2.21), read back
    # from its event file
    np.testing.assert_array_equal(got["h1"][1], [[0, 3, 3], [3, 6, 3], [6, 9, 4]])
    np.testing.assert_allclose(got["h4"][1], [[1, 20.8, 3], [20.8, 40.6, 0], [40.6, 60.4, 0],
                                              [60.4, 80.2, 0], [80.2, 100, 1]], rtol=1e-15)
    np.testing.assert_array_equal(got["same"][1], [[3, 3, 0], [3, 3, 0], [3, 3, 0], [3, 3, 2]])
    assert got["empty"][1].shape == (0, 3)
    # 30 equal buckets by default; counts from NumPy (same edges, last one closed)
    table = got["default"][1]
    counts, edges = np.histogram(np.linspace(-1, 1, 301), bins=30, range=(-1, 1))
    assert table.shape == (30, 3) and table[:, 2].sum() == 301
    np.testing.assert_allclose(table[:, 0], edges[:-1], atol=1e-15)
    np.testing.assert_allclose(table[:, 1], edges[1:], atol=1e-15)


def test_images_are_png_encoded_like_tensorflow(tmp_path):
    from PIL import Image
    writer = tf.summary.create_file_writer(str(tmp_path))
    floats = np.array([0.0, 0.1, 0.5, 0.998, 0.999, 1.0, 1.5, -0.2]).reshape(1, 1, 8, 1)
    rgb = (np.arange(5 * 2 * 3 * 3).reshape(5, 2, 3, 3) * 7 % 256).astype(np.uint8)
    rgba = np.random.default_rng(0).random((1, 4, 5, 4)).astype(np.float32)
    with writer.as_default(step=2):
        assert tf.summary.image("floats", floats)
        assert tf.summary.image("rgb", tf.constant(rgb), max_outputs=2)
        assert tf.summary.image("int32", np.array([0, 7, 300], np.int32).reshape(1, 1, 3, 1))
        assert tf.summary.image("rgba", rgba)
        with pytest.raises(ValueError, match="rank 4"):
            tf.summary.image("bad", np.zeros((4, 4, 3)))
        with pytest.raises(ValueError, match="channels"):
            tf.summary.image("bad", np.zeros((1, 4, 4, 5)))
    writer.close()
    got = {v.tag: (v.metadata.plugin_data.plugin_name, tensor_of(v))
           for _, v in values(str(tmp_path))}

    def decode(png):
        return np.asarray(Image.open(io.BytesIO(png)))
    plugin, t = got["floats"]
    assert plugin == "images" and list(t[:2]) == [b"8", b"1"]
    # TensorFlow 2.21 writes these pixel values for these floats (scale by 255.5, truncate,
    # saturate), read back from its event file
    assert decode(t[2]).ravel().tolist() == [0, 25, 127, 254, 255, 255, 255, 0]
    t = got["rgb"][1]
    assert list(t[:2]) == [b"3", b"2"] and len(t) == 4         # max_outputs=2 of 5
    for png, img in zip(t[2:], rgb[:2]):
        np.testing.assert_array_equal(decode(png), img)
    # int32 pixels are scaled down from the int32 range (TensorFlow: 300 -> 0)
    assert decode(got["int32"][1][2]).ravel().tolist() == [0, 0, 0]
    expected = np.clip(rgba[0] * np.float32(255.5), 0, 255).astype(np.uint8)
    np.testing.assert_array_equal(decode(got["rgba"][1][2]), expected)
    assert Image.open(io.BytesIO(got["rgba"][1][2])).mode == "RGBA"


def test_text(tmp_path):
    writer = tf.summary.create_file_writer(str(tmp_path))
    with writer.as_default():
        assert tf.summary.text("note", "héllo **world**", step=3, description="d")
        assert tf.summary.text("table", [["a", "b"], ["c", "d"]], step=4)
        with pytest.raises(TypeError, match="strings"):
            tf.summary.text("num", 3.0, step=4)
    writer.close()
    (s1, note), (s2, table) = values(str(tmp_path))
    assert (s1, note.tag, note.metadata.plugin_data.plugin_name) == (3, "note", "text")
    assert tensor_of(note).shape == () and tensor_of(note)[()] == "héllo **world**".encode()
    assert note.metadata.summary_description == "d"
    assert s2 == 4 and tensor_of(table).tolist() == [[b"a", b"b"], [b"c", b"d"]]


def test_generic_write(tmp_path):
    writer = tf.summary.create_file_writer(str(tmp_path))
    with writer.as_default():
        assert tf.summary.write("raw", np.arange(6, dtype=np.int32).reshape(2, 3), step=1)
        assert tf.summary.write("lazy", lambda: tf.constant([1.5, 2.5]), step=2)
    writer.close()
    (_, raw), (_, lazy) = values(str(tmp_path))
    assert tensor_of(raw).tolist() == [[0, 1, 2], [3, 4, 5]]
    assert tensor_of(lazy).tolist() == [1.5, 2.5]


# ---------------------------------------------------------------- when nothing is written
def test_without_a_default_writer_nothing_is_recorded(tmp_path):
    called = []

    def lazy():
        called.append(1)
        return tf.constant(1.0)
    for result in (tf.summary.scalar("a", 1.0, step=1), tf.summary.scalar("a", 1.0),
                   tf.summary.histogram("h", [1.0]), tf.summary.image("i", np.zeros((4, 4))),
                   tf.summary.text("t", "x"), tf.summary.write("w", lazy)):
        assert result.dtype == tf.bool and bool(result) is False
    assert called == []
    assert bool(tf.summary.should_record_summaries()) is False
    # the scalar's shape is checked even when nothing is recorded (as in TensorFlow)
    with pytest.raises(ValueError, match="scalar shape"):
        tf.summary.scalar("a", [1.0, 2.0], step=1)
    writer = tf.summary.create_file_writer(str(tmp_path))
    with writer.as_default():
        pass
    tf.summary.scalar("after", 1.0, step=1)          # the block is over: no default writer
    writer.close()
    assert values(str(tmp_path)) == []


def test_noop_writer_and_record_if(tmp_path):
    noop = tf.summary.create_noop_writer()
    with noop.as_default(step=3):
        assert not tf.summary.scalar("a", 1.0, step=1)
        assert tf.summary.experimental.get_step() is None      # ignores the step too
    writer = tf.summary.create_file_writer(str(tmp_path))
    with writer.as_default(step=0):
        with tf.summary.record_if(False):
            assert not tf.summary.scalar("off", 1.0)
            assert not bool(tf.summary.should_record_summaries())
        flag = {"on": False}
        with tf.summary.record_if(lambda: flag["on"]):
            assert not tf.summary.scalar("cond", 1.0)
            flag["on"] = True
            assert tf.summary.scalar("cond", 2.0)
        with tf.summary.record_if(tf.constant(True)):
            assert tf.summary.scalar("tensor_cond", 3.0)
        assert bool(tf.summary.should_record_summaries()) is True
    writer.close()
    assert [(v.tag, v.simple_value) for _, v in values(str(tmp_path))] == [
        ("cond", 2.0), ("tensor_cond", 3.0)]


# ---------------------------------------------------------------- steps
def test_step_handling(tmp_path):
    writer = tf.summary.create_file_writer(str(tmp_path))
    assert tf.summary.experimental.get_step() is None
    with writer.as_default():
        with pytest.raises(ValueError, match="No step set"):
            tf.summary.scalar("a", 1.0)
        with pytest.raises(TypeError, match="integer"):
            tf.summary.scalar("a", 1.0, step=1.5)
        tf.summary.experimental.set_step(4)
        assert tf.summary.scalar("a", 1.0)
        counter = tf.Variable(10, dtype=tf.int64)
        tf.summary.experimental.set_step(counter)
        assert tf.summary.experimental.get_step() is counter
        counter.assign_add(1)
        assert tf.summary.scalar("b", 1.0)                      # read when written: 11
        assert tf.summary.scalar("c", 1.0, step=2)              # an explicit step wins
    with writer.as_default(step=20):
        assert tf.summary.experimental.get_step() == 20
        assert tf.summary.scalar("d", 1.0)
    assert tf.summary.experimental.get_step() is counter        # back after the block
    writer.set_as_default(step=30)
    assert tf.summary.scalar("e", 1.0)
    assert tf.summary.experimental.get_step() == 30
    writer.close()
    assert [(s, v.tag) for s, v in values(str(tmp_path))] == [
        (4, "a"), (11, "b"), (2, "c"), (20, "d"), (30, "e")]


# ---------------------------------------------------------------- writers
def test_flush_close_and_separate_files(tmp_path):
    writer = tf.summary.create_file_writer(str(tmp_path / "run"), max_queue=1000,
                                           flush_millis=10 ** 9)
    writer.set_as_default()
    tf.summary.scalar("x", 1.0, step=1)
    tf.summary.flush()                       # on disk before the writer is closed
    assert [v.tag for _, v in values(str(tmp_path / "run"))] == ["x"]
    other = tf.summary.create_file_writer(str(tmp_path / "run"), filename_suffix=".mine")
    with other.as_default():
        tf.summary.scalar("y", 2.0, step=1)
    files = sorted(glob.glob(str(tmp_path / "run" / "events.out.tfevents.*")))
    assert len(files) == 2 and any(f.endswith(".mine") for f in files)
    writer.close()
    writer.close()                           # closing twice is harmless
    with pytest.raises(errors.FailedPreconditionError, match="closed"):
        tf.summary.scalar("x", 1.0, step=2)
    other.close()
    assert sorted(v.tag for _, v in values(str(tmp_path / "run"))) == ["x", "y"]


def test_max_queue_flushes_automatically(tmp_path):
    writer = tf.summary.create_file_writer(str(tmp_path), max_queue=2, flush_millis=10 ** 9)
    writer.set_as_default()
    for step in range(4):
        tf.summary.scalar("q", float(step), step=step)
    assert [s for s, _ in values(str(tmp_path))] == [0, 1, 2, 3]
    writer.close()


def test_missing_tensorboardx_gives_install_hint(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorboardX", None)
    monkeypatch.setitem(sys.modules, "tensorboardX.event_file_writer", None)
    with pytest.raises(ImportError, match="pip install"):
        tf.summary.create_file_writer(str(tmp_path))
