"""ProgbarLogger: draws the progress bar of ``fit`` / ``evaluate`` / ``predict``.

``fit`` adds one when ``verbose`` is not 0.  It prints ``Epoch i/n`` (when n > 1) and one
bar per epoch whose final line shows the epoch's logs, validation values included.
Inside ``fit`` the validation pass is silent.  The bar is redrawn at most ten times a
second, and per-step logs are turned into numbers only when a redraw happens.
"""
import sys
import time

from ndflow.keras.callbacks.base import Callback
from ndflow.keras.utils.progbar import Progbar, _to_float
from ndflow.keras.utils.utils_extra import is_interactive_logging_enabled


class ProgbarLogger(Callback):
    """Prints metrics to stdout (``keras.callbacks.ProgbarLogger``)."""

    def __init__(self, count_mode="steps", stateful_metrics=None):
        super().__init__()
        if count_mode not in ("steps", "samples"):
            raise ValueError("ProgbarLogger: count_mode must be 'steps' or 'samples', got %r."
                             % (count_mode,))
        self.verbose = 1
        self.epochs = 1
        self.target = None
        self.progbar = None
        self._called_in_fit = False
        self._seen = 0
        self._interval = 0.1
        self._last_draw = 0.0

    def set_params(self, params):
        super().set_params(params)
        verbose = params.get("verbose", 1)
        self.verbose = 1 if verbose == "auto" else int(verbose or 0)
        self.epochs = params.get("epochs", 1)
        self.target = params.get("steps")

    def _reset(self):
        self._seen = 0
        self._last_draw = 0.0
        self.progbar = None
        if self.verbose:
            self.progbar = Progbar(self.target, verbose=self.verbose, interval=self._interval,
                                   stateful_metrics=None, unit_name="step")

    # ---- hooks ----
    def on_train_begin(self, logs=None):
        self._called_in_fit = True

    def on_train_end(self, logs=None):
        self._called_in_fit = False

    def on_test_begin(self, logs=None):
        if not self._called_in_fit:
            self._reset()

    def on_predict_begin(self, logs=None):
        self._reset()

    def on_epoch_begin(self, epoch, logs=None):
        self._reset()
        if self.verbose and self.epochs > 1 and is_interactive_logging_enabled():
            sys.stdout.write("Epoch %d/%d\n" % (epoch + 1, self.epochs))
            sys.stdout.flush()

    def on_train_batch_end(self, batch, logs=None):
        self._batch_update(batch, logs)

    def on_test_batch_end(self, batch, logs=None):
        if not self._called_in_fit:
            self._batch_update(batch, logs)

    def on_predict_batch_end(self, batch, logs=None):
        self._batch_update(batch, None)

    def on_epoch_end(self, epoch, logs=None):
        self._finalize(logs)

    def on_test_end(self, logs=None):
        if not self._called_in_fit:
            self._finalize(logs)

    def on_predict_end(self, logs=None):
        self._finalize(None)

    # ---- drawing ----
    def _batch_update(self, batch, logs):
        self._seen = batch + 1
        bar = self.progbar
        if batch == 0 and bar is not None:
            bar._time_after_first_step = time.time()   # the per-step time excludes step 1
        if bar is None or self.verbose != 1 or not bar._dynamic_display:
            return
        now = time.time()
        if now - self._last_draw < self._interval:
            return
        self._last_draw = now
        bar.update(self._seen, self._values(logs), finalize=False)

    def _finalize(self, logs):
        bar = self.progbar
        if bar is None:
            return
        if self.target is None:
            bar.target = self._seen
        bar.update(self._seen, self._values(logs), finalize=True)
        self.progbar = None

    def _values(self, logs):
        out = []
        for k, v in (logs or {}).items():
            if k == "size" or k == "batch":
                continue
            f = _to_float(v)
            if f is not None:
                if self.progbar is not None:
                    self.progbar.stateful_metrics.add(k)
                out.append((k, f))
        return out
