"""EfficientNetB0 to B7 (Tan & Le, "EfficientNet: Rethinking Model Scaling for
Convolutional Neural Networks", ICML 2019), with Keras' layer names so that Keras'
ImageNet weights load.

B0 is a stem convolution, seven stages of mobile inverted bottleneck blocks (1x1
expansion, depthwise convolution, squeeze-and-excitation, linear 1x1 projection, a skip
connection with stochastic depth when shapes allow) and a 1x1 convolution to 1280
channels; swish activations throughout. B1-B7 scale the widths and the number of blocks
per stage by the coefficients of the paper's compound scaling, and the input size.

The models take pixels in [0, 255]: the rescaling and normalization are the first layers,
so ``preprocess_input`` returns its input unchanged.
"""
import math

from ndflow.keras import layers
from ndflow.keras.applications import _common
from ndflow.keras.applications import imagenet_utils
from ndflow.keras.saving.registry import register_keras_serializable

BASE_WEIGHTS_PATH = "https://storage.googleapis.com/keras-applications/"
# md5 of Keras' files: (with the classifier, without it)
WEIGHTS_HASHES = {
    "b0": ("902e53a9f72be733fc0bcb005b3ebbac", "50bc09e76180e00e4465e1a485ddc09d"),
    "b1": ("1d254153d4ab51201f1646940f018540", "74c4e6b3e1f6a1eea24c589628592432"),
    "b2": ("b15cce36ff4dcbd00b6dd88e7857a6ad", "111f8e2ac8aa800a7a99e3239f7bfb39"),
    "b3": ("ffd1fdc53d0ce67064dc6a9c7960ede0", "af6d107764bb5b1abb91932881670226"),
    "b4": ("18c95ad55216b8f92d7e70b3a046e2fc", "ebc24e6d6c33eaebbd558eafbeedf1ba"),
    "b5": ("ace28f2a6363774853a83a0b21b9421a", "38879255a25d3c92d5e44e04ae6cec6f"),
    "b6": ("165f6e37dce68623721b423839de8be5", "9ecce42647a20130c1f39a5d4cb75743"),
    "b7": ("8c03f828fec3ef71311cd463b6759d99", "cbcfe4450ddf6f3ad90b1b398090fe4a"),
}

# (width coefficient, depth coefficient, input size, dropout before the classifier)
SCALING = {
    "b0": (1.0, 1.0, 224, 0.2), "b1": (1.0, 1.1, 240, 0.2), "b2": (1.1, 1.2, 260, 0.3),
    "b3": (1.2, 1.4, 300, 0.3), "b4": (1.4, 1.8, 380, 0.4), "b5": (1.6, 2.2, 456, 0.4),
    "b6": (1.8, 2.6, 528, 0.5), "b7": (2.0, 3.1, 600, 0.5),
}

# The seven stages of B0: (kernel, repeats, filters in, filters out, expansion, stride);
# every block has a squeeze-and-excitation ratio of 0.25 and an identity skip when the
# shapes allow it.
STAGES = [
    (3, 1, 32, 16, 1, 1), (3, 2, 16, 24, 6, 2), (5, 2, 24, 40, 6, 2), (3, 3, 40, 80, 6, 2),
    (5, 3, 80, 112, 6, 1), (5, 4, 112, 192, 6, 2), (3, 1, 192, 320, 6, 1),
]
SE_RATIO = 0.25
DROP_CONNECT_RATE = 0.2
IMAGENET_STDDEV_RGB = (0.229, 0.224, 0.225)

# He-like initialization over the output fan, as the reference implementation
CONV_KERNEL_INITIALIZER = {"class_name": "VarianceScaling", "config": {
    "scale": 2.0, "mode": "fan_out", "distribution": "truncated_normal"}}
DENSE_KERNEL_INITIALIZER = {"class_name": "VarianceScaling", "config": {
    "scale": 1.0 / 3.0, "mode": "fan_out", "distribution": "uniform"}}


@register_keras_serializable(package="ndflow.applications", name="Normalization")
class Normalization(layers.Normalization):
    """``Normalization`` with Keras 3's third statistic, the integer ``count`` of samples
    seen by ``adapt`` (kept for compatibility: Keras' weight files hold it)."""

    def build(self, input_shape):
        super().build(input_shape)
        if self.input_mean is None and not any(
                w.path.rsplit("/", 1)[-1].startswith("count") for w in self.weights):
            self.count = self.add_weight(name="count", shape=(), dtype="int64",
                                         initializer="zeros", trainable=False)


def _round_filters(filters, width, divisor=8):
    """``filters * width`` rounded to a multiple of ``divisor``, never 10% lower."""
    scaled = filters * width
    rounded = max(divisor, int(scaled + divisor / 2) // divisor * divisor)
    if rounded < 0.9 * scaled:
        rounded += divisor
    return int(rounded)


def _round_repeats(repeats, depth):
    return int(math.ceil(depth * repeats))


def _block(inputs, activation, drop_rate, name, filters_in, filters_out, kernel_size,
           strides, expand_ratio, se_ratio):
    bn_axis = _common.channel_axis()
    filters = filters_in * expand_ratio
    if expand_ratio != 1:
        x = layers.Conv2D(filters, 1, padding="same", use_bias=False,
                          kernel_initializer=CONV_KERNEL_INITIALIZER,
                          name=name + "expand_conv")(inputs)
        x = layers.BatchNormalization(axis=bn_axis, name=name + "expand_bn")(x)
        x = layers.Activation(activation, name=name + "expand_activation")(x)
    else:
        x = inputs
    if strides == 2:
        x = layers.ZeroPadding2D(padding=_common.correct_pad(x, kernel_size),
                                 name=name + "dwconv_pad")(x)
    x = layers.DepthwiseConv2D(kernel_size, strides=strides,
                               padding="valid" if strides == 2 else "same", use_bias=False,
                               depthwise_initializer=CONV_KERNEL_INITIALIZER,
                               name=name + "dwconv")(x)
    x = layers.BatchNormalization(axis=bn_axis, name=name + "bn")(x)
    x = layers.Activation(activation, name=name + "activation")(x)
    if 0 < se_ratio <= 1:
        squeezed = max(1, int(filters_in * se_ratio))
        se = layers.GlobalAveragePooling2D(name=name + "se_squeeze")(x)
        se_shape = (filters, 1, 1) if bn_axis == 1 else (1, 1, filters)
        se = layers.Reshape(se_shape, name=name + "se_reshape")(se)
        se = layers.Conv2D(squeezed, 1, padding="same", activation=activation,
                           kernel_initializer=CONV_KERNEL_INITIALIZER,
                           name=name + "se_reduce")(se)
        se = layers.Conv2D(filters, 1, padding="same", activation="sigmoid",
                           kernel_initializer=CONV_KERNEL_INITIALIZER,
                           name=name + "se_expand")(se)
        x = layers.Multiply(name=name + "se_excite")([x, se])
    x = layers.Conv2D(filters_out, 1, padding="same", use_bias=False,
                      kernel_initializer=CONV_KERNEL_INITIALIZER,
                      name=name + "project_conv")(x)
    x = layers.BatchNormalization(axis=bn_axis, name=name + "project_bn")(x)
    if strides == 1 and filters_in == filters_out:
        if drop_rate > 0:
            # stochastic depth: drop the whole residual branch of a sample
            x = layers.Dropout(drop_rate, noise_shape=(None, 1, 1, 1), name=name + "drop")(x)
        x = layers.Add(name=name + "add")([x, inputs])
    return x


def _efficientnet(fn, variant, include_top, weights, input_tensor, input_shape, pooling,
                  classes, classifier_activation, name, activation="swish"):
    width, depth, default_size, dropout_rate = SCALING[variant]
    input_shape, img_input = _common.build_input(fn, weights, include_top, classes, pooling,
                                                 input_tensor, input_shape,
                                                 default_size=default_size)
    bn_axis = _common.channel_axis()

    x = layers.Rescaling(1.0 / 255.0)(img_input)
    x = Normalization(axis=bn_axis % 4)(x)
    if weights == "imagenet":
        # Keras' files store the ImageNet standard deviations where the Normalization
        # layer expects variances, so the layer divides by sqrt(std); this divides by
        # sqrt(std) once more, giving the intended (x - mean) / std.
        x = layers.Rescaling([1.0 / math.sqrt(s) for s in IMAGENET_STDDEV_RGB])(x)
    x = layers.ZeroPadding2D(padding=_common.correct_pad(x, 3), name="stem_conv_pad")(x)
    x = layers.Conv2D(_round_filters(32, width), 3, strides=2, padding="valid",
                      use_bias=False, kernel_initializer=CONV_KERNEL_INITIALIZER,
                      name="stem_conv")(x)
    x = layers.BatchNormalization(axis=bn_axis, name="stem_bn")(x)
    x = layers.Activation(activation, name="stem_activation")(x)

    total = float(sum(_round_repeats(s[1], depth) for s in STAGES))
    b = 0
    for i, (kernel, repeats, f_in, f_out, expand, stride) in enumerate(STAGES):
        f_in, f_out = _round_filters(f_in, width), _round_filters(f_out, width)
        for j in range(_round_repeats(repeats, depth)):
            x = _block(x, activation, DROP_CONNECT_RATE * b / total,
                       "block%d%s_" % (i + 1, chr(ord("a") + j)),
                       f_in if j == 0 else f_out, f_out, kernel, stride if j == 0 else 1,
                       expand, SE_RATIO)
            b += 1

    x = layers.Conv2D(_round_filters(1280, width), 1, padding="same", use_bias=False,
                      kernel_initializer=CONV_KERNEL_INITIALIZER, name="top_conv")(x)
    x = layers.BatchNormalization(axis=bn_axis, name="top_bn")(x)
    x = layers.Activation(activation, name="top_activation")(x)
    x = _common.head(fn, x, include_top, pooling, classes, classifier_activation, weights,
                     avg_name="avg_pool", max_name="max_pool",
                     dense_kwargs={"kernel_initializer": DENSE_KERNEL_INITIALIZER},
                     dropout=(dropout_rate, "top_dropout") if dropout_rate > 0 else None)
    model = _common.make_model(img_input, x, input_tensor, name)

    return _common.load_weights(fn, model, weights, include_top,
                                _common.named_urls(BASE_WEIGHTS_PATH, "efficientnet" + variant),
                                WEIGHTS_HASHES[variant])


_DOC = """{fn}, optionally with weights pre-trained on ImageNet.

    The model takes pixels in [0, 255] (its first layers rescale and normalize them).

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
        name: the model's name.
    """


def _make(variant):
    fn = "EfficientNet" + variant.upper()
    return _common.standard_builder(fn, _efficientnet, "efficientnet" + variant,
                                    _DOC.format(fn=fn, size=SCALING[variant][2]), variant)


EfficientNetB0 = _make("b0")
EfficientNetB1 = _make("b1")
EfficientNetB2 = _make("b2")
EfficientNetB3 = _make("b3")
EfficientNetB4 = _make("b4")
EfficientNetB5 = _make("b5")
EfficientNetB6 = _make("b6")
EfficientNetB7 = _make("b7")


def preprocess_input(x, data_format=None):
    """Returns ``x`` unchanged: EfficientNet models rescale and normalize their input
    themselves (kept so that code written for the other models works)."""
    return x


decode_predictions = imagenet_utils.decode_predictions
