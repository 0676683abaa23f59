"""Callback base class, CallbackList and History."""


class Callback:
    """Base class of callbacks: override the hooks you need (``on_epoch_end`` ...)."""

    def __init__(self):
        self.validation_data = None
        self.model = None
        self.params = {}

    def set_params(self, params):
        self.params = params

    def set_model(self, model):
        self.model = model

    # every hook Keras has; each does nothing by default
    def on_batch_begin(self, batch, logs=None):
        pass

    def on_batch_end(self, batch, logs=None):
        pass

    def on_epoch_begin(self, epoch, logs=None):
        pass

    def on_epoch_end(self, epoch, logs=None):
        pass

    def on_train_batch_begin(self, batch, logs=None):
        self.on_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch, logs=None):
        self.on_batch_end(batch, logs=logs)

    def on_test_batch_begin(self, batch, logs=None):
        pass

    def on_test_batch_end(self, batch, logs=None):
        pass

    def on_predict_batch_begin(self, batch, logs=None):
        pass

    def on_predict_batch_end(self, batch, logs=None):
        pass

    def on_train_begin(self, logs=None):
        pass

    def on_train_end(self, logs=None):
        pass

    def on_test_begin(self, logs=None):
        pass

    def on_test_end(self, logs=None):
        pass

    def on_predict_begin(self, logs=None):
        pass

    def on_predict_end(self, logs=None):
        pass


_HOOKS = ("on_batch_begin", "on_batch_end", "on_epoch_begin", "on_epoch_end",
          "on_train_batch_begin", "on_train_batch_end", "on_test_batch_begin",
          "on_test_batch_end", "on_predict_batch_begin", "on_predict_batch_end",
          "on_train_begin", "on_train_end", "on_test_begin", "on_test_end",
          "on_predict_begin", "on_predict_end")


class CallbackList(Callback):
    """Calls every hook on each callback in order.

    ``add_history`` / ``add_progbar`` add a History and a ProgbarLogger the way ``fit`` does.
    """

    def __init__(self, callbacks=None, add_history=False, add_progbar=False, model=None,
                 **params):
        super().__init__()
        self.callbacks = list(callbacks or [])
        if add_progbar and not any(type(c).__name__ == "ProgbarLogger" for c in self.callbacks):
            from ndflow.keras.callbacks.progbar_logger import ProgbarLogger
            self.callbacks.append(ProgbarLogger())
        if add_history:
            self._history = next((c for c in self.callbacks if isinstance(c, History)), None)
            if self._history is None:
                self._history = History()
                self.callbacks.append(self._history)
        if model is not None:
            self.set_model(model)
        if params:
            self.set_params(params)

    def append(self, callback):
        self.callbacks.append(callback)

    def set_params(self, params):
        self.params = params
        for c in self.callbacks:
            c.set_params(params)

    def set_model(self, model):
        self.model = model
        for c in self.callbacks:
            c.set_model(model)

    def __iter__(self):
        return iter(self.callbacks)


def _make_hook(hook):
    # logs are always passed positionally (as Keras does), so that plain functions such as
    # LambdaCallback(on_train_begin=lambda logs: ...) work whatever their parameter names
    if "batch" in hook or "epoch" in hook:
        def method(self, index, logs=None):
            for c in self.callbacks:
                getattr(c, hook)(index, logs)
    else:
        def method(self, logs=None):
            for c in self.callbacks:
                getattr(c, hook)(logs)
    method.__name__ = hook
    return method


for _h in _HOOKS:
    setattr(CallbackList, _h, _make_hook(_h))


class History(Callback):
    """Records the logs of every epoch: ``history.history['loss']``, ``history.epoch``."""

    def __init__(self):
        super().__init__()
        self.history = {}
        self.epoch = []

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for k, v in (logs or {}).items():
            self.history.setdefault(k, []).append(v)
        if self.model is not None:
            self.model.history = self
