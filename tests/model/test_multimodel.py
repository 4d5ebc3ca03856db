"""The MultiModel end to end on tiny configs: contract shapes for every modality pair, causality,
training, save/load, ablations and the errors a user can hit."""
import numpy as np
import pytest
import tensorflow as tf

import keras
from t2t_mm import registry
from t2t_mm.errors import UserError
from t2t_mm.spec import ProblemSpec
import t2t_mm.models  # noqa: F401  (registers the model and the modalities)
from helpers import CLASSES, VOCAB, all_pair_specs, pair_spec, tiny_model_hparams


def _features(spec, batch=2, target_length=4, seed=0):
    rng = np.random.RandomState(seed)
    inputs = {"symbol": lambda: np.concatenate([rng.randint(2, VOCAB, (batch, 5)), np.ones((batch, 1)),
                                                np.zeros((batch, 2))], axis=1).astype(np.int32),
              "image": lambda: rng.randn(batch, 16, 16, 3).astype(np.float32),
              "audio_waveform": lambda: rng.randn(batch, 96).astype(np.float32),
              "audio_spectral": lambda: rng.randn(batch, 128 * 12).astype(np.float32)}[spec.input_modality]()
    if spec.text_targets:
        targets = rng.randint(2, VOCAB, (batch, target_length)).astype(np.int32)
    else:
        targets = rng.randint(0, CLASSES, (batch,)).astype(np.int32)
    return {"inputs": inputs, "targets": targets,
            "target_space_id": np.full((batch,), spec.target_space_id, np.int32)}


@pytest.fixture(scope="module")
def joint_model():
    model = registry.model("multimodel")(tiny_model_hparams(), all_pair_specs())
    return model.build_all()


def test_every_modality_pair_gives_contract_shapes(joint_model):
    for spec in all_pair_specs():
        logits = joint_model(_features(spec), problem=spec.name, training=True)
        want = (2, 4, VOCAB) if spec.text_targets else (2, CLASSES)
        assert logits.shape == want and logits.dtype == tf.float32, spec.name
        used = {"encoder/moe", "decoder/moe"} if spec.text_targets else {"encoder/moe"}  # no decoder
        assert len(joint_model.losses) == len(used)                 # for class targets
        stats = joint_model.moe_stats(spec.name)
        assert set(stats) == used
        np.testing.assert_allclose(float(tf.reduce_sum(stats["encoder/moe"]["expert_load"])), 1.0, rtol=1e-5)
    # one net per domain: symbol (in and out for all text), image, two audio nets, one class net
    assert sorted(joint_model.modality_nets) == sorted(
        ["symbol", "image", "audio_waveform", "audio_spectral", f"class_label_{CLASSES}"])


def test_encode_then_decode_equals_call(joint_model):
    spec = pair_spec("image", "symbol", space=2)
    features = _features(spec)
    name = "image_to_symbol"
    whole = joint_model(features, problem=name, training=False)
    encoded = joint_model.encode(features, problem=name, training=False)
    split = joint_model.decode(encoded, features["targets"], problem=name, training=False)
    np.testing.assert_allclose(whole.numpy(), split.numpy(), rtol=1e-4, atol=1e-5)


def test_decoder_is_causal():
    model = registry.model("multimodel")(tiny_model_hparams("moe_eval_capacity_factor=100.0"),
                                         [pair_spec("symbol", "symbol")])
    features = _features(model.specs["symbol_to_symbol"], target_length=7)
    before = model(features, training=False).numpy()
    for t in (1, 4):
        edited = dict(features, targets=features["targets"].copy())
        edited["targets"][:, t + 1] = (edited["targets"][:, t + 1] + 3) % (VOCAB - 2) + 2
        after = model(edited, training=False).numpy()
        np.testing.assert_allclose(after[:, :t + 2], before[:, :t + 2], rtol=1e-4, atol=1e-5)
        assert not np.allclose(after[:, t + 2:], before[:, t + 2:])


def _xent(logits, labels):
    return tf.reduce_mean(keras.losses.sparse_categorical_crossentropy(labels, logits, from_logits=True))


def test_model_trains_on_a_tiny_batch_and_untouched_nets_get_no_gradient():
    specs = [pair_spec("symbol", "symbol", 1), pair_spec("image", "class_label", 2)]
    model = registry.model("multimodel")(tiny_model_hparams(), specs).build_all()
    optimizer = keras.optimizers.Adam(1e-2)
    optimizer.build(model.trainable_variables)
    batches = {s.name: _features(s, batch=4, target_length=5, seed=1) for s in specs}
    for spec in specs:  # copy task for text: targets = the input ids
        if spec.text_targets:
            batches[spec.name]["targets"] = batches[spec.name]["inputs"][:, :6]

    def step_fn(name):
        def step(features):  # eager: tracing this step costs more than the few steps it runs
            with tf.GradientTape() as tape:
                loss = _xent(model(features, problem=name, training=True), features["targets"])
                total = loss + tf.add_n(model.losses)
            grads = tape.gradient(total, model.trainable_variables)
            optimizer.apply_gradients([(g, v) for g, v in zip(grads, model.trainable_variables)
                                       if g is not None])
            return loss, [g is None for g in grads]
        return step

    step = step_fn("symbol_to_symbol")
    losses = [float(step(batches["symbol_to_symbol"])[0]) for _ in range(8)]
    assert losses[-1] < 0.6 * losses[0], losses
    # the text step gives no gradient to the image and class nets (the trainer skips those)
    _, missing = step(batches["symbol_to_symbol"])
    untouched = {v.path.split("/")[1] for v, m in zip(model.trainable_variables, missing) if m}
    assert untouched == {"image", f"class_label_{CLASSES}"}


def test_save_and_load_round_trip(tmp_path):
    specs = [pair_spec("symbol", "symbol", 1), pair_spec("audio_waveform", "class_label", 3)]
    model = registry.model("multimodel")(tiny_model_hparams(), specs).build_all()
    features = {s.name: _features(s, seed=2) for s in model.specs.values()}
    outputs = {n: model(f, problem=n).numpy() for n, f in features.items()}
    path = str(tmp_path / "mm.weights.h5")
    model.save_weights(path)
    config = model.get_config()
    assert config["hparams_set"] == "multimodel_tiny" and len(config["specs"]) == 2

    clone = type(model).from_config(config).build_all()
    assert clone.hparams == model.hparams and clone.specs == model.specs
    clone.load_weights(path)
    ckpt = tf.train.Checkpoint(model=clone).save(str(tmp_path / "ckpt"))
    third = type(model).from_config(config).build_all()
    tf.train.Checkpoint(model=third).restore(ckpt).assert_existing_objects_matched()
    # every variable, also those of blocks kept in lists/dicts, travels through the tf checkpoint
    for original, restored in zip(model.weights, third.weights):
        assert original.path == restored.path
        np.testing.assert_array_equal(original.numpy(), restored.numpy(), err_msg=original.path)
    for name, f in features.items():
        np.testing.assert_allclose(clone(f, problem=name).numpy(), outputs[name], rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(third(f, problem=name).numpy(), outputs[name], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("overrides", ["use_moe=false", "use_attention=false"])
def test_ablation_switches(overrides):
    spec = pair_spec("symbol", "class_label")
    model = registry.model("multimodel")(tiny_model_hparams(overrides), [spec])
    features = _features(spec)
    logits = model(features, training=False)
    assert logits.shape == (2, CLASSES)
    if overrides == "use_moe=false":
        assert model.losses == [] and model.moe_stats() == {}
    else:
        assert model.decoder.attention_blocks == [None, None] and model.mixer.attention is None
    # both examples share the command token, so different logits prove that the input reaches the output
    assert not np.array_equal(features["inputs"][0], features["inputs"][1])
    assert not np.allclose(logits.numpy()[0], logits.numpy()[1], atol=1e-4)


def test_user_errors_name_the_fix():
    hp = tiny_model_hparams()
    with pytest.raises(UserError, match="max_target_spaces"):
        registry.model("multimodel")(hp, [pair_spec("symbol", "symbol", space=99)])
    with pytest.raises(UserError, match="vocabulary"):
        registry.model("multimodel")(hp, [ProblemSpec("a", "symbol", "symbol", 1, vocab_size=10),
                                          ProblemSpec("b", "symbol", "symbol", 2, vocab_size=12)])
    with pytest.raises(UserError, match="input modality"):
        registry.model("multimodel")(hp, [ProblemSpec("c", "class_label", "symbol", 1, vocab_size=10)])
    model = registry.model("multimodel")(hp, [pair_spec("symbol", "symbol"), pair_spec("image", "symbol")])
    with pytest.raises(UserError, match="symbol_to_symbol"):
        model(_features(pair_spec("symbol", "symbol")), problem="symbol_to_symbl")
    with pytest.raises(UserError, match="problem=NAME"):
        model(_features(pair_spec("symbol", "symbol")))


def test_mixed_float16_runs_with_float32_gating_and_logits():
    keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        spec = pair_spec("audio_spectral", "symbol")
        model = registry.model("multimodel")(tiny_model_hparams(), [spec])
        with tf.GradientTape() as tape:
            logits = model(_features(spec), training=True)
            loss = tf.reduce_mean(logits) + tf.add_n(model.losses)
        grads = tape.gradient(loss, model.trainable_variables)
    finally:
        keras.mixed_precision.set_global_policy("float32")
    assert logits.dtype == tf.float32 and np.isfinite(logits.numpy()).all()
    assert model.encoder.moe.w_gate.dtype == "float32"
    assert all(np.isfinite(tf.convert_to_tensor(g).numpy()).all() for g in grads if g is not None)
