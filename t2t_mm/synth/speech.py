"""Spoken-like audio of short word sequences at 16 kHz, with transcripts.

Source-filter synthesis: a harmonic series on a pitch contour f0(t), each harmonic weighted by three
formant resonances that glide between the phones' targets (phones.py), plus band-limited noise for
fricatives and stop bursts. Each utterance draws its own pitch, speaking rate, vocal-tract scale, pause
lengths and background noise level, so a model must learn the words, not one voice.
"""
import numpy as np

from t2t_mm.errors import UserError
from t2t_mm.synth import phones

SAMPLE_RATE = 16000
HOP = 80  # samples per control frame (5 ms)
MIN_SECONDS, MAX_SECONDS = 0.5, 2.0
_BANDWIDTHS = np.array([90.0, 130.0, 180.0])
_FORMANT_GAINS = np.array([1.0, 0.55, 0.3])
_TOP_HZ = 3800.0  # highest harmonic drawn
_FRAME_MULTIPLE = 8


def _plan(rng, words, speed):
    """Per-frame voicing and formant targets (NaN where none) and the noise events, in frames."""
    voicing, formants, noise = [], [], []

    def silence(ms):
        n = int(round(ms / 5))
        voicing.extend([0.0] * n)
        formants.extend([(np.nan,) * 3] * n)

    silence(rng.uniform(30, 120))
    for i, word in enumerate(words):
        word_speed = speed * rng.uniform(0.9, 1.1)
        for phone in phones.expand(word):
            n = max(3, int(round(phone.ms / 5 / word_speed)))
            start = len(voicing)
            if phone.kind == "stop":  # closure, then a burst
                silence(5 * (n // 2))
                start, n = len(voicing), n - n // 2
            voicing.extend([phone.voicing] * n)
            formants.extend([phone.formants or (np.nan,) * 3] * n)
            if phone.noise:
                noise.append((start, n) + phone.noise)
        if i + 1 < len(words):
            silence(rng.uniform(30, 150) / speed)
    silence(rng.uniform(30, 120))
    return np.array(voicing), np.array(formants, dtype=np.float64), noise


def _smooth(track, frames):
    kernel = np.ones(frames) / frames
    padded = np.pad(track, (frames // 2, frames - 1 - frames // 2), mode="edge")
    return np.convolve(padded, kernel, mode="valid")


def _fill_formants(formants):
    """Interpolate formants through unvoiced frames and smooth them into glides (coarticulation)."""
    frames = np.arange(len(formants))
    filled = np.empty_like(formants)
    for j in range(3):
        known = ~np.isnan(formants[:, j])
        filled[:, j] = np.interp(frames, frames[known], formants[known, j])
        filled[:, j] = _smooth(filled[:, j], 6)
    return filled


def _to_samples(frames_track, length):
    """Linear interpolation of a [..., F] frame track to [..., length] samples."""
    frames = frames_track.shape[-1]
    position = np.clip((np.arange(length) + 0.5) / HOP - 0.5, 0.0, frames - 1)
    i0 = position.astype(np.int64)
    i1 = np.minimum(i0 + 1, frames - 1)
    w = (position - i0).astype(np.float32)
    return frames_track[..., i0] * (1 - w) + frames_track[..., i1] * w


def _voiced(f0, formants, voicing):
    """Sum of harmonics of f0 shaped by the formant resonances, float32 at SAMPLE_RATE.

    Drawn at half rate (every harmonic is under 4 kHz) with f0 constant within a frame, amplitudes
    interpolated linearly across it, then upsampled by FFT zero-padding.
    """
    half_hop, frames = HOP // 2, len(f0)
    count = int(_TOP_HZ // f0.min())
    k = np.arange(1, count + 1, dtype=np.float64)[:, None]
    freq = k * f0[None, :]  # [K, F]
    offsets = (freq[:, :, None] - formants[None, :, :]) / (_BANDWIDTHS / 2)
    envelope = (_FORMANT_GAINS / (1.0 + offsets ** 2)).sum(-1)  # resonance power response
    amplitude = (envelope * voicing[None, :] / k ** 0.6 * (freq < _TOP_HZ)).astype(np.float32)
    step = np.repeat(2 * np.pi * f0 / (SAMPLE_RATE / 2), half_hop)
    theta = np.cumsum(step) - step
    cos2 = (2 * np.cos(theta)).astype(np.float32)
    harmonics = np.empty((count, frames * half_hop), np.float32)  # sin((j+1) theta), Chebyshev recurrence
    harmonics[0] = np.sin(theta)
    if count > 1:
        harmonics[1] = cos2 * harmonics[0]
    for j in range(2, count):
        np.multiply(cos2, harmonics[j - 1], out=harmonics[j])
        harmonics[j] -= harmonics[j - 2]
    harmonics = harmonics.reshape(count, frames, half_hop).transpose(1, 0, 2)  # [F, K, h]
    next_amplitude = np.concatenate([amplitude[:, 1:], amplitude[:, -1:]], axis=1)
    here = np.matmul(amplitude.T[:, None, :], harmonics)[:, 0, :]  # [F, h]
    there = np.matmul(next_amplitude.T[:, None, :], harmonics)[:, 0, :]
    w = (np.arange(half_hop, dtype=np.float32) / half_hop)[None, :]
    half = (here * (1 - w) + there * w).reshape(-1)
    spectrum = np.fft.rfft(half)
    padded = np.zeros(len(half) + 1, np.complex128)
    padded[:len(spectrum)] = spectrum
    return (2 * np.fft.irfft(padded, 2 * len(half))).astype(np.float32)


def _band_noise(rng, length, centre, width):
    """Unit-RMS white noise shaped to a Gaussian band around centre (Hz)."""
    spectrum = np.fft.rfft(rng.standard_normal(length))
    freqs = np.fft.rfftfreq(length, 1.0 / SAMPLE_RATE)
    noise = np.fft.irfft(spectrum * np.exp(-0.5 * ((freqs - centre) / (width / 2)) ** 2), length)
    return noise / (np.sqrt(np.mean(noise ** 2)) + 1e-9)


def synthesize(rng, words):
    """float32 audio in [-1, 1] of the words (names from phones.VOCABULARY) in one random voice."""
    unknown = [w for w in words if w not in phones.WORDS]
    if unknown or not words:
        raise UserError(f"synthesize: words must be a non-empty list from {phones.VOCABULARY}, got {words!r}")
    speed = rng.uniform(0.8, 1.25)
    voicing, formants, noise = _plan(rng, words, speed)
    longest = int(MAX_SECONDS * SAMPLE_RATE / HOP) - _FRAME_MULTIPLE
    while len(voicing) > longest:  # too long: speak faster
        speed *= len(voicing) / longest * 1.02
        voicing, formants, noise = _plan(rng, words, speed)
    # Trailing silence up to the minimum length and to a multiple of 8 frames (FFT-friendly sizes).
    frames = max(len(voicing), int(MIN_SECONDS * SAMPLE_RATE / HOP))
    frames = -(-frames // _FRAME_MULTIPLE) * _FRAME_MULTIPLE
    if len(voicing) < frames:
        pad = frames - len(voicing)
        voicing = np.concatenate([voicing, np.zeros(pad)])
        formants = np.concatenate([formants, np.full((pad, 3), np.nan)])
    frames, length = len(voicing), len(voicing) * HOP
    formants = _fill_formants(formants) * rng.uniform(0.9, 1.15)  # vocal tract length
    voicing = _smooth(voicing, 4)  # onset and offset ramps
    base = rng.uniform(90, 220)
    drift = _smooth(np.cumsum(rng.normal(0, 0.01, frames)), 10)
    f0 = base * (1 - 0.15 * np.arange(frames) / frames) * np.exp(np.clip(drift, -0.2, 0.2))
    audio = _voiced(f0, formants, voicing)
    vowels = _to_samples((voicing > 0.5).astype(np.float32), length) > 0.5
    audio *= 0.3 / (np.sqrt(np.mean(audio[vowels] ** 2)) + 1e-9)  # vowel RMS 0.3: noise levels are relative
    for start, n, centre, width, level in noise:
        ramp = np.minimum(1.0, np.minimum(np.arange(n * HOP) + 1, np.arange(n * HOP)[::-1] + 1) / 80.0)
        audio[start * HOP:(start + n) * HOP] += (0.6 * level * ramp * _band_noise(rng, n * HOP, centre, width))
    speech_rms = np.sqrt(np.mean(audio ** 2))
    snr_db = rng.uniform(12, 35)
    hiss = _band_noise(rng, length, rng.uniform(500, 4000), rng.uniform(3000, 16000))
    audio += speech_rms * 10 ** (-snr_db / 20) * hiss
    audio *= rng.uniform(0.3, 0.95) / np.max(np.abs(audio))
    return audio.astype(np.float32)


def utterances(seed, count):
    """Yield `count` {"audio": float32 [S], "sample_rate": 16000, "transcript": "three one four"}."""
    for name, value, low in (("seed", seed, None), ("count", count, 0)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or (low is not None and value < low):
            raise UserError(f"utterances: {name} must be {'a non-negative' if low == 0 else 'an'} integer, "
                            f"got {value!r}")
    rng = np.random.default_rng(seed)
    for _ in range(count):
        words = [str(w) for w in rng.choice(phones.VOCABULARY, size=int(rng.integers(2, 7)))]
        yield {"audio": synthesize(rng, words), "sample_rate": SAMPLE_RATE, "transcript": " ".join(words)}
