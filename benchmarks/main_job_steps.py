"""The main job's training speed: steps/s of multimodel_mini over mini_suite_weighted, side by side.

Each variant runs in its own process (thread settings hold only from a process's start): it builds the
trainer on the mini suite's data, times `--steps` training steps of every problem through the real input
pipelines (after the step is built), and reports each problem's ms per step, the build time of each
compiled step, and the mixture-weighted mean step -> steps/s, the figure the main job's progress line
shows. Variants are code trees x --intra_op_threads, run in turn `--rounds` times (these machines are
noisy: compare within one run). `--before=PATH` adds the same variants from another checkout (a
`git worktree` of an older commit), so before/after code runs in the same run on the same machine.

    .venv/bin/python benchmarks/main_job_steps.py --data_dir=D [--hparams=...] [--threads=0,1] [--before=PATH]
        [--steps=20] [--rounds=2] [--out=FILE]
D holds the mini suite (`mm-datagen --problem=mini_suite`). Writes benchmarks/results/main-job-steps.json.
"""
import argparse
import os
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
MIXTURE = "mini_suite_weighted"

CHILD = r"""
import json, sys, tempfile, time
import tensorflow as tf
data_dir, hparams_set, steps, threads, overrides = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
if threads:
    tf.config.threading.set_intra_op_parallelism_threads(threads)
try:
    from t2t_mm.training import host_memory   # as mm-trainer (a --before checkout may predate it)
    host_memory.keep_freed_memory()
except ImportError:
    pass
from t2t_mm import plugins, registry
plugins.load_all()
from t2t_mm.training.trainer import Trainer, TrainConfig
weights = dict(registry.mixture("%s"))
trainer = Trainer(TrainConfig(problems=",".join(sorted(weights)), data_dir=data_dir,
                              output_dir=tempfile.mkdtemp(), hparams_set=hparams_set, hparams=overrides,
                              train_steps=0, eval_steps=0))
rows = {}
for number, name in enumerate(sorted(weights)):
    step, iterator = trainer.steps.train(name), trainer._iterator(name, 0)
    start = time.perf_counter()
    float(step(iterator, tf.constant(1, tf.int64))["loss"])
    built = time.perf_counter() - start
    float(step(iterator, tf.constant(2, tf.int64))["loss"])
    start = time.perf_counter()
    for i in range(steps):
        out = step(iterator, tf.constant(3 + i, tf.int64))
    float(out["loss"])
    rows[name] = {"step_ms": (time.perf_counter() - start) / steps * 1000, "first_call_s": built,
                  "weight": weights[name]}
import t2t_mm
print("RESULT " + json.dumps({"code": t2t_mm.__file__, "problems": rows}))
""" % MIXTURE


def run_variant(tree, data_dir, hparams_set, overrides, steps, threads):
    from checkout_child import run_in_checkout
    return run_in_checkout(tree, CHILD, [data_dir, hparams_set, str(steps), str(threads), overrides],
                           f"variant (threads {threads})")["problems"]


def weighted_step_ms(rows):
    total = sum(row["weight"] for row in rows.values())
    return sum(row["weight"] * row["step_ms"] for row in rows.values()) / total


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data_dir", required=True)
    parser.add_argument("--hparams_set", default="multimodel_mini")
    parser.add_argument("--hparams", default="", help="overrides for every variant (the same model on both "
                        "sides when the set changed between the checkouts)")
    parser.add_argument("--threads", default="0,1", help="--intra_op_threads values (0: TensorFlow's)")
    parser.add_argument("--before", default=None, help="another checkout to run the same variants from")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--out", default=os.path.join(HERE, "results", "main-job-steps.json"))
    args = parser.parse_args()
    trees = [("after", REPO)] + ([("before", os.path.abspath(args.before))] if args.before else [])
    variants = [(label, tree, int(t)) for label, tree in trees for t in args.threads.split(",")]
    runs = {f"{label} threads={t}": [] for label, _, t in variants}
    for round_number in range(args.rounds):
        for label, tree, threads in variants:
            rows = run_variant(tree, os.path.abspath(args.data_dir), args.hparams_set, args.hparams,
                               args.steps, threads)
            runs[f"{label} threads={threads}"].append(rows)
            print(f"round {round_number + 1} {label} threads={threads}: "
                  f"{1000 / weighted_step_ms(rows):.2f} steps/s", flush=True)
    summary = {}
    for name, rounds in runs.items():
        problems = sorted(rounds[0])
        summary[name] = {
            "steps_per_s": statistics.median(1000 / weighted_step_ms(r) for r in rounds),
            "step_ms": {p: statistics.median(r[p]["step_ms"] for r in rounds) for p in problems},
            "first_call_s": {p: statistics.median(r[p]["first_call_s"] for r in rounds) for p in problems}}
    base = summary[f"{trees[-1][0]} threads={variants[0][2]}"]["steps_per_s"]
    print(f"\n{'variant':22s} {'steps/s':>8s} {'vs ' + trees[-1][0]:>10s}  per-problem ms")
    for name, row in summary.items():
        per = " ".join(f"{p.replace('mini_', '')}={ms:.0f}" for p, ms in row["step_ms"].items())
        print(f"{name:22s} {row['steps_per_s']:8.2f} {row['steps_per_s'] / base:9.2f}x  {per}")
    from results_file import write
    write(args.out, {"hparams_set": args.hparams_set, "hparams": args.hparams, "mixture": MIXTURE, "steps": args.steps,
                     "rounds": args.rounds, "baseline": f"{trees[-1][0]} threads={variants[0][2]}",
                     "variants": summary, "raw": runs})


if __name__ == "__main__":
    sys.path.insert(0, HERE)
    main()
