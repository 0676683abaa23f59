"""InceptionV3 (Szegedy et al., "Rethinking the Inception Architecture for Computer
Vision", CVPR 2016), with Keras' layer names so that Keras' ImageNet weights load.

A stem of five convolutions and two max poolings, then eleven Inception modules
(``mixed0`` ... ``mixed10``): parallel branches of 1x1, 3x3 / 5x5, factorized 1x7 + 7x1
and 1x3 / 3x1 convolutions and a pooling branch, concatenated on the channel axis. Every
convolution is followed by batch normalization without scale (epsilon 1e-3) and ReLU.
Most layers keep Keras' automatic names (``conv2d_<n>``...), so the modules create their
layers in Keras' order.
"""
from ndflow.keras import layers
from ndflow.keras.applications import _common
from ndflow.keras.applications import imagenet_utils

WEIGHTS_PATH = ("https://storage.googleapis.com/tensorflow/keras-applications/inception_v3/"
                "inception_v3_weights_tf_dim_ordering_tf_kernels.h5")
WEIGHTS_PATH_NO_TOP = ("https://storage.googleapis.com/tensorflow/keras-applications/"
                       "inception_v3/inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5")
# md5 of Keras' files: (with the classifier, without it)
WEIGHTS_HASHES = ("9a0d58056eeedaa3f26cb7ebd46da564", "bcbd6486424b2319ff4ef7d526e38f63")


def _cbr(x, filters, rows, cols, padding="same", strides=1):
    """Convolution (no bias), batch normalization without scale, ReLU."""
    x = layers.Conv2D(filters, (rows, cols), strides=strides, padding=padding,
                      use_bias=False)(x)
    x = layers.BatchNormalization(axis=_common.channel_axis(), scale=False)(x)
    return layers.Activation("relu")(x)


def _chain(x, specs):
    for spec in specs:
        x = _cbr(x, *spec)
    return x


def _avg_branch(x, filters):
    x = layers.AveragePooling2D(3, strides=1, padding="same")(x)
    return _cbr(x, filters, 1, 1)


def _concat(branches, name=None):
    return layers.Concatenate(axis=_common.channel_axis(), name=name)(branches)


def InceptionV3(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
                pooling=None, classes=1000, classifier_activation="softmax",
                name="inception_v3"):
    fn = "InceptionV3"
    input_shape, img_input = _common.build_input(fn, weights, include_top, classes, pooling,
                                                 input_tensor, input_shape,
                                                 default_size=299, min_size=75)

    x = _cbr(img_input, 32, 3, 3, padding="valid", strides=2)
    x = _cbr(x, 32, 3, 3, padding="valid")
    x = _cbr(x, 64, 3, 3)
    x = layers.MaxPooling2D(3, strides=2)(x)
    x = _cbr(x, 80, 1, 1, padding="valid")
    x = _cbr(x, 192, 3, 3, padding="valid")
    x = layers.MaxPooling2D(3, strides=2)(x)

    # mixed0-2: 35x35 modules
    for i, pool_filters in enumerate((32, 64, 64)):
        b1 = _cbr(x, 64, 1, 1)
        b5 = _chain(x, [(48, 1, 1), (64, 5, 5)])
        b3 = _chain(x, [(64, 1, 1), (96, 3, 3), (96, 3, 3)])
        bp = _avg_branch(x, pool_filters)
        x = _concat([b1, b5, b3, bp], "mixed%d" % i)

    # mixed3: grid reduction to 17x17
    b3 = _cbr(x, 384, 3, 3, padding="valid", strides=2)
    bd = _chain(x, [(64, 1, 1), (96, 3, 3)])
    bd = _cbr(bd, 96, 3, 3, padding="valid", strides=2)
    bp = layers.MaxPooling2D(3, strides=2)(x)
    x = _concat([b3, bd, bp], "mixed3")

    # mixed4-7: 17x17 modules with factorized 7x7 convolutions
    for i, width in enumerate((128, 160, 160, 192)):
        b1 = _cbr(x, 192, 1, 1)
        b7 = _chain(x, [(width, 1, 1), (width, 1, 7), (192, 7, 1)])
        bd = _chain(x, [(width, 1, 1), (width, 7, 1), (width, 1, 7), (width, 7, 1),
                        (192, 1, 7)])
        bp = _avg_branch(x, 192)
        x = _concat([b1, b7, bd, bp], "mixed%d" % (4 + i))

    # mixed8: grid reduction to 8x8
    b3 = _cbr(x, 192, 1, 1)
    b3 = _cbr(b3, 320, 3, 3, strides=2, padding="valid")
    b7 = _chain(x, [(192, 1, 1), (192, 1, 7), (192, 7, 1)])
    b7 = _cbr(b7, 192, 3, 3, strides=2, padding="valid")
    bp = layers.MaxPooling2D(3, strides=2)(x)
    x = _concat([b3, b7, bp], "mixed8")

    # mixed9-10: 8x8 modules with expanded filter banks
    for i in range(2):
        b1 = _cbr(x, 320, 1, 1)
        b3 = _cbr(x, 384, 1, 1)
        b3 = _concat([_cbr(b3, 384, 1, 3), _cbr(b3, 384, 3, 1)], "mixed9_%d" % i)
        bd = _chain(x, [(448, 1, 1), (384, 3, 3)])
        bd = _concat([_cbr(bd, 384, 1, 3), _cbr(bd, 384, 3, 1)])
        bp = _avg_branch(x, 192)
        x = _concat([b1, b3, bd, bp], "mixed%d" % (9 + i))

    # the classifier's pooling is named, a feature extractor's is not (as in Keras)
    x = _common.head(fn, x, include_top, pooling, classes, classifier_activation, weights,
                     avg_name="avg_pool" if include_top else None)
    model = _common.make_model(img_input, x, input_tensor, name)
    return _common.load_weights(fn, model, weights, include_top,
                                (WEIGHTS_PATH, WEIGHTS_PATH_NO_TOP), WEIGHTS_HASHES)


InceptionV3.__doc__ = _common.model_doc(
    "InceptionV3", "Preprocess images with ``keras.applications.inception_v3."
    "preprocess_input`` (pixels scaled to [-1, 1]); the default input size is 299x299 "
    "(at least 75x75).")


preprocess_input = imagenet_utils.family_preprocess_input("tf", __name__)
decode_predictions = imagenet_utils.decode_predictions
