"""Greedy and beam search against hand-fixed bigram distributions."""
import math

import numpy as np
import pytest
import tensorflow as tf

from decoding_fakes import A, B, C, EOS, START, BigramModel, bigram_table, features, random_table, \
    sequence_log_prob
from t2t_mm.decoding.beam import beam_search, length_penalty
from t2t_mm.decoding.greedy import greedy_decode
from t2t_mm.decoding.search_common import strip_ids
from t2t_mm.errors import UserError

# Greedy takes A (0.5), then C (0.35), then EOS (0.9): P = 0.1575.
# Beam (K=2) keeps B (0.4) alive and finds B EOS: P = 0.4 * 0.95 = 0.38.
GARDEN_PATH = bigram_table({START: {A: 0.5, B: 0.4, EOS: 0.1},
                            A: {C: 0.35, B: 0.3, EOS: 0.2, A: 0.15},
                            C: {EOS: 0.9},
                            B: {EOS: 0.95}})
# Short [EOS] has P = 0.5; long [A, EOS] has P = 0.45 * 0.9 = 0.405.
SHORT_OR_LONG = bigram_table({START: {EOS: 0.5, A: 0.45}, A: {EOS: 0.9}})


def ids_of(result, row=0):
    return strip_ids(result["ids"][row].numpy()) + [EOS]


def test_greedy_follows_the_argmax_and_pads_after_eos():
    model = BigramModel(GARDEN_PATH)
    out = greedy_decode(model, features([0]), "p", max_length=6)
    assert out["ids"].numpy().tolist() == [[A, C, EOS, 0, 0, 0]]
    assert out["lengths"].numpy().tolist() == [3]
    assert out["log_probs"].numpy()[0] == pytest.approx(math.log(0.5 * 0.35 * 0.9), rel=1e-5)
    assert model.encode_calls == 1


def test_beam_finds_a_more_probable_sequence_than_greedy():
    model = BigramModel(GARDEN_PATH)
    greedy = greedy_decode(model, features([0]), "p", max_length=6)
    beam = beam_search(model, features([0]), "p", beam_size=2, alpha=0.0, max_length=6)
    assert ids_of(beam) == [B, EOS]
    assert beam["log_probs"].numpy()[0] == pytest.approx(math.log(0.38), rel=1e-5)
    assert beam["log_probs"].numpy()[0] > greedy["log_probs"].numpy()[0] + 0.5
    # the finished pool keeps the runner-up: greedy's own sequence
    assert strip_ids(beam["beam_ids"][0, 1].numpy()) == [A, C]
    assert beam["beam_scores"].numpy()[0].tolist() == pytest.approx(
        [math.log(0.38), math.log(0.1575)], rel=1e-5)


def test_length_penalty_changes_the_choice_as_computed_by_hand():
    short = math.log(0.5) / ((5 + 1) / 6) ** 2.0        # -0.693
    long = math.log(0.405) / ((5 + 2) / 6) ** 2.0       # -0.664: wins with alpha = 2
    assert long > short
    model = BigramModel(SHORT_OR_LONG)
    plain = beam_search(model, features([0]), "p", beam_size=2, alpha=0.0, max_length=5)
    assert ids_of(plain) == [EOS]
    penalized = beam_search(model, features([0]), "p", beam_size=2, alpha=2.0, max_length=5)
    assert ids_of(penalized) == [A, EOS]
    assert penalized["scores"].numpy()[0] == pytest.approx(long, rel=1e-5)
    assert float(length_penalty(2, 2.0)) == pytest.approx((7 / 6) ** 2)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_beam_size_one_is_greedy_without_length_penalty_and_never_worse_with_it(seed):
    rng = np.random.default_rng(seed)
    tables = [random_table(rng) for _ in range(3)]
    model = BigramModel(*tables)
    feats = features([0, 1, 2])
    greedy = greedy_decode(model, feats, "p", max_length=7)
    beam = beam_search(model, feats, "p", beam_size=1, alpha=0.0, max_length=7)
    assert beam["ids"].numpy().tolist() == greedy["ids"].numpy().tolist()
    np.testing.assert_allclose(beam["log_probs"].numpy(), greedy["log_probs"].numpy(), rtol=1e-5)
    # with a length penalty the search may keep going past greedy's EOS, but only to a better score
    penalized = beam_search(model, feats, "p", beam_size=1, alpha=0.6, max_length=7)
    greedy_scores = greedy["log_probs"].numpy() / length_penalty(greedy["lengths"], 0.6).numpy()
    assert np.all(penalized["scores"].numpy() >= greedy_scores - 1e-5)


class PrefixModel(BigramModel):
    """Next-token distributions chosen by the whole prefix (a bigram cannot make a long sequence
    likely at its end only): {prefix tuple: {token: p}}; unlisted prefixes are uniform."""

    def __init__(self, rows, max_length=6):
        codes = {self.code(prefix): probs for prefix, probs in rows.items()}
        table = np.full([7 ** max_length, 5], 0.2)
        for code, probs in codes.items():
            table[code] = [probs.get(t, max(1.0 - sum(probs.values()), 1e-6) / (5 - len(probs))) for t in range(5)]
        self.table = tf.constant(np.log(np.maximum(table, 1e-12)).astype(np.float32))
        self.encode_calls = 0

    @staticmethod
    def code(prefix):
        return sum((token + 1) * 7 ** i for i, token in enumerate(prefix))

    def decode(self, encoded, targets, problem, training=False):
        weights = tf.constant([7 ** i for i in range(targets.shape[1])], tf.int32)
        steps = tf.cumsum((targets + 1) * weights, axis=1, exclusive=True)   # code of targets[:, :t]
        return tf.gather(self.table, steps)


def test_unlikely_early_endings_do_not_stop_the_search_before_the_best_hypothesis_ends():
    """K=2: the weaker beams end first (B EOS at 0.27, A B EOS at 0.0475) and fill the pool while
    A A A, the best prefix, still grows; A A A EOS (0.385) must win."""
    model = PrefixModel({(): {A: 0.5, B: 0.3, C: 0.2}, (B,): {EOS: 0.9}, (A,): {A: 0.9, B: 0.1},
                         (A, A): {A: 0.9, C: 0.1}, (A, B): {EOS: 0.95}, (A, A, A): {EOS: 0.95}})
    beam = beam_search(model, features([0]), "p", beam_size=2, alpha=0.0, max_length=6)
    assert ids_of(beam) == [A, A, A, EOS]
    assert beam["log_probs"].numpy()[0] == pytest.approx(math.log(0.5 * 0.9 * 0.9 * 0.95), rel=1e-5)
    assert strip_ids(beam["beam_ids"][0, 1].numpy()) == [B]


def test_batch_rows_do_not_mix_and_scores_are_exact():
    """Each example decodes under its own table; scores equal the sequences' log-probabilities."""
    rng = np.random.default_rng(7)
    tables = [GARDEN_PATH, SHORT_OR_LONG, random_table(rng)]
    model = BigramModel(*tables)
    beam = beam_search(model, features([0, 1, 2]), "p", beam_size=3, alpha=0.6, max_length=8)
    assert ids_of(beam, 0) == [B, EOS]
    for row, table in enumerate(tables):
        for k in range(3):
            hyp = beam["beam_ids"][row, k].numpy().tolist()
            ids = strip_ids(hyp)
            ended = EOS in hyp
            ids_with_eos = ids + [EOS] if ended else ids
            expected = sequence_log_prob(table, ids_with_eos) / ((5 + len(ids_with_eos)) / 6) ** 0.6
            assert beam["beam_scores"].numpy()[row, k] == pytest.approx(expected, rel=1e-4, abs=1e-4)
        assert list(beam["beam_scores"].numpy()[row]) == sorted(beam["beam_scores"].numpy()[row],
                                                                reverse=True)


def test_unfinished_hypotheses_are_cut_at_max_length():
    never_ends = bigram_table({START: {A: 0.9, EOS: 0.0}, A: {A: 0.9, EOS: 0.0}})
    model = BigramModel(never_ends)
    beam = beam_search(model, features([0]), "p", beam_size=2, alpha=0.6, max_length=4)
    assert beam["ids"].numpy().tolist() == [[A, A, A, A]]
    greedy = greedy_decode(model, features([0]), "p", max_length=4)
    assert greedy["ids"].numpy().tolist() == [[A, A, A, A]]


def test_runs_inside_one_tf_function_with_one_encode():
    model = BigramModel(GARDEN_PATH)

    @tf.function
    def decode(feats):
        return beam_search(model, feats, "p", beam_size=2, alpha=0.6, max_length=6)

    first = decode(features([0, 0]))
    decode(features([0, 0]))
    assert model.encode_calls == 1       # traced once, encode inside the trace once
    assert first["ids"].numpy()[:, :2].tolist() == [[B, EOS], [B, EOS]]


def test_bad_decode_settings_are_user_errors():
    model = BigramModel(GARDEN_PATH)
    with pytest.raises(UserError, match="beam_size"):
        beam_search(model, features([0]), "p", beam_size=0, alpha=0.6, max_length=5)
    with pytest.raises(UserError, match="alpha"):
        beam_search(model, features([0]), "p", beam_size=2, alpha=-1.0, max_length=5)
    with pytest.raises(UserError, match="max_length"):
        greedy_decode(model, features([0]), "p", max_length=0)
