"""``tf.summary``: write TensorBoard logs from custom training loops.

    writer = tf.summary.create_file_writer("logs/train")
    with writer.as_default():
        for step in range(100):
            ...
            tf.summary.scalar("loss", loss, step=step)

Event files are written through the optional ``tensorboardX`` package
(``pip install 'ndflow[tensorboard]'``). Without a default writer the summary functions
write nothing and return False.
"""
import types as _types

from ndflow.summary._writer import (SummaryWriter, create_file_writer, create_noop_writer,
                                    flush, record_if, should_record_summaries)
from ndflow.summary._writer import get_step as _get_step, set_step as _set_step
from ndflow.summary._ops import scalar, histogram, image, text, write

experimental = _types.SimpleNamespace(get_step=_get_step, set_step=_set_step)
experimental.__doc__ = "``tf.summary.experimental``: the default step (get_step, set_step)."

__all__ = ["SummaryWriter", "create_file_writer", "create_noop_writer", "flush", "record_if",
           "should_record_summaries", "scalar", "histogram", "image", "text", "write",
           "experimental"]
