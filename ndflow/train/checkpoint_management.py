"""``tf.train.CheckpointManager``, ``tf.train.latest_checkpoint`` and the ``checkpoint``
state file.

The state file in a checkpoint directory is the small text file TensorFlow writes (the
text form of its ``CheckpointState`` message), so the two read each other's directories:

    model_checkpoint_path: "ckpt-3"
    all_model_checkpoint_paths: "ckpt-2"
    all_model_checkpoint_paths: "ckpt-3"
    all_model_checkpoint_timestamps: 1712345678.25
    all_model_checkpoint_timestamps: 1712345690.5
    last_preserved_timestamp: 1712345600.0

Paths inside the directory are written relative to it; reading joins them to it again.
"""
import collections
import contextlib
import glob
import os
import tempfile
import time

from ndflow.train import _io
from ndflow.train.checkpoint import Checkpoint

STATE_FILENAME = "checkpoint"


class CheckpointState:
    """The contents of a ``checkpoint`` state file (``tf.train.get_checkpoint_state``)."""

    def __init__(self, model_checkpoint_path="", all_model_checkpoint_paths=(),
                 all_model_checkpoint_timestamps=(), last_preserved_timestamp=0.0):
        self.model_checkpoint_path = model_checkpoint_path
        self.all_model_checkpoint_paths = list(all_model_checkpoint_paths)
        self.all_model_checkpoint_timestamps = list(all_model_checkpoint_timestamps)
        self.last_preserved_timestamp = last_preserved_timestamp

    def __repr__(self):
        return _format_state(self)


# ---- the text format ----
def _quote(text):
    out = []
    for b in text.encode("utf-8"):
        c = chr(b)
        if c == "\\":
            out.append("\\\\")
        elif c == '"':
            out.append('\\"')
        elif c == "\n":
            out.append("\\n")
        elif c == "\r":
            out.append("\\r")
        elif c == "\t":
            out.append("\\t")
        elif 32 <= b < 127:
            out.append(c)
        else:
            out.append("\\%03o" % b)
    return '"' + "".join(out) + '"'


def _unquote(text, where):
    if len(text) < 2 or text[0] not in "\"'" or text[-1] != text[0]:
        raise ValueError("%s: expected a quoted string, got %r." % (where, text))
    body = text[1:-1]
    out = bytearray()
    i = 0
    simple = {"n": 10, "r": 13, "t": 9, "\\": 92, '"': 34, "'": 39, "a": 7, "b": 8, "f": 12,
              "v": 11, "?": 63}
    while i < len(body):
        c = body[i]
        if c != "\\":
            out.extend(c.encode("utf-8"))
            i += 1
            continue
        i += 1
        if i >= len(body):
            raise ValueError("%s: a string ends with a lone backslash." % where)
        c = body[i]
        if c in simple:
            out.append(simple[c])
            i += 1
        elif c in "01234567":
            j = i
            while j < len(body) and j < i + 3 and body[j] in "01234567":
                j += 1
            out.append(int(body[i:j], 8) & 0xFF)
            i = j
        elif c in "xX":
            j = i + 1
            while j < len(body) and j < i + 3 and body[j] in "0123456789abcdefABCDEF":
                j += 1
            out.append(int(body[i + 1:j], 16))
            i = j
        else:
            raise ValueError("%s: unknown escape \\%s." % (where, c))
    return out.decode("utf-8", errors="replace")


def _format_state(state):
    lines = ["model_checkpoint_path: %s" % _quote(state.model_checkpoint_path)]
    lines += ["all_model_checkpoint_paths: %s" % _quote(p)
              for p in state.all_model_checkpoint_paths]
    lines += ["all_model_checkpoint_timestamps: %r" % float(t)
              for t in state.all_model_checkpoint_timestamps]
    if state.last_preserved_timestamp:
        lines.append("last_preserved_timestamp: %r" % float(state.last_preserved_timestamp))
    return "\n".join(lines) + "\n"


def _parse_state(text, where):
    state = CheckpointState()
    for lineno, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition(":")
        if not sep:
            raise ValueError("%s, line %d: expected 'field: value', got %r."
                             % (where, lineno, line))
        key, value = key.strip(), value.strip()
        here = "%s, line %d" % (where, lineno)
        if key == "model_checkpoint_path":
            state.model_checkpoint_path = _unquote(value, here)
        elif key == "all_model_checkpoint_paths":
            state.all_model_checkpoint_paths.append(_unquote(value, here))
        elif key == "all_model_checkpoint_timestamps":
            state.all_model_checkpoint_timestamps.append(float(value))
        elif key == "last_preserved_timestamp":
            state.last_preserved_timestamp = float(value)
        # other fields (written by newer TensorFlow versions) are ignored
    return state


def _write_text_atomic(path, text):
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix="." + os.path.basename(path) + ".",
                               suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            with contextlib.suppress(OSError):
                os.fsync(f.fileno())
        os.chmod(tmp, _io._default_mode(path))
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _relative(path, directory):
    if os.path.abspath(os.path.dirname(path) or ".") == os.path.abspath(directory or "."):
        return os.path.basename(path)
    return os.path.abspath(path)


def update_checkpoint_state(save_dir, model_checkpoint_path, all_model_checkpoint_paths=None,
                            all_model_checkpoint_timestamps=None, last_preserved_timestamp=None,
                            latest_filename=None):
    """Write the ``checkpoint`` state file of ``save_dir`` (atomically)."""
    save_dir = os.fspath(save_dir)
    paths = list(all_model_checkpoint_paths or [model_checkpoint_path])
    state = CheckpointState(
        _relative(os.fspath(model_checkpoint_path), save_dir),
        [_relative(os.fspath(p), save_dir) for p in paths],
        list(all_model_checkpoint_timestamps or []),
        last_preserved_timestamp or 0.0)
    _write_text_atomic(os.path.join(save_dir, latest_filename or STATE_FILENAME),
                       _format_state(state))


def get_checkpoint_state(checkpoint_dir, latest_filename=None):
    """The ``CheckpointState`` of a directory (paths joined to the directory), or None when
    it has no state file."""
    checkpoint_dir = os.fspath(checkpoint_dir)
    path = os.path.join(checkpoint_dir, latest_filename or STATE_FILENAME)
    if not os.path.isfile(path):
        return None
    with open(path, "r", encoding="utf-8", errors="replace") as f:
        state = _parse_state(f.read(), "tf.train.get_checkpoint_state(%r)" % path)

    def full(p):
        return p if not p or os.path.isabs(p) else os.path.join(checkpoint_dir, p)
    state.model_checkpoint_path = full(state.model_checkpoint_path)
    state.all_model_checkpoint_paths = [full(p) for p in state.all_model_checkpoint_paths]
    return state


def checkpoint_exists(prefix):
    return os.path.isfile(_io.index_path(os.fspath(prefix)))


def latest_checkpoint(checkpoint_dir, latest_filename=None):
    """The path of the newest checkpoint recorded in ``checkpoint_dir``'s state file, or
    None (no state file, or its newest checkpoint is gone)."""
    state = get_checkpoint_state(checkpoint_dir, latest_filename)
    if state is None or not state.model_checkpoint_path:
        return None
    if checkpoint_exists(state.model_checkpoint_path):
        return state.model_checkpoint_path
    return None


def _delete_checkpoint_files(prefix):
    for path in [_io.index_path(prefix)] + glob.glob(glob.escape(prefix) + ".data-*"):
        with contextlib.suppress(OSError):
            os.remove(path)


class CheckpointManager:
    """``tf.train.CheckpointManager(checkpoint, directory, max_to_keep,
    keep_checkpoint_every_n_hours=None, checkpoint_name='ckpt', step_counter=None,
    checkpoint_interval=None, init_fn=None)``: numbered saves in one directory, keeping
    the newest ``max_to_keep`` (None keeps all), plus one every
    ``keep_checkpoint_every_n_hours`` when given. A manager opened on a directory that has
    a state file takes over its list of checkpoints."""

    def __init__(self, checkpoint, directory, max_to_keep, keep_checkpoint_every_n_hours=None,
                 checkpoint_name="ckpt", step_counter=None, checkpoint_interval=None,
                 init_fn=None):
        if not isinstance(checkpoint, Checkpoint):
            raise TypeError(
                "tf.train.CheckpointManager expects a tf.train.Checkpoint as `checkpoint`, got "
                "%s. Wrap the objects to save: tf.train.Checkpoint(model=model, "
                "optimizer=optimizer).%s" % (type(checkpoint).__name__, (
                    " (keras.callbacks.ModelCheckpoint is a fit() callback, not a "
                    "checkpoint.)" if type(checkpoint).__name__ == "ModelCheckpoint" else "")))
        if max_to_keep is not None and (isinstance(max_to_keep, bool) or
                                        not isinstance(max_to_keep, int) or max_to_keep <= 0):
            raise ValueError("Expected a positive integer or `None` for `max_to_keep`, got %r."
                             % (max_to_keep,))
        if checkpoint_interval is not None and step_counter is None:
            raise ValueError("tf.train.CheckpointManager: `step_counter` must be given "
                             "together with `checkpoint_interval`.")
        self._checkpoint = checkpoint
        self._directory = os.fspath(directory)
        self._max_to_keep = max_to_keep
        self._keep_every_s = (None if keep_checkpoint_every_n_hours is None
                              else float(keep_checkpoint_every_n_hours) * 3600.0)
        self._prefix = os.path.join(self._directory, checkpoint_name)
        self._step_counter = step_counter
        self._checkpoint_interval = checkpoint_interval
        self._init_fn = init_fn
        self._last_step = None
        self._maybe_delete = collections.OrderedDict()
        self._latest = None
        now = time.time()
        self._last_preserved = now
        state = get_checkpoint_state(self._directory)
        if state is not None:
            stamps = state.all_model_checkpoint_timestamps
            for i, path in enumerate(state.all_model_checkpoint_paths):
                if checkpoint_exists(path):
                    self._maybe_delete[path] = stamps[i] if i < len(stamps) else now
            if state.last_preserved_timestamp:
                self._last_preserved = state.last_preserved_timestamp
            if state.model_checkpoint_path and checkpoint_exists(state.model_checkpoint_path):
                self._latest = state.model_checkpoint_path

    @property
    def directory(self):
        return self._directory

    @property
    def checkpoint(self):
        return self._checkpoint

    @property
    def checkpoint_interval(self):
        return self._checkpoint_interval

    @property
    def checkpoints(self):
        """The managed checkpoints, oldest first."""
        return list(self._maybe_delete)

    @property
    def latest_checkpoint(self):
        """The newest checkpoint's path, or None."""
        return self._latest

    def save(self, checkpoint_number=None, check_interval=True, options=None):
        """Save a new checkpoint ``<directory>/<checkpoint_name>-<n>`` (n: the checkpoint's
        save counter, or ``checkpoint_number``), delete the ones beyond ``max_to_keep``,
        update the state file, and return the path (None when ``checkpoint_interval``
        says it is not time yet)."""
        if self._checkpoint_interval is not None:
            step = int(getattr(self._step_counter, "_value", self._step_counter))
            if check_interval and self._last_step is not None and \
                    step < self._last_step + self._checkpoint_interval:
                return None
            self._last_step = step
        counter = self._checkpoint.save_counter
        old = counter._value
        counter.assign(old + 1)
        if checkpoint_number is None:
            number = int(counter._value)
        else:
            number = int(getattr(checkpoint_number, "_value", checkpoint_number))
        path = "%s-%d" % (self._prefix, number)
        try:
            self._checkpoint.write(path, options=options)
        except BaseException:
            counter.assign(old)
            raise
        stamp = time.time()
        self._maybe_delete.pop(path, None)
        self._maybe_delete[path] = stamp
        self._latest = path
        doomed = self._sweep()
        update_checkpoint_state(self._directory, path, list(self._maybe_delete),
                                list(self._maybe_delete.values()), self._last_preserved)
        for p in doomed:
            _delete_checkpoint_files(p)
        return path

    def _sweep(self):
        doomed = []
        if self._max_to_keep is None:
            return doomed
        while len(self._maybe_delete) > self._max_to_keep:
            path, stamp = self._maybe_delete.popitem(last=False)
            if self._keep_every_s is not None and \
                    stamp - self._keep_every_s >= self._last_preserved:
                self._last_preserved = stamp      # kept for good, no longer managed
                continue
            doomed.append(path)
        return doomed

    def restore_or_initialize(self):
        """Restore the latest checkpoint and return its path; with none, call ``init_fn``
        (when given) and return None."""
        if self._latest is not None:
            self._checkpoint.restore(self._latest)
            return self._latest
        if self._init_fn is not None:
            self._init_fn()
        return None

    def sync(self):
        """Saves are synchronous in ndflow; nothing to wait for."""
