"""``keras.layers``: every layer class, loaded lazily from its implementation module."""
from ndflow.keras._lazy import lazy_getattr, lazy_dir

_E = "ndflow.keras.engine"
_L = "ndflow.keras.layers"

_TABLE = {
    # engine
    "Layer": _E + ".layer", "InputSpec": _E + ".input_spec", "Input": _E + ".input_layer",
    "InputLayer": _E + ".input_layer", "KerasTensor": _E + ".keras_tensor",
    # core (issue 3)
    "Dense": _L + ".core", "Dropout": _L + ".core", "Flatten": _L + ".core",
    "Activation": _L + ".core", "Lambda": _L + ".core", "Identity": _L + ".core",
    "Reshape": _L + ".core", "Permute": _L + ".core", "RepeatVector": _L + ".core",
    "Softmax": _L + ".activation", "ReLU": _L + ".activation", "LeakyReLU": _L + ".activation",
    "ELU": _L + ".activation", "PReLU": _L + ".activation",
    "Concatenate": _L + ".merging", "Add": _L + ".merging", "Subtract": _L + ".merging",
    "Multiply": _L + ".merging", "Average": _L + ".merging", "Maximum": _L + ".merging",
    "Minimum": _L + ".merging", "Dot": _L + ".merging",
    "concatenate": _L + ".merging", "add": _L + ".merging", "subtract": _L + ".merging",
    "multiply": _L + ".merging", "average": _L + ".merging", "maximum": _L + ".merging",
    "minimum": _L + ".merging", "dot": _L + ".merging",
    "LayerNormalization": _L + ".normalization",
    "BatchNormalization": _L + ".normalization",
    "GaussianNoise": _L + ".regularization", "GaussianDropout": _L + ".regularization",
    "ActivityRegularization": _L + ".regularization",
    "Rescaling": _L + ".preprocessing_core", "Normalization": _L + ".preprocessing_core",
    # issue 6: convolution, pooling, ...
    "Conv1D": _L + ".convolutional", "Conv2D": _L + ".convolutional",
    "Conv3D": _L + ".convolutional", "SeparableConv1D": _L + ".convolutional",
    "SeparableConv2D": _L + ".convolutional", "DepthwiseConv2D": _L + ".convolutional",
    "Conv1DTranspose": _L + ".convolutional", "Conv2DTranspose": _L + ".convolutional",
    "Convolution1D": _L + ".convolutional", "Convolution2D": _L + ".convolutional",
    "Convolution3D": _L + ".convolutional", "Conv3DTranspose": _L + ".convolutional",
    "UpSampling1D": _L + ".reshaping", "UpSampling2D": _L + ".reshaping",
    "ZeroPadding1D": _L + ".reshaping", "ZeroPadding2D": _L + ".reshaping",
    "Cropping1D": _L + ".reshaping", "Cropping2D": _L + ".reshaping",
    "MaxPooling1D": _L + ".pooling", "MaxPooling2D": _L + ".pooling",
    "MaxPooling3D": _L + ".pooling", "AveragePooling1D": _L + ".pooling",
    "AveragePooling2D": _L + ".pooling", "AveragePooling3D": _L + ".pooling",
    "MaxPool1D": _L + ".pooling", "MaxPool2D": _L + ".pooling", "MaxPool3D": _L + ".pooling",
    "AvgPool1D": _L + ".pooling", "AvgPool2D": _L + ".pooling", "AvgPool3D": _L + ".pooling",
    "GlobalMaxPooling1D": _L + ".pooling", "GlobalMaxPooling2D": _L + ".pooling",
    "GlobalMaxPooling3D": _L + ".pooling", "GlobalAveragePooling1D": _L + ".pooling",
    "GlobalAveragePooling2D": _L + ".pooling", "GlobalAveragePooling3D": _L + ".pooling",
    "GlobalMaxPool1D": _L + ".pooling", "GlobalMaxPool2D": _L + ".pooling",
    "GlobalAvgPool1D": _L + ".pooling", "GlobalAvgPool2D": _L + ".pooling",
    "GlobalMaxPool3D": _L + ".pooling", "GlobalAvgPool3D": _L + ".pooling",
    "GroupNormalization": _L + ".normalization_extra",
    "UnitNormalization": _L + ".normalization_extra",
    "SpatialDropout1D": _L + ".regularization_extra",
    "SpatialDropout2D": _L + ".regularization_extra",
    "SpatialDropout3D": _L + ".regularization_extra",
    "Embedding": _L + ".embedding", "Masking": _L + ".embedding",
    "SimpleRNN": _L + ".recurrent", "LSTM": _L + ".recurrent", "GRU": _L + ".recurrent",
    "SimpleRNNCell": _L + ".recurrent", "LSTMCell": _L + ".recurrent",
    "GRUCell": _L + ".recurrent", "RNN": _L + ".recurrent",
    "StackedRNNCells": _L + ".recurrent", "Bidirectional": _L + ".recurrent",
    "TimeDistributed": _L + ".recurrent",
    "Attention": _L + ".attention", "AdditiveAttention": _L + ".attention",
    "MultiHeadAttention": _L + ".attention",
    "Resizing": _L + ".preprocessing_image", "CenterCrop": _L + ".preprocessing_image",
    "RandomFlip": _L + ".preprocessing_image", "RandomRotation": _L + ".preprocessing_image",
    "RandomZoom": _L + ".preprocessing_image",
    "RandomTranslation": _L + ".preprocessing_image",
    "RandomContrast": _L + ".preprocessing_image",
    "TextVectorization": _L + ".preprocessing_text", "StringLookup": _L + ".preprocessing_text",
    "IntegerLookup": _L + ".preprocessing_text",
    "CategoryEncoding": _L + ".preprocessing_text",
    "Discretization": _L + ".preprocessing_text", "Hashing": _L + ".preprocessing_text",
}

__getattr__ = lazy_getattr(globals(), _TABLE)
__dir__ = lazy_dir(globals(), _TABLE)
