"""What every application builder shares: argument checks, the image input, the
classifier / pooling head, Keras' layer order and the download of pre-trained weights.

The builders name every layer that holds weights exactly as Keras does and create the
layers in Keras' order, so that Keras' weight files (``*_tf_dim_ordering_tf_kernels*.h5``,
HDF5 with one group per layer) load position by position.
"""
import os

from ndflow.keras import backend
from ndflow.keras import layers

# Keras keeps downloaded files in $KERAS_HOME/models (~/.keras/models): a copy found
# there is used before anything is downloaded.
KERAS_CACHE_SUBDIR = "models"


def channel_axis():
    return 1 if backend.image_data_format() == "channels_first" else -1


def check_common_args(fn, weights, include_top, classes, pooling):
    """The argument checks all application functions share (Keras' rules)."""
    if not (weights in ("imagenet", None) or
            (isinstance(weights, (str, os.PathLike)) and os.path.exists(weights))):
        raise ValueError(
            "%s: `weights` must be None (random initialization), 'imagenet' (pre-trained on "
            "ImageNet) or the path of an existing weights file; got weights=%r%s." % (
                fn, weights,
                " (no such file)" if isinstance(weights, (str, os.PathLike)) else ""))
    if weights == "imagenet" and include_top and classes != 1000:
        raise ValueError(
            "%s: the ImageNet classifier has 1000 classes, got classes=%r. To classify into "
            "%r classes, use include_top=False (optionally with pooling='avg') and add your "
            "own Dense(%r) layer, or pass weights=None to train the whole model from "
            "scratch." % (fn, classes, classes, classes))
    if pooling not in (None, "avg", "max"):
        raise ValueError("%s: `pooling` must be None, 'avg' or 'max', got %r." % (fn, pooling))


def validate_classifier_activation(fn, classifier_activation, weights):
    """Pre-trained classifiers were trained with softmax: only softmax or None (logits)."""
    if weights is None:
        return
    from ndflow.keras import activations
    act = activations.get(classifier_activation)
    if act is not activations.get("softmax") and act is not activations.get(None):
        raise ValueError(
            "%s: with pre-trained weights and include_top=True, classifier_activation must "
            "be 'softmax' or None (logits); got %r." % (fn, classifier_activation))


def obtain_input_shape(fn, input_shape, default_size, min_size, data_format,
                       require_flatten, weights=None):
    """The model's input shape (without the batch), checked as Keras checks it.

    ``require_flatten`` is ``include_top``: the classifier needs a fixed size, and with
    ImageNet weights exactly the size the weights were trained at.
    """
    first = data_format == "channels_first"
    if input_shape is not None:
        try:
            input_shape = tuple(input_shape)
        except TypeError:
            raise ValueError("%s: `input_shape` must be a tuple of three integers such as "
                             "(224, 224, 3); got %r." % (fn, input_shape)) from None
    if weights != "imagenet" and input_shape and len(input_shape) == 3:
        channels = input_shape[0] if first else input_shape[-1]
        if channels not in (1, 3):
            import warnings
            warnings.warn("%s: this model usually takes 1 or 3 input channels, but "
                          "input_shape=%r has %r." % (fn, input_shape, channels), stacklevel=3)
        default_shape = ((channels, default_size, default_size) if first
                         else (default_size, default_size, channels))
    else:
        default_shape = (3, default_size, default_size) if first else \
            (default_size, default_size, 3)
    if weights == "imagenet" and require_flatten:
        if input_shape is not None and input_shape != default_shape:
            raise ValueError(
                "%s: with include_top=True and weights='imagenet' the input shape must be "
                "%r (the size the classifier was trained at); got input_shape=%r. For "
                "another size use include_top=False (with pooling='avg' for a feature "
                "vector) and add your own classifier." % (fn, default_shape, input_shape))
        return default_shape
    if input_shape:
        if len(input_shape) != 3:
            raise ValueError("%s: `input_shape` must be a tuple of three integers (height, "
                             "width, channels); got %r." % (fn, input_shape))
        channels = input_shape[0] if first else input_shape[-1]
        if weights == "imagenet" and channels != 3:
            raise ValueError("%s: the ImageNet weights take 3 input channels (RGB); got "
                             "input_shape=%r." % (fn, input_shape))
        spatial = input_shape[1:] if first else input_shape[:2]
        if any(d is not None and d < min_size for d in spatial):
            raise ValueError("%s: the input must be at least %dx%d pixels; got input_shape="
                             "%r." % (fn, min_size, min_size, input_shape))
    else:
        if require_flatten:
            input_shape = default_shape
        else:
            input_shape = (3, None, None) if first else (None, None, 3)
    if require_flatten and None in input_shape:
        raise ValueError("%s: include_top=True needs a fixed input size, got input_shape="
                         "%r. Give every dimension, e.g. input_shape=%r." % (
                             fn, input_shape, default_shape))
    return input_shape


def spatial(input_shape):
    """``(rows, cols)`` of an input shape without the batch."""
    if backend.image_data_format() == "channels_first":
        return input_shape[1], input_shape[2]
    return input_shape[0], input_shape[1]


def input_tensor_shape(fn, input_tensor, input_shape):
    """The shape (without the batch) of the caller's ``input_tensor``, which must be a
    Keras tensor agreeing with ``input_shape`` where both are known; None without one."""
    if input_tensor is None:
        return None
    if not backend.is_keras_tensor(input_tensor):
        raise ValueError("%s: `input_tensor` must be a Keras tensor (keras.Input(...) or "
                         "a layer's output); got %r." % (fn, type(input_tensor).__name__))
    given = tuple(input_tensor.shape)[1:]
    if input_shape is not None and (len(given) != len(tuple(input_shape)) or any(
            a is not None and b is not None and a != b
            for a, b in zip(given, tuple(input_shape)))):
        raise ValueError("%s: input_shape=%r does not match the shape %r of "
                         "input_tensor." % (fn, tuple(input_shape), given))
    return given


def imagenet_rows(fn, alpha, alphas, input_shape, sizes):
    """With the MobileNets' ImageNet weights: ``alpha`` must be one of ``alphas``, and the
    weights for the input's size are loaded when it is one of the square ``sizes``, those
    for 224x224 otherwise (with a warning). Returns that size."""
    if alpha not in alphas:
        raise ValueError("%s: ImageNet weights exist for alpha in %s; got alpha=%r. Pass "
                         "weights=None to train another width from scratch."
                         % (fn, ", ".join(str(a) for a in alphas), alpha))
    rows, cols = spatial(input_shape)
    if rows != cols or rows not in sizes:
        import warnings
        warnings.warn("%s: input_shape %r is not one of the square sizes ImageNet weights "
                      "were trained at (%s); the weights for 224x224 are loaded."
                      % (fn, input_shape, ", ".join(map(str, sizes))), stacklevel=3)
        return 224
    return rows


def correct_pad(inputs, kernel_size):
    """Zero padding ``((top, bottom), (left, right))`` that makes a stride-2 'valid'
    convolution of ``kernel_size`` cover the input like TF's 'same' padding does."""
    first = backend.image_data_format() == "channels_first"
    size = tuple(inputs.shape[2:4] if first else inputs.shape[1:3])
    if isinstance(kernel_size, int):
        kernel_size = (kernel_size, kernel_size)
    out = []
    for s, k in zip(size, kernel_size):
        adjust = 1 if s is None else 1 - s % 2
        out.append((k // 2 - adjust, k // 2))
    return tuple(out)


def image_input(fn, input_tensor, input_shape):
    """The tensor the model starts from: a new ``Input`` or the caller's tensor."""
    if input_tensor is None:
        return layers.Input(shape=input_shape)
    if backend.is_keras_tensor(input_tensor):
        return input_tensor
    try:
        return layers.Input(tensor=input_tensor, shape=input_shape)
    except Exception as e:
        raise ValueError("%s: `input_tensor` must be a Keras tensor (the output of "
                         "keras.Input(...) or of a layer); got %r of type %s (%s)." % (
                             fn, input_tensor, type(input_tensor).__name__, e)) from None


def source_inputs(tensor):
    """The ``Input`` tensors that ``tensor`` was computed from, in discovery order."""
    out, seen, stack = [], set(), [tensor]
    while stack:
        t = stack.pop()
        hist = getattr(t, "_keras_history", None)
        if hist is None:
            if not any(t is o for o in out):
                out.append(t)
            continue
        node = hist.node
        if id(node) in seen:
            continue
        seen.add(id(node))
        if node.is_input:
            out.extend(v for v in node.output_tensors if not any(v is o for o in out))
        else:
            stack.extend(reversed(node.input_tensors))
    return out


def build_input(fn, weights, include_top, classes, pooling, input_tensor, input_shape,
                default_size=224, min_size=32):
    """The start of a builder taking Keras' usual arguments: the argument checks, the
    input shape (see :func:`obtain_input_shape`) and the input tensor.

    Returns ``(input_shape, img_input)``.
    """
    check_common_args(fn, weights, include_top, classes, pooling)
    input_shape = obtain_input_shape(
        fn, input_shape, default_size=default_size, min_size=min_size,
        data_format=backend.image_data_format(), require_flatten=include_top,
        weights=weights)
    return input_shape, image_input(fn, input_tensor, input_shape)


def classifier(fn, x, classes, classifier_activation, weights, name="predictions",
               **dense_kwargs):
    """The last ``Dense(classes)`` layer, after checking ``classifier_activation``."""
    validate_classifier_activation(fn, classifier_activation, weights)
    return layers.Dense(classes, activation=classifier_activation, name=name,
                        **dense_kwargs)(x)


def pooling_head(x, pooling, avg_name=None, max_name=None):
    """The optional global pooling of a feature extractor (``include_top=False``)."""
    if pooling == "avg":
        return layers.GlobalAveragePooling2D(name=avg_name)(x)
    if pooling == "max":
        return layers.GlobalMaxPooling2D(name=max_name)(x)
    return x


def head(fn, x, include_top, pooling, classes, classifier_activation, weights,
         avg_name=None, max_name=None, dense_kwargs=None, dropout=None):
    """Classifier (global average pooling [+ dropout] + Dense 'predictions') or the
    optional global pooling of a feature extractor."""
    if include_top:
        x = layers.GlobalAveragePooling2D(name=avg_name)(x)
        if dropout:
            x = layers.Dropout(dropout[0], name=dropout[1])(x)
        return classifier(fn, x, classes, classifier_activation, weights,
                          **(dense_kwargs or {}))
    return pooling_head(x, pooling, avg_name, max_name)


def make_model(inputs_from, x, input_tensor, name):
    from ndflow.keras.engine.functional import Functional
    inputs = source_inputs(input_tensor) if input_tensor is not None else inputs_from
    if isinstance(inputs, list) and len(inputs) == 1:
        inputs = inputs[0]
    return Functional(inputs, x, name=name)


def keras_home():
    return os.path.expanduser(os.environ.get("KERAS_HOME") or os.path.join("~", ".keras"))


def fetch(fn, fname, origin, file_hash=None, what="weights"):
    """The local path of one of Keras' files, downloaded into ``$NDFLOW_HOME/models`` if
    no verified copy is there (or in Keras' own cache, ``~/.keras/models``)."""
    from ndflow.keras.utils import file_utils
    keras_copy = os.path.join(keras_home(), KERAS_CACHE_SUBDIR, fname)
    if os.path.isfile(keras_copy) and (file_hash is None or
                                       file_utils.validate_file(keras_copy, file_hash)):
        return keras_copy
    try:
        return file_utils.get_file(fname, origin=origin, file_hash=file_hash,
                                   cache_subdir=KERAS_CACHE_SUBDIR)
    except file_utils.DownloadError as e:
        target = os.path.join(file_utils.ndflow_home(), KERAS_CACHE_SUBDIR, fname)
        cause = e.__cause__
        reason = getattr(cause, "reason", None) or cause or e
        hint = (", or pass weights=None for a randomly initialized model or weights='/path/"
                "to/file.h5' for a weights file you have" if what == "weights" else "")
        raise file_utils.DownloadError(
            "%s: the ImageNet %s file %r is not available offline and could not be "
            "downloaded from %s (%s).\nLooked for it in:\n  %s\n  %s\nTo work offline, "
            "download it on a machine with internet access and copy it to %s (or set "
            "NDFLOW_HOME to a directory whose 'models' folder holds it)%s." % (
                fn, what, fname, origin, reason, target, keras_copy, target, hint)) from None


def load_weights_file(fn, model, path):
    try:
        model.load_weights(path)
    except ValueError as e:
        raise ValueError("%s: the weights in %s do not fit this model: %s" % (fn, path, e)) \
            from None


def load_weights(fn, model, weights, include_top, urls, hashes=None):
    """Loads the weights a builder was asked for and returns ``model``.

    ``weights``: 'imagenet' fetches Keras' file from ``urls`` (with the classifier,
    without it; the file is named after the last part of the URL), checked against
    ``hashes`` (same order; None: unchecked); a path loads that file; None leaves the
    random initialization.
    """
    if weights == "imagenet":
        i = 0 if include_top else 1
        url = urls[i]
        path = fetch(fn, url.rsplit("/", 1)[1], url, hashes[i] if hashes else None)
        load_weights_file(fn, model, path)
    elif weights is not None:
        load_weights_file(fn, model, weights)
    return model


def named_urls(base_url, name):
    """The URLs of ImageNet files named after the model: ``<name>.h5`` (with the
    classifier) and ``<name>_notop.h5`` (without it)."""
    return base_url + name + ".h5", base_url + name + "_notop.h5"


def load_tf_kernels_weights(fn, model, weights, include_top, base_url, stem, hashes):
    """``weights``: 'imagenet' fetches Keras' ``<stem>_weights_tf_dim_ordering_tf_kernels
    [_notop].h5`` from ``base_url`` (``hashes``: (with top, without top)); a path loads that
    file; None leaves the random initialization."""
    url = "%s%s_weights_tf_dim_ordering_tf_kernels" % (base_url, stem)
    return load_weights(fn, model, weights, include_top, (url + ".h5", url + "_notop.h5"),
                        hashes)


_ARGS_DOC = """
    Args:
        include_top: whether to end with the 1000-way (``classes``-way) classifier.
        weights: None (random initialization), 'imagenet', or the path of a weights file.
        input_tensor: a Keras tensor to use as the model's input.
        input_shape: (height, width, 3) without the batch, at least 32x32; must be
            (224, 224, 3) with ``include_top=True`` and ImageNet weights.
        pooling: without the top, None (4-D feature maps), 'avg' or 'max' (a vector).
        classes: number of classes of the classifier (1000 with ImageNet weights).
        classifier_activation: 'softmax' (default), None for logits, or any activation
            (only softmax/None with pre-trained weights).
        name: the model's name.
"""


def model_doc(fn, preprocess_note):
    """The docstring of a classification model builder taking Keras' usual arguments."""
    return "%s, optionally with weights pre-trained on ImageNet.\n%s\n    %s\n" % (
        fn, _ARGS_DOC, preprocess_note)


def standard_builder(fn, build, default_name, doc, *args):
    """The public builder ``fn`` with Keras' usual signature, calling
    ``build(fn, *args, include_top, weights, input_tensor, input_shape, pooling, classes,
    classifier_activation, name)``; ``doc`` is its docstring."""

    def builder(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
                pooling=None, classes=1000, classifier_activation="softmax",
                name=default_name):
        return build(fn, *args, include_top, weights, input_tensor, input_shape, pooling,
                     classes, classifier_activation, name)

    builder.__name__ = builder.__qualname__ = fn
    builder.__module__ = build.__module__
    builder.__doc__ = doc
    return builder
