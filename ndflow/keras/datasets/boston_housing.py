"""Boston housing prices (``keras.datasets.boston_housing``)."""
import numpy as np

from ndflow.keras.datasets import _common

FILE_HASH = "f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5"


def load_data(path="boston_housing.npz", test_split=0.2, seed=113):
    """``(x_train, y_train), (x_test, y_test)``: 13 float64 features, float64 targets
    (k$); shuffled with ``seed`` before the split, as Keras does."""
    path = _common.fetch(path, _common.ORIGIN + "boston_housing.npz", FILE_HASH)
    with np.load(path, allow_pickle=False) as f:
        x, y = f["x"], f["y"]
    return _common.shuffled_split(x, y, test_split, seed)
