#!/usr/bin/env bash
# The GPU figures of issue 12 in one short run, on a machine with one NVIDIA GPU:
#   benchmarks/train.py  tiny, mid and multimodel_base on three mini problems (text, image, audio), under
#                        mixed_bfloat16 with XLA (--jit_compile); MFU against the GPU's bfloat16 matmul peak
#                        (an 8192^3 matmul chain) measured in the same run -> benchmarks/results/train-gpu.json
#   benchmarks/moe.py    MoE/dense fwd+bwd at 60 and 240 experts, bfloat16, XLA -> benchmarks/results/moe-gpu.json
# and prints the two headline figures (targets: MFU of multimodel_base >= 30%, MoE/dense at 240 <= 1.5).
#
#   bash benchmarks/gpu.sh                 # from the repository root or anywhere; about 5-10 minutes
#   STEPS=10 REPS=5 DATA_DIR=/path bash benchmarks/gpu.sh
#
# Without a GPU visible to TensorFlow it stops at once with exit status 2 and measures nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
[ -x "$PY" ] || PY=python3
RESULTS=benchmarks/results
DATA_DIR=${DATA_DIR:-$RESULTS/train_data}
STEPS=${STEPS:-20}
REPS=${REPS:-10}
mkdir -p "$RESULTS"
export TF_CPP_MIN_LOG_LEVEL=${TF_CPP_MIN_LOG_LEVEL:-2}

if ! "$PY" - <<'EOF'
import sys
import tensorflow as tf
gpus = tf.config.list_physical_devices("GPU")
if not gpus:
    print("benchmarks/gpu.sh: TensorFlow sees no GPU (tf.config.list_physical_devices('GPU') is empty; "
          f"TensorFlow {tf.__version__}, built with CUDA: {tf.test.is_built_with_cuda()}). Nothing was "
          "measured. Run it on a machine with an NVIDIA GPU and a CUDA build of TensorFlow "
          "(pip install 'tensorflow[and-cuda]').", file=sys.stderr)
    sys.exit(2)
details = tf.config.experimental.get_device_details(gpus[0])
print(f"GPU: {details.get('device_name', gpus[0].name)} (compute capability "
      f"{details.get('compute_capability')}), {len(gpus)} visible; using the first")
EOF
then
    exit 2
fi
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv || true
export CUDA_VISIBLE_DEVICES=${CUDA_VISIBLE_DEVICES:-0}

"$PY" benchmarks/train.py --data_dir="$DATA_DIR" --configs=tiny,mid,base --steps="$STEPS" \
    --precision=mixed_bfloat16 --jit_compile --peak_dtype=bfloat16 --peak_n=8192 \
    --out="$RESULTS/train-gpu.json"
"$PY" benchmarks/moe.py --experts=60,240 --tokens=8192 --reps="$REPS" --jit=on \
    --precision=mixed_bfloat16 --out="$RESULTS/moe-gpu.json"

"$PY" - <<'EOF'
import json
train = json.load(open("benchmarks/results/train-gpu.json"))
moe = json.load(open("benchmarks/results/moe-gpu.json"))
peak = train["matmul_peak_flops_per_s"]
base = train["summary"]["base"]
print(f"bfloat16 matmul peak (same run): {peak / 1e12:.1f} TFLOP/s")
print(f"multimodel_base MFU over the mixture: {base['mfu_uniform_mixture']:.1%} (target >= 30%), "
      f"peak host RSS {base['peak_rss_mb']:.0f} MB")
for row in moe["rows"]:
    print(f"MoE/dense at {row['experts']} experts: {row['moe_over_dense']:.2f} (median)")
EOF
