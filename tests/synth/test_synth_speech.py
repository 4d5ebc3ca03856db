"""The mini speech generator: determinism, ranges, and words that differ in their spectra."""
import numpy as np
import pytest

from t2t_mm.errors import UserError
from t2t_mm.synth import phones, speech
from t2t_mm.synth.speech import SAMPLE_RATE, utterances

SAMPLE = list(utterances(11, 60))


def _spectral_feature(audio):
    """Log band energies (16 bands, 20 ms frames) averaged over the first/middle/last third of the word."""
    frames = audio[: len(audio) // 320 * 320].reshape(-1, 320)
    power = np.abs(np.fft.rfft(frames * np.hanning(320), axis=1)) ** 2
    bands = np.log(np.stack([b.sum(1) for b in np.array_split(power, 16, axis=1)], 1) + 1e-8)
    energy = power.sum(1)
    active = bands[energy > 0.05 * energy.max()]
    feature = np.concatenate([part.mean(0) for part in np.array_split(active, 3)])
    return feature - feature.mean()


def _f0(audio):
    """Pitch of the loudest 40 ms by autocorrelation (75-260 Hz, the generator's range)."""
    window = 640
    energy = np.convolve(audio ** 2, np.ones(window), mode="valid")
    start = int(np.argmax(energy))
    segment = audio[start:start + window] - audio[start:start + window].mean()
    corr = np.correlate(segment, segment, mode="full")[window - 1:]
    low, high = SAMPLE_RATE // 260, SAMPLE_RATE // 75
    return SAMPLE_RATE / (low + int(np.argmax(corr[low:high])))


def test_same_seed_same_bytes_and_different_seeds_differ():
    again = list(utterances(11, 60))
    for a, b in zip(SAMPLE, again):
        assert a["audio"].tobytes() == b["audio"].tobytes() and a["transcript"] == b["transcript"]
    other = next(utterances(12, 1))
    assert other["audio"].tobytes() != SAMPLE[0]["audio"].tobytes()


def test_lengths_amplitudes_and_transcripts_in_range():
    for u in SAMPLE:
        audio = u["audio"]
        assert audio.dtype == np.float32 and audio.ndim == 1 and u["sample_rate"] == 16000
        assert 0.5 <= len(audio) / SAMPLE_RATE <= 2.0
        assert np.abs(audio).max() <= 1.0 and np.abs(audio).max() > 0.2
        words = u["transcript"].split()
        assert 2 <= len(words) <= 6 and set(words) <= set(phones.VOCABULARY)
    lengths = [len(u["audio"]) for u in SAMPLE]
    assert max(lengths) - min(lengths) > 0.5 * SAMPLE_RATE


def test_different_words_have_different_spectra():
    rng = np.random.default_rng(0)
    features = {w: [_spectral_feature(speech.synthesize(rng, [w])) for _ in range(9)]
                for w in phones.VOCABULARY}
    centroids = {w: np.mean(f[:6], axis=0) for w, f in features.items()}
    correct = total = 0
    for word, held_out in features.items():  # other voices of the word, nearest-centroid classified
        for f in held_out[6:]:
            correct += min(centroids, key=lambda c: np.linalg.norm(f - centroids[c])) == word
            total += 1
    assert correct / total >= 0.8, correct / total
    words = list(centroids)
    closest = min(np.linalg.norm(centroids[a] - centroids[b]) for a in words for b in words if a != b)
    assert closest > 1.0


def test_pitch_speed_and_noise_vary_between_utterances():
    rng = np.random.default_rng(1)
    same_words = [speech.synthesize(rng, ["three", "five"]) for _ in range(12)]
    pitches = [_f0(a) for a in same_words]
    assert max(pitches) - min(pitches) > 40, pitches
    assert len({len(a) for a in same_words}) > 4  # speaking rate and pauses vary
    # Noise floor: the leading silence holds only background noise; its level relative to the peak varies.
    floors = [np.sqrt(np.mean(u["audio"][:240] ** 2)) / np.abs(u["audio"]).max() for u in SAMPLE]
    assert min(floors) > 0 and max(floors) / min(floors) > 3


def test_bad_input_is_a_user_error():
    with pytest.raises(UserError, match="words"):
        speech.synthesize(np.random.default_rng(0), ["eleven"])
    with pytest.raises(UserError, match="count"):
        next(utterances(0, -1))
