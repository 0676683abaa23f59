"""``TensorBoard``: write training logs as TensorBoard event files.

The event files are written by ``tensorboardX`` (``pip install ndflow[tensorboard]``),
imported when training starts. Layout, as Keras writes it:

* ``<log_dir>/train``: ``epoch_<metric>`` scalars each epoch (``epoch_learning_rate``
  included), ``batch_<metric>`` scalars every ``update_freq`` batches, weight histograms
  every ``histogram_freq`` epochs, and the model graph (``write_graph=True``);
* ``<log_dir>/validation``: ``epoch_<metric>`` for the ``val_`` logs.
"""
import json
import os
import time

import numpy as np

from ndflow.keras.callbacks.base import Callback
from ndflow.keras.callbacks.monitor import to_float


def _writer_class():
    try:
        from tensorboardX import SummaryWriter
    except ImportError:
        raise ImportError(
            "The TensorBoard callback writes event files with the tensorboardX package, which "
            "is not installed. Install it with: pip install 'ndflow[tensorboard]' (or pip "
            "install tensorboardX).") from None
    return SummaryWriter


class TensorBoard(Callback):
    """``TensorBoard(log_dir='logs', histogram_freq=0, write_graph=True,
    update_freq='epoch', write_steps_per_second=False)``."""

    def __init__(self, log_dir="logs", histogram_freq=0, write_graph=True, write_images=False,
                 write_steps_per_second=False, update_freq="epoch", profile_batch=0,
                 embeddings_freq=0, embeddings_metadata=None, **kwargs):
        super().__init__()
        if kwargs:
            raise TypeError("TensorBoard got unexpected argument(s) %s." % sorted(kwargs))
        if update_freq not in ("epoch", "batch") and not (
                isinstance(update_freq, int) and update_freq > 0):
            raise ValueError("TensorBoard: update_freq must be 'epoch', 'batch' or a positive "
                             "number of batches, got %r." % (update_freq,))
        self.log_dir = os.fspath(log_dir)
        self.histogram_freq = int(histogram_freq)
        self.write_graph = write_graph
        self.write_images = write_images
        self.write_steps_per_second = write_steps_per_second
        self.update_freq = 1 if update_freq == "batch" else update_freq
        self.profile_batch = profile_batch
        self.embeddings_freq = embeddings_freq
        self.embeddings_metadata = embeddings_metadata
        self._writers = {}
        self._train_step = 0
        self._epoch_start = None
        self._epoch_steps = 0

    # ---- writers ----
    def _writer(self, name):
        w = self._writers.get(name)
        if w is None:
            w = _writer_class()(logdir=os.path.join(self.log_dir, name), flush_secs=10)
            self._writers[name] = w
        return w

    def _close(self):
        for w in self._writers.values():
            w.close()
        self._writers = {}

    # ---- hooks ----
    def on_train_begin(self, logs=None):
        self._train_step = 0
        self._writer("train")
        if self.write_graph:
            self._write_graph()

    def on_train_end(self, logs=None):
        self._close()

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_start = time.time()
        self._epoch_steps = 0

    def on_train_batch_end(self, batch, logs=None):
        self._train_step += 1
        self._epoch_steps += 1
        if self.update_freq == "epoch" or self._train_step % self.update_freq:
            return
        w = self._writer("train")
        for k, v in (logs or {}).items():
            value = _scalar(v)
            if value is not None:
                w.add_scalar("batch_" + k, value, self._train_step)

    def on_epoch_end(self, epoch, logs=None):
        logs = dict(logs or {})
        if "learning_rate" not in logs:
            lr = self._learning_rate()
            if lr is not None:
                logs["learning_rate"] = lr
        if self.write_steps_per_second and self._epoch_start is not None:
            elapsed = max(time.time() - self._epoch_start, 1e-9)
            logs["steps_per_second"] = self._epoch_steps / elapsed
        train = self._writer("train")
        val = None
        for k, v in logs.items():
            value = _scalar(v)
            if value is None:
                continue
            if k.startswith("val_"):
                val = val or self._writer("validation")
                val.add_scalar("epoch_" + k[4:], value, epoch)
            else:
                train.add_scalar("epoch_" + k, value, epoch)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._write_histograms(epoch)
        for w in self._writers.values():
            w.flush()

    # ---- helpers ----
    def _learning_rate(self):
        opt = getattr(self.model, "optimizer", None)
        lr = getattr(opt, "learning_rate", None)
        if lr is None:
            return None
        try:
            if callable(lr) and not hasattr(lr, "assign") and hasattr(lr, "get_config"):
                lr = lr(getattr(opt, "iterations", 0))
            return to_float(lr)
        except (TypeError, ValueError):
            return None

    def _write_histograms(self, epoch):
        w = self._writer("train")
        for v in getattr(self.model, "weights", []):
            name = str(getattr(v, "path", None) or v.name).replace(":", "_")
            values = np.asarray(getattr(v, "_value", v))
            if values.size:
                w.add_histogram(name + "/histogram", values.astype(np.float64), epoch)

    def _write_graph(self):
        from tensorboardX.proto import event_pb2, graph_pb2, node_def_pb2, versions_pb2
        nodes = []
        previous = []
        for layer, inputs in _layer_graph(self.model):
            node = node_def_pb2.NodeDef(name=layer.name, op=type(layer).__name__,
                                        input=inputs if inputs is not None else previous)
            nodes.append(node)
            previous = [layer.name]
        graph = graph_pb2.GraphDef(node=nodes, versions=versions_pb2.VersionDef(producer=22))
        writer = self._writer("train")
        writer._get_file_writer().add_event(event_pb2.Event(graph_def=graph.SerializeToString()))
        try:
            from ndflow.keras.saving.api import model_to_json
            writer.add_text("keras", "```\n%s\n```" % json.dumps(
                json.loads(model_to_json(self.model)), indent=1), 0)
        except Exception:  # noqa: BLE001 - a model without a config still gets its graph
            pass


def _layer_graph(model):
    """``[(layer, [input layer names] or None)]``; None means "the previous layer"."""
    out = []
    for layer in getattr(model, "layers", []):
        inputs = None
        nodes = getattr(layer, "_inbound_nodes", None) or []
        if nodes:
            node = nodes[0]
            inbound = getattr(node, "inbound_layers", None)
            if inbound is not None:
                if not isinstance(inbound, (list, tuple)):
                    inbound = [inbound]
                inputs = [l.name for l in inbound if hasattr(l, "name")]
        out.append((layer, inputs))
    return out


def _scalar(v):
    try:
        arr = np.asarray(getattr(v, "_value", v), dtype=np.float64)
    except (TypeError, ValueError):
        return None
    if arr.ndim != 0:
        return None
    return float(arr)
