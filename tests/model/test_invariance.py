"""What training sees is what decoding sees: in training mode, at the default (training) capacity and
with uneven MoE gates, a decoder position never depends on later targets, no output depends on how much
padding there is, and an example gives the same logits and decode alone as in a batch."""
import numpy as np
import pytest
import tensorflow as tf

from t2t_mm import registry
from t2t_mm.decoding.greedy import greedy_decode
from t2t_mm.spec import ProblemSpec
import t2t_mm.models  # noqa: F401  (registers the model and the modalities)
from helpers import VOCAB, tiny_model_hparams

TEXT = ProblemSpec("text", "symbol", "symbol", 1, vocab_size=VOCAB)
# Float32 sums in another order (a batch of 1 and of 5 take other matmul blockings) differ by up to
# ~1e-4 in logits of magnitude ~5 (one such element failed at atol=1e-4 under xdist); a real leak across
# positions, padding or rows moves logits by 1e-1 to 3.
CLOSE = dict(rtol=1e-4, atol=1e-3)


def _uneven_model(spec=TEXT):
    """Tiny model (dropout 0) whose MoE gates strongly prefer a few experts (so capacity binds), noise
    off so training mode is deterministic."""
    model = registry.model("multimodel")(tiny_model_hparams(), [spec]).build_all()
    rng = np.random.RandomState(3)
    for layer in model.moe_layers():
        layer.noisy_gating = False
        w = layer.w_gate
        w.assign((rng.randn(*w.shape) * 3.0 + np.linspace(0, 2, w.shape[1])[None, :]).astype(np.float32))
    return model


def _text(batch=4, length=7, target_length=16, seed=0):
    rng = np.random.RandomState(seed)
    inputs = rng.randint(2, VOCAB, (batch, length)).astype(np.int32)
    targets = rng.randint(2, VOCAB, (batch, target_length)).astype(np.int32)
    return {"inputs": inputs, "targets": targets, "target_space_id": np.ones(batch, np.int32)}


def test_training_mode_decoder_is_causal_at_the_training_capacity():
    model = _uneven_model()
    features = _text()
    before = model(features, training=True).numpy()
    assert float(model.decoder.moe.dropped_fraction.numpy()) > 0, "the gates must be uneven enough to drop"
    for t in (3, 6):
        edited = dict(features, targets=features["targets"].copy())
        edited["targets"][:, t + 1:] = (edited["targets"][:, t + 1:] + 5) % (VOCAB - 2) + 2
        after = model(edited, training=True).numpy()
        np.testing.assert_allclose(after[:, :t + 2], before[:, :t + 2], **CLOSE)


def test_padding_never_changes_real_positions_in_training():
    model = _uneven_model()
    features = _text()
    before = model(features, training=True).numpy()
    padded = dict(features, inputs=np.pad(features["inputs"], [(0, 0), (0, 24)]),
                  targets=np.pad(features["targets"], [(0, 0), (0, 6)]))
    after = model(padded, training=True).numpy()
    np.testing.assert_allclose(after[:, :16], before, **CLOSE)


def test_an_example_decodes_the_same_alone_and_in_a_batch():
    model = _uneven_model()
    features = _text(batch=5)
    batch_logits = model(features, training=True).numpy()
    decode = tf.function(lambda f: greedy_decode(model, f, TEXT.name, 8))
    batch_ids = decode({k: tf.constant(v) for k, v in features.items() if k != "targets"})["ids"].numpy()
    for row in (0, 3):
        alone = {k: v[row:row + 1] for k, v in features.items()}
        np.testing.assert_allclose(model(alone, training=True).numpy()[0], batch_logits[row], **CLOSE)
        shorter = dict(alone, inputs=np.pad(alone["inputs"], [(0, 0), (0, 5)]))   # other padding too
        ids = decode({k: tf.constant(v) for k, v in shorter.items() if k != "targets"})["ids"].numpy()
        np.testing.assert_array_equal(ids[0], batch_ids[row])


@pytest.mark.parametrize("modality", ["audio_waveform", "audio_spectral"])
def test_audio_padding_never_changes_real_frames(modality):
    spec = ProblemSpec("speech", modality, "symbol", 1, vocab_size=VOCAB)
    model = registry.model("multimodel")(tiny_model_hparams("use_moe=False"), [spec]).build_all()
    net = model.modality_nets[modality]
    rng = np.random.RandomState(0)
    wave = (rng.randn(2, 128 * 24) * 0.3).astype(np.float32)
    x, mask = (t.numpy() for t in net(wave, training=True))
    padded_x, padded_mask = (t.numpy() for t in net(np.pad(wave, [(0, 0), (0, 128 * 24)]), training=True))
    real = int(mask[0].sum())
    assert real == x.shape[1] and padded_mask[0].sum() == real
    np.testing.assert_allclose(padded_x[:, :real], x, **CLOSE)
    np.testing.assert_array_equal(padded_x[:, real:], 0.0)
    logits = model({"inputs": wave, "targets": np.full((2, 3), 2, np.int32)}, training=True).numpy()
    padded_logits = model({"inputs": np.pad(wave, [(0, 0), (0, 128 * 24)]),
                           "targets": np.full((2, 3), 2, np.int32)}, training=True).numpy()
    np.testing.assert_allclose(padded_logits, logits, **CLOSE)


def test_real_targets_only_gives_the_real_positions_logits_and_the_same_gradients():
    """The training step's real_targets_only path (output layer and loss on real targets only) is the
    full path with the padding dropped: same logits there, same loss, same gradients."""
    from t2t_mm.training import losses
    model = _uneven_model()
    features = _text()
    features["targets"][0, 9:] = 0
    features["targets"][2, 4:] = 0
    results = []
    for real_only in (False, True):
        with tf.GradientTape() as tape:
            logits = model(features, training=True, real_targets_only=real_only)
            targets = losses.real_targets(features["targets"]) if real_only else features["targets"]
            loss = losses.loss_sum(TEXT, logits, targets, 0.1)
        results.append((logits.numpy(), float(loss), tape.gradient(loss, model.trainable_variables)))
    (full, full_loss, full_grads), (real, real_loss, real_grads) = results
    assert real.shape == (int((features["targets"] != 0).sum()), VOCAB)
    np.testing.assert_allclose(real, full[features["targets"] != 0], **CLOSE)
    assert real_loss == pytest.approx(full_loss, rel=1e-5)
    for a, b in zip(full_grads, real_grads):
        if a is not None:
            np.testing.assert_allclose(tf.convert_to_tensor(b).numpy(), tf.convert_to_tensor(a).numpy(),
                                       rtol=1e-3, atol=1e-5)
