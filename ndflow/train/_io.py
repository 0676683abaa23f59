"""The files of one checkpoint, and writing them so that a failure changes nothing.

``<prefix>.index`` is JSON: a format tag, the object graph (each node lists its named edges
and, for a variable, the key, shape, dtype and array name of its value) and the SHA-256 of
the data file. ``<prefix>.data-00000-of-00001`` is a NumPy ``.npz`` archive of plain
arrays, written with ``allow_pickle=False`` and read with ``allow_pickle=False``: opening a
checkpoint never unpickles anything and never runs code.

Both files are written to temporary files in the same directory first, then moved into
place with ``os.replace``: the data file first, the index last (a checkpoint without its
index does not exist for ``restore`` or ``latest_checkpoint``). If anything fails, the
temporary files are removed and an older checkpoint with the same prefix is put back.
"""
import contextlib
import hashlib
import json
import os
import tempfile
import zipfile

import numpy as np

from ndflow.core import errors

FORMAT = "ndflow.train.Checkpoint"
VERSION = 1
DATA_SUFFIX = ".data-00000-of-00001"
INDEX_SUFFIX = ".index"
# array dtypes a checkpoint may hold: booleans, numbers, fixed-width strings
_SAFE_KINDS = frozenset("biufcUS")


def data_path(prefix):
    return prefix + DATA_SUFFIX


def index_path(prefix):
    return prefix + INDEX_SUFFIX


def _default_mode(path):
    try:
        return os.stat(path).st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _fsync(f):
    f.flush()
    with contextlib.suppress(OSError):
        os.fsync(f.fileno())


def _temp_next_to(path):
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix="." + os.path.basename(path) + ".",
                               suffix=".tmp")
    return fd, tmp


def check_array(key, arr, where):
    if arr.dtype.kind not in _SAFE_KINDS:
        raise TypeError(
            "%s: variable %r holds an array of dtype %s; checkpoints store only boolean, "
            "numeric and string arrays (never Python objects)." % (where, key, arr.dtype))


def write_data(f, arrays):
    """Write ``{member_name: array}`` as an ``.npz`` archive to the open binary file ``f``
    (the layout ``np.savez`` writes, but pickling refused)."""
    with zipfile.ZipFile(f, mode="w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
        for name, arr in arrays.items():
            with zf.open(name + ".npy", "w", force_zip64=True) as member:
                np.lib.format.write_array(member, np.asarray(arr),
                                          allow_pickle=False)


def _sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_checkpoint(prefix, index, arrays):
    """Write the two files of checkpoint ``prefix`` atomically (see the module docstring).

    ``index`` is the JSON-able dict (without the checksum, added here); ``arrays`` maps
    member names to NumPy arrays."""
    prefix = os.fspath(prefix)
    directory = os.path.dirname(os.path.abspath(prefix))
    os.makedirs(directory, exist_ok=True)
    dpath, ipath = data_path(prefix), index_path(prefix)
    temps = []
    backup = None
    data_replaced = False
    try:
        fd, dtmp = _temp_next_to(dpath)
        temps.append(dtmp)
        with os.fdopen(fd, "wb") as f:
            write_data(f, arrays)
            _fsync(f)
        index = dict(index)
        index["data_sha256"] = _sha256(dtmp)
        fd, itmp = _temp_next_to(ipath)
        temps.append(itmp)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(index, f, separators=(",", ":"))
            _fsync(f)
        os.chmod(dtmp, _default_mode(dpath))
        os.chmod(itmp, _default_mode(ipath))
        if os.path.exists(dpath):
            fd, spare = _temp_next_to(dpath)
            os.close(fd)
            temps.append(spare)
            os.replace(dpath, spare)
            temps.remove(spare)
            backup = spare
        os.replace(dtmp, dpath)
        data_replaced = True
        os.replace(itmp, ipath)
    except BaseException:
        for t in temps:
            with contextlib.suppress(OSError):
                os.unlink(t)
        if data_replaced or backup is not None:
            with contextlib.suppress(OSError):
                if backup is not None:
                    os.replace(backup, dpath)      # put the previous data file back
                else:
                    os.unlink(dpath)               # no orphan data file without an index
        raise
    if backup is not None:
        with contextlib.suppress(OSError):
            os.unlink(backup)
    return prefix


def _not_found(prefix, where):
    hint = ""
    if os.path.isdir(prefix):
        hint = (" %r is a directory: pass the path of one checkpoint in it, e.g. "
                "tf.train.latest_checkpoint(%r)." % (prefix, prefix))
    elif os.path.exists(prefix + ".h5") or prefix.endswith((".h5", ".keras")):
        hint = (" This looks like a Keras model or weights file: load it with "
                "keras.models.load_model() or model.load_weights().")
    else:
        hint = (" Pass the prefix that save() returned (with its number, e.g. "
                "'path/to/ckpt-1'), or tf.train.latest_checkpoint(directory).")
    return errors.NotFoundError("%s: no checkpoint at %r (%r is missing).%s"
                                % (where, prefix, index_path(prefix), hint))


def read_index(prefix, where):
    """The checked index dict of checkpoint ``prefix``."""
    prefix = os.fspath(prefix)
    ipath = index_path(prefix)
    if not os.path.isfile(ipath):
        raise _not_found(prefix, where)
    with open(ipath, "rb") as f:
        raw = f.read()
    try:
        index = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise errors.DataLossError(
            "%s: %r is not an ndflow checkpoint index (it is not JSON). Checkpoints written "
            "by TensorFlow itself cannot be read by ndflow; save them again with ndflow, or "
            "move weights through a Keras .weights.h5 file." % (where, ipath)) from None
    if not isinstance(index, dict) or index.get("format") != FORMAT:
        raise errors.DataLossError("%s: %r is not an ndflow checkpoint index (format tag "
                                   "missing)." % (where, ipath))
    if index.get("version") != VERSION:
        raise errors.DataLossError(
            "%s: %r was written in checkpoint format version %r; this ndflow reads version "
            "%d. Upgrade ndflow." % (where, ipath, index.get("version"), VERSION))
    _check_index(index, ipath, where)
    return index


def _check_index(index, ipath, where):
    def bad(what):
        raise errors.DataLossError("%s: the checkpoint index %r is damaged: %s."
                                   % (where, ipath, what))
    nodes = index.get("nodes")
    if not isinstance(nodes, list) or not nodes:
        bad("no object graph")
    n = len(nodes)
    for i, node in enumerate(nodes):
        if not isinstance(node, dict):
            bad("node %d is not an object" % i)
        edges = node.get("children", [])
        if not isinstance(edges, list):
            bad("node %d has no list of children" % i)
        for e in edges:
            if not (isinstance(e, list) and len(e) == 2 and isinstance(e[0], str)
                    and isinstance(e[1], int) and not isinstance(e[1], bool) and 0 <= e[1] < n):
                bad("node %d has a malformed edge %r" % (i, e))
        var = node.get("variable")
        if var is not None:
            if not (isinstance(var, dict) and isinstance(var.get("key"), str)
                    and isinstance(var.get("array"), str) and isinstance(var.get("shape"), list)
                    and isinstance(var.get("dtype"), str)):
                bad("node %d has a malformed variable entry" % i)
    if not isinstance(index.get("data_sha256"), str):
        bad("the checksum of the data file is missing")


def read_arrays(prefix, index, where, names=None):
    """``{member_name: array}`` from the data file (only ``names`` when given)."""
    prefix = os.fspath(prefix)
    dpath = data_path(prefix)
    if not os.path.isfile(dpath):
        raise errors.NotFoundError("%s: the data file %r of checkpoint %r is missing."
                                   % (where, dpath, prefix))
    if _sha256(dpath) != index["data_sha256"]:
        raise errors.DataLossError(
            "%s: %r does not match its index %r (checksum differs): the files were changed "
            "or come from different saves. Restore from another checkpoint."
            % (where, dpath, index_path(prefix)))
    out = {}
    try:
        npz = np.load(dpath, allow_pickle=False)
    except (ValueError, OSError, zipfile.BadZipFile) as e:
        raise errors.DataLossError("%s: cannot read %r: %s" % (where, dpath, e)) from None
    with npz:
        wanted = npz.files if names is None else names
        for name in wanted:
            if name not in npz.files:
                raise errors.DataLossError("%s: %r has no array %r named by its index."
                                           % (where, dpath, name))
            try:
                arr = npz[name]
            except ValueError as e:
                raise errors.DataLossError(
                    "%s: refusing to load %r: array %r holds pickled Python objects (%s). "
                    "ndflow checkpoints contain only plain arrays and are never unpickled."
                    % (where, dpath, name, e)) from None
            if arr.dtype.kind not in _SAFE_KINDS:
                raise errors.DataLossError("%s: refusing to load %r: array %r has dtype %s."
                                           % (where, dpath, name, arr.dtype))
            out[name] = arr
    return out
