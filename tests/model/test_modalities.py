"""Each modality net: registered name, output shapes, padding masks, the spectral net's frequency axis."""
import math

import numpy as np
import pytest
import tensorflow as tf

from t2t_mm import registry
from t2t_mm.errors import UserError
import t2t_mm.models  # noqa: F401  (registers the model and the modalities)
from helpers import tiny_model_hparams

H = 16


def _net(name, size=0, overrides=""):
    hp = tiny_model_hparams(overrides)
    return registry.modality(name)(hp.values(), size)


def test_all_modalities_are_registered():
    for name in ("symbol", "image", "audio_waveform", "audio_spectral", "class_label"):
        assert registry.modality(name).registered_name == name


def test_symbol_bottom_masks_padding_and_top_gives_vocab_logits():
    net = _net("symbol", 11)
    ids = tf.constant([[3, 4, 1, 0, 0]])
    x, mask = net.bottom(ids)
    assert x.shape == (1, 5, H)
    np.testing.assert_array_equal(mask.numpy(), [[1, 1, 1, 0, 0]])
    np.testing.assert_array_equal(x.numpy()[0, 3:], 0.0)
    table = net.embedding.embeddings.numpy()
    np.testing.assert_allclose(x.numpy()[0, 0], table[3] * math.sqrt(H), rtol=1e-5)
    logits = net.top(x)
    assert logits.shape == (1, 5, 11) and logits.dtype == tf.float32


def test_tied_symbol_weights_use_the_embedding_as_softmax():
    net = _net("symbol", 11, "tie_symbol_weights=true")
    x = tf.random.normal([2, 3, H])
    logits = net.top(x)
    np.testing.assert_allclose(logits.numpy(), x.numpy() @ net.embedding.embeddings.numpy().T, rtol=1e-4,
                               atol=1e-5)
    assert net.softmax is None
    with pytest.raises(UserError, match="vocab"):
        _net("symbol", 0)


def test_image_entry_flow_flattens_downsampled_map():
    net = _net("image", overrides="image_filters=[4,8,8]")       # strided first step + 2 ConvRes: 8
    x, mask = net.bottom(tf.random.normal([2, 32, 24, 3]))
    assert x.shape == (2, 4 * 3, H)
    np.testing.assert_array_equal(mask.numpy(), 1.0)
    with pytest.raises(UserError, match="image"):
        net.bottom(tf.random.normal([2, 16, 12]))


def test_waveform_net_strides_time_and_masks_the_padded_tail():
    net = _net("audio_waveform")                                  # 3 blocks: stride 8, 2/4/8 filters
    wave = np.random.RandomState(0).randn(2, 80).astype(np.float32)
    wave[1, 20:] = 0.0                                            # second example: 20 samples
    x, mask = net.bottom(tf.constant(wave))
    assert x.shape == (2, 10, H)
    np.testing.assert_array_equal(mask.numpy()[0], 1.0)
    np.testing.assert_array_equal(mask.numpy()[1], [1, 1, 1] + [0] * 7)
    assert [b.filters for b in net.blocks] == [16, 16, 16]       # max(2^i, audio_min_filters=16)
    wide = _net("audio_waveform", overrides="audio_min_filters=1,audio_blocks=5")
    assert [b.filters for b in wide.blocks] == [2, 4, 8, 16, 32]  # the paper's l_i = ConvRes(l_{i-1}, 2^i)


@pytest.mark.parametrize("kind", ["log_mel", "log_magnitude"])
def test_spectral_net_never_strides_frequency(kind):
    net = _net("audio_spectral", overrides=f"audio_spectrogram={kind}")
    wave = tf.random.normal([2, 128 * 16])
    spec = net.spectrogram(wave)
    frames, bins = spec.shape[1], spec.shape[2]
    assert bins == (8 if kind == "log_mel" else 129)
    stacked, _ = net._stack(spec[..., None], tf.ones(spec.shape))
    assert net.time_reduction() == 4                                # spectral_time_strides=2
    assert stacked.shape[1:] == (math.ceil(frames / 4), bins, 16)  # time /4, frequency untouched
    x, mask = net.bottom(wave)
    assert x.shape == (2, math.ceil(frames / 4), H) and mask.shape == (2, math.ceil(frames / 4))
    with pytest.raises(UserError, match="audio_spectrogram"):
        _net("audio_spectral", overrides="audio_spectrogram=mfcc")


def test_class_label_top_gives_class_logits():
    net = _net("class_label", 7)
    logits = net.top((tf.random.normal([3, 4, 4, H]), tf.ones([3, 4, 4])))
    assert logits.shape == (3, 7) and logits.dtype == tf.float32
    with pytest.raises(UserError, match="input modality"):
        net.bottom(tf.zeros([3, 4]))


def _speechlike(samples=128 * 24, seed=0):
    """A tone burst in quiet noise, 0-padded tail: real frames of very different loudness."""
    rng = np.random.RandomState(seed)
    t = np.arange(samples) / 16000.0
    wave = 0.01 * rng.randn(samples) + np.where(t < 0.08, np.sin(2 * np.pi * 440 * t), 0.0)
    wave[samples * 3 // 4:] = 0.0
    return wave.astype(np.float32)[None, :]


@pytest.mark.parametrize("name", ["audio_spectral", "audio_waveform"])
def test_audio_output_has_shared_body_scale_whatever_the_projection(name):
    """The audio net's output is layer-normalized: with the projection blown up 100x (as training grew
    it ~10x, which collapsed the encoder MoE's routing of speech onto 2 experts) real positions still
    have RMS ~1 and padding stays 0."""
    net = _net(name)
    wave = tf.constant(_speechlike())
    net.bottom(wave)
    net.project.kernel.assign(net.project.kernel * 100.0)
    x, mask = net.bottom(wave)
    real = x.numpy()[mask.numpy() > 0]
    assert 0.5 < np.sqrt(np.mean(real ** 2)) < 2.0
    np.testing.assert_array_equal(x.numpy()[mask.numpy() == 0], 0.0)


def test_spectral_features_are_normalized_per_utterance_over_real_frames():
    """Log-mel features get per-bin mean 0 / variance 1 over the real frames, so the recording's gain
    (a constant offset in log space) does not change the net's output, and padding adds nothing."""
    from t2t_mm.modalities.audio import normalize_per_utterance
    feats = tf.constant(np.random.RandomState(1).randn(2, 6, 3).astype(np.float32) * 5 - 13)
    mask = tf.constant([[1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 0, 0]], tf.float32)
    out = normalize_per_utterance(feats, mask).numpy()
    np.testing.assert_allclose(out[0].mean(0), 0.0, atol=1e-5)
    np.testing.assert_allclose(out[1, :4].std(0), 1.0, rtol=1e-3)
    np.testing.assert_array_equal(out[1, 4:], 0.0)
    net = _net("audio_spectral", overrides="audio_spectrogram=log_magnitude")
    wave = _speechlike()
    quiet, _ = net.bottom(tf.constant(wave))
    loud, _ = net.bottom(tf.constant(wave * 30.0))
    np.testing.assert_allclose(loud.numpy(), quiet.numpy(), atol=2e-2)
