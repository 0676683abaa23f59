"""Masks made by Embedding(mask_zero=True) / Masking travel through the layers between
them and the layers that use them, as in Keras."""
import numpy as np

from ndflow import keras


def _model(middle):
    keras.utils.set_random_seed(4)
    inp = keras.Input(shape=(None,), dtype="int32")
    x = keras.layers.Embedding(20, 6, mask_zero=True)(inp)
    for layer in middle:
        x = layer(x)
    out = keras.layers.LSTM(5)(x)
    return keras.Model(inp, out)


def test_mask_passes_through_intermediate_layers_to_the_lstm():
    model = _model([keras.layers.Dropout(0.3), keras.layers.Dense(7, activation="tanh"),
                    keras.layers.LayerNormalization()])
    padded = np.array([[3, 5, 7, 0, 0]], dtype=np.int32)
    trimmed = padded[:, :3]
    # padded steps are skipped, so the final state equals the one of the trimmed sequence
    np.testing.assert_allclose(model(padded).numpy(), model(trimmed).numpy(), atol=1e-6)


def test_a_layer_without_masking_support_stops_the_mask():
    model = _model([keras.layers.Lambda(lambda t: t * 1.0)])
    padded = np.array([[3, 5, 7, 0, 0]], dtype=np.int32)
    trimmed = padded[:, :3]
    diff = np.abs(model(padded).numpy() - model(trimmed).numpy()).max()
    assert diff > 1e-4  # the zero steps are now processed like any other input


def test_mask_reaches_the_output_and_compute_mask_is_overridable():
    emb = keras.layers.Embedding(10, 3, mask_zero=True)
    out = keras.layers.Dense(2)(emb(np.array([[1, 0, 2]])))
    np.testing.assert_array_equal(out._keras_mask.numpy(), [[True, False, True]])

    class DropMask(keras.layers.Layer):
        supports_masking = True

        def call(self, inputs):
            return inputs * 2.0

        def compute_mask(self, inputs, mask=None):
            return None

    out2 = DropMask()(emb(np.array([[1, 0, 2]])))
    assert getattr(out2, "_keras_mask", None) is None
