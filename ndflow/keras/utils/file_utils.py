"""``keras.utils.get_file``: download a file once, verify it, keep it in a cache.

Files live in ``$NDFLOW_HOME/<cache_subdir>`` (``~/.ndflow/datasets`` by default).  A
download goes to a temporary file next to its target and is renamed into place only
after it is complete and its checksum matches, so an interrupted or corrupted transfer
never leaves a half-written file where a later run would trust it.  Archives are
extracted the same way (into a temporary directory, then renamed).
"""
import hashlib
import http.client
import os
import shutil
import sys
import tarfile
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile

DOWNLOAD_TIMEOUT = 60  # seconds without data before a download is abandoned


class DownloadError(OSError):
    """A file could not be fetched and no usable copy exists locally."""


def ndflow_home():
    """The root of ndflow's cache: ``$NDFLOW_HOME`` or ``~/.ndflow``."""
    return os.path.expanduser(os.environ.get("NDFLOW_HOME") or os.path.join("~", ".ndflow"))


def resolve_hasher(algorithm, file_hash=None):
    if algorithm == "sha256" or (algorithm == "auto" and file_hash is not None
                                 and len(file_hash) == 64):
        return hashlib.sha256()
    if algorithm in ("md5", "auto"):
        return hashlib.md5()
    raise ValueError("get_file: hash_algorithm must be 'auto', 'sha256' or 'md5', got %r."
                     % (algorithm,))


def hash_file(fpath, algorithm="sha256", chunk_size=1 << 20):
    """The hex digest of a file (``algorithm``: 'sha256', 'md5' or a hashlib object)."""
    hasher = resolve_hasher(algorithm) if isinstance(algorithm, str) else algorithm
    with open(fpath, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            hasher.update(chunk)
    return hasher.hexdigest()


def validate_file(fpath, file_hash, algorithm="auto", chunk_size=1 << 20):
    """True if the file's sha256 (64 hex digits) or md5 equals ``file_hash``."""
    hasher = resolve_hasher(algorithm, file_hash)
    return hash_file(fpath, hasher, chunk_size) == str(file_hash).lower()


def _download(origin, target, file_hash, hash_algorithm, verbose=True):
    """Fetch ``origin`` into ``target`` atomically; verify the hash before the rename."""
    directory = os.path.dirname(target)
    fd, tmp = tempfile.mkstemp(prefix=os.path.basename(target) + ".", suffix=".part",
                               dir=directory)
    try:
        hasher = resolve_hasher(hash_algorithm, file_hash) if file_hash else None
        if verbose:
            print("Downloading data from %s" % origin, file=sys.stderr)
        with os.fdopen(fd, "wb") as out, \
                urllib.request.urlopen(origin, timeout=DOWNLOAD_TIMEOUT) as response:
            expected = response.headers.get("Content-Length") if hasattr(
                response, "headers") and response.headers else None
            received = 0
            while True:
                chunk = response.read(1 << 20)
                if not chunk:
                    break
                out.write(chunk)
                received += len(chunk)
                if hasher is not None:
                    hasher.update(chunk)
        if expected is not None and received != int(expected):
            raise DownloadError("Incomplete download of %s: got %d of %s bytes."
                                % (origin, received, expected))
        if hasher is not None and hasher.hexdigest() != str(file_hash).lower():
            raise ValueError(
                "Incomplete or corrupted file downloaded from %s: its %s hash is %s, but %s "
                "was expected. Nothing was saved; try again, or check the URL."
                % (origin, hasher.name, hasher.hexdigest(), file_hash))
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def _safe_extract(archive_path, directory, archive_format):
    """Extract a tar or zip archive into ``directory``; refuses members that would land
    outside it.  Returns False if the file is not an archive of an allowed format."""
    formats = ["tar", "zip"] if archive_format == "auto" else (
        [archive_format] if isinstance(archive_format, str) else list(archive_format or []))
    root = os.path.realpath(directory)

    def inside(name):
        dest = os.path.realpath(os.path.join(root, name))
        return dest == root or dest.startswith(root + os.sep)

    for fmt in formats:
        if fmt == "tar" and tarfile.is_tarfile(archive_path):
            with tarfile.open(archive_path) as tar:
                members = []
                for m in tar.getmembers():
                    if not inside(m.name) or m.issym() or m.islnk() or m.isdev():
                        raise ValueError("get_file: refusing to extract %r from %s: it is a "
                                         "link, a device or points outside the target "
                                         "directory." % (m.name, archive_path))
                    members.append(m)
                kwargs = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
                tar.extractall(directory, members=members, **kwargs)
            return True
        if fmt == "zip" and zipfile.is_zipfile(archive_path):
            with zipfile.ZipFile(archive_path) as zf:
                for name in zf.namelist():
                    if not inside(name):
                        raise ValueError("get_file: refusing to extract %r from %s: it points "
                                         "outside the target directory." % (name, archive_path))
                zf.extractall(directory)
            return True
        if fmt not in ("tar", "zip"):
            raise ValueError("get_file: archive_format must be 'auto', 'tar', 'zip' or None, "
                             "got %r." % (fmt,))
    return False


def get_file(fname=None, origin=None, untar=False, md5_hash=None, file_hash=None,
             cache_subdir="datasets", hash_algorithm="auto", extract=False,
             archive_format="auto", cache_dir=None, force_download=False):
    """Download ``origin`` into the cache unless a verified copy is already there.

    Returns the path of the file, or with ``extract=True`` the directory the archive was
    extracted to.  ``file_hash`` (sha256 or md5 hex digest) is checked after download and
    on cached copies; a cached copy that does not match is downloaded again.
    """
    if origin is None:
        raise ValueError("get_file needs `origin`, the URL of the file to download.")
    if md5_hash is not None and file_hash is None:
        file_hash, hash_algorithm = md5_hash, "md5"
    base = os.path.expanduser(os.fspath(cache_dir)) if cache_dir is not None else ndflow_home()
    datadir = os.path.join(base, cache_subdir)
    given = fname is not None and os.fspath(fname) != ""
    fname = os.fspath(fname) if given else os.path.basename(urllib.parse.urlsplit(origin).path)
    if not fname:
        raise ValueError("get_file: cannot take a file name from the origin %r; pass `fname`."
                         % (origin,))
    if os.sep in fname or (os.altsep and os.altsep in fname):
        raise ValueError("get_file: `fname` must be a plain file name, got %r. Choose the "
                         "directory with `cache_dir` / `cache_subdir`." % (fname,))

    extracting = bool(extract or untar)
    if extracting:
        if given and "." in fname:
            target = os.path.join(datadir, fname)
            extraction_dir = os.path.join(datadir, fname[:fname.find(".")] + "_extracted")
        else:
            target = os.path.join(datadir, fname + "_archive")
            extraction_dir = os.path.join(datadir, fname)
    else:
        target = os.path.join(datadir, fname)

    download = force_download or not os.path.exists(target)
    if not download and file_hash is not None and not validate_file(target, file_hash,
                                                                    hash_algorithm):
        print("A local copy of %s was found, but its hash does not match %s: downloading "
              "it again." % (target, file_hash), file=sys.stderr)
        download = True
    if download:
        os.makedirs(datadir, exist_ok=True)
        try:
            _download(origin, target, file_hash, hash_algorithm)
        except (urllib.error.URLError, OSError, http.client.HTTPException) as e:
            reason = getattr(e, "reason", None) or e
            raise DownloadError(
                "Could not download %r from %s (%s). No usable copy was found at %s. To work "
                "offline, put the file there yourself (or set the NDFLOW_HOME environment "
                "variable / pass cache_dir= to point at a directory whose %r folder holds it)."
                % (fname, origin, reason, target, cache_subdir)) from e
        if extracting and os.path.isdir(extraction_dir):
            shutil.rmtree(extraction_dir)  # a new archive replaces the old extraction

    if extracting:
        if not os.path.isdir(extraction_dir):
            tmpdir = tempfile.mkdtemp(prefix=os.path.basename(extraction_dir) + ".",
                                      suffix=".part", dir=datadir)
            try:
                fmt = "tar" if untar else archive_format
                if not _safe_extract(target, tmpdir, fmt):
                    raise ValueError("get_file: %s is not a %s archive, so it cannot be "
                                     "extracted." % (target, fmt))
                os.replace(tmpdir, extraction_dir)
            finally:
                if os.path.isdir(tmpdir):
                    shutil.rmtree(tmpdir)
        return extraction_dir
    return target
