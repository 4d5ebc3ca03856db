"""German realization: case, gender and number agreement, and verb placement.

Main clauses put the finite verb second (after a preposed subordinate clause it comes before the
subject); subordinate and relative clauses put it last: "..., weil der Hund die Katze sieht".
"""
from t2t_mm.synth import grammar, numbers
from t2t_mm.synth.lexicon import PERSONS

_DEFINITE = {
    "nom": {"m": "der", "f": "die", "n": "das", "pl": "die"},
    "acc": {"m": "den", "f": "die", "n": "das", "pl": "die"},
    "dat": {"m": "dem", "f": "der", "n": "dem", "pl": "den"},
}
_INDEFINITE = {
    "nom": {"m": "ein", "f": "eine", "n": "ein"},
    "acc": {"m": "einen", "f": "eine", "n": "ein"},
    "dat": {"m": "einem", "f": "einer", "n": "einem"},
}
_MIXED_ENDINGS = {"nom": {"m": "er", "f": "e", "n": "es"}, "acc": {"m": "en", "f": "e", "n": "es"}}


def _adjective_ending(det, case, gender):
    if det == "def":  # weak declension
        if gender == "pl" or case == "dat" or (case == "acc" and gender == "m"):
            return "en"
        return "e"
    if det == "indef":  # mixed declension
        return "en" if case == "dat" else _MIXED_ENDINGS[case][gender]
    return "en" if case == "dat" else "e"  # strong plural after a number word


def _inflect(stem, ending):
    return stem + (ending[1:] if stem.endswith("e") and ending.startswith("e") else ending)


def _noun_form(noun, plural, case):
    if not plural:
        return noun.de
    form = noun.de_pl
    if case == "dat" and not form.endswith(("n", "s")):
        form += "n"  # dative plural: den Hunden, den Kindern
    return form


def noun_phrase(np, case):
    """Tokens of an NP in case "nom", "acc" or "dat" (a relative clause starts with its comma)."""
    if np.pronoun is not None:
        return [np.pronoun.de]
    gender = "pl" if np.plural else np.noun.de_gender
    if np.det == "def":
        det = [_DEFINITE[case][gender]]
    elif np.det == "indef":
        det = [_INDEFINITE[case][gender]]
    else:
        det = [numbers.spell(np.count, "de")]
    ending = _adjective_ending(np.det, case, gender)
    tokens = det + [_inflect(a.de, ending) for a in np.adjs] + [_noun_form(np.noun, np.plural, case)]
    if np.rel is not None:
        relative_pronoun = _DEFINITE["nom"][gender]
        tokens += [","] + _clause_body(np.rel, [relative_pronoun], grammar.person(np), "final")
    return tokens


def _clause_body(clause, subject, person, order):
    verb = clause.verb.de[PERSONS.index(person)]
    middle = []
    if clause.obj is not None:
        middle += noun_phrase(clause.obj, clause.verb.de_case)
    if clause.pp is not None:
        prep, np = clause.pp
        middle += [prep.de] + noun_phrase(np, "dat")  # locative: dative
    if order == "final":
        return subject + middle + [verb]
    if order == "inverted":
        return [verb] + subject + middle
    return subject + [verb] + middle


def _clause(clause, order):
    """order: "second" (main clause, verb second), "final" (subordinate clause)."""
    subject = noun_phrase(clause.subj, "nom")
    if clause.subj.rel is not None and order == "second":
        subject += [","]  # close the relative clause before the verb
    if clause.sub is None:
        return _clause_body(clause, subject, grammar.person(clause.subj), order)
    conj, sub = clause.sub
    subordinate = [conj.de] + _clause(sub, "final")
    if clause.sub_first:  # the subordinate clause fills the first position: verb before subject
        return subordinate + [","] + _clause_body(clause, subject, grammar.person(clause.subj), "inverted")
    return _clause_body(clause, subject, grammar.person(clause.subj), order) + [","] + subordinate


def realize(clause):
    """The German sentence of a top-level clause."""
    return grammar.detokenize(grammar.capitalize(_clause(clause, "second") + ["."]))
