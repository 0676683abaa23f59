"""``tf.audio`` (ndflow.audio): WAV decoding against files written by Python's ``wave``
module and by hand (chunk layouts, channel and length conversions, malformed files), and
WAV encoding against bytes produced by TensorFlow 2.21 ("from TensorFlow 2.21": printed
by real TensorFlow for the same call and pasted in)."""
import io
import struct
import wave

import numpy as np
import pytest

import ndflow as tf
from ndflow.core.errors import InvalidArgumentError

SAMPLES = np.array([0, 1, -1, 32767, -32768, 16384, -16384, 100], np.int16)


def _wave_module_file(samples, channels, rate=16000, width=2):
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(width)
        w.setframerate(rate)
        w.writeframes(samples.tobytes() if isinstance(samples, np.ndarray) else samples)
    return buf.getvalue()


def _wav(data, fmt_tag=1, ch=1, rate=16000, bits=16, fmt_extra=b"", before=b"", after=b"",
         data_size=None, block_align=None, byte_rate=None, fmt_size=None):
    """A WAV file assembled field by field, with knobs to break each one."""
    ba = ch * bits // 8 if block_align is None else block_align
    br = rate * ba if byte_rate is None else byte_rate
    fmt = struct.pack("<HHIIHH", fmt_tag, ch, rate, br, ba, bits) + fmt_extra
    body = (b"WAVE" + b"fmt " + struct.pack("<I", len(fmt) if fmt_size is None else fmt_size)
            + fmt + before + b"data" + struct.pack("<I", len(data) if data_size is None
                                                   else data_size) + data + after)
    return b"RIFF" + struct.pack("<I", len(body)) + body


def test_decode_a_mono_file_from_the_wave_module():
    audio, rate = tf.audio.decode_wav(_wave_module_file(SAMPLES, 1))
    assert audio.dtype == tf.float32 and audio.shape == (8, 1)
    assert rate.dtype == tf.int32 and rate.shape == () and int(rate) == 16000
    np.testing.assert_array_equal(audio.numpy()[:, 0], SAMPLES / np.float32(32768))
    assert audio.numpy().min() == -1.0 and audio.numpy().max() < 1.0


def test_result_is_a_named_tuple_and_accepts_string_tensors(tmp_path):
    data = _wave_module_file(SAMPLES, 2, rate=8000)
    path = tmp_path / "x.wav"
    path.write_bytes(data)
    res = tf.audio.decode_wav(tf.io.read_file(str(path)))
    assert res._fields == ("audio", "sample_rate")
    assert res.audio.shape == (4, 2) and int(res.sample_rate) == 8000
    np.testing.assert_array_equal(res.audio.numpy(), SAMPLES.reshape(4, 2) / 32768.0)
    np.testing.assert_array_equal(tf.audio.decode_wav(tf.constant(data)).audio.numpy(),
                                  res.audio.numpy())


def test_desired_channels_and_samples():
    stereo = _wave_module_file(SAMPLES, 2)
    frames = SAMPLES.reshape(4, 2) / np.float32(32768)
    # fewer channels: the first ones
    np.testing.assert_array_equal(
        tf.audio.decode_wav(stereo, desired_channels=1).audio.numpy(), frames[:, :1])
    # more channels: the last one repeated (from TensorFlow 2.21: a stereo file decoded
    # with desired_channels=4 gives [c0, c1, c1, c1])
    np.testing.assert_array_equal(
        tf.audio.decode_wav(stereo, desired_channels=4).audio.numpy(),
        frames[:, [0, 1, 1, 1]])
    mono = _wave_module_file(SAMPLES, 1)
    np.testing.assert_array_equal(
        tf.audio.decode_wav(mono, desired_channels=2).audio.numpy(),
        np.repeat(SAMPLES[:, None] / np.float32(32768), 2, axis=1))
    # samples: cropped, or padded with zeros (as the simple_audio tutorial does)
    a = tf.audio.decode_wav(mono, desired_channels=1, desired_samples=3).audio.numpy()
    np.testing.assert_array_equal(a[:, 0], SAMPLES[:3] / np.float32(32768))
    a = tf.audio.decode_wav(mono, desired_samples=10).audio.numpy()
    assert a.shape == (10, 1) and np.all(a[8:] == 0)
    assert tf.audio.decode_wav(mono, desired_channels=0).audio.shape == (8, 0)
    assert tf.audio.decode_wav(mono, desired_samples=0).audio.shape == (0, 1)
    assert tf.audio.decode_wav(mono, desired_samples=tf.constant(2)).audio.shape == (2, 1)
    with pytest.raises(InvalidArgumentError, match="desired_channels must be >= -1"):
        tf.audio.decode_wav(mono, desired_channels=-2)
    with pytest.raises(InvalidArgumentError, match="desired_samples must be >= -1"):
        tf.audio.decode_wav(mono, desired_samples=-2)


def test_chunk_layouts_that_decode():
    d = np.array([1, 2, -3, 4, 5, -6], np.int16).tobytes()
    want = np.array([1, 2, -3, 4, 5, -6])[:, None] / 32768.0
    for data in [_wav(d, fmt_extra=b"\x00\x00"),                               # 18-byte fmt
                 _wav(d, before=b"LIST" + struct.pack("<I", 4) + b"INFO"),      # extra chunk
                 _wav(d, before=b"junk" + struct.pack("<I", 3) + b"abc\x00"),   # odd + pad
                 _wav(d, after=b"LIST" + struct.pack("<I", 4) + b"INFO"),
                 _wav(d, rate=0)]:
        np.testing.assert_array_equal(tf.audio.decode_wav(data).audio.numpy(), want)
    assert tf.audio.decode_wav(_wav(b"")).audio.shape == (0, 1)
    # a data size that is not a whole number of frames: the partial frame is dropped
    odd = _wav(d + b"\x07\x00", ch=2, after=b"LIST\x00\x00\x00\x00")
    assert tf.audio.decode_wav(odd).audio.shape == (3, 2)


@pytest.mark.parametrize("data,match", [
    (b"hello", "expected 'RIFF'"),
    (b"RIF", "cut short"),
    (b"RIFX" + _wav(b"\x00\x00")[4:], "expected 'RIFF'"),
    (_wav(b"\x00\x00")[:8] + b"WAVX" + _wav(b"\x00\x00")[12:], "expected 'WAVE'"),
    (_wav(b"\x00\x00")[:12] + b"fmx " + _wav(b"\x00\x00")[16:], "expected 'fmt '"),
    (_wav(b"\x00\x00", fmt_tag=3), "only PCM"),
    (_wav(b"\x00", bits=8), "16-bit"),
    (_wav(b"\x00\x00\x00", bits=24), "16-bit"),
    (_wav(b"\x00\x00", fmt_tag=0xFFFE, fmt_extra=b"\x16\x00" + b"\x00" * 22), "chunk size 40"),
    (_wav(b"\x00\x00", fmt_size=14), "chunk size 14"),
    (_wav(b"\x00\x00", ch=0), "number of channels"),
    (_wav(b"\x00\x00", block_align=4), "block alignment"),
    (_wav(b"\x00\x00", byte_rate=5), "byte rate"),
    (_wav(b"\x00\x00", data_size=100), "cut short"),
    (_wav(b"\x00\x00")[:-1], "cut short"),
    (_wav(b"\x00\x00", after=b"xx"), "cut short"),
    (_wav(b"\x00\x00", before=b"data" + struct.pack("<I", 2) + b"\x05\x00"), "more than one"),
    (_wav(b"\x00\x00", before=b"LIST" + struct.pack("<I", 400) + b"INFO"), "no data chunk")])
def test_malformed_files(data, match):
    with pytest.raises(InvalidArgumentError, match=match):
        tf.audio.decode_wav(data)


def test_decode_argument_errors():
    with pytest.raises(InvalidArgumentError, match="must be a scalar"):
        tf.audio.decode_wav([_wav(b""), _wav(b"")])
    with pytest.raises(TypeError, match="contents must be bytes"):
        tf.audio.decode_wav(3)
    with pytest.raises(TypeError, match="expected an int for desired_channels"):
        tf.audio.decode_wav(_wav(b""), desired_channels=[1])


# from TensorFlow 2.21:
# tf.audio.encode_wav([[0.0, 0.5], [-0.5, 1.0], [-1.0, 0.25], [2.0, -2.0], [0.3, -0.7]], 44100)
TF_STEREO = (b"RIFF8\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x02\x00D\xac\x00\x00\x10\xb1"
             b"\x02\x00\x04\x00\x10\x00data\x14\x00\x00\x00\x00\x00\x00@\x00\xc0\xff\x7f\x00"
             b"\x80\x00 \xff\x7f\x00\x80f&f\xa6")
# from TensorFlow 2.21: the first channel of the same audio at 8000 Hz
TF_MONO = (b"RIFF.\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00@\x1f\x00\x00\x80>\x00"
           b"\x00\x02\x00\x10\x00data\n\x00\x00\x00\x00\x00\x00\xc0\x00\x80\xff\x7ff&")
AUDIO = [[0.0, 0.5], [-0.5, 1.0], [-1.0, 0.25], [2.0, -2.0], [0.3, -0.7]]


def test_encode_wav_matches_tensorflow_bytes():
    out = tf.audio.encode_wav(tf.constant(AUDIO), 44100)
    assert out.dtype == tf.string and out.shape == ()
    assert out.numpy() == TF_STEREO
    assert tf.audio.encode_wav(tf.constant(AUDIO)[:, :1], 8000).numpy() == TF_MONO
    assert tf.audio.encode_wav(AUDIO, tf.constant(44100)).numpy() == TF_STEREO
    assert tf.audio.encode_wav(np.array(AUDIO), 44100).numpy() == TF_STEREO   # float64 array
    # the header alone for no samples (from TensorFlow 2.21, zeros([0, 2]) at 8000 Hz)
    assert tf.audio.encode_wav(tf.zeros([0, 2]), 8000).numpy() == (
        b"RIFF$\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x02\x00@\x1f\x00\x00\x00}\x00\x00"
        b"\x04\x00\x10\x00data\x00\x00\x00\x00")


def test_encode_wav_rounding():
    # from TensorFlow 2.21: the int16 samples written for these values
    values = [0.5 / 32768, -0.5 / 32768, 1.5 / 32768, 2.5 / 32768, -2.5 / 32768, np.inf,
              -np.inf, np.nan, 1.0000001, -1.0000001, 0.49999, 0.50001, -0.49999, -0.5, 1e-5,
              -1e-5, 0.999999, -0.999999]
    want = [1, -1, 2, 3, -3, 32767, -32768, 0, 32767, -32768, 16384, 16384, -16384, -16384,
            0, 0, 32767, -32768]
    out = tf.audio.encode_wav(np.array(values, np.float32)[:, None], 8000).numpy()
    np.testing.assert_array_equal(np.frombuffer(out[44:], "<i2"), want)


def test_encode_decode_round_trip():
    rng = np.random.default_rng(3)
    ints = rng.integers(-32768, 32768, size=(50, 3)).astype(np.int16)
    audio = ints / np.float32(32768)
    data = tf.audio.encode_wav(audio, 22050)
    back, rate = tf.audio.decode_wav(data)
    assert int(rate) == 22050
    np.testing.assert_array_equal(back.numpy(), audio)
    # and Python's wave module reads what encode_wav writes
    with wave.open(io.BytesIO(data.numpy()), "rb") as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate(), w.getnframes()) == \
            (3, 2, 22050, 50)
        np.testing.assert_array_equal(
            np.frombuffer(w.readframes(50), "<i2").reshape(50, 3), ints)


def test_encode_wav_errors():
    with pytest.raises(InvalidArgumentError, match="2-dimensional"):
        tf.audio.encode_wav(tf.zeros([5]), 8000)
    with pytest.raises(InvalidArgumentError, match="float32"):
        tf.audio.encode_wav(tf.zeros([5, 1], tf.float64), 8000)
    with pytest.raises(TypeError, match="integer"):
        tf.audio.encode_wav(tf.zeros([5, 1]), 8000.0)
    with pytest.raises(InvalidArgumentError, match=r"in \(0, 2\^31\)"):
        tf.audio.encode_wav(tf.zeros([5, 1]), 0)
    with pytest.raises(InvalidArgumentError, match="scalar"):
        tf.audio.encode_wav(tf.zeros([5, 1]), [8000])
    with pytest.raises(InvalidArgumentError, match="int32"):
        tf.audio.encode_wav(tf.zeros([5, 1]), tf.constant(8000, tf.int64))
    with pytest.raises(InvalidArgumentError, match="channels"):
        tf.audio.encode_wav(tf.zeros([3, 0]), 8000)
    with pytest.raises(InvalidArgumentError, match="channels"):
        tf.audio.encode_wav(tf.zeros([1, 70000]), 8000)


def test_the_simple_audio_tutorial_steps(tmp_path):
    # write a short clip, read it back the tutorial's way, and make its spectrogram
    rng = np.random.default_rng(0)
    clip = (np.sin(np.linspace(0, 300, 12000)) * 0.5 + rng.normal(size=12000) * 0.01)
    path = tmp_path / "yes.wav"
    path.write_bytes(_wave_module_file(np.round(clip * 32767).astype(np.int16), 1))
    x = tf.io.read_file(str(path))
    x, sample_rate = tf.audio.decode_wav(x, desired_channels=1, desired_samples=16000)
    x = tf.squeeze(x, axis=-1)
    assert x.shape == (16000,) and int(sample_rate) == 16000
    spectrogram = tf.abs(tf.signal.stft(x, frame_length=255, frame_step=128))
    spectrogram = spectrogram[..., tf.newaxis]
    assert spectrogram.shape == (124, 129, 1) and spectrogram.dtype == tf.float32
    assert np.all(np.isfinite(spectrogram.numpy()))
    assert float(tf.reduce_max(spectrogram)) > 1.0
