"""Text and sequence programs in the style of the TensorFlow / Keras tutorials, run on
ndflow with only the import changed (``import ndflow as tf``, ``from ndflow import keras``).

Each program is small (synthetic data made here, a few epochs) and checks outcomes: the
vocabulary against one counted by hand, accuracy well above chance on an easy task,
predictions identical after saving and loading, checkpoints that restore the exact
weights.  Constants marked "real TF 2.21" were produced by running the same lines with
TensorFlow 2.21 / Keras 3 and pasted in.
"""
import collections
import os
import re
import string
import struct

import numpy as np
import pytest

import ndflow as tf
from ndflow import keras

layers = keras.layers


# ---- 1. text classification: raw strings -> TextVectorization -> Embedding -> Dense -------

POSITIVE = ["great", "wonderful", "excellent", "loved", "amazing"]
NEGATIVE = ["awful", "terrible", "boring", "hated", "worst"]
FILLER = ["the", "movie", "plot", "was", "and", "actor", "a", "film"]


def make_reviews(n, rng):
    """Reviews of filler words plus one sentiment word (sometimes upper-case), with an
    HTML line break and punctuation that the standardization must remove."""
    texts, labels = [], []
    for _ in range(n):
        label = int(rng.integers(0, 2))
        words = list(rng.choice(FILLER, 6))
        word = str(rng.choice(POSITIVE if label else NEGATIVE))
        if rng.random() < 0.3:
            word = word.upper()
        words.insert(int(rng.integers(0, 7)), word)
        texts.append(" ".join(words) + "<br /> !!")
        labels.append(label)
    return np.array(texts), np.array(labels)


# module level, as in the tutorial: saved by name, loaded back through custom_objects
def custom_standardization(input_data):
    lowercase = tf.strings.lower(input_data)
    stripped_html = tf.strings.regex_replace(lowercase, "<br />", " ")
    return tf.strings.regex_replace(stripped_html, "[%s]" % re.escape(string.punctuation), "")


def test_text_classification_end_to_end(tmp_path):
    rng = np.random.default_rng(0)
    x_train, y_train = make_reviews(400, rng)
    x_val, y_val = make_reviews(100, rng)
    raw_train_ds = tf.data.Dataset.from_tensor_slices((x_train, y_train)).batch(32)
    raw_val_ds = tf.data.Dataset.from_tensor_slices((x_val, y_val)).batch(32)

    max_features, sequence_length = 50, 12
    vectorize_layer = layers.TextVectorization(
        standardize=custom_standardization, max_tokens=max_features, output_mode="int",
        output_sequence_length=sequence_length)
    vectorize_layer.adapt(raw_train_ds.map(lambda x, y: x))

    # the vocabulary counted by hand: most frequent first, ties by the token, descending
    counts = collections.Counter()
    for t in x_train:
        t = t.lower().replace("<br />", " ")
        counts.update(re.sub("[%s]" % re.escape(string.punctuation), "", t).split())
    expected = ["", "[UNK]"] + sorted(counts, key=lambda w: (counts[w], w), reverse=True)
    assert vectorize_layer.get_vocabulary() == expected
    assert len(expected) < max_features

    def vectorize_text(text, label):
        text = tf.expand_dims(text, -1)
        return vectorize_layer(text), label

    text_batch, _ = next(iter(raw_train_ds))
    first = vectorize_text(text_batch[0], 0)[0].numpy()
    words = custom_standardization(tf.constant([x_train[0]])).numpy()[0].split()
    assert first.shape == (1, sequence_length)
    assert first[0, :len(words)].tolist() == [expected.index(w) for w in words]
    assert first[0, len(words):].tolist() == [0] * (sequence_length - len(words))

    train_ds = raw_train_ds.map(vectorize_text).cache().prefetch(buffer_size=tf.data.AUTOTUNE)
    val_ds = raw_val_ds.map(vectorize_text).cache().prefetch(buffer_size=tf.data.AUTOTUNE)

    keras.utils.set_random_seed(1)
    model = keras.Sequential([
        layers.Embedding(max_features, 16, mask_zero=True),
        layers.Dropout(0.2),
        layers.GlobalAveragePooling1D(),
        layers.Dropout(0.2),
        layers.Dense(1)])
    model.compile(loss=keras.losses.BinaryCrossentropy(from_logits=True),
                  optimizer=keras.optimizers.Adam(0.05),
                  metrics=[tf.metrics.BinaryAccuracy(threshold=0.0)])
    history = model.fit(train_ds, validation_data=val_ds, epochs=3, verbose=0)
    h = history.history
    assert sorted(h) == ["binary_accuracy", "loss", "val_binary_accuracy", "val_loss"]
    assert h["loss"][-1] < h["loss"][0] / 3
    loss, accuracy = model.evaluate(val_ds, verbose=0)
    assert accuracy >= 0.95 and loss == pytest.approx(h["val_loss"][-1], rel=1e-5)

    # an export model that takes raw strings
    export_model = keras.Sequential([vectorize_layer, model, layers.Activation("sigmoid")])
    export_model.compile(loss=keras.losses.BinaryCrossentropy(from_logits=False),
                         optimizer="adam", metrics=["accuracy"])
    _, raw_accuracy = export_model.evaluate(raw_val_ds, verbose=0)
    assert raw_accuracy == pytest.approx(accuracy)
    examples = tf.constant(["The movie was GREAT!", "the movie was terrible...",
                            "a boring film<br />"])
    predictions = export_model.predict(examples, verbose=0)
    assert predictions.shape == (3, 1)
    assert predictions[0, 0] > 0.9 and predictions[1, 0] < 0.1 and predictions[2, 0] < 0.1

    path = str(tmp_path / "text_classifier.keras")
    export_model.save(path)
    with pytest.warns(UserWarning, match="optimizer"):   # never trained: no optimizer state
        reloaded = keras.models.load_model(
            path, custom_objects={"custom_standardization": custom_standardization})
    assert np.array_equal(reloaded.predict(examples, verbose=0), predictions)
    assert reloaded.layers[0].get_vocabulary() == expected
    # without the function the error names it and says how to pass it
    with pytest.raises(Exception, match="custom_standardization.*custom_objects"):
        keras.models.load_model(path)


# ---- 2. sequence model: pad_sequences, stacked (bidirectional) LSTMs, callbacks -----------

def test_sequence_model_with_callbacks(tmp_path):
    seqs = [[1, 2, 3], [4, 5], [6]]
    assert keras.utils.pad_sequences(seqs).tolist() == [[1, 2, 3], [0, 4, 5], [0, 0, 6]]
    assert keras.preprocessing.sequence.pad_sequences(
        seqs, maxlen=2, padding="post", truncating="post", value=-1).tolist() == \
        [[1, 2], [4, 5], [6, -1]]
    assert tf.keras.preprocessing.sequence.pad_sequences(seqs, maxlen=2).tolist() == \
        [[2, 3], [4, 5], [0, 6]]

    # label: does token 7 occur in the sequence?
    rng = np.random.default_rng(0)
    sequences, labels = [], []
    for _ in range(300):
        n = int(rng.integers(3, 13))
        s = [int(v) for v in rng.integers(1, 7, n)]
        label = int(rng.random() < 0.5)
        if label:
            s[int(rng.integers(0, n))] = 7
        sequences.append(s)
        labels.append(label)
    x = keras.utils.pad_sequences(sequences, maxlen=12, padding="post")
    y = np.array(labels)
    assert x.shape == (300, 12) and x.dtype == np.int32
    assert all(x[i, :len(s)].tolist() == s and not x[i, len(s):].any()
               for i, s in enumerate(sequences))

    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.Input(shape=(None,), dtype="int64"),
        layers.Embedding(8, 8, mask_zero=True),
        layers.Bidirectional(layers.LSTM(8, return_sequences=True)),
        layers.LSTM(8),
        layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.Adam(0.02), loss="binary_crossentropy",
                  metrics=["accuracy"])
    assert model.output_shape == (None, 1)
    # Embedding 8*8, Bidirectional 2 * 4*(8*8 + 8*8 + 8), LSTM 4*(16*8 + 8*8 + 8), Dense 9
    assert model.count_params() == 64 + 2 * 4 * (64 + 64 + 8) + 4 * (128 + 64 + 8) + 9

    checkpoint = str(tmp_path / "best.weights.h5")
    early = keras.callbacks.EarlyStopping(monitor="val_loss", patience=1,
                                          restore_best_weights=True)
    callbacks = [early, keras.callbacks.ModelCheckpoint(
        checkpoint, monitor="val_loss", save_best_only=True, save_weights_only=True)]
    history = model.fit(x, y, validation_split=0.2, epochs=4, batch_size=32,
                        callbacks=callbacks, verbose=0)
    val_loss = history.history["val_loss"]
    assert early.best_epoch == int(np.argmin(val_loss))
    assert history.history["loss"][-1] < history.history["loss"][0]
    _, accuracy = model.evaluate(x, y, verbose=0)
    assert accuracy > 0.9

    predictions = model.predict(x[:8], verbose=0)
    assert predictions.shape == (8, 1)
    assert ((predictions[:, 0] > 0.5) == (y[:8] == 1)).mean() >= 0.75
    # the model ends with the best weights, which are the ones ModelCheckpoint kept
    clone = keras.models.clone_model(model)
    clone.load_weights(checkpoint)
    assert np.array_equal(clone.predict(x[:8], verbose=0), predictions)
    # padding is masked: trailing zeros do not change the prediction
    longer = np.concatenate([x[:8], np.zeros((8, 5), x.dtype)], axis=1)
    np.testing.assert_allclose(model.predict(longer, verbose=0), predictions, rtol=1e-5,
                               atol=1e-6)


# ---- 3. character model: unicode_split, StringLookup, GRU with state, generation ----------

class CharModel(keras.Model):
    def __init__(self, vocab_size, embedding_dim, rnn_units):
        super().__init__()
        self.embedding = layers.Embedding(vocab_size, embedding_dim)
        self.gru = layers.GRU(rnn_units, return_sequences=True, return_state=True)
        self.dense = layers.Dense(vocab_size)

    def call(self, inputs, states=None, return_state=False, training=False):
        x = self.embedding(inputs, training=training)
        if states is None:
            states = self.gru.get_initial_state(x)      # TF 2 tutorials pass the inputs
        x, states = self.gru(x, initial_state=states, training=training)
        x = self.dense(x, training=training)
        return (x, states) if return_state else x

    # Keras 3 "customizing fit": compute_loss, then every metric of self.metrics
    def train_step(self, data):
        inputs, labels = data
        with tf.GradientTape() as tape:
            predictions = self(inputs, training=True)
            loss = self.compute_loss(x=inputs, y=labels, y_pred=predictions)
        grads = tape.gradient(loss, self.trainable_variables)
        self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
            else:
                metric.update_state(labels, predictions)
        return {m.name: m.result() for m in self.metrics}


class OneStep(keras.Model):
    def __init__(self, model, chars_from_ids, ids_from_chars, temperature=1.0):
        super().__init__()
        self.temperature = temperature
        self.model = model
        self.chars_from_ids = chars_from_ids
        self.ids_from_chars = ids_from_chars
        # never predict "[UNK]"
        skip_ids = self.ids_from_chars(["[UNK]"])[:, None]
        self.prediction_mask = tf.tensor_scatter_nd_update(
            tf.zeros([len(ids_from_chars.get_vocabulary())]), skip_ids,
            [-float("inf")] * len(skip_ids))

    @tf.function
    def generate_one_step(self, inputs, states=None):
        input_chars = tf.strings.unicode_split(inputs, "UTF-8")
        input_ids = self.ids_from_chars(input_chars).to_tensor()
        predicted_logits, states = self.model(inputs=input_ids, states=states,
                                              return_state=True)
        predicted_logits = predicted_logits[:, -1, :] / self.temperature
        predicted_logits = predicted_logits + self.prediction_mask
        predicted_ids = tf.random.categorical(predicted_logits, num_samples=1)
        predicted_ids = tf.squeeze(predicted_ids, axis=-1)
        return self.chars_from_ids(predicted_ids), states


def test_character_model_generates_text():
    text = "abcdefgh" * 60
    vocab = sorted(set(text))
    ids_from_chars = layers.StringLookup(vocabulary=list(vocab), mask_token=None)
    chars_from_ids = layers.StringLookup(vocabulary=ids_from_chars.get_vocabulary(),
                                         invert=True, mask_token=None)
    assert ids_from_chars.get_vocabulary() == ["[UNK]"] + vocab

    chars = tf.strings.unicode_split(["abc", "hx"], input_encoding="UTF-8")
    ids = ids_from_chars(chars)
    assert ids.to_list() == [[1, 2, 3], [8, 0]]                       # ragged stays ragged
    assert ids.to_tensor().numpy().tolist() == [[1, 2, 3], [8, 0, 0]]
    back = tf.strings.reduce_join(chars_from_ids(ids), axis=-1)
    assert back.numpy().tolist() == ["abc", "h[UNK]"]

    def text_from_ids(ids):
        return tf.strings.reduce_join(chars_from_ids(ids), axis=-1)

    all_ids = ids_from_chars(tf.strings.unicode_split(text, "UTF-8"))
    assert all_ids.numpy().tolist() == [vocab.index(c) + 1 for c in text]
    ids_dataset = tf.data.Dataset.from_tensor_slices(all_ids)
    seq_length = 10
    sequences = ids_dataset.batch(seq_length + 1, drop_remainder=True)

    def split_input_target(sequence):
        return sequence[:-1], sequence[1:]

    assert split_input_target(list("Tensorflow")) == (list("Tensorflo"), list("ensorflow"))
    dataset = sequences.map(split_input_target)
    assert len(list(dataset)) == len(text) // (seq_length + 1)
    input_example, target_example = next(iter(dataset))
    assert text_from_ids(input_example).numpy() == text[:10]
    assert text_from_ids(target_example).numpy() == text[1:11]

    dataset = dataset.shuffle(100, seed=0).batch(4, drop_remainder=True).prefetch(
        tf.data.experimental.AUTOTUNE)
    vocab_size = len(ids_from_chars.get_vocabulary())
    keras.utils.set_random_seed(0)
    model = CharModel(vocab_size=vocab_size, embedding_dim=8, rnn_units=32)
    loss = tf.losses.SparseCategoricalCrossentropy(from_logits=True)
    batch_in, batch_target = next(iter(dataset))
    logits = model(batch_in)
    assert logits.shape == (4, seq_length, vocab_size)
    # an untrained model is close to uniform: the mean loss is near log(vocab_size)
    assert float(loss(batch_target, logits)) == pytest.approx(np.log(vocab_size), abs=0.1)
    sampled = tf.squeeze(tf.random.categorical(logits[0], num_samples=1), axis=-1)
    assert sampled.shape == (seq_length,)
    assert all(0 <= i < vocab_size for i in sampled.numpy().tolist())

    model.compile(optimizer=keras.optimizers.Adam(0.02), loss=loss, metrics=["accuracy"])
    history = model.fit(dataset, epochs=3, verbose=0).history
    assert sorted(history) == ["accuracy", "loss"]
    assert history["loss"][-1] < history["loss"][0] / 3
    assert history["accuracy"][-1] > 0.95
    assert model.evaluate(dataset, verbose=0, return_dict=True)["accuracy"] == 1.0

    # feeding the text in two pieces with the state carried over gives the same logits
    whole = model(input_example[None]).numpy()
    head, state = model(input_example[None, :4], return_state=True)
    tail = model(input_example[None, 4:], states=state)
    np.testing.assert_allclose(np.concatenate([head.numpy(), tail.numpy()], axis=1), whole,
                               rtol=1e-5, atol=1e-5)

    one_step_model = OneStep(model, chars_from_ids, ids_from_chars, temperature=0.01)
    states = None
    next_char = tf.constant(["abc", "efg"])
    result = [next_char]
    for _ in range(10):
        next_char, states = one_step_model.generate_one_step(next_char, states=states)
        result.append(next_char)
    result = tf.strings.join(result)
    assert result.numpy().tolist() == ["abc" + "defghabcde", "efg" + "habcdefgha"]


# ---- 4. custom training loop: GradientTape, metrics, Checkpoint(Manager), summaries -------

def read_scalars(logdir):
    """(step, tag, value) of every scalar in the event files under ``logdir``."""
    from tensorboardX.proto import event_pb2
    out = []
    for name in sorted(os.listdir(logdir)):
        raw = open(os.path.join(logdir, name), "rb").read()
        pos = 0
        while pos < len(raw):
            (length,) = struct.unpack("<Q", raw[pos:pos + 8])
            event = event_pb2.Event.FromString(raw[pos + 12:pos + 12 + length])
            pos += 16 + length
            for v in event.summary.value:
                out.append((event.step, v.tag, v.simple_value))
    return out


def test_custom_training_loop_with_checkpoints(tmp_path):
    rng = np.random.default_rng(0)
    colors = ["red", "green", "blue"]
    nouns = ["cat", "dog", "bird", "runs", "sleeps"]
    texts, labels = [], []
    for _ in range(256):
        label = int(rng.integers(0, 3))
        words = [str(w) for w in rng.choice(nouns, 4)] + [colors[label]]
        rng.shuffle(words)
        texts.append(" ".join(words))
        labels.append(label)
    vectorizer = layers.TextVectorization(max_tokens=20, output_sequence_length=6)
    vectorizer.adapt(texts)
    assert sorted(vectorizer.get_vocabulary()[2:]) == sorted(colors + nouns)
    x = vectorizer(np.array(texts))
    y = np.array(labels)
    ds = tf.data.Dataset.from_tensor_slices((x, y)).batch(32)     # same order every epoch

    keras.utils.set_random_seed(3)

    def make_model():
        return keras.Sequential([layers.Embedding(20, 8), layers.GlobalAveragePooling1D(),
                                 layers.Dense(3)])
    model = make_model()
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    optimizer = keras.optimizers.Adam(learning_rate=0.05)
    train_loss = keras.metrics.Mean(name="train_loss")
    train_accuracy = keras.metrics.SparseCategoricalAccuracy(name="train_accuracy")
    writer = tf.summary.create_file_writer(str(tmp_path / "logs"))
    ckpt = tf.train.Checkpoint(step=tf.Variable(0), optimizer=optimizer, model=model)
    manager = tf.train.CheckpointManager(ckpt, str(tmp_path / "ckpts"), max_to_keep=2)

    @tf.function
    def train_step(xb, yb):
        with tf.GradientTape() as tape:
            logits = model(xb, training=True)
            loss = loss_fn(yb, logits)
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        train_loss(loss)
        train_accuracy(yb, logits)
        return loss

    def run_epoch(epoch):
        train_loss.reset_state()
        train_accuracy.reset_state()
        batch_losses = []
        for xb, yb in ds:
            batch_losses.append(float(train_step(xb, yb)))
            ckpt.step.assign_add(1)
        assert float(train_loss.result()) == pytest.approx(np.mean(batch_losses), rel=1e-6)
        with writer.as_default():
            tf.summary.scalar("loss", train_loss.result(), step=epoch)
            tf.summary.scalar("accuracy", train_accuracy.result(), step=epoch)
        return float(train_loss.result()), float(train_accuracy.result())

    results, weights_after, paths = [], [], []
    for epoch in range(4):
        results.append(run_epoch(epoch))
        paths.append(manager.save())
        weights_after.append([w.numpy().copy() for w in model.weights])
    writer.flush()
    losses = [r[0] for r in results]
    assert losses[-1] < losses[0] / 2
    assert results[-1][1] > 0.9
    assert int(ckpt.step) == 4 * 8
    # max_to_keep=2: only the last two remain
    assert manager.checkpoints == paths[2:]
    assert manager.latest_checkpoint == paths[3] == tf.train.latest_checkpoint(
        str(tmp_path / "ckpts"))
    assert not os.path.exists(paths[0] + ".index")

    # go back to the end of epoch 3 (index 2): the exact weights and step come back, and
    # one more epoch from there (optimizer state restored too) repeats epoch 4 exactly
    ckpt.restore(paths[2]).assert_consumed()
    assert int(ckpt.step) == 3 * 8
    for got, want in zip(model.weights, weights_after[2]):
        assert np.array_equal(got.numpy(), want)
    assert run_epoch(3) == results[3]
    for got, want in zip(model.weights, weights_after[3]):
        assert np.array_equal(got.numpy(), want)

    # new objects: the model's weights are created later and restored when they are
    model2 = make_model()
    optimizer2 = keras.optimizers.Adam(learning_rate=0.05)
    ckpt2 = tf.train.Checkpoint(step=tf.Variable(0), optimizer=optimizer2, model=model2)
    ckpt2.restore(manager.latest_checkpoint)
    assert int(ckpt2.step) == 4 * 8
    np.testing.assert_array_equal(model2(x[:5]).numpy(), model(x[:5]).numpy())
    assert int(optimizer2.iterations) == int(optimizer.iterations) == 4 * 8

    scalars = read_scalars(str(tmp_path / "logs"))
    assert [(s, t) for s, t, _ in scalars] == [(e, t) for e in (0, 1, 2, 3, 3)
                                               for t in ("loss", "accuracy")]
    assert [v for _, t, v in scalars if t == "loss"] == pytest.approx(losses + [losses[3]],
                                                                      rel=1e-6)


# ---- 5. multi-hot / tf-idf n-grams, lookups, hashed crosses, text files on disk -----------

def test_bag_of_ngrams_lookups_and_crosses(tmp_path):
    texts = ["the cat sat", "the dog sat", "the cat ran fast", "a dog"]
    ds = tf.data.Dataset.from_tensor_slices(texts).batch(2)
    # real TF 2.21: the vocabulary of TextVectorization(ngrams=2) adapted on these texts
    vocab = ["[UNK]", "the", "the cat", "sat", "dog", "cat", "the dog", "ran fast", "ran",
             "fast", "dog sat", "cat sat", "cat ran", "a dog", "a"]
    queries = ["the cat", "dog sat the", "zebra"]
    grams = [["the", "cat", "the cat"], ["dog", "sat", "the", "dog sat", "sat the"],
             ["zebra"]]
    counts = np.zeros((3, len(vocab)))
    for i, g in enumerate(grams):
        for token in g:
            counts[i, vocab.index(token) if token in vocab else 0] += 1
    # idf = log(1 + documents / (1 + documents holding the term)); OOV gets the mean
    docs = []
    for t in texts:
        w = t.split()
        docs.append(set(w) | {" ".join(w[i:i + 2]) for i in range(len(w) - 1)})
    idf = np.array([0.0] + [np.log(1 + 4 / (1 + sum(v in d for d in docs)))
                            for v in vocab[1:]])
    idf[0] = idf[1:].mean()
    expected = {"multi_hot": np.minimum(counts, 1), "count": counts, "tf_idf": counts * idf}
    for mode in ("multi_hot", "count", "tf_idf"):
        layer = layers.TextVectorization(output_mode=mode, ngrams=2)
        layer.adapt(ds)
        assert layer.get_vocabulary() == vocab
        np.testing.assert_allclose(layer(queries).numpy(), expected[mode], rtol=1e-6)
    capped = layers.TextVectorization(output_mode="multi_hot", ngrams=2, max_tokens=6,
                                      pad_to_max_tokens=True)
    capped.adapt(ds)
    assert capped.get_vocabulary() == vocab[:6]
    assert capped(["the cat"]).numpy().tolist() == [[0, 1, 1, 0, 0, 1]]

    lookup = layers.IntegerLookup()
    lookup.adapt(tf.data.Dataset.from_tensor_slices([12, 36, 1138, 36, 42, 36, 12]).batch(3))
    assert lookup.get_vocabulary() == [-1, 36, 12, 1138, 42]
    assert lookup([[12, 1138, 99]]).numpy().tolist() == [[2, 3, 0]]
    inverse = layers.IntegerLookup(vocabulary=lookup.get_vocabulary(), invert=True)
    assert inverse([[1, 2, 0]]).numpy().tolist() == [[36, 12, -1]]
    one_hot = layers.IntegerLookup(vocabulary=[12, 36, 42], output_mode="one_hot")
    assert one_hot([12, 5]).numpy().tolist() == [[0, 1, 0, 0], [1, 0, 0, 0]]

    # real TF 2.21: HashedCrossing bins of these feature pairs
    cross = layers.HashedCrossing(num_bins=1000)
    assert cross((tf.constant(["a", "b", "cat", "dog"]),
                  tf.constant([1, 2, -5, 123456789012]))).numpy().tolist() == \
        [485, 357, 325, 530]
    assert cross((tf.constant(["x", "yy"]), tf.constant(["red", "blue"]))).numpy().tolist() \
        == [545, 414]

    # a structured-data style model: a crossed feature of a string and an int column
    rng = np.random.default_rng(0)
    color = rng.choice(["red", "green", "blue"], 300)
    size = rng.integers(0, 3, 300)
    target = ((color == "red") ^ (size == 1)).astype("float32")     # needs the cross
    color_in = keras.Input(shape=(1,), dtype="string", name="color")
    size_in = keras.Input(shape=(1,), dtype="int64", name="size")
    crossed = layers.HashedCrossing(num_bins=64, output_mode="one_hot")((color_in, size_in))
    out = layers.Dense(1, activation="sigmoid")(crossed)
    model = keras.Model({"color": color_in, "size": size_in}, out)
    keras.utils.set_random_seed(0)
    model.compile(optimizer=keras.optimizers.Adam(0.1), loss="binary_crossentropy",
                  metrics=["accuracy"])
    inputs = {"color": color[:, None], "size": size[:, None]}
    model.fit(inputs, target, epochs=5, batch_size=32, verbose=0)
    assert model.evaluate(inputs, target, verbose=0)[1] == 1.0
    path = str(tmp_path / "crossed.keras")
    model.save(path)
    reloaded = keras.models.load_model(path)
    assert np.array_equal(reloaded.predict(inputs, verbose=0), model.predict(inputs, verbose=0))


def test_text_dataset_from_directory_pipeline(tmp_path):
    words = {"neg": ["bad", "awful", "dull"], "pos": ["good", "great", "fun"]}
    for label, vocab in words.items():
        os.makedirs(tmp_path / "train" / label)
        for i in range(7):
            with open(tmp_path / "train" / label / ("%d.txt" % i), "w") as f:
                f.write("%s this is %s number %d" % (label, vocab[i % 3], i))
    raw_train_ds, raw_val_ds = keras.utils.text_dataset_from_directory(
        str(tmp_path / "train"), batch_size=3, validation_split=0.3, subset="both", seed=7,
        verbose=False)
    assert raw_train_ds.class_names == ["neg", "pos"]
    train = [(t, int(label)) for xb, yb in raw_train_ds
             for t, label in zip(xb.numpy().tolist(), yb.numpy())]
    val = [(t, int(label)) for xb, yb in raw_val_ds
           for t, label in zip(xb.numpy().tolist(), yb.numpy())]
    assert all(isinstance(t, str) for t, _ in train + val)
    assert len(train) == 10 and len(val) == 4
    # real TF 2.21 puts these files in the validation subset for seed=7
    assert sorted(t for t, _ in val) == [
        "neg this is awful number 4", "neg this is bad number 3", "neg this is bad number 6",
        "pos this is fun number 2"]
    assert all(label == t.startswith("pos") for t, label in train + val)

    vectorize_layer = layers.TextVectorization(max_tokens=10, output_mode="multi_hot")
    vectorize_layer.adapt(raw_train_ds.map(lambda x, y: x))
    counts = collections.Counter(w for t, _ in train for w in t.split())
    by_count = sorted(counts, key=lambda w: (counts[w], w), reverse=True)
    assert len(by_count) > 9
    assert vectorize_layer.get_vocabulary() == ["[UNK]"] + by_count[:9]

    def vectorize_text(text, label):
        return vectorize_layer(text), label

    train_ds = raw_train_ds.map(vectorize_text).cache()
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input(shape=(10,)), layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(0.1),
                  loss=keras.losses.BinaryCrossentropy(from_logits=True),
                  metrics=[keras.metrics.BinaryAccuracy(threshold=0.0)])
    history = model.fit(train_ds, epochs=10, verbose=0).history
    assert history["loss"][-1] < history["loss"][0]
    assert history["binary_accuracy"][-1] == 1.0
