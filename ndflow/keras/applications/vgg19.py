"""VGG19: VGG16 with four convolutions in each of the last three blocks (see ``vgg16``)."""
from ndflow.keras.applications import vgg16 as _vgg
from ndflow.keras.applications.vgg16 import decode_predictions, preprocess_input

_BASE = "https://storage.googleapis.com/tensorflow/keras-applications/"
WEIGHTS_PATH = _BASE + "vgg19/vgg19_weights_tf_dim_ordering_tf_kernels.h5"
WEIGHTS_PATH_NO_TOP = _BASE + "vgg19/vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5"
WEIGHTS_HASHES = ("cbe5617147190e668d6c5d5026f83318", "253f8cb515780f3b799900260a226db6")

__all__ = ["VGG19", "decode_predictions", "preprocess_input"]


def VGG19(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
          pooling=None, classes=1000, classifier_activation="softmax", name="vgg19"):
    return _vgg.build_vgg("VGG19", (2, 2, 4, 4, 4), (WEIGHTS_PATH, WEIGHTS_PATH_NO_TOP),
                          WEIGHTS_HASHES, include_top, weights, input_tensor, input_shape,
                          pooling, classes, classifier_activation, name)


VGG19.__doc__ = _vgg._DOC.format(fn="VGG19", mod="vgg19")
