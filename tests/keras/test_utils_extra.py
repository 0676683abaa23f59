"""keras.utils / keras.backend / keras.random additions (utils_extra.py, backend.py,
random.py). Expected values marked 'Keras 3.15' were printed by real Keras and pasted."""
import io
import contextlib

import numpy as np
import pytest

from ndflow import keras


def test_pack_unpack_match_keras():
    u = keras.utils
    # Keras 3.15: pack((1, 2)) -> ((1, 2),); pack(3) -> 3; unpack((1, 2)) -> (1, 2, None)
    assert u.pack_x_y_sample_weight((1, 2)) == ((1, 2),)
    assert u.pack_x_y_sample_weight(3) == 3
    assert u.pack_x_y_sample_weight(1, 2) == (1, 2)
    assert u.pack_x_y_sample_weight(1, 2, 3) == (1, 2, 3)
    assert u.unpack_x_y_sample_weight((1, 2)) == (1, 2, None)
    assert u.unpack_x_y_sample_weight(5) == (5, None, None)
    assert u.unpack_x_y_sample_weight([1, 2, 3]) == (1, 2, 3)
    with pytest.raises(ValueError, match="4 elements"):
        u.unpack_x_y_sample_weight((1, 2, 3, 4))


def test_standardize_dtype_and_backend_dtypes():
    u, b = keras.utils, keras.backend
    # Keras 3.15: int -> int64, float -> float32, np.float64 -> float64, None -> float32
    assert u.standardize_dtype(int) == "int64"
    assert u.standardize_dtype(float) == "float32"
    assert u.standardize_dtype(np.float64) == "float64"
    assert u.standardize_dtype(None) == "float32"
    assert u.standardize_dtype(np.dtype("int8")) == "int8"
    with pytest.raises(ValueError, match="ambiguous"):
        u.standardize_dtype("float")
    assert b.standardize_dtype("uint8") == "uint8"
    assert b.is_float_dtype("float16") and not b.is_float_dtype("int32")
    assert b.is_int_dtype("uint16") and not b.is_int_dtype("bool")
    # Keras 3.15 result_type: (int32, float16) -> float16, (int8, float) -> float32,
    # (int8, uint8) -> int16, (bfloat16, float16) -> float32, () -> float32
    assert b.result_type("int32", "float16") == "float16"
    assert b.result_type("int8", float) == "float32"
    assert b.result_type("int8", "uint8") == "int16"
    assert b.result_type("bfloat16", "float16") == "float32"
    assert b.result_type() == "float32"


def test_get_uid_and_clear_session():
    b = keras.backend
    keras.utils.clear_session()
    assert [b.get_uid("x"), b.get_uid("x"), b.get_uid("y")] == [1, 2, 1]
    keras.utils.clear_session()
    assert b.get_uid("x") == 1
    assert keras.layers.Dense(2).name == "dense"


def test_keras_tensor_helpers():
    a = keras.Input((3,))
    c = keras.Input((2,))
    h = keras.layers.Dense(2)(a)
    out = keras.layers.Concatenate()([h, c])
    assert keras.utils.is_keras_tensor(out)
    assert not keras.utils.is_keras_tensor(np.ones(3))
    src = keras.utils.get_source_inputs(out)
    assert len(src) == 2 and src[0] is a and src[1] is c
    assert keras.utils.get_source_inputs(a) == [a]
    with pytest.raises(ValueError, match="KerasTensor"):
        keras.utils.get_source_inputs(np.ones(2))


def test_interactive_logging_silences_progbar():
    u = keras.utils
    assert u.is_interactive_logging_enabled()
    buf = io.StringIO()
    try:
        u.disable_interactive_logging()
        assert not u.is_interactive_logging_enabled()
        with contextlib.redirect_stdout(buf):
            bar = u.Progbar(3, verbose=2)
            for i in range(3):
                bar.update(i + 1, [("loss", 0.5)])
        assert buf.getvalue() == ""
    finally:
        u.enable_interactive_logging()
    with contextlib.redirect_stdout(buf):
        bar = u.Progbar(3, verbose=2)
        for i in range(3):
            bar.update(i + 1, [("loss", 0.5)])
    assert "loss" in buf.getvalue()


def test_config():
    c = keras.utils.Config(lr=0.1, layers=3)
    assert c.lr == 0.1 and c["layers"] == 3 and "lr" in c and len(c) == 2
    c.units = 8
    c["depth"] = 2
    assert c.as_dict() == {"lr": 0.1, "layers": 3, "units": 8, "depth": 2}
    assert '"units": 8' in c.to_json()
    c.freeze()
    assert c.frozen
    with pytest.raises(ValueError, match="frozen"):
        c.lr = 1.0
    c.unfreeze()
    c.lr = 1.0
    assert c.lr == 1.0
    with pytest.raises(AttributeError, match="nope"):
        c.nope


def test_random_functions():
    r = keras.random
    g = r.SeedGenerator(7)
    a = np.asarray(r.randint((1000,), 0, 5, seed=3))
    assert a.dtype == np.int32 and a.min() >= 0 and a.max() <= 4
    np.testing.assert_array_equal(a, np.asarray(r.randint((1000,), 0, 5, seed=3)))
    x1 = np.asarray(r.gamma((20000,), 2.0, seed=g))
    x2 = np.asarray(r.gamma((20000,), 2.0, seed=g))
    assert not np.array_equal(x1, x2)                     # the generator advances
    assert abs(x1.mean() - 2.0) < 0.05 and x1.dtype == np.float32
    bt = np.asarray(r.beta((20000,), 2.0, 3.0, seed=1))
    assert abs(bt.mean() - 0.4) < 0.01
    bn = np.asarray(r.binomial((20000,), 10, 0.3, seed=1))
    assert abs(bn.mean() - 3.0) < 0.05 and bn.dtype == np.float32
    x = np.ones((200, 100), "float32")
    d = np.asarray(r.dropout(x, 0.25, seed=2))
    assert set(np.unique(d)) <= {0.0, np.float32(1 / 0.75)}
    assert abs((d == 0).mean() - 0.25) < 0.02
    dn = np.asarray(r.dropout(x, 0.5, noise_shape=(None, 1), seed=2))
    assert np.all((dn == dn[:, :1]))
    assert r.SeedGenerator(5).get_config() == {"seed": 5}
    with pytest.raises(ValueError, match="rate"):
        r.dropout(x, 1.0)


def test_aliases_and_huber():
    assert keras.initializers.OrthogonalInitializer is keras.initializers.Orthogonal
    y = np.array([[0.0, 2.0]], "float32")
    p = np.array([[0.5, 0.0]], "float32")
    # huber, delta 1: 0.5 * 0.5**2 = 0.125 and 1 * (2 - 0.5) = 1.5 -> mean 0.8125
    np.testing.assert_allclose(np.asarray(keras.metrics.huber(y, p)), [0.8125], rtol=1e-6)


def test_disable_interactive_logging_silences_fit_entirely(capsys):
    import numpy as np
    from ndflow import keras
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    x, y = np.ones((8, 3), "float32"), np.ones((8, 1), "float32")
    keras.utils.disable_interactive_logging()
    try:
        model.fit(x, y, epochs=2, verbose=1)
        assert capsys.readouterr().out == ""
    finally:
        keras.utils.enable_interactive_logging()
    model.fit(x, y, epochs=2, verbose=1)
    assert "Epoch 2/2" in capsys.readouterr().out
