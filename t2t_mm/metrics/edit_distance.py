"""Word and character error rates: Levenshtein distance (substitutions + deletions + insertions)
summed over the corpus and divided by the number of reference words/characters (the standard corpus WER,
not a mean of per-sentence rates). Own implementation; no jiwer dependency."""
from t2t_mm.errors import UserError


def edit_distance(reference, hypothesis):
    """Minimum number of substitutions, deletions and insertions turning reference into hypothesis
    (both sequences of hashable items)."""
    ref, hyp = list(reference), list(hypothesis)
    previous = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, start=1):
        current = [i] + [0] * len(hyp)
        for j, h in enumerate(hyp, start=1):
            current[j] = min(previous[j] + 1,              # deletion of r
                             current[j - 1] + 1,           # insertion of h
                             previous[j - 1] + (r != h))   # substitution (or match)
        previous = current
    return previous[-1]


def error_rate(references, hypotheses, split):
    """Corpus error rate: sum of edit distances / sum of reference lengths, units from split(text)."""
    references, hypotheses = list(references), list(hypotheses)
    if len(references) != len(hypotheses):
        raise UserError(f"error rate needs one hypothesis per reference: {len(references)} references, "
                        f"{len(hypotheses)} hypotheses")
    errors = total = 0
    for ref, hyp in zip(references, hypotheses):
        ref_units, hyp_units = split(ref), split(hyp)
        errors += edit_distance(ref_units, hyp_units)
        total += len(ref_units)
    if total == 0:
        return 0.0 if errors == 0 else float("inf")
    return errors / total


def wer(references, hypotheses):
    """Word error rate over whitespace-separated words."""
    return error_rate(references, hypotheses, str.split)


def cer(references, hypotheses):
    """Character error rate over characters, with runs of whitespace collapsed to one space."""
    return error_rate(references, hypotheses, lambda s: list(" ".join(s.split())))
