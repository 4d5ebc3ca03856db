"""Exact-tree rate and bracket F1 on linearized trees, via t2t_mm.data.trees."""
import pytest

from t2t_mm.errors import UserError
from t2t_mm.metrics.parsing import bracket_f1, exact_tree_rate, parse_scores

SENTENCE = "John saw Mary today"
GOLD = "(S (NP XX )NP (VP XX (NP XX )NP (NP XX )NP )VP )S"
# Gold brackets: S[0,4] NP[0,1] VP[1,4] NP[2,3] NP[3,4] = 5.
# This guess drops the last NP and makes 'today' an ADVP: brackets S, NP, VP, NP, ADVP[3,4] = 5,
# 4 of them matched -> P = R = F1 = 4/5.
GUESS = "(S (NP XX )NP (VP XX (NP XX )NP (ADVP XX )ADVP )VP )S"


def test_exact_and_partial_trees():
    scores = parse_scores([SENTENCE, SENTENCE], [GOLD, GOLD], [GOLD, GUESS])
    assert scores["exact_match"] == pytest.approx(0.5)
    # corpus micro-average: matched 5 + 4 over 10 gold and 10 predicted brackets
    assert scores["precision"] == pytest.approx(9 / 10)
    assert scores["recall"] == pytest.approx(9 / 10)
    assert bracket_f1([SENTENCE], [GOLD], [GUESS]) == pytest.approx(4 / 5)
    assert exact_tree_rate([SENTENCE], [GOLD], [GOLD]) == 1.0


def test_malformed_decode_is_repaired_not_fatal():
    broken = "(S (NP XX )NP )VP XX XX"        # stray close, missing brackets, too few XX
    scores = parse_scores([SENTENCE], [GOLD], [broken])
    assert scores["exact_match"] == 0.0
    assert 0.0 < scores["f1"] < 1.0


def test_count_mismatch_is_a_user_error():
    with pytest.raises(UserError, match="one sentence, reference and hypothesis"):
        parse_scores([SENTENCE], [GOLD], [])
