"""``run_layer_test``: the checks every Keras layer must pass.

    from tests.keras.layer_test_helper import run_layer_test
    run_layer_test(Dense, {"units": 3}, input_shape=(2, 4), expected_output_shape=(2, 3),
                   expected_num_trainable_weights=2, expected_num_non_trainable_weights=0)

It checks, in order:
1. ``get_config`` is JSON-serializable and ``from_config`` rebuilds a layer with the same
   config;
2. calling the layer on data builds it, gives ``expected_output_shape`` (and
   ``expected_output`` / ``expected_output_dtype`` when given) and the expected numbers of
   trainable and non-trainable weights;
3. the rebuilt layer with the same weights computes the same output;
4. symbolically, on ``keras.Input``, the output KerasTensor has the expected shape (batch
   ``None``), and a Functional model around the layer computes the same output;
5. saving that Functional model (``.keras``) and loading it gives the same output;
6. one training step: plain SGD on the gradient of a mean squared error (computed with
   ``GradientTape``) lowers the loss; every trainable weight receives a gradient.

The signature is stable: other layer tests rely on it.
"""
import json
import os
import tempfile

import numpy as np

import ndflow as tf
from ndflow import keras


def _is_shape(s):
    return isinstance(s, tuple) and all(d is None or isinstance(d, int) for d in s)


def _make_data(input_shape, input_dtype, rng):
    if isinstance(input_shape, list):
        return [_make_data(tuple(s), input_dtype, rng) for s in input_shape]
    if np.dtype(input_dtype).kind in "iu":
        return rng.integers(0, 10, size=input_shape).astype(input_dtype)
    return rng.normal(size=input_shape).astype(input_dtype)


def _shapes(x):
    if isinstance(x, (list, tuple)):
        return [_shapes(v) for v in x]
    if isinstance(x, dict):
        return {k: _shapes(v) for k, v in x.items()}
    return tuple(x.shape)


def _values(x):
    if isinstance(x, (list, tuple)):
        return [_values(v) for v in x]
    if isinstance(x, dict):
        return {k: _values(v) for k, v in x.items()}
    return np.asarray(x)


def _flat(x):
    if isinstance(x, (list, tuple)):
        out = []
        for v in x:
            out.extend(_flat(v))
        return out
    if isinstance(x, dict):
        out = []
        for v in x.values():
            out.extend(_flat(v))
        return out
    return [x]


def _match_shape(got, expected, what):
    if isinstance(expected, list):
        assert isinstance(got, list) and len(got) == len(expected), (what, got, expected)
        for g, e in zip(got, expected):
            _match_shape(g, e, what)
        return
    expected = tuple(expected)
    assert len(got) == len(expected), "%s: got shape %s, expected %s" % (what, got, expected)
    for g, e in zip(got, expected):
        assert e is None or g == e, "%s: got shape %s, expected %s" % (what, got, expected)


def _batch_none(shape):
    if isinstance(shape, list):
        return [_batch_none(s) for s in shape]
    return (None,) + tuple(shape)[1:]


def _symbolic_inputs(input_shape, input_dtype):
    if isinstance(input_shape, list):
        return [keras.Input(batch_shape=(None,) + tuple(s)[1:], dtype=input_dtype)
                for s in input_shape]
    return keras.Input(batch_shape=(None,) + tuple(input_shape)[1:], dtype=input_dtype)


def _allclose(a, b, rtol, atol, what):
    for x, y in zip(_flat(_values(a)), _flat(_values(b))):
        np.testing.assert_allclose(x, y, rtol=rtol, atol=atol, err_msg=what)


def run_layer_test(layer_cls, init_kwargs=None, input_shape=None,
                   expected_output_shape=None, expected_num_trainable_weights=None,
                   expected_num_non_trainable_weights=None, input_dtype="float32",
                   input_data=None, expected_output=None, expected_output_dtype=None,
                   call_kwargs=None, run_training_check=True, run_symbolic_check=True,
                   run_saving_check=True, custom_objects=None, rtol=1e-5, atol=1e-6,
                   seed=0):
    """Run the standard layer checks (see the module docstring); returns the built layer."""
    init_kwargs = dict(init_kwargs or {})
    call_kwargs = dict(call_kwargs or {})
    rng = np.random.default_rng(seed)
    keras.utils.set_random_seed(seed)

    # 1. config round trip
    layer = layer_cls(**init_kwargs)
    config = layer.get_config()
    json.dumps(config)  # must be plain JSON data
    clone = layer_cls.from_config(config)
    assert clone.get_config() == config, (clone.get_config(), config)

    # 2. call on data
    if input_data is None:
        assert input_shape is not None, "give input_shape or input_data"
        input_data = _make_data(input_shape, input_dtype, rng)
    else:
        input_shape = _shapes(input_data)
        if isinstance(input_shape, list):
            input_shape = [tuple(s) for s in input_shape]
        input_dtype = np.asarray(_flat(input_data)[0]).dtype.name
    output = layer(input_data, **call_kwargs)
    assert layer.built
    out_shapes = _shapes(output)
    if expected_output_shape is not None:
        _match_shape(out_shapes, expected_output_shape, "%s output" % layer_cls.__name__)
    if expected_output is not None:
        _allclose(output, expected_output, rtol, atol, "%s output" % layer_cls.__name__)
    if expected_output_dtype is not None:
        for o in _flat(output):
            assert o.dtype.name == expected_output_dtype, (o.dtype.name, expected_output_dtype)
    if expected_num_trainable_weights is not None:
        assert len(layer.trainable_weights) == expected_num_trainable_weights, (
            "trainable weights", [w.path for w in layer.trainable_weights])
    if expected_num_non_trainable_weights is not None:
        assert len(layer.non_trainable_weights) == expected_num_non_trainable_weights, (
            "non-trainable weights", [w.path for w in layer.non_trainable_weights])
    assert len(layer.weights) == len(layer.trainable_weights) + len(
        layer.non_trainable_weights)

    # 3. the rebuilt layer with the same weights computes the same output
    clone(input_data, **call_kwargs)
    clone.set_weights(layer.get_weights())
    _allclose(clone(input_data, **call_kwargs), layer(input_data, **call_kwargs), rtol, atol,
              "%s: from_config + set_weights" % layer_cls.__name__)

    # 4. symbolic call and a Functional model around the layer
    model = None
    if run_symbolic_check:
        sym_layer = layer_cls.from_config(config)
        inputs = _symbolic_inputs(input_shape, input_dtype)
        sym_out = sym_layer(inputs, **call_kwargs)
        sym_shapes = _shapes(sym_out)
        sym_shapes = [tuple(s) for s in sym_shapes] if isinstance(sym_shapes, list) else \
            tuple(sym_shapes)
        expected_sym = _batch_none(out_shapes) if expected_output_shape is None else \
            _batch_none(expected_output_shape if isinstance(expected_output_shape, list)
                        else tuple(expected_output_shape))
        _match_shape(sym_shapes, expected_sym, "%s symbolic output" % layer_cls.__name__)
        assert len(sym_layer.weights) == len(layer.weights)
        sym_layer.set_weights(layer.get_weights())
        model = keras.Model(inputs, sym_out)
        _allclose(model(input_data), layer(input_data, **call_kwargs), rtol, atol,
                  "%s inside a Functional model" % layer_cls.__name__)

        # 5. save / load the model
        if run_saving_check:
            with tempfile.TemporaryDirectory() as d:
                path = os.path.join(d, "layer_test.keras")
                model.save(path)
                loaded = keras.models.load_model(path, custom_objects=custom_objects)
            _allclose(loaded(input_data), model(input_data), rtol, atol,
                      "%s after save/load" % layer_cls.__name__)

    # 6. one training step lowers the loss
    if run_training_check and layer.trainable_weights:
        target = [rng.normal(size=s).astype(np.asarray(o).dtype)
                  for s, o in zip([_shapes(o) for o in _flat(output)], _flat(output))]
        x = input_data

        def loss_fn():
            outs = _flat(layer(x, training=True, **call_kwargs))
            total = 0.0
            for o, t in zip(outs, target):
                total = total + tf.reduce_mean(tf.square(o - t))
            return total

        variables = layer.trainable_weights
        keras.utils.set_random_seed(seed + 1)
        with tf.GradientTape() as tape:
            loss0 = loss_fn()
        grads = tape.gradient(loss0, variables)
        for v, g in zip(variables, grads):
            assert g is not None, "no gradient for weight %s" % v.path
            assert tuple(g.shape) == tuple(v.shape), (v.path, g.shape, v.shape)
        before = [np.array(v.numpy(), copy=True) for v in variables]
        lowered = False
        for lr in (1e-2, 1e-3, 1e-4):
            for v, b, g in zip(variables, before, grads):
                v.assign(b - lr * np.asarray(g))
            keras.utils.set_random_seed(seed + 1)  # same dropout/noise draws as before
            loss1 = loss_fn()
            if float(loss1) < float(loss0):
                lowered = True
                break
        assert lowered, "%s: a gradient step did not lower the loss (%s -> %s)" % (
            layer_cls.__name__, float(loss0), float(loss1))
    return layer
