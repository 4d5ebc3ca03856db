"""mm-experiment as a user runs it: a tiny plugin experiment on the mini suite through the CLI (data made
on the way, two real MultiModel runs, report, tables, plots); a rerun that skips the finished run and
resumes the interrupted one; plugin experiments in --registry_help; the paper scale's plan and, where
real data has been generated, its two-step smoke run."""
import json
import os
import re

import pytest

from experiment_helpers import mm_experiment, read_json


def test_tiny_experiment_through_the_cli(tmp_path):
    out, data = tmp_path / "exp", tmp_path / "data"
    result = mm_experiment("--experiment=tiny_parsing_learning_rate", f"--output_dir={out}", f"--data_dir={data}",
                           "--mini_scale=0.02", "--log_every=1")
    assert "generating the data of mini_parsing" in result.stdout
    assert re.search(r"\[1/2\] lr_high/seed1234: mini_parsing, 3 steps: training in ", result.stdout)
    assert re.search(r"\[2/2\] lr_low/seed1234: .*: done in", result.stdout)
    for run in ("lr_high", "lr_low"):
        folder = out / run / "seed1234"
        assert read_json(folder / "done.json")["train_steps"] == 3
        assert read_json(folder / "run.json")["identity"]["hparams"].endswith("seed=1234")
        steps = [json.loads(line)["step"] for line in open(folder / "metrics.jsonl")]
        assert steps[-1] == 3 and "saved checkpoint" in (folder / "train.log").read_text()
    assert "learning_rate=0.05" in read_json(out / "lr_low" / "seed1234" / "run.json")["identity"]["hparams"]

    report = (out / "report.md").read_text()
    assert "## Tiny comparison: learning rate on mini_parsing" in report
    assert "| Problem | LR 0.5: log(perplexity) | LR 0.5: accuracy | LR 0.5: full tree |" in report
    ours = re.search(r"^\| mini_parsing \(ours\) \| ([\d.]+) \| ([\d.]+)% \| ([\d.]+)% \|", report, re.M)
    assert ours, report
    results = read_json(out / "results.json")
    cell = results["tables"][0]["cells"]["mini_parsing"]["lr_high"]["log_ppl"]
    assert cell["mean"] == pytest.approx(float(ours.group(1)), abs=0.006) and cell["mean"] > 0
    assert "| WSJ parsing (paper) | 0.20 | 97.02% | — | 0.30 | 95.00% | — |" in report
    assert re.search(r"LR 0.05 vs LR 0.5 on mini_parsing: (better|worse|same) here", report)
    assert (out / "tables" / "learning_rate.csv").exists()
    assert open(out / "plots" / "mini_parsing.png", "rb").read(4) == b"\x89PNG"
    assert "report: " + str(out / "report.md") in result.stdout


def test_rerun_skips_the_finished_run_and_resumes_the_interrupted_one(tmp_path):
    """--train_steps=2 completes copy_alone (2 steps planned) and stops copy_joint at step 2 of its 8 with a
    checkpoint and no final eval, as a killed run leaves it; the plain rerun must finish the experiment."""
    out = tmp_path / "exp"
    common = ("--experiment=fake_joint_vs_single", f"--output_dir={out}", f"--data_dir={tmp_path / 'data'}")
    mm_experiment(*common, "--train_steps=2")
    assert read_json(out / "copy_joint" / "seed1234" / "done.json")["train_steps"] == 2
    assert not (out / "copy_joint" / "seed1234" / "ckpt-8.index").exists()

    result = mm_experiment(*common)
    assert "[1/2] copy_alone/seed1234: fake_text_copy, 2 steps: finished already, skipped" in result.stdout
    assert "[2/2] copy_joint/seed1234: fake_text_copy,fake_image_class, 8 steps: resuming in" in result.stdout
    assert re.search(r"resumed from .*copy_joint/seed1234/ckpt-2 at step 2", result.stdout)
    alone_log = (out / "copy_alone" / "seed1234" / "train.log").read_text()
    assert alone_log.count("t2t_mm.bin.mm_trainer") == 1                     # trained once, never again
    finals = read_json(out / "results.json")["runs"]
    assert finals["copy_joint"]["seeds"]["1234"]["final_step"] == 8
    assert finals["copy_joint"]["seeds"]["1234"]["status"] == "finished"
    assert set(finals["copy_joint"]["seeds"]["1234"]["final"]) == {"fake_text_copy", "fake_image_class"}
    report = (out / "report.md").read_text()
    assert re.search(r"\| fake_text_copy \(ours\) \| [\d.]+ \| [\d.]+% \| [\d.]+ \| [\d.]+% \|", report)
    assert "(paper)" not in report                                            # no paper numbers: no paper rows


def test_registry_help_lists_the_experiments_with_plugins():
    from cli_runner import run_cli
    from experiment_helpers import USR
    listed = run_cli("mm-experiment", f"--usr_dir={USR}", "--registry_help")
    assert listed.returncode == 0
    assert re.search(r"^experiments \(\d+\):", listed.stdout, re.M)
    for name in ("paper_table2", "paper_table3", "paper_table4", "paper_tables", "tiny_parsing_learning_rate",
                 "fake_joint_vs_single"):
        assert re.search(rf"^  {name}  \[", listed.stdout, re.M), name


PAPER_DATA = os.environ.get("T2T_MM_PAPER_DATA_DIR")


def test_paper_scale_two_step_smoke_run(tmp_path):
    """The paper scale's plan always; its two-step smoke run where the real eight have been generated
    (mm-datagen --problem=multimodel_eight ..., see docs/DATA.md) and T2T_MM_PAPER_DATA_DIR names them."""
    out = tmp_path / "paper"
    plan = mm_experiment("--experiment=paper_tables", "--scale=paper", f"--output_dir={out}", "--train_steps=2",
                         "--dry_run").stdout
    assert "paper_tables (paper scale): 8 run(s), 16 trainer steps in all" in plan
    assert re.search(r"joint/seed1234 +multimodel_eight +multimodel_base_joint +2 steps", plan)
    assert re.search(r"alone_speech/seed1234 +speech_wsj +multimodel_base +2 steps", plan)
    if not PAPER_DATA:
        pytest.skip("paper-scale smoke run skipped: set T2T_MM_PAPER_DATA_DIR to a data_dir where mm-datagen "
                    "made the real eight problems (the licensed corpora are not on this machine)")
    mm_experiment("--experiment=paper_tables", "--scale=paper", f"--output_dir={out}", f"--data_dir={PAPER_DATA}",
                  "--train_steps=2", "--nodatagen", "--eval_steps=1", "--decode_examples=1", timeout=3600)
    assert "## Table 3" in (out / "report.md").read_text()
