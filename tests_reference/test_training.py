"""End to end: the same model with the same initial weights, trained one epoch by ``fit``
(no shuffling, no dropout) in ndflow and in real Keras: final weights, the epoch's loss
and metrics, ``evaluate`` and ``predict`` agree to float32 tolerance."""
import numpy as np
import pytest

import keras as keras_ref
from ndflow import keras as ndk

from _helpers import assert_close

rng = np.random.default_rng(0)


def _mlp(K):
    return K.Sequential([K.Input((5,)), K.layers.Dense(16, activation="relu"),
                         K.layers.Dense(8, activation="tanh"),
                         K.layers.Dense(3, activation="softmax")])


def _cnn(K):
    return K.Sequential([K.Input((8, 8, 2)), K.layers.Conv2D(4, 3, padding="same", use_bias=False),
                         K.layers.BatchNormalization(), K.layers.Activation("relu"),
                         K.layers.MaxPooling2D(2), K.layers.Flatten(),
                         K.layers.Dense(3)])


def _rnn(K):
    inp = K.Input((6,), dtype="int32")
    h = K.layers.Embedding(10, 4, mask_zero=True)(inp)
    h = K.layers.GRU(5)(h)
    out = K.layers.Dense(1, activation="sigmoid")(h)
    return K.Model(inp, out)


def _data(kind):
    if kind == "mlp":
        x = rng.normal(size=(64, 5)).astype(np.float32)
        y = rng.integers(0, 3, 64)
    elif kind == "cnn":
        x = rng.normal(size=(32, 8, 8, 2)).astype(np.float32)
        y = np.eye(3, dtype=np.float32)[rng.integers(0, 3, 32)]
    else:
        x = rng.integers(1, 10, (40, 6)).astype(np.int32)
        x[::3, 4:] = 0
        y = rng.integers(0, 2, (40, 1)).astype(np.float32)
    return x, y


CASES = {
    "mlp-sgd": (_mlp, "mlp", lambda K: K.optimizers.SGD(0.1),
                "sparse_categorical_crossentropy", ["accuracy"], 16),
    "mlp-sgd-momentum-last-partial-batch": (_mlp, "mlp", lambda K: K.optimizers.SGD(
        0.05, momentum=0.9, nesterov=True), "sparse_categorical_crossentropy",
        ["sparse_categorical_accuracy"], 24),
    "cnn-batchnorm-adam": (_cnn, "cnn", lambda K: K.optimizers.Adam(0.01),
                           lambda K: K.losses.CategoricalCrossentropy(from_logits=True),
                           ["categorical_accuracy"], 8),
    "gru-masked-sgd-momentum": (_rnn, "rnn", lambda K: K.optimizers.SGD(0.5, momentum=0.5),
                                "binary_crossentropy", ["binary_accuracy"], 10),
    "gru-masked-rmsprop": (_rnn, "rnn", lambda K: K.optimizers.RMSprop(0.01),
                           "binary_crossentropy", ["binary_accuracy"], 10),
}

DIFFERENCES = {
    "gru-masked-rmsprop": (
        "Embedding gradients are tf.IndexedSlices in TF, with one slice per token "
        "occurrence. Keras 3's RMSprop (like every optimizer nonlinear in the gradient: Adam, "
        "Adagrad, ...) applies ops.square to the slices without summing duplicate indices "
        "first, so a token seen k times in a batch adds sum(g_i^2) to the velocity instead of "
        "(sum g_i)^2. ndflow's gradients are dense (duplicates summed), which equals Keras "
        "given a dense gradient (test_optimizers.py::"
        "test_dense_duplicate_index_gradients_match_keras). SGD, linear in the gradient, "
        "matches: gru-masked-sgd-momentum."),
}


def _train(K, case, x, y, weights):
    build, _, opt, loss, metrics, batch = case
    model = build(K)
    model.set_weights(weights)
    model.compile(optimizer=opt(K), loss=loss(K) if callable(loss) else loss, metrics=metrics)
    hist = model.fit(x, y, batch_size=batch, epochs=1, shuffle=False, verbose=0)
    return model, hist.history


@pytest.mark.parametrize("name", [
    pytest.param(n, marks=pytest.mark.xfail(strict=True, reason=DIFFERENCES[n]))
    if n in DIFFERENCES else n for n in CASES])
def test_fit_one_epoch_matches_keras(name):
    case = CASES[name]
    x, y = _data(case[1])
    k_init = case[0](keras_ref)
    weights = k_init.get_weights()
    k_model, k_hist = _train(keras_ref, case, x, y, weights)
    n_model, n_hist = _train(ndk, case, x, y, weights)
    assert_close(n_model.get_weights(), k_model.get_weights(), rtol=1e-3, atol=2e-5,
                 what="weights after one epoch")
    assert sorted(n_hist) == sorted(k_hist)
    for key in k_hist:
        assert_close(n_hist[key], k_hist[key], rtol=1e-4, atol=1e-5, what="history " + key)
    assert_close(n_model.evaluate(x, y, batch_size=16, verbose=0),
                 k_model.evaluate(x, y, batch_size=16, verbose=0), rtol=1e-4, atol=1e-5,
                 what="evaluate")
    assert_close(n_model.predict(x, batch_size=16, verbose=0),
                 k_model.predict(x, batch_size=16, verbose=0), rtol=1e-4, atol=1e-5,
                 what="predict")


def _fit_both(build, compile_kwargs, fit_kwargs, x, y, eval_kwargs=None):
    k_model = build(keras_ref)
    weights = k_model.get_weights()
    n_model = build(ndk)
    n_model.set_weights(weights)
    out = []
    for K, model in ((keras_ref, k_model), (ndk, n_model)):
        model.compile(**{k: (v(K) if callable(v) else v) for k, v in compile_kwargs.items()})
        hist = model.fit(x, y, epochs=2, shuffle=False, verbose=0, **fit_kwargs)
        ev = model.evaluate(x, y, verbose=0, return_dict=True, **(eval_kwargs or {}))
        out.append((model, hist.history, ev))
    (k_model, k_hist, k_ev), (n_model, n_hist, n_ev) = out
    assert_close(n_model.get_weights(), k_model.get_weights(), rtol=1e-3, atol=2e-5,
                 what="weights")
    assert sorted(n_hist) == sorted(k_hist), (sorted(n_hist), sorted(k_hist))
    for key in k_hist:
        assert_close(n_hist[key], k_hist[key], rtol=1e-4, atol=1e-5, what="history " + key)
    assert sorted(n_ev) == sorted(k_ev), (sorted(n_ev), sorted(k_ev))
    for key in k_ev:
        assert_close(n_ev[key], k_ev[key], rtol=1e-4, atol=1e-5, what="evaluate " + key)


def test_fit_validation_split_and_sample_weight_match_keras():
    x, y = _data("mlp")
    sw = np.random.default_rng(1).uniform(0, 2, len(x)).astype(np.float32)
    _fit_both(_mlp, {"optimizer": lambda K: K.optimizers.SGD(0.1),
                     "loss": "sparse_categorical_crossentropy",
                     "metrics": ["accuracy"], "weighted_metrics": ["accuracy"]},
              {"batch_size": 16, "validation_split": 0.25, "sample_weight": sw}, x, y)


def test_fit_class_weight_match_keras():
    x, y = _data("mlp")
    _fit_both(_mlp, {"optimizer": lambda K: K.optimizers.SGD(0.1),
                     "loss": "sparse_categorical_crossentropy", "metrics": ["accuracy"]},
              {"batch_size": 16, "class_weight": {0: 1.0, 1: 3.0, 2: 0.5}}, x, y)


def _two_outputs(K):
    inp = K.Input((5,))
    h = K.layers.Dense(8, activation="tanh")(inp)
    a = K.layers.Dense(3, activation="softmax", name="cls")(h)
    b = K.layers.Dense(1, name="reg")(h)
    return K.Model(inp, [a, b])


def test_multi_output_losses_weights_and_metrics_match_keras():
    x, y = _data("mlp")
    y2 = x[:, :1] * 2.0
    _fit_both(_two_outputs, {"optimizer": lambda K: K.optimizers.Adam(0.01),
                             "loss": ["sparse_categorical_crossentropy", "mse"],
                             "loss_weights": [1.0, 0.5],
                             "metrics": [["accuracy"], ["mae"]]},
              {"batch_size": 16, "validation_data": (x[:16], [y[:16], y2[:16]])}, x, [y, y2])


def test_callbacks_early_stopping_and_reduce_lr_match_keras():
    x, y = _data("mlp")

    k_model = _mlp(keras_ref)
    weights = k_model.get_weights()
    results = []
    for K, model in ((keras_ref, k_model), (ndk, _mlp(ndk))):
        model.set_weights(weights)
        model.compile(K.optimizers.SGD(0.5), "sparse_categorical_crossentropy")
        cbs = [K.callbacks.ReduceLROnPlateau("loss", factor=0.5, patience=1, min_delta=0.05),
               K.callbacks.EarlyStopping("loss", patience=2, min_delta=0.02,
                                         restore_best_weights=True)]
        hist = model.fit(x, y, batch_size=32, epochs=12, shuffle=False, verbose=0,
                         callbacks=cbs)
        results.append((hist.history, model.get_weights(),
                        float(np.asarray(model.optimizer.learning_rate))))
    (k_hist, k_w, k_lr), (n_hist, n_w, n_lr) = results
    assert sorted(n_hist) == sorted(k_hist)
    assert len(n_hist["loss"]) == len(k_hist["loss"])
    for key in k_hist:
        assert_close(n_hist[key], k_hist[key], rtol=1e-4, atol=1e-5, what=key)
    assert_close(n_w, k_w, rtol=1e-3, atol=2e-5, what="restored weights")
    assert abs(n_lr - k_lr) < 1e-7
    # the scenario exercises both callbacks: it stops early and the rate was reduced
    assert len(k_hist["loss"]) < 12 and k_lr < 0.5, (len(k_hist["loss"]), k_lr)


def _binary(K):
    return K.Sequential([K.Input((5,)), K.layers.Dense(4, activation="relu"),
                         K.layers.Dense(1, activation="sigmoid")])


@pytest.mark.parametrize("metrics", [
    ["acc"], ["accuracy", "mse"], ["binary_accuracy", "AUC"], ["mae", "Precision", "Recall"],
    ["binary_crossentropy"],
], ids=lambda m: "-".join(m))
def test_compile_metric_strings_name_history_like_keras(metrics):
    x = np.random.default_rng(2).normal(size=(48, 5)).astype(np.float32)
    y = (x[:, :1] + x[:, 1:2] > 0).astype(np.float32)
    _fit_both(_binary, {"optimizer": lambda K: K.optimizers.SGD(0.1),
                        "loss": "binary_crossentropy", "metrics": metrics},
              {"batch_size": 16}, x, y)
