"""Parsing metrics on decoded linearized trees: exact-tree rate and labelled bracket F1 (EVALB-style).

The model outputs a linearized tree with one XX per word and no words (t2t_mm.data.trees); both the
reference and the decode are rebuilt over the source sentence's words with trees.delinearize (which
repairs malformed decodes), then scored by trees.bracket_scores. Nothing is re-implemented here.
"""
from t2t_mm.data import trees
from t2t_mm.errors import UserError


def parse_scores(sentences, references, hypotheses):
    """sentences: source sentences (whitespace-tokenized words); references/hypotheses: linearized
    trees as strings. Returns {"exact_match", "f1", "precision", "recall"} over the corpus."""
    sentences, references, hypotheses = list(sentences), list(references), list(hypotheses)
    if not len(sentences) == len(references) == len(hypotheses):
        raise UserError(f"parse scores need one sentence, reference and hypothesis per example: got "
                        f"{len(sentences)}, {len(references)} and {len(hypotheses)}")
    golds, predictions = [], []
    for sentence, reference, hypothesis in zip(sentences, references, hypotheses):
        words = sentence.split()
        golds.append(trees.delinearize(reference, words))
        predictions.append(trees.delinearize(hypothesis, words))
    return trees.bracket_scores(golds, predictions)


def exact_tree_rate(sentences, references, hypotheses):
    return parse_scores(sentences, references, hypotheses)["exact_match"]


def bracket_f1(sentences, references, hypotheses):
    return parse_scores(sentences, references, hypotheses)["f1"]
