"""Embedding and Masking: lookups, masks and how downstream layers consume them."""
import os
import sys

import numpy as np
import pytest

import ndflow as tf
from ndflow.keras import layers as L

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from layer_test_helper import run_layer_test  # noqa: E402
from ndflow.keras.layers.embedding import get_keras_mask  # noqa: E402


def test_embedding_layer_test():
    run_layer_test(L.Embedding, {"input_dim": 10, "output_dim": 3}, input_shape=(2, 5),
                   input_dtype="int32", expected_output_shape=(2, 5, 3),
                   expected_num_trainable_weights=1, expected_num_non_trainable_weights=0)
    run_layer_test(L.Embedding, {"input_dim": 10, "output_dim": 2, "mask_zero": True},
                   input_shape=(3, 4), input_dtype="int64", expected_output_shape=(3, 4, 2),
                   expected_num_trainable_weights=1)
    run_layer_test(L.Masking, {"mask_value": 0.0}, input_shape=(2, 4, 3),
                   expected_output_shape=(2, 4, 3), expected_num_trainable_weights=0)


def test_embedding_values_mask_and_gradient():
    layer = L.Embedding(6, 3, mask_zero=True)
    ids = np.array([[1, 0, 5], [2, 2, 0]])
    out = layer(ids)
    table = layer.embeddings.numpy()
    np.testing.assert_array_equal(out.numpy(), table[ids])
    np.testing.assert_array_equal(get_keras_mask(out).numpy(), ids != 0)
    np.testing.assert_array_equal(layer.compute_mask(tf.constant(ids)).numpy(), ids != 0)
    # float ids (as a NumPy float array from a data pipeline) are accepted
    np.testing.assert_array_equal(layer(ids.astype(np.float32)).numpy(), table[ids])
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(layer(ids))
    g = tf.convert_to_tensor(tape.gradient(loss, layer.embeddings)).numpy()
    counts = np.bincount(ids.ravel(), minlength=6)[:, None] * np.ones((1, 3))
    np.testing.assert_allclose(g, counts)


def test_masking_values_and_mask():
    x = np.arange(24, dtype=np.float32).reshape(2, 4, 3)
    x[0, 1] = 0
    x[1, 3] = 0
    out = L.Masking(0.0)(x)
    np.testing.assert_array_equal(out.numpy(), x)
    np.testing.assert_array_equal(get_keras_mask(out).numpy(),
                                  [[True, False, True, True], [True, True, True, False]])
    y = x.copy()
    y[0, 2] = -1
    out2 = L.Masking(-1.0)(y)
    assert out2.numpy()[0, 2].sum() == 0
    assert not get_keras_mask(out2).numpy()[0, 2]


def test_global_average_pooling_uses_mask():
    ids = np.array([[3, 1, 0, 0], [2, 2, 2, 4]])
    emb = L.Embedding(5, 3, mask_zero=True)
    e = emb(ids)
    pooled = L.GlobalAveragePooling1D()(e).numpy()
    table = emb.embeddings.numpy()
    np.testing.assert_allclose(pooled[0], table[[3, 1]].mean(0), rtol=1e-6)
    np.testing.assert_allclose(pooled[1], table[[2, 2, 2, 4]].mean(0), rtol=1e-6)


def test_embedding_errors():
    with pytest.raises(ValueError, match="input_dim"):
        L.Embedding(5, 2)(np.array([[1, 5]]))
    with pytest.raises(ValueError, match="positive"):
        L.Embedding(0, 2)
    with pytest.raises(ValueError, match="integer"):
        L.Embedding(5, 2)(np.array([[0.5, 1.0]]))
