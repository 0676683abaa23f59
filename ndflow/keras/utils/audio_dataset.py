"""``keras.utils.audio_dataset_from_directory``: ``.wav`` files in class folders as a
Dataset of ``(audio, labels)`` batches.

Files are listed, labelled, shuffled and split by the helpers that
``image_dataset_from_directory`` and ``text_dataset_from_directory`` use, so the three
utilities agree on file order and on which files go to training and validation.  Each
file is decoded with ``tf.audio.decode_wav`` (16-bit PCM) to float32
``(samples, channels)``; a batch is zero-padded to its longest clip, or every clip is cut
or zero-padded to ``output_sequence_length``.
"""
import numpy as np

from ndflow.audio import decode_wav
from ndflow.data import Dataset
from ndflow.keras.utils.dataset_utils import _encode_labels, _index_directory, _split

AUDIO_EXTENSIONS = (".wav",)
_WHAT = "audio_dataset_from_directory"


def _check_args(labels, label_mode, class_names, sampling_rate, output_sequence_length,
                ragged, validation_split, subset, shuffle, seed):
    if labels not in ("inferred", None):
        if not isinstance(labels, (list, tuple)):
            raise ValueError(
                "%s: labels must be 'inferred' (labels from the subdirectory names), None "
                "(no labels) or a list/tuple of integer labels, one per audio file in sorted "
                "path order; got %r." % (_WHAT, labels))
        if class_names:
            raise ValueError(
                "%s: class_names can only be given with labels='inferred'; got labels=%r and "
                "class_names=%r. Drop class_names (the class names are then the sorted "
                "labels)." % (_WHAT, labels, class_names))
    if labels is None and class_names is not None:
        raise ValueError("%s: class_names cannot be given with labels=None (no labels)."
                         % _WHAT)
    if label_mode not in ("int", "categorical", "binary", None):
        raise ValueError("%s: label_mode must be 'int', 'categorical', 'binary' or None, got "
                         "%r." % (_WHAT, label_mode))
    if ragged and output_sequence_length is not None:
        raise ValueError(
            "%s: ragged=True and output_sequence_length=%r cannot be used together: "
            "output_sequence_length makes every clip the same length. Set one of them."
            % (_WHAT, output_sequence_length))
    if output_sequence_length is not None:
        if (isinstance(output_sequence_length, bool)
                or not isinstance(output_sequence_length, (int, np.integer))
                or output_sequence_length < 1):
            raise ValueError("%s: output_sequence_length must be a positive int (samples per "
                             "clip) or None, got %r." % (_WHAT, output_sequence_length))
    if sampling_rate is not None:
        if not isinstance(sampling_rate, (int, np.integer)):
            raise ValueError("%s: sampling_rate must be an int (samples per second), got %r."
                             % (_WHAT, sampling_rate))
        if sampling_rate <= 0:
            raise ValueError("%s: sampling_rate must be higher than 0, got %r."
                             % (_WHAT, sampling_rate))
        # Keras resamples with tensorflow-io and raises ImportError without it; ndflow has
        # no resampler, so this is always the case here.
        raise ImportError(
            "%s: sampling_rate=%d needs an audio resampler (Keras uses tensorflow-io), which "
            "ndflow does not have. Resample the files beforehand (e.g. with sox or ffmpeg "
            "-ar %d) and leave sampling_rate=None." % (_WHAT, sampling_rate, sampling_rate))
    if validation_split and not 0 < validation_split < 1:
        raise ValueError("%s: validation_split must be between 0 and 1, got %r."
                         % (_WHAT, validation_split))
    if (validation_split or subset) and not (validation_split and subset):
        raise ValueError("%s: subset and validation_split go together: set both (subset="
                         "'training', 'validation' or 'both') or neither; got "
                         "validation_split=%r, subset=%r." % (_WHAT, validation_split, subset))
    if subset not in ("training", "validation", "both", None):
        raise ValueError("%s: subset must be 'training', 'validation' or 'both', got %r."
                         % (_WHAT, subset))
    if validation_split and shuffle and seed is None:
        raise ValueError(
            "%s: with validation_split and shuffle=True, pass a seed so that the training "
            "and validation subsets (made by separate calls) do not overlap." % _WHAT)


def _load(output_sequence_length):
    desired = -1 if output_sequence_length is None else int(output_sequence_length)

    def load(path):
        path = path.numpy() if hasattr(path, "numpy") else path
        with open(path, "rb") as f:
            contents = f.read()
        return decode_wav(contents, desired_samples=desired).audio
    return load


def _dataset(paths, labels, label_mode, class_names, output_sequence_length, batch_size,
             shuffle, seed):
    path_array = np.empty(len(paths), dtype=object)
    path_array[:] = [p.encode("utf-8") if isinstance(p, str) else p for p in paths]
    load = _load(output_sequence_length)
    if label_mode is None:
        ds = Dataset.from_tensor_slices(path_array)
    else:
        encoded = _encode_labels(np.asarray(labels), label_mode, len(class_names), _WHAT)
        ds = Dataset.from_tensor_slices((path_array, encoded))
    if shuffle:
        ds = ds.shuffle(buffer_size=batch_size * 8 if batch_size is not None else 1024,
                        seed=seed)
    if label_mode is None:
        ds = ds.map(load, num_parallel_calls=-1)
    else:
        ds = ds.map(lambda p, y: (load(p), y), num_parallel_calls=-1)
    ds = ds.prefetch(-1)
    if batch_size is not None:
        if output_sequence_length is None:
            ds = ds.padded_batch(batch_size)   # zeros up to the longest clip of the batch
        else:
            ds = ds.batch(batch_size)
    ds.class_names = list(class_names) if class_names is not None else None
    ds.file_paths = list(paths)
    return ds


def audio_dataset_from_directory(directory, labels="inferred", label_mode="int",
                                 class_names=None, batch_size=32, sampling_rate=None,
                                 output_sequence_length=None, ragged=False, shuffle=True,
                                 seed=None, validation_split=None, subset=None,
                                 follow_links=False, verbose=True):
    """Audio files (``.wav``, 16-bit PCM) in ``directory/<class>/...`` as a Dataset.

    Elements are ``(audio, labels)``: ``audio`` float32 ``(batch, samples, channels)``
    with values in [-1, 1), zero-padded to the longest clip of its batch, or cut/padded
    to ``output_sequence_length``; labels follow ``label_mode`` ('int': int32
    ``(batch,)``, 'categorical': float32 one-hot, 'binary': float32 ``(batch, 1)``; None:
    audio only).  ``labels`` is 'inferred' (from the subdirectory names, sorted or in
    ``class_names`` order), None, or a list of labels in sorted file order.  Files are
    shuffled with ``seed`` (sorted when ``shuffle=False``); ``validation_split`` with
    ``subset`` ('training', 'validation' or 'both', which returns a pair) keeps the last
    fraction of the shuffled files for validation.  The result has ``class_names`` and
    ``file_paths``.

    ``ragged=True`` is not available (ndflow's tf.data does not carry RaggedTensors), nor
    is ``sampling_rate`` (no resampler; Keras needs tensorflow-io for it).
    """
    _check_args(labels, label_mode, class_names, sampling_rate, output_sequence_length,
                ragged, validation_split, subset, shuffle, seed)
    if ragged:
        raise NotImplementedError(
            "%s: ragged=True is not supported: ndflow's tf.data pipelines cannot carry "
            "RaggedTensors yet. Use ragged=False (each batch zero-padded to its longest "
            "clip) or output_sequence_length=N (every clip cut or padded to N samples)."
            % _WHAT)
    if batch_size is not None and (isinstance(batch_size, bool)
                                   or not isinstance(batch_size, (int, np.integer))
                                   or batch_size < 1):
        raise ValueError("%s: batch_size must be a positive int or None (no batching), got "
                         "%r." % (_WHAT, batch_size))
    if labels is None or label_mode is None:
        labels, label_mode = None, None
    if seed is None:
        seed = np.random.randint(1_000_000)
    paths, label_list, class_names, seed = _index_directory(
        directory, labels, AUDIO_EXTENSIONS, class_names, shuffle, seed, follow_links, _WHAT)
    if labels is None:
        class_names = None
    if verbose:
        if labels is None:
            print("Found %d files." % len(paths))
        else:
            print("Found %d files belonging to %d classes." % (len(paths), len(class_names)))
    if label_mode == "binary" and len(class_names) != 2:
        raise ValueError(
            "%s: label_mode='binary' needs exactly 2 classes, found %d: %s. Use "
            "label_mode='int' or 'categorical'." % (_WHAT, len(class_names), class_names))
    if not paths:
        raise ValueError("%s: no audio files found in %r (allowed format: .wav)."
                         % (_WHAT, directory))
    parts = _split(paths, label_list, validation_split, subset, seed, _WHAT, verbose)
    names = {"training": ["training"], "validation": ["validation"],
             "both": ["training", "validation"], None: ["all"]}[subset]
    made = []
    for name, (part_paths, part_labels) in zip(names, parts):
        if not part_paths:
            raise ValueError(
                "%s: validation_split=%r of %d files leaves no %s files. Use a larger "
                "directory or a different validation_split." % (_WHAT, validation_split,
                                                                len(paths), name))
        # As Keras: with subset='both' only the training half is shuffled again.
        made.append(_dataset(part_paths, part_labels, label_mode, class_names,
                             output_sequence_length, batch_size,
                             shuffle and not (subset == "both" and name == "validation"),
                             seed))
    return made[0] if len(made) == 1 else tuple(made)
