"""Mini translation among English, German and French (twins of the WMT problems).

The sentences come from t2t_mm.synth.language: the same meaning realized in three languages, with
word order changes (German verb-final subordinate clauses), gender/number/case agreement and composed
number words (twenty-one / einundzwanzig / vingt et un). A reversed direction is two lines.
"""
from t2t_mm import registry
from t2t_mm.data import TextToTextProblem

from t2t_mm.problems.mini import sizes, text_corpus


class MiniTranslation(TextToTextProblem):
    """Translates `source` into `target` on a generated corpus shared by both directions."""
    source = target = corpus = None
    splits = sizes.splits("translation", train_shards=4)
    tmp_dir_hint = sizes.TMP_DIR_HINT

    def num_examples(self, split):
        return sizes.count("translation", split, self.size_scale)

    def generate_samples(self, tmp_dir, split):
        train = self.num_examples(sizes.TRAIN)
        for s in text_corpus.sentences(self.corpus, split, self.num_examples(split), train):
            yield {"inputs": s[self.source], "targets": s[self.target]}


@registry.register_problem
class MiniTranslateEnde(MiniTranslation):
    source, target, corpus, target_space = "en", "de", "ende", "german"


@registry.register_problem
class MiniTranslateDeen(MiniTranslateEnde):
    reverse, target_space = True, "english"


@registry.register_problem
class MiniTranslateEnfr(MiniTranslation):
    source, target, corpus, target_space = "en", "fr", "enfr", "french"


@registry.register_problem
class MiniTranslateFren(MiniTranslateEnfr):
    reverse, target_space = True, "english"


@registry.register_problem
class MiniTranslateDefr(MiniTranslation):
    source, target, corpus, target_space = "de", "fr", "defr", "french"
