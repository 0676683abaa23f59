"""``keras.config``: global settings (float type, dtype policy, epsilon, image layout, safe
mode)."""
from ndflow.keras.backend import (floatx, set_floatx, epsilon, set_epsilon,
                                  image_data_format, set_image_data_format)
from ndflow.keras.saving.serialization import enable_unsafe_deserialization
from ndflow.keras.mixed_precision.policy import dtype_policy, set_dtype_policy

_interactive_logging = [True]


def backend():
    """The name of the array backend Keras runs on."""
    return "ndflow"


def enable_interactive_logging():
    _interactive_logging[0] = True


def disable_interactive_logging():
    _interactive_logging[0] = False


def is_interactive_logging_enabled():
    return _interactive_logging[0]
