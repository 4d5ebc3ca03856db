"""Decoding the real MultiModel (multimodel_tiny, random weights): the encode/decode contract holds as
search relies on it, beam_size=1 is greedy, and the SavedModel serves what the process decodes."""
import numpy as np
import pytest
import tensorflow as tf

from t2t_mm import plugins, registry
from t2t_mm.decoding.beam import beam_search
from t2t_mm.decoding.decode_hparams import decode_hparams
from t2t_mm.decoding.decoder import make_decode_fn
from t2t_mm.decoding.export import export_saved_model
from t2t_mm.decoding.greedy import greedy_decode
from t2t_mm.spec import ProblemSpec

TEXT = ProblemSpec("mini_translate_ende", "symbol", "symbol", 1, vocab_size=300)
CLASSES = ProblemSpec("mini_image_classes", "image", "class_label", 2, num_classes=10)
MAX_LENGTH = 8


def _model(**overrides):
    plugins.load_all()
    if "multimodel" not in registry.MODELS or "mini_image_classes" not in registry.PROBLEMS:
        pytest.skip("the multimodel model or the mini problems are not registered yet")
    hp = registry.hparams("multimodel_tiny")
    for key, value in overrides.items():
        setattr(hp, key, value)
    return registry.model("multimodel")(hp, [TEXT, CLASSES]).build_all(), hp


def _text_features():
    rng = np.random.default_rng(0)
    ids = np.concatenate([rng.integers(3, 300, [3, 6]), np.ones([3, 1])], axis=1)
    return {"inputs": tf.constant(ids, tf.int32), "target_space_id": tf.fill([3], TEXT.target_space_id)}


def test_greedy_agrees_with_the_teacher_forced_forward_pass():
    """Position t of model(features with targets) must equal step t of the search over the static
    buffer (causal, padding-masked). MoE experts have a per-expert capacity, and a teacher-forced pass
    routes more real tokens than a search step (whose later positions are padding), so with untrained
    gates some tokens are dropped in one and not the other; an eval capacity of moe_k * tokens (factor
    moe_num_experts) can hold every token, and then the two must agree exactly."""
    model, hp = _model(moe_eval_capacity_factor=64.0)
    assert hp.use_moe and hp.moe_eval_capacity_factor >= hp.moe_num_experts
    features = _text_features()
    out = tf.function(lambda f: greedy_decode(model, f, TEXT.name, MAX_LENGTH))(features)
    logits = model(dict(features, targets=out["ids"]), problem=TEXT.name, training=False).numpy()
    logits[..., 0] = -np.inf                                   # search never emits padding
    for row, length in enumerate(out["lengths"].numpy()):
        np.testing.assert_array_equal(logits[row, :length].argmax(-1), out["ids"].numpy()[row, :length])
    log_probs = tf.nn.log_softmax(model(dict(features, targets=out["ids"]), problem=TEXT.name)).numpy()
    expected = [sum(log_probs[r, t, out["ids"].numpy()[r, t]] for t in range(n))
                for r, n in enumerate(out["lengths"].numpy())]
    np.testing.assert_allclose(out["log_probs"].numpy(), expected, rtol=1e-4)

    beam = tf.function(lambda f: beam_search(model, f, TEXT.name, 1, 0.6, MAX_LENGTH))(features)
    np.testing.assert_array_equal(beam["ids"].numpy(), out["ids"].numpy())


def test_saved_model_of_the_multimodel_matches_in_process_decoding(tmp_path):
    model, hp = _model()
    dhp = decode_hparams(f"beam_size=1,max_length={MAX_LENGTH}")  # beam export: test_decoding_restore_export
    path = export_saved_model(model, [TEXT, CLASSES], str(tmp_path), hp, decode_hparams=dhp)
    loaded = tf.saved_model.load(path)

    features = _text_features()
    served = loaded.signatures[TEXT.name](inputs=features["inputs"])
    expected = tf.function(make_decode_fn(model, TEXT, dhp, MAX_LENGTH))(features)
    np.testing.assert_array_equal(served["outputs"].numpy(), expected["outputs"].numpy())

    size = registry.problem(CLASSES.name).image_size
    images = tf.random.stateless_normal([2, size, size, 3], seed=[1, 2])
    served = loaded.signatures[CLASSES.name](inputs=images)
    expected = make_decode_fn(model, CLASSES, dhp, MAX_LENGTH)(
        {"inputs": images, "target_space_id": tf.fill([2], CLASSES.target_space_id)})
    np.testing.assert_array_equal(served["classes"].numpy(), expected["classes"].numpy())
    np.testing.assert_allclose(served["probabilities"].numpy(), expected["probabilities"].numpy(), rtol=1e-4)
