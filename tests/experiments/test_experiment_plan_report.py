"""The paper's registered experiments (plans at both scales, shared runs, the paper's numbers) and the report
written from run folders (tables, directions, seeds and spread, plots), without training anything."""
import json
import os
import re

import numpy as np
import pytest

from experiment_helpers import USR, write_evals
from t2t_mm import registry
from t2t_mm.errors import UserError
from t2t_mm.experiments import Column, Experiment, Row, Run, Table, build, execute, plan, runner


@pytest.fixture(scope="module", autouse=True)
def loaded():
    from t2t_mm import plugins
    plugins.load_all(USR)


def by_name(planned):
    return {p.run.name: p for p in planned}


def test_paper_tables_share_runs_and_give_every_problem_the_same_steps():
    tables = build("paper_tables")
    runs = by_name(plan(tables))
    assert set(runs) == {"joint", "alone_imagenet", "alone_ende", "alone_speech", "alone_parsing",
                         "parsing_with_imagenet", "joint_no_moe", "joint_no_attention"}
    per_problem = {name: p.train_steps / len(p.problems) for name, p in runs.items()}
    assert len(set(per_problem.values())) == 1                  # same steps on the problem in question
    assert runs["joint"].problems == tuple(sorted(registry.expand_problems("mini_suite")))
    assert runs["joint"].train_steps == 9 * runs["alone_parsing"].train_steps
    assert runs["parsing_with_imagenet"].problems == ("mini_image_classes", "mini_parsing")
    assert "use_moe=False" in runs["joint_no_moe"].hparams and "use_attention=False" in runs["joint_no_attention"].hparams
    from t2t_mm.hparams_lib import create_hparams   # joint runs get 4x the experts of single ones, as in the paper
    experts = {name: create_hparams(p.run.hparams_set, p.hparams).moe_num_experts for name, p in runs.items()}
    assert experts["joint"] == 32 and experts["alone_parsing"] == experts["parsing_with_imagenet"] == 8
    # equal steps per problem: no run starts with its text problems alone (the main job's warm-up)
    assert {create_hparams(p.run.hparams_set, p.hparams).text_first_steps for p in runs.values()} == {0}
    for single in ("table2", "table3", "table4"):               # each table's runs are paper_tables' runs
        for item in plan(build(f"paper_{single}")):
            assert item.identity() == runs[item.run.name].identity() and item.folder == runs[item.run.name].folder
    assert set(by_name(plan(build("paper_table3")))) == {"alone_parsing", "parsing_with_imagenet", "joint"}
    assert set(by_name(plan(build("paper_table4")))) == {"joint", "joint_no_moe", "joint_no_attention"}
    table3 = next(t for t in tables.tables if t.name == "table3")
    assert table3.paper[("mini_parsing", "alone_parsing")] == {"log_ppl": 0.20, "accuracy": 0.9702, "full_tree": 0.1127}
    assert table3.paper[("mini_parsing", "joint")]["full_tree"] == 0.1723


def test_paper_scale_plan_uses_the_real_problems_and_the_paper_hparams():
    runs = by_name(plan(build("paper_tables", scale="paper")))
    assert runs["joint"].run.problems == "multimodel_eight" and runs["joint"].run.hparams_set == "multimodel_base_joint"
    assert len(runs["joint"].problems) == 8 and runs["joint"].train_steps == 8 * runs["alone_speech"].train_steps
    assert runs["alone_speech"].problems == ("speech_wsj",) and runs["alone_speech"].run.hparams_set == "multimodel_base"
    assert runs["alone_ende"].problems == ("translate_ende_wmt8k",)
    assert runs["parsing_with_imagenet"].problems == ("image_imagenet", "parsing_wsj")
    smoke = plan(build("paper_tables", scale="paper"), train_steps=2, seeds=(7, 8))
    assert {p.train_steps for p in smoke} == {2} and len(smoke) == 16
    assert all(p.hparams.endswith(f"seed={p.seed}") for p in smoke)
    with pytest.raises(UserError, match="--scale=huge is not known: use one of mini, paper"):
        build("paper_table3", scale="huge")


def test_steps_per_problem_override_and_unknown_run():
    experiment = build("paper_table3")
    planned = by_name(plan(experiment, steps_per_problem=10))
    assert planned["joint"].train_steps == 90 and planned["parsing_with_imagenet"].train_steps == 20
    with pytest.raises(UserError, match="no run named 'jiont'. Did you mean: joint"):
        plan(experiment, only=("jiont",))


def _synthetic_experiment():
    runs = [Run("alone", "mini_parsing", seeds=(1, 2)), Run("joint", "mini_parsing,mini_image_classes", seeds=(1, 2))]
    table = Table("t", "Parsing, alone vs joint", rows=(Row("mini_parsing", metrics=("log_ppl", "accuracy", "full_tree")),),
                  columns=(Column("alone", "Alone"), Column("joint", "Joint")),
                  paper={("mini_parsing", "alone"): {"log_ppl": 0.20, "accuracy": 0.9702, "full_tree": 0.1127},
                         ("mini_parsing", "joint"): {"log_ppl": 0.15, "accuracy": 0.9780, "full_tree": 0.1723}},
                  comparisons=(("joint", "alone"),), layout="metrics")
    experiment = Experiment(runs=runs, tables=[table], name="synthetic").check()
    return experiment, plan(experiment)


def test_report_tables_directions_spread_and_plots_from_run_folders(tmp_path):
    experiment, planned = _synthetic_experiment()
    values = {("alone", 1): (0.60, 0.80), ("alone", 2): (0.64, 0.82), ("joint", 1): (0.50, 0.85), ("joint", 2): (0.52, 0.86)}
    for item in planned:
        log_ppl, accuracy = values[(item.run.name, item.seed)]
        weights = {p: 1.0 / len(item.problems) for p in item.problems}
        records = [{"step": 2, "problem": "mini_parsing", "log_ppl": log_ppl + 1, "accuracy": accuracy / 2},
                   {"step": 4, "problem": "mini_parsing", "log_ppl": log_ppl, "accuracy": accuracy,
                    "exact_tree": 0.25, "shuffled_input_accuracy": 0.1, "bleu_signature": "x", "moe": {}}]
        if item.run.name == "joint":
            records.append({"step": 4, "problem": "mini_image_classes", "top1": 0.3, "log_ppl": 1.9})
        write_evals(tmp_path / item.folder, records, weights, seed=item.seed, train_steps=item.train_steps)
    with open(tmp_path / planned[0].folder / "metrics.jsonl", "a") as f:
        f.write('{"step": 6, "problem": "mini_pa')              # a torn last line is skipped
    collected, plots = execute.write_report(experiment, planned, str(tmp_path))

    cells = collected["tables"][0]["cells"]["mini_parsing"]
    assert cells["alone"]["log_ppl"]["mean"] == pytest.approx(0.62)
    assert cells["alone"]["log_ppl"]["std"] == pytest.approx(np.std([0.60, 0.64], ddof=1))
    assert cells["joint"]["full_tree"]["n"] == 2
    by_metric = {c["metric"]: c for c in collected["tables"][0]["comparisons"]}
    assert by_metric["log_ppl"]["direction"] == "better" and by_metric["log_ppl"]["paper_direction"] == "better"
    assert by_metric["log_ppl"]["agrees"] is True
    assert by_metric["full_tree"]["direction"] == "same" and by_metric["full_tree"]["agrees"] is False

    report = (tmp_path / "report.md").read_text()
    assert "| Problem | Metric | Alone | Joint |" in report                   # Table 3's layout
    assert "| mini_parsing (ours) | log(perplexity) | 0.62 ± 0.03 (n=2) | 0.51 ± 0.01 (n=2) |" in report
    assert "| mini_parsing (ours) | accuracy | 81.00 ± 1.41% (n=2) | 85.50 ± 0.71% (n=2) |" in report
    assert "| mini_parsing (paper) | log(perplexity) | 0.20 | 0.15 |" in report
    assert "| mini_parsing (paper) | full tree | 11.27% | 17.23% |" in report
    assert "Joint vs Alone on mini_parsing: better here (log(perplexity) 0.51 vs 0.62), as in the paper (better there, 0.15 vs 0.20)" in report
    assert "shuffled_input_accuracy" in report                                # keys we do not know still shown
    assert "![mini_parsing.png](plots/mini_parsing.png)" in report
    assert sorted(os.path.basename(p) for p in plots) == ["mini_image_classes.png", "mini_parsing.png"]
    assert open(plots[1], "rb").read(8) == b"\x89PNG\r\n\x1a\n"
    assert (tmp_path / "tables" / "t.csv").read_text().splitlines()[0] == "Problem,Metric,Alone,Joint"
    assert json.load(open(tmp_path / "results.json"))["runs"]["joint"]["seeds"]["2"]["final"]["mini_image_classes"]["top1"] == 0.3


def test_missing_keys_and_unfinished_runs_leave_cells_empty(tmp_path):
    experiment, planned = _synthetic_experiment()
    for item in planned:
        records = [{"step": 4, "problem": "mini_parsing", "log_ppl": 0.5}]            # no accuracy, no tree
        finished = item.run.name == "alone"
        write_evals(tmp_path / item.folder, records, seed=item.seed,
                    train_steps=item.train_steps if finished else None)
    collected, _ = execute.write_report(experiment, planned, str(tmp_path))
    cells = collected["tables"][0]["cells"]["mini_parsing"]
    assert cells["alone"]["accuracy"]["mean"] is None and cells["alone"]["log_ppl"]["mean"] == 0.5
    assert cells["joint"]["log_ppl"]["mean"] is None and cells["joint"]["log_ppl"]["unfinished"] == ["1", "2"]
    report = (tmp_path / "report.md").read_text()
    assert "| mini_parsing (ours) | accuracy | — | — |" in report
    assert "not measured yet (runs unfinished)" in report


def test_joint_run_curves_count_the_steps_each_problem_got(tmp_path):
    from t2t_mm.experiments import results
    from t2t_mm.training.sampler import ProblemSampler
    weights = {"a": 0.5, "b": 0.5}
    write_evals(tmp_path, [{"step": 10, "problem": "a"}], weights, seed=3)
    counts = results.problem_steps(str(tmp_path), "a", [10, 40])
    sampler = ProblemSampler(weights, 3)
    assert counts == [sum(sampler.problem_at(t) == "a" for t in range(n)) for n in (10, 40)]


def test_a_folder_holding_another_run_is_refused(tmp_path):
    experiment, planned = _synthetic_experiment()
    item = planned[0]
    os.makedirs(tmp_path / item.folder)
    with open(tmp_path / item.folder / "run.json", "w") as f:
        json.dump({"identity": dict(item.identity(), hparams="seed=99")}, f)
    with pytest.raises(UserError, match=r"already holds a different run \(hparams: was 'seed=99', now 'seed=1'\)"):
        runner.check_folder(str(tmp_path), item)


def test_dry_run_prints_the_plan_and_the_state_of_each_folder(tmp_path, capsys):
    options = execute.Options(experiment="fake_joint_vs_single", output_dir=str(tmp_path), scale="large",
                              seeds=(1, 2), dry_run=True)
    assert execute.run(options) == 0
    plan_text = capsys.readouterr().out
    assert "fake_joint_vs_single (large scale): 4 run(s), 40 trainer steps in all" in plan_text
    assert re.search(r"copy_joint/seed2 +fake_text_copy,fake_image_class .* 16 steps \(8/problem\)  \[new\]", plan_text)
    assert not os.listdir(tmp_path)                                          # a dry run writes nothing


def test_unknown_experiment_and_scale_are_user_errors():
    from t2t_mm.errors import RegistryError
    with pytest.raises(RegistryError, match="no experiment named 'fake_joint_vs_singel'. Did you mean: fake_joint_vs_single"):
        build("fake_joint_vs_singel")
    with pytest.raises(UserError, match="experiment 'tiny_parsing_learning_rate' has one scale only"):
        build("tiny_parsing_learning_rate", scale="paper")
    with pytest.raises(UserError, match="has no 'moe_experts' .*Did you mean: moe_num_experts"):
        execute.prepare(execute.Options(experiment="paper_table3", output_dir="o", hparams="moe_experts=4"))
    with pytest.raises(UserError, match="--output_dir is required"):
        execute.prepare(execute.Options(experiment="paper_table3", output_dir=None))
    assert "fake_joint_vs_single  [The fake text-copy problem alone" in registry.help_text()


def test_paper_tables_report_in_the_papers_layout(tmp_path):
    """paper_tables' report from run folders holding the keys the evaluator writes (class problems: top1,
    parsing: exact_tree), without training: each table's layout, rows for ours and the paper's, plots."""
    experiment = build("paper_tables")
    planned = plan(experiment)
    for item in planned:
        records = []
        for problem in item.problems:
            quality = 0.1 * len(item.problems) ** 0.5            # joint runs do "better" here
            if problem.startswith("mini_image_classes"):
                values = {"top1": 0.2 + quality, "top5": 0.6, "log_ppl": 2.0 - quality}
            else:
                values = {"accuracy": 0.5 + quality / 2, "log_ppl": 1.0 - quality / 2,
                          "accuracy_shuffled": 0.3, "log_ppl_shuffled": 2.5}
                if problem == "mini_parsing":
                    values["exact_tree"] = 0.1 + quality / 10
            records += [{"step": step, "problem": problem, **values} for step in (item.train_steps // 2, item.train_steps)]
        write_evals(tmp_path / item.folder, records, {p: 1.0 for p in item.problems}, train_steps=item.train_steps)
    collected, plots = execute.write_report(experiment, planned, str(tmp_path))
    report = (tmp_path / "report.md").read_text()

    assert "| Problem | Joint (mini_suite, 9 problems): log(perplexity) | Joint (mini_suite, 9 problems): accuracy | " \
           "Single problem: log(perplexity) | Single problem: accuracy |" in report
    assert "| ImageNet (paper) | 1.70 | 66.00% | 1.60 | 67.00% |" in report
    assert re.search(r"^\| mini_image_classes \(ImageNet twin\) \(ours\) \| 1\.70 \| 50\.00% \| 1\.90 \| 30\.00% \|$", report, re.M)
    assert "| Problem | Metric | Alone | W/ image classes | W/ all 9 |" in report
    assert "| WSJ parsing (paper) | full tree | 11.27% | 16.17% | 17.23% |" in report
    assert "| Problem | All blocks: log(perplexity) | All blocks: accuracy | Without MoE: log(perplexity) |" in report
    assert "| WMT EN→FR (paper) | 1.20 | 76.00% | 1.30 | 74.00% | 1.40 | 72.00% |" in report
    assert "W/ all 9 vs Alone on mini_parsing: better here" in report and "as in the paper" in report
    assert "not re-checked" in report                                       # the provenance of the paper's numbers
    table2 = next(t for t in collected["tables"] if t["name"] == "table2")
    assert {c["problem"] for c in table2["comparisons"]} == {"mini_image_classes", "mini_translate_ende",
                                                              "mini_speech", "mini_parsing"}
    assert table2["cells"]["mini_speech"]["single"]["log_ppl"]["run"] == "alone_speech"
    assert {os.path.basename(p) for p in plots} >= {"mini_parsing.png", "mini_image_classes.png",
                                                   "mini_translate_enfr.png", "mini_speech.png"}


def test_one_experiment_per_output_dir_at_a_time(tmp_path):
    with runner.hold(str(tmp_path)):
        with pytest.raises(UserError, match=f"another mm-experiment \\(pid {os.getpid()}\\) is running in"):
            with runner.hold(str(tmp_path)):
                pass
    with runner.hold(str(tmp_path)):                                          # released: free again
        pass


def test_every_run_gets_the_intra_op_threads_flag_and_a_negative_one_is_refused(tmp_path):
    options = execute.Options(experiment="paper_table3", output_dir=str(tmp_path), intra_op_threads=1)
    _, planned, settings = execute.prepare(options)
    assert "--intra_op_threads=1" in runner.trainer_command(planned[0], str(tmp_path), "D", settings)
    with pytest.raises(UserError, match="--intra_op_threads=-2 must be >= 0"):
        execute.prepare(execute.Options(experiment="paper_table3", output_dir=str(tmp_path), intra_op_threads=-2))
