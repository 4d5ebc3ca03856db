"""Training throughput and model FLOPs utilization (MFU) of mm-trainer's compiled steps.

For each config (multimodel_tiny and a mid-size one) and each problem of a few mini problems (text,
image and audio inputs): examples/s and target tokens/s of the full training step (forward, backward,
clipping, Adam), model FLOPs per step counted from the traced graph (t2t_mm.training.flops), and
MFU = achieved FLOP/s / peak FLOP/s, where the peak is a large float32 matmul timed in the same run on
the same machine. Steps run on one cached batch per problem, so FLOPs per step are exact and the input
pipeline is measured separately: examples/s it delivers vs. what the trainer consumes (ratio > 1 means
the pipeline is not the bottleneck).

Each config runs in its own subprocess, so its peak resident memory (ru_maxrss of that process: the
model, the optimizer slots, the compiled steps of the problems, their input pipelines with shuffle
buffers) is reported beside its rows (peak_rss_mb).

    .venv/bin/python benchmarks/train.py [--data_dir=D] [--steps=N] [--configs=tiny,mid,base]
        [--precision=mixed_bfloat16] [--peak_dtype=bfloat16] [--jit_compile] [--out=FILE]
Prints a table and writes benchmarks/results/train.json (train_xla.json with --jit_compile).
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
RESULTS = os.path.join(HERE, "results")
PROBLEMS = ["mini_translate_ende", "mini_image_classes", "mini_speech"]
CONFIGS = {
    "tiny": ("multimodel_tiny", ""),
    "mid": ("multimodel_tiny", "hidden_size=256,num_heads=8,moe_hidden_size=1024,moe_num_experts=16,"
                               "moe_k=2,batch_size=2048,encoder_blocks=2,decoder_blocks=2"),
    "base": ("multimodel_base", ""),   # the paper-size model (benchmarks/gpu.sh; slow on a CPU)
}


def ensure_data(data_dir):
    if os.path.exists(os.path.join(data_dir, "target_spaces.json")) and all(
            any(n.startswith(p + "-train") for n in os.listdir(data_dir)) for p in PROBLEMS):
        return
    exe = os.path.join(os.path.dirname(sys.executable), "mm-datagen")
    subprocess.run([exe, f"--problem={','.join(PROBLEMS)}", f"--data_dir={data_dir}",
                    f"--tmp_dir={data_dir}_tmp", "--mini_scale=0.1"], check=True)


def matmul_peak(tf, n=2048, repeats=5, dtype="float32"):
    """Best FLOP/s of an n x n matmul chain in dtype (the machine's practical matmul peak)."""
    a = tf.cast(tf.random.normal([n, n]), dtype)
    b = tf.cast(tf.random.normal([n, n]), dtype)
    chain = tf.function(lambda x, y: tf.reduce_sum(tf.matmul(tf.matmul(x, y), y)))
    chain(a, b).numpy()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        chain(a, b).numpy()
        best = min(best, time.perf_counter() - start)
    return 2 * 2 * n ** 3 / best


def time_steps(tf, fn, iterator, steps, first_step):
    outputs = fn(iterator, tf.constant(first_step, tf.int64))  # compiles
    float(outputs["loss"])
    fn(iterator, tf.constant(first_step + 1, tf.int64))["loss"].numpy()
    examples = tokens = 0.0
    start = time.perf_counter()
    for i in range(steps):
        outputs = fn(iterator, tf.constant(first_step + 2 + i, tf.int64))
        examples += float(outputs["examples"])
        tokens += float(outputs["tokens"])
    elapsed = time.perf_counter() - start
    return elapsed / steps, examples / elapsed, tokens / elapsed


def pipeline_rate(dataset, batches):
    iterator = iter(dataset)
    next(iterator)
    examples = 0
    start = time.perf_counter()
    for _ in range(batches):
        examples += int(next(iterator)["targets"].shape[0])
    return examples / (time.perf_counter() - start)


def bench_config(tf, label, hparams_set, overrides, data_dir, steps, jit_compile=False, precision=None,
                 peak=None):
    from t2t_mm.training import flops, trainer
    peak = peak or {}
    out = tempfile.mkdtemp(prefix=f"bench_train_{label}_")
    config = trainer.TrainConfig(problems=",".join(PROBLEMS), data_dir=data_dir, output_dir=out,
                                 hparams_set=hparams_set, hparams=overrides, train_steps=0, eval_steps=0,
                                 distribution="one_device", jit_compile=jit_compile, precision=precision)
    run = trainer.Trainer(config)
    rows = []
    for name in PROBLEMS:
        problem = run.problems[name]
        batch = problem.dataset("train", data_dir, run.hparams).take(1).cache().repeat()
        iterator = iter(run.strategy.experimental_distribute_dataset(batch))
        features = next(iter(batch))
        forward_backward = tf.function(run.steps._forward_backward(name))
        graph = forward_backward.get_concrete_function(features, tf.constant(1e-3), tf.constant(1.0)).graph
        # text targets: the output layer runs on the batch's real targets only (a count unknown when traced)
        real_targets = int(tf.reduce_sum(tf.cast(features["targets"] != 0, tf.int32)))
        step_flops, unknown = flops.graph_flops(graph, fill_unknown=real_targets)
        peak_before = matmul_peak(tf, **peak)
        seconds, ex_s, tok_s = time_steps(tf, run.steps.train(name), iterator, steps, 1)
        local_peak = max(peak_before, matmul_peak(tf, **peak))  # the machine is shared: peak right beside the timing
        feed = pipeline_rate(problem.dataset("train", data_dir, run.hparams), batches=max(steps, 20))
        rows.append({"config": label, "problem": name, "jit_compile": jit_compile, "precision": precision or
                     "float32", "batch_shape": {k: list(v.shape) for k, v in features.items()},
                     "step_s": seconds, "examples_per_s": ex_s, "target_tokens_per_s": tok_s,
                     "model_flops_per_step": step_flops, "uncounted_ops": unknown,
                     "achieved_flops_per_s": step_flops / seconds, "pipeline_examples_per_s": feed,
                     "matmul_peak_beside": local_peak, "mfu_beside": step_flops / seconds / local_peak,
                     "pipeline_over_trainer": feed / ex_s,
                     "parameters": int(sum(int(tf.size(v)) for v in run.model.trainable_variables))})
    return rows


def import_tf():
    """TensorFlow with on-demand GPU memory: the parent (matmul peaks) and each config's subprocess share
    one GPU, and TensorFlow would otherwise reserve nearly all of it in the first process."""
    import tensorflow as tf
    for gpu in tf.config.list_physical_devices("GPU"):
        tf.config.experimental.set_memory_growth(gpu, True)
    return tf


def peak_rss_mb():
    """This process's peak resident set size in MB (ru_maxrss: KiB on Linux, bytes on macOS)."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / 2 ** 20 if sys.platform == "darwin" else rss / 2 ** 10


def run_config_subprocess(label, args):
    """One config in a fresh process: its rows and its own peak resident memory."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        rows_path = handle.name
    command = [sys.executable, os.path.abspath(__file__), f"--one_config={label}", f"--rows_out={rows_path}",
               f"--data_dir={args.data_dir}", f"--steps={args.steps}", f"--peak_dtype={args.peak_dtype}",
               f"--peak_n={args.peak_n}"] + (["--jit_compile"] if args.jit_compile else []) + \
        ([f"--precision={args.precision}"] if args.precision else [])
    subprocess.run(command, check=True)
    with open(rows_path) as f:
        child = json.load(f)
    os.unlink(rows_path)
    for row in child["rows"]:
        row["peak_rss_mb"] = child["peak_rss_mb"]   # of the whole config: model, steps, pipelines
    return child["rows"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data_dir", default=os.path.join(RESULTS, "train_data"))
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--configs", default="tiny,mid")
    parser.add_argument("--jit_compile", action="store_true", help="XLA-compile the forward/backward pass")
    parser.add_argument("--precision", choices=["float32", "mixed_bfloat16", "mixed_float16"], default=None,
                        help="mm-trainer --precision for the timed steps (default: the set's)")
    parser.add_argument("--peak_dtype", default="float32", help="dtype of the matmul peak (bfloat16 on GPUs)")
    parser.add_argument("--peak_n", type=int, default=2048, help="matmul size of the peak (8192 on GPUs)")
    parser.add_argument("--out", default=None, help="result file (default results/train.json or "
                        "train_xla.json)")
    parser.add_argument("--one_config", default=None, help=argparse.SUPPRESS)   # the per-config subprocess
    parser.add_argument("--rows_out", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.makedirs(RESULTS, exist_ok=True)
    peak_args = {"dtype": args.peak_dtype, "n": args.peak_n}
    if args.one_config:
        from t2t_mm.training import host_memory
        host_memory.keep_freed_memory()   # as mm-trainer
        tf = import_tf()
        from t2t_mm import plugins
        plugins.load_all()
        hparams_set, overrides = CONFIGS[args.one_config]
        rows = bench_config(tf, args.one_config, hparams_set, overrides, args.data_dir, args.steps,
                            args.jit_compile, args.precision, peak_args)
        with open(args.rows_out, "w") as f:
            json.dump({"rows": rows, "peak_rss_mb": peak_rss_mb()}, f)
        return
    ensure_data(args.data_dir)
    tf = import_tf()
    peak = matmul_peak(tf, **peak_args)
    rows = []
    for label in args.configs.split(","):
        rows += run_config_subprocess(label, args)
    peak_after = matmul_peak(tf, **peak_args)  # the machine is shared: take the better of before and after
    peak = max(peak, peak_after)
    print(f"matmul peak ({args.peak_dtype}, {args.peak_n}^3, same run): {peak / 1e9:.1f} GFLOP/s")
    print(f"{'config':<6} {'problem':<20} {'step ms':>8} {'ex/s':>8} {'tok/s':>9} {'GFLOP/step':>10} "
          f"{'GFLOP/s':>8} {'MFU':>6} {'MFU*':>6} {'pipe/trainer':>12} {'peak RSS MB':>11}")
    for row in rows:
        row["mfu"] = row["achieved_flops_per_s"] / peak
        print(f"{row['config']:<6} {row['problem']:<20} {row['step_s'] * 1e3:8.1f} {row['examples_per_s']:8.1f} "
              f"{row['target_tokens_per_s']:9.0f} {row['model_flops_per_step'] / 1e9:10.3f} "
              f"{row['achieved_flops_per_s'] / 1e9:8.2f} {row['mfu']:6.1%} {row['mfu_beside']:6.1%} "
              f"{row['pipeline_over_trainer']:12.1f} {row['peak_rss_mb']:11.0f}")
    print("MFU: against the run's best matmul peak; MFU*: against the peak measured right beside that row "
          "(fairer on a shared machine)")
    summary = {}
    for label in args.configs.split(","):
        mine = [r for r in rows if r["config"] == label]
        total_flops = sum(r["model_flops_per_step"] for r in mine)
        total_time = sum(r["step_s"] for r in mine)
        summary[label] = {"mfu_uniform_mixture": total_flops / total_time / peak,
                          "mfu_uniform_mixture_beside": total_flops / sum(
                              r["step_s"] * r["matmul_peak_beside"] for r in mine),
                          "min_pipeline_over_trainer": min(r["pipeline_over_trainer"] for r in mine),
                          "peak_rss_mb": max(r["peak_rss_mb"] for r in mine)}
        print(f"{label}: MFU over a uniform mixture of the problems {summary[label]['mfu_uniform_mixture']:.1%} "
              f"(beside: {summary[label]['mfu_uniform_mixture_beside']:.1%}), "
              f"pipeline/trainer >= {summary[label]['min_pipeline_over_trainer']:.1f}x, "
              f"peak RSS {summary[label]['peak_rss_mb']:.0f} MB")
    result = {"matmul_peak_flops_per_s": peak, "rows": rows, "summary": summary,
              "configs": {k: CONFIGS[k] for k in args.configs.split(",")}, "mfu_target_mid": 0.40,
              "cpu_count": os.cpu_count(), "tensorflow": tf.__version__, "jit_compile": args.jit_compile,
              "precision": args.precision or "float32", "peak_dtype": args.peak_dtype, "peak_n": args.peak_n,
              "device": "GPU" if tf.config.list_physical_devices("GPU") else "CPU",
              "peak_rss": "ru_maxrss of the config's own subprocess (MB)"}
    path = args.out or os.path.join(RESULTS, "train_xla.json" if args.jit_compile else "train.json")
    with open(path, "w") as f:
        json.dump(result, f, indent=1)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
