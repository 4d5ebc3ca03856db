"""One problem's decoder: a compiled decode function (beam search or greedy for text targets, top-k
for class targets) plus turning input lines into batches and outputs into text. mm-decoder, the
SavedModel export and tests all go through make_decode_fn, so they decode identically."""
import tensorflow as tf

from t2t_mm.decoding import features as features_lib
from t2t_mm.decoding.beam import beam_search
from t2t_mm.decoding.classes import top_classes
from t2t_mm.decoding.greedy import greedy_decode
from t2t_mm.decoding.search_common import strip_ids


def make_decode_fn(model, spec, decode_hp, max_length):
    """features -> {"outputs": ids [B, max_length], "scores": [B]} for text targets (greedy when
    beam_size == 1), {"classes": [B, k], "probabilities": [B, k]} for class targets. Graph-safe."""
    name = spec.name
    if not spec.text_targets:
        return lambda features: top_classes(model, features, name, k=decode_hp.top_k)
    if decode_hp.beam_size == 1:
        def greedy(features):
            out = greedy_decode(model, features, name, max_length)
            return {"outputs": out["ids"], "scores": out["log_probs"]}
        return greedy

    def beam(features):
        out = beam_search(model, features, name, decode_hp.beam_size, decode_hp.alpha, max_length)
        return {"outputs": out["ids"], "scores": out["scores"]}
    return beam


class Decoder:
    """Decodes lists of input lines (text, image paths or audio paths) for one problem."""

    def __init__(self, model, problem, spec, decode_hp, max_length, vocab=None):
        self.problem, self.spec, self.decode_hp, self.vocab = problem, spec, decode_hp, vocab
        self._fn = tf.function(make_decode_fn(model, spec, decode_hp, max_length), reduce_retracing=True)

    def features(self, items):
        tensors = [features_lib.example_inputs(self.problem, features_lib.raw_sample(self.problem, item),
                                               self.vocab) for item in items]
        return features_lib.batch_features(tensors, self.spec.target_space_id)

    def decode_features(self, features):
        return {k: v.numpy() for k, v in self._fn(features).items()}

    def decode(self, items):
        """Input lines -> one result per line: text for text targets, [(class, prob), ...] else."""
        results = []
        size = self.decode_hp.batch_size
        for start in range(0, len(items), size):
            out = self.decode_features(self.features(items[start:start + size]))
            if self.spec.text_targets:
                results += [self.detokenize(row) for row in out["outputs"]]
            else:
                results += [list(zip(c.tolist(), p.tolist()))
                            for c, p in zip(out["classes"], out["probabilities"])]
        return results

    def detokenize(self, ids):
        ids = strip_ids(ids)
        return self.vocab.decode(ids) if self.vocab is not None else " ".join(map(str, ids))

    def class_name(self, class_id):
        names = getattr(self.problem, "class_names", None)
        return names[class_id] if names and class_id < len(names) else str(class_id)

    def format_line(self, result):
        """One output line: the text, or 'class<TAB>prob' pairs best first (cut -f1 gives top-1)."""
        if self.spec.text_targets:
            return result
        return "\t".join(f"{self.class_name(c)}\t{p:.4f}" for c, p in result)

    def format_block(self, result):
        """Interactive display: the text, or one 'class<TAB>prob' line per class."""
        if self.spec.text_targets:
            return result
        return "\n".join(f"{self.class_name(c)}\t{p:.4f}" for c, p in result)
