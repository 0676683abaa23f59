"""``tf.train``: object-based checkpoints for custom training loops.

    ckpt = tf.train.Checkpoint(step=tf.Variable(0), optimizer=optimizer, model=model)
    manager = tf.train.CheckpointManager(ckpt, "./tf_ckpts", max_to_keep=3)
    ckpt.restore(manager.latest_checkpoint)        # nothing happens on the first run
    ...
    manager.save()

Not to be confused with ``keras.callbacks.ModelCheckpoint``, the ``fit()`` callback that
saves a model file during training.

Also here: the example protocol buffers of TFRecord files (``tf.train.Example``,
``Features``, ``Feature``, ``BytesList``, ``FloatList``, ``Int64List``,
``SequenceExample``, ``FeatureList``, ``FeatureLists``), implemented in
``ndflow/io/example_pb.py``.
"""
from ndflow.train.checkpoint import (Checkpoint, CheckpointOptions, CheckpointReader,
                                     CheckpointLoadStatus, InitializationOnlyStatus,
                                     list_variables, load_checkpoint, load_variable)
from ndflow.train.checkpoint_management import (CheckpointManager, CheckpointState,
                                                get_checkpoint_state, latest_checkpoint,
                                                update_checkpoint_state, checkpoint_exists)
from ndflow.train.moving_averages import ExponentialMovingAverage
from ndflow.io.example_pb import (BytesList, FloatList, Int64List, Feature, Features,
                                  FeatureList, FeatureLists, Example, SequenceExample)

__all__ = ["Checkpoint", "CheckpointOptions", "CheckpointManager", "CheckpointReader",
           "CheckpointLoadStatus", "InitializationOnlyStatus",
           "CheckpointState", "ExponentialMovingAverage", "get_checkpoint_state",
           "latest_checkpoint", "list_variables", "load_checkpoint", "load_variable",
           "update_checkpoint_state", "checkpoint_exists", "BytesList", "FloatList",
           "Int64List", "Feature", "Features", "FeatureList", "FeatureLists", "Example",
           "SequenceExample"]
