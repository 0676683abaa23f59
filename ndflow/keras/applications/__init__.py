"""``keras.applications``: image classification models with Keras' architectures and
layer names, so that Keras' ImageNet weights load (``weights='imagenet'`` downloads them
once into ``$NDFLOW_HOME/models``; a copy in ``~/.keras/models`` is used as it is).

Each family has its own module with ``preprocess_input`` and ``decode_predictions``
(``keras.applications.mobilenet_v2.preprocess_input``...). Modules load on first use.
"""
import importlib

from ndflow.keras._lazy import lazy_getattr

_A = "ndflow.keras.applications."
_SUBMODULES = ("imagenet_utils", "mobilenet_v2", "resnet", "resnet50", "vgg16", "vgg19",
               "efficientnet", "densenet", "mobilenet", "resnet_v2", "xception",
               "inception_v3", "mobilenet_v3", "convnext", "efficientnet_v2",
               "inception_resnet_v2", "nasnet")

_TABLE = {
    "MobileNetV2": _A + "mobilenet_v2",
    "ResNet50": _A + "resnet", "ResNet101": _A + "resnet", "ResNet152": _A + "resnet",
    "VGG16": _A + "vgg16", "VGG19": _A + "vgg19",
    "DenseNet121": _A + "densenet", "DenseNet169": _A + "densenet",
    "DenseNet201": _A + "densenet",
    "MobileNet": _A + "mobilenet",
    "ResNet50V2": _A + "resnet_v2", "ResNet101V2": _A + "resnet_v2",
    "ResNet152V2": _A + "resnet_v2",
    "Xception": _A + "xception", "InceptionV3": _A + "inception_v3",
    "MobileNetV3Small": _A + "mobilenet_v3", "MobileNetV3Large": _A + "mobilenet_v3",
    "InceptionResNetV2": _A + "inception_resnet_v2",
    "NASNetMobile": _A + "nasnet", "NASNetLarge": _A + "nasnet",
}
_TABLE.update({"EfficientNetB%d" % i: _A + "efficientnet" for i in range(8)})
_TABLE.update({"ConvNeXt" + v: _A + "convnext"
               for v in ("Tiny", "Small", "Base", "Large", "XLarge")})
_TABLE.update({"EfficientNetV2" + v: _A + "efficientnet_v2"
               for v in ("B0", "B1", "B2", "B3", "S", "M", "L")})

_names = lazy_getattr(globals(), _TABLE)


def __getattr__(name):
    if name in _SUBMODULES:
        mod = importlib.import_module(_A + name)
        globals()[name] = mod
        return mod
    return _names(name)


def __dir__():
    return sorted(set(globals()) | set(_TABLE) | set(_SUBMODULES))
