"""``LearningRateScheduler``: set the learning rate from a function of the epoch."""
import numpy as np

from ndflow.keras.callbacks.base import Callback
from ndflow.keras.callbacks.monitor import get_lr, set_lr, to_float


class LearningRateScheduler(Callback):
    """At the start of every epoch, ``lr = schedule(epoch, lr)`` (or ``schedule(epoch)``).

    The rate used is added to the epoch's logs as ``learning_rate``.
    """

    def __init__(self, schedule, verbose=0):
        super().__init__()
        if not callable(schedule):
            raise TypeError("LearningRateScheduler expects a function schedule(epoch, lr), "
                            "got %r." % type(schedule).__name__)
        self.schedule = schedule
        self.verbose = verbose

    def on_epoch_begin(self, epoch, logs=None):
        lr = get_lr(self.model, "LearningRateScheduler")
        try:
            new_lr = self.schedule(epoch, lr)
        except TypeError:       # a schedule taking only the epoch (old Keras API)
            new_lr = self.schedule(epoch)
        try:
            new_lr = to_float(new_lr)
        except (TypeError, ValueError):
            raise ValueError("The schedule function of LearningRateScheduler must return a "
                             "float, got %r." % (new_lr,)) from None
        if not np.isfinite(new_lr):
            raise ValueError("The schedule function of LearningRateScheduler returned %r at "
                             "epoch %d; the learning rate must be a finite float."
                             % (new_lr, epoch))
        set_lr(self.model, new_lr, "LearningRateScheduler")
        if self.verbose > 0:
            print("\nEpoch %d: LearningRateScheduler setting learning rate to %s."
                  % (epoch + 1, new_lr))

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = get_lr(self.model, "LearningRateScheduler")
