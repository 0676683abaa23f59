"""MobileNetV3Small and MobileNetV3Large (Howard et al., "Searching for MobileNetV3",
ICCV 2019), with Keras' layer names so that Keras' ImageNet weights load.

Inverted residual blocks (1x1 expansion, depthwise convolution, optional
squeeze-and-excitation, linear 1x1 projection, a skip connection when shapes allow) with
ReLU or hard-swish, a 1x1 convolution to 6x the last width, and a classifier made of
1x1 convolutions on the pooled features. ``minimalistic`` models use 3x3 kernels, ReLU
and no squeeze-and-excitation. With ``include_preprocessing`` (the default) the model
takes pixels in [0, 255] and rescales them to [-1, 1] itself.
"""
import warnings

from ndflow.keras import activations
from ndflow.keras import backend
from ndflow.keras import layers
from ndflow.keras.applications import _common
from ndflow.keras.applications import imagenet_utils
from ndflow.keras.engine import naming

BASE_WEIGHT_PATH = ("https://storage.googleapis.com/tensorflow/keras-applications/"
                    "mobilenet_v3/")
# md5 of Keras' files: (with the classifier, without it)
WEIGHTS_HASHES = {
    "large_224_0.75_float": ("765b44a33ad4005b3ac83185abf1d0eb",
                             "40af19a13ebea4e2ee0c676887f69a2e"),
    "large_224_1.0_float": ("59e551e166be033d707958cf9e29a6a7",
                            "07fb09a5933dd0c8eaafa16978110389"),
    "large_minimalistic_224_1.0_float": ("675e7b876c45c57e9e63e6d90a36599c",
                                         "ec5221f64a2f6d1ef965a614bdae7973"),
    "small_224_0.75_float": ("cb65d4e5be93758266aa0a7f2c6708b7",
                             "ebdb5cc8e0b497cd13a7c275d475c819"),
    "small_224_1.0_float": ("8768d4c2e7dee89b9d02b2d03d65d862",
                            "d3e8ec802a04aa4fc771ee12a9a9b836"),
    "small_minimalistic_224_1.0_float": ("99cd97fb2fcdad2bf028eb838de69e37",
                                         "cde8136e733e811080d9fcd8a252f7e4"),
}

# (expansion, output width, kernel ('k': 5x5 unless minimalistic), stride, squeeze-and-
# excitation, activation ('relu' or 'act': hard-swish unless minimalistic))
_SMALL = ((1, 16, 3, 2, True, "relu"), (72 / 16, 24, 3, 2, False, "relu"),
          (88 / 24, 24, 3, 1, False, "relu"), (4, 40, "k", 2, True, "act"),
          (6, 40, "k", 1, True, "act"), (6, 40, "k", 1, True, "act"),
          (3, 48, "k", 1, True, "act"), (3, 48, "k", 1, True, "act"),
          (6, 96, "k", 2, True, "act"), (6, 96, "k", 1, True, "act"),
          (6, 96, "k", 1, True, "act"))
_LARGE = ((1, 16, 3, 1, False, "relu"), (4, 24, 3, 2, False, "relu"),
          (3, 24, 3, 1, False, "relu"), (3, 40, "k", 2, True, "relu"),
          (3, 40, "k", 1, True, "relu"), (3, 40, "k", 1, True, "relu"),
          (6, 80, 3, 2, False, "act"), (2.5, 80, 3, 1, False, "act"),
          (2.3, 80, 3, 1, False, "act"), (2.3, 80, 3, 1, False, "act"),
          (6, 112, 3, 1, True, "act"), (6, 112, 3, 1, True, "act"),
          (6, 160, "k", 2, True, "act"), (6, 160, "k", 1, True, "act"),
          (6, 160, "k", 1, True, "act"))


def _depth(v, divisor=8):
    """``v`` rounded to the nearest multiple of ``divisor``, never more than 10% lower."""
    rounded = max(divisor, int(v + divisor / 2) // divisor * divisor)
    if rounded < 0.9 * v:
        rounded += divisor
    return rounded


class _HardSigmoidReLU(layers.ReLU):
    """relu6(x + 3) / 6: the gate of the squeeze-and-excitation blocks. Keras computes it
    as a ReLU(6) layer between two tensor operations; this single layer carries the
    ReLU's (weightless) place and automatic name in the model."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_value", 6.0)
        super().__init__(**kwargs)

    def call(self, inputs):
        return activations.relu(inputs + 3.0, max_value=6.0) * (1.0 / 6.0)


def _bn(name):
    return layers.BatchNormalization(axis=_common.channel_axis(), epsilon=1e-3,
                                     momentum=0.999, name=name)


def _act(x, kind):
    if kind == "relu":
        return layers.ReLU()(x)
    return layers.Activation("hard_silu")(x)


def _se_block(inputs, filters, se_ratio, prefix):
    x = layers.GlobalAveragePooling2D(keepdims=True,
                                      name=prefix + "squeeze_excite_avg_pool")(inputs)
    x = layers.Conv2D(_depth(filters * se_ratio), 1, padding="same",
                      name=prefix + "squeeze_excite_conv")(x)
    x = layers.ReLU(name=prefix + "squeeze_excite_relu")(x)
    x = layers.Conv2D(filters, 1, padding="same", name=prefix + "squeeze_excite_conv_1")(x)
    x = _HardSigmoidReLU(name=naming.unique_name("re_lu"))(x)
    return layers.Multiply(name=prefix + "squeeze_excite_mul")([inputs, x])


def _block(x, expansion, filters, kernel, stride, se_ratio, act, block_id):
    inputs = x
    in_channels = x.shape[_common.channel_axis()]
    prefix = "expanded_conv_%d_" % block_id if block_id else "expanded_conv_"
    if block_id:
        x = layers.Conv2D(_depth(in_channels * expansion), 1, padding="same", use_bias=False,
                          name=prefix + "expand")(x)
        x = _bn(prefix + "expand_bn")(x)
        x = _act(x, act)
    if stride == 2:
        x = layers.ZeroPadding2D(_common.correct_pad(x, kernel),
                                 name=prefix + "depthwise_pad")(x)
    x = layers.DepthwiseConv2D(kernel, strides=stride, use_bias=False,
                               padding="same" if stride == 1 else "valid",
                               name=prefix + "depthwise")(x)
    x = _bn(prefix + "depthwise_bn")(x)
    x = _act(x, act)
    if se_ratio:
        x = _se_block(x, _depth(in_channels * expansion), se_ratio, prefix)
    x = layers.Conv2D(filters, 1, padding="same", use_bias=False, name=prefix + "project")(x)
    x = _bn(prefix + "project_bn")(x)
    if stride == 1 and in_channels == filters:
        x = layers.Add(name=prefix + "add")([inputs, x])
    return x


def _mobilenet_v3(fn, model_type, blocks, last_point_ch, input_shape, alpha, minimalistic,
                  include_top, weights, input_tensor, classes, pooling, dropout_rate,
                  classifier_activation, include_preprocessing, name):
    _common.check_common_args(fn, weights, include_top, classes, pooling)
    first = backend.image_data_format() == "channels_first"
    given = _common.input_tensor_shape(fn, input_tensor, input_shape)
    if input_shape is None:
        input_shape = given
    if input_shape is None:
        input_shape = (3, None, None) if first else (None, None, 3)
    input_shape = tuple(input_shape)
    if len(input_shape) != 3:
        raise ValueError("%s: `input_shape` must be a tuple of three integers (height, "
                         "width, channels); got %r." % (fn, input_shape))
    rows, cols = _common.spatial(input_shape)
    if rows is not None and cols is not None and (rows < 32 or cols < 32):
        raise ValueError("%s: the input must be at least 32x32 pixels; got input_shape=%r."
                         % (fn, input_shape))
    if weights == "imagenet":
        allowed = (1.0,) if minimalistic else (0.75, 1.0)
        if alpha not in allowed:
            raise ValueError("%s: ImageNet weights exist for alpha in %s%s; got alpha=%r. "
                             "Pass weights=None to train another width from scratch." % (
                                 fn, allowed, " (minimalistic)" if minimalistic else "",
                                 alpha))
        if rows != cols or rows != 224:
            warnings.warn("%s: input_shape %r is not 224x224, the size the ImageNet weights "
                          "were trained at; they are loaded all the same." % (fn, input_shape),
                          stacklevel=3)
    kernel, act, se_ratio = (3, "relu", None) if minimalistic else (5, "act", 0.25)

    img_input = _common.image_input(fn, input_tensor, input_shape)
    x = img_input
    if include_preprocessing:
        x = layers.Rescaling(scale=1.0 / 127.5, offset=-1.0)(x)
    x = layers.Conv2D(16, 3, strides=2, padding="same", use_bias=False, name="conv")(x)
    x = _bn("conv_bn")(x)
    x = _act(x, act)
    for block_id, (expansion, width, k, stride, se, a) in enumerate(blocks):
        x = _block(x, expansion, _depth(width * alpha), kernel if k == "k" else k, stride,
                   se_ratio if se else None, act if a == "act" else "relu", block_id)
    last_conv_ch = _depth(x.shape[_common.channel_axis()] * 6)
    if alpha > 1.0:
        last_point_ch = _depth(last_point_ch * alpha)
    x = layers.Conv2D(last_conv_ch, 1, padding="same", use_bias=False, name="conv_1")(x)
    x = _bn("conv_1_bn")(x)
    x = _act(x, act)
    if include_top:
        _common.validate_classifier_activation(fn, classifier_activation, weights)
        x = layers.GlobalAveragePooling2D(keepdims=True)(x)
        x = layers.Conv2D(last_point_ch, 1, padding="same", name="conv_2")(x)
        x = _act(x, act)
        if dropout_rate > 0:
            x = layers.Dropout(dropout_rate)(x)
        x = layers.Conv2D(classes, 1, padding="same", name="logits")(x)
        x = layers.Flatten()(x)
        x = layers.Activation(classifier_activation, name="predictions")(x)
    else:
        x = _common.pooling_head(x, pooling, avg_name="avg_pool", max_name="max_pool")
    model = _common.make_model(img_input, x, input_tensor, name)

    key = "%s_%s224_%s_float" % (model_type, "minimalistic_" if minimalistic else "",
                                 str(float(alpha)))
    urls = tuple("%sweights_mobilenet_v3_%s%s.h5" % (BASE_WEIGHT_PATH, key, s)
                 for s in ("", "_no_top_v2"))
    # (the key names a file only for the ImageNet configurations checked above)
    return _common.load_weights(fn, model, weights, include_top, urls,
                                WEIGHTS_HASHES[key] if weights == "imagenet" else None)


def _make(fn, model_type, blocks, last_point_ch):

    def builder(input_shape=None, alpha=1.0, minimalistic=False, include_top=True,
                weights="imagenet", input_tensor=None, classes=1000, pooling=None,
                dropout_rate=0.2, classifier_activation="softmax",
                include_preprocessing=True, name=fn):
        return _mobilenet_v3(fn, model_type, blocks, last_point_ch, input_shape, alpha,
                             minimalistic, include_top, weights, input_tensor, classes,
                             pooling, dropout_rate, classifier_activation,
                             include_preprocessing, name)

    builder.__name__ = builder.__qualname__ = fn
    builder.__doc__ = _DOC % fn
    return builder


_DOC = """%s, optionally with weights pre-trained on ImageNet.

    Args:
        input_shape: (height, width, 3) without the batch, at least 32x32; any size
            (default (None, None, 3)), ImageNet weights were trained at 224x224.
        alpha: width multiplier; ImageNet weights exist for 0.75 and 1.0 (1.0 only when
            minimalistic).
        minimalistic: 3x3 kernels, ReLU and no squeeze-and-excitation.
        include_top: whether to end with the 1000-way (``classes``-way) classifier.
        weights: None (random initialization), 'imagenet', or the path of a weights file.
        input_tensor: a Keras tensor to use as the model's input.
        classes: number of classes of the classifier (1000 with ImageNet weights).
        pooling: without the top, None (4-D feature maps), 'avg' or 'max' (a vector).
        dropout_rate: dropout rate before the last classifier convolution.
        classifier_activation: 'softmax' (default), None for logits, or any activation
            (only softmax/None with pre-trained weights).
        include_preprocessing: whether the model rescales [0, 255] pixels to [-1, 1]
            itself (a ``Rescaling`` layer); without it, feed pixels in [-1, 1].
        name: the model's name.

    ``keras.applications.mobilenet_v3.preprocess_input`` returns its input unchanged.
"""


MobileNetV3Small = _make("MobileNetV3Small", "small", _SMALL, 1024)
MobileNetV3Large = _make("MobileNetV3Large", "large", _LARGE, 1280)


def preprocess_input(x, data_format=None):
    """Returns ``x`` unchanged: MobileNetV3 models rescale their input themselves."""
    return x


decode_predictions = imagenet_utils.decode_predictions
