"""Regression tests for differences from Keras found by the reference suite
(tests_reference/, run against real TensorFlow). Expected values are computed here with
NumPy from the Keras semantics, not taken from TensorFlow."""
import numpy as np

from ndflow import keras


def test_layer_normalization_rms_scaling_weights_and_values():
    # Keras: rms_scaling creates gamma only (no beta) and divides x, not centered, by
    # sqrt(var(x) + epsilon)
    x = np.random.default_rng(0).normal(size=(3, 5)).astype(np.float32) + 1.0
    layer = keras.layers.LayerNormalization(rms_scaling=True, epsilon=1e-3)
    layer.build(x.shape)
    assert [tuple(w.shape) for w in layer.weights] == [(5,)]
    gamma = np.linspace(0.5, 1.5, 5).astype(np.float32)
    layer.set_weights([gamma])
    want = x / np.sqrt(x.var(-1, keepdims=True) + 1e-3) * gamma
    np.testing.assert_allclose(layer(x).numpy(), want, rtol=1e-5, atol=1e-6)
    # scale=False does not drop gamma under rms_scaling either
    assert len(keras.layers.LayerNormalization(rms_scaling=True, scale=False)(x).shape) == 2


def test_scalar_loss_is_not_divided_by_its_sample_weight():
    # 1-D y: binary_crossentropy averages over the last (only) axis, giving a scalar loss.
    # Keras weights it and returns it unreduced for every reduction.
    y_true = np.array([1.0, 0.0, 1.0], np.float32)
    y_pred = np.array([0.8, 0.3, 0.4], np.float32)
    bce = -np.mean(y_true * np.log(y_pred) + (1 - y_true) * np.log(1 - y_pred))
    for reduction in ("sum", "sum_over_batch_size", "mean_with_sample_weight"):
        loss = keras.losses.BinaryCrossentropy(reduction=reduction)
        got = loss(y_true, y_pred, sample_weight=np.float32(0.6)).numpy()
        np.testing.assert_allclose(got, 0.6 * bce, rtol=1e-5, err_msg=reduction)
    # an empty batch stays empty
    out = keras.losses.MeanSquaredError(reduction="sum")(np.zeros((0, 2)), np.zeros((0, 2)))
    assert tuple(out.shape) == (0,)


def test_adjusted_r2_falls_back_to_r2_when_undefined():
    import warnings
    rng = np.random.default_rng(0)
    t = rng.normal(size=(5, 1))
    p = t + rng.normal(size=(5, 1)) * 0.3
    plain = 1 - ((t - p) ** 2).sum() / ((t - t.mean()) ** 2).sum()
    for k in (4, 9):  # num_regressors == n - 1 (division by zero), > n - 1
        m = keras.metrics.R2Score(num_regressors=k)
        m.update_state(t, p)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            got = float(m.result())
        np.testing.assert_allclose(got, plain, rtol=1e-5)
        assert any("num_regressors" in str(w.message) for w in caught)
    m = keras.metrics.R2Score(num_regressors=2)
    m.update_state(t, p)
    np.testing.assert_allclose(float(m.result()), 1 - (1 - plain) * 4 / 2, rtol=1e-5)


def test_lookup_vocabulary_ties_are_broken_by_token_descending():
    # Keras sorts the adapted vocabulary by count, then by the token, both descending
    sl = keras.layers.StringLookup()
    sl.adapt(np.array(["b", "a", "c", "a", "d", "c", "e"]))
    assert sl.get_vocabulary() == ["[UNK]", "c", "a", "e", "d", "b"]
    il = keras.layers.IntegerLookup()
    il.adapt(np.array([5, 1, 9, 1, 9, 2]))
    assert il.get_vocabulary() == [-1, 9, 1, 5, 2]


def test_input_layer_from_config_accepts_keras_optional_key():
    # Keras >= 3.5 writes "optional" into InputLayer configs (model files, to_json)
    layer = keras.layers.InputLayer.from_config(
        {"batch_shape": [None, 3], "dtype": "float32", "sparse": False, "ragged": False,
         "name": "inp", "optional": False})
    assert tuple(layer.batch_shape) == (None, 3) and layer.name == "inp"


def test_gradient_accumulation_counts_updates_not_calls():
    import ndflow as tf
    v = tf.Variable([0.0])
    opt = keras.optimizers.Adam(learning_rate=0.1, gradient_accumulation_steps=2)
    grads = [1.0, 3.0, -2.0, 4.0]
    iters = []
    for g in grads:
        opt.apply_gradients([(tf.constant([g]), v)])
        iters.append(int(opt.iterations.numpy()))
    assert iters == [0, 1, 1, 2]
    # two Adam steps on the averaged gradients 2.0 and 1.0, with t = 1 and t = 2
    w, m, u = 0.0, 0.0, 0.0
    for t, g in enumerate([2.0, 1.0], 1):
        m = 0.9 * m + 0.1 * g
        u = 0.999 * u + 0.001 * g * g
        w -= np.float32(0.1) * (m / (1 - 0.9 ** t)) / (np.sqrt(u / (1 - 0.999 ** t)) + 1e-7)
    np.testing.assert_allclose(v.numpy(), [w], rtol=1e-5)


def test_ema_overwrite_frequency_and_constraints_order():
    import ndflow as tf
    v = tf.Variable([0.0])
    opt = keras.optimizers.SGD(learning_rate=1.0, use_ema=True, ema_momentum=0.5,
                               ema_overwrite_frequency=2)
    opt.apply_gradients([(tf.constant([-1.0]), v)])  # v = 1, avg = 1 (first step)
    np.testing.assert_allclose(v.numpy(), [1.0])
    opt.apply_gradients([(tf.constant([-1.0]), v)])  # v = 2, avg = 1.5, overwritten
    np.testing.assert_allclose(v.numpy(), [1.5])


def test_metric_given_as_a_string_is_logged_under_that_string():
    # Keras 3: compile(metrics=["AUC"]) logs "AUC" (not the class's default "auc")
    x = np.random.default_rng(0).normal(size=(16, 3)).astype(np.float32)
    y = (x[:, :1] > 0).astype(np.float32)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile("sgd", "binary_crossentropy", metrics=["AUC", "precision", "Recall"])
    hist = model.fit(x, y, epochs=1, verbose=0, validation_data=(x, y))
    assert sorted(hist.history) == sorted(["loss", "AUC", "precision", "Recall", "val_loss",
                                           "val_AUC", "val_precision", "val_Recall"])


def _masked_pair():
    import ndflow as tf
    rng = np.random.default_rng(0)
    a = rng.normal(size=(2, 4, 3)).astype(np.float32)
    b = rng.normal(size=(2, 4, 3)).astype(np.float32)
    ma = np.array([[1, 1, 0, 0], [1, 0, 1, 0]], bool)
    mb = np.array([[1, 0, 1, 0], [1, 1, 1, 0]], bool)
    return a, b, ma, mb, [tf.constant(ma), tf.constant(mb)]


def test_merge_layers_or_the_masks_and_skip_masked_entries():
    from ndflow.keras.engine.masking import get_keras_mask
    a, b, ma, mb, masks = _masked_pair()
    either = ma | mb
    for name in ("Add", "Subtract", "Average", "Multiply", "Maximum", "Minimum"):
        out = getattr(keras.layers, name)()([a, b], mask=masks)
        np.testing.assert_array_equal(get_keras_mask(out).numpy(), either, err_msg=name)
    # no mask when one input has none
    out = keras.layers.Add()([a, b], mask=[masks[0], None])
    assert get_keras_mask(out) is None
    # Multiply: a masked entry counts as 1; steps masked everywhere become 0
    fa, fb = ma[..., None], mb[..., None]
    want = np.where(fa, a, 1) * np.where(fb, b, 1) * either[..., None]
    np.testing.assert_allclose(keras.layers.Multiply()([a, b], mask=masks).numpy(), want,
                               rtol=1e-6)
    # Maximum/Minimum: a masked entry never wins (where both are masked: the first input)
    for name, fn in (("Maximum", np.maximum), ("Minimum", np.minimum)):
        want = np.where(fa & fb, fn(a, b), np.where(fb & ~fa, b, a))
        np.testing.assert_allclose(getattr(keras.layers, name)()([a, b], mask=masks).numpy(),
                                   want, rtol=1e-6, err_msg=name)
    # Add and Average do not look at the masks for their values
    np.testing.assert_allclose(keras.layers.Add()([a, b], mask=masks).numpy(), a + b,
                               rtol=1e-6)


def test_concatenate_concatenates_the_masks():
    from ndflow.keras.engine.masking import get_keras_mask
    a, b, ma, mb, masks = _masked_pair()
    out = keras.layers.Concatenate(axis=1)([a, b], mask=masks)
    np.testing.assert_array_equal(get_keras_mask(out).numpy(), np.concatenate([ma, mb], 1))
    out = keras.layers.Concatenate(axis=1)([a, b], mask=[masks[0], None])
    np.testing.assert_array_equal(get_keras_mask(out).numpy(),
                                  np.concatenate([ma, np.ones_like(mb)], 1))
    out = keras.layers.Concatenate()([a, b], mask=masks)  # features axis: any of them
    np.testing.assert_array_equal(get_keras_mask(out).numpy(), ma | mb)


def test_text_vectorization_lowercases_ascii_only_like_tf_strings_lower():
    tv = keras.layers.TextVectorization()
    tv.adapt(["Ünïcode ÜNÏCODE Straße ABC"])
    # only A-Z are lowered (tf.strings.lower without an encoding)
    assert sorted(tv.get_vocabulary()[2:]) == sorted(["ÜnÏcode", "Ünïcode", "straße", "abc"])


def test_text_vectorization_without_split_keeps_the_input_shape():
    tv = keras.layers.TextVectorization(split=None)
    tv.adapt(["a b", "c", "a b"])
    vocab = tv.get_vocabulary()
    assert tv(["a b", "c", "zz"]).numpy().tolist() == [vocab.index("a b"), vocab.index("c"), 1]
    assert tuple(tv(np.array([["a b"], ["c"]])).shape) == (2, 1)
    assert tuple(tv("c").shape) == ()


def test_resizing_crop_and_pad_to_aspect_ratio():
    img = np.arange(5 * 7, dtype=np.float32).reshape(1, 5, 7, 1)
    # crop: the window of ratio 4:3 is 5 x int(5 * 4 / 3) = 5 x 6, columns 0..5
    # (start int((7 - 6) / 2) = 0); nearest resize of a 5 x 6 image to 3 x 4
    out = keras.layers.Resizing(3, 4, interpolation="nearest", crop_to_aspect_ratio=True)(img)
    crop = img[0, :, 0:6, 0]
    rows = np.floor((np.arange(3) + 0.5) * 5 / 3).astype(int)
    cols = np.floor((np.arange(4) + 0.5) * 6 / 4).astype(int)
    np.testing.assert_array_equal(out.numpy()[0, :, :, 0], crop[rows][:, cols])
    # pad: ratio 1:2 needs 5 x 10 -> width int(5 * 2 / 1) = 10, (10 - 7) // 2 = 1 column of
    # fill_value on each side (the result is 5 x 9), then resized to 2 x 4
    out = keras.layers.Resizing(2, 4, interpolation="nearest", pad_to_aspect_ratio=True,
                                fill_value=-1.0)(img)
    padded = np.pad(img[0, :, :, 0], [[0, 0], [1, 1]], constant_values=-1.0)
    rows = np.floor((np.arange(2) + 0.5) * 5 / 2).astype(int)
    cols = np.floor((np.arange(4) + 0.5) * 9 / 4).astype(int)
    np.testing.assert_array_equal(out.numpy()[0, :, :, 0], padded[rows][:, cols])
