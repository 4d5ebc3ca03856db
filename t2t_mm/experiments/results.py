"""Reading what the runs left: each run folder's eval records (metrics.jsonl, one JSON object per eval of
a problem), its problems.json (mixture weights) and hparams.json (seed), all through
t2t_mm.training.run_folder, which owns those files.

Only a few keys are relied on (step, problem, and the metric keys of spec.METRICS, first found wins);
anything else the evaluator writes is carried along as it is, and a missing key is a missing value,
never an error."""
import functools
import json
import math

import numpy as np

from t2t_mm.errors import UserError
from t2t_mm.training import run_folder

EXACT_COUNT_LIMIT = 200_000  # beyond this many steps, per-problem steps are step * weight (expected)

read_evals = run_folder.read_evals   # every eval record of a run folder, in file order


def curves(records):
    """{problem: [(step, record), ...]} sorted by step; a step evaluated twice (a run resumed after its
    last eval was written) keeps the later record."""
    by_problem = {}
    for record in records:
        by_problem.setdefault(record["problem"], {})[int(record["step"])] = record
    return {p: sorted(steps.items()) for p, steps in by_problem.items()}


def final_evals(records):
    """{problem: the record of its last evaluated step}."""
    return {p: points[-1][1] for p, points in curves(records).items() if points}


def value(record, metric):
    """The metric's value in an eval record (first of its keys present and finite), or None."""
    if not record:
        return None
    for key in metric.keys:
        raw = record.get(key)
        if isinstance(raw, bool) or not isinstance(raw, (int, float)):
            continue
        if math.isfinite(raw):
            return float(raw)
    return None


def numeric_items(record):
    """The record's scalar metrics (what the generic per-run tables show), without bookkeeping keys."""
    skip = {"step", "time", "decoded_examples"}
    return {k: float(v) for k, v in record.items()
            if k not in skip and isinstance(v, (int, float)) and not isinstance(v, bool)}


def summarize(values):
    """{'mean', 'std', 'n', 'values'} over the seeds that have a value; std is the sample std (0 for one)."""
    present = [v for v in values if v is not None]
    if not present:
        return {"mean": None, "std": None, "n": 0, "values": list(values)}
    array = np.asarray(present, np.float64)
    std = float(array.std(ddof=1)) if len(present) > 1 else 0.0
    return {"mean": float(array.mean()), "std": std, "n": len(present), "values": list(values)}


def read_json(path):
    """The parsed JSON file, or None when it is missing or unreadable."""
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def problem_steps(run_dir, problem, steps):
    """How many trainer steps of the run had gone to `problem` after each global step in `steps`: the
    trainer draws one problem per step from a sampler seeded by (hparams seed, step), so this is exact
    (recomputed here), or the expected count step * weight for very long runs."""
    try:
        record = run_folder.read_problems(run_dir)
    except UserError:   # damaged: the steps are the run's own
        record = {}
    weights = record.get("weights") or {}
    if not weights or problem not in weights:
        return [float(s) for s in steps]
    if len(weights) == 1:
        return [float(s) for s in steps]
    last = max(steps) if steps else 0
    if last > EXACT_COUNT_LIMIT:
        return [s * float(weights[problem]) for s in steps]
    try:
        hparams = run_folder.read_hparams(run_dir, missing_ok=True)
    except UserError:
        hparams = None
    seed = hparams.seed if hparams is not None and "seed" in hparams else 1234
    drawn = _drawn(tuple(sorted(weights.items())), int(seed), int(last))
    cumulative = np.concatenate([[0], np.cumsum(drawn == problem)])
    return [float(cumulative[int(s)]) for s in steps]


@functools.lru_cache(maxsize=16)
def _drawn(weights, seed, steps):
    """The problem of each of the first `steps` trainer steps (the trainer's own sampler)."""
    from t2t_mm.training.sampler import ProblemSampler
    sampler = ProblemSampler(dict(weights), seed)
    return np.array([sampler.problem_at(t) for t in range(steps)], dtype=object)
