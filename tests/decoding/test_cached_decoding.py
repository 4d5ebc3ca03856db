"""Cached incremental decoding (MultiModel.init_decode_cache / decode_step) against the reference path
that re-runs model.decode over the whole prefix: the same per-position logits and the same greedy and
beam outputs, with the MoE on and dropping pairs at its eval capacity, padding in
the batch's sources and padding (0) inside a target prefix."""
import numpy as np
import pytest
import tensorflow as tf

from helpers import tiny_model_hparams
from t2t_mm import registry
from t2t_mm.decoding.beam import beam_search
from t2t_mm.decoding.greedy import greedy_decode
from t2t_mm.layers.conv import ConvStep
from t2t_mm.layers.moe_routing import assign_slots, step_slots
from t2t_mm.spec import ProblemSpec

VOCAB = 23
TEXT = ProblemSpec("cached_text", "symbol", "symbol", 1, vocab_size=VOCAB)
NO_EOS = -1   # an id never emitted: the search runs to max_length
# float32 rounding, not a cache defect: the two paths sum in different orders, logits reach 10-15, and
# the per-position differences measured 1e-5 to 8e-5 over 12 random inits on one CPU (another CPU's
# kernels doubled that). A score sums one log-prob per position, so its tolerance grows with the length.
# A wrong cache (a missing or stale key, a misrouted MoE slot) moves logits by 0.1 or more.
LOGIT_ATOL = 3e-4


def score_atol(length):
    return 2 * LOGIT_ATOL * length


def _model(overrides=""):
    # eval capacity 1.0 with 4 experts, k=2: limit(t) = ceil((t + 1) / 2) slots, so pairs are dropped
    hp = tiny_model_hparams("moe_eval_capacity_factor=1.0," + overrides if overrides
                            else "moe_eval_capacity_factor=1.0")
    model = registry.model("multimodel")(hp, [TEXT]).build_all()
    rng = np.random.default_rng(7)
    for layer in model.moe_layers():   # zero-initialized gates route every token alike: spread them
        layer.w_gate.assign(rng.normal(size=layer.w_gate.shape).astype("float32"))
    return model


@pytest.fixture(scope="module")
def model():
    return _model()


def _features(batch=3, length=7, seed=0):
    rng = np.random.default_rng(seed)
    ids = rng.integers(2, VOCAB, [batch, length]).astype("int32")
    ids[:, -1] = 1
    ids[1, 4:] = 0          # padded sources
    ids[2, 2:] = 0
    return {"inputs": tf.constant(ids), "target_space_id": tf.fill([batch], TEXT.target_space_id)}


def _stepped_logits(model, encoded, targets):
    """decode_step at every position of targets (teacher-forced) -> [B, L, V]."""
    length = targets.shape[1]
    cache = model.init_decode_cache(encoded, length, problem=TEXT.name)
    out = []
    for t in range(length):
        previous = targets[:, t - 1] if t else np.zeros(targets.shape[0], "int32")
        logits, cache = model.decode_step(encoded, cache, tf.constant(previous), tf.constant(t),
                                          problem=TEXT.name)
        out.append(logits.numpy())
    return np.stack(out, axis=1)


@pytest.mark.parametrize("overrides", ["", "use_attention=False", "use_moe=False"])
def test_cached_steps_give_the_full_passes_logits(overrides, model):
    model = model if not overrides else _model(overrides)
    features = _features()
    encoded = model.encode(features, problem=TEXT.name)
    rng = np.random.default_rng(1)
    targets = rng.integers(2, VOCAB, [3, 10]).astype("int32")
    targets[1, 6:] = 0      # a finished row (padding after it)
    targets[2, 3] = 0       # and a 0 inside a prefix: a padding position the MoE must not route
    full = model.decode(encoded, targets, problem=TEXT.name, training=False).numpy()
    if model.moe_layers():
        assert float(model.moe_stats(TEXT.name)["decoder/moe"]["dropped_fraction"]) > 0.05   # drops happen
    stepped = _stepped_logits(model, encoded, targets)
    np.testing.assert_allclose(stepped, full, atol=LOGIT_ATOL, rtol=0)


@pytest.mark.parametrize("max_length,eos_id", [(5, 1), (16, NO_EOS)])
def test_cached_greedy_equals_the_uncached_reference(model, max_length, eos_id):
    features = _features(batch=4, seed=max_length)
    results = [tf.function(lambda f, c=cache: greedy_decode(model, f, TEXT.name, max_length, eos_id=eos_id,
                                                            cache=c))(features)
               for cache in (False, True)]
    reference, cached = ({k: v.numpy() for k, v in r.items()} for r in results)
    np.testing.assert_array_equal(cached["ids"], reference["ids"])
    np.testing.assert_array_equal(cached["lengths"], reference["lengths"])
    np.testing.assert_allclose(cached["log_probs"], reference["log_probs"], atol=score_atol(max_length),
                               rtol=0)
    if eos_id == NO_EOS:
        assert (reference["lengths"] == max_length).all()


def test_one_trace_serves_every_length_given_as_a_tensor(model):
    """The trainer's eval passes max_length as a tensor: one compiled greedy decode per kind of problem,
    the same ids as a decode compiled for that length."""
    features = _features(batch=4, seed=3)
    shared = tf.function(lambda f, length: greedy_decode(model, f, TEXT.name, length, eos_id=NO_EOS))
    for length in (5, 9):
        fixed = tf.function(lambda f: greedy_decode(model, f, TEXT.name, length, eos_id=NO_EOS))(features)
        out = shared(features, tf.constant(length))
        assert out["ids"].shape == (4, length)
        np.testing.assert_array_equal(out["ids"].numpy(), fixed["ids"].numpy())
    assert shared.experimental_get_tracing_count() == 1


@pytest.mark.parametrize("max_length,eos_id", [(6, 1), (12, NO_EOS)])
def test_cached_beam_search_equals_the_uncached_reference(model, max_length, eos_id):
    features = _features(batch=3, seed=max_length)
    results = [tf.function(lambda f, c=cache: beam_search(model, f, TEXT.name, 3, 0.6, max_length,
                                                          eos_id=eos_id, cache=c))(features)
               for cache in (False, True)]
    reference, cached = ({k: v.numpy() for k, v in r.items()} for r in results)
    np.testing.assert_array_equal(cached["beam_ids"], reference["beam_ids"])
    np.testing.assert_allclose(cached["beam_scores"], reference["beam_scores"],
                               atol=score_atol(max_length), rtol=0)
    assert len({tuple(row) for row in reference["beam_ids"][0]}) == 3   # beams differ: reordering matters


def test_step_slots_drop_exactly_what_the_causal_full_pass_drops():
    rng = np.random.default_rng(3)
    batch, length, experts, k, factor = 3, 12, 5, 2, 0.8
    choice = np.stack([np.stack([rng.choice(experts, k, replace=False) for _ in range(length)])
                       for _ in range(batch)]).astype("int32")                   # [B, T, k] distinct
    valid = np.ones([batch, length], "float32")
    valid[1, 7:] = 0
    valid[2, [2, 5]] = 0
    slot, keep, capacity, _ = assign_slots(tf.constant(choice), tf.constant(valid), experts, factor, True)
    keep = keep.numpy().reshape(batch, length, k)
    assert 0 < keep.sum() < valid.sum() * k      # some pairs dropped, some kept
    counts = tf.zeros([batch, experts], tf.int32)
    for t in range(length):
        step_keep, counts = step_slots(tf.constant(choice[:, t]), tf.constant(valid[:, t]), counts, t,
                                       experts, factor)
        np.testing.assert_array_equal(step_keep.numpy(), keep[:, t], err_msg=f"position {t}")


def test_conv_step_matches_the_causal_dilated_convolution():
    layer = ConvStep(6, kernel_size=3, dilation=3, padding="causal")
    x = tf.random.stateless_normal([2, 11, 4], seed=[0, 1])
    full = layer(x).numpy()
    state = layer.init_state(2, 4, "float32")
    for t in range(11):
        out, state = layer.step(x[:, t:t + 1], state)
        np.testing.assert_allclose(out.numpy()[:, 0], full[:, t], atol=1e-5)


def test_decode_hparams_use_cache_switches_the_path_with_the_same_outputs(model):
    from t2t_mm.decoding.decode_hparams import decode_hparams
    from t2t_mm.decoding.decoder import make_decode_fn
    features = _features(batch=3, seed=4)
    outputs = [tf.function(make_decode_fn(model, TEXT, decode_hparams(f"beam_size=2,use_cache={flag}"), 5))(
        features)["outputs"].numpy() for flag in (False, True)]
    np.testing.assert_array_equal(outputs[1], outputs[0])
