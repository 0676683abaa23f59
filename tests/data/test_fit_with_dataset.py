"""Model.fit / evaluate / predict fed from tf.data pipelines, Sequences, float64 NumPy
(StandardScaler output) and pandas objects."""
import warnings

import numpy as np
import pytest

import ndflow as tf
from ndflow import keras


def _data(n=160, d=6, seed=0):
    rng = np.random.RandomState(seed)
    x = rng.randn(n, d)                        # float64, like StandardScaler output
    w = rng.randn(d)
    y = (x @ w > 0).astype(np.int64)
    return x, y


def _model(d=6, seed=1):
    keras.utils.set_random_seed(seed)
    m = keras.Sequential([keras.layers.Input((d,)),
                          keras.layers.Dense(8, activation="relu"),
                          keras.layers.Dense(1, activation="sigmoid")])
    m.compile(optimizer=keras.optimizers.Adam(0.05), loss="binary_crossentropy",
              metrics=["accuracy"])
    return m


def _bce(model, x, y):
    p = np.clip(np.asarray(model.predict(x, verbose=0), np.float64)[:, 0], 1e-7, 1 - 1e-7)
    return float(np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p))))


def test_fit_on_a_dataset_with_validation_dataset_learns_and_warns_nothing():
    x, y = _data()
    train = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(160, seed=0).batch(32)
    val = tf.data.Dataset.from_tensor_slices((x[:64], y[:64])).batch(32)
    model = _model()
    before = _bce(model, x, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")          # no "shuffle is ignored" storm
        hist = model.fit(train, epochs=8, validation_data=val, verbose=0)
    assert set(hist.history) >= {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert len(hist.history["loss"]) == 8
    assert hist.history["loss"][-1] < hist.history["loss"][0]
    after = _bce(model, x, y)
    assert after < before
    # evaluate(Dataset) is the mean loss over the samples, computed independently here
    loss, acc = model.evaluate(val, verbose=0)
    assert loss == pytest.approx(_bce(model, x[:64], y[:64]), rel=1e-3, abs=1e-4)
    p = np.asarray(model.predict(x[:64], verbose=0))[:, 0]
    assert acc == pytest.approx(np.mean((p > 0.5) == y[:64]), abs=1e-6)


def test_predict_on_a_dataset_matches_predict_on_arrays():
    x, y = _data(n=50)
    model = _model()
    from_ds = model.predict(tf.data.Dataset.from_tensor_slices(x).batch(16), verbose=0)
    np.testing.assert_allclose(np.asarray(from_ds), np.asarray(model.predict(x, verbose=0)),
                               rtol=1e-6, atol=1e-6)
    # (x, y) batches: predict uses x only
    pairs = tf.data.Dataset.from_tensor_slices((x, y)).batch(16)
    assert np.asarray(model.predict(pairs, verbose=0)).shape == (50, 1)


def test_infinite_dataset_with_steps_per_epoch():
    x, y = _data(n=100)
    ds = tf.data.Dataset.from_tensor_slices((x, y)).batch(20).repeat()
    model = _model()
    seen = []

    class Count(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            seen.append(batch)

    hist = model.fit(ds, epochs=3, steps_per_epoch=7, verbose=0, callbacks=[Count()])
    assert len(hist.history["loss"]) == 3 and seen == list(range(7)) * 3
    with pytest.raises(ValueError, match="steps_per_epoch"):
        model.fit(ds, epochs=1, verbose=0)


def test_fit_with_sample_weights_from_the_dataset_and_prefetch():
    x, y = _data(n=64)
    sw = np.where(y == 1, 2.0, 1.0)
    ds = tf.data.Dataset.from_tensor_slices((x, y, sw)).batch(16).prefetch(tf.data.AUTOTUNE)
    model = _model()
    hist = model.fit(ds, epochs=2, verbose=0)
    assert np.all(np.isfinite(hist.history["loss"]))


class _Batches(keras.utils.PyDataset):
    def __init__(self, x, y, batch_size):
        super().__init__()
        self.x, self.y, self.batch_size = x, y, batch_size
        self.epochs_ended = 0

    def __len__(self):
        return -(-len(self.x) // self.batch_size)

    def __getitem__(self, i):
        s = slice(i * self.batch_size, (i + 1) * self.batch_size)
        return self.x[s], self.y[s]

    def on_epoch_end(self):
        self.epochs_ended += 1


def test_fit_on_a_sequence():
    x, y = _data(n=96)
    seq = _Batches(x, y, 32)
    model = _model()
    before = _bce(model, x, y)
    hist = model.fit(seq, epochs=5, verbose=0)
    assert len(hist.history["loss"]) == 5 and seq.epochs_ended == 5
    assert _bce(model, x, y) < before


def test_float64_numpy_and_pandas_train_without_casting():
    import pandas as pd
    x, y = _data(n=120)
    model = _model()
    before = _bce(model, x, y)
    hist = model.fit(x, y, epochs=5, batch_size=24, verbose=0)
    assert np.all(np.isfinite(hist.history["loss"])) and _bce(model, x, y) < before
    frame = pd.DataFrame(x, columns=["f%d" % i for i in range(x.shape[1])])
    labels = pd.Series(y, name="label")
    model2 = _model()
    hist2 = model2.fit(frame, labels, epochs=5, batch_size=24, verbose=0,
                       validation_data=(frame.iloc[:30], labels.iloc[:30]))
    assert hist2.history["loss"][-1] < hist2.history["loss"][0]
    np.testing.assert_allclose(np.asarray(model2.predict(frame, verbose=0)),
                               np.asarray(model2.predict(x, verbose=0)), rtol=1e-6)


def test_fit_on_datasets_of_unknown_length():
    x, y = _data(n=80)

    def gen():
        for i in range(0, 80, 16):
            yield x[i:i + 16], y[i:i + 16]

    from_gen = tf.data.Dataset.from_generator(gen, output_signature=(
        tf.TensorSpec((None, 6), tf.float64), tf.TensorSpec((None,), tf.int64)))
    filtered = tf.data.Dataset.from_tensor_slices((x, y)).filter(
        lambda a, b: a[0] > -10.0).batch(16)
    assert from_gen.cardinality() == filtered.cardinality() == tf.data.UNKNOWN_CARDINALITY
    model = _model()
    steps = []

    class Count(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            steps.append(batch)

    model.fit(from_gen, epochs=2, validation_data=filtered, verbose=0, callbacks=[Count()])
    model.fit(filtered, epochs=1, verbose=0, callbacks=[Count()])
    assert steps == list(range(5)) * 3
