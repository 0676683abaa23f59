"""Image and text preprocessing layers against hand-computed Keras semantics."""
import os
import sys

import numpy as np
import pytest

import ndflow as tf
from ndflow import keras
from ndflow.keras import layers as L

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from layer_test_helper import run_layer_test  # noqa: E402

RNG = np.random.default_rng(3)


# ---- image --------------------------------------------------------------------------------------

def test_image_layer_tests():
    run_layer_test(L.Resizing, {"height": 4, "width": 6}, input_shape=(2, 8, 3, 2),
                   expected_output_shape=(2, 4, 6, 2), expected_num_trainable_weights=0)
    run_layer_test(L.CenterCrop, {"height": 3, "width": 2}, input_shape=(2, 5, 6, 1),
                   expected_output_shape=(2, 3, 2, 1), expected_num_trainable_weights=0)
    for cls, kw in [(L.RandomFlip, {"seed": 1}), (L.RandomRotation, {"factor": 0.1}),
                    (L.RandomZoom, {"height_factor": 0.2}),
                    (L.RandomTranslation, {"height_factor": 0.1, "width_factor": 0.2}),
                    (L.RandomContrast, {"factor": 0.3}), (L.RandomBrightness, {"factor": 0.2})]:
        # called without a training flag they augment (Keras); these checks compare calls
        run_layer_test(cls, kw, input_shape=(2, 6, 5, 3), expected_output_shape=(2, 6, 5, 3),
                       expected_num_trainable_weights=0, call_kwargs={"training": False})
    run_layer_test(L.RandomCrop, {"height": 4, "width": 3}, input_shape=(2, 6, 5, 3),
                   expected_output_shape=(2, 4, 3, 3), expected_num_trainable_weights=0,
                   call_kwargs={"training": False})


def test_resizing_bilinear_half_pixel_and_nearest():
    x = np.arange(4, dtype=np.float32).reshape(1, 2, 2, 1)
    y = L.Resizing(4, 4)(x).numpy()[0, :, :, 0]
    # half-pixel centres, edges clamped (tf.image.resize, antialias=False)
    row = np.array([0, 0.25, 0.75, 1.0])
    np.testing.assert_allclose(y, row[None, :] + 2 * row[:, None], rtol=1e-6)
    down = L.Resizing(1, 2, interpolation="nearest")(np.arange(8, dtype=np.float32)
                                                     .reshape(1, 2, 4, 1)).numpy()
    # nearest samples floor((i + 0.5) * scale), as TensorFlow does with half-pixel centres
    np.testing.assert_array_equal(down[0, :, :, 0], [[5, 7]])
    # gradient flows through resizing (it is built from ops)
    xt = tf.constant(RNG.normal(size=(1, 3, 3, 1)))
    with tf.GradientTape() as tape:
        tape.watch(xt)
        s = tf.reduce_sum(L.Resizing(6, 6, dtype="float64")(xt))
    g = tape.gradient(s, xt).numpy()
    np.testing.assert_allclose(g.sum(), 36.0)   # each output is a convex combination


def test_center_crop_and_aspect_crop():
    x = np.arange(30, dtype=np.float32).reshape(1, 5, 6, 1)
    np.testing.assert_array_equal(L.CenterCrop(3, 2)(x).numpy()[0, :, :, 0], x[0, 1:4, 2:4, 0])
    y = L.Resizing(2, 2, crop_to_aspect_ratio=True, interpolation="nearest")(x)
    assert y.shape == (1, 2, 2, 1)


def test_random_layers_only_act_in_training_and_are_seeded():
    x = RNG.uniform(0, 255, size=(4, 6, 6, 3)).astype(np.float32)
    for layer in (L.RandomFlip(), L.RandomRotation(0.2), L.RandomZoom(0.3),
                  L.RandomTranslation(0.2, 0.2), L.RandomContrast(0.5),
                  L.RandomBrightness(0.3)):
        np.testing.assert_array_equal(layer(x, training=False).numpy(), x)
        keras.utils.set_random_seed(4)
        a = layer(x, training=True).numpy()
        keras.utils.set_random_seed(4)
        b = layer(x, training=True).numpy()
        np.testing.assert_array_equal(a, b)
        assert np.abs(a - x).max() > 0, type(layer).__name__
        # no training flag given or inherited: the call's default, training=True (Keras),
        # also inside a Sequential called directly, as the augmentation tutorials do
        keras.utils.set_random_seed(4)
        np.testing.assert_array_equal(layer(x).numpy(), a)
        keras.utils.set_random_seed(4)
        np.testing.assert_array_equal(keras.Sequential([layer])(x).numpy(), a)
        keras.utils.set_random_seed(4)
        np.testing.assert_array_equal(keras.Sequential([layer])(x, training=False).numpy(), x)


def test_random_geometry_values():
    img = np.arange(16, dtype=np.float32).reshape(1, 4, 4, 1)
    rot = L.RandomRotation((0.25, 0.25), interpolation="nearest")(img, training=True)
    np.testing.assert_array_equal(rot.numpy()[0, :, :, 0], np.rot90(img[0, :, :, 0]))
    tr = L.RandomTranslation((0.25, 0.25), (0, 0), fill_mode="constant", fill_value=-1)(
        img, training=True).numpy()[0, :, :, 0]
    np.testing.assert_array_equal(tr[0], [-1, -1, -1, -1])
    np.testing.assert_array_equal(tr[1:], img[0, :3, :, 0])
    flip = L.RandomFlip("horizontal", seed=0)
    out = flip(np.repeat(img, 20, 0), training=True).numpy()[:, :, :, 0]
    flipped = (out == img[0, :, ::-1, 0]).all(axis=(1, 2))
    kept = (out == img[0, :, :, 0]).all(axis=(1, 2))
    assert np.all(flipped | kept) and flipped.any() and kept.any()
    zoom = L.RandomZoom((-0.5, -0.5), interpolation="nearest")(
        np.arange(64, dtype=np.float32).reshape(1, 8, 8, 1), training=True).numpy()
    assert zoom[0, 0, 0, 0] > 0 and zoom.max() < 63   # zoomed in: corners cut away
    c = L.RandomContrast((0.5, 0.5))
    xs = RNG.uniform(50, 200, size=(2, 4, 4, 3)).astype(np.float32)
    keras.utils.set_random_seed(0)
    yc = c(xs, training=True).numpy()
    mean = xs.mean(axis=(1, 2), keepdims=True)
    f = (yc - mean) / (xs - mean)
    assert np.all((f > 0.5 - 1e-3) & (f < 1.5 + 1e-3))
    np.testing.assert_allclose(f.reshape(2, -1).std(axis=1), 0, atol=1e-3)


def test_random_crop_and_random_brightness_values():
    x = np.arange(2 * 6 * 8, dtype=np.float32).reshape(2, 6, 8, 1)
    # training: one random window, the same for the whole batch
    out = L.RandomCrop(4, 5, seed=3)(x, training=True).numpy()
    wins = [(t, l) for t in range(3) for l in range(4)
            if np.array_equal(out, x[:, t:t + 4, l:l + 5])]
    assert len(wins) == 1
    seen = {float(L.RandomCrop(4, 5, seed=s)(x, training=True).numpy()[0, 0, 0, 0])
            for s in range(12)}
    assert len(seen) > 1
    # inference: the largest centred 6x6 window (columns 1..6), then 6x6 -> 3x3 bilinear
    # with half-pixel centres samples rows/columns 0.5, 2.5, 4.5: means of 2x2 blocks
    centre = x[:, :, 1:7].astype(np.float64)
    expected = centre.reshape(2, 3, 2, 3, 2, 1).mean(axis=(2, 4))
    np.testing.assert_allclose(L.RandomCrop(3, 3)(x, training=False).numpy(), expected)
    # an image not larger than the target is resized even when training
    small = L.RandomCrop(12, 16)(x, training=True)
    assert small.shape == (2, 12, 16, 1)
    cf = L.RandomCrop(4, 5, data_format="channels_first")(x.transpose(0, 3, 1, 2))
    assert cf.shape == (2, 1, 4, 5)
    assert L.RandomCrop(4, 5).compute_output_shape((None, 6, 8, 3)) == (None, 4, 5, 3)
    with pytest.raises(ValueError, match="height and width"):
        L.RandomCrop(0, 3)

    b = L.RandomBrightness((0.1, 0.1), value_range=(0, 1))
    y = np.array([[0.2, 0.95]], np.float32).reshape(1, 1, 2, 1)
    np.testing.assert_allclose(b(y, training=True).numpy().ravel(), [0.3, 1.0], rtol=1e-6)
    np.testing.assert_array_equal(b(y, training=False).numpy(), y)
    flat = np.full((5, 3, 3, 3), 100.0, np.float32)
    z = L.RandomBrightness(0.2, seed=1)(flat, training=True).numpy()
    delta = z - 100.0
    assert np.all(np.abs(delta) <= 0.2 * 255 + 1e-4)
    assert np.allclose(delta, delta[:, :1, :1, :1])     # one delta per image
    assert len(np.unique(delta[:, 0, 0, 0])) == 5
    with pytest.raises(ValueError, match="factor"):
        L.RandomBrightness(1.5)
    config = L.RandomBrightness(0.2, value_range=(0, 1)).get_config()
    assert config["factor"] == 0.2 and config["value_range"] == [0.0, 1.0]


# ---- text and categorical --------------------------------------------------------------------------

def test_string_lookup_adapt_vocabulary_and_modes():
    layer = L.StringLookup()
    layer.adapt(np.array(["b", "a", "c", "a", "b", "a"]))
    assert layer.get_vocabulary() == ["[UNK]", "a", "b", "c"]
    np.testing.assert_array_equal(layer(np.array([["a", "z"], ["c", "b"]])).numpy(),
                                  [[1, 0], [3, 2]])
    inv = L.StringLookup(vocabulary=["a", "b", "c"], invert=True)
    assert inv(np.array([1, 3, 0])).numpy().tolist() == ["a", "c", "[UNK]"]
    masked = L.StringLookup(vocabulary=["x", "y"], mask_token="")
    np.testing.assert_array_equal(masked(np.array(["", "y", "q"])).numpy(), [0, 3, 1])
    mh = L.StringLookup(vocabulary=["a", "b"], output_mode="multi_hot")
    np.testing.assert_array_equal(mh(np.array([["a", "a", "q"]])).numpy(), [[1, 1, 0]])
    cnt = L.StringLookup(vocabulary=["a", "b"], output_mode="count")
    np.testing.assert_array_equal(cnt(np.array([["a", "a", "q"]])).numpy(), [[1, 2, 0]])
    oh = L.StringLookup(vocabulary=["a", "b"], output_mode="one_hot")
    np.testing.assert_array_equal(oh(np.array(["b", "a"])).numpy(), [[0, 0, 1], [0, 1, 0]])
    small = L.StringLookup(max_tokens=3)
    small.adapt(np.array(["a", "a", "b", "c", "c", "c"]))
    assert small.get_vocabulary() == ["[UNK]", "c", "a"]


def test_integer_lookup_and_category_encoding():
    il = L.IntegerLookup()
    il.adapt(np.array([7, 7, 3, 12, 3, 7]))
    assert il.get_vocabulary() == [-1, 7, 3, 12]
    np.testing.assert_array_equal(il(np.array([3, 99, 12])).numpy(), [2, 0, 3])
    ce = L.CategoryEncoding(num_tokens=4, output_mode="one_hot")
    np.testing.assert_array_equal(ce(np.array([3, 0])).numpy(), [[0, 0, 0, 1], [1, 0, 0, 0]])
    mh = L.CategoryEncoding(num_tokens=4)
    np.testing.assert_array_equal(mh(np.array([[0, 1, 1], [2, 2, 3]])).numpy(),
                                  [[1, 1, 0, 0], [0, 0, 1, 1]])
    cnt = L.CategoryEncoding(num_tokens=4, output_mode="count")
    np.testing.assert_array_equal(cnt(np.array([[0, 1, 1]])).numpy(), [[1, 2, 0, 0]])
    with pytest.raises(ValueError, match=r"\[0, 4\)"):
        mh(np.array([[4]]))


def test_text_vectorization():
    tv = L.TextVectorization(output_sequence_length=5)
    tv.adapt(np.array(["The cat sat.", "the CAT ran!", "a dog"]))
    vocab = tv.get_vocabulary()
    # by count, ties broken by the token, descending (Keras's order)
    assert vocab == ["", "[UNK]", "the", "cat", "sat", "ran", "dog", "a"]
    out = tv(np.array(["the dog sat on the mat", "cat"])).numpy()
    idx = {t: i for i, t in enumerate(vocab)}
    np.testing.assert_array_equal(out[0], [idx["the"], idx["dog"], idx["sat"], 1, idx["the"]])
    np.testing.assert_array_equal(out[1], [idx["cat"], 0, 0, 0, 0])
    mh = L.TextVectorization(output_mode="multi_hot", vocabulary=["cat", "dog"])
    np.testing.assert_array_equal(mh(np.array(["dog dog fish"])).numpy(), [[1, 0, 1]])
    bi = L.TextVectorization(ngrams=2, vocabulary=["a", "b", "a b"])
    np.testing.assert_array_equal(bi(np.array(["a b"])).numpy(), [[2, 3, 4]])
    tfidf = L.TextVectorization(output_mode="tf_idf")
    tfidf.adapt(np.array(["a a b", "a c"]))
    v = tfidf.get_vocabulary()
    res = tfidf(np.array(["a a"])).numpy()[0]
    assert res[v.index("a")] == pytest.approx(2 * np.log(1 + 2 / 3), rel=1e-5)
    # config round trip keeps the vocabulary
    clone = L.TextVectorization.from_config(tv.get_config())
    np.testing.assert_array_equal(clone(np.array(["the cat"])).numpy(),
                                  tv(np.array(["the cat"])).numpy())


def test_discretization_and_hashing():
    d = L.Discretization(bin_boundaries=[0.0, 1.0, 2.0])
    np.testing.assert_array_equal(d(np.array([[-1.5, 0.0, 0.5, 2.5]])).numpy(), [[0, 1, 1, 3]])
    a = L.Discretization(num_bins=4)
    a.adapt(np.arange(100, dtype=np.float64))
    np.testing.assert_allclose(a.bin_boundaries, np.quantile(np.arange(100), [.25, .5, .75]))
    h = L.Hashing(num_bins=5)
    out = h(np.array(["a", "b", "a", "zebra"])).numpy()
    assert out[0] == out[2] and out.min() >= 0 and out.max() < 5
    hm = L.Hashing(num_bins=5, mask_value="")
    res = hm(np.array(["", "a"])).numpy()
    assert res[0] == 0 and 1 <= res[1] < 5
    salted = L.Hashing(num_bins=1000, salt=7)(np.array(["a", "b", "c"])).numpy()
    assert len(set(salted.tolist())) >= 2
    # the same string hashes to the same bin in a fresh layer (stable across processes)
    np.testing.assert_array_equal(L.Hashing(num_bins=5)(np.array(["zebra"])).numpy(), out[3:])


def test_text_classifier_pipeline_trains():
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    words = ["good", "great", "fine", "bad", "awful", "poor", "the", "movie", "was"]
    texts, labels = [], []
    for _ in range(200):
        pos = rng.random() < 0.5
        pool = words[:3] if pos else words[3:6]
        texts.append(" ".join(list(rng.choice(words[6:], 3)) + [rng.choice(pool)]))
        labels.append(int(pos))
    tv = L.TextVectorization(max_tokens=20, output_mode="multi_hot")
    tv.adapt(np.array(texts))
    x = tv(np.array(texts)).numpy()
    model = keras.Sequential([keras.Input((x.shape[1],)), L.Dense(1, activation="sigmoid")])
    model.compile(keras.optimizers.Adam(0.1), "binary_crossentropy", metrics=["accuracy"])
    hist = model.fit(x, np.array(labels), epochs=10, verbose=0)
    assert hist.history["accuracy"][-1] > 0.95


def test_string_input_model_with_text_vectorization_saves(tmp_path):
    keras.utils.set_random_seed(1)
    texts = np.array(["good movie", "bad film", "great fun", "awful plot"])
    tv = L.TextVectorization(max_tokens=20, output_sequence_length=4)
    tv.adapt(texts)
    inp = keras.Input(shape=(1,), dtype="string")
    h = L.GlobalAveragePooling1D()(L.Embedding(20, 4, mask_zero=True)(tv(inp)))
    model = keras.Model(inp, L.Dense(1, activation="sigmoid")(h))
    model.compile("adam", "binary_crossentropy")
    model.fit(texts[:, None], np.array([1, 0, 1, 0]), epochs=1, verbose=0)
    path = str(tmp_path / "text.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(texts[:, None], verbose=0),
                               model.predict(texts[:, None], verbose=0), rtol=1e-6)
    # the padding (id 0) is masked: the pooled embedding of "good" (1 token + 3 pads) is
    # the embedding row of "good"
    pooled = keras.Model(inp, h).predict(np.array([["good"]]), verbose=0)[0]
    emb = [layer for layer in model.layers if isinstance(layer, L.Embedding)][0]
    row = emb.embeddings.numpy()[tv.get_vocabulary().index("good")]
    np.testing.assert_allclose(pooled, row, rtol=1e-6)


# a module-level function, saved by its name (as Keras does) and found again through
# custom_objects when loading
def _lower_no_digits(x):
    return tf.strings.regex_replace(tf.strings.lower(x), "[0-9]", "")


def _comma_split(x):
    return tf.strings.split(x, sep=",")


def test_text_vectorization_custom_callables_survive_saving(tmp_path):
    tv = L.TextVectorization(standardize=_lower_no_digits, split=_comma_split)
    tv.adapt(np.array(["A1,b", "a,C2"]))
    assert tv.get_vocabulary() == ["", "[UNK]", "a", "c", "b"]
    config = tv.get_config()
    assert config["standardize"]["config"] == "_lower_no_digits"
    assert config["split"]["config"] == "_comma_split"
    model = keras.Sequential([keras.Input(shape=(), dtype="string"), tv])
    path = str(tmp_path / "tv.keras")
    model.save(path)
    loaded = keras.models.load_model(path, custom_objects={
        "_lower_no_digits": _lower_no_digits, "_comma_split": _comma_split})
    texts = tf.constant(["B3,A", "c,Z"])
    assert loaded(texts).numpy().tolist() == model(texts).numpy().tolist() == \
        [[4, 2], [3, 1]]
    # before the fix the callables were saved as None: loading silently used the
    # default standardization and split; now the missing function is named
    with pytest.raises(Exception, match="_lower_no_digits"):
        keras.models.load_model(path)


def test_predict_takes_a_string_tensor():
    tv = L.TextVectorization(vocabulary=["a", "b"], output_sequence_length=3)
    model = keras.Sequential([tv])
    got = model.predict(tf.constant(["a b", "b x a"]), verbose=0)
    assert got.tolist() == [[2, 3, 0], [3, 1, 2]]


def test_lookup_layers_on_ragged_rows():
    chars = tf.strings.unicode_split(["abc", "ba", ""], "UTF-8")
    lookup = L.StringLookup(vocabulary=["a", "b"])
    ids = lookup(chars)
    # Keras 3 (TF 2.21): a tf.RaggedTensor with int64 values and row_splits
    assert isinstance(ids, tf.RaggedTensor) and ids.dtype == tf.int64
    assert ids.row_splits.dtype == tf.int64
    assert ids.to_list() == [[1, 2, 0], [2, 1], []]
    assert lookup(tf.strings.unicode_split(["ab", "ba"], "UTF-8")).to_list() == \
        [[1, 2], [2, 1]]                             # equal lengths stay ragged too
    inverse = L.StringLookup(vocabulary=["a", "b"], invert=True)
    assert inverse(ids).to_list() == [["a", "b", "[UNK]"], ["b", "a"], []]
    multi_hot = L.StringLookup(vocabulary=["a", "b"], output_mode="multi_hot")
    assert multi_hot(chars).numpy().tolist() == [[1, 1, 1], [0, 1, 1], [0, 0, 0]]
    ints = L.IntegerLookup(vocabulary=[5, 7])
    assert ints(tf.ragged.constant([[7, 5, 1], [5]])).to_list() == [[2, 1, 0], [1]]
    # a legacy RaggedList of rows still works
    assert ints(tf.strings.RaggedList([tf.constant([7, 5, 1]), tf.constant([5])])).to_list() \
        == [[2, 1, 0], [1]]
    # Keras 3: Hashing keeps the rows (int) or encodes each row; CategoryEncoding encodes
    # each row of a [batch, None] RaggedTensor
    assert L.Hashing(num_bins=3)(chars).to_list() == [[0, 1, 1], [1, 0], []]
    assert L.Hashing(num_bins=3, output_mode="multi_hot")(chars).numpy().tolist() == [
        [1, 1, 0], [1, 1, 0], [0, 0, 0]]
    counts = L.CategoryEncoding(num_tokens=4, output_mode="count")(
        tf.ragged.constant([[0, 1, 1], [3], []]))
    assert counts.numpy().tolist() == [[1, 2, 0, 0], [0, 0, 0, 1], [0, 0, 0, 0]]
    weighted = L.CategoryEncoding(num_tokens=4, output_mode="count")(
        tf.ragged.constant([[0, 1, 1], [3]]),
        count_weights=tf.ragged.constant([[0.5, 1.0, 2.0], [4.0]]))
    assert weighted.numpy().tolist() == [[0.5, 3.0, 0, 0], [0, 0, 0, 4.0]]


def test_text_vectorization_ragged_output():
    tv = L.TextVectorization(vocabulary=["a", "b"], ragged=True)
    out = tv(tf.constant(["a b a", "b", ""]))
    # Keras 3: a tf.RaggedTensor, int64 values and row_splits
    assert isinstance(out, tf.RaggedTensor) and out.dtype == tf.int64
    assert out.row_splits.dtype == tf.int64 and out.shape.as_list() == [3, None]
    assert out.to_list() == [[2, 3, 2], [3], []]
    cut = L.TextVectorization(vocabulary=["a", "b"], ragged=True, output_sequence_length=2)
    assert cut(tf.constant(["a b a", "b"])).to_list() == [[2, 3], [3]]
    with pytest.raises(ValueError, match="ragged=True only applies to output_mode='int'"):
        L.TextVectorization(ragged=True, output_mode="multi_hot")


def test_hashed_crossing_matches_tensorflow(tmp_path):
    # every expected bin below was produced by TF 2.21 / Keras 3 HashedCrossing
    cross = L.HashedCrossing(num_bins=1000)
    assert cross((tf.constant(["a", "b", "cat", "dog"]),
                  tf.constant([1, 2, -5, 123456789012]))).numpy().tolist() == \
        [485, 357, 325, 530]
    assert cross((np.array([[3], [4], [-1]]), np.array([[7], [8], [0]]))).numpy().tolist() \
        == [[593], [857], [358]]
    assert cross((tf.constant(["x", "yy"]), tf.constant(["red", "blue"]))).numpy().tolist() \
        == [545, 414]
    assert cross((tf.constant(["x", "yy"]), tf.constant(["red", "blue"]),
                  tf.constant([1, 2]))).numpy().tolist() == [21, 695]
    assert int(cross((tf.constant("x"), tf.constant(3))).numpy()) == 960
    big = L.HashedCrossing(num_bins=2 ** 62)
    assert big((tf.constant(["a", "b"]), tf.constant([1, 2]))).numpy().tolist() == \
        [2928842892298887677, 85918459618309357]
    assert cross((tf.constant(["a"]), tf.constant([1]))).dtype == tf.int64
    one_hot = L.HashedCrossing(num_bins=5, output_mode="one_hot")
    out = one_hot((tf.constant(["a", "b", "c"]), tf.constant([1, 2, 3])))
    assert out.dtype == tf.float32
    assert out.numpy().tolist() == [[1, 0, 0, 0, 0], [0, 0, 1, 0, 0], [0, 0, 0, 0, 1]]
    assert one_hot((tf.constant([["a"], ["b"]]), tf.constant([[1], [2]]))).shape == (2, 5)
    assert one_hot.compute_output_shape([(None, 1), (None, 1)]) == (None, 5)
    clone = L.HashedCrossing.from_config(one_hot.get_config())
    assert clone.num_bins == 5 and clone.output_mode == "one_hot"
    with pytest.raises(ValueError, match="at least two"):
        cross(tf.constant(["a"]))
    with pytest.raises(ValueError, match="same shape"):
        cross((tf.constant(["a", "b"]), tf.constant([1])))
    with pytest.raises(ValueError, match=r"\(\), \(batch,\) or \(batch, 1\)"):
        cross((np.zeros((2, 2), np.int64), np.zeros((2, 2), np.int64)))
    with pytest.raises(ValueError, match="integer or string"):
        cross((tf.constant([1.5]), tf.constant([1])))
    with pytest.raises(ValueError, match="'int' or 'one_hot'"):
        L.HashedCrossing(num_bins=3, output_mode="multi_hot")


def test_text_vectorization_nested_standardize_loads_through_custom_objects(tmp_path):
    def strip_x(x):                      # defined inside a function: saved with its bytecode
        return tf.strings.regex_replace(tf.strings.lower(x), "x", "")

    tv = L.TextVectorization(standardize=strip_x, vocabulary=["ab", "c"])
    model = keras.Sequential([keras.Input(shape=(), dtype="string"), tv])
    path = str(tmp_path / "nested.keras")
    model.save(path)
    texts = tf.constant(["AXb c", "zz"])
    expected = [[2, 3], [1, 0]]
    assert model(texts).numpy().tolist() == expected
    # safe mode: the caller's own function is used, nothing from the file runs
    loaded = keras.models.load_model(path, custom_objects={"strip_x": strip_x})
    assert loaded.layers[0].standardize is strip_x
    assert loaded(texts).numpy().tolist() == expected
    with pytest.raises(ValueError, match="bytecode.*safe_mode=False"):
        keras.models.load_model(path)
    assert keras.models.load_model(path, safe_mode=False)(texts).numpy().tolist() == expected


def test_encoded_outputs_are_int64_as_in_keras3():
    """Keras 3.15: StringLookup / IntegerLookup / TextVectorization give int64 one_hot,
    multi_hot and count encodings (tf_idf stays float32); a Dense layer after them casts."""
    import numpy as np
    from ndflow import keras
    for mode in ("one_hot", "multi_hot", "count"):
        s = keras.layers.StringLookup(vocabulary=["a", "b"], output_mode=mode)
        out = s(np.array([["a", "b"]] if mode != "one_hot" else ["a", "b"]))
        assert out.dtype.name == "int64", mode
        i = keras.layers.IntegerLookup(vocabulary=[1, 2], output_mode=mode)
        assert i(np.array([[1, 2]] if mode != "one_hot" else [1, 2])).dtype.name == "int64"
    tv = keras.layers.TextVectorization(output_mode="count", vocabulary=["a", "b"])
    np.testing.assert_array_equal(tv(np.array(["a b a"])).numpy(), [[0, 2, 1]])
    assert tv(np.array(["a b a"])).dtype.name == "int64"
    tfidf = keras.layers.StringLookup(vocabulary=["a", "b"], idf_weights=[0.5, 2.0],
                                      output_mode="tf_idf")
    assert tfidf(np.array([["a", "b"]])).dtype.name == "float32"
    model = keras.Sequential([keras.Input((2,), dtype="string"),
                              keras.layers.StringLookup(vocabulary=["a", "b"],
                                                        output_mode="multi_hot"),
                              keras.layers.Dense(1)])
    assert model.predict(np.array([["a", "b"]]), verbose=0).dtype == np.float32
