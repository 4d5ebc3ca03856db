"""Datagen and input-pipeline throughput of the mini suite.

For each mini problem: examples/s of mm-datagen's work (generate + encode + write shards), and
examples/s of problem.dataset("train") reading them back (parse, decode, bucket, batch), side by side
with a bare TFRecord read of the same shards (the ratio is the pipeline's cost over I/O). Also the
share of training examples within max_length of the hparams set, and the whole build's wall time.

    .venv/bin/python benchmarks/datagen.py [--mini_scale=1.0] [--hparams_set=multimodel_tiny]

Prints a table and writes benchmarks/results/datagen.json.
"""
import argparse
import json
import os
import platform
import shutil
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from t2t_mm import plugins, registry  # noqa: E402

RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results", "datagen.json")


def read_rate(problem, data_dir, hparams, examples):
    """Examples/s of the training pipeline after its first batch, and the bare record-read rate."""
    import tensorflow as tf
    from t2t_mm.data import shards
    ds = iter(problem.dataset("train", data_dir, hparams, seed=1))
    next(ds)
    start, seen = time.perf_counter(), 0
    while seen < examples:
        seen += int(next(ds)["target_space_id"].shape[0])
    pipeline = seen / (time.perf_counter() - start)
    files = shards.complete_shards(data_dir, problem.name, "train")
    raw = tf.data.TFRecordDataset(files).repeat().batch(256).prefetch(tf.data.AUTOTUNE)
    it = iter(raw)
    next(it)
    start, count = time.perf_counter(), 0
    while count < examples:
        count += int(next(it).shape[0])
    return pipeline, count / (time.perf_counter() - start)


def kept_fraction(problem, data_dir, hparams):
    """Share of train examples no longer than max_length (the rest are dropped from batches)."""
    import tensorflow as tf
    from t2t_mm.data import bucketing, shards
    files = shards.complete_shards(data_dir, problem.name, "train")
    spec = {}
    for codec in problem.codecs.values():
        spec.update(codec.parse_spec())
    total = kept = 0
    for record in tf.data.TFRecordDataset(files):
        parsed = tf.io.parse_single_example(record, spec)
        ex = {name: codec.decode(parsed, problem, False) for name, codec in problem.codecs.items()}
        total += 1
        kept += int(bucketing.example_length(problem, ex, hparams)) <= hparams.max_length
    return kept / max(total, 1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mini_scale", type=float, default=1.0)
    parser.add_argument("--hparams_set", default="multimodel_tiny")
    parser.add_argument("--read_examples", type=int, default=4000)
    args = parser.parse_args()
    plugins.load_all()
    from t2t_mm.data import datagen
    from t2t_mm.problems.mini import MINI_SUITE
    hparams = registry.hparams(args.hparams_set)
    work = tempfile.mkdtemp(prefix="bench_datagen_")
    data_dir, tmp_dir = os.path.join(work, "data"), os.path.join(work, "raw")
    quiet = lambda *_: None  # noqa: E731
    rows = []
    try:
        start_all = time.perf_counter()
        start = time.perf_counter()
        problems = [registry.problem(n) for n in MINI_SUITE]
        for p in problems:
            p.size_scale = args.mini_scale
        datagen.prepare_dir(data_dir, "data_dir")
        vocab = datagen.ensure_vocab(problems, data_dir, tmp_dir, None, quiet)
        vocab_seconds = time.perf_counter() - start
        for problem in problems:
            start = time.perf_counter()
            datagen.generate([problem.name], data_dir, tmp_dir, size_scale=args.mini_scale, log=quiet)
            seconds = time.perf_counter() - start
            count = sum(problem.num_examples(s) for s in problem.splits)
            rows.append({"problem": problem.name, "examples": count, "datagen_seconds": round(seconds, 3),
                         "datagen_examples_per_s": round(count / seconds, 1)})
        build_seconds = time.perf_counter() - start_all
        for row, problem in zip(rows, problems):
            pipeline, raw = read_rate(problem, data_dir, hparams, args.read_examples)
            row.update(pipeline_examples_per_s=round(pipeline, 1), raw_read_examples_per_s=round(raw, 1),
                       pipeline_vs_raw_read=round(pipeline / raw, 4),
                       kept_within_max_length=round(kept_fraction(problem, data_dir, hparams), 4))
        disk = sum(os.path.getsize(os.path.join(data_dir, f)) for f in os.listdir(data_dir))
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(f"{'problem':22s} {'examples':>8s} {'datagen ex/s':>12s} {'pipeline ex/s':>13s} "
          f"{'raw read ex/s':>13s} {'ratio':>7s} {'<=max_len':>9s}")
    for r in rows:
        print(f"{r['problem']:22s} {r['examples']:8d} {r['datagen_examples_per_s']:12,.0f} "
              f"{r['pipeline_examples_per_s']:13,.0f} {r['raw_read_examples_per_s']:13,.0f} "
              f"{r['pipeline_vs_raw_read']:7.3f} {r['kept_within_max_length']:9.1%}")
    print(f"vocabulary: {vocab.size} pieces in {vocab_seconds:.1f}s; whole build {build_seconds:.1f}s; "
          f"{disk / 2**20:.0f} MiB on disk")
    result = {"benchmark": "datagen", "mini_scale": args.mini_scale, "hparams_set": args.hparams_set,
              "max_length": hparams.max_length, "cpus": os.cpu_count(), "machine": platform.machine(),
              "vocab_pieces": vocab.size, "vocab_seconds": round(vocab_seconds, 2),
              "build_seconds": round(build_seconds, 2), "disk_mib": round(disk / 2**20, 1), "problems": rows}
    os.makedirs(os.path.dirname(RESULTS), exist_ok=True)
    with open(RESULTS, "w") as f:
        json.dump(result, f, indent=1)
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
