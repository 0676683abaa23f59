"""Losses (``keras.losses``): classes such as ``SparseCategoricalCrossentropy`` and the
per-sample functions such as ``sparse_categorical_crossentropy``.

A loss *function* ``fn(y_true, y_pred)`` returns one value per sample (the last axis is
reduced).  A loss *class* wraps a function and reduces those values to a scalar:
``reduction='sum_over_batch_size'`` (the default: sum / number of values), ``'sum'``,
``'none'`` (no reduction), ``'mean_with_sample_weight'`` (sum / sum of the weights).

The cross-entropies are numerically stable: from logits they use fused primitives
(log-sum-exp / softplus with their own gradients); from probabilities they clip to
``[epsilon, 1 - epsilon]``.  Like Keras 2, when a probability output was produced by a
softmax (or sigmoid) recorded on the active GradientTape, the loss is computed from that
op's logits, which is exact and stable.
"""
import warnings

import numpy as np

from ndflow.backend import dtypes as _dt
from ndflow.core import engine as _engine
from ndflow.core.engine import Op, execute
from ndflow.core.tensor import Tensor, convert_to_tensor
from ndflow.ops import math_ops as M
from ndflow.ops import reduction_ops as R
from ndflow.ops import array_ops as A

EPSILON = 1e-7


def _wrap(a):
    t = Tensor.__new__(Tensor)
    t._value = a if type(a) is np.ndarray else np.asarray(a)
    return t


# ---- helpers ----------------------------------------------------------------------------

def _float_tensor(x):
    x = x if isinstance(x, Tensor) else convert_to_tensor(x)
    if x._value.dtype.kind != "f":
        x = _wrap(x._value.astype(_dt.floatx()))
    return x


def _cast_like(y_true, y_pred):
    y_true = y_true if isinstance(y_true, Tensor) else convert_to_tensor(y_true)
    if y_true._value.dtype != y_pred._value.dtype:
        if getattr(y_true, "_is_variable", False) or _engine.active_tapes():
            y_true = M.cast(y_true, y_pred.dtype)
        else:
            y_true = _wrap(y_true._value.astype(y_pred._value.dtype))
    return y_true


def squeeze_or_expand_to_same_rank(x1, x2, expand_rank_1=True):
    """Make two tensors the same rank when they differ by a trailing axis of size 1.

    ``(batch,)`` against ``(batch, 1)``: the rank-1 side is expanded (Keras semantics), so
    a label vector meets a one-column output element by element instead of broadcasting.
    """
    r1 = x1._value.ndim
    r2 = x2._value.ndim
    if r1 == r2:
        return x1, x2
    if r1 == r2 + 1 and x1._value.shape[-1] == 1:
        if r2 == 1 and expand_rank_1:
            x2 = A.expand_dims(x2, -1)
        else:
            x1 = A.squeeze(x1, -1)
    elif r2 == r1 + 1 and x2._value.shape[-1] == 1:
        if r1 == 1 and expand_rank_1:
            x1 = A.expand_dims(x1, -1)
        else:
            x2 = A.squeeze(x2, -1)
    return x1, x2


def _prepare(y_true, y_pred):
    y_pred = _float_tensor(y_pred)
    y_true = _cast_like(y_true, y_pred)
    return squeeze_or_expand_to_same_rank(y_true, y_pred)


def _get_logits(output, from_logits, opname, fn_name, axis=-1):
    """(tensor, from_logits) to compute a cross-entropy from.

    As in Keras: when ``output`` came out of a softmax/sigmoid (which set
    ``output._keras_logits``), its logits are used, which is exact and stable.  If the
    caller also said ``from_logits=True`` that was a mistake (the output is not logits):
    warn, and still use the real logits, as Keras does.
    """
    logits = getattr(output, "_keras_logits", None)
    if logits is None or (opname == "Softmax" and axis % output._value.ndim
                          != output._value.ndim - 1):
        return output, from_logits
    if from_logits:
        _warn_logits(fn_name, opname)
    return logits, True


def _warn_logits(fn_name, activation):
    warnings.warn(
        "`%s` received `from_logits=True`, but the `output` argument was produced by a "
        "%s activation and thus does not represent logits. Was this intended?"
        % (fn_name, activation), UserWarning, stacklevel=5)


# ---- fused, stable primitives -----------------------------------------------------------

def _onehot_like(x, labels):
    onehot = np.zeros(x.shape, dtype=x.dtype)
    onehot.reshape(-1, x.shape[-1])[np.arange(labels.size), labels.reshape(-1)] = 1
    return onehot


def _nested_recording():
    """True when some tape records the backward pass itself (higher-order gradients).

    Then the fused ops below write their gradient with ndflow ops; otherwise they use
    plain NumPy, which is what every training step needs and is several ops cheaper."""
    return _engine.is_recording()


class SparseSoftmaxCrossEntropy(Op):
    """-log softmax(logits)[label] along the last axis; labels are integer (no gradient)."""

    def forward(self, labels, logits):
        n = logits.shape[-1]
        z = logits - logits.max(axis=-1, keepdims=True)
        e = np.exp(z)
        s = e.sum(axis=-1, keepdims=True)
        self._probs = e / s
        lab = labels.reshape(-1).astype(np.intp, copy=False)
        self._rows = np.arange(lab.size)
        self._lab = lab
        picked = z.reshape(-1, n)[self._rows, lab].reshape(s.shape[:-1])
        return np.log(s[..., 0]) - picked

    def backward(self, dy):
        labels, logits = self.inputs
        if not _nested_recording():
            g = self._probs.copy()
            g.reshape(-1, g.shape[-1])[self._rows, self._lab] -= 1
            g *= dy._value[..., None]
            return None, _wrap(g)
        from ndflow.nn.activations import softmax
        onehot = _onehot_like(logits._value, self._lab)
        g = M.subtract(softmax(logits), _wrap(onehot))
        return None, M.multiply(A.expand_dims(dy, -1), g)


class SoftmaxCrossEntropy(Op):
    """-sum(labels * log_softmax(logits)) along ``axis``."""

    def __init__(self, axis=-1):
        self.axis = axis

    def forward(self, labels, logits):
        ax = self.axis
        z = logits - logits.max(axis=ax, keepdims=True)
        e = np.exp(z)
        s = e.sum(axis=ax, keepdims=True)
        self._probs = e / s
        self._logp = z - np.log(s)
        return -(labels * self._logp).sum(axis=ax)

    def backward(self, dy):
        labels, logits = self.inputs
        ax = self.axis
        want_labels = bool(self.needs_grad and self.needs_grad[0])
        if not _nested_recording():
            dyx = np.expand_dims(dy._value, ax)
            lab = labels._value
            g_logits = (self._probs * lab.sum(axis=ax, keepdims=True) - lab) * dyx
            g_labels = _wrap(-self._logp * dyx) if want_labels else None
            return g_labels, _wrap(g_logits.astype(logits._value.dtype, copy=False))
        from ndflow.nn.activations import softmax, log_softmax
        dyx = A.expand_dims(dy, ax)
        g_logits = M.multiply(dyx, M.subtract(
            M.multiply(softmax(logits, axis=ax),
                       R.reduce_sum(labels, axis=ax, keepdims=True)), labels))
        g_labels = None
        if want_labels:
            g_labels = M.negative(M.multiply(dyx, log_softmax(logits, axis=ax)))
        return g_labels, g_logits


class SigmoidCrossEntropy(Op):
    """max(x, 0) - x * z + log(1 + exp(-|x|)), elementwise (x: logits, z: labels)."""

    def forward(self, labels, logits):
        return np.maximum(logits, 0) - logits * labels + np.log1p(np.exp(-np.abs(logits)))

    def backward(self, dy):
        labels, logits = self.inputs
        want_labels = bool(self.needs_grad and self.needs_grad[0])
        if not _nested_recording():
            x = logits._value
            with np.errstate(invalid="ignore", over="ignore"):
                sig = np.exp(-np.logaddexp(0, -x))
            g_logits = (sig - labels._value) * dy._value
            g_labels = _wrap(-x * dy._value) if want_labels else None
            return g_labels, _wrap(g_logits.astype(x.dtype, copy=False))
        g_logits = M.multiply(dy, M.subtract(M.sigmoid(logits), labels))
        g_labels = None
        if want_labels:
            g_labels = M.negative(M.multiply(dy, logits))
        return g_labels, g_logits


def _clip_probs(p):
    return M.clip_by_value(p, EPSILON, 1.0 - EPSILON)


# ---- loss functions (one value per sample) ------------------------------------------------

def mean_squared_error(y_true, y_pred):
    y_true, y_pred = _prepare(y_true, y_pred)
    return R.reduce_mean(M.square(M.subtract(y_pred, y_true)), axis=-1)


def mean_absolute_error(y_true, y_pred):
    y_true, y_pred = _prepare(y_true, y_pred)
    return R.reduce_mean(M.abs(M.subtract(y_pred, y_true)), axis=-1)


def mean_absolute_percentage_error(y_true, y_pred):
    y_true, y_pred = _prepare(y_true, y_pred)
    diff = M.abs(M.divide(M.subtract(y_true, y_pred), M.maximum(M.abs(y_true), EPSILON)))
    return M.multiply(R.reduce_mean(diff, axis=-1), 100.0)


def mean_squared_logarithmic_error(y_true, y_pred):
    y_true, y_pred = _prepare(y_true, y_pred)
    a = M.log(M.add(M.maximum(y_pred, EPSILON), 1.0))
    b = M.log(M.add(M.maximum(y_true, EPSILON), 1.0))
    return R.reduce_mean(M.square(M.subtract(a, b)), axis=-1)


def _smooth_binary(y_true, label_smoothing):
    if label_smoothing:
        y_true = M.add(M.multiply(y_true, 1.0 - label_smoothing), 0.5 * label_smoothing)
    return y_true


def _binary_crossentropy_elementwise(y_true, y_pred, from_logits):
    y_pred, from_logits = _get_logits(y_pred, from_logits, "Sigmoid", "binary_crossentropy")
    if from_logits:
        return execute(SigmoidCrossEntropy(), (y_true, y_pred))
    p = _clip_probs(y_pred)
    return M.negative(M.add(M.multiply(y_true, M.log(p)),
                            M.multiply(M.subtract(1.0, y_true), M.log(M.subtract(1.0, p)))))


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    y_true, y_pred = _prepare(y_true, y_pred)
    y_true = _smooth_binary(y_true, label_smoothing)
    return R.reduce_mean(_binary_crossentropy_elementwise(y_true, y_pred, from_logits),
                         axis=axis)


def binary_focal_crossentropy(y_true, y_pred, apply_class_balancing=False, alpha=0.25,
                              gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1):
    y_true, y_pred = _prepare(y_true, y_pred)
    y_true = _smooth_binary(y_true, label_smoothing)
    bce = _binary_crossentropy_elementwise(y_true, y_pred, from_logits)
    p = M.sigmoid(y_pred) if from_logits else y_pred
    p_t = M.add(M.multiply(y_true, p), M.multiply(M.subtract(1.0, y_true), M.subtract(1.0, p)))
    focal = M.multiply(M.pow(M.subtract(1.0, p_t), gamma), bce)
    if apply_class_balancing:
        weight = M.add(M.multiply(y_true, alpha), M.multiply(M.subtract(1.0, y_true), 1.0 - alpha))
        focal = M.multiply(weight, focal)
    return R.reduce_mean(focal, axis=axis)


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    y_pred = _float_tensor(y_pred)
    y_true = _cast_like(y_true, y_pred)
    if y_true._value.shape != y_pred._value.shape:
        raise ValueError(
            "categorical_crossentropy: labels and predictions must have the same shape, got "
            "y_true %s and y_pred %s. With integer class labels use "
            "'sparse_categorical_crossentropy', or one-hot encode the labels "
            "(keras.utils.to_categorical)." % (tuple(y_true._value.shape),
                                                tuple(y_pred._value.shape)))
    if label_smoothing:
        n = y_pred._value.shape[axis]
        y_true = M.add(M.multiply(y_true, 1.0 - label_smoothing), label_smoothing / n)
    y_pred, from_logits = _get_logits(y_pred, from_logits, "Softmax",
                                      "categorical_crossentropy", axis)
    if from_logits:
        return execute(SoftmaxCrossEntropy(axis), (y_true, y_pred))
    p = M.divide(y_pred, R.reduce_sum(y_pred, axis=axis, keepdims=True))
    p = _clip_probs(p)
    return M.negative(R.reduce_sum(M.multiply(y_true, M.log(p)), axis=axis))


def _sparse_labels(y_true, y_pred):
    y_true = y_true if isinstance(y_true, Tensor) else convert_to_tensor(y_true)
    lab = y_true._value
    if lab.ndim == y_pred._value.ndim and lab.ndim > 0 and lab.shape[-1] == 1:
        lab = lab[..., 0]
    if lab.shape != y_pred._value.shape[:-1]:
        raise ValueError(
            "sparse_categorical_crossentropy: expected integer labels of shape %s for "
            "predictions of shape %s, got labels of shape %s. With one-hot labels use "
            "'categorical_crossentropy'." % (tuple(y_pred._value.shape[:-1]),
                                             tuple(y_pred._value.shape),
                                             tuple(y_true._value.shape)))
    if lab.dtype.kind == "f":
        lab = lab.astype(np.int64)
    n = y_pred._value.shape[-1]
    if lab.size and (lab.min() < 0 or lab.max() >= n):
        raise ValueError(
            "sparse_categorical_crossentropy: labels must be integers in [0, %d) for an "
            "output with %d classes, got values from %d to %d. Check that the last Dense "
            "layer has one unit per class." % (n, n, int(lab.min()), int(lab.max())))
    return lab


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None,
                                    axis=-1):
    y_pred = _float_tensor(y_pred)
    nd = y_pred._value.ndim
    if axis % nd != nd - 1:
        y_pred = A.transpose(y_pred, [i for i in range(nd) if i != axis % nd] + [axis % nd])
    y_true_t = y_true if isinstance(y_true, Tensor) else convert_to_tensor(y_true)
    mask = None
    if ignore_class is not None:
        lab0 = y_true_t._value
        if lab0.ndim == nd and lab0.shape[-1] == 1:
            lab0 = lab0[..., 0]
        mask = lab0 != ignore_class
        y_true_t = _wrap(np.where(mask, lab0, 0))
    labels = _wrap(_sparse_labels(y_true_t, y_pred))
    y_pred, from_logits = _get_logits(y_pred, from_logits, "Softmax",
                                      "sparse_categorical_crossentropy")
    if from_logits:
        out = execute(SparseSoftmaxCrossEntropy(), (labels, y_pred))
    else:
        p = M.divide(y_pred, R.reduce_sum(y_pred, axis=-1, keepdims=True))
        p = _clip_probs(p)
        onehot = _onehot_like(p._value, labels._value.astype(np.intp, copy=False))
        out = M.negative(R.reduce_sum(M.multiply(_wrap(onehot), M.log(p)), axis=-1))
    if mask is not None:
        out = M.multiply(out, _wrap(mask.astype(out._value.dtype)))
    return out


def categorical_focal_crossentropy(y_true, y_pred, alpha=0.25, gamma=2.0, from_logits=False,
                                   label_smoothing=0.0, axis=-1):
    y_pred = _float_tensor(y_pred)
    y_true = _cast_like(y_true, y_pred)
    if label_smoothing:
        n = y_pred._value.shape[axis]
        y_true = M.add(M.multiply(y_true, 1.0 - label_smoothing), label_smoothing / n)
    if from_logits:
        from ndflow.nn.activations import softmax
        y_pred = softmax(y_pred, axis=axis)
    p = M.divide(y_pred, R.reduce_sum(y_pred, axis=axis, keepdims=True))
    p = _clip_probs(p)
    ce = M.negative(M.multiply(y_true, M.log(p)))
    focal = M.multiply(M.multiply(M.pow(M.subtract(1.0, p), gamma), alpha), ce)
    return R.reduce_sum(focal, axis=axis)


def _hinge_labels(y_true):
    v = y_true._value
    if v.size and np.all((v == 0) | (v == 1)):
        return M.subtract(M.multiply(y_true, 2.0), 1.0)
    return y_true


def hinge(y_true, y_pred):
    y_true, y_pred = _prepare(y_true, y_pred)
    y_true = _hinge_labels(y_true)
    return R.reduce_mean(M.maximum(M.subtract(1.0, M.multiply(y_true, y_pred)), 0.0), axis=-1)


def squared_hinge(y_true, y_pred):
    y_true, y_pred = _prepare(y_true, y_pred)
    y_true = _hinge_labels(y_true)
    return R.reduce_mean(M.square(M.maximum(M.subtract(1.0, M.multiply(y_true, y_pred)), 0.0)),
                         axis=-1)


def categorical_hinge(y_true, y_pred):
    y_true, y_pred = _prepare(y_true, y_pred)
    pos = R.reduce_sum(M.multiply(y_true, y_pred), axis=-1)
    neg = R.reduce_max(M.multiply(M.subtract(1.0, y_true), y_pred), axis=-1)
    return M.maximum(M.add(M.subtract(neg, pos), 1.0), 0.0)


def huber(y_true, y_pred, delta=1.0):
    y_true, y_pred = _prepare(y_true, y_pred)
    err = M.abs(M.subtract(y_pred, y_true))
    quad = M.minimum(err, delta)
    lin = M.subtract(err, quad)
    return R.reduce_mean(M.add(M.multiply(M.square(quad), 0.5), M.multiply(lin, delta)), axis=-1)


def _softplus(x):
    # log(1 + exp(x)) = max(x, 0) + log1p(exp(-|x|)), stable for large |x|
    return M.add(M.maximum(x, 0.0), M.log1p(M.exp(M.negative(M.abs(x)))))


def log_cosh(y_true, y_pred):
    y_true, y_pred = _prepare(y_true, y_pred)
    x = M.subtract(y_pred, y_true)
    val = M.subtract(M.add(x, _softplus(M.multiply(x, -2.0))), float(np.log(2.0)))
    return R.reduce_mean(val, axis=-1)


def kl_divergence(y_true, y_pred):
    y_true, y_pred = _prepare(y_true, y_pred)
    t = M.clip_by_value(y_true, EPSILON, 1.0)
    p = M.clip_by_value(y_pred, EPSILON, 1.0)
    return R.reduce_sum(M.multiply(t, M.log(M.divide(t, p))), axis=-1)


def poisson(y_true, y_pred):
    y_true, y_pred = _prepare(y_true, y_pred)
    return R.reduce_mean(M.subtract(y_pred, M.multiply(y_true, M.log(M.add(y_pred, EPSILON)))),
                         axis=-1)


def _l2_normalize(x, axis):
    ss = R.reduce_sum(M.square(x), axis=axis, keepdims=True)
    return M.multiply(x, M.rsqrt(M.maximum(ss, 1e-12)))


def cosine_similarity(y_true, y_pred, axis=-1):
    y_true, y_pred = _prepare(y_true, y_pred)
    return M.negative(R.reduce_sum(M.multiply(_l2_normalize(y_true, axis),
                                              _l2_normalize(y_pred, axis)), axis=axis))


# Keras' short aliases
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kullback_leibler_divergence = kl_divergence
logcosh = log_cosh
huber_loss = huber


# ---- reduction -----------------------------------------------------------------------------

class Reduction:
    """Names of the reductions (``keras.losses.Reduction``, Keras 2 spelling)."""
    AUTO = "auto"
    NONE = "none"
    SUM = "sum"
    SUM_OVER_BATCH_SIZE = "sum_over_batch_size"
    MEAN_WITH_SAMPLE_WEIGHT = "mean_with_sample_weight"

    @classmethod
    def all(cls):
        return (cls.AUTO, cls.NONE, cls.SUM, cls.SUM_OVER_BATCH_SIZE,
                cls.MEAN_WITH_SAMPLE_WEIGHT)


ReductionV2 = Reduction
_REDUCTIONS = ("auto", "none", "sum", "sum_over_batch_size", "mean", "mean_with_sample_weight",
               None)


def _standardize_reduction(reduction, where):
    if reduction not in _REDUCTIONS:
        raise ValueError(
            "%s: invalid reduction %r. Expected one of 'sum_over_batch_size' (the default), "
            "'sum', 'none', 'mean_with_sample_weight' or None." % (where, reduction))
    if reduction == "auto" or reduction == "mean":
        return "sum_over_batch_size"
    if reduction is None:
        return "none"
    return reduction


def _apply_sample_weight(losses, sample_weight):
    sw = sample_weight if isinstance(sample_weight, Tensor) else convert_to_tensor(sample_weight)
    if sw._value.dtype != losses._value.dtype:
        sw = _wrap(sw._value.astype(losses._value.dtype))
    lr, sr = losses._value.ndim, sw._value.ndim
    if sr == lr + 1 and sw._value.shape[-1] == 1:
        sw = A.squeeze(sw, -1)
    while sw._value.ndim < lr:
        sw = A.expand_dims(sw, -1)
    return M.multiply(losses, sw), sw


def reduce_weighted_values(losses, sample_weight=None, reduction="sum_over_batch_size"):
    """Weight per-sample ``losses`` and reduce them as ``reduction`` says."""
    if not isinstance(losses, Tensor):
        losses = convert_to_tensor(losses)
    if losses._value.dtype.kind != "f":
        losses = M.cast(losses, _dt.floatx())
    sw = None
    if sample_weight is not None:
        losses, sw = _apply_sample_weight(losses, sample_weight)
    if reduction == "none" or losses._value.shape in ((), (0,)):
        # as in Keras: a scalar (or empty) loss is returned as it is, whatever the reduction
        # (so 'mean_with_sample_weight' does not divide a scalar loss by its weight)
        return losses
    if reduction == "sum_over_batch_size" and losses._value.size:
        return R.reduce_mean(losses)
    total = R.reduce_sum(losses)
    if reduction == "sum":
        return total
    if reduction == "mean_with_sample_weight" and sw is not None:
        denom = float(np.broadcast_to(sw._value, losses._value.shape).sum())
    else:
        denom = float(losses._value.size)
    if denom == 0:
        return M.multiply(total, 0.0)
    return M.divide(total, denom)


# ---- loss classes -------------------------------------------------------------------------

def _snake(name):
    import re
    s = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s).lower()


class Loss:
    """Base class of losses: override ``call(y_true, y_pred)`` to return per-sample values."""

    def __init__(self, reduction="sum_over_batch_size", name=None, dtype=None):
        self.reduction = _standardize_reduction(reduction, type(self).__name__)
        self.name = name if name is not None else _snake(type(self).__name__)
        self.dtype = dtype

    def __call__(self, y_true, y_pred, sample_weight=None):
        losses = self.call(y_true, y_pred)
        if self.dtype is not None and isinstance(losses, Tensor) and \
                losses.dtype.name != _dt.as_dtype(self.dtype).name:
            losses = M.cast(losses, self.dtype)
        return reduce_weighted_values(losses, sample_weight, self.reduction)

    def call(self, y_true, y_pred):
        raise NotImplementedError("%s must implement call(y_true, y_pred)."
                                  % type(self).__name__)

    def get_config(self):
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return "<%s name=%s>" % (type(self).__name__, self.name)


class LossFunctionWrapper(Loss):
    """A Loss that calls ``fn(y_true, y_pred, **kwargs)``."""

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, dtype=None, **kwargs):
        super().__init__(reduction=reduction,
                         name=name if name is not None else getattr(fn, "__name__", None),
                         dtype=dtype)
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true, y_pred):
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self):
        config = super().get_config()
        config.update(self._fn_kwargs)
        if type(self) is LossFunctionWrapper:
            from ndflow.keras.saving.serialization import serialize_keras_object
            config["fn"] = serialize_keras_object(self.fn)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if cls is LossFunctionWrapper and "fn" in config:
            config["fn"] = get(config["fn"])
        return cls(**config)


def _loss_class(fn, default_name, params, doc):
    """Build a loss class whose constructor takes ``params`` (name -> default)."""

    def __init__(self, *args, **kwargs):
        names = list(params) + ["reduction", "name", "dtype"]
        if len(args) > len(names):
            raise TypeError("%s takes at most %d positional arguments"
                            % (default_name, len(names)))
        values = dict(params)
        values.update({"reduction": "sum_over_batch_size", "name": _snake(default_name)
                       if default_name[0].isupper() else default_name, "dtype": None})
        values["name"] = _DEFAULT_NAMES.get(default_name, values["name"])
        for n, a in zip(names, args):
            values[n] = a
        for k, v in kwargs.items():
            if k not in values:
                raise TypeError("%s got an unexpected keyword argument %r (valid: %s)"
                                % (default_name, k, ", ".join(names)))
            values[k] = v
        fn_kwargs = {k: values[k] for k in params}
        LossFunctionWrapper.__init__(self, fn, reduction=values["reduction"],
                                     name=values["name"], dtype=values["dtype"], **fn_kwargs)
        for k, v in fn_kwargs.items():
            setattr(self, k, v)

    def get_config(self):
        config = Loss.get_config(self)
        config.update(self._fn_kwargs)
        return config

    return type(default_name, (LossFunctionWrapper,),
                {"__init__": __init__, "get_config": get_config, "__doc__": doc,
                 "__module__": __name__})


_DEFAULT_NAMES = {
    "MeanSquaredError": "mean_squared_error", "MeanAbsoluteError": "mean_absolute_error",
    "MeanAbsolutePercentageError": "mean_absolute_percentage_error",
    "MeanSquaredLogarithmicError": "mean_squared_logarithmic_error",
    "BinaryCrossentropy": "binary_crossentropy",
    "BinaryFocalCrossentropy": "binary_focal_crossentropy",
    "CategoricalCrossentropy": "categorical_crossentropy",
    "CategoricalFocalCrossentropy": "categorical_focal_crossentropy",
    "SparseCategoricalCrossentropy": "sparse_categorical_crossentropy",
    "Hinge": "hinge", "SquaredHinge": "squared_hinge", "CategoricalHinge": "categorical_hinge",
    "Huber": "huber_loss", "LogCosh": "log_cosh", "KLDivergence": "kl_divergence",
    "Poisson": "poisson", "CosineSimilarity": "cosine_similarity",
}

MeanSquaredError = _loss_class(mean_squared_error, "MeanSquaredError", {},
                               "mean((y_pred - y_true)**2) over the last axis.")
MeanAbsoluteError = _loss_class(mean_absolute_error, "MeanAbsoluteError", {},
                                "mean(|y_pred - y_true|) over the last axis.")
MeanAbsolutePercentageError = _loss_class(
    mean_absolute_percentage_error, "MeanAbsolutePercentageError", {},
    "100 * mean(|(y_true - y_pred) / y_true|).")
MeanSquaredLogarithmicError = _loss_class(
    mean_squared_logarithmic_error, "MeanSquaredLogarithmicError", {},
    "mean((log(y_pred + 1) - log(y_true + 1))**2).")
BinaryCrossentropy = _loss_class(
    binary_crossentropy, "BinaryCrossentropy",
    {"from_logits": False, "label_smoothing": 0.0, "axis": -1},
    "Cross-entropy for 0/1 labels against probabilities (or logits).")
BinaryFocalCrossentropy = _loss_class(
    binary_focal_crossentropy, "BinaryFocalCrossentropy",
    {"apply_class_balancing": False, "alpha": 0.25, "gamma": 2.0, "from_logits": False,
     "label_smoothing": 0.0, "axis": -1},
    "Binary cross-entropy scaled by (1 - p_t)**gamma.")
CategoricalCrossentropy = _loss_class(
    categorical_crossentropy, "CategoricalCrossentropy",
    {"from_logits": False, "label_smoothing": 0.0, "axis": -1},
    "Cross-entropy for one-hot labels.")
CategoricalFocalCrossentropy = _loss_class(
    categorical_focal_crossentropy, "CategoricalFocalCrossentropy",
    {"alpha": 0.25, "gamma": 2.0, "from_logits": False, "label_smoothing": 0.0, "axis": -1},
    "Categorical cross-entropy scaled by alpha * (1 - p)**gamma.")
SparseCategoricalCrossentropy = _loss_class(
    sparse_categorical_crossentropy, "SparseCategoricalCrossentropy",
    {"from_logits": False, "ignore_class": None, "axis": -1},
    "Cross-entropy for integer class labels.")
Hinge = _loss_class(hinge, "Hinge", {}, "mean(max(1 - y_true * y_pred, 0)); 0/1 labels -> -1/1.")
SquaredHinge = _loss_class(squared_hinge, "SquaredHinge", {},
                           "mean(max(1 - y_true * y_pred, 0)**2).")
CategoricalHinge = _loss_class(categorical_hinge, "CategoricalHinge", {},
                               "max(neg - pos + 1, 0) for one-hot labels.")
Huber = _loss_class(huber, "Huber", {"delta": 1.0},
                    "Quadratic for |error| <= delta, linear beyond.")
LogCosh = _loss_class(log_cosh, "LogCosh", {}, "mean(log(cosh(y_pred - y_true))).")
KLDivergence = _loss_class(kl_divergence, "KLDivergence", {},
                           "sum(y_true * log(y_true / y_pred)).")
Poisson = _loss_class(poisson, "Poisson", {}, "mean(y_pred - y_true * log(y_pred)).")
CosineSimilarity = _loss_class(cosine_similarity, "CosineSimilarity", {"axis": -1},
                               "-sum(l2_normalize(y_true) * l2_normalize(y_pred)).")

_CLASSES = [MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError,
            MeanSquaredLogarithmicError, BinaryCrossentropy, BinaryFocalCrossentropy,
            CategoricalCrossentropy, CategoricalFocalCrossentropy,
            SparseCategoricalCrossentropy, Hinge, SquaredHinge, CategoricalHinge, Huber,
            LogCosh, KLDivergence, Poisson, CosineSimilarity]

_FUNCTIONS = {
    "mean_squared_error": mean_squared_error, "mse": mse, "MSE": MSE,
    "mean_absolute_error": mean_absolute_error, "mae": mae, "MAE": MAE,
    "mean_absolute_percentage_error": mean_absolute_percentage_error, "mape": mape,
    "MAPE": MAPE,
    "mean_squared_logarithmic_error": mean_squared_logarithmic_error, "msle": msle,
    "MSLE": MSLE,
    "binary_crossentropy": binary_crossentropy,
    "binary_focal_crossentropy": binary_focal_crossentropy,
    "categorical_crossentropy": categorical_crossentropy,
    "categorical_focal_crossentropy": categorical_focal_crossentropy,
    "sparse_categorical_crossentropy": sparse_categorical_crossentropy,
    "hinge": hinge, "squared_hinge": squared_hinge, "categorical_hinge": categorical_hinge,
    "huber": huber, "huber_loss": huber_loss, "log_cosh": log_cosh, "logcosh": logcosh,
    "kl_divergence": kl_divergence, "kld": kld, "KLD": KLD,
    "kullback_leibler_divergence": kullback_leibler_divergence,
    "poisson": poisson, "cosine_similarity": cosine_similarity,
}

ALL_OBJECTS = dict(_FUNCTIONS)
ALL_OBJECTS.update({c.__name__: c for c in _CLASSES})
ALL_OBJECTS.update({"Loss": Loss, "LossFunctionWrapper": LossFunctionWrapper})


def serialize(loss):
    from ndflow.keras.saving.serialization import serialize_keras_object
    return serialize_keras_object(loss)


def deserialize(config, custom_objects=None):
    if isinstance(config, str):
        return get(config)
    from ndflow.keras.saving.serialization import deserialize_keras_object
    return deserialize_keras_object(config, custom_objects=custom_objects)


def get(identifier):
    """A loss from a name (``'mse'``, ``'BinaryCrossentropy'``), a config or a callable.

    A function name gives the function; a class name gives a new instance.
    """
    if identifier is None:
        return None
    if isinstance(identifier, str):
        obj = ALL_OBJECTS.get(identifier)
        if obj is None:
            lowered = {k.lower(): v for k, v in ALL_OBJECTS.items()}
            obj = lowered.get(identifier.lower())
        if obj is None:
            from ndflow.keras.saving import registry
            obj = registry.get_registered_object(identifier)
        if obj is None:
            raise ValueError(
                "Unknown loss %r. Valid names are: %s, or pass a keras.losses.Loss instance "
                "or a function fn(y_true, y_pred)." % (
                    identifier, ", ".join(sorted(k for k in ALL_OBJECTS
                                                 if k not in ("Loss", "LossFunctionWrapper")))))
        if isinstance(obj, type):
            return obj()
        return obj
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise ValueError("Could not interpret loss identifier: %r (type %s). Pass a name such as "
                     "'mse', a keras.losses.Loss instance or a function."
                     % (identifier, type(identifier).__name__))
