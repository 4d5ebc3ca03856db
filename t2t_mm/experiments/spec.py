"""What an experiment is: runs (each an ordinary mm-trainer run) and tables (cells read from the runs'
final evals), and the plan that expands them into one trainer invocation per run and seed.

    @registry.register_experiment
    def my_ablation(scale="mini"):
        return Experiment(
            runs=[Run("base", "mini_parsing", steps_per_problem=500),
                  Run("no_moe", "mini_parsing", hparams="use_moe=False", steps_per_problem=500)],
            tables=[Table("ablation", "MoE ablation", rows=[Row("mini_parsing")],
                          columns=[Column("base", "All blocks"), Column("no_moe", "Without MoE")],
                          comparisons=[("no_moe", "base")])])

Every run trains `steps_per_problem` steps on each of its problems: a run of n uniformly mixed problems
gets n * steps_per_problem trainer steps (one problem per step), so single and joint runs see the same
number of batches of the problem a table compares them on.
"""
import dataclasses
import math

from t2t_mm.errors import UserError

DEFAULT_SEED = 1234  # hparams' default seed (multimodel_base): a run with one seed is the plain run


@dataclasses.dataclass(frozen=True)
class Metric:
    """A table metric and the metrics.jsonl keys that may carry it (first found wins)."""
    name: str
    label: str
    keys: tuple
    higher_is_better: bool
    percent: bool = False

    def fmt(self, value):
        if value is None:
            return "n/a"
        return f"{100 * value:.2f}%" if self.percent else f"{value:.2f}"


# The paper's columns. Accuracy is per-token accuracy for text targets and top-1 for class targets (the
# paper's ImageNet accuracy); full_tree is the fraction of parses whose whole tree is right.
METRICS = {
    "log_ppl": Metric("log_ppl", "log(perplexity)", ("log_ppl", "log_perplexity"), False),
    "accuracy": Metric("accuracy", "accuracy", ("accuracy", "top1", "acc", "top1_accuracy"), True, True),
    "full_tree": Metric("full_tree", "full tree", ("exact_tree", "exact_match", "full_tree"), True, True),
    "bleu": Metric("bleu", "BLEU", ("bleu",), True),
    "wer": Metric("wer", "WER", ("wer",), False, True),
    "bracket_f1": Metric("bracket_f1", "bracket F1", ("bracket_f1",), True, True),
}


def metric(name):
    if name not in METRICS:
        raise UserError(f"no table metric named '{name}': use one of {', '.join(sorted(METRICS))}")
    return METRICS[name]


@dataclasses.dataclass(frozen=True)
class Run:
    """One mm-trainer run (per seed): problems ('a,b' or a mixture), hparams set and overrides."""
    name: str
    problems: str
    hparams_set: str = "multimodel_tiny"
    hparams: str = ""
    steps_per_problem: int = 1000
    seeds: tuple = (DEFAULT_SEED,)
    model: str = "multimodel"
    label: str = ""


@dataclasses.dataclass(frozen=True)
class Row:
    """A table row: one problem, the metrics shown for it, and the paper's name for its twin."""
    problem: str
    label: str = ""
    paper_label: str = ""
    metrics: tuple = ("log_ppl", "accuracy")


@dataclasses.dataclass(frozen=True)
class Column:
    """A table column: the run whose final evals fill it, or per_row {problem: run} when each row has its
    own run (Table 2's 'single problem' column). key names the column in paper numbers and comparisons
    (default: the run's name)."""
    run: str
    label: str
    key: str = ""
    per_row: dict = dataclasses.field(default_factory=dict)

    @property
    def id(self):
        return self.key or self.run

    def run_for(self, problem):
        return self.per_row.get(problem, self.run)


@dataclasses.dataclass(frozen=True)
class Table:
    """rows x columns of metrics. paper: {(problem, column id): {metric: value}} (fractions for percent
    metrics). comparisons: (candidate column id, baseline column id) pairs; the report says, for every row and metric,
    which is better here and in the paper. layout: 'problems' (a row per problem and metric columns per
    run, the paper's Tables 2 and 4) or 'metrics' (a row per metric, one column per run: Table 3)."""
    name: str
    title: str
    rows: tuple
    columns: tuple
    paper: dict = dataclasses.field(default_factory=dict)
    comparisons: tuple = ()
    layout: str = "problems"
    paper_caption: str = ""
    notes: str = ""


@dataclasses.dataclass
class Experiment:
    runs: list
    tables: list
    description: str = ""
    eval_steps: int = 20          # dev batches per problem and eval
    decode_examples: int = 32     # dev examples greedily decoded per eval (BLEU, WER, full-tree rate)
    evals_per_run: int = 5        # evals during a run (plus the final one): the plotted curves
    checkpoints_per_run: int = 10  # how often a run saves: an interrupted run loses at most 1/10 of itself
    scale: str = ""
    notes: str = ""
    name: str = ""

    def run(self, name):
        for run in self.runs:
            if run.name == name:
                return run
        from t2t_mm import naming
        raise UserError(f"the experiment has no run named '{name}'."
                        f"{naming.did_you_mean(name, [r.name for r in self.runs])}")

    def check(self):
        """Names unique, every table cell names a run, runs well-formed; problems and hparams sets known."""
        from t2t_mm import registry
        names = [r.name for r in self.runs]
        for name in names:
            if names.count(name) > 1:
                raise UserError(f"experiment has two runs named '{name}': give each run its own name")
            if not name or any(c in name for c in "/\\ ") or name.startswith("."):
                raise UserError(f"run name '{name}' must be a plain folder name (no spaces or slashes)")
        for run in self.runs:
            if run.steps_per_problem < 0:
                raise UserError(f"run '{run.name}': steps_per_problem={run.steps_per_problem} must be >= 0")
            if not run.seeds:
                raise UserError(f"run '{run.name}' has no seeds: give at least one")
            registry.expand_problems(run.problems)
            registry.HPARAMS.get(run.hparams_set)
            registry.MODELS.get(run.model)
        for table in self.tables:
            if table.layout not in ("problems", "metrics"):
                raise UserError(f"table '{table.name}': layout must be 'problems' or 'metrics'")
            ids = [column.id for column in table.columns]
            for pair in table.comparisons:
                for name in pair:
                    if name not in ids:
                        raise UserError(f"table '{table.name}': comparison {pair} names no column '{name}' "
                                        f"(columns: {', '.join(ids)})")
            for row in table.rows:
                for name in row.metrics:
                    metric(name)
                for column in table.columns:
                    run = self.run(column.run_for(row.problem))
                    if row.problem not in registry.expand_problems(run.problems):
                        raise UserError(f"table '{table.name}': run '{run.name}' does not train "
                                        f"{row.problem}, so it cannot fill that row")
        return self


@dataclasses.dataclass(frozen=True)
class PlannedRun:
    """One trainer invocation: a run at one seed, in its own folder."""
    run: Run
    seed: int
    folder: str                   # relative to the experiment's output_dir
    train_steps: int
    problems: tuple               # expanded problem names
    hparams: str                  # the run's overrides + seed + experiment-wide overrides

    @property
    def key(self):
        return f"{self.run.name}/seed{self.seed}"

    def identity(self):
        """What must match for a folder to be resumed as this run (train_steps may grow)."""
        return {"problems": self.run.problems, "hparams_set": self.run.hparams_set, "hparams": self.hparams,
                "model": self.run.model, "seed": self.seed}


def train_steps_for(run, steps_per_problem):
    """steps_per_problem steps on every problem of the run under its mixture weights: the rarest problem
    gets steps_per_problem steps in expectation (n * steps_per_problem for n uniformly mixed problems)."""
    from t2t_mm import registry
    rates = registry.expand_problems(run.problems)
    smallest = min(rates.values()) / sum(rates.values())
    return int(math.ceil(steps_per_problem / smallest - 1e-9))


def plan(experiment, steps_per_problem=None, train_steps=None, seeds=None, extra_hparams="", only=None):
    """The runs expanded per seed, in the experiment's order. Overrides: steps_per_problem for every run;
    train_steps (a smoke run: every run exactly that many steps); seeds; extra hparams for every run;
    only: run names to keep."""
    from t2t_mm import registry
    runs = experiment.runs
    if only:
        runs = [experiment.run(name) for name in only]
    planned = []
    for run in runs:
        spp = run.steps_per_problem if steps_per_problem is None else steps_per_problem
        total = train_steps if train_steps is not None else train_steps_for(run, spp)
        for seed in (seeds or run.seeds):
            overrides = [part for part in (run.hparams, f"seed={int(seed)}", extra_hparams) if part]
            planned.append(PlannedRun(run, int(seed), f"{run.name}/seed{int(seed)}", int(total),
                                      tuple(sorted(registry.expand_problems(run.problems))),
                                      ",".join(overrides)))
    return planned


def build(name, scale=None):
    """The registered experiment `name` at `scale` (None: its default), checked."""
    import inspect
    from t2t_mm import registry
    function = registry.experiment(name)
    parameters = inspect.signature(function).parameters
    if "scale" in parameters:
        experiment = function(scale=scale) if scale else function()
        if isinstance(experiment, Experiment) and not experiment.scale:
            default = parameters["scale"].default
            experiment.scale = scale or ("" if default is inspect.Parameter.empty else str(default))
    elif scale:
        raise UserError(f"experiment '{name}' has one scale only (its function takes no 'scale'): drop --scale")
    else:
        experiment = function()
    if not isinstance(experiment, Experiment):
        raise UserError(f"experiment '{name}' ({registry.EXPERIMENTS.origin(name)}) returned "
                        f"{type(experiment).__name__}, not a t2t_mm.experiments.Experiment")
    experiment.name = name
    return experiment.check()


def union_problems(planned):
    names = []
    for item in planned:
        names += [p for p in item.problems if p not in names]
    return names


__all__ = ["Metric", "METRICS", "Run", "Row", "Column", "Table", "Experiment", "PlannedRun", "plan", "build",
           "train_steps_for", "metric"]