"""Constituency trees: read Penn Treebank brackets, linearize them as parser targets and back.

The parsing problem turns a sentence into a sequence (Vinyals et al. 2015, "Grammar as a Foreign
Language"). The exact linearized form used here, one space between tokens:

    (S (NP XX XX )NP (VP XX (NP XX XX )NP )VP XX )S

* every nonterminal opens as ``(LABEL`` and closes as ``)LABEL``;
* every preterminal (POS tag + word) becomes the single token ``XX`` -- words are removed and all
  POS tags, punctuation included, are normalized to XX, so there is exactly one XX per word;
* labels are cleaned first: function tags and indices stripped (``NP-SBJ-1`` -> ``NP``,
  ``NP=2`` -> ``NP``, ``ADVP|PRT`` -> ``ADVP``), ``-NONE-`` traces removed together with the
  constituents they leave empty, and the unlabeled outer root of ``( (S ...) )`` dropped.

``delinearize`` rebuilds a tree from model output and the sentence tokens, repairing what a model
gets wrong (stray or missing brackets, too many or too few XX). Bracket scoring follows EVALB's
COLLINS.prm: labelled spans over word positions, preterminals not counted, punctuation words (gold
POS tags `` '' . : , ) skipped when numbering positions, ADVP and PRT counted as the same label.
"""

import re

from t2t_mm.errors import UserError

PRETERMINAL = "XX"
PUNCTUATION_TAGS = frozenset(["``", "''", ".", ":", ","])
# Used for trees whose tags were normalized to XX (delinearized output): the words those tags carry.
# A lone ' is left out: in WSJ it is far more often the possessive (POS) than a closing quote.
PUNCTUATION_WORDS = frozenset([",", ".", ":", ";", "?", "!", "...", "--", "-", "`", "``", "''"])
LABEL_EQUIVALENCE = {"PRT": "ADVP"}
_TOKEN = re.compile(r"\(|\)|[^\s()]+")


class Tree:
    """A node: a label and children, each a Tree or a word (str). A preterminal has one word."""

    __slots__ = ("label", "children")

    def __init__(self, label, children=()):
        self.label = label
        self.children = list(children)

    def is_preterminal(self):
        return len(self.children) == 1 and isinstance(self.children[0], str)

    def leaves(self):
        out = []
        for child in self.children:
            out.extend([child] if isinstance(child, str) else child.leaves())
        return out

    def preterminals(self):
        """(tag, word) pairs in sentence order."""
        if self.is_preterminal():
            return [(self.label, self.children[0])]
        out = []
        for child in self.children:
            if not isinstance(child, str):
                out.extend(child.preterminals())
        return out

    def __eq__(self, other):
        return isinstance(other, Tree) and self.label == other.label and self.children == other.children

    def __repr__(self):
        return "Tree(%r)" % str(self)

    def __str__(self):
        parts = [c if isinstance(c, str) else str(c) for c in self.children]
        return "(%s %s)" % (self.label, " ".join(parts)) if parts else "(%s)" % self.label


def parse_trees(text, source="<string>"):
    """Every top-level bracketed tree in ``text`` (a .mrg file's content), in order."""
    tokens = _TOKEN.findall(text)
    trees, stack, pos = [], [], 0
    while pos < len(tokens):
        tok = tokens[pos]
        if tok == "(":
            label = ""
            if pos + 1 < len(tokens) and tokens[pos + 1] not in "()":
                label, pos = tokens[pos + 1], pos + 1
            stack.append(Tree(label))
        elif tok == ")":
            if not stack:
                raise UserError("%s: unbalanced ')' at token %d; the file is not a bracketed treebank "
                                "file or it is corrupt -- re-extract it from the corpus." % (source, pos))
            node = stack.pop()
            (stack[-1].children if stack else trees).append(node)
        else:
            if not stack:
                raise UserError("%s: word %r outside any bracket at token %d; expected Penn Treebank "
                                "'(TAG word)' brackets." % (source, tok, pos))
            stack[-1].children.append(tok)
        pos += 1
    if stack:
        raise UserError("%s: %d bracket(s) left open at the end; the file looks truncated -- "
                        "re-extract it from the corpus." % (source, len(stack)))
    return trees


def parse_tree(text):
    """Exactly one tree from a string."""
    trees = parse_trees(text)
    if len(trees) != 1:
        raise UserError("expected one bracketed tree, found %d in %r" % (len(trees), text[:80]))
    return trees[0]


def clean_label(label):
    """``NP-SBJ-1`` -> ``NP``; ``-NONE-``, ``-LRB-`` and similar dash-wrapped tags stay as they are."""
    if len(label) > 1 and label.startswith("-") and label.endswith("-"):
        return label
    return re.split(r"[-=|]", label, maxsplit=1)[0] or label


def clean_tree(tree):
    """Strip function tags, remove -NONE- traces and what they leave empty, drop the unlabeled root.

    Returns None when nothing is left (a tree made only of traces).
    """
    while tree.label == "" and len(tree.children) == 1 and isinstance(tree.children[0], Tree):
        tree = tree.children[0]
    return _clean(tree)


def _clean(node):
    if node.label == "-NONE-":
        return None
    if node.is_preterminal():
        return Tree(clean_label(node.label), node.children)
    kids = [_clean(c) for c in node.children if not isinstance(c, str)]
    kids = [k for k in kids if k is not None]
    return Tree(clean_label(node.label), kids) if kids else None


def linearize(tree):
    """The target sequence for a (cleaned) tree, as one space-separated string."""
    return " ".join(_linear_tokens(tree))


def _linear_tokens(node):
    if node.is_preterminal():
        return [PRETERMINAL]
    out = []
    for child in node.children:
        out.extend([PRETERMINAL] if isinstance(child, str) else _linear_tokens(child))
    if not node.label:  # the unlabeled root delinearize adds around several constituents
        return out
    return ["(" + node.label] + out + [")" + node.label]


def delinearize(linearized, words):
    """A tree with the given words from a (possibly malformed) linearized sequence.

    Repairs: a close with nothing open is dropped; a close closes the innermost open constituent
    whatever label it names; brackets still open at the end are closed; XX beyond the last word
    are dropped; words with no XX left are attached, as XX preterminals, to the outermost
    constituent. Several top-level constituents are gathered under an unlabeled root ("").
    """
    words = list(words)
    root = Tree("")
    stack = [root]
    next_word = 0
    for tok in linearized.split():
        if tok.startswith("(") and len(tok) > 1:
            node = Tree(tok[1:])
            stack[-1].children.append(node)
            stack.append(node)
        elif tok.startswith(")"):
            if len(stack) > 1:
                stack.pop()
        elif next_word < len(words):  # XX, or any other stray token, stands for the next word
            stack[-1].children.append(Tree(PRETERMINAL, [words[next_word]]))
            next_word += 1
    single = root.children[0] if len(root.children) == 1 else None
    outer = single if single is not None and not single.is_preterminal() else root
    outer.children.extend(Tree(PRETERMINAL, [w]) for w in words[next_word:])
    _prune_empty(outer)
    return outer


def _prune_empty(node):
    node.children = [c for c in node.children if isinstance(c, str) or _prune_empty(c)]
    return bool(node.children)


def brackets(tree):
    """Labelled spans {(label, start, end): count} as EVALB counts them (see module docstring)."""
    tags = tree.preterminals()
    keep = [not _is_punctuation(tag, word) for tag, word in tags]
    position = [sum(keep[:i]) for i in range(len(keep) + 1)]
    counts = {}

    def walk(node, start):
        if node.is_preterminal():
            return start + 1
        end = start
        for child in node.children:
            end = walk(child, end) if isinstance(child, Tree) else end + 1
        span = (LABEL_EQUIVALENCE.get(node.label, node.label), position[start], position[end])
        if node.label and span[1] < span[2]:
            counts[span] = counts.get(span, 0) + 1
        return end

    walk(tree, 0)
    return counts


def _is_punctuation(tag, word):
    return tag in PUNCTUATION_TAGS or (tag == PRETERMINAL and word in PUNCTUATION_WORDS)


def bracket_counts(gold, predicted):
    """(matched, gold total, predicted total) labelled brackets for one sentence.

    Punctuation positions come from the gold tree's tags, as in EVALB; both trees must have
    the same number of words.
    """
    gold_tags = gold.preterminals()
    pred_tags = predicted.preterminals()
    if len(gold_tags) != len(pred_tags):
        raise ValueError("gold has %d words, prediction %d; delinearize the prediction with the gold "
                         "sentence's words" % (len(gold_tags), len(pred_tags)))
    pred = _retag(predicted, iter(gold_tags))
    g, p = brackets(gold), brackets(pred)
    matched = sum(min(n, p.get(span, 0)) for span, n in g.items())
    return matched, sum(g.values()), sum(p.values())


def _retag(node, gold_tags):
    if node.is_preterminal():
        tag, _ = next(gold_tags)
        return Tree(tag, node.children)
    return Tree(node.label, [c if isinstance(c, str) else _retag(c, gold_tags) for c in node.children])


def exact_match(gold, predicted):
    """Same tree up to POS tags (which the linearization normalizes away)."""
    return linearize(gold) == linearize(predicted)


def bracket_scores(golds, predictions):
    """Corpus-level labelled precision, recall, F1 (micro-averaged, as EVALB) and exact-tree rate."""
    matched = n_gold = n_pred = exact = 0
    golds, predictions = list(golds), list(predictions)
    if len(golds) != len(predictions):
        raise ValueError("%d gold trees but %d predictions" % (len(golds), len(predictions)))
    for gold, pred in zip(golds, predictions):
        m, g, p = bracket_counts(gold, pred)
        matched, n_gold, n_pred = matched + m, n_gold + g, n_pred + p
        exact += int(exact_match(gold, pred))
    precision = matched / n_pred if n_pred else 0.0
    recall = matched / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    n = max(len(golds), 1)
    return {"precision": precision, "recall": recall, "f1": f1, "exact_match": exact / n}
