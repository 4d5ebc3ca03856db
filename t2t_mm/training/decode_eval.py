"""Decode-based eval metrics: greedy decodes of a few dev examples scored with the metrics the problem
declares (sacreBLEU with its signature, WER/CER, exact-tree rate and bracket F1), using
t2t_mm.decoding's greedy_decode and t2t_mm.metrics so mm-decoder and the trainer agree."""
import tensorflow as tf
from absl import logging

from t2t_mm import metrics
from t2t_mm.compiled import graph_function
from t2t_mm.metrics import names
REFERENCE_SLACK = 8
LENGTH_STEP = 16


class DecodeScorer:
    """Compiled greedy decodes reused across evals: one per kind of problem (step.share_key: the five
    translation directions and parsing share one), whatever each problem's decode length.

    A problem's max_length is fixed at its first eval: the longest reference among the decoded examples
    plus REFERENCE_SLACK, rounded up to a multiple of LENGTH_STEP and capped by hparams.max_length. An
    untrained model that never says EOS costs max_length decode steps; hypotheses far longer than every
    reference would only be scored worse anyway, and the decode loop stops once every row has said EOS.
    The length is an argument of the compiled decode, not a constant traced into it: the main job's
    final eval traced five decodes (text at lengths 32, 48 and 64) where three serve."""

    def __init__(self, model, data_dir, hparams, max_examples=-1):
        self.model = model
        self.data_dir = data_dir
        self.max_length = int(hparams.max_length)
        self.max_examples = int(max_examples)
        self._lengths = {}     # problem -> its decode length, fixed at its first eval
        self._decoders = {}    # share key -> compiled greedy decode (features, max_length)

    def _length(self, name, longest_reference):
        if name not in self._lengths:
            wanted = int(longest_reference) + REFERENCE_SLACK
            self._lengths[name] = max(1, min(self.max_length, -(-wanted // LENGTH_STEP) * LENGTH_STEP))
        return self._lengths[name]

    def _decoder(self, name, element_spec):
        from t2t_mm.training.step import relaxed_signature, share_key
        key = share_key(self.model, name)
        if key not in self._decoders:
            from t2t_mm.decoding.greedy import greedy_decode
            model = self.model
            signature = None
            if element_spec is not None:
                signature = [relaxed_signature(element_spec), tf.TensorSpec([], tf.int32)]
            self._decoders[key] = graph_function(
                lambda features, max_length: greedy_decode(model, features, name, max_length),
                input_signature=signature)
        return self._decoders[key]

    def release(self, kind):
        """Drops the compiled decode of one kind of problem."""
        self._decoders.pop(kind, None)

    def wanted(self, problem):
        return names.decode_metrics(problem.eval_metrics)

    def score(self, problem, batches, element_spec=None, references=None):
        """{metric: value} over up to max_examples (-1: all) examples of the given eval batches, scored
        against `references` (batches of the same shapes; default: `batches` themselves)."""
        wanted = self.wanted(problem)
        if not wanted or not batches or problem.target_modality != "symbol" or self.max_examples == 0:
            return {}
        vocab = problem.vocab(self.data_dir)
        hypotheses, texts, sources = [], [], []
        left = self.max_examples if self.max_examples > 0 else sum(int(b["targets"].shape[0]) for b in batches)
        chosen, truth = [], []
        for features, reference in zip(batches, references or batches):
            if left > 0:
                chosen.append({k: v[:left] for k, v in features.items()})
                truth.append({k: v[:left] for k, v in reference.items()})
                left -= int(chosen[-1]["targets"].shape[0])
        longest = max(int(tf.reduce_max(tf.reduce_sum(tf.cast(f["targets"] > 0, tf.int32), 1))) for f in chosen)
        decoder = self._decoder(problem.name, element_spec)
        max_length = tf.constant(self._length(problem.name, longest), tf.int32)
        for features, reference in zip(chosen, truth):
            ids = decoder(features, max_length)["ids"].numpy()
            hypotheses += [vocab.decode(row) for row in ids]
            texts += [vocab.decode(row) for row in reference["targets"].numpy()]
            if problem.input_modality == "symbol":
                sources += [vocab.decode(row) for row in reference["inputs"].numpy()]
        result = {"decoded_examples": len(hypotheses)}
        for metric in wanted:
            try:
                result.update(_score(metric, sources, texts, hypotheses))
            except Exception as exc:  # a metric bug must not kill hours of training: report it instead
                logging.warning("eval of %s: metric %s failed: %s", problem.name, metric, exc)
                result[f"{metric}_error"] = f"{type(exc).__name__}: {exc}"
        return result


def _score(metric, sources, references, hypotheses):
    if metric == "bleu":
        bleu = metrics.corpus_bleu(hypotheses, references)
        return {"bleu": bleu.score, "bleu_signature": bleu.signature}
    if metric == "wer":
        return {"wer": metrics.wer(references, hypotheses)}
    if metric == "cer":
        return {"cer": metrics.cer(references, hypotheses)}
    from t2t_mm.metrics.parsing import parse_scores  # bracket_f1, exact_tree: over the source words
    scores = parse_scores(sources, references, hypotheses)
    return {"bracket_f1": scores["f1"], "exact_tree": scores["exact_match"]}
