"""NASNet-A (Zoph et al., "Learning Transferable Architectures for Scalable Image
Recognition", CVPR 2018): NASNetMobile (4 @ 1056) and NASNetLarge (6 @ 4032), with
Keras' layer names so that Keras' ImageNet weights load. Channels-last only.

A stride-2 stem convolution and two reduction cells, then three stacks of ``num_blocks``
normal cells separated by reduction cells (each doubling the width). Every cell takes
the outputs of the two previous cells; the older one is first adjusted to the newer one's
size and width (``adjust_*`` layers). Cells combine ReLU + separable convolution pairs
(``separable_conv_{1,2}_*``), poolings and identities by addition and concatenate them.
Batch normalization uses momentum 0.9997 and epsilon 1e-3.
"""
from ndflow.keras import backend
from ndflow.keras import layers
from ndflow.keras.applications import _common
from ndflow.keras.applications import imagenet_utils

BASE_WEIGHTS_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/nasnet/"
# (url, file name in the cache, md5) of Keras' files, with the classifier and without it
WEIGHTS = {
    "mobile": ((BASE_WEIGHTS_PATH + "NASNet-mobile.h5", "nasnet_mobile.h5",
                "020fb642bf7360b370c678b08e0adf61"),
               (BASE_WEIGHTS_PATH + "NASNet-mobile-no-top.h5", "nasnet_mobile_no_top.h5",
                "1ed92395b5b598bdda52abe5c0dbfd63")),
    "large": ((BASE_WEIGHTS_PATH + "NASNet-large.h5", "nasnet_large.h5",
               "11577c9a518f0070763c2b964a382f17"),
              (BASE_WEIGHTS_PATH + "NASNet-large-no-top.h5", "nasnet_large_no_top.h5",
               "d81d89dc07e6e56530c4e77faddd61b5")),
}


def _bn(name):
    return layers.BatchNormalization(axis=-1, momentum=0.9997, epsilon=1e-3, name=name)


def _conv1x1(x, filters, name):
    return layers.Conv2D(filters, 1, padding="same", use_bias=False, name=name,
                         kernel_initializer="he_normal")(x)


def _sep_block(x, filters, kernel_size, block_id, strides=1):
    """Two (ReLU, separable convolution, batch normalization); the first one strided,
    after Keras' zero padding when the stride is 2."""
    x = layers.Activation("relu")(x)
    padding = "same"
    if strides == 2:
        x = layers.ZeroPadding2D(_common.correct_pad(x, kernel_size),
                                 name="separable_conv_1_pad_" + block_id)(x)
        padding = "valid"
    x = layers.SeparableConv2D(filters, kernel_size, strides=strides, padding=padding,
                               use_bias=False, name="separable_conv_1_" + block_id)(x)
    x = _bn("separable_conv_1_bn_" + block_id)(x)
    x = layers.Activation("relu")(x)
    x = layers.SeparableConv2D(filters, kernel_size, padding="same", use_bias=False,
                               name="separable_conv_2_" + block_id)(x)
    return _bn("separable_conv_2_bn_" + block_id)(x)


def _adjust(p, ip, filters, block_id):
    """The previous cell's output ``p`` brought to the size and width of ``ip``."""
    if p is None:
        return ip
    if p.shape[-2] != ip.shape[-2]:
        # halve the size: two 1x1 stride-2 paths, the second shifted by one pixel
        p = layers.Activation("relu", name="adjust_relu_1_" + block_id)(p)
        p1 = layers.AveragePooling2D(1, strides=2, name="adjust_avg_pool_1_" + block_id)(p)
        p1 = _conv1x1(p1, filters // 2, "adjust_conv_1_" + block_id)
        p2 = layers.ZeroPadding2D(((0, 1), (0, 1)))(p)
        p2 = layers.Cropping2D(((1, 0), (1, 0)))(p2)
        p2 = layers.AveragePooling2D(1, strides=2, name="adjust_avg_pool_2_" + block_id)(p2)
        p2 = _conv1x1(p2, filters // 2, "adjust_conv_2_" + block_id)
        p = layers.Concatenate(axis=-1)([p1, p2])
        return _bn("adjust_bn_" + block_id)(p)
    if p.shape[-1] != filters:
        p = layers.Activation("relu")(p)
        p = _conv1x1(p, filters, "adjust_conv_projection_" + block_id)
        return _bn("adjust_bn_" + block_id)(p)
    return p


def _squeeze(ip, filters, kind, block_id):
    """ReLU, 1x1 convolution to ``filters``, batch normalization (the cell's input)."""
    h = layers.Activation("relu")(ip)
    h = _conv1x1(h, filters, "%s_conv_1_%s" % (kind, block_id))
    return _bn("%s_bn_1_%s" % (kind, block_id))(h)


def _add(tensors, name=None):
    return layers.Add(name=name)(tensors)


def _avg3(x, name, strides=1, padding="same"):
    return layers.AveragePooling2D(3, strides=strides, padding=padding, name=name)(x)


def _normal_cell(ip, p, filters, block_id):
    p = _adjust(p, ip, filters, block_id)
    h = _squeeze(ip, filters, "normal", block_id)
    bid = "_" + block_id
    x1 = _add([_sep_block(h, filters, 5, "normal_left1" + bid),
               _sep_block(p, filters, 3, "normal_right1" + bid)], "normal_add_1" + bid)
    x2 = _add([_sep_block(p, filters, 5, "normal_left2" + bid),
               _sep_block(p, filters, 3, "normal_right2" + bid)], "normal_add_2" + bid)
    x3 = _add([_avg3(h, "normal_left3" + bid), p], "normal_add_3" + bid)
    x4 = _add([_avg3(p, "normal_left4" + bid), _avg3(p, "normal_right4" + bid)],
              "normal_add_4" + bid)
    x5 = _add([_sep_block(h, filters, 3, "normal_left5" + bid), h], "normal_add_5" + bid)
    x = layers.Concatenate(axis=-1, name="normal_concat" + bid)([p, x1, x2, x3, x4, x5])
    return x, ip


def _reduction_cell(ip, p, filters, block_id):
    p = _adjust(p, ip, filters, block_id)
    h = _squeeze(ip, filters, "reduction", block_id)
    bid = "_" + block_id
    h3 = layers.ZeroPadding2D(_common.correct_pad(h, 3), name="reduction_pad_1" + bid)(h)
    x1 = _add([_sep_block(h, filters, 5, "reduction_left1" + bid, strides=2),
               _sep_block(p, filters, 7, "reduction_right1" + bid, strides=2)],
              "reduction_add_1" + bid)
    x2 = _add([layers.MaxPooling2D(3, strides=2, name="reduction_left2" + bid)(h3),
               _sep_block(p, filters, 7, "reduction_right2" + bid, strides=2)],
              "reduction_add_2" + bid)
    x3 = _add([_avg3(h3, "reduction_left3" + bid, strides=2, padding="valid"),
               _sep_block(p, filters, 5, "reduction_right3" + bid, strides=2)],
              "reduction_add3" + bid)
    x4 = _add([x2, _avg3(x1, "reduction_left4" + bid)])
    x5 = _add([_sep_block(x1, filters, 3, "reduction_left4" + bid),
               layers.MaxPooling2D(3, strides=2, name="reduction_right5" + bid)(h3)],
              "reduction_add4" + bid)
    x = layers.Concatenate(axis=-1, name="reduction_concat" + bid)([x2, x3, x4, x5])
    return x, ip


def _nasnet(fn, variant, input_shape, penultimate_filters, num_blocks, stem_block_filters,
            skip_reduction, filter_multiplier, include_top, weights, input_tensor, pooling,
            classes, default_size, classifier_activation, name):
    if backend.image_data_format() == "channels_first":
        raise ValueError("%s: NASNet only supports the 'channels_last' image data format; "
                         "call keras.backend.set_image_data_format('channels_last') first."
                         % fn)
    if (weights == "imagenet" and input_shape is not None
            and None in tuple(input_shape)):
        raise ValueError("%s: with ImageNet weights the input shape must be fully known; "
                         "got input_shape=%r. Give every dimension, e.g. (%d, %d, 3)." % (
                             fn, tuple(input_shape), default_size, default_size))
    input_shape, img_input = _common.build_input(fn, weights, include_top, classes, pooling,
                                                 input_tensor, input_shape,
                                                 default_size=default_size, min_size=32)
    filters = penultimate_filters // 24
    m = filter_multiplier

    x = layers.Conv2D(stem_block_filters, 3, strides=2, padding="valid", use_bias=False,
                      name="stem_conv1", kernel_initializer="he_normal")(img_input)
    x = _bn("stem_bn1")(x)
    x, p = _reduction_cell(x, None, filters // m ** 2, "stem_1")
    x, p = _reduction_cell(x, p, filters // m, "stem_2")
    for stage in range(3):
        if stage:
            x, p_reduced = _reduction_cell(x, p, filters * m ** stage,
                                           "reduce_%d" % (stage * num_blocks))
            if not skip_reduction:
                p = p_reduced
        for i in range(num_blocks):
            block = stage * num_blocks + i + (1 if stage else 0)
            x, p = _normal_cell(x, p, filters * m ** stage, str(block))
    x = layers.Activation("relu")(x)

    x = _common.head(fn, x, include_top, pooling, classes, classifier_activation, weights)
    model = _common.make_model(img_input, x, input_tensor, name)
    if weights == "imagenet":
        url, fname, md5 = WEIGHTS[variant][0 if include_top else 1]
        _common.load_weights_file(fn, model, _common.fetch(fn, fname, url, md5))
    elif weights is not None:
        _common.load_weights_file(fn, model, weights)
    return model


def NASNetMobile(input_shape=None, include_top=True, weights="imagenet", input_tensor=None,
                 pooling=None, classes=1000, classifier_activation="softmax",
                 name="nasnet_mobile"):
    if not include_top and input_shape is None:
        input_shape = (224, 224, 3)   # Keras' default for the feature extractor
    return _nasnet("NASNetMobile", "mobile", input_shape, 1056, 4, 32, False, 2,
                   include_top, weights, input_tensor, pooling, classes, 224,
                   classifier_activation, name)


def NASNetLarge(input_shape=None, include_top=True, weights="imagenet", input_tensor=None,
                pooling=None, classes=1000, classifier_activation="softmax",
                name="nasnet_large"):
    return _nasnet("NASNetLarge", "large", input_shape, 4032, 6, 96, True, 2,
                   include_top, weights, input_tensor, pooling, classes, 331,
                   classifier_activation, name)


NASNetMobile.__doc__ = _common.model_doc(
    "NASNetMobile", "``input_shape`` comes first (as in Keras). Preprocess images with "
    "``keras.applications.nasnet.preprocess_input`` (pixels scaled to [-1, 1]); the "
    "default input size is 224x224 (at least 32x32), channels last only.")
NASNetLarge.__doc__ = _common.model_doc(
    "NASNetLarge", "``input_shape`` comes first (as in Keras). Preprocess images with "
    "``keras.applications.nasnet.preprocess_input`` (pixels scaled to [-1, 1]); the "
    "default input size is 331x331 (at least 32x32), channels last only.")


preprocess_input = imagenet_utils.family_preprocess_input("tf", __name__)
decode_predictions = imagenet_utils.decode_predictions
