"""Each optimizer's first steps against its update rule written out in NumPy (float64)."""
import math

import numpy as np
import pytest

import ndflow as tf
from ndflow import keras
from ndflow.keras import optimizers

rng = np.random.default_rng(2)
W0 = rng.normal(size=(3, 2))
GRADS = [rng.normal(size=(3, 2)) for _ in range(3)]


def _run(opt):
    v = tf.Variable(W0.copy())
    out = []
    for g in GRADS:
        opt.apply_gradients([(tf.constant(g), v)])
        out.append(v.numpy().copy())
    return out


def ref_sgd(lr=0.01, momentum=0.0, nesterov=False):
    lr = float(np.float32(lr))  # the optimizer keeps lr in a float32 variable
    w, m, out = W0.copy(), np.zeros_like(W0), []
    for g in GRADS:
        if momentum:
            m = momentum * m - lr * g
            w = w + (momentum * m - lr * g if nesterov else m)
        else:
            w = w - lr * g
        out.append(w.copy())
    return out


def ref_adam(lr=0.001, b1=0.9, b2=0.999, eps=1e-7, amsgrad=False, wd=0.0):
    lr = float(np.float32(lr))  # the optimizer keeps lr in a float32 variable
    w, m, u, uh, out = W0.copy(), np.zeros_like(W0), np.zeros_like(W0), np.zeros_like(W0), []
    for t, g in enumerate(GRADS, 1):
        w = w - lr * wd * w
        m = b1 * m + (1 - b1) * g
        u = b2 * u + (1 - b2) * g * g
        uh = np.maximum(uh, u)
        a = lr * math.sqrt(1 - b2 ** t) / (1 - b1 ** t)
        w = w - a * m / (np.sqrt(uh if amsgrad else u) + eps)
        out.append(w.copy())
    return out


def ref_rmsprop(lr=0.001, rho=0.9, momentum=0.0, eps=1e-7, centered=False):
    lr = float(np.float32(lr))  # the optimizer keeps lr in a float32 variable
    w, a, mg, mom, out = W0.copy(), np.zeros_like(W0), np.zeros_like(W0), np.zeros_like(W0), []
    for g in GRADS:
        a = rho * a + (1 - rho) * g * g
        if centered:
            mg = rho * mg + (1 - rho) * g
            denom = a - mg ** 2 + eps
        else:
            denom = a + eps
        inc = lr * g / np.sqrt(denom)
        if momentum:
            mom = momentum * mom + inc
            w = w - mom
        else:
            w = w - inc
        out.append(w.copy())
    return out


def ref_adagrad(lr=0.001, init=0.1, eps=1e-7):
    lr = float(np.float32(lr))  # the optimizer keeps lr in a float32 variable
    w, acc, out = W0.copy(), np.full_like(W0, init), []
    for g in GRADS:
        acc = acc + g * g
        w = w - lr * g / np.sqrt(acc + eps)
        out.append(w.copy())
    return out


def ref_adadelta(lr=0.001, rho=0.95, eps=1e-7):
    lr = float(np.float32(lr))  # the optimizer keeps lr in a float32 variable
    w, ag, ad, out = W0.copy(), np.zeros_like(W0), np.zeros_like(W0), []
    for g in GRADS:
        ag = rho * ag + (1 - rho) * g * g
        d = -np.sqrt(ad + eps) / np.sqrt(ag + eps) * g
        ad = rho * ad + (1 - rho) * d * d
        w = w + lr * d
        out.append(w.copy())
    return out


def ref_adamax(lr=0.001, b1=0.9, b2=0.999, eps=1e-7):
    lr = float(np.float32(lr))  # the optimizer keeps lr in a float32 variable
    w, m, u, out = W0.copy(), np.zeros_like(W0), np.zeros_like(W0), []
    for t, g in enumerate(GRADS, 1):
        m = b1 * m + (1 - b1) * g
        u = np.maximum(b2 * u, np.abs(g))
        w = w - lr * m / ((1 - b1 ** t) * (u + eps))
        out.append(w.copy())
    return out


def ref_nadam(lr=0.001, b1=0.9, b2=0.999, eps=1e-7):
    lr = float(np.float32(lr))  # the optimizer keeps lr in a float32 variable
    w, m, u, out = W0.copy(), np.zeros_like(W0), np.zeros_like(W0), []
    prod = 1.0
    for t, g in enumerate(GRADS, 1):
        mu_t = b1 * (1 - 0.5 * 0.96 ** t)  # Keras 3 / TF >= 2.11 schedule
        mu_t1 = b1 * (1 - 0.5 * 0.96 ** (t + 1))
        prod = prod * mu_t
        prod1 = prod * mu_t1
        m = b1 * m + (1 - b1) * g
        u = b2 * u + (1 - b2) * g * g
        m_hat = mu_t1 * m / (1 - prod1) + (1 - mu_t) * g / (1 - prod)
        u_hat = u / (1 - b2 ** t)
        w = w - lr * m_hat / (np.sqrt(u_hat) + eps)
        out.append(w.copy())
    return out


def ref_lion(lr=0.001, b1=0.9, b2=0.99):
    lr = float(np.float32(lr))  # the optimizer keeps lr in a float32 variable
    w, m, out = W0.copy(), np.zeros_like(W0), []
    for g in GRADS:
        w = w - lr * np.sign(b1 * m + (1 - b1) * g)
        m = b2 * m + (1 - b2) * g
        out.append(w.copy())
    return out


CASES = [
    (lambda: optimizers.SGD(), ref_sgd()),
    (lambda: optimizers.SGD(learning_rate=0.1, momentum=0.9), ref_sgd(0.1, 0.9)),
    (lambda: optimizers.SGD(learning_rate=0.1, momentum=0.9, nesterov=True),
     ref_sgd(0.1, 0.9, True)),
    (lambda: optimizers.Adam(), ref_adam()),
    (lambda: optimizers.Adam(learning_rate=0.01, amsgrad=True), ref_adam(0.01, amsgrad=True)),
    (lambda: optimizers.AdamW(learning_rate=0.01, weight_decay=0.1), ref_adam(0.01, wd=0.1)),
    (lambda: optimizers.RMSprop(), ref_rmsprop()),
    (lambda: optimizers.RMSprop(momentum=0.5, centered=True),
     ref_rmsprop(momentum=0.5, centered=True)),
    (lambda: optimizers.Adagrad(learning_rate=0.1), ref_adagrad(0.1)),
    (lambda: optimizers.Adadelta(learning_rate=1.0), ref_adadelta(1.0)),
    (lambda: optimizers.Adamax(), ref_adamax()),
    (lambda: optimizers.Nadam(learning_rate=0.01), ref_nadam(0.01)),
    (lambda: optimizers.Lion(learning_rate=0.01), ref_lion(0.01)),
]


@pytest.mark.parametrize("case", range(len(CASES)))
def test_update_rule(case):
    make, want = CASES[case]
    opt = make()
    got = _run(opt)
    for step, (g, w) in enumerate(zip(got, want)):
        np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-12,
                                   err_msg="%s step %d" % (type(opt).__name__, step + 1))
    assert int(opt.iterations.numpy()) == 3


def test_float32_variables_stay_float32():
    v = tf.Variable(np.ones((2, 2), np.float32))
    opt = optimizers.Adam()
    opt.apply_gradients([(tf.constant(np.ones((2, 2), np.float64)), v)])
    assert v.numpy().dtype == np.float32


def test_none_gradients_are_skipped():
    a, b = tf.Variable([1.0]), tf.Variable([2.0])
    opt = optimizers.SGD(learning_rate=0.5)
    with pytest.warns(UserWarning, match="Gradients do not exist"):
        opt.apply_gradients([(tf.constant([1.0]), a), (None, b)])
    assert a.numpy()[0] == 0.5 and b.numpy()[0] == 2.0
    with pytest.raises(ValueError, match="no gradients"):
        opt.apply_gradients([(None, b)])


def test_clipping():
    g = np.array([3.0, 4.0])   # norm 5
    for kw, want in [({"clipnorm": 1.0}, g / 5), ({"clipvalue": 3.5}, np.array([3.0, 3.5])),
                     ({"global_clipnorm": 2.5}, g / 2)]:
        v = tf.Variable([0.0, 0.0])
        optimizers.SGD(learning_rate=1.0, **kw).apply_gradients([(tf.constant(g), v)])
        np.testing.assert_allclose(-v.numpy(), want, rtol=1e-6)
    # global norm across two variables
    v1, v2 = tf.Variable([0.0]), tf.Variable([0.0])
    optimizers.SGD(learning_rate=1.0, global_clipnorm=1.0).apply_gradients(
        [(tf.constant([3.0]), v1), (tf.constant([4.0]), v2)])
    np.testing.assert_allclose([-v1.numpy()[0], -v2.numpy()[0]], [0.6, 0.8], rtol=1e-6)


def test_weight_decay_and_exclusion():
    a, b = tf.Variable([1.0]), tf.Variable([1.0])
    opt = optimizers.SGD(learning_rate=0.1, weight_decay=0.5)
    opt.exclude_from_weight_decay(var_list=[b])
    opt.apply_gradients([(tf.constant([0.0]), a), (tf.constant([0.0]), b)])
    np.testing.assert_allclose([a.numpy()[0], b.numpy()[0]], [1 - 0.1 * 0.5, 1.0])


def test_learning_rate_is_assignable_and_schedules_work():
    opt = optimizers.Adam(learning_rate=0.01)
    assert abs(float(opt.learning_rate.numpy()) - 0.01) < 1e-9
    opt.learning_rate = 0.5
    assert abs(float(opt.learning_rate) - 0.5) < 1e-7
    opt.learning_rate.assign(0.25)
    assert abs(float(opt.lr) - 0.25) < 1e-7
    sched = optimizers.schedules.ExponentialDecay(1.0, decay_steps=2, decay_rate=0.5)
    sgd = optimizers.SGD(learning_rate=sched)
    v = tf.Variable([0.0])
    for _ in range(3):
        sgd.apply_gradients([(tf.constant([1.0]), v)])
    # lr at steps 0, 1, 2 = 1, 0.5**0.5, 0.5
    np.testing.assert_allclose(-v.numpy()[0], 1 + 0.5 ** 0.5 + 0.5, rtol=1e-6)
    with pytest.raises(TypeError, match="LearningRateSchedule"):
        sgd.learning_rate = 0.1


def test_schedules_formulas():
    S = optimizers.schedules
    assert abs(S.ExponentialDecay(0.1, 10, 0.5, staircase=True)(15).numpy() - 0.05) < 1e-7
    pw = S.PiecewiseConstantDecay([10, 20], [1.0, 0.5, 0.1])
    assert [float(pw(s)) for s in (0, 10, 11, 20, 21)] == [1.0, 1.0, 0.5, 0.5,
                                                          pytest.approx(0.1)]
    assert abs(float(S.InverseTimeDecay(1.0, 10, 0.5)(20)) - 1 / 2) < 1e-7
    assert abs(float(S.PolynomialDecay(1.0, 10, end_learning_rate=0.0, power=2)(5)) - 0.25) < 1e-7
    assert abs(float(S.PolynomialDecay(1.0, 10, end_learning_rate=0.0)(50)) - 0.0) < 1e-7
    assert abs(float(S.CosineDecay(1.0, 10)(5)) - 0.5) < 1e-6
    assert abs(float(S.CosineDecay(0.0, 10, warmup_target=1.0, warmup_steps=4)(2)) - 0.5) < 1e-6
    r = S.CosineDecayRestarts(1.0, 10, t_mul=1.0)
    assert abs(float(r(10)) - 1.0) < 1e-6 and abs(float(r(5)) - 0.5) < 1e-6
    cfg = S.ExponentialDecay(0.1, 10, 0.5).get_config()
    assert S.deserialize(S.serialize(S.ExponentialDecay(**cfg))).decay_rate == 0.5


def test_minimize():
    v = tf.Variable(3.0)
    opt = optimizers.SGD(learning_rate=0.1)
    for _ in range(50):
        opt.minimize(lambda: (v - 1.0) ** 2, [v])
    assert abs(float(v.numpy()) - 1.0) < 1e-3
    w = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        loss = w * w
    optimizers.SGD(learning_rate=0.25).minimize(loss, [w], tape=tape)
    assert abs(float(w.numpy()) - 1.0) < 1e-6


def test_state_save_and_restore():
    opt = optimizers.Adam(learning_rate=0.01)
    v = tf.Variable(W0.copy())
    opt.apply_gradients([(tf.constant(GRADS[0]), v)])
    state = opt.get_weights()
    assert len(opt.variables) == len(opt.variables()) == len(state) == 4  # iter, lr, m, u
    v2 = tf.Variable(v.numpy())
    opt2 = optimizers.Adam(learning_rate=0.01)
    opt2.build([v2])
    opt2.set_weights(state)
    opt.apply_gradients([(tf.constant(GRADS[1]), v)])
    opt2.apply_gradients([(tf.constant(GRADS[1]), v2)])
    np.testing.assert_allclose(v.numpy(), v2.numpy(), rtol=1e-12)


def test_get_config_and_get():
    opt = optimizers.get("adam")
    assert isinstance(opt, optimizers.Adam)
    assert isinstance(optimizers.get("RMSprop"), optimizers.RMSprop)
    with pytest.raises(ValueError, match="adam"):
        optimizers.get("adma")
    cfg = optimizers.SGD(learning_rate=0.3, momentum=0.5, clipnorm=1.0).get_config()
    again = optimizers.SGD.from_config(cfg)
    assert again.momentum == 0.5 and again.clipnorm == 1.0 and \
        abs(float(again.learning_rate) - 0.3) < 1e-7
    sched_opt = optimizers.Adam(learning_rate=optimizers.schedules.CosineDecay(0.1, 100))
    again = optimizers.deserialize(optimizers.serialize(sched_opt))
    assert isinstance(again._schedule, optimizers.schedules.CosineDecay)
    with pytest.raises(TypeError, match="unexpected"):
        optimizers.Adam(betta_1=0.5)


def test_ema():
    v = tf.Variable([0.0])
    opt = optimizers.SGD(learning_rate=1.0, use_ema=True, ema_momentum=0.5)
    # as in Keras, the first step sets the average to the variable
    opt.apply_gradients([(tf.constant([-1.0]), v)])   # v = 1, avg = 1
    opt.apply_gradients([(tf.constant([-1.0]), v)])   # v = 2, avg = 0.5*1 + 0.5*2
    opt.finalize_variable_values([v])
    assert abs(float(v.numpy()[0]) - 1.5) < 1e-7


def test_keras_namespace():
    assert keras.optimizers.Adam is optimizers.Adam
    assert keras.optimizers.schedules.ExponentialDecay is \
        optimizers.schedules.ExponentialDecay
    from ndflow.keras.optimizers import Adam  # noqa: F401
