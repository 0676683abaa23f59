"""``tf.signal``: FFTs, framing, windows, short-time Fourier transforms, mel filter banks,
MFCCs and DCTs.  The primitives (with their gradients) live in
``ndflow.ops.signal_ops``; this namespace re-exports them with the composites."""
from ndflow.ops.signal_ops import (fft, ifft, fft2d, ifft2d, fft3d, ifft3d, rfft, irfft,
                                   rfft2d, irfft2d, rfft3d, irfft3d, fftshift, ifftshift,
                                   frame, overlap_and_add, dct, idct)
from ndflow.signal._windows import (hann_window, hamming_window, kaiser_window,
                                    kaiser_bessel_derived_window, vorbis_window)
from ndflow.signal._spectral import (stft, inverse_stft, inverse_stft_window_fn,
                                     mfccs_from_log_mel_spectrograms, mdct, inverse_mdct)
from ndflow.signal._mel import linear_to_mel_weight_matrix

__all__ = ["fft", "ifft", "fft2d", "ifft2d", "fft3d", "ifft3d", "rfft", "irfft", "rfft2d",
           "irfft2d", "rfft3d", "irfft3d", "fftshift", "ifftshift", "frame",
           "overlap_and_add", "dct", "idct", "hann_window", "hamming_window",
           "kaiser_window", "kaiser_bessel_derived_window", "vorbis_window", "stft",
           "inverse_stft", "inverse_stft_window_fn", "mfccs_from_log_mel_spectrograms",
           "linear_to_mel_weight_matrix", "mdct", "inverse_mdct"]
