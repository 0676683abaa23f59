"""``keras.utils.to_categorical`` and ``keras.utils.normalize``."""
import numpy as np

from ndflow.core.tensor import Tensor, convert_to_tensor


def to_categorical(x, num_classes=None):
    """One-hot encode integer class labels: shape ``x.shape + (num_classes,)``, float32.

    A trailing dimension of size 1 (labels of shape ``(n, 1)``) is dropped first, as
    in Keras.  ``num_classes`` defaults to ``max(x) + 1``.  Tensors in, tensor out.
    """
    is_tensor = isinstance(x, Tensor)
    y = np.asarray(x._value if is_tensor else x)
    if y.dtype.kind == "f":
        if not np.all(np.equal(np.mod(y, 1), 0)):
            raise ValueError("to_categorical expects integer class labels, got non-integer "
                             "floats such as %r." % (y[np.mod(y, 1) != 0].flat[0],))
        y = y.astype(np.int64)
    elif y.dtype.kind not in "iub":
        raise ValueError("to_categorical expects integer class labels, got dtype %s. Map "
                         "string labels to integers first (e.g. with "
                         "sklearn.preprocessing.LabelEncoder)." % y.dtype)
    if y.ndim > 1 and y.shape[-1] == 1:
        y = y.reshape(y.shape[:-1])
    if num_classes is None:
        num_classes = int(y.max()) + 1 if y.size else 0
    num_classes = int(num_classes)
    if y.size and (y.min() < 0 or y.max() >= num_classes):
        raise ValueError("to_categorical: labels must lie in [0, num_classes=%d), got values "
                         "from %d to %d. Pass a larger num_classes or fix the labels."
                         % (num_classes, int(y.min()), int(y.max())))
    out = np.zeros(y.shape + (num_classes,), dtype=np.float32)
    np.put_along_axis(out, y[..., None].astype(np.intp), 1.0, axis=-1)
    return convert_to_tensor(out) if is_tensor else out


def normalize(x, axis=-1, order=2):
    """``x`` divided by its ``order``-norm along ``axis`` (zero vectors stay zero)."""
    is_tensor = isinstance(x, Tensor)
    arr = np.asarray(x._value if is_tensor else x)
    if arr.dtype.kind not in "f":
        arr = arr.astype(np.float32)
    norm = np.atleast_1d(np.linalg.norm(arr, order, axis))
    norm[norm == 0] = 1
    out = arr / np.expand_dims(norm, axis)
    return convert_to_tensor(out) if is_tensor else out
