"""keras.utils data helpers: to_categorical, normalize, pad_sequences,
timeseries_dataset_from_array, image/text_dataset_from_directory, split_dataset,
Sequence/PyDataset."""
import numpy as np
import pytest

import ndflow as tf
from ndflow import keras
from ndflow.keras import utils


def test_to_categorical():
    out = utils.to_categorical([0, 2, 1, 2])
    np.testing.assert_array_equal(out, np.eye(3, dtype=np.float32)[[0, 2, 1, 2]])
    assert out.dtype == np.float32
    assert utils.to_categorical(np.array([[1], [0]]), num_classes=4).shape == (2, 4)
    assert utils.to_categorical(np.array([[0, 1], [1, 1]])).shape == (2, 2, 2)
    t = utils.to_categorical(tf.convert_to_tensor([1, 0]), 2)
    assert isinstance(t, tf.Tensor) and t.numpy().tolist() == [[0, 1], [1, 0]]
    with pytest.raises(ValueError, match="num_classes"):
        utils.to_categorical([0, 3], num_classes=3)


def test_normalize_matches_numpy_norms():
    x = np.array([[3.0, 4.0], [0.0, 0.0], [1.0, -1.0]])
    out = utils.normalize(x)
    np.testing.assert_allclose(out, [[0.6, 0.8], [0, 0], [2 ** -0.5, -(2 ** -0.5)]])
    l1 = utils.normalize(x, axis=0, order=1)
    np.testing.assert_allclose(l1, x / np.abs(x).sum(axis=0, keepdims=True))


def test_pad_sequences_keras_defaults_and_options():
    seqs = [[1, 2, 3], [4, 5], [6]]
    out = utils.pad_sequences(seqs)
    assert out.dtype == np.int32
    assert out.tolist() == [[1, 2, 3], [0, 4, 5], [0, 0, 6]]          # padding='pre'
    assert utils.pad_sequences(seqs, maxlen=2).tolist() == [[2, 3], [4, 5], [0, 6]]
    assert utils.pad_sequences(seqs, maxlen=2, truncating="post",
                               padding="post").tolist() == [[1, 2], [4, 5], [6, 0]]
    f = utils.pad_sequences([[0.5], []], maxlen=2, dtype="float32", value=-1.0)
    assert f.tolist() == [[-1.0, 0.5], [-1.0, -1.0]]
    vec = utils.pad_sequences([np.ones((2, 3)), np.ones((1, 3))])
    assert vec.shape == (2, 2, 3) and vec[1, 0].tolist() == [0, 0, 0]
    assert utils.pad_sequences([["a", "b"], ["c"]], dtype=object, value="").tolist() == \
        [["a", "b"], ["", "c"]]
    with pytest.raises(ValueError, match="padding"):
        utils.pad_sequences(seqs, padding="middle")
    with pytest.raises(ValueError, match=r"sequences\[1\]"):
        utils.pad_sequences([[1], 5])


def test_timeseries_dataset_from_array_windows_and_targets():
    data = np.arange(20)
    ds = utils.timeseries_dataset_from_array(data, data * 10, sequence_length=4,
                                             sequence_stride=2, sampling_rate=2, batch_size=3)
    batches = list(ds.as_numpy_iterator())
    xs = np.concatenate([b[0] for b in batches])
    ys = np.concatenate([b[1] for b in batches])
    # starts 0, 2, ..., while start + 3*2 < 20  ->  0..12
    starts = list(range(0, 20 - 6, 2))
    assert xs.tolist() == [[s, s + 2, s + 4, s + 6] for s in starts]
    assert ys.tolist() == [s * 10 for s in starts]
    assert [len(b[0]) for b in batches] == [3, 3, 1]
    ranged = utils.timeseries_dataset_from_array(data, None, 3, batch_size=None,
                                                 start_index=5, end_index=10)
    assert [w.tolist() for w in ranged.as_numpy_iterator()] == [[5, 6, 7], [6, 7, 8], [7, 8, 9]]
    shuffled = utils.timeseries_dataset_from_array(data, data, 3, batch_size=4, shuffle=True,
                                                   seed=1)
    pairs = [(x.tolist(), int(y)) for xb, yb in shuffled.as_numpy_iterator()
             for x, y in zip(xb, yb)]
    assert sorted(p[1] for p in pairs) == list(range(18))
    assert all(x == [y, y + 1, y + 2] for x, y in pairs)


def _make_images(root, Image):
    colours = {"cats": (255, 0, 0), "dogs": (0, 0, 255)}
    for k, (cls, rgb) in enumerate(sorted(colours.items())):
        d = root / cls
        d.mkdir(parents=True)
        for i in range(3 + k):
            Image.new("RGB", (8 + i, 6), rgb).save(d / ("img%d.png" % i))
    (root / "cats" / "notes.txt").write_text("not an image")


def test_image_dataset_from_directory(tmp_path):
    from PIL import Image
    _make_images(tmp_path, Image)
    ds = utils.image_dataset_from_directory(tmp_path, image_size=(4, 5), batch_size=4,
                                            seed=0, verbose=False)
    assert ds.class_names == ["cats", "dogs"]
    images, labels = zip(*ds.as_numpy_iterator())
    x, y = np.concatenate(images), np.concatenate(labels)
    assert x.shape == (7, 4, 5, 3) and x.dtype == np.float32 and y.dtype == np.int32
    assert sorted(y.tolist()) == [0, 0, 0, 1, 1, 1, 1]
    # red images are cats (0), blue ones dogs (1)
    assert all((img[..., 0].mean() > 200) == (lab == 0) for img, lab in zip(x, y))
    train, val = utils.image_dataset_from_directory(
        tmp_path, image_size=(4, 4), batch_size=2, validation_split=0.3, subset="both",
        seed=3, label_mode="categorical", color_mode="grayscale", verbose=False)
    tx = np.concatenate([b[0] for b in train.as_numpy_iterator()])
    vy = np.concatenate([b[1] for b in val.as_numpy_iterator()])
    assert tx.shape == (5, 4, 4, 1) and vy.shape == (2, 2) and vy.sum() == 2
    assert set(train.file_paths).isdisjoint(val.file_paths)
    with pytest.raises(ValueError, match="subset"):
        utils.image_dataset_from_directory(tmp_path, validation_split=0.2, verbose=False)


def test_image_dataset_without_labels_or_with_given_labels(tmp_path):
    from PIL import Image
    _make_images(tmp_path, Image)
    only = utils.image_dataset_from_directory(tmp_path, labels=None, image_size=(3, 3),
                                              shuffle=False, batch_size=None, verbose=False)
    images = list(only.as_numpy_iterator())
    assert len(images) == 7 and images[0].shape == (3, 3, 3)
    assert images[0][..., 0].mean() > 200           # sorted paths: cats (red) come first
    given = utils.image_dataset_from_directory(tmp_path, labels=[5, 5, 5, 6, 6, 6, 6],
                                               image_size=(3, 3), shuffle=False,
                                               verbose=False)
    (_, y), = given.as_numpy_iterator()
    assert y.tolist() == [5, 5, 5, 6, 6, 6, 6]
    with pytest.raises(ValueError, match="7 files"):
        utils.image_dataset_from_directory(tmp_path, labels=[0, 1], verbose=False)


def test_image_dataset_resizes_like_tf_image_resize(tmp_path):
    # Keras resizes with tf.image.resize (half-pixel centres, no antialiasing), not with
    # Pillow's filters: 6 -> 2 pixels (scale 3) samples exactly pixels 1 and 4
    from PIL import Image
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, size=(6, 9, 3)).astype(np.uint8)
    (tmp_path / "c").mkdir()
    Image.fromarray(img).save(tmp_path / "c" / "a.png")

    def load(**kw):
        ds = utils.image_dataset_from_directory(tmp_path, batch_size=None, shuffle=False,
                                                verbose=False, **kw)
        return next(iter(ds))[0].numpy()

    np.testing.assert_array_equal(load(image_size=(2, 3)), img[1::3, 1::3])
    np.testing.assert_array_equal(load(image_size=(2, 3), interpolation="nearest"),
                                  img[1::3, 1::3])
    # crop_to_aspect_ratio: the centred 6x6 window (columns 1..6), then scale 3
    np.testing.assert_array_equal(load(image_size=2, crop_to_aspect_ratio=True),
                                  img[1::3, 2::3][:, :2])
    # pad_to_aspect_ratio is tf.image.resize_with_pad: 6x9 fits 4x6 at 2/3 scale (4x6, no
    # padding); into 6x6 it becomes 4x6 with one zero row above and below
    padded = load(image_size=(6, 6), pad_to_aspect_ratio=True)
    np.testing.assert_array_equal(padded[0], 0)
    np.testing.assert_array_equal(padded[5], 0)
    np.testing.assert_array_equal(padded[1:5], load(image_size=(4, 6)))
    # bilinear between pixels, computed in float64: 6x9 -> 4x6 samples at (i + .5) * 1.5 - .5
    def weights(n_in, n_out):
        w = np.zeros((n_out, n_in))
        for i in range(n_out):
            s = min(max((i + 0.5) * n_in / n_out - 0.5, 0), n_in - 1)
            lo = int(np.floor(s))
            hi = min(lo + 1, n_in - 1)
            w[i, lo] += 1 - (s - lo)
            w[i, hi] += s - lo
        return w
    expected = np.einsum("ah,bw,hwc->abc", weights(6, 4), weights(9, 6), img.astype(np.float64))
    np.testing.assert_allclose(load(image_size=(4, 6)), expected, rtol=1e-5, atol=1e-4)
    channels_first = load(image_size=(2, 3), data_format="channels_first")
    np.testing.assert_array_equal(channels_first, img[1::3, 1::3].transpose(2, 0, 1))
    with pytest.raises(ValueError, match="interpolation"):
        load(image_size=(2, 3), interpolation="hamming")


def test_text_dataset_from_directory(tmp_path):
    for cls, texts in (("neg", ["bad", "awful film"]), ("pos", ["good", "great", "fine"])):
        (tmp_path / cls).mkdir()
        for i, t in enumerate(texts):
            (tmp_path / cls / ("%d.txt" % i)).write_text(t)
    ds = utils.text_dataset_from_directory(tmp_path, batch_size=10, shuffle=False,
                                           max_length=4, verbose=False)
    (texts, labels), = ds.as_numpy_iterator()
    assert [str(t) for t in texts] == ["bad", "awfu", "good", "grea", "fine"]
    assert labels.tolist() == [0, 0, 1, 1, 1]
    assert ds.element_spec[0].dtype == tf.string
    binary = utils.text_dataset_from_directory(tmp_path, label_mode="binary", verbose=False,
                                               seed=1)
    (_, lab), = binary.as_numpy_iterator()
    assert lab.shape == (5, 1) and lab.dtype == np.float32 and lab.sum() == 3


def test_split_dataset_sizes_and_contents():
    left, right = utils.split_dataset(np.arange(10), left_size=0.8)
    assert [int(v) for v in left] == list(range(8)) and [int(v) for v in right] == [8, 9]
    x, y = np.arange(12).reshape(6, 2), np.arange(6)
    left, right = utils.split_dataset((x, y), right_size=2, shuffle=True, seed=0)
    assert len(left) == 4 and len(right) == 2
    got = [(a.tolist(), int(b)) for a, b in list(left.as_numpy_iterator()) +
           list(right.as_numpy_iterator())]
    assert sorted(g[1] for g in got) == list(range(6))
    assert all(a == [2 * b, 2 * b + 1] for a, b in got)
    batched = tf.data.Dataset.from_tensor_slices(np.arange(10)).batch(3)
    left, right = utils.split_dataset(batched, left_size=6)   # split by sample, not batch
    assert len(left) == 6 and len(right) == 4
    with pytest.raises(ValueError, match="more than"):
        utils.split_dataset(np.arange(4), left_size=3, right_size=2)


class _Squares(keras.utils.Sequence):
    def __init__(self, n, batch_size):
        super().__init__()
        self.x = np.arange(n, dtype=np.float32)
        self.batch_size = batch_size
        self.epochs_ended = 0

    def __len__(self):
        return int(np.ceil(len(self.x) / self.batch_size))

    def __getitem__(self, i):
        xb = self.x[i * self.batch_size:(i + 1) * self.batch_size]
        return xb, xb ** 2

    def on_epoch_end(self):
        self.epochs_ended += 1


def test_sequence_and_pydataset():
    assert keras.utils.Sequence is keras.utils.PyDataset
    s = _Squares(5, 2)
    assert len(s) == 3 and s[2][1].tolist() == [16.0]
    assert [len(b[0]) for b in s] == [2, 2, 1]
    assert s.workers == 1 and s.use_multiprocessing is False and s.num_batches == 3

    class NoLen(keras.utils.PyDataset):
        def __getitem__(self, i):
            return i
    with pytest.raises(NotImplementedError, match="__len__"):
        len(NoLen())


def test_make_sampling_table_and_skipgrams_match_keras():
    # expected values from TF 2.21 (keras.preprocessing.sequence), same seeds
    import random
    seq = keras.preprocessing.sequence
    assert seq.make_sampling_table(6).tolist() == [
        0.0031522478751942504, 0.0031522478751942504, 0.0054759726939176976,
        0.007415564097374219, 0.009128167456366161, 0.010684345040995184]
    assert seq.make_sampling_table(4, sampling_factor=0.3).tolist() == [
        0.5459853477887479, 0.5459853477887479, 0.9484662926725268, 1.0]
    # positives only: each word with its neighbours within the window; id 0 is skipped
    assert seq.skipgrams([1, 2, 0, 3, 4], vocabulary_size=5, window_size=2,
                         negative_samples=0, shuffle=False) == (
        [[1, 2], [2, 1], [2, 3], [3, 2], [3, 4], [4, 3]], [1] * 6)
    random.seed(0)
    assert seq.skipgrams([1, 2, 0, 3, 4], vocabulary_size=10, window_size=1,
                         negative_samples=1.0, seed=42) == (
        [[4, 3], [3, 5], [2, 8], [4, 7], [3, 4], [1, 9], [1, 2], [2, 1]],
        [1, 0, 0, 0, 1, 0, 1, 1])
    random.seed(1)
    couples, labels = seq.skipgrams(
        [1, 2, 3, 4, 5, 6], vocabulary_size=7, window_size=2, negative_samples=0.5,
        categorical=True, sampling_table=np.array([1, .5, .5, .5, .5, .5, .5]))
    assert couples == [[4, 3], [4, 2], [6, 4], [5, 4], [5, 3], [4, 3], [1, 2], [4, 5], [1, 3],
                       [4, 6], [4, 4], [4, 6], [5, 6], [6, 2], [6, 5], [5, 6]]
    assert labels == [[0, 1]] * 5 + [[1, 0]] + [[0, 1]] * 3 + [[1, 0]] * 2 + [[0, 1]] * 2 + \
        [[1, 0], [0, 1], [1, 0]]
    assert seq.skipgrams([0, 0], vocabulary_size=3) == ([], [])
