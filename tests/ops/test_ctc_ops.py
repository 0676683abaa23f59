"""tf.nn.ctc_loss: values against a brute-force sum over every frame-by-frame path (NumPy
float64), gradients against central finite differences (float64), a few values and
gradients from real TensorFlow pasted in, and the argument checks."""
import itertools
import os
import sys

import numpy as np
import pytest

import ndflow as tf
from ndflow.core.errors import InvalidArgumentError

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from _numeric import numeric_grad  # noqa: E402  (tests/_numeric.py)

RNG = np.random.default_rng(2024)


def _log_softmax(x):
    z = x - x.max(-1, keepdims=True)
    return z - np.log(np.exp(z).sum(-1, keepdims=True))


def brute_force_ctc(labels, logits_btc, label_length, logit_length, blank):
    """-log sum over every path of length T_b whose collapse (merge repeats, drop blanks)
    is the label sequence; batch-major logits, float64."""
    out = []
    for b in range(logits_btc.shape[0]):
        T = int(logit_length[b])
        target = tuple(int(v) for v in labels[b][:label_length[b]])
        logp = _log_softmax(logits_btc[b].astype(np.float64))
        C = logp.shape[-1]
        total = 0.0
        for path in itertools.product(range(C), repeat=T):
            merged = [k for i, k in enumerate(path) if i == 0 or k != path[i - 1]]
            if tuple(k for k in merged if k != blank) == target:
                total += np.exp(sum(logp[t, k] for t, k in enumerate(path)))
        out.append(-np.log(total) if total > 0 else np.inf)
    return np.array(out)


def _ctc(labels, logits, label_length, logit_length, **kw):
    return tf.nn.ctc_loss(labels, tf.constant(logits), label_length, logit_length,
                          **kw).numpy()


CASES = [
    # (labels, label_length, logit_length, num_classes, blank_index)
    ([[1, 2], [2, 0]], [2, 1], [4, 3], 3, None),
    ([[1, 1], [2, 1]], [2, 2], [4, 4], 3, 0),           # a repeat needs a blank between
    ([[0, 1], [1, 1]], [2, 1], [4, 2], 3, -1),           # blank is the last class
    ([[2, 0, 2]], [3], [5], 3, 1),                       # blank in the middle of the classes
    ([[1, 2], [0, 0]], [2, 0], [3, 4], 3, None),         # an empty label sequence
    ([[3, 1, 2], [1, 3, 3]], [3, 3], [5, 5], 4, 0),
]


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("time_major", [True, False])
def test_matches_brute_force(case, time_major):
    labels, L, Tb, C, blank = case
    B, T = len(labels), max(Tb)
    logits = RNG.normal(size=(B, T, C)) * 1.5
    want = brute_force_ctc(np.array(labels), logits, L, Tb, 0 if blank is None else blank % C)
    x = logits.transpose(1, 0, 2) if time_major else logits
    got = _ctc(np.array(labels, np.int32), x, np.array(L), np.array(Tb),
               logits_time_major=time_major, blank_index=blank)
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


def test_float32_result_and_unique_is_ignored():
    logits = RNG.normal(size=(4, 2, 3)).astype(np.float32)
    args = (np.array([[1, 2], [2, 2]], np.int32), logits, np.array([2, 2]), np.array([4, 4]))
    a = _ctc(*args)
    b = _ctc(*args, unique=(np.zeros((2, 2), np.int32), np.zeros((2, 2), np.int32)))
    assert a.dtype == np.float32 and a.shape == (2,)
    np.testing.assert_array_equal(a, b)
    want = brute_force_ctc(args[0], logits.transpose(1, 0, 2).astype(np.float64), [2, 2],
                           [4, 4], 0)
    np.testing.assert_allclose(a, want, rtol=1e-6)


@pytest.mark.parametrize("time_major", [True, False])
@pytest.mark.parametrize("blank", [None, 2])
def test_gradient_matches_finite_differences(time_major, blank):
    labels = np.array([[1, 2, 1], [1, 1, 0], [3, 0, 0]], np.int32)
    if blank == 2:
        labels = np.where(labels == 2, 0, labels)
    L, Tb = np.array([3, 2, 1]), np.array([6, 5, 3])
    shape = (6, 3, 4) if time_major else (3, 6, 4)
    logits = RNG.normal(size=shape)
    weights = np.array([1.0, -2.0, 0.5])          # a non-uniform incoming gradient

    def f(v):
        return float((_ctc(labels, v, L, Tb, logits_time_major=time_major,
                           blank_index=blank) * weights).sum())

    x = tf.constant(logits)
    with tf.GradientTape() as tape:
        tape.watch(x)
        loss = tf.nn.ctc_loss(labels, x, L, Tb, logits_time_major=time_major,
                              blank_index=blank)
        total = tf.reduce_sum(loss * tf.constant(weights))
    got = tape.gradient(total, x).numpy()
    np.testing.assert_allclose(got, numeric_grad(f, logits.copy()), rtol=1e-6, atol=1e-8)
    # frames past a sequence's logit_length get no gradient
    frames = got if not time_major else got.transpose(1, 0, 2)
    assert np.all(frames[2, 3:] == 0) and np.all(frames[1, 5:] == 0)


# Computed with real TensorFlow 2.21 (tf.nn.ctc_loss, float32, time-major), then pasted:
# loss and d(loss[0] + 2 * loss[1]) / d logits.
TF_LOGITS = np.array(
    [[[0.03, 1.36, 1.22], [-0.51, -0.30, -0.53]],
     [[0.57, -0.06, 0.75], [-1.85, 1.57, -0.10]],
     [[0.68, -0.14, -0.38], [0.46, 0.82, -0.20]],
     [[-0.15, 0.69, -0.87], [-1.51, 0.39, -0.67]]], np.float32)
TF_CASES = {
    # blank_index: (labels, loss, gradient)
    None: ([[1, 2], [2, 0]], [2.3724136, 2.9360847],
           [[[0.06217721, -0.469593, 0.40741578], [-0.36223125, 0.76771957, -0.40548813]],
            [[0.07957479, -0.02677676, -0.05279794], [-0.10582888, 1.6380559, -1.5322273]],
            [[0.01465946, 0.19201049, -0.20667002], [-0.6398777, 0.97168916, -0.33181155]],
            [[-0.33079234, 0.60907036, -0.27827793], [0.0, 0.0, 0.0]]]),
    2: ([[1, 0], [0, 0]], [1.7956022, 3.4163744],
        [[[0.12394453, -0.30143225, 0.17748778], [-0.15079117, 0.76771957, -0.6169282]],
         [[0.11444798, -0.14932579, 0.03487778], [-0.46345985, 1.6380562, -1.1745962]],
         [[-0.16264349, 0.11001058, 0.05263303], [-0.6339127, 0.97168916, -0.33777654]],
         [[-0.47493055, 0.6090703, -0.13413973], [0.0, 0.0, 0.0]]]),
}


@pytest.mark.parametrize("blank", [None, 2])
def test_matches_tensorflow_constants(blank):
    labels, want_loss, want_grad = TF_CASES[blank]
    x = tf.constant(TF_LOGITS)
    with tf.GradientTape() as tape:
        tape.watch(x)
        loss = tf.nn.ctc_loss(np.array(labels, np.int32), x, np.array([2, 1]),
                              np.array([4, 3]), blank_index=blank)
        total = loss[0] + 2.0 * loss[1]
    np.testing.assert_allclose(loss.numpy(), want_loss, rtol=1e-5)
    np.testing.assert_allclose(tape.gradient(total, x).numpy(), want_grad, rtol=1e-4,
                               atol=1e-6)


def test_impossible_alignment_is_inf_with_zero_gradient():
    # "1 1" needs 3 frames (1, blank, 1); with 2 frames no path reads it
    logits = RNG.normal(size=(2, 3, 3))
    x = tf.constant(logits)
    with tf.GradientTape() as tape:
        tape.watch(x)
        loss = tf.nn.ctc_loss(np.array([[1, 1], [1, 2]]), x, np.array([2, 2]),
                              np.array([2, 3]), logits_time_major=False)
    got = loss.numpy()
    assert got[0] == np.inf
    np.testing.assert_allclose(got[1], brute_force_ctc(
        np.array([[1, 2]]), logits[1:], [2], [3], 0)[0], rtol=1e-10)
    g = tape.gradient(loss, x).numpy()      # an incoming gradient of 1 for both rows
    assert np.all(np.isfinite(g)) and np.all(g[0] == 0) and np.any(g[1] != 0)


def test_zero_frames():
    got = _ctc(np.array([[0], [1]]), np.zeros((3, 2, 2)), np.array([0, 1]), np.array([0, 0]))
    assert got[0] == 0.0 and got[1] == np.inf


def test_exported_from_tf_nn():
    from ndflow.ops.ctc_ops import ctc_loss
    assert tf.nn.ctc_loss is ctc_loss


@pytest.mark.parametrize("kwargs, match", [
    (dict(logits=np.zeros((4, 2))), "rank 3"),
    (dict(logits=np.zeros((4, 2, 3), np.int32)), "float"),
    (dict(labels=np.zeros((3, 2), np.int32)), r"shape \(batch, max_label_length\)"),
    (dict(labels=np.full((2, 2), 0.5)), "integer"),
    (dict(label_length=np.array([1, 3])), r"label_length.*\[0, 2\]"),
    (dict(label_length=np.array([1])), r"label_length.*\(2,\)"),
    (dict(logit_length=np.array([4, 5])), r"logit_length.*\[0, 4\]"),
    (dict(labels=np.array([[1, 3], [1, 1]])), r"class indices in \[0, 3\)"),
    (dict(blank_index=3), "blank_index"),
    (dict(blank_index=-4), "blank_index"),
])
def test_argument_errors(kwargs, match):
    args = dict(labels=np.array([[1, 2], [1, 1]], np.int32), logits=np.zeros((4, 2, 3)),
                label_length=np.array([2, 2]), logit_length=np.array([4, 4]))
    args.update(kwargs)
    with pytest.raises(InvalidArgumentError, match=match) as info:
        tf.nn.ctc_loss(**args)
    assert "ctc_loss" in str(info.value)


def test_padding_beyond_label_length_is_not_read():
    logits = RNG.normal(size=(5, 2, 4))
    L, Tb = np.array([2, 1]), np.array([5, 5])
    a = _ctc(np.array([[1, 2, 3], [3, 0, 0]]), logits, L, Tb)
    b = _ctc(np.array([[1, 2, 99], [3, -1, 7]]), logits, L, Tb)
    np.testing.assert_array_equal(a, b)


def test_sparse_labels_are_refused():
    class SparseTensor:
        pass
    with pytest.raises(NotImplementedError, match="dense"):
        tf.nn.ctc_loss(SparseTensor(), np.zeros((4, 2, 3)), None, np.array([4, 4]))
