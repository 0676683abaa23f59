"""``keras.callbacks``."""
from ndflow.keras.callbacks.base import Callback, CallbackList, History
