"""Connectionist Temporal Classification loss (``tf.nn.ctc_loss``), dense labels.

For one sequence of ``T`` frames and a label sequence ``l`` of length ``L``, CTC sums the
probability of every frame-by-frame path that reads ``l`` once repeats are merged and
blanks are dropped.  The sum runs over the *extended* label sequence
``blank, l1, blank, l2, ..., lL, blank`` (``S = 2L + 1`` states):

* forward variables ``alpha[t, s]``: log-probability of the frames ``0..t`` ending in
  state ``s``.  From ``t - 1`` a path stays in ``s``, moves on from ``s - 1``, or skips
  the blank between two *different* labels (from ``s - 2``);
* the loss is ``-log(exp(alpha[T-1, S-1]) + exp(alpha[T-1, S-2]))``;
* backward variables ``beta[t, s]``: log-probability of the frames ``t+1..T-1`` given
  state ``s`` at frame ``t``; ``alpha + beta - log p`` is the posterior of state ``s`` at
  frame ``t``, and the gradient with respect to the logits is
  ``softmax(logits) - (posterior summed over the states that emit each class)``.

Everything is in log space, one NumPy step per frame, vectorized over the batch; the
recursions run in float64 whatever the logits' dtype, and the result is cast back.
Sequences of different lengths share the arrays: a sequence's forward pass is read at its
own last frame, and its backward pass starts there.  A label sequence that no path of
``logit_length`` frames can read (too long, or too many repeats) has probability 0: its
loss is ``inf`` and its gradient 0.

Two deliberate differences from TensorFlow's CPU kernel: an impossible alignment gives
``inf`` here where TensorFlow returns a large finite number (about 700); and an empty label
sequence gives the exact ``-log p(all blanks)``, where TensorFlow's value is smaller by
``log 2`` (it counts the single final state twice).  Every other value and gradient agrees.

The gradient is exact to first order (and differentiable with respect to the incoming
gradient); it is not itself differentiated with respect to the logits, so second
derivatives of a CTC loss are not available.
"""
import numpy as np

from ndflow.core import engine as _engine
from ndflow.ops._base import Op, execute, convert, wrap, InvalidArgumentError

__all__ = ["ctc_loss"]

_NEG_INF = -np.inf


def _shift(a, k, fill=_NEG_INF):
    """``a`` moved ``k`` states along the last axis (right for k > 0, left for k < 0)."""
    out = np.full_like(a, fill)
    if k > 0:
        out[..., k:] = a[..., :-k]
    else:
        out[..., :k] = a[..., -k:]
    return out


def _log_softmax(x):
    z = x - x.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


class CTCLoss(Op):
    """-log p(labels | logits) per sequence; the single input is the logits."""

    def __init__(self, labels, label_length, logit_length, blank, time_major):
        self.labels = labels                # (B, Lmax) int, only [:, :label_length] read
        self.label_length = label_length    # (B,) int
        self.logit_length = logit_length    # (B,) int
        self.blank = blank
        self.time_major = time_major

    def forward(self, logits):
        x = logits.astype(np.float64, copy=False)
        if self.time_major:
            x = x.transpose(1, 0, 2)        # (B, T, C)
        B, T, C = x.shape
        L = self.label_length
        lmax = self.labels.shape[1]
        S = 2 * lmax + 1
        logp = _log_softmax(x)

        # extended labels: blank at even states, the labels at odd states
        ext = np.full((B, S), self.blank, dtype=np.intp)
        ext[:, 1::2] = self.labels
        state = np.arange(S)
        valid = state[None, :] < (2 * L + 1)[:, None]                     # (B, S)
        ext = np.where(valid, ext, self.blank)
        # a state may be entered from two states back: a label that differs from the
        # label before it (the blank between them may be skipped)
        skip = np.zeros((B, S), dtype=bool)
        skip[:, 3::2] = ext[:, 3::2] != ext[:, 1:-2:2]
        skip &= valid
        # emission log-probabilities per state: (T, B, S)
        emit = np.take_along_axis(logp, ext[:, None, :], axis=2).transpose(1, 0, 2)
        emit = np.where(valid[None], emit, _NEG_INF)

        alpha = np.full((T, B, S), _NEG_INF)
        if T:
            alpha[0, :, 0] = emit[0, :, 0]
            if S > 1:
                alpha[0, :, 1] = np.where(L > 0, emit[0, :, 1], _NEG_INF)
        with np.errstate(invalid="ignore"):
            for t in range(1, T):
                prev = alpha[t - 1]
                a = np.logaddexp(prev, _shift(prev, 1))
                a = np.logaddexp(a, np.where(skip, _shift(prev, 2), _NEG_INF))
                alpha[t] = a + emit[t]

        # read each sequence at its own last frame, in its last two states
        rows = np.arange(B)
        T_b = self.logit_length
        last = np.clip(T_b - 1, 0, max(T - 1, 0))
        if T:
            end = alpha[last, rows]                                        # (B, S)
            ll = np.logaddexp(end[rows, 2 * L],
                              np.where(L > 0, end[rows, np.maximum(2 * L - 1, 0)], _NEG_INF))
        else:
            ll = np.full(B, _NEG_INF)
        # no frames at all: only the empty label sequence can be read (probability 1)
        ll = np.where(T_b == 0, np.where(L == 0, 0.0, _NEG_INF), ll)

        self._saved = (logp, emit, alpha, skip, valid, ext, ll)
        return (-ll).astype(logits.dtype)

    def _gradient(self):
        """d loss / d logits for an incoming gradient of ones, (B, T, C) float64."""
        logp, emit, alpha, skip, valid, ext, ll = self._saved
        T, B, S = alpha.shape
        C = logp.shape[-1]
        L = self.label_length
        T_b = self.logit_length
        rows = np.arange(B)
        ends = np.zeros((B, S), dtype=bool)
        ends[rows, 2 * L] = True
        ends[rows[L > 0], 2 * L[L > 0] - 1] = True
        ends_init = np.where(ends, 0.0, _NEG_INF)

        beta = np.full((T, B, S), _NEG_INF)
        with np.errstate(invalid="ignore"):
            for t in range(T - 1, -1, -1):
                if t < T - 1:
                    nxt = beta[t + 1] + emit[t + 1]
                    b = np.logaddexp(nxt, _shift(nxt, -1))
                    b = np.logaddexp(b, _shift(np.where(skip, nxt, _NEG_INF), -2))
                    b = np.where((t < T_b - 1)[:, None], b, _NEG_INF)
                else:
                    b = beta[t]
                beta[t] = np.where((T_b - 1 == t)[:, None], ends_init, b)

        feasible = np.isfinite(ll)
        ll_safe = np.where(feasible, ll, 0.0)
        with np.errstate(invalid="ignore", over="ignore"):
            post = np.exp(alpha + beta - ll_safe[None, :, None])              # (T, B, S)
        post = np.where(feasible[None, :, None] & np.isfinite(post), post, 0.0)
        # occupancy of each class: sum the posteriors of the states that emit it
        onehot = np.zeros((B, S, C))
        onehot[rows[:, None], np.arange(S)[None, :], ext] = valid
        occ = np.matmul(post.transpose(1, 0, 2), onehot)                     # (B, T, C)
        probs = np.exp(logp)
        return probs * occ.sum(axis=-1, keepdims=True) - occ

    def backward(self, dy):
        (logits,) = self.inputs
        g = self._gradient()
        if self.time_major:
            g = g.transpose(1, 0, 2)
        g = g.astype(logits._value.dtype, copy=False)
        if self.time_major:
            scale_shape = (1, -1, 1)
        else:
            scale_shape = (-1, 1, 1)
        if _engine.is_recording():
            from ndflow.ops import math_ops as M, array_ops as A
            return (M.multiply(A.reshape(dy, scale_shape), wrap(g)),)
        return (wrap(g * dy._value.reshape(scale_shape)),)


def _int_vector(x, name, batch, opname):
    x = convert(x)
    v = x._value
    if v.dtype.kind not in "iu":
        if v.dtype.kind == "f" and np.all(v == np.round(v)):
            v = v.astype(np.int64)
        else:
            raise InvalidArgumentError(
                "%s: `%s` must hold integers, got dtype %s. Pass an int32 tensor."
                % (opname, name, x.dtype.name))
    if v.shape != (batch,):
        raise InvalidArgumentError(
            "%s: `%s` must have shape (batch_size,) = (%d,), got %s."
            % (opname, name, batch, tuple(v.shape)))
    return v.astype(np.intp)


def ctc_loss(labels, logits, label_length, logit_length, logits_time_major=True,
             unique=None, blank_index=None, name=None):
    """Negative log-likelihood of ``labels`` under CTC, one value per sequence.

    Args:
        labels: dense integer labels ``(batch, max_label_length)``; only the first
            ``label_length[b]`` entries of row ``b`` are read (the rest is padding).
        logits: unnormalized scores ``(frames, batch, num_classes)`` (or
            ``(batch, frames, num_classes)`` with ``logits_time_major=False``); a
            log-softmax over the classes is applied here.
        label_length: ``(batch,)`` integer lengths of the label sequences.
        logit_length: ``(batch,)`` integer numbers of frames to read per sequence.
        logits_time_major: whether the frames come first in ``logits``.
        unique: accepted for TensorFlow compatibility (an optimization hint there); the
            result does not depend on it.
        blank_index: the class used as the blank (default 0; a negative index counts
            from ``num_classes``, so -1 is the last class).

    Returns:
        A float tensor ``(batch,)`` of losses, in the dtype of ``logits``.
    """
    op = "tf.nn.ctc_loss"
    if type(labels).__name__ == "SparseTensor":
        raise NotImplementedError(
            "%s: SparseTensor labels are not supported; pass dense labels of shape "
            "(batch, max_label_length) with `label_length` (e.g. tf.sparse.to_dense(labels))."
            % op)
    logits = convert(logits)
    lv = logits._value
    if lv.dtype.kind != "f":
        raise InvalidArgumentError(
            "%s: `logits` must be a float tensor, got dtype %s. Cast first: "
            "tf.cast(logits, tf.float32)." % (op, logits.dtype.name))
    if lv.ndim != 3:
        raise InvalidArgumentError(
            "%s: `logits` must have rank 3, (frames, batch, num_classes) when "
            "logits_time_major=True or (batch, frames, num_classes) otherwise; got shape %s."
            % (op, tuple(lv.shape)))
    if logits_time_major:
        T, B, C = lv.shape
    else:
        B, T, C = lv.shape
    lab = convert(labels)._value
    if lab.dtype.kind not in "iu":
        if lab.dtype.kind == "f" and np.all(lab == np.round(lab)):
            lab = lab.astype(np.int64)
        else:
            raise InvalidArgumentError(
                "%s: `labels` must be an integer tensor, got dtype %s." % (op, lab.dtype))
    if lab.ndim != 2 or lab.shape[0] != B:
        raise InvalidArgumentError(
            "%s: `labels` must be dense with shape (batch, max_label_length) = (%d, ...) to "
            "match `logits` of shape %s, got shape %s."
            % (op, B, tuple(lv.shape), tuple(lab.shape)))
    L = _int_vector(label_length, "label_length", B, op)
    T_b = _int_vector(logit_length, "logit_length", B, op)
    if L.size and (L.min() < 0 or L.max() > lab.shape[1]):
        raise InvalidArgumentError(
            "%s: `label_length` values must be in [0, %d] (the width of `labels`), got "
            "values from %d to %d." % (op, lab.shape[1], L.min(), L.max()))
    if T_b.size and (T_b.min() < 0 or T_b.max() > T):
        raise InvalidArgumentError(
            "%s: `logit_length` values must be in [0, %d] (the number of frames in "
            "`logits`), got values from %d to %d." % (op, T, T_b.min(), T_b.max()))
    blank = 0 if blank_index is None else int(blank_index)
    if blank < 0:
        blank += C
    if not 0 <= blank < C:
        raise InvalidArgumentError(
            "%s: `blank_index` %r is out of range for %d classes (valid: %d to %d)."
            % (op, blank_index, C, -C, C - 1))
    used = np.arange(lab.shape[1])[None, :] < L[:, None]
    if used.any():
        vals = lab[used]
        if vals.min() < 0 or vals.max() >= C:
            raise InvalidArgumentError(
                "%s: labels must be class indices in [0, %d) for logits with %d classes, "
                "got values from %d to %d within `label_length`."
                % (op, C, C, vals.min(), vals.max()))
    lab = np.where(used, lab, blank).astype(np.intp)
    return execute(CTCLoss(lab, L, T_b, blank, bool(logits_time_major)), (logits,))
