"""Built-in metrics: per-sample functions (``sparse_categorical_accuracy`` ...) and the
stateful classes (``Accuracy``, ``AUC``, ``Precision``, ``F1Score`` ...).

The accuracy and regression functions have a NumPy implementation (``_numpy_impl``) that
the metric classes call directly on arrays; the public functions wrap it in a Tensor.
"""
import re
import warnings

import numpy as np

from ndflow.backend import dtypes as _dt
from ndflow.keras import losses as _losses
from ndflow.keras.metrics.base import Metric, Mean, Sum, MeanMetricWrapper, _arr, _wrap

EPSILON = 1e-7


def _floatx():
    return _dt.floatx()


def _np_same_rank(t, p):
    """NumPy twin of losses.squeeze_or_expand_to_same_rank."""
    if t.ndim == p.ndim:
        return t, p
    if t.ndim == p.ndim + 1 and t.shape[-1] == 1:
        return (t, p[..., None]) if p.ndim == 1 else (t[..., 0], p)
    if p.ndim == t.ndim + 1 and p.shape[-1] == 1:
        return (t[..., None], p) if t.ndim == 1 else (t, p[..., 0])
    return t, p


def _public(np_fn, name):
    def fn(y_true, y_pred, **kwargs):
        return _wrap(np.asarray(np_fn(_arr(y_true), _arr(y_pred), **kwargs)))
    fn.__name__ = name
    fn.__qualname__ = name
    fn._numpy_impl = np_fn
    fn.__doc__ = np_fn.__doc__
    return fn


# ---- NumPy implementations ------------------------------------------------------------------

def _accuracy(y_true, y_pred):
    """1.0 where y_true == y_pred exactly, else 0.0 (elementwise)."""
    t, p = _np_same_rank(y_true, y_pred)
    return (t == p).astype(_floatx())


def _binary_accuracy(y_true, y_pred, threshold=0.5):
    """Mean over the last axis of (y_pred > threshold) == y_true."""
    t, p = _np_same_rank(y_true, y_pred)
    return ((p > threshold).astype(t.dtype) == t).astype(_floatx()).mean(axis=-1)


def _categorical_accuracy(y_true, y_pred):
    """1.0 where argmax(y_true) == argmax(y_pred)."""
    t = y_true
    if t.ndim == y_pred.ndim - 1:
        # integer labels given to a categorical metric: compare directly
        return (t == y_pred.argmax(axis=-1)).astype(_floatx())
    return (t.argmax(axis=-1) == y_pred.argmax(axis=-1)).astype(_floatx())


def _sparse_categorical_accuracy(y_true, y_pred):
    """1.0 where the integer label equals argmax(y_pred)."""
    t = y_true
    shape = t.shape
    if t.ndim == y_pred.ndim and t.ndim > 0 and t.shape[-1] == 1:
        t = t[..., 0]
    matches = (t == y_pred.argmax(axis=-1)).astype(_floatx())
    return matches.reshape(shape)


def _in_top_k(target, pred, k):
    target = target.astype(np.intp).reshape(-1)
    pred2 = pred.reshape(-1, pred.shape[-1])
    score = pred2[np.arange(pred2.shape[0]), target]
    # ties at the boundary count as inside the top k, as in tf.math.in_top_k
    return (pred2 > score[:, None]).sum(axis=-1) < k


def _top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1.0 where the true class is among the k highest predictions."""
    res = _in_top_k(y_true.argmax(axis=-1), y_pred, k)
    return res.astype(_floatx()).reshape(y_pred.shape[:-1])


def _sparse_top_k_categorical_accuracy(y_true, y_pred, k=5, from_sorted_ids=False):
    """1.0 where the integer label is among the k highest predictions."""
    t = y_true
    if t.ndim == y_pred.ndim and t.shape[-1] == 1:
        t = t[..., 0]
    if from_sorted_ids:
        return (y_pred[..., :k] == t[..., None]).any(axis=-1).astype(_floatx())
    return _in_top_k(t, y_pred, k).astype(_floatx()).reshape(t.shape)


def _prep_reg(y_true, y_pred):
    p = y_pred if y_pred.dtype.kind == "f" else y_pred.astype(_floatx())
    t = y_true.astype(p.dtype, copy=False)
    return _np_same_rank(t, p)


def _mse(y_true, y_pred):
    t, p = _prep_reg(y_true, y_pred)
    return np.square(p - t).mean(axis=-1)


def _mae(y_true, y_pred):
    t, p = _prep_reg(y_true, y_pred)
    return np.abs(p - t).mean(axis=-1)


def _mape(y_true, y_pred):
    t, p = _prep_reg(y_true, y_pred)
    return 100.0 * np.abs((t - p) / np.maximum(np.abs(t), EPSILON)).mean(axis=-1)


def _msle(y_true, y_pred):
    t, p = _prep_reg(y_true, y_pred)
    return np.square(np.log(np.maximum(p, EPSILON) + 1) -
                     np.log(np.maximum(t, EPSILON) + 1)).mean(axis=-1)


accuracy = _public(_accuracy, "accuracy")
binary_accuracy = _public(_binary_accuracy, "binary_accuracy")
categorical_accuracy = _public(_categorical_accuracy, "categorical_accuracy")
sparse_categorical_accuracy = _public(_sparse_categorical_accuracy, "sparse_categorical_accuracy")
top_k_categorical_accuracy = _public(_top_k_categorical_accuracy, "top_k_categorical_accuracy")
sparse_top_k_categorical_accuracy = _public(_sparse_top_k_categorical_accuracy,
                                            "sparse_top_k_categorical_accuracy")
mean_squared_error = _public(_mse, "mean_squared_error")
mean_absolute_error = _public(_mae, "mean_absolute_error")
mean_absolute_percentage_error = _public(_mape, "mean_absolute_percentage_error")
mean_squared_logarithmic_error = _public(_msle, "mean_squared_logarithmic_error")
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error

# loss functions that are also metric functions
binary_crossentropy = _losses.binary_crossentropy
categorical_crossentropy = _losses.categorical_crossentropy
sparse_categorical_crossentropy = _losses.sparse_categorical_crossentropy
binary_focal_crossentropy = _losses.binary_focal_crossentropy
categorical_focal_crossentropy = _losses.categorical_focal_crossentropy
hinge = _losses.hinge
squared_hinge = _losses.squared_hinge
categorical_hinge = _losses.categorical_hinge
kl_divergence = kld = KLD = kullback_leibler_divergence = _losses.kl_divergence
poisson = _losses.poisson
log_cosh = logcosh = _losses.log_cosh
huber = _losses.huber


def cosine_similarity(y_true, y_pred, axis=-1):
    """sum(l2_normalize(y_true) * l2_normalize(y_pred)) (the metric is not negated)."""
    t, p = _prep_reg(_arr(y_true), _arr(y_pred))
    tn = t / np.sqrt(np.maximum((t * t).sum(axis=axis, keepdims=True), 1e-12))
    pn = p / np.sqrt(np.maximum((p * p).sum(axis=axis, keepdims=True), 1e-12))
    return _wrap((tn * pn).sum(axis=axis))


# ---- stateful classes ----------------------------------------------------------------------

def _wrapper_class(fn, cls_name, default_name, params, doc, params_first=False):
    def __init__(self, *args, **kwargs):
        names = (list(params) + ["name", "dtype"]) if params_first else \
            (["name", "dtype"] + list(params))
        values = {"name": default_name, "dtype": None}
        values.update(params)
        for n, a in zip(names, args):
            values[n] = a
        for k, v in kwargs.items():
            if k not in values:
                raise TypeError("%s got an unexpected keyword argument %r (valid: %s)"
                                % (cls_name, k, ", ".join(names)))
            values[k] = v
        fn_kwargs = {k: values[k] for k in params}
        MeanMetricWrapper.__init__(self, fn, name=values["name"], dtype=values["dtype"],
                                   **fn_kwargs)
        for k, v in fn_kwargs.items():
            setattr(self, k, v)

    def get_config(self):
        config = {"name": self.name, "dtype": self._dtype}
        config.update(self._fn_kwargs)
        return config

    return type(cls_name, (MeanMetricWrapper,),
                {"__init__": __init__, "get_config": get_config, "__doc__": doc,
                 "__module__": __name__})


Accuracy = _wrapper_class(accuracy, "Accuracy", "accuracy", {},
                          "How often predictions equal labels exactly.")
BinaryAccuracy = _wrapper_class(binary_accuracy, "BinaryAccuracy", "binary_accuracy",
                                {"threshold": 0.5},
                                "How often (y_pred > threshold) matches 0/1 labels.")
CategoricalAccuracy = _wrapper_class(categorical_accuracy, "CategoricalAccuracy",
                                     "categorical_accuracy", {},
                                     "How often argmax(y_pred) matches argmax(one-hot labels).")
SparseCategoricalAccuracy = _wrapper_class(
    sparse_categorical_accuracy, "SparseCategoricalAccuracy", "sparse_categorical_accuracy", {},
    "How often argmax(y_pred) matches integer labels.")
TopKCategoricalAccuracy = _wrapper_class(
    top_k_categorical_accuracy, "TopKCategoricalAccuracy", "top_k_categorical_accuracy",
    {"k": 5}, "How often the true class is in the top k predictions (one-hot labels).",
    params_first=True)
SparseTopKCategoricalAccuracy = _wrapper_class(
    sparse_top_k_categorical_accuracy, "SparseTopKCategoricalAccuracy",
    "sparse_top_k_categorical_accuracy", {"k": 5},
    "How often the integer label is in the top k predictions.", params_first=True)
MeanSquaredError = _wrapper_class(mean_squared_error, "MeanSquaredError", "mean_squared_error",
                                  {}, "Mean of (y_pred - y_true)**2.")
MeanAbsoluteError = _wrapper_class(mean_absolute_error, "MeanAbsoluteError",
                                   "mean_absolute_error", {}, "Mean of |y_pred - y_true|.")
MeanAbsolutePercentageError = _wrapper_class(
    mean_absolute_percentage_error, "MeanAbsolutePercentageError",
    "mean_absolute_percentage_error", {}, "Mean absolute percentage error.")
MeanSquaredLogarithmicError = _wrapper_class(
    mean_squared_logarithmic_error, "MeanSquaredLogarithmicError",
    "mean_squared_logarithmic_error", {}, "Mean squared logarithmic error.")
CosineSimilarity = _wrapper_class(cosine_similarity, "CosineSimilarity", "cosine_similarity",
                                  {"axis": -1}, "Mean cosine similarity of labels and "
                                  "predictions.")
LogCoshError = _wrapper_class(log_cosh, "LogCoshError", "logcosh", {},
                              "Mean of log(cosh(y_pred - y_true)).")
BinaryCrossentropy = _wrapper_class(binary_crossentropy, "BinaryCrossentropy",
                                    "binary_crossentropy",
                                    {"from_logits": False, "label_smoothing": 0.0},
                                    "Mean binary cross-entropy.")
CategoricalCrossentropy = _wrapper_class(categorical_crossentropy, "CategoricalCrossentropy",
                                         "categorical_crossentropy",
                                         {"from_logits": False, "label_smoothing": 0.0},
                                         "Mean categorical cross-entropy.")
SparseCategoricalCrossentropy = _wrapper_class(
    sparse_categorical_crossentropy, "SparseCategoricalCrossentropy",
    "sparse_categorical_crossentropy", {"from_logits": False},
    "Mean sparse categorical cross-entropy.")
KLDivergence = _wrapper_class(kl_divergence, "KLDivergence", "kl_divergence", {},
                              "Mean Kullback-Leibler divergence.")
Poisson = _wrapper_class(poisson, "Poisson", "poisson", {}, "Mean Poisson loss.")
Hinge = _wrapper_class(hinge, "Hinge", "hinge", {}, "Mean hinge loss.")
SquaredHinge = _wrapper_class(squared_hinge, "SquaredHinge", "squared_hinge", {},
                              "Mean squared hinge loss.")
CategoricalHinge = _wrapper_class(categorical_hinge, "CategoricalHinge", "categorical_hinge", {},
                                  "Mean categorical hinge loss.")


class RootMeanSquaredError(Mean):
    """sqrt(mean((y_pred - y_true)**2)) over everything seen."""

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        t, p = _prep_reg(_arr(y_true), _arr(y_pred))
        Mean.update_state(self, np.square(p - t), sample_weight)

    def result(self):
        c = self.count._value
        t = self.total._value
        return _wrap(np.asarray(np.sqrt(t / c) if c != 0 else 0.0, dtype=t.dtype))

    def get_config(self):
        return {"name": self.name, "dtype": self._dtype}


# ---- confusion-matrix metrics ---------------------------------------------------------------

def _thresholds_list(thresholds, default=0.5):
    if thresholds is None:
        return [default], True
    if isinstance(thresholds, (int, float)):
        return [float(thresholds)], True
    return [float(t) for t in thresholds], False


def _confusion_update(y_true, y_pred, thresholds, sample_weight=None, top_k=None,
                      class_id=None, multi_label=False):
    """tp, fp, tn, fn per threshold (and per label when multi_label) as NumPy arrays."""
    t = _arr(y_true)
    p = _arr(y_pred).astype(np.float64)
    t, p = _np_same_rank(t, p)
    if top_k is not None:
        kth = np.sort(p, axis=-1)[..., -top_k][..., None]
        p = np.where(p >= kth, p, -np.inf)
    if class_id is not None:
        t = t[..., class_id]
        p = p[..., class_id]
    t = t.astype(bool)
    if sample_weight is None:
        w = np.ones(p.shape)
    else:
        w = np.asarray(_arr(sample_weight), dtype=np.float64)
        if w.ndim == p.ndim + 1 and w.shape[-1] == 1:
            w = w[..., 0]
        while w.ndim < p.ndim:
            w = w[..., None]
        w = np.broadcast_to(w, p.shape)
    th = np.asarray(thresholds, dtype=np.float64)
    if multi_label:
        p2 = p.reshape(-1, p.shape[-1])
        t2 = t.reshape(-1, p.shape[-1])
        w2 = w.reshape(-1, p.shape[-1])
        pred_pos = p2[None, :, :] > th[:, None, None]          # (T, N, L)
        tt = t2[None]
        ww = w2[None]
        tp = (pred_pos & tt) * ww
        fp = (pred_pos & ~tt) * ww
        fn = (~pred_pos & tt) * ww
        tn = (~pred_pos & ~tt) * ww
        return tp.sum(1), fp.sum(1), tn.sum(1), fn.sum(1)
    p1 = p.reshape(-1)
    t1 = t.reshape(-1)
    w1 = w.reshape(-1)
    pred_pos = p1[None, :] > th[:, None]                          # (T, N)
    pos_w = w1 * t1
    neg_w = w1 * ~t1
    tp = pred_pos @ pos_w
    fp = pred_pos @ neg_w
    fn = pos_w.sum() - tp
    tn = neg_w.sum() - fp
    return tp, fp, tn, fn


class _ConfusionMetric(Metric):
    _which = ()

    def __init__(self, thresholds=None, name=None, dtype=None, top_k=None, class_id=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.top_k = top_k
        self.class_id = class_id
        default = 0.5 if top_k is None else -np.inf
        self.thresholds, self._single = _thresholds_list(thresholds, default)
        n = len(self.thresholds)
        self._vars = {k: self.add_variable(shape=(n,), name=k) for k in self._which}
        for k, v in self._vars.items():
            setattr(self, k, v)

    def update_state(self, y_true, y_pred, sample_weight=None):
        tp, fp, tn, fn = _confusion_update(y_true, y_pred, self.thresholds, sample_weight,
                                           self.top_k, self.class_id)
        got = {"true_positives": tp, "false_positives": fp, "true_negatives": tn,
               "false_negatives": fn}
        for k, v in self._vars.items():
            v._value = (v._value + got[k]).astype(v._value.dtype)

    def _out(self, arr):
        arr = np.asarray(arr, dtype=_dt.as_dtype(self._dtype)._np)
        return _wrap(arr[0] if self._single else arr)

    def get_config(self):
        config = {"name": self.name, "dtype": self._dtype, "thresholds": self.init_thresholds}
        if self.top_k is not None or self.class_id is not None:
            config.update(top_k=self.top_k, class_id=self.class_id)
        return config


def _div(a, b):
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return np.where(b != 0, a / np.where(b != 0, b, 1), 0.0)


class Precision(_ConfusionMetric):
    """tp / (tp + fp) at ``thresholds`` (default 0.5)."""
    _which = ("true_positives", "false_positives")

    def __init__(self, thresholds=None, top_k=None, class_id=None, name="precision", dtype=None):
        super().__init__(thresholds, name, dtype, top_k, class_id)

    def result(self):
        tp = self.true_positives._value
        return self._out(_div(tp, tp + self.false_positives._value))


class Recall(_ConfusionMetric):
    """tp / (tp + fn) at ``thresholds`` (default 0.5)."""
    _which = ("true_positives", "false_negatives")

    def __init__(self, thresholds=None, top_k=None, class_id=None, name="recall", dtype=None):
        super().__init__(thresholds, name, dtype, top_k, class_id)

    def result(self):
        tp = self.true_positives._value
        return self._out(_div(tp, tp + self.false_negatives._value))


def _counter(cls_name, var, default_name):
    class _C(_ConfusionMetric):
        _which = (var,)

        def __init__(self, thresholds=None, name=default_name, dtype=None):
            super().__init__(thresholds, name, dtype)

        def result(self):
            return self._out(getattr(self, var)._value)

    _C.__name__ = _C.__qualname__ = cls_name
    _C.__doc__ = "Weighted count of %s at the given thresholds (default 0.5)." % \
        var.replace("_", " ")
    return _C


TruePositives = _counter("TruePositives", "true_positives", "true_positives")
FalsePositives = _counter("FalsePositives", "false_positives", "false_positives")
TrueNegatives = _counter("TrueNegatives", "true_negatives", "true_negatives")
FalseNegatives = _counter("FalseNegatives", "false_negatives", "false_negatives")


class AUC(Metric):
    """Area under the ROC (or PR) curve, from confusion counts at ``num_thresholds``
    evenly spaced thresholds."""

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation",
                 name=None, dtype=None, thresholds=None, multi_label=False, num_labels=None,
                 label_weights=None, from_logits=False):
        super().__init__(name=name, dtype=dtype)
        curve = curve.upper() if isinstance(curve, str) else curve
        if curve not in ("ROC", "PR"):
            raise ValueError("AUC: curve must be 'ROC' or 'PR', got %r." % (curve,))
        if summation_method not in ("interpolation", "minoring", "majoring"):
            raise ValueError("AUC: summation_method must be 'interpolation', 'minoring' or "
                             "'majoring', got %r." % (summation_method,))
        self.curve = curve
        self.summation_method = summation_method
        self.multi_label = multi_label
        self.num_labels = num_labels
        self.label_weights = label_weights
        self._from_logits = from_logits
        if thresholds is not None:
            inner = sorted(float(t) for t in thresholds)
            self.num_thresholds = len(inner) + 2
        else:
            if num_thresholds <= 1:
                raise ValueError("AUC: num_thresholds must be > 1, got %r." % num_thresholds)
            self.num_thresholds = num_thresholds
            inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
        self._init_thresholds = thresholds
        self.thresholds = [0.0 - EPSILON] + inner + [1.0 + EPSILON]
        self._built_vars = False
        if not multi_label or num_labels is not None:
            self._build(num_labels if multi_label else None)

    def _build(self, num_labels):
        shape = (self.num_thresholds,) if num_labels is None else (self.num_thresholds,
                                                                   num_labels)
        self.true_positives = self.add_variable(shape=shape, name="true_positives")
        self.false_positives = self.add_variable(shape=shape, name="false_positives")
        self.true_negatives = self.add_variable(shape=shape, name="true_negatives")
        self.false_negatives = self.add_variable(shape=shape, name="false_negatives")
        self._built_vars = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        p = _arr(y_pred)
        if self._from_logits:
            p = 1.0 / (1.0 + np.exp(-p.astype(np.float64)))
        if not self._built_vars:
            self._build(p.shape[-1])
        tp, fp, tn, fn = _confusion_update(y_true, p, self.thresholds, sample_weight,
                                           multi_label=self.multi_label)
        for v, d in ((self.true_positives, tp), (self.false_positives, fp),
                     (self.true_negatives, tn), (self.false_negatives, fn)):
            v._value = (v._value + d).astype(v._value.dtype)

    def result(self):
        if not self._built_vars:
            return _wrap(np.asarray(0.0, dtype=_dt.as_dtype(self._dtype)._np))
        tp = self.true_positives._value.astype(np.float64)
        fp = self.false_positives._value.astype(np.float64)
        tn = self.true_negatives._value.astype(np.float64)
        fn = self.false_negatives._value.astype(np.float64)
        n = self.num_thresholds
        if self.curve == "PR" and self.summation_method == "interpolation":
            dtp = tp[:n - 1] - tp[1:]
            p = tp + fp
            dp = p[:n - 1] - p[1:]
            slope = _div(dtp, np.maximum(dp, 0))
            intercept = tp[1:] - slope * p[1:]
            ratio = np.where((p[:n - 1] > 0) & (p[1:] > 0),
                             _div(p[:n - 1], np.maximum(p[1:], 0)), 1.0)
            inc = _div(slope * (dtp + intercept * np.log(ratio)), np.maximum(tp[1:] + fn[1:], 0))
            by_label = inc.sum(axis=0)
        else:
            recall = _div(tp, tp + fn)
            if self.curve == "ROC":
                x = _div(fp, fp + tn)
                y = recall
            else:
                x = recall
                y = _div(tp, tp + fp)
            if self.summation_method == "interpolation":
                heights = (y[:n - 1] + y[1:]) / 2.0
            elif self.summation_method == "minoring":
                heights = np.minimum(y[:n - 1], y[1:])
            else:
                heights = np.maximum(y[:n - 1], y[1:])
            by_label = ((x[:n - 1] - x[1:]) * heights).sum(axis=0)
        if np.ndim(by_label):
            if self.label_weights is not None:
                w = np.asarray(self.label_weights, dtype=np.float64)
                value = float((by_label * w).sum() / w.sum())
            else:
                value = float(by_label.mean())
        else:
            value = float(by_label)
        return _wrap(np.asarray(value, dtype=_dt.as_dtype(self._dtype)._np))

    def get_config(self):
        return {"name": self.name, "dtype": self._dtype,
                "num_thresholds": self.num_thresholds, "curve": self.curve,
                "summation_method": self.summation_method, "multi_label": self.multi_label,
                "num_labels": self.num_labels, "label_weights": self.label_weights,
                "thresholds": self._init_thresholds, "from_logits": self._from_logits}


class FBetaScore(Metric):
    """F-beta per class (``average=None``) or averaged ('micro', 'macro', 'weighted').

    Inputs are (batch, classes); with ``threshold=None`` the highest prediction of each row
    counts as the predicted class."""

    def __init__(self, average=None, beta=1.0, threshold=None, name="fbeta_score", dtype=None):
        super().__init__(name=name, dtype=dtype)
        if average not in (None, "micro", "macro", "weighted"):
            raise ValueError("%s: average must be None, 'micro', 'macro' or 'weighted', got "
                             "%r." % (type(self).__name__, average))
        self.average = average
        self.beta = beta
        self.threshold = threshold
        self._built_vars = False

    def _build(self, n):
        self.true_positives = self.add_variable(shape=(n,), name="true_positives")
        self.false_positives = self.add_variable(shape=(n,), name="false_positives")
        self.false_negatives = self.add_variable(shape=(n,), name="false_negatives")
        self.intermediate_weights = self.add_variable(shape=(n,), name="intermediate_weights")
        self._built_vars = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        t = _arr(y_true).astype(np.float64)
        p = _arr(y_pred).astype(np.float64)
        if p.ndim != 2 or t.shape != p.shape:
            raise ValueError(
                "%s expects y_true and y_pred of the same 2-D shape (batch, num_classes), got "
                "%s and %s. For a single sigmoid output use shape (batch, 1) for both."
                % (type(self).__name__, t.shape, p.shape))
        if not self._built_vars:
            self._build(p.shape[-1])
        if self.threshold is None:
            pred = (p >= p.max(axis=-1, keepdims=True)).astype(np.float64)
        else:
            pred = (p > self.threshold).astype(np.float64)
        w = 1.0 if sample_weight is None else np.asarray(_arr(sample_weight),
                                                         np.float64).reshape(-1, 1)
        for v, d in ((self.true_positives, pred * t * w),
                     (self.false_positives, pred * (1 - t) * w),
                     (self.false_negatives, (1 - pred) * t * w),
                     (self.intermediate_weights, t * w)):
            v._value = (v._value + d.sum(axis=0)).astype(v._value.dtype)

    def result(self):
        dt = _dt.as_dtype(self._dtype)._np
        if not self._built_vars:
            return _wrap(np.asarray(0.0, dtype=dt))
        tp = self.true_positives._value.astype(np.float64)
        fp = self.false_positives._value.astype(np.float64)
        fn = self.false_negatives._value.astype(np.float64)
        if self.average == "micro":
            tp, fp, fn = tp.sum(), fp.sum(), fn.sum()
        precision = tp / (tp + fp + EPSILON)
        recall = tp / (tp + fn + EPSILON)
        b2 = self.beta ** 2
        f = (1 + b2) * precision * recall / (b2 * precision + recall + EPSILON)
        if self.average == "weighted":
            w = self.intermediate_weights._value.astype(np.float64)
            f = (f * _div(w, w.sum())).sum()
        elif self.average is not None:
            f = np.mean(f)
        return _wrap(np.asarray(f, dtype=dt))

    def get_config(self):
        return {"name": self.name, "dtype": self._dtype, "average": self.average,
                "beta": self.beta, "threshold": self.threshold}


class F1Score(FBetaScore):
    """F1 = harmonic mean of precision and recall (``FBetaScore`` with beta=1)."""

    def __init__(self, average=None, threshold=None, name="f1_score", dtype=None):
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name, dtype=dtype)

    def get_config(self):
        config = super().get_config()
        del config["beta"]
        return config


class R2Score(Metric):
    """Coefficient of determination, 1 - SS_res / SS_tot, over everything seen."""

    def __init__(self, class_aggregation="uniform_average", num_regressors=0, name="r2_score",
                 dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.class_aggregation = class_aggregation
        self.num_regressors = num_regressors
        self._built_vars = False

    def update_state(self, y_true, y_pred, sample_weight=None):
        t = _arr(y_true).astype(np.float64)
        p = _arr(y_pred).astype(np.float64)
        t, p = _np_same_rank(t, p)
        if t.ndim == 1:
            t, p = t[:, None], p[:, None]
        if not self._built_vars:
            n = t.shape[-1]
            self.squared_sum = self.add_variable(shape=(n,), name="squared_sum")
            self.sum = self.add_variable(shape=(n,), name="sum")
            self.total_mse = self.add_variable(shape=(n,), name="residual")
            self.count = self.add_variable(shape=(n,), name="count")
            self.num_samples = self.add_variable(shape=(), name="num_samples", dtype="int64")
            self._built_vars = True
        w = np.ones_like(t) if sample_weight is None else np.broadcast_to(
            np.asarray(_arr(sample_weight), np.float64).reshape(-1, 1), t.shape)
        for v, d in ((self.sum, (t * w).sum(0)), (self.squared_sum, (t * t * w).sum(0)),
                     (self.total_mse, ((t - p) ** 2 * w).sum(0)), (self.count, w.sum(0))):
            v._value = (v._value + d).astype(v._value.dtype)
        self.num_samples._value = self.num_samples._value + t.shape[0]

    def result(self):
        dt = _dt.as_dtype(self._dtype)._np
        if not self._built_vars:
            return _wrap(np.asarray(0.0, dtype=dt))
        mean = self.sum._value / self.count._value
        total = self.squared_sum._value - self.sum._value * mean
        raw = 1 - _div(self.total_mse._value, total)
        raw = np.where(np.isinf(raw), 0.0, raw)
        if self.class_aggregation == "uniform_average":
            r2 = raw.mean()
        elif self.class_aggregation == "variance_weighted_average":
            r2 = (raw * total).sum() / total.sum()
        else:
            r2 = raw
        if self.num_regressors:
            n = float(self.num_samples._value)
            if self.num_regressors >= n - 1:
                # as in Keras: the adjustment is undefined, fall back to the plain R2 score
                warnings.warn("R2Score: adjusted R2 needs num_regressors (%d) < num_samples - 1 "
                              "(%d); falling back to the standard R2 score."
                              % (self.num_regressors, n - 1), stacklevel=2)
            else:
                r2 = 1 - (1 - r2) * (n - 1) / (n - self.num_regressors - 1)
        return _wrap(np.asarray(r2, dtype=dt))

    def get_config(self):
        return {"name": self.name, "dtype": self._dtype,
                "class_aggregation": self.class_aggregation,
                "num_regressors": self.num_regressors}


_CLASSES = [Metric, Mean, Sum, MeanMetricWrapper, Accuracy, BinaryAccuracy, CategoricalAccuracy,
            SparseCategoricalAccuracy, TopKCategoricalAccuracy, SparseTopKCategoricalAccuracy,
            MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError,
            MeanSquaredLogarithmicError, RootMeanSquaredError, CosineSimilarity, LogCoshError,
            BinaryCrossentropy, CategoricalCrossentropy, SparseCategoricalCrossentropy,
            KLDivergence, Poisson, Hinge, SquaredHinge, CategoricalHinge, Precision, Recall,
            TruePositives, FalsePositives, TrueNegatives, FalseNegatives, AUC, FBetaScore,
            F1Score, R2Score]

_FUNCTIONS = {
    "accuracy": accuracy, "binary_accuracy": binary_accuracy,
    "categorical_accuracy": categorical_accuracy,
    "sparse_categorical_accuracy": sparse_categorical_accuracy,
    "top_k_categorical_accuracy": top_k_categorical_accuracy,
    "sparse_top_k_categorical_accuracy": sparse_top_k_categorical_accuracy,
    "mean_squared_error": mean_squared_error, "mse": mse, "MSE": MSE,
    "mean_absolute_error": mean_absolute_error, "mae": mae, "MAE": MAE,
    "mean_absolute_percentage_error": mean_absolute_percentage_error, "mape": mape, "MAPE": MAPE,
    "mean_squared_logarithmic_error": mean_squared_logarithmic_error, "msle": msle, "MSLE": MSLE,
    "binary_crossentropy": binary_crossentropy,
    "categorical_crossentropy": categorical_crossentropy,
    "sparse_categorical_crossentropy": sparse_categorical_crossentropy,
    "binary_focal_crossentropy": binary_focal_crossentropy,
    "categorical_focal_crossentropy": categorical_focal_crossentropy,
    "hinge": hinge, "squared_hinge": squared_hinge, "categorical_hinge": categorical_hinge,
    "kl_divergence": kl_divergence, "kld": kld, "KLD": KLD,
    "kullback_leibler_divergence": kullback_leibler_divergence, "poisson": poisson,
    "log_cosh": log_cosh, "logcosh": logcosh, "cosine_similarity": cosine_similarity,
}

ALL_OBJECTS = {c.__name__: c for c in _CLASSES}
# Keras also accepts the snake_case class names ('auc', 'precision', 'f1_score' ...); where
# a function has that name ('mean_squared_error'), the function wins
ALL_OBJECTS.update({re.sub(r"([a-z0-9])([A-Z])", r"\1_\2",
                           re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", c.__name__)).lower(): c
                    for c in _CLASSES if c not in (Metric, MeanMetricWrapper)})
ALL_OBJECTS.update(_FUNCTIONS)
