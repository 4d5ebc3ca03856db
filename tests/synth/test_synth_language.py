"""The mini translation/parsing generator: determinism, well-formed trees and real grammar."""
import re

import pytest

from t2t_mm.errors import UserError
from t2t_mm.synth import french, german, lexicon, numbers
from t2t_mm.synth.grammar import NP, Clause
from t2t_mm.synth.language import sentences, tokens

SAMPLE = sentences(7, 400)


def _parse(tree):
    """Parse an s-expression into (label, children|word); raises on unbalanced brackets."""
    atoms = re.findall(r"\(|\)|[^\s()]+", tree)
    pos = 0

    def node():
        nonlocal pos
        assert atoms[pos] == "(", tree
        label = atoms[pos + 1]
        pos += 2
        if atoms[pos] not in "()":
            word = atoms[pos]
            assert atoms[pos + 1] == ")", tree
            pos += 2
            return (label, word)
        children = []
        while atoms[pos] == "(":
            children.append(node())
        assert atoms[pos] == ")", tree
        pos += 1
        return (label, children)

    root = node()
    assert pos == len(atoms), "text after the root: " + tree
    return root


def _leaves(node):
    label, body = node
    return [body] if isinstance(body, str) else [w for c in body for w in _leaves(c)]


def _noun(en):
    return next(n for n in lexicon.NOUNS if n.en == en)


def _verb(en):
    return next(v for v in lexicon.VERBS if v.en == en)


def _adj(en):
    return next(a for a in lexicon.SIZE_ADJECTIVES + lexicon.QUALITY_ADJECTIVES if a.en == en)


def _np(en, det="def", plural=False, count=0, adjs=(), rel=None):
    return NP(None, _noun(en), plural, det, count, tuple(_adj(a) for a in adjs), rel)


def test_same_seed_same_sentences_and_different_seeds_differ():
    assert sentences(7, 400) == SAMPLE
    assert sentences(7, 10) == SAMPLE[:10]
    assert sentences(8, 10) != SAMPLE[:10]


def test_keys_capitalization_and_punctuation():
    for s in SAMPLE:
        assert set(s) == {"en", "de", "fr", "tree"}
        for lang in ("en", "de", "fr"):
            assert s[lang][0].isupper(), s[lang]
            assert s[lang].endswith(".") and not s[lang].endswith(" ."), s[lang]


def test_tree_leaves_read_back_the_english_tokens():
    for s in SAMPLE:
        root = _parse(s["tree"])
        assert root[0] == "S"
        assert _leaves(root) == tokens(s["en"])
        assert s["tree"].count("(") == s["tree"].count(")")


def test_lengths_vary_within_range():
    lengths = [sum(t not in ",." for t in tokens(s["en"])) for s in SAMPLE]
    assert min(lengths) >= 3 and max(lengths) <= 25
    assert max(lengths) - min(lengths) >= 12


def test_number_words_in_three_languages():
    expected = {
        21: ("twenty-one", "einundzwanzig", "vingt et un"),
        71: ("seventy-one", "einundsiebzig", "soixante et onze"),
        80: ("eighty", "achtzig", "quatre-vingts"),
        91: ("ninety-one", "einundneunzig", "quatre-vingt-onze"),
        17: ("seventeen", "siebzehn", "dix-sept"),
        77: ("seventy-seven", "siebenundsiebzig", "soixante-dix-sept"),
        81: ("eighty-one", "einundachtzig", "quatre-vingt-un"),
        99: ("ninety-nine", "neunundneunzig", "quatre-vingt-dix-neuf"),
        30: ("thirty", "dreißig", "trente"),
    }
    for n, words in expected.items():
        assert tuple(numbers.spell(n, lang) for lang in ("en", "de", "fr")) == words
    assert numbers.spell(21, "fr", feminine=True) == "vingt et une"
    assert numbers.spell(81, "fr", feminine=True) == "quatre-vingt-une"
    assert numbers.spell(22, "fr", feminine=True) == "vingt-deux"


def test_number_errors_are_user_errors():
    with pytest.raises(UserError, match="0-99"):
        numbers.spell(100, "en")
    with pytest.raises(UserError, match="language"):
        numbers.spell(3, "es")
    with pytest.raises(UserError, match="count"):
        sentences(1, -1)


def test_german_case_gender_and_verb_final_subordinate_clause():
    sub = Clause(_np("dog"), _verb("see"), _np("cat"), None, None, False)
    main = Clause(_np("dog", "indef", adjs=("small",)), _verb("help"),
                  _np("child", "num", True, 21, ("big",)), None,
                  (lexicon.CONJUNCTIONS[0], sub), False)
    assert german.realize(main) == (
        "Ein kleiner Hund hilft einundzwanzig großen Kindern, weil der Hund die Katze sieht.")
    preposed = main._replace(sub_first=True)
    assert german.realize(preposed) == (
        "Weil der Hund die Katze sieht, hilft ein kleiner Hund einundzwanzig großen Kindern.")


def test_generated_german_subordinate_and_relative_clauses_end_in_the_verb():
    verb_forms = {form for v in lexicon.VERBS for form in v.de}
    checked = 0
    for s in SAMPLE:
        words = re.findall(r"[^\s,.]+|[,.]", s["de"])
        for i, w in enumerate(words):
            if w.lower() in ("weil", "falls", "wenn") or (w in ("der", "die", "das") and words[i - 1] == ","):
                end = next(j for j in range(i + 1, len(words)) if words[j] in ",.")
                assert words[end - 1] in verb_forms, s["de"]
                checked += 1
    assert checked > 50


def test_french_agreement_placement_and_elision():
    clause = Clause(NP(lexicon.PRONOUNS[0], None, False, None, 0, (), None), _verb("like"),
                    _np("car", "num", True, 21, ("small", "white")),
                    (lexicon.PREPOSITIONS[3], _np("tree")),
                    (lexicon.CONJUNCTIONS[0], Clause(NP(lexicon.PRONOUNS[1], None, False, None, 0, (), None),
                                                     _verb("wait"), None,
                                                     (lexicon.PREPOSITIONS[3], _np("dog", plural=True)),
                                                     None, False)), False)
    assert french.realize(clause) == (
        "J'aime vingt et une petites voitures blanches à côté de l'arbre "
        "parce qu'il attend à côté des chiens.")
    assert french.elide(["si", "il", "à", "côté", "de", "le", "chien"]) == ["s'il", "à", "côté", "du", "chien"]
    assert french.elide(["de", "onze", "de", "un"]) == ["de", "onze", "d'un"]


def test_relative_clause_agrees_with_its_antecedent():
    rel = Clause(None, _verb("see"), _np("cat"), None, None, False)
    clause = Clause(_np("woman", plural=True, rel=rel), _verb("sleep"), None, None, None, False)
    assert german.realize(clause) == "Die Frauen, die die Katze sehen, schlafen."
    assert french.realize(clause) == "Les femmes qui voient le chat dorment."
    from t2t_mm.synth import english
    assert english.realize(clause)[0] == "The women that see the cat sleep."
