"""More built-in metrics: intersection-over-union (``IoU``, ``MeanIoU``, ``BinaryIoU``,
``OneHotIoU``, ``OneHotMeanIoU``), correlations (``PearsonCorrelation``,
``ConcordanceCorrelation``) and the constrained operating-point metrics
(``PrecisionAtRecall``, ``RecallAtPrecision``, ``SensitivityAtSpecificity``,
``SpecificityAtSensitivity``).

All state is kept in NumPy arrays behind ``add_variable``; the update steps are plain
vectorised NumPy (``np.bincount`` for the confusion matrices and threshold buckets).
"""
import numbers
import warnings

import numpy as np

from ndflow.backend import dtypes as _dt
from ndflow.keras.metrics.base import Metric, MeanMetricWrapper, _arr, _snake, _wrap
from ndflow.keras.metrics.metrics import ALL_OBJECTS, _public

EPSILON = 1e-7


def _result_dtype():
    return _dt.as_dtype(_dt.floatx())._np


# ---- intersection over union ----------------------------------------------------------------

def _check_num_classes(owner, num_classes):
    if isinstance(num_classes, bool) or not isinstance(num_classes, numbers.Integral) or \
            num_classes < 1:
        raise ValueError("%s: num_classes must be an integer >= 1 (the number of labels the "
                         "confusion matrix counts), got %r." % (owner, num_classes))
    return int(num_classes)


def _check_target_ids(owner, target_class_ids, num_classes):
    if isinstance(target_class_ids, (str, bytes)) or not hasattr(target_class_ids, "__iter__"):
        raise TypeError("%s: target_class_ids must be a list or tuple of class indices, got "
                        "%r. For a single class write target_class_ids=[%r]."
                        % (owner, target_class_ids, target_class_ids))
    ids = list(target_class_ids)
    if not ids:
        raise ValueError("%s: target_class_ids is empty; give at least one class index in "
                         "[0, %d)." % (owner, num_classes))
    out = []
    for i in ids:
        if isinstance(i, bool) or not isinstance(i, numbers.Integral):
            raise TypeError("%s: target_class_ids must hold integers, got %r in %r."
                            % (owner, i, ids))
        if not -num_classes <= i < num_classes:
            raise ValueError("%s: target class id %d is out of range; with num_classes=%d the "
                             "ids must be in [0, %d)." % (owner, i, num_classes, num_classes))
        out.append(int(i))
    return out


def _flat_weights(owner, sample_weight, labels_shape, n):
    """Per-element weights (flat, float64) for ``n`` flattened labels of ``labels_shape``.

    Accepted: a scalar, any array with exactly ``n`` elements (read in row-major order, as
    Keras does), or per-sample weights whose shape is a prefix of ``labels_shape`` (each
    weight repeated over that sample's elements)."""
    sw = np.asarray(_arr(sample_weight), dtype=np.float64)
    if sw.size == n:
        return sw.reshape(-1)
    if sw.size == 1:
        return np.full(n, sw.reshape(()))
    if sw.ndim <= len(labels_shape) and tuple(labels_shape[:sw.ndim]) == sw.shape:
        sw = sw.reshape(sw.shape + (1,) * (len(labels_shape) - sw.ndim))
        return np.broadcast_to(sw, labels_shape).reshape(-1)
    raise ValueError("%s: sample_weight of shape %s does not fit labels of shape %s; give one "
                     "weight per label element, one per sample (shape %s) or a scalar."
                     % (owner, sw.shape, tuple(labels_shape), tuple(labels_shape[:1])))


class _IoUBase(Metric):
    """Accumulates a ``(num_classes, num_classes)`` confusion matrix (rows: true class,
    columns: predicted class) and reads the IoU of the ``target_class_ids`` from it."""

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None,
                 sparse_y_true=True, sparse_y_pred=True, axis=-1):
        owner = type(self).__name__
        num_classes = _check_num_classes(owner, num_classes)
        # as in Keras, the matrix is counted in int64 unless a dtype is given; float sample
        # weights are then truncated to integers
        super().__init__(name=name, dtype=dtype if dtype is not None else "int64")
        if ignore_class is not None and (isinstance(ignore_class, bool) or
                                         not isinstance(ignore_class, numbers.Integral)):
            raise TypeError("%s: ignore_class must be an integer label or None, got %r."
                            % (owner, ignore_class))
        if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
            raise TypeError("%s: axis must be an integer, got %r." % (owner, axis))
        self.num_classes = num_classes
        self.ignore_class = None if ignore_class is None else int(ignore_class)
        self.sparse_y_true = bool(sparse_y_true)
        self.sparse_y_pred = bool(sparse_y_pred)
        self.axis = int(axis)
        self._warned_int_weights = False
        self.total_cm = self.add_variable(shape=(num_classes, num_classes),
                                          name="total_confusion_matrix")

    def _labels(self, y_true, y_pred):
        """Flat integer labels (true, predicted) and the shape of the label array."""
        owner = type(self).__name__
        t = _arr(y_true)
        p = _arr(y_pred)
        if not self.sparse_y_true:
            if t.ndim == 0:
                raise ValueError("%s: sparse_y_true=False needs one-hot / score y_true with a "
                                 "class axis, got a scalar." % owner)
            t = np.argmax(t, axis=self.axis)
        if not self.sparse_y_pred:
            if p.ndim == 0:
                raise ValueError("%s: sparse_y_pred=False needs class scores in y_pred with a "
                                 "class axis, got a scalar." % owner)
            p = np.argmax(p, axis=self.axis)
        if t.size != p.size:
            hint = ""
            if self.sparse_y_pred and p.size == t.size * self.num_classes:
                hint = (" y_pred looks like per-class scores: pass sparse_y_pred=False (or use "
                        "OneHotMeanIoU / OneHotIoU) so that its argmax is taken.")
            elif self.sparse_y_true and t.size == p.size * self.num_classes:
                hint = " y_true looks one-hot: pass sparse_y_true=False."
            raise ValueError("%s: y_true and y_pred hold different numbers of labels (shapes "
                             "%s and %s after any argmax).%s"
                             % (owner, t.shape, p.shape, hint))
        shape = t.shape
        return self._to_int(t.reshape(-1)), self._to_int(p.reshape(-1)), shape

    @staticmethod
    def _to_int(a):
        if a.dtype.kind in "iu":
            return a.astype(np.int64, copy=False)
        if a.dtype.kind == "b":
            return a.astype(np.int64)
        # float labels are truncated toward zero, as a cast to an integer dtype does
        return np.nan_to_num(a.astype(np.float64), nan=-1.0, posinf=-1.0,
                             neginf=-1.0).astype(np.int64)

    def _accumulate(self, t, p, shape, sample_weight):
        nc = self.num_classes
        n = t.shape[0]
        keep = (t >= 0) & (t < nc) & (p >= 0) & (p < nc)
        if self.ignore_class is not None:
            keep &= t != self.ignore_class
        var_dt = self.total_cm._value.dtype
        if sample_weight is None:
            w = None
        else:
            w = _flat_weights(type(self).__name__, sample_weight, shape, n)
            if var_dt.kind in "iu":
                if not self._warned_int_weights and np.any(w != np.trunc(w)):
                    self._warned_int_weights = True
                    warnings.warn(
                        "%s: the confusion matrix is counted in %s, so fractional sample "
                        "weights are truncated to integers (as in Keras). Create the metric "
                        "with dtype='float32' to count fractional weights."
                        % (type(self).__name__, var_dt.name), stacklevel=3)
                w = np.trunc(w)
        idx = t[keep] * nc + p[keep]
        counts = np.bincount(idx, weights=None if w is None else w[keep], minlength=nc * nc)
        cm = counts.reshape(nc, nc)
        if var_dt.kind in "iu":
            cm = np.rint(cm)
        self.total_cm._value = (self.total_cm._value + cm.astype(var_dt)).astype(var_dt)

    def update_state(self, y_true, y_pred, sample_weight=None):
        t, p, shape = self._labels(y_true, y_pred)
        self._accumulate(t, p, shape, sample_weight)

    def _target_ids(self):
        return list(range(self.num_classes))

    def result(self):
        dt = _result_dtype()
        cm = self.total_cm._value.astype(dt)
        true_per_class = cm.sum(axis=1)
        pred_per_class = cm.sum(axis=0)
        tp = np.diagonal(cm)
        union = true_per_class + pred_per_class - tp
        ids = np.asarray(self._target_ids(), dtype=np.int64)
        tp = tp[ids]
        union = union[ids]
        eps = dt.type(EPSILON)
        num_valid = dt.type(np.count_nonzero(union))
        iou = tp / (union + eps)
        return _wrap(np.asarray(iou.sum(dtype=dt) / (num_valid + eps), dtype=dt))

    def get_config(self):
        return {"name": self.name, "dtype": self._dtype, "num_classes": self.num_classes,
                "ignore_class": self.ignore_class, "sparse_y_true": self.sparse_y_true,
                "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}


class IoU(_IoUBase):
    """Intersection over union of the classes in ``target_class_ids``, averaged:
    IoU_c = TP_c / (TP_c + FP_c + FN_c), counted over everything seen since the last reset.
    Classes that never occur in labels or predictions are left out of the average.

    ``y_true`` / ``y_pred`` are integer class labels (any shape, flattened) unless
    ``sparse_y_true`` / ``sparse_y_pred`` is False, in which case the argmax over ``axis``
    is taken. Labels equal to ``ignore_class`` are skipped."""

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None,
                 sparse_y_true=True, sparse_y_pred=True, axis=-1):
        super().__init__(num_classes, name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=sparse_y_true, sparse_y_pred=sparse_y_pred, axis=axis)
        self.target_class_ids = _check_target_ids(type(self).__name__, target_class_ids,
                                                  self.num_classes)

    def _target_ids(self):
        return self.target_class_ids

    def get_config(self):
        config = super().get_config()
        config["target_class_ids"] = list(self.target_class_ids)
        return config


class MeanIoU(_IoUBase):
    """Mean intersection over union over all ``num_classes`` classes (those that never occur
    in labels or predictions are left out of the mean)."""

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None,
                 sparse_y_true=True, sparse_y_pred=True, axis=-1):
        super().__init__(num_classes, name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=sparse_y_true, sparse_y_pred=sparse_y_pred, axis=axis)


class BinaryIoU(IoU):
    """IoU for binary labels: a prediction counts as class 1 when ``y_pred >= threshold``;
    ``y_true`` is cast to an integer label (0 or 1). ``target_class_ids`` picks the classes
    averaged: (0, 1) both, [1] the foreground only."""

    def __init__(self, target_class_ids=(0, 1), threshold=0.5, name=None, dtype=None):
        if isinstance(threshold, bool) or not isinstance(threshold, numbers.Real):
            raise TypeError("BinaryIoU: threshold must be a number, got %r." % (threshold,))
        super().__init__(num_classes=2, target_class_ids=target_class_ids, name=name,
                         dtype=dtype)
        self.threshold = float(threshold)

    def update_state(self, y_true, y_pred, sample_weight=None):
        t = _arr(y_true)
        p = _arr(y_pred)
        if t.size != p.size:
            raise ValueError("BinaryIoU: y_true and y_pred must hold the same number of "
                             "values, got shapes %s and %s." % (t.shape, p.shape))
        # compared in the float precision Keras uses (floatx), so that a float32 0.7 reaches
        # the threshold 0.7
        fdt = _result_dtype()
        p = (p.astype(fdt) >= fdt.type(self.threshold)).astype(np.int64)
        self._accumulate(self._to_int(t.reshape(-1)), p.reshape(-1), t.shape, sample_weight)

    def get_config(self):
        return {"name": self.name, "dtype": self._dtype,
                "target_class_ids": list(self.target_class_ids), "threshold": self.threshold}


class OneHotIoU(IoU):
    """``IoU`` for one-hot ``y_true`` and per-class scores ``y_pred`` (argmax over ``axis``;
    pass ``sparse_y_pred=True`` if ``y_pred`` already holds class labels)."""

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None,
                 sparse_y_pred=False, axis=-1):
        super().__init__(num_classes, target_class_ids, name=name, dtype=dtype,
                         ignore_class=ignore_class, sparse_y_true=False,
                         sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        config = super().get_config()
        del config["sparse_y_true"]
        return config


class OneHotMeanIoU(MeanIoU):
    """``MeanIoU`` for one-hot ``y_true`` and per-class scores ``y_pred`` (argmax over
    ``axis``; pass ``sparse_y_pred=True`` if ``y_pred`` already holds class labels)."""

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None,
                 sparse_y_pred=False, axis=-1):
        super().__init__(num_classes, name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=False, sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        config = super().get_config()
        del config["sparse_y_true"]
        return config


# ---- correlations ---------------------------------------------------------------------------

def _corr_inputs(name, y_true, y_pred):
    p = y_pred if y_pred.dtype.kind == "f" else y_pred.astype(_dt.floatx())
    t = y_true.astype(p.dtype, copy=False)
    try:
        np.broadcast_shapes(t.shape, p.shape)
    except ValueError:
        raise ValueError("%s: y_true and y_pred must have the same (or broadcastable) shapes, "
                         "got %s and %s." % (name, t.shape, p.shape)) from None
    return t, p


def _pearson_correlation(y_true, y_pred, axis=-1):
    """Pearson's r between y_true and y_pred along ``axis`` (one value per remaining index);
    nan where either side is constant along ``axis``."""
    t, p = _corr_inputs("pearson_correlation", y_true, y_pred)
    tc = t - t.mean(axis=axis, keepdims=True)
    pc = p - p.mean(axis=axis, keepdims=True)
    cov = (tc * pc).mean(axis=axis)
    with np.errstate(divide="ignore", invalid="ignore"):
        return cov / (np.sqrt((tc * tc).mean(axis=axis)) * np.sqrt((pc * pc).mean(axis=axis)))


def _concordance_correlation(y_true, y_pred, axis=-1):
    """Lin's concordance correlation 2 cov / (var_t + var_p + (mean_t - mean_p)^2) along
    ``axis`` (population variances; 1e-7 is added to the denominator)."""
    t, p = _corr_inputs("concordance_correlation", y_true, y_pred)
    mt = t.mean(axis=axis, keepdims=True)
    mp = p.mean(axis=axis, keepdims=True)
    tc = t - mt
    pc = p - mp
    cov = (tc * pc).mean(axis=axis)
    var_t = (tc * tc).mean(axis=axis)
    var_p = (pc * pc).mean(axis=axis)
    d2 = np.squeeze(np.square(mt - mp), axis=axis) if np.ndim(mt) else np.square(mt - mp)
    denom = var_t + var_p + d2 + np.asarray(EPSILON, dtype=cov.dtype)
    return 2 * cov / denom


pearson_correlation = _public(_pearson_correlation, "pearson_correlation")
concordance_correlation = _public(_concordance_correlation, "concordance_correlation")


class _CorrelationMetric(MeanMetricWrapper):
    _fn_public = None
    _default_name = None

    def __init__(self, name=None, dtype=None, axis=-1):
        if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
            raise TypeError("%s: axis must be an integer, got %r." % (type(self).__name__,
                                                                       axis))
        super().__init__(type(self)._fn_public, name=name or self._default_name, dtype=dtype,
                         axis=int(axis))
        self.axis = int(axis)

    def get_config(self):
        return {"name": self.name, "dtype": self._dtype, "axis": self.axis}


class PearsonCorrelation(_CorrelationMetric):
    """Mean, over samples (and batches), of Pearson's correlation between y_true and y_pred
    along ``axis``. Data of shape (batch, 1) gives nan (one value per row), as in Keras: use
    shape (batch,) or (1, batch) to correlate across the batch."""
    _fn_public = staticmethod(pearson_correlation)
    _default_name = "pearson_correlation"

    def __init__(self, name="pearson_correlation", dtype=None, axis=-1):
        super().__init__(name=name, dtype=dtype, axis=axis)


class ConcordanceCorrelation(_CorrelationMetric):
    """Mean, over samples (and batches), of Lin's concordance correlation coefficient
    between y_true and y_pred along ``axis``."""
    _fn_public = staticmethod(concordance_correlation)
    _default_name = "concordance_correlation"

    def __init__(self, name="concordance_correlation", dtype=None, axis=-1):
        super().__init__(name=name, dtype=dtype, axis=axis)


# ---- metrics at a constrained operating point -----------------------------------------------

def _ratio(a, b):
    """a / b, 0 where b == 0."""
    return np.divide(a, b, out=np.zeros_like(a), where=b != 0)


class _AtConstraintBase(Metric):
    """Confusion counts at ``num_thresholds`` evenly spaced thresholds in [0, 1]; the
    result is the best value of one rate over the thresholds where another rate meets
    its target."""
    _target_name = None        # constructor argument holding the target value

    def __init__(self, value, num_thresholds=200, class_id=None, name=None, dtype=None):
        owner = type(self).__name__
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or \
                not 0.0 <= float(value) <= 1.0:
            raise ValueError("%s: %s must be a number in [0, 1], got %r."
                             % (owner, self._target_name, value))
        if isinstance(num_thresholds, bool) or not isinstance(num_thresholds, numbers.Integral):
            raise TypeError("%s: num_thresholds must be an integer > 0, got %r."
                            % (owner, num_thresholds))
        if num_thresholds <= 0:
            raise ValueError("%s: num_thresholds must be an integer > 0, got %r."
                             % (owner, num_thresholds))
        if class_id is not None and (isinstance(class_id, bool) or
                                     not isinstance(class_id, numbers.Integral)):
            raise TypeError("%s: class_id must be an integer column index or None, got %r."
                            % (owner, class_id))
        super().__init__(name=name, dtype=dtype)
        self.value = float(value)
        setattr(self, self._target_name, self.value)
        self.num_thresholds = int(num_thresholds)
        self.class_id = None if class_id is None else int(class_id)
        n = self.num_thresholds
        if n == 1:
            self.thresholds = [0.5]
        else:
            self.thresholds = [0.0] + [(i + 1) / (n - 1) for i in range(n - 2)] + [1.0]
        self.true_positives = self.add_variable(shape=(n,), name="true_positives")
        self.false_positives = self.add_variable(shape=(n,), name="false_positives")
        self.true_negatives = self.add_variable(shape=(n,), name="true_negatives")
        self.false_negatives = self.add_variable(shape=(n,), name="false_negatives")

    def _counts(self, y_true, y_pred, sample_weight):
        owner = type(self).__name__
        t = _arr(y_true)
        p = _arr(y_pred)
        if t.ndim == p.ndim + 1 and t.shape[-1] == 1:
            t = t[..., 0]
        elif p.ndim == t.ndim + 1 and p.shape[-1] == 1:
            p = p[..., 0]
        if t.shape != p.shape:
            raise ValueError("%s: y_true and y_pred must have the same shape, got %s and %s."
                             % (owner, t.shape, p.shape))
        if self.class_id is not None:
            if p.ndim == 0 or not -p.shape[-1] <= self.class_id < p.shape[-1]:
                raise ValueError("%s: class_id=%d is out of range for predictions of shape %s "
                                 "(the last axis holds the classes)."
                                 % (owner, self.class_id, p.shape))
            t = t[..., self.class_id]
            p = p[..., self.class_id]
        positive = t.reshape(-1) != 0
        # predictions are compared in the metric's float precision, clipped to [0, 1]
        fdt = np.dtype(self._dtype) if np.dtype(self._dtype).kind == "f" else np.float32
        pf = np.clip(p.reshape(-1).astype(fdt), fdt.type(0), fdt.type(1))
        # subnormal predictions count as 0, as on backends that flush them to zero
        pf[pf < np.finfo(fdt).tiny] = 0
        n = self.num_thresholds
        if n == 1:
            k = (pf > fdt.type(0.5)).astype(np.int64)
        else:
            # number of thresholds a prediction exceeds: it is above threshold i = i / (n - 1)
            # exactly when p * (n - 1) > i
            k = np.ceil(pf * fdt.type(n - 1)).astype(np.int64)
        if sample_weight is None:
            w = np.ones(pf.shape[0])
        else:
            sw = np.asarray(_arr(sample_weight), dtype=np.float64)
            if sw.ndim == p.ndim + 1 and sw.shape[-1] == 1:
                sw = sw[..., 0]
            while sw.ndim < p.ndim:
                sw = sw[..., None]
            try:
                w = np.broadcast_to(sw, p.shape).reshape(-1)
            except ValueError:
                raise ValueError("%s: sample_weight of shape %s cannot be broadcast to the "
                                 "predictions' shape %s." % (owner, sw.shape, p.shape)) from None
        pos_w = np.bincount(k[positive], weights=w[positive], minlength=n + 1)
        neg_w = np.bincount(k[~positive], weights=w[~positive], minlength=n + 1)
        # counted positive at threshold i when k > i
        tp = pos_w[::-1].cumsum()[::-1][1:n + 1]
        fp = neg_w[::-1].cumsum()[::-1][1:n + 1]
        fn = pos_w.sum() - tp
        tn = neg_w.sum() - fp
        return tp, fp, tn, fn

    def update_state(self, y_true, y_pred, sample_weight=None):
        tp, fp, tn, fn = self._counts(y_true, y_pred, sample_weight)
        for v, d in ((self.true_positives, tp), (self.false_positives, fp),
                     (self.true_negatives, tn), (self.false_negatives, fn)):
            v._value = (v._value + d.astype(v._value.dtype)).astype(v._value.dtype)

    def _rates(self):
        """(constrained rate, rate to maximise) per threshold."""
        raise NotImplementedError

    def result(self):
        constrained, best = self._rates()
        ok = constrained >= self.value
        value = best[ok].max() if ok.any() else 0.0
        return _wrap(np.asarray(value, dtype=_result_dtype()))

    def _float_counts(self):
        return tuple(v._value.astype(np.float64) for v in (
            self.true_positives, self.false_positives, self.true_negatives,
            self.false_negatives))

    def get_config(self):
        return {"name": self.name, "dtype": self._dtype, "num_thresholds": self.num_thresholds,
                "class_id": self.class_id, self._target_name: self.value}


class SensitivityAtSpecificity(_AtConstraintBase):
    """Best sensitivity (recall, TP / (TP + FN)) over the thresholds whose specificity
    (TN / (TN + FP)) is at least ``specificity``; 0 if none is."""
    _target_name = "specificity"

    def __init__(self, specificity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(specificity, num_thresholds, class_id, name, dtype)

    def _rates(self):
        tp, fp, tn, fn = self._float_counts()
        return _ratio(tn, tn + fp), _ratio(tp, tp + fn)


class SpecificityAtSensitivity(_AtConstraintBase):
    """Best specificity (TN / (TN + FP)) over the thresholds whose sensitivity
    (TP / (TP + FN)) is at least ``sensitivity``; 0 if none is."""
    _target_name = "sensitivity"

    def __init__(self, sensitivity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(sensitivity, num_thresholds, class_id, name, dtype)

    def _rates(self):
        tp, fp, tn, fn = self._float_counts()
        return _ratio(tp, tp + fn), _ratio(tn, tn + fp)


class PrecisionAtRecall(_AtConstraintBase):
    """Best precision (TP / (TP + FP)) over the thresholds whose recall (TP / (TP + FN)) is
    at least ``recall``; 0 if none is."""
    _target_name = "recall"

    def __init__(self, recall, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(recall, num_thresholds, class_id, name, dtype)

    def _rates(self):
        tp, fp, tn, fn = self._float_counts()
        return _ratio(tp, tp + fn), _ratio(tp, tp + fp)


class RecallAtPrecision(_AtConstraintBase):
    """Best recall (TP / (TP + FN)) over the thresholds whose precision (TP / (TP + FP)) is
    at least ``precision``; 0 if none is."""
    _target_name = "precision"

    def __init__(self, precision, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(precision, num_thresholds, class_id, name, dtype)

    def _rates(self):
        tp, fp, tn, fn = self._float_counts()
        return _ratio(tp, tp + fp), _ratio(tp, tp + fn)


# ---- registration -----------------------------------------------------------------------------

_CLASSES = [IoU, MeanIoU, BinaryIoU, OneHotIoU, OneHotMeanIoU, PearsonCorrelation,
            ConcordanceCorrelation, PrecisionAtRecall, RecallAtPrecision,
            SensitivityAtSpecificity, SpecificityAtSensitivity]

ALL_OBJECTS.update({c.__name__: c for c in _CLASSES})
ALL_OBJECTS.update({_snake(c.__name__): c for c in _CLASSES})
# the functions win over the snake_case class names, as for 'mean_squared_error'
ALL_OBJECTS.update({"pearson_correlation": pearson_correlation,
                    "concordance_correlation": concordance_correlation})
