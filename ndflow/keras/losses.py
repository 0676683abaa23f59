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


def _sparse_labels(y_true, y_pred, fn_name="sparse_categorical_crossentropy"):
    y_true = y_true if isinstance(y_true, Tensor) else convert_to_tensor(y_true)
    lab = y_true._value
    if lab.ndim == y_pred._value.ndim and lab.ndim > 0 and lab.shape[-1] == 1:
        lab = lab[..., 0]
    if lab.shape != y_pred._value.shape[:-1]:
        raise ValueError(
            "%s: expected integer labels of shape %s for "
            "predictions of shape %s, got labels of shape %s. With one-hot labels use "
            "'categorical_crossentropy'." % (fn_name, tuple(y_pred._value.shape[:-1]),
                                             tuple(y_pred._value.shape),
                                             tuple(y_true._value.shape)))
    if lab.dtype.kind == "f":
        lab = lab.astype(np.int64)
    n = y_pred._value.shape[-1]
    if lab.size and (lab.min() < 0 or lab.max() >= n):
        raise ValueError(
            "%s: labels must be integers in [0, %d) for an "
            "output with %d classes, got values from %d to %d. Check that the last Dense "
            "layer has one unit per class." % (fn_name, n, n, int(lab.min()), int(lab.max())))
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


# ---- Keras 3 additions: overlap losses, generalized cross-entropy, Circle, CTC ----------

def _axis_arg(axis):
    # a tuple read back from a JSON config arrives as a list
    return tuple(axis) if isinstance(axis, list) else axis


def dice(y_true, y_pred, axis=None):
    """1 - 2 * sum(y_true * y_pred) / (sum(y_true) + sum(y_pred) + epsilon).

    The sums run over ``axis`` (all axes when None, giving one scalar for the batch)."""
    y_true, y_pred = _prepare(y_true, y_pred)
    axis = _axis_arg(axis)
    inter = R.reduce_sum(M.multiply(y_true, y_pred), axis=axis)
    total = M.add(M.add(R.reduce_sum(y_true, axis=axis), R.reduce_sum(y_pred, axis=axis)),
                  EPSILON)
    return M.subtract(1.0, M.divide(M.multiply(inter, 2.0), total))


def tversky(y_true, y_pred, alpha=0.5, beta=0.5, axis=None):
    """1 - TP / (TP + alpha * sum(y_true * (1 - y_pred)) + beta * sum((1 - y_true) * y_pred)
    + epsilon), the sums over ``axis``; alpha = beta = 0.5 gives the Dice loss.

    (As in Keras, ``alpha`` weighs the mass of ``y_true`` that ``y_pred`` misses and
    ``beta`` the mass ``y_pred`` puts outside ``y_true``.)"""
    y_true, y_pred = _prepare(y_true, y_pred)
    axis = _axis_arg(axis)
    inter = R.reduce_sum(M.multiply(y_true, y_pred), axis=axis)
    missed = R.reduce_sum(M.multiply(y_true, M.subtract(1.0, y_pred)), axis=axis)
    extra = R.reduce_sum(M.multiply(y_pred, M.subtract(1.0, y_true)), axis=axis)
    denom = M.add(M.add(M.add(inter, M.multiply(missed, alpha)), M.multiply(extra, beta)),
                  EPSILON)
    return M.subtract(1.0, M.divide(inter, denom))


def categorical_generalized_cross_entropy(y_true, y_pred, q=0.5):
    """(1 - p**q) / q, ``p`` the predicted probability of the true class.

    ``y_true``: integer class indices ``(batch,)`` or ``(batch, 1)``; ``y_pred``:
    probabilities ``(batch, num_classes)``.  q -> 0 approaches the cross-entropy, q = 1
    is the mean absolute error of the true class.  (Keras requires ``q``; the default 0.5
    here, the class's default, lets ``loss='categorical_generalized_cross_entropy'``
    work in ``compile``.)"""
    y_pred = _float_tensor(y_pred)
    labels = _sparse_labels(y_true, y_pred, "categorical_generalized_cross_entropy")
    onehot = _onehot_like(y_pred._value, labels.astype(np.intp, copy=False))
    p = R.reduce_sum(M.multiply(y_pred, _wrap(onehot)), axis=-1)
    return M.divide(M.subtract(1.0, M.pow(p, float(q))), float(q))


def _int_labels(y, fn_name, what):
    """Integer labels as a flat (n,) array; (n, 1) columns are flattened."""
    y = y if isinstance(y, Tensor) else convert_to_tensor(y)
    v = y._value
    if v.ndim == 2 and v.shape[1] == 1:
        v = v[:, 0]
    if v.ndim != 1:
        raise ValueError("%s: `%s` must be integer labels of shape (batch_size,) or "
                         "(batch_size, 1), got shape %s." % (fn_name, what, tuple(v.shape)))
    if v.dtype.kind == "f":
        v = v.astype(np.int64)
    return v


def _masked_logsumexp(x, mask):
    """log(sum(exp(x))) over the last axis, counting only the entries where ``mask``;
    -inf for a row with none (with a zero, not NaN, gradient there)."""
    mask = np.asarray(mask, dtype=bool)
    any_row = mask.any(axis=-1)
    with np.errstate(invalid="ignore"):
        m = np.where(mask, x._value, -np.inf).max(axis=-1, initial=-np.inf)
    m = np.where(any_row, m, 0.0).astype(x._value.dtype)
    shifted = M.where(_wrap(mask), M.subtract(x, _wrap(m[..., None])), -np.inf)
    s = R.reduce_sum(M.exp(shifted), axis=-1)
    s = M.add(s, _wrap((~any_row).astype(x._value.dtype)))     # 1 where the row is empty
    out = M.add(M.log(s), _wrap(m))
    return M.add(out, _wrap(np.where(any_row, 0.0, -np.inf).astype(x._value.dtype)))


def circle(y_true, y_pred, ref_labels=None, ref_embeddings=None, remove_diagonal=True,
           gamma=80, margin=0.4):
    """Circle loss (Sun et al., 2020) of L2-normalized embeddings with integer labels.

    Each embedding (a row of ``y_pred``) is compared with every reference embedding
    (``ref_embeddings``, default ``y_pred``) by the cosine distance ``d = max(1 - cos, 0)``;
    references with the same label are positives (minus the embedding itself when
    ``remove_diagonal``), the others negatives.  The loss of a row is
    ``softplus(logsumexp(-gamma * a_p * (margin - d_p)) + logsumexp(gamma * a_n *
    (1 - margin - d_n)))`` with the weights ``a_p = max(d_p + margin, 0)`` and
    ``a_n = max(1 + margin - d_n, 0)``.  A row with no positive (or no negative) pair
    has loss 0 and is masked out of the batch mean, as in Keras.
    """
    fn = "circle"
    y_pred = _float_tensor(y_pred)
    if y_pred._value.ndim != 2:
        raise ValueError("%s: `y_pred` must be embeddings of shape (batch_size, dim), got "
                         "shape %s." % (fn, tuple(y_pred._value.shape)))
    labels = _int_labels(y_true, fn, "y_true")
    if labels.shape[0] != y_pred._value.shape[0]:
        raise ValueError("%s: got %d labels for %d embeddings; y_true must hold one integer "
                         "label per row of y_pred." % (fn, labels.shape[0],
                                                       y_pred._value.shape[0]))
    if ref_embeddings is None:
        ref = y_pred
    else:
        ref = _cast_like(ref_embeddings, y_pred)
        if ref._value.ndim != 2 or ref._value.shape[1] != y_pred._value.shape[1]:
            raise ValueError("%s: `ref_embeddings` must have shape (num_refs, %d) to match "
                             "y_pred, got shape %s." % (fn, y_pred._value.shape[1],
                                                        tuple(ref._value.shape)))
    ref_lab = labels if ref_labels is None else _int_labels(ref_labels, fn, "ref_labels")
    if ref_lab.shape[0] != ref._value.shape[0]:
        raise ValueError("%s: got %d reference labels for %d reference embeddings."
                         % (fn, ref_lab.shape[0], ref._value.shape[0]))
    from ndflow.ops.linalg_ops import matmul
    dist = M.maximum(M.subtract(1.0, matmul(y_pred, ref, transpose_b=True)), 0.0)
    pos = labels[:, None] == ref_lab[None, :]
    neg = ~pos
    if remove_diagonal:
        pos = pos & ~np.eye(pos.shape[0], pos.shape[1], dtype=bool)
    dt = y_pred._value.dtype
    pos_w = M.maximum(M.multiply(M.add(dist, float(margin)), _wrap(pos.astype(dt))), 0.0)
    neg_w = M.maximum(M.multiply(M.subtract(1.0 + margin, dist), _wrap(neg.astype(dt))), 0.0)
    pos_logits = M.multiply(M.multiply(pos_w, -float(gamma)), M.subtract(float(margin), dist))
    neg_logits = M.multiply(M.multiply(neg_w, float(gamma)), M.subtract(1.0 - margin, dist))
    total = M.add(_masked_logsumexp(pos_logits, pos), _masked_logsumexp(neg_logits, neg))
    loss = _softplus(total)
    loss._keras_mask = loss._value > 0
    return loss


def ctc(y_true, y_pred):
    """CTC loss per sequence, with Keras 3's conventions.

    ``y_true``: integer labels ``(batch_size, max_length)``, padded with 0; 0 is the
    blank and never a class (a row's label length is its number of non-zero entries).
    ``y_pred``: unnormalized logits ``(batch_size, frames, num_classes)`` (a log-softmax is
    applied inside; do not pass softmax probabilities).  Every sequence uses all frames.
    """
    y_pred = _float_tensor(y_pred)
    y_true = y_true if isinstance(y_true, Tensor) else convert_to_tensor(y_true)
    if y_true._value.ndim != 2:
        raise ValueError(
            "ctc: `y_true` must be integer labels of shape (batch_size, max_length), padded "
            "with 0 (the blank), got shape %s." % (tuple(y_true._value.shape),))
    if y_pred._value.ndim != 3:
        raise ValueError(
            "ctc: `y_pred` must be logits of shape (batch_size, frames, num_classes), got "
            "shape %s. For a sequence model, end with Dense(num_classes) applied to every "
            "frame." % (tuple(y_pred._value.shape),))
    batch, frames = y_pred._value.shape[:2]
    if y_true._value.shape[0] != batch:
        raise ValueError("ctc: y_true has %d sequences but y_pred has %d."
                         % (y_true._value.shape[0], batch))
    labels = y_true._value
    if labels.dtype.kind == "f":
        labels = labels.astype(np.int64)
    label_length = (labels != 0).sum(axis=-1)
    from ndflow.ops.ctc_ops import ctc_loss
    return ctc_loss(labels, y_pred, label_length, np.full(batch, frames, dtype=np.int64),
                    logits_time_major=False, blank_index=0)


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


def _mask_weights(mask, sample_weight, dtype, reduction):
    """Fold a boolean mask of the per-sample losses into the sample weights (Keras 3).

    For a mean (``'sum_over_batch_size'``) the kept values are scaled by
    ``size / kept``, so the result is the mean over the kept values only."""
    mask = np.asarray(mask._value if isinstance(mask, Tensor) else mask, dtype=bool)
    if reduction == "sum_over_batch_size":
        kept = int(mask.sum())
        weights = np.where(mask, mask.size / kept if kept else 0.0, 0.0)
    else:
        weights = mask.astype(np.float64)
    weights = _wrap(weights.astype(dtype))
    if sample_weight is None:
        return weights
    sw = sample_weight if isinstance(sample_weight, Tensor) else \
        convert_to_tensor(sample_weight)
    if sw._value.dtype != dtype:
        sw = _wrap(sw._value.astype(dtype))
    sw, weights = squeeze_or_expand_to_same_rank(sw, weights)
    return M.multiply(sw, weights)


def reduce_weighted_values(losses, sample_weight=None, reduction="sum_over_batch_size",
                           mask=None):
    """Weight per-sample ``losses`` and reduce them as ``reduction`` says.

    ``mask`` (optional, boolean, shaped like ``losses``): values to leave out, as Keras 3
    does with a mask attached to the losses."""
    if not isinstance(losses, Tensor):
        losses = convert_to_tensor(losses)
    if losses._value.dtype.kind != "f":
        losses = M.cast(losses, _dt.floatx())
    if mask is not None:
        sample_weight = _mask_weights(mask, sample_weight, losses._value.dtype, reduction)
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
        # a loss may mark values to leave out of the reduction (Circle: rows without pairs)
        mask = getattr(losses, "_keras_mask", None) if isinstance(losses, Tensor) else None
        if self.dtype is not None and isinstance(losses, Tensor) and \
                losses.dtype.name != _dt.as_dtype(self.dtype).name:
            losses = M.cast(losses, self.dtype)
        return reduce_weighted_values(losses, sample_weight, self.reduction, mask=mask)

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



class _KerasThreeLoss(LossFunctionWrapper):
    """A LossFunctionWrapper whose config lists the constructor arguments (Keras 3)."""

    _config_keys = ()

    def get_config(self):
        config = Loss.get_config(self)
        config.update({k: getattr(self, k) for k in self._config_keys})
        return config


class Dice(_KerasThreeLoss):
    """Dice loss: 1 - 2 * sum(y_true * y_pred) / (sum(y_true) + sum(y_pred)).

    With ``axis=None`` (the default) the sums run over every axis: one value for the whole
    batch.  Pass e.g. ``axis=(1, 2, 3)`` for one value per image of a segmentation batch.
    """
    _config_keys = ("axis",)

    def __init__(self, reduction="sum_over_batch_size", name="dice", axis=None, dtype=None):
        axis = _axis_arg(axis)
        super().__init__(dice, reduction=reduction, name=name, dtype=dtype, axis=axis)
        self.axis = axis


class Tversky(_KerasThreeLoss):
    """Tversky loss: Dice with ``alpha`` / ``beta`` weighing the two kinds of error
    (``alpha = beta = 0.5`` is Dice); see ``keras.losses.tversky``."""
    _config_keys = ("alpha", "beta", "axis")

    def __init__(self, alpha=0.5, beta=0.5, reduction="sum_over_batch_size", name="tversky",
                 axis=None, dtype=None):
        axis = _axis_arg(axis)
        super().__init__(tversky, reduction=reduction, name=name, dtype=dtype, alpha=alpha,
                         beta=beta, axis=axis)
        self.alpha = alpha
        self.beta = beta
        self.axis = axis


class CategoricalGeneralizedCrossEntropy(_KerasThreeLoss):
    """Generalized cross-entropy (Zhang & Sabuncu, 2018): (1 - p**q) / q for integer
    labels and probabilities, robust to noisy labels; ``q`` in (0, 1)."""
    _config_keys = ("q",)

    def __init__(self, q=0.5, reduction="sum_over_batch_size",
                 name="categorical_generalized_cross_entropy", dtype=None):
        if not 0 < q < 1:
            raise ValueError(
                "CategoricalGeneralizedCrossEntropy: q must be in the open interval (0, 1), "
                "got q=%r. Values near 0 behave like cross-entropy, near 1 like the mean "
                "absolute error." % (q,))
        super().__init__(categorical_generalized_cross_entropy, reduction=reduction,
                         name=name, dtype=dtype, q=q)
        self.q = q


class Circle(_KerasThreeLoss):
    """Circle loss for metric learning between integer labels (``y_true``) and
    L2-normalized embeddings (``y_pred``, e.g. ``Dense(d)`` then ``UnitNormalization``).
    Rows with no positive or no negative pair in the batch are left out of the mean."""
    _config_keys = ("gamma", "margin", "remove_diagonal")

    def __init__(self, gamma=80.0, margin=0.4, remove_diagonal=True,
                 reduction="sum_over_batch_size", name="circle", dtype=None):
        super().__init__(circle, reduction=reduction, name=name, dtype=dtype, gamma=gamma,
                         margin=margin, remove_diagonal=remove_diagonal)
        self.gamma = gamma
        self.margin = margin
        self.remove_diagonal = remove_diagonal


class CTC(_KerasThreeLoss):
    """Connectionist Temporal Classification loss: ``y_true`` integer labels
    ``(batch, max_length)`` padded with 0 (the blank), ``y_pred`` logits
    ``(batch, frames, num_classes)``; see ``keras.losses.ctc``."""

    def __init__(self, reduction="sum_over_batch_size", name="ctc", dtype=None):
        super().__init__(ctc, reduction=reduction, name=name, dtype=dtype)


_CLASSES = [MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError,
            MeanSquaredLogarithmicError, BinaryCrossentropy, BinaryFocalCrossentropy,
            CategoricalCrossentropy, CategoricalFocalCrossentropy,
            SparseCategoricalCrossentropy, Hinge, SquaredHinge, CategoricalHinge, Huber,
            LogCosh, KLDivergence, Poisson, CosineSimilarity, Dice, Tversky,
            CategoricalGeneralizedCrossEntropy, Circle, CTC]

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
    "dice": dice, "tversky": tversky, "circle": circle, "ctc": ctc,
    "categorical_generalized_cross_entropy": categorical_generalized_cross_entropy,
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
