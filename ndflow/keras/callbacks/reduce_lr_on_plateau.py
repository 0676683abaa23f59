"""``ReduceLROnPlateau``: multiply the learning rate by ``factor`` when a metric stalls."""
import warnings

import numpy as np

from ndflow.keras.callbacks.monitor import MonitorCallback, get_lr, set_lr, to_float


class ReduceLROnPlateau(MonitorCallback):
    """After ``patience`` epochs without an improvement larger than ``min_delta``, set the
    learning rate to ``max(lr * factor, min_lr)``, then wait ``cooldown`` epochs before
    counting again. The current rate is added to the epoch logs as ``learning_rate``."""

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto",
                 min_delta=1e-4, cooldown=0, min_lr=0.0, **kwargs):
        if "epsilon" in kwargs:      # Keras 1 spelling
            min_delta = kwargs.pop("epsilon")
        if kwargs:
            raise TypeError("ReduceLROnPlateau got unexpected argument(s) %s." % sorted(kwargs))
        if factor >= 1.0:
            raise ValueError("ReduceLROnPlateau does not support a factor >= 1.0 (got %r): "
                             "the learning rate would not be reduced." % (factor,))
        super().__init__(monitor, mode, min_delta)
        self.factor = float(factor)
        self.patience = int(patience)
        self.verbose = verbose
        self.cooldown = int(cooldown)
        self.min_lr = float(min_lr)
        self.cooldown_counter = 0
        self.wait = 0

    def _reset(self):
        self._set_monitor_op()
        self.cooldown_counter = 0
        self.wait = 0

    def on_train_begin(self, logs=None):
        self._reset()

    def in_cooldown(self):
        return self.cooldown_counter > 0

    def on_epoch_end(self, epoch, logs=None):
        logs = logs if logs is not None else {}
        if self.monitor_op is None:
            self._reset()
        lr = get_lr(self.model, "ReduceLROnPlateau")
        logs["learning_rate"] = lr
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn("Learning rate reduction is conditioned on metric `%s` which is not "
                          "available. Available metrics are: %s" % (
                              self.monitor, ",".join(logs)), stacklevel=2)
            return
        current = to_float(current)
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self._is_improvement(current, self.best):
            self.best = current
            self.wait = 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience:
                if lr > np.float32(self.min_lr):
                    new_lr = max(lr * self.factor, self.min_lr)
                    set_lr(self.model, new_lr, "ReduceLROnPlateau")
                    if self.verbose > 0:
                        print("\nEpoch %d: ReduceLROnPlateau reducing learning rate to %s."
                              % (epoch + 1, new_lr))
                    self.cooldown_counter = self.cooldown
                    self.wait = 0
