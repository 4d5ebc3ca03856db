#!/usr/bin/env bash
# The main job, end to end on the offline mini suite: install into .venv, generate all mini problems,
# train multimodel_mini jointly on them (mini_suite_weighted: each problem drawn in proportion to the steps
# it needs; bounded time on a 2-core CPU), evaluate each on its whole dev
# split (every metric also with shuffled inputs), plot the curves (WORK/train/dev_metrics.png), decode.
# Usage: bash scripts/mini_suite.sh [WORK_DIR]   (default ./mini_run; TRAIN_STEPS=... to change the length)
set -euo pipefail
cd "$(dirname "$0")/.."
WORK=${1:-mini_run}
TRAIN_STEPS=${TRAIN_STEPS:-7500}
EVAL_EVERY=${EVAL_EVERY:-0}
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e .
BIN=.venv/bin

$BIN/mm-datagen --problem=mini_suite --data_dir="$WORK/data" --tmp_dir="$WORK/raw"
$BIN/mm-trainer --problems=mini_suite_weighted --hparams_set=multimodel_mini \
    --data_dir="$WORK/data" --output_dir="$WORK/train" --train_steps="$TRAIN_STEPS" --eval_every="$EVAL_EVERY" \
    --log_every=200 --intra_op_threads=1
$BIN/mm-decoder --output_dir="$WORK/train" --problem=mini_suite --decode_dev=3
