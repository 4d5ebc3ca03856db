"""The shared vocabulary and the command-token table: built once, reused, never silently rebuilt."""
import json
import os

import pytest

from t2t_mm import registry
from t2t_mm.data import EOS_ID, PAD_ID, TextToTextProblem, VocabError, datagen, target_spaces
from t2t_mm.data import vocab as vocab_lib

QUIET = dict(log=lambda *_: None)


class _Words(TextToTextProblem):
    splits = {"train": 1}
    words = ()

    def generate_samples(self, tmp_dir, split):
        for i in range(40):
            yield {"inputs": f"{self.words[i % len(self.words)]} {i}", "targets": self.words[(i + 1) % len(self.words)]}


@pytest.fixture
def two_problems():
    first = type("VocabFirst", (_Words,), {"target_space": "english", "words": ("cat", "dog", "bird")})
    second = type("VocabSecond", (_Words,), {"target_space": "klingon", "words": ("qapla", "ghargh", "Ωmega")})
    registry.register_problem("test_vocab_first")(first)
    registry.register_problem("test_vocab_second")(second)
    yield
    registry.PROBLEMS.unregister("test_vocab_first")
    registry.PROBLEMS.unregister("test_vocab_second")


def test_small_corpus_with_large_vocab_size_gives_smaller_vocab(tmp_path, two_problems):
    datagen.generate("test_vocab_first", str(tmp_path), str(tmp_path), **QUIET)
    vocab = vocab_lib.Vocab(str(tmp_path))
    assert 256 < vocab.size < vocab_lib.DEFAULT_VOCAB_SIZE   # hard_vocab_limit=False: no crash
    assert vocab._sp.pad_id() == PAD_ID and vocab._sp.eos_id() == EOS_ID
    assert vocab.decode(vocab.encode("cat 17") + [EOS_ID, PAD_ID, PAD_ID]) == "cat 17"


def test_vocab_is_reused_for_new_problems_and_never_rebuilt(tmp_path, two_problems):
    d = str(tmp_path)
    datagen.generate("test_vocab_first", d, d, vocab_size=400, **QUIET)
    model = open(os.path.join(d, vocab_lib.MODEL_FILE), "rb").read()
    lines = []
    datagen.generate("test_vocab_second", d, d, log=lines.append)
    assert open(os.path.join(d, vocab_lib.MODEL_FILE), "rb").read() == model
    assert any("reusing the shared vocabulary" in line for line in lines)
    second = registry.problem("test_vocab_second")
    assert second.vocab(d).decode(second.vocab(d).encode("qapla Ωmega")) == "qapla Ωmega"  # byte fallback
    datagen.generate("test_vocab_second", d, d, vocab_size=400, **QUIET)   # the same size is fine
    with pytest.raises(VocabError, match=r"--vocab_size=400.*you asked for --vocab_size=500"):
        datagen.generate("test_vocab_second", d, d, vocab_size=500, **QUIET)
    assert open(os.path.join(d, vocab_lib.MODEL_FILE), "rb").read() == model


def test_shards_of_a_replaced_vocabulary_are_refused(tmp_path, two_problems, hparams):
    from t2t_mm.data import CorruptDataError
    d = str(tmp_path)
    datagen.generate("test_vocab_first", d, d, vocab_size=400, **QUIET)
    os.remove(os.path.join(d, vocab_lib.MODEL_FILE))
    vocab_lib.train(d, ["completely different text"] * 50, 300, ["other"])
    with pytest.raises(CorruptDataError, match="different shared vocabulary"):
        registry.problem("test_vocab_first").dataset("train", d, hparams)


def test_too_small_vocab_size_is_refused(tmp_path, two_problems):
    with pytest.raises(VocabError, match="too small"):
        datagen.generate("test_vocab_first", str(tmp_path), str(tmp_path), vocab_size=100, **QUIET)


def test_command_tokens():
    assert target_spaces.command_token("english") == "To-English"
    assert target_spaces.command_token("parse_tree") == "To-Parse-Tree"
    assert target_spaces.command_token("To-Class") == "To-Class"


def test_target_space_table_is_append_only(tmp_path, two_problems):
    d = str(tmp_path)
    datagen.generate("test_vocab_first", d, d, **QUIET)
    before = target_spaces.read(d)
    assert before == {"To-Generic": 0, "To-English": 1}
    datagen.generate("test_vocab_second", d, d, **QUIET)   # a plugin with a new space, added later
    after = json.load(open(os.path.join(d, "target_spaces.json")))
    assert after == {"To-Generic": 0, "To-English": 1, "To-Klingon": 2}
    assert registry.problem("test_vocab_second").spec(d).target_space_id == 2
    assert registry.problem("test_vocab_first").spec(d).target_space_id == 1


def test_corrupt_target_space_table_is_named(tmp_path):
    from t2t_mm.data import CorruptDataError
    (tmp_path / "target_spaces.json").write_text("{not json")
    with pytest.raises(CorruptDataError, match="target_spaces.json"):
        target_spaces.read(str(tmp_path))
