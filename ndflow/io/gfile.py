"""``tf.io.gfile``: file access with TensorFlow's names, on the local file system.

Errors are ``tf.errors`` exceptions (``NotFoundError``, ``AlreadyExistsError``, ...), as
in TensorFlow.  Paths may be ``str``, ``bytes``, ``os.PathLike`` or ``file://`` URLs;
other schemes (``gs://``, ``s3://``, ...) raise ``UnimplementedError``.
"""
import os
import shutil

from ndflow.core import errors
from ndflow.io._util import local_path, os_error, to_path
from ndflow.io.file_io import glob_patterns

__all__ = ["GFile", "copy", "exists", "glob", "isdir", "join", "listdir", "makedirs",
           "mkdir", "remove", "rename", "rmtree", "stat", "walk"]

_MODES = {"r": "rb", "w": "wb", "a": "ab", "r+": "r+b", "w+": "w+b", "a+": "a+b"}


def _path(p, fn):
    return local_path(to_path(p, "tf.io.gfile." + fn, "path"), "tf.io.gfile." + fn)


class GFile:
    """A file object (``tf.io.gfile.GFile``).

    ``mode`` is ``'r'``, ``'w'``, ``'a'`` (optionally with ``'+'``) and ``'b'`` for binary.
    Text mode reads return ``str`` (UTF-8) and binary mode ``bytes``; ``write`` accepts
    both in either mode.  The file opens on first use, so ``GFile(path, 'w')`` alone does
    not create it, and after ``close()`` the next read starts again from the beginning.
    """

    def __init__(self, name, mode="r"):
        self.name = _path(name, "GFile")
        self.__mode = mode
        base = mode.replace("b", "")
        if base not in _MODES or mode.count("b") > 1:
            raise errors.InvalidArgumentError(
                "tf.io.gfile.GFile: mode must be 'r', 'w' or 'a' (optionally with '+' and "
                "'b'), got %r." % (mode,))
        self._binary = "b" in mode
        self._pymode = _MODES[base]
        self._readable = base.startswith("r") or "+" in base
        self._writable = not base.startswith("r") or "+" in base
        self._f = None

    @property
    def mode(self):
        return self.__mode

    # ---- opening -----------------------------------------------------------------
    def _file(self):
        if self._f is None:
            try:
                self._f = open(self.name, self._pymode)
            except OSError as e:
                raise os_error(e, "tf.io.gfile.GFile", self.name) from None
        return self._f

    def _reader(self):
        if not self._readable:
            raise errors.PermissionDeniedError(
                "tf.io.gfile.GFile %r: File isn't open for reading (mode %r). Open it with "
                "mode 'r' (or 'r+', 'w+', 'a+')." % (self.name, self.__mode))
        return self._file()

    def _writer(self):
        if not self._writable:
            raise errors.PermissionDeniedError(
                "tf.io.gfile.GFile %r: File isn't open for writing (mode %r). Open it with "
                "mode 'w' or 'a'." % (self.name, self.__mode))
        return self._file()

    def _out(self, data):
        if self._binary:
            return data
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as e:
            raise UnicodeDecodeError(
                e.encoding, e.object, e.start, e.end,
                "%s (in %r, opened in text mode %r: open it with mode 'rb' to read bytes)"
                % (e.reason, self.name, self.__mode)) from None

    # ---- reading -------------------------------------------------------------------
    def read(self, n=-1):
        """Read ``n`` bytes (all that is left when ``n`` is -1 or None)."""
        f = self._reader()
        data = f.read() if n is None or n < 0 else f.read(n)
        return self._out(data)

    def readline(self):
        return self._out(self._reader().readline())

    def readlines(self):
        return [self._out(line) for line in self._reader().readlines()]

    def __iter__(self):
        return self

    def __next__(self):
        line = self.readline()
        if not line:
            raise StopIteration
        return line

    next = __next__

    # ---- writing -------------------------------------------------------------------
    def write(self, file_content):
        if isinstance(file_content, str):
            file_content = file_content.encode("utf-8")
        elif not isinstance(file_content, (bytes, bytearray, memoryview)):
            raise TypeError("tf.io.gfile.GFile.write expects str or bytes, got %s."
                            % type(file_content).__name__)
        self._writer().write(file_content)

    def flush(self):
        if self._f is not None:
            self._f.flush()

    # ---- position ------------------------------------------------------------------
    def tell(self):
        return self._file().tell()

    def seek(self, offset=None, whence=0, position=None):
        if position is not None:
            offset = position
        if offset is None:
            raise TypeError("tf.io.gfile.GFile.seek needs an offset.")
        self._file().seek(offset, whence)

    def seekable(self):
        return True

    def size(self):
        """The file's length in bytes."""
        self.flush()
        try:
            return os.stat(self.name).st_size
        except OSError as e:
            raise os_error(e, "tf.io.gfile.GFile.size", self.name) from None

    # ---- closing -------------------------------------------------------------------
    def close(self):
        if self._f is not None:
            self._f.close()
            self._f = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass

    def __repr__(self):
        return "<tf.io.gfile.GFile name=%r mode=%r>" % (self.name, self.__mode)


def exists(path):
    """True when ``path`` names an existing file or directory."""
    return os.path.exists(_path(path, "exists"))


def isdir(path):
    return os.path.isdir(_path(path, "isdir"))


def join(path, *paths):
    return os.path.join(to_path(path, "tf.io.gfile.join", "path"),
                        *[to_path(p, "tf.io.gfile.join", "path") for p in paths])


def listdir(path):
    """Names of the entries of directory ``path`` (sorted; without ``.`` and ``..``)."""
    p = _path(path, "listdir")
    if not os.path.isdir(p):
        raise errors.NotFoundError("tf.io.gfile.listdir: Could not find directory %s" % p)
    try:
        return sorted(os.listdir(p))
    except OSError as e:
        raise os_error(e, "tf.io.gfile.listdir", p) from None


def mkdir(path):
    """Create directory ``path``; its parent must exist.  An existing directory is fine."""
    p = _path(path, "mkdir")
    try:
        os.mkdir(p)
    except FileExistsError:
        if not os.path.isdir(p):
            raise errors.FailedPreconditionError(
                "tf.io.gfile.mkdir: %s exists and is not a directory" % p) from None
    except OSError as e:
        raise os_error(e, "tf.io.gfile.mkdir", p) from None


def makedirs(path):
    """Create directory ``path`` and any missing parents."""
    p = _path(path, "makedirs")
    try:
        os.makedirs(p, exist_ok=True)
    except FileExistsError:
        raise errors.FailedPreconditionError(
            "tf.io.gfile.makedirs: %s (or one of its parents) exists and is not a directory"
            % p) from None
    except OSError as e:
        raise os_error(e, "tf.io.gfile.makedirs", p) from None


def remove(path):
    """Delete the file ``path`` (use ``rmtree`` for a directory)."""
    p = _path(path, "remove")
    if os.path.isdir(p) and not os.path.islink(p):
        raise errors.FailedPreconditionError(
            "tf.io.gfile.remove: %s; Is a directory. Use tf.io.gfile.rmtree to delete a "
            "directory." % p)
    try:
        os.remove(p)
    except OSError as e:
        raise os_error(e, "tf.io.gfile.remove", p) from None


def rmtree(path):
    """Delete ``path`` and everything below it (a plain file is deleted too)."""
    p = _path(path, "rmtree")
    if not os.path.lexists(p):
        raise errors.NotFoundError("tf.io.gfile.rmtree: %s not found" % p)
    try:
        if os.path.isdir(p) and not os.path.islink(p):
            shutil.rmtree(p)
        else:
            os.remove(p)
    except OSError as e:
        raise os_error(e, "tf.io.gfile.rmtree", p) from None


def _check_target(fn, src, dst, overwrite):
    if not os.path.lexists(src):
        raise errors.NotFoundError("tf.io.gfile.%s: %s; No such file or directory" % (fn, src))
    if not overwrite and os.path.lexists(dst):
        raise errors.AlreadyExistsError(
            "tf.io.gfile.%s: %s already exists. Pass overwrite=True to replace it."
            % (fn, dst))


def copy(src, dst, overwrite=False):
    """Copy file ``src`` to ``dst``; an existing ``dst`` needs ``overwrite=True``."""
    s, d = _path(src, "copy"), _path(dst, "copy")
    _check_target("copy", s, d, overwrite)
    if os.path.isdir(s):
        raise errors.FailedPreconditionError(
            "tf.io.gfile.copy: %s is a directory; copy copies files only." % s)
    try:
        shutil.copyfile(s, d)
    except OSError as e:
        raise os_error(e, "tf.io.gfile.copy", d) from None


def rename(src, dst, overwrite=False):
    """Move ``src`` (a file or directory) to ``dst``; an existing ``dst`` needs
    ``overwrite=True``."""
    s, d = _path(src, "rename"), _path(dst, "rename")
    _check_target("rename", s, d, overwrite)
    try:
        os.replace(s, d)
    except OSError as e:
        raise os_error(e, "tf.io.gfile.rename", d) from None


def glob(pattern):
    """Paths matching ``pattern`` (``*``, ``?``, ``[...]``; ``**`` is not recursive), or
    the matches of each pattern of a list in turn."""
    return glob_patterns(pattern, "tf.io.gfile.glob")


class _Stat:
    """The result of ``stat``: ``length`` (bytes), ``mtime_nsec``, ``is_directory``."""
    __slots__ = ("length", "mtime_nsec", "is_directory")

    def __init__(self, length, mtime_nsec, is_directory):
        self.length = length
        self.mtime_nsec = mtime_nsec
        self.is_directory = is_directory

    def __repr__(self):
        return "FileStatistics(length=%d, mtime_nsec=%d, is_directory=%s)" % (
            self.length, self.mtime_nsec, self.is_directory)


def stat(path):
    p = _path(path, "stat")
    try:
        st = os.stat(p)
    except OSError as e:
        raise os_error(e, "tf.io.gfile.stat", p) from None
    return _Stat(st.st_size, st.st_mtime_ns, os.path.isdir(p))


def walk(top, topdown=True, onerror=None):
    """Yield ``(dirname, subdirs, files)`` for each directory below ``top`` (names sorted).

    A missing ``top`` yields nothing.  ``onerror`` is called with the ``tf.errors``
    exception of a directory that cannot be listed.
    """
    top = _path(top, "walk")
    try:
        names = sorted(os.listdir(top))
    except OSError as e:
        if onerror is not None and os.path.exists(top):
            onerror(os_error(e, "tf.io.gfile.walk", top))
        return
    dirs, files = [], []
    for n in names:
        (dirs if os.path.isdir(os.path.join(top, n)) else files).append(n)
    if topdown:
        yield top, dirs, files
    for d in dirs:
        yield from walk(os.path.join(top, d), topdown, onerror)
    if not topdown:
        yield top, dirs, files
