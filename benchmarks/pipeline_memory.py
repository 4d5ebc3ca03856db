"""Host memory of the training input pipelines: every problem of a mixture at once, as mm-trainer holds
them (shuffle buffers of serialized records, decode and batching), without a model.

    .venv/bin/python benchmarks/pipeline_memory.py --data_dir=D [--problems=mini_suite]
        [--hparams_set=multimodel_mini] [--out=FILE]

Opens each problem's training iterator in turn, draws two batches (the shuffle buffer fills before the
first), and records the growth of this process's resident memory (VmRSS, Linux) per problem. Writes
benchmarks/results/pipeline-memory.json. docs/TRAINING.md "Host memory" uses it.
"""
import argparse
import os
import time
import results_file  # benchmarks/results_file.py (run as a script from benchmarks/)

HERE = os.path.dirname(os.path.abspath(__file__))


def rss_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status (Linux only)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data_dir", required=True)
    parser.add_argument("--problems", default="mini_suite")
    parser.add_argument("--hparams_set", default="multimodel_mini")
    parser.add_argument("--out", default=os.path.join(HERE, "results", "pipeline-memory.json"))
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow as tf  # noqa: F401
    from t2t_mm import plugins, registry
    plugins.load_all()
    hparams = registry.hparams(args.hparams_set)
    names = sorted(registry.expand_problems(args.problems))
    base = rss_mb()
    result = {"hparams_set": args.hparams_set, "shuffle_buffer": hparams.shuffle_buffer,
              "data_dir": args.data_dir, "baseline_rss_mb": base, "per_problem_mb": {},
              "record_kib": {}}
    iterators = []
    for name in names:
        before = rss_mb()
        iterator = iter(registry.problem(name).dataset("train", args.data_dir, hparams, seed=1))
        next(iterator)
        next(iterator)
        iterators.append(iterator)   # kept open: the trainer holds every problem's pipeline at once
        time.sleep(1)
        result["per_problem_mb"][name] = rss_mb() - before
        files = [f for f in os.listdir(args.data_dir) if f.startswith(name + "-train-")]
        meta = registry.problem(name).dataset_size(args.data_dir, "train")
        if meta:
            size = sum(os.path.getsize(os.path.join(args.data_dir, f)) for f in files)
            result["record_kib"][name] = size / meta / 1024
        print(f"{name:24s} +{result['per_problem_mb'][name]:7.1f} MB  "
              f"({result['record_kib'].get(name, float('nan')):.1f} KiB per serialized record)", flush=True)
    result["all_pipelines_mb"] = rss_mb() - base
    print(f"all {len(names)} pipelines: {result['all_pipelines_mb']:.0f} MB over {base:.0f} MB before them")
    results_file.write(args.out, result, indent=1)


if __name__ == "__main__":
    main()
