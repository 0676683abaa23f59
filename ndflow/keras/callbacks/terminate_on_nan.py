"""``TerminateOnNaN``: stop training as soon as the loss becomes NaN or infinite."""
from ndflow.keras.callbacks.base import Callback
from ndflow.keras.callbacks.monitor import is_nan_or_inf


class TerminateOnNaN(Callback):
    """Sets ``model.stop_training`` when a batch's ``loss`` is NaN or inf."""

    def on_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and is_nan_or_inf(loss):
            print("Batch %d: Invalid loss, terminating training" % batch)
            self.model.stop_training = True
