"""The TensorFlow 2 beginner quickstart, on ndflow, with Fashion-MNIST.

    python examples/quickstart.py [--epochs 5]

The model of the quickstart (Flatten -> Dense(128, relu) -> Dropout(0.2) -> Dense(10)),
trained with Adam on the 60000 training images, then evaluated on the 10000 test images.
The data comes from the Debian package ``dataset-fashion-mnist``
(/usr/share/datasets/fashion-mnist) or the directory in ``FASHION_MNIST_DIR``.
TensorFlow reaches about 0.88 test accuracy after 5 epochs.
"""
import argparse
import gzip
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir))

import ndflow as tf  # noqa: E402


def load_fashion_mnist():
    """((x_train, y_train), (x_test, y_test)) as uint8 arrays, like mnist.load_data()."""
    directory = os.environ.get("FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist")

    def read(name, offset, shape):
        with gzip.open(os.path.join(directory, name), "rb") as f:
            return np.frombuffer(f.read(), np.uint8, offset=offset).reshape(shape)

    try:
        return ((read("train-images-idx3-ubyte.gz", 16, (-1, 28, 28)),
                 read("train-labels-idx1-ubyte.gz", 8, (-1,))),
                (read("t10k-images-idx3-ubyte.gz", 16, (-1, 28, 28)),
                 read("t10k-labels-idx1-ubyte.gz", 8, (-1,))))
    except FileNotFoundError:
        sys.exit("Fashion-MNIST not found in %s: install the Debian package "
                 "dataset-fashion-mnist (make system-deps) or set FASHION_MNIST_DIR to a "
                 "directory with the four *-ubyte.gz files." % directory)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    args = parser.parse_args()

    print("ndflow version:", tf.__version__)
    (x_train, y_train), (x_test, y_test) = load_fashion_mnist()
    x_train, x_test = x_train / 255.0, x_test / 255.0

    tf.keras.utils.set_random_seed(0)
    model = tf.keras.models.Sequential([
        tf.keras.layers.Flatten(input_shape=(28, 28)),
        tf.keras.layers.Dense(128, activation="relu"),
        tf.keras.layers.Dropout(0.2),
        tf.keras.layers.Dense(10),
    ])
    loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    model.compile(optimizer="adam", loss=loss_fn, metrics=["accuracy"])

    start = time.time()
    model.fit(x_train, y_train, epochs=args.epochs)
    seconds = time.time() - start
    test_loss, test_acc = model.evaluate(x_test, y_test, verbose=2)

    probability_model = tf.keras.Sequential([model, tf.keras.layers.Softmax()])
    probs = probability_model(x_test[:5]).numpy()
    print("predicted classes of the first 5 test images:", probs.argmax(axis=1).tolist(),
          "(true: %s)" % y_test[:5].tolist())
    print("training: %.1f s (%.2f s per epoch)" % (seconds, seconds / args.epochs))
    print("test accuracy: %.4f" % test_acc)


if __name__ == "__main__":
    main()
