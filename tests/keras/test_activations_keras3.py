"""The Keras 3 activations (celu, glu, hard_shrink, hard_tanh, log_sigmoid, soft_shrink,
sparse_plus, sparse_sigmoid, sparsemax, squareplus, tanh_shrink, threshold) and
keras.regularizers.OrthogonalRegularizer.

Values against NumPy float64 formulas (sparsemax against a bisection solver of the simplex
projection), gradients against central finite differences, the conventions at the kinks
and the penalties on edge cases against constants computed with real Keras 3.15.1 (pasted
in, marked as such), lookup by name, serialization, layers, errors.
"""
import json

import numpy as np
import pytest

import ndflow as tf
from ndflow import keras
from ndflow.core.errors import InvalidArgumentError
from ndflow.keras import activations

# points away from every kink (0, +-0.5, +-1, +-1.2, 0.7)
X = np.array([-3.5, -2.0, -1.3, -0.9, -0.7, -0.3, -0.05, 0.05, 0.2, 0.6, 0.8, 1.1, 1.6, 4.0])


def _np_sigmoid(x):
    return 1 / (1 + np.exp(-x))


# name, keyword arguments, NumPy float64 formula
ELEMENTWISE = [
    ("celu", {}, lambda x: np.where(x > 0, x, np.expm1(x))),
    ("celu", {"alpha": 0.5}, lambda x: np.where(x > 0, x, 0.5 * np.expm1(x / 0.5))),
    ("celu", {"alpha": 2.5}, lambda x: np.where(x > 0, x, 2.5 * np.expm1(x / 2.5))),
    ("hard_shrink", {}, lambda x: np.where(np.abs(x) > 0.5, x, 0.0)),
    ("hard_shrink", {"threshold": 1.2}, lambda x: np.where(np.abs(x) > 1.2, x, 0.0)),
    ("soft_shrink", {}, lambda x: np.sign(x) * np.maximum(np.abs(x) - 0.5, 0.0)),
    ("soft_shrink", {"threshold": 1.2}, lambda x: np.sign(x) * np.maximum(np.abs(x) - 1.2, 0)),
    ("hard_tanh", {}, lambda x: np.clip(x, -1, 1)),
    ("log_sigmoid", {}, lambda x: np.log(_np_sigmoid(x))),
    ("sparse_plus", {}, lambda x: np.where(x <= -1, 0.0, np.where(x >= 1, x, (x + 1) ** 2 / 4))),
    ("sparse_sigmoid", {}, lambda x: np.clip((x + 1) / 2, 0, 1)),
    ("squareplus", {}, lambda x: (x + np.sqrt(x * x + 4)) / 2),
    ("squareplus", {"b": 0.3}, lambda x: (x + np.sqrt(x * x + 0.3)) / 2),
    ("tanh_shrink", {}, lambda x: x - np.tanh(x)),
    ("threshold", {"threshold": 0.7, "default_value": -2.0},
     lambda x: np.where(x > 0.7, x, -2.0)),
    ("threshold", {"threshold": -1.0, "default_value": 0.0},
     lambda x: np.where(x > -1.0, x, 0.0)),
]
IDS = ["%s-%s" % (c[0], ",".join("%s=%s" % kv for kv in c[1].items())) for c in ELEMENTWISE]


def _numeric_grad(f, x0, w, eps=1e-6):
    """d sum(w * f(x)) / dx by central differences (x0 float64)."""
    g = np.zeros_like(x0)
    flat, gflat = x0.reshape(-1), g.reshape(-1)
    for i in range(flat.size):
        plus, minus = flat.copy(), flat.copy()
        plus[i] += eps
        minus[i] -= eps
        fp = np.sum(w * np.asarray(f(tf.constant(plus.reshape(x0.shape)))))
        fm = np.sum(w * np.asarray(f(tf.constant(minus.reshape(x0.shape)))))
        gflat[i] = (fp - fm) / (2 * eps)
    return g


def _tape_grad(f, x0, w):
    x = tf.constant(x0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(f(x) * tf.constant(w))
    return tape.gradient(y, x).numpy()


@pytest.mark.parametrize("case", ELEMENTWISE, ids=IDS)
def test_value_matches_numpy_float64(case):
    name, kwargs, formula = case
    out = getattr(activations, name)(tf.constant(X), **kwargs)
    assert out.dtype == tf.float64
    np.testing.assert_allclose(out.numpy(), formula(X), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("case", ELEMENTWISE, ids=IDS)
def test_float32_value_and_dtype(case):
    name, kwargs, formula = case
    out = getattr(activations, name)(tf.constant(X.astype(np.float32)), **kwargs)
    assert out.dtype == tf.float32
    np.testing.assert_allclose(out.numpy(), formula(X), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("case", ELEMENTWISE, ids=IDS)
def test_gradient_matches_finite_differences(case):
    name, kwargs, _ = case
    fn = getattr(activations, name)

    def f(x):
        return fn(x, **kwargs)

    w = np.linspace(0.5, 2.0, X.size)
    np.testing.assert_allclose(_tape_grad(f, X, w), _numeric_grad(f, X, w),
                               rtol=1e-6, atol=1e-8)


# At the kinks, the value and the (sub)gradient Keras 3.15.1 / TF 2.21 gives (computed with
# tf.GradientTape on real Keras and pasted in): (name, kwargs, x, value, gradient)
KINKS = [
    ("hard_shrink", {}, [-0.5, 0.5], [0.0, 0.0], [0.0, 0.0]),
    ("soft_shrink", {}, [-0.5, 0.5], [0.0, 0.0], [0.0, 0.0]),
    ("hard_tanh", {}, [-1.0, 1.0], [-1.0, 1.0], [1.0, 1.0]),
    ("sparse_plus", {}, [-1.0, 1.0], [0.0, 1.0], [0.0, 1.0]),
    ("sparse_sigmoid", {}, [-1.0, 1.0], [0.0, 1.0], [0.0, 0.0]),
    ("threshold", {"threshold": 0.5, "default_value": -7.0}, [0.5], [-7.0], [0.0]),
    # celu is continuously differentiable: slope 1 on both sides of 0. (TF adds the
    # gradients of max(0, x) and min(0, ...) at the tie and reports 2; ndflow gives 1.)
    ("celu", {}, [0.0], [0.0], [1.0]),
    ("celu", {"alpha": 2.0}, [0.0], [0.0], [1.0]),
    ("squareplus", {}, [0.0], [1.0], [0.5]),
    ("tanh_shrink", {}, [0.0], [0.0], [0.0]),
]


@pytest.mark.parametrize("case", KINKS, ids=["%s-%s" % (c[0], c[2]) for c in KINKS])
def test_value_and_gradient_at_the_kinks(case):
    name, kwargs, x0, value, grad = case
    fn = getattr(activations, name)
    x = tf.constant(np.array(x0, np.float32))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = fn(x, **kwargs)
    np.testing.assert_array_equal(y.numpy(), np.array(value, np.float32))
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), np.array(grad, np.float32))


def test_outputs_pasted_from_keras():
    # keras.activations.<name>(x) in Keras 3.15.1 (TF backend), float32, pasted in
    x = tf.constant(np.array([-2.0, -0.5, 0.25, 1.0, 3.5], np.float32))
    want = {
        "celu": [-8.6466473e-01, -3.9346933e-01, 0.25, 1.0, 3.5],
        "log_sigmoid": [-2.126928, -0.9740769, -0.5759395, -0.3132617, -0.02975042],
        "squareplus": [0.41421354, 0.7807764, 1.1327822, 1.618034, 3.7655644],
        "tanh_shrink": [-1.0359724, -3.7882864e-02, 5.0813407e-03, 0.23840582, 2.5018220],
        "sparse_plus": [0.0, 0.0625, 0.390625, 1.0, 3.5],
        "sparse_sigmoid": [0.0, 0.25, 0.625, 1.0, 1.0],
    }
    for name, values in want.items():
        np.testing.assert_allclose(getattr(activations, name)(x).numpy(), values,
                                   rtol=2e-6, atol=1e-7, err_msg=name)


def test_log_sigmoid_is_stable_for_large_inputs():
    out = activations.log_sigmoid(tf.constant(np.array([-1000.0, -50.0, 50.0, 1000.0]))).numpy()
    np.testing.assert_allclose(out, [-1000.0, -50.0, -np.exp(-50.0), 0.0], rtol=1e-12)
    assert np.all(np.isfinite(out))


def test_celu_does_not_overflow_for_large_inputs():
    x = tf.constant(np.array([-1000.0, 1000.0], np.float32))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = activations.celu(x, alpha=0.1)
    np.testing.assert_allclose(y.numpy(), [-0.1, 1000.0], rtol=1e-6)
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [0.0, 1.0])


def test_second_derivative_of_smooth_activations():
    # d2/dx2 of squareplus(x, b) = b / (2 (x^2 + b)^1.5); of tanh_shrink = 2 tanh sech^2
    x0 = np.array([-1.5, 0.3, 2.0])
    for fn, want in [(lambda x: activations.squareplus(x, b=2.0),
                      2.0 / (2 * (x0 ** 2 + 2.0) ** 1.5)),
                     (activations.tanh_shrink, 2 * np.tanh(x0) / np.cosh(x0) ** 2)]:
        x = tf.constant(x0)
        with tf.GradientTape() as outer:
            outer.watch(x)
            with tf.GradientTape() as inner:
                inner.watch(x)
                y = tf.reduce_sum(fn(x))
            g = inner.gradient(y, x)
        np.testing.assert_allclose(outer.gradient(g, x).numpy(), want, rtol=1e-10)


# ---- glu ----

def test_glu_last_axis_and_axis_0():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(4, 6))
    np.testing.assert_allclose(activations.glu(tf.constant(x)).numpy(),
                               x[:, :3] * _np_sigmoid(x[:, 3:]), rtol=1e-12)
    np.testing.assert_allclose(activations.glu(tf.constant(x), axis=0).numpy(),
                               x[:2] * _np_sigmoid(x[2:]), rtol=1e-12)
    x3 = rng.normal(size=(2, 4, 3))
    np.testing.assert_allclose(activations.glu(tf.constant(x3), axis=-2).numpy(),
                               x3[:, :2] * _np_sigmoid(x3[:, 2:]), rtol=1e-12)


def test_glu_value_pasted_from_keras():
    # keras.activations.glu(np.arange(12).reshape(3, 4) / 5 - 1) in Keras 3.15.1, float32
    x = tf.constant((np.arange(12, dtype=np.float32).reshape(3, 4) / 5 - 1))
    np.testing.assert_allclose(activations.glu(x).numpy(),
                               [[-0.35434368, -0.32104987], [-0.1099668, 0.0],
                                [0.43863517, 0.61481977]], rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("axis", [-1, 0, 1])
def test_glu_gradient_matches_finite_differences(axis):
    rng = np.random.default_rng(4)
    x0 = rng.normal(size=(4, 6))
    out_shape = list(x0.shape)
    out_shape[axis] //= 2
    w = rng.normal(size=out_shape)

    def f(x):
        return activations.glu(x, axis=axis)

    np.testing.assert_allclose(_tape_grad(f, x0, w), _numeric_grad(f, x0, w),
                               rtol=1e-6, atol=1e-8)


def test_glu_rejects_an_odd_axis():
    with pytest.raises(ValueError, match=r"glu.*even.*\(2, 5\)"):
        activations.glu(tf.constant(np.ones((2, 5), np.float32)))
    with pytest.raises(ValueError, match=r"glu.*axis=0.*\(3, 4\)"):
        activations.glu(tf.constant(np.ones((3, 4), np.float32)), axis=0)


def test_glu_rejects_a_scalar_and_a_bad_axis():
    with pytest.raises(ValueError, match="glu.*scalar"):
        activations.glu(tf.constant(1.0))
    with pytest.raises(ValueError, match="glu: axis=2 is out of range.*shape \\(2, 4\\)"):
        activations.glu(tf.constant(np.ones((2, 4), np.float32)), axis=2)


# ---- sparsemax ----

def _np_sparsemax_bisection(z, axis=-1):
    """Projection onto the simplex by bisection on tau: sum(max(z - tau, 0)) = 1."""
    z = np.moveaxis(np.asarray(z, np.float64), axis, -1)
    lo = z.max(axis=-1, keepdims=True) - 1.0   # sum >= 1 here
    hi = z.max(axis=-1, keepdims=True)         # sum == 0 here
    for _ in range(200):
        mid = (lo + hi) / 2
        above = np.maximum(z - mid, 0).sum(axis=-1, keepdims=True) > 1
        lo, hi = np.where(above, mid, lo), np.where(above, hi, mid)
    return np.moveaxis(np.maximum(z - (lo + hi) / 2, 0), -1, axis)


def test_sparsemax_matches_the_simplex_projection():
    rng = np.random.default_rng(5)
    z = rng.normal(size=(50, 7)) * rng.uniform(0.1, 3.0, size=(50, 1))
    out = activations.sparsemax(tf.constant(z)).numpy()
    np.testing.assert_allclose(out, _np_sparsemax_bisection(z), atol=1e-12)
    np.testing.assert_allclose(out.sum(axis=-1), 1.0, rtol=1e-12)
    assert (out >= 0).all() and (out == 0).any()


def test_sparsemax_hand_computed_rows_and_ties():
    z = np.array([[0.1, 0.2, 0.3, 1.5],     # one entry wins: 1.5 - 0.3 > 1
                  [1.0, 1.0, 1.0, 1.0],     # all equal: uniform
                  [0.5, 0.5, -3.0, 0.2],    # tau = (1.2 - 1) / 3
                  [3.0, 3.0, 0.0, 0.0]],    # a tie at the top: half each
                 np.float32)
    want = [[0, 0, 0, 1], [0.25] * 4, [0.5 - 0.2 / 3, 0.5 - 0.2 / 3, 0, 0.2 - 0.2 / 3],
            [0.5, 0.5, 0, 0]]
    out = activations.sparsemax(tf.constant(z))
    assert out.dtype == tf.float32
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-6, atol=1e-7)


def test_sparsemax_axis_and_rank_3():
    rng = np.random.default_rng(6)
    z = rng.normal(size=(3, 5, 4))
    for axis in [0, 1, -1, -2]:
        np.testing.assert_allclose(activations.sparsemax(tf.constant(z), axis=axis).numpy(),
                                   _np_sparsemax_bisection(z, axis=axis), atol=1e-12)
    np.testing.assert_allclose(activations.sparsemax(tf.constant(np.array([2.0, 5.0]))).numpy(),
                               [0.0, 1.0])


def test_sparsemax_float16_and_infinite_entries():
    z = np.array([[0.3, 0.1, 0.25, -1.0]], np.float16)
    out = activations.sparsemax(tf.constant(z))
    assert out.dtype == tf.float16
    np.testing.assert_allclose(out.numpy().astype(np.float64),
                               _np_sparsemax_bisection(z.astype(np.float64)), atol=2e-3)
    # -inf never enters the support
    out = activations.sparsemax(tf.constant(np.array([[-np.inf, 0.2, 0.4]]))).numpy()
    np.testing.assert_allclose(out, [[0.0, 0.4, 0.6]], atol=1e-12)


@pytest.mark.parametrize("axis", [-1, 0])
def test_sparsemax_gradient_matches_finite_differences(axis):
    rng = np.random.default_rng(7)
    # spread the entries so that no tiny step changes the support
    z = rng.permutation(np.linspace(-1.0, 1.0, 24)).reshape(4, 6) * 0.6
    w = rng.normal(size=z.shape)

    def f(x):
        return activations.sparsemax(x, axis=axis)

    g = _tape_grad(f, z, w)
    np.testing.assert_allclose(g, _numeric_grad(f, z, w), rtol=1e-6, atol=1e-8)
    # the Jacobian is (diag(s) - s s^T / |S|) on the support s: it sums to 0 along axis
    np.testing.assert_allclose(g.sum(axis=axis), 0.0, atol=1e-12)


def test_sparsemax_gradient_of_a_single_winner_is_zero_and_second_order_is_zero():
    x = tf.constant(np.array([[0.1, 0.2, 0.3, 1.5]], np.float32))
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = tf.reduce_sum(activations.sparsemax(x) * tf.constant([[1.0, 2.0, 3.0, 4.0]]))
        g = inner.gradient(y, x)
        gg = tf.reduce_sum(g * g)
    np.testing.assert_array_equal(g.numpy(), np.zeros((1, 4)))
    h = outer.gradient(gg, x)
    assert h is None or not np.asarray(h).any()


def test_sparsemax_errors():
    with pytest.raises(InvalidArgumentError, match="sparsemax.*scalar"):
        activations.sparsemax(tf.constant(2.0))
    with pytest.raises(InvalidArgumentError, match="sparsemax.*floating-point.*int32"):
        activations.sparsemax(tf.constant([1, 2, 3]))
    with pytest.raises(InvalidArgumentError, match="sparsemax: axis 2 is out of range"):
        activations.sparsemax(tf.constant(np.ones((2, 3))), axis=2)


# ---- arguments, dtypes, errors ----

@pytest.mark.parametrize("name", ["celu", "glu", "hard_shrink", "hard_tanh", "log_sigmoid",
                                  "soft_shrink", "sparse_plus", "sparse_sigmoid",
                                  "squareplus", "tanh_shrink"])
def test_integer_input_is_rejected_with_the_function_name(name):
    with pytest.raises(InvalidArgumentError, match="%s expects a floating-point.*int32"
                       % name):
        getattr(activations, name)(tf.constant([1, 2, 3, 4]))


def test_threshold_keeps_integer_inputs():
    out = activations.threshold(tf.constant([1, 2, 3]), 1, 0)
    assert out.dtype == tf.int32
    np.testing.assert_array_equal(out.numpy(), [0, 2, 3])


def test_bad_parameters_are_rejected():
    with pytest.raises(ValueError, match="celu: alpha must be non-zero"):
        activations.celu(tf.constant([1.0]), alpha=0.0)
    with pytest.raises(ValueError, match="squareplus: b must be >= 0.*-1"):
        activations.squareplus(tf.constant([1.0]), b=-1)


def test_signatures_and_defaults_follow_keras():
    import inspect
    want = {"celu": "(x, alpha=1.0)", "glu": "(x, axis=-1)",
            "hard_shrink": "(x, threshold=0.5)", "soft_shrink": "(x, threshold=0.5)",
            "hard_tanh": "(x)", "log_sigmoid": "(x)", "sparse_plus": "(x)",
            "sparse_sigmoid": "(x)", "sparsemax": "(x, axis=-1)", "squareplus": "(x, b=4)",
            "tanh_shrink": "(x)", "threshold": "(x, threshold, default_value)"}
    for name, sig in want.items():
        assert str(inspect.signature(getattr(activations, name))) == sig, name


# ---- names, serialization, layers ----

NEW = ["celu", "glu", "hard_shrink", "hard_tanh", "log_sigmoid", "soft_shrink", "sparse_plus",
       "sparse_sigmoid", "sparsemax", "squareplus", "tanh_shrink", "threshold"]


@pytest.mark.parametrize("name", NEW)
def test_get_serialize_deserialize_round_trip(name):
    fn = activations.get(name)
    assert fn is getattr(activations, name)
    assert activations.get(name.upper()) is fn
    assert activations.serialize(fn) == name
    assert activations.deserialize(name) is fn
    assert activations.get(activations.serialize(fn)) is fn
    assert name in activations.ALL_OBJECTS_DICT


@pytest.mark.parametrize("name", [n for n in NEW if n != "threshold"])
def test_dense_activation_by_name_config_round_trip(name):
    units = 4
    layer = keras.layers.Dense(units, activation=name)
    x = np.random.default_rng(8).normal(size=(3, 5)).astype(np.float32)
    y = layer(x)
    cfg = layer.get_config()
    assert cfg["activation"] == name
    clone = keras.layers.Dense.from_config(json.loads(json.dumps(cfg)))
    assert clone.activation is getattr(activations, name)
    clone(x)
    clone.set_weights(layer.get_weights())
    np.testing.assert_allclose(clone(x).numpy(), y.numpy(), rtol=1e-6)
    linear = x @ layer.get_weights()[0] + layer.get_weights()[1]
    np.testing.assert_allclose(y.numpy(), getattr(activations, name)(tf.constant(linear))
                               .numpy(), rtol=1e-6)


def test_activation_layer_by_name_and_training_through_sparsemax():
    layer = keras.layers.Activation("sparsemax")
    assert layer.get_config()["activation"] == "sparsemax"
    out = layer(tf.constant([[0.5, 0.45, -3.0, 0.2]]))
    np.testing.assert_allclose(out.numpy().sum(), 1.0, rtol=1e-6)
    model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(8, activation="celu"),
                              keras.layers.Dense(3, activation="sparsemax")])
    rng = np.random.default_rng(9)
    xs = rng.normal(size=(32, 6)).astype(np.float32)
    ys = np.eye(3, dtype=np.float32)[rng.integers(0, 3, 32)]
    model.compile(keras.optimizers.SGD(0.1), "mse")
    before = model.evaluate(xs, ys, verbose=0)
    model.fit(xs, ys, epochs=5, batch_size=8, verbose=0)
    assert model.evaluate(xs, ys, verbose=0) < before


def test_unknown_name_lists_the_new_activations():
    with pytest.raises(ValueError, match="Unknown activation.*sparsemax.*squareplus"):
        activations.get("sparsemaxx")


# ---- OrthogonalRegularizer ----

def _np_orthogonal_penalty(w, factor, mode):
    w = np.asarray(w, np.float64)
    if mode == "columns":
        w = w.T
    unit = w / np.maximum(np.linalg.norm(w, axis=1, keepdims=True), 1e-7)
    cos = unit @ unit.T
    n = w.shape[0]
    return factor * (np.abs(cos).sum() - np.abs(np.diag(cos)).sum()) / (n * (n - 1))


@pytest.mark.parametrize("mode", ["rows", "columns"])
@pytest.mark.parametrize("shape", [(5, 3), (3, 5), (4, 4)])
def test_orthogonal_regularizer_matches_numpy(mode, shape):
    w = np.random.default_rng(10).normal(size=shape)
    reg = keras.regularizers.OrthogonalRegularizer(factor=0.3, mode=mode)
    np.testing.assert_allclose(float(reg(tf.constant(w))), _np_orthogonal_penalty(w, 0.3, mode),
                               rtol=1e-12)
    out32 = reg(tf.constant(w.astype(np.float32)))
    assert out32.dtype == tf.float32 and out32.shape == ()
    np.testing.assert_allclose(float(out32), _np_orthogonal_penalty(w, 0.3, mode), rtol=1e-5)


def test_orthogonal_regularizer_values_pasted_from_keras():
    # keras.regularizers.OrthogonalRegularizer(1.0, mode)(tf.constant(w)) in Keras 3.15.1
    zero_row = np.array([[0.0, 0.0, 0.0], [1, 2, 3], [3, -1, 0.5]], np.float32)
    reg = keras.regularizers.OrthogonalRegularizer
    np.testing.assert_allclose(float(reg(1.0)(zero_row)), 0.06956532597541809, rtol=1e-6)
    np.testing.assert_allclose(float(reg(1.0, "columns")(zero_row)), 0.4726816713809967,
                               rtol=1e-6)
    # a row of norm 1e-8 is divided by 1e-7 (Keras's epsilon), not by its norm
    tiny_row = zero_row.copy()
    tiny_row[0, 0] = 1e-8
    np.testing.assert_allclose(float(reg(1.0)(tiny_row)), 0.10970878601074219, rtol=1e-6)
    tiny_row[0, 0] = 1e-3
    np.testing.assert_allclose(float(reg(1.0)(tiny_row)), 0.47099995613098145, rtol=1e-6)


def test_orthogonal_regularizer_gradient_pasted_from_keras():
    # value and tf.GradientTape gradient of OrthogonalRegularizer(0.5)(x), Keras 3.15.1
    x = np.array([[0.346, 0.822, 0.33], [-1.303, 0.905, 0.446], [-0.537, 0.581, 0.365],
                  [0.294, 0.028, 0.547]], np.float32)
    want = [[-0.1231384426355362, 0.0124240443110466, 0.09816160053014755],
            [0.01764899119734764, 0.03741658106446266, -0.024361858144402504],
            [0.09705102443695068, 0.039275094866752625, 0.08026733249425888],
            [0.025573771446943283, 0.1272144615650177, -0.020257212221622467]]
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        y = keras.regularizers.OrthogonalRegularizer(0.5)(xt)
    np.testing.assert_allclose(float(y), 0.20666290819644928, rtol=1e-6)
    np.testing.assert_allclose(tape.gradient(y, xt).numpy(), want, rtol=2e-5, atol=1e-7)


@pytest.mark.parametrize("mode", ["rows", "columns"])
def test_orthogonal_regularizer_gradient_matches_finite_differences(mode):
    w0 = np.random.default_rng(11).normal(size=(4, 3))
    reg = keras.regularizers.OrthogonalRegularizer(factor=0.7, mode=mode)
    one = np.float64(1.0)
    np.testing.assert_allclose(_tape_grad(reg, w0, one), _numeric_grad(reg, w0, one),
                               rtol=1e-6, atol=1e-9)


def test_orthogonal_regularizer_is_zero_on_orthogonal_rows_and_for_one_row():
    q = np.linalg.qr(np.random.default_rng(12).normal(size=(5, 5)))[0][:, :3]  # orthonormal cols
    reg = keras.regularizers.OrthogonalRegularizer(1.0, "columns")
    assert abs(float(reg(tf.constant(q * [2.0, 0.5, 3.0])))) < 1e-12
    # one row: no pair to compare, no penalty (Keras 3.15 returns NaN), gradient 0
    one = tf.constant(np.array([[1.0, 2.0, 3.0]]))
    with tf.GradientTape() as tape:
        tape.watch(one)
        y = keras.regularizers.OrthogonalRegularizer(1.0)(one)
    assert float(y) == 0.0
    np.testing.assert_array_equal(tape.gradient(y, one).numpy(), np.zeros((1, 3)))


def test_orthogonal_regularizer_config_get_and_serialization():
    R = keras.regularizers
    reg = R.OrthogonalRegularizer(factor=0.2, mode="columns")
    assert reg.get_config() == {"factor": 0.2, "mode": "columns"}
    assert R.OrthogonalRegularizer().get_config() == {"factor": 0.01, "mode": "rows"}
    # the same dict Keras 3.15.1 writes
    assert R.serialize(reg) == {"module": "keras.regularizers",
                                "class_name": "OrthogonalRegularizer",
                                "config": {"factor": 0.2, "mode": "columns"},
                                "registered_name": None}
    back = R.deserialize(json.loads(json.dumps(R.serialize(reg))))
    assert isinstance(back, R.OrthogonalRegularizer) and back.get_config() == reg.get_config()
    assert R.OrthogonalRegularizer.from_config(reg.get_config()).mode == "columns"
    for name in ["orthogonal_regularizer", "OrthogonalRegularizer"]:
        got = R.get(name)
        assert isinstance(got, R.OrthogonalRegularizer)
        assert got.get_config() == {"factor": 0.01, "mode": "rows"}
    assert R.orthogonal_regularizer is R.OrthogonalRegularizer


def test_orthogonal_regularizer_on_dense_adds_its_penalty_to_model_losses():
    R = keras.regularizers
    model = keras.Sequential([keras.Input((5,)),
                              keras.layers.Dense(4, kernel_regularizer=R.OrthogonalRegularizer(
                                  0.25, mode="columns")),
                              keras.layers.Dense(2, kernel_regularizer="orthogonal_regularizer")])
    model(np.ones((2, 5), np.float32))
    k1, k2 = model.layers[0].get_weights()[0], model.layers[1].get_weights()[0]
    losses = sorted(float(v) for v in model.losses)
    want = sorted([_np_orthogonal_penalty(k1, 0.25, "columns"),
                   _np_orthogonal_penalty(k2, 0.01, "rows")])
    np.testing.assert_allclose(losses, want, rtol=1e-5)
    cfg = model.layers[0].get_config()["kernel_regularizer"]
    assert cfg["class_name"] == "OrthogonalRegularizer"
    assert cfg["config"] == {"factor": 0.25, "mode": "columns"}
    clone = keras.layers.Dense.from_config(json.loads(json.dumps(model.layers[0].get_config())))
    assert isinstance(clone.kernel_regularizer, R.OrthogonalRegularizer)
    assert clone.kernel_regularizer.get_config() == {"factor": 0.25, "mode": "columns"}


def test_orthogonal_regularizer_pushes_training_towards_orthogonal_columns():
    R = keras.regularizers
    layer = keras.layers.Dense(3, use_bias=False,
                               kernel_regularizer=R.OrthogonalRegularizer(1.0, "columns"))
    layer(np.ones((1, 4), np.float32))
    layer.set_weights([np.array([[1.0, 0.9, 0.8], [0.2, 0.3, 0.1], [0.5, 0.4, 0.6],
                                 [0.1, 0.2, 0.3]], np.float32)])
    opt = keras.optimizers.SGD(0.5)
    first = None
    for _ in range(30):
        with tf.GradientTape() as tape:
            layer(np.ones((1, 4), np.float32))
            loss = tf.add_n(layer.losses)
        first = float(loss) if first is None else first
        opt.apply_gradients(zip(tape.gradient(loss, layer.trainable_weights),
                                layer.trainable_weights))
    assert float(R.OrthogonalRegularizer(1.0, "columns")(layer.kernel)) < 0.5 * first


def test_orthogonal_regularizer_errors():
    R = keras.regularizers
    with pytest.raises(ValueError, match="mode must be 'rows' or 'columns', got 'diag'"):
        R.OrthogonalRegularizer(mode="diag")
    with pytest.raises(ValueError, match="factor must be a non-negative number, got -1"):
        R.OrthogonalRegularizer(factor=-1)
    with pytest.raises(ValueError, match="factor must be a non-negative number, got 'a'"):
        R.OrthogonalRegularizer(factor="a")
    for shape in [(3,), (2, 3, 4), ()]:
        with pytest.raises(ValueError, match=r"OrthogonalRegularizer expects a 2-D weight.*"
                                             r"rank %d" % len(shape)):
            R.OrthogonalRegularizer()(tf.constant(np.ones(shape, np.float32)))
    with pytest.raises(TypeError, match="OrthogonalRegularizer expects a floating-point"):
        R.OrthogonalRegularizer()(tf.constant([[1, 2], [3, 4]]))
