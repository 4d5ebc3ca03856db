"""Audio is stored as 16-bit PCM: exact for 16-bit sources, half of float32's bytes, older float32
shards still read, and a waveform outside [-1, 1] is refused with the fix."""
from types import SimpleNamespace

import numpy as np
import pytest
import tensorflow as tf

from t2t_mm.data.codecs import AudioCodec, _floats, _int64

PROBLEM = SimpleNamespace(name="my_speech", sample_rate=16000)


def _read(features):
    record = tf.train.Example(features=tf.train.Features(feature=features)).SerializeToString()
    codec = AudioCodec()
    return codec.decode(tf.io.parse_single_example(record, codec.parse_spec()), PROBLEM, False).numpy(), record


def test_16_bit_samples_come_back_exactly_from_half_the_bytes():
    samples = np.random.default_rng(0).integers(-32768, 32768, 16000).astype(np.int16)
    wave = samples.astype(np.float32) / 32768.0   # what the SPHERE and FLAC readers give
    features = AudioCodec().to_features({"audio": wave, "sample_rate": 16000}, PROBLEM, None)
    decoded, record = _read(features)
    assert decoded.dtype == np.float32 and np.array_equal(decoded, wave)
    _, float_record = _read({"audio/samples": _floats(wave.tolist()), "audio/sample_rate": _int64([16000])})
    assert len(record) < 0.55 * len(float_record)


def test_float_waveforms_round_to_the_nearest_16_bit_step():
    wave = 0.9 * np.sin(np.linspace(0, 20, 999)).astype(np.float32)
    decoded, _ = _read(AudioCodec().to_features({"audio": wave}, PROBLEM, None))
    assert decoded.shape == wave.shape and np.max(np.abs(decoded - wave)) <= 0.5 / 32768 + 1e-7


def test_shards_written_with_float32_samples_still_read():
    wave = np.linspace(-0.5, 0.5, 321).astype(np.float32)
    decoded, _ = _read({"audio/samples": _floats(wave.tolist()), "audio/sample_rate": _int64([16000])})
    assert np.array_equal(decoded, wave)


@pytest.mark.parametrize("bad, peak", [(np.full(10, 300.0), "300"), (np.array([0.1, np.nan]), "nan")])
def test_a_waveform_outside_minus_one_to_one_is_refused_with_the_fix(bad, peak):
    with pytest.raises(ValueError, match=rf"my_speech: sample\['audio'\] must be a waveform in \[-1, 1\], "
                                         rf"got a peak of {peak} \(divide 16-bit samples by 32768"):
        AudioCodec().to_features({"audio": bad}, PROBLEM, None)
