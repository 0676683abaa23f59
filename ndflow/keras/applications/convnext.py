"""ConvNeXtTiny, Small, Base, Large and XLarge (Liu et al., "A ConvNet for the 2020s",
CVPR 2022), with Keras' layer names so that Keras' ImageNet weights load.

A 4x4 stride-4 "patchify" stem, four stages of ConvNeXt blocks (7x7 depthwise
convolution, layer normalization, an inverted bottleneck of two pointwise ``Dense``
layers with GELU, a learned per-channel LayerScale, stochastic depth, a residual
connection) separated by layer-normalized 2x2 stride-2 downsampling convolutions. With
``include_preprocessing`` (the default) the model takes pixels in [0, 255] and normalizes
them with the ImageNet mean and standard deviation itself.

Private layers stand in for what Keras computes partly outside layers (their places and
names in ``model.layers`` are Keras'): the weightless pre-stem normalization, LayerScale,
and the block's last layer (identity or stochastic depth) fused with the residual sum.
"""
import numpy as np

from ndflow.keras import backend
from ndflow.keras import layers
from ndflow.keras.applications import _common
from ndflow.keras.applications import imagenet_utils
from ndflow.keras.engine.layer import Layer
from ndflow.keras.models import Sequential
from ndflow.keras.saving.registry import register_keras_serializable
from ndflow.ops import math_ops as M
from ndflow.ops._base import wrap

BASE_WEIGHTS_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/convnext/"
# sha256 of Keras' files: (with the classifier, without it)
WEIGHTS_HASHES = {
    "convnext_tiny": ("8ae6e78ce2933352b1ef4008e6dd2f17bc40771563877d156bc6426c7cf503ff",
                      "d547c096cabd03329d7be5562c5e14798aa39ed24b474157cef5e85ab9e49ef1"),
    "convnext_small": ("ce1277d8f1ee5a0ef0e171469089c18f5233860ceaf9b168049cb9263fd7483c",
                       "6fc8009faa2f00c1c1dfce59feea9b0745eb260a7dd11bee65c8e20843da6eab"),
    "convnext_base": ("52cbb006d3dadd03f6e095a8ca1aca47aecdd75acb4bc74bce1f5c695d0086e6",
                      "40a20c5548a5e9202f69735ecc06c990e6b7c9d2de39f0361e27baeb24cb7c45"),
    "convnext_large": ("070c5ed9ed289581e477741d3b34beffa920db8cf590899d6d2c67fba2a198a6",
                       "96f02b6f0753d4f543261bc9d09bed650f24dd6bc02ddde3066135b63d23a1cd"),
    "convnext_xlarge": ("c1f5ccab661354fc3a79a10fa99af82f0fbf10ec65cb894a3ae0815f17a889ee",
                        "de3f8a54174130e0cecdc71583354753d557fcf1f4487331558e2a16ba0cfe05"),
}

# blocks per stage, channels per stage
CONFIGS = {
    "tiny": ((3, 3, 9, 3), (96, 192, 384, 768)),
    "small": ((3, 3, 27, 3), (96, 192, 384, 768)),
    "base": ((3, 3, 27, 3), (128, 256, 512, 1024)),
    "large": ((3, 3, 27, 3), (192, 384, 768, 1536)),
    "xlarge": ((3, 3, 27, 3), (256, 512, 1024, 2048)),
}
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
_EPS = 1e-6


@register_keras_serializable(package="ndflow.applications", name="ConvNeXtPreStem")
class _PreStem(Layer):
    """(x - mean) / sqrt(variance) with fixed statistics and no weights (Keras'
    ``Normalization(mean=..., variance=...)``, whose statistics are constants)."""

    def __init__(self, mean, variance, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.mean = [float(m) for m in mean]
        self.variance = [float(v) for v in variance]
        self.axis = int(axis)

    def call(self, inputs):
        x = inputs
        if x._value.dtype.kind != "f":
            x = M.cast(x, self.dtype)
        dt = x._value.dtype
        mean = np.asarray(self.mean, dtype=dt)
        std = np.maximum(np.sqrt(np.asarray(self.variance, dtype=dt)), dt.type(1e-7))
        if self.axis % len(x.shape) != len(x.shape) - 1:     # channels first
            trailing = (1,) * (len(x.shape) - 1 - self.axis % len(x.shape))
            mean, std = mean.reshape((-1,) + trailing), std.reshape((-1,) + trailing)
        return M.divide(M.subtract(x, wrap(mean)), wrap(std))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"mean": self.mean, "variance": self.variance, "axis": self.axis})
        return config


@register_keras_serializable(package="ndflow.applications", name="ConvNeXtLayerScale")
class LayerScale(Layer):
    """Multiplies the channels by a learned vector initialized to ``init_values``."""

    def __init__(self, init_values, projection_dim, **kwargs):
        super().__init__(**kwargs)
        self.init_values = float(init_values)
        self.projection_dim = int(projection_dim)

    def build(self, input_shape):
        from ndflow.keras import initializers
        self.gamma = self.add_weight(name="variable", shape=(self.projection_dim,),
                                     initializer=initializers.Constant(self.init_values),
                                     trainable=True)
        super().build(input_shape)

    def call(self, inputs):
        return inputs * self.gamma

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"init_values": self.init_values,
                       "projection_dim": self.projection_dim})
        return config


@register_keras_serializable(package="ndflow.applications", name="ConvNeXtResidual")
class _Residual(Layer):
    """``shortcut + branch``, where during training the whole branch of a sample is
    dropped with probability ``drop_path_rate`` and the kept ones are scaled by
    1 / (1 - rate) (stochastic depth). Called on ``[branch, shortcut]``; takes the place
    of Keras' identity / StochasticDepth layer, whose output Keras adds outside layers."""

    def __init__(self, drop_path_rate=0.0, **kwargs):
        super().__init__(**kwargs)
        self.drop_path_rate = float(drop_path_rate)
        self._drop = layers.Dropout(self.drop_path_rate, noise_shape=(None, 1, 1, 1)) \
            if self.drop_path_rate else None

    def call(self, inputs, training=None):
        if not isinstance(inputs, (list, tuple)) or len(inputs) != 2:
            raise ValueError("%s: expected the list [branch, shortcut], got %r." % (
                self.name, inputs))
        branch, shortcut = inputs
        if self._drop is not None and training:
            branch = self._drop(branch, training=True)
        return shortcut + branch

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[1])

    def get_config(self):
        config = super().get_config()
        config.update({"drop_path_rate": self.drop_path_rate})
        return config


class _Stack(Sequential):
    """A ``Sequential`` whose output shape follows from its layers' shape rules, so that
    it can be called on inputs of unknown height and width (the stride-4 stem)."""

    def compute_output_shape(self, input_shape):
        shape = tuple(input_shape)
        for layer in self.layers:
            shape = tuple(layer.compute_output_shape(shape))
        return shape


def _block(x, dim, drop_path_rate, layer_scale_init_value, name):
    shortcut = x
    x = layers.Conv2D(dim, 7, padding="same", groups=dim, name=name + "_depthwise_conv")(x)
    x = layers.LayerNormalization(epsilon=_EPS, name=name + "_layernorm")(x)
    x = layers.Dense(4 * dim, name=name + "_pointwise_conv_1")(x)
    x = layers.Activation("gelu", name=name + "_gelu")(x)
    x = layers.Dense(dim, name=name + "_pointwise_conv_2")(x)
    if layer_scale_init_value is not None:
        x = LayerScale(layer_scale_init_value, dim, name=name + "_layer_scale")(x)
    suffix = "_stochastic_depth" if drop_path_rate else "_identity"
    return _Residual(drop_path_rate, name=name + suffix)([x, shortcut])


def _convnext(fn, variant, include_top, include_preprocessing, weights, input_tensor,
              input_shape, pooling, classes, classifier_activation, name,
              drop_path_rate=0.0, layer_scale_init_value=1e-6):
    if backend.image_data_format() == "channels_first":
        raise ValueError("%s: ConvNeXt supports only the 'channels_last' image data format "
                         "(got 'channels_first'); call keras.backend.set_image_data_format("
                         "'channels_last') first." % fn)
    depths, dims = CONFIGS[variant]
    input_shape, img_input = _common.build_input(fn, weights, include_top, classes, pooling,
                                                 input_tensor, input_shape)
    x = img_input
    if include_preprocessing and input_shape[-1] == 3:
        x = _PreStem([m * 255 for m in IMAGENET_MEAN], [(s * 255) ** 2 for s in IMAGENET_STD],
                     name=name + "_prestem_normalization")(x)

    downsamplers = [_Stack([
        layers.Conv2D(dims[0], 4, strides=4, name=name + "_stem_conv"),
        layers.LayerNormalization(epsilon=_EPS, name=name + "_stem_layernorm"),
    ], name=name + "_stem")]
    for i in range(3):
        downsamplers.append(_Stack([
            layers.LayerNormalization(epsilon=_EPS, name=name + "_downsampling_layernorm_%d" % i),
            layers.Conv2D(dims[i + 1], 2, strides=2, name=name + "_downsampling_conv_%d" % i),
        ], name=name + "_downsampling_block_%d" % i))

    rates = [float(r) for r in np.linspace(0.0, drop_path_rate, sum(depths))]
    cur = 0
    for i in range(4):
        x = downsamplers[i](x)
        for j in range(depths[i]):
            x = _block(x, dims[i], rates[cur + j], layer_scale_init_value,
                       "%s_stage_%d_block_%d" % (name, i, j))
        cur += depths[i]

    if include_top:
        x = layers.GlobalAveragePooling2D(name=name + "_head_gap")(x)
        x = layers.LayerNormalization(epsilon=_EPS, name=name + "_head_layernorm")(x)
        x = _common.classifier(fn, x, classes, classifier_activation, weights,
                               name=name + "_head_dense")
    else:
        x = _common.pooling_head(x, pooling)
        x = layers.LayerNormalization(epsilon=_EPS)(x)
    model = _common.make_model(img_input, x, input_tensor, name)

    key = "convnext_" + variant
    if weights == "imagenet" and key not in name:
        raise ValueError("%s: with weights='imagenet' the model name must contain %r "
                         "(the weight file is named after the model); got name=%r." % (
                             fn, key, name))
    return _common.load_weights(fn, model, weights, include_top,
                                _common.named_urls(BASE_WEIGHTS_PATH, name), WEIGHTS_HASHES[key])


_DOC = """{fn}, optionally with weights pre-trained on ImageNet.

    Args:
        include_top: whether to end with the 1000-way (``classes``-way) classifier
            (global average pooling, layer normalization, Dense).
        include_preprocessing: whether the model normalizes [0, 255] pixels with the
            ImageNet mean and standard deviation itself (keep it with ImageNet weights).
        weights: None (random initialization), 'imagenet', or the path of a weights file.
        input_tensor: a Keras tensor to use as the model's input.
        input_shape: (height, width, 3) without the batch, at least 32x32; must be
            (224, 224, 3) with ``include_top=True`` and ImageNet weights.
        pooling: without the top, None (4-D feature maps), 'avg' or 'max' (a vector);
            a layer normalization follows in every case.
        classes: number of classes of the classifier (1000 with ImageNet weights).
        classifier_activation: 'softmax' (default), None for logits, or any activation
            (only softmax/None with pre-trained weights).
        name: the model's name.

    ``keras.applications.convnext.preprocess_input`` returns its input unchanged.
    """


def _make(variant):
    fn = "ConvNeXt" + {"xlarge": "XLarge"}.get(variant, variant.capitalize())

    def builder(include_top=True, include_preprocessing=True, weights="imagenet",
                input_tensor=None, input_shape=None, pooling=None, classes=1000,
                classifier_activation="softmax", name="convnext_" + variant):
        return _convnext(fn, variant, include_top, include_preprocessing, weights,
                         input_tensor, input_shape, pooling, classes, classifier_activation,
                         name)

    builder.__name__ = builder.__qualname__ = fn
    builder.__doc__ = _DOC.format(fn=fn)
    return builder


ConvNeXtTiny = _make("tiny")
ConvNeXtSmall = _make("small")
ConvNeXtBase = _make("base")
ConvNeXtLarge = _make("large")
ConvNeXtXLarge = _make("xlarge")


def preprocess_input(x, data_format=None):
    """Returns ``x`` unchanged: ConvNeXt models normalize their input themselves (kept so
    that code written for the other models works)."""
    return x


decode_predictions = imagenet_utils.decode_predictions
