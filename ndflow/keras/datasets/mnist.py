"""MNIST handwritten digits (``keras.datasets.mnist``)."""
import numpy as np

from ndflow.keras.datasets import _common

FILE_HASH = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"


def load_data(path="mnist.npz"):
    """``(x_train, y_train), (x_test, y_test)``: uint8 images (60000/10000, 28, 28) and
    uint8 labels 0-9."""
    path = _common.fetch(path, _common.ORIGIN + "mnist.npz", FILE_HASH)
    with np.load(path, allow_pickle=False) as f:
        return (f["x_train"], f["y_train"]), (f["x_test"], f["y_test"])
