"""The trainer's resident memory over a short main job: peak, before and after the final eval, side by side.

Each variant runs in its own process: mm-trainer's Trainer on the mini suite's data (multimodel_mini over
mini_suite_weighted, one thread per op, freed memory kept as mm-trainer keeps it) for `--steps` steps with
a save every `--save_every` and the whole-dev final eval, resident memory sampled every 0.2 s.
`--before=PATH` runs the same from another checkout (a `git worktree` of an older commit) in the same run.

    .venv/bin/python benchmarks/trainer_memory.py --data_dir=D [--steps=1500] [--save_every=500] [--before=PATH]
Writes benchmarks/results/trainer-memory.json.
"""
import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from checkout_child import TRAINER_CHILD_PREAMBLE, run_in_checkout  # noqa: E402

CHILD = TRAINER_CHILD_PREAMBLE + r"""
data_dir, steps, save_every = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
run = trainer_lib.Trainer(trainer_lib.TrainConfig(
    problems="mini_suite_weighted", data_dir=data_dir, output_dir=tempfile.mkdtemp(), hparams_set="multimodel_mini",
    train_steps=steps, eval_every=0, save_every=save_every, log_every=0, intra_op_threads=1))
row, evaluate = {}, run.evaluate
def timed_evaluate(step, **final):
    row["before_final_eval_mb"], row["peak_before_final_eval_mb"] = rss_mb(), peak[0]
    began = time.perf_counter()
    result = evaluate(step, **final)
    row["final_eval_s"], row["after_final_eval_mb"] = time.perf_counter() - began, rss_mb()
    return result
run.evaluate = timed_evaluate
run.run()
row["peak_mb"] = max(peak[0], rss_mb())
print("RESULT " + json.dumps({"code": t2t_mm.__file__, **row}))
"""


def run_variant(tree, data_dir, steps, save_every):
    return run_in_checkout(tree, CHILD, [data_dir, str(steps), str(save_every)])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data_dir", required=True)
    parser.add_argument("--steps", type=int, default=1500)
    parser.add_argument("--save_every", type=int, default=500)
    parser.add_argument("--before", default=None, help="another checkout to run the same from")
    parser.add_argument("--out", default=os.path.join(HERE, "results", "trainer-memory.json"))
    args = parser.parse_args()
    trees = [("after", REPO)] + ([("before", os.path.abspath(args.before))] if args.before else [])
    rows = {}
    for label, tree in trees:
        rows[label] = run_variant(tree, os.path.abspath(args.data_dir), args.steps, args.save_every)
        print(f"{label:7s} " + "  ".join(f"{k} {v:.0f}" for k, v in rows[label].items()), flush=True)
    from results_file import write
    write(args.out, {"steps": args.steps, "save_every": args.save_every, "mixture": "mini_suite_weighted",
                     "hparams_set": "multimodel_mini", "variants": rows})


if __name__ == "__main__":
    main()
