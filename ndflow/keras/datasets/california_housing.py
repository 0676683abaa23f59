"""California housing prices (``keras.datasets.california_housing``)."""
import numpy as np

from ndflow.keras.datasets import _common

FILE_HASH = "1a2e3a52e0398de6463aebe6f4a8da34fb21fbb6b934cf88c3425e766f2a1a6f"


def load_data(version="large", path="california_housing.npz", test_split=0.2, seed=113):
    """``(x_train, y_train), (x_test, y_test)``: 8 features, median house values ($).
    ``version='small'`` keeps the first 600 samples."""
    if version not in ("small", "large"):
        raise ValueError("california_housing.load_data: version must be 'small' or 'large', "
                         "got %r." % (version,))
    if not 0 <= test_split < 1:
        raise ValueError("california_housing.load_data: test_split must be in [0, 1), got %r."
                         % (test_split,))
    path = _common.fetch(path, _common.ORIGIN + "california_housing.npz", FILE_HASH)
    with np.load(path, allow_pickle=False) as f:
        x, y = f["x"], f["y"]
    if version == "small":
        x, y = x[:600], y[:600]
    return _common.shuffled_split(x, y, test_split, seed)
