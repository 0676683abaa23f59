"""``keras.saving``: saving and loading models, and the registry of custom objects."""
from ndflow.keras._lazy import lazy_getattr, lazy_dir

_R = "ndflow.keras.saving.registry"
_S = "ndflow.keras.saving.serialization"
_A = "ndflow.keras.saving.api"
_TABLE = {
    "register_keras_serializable": _R, "get_custom_objects": _R,
    "custom_object_scope": _R, "CustomObjectScope": _R, "get_registered_name": _R,
    "get_registered_object": _R,
    "serialize_keras_object": _S, "deserialize_keras_object": _S, "SafeModeScope": _S,
    "enable_unsafe_deserialization": _S, "in_safe_mode": _S,
    "load_model": _A, "save_model": _A, "save_weights": _A, "load_weights": _A,
    "model_to_json": _A, "model_from_json": _A, "model_from_config": _A,
}

__getattr__ = lazy_getattr(globals(), _TABLE)
__dir__ = lazy_dir(globals(), _TABLE)
