"""The Keras 3 losses Dice, Tversky, CategoricalGeneralizedCrossEntropy, Circle and CTC:
values against NumPy float64 formulas, gradients against finite differences, constants
computed with real Keras 3.15 (TensorFlow backend) pasted in, reductions and masks,
configs, and training through model.compile."""
import itertools
import os
import sys

import numpy as np
import pytest

import ndflow as tf
from ndflow import keras
from ndflow.keras import losses

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from _numeric import numeric_grad  # noqa: E402  (tests/_numeric.py)

EPS = 1e-7
RNG = np.random.default_rng(7)


def _np(t):
    return np.asarray(t.numpy() if hasattr(t, "numpy") else t, dtype=np.float64)


def _value_and_grad(loss_fn, y_true, y_pred):
    x = tf.constant(y_pred)
    with tf.GradientTape() as tape:
        tape.watch(x)
        v = loss_fn(y_true, x)
    return v, tape.gradient(v, x)


# ---- shared inputs (also the inputs of the Keras constants below) --------------------------

Y_BIN = np.array([[1, 0, 1, 1], [0, 0, 1, 0], [1, 1, 0, 0]], np.float32)
P_BIN = np.array([[0.9, 0.2, 0.6, 0.7], [0.1, 0.3, 0.8, 0.2], [0.4, 0.9, 0.3, 0.05]],
                 np.float32)
CGCE_LABELS = np.array([0, 2, 1, 3])
CGCE_PROBS = np.array([[0.7, 0.1, 0.1, 0.1], [0.2, 0.2, 0.5, 0.1], [0.3, 0.3, 0.3, 0.1],
                       [0.05, 0.05, 0.1, 0.8]], np.float32)
EMB = np.array([[1, 0, 0], [0.6, 0.8, 0], [0, 1, 0], [0, 0.6, 0.8], [0.8, 0, 0.6]],
               np.float32)
EMB_LABELS = np.array([0, 0, 1, 1, 2])            # the last row has no positive pair


# ---- Dice and Tversky -------------------------------------------------------------------------

def np_dice(t, p, axis=None):
    t, p = t.astype(np.float64), p.astype(np.float64)
    return 1 - 2 * (t * p).sum(axis=axis) / (t.sum(axis=axis) + p.sum(axis=axis) + EPS)


def np_tversky(t, p, alpha=0.5, beta=0.5, axis=None):
    t, p = t.astype(np.float64), p.astype(np.float64)
    tp = (t * p).sum(axis=axis)
    return 1 - tp / (tp + alpha * (t * (1 - p)).sum(axis=axis)
                     + beta * ((1 - t) * p).sum(axis=axis) + EPS)


@pytest.mark.parametrize("axis", [None, -1, 1, (1, 2), [1, 2]])
def test_dice_and_tversky_match_numpy(axis):
    t = RNG.integers(0, 2, size=(4, 3, 5)).astype(np.float32)
    p = RNG.uniform(size=(4, 3, 5)).astype(np.float32)
    ax = tuple(axis) if isinstance(axis, list) else axis
    np.testing.assert_allclose(_np(losses.dice(t, p, axis=axis)), np_dice(t, p, ax),
                               rtol=1e-5)
    np.testing.assert_allclose(_np(losses.tversky(t, p, 0.8, 0.3, axis=axis)),
                               np_tversky(t, p, 0.8, 0.3, ax), rtol=1e-5)
    # alpha = beta = 0.5 is the Dice loss
    np.testing.assert_allclose(_np(losses.tversky(t, p, axis=axis)), np_dice(t, p, ax),
                               rtol=1e-5)


def test_dice_and_tversky_match_keras_constants():
    # values from real Keras 3.15: keras.losses.dice / tversky on Y_BIN, P_BIN
    np.testing.assert_allclose(_np(losses.dice(Y_BIN, P_BIN)), 0.24890822, rtol=1e-5)
    np.testing.assert_allclose(_np(losses.dice(Y_BIN, P_BIN, axis=-1)),
                               [0.1851852, 0.33333337, 0.2876712], rtol=1e-5)
    np.testing.assert_allclose(_np(losses.tversky(Y_BIN, P_BIN, alpha=0.7, beta=0.2, axis=-1)),
                               [0.21428567, 0.24528307, 0.30107534], rtol=1e-5)
    # Tversky(alpha=0.7, beta=0.2, axis=1), mean over the batch, and d/dy_pred (Keras 3.15)
    v, g = _value_and_grad(losses.Tversky(alpha=0.7, beta=0.2, axis=1), Y_BIN, P_BIN)
    np.testing.assert_allclose(_np(v), 0.25354803, rtol=1e-5)
    np.testing.assert_allclose(_np(g), [
        [-0.0909864, 0.01870748, -0.0909864, -0.0909864],
        [0.04746648, 0.04746648, -0.24326569, 0.04746648],
        [-0.14163488, -0.14163488, 0.02505106, 0.02505106]], rtol=1e-4, atol=1e-7)
    # Dice(axis=-1) with sample weights (Keras 3.15)
    sw = np.array([0.5, 2.0, 1.0], np.float32)
    for reduction, want in [("sum", 1.0469306), ("mean_with_sample_weight", 0.29912302),
                            ("sum_over_batch_size", 0.34897685)]:
        got = losses.Dice(axis=-1, reduction=reduction)(Y_BIN, P_BIN, sample_weight=sw)
        np.testing.assert_allclose(_np(got), want, rtol=1e-5, err_msg=reduction)


def test_dice_default_axis_gives_one_scalar_whatever_the_reduction():
    for reduction in ("sum_over_batch_size", "sum", "none", None):
        v = losses.Dice(reduction=reduction)(Y_BIN, P_BIN)
        assert v.shape == ()
        np.testing.assert_allclose(_np(v), np_dice(Y_BIN, P_BIN), rtol=1e-5)


@pytest.mark.parametrize("fn, kwargs", [(losses.dice, {"axis": -1}),
                                        (losses.tversky, {"alpha": 0.2, "beta": 0.9}),
                                        (losses.tversky, {"axis": (0,)})])
def test_dice_and_tversky_gradients_match_finite_differences(fn, kwargs):
    t = RNG.integers(0, 2, size=(3, 4)).astype(np.float64)
    p = RNG.uniform(0.1, 0.9, size=(3, 4))
    w = RNG.normal(size=np.shape(np_dice(t, p, kwargs.get("axis"))))

    def f(v):
        return float((_np(fn(t, v, **kwargs)) * w).sum())
    x = tf.constant(p)
    with tf.GradientTape() as tape:
        tape.watch(x)
        total = tf.reduce_sum(fn(t, x, **kwargs) * tf.constant(w))
    np.testing.assert_allclose(_np(tape.gradient(total, x)), numeric_grad(f, p.copy()),
                               rtol=1e-6, atol=1e-9)


# ---- CategoricalGeneralizedCrossEntropy ---------------------------------------------------

def np_gce(labels, probs, q):
    p = probs.astype(np.float64)[np.arange(len(labels)), labels]
    return (1 - p ** q) / q


def test_generalized_cross_entropy_matches_numpy_and_keras():
    for q in (0.1, 0.5, 0.9):
        np.testing.assert_allclose(
            _np(losses.categorical_generalized_cross_entropy(CGCE_LABELS, CGCE_PROBS, q)),
            np_gce(CGCE_LABELS, CGCE_PROBS, q), rtol=1e-6)
    # Keras 3.15: CategoricalGeneralizedCrossEntropy(q=0.3, reduction=None), value and grad
    v, g = _value_and_grad(losses.CategoricalGeneralizedCrossEntropy(q=0.3, reduction=None),
                           CGCE_LABELS, CGCE_PROBS)
    np.testing.assert_allclose(_np(v), [0.33825517, 0.6258253, 1.0105157, 0.21583854],
                               rtol=1e-6)
    want = np.zeros((4, 4))
    want[np.arange(4), CGCE_LABELS] = [-1.283605, -1.6245048, -2.3228176, -1.1690606]
    np.testing.assert_allclose(_np(g), want, rtol=1e-6)
    # Keras 3.15: the default q=0.5, mean over the batch
    np.testing.assert_allclose(
        _np(losses.CategoricalGeneralizedCrossEntropy()(CGCE_LABELS, CGCE_PROBS)),
        0.5070417, rtol=1e-6)


def test_generalized_cross_entropy_label_column_gives_one_value_per_sample():
    got = losses.categorical_generalized_cross_entropy(CGCE_LABELS[:, None], CGCE_PROBS, 0.5)
    assert got.shape == (4,)
    np.testing.assert_allclose(_np(got), np_gce(CGCE_LABELS, CGCE_PROBS, 0.5), rtol=1e-6)


def test_generalized_cross_entropy_gradient_matches_finite_differences():
    p = RNG.uniform(0.1, 1.0, size=(5, 3))
    labels = np.array([0, 2, 1, 1, 0])

    def f(v):
        return float(_np(losses.categorical_generalized_cross_entropy(labels, v, 0.4)).sum())
    _, g = _value_and_grad(lambda t, v: tf.reduce_sum(
        losses.categorical_generalized_cross_entropy(t, v, 0.4)), labels, p)
    np.testing.assert_allclose(_np(g), numeric_grad(f, p.copy()), rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("q", [0, 1, 1.5, -0.2])
def test_generalized_cross_entropy_q_must_be_in_open_unit_interval(q):
    with pytest.raises(ValueError, match=r"CategoricalGeneralizedCrossEntropy: q must be in "
                                         r"the open interval \(0, 1\)"):
        losses.CategoricalGeneralizedCrossEntropy(q=q)


def test_generalized_cross_entropy_label_errors():
    with pytest.raises(ValueError, match=r"categorical_generalized_cross_entropy: labels must "
                                         r"be integers in \[0, 4\)"):
        losses.categorical_generalized_cross_entropy(np.array([0, 4, 1, 1]), CGCE_PROBS)
    with pytest.raises(ValueError, match="categorical_generalized_cross_entropy: expected "
                                         "integer labels of shape"):
        losses.categorical_generalized_cross_entropy(np.array([0, 1]), CGCE_PROBS)


# ---- Circle -------------------------------------------------------------------------------------

def np_circle(labels, emb, ref_labels=None, ref=None, remove_diagonal=True, gamma=80.0,
              margin=0.4):
    emb = emb.astype(np.float64)
    ref = emb if ref is None else ref.astype(np.float64)
    ref_labels = labels if ref_labels is None else ref_labels
    d = np.maximum(1 - emb @ ref.T, 0)
    pos = labels[:, None] == ref_labels[None, :]
    neg = ~pos
    if remove_diagonal:
        pos &= ~np.eye(*pos.shape, dtype=bool)
    out = []
    for i in range(len(labels)):
        dp, dn = d[i][pos[i]], d[i][neg[i]]
        sp = -gamma * np.maximum(dp + margin, 0) * (margin - dp)
        sn = gamma * np.maximum(1 + margin - dn, 0) * (1 - margin - dn)
        lp = np.logaddexp.reduce(sp) if sp.size else -np.inf
        ln = np.logaddexp.reduce(sn) if sn.size else -np.inf
        out.append(np.logaddexp(0.0, lp + ln))
    return np.array(out)


def _unit_rows(shape):
    e = RNG.normal(size=shape)
    return e / np.linalg.norm(e, axis=1, keepdims=True)


@pytest.mark.parametrize("kwargs", [{}, {"gamma": 2.0, "margin": 0.25},
                                    {"gamma": 5.0, "remove_diagonal": False}])
def test_circle_matches_numpy(kwargs):
    labels = np.array([0, 1, 0, 2, 1, 1, 3])
    emb = _unit_rows((7, 4))
    np.testing.assert_allclose(_np(losses.circle(labels, emb, **kwargs)),
                               np_circle(labels, emb, **kwargs), rtol=1e-10, atol=1e-12)


def test_circle_with_reference_embeddings_matches_numpy_and_keras():
    ref_labels, ref = np.array([1, 0, 2, 0]), _unit_rows((4, 3))
    emb = _unit_rows((5, 3))
    np.testing.assert_allclose(
        _np(losses.circle(EMB_LABELS, emb, ref_labels=ref_labels, ref_embeddings=ref,
                          gamma=3.0)),
        np_circle(EMB_LABELS, emb, ref_labels, ref, gamma=3.0), rtol=1e-10)
    # Keras 3.15: circle(EMB_LABELS, EMB, ref_labels=[1, 0], ref_embeddings=EMB[[2, 0]],
    # gamma=2); rows 1 and 4 are left with no positive pair
    np.testing.assert_allclose(
        _np(losses.circle(EMB_LABELS, EMB, ref_labels=np.array([1, 0]),
                          ref_embeddings=EMB[[2, 0]], gamma=2.0)),
        [0.4234965, 0.0, 0.4234965, 0.54589295, 0.0], rtol=1e-5)


# Keras 3.15, Circle(reduction=None, **kwargs)(EMB_LABELS, EMB): values, the batch mean
# (rows with loss 0 are masked out of it), the sum, and d(sum of the values)/dy_pred
CIRCLE_KERAS = [
    ({}, [38.4, 38.4, 38.4, 6.3269377, 0.0], 30.381735, 121.52694,
     [[25.600002, -102.39999, 76.8], [-127.999985, 278.99884, 30.66509],
      [153.6, 128.06863, -102.30847], [53.66391, -97.2205, 22.99882],
      [128.0, 22.99882, 30.66509]]),
    ({"gamma": 2.0, "margin": 0.25}, [1.9462588, 2.1111836, 1.9462588, 1.6998438, 0.0],
     1.9258862, 7.703545,
     [[-0.2564305, -2.2222054, 1.0576677], [-2.4615004, 3.852619, 1.0306286],
      [1.954525, 0.99853206, -2.1433349], [1.0722569, -1.8857324, 0.3578848],
      [1.9999719, 0.6741413, 0.47717974]]),
    ({"gamma": 2.0, "remove_diagonal": False},
     [2.0813224, 2.249442, 2.0813224, 1.8290083, 1.6283873], 1.9738966, 9.869483,
     [[1.4084142, -1.3123515, 1.7945083], [-1.0665764, 3.93023, 1.2423861],
      [1.992743, 1.7033792, -1.271482], [1.3510776, -0.77736354, 0.55656445],
      [3.4212444, 1.1304274, 0.74208593]]),
]


@pytest.mark.parametrize("case", CIRCLE_KERAS, ids=["default", "gamma-margin", "diagonal"])
def test_circle_matches_keras_constants(case):
    kwargs, values, mean, total, grad = case
    v, g = _value_and_grad(losses.Circle(reduction=None, **kwargs), EMB_LABELS, EMB)
    np.testing.assert_allclose(_np(v), values, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(_np(g), grad, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(_np(losses.Circle(**kwargs)(EMB_LABELS, EMB)), mean, rtol=1e-5)
    np.testing.assert_allclose(_np(losses.Circle(reduction="sum", **kwargs)(EMB_LABELS, EMB)),
                               total, rtol=1e-5)


def test_circle_mean_leaves_out_rows_without_pairs():
    values = np_circle(EMB_LABELS, EMB, gamma=2.0)
    kept = values > 0
    assert not kept.all()
    sw = np.array([1.0, 2.0, 3.0, 4.0, 5.0], np.float32)
    loss = losses.Circle(gamma=2.0)
    np.testing.assert_allclose(_np(loss(EMB_LABELS, EMB)), values[kept].mean(), rtol=1e-5)
    # the kept values are scaled by size / kept, then the weighted sum divided by the size
    np.testing.assert_allclose(_np(loss(EMB_LABELS, EMB, sample_weight=sw)),
                               (values * sw * kept).sum() / kept.sum(), rtol=1e-5)
    mws = losses.Circle(gamma=2.0, reduction="mean_with_sample_weight")
    np.testing.assert_allclose(_np(mws(EMB_LABELS, EMB, sample_weight=sw)),
                               (values * sw * kept).sum() / (sw * kept).sum(), rtol=1e-5)
    np.testing.assert_allclose(_np(mws(EMB_LABELS, EMB)), values[kept].mean(), rtol=1e-5)
    # Keras 3.15 with the same weights: 3.9042277 (mean), 1.561691 (mean_with_sample_weight)
    np.testing.assert_allclose(_np(loss(EMB_LABELS, EMB, sample_weight=sw)), 3.9042277,
                               rtol=1e-5)
    np.testing.assert_allclose(_np(mws(EMB_LABELS, EMB, sample_weight=sw)), 1.561691,
                               rtol=1e-5)
    # (batch, 1) labels and weights, as model.fit passes them, give the same
    np.testing.assert_allclose(
        _np(loss(EMB_LABELS[:, None], EMB, sample_weight=sw[:, None])), 3.9042277, rtol=1e-5)


def test_circle_rows_without_pairs_have_zero_not_nan_gradient():
    labels = np.array([0, 1, 2])                 # no positive pair anywhere
    v, g = _value_and_grad(losses.Circle(gamma=4.0), labels, _unit_rows((3, 4)))
    assert _np(v) == 0.0
    assert np.all(_np(g) == 0.0)


def test_circle_gradient_matches_finite_differences():
    labels = np.array([0, 1, 0, 1, 1, 2])
    emb = _unit_rows((6, 3))

    def f(v):
        return float(_np(losses.circle(labels, v, gamma=3.0, margin=0.3)).sum())
    _, g = _value_and_grad(lambda t, v: tf.reduce_sum(losses.circle(t, v, gamma=3.0,
                                                                    margin=0.3)),
                           labels, emb)
    np.testing.assert_allclose(_np(g), numeric_grad(f, emb.copy()), rtol=1e-5, atol=1e-8)


def test_circle_shape_errors():
    with pytest.raises(ValueError, match=r"circle: `y_pred` must be embeddings of shape "
                                         r"\(batch_size, dim\)"):
        losses.circle(EMB_LABELS, EMB[None])
    with pytest.raises(ValueError, match="circle: got 4 labels for 5 embeddings"):
        losses.circle(EMB_LABELS[:4], EMB)
    with pytest.raises(ValueError, match=r"circle: `ref_embeddings` must have shape "
                                         r"\(num_refs, 3\)"):
        losses.circle(EMB_LABELS, EMB, ref_embeddings=EMB[:, :2])
    with pytest.raises(ValueError, match="circle: got 3 reference labels for 2 reference"):
        losses.circle(EMB_LABELS, EMB, ref_labels=np.array([0, 1, 2]),
                      ref_embeddings=EMB[:2])


# ---- CTC ----------------------------------------------------------------------------------

def _log_softmax(x):
    z = x - x.max(-1, keepdims=True)
    return z - np.log(np.exp(z).sum(-1, keepdims=True))


def brute_force_ctc(target, logits):
    """-log of the summed probability of every path whose collapse is ``target``
    (blank 0); ``logits`` (frames, classes)."""
    logp = _log_softmax(logits.astype(np.float64))
    T, C = logp.shape
    total = 0.0
    for path in itertools.product(range(C), repeat=T):
        merged = [k for i, k in enumerate(path) if i == 0 or k != path[i - 1]]
        if tuple(k for k in merged if k != 0) == tuple(target):
            total += np.exp(sum(logp[t, k] for t, k in enumerate(path)))
    return -np.log(total)


def test_ctc_matches_brute_force_with_zero_padding():
    y_true = np.array([[1, 2, 0], [2, 2, 0], [3, 0, 0], [1, 3, 1]])
    y_pred = RNG.normal(size=(4, 6, 4))
    got = _np(losses.ctc(y_true, y_pred))
    want = [brute_force_ctc([int(v) for v in row if v != 0], y_pred[i])
            for i, row in enumerate(y_true)]
    np.testing.assert_allclose(got, want, rtol=1e-10)


# Keras 3.15: keras.losses.CTC(reduction=None)(CTC_TRUE, CTC_PRED), the default mean, and
# the gradient of the values with respect to row 1 of y_pred
CTC_TRUE = np.array([[1, 2, 0], [3, 3, 0], [2, 0, 0]], np.int32)
CTC_PRED = np.array(
    [[[-1.92, -0.81, -0.47, -1.19], [-1.49, 0.04, 0.90, -0.23], [-0.74, 0.38, 0.72, -0.30],
      [0.54, 1.04, -0.21, -0.81], [0.35, 0.25, 1.10, -1.28]],
     [[-0.66, -0.84, -1.73, 0.13], [0.53, -0.74, 1.39, 0.82], [0.63, 0.40, 0.96, -1.33],
      [0.61, 0.60, -1.77, 0.35], [-0.25, 0.78, -0.44, -0.02]],
     [[0.34, -0.88, 0.60, -0.10], [0.49, -0.52, 1.09, 0.61], [-0.18, 0.63, 1.26, 1.79],
      [-1.57, 0.88, 0.47, -0.09], [-1.01, 1.26, -1.26, 0.57]]], np.float32)


def test_ctc_matches_keras_constants():
    v, g = _value_and_grad(losses.CTC(reduction=None), CTC_TRUE, CTC_PRED)
    np.testing.assert_allclose(_np(v), [3.2656972, 4.0501604, 5.4850397], rtol=1e-5)
    np.testing.assert_allclose(_np(losses.CTC()(CTC_TRUE, CTC_PRED)), 4.266966, rtol=1e-5)
    np.testing.assert_allclose(_np(g)[1], [
        [0.01996708, 0.19062805, 0.07828252, -0.2888776],
        [-0.15882298, 0.05638713, 0.47449026, -0.3720544],
        [-0.6152364, 0.23885979, 0.41816524, -0.04178861],
        [-0.09248427, 0.34694132, 0.03243232, -0.28688943],
        [-0.09138662, 0.47583562, 0.14048102, -0.52492994]], rtol=1e-4, atol=1e-6)


def test_ctc_loss_class_equals_tf_nn_ctc_loss_with_blank_zero():
    label_length = (CTC_TRUE != 0).sum(-1)
    want = tf.nn.ctc_loss(CTC_TRUE, tf.constant(CTC_PRED), label_length, np.full(3, 5),
                          logits_time_major=False, blank_index=0)
    np.testing.assert_array_equal(_np(losses.ctc(CTC_TRUE, CTC_PRED)), _np(want))
    # float labels (as Loss.__call__ / fit may pass them) read the same
    np.testing.assert_array_equal(_np(losses.ctc(CTC_TRUE.astype(np.float32), CTC_PRED)),
                                  _np(want))


def test_ctc_sample_weight_and_reductions():
    values = _np(losses.ctc(CTC_TRUE, CTC_PRED))
    sw = np.array([1.0, 0.0, 2.0], np.float32)
    got = losses.CTC(reduction="sum")(CTC_TRUE, CTC_PRED, sample_weight=sw)
    np.testing.assert_allclose(_np(got), (values * sw).sum(), rtol=1e-6)
    got = losses.CTC(reduction="mean_with_sample_weight")(CTC_TRUE, CTC_PRED, sample_weight=sw)
    np.testing.assert_allclose(_np(got), (values * sw).sum() / sw.sum(), rtol=1e-6)


def test_ctc_shape_errors():
    with pytest.raises(ValueError, match=r"ctc: `y_true` must be integer labels of shape "
                                         r"\(batch_size, max_length\), padded with 0"):
        losses.ctc(CTC_TRUE[:, :, None], CTC_PRED)
    with pytest.raises(ValueError, match=r"ctc: `y_pred` must be logits of shape "
                                         r"\(batch_size, frames, num_classes\)"):
        losses.ctc(CTC_TRUE, CTC_PRED[:, 0])
    with pytest.raises(ValueError, match="ctc: y_true has 2 sequences but y_pred has 3"):
        losses.ctc(CTC_TRUE[:2], CTC_PRED)


# ---- configs, names, compile ------------------------------------------------------------------

# get_config of each class with its defaults, as real Keras 3.15 returns it
KERAS_CONFIGS = {
    "Dice": {"name": "dice", "reduction": "sum_over_batch_size", "axis": None},
    "Tversky": {"name": "tversky", "reduction": "sum_over_batch_size", "alpha": 0.5,
                "beta": 0.5, "axis": None},
    "CategoricalGeneralizedCrossEntropy": {
        "name": "categorical_generalized_cross_entropy",
        "reduction": "sum_over_batch_size", "q": 0.5},
    "Circle": {"name": "circle", "reduction": "sum_over_batch_size", "gamma": 80.0,
               "margin": 0.4, "remove_diagonal": True},
    "CTC": {"name": "ctc", "reduction": "sum_over_batch_size"},
}


@pytest.mark.parametrize("name", sorted(KERAS_CONFIGS))
def test_default_configs_match_keras(name):
    assert getattr(losses, name)().get_config() == KERAS_CONFIGS[name]


@pytest.mark.parametrize("loss", [
    losses.Dice(axis=(1, 2), reduction="sum", name="d"),
    losses.Tversky(0.2, 0.8, "none", "tv", -1),
    losses.CategoricalGeneralizedCrossEntropy(q=0.7, reduction="mean_with_sample_weight"),
    losses.Circle(gamma=3.0, margin=0.1, remove_diagonal=False, reduction="sum"),
    losses.CTC(reduction="none", name="my_ctc"),
], ids=lambda l: type(l).__name__)
def test_config_round_trips(loss):
    config = loss.get_config()
    again = type(loss).from_config(config)
    assert type(again) is type(loss) and again.get_config() == config
    restored = losses.deserialize(losses.serialize(loss))
    assert type(restored) is type(loss) and restored.get_config() == config


def test_names_resolve():
    for fn in ("dice", "tversky", "circle", "ctc", "categorical_generalized_cross_entropy"):
        assert losses.get(fn) is getattr(losses, fn)
    for cls in ("Dice", "Tversky", "Circle", "CTC", "CategoricalGeneralizedCrossEntropy"):
        assert type(losses.get(cls)) is getattr(losses, cls)
    assert tf.keras.losses.Dice is losses.Dice


def _fit(loss, x, y, model, epochs=10):
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss=loss)
    first = model.evaluate(x, y, verbose=0)
    model.fit(x, y, epochs=epochs, batch_size=16, verbose=0)
    return first, model.evaluate(x, y, verbose=0)


@pytest.mark.parametrize("loss", ["dice", "tversky", losses.Dice(axis=-1),
                                  losses.Tversky(alpha=0.3, beta=0.7, axis=-1)],
                         ids=["dice", "tversky", "Dice-axis", "Tversky-axis"])
def test_overlap_losses_train_in_compile(loss):
    keras.utils.set_random_seed(1)
    x = RNG.normal(size=(64, 6)).astype(np.float32)
    y = (x[:, :2] > 0).astype(np.float32)
    model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(2, activation="sigmoid")])
    first, last = _fit(loss, x, y, model)
    assert last < 0.8 * first


@pytest.mark.parametrize("loss", ["categorical_generalized_cross_entropy",
                                  losses.CategoricalGeneralizedCrossEntropy(q=0.3)],
                         ids=["name", "class"])
def test_generalized_cross_entropy_trains_in_compile(loss):
    keras.utils.set_random_seed(2)
    x = RNG.normal(size=(64, 6)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64) + (x[:, 1] > 0)
    model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(3, activation="softmax")])
    first, last = _fit(loss, x, y, model)
    assert last < 0.7 * first


def test_circle_trains_in_compile():
    keras.utils.set_random_seed(3)
    x = RNG.normal(size=(64, 6)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64) + 2 * (x[:, 1] > 0)
    model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(4),
                              keras.layers.UnitNormalization()])
    first, last = _fit(losses.Circle(gamma=16.0), x, y, model)
    assert last < 0.7 * first


def test_ctc_trains_in_compile_and_survives_saving(tmp_path):
    keras.utils.set_random_seed(4)
    B, T, F, C = 32, 8, 5, 4
    x = RNG.normal(size=(B, T, F)).astype(np.float32)
    y = np.zeros((B, 3), np.int64)
    for b in range(B):
        n = int(RNG.integers(1, 4))
        y[b, :n] = RNG.integers(1, C, size=n)
    model = keras.Sequential([keras.Input((T, F)), keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dense(C)])
    first, last = _fit(losses.CTC(), x, y, model, epochs=12)
    assert last < 0.8 * first
    path = str(tmp_path / "ctc.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    assert isinstance(loaded.loss, losses.CTC)
    np.testing.assert_allclose(loaded.evaluate(x, y, verbose=0), last, rtol=1e-6)
