"""Decode-based eval metrics: greedy decodes of a few dev examples scored with the metrics the problem
declares (sacreBLEU with its signature, WER/CER, exact-tree rate and bracket F1), using the decoding
engineer's greedy_decode and t2t_mm.metrics so mm-decoder and the trainer agree."""
import tensorflow as tf

from t2t_mm import metrics

DECODE_METRICS = ("bleu", "wer", "cer", "bracket_f1", "exact_tree")


class DecodeScorer:
    """One compiled greedy decode per problem (max_length = hparams.max_length), reused across evals."""

    def __init__(self, model, data_dir, hparams, max_examples=32):
        self.model = model
        self.data_dir = data_dir
        self.max_length = int(hparams.max_length)
        self.max_examples = int(max_examples)
        self._decoders = {}

    def _decoder(self, name):
        if name not in self._decoders:
            from t2t_mm.decoding.greedy import greedy_decode
            model, max_length = self.model, self.max_length
            self._decoders[name] = tf.function(
                lambda features: greedy_decode(model, features, name, max_length), reduce_retracing=True)
        return self._decoders[name]

    def wanted(self, problem):
        return [m for m in getattr(problem, "eval_metrics", ()) if m in DECODE_METRICS]

    def score(self, problem, batches):
        """{metric: value} over up to max_examples examples of the given eval batches."""
        wanted = self.wanted(problem)
        if not wanted or not batches or problem.target_modality != "symbol" or self.max_examples <= 0:
            return {}
        vocab = problem.vocab(self.data_dir)
        hypotheses, references, sources = [], [], []
        left = self.max_examples
        for features in batches:
            if left <= 0:
                break
            features = {k: v[:left] for k, v in features.items()}
            ids = self._decoder(problem.name)(features)["ids"].numpy()
            hypotheses += [vocab.decode(row) for row in ids]
            references += [vocab.decode(row) for row in features["targets"].numpy()]
            if problem.input_modality == "symbol":
                sources += [vocab.decode(row) for row in features["inputs"].numpy()]
            left -= len(ids)
        result = {}
        if "bleu" in wanted:
            bleu = metrics.corpus_bleu(hypotheses, references)
            result["bleu"], result["bleu_signature"] = bleu.score, bleu.signature
        if "wer" in wanted:
            result["wer"] = metrics.wer(references, hypotheses)
        if "cer" in wanted:
            result["cer"] = metrics.cer(references, hypotheses)
        if {"bracket_f1", "exact_tree"} & set(wanted) and sources:
            from t2t_mm.metrics.parsing import parse_scores
            scores = parse_scores(sources, references, hypotheses)
            result["bracket_f1"], result["exact_tree"] = scores["f1"], scores["exact_match"]
        result["decoded_examples"] = len(hypotheses)
        return result
