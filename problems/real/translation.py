"""WMT translation with the shared 8k vocabulary: en-de, de-en, en-fr, fr-en, de-fr.

Raw files in --tmp_dir (archives unpacked first, safely): any line-parallel pair ``X.<src>``/``X.<tgt>``
or WMT SGML ``X-src.<src>.sgm``/``X-ref.<tgt>.sgm``. Test sets are held out by name (an SGML set by its
``setid``): ``dev_set`` is the dev split, ``test_set`` the test split, and no other news test set ever
enters train. Pairs dropped for an empty side are counted on stdout. TFDS:
``wmt_t2t_translate/de-en`` (T2T's en-de data), ``wmt14_translate/fr-en``, ``wmt19_translate/fr-de``
(which has no test split: newstest2019 comes from raw files).
"""

import re

from t2t_mm import registry
from t2t_mm.data import TextToTextProblem
from t2t_mm.errors import UserError
from t2t_mm.problems.real import source
from t2t_mm.readers import archives, wmt

_HELD_OUT = re.compile(r"(newstest|newsdev|newssyscomb|euelections|testset|test\d{4}|dev\d{4})", re.I)
TFDS_SPLITS = {"train": "train", "dev": "validation", "test": "test"}
# The archive names statmt.org uses (training-parallel-europarl-v7.tgz, dev.tgz, test-full.tgz, ...).
ARCHIVES = ("training*", "dev.t*", "test.t*", "test-full.t*", "newstest*", "newsdev*", "europarl*",
            "news-commentary*", "commoncrawl*", "common-crawl*", "un-*", "undoc*", "giga*", "wmt*",
            "*de-en*", "*fr-en*", "*de-fr*", "*fr-de*")


class WmtTranslation(source.HasSources, TextToTextProblem):
    """Reads ``source_lang`` -> ``target_lang`` pairs; ``reverse`` (from the base API) swaps them."""
    source_lang = target_lang = None
    dev_set = "newstest2013"
    test_set = "newstest2014"
    eval_metrics = ("accuracy", "log_perplexity", "bleu")

    @property
    def splits(self):
        splits = {"train": 16, "dev": 1, "test": 1}
        return {name: shards for name, shards in splits.items() if self.source.has_split(name)}

    def generate_samples(self, tmp_dir, split):
        if self.source is not source.RAW:
            yield from self._from_tfds(tmp_dir, split)
            return
        archives.extract_all(tmp_dir, ARCHIVES)
        pairs = {}  # one copy of each corpus: dev.tgz ships newstest2013 as text and as SGML
        for pair in wmt.find_pairs(tmp_dir, self.source_lang, self.target_lang):
            if self.split_of(pair[0]) == split and (pair[0] not in pairs or pair[3] == "text"):
                pairs[pair[0]] = pair
        pairs = sorted(pairs.values())
        if not pairs:
            raise UserError(self._missing(tmp_dir, split))
        for _, source_path, target_path, kind in pairs:
            for src, tgt in wmt.read_pair(source_path, target_path, kind, self._report):
                yield {"inputs": src, "targets": tgt}

    def _report(self, message):
        print("%s: %s" % (self.name, message), flush=True)

    def split_of(self, corpus_name):
        """train/dev/test for a corpus name (``newstest2014``, ``europarl-v7.de-en``), None if held out."""
        name = corpus_name.lower()
        if name.startswith(self.test_set):
            return "test"
        if name.startswith(self.dev_set):
            return "dev"
        return None if _HELD_OUT.search(name) else "train"

    def _missing(self, tmp_dir, split):
        what = {"train": "training corpora (e.g. europarl-v7, commoncrawl, news-commentary: files "
                         "<name>.%s and <name>.%s, or their .tgz)" % (self.source_lang, self.target_lang),
                "dev": "the dev set %s (.%s/.%s files or -src/-ref .sgm)" % (self.dev_set, self.source_lang,
                                                                           self.target_lang),
                "test": "the test set %s" % self.test_set}[split]
        return ("%s: no %s under --tmp_dir=%s. Download them from the WMT site into that directory, or "
                "use --source=tfds (TFDS %s)." % (self.name, what, tmp_dir, self.tfds.builder))

    def _from_tfds(self, tmp_dir, split):
        for ex in self.source.examples(tmp_dir, split):
            yield {"inputs": source.text(ex[self.source_lang]), "targets": source.text(ex[self.target_lang])}


@registry.register_problem
class TranslateEndeWmt8k(WmtTranslation):
    source_lang, target_lang, target_space = "en", "de", "german"
    tfds = source.TfdsBuilder("wmt_t2t_translate/de-en", TFDS_SPLITS)


@registry.register_problem
class TranslateDeenWmt8k(TranslateEndeWmt8k):
    reverse, target_space = True, "english"


@registry.register_problem
class TranslateEnfrWmt8k(WmtTranslation):
    source_lang, target_lang, target_space = "en", "fr", "french"
    tfds = source.TfdsBuilder("wmt14_translate/fr-en", TFDS_SPLITS)


@registry.register_problem
class TranslateFrenWmt8k(TranslateEnfrWmt8k):
    reverse, target_space = True, "english"


@registry.register_problem
class TranslateDefrWmt8k(WmtTranslation):
    source_lang, target_lang, target_space = "de", "fr", "french"
    dev_set, test_set = "euelections_dev2019", "newstest2019"
    tfds = source.TfdsBuilder("wmt19_translate/fr-de", {"train": "train", "dev": "validation"})  # no test
