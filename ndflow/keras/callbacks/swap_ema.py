"""``SwapEMAWeights``: evaluate (and predict) with the optimizer's moving averages.

With ``optimizer=...(use_ema=True)`` the optimizer keeps an exponential moving average of
every trainable variable.  This callback exchanges the values of the model's variables
and of their averages:

* around every evaluation (``on_test_begin`` / ``on_test_end``, so also the validation
  inside ``fit``) and every prediction: the model is evaluated with the averaged weights,
  then training continues from its own weights;
* with ``swap_on_epoch=True``, also at every epoch end (so other callbacks such as
  ``ModelCheckpoint`` see the averaged weights) and back at the next epoch's start; after
  the last epoch the averages are set to the (averaged) model weights, so the model ends
  ``fit`` holding the averaged weights.

Swapping twice restores everything exactly (values are exchanged, not recomputed).
Keras 3.15 leaves the averaged weights in the model after ``predict`` (its
``on_predict_end`` tests the wrong flag); ndflow swaps them back, as the callback intends.
"""
from ndflow.keras.callbacks.base import Callback

__all__ = ["SwapEMAWeights"]


class SwapEMAWeights(Callback):
    """Swaps the model's weights with the optimizer's EMA weights before evaluation and
    prediction (and, with ``swap_on_epoch=True``, at epoch ends) and back afterwards."""

    def __init__(self, swap_on_epoch=False):
        super().__init__()
        self.swap_on_epoch = bool(swap_on_epoch)
        self._ema_weights_in_model = False

    def _optimizer(self):
        model = self.model
        opt = getattr(model, "optimizer", None) if model is not None else None
        if opt is None:
            raise ValueError("SwapEMAWeights: the model has no optimizer. Compile the model "
                             "with an optimizer created with use_ema=True, e.g. "
                             "keras.optimizers.Adam(use_ema=True).")
        inner = getattr(opt, "inner_optimizer", None)   # LossScaleOptimizer
        if inner is not None:
            opt = inner
        if not getattr(opt, "use_ema", False):
            raise ValueError(
                "SwapEMAWeights must be used with an optimizer that keeps moving averages: "
                "got %s with use_ema=%r. Create it with use_ema=True, e.g. "
                "keras.optimizers.%s(use_ema=True)." % (
                    type(opt).__name__, getattr(opt, "use_ema", None), type(opt).__name__))
        return opt

    def _pairs(self, opt):
        """(model variable, its moving average) for every variable the optimizer tracks."""
        return [(v, opt._slot(v, "_ema")) for v in list(opt._trainables)]

    def _swap_variables(self):
        for var, avg in self._pairs(self._optimizer()):
            own = var.numpy().copy()
            var.assign(avg.numpy())
            avg.assign(own)

    def _finalize_ema_values(self):
        for var, avg in self._pairs(self._optimizer()):
            avg.assign(var.numpy())

    def on_epoch_begin(self, epoch, logs=None):
        if self.swap_on_epoch and self._ema_weights_in_model:
            self._swap_variables()
            self._ema_weights_in_model = False

    def on_epoch_end(self, epoch, logs=None):
        if self.swap_on_epoch and not self._ema_weights_in_model:
            self._swap_variables()
            self._ema_weights_in_model = True
            if epoch == (self.params or {}).get("epochs", -1) - 1:
                self._finalize_ema_values()

    def on_test_begin(self, logs=None):
        if not self._ema_weights_in_model:
            self._swap_variables()
            self._ema_weights_in_model = True

    def on_test_end(self, logs=None):
        if self._ema_weights_in_model:
            self._swap_variables()
            self._ema_weights_in_model = False

    on_predict_begin = on_test_begin
    on_predict_end = on_test_end
