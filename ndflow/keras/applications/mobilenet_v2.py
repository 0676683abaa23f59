"""MobileNetV2 (Sandler et al., "MobileNetV2: Inverted Residuals and Linear Bottlenecks",
CVPR 2018), with Keras' layer names so that Keras' ImageNet weights load.

The network: a stride-2 3x3 convolution, 17 inverted residual blocks (1x1 expansion,
3x3 depthwise convolution, linear 1x1 projection, a skip connection when shapes allow),
a final 1x1 convolution to 1280 channels, and the classifier. Batch normalization
(epsilon 1e-3, momentum 0.999) follows every convolution, ReLU6 every non-linear one.
``alpha`` scales every width (rounded to a multiple of 8).
"""
from ndflow.keras import backend
from ndflow.keras import layers
from ndflow.keras.applications import _common
from ndflow.keras.applications import imagenet_utils

BASE_WEIGHT_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/mobilenet_v2/"

_IMAGENET_ALPHAS = (0.35, 0.5, 0.75, 1.0, 1.3, 1.4)
_IMAGENET_SIZES = (96, 128, 160, 192, 224)

# (output channels, stride, expansion factor) of the 17 inverted residual blocks
_BLOCKS = ([(16, 1, 1)] + [(24, 2, 6), (24, 1, 6)] + [(32, 2, 6)] + [(32, 1, 6)] * 2 +
           [(64, 2, 6)] + [(64, 1, 6)] * 3 + [(96, 1, 6)] * 3 + [(160, 2, 6)] +
           [(160, 1, 6)] * 2 + [(320, 1, 6)])


def _make_divisible(v, divisor=8, min_value=None):
    """``v`` rounded to the nearest multiple of ``divisor``, never more than 10% lower."""
    min_value = divisor if min_value is None else min_value
    rounded = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if rounded < 0.9 * v:
        rounded += divisor
    return rounded


def _bn(name):
    return layers.BatchNormalization(axis=_common.channel_axis(), epsilon=1e-3,
                                     momentum=0.999, name=name)


def _inverted_res_block(x, expansion, stride, alpha, filters, block_id):
    in_channels = x.shape[_common.channel_axis()]
    out_channels = _make_divisible(int(filters * alpha), 8)
    inputs = x
    if block_id:
        prefix = "block_%d_" % block_id
        x = layers.Conv2D(expansion * in_channels, 1, padding="same", use_bias=False,
                          name=prefix + "expand")(x)
        x = _bn(prefix + "expand_BN")(x)
        x = layers.ReLU(6.0, name=prefix + "expand_relu")(x)
    else:
        prefix = "expanded_conv_"
    if stride == 2:
        x = layers.ZeroPadding2D(padding=_common.correct_pad(x, 3), name=prefix + "pad")(x)
    x = layers.DepthwiseConv2D(3, strides=stride, use_bias=False,
                               padding="same" if stride == 1 else "valid",
                               name=prefix + "depthwise")(x)
    x = _bn(prefix + "depthwise_BN")(x)
    x = layers.ReLU(6.0, name=prefix + "depthwise_relu")(x)
    x = layers.Conv2D(out_channels, 1, padding="same", use_bias=False,
                      name=prefix + "project")(x)
    x = _bn(prefix + "project_BN")(x)
    if stride == 1 and in_channels == out_channels:
        x = layers.Add(name=prefix + "add")([inputs, x])
    return x


def _default_size(input_shape, input_tensor):
    """The input size whose ImageNet weights to use: the given square size when weights
    exist for it, else 224."""
    first = backend.image_data_format() == "channels_first"
    if input_shape is None and input_tensor is not None:
        shape = tuple(input_tensor.shape)
        rows, cols = (shape[2], shape[3]) if first else (shape[1], shape[2])
    elif input_shape is not None:
        shape = tuple(input_shape)
        if len(shape) != 3:
            return 224
        rows, cols = (shape[1], shape[2]) if first else (shape[0], shape[1])
    else:
        return 224
    return rows if rows == cols and rows in _IMAGENET_SIZES else 224


def MobileNetV2(input_shape=None, alpha=1.0, include_top=True, weights="imagenet",
                input_tensor=None, pooling=None, classes=1000,
                classifier_activation="softmax", name=None):
    """MobileNetV2, optionally with weights pre-trained on ImageNet.

    Args:
        input_shape: (height, width, 3) without the batch, at least 32x32; with
            ``include_top=True`` and ImageNet weights it must be (224, 224, 3) or one of
            the other sizes weights exist for (96, 128, 160, 192).
        alpha: width multiplier; ImageNet weights exist for 0.35, 0.5, 0.75, 1.0, 1.3, 1.4.
        include_top: whether to end with the 1000-way (``classes``-way) classifier.
        weights: None (random initialization), 'imagenet', or the path of a weights file.
        input_tensor: a Keras tensor to use as the model's input.
        pooling: without the top, None (4-D feature maps), 'avg' or 'max' (a vector).
        classes: number of classes of the classifier (1000 with ImageNet weights).
        classifier_activation: 'softmax' (default), None for logits, or any activation
            (only softmax/None with pre-trained weights).
        name: the model's name (default ``mobilenetv2_<alpha>_<rows>``).

    Preprocess images with ``keras.applications.mobilenet_v2.preprocess_input`` (pixels
    scaled to [-1, 1]).
    """
    fn = "MobileNetV2"
    _common.check_common_args(fn, weights, include_top, classes, pooling)
    _common.input_tensor_shape(fn, input_tensor, input_shape)
    default_size = _default_size(input_shape, input_tensor)
    input_shape = _common.obtain_input_shape(
        fn, input_shape, default_size=default_size, min_size=32,
        data_format=backend.image_data_format(), require_flatten=include_top,
        weights=weights)
    rows = _common.spatial(input_shape)[0]
    if weights == "imagenet":
        rows = _common.imagenet_rows(fn, alpha, _IMAGENET_ALPHAS, input_shape,
                                     _IMAGENET_SIZES)

    img_input = _common.image_input(fn, input_tensor, input_shape)
    x = layers.Conv2D(_make_divisible(32 * alpha, 8), 3, strides=2, padding="same",
                      use_bias=False, name="Conv1")(img_input)
    x = _bn("bn_Conv1")(x)
    x = layers.ReLU(6.0, name="Conv1_relu")(x)
    for block_id, (filters, stride, expansion) in enumerate(_BLOCKS):
        x = _inverted_res_block(x, expansion, stride, alpha, filters, block_id)
    # the last convolution is widened with alpha > 1 only (the paper keeps 1280 otherwise)
    last = _make_divisible(1280 * alpha, 8) if alpha > 1.0 else 1280
    x = layers.Conv2D(last, 1, use_bias=False, name="Conv_1")(x)
    x = _bn("Conv_1_bn")(x)
    x = layers.ReLU(6.0, name="out_relu")(x)
    x = _common.head(fn, x, include_top, pooling, classes, classifier_activation, weights)

    if name is None:
        name = "mobilenetv2_%0.2f_%s" % (alpha, rows)
    model = _common.make_model(img_input, x, input_tensor, name)

    urls = None
    if weights == "imagenet":
        urls = tuple("%smobilenet_v2_weights_tf_dim_ordering_tf_kernels_%s_%d%s.h5" % (
            BASE_WEIGHT_PATH, float(alpha), rows, s) for s in ("", "_no_top"))
    return _common.load_weights(fn, model, weights, include_top, urls)


preprocess_input = imagenet_utils.family_preprocess_input("tf", __name__)
decode_predictions = imagenet_utils.decode_predictions
