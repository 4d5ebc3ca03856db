"""Corpus BLEU with sacreBLEU on detokenized strings, returned with sacreBLEU's signature so a reported
number says exactly how it was computed (tokenizer, casing, smoothing, version)."""
import dataclasses

from t2t_mm.errors import UserError


@dataclasses.dataclass(frozen=True)
class BleuResult:
    score: float
    signature: str

    def __str__(self):
        return f"{self.score:.2f} (sacrebleu {self.signature})"


def corpus_bleu(hypotheses, references, tokenize="13a", lowercase=False):
    """hypotheses: list of strings; references: list of strings (one reference each) or a list of
    reference streams (each a list as long as hypotheses) for several references."""
    import sacrebleu

    hypotheses = list(hypotheses)
    references = list(references)
    if references and isinstance(references[0], str):
        streams = [references]
    else:
        streams = [list(s) for s in references]
    for stream in streams:
        if len(stream) != len(hypotheses):
            raise UserError(f"BLEU needs one reference per hypothesis: {len(hypotheses)} hypotheses, "
                            f"{len(stream)} references")
    metric = sacrebleu.metrics.BLEU(tokenize=tokenize, lowercase=lowercase)
    result = metric.corpus_score(hypotheses, streams)
    return BleuResult(score=float(result.score), signature=str(metric.get_signature()))
