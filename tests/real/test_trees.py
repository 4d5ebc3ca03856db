"""Tree parsing, cleaning, Vinyals linearization, repair on delinearization, EVALB-style scores."""

import pytest

from t2t_mm.data import trees
from t2t_mm.errors import UserError

MRG = """
( (S
    (NP-SBJ-1 (DT The) (NN company) )
    (VP (VBD said)
      (SBAR (-NONE- 0)
        (S (NP-SBJ (-NONE- *-1) )
          (VP (VBD grew) (ADVP-TMP (RB quickly) )))))
    (. .) ))
( (S (NP-SBJ (PRP It) ) (VP (VBZ works) ) (. .) ))
"""


def test_parse_clean_and_linearize_strip_traces_tags_and_outer_root():
    first, second = trees.parse_trees(MRG)
    assert first.label == ""  # the unlabeled ( (S ...) ) wrapper as read
    tree = trees.clean_tree(first)
    assert str(tree) == ("(S (NP (DT The) (NN company)) (VP (VBD said) (SBAR (S (VP (VBD grew) "
                         "(ADVP (RB quickly)))))) (. .))")
    assert tree.leaves() == ["The", "company", "said", "grew", "quickly", "."]
    assert trees.linearize(tree) == ("(S (NP XX XX )NP (VP XX (SBAR (S (VP XX (ADVP XX )ADVP )VP )S )SBAR"
                                     " )VP XX )S")
    assert trees.linearize(trees.clean_tree(second)) == "(S (NP XX )NP (VP XX )VP XX )S"


def test_clean_label_keeps_dash_wrapped_tags():
    assert trees.clean_label("NP-SBJ-1") == "NP"
    assert trees.clean_label("NP=2") == "NP"
    assert trees.clean_label("ADVP|PRT") == "ADVP"
    assert trees.clean_label("-LRB-") == "-LRB-"
    assert trees.clean_label("-NONE-") == "-NONE-"


def test_only_traces_cleans_to_none():
    assert trees.clean_tree(trees.parse_tree("( (S (-NONE- *T*-1) ))")) is None


def test_round_trip_recovers_tree_up_to_pos_tags():
    tree = trees.clean_tree(trees.parse_trees(MRG)[0])
    back = trees.delinearize(trees.linearize(tree), tree.leaves())
    assert back.leaves() == tree.leaves()
    assert trees.exact_match(tree, back)
    scores = trees.bracket_scores([tree], [back])
    assert scores["f1"] == 1.0 and scores["exact_match"] == 1.0


def test_delinearize_repairs_malformed_output():
    words = ["a", "b", "c"]
    # stray close, missing closes, too few XX
    tree = trees.delinearize(")NP (S (NP XX XX )NP (VP", words)
    assert tree.leaves() == words
    assert trees.linearize(tree) == "(S (NP XX XX )NP XX )S"
    # too many XX: extras dropped; several top constituents kept under an unlabeled root
    tree = trees.delinearize("(NP XX )NP (VP XX XX XX XX )VP", words)
    assert tree.label == "" and tree.leaves() == words
    assert trees.linearize(tree) == "(NP XX )NP (VP XX XX )VP"
    # empty constituent pruned, garbage token counts as a word
    tree = trees.delinearize("(S (NP )NP foo XX XX )S", words)
    assert trees.linearize(tree) == "(S XX XX XX )S"
    assert trees.delinearize("", words).leaves() == words


def test_bracket_f1_partial_match_and_punctuation_ignored():
    gold = trees.parse_tree("(S (NP (DT the) (NN dog)) (VP (VBD ran) (ADVP (RB fast))) (. .))")
    words = gold.leaves()
    # VP wrongly absorbs the final period: EVALB ignores punctuation, so still a match
    pred = trees.delinearize("(S (NP XX XX )NP (VP XX (ADVP XX )ADVP XX )VP )S", words)
    assert trees.bracket_counts(gold, pred) == (4, 4, 4)
    assert not trees.exact_match(gold, pred)
    # a wrong NP span and no VP: S and ADVP match -> P = 2/3, R = 2/4
    pred = trees.delinearize("(S XX (NP XX XX )NP (ADVP XX )ADVP XX )S", words)
    m, g, p = trees.bracket_counts(gold, pred)
    assert (m, g, p) == (2, 4, 3)
    scores = trees.bracket_scores([gold], [pred])
    assert scores["precision"] == pytest.approx(2 / 3) and scores["recall"] == pytest.approx(0.5)
    assert scores["f1"] == pytest.approx(2 * (2 / 3) * 0.5 / (2 / 3 + 0.5))
    assert scores["exact_match"] == 0.0


def test_prt_and_advp_are_one_label():
    gold = trees.parse_tree("(S (VP (VB give) (PRT (RP up))))")
    pred = trees.delinearize("(S (VP XX (ADVP XX )ADVP )VP )S", gold.leaves())
    assert trees.bracket_counts(gold, pred) == (3, 3, 3)


def test_word_count_mismatch_is_an_error():
    gold = trees.parse_tree("(S (NP (NN a)) (VP (VB b)))")
    with pytest.raises(ValueError, match="words"):
        trees.bracket_counts(gold, trees.parse_tree("(S (XX a))"))


@pytest.mark.parametrize("text, message", [
    ("( (S (NP (NN a) )", "truncated"),
    ("(S (NN a)))", "unbalanced"),
    ("word (S (NN a))", "outside"),
])
def test_malformed_treebank_text_raises_user_error(text, message):
    with pytest.raises(UserError, match=message):
        trees.parse_trees(text, source="bad.mrg")


def test_any_token_sequence_delinearizes_to_a_scorable_tree():
    """Decodes of an untrained model are arbitrary token soup; scoring must never raise."""
    import random

    gold_text = "(S (NP XX XX )NP (VP XX (NP XX XX )NP )VP XX )S"
    words = "The cat sees a dog .".split()
    gold = trees.delinearize(gold_text, words)
    tokens = gold_text.split() + ["(", ")", "(PP", ")PP", "XX", "chien"]
    rng = random.Random(0)
    for _ in range(3000):
        hypothesis = " ".join(rng.choice(tokens) for _ in range(rng.randint(0, 20)))
        predicted = trees.delinearize(hypothesis, words)
        assert [w for _, w in predicted.preterminals()] == words, hypothesis
        trees.bracket_scores([gold], [predicted])


def test_a_lone_word_decode_keeps_every_word_at_the_top():
    predicted = trees.delinearize("XX", ["a", "b"])
    assert predicted.label == "" and [w for _, w in predicted.preterminals()] == ["a", "b"]
