"""``ModelCheckpoint``: save the model (or its weights) during training."""
import math
import os
import warnings

from ndflow.keras.callbacks.monitor import MonitorCallback, to_float


class ModelCheckpoint(MonitorCallback):
    """Save after every epoch, or every ``save_freq`` batches.

    ``filepath`` may hold placeholders filled from the epoch number and the logs:
    ``"ckpt/model.{epoch:02d}-{val_loss:.2f}.keras"``. Full models go to ``.keras`` or
    ``.h5``; with ``save_weights_only=True`` the name must end in ``.weights.h5``.
    ``save_best_only=True`` saves only when ``monitor`` beats the best value so far.
    """

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False,
                 save_weights_only=False, mode="auto", save_freq="epoch",
                 initial_value_threshold=None, options=None, **kwargs):
        if kwargs.pop("period", None) is not None:
            raise TypeError("ModelCheckpoint: `period` was removed from Keras; use "
                            "save_freq='epoch' or save_freq=<number of batches>.")
        if kwargs:
            raise TypeError("ModelCheckpoint got unexpected argument(s) %s." % sorted(kwargs))
        super().__init__(monitor, mode)
        self.filepath = os.fspath(filepath)
        self.verbose = verbose
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.save_freq = save_freq
        self.initial_value_threshold = initial_value_threshold
        if save_freq != "epoch" and not (isinstance(save_freq, int) and save_freq > 0):
            raise ValueError("Unrecognized save_freq: %r. Expected 'epoch' or a positive "
                             "number of batches." % (save_freq,))
        lower = self.filepath.lower()
        if save_weights_only:
            if not lower.endswith((".weights.h5", ".h5", ".hdf5")):
                raise ValueError(
                    "With save_weights_only=True the ModelCheckpoint filepath must end in "
                    "'.weights.h5', got %r." % self.filepath)
        elif not lower.endswith((".keras", ".h5", ".hdf5")):
            raise ValueError(
                "The ModelCheckpoint filepath must end in '.keras' (native format) or '.h5' "
                "(HDF5), got %r. To save weights only, pass save_weights_only=True and a name "
                "ending in '.weights.h5'." % self.filepath)
        self._batches_seen_since_last_saving = 0
        self._last_batch_seen = -1
        self._current_epoch = 0

    def on_train_begin(self, logs=None):
        if self.monitor_op is None:
            self._set_monitor_op()
            if self.initial_value_threshold is not None:
                self.best = float(self.initial_value_threshold)

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch
        self._last_batch_seen = -1

    def on_train_batch_end(self, batch, logs=None):
        if self.save_freq == "epoch":
            return
        step = batch - self._last_batch_seen if batch > self._last_batch_seen else batch + 1
        self._last_batch_seen = batch
        self._batches_seen_since_last_saving += step
        if self._batches_seen_since_last_saving >= self.save_freq:
            self._batches_seen_since_last_saving = 0
            self._save_model(self._current_epoch, batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self.on_train_begin()
        if self.save_freq == "epoch":
            self._save_model(epoch, None, logs)

    def _get_file_path(self, epoch, batch, logs):
        logs = dict(logs or {})
        values = {}
        for k, v in logs.items():
            try:
                values[k] = to_float(v)
            except (TypeError, ValueError):
                values[k] = v
        try:
            if batch is None or "batch" in values:
                return self.filepath.format(epoch=epoch + 1, **values)
            return self.filepath.format(epoch=epoch + 1, batch=batch + 1, **values)
        except KeyError as e:
            raise KeyError("Failed to format the ModelCheckpoint filepath %r: %s is not in the "
                           "logs (available: epoch, %s)." % (
                               self.filepath, e, ", ".join(sorted(values)))) from None

    def _should_save(self, epoch, logs, filepath):
        if not self.save_best_only:
            if self.verbose > 0:
                print("\nEpoch %d: saving model to %s" % (epoch + 1, filepath))
            return True
        current = (logs or {}).get(self.monitor)
        if current is None:
            warnings.warn("Can save best model only with %s available; saving anyway." %
                          self.monitor, stacklevel=3)
            return True
        current = to_float(current)
        best_str = "None" if self.best is None or math.isinf(self.best) else \
            "%.5f" % self.best
        if self._is_improvement(current, self.best):
            if self.verbose > 0:
                print("\nEpoch %d: %s improved from %s to %.5f, saving model to %s" % (
                    epoch + 1, self.monitor, best_str if best_str != "None" else
                    ("inf" if self._direction == "min" else "-inf"), current, filepath))
            self.best = current
            return True
        if self.verbose > 0:
            print("\nEpoch %d: %s did not improve from %s" % (epoch + 1, self.monitor, best_str))
        return False

    def _save_model(self, epoch, batch, logs):
        filepath = self._get_file_path(epoch, batch, logs)
        if os.path.isdir(filepath):
            raise IsADirectoryError("ModelCheckpoint: the filepath %r is an existing directory; "
                                    "give a file name." % filepath)
        if not self._should_save(epoch, logs, filepath):
            return
        dirname = os.path.dirname(filepath)
        if dirname:
            os.makedirs(dirname, exist_ok=True)
        if self.save_weights_only:
            _call(self.model, "save_weights", "save_weights", filepath)
        else:
            _call(self.model, "save", "save_model", filepath)


def _call(model, method, api_name, filepath):
    fn = getattr(model, method, None)
    if fn is not None:
        fn(filepath, overwrite=True)
        return
    from ndflow.keras.saving import api
    getattr(api, api_name)(model, filepath, overwrite=True)

