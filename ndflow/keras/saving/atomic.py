"""Atomic file writes: the new file appears complete, or the old one stays untouched."""
import contextlib
import os
import tempfile


@contextlib.contextmanager
def atomic_path(filepath, overwrite=True):
    """Yield a temporary path next to ``filepath``; on success it replaces ``filepath``.

    The temporary file lives in the same directory, so ``os.replace`` is an atomic rename.
    If anything fails (an exception, a full disk), the temporary file is removed and a
    previous ``filepath`` is left as it was.
    """
    filepath = os.fspath(filepath)
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError("%s already exists and overwrite=False was passed. Pass "
                              "overwrite=True to replace it." % filepath)
    directory = os.path.dirname(os.path.abspath(filepath))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix="." + os.path.basename(filepath) + ".",
                               suffix=".tmp")
    os.close(fd)
    try:
        yield tmp
        _fsync(tmp)
        os.chmod(tmp, _default_mode(filepath))
        os.replace(tmp, filepath)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _default_mode(filepath):
    """The permissions an ordinary ``open(filepath, 'w')`` would give (mkstemp uses 0600)."""
    try:
        return os.stat(filepath).st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _fsync(path):
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_bytes(filepath, data, overwrite=True):
    with atomic_path(filepath, overwrite=overwrite) as tmp:
        with open(tmp, "wb") as f:
            f.write(data)


def write_text(filepath, text, overwrite=True):
    write_bytes(filepath, text.encode("utf-8"), overwrite=overwrite)
