"""``keras.callbacks``."""
from ndflow.keras._lazy import lazy_getattr, lazy_dir
from ndflow.keras.callbacks.base import Callback, CallbackList, History

_C = "ndflow.keras.callbacks."
_TABLE = {
    "ProgbarLogger": _C + "progbar_logger",
    "EarlyStopping": _C + "early_stopping",
    "ReduceLROnPlateau": _C + "reduce_lr_on_plateau",
    "ModelCheckpoint": _C + "model_checkpoint",
    "LearningRateScheduler": _C + "learning_rate_scheduler",
    "CSVLogger": _C + "csv_logger",
    "TerminateOnNaN": _C + "terminate_on_nan",
    "LambdaCallback": _C + "lambda_callback",
    "BackupAndRestore": _C + "backup_and_restore",
    "TensorBoard": _C + "tensorboard",
    "SwapEMAWeights": _C + "swap_ema",
}

__getattr__ = lazy_getattr(globals(), _TABLE)
__dir__ = lazy_dir(globals(), _TABLE)
