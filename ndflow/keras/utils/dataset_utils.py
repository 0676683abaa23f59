"""Datasets from arrays and directories: ``timeseries_dataset_from_array``,
``image_dataset_from_directory``, ``text_dataset_from_directory``, ``split_dataset``."""
import os

import numpy as np

from ndflow.data import Dataset
from ndflow.data.transforms import BatchDataset
from ndflow.data.parallel import PrefetchDataset
from ndflow.ops.image_ops import RESIZE_METHODS as _RESIZE_METHODS
from ndflow.ops.image_ops import resize_images as _resize_images

IMAGE_EXTENSIONS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
TEXT_EXTENSIONS = (".txt",)


# ---- time series ----------------------------------------------------------------------

def timeseries_dataset_from_array(data, targets, sequence_length, sequence_stride=1,
                                  sampling_rate=1, batch_size=128, shuffle=False, seed=None,
                                  start_index=None, end_index=None):
    """Sliding windows over ``data``: window ``i`` holds
    ``data[start + p, start + p + r, ..., start + p + (sequence_length-1)*r]`` for the
    ``i``-th start ``p`` (every ``sequence_stride`` steps, ``r = sampling_rate``), paired
    with ``targets[start + p]`` when ``targets`` is given.  Batched by ``batch_size``
    (None: unbatched)."""
    data = np.asarray(data)
    n = len(data)
    if start_index is not None and not 0 <= start_index < n:
        raise ValueError("timeseries_dataset_from_array: start_index must be in [0, %d), got "
                         "%d." % (n, start_index))
    if end_index is not None:
        if end_index <= 0 or end_index >= n or (start_index and end_index <= start_index):
            raise ValueError("timeseries_dataset_from_array: end_index must be above "
                             "start_index (%s) and below the data length %d, got %d."
                             % (start_index, n, end_index))
    for what, v in (("sampling_rate", sampling_rate), ("sequence_stride", sequence_stride)):
        if v <= 0 or v >= n:
            raise ValueError("timeseries_dataset_from_array: %s must be in [1, %d), got %d."
                             % (what, n, v))
    if sequence_length < 1:
        raise ValueError("timeseries_dataset_from_array: sequence_length must be at least 1, "
                         "got %d." % sequence_length)
    start = start_index or 0
    end = n if end_index is None else end_index
    num_seqs = end - start - (sequence_length - 1) * sampling_rate
    if targets is not None:
        targets = np.asarray(targets)
        num_seqs = min(num_seqs, len(targets))
    positions = np.arange(0, max(num_seqs, 0), sequence_stride, dtype=np.int64)
    if shuffle:
        if seed is None:
            seed = np.random.randint(1_000_000)
        np.random.RandomState(seed).shuffle(positions)
    window = np.arange(sequence_length, dtype=np.int64) * sampling_rate
    series = data[start:end]
    labels = targets[start:] if targets is not None else None

    def gather(pos):
        p = np.asarray(pos)
        x = series[p[..., None] + window]
        return x if labels is None else (x, labels[p])

    ds = Dataset.from_tensor_slices(positions)
    if shuffle:
        ds = ds.shuffle(buffer_size=(batch_size or 128) * 8, seed=seed)
    if batch_size is not None:
        ds = ds.batch(batch_size)
    return ds.map(gather).prefetch(-1)


# ---- directories ----------------------------------------------------------------------

def _index_directory(directory, labels, extensions, class_names, shuffle, seed, follow_links,
                     what):
    if not os.path.isdir(directory):
        raise ValueError("%s: %r is not a directory." % (what, directory))
    if labels not in ("inferred", None) and not isinstance(labels, (list, tuple, np.ndarray)):
        raise ValueError("%s: labels must be 'inferred', None or a list of integer labels, "
                         "got %r." % (what, labels))
    subdirs = sorted(d for d in os.listdir(directory)
                     if os.path.isdir(os.path.join(directory, d)))
    if labels == "inferred":
        if class_names is not None:
            missing = set(class_names) - set(subdirs)
            if missing:
                raise ValueError("%s: class_names %s have no subdirectory in %r (found %s)."
                                 % (what, sorted(missing), directory, subdirs))
            subdirs = list(class_names)
        class_names = subdirs
        roots = [(i, os.path.join(directory, d)) for i, d in enumerate(subdirs)]
    else:
        roots = [(None, directory)]
    paths, found = [], []
    for label, root in roots:
        for dirpath, dirnames, files in os.walk(root, followlinks=follow_links):
            dirnames.sort()
            for fn in sorted(files):
                if fn.lower().endswith(extensions):
                    paths.append(os.path.join(dirpath, fn))
                    found.append(label)
    if labels == "inferred":
        label_list = np.asarray(found, dtype=np.int32)
    elif labels is None:
        label_list = None
    else:
        label_list = np.asarray(labels)
        if len(label_list) != len(paths):
            raise ValueError("%s: %d labels were given but %d files were found in %r (files "
                             "are taken in sorted path order)." % (what, len(label_list),
                                                                   len(paths), directory))
        class_names = class_names or [str(c) for c in sorted(set(label_list.tolist()))]
    if shuffle:
        if seed is None:
            seed = np.random.randint(1_000_000)
        order = np.random.RandomState(seed).permutation(len(paths))
        paths = [paths[i] for i in order]
        if label_list is not None:
            label_list = label_list[order]
    return paths, label_list, class_names, seed


def _split(paths, labels, validation_split, subset, seed, what, verbose):
    if validation_split is None:
        if subset is not None:
            raise ValueError("%s: subset=%r needs validation_split." % (what, subset))
        return [(paths, labels)]
    if not 0 < validation_split < 1:
        raise ValueError("%s: validation_split must be between 0 and 1, got %r."
                         % (what, validation_split))
    if subset not in ("training", "validation", "both"):
        raise ValueError("%s: with validation_split, subset must be 'training', 'validation' "
                         "or 'both', got %r." % (what, subset))
    n_val = int(validation_split * len(paths))
    cut = len(paths) - n_val
    train = (paths[:cut], None if labels is None else labels[:cut])
    val = (paths[cut:], None if labels is None else labels[cut:])
    if verbose:
        if subset in ("training", "both"):
            print("Using %d files for training." % cut)
        if subset in ("validation", "both"):
            print("Using %d files for validation." % n_val)
    return {"training": [train], "validation": [val], "both": [train, val]}[subset]


def _encode_labels(labels, label_mode, num_classes, what):
    if label_mode == "int":
        return labels.astype(np.int32)
    if label_mode == "categorical":
        if len(labels) and (labels.min() < 0 or labels.max() >= num_classes):
            raise ValueError("%s: label_mode='categorical' needs labels in [0, %d), got values "
                             "from %d to %d." % (what, num_classes, labels.min(), labels.max()))
        out = np.zeros((len(labels), num_classes), dtype=np.float32)
        out[np.arange(len(labels)), labels.astype(np.intp)] = 1.0
        return out
    if label_mode == "binary":
        if num_classes != 2:
            raise ValueError("%s: label_mode='binary' needs exactly 2 classes, found %d. Use "
                             "label_mode='int' or 'categorical'." % (what, num_classes))
        return labels.astype(np.float32).reshape(-1, 1)
    raise ValueError("%s: label_mode must be 'int', 'categorical', 'binary' or None, got %r."
                     % (what, label_mode))


def _make(paths, labels, load, label_mode, class_names, batch_size, shuffle, seed, what):
    path_array = np.asarray(paths, dtype=object)
    if label_mode is None or labels is None:
        ds = Dataset.from_tensor_slices(path_array)
    else:
        ds = Dataset.from_tensor_slices(
            (path_array, _encode_labels(labels, label_mode, len(class_names), what)))
    if shuffle:
        ds = ds.shuffle(buffer_size=(batch_size or 32) * 8, seed=seed)
    if label_mode is None or labels is None:
        ds = ds.map(lambda p: load(p.numpy()), num_parallel_calls=-1)
    else:
        ds = ds.map(lambda p, y: (load(p.numpy()), y), num_parallel_calls=-1)
    if batch_size is not None:
        ds = ds.batch(batch_size)
    ds = ds.prefetch(-1)
    ds.class_names = list(class_names) if class_names is not None else None
    ds.file_paths = list(paths)
    return ds


def _from_directory(directory, labels, label_mode, class_names, batch_size, shuffle, seed,
                    validation_split, subset, follow_links, verbose, extensions, kind, load,
                    what):
    if labels is None:
        label_mode = None
    paths, label_list, class_names, seed = _index_directory(
        directory, labels, extensions, class_names, shuffle, seed, follow_links, what)
    if verbose:
        if label_list is not None and labels == "inferred":
            print("Found %d files belonging to %d classes." % (len(paths), len(class_names)))
        else:
            print("Found %d files." % len(paths))
    if not paths:
        raise ValueError("%s: no %s files found in %r (allowed extensions: %s)."
                         % (what, kind, directory, ", ".join(extensions)))
    parts = _split(paths, label_list, validation_split, subset, seed, what, verbose)
    made = [_make(p, lab, load, label_mode, class_names, batch_size, shuffle, seed, what)
            for p, lab in parts]
    return made[0] if len(made) == 1 else tuple(made)


def image_dataset_from_directory(directory, labels="inferred", label_mode="int",
                                 class_names=None, color_mode="rgb", batch_size=32,
                                 image_size=(256, 256), shuffle=True, seed=None,
                                 validation_split=None, subset=None, interpolation="bilinear",
                                 follow_links=False, crop_to_aspect_ratio=False,
                                 pad_to_aspect_ratio=False, data_format=None, verbose=True):
    """Images in ``directory/<class>/...`` as a Dataset of ``(images, labels)`` batches.

    Images are float32 ``(batch, height, width, channels)`` with values 0-255, resized to
    ``image_size`` as ``tf.image.resize`` does (no antialiasing) with ``interpolation``;
    ``crop_to_aspect_ratio`` first crops the largest centred window of the target's aspect
    ratio, ``pad_to_aspect_ratio`` fits the image inside the target and pads it with zeros
    (``tf.image.resize_with_pad``).  Labels follow ``label_mode`` ('int', 'categorical',
    'binary', None).  The result has ``class_names`` and ``file_paths``.  Decoding needs
    Pillow (``pip install Pillow``).
    """
    what = "image_dataset_from_directory"
    try:
        from PIL import Image
    except ImportError:
        raise ImportError("%s needs Pillow to decode images: pip install Pillow" % what) from None
    modes = {"rgb": ("RGB", 3), "rgba": ("RGBA", 4), "grayscale": ("L", 1)}
    if color_mode not in modes:
        raise ValueError("%s: color_mode must be one of %s, got %r."
                         % (what, sorted(modes), color_mode))
    pil_mode, channels = modes[color_mode]
    method = str(interpolation).lower()
    if method not in _RESIZE_METHODS:
        raise ValueError("%s: interpolation must be one of %s, got %r."
                         % (what, ", ".join(repr(m) for m in _RESIZE_METHODS), interpolation))
    if crop_to_aspect_ratio and pad_to_aspect_ratio:
        raise ValueError("%s: crop_to_aspect_ratio and pad_to_aspect_ratio cannot both be True."
                         % what)
    if isinstance(image_size, (int, np.integer)):
        image_size = (image_size, image_size)
    if not isinstance(image_size, (list, tuple)) or len(image_size) != 2:
        raise ValueError("%s: image_size must be an int or a pair of ints (height, width), "
                         "got %r." % (what, image_size))
    height, width = int(image_size[0]), int(image_size[1])
    channels_first = _image_data_format(data_format, what) == "channels_first"

    def load(path):
        with Image.open(path) as img:
            arr = np.asarray(img.convert(pil_mode), dtype=np.float32)
        arr = arr.reshape(arr.shape[0], arr.shape[1], channels)
        if pad_to_aspect_ratio:
            out = _resize_with_pad(arr, height, width, method, what)
        else:
            out = _resize_images(arr, (height, width), method,
                                 crop_to_aspect_ratio=bool(crop_to_aspect_ratio),
                                 name=what)._value
        out = np.asarray(out, dtype=np.float32)
        return np.ascontiguousarray(out.transpose(2, 0, 1)) if channels_first else out

    return _from_directory(directory, labels, label_mode, class_names, batch_size, shuffle,
                           seed, validation_split, subset, follow_links, verbose,
                           IMAGE_EXTENSIONS, "image", load, what)


def _image_data_format(data_format, what):
    if data_format is None:
        from ndflow.keras.backend import image_data_format
        data_format = image_data_format()
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError("%s: data_format must be 'channels_last' or 'channels_first', got %r."
                         % (what, data_format))
    return data_format


def _resize_with_pad(arr, th, tw, method, what):
    """``tf.image.resize_with_pad`` of one (h, w, c) image: fit inside (th, tw) keeping the
    aspect ratio (sizes computed in float32 and floored, as TensorFlow does), then centre
    on a zero canvas."""
    h, w = arr.shape[:2]
    f32 = np.float32
    ratio = max(f32(w) / f32(tw), f32(h) / f32(th))
    fh, fw = f32(h) / ratio, f32(w) / ratio
    rh, rw = max(1, int(np.floor(fh))), max(1, int(np.floor(fw)))
    top = max(0, int(np.floor((f32(th) - fh) / f32(2))))
    left = max(0, int(np.floor((f32(tw) - fw) / f32(2))))
    small = np.asarray(_resize_images(arr, (rh, rw), method, name=what)._value)
    out = np.zeros((th, tw, arr.shape[2]), dtype=np.float32)
    out[top:top + rh, left:left + rw] = small[:th - top, :tw - left]
    return out


def text_dataset_from_directory(directory, labels="inferred", label_mode="int",
                                class_names=None, batch_size=32, max_length=None, shuffle=True,
                                seed=None, validation_split=None, subset=None,
                                follow_links=False, verbose=True):
    """``.txt`` files in ``directory/<class>/...`` as a Dataset of ``(texts, labels)``
    batches; texts are string tensors, cut to ``max_length`` characters if given."""
    what = "text_dataset_from_directory"

    def load(path):
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        if max_length is not None:
            text = text[:max_length]
        return np.array(text, dtype=object)

    return _from_directory(directory, labels, label_mode, class_names, batch_size, shuffle,
                           seed, validation_split, subset, follow_links, verbose,
                           TEXT_EXTENSIONS, "text", load, what)


# ---- splitting ------------------------------------------------------------------------

def _samples(dataset):
    """The list of samples (internal elements) of a dataset or array structure."""
    if isinstance(dataset, Dataset):
        top = dataset._input if isinstance(dataset, PrefetchDataset) else dataset
        if isinstance(top, BatchDataset):
            dataset = dataset.unbatch()
        n = dataset._cardinality()
        if n == -1:
            raise ValueError("split_dataset: the dataset is infinite (repeat()); split it "
                             "before repeating.")
        return list(dataset._iter())
    return list(Dataset.from_tensor_slices(
        tuple(dataset) if isinstance(dataset, list) else dataset)._iter())


def _resolve_sizes(left, right, total):
    def check(v, name):
        if v is None:
            return None
        if isinstance(v, float):
            if not 0 < v < 1:
                raise ValueError("split_dataset: a float %s must be between 0 and 1, got %r."
                                 % (name, v))
            return int(round(v * total))
        if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
            if not 0 < v <= total:
                raise ValueError("split_dataset: %s=%d must be between 1 and the number of "
                                 "samples (%d)." % (name, v, total))
            return int(v)
        raise TypeError("split_dataset: %s must be an int, a float or None, got %r."
                        % (name, v))
    lft, rgt = check(left, "left_size"), check(right, "right_size")
    if lft is None and rgt is None:
        lft = int(round(0.5 * total))
    if lft is None:
        lft = total - rgt
    if rgt is None:
        rgt = total - lft
    if lft + rgt > total:
        raise ValueError("split_dataset: left_size + right_size = %d is more than the %d "
                         "samples." % (lft + rgt, total))
    return lft, rgt


def split_dataset(dataset, left_size=None, right_size=None, shuffle=False, seed=None):
    """Split a Dataset (or arrays / a tuple of arrays) into two Datasets of samples.

    Sizes are fractions (float) or counts (int); a missing one is the complement.
    A batched dataset is split by sample, not by batch.
    """
    samples = _samples(dataset)
    total = len(samples)
    if total == 0:
        raise ValueError("split_dataset: the dataset is empty.")
    lft, rgt = _resolve_sizes(left_size, right_size, total)
    if shuffle:
        if seed is None:
            seed = np.random.randint(1_000_000)
        order = np.random.RandomState(seed).permutation(total)
        samples = [samples[i] for i in order]
    from ndflow.data.transforms import stack
    parts = []
    for chunk in (samples[:lft], samples[lft:lft + rgt]):
        if chunk:
            parts.append(Dataset.from_tensor_slices(stack(chunk, "split_dataset")))
        else:
            parts.append(Dataset.from_tensor_slices(stack(samples[:1], "split_dataset")).take(0))
    return parts[0], parts[1]
