"""Mixed precision: the precision hparam and --precision, a training step of every modality under
mixed_bfloat16 and mixed_float16 on CPU (finite loss, float32 logits and MoE gating), the optimizer's
dynamic loss scale (skips a step with an inf gradient, halves, grows back, is checkpointed), and
mm-decoder's restore of a run trained under a mixed policy."""
import keras
import numpy as np
import pytest
import tensorflow as tf

import t2t_mm.models  # noqa: F401  (registers the model and the modalities)
from helpers import CLASSES, VOCAB, pair_spec, tiny_model_hparams
from t2t_mm import hparams_lib, registry
from t2t_mm.errors import HParamsError, UserError
from t2t_mm.training import losses, optimizer as optimizer_lib, trainer
from training_helpers import fake_config

POLICIES = ["mixed_bfloat16", "mixed_float16"]
# every modality: text in/out, image in, class label out, audio waveform in, audio spectral in
PAIRS = [("symbol", "symbol"), ("image", "class_label"), ("audio_waveform", "symbol"),
         ("audio_spectral", "symbol")]


def _features(spec, batch=2, target_length=4):
    rng = np.random.RandomState(0)
    inputs = {"symbol": lambda: rng.randint(2, VOCAB, (batch, 6)).astype(np.int32),
              "image": lambda: rng.randn(batch, 16, 16, 3).astype(np.float32),
              "audio_waveform": lambda: rng.randn(batch, 96).astype(np.float32),
              "audio_spectral": lambda: rng.randn(batch, 128 * 12).astype(np.float32)}[spec.input_modality]()
    targets = (rng.randint(2, VOCAB, (batch, target_length)) if spec.text_targets
               else rng.randint(0, CLASSES, (batch,))).astype(np.int32)
    return {"inputs": tf.constant(inputs), "targets": tf.constant(targets),
            "target_space_id": tf.constant(np.full((batch,), spec.target_space_id, np.int32))}


@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.parametrize("inputs,targets", PAIRS)
def test_every_modality_trains_a_step_under_mixed_precision(policy, inputs, targets):
    spec = pair_spec(inputs, targets)
    hp = tiny_model_hparams().declare_ranges(hparams_lib.RANGES).parse(f"precision={policy}")
    with trainer.dtype_policy(hp.precision):
        model = registry.model("multimodel")(hp, [spec])
        features = _features(spec)
        model(features, problem=spec.name, training=True)
    assert keras.config.dtype_policy().name == "float32"   # restored for the rest of the process
    adam = optimizer_lib.Adam.from_hparams(hp)
    assert (getattr(adam, "loss_scale", None) is not None) == (policy == "mixed_float16")
    adam.build(model.trainable_variables)
    before = [v.numpy().copy() for v in model.trainable_variables]
    if policy == "mixed_float16":
        adam.loss_scale.scale.assign(2.0 ** 12)   # (2^15 by default) fewer eager steps to show the halving

    def step(features):   # eagerly (tracing would cost more than the step), as the trainer's step does it:
        real_only = spec.text_targets   # text: output layer and loss on the real targets only
        with tf.GradientTape() as tape:
            logits = model(features, problem=spec.name, training=True, real_targets_only=real_only)
            targets = losses.real_targets(features["targets"]) if real_only else features["targets"]
            weight = tf.reduce_sum(losses.loss_weights(spec, features["targets"]))
            loss = losses.loss_sum(spec, logits, targets, 0.1) / weight + tf.add_n(model.losses)
            scaled = adam.scale_loss(loss)
        grads = tape.gradient(scaled, model.trainable_variables)
        norm = adam.apply_gradients(grads, model.trainable_variables, 1e-3)
        return logits, loss, norm

    logits, loss, norm = step(features)
    skipped = 0
    while policy == "mixed_float16" and float(norm) == 0.0 and skipped < 16:
        # a scale that overflows float16 gradients: the step is skipped and the scale halved
        assert all(np.array_equal(b, v.numpy()) for b, v in zip(before, model.trainable_variables))
        skipped += 1
        assert float(adam.loss_scale.scale) == 2.0 ** (12 - skipped)
        logits, loss, norm = step(features)
    assert logits.dtype == tf.float32 and np.isfinite(logits.numpy()).all()
    assert np.isfinite(float(loss)) and np.isfinite(float(norm)) and float(norm) > 0
    moe = model.encoder.moe
    assert moe.compute_dtype == policy.split("_")[1] and moe.w_gate.dtype == "float32"
    assert all(v.dtype == "float32" for v in model.trainable_variables)
    changed = [not np.array_equal(b, v.numpy()) for b, v in zip(before, model.trainable_variables)]
    assert sum(changed) > len(changed) // 2
    assert all(np.isfinite(v.numpy()).all() for v in model.trainable_variables)


def test_loss_scale_skips_an_inf_gradient_halves_and_grows_back():
    scale = optimizer_lib.LossScale(initial_scale=1024.0, growth_interval=2)
    adam = optimizer_lib.Adam(loss_scale=scale)
    var = tf.Variable([1.0, 2.0])
    adam.build([var])
    m, v = adam.slots(var)
    assert float(adam.scale_loss(tf.constant(3.0))) == 3.0 * 1024

    def apply(grad):
        return float(adam.apply_gradients([tf.constant(grad)], [var], 0.1))

    assert apply([np.inf, 1.0]) == 0.0                     # skipped: nothing moves
    np.testing.assert_array_equal(var.numpy(), [1.0, 2.0])
    assert not m.numpy().any() and not v.numpy().any()
    assert float(scale.scale) == 512.0 and int(scale.good_steps) == 0
    assert apply([np.nan, 0.0]) == 0.0 and float(scale.scale) == 256.0
    # finite: gradients are divided by the scale before Adam (norm of [3, 4] * 256 / 256 = 5)
    assert apply([3.0 * 256, 4.0 * 256]) == pytest.approx(5.0)
    assert (var.numpy() < [1.0, 2.0]).all() and float(scale.scale) == 256.0
    assert apply([256.0, 256.0]) > 0 and float(scale.scale) == 512.0   # 2 good steps: doubled
    assert int(scale.good_steps) == 0

    path = tf.train.Checkpoint(optimizer=adam).save(str(pytest.tmp_dir / "ckpt"))
    other = optimizer_lib.Adam(loss_scale=optimizer_lib.LossScale())
    other.build([tf.Variable([0.0, 0.0])])
    tf.train.Checkpoint(optimizer=other).restore(path).assert_existing_objects_matched()
    assert float(other.loss_scale.scale) == 512.0


@pytest.fixture(autouse=True)
def _tmp(tmp_path):
    pytest.tmp_dir = tmp_path


def test_precision_is_validated_and_float32_needs_no_scale():
    hp = tiny_model_hparams().declare_ranges(hparams_lib.RANGES)
    assert hp.precision == "float32" and getattr(optimizer_lib.Adam.from_hparams(hp), "loss_scale", None) is None
    with pytest.raises(HParamsError, match="precision.*one of float32, mixed_bfloat16, mixed_float16"):
        hp.parse("precision=float16")


def test_precision_flag_trains_and_the_decoder_restores_the_run(fakes, tmp_path, monkeypatch):
    out = tmp_path / "run"
    with pytest.raises(UserError, match="--precision"):
        fake_config(out, precision="fp16").check()
    trainer.Trainer(fake_config(out, problems="fake_text_copy", train_steps=2, eval_steps=0)).run()
    # resumed under mixed_float16: the float32 checkpoint has no loss scale, the run gets a new one
    run = trainer.Trainer(fake_config(out, problems="fake_text_copy", train_steps=4, eval_steps=0,
                                      precision="mixed_float16"))
    run.optimizer.loss_scale.scale.assign(77.0)
    run.run()
    again = trainer.Trainer(fake_config(out, problems="fake_text_copy", train_steps=4, eval_steps=0,
                                        precision="mixed_float16"))
    assert float(again.optimizer.loss_scale.scale) == 77.0   # the scale is checkpointed
    again.release()
    assert keras.config.dtype_policy().name == "float32"
    assert run.model.text_softmax.compute_dtype == "float16"
    assert '"precision": "float32"' in (out / "hparams.json").read_text()   # the run's own value stays
    names = {name for name, _ in tf.train.list_variables(run.keeper.latest())}
    assert any("loss_scale" in name for name in names)
    from t2t_mm.decoding import restore
    # the fake problems have no input codec; the decoder builds the model from one sample batch instead
    monkeypatch.setattr(restore, "dummy_features", lambda problem, spec, hp: run.probes[problem.name])
    model, hparams, path = restore.load_model(str(out), ["fake_text_copy"], str(tmp_path / "run_data"),
                                              "fake_multimodel")
    assert path == run.keeper.latest()
    np.testing.assert_array_equal(model.text_softmax.kernel.numpy(), run.model.text_softmax.kernel.numpy())
