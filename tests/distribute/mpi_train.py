"""Data-parallel training run by tests/distribute/test_mpi.py.

    mpiexec -n 2 python tests/distribute/mpi_train.py OUT_DIR    # writes OUT_DIR/rank<r>.npz

``run(strategy)`` is also called by the test in its own process (plain python: a
MultiWorkerMirroredStrategy with one replica) to get the single-process reference.
"""
import numpy as np

GLOBAL_BATCH = 16


def data():
    rng = np.random.default_rng(7)
    x = rng.normal(size=(64, 5)).astype(np.float32)
    w = rng.normal(size=(5, 2)).astype(np.float32)
    y = (np.tanh(x @ w) + 0.1 * rng.normal(size=(64, 2))).astype(np.float32)
    return x, y


def run(tf, strategy, rank):
    from ndflow import keras
    x, y = data()
    out = {"num_replicas": np.asarray(strategy.num_replicas_in_sync)}
    # a different seed on every rank: fit must start every replica from rank 0's weights
    # and random state (the shuffle order), or the ranks would not agree
    tf.random.set_seed(100 + rank)
    with strategy.scope():
        model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(8, activation="tanh"),
                                  keras.layers.Dense(2)])
        model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse", metrics=["mae"])
    hist = model.fit(x, y, batch_size=GLOBAL_BATCH, epochs=2, shuffle=True, verbose=0)
    out["fit_loss"] = np.asarray(hist.history["loss"])
    out["fit_mae"] = np.asarray(hist.history["mae"])
    # a Dataset of global batches; the batch of 8 splits 4 + 4
    ds = tf.data.Dataset.from_tensor_slices((x[:40], y[:40])).batch(GLOBAL_BATCH)
    hist = model.fit(ds, epochs=1, verbose=0)
    out["ds_loss"] = np.asarray(hist.history["loss"])
    out["eval"] = np.asarray(model.evaluate(x, y, batch_size=32, verbose=0))
    for i, w in enumerate(model.get_weights()):
        out["fit_w%d" % i] = w
    for i, w in enumerate(model.optimizer.get_weights()):
        out["opt_w%d" % i] = w

    # a custom training loop: strategy.run + all_reduce + strategy.reduce
    opt = keras.optimizers.SGD(0.1)
    dist_ds = strategy.experimental_distribute_dataset(
        tf.data.Dataset.from_tensor_slices((x, y)).batch(GLOBAL_BATCH))

    def step(xb, yb):
        with tf.GradientTape() as tape:
            pred = model(xb, training=True)
            per_example = tf.reduce_mean(tf.square(pred - yb), axis=1)
            loss = tf.nn.compute_average_loss(per_example, global_batch_size=GLOBAL_BATCH)
        grads = tape.gradient(loss, model.trainable_variables)
        grads = tf.distribute.get_replica_context().all_reduce("SUM", grads)
        opt.apply_gradients(zip(grads, model.trainable_variables),
                            skip_gradients_aggregation=True)
        return loss, tf.shape(xb)[0]

    losses, sizes = [], []
    for i, (xb, yb) in enumerate(dist_ds):
        loss, n = strategy.run(step, args=(xb, yb))
        losses.append(float(strategy.reduce("SUM", loss, axis=None)))
        sizes.append(int(n))
        if i == 0:
            out["gathered_x"] = strategy.gather(xb, axis=0).numpy()
            out["mean_x"] = strategy.reduce("MEAN", xb, axis=0).numpy()
    out["ctl_loss"] = np.asarray(losses)
    out["local_batch"] = np.asarray(sizes)
    for i, w in enumerate(model.get_weights()):
        out["ctl_w%d" % i] = w

    # the tutorials' custom loop: apply_gradients inside strategy.run sums the replicas'
    # gradients by itself (no all_reduce written), as TensorFlow's optimizers do
    opt2 = keras.optimizers.SGD(0.1)

    def plain_step(xb, yb):
        with tf.GradientTape() as tape:
            pred = model(xb, training=True)
            per_example = tf.reduce_mean(tf.square(pred - yb), axis=1)
            # without global_batch_size: this replica's batch times the replica count
            loss = tf.nn.compute_average_loss(per_example)
        grads = tape.gradient(loss, model.trainable_variables)
        opt2.apply_gradients(zip(grads, model.trainable_variables))
        return loss

    for xb, yb in dist_ds:
        strategy.run(plain_step, args=(xb, yb))
    for i, w in enumerate(model.get_weights()):
        out["ctl2_w%d" % i] = w

    # a custom train_step: its apply_gradients averages the replicas' gradients by itself
    class Custom(keras.Model):
        skip = False

        def train_step(self, data):
            xb, yb = data
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.square(self(xb, training=True) - yb))
            grads = tape.gradient(loss, self.trainable_variables)
            self.optimizer.apply_gradients(zip(grads, self.trainable_variables),
                                           skip_gradients_aggregation=self.skip)
            return {"loss": loss}

    # ... and one that turns that off without averaging itself: the replicas' weights
    # part after the first step, and fit says so (on every rank, so nobody hangs)
    class Forgetful(Custom):
        skip = True

    for cls, key in ((Custom, "custom_step"), (Forgetful, "forgetful_step")):
        tf.random.set_seed(5)
        inp = keras.Input((5,))
        with strategy.scope():
            m = cls(inp, keras.layers.Dense(2)(inp))
            m.compile(optimizer="sgd", loss="mse")
        try:
            m.fit(x, y, batch_size=GLOBAL_BATCH, epochs=1, verbose=0, shuffle=False)
            out[key + "_error"] = np.asarray("")
        except RuntimeError as e:
            out[key + "_error"] = np.asarray(str(e))
        if cls is Custom:   # (the forgetful replicas part, by design)
            for i, w in enumerate(m.get_weights()):
                out["%s_w%d" % (key, i)] = w
    return out


if __name__ == "__main__":
    from _mpi_launch import rank_main
    rank_main(run)
