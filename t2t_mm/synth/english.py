"""English realization of a meaning, built as a Penn-Treebank-style constituency tree.

The sentence is the tree's leaves, so the tree and the text can never disagree.
"""
import re

from t2t_mm.synth import grammar, numbers

# A tree node is (label, [children]); a leaf is (tag, word).


def _leaf(tag, word):
    return (tag, word)


def _noun_phrase(np):
    if np.pronoun is not None:
        return ("NP", [_leaf("PRP", np.pronoun.en)])
    adjs = [_leaf("JJ", a.en) for a in np.adjs]
    noun = _leaf("NNS", np.noun.en_pl) if np.plural else _leaf("NN", np.noun.en)
    if np.det == "def":
        det = _leaf("DT", "the")
    elif np.det == "num":
        det = _leaf("CD", numbers.spell(np.count, "en"))
    else:
        following = (adjs + [noun])[0][1]
        det = _leaf("DT", "an" if following[0] in "aeiou" else "a")
    phrase = ("NP", [det] + adjs + [noun])
    if np.rel is None:
        return phrase
    relative = ("SBAR", [("WHNP", [_leaf("WDT", "that")]), ("S", [_verb_phrase(np.rel, grammar.person(np))])])
    return ("NP", [phrase, relative])


def _subordinate(sub):
    conj, clause = sub
    head = _leaf(conj.en_tag, conj.en)
    if conj.en_tag == "WRB":
        head = ("WHADVP", [head])
    return ("SBAR", [head, _clause(clause)])


def _verb_phrase(clause, person):
    verb = clause.verb
    children = [_leaf("VBZ", verb.en_3sg) if person == "3sg" else _leaf("VBP", verb.en)]
    if clause.obj is not None:
        children.append(_noun_phrase(clause.obj))
    if clause.pp is not None:
        prep, np = clause.pp
        children.append(("PP", [_leaf("IN", prep.en), _noun_phrase(np)]))
    if clause.sub is not None and not clause.sub_first:
        children.append(_subordinate(clause.sub))
    return ("VP", children)


def _clause(clause):
    children = []
    if clause.sub is not None and clause.sub_first:
        children += [_subordinate(clause.sub), _leaf(",", ",")]
    children += [_noun_phrase(clause.subj), _verb_phrase(clause, grammar.person(clause.subj))]
    return ("S", children)


def leaves(node):
    """The words of a tree, left to right."""
    label, body = node
    if isinstance(body, str):
        return [body]
    return [word for child in body for word in leaves(child)]


def _to_sexpr(node, first):
    label, body = node
    if isinstance(body, str):
        word = body[:1].upper() + body[1:] if first[0] else body
        first[0] = False
        return f"({label} {word})"
    return "(" + label + " " + " ".join(_to_sexpr(child, first) for child in body) + ")"


def realize(clause):
    """(sentence, tree s-expression) of a top-level clause; the first word is capitalized in both."""
    tree = _clause(clause)
    tree[1].append(_leaf(".", "."))
    words = grammar.capitalize(leaves(tree))
    return grammar.detokenize(words), _to_sexpr(tree, [True])


_TOKEN = re.compile(r"[^\s,.]+|[,.]")


def tokens(sentence):
    """Split an English sentence of this generator into its tree's leaves (punctuation separate)."""
    return _TOKEN.findall(sentence)
