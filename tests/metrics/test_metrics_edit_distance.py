"""WER and CER on strings whose edit operations are known."""
import pytest

from t2t_mm.errors import UserError
from t2t_mm.metrics import cer, edit_distance, wer


def test_one_substitution_and_one_deletion_over_six_words():
    ref = "the quick brown fox jumps high"
    hyp = "the quick red fox jumps"          # brown -> red, 'high' deleted
    assert wer([ref], [hyp]) == pytest.approx(2 / 6)


def test_insertion_counts_and_corpus_rate_pools_words():
    refs = ["a b c d", "hello world"]
    hyps = ["a b x c d", "hello world"]      # one insertion over 6 reference words
    assert wer(refs, hyps) == pytest.approx(1 / 6)
    assert wer(refs, refs) == 0.0


def test_cer_on_characters():
    assert cer(["kitten"], ["sitting"]) == pytest.approx(3 / 6)   # the classic: 2 subs + 1 insertion
    assert cer(["a  b"], ["a b"]) == 0.0                           # whitespace runs collapse


def test_edit_distance_basics():
    assert edit_distance("", "abc") == 3
    assert edit_distance("abc", "") == 3
    assert edit_distance("flaw", "lawn") == 2


def test_mismatched_lengths_are_user_errors():
    with pytest.raises(UserError, match="one hypothesis per reference"):
        wer(["a"], [])
