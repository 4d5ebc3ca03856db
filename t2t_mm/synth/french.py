"""French realization: gender/number agreement, adjective placement, elision and contraction.

Colour and state adjectives follow the noun (le petit chat noir); de + le contracts to du and de + les to
des; le/la/je/de/que drop their vowel before a vowel or mute h (l'arbre, j'aime, parce qu'il, d'un) and
si before il(s) (s'il); number words ending in un agree with a feminine noun (vingt et une voitures).
"""
from t2t_mm.synth import grammar, numbers
from t2t_mm.synth.lexicon import PERSONS

_NO_ELISION = ("onze", "huit")  # these start with a vowel sound but never trigger elision
_ELIDING = {"je": "j'", "de": "d'", "que": "qu'"}


def _starts_with_vowel(word):
    return word[:1].lower() in "aeiouyâàéèêîïôûh" and not word.startswith(_NO_ELISION)


def noun_phrase(np):
    """Tokens of an NP (before elision)."""
    if np.pronoun is not None:
        return [np.pronoun.fr]
    feminine = np.noun.fr_gender == "f"
    form = (2 if np.plural else 0) + (1 if feminine else 0)
    if np.det == "def":
        det = ["les" if np.plural else ("la" if feminine else "le")]
    elif np.det == "indef":
        det = ["une" if feminine else "un"]
    else:
        det = numbers.spell(np.count, "fr", feminine=feminine).split()
    before = [a.fr[form] for a in np.adjs if a.fr_before]
    after = [a.fr[form] for a in np.adjs if not a.fr_before]
    tokens = det + before + [np.noun.fr_pl if np.plural else np.noun.fr] + after
    if np.rel is not None:
        tokens += ["qui"] + _verb_phrase(np.rel, grammar.person(np))
    return tokens


def _verb_phrase(clause, person):
    tokens = [clause.verb.fr[PERSONS.index(person)]]
    if clause.obj is not None:
        tokens += noun_phrase(clause.obj)
    if clause.pp is not None:
        prep, np = clause.pp
        tokens += prep.fr.split() + noun_phrase(np)
    return tokens


def _clause(clause):
    main = noun_phrase(clause.subj) + _verb_phrase(clause, grammar.person(clause.subj))
    if clause.sub is None:
        return main
    conj, sub = clause.sub
    subordinate = conj.fr.split() + _clause(sub)
    if clause.sub_first:
        return subordinate + [","] + main
    return main + subordinate


def elide(tokens):
    """Apply contraction (du, des) and elision (l', j', d', qu', s'il) to a token list."""
    articles = []  # first the article before a vowel (de l'arbre, not du arbre)
    for word in tokens:
        if articles and articles[-1] in ("le", "la") and _starts_with_vowel(word):
            articles[-1] = "l'" + word
        else:
            articles.append(word)
    out = []
    for word in articles:
        previous = out[-1] if out else None
        if previous == "de" and word in ("le", "les"):
            out[-1] = "du" if word == "le" else "des"
        elif previous in _ELIDING and _starts_with_vowel(word):
            out[-1] = _ELIDING[previous] + word
        elif previous == "si" and word in ("il", "ils"):
            out[-1] = "s'" + word
        else:
            out.append(word)
    return out


def realize(clause):
    """The French sentence of a top-level clause."""
    return grammar.detokenize(grammar.capitalize(elide(_clause(clause)) + ["."]))
