"""``keras.preprocessing`` (the Keras 2 location of the dataset helpers)."""
from ndflow.keras.preprocessing import sequence
from ndflow.keras.preprocessing import image
from ndflow.keras.utils.dataset_utils import (image_dataset_from_directory,
                                              text_dataset_from_directory,
                                              timeseries_dataset_from_array)
