"""Functional models: graphs of layer calls on keras.Input tensors."""
import numpy as np
import pytest

import ndflow as tf
from ndflow import keras
from ndflow.keras import layers as L

rng = np.random.default_rng(0)


def test_single_input_output_matches_manual_computation():
    inputs = keras.Input(shape=(5,))
    h = L.Dense(4, activation="relu")(inputs)
    outputs = L.Dense(2)(h)
    model = keras.Model(inputs, outputs)
    assert isinstance(model, keras.Model) and type(model).__name__ == "Functional"
    assert tuple(inputs.shape) == (None, 5) and model.output_shape == (None, 2)
    assert [type(l).__name__ for l in model.layers] == ["InputLayer", "Dense", "Dense"]
    x = rng.normal(size=(3, 5)).astype("float32")
    d1, d2 = model.layers[1], model.layers[2]
    expected = np.maximum(x @ d1.kernel.numpy() + d1.bias.numpy(), 0) @ d2.kernel.numpy() + \
        d2.bias.numpy()
    np.testing.assert_allclose(model(x).numpy(), expected, rtol=1e-5, atol=1e-6)
    assert model.count_params() == 5 * 4 + 4 + 4 * 2 + 2
    assert model.get_layer(index=1) is d1 and model.get_layer(d2.name) is d2
    with pytest.raises(ValueError, match="No such layer"):
        model.get_layer("nope")
    assert model.output_names == [d2.name]


def test_multiple_inputs_outputs_lists_and_dicts():
    a = keras.Input((3,), name="a")
    b = keras.Input((2,), name="b")
    shared = L.Dense(4, name="shared")
    merged = L.concatenate([shared(L.Dense(3)(a)), shared(L.Dense(3)(b))])
    out1 = L.Dense(1, name="score")(merged)
    out2 = L.Dense(2, activation="softmax", name="cls")(merged)
    model = keras.Model(inputs=[a, b], outputs=[out1, out2])
    xa = rng.normal(size=(4, 3)).astype("float32")
    xb = rng.normal(size=(4, 2)).astype("float32")
    y1, y2 = model([xa, xb])
    assert y1.shape == (4, 1) and y2.shape == (4, 2)
    assert model.output_names == ["score", "cls"]
    ya, yb = model({"a": xa, "b": xb})
    np.testing.assert_allclose(ya.numpy(), y1.numpy())
    # the shared layer has one set of weights and two nodes
    assert len(shared.weights) == 2 and len(shared._inbound_nodes) == 2
    assert sum(1 for l in model.layers if l is shared) == 1
    dmodel = keras.Model({"a": a, "b": b}, {"s": out1, "c": out2})
    res = dmodel({"a": xa, "b": xb})
    assert set(res) == {"s", "c"} and dmodel.output_names == ["s", "c"]
    np.testing.assert_allclose(res["c"].numpy(), y2.numpy(), rtol=1e-6)
    with pytest.raises(ValueError, match="expects 2 input"):
        model([xa])


def test_model_used_as_layer_and_nested_functional():
    inner_in = keras.Input((4,))
    inner = keras.Model(inner_in, L.Dense(3)(inner_in), name="inner")
    x_in = keras.Input((4,))
    y = L.Dense(2)(inner(x_in))
    outer = keras.Model(x_in, y)
    assert outer.output_shape == (None, 2)
    assert inner in outer.layers
    x = rng.normal(size=(5, 4)).astype("float32")
    np.testing.assert_allclose(outer(x).numpy(), outer.layers[-1](inner(x)).numpy(), rtol=1e-6)
    assert len(outer.trainable_weights) == 4


def test_graph_disconnected_and_bad_arguments():
    a = keras.Input((3,))
    b = keras.Input((3,))
    out = L.add([a, b])
    with pytest.raises(ValueError, match="Graph disconnected"):
        keras.Model(a, out)
    with pytest.raises(TypeError, match="symbolic tensors"):
        keras.Model(a, np.zeros(3))


def test_input_shape_errors_are_clear():
    inputs = keras.Input((8,))
    model = keras.Model(inputs, L.Dense(2)(inputs))
    with pytest.raises(ValueError) as e:
        model(np.zeros((4, 3), "float32"))
    assert "expected shape=(None, 8)" in str(e.value) and "(4, 3)" in str(e.value)
    with pytest.raises(ValueError, match="batch dimension"):
        model(np.zeros(8, "float32"))


def test_keras_tensor_operators_and_errors():
    x = keras.Input((3,))
    y = (x * 2.0 + 1.0)[:, :2]
    model = keras.Model(x, y)
    assert model.output_shape == (None, 2)
    data = np.arange(6, dtype="float32").reshape(2, 3)
    np.testing.assert_allclose(model(data).numpy(), (data * 2 + 1)[:, :2])
    with pytest.raises(TypeError, match="truth value|no truth"):
        bool(x)
    with pytest.raises(TypeError, match="NumPy"):
        np.asarray(x)


def test_training_flag_reaches_layers():
    inputs = keras.Input((50,))
    model = keras.Model(inputs, L.Dropout(0.5)(inputs))
    x = np.ones((4, 50), "float32")
    np.testing.assert_array_equal(model(x).numpy(), x)
    assert (model(x, training=True).numpy() == 0).any()


def test_config_round_trip_rebuilds_the_same_graph():
    a = keras.Input((3,), name="in_a")
    b = keras.Input((3,), name="in_b")
    shared = L.Dense(2, name="sh")
    out = L.Dense(1, name="head")(L.add([shared(a), shared(b)]))
    model = keras.Model([a, b], out, name="graph")
    config = model.get_config()
    clone = keras.Model.from_config(config)
    assert clone.name == "graph"
    assert [l.name for l in clone.layers] == [l.name for l in model.layers]
    clone.set_weights(model.get_weights())
    xa = rng.normal(size=(2, 3)).astype("float32")
    xb = rng.normal(size=(2, 3)).astype("float32")
    np.testing.assert_allclose(clone([xa, xb]).numpy(), model([xa, xb]).numpy(), rtol=1e-6)


def test_subclass_calling_functional_init():
    class Wrapped(keras.Model):
        def __init__(self):
            inputs = keras.Input((2,))
            super().__init__(inputs, L.Dense(3)(inputs))

    m = Wrapped()
    assert isinstance(m, Wrapped) and m.output_shape == (None, 3)
    assert m(np.zeros((1, 2), "float32")).shape == (1, 3)


def test_functional_trains_with_gradient_tape():
    inputs = keras.Input((4,))
    model = keras.Model(inputs, L.Dense(1)(L.Dense(8, activation="relu")(inputs)))
    x = rng.normal(size=(32, 4)).astype("float32")
    y = x.sum(1, keepdims=True)
    losses = []
    for _ in range(30):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(model(x, training=True) - y))
        grads = tape.gradient(loss, model.trainable_variables)
        for v, g in zip(model.trainable_variables, grads):
            v.assign_sub(0.05 * g)
        losses.append(float(loss))
    assert losses[-1] < 0.5 * losses[0]


def test_clone_model_functional_and_sequential():
    a = keras.Input((3,), name="ca")
    shared = L.Dense(2)
    out = L.add([shared(a), shared(L.Dense(3)(a))])
    model = keras.Model(a, out, name="orig")
    clone = keras.models.clone_model(model)
    assert clone is not model and clone.name == "orig"
    assert [type(l).__name__ for l in clone.layers] == [type(l).__name__ for l in model.layers]
    assert not any(l1 is l2 for l1, l2 in zip(clone.layers, model.layers))
    assert len(clone.weights) == len(model.weights) == 4
    clone.set_weights(model.get_weights())
    x = rng.normal(size=(2, 3)).astype("float32")
    np.testing.assert_allclose(clone(x).numpy(), model(x).numpy(), rtol=1e-6)
    seq = keras.Sequential([L.Dense(4, input_shape=(3,)), L.Dense(1)])
    seq_clone = keras.models.clone_model(seq)
    assert seq_clone.output_shape == (None, 1) and seq_clone.count_params() == seq.count_params()
    assert not np.array_equal(seq_clone.get_weights()[0], seq.get_weights()[0])

    class Sub(keras.Model):
        def call(self, x):
            return x
    with pytest.raises(ValueError, match="subclassed"):
        keras.models.clone_model(Sub())


def test_layers_are_listed_in_keras_order():
    """Keras lists a Functional model's layers by depth (longest path to an output),
    deepest first, ties in the order a depth-first walk from the outputs meets them; the
    expected lists were printed by Keras 3.15 for the same graphs."""
    L = keras.layers
    i1, i2 = keras.Input((8,), name="i1"), keras.Input((3,), name="i2")
    x = L.Dense(4, name="x")(i2)
    y = L.Dense(4, name="y")(i1)
    z = L.Add(name="z")([x, L.Dense(4, name="y3")(L.Dense(4, name="y2")(y))])
    model = keras.Model([i1, i2], [L.Dense(1, name="o1")(z), L.Dense(1, name="o2")(y)])
    assert [l.name for l in model.layers] == ["i1", "y", "i2", "y2", "x", "y3", "z", "o1",
                                              "o2"]
    assert [w.path for w in model.weights][:6] == ["y/kernel", "y/bias", "y2/kernel",
                                                   "y2/bias", "x/kernel", "x/bias"]
    # get_weights follows the same order
    assert [w.shape for w in model.get_weights()][:6] == [(8, 4), (4,), (4, 4), (4,),
                                                         (3, 4), (4,)]

    inp = keras.Input((8, 8, 3), name="inp")
    a = L.Conv2D(4, 3, padding="same", name="c1")(inp)
    b = L.Conv2D(4, 1, name="short")(inp)
    a = L.Conv2D(4, 3, padding="same", name="c2")(L.Activation("relu", name="act")(
        L.BatchNormalization(name="bn")(a)))
    model = keras.Model(inp, L.GlobalAveragePooling2D(name="gap")(L.Add(name="add")([a, b])))
    assert [l.name for l in model.layers] == ["inp", "c1", "bn", "act", "c2", "short",
                                              "add", "gap"]
    # an input that no output depends on has depth 0 and comes before the other layers
    # of depth 0 (Keras 3.15: ['inp', 'short', 'unused', 'g2'])
    extra = keras.Input((2,), name="unused")
    model = keras.Model([inp, extra], L.GlobalAveragePooling2D(name="g2")(b))
    assert [l.name for l in model.layers] == ["inp", "short", "unused", "g2"]


def test_keras_tensor_comparison_and_reflected_operators_build_graph_ops():
    """``x > 0``, ``2 ** x``, ``x // 2``, ``x % 2`` and ``m @ x`` on KerasTensors become op
    layers; the model computes them like NumPy."""
    L = keras.layers
    x = keras.Input((3,))
    cast = keras.ops.cast
    y = L.Concatenate()([cast(x > 0.5, "float32"), cast(x <= 1.0, "float32"), 2.0 ** x,
                         x // 2.0, x % 2.0])
    model = keras.Model(x, y)
    data = np.array([[-1.5, 0.5, 3.25]], "float32")
    want = np.concatenate([data > 0.5, data <= 1.0, 2.0 ** data, data // 2.0, data % 2.0],
                          axis=-1)
    np.testing.assert_allclose(model.predict(data, verbose=0), want, rtol=1e-6)
    a = keras.Input((2, 3))
    b = keras.Input((3, 4))
    prod = keras.Model([a, b], a @ b)
    av, bv = np.ones((1, 2, 3), "float32"), np.full((1, 3, 4), 2.0, "float32")
    np.testing.assert_allclose(prod.predict([av, bv], verbose=0), av @ bv)
