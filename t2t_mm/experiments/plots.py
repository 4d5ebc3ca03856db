"""PNG plots of each problem's dev metrics over training, one line per run (mean over its seeds, with a
band over the seeds when there are several). The x axis is the number of steps trained ON THAT PROBLEM,
so a joint run and a single-problem run line up at equal exposure to the problem."""
import os

import numpy as np

from t2t_mm.experiments import results as results_lib
from t2t_mm.experiments.spec import METRICS

DEFAULT_METRICS = ("log_ppl", "accuracy")


def _problem_metrics(experiment):
    """{problem: metric names to plot}: the tables' metrics for that problem, log_ppl and accuracy at least."""
    wanted = {}
    for table in experiment.tables:
        for row in table.rows:
            names = wanted.setdefault(row.problem, list(DEFAULT_METRICS))
            names += [n for n in row.metrics if n not in names]
    return wanted


def series(planned, output_dir):
    """{problem: {run name: [(x per-problem steps, {metric: value}) per seed]}} from the runs' evals."""
    found = {}
    for item in planned:
        folder = os.path.join(output_dir, item.folder)
        for problem, points in results_lib.curves(results_lib.read_evals(folder)).items():
            steps = [s for s, _ in points]
            xs = results_lib.problem_steps(folder, problem, steps)
            found.setdefault(problem, {}).setdefault(item.run.name, []).append(
                [(x, record) for x, (_, record) in zip(xs, points)])
    return found


def write(experiment, planned, output_dir):
    """Writes plots/<problem>.png for every problem some run evaluated; returns the paths."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    data = series(planned, output_dir)
    if not data:
        return []
    wanted = _problem_metrics(experiment)
    labels = {run.name: run.label or run.name for run in experiment.runs}
    folder = os.path.join(output_dir, "plots")
    os.makedirs(folder, exist_ok=True)
    paths = []
    for problem in sorted(data):
        names = wanted.get(problem, list(DEFAULT_METRICS))
        metrics = [METRICS[n] for n in names
                   if any(results_lib.value(r, METRICS[n]) is not None
                          for seeds in data[problem].values() for points in seeds for _, r in points)]
        if not metrics:
            continue
        figure, axes = plt.subplots(1, len(metrics), figsize=(5.2 * len(metrics), 3.8), squeeze=False)
        for axis, metric in zip(axes[0], metrics):
            for run_name, seeds in sorted(data[problem].items()):
                _plot_run(axis, seeds, metric, labels.get(run_name, run_name))
            axis.set_xlabel(f"steps trained on {problem}")
            axis.set_ylabel(metric.label + (" (%)" if metric.percent else ""))
            axis.grid(alpha=0.3)
            axis.legend(fontsize=8)
        figure.suptitle(f"{problem}: dev metrics ({experiment.name})")
        figure.tight_layout()
        path = os.path.join(folder, f"{problem}.png")
        tmp = path + f".tmp-{os.getpid()}.png"
        figure.savefig(tmp, dpi=90)
        os.replace(tmp, path)
        plt.close(figure)
        paths.append(path)
    return paths


def _plot_run(axis, seeds, metric, label):
    """Mean over the seeds at the per-problem steps they share; band = min..max over the seeds."""
    scale = 100.0 if metric.percent else 1.0
    per_seed = []
    for points in seeds:
        pairs = [(x, results_lib.value(r, metric)) for x, r in points]
        per_seed.append({round(x, 3): v * scale for x, v in pairs if v is not None})
    if len(per_seed) == 1 or not all(per_seed):
        for i, curve in enumerate(per_seed):
            if curve:
                xs = sorted(curve)
                axis.plot(xs, [curve[x] for x in xs], marker="o", markersize=3,
                          label=label if i == 0 else None)
        return
    # seeds of one run evaluate at nearly the same per-problem steps: align by eval index
    length = min(len(c) for c in per_seed)
    xs = np.mean([sorted(c)[:length] for c in per_seed], axis=0)
    ys = np.array([[c[x] for x in sorted(c)[:length]] for c in per_seed])
    line, = axis.plot(xs, ys.mean(axis=0), marker="o", markersize=3, label=f"{label} (n={len(per_seed)})")
    axis.fill_between(xs, ys.min(axis=0), ys.max(axis=0), alpha=0.2, color=line.get_color())
