"""Merge layers and their functional forms."""
import os
import sys

import numpy as np
import pytest

from ndflow import keras
from ndflow.keras import layers as L

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from layer_test_helper import run_layer_test  # noqa: E402

rng = np.random.default_rng(0)
A = rng.normal(size=(3, 4)).astype("float32")
B = rng.normal(size=(3, 4)).astype("float32")
C = rng.normal(size=(3, 4)).astype("float32")


@pytest.mark.parametrize("cls,fn,expected", [
    (L.Add, L.add, A + B + C),
    (L.Multiply, L.multiply, A * B * C),
    (L.Average, L.average, (A + B + C) / 3),
    (L.Maximum, L.maximum, np.maximum(np.maximum(A, B), C)),
    (L.Minimum, L.minimum, np.minimum(np.minimum(A, B), C)),
])
def test_elementwise_merge(cls, fn, expected):
    run_layer_test(cls, {}, input_data=[A, B, C], expected_output=expected,
                   expected_output_shape=(3, 4), expected_num_trainable_weights=0,
                   expected_num_non_trainable_weights=0)
    ins = [keras.Input((4,)) for _ in range(3)]
    out = fn(ins)
    assert tuple(out.shape) == (None, 4)
    np.testing.assert_allclose(keras.Model(ins, out)([A, B, C]).numpy(), expected, rtol=1e-6)


def test_subtract():
    run_layer_test(L.Subtract, {}, input_data=[A, B], expected_output=A - B,
                   expected_output_shape=(3, 4), expected_num_trainable_weights=0,
                   expected_num_non_trainable_weights=0)
    with pytest.raises(ValueError, match="exactly 2"):
        L.Subtract()([A, B, C])


def test_concatenate():
    D = rng.normal(size=(3, 2)).astype("float32")
    run_layer_test(L.Concatenate, {}, input_data=[A, D],
                   expected_output=np.concatenate([A, D], -1), expected_output_shape=(3, 6),
                   expected_num_trainable_weights=0, expected_num_non_trainable_weights=0)
    run_layer_test(L.Concatenate, {"axis": 0}, input_data=[A, B],
                   expected_output=np.concatenate([A, B], 0), expected_output_shape=(6, 4),
                   run_symbolic_check=False)
    out = L.concatenate([keras.Input((4,)), keras.Input((2,))])
    assert tuple(out.shape) == (None, 6)
    with pytest.raises(ValueError, match="matching shapes"):
        L.concatenate([keras.Input((4, 3)), keras.Input((2, 2))])


def test_merge_needs_a_list_and_compatible_shapes():
    with pytest.raises(ValueError, match="list of inputs"):
        L.Add()(keras.Input((3,)))
    with pytest.raises(ValueError, match="incompatible shapes"):
        L.add([keras.Input((3,)), keras.Input((4,))])


def test_dot():
    run_layer_test(L.Dot, {"axes": 1}, input_data=[A, B],
                   expected_output=np.sum(A * B, axis=1, keepdims=True),
                   expected_output_shape=(3, 1), expected_num_trainable_weights=0,
                   expected_num_non_trainable_weights=0)
    na = A / np.linalg.norm(A, axis=1, keepdims=True)
    nb = B / np.linalg.norm(B, axis=1, keepdims=True)
    out = L.Dot(axes=1, normalize=True)([A, B]).numpy()
    np.testing.assert_allclose(out, np.sum(na * nb, 1, keepdims=True), rtol=1e-5)
    x = rng.normal(size=(2, 3, 4)).astype("float32")
    y = rng.normal(size=(2, 5, 4)).astype("float32")
    out = L.dot([x, y], axes=(2, 2)).numpy()
    np.testing.assert_allclose(out, np.einsum("bik,bjk->bij", x, y), rtol=1e-5, atol=1e-6)
    assert tuple(L.Dot(axes=(2, 2))([keras.Input((3, 4)), keras.Input((5, 4))]).shape) == \
        (None, 3, 5)
