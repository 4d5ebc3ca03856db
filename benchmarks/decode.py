"""Decoding speed: greedy and beam search, cached incremental decoding vs the uncached reference.

    .venv/bin/python benchmarks/decode.py [--lengths 16,64,256] [--batch 8] [--beam 4] [--reps 3]

Setting (issue 12): multimodel_tiny's decoder (hidden 32, 1 mixer block, 2 decoder blocks, MoE with
8 experts, k=2) with random weights, one text problem with a vocabulary of --vocab ids, a batch of
--batch sources of --source_length tokens. EOS stopping is off (eos_id=-1), so every decode runs to
exactly max_length = each of --lengths. Contenders: greedy and beam (--beam) search, each with
cache=False (model.decode over the whole prefix buffer at every step, as T2T's MultiModel did) and
cache=True (one position per step from the decode cache). Each is one tf.function, traced and run
once before timing (first_call_s: trace + first run); then each repetition runs every contender of a
length once, interleaved, so a busy machine slows all alike; the figure is the median (a contender
whose timed runs exceed --budget_s stops repeating: runs says how many were timed).
tokens/s counts output tokens: batch * length per decode (for beam search, of the best hypothesis;
the search expands batch * beam hypotheses). Prints a table and writes benchmarks/results/decode.json.
"""
import argparse
import os
import platform
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from t2t_mm import plugins, registry  # noqa: E402
from t2t_mm.decoding.beam import beam_search  # noqa: E402
from t2t_mm.decoding.greedy import greedy_decode  # noqa: E402
from t2t_mm.spec import ProblemSpec  # noqa: E402
import results_file  # noqa: E402  (benchmarks/results_file.py: run as a script from benchmarks/)

HERE = os.path.dirname(os.path.abspath(__file__))
NO_EOS = -1


def make_model(hparams_set, vocab, seed):
    plugins.load_all()
    keras.utils.set_random_seed(seed)
    hp = registry.hparams(hparams_set)
    spec = ProblemSpec("bench_text", "symbol", "symbol", 1, vocab_size=vocab)
    model = registry.model("multimodel")(hp, [spec]).build_all()
    rng = np.random.default_rng(seed)
    for layer in model.moe_layers():   # zero-initialized gates would send every token to the same experts
        layer.w_gate.assign(rng.normal(size=layer.w_gate.shape).astype("float32"))
    return model, hp, spec


def contender(model, spec, search, beam, length, cache):
    if search == "greedy":
        fn = tf.function(lambda f: greedy_decode(model, f, spec.name, length, eos_id=NO_EOS, cache=cache)["ids"])
    else:
        fn = tf.function(lambda f: beam_search(model, f, spec.name, beam, 0.0, length, eos_id=NO_EOS,
                                               cache=cache)["ids"])
    return fn


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hparams_set", default="multimodel_tiny")
    parser.add_argument("--lengths", default="16,64,256")
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--beam", type=int, default=4)
    parser.add_argument("--vocab", type=int, default=8192)
    parser.add_argument("--source_length", type=int, default=32)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--budget_s", type=float, default=60.0,
                        help="a contender stops repeating once its timed runs took this long (>= 1 run)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=os.path.join(HERE, "results", "decode.json"))
    args = parser.parse_args()

    model, hp, spec = make_model(args.hparams_set, args.vocab, args.seed)
    rng = np.random.default_rng(args.seed)
    inputs = rng.integers(2, args.vocab, [args.batch, args.source_length]).astype("int32")
    inputs[:, -1] = 1
    features = {"inputs": tf.constant(inputs), "target_space_id": tf.fill([args.batch], spec.target_space_id)}

    rows = []
    for length in [int(x) for x in args.lengths.split(",")]:
        runs = {}
        for search in ("greedy", "beam"):
            for cache in (False, True):
                fn = contender(model, spec, search, args.beam, length, cache)
                start = time.perf_counter()
                ids = fn(features).numpy()
                first = time.perf_counter() - start
                runs[(search, cache)] = {"fn": fn, "first": first, "times": [], "ids": ids}
        for _ in range(args.reps):
            for run in runs.values():
                if run["times"] and sum(run["times"]) > args.budget_s:
                    continue   # the uncached search at 256 takes minutes per decode: fewer repetitions
                start = time.perf_counter()
                run["fn"](features).numpy()
                run["times"].append(time.perf_counter() - start)
        for search in ("greedy", "beam"):
            plain, cached = runs[(search, False)], runs[(search, True)]
            same = bool(np.array_equal(plain["ids"], cached["ids"]))
            for cache, run in ((False, plain), (True, cached)):
                median = statistics.median(run["times"])
                rows.append({"search": search if search == "greedy" else f"beam{args.beam}", "length": length,
                             "cache": cache, "median_s": median, "min_s": min(run["times"]), "runs": len(run["times"]),
                             "tokens_per_s": args.batch * length / median, "first_call_s": run["first"],
                             "speedup": (statistics.median(plain["times"]) / median) if cache else 1.0,
                             "same_ids_as_uncached": same})

    print(f"{'search':8} {'length':>6} {'cache':>6} {'median s':>9} {'tokens/s':>10} {'speed-up':>9} "
          f"{'first call s':>12} {'same ids':>8}")
    for r in rows:
        print(f"{r['search']:8} {r['length']:6d} {str(r['cache']):>6} {r['median_s']:9.3f} "
              f"{r['tokens_per_s']:10.1f} {r['speedup']:9.2f} {r['first_call_s']:12.2f} "
              f"{str(r['same_ids_as_uncached']):>8}")
    result = {"benchmark": "decode", "hparams_set": args.hparams_set, "batch": args.batch, "beam": args.beam,
              "vocab": args.vocab, "source_length": args.source_length, "reps": args.reps,
              "budget_s": args.budget_s,
              "model": {k: hp.values()[k] for k in ("hidden_size", "mixer_blocks", "decoder_blocks", "use_moe",
                                               "moe_num_experts", "moe_k", "conv_kernel_sizes",
                                               "conv_dilations")},
              "cpu_count": os.cpu_count(), "machine": platform.machine(), "tensorflow": tf.__version__,
              "rows": rows}
    results_file.write(args.out, result, indent=2)


if __name__ == "__main__":
    main()
