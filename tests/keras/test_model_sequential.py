"""Sequential models: construction, deferred build, add/pop, nesting, config."""
import numpy as np
import pytest

from ndflow import keras
from ndflow.keras import layers as L

rng = np.random.default_rng(0)


def test_input_shape_on_first_layer_builds_immediately():
    model = keras.Sequential()
    model.add(L.Dense(64, input_shape=(1,)))
    model.add(L.Dense(1))
    assert model.built and model.count_params() == 64 * 2 + 65
    assert model.input_shape == (None, 1) and model.output_shape == (None, 1)
    assert len(model.layers) == 2
    assert model.inputs[0].shape.as_list() == [None, 1]
    assert model.output_names == [model.layers[-1].name]


def test_input_object_and_pop():
    model = keras.Sequential([keras.Input((4,)), L.Dense(3), L.Dense(2)])
    assert [type(l).__name__ for l in model.layers] == ["Dense", "Dense"]
    assert model.output_shape == (None, 2)
    popped = model.pop()
    assert isinstance(popped, L.Dense) and model.output_shape == (None, 3)
    assert len(model.weights) == 2
    x = rng.normal(size=(2, 4)).astype("float32")
    d = model.layers[0]
    np.testing.assert_allclose(model(x).numpy(), x @ d.kernel.numpy() + d.bias.numpy(),
                               rtol=1e-5, atol=1e-6)


def test_deferred_build_on_first_call_and_build():
    model = keras.Sequential([L.Dense(5, activation="relu"), L.Dense(2)])
    assert not model.built
    with pytest.raises(ValueError, match="not yet been built"):
        model.summary()
    out = model(np.zeros((3, 7), "float32"))
    assert out.shape == (3, 2) and model.built
    assert model.input_shape == (None, 7)
    m2 = keras.Sequential([L.Dense(4), L.Dense(1)])
    m2.build((None, 6))
    assert m2.count_params() == 6 * 4 + 4 + 5


def test_quickstart_model_and_nesting_in_sequential():
    model = keras.Sequential([
        L.Flatten(input_shape=(28, 28)), L.Dense(16, activation="relu"), L.Dropout(0.2),
        L.Dense(10, activation="softmax")])
    assert model.output_shape == (None, 10)
    x = rng.random((3, 28, 28))
    p = model(x)
    assert p.dtype.name == "float32"
    np.testing.assert_allclose(p.numpy().sum(1), 1.0, rtol=1e-5)
    prob = keras.Sequential([model, L.Softmax()])
    assert prob.built and prob.output_shape == (None, 10)
    q = prob(x).numpy()
    e = np.exp(p.numpy())
    np.testing.assert_allclose(q, e / e.sum(1, keepdims=True), rtol=1e-5)
    assert prob.count_params() == model.count_params()


def test_training_flag_reaches_dropout():
    model = keras.Sequential([L.Dropout(0.5, input_shape=(100,))])
    x = np.ones((2, 100), "float32")
    np.testing.assert_array_equal(model(x).numpy(), x)
    assert (model(x, training=True).numpy() == 0).any()


def test_add_errors():
    model = keras.Sequential()
    with pytest.raises(TypeError, match="instance of keras.layers.Layer"):
        model.add(L.Dense)
    model.add(L.Dense(2, name="same", input_shape=(3,)))
    with pytest.raises(ValueError, match="unique names"):
        model.add(L.Dense(2, name="same"))
    with pytest.raises(TypeError, match="no layers to pop"):
        keras.Sequential().pop()


def test_config_round_trip():
    model = keras.Sequential([L.Dense(3, activation="relu", input_shape=(4,)),
                              L.Dropout(0.1), L.Dense(1)], name="seq")
    clone = keras.Sequential.from_config(model.get_config())
    assert clone.name == "seq" and clone.built
    assert [type(l).__name__ for l in clone.layers] == ["Dense", "Dropout", "Dense"]
    clone.set_weights(model.get_weights())
    x = rng.normal(size=(2, 4)).astype("float32")
    np.testing.assert_allclose(clone(x).numpy(), model(x).numpy(), rtol=1e-6)


def test_wrong_input_gives_layer_error_with_hint():
    model = keras.Sequential([L.Dense(8, input_shape=(20,)), L.Dense(1)])
    with pytest.raises(ValueError) as e:
        model(np.zeros((4, 10), "float32"))
    assert "20" in str(e.value) and "(4, 10)" in str(e.value)
