"""Per-token accuracy and log-perplexity against values worked out by hand."""
import math

import numpy as np
import pytest

from t2t_mm.errors import UserError
from t2t_mm.metrics import TokenStats, log_perplexity, padded_accuracy, token_stats
from t2t_mm.metrics.token import tf_token_sums

# Vocabulary of 3. Logits chosen so softmax is easy: [log 2, 0, 0] -> probs [1/2, 1/4, 1/4].
L2 = math.log(2.0)
LOGITS = np.array([[[L2, 0.0, 0.0],      # target 0 is padding: ignored
                    [0.0, L2, 0.0],      # target 1: argmax right, p = 1/2
                    [0.0, 0.0, L2]],     # target 1: argmax wrong (2), p = 1/4
                   [[0.0, 0.0, L2],      # target 2: right, p = 1/2
                    [L2, 0.0, 0.0],      # target 0: padding
                    [L2, 0.0, 0.0]]],    # target 0: padding
                  dtype=np.float32)
TARGETS = np.array([[0, 1, 1], [2, 0, 0]], dtype=np.int32)


def test_accuracy_counts_only_non_padding_tokens():
    assert padded_accuracy(LOGITS, TARGETS) == pytest.approx(2 / 3)


def test_log_perplexity_is_mean_nll_of_non_padding_tokens():
    expected = (math.log(2) + math.log(4) + math.log(2)) / 3
    assert log_perplexity(LOGITS, TARGETS) == pytest.approx(expected, rel=1e-6)


def test_stats_add_up_over_batches_as_one_corpus():
    first = token_stats(LOGITS[:1], TARGETS[:1])
    second = token_stats(LOGITS[1:], TARGETS[1:])
    total = first + second
    assert (first.count, second.count) == (2, 1)
    assert total.accuracy == pytest.approx(2 / 3)
    assert total.log_perplexity == pytest.approx(log_perplexity(LOGITS, TARGETS))
    assert total.perplexity == pytest.approx(math.exp(total.log_perplexity))
    assert TokenStats().accuracy == 0.0


def test_tf_sums_match_numpy():
    correct, nll, count = (float(v) for v in tf_token_sums(LOGITS, TARGETS))
    stats = token_stats(LOGITS, TARGETS)
    assert (correct, count) == (stats.correct, stats.count)
    assert nll == pytest.approx(stats.nll_sum, rel=1e-5)


def test_accepts_tf_tensors():
    import tensorflow as tf
    assert padded_accuracy(tf.constant(LOGITS), tf.constant(TARGETS)) == pytest.approx(2 / 3)


def test_bad_shapes_and_ids_are_user_errors():
    with pytest.raises(UserError, match=r"logits \[B, L, V\]"):
        token_stats(LOGITS[0], TARGETS)
    with pytest.raises(UserError, match="vocabulary size"):
        token_stats(LOGITS, TARGETS + 5)
