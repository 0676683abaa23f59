"""Fashion-MNIST clothing images (``keras.datasets.fashion_mnist``).

Besides the download cache, the files of the Debian package ``dataset-fashion-mnist``
(``/usr/share/datasets/fashion-mnist``) are used when present, so no network is needed.
"""
import os

from ndflow.keras.datasets import _common

# sha256 of the files Keras downloads (the Debian package's .gz files differ byte-wise but
# hold the same arrays; they are read from the system directory without a hash check)
FILE_HASHES = {
    "train-labels-idx1-ubyte.gz":
        "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
    "train-images-idx3-ubyte.gz":
        "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
    "t10k-labels-idx1-ubyte.gz":
        "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
    "t10k-images-idx3-ubyte.gz":
        "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
}
SYSTEM_DIRS = ["/usr/share/datasets/fashion-mnist"]


def load_data():
    """``(x_train, y_train), (x_test, y_test)``: uint8 images (60000/10000, 28, 28) and
    uint8 labels 0-9 (T-shirt/top, Trouser, Pullover, Dress, Coat, Sandal, Shirt,
    Sneaker, Bag, Ankle boot)."""
    subdir = os.path.join("datasets", "fashion-mnist")
    local = [d for d in SYSTEM_DIRS if os.path.isdir(d)]
    arrays = []
    for fname in ("train-labels-idx1-ubyte.gz", "train-images-idx3-ubyte.gz",
                  "t10k-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz"):
        path = _common.fetch(fname, _common.ORIGIN + fname, FILE_HASHES[fname],
                             cache_subdir=subdir, local_dirs=local)
        arrays.append(_common.read_idx(path))
    y_train, x_train, y_test, x_test = arrays
    if x_train.shape[0] != y_train.shape[0] or x_test.shape[0] != y_test.shape[0]:
        raise ValueError("Fashion-MNIST files disagree: %d train images but %d labels, %d "
                         "test images but %d labels." % (x_train.shape[0], y_train.shape[0],
                                                         x_test.shape[0], y_test.shape[0]))
    return (x_train, y_train), (x_test, y_test)
