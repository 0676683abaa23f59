"""``keras.models``."""
from ndflow.keras._lazy import lazy_getattr, lazy_dir

_TABLE = {
    "Model": "ndflow.keras.engine.model",
    "Sequential": "ndflow.keras.engine.sequential",
    "Functional": "ndflow.keras.engine.functional",
    "clone_model": "ndflow.keras.engine.cloning",
    "load_model": "ndflow.keras.saving.api",
    "save_model": "ndflow.keras.saving.api",
    "model_from_json": "ndflow.keras.saving.api",
    "model_from_config": "ndflow.keras.saving.api",
}

__getattr__ = lazy_getattr(globals(), _TABLE)
__dir__ = lazy_dir(globals(), _TABLE)
