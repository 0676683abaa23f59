"""``keras.applications.imagenet_utils``: input preprocessing of the ImageNet models and
decoding of their 1000-class predictions.

Three preprocessing conventions exist, one per family of pre-trained weights:

* ``'tf'``: pixels in [0, 255] scaled to [-1, 1] (``x / 127.5 - 1``);
* ``'torch'``: scaled to [0, 1], then each RGB channel standardized with the ImageNet
  mean (0.485, 0.456, 0.406) and standard deviation (0.229, 0.224, 0.225);
* ``'caffe'``: RGB turned into BGR, then the ImageNet mean pixel (103.939, 116.779,
  123.68 in BGR order) subtracted, without scaling.

As in Keras, a floating-point NumPy array is preprocessed in place (and returned); other
NumPy arrays are first converted to ``floatx``. Tensors, and the symbolic tensors of a
model being defined, get a new tensor.
"""
import json

import numpy as np

from ndflow.keras import backend
from ndflow.keras.applications import _common

CLASS_INDEX = None
CLASS_INDEX_PATH = ("https://storage.googleapis.com/download.tensorflow.org/"
                    "data/imagenet_class_index.json")
CLASS_INDEX_HASH = "c2c37ea517e94d9795004a39431a14cb"  # md5, as Keras checks it

_TORCH_MEAN = (0.485, 0.456, 0.406)
_TORCH_STD = (0.229, 0.224, 0.225)
_CAFFE_MEAN_BGR = (103.939, 116.779, 123.68)

__all__ = ["preprocess_input", "decode_predictions"]


def _channel_axis(ndim, data_format):
    if data_format == "channels_last":
        return ndim - 1
    return 0 if ndim == 3 else 1


def _check(mode, data_format, fn="preprocess_input"):
    if mode not in ("caffe", "tf", "torch"):
        raise ValueError("%s: `mode` must be 'caffe', 'tf' or 'torch', got %r." % (fn, mode))
    if data_format is None:
        data_format = backend.image_data_format()
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError("%s: `data_format` must be 'channels_first' or 'channels_last' (or "
                         "None for the global setting), got %r." % (fn, data_format))
    return data_format


def _preprocess_numpy(x, data_format, mode):
    if not np.issubdtype(x.dtype, np.floating):
        x = x.astype(backend.floatx())
    elif not x.flags.writeable:
        x = x.copy()
    if mode == "tf":
        x /= 127.5
        x -= 1.0
        return x
    if x.ndim < 3:
        raise ValueError("preprocess_input(mode=%r) needs an image (3-D) or a batch of images "
                         "(4-D) with 3 color channels; got an array of shape %s."
                         % (mode, x.shape))
    axis = _channel_axis(x.ndim, data_format)
    if x.shape[axis] != 3:
        raise ValueError("preprocess_input(mode=%r, data_format=%r) needs 3 color channels on "
                         "axis %d; got an array of shape %s." % (mode, data_format, axis,
                                                                  x.shape))
    shape = [1] * x.ndim
    shape[axis] = 3
    if mode == "torch":
        x /= 255.0
        x -= np.asarray(_TORCH_MEAN, x.dtype).reshape(shape)
        x /= np.asarray(_TORCH_STD, x.dtype).reshape(shape)
        return x
    x = np.flip(x, axis=axis)   # RGB -> BGR, a view: the input is changed in place
    x -= np.asarray(_CAFFE_MEAN_BGR, x.dtype).reshape(shape)
    return x


def _preprocess_tensor(x, data_format, mode):
    from ndflow.ops import math_ops as M
    from ndflow.ops import array_ops as A
    if not x.dtype.is_floating:
        x = M.cast(x, backend.floatx())
    dt = x.dtype.as_numpy_dtype if hasattr(x.dtype, "as_numpy_dtype") else np.float32
    if mode == "tf":
        return M.subtract(M.divide(x, np.asarray(127.5, dt)), np.asarray(1.0, dt))
    ndim = len(x.shape)
    axis = _channel_axis(ndim, data_format)
    shape = [1] * ndim
    shape[axis] = 3
    if mode == "torch":
        x = M.divide(x, np.asarray(255.0, dt))
        x = M.subtract(x, np.asarray(_TORCH_MEAN, dt).reshape(shape))
        return M.divide(x, np.asarray(_TORCH_STD, dt).reshape(shape))
    x = A.reverse(x, [axis])
    return M.subtract(x, np.asarray(_CAFFE_MEAN_BGR, dt).reshape(shape))


def preprocess_input(x, data_format=None, mode="caffe"):
    """Preprocess a batch of images (values in [0, 255]) for an ImageNet model.

    ``mode``: 'caffe' (default), 'tf' or 'torch' (see the module docstring). ``x``: a
    NumPy array (float arrays are modified in place), a tensor, or a symbolic tensor of a
    Functional model. Returns float values.
    """
    data_format = _check(mode, data_format)
    if isinstance(x, np.ndarray):
        return _preprocess_numpy(x, data_format, mode)
    if isinstance(x, (list, tuple, int, float)):
        return _preprocess_numpy(np.array(x, dtype=backend.floatx()), data_format, mode)
    if backend.is_keras_tensor(x):
        if len(x.shape) < 3 and mode != "tf":
            raise ValueError("preprocess_input(mode=%r) needs images with 3 color channels; "
                             "got a tensor of shape %s." % (mode, tuple(x.shape)))
        from ndflow.keras.engine.keras_tensor import OpLayer
        return OpLayer(lambda t: _preprocess_tensor(t, data_format, mode),
                       "preprocess_input")(x)
    from ndflow.core.tensor import convert_to_tensor
    t = convert_to_tensor(x)
    if mode != "tf":
        axis = _channel_axis(len(t.shape), data_format) if len(t.shape) >= 3 else None
        if axis is None or t.shape[axis] != 3:
            raise ValueError("preprocess_input(mode=%r, data_format=%r) needs images with 3 "
                             "color channels; got a tensor of shape %s."
                             % (mode, data_format, tuple(t.shape)))
    return _preprocess_tensor(t, data_format, mode)


_MODE_DOCS = {
    "caffe": "RGB to BGR, then the ImageNet mean pixel subtracted (mode 'caffe').",
    "tf": "Scale pixels from [0, 255] to [-1, 1] (mode 'tf').",
    "torch": "Scale to [0, 1], then standardize each channel with ImageNet statistics "
             "(mode 'torch').",
}


def family_preprocess_input(mode, module):
    """The ``preprocess_input(x, data_format=None)`` of the model family in ``module``,
    whose weights expect images preprocessed with ``mode``."""

    def family_fn(x, data_format=None):
        return preprocess_input(x, data_format=data_format, mode=mode)

    family_fn.__name__ = family_fn.__qualname__ = "preprocess_input"
    family_fn.__module__ = module
    family_fn.__doc__ = _MODE_DOCS[mode]
    return family_fn


def _class_index():
    global CLASS_INDEX
    if CLASS_INDEX is None:
        path = _common.fetch("decode_predictions", "imagenet_class_index.json",
                             CLASS_INDEX_PATH, CLASS_INDEX_HASH, what="class index")
        with open(path, encoding="utf-8") as f:
            index = json.load(f)
        if not isinstance(index, dict) or any(str(i) not in index for i in range(1000)):
            raise ValueError("decode_predictions: %s is not an ImageNet class index (a JSON "
                             "object mapping '0'..'999' to [wordnet id, name]). Delete it "
                             "to download it again." % path)
        CLASS_INDEX = index
    return CLASS_INDEX


def decode_predictions(preds, top=5):
    """The ``top`` most likely ImageNet classes of each prediction, as lists of
    ``(wordnet_id, class_name, score)``, most likely first.

    ``preds``: the ``(batch, 1000)`` output of an ImageNet classifier.
    """
    if hasattr(preds, "numpy") and not isinstance(preds, np.ndarray):
        preds = preds.numpy()
    preds = np.asarray(preds)
    if preds.ndim != 2 or preds.shape[1] != 1000:
        raise ValueError("decode_predictions expects a batch of ImageNet predictions, a 2-D "
                         "array of shape (samples, 1000); got shape %s. Pass the output of "
                         "a model built with include_top=True and 1000 classes."
                         % (preds.shape,))
    if isinstance(top, bool) or not isinstance(top, (int, np.integer)) or top < 1:
        raise ValueError("decode_predictions: `top` must be a positive integer, got %r."
                         % (top,))
    index = _class_index()
    results = []
    for row in preds:
        best = np.argsort(-row, kind="stable")[:top]
        results.append([tuple(index[str(int(i))]) + (row[i],) for i in best])
    return results


def obtain_input_shape(input_shape, default_size, min_size, data_format, require_flatten,
                       weights=None):
    """The checked input shape of an application model (Keras' helper of that name)."""
    return _common.obtain_input_shape("obtain_input_shape", input_shape, default_size,
                                      min_size, data_format, require_flatten, weights)


def correct_pad(inputs, kernel_size):
    """The zero padding before a stride-2 'valid' convolution that mimics 'same'."""
    return _common.correct_pad(inputs, kernel_size)
