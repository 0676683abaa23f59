"""``LambdaCallback``: a callback made of plain functions."""
from ndflow.keras.callbacks.base import Callback, _HOOKS


class LambdaCallback(Callback):
    """``LambdaCallback(on_epoch_end=lambda epoch, logs: ...)``.

    Accepts any hook name (``on_train_batch_end``, ``on_test_begin``...) as a keyword;
    epoch and batch hooks receive ``(epoch_or_batch, logs)``, begin/end hooks ``(logs)``.
    """

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_train_begin=None,
                 on_train_end=None, on_train_batch_begin=None, on_train_batch_end=None,
                 **kwargs):
        super().__init__()
        hooks = dict(on_epoch_begin=on_epoch_begin, on_epoch_end=on_epoch_end,
                     on_train_begin=on_train_begin, on_train_end=on_train_end,
                     on_train_batch_begin=on_train_batch_begin,
                     on_train_batch_end=on_train_batch_end, **kwargs)
        for name, fn in hooks.items():
            if fn is None:
                continue
            if name not in _HOOKS:
                raise TypeError("LambdaCallback got an unknown hook %r; valid hooks are %s."
                                % (name, ", ".join(_HOOKS)))
            if not callable(fn):
                raise TypeError("LambdaCallback: %s must be a function, got %r."
                                % (name, type(fn).__name__))
            setattr(self, name, fn)
