"""Constituency parsing of the Penn Treebank WSJ (LDC99T42) as translation (Vinyals et al. 2015).

Input: the sentence's tokens, space-joined (PTB tokenization, -LRB- and the like kept). Target: its
cleaned, linearized tree (t2t_mm.data.trees). Sections 02-21 train, 22 dev, 23 test (a sample
without them, such as NLTK's sections 00-01, is split by a stable file hash). Evaluated by exact
tree match and EVALB-style bracket F1 after delinearizing with the input's tokens.
"""

from t2t_mm import registry
from t2t_mm.data import TextToTextProblem
from t2t_mm.errors import UserError
from t2t_mm.readers import archives, ptb


@registry.register_problem
class ParsingWsj(TextToTextProblem):
    target_space = "parse_tree"
    eval_metrics = ("accuracy", "log_perplexity", "exact_tree", "bracket_f1")
    splits = {"train": 4, "dev": 1, "test": 1}

    def generate_samples(self, tmp_dir, split):
        archives.extract_all(tmp_dir, ("treebank*", "ldc99t42*", "ptb*", "penn*", "wsj*"))
        paths = ptb.find_files(tmp_dir)[split]
        if not paths:
            raise UserError("%s: no .mrg files of the %s sections under --tmp_dir=%s; copy the Penn "
                            "Treebank's parsed/mrg/wsj folders there." % (self.name, split, tmp_dir))
        for words, target in ptb.examples(paths):
            yield {"inputs": " ".join(words), "targets": target}
