"""Shard naming, atomic writing, and re-runs that skip complete shards and redo the rest."""
import os

import pytest

from t2t_mm import registry
from t2t_mm.data import DataDirError, MissingDataError, TextToTextProblem, datagen, shards

from helpers import shard_files, batching_hparams


class CountingEcho(TextToTextProblem):
    """Echo problem whose generator counts how often it runs and can fail after n samples."""
    target_space = "english"
    splits = {"train": 3, "dev": 1}
    fail_after = None
    generated = 0

    def generate_samples(self, tmp_dir, split):
        for i in range(30 if split == "train" else 5):
            if self.fail_after is not None and i == self.fail_after:
                raise KeyboardInterrupt("simulated interruption")
            type(self).generated += 1
            yield {"inputs": f"number {i} of {split}", "targets": f"echo {i} of {split}"}


@pytest.fixture
def echo():
    registry.register_problem("test_counting_echo")(CountingEcho)
    CountingEcho.generated, CountingEcho.fail_after = 0, None
    yield CountingEcho
    registry.PROBLEMS.unregister("test_counting_echo")


def test_shard_names():
    assert shards.shard_name("d", "p", "train", 3, 10) == os.path.join("d", "p-train-00003-of-00010")
    assert [os.path.basename(p) for p in shards.shard_names("d", "p", "dev", 2)] == [
        "p-dev-00000-of-00002", "p-dev-00001-of-00002"]


def test_writes_named_shards_with_round_robin_content(tmp_path, echo):
    datagen.generate("test_counting_echo", str(tmp_path), str(tmp_path / "raw"), log=lambda *_: None)
    assert shard_files(str(tmp_path), "test_counting_echo-train") == [
        f"test_counting_echo-train-0000{i}-of-00003" for i in range(3)]
    assert shard_files(str(tmp_path), "test_counting_echo-dev") == ["test_counting_echo-dev-00000-of-00001"]
    import tensorflow as tf
    counts = [sum(1 for _ in tf.data.TFRecordDataset(str(tmp_path / f))) for f in
              shard_files(str(tmp_path), "test_counting_echo-train")]
    assert counts == [10, 10, 10]
    assert not [f for f in os.listdir(tmp_path) if shards.TEMP_MARK in f]


def test_interrupted_run_leaves_no_final_shard_and_rerun_completes(tmp_path, echo):
    datagen.ensure_vocab([registry.problem("test_counting_echo")], str(tmp_path), str(tmp_path), None,
                         lambda *_: None)
    echo.fail_after = 12   # now the interruption hits the shard writing
    with pytest.raises(KeyboardInterrupt):
        datagen.generate("test_counting_echo", str(tmp_path), str(tmp_path), log=lambda *_: None)
    assert shard_files(str(tmp_path), "test_counting_echo-train") == []
    with pytest.raises(MissingDataError, match="mm-datagen --problem=test_counting_echo"):
        registry.problem("test_counting_echo").dataset("train", str(tmp_path), batching_hparams())
    echo.fail_after = None
    datagen.generate("test_counting_echo", str(tmp_path), str(tmp_path), log=lambda *_: None)
    assert len(shard_files(str(tmp_path), "test_counting_echo-train")) == 3


def test_rerun_skips_complete_shards_and_redoes_missing_ones(tmp_path, echo):
    data_dir = str(tmp_path)
    datagen.generate("test_counting_echo", data_dir, data_dir, log=lambda *_: None)
    paths = shards.shard_names(data_dir, "test_counting_echo", "train", 3)
    original = [open(p, "rb").read() for p in paths]
    mtimes = [os.stat(p).st_mtime_ns for p in paths]

    echo.generated = 0
    lines = []
    datagen.generate("test_counting_echo", data_dir, data_dir, log=lines.append)
    assert echo.generated == 0, "a complete split must not be generated again"
    assert any("skipped" in line for line in lines)

    # A crash mid-write: one shard missing, its temporary file left behind.
    os.remove(paths[1])
    with open(paths[1] + shards.TEMP_MARK + "99999", "wb") as f:
        f.write(b"partial")
    with pytest.raises(MissingDataError, match=r"incomplete \(2 of 3 shards"):
        registry.problem("test_counting_echo").dataset("train", data_dir, batching_hparams())
    datagen.generate("test_counting_echo", data_dir, data_dir, log=lambda *_: None)
    assert [open(p, "rb").read() for p in paths] == original
    assert [os.stat(p).st_mtime_ns for i, p in enumerate(paths) if i != 1] == [mtimes[0], mtimes[2]]
    assert not [f for f in os.listdir(data_dir) if shards.TEMP_MARK in f]


def test_other_shard_count_is_refused(tmp_path, echo):
    datagen.generate("test_counting_echo", str(tmp_path), str(tmp_path), log=lambda *_: None)
    with pytest.raises(DataDirError, match="--num_shards=3"):
        datagen.generate("test_counting_echo", str(tmp_path), str(tmp_path), num_shards=5, log=lambda *_: None)


def test_unwritable_data_dir(tmp_path, echo):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(DataDirError, match=r"--data_dir=.*file/d is not a writable directory"):
        datagen.generate("test_counting_echo", str(blocker / "d"), str(tmp_path), log=lambda *_: None)


def test_interruption_while_building_the_vocabulary_propagates(tmp_path, echo):
    echo.fail_after = 5
    with pytest.raises(KeyboardInterrupt, match="simulated"):
        datagen.generate("test_counting_echo", str(tmp_path), str(tmp_path), log=lambda *_: None)
    assert not os.path.exists(tmp_path / "vocab.shared.model")


def test_unknown_problem_suggests_names(tmp_path):
    from t2t_mm.errors import RegistryError
    with pytest.raises(RegistryError, match="Did you mean: mini_translate_ende"):
        datagen.generate("mini_translate_en_de", str(tmp_path), str(tmp_path), log=lambda *_: None)


def test_progress_line_has_rate_and_eta():
    from t2t_mm.data.progress import Progress
    now = [0.0]
    lines = []
    progress = Progress("p train", total=1000, log=lines.append, every=10.0, clock=lambda: now[0])
    for _ in range(50):
        now[0] += 0.25
        progress.update()
    assert lines == ["  p train: 40/1,000 (4%) examples  4 ex/s  ETA 0:04:00"]


def test_two_complete_shard_sets_are_refused_by_the_reader(tmp_path, echo):
    datagen.generate("test_counting_echo", str(tmp_path), str(tmp_path), log=lambda *_: None)
    for i in range(2):   # a complete 2-shard set made by hand beside the 3-shard one
        open(shards.shard_name(str(tmp_path), "test_counting_echo", "train", i, 2), "wb").close()
    with pytest.raises(MissingDataError, match=r"2 complete shard sets .* \(of-00002, of-00003\); delete all but one"):
        registry.problem("test_counting_echo").dataset("train", str(tmp_path), batching_hparams())
