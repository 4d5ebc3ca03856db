"""The run's learning curves as one PNG: each problem's headline dev metric over training steps, with
the same metric on shuffled inputs dashed beside it (the input-reliance figure of every eval), read
from output_dir/metrics.jsonl. mm-trainer writes it after every eval round (dev_metrics.png)."""
import os

from t2t_mm.training import run_folder

PLOT_FILE = "dev_metrics.png"
HEADLINE = ("top1", "bleu", "wer", "bracket_f1", "accuracy")   # the first one a problem reports


def headline(record):
    return next((key for key in HEADLINE if isinstance(record.get(key), (int, float))), None)


def write(output_dir):
    """Writes output_dir/dev_metrics.png; returns its path, or None when no eval was recorded yet."""
    from t2t_mm.experiments import results as results_lib   # lazy: experiments come after training
    curves = results_lib.curves(run_folder.read_evals(output_dir))
    if not curves:
        return None
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    columns = min(3, len(curves))
    rows = -(-len(curves) // columns)
    figure, axes = plt.subplots(rows, columns, figsize=(4.6 * columns, 3.2 * rows), squeeze=False)
    for axis, (problem, points) in zip(axes.flat, sorted(curves.items())):
        key = headline(points[-1][1])
        steps = [step for step, _ in points]
        axis.plot(steps, [record.get(key) for _, record in points], marker="o", label=key)
        shuffled = [record.get(f"{key}_shuffled") for _, record in points]
        if any(v is not None for v in shuffled):
            axis.plot(steps, shuffled, linestyle="--", marker=".", label=f"{key}, shuffled inputs")
        axis.set_title(problem, fontsize=10)
        axis.set_xlabel("step")
        axis.legend(fontsize=8)
        axis.grid(alpha=0.3)
    for axis in list(axes.flat)[len(curves):]:
        axis.set_visible(False)
    figure.tight_layout()
    path = os.path.join(output_dir, PLOT_FILE)
    tmp = path + ".tmp.png"
    figure.savefig(tmp, dpi=90)
    plt.close(figure)
    os.replace(tmp, path)
    return path
