"""The trainer's final eval on a trained run, side by side: seconds, compiled greedy decodes, peak memory.

Each variant runs in its own process on a copy of the run folder (its newest checkpoint is the step
trained to, so mm-trainer's Trainer does only the final eval: every problem's whole dev split, with
shuffled inputs and greedy decodes), one thread per op and freed memory kept as mm-trainer does.
`--before=PATH` runs the same from another checkout (a `git worktree` of an older commit); variants
alternate for `--rounds` rounds, so a noisy machine's drift falls on both.

    .venv/bin/python benchmarks/final_eval.py --run_dir=mini_run/train --data_dir=mini_run/data \
        [--rounds=2] [--before=PATH]
Writes benchmarks/results/final-eval.json.
"""
import argparse
import json
import os
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from checkout_child import TRAINER_CHILD_PREAMBLE, run_in_checkout  # noqa: E402

CHILD = TRAINER_CHILD_PREAMBLE + r"""
run_dir, data_dir = sys.argv[1], sys.argv[2]
out = os.path.join(tempfile.mkdtemp(), "run")
shutil.copytree(run_dir, out, ignore=shutil.ignore_patterns(".lock"))
step = int(tf.train.latest_checkpoint(out).rsplit("-", 1)[1])
with open(os.path.join(out, "problems.json")) as f:
    problems = ",".join(json.load(f)["problems"])
with open(os.path.join(out, "hparams.json")) as f:
    hparams_set = json.load(f)["set_name"]
run = trainer_lib.Trainer(trainer_lib.TrainConfig(
    problems=problems, data_dir=data_dir, output_dir=out, hparams_set=hparams_set, train_steps=step,
    log_every=0, intra_op_threads=1))
scorer, row = run.evaluator.decoder, {}
traced = []
make = scorer._decoder
def counting(name, *args):
    before = set(scorer._decoders)
    result = make(name, *args)
    traced.extend(set(scorer._decoders) - before)
    return result
scorer._decoder = counting
began, rss_before = time.perf_counter(), rss_mb()
results = run.evaluate(step, final=True)
row["final_eval_s"] = time.perf_counter() - began
row["decode_functions_built"] = len(traced)
row["rss_before_mb"], row["peak_mb"] = rss_before, max(peak[0], rss_mb())
row["scores"] = {name: {k: v for k, v in r.items() if isinstance(v, float)} for name, r in results.items()}
print("RESULT " + json.dumps({"code": t2t_mm.__file__, **row}))
"""


def run_variant(tree, run_dir, data_dir):
    return run_in_checkout(tree, CHILD, [run_dir, data_dir])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run_dir", required=True, help="a trained mm-trainer output_dir")
    parser.add_argument("--data_dir", required=True)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--before", default=None, help="another checkout to run the same from")
    parser.add_argument("--out", default=os.path.join(HERE, "results", "final-eval.json"))
    args = parser.parse_args()
    trees = [("after", REPO)] + ([("before", os.path.abspath(args.before))] if args.before else [])
    runs = {label: [] for label, _ in trees}
    for round_ in range(args.rounds):
        for label, tree in trees:
            row = run_variant(tree, os.path.abspath(args.run_dir), os.path.abspath(args.data_dir))
            runs[label].append(row)
            print(f"round {round_ + 1} {label:6s} eval {row['final_eval_s']:.1f} s  decodes built "
                  f"{row['decode_functions_built']}  peak {row['peak_mb']:.0f} MB", flush=True)
    summary = {label: {"final_eval_s_median": statistics.median(r["final_eval_s"] for r in rows),
                       "final_eval_s": [r["final_eval_s"] for r in rows],
                       "peak_mb": [r["peak_mb"] for r in rows],
                       "decode_functions_built": rows[0]["decode_functions_built"],
                       "scores": rows[0]["scores"]} for label, rows in runs.items()}
    if args.before:
        same = json.dumps(summary["after"]["scores"], sort_keys=True) == \
            json.dumps(summary["before"]["scores"], sort_keys=True)
        summary["same_scores"] = same
        print(f"median eval after/before: {summary['after']['final_eval_s_median']:.1f} / "
              f"{summary['before']['final_eval_s_median']:.1f} s; the same scores: {same}")
    from results_file import write
    write(args.out, {"run_dir": os.path.abspath(args.run_dir), "rounds": args.rounds, "variants": summary})


if __name__ == "__main__":
    main()
