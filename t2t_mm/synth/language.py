"""Parallel English/German/French sentences with the English sentence's constituency tree.

`sentences(seed, count)` samples a meaning (grammar.Clause) from a small grammar and lexicon and realizes
it in each language, so the three texts say the same thing and the tree parses the English text.
Deterministic from the seed: one random.Random stream, so a longer list starts with the shorter one.
"""
import random

from t2t_mm.errors import UserError
from t2t_mm.synth import english, french, german, lexicon
from t2t_mm.synth.grammar import NP, Clause

MIN_WORDS, MAX_WORDS = 3, 25  # English words, punctuation not counted

_ANIMATE_NOUNS = tuple(n for n in lexicon.NOUNS if n.animate)


def _adjectives(rng, animate):
    def allowed(group):
        return [a for a in group if animate or not a.animate_only]
    roll = rng.random()
    if roll < 0.5:
        return ()
    if roll < 0.85:
        return (rng.choice(allowed(rng.choice((lexicon.SIZE_ADJECTIVES, lexicon.QUALITY_ADJECTIVES)))),)
    return (rng.choice(allowed(lexicon.SIZE_ADJECTIVES)), rng.choice(allowed(lexicon.QUALITY_ADJECTIVES)))


def _noun_phrase(rng, animate=False, pronoun=False, relative=False):
    if pronoun and rng.random() < 0.25:
        return NP(rng.choice(lexicon.PRONOUNS), None, False, None, 0, (), None)
    noun = rng.choice(_ANIMATE_NOUNS if animate else lexicon.NOUNS)
    roll = rng.random()
    det, plural, count = ("def", rng.random() < 0.4, 0) if roll < 0.45 else (
        ("indef", False, 0) if roll < 0.7 else ("num", True, rng.randint(2, 99)))
    rel = None
    if relative and noun.animate and rng.random() < 0.2:
        rel = _verb_only(rng)
    return NP(None, noun, plural, det, count, _adjectives(rng, noun.animate), rel)


def _verb_only(rng):
    """The verb phrase of a relative clause: verb and maybe an object, no PP or subordinate clause."""
    verb = rng.choice(lexicon.VERBS)
    obj = _noun_phrase(rng, animate=verb.animate_object) if verb.de_case else None
    return Clause(None, verb, obj, None, None, False)


def _clause(rng, nested):
    has_sub = not nested and rng.random() < 0.3
    sub_first = has_sub and rng.random() < 0.35
    subj = _noun_phrase(rng, animate=True, pronoun=True, relative=not nested and not sub_first)
    verb = rng.choice(lexicon.VERBS)
    obj = _noun_phrase(rng, animate=verb.animate_object) if verb.de_case else None
    pp = None
    if rng.random() < 0.35:
        pp = (rng.choice(lexicon.PREPOSITIONS), _noun_phrase(rng))
    if obj is not None and not nested and pp is None and not (has_sub and not sub_first):
        # A relative clause on the object only where nothing follows it, so attachment is unambiguous.
        if obj.noun.animate and rng.random() < 0.2:
            obj = obj._replace(rel=_verb_only(rng))
    sub = (rng.choice(lexicon.CONJUNCTIONS), _clause(rng, nested=True)) if has_sub else None
    return Clause(subj, verb, obj, pp, sub, sub_first)


def sample(rng):
    """One sentence dict {"en", "de", "fr", "tree"} drawn from rng (a random.Random)."""
    while True:
        clause = _clause(rng, nested=False)
        en, tree = english.realize(clause)
        words = sum(token not in ",." for token in english.tokens(en))
        if MIN_WORDS <= words <= MAX_WORDS:
            return {"en": en, "de": german.realize(clause), "fr": french.realize(clause), "tree": tree}


def sentences(seed, count):
    """`count` parallel sentences {"en", "de", "fr", "tree"}, the same for the same seed."""
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise UserError(f"sentences: seed must be an integer, got {seed!r}")
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise UserError(f"sentences: count must be a non-negative integer, got {count!r}")
    rng = random.Random(seed)
    return [sample(rng) for _ in range(count)]


tokens = english.tokens  # the English sentence's tokens, equal to the tree's leaves
