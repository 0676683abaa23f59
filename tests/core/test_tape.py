"""GradientTape features, each checked against derivatives worked out by hand."""
import numpy as np
import pytest

import ndflow as tf


def test_variable_is_watched_automatically():
    x = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        y = x * x
    assert float(tape.gradient(y, x)) == 6.0


def test_constant_needs_watch():
    x = tf.constant(3.0)
    with tf.GradientTape() as tape:
        y = x * x
    assert tape.gradient(y, x) is None
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    assert float(tape.gradient(y, x)) == 6.0


def test_watch_accessed_variables_false():
    a, b = tf.Variable(2.0), tf.Variable(5.0)
    with tf.GradientTape(watch_accessed_variables=False) as tape:
        tape.watch(a)
        y = a * b
    ga, gb = tape.gradient(y, [a, b])
    assert float(ga) == 5.0 and gb is None
    assert tape.watched_variables() == (a,)


def test_non_trainable_variable_not_watched():
    v = tf.Variable(2.0, trainable=False)
    with tf.GradientTape() as tape:
        y = v * v
    assert tape.gradient(y, v) is None


def test_second_gradient_call_raises_clear_error():
    x = tf.Variable(1.0)
    with tf.GradientTape() as tape:
        y = x * x
    tape.gradient(y, x)
    with pytest.raises(RuntimeError, match="persistent=True"):
        tape.gradient(y, x)


def test_persistent_tape_gives_several_gradients():
    x = tf.constant(3.0)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * x
        z = y * y
    assert float(tape.gradient(z, x)) == 4 * 27.0   # d x^4 = 4x^3
    assert float(tape.gradient(y, x)) == 6.0
    assert float(tape.gradient(z, y)) == 18.0


def test_non_scalar_target_is_summed_and_broadcasting_is_undone():
    x = tf.Variable(np.arange(3.0).reshape(3, 1))
    b = tf.Variable(np.ones(4))
    with tf.GradientTape() as tape:
        y = x * b + b   # (3, 4)
    gx, gb = tape.gradient(y, [x, b])
    np.testing.assert_array_equal(gx.numpy(), np.full((3, 1), 4.0))
    np.testing.assert_array_equal(gb.numpy(), np.full(4, 0 + 1 + 2 + 3.0))


def test_output_gradients_weight_the_target():
    x = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as tape:
        y = x * x
    g = tape.gradient(y, x, output_gradients=tf.constant([10.0, 100.0]))
    np.testing.assert_array_equal(g.numpy(), [20.0, 400.0])


def test_unconnected_gradients_none_and_zero():
    x, z = tf.Variable(1.0), tf.Variable([1.0, 2.0])
    with tf.GradientTape(persistent=True) as tape:
        y = x * 2.0
    assert tape.gradient(y, z) is None
    g = tape.gradient(y, z, unconnected_gradients=tf.UnconnectedGradients.ZERO)
    np.testing.assert_array_equal(g.numpy(), [0.0, 0.0])
    assert tape.gradient(y, z, unconnected_gradients="zero").dtype == tf.float32


def test_integer_sources_get_none():
    i = tf.constant(3)
    with tf.GradientTape() as tape:
        tape.watch(i)
        y = i * i
    assert tape.gradient(y, i) is None


def test_dict_list_tuple_sources_keep_their_structure():
    a, b, c = tf.Variable(1.0), tf.Variable(2.0), tf.Variable(3.0)
    with tf.GradientTape() as tape:
        y = a * b * c
    g = tape.gradient(y, {"a": a, "rest": [b, (c,)]})
    assert set(g) == {"a", "rest"}
    assert float(g["a"]) == 6.0 and float(g["rest"][0]) == 3.0
    assert isinstance(g["rest"][1], tuple) and float(g["rest"][1][0]) == 2.0


def test_multiple_targets_are_summed():
    x = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        y1, y2 = x * x, x * 3.0
    assert float(tape.gradient([y1, y2], x)) == 4.0 + 3.0


def test_stop_recording():
    x = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        y = x * x
        with tape.stop_recording():
            z = y * x       # not recorded: no gradient through z
        w = y + z
    assert float(tape.gradient(w, x)) == 4.0


def test_reset_forgets_recorded_ops():
    x = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        y = x * x
        tape.reset()
        y = x * 5.0
    assert float(tape.gradient(y, x)) == 5.0


def test_watched_variables_in_order():
    a, b = tf.Variable(1.0), tf.Variable(2.0)
    with tf.GradientTape() as tape:
        _ = b * a
    assert tape.watched_variables() == (b, a)


def test_nested_tapes_give_higher_order_derivatives():
    x = tf.Variable(1.5)
    with tf.GradientTape() as t3:
        with tf.GradientTape() as t2:
            with tf.GradientTape() as t1:
                y = x * x * x
            dy = t1.gradient(y, x)
        d2y = t2.gradient(dy, x)
    d3y = t3.gradient(d2y, x)
    assert float(dy) == pytest.approx(3 * 1.5 ** 2)
    assert float(d2y) == pytest.approx(6 * 1.5)
    assert float(d3y) == pytest.approx(6.0)


def test_second_derivative_of_softmax_cross_entropy_by_finite_differences():
    x0 = np.array([0.3, -1.2, 2.0])
    labels = tf.constant([0.0, 1.0, 0.0], dtype=tf.float64)

    def grad(xv):
        x = tf.constant(xv)
        with tf.GradientTape() as t:
            t.watch(x)
            loss = tf.nn.softmax_cross_entropy_with_logits(labels, x)
        return t.gradient(loss, x)

    x = tf.constant(x0)
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            loss = tf.nn.softmax_cross_entropy_with_logits(labels, x)
        g = inner.gradient(loss, x)
        s = tf.reduce_sum(g * tf.constant([1.0, 2.0, 3.0], dtype=tf.float64))
    h = outer.gradient(s, x).numpy()
    eps = 1e-6
    num = [((grad(x0 + eps * e).numpy() - grad(x0 - eps * e).numpy()) @ [1.0, 2.0, 3.0])
           / (2 * eps) for e in np.eye(3)]
    np.testing.assert_allclose(h, num, rtol=1e-5, atol=1e-8)


def test_jacobian_matches_hand_derivative():
    x = tf.Variable([1.0, 2.0, 3.0])
    with tf.GradientTape() as tape:
        y = x * x        # dy_i/dx_j = 2 x_i delta_ij
    j = tape.jacobian(y, x)
    np.testing.assert_array_equal(j.numpy(), np.diag([2.0, 4.0, 6.0]))


def test_jacobian_of_matrix_output_has_combined_shape():
    w = tf.Variable(np.arange(6.0).reshape(2, 3))
    x = tf.constant(np.array([[1.0, 2.0]]))
    with tf.GradientTape() as tape:
        y = tf.matmul(x, w)      # (1, 3)
    j = tape.jacobian(y, w)
    assert j.shape == (1, 3, 2, 3)
    want = np.zeros((1, 3, 2, 3))
    for k in range(3):
        want[0, k, :, k] = [1.0, 2.0]
    np.testing.assert_array_equal(j.numpy(), want)


def test_batch_jacobian():
    x = tf.constant(np.array([[1.0, 2.0], [3.0, 4.0]]))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.stack([x[:, 0] * x[:, 1], x[:, 0] ** 2, x[:, 1]], axis=1)   # (2, 3)
    j = tape.batch_jacobian(y, x)
    assert j.shape == (2, 3, 2)
    for b, (a, c) in enumerate(x.numpy()):
        np.testing.assert_allclose(j.numpy()[b], [[c, a], [2 * a, 0.0], [0.0, 1.0]])


def test_stop_gradient_blocks_flow():
    x = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        y = x * tf.stop_gradient(x * x)
    assert float(tape.gradient(y, x)) == 4.0


def test_custom_gradient_replaces_gradient():
    @tf.custom_gradient
    def clipped_identity(x):
        def grad(dy):
            return tf.clip_by_value(dy, -0.5, 0.5)
        return tf.identity(x), grad

    x = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as tape:
        y = clipped_identity(x) * tf.constant([0.1, 3.0])
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), [0.1, 0.5])


def test_custom_gradient_log1pexp_is_stable():
    @tf.custom_gradient
    def log1pexp(x):
        e = tf.exp(-tf.abs(x))

        def grad(dy):
            return dy * tf.where(x > 0, 1 / (1 + e), e / (1 + e))
        return tf.maximum(x, 0.0) + tf.math.log1p(e), grad

    x = tf.constant(100.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = log1pexp(x)
    assert float(tape.gradient(y, x)) == pytest.approx(1.0)


def test_custom_gradient_with_variables():
    v = tf.Variable(3.0)

    @tf.custom_gradient
    def scale(x):
        def grad(dy, variables=None):
            return dy * v, [dy * x * 10.0]      # deliberately not the true gradient
        return x * v, grad

    x = tf.constant(2.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = scale(x)
    gx, gv = tape.gradient(y, [x, v])
    assert float(gx) == 3.0 and float(gv) == 20.0


def test_gradient_through_slicing_and_variable_slices():
    v = tf.Variable(np.arange(12.0).reshape(3, 4))
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(v[::-1, 1:3] * 2.0) + tf.reduce_sum(v[0])
    g = tape.gradient(y, v).numpy()
    want = np.zeros((3, 4))
    want[:, 1:3] = 2.0
    want[0] += 1.0
    np.testing.assert_array_equal(g, want)


def test_gradient_accumulates_when_tensor_used_twice():
    x = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        y = x + x * x + tf.sin(x)
    assert float(tape.gradient(y, x)) == pytest.approx(1 + 6 + np.cos(3.0))


def test_tape_entered_twice_raises():
    tape = tf.GradientTape()
    with tape:
        with pytest.raises(RuntimeError):
            tape.__enter__()


def test_watch_rejects_non_tensors():
    with tf.GradientTape() as tape:
        with pytest.raises(ValueError, match="convert_to_tensor"):
            tape.watch([1.0, 2.0])


def test_assign_inside_tape_keeps_the_value_each_op_read():
    v = tf.Variable(2.0)
    x = tf.Variable(3.0)
    with tf.GradientTape(persistent=True) as tape:
        y = v * x          # reads v = 2
        v.assign(10.0)
        z = v * y          # reads v = 10: z = 10 * 2 * x
    assert float(tape.gradient(y, x)) == 2.0          # not 10
    assert float(tape.gradient(z, x)) == 20.0
    # dz/dv sums both reads: y (=6, through the second read) + 10 * x (through the first)
    assert float(tape.gradient(z, v)) == 6.0 + 30.0


def test_sliced_assign_inside_tape_keeps_old_value():
    v = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(v * v)
        v[0].assign(100.0)
    np.testing.assert_array_equal(tape.gradient(y, v).numpy(), [2.0, 4.0])


def test_boolean_mask_index_gradient():
    x = tf.Variable(np.arange(6.0).reshape(2, 3))
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(x[x > 2.0] * 3.0)
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [[0, 0, 0], [3, 3, 3]])
