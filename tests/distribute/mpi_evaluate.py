"""Distributed evaluate / predict, run by tests/distribute/test_mpi_evaluate.py.

    mpiexec -n 2 python tests/distribute/mpi_evaluate.py OUT_DIR   # writes OUT_DIR/rank<r>.npz

``run(tf, strategy, rank)`` is also called by the test in its own process (one replica)
for the single-process reference.  61 samples in global batches of 15 give slices of
8 + 7 samples and a last batch of ONE sample, whose slice on rank 1 is empty.
"""
import numpy as np

GLOBAL_BATCH = 15


def data():
    rng = np.random.default_rng(11)
    x = rng.normal(size=(61, 6)).astype(np.float32)
    w = rng.normal(size=(6,)).astype(np.float32)
    y = ((x @ w + 0.5 * rng.normal(size=61)) > 0).astype(np.float32).reshape(-1, 1)
    sw = rng.uniform(0.2, 3.0, size=61).astype(np.float32)
    return x, y, sw


def run(tf, strategy, rank):
    from ndflow import keras
    x, y, sw = data()
    out = {"num_replicas": np.asarray(strategy.num_replicas_in_sync)}
    seen = []   # the batch sizes this replica's predict_step ran on

    class Recorder(keras.layers.Layer):
        def call(self, inputs):
            seen.append(int(inputs.shape[0]))
            return inputs

    def compile_model(model):
        model.compile(
            optimizer=keras.optimizers.Adam(0.02), loss="binary_crossentropy",
            metrics=["accuracy", keras.metrics.AUC(num_thresholds=37, name="auc"),
                     keras.metrics.Precision(name="precision"),
                     keras.metrics.R2Score(name="r2")],          # R2Score: built lazily
            weighted_metrics=[keras.metrics.MeanSquaredError(name="wmse")])

    def build():
        with strategy.scope():
            model = keras.Sequential([
                keras.Input((6,)), Recorder(),
                keras.layers.Dense(8, activation="tanh",
                                   kernel_regularizer=keras.regularizers.L2(0.01)),
                keras.layers.Dense(1, activation="sigmoid")])
            compile_model(model)
        return model

    # a different seed on every rank: evaluate must take rank 0's weights by itself
    tf.random.set_seed(200 + rank)
    model = build()

    class BatchLogs(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.rows = []

        def on_test_batch_end(self, batch, logs=None):
            self.rows.append([logs["loss"], logs["auc"], logs["wmse"]])

    cb = BatchLogs()
    res = model.evaluate(x, y, sample_weight=sw, batch_size=GLOBAL_BATCH, verbose=0,
                         return_dict=True, callbacks=[cb])
    out["eval_keys"] = np.asarray(sorted(res))
    out["eval_values"] = np.asarray([res[k] for k in sorted(res)], np.float64)
    out["eval_batch_logs"] = np.asarray(cb.rows, np.float64)
    out["eval_list"] = np.asarray(model.evaluate(x, y, batch_size=GLOBAL_BATCH, verbose=0),
                                  np.float64)
    out["metric_vars"] = np.asarray([len(m.variables) for m in model.metrics])

    del seen[:]
    out["pred"] = model.predict(x, batch_size=GLOBAL_BATCH, verbose=0)
    out["pred_local_sizes"] = np.asarray(seen)
    out["pred_ds"] = model.predict(tf.data.Dataset.from_tensor_slices(x[:40]).batch(16),
                                   verbose=0)

    # a fresh model whose first and only batch has ONE sample: rank 1's stand-in step must
    # build the same loss tracker and metrics, and add nothing to them
    tf.random.set_seed(300 + rank)
    fresh = build()
    res = fresh.evaluate(x[:1], y[:1], sample_weight=sw[:1], verbose=0, return_dict=True)
    out["one_sample_values"] = np.asarray([res[k] for k in sorted(res)], np.float64)

    # two outputs (a list): predictions gathered per output, in order
    with strategy.scope():
        inp = keras.Input((6,))
        h = keras.layers.Dense(4, activation="relu")(inp)
        two = keras.Model(inp, [keras.layers.Dense(1)(h), keras.layers.Dense(3)(h)])
    a, b = two.predict(x, batch_size=GLOBAL_BATCH, verbose=0)
    out["two_out_a"], out["two_out_b"] = a, b
    for i, w in enumerate(two.get_weights()):
        out["two_w%d" % i] = w

    # a custom test_step with a value that is not a metric: the replicas' values are
    # averaged, weighted by their number of samples (the mean over the global batch)
    class Custom(keras.Model):
        def test_step(self, data):
            xb, yb = data
            err = tf.reduce_mean(tf.square(self(xb, training=False) - yb))
            return {"batch_mse": err}

    with strategy.scope():
        inp = keras.Input((6,))
        custom = Custom(inp, keras.layers.Dense(1)(inp))
        custom.compile(optimizer="sgd", loss="mse")
    out["custom_last_batch"] = np.asarray(
        custom.evaluate(x[:30], y[:30], batch_size=30, verbose=0), np.float64)

    # fit's validation (validation_split, then validation_data) uses the same path
    tf.random.set_seed(400 + rank)
    model = build()
    hist = model.fit(x, y, sample_weight=sw, batch_size=16, epochs=2, shuffle=False,
                     validation_split=0.25, verbose=0)
    for k in ("loss", "val_loss", "val_auc", "val_accuracy", "val_wmse", "val_r2"):
        out["split_" + k] = np.asarray(hist.history[k])
    hist = model.fit(x[:40], y[:40], batch_size=16, epochs=1, shuffle=False, verbose=0,
                     validation_data=(x[40:], y[40:], sw[40:]), validation_batch_size=7)
    for k in ("val_loss", "val_auc", "val_precision"):
        out["vdata_" + k] = np.asarray(hist.history[k])
    for i, w in enumerate(model.get_weights()):
        out["fit_w%d" % i] = w
    return out


if __name__ == "__main__":
    from _mpi_launch import rank_main
    rank_main(run)
