"""Mini parsing (twin of parsing_wsj): English sentence -> linearized constituency tree.

Targets are linearized exactly as the real parsing problem does it (t2t_mm.data.trees), so decoding,
delinearization and bracket scoring are shared. Small on purpose (see sizes.py).
"""
from t2t_mm import registry
from t2t_mm.data import TextToTextProblem, trees

from t2t_mm.problems.mini import sizes, text_corpus
from t2t_mm.synth import language


def linearized_tree(bracketed):
    return trees.linearize(trees.clean_tree(trees.parse_tree(bracketed)))


@registry.register_problem
class MiniParsing(TextToTextProblem):
    target_space = "parse_tree"
    eval_metrics = ("accuracy", "log_perplexity", "exact_tree", "bracket_f1")
    splits = sizes.splits("parsing", train_shards=1)
    tmp_dir_hint = sizes.TMP_DIR_HINT

    def num_examples(self, split):
        return sizes.count("parsing", split, self.size_scale)

    def generate_samples(self, tmp_dir, split):
        train = self.num_examples(sizes.TRAIN)
        for s in text_corpus.sentences("parsing", split, self.num_examples(split), train):
            # tokenized as parsing_wsj's inputs are, one word per XX of the target
            yield {"inputs": " ".join(language.tokens(s["en"])), "targets": linearized_tree(s["tree"])}
