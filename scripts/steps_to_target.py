"""Steps to target: how many training steps each mini problem needs to reach the main job's quality
targets, alone and in the joint run, measured from learning curves.

Trains each problem alone with mm-trainer (an ordinary run folder under OUTPUT_DIR/alone_<problem>,
evaluated on its whole dev split every --eval_every steps, resumed if interrupted), reads the curves of
those runs and of any joint runs given (--joint, e.g. the main job's mini_run/train), and writes
OUTPUT_DIR/steps_to_target.{json,md,png}: for each problem the first step at which every target held,
or "not reached by N". A joint run's curve is plotted against the steps spent on that problem (the run's
problem sampler is replayed), so alone and joint compare at equal training on the problem.

    .venv/bin/python scripts/steps_to_target.py --data_dir=mini_run/data --output_dir=curves \
        --joint=mini_run/train [--problems=...] [--max_steps=2000] [--eval_every=500]
"""
import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

# The main job's targets (issue: "the model must learn"): metric, direction, threshold.
TARGETS = {
    "mini_image_classes": [("top1", ">=", 0.80)],
    "mini_image_captions": [("bleu", ">=", 40.0)],
    "mini_parsing": [("bracket_f1", ">=", 0.80), ("exact_tree", ">=", 0.20)],
    "mini_speech": [("wer", "<=", 0.40)],
    **{f"mini_translate_{pair}": [("bleu", ">=", 25.0)] for pair in ("ende", "deen", "enfr", "fren", "defr")},
}
DEFAULT_PROBLEMS = "mini_image_classes,mini_image_captions,mini_translate_ende,mini_parsing,mini_speech"


def met(record, targets):
    return all(record.get(metric) is not None and
               (record[metric] >= value if op == ">=" else record[metric] <= value)
               for metric, op, value in targets)


def curve(run_dir, problem, joint):
    """[(steps on the problem, eval record)] of one run, in step order; a joint run's steps on the
    problem come from replaying its sampler (t2t_mm.experiments.results.problem_steps)."""
    from t2t_mm.experiments.results import problem_steps
    from t2t_mm.training import run_folder
    evals = sorted((e for e in run_folder.read_evals(run_dir) if e["problem"] == problem),
                   key=lambda e: e["step"])
    steps = [int(e["step"]) for e in evals]
    spent = problem_steps(run_dir, problem, steps) if joint else steps
    return [(int(n), e) for n, e in zip(spent, evals)]


def train_alone(args, problem):
    out = os.path.join(args.output_dir, f"alone_{problem}")
    trainer = os.path.join(os.path.dirname(sys.executable), "mm-trainer")
    cmd = [trainer, f"--problems={problem}", f"--hparams_set={args.hparams_set}", f"--data_dir={args.data_dir}",
           f"--output_dir={out}", f"--train_steps={args.max_steps}", f"--eval_every={args.eval_every}",
           f"--save_every={args.eval_every}", "--log_every=500"]
    if args.hparams:
        cmd.append(f"--hparams={args.hparams}")
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True)
    return out


def summarize(args, problems):
    rows = []
    for problem in problems:
        targets = TARGETS[problem]
        runs = [("alone", os.path.join(args.output_dir, f"alone_{problem}"), False)]
        runs += [(f"joint:{os.path.basename(os.path.normpath(j))}", j, True) for j in args.joint]
        for label, run_dir, joint in runs:
            points = curve(run_dir, problem, joint) if os.path.isdir(run_dir) else []
            if not points:
                continue
            reached = next((steps for steps, record in points if met(record, targets)), None)
            last_steps, last = points[-1]
            rows.append({"problem": problem, "run": label, "run_dir": run_dir,
                         "targets": [f"{m} {op} {v:g}" for m, op, v in targets],
                         "steps_to_target": reached, "last_steps": last_steps,
                         "last": {m: last.get(m) for m, _, _ in targets},
                         "last_shuffled": {m: last.get(f"{m}_shuffled") for m, _, _ in targets},
                         "curve": [[s, {m: r.get(m) for m, _, _ in targets}] for s, r in points]})
    return rows


def write_report(args, rows):
    os.makedirs(args.output_dir, exist_ok=True)
    with open(os.path.join(args.output_dir, "steps_to_target.json"), "w") as f:
        json.dump({"hparams_set": args.hparams_set, "hparams": args.hparams, "rows": rows}, f, indent=1)
    lines = ["| problem | run | target | steps to target | last (steps on problem) | shuffled inputs |",
             "|---|---|---|---|---|---|"]
    for r in rows:
        reached = str(r["steps_to_target"]) if r["steps_to_target"] is not None else f"not by {r['last_steps']}"
        last = ", ".join(f"{m} {v:.3g}" for m, v in r["last"].items() if v is not None)
        shuffled = ", ".join(f"{m} {v:.3g}" for m, v in r["last_shuffled"].items() if v is not None)
        lines.append(f"| {r['problem']} | {r['run']} | {'; '.join(r['targets'])} | {reached} | "
                     f"{last} ({r['last_steps']}) | {shuffled} |")
    table = "\n".join(lines)
    with open(os.path.join(args.output_dir, "steps_to_target.md"), "w") as f:
        f.write(table + "\n")
    print(table)
    try:
        plot(args, rows)
    except ImportError as exc:
        print(f"(plot skipped: {exc})")


def plot(args, rows):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    problems = list(dict.fromkeys(r["problem"] for r in rows))
    fig, axes = plt.subplots(1, len(problems), figsize=(4 * len(problems), 3.4), squeeze=False)
    for ax, problem in zip(axes[0], problems):
        metric, _, value = TARGETS[problem][0]
        for r in (r for r in rows if r["problem"] == problem):
            xs = [s for s, m in r["curve"] if m.get(metric) is not None]
            ys = [m[metric] for s, m in r["curve"] if m.get(metric) is not None]
            ax.plot(xs, ys, marker="o", label=r["run"])
        ax.axhline(value, color="grey", linestyle="--", label=f"target {value:g}")
        ax.set_title(problem, fontsize=9)
        ax.set_xlabel("training steps on the problem")
        ax.set_ylabel(metric)
        ax.legend(fontsize=7)
    fig.tight_layout()
    path = os.path.join(args.output_dir, "steps_to_target.png")
    fig.savefig(path, dpi=90)
    print(f"wrote {path}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data_dir", required=True)
    parser.add_argument("--output_dir", required=True)
    parser.add_argument("--problems", default=DEFAULT_PROBLEMS)
    parser.add_argument("--joint", action="append", default=[], help="a joint run folder to include")
    parser.add_argument("--hparams_set", default="multimodel_mini")
    parser.add_argument("--hparams", default="")
    parser.add_argument("--max_steps", type=int, default=2000)
    parser.add_argument("--eval_every", type=int, default=500)
    parser.add_argument("--report_only", action="store_true", help="only read the runs that exist")
    args = parser.parse_args()
    problems = [p for p in args.problems.split(",") if p]
    unknown = [p for p in problems if p not in TARGETS]
    if unknown:
        parser.error(f"no targets for {', '.join(unknown)}; known: {', '.join(TARGETS)}")
    if not args.report_only:
        for problem in problems:
            train_alone(args, problem)
    write_report(args, summarize(args, problems))


if __name__ == "__main__":
    main()
