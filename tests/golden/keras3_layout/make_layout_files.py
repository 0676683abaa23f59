"""Write the Keras 3 weights files used by tests/keras/test_saving_keras3_write.py.

Run with the bench environment, which has real TensorFlow + Keras 3 (the tests run
without them):

    cd /work/main && .venv-bench/bin/python tests/golden/keras3_layout/make_layout_files.py

For every model of ``layout_models.CASES``: random weights (moving statistics included),
``<name>.weights.h5`` written by Keras' ``save_weights``, and the inputs and Keras'
outputs in ``expected.npz``. For every optimizer of ``layout_models.OPTIMIZERS``: a small
model trained 4 steps, saved as ``trained_<opt>.keras`` (the optimizer's variables in
``optimizer/vars``), and Keras' outputs before and after one more training step.
"""
import json
import os
import sys

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import keras  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import layout_models as lm  # noqa: E402


def randomize(model, seed=2):
    rng = np.random.default_rng(seed)
    values = []
    for w in model.weights:
        shape = tuple(w.shape)
        if "variance" in w.path:
            values.append(rng.uniform(0.5, 1.5, shape).astype("float32"))
        else:
            values.append((rng.normal(size=shape) * 0.3).astype(np.dtype(w.dtype)))
    model.set_weights(values)


def main():
    keras.utils.set_random_seed(1234)
    out = {}
    for name, build in lm.CASES.items():
        model, spec = build(keras)
        randomize(model)
        model.save_weights(os.path.join(HERE, name + ".weights.h5"))
        x = lm.inputs(spec)
        for i, xi in enumerate(x if isinstance(x, list) else [x]):
            out["%s_x%d" % (name, i)] = xi
        out[name] = np.asarray(model(x, training=False))
    x, y = lm.training_data()
    for opt in lm.OPTIMIZERS:
        model = lm.trainable(keras, opt)
        model.fit(x, y, batch_size=2, epochs=1, shuffle=False, verbose=0)
        model.save(os.path.join(HERE, "trained_%s.keras" % opt))
        out["trained_%s" % opt] = model.predict(x, verbose=0)
        out["trained_%s_iterations" % opt] = np.asarray(int(model.optimizer.iterations.numpy()))
        model.train_on_batch(x, y)
        out["trained_%s_after_step" % opt] = model.predict(x, verbose=0)
    np.savez(os.path.join(HERE, "expected.npz"), **out)
    with open(os.path.join(HERE, "VERSIONS.json"), "w") as f:
        json.dump({"keras": keras.__version__, "numpy": np.__version__}, f)
        f.write("\n")


if __name__ == "__main__":
    main()
