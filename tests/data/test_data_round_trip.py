"""Every mini problem: generate -> TFRecord shards -> problem.dataset(), checked against the raw samples."""
import numpy as np
import pytest

from t2t_mm import registry
from t2t_mm.data import EOS_ID, PAD_ID, bucketing
from t2t_mm.problems.mini import MINI_SUITE

from helpers import MINI_SCALE, shard_files, batching_hparams


def test_mini_suite_mixture_names_all_nine():
    assert sorted(registry.mixture("mini_suite")) == sorted(MINI_SUITE)
    assert len(MINI_SUITE) == 9
    assert set(registry.mixture("mini_suite").values()) == {1.0}   # the paper experiments' equal steps


def test_the_main_jobs_mixture_weights_the_same_nine_by_the_steps_they_need():
    weights = registry.mixture("mini_suite_weighted")
    assert sorted(weights) == sorted(MINI_SUITE)
    translation = {weights[name] for name in MINI_SUITE if name.startswith("mini_translate_")}
    assert translation == {1.0}
    assert weights["mini_image_classes"] > weights["mini_image_captions"] > 1.0 and weights["mini_speech"] > 1.0


def test_default_sizes_are_unequal_and_scale():
    parsing, ende = registry.problem("mini_parsing"), registry.problem("mini_translate_ende")
    assert parsing.num_examples("train") * 2 <= ende.num_examples("train")   # half: sizes.py says why
    ende.size_scale = 0.5
    assert ende.num_examples("train") == registry.problem("mini_translate_ende").num_examples("train") // 2


@pytest.mark.parametrize("name", MINI_SUITE)
def test_round_trip(mini_data, name):
    data_dir, tmp_dir, _ = mini_data
    problem = registry.problem(name)
    problem.size_scale = MINI_SCALE
    hp = batching_hparams()
    spec = problem.spec(data_dir)
    assert spec.name == name
    assert spec.input_modality == problem.input_modality and spec.target_modality == problem.target_modality
    assert shard_files(data_dir, f"{name}-train")[0].endswith("-00000-of-%05d" % problem.splits["train"])

    batches = list(problem.dataset("eval", data_dir, hp))
    count = sum(int(b["target_space_id"].shape[0]) for b in batches)
    raw = list(problem.generate_samples(tmp_dir, "dev"))
    assert count == len(raw) > 0
    for batch in batches:
        assert batch["target_space_id"].dtype.name == "int32"
        assert set(np.unique(batch["target_space_id"].numpy())) == {spec.target_space_id}
        _check_inputs(problem, batch["inputs"], hp)
        _check_targets(problem, spec, batch["targets"])

    allowed = bucketing.batch_shapes(problem, hp)
    for train in problem.dataset("train", data_dir, hp).take(4):   # static shapes from the bucket set
        assert set(train) == {"inputs", "targets", "target_space_id"}
        for feature, value in train.items():
            assert tuple(value.shape) in allowed[feature]

    if spec.target_modality == "symbol":   # decoded targets are the raw samples' text, in some order
        vocab = problem.vocab(data_dir)
        decoded = sorted(vocab.decode(t) for b in batches for t in b["targets"].numpy())
        key = "inputs" if getattr(problem, "reverse", False) else "targets"
        assert decoded == sorted(" ".join(s[key].split()) for s in raw)
    else:
        labels = sorted(int(t) for b in batches for t in b["targets"].numpy())
        assert labels == sorted(s["label"] for s in raw)


def _check_inputs(problem, inputs, hp):
    if problem.input_modality == "symbol":
        assert inputs.dtype.name == "int32" and inputs.shape.rank == 2
        for row in inputs.numpy():
            _check_eos_and_padding(row)
    elif problem.input_modality == "image":
        assert inputs.dtype.name == "float32"
        assert tuple(inputs.shape[1:]) == (problem.image_size, problem.image_size, 3)
        per_image = inputs.numpy().reshape(inputs.shape[0], -1)
        np.testing.assert_allclose(per_image.mean(axis=1), 0.0, atol=1e-3)   # standardized
    else:
        assert inputs.dtype.name == "float32" and inputs.shape.rank == 2
        assert inputs.shape[1] % hp.audio_samples_per_token == 0


def _check_targets(problem, spec, targets):
    if spec.target_modality == "class_label":
        assert targets.dtype.name == "int32" and targets.shape.rank == 1
        assert ((targets.numpy() >= 0) & (targets.numpy() < spec.num_classes)).all()
        return
    assert targets.dtype.name == "int32" and targets.shape.rank == 2
    assert (targets.numpy() < spec.vocab_size).all()
    for row in targets.numpy():
        _check_eos_and_padding(row)


def _check_eos_and_padding(row):
    nonpad = np.flatnonzero(row != PAD_ID)
    last = nonpad[-1]
    assert row[last] == EOS_ID, "EOS must be the last non-padding id"
    assert (row[:last] != EOS_ID).all() and (row[:last] != PAD_ID).all() and (row[last + 1:] == PAD_ID).all()


def test_translation_directions_share_sentences_and_swap(mini_data):
    _, tmp_dir, _ = mini_data
    ende, deen = registry.problem("mini_translate_ende"), registry.problem("mini_translate_deen")
    assert deen.reverse and deen.target_space == "english" and ende.target_space == "german"
    a = next(iter(ende.generate_samples(tmp_dir, "train")))
    b = next(iter(deen.generate_samples(tmp_dir, "train")))
    assert a == b   # the same raw sample; the reverse problem swaps at serialization time


def test_splits_use_different_seeds_and_dev_excludes_train_sentences(mini_data):
    _, tmp_dir, _ = mini_data
    problem = registry.problem("mini_translate_enfr")
    train = {s["inputs"] for s in problem.generate_samples(tmp_dir, "train")}
    dev = [s["inputs"] for s in problem.generate_samples(tmp_dir, "dev")]
    assert dev and not train & set(dev)


def test_generation_is_deterministic(mini_data):
    _, tmp_dir, _ = mini_data
    for name in ("mini_parsing", "mini_image_captions", "mini_speech"):
        first = list(registry.problem(name).generate_samples(tmp_dir, "dev"))
        second = list(registry.problem(name).generate_samples(tmp_dir, "dev"))
        assert len(first) == len(second)
        for x, y in zip(first, second):
            for key in x:
                np.testing.assert_array_equal(np.asarray(x[key]), np.asarray(y[key]))


def test_parsing_targets_are_linearized_trees(mini_data):
    _, tmp_dir, _ = mini_data
    sample = next(iter(registry.problem("mini_parsing").generate_samples(tmp_dir, "train")))
    tokens = sample["targets"].split()
    assert tokens[0].startswith("(") and tokens[-1].startswith(")")
    words = [w for w in sample["inputs"].replace(".", " .").replace(",", " ,").split()]
    assert tokens.count("XX") == len(words)


def test_speech_sample_rate_matches_generator():
    from t2t_mm.synth import speech
    assert registry.problem("mini_speech").sample_rate == speech.SAMPLE_RATE


def test_dataset_size_is_what_was_written(mini_data):
    data_dir, _, _ = mini_data
    problem = registry.problem("mini_translate_ende")
    assert problem.dataset_size(data_dir, "train") == 40 != problem.num_examples("train")
    assert problem.dataset_size(data_dir + "/missing") is None
