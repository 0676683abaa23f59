"""``keras.utils``."""
from ndflow.keras._lazy import lazy_getattr, lazy_dir

_U = "ndflow.keras.utils"
_TABLE = {
    "plot_model": _U + ".plotting", "model_to_dot": _U + ".plotting",
    "set_random_seed": _U + ".random_seed",
    "Progbar": _U + ".progbar",
    "to_categorical": _U + ".numerical", "normalize": _U + ".numerical",
    "pad_sequences": _U + ".sequence_utils",
    "timeseries_dataset_from_array": _U + ".dataset_utils",
    "image_dataset_from_directory": _U + ".dataset_utils",
    "text_dataset_from_directory": _U + ".dataset_utils",
    "split_dataset": _U + ".dataset_utils",
    "audio_dataset_from_directory": _U + ".audio_dataset",
    "get_file": _U + ".file_utils",
    "load_img": _U + ".image_utils", "img_to_array": _U + ".image_utils",
    "array_to_img": _U + ".image_utils", "save_img": _U + ".image_utils",
    "Sequence": _U + ".sequence", "PyDataset": _U + ".sequence",
    "register_keras_serializable": "ndflow.keras.saving.registry",
    "get_custom_objects": "ndflow.keras.saving.registry",
    "custom_object_scope": "ndflow.keras.saving.registry",
    "CustomObjectScope": "ndflow.keras.saving.registry",
    "get_registered_name": "ndflow.keras.saving.registry",
    "get_registered_object": "ndflow.keras.saving.registry",
    "serialize_keras_object": "ndflow.keras.saving.serialization",
    "deserialize_keras_object": "ndflow.keras.saving.serialization",
    "get_source_inputs": _U + ".utils_extra",
    "is_keras_tensor": _U + ".utils_extra",
    "pack_x_y_sample_weight": _U + ".utils_extra",
    "unpack_x_y_sample_weight": _U + ".utils_extra",
    "standardize_dtype": _U + ".utils_extra",
    "clear_session": _U + ".utils_extra",
    "enable_interactive_logging": _U + ".utils_extra",
    "disable_interactive_logging": _U + ".utils_extra",
    "is_interactive_logging_enabled": _U + ".utils_extra",
    "Config": _U + ".utils_extra",
}

__getattr__ = lazy_getattr(globals(), _TABLE)
__dir__ = lazy_dir(globals(), _TABLE)
