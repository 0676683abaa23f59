"""keras.callbacks.SwapEMAWeights against a NumPy simulation of SGD with EMA (Keras
semantics: the first step sets the average to the updated weights, then
avg = m * avg + (1 - m) * w after every step)."""
import numpy as np
import pytest

from ndflow import keras

LR, M = 0.1, 0.5
RNG = np.random.default_rng(0)
X = RNG.normal(size=(8, 2)).astype(np.float32)
Y = (X @ np.array([[1.5], [-2.0]]) + 0.3).astype(np.float32)
XV = RNG.normal(size=(5, 2)).astype(np.float32)
YV = (XV @ np.array([[1.0], [-1.0]])).astype(np.float32)
W0 = np.array([[0.2], [0.4]], np.float32)


def simulate(steps):
    """Weights before each step, and the moving average after each step (float64)."""
    w = W0.astype(np.float64)
    before, avgs = [], []
    avg = None
    for t in range(steps):
        before.append(w.copy())
        grad = 2.0 / len(X) * X.T @ (X @ w - Y)
        w = w - LR * grad
        avg = w.copy() if t == 0 else M * avg + (1 - M) * w
        avgs.append(avg.copy())
    return before, w, avgs


def mse(w, x, y):
    return float(np.mean((x @ w - y) ** 2))


def make_model(use_ema=True):
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, use_bias=False)])
    model.layers[0].set_weights([W0])
    model.compile(keras.optimizers.SGD(LR, use_ema=use_ema, ema_momentum=M), "mse")
    return model


class Recorder(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.seen = {}

    def _rec(self, key):
        self.seen.setdefault(key, []).append(self.model.layers[0].get_weights()[0].copy())

    def on_train_batch_begin(self, batch, logs=None):
        self._rec("train_batch")

    def on_test_batch_begin(self, batch, logs=None):
        self._rec("test_batch")

    def on_predict_batch_begin(self, batch, logs=None):
        self._rec("predict_batch")

    def on_epoch_end(self, epoch, logs=None):
        self._rec("epoch_end")


def test_validation_uses_ema_weights_and_training_continues_from_own_weights():
    model = make_model()
    rec = Recorder()
    hist = model.fit(X, Y, batch_size=8, epochs=3, shuffle=False, verbose=0,
                     validation_data=(XV, YV),
                     callbacks=[keras.callbacks.SwapEMAWeights(), rec])
    before, w_last, avgs = simulate(3)
    for got, want in zip(rec.seen["train_batch"], before):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    for got, want in zip(rec.seen["test_batch"], avgs):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(hist.history["val_loss"], [mse(a, XV, YV) for a in avgs],
                               rtol=1e-5)
    np.testing.assert_allclose(hist.history["loss"], [mse(b, X, Y) for b in before],
                               rtol=1e-5)
    # without swap_on_epoch, the epoch ends see the model's own weights
    w_after = [simulate(e + 1)[1] for e in range(3)]
    for got, want in zip(rec.seen["epoch_end"], w_after):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    # fit ends with the averages in the model (the optimizer's finalize step)
    np.testing.assert_allclose(model.layers[0].get_weights()[0], avgs[-1], rtol=1e-5,
                               atol=1e-6)


def test_swap_on_epoch():
    model = make_model()
    rec = Recorder()
    model.fit(X, Y, batch_size=8, epochs=3, shuffle=False, verbose=0,
              callbacks=[keras.callbacks.SwapEMAWeights(swap_on_epoch=True), rec])
    before, _, avgs = simulate(3)
    for got, want in zip(rec.seen["epoch_end"], avgs):       # EMA weights at epoch ends
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    for got, want in zip(rec.seen["train_batch"], before):   # own weights for training
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(model.layers[0].get_weights()[0], avgs[-1], rtol=1e-5,
                               atol=1e-6)
    opt = model.optimizer
    v = model.layers[0].kernel
    np.testing.assert_allclose(opt._slot(v, "_ema").numpy(), avgs[-1], rtol=1e-5, atol=1e-6)


def test_evaluate_and_predict_after_training_swap_and_restore():
    model = make_model()
    model.fit(X, Y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    # after fit the model holds the averages; perturb them so the two sets differ
    own = model.layers[0].get_weights()[0] + np.float32(0.25)
    model.layers[0].set_weights([own])
    ema = model.optimizer._slot(model.layers[0].kernel, "_ema").numpy().copy()
    cb = keras.callbacks.SwapEMAWeights()
    rec = Recorder()
    loss = model.evaluate(XV, YV, verbose=0, callbacks=[cb, rec])
    np.testing.assert_allclose(loss, mse(ema.astype(np.float64), XV, YV), rtol=1e-5)
    np.testing.assert_allclose(rec.seen["test_batch"][0], ema, rtol=0, atol=0)
    np.testing.assert_array_equal(model.layers[0].get_weights()[0], own)   # restored
    pred = model.predict(XV, verbose=0, callbacks=[cb, rec])
    np.testing.assert_allclose(pred, XV @ ema, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(model.layers[0].get_weights()[0], own)
    np.testing.assert_array_equal(
        model.optimizer._slot(model.layers[0].kernel, "_ema").numpy(), ema)


def test_needs_use_ema():
    model = make_model(use_ema=False)
    with pytest.raises(ValueError, match="SwapEMAWeights.*use_ema=True"):
        model.evaluate(XV, YV, verbose=0, callbacks=[keras.callbacks.SwapEMAWeights()])
    assert keras.callbacks.SwapEMAWeights().swap_on_epoch is False
