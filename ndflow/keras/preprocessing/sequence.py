"""``keras.preprocessing.sequence``."""
from ndflow.keras.utils.sequence_utils import pad_sequences
from ndflow.keras.utils.dataset_utils import timeseries_dataset_from_array
