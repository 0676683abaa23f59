"""Functional models that apply operators or keras.ops functions to KerasTensors save and
load (.keras, JSON, .h5): the op layers are written by name and rebuilt only from the
allowed operators and public keras.ops functions."""
import json

import numpy as np
import pytest

from ndflow import keras

ops = keras.ops


def build():
    x = keras.Input((4, 3))
    a = ops.mean(x, axis=1)
    b = x[:, 0, ...] * 2.0 + 1.0
    c = ops.concatenate([a, b, ops.max(x, axis=(1,))], axis=-1)
    d = -(c ** 2) + np.array([1.0, 2.0, 3.0] * 3, np.float32)
    e = keras.layers.Dense(2)(d)
    return keras.Model(x, [e, ops.cast(x[..., 1:2] > 0.5, "float32")])


def reference(model, data):
    """The same graph in NumPy, with the model's Dense weights."""
    a = data.mean(axis=1)
    b = data[:, 0] * 2.0 + 1.0
    c = np.concatenate([a, b, data.max(axis=1)], axis=-1)
    d = -(c ** 2) + np.array([1.0, 2.0, 3.0] * 3)
    w, bias = model.layers[-1].get_weights() if model.layers[-1].weights else \
        [l for l in model.layers if l.weights][0].get_weights()
    return d @ w + bias, (data[..., 1:2] > 0.5).astype(np.float32)


@pytest.mark.parametrize("fmt", ["keras", "h5", "json"])
def test_op_layers_round_trip(tmp_path, fmt):
    keras.utils.set_random_seed(3)
    model = build()
    data = np.random.default_rng(0).random((5, 4, 3), dtype=np.float32)
    want = model.predict(data, verbose=0)
    dense = [l for l in model.layers if l.weights][0]
    for got, ref in zip(want, reference(model, data.astype(np.float64))):
        np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-5)
    if fmt == "json":
        loaded = keras.models.model_from_json(model.to_json())
        [l for l in loaded.layers if l.weights][0].set_weights(dense.get_weights())
    else:
        path = str(tmp_path / ("m." + fmt))
        model.save(path)
        loaded = keras.models.load_model(path)
    for got, w in zip(loaded.predict(data, verbose=0), want):
        np.testing.assert_allclose(got, w, rtol=1e-6)
    names = [type(l).__name__ for l in loaded.layers]
    assert names.count("OpLayer") == sum(type(l).__name__ == "OpLayer" for l in model.layers)


def test_configs_name_only_allowed_functions():
    model = build()
    config = json.loads(model.to_json())
    ops_used = {tuple(l["config"]["op"]) for l in config["config"]["layers"]
                if l["class_name"] == "OpLayer"}
    assert ("keras.ops", "mean") in ops_used and ("operator", "getitem") in ops_used
    # a config naming something else is refused, not imported
    for bad in (["keras.ops", "__import__"], ["keras.ops", "load_model"],
                ["operator", "eval"], ["os", "system"]):
        tampered = json.loads(model.to_json())
        for l in tampered["config"]["layers"]:
            if l["class_name"] == "OpLayer":
                l["config"]["op"] = bad
                break
        with pytest.raises(Exception, match="op layer|keras.ops function|operator|op kind"):
            keras.models.model_from_json(json.dumps(tampered))


def test_an_op_with_an_argument_a_config_cannot_hold_is_not_saved(tmp_path):
    x = keras.Input((3,))
    y = ops.cast(x, np.dtype("float64"))   # a NumPy dtype object: not JSON data
    model = keras.Model(x, y)
    np.testing.assert_allclose(model.predict(np.ones((2, 3), "float32"), verbose=0), 1.0)
    with pytest.raises(NotImplementedError, match="cast.*Layer subclass"):
        model.save(str(tmp_path / "m.keras"))
