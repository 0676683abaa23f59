"""tf.io: files, images, serialized tensors, gfile and TFRecord files.

Reference values come from real TensorFlow 2.21 (each constant says so) or from
independent definitions (PNG/JPEG decoded by Pillow, CRC32C test vectors of RFC 3720).
TensorFlow itself is not needed to run these tests.
"""
import os
import struct
import sys

import numpy as np
import pytest

import ndflow as tf
from ndflow.core import errors
from ndflow.io import tfrecord

# ---- constants made by real TensorFlow 2.21 ------------------------------------------
# PNG_RGB: tf.io.encode_png(np.arange(36).reshape(3, 4, 3) * 7 % 256 as uint8)
# PNG_GRAY / PNG_RGB2 / PNG_RGBA / PNG_LA: tf.io.encode_png of the 2x3 images GRAY, RGB2,
#   RGBA, LA below; PNG_G16 / PNG_RGB16: tf.io.encode_png of uint16 images G16 / RGB16
# JPEG_RGB: tf.io.encode_jpeg(JPEG_SRC, quality=90); JPEG_TF_RGB / JPEG_TF_GRAY: the raw
#   uint8 pixels of tf.io.decode_jpeg(JPEG_RGB, channels=0 / 1,
#   dct_method="INTEGER_ACCURATE")
# GIF: a two-frame GIF written by Pillow (TF cannot write GIFs); its frames as decoded by
#   tf.io.decode_gif are GIF_FRAMES
# TFR_NONE / TFR_GZIP / TFR_ZLIB: files written by tf.io.TFRecordWriter (options '',
#   'GZIP', 'ZLIB') holding the records RECORDS
PNG_RGB = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000040000000308020000003b9639910000001a494441"
    "540899636460e713850196909010388771c5fa6d700e0059bd055cd2af42cd0000000049454e44ae"
    "426082")
PNG_GRAY = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000003000000020800000000b81f39c600000010494441"
    "54089963643032629876e23f00068702c301551e3e0000000049454e44ae426082")
PNG_RGB2 = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000030000000208020000001216f14d00000018494441"
    "54089963f8cfc0c000c13c27927f3530fbfafa0200407e0699fcd72eed0000000049454e44ae4260"
    "82")
PNG_RGBA = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000030000000208060000009d74661a00000023494441"
    "54089963fccfc0c0c0f89fc18181f1bf0303cf89e403bf1a98fffbfafaca01006b1308f9dbc7e570"
    "0000000049454e44ae426082")
PNG_LA = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000003000000020804000000377dae9100000016494441"
    "5408996364e0348a324a6198f6ff04c37f2d0018db04b30d644be30000000049454e44ae426082")
PNG_G16 = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000003000000021000000000e88fe58500000016494441"
    "540899636660607e31fb0cc3ffff8c8c06960020d104bf77d125aa0000000049454e44ae426082")
PNG_RGB16 = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000020000000110020000002bd0349e00000015494441"
    "5408996360602835f8ff9f81918189811900154e02aa6b6a41460000000049454e44ae426082")
JPEG_RGB = bytes.fromhex(
    "ffd8ffe000104a46494600010101012c012c0000ffdb004300030202030202030303030403030405"
    "0805050404050a070706080c0a0c0c0b0a0b0b0d0e12100d0e110e0b0b1016101113141515150c0f"
    "171816141812141514ffdb00430103040405040509050509140d0b0d141414141414141414141414"
    "1414141414141414141414141414141414141414141414141414141414141414141414141414ffc0"
    "0011080008000803012200021101031101ffc4001f00000105010101010101000000000000000001"
    "02030405060708090a0bffc400b5100002010303020403050504040000017d010203000411051221"
    "31410613516107227114328191a1082342b1c11552d1f02433627282090a161718191a2526272829"
    "2a3435363738393a434445464748494a535455565758595a636465666768696a737475767778797a"
    "838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6"
    "c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8f9faffc4001f010003"
    "0101010101010101010000000000000102030405060708090a0bffc400b511000201020404030407"
    "05040400010277000102031104052131061241510761711322328108144291a1b1c109233352f015"
    "6272d10a162434e125f11718191a262728292a35363738393a434445464748494a53545556575859"
    "5a636465666768696a737475767778797a82838485868788898a92939495969798999aa2a3a4a5a6"
    "a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae2e3e4e5e6e7e8e9ea"
    "f2f3f4f5f6f7f8f9faffda000c03010002110311003f00e0bf64ff0083dff1e7fb8f4ed451452c56"
    "1a9fb47a1cdc73c1b937f6cd4fdd7f5f71ffd9")
JPEG_TF_RGB = bytes.fromhex(
    "0002010918110c36220c542f08744007924e0ab05e14c66e13060d1d1d1d213b2e20583b1c794c1b"
    "97591eb46a28cb7a33061d3d1c2d403c3d3f5a4b3a795a3a97683eb57b47cc8b52062d5c1d3c5d3b"
    "4c5d595a597a695796775cb58965cb9970053d791c4b7c3b5d7b596a7779787696877ab59984cba9"
    "8e054b981c5a9a3a6a99587894788694969598b4a6a1cbb7ac0658b51d68b83a79b85886b47995b3"
    "97a5b6b4b5c0cbc5bf0b64c92274cd4084cd5e93c87ea1c79cb0cab9c1d4d0d1")
JPEG_TF_GRAY = bytes.fromhex(
    "0113273a4e6175870b1d3244586b7f9116283d5063768b9d2133475a6e8095a72b3d5265788ba0b2"
    "36485c6f8295aabc4153677a8ea1b5c74b5d728598abbfd1")
GIF = bytes.fromhex(
    "47494638396103000200820000ffff0000ffff00ff00ff00ffff00000000ff00000000000021ff0b"
    "4e45545343415045322e30030100000021f904000a0000002c000000000300020000080900090828"
    "0020c080800021f904010a0006002c000000000300020082ffffff80808046505a28323c0a141e00"
    "0000000000000000080900090c105000408080003b")
TFR_NONE = bytes.fromhex(
    "000000000000000029039807d8ea82a201000000000000000175de4161786ee4280e000000000000"
    "00c5e5693f68656c6c6f2074667265636f72649f5b76222800000000000000ff70164a0001020304"
    "05060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262775118983")
TFR_GZIP = bytes.fromhex(
    "1f8b0800000000000003636080004de619ec375e352d6284f2194bef392656e43dd1e0830a1c7d9a"
    "699f919a9393af509256949a9c5f94323fba4c49032afbbf40cc8b8191899985958d9d83938b9b87"
    "978f5f4050485844544c5c42524a5a46564e5e4151495945554dbd54b0b319001701fc2677000000")
TFR_ZLIB = bytes.fromhex(
    "789c636080004de619ec375e352d6284f2194bef392656e43dd1e0830a1c7d9a699f919a9393af50"
    "9256949a9c5f94323fba4c49032afbbf40cc8b8191899985958d9d83938b9b87978f5f4050485844"
    "544c5c42524a5a46564e5e4151495945554dbd54b0b319000dff17af")

GRAY = np.array([[0, 50, 100], [150, 200, 255]], np.uint8)[..., None]
RGB2 = np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 255]],
                 [[12, 200, 99], [250, 128, 3], [77, 77, 77]]], np.uint8)
RGBA = np.concatenate([RGB2, np.array([[0, 64, 128], [192, 255, 30]], np.uint8)[..., None]],
                      -1)
LA = np.concatenate([GRAY, np.array([[9, 99, 199], [255, 0, 42]], np.uint8)[..., None]], -1)
# tf.io.decode_image(PNG_RGB2 / PNG_RGBA, channels=1) in TensorFlow 2.21:
TF_GRAY_OF_RGB2 = np.array([[76, 149, 29], [132, 150, 77]], np.uint8)[..., None]
G16 = np.array([[0, 1000, 40000], [65535, 257, 12345]], np.uint16)[..., None]
RGB16 = np.array([[[0, 30000, 65535], [1, 2, 3]]], np.uint16)
_yy, _xx = np.mgrid[0:8, 0:8]
JPEG_SRC = np.stack([_yy * 30, _xx * 30, (_yy + _xx) * 15], -1).astype(np.uint8)
GIF_FRAMES = np.array(
    [[[[255, 0, 0], [0, 255, 0], [0, 0, 255]], [[255, 255, 0], [0, 255, 255], [255, 0, 255]]],
     [[[10, 20, 30], [40, 50, 60], [70, 80, 90]], [[0, 0, 0], [255, 255, 255], [128, 128, 128]]]],
    np.uint8)
RECORDS = [b"", b"a", b"hello tfrecord", bytes(range(40))]


def _bytes(t):
    v = t.numpy()
    assert isinstance(v, bytes), type(v)
    return v


# ---- read_file / write_file ------------------------------------------------------------
def test_string_tensor_holds_bytes():
    t = tf.constant(b"\x00\xffabc")
    assert t.dtype == tf.string and t.shape == ()
    assert t.numpy() == b"\x00\xffabc"


def test_read_write_round_trip(tmp_path):
    data = bytes(range(256)) * 3
    path = str(tmp_path / "sub" / "dir" / "blob.bin")  # parents are created
    assert tf.io.write_file(path, data) is None
    out = tf.io.read_file(path)
    assert out.dtype == tf.string and out.shape == ()
    assert _bytes(out) == data
    # str contents are written as UTF-8; a tensor works as file name and as contents
    tf.io.write_file(tf.constant(path), "h\u00e9llo")
    assert _bytes(tf.io.read_file(tf.constant(path))) == "h\u00e9llo".encode("utf-8")
    tf.io.write_file(path, tf.io.read_file(path))
    with open(path, "rb") as f:
        assert f.read() == "h\u00e9llo".encode("utf-8")
    tf.io.write_file(tmp_path / "pathlike.txt", b"")
    assert _bytes(tf.io.read_file(tmp_path / "pathlike.txt")) == b""


def test_read_write_errors(tmp_path):
    with pytest.raises(errors.NotFoundError, match="nope"):
        tf.io.read_file(str(tmp_path / "nope"))
    with pytest.raises(errors.FailedPreconditionError, match="directory"):
        tf.io.read_file(str(tmp_path))
    with pytest.raises(errors.InvalidArgumentError, match="scalar"):
        tf.io.read_file([str(tmp_path / "a"), str(tmp_path / "b")])
    with pytest.raises(errors.InvalidArgumentError, match="scalar"):
        tf.io.write_file(str(tmp_path / "x"), tf.constant([b"a", b"b"]))
    with pytest.raises(TypeError, match="contents"):
        tf.io.write_file(str(tmp_path / "x"), 5)


def test_matching_files(tmp_path):
    for n in ["b.txt", "a.txt", "c.csv"]:
        tf.io.write_file(str(tmp_path / n), n)
    out = tf.io.matching_files(str(tmp_path / "*.txt")).numpy()
    assert list(out) == [str(tmp_path / "a.txt").encode(), str(tmp_path / "b.txt").encode()]
    assert tf.io.matching_files(str(tmp_path / "*.zip")).shape == (0,)


# ---- PNG ---------------------------------------------------------------------------------
@pytest.mark.parametrize("channels", [1, 2, 3, 4])
@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
def test_png_round_trip_exact(channels, dtype):
    rng = np.random.default_rng(channels)
    top = np.iinfo(dtype).max
    noise = rng.integers(0, top + 1, (13, 17, channels)).astype(dtype)
    yy, xx = np.mgrid[0:13, 0:17]
    smooth = ((yy[..., None] * 5 + xx[..., None] * 3 + np.arange(channels))
              * (top // 100)).astype(dtype)  # smooth rows pick the Sub/Up/Average/Paeth filters
    for img in (noise, smooth):
        png = tf.io.encode_png(img)
        assert _bytes(png)[:8] == b"\x89PNG\r\n\x1a\n"
        out = tf.io.decode_png(png, dtype=tf.uint16 if dtype == np.uint16 else tf.uint8)
        assert out.dtype.name == np.dtype(dtype).name
        np.testing.assert_array_equal(out.numpy(), img)
        np.testing.assert_array_equal(tf.io.decode_image(png, dtype=out.dtype).numpy(), img)


def test_png_encoded_by_ndflow_reads_in_pillow():
    from PIL import Image
    import io
    rng = np.random.default_rng(0)
    for mode, shape in [("L", (9, 11)), ("LA", (9, 11, 2)), ("RGB", (9, 11, 3)),
                        ("RGBA", (9, 11, 4))]:
        img = rng.integers(0, 256, shape).astype(np.uint8)
        enc = tf.io.encode_png(img if img.ndim == 3 else img[..., None])
        im = Image.open(io.BytesIO(_bytes(enc)))
        assert im.mode == mode
        np.testing.assert_array_equal(np.asarray(im), img)


def test_encode_png_batch_and_compression():
    imgs = np.arange(2 * 4 * 5 * 3, dtype=np.uint8).reshape(2, 4, 5, 3)
    out = tf.io.encode_png(imgs, compression=9)
    assert out.shape == (2,) and out.dtype == tf.string
    for i in range(2):
        np.testing.assert_array_equal(tf.io.decode_png(out.numpy()[i]).numpy(), imgs[i])
    flat = np.zeros((64, 64, 3), np.uint8)
    assert len(_bytes(tf.io.encode_png(flat, compression=9))) < len(
        _bytes(tf.io.encode_png(flat, compression=0)))


def test_decode_png_made_by_tensorflow():
    out = tf.io.decode_png(PNG_RGB)
    assert out.dtype == tf.uint8 and out.shape == (3, 4, 3)
    np.testing.assert_array_equal(out.numpy(),
                                  (np.arange(36).reshape(3, 4, 3) * 7 % 256).astype(np.uint8))


# expected outputs below are TensorFlow 2.21's decode_image(png, channels=c)
_OPAQUE = np.full((2, 3, 1), 255, np.uint8)
_CHANNEL_CASES = {
    # name: (png, {channels: expected})
    "gray": (PNG_GRAY, {0: GRAY, 1: GRAY, 3: np.repeat(GRAY, 3, -1),
                        4: np.concatenate([np.repeat(GRAY, 3, -1), _OPAQUE], -1)}),
    "rgb": (PNG_RGB2, {0: RGB2, 1: TF_GRAY_OF_RGB2, 3: RGB2,
                       4: np.concatenate([RGB2, _OPAQUE], -1)}),
    "rgba": (PNG_RGBA, {0: RGBA, 1: TF_GRAY_OF_RGB2, 3: RGB2, 4: RGBA}),
    "gray_alpha": (PNG_LA, {0: LA, 1: GRAY, 3: np.repeat(GRAY, 3, -1),
                            4: np.concatenate([np.repeat(GRAY, 3, -1), LA[..., 1:]], -1)}),
}


@pytest.mark.parametrize("case", sorted(_CHANNEL_CASES))
@pytest.mark.parametrize("channels", [0, 1, 3, 4])
def test_decode_image_channels_like_tensorflow(case, channels):
    png, expected = _CHANNEL_CASES[case]
    for fn in (tf.io.decode_image, tf.io.decode_png):
        out = fn(png, channels=channels)
        assert out.dtype == tf.uint8
        np.testing.assert_array_equal(out.numpy(), expected[channels])
    if channels == 0:
        assert tf.io.decode_image(png, channels=None).shape == expected[0].shape


def test_png_16_bit_like_tensorflow():
    out = tf.io.decode_png(PNG_G16, dtype=tf.uint16)
    assert out.dtype == tf.uint16
    np.testing.assert_array_equal(out.numpy(), G16)
    # TensorFlow 2.21: uint8 keeps the high byte; floats divide the 16-bit value by 65535
    np.testing.assert_array_equal(tf.io.decode_png(PNG_G16).numpy()[..., 0],
                                  [[0, 3, 156], [255, 1, 48]])
    np.testing.assert_array_equal(
        tf.io.decode_image(PNG_G16, dtype=tf.float32).numpy()[..., 0],
        np.array([[0.0, 0.015259021893143654, 0.610360860824585],
                  [1.0, 0.003921568393707275, 0.1883726269006729]], np.float32))
    # an 8-bit PNG read as uint16 is scaled by 257 (TensorFlow 2.21)
    np.testing.assert_array_equal(tf.io.decode_png(PNG_GRAY, dtype=tf.uint16).numpy()[..., 0],
                                  [[0, 12850, 25700], [38550, 51400, 65535]])
    np.testing.assert_array_equal(tf.io.decode_png(PNG_RGB16, dtype=tf.uint16).numpy(), RGB16)
    np.testing.assert_array_equal(tf.io.decode_png(PNG_RGB16).numpy(),
                                  [[[0, 117, 255], [0, 0, 0]]])


def test_decode_image_float_dtype():
    out = tf.io.decode_image(PNG_RGB2, dtype=tf.float32)
    assert out.dtype == tf.float32
    np.testing.assert_allclose(out.numpy(), RGB2 / 255.0, rtol=1e-6)
    out = tf.io.decode_image(PNG_RGB2, dtype=tf.float64)
    np.testing.assert_allclose(out.numpy(), RGB2 / 255.0, rtol=1e-12)


# ---- JPEG ---------------------------------------------------------------------------------
def _smooth_rgb():
    yy, xx = np.mgrid[0:32, 0:48]
    return np.stack([yy * 8, xx * 5, 128 + 60 * np.sin(xx / 5.0)], -1).astype(np.uint8)


def test_jpeg_round_trip_within_tolerance():
    img = _smooth_rgb()
    enc = tf.io.encode_jpeg(img, quality=95)
    assert tf.io.is_jpeg(enc).numpy()
    out = tf.io.decode_jpeg(enc).numpy().astype(int)
    assert out.shape == img.shape
    err = np.abs(out - img)
    # lossy: 4:2:0 chroma subsampling blurs colour edges, so the bound is loose per pixel
    # and tight on average
    assert err.mean() < 1.5 and err.max() <= 12
    full = tf.io.decode_jpeg(tf.io.encode_jpeg(img, quality=95, chroma_downsampling=False))
    assert np.abs(full.numpy().astype(int) - img).max() <= 5
    low = tf.io.encode_jpeg(img, quality=10)
    assert len(_bytes(low)) < len(_bytes(enc))
    assert np.abs(tf.io.decode_jpeg(low).numpy().astype(int) - img).mean() > err.mean()


def test_jpeg_grayscale_round_trip():
    img = _smooth_rgb()[..., :1]
    enc = tf.io.encode_jpeg(img, quality=95)
    out = tf.io.decode_jpeg(enc)
    assert out.shape == (32, 48, 1)
    assert np.abs(out.numpy().astype(int) - img).max() <= 2
    rgb = tf.io.decode_jpeg(enc, channels=3).numpy()
    np.testing.assert_array_equal(rgb, np.repeat(out.numpy(), 3, -1))
    with pytest.raises(errors.InvalidArgumentError, match="1 or 3 channels"):
        tf.io.encode_jpeg(np.zeros((4, 4, 4), np.uint8))
    with pytest.raises(errors.InvalidArgumentError, match="expects 3 channels"):
        tf.io.encode_jpeg(np.zeros((4, 4, 1), np.uint8), format="rgb")
    with pytest.raises(errors.InvalidArgumentError, match="quality"):
        tf.io.encode_jpeg(np.zeros((4, 4, 3), np.uint8), quality=101)


def test_decode_jpeg_made_by_tensorflow():
    # equal to TensorFlow's decode with dct_method="INTEGER_ACCURATE"
    out = tf.io.decode_jpeg(JPEG_RGB)
    assert out.shape == (8, 8, 3) and out.dtype == tf.uint8
    np.testing.assert_array_equal(out.numpy().tobytes(), JPEG_TF_RGB)
    np.testing.assert_array_equal(tf.io.decode_image(JPEG_RGB, channels=1).numpy().tobytes(),
                                  JPEG_TF_GRAY)
    assert np.abs(out.numpy().astype(int) - JPEG_SRC).max() <= 24  # quality 90 vs source
    assert tf.io.decode_jpeg(JPEG_RGB, ratio=2).shape == (4, 4, 3)
    assert tf.io.decode_jpeg(JPEG_RGB, ratio=8).shape == (1, 1, 3)
    with pytest.raises(errors.InvalidArgumentError, match="ratio"):
        tf.io.decode_jpeg(JPEG_RGB, ratio=3)
    with pytest.raises(errors.InvalidArgumentError, match="channels=4"):
        tf.io.decode_image(JPEG_RGB, channels=4)
    np.testing.assert_array_equal(tf.io.decode_image(JPEG_RGB, dtype=tf.uint16).numpy(),
                                  out.numpy().astype(np.uint16) * 256)


def test_is_jpeg():
    assert tf.io.is_jpeg(JPEG_RGB).numpy()
    assert not tf.io.is_jpeg(PNG_RGB).numpy()
    assert not tf.io.is_jpeg(b"\xff\xd8").numpy()
    np.testing.assert_array_equal(tf.io.is_jpeg([JPEG_RGB, GIF, b""]).numpy(),
                                  [True, False, False])


# ---- GIF and BMP ----------------------------------------------------------------------
def test_decode_gif_like_tensorflow():
    out = tf.io.decode_gif(GIF)
    assert out.dtype == tf.uint8 and out.shape == (2, 2, 3, 3)
    np.testing.assert_array_equal(out.numpy(), GIF_FRAMES)
    np.testing.assert_array_equal(tf.io.decode_image(GIF).numpy(), GIF_FRAMES)
    np.testing.assert_array_equal(tf.io.decode_image(GIF, expand_animations=False).numpy(),
                                  GIF_FRAMES[0])
    with pytest.raises(errors.InvalidArgumentError, match="animated GIF with 2 frames"):
        tf.io.decode_png(GIF)
    with pytest.raises(errors.InvalidArgumentError, match="0 or 3 for GIF"):
        tf.io.decode_image(GIF, channels=1)
    # a still image through decode_gif: one RGB frame (TensorFlow 2.21)
    np.testing.assert_array_equal(tf.io.decode_gif(PNG_GRAY).numpy(),
                                  np.repeat(GRAY, 3, -1)[None])


def _bmp(pixels_bottom_up, w, h, bpp, palette=b"", top_down=False):
    header_size = 14 + 40 + len(palette)
    info = struct.pack("<IiiHHIIiiII", 40, w, -h if top_down else h, 1, bpp, 0,
                       len(pixels_bottom_up), 2835, 2835, len(palette) // 4, 0)
    head = b"BM" + struct.pack("<IHHI", header_size + len(pixels_bottom_up), 0, 0, header_size)
    return head + info + palette + pixels_bottom_up


def test_decode_bmp():
    # 3x2 image; BMP rows are stored bottom-up as BGR(A), padded to 4 bytes
    rgb = np.array([[[1, 2, 3], [4, 5, 6], [7, 8, 9]],
                    [[10, 11, 12], [13, 14, 15], [16, 17, 18]]], np.uint8)
    rows = b"".join(rgb[r, :, ::-1].tobytes() + b"\0" * 3 for r in (1, 0))
    b24 = _bmp(rows, 3, 2, 24)
    np.testing.assert_array_equal(tf.io.decode_bmp(b24).numpy(), rgb)
    np.testing.assert_array_equal(tf.io.decode_image(b24, channels=4).numpy(),
                                  np.concatenate([rgb, np.full((2, 3, 1), 255, np.uint8)], -1))
    rgba = np.concatenate([rgb, np.array([[[0], [100], [200]], [[50], [150], [250]]],
                                         np.uint8)], -1)
    rows = b"".join(rgba[r][:, [2, 1, 0, 3]].tobytes() for r in (0, 1))
    b32 = _bmp(rows, 3, 2, 32, top_down=True)
    np.testing.assert_array_equal(tf.io.decode_bmp(b32).numpy(), rgba)  # TF keeps alpha
    np.testing.assert_array_equal(tf.io.decode_bmp(b32, channels=3).numpy(), rgb)
    gray_palette = b"".join(bytes([i, i, i, 0]) for i in range(256))
    idx = np.array([[0, 128, 255], [7, 70, 200]], np.uint8)
    rows = b"".join(idx[r].tobytes() + b"\0" for r in (1, 0))
    b8 = _bmp(rows, 3, 2, 8, gray_palette)
    out = tf.io.decode_bmp(b8)
    assert out.shape == (2, 3, 1)  # an 8-bit grey BMP has one channel, as in TF
    np.testing.assert_array_equal(out.numpy()[..., 0], idx)
    with pytest.raises(errors.InvalidArgumentError, match="0, 3 or 4 for BMP"):
        tf.io.decode_bmp(b24, channels=1)
    with pytest.raises(errors.InvalidArgumentError, match="decode_bmp"):
        tf.io.decode_png(b24)
    with pytest.raises(errors.InvalidArgumentError, match="PNG image, not BMP"):
        tf.io.decode_bmp(PNG_RGB)
    with pytest.raises(errors.InvalidArgumentError, match="cut short"):
        tf.io.decode_bmp(b24[:-5])


def test_decode_errors():
    with pytest.raises(errors.InvalidArgumentError, match="empty"):
        tf.io.decode_image(b"")
    with pytest.raises(errors.InvalidArgumentError, match="unknown image format"):
        tf.io.decode_image(b"hello world")
    with pytest.raises(errors.InvalidArgumentError, match="`channels` must be"):
        tf.io.decode_image(PNG_RGB, channels=2)
    with pytest.raises(errors.InvalidArgumentError, match="scalar"):
        tf.io.decode_image([PNG_RGB, PNG_RGB])
    with pytest.raises(errors.InvalidArgumentError, match="invalid PNG"):
        tf.io.decode_png(PNG_RGB[:40])
    with pytest.raises(errors.InvalidArgumentError, match="uint8 or tf.uint16"):
        tf.io.decode_png(PNG_RGB, dtype=tf.float32)


def test_encode_png_errors():
    with pytest.raises(errors.InvalidArgumentError, match="dtype uint8 or uint16"):
        tf.io.encode_png(tf.zeros((2, 2, 3)))
    with pytest.raises(errors.InvalidArgumentError, match="rank 3"):
        tf.io.encode_png(np.zeros((4, 4), np.uint8))
    with pytest.raises(errors.InvalidArgumentError, match="1, 2, 3 or 4 channels"):
        tf.io.encode_png(np.zeros((4, 4, 5), np.uint8))
    with pytest.raises(errors.InvalidArgumentError, match="compression"):
        tf.io.encode_png(np.zeros((4, 4, 3), np.uint8), compression=10)
    with pytest.raises(errors.InvalidArgumentError, match="empty"):
        tf.io.encode_png(np.zeros((0, 4, 3), np.uint8))


def test_missing_pillow_is_explained(monkeypatch):
    monkeypatch.setitem(sys.modules, "PIL", None)
    with pytest.raises(ImportError, match="pip install Pillow"):
        tf.io.encode_jpeg(np.zeros((4, 4, 3), np.uint8))
    with pytest.raises(ImportError, match="pip install Pillow"):
        tf.io.decode_jpeg(JPEG_RGB)
    # PNG encoding and 16-bit PNG decoding need no Pillow
    np.testing.assert_array_equal(
        tf.io.decode_png(tf.io.encode_png(G16), dtype=tf.uint16).numpy(), G16)


# ---- serialize_tensor / parse_tensor ---------------------------------------------------------
# hex of tf.io.serialize_tensor(value) in TensorFlow 2.21 (a TensorProto)
_SERIALIZED = [
    (np.float32(1.5), "0801120022040000c03f"),
    (np.arange(6, dtype=np.float32).reshape(2, 3),
     "0801120812020802120208032218000000000000803f0000004000004040000080400000a040"),
    (np.array([1, -2], np.int64), "080912041202080222100100000000000000feffffffffffffff"),
    (np.array([True, False]), "080a12041202080222020100"),
    (np.array([b"ab", b"", b"\xff"], object), "08071204120208034202616242004201ff"),
    (np.zeros((0, 3), np.float64), "08021206120012020803"),
    (np.array([[1.5, -2]], np.float16), "0813120812020801120208022204003e00c0"),
    (np.array([3, 65535], np.uint16), "081112041202080222040300ffff"),
    (np.array([1 + 2j], np.complex128),
     "08121204120208012210000000000000f03f0000000000000040"),
]


@pytest.mark.parametrize("value,tf_hex", _SERIALIZED)
def test_serialize_tensor_matches_tensorflow(value, tf_hex):
    ser = tf.io.serialize_tensor(value)
    assert ser.dtype == tf.string and ser.shape == ()
    assert _bytes(ser).hex() == tf_hex
    dtype = tf.string if value.dtype == object else tf.as_dtype(value.dtype)
    back = tf.io.parse_tensor(bytes.fromhex(tf_hex), dtype)
    assert back.dtype == dtype and back.shape == np.shape(value)
    np.testing.assert_array_equal(np.asarray(back.numpy()), value)


@pytest.mark.parametrize("dtype", ["float32", "float64", "int8", "int16", "int32", "int64",
                                   "uint8", "uint32", "uint64", "bool", "complex64"])
def test_serialize_parse_round_trip(dtype):
    rng = np.random.default_rng(1)
    for shape in [(), (5,), (2, 3, 4)]:
        v = (rng.normal(size=shape) * 50).astype(dtype)
        back = tf.io.parse_tensor(tf.io.serialize_tensor(tf.constant(v)), dtype)
        assert back.dtype.name == dtype and back.shape == shape
        np.testing.assert_array_equal(np.asarray(back.numpy()), v)
    s = tf.io.parse_tensor(tf.io.serialize_tensor("h\u00e9llo"), tf.string)
    assert s.numpy() == "h\u00e9llo".encode("utf-8")


def test_parse_tensor_errors():
    ser = tf.io.serialize_tensor(np.float32(1.0))
    with pytest.raises(errors.InvalidArgumentError,
                       match=r"type mismatch.*\(float32\).*out_type \(int32\)"):
        tf.io.parse_tensor(ser, tf.int32)
    with pytest.raises(errors.InvalidArgumentError, match="could not parse"):
        tf.io.parse_tensor(b"\xff\xff\xff", tf.int32)
    with pytest.raises(errors.InvalidArgumentError, match="tensor_content has 3 bytes"):
        tf.io.parse_tensor(bytes.fromhex("08011200220300c03f"), tf.float32)


def test_decode_raw_base64_compressed():
    # expected values: TensorFlow 2.21
    np.testing.assert_array_equal(tf.io.decode_raw(b"\x01\x00\x02\x00", tf.int16).numpy(),
                                  [1, 2])
    np.testing.assert_array_equal(
        tf.io.decode_raw(b"\x01\x00\x02\x00", tf.int16, little_endian=False).numpy(),
        [256, 512])
    np.testing.assert_array_equal(
        tf.io.decode_raw([b"\x01\x00", b"\x02\x00\x03\x00"], tf.int16, fixed_length=4).numpy(),
        [[1, 0], [2, 3]])
    with pytest.raises(errors.InvalidArgumentError, match="multiple of 2"):
        tf.io.decode_raw(b"\x01\x00\x02", tf.int16)
    assert tf.io.encode_base64(b"\xff\xfe\xfdab").numpy() == b"__79YWI"
    assert tf.io.encode_base64(b"\xff\xfe\xfdab", pad=True).numpy() == b"__79YWI="
    assert tf.io.decode_base64(b"__79YWI").numpy() == b"\xff\xfe\xfdab"
    import gzip
    import zlib
    assert tf.io.decode_compressed(zlib.compress(b"abc"), "ZLIB").numpy() == b"abc"
    assert tf.io.decode_compressed(gzip.compress(b"abc"), "GZIP").numpy() == b"abc"
    with pytest.raises(errors.DataLossError):
        tf.io.decode_compressed(b"abc", "ZLIB")


# ---- gfile ---------------------------------------------------------------------------------
def test_gfile_read_write(tmp_path):
    g = tf.io.gfile
    path = str(tmp_path / "f.txt")
    with g.GFile(path, "w") as f:
        f.write("line1\n")
        f.write(b"line2\nlast")  # bytes are fine in text mode too
    assert g.GFile(path).size() == 16
    f = g.GFile(path, "r")
    assert f.readline() == "line1\n"
    assert f.read(3) == "lin"
    assert f.tell() == 9
    assert f.read() == "e2\nlast"
    assert f.read() == ""
    f.seek(0)
    assert f.read(5) == "line1"
    f.close()
    assert list(g.GFile(path)) == ["line1\n", "line2\n", "last"]
    assert g.GFile(path).readlines() == ["line1\n", "line2\n", "last"]
    assert g.GFile(path, "rb").read() == b"line1\nline2\nlast"
    assert list(g.GFile(path, "rb")) == [b"line1\n", b"line2\n", b"last"]
    with g.GFile(path, "a") as f:
        f.write("+more")
    assert g.GFile(path, "rb").read() == b"line1\nline2\nlast+more"
    with g.GFile(str(tmp_path / "b.bin"), "wb") as f:
        f.write(bytes(range(256)))
        f.write("\u00e9")
    assert g.GFile(str(tmp_path / "b.bin"), "rb").read() == bytes(range(256)) + b"\xc3\xa9"
    lazy = g.GFile(str(tmp_path / "lazy.txt"), "w")  # nothing is created before a write
    assert not g.exists(str(tmp_path / "lazy.txt"))
    lazy.close()


def test_gfile_errors(tmp_path):
    g = tf.io.gfile
    path = str(tmp_path / "f.txt")
    with g.GFile(path, "w") as f:
        f.write("x")
        with pytest.raises(errors.PermissionDeniedError, match="reading"):
            f.read()
    with pytest.raises(errors.PermissionDeniedError, match="writing"):
        g.GFile(path).write("y")
    with pytest.raises(errors.InvalidArgumentError, match="mode"):
        g.GFile(path, "z")
    with pytest.raises(errors.NotFoundError, match="missing"):
        g.GFile(str(tmp_path / "missing")).read()
    with pytest.raises(errors.NotFoundError):
        g.GFile(str(tmp_path / "missing")).size()
    with pytest.raises(errors.UnimplementedError, match="local files only"):
        g.exists("gs://bucket/file")


def test_gfile_file_system(tmp_path):
    g = tf.io.gfile
    root = str(tmp_path / "root")
    assert not g.exists(root) and not g.isdir(root)
    with pytest.raises(errors.NotFoundError):
        g.mkdir(os.path.join(root, "a", "b"))  # no parent
    g.makedirs(os.path.join(root, "a", "b"))
    g.makedirs(os.path.join(root, "a", "b"))  # already there: fine
    g.mkdir(os.path.join(root, "c"))
    assert g.isdir(os.path.join(root, "a", "b"))
    for name in ["a/x.txt", "a/y.txt", "a/z.csv", "c/w.txt"]:
        with g.GFile(os.path.join(root, name), "w") as f:
            f.write(name)
    assert g.listdir(os.path.join(root, "a")) == ["b", "x.txt", "y.txt", "z.csv"]
    with pytest.raises(errors.NotFoundError, match="Could not find directory"):
        g.listdir(os.path.join(root, "a", "x.txt"))
    st = g.stat(os.path.join(root, "a", "x.txt"))
    assert st.length == 7 and not st.is_directory and st.mtime_nsec > 0
    assert g.stat(root).is_directory
    with pytest.raises(errors.NotFoundError):
        g.stat(os.path.join(root, "nope"))
    assert g.glob(os.path.join(root, "a", "*.txt")) == [
        os.path.join(root, "a", "x.txt"), os.path.join(root, "a", "y.txt")]
    assert g.glob(os.path.join(root, "*", "?.txt")) == [
        os.path.join(root, "a", "x.txt"), os.path.join(root, "a", "y.txt"),
        os.path.join(root, "c", "w.txt")]
    assert g.glob(os.path.join(root, "nothing", "*")) == []
    assert list(g.walk(root)) == [
        (root, ["a", "c"], []),
        (os.path.join(root, "a"), ["b"], ["x.txt", "y.txt", "z.csv"]),
        (os.path.join(root, "a", "b"), [], []),
        (os.path.join(root, "c"), [], ["w.txt"])]
    assert [d for d, _, _ in g.walk(root, topdown=False)][-1] == root
    assert list(g.walk(os.path.join(root, "missing"))) == []

    x, y = os.path.join(root, "a", "x.txt"), os.path.join(root, "a", "y.txt")
    with pytest.raises(errors.AlreadyExistsError, match="overwrite=True"):
        g.copy(x, y)
    g.copy(x, y, overwrite=True)
    assert g.GFile(y).read() == "a/x.txt"
    g.copy(x, os.path.join(root, "copy.txt"))
    assert g.GFile(os.path.join(root, "copy.txt")).read() == "a/x.txt"
    with pytest.raises(errors.NotFoundError):
        g.copy(os.path.join(root, "nope"), os.path.join(root, "n2"))
    with pytest.raises(errors.AlreadyExistsError):
        g.rename(x, y)
    g.rename(x, y, overwrite=True)
    assert not g.exists(x) and g.GFile(y).read() == "a/x.txt"
    g.rename(os.path.join(root, "c"), os.path.join(root, "c2"))  # directories too
    assert g.exists(os.path.join(root, "c2", "w.txt"))
    with pytest.raises(errors.FailedPreconditionError, match="rmtree"):
        g.remove(os.path.join(root, "a", "b"))
    g.remove(y)
    assert not g.exists(y)
    with pytest.raises(errors.NotFoundError):
        g.remove(y)
    g.rmtree(os.path.join(root, "a"))
    assert not g.exists(os.path.join(root, "a"))
    with pytest.raises(errors.NotFoundError):
        g.rmtree(os.path.join(root, "a"))
    assert g.join("a", "b", "c") == os.path.join("a", "b", "c")


# ---- TFRecord -----------------------------------------------------------------------------
def test_crc32c_known_values():
    # RFC 3720 (iSCSI) appendix B.4 test vectors, and the classic "123456789" check value
    assert tfrecord.crc32c(b"123456789") == 0xE3069283
    assert tfrecord.crc32c(bytes(32)) == 0x8A9136AA
    assert tfrecord.crc32c(b"\xff" * 32) == 0x62A8AB43
    assert tfrecord.crc32c(bytes(range(32))) == 0x46DD794E
    assert tfrecord.crc32c(bytes(range(31, -1, -1))) == 0x113FDB5C


def test_crc32c_long_buffers_agree_with_the_byte_loop():
    rng = np.random.default_rng(0)
    for n in [2047, 2048, 2049, 5000, 65537]:
        data = rng.integers(0, 256, n).astype(np.uint8).tobytes()
        slow = tfrecord._update_loop(0xFFFFFFFF, data) ^ 0xFFFFFFFF
        assert tfrecord.crc32c(data) == slow
        assert tfrecord.crc32c(data[n // 3:], tfrecord.crc32c(data[:n // 3])) == slow


@pytest.mark.parametrize("kind,tf_bytes", [("", TFR_NONE), ("GZIP", TFR_GZIP),
                                           ("ZLIB", TFR_ZLIB)])
def test_tfrecords_written_by_tensorflow(tmp_path, kind, tf_bytes):
    path = str(tmp_path / "tf.tfrecord")
    with open(path, "wb") as f:
        f.write(tf_bytes)
    assert list(tfrecord.tf_record_iterator(path, kind)) == RECORDS
    # ndflow writes the same bytes
    mine = str(tmp_path / "nd.tfrecord")
    with tf.io.TFRecordWriter(mine, kind) as w:
        for r in RECORDS:
            w.write(r)
    with open(mine, "rb") as f:
        assert f.read() == tf_bytes
    with tf.io.TFRecordWriter(mine, tf.io.TFRecordOptions(compression_type=kind)) as w:
        for r in RECORDS:
            w.write(r)
    with open(mine, "rb") as f:
        assert f.read() == tf_bytes


def test_tfrecord_long_record_matches_tensorflow(tmp_path):
    data = bytes((i * 7 + i // 256) % 256 for i in range(5000))
    path = str(tmp_path / "big.tfrecord")
    with tf.io.TFRecordWriter(path) as w:
        w.write(data)
    with open(path, "rb") as f:
        raw = f.read()
    # header and data CRC of the same record written by TensorFlow 2.21
    assert raw[:12].hex() == "881300000000000071a71802"
    assert raw[-4:].hex() == "a1b7635f"
    assert list(tfrecord.tf_record_iterator(path)) == [data]


@pytest.mark.parametrize("kind", ["GZIP", "ZLIB"])
def test_tfrecord_compressed_round_trip(tmp_path, kind):
    rng = np.random.default_rng(3)
    recs = [rng.integers(0, 256, n).astype(np.uint8).tobytes() for n in (0, 1, 100, 70000)]
    recs.append("text record")
    recs.append(tf.constant(b"tensor record"))
    path = str(tmp_path / "c.tfrecord")
    with tf.io.TFRecordWriter(path, tf.io.TFRecordOptions(kind, compression_level=9)) as w:
        for r in recs:
            w.write(r)
        w.flush()
    expected = recs[:4] + [b"text record", b"tensor record"]
    assert list(tfrecord.tf_record_iterator(path, kind)) == expected
    assert list(tfrecord.tf_record_iterator(path, tf.io.TFRecordOptions(kind))) == expected
    with pytest.raises(errors.DataLossError, match="compression_type"):
        list(tfrecord.tf_record_iterator(path))  # read without saying it is compressed


def test_tfrecord_corruption_is_reported(tmp_path):
    good = bytearray(TFR_NONE)
    # records 0, 1, 2 take 16, 17 and 30 bytes: record 2 starts at byte 33
    bad_data = bytearray(good)
    bad_data[33 + 12 + 3] ^= 1  # a data byte of record 2
    path = str(tmp_path / "bad_data.tfrecord")
    with open(path, "wb") as f:
        f.write(bad_data)
    it = tfrecord.tf_record_iterator(path)
    assert next(it) == b"" and next(it) == b"a"
    with pytest.raises(errors.DataLossError,
                       match=r"bad_data\.tfrecord: corrupted record #2 at byte offset 33.*data"):
        next(it)
    bad_len = bytearray(good)
    bad_len[33] ^= 1
    path = str(tmp_path / "bad_len.tfrecord")
    with open(path, "wb") as f:
        f.write(bad_len)
    with pytest.raises(errors.DataLossError,
                       match=r"bad_len\.tfrecord: corrupted record #2 .*length"):
        list(tfrecord.tf_record_iterator(path))
    path = str(tmp_path / "cut.tfrecord")
    with open(path, "wb") as f:
        f.write(bytes(good[:-5]))
    with pytest.raises(errors.DataLossError, match=r"cut\.tfrecord: truncated record #3"):
        list(tfrecord.tf_record_iterator(path))
    with pytest.raises(errors.NotFoundError):
        list(tfrecord.tf_record_iterator(str(tmp_path / "missing.tfrecord")))


def test_tfrecord_writer_errors(tmp_path):
    w = tf.io.TFRecordWriter(str(tmp_path / "w.tfrecord"))
    w.write("h\u00e9llo")
    w.close()
    assert list(tfrecord.tf_record_iterator(str(tmp_path / "w.tfrecord"))) == [
        "h\u00e9llo".encode("utf-8")]
    with pytest.raises(errors.FailedPreconditionError, match="closed"):
        w.write(b"x")
    with pytest.raises(ValueError, match="compression_type"):
        tf.io.TFRecordWriter(str(tmp_path / "x.tfrecord"), "LZMA")
    with pytest.raises(TypeError, match="bytes or str"):
        with tf.io.TFRecordWriter(str(tmp_path / "y.tfrecord")) as w:
            w.write(3)
    assert tf.io.TFRecordOptions.get_compression_type_string("GZIP") == "GZIP"
    assert tf.io.TFRecordOptions.get_compression_type_string(None) == ""
