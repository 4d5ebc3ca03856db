"""Through the command-line programs, as a user runs them: mm-datagen makes a few mini problems (small),
then mm-trainer trains the real MultiModel on all four modalities jointly (text, image and audio in;
text and class out) for a few steps, evaluates each problem, saves a checkpoint and exports a SavedModel
that plain TensorFlow serves. (Resume is tested with the fake model in test_resume.py: cheaper.)"""
import json
import os
import re

from training_helpers import run_cli_or_fail

PROBLEMS = ["mini_translate_ende", "mini_image_classes", "mini_speech"]


def test_datagen_then_joint_training_of_all_modalities(tmp_path):
    data_dir, out = tmp_path / "data", tmp_path / "run"
    run_cli_or_fail("mm-datagen", f"--problem={','.join(PROBLEMS)}", f"--data_dir={data_dir}",
                    f"--tmp_dir={tmp_path / 'tmp'}", "--mini_scale=0.02")
    result = run_cli_or_fail(
        "mm-trainer", f"--problems={','.join(PROBLEMS)}", "--hparams_set=multimodel_tiny",
        "--hparams=encoder_blocks=1,decoder_blocks=1", f"--data_dir={data_dir}", f"--output_dir={out}",
        "--train_steps=6", "--log_every=1", "--eval_steps=1", "--decode_examples=2", "--save_every=3",
        "--export")
    steps = re.findall(r"^step +(\d+)/6 +(\S+) +loss [\d.]+  (?:[\d.]+ steps/s +[\d,]+ ex/s +ETA \S+|"
                       r"\(built its compiled step in [\d.]+s\))$", result.stdout, re.M)
    assert [int(s) for s, _ in steps] == [1, 2, 3, 4, 5, 6]
    assert set(p for _, p in steps) <= set(PROBLEMS)
    built = re.findall(r"^step +\d+/6 +(\S+) .*\(built its compiled step", result.stdout, re.M)
    assert sorted(built) == sorted(set(p for _, p in steps))  # each problem's step built once
    assert f"saved checkpoint {out}/ckpt-6" in result.stdout
    records = {r["problem"]: r for r in map(json.loads, open(out / "metrics.jsonl"))}
    assert set(records) == set(PROBLEMS)
    assert 0 <= records["mini_translate_ende"]["accuracy"] <= 1 and records["mini_translate_ende"]["log_ppl"] > 0
    assert "nrefs:1" in records["mini_translate_ende"]["bleu_signature"]
    assert 0 <= records["mini_image_classes"]["top1"] <= records["mini_image_classes"]["top5"] <= 1
    assert records["mini_speech"]["wer"] >= 0 and records["mini_speech"]["cer"] >= 0
    assert "encoder/moe/expert_load" in records["mini_speech"]["moe"]
    assert re.search(r"^eval  step 6 +mini_translate_ende +acc [\d.]+ \(shuffled [\d.]+\)  log_ppl [\d.]+ "
                     r"\(shuffled [\d.]+\)  bleu [\d.]+ \(shuffled [\d.]+\)  n=\d+  \(sacrebleu", result.stdout, re.M)
    for name in PROBLEMS:                                # every metric has its shuffled-input twin
        assert "log_ppl_shuffled" in records[name], name
    assert (out / "dev_metrics.png").stat().st_size > 0  # the learning-curve plot
    assert json.load(open(out / "problems.json"))["problems"] == sorted(PROBLEMS)
    assert f"exported SavedModel {out}/export" in result.stdout

    import numpy as np
    import tensorflow as tf
    served = tf.saved_model.load(str(out / "export")).signatures["mini_image_classes"]
    classes = served(inputs=tf.zeros([2, 32, 32, 3]))["classes"].numpy()
    assert classes.shape[0] == 2 and np.all(classes >= 0)


def test_unknown_problem_and_missing_data_are_user_errors(tmp_path):
    from cli_runner import run_cli
    wrong = run_cli("mm-trainer", "--problems=mini_translate_en_de", f"--data_dir={tmp_path}",
                    f"--output_dir={tmp_path / 'o'}")
    assert wrong.returncode == 2 and "Did you mean: mini_translate_ende" in wrong.stderr
    missing = run_cli("mm-trainer", "--problems=mini_image_classes", f"--data_dir={tmp_path / 'nothing'}",
                      f"--output_dir={tmp_path / 'o'}")
    assert missing.returncode == 2 and "mm-datagen --problem=mini_image_classes" in missing.stderr
    assert "Traceback" not in missing.stderr
