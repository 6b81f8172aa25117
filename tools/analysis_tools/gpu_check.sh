#!/usr/bin/env bash
# The prepared GPU check: install what is missing, then run every member's pretraining step (bf16, eager and
# compiled) and report samples/s, peak memory and MFU as JSON, plus a 2-GPU DDP equivalence check when two GPUs
# are there. Without a CUDA GPU it runs the CPU fallback (tiny demo configs). See gpu_check.py.
#
#   bash tools/analysis_tools/gpu_check.sh [OUT_DIR] [gpu_check.py options, e.g. --members ijepa,dmtjepa]
#
#   PYTHON          interpreter (default: python3)
#   SKIP_INSTALL=1  do not run tools/install_deps.sh (everything is installed)
#   WHEELS=DIR      install the pure-Python wheels in DIR first (offline machines: mmengine, mmpretrain, ...)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PYTHON=${PYTHON:-python3}
OUT_DIR=${1:-${OUT:-$ROOT/work_dirs/gpu_check}}
[ $# -gt 0 ] && shift
mkdir -p "$OUT_DIR"
say() { printf '[gpu_check] %s\n' "$*"; }

if [ -n "${WHEELS:-}" ] && [ -d "$WHEELS" ]; then
  say "installing the wheels in $WHEELS (no index)"
  "$PYTHON" -m pip install -q --no-index --no-deps "$WHEELS"/*.whl
fi
if [ "${SKIP_INSTALL:-0}" != 1 ]; then
  # Keep the machine's torch: pin install_deps.sh to the installed versions instead of its CPU defaults.
  TORCH_VERSION=$("$PYTHON" -c 'import torch; print(torch.__version__.split("+")[0])')
  TORCHVISION_VERSION=$("$PYTHON" -c 'import torchvision; print(torchvision.__version__.split("+")[0])' 2>/dev/null \
    || echo "${TORCHVISION_VERSION:-0.28.0}")
  say "installing what is missing for torch $TORCH_VERSION (a CUDA build of mmcv when a GPU is visible)"
  PYTHON="$PYTHON" TORCH_VERSION=$TORCH_VERSION TORCHVISION_VERSION=$TORCHVISION_VERSION \
    bash "$ROOT/tools/install_deps.sh" 2>&1 | tee "$OUT_DIR/install.log"
fi
"$PYTHON" -c 'import torch; print("[gpu_check] torch", torch.__version__, "CUDA", torch.version.cuda,
      "GPUs", torch.cuda.device_count() if torch.cuda.is_available() else 0)'
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv \
  | tee "$OUT_DIR/nvidia-smi.csv" || true
cd "$ROOT"
PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}" "$PYTHON" tools/analysis_tools/gpu_check.py \
  --out "$OUT_DIR/gpu_check.json" "$@" 2>&1 | tee "$OUT_DIR/gpu_check.log"
say "report: $OUT_DIR/gpu_check.json"
