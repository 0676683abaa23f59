"""``tf.audio``: decode and encode 16-bit PCM WAV files."""
from ndflow.audio._wav import decode_wav, encode_wav, DecodeWav

__all__ = ["decode_wav", "encode_wav", "DecodeWav"]
