"""Language-neutral meaning of a generated sentence: the structures every realizer reads.

A Clause is subject + verb + optional object, locative PP and subordinate clause; an NP is a pronoun or a
determined noun with adjectives and an optional subject relative clause. Realizers (english, german,
french) turn one meaning into the same sentence in each language.
"""
import collections

# pronoun: lexicon.Pronoun or None; det: "def", "indef" or "num"; adjs: size adjective first;
# rel: a Clause whose subject is this NP (subj=None) or None.
NP = collections.namedtuple("NP", "pronoun noun plural det count adjs rel")
# pp: (Preposition, NP) or None; sub: (Conjunction, Clause) or None; sub_first: the subordinate clause
# opens the sentence.
Clause = collections.namedtuple("Clause", "subj verb obj pp sub sub_first")


def person(np):
    """The verb agreement class of a subject NP: "1sg", "3sg", "1pl" or "3pl"."""
    if np.pronoun is not None:
        return np.pronoun.person
    return "3pl" if np.plural else "3sg"


def capitalize(tokens):
    """Upper-case the first letter of the first token (L'oiseau, Einundzwanzig, Because)."""
    if tokens:
        tokens = [tokens[0][:1].upper() + tokens[0][1:]] + list(tokens[1:])
    return tokens


def detokenize(tokens):
    """Join tokens with spaces, attaching commas and the final period to the word before."""
    return " ".join(tokens).replace(" ,", ",").replace(" .", ".")
