#!/usr/bin/env bash
# Trains a fresh small run (stopped and resumed once), and a run on 2-D points, and reads their tensorboard/ with
# TensorBoard's own EventAccumulator (bench/tensorboard/verify.py): every tag and value against log.jsonl, history.json,
# samples/ and the saved weights. Needs the CLI built (npm run build) and python3 with venv.
#   bash bench/tensorboard/verify.sh [RUN_DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
venv="${TB_VENV:-/tmp/tbvenv}"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -c 'import tensorboard, numpy' 2>/dev/null || "$venv/bin/pip" install -q tensorboard numpy
run="${1:-$(mktemp -d)/tb-run}"
cli="${GAN_CLI:-apps/cli/dist/index.js}"   # GAN_CLI: another build of the CLI
rm -rf "$run"
common=(--model dcgan-mnist --data shapes --limit 128 --batch-size 32 --range 0,1 --image-size 28 --seed 3
  --backend wasm --tb-histograms --eval-every 1 --eval-count 64 --clip-grad-norm 1 --penalty r1:1)
node "$cli" train "${common[@]}" --epochs 2 --out "$run"
node "$cli" train --resume "$run" --epochs 3 --tb-histograms
"$venv/bin/python" bench/tensorboard/verify.py "$run" --histograms
# 2-D points: the sample "grid" is the scatter plot gan train saves as samples/epoch_NNN.png, as an image summary too.
points="$run-points"
rm -rf "$points"
node "$cli" train --model mlp --data ring --limit 512 --batch-size 64 --epochs 2 --seed 3 --backend wasm --out "$points"
"$venv/bin/python" bench/tensorboard/verify.py "$points"
echo "tensorboard --logdir $(dirname "$run")   # to look at it"
