"""ResNet50, ResNet101 and ResNet152 (He et al., "Deep Residual Learning for Image
Recognition", CVPR 2015), with Keras' layer names so that Keras' ImageNet weights load.

A 7x7 stride-2 convolution and a 3x3 stride-2 max pooling, then four stages of
bottleneck blocks (1x1 reduce, 3x3, 1x1 expand to 4x the width, batch normalization
after each, ReLU after the sum with the shortcut). The first block of a stage has a
projection shortcut (1x1 convolution) and, from the second stage on, stride 2.
"""
from ndflow.keras import layers
from ndflow.keras.applications import _common
from ndflow.keras.applications import imagenet_utils

BASE_WEIGHTS_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/resnet/"
# md5 of Keras' files: (with the classifier, without it)
WEIGHTS_HASHES = {
    "resnet50": ("2cb95161c43110f7111970584f804107", "4d473c1dd8becc155b73f8504c6f6626"),
    "resnet101": ("f1aeb4b969a6efcfb50fad2f0c20cfc5", "88cf7a10940856eca736dc7b7e228a21"),
    "resnet152": ("100835be76be38e30d865e96f2aaae62", "ee4c566cf9a93f14d82f913c2dc6dd0c"),
}

# blocks per stage (the bottleneck widths are 64, 128, 256, 512)
_DEPTHS = {"resnet50": (3, 4, 6, 3), "resnet101": (3, 4, 23, 3), "resnet152": (3, 8, 36, 3)}
_EPS = 1.001e-5


def _bn(name):
    return layers.BatchNormalization(axis=_common.channel_axis(), epsilon=_EPS, name=name)


def _bottleneck(x, filters, stride, projection, name):
    """One bottleneck block; ``projection``: a 1x1 convolution shortcut (else identity)."""
    if projection:
        shortcut = layers.Conv2D(4 * filters, 1, strides=stride, name=name + "_0_conv")(x)
        shortcut = _bn(name + "_0_bn")(shortcut)
    else:
        shortcut = x
    x = layers.Conv2D(filters, 1, strides=stride, name=name + "_1_conv")(x)
    x = _bn(name + "_1_bn")(x)
    x = layers.Activation("relu", name=name + "_1_relu")(x)
    x = layers.Conv2D(filters, 3, padding="same", name=name + "_2_conv")(x)
    x = _bn(name + "_2_bn")(x)
    x = layers.Activation("relu", name=name + "_2_relu")(x)
    x = layers.Conv2D(4 * filters, 1, name=name + "_3_conv")(x)
    x = _bn(name + "_3_bn")(x)
    x = layers.Add(name=name + "_add")([shortcut, x])
    return layers.Activation("relu", name=name + "_out")(x)


def _stage(x, filters, blocks, stride, name):
    x = _bottleneck(x, filters, stride, True, name + "_block1")
    for i in range(2, blocks + 1):
        x = _bottleneck(x, filters, 1, False, "%s_block%d" % (name, i))
    return x


def _resnet(fn, weights_name, include_top, weights, input_tensor, input_shape, pooling,
            classes, classifier_activation, name):
    input_shape, img_input = _common.build_input(fn, weights, include_top, classes, pooling,
                                                 input_tensor, input_shape)

    x = layers.ZeroPadding2D(padding=((3, 3), (3, 3)), name="conv1_pad")(img_input)
    x = layers.Conv2D(64, 7, strides=2, name="conv1_conv")(x)
    x = _bn("conv1_bn")(x)
    x = layers.Activation("relu", name="conv1_relu")(x)
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)), name="pool1_pad")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1_pool")(x)
    for i, (filters, blocks) in enumerate(zip((64, 128, 256, 512), _DEPTHS[weights_name])):
        x = _stage(x, filters, blocks, 1 if i == 0 else 2, "conv%d" % (i + 2))
    x = _common.head(fn, x, include_top, pooling, classes, classifier_activation, weights,
                     avg_name="avg_pool", max_name="max_pool")
    model = _common.make_model(img_input, x, input_tensor, name)

    _common.load_tf_kernels_weights(fn, model, weights, include_top, BASE_WEIGHTS_PATH,
                                    weights_name, WEIGHTS_HASHES.get(weights_name))
    return model


_PREPROCESS = ('Preprocess images with ``keras.applications.resnet.preprocess_input`` '
               "(mode 'caffe': RGB to BGR, ImageNet mean subtracted).")


def _make(fn, key):
    return _common.standard_builder(fn, _resnet, key, _common.model_doc(fn, _PREPROCESS),
                                    key)


ResNet50 = _make("ResNet50", "resnet50")
ResNet101 = _make("ResNet101", "resnet101")
ResNet152 = _make("ResNet152", "resnet152")


preprocess_input = imagenet_utils.family_preprocess_input("caffe", __name__)
decode_predictions = imagenet_utils.decode_predictions
