"""ResNet50V2, ResNet101V2 and ResNet152V2 (He et al., "Identity Mappings in Deep
Residual Networks", ECCV 2016), with Keras' layer names so that Keras' ImageNet weights
load.

Pre-activation bottleneck blocks: batch normalization and ReLU come before each block's
convolutions (1x1 reduce, 3x3, 1x1 expand to 4x the width), and the shortcut is added to
the raw block output. A stage downsamples in its last block (stride-2 3x3 convolution,
1x1 stride-2 max pooling on the shortcut); its first block has a projection shortcut.
"""
from ndflow.keras import layers
from ndflow.keras.applications import _common
from ndflow.keras.applications import imagenet_utils

BASE_WEIGHTS_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/resnet/"
# md5 of Keras' files: (with the classifier, without it)
WEIGHTS_HASHES = {
    "resnet50v2": ("3ef43a0b657b3be2300d5770ece849e0", "fac2f116257151a9d068a22e544a4917"),
    "resnet101v2": ("6343647c601c52e1368623803854d971", "c0ed64b8031c3730f411d2eb4eea35b5"),
    "resnet152v2": ("a49b44d1979771252814e80f8ec446f9", "ed17cf2e0169df9d443503ef94b23b33"),
}

_DEPTHS = {"resnet50v2": (3, 4, 6, 3), "resnet101v2": (3, 4, 23, 3),
           "resnet152v2": (3, 8, 36, 3)}
_EPS = 1.001e-5


def _bn(name):
    return layers.BatchNormalization(axis=_common.channel_axis(), epsilon=_EPS, name=name)


def _preact_block(x, filters, stride, projection, name):
    preact = _bn(name + "_preact_bn")(x)
    preact = layers.Activation("relu", name=name + "_preact_relu")(preact)
    if projection:
        shortcut = layers.Conv2D(4 * filters, 1, strides=stride, name=name + "_0_conv")(preact)
    elif stride > 1:
        shortcut = layers.MaxPooling2D(1, strides=stride)(x)
    else:
        shortcut = x
    x = layers.Conv2D(filters, 1, use_bias=False, name=name + "_1_conv")(preact)
    x = _bn(name + "_1_bn")(x)
    x = layers.Activation("relu", name=name + "_1_relu")(x)
    x = layers.ZeroPadding2D(((1, 1), (1, 1)), name=name + "_2_pad")(x)
    x = layers.Conv2D(filters, 3, strides=stride, use_bias=False, name=name + "_2_conv")(x)
    x = _bn(name + "_2_bn")(x)
    x = layers.Activation("relu", name=name + "_2_relu")(x)
    x = layers.Conv2D(4 * filters, 1, name=name + "_3_conv")(x)
    return layers.Add(name=name + "_out")([shortcut, x])


def _stage(x, filters, blocks, stride, name):
    x = _preact_block(x, filters, 1, True, name + "_block1")
    for i in range(2, blocks):
        x = _preact_block(x, filters, 1, False, "%s_block%d" % (name, i))
    return _preact_block(x, filters, stride, False, "%s_block%d" % (name, blocks))


def _resnet_v2(fn, weights_name, include_top, weights, input_tensor, input_shape, pooling,
               classes, classifier_activation, name):
    input_shape, img_input = _common.build_input(fn, weights, include_top, classes, pooling,
                                                 input_tensor, input_shape)

    x = layers.ZeroPadding2D(((3, 3), (3, 3)), name="conv1_pad")(img_input)
    x = layers.Conv2D(64, 7, strides=2, name="conv1_conv")(x)
    x = layers.ZeroPadding2D(((1, 1), (1, 1)), name="pool1_pad")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1_pool")(x)
    for i, (filters, blocks) in enumerate(zip((64, 128, 256, 512), _DEPTHS[weights_name])):
        x = _stage(x, filters, blocks, 2 if i < 3 else 1, "conv%d" % (i + 2))
    x = _bn("post_bn")(x)
    x = layers.Activation("relu", name="post_relu")(x)
    x = _common.head(fn, x, include_top, pooling, classes, classifier_activation, weights,
                     avg_name="avg_pool", max_name="max_pool")
    model = _common.make_model(img_input, x, input_tensor, name)

    _common.load_tf_kernels_weights(fn, model, weights, include_top, BASE_WEIGHTS_PATH,
                                    weights_name, WEIGHTS_HASHES[weights_name])
    return model


_PREPROCESS = ("Preprocess images with ``keras.applications.resnet_v2.preprocess_input`` "
               "(pixels scaled to [-1, 1]).")


def _make(fn, key):
    return _common.standard_builder(fn, _resnet_v2, key, _common.model_doc(fn, _PREPROCESS),
                                    key)


ResNet50V2 = _make("ResNet50V2", "resnet50v2")
ResNet101V2 = _make("ResNet101V2", "resnet101v2")
ResNet152V2 = _make("ResNet152V2", "resnet152v2")


preprocess_input = imagenet_utils.family_preprocess_input("tf", __name__)
decode_predictions = imagenet_utils.decode_predictions
