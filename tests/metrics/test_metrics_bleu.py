"""Our corpus BLEU is sacreBLEU's corpus_bleu on the same detokenized strings, signature included."""
import pytest
import sacrebleu

from t2t_mm.errors import UserError
from t2t_mm.metrics import corpus_bleu

HYPS = ["The cat sat on the mat.", "A dog barked at the mailman today", "Hello world"]
REFS = ["The cat sat on the mat.", "The dog barked at the postman today.", "Hello, world!"]


def test_equals_sacrebleu_corpus_bleu():
    ours = corpus_bleu(HYPS, REFS)
    theirs = sacrebleu.corpus_bleu(HYPS, [REFS])
    assert ours.score == pytest.approx(theirs.score)
    assert 0 < ours.score < 100
    assert "tok:13a" in ours.signature and "nrefs:1" in ours.signature
    assert "version:" in ours.signature
    assert ours.signature in str(ours)


def test_perfect_match_is_100_and_several_references():
    assert corpus_bleu(REFS, REFS).score == pytest.approx(100.0)
    second = ["The cat is on the mat.", "A dog barked at the mailman today", "Hello world"]
    two = corpus_bleu(HYPS, [REFS, second])
    assert two.score == pytest.approx(sacrebleu.corpus_bleu(HYPS, [REFS, second]).score)
    assert "nrefs:2" in two.signature


def test_length_mismatch_is_a_user_error():
    with pytest.raises(UserError, match="one reference per hypothesis"):
        corpus_bleu(HYPS, REFS[:2])
