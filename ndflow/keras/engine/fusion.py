"""Layer pairs that a model runs as one op.

A convolution layer whose output goes only to a max pooling layer whose windows tile it
(``Conv2D(32, 3, activation="relu")`` then ``MaxPooling2D()``) is run by Sequential and
Functional models as ``ndflow.ops.conv_pool_ops.conv_pool``: the pooled output directly,
the same values and gradients, less work (see that module).  The layers keep their
weights, configs and symbolic shapes; called on their own they run as usual.

``tf.config.optimizer.set_experimental_options({"remapping": False})`` turns this off (it
is TensorFlow's name for its own fusions of op patterns).
"""
from ndflow.config import remapping_enabled
from ndflow.core.tensor import Tensor
from ndflow.keras.engine.layer import _call_context


def runs_with_next(layer, nxt, x):
    """Whether a model may call ``layer`` on ``x`` together with ``nxt``, the only
    consumer of its output, as ``layer(x, _then_pool=nxt)``: an eager tensor without a
    mask, a pair the layers accept (``_Conv._fuses_with``), no shape recording, and
    remapping on."""
    fuses = getattr(layer, "_fuses_with", None)
    return (fuses is not None and type(x) is Tensor and
            getattr(x, "_keras_mask", None) is None and
            not _call_context["record_shapes"] and remapping_enabled() and fuses(nxt))
