#!/usr/bin/env bash
# Creates (or reuses) a Python venv with the current PyTorch from pip plus numpy and pillow, for the PyTorch
# reference scripts in bench/ (bench/torch_step.py, bench/recipe/*.py).
#
#   bench/setup-torch.sh                 # venv in ${GAN_TORCH_VENV:-$HOME/.cache/gan/torch-venv}
#   GAN_TORCH_VENV=/tmp/tv bench/setup-torch.sh
#   PYTHON=/usr/bin/python3 bench/setup-torch.sh   # the interpreter the venv is made from (default: python3)
#
# Idempotent: an existing venv that already imports torch, numpy, PIL and safetensors is left as it is. `pip install torch`
# on this project's machines gets the CPU build (see shared/ENVIRONMENT.md); when the default index has no torch,
# the script falls back to PyTorch's own CPU index (https://download.pytorch.org/whl/cpu).
# Ends by printing the venv's python path and the torch version.
set -euo pipefail

VENV="${GAN_TORCH_VENV:-$HOME/.cache/gan/torch-venv}"
PYTHON="${PYTHON:-python3}"
CPU_INDEX="https://download.pytorch.org/whl/cpu"

have_venv_module() {
  # Debian's python3 has the venv module only with python3-venv (ensurepip is missing without it).
  "$PYTHON" -c 'import venv, ensurepip' >/dev/null 2>&1
}

if [ ! -x "$VENV/bin/python" ]; then
  if ! command -v "$PYTHON" >/dev/null 2>&1; then
    echo "setup-torch: no $PYTHON on PATH (set PYTHON=...)" >&2
    exit 1
  fi
  if ! have_venv_module; then
    echo "setup-torch: $PYTHON lacks the venv module; installing Debian's python3-venv" >&2
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update
    $SUDO apt-get install -y python3-venv
  fi
  if [ -e "$VENV" ] && [ -n "$(ls -A "$VENV" 2>/dev/null)" ]; then
    if [ -f "$VENV/pyvenv.cfg" ]; then
      # A half-made venv (say, an earlier run stopped) is replaced.
      rm -rf "$VENV"
    else
      echo "setup-torch: $VENV exists, is not empty and is not a venv; set GAN_TORCH_VENV elsewhere" >&2
      exit 1
    fi
  fi
  mkdir -p "$(dirname "$VENV")"
  "$PYTHON" -m venv "$VENV"
fi

PY="$VENV/bin/python"
if "$PY" -c 'import torch, numpy, PIL, safetensors' >/dev/null 2>&1; then
  echo "setup-torch: $VENV already has torch, numpy, pillow and safetensors"
else
  "$PY" -m pip install --upgrade pip >/dev/null 2>&1 || true
  if ! "$PY" -m pip install torch numpy pillow safetensors; then
    echo "setup-torch: 'pip install torch' from the default index failed; trying $CPU_INDEX" >&2
    "$PY" -m pip install --index-url "$CPU_INDEX" torch
    "$PY" -m pip install numpy pillow safetensors
  fi
fi

"$PY" - <<'EOF'
import sys
import numpy
import PIL
import torch
print(f'python: {sys.executable}')
print(f'torch: {torch.__version__} (numpy {numpy.__version__}, pillow {PIL.__version__}, CUDA {torch.version.cuda or "none"})')
EOF
