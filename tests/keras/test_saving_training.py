"""Saving compiled models: loss, metrics and optimizer state come back, so that training
continues exactly where it stopped; custom losses and metrics."""
import numpy as np
import pytest

import ndflow as tf
from ndflow import keras

rng = np.random.default_rng(11)
X = rng.normal(size=(64, 5)).astype(np.float32)
Y = (X @ rng.normal(size=(5, 1)) > 0).astype(np.float32)


def model_fn(optimizer=None, loss="binary_crossentropy", metrics=("accuracy",)):
    keras.utils.set_random_seed(5)
    m = keras.Sequential([keras.layers.Dense(6, activation="relu", input_shape=(5,)),
                          keras.layers.Dense(1, activation="sigmoid")])
    m.compile(optimizer=optimizer or keras.optimizers.Adam(0.01), loss=loss,
              metrics=list(metrics))
    return m


def opt_state(model):
    return [np.asarray(v.numpy()) for v in model.optimizer.variables]


@pytest.mark.parametrize("ext", [".keras", ".h5"])
def test_training_continues_where_it_stopped(tmp_path, ext):
    model = model_fn()
    model.fit(X, Y, epochs=2, batch_size=16, shuffle=False, verbose=0)
    path = str(tmp_path / ("m" + ext))
    model.save(path)
    loaded = keras.models.load_model(path)
    assert type(loaded.optimizer).__name__ == "Adam"
    assert float(loaded.optimizer.learning_rate.numpy()) == pytest.approx(0.01)
    assert int(loaded.optimizer.iterations.numpy()) == 8
    for a, b in zip(opt_state(model), opt_state(loaded)):
        np.testing.assert_array_equal(a, b)
    ev_a = model.evaluate(X, Y, verbose=0, return_dict=True)
    ev_b = loaded.evaluate(X, Y, verbose=0, return_dict=True)
    assert sorted(ev_a) == sorted(ev_b) == ["accuracy", "loss"]
    assert ev_a["loss"] == pytest.approx(ev_b["loss"], abs=1e-6)
    # one more epoch on both: identical weights (Adam's moments and step count restored)
    model.fit(X, Y, epochs=1, batch_size=16, shuffle=False, verbose=0)
    loaded.fit(X, Y, epochs=1, batch_size=16, shuffle=False, verbose=0)
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-6, rtol=0)


def test_load_without_compile_and_without_optimizer(tmp_path):
    model = model_fn()
    model.fit(X, Y, epochs=1, batch_size=32, verbose=0)
    path = str(tmp_path / "m.keras")
    model.save(path)
    bare = keras.models.load_model(path, compile=False)
    assert getattr(bare, "optimizer", None) is None
    np.testing.assert_allclose(bare.predict(X, verbose=0), model.predict(X, verbose=0),
                               atol=1e-6)
    model.save(str(tmp_path / "noopt.h5"), include_optimizer=False)
    assert getattr(keras.models.load_model(str(tmp_path / "noopt.h5")), "optimizer",
                   None) is None


@keras.saving.register_keras_serializable(package="ndtest_training")
def scaled_mse(y_true, y_pred):
    return tf.reduce_mean(tf.square(y_true - y_pred)) * 2.0


@keras.saving.register_keras_serializable(package="ndtest_training")
class MeanAbsPred(keras.metrics.Metric):
    def __init__(self, name="mean_abs_pred", **kwargs):
        super().__init__(name=name, **kwargs)
        self.total = self.add_weight(name="total", initializer="zeros")
        self.count = self.add_weight(name="count", initializer="zeros")

    def update_state(self, y_true, y_pred, sample_weight=None):
        self.total.assign_add(tf.reduce_sum(tf.abs(y_pred)))
        self.count.assign_add(tf.cast(tf.size(y_pred), "float32"))

    def result(self):
        return self.total / self.count


@pytest.mark.parametrize("ext", [".keras", ".h5"])
def test_custom_loss_and_metric(tmp_path, ext):
    model = model_fn(loss=scaled_mse, metrics=[MeanAbsPred()])
    model.fit(X, Y, epochs=1, batch_size=32, verbose=0)
    path = str(tmp_path / ("custom" + ext))
    model.save(path)
    loaded = keras.models.load_model(path)
    a = model.evaluate(X, Y, verbose=0, return_dict=True)
    b = loaded.evaluate(X, Y, verbose=0, return_dict=True)
    assert set(a) == set(b) == {"loss", "mean_abs_pred"}
    for k in a:
        assert a[k] == pytest.approx(b[k], abs=1e-6)
    p = loaded.predict(X, verbose=0)
    assert b["loss"] == pytest.approx(2 * np.mean((Y - p) ** 2), rel=1e-5)
    assert b["mean_abs_pred"] == pytest.approx(np.mean(np.abs(p)), rel=1e-5)


@pytest.mark.parametrize("ext", [".keras", ".h5"])
def test_nested_multi_output_model_with_frozen_layer(tmp_path, ext):
    keras.utils.set_random_seed(2)
    inner = keras.Sequential([keras.layers.Dense(5, activation="relu", input_shape=(5,)),
                              keras.layers.Dense(3)], name="inner")
    inner.layers[0].trainable = False
    inp = keras.Input((5,), name="x")
    h = inner(inp)
    outputs = {"reg": keras.layers.Dense(1, name="reg")(h),
               "cls": keras.layers.Dense(2, activation="softmax", name="cls")(h)}
    model = keras.Model(inp, outputs)
    model.compile(optimizer="adam", loss={"reg": "mse", "cls": "sparse_categorical_crossentropy"},
                  metrics={"cls": ["accuracy"]}, loss_weights={"reg": 0.5, "cls": 1.0})
    ys = {"reg": Y * 2.0, "cls": Y[:, 0].astype(np.int64)}
    model.fit(X, ys, epochs=2, batch_size=16, verbose=0)
    path = str(tmp_path / ("nested" + ext))
    model.save(path)
    loaded = keras.models.load_model(path)
    a, b = model.predict(X, verbose=0), loaded.predict(X, verbose=0)
    for k in a:
        np.testing.assert_allclose(a[k], b[k], atol=1e-6)
    ea = model.evaluate(X, ys, verbose=0, return_dict=True)
    eb = loaded.evaluate(X, ys, verbose=0, return_dict=True)
    assert sorted(ea) == sorted(eb)
    for k in ea:
        assert ea[k] == pytest.approx(eb[k], abs=1e-6)
    assert loaded.get_layer("inner").layers[0].trainable is False
    assert len(loaded.trainable_weights) == len(model.trainable_weights)
