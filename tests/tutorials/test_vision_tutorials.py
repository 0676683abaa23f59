"""Image / vision and training-infrastructure programs in the style of the TensorFlow and
Keras tutorials, run on ndflow with only the import changed.

Each test is one short program on small synthetic data made in the test (bright-vs-dark
images, written as PNG / JPEG files where the tutorial reads files), and checks outcomes:
losses go down, accuracy beats chance, frozen weights stay put, predictions survive
save / load / restore / ONNX export, callbacks see the epochs and learning rates that Keras
gives (the ReduceLROnPlateau schedule was checked against TensorFlow 2.21).
"""
import csv
import math
import os

import numpy as np
import pytest

import ndflow as tf
from ndflow import keras
from ndflow.keras import layers


def _bright_dark(rng, n, shape, dtype="float32", scale=1.0):
    """``n`` images, label 1 bright (pixels in [0.6, 1]) and 0 dark ([0, 0.4])."""
    y = np.arange(n) % 2
    rng.shuffle(y)
    bright = rng.uniform(0.6, 1.0, (n,) + shape)
    dark = rng.uniform(0.0, 0.4, (n,) + shape)
    x = np.where(y.reshape((n,) + (1,) * len(shape)) == 1, bright, dark) * scale
    return x.astype(dtype), y


def _write_class_folders(root, rng, per_class, size=(20, 20), jpeg_every=0):
    """root/bright/*.png and root/dark/*.png (every ``jpeg_every``-th one a JPEG)."""
    paths = []
    for cls, lo, hi in (("bright", 170, 256), ("dark", 0, 86)):
        for i in range(per_class):
            h, w = size if not jpeg_every else rng.integers(size[0], size[1] + 8, 2)
            img = rng.integers(lo, hi, size=(h, w, 3)).astype(np.uint8)
            if jpeg_every and i % jpeg_every == 0:
                path = os.path.join(root, cls, "img_%02d.jpg" % i)
                data = tf.io.encode_jpeg(img, quality=95)
            else:
                path = os.path.join(root, cls, "img_%02d.png" % i)
                data = tf.io.encode_png(tf.constant(img))
            tf.io.write_file(path, data)      # creates the class folder
            paths.append(path)
    return paths


# ---- 1. image classification: image_dataset_from_directory + augmentation ---------------

def test_image_classification_from_directory(tmp_path):
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    data_dir = str(tmp_path / "photos")
    _write_class_folders(data_dir, rng, per_class=24)
    img_height = img_width = 16

    train_ds = keras.utils.image_dataset_from_directory(
        data_dir, validation_split=0.25, subset="training", seed=123,
        image_size=(img_height, img_width), batch_size=8, verbose=False)
    val_ds = keras.utils.image_dataset_from_directory(
        data_dir, validation_split=0.25, subset="validation", seed=123,
        image_size=(img_height, img_width), batch_size=8, verbose=False)
    class_names = train_ds.class_names
    assert class_names == ["bright", "dark"]
    assert set(train_ds.file_paths).isdisjoint(val_ds.file_paths)
    assert len(train_ds.file_paths) == 36 and len(val_ds.file_paths) == 12
    image_batch, labels_batch = next(iter(train_ds))
    assert image_batch.shape == (8, 16, 16, 3) and labels_batch.shape == (8,)
    assert image_batch.dtype == tf.float32 and labels_batch.dtype == tf.int32

    AUTOTUNE = tf.data.AUTOTUNE
    train_ds = train_ds.cache().shuffle(1000).prefetch(buffer_size=AUTOTUNE)
    val_ds = val_ds.cache().prefetch(buffer_size=AUTOTUNE)

    normalization_layer = layers.Rescaling(1. / 255)
    normalized_ds = train_ds.map(lambda x, y: (normalization_layer(x), y))
    images, labels = next(iter(normalized_ds))
    assert 0.0 <= float(np.min(images)) and float(np.max(images)) <= 1.0
    # bright images (class 0) have a mean above 0.6, dark ones below 0.4
    means = images.numpy().mean(axis=(1, 2, 3))
    assert np.all((means > 0.6) == (labels.numpy() == 0))

    data_augmentation = keras.Sequential([
        layers.RandomFlip("horizontal", input_shape=(img_height, img_width, 3)),
        layers.RandomRotation(0.1),
        layers.RandomZoom(0.1),
    ])
    for images, _ in train_ds.take(1):
        augmented = data_augmentation(images)
        assert augmented.shape == images.shape
        assert not np.array_equal(augmented.numpy(), images.numpy())

    model = keras.Sequential([
        data_augmentation,
        layers.Rescaling(1. / 255),
        layers.Conv2D(8, 3, padding="same", activation="relu"),
        layers.MaxPooling2D(),
        layers.Conv2D(16, 3, padding="same", activation="relu"),
        layers.MaxPooling2D(),
        layers.Dropout(0.2),
        layers.Flatten(),
        layers.Dense(32, activation="relu"),
        layers.Dense(len(class_names), name="outputs"),
    ])
    model.compile(optimizer=keras.optimizers.Adam(3e-3),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    lines = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert "outputs (Dense)" in text and "(None, 4, 4, 16)" in text
    assert "Total params: 9,682" in text          # 224 + 1168 + 8224 + 66

    history = model.fit(train_ds, validation_data=val_ds, epochs=10, verbose=0)
    assert sorted(history.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert history.history["val_accuracy"][-1] >= 0.9

    # the tutorial's last step: classify a new image file
    new_img = rng.integers(180, 256, size=(30, 24, 3)).astype(np.uint8)
    path = str(tmp_path / "new.png")
    keras.utils.save_img(path, new_img, scale=False)
    img = keras.utils.load_img(path, target_size=(img_height, img_width))
    assert img.size == (img_width, img_height)
    img_array = keras.utils.img_to_array(img)
    assert img_array.shape == (16, 16, 3) and img_array.dtype == np.float32
    img_array = tf.expand_dims(img_array, 0)
    predictions = model.predict(img_array, verbose=0)
    score = tf.nn.softmax(predictions[0])
    np.testing.assert_allclose(float(tf.reduce_sum(score)), 1.0, rtol=1e-6)
    assert class_names[np.argmax(score)] == "bright"


# ---- 2. tf.data pipeline from files ------------------------------------------------------

def test_tf_data_pipeline_from_image_files(tmp_path):
    tf.random.set_seed(1)
    keras.utils.set_random_seed(1)
    rng = np.random.default_rng(1)
    data_dir = str(tmp_path / "images")
    written = _write_class_folders(data_dir, rng, per_class=20, size=(18, 26), jpeg_every=3)
    image_count = len(written)

    list_ds = tf.data.Dataset.list_files(os.path.join(data_dir, "*", "*"), shuffle=False)
    listed = [f.numpy() for f in list_ds]
    assert listed == sorted(p.encode() for p in written)
    # the default shuffles; every file still appears once
    shuffled = [f.numpy() for f in tf.data.Dataset.list_files(data_dir + "/*/*", seed=3)]
    assert sorted(shuffled) == listed and shuffled != listed
    with pytest.raises(tf.errors.InvalidArgumentError, match="no files matched"):
        tf.data.Dataset.list_files(os.path.join(data_dir, "*.webp"))

    list_ds = list_ds.shuffle(image_count, reshuffle_each_iteration=False, seed=0)
    class_names = np.array(sorted(os.listdir(data_dir)))
    val_size = int(image_count * 0.25)
    train_ds = list_ds.skip(val_size)
    val_ds = list_ds.take(val_size)
    assert int(tf.data.experimental.cardinality(train_ds)) == 30
    assert int(val_ds.cardinality()) == 10

    IMG = 16

    def get_label(file_path):
        parts = tf.strings.split(file_path, os.path.sep)
        one_hot = parts[-2] == class_names
        return tf.argmax(one_hot)

    def decode_img(img):
        img = tf.io.decode_image(img, channels=3, expand_animations=False)
        img = tf.image.convert_image_dtype(img, tf.float32)
        return tf.image.resize(img, [IMG, IMG])

    def process_path(file_path):
        label = get_label(file_path)
        img = tf.io.read_file(file_path)
        return decode_img(img), label

    def augment(image, label):
        image = tf.image.random_flip_left_right(image)
        image = tf.image.random_brightness(image, max_delta=0.05)
        return tf.clip_by_value(image, 0.0, 1.0), label

    AUTOTUNE = tf.data.AUTOTUNE
    train_ds = train_ds.map(process_path, num_parallel_calls=AUTOTUNE)
    val_ds = val_ds.map(process_path, num_parallel_calls=AUTOTUNE)
    for image, label in train_ds.take(4):
        assert image.shape == (16, 16, 3) and image.dtype == tf.float32
        assert label.dtype == tf.int64
        # bright (label 0) images are above 0.6 on average after convert_image_dtype
        assert (float(tf.reduce_mean(image)) > 0.6) == (int(label) == 0)
    # decode_png / decode_jpeg by name, as older tutorials write it
    png = [p for p in written if p.endswith(".png")][0]
    jpg = [p for p in written if p.endswith(".jpg")][0]
    assert tf.io.decode_png(tf.io.read_file(png), channels=3).dtype == tf.uint8
    assert tf.image.decode_jpeg(tf.io.read_file(jpg), channels=3).shape[-1] == 3

    def configure_for_performance(ds, aug=False):
        ds = ds.cache().shuffle(buffer_size=1000)
        if aug:
            ds = ds.map(augment, num_parallel_calls=AUTOTUNE)
        return ds.batch(8).prefetch(buffer_size=AUTOTUNE)

    train_ds = configure_for_performance(train_ds, aug=True)
    val_ds = configure_for_performance(val_ds)
    image_batch, label_batch = next(iter(train_ds))
    assert image_batch.shape == (8, 16, 16, 3) and label_batch.shape == (8,)

    inputs = keras.Input(shape=(IMG, IMG, 3))
    x = layers.Conv2D(8, 3, padding="same", use_bias=False)(inputs)
    # a short run: a lower momentum lets the moving statistics (used by evaluate) catch up
    x = layers.BatchNormalization(momentum=0.8)(x)
    x = layers.Activation("relu")(x)
    x = layers.Conv2D(16, 3, strides=2, padding="same")(x)
    x = layers.BatchNormalization(momentum=0.8)(x)
    x = layers.ReLU()(x)
    x = layers.GlobalAveragePooling2D()(x)
    outputs = layers.Dense(len(class_names))(x)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.Adam(1e-2),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    history = model.fit(train_ds, validation_data=val_ds, epochs=6, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert history.history["accuracy"][-1] >= 0.9
    result = model.evaluate(val_ds, return_dict=True, verbose=0)
    assert result["accuracy"] >= 0.8


# ---- 3. transfer learning and fine-tuning -------------------------------------------------

def _make_base():
    base_in = keras.Input(shape=(16, 16, 3))
    h = layers.Conv2D(8, 3, activation="relu", name="block1_conv")(base_in)
    h = layers.BatchNormalization(momentum=0.8, name="block1_bn")(h)
    h = layers.Conv2D(8, 3, activation="relu", name="block2_conv")(h)
    h = layers.MaxPooling2D(name="block2_pool")(h)
    return keras.Model(base_in, h, name="base")


def test_transfer_learning_and_fine_tuning(tmp_path):
    keras.utils.set_random_seed(2)
    rng = np.random.default_rng(2)
    x, y = _bright_dark(rng, 64, (16, 16, 3))
    train_ds = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(64, seed=0).batch(16)

    # a "pre-trained" base: trained for a moment on the task under a throw-away head
    base_model = _make_base()
    pretrain = keras.Sequential([keras.Input((16, 16, 3)), layers.Rescaling(2.0, offset=-1.0),
                                 base_model, layers.GlobalAveragePooling2D(), layers.Dense(1)])
    pretrain.compile(optimizer=keras.optimizers.Adam(1e-2),
                     loss=keras.losses.BinaryCrossentropy(from_logits=True))
    pretrain.fit(x, y, batch_size=16, epochs=2, verbose=0)
    base_model.trainable = False
    assert len(base_model.trainable_variables) == 0
    assert len(base_model.non_trainable_variables) == 8

    inputs = keras.Input(shape=(16, 16, 3))
    h = layers.RandomFlip("horizontal")(inputs)
    h = layers.RandomRotation(0.05)(h)
    h = layers.Rescaling(scale=2.0, offset=-1.0)(h)
    h = base_model(h, training=False)
    h = layers.GlobalAveragePooling2D()(h)
    h = layers.Dropout(0.2)(h)
    outputs = layers.Dense(1)(h)
    model = keras.Model(inputs, outputs)
    assert len(model.trainable_variables) == 2

    base_lr = 0.05
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=base_lr),
                  loss=keras.losses.BinaryCrossentropy(from_logits=True),
                  metrics=[keras.metrics.BinaryAccuracy(threshold=0.0, name="accuracy")])
    loss0, _ = model.evaluate(train_ds, verbose=0)
    before = {w.path: w.numpy().copy() for w in base_model.weights}
    history = model.fit(train_ds, epochs=3, verbose=0)
    # frozen: kernels, gamma/beta and the BatchNormalization statistics are unchanged
    for w in base_model.weights:
        np.testing.assert_array_equal(w.numpy(), before[w.path], err_msg=w.path)
    assert history.history["loss"][-1] < loss0

    # fine-tune the top of the base with a 10x lower learning rate
    base_model.trainable = True
    fine_tune_at = 3
    for layer in base_model.layers[:fine_tune_at]:
        layer.trainable = False
    model.compile(optimizer=keras.optimizers.RMSprop(learning_rate=base_lr / 10),
                  loss=keras.losses.BinaryCrossentropy(from_logits=True),
                  metrics=[keras.metrics.BinaryAccuracy(threshold=0.0, name="accuracy")])
    assert len(model.trainable_variables) == 4
    before = {w.path: w.numpy().copy() for w in base_model.weights}
    history_fine = model.fit(train_ds, epochs=6, initial_epoch=history.epoch[-1] + 1,
                             verbose=0)
    assert history_fine.epoch == [3, 4, 5]
    changed = {w.path: not np.array_equal(w.numpy(), before[w.path])
               for w in base_model.weights}
    assert changed == {"block1_conv/kernel": False, "block1_conv/bias": False,
                       "block1_bn/gamma": False, "block1_bn/beta": False,
                       "block1_bn/moving_mean": False, "block1_bn/moving_variance": False,
                       "block2_conv/kernel": True, "block2_conv/bias": True}
    final_loss, final_acc = model.evaluate(train_ds, verbose=0)
    assert final_loss < loss0 and final_acc >= 0.9

    # save / load round trip: same predictions, same frozen flags
    pred = model.predict(x[:8], verbose=0)
    path = str(tmp_path / "model.keras")
    model.save(path)
    reloaded = keras.models.load_model(path)
    np.testing.assert_array_equal(reloaded.predict(x[:8], verbose=0), pred)
    assert [l.trainable for l in reloaded.get_layer("base").layers[1:]] == \
        [False, False, True, True]

    # ONNX: the augmentation layers are the identity at inference
    import onnxruntime as ort
    onnx_path = str(tmp_path / "model.onnx")
    model.export(onnx_path, format="onnx", verbose=False)
    sess = ort.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])
    out = sess.run(None, {sess.get_inputs()[0].name: x[:8]})[0]
    np.testing.assert_allclose(out, pred, rtol=1e-5, atol=1e-5)


# ---- 4. custom training loop, checkpoints, summaries, MirroredStrategy --------------------

class _SmallCNN(keras.Model):
    def __init__(self):
        super().__init__()
        self.conv1 = layers.Conv2D(8, 3, activation="relu")
        self.pool = layers.MaxPooling2D()
        self.flatten = layers.Flatten()
        self.d1 = layers.Dense(16, activation="relu")
        self.d2 = layers.Dense(2)

    def call(self, x):
        x = x * 2.0 - 1.0            # pixels from [0, 1] to [-1, 1]
        return self.d2(self.d1(self.flatten(self.pool(self.conv1(x)))))


def _read_scalars(logdir):
    """(step, tag, value) of every scalar in the event files under ``logdir``."""
    from tensorboardX.proto import event_pb2
    out = []
    for name in sorted(os.listdir(logdir)):
        for record in tf.data.TFRecordDataset(os.path.join(logdir, name)):
            event = event_pb2.Event.FromString(record.numpy())
            for v in event.summary.value:
                value = v.simple_value if v.HasField("simple_value") else \
                    (np.frombuffer(v.tensor.tensor_content, np.float32)[0]
                     if v.tensor.tensor_content else
                     (v.tensor.float_val[0] if v.tensor.float_val else None))
                out.append((event.step, v.tag, value))
    return out


def test_custom_training_loop_checkpoint_summary_and_mirrored_strategy(tmp_path):
    tf.random.set_seed(1)
    keras.utils.set_random_seed(1)
    rng = np.random.default_rng(1)
    x, y = _bright_dark(rng, 100, (12, 12, 1))
    y = y.astype("int64")
    ds = tf.data.Dataset.from_tensor_slices((x, y)).batch(16)     # last batch: 4

    model = _SmallCNN()
    loss_object = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    optimizer = keras.optimizers.Adam(1e-2)
    train_loss = keras.metrics.Mean(name="train_loss")
    train_accuracy = keras.metrics.SparseCategoricalAccuracy(name="train_accuracy")
    writer = tf.summary.create_file_writer(str(tmp_path / "logs"))

    @tf.function
    def train_step(images, labels):
        with tf.GradientTape() as tape:
            predictions = model(images, training=True)
            loss = loss_object(labels, predictions)
        gradients = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(gradients, model.trainable_variables))
        train_loss(loss)
        train_accuracy(labels, predictions)
        with writer.as_default():
            tf.summary.scalar("batch_loss", loss, step=optimizer.iterations)

    ckpt = tf.train.Checkpoint(step=tf.Variable(0), optimizer=optimizer, model=model)
    manager = tf.train.CheckpointManager(ckpt, str(tmp_path / "tf_ckpts"), max_to_keep=2)
    assert manager.latest_checkpoint is None
    epoch_losses = []
    for epoch in range(3):
        train_loss.reset_state()
        train_accuracy.reset_state()
        for images, labels in ds:
            train_step(images, labels)
            ckpt.step.assign_add(1)
        epoch_losses.append(float(train_loss.result()))
        with writer.as_default():
            tf.summary.scalar("epoch_accuracy", train_accuracy.result(), step=epoch)
            tf.summary.image("inputs", images[:2], step=epoch, max_outputs=2)
        manager.save()
    writer.flush()
    assert epoch_losses[-1] < epoch_losses[0]
    assert float(train_accuracy.result()) >= 0.9
    assert int(optimizer.iterations.numpy()) == 21 and int(ckpt.step.numpy()) == 21
    assert [os.path.basename(p) for p in manager.checkpoints] == ["ckpt-2", "ckpt-3"]

    # the summaries: one batch_loss per optimizer step (steps 1..21), one accuracy per epoch
    scalars = _read_scalars(str(tmp_path / "logs"))
    batch_steps = [s for s, tag, _ in scalars if tag == "batch_loss"]
    assert batch_steps == list(range(1, 22))
    acc = [(s, v) for s, tag, v in scalars if tag == "epoch_accuracy"]
    assert [s for s, _ in acc] == [0, 1, 2]
    np.testing.assert_allclose(acc[-1][1], float(train_accuracy.result()), rtol=1e-6)

    # one more epoch from here is the reference for a resumed run
    for images, labels in ds:
        train_step(images, labels)
    reference = model(x[:5]).numpy()

    # a fresh model and optimizer, restored before they have variables (deferred restore):
    # with the Adam slots and the step count restored, the next epoch is identical
    model = _SmallCNN()
    optimizer = keras.optimizers.Adam(1e-2)
    ckpt2 = tf.train.Checkpoint(step=tf.Variable(0), optimizer=optimizer, model=model)
    status = ckpt2.restore(manager.latest_checkpoint)
    assert int(ckpt2.step.numpy()) == 21
    for images, labels in ds:
        train_step(images, labels)
    status.assert_consumed()
    assert int(optimizer.iterations.numpy()) == 28
    np.testing.assert_allclose(model(x[:5]).numpy(), reference, rtol=1e-5, atol=1e-6)

    # the same loop under MirroredStrategy matches a plain loop step for step
    def make_model():
        return keras.Sequential([keras.Input((12, 12, 1)), layers.Conv2D(4, 3, activation="relu"),
                                 layers.MaxPooling2D(), layers.Flatten(), layers.Dense(2)])

    plain = make_model()
    strategy = tf.distribute.MirroredStrategy()
    GLOBAL_BATCH_SIZE = 16 * strategy.num_replicas_in_sync
    with strategy.scope():
        dmodel = make_model()
        dmodel.set_weights(plain.get_weights())
        doptimizer = keras.optimizers.SGD(learning_rate=0.1)
        dloss_object = keras.losses.SparseCategoricalCrossentropy(from_logits=True,
                                                                  reduction="none")
        daccuracy = keras.metrics.SparseCategoricalAccuracy(name="train_accuracy")

    def compute_loss(labels, predictions):
        per_example_loss = dloss_object(labels, predictions)
        return tf.nn.compute_average_loss(per_example_loss,
                                          global_batch_size=GLOBAL_BATCH_SIZE)

    def dtrain_step(inputs):
        images, labels = inputs
        with tf.GradientTape() as tape:
            predictions = dmodel(images, training=True)
            loss = compute_loss(labels, predictions)
        gradients = tape.gradient(loss, dmodel.trainable_variables)
        doptimizer.apply_gradients(zip(gradients, dmodel.trainable_variables))
        daccuracy.update_state(labels, predictions)
        return loss

    @tf.function
    def distributed_train_step(dataset_inputs):
        per_replica_losses = strategy.run(dtrain_step, args=(dataset_inputs,))
        return strategy.reduce(tf.distribute.ReduceOp.SUM, per_replica_losses, axis=None)

    dist_ds = strategy.experimental_distribute_dataset(
        tf.data.Dataset.from_tensor_slices((x, y)).batch(GLOBAL_BATCH_SIZE, drop_remainder=True))
    dist_losses = []
    for _ in range(2):
        total, batches = 0.0, 0
        for batch in dist_ds:
            total += float(distributed_train_step(batch))
            batches += 1
        dist_losses.append(total / batches)

    popt = keras.optimizers.SGD(learning_rate=0.1)
    plain_losses = []
    for _ in range(2):
        total, batches = 0.0, 0
        for images, labels in tf.data.Dataset.from_tensor_slices((x, y)).batch(16, True):
            with tf.GradientTape() as tape:
                loss = loss_object(labels, plain(images, training=True))
            grads = tape.gradient(loss, plain.trainable_variables)
            popt.apply_gradients(zip(grads, plain.trainable_variables))
            total += float(loss)
            batches += 1
        plain_losses.append(total / batches)
    np.testing.assert_allclose(dist_losses, plain_losses, rtol=1e-5)
    for a, b in zip(dmodel.get_weights(), plain.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert dist_losses[1] < dist_losses[0]


# ---- 5. callbacks, custom layers and saving -----------------------------------------------

@keras.utils.register_keras_serializable(package="VisionTut")
class ScaledDense(layers.Layer):
    def __init__(self, units=8, scale=1.0, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.scale = scale

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units),
                                 initializer="random_normal", trainable=True, name="w")
        self.b = self.add_weight(shape=(self.units,), initializer="zeros", trainable=True,
                                 name="b")

    def call(self, inputs):
        return self.scale * (tf.matmul(inputs, self.w) + self.b)

    def get_config(self):
        config = super().get_config()
        config.update({"units": self.units, "scale": self.scale})
        return config


class Amplify(layers.Layer):        # not registered: needs custom_objects to load
    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def call(self, x):
        return x * self.factor

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


def _callback_model():
    model = keras.Sequential([
        keras.Input((8, 8, 1)),
        layers.Conv2D(4, 3, activation="relu"),
        layers.Flatten(),
        ScaledDense(8, scale=0.5),
        Amplify(1.5),
        layers.Activation("relu"),
        layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1),
                  loss="binary_crossentropy", metrics=["accuracy"])
    return model


class _Recorder(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.events = []

    def on_train_begin(self, logs=None):
        self.events.append(("train_begin",))

    def on_epoch_begin(self, epoch, logs=None):
        self.events.append(("epoch_begin", epoch))

    def on_train_batch_end(self, batch, logs=None):
        self.events.append(("batch_end", batch, sorted(logs)))

    def on_epoch_end(self, epoch, logs=None):
        lr = float(keras.backend.get_value(self.model.optimizer.learning_rate))
        self.events.append(("epoch_end", epoch, sorted(logs), lr))

    def on_train_end(self, logs=None):
        self.events.append(("train_end",))

    def on_predict_batch_end(self, batch, logs=None):
        self.events.append(("predict_batch_end", batch, sorted(logs)))


def test_callbacks_and_custom_layer_saving(tmp_path):
    keras.utils.set_random_seed(3)
    rng = np.random.default_rng(3)
    x, y = _bright_dark(rng, 64, (8, 8, 1))
    y = y.astype("float32")

    def scheduler(epoch, lr):
        return lr if epoch < 2 else lr * math.exp(-0.5)

    model = _callback_model()
    recorder = _Recorder()
    csv_path = str(tmp_path / "training.log")
    history = model.fit(
        x, y, batch_size=16, epochs=4, validation_split=0.25, verbose=0,
        callbacks=[recorder,
                   keras.callbacks.LearningRateScheduler(scheduler),
                   keras.callbacks.TensorBoard(log_dir=str(tmp_path / "tb"), histogram_freq=1),
                   keras.callbacks.CSVLogger(csv_path),
                   keras.callbacks.BackupAndRestore(backup_dir=str(tmp_path / "backup"))])
    expected_lr = [0.1, 0.1, 0.1 * math.exp(-0.5), 0.1 * math.exp(-1.0)]
    np.testing.assert_allclose(history.history["learning_rate"], expected_lr, rtol=1e-6)
    assert history.history["loss"][-1] < history.history["loss"][0]
    # 48 training samples in batches of 16: 3 batches per epoch
    kinds = [e[0] for e in recorder.events]
    assert kinds == ["train_begin"] + ["epoch_begin", "batch_end", "batch_end", "batch_end",
                                       "epoch_end"] * 4 + ["train_end"]
    epoch_ends = [e for e in recorder.events if e[0] == "epoch_end"]
    assert all(e[2] == ["accuracy", "loss", "val_accuracy", "val_loss"] for e in epoch_ends)
    np.testing.assert_allclose([e[3] for e in epoch_ends], expected_lr, rtol=1e-6)
    with open(csv_path) as f:
        rows = list(csv.DictReader(f))
    assert [int(r["epoch"]) for r in rows] == [0, 1, 2, 3]
    np.testing.assert_allclose([float(r["loss"]) for r in rows], history.history["loss"],
                               rtol=1e-6)
    assert sorted(os.listdir(tmp_path / "tb")) == ["train", "validation"]
    assert os.listdir(tmp_path / "tb" / "train")
    assert not os.path.exists(tmp_path / "backup") or not os.listdir(tmp_path / "backup")

    # ReduceLROnPlateau: with min_delta=100 no epoch "improves", so after patience=1 the
    # rate halves each epoch down to min_lr (TensorFlow 2.21 gives the same list)
    model2 = _callback_model()
    h2 = model2.fit(x, y, epochs=6, verbose=0, callbacks=[keras.callbacks.ReduceLROnPlateau(
        monitor="loss", factor=0.5, patience=1, min_delta=100.0, min_lr=0.02)])
    np.testing.assert_allclose(h2.history["learning_rate"],
                               [0.1, 0.1, 0.05, 0.025, 0.02, 0.02], rtol=1e-6)

    # predict callbacks and saving with a custom layer
    preds = model.predict(x[:20], batch_size=10, verbose=0, callbacks=[recorder])
    # (same batch size below: results are then bit-identical)
    assert recorder.events[-2:] == [("predict_batch_end", 0, ["outputs"]),
                                    ("predict_batch_end", 1, ["outputs"])]
    path = str(tmp_path / "custom.keras")
    model.save(path)
    with pytest.raises(Exception, match="Amplify"):
        keras.models.load_model(path)
    loaded = keras.models.load_model(path, custom_objects={"Amplify": Amplify})
    np.testing.assert_array_equal(loaded.predict(x[:20], batch_size=10, verbose=0), preds)
    assert isinstance(loaded.layers[2], ScaledDense) and loaded.layers[2].scale == 0.5
    assert isinstance(loaded.layers[3], Amplify) and loaded.layers[3].factor == 1.5
    assert keras.utils.get_registered_name(ScaledDense) == "VisionTut>ScaledDense"
    with keras.utils.custom_object_scope({"Amplify": Amplify}):
        scoped = keras.models.load_model(path)
    np.testing.assert_array_equal(scoped.predict(x[:20], batch_size=10, verbose=0), preds)
    h5 = str(tmp_path / "model.h5")
    model.save(h5)
    from_h5 = keras.models.load_model(h5, custom_objects={"Amplify": Amplify})
    np.testing.assert_array_equal(from_h5.predict(x[:20], batch_size=10, verbose=0), preds)

    # BackupAndRestore: a run interrupted at epoch 2 resumes there and ends with the same
    # weights as an uninterrupted run (no shuffling, so the batches are the same)
    class InterruptAt2(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            if epoch == 2:
                raise RuntimeError("Interrupting!")

    keras.utils.set_random_seed(5)
    uninterrupted = _callback_model()
    init = uninterrupted.get_weights()
    uninterrupted.fit(x, y, epochs=4, batch_size=16, shuffle=False, verbose=0)
    resumed = _callback_model()
    resumed.set_weights(init)
    backup = str(tmp_path / "backup2")
    with pytest.raises(RuntimeError, match="Interrupting"):
        resumed.fit(x, y, epochs=4, batch_size=16, shuffle=False, verbose=0,
                    callbacks=[keras.callbacks.BackupAndRestore(backup_dir=backup),
                               InterruptAt2()])
    again = _callback_model()
    again.set_weights(init)
    h3 = again.fit(x, y, epochs=4, batch_size=16, shuffle=False, verbose=0,
                   callbacks=[keras.callbacks.BackupAndRestore(backup_dir=backup)])
    assert h3.epoch == [2, 3]
    for a, b in zip(again.get_weights(), uninterrupted.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


# ---- 6. data augmentation with tf.image and random seeds --------------------------------

def test_data_augmentation_with_tf_image(tmp_path):
    rng = np.random.default_rng(4)
    imgs = rng.integers(0, 256, size=(6, 20, 24, 3)).astype(np.uint8)
    labels = np.arange(6) % 3
    ds = tf.data.Dataset.from_tensor_slices((imgs, labels))
    image, label = next(iter(ds))
    IMG_SIZE = 16

    resize_and_rescale = keras.Sequential([layers.Resizing(IMG_SIZE, IMG_SIZE),
                                           layers.Rescaling(1. / 255)])
    result = resize_and_rescale(image)
    assert result.shape == (16, 16, 3) and result.dtype == tf.float32
    assert 0.0 <= float(tf.reduce_min(result)) and float(tf.reduce_max(result)) <= 1.0

    # the tf.image basics against NumPy
    img = imgs[0]
    np.testing.assert_array_equal(tf.image.flip_left_right(img).numpy(), img[:, ::-1])
    np.testing.assert_array_equal(tf.image.rot90(img).numpy(), np.rot90(img))
    gray = tf.image.rgb_to_grayscale(img)
    assert gray.shape == (20, 24, 1) and gray.dtype == tf.uint8
    assert tf.squeeze(gray).shape == (20, 24)
    cropped = tf.image.central_crop(img, central_fraction=0.5)
    np.testing.assert_array_equal(cropped.numpy(), img[5:15, 6:18])
    bright = tf.image.adjust_brightness(tf.image.convert_image_dtype(img, tf.float32), 0.1)
    np.testing.assert_allclose(bright.numpy(), img / 255.0 + 0.1, rtol=1e-5, atol=1e-6)

    # stateless ops: the same seed gives the same image, another seed another one
    a = tf.image.stateless_random_crop(img, size=[10, 10, 3], seed=(1, 0))
    b = tf.image.stateless_random_crop(img, size=[10, 10, 3], seed=(1, 0))
    c = [tf.image.stateless_random_brightness(img, max_delta=0.95, seed=(i, 0)).numpy()
         for i in range(4)]
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert len({arr.tobytes() for arr in c}) > 1

    # new seeds from a seed pair, a counter or a Generator
    s = tf.random.split((3, 4), num=2)
    assert s.shape == (2, 2) and s.dtype == tf.int32
    np.testing.assert_array_equal(s.numpy(), tf.random.split((3, 4), num=2).numpy())
    assert not np.array_equal(s.numpy()[0], s.numpy()[1])
    f = tf.random.fold_in(tf.constant([3, 4], tf.int64), 7)
    assert f.shape == (2,) and f.dtype == tf.int64
    assert not np.array_equal(f.numpy(), tf.random.fold_in([3, 4], 8).numpy())

    def resize_and_rescale_fn(image, label):
        image = tf.cast(image, tf.float32)
        image = tf.image.resize(image, [IMG_SIZE, IMG_SIZE])
        return image / 255.0, label

    def augment(image_label, seed):
        image, label = image_label
        image, label = resize_and_rescale_fn(image, label)
        image = tf.image.resize_with_crop_or_pad(image, IMG_SIZE + 6, IMG_SIZE + 6)
        new_seed = tf.random.split(seed, num=1)[0, :]
        image = tf.image.stateless_random_crop(image, size=[IMG_SIZE, IMG_SIZE, 3], seed=seed)
        image = tf.image.stateless_random_brightness(image, max_delta=0.5, seed=new_seed)
        return tf.clip_by_value(image, 0, 1), label

    counter = tf.data.experimental.Counter()
    train_ds = tf.data.Dataset.zip((ds, (counter, counter)))
    train_ds = (train_ds.map(augment, num_parallel_calls=tf.data.AUTOTUNE)
                .batch(3).prefetch(tf.data.AUTOTUNE))
    first = [b[0].numpy() for b in train_ds]
    second = [b[0].numpy() for b in train_ds]
    assert [a.shape for a in first] == [(3, 16, 16, 3)] * 2
    assert all(0.0 <= a.min() and a.max() <= 1.0 for a in first)
    for u, v in zip(first, second):          # seeds come from the counter: reproducible
        np.testing.assert_array_equal(u, v)

    gen = tf.random.Generator.from_seed(123, alg="philox")

    def f(x, y):
        seed = gen.make_seeds(2)[0]
        return augment((x, y), seed)

    gen_ds = ds.shuffle(100).map(f, num_parallel_calls=tf.data.AUTOTUNE).batch(3)
    assert next(iter(gen_ds))[0].shape == (3, 16, 16, 3)

    # Keras augmentation layers in a model, including RandomCrop and RandomBrightness
    model = keras.Sequential([
        keras.Input((20, 24, 3)),
        layers.RandomCrop(16, 16, seed=1),
        layers.RandomBrightness(0.2, seed=2),
        layers.RandomContrast(0.2, seed=3),
        layers.Rescaling(1. / 255),
        layers.Conv2D(4, 3, padding="same", activation="relu"),
        layers.GlobalAveragePooling2D(),
        layers.Dense(3),
    ])
    assert model.output_shape == (None, 3)
    model.compile(optimizer="adam",
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(ds.batch(2).map(lambda a, b: (tf.cast(a, tf.float32), b)), epochs=1, verbose=0)
    # at inference RandomBrightness / RandomContrast pass the images through, and
    # RandomCrop takes the largest centred window of the target's aspect ratio and resizes
    # it (bilinear): 20x24 -> crop 20x20 -> 10x10 averages 2x2 blocks
    probe = keras.Model(model.inputs, model.layers[2].output)
    np.testing.assert_array_equal(probe.predict(imgs.astype("float32"), verbose=0),
                                  model.layers[0](imgs.astype("float32"), training=False))
    blocks = imgs[:, :, 2:22].astype(np.float64).reshape(6, 10, 2, 10, 2, 3).mean(axis=(2, 4))
    centre = layers.RandomCrop(10, 10)(imgs.astype("float32"), training=False)
    np.testing.assert_allclose(centre.numpy(), blocks, rtol=1e-6)
    crop = layers.RandomCrop(16, 16, seed=7)
    trained = crop(imgs.astype("float32"), training=True).numpy()
    assert trained.shape == (6, 16, 16, 3)
    windows = {(t, l) for t in range(5) for l in range(9)
               if np.array_equal(trained, imgs[:, t:t + 16, l:l + 16])}
    assert len(windows) == 1          # one window of the original, the same for the batch
