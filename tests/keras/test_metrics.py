"""Metrics against values computed by hand / with NumPy."""
import numpy as np
import pytest

import ndflow as tf
from ndflow import keras
from ndflow.keras import metrics

rng = np.random.default_rng(1)


def _f(t):
    return float(np.asarray(t.numpy() if hasattr(t, "numpy") else t))


def test_metric_functions_per_sample():
    y = np.array([2, 0, 1, 1], dtype=np.uint8)
    p = np.array([[.1, .2, .7], [.8, .1, .1], [.5, .3, .2], [.2, .6, .2]], dtype="float32")
    np.testing.assert_array_equal(metrics.sparse_categorical_accuracy(y, p).numpy(), [1, 1, 0, 1])
    np.testing.assert_array_equal(
        metrics.categorical_accuracy(np.eye(3)[y], p).numpy(), [1, 1, 0, 1])
    np.testing.assert_array_equal(metrics.sparse_categorical_accuracy(y[:, None], p).numpy(),
                                  [[1], [1], [0], [1]])
    np.testing.assert_array_equal(
        metrics.sparse_top_k_categorical_accuracy(y, p, k=2).numpy(), [1, 1, 1, 1])
    np.testing.assert_array_equal(
        metrics.top_k_categorical_accuracy(np.eye(3)[[2, 2, 2, 2]], p, k=1).numpy(),
        [1, 0, 0, 0])
    np.testing.assert_array_equal(
        metrics.binary_accuracy(np.array([[1.], [0.], [1.]]),
                                np.array([[.7], [.6], [.2]])).numpy(), [1, 0, 0])
    out = keras.metrics.sparse_categorical_accuracy(tf.constant(y), tf.constant(p))
    assert isinstance(out, tf.Tensor) and out.numpy().dtype == np.float32


def test_accuracy_classes_accumulate_and_reset():
    m = metrics.SparseCategoricalAccuracy()
    assert m.name == "sparse_categorical_accuracy"
    m.update_state([0, 1], [[.9, .1], [.8, .2]])
    assert _f(m.result()) == 0.5
    m.update_state([1], [[.1, .9]], sample_weight=[2.0])
    assert abs(_f(m.result()) - 3 / 4) < 1e-7      # (1 + 0 + 2) / (1 + 1 + 2)
    m.reset_state()
    assert _f(m.result()) == 0.0
    a = metrics.Accuracy()
    a.update_state([1, 2, 3, 4], [1, 2, 0, 4])
    assert _f(a.result()) == 0.75
    b = metrics.BinaryAccuracy(threshold=0.7)
    b.update_state([[1], [1], [0]], [[0.8], [0.6], [0.1]])
    assert abs(_f(b.result()) - 2 / 3) < 1e-6
    c = metrics.CategoricalAccuracy()
    c.update_state(np.eye(3)[[0, 1]], [[.5, .4, .1], [.5, .4, .1]])
    assert _f(c.result()) == 0.5


def test_regression_metrics():
    y = rng.normal(size=(10, 2))
    p = rng.normal(size=(10, 2))
    for cls, ref in [(metrics.MeanSquaredError, np.mean((p - y) ** 2)),
                     (metrics.MeanAbsoluteError, np.mean(np.abs(p - y))),
                     (metrics.RootMeanSquaredError, np.sqrt(np.mean((p - y) ** 2))),
                     (metrics.MeanAbsolutePercentageError,
                      100 * np.mean(np.abs((y - p) / np.abs(y))))]:
        m = cls()
        m.update_state(y[:4], p[:4])
        m.update_state(y[4:], p[4:])
        assert abs(_f(m.result()) - ref) < 1e-4 * max(1, abs(ref)), cls.__name__
    cs = metrics.CosineSimilarity()
    cs.update_state(y, p)
    ref = np.mean((y * p).sum(1) / np.linalg.norm(y, axis=1) / np.linalg.norm(p, axis=1))
    assert abs(_f(cs.result()) - ref) < 1e-5


def test_mean_and_sum():
    m = metrics.Mean()
    m.update_state([1.0, 2.0, 3.0])
    m.update_state(10.0, sample_weight=3.0)
    assert abs(_f(m.result()) - (6 + 30) / 6) < 1e-6
    s = metrics.Sum()
    s.update_state([1.0, 2.0], sample_weight=[1.0, 3.0])
    assert _f(s.result()) == 7.0
    assert _f(metrics.Mean()([4.0, 6.0])) == 5.0     # __call__ = update + result


def test_precision_recall_and_counts():
    y = np.array([1, 0, 1, 1, 0, 0])
    p = np.array([.9, .8, .4, .6, .1, .55])
    pred = p > 0.5
    tp = np.sum(pred & (y == 1))
    fp = np.sum(pred & (y == 0))
    fn = np.sum(~pred & (y == 1))
    pr, rc = metrics.Precision(), metrics.Recall()
    pr.update_state(y, p)
    rc.update_state(y, p)
    assert abs(_f(pr.result()) - tp / (tp + fp)) < 1e-6
    assert abs(_f(rc.result()) - tp / (tp + fn)) < 1e-6
    many = metrics.Precision(thresholds=[0.3, 0.7])
    many.update_state(y, p)
    np.testing.assert_allclose(many.result().numpy(), [3 / 5, 1 / 2], rtol=1e-6)
    tpm = metrics.TruePositives()
    tpm.update_state(y, p)
    assert _f(tpm.result()) == tp
    fnm = metrics.FalseNegatives()
    fnm.update_state(y, p)
    assert _f(fnm.result()) == fn
    top1 = metrics.Precision(top_k=1)
    top1.update_state([[0, 1, 1]], [[0.2, 0.9, 0.5]])
    assert _f(top1.result()) == 1.0


def test_auc_matches_rank_statistic():
    y = rng.integers(0, 2, size=400)
    p = np.clip(0.5 * y + rng.normal(0.25, 0.25, size=400), 0, 1)
    pos, neg = p[y == 1], p[y == 0]
    exact = (np.mean(pos[:, None] > neg[None, :]) + 0.5 * np.mean(pos[:, None] == neg[None, :]))
    m = metrics.AUC(num_thresholds=1000)
    m.update_state(y[:200], p[:200])
    m.update_state(y[200:], p[200:])
    assert abs(_f(m.result()) - exact) < 5e-3
    perfect = metrics.AUC()
    perfect.update_state([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9])
    assert abs(_f(perfect.result()) - 1.0) < 1e-6
    pr = metrics.AUC(curve="PR")
    pr.update_state([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9])
    assert abs(_f(pr.result()) - 1.0) < 1e-2


def test_f1_score():
    y = np.eye(3)[[0, 1, 2, 1, 0, 2, 2]]
    p = np.eye(3)[[0, 1, 1, 1, 2, 2, 0]] * 0.8 + 0.1
    pred = p.argmax(1)
    true = y.argmax(1)
    f1 = []
    for c in range(3):
        tp = np.sum((pred == c) & (true == c))
        fp = np.sum((pred == c) & (true != c))
        fn = np.sum((pred != c) & (true == c))
        prec, rec = tp / (tp + fp), tp / (tp + fn)
        f1.append(2 * prec * rec / (prec + rec))
    m = metrics.F1Score()
    m.update_state(y, p)
    np.testing.assert_allclose(m.result().numpy(), f1, rtol=1e-5)
    mac = metrics.F1Score(average="macro")
    mac.update_state(y, p)
    assert abs(_f(mac.result()) - np.mean(f1)) < 1e-5
    mic = metrics.F1Score(average="micro")
    mic.update_state(y, p)
    assert abs(_f(mic.result()) - np.mean(pred == true)) < 1e-5


def test_r2_score():
    y = rng.normal(size=50)
    p = y + rng.normal(scale=0.3, size=50)
    m = metrics.R2Score()
    m.update_state(y[:, None], p[:, None])
    want = 1 - np.sum((y - p) ** 2) / np.sum((y - y.mean()) ** 2)
    assert abs(_f(m.result()) - want) < 1e-5


def test_custom_metric_subclass_keras2_style():
    class Count(keras.metrics.Metric):
        def __init__(self, name="count_pos", **kwargs):
            super().__init__(name=name, **kwargs)
            self.n = self.add_weight(name="n", initializer="zeros")

        def update_state(self, y_true, y_pred, sample_weight=None):
            self.n.assign_add(tf.reduce_sum(tf.cast(y_pred > 0.5, tf.float32)))

        def result(self):
            return self.n

    m = Count()
    m.update_state([1, 0], tf.constant([0.7, 0.9]))
    assert _f(m.result()) == 2.0
    assert len(m.variables) == 1 and not m.variables[0].trainable
    m.reset_states()
    assert _f(m.result()) == 0.0


def test_get_and_names():
    assert metrics.get("mae") is metrics.mean_absolute_error
    assert isinstance(metrics.get("AUC"), metrics.AUC)
    with pytest.raises(ValueError, match="Valid names"):
        metrics.get("acuracy")
    cfg = metrics.BinaryAccuracy(threshold=0.3).get_config()
    assert cfg["threshold"] == 0.3
    assert metrics.BinaryAccuracy.from_config(cfg).threshold == 0.3


def test_top_k_class_takes_k_first():
    m = metrics.SparseTopKCategoricalAccuracy(1)
    m.update_state([2, 0], [[.1, .2, .7], [.2, .7, .1]])
    assert m.k == 1 and _f(m.result()) == 0.5
    m2 = metrics.TopKCategoricalAccuracy(k=2, name="top2")
    m2.update_state(np.eye(3)[[0]], [[.3, .5, .2]])
    assert m2.name == "top2" and _f(m2.result()) == 1.0
