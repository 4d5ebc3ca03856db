"""mm-datagen end to end through the installed console script (kept small: two runs)."""
import os


def test_mm_datagen_writes_shards_and_explains_mistakes(tmp_path, cli):
    data_dir, tmp_dir = str(tmp_path / "d"), str(tmp_path / "t")
    result = cli("mm-datagen", "--problem=mini_translate_ende,mini_image_classes", f"--data_dir={data_dir}",
                 f"--tmp_dir={tmp_dir}", "--mini_scale=0.01", "--num_shards=2", "--vocab_size=400")
    assert result.returncode == 0, result.stderr
    files = sorted(os.listdir(data_dir))
    for name in ("mini_translate_ende-train-00000-of-00002", "mini_translate_ende-train-00001-of-00002",
                 "mini_translate_ende-dev-00000-of-00001", "mini_image_classes-train-00001-of-00002",
                 "vocab.shared.model", "target_spaces.json"):
        assert name in files
    assert "mini_translate_ende train: 40 examples" in result.stdout + result.stderr

    blocked = tmp_path / "blocked"
    blocked.write_text("a file, not a directory")
    result = cli("mm-datagen", "--problem=mini_parsing", f"--data_dir={blocked}/d", f"--tmp_dir={tmp_dir}")
    assert result.returncode == 2
    assert f"error: --data_dir={blocked}/d is not a writable directory" in result.stderr
