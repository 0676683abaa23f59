"""keras.mixed_precision: dtype policies, mixed float16 layers and loss scaling.

Expected values are Keras 3 semantics (checked with Keras 3.15 where noted), a float32
model with the same weights, or exact identities (loss scaling by powers of two).
"""
import io
import json
import zipfile

import h5py
import numpy as np
import pytest

import ndflow as tf
from ndflow import keras
from ndflow.keras import layers as L
from ndflow.keras import mixed_precision as mp


@pytest.fixture(autouse=True)
def _reset_global_policy():
    mp.set_global_policy(None)
    yield
    mp.set_global_policy(None)


# ---- policies ---------------------------------------------------------------------------

def test_policy_properties():
    assert mp.Policy is mp.DTypePolicy is keras.DTypePolicy
    p = mp.Policy("mixed_float16")
    assert (p.name, p.compute_dtype, p.variable_dtype) == ("mixed_float16", "float16",
                                                           "float32")
    for name in ("float32", "float16", "float64"):
        q = mp.DTypePolicy(name)
        assert (q.name, q.compute_dtype, q.variable_dtype) == (name, name, name)
    assert repr(p) == '<DTypePolicy "mixed_float16">'
    assert p.get_config() == {"name": "mixed_float16"}
    assert mp.DTypePolicy.from_config(p.get_config()) == p
    assert p != mp.Policy("float32")
    assert mp.DTypePolicy().name == "float32"       # floatx()


def test_policy_errors_name_the_alternatives():
    for name in ("bfloat16", "mixed_bfloat16"):
        with pytest.raises(ValueError, match="no bfloat16.*'mixed_float16'"):
            mp.Policy(name)
    with pytest.raises(ValueError, match="'foo'.*mixed_float16"):
        mp.Policy("foo")
    with pytest.raises(TypeError, match="must be a string"):
        mp.Policy(3)
    with pytest.raises(ValueError, match="no bfloat16"):
        L.Dense(2, dtype="mixed_bfloat16")
    with pytest.raises(ValueError, match="set_global_policy"):
        mp.set_global_policy(3)


def test_global_policy_and_config_aliases():
    assert mp.global_policy() == mp.Policy("float32")
    assert keras.config.dtype_policy() == mp.Policy("float32")
    mp.set_global_policy("mixed_float16")
    assert mp.global_policy().name == "mixed_float16"
    assert keras.config.dtype_policy().name == "mixed_float16"
    assert keras.config.floatx() == "float32"       # the policy leaves floatx alone
    d = L.Dense(2)
    assert (d.dtype_policy.name, d.dtype, d.compute_dtype, d.variable_dtype) == (
        "mixed_float16", "float32", "float16", "float32")
    mp.set_global_policy("float32")
    d = L.Dense(2)
    assert (d.dtype_policy.name, d.compute_dtype, d.variable_dtype) == (
        "float32", "float32", "float32")
    keras.config.set_dtype_policy(mp.Policy("mixed_float16"))
    assert mp.global_policy().name == "mixed_float16"
    # the default follows floatx when no policy was set
    mp.set_global_policy(None)
    keras.config.set_floatx("float64")
    try:
        assert mp.global_policy().name == "float64"
        assert L.Dense(2).dtype == "float64"
    finally:
        keras.config.set_floatx("float32")


def test_layer_dtype_arguments():
    forms = ["mixed_float16", mp.Policy("mixed_float16"),
             {"module": "keras", "class_name": "DTypePolicy",        # Keras 3 config
              "config": {"name": "mixed_float16"}, "registered_name": None},
             {"class_name": "Policy", "config": {"name": "mixed_float16"}}]  # tf.keras 2
    for form in forms:
        d = L.Dense(2, dtype=form)
        assert d.dtype_policy == mp.Policy("mixed_float16")
        assert (d.dtype, d.compute_dtype) == ("float32", "float16")
    assert L.Dense(2, dtype=tf.float16).dtype_policy.name == "float16"
    assert L.Dense(2, dtype=np.float64).dtype_policy.name == "float64"
    with pytest.raises(ValueError, match="Dense.*quantized"):
        L.Dense(2, dtype={"class_name": "QuantizedDTypePolicy", "config": {"name": "int8"}})
    d = L.Dense(2, dtype="float16")       # a plain float16 layer: float16 variables
    y = d(np.ones((1, 3), np.float32))
    assert y.dtype == tf.float16 and d.kernel.dtype == tf.float16


# ---- mixed float16 models ---------------------------------------------------------------

def _conv_model():
    keras.utils.set_random_seed(3)
    return keras.Sequential([
        keras.Input((8, 8, 3)), L.Conv2D(4, 3, activation="relu"), L.MaxPooling2D(),
        L.Flatten(), L.Dense(8, activation="relu"), L.Dense(4),
        L.Activation("softmax", dtype="float32")])


def _data():
    rng = np.random.default_rng(1)
    return rng.normal(size=(16, 8, 8, 3)).astype(np.float32), rng.integers(0, 4, 16)


def test_mixed_model_dtypes_and_results_match_float32():
    x, _ = _data()
    ref = _conv_model()
    mp.set_global_policy("mixed_float16")
    model = _conv_model()
    model.set_weights(ref.get_weights())
    assert [l.dtype_policy.name for l in model.layers] == ["mixed_float16"] * 5 + ["float32"]
    assert all(v.dtype == tf.float32 for v in model.weights)
    # symbolic outputs: float16 inside, float32 after the float32 head
    assert [l.output.dtype.name for l in model.layers] == ["float16"] * 5 + ["float32"]
    hidden = model.layers[0](x)
    assert hidden.dtype == tf.float16
    expected = ref.layers[0](x).numpy()
    np.testing.assert_allclose(hidden.numpy().astype(np.float32), expected,
                               rtol=1e-2, atol=1e-2 * np.abs(expected).max())
    out, want = model.predict(x, verbose=0), ref.predict(x, verbose=0)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, want, rtol=1e-2, atol=1e-3)


def test_mixed_training_lowers_the_loss_and_updates_float32_variables():
    x, y = _data()
    mp.set_global_policy("mixed_float16")
    model = _conv_model()
    model.compile("adam", "sparse_categorical_crossentropy")
    assert isinstance(model.optimizer, mp.LossScaleOptimizer)
    before = model.get_weights()
    loss0 = model.evaluate(x, y, verbose=0)
    for _ in range(5):
        model.train_on_batch(x, y)
    assert model.evaluate(x, y, verbose=0) < loss0 - 0.05
    after = model.get_weights()
    assert all(w.dtype == np.float32 for w in after)
    assert all(not np.array_equal(a, b) for a, b in zip(before, after))
    assert int(model.optimizer.iterations.numpy()) == 5


def test_gradients_flow_to_the_float32_variables():
    x = np.random.default_rng(0).normal(size=(4, 3)).astype(np.float32)
    keras.utils.set_random_seed(0)
    ref = L.Dense(2)
    ref.build((None, 3))
    layer = L.Dense(2, dtype="mixed_float16")
    layer.build((None, 3))
    layer.set_weights(ref.get_weights())
    grads = []
    for lay in (ref, layer):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(tf.square(tf.cast(lay(x), tf.float32)))
        grads.append(tape.gradient(loss, lay.trainable_weights))
    for g_ref, g in zip(*grads):
        assert g.dtype == tf.float32
        np.testing.assert_allclose(g.numpy(), g_ref.numpy(), rtol=1e-2,
                                   atol=1e-2 * np.abs(g_ref.numpy()).max())
    # after the call the layer holds its variables again
    assert isinstance(layer.kernel, tf.Variable) and layer.kernel.dtype == tf.float32


def test_losses_are_float32_with_float16_outputs():
    mp.set_global_policy("mixed_float16")
    model = keras.Sequential([keras.Input((3,)), L.Dense(1)])
    model.compile("sgd", "mse")
    x = np.ones((4, 3), np.float32)
    y = np.full((4, 1), 2.3, np.float32)
    pred = model(x)
    assert pred.dtype == tf.float16
    loss = model.compute_loss(x, y, pred)
    assert loss.dtype == tf.float32
    expected = np.mean((pred.numpy().astype(np.float64) - y.astype(np.float64)) ** 2)
    np.testing.assert_allclose(loss.numpy(), expected, rtol=1e-6)


def test_functional_model_casts_inputs_to_its_input_dtype_not_float16():
    mp.set_global_policy("mixed_float16")
    inp = keras.Input((3,))
    model = keras.Model(inp, L.Activation("linear", dtype="float32")(inp))
    assert model.dtype_policy.name == "mixed_float16"
    x = np.array([[0.1, 1 / 3, 1e-6]], np.float32)      # not exact in float16
    np.testing.assert_array_equal(model(x).numpy(), x)


def test_batch_normalization_keeps_float32_moving_statistics():
    mp.set_global_policy("mixed_float16")
    bn = L.BatchNormalization(momentum=0.5)
    x = np.random.default_rng(0).normal(2.0, 1.0, size=(64, 3)).astype(np.float32)
    y = bn(x, training=True)
    assert y.dtype == tf.float16
    assert isinstance(bn.moving_mean, tf.Variable) and bn.moving_mean.dtype == tf.float32
    batch_mean = x.astype(np.float16).astype(np.float64).mean(axis=0)
    np.testing.assert_allclose(bn.moving_mean.numpy(), 0.5 * batch_mean, rtol=2e-3)
    assert bn(x, training=False).dtype == tf.float16


def test_subclassed_model_and_extra_arguments_are_autocast():
    mp.set_global_policy("mixed_float16")

    class TwoInputs(keras.layers.Layer):
        def build(self, shape):
            self.w = self.add_weight(shape=(shape[-1],), initializer="ones")

        def call(self, a, b):
            return a * self.w + b          # a dtype mismatch would raise

    layer = TwoInputs()
    out = layer(np.ones((2, 3), np.float32), b=np.ones((2, 3), np.float32))
    assert out.dtype == tf.float16 and layer.w.dtype == tf.float32

    mha = L.MultiHeadAttention(num_heads=2, key_dim=4)
    q = np.random.default_rng(0).normal(size=(2, 5, 6)).astype(np.float32)
    assert mha(q, q).dtype == tf.float16
    assert all(v.dtype == tf.float32 for v in mha.weights)


# ---- LossScaleOptimizer -----------------------------------------------------------------

def test_loss_scale_optimizer_follows_keras3():
    # the same sequence run with Keras 3.15: the gradients given are those of the scaled
    # loss; finite steps divide them by the scale, a non-finite one skips and halves
    opt = mp.LossScaleOptimizer(keras.optimizers.SGD(0.1), initial_scale=4.0,
                                dynamic_growth_steps=2)
    v = tf.Variable(np.array([1.0, 2.0], np.float32))

    def step(g):
        opt.apply_gradients([(np.array(g, np.float32), v)])
        return (v.numpy().tolist(), float(opt.dynamic_scale.numpy()),
                int(opt.step_counter.numpy()), int(opt.iterations.numpy()))

    def f32(*values):       # the variable as Keras printed it
        return np.array(values, np.float32).tolist()

    assert step([1, 1]) == (f32(0.975, 1.975), 4.0, 1, 1)
    assert step([1, 1]) == (f32(0.95000005, 1.95), 8.0, 0, 2)
    assert step([1, 1]) == (f32(0.93750006, 1.9375), 8.0, 1, 3)
    assert step([np.inf, 1]) == (f32(0.93750006, 1.9375), 4.0, 0, 3)
    assert step([np.nan, 1]) == (f32(0.93750006, 1.9375), 2.0, 0, 3)
    assert float(opt.scale_loss(tf.constant(2.0)).numpy()) == 4.0


def test_skipped_step_leaves_variables_and_inner_state_alone():
    inner = keras.optimizers.Adam(0.1)
    opt = mp.LossScaleOptimizer(inner, initial_scale=1024.0)
    v = tf.Variable(np.array([1.0, -1.0], np.float32))
    opt.apply_gradients([(np.array([1024.0, 2048.0], np.float32), v)])
    state = [w.copy() for w in opt.get_weights()]
    value = v.numpy()
    opt.apply_gradients([(np.array([np.inf, 1.0], np.float32), v)])
    np.testing.assert_array_equal(v.numpy(), value)
    after = opt.get_weights()
    assert float(opt.dynamic_scale.numpy()) == 512.0
    assert int(opt.step_counter.numpy()) == 0
    assert int(inner.iterations.numpy()) == 1
    # only the step counter and the scale changed: Adam's slots and counters did not
    for i, (a, b) in enumerate(zip(state, after)):
        if i not in (2, 3):
            np.testing.assert_array_equal(a, b)


def test_scale_doubles_after_dynamic_growth_steps():
    opt = mp.LossScaleOptimizer(keras.optimizers.SGD(0.01), initial_scale=8.0,
                                dynamic_growth_steps=3)
    v = tf.Variable(np.zeros(2, np.float32))
    scales = []
    for _ in range(7):
        opt.apply_gradients([(np.ones(2, np.float32), v)])
        scales.append(float(opt.dynamic_scale.numpy()))
    assert scales == [8.0, 8.0, 16.0, 16.0, 16.0, 32.0, 32.0]
    with pytest.raises(ValueError, match="dynamic_growth_steps"):
        mp.LossScaleOptimizer(keras.optimizers.SGD(), dynamic_growth_steps=0)


def _dense_problem():
    keras.utils.set_random_seed(7)
    model = keras.Sequential([keras.Input((5,)), L.Dense(4, activation="tanh"), L.Dense(1)])
    rng = np.random.default_rng(7)
    x = rng.normal(size=(32, 5)).astype(np.float32)
    y = rng.normal(size=(32, 1)).astype(np.float32)
    return model, x, y


def test_fit_with_loss_scaling_is_exact_for_float32():
    # scaling by a power of two and unscaling is exact in float32: the same updates
    plain, x, y = _dense_problem()
    plain.compile(keras.optimizers.Adam(0.01), "mse")
    plain.fit(x, y, batch_size=8, epochs=2, verbose=0, shuffle=False)
    scaled, _, _ = _dense_problem()
    scaled.compile(mp.LossScaleOptimizer(keras.optimizers.Adam(0.01), initial_scale=2.0 ** 12,
                                         dynamic_growth_steps=3), "mse")
    scaled.fit(x, y, batch_size=8, epochs=2, verbose=0, shuffle=False)
    assert float(scaled.optimizer.dynamic_scale.numpy()) == 2.0 ** 14   # 8 steps, 2 growths
    for a, b in zip(plain.get_weights(), scaled.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_tf2_custom_loop_get_scaled_loss_get_unscaled_gradients():
    plain, x, y = _dense_problem()
    scaled, _, _ = _dense_problem()
    opt_plain = keras.optimizers.RMSprop(0.01)
    opt = mp.LossScaleOptimizer(keras.optimizers.RMSprop(0.01))
    loss_fn = keras.losses.MeanSquaredError()
    for _ in range(3):
        with tf.GradientTape() as tape:
            loss = loss_fn(y, plain(x))
        grads = tape.gradient(loss, plain.trainable_variables)
        opt_plain.apply_gradients(zip(grads, plain.trainable_variables))
        with tf.GradientTape() as tape:
            scaled_loss = opt.get_scaled_loss(loss_fn(y, scaled(x)))
        scaled_grads = tape.gradient(scaled_loss, scaled.trainable_variables)
        grads = opt.get_unscaled_gradients(scaled_grads)
        opt.apply_gradients(zip(grads, scaled.trainable_variables))   # not unscaled twice
    for a, b in zip(plain.get_weights(), scaled.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert float(opt.loss_scale.numpy()) == 2.0 ** 15


def test_loss_scale_optimizer_state_and_config():
    inner = keras.optimizers.Adam(0.003)
    opt = mp.LossScaleOptimizer(inner, initial_scale=256.0, dynamic_growth_steps=10)
    assert opt.inner_optimizer is inner
    assert opt.learning_rate is inner.learning_rate
    opt.learning_rate = 0.001
    np.testing.assert_allclose(float(inner.learning_rate.numpy()), 0.001)
    v = tf.Variable(np.ones((2, 2), np.float32))
    opt.apply_gradients([(np.ones((2, 2), np.float32), v)])
    # Keras 3's order: own iteration and learning rate, step counter, scale, then the inner
    assert len(opt.variables) == 4 + len(inner.variables)
    assert opt.variables[2] is opt.step_counter and opt.variables[3] is opt.dynamic_scale
    assert opt.variables[4] is inner.iterations
    config = opt.get_config()
    assert (config["initial_scale"], config["dynamic_growth_steps"]) == (256.0, 10)
    assert config["inner_optimizer"]["class_name"] == "Adam"
    clone = mp.LossScaleOptimizer.from_config(config)
    assert isinstance(clone.inner_optimizer, keras.optimizers.Adam)
    assert (clone.initial_scale, clone.dynamic_growth_steps) == (256.0, 10)
    with pytest.raises(TypeError, match="inner_optimizer"):
        mp.LossScaleOptimizer(42)


def test_compile_wraps_the_optimizer_only_under_mixed_float16():
    model, _, _ = _dense_problem()
    model.compile("adam", "mse")
    assert isinstance(model.optimizer, keras.optimizers.Adam)
    mp.set_global_policy("mixed_float16")
    model, _, _ = _dense_problem()
    model.compile("adam", "mse")
    assert isinstance(model.optimizer, mp.LossScaleOptimizer)
    assert isinstance(model.optimizer.inner_optimizer, keras.optimizers.Adam)
    own = mp.LossScaleOptimizer(keras.optimizers.SGD(), initial_scale=64.0)
    model.compile(own, "mse")
    assert model.optimizer is own
    model.compile("adam", "mse", auto_scale_loss=False)
    assert isinstance(model.optimizer, keras.optimizers.Adam)


# ---- saving -----------------------------------------------------------------------------

def test_layer_config_round_trip_keeps_the_policy():
    d = L.Dense(3, dtype="mixed_float16")
    config = d.get_config()
    assert config["dtype"] == "mixed_float16"
    assert L.Dense.from_config(config).dtype_policy.name == "mixed_float16"
    assert L.Dense(3).get_config()["dtype"] == "float32"


@pytest.mark.parametrize("ext", [".keras", ".h5"])
def test_save_load_round_trip_keeps_policy_and_loss_scale(tmp_path, ext):
    x, y = _data()
    mp.set_global_policy("mixed_float16")
    model = _conv_model()
    model.compile("adam", "sparse_categorical_crossentropy")
    model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    path = str(tmp_path / ("m" + ext))
    model.save(path)
    mp.set_global_policy("float32")       # the layers' policies are in the file
    loaded = keras.models.load_model(path, compile=False)
    assert [l.dtype_policy.name for l in loaded.layers] == \
        [l.dtype_policy.name for l in model.layers]
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert loaded.layers[0](x).dtype == tf.float16
    # as in Keras 3, compile wraps the optimizer when the model itself is made under
    # 'mixed_float16' (the model's own policy is not saved): load under that policy
    mp.set_global_policy("mixed_float16")
    loaded = keras.models.load_model(path)
    assert isinstance(loaded.optimizer, mp.LossScaleOptimizer)
    for a, b in zip(loaded.optimizer.get_weights(), model.optimizer.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_explicit_loss_scale_optimizer_is_saved(tmp_path):
    model, x, y = _dense_problem()
    model.compile(mp.LossScaleOptimizer(keras.optimizers.SGD(0.1), initial_scale=64.0,
                                        dynamic_growth_steps=5), "mse")
    model.fit(x, y, epochs=1, verbose=0)
    model.save(str(tmp_path / "m.keras"))
    loaded = keras.models.load_model(str(tmp_path / "m.keras"))
    opt = loaded.optimizer
    assert isinstance(opt, mp.LossScaleOptimizer)
    assert (opt.initial_scale, opt.dynamic_growth_steps) == (64.0, 5)
    assert float(opt.dynamic_scale.numpy()) == float(model.optimizer.dynamic_scale.numpy())


# written by Keras 3.15 (model.to_json()) for:
#   set_global_policy('mixed_float16'); inp = Input((2,), name='x')
#   out = Activation('softmax', dtype='float32', name='p')(Dense(2, name='d')(inp))
KERAS3_JSON = json.dumps({
    "module": "keras.src.models.functional", "class_name": "Functional",
    "config": {"name": "m", "trainable": True, "layers": [
        {"module": "keras.layers", "class_name": "InputLayer",
         "config": {"batch_shape": [None, 2], "dtype": "float32", "sparse": False,
                    "ragged": False, "name": "x", "optional": False},
         "registered_name": None, "name": "x", "inbound_nodes": []},
        {"module": "keras.layers", "class_name": "Dense",
         "config": {"name": "d", "trainable": True,
                    "dtype": {"module": "keras", "class_name": "DTypePolicy",
                              "config": {"name": "mixed_float16"}, "registered_name": None},
                    "units": 2, "activation": "linear", "use_bias": True,
                    "kernel_initializer": {"module": "keras.initializers",
                                           "class_name": "GlorotUniform",
                                           "config": {"seed": None, "input_axes": None,
                                                      "output_axes": None},
                                           "registered_name": None},
                    "bias_initializer": {"module": "keras.initializers",
                                         "class_name": "Zeros", "config": {},
                                         "registered_name": None},
                    "kernel_regularizer": None, "bias_regularizer": None,
                    "kernel_constraint": None, "bias_constraint": None,
                    "quantization_config": None},
         "registered_name": None, "build_config": {"input_shape": [None, 2]}, "name": "d",
         "inbound_nodes": [{"args": [{"class_name": "__keras_tensor__",
                                      "config": {"shape": [None, 2], "dtype": "float32",
                                                 "keras_history": ["x", 0, 0]}}],
                            "kwargs": {}}]},
        {"module": "keras.layers", "class_name": "Activation",
         "config": {"name": "p", "trainable": True,
                    "dtype": {"module": "keras", "class_name": "DTypePolicy",
                              "config": {"name": "float32"}, "registered_name": None},
                    "activation": "softmax"},
         "registered_name": None, "name": "p",
         "inbound_nodes": [{"args": [{"class_name": "__keras_tensor__",
                                      "config": {"shape": [None, 2], "dtype": "float16",
                                                 "keras_history": ["d", 0, 0]}}],
                            "kwargs": {}}]}],
        "input_layers": ["x", 0, 0], "output_layers": ["p", 0, 0]},
    "registered_name": "Functional", "build_config": {"input_shape": None},
    "compile_config": {}})
K3_KERNEL = np.array([[1.0, -2.0], [0.5, 3.0]], np.float32)
K3_BIAS = np.array([0.25, -0.5], np.float32)
K3_X = np.array([[0.1, 0.2], [1.5, -1.0], [-0.3, 0.7]], np.float32)
# what Keras 3.15 computed with those weights: the model's output, and layer d's
K3_OUT = np.array([[6.3414693e-01, 3.6585304e-01], [9.9956948e-01, 4.3055706e-04],
                   [1.2998141e-01, 8.7001860e-01]], np.float32)
K3_HIDDEN = np.array([[0.45, -0.1001], [1.25, -6.5], [0.3, 2.201]], np.float16)


def _check_keras3_model(model):
    assert [l.dtype_policy.name for l in model.layers] == ["float32", "mixed_float16",
                                                          "float32"]
    assert all(v.dtype == tf.float32 for v in model.weights)
    hidden = model.layers[1](K3_X)
    assert hidden.dtype == tf.float16
    np.testing.assert_array_equal(hidden.numpy(), K3_HIDDEN)
    np.testing.assert_allclose(model.predict(K3_X, verbose=0), K3_OUT, rtol=1e-6, atol=1e-7)


def test_keras3_config_with_policy_dicts_loads():
    model = keras.models.model_from_json(KERAS3_JSON)
    model.set_weights([K3_KERNEL, K3_BIAS])
    _check_keras3_model(model)


def test_keras3_archive_with_policy_dicts_loads(tmp_path):
    # a .keras archive laid out as Keras 3 writes it (config.json, model.weights.h5)
    weights = io.BytesIO()
    with h5py.File(weights, "w") as f:
        f.create_group("vars").attrs["name"] = "m"
        for key in ("x", "d", "p"):
            f.create_group("layers/%s/vars" % key).attrs["name"] = key
        f["layers/d/vars/0"] = K3_KERNEL
        f["layers/d/vars/1"] = K3_BIAS
    path = str(tmp_path / "k3.keras")
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("metadata.json", json.dumps({"keras_version": "3.15.1"}))
        zf.writestr("config.json", KERAS3_JSON)
        zf.writestr("model.weights.h5", weights.getvalue())
    _check_keras3_model(keras.models.load_model(path, compile=False))


def test_loss_scale_optimizer_is_found_in_keras_optimizers():
    """keras.optimizers.LossScaleOptimizer (Keras 3's home for it) and deserialize by name,
    which is how a saved model's optimizer is found again."""
    from ndflow import keras as K
    from ndflow.keras.mixed_precision import LossScaleOptimizer
    assert K.optimizers.LossScaleOptimizer is LossScaleOptimizer
    lso = K.optimizers.LossScaleOptimizer(K.optimizers.Adam(0.01), initial_scale=64.0)
    back = K.optimizers.deserialize(K.optimizers.serialize(lso))
    assert type(back) is LossScaleOptimizer and type(back.inner_optimizer).__name__ == "Adam"
    assert np.isclose(float(back.inner_optimizer.learning_rate), 0.01)
    assert float(back.dynamic_scale.numpy()) == 64.0


def test_batch_normalization_computes_in_float32_under_mixed_float16():
    """As in Keras 3: BatchNormalization reads its statistics and parameters in float32 and
    normalizes float16 inputs in float32, so the moving statistics get the same small
    updates as in a float32 model (in float16 they were lost) and the output is the
    float32 result rounded to float16."""
    rng = np.random.default_rng(5)
    x = (rng.normal(size=(64, 3)) * 3 + 100).astype(np.float16)   # float16-exact inputs
    ref = keras.layers.BatchNormalization(momentum=0.999)
    ref.build((None, 3))
    want_train = ref(x.astype(np.float32), training=True).numpy()
    want_infer = ref(x.astype(np.float32), training=False).numpy()
    keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        bn = keras.layers.BatchNormalization(momentum=0.999)
        bn.build((None, 3))
        got_train = bn(x, training=True).numpy()
        got_infer = bn(x, training=False).numpy()
    finally:
        keras.mixed_precision.set_global_policy("float32")
    assert got_train.dtype == np.float16 and got_infer.dtype == np.float16
    assert bn.moving_mean.dtype == "float32"
    np.testing.assert_array_equal(bn.moving_mean.numpy(), ref.moving_mean.numpy())
    np.testing.assert_array_equal(bn.moving_variance.numpy(), ref.moving_variance.numpy())
    # the moving mean moved by 0.1 % of ~100: an update float16 (spacing 0.0625 there)
    # could not hold
    assert np.all(np.abs(bn.moving_mean.numpy()) > 0.05)
    np.testing.assert_array_equal(got_train, want_train.astype(np.float16))
    np.testing.assert_array_equal(got_infer, want_infer.astype(np.float16))
