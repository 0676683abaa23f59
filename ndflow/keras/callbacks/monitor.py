"""Shared helpers of callbacks that watch a metric (EarlyStopping, ReduceLROnPlateau,
ModelCheckpoint) or change the learning rate."""
import math
import warnings

import numpy as np

from ndflow.keras.callbacks.base import Callback

_HIGHER_IS_BETTER = ("acc", "auc", "precision", "recall", "f1", "fbeta", "fmeasure", "iou",
                     "r2", "r_squared", "cosine_similarity", "true_positives",
                     "true_negatives", "specificity", "sensitivity")
_LOWER_IS_BETTER = ("loss", "error", "mse", "mae", "mape", "msle", "crossentropy", "hinge",
                    "divergence", "poisson", "false_positives", "false_negatives",
                    "logcosh", "huber")


def to_float(value):
    """A Python float from a float, NumPy scalar/array or Tensor."""
    value = getattr(value, "_value", value)
    return float(np.asarray(value))


def direction(monitor, mode, model=None, who="Callback"):
    """'min' or 'max' for ``monitor`` under ``mode`` ('auto' infers it)."""
    if mode in ("min", "max"):
        return mode
    name = monitor[4:] if monitor.startswith("val_") else monitor
    if name == "loss" or name.endswith("_loss"):
        return "min"
    for m in _model_metrics(model):
        if getattr(m, "name", None) == name and getattr(m, "_direction", None) in ("up", "down"):
            return "max" if m._direction == "up" else "min"
    lowered = name.lower()
    if any(k in lowered for k in _HIGHER_IS_BETTER):
        return "max"
    if any(k in lowered for k in _LOWER_IS_BETTER):
        return "min"
    raise ValueError(
        "%s received monitor=%r but cannot tell whether that metric should be maximized or "
        "minimized. Pass mode='max' to keep the highest value or mode='min' for the lowest."
        % (who, monitor))


def _model_metrics(model):
    if model is None:
        return []
    try:
        metrics = list(getattr(model, "metrics", None) or [])
    except Exception:        # metrics not built yet
        return []
    out = []
    for m in metrics:
        inner = getattr(m, "metrics", None)
        if isinstance(inner, (list, tuple)):
            out.extend(inner)
        else:
            out.append(m)
    return out


def check_mode(mode, who):
    if mode not in ("auto", "min", "max"):
        warnings.warn("%s mode %r is unknown, fallback to auto mode." % (who, mode),
                      stacklevel=3)
        return "auto"
    return mode


def is_nan_or_inf(value):
    try:
        v = to_float(value)
    except (TypeError, ValueError):
        return False
    return math.isnan(v) or math.isinf(v)


# ---- learning rate ---------------------------------------------------------------------

def _optimizer(model, who):
    opt = getattr(model, "optimizer", None)
    if opt is None:
        raise ValueError("%s needs a compiled model with an optimizer; call model.compile(...) "
                         "before fit." % who)
    return opt


def get_lr(model, who="Callback"):
    opt = _optimizer(model, who)
    if not hasattr(opt, "learning_rate"):
        raise ValueError('%s: the optimizer must have a "learning_rate" attribute.' % who)
    lr = opt.learning_rate
    if callable(lr) and hasattr(lr, "get_config") and not hasattr(lr, "assign"):
        raise TypeError(
            "%s cannot change the learning rate of %s because it is a schedule (%s). Use a "
            "float learning rate with this callback, or drop the callback."
            % (who, type(opt).__name__, type(lr).__name__))
    return to_float(lr)


def set_lr(model, value, who="Callback"):
    opt = _optimizer(model, who)
    lr = getattr(opt, "learning_rate", None)
    if hasattr(lr, "assign"):
        lr.assign(np.asarray(value, dtype=np.asarray(getattr(lr, "_value", 0.0)).dtype))
    else:
        opt.learning_rate = float(value)


class MonitorCallback(Callback):
    """Base of callbacks comparing a logged value with the best one seen."""

    def __init__(self, monitor="val_loss", mode="auto", min_delta=0.0):
        super().__init__()
        self.monitor = monitor
        self.mode = check_mode(mode, type(self).__name__)
        self.min_delta = abs(float(min_delta))
        self.monitor_op = None
        self.best = None

    def _set_monitor_op(self):
        d = direction(self.monitor, self.mode, self.model, type(self).__name__)
        self._direction = d
        self.monitor_op = np.less if d == "min" else np.greater
        self.best = math.inf if d == "min" else -math.inf

    def _is_improvement(self, value, reference):
        if self._direction == "min":
            return value < reference - self.min_delta
        return value > reference + self.min_delta
