"""mm-experiment's work: plan the runs, make missing data, train what is not finished (each run an
mm-trainer process in its own folder), then write the report (tables, comparisons, plots)."""
import dataclasses
import json
import os
import time

from t2t_mm import atomic
from t2t_mm.errors import UserError
from t2t_mm.experiments import runner, spec


@dataclasses.dataclass
class Options:
    experiment: str
    output_dir: str
    data_dir: str = None
    tmp_dir: str = None
    scale: str = None
    steps_per_problem: int = None
    train_steps: int = None
    seeds: tuple = None
    hparams: str = ""
    runs: tuple = None
    eval_steps: int = None
    decode_examples: int = None
    evals_per_run: int = None
    log_every: int = 100
    distribution: str = "auto"
    intra_op_threads: int = 0
    datagen: bool = True
    mini_scale: float = None
    dry_run: bool = False
    report_only: bool = False
    usr_dir: str = None


def _say(text=""):
    print(text, flush=True)


def prepare(options):
    """(experiment, planned runs, trainer settings) after every check that needs no training."""
    if not options.experiment:
        raise UserError("--experiment is required: mm-experiment --experiment=NAME --output_dir=O "
                        "--data_dir=D (mm-experiment --registry_help lists the experiments)")
    if not options.output_dir:
        raise UserError("--output_dir is required: each run trains in its own folder under it, and the "
                        "report is written there")
    if options.steps_per_problem is not None and options.steps_per_problem < 0:
        raise UserError(f"--steps_per_problem={options.steps_per_problem} must be >= 0")
    if options.intra_op_threads < 0:
        raise UserError(f"--intra_op_threads={options.intra_op_threads} must be >= 0 (0: TensorFlow's default)")
    if options.train_steps is not None and options.train_steps < 0:
        raise UserError(f"--train_steps={options.train_steps} must be >= 0")
    experiment = spec.build(options.experiment, options.scale)
    planned = spec.plan(experiment, options.steps_per_problem, options.train_steps, options.seeds,
                        options.hparams, options.runs)
    from t2t_mm import hparams_lib
    for hparams_set, overrides in sorted({(p.run.hparams_set, p.hparams) for p in planned}):
        try:  # a wrong key fails here, once, not in every run's trainer
            hparams_lib.create_hparams(hparams_set, overrides)
        except UserError as exc:
            raise UserError(f"{exc}\n(in the overrides '{overrides}' of experiment {experiment.name})") from exc
    settings = {
        "eval_steps": experiment.eval_steps if options.eval_steps is None else options.eval_steps,
        "decode_examples": experiment.decode_examples if options.decode_examples is None else options.decode_examples,
        "evals_per_run": experiment.evals_per_run if options.evals_per_run is None else options.evals_per_run,
        "checkpoints_per_run": experiment.checkpoints_per_run, "log_every": options.log_every,
        "distribution": options.distribution, "intra_op_threads": options.intra_op_threads,
        "usr_dir": options.usr_dir}
    return experiment, planned, settings


def describe(experiment, planned, output_dir):
    """The plan as the terminal shows it: one line per run and seed, with its state."""
    lines = [f"experiment {experiment.name}" + (f" ({experiment.scale} scale)" if experiment.scale else "") +
             f": {len(planned)} run(s), {sum(p.train_steps for p in planned):,} trainer steps in all"]
    for item in planned:
        state = runner.status(output_dir, item) if output_dir else "new"
        per = item.train_steps / max(len(item.problems), 1)
        lines.append(f"  {item.key:<32} {item.run.problems:<34} {item.run.hparams_set:<22} "
                     f"{item.train_steps:>8,} steps ({per:,.0f}/problem)  [{state}]" +
                     (f"\n  {'':<32} --hparams='{item.hparams}'" if item.hparams else ""))
    return "\n".join(lines)


def _record_plan(experiment, planned, settings, output_dir):
    record = {"experiment": experiment.name, "scale": experiment.scale, "settings": settings,
              "runs": [{"key": p.key, "folder": p.folder, "problems": p.run.problems,
                        "hparams_set": p.run.hparams_set, "hparams": p.hparams, "seed": p.seed,
                        "train_steps": p.train_steps} for p in planned]}
    atomic.write_text(os.path.join(output_dir, "experiment.json"), json.dumps(record, indent=1, sort_keys=True))


def write_report(experiment, planned, output_dir):
    from t2t_mm.experiments import plots, report
    paths = plots.write(experiment, planned, output_dir)
    collected = report.write(experiment, planned, output_dir, paths)
    return collected, paths


def run(options):
    """Runs the experiment; returns the exit code (0: every run finished, 1: some failed)."""
    experiment, planned, settings = prepare(options)
    output_dir = os.path.abspath(os.path.expanduser(options.output_dir))
    _say(describe(experiment, planned, output_dir))
    if options.dry_run:
        return 0
    os.makedirs(output_dir, exist_ok=True)
    with runner.hold(output_dir):
        return _run_locked(options, experiment, planned, settings, output_dir)


def _run_locked(options, experiment, planned, settings, output_dir):
    if not options.report_only:
        for item in planned:
            runner.check_folder(output_dir, item)  # refuse a mixed-up folder before hours of training
        if not options.data_dir:
            raise UserError("--data_dir is required to train: where mm-datagen writes (or wrote) the data")
        data_dir = os.path.abspath(os.path.expanduser(options.data_dir))
        _record_plan(experiment, planned, settings, output_dir)
        if options.datagen:
            missing = runner.missing_data(spec.union_problems(planned), data_dir)
            if missing:
                tmp_dir = os.path.abspath(os.path.expanduser(options.tmp_dir or os.path.join(output_dir, "tmp")))
                _say(f"generating the data of {', '.join(missing)} (mm-datagen, into {data_dir})")
                runner.datagen(missing, data_dir, tmp_dir, options.mini_scale, options.usr_dir)
        failed = _train_all(planned, output_dir, data_dir, settings)
    else:
        failed = []
    collected, plots = write_report(experiment, planned, output_dir)
    _say(f"report: {os.path.join(output_dir, 'report.md')} ({len(plots)} plot(s) in "
         f"{os.path.join(output_dir, 'plots')}; numbers in results.json)")
    for table in collected["tables"]:
        for item in table["comparisons"]:
            if item["agrees"] is not None and item["metric"] in ("log_ppl", "full_tree"):
                _say(f"  {table['name']}: {item['candidate']} vs {item['baseline']} on {item['problem']} "
                     f"({item['metric']}): {item['direction']} here, {item['paper_direction']} in the paper")
    if failed:
        _say("failed runs (rerun the same command to retry them; finished runs are skipped):")
        for key, message in failed:
            _say(f"  {key}: {message.splitlines()[0]}")
        return 1
    return 0


def _train_all(planned, output_dir, data_dir, settings):
    failed = []
    for number, item in enumerate(planned, 1):
        state = runner.status(output_dir, item)
        header = f"[{number}/{len(planned)}] {item.key}: {item.run.problems}, {item.train_steps:,} steps"
        if state == "finished":
            _say(f"{header}: finished already, skipped")
            continue
        _say(f"{header}: {'training' if state == 'new' else 'resuming'} in "
             f"{os.path.join(output_dir, item.folder)}")  # 'failed' runs retry from their checkpoint
        began = time.time()
        try:
            runner.train(item, output_dir, data_dir, settings)
        except runner.RunFailed as exc:
            _say(f"{header}: FAILED\n{exc}")
            failed.append((item.key, str(exc)))
            continue
        except KeyboardInterrupt:
            _say(f"\ninterrupted during {item.key}: rerun the same command to continue (finished runs are "
                 "skipped, this one resumes from its last checkpoint)")
            raise
        _say(f"{header}: done in {time.time() - began:,.0f}s")
    return failed
