"""keras.datasets and keras.utils.get_file.  No test touches the network: small fake
files are served from a temporary directory by a local HTTP server on 127.0.0.1 (or
read through file:// URLs)."""
import gzip
import hashlib
import http.server
import io
import json
import os
import pickle
import socket
import tarfile
import threading
import zipfile

import numpy as np
import pytest

from ndflow import keras
from ndflow.keras.datasets import _common
from ndflow.keras.utils import file_utils


class _Handler(http.server.SimpleHTTPRequestHandler):
    truncate = set()   # names served with a Content-Length larger than the body
    requests = []

    def log_message(self, *args):
        pass

    def do_GET(self):
        name = self.path.lstrip("/")
        type(self).requests.append(name)
        if name in self.truncate:
            body = open(os.path.join(self.directory, name), "rb").read()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body) + 1000))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.close_connection = True
            return
        super().do_GET()


@pytest.fixture
def server(tmp_path):
    """A local HTTP server over tmp_path/'srv'; yields (directory, base_url)."""
    root = tmp_path / "srv"
    root.mkdir()
    _Handler.truncate = set()
    _Handler.requests = []

    def handler(*a, **k):
        return _Handler(*a, directory=str(root), **k)

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.timeout = 5
    t = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True)
    t.start()
    try:
        yield root, "http://127.0.0.1:%d/" % httpd.server_address[1]
    finally:
        httpd.shutdown()
        httpd.server_close()
        t.join(5)


@pytest.fixture
def home(tmp_path, monkeypatch):
    h = tmp_path / "home"
    monkeypatch.setenv("NDFLOW_HOME", str(h))
    return h


def sha256(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def closed_port_url():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return "http://127.0.0.1:%d/" % port


# ---- get_file -------------------------------------------------------------------------

def test_get_file_downloads_verifies_and_reuses_the_cache(server, home):
    root, url = server
    (root / "data.bin").write_bytes(b"x" * 5000)
    digest = sha256(root / "data.bin")
    path = keras.utils.get_file("data.bin", origin=url + "data.bin", file_hash=digest)
    assert path == str(home / "datasets" / "data.bin")
    assert open(path, "rb").read() == b"x" * 5000
    again = keras.utils.get_file("data.bin", origin=url + "data.bin", file_hash=digest)
    assert again == path and _Handler.requests == ["data.bin"]   # served from the cache
    assert os.listdir(home / "datasets") == ["data.bin"]


def test_get_file_name_from_origin_cache_dir_and_md5(server, tmp_path):
    root, url = server
    (root / "notes.txt").write_text("hello")
    md5 = hashlib.md5(b"hello").hexdigest()
    path = keras.utils.get_file(origin=url + "notes.txt", md5_hash=md5,
                                cache_dir=str(tmp_path / "c"), cache_subdir="sub")
    assert path == str(tmp_path / "c" / "sub" / "notes.txt")
    with pytest.raises(ValueError, match="plain file name"):
        keras.utils.get_file("a/b.txt", origin=url + "notes.txt")
    with pytest.raises(ValueError, match="origin"):
        keras.utils.get_file("x.txt")


def test_get_file_wrong_hash_leaves_nothing(server, home):
    root, url = server
    (root / "f.bin").write_bytes(b"abc")
    with pytest.raises(ValueError, match="hash"):
        keras.utils.get_file("f.bin", origin=url + "f.bin", file_hash="0" * 64)
    assert os.listdir(home / "datasets") == []


def test_get_file_truncated_transfer_leaves_nothing(server, home):
    root, url = server
    (root / "big.bin").write_bytes(os.urandom(20000))
    _Handler.truncate = {"big.bin"}
    with pytest.raises(file_utils.DownloadError):
        keras.utils.get_file("big.bin", origin=url + "big.bin")
    assert os.listdir(home / "datasets") == []


def test_get_file_redownloads_a_cached_file_with_the_wrong_hash(server, home):
    root, url = server
    (root / "f.bin").write_bytes(b"good")
    (home / "datasets").mkdir(parents=True)
    (home / "datasets" / "f.bin").write_bytes(b"stale")
    path = keras.utils.get_file("f.bin", origin=url + "f.bin", file_hash=sha256(root / "f.bin"))
    assert open(path, "rb").read() == b"good"


def test_get_file_file_url_and_archive_extraction(tmp_path, home):
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.txt").write_text("A")
    tgz = tmp_path / "pack.tar.gz"
    with tarfile.open(tgz, "w:gz") as tar:
        tar.add(src / "a.txt", arcname="pack/a.txt")
    out = keras.utils.get_file("pack.tar.gz", origin=tgz.as_uri(), extract=True)
    assert out == str(home / "datasets" / "pack_extracted")
    assert open(os.path.join(out, "pack", "a.txt")).read() == "A"
    zp = tmp_path / "z.zip"
    with zipfile.ZipFile(zp, "w") as z:
        z.writestr("inner/b.txt", "B")
    out = keras.utils.get_file("zdir", origin=zp.as_uri(), extract=True)
    assert out == str(home / "datasets" / "zdir")
    assert open(os.path.join(out, "inner", "b.txt")).read() == "B"


def test_get_file_refuses_archive_members_outside_the_target(tmp_path, home):
    zp = tmp_path / "evil.zip"
    with zipfile.ZipFile(zp, "w") as z:
        z.writestr("../../escaped.txt", "x")
    with pytest.raises(ValueError, match="outside"):
        keras.utils.get_file("evil.zip", origin=zp.as_uri(), extract=True)
    assert not (home / "escaped.txt").exists() and not (tmp_path / "escaped.txt").exists()
    assert not os.path.exists(home / "datasets" / "evil_extracted")


def test_offline_error_names_file_places_url_and_options(home, monkeypatch):
    monkeypatch.setattr(_common, "ORIGIN", closed_port_url())
    with pytest.raises(file_utils.DownloadError) as info:
        keras.datasets.mnist.load_data()
    msg = str(info.value)
    assert "mnist.npz" in msg and _common.ORIGIN + "mnist.npz" in msg
    assert str(home / "datasets" / "mnist.npz") in msg and "NDFLOW_HOME" in msg
    assert not os.path.exists(home / "datasets" / "mnist.npz")


# ---- the datasets, from fake files ----------------------------------------------------

def _serve(monkeypatch, server, module, name, writer, hash_attr="FILE_HASH"):
    root, url = server
    path = root / name
    writer(path)
    monkeypatch.setattr(_common, "ORIGIN", url)
    monkeypatch.setattr(module, hash_attr, sha256(path))
    return path


def test_mnist_load_data(server, home, monkeypatch):
    rng = np.random.RandomState(0)
    arrays = {"x_train": rng.randint(0, 256, (6, 28, 28)).astype(np.uint8),
              "y_train": np.arange(6, dtype=np.uint8), "x_test": np.zeros((2, 28, 28), np.uint8),
              "y_test": np.array([3, 4], np.uint8)}
    _serve(monkeypatch, server, keras.datasets.mnist, "mnist.npz",
           lambda p: np.savez(p, **arrays))
    (x, y), (xt, yt) = keras.datasets.mnist.load_data()
    assert x.shape == (6, 28, 28) and x.dtype == np.uint8 and yt.tolist() == [3, 4]
    np.testing.assert_array_equal(x, arrays["x_train"])


def _idx(arr):
    header = bytes([0, 0, 8, arr.ndim]) + b"".join(d.to_bytes(4, "big") for d in arr.shape)
    return gzip.compress(header + arr.tobytes())


def _fashion_files(directory, n_train=5, n_test=3):
    rng = np.random.RandomState(1)
    arrays = {"train-images-idx3-ubyte.gz": rng.randint(0, 256, (n_train, 28, 28)).astype(np.uint8),
              "train-labels-idx1-ubyte.gz": (np.arange(n_train) % 10).astype(np.uint8),
              "t10k-images-idx3-ubyte.gz": rng.randint(0, 256, (n_test, 28, 28)).astype(np.uint8),
              "t10k-labels-idx1-ubyte.gz": (np.arange(n_test) % 10).astype(np.uint8)}
    for name, a in arrays.items():
        (directory / name).write_bytes(_idx(a))
    return arrays


def test_fashion_mnist_downloads_with_checksums(server, home, monkeypatch):
    root, url = server
    arrays = _fashion_files(root)
    monkeypatch.setattr(keras.datasets.fashion_mnist, "SYSTEM_DIRS", [])
    monkeypatch.setattr(_common, "ORIGIN", url)
    monkeypatch.setattr(keras.datasets.fashion_mnist, "FILE_HASHES",
                        {n: sha256(root / n) for n in arrays})
    (x, y), (xt, yt) = keras.datasets.fashion_mnist.load_data()
    np.testing.assert_array_equal(x, arrays["train-images-idx3-ubyte.gz"])
    assert y.dtype == np.uint8 and xt.shape == (3, 28, 28)
    assert sorted(os.listdir(home / "datasets" / "fashion-mnist")) == sorted(arrays)


def test_fashion_mnist_reads_the_debian_package_directory(tmp_path, home, monkeypatch):
    system = tmp_path / "usr-share"
    system.mkdir()
    arrays = _fashion_files(system)
    monkeypatch.setattr(keras.datasets.fashion_mnist, "SYSTEM_DIRS", [str(system)])
    monkeypatch.setattr(_common, "ORIGIN", closed_port_url())   # no network needed
    (x, y), (xt, yt) = keras.datasets.fashion_mnist.load_data()
    np.testing.assert_array_equal(yt, arrays["t10k-labels-idx1-ubyte.gz"])
    assert not os.path.exists(home / "datasets")


def test_fashion_mnist_real_debian_files_have_keras_shapes():
    if not os.path.isdir("/usr/share/datasets/fashion-mnist"):
        pytest.fail("the Debian package dataset-fashion-mnist is a test dependency "
                    "(make system-deps installs it)")
    (x, y), (xt, yt) = keras.datasets.fashion_mnist.load_data()
    assert x.shape == (60000, 28, 28) and y.shape == (60000,) and xt.shape == (10000, 28, 28)
    assert x.dtype == y.dtype == np.uint8 and set(np.unique(y)) == set(range(10))


def _write_ragged_npz(path, **arrays):
    objs = {}
    for k, v in arrays.items():
        if isinstance(v, list):
            a = np.empty(len(v), dtype=object)
            for i, s in enumerate(v):
                a[i] = s
            v = a
        objs[k] = v
    np.savez(path, **objs)


def test_imdb_indexing_options_and_word_index(server, home, monkeypatch):
    xtr = [[1, 2, 3], [4, 5], [1, 1, 1, 1, 1, 1]]
    xte = [[2, 7], [6]]
    _serve(monkeypatch, server, keras.datasets.imdb, "imdb.npz",
           lambda p: _write_ragged_npz(p, x_train=xtr, y_train=np.array([0, 1, 0]),
                                       x_test=xte, y_test=np.array([1, 0])))
    (x, y), (xt, yt) = keras.datasets.imdb.load_data(seed=0)
    assert x.dtype == object and x.shape == (3,) and y.shape == (3,)
    # same shuffle as Keras: one RandomState(seed) permutes train, then test
    rng = np.random.RandomState(0)
    p_tr = rng.permutation(3)
    p_te = rng.permutation(2)
    expected = [[1] + [w + 3 for w in xtr[i]] for i in p_tr]
    top = max(max(s) for s in expected + [[1] + [w + 3 for w in xte[i]] for i in p_te])
    expected = [[w if w < top else 2 for w in s] for s in expected]  # Keras' bound quirk
    assert [list(s) for s in x] == expected
    assert y.tolist() == [[0, 1, 0][i] for i in p_tr]
    (x, _), _ = keras.datasets.imdb.load_data(seed=0, num_words=6, skip_top=4, index_from=2,
                                              maxlen=5)
    kept = [i for i in p_tr if len(xtr[i]) + 1 < 5]
    assert [list(s) for s in x] == [[2 if not 4 <= w < 6 else w
                                     for w in [1] + [v + 2 for v in xtr[i]]] for i in kept]
    # the word index
    (server[0] / "imdb_word_index.json").write_text(json.dumps({"the": 1, "movie": 2}))
    monkeypatch.setattr(keras.datasets.imdb, "WORD_INDEX_HASH",
                        hashlib.md5((server[0] / "imdb_word_index.json").read_bytes()).hexdigest())
    assert keras.datasets.imdb.get_word_index() == {"the": 1, "movie": 2}


def test_reuters_split(server, home, monkeypatch):
    xs = [[i + 1] * (i % 3 + 1) for i in range(10)]
    _serve(monkeypatch, server, keras.datasets.reuters, "reuters.npz",
           lambda p: _write_ragged_npz(p, x=xs, y=np.arange(10)))
    (x, y), (xt, yt) = keras.datasets.reuters.load_data(test_split=0.3, seed=5)
    assert len(x) == 7 and len(xt) == 3 and x.dtype == object
    perm = np.random.RandomState(5).permutation(10)
    assert y.tolist() + yt.tolist() == perm.tolist()
    assert len(keras.datasets.reuters.get_label_names()) == 46


def test_restricted_unpickler_refuses_code(tmp_path):
    class Evil:
        def __reduce__(self):
            return (os.system, ("echo pwned",))

    buf = io.BytesIO(pickle.dumps(Evil()))
    with pytest.raises(pickle.UnpicklingError, match="Refusing"):
        _common.RestrictedUnpickler(buf).load()


@pytest.mark.parametrize("name,module", [("boston_housing.npz", "boston_housing"),
                                         ("california_housing.npz", "california_housing")])
def test_housing_splits_like_keras(server, home, monkeypatch, name, module):
    mod = getattr(keras.datasets, module)
    x = np.arange(40.0).reshape(20, 2)
    y = np.arange(20.0)
    _serve(monkeypatch, server, mod, name, lambda p: np.savez(p, x=x, y=y))
    (a, b), (c, d) = mod.load_data(test_split=0.25, seed=113)
    perm = np.random.RandomState(113).permutation(20)
    np.testing.assert_array_equal(b, y[perm[:15]])
    np.testing.assert_array_equal(d, y[perm[15:]])
    assert a.shape == (15, 2) and a.dtype == np.float64


def _cifar_batch(n, label_key, seed):
    rng = np.random.RandomState(seed)
    data = rng.randint(0, 256, (n, 3072)).astype(np.uint8)
    labels = list(rng.randint(0, 10, n))
    return {b"data": data, label_key.encode(): [int(v) for v in labels]}


def test_cifar10_from_tar(server, home, monkeypatch):
    root, url = server
    batches = {"data_batch_%d" % i: _cifar_batch(2, "labels", i) for i in range(1, 6)}
    batches["test_batch"] = _cifar_batch(3, "labels", 9)
    tgz = root / "cifar-10-python.tar.gz"
    with tarfile.open(tgz, "w:gz") as tar:
        for name, d in batches.items():
            blob = pickle.dumps(d, protocol=3)
            info = tarfile.TarInfo("cifar-10-batches-py/" + name)
            info.size = len(blob)
            tar.addfile(info, io.BytesIO(blob))
    monkeypatch.setattr(keras.datasets.cifar10, "ORIGIN", url + "cifar-10-python.tar.gz")
    monkeypatch.setattr(keras.datasets.cifar10, "FILE_HASH", sha256(tgz))
    (x, y), (xt, yt) = keras.datasets.cifar10.load_data()
    assert x.shape == (10, 32, 32, 3) and y.shape == (10, 1) and xt.shape == (3, 32, 32, 3)
    assert x.dtype == np.uint8 and y.dtype == np.uint8
    first = batches["data_batch_1"][b"data"][0].reshape(3, 32, 32).transpose(1, 2, 0)
    np.testing.assert_array_equal(x[0], first)
    assert yt[:, 0].tolist() == batches["test_batch"][b"labels"]


def test_cifar100_label_modes(server, home, monkeypatch):
    root, url = server
    tgz = root / "cifar-100-python.tar.gz"
    with tarfile.open(tgz, "w:gz") as tar:
        for name, n in (("train", 4), ("test", 2)):
            d = _cifar_batch(n, "fine_labels", n)
            d[b"coarse_labels"] = [v // 5 for v in d[b"fine_labels"]]
            blob = pickle.dumps(d, protocol=3)
            info = tarfile.TarInfo("cifar-100-python/" + name)
            info.size = len(blob)
            tar.addfile(info, io.BytesIO(blob))
    monkeypatch.setattr(keras.datasets.cifar100, "ORIGIN", url + "cifar-100-python.tar.gz")
    monkeypatch.setattr(keras.datasets.cifar100, "FILE_HASH", sha256(tgz))
    (x, y), (xt, yt) = keras.datasets.cifar100.load_data()
    (_, yc), _ = keras.datasets.cifar100.load_data(label_mode="coarse")
    assert x.shape == (4, 32, 32, 3) and y.shape == (4, 1) and xt.shape == (2, 32, 32, 3)
    assert yc[:, 0].tolist() == [v // 5 for v in y[:, 0].tolist()]
    with pytest.raises(ValueError, match="label_mode"):
        keras.datasets.cifar100.load_data(label_mode="medium")
