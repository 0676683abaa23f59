"""CIFAR-100 small colour images (``keras.datasets.cifar100``)."""
import os

import numpy as np

from ndflow.keras.datasets import _common

ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
FILE_HASH = "85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7"


def load_data(label_mode="fine"):
    """``(x_train, y_train), (x_test, y_test)``: uint8 images (50000/10000, 32, 32, 3),
    labels of shape (N, 1): 100 fine classes or 20 coarse ones (``label_mode``)."""
    if label_mode not in ("fine", "coarse"):
        raise ValueError("cifar100.load_data: label_mode must be 'fine' or 'coarse', got %r."
                         % (label_mode,))
    root = _common.fetch("cifar-100-python-target", ORIGIN, FILE_HASH, extract=True)
    path = os.path.join(root, "cifar-100-python")
    out = []
    for part in ("train", "test"):
        x, y = _common.load_cifar_batch(os.path.join(path, part), label_mode + "_labels")
        out.append((x.transpose(0, 2, 3, 1), np.asarray(y).reshape(-1, 1)))
    return out[0], out[1]
