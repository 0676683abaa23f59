"""VGG16 and VGG19 (Simonyan & Zisserman, "Very Deep Convolutional Networks for
Large-Scale Image Recognition", ICLR 2015), with Keras' layer names so that Keras'
ImageNet weights load.

Five blocks of 3x3 'same' convolutions with ReLU (64, 128, 256, 512, 512 filters; two
convolutions in the first two blocks, three (VGG16) or four (VGG19) in the others), each
block followed by 2x2 max pooling; the classifier is Flatten, two Dense(4096, relu) and
the output layer.
"""
from ndflow.keras import layers
from ndflow.keras.applications import _common
from ndflow.keras.applications import imagenet_utils

_BASE = "https://storage.googleapis.com/tensorflow/keras-applications/"
WEIGHTS_PATH = _BASE + "vgg16/vgg16_weights_tf_dim_ordering_tf_kernels.h5"
WEIGHTS_PATH_NO_TOP = _BASE + "vgg16/vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5"
WEIGHTS_HASHES = ("64373286793e3c8b2b4e3219cbf3544b", "6d6bbae143d832006294945121d1f1fc")


def build_vgg(fn, convs_per_block, urls, hashes, include_top, weights, input_tensor,
              input_shape, pooling, classes, classifier_activation, name):
    input_shape, img_input = _common.build_input(fn, weights, include_top, classes, pooling,
                                                 input_tensor, input_shape)
    x = img_input
    for block, (filters, convs) in enumerate(zip((64, 128, 256, 512, 512), convs_per_block)):
        for i in range(convs):
            x = layers.Conv2D(filters, 3, activation="relu", padding="same",
                              name="block%d_conv%d" % (block + 1, i + 1))(x)
        x = layers.MaxPooling2D(2, strides=2, name="block%d_pool" % (block + 1))(x)
    if include_top:
        x = layers.Flatten(name="flatten")(x)
        x = layers.Dense(4096, activation="relu", name="fc1")(x)
        x = layers.Dense(4096, activation="relu", name="fc2")(x)
        x = _common.classifier(fn, x, classes, classifier_activation, weights)
    else:
        x = _common.pooling_head(x, pooling)
    model = _common.make_model(img_input, x, input_tensor, name)
    return _common.load_weights(fn, model, weights, include_top, urls, hashes)


_DOC = """{fn}, optionally with weights pre-trained on ImageNet.

    Args:
        include_top: whether to end with the 3 fully-connected layers (the last one
            ``classes``-way).
        weights: None (random initialization), 'imagenet', or the path of a weights file.
        input_tensor: a Keras tensor to use as the model's input.
        input_shape: (height, width, 3) without the batch, at least 32x32; must be
            (224, 224, 3) with ``include_top=True`` and ImageNet weights.
        pooling: without the top, None (4-D feature maps), 'avg' or 'max' (a vector).
        classes: number of classes of the classifier (1000 with ImageNet weights).
        classifier_activation: 'softmax' (default), None for logits, or any activation
            (only softmax/None with pre-trained weights).
        name: the model's name.

    Preprocess images with ``keras.applications.{mod}.preprocess_input`` (mode 'caffe':
    RGB to BGR, ImageNet mean subtracted).
    """


def VGG16(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
          pooling=None, classes=1000, classifier_activation="softmax", name="vgg16"):
    return build_vgg("VGG16", (2, 2, 3, 3, 3), (WEIGHTS_PATH, WEIGHTS_PATH_NO_TOP),
                     WEIGHTS_HASHES, include_top, weights, input_tensor, input_shape,
                     pooling, classes, classifier_activation, name)


VGG16.__doc__ = _DOC.format(fn="VGG16", mod="vgg16")


preprocess_input = imagenet_utils.family_preprocess_input("caffe", __name__)
decode_predictions = imagenet_utils.decode_predictions
