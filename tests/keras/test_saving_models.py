"""Save/load round trips of real Keras models: Sequential, Functional and subclassed."""
import json

import numpy as np
import pytest

from ndflow import keras

X = np.random.default_rng(3).normal(size=(7, 4)).astype(np.float32)


@keras.saving.register_keras_serializable(package="ndtest_models")
class Residual(keras.layers.Layer):
    def __init__(self, units=4, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.inner = keras.layers.Dense(units, activation="tanh")

    def call(self, x):
        return x + self.inner(x)

    def get_config(self):
        config = super().get_config()
        config["units"] = self.units
        return config


@keras.saving.register_keras_serializable(package="ndtest_models")
class Subclassed(keras.Model):
    def __init__(self, hidden=6, **kwargs):
        super().__init__(**kwargs)
        self.hidden = hidden
        self.d1 = keras.layers.Dense(hidden, activation="relu")
        self.bn = keras.layers.BatchNormalization()
        self.res = Residual(hidden)
        self.out = keras.layers.Dense(2)

    def call(self, x, training=None):
        return self.out(self.res(self.bn(self.d1(x), training=training)))

    def get_config(self):
        config = super().get_config()
        config["hidden"] = self.hidden
        return config


def sequential():
    return keras.Sequential([keras.layers.Dense(8, activation="relu", input_shape=(4,)),
                             keras.layers.Dropout(0.3), Residual(8),
                             keras.layers.BatchNormalization(),
                             keras.layers.Dense(1, activation="sigmoid")])


def functional():
    inp = keras.Input((4,))
    h = keras.layers.Dense(5, activation="relu")(inp)
    a = keras.layers.Dense(3)(h)
    b = Residual(3)(keras.layers.Dense(3)(h))
    out = keras.layers.Concatenate()([a, keras.layers.Add()([a, b])])
    return keras.Model(inp, out)


def subclassed():
    m = Subclassed(6)
    m(X)
    return m


BUILDERS = {"sequential": sequential, "functional": functional, "subclassed": subclassed}


def perturb_batchnorm(model):
    for layer in model._flatten_layers():
        if type(layer).__name__ == "BatchNormalization" and layer.built:
            layer.moving_mean.assign(np.linspace(-1, 1, layer.moving_mean.shape[0])
                                     .astype(np.float32))


@pytest.mark.parametrize("kind", sorted(BUILDERS))
@pytest.mark.parametrize("ext", [".keras", ".h5"])
def test_round_trip(tmp_path, kind, ext):
    model = BUILDERS[kind]()
    model(X)
    perturb_batchnorm(model)
    before = model(X, training=False).numpy()
    path = str(tmp_path / ("m" + ext))
    model.save(path)
    loaded = keras.models.load_model(path)
    assert type(loaded) is type(model)
    assert [type(l).__name__ for l in loaded.layers] == [type(l).__name__ for l in model.layers]
    np.testing.assert_allclose(loaded(X, training=False).numpy(), before, atol=1e-6, rtol=0)


@pytest.mark.parametrize("kind", sorted(BUILDERS))
def test_config_and_json_round_trip(kind):
    model = BUILDERS[kind]()
    model(X)
    config = model.get_config()
    clone = type(model).from_config(config)
    clone(X)
    assert clone.count_params() == model.count_params()
    text = model.to_json()
    assert json.loads(text)["class_name"] == type(model).__name__
    rebuilt = keras.models.model_from_json(text)
    rebuilt(X)
    rebuilt.set_weights(model.get_weights())
    np.testing.assert_allclose(rebuilt(X, training=False).numpy(),
                               model(X, training=False).numpy(), atol=1e-6)


def test_weights_files_between_separately_built_models(tmp_path):
    model = functional()
    path = str(tmp_path / "f.weights.h5")
    model.save_weights(path)
    other = functional()
    other.load_weights(path)
    np.testing.assert_allclose(other(X).numpy(), model(X).numpy(), atol=1e-6)
    smaller = keras.Sequential([keras.layers.Dense(3, input_shape=(4,))])
    with pytest.raises(ValueError, match="layer"):
        smaller.load_weights(path)


def test_lambda_layer_in_a_model_needs_safe_mode_false(tmp_path):
    model = keras.Sequential([keras.layers.Dense(3, input_shape=(4,)),
                              keras.layers.Lambda(lambda t: t * 2.0)])
    before = model(X).numpy()
    for ext in (".keras", ".h5"):
        path = str(tmp_path / ("lam" + ext))
        model.save(path)
        with pytest.raises(ValueError, match="safe_mode=False"):
            keras.models.load_model(path)
        loaded = keras.models.load_model(path, safe_mode=False)
        np.testing.assert_allclose(loaded(X).numpy(), before, atol=1e-6)
    with pytest.raises(ValueError, match="safe_mode=False"):
        keras.models.model_from_json(model.to_json())
    assert keras.models.model_from_json(model.to_json(), safe_mode=False) is not None


def triple(t):
    return t * 3.0


def test_lambda_with_named_function_loads_in_safe_mode_from_custom_objects(tmp_path):
    model = keras.Sequential([keras.layers.Dense(3, input_shape=(4,)),
                              keras.layers.Lambda(triple)])
    path = str(tmp_path / "named.keras")
    model.save(path)
    with pytest.raises(ValueError, match="triple"):
        keras.models.load_model(path)          # the module in the file is not imported
    loaded = keras.models.load_model(path, custom_objects={"triple": triple})
    np.testing.assert_allclose(loaded(X).numpy(), model(X).numpy(), atol=1e-6)


def test_keras_saving_namespace():
    assert keras.saving.load_model is keras.models.load_model
    assert keras.saving.register_keras_serializable is \
        keras.utils.register_keras_serializable
    assert callable(keras.saving.custom_object_scope)
    assert keras.saving.get_custom_objects()["ndtest_models>Residual"] is Residual


def _dense_config(name, units, activation, input_dim=None):
    config = {"name": name, "trainable": True, "dtype": "float32", "units": units,
              "activation": activation, "use_bias": True,
              "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": None}},
              "bias_initializer": {"class_name": "Zeros", "config": {}},
              "kernel_regularizer": None, "bias_regularizer": None,
              "activity_regularizer": None, "kernel_constraint": None, "bias_constraint": None}
    if input_dim:
        config["batch_input_shape"] = [None, input_dim]
    return {"class_name": "Dense", "config": config}


def test_loads_a_keras2_style_h5_file(tmp_path):
    """The legacy HDF5 layout written by tf.keras 2: nested weight names, weightless layers
    listed, training_config with optimizer_config."""
    import h5py
    rng = np.random.default_rng(0)
    k1, b1 = rng.normal(size=(4, 3)).astype(np.float32), rng.normal(size=3).astype(np.float32)
    k2, b2 = rng.normal(size=(3, 1)).astype(np.float32), rng.normal(size=1).astype(np.float32)
    config = {"class_name": "Sequential", "config": {"name": "sequential", "layers": [
        {"class_name": "InputLayer", "config": {"batch_input_shape": [None, 4],
                                                "dtype": "float32", "sparse": False,
                                                "ragged": False, "name": "dense_input"}},
        _dense_config("dense", 3, "relu", input_dim=4),
        {"class_name": "Dropout", "config": {"name": "dropout", "trainable": True,
                                             "dtype": "float32", "rate": 0.2,
                                             "noise_shape": None, "seed": None}},
        _dense_config("dense_1", 1, "sigmoid")]}}
    training = {"loss": "binary_crossentropy", "metrics": [["accuracy"]],
                "weighted_metrics": None, "loss_weights": None,
                "optimizer_config": {"class_name": "Custom>Adam",
                                     "config": {"name": "Adam", "learning_rate": 0.001}}}
    path = str(tmp_path / "keras2.h5")
    with h5py.File(path, "w") as f:
        f.attrs["keras_version"] = "2.15.0"
        f.attrs["backend"] = "tensorflow"
        f.attrs["model_config"] = json.dumps(config)
        f.attrs["training_config"] = json.dumps(training)
        mw = f.create_group("model_weights")
        mw.attrs["layer_names"] = [b"dense", b"dropout", b"dense_1"]
        for lname, weights in (("dense", (k1, b1)), ("dropout", ()), ("dense_1", (k2, b2))):
            g = mw.create_group(lname)
            names = ["%s/%s:0" % (lname, w) for w in ("kernel", "bias")][:len(weights)]
            g.attrs["weight_names"] = [n.encode() for n in names]
            for n, w in zip(names, weights):
                g[n] = w
    model = keras.models.load_model(path)
    expected = 1 / (1 + np.exp(-(np.maximum(X @ k1 + b1, 0) @ k2 + b2)))
    np.testing.assert_allclose(model(X, training=False).numpy(), expected, atol=1e-5)
    # the training configuration came back: Adam(0.001), binary cross-entropy, accuracy
    assert type(model.optimizer).__name__ == "Adam"
    assert float(model.optimizer.learning_rate.numpy()) == pytest.approx(0.001)
    y = (expected > 0.5).astype(np.float32)
    result = model.evaluate(X, y, verbose=0, return_dict=True)
    p = np.clip(expected, 1e-7, 1 - 1e-7)
    bce = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    assert result["loss"] == pytest.approx(bce, rel=1e-4)
    assert result["accuracy"] == pytest.approx(1.0)


@keras.saving.register_keras_serializable(package="ndtest_models")
def quadruple(t):
    return t * 4.0


def test_lambda_with_registered_function_loads_in_safe_mode(tmp_path):
    model = keras.Sequential([keras.layers.Dense(3, input_shape=(4,)),
                              keras.layers.Lambda(quadruple)])
    path = str(tmp_path / "registered.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    assert loaded.layers[-1].function is quadruple
    np.testing.assert_allclose(loaded(X).numpy(), model(X).numpy(), atol=1e-6)
