"""EfficientNetV2B0 to B3, S, M and L (Tan & Le, "EfficientNetV2: Smaller Models and
Faster Training", ICML 2021), with Keras' layer names so that Keras' ImageNet weights
load.

A stride-2 stem convolution, stages of fused MBConv blocks (a full 3x3 convolution in
place of the expansion and depthwise convolutions) followed by stages of MBConv blocks
(1x1 expansion, depthwise convolution, squeeze-and-excitation, 1x1 projection), a skip
connection with stochastic depth when shapes allow, and a 1x1 convolution to 1280
(scaled) channels; swish activations throughout. B1-B3 scale widths and depths.

With ``include_preprocessing`` (the default) the models take pixels in [0, 255]: the B
variants rescale them to [0, 1] and normalize with the ImageNet mean and standard
deviation, S/M/L rescale them to [-1, 1]. ``preprocess_input`` returns its input
unchanged. The fixed normalization is a private weightless layer (Keras'
``Normalization`` with given statistics has no weights, ndflow's stores them).
"""
import math

from ndflow.keras import layers
from ndflow.keras.applications import _common
from ndflow.keras.applications import imagenet_utils
from ndflow.keras.applications.convnext import _PreStem
from ndflow.keras.engine import naming

BASE_WEIGHTS_PATH = ("https://storage.googleapis.com/tensorflow/keras-applications/"
                     "efficientnet_v2/")
# md5 of Keras' files: (with the classifier, without it)
WEIGHTS_HASHES = {
    "b0": ("21ecbf6da12460d5c40bb2f29ceb2188", "893217f2bb855e2983157299931e43ff"),
    "b1": ("069f0534ff22adf035c89e2d9547a9dc", "0e80663031ca32d657f9caa404b6ec37"),
    "b2": ("424e49f28180edbde1e94797771950a7", "1dfe2e7a5d45b6632553a8961ea609eb"),
    "b3": ("1f1fc43bd98a6e4fd8fdfd551e02c7a0", "f6abf7b5849ac99a89b50dd3fd532856"),
    "s": ("e1d88a8495beba45748fedd0cecbe016", "af0682fb74e8c54910f2d4393339c070"),
    "m": ("a3bf6aa3276309f4fc6a34aa114c95cd", "1b8dc055df72dde80d614482840fe342"),
    "l": ("27e6d408b53c7ebc868fefa357689935", "b0b66b5c863aef5b46e8608fe1711615"),
}

# Stages: (fused, kernel, repeats, filters in, filters out, expansion, SE ratio, stride)
_B = ((True, 3, 1, 32, 16, 1, 0, 1), (True, 3, 2, 16, 32, 4, 0, 2),
      (True, 3, 2, 32, 48, 4, 0, 2), (False, 3, 3, 48, 96, 4, 0.25, 2),
      (False, 3, 5, 96, 112, 6, 0.25, 1), (False, 3, 8, 112, 192, 6, 0.25, 2))
STAGES = {
    "b0": _B, "b1": _B, "b2": _B, "b3": _B,
    "s": ((True, 3, 2, 24, 24, 1, 0, 1), (True, 3, 4, 24, 48, 4, 0, 2),
          (True, 3, 4, 48, 64, 4, 0, 2), (False, 3, 6, 64, 128, 4, 0.25, 2),
          (False, 3, 9, 128, 160, 6, 0.25, 1), (False, 3, 15, 160, 256, 6, 0.25, 2)),
    "m": ((True, 3, 3, 24, 24, 1, 0, 1), (True, 3, 5, 24, 48, 4, 0, 2),
          (True, 3, 5, 48, 80, 4, 0, 2), (False, 3, 7, 80, 160, 4, 0.25, 2),
          (False, 3, 14, 160, 176, 6, 0.25, 1), (False, 3, 18, 176, 304, 6, 0.25, 2),
          (False, 3, 5, 304, 512, 6, 0.25, 1)),
    "l": ((True, 3, 4, 32, 32, 1, 0, 1), (True, 3, 7, 32, 64, 4, 0, 2),
          (True, 3, 7, 64, 96, 4, 0, 2), (False, 3, 10, 96, 192, 4, 0.25, 2),
          (False, 3, 19, 192, 224, 6, 0.25, 1), (False, 3, 25, 224, 384, 6, 0.25, 2),
          (False, 3, 7, 384, 640, 6, 0.25, 1)),
}
# (width coefficient, depth coefficient, default input size)
SCALING = {"b0": (1.0, 1.0, 224), "b1": (1.0, 1.1, 240), "b2": (1.1, 1.2, 260),
           "b3": (1.2, 1.4, 300), "s": (1.0, 1.0, 384), "m": (1.0, 1.0, 480),
           "l": (1.0, 1.0, 480)}
DROPOUT_RATE = 0.2
DROP_CONNECT_RATE = 0.2
BN_MOMENTUM = 0.9
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)

CONV_KERNEL_INITIALIZER = {"class_name": "VarianceScaling", "config": {
    "scale": 2.0, "mode": "fan_out", "distribution": "truncated_normal"}}
DENSE_KERNEL_INITIALIZER = {"class_name": "VarianceScaling", "config": {
    "scale": 1.0 / 3.0, "mode": "fan_out", "distribution": "uniform"}}


def _round_filters(filters, width, divisor=8, min_depth=8):
    """``filters * width`` rounded to the nearest multiple of ``divisor`` (at least
    ``min_depth``)."""
    scaled = filters * width
    return int(max(min_depth, int(scaled + divisor / 2) // divisor * divisor))


def _round_repeats(repeats, depth):
    return int(math.ceil(depth * repeats))


def _conv(filters, kernel, strides, name, **kwargs):
    return layers.Conv2D(filters, kernel, strides=strides, padding="same", use_bias=False,
                         kernel_initializer=CONV_KERNEL_INITIALIZER, name=name, **kwargs)


def _bn(name):
    return layers.BatchNormalization(axis=_common.channel_axis(), momentum=BN_MOMENTUM,
                                     name=name)


def _se(x, filters_in, filters, se_ratio, activation, name):
    squeezed = max(1, int(filters_in * se_ratio))
    se = layers.GlobalAveragePooling2D(name=name + "se_squeeze")(x)
    shape = (filters, 1, 1) if _common.channel_axis() == 1 else (1, 1, filters)
    se = layers.Reshape(shape, name=name + "se_reshape")(se)
    se = layers.Conv2D(squeezed, 1, padding="same", activation=activation,
                       kernel_initializer=CONV_KERNEL_INITIALIZER, name=name + "se_reduce")(se)
    se = layers.Conv2D(filters, 1, padding="same", activation="sigmoid",
                       kernel_initializer=CONV_KERNEL_INITIALIZER, name=name + "se_expand")(se)
    return layers.Multiply(name=name + "se_excite")([x, se])


def _block(inputs, fused, kernel, filters_in, filters_out, expand, se_ratio, strides,
           activation, drop_rate, name):
    filters = filters_in * expand
    x = inputs
    if expand != 1:
        # fused: the expansion is the full (strided) convolution
        x = _conv(filters, kernel if fused else 1, strides if fused else 1,
                  name + "expand_conv")(x)
        x = _bn(name + "expand_bn")(x)
        x = layers.Activation(activation, name=name + "expand_activation")(x)
    if not fused:
        x = layers.DepthwiseConv2D(kernel, strides=strides, padding="same", use_bias=False,
                                   depthwise_initializer=CONV_KERNEL_INITIALIZER,
                                   name=name + "dwconv2")(x)
        x = _bn(name + "bn")(x)
        x = layers.Activation(activation, name=name + "activation")(x)
    if 0 < se_ratio <= 1:
        x = _se(x, filters_in, filters, se_ratio, activation, name)
    if fused and expand == 1:
        x = _conv(filters_out, kernel, strides, name + "project_conv")(x)
    else:
        x = _conv(filters_out, 1, 1, name + "project_conv")(x)
    x = _bn(name + "project_bn")(x)
    if fused and expand == 1:
        x = layers.Activation(activation, name=name + "project_activation")(x)
    if strides == 1 and filters_in == filters_out:
        if drop_rate:
            # Keras passes its schedule value as the dropout rate of the whole branch
            x = layers.Dropout(drop_rate, noise_shape=(None, 1, 1, 1), name=name + "drop")(x)
        x = layers.Add(name=name + "add")([x, inputs])
    return x


def _efficientnet_v2(fn, variant, include_top, weights, input_tensor, input_shape, pooling,
                     classes, classifier_activation, include_preprocessing, name,
                     activation="swish"):
    width, depth, default_size = SCALING[variant]
    input_shape, img_input = _common.build_input(fn, weights, include_top, classes, pooling,
                                                 input_tensor, input_shape,
                                                 default_size=default_size)
    bn_axis = _common.channel_axis()

    x = img_input
    if include_preprocessing:
        channels = input_shape[bn_axis]
        if variant.startswith("b") and channels == 3:
            x = layers.Rescaling(scale=1.0 / 255)(x)
            x = _PreStem(IMAGENET_MEAN, [s ** 2 for s in IMAGENET_STD], axis=bn_axis % 4,
                         name=naming.unique_name("normalization"))(x)
        else:
            x = layers.Rescaling(scale=1.0 / 128.0, offset=-1)(x)

    stages = STAGES[variant]
    x = _conv(_round_filters(stages[0][3], width), 3, 2, "stem_conv")(x)
    x = _bn("stem_bn")(x)
    x = layers.Activation(activation, name="stem_activation")(x)

    total = float(sum(s[2] for s in stages))
    b = 0
    for i, (fused, kernel, repeats, f_in, f_out, expand, se_ratio, stride) in \
            enumerate(stages):
        f_in, f_out = _round_filters(f_in, width), _round_filters(f_out, width)
        for j in range(_round_repeats(repeats, depth)):
            x = _block(x, fused, kernel, f_in if j == 0 else f_out, f_out, expand, se_ratio,
                       stride if j == 0 else 1, activation, DROP_CONNECT_RATE * b / total,
                       "block%d%s_" % (i + 1, chr(ord("a") + j)))
            b += 1

    x = _conv(_round_filters(1280, width), 1, 1, "top_conv")(x)
    x = _bn("top_bn")(x)
    x = layers.Activation(activation, name="top_activation")(x)
    x = _common.head(fn, x, include_top, pooling, classes, classifier_activation, weights,
                     avg_name="avg_pool", max_name="max_pool",
                     dense_kwargs={"kernel_initializer": DENSE_KERNEL_INITIALIZER},
                     dropout=(DROPOUT_RATE, "top_dropout"))
    model = _common.make_model(img_input, x, input_tensor, name)

    return _common.load_weights(fn, model, weights, include_top,
                                _common.named_urls(BASE_WEIGHTS_PATH, name),
                                WEIGHTS_HASHES[variant])


_DOC = """{fn}, optionally with weights pre-trained on ImageNet.

    Args:
        include_top: whether to end with the 1000-way (``classes``-way) classifier.
        weights: None (random initialization), 'imagenet', or the path of a weights file.
        input_tensor: a Keras tensor to use as the model's input.
        input_shape: (height, width, 3) without the batch, at least 32x32; must be
            ({size}, {size}, 3) with ``include_top=True`` and ImageNet weights.
        pooling: without the top, None (4-D feature maps), 'avg' or 'max' (a vector).
        classes: number of classes of the classifier (1000 with ImageNet weights).
        classifier_activation: 'softmax' (default), None for logits, or any activation
            (only softmax/None with pre-trained weights).
        include_preprocessing: whether the model takes [0, 255] pixels and rescales
            (and, for the B variants, normalizes) them itself.
        name: the model's name (ImageNet weights are fetched as ``<name>.h5``).

    ``keras.applications.efficientnet_v2.preprocess_input`` returns its input unchanged.
    """


def _make(variant):
    fn = "EfficientNetV2" + variant.upper()

    def builder(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
                pooling=None, classes=1000, classifier_activation="softmax",
                include_preprocessing=True, name="efficientnetv2-" + variant):
        return _efficientnet_v2(fn, variant, include_top, weights, input_tensor,
                                input_shape, pooling, classes, classifier_activation,
                                include_preprocessing, name)

    builder.__name__ = builder.__qualname__ = fn
    builder.__doc__ = _DOC.format(fn=fn, size=SCALING[variant][2])
    return builder


EfficientNetV2B0 = _make("b0")
EfficientNetV2B1 = _make("b1")
EfficientNetV2B2 = _make("b2")
EfficientNetV2B3 = _make("b3")
EfficientNetV2S = _make("s")
EfficientNetV2M = _make("m")
EfficientNetV2L = _make("l")


def preprocess_input(x, data_format=None):
    """Returns ``x`` unchanged: EfficientNetV2 models rescale their input themselves
    (kept so that code written for the other models works)."""
    return x


decode_predictions = imagenet_utils.decode_predictions
