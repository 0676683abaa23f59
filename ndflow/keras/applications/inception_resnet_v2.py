"""InceptionResNetV2 (Szegedy et al., "Inception-v4, Inception-ResNet and the Impact of
Residual Connections on Learning", AAAI 2017), with Keras' layer names so that Keras'
ImageNet weights load.

The Inception stem (as in InceptionV3) and module ``mixed_5b``, then three stacks of
residual Inception blocks separated by the grid reductions ``mixed_6a`` and ``mixed_7a``:
10 x ``block35`` (35x35, residual scaled by 0.17), 20 x ``block17`` (17x17, 0.1) and
10 x ``block8`` (8x8, 0.2; the last one unscaled and without ReLU). In each block the
concatenated branches are projected back to the block's width by a 1x1 convolution with
bias, scaled and added to the block's input. Other convolutions have no bias and are
followed by batch normalization without scale and ReLU.
"""
from ndflow.keras import layers
from ndflow.keras.applications import _common
from ndflow.keras.applications import imagenet_utils
from ndflow.keras.engine.layer import Layer
from ndflow.keras.saving.registry import register_keras_serializable

BASE_WEIGHT_URL = ("https://storage.googleapis.com/tensorflow/keras-applications/"
                   "inception_resnet_v2/")
# md5 of Keras' files: (with the classifier, without it)
WEIGHTS_HASHES = ("e693bd0210a403b3192acc6073ad2e96", "d19885ff4a710c122648d3b5c3b684e4")


@register_keras_serializable(package="ndflow.applications",
                             name="InceptionResNetV2CustomScaleLayer")
class CustomScaleLayer(Layer):
    """``shortcut + scale * residual``, called on ``[shortcut, residual]`` (named as
    Keras names its layer, so that the automatic names ``custom_scale_layer_<n>`` agree).
    """

    def __init__(self, scale, **kwargs):
        super().__init__(**kwargs)
        self.scale = float(scale)

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)) or len(inputs) != 2:
            raise ValueError("%s: expected the list [shortcut, residual] of two tensors of "
                             "the same shape, got %r." % (self.name, inputs))
        return inputs[0] + inputs[1] * self.scale

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[0])

    def get_config(self):
        config = super().get_config()
        config.update({"scale": self.scale})
        return config


def _cbr(x, filters, kernel_size, strides=1, padding="same", activation="relu",
         use_bias=False, name=None):
    """Convolution, then (without bias) batch normalization without scale, then the
    activation; with ``name``, the layers are ``name``, ``name_bn`` and ``name_ac``."""
    x = layers.Conv2D(filters, kernel_size, strides=strides, padding=padding,
                      use_bias=use_bias, name=name)(x)
    if not use_bias:
        x = layers.BatchNormalization(axis=_common.channel_axis(), scale=False,
                                      name=None if name is None else name + "_bn")(x)
    if activation is not None:
        x = layers.Activation(activation, name=None if name is None else name + "_ac")(x)
    return x


def _chain(x, specs):
    for spec in specs:
        x = _cbr(x, *spec)
    return x


def _concat(branches, name):
    return layers.Concatenate(axis=_common.channel_axis(), name=name)(branches)


# the branches of each block type: lists of (filters, kernel size) convolutions
_BLOCKS = {
    "block35": [[(32, 1)], [(32, 1), (32, 3)], [(32, 1), (48, 3), (64, 3)]],
    "block17": [[(192, 1)], [(128, 1), (160, (1, 7)), (192, (7, 1))]],
    "block8": [[(192, 1)], [(192, 1), (224, (1, 3)), (256, (3, 1))]],
}


def _residual_block(x, scale, block_type, block_idx, activation="relu"):
    name = "%s_%d" % (block_type, block_idx)
    branches = [_chain(x, specs) for specs in _BLOCKS[block_type]]
    mixed = _concat(branches, name + "_mixed")
    up = _cbr(mixed, x.shape[_common.channel_axis()], 1, activation=None, use_bias=True,
              name=name + "_conv")
    x = CustomScaleLayer(scale)([x, up])
    if activation is not None:
        x = layers.Activation(activation, name=name + "_ac")(x)
    return x


def _build(fn, include_top, weights, input_tensor, input_shape, pooling, classes,
           classifier_activation, name):
    input_shape, img_input = _common.build_input(fn, weights, include_top, classes, pooling,
                                                 input_tensor, input_shape,
                                                 default_size=299, min_size=75)

    x = _cbr(img_input, 32, 3, strides=2, padding="valid")
    x = _cbr(x, 32, 3, padding="valid")
    x = _cbr(x, 64, 3)
    x = layers.MaxPooling2D(3, strides=2)(x)
    x = _cbr(x, 80, 1, padding="valid")
    x = _cbr(x, 192, 3, padding="valid")
    x = layers.MaxPooling2D(3, strides=2)(x)

    # mixed_5b: Inception module to 320 channels (35x35)
    b0 = _cbr(x, 96, 1)
    b1 = _chain(x, [(48, 1), (64, 5)])
    b2 = _chain(x, [(64, 1), (96, 3), (96, 3)])
    bp = layers.AveragePooling2D(3, strides=1, padding="same")(x)
    bp = _cbr(bp, 64, 1)
    x = _concat([b0, b1, b2, bp], "mixed_5b")

    for i in range(1, 11):
        x = _residual_block(x, 0.17, "block35", i)

    # mixed_6a: grid reduction to 17x17 (1088 channels)
    b0 = _cbr(x, 384, 3, strides=2, padding="valid")
    b1 = _chain(x, [(256, 1), (256, 3)])
    b1 = _cbr(b1, 384, 3, strides=2, padding="valid")
    bp = layers.MaxPooling2D(3, strides=2, padding="valid")(x)
    x = _concat([b0, b1, bp], "mixed_6a")

    for i in range(1, 21):
        x = _residual_block(x, 0.1, "block17", i)

    # mixed_7a: grid reduction to 8x8 (2080 channels)
    reduced = []
    for specs in ([(256, 1)], [(256, 1)], [(256, 1), (288, 3)]):
        b = _chain(x, specs)
        reduced.append(_cbr(b, (384, 288, 320)[len(reduced)], 3, strides=2,
                            padding="valid"))
    bp = layers.MaxPooling2D(3, strides=2, padding="valid")(x)
    x = _concat(reduced + [bp], "mixed_7a")

    for i in range(1, 10):
        x = _residual_block(x, 0.2, "block8", i)
    x = _residual_block(x, 1.0, "block8", 10, activation=None)

    x = _cbr(x, 1536, 1, name="conv_7b")

    # the classifier's pooling is named, a feature extractor's is not (as in Keras)
    x = _common.head(fn, x, include_top, pooling, classes, classifier_activation, weights,
                     avg_name="avg_pool" if include_top else None)
    model = _common.make_model(img_input, x, input_tensor, name)
    return _common.load_tf_kernels_weights(fn, model, weights, include_top, BASE_WEIGHT_URL,
                                           "inception_resnet_v2", WEIGHTS_HASHES)


InceptionResNetV2 = _common.standard_builder(
    "InceptionResNetV2", _build, "inception_resnet_v2", _common.model_doc(
        "InceptionResNetV2", "Preprocess images with ``keras.applications."
        "inception_resnet_v2.preprocess_input`` (pixels scaled to [-1, 1]); the default "
        "input size is 299x299 (at least 75x75)."))


preprocess_input = imagenet_utils.family_preprocess_input("tf", __name__)
decode_predictions = imagenet_utils.decode_predictions
