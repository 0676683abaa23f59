"""Shared helpers of the dataset loaders: finding/downloading files, safe readers."""
import gzip
import io
import os
import pickle
import zipfile

import numpy as np

from ndflow.keras.utils import file_utils

# where Keras downloads its datasets from; tests point this at a local server
ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"


def fetch(fname, origin, file_hash, cache_subdir="datasets", local_dirs=(), **kwargs):
    """The path of a verified local copy of ``fname``, downloading it if needed.

    ``local_dirs`` are read-only places searched first (e.g. a Debian data package).
    With no copy and no network, the error lists every place searched, the URL and the
    ways to work offline.
    """
    for d in local_dirs:
        for name in (fname, fname[:-3] if fname.endswith(".gz") else None):
            if name and os.path.isfile(os.path.join(d, name)):
                return os.path.join(d, name)
    try:
        return file_utils.get_file(fname, origin=origin, file_hash=file_hash,
                                   cache_subdir=cache_subdir, **kwargs)
    except file_utils.DownloadError as e:
        cache = os.path.join(file_utils.ndflow_home(), cache_subdir)
        looked = [os.path.join(cache, fname)] + [os.path.join(d, fname) for d in local_dirs]
        raise file_utils.DownloadError(
            "Dataset file %r is not available offline and could not be downloaded from %s "
            "(%s).\nLooked for it in:\n  %s\nTo use it offline, download it elsewhere and "
            "copy it to %s, or set the NDFLOW_HOME environment variable to a directory whose "
            "%r folder holds it%s." % (
                fname, origin, getattr(e.__cause__, "reason", e.__cause__) or e,
                "\n  ".join(looked), os.path.join(cache, fname), cache_subdir,
                "" if not local_dirs else
                " (Fashion-MNIST: or install the Debian package dataset-fashion-mnist)")
        ) from None


# ---- readers that never run code from a file --------------------------------------------

_ALLOWED_GLOBALS = {("numpy", "ndarray"), ("numpy", "dtype"),
                    ("numpy.core.multiarray", "_reconstruct"),
                    ("numpy._core.multiarray", "_reconstruct"),
                    ("numpy.core.multiarray", "scalar"), ("numpy._core.multiarray", "scalar")}


class RestrictedUnpickler(pickle.Unpickler):
    """Unpickles NumPy arrays and plain Python containers, nothing that could run code."""

    def find_class(self, module, name):
        if (module, name) in _ALLOWED_GLOBALS:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(
            "Refusing to load %s.%s from a dataset file: only NumPy arrays are allowed. "
            "The file may be corrupt or malicious; delete it to download it again."
            % (module, name))


def _read_npy(fp):
    try:
        return np.lib.format.read_array(fp, allow_pickle=False)
    except ValueError:  # an object array (ragged sequences): a restricted pickle stream
        fp.seek(0)
        version = np.lib.format.read_magic(fp)
        if version[0] == 1:
            np.lib.format.read_array_header_1_0(fp)
        else:
            np.lib.format.read_array_header_2_0(fp)
        return RestrictedUnpickler(fp).load()


def load_npz(path):
    """An .npz file as a dict of arrays; object arrays load through RestrictedUnpickler."""
    out = {}
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            if info.filename.endswith(".npy"):
                with archive.open(info) as raw:
                    out[info.filename[:-4]] = _read_npy(io.BytesIO(raw.read()))
    return out


def read_idx(path):
    """An IDX file (MNIST's format), gzip-compressed or plain, as a uint8 array."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read()
    if len(raw) < 4 or raw[:3] != b"\x00\x00\x08":
        raise ValueError("%s is not an IDX file of unsigned bytes." % path)
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(dims)):
        raise ValueError("%s is truncated: its header says shape %s but it holds %d bytes."
                         % (path, dims, data.size))
    return data.reshape(dims).copy()


def load_cifar_batch(path, label_key="labels"):
    """One pickled CIFAR batch file as (data (N, 3, 32, 32) uint8, labels list)."""
    with open(path, "rb") as f:
        d = RestrictedUnpickler(f, encoding="bytes").load()
    d = {k.decode("utf8") if isinstance(k, bytes) else k: v for k, v in d.items()}
    data = np.asarray(d["data"], dtype=np.uint8)
    return data.reshape(data.shape[0], 3, 32, 32), d[label_key]


def shuffled_split(x, y, test_split, seed):
    """Keras' split for the housing datasets: shuffle with RandomState(seed), then cut."""
    if not 0 <= test_split < 1:
        raise ValueError("test_split must be in [0, 1), got %r." % (test_split,))
    indices = np.arange(len(x))
    np.random.RandomState(seed).shuffle(indices)
    x, y = x[indices], y[indices]
    cut = int(len(x) * (1 - test_split))
    return (np.array(x[:cut]), np.array(y[:cut])), (np.array(x[cut:]), np.array(y[cut:]))


def object_array(sequences):
    """A 1-D object array of lists (what Keras returns for IMDB/Reuters)."""
    out = np.empty(len(sequences), dtype=object)
    for i, s in enumerate(sequences):
        out[i] = s
    return out
