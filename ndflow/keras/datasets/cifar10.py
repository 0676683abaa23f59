"""CIFAR-10 small colour images (``keras.datasets.cifar10``)."""
import os

import numpy as np

from ndflow.keras.datasets import _common

ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
FILE_HASH = "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"


def load_data():
    """``(x_train, y_train), (x_test, y_test)``: uint8 images (50000/10000, 32, 32, 3),
    uint8 labels of shape (N, 1)."""
    root = _common.fetch("cifar-10-batches-py", ORIGIN, FILE_HASH, untar=True)
    path = os.path.join(root, "cifar-10-batches-py")
    if not os.path.isdir(path):
        path = root
    xs, ys = [], []
    for i in range(1, 6):
        x, y = _common.load_cifar_batch(os.path.join(path, "data_batch_%d" % i))
        xs.append(x)
        ys.append(np.asarray(y, dtype=np.uint8))
    x_test, y_test = _common.load_cifar_batch(os.path.join(path, "test_batch"))
    x_train = np.concatenate(xs).transpose(0, 2, 3, 1)
    y_train = np.concatenate(ys).reshape(-1, 1)
    x_test = np.asarray(x_test, dtype=np.uint8).transpose(0, 2, 3, 1)
    y_test = np.asarray(y_test, dtype=np.uint8).reshape(-1, 1)
    return (x_train, y_train), (x_test, y_test)
