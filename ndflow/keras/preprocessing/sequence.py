"""``keras.preprocessing.sequence``."""
from ndflow.keras.utils.sequence_utils import pad_sequences, make_sampling_table, skipgrams
from ndflow.keras.utils.dataset_utils import timeseries_dataset_from_array
