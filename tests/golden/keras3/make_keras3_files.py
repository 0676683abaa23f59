"""Write the Keras 3 golden files used by tests/keras/test_saving_keras3.py.

Run with the bench environment, which has real TensorFlow + Keras 3 (the tests themselves
run without them):

    cd /work/main && .venv-bench/bin/python tests/golden/keras3/make_keras3_files.py

Each model is saved both as a Keras 3 ``.keras`` archive and as a legacy ``.h5`` file;
``expected.npz`` holds the inputs and the outputs real Keras computed, so ndflow's
predictions can be compared against them. The models are tiny so the files stay a few KB.
"""
import json
import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import keras  # noqa: E402
from keras import layers  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def save_both(model, name):
    model.save(os.path.join(HERE, name + ".keras"))
    model.save(os.path.join(HERE, name + ".h5"))


def main():
    keras.utils.set_random_seed(1234)
    rng = np.random.default_rng(0)
    out = {}

    # 1. Sequential: Dense, Dropout, BatchNormalization (moving stats made non-trivial).
    x = rng.normal(size=(6, 4)).astype("float32")
    seq = keras.Sequential([keras.Input((4,)), layers.Dense(8, activation="relu"),
                            layers.Dropout(0.1), layers.BatchNormalization(),
                            layers.Dense(3, activation="softmax")])
    bn = seq.layers[2]
    bn.moving_mean.assign(rng.normal(size=8).astype("float32") * 0.1)
    bn.moving_variance.assign(rng.uniform(0.5, 1.5, size=8).astype("float32"))
    bn.gamma.assign(rng.uniform(0.5, 1.5, size=8).astype("float32"))
    save_both(seq, "sequential")
    seq.save_weights(os.path.join(HERE, "sequential.weights.h5"))
    out["x"] = x
    out["sequential"] = seq.predict(x, verbose=0)

    # 2. Functional: two inputs, a Dense shared by both branches, Add and Concatenate.
    a = keras.Input((6,), name="a")
    b = keras.Input((6,), name="b")
    shared = layers.Dense(5, activation="tanh")
    sa, sb = shared(a), shared(b)
    merged = layers.Concatenate()([layers.Add()([sa, sb]), layers.Dense(2)(b)])
    func = keras.Model([a, b], layers.Dense(3)(merged))
    save_both(func, "functional")
    xa = rng.normal(size=(5, 6)).astype("float32")
    xb = rng.normal(size=(5, 6)).astype("float32")
    out["xa"], out["xb"] = xa, xb
    out["functional"] = func.predict([xa, xb], verbose=0)

    # 3. A small CNN with BatchNormalization.
    cnn = keras.Sequential([keras.Input((8, 8, 1)), layers.Conv2D(4, 3, padding="same"),
                            layers.BatchNormalization(), layers.Activation("relu"),
                            layers.MaxPooling2D(), layers.Conv2D(3, 3, activation="relu"),
                            layers.Flatten(), layers.Dense(2)])
    ximg = rng.normal(size=(3, 8, 8, 1)).astype("float32")
    cnn.compile(optimizer="sgd", loss="mse")
    cnn.fit(ximg, rng.normal(size=(3, 2)).astype("float32"), epochs=2, verbose=0)
    save_both(cnn, "cnn")
    out["ximg"] = ximg
    out["cnn"] = cnn.predict(ximg, verbose=0)

    # 4. Compiled and trained with Adam: the file carries the optimizer state. The
    # expected output after one more training step checks that the state was restored.
    xt = rng.normal(size=(8, 4)).astype("float32")
    yt = rng.integers(0, 3, size=(8,)).astype("int64")
    tr = keras.Sequential([keras.Input((4,)), layers.Dense(6, activation="relu"),
                           layers.Dense(3, activation="softmax")])
    tr.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy",
               metrics=["accuracy"])
    tr.fit(xt, yt, epochs=3, batch_size=4, shuffle=False, verbose=0)
    save_both(tr, "trained")
    out["xt"], out["yt"] = xt, yt
    out["trained"] = tr.predict(xt, verbose=0)
    out["trained_iterations"] = np.asarray(int(tr.optimizer.iterations.numpy()))
    tr.train_on_batch(xt, yt)
    out["trained_after_step"] = tr.predict(xt, verbose=0)

    # 5. Embedding + LSTM.
    rnn = keras.Sequential([keras.Input((7,), dtype="int32"), layers.Embedding(20, 4),
                            layers.LSTM(5), layers.Dense(2)])
    xs = rng.integers(0, 20, size=(4, 7)).astype("int32")
    save_both(rnn, "rnn")
    out["xs"] = xs
    out["rnn"] = rnn.predict(xs, verbose=0)

    # 6. A Sequential nested in a Functional model, holding a Bidirectional LSTM (Keras 3
    # stores its backward layer before its forward one: weights must be matched by name).
    inner = keras.Sequential([keras.Input((5, 3)), layers.Bidirectional(layers.LSTM(4))],
                             name="inner")
    seq_in = keras.Input((5, 3))
    nested = keras.Model(seq_in, layers.Dense(2)(inner(seq_in)))
    xn = rng.normal(size=(2, 5, 3)).astype("float32")
    nested.save(os.path.join(HERE, "nested.keras"))
    out["xn"] = xn
    out["nested"] = nested.predict(xn, verbose=0)

    # 7. LoRA enabled on a Dense layer: ndflow must refuse it with a clear error.
    lora = keras.Sequential([keras.Input((4,)), layers.Dense(3)])
    lora.layers[0].enable_lora(2)
    lora.save(os.path.join(HERE, "lora.keras"))

    np.savez(os.path.join(HERE, "expected.npz"), **out)
    with open(os.path.join(HERE, "VERSIONS.json"), "w") as f:
        json.dump({"keras": keras.__version__, "numpy": np.__version__}, f)
        f.write("\n")


if __name__ == "__main__":
    main()
