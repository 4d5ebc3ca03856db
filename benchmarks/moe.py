"""Forward+backward time of the sparse MoE layer vs a dense FFN with the same active FLOPs.

    .venv/bin/python benchmarks/moe.py [--tokens 2048] [--reps 5] [--experts 16,60,240] [--jit both]
        [--precision mixed_bfloat16] [--host_memory glibc] [--out FILE]

Setting (issue 4): T tokens of width d=512, experts are ReLU FFNs 512 -> 1024 -> 512, k=4; the dense
baseline is one FFN 512 -> k*1024 -> 512. Each repetition runs every contender once, interleaved, so a
busy machine slows all of them alike; the figure is the median. Ratios MoE/dense are the goal
(<= 1.5 at 60 experts, <= 3.0 at 240 on CPU). The medians are the figure; the minima are printed
too because on a shared machine other jobs slow single runs. Where the MoE's time goes: two more
contenders run interleaved with the others, the gating alone (noisy top-k, softmax, balancing-loss
inputs) and the experts alone (the batched expert FFN on the [E, C, d] slots, as dispatch feeds it);
the rest of the MoE's time is dispatch/combine (slot assignment, gathers, their gradients). keras-hub's MixtralSparseMoeBlock (it runs EVERY expert
on every token, SwiGLU experts with 3 matrices) is timed where it fits in memory. Prints a table and
writes benchmarks/results/moe.json. Freed host memory is kept in the process as mm-trainer keeps it
(t2t_mm.training.host_memory); --host_memory=glibc measures with glibc's defaults instead.
"""
import argparse
import math
import os
import platform
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from t2t_mm.layers.moe import SparseMoE  # noqa: E402
from t2t_mm.layers.moe_routing import expert_capacity  # noqa: E402
from t2t_mm.training import host_memory  # noqa: E402
import results_file  # noqa: E402  (benchmarks/results_file.py: run as a script from benchmarks/)

HERE = os.path.dirname(os.path.abspath(__file__))


def fwd_bwd(layer_fn, variables_fn, x, jit):
    """A compiled step: loss = mean(out^2) + aux losses; gradients for the weights and the input."""
    def step(inputs):
        with tf.GradientTape() as tape:
            tape.watch(inputs)
            out, aux = layer_fn(inputs)
            loss = tf.reduce_mean(tf.square(tf.cast(out, tf.float32))) + aux
        return tape.gradient(loss, [inputs] + variables_fn())
    fn = tf.function(step, jit_compile=jit)
    fn(x)  # trace / compile, and warm up
    fn(x)
    return lambda: [g.numpy() for g in fn(x) if g is not None][:1]


def make_moe(d, experts, k, hidden, capacity_factor, seed):
    layer = SparseMoE(experts, k, hidden, capacity_factor=capacity_factor, name=f"moe{experts}")
    layer.build((None, d))
    layer.w_gate.assign(np.random.RandomState(seed).randn(d, experts).astype(np.float32) * 0.05)

    def run(x):
        return layer(x, training=True), tf.add_n(layer.losses)
    return layer, run


def make_parts(layer, tokens, d, experts, k, capacity_factor):
    """The MoE's gating alone and its experts alone, fwd+bwd, on the shapes the full layer sees."""
    capacity = expert_capacity(tokens, experts, k, capacity_factor)
    slots = tf.constant(np.random.RandomState(1).randn(experts, capacity, d).astype(np.float32))
    valid = tf.ones([tokens])

    def gating(x):
        gates, _, importance, load = layer.gate(x, valid, training=True)
        return gates, tf.reduce_sum(importance) + tf.reduce_sum(load)

    def experts_ffn(expert_in):   # [E, C, d], the gradient for it too (as dispatch needs it)
        dtype = layer.compute_dtype
        w_in, b_in, w_out, b_out = (tf.cast(w.value, dtype) for w in (layer.w_in, layer.b_in, layer.w_out,
                                                                       layer.b_out))
        hidden = tf.nn.relu(tf.matmul(tf.cast(expert_in, dtype), w_in) + b_in[:, None, :])
        return tf.matmul(hidden, w_out) + b_out[:, None, :], 0.0
    return gating, experts_ffn, slots


def make_dense(d, hidden):
    inner = keras.layers.Dense(hidden, activation="relu")
    outer = keras.layers.Dense(d)
    model = keras.Sequential([keras.Input((d,)), inner, outer])
    return model, lambda x: (model(x), 0.0)


def make_keras_hub(d, experts, k, hidden):
    from keras_hub.src.models.mixtral.mixtral_decoder import MixtralSparseMoeBlock
    block = MixtralSparseMoeBlock(d, hidden, experts, top_k=k)
    block.build((1, None, d))

    def run(x):
        out, _ = block(x[None], training=True)
        return out[0], tf.add_n(block.losses) if block.losses else 0.0
    return block, run


def keras_hub_gib(tokens, experts, hidden):
    """Rough live memory of keras-hub's dense expert pass: ~6 float32 [E, T, hidden] tensors."""
    return 6 * experts * tokens * hidden * 4 / 2 ** 30


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tokens", type=int, default=2048)
    parser.add_argument("--d", type=int, default=512)
    parser.add_argument("--expert_hidden", type=int, default=1024)
    parser.add_argument("--k", type=int, default=4)
    parser.add_argument("--experts", default="16,60,240")
    parser.add_argument("--capacity_factor", type=float, default=1.25)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--jit", choices=["on", "off", "both"], default="both")
    parser.add_argument("--keras_hub_max_gib", type=float, default=4.0,
                        help="skip keras-hub where its dense expert pass needs more memory than this")
    parser.add_argument("--precision", choices=["float32", "mixed_bfloat16", "mixed_float16"],
                        default="float32", help="Keras dtype policy of the MoE and the dense FFN")
    parser.add_argument("--host_memory", choices=["kept", "glibc"], default="kept",
                        help="kept: freed memory stays in the process, as in mm-trainer; glibc: its defaults")
    parser.add_argument("--no_parts", action="store_true", help="skip the gating/experts breakdown")
    parser.add_argument("--out", default=os.path.join(HERE, "results", "moe.json"))
    args = parser.parse_args()
    kept = args.host_memory == "kept" and host_memory.keep_freed_memory()
    keras.config.set_dtype_policy(args.precision)
    d, h, k, tokens = args.d, args.expert_hidden, args.k, args.tokens
    x = tf.constant(np.random.RandomState(0).randn(tokens, d).astype(np.float32))
    try:
        import keras_hub
        hub_version = keras_hub.__version__
    except ImportError as exc:
        hub_version = None
        print(f"keras-hub not importable ({exc}); its column is skipped")
    jits = {"on": [True], "off": [False], "both": [False, True]}[args.jit]
    rows = []
    for experts in [int(e) for e in args.experts.split(",")]:
        for jit in jits:
            contenders = {}
            moe, run_moe = make_moe(d, experts, k, h, args.capacity_factor, seed=experts)
            contenders["moe"] = fwd_bwd(run_moe, lambda: moe.trainable_variables, x, jit)
            dense, run_dense = make_dense(d, k * h)
            contenders["dense"] = fwd_bwd(run_dense, lambda: dense.trainable_variables, x, jit)
            if not args.no_parts:
                gating, experts_ffn, slots = make_parts(moe, tokens, d, experts, k, args.capacity_factor)
                contenders["gating"] = fwd_bwd(gating, lambda: [moe.w_gate, moe.w_noise], x, jit)
                contenders["experts"] = fwd_bwd(experts_ffn, lambda: [moe.w_in, moe.b_in, moe.w_out,
                                                                      moe.b_out], slots, jit)
            hub_note = None
            if hub_version and not jit:
                need = keras_hub_gib(tokens, experts, h)
                if need <= args.keras_hub_max_gib:
                    hub, run_hub = make_keras_hub(d, experts, k, h)
                    contenders["keras_hub"] = fwd_bwd(run_hub, lambda: hub.trainable_variables, x, jit)
                else:
                    hub_note = f"skipped: needs ~{need:.1f} GiB (> --keras_hub_max_gib={args.keras_hub_max_gib})"
            times = {name: [] for name in contenders}
            cpu = {name: [] for name in contenders}
            for _ in range(args.reps):
                for name, fn in contenders.items():
                    start, start_cpu = time.perf_counter(), time.process_time()
                    fn()
                    times[name].append(time.perf_counter() - start)
                    cpu[name].append(time.process_time() - start_cpu)
            med = {name: statistics.median(t) * 1e3 for name, t in times.items()}
            # CPU seconds of this process (all its threads): less inflated than wall time when other jobs
            # share the cores, so its ratios are the steadier figure on a shared machine
            med_cpu = {name: statistics.median(t) * 1e3 for name, t in cpu.items()}
            best = {name: min(t) * 1e3 for name, t in times.items()}
            row = {"experts": experts, "jit_compile": jit, "median_ms": med, "min_ms": best,
                   "median_cpu_ms": med_cpu, "moe_over_dense": med["moe"] / med["dense"],
                   "moe_over_dense_cpu": med_cpu["moe"] / med_cpu["dense"],
                   "moe_over_dense_min": best["moe"] / best["dense"],
                   "expert_weights_gib": 2 * experts * d * h * 4 / 2 ** 30,
                   "capacity": expert_capacity(tokens, experts, k, args.capacity_factor),
                   "dropped_fraction": float(moe.dropped_fraction.numpy()),
                   # FLOPs / token: experts E*C*4dh/T (every slot, also empty ones), gating 4dE
                   # (W_g and W_noise), dense FFN 4dkh
                   "flop_ratio_predicted": experts * expert_capacity(tokens, experts, k, args.capacity_factor)
                   / (tokens * k) + experts / (k * h)}
            if "experts" in med_cpu:   # in CPU time (see above)
                row["share_of_moe_cpu"] = {
                    "experts": med_cpu["experts"] / med_cpu["moe"], "gating": med_cpu["gating"] / med_cpu["moe"],
                    "dispatch_combine_rest": 1 - (med_cpu["experts"] + med_cpu["gating"]) / med_cpu["moe"]}
            if "keras_hub" in med:
                row["keras_hub_over_dense"] = med["keras_hub"] / med["dense"]
            if hub_note:
                row["keras_hub"] = hub_note
            rows.append(row)
            hub = f"  keras-hub/dense {row['keras_hub_over_dense']:.2f}" if "keras_hub" in med else \
                (f"  keras-hub {hub_note}" if hub_note else "")
            print(f"E={experts:4d} jit={str(jit):5s} moe {med['moe']:8.1f} ms  dense {med['dense']:8.1f} ms  "
                  f"MoE/dense {row['moe_over_dense']:.2f} (min/min {row['moe_over_dense_min']:.2f}, "
                  f"FLOP ratio {row['flop_ratio_predicted']:.2f}, "
                  f"dropped {row['dropped_fraction']:.3f}){hub}", flush=True)
            print(f"      in CPU time: moe {med_cpu['moe']:8.1f} ms  dense {med_cpu['dense']:8.1f} ms  "
                  f"MoE/dense {row['moe_over_dense_cpu']:.2f}", flush=True)
            if "share_of_moe_cpu" in row:
                share = row["share_of_moe_cpu"]
                print(f"      MoE CPU time: experts {share['experts']:.0%}  gating {share['gating']:.0%}  "
                      f"dispatch/combine (rest) {share['dispatch_combine_rest']:.0%}", flush=True)
    result = {"benchmark": "moe_forward_backward", "precision": args.precision, "tokens": tokens, "d": d, "expert_hidden": h, "k": k,
              "capacity_factor": args.capacity_factor, "reps": args.reps,
              "host_memory": "kept" if kept else "glibc defaults", "statistic": "median",
              "keras_hub_version": hub_version, "tensorflow": tf.__version__, "keras": keras.__version__,
              "cpu_count": os.cpu_count(), "machine": platform.machine(),
              "load_average": os.getloadavg(), "device": "CPU" if not tf.config.list_physical_devices("GPU")
              else "GPU", "targets": {"60": 1.5, "240": 3.0}, "rows": rows,
              "note": "median_ms: wall time; median_cpu_ms: CPU time of the process (all threads), steadier "
                      "when other jobs share the cores; share_of_moe_cpu: gating and experts timed alone"}
    results_file.write(args.out, result, indent=2)


if __name__ == "__main__":
    main()
