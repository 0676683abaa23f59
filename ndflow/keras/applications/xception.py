"""Xception (Chollet, "Xception: Deep Learning with Depthwise Separable Convolutions",
CVPR 2017), with Keras' layer names so that Keras' ImageNet weights load.

Entry flow: two plain 3x3 convolutions, then three blocks of two separable convolutions
and a stride-2 max pooling, each added to a 1x1 stride-2 projection of its input. Middle
flow: eight residual blocks of three ReLU + 728-wide separable convolutions. Exit flow: a
downsampling block (728 -> 1024) and two separable convolutions to 1536 and 2048
channels. Batch normalization follows every convolution.
"""
from ndflow.keras import layers
from ndflow.keras.applications import _common
from ndflow.keras.applications import imagenet_utils

WEIGHTS_PATH = ("https://storage.googleapis.com/tensorflow/keras-applications/xception/"
                "xception_weights_tf_dim_ordering_tf_kernels.h5")
WEIGHTS_PATH_NO_TOP = ("https://storage.googleapis.com/tensorflow/keras-applications/"
                       "xception/xception_weights_tf_dim_ordering_tf_kernels_notop.h5")
# md5 of Keras' files: (with the classifier, without it)
WEIGHTS_HASHES = ("0a58e3b7378bc2990ea3b43d5981f1f6", "b0042744bf5b25fce3cb969f33bebb97")


def _bn(name=None):
    return layers.BatchNormalization(axis=_common.channel_axis(), name=name)


def _sep(x, filters, name):
    x = layers.SeparableConv2D(filters, 3, padding="same", use_bias=False, name=name)(x)
    return _bn(name + "_bn")(x)


def _down_block(x, filters, block, first_relu=True):
    """Two separable convolutions and a stride-2 pooling plus a projected shortcut."""
    f1, f2 = filters
    residual = layers.Conv2D(f2, 1, strides=2, padding="same", use_bias=False)(x)
    residual = _bn()(residual)
    if first_relu:
        x = layers.Activation("relu", name="block%d_sepconv1_act" % block)(x)
    x = _sep(x, f1, "block%d_sepconv1" % block)
    x = layers.Activation("relu", name="block%d_sepconv2_act" % block)(x)
    x = _sep(x, f2, "block%d_sepconv2" % block)
    x = layers.MaxPooling2D(3, strides=2, padding="same", name="block%d_pool" % block)(x)
    return layers.Add()([x, residual])


def Xception(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
             pooling=None, classes=1000, classifier_activation="softmax", name="xception"):
    fn = "Xception"
    input_shape, img_input = _common.build_input(fn, weights, include_top, classes, pooling,
                                                 input_tensor, input_shape,
                                                 default_size=299, min_size=71)

    x = layers.Conv2D(32, 3, strides=2, use_bias=False, name="block1_conv1")(img_input)
    x = _bn("block1_conv1_bn")(x)
    x = layers.Activation("relu", name="block1_conv1_act")(x)
    x = layers.Conv2D(64, 3, use_bias=False, name="block1_conv2")(x)
    x = _bn("block1_conv2_bn")(x)
    x = layers.Activation("relu", name="block1_conv2_act")(x)

    x = _down_block(x, (128, 128), 2, first_relu=False)
    x = _down_block(x, (256, 256), 3)
    x = _down_block(x, (728, 728), 4)
    for block in range(5, 13):
        residual = x
        for i in (1, 2, 3):
            x = layers.Activation("relu", name="block%d_sepconv%d_act" % (block, i))(x)
            x = _sep(x, 728, "block%d_sepconv%d" % (block, i))
        x = layers.Add()([x, residual])
    x = _down_block(x, (728, 1024), 13)
    x = _sep(x, 1536, "block14_sepconv1")
    x = layers.Activation("relu", name="block14_sepconv1_act")(x)
    x = _sep(x, 2048, "block14_sepconv2")
    x = layers.Activation("relu", name="block14_sepconv2_act")(x)

    # the classifier's pooling is named, a feature extractor's is not (as in Keras)
    x = _common.head(fn, x, include_top, pooling, classes, classifier_activation, weights,
                     avg_name="avg_pool" if include_top else None)
    model = _common.make_model(img_input, x, input_tensor, name)
    return _common.load_weights(fn, model, weights, include_top,
                                (WEIGHTS_PATH, WEIGHTS_PATH_NO_TOP), WEIGHTS_HASHES)


Xception.__doc__ = _common.model_doc(
    "Xception", "Preprocess images with ``keras.applications.xception.preprocess_input`` "
    "(pixels scaled to [-1, 1]); the default input size is 299x299 (at least 71x71).")


preprocess_input = imagenet_utils.family_preprocess_input("tf", __name__)
decode_predictions = imagenet_utils.decode_predictions
