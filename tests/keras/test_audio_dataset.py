"""keras.utils.audio_dataset_from_directory on tiny WAV files written with ``wave``."""
import os
import wave

import numpy as np
import pytest

import ndflow as tf
from ndflow import keras

# clip lengths (samples) per class; "go" also holds a stereo-free non-wav file
SPEC = {"down": [5, 9, 7, 3], "go": [6, 4, 8], "yes": [2, 10, 5]}


def _write(path, samples, rate=16000):
    samples = np.asarray(samples, dtype="<i2")
    if samples.ndim == 1:
        samples = samples[:, None]
    with wave.open(str(path), "wb") as w:
        w.setnchannels(samples.shape[1])
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(samples.tobytes())


@pytest.fixture
def audio_dir(tmp_path):
    """Returns (root, {path: int16 samples}) with 10 mono clips in 3 classes."""
    rng = np.random.RandomState(0)
    clips = {}
    for c, lens in SPEC.items():
        os.makedirs(tmp_path / c)
        for i, n in enumerate(lens):
            data = rng.randint(-32768, 32767, size=n).astype(np.int16)
            p = tmp_path / c / ("clip%d.wav" % i)
            _write(p, data)
            clips[str(p)] = data
    (tmp_path / "go" / "notes.txt").write_text("not audio")
    return tmp_path, clips


def _expected(clips, path, length=None):
    x = clips[path].astype(np.float32) / np.float32(32768.0)
    if length is not None:
        out = np.zeros(length, np.float32)
        out[:min(length, len(x))] = x[:length]
        x = out
    return x[:, None]


def _sorted_paths(root):
    return [str(root / c / ("clip%d.wav" % i)) for c, lens in SPEC.items()
            for i in range(len(lens))]


def test_unshuffled_batches_are_zero_padded_to_longest(audio_dir, capsys):
    root, clips = audio_dir
    ds = keras.utils.audio_dataset_from_directory(str(root), batch_size=4, shuffle=False)
    assert capsys.readouterr().out == "Found 10 files belonging to 3 classes.\n"
    assert ds.class_names == ["down", "go", "yes"]
    paths = _sorted_paths(root)
    assert ds.file_paths == paths
    labels = [0, 0, 0, 0, 1, 1, 1, 2, 2, 2]
    batches = list(ds)
    # Keras 3.15 on the same files gives batch shapes (4, 9, 1), (4, 8, 1), (2, 10, 1)
    assert [tuple(a.shape) for a, _ in batches] == [(4, 9, 1), (4, 8, 1), (2, 10, 1)]
    for b, (a, y) in enumerate(batches):
        a = a.numpy()
        assert a.dtype == np.float32
        idx = range(4 * b, min(4 * b + 4, 10))
        np.testing.assert_array_equal(y.numpy(), np.array([labels[i] for i in idx], np.int32))
        assert y.dtype == tf.int32
        for row, i in enumerate(idx):
            want = _expected(clips, paths[i])
            np.testing.assert_array_equal(a[row, :len(want)], want)
            np.testing.assert_array_equal(a[row, len(want):], 0.0)
    spec = ds.element_spec
    assert spec[0].dtype == tf.float32 and spec[0].shape.rank == 3
    assert spec[1].shape.as_list() == [None]


def test_output_sequence_length_crops_and_pads(audio_dir):
    root, clips = audio_dir
    ds = keras.utils.audio_dataset_from_directory(str(root), batch_size=None, shuffle=False,
                                                  output_sequence_length=6, verbose=False)
    paths = _sorted_paths(root)
    got = list(ds.as_numpy_iterator())
    assert len(got) == 10
    for (a, y), p in zip(got, paths):
        assert a.shape == (6, 1)
        np.testing.assert_array_equal(a, _expected(clips, p, 6))
    assert [int(y) for _, y in got] == [0, 0, 0, 0, 1, 1, 1, 2, 2, 2]


def test_label_modes_and_no_labels(audio_dir):
    root, clips = audio_dir
    kw = dict(batch_size=10, shuffle=False, verbose=False, output_sequence_length=4)
    _, y = next(iter(keras.utils.audio_dataset_from_directory(
        str(root), label_mode="categorical", **kw)))
    np.testing.assert_array_equal(y.numpy(), np.eye(3, dtype=np.float32)[
        [0, 0, 0, 0, 1, 1, 1, 2, 2, 2]])
    ds = keras.utils.audio_dataset_from_directory(str(root), label_mode=None, **kw)
    assert ds.class_names is None
    a = next(iter(ds))
    assert tuple(a.shape) == (10, 4, 1)
    ds = keras.utils.audio_dataset_from_directory(str(root), labels=None, **kw)
    assert tuple(next(iter(ds)).shape) == (10, 4, 1)
    # explicit labels follow the sorted file order; class names are the sorted labels
    explicit = [1, 0, 1, 0, 0, 1, 1, 0, 0, 1]
    ds = keras.utils.audio_dataset_from_directory(str(root), labels=explicit,
                                                  label_mode="binary", **kw)
    assert ds.class_names == ["0", "1"]
    _, y = next(iter(ds))
    np.testing.assert_array_equal(y.numpy(), np.array(explicit, np.float32)[:, None])
    # class_names picks the order (and a subset) of the classes
    ds = keras.utils.audio_dataset_from_directory(str(root), class_names=["yes", "down"],
                                                  **kw)
    a, y = next(iter(ds))
    np.testing.assert_array_equal(y.numpy(), [0, 0, 0, 1, 1, 1, 1])
    np.testing.assert_array_equal(a.numpy()[0], _expected(clips, str(root / "yes/clip0.wav"),
                                                          4))


def test_shuffle_order_and_split_match_keras(audio_dir, capsys):
    root, clips = audio_dir
    tr, va = keras.utils.audio_dataset_from_directory(
        str(root), batch_size=4, validation_split=0.3, subset="both", seed=3,
        output_sequence_length=6)
    out = capsys.readouterr().out
    assert out == ("Found 10 files belonging to 3 classes.\nUsing 7 files for training.\n"
                   "Using 3 files for validation.\n")
    # keras.src.utils.dataset_utils.index_directory(..., shuffle=True, seed=3) in Keras 3.15
    # lists the files in this order (relative to the directory):
    keras_order = ["go/clip1", "go/clip0", "down/clip1", "down/clip2", "yes/clip2",
                   "go/clip2", "yes/clip0", "down/clip0", "down/clip3", "yes/clip1"]
    want = [str(root / (n + ".wav")) for n in keras_order]
    assert tr.file_paths == want[:7] and va.file_paths == want[7:]
    assert tr.class_names == va.class_names == ["down", "go", "yes"]
    # the validation half is not shuffled again: batches follow file_paths
    a, y = next(iter(va))
    np.testing.assert_array_equal(y.numpy(), [0, 0, 2])
    for row, p in enumerate(want[7:]):
        np.testing.assert_array_equal(a.numpy()[row], _expected(clips, p, 6))
    # the training half is shuffled, but holds the same 7 clips in every pass
    seen = sorted(tuple(r.ravel()) for a, _ in tr for r in a.numpy())
    assert seen == sorted(tuple(_expected(clips, p, 6).ravel()) for p in want[:7])
    # the single-subset calls give the same halves
    t1 = keras.utils.audio_dataset_from_directory(str(root), validation_split=0.3,
                                                  subset="training", seed=3, verbose=False)
    v1 = keras.utils.audio_dataset_from_directory(str(root), validation_split=0.3,
                                                  subset="validation", seed=3, verbose=False)
    assert t1.file_paths == want[:7] and v1.file_paths == want[7:]


def test_same_seed_same_batches(audio_dir):
    root, _ = audio_dir

    def run():
        ds = keras.utils.audio_dataset_from_directory(str(root), batch_size=3, seed=11,
                                                      verbose=False)
        return [(a.numpy(), y.numpy()) for a, y in ds]
    r1, r2 = run(), run()
    assert len(r1) == 4
    for (a1, y1), (a2, y2) in zip(r1, r2):
        np.testing.assert_array_equal(a1, a2)
        np.testing.assert_array_equal(y1, y2)
    assert sorted(np.concatenate([y for _, y in r1]).tolist()) == [0] * 4 + [1] * 3 + [2] * 3


def test_stereo_and_nested_folders(tmp_path):
    os.makedirs(tmp_path / "a" / "inner")
    os.makedirs(tmp_path / "b")
    st = np.array([[1, -2], [3, -4], [5, -6]], np.int16)
    _write(tmp_path / "a" / "inner" / "s.WAV", st)
    _write(tmp_path / "b" / "t.wav", np.array([[7, 8]], np.int16))
    ds = keras.utils.audio_dataset_from_directory(str(tmp_path), shuffle=False, verbose=False)
    a, y = next(iter(ds))
    want = np.zeros((2, 3, 2), np.float32)
    want[0] = st / 32768.0
    want[1, 0] = np.array([7, 8]) / 32768.0
    np.testing.assert_array_equal(a.numpy(), want)
    np.testing.assert_array_equal(y.numpy(), [0, 1])


def test_simple_audio_tutorial_data_loading(tmp_path):
    """The data-loading steps of TensorFlow's simple_audio tutorial."""
    rng = np.random.RandomState(1)
    names = ["down", "go", "left", "no"]
    for c in names:
        os.makedirs(tmp_path / c)
        for i in range(5):
            _write(tmp_path / c / ("%d.wav" % i), rng.randint(-3000, 3000, size=rng.randint(
                50, 160)).astype(np.int16), rate=16000)
    train_ds, val_ds = tf.keras.utils.audio_dataset_from_directory(
        directory=str(tmp_path), batch_size=4, validation_split=0.2, seed=0,
        output_sequence_length=160, subset="both")
    label_names = np.array(train_ds.class_names)
    assert label_names.tolist() == names
    spec = train_ds.element_spec
    assert spec[0].shape.as_list()[1:2] == [160] and spec[1].dtype == tf.int32

    def squeeze(audio, labels):
        audio = tf.squeeze(audio, axis=-1)
        return audio, labels

    train_ds = train_ds.map(squeeze, tf.data.AUTOTUNE)
    val_ds = val_ds.map(squeeze, tf.data.AUTOTUNE)
    test_ds = val_ds.shard(num_shards=2, index=0)
    val_ds = val_ds.shard(num_shards=2, index=1)
    for example_audio, example_labels in train_ds.take(1):
        assert tuple(example_audio.shape) == (4, 160)
        assert tuple(example_labels.shape) == (4,)
    assert sum(int(a.shape[0]) for a, _ in train_ds) == 16
    # 4 validation files in one batch: shard 0 holds that batch, shard 1 nothing
    assert sum(int(a.shape[0]) for a, _ in test_ds) == 4
    assert len(list(val_ds)) == 0
    # the tutorial then caches and prefetches
    train_ds = train_ds.cache().shuffle(10000).prefetch(tf.data.AUTOTUNE)
    assert sum(int(y.shape[0]) for _, y in train_ds) == 16


@pytest.mark.parametrize("kwargs, err, match", [
    (dict(sampling_rate=16000), ImportError, "sampling_rate"),
    (dict(sampling_rate=1.5), ValueError, "sampling_rate must be an int"),
    (dict(sampling_rate=0), ValueError, "higher than 0"),
    (dict(validation_split=0.2), ValueError, "subset and validation_split"),
    (dict(subset="training"), ValueError, "subset and validation_split"),
    (dict(validation_split=1.5, subset="training", seed=1), ValueError, "between 0 and 1"),
    (dict(validation_split=0.2, subset="train", seed=1), ValueError, "subset must be"),
    (dict(validation_split=0.2, subset="training"), ValueError, "pass a seed"),
    (dict(ragged=True, output_sequence_length=5), ValueError, "cannot be used together"),
    (dict(ragged=True), NotImplementedError, "ragged=True"),
    (dict(label_mode="sparse"), ValueError, "label_mode must be"),
    (dict(label_mode="binary"), ValueError, "exactly 2 classes"),
    (dict(labels="folders"), ValueError, "labels must be"),
    (dict(labels=[0, 1], class_names=["a"]), ValueError, "class_names can only"),
    (dict(labels=[0, 1]), ValueError, "2 labels were given but 10 files"),
    (dict(class_names=["down", "nope"]), ValueError, "nope"),
    (dict(output_sequence_length=0), ValueError, "output_sequence_length"),
    (dict(validation_split=0.05, subset="validation", seed=1), ValueError,
     "leaves no validation files"),
])
def test_argument_errors(audio_dir, kwargs, err, match):
    root, _ = audio_dir
    with pytest.raises(err, match=match):
        keras.utils.audio_dataset_from_directory(str(root), verbose=False, **kwargs)


def test_missing_or_empty_directory(tmp_path):
    with pytest.raises(ValueError, match="not a directory"):
        keras.utils.audio_dataset_from_directory(str(tmp_path / "nope"), verbose=False)
    os.makedirs(tmp_path / "a")
    (tmp_path / "a" / "x.txt").write_text("x")
    with pytest.raises(ValueError, match="no audio files"):
        keras.utils.audio_dataset_from_directory(str(tmp_path), verbose=False)


def test_bad_wav_names_the_problem(tmp_path):
    os.makedirs(tmp_path / "a")
    with wave.open(str(tmp_path / "a" / "x.wav"), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(1)          # 8-bit: not readable, as in TensorFlow
        w.setframerate(8000)
        w.writeframes(b"\x01\x02")
    ds = keras.utils.audio_dataset_from_directory(str(tmp_path), verbose=False)
    with pytest.raises(Exception, match="16-bit"):
        list(ds)
