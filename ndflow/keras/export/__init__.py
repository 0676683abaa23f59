"""``keras.export``: exporting a model to other runtimes.

``model.export(filepath, format="onnx")`` (or ``export_onnx(model, filepath)``) writes an
ONNX file that ONNX Runtime and other ONNX runtimes run for inference.  The graph is built
from the model's layers by ``onnx_export`` (no converter library needed besides ``onnx``).
Keras' other formats (TensorFlow SavedModel, OpenVINO, LiteRT, torch) need the runtimes
they are named after and are not available in ndflow.
"""

SUPPORTED_FORMATS = ("onnx",)

# the layers export_onnx translates (inference behaviour)
SUPPORTED_LAYERS = (
    "InputLayer", "Dense", "Activation", "Flatten", "Reshape", "Permute", "RepeatVector",
    "Dropout", "SpatialDropout1D/2D/3D", "GaussianNoise", "GaussianDropout",
    "ActivityRegularization", "Identity", "Softmax", "ReLU", "LeakyReLU", "ELU", "PReLU",
    "Conv1D/2D/3D", "DepthwiseConv2D", "SeparableConv1D/2D", "Conv1D/2D/3DTranspose",
    "MaxPooling1D/2D/3D", "AveragePooling1D/2D/3D", "GlobalMaxPooling1D/2D/3D",
    "GlobalAveragePooling1D/2D/3D", "BatchNormalization", "LayerNormalization",
    "UnitNormalization", "Rescaling", "Normalization", "Add", "Subtract", "Multiply",
    "Average", "Maximum", "Minimum", "Concatenate", "Dot", "Embedding", "Masking",
    "LSTM", "GRU", "SimpleRNN", "Bidirectional", "ZeroPadding1D/2D", "Cropping1D/2D",
    "UpSampling1D/2D", "RandomFlip/Rotation/Zoom/Translation/Contrast/Brightness (identity)",
    "nested Sequential/Functional models",
)

_OTHER_FORMATS = {
    "tf_saved_model": ("a TensorFlow SavedModel", "TensorFlow"),
    "openvino": ("an OpenVINO model", "OpenVINO"),
    "litert": ("a LiteRT (TFLite) model", "TensorFlow Lite"),
    "tflite": ("a LiteRT (TFLite) model", "TensorFlow Lite"),
    "torch": ("a torch.export program", "PyTorch"),
}


def export_onnx(model, filepath, verbose=None, input_signature=None, opset_version=None,
                **kwargs):
    """Write ``model`` to ``filepath`` as an ONNX file (see ``onnx_export.export_onnx``)."""
    from ndflow.keras.export import onnx_export
    return onnx_export.export_onnx(model, filepath, verbose=verbose,
                                   input_signature=input_signature,
                                   opset_version=opset_version, **kwargs)


def to_onnx(model, input_signature=None, opset_version=None):
    """The ``onnx.ModelProto`` of ``model``, without writing a file."""
    from ndflow.keras.export import onnx_export
    return onnx_export.to_onnx(model, input_signature=input_signature,
                               opset_version=opset_version)


def export_model(model, filepath, format="tf_saved_model", verbose=None, input_signature=None,
                 **kwargs):
    """``Model.export``: dispatch on ``format``; only ``"onnx"`` is available."""
    fmt = str(format).lower() if isinstance(format, str) else format
    if fmt == "onnx":
        opset = kwargs.pop("opset_version", None)
        return export_onnx(model, filepath, verbose=verbose, input_signature=input_signature,
                           opset_version=opset, **kwargs)
    if fmt in _OTHER_FORMATS:
        what, needs = _OTHER_FORMATS[fmt]
        raise ValueError(
            "model.export: format=%r would write %s, which needs %s; ndflow cannot write it. "
            "The format ndflow supports is 'onnx': model.export(%r, format='onnx') writes an "
            "ONNX file that ONNX Runtime (and OpenVINO, TensorRT, ...) can run."
            % (format, what, needs, str(filepath)))
    raise ValueError("model.export: unknown format %r. The format ndflow supports is 'onnx' "
                     "(Keras also names %s, which ndflow cannot write)."
                     % (format, ", ".join(repr(f) for f in _OTHER_FORMATS)))


def __getattr__(name):
    if name == "NotExportableError":
        from ndflow.keras.export.onnx_export import NotExportableError
        return NotExportableError
    raise AttributeError("module 'ndflow.keras.export' has no attribute %r" % name)
