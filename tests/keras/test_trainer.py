"""compile / fit / evaluate / predict semantics, checked against NumPy recomputations."""
import warnings

import numpy as np
import pytest

import ndflow as tf
from ndflow import keras
from ndflow.keras import layers

rng = np.random.default_rng(3)
X = rng.normal(size=(64, 5)).astype("float32")
Y_INT = (X[:, 0] + X[:, 1] > 0).astype("int64") + (X[:, 2] > 1).astype("int64")   # 3 classes
Y_BIN = (X[:, 0] > 0).astype("float32")


def _model(units=3, activation="softmax", seed=0):
    tf.random.set_seed(seed)
    return keras.Sequential([layers.Dense(8, activation="relu", input_shape=(5,)),
                             layers.Dense(units, activation=activation)])


def _np_sparse_ce(p, y):
    p = np.clip(p.astype(np.float64), 1e-7, 1 - 1e-7)
    return -np.log(p[np.arange(len(y)), y])


def test_fit_history_keys_and_values_match_evaluate():
    m = _model()
    m.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    h = m.fit(X, Y_INT, epochs=3, batch_size=16, verbose=0, validation_data=(X[:20], Y_INT[:20]))
    assert isinstance(h, keras.callbacks.History) and m.history is h
    assert h.epoch == [0, 1, 2]
    assert list(h.history) == ["loss", "accuracy", "val_loss", "val_accuracy"]
    assert all(isinstance(v, float) for vs in h.history.values() for v in vs)
    val_loss, val_acc = m.evaluate(X[:20], Y_INT[:20], verbose=0)
    assert abs(val_loss - h.history["val_loss"][-1]) < 1e-6
    assert abs(val_acc - h.history["val_accuracy"][-1]) < 1e-9
    p = m.predict(X[:20], verbose=0)
    assert isinstance(p, np.ndarray) and p.shape == (20, 3) and p.dtype == np.float32
    assert abs(val_loss - _np_sparse_ce(p, Y_INT[:20]).mean()) < 1e-5
    assert abs(val_acc - np.mean(p.argmax(1) == Y_INT[:20])) < 1e-9
    assert m.metrics_names == ["loss", "accuracy"]
    assert m.evaluate(X[:20], Y_INT[:20], verbose=0, return_dict=True) == \
        {"loss": val_loss, "accuracy": val_acc}


def test_training_loss_is_sample_weighted_mean_over_the_epoch():
    # SGD with lr=0 keeps the weights: the epoch loss is the mean over all 64 samples,
    # whatever the batch sizes (the last batch has 4 samples)
    m = _model()
    m.compile(optimizer=keras.optimizers.SGD(learning_rate=0.0),
              loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    h = m.fit(X, Y_INT, batch_size=12, epochs=1, verbose=0, shuffle=False)
    p = m.predict(X, verbose=0)
    assert abs(h.history["loss"][0] - _np_sparse_ce(p, Y_INT).mean()) < 1e-5
    assert abs(h.history["accuracy"][0] - np.mean(p.argmax(1) == Y_INT)) < 1e-6


def test_sample_weight_and_class_weight():
    m = _model()
    m.compile(optimizer=keras.optimizers.SGD(learning_rate=0.0),
              loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    p = m.predict(X, verbose=0)
    per = _np_sparse_ce(p, Y_INT)
    sw = rng.uniform(0, 2, size=64)
    h = m.fit(X, Y_INT, sample_weight=sw, batch_size=64, epochs=1, verbose=0)
    # sum_over_batch_size: weighted sum / number of samples
    assert abs(h.history["loss"][0] - (per * sw).sum() / 64) < 1e-5
    # metrics (not weighted_metrics) ignore sample weights, as in Keras
    assert abs(h.history["accuracy"][0] - np.mean(p.argmax(1) == Y_INT)) < 1e-6
    cw = {0: 0.5, 1: 2.0, 2: 3.0}
    h = m.fit(X, Y_INT, class_weight=cw, batch_size=64, epochs=1, verbose=0)
    w = np.array([cw[c] for c in Y_INT])
    assert abs(h.history["loss"][0] - (per * w).sum() / 64) < 1e-5
    # one-hot targets: class from argmax
    m.compile(optimizer=keras.optimizers.SGD(learning_rate=0.0),
              loss="categorical_crossentropy", weighted_metrics=["accuracy"])
    h = m.fit(X, np.eye(3)[Y_INT], class_weight=cw, batch_size=64, epochs=1, verbose=0)
    assert abs(h.history["loss"][0] - (per * w).sum() / 64) < 1e-5
    acc_w = np.sum((p.argmax(1) == Y_INT) * w) / w.sum()
    assert abs(h.history["accuracy"][0] - acc_w) < 1e-6


def test_validation_split_takes_the_last_fraction():
    seen = []

    class Spy(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            seen.append(batch)

    m = _model()
    m.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    h = m.fit(X, Y_INT, validation_split=0.25, batch_size=8, epochs=2, verbose=0,
              callbacks=[Spy()])
    assert len(seen) == 2 * 6              # 48 training samples / 8
    vl, va = m.evaluate(X[48:], Y_INT[48:], verbose=0)
    assert abs(vl - h.history["val_loss"][-1]) < 1e-6
    assert abs(va - h.history["val_accuracy"][-1]) < 1e-9


def test_initial_epoch_steps_per_epoch_and_validation_freq():
    batches = []

    class Spy(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            batches.append(0)

        def on_train_batch_end(self, batch, logs=None):
            batches[-1] += 1

    m = _model()
    m.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    h = m.fit(X, Y_INT, epochs=4, initial_epoch=1, steps_per_epoch=3, batch_size=8, verbose=0,
              callbacks=[Spy()], validation_data=(X, Y_INT), validation_freq=2)
    assert h.epoch == [1, 2, 3]
    assert batches == [3, 3, 3]
    assert len(h.history["loss"]) == 3 and len(h.history["val_loss"]) == 2   # epochs 2 and 4


def test_generator_sequence_and_dataset_inputs():
    def gen():
        while True:
            for s in range(0, 64, 16):
                yield X[s:s + 16], Y_INT[s:s + 16]

    m = _model()
    m.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["acc"])
    h = m.fit(gen(), steps_per_epoch=4, epochs=2, verbose=0)
    assert set(h.history) == {"loss", "acc"} and len(h.history["loss"]) == 2

    class Seq(keras.utils.Sequence if hasattr(keras.utils, "Sequence") else object):
        def __init__(self):
            self.ends = 0

        def __len__(self):
            return 4

        def __getitem__(self, i):
            return X[i * 16:(i + 1) * 16], Y_INT[i * 16:(i + 1) * 16]

        def on_epoch_end(self):
            self.ends += 1

    seq = Seq()
    h = m.fit(seq, epochs=3, verbose=0)
    assert seq.ends == 3 and len(h.history["loss"]) == 3

    class DS:            # duck-typed ndflow.data.Dataset: element_spec, iterable, cardinality
        element_spec = None

        def __iter__(self):
            for s in range(0, 64, 32):
                yield tf.constant(X[s:s + 32]), tf.constant(Y_INT[s:s + 32])

        def cardinality(self):
            return 2

    h = m.fit(DS(), epochs=2, verbose=0, validation_data=DS())
    assert len(h.history["val_loss"]) == 2
    loss, acc = m.evaluate(DS(), verbose=0)
    assert abs(loss - m.evaluate(X, Y_INT, batch_size=32, verbose=0)[0]) < 1e-6
    assert m.predict(DS(), verbose=0).shape == (64, 3)

    # a finite generator without steps_per_epoch runs out in the second epoch
    finite = ((X[s:s + 32], Y_INT[s:s + 32]) for s in range(0, 64, 32))
    with pytest.warns(UserWarning, match="ran out of data"):
        h = m.fit(finite, epochs=3, verbose=0)
    assert len(h.history["loss"]) == 1


def test_input_types_float64_list_pandas():
    pd = pytest.importorskip("pandas")
    m = _model(units=1, activation="sigmoid")
    m.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    x64 = X.astype(np.float64)
    r1 = m.evaluate(x64, Y_BIN.astype(np.float64), verbose=0)
    r2 = m.evaluate(pd.DataFrame(X), pd.Series(Y_BIN), verbose=0)
    r3 = m.evaluate(X.tolist(), Y_BIN.tolist(), verbose=0)
    r4 = m.evaluate(tf.constant(X), tf.constant(Y_BIN), verbose=0)
    for r in (r2, r3, r4):
        np.testing.assert_allclose(r, r1, rtol=1e-6)
    assert m.predict(x64, verbose=0).dtype == np.float32


def test_accuracy_resolution():
    bin_model = _model(units=1, activation="sigmoid")
    bin_model.compile(loss="binary_crossentropy", metrics=["accuracy"])
    p = bin_model.predict(X, verbose=0)[:, 0]
    _, acc = bin_model.evaluate(X, Y_BIN, verbose=0)
    assert abs(acc - np.mean((p > 0.5) == Y_BIN)) < 1e-6      # binary, not broadcast
    cat = _model()
    cat.compile(loss="categorical_crossentropy", metrics=["acc"])
    q = cat.predict(X, verbose=0)
    _, acc = cat.evaluate(X, np.eye(3)[Y_INT], verbose=0)
    assert abs(acc - np.mean(q.argmax(1) == Y_INT)) < 1e-6
    assert cat.metrics_names == ["loss", "acc"]
    mse = _model(units=1, activation=None)
    mse.compile(loss="mse", metrics=["mae", keras.metrics.RootMeanSquaredError()])
    r = mse.evaluate(X, Y_BIN, verbose=0, return_dict=True)
    out = mse.predict(X, verbose=0)[:, 0]
    assert set(r) == {"loss", "mae", "root_mean_squared_error"}
    assert abs(r["loss"] - np.mean((out - Y_BIN) ** 2)) < 1e-5
    assert abs(r["mae"] - np.mean(np.abs(out - Y_BIN))) < 1e-5


def test_custom_metric_sees_targets_with_the_rank_of_the_output():
    shapes = []

    class Probe(keras.metrics.Metric):
        def __init__(self, name="probe", **kw):
            super().__init__(name=name, **kw)
            self.tp = self.add_weight(name="tp", initializer="zeros")

        def update_state(self, y_true, y_pred, sample_weight=None):
            shapes.append((tuple(y_true.shape), tuple(y_pred.shape)))
            yp = tf.cast(y_pred > 0.5, tf.float32)
            self.tp.assign_add(tf.reduce_sum(tf.cast(y_true, tf.float32) * yp))

        def result(self):
            return self.tp

    m = _model(units=1, activation="sigmoid")
    m.compile(optimizer="adam", loss="binary_crossentropy", metrics=[Probe()])
    _, tp = m.evaluate(X, Y_BIN, batch_size=64, verbose=0)
    assert shapes[-1] == ((64, 1), (64, 1))
    p = m.predict(X, verbose=0)[:, 0]
    assert tp == np.sum(Y_BIN * (p > 0.5))


def test_evaluate_return_forms_and_compile_variants():
    m = _model()
    m.compile(loss="sparse_categorical_crossentropy")
    r = m.evaluate(X, Y_INT, verbose=0)
    assert isinstance(r, float)
    m.compile(loss=keras.losses.sparse_categorical_crossentropy)
    assert abs(m.evaluate(X, Y_INT, verbose=0) - r) < 1e-6
    m.compile(loss=keras.losses.SparseCategoricalCrossentropy())
    assert abs(m.evaluate(X, Y_INT, verbose=0) - r) < 1e-6

    def my_loss(y_true, y_pred):
        return keras.losses.sparse_categorical_crossentropy(y_true, y_pred) * 2.0

    m.compile(loss=my_loss, metrics=[keras.metrics.sparse_categorical_accuracy])
    r2 = m.evaluate(X, Y_INT, verbose=0, return_dict=True)
    assert abs(r2["loss"] - 2 * r) < 1e-5 and "sparse_categorical_accuracy" in r2
    assert m.optimizer.__class__.__name__ == "RMSprop"   # Keras' default


def test_compile_and_fit_errors():
    m = _model()
    with pytest.raises(RuntimeError, match="compile"):
        m.fit(X, Y_INT, verbose=0)
    with pytest.raises(ValueError, match="adam"):
        m.compile(optimizer="adma", loss="mse")
    with pytest.raises(ValueError, match="sparse_categorical_crossentropy"):
        m.compile(optimizer="adam", loss="sparse_categorical_crossentropie")
    with pytest.raises(ValueError, match="Valid names"):
        m.compile(optimizer="adam", loss="mse", metrics=["acuracy"])
    m.compile(optimizer="adam", loss="mse")
    with pytest.raises(ValueError, match="cardinality"):
        m.fit(X, Y_INT[:10], verbose=0)
    m.compile(optimizer="adam")
    with pytest.raises(ValueError, match="loss"):
        m.fit(X, Y_INT, verbose=0)


def test_on_batch_methods():
    m = _model()
    m.compile(optimizer=keras.optimizers.SGD(learning_rate=0.0),
              loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    p = m.predict_on_batch(X[:10])
    assert isinstance(p, np.ndarray) and p.shape == (10, 3)
    np.testing.assert_allclose(p, m(X[:10]).numpy(), rtol=1e-6)
    loss, acc = m.test_on_batch(X[:10], Y_INT[:10])
    assert abs(loss - _np_sparse_ce(p, Y_INT[:10]).mean()) < 1e-5
    r = m.train_on_batch(X[:10], Y_INT[:10], return_dict=True)
    assert abs(r["loss"] - loss) < 1e-5 and abs(r["accuracy"] - acc) < 1e-7
    m.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1),
              loss="sparse_categorical_crossentropy")
    before = m.get_weights()
    m.train_on_batch(X[:10], Y_INT[:10])
    assert any(not np.allclose(a, b) for a, b in zip(before, m.get_weights()))


def test_training_reduces_loss_and_is_reproducible():
    def run():
        m = _model(seed=7)
        m.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        tf.random.set_seed(11)
        h = m.fit(X, Y_INT, epochs=5, batch_size=8, verbose=0)
        return h.history["loss"], m.get_weights()

    l1, w1 = run()
    l2, w2 = run()
    assert l1[-1] < l1[0]
    assert l1 == l2 and all(np.array_equal(a, b) for a, b in zip(w1, w2))


def test_custom_train_step_keras2_style_and_stop_training():
    class Custom(keras.Model):
        def __init__(self):
            super().__init__()
            self.d = layers.Dense(3, activation="softmax")
            self.steps_run = 0

        def call(self, x):
            return self.d(x)

        def train_step(self, data):
            x, y = data
            with tf.GradientTape() as tape:
                y_pred = self(x, training=True)
                loss = self.compiled_loss(y, y_pred, regularization_losses=self.losses)
            grads = tape.gradient(loss, self.trainable_variables)
            self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
            self.compiled_metrics.update_state(y, y_pred)
            self.steps_run += 1
            return {m.name: m.result() for m in self.metrics}

    class StopAfter(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                self.model.stop_training = True

    tf.random.set_seed(0)
    m = Custom()
    m.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    h = m.fit(X, Y_INT, epochs=10, batch_size=32, verbose=0, callbacks=[StopAfter()])
    assert h.epoch == [0, 1] and m.steps_run == 4
    assert set(h.history) == {"loss", "accuracy"}
    assert h.history["loss"][1] < h.history["loss"][0] + 0.5


def test_keras3_style_train_step_with_own_tracker():
    class Custom(keras.Model):
        def __init__(self):
            super().__init__()
            self.d = layers.Dense(1)
            self.loss_tracker = keras.metrics.Mean(name="loss")

        def call(self, x):
            return self.d(x)

        def train_step(self, data):
            x, y = data
            with tf.GradientTape() as tape:
                y_pred = self(x, training=True)
                loss = tf.reduce_mean(tf.square(y_pred[:, 0] - y))
            grads = tape.gradient(loss, self.trainable_variables)
            self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
            self.loss_tracker.update_state(loss)
            return {"loss": self.loss_tracker.result()}

    m = Custom()
    m.compile(optimizer=keras.optimizers.SGD(0.05))
    h = m.fit(X, Y_BIN, epochs=4, batch_size=16, verbose=0)
    assert h.history["loss"][-1] < h.history["loss"][0]
    assert any(mm is m.loss_tracker for mm in m.metrics)


def test_regularization_losses_are_added():
    tf.random.set_seed(0)
    m = keras.Sequential([layers.Dense(2, input_shape=(5,),
                                       kernel_regularizer=keras.regularizers.L2(0.1))])
    m.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse")
    loss = m.evaluate(X, np.zeros((64, 2)), verbose=0, batch_size=64)
    out = m.predict(X, verbose=0)
    k = m.layers[0].kernel.numpy()
    assert abs(loss - (np.mean(out ** 2) + 0.1 * np.sum(k ** 2))) < 1e-5


def test_multi_output_losses_weights_and_names():
    inp = keras.Input(shape=(5,))
    h = layers.Dense(8, activation="relu")(inp)
    a = layers.Dense(3, activation="softmax", name="cls")(h)
    b = layers.Dense(1, name="reg")(h)
    m = keras.Model(inp, [a, b])
    m.compile(optimizer=keras.optimizers.SGD(0.0),
              loss={"cls": "sparse_categorical_crossentropy", "reg": "mse"},
              loss_weights={"cls": 1.0, "reg": 0.5}, metrics={"cls": ["accuracy"]})
    y_reg = X[:, :1] * 2
    r = m.evaluate(X, {"cls": Y_INT, "reg": y_reg}, verbose=0, return_dict=True, batch_size=64)
    pa, pb = m.predict(X, verbose=0)
    ce = _np_sparse_ce(pa, Y_INT).mean()
    mse = np.mean((pb - y_reg) ** 2)
    assert set(r) == {"loss", "cls_loss", "reg_loss", "cls_accuracy"}
    assert abs(r["cls_loss"] - ce) < 1e-5 and abs(r["reg_loss"] - mse) < 1e-4
    assert abs(r["loss"] - (ce + 0.5 * mse)) < 1e-4
    assert abs(r["cls_accuracy"] - np.mean(pa.argmax(1) == Y_INT)) < 1e-6
    hist = m.fit(X, [Y_INT, y_reg], epochs=1, verbose=0)
    assert {"loss", "cls_loss", "reg_loss", "cls_accuracy"} == set(hist.history)


def test_predict_matches_model_call_across_batches():
    m = _model()
    p = m.predict(X, batch_size=10, verbose=0)
    np.testing.assert_allclose(p, m(X).numpy(), rtol=1e-6, atol=1e-7)


def test_from_logits_softmax_warning_in_fit():
    m = _model()
    m.compile(optimizer="adam",
              loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    with pytest.warns(UserWarning, match="Softmax activation"):
        m.fit(X[:8], Y_INT[:8], verbose=0)
    plain = _model(activation=None)
    plain.compile(optimizer="adam",
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        plain.fit(X[:8], Y_INT[:8], verbose=0)


def test_model_with_only_add_loss():
    class M(keras.Model):
        def __init__(self):
            super().__init__()
            self.d = layers.Dense(1)

        def call(self, x):
            out = self.d(x)
            self.add_loss(tf.reduce_mean(tf.square(out - 1.0)))
            return out

    tf.random.set_seed(0)
    m = M()
    m.compile(optimizer=keras.optimizers.SGD(0.05))
    h = m.fit(X, epochs=4, batch_size=16, verbose=0)
    assert h.history["loss"][-1] < h.history["loss"][0]
    loss = m.evaluate(X, batch_size=64, verbose=0)
    assert abs(loss - np.mean((m.predict(X, verbose=0) - 1.0) ** 2)) < 1e-5


def test_dataset_steps_per_epoch_continues_and_validation_steps():
    seen = []

    class DS:
        element_spec = None

        def __iter__(self):
            for s in range(0, 64, 8):          # 8 batches per pass
                seen.append(s)
                yield tf.constant(X[s:s + 8]), tf.constant(Y_INT[s:s + 8])

        def cardinality(self):
            return 8

    m = _model()
    m.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    h = m.fit(DS(), epochs=2, steps_per_epoch=3, verbose=0)
    assert seen == [0, 8, 16, 24, 32, 40]          # one iterator across the two epochs
    seen.clear()
    h = m.fit(X, Y_INT, epochs=1, verbose=0, validation_data=DS(), validation_steps=2)
    assert seen == [0, 8]
    vl = m.evaluate(X[:16], Y_INT[:16], verbose=0)
    assert abs(h.history["val_loss"][0] - vl) < 1e-6


def test_train_on_batch_with_class_weight():
    m = _model()
    m.compile(optimizer=keras.optimizers.SGD(learning_rate=0.0),
              loss="sparse_categorical_crossentropy")
    p = m.predict(X, verbose=0)
    cw = {0: 1.0, 1: 3.0, 2: 0.5}
    w = np.array([cw[c] for c in Y_INT])
    loss = m.train_on_batch(X, Y_INT, class_weight=cw)
    assert abs(loss - (_np_sparse_ce(p, Y_INT) * w).mean()) < 1e-5


def test_user_callbacks_get_python_numbers():
    import json
    got = []

    class Spy(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            got.append(json.dumps(logs))

        def on_epoch_end(self, epoch, logs=None):
            got.append(json.dumps(logs))

    m = _model()
    m.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    m.fit(X, Y_INT, epochs=1, batch_size=32, verbose=0, callbacks=[Spy()])
    assert len(got) == 3 and all('"loss"' in g for g in got)


def test_metric_names_by_snake_case_class_name():
    m = _model(units=1, activation="sigmoid")
    m.compile(optimizer="adam", loss="binary_crossentropy", metrics=["auc", "precision"])
    r = m.evaluate(X, Y_BIN, verbose=0, return_dict=True)
    assert set(r) == {"loss", "auc", "precision"}
    p = m.predict(X, verbose=0)[:, 0]
    pred = p > 0.5
    want = np.mean(Y_BIN[pred]) if pred.any() else 0.0     # Keras: 0 when nothing is positive
    assert abs(r["precision"] - want) < 1e-6


def test_keras3_customizing_fit_loop_over_self_metrics():
    # the Keras 3 guide's train_step: compute_loss, then update every metric of
    # self.metrics ("loss" with the loss, the compiled metrics with y and y_pred); before
    # the first update the compiled metrics are one entry, "compile_metrics", whose result
    # is a dict -- the logs must still come out flat and equal to the built-in step's
    class Custom(keras.Model):
        def __init__(self):
            super().__init__()
            self.hidden = layers.Dense(8, activation="relu")
            self.out = layers.Dense(3, activation="softmax")

        def call(self, x):
            return self.out(self.hidden(x))

        def _step(self, data, train):
            x, y = data
            with tf.GradientTape() as tape:
                y_pred = self(x, training=train)
                loss = self.compute_loss(x=x, y=y, y_pred=y_pred)
            if train:
                grads = tape.gradient(loss, self.trainable_variables)
                self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
            for metric in self.metrics:
                if metric.name == "loss":
                    metric.update_state(loss)
                else:
                    metric.update_state(y, y_pred)
            return {m.name: m.result() for m in self.metrics}

        def train_step(self, data):
            return self._step(data, True)

        def test_step(self, data):
            return self._step(data, False)

    class Plain(Custom):
        train_step = keras.Model.train_step
        test_step = keras.Model.test_step

    results = []
    for cls in (Custom, Plain):
        tf.random.set_seed(0)
        m = cls()
        m.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
        assert [x.name for x in m.metrics] == ["compile_metrics"]
        h = m.fit(X, Y_INT, epochs=3, batch_size=32, verbose=0)
        assert m.metrics_names == ["loss", "accuracy"]
        results.append((h.history, m.evaluate(X, Y_INT, verbose=0, return_dict=True)))
    (custom_h, custom_ev), (plain_h, plain_ev) = results
    assert set(custom_h) == {"loss", "accuracy"}
    assert custom_h["accuracy"] == plain_h["accuracy"]
    np.testing.assert_allclose(custom_h["loss"], plain_h["loss"], rtol=1e-6)
    assert custom_ev["accuracy"] == plain_ev["accuracy"]
    assert custom_ev["loss"] == pytest.approx(plain_ev["loss"], rel=1e-6)
