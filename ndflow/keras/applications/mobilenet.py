"""MobileNet (v1; Howard et al., "MobileNets: Efficient Convolutional Neural Networks for
Mobile Vision Applications", 2017), with Keras' layer names so that Keras' ImageNet
weights load.

A stride-2 3x3 convolution, then 13 depthwise-separable blocks (3x3 depthwise convolution
and 1x1 pointwise convolution, each followed by batch normalization and ReLU6), and a
classifier made of a 1x1 convolution on the pooled features. ``alpha`` scales every
width, ``depth_multiplier`` the depthwise convolutions.
"""
from ndflow.keras import backend
from ndflow.keras import layers
from ndflow.keras.applications import _common
from ndflow.keras.applications import imagenet_utils

BASE_WEIGHT_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/mobilenet/"

_IMAGENET_ALPHAS = (0.25, 0.50, 0.75, 1.0)
_IMAGENET_SIZES = (128, 160, 192, 224)

# (pointwise filters, depthwise stride) of the 13 separable blocks
_BLOCKS = ((64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2), (512, 1), (512, 1),
           (512, 1), (512, 1), (512, 1), (1024, 2), (1024, 1))


def _bn(name):
    return layers.BatchNormalization(axis=_common.channel_axis(), name=name)


def _separable_block(x, filters, alpha, depth_multiplier, stride, block_id):
    if stride != 1:
        x = layers.ZeroPadding2D(((0, 1), (0, 1)), name="conv_pad_%d" % block_id)(x)
    x = layers.DepthwiseConv2D(3, padding="same" if stride == 1 else "valid",
                               depth_multiplier=depth_multiplier, strides=stride,
                               use_bias=False, name="conv_dw_%d" % block_id)(x)
    x = _bn("conv_dw_%d_bn" % block_id)(x)
    x = layers.ReLU(6.0, name="conv_dw_%d_relu" % block_id)(x)
    x = layers.Conv2D(int(filters * alpha), 1, padding="same", use_bias=False,
                      name="conv_pw_%d" % block_id)(x)
    x = _bn("conv_pw_%d_bn" % block_id)(x)
    return layers.ReLU(6.0, name="conv_pw_%d_relu" % block_id)(x)


def MobileNet(input_shape=None, alpha=1.0, depth_multiplier=1, dropout=1e-3,
              include_top=True, weights="imagenet", input_tensor=None, pooling=None,
              classes=1000, classifier_activation="softmax", name=None):
    """MobileNet (v1), optionally with weights pre-trained on ImageNet.

    Args:
        input_shape: (height, width, 3) without the batch, at least 32x32; with
            ``include_top=True`` and ImageNet weights a square size among 128, 160, 192
            and 224.
        alpha: width multiplier; ImageNet weights exist for 0.25, 0.5, 0.75 and 1.0.
        depth_multiplier: channel multiplier of the depthwise convolutions (1 for the
            ImageNet weights).
        dropout: dropout rate before the classifier.
        include_top: whether to end with the 1000-way (``classes``-way) classifier.
        weights: None (random initialization), 'imagenet', or the path of a weights file.
        input_tensor: a Keras tensor to use as the model's input.
        pooling: without the top, None (4-D feature maps), 'avg' or 'max' (a vector).
        classes: number of classes of the classifier (1000 with ImageNet weights).
        classifier_activation: 'softmax' (default), None for logits, or any activation
            (only softmax/None with pre-trained weights).
        name: the model's name (default ``mobilenet_<alpha>_<rows>``).

    Preprocess images with ``keras.applications.mobilenet.preprocess_input`` (pixels
    scaled to [-1, 1]).
    """
    fn = "MobileNet"
    _common.check_common_args(fn, weights, include_top, classes, pooling)
    if input_shape is None and input_tensor is not None:
        shape = tuple(input_tensor.shape)[1:]
        if len(shape) == 3 and all(isinstance(d, int) for d in shape):
            input_shape = shape
    default_size = 224
    if input_shape is not None and len(tuple(input_shape)) == 3:
        rows, cols = _common.spatial(tuple(input_shape))
        if rows == cols and rows in _IMAGENET_SIZES:
            default_size = rows
    input_shape = _common.obtain_input_shape(
        fn, input_shape, default_size=default_size, min_size=32,
        data_format=backend.image_data_format(), require_flatten=include_top,
        weights=weights)
    rows = _common.spatial(input_shape)[0]
    if weights == "imagenet":
        if depth_multiplier != 1:
            raise ValueError("%s: the ImageNet weights need depth_multiplier=1; got %r. Pass "
                             "weights=None to train another multiplier from scratch."
                             % (fn, depth_multiplier))
        rows = _common.imagenet_rows(fn, alpha, _IMAGENET_ALPHAS, input_shape,
                                     _IMAGENET_SIZES)

    img_input = _common.image_input(fn, input_tensor, input_shape)
    x = layers.Conv2D(int(32 * alpha), 3, padding="same", use_bias=False, strides=2,
                      name="conv1")(img_input)
    x = _bn("conv1_bn")(x)
    x = layers.ReLU(6.0, name="conv1_relu")(x)
    for block_id, (filters, stride) in enumerate(_BLOCKS, start=1):
        x = _separable_block(x, filters, alpha, depth_multiplier, stride, block_id)

    if include_top:
        _common.validate_classifier_activation(fn, classifier_activation, weights)
        x = layers.GlobalAveragePooling2D(keepdims=True)(x)
        x = layers.Dropout(dropout, name="dropout")(x)
        x = layers.Conv2D(classes, 1, padding="same", name="conv_preds")(x)
        x = layers.Reshape((classes,), name="reshape_2")(x)
        x = layers.Activation(classifier_activation, name="predictions")(x)
    else:
        x = _common.pooling_head(x, pooling)

    if name is None:
        name = "mobilenet_%0.2f_%s" % (alpha, rows)
    model = _common.make_model(img_input, x, input_tensor, name)

    urls = None
    if weights == "imagenet":
        alpha_text = {1.0: "1_0", 0.75: "7_5", 0.50: "5_0", 0.25: "2_5"}[alpha]
        urls = tuple("%smobilenet_%s_%d_tf%s.h5" % (BASE_WEIGHT_PATH, alpha_text, rows, s)
                     for s in ("", "_no_top"))
    return _common.load_weights(fn, model, weights, include_top, urls)


preprocess_input = imagenet_utils.family_preprocess_input("tf", __name__)
decode_predictions = imagenet_utils.decode_predictions
