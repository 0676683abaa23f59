"""Models run a convolution and the max pooling that alone reads its output as one op
(keras/engine/fusion.py): which pairs fuse, and that outputs, gradients and training are
those of the layers run one by one (``tf.config.optimizer`` 'remapping' off)."""
import numpy as np
import pytest

import ndflow as tf
from ndflow import keras

L = keras.layers
RNG = np.random.default_rng(99)


@pytest.fixture(autouse=True)
def restore_optimizer_options():
    saved = tf.config.optimizer.get_experimental_options()
    yield
    tf.config.optimizer._options.clear()
    tf.config.optimizer._options.update(saved)


def remapping(on):
    tf.config.optimizer.set_experimental_options({"remapping": on})


def run(model, x, on):
    """(output, gradients of a loss w.r.t. the weights, names of the recorded ops)."""
    if on is not None:
        remapping(on)
    with tf.GradientTape() as tape:
        y = model(x, training=True)
        loss = tf.reduce_sum(y * tf.constant(np.linspace(-1, 1, y.shape[-1]), y.dtype))
    ops = [type(r[0]).__name__ for r in tape._records]
    grads = tape.gradient(loss, model.trainable_weights)
    return y.numpy(), [g.numpy() for g in grads], ops


def assert_same_as_unfused(model, x, fused_pairs):
    y1, g1, ops1 = run(model, x, True)
    y0, g0, ops0 = run(model, x, False)
    assert ops1.count("ConvPool") == fused_pairs
    assert "ConvPool" not in ops0
    np.testing.assert_allclose(y1, y0, rtol=1e-5, atol=1e-6)
    for a, b in zip(g1, g0):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5 * max(np.abs(b).max(), 1))
    return ops1


def small_cnn(data_format="channels_last", **conv_kw):
    shape = (28, 28, 1) if data_format == "channels_last" else (1, 28, 28)
    return keras.Sequential([
        keras.Input(shape),
        L.Conv2D(8, 3, activation="relu", data_format=data_format, **conv_kw),
        L.MaxPooling2D(data_format=data_format),
        L.Conv2D(16, 3, activation="relu", data_format=data_format),
        L.MaxPooling2D(data_format=data_format),
        L.Flatten(), L.Dense(5)])


def test_sequential_small_cnn_runs_both_pairs_fused():
    keras.utils.set_random_seed(1)
    x = RNG.random((6, 28, 28, 1), dtype=np.float32)
    ops = assert_same_as_unfused(small_cnn(), x, 2)
    assert "Conv" not in ops and "MaxPool" not in ops


def test_channels_first_pairs_fuse_too():
    keras.utils.set_random_seed(2)
    x = RNG.random((3, 1, 28, 28), dtype=np.float32)
    assert_same_as_unfused(small_cnn("channels_first"), x, 2)


@pytest.mark.parametrize("conv,pool,shape", [
    (L.Conv1D(4, 3, activation="relu"), L.MaxPooling1D(3), (17, 2)),
    (L.Conv3D(4, 2, padding="same"), L.MaxPooling3D(2), (6, 5, 4, 2)),
    (L.Conv2D(4, 3, strides=2, dilation_rate=1, use_bias=False), L.MaxPooling2D((2, 3)),
     (15, 17, 3)),
])
def test_other_ranks_and_geometries_fuse(conv, pool, shape):
    keras.utils.set_random_seed(3)
    model = keras.Sequential([keras.Input(shape), conv, pool, L.Flatten(), L.Dense(3)])
    x = RNG.random((4,) + shape, dtype=np.float32)
    assert_same_as_unfused(model, x, 1)


@pytest.mark.parametrize("conv,pool", [
    (L.Conv2D(4, 3, activation="tanh"), L.MaxPooling2D()),            # other activation
    (L.Conv2D(4, 3, activation="relu"), L.AveragePooling2D()),         # not a max
    (L.Conv2D(4, 3, activation="relu"), L.MaxPooling2D(2, strides=1)),  # overlapping
    (L.Conv2D(4, 3, activation="relu"), L.MaxPooling2D(padding="same")),
    (L.Conv2D(4, 3, activation="relu", activity_regularizer="l2"), L.MaxPooling2D()),
    (L.Conv2D(4, 3, activation="relu", groups=2), L.MaxPooling2D()),
    (L.Conv2D(4, 3, activation="relu", dtype="mixed_float16"),
     L.MaxPooling2D(dtype="mixed_float16")),
])
def test_pairs_that_do_not_fuse(conv, pool):
    keras.utils.set_random_seed(4)
    model = keras.Sequential([keras.Input((9, 9, 2)), conv, pool, L.Flatten(), L.Dense(2)])
    _, _, ops = run(model, RNG.random((2, 9, 9, 2), dtype=np.float32), True)
    assert "ConvPool" not in ops


def test_a_conv_subclass_with_its_own_call_is_not_bypassed():
    class Doubled(L.Conv2D):
        def call(self, inputs):
            return super().call(inputs) * 2.0

    keras.utils.set_random_seed(5)
    model = keras.Sequential([keras.Input((8, 8, 1)), Doubled(3, 3, activation="relu"),
                              L.MaxPooling2D(), L.Flatten()])
    x = RNG.random((2, 8, 8, 1), dtype=np.float32)
    y, _, ops = run(model, x, True)
    assert "ConvPool" not in ops
    conv = model.layers[0]
    plain = np.maximum(tf.nn.conv2d(x, conv.kernel, 1, "VALID").numpy() +
                       conv.bias.numpy(), 0) * 2
    np.testing.assert_allclose(y, plain.reshape(2, 3, 2, 3, 2, 3).max(axis=(2, 4))
                               .reshape(2, -1), rtol=1e-6)


def test_functional_fuses_only_single_reader_pairs():
    keras.utils.set_random_seed(6)
    inp = keras.Input((20, 20, 3))
    a = L.Conv2D(6, 3, activation="relu")(inp)
    a = L.MaxPooling2D()(a)                      # fused: the pool alone reads the conv
    b = L.Conv2D(8, 3, activation="relu")(a)
    p = L.MaxPooling2D()(b)                      # not fused: b also feeds the average
    side = L.GlobalAveragePooling2D()(b)
    c = L.Conv2D(4, 3, padding="same")(p)        # not fused: c is a model output too
    q = L.MaxPooling2D()(c)
    out = L.Dense(3)(L.Concatenate()([L.Flatten()(q), side]))
    model = keras.Model(inp, [out, c])
    remapping(True)
    with tf.GradientTape() as tape:
        y1, c1 = model(RNG.random((3, 20, 20, 3), dtype=np.float32))
    ops = [type(r[0]).__name__ for r in tape._records]
    assert ops.count("ConvPool") == 1 and ops.count("Conv") == 2
    x = RNG.random((3, 20, 20, 3), dtype=np.float32)
    remapping(True)
    on = [t.numpy() for t in model(x)]
    remapping(False)
    off = [t.numpy() for t in model(x)]
    for a_, b_ in zip(on, off):
        np.testing.assert_allclose(a_, b_, rtol=1e-5, atol=1e-6)


def test_fit_trains_the_same_weights_with_and_without_fusion():
    x = RNG.random((64, 28, 28, 1), dtype=np.float32)
    y = RNG.integers(0, 5, 64)
    weights, history = [], []
    for on in (True, False):
        remapping(on)
        keras.utils.set_random_seed(7)
        model = small_cnn()
        model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                      metrics=["accuracy"])
        h = model.fit(x, y, batch_size=16, epochs=2, verbose=0, shuffle=False)
        history.append(h.history["loss"])
        weights.append([w.numpy() for w in model.weights])
        # evaluate and predict (no tape) agree with the trained model's own call
        np.testing.assert_allclose(model.predict(x[:8], verbose=0),
                                   model(x[:8]).numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(history[0], history[1], rtol=1e-4)
    for a, b in zip(*weights):
        np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-5)


def test_output_smaller_than_the_window_fails_as_the_separate_layers_do():
    keras.utils.set_random_seed(8)
    model = keras.Sequential([L.Conv2D(2, 3), L.MaxPooling2D(4)])
    with pytest.raises(Exception) as fused:
        model(np.zeros((1, 5, 5, 1), np.float32))
    remapping(False)
    with pytest.raises(Exception) as unfused:
        model(np.zeros((1, 5, 5, 1), np.float32))
    assert type(fused.value) is type(unfused.value)
    assert str(fused.value) == str(unfused.value)


def test_config_optimizer_options():
    opts = tf.config.optimizer.get_experimental_options()
    assert opts == {"disable_model_pruning": False, "disable_meta_optimizer": False}
    tf.config.optimizer.set_experimental_options({"remapping": False,
                                                  "constant_folding": True})
    assert tf.config.optimizer.get_experimental_options() == {
        "disable_model_pruning": False, "disable_meta_optimizer": False,
        "remapping": False, "constant_folding": True}
    with pytest.raises(ValueError, match="remaping.*remapping"):
        tf.config.optimizer.set_experimental_options({"remaping": False})
    with pytest.raises(TypeError, match="dict"):
        tf.config.optimizer.set_experimental_options([("remapping", False)])
    # turning the whole optimizer off turns remapping off too
    tf.config.optimizer.set_experimental_options({"remapping": True,
                                                  "disable_meta_optimizer": True})
    keras.utils.set_random_seed(9)
    _, _, ops = run(small_cnn(), RNG.random((2, 28, 28, 1), dtype=np.float32), None)
    assert "ConvPool" not in ops
