"""Summary writers and the summary state (default writer, default step, ``record_if``).

The state is per thread, as in TensorFlow. Event files are written by the optional
``tensorboardX`` package (``pip install 'ndflow[tensorboard]'``), imported when the first
file writer is created. Files are named as TensorFlow names them,
``events.out.tfevents.<time>.<host>.<pid>.<n>.v2``, so two writers never share a file.
"""
import contextlib
import itertools
import os
import threading
import time
import weakref

from ndflow.core import errors

_state = threading.local()
_writer_ids = itertools.count()


def _get(name, default=None):
    return getattr(_state, name, default)


def default_writer():
    return _get("writer")


def get_step():
    """The default step (``tf.summary.experimental.get_step``): None until set; a
    variable set as the step is returned as the variable."""
    return _get("step")


def set_step(step):
    """Set the default step used when a summary function gets no ``step=``; ``step`` may be
    a number or a variable (read when each summary is written), or None to unset it."""
    _state.step = step


def _tensorboardx():
    try:
        from tensorboardX.event_file_writer import EventsWriter
        from tensorboardX.proto import event_pb2, summary_pb2
    except ImportError:
        raise ImportError(
            "tf.summary writes TensorBoard event files with the tensorboardX package, which "
            "is not installed. Install it with: pip install 'ndflow[tensorboard]' (or pip "
            "install tensorboardX).") from None
    return EventsWriter, event_pb2, summary_pb2


class SummaryWriter:
    """Base class of summary writers (``tf.summary.SummaryWriter``)."""

    def set_as_default(self, step=None):
        """Make this the default writer (for good; see ``as_default`` for a block)."""
        _state.writer = self
        if step is not None:
            _state.step = step

    @contextlib.contextmanager
    def as_default(self, step=None):
        """``with writer.as_default(step=None):`` make this the default writer (and
        ``step`` the default step) inside the block; flushes when the block ends."""
        old_writer, old_step = _get("writer"), _get("step")
        _state.writer = self
        if step is not None:
            _state.step = step
        try:
            yield self
        finally:
            _state.writer = old_writer
            if step is not None:
                _state.step = old_step
            self.flush()

    def init(self):
        """Writers are ready when created; nothing to do."""

    def flush(self):
        """Write pending events to disk."""

    def close(self):
        """Flush and close; writing to a closed writer is an error."""


class _FileWriter(SummaryWriter):
    def __init__(self, logdir, max_queue=None, flush_millis=None, filename_suffix=None,
                 name=None):
        events_writer_cls, self._event_pb2, self._summary_pb2 = _tensorboardx()
        self._logdir = os.fspath(logdir)
        os.makedirs(self._logdir, exist_ok=True)
        suffix = ".%d.%d%s" % (os.getpid(), next(_writer_ids),
                               ".v2" if filename_suffix is None else filename_suffix)
        self._events = events_writer_cls(os.path.join(self._logdir, "events"), suffix)
        self._max_queue = 10 if max_queue is None else max(int(max_queue), 1)
        self._flush_s = (120000 if flush_millis is None else float(flush_millis)) / 1000.0
        self._pending = 0
        self._last_flush = time.time()
        self._lock = threading.Lock()
        self._closed = False
        self._events.flush()         # the file and its first event exist from now on
        self._finalizer = weakref.finalize(self, _close_quietly, self._events)

    @property
    def logdir(self):
        return self._logdir

    @property
    def file_name(self):
        return self._events._file_name

    def _write(self, value, step):
        """Append one ``Summary.Value`` at ``step`` as an event."""
        if self._closed:
            raise errors.FailedPreconditionError(
                "tf.summary: the writer for logdir %r was closed. Create a new one with "
                "tf.summary.create_file_writer(logdir)." % self._logdir)
        event = self._event_pb2.Event(wall_time=time.time(), step=int(step),
                                      summary=self._summary_pb2.Summary(value=[value]))
        with self._lock:
            self._events.write_event(event)
            self._pending += 1
            if self._pending >= self._max_queue or \
                    time.time() - self._last_flush >= self._flush_s:
                self._flush_locked()

    def _flush_locked(self):
        self._events.flush()
        self._pending = 0
        self._last_flush = time.time()

    def flush(self):
        if self._closed:
            return
        with self._lock:
            self._flush_locked()

    def close(self):
        if self._closed:
            return
        with self._lock:
            self._events.close()
            self._closed = True
        self._finalizer.detach()

    def __repr__(self):
        return "<tf.summary file writer logdir=%r%s>" % (self._logdir,
                                                        " (closed)" if self._closed else "")


def _close_quietly(events):
    with contextlib.suppress(Exception):
        events.close()


class _NoopWriter(SummaryWriter):
    """Writes nothing; ``as_default`` changes neither the default writer nor the step."""

    def set_as_default(self, step=None):
        pass

    @contextlib.contextmanager
    def as_default(self, step=None):
        yield self

    def __repr__(self):
        return "<tf.summary no-op writer>"


def create_file_writer(logdir, max_queue=None, flush_millis=None, filename_suffix=None,
                       name=None, experimental_trackable=False, experimental_mesh=None):
    """A writer of TensorBoard event files in ``logdir`` (created if missing).

    Events are flushed to disk after ``max_queue`` of them (10) are pending, when one is
    written ``flush_millis`` (120000) after the last flush, when a ``with
    writer.as_default():`` block ends, on ``flush()``, ``close()`` and at exit.
    """
    return _FileWriter(logdir, max_queue, flush_millis, filename_suffix, name)


def create_noop_writer():
    """A writer that writes nothing (summary functions return False under it)."""
    return _NoopWriter()


def flush(writer=None, name=None):
    """Flush ``writer``, or the default writer when there is one."""
    writer = writer if writer is not None else default_writer()
    if writer is not None:
        writer.flush()


class _RecordIf:
    def __init__(self, condition):
        self._condition = condition

    def __enter__(self):
        self._old = _get("record_if", True)
        _state.record_if = self._condition
        return self

    def __exit__(self, *exc):
        _state.record_if = self._old
        return False


def record_if(condition):
    """``with tf.summary.record_if(condition):`` write summaries only while ``condition``
    (a bool, a boolean tensor, or a callable returning one) is true."""
    return _RecordIf(condition)


def should_record_summaries():
    """Whether a summary written now would be recorded: a (non no-op) default writer
    exists and the ``record_if`` condition holds."""
    from ndflow.core.tensor import convert_to_tensor
    return convert_to_tensor(_should_record())


def _should_record():
    writer = default_writer()
    if writer is None or isinstance(writer, _NoopWriter):
        return False
    cond = _get("record_if", True)
    if callable(cond):
        cond = cond()
    return bool(getattr(cond, "_value", cond))
