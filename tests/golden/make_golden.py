"""Write the golden model files of this directory (run once per format version).

    PYTHONPATH=. python tests/golden/make_golden.py tests/golden/v1

Each file is loaded by tests/keras/test_saving_golden.py in every later version of
ndflow and must predict ``expected.npz`` (saved next to it). Do not regenerate existing
versions: add a new folder when the format gains something new.
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import ndflow as tf  # noqa: E402
from ndflow import keras  # noqa: E402
from golden_models import Scale, TwoTower  # noqa: E402,F401


def build_models():
    tf.random.set_seed(1234)
    seq = keras.Sequential([
        keras.layers.Dense(8, activation="relu", input_shape=(4,)),
        keras.layers.BatchNormalization(),
        keras.layers.Dropout(0.25),
        keras.layers.Dense(3, activation="softmax"),
    ], name="golden_sequential")

    inp = keras.Input((4,), name="features")
    h = keras.layers.Dense(6, activation="relu", name="shared")(inp)
    a = keras.layers.Dense(3, name="branch_a")(h)
    b = keras.layers.Dense(3, activation="sigmoid", name="branch_b")(h)
    merged = keras.layers.Concatenate(name="concat")([a, b])
    out = Scale(2.0, name="scale")(merged)
    func = keras.Model(inp, out, name="golden_functional")

    img = keras.Input((6, 6, 1))
    c = keras.layers.Conv2D(2, 3, activation="relu")(img)
    c = keras.layers.MaxPooling2D(2)(c)
    c = keras.layers.Flatten()(c)
    conv = keras.Model(img, keras.layers.Dense(2)(c), name="golden_conv")

    sub = TwoTower(5, name="golden_subclassed")
    return seq, func, conv, sub


def main(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    rng = np.random.default_rng(7)
    x = rng.normal(size=(5, 4)).astype(np.float32)
    ximg = rng.normal(size=(3, 6, 6, 1)).astype(np.float32)
    seq, func, conv, sub = build_models()
    # move BatchNormalization's moving statistics away from their initial values
    bn = seq.layers[1]
    seq(x)
    bn.moving_mean.assign(rng.normal(size=(8,)).astype(np.float32))
    bn.moving_variance.assign(rng.uniform(0.5, 2.0, size=(8,)).astype(np.float32))
    expected = {"x": x, "ximg": ximg}
    for name, model, data in (("sequential", seq, x), ("functional", func, x),
                              ("conv", conv, ximg), ("subclassed", sub, x)):
        expected[name] = np.asarray(model(data, training=False).numpy())
        model.save(os.path.join(out_dir, name + ".keras"))
        model.save(os.path.join(out_dir, name + ".h5"))
    seq.save_weights(os.path.join(out_dir, "sequential.weights.h5"))
    # a compiled, trained model: loss, metrics and the optimizer state must come back
    trained = keras.Sequential([keras.layers.Dense(6, activation="relu", input_shape=(4,)),
                                keras.layers.Dense(1, activation="sigmoid")], name="trained")
    trained.compile(optimizer=keras.optimizers.Adam(0.01), loss="binary_crossentropy",
                    metrics=["accuracy"])
    y = (x[:, :1] > 0).astype(np.float32)
    trained.fit(x, y, epochs=3, batch_size=2, shuffle=False, verbose=0)
    expected["y"] = y
    expected["trained"] = np.asarray(trained(x).numpy())
    expected["trained_loss"] = np.float32(trained.evaluate(x, y, verbose=0)[0])
    for i, v in enumerate(trained.optimizer.variables):
        expected["trained_opt_%d" % i] = np.asarray(v.numpy())
    trained.save(os.path.join(out_dir, "trained.keras"))
    trained.save(os.path.join(out_dir, "trained.h5"))
    with open(os.path.join(out_dir, "sequential.json"), "w") as f:
        f.write(seq.to_json())
    np.savez(os.path.join(out_dir, "expected.npz"), **expected)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "v1"))
