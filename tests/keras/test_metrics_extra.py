"""IoU, correlation and operating-point metrics (``MeanIoU``, ``PearsonCorrelation``,
``PrecisionAtRecall`` ...) against NumPy float64 references and hand-worked examples.

Constants marked "real Keras" were produced with Keras 3.15 (TensorFlow backend) on the
inputs shown and pasted in; they pin details such as the 1e-7 epsilon of the IoU average.
"""
import warnings

import numpy as np
import pytest

from ndflow import keras
from ndflow.keras import metrics

rng = np.random.default_rng(11)


def _f(t):
    return float(np.asarray(t.numpy() if hasattr(t, "numpy") else t))


def _np(t):
    return np.asarray(t.numpy() if hasattr(t, "numpy") else t)


# ---- NumPy references ------------------------------------------------------------------------

def _confusion(t, p, nc, w=None):
    t = np.asarray(t).reshape(-1)
    p = np.asarray(p).reshape(-1)
    w = np.ones(t.shape) if w is None else np.broadcast_to(np.asarray(w, float).reshape(-1),
                                                           t.shape)
    cm = np.zeros((nc, nc))
    for a, b, ww in zip(t, p, w):
        if 0 <= a < nc and 0 <= b < nc:
            cm[int(a), int(b)] += ww
    return cm


def _iou_ref(cm, ids=None):
    """Mean IoU of the classes ``ids`` over the classes that occur (float64, Keras' 1e-7)."""
    cm = np.asarray(cm, float)
    ids = list(range(cm.shape[0])) if ids is None else ids
    tp = np.diag(cm)[ids]
    union = (cm.sum(0) + cm.sum(1) - np.diag(cm))[ids]
    return (tp / (union + 1e-7)).sum() / ((union != 0).sum() + 1e-7)


def _rates_ref(t, p, w, n):
    """tp, fp, tn, fn (float64) at the n thresholds i / (n - 1), by direct comparison."""
    th = [0.5] if n == 1 else [i / (n - 1) for i in range(n)]
    t = np.asarray(t).reshape(-1) != 0
    p = np.clip(np.asarray(p, np.float64).reshape(-1), 0, 1)
    w = np.ones(t.shape) if w is None else np.asarray(w, float).reshape(-1)
    out = np.zeros((4, n))
    for i, thr in enumerate(th):
        pos = p > thr
        out[:, i] = [w[pos & t].sum(), w[pos & ~t].sum(), w[~pos & ~t].sum(),
                     w[~pos & t].sum()]
    return out


def _best_ref(counts, which, target):
    """Max of one rate over the thresholds where the other rate >= target (else 0)."""
    tp, fp, tn, fn = counts

    def ratio(a, b):
        return np.array([x / y if y else 0.0 for x, y in zip(a, b)])
    sens, spec, prec = ratio(tp, tp + fn), ratio(tn, tn + fp), ratio(tp, tp + fp)
    constrained, best = {"PrecisionAtRecall": (sens, prec), "RecallAtPrecision": (prec, sens),
                         "SensitivityAtSpecificity": (spec, sens),
                         "SpecificityAtSensitivity": (sens, spec)}[which]
    vals = [b for c, b in zip(constrained, best) if c >= target]
    return max(vals) if vals else 0.0


# ---- IoU --------------------------------------------------------------------------------------

def test_mean_iou_hand_example_and_defaults():
    m = metrics.MeanIoU(num_classes=3)
    assert m.name == "mean_io_u" and m.dtype == "int64"
    m.update_state([0, 1, 2, 1], [0, 1, 1, 2])
    # confusion rows = true class, cols = predicted: IoU_0 = 1, IoU_1 = 1/3, IoU_2 = 0
    np.testing.assert_array_equal(_np(m.total_cm), [[1, 0, 0], [0, 1, 1], [0, 1, 0]])
    assert abs(_f(m.result()) - (1 + 1 / 3 + 0) / 3) < 1e-6
    assert m.result().numpy().dtype == np.float32
    # float predictions with sparse_y_pred=True are truncated to integer labels
    m2 = metrics.MeanIoU(num_classes=3)
    m2.update_state([0, 1, 2, 1], [0.4, 1.9, 1.2, 2.7])
    assert abs(_f(m2.result()) - 0.4444444179534912) < 1e-7   # real Keras
    m.reset_state()
    assert _f(m.result()) == 0.0
    np.testing.assert_array_equal(_np(m.total_cm), np.zeros((3, 3)))


def test_mean_iou_streams_like_one_batch():
    nc = 5
    t = rng.integers(0, nc, 60)
    p = np.where(rng.random(60) < 0.6, t, rng.integers(0, nc, 60))
    w = rng.uniform(0, 2, 60)
    m = metrics.MeanIoU(nc, dtype="float32")
    for s in (slice(0, 13), slice(13, 40), slice(40, 60)):
        m.update_state(t[s], p[s], sample_weight=w[s])
    np.testing.assert_allclose(_np(m.total_cm), _confusion(t, p, nc, w), rtol=1e-5)
    assert abs(_f(m.result()) - _iou_ref(_confusion(t, p, nc, w))) < 1e-5


def test_iou_sample_weights_float_and_truncated_int():
    yt, yp, sw = [0, 1, 2, 1], [0, 1, 1, 2], [0.5, 1.5, 2.7, 1.0]
    m = metrics.MeanIoU(3, dtype="float32")
    m.update_state(yt, yp, sample_weight=sw)
    np.testing.assert_allclose(_np(m.total_cm), _confusion(yt, yp, 3, sw), rtol=1e-6)
    assert abs(_f(m.result()) - 0.42948710918426514) < 1e-6   # real Keras
    # the default int64 matrix truncates the weights (0.5 -> 0, 2.7 -> 2), and says so once
    mi = metrics.MeanIoU(3)
    with pytest.warns(UserWarning, match="truncated to integers"):
        mi.update_state(yt, yp, sample_weight=sw)
    np.testing.assert_array_equal(_np(mi.total_cm), [[0, 0, 0], [0, 1, 1], [0, 2, 0]])
    assert abs(_f(mi.result()) - 0.125) < 1e-7                 # real Keras
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mi.update_state(yt, yp, sample_weight=sw)              # no second warning
        metrics.MeanIoU(3).update_state(yt, yp, sample_weight=[1, 2, 3, 4])   # integral


def test_iou_absent_classes_ignore_class_and_out_of_range_labels():
    m = metrics.MeanIoU(num_classes=4)
    m.update_state([0, 1, 1], [0, 1, 1])       # classes 2 and 3 never occur: left out
    assert abs(_f(m.result()) - 0.9999999403953552) < 1e-7    # real Keras
    ig = metrics.MeanIoU(num_classes=3, ignore_class=0)
    ig.update_state([0, 1, 2, 1], [1, 1, 1, 2])
    np.testing.assert_array_equal(_np(ig.total_cm), [[0, 0, 0], [0, 1, 1], [0, 1, 0]])
    assert abs(_f(ig.result()) - 0.1666666716337204) < 1e-7   # real Keras
    ig2 = metrics.MeanIoU(num_classes=3, ignore_class=-1)
    ig2.update_state([-1, 1, 2, 1], [1, 1, 1, 2])
    np.testing.assert_array_equal(_np(ig2.total_cm), _np(ig.total_cm))
    oob = metrics.MeanIoU(num_classes=2)
    oob.update_state([0, 2, -1, 1], [0, 1, 1, 5])   # pairs with a label outside [0, 2) drop
    np.testing.assert_array_equal(_np(oob.total_cm), [[1, 0], [0, 0]])


def test_iou_target_classes_dense_inputs_and_axis():
    m = metrics.IoU(num_classes=3, target_class_ids=[0, 2])
    m.update_state([[0, 1], [2, 1]], [[0, 1], [1, 2]])
    assert abs(_f(m.result()) - 0.4999999403953552) < 1e-7    # real Keras
    neg = metrics.IoU(num_classes=3, target_class_ids=[-1])   # -1 is the last class
    neg.update_state([0, 1, 2], [0, 2, 2])
    assert abs(_f(neg.result()) - 0.5) < 1e-6
    yt = np.eye(3)[[0, 1, 2]]
    yp = np.array([[.5, .3, .2], [.1, .1, .8], [.2, .2, .6]])
    d = metrics.MeanIoU(num_classes=3, sparse_y_true=False, sparse_y_pred=False)
    d.update_state(yt, yp)
    np.testing.assert_array_equal(_np(d.total_cm), [[1, 0, 0], [0, 0, 1], [0, 0, 1]])
    assert abs(_f(d.result()) - _iou_ref(_np(d.total_cm))) < 1e-6
    oh = metrics.OneHotIoU(num_classes=3, target_class_ids=[0, 2])
    oh.update_state(yt, yp)
    assert abs(_f(oh.result()) - 0.7499999403953552) < 1e-7   # real Keras
    ohm = metrics.OneHotMeanIoU(num_classes=3, sparse_y_pred=True)
    ohm.update_state(yt, [0, 2, 2])
    assert abs(_f(ohm.result()) - 0.4999999701976776) < 1e-7  # real Keras
    ohw = metrics.OneHotMeanIoU(num_classes=3, dtype="float32")
    ohw.update_state(yt, yp, sample_weight=[1, 2, 3])
    assert abs(_f(ohw.result()) - 0.5333333015441895) < 1e-7  # real Keras
    ohi = metrics.OneHotMeanIoU(num_classes=3, ignore_class=1)
    ohi.update_state(yt, yp)
    assert abs(_f(ohi.result()) - 0.9999998807907104) < 1e-7  # real Keras
    ax = metrics.OneHotMeanIoU(num_classes=3, axis=0)          # classes along axis 0
    ax.update_state(yt.T, yp.T)
    np.testing.assert_array_equal(_np(ax.total_cm), _np(d.total_cm))


def test_iou_segmentation_masks_and_per_sample_weights():
    nc, b = 4, 3
    t = rng.integers(0, nc, (b, 5, 6))
    scores = rng.random((b, 5, 6, nc))
    p = scores.argmax(-1)
    pixel_w = rng.uniform(0, 2, (b, 5, 6))
    m = metrics.MeanIoU(nc, sparse_y_pred=False, dtype="float32")
    m.update_state(t, scores, sample_weight=pixel_w)
    np.testing.assert_allclose(_np(m.total_cm), _confusion(t, p, nc, pixel_w), rtol=1e-5)
    # one weight per image is repeated over its pixels
    per_image = np.array([0.5, 2.0, 1.0])
    m1 = metrics.MeanIoU(nc, sparse_y_pred=False, dtype="float32")
    m1.update_state(t, scores, sample_weight=per_image)
    full = np.broadcast_to(per_image[:, None, None], t.shape)
    np.testing.assert_allclose(_np(m1.total_cm), _confusion(t, p, nc, full), rtol=1e-5)
    assert abs(_f(m1.result()) - _iou_ref(_confusion(t, p, nc, full))) < 1e-5


def test_binary_iou():
    m = metrics.BinaryIoU()
    assert m.name == "binary_io_u" and m.target_class_ids == [0, 1] and m.threshold == 0.5
    m.update_state([0, 1, 1, 0], [0.5, 0.49, 0.51, 0.2])    # y_pred >= threshold -> class 1
    np.testing.assert_array_equal(_np(m.total_cm), [[1, 1], [1, 1]])
    assert abs(_f(m.result()) - 0.3333333432674408) < 1e-7   # real Keras
    fg = metrics.BinaryIoU(target_class_ids=[1], threshold=0.3, dtype="float32")
    fg.update_state([0, 1, 1, 0], [0.3, 0.29, 0.51, 0.2], sample_weight=[0.2, 0.3, 1.0, 0.4])
    np.testing.assert_allclose(_np(fg.total_cm), [[0.4, 0.2], [0.3, 1.0]], rtol=1e-6)
    assert abs(_f(fg.result()) - 1.0 / 1.5) < 1e-6
    # the comparison is made in float32: a float32 0.7 (0.69999999) reaches threshold 0.7,
    # as in real Keras (confusion matrix [[0, 0], [0, 2]]), for float32 and float64 input
    for dt in ("float32", "float64"):
        th = metrics.BinaryIoU(threshold=0.7)
        th.update_state([1, 1], np.array([0.7, 0.7], dt))
        np.testing.assert_array_equal(_np(th.total_cm), [[0, 0], [0, 2]])
    # y_true is cast to an integer label: 0.7 -> 0
    tr = metrics.BinaryIoU(dtype="float32")
    tr.update_state([0, 0.7, 1.0, 0.2], [0.3, 0.29, 0.51, 0.6])
    assert abs(_f(tr.result()) - 0.5833333730697632) < 1e-7  # real Keras
    # 2-D masks with a weight per pixel, streamed over two batches
    t = rng.integers(0, 2, (6, 4))
    p = rng.random((6, 4))
    w = rng.uniform(0, 2, (6, 4))
    s = metrics.BinaryIoU(dtype="float32")
    s.update_state(t[:2], p[:2], sample_weight=w[:2])
    s.update_state(t[2:], p[2:], sample_weight=w[2:])
    cm = _confusion(t, (p >= 0.5).astype(int), 2, w)
    assert abs(_f(s.result()) - _iou_ref(cm)) < 1e-5


def test_iou_configs_round_trip():
    for m in [metrics.MeanIoU(3, ignore_class=0, sparse_y_pred=False, name="miou"),
              metrics.IoU(4, [1, 3], dtype="float32", sparse_y_true=False, axis=1),
              metrics.BinaryIoU([1], threshold=0.25),
              metrics.OneHotIoU(3, [2], sparse_y_pred=True),
              metrics.OneHotMeanIoU(5, ignore_class=2)]:
        cfg = m.get_config()
        back = type(m).from_config(cfg)
        assert back.get_config() == cfg
        again = metrics.deserialize(metrics.serialize(m))
        assert type(again) is type(m) and again.get_config() == cfg
    assert metrics.MeanIoU(3).get_config() == {
        "name": "mean_io_u", "dtype": "int64", "num_classes": 3, "ignore_class": None,
        "sparse_y_true": True, "sparse_y_pred": True, "axis": -1}
    assert "sparse_y_true" not in metrics.OneHotMeanIoU(3).get_config()
    assert metrics.BinaryIoU().get_config() == {"name": "binary_io_u", "dtype": "int64",
                                                "target_class_ids": [0, 1], "threshold": 0.5}


def test_iou_bad_arguments():
    with pytest.raises(ValueError, match="num_classes must be an integer >= 1"):
        metrics.MeanIoU(num_classes=0)
    with pytest.raises(ValueError, match="out of range"):
        metrics.IoU(num_classes=3, target_class_ids=[3])
    with pytest.raises(ValueError, match="target_class_ids is empty"):
        metrics.IoU(num_classes=3, target_class_ids=[])
    with pytest.raises(TypeError, match=r"target_class_ids=\[1\]"):
        metrics.IoU(num_classes=3, target_class_ids=1)
    with pytest.raises(ValueError, match="out of range"):
        metrics.BinaryIoU(target_class_ids=[2])
    m = metrics.MeanIoU(num_classes=3)
    with pytest.raises(ValueError, match="sparse_y_pred=False"):
        m.update_state([0, 1, 2], [[.5, .3, .2], [.1, .1, .8], [.2, .2, .6]])
    with pytest.raises(ValueError, match="sample_weight of shape"):
        m.update_state([[0, 1], [2, 1]], [[0, 1], [1, 2]], sample_weight=[1.0, 2.0, 3.0])


# ---- correlations ---------------------------------------------------------------------------

def _pearson_rows(t, p):
    return np.array([np.corrcoef(a, b)[0, 1] for a, b in zip(t, p)])


def _ccc_rows(t, p):
    out = []
    for a, b in zip(t, p):
        cov = np.mean((a - a.mean()) * (b - b.mean()))
        out.append(2 * cov / (a.var() + b.var() + (a.mean() - b.mean()) ** 2 + 1e-7))
    return np.array(out)


def test_correlation_functions():
    t = rng.normal(size=(5, 7))
    p = t + rng.normal(size=(5, 7))
    np.testing.assert_allclose(_np(metrics.pearson_correlation(t, p)), _pearson_rows(t, p),
                               rtol=1e-10)
    np.testing.assert_allclose(_np(metrics.pearson_correlation(t, p, axis=0)),
                               _pearson_rows(t.T, p.T), rtol=1e-10)
    np.testing.assert_allclose(_np(metrics.concordance_correlation(t, p)), _ccc_rows(t, p),
                               rtol=1e-10)
    # a constant side: Pearson is undefined (nan), concordance is 0 (the 1e-7 in the
    # denominator), as in Keras
    assert np.isnan(_f(metrics.pearson_correlation(np.ones(4), np.arange(4.0))))
    assert _f(metrics.concordance_correlation(np.ones(4), np.ones(4))) == 0.0
    # small scales show the 1e-7: real Keras gives 0.16216216 for these
    a = np.array([[0.0, 1, 2]]) * 1e-4
    b = np.array([[0.0, 1, 3]]) * 1e-4
    assert abs(_f(metrics.concordance_correlation(a, b)[0]) - 0.16216216) < 1e-6
    assert abs(_f(metrics.pearson_correlation(a, b)[0]) - 0.98198051) < 1e-6


def test_correlation_metrics_stream_weights_and_reset():
    t = rng.normal(size=(12, 6)).astype("float32")
    p = (0.8 * t + rng.normal(size=(12, 6)) * 0.5).astype("float32")
    w = rng.uniform(0, 2, 12)
    for cls, ref in ((metrics.PearsonCorrelation, _pearson_rows),
                     (metrics.ConcordanceCorrelation, _ccc_rows)):
        m = cls()
        m.update_state(t[:5], p[:5], sample_weight=w[:5])
        m.update_state(t[5:], p[5:], sample_weight=w[5:])
        r = ref(t.astype(float), p.astype(float))
        assert abs(_f(m.result()) - (r * w).sum() / w.sum()) < 1e-5, cls.__name__
        m.reset_state()
        assert _f(m.result()) == 0.0
        m.update_state(t, p)
        assert abs(_f(m.result()) - r.mean()) < 1e-5
        # a 1-D batch is one series: one correlation, counted once
        one = cls()
        one.update_state(t[:, 0], p[:, 0])
        one.update_state(t[:, 1], p[:, 1])
        want = ref(t[:, :2].T.astype(float), p[:, :2].T.astype(float)).mean()
        assert abs(_f(one.result()) - want) < 1e-5
        ax = cls(axis=0)
        ax.update_state(t, p)
        assert abs(_f(ax.result()) - ref(t.T.astype(float), p.T.astype(float)).mean()) < 1e-5
    assert metrics.PearsonCorrelation().name == "pearson_correlation"
    assert metrics.ConcordanceCorrelation(axis=0).get_config() == {
        "name": "concordance_correlation", "dtype": "float32", "axis": 0}
    c = metrics.PearsonCorrelation(name="pc", axis=1)
    assert metrics.PearsonCorrelation.from_config(c.get_config()).get_config() == \
        c.get_config()
    with pytest.raises(ValueError, match="same .*shapes"):
        metrics.PearsonCorrelation().update_state(np.ones((2, 3)), np.ones((2, 4)))
    with pytest.raises(TypeError, match="axis must be an integer"):
        metrics.ConcordanceCorrelation(axis="x")


# ---- operating-point metrics ------------------------------------------------------------------

AT_METRICS = [("PrecisionAtRecall", "recall"), ("RecallAtPrecision", "precision"),
              ("SensitivityAtSpecificity", "specificity"),
              ("SpecificityAtSensitivity", "sensitivity")]


def test_at_metric_thresholds_and_counts():
    m = metrics.PrecisionAtRecall(0.5, num_thresholds=5)
    assert m.thresholds == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert metrics.PrecisionAtRecall(0.5, num_thresholds=1).thresholds == [0.5]
    assert len(metrics.PrecisionAtRecall(0.5).thresholds) == 200
    # a prediction counts as positive at threshold t when it is > t, after clipping to
    # [0, 1]: 0 is never positive, 1 is positive at every threshold but the last
    m.update_state([1, 1, 1, 1, 0], [0.0, 0.25, 1.0, 1.5, -0.2])
    np.testing.assert_array_equal(_np(m.true_positives), [3, 2, 2, 2, 0])
    np.testing.assert_array_equal(_np(m.false_negatives), [1, 2, 2, 2, 4])
    np.testing.assert_array_equal(_np(m.false_positives), [0, 0, 0, 0, 0])
    np.testing.assert_array_equal(_np(m.true_negatives), [1, 1, 1, 1, 1])
    # float32 0.3 (0.30000001) is not above the threshold 3/10, as in real Keras
    m11 = metrics.PrecisionAtRecall(0.5, num_thresholds=11)
    m11.update_state([1.0], np.float32([0.3]))
    np.testing.assert_array_equal(_np(m11.true_positives), [1, 1, 1] + [0] * 8)
    # class_id picks a column; real Keras: result 1.0, tp [2, 1, 0], fn [0, 1, 2]
    c = metrics.PrecisionAtRecall(0.5, num_thresholds=3, class_id=1)
    c.update_state([[0, 1], [1, 1]], [[0.2, 0.8], [0.3, 0.1]])
    np.testing.assert_array_equal(_np(c.true_positives), [2, 1, 0])
    np.testing.assert_array_equal(_np(c.false_negatives), [0, 1, 2])
    assert _f(c.result()) == 1.0


def test_at_metrics_real_keras_values():
    yt = np.array([0, 1, 1, 0, 1.0])
    yp = np.array([0.1, 0.7, 0.4, 0.8, 0.9], "float32")
    for cls, kwargs, want in [            # results of real Keras on (yt, yp)
            (metrics.SensitivityAtSpecificity, dict(specificity=0.0, num_thresholds=2), 1.0),
            (metrics.SensitivityAtSpecificity, dict(specificity=0.5, num_thresholds=2), 0.0),
            (metrics.SensitivityAtSpecificity, dict(specificity=1.0, num_thresholds=5), 0.0),
            (metrics.SpecificityAtSensitivity, dict(sensitivity=1.0, num_thresholds=5), 0.5),
            (metrics.SpecificityAtSensitivity, dict(sensitivity=1.0, num_thresholds=2), 0.0),
            (metrics.SpecificityAtSensitivity, dict(sensitivity=0.9, num_thresholds=5), 0.5),
            (metrics.PrecisionAtRecall, dict(recall=1.0, num_thresholds=5), 0.75),
            (metrics.RecallAtPrecision, dict(precision=1.0, num_thresholds=5), 0.0)]:
        m = cls(**kwargs)
        m.update_state(yt, yp)
        assert abs(_f(m.result()) - want) < 1e-7, (cls.__name__, kwargs)


@pytest.mark.parametrize("name,arg", AT_METRICS)
def test_at_metrics_stream_with_weights_against_reference(name, arg):
    cls = getattr(metrics, name)
    for n, target, class_id in [(200, 0.6, None), (13, 0.35, 2), (2, 0.5, None),
                                (1, 0.4, 0)]:
        t = rng.integers(0, 2, (40, 3)).astype("float32")
        # odd multiples of 1/1024 are never within float32 rounding of a threshold
        # i / (n - 1) (n - 1 = 199, 12, 1), so comparing in float64 is an exact reference
        p = ((2 * rng.integers(0, 512, (40, 3)) + 1) / 1024).astype("float32")
        w = rng.uniform(0, 2, 40)
        m = cls(target, num_thresholds=n, class_id=class_id)
        for s in (slice(0, 7), slice(7, 25), slice(25, 40)):
            m.update_state(t[s], p[s], sample_weight=w[s])
        if class_id is None:
            tt, pp, ww = t, p, np.broadcast_to(w[:, None], t.shape)
        else:
            tt, pp, ww = t[:, class_id], p[:, class_id], w
        counts = _rates_ref(tt, pp, ww, n)
        got = np.stack([_np(v) for v in (m.true_positives, m.false_positives,
                                         m.true_negatives, m.false_negatives)])
        np.testing.assert_allclose(got, counts, rtol=1e-5, atol=1e-4)
        assert abs(_f(m.result()) - _best_ref(counts, name, target)) < 1e-6, (n, class_id)
        m.reset_state()
        assert _f(m.result()) == 0.0
        assert not any(_np(v).any() for v in m.variables)


@pytest.mark.parametrize("name,arg", AT_METRICS)
def test_at_metrics_config_and_errors(name, arg):
    cls = getattr(metrics, name)
    m = cls(0.4, num_thresholds=10, class_id=2)
    cfg = m.get_config()
    assert cfg == {"name": m.name, "dtype": "float32", "num_thresholds": 10, "class_id": 2,
                   arg: 0.4}
    assert m.name == {"PrecisionAtRecall": "precision_at_recall",
                      "RecallAtPrecision": "recall_at_precision",
                      "SensitivityAtSpecificity": "sensitivity_at_specificity",
                      "SpecificityAtSensitivity": "specificity_at_sensitivity"}[name]
    assert cls.from_config(cfg).get_config() == cfg
    assert getattr(cls(0.7), arg) == 0.7
    with pytest.raises(ValueError, match=r"%s must be a number in \[0, 1\]" % arg):
        cls(1.1)
    with pytest.raises(ValueError, match=r"%s must be a number in \[0, 1\]" % arg):
        cls(-0.1)
    with pytest.raises(ValueError, match="num_thresholds must be an integer > 0"):
        cls(0.5, num_thresholds=0)
    with pytest.raises(TypeError, match="num_thresholds must be an integer > 0"):
        cls(0.5, num_thresholds=2.5)
    with pytest.raises(ValueError, match="class_id=3 is out of range"):
        cls(0.5, class_id=3).update_state(np.ones((2, 3)), np.ones((2, 3)))
    with pytest.raises(ValueError, match="same shape"):
        cls(0.5).update_state(np.ones((2, 3)), np.ones((2, 4)))


# ---- inside compile / fit -------------------------------------------------------------------

def test_metrics_in_compile_fit_and_evaluate():
    x = rng.normal(size=(64, 5)).astype("float32")
    y = (x[:, :1] + 0.5 * rng.normal(size=(64, 1)) > 0).astype("float32")
    model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile("adam", "binary_crossentropy",
                  metrics=[metrics.BinaryIoU(target_class_ids=[1]),
                           metrics.PrecisionAtRecall(0.5), metrics.RecallAtPrecision(0.6),
                           metrics.SensitivityAtSpecificity(0.5, name="sens"),
                           metrics.SpecificityAtSensitivity(0.5)])
    hist = model.fit(x, y, epochs=2, batch_size=16, verbose=0, validation_split=0.25)
    names = ["binary_io_u", "precision_at_recall", "recall_at_precision", "sens",
             "specificity_at_sensitivity"]
    for n in names:
        assert n in hist.history and "val_" + n in hist.history
        assert len(hist.history[n]) == 2 and np.all(np.isfinite(hist.history[n]))
    got = model.evaluate(x, y, batch_size=16, verbose=0, return_dict=True)
    pred = model.predict(x, verbose=0)
    for m in (metrics.BinaryIoU(target_class_ids=[1]), metrics.PrecisionAtRecall(0.5),
              metrics.RecallAtPrecision(0.6), metrics.SensitivityAtSpecificity(0.5),
              metrics.SpecificityAtSensitivity(0.5)):
        m.update_state(y, pred)
        key = "sens" if isinstance(m, metrics.SensitivityAtSpecificity) else m.name
        assert abs(got[key] - _f(m.result())) < 1e-6, key


def test_iou_and_correlation_in_compile_with_sample_weights():
    x = rng.normal(size=(48, 4)).astype("float32")
    labels = rng.integers(0, 3, 48)
    sw = rng.uniform(0.5, 2, 48)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
    model.compile("adam", "categorical_crossentropy",
                  metrics=[metrics.OneHotMeanIoU(3, dtype="float32"),
                           metrics.OneHotIoU(3, [0, 2], dtype="float32")],
                  weighted_metrics=[metrics.OneHotMeanIoU(3, dtype="float32", name="w_iou")])
    hist = model.fit(x, np.eye(3)[labels], sample_weight=sw, epochs=1, batch_size=16,
                     verbose=0)
    assert {"one_hot_mean_io_u", "one_hot_io_u", "w_iou"} <= set(hist.history)
    got = model.evaluate(x, np.eye(3)[labels], sample_weight=sw, batch_size=16, verbose=0,
                         return_dict=True)
    pred = model.predict(x, verbose=0).argmax(-1)
    assert abs(got["w_iou"] - _iou_ref(_confusion(labels, pred, 3, sw))) < 1e-5
    assert abs(got["one_hot_mean_io_u"] - _iou_ref(_confusion(labels, pred, 3))) < 1e-5

    t = rng.normal(size=(40, 4)).astype("float32")
    reg = keras.Sequential([keras.Input((4,)), keras.layers.Dense(4)])
    reg.compile("sgd", "mse", metrics=["pearson_correlation", "ConcordanceCorrelation"])
    hist = reg.fit(x[:40], t, epochs=1, batch_size=10, verbose=0)
    assert {"pearson_correlation", "ConcordanceCorrelation"} <= set(hist.history)
    got = reg.evaluate(x[:40], t, batch_size=10, verbose=0, return_dict=True)
    out = reg.predict(x[:40], verbose=0).astype(float)
    assert abs(got["pearson_correlation"] - _pearson_rows(t, out).mean()) < 1e-5
    assert abs(got["ConcordanceCorrelation"] - _ccc_rows(t, out).mean()) < 1e-5


def test_names_that_need_arguments_fail_clearly():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    with pytest.raises(ValueError, match=r"MeanIoU\(\) needs num_classes.*MeanIoU\("):
        model.compile("sgd", "mse", metrics=["MeanIoU"])
    with pytest.raises(ValueError, match="needs recall"):
        metrics.get("precision_at_recall")
    assert isinstance(metrics.get("PearsonCorrelation"), metrics.PearsonCorrelation)
    assert metrics.get("concordance_correlation") is metrics.concordance_correlation
    assert isinstance(metrics.get({"class_name": "MeanIoU",
                                   "config": {"num_classes": 4, "name": "m"}}),
                      metrics.MeanIoU)
