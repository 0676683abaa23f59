"""DenseNet121, DenseNet169 and DenseNet201 (Huang et al., "Densely Connected
Convolutional Networks", CVPR 2017), with Keras' layer names so that Keras' ImageNet
weights load.

A 7x7 stride-2 convolution and 3x3 stride-2 max pooling, then four dense blocks joined
by transition layers (batch normalization, ReLU, 1x1 convolution halving the channels,
2x2 average pooling). Each layer of a dense block (BN-ReLU-1x1 conv to 128 channels,
BN-ReLU-3x3 conv to 32 channels) concatenates its output to its input.
"""
from ndflow.keras import layers
from ndflow.keras.applications import _common
from ndflow.keras.applications import imagenet_utils

BASE_WEIGHTS_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/densenet/"
# md5 of Keras' files: (with the classifier, without it)
WEIGHTS_HASHES = {
    "densenet121": ("9d60b8095a5708f2dcce2bca79d332c7", "30ee3e1110167f948a6b9946edeeb738"),
    "densenet169": ("d699b8f76981ab1b30698df4c175e90b", "b8c4d4c20dd625c148057b9ff1c1176b"),
    "densenet201": ("1ceb130c1ea1b78c3bf6114dbdfd8807", "c13680b51ded0fb44dff2d8f86ac8bb1"),
}
_BLOCKS = {"densenet121": (6, 12, 24, 16), "densenet169": (6, 12, 32, 32),
           "densenet201": (6, 12, 48, 32)}
GROWTH_RATE = 32
_EPS = 1.001e-5


def _bn(name):
    return layers.BatchNormalization(axis=_common.channel_axis(), epsilon=_EPS, name=name)


def _conv_block(x, growth_rate, name):
    y = _bn(name + "_0_bn")(x)
    y = layers.Activation("relu", name=name + "_0_relu")(y)
    y = layers.Conv2D(4 * growth_rate, 1, use_bias=False, name=name + "_1_conv")(y)
    y = _bn(name + "_1_bn")(y)
    y = layers.Activation("relu", name=name + "_1_relu")(y)
    y = layers.Conv2D(growth_rate, 3, padding="same", use_bias=False, name=name + "_2_conv")(y)
    return layers.Concatenate(axis=_common.channel_axis(), name=name + "_concat")([x, y])


def _dense_block(x, blocks, name):
    for i in range(blocks):
        x = _conv_block(x, GROWTH_RATE, "%s_block%d" % (name, i + 1))
    return x


def _transition(x, reduction, name):
    x = _bn(name + "_bn")(x)
    x = layers.Activation("relu", name=name + "_relu")(x)
    channels = x.shape[_common.channel_axis()]
    x = layers.Conv2D(int(channels * reduction), 1, use_bias=False, name=name + "_conv")(x)
    return layers.AveragePooling2D(2, strides=2, name=name + "_pool")(x)


def _densenet(fn, variant, include_top, weights, input_tensor, input_shape, pooling,
              classes, classifier_activation, name):
    input_shape, img_input = _common.build_input(fn, weights, include_top, classes, pooling,
                                                 input_tensor, input_shape)
    blocks = _BLOCKS[variant]

    x = layers.ZeroPadding2D(padding=((3, 3), (3, 3)))(img_input)
    x = layers.Conv2D(64, 7, strides=2, use_bias=False, name="conv1_conv")(x)
    x = _bn("conv1_bn")(x)
    x = layers.Activation("relu", name="conv1_relu")(x)
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)))(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1")(x)
    for i, n in enumerate(blocks):
        x = _dense_block(x, n, "conv%d" % (i + 2))
        if i < len(blocks) - 1:
            x = _transition(x, 0.5, "pool%d" % (i + 2))
    x = _bn("bn")(x)
    x = layers.Activation("relu", name="relu")(x)
    x = _common.head(fn, x, include_top, pooling, classes, classifier_activation, weights,
                     avg_name="avg_pool", max_name="max_pool")
    model = _common.make_model(img_input, x, input_tensor, name)

    _common.load_tf_kernels_weights(fn, model, weights, include_top, BASE_WEIGHTS_PATH,
                                    variant, WEIGHTS_HASHES.get(variant))
    return model


_PREPROCESS = ('Preprocess images with ``keras.applications.densenet.preprocess_input`` '
               "(mode 'torch': scaled to [0, 1], then standardized per channel).")


def _make(fn, key):
    return _common.standard_builder(fn, _densenet, key, _common.model_doc(fn, _PREPROCESS),
                                    key)


DenseNet121 = _make("DenseNet121", "densenet121")
DenseNet169 = _make("DenseNet169", "densenet169")
DenseNet201 = _make("DenseNet201", "densenet201")


preprocess_input = imagenet_utils.family_preprocess_input("torch", __name__)
decode_predictions = imagenet_utils.decode_predictions
