"""One problem's decoder: a compiled decode function (beam search or greedy for text targets, top-k
for class targets) plus turning input lines into batches and outputs into text. mm-decoder, the
SavedModel export and tests all go through make_decode_fn, so they decode identically."""
import tensorflow as tf

from t2t_mm.compiled import graph_function
from t2t_mm.decoding import features as features_lib
from t2t_mm.decoding.beam import beam_search
from t2t_mm.decoding.classes import top_classes
from t2t_mm.decoding.greedy import greedy_decode
from t2t_mm.decoding.search_common import strip_ids

# Characters that end a line for some reader (str.splitlines: \n, \r, \v, \f, \x1c-\x1e, \x85, \u2028,
# \u2029). A decoded piece may hold one; written raw it would split one output into two lines.
_LINE_BREAKS = {ch: f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}"
                for ch in "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"}
_LINE_BREAKS.update({"\n": "\\n", "\r": "\\r"})
_ESCAPE = str.maketrans(_LINE_BREAKS)


def one_line(text):
    """text with every line break escaped (\\n, \\r, \\x0b, ...): one output line per input, always."""
    return text.translate(_ESCAPE)


def make_decode_fn(model, spec, decode_hp, max_length):
    """features -> {"outputs": ids [B, max_length], "scores": [B]} for text targets (greedy when
    beam_size == 1), {"classes": [B, k], "probabilities": [B, k]} for class targets. Graph-safe."""
    name = spec.name
    if not spec.text_targets:
        return lambda features: top_classes(model, features, name, k=decode_hp.top_k)
    if decode_hp.beam_size == 1:
        def greedy(features):
            out = greedy_decode(model, features, name, max_length, cache=decode_hp.use_cache)
            return {"outputs": out["ids"], "scores": out["log_probs"]}
        return greedy

    def beam(features):
        out = beam_search(model, features, name, decode_hp.beam_size, decode_hp.alpha, max_length,
                          cache=decode_hp.use_cache)
        return {"outputs": out["ids"], "scores": out["scores"]}
    return beam


class CompiledDecodeFns:
    """One compiled decode function per kind of problem (t2t_mm.training.step.share_key), traced under
    the first problem of its kind: mm-decoder on the mini suite traces 4 beam searches instead of 9."""

    def __init__(self, model, decode_hp, max_length):
        self.model, self.decode_hp, self.max_length = model, decode_hp, max_length
        self._fns = {}

    def get(self, spec):
        from t2t_mm.training.step import share_key
        key = share_key(self.model, spec.name)
        if key not in self._fns:
            self._fns[key] = graph_function(make_decode_fn(self.model, spec, self.decode_hp, self.max_length),
                                            reduce_retracing=True)
        return self._fns[key]


class Decoder:
    """Decodes lists of input lines (text, image paths or audio paths) for one problem."""

    def __init__(self, model, problem, spec, decode_hp, max_length, vocab=None, compiled=None):
        """compiled: a decode function to reuse (one made for another problem of the same kind, see
        CompiledDecodeFns); by default this decoder compiles its own."""
        self.problem, self.spec, self.decode_hp, self.vocab = problem, spec, decode_hp, vocab
        self._fn = compiled or graph_function(make_decode_fn(model, spec, decode_hp, max_length),
                                               reduce_retracing=True)

    def inputs_of(self, item):
        """One input line -> its `inputs` tensor; a UserError names what is wrong with that input."""
        return features_lib.example_inputs(self.problem, features_lib.raw_sample(self.problem, item),
                                           self.vocab)

    def features(self, items):
        return features_lib.batch_features([self.inputs_of(item) for item in items], self.spec.target_space_id)

    def decode_features(self, features):
        return {k: v.numpy() for k, v in self._fn(features).items()}

    def decode(self, items):
        """Input lines -> one result per line: text for text targets, [(class, prob), ...] else."""
        return self.decode_inputs([self.inputs_of(item) for item in items])

    def decode_inputs(self, tensors):
        """Already prepared inputs (inputs_of) -> one result each, decoded batch_size at a time."""
        results = []
        size = self.decode_hp.batch_size
        for start in range(0, len(tensors), size):
            batch = features_lib.batch_features(tensors[start:start + size], self.spec.target_space_id)
            out = self.decode_features(batch)
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
        names = self.problem.class_names
        return names[class_id] if names and class_id < len(names) else str(class_id)

    def format_line(self, result):
        """One output line: the text, or 'class<TAB>prob' pairs best first (cut -f1 gives top-1); line
        breaks inside are escaped, so output line i always belongs to input line i."""
        if self.spec.text_targets:
            return one_line(result)
        return "\t".join(f"{one_line(self.class_name(c))}\t{p:.4f}" for c, p in result)

    def format_block(self, result):
        """Interactive display: the text (on one line), or one 'class<TAB>prob' line per class."""
        if self.spec.text_targets:
            return one_line(result)
        return "\n".join(f"{self.class_name(c)}\t{p:.4f}" for c, p in result)
