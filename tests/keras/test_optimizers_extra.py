"""The Keras 3 optimizers Adafactor, Lamb, Muon, ScheduleFreeAdamW and MultiOptimizer.

Their first steps are checked against the update rules written out in NumPy float64 (on
float64 variables, so the comparison is tight), and against a few constants produced with
real Keras 3.15 (TensorFlow backend), pasted in below."""
import math

import numpy as np
import pytest

import ndflow as tf
from ndflow import keras
from ndflow.keras import optimizers

rng = np.random.default_rng(7)
SHAPES = [(3, 4), (5, 3), (4,), (2, 3, 4), ()]
INIT = [rng.normal(size=s) for s in SHAPES]
GRADS = [[rng.normal(size=s) for s in SHAPES] for _ in range(3)]
GRADS[1] = [g * 10 for g in GRADS[1]]


def f32(x):
    # the optimizer keeps its learning rate in a float32 variable
    return float(np.float32(x))


def _run(opt, names=None, init=INIT, grads=GRADS):
    names = names or ["v%d" % i for i in range(len(init))]
    vs = [tf.Variable(w.copy(), name=n) for w, n in zip(init, names)]
    out = []
    for gs in grads:
        opt.apply_gradients(zip([tf.constant(g) for g in gs], vs))
        out.append([np.array(v.numpy(), dtype=np.float64) for v in vs])
    return out


def _check(got, want, rtol=1e-10, atol=1e-12, what=""):
    for step, (gs, ws) in enumerate(zip(got, want)):
        for i, (g, w) in enumerate(zip(gs, ws)):
            np.testing.assert_allclose(g, w, rtol=rtol, atol=atol,
                                       err_msg="%s step %d variable %d" % (what, step + 1, i))


def rms(x):
    return np.sqrt(np.mean(np.square(x)))


# ---- the update rules, float64 ----------------------------------------------------------

def ref_adafactor(lr=0.001, decay=-0.8, eps1=1e-30, eps2=1e-3, clip=1.0, wd=0.0,
                  init=INIT, grads=GRADS):
    lr = f32(lr)
    ws = [w.copy() for w in init]
    rows = [np.zeros(w.shape[:-1]) if w.ndim >= 2 else None for w in ws]
    cols = [np.zeros(w.shape[:-2] + w.shape[-1:]) if w.ndim >= 2 else None for w in ws]
    second = [np.zeros_like(w) for w in ws]
    out = []
    for t, gs in enumerate(grads, 1):
        step_size = min(lr, 1 / math.sqrt(t))
        beta = 1 - t ** decay            # 0 at t = 1: the first statistics are g^2 alone
        for i, g in enumerate(gs):
            w = ws[i] * (1 - wd * lr)
            alpha = max(eps2, rms(w)) * step_size
            sq = g * g + eps1
            if w.ndim >= 2:
                rows[i] = beta * rows[i] + (1 - beta) * sq.mean(axis=-1)
                cols[i] = beta * cols[i] + (1 - beta) * sq.mean(axis=-2)
                r = rows[i] / rows[i].mean(axis=-1, keepdims=True)
                second[i] = np.einsum("...i,...j->...ij", r, cols[i])   # outer product
            else:
                second[i] = beta * second[i] + (1 - beta) * sq
            u = g / np.sqrt(second[i])
            u = u / max(1.0, rms(u) / clip)
            ws[i] = w - alpha * u
        out.append([w.copy() for w in ws])
    return out


def ref_lamb(lr=0.001, b1=0.9, b2=0.999, eps=1e-7, wd=0.0, init=INIT, grads=GRADS):
    lr = f32(lr)
    ws = [w.copy() for w in init]
    ms = [np.zeros_like(w) for w in ws]
    us = [np.zeros_like(w) for w in ws]
    out = []
    for t, gs in enumerate(grads, 1):
        for i, g in enumerate(gs):
            w = ws[i] * (1 - wd * lr)
            ms[i] = b1 * ms[i] + (1 - b1) * g
            us[i] = b2 * us[i] + (1 - b2) * g * g
            d = (ms[i] / (1 - b1 ** t)) / (np.sqrt(us[i] / (1 - b2 ** t)) + eps)
            wn, dn = np.linalg.norm(w), np.linalg.norm(d)
            trust = wn / dn if wn > 0 and dn > 0 else 1.0
            ws[i] = w - lr * trust * d
        out.append([w.copy() for w in ws])
    return out


def newton_schulz_by_svd(x, steps, a=3.4445, b=-4.7750, c=2.0315):
    """The quintic Newton-Schulz iteration acts on the singular values alone:
    ``s <- a s + b s^3 + c s^5`` after scaling by the Frobenius norm (+ 1e-7)."""
    u, s, vt = np.linalg.svd(x, full_matrices=False)
    s = s / (np.linalg.norm(x) + 1e-7)
    for _ in range(steps):
        s = a * s + b * s ** 3 + c * s ** 5
    return (u * s) @ vt


def ref_muon(lr=0.001, b1=0.9, b2=0.999, eps=1e-7, wd=0.004, adam_wd=0.004, momentum=0.95,
             nesterov=True, ns_steps=5, rms_rate=0.2, adam_lr_ratio=1.0, muon_vars=None,
             init=INIT, grads=GRADS):
    lr = f32(lr)
    muon_vars = [w.ndim == 2 for w in init] if muon_vars is None else muon_vars
    ws = [w.copy() for w in init]
    ms = [np.zeros_like(w) for w in ws]
    us = [np.zeros_like(w) for w in ws]
    out = []
    for t, gs in enumerate(grads, 1):
        for i, g in enumerate(gs):
            decay = wd if muon_vars[i] else adam_wd
            w = ws[i] * (1 - (decay or 0.0) * lr)
            if muon_vars[i]:
                ms[i] = momentum * ms[i] + g
                d = g + momentum * ms[i] if nesterov else ms[i]
                o = newton_schulz_by_svd(d, ns_steps)
                scale = math.sqrt(max(w.shape)) * rms_rate if rms_rate is not None else 1.0
                ws[i] = w - lr * o * scale
            else:
                alr = lr * adam_lr_ratio
                ms[i] = b1 * ms[i] + (1 - b1) * g
                us[i] = b2 * us[i] + (1 - b2) * g * g
                m_hat = ms[i] / (1 - b1 ** t)
                u_hat = us[i] / (1 - b2 ** t)
                # Keras's Adam form: eps is added to sqrt(u), not to sqrt(u_hat)
                ws[i] = w - alr * m_hat / (np.sqrt(u_hat) + eps / math.sqrt(1 - b2 ** t))
        out.append([w.copy() for w in ws])
    return out


def ref_schedule_free(lr=0.0025, b1=0.9, b2=0.999, eps=1e-8, warmup=0, wd=0.0, init=INIT,
                      grads=GRADS):
    lr = f32(lr)
    ys = [w.copy() for w in init]
    zs = [w.copy() for w in init]      # z starts at the variable
    us = [np.zeros_like(w) for w in ys]
    out = []
    for t, gs in enumerate(grads, 1):
        lr_t = lr * min(t / warmup, 1.0) if warmup > 0 else lr
        for i, g in enumerate(gs):
            y = ys[i] * (1 - wd * lr)
            us[i] = b2 * us[i] + (1 - b2) * g * g
            zs[i] = zs[i] - lr_t * g / (np.sqrt(us[i] / (1 - b2 ** t)) + eps)
            # Keras 3 recovers the average x from y with the *updated* z (checked against
            # Keras 3.15 in tests_reference/test_optimizers.py)
            x = (y - (1 - b1) * zs[i]) / b1
            x = x + (zs[i] - x) / t
            ys[i] = (1 - b1) * zs[i] + b1 * x
        out.append([y.copy() for y in ys])
    return out


CASES = [
    ("Adafactor", lambda: optimizers.Adafactor(), lambda: ref_adafactor()),
    ("Adafactor big lr", lambda: optimizers.Adafactor(learning_rate=2.0, beta_2_decay=-0.5,
                                                      epsilon_2=1e-2, clip_threshold=0.5),
     lambda: ref_adafactor(2.0, decay=-0.5, eps2=1e-2, clip=0.5)),
    ("Adafactor wd", lambda: optimizers.Adafactor(learning_rate=0.1, weight_decay=0.2),
     lambda: ref_adafactor(0.1, wd=0.2)),
    ("Lamb", lambda: optimizers.Lamb(), lambda: ref_lamb()),
    ("Lamb custom", lambda: optimizers.Lamb(learning_rate=0.05, beta_1=0.8, beta_2=0.95,
                                            epsilon=1e-4, weight_decay=0.1),
     lambda: ref_lamb(0.05, 0.8, 0.95, 1e-4, wd=0.1)),
    ("Muon", lambda: optimizers.Muon(), lambda: ref_muon()),
    ("Muon custom", lambda: optimizers.Muon(learning_rate=0.02, momentum=0.9, nesterov=False,
                                            ns_steps=3, rms_rate=None, adam_lr_ratio=0.5,
                                            weight_decay=0.1, adam_weight_decay=None,
                                            adam_beta_1=0.8, adam_beta_2=0.9, epsilon=1e-4),
     lambda: ref_muon(0.02, 0.8, 0.9, 1e-4, wd=0.1, adam_wd=None, momentum=0.9,
                      nesterov=False, ns_steps=3, rms_rate=None, adam_lr_ratio=0.5)),
    ("ScheduleFreeAdamW", lambda: optimizers.ScheduleFreeAdamW(), lambda: ref_schedule_free()),
    ("ScheduleFreeAdamW custom",
     lambda: optimizers.ScheduleFreeAdamW(learning_rate=0.05, beta_1=0.8, beta_2=0.9,
                                          epsilon=1e-5, warmup_steps=2, weight_decay=0.1),
     lambda: ref_schedule_free(0.05, 0.8, 0.9, 1e-5, warmup=2, wd=0.1)),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_update_rule(case):
    name, make, ref = case
    opt = make()
    _check(_run(opt), ref(), what=name)
    assert int(opt.iterations.numpy()) == 3


# constants from real Keras 3.15 (TensorFlow backend): float32 `kernel` W and `bias` B, two
# apply_gradients steps with the gradients G, learning_rate=0.1, otherwise the defaults;
# the values after each step, rounded to 7 decimals
W = np.array([[0.5, -1.0, 0.25], [1.5, 0.75, -0.5]], np.float32)
B = np.array([0.1, -0.2], np.float32)
G = [(np.array([[0.2, -0.1, 0.4], [-0.3, 0.5, 0.1]], np.float32),
      np.array([0.3, -0.6], np.float32)),
     (np.array([[-0.1, 0.2, 0.3], [0.4, -0.2, 0.0]], np.float32),
      np.array([-0.2, 0.1], np.float32))]
KERAS_3_15 = {
    "Adafactor": [([[0.4237433, -0.9730392, 0.1166308], [1.5886023, 0.6455812, -0.5258268]],
                   [0.0841886, -0.1841886]),
                  ([[0.4585615, -1.0418609, 0.0006369], [1.4768765, 0.7007906, -0.5258268]],
                   [0.0957579, -0.1877801])],
    "Lamb": [([[0.4146087, -0.9146088, 0.1646087], [1.5853913, 0.6646087, -0.5853912]],
              [0.0841886, -0.1841886]),
             ([[0.3730094, -0.9717908, 0.0111394], [1.5551667, 0.6106282, -0.6900481]],
              [0.0789396, -0.164629])],
    "Muon": [([[0.4875822, -0.992489, 0.2274688], [1.5187289, 0.7181534, -0.5049067]],
              [-3.83e-05, -0.0999212]),
             ([[0.4910835, -0.9992037, 0.204259], [1.4805746, 0.7153234, -0.5051509]],
              [-0.0144901, -0.0460283])],
    "ScheduleFreeAdamW": [([[0.4, -0.9, 0.15], [1.6, 0.65, -0.6]], [0.0, -0.1]),
                          ([[0.4316274, -0.9632358, 0.1075708],
                            [1.5434356, 0.6762659, -0.6]], [0.0392269, -0.1116275])],
}


@pytest.mark.parametrize("name", sorted(KERAS_3_15))
def test_matches_constants_from_keras(name):
    w, b = tf.Variable(W.copy(), name="kernel"), tf.Variable(B.copy(), name="bias")
    opt = getattr(optimizers, name)(learning_rate=0.1)
    for (gw, gb), (want_w, want_b) in zip(G, KERAS_3_15[name]):
        opt.apply_gradients([(tf.constant(gw), w), (tf.constant(gb), b)])
        assert w.numpy().dtype == np.float32 and b.numpy().dtype == np.float32
        np.testing.assert_allclose(w.numpy(), want_w, rtol=1e-5, atol=2e-6)
        np.testing.assert_allclose(b.numpy(), want_b, rtol=1e-5, atol=2e-6)


# ---- details of each optimizer ----------------------------------------------------------

def test_adafactor_variables_and_relative_step():
    opt = optimizers.Adafactor()
    vs = [tf.Variable(w.astype(np.float32)) for w in INIT]
    opt.build(vs)
    # iteration, learning_rate, then per variable r, c, velocity (as Keras 3 lists them);
    # rank < 2 gets two int32 placeholders instead of r and c
    got = [(tuple(v.numpy().shape), np.dtype(v.numpy().dtype).name) for v in opt.variables]
    want = [((), "int64"), ((), "float32")]
    for w in INIT:
        if w.ndim >= 2:
            want += [(w.shape[:-1], "float32"), (w.shape[:-2] + w.shape[-1:], "float32")]
        else:
            want += [((), "int32"), ((), "int32")]
        want.append((w.shape, "float32"))
    assert got == want
    # with a large constant learning rate the step size is capped at 1/sqrt(t)
    big = _run(optimizers.Adafactor(learning_rate=10.0))
    _check(big, ref_adafactor(1e9), what="relative step")


def test_adafactor_schedule_is_capped_too():
    sched = optimizers.schedules.ExponentialDecay(4.0, decay_steps=1, decay_rate=0.5)
    got = _run(optimizers.Adafactor(learning_rate=sched))
    # lr 4, 2, 1 at steps 1, 2, 3: min(lr, 1/sqrt(t)) is 1/sqrt(t) every time
    _check(got, ref_adafactor(1e9), what="schedule")
    sched = optimizers.schedules.ExponentialDecay(0.01, decay_steps=1, decay_rate=0.5)
    small = _run(optimizers.Adafactor(learning_rate=sched))
    w, first = INIT[0], GRADS[0][0]
    sq = first ** 2 + 1e-30
    u = first / np.sqrt(np.outer(sq.mean(1) / sq.mean(1).mean(), sq.mean(0)))
    want = w - max(1e-3, rms(w)) * f32(0.01) * u / max(1.0, rms(u))
    np.testing.assert_allclose(small[0][0], want, rtol=1e-10)


def test_lamb_trust_ratio_of_zero_variable_is_one():
    v = tf.Variable(np.zeros(3))
    optimizers.Lamb(learning_rate=0.5).apply_gradients([(tf.constant([1.0, -2.0, 0.0]), v)])
    # m_hat = g, u_hat = g^2: the Adam direction is g / (|g| + eps), ratio 1
    want = -0.5 * np.array([1.0, -2.0, 0.0]) / (np.array([1.0, 2.0, 0.0]) + 1e-7)
    np.testing.assert_allclose(v.numpy(), want, rtol=1e-12)
    v = tf.Variable(np.array([3.0, 4.0]))
    optimizers.Lamb(learning_rate=0.5).apply_gradients([(tf.constant([0.0, 0.0]), v)])
    np.testing.assert_array_equal(v.numpy(), [3.0, 4.0])     # zero direction: no step


def test_muon_newton_schulz_and_which_variables_take_adamw():
    opt = optimizers.Muon()
    for shape in [(3, 5), (6, 2), (4, 4)]:
        x = rng.normal(size=shape)
        np.testing.assert_allclose(opt.zeropower_via_newtonschulz5(x, 5),
                                   newton_schulz_by_svd(x, 5), rtol=1e-9, atol=1e-12)
        # the quintic drives the singular values near 1 without converging exactly
        s = np.linalg.svd(opt.zeropower_via_newtonschulz5(x, 5), compute_uv=False)
        assert np.all((s > 0.6) & (s < 1.2)), s
    with pytest.raises(ValueError, match="rank"):
        opt.zeropower_via_newtonschulz5(np.ones(3), 5)
    names = ["dense/kernel", "token_embedding/embeddings", "head/kernel", "dense/bias",
             "conv/kernel"]
    shapes = [(4, 3), (6, 3), (3, 2), (3,), (2, 2, 3)]
    init = [rng.normal(size=s) for s in shapes]
    grads = [[rng.normal(size=s) for s in shapes] for _ in range(2)]
    # defaults: embeddings and non-2-D variables take AdamW
    got = _run(optimizers.Muon(learning_rate=0.01), names, init, grads)
    _check(got, ref_muon(0.01, muon_vars=[True, False, True, False, False], init=init,
                         grads=grads), what="muon defaults")
    # exclude_embeddings=False, exclude_layers regexes on the path
    opt = optimizers.Muon(learning_rate=0.01, exclude_embeddings=False, exclude_layers=["^he"])
    got = _run(opt, names, init, grads)
    _check(got, ref_muon(0.01, muon_vars=[True, True, False, False, False], init=init,
                         grads=grads), what="muon exclusions")
    # slots: momentum for all, velocity only for the AdamW ones
    assert [tuple(v.numpy().shape) for v in opt.variables] == [
        (), (), (4, 3), (6, 3), (3, 2), (3, 2), (3,), (3,), (2, 2, 3), (2, 2, 3)]


def test_muon_weight_decay_split_and_exclusion():
    a, b = tf.Variable(np.ones((2, 2))), tf.Variable(np.ones(2))
    opt = optimizers.Muon(learning_rate=0.5, weight_decay=0.2, adam_weight_decay=0.4)
    opt.apply_gradients([(tf.constant(np.zeros((2, 2))), a), (tf.constant(np.zeros(2)), b)])
    # zero gradients: only the decay moves the variables (Newton-Schulz of 0 is 0)
    np.testing.assert_allclose(a.numpy(), np.full((2, 2), 1 - 0.5 * 0.2), rtol=1e-7)
    np.testing.assert_allclose(b.numpy(), np.full(2, 1 - 0.5 * 0.4), rtol=1e-7)
    a, b = tf.Variable(np.ones((2, 2))), tf.Variable(np.ones(2))
    opt = optimizers.Muon(learning_rate=0.5, weight_decay=None, adam_weight_decay=0.4)
    opt.exclude_from_weight_decay(var_list=[b])
    opt.apply_gradients([(tf.constant(np.zeros((2, 2))), a), (tf.constant(np.zeros(2)), b)])
    np.testing.assert_array_equal(a.numpy(), np.ones((2, 2)))
    np.testing.assert_array_equal(b.numpy(), np.ones(2))


def test_schedule_free_momentum_starts_at_the_variable():
    opt = optimizers.ScheduleFreeAdamW()
    v = tf.Variable(np.array([1.0, -2.0]))
    opt.build([v])
    z = [x for x in opt.variables if "momentum" in x.name][0]
    np.testing.assert_array_equal(z.numpy(), [1.0, -2.0])
    # first step: y = z = v - lr * g / (|g| + eps)
    opt.apply_gradients([(tf.constant([0.5, 0.0]), v)])
    np.testing.assert_allclose(v.numpy(), [1.0 - f32(0.0025) * 0.5 / (0.5 + 1e-8), -2.0],
                               rtol=1e-12)


@pytest.mark.parametrize("name", ["Adafactor", "Lamb", "Muon", "ScheduleFreeAdamW"])
def test_float32_stays_float32_and_options_work(name):
    vs = [tf.Variable(w.astype(np.float32)) for w in INIT]
    opt = getattr(optimizers, name)(learning_rate=0.01, global_clipnorm=1.0, use_ema=True,
                                    gradient_accumulation_steps=2)
    for gs in GRADS + GRADS[:1]:
        opt.apply_gradients(zip([tf.constant(g.astype(np.float32)) for g in gs], vs))
    assert all(v.numpy().dtype == np.float32 for v in vs)
    assert all(np.all(np.isfinite(v.numpy())) for v in vs)
    assert int(opt.iterations.numpy()) == 2            # 4 calls, 2 accumulated updates
    # the same two averaged, clipped updates without accumulation
    ws = [tf.Variable(w.astype(np.float32)) for w in INIT]
    plain = getattr(optimizers, name)(learning_rate=0.01, global_clipnorm=1.0)
    for pair in (GRADS[:2], [GRADS[2], GRADS[0]]):
        mean = [((a + b) / 2).astype(np.float32) for a, b in zip(*pair)]
        plain.apply_gradients(zip([tf.constant(g) for g in mean], ws))
    for v, w in zip(vs, ws):
        np.testing.assert_allclose(v.numpy(), w.numpy(), rtol=1e-5, atol=1e-6)


# ---- config, get, fit, saving -----------------------------------------------------------

CONFIGS = [
    ("Adafactor", {"learning_rate": 0.01, "beta_2_decay": -0.6, "epsilon_1": 1e-29,
                   "epsilon_2": 0.002, "clip_threshold": 2.0, "relative_step": False}),
    ("Lamb", {"learning_rate": 0.02, "beta_1": 0.8, "beta_2": 0.9, "epsilon": 1e-5,
              "weight_decay": 0.01}),
    ("Muon", {"learning_rate": 0.02, "adam_beta_1": 0.8, "adam_beta_2": 0.9,
              "adam_weight_decay": 0.01, "epsilon": 1e-5, "weight_decay": 0.02,
              "exclude_layers": ["head"], "exclude_embeddings": False, "muon_a": 3.0,
              "muon_b": -4.0, "muon_c": 2.0, "adam_lr_ratio": 0.5, "momentum": 0.9,
              "ns_steps": 4, "nesterov": False, "rms_rate": None}),
    ("ScheduleFreeAdamW", {"learning_rate": 0.01, "beta_1": 0.8, "beta_2": 0.9,
                           "epsilon": 1e-6, "warmup_steps": 10}),
]
DEFAULTS = {
    "Adafactor": dict(learning_rate=0.001, beta_2_decay=-0.8, epsilon_1=1e-30, epsilon_2=1e-3,
                      clip_threshold=1.0, relative_step=True, weight_decay=None),
    "Lamb": dict(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 weight_decay=None),
    "Muon": dict(learning_rate=0.001, adam_beta_1=0.9, adam_beta_2=0.999,
                 adam_weight_decay=0.004, epsilon=1e-7, weight_decay=0.004, exclude_layers=[],
                 exclude_embeddings=True, muon_a=3.4445, muon_b=-4.775, muon_c=2.0315,
                 adam_lr_ratio=1, momentum=0.95, ns_steps=5, nesterov=True, rms_rate=0.2),
    "ScheduleFreeAdamW": dict(learning_rate=0.0025, beta_1=0.9, beta_2=0.999, epsilon=1e-8,
                              warmup_steps=0, weight_decay=None),
}
KERAS_NAMES = {"Adafactor": "adafactor", "Lamb": "lamb", "Muon": "muon",
               "ScheduleFreeAdamW": "schedule_free_adam_w"}


@pytest.mark.parametrize("name", sorted(DEFAULTS))
def test_defaults_and_name(name):
    opt = getattr(optimizers, name)()
    cfg = opt.get_config()
    assert cfg["name"] == KERAS_NAMES[name]
    for k, want in DEFAULTS[name].items():
        assert cfg[k] == pytest.approx(want) if isinstance(want, float) else cfg[k] == want, k


@pytest.mark.parametrize("case", CONFIGS, ids=[c[0] for c in CONFIGS])
def test_config_round_trip(case):
    name, kwargs = case
    opt = getattr(optimizers, name)(**kwargs)
    cfg = opt.get_config()
    for k, v in kwargs.items():
        assert cfg[k] == pytest.approx(v) if isinstance(v, float) else cfg[k] == v, k
    again = getattr(optimizers, name).from_config(cfg)
    assert type(again) is type(opt) and again.get_config() == cfg
    again = optimizers.deserialize(optimizers.serialize(opt))
    assert type(again) is type(opt) and again.get_config() == cfg
    assert type(keras.optimizers.get(name.lower())) is type(opt)


def _model(optimizer):
    keras.utils.set_random_seed(3)
    m = keras.Sequential([keras.layers.Dense(8, activation="tanh", input_shape=(5,),
                                             name="hidden"),
                          keras.layers.Dense(1, name="head")])
    m.compile(optimizer=optimizer, loss="mse")
    return m


X = rng.normal(size=(64, 5)).astype(np.float32)
Y = (X @ rng.normal(size=(5, 1)) + 0.3).astype(np.float32)


def _multi():
    return optimizers.MultiOptimizer(optimizers.OptimizerMap(
        optimizers.SGD(0.05, momentum=0.9), {".*hidden/.*": optimizers.Adam(0.02)}))


FIT_OPTIMIZERS = [
    ("Adafactor", lambda: optimizers.Adafactor(learning_rate=0.05)),
    ("Lamb", lambda: optimizers.Lamb(learning_rate=0.02)),
    ("Muon", lambda: optimizers.Muon(learning_rate=0.02)),
    ("ScheduleFreeAdamW", lambda: optimizers.ScheduleFreeAdamW(learning_rate=0.02)),
    ("MultiOptimizer", _multi),
]


@pytest.mark.parametrize("case", FIT_OPTIMIZERS, ids=[c[0] for c in FIT_OPTIMIZERS])
def test_fit_lowers_the_loss(case):
    model = _model(case[1]())
    before = model.evaluate(X, Y, verbose=0)
    hist = model.fit(X, Y, epochs=5, batch_size=16, verbose=0)
    after = model.evaluate(X, Y, verbose=0)
    assert after < 0.7 * before, (before, after, hist.history["loss"])


@pytest.mark.parametrize("ext", [".keras", ".h5"])
@pytest.mark.parametrize("case", FIT_OPTIMIZERS, ids=[c[0] for c in FIT_OPTIMIZERS])
def test_saved_optimizer_state_continues_training(tmp_path, case, ext):
    model = _model(case[1]())
    model.fit(X, Y, epochs=2, batch_size=16, shuffle=False, verbose=0)
    path = str(tmp_path / ("m" + ext))
    model.save(path)
    loaded = keras.models.load_model(path)
    assert type(loaded.optimizer) is type(model.optimizer)
    assert loaded.optimizer.get_config() == model.optimizer.get_config()
    assert int(loaded.optimizer.iterations.numpy()) == 8
    a = [np.asarray(v.numpy()) for v in model.optimizer.variables]
    b = [np.asarray(v.numpy()) for v in loaded.optimizer.variables]
    assert len(a) == len(b)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    model.fit(X, Y, epochs=1, batch_size=16, shuffle=False, verbose=0)
    loaded.fit(X, Y, epochs=1, batch_size=16, shuffle=False, verbose=0)
    for x, y in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_allclose(x, y, rtol=0, atol=1e-6)


# ---- MultiOptimizer ---------------------------------------------------------------------

def test_optimizer_map_lookup():
    sgd, adam, rms = optimizers.SGD(), optimizers.Adam(), optimizers.RMSprop()
    omap = optimizers.OptimizerMap(rms)
    omap["encoder/layer_0/dense"] = adam
    omap["encoder/.*"] = sgd
    omap["decoder"] = adam
    assert omap["decoder"] is adam
    assert omap["encoder/layer_0/dense"] is adam          # an exact key wins
    assert omap["encoder/layer_0/attention/query"] is sgd
    assert omap["decoder/layer_0/dense"] is rms           # patterns match the whole path
    assert omap.default_optimizer is rms and len(omap) == 3 and "decoder" in list(omap)
    with pytest.raises(ValueError, match="already"):
        omap["decoder"] = sgd
    with pytest.raises(ValueError, match="MultiOptimizer"):
        omap["x"] = optimizers.MultiOptimizer(optimizers.OptimizerMap(optimizers.SGD()))
    del omap["decoder"]
    assert omap["decoder"] is rms
    omap["enc.*"] = adam
    with pytest.raises(ValueError, match="several"):
        omap["encoder/x"]
    with pytest.raises(TypeError, match="default_optimizer"):
        optimizers.OptimizerMap("adam")


def test_multi_optimizer_applies_each_sub_optimizer_to_its_variables():
    init = [rng.normal(size=(3, 2)), rng.normal(size=(2,)), rng.normal(size=(2, 1))]
    names = ["enc/kernel", "enc/bias", "dec/kernel"]
    grads = [[rng.normal(size=w.shape) for w in init] for _ in range(3)]
    multi = optimizers.MultiOptimizer(optimizers.OptimizerMap(
        optimizers.SGD(0.1, momentum=0.5, global_clipnorm=1.0),
        {"enc/.*": optimizers.Adam(0.05)}))
    got = _run(multi, names, init, grads)
    # the same as Adam on the enc/ variables and SGD (clipped over its own variables) on
    # the rest
    want_enc = _run(optimizers.Adam(0.05), names[:2], init[:2], [g[:2] for g in grads])
    want_dec = _run(optimizers.SGD(0.1, momentum=0.5, global_clipnorm=1.0), names[2:],
                    init[2:], [g[2:] for g in grads])
    _check(got, [a + b for a, b in zip(want_enc, want_dec)], rtol=0, atol=0)
    assert int(multi.iterations.numpy()) == 3
    assert [int(o.iterations.numpy()) for o in multi.optimizers] == [3, 3]
    assert [type(o).__name__ for o in multi.optimizers] == ["Adam", "SGD"]
    # own iteration and learning_rate, then Adam's 2 + 2*2, then SGD's 2 + 1 variables
    shapes = [tuple(v.numpy().shape) for v in multi.variables]
    assert shapes == [(), (), (), (), (3, 2), (3, 2), (2,), (2,), (), (), (2, 1)]
    state = multi.get_weights()
    other = optimizers.MultiOptimizer(optimizers.OptimizerMap(
        optimizers.SGD(0.1, momentum=0.5, global_clipnorm=1.0),
        {"enc/.*": optimizers.Adam(0.05)}))
    vs = [tf.Variable(w.copy(), name=n) for w, n in zip(init, names)]
    other.build(vs)
    other.set_weights(state)
    for x, y in zip(other.get_weights(), state):
        np.testing.assert_array_equal(x, y)
    with pytest.raises(ValueError, match="got 2 arrays"):
        other.set_weights(state[:2])
    with pytest.raises(AttributeError, match="sub-optimizer"):
        multi.learning_rate
    with pytest.raises(AttributeError, match="sub-optimizer"):
        multi.learning_rate = 0.1


def test_multi_optimizer_with_a_function_and_config():
    made = []

    def choose(variable):
        opt = optimizers.Adam(0.1) if variable.name.startswith("a") else optimizers.SGD(0.1)
        made.append(opt)
        return opt

    multi = optimizers.MultiOptimizer(choose)
    a, b = tf.Variable([1.0], name="a"), tf.Variable([1.0], name="b")
    multi.apply_gradients([(tf.constant([1.0]), a), (tf.constant([1.0]), b)])
    assert [type(o).__name__ for o in multi.optimizers] == ["Adam", "SGD"]
    np.testing.assert_allclose([a.numpy()[0], b.numpy()[0]], [1 - 0.1, 1 - 0.1], rtol=1e-6)
    multi.apply_gradients([(tf.constant([1.0]), a), (tf.constant([1.0]), b)])
    assert len(made) == 2                      # chosen once per variable
    # an OptimizerMap config rebuilds the sub-optimizers
    omulti = optimizers.MultiOptimizer(optimizers.OptimizerMap(
        optimizers.SGD(0.3), {"x.*": optimizers.Lamb(0.2)}), name="multi")
    cfg = optimizers.serialize(omulti)
    assert cfg["config"]["optimizer_map"]["class_name"] == "OptimizerMap"
    again = optimizers.deserialize(cfg)
    assert isinstance(again, optimizers.MultiOptimizer) and again.name == "multi"
    assert [type(o).__name__ for o in again.optimizers] == ["Lamb", "SGD"]
    assert again.get_config() == omulti.get_config()
    with pytest.raises(ValueError, match="MultiOptimizer"):
        optimizers.get("multioptimizer")
    with pytest.raises(TypeError, match="OptimizerMap or a function"):
        optimizers.MultiOptimizer("adam")


def test_multi_optimizer_ema_is_finalized_per_sub_optimizer():
    a, b = tf.Variable([0.0], name="a"), tf.Variable([0.0], name="b")
    multi = optimizers.MultiOptimizer(optimizers.OptimizerMap(
        optimizers.SGD(1.0), {"a": optimizers.SGD(1.0, use_ema=True, ema_momentum=0.5)}))
    assert multi.use_ema
    for _ in range(2):
        multi.apply_gradients([(tf.constant([-1.0]), a), (tf.constant([-1.0]), b)])
    multi.finalize_variable_values([a, b])
    # a's average: 1 after the first step, then 0.5 * 1 + 0.5 * 2; b has no average
    np.testing.assert_allclose([a.numpy()[0], b.numpy()[0]], [1.5, 2.0], rtol=1e-7)


def test_keras_namespace_has_them():
    for name in ["Adafactor", "Lamb", "Muon", "ScheduleFreeAdamW", "MultiOptimizer",
                 "OptimizerMap"]:
        assert getattr(keras.optimizers, name) is getattr(optimizers, name)
    assert isinstance(keras.optimizers.get("muon"), optimizers.Muon)


def test_multi_optimizer_state_in_a_checkpoint(tmp_path):
    def make():
        return optimizers.MultiOptimizer(optimizers.OptimizerMap(
            optimizers.SGD(0.1, momentum=0.5), {"a": optimizers.Lamb(0.1)}))

    a, b = tf.Variable(np.ones((2, 3)), name="a"), tf.Variable(np.ones(3), name="b")
    opt = make()
    opt.apply_gradients([(tf.constant(np.full((2, 3), 0.5)), a),
                         (tf.constant(np.full(3, -0.5)), b)])
    path = tf.train.Checkpoint(optimizer=opt, a=a, b=b).save(str(tmp_path / "ckpt"))
    a2, b2 = tf.Variable(np.zeros((2, 3)), name="a"), tf.Variable(np.zeros(3), name="b")
    opt2 = make()
    opt2.build([a2, b2])
    tf.train.Checkpoint(optimizer=opt2, a=a2, b=b2).restore(path)
    assert len(opt2.variables) == 9     # own 2, Lamb 2 + 2, SGD 2 + 1
    for x, y in zip(opt.variables, opt2.variables):
        np.testing.assert_array_equal(x.numpy(), y.numpy())
    assert float(opt2.variables[4].numpy()[0, 0]) != 0.0     # Lamb's momentum came back
