"""Every public name the lazy namespaces promise resolves to a real object, and the
aliases users reach for (Keras 2 and Keras 3 spellings) exist."""
import importlib

import pytest

from ndflow import keras

TABLES = ["ndflow.keras.layers", "ndflow.keras.models", "ndflow.keras.utils"]


@pytest.mark.parametrize("modname", TABLES)
def test_every_table_entry_resolves(modname):
    mod = importlib.import_module(modname)
    missing = []
    for name in mod._TABLE:
        try:
            getattr(mod, name)
        except (AttributeError, ImportError) as e:
            missing.append("%s (%s)" % (name, e))
    assert not missing, "%s promises names that do not resolve: %s" % (modname, missing)


@pytest.mark.parametrize("name", sorted(keras._SUBMODULES))
def test_every_keras_submodule_imports(name):
    assert getattr(keras, name).__name__ == "ndflow.keras." + name


def test_keras_config_and_preprocessing_names():
    assert keras.config.floatx() == keras.backend.floatx()
    assert keras.config.enable_unsafe_deserialization is \
        keras.saving.serialization.enable_unsafe_deserialization
    padded = keras.preprocessing.sequence.pad_sequences([[1, 2, 3], [4]], maxlen=2)
    assert padded.tolist() == [[2, 3], [0, 4]]


def test_default_layer_names_follow_keras():
    keras.backend.clear_session()
    names = [keras.layers.Conv2D(2, 3).name, keras.layers.MaxPooling2D().name,
             keras.layers.GlobalAveragePooling1D().name, keras.layers.Conv2DTranspose(2, 3).name,
             keras.layers.Dense(1).name, keras.layers.Dense(1).name,
             keras.layers.BatchNormalization().name, keras.layers.PReLU().name]
    assert names == ["conv2d", "max_pooling2d", "global_average_pooling1d", "conv2d_transpose",
                     "dense", "dense_1", "batch_normalization", "p_re_lu"]


def test_tf_short_aliases_of_keras_modules():
    # TF 2 tutorials write tf.metrics.BinaryAccuracy, tf.losses.SparseCategoricalCrossentropy
    import ndflow as tf
    assert tf.metrics is keras.metrics and tf.losses is keras.losses
    assert tf.optimizers is keras.optimizers and tf.initializers is keras.initializers
    assert tf.metrics.BinaryAccuracy is keras.metrics.BinaryAccuracy
    assert tf.losses.SparseCategoricalCrossentropy is \
        keras.losses.SparseCategoricalCrossentropy
    assert {"metrics", "losses", "optimizers", "initializers"} <= set(dir(tf))
