"""Losses against NumPy float64 formulas written out by hand."""
import warnings

import numpy as np
import pytest

import ndflow as tf
from ndflow import keras
from ndflow.keras import losses

EPS = 1e-7
rng = np.random.default_rng(0)


def _np(t):
    return np.asarray(t.numpy() if hasattr(t, "numpy") else t, dtype=np.float64)


def _softmax(z):
    e = np.exp(z - z.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


Y_REG = rng.normal(size=(6, 3)).astype("float32")
P_REG = rng.normal(size=(6, 3)).astype("float32")
Y_POS = rng.uniform(0.1, 2, size=(6, 3)).astype("float32")
P_POS = rng.uniform(0.1, 2, size=(6, 3)).astype("float32")
Y_BIN = rng.integers(0, 2, size=(6, 3)).astype("float32")
P_PROB = rng.uniform(0.05, 0.95, size=(6, 3)).astype("float32")
LOGITS = rng.normal(size=(6, 4)).astype("float32")
LABELS = rng.integers(0, 4, size=6)
ONEHOT = np.eye(4, dtype="float32")[LABELS]


def _t(a):
    return a.astype(np.float64)


REFERENCE = {
    "mean_squared_error": (Y_REG, P_REG, lambda t, p: ((p - t) ** 2).mean(-1)),
    "mean_absolute_error": (Y_REG, P_REG, lambda t, p: np.abs(p - t).mean(-1)),
    "mean_absolute_percentage_error": (
        Y_POS, P_POS, lambda t, p: 100 * np.abs((t - p) / np.maximum(np.abs(t), EPS)).mean(-1)),
    "mean_squared_logarithmic_error": (
        Y_POS, P_POS, lambda t, p: ((np.log(p + 1) - np.log(t + 1)) ** 2).mean(-1)),
    "binary_crossentropy": (
        Y_BIN, P_PROB, lambda t, p: -(t * np.log(p) + (1 - t) * np.log(1 - p)).mean(-1)),
    "hinge": (Y_BIN, P_REG, lambda t, p: np.maximum(1 - (2 * t - 1) * p, 0).mean(-1)),
    "squared_hinge": (Y_BIN, P_REG,
                      lambda t, p: (np.maximum(1 - (2 * t - 1) * p, 0) ** 2).mean(-1)),
    "categorical_hinge": (
        Y_BIN, P_REG, lambda t, p: np.maximum(((1 - t) * p).max(-1) - (t * p).sum(-1) + 1, 0)),
    "huber": (Y_REG, P_REG * 3, lambda t, p: np.where(
        np.abs(p - t) <= 1, 0.5 * (p - t) ** 2, np.abs(p - t) - 0.5).mean(-1)),
    "log_cosh": (Y_REG, P_REG, lambda t, p: np.log(np.cosh(p - t)).mean(-1)),
    "kl_divergence": (P_PROB, P_PROB[::-1].copy(), lambda t, p: (t * np.log(t / p)).sum(-1)),
    "poisson": (Y_POS, P_POS, lambda t, p: (p - t * np.log(p + EPS)).mean(-1)),
    "cosine_similarity": (Y_REG, P_REG, lambda t, p: -(
        (t / np.linalg.norm(t, axis=-1, keepdims=True)) *
        (p / np.linalg.norm(p, axis=-1, keepdims=True))).sum(-1)),
}


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_loss_function_matches_numpy(name):
    y, p, ref = REFERENCE[name]
    got = _np(losses.get(name)(y, p))
    np.testing.assert_allclose(got, ref(_t(y), _t(p)), rtol=2e-5, atol=2e-6)


def test_categorical_and_sparse_crossentropy_probabilities():
    p = _softmax(LOGITS.astype(np.float64))
    want = -np.log(p[np.arange(6), LABELS])
    np.testing.assert_allclose(_np(losses.categorical_crossentropy(ONEHOT, p.astype("float32"))),
                               want, rtol=1e-5)
    np.testing.assert_allclose(
        _np(losses.sparse_categorical_crossentropy(LABELS, p.astype("float32"))), want,
        rtol=1e-5)
    # from logits
    np.testing.assert_allclose(
        _np(losses.sparse_categorical_crossentropy(LABELS, LOGITS, from_logits=True)), want,
        rtol=1e-5)
    np.testing.assert_allclose(
        _np(losses.categorical_crossentropy(ONEHOT, LOGITS, from_logits=True)), want, rtol=1e-5)


def test_crossentropy_is_stable_for_extreme_logits():
    z = np.array([[1000.0, -1000.0], [-1000.0, 1000.0]], dtype="float32")
    got = _np(losses.sparse_categorical_crossentropy([0, 0], z, from_logits=True))
    np.testing.assert_allclose(got, [0.0, 2000.0], rtol=1e-6)
    got = _np(losses.binary_crossentropy([[1.0], [0.0]], [[200.0], [200.0]], from_logits=True))
    np.testing.assert_allclose(got, [0.0, 200.0], atol=1e-6)
    # probabilities exactly 0 / 1 are clipped to epsilon, not inf
    got = _np(losses.binary_crossentropy([[1.0]], [[0.0]]))
    assert np.isfinite(got).all() and abs(got[0] + np.log(EPS)) < 1e-3


def test_focal_losses():
    t, p = _t(Y_BIN), _t(P_PROB)
    bce = -(t * np.log(p) + (1 - t) * np.log(1 - p))
    pt = t * p + (1 - t) * (1 - p)
    np.testing.assert_allclose(_np(losses.binary_focal_crossentropy(Y_BIN, P_PROB, gamma=2.0)),
                               ((1 - pt) ** 2 * bce).mean(-1), rtol=2e-5)
    bal = t * 0.25 + (1 - t) * 0.75
    np.testing.assert_allclose(
        _np(losses.BinaryFocalCrossentropy(apply_class_balancing=True, reduction=None)(
            Y_BIN, P_PROB)), (bal * (1 - pt) ** 2 * bce).mean(-1), rtol=2e-5)
    q = _softmax(_t(LOGITS))
    want = (0.25 * (1 - q) ** 2 * -(_t(ONEHOT) * np.log(q))).sum(-1)
    np.testing.assert_allclose(
        _np(losses.categorical_focal_crossentropy(ONEHOT, LOGITS, from_logits=True)), want,
        rtol=2e-5)


def test_label_smoothing():
    t, p = _t(Y_BIN), _t(P_PROB)
    ts = t * 0.8 + 0.1
    want = -(ts * np.log(p) + (1 - ts) * np.log(1 - p)).mean(-1).mean()
    got = float(losses.BinaryCrossentropy(label_smoothing=0.2)(Y_BIN, P_PROB))
    assert abs(got - want) < 1e-5
    q = _softmax(_t(LOGITS))
    ts = _t(ONEHOT) * 0.9 + 0.1 / 4
    want = -(ts * np.log(q)).sum(-1).mean()
    got = float(losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1)(
        ONEHOT, LOGITS))
    assert abs(got - want) < 1e-5


@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum", "none", None,
                                       "mean_with_sample_weight"])
def test_reductions_and_sample_weight(reduction):
    per = ((_t(P_REG) - _t(Y_REG)) ** 2).mean(-1)
    sw = np.array([1, 0, 2, 1, 0.5, 3.0])
    weighted = per * sw
    want = {"sum_over_batch_size": weighted.sum() / 6, "sum": weighted.sum(), "none": weighted,
            None: weighted, "mean_with_sample_weight": weighted.sum() / sw.sum()}[reduction]
    got = _np(losses.MeanSquaredError(reduction=reduction)(Y_REG, P_REG, sample_weight=sw))
    np.testing.assert_allclose(got, want, rtol=1e-5)
    # column weights (batch, 1) act like (batch,)
    got2 = _np(losses.MeanSquaredError(reduction=reduction)(Y_REG, P_REG,
                                                            sample_weight=sw[:, None]))
    np.testing.assert_allclose(got2, want, rtol=1e-5)


def test_invalid_reduction_and_unknown_name():
    with pytest.raises(ValueError, match="reduction"):
        losses.MeanSquaredError(reduction="avg")
    with pytest.raises(ValueError, match="mean_squared_error"):
        losses.get("mean_sqared_error")


def test_label_vector_against_column_output_is_not_broadcast():
    y = np.array([1.0, 0.0, 1.0])
    p = np.array([[0.9], [0.2], [0.4]], dtype="float32")
    got = _np(losses.binary_crossentropy(y, p))
    assert got.shape == (3,)
    want = -(np.log([0.9, 0.8, 0.4]))
    np.testing.assert_allclose(got, want, rtol=1e-5)
    got = _np(losses.mean_squared_error(y, p))
    np.testing.assert_allclose(got, [0.01, 0.04, 0.36], rtol=1e-4)


def test_get_and_classes():
    assert losses.get("mse") is losses.mean_squared_error
    assert losses.get("MSE") is losses.mean_squared_error
    assert isinstance(losses.get("SparseCategoricalCrossentropy"),
                      losses.SparseCategoricalCrossentropy)
    scce = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    assert scce.name == "sparse_categorical_crossentropy"
    cfg = scce.get_config()
    assert cfg["from_logits"] is True and cfg["reduction"] == "sum_over_batch_size"
    again = keras.losses.SparseCategoricalCrossentropy.from_config(cfg)
    np.testing.assert_allclose(_np(again(LABELS, LOGITS)), _np(scce(LABELS, LOGITS)))
    out = scce(LABELS[:1], LOGITS[:1])
    assert out.numpy().dtype == np.float32 and np.ndim(out.numpy()) == 0


def test_gradient_of_fused_crossentropies_matches_finite_differences():
    z0 = rng.normal(size=(3, 4))

    def loss_value(z, kind):
        if kind == "sparse":
            return float(losses.SparseCategoricalCrossentropy(from_logits=True)(
                LABELS[:3], z.astype("float64")))
        if kind == "cat":
            return float(losses.CategoricalCrossentropy(from_logits=True)(
                ONEHOT[:3].astype("float64"), z.astype("float64")))
        return float(losses.BinaryCrossentropy(from_logits=True)(
            Y_BIN[:3, :1].repeat(4, 1).astype("float64"), z.astype("float64")))

    for kind in ("sparse", "cat", "bin"):
        z = tf.Variable(z0)
        with tf.GradientTape() as tape:
            if kind == "sparse":
                val = losses.SparseCategoricalCrossentropy(from_logits=True)(LABELS[:3], z)
            elif kind == "cat":
                val = losses.CategoricalCrossentropy(from_logits=True)(
                    ONEHOT[:3].astype("float64"), z)
            else:
                val = losses.BinaryCrossentropy(from_logits=True)(
                    Y_BIN[:3, :1].repeat(4, 1).astype("float64"), z)
        g = tape.gradient(val, z).numpy()
        num = np.zeros_like(z0)
        h = 1e-6
        for idx in np.ndindex(z0.shape):
            zp, zm = z0.copy(), z0.copy()
            zp[idx] += h
            zm[idx] -= h
            num[idx] = (loss_value(zp, kind) - loss_value(zm, kind)) / (2 * h)
        np.testing.assert_allclose(g, num, rtol=1e-5, atol=1e-7)


def test_softmax_output_uses_logits_inside_a_tape():
    # -log(softmax(z)[y]) for z far from 0: the probability path would be clipped at
    # log(eps); through the tape the loss sees the logits and stays exact
    z = tf.Variable(np.array([[0.0, 40.0]], dtype="float32"))
    with tf.GradientTape() as tape:
        p = tf.nn.softmax(z)
        val = losses.SparseCategoricalCrossentropy()([0], p)
    assert abs(float(val) - 40.0) < 1e-3
    g = tape.gradient(val, z).numpy()
    np.testing.assert_allclose(g, [[-1.0, 1.0]], atol=1e-6)


def test_from_logits_on_softmax_output_warns():
    z = tf.Variable(LOGITS)
    with tf.GradientTape():
        p = tf.nn.softmax(z)
        with pytest.warns(UserWarning, match="produced by a Softmax activation"):
            val = keras.losses.SparseCategoricalCrossentropy(from_logits=True)(LABELS, p)
    # like TensorFlow, the loss then uses the softmax's own logits (not softmax twice)
    want = -np.log(_softmax(_t(LOGITS))[np.arange(6), LABELS]).mean()
    assert abs(float(val) - want) < 1e-5
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        keras.losses.SparseCategoricalCrossentropy(from_logits=True)(LABELS, LOGITS)


def test_sparse_crossentropy_errors_name_the_problem():
    with pytest.raises(ValueError, match="classes"):
        losses.sparse_categorical_crossentropy([0, 7], LOGITS[:2], from_logits=True)
    with pytest.raises(ValueError, match="sparse_categorical_crossentropy"):
        losses.categorical_crossentropy(LABELS, LOGITS)


def test_ignore_class():
    got = _np(losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=0,
                                                   reduction="none")(LABELS, LOGITS))
    q = _softmax(_t(LOGITS))
    want = -np.log(q[np.arange(6), LABELS]) * (LABELS != 0)
    np.testing.assert_allclose(got, want, rtol=1e-5)


def test_custom_loss_subclass():
    class Scaled(keras.losses.Loss):
        def call(self, y_true, y_pred):
            return tf.reduce_mean(tf.abs(y_true - y_pred), axis=-1) * 2.0

    got = float(Scaled()(Y_REG, P_REG))
    assert abs(got - 2 * np.abs(_t(P_REG) - _t(Y_REG)).mean()) < 1e-5
    assert Scaled().name == "scaled"


def test_second_order_through_fused_crossentropy():
    # d/dz sum(grad_z(loss)**2), by nested tapes, against central differences of the
    # first-order gradient (which the fast NumPy path computes)
    z0 = rng.normal(size=(2, 3))
    lab = np.array([2, 0])

    def first(zv):
        z = tf.Variable(zv)
        with tf.GradientTape() as t:
            val = losses.SparseCategoricalCrossentropy(from_logits=True)(lab, z)
        return t.gradient(val, z).numpy()

    z = tf.Variable(z0)
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            val = losses.SparseCategoricalCrossentropy(from_logits=True)(lab, z)
        g = inner.gradient(val, z)
        s = tf.reduce_sum(g * g)
    np.testing.assert_allclose(g.numpy(), first(z0), rtol=1e-10)
    h2 = outer.gradient(s, z).numpy()
    num = np.zeros_like(z0)
    for idx in np.ndindex(z0.shape):
        zp, zm = z0.copy(), z0.copy()
        zp[idx] += 1e-6
        zm[idx] -= 1e-6
        num[idx] = ((first(zp) ** 2).sum() - (first(zm) ** 2).sum()) / 2e-6
    np.testing.assert_allclose(h2, num, rtol=1e-5, atol=1e-8)


def test_softmax_logits_are_used_without_any_tape():
    # saturated probabilities: computed from p alone the loss would be clipped at
    # -log(eps); the softmax output carries its logits, so the loss is exact
    z = tf.constant(np.array([[0.0, 40.0]], dtype="float32"))
    p = tf.nn.softmax(z)
    val = losses.SparseCategoricalCrossentropy()([0], p)
    assert abs(float(val) - 40.0) < 1e-3
    s = keras.activations.sigmoid(tf.constant([[-30.0]]))
    assert abs(float(losses.BinaryCrossentropy()([[1.0]], s)) - 30.0) < 1e-3
    # a plain array of the same probabilities has no logits: clipped, far from exact
    clipped = float(losses.SparseCategoricalCrossentropy()([0], p.numpy()))
    assert clipped < 20.0


def test_evaluate_uses_the_logits_of_a_softmax_output_like_fit():
    keras.utils.set_random_seed(1)
    model = keras.Sequential([keras.layers.Dense(3, activation="softmax", input_shape=(2,))])
    model.compile(loss="sparse_categorical_crossentropy")
    model.layers[0].set_weights([np.array([[60.0, 0.0, 0.0], [0.0, 0.0, 0.0]], "float32"),
                                 np.zeros(3, "float32")])
    x = np.array([[1.0, 0.0]], dtype="float32")
    loss = model.evaluate(x, np.array([1]), verbose=0)
    assert abs(loss - 60.0) < 1e-3
