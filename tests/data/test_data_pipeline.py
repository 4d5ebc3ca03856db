"""The input pipeline: bucketed static shapes, determinism, and errors that name files and commands."""
import os

import numpy as np
import pytest

from t2t_mm import registry
from t2t_mm.data import CorruptDataError, MissingDataError, TextToTextProblem, bucketing, datagen, shard_check
from t2t_mm.errors import HParamsError

from helpers import batching_hparams

QUIET = dict(log=lambda *_: None)


class VariedLengths(TextToTextProblem):
    """Sentences of 1..60 words, so every bucket is used and some examples are too long."""
    target_space = "english"
    splits = {"train": 2, "dev": 1}

    def generate_samples(self, tmp_dir, split):
        rng = np.random.default_rng(0 if split == "train" else 1)
        for i in range(300 if split == "train" else 40):
            n = int(rng.integers(1, 60))
            words = " ".join(f"w{rng.integers(0, 30)}" for _ in range(n))
            yield {"inputs": words, "targets": " ".join(reversed(words.split()))}


@pytest.fixture(scope="module")
def varied(tmp_path_factory):
    registry.register_problem("test_varied_lengths")(VariedLengths)
    d = str(tmp_path_factory.mktemp("varied"))
    datagen.generate("test_varied_lengths", d, d, vocab_size=300, **QUIET)
    yield d
    registry.PROBLEMS.unregister("test_varied_lengths")


def test_bucket_lengths():
    hp = batching_hparams(min_bucket_length=8, bucket_step=2.0, max_length=64)
    assert bucketing.bucket_lengths(hp) == [8, 16, 32, 64]
    hp = batching_hparams(min_bucket_length=8, bucket_step=1.5, max_length=40)
    assert bucketing.bucket_lengths(hp) == [8, 12, 18, 27, 40]


def test_training_batches_come_from_a_bounded_set_of_static_shapes(varied):
    hp = batching_hparams(batch_size=128, max_length=64)
    problem = registry.problem("test_varied_lengths")
    allowed = bucketing.batch_shapes(problem, hp)
    seen = set()
    for batch in problem.dataset("train", varied, hp).take(60):
        shape = tuple(batch["inputs"].shape)
        assert shape == tuple(batch["targets"].shape)
        assert shape in allowed["inputs"]
        assert batch["target_space_id"].shape == (shape[0],)
        assert (batch["inputs"].numpy().max(axis=1) > 0).all()
        seen.add(shape)
    assert 2 <= len(seen) <= len(bucketing.bucket_lengths(hp))
    for batch_size, length in seen:
        assert batch_size == hp.batch_size // length and length <= hp.max_length


def test_too_long_examples_are_dropped(varied):
    hp = batching_hparams(batch_size=128, max_length=16)
    problem = registry.problem("test_varied_lengths")
    kept = sum(int(b["inputs"].shape[0]) for b in problem.dataset("eval", varied, hp))
    vocab = problem.vocab(varied)
    expected = sum(1 for s in problem.generate_samples(varied, "dev")
                   if max(len(vocab.encode(s["inputs"])), len(vocab.encode(s["targets"]))) + 1 <= 16)
    assert 0 < kept == expected < 40


def test_deterministic_given_seed(varied):
    hp = batching_hparams(batch_size=128, max_length=64)
    problem = registry.problem("test_varied_lengths")

    def first(seed, n=5):
        return [b["inputs"].numpy() for b in problem.dataset("train", varied, hp, seed=seed).take(n)]

    a, b, c = first(7), first(7), first(8)
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert not all(x.shape == y.shape and np.array_equal(x, y) for x, y in zip(a, c))


def test_missing_data_names_the_datagen_command(tmp_path, hparams):
    with pytest.raises(MissingDataError) as err:
        registry.problem("mini_translate_ende").dataset("train", str(tmp_path / "nowhere"), hparams)
    assert "mm-datagen --problem=mini_translate_ende --data_dir=" in str(err.value)
    assert str(err.value).endswith("--tmp_dir=<scratch dir>")
    os.makedirs(tmp_path / "empty")
    with pytest.raises(MissingDataError, match=r"no data for mini_image_classes in .*empty \(looked for .*"
                                                r"mini_image_classes-train-\*\)\.\nMake it with: mm-datagen"):
        registry.problem("mini_image_classes").dataset("train", str(tmp_path / "empty"), hparams)


def test_corrupt_shard_is_named(tmp_path, hparams, monkeypatch):
    registry.register_problem("test_varied_corrupt")(type("VariedCorrupt", (VariedLengths,), {}))
    try:
        d = str(tmp_path)
        datagen.generate("test_varied_corrupt", d, d, vocab_size=300, **QUIET)
        shard = os.path.join(d, "test_varied_corrupt-train-00001-of-00002")
        data = bytearray(open(shard, "rb").read())
        data[200:204] = b"\xff\xff\xff\xff"      # flip payload bytes: the record CRC no longer matches
        open(shard, "wb").write(bytes(data))
        problem = registry.problem("test_varied_corrupt")
        with pytest.raises(CorruptDataError, match=r"corrupt TFRecord shard .*test_varied_corrupt-train-00001-of-00002"):
            problem.dataset("train", d, hparams)
        open(shard, "wb").write(bytes(data[:-30]))   # truncated, checked by the framing walk of big data
        monkeypatch.setattr(shard_check, "FULL_CHECK_BYTES", 0)
        with pytest.raises(CorruptDataError, match=r"00001-of-00002: record at byte \d+ runs past the end"):
            problem.dataset("train", d, hparams)
    finally:
        registry.PROBLEMS.unregister("test_varied_corrupt")


def test_hparams_without_data_keys_and_too_many_target_spaces(varied):
    problem = registry.problem("test_varied_lengths")
    with pytest.raises(HParamsError, match="max_target_spaces"):
        problem.dataset("train", varied, batching_hparams(max_target_spaces=1))

    class Bare:
        batch_size = 10

    with pytest.raises(HParamsError, match="max_length"):
        problem.dataset("train", varied, Bare())


def test_unknown_mode(varied, hparams):
    from t2t_mm.errors import UserError
    with pytest.raises(UserError, match="no split for mode 'predict'"):
        registry.problem("test_varied_lengths").dataset("predict", varied, hparams)


def test_input_pipelines_read_disjoint_parts(varied):
    import tensorflow as tf
    hp = batching_hparams(batch_size=128, max_length=64)
    problem = registry.problem("test_varied_lengths")

    def rows(pipelines, index):
        ctx = tf.distribute.InputContext(num_input_pipelines=pipelines, input_pipeline_id=index)
        return {tuple(r[r > 0]) for b in problem.dataset("eval", varied, hp, input_context=ctx)
                for r in b["inputs"].numpy()}

    everything = rows(1, 0)
    first, second = rows(2, 0), rows(2, 1)
    assert first and second and not first & second and first | second == everything


def test_text_features_are_cut_to_their_own_bucket():
    # a speech batch sits in the bucket of its audio; its transcripts need far fewer positions
    import tensorflow as tf
    targets = tf.constant([[5, 6, 1] + [0] * 61, [7, 1] + [0] * 62])
    inputs = tf.constant([[3] * 40 + [1] + [0] * 23, [4, 1] + [0] * 62])
    batch = bucketing.trim_text({"inputs": inputs, "targets": targets, "audio": tf.zeros([2, 640])},
                                ["inputs", "targets"], [8, 16, 32, 64])
    assert batch["targets"].shape == (2, 8) and batch["inputs"].shape == (2, 64)
    assert batch["targets"].numpy().tolist() == targets[:, :8].numpy().tolist()
    assert batch["audio"].shape == (2, 640)   # not text: untouched


def test_shuffle_buffer_holds_at_most_one_pipelines_share_of_the_split(varied, tmp_path):
    from t2t_mm.data.pipeline import shuffle_buffer_size
    problem = registry.problem("test_varied_lengths")   # 300 training examples
    assert shuffle_buffer_size(problem, varied, "train", 4096) == 300
    assert shuffle_buffer_size(problem, varied, "train", 4096, pipelines=2) == 150
    assert shuffle_buffer_size(problem, varied, "train", 64) == 64
    assert shuffle_buffer_size(problem, str(tmp_path), "train", 4096) == 4096   # no meta file: the hparam
