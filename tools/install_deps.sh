#!/usr/bin/env bash
# Install everything mmjepa needs into the current Python environment, skipping what is already there.
#
#   PYTHON               interpreter to install into (default: python3)
#   TORCH_VERSION        torch version to pin (default 2.13.0; set e.g. 2.11.0 on a GPU box)
#   TORCHVISION_VERSION  torchvision version to pin (default 0.28.0)
#   MMJEPA_WHEELHOUSE    directory of prebuilt wheels used as a cache for mmcv
#                        (default: ../shared/wheels next to the repository, when present)
#
# mmcv 2.1.0 has no wheel on PyPI: it is built from source with its compiled ops (20-30 min on 2 cores)
# unless the wheelhouse holds a wheel built for the same torch.
set -euo pipefail
PYTHON=${PYTHON:-python3}
TORCH_VERSION=${TORCH_VERSION:-2.13.0}
TORCHVISION_VERSION=${TORCHVISION_VERSION:-0.28.0}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WHEELHOUSE=${MMJEPA_WHEELHOUSE:-$ROOT/../shared/wheels}
CONSTRAINTS=$ROOT/requirements/constraints.txt
# The constraints hold in every resolution, also in build environments pip makes for source packages.
export PIP_CONSTRAINT=$CONSTRAINTS
PIP=("$PYTHON" -m pip install --disable-pip-version-check -c "$CONSTRAINTS")
step() { printf '[install] %s\n' "$*"; }
has() { "$PYTHON" - "$@" >/dev/null 2>&1; }

start=$(date +%s)
step "build tools (setuptools<82, held by requirements/constraints.txt, keeps pkg_resources for mmengine and mmcv)"
"${PIP[@]}" -q setuptools wheel ninja psutil

if has <<PY
import torch, torchvision
assert torch.__version__.split('+')[0] == '$TORCH_VERSION', torch.__version__
assert torchvision.__version__.split('+')[0] == '$TORCHVISION_VERSION', torchvision.__version__
PY
then step "torch $TORCH_VERSION / torchvision $TORCHVISION_VERSION already installed"
else
  step "torch $TORCH_VERSION / torchvision $TORCHVISION_VERSION from PyPI"
  # '===' takes the registry's build and not a local '+cpu' wheel that does not match torchvision.
  "${PIP[@]}" "torch===$TORCH_VERSION" "torchvision===$TORCHVISION_VERSION"
fi

if has <<'PY'
import mmcv, mmcv.ops
assert mmcv.__version__ == '2.1.0'
PY
then step "mmcv 2.1.0 with compiled ops already installed"
else
  links=()
  if [ -d "$WHEELHOUSE" ] && [ "$TORCH_VERSION" = "2.13.0" ]; then
    step "mmcv 2.1.0: using wheel cache $WHEELHOUSE when it holds a matching wheel"
    links=(--find-links "$WHEELHOUSE")
  else
    step "mmcv 2.1.0: building from source with ops (20-30 minutes on 2 cores)"
  fi
  "${PIP[@]}" --no-build-isolation "${links[@]}" "mmcv==2.1.0"
  has <<'PY' || { echo "[install] error: mmcv installed without its compiled ops (mmcv._ext)." >&2; exit 1; }
import mmcv.ops
PY
fi

step "OpenMMLab packages and mmjepa's requirements with every extra (ecg, tabular, act; lidar below)"
"${PIP[@]}" -q -r "$ROOT/requirements/mminstall.txt" -r "$ROOT/requirements/runtime.txt" \
  -r "$ROOT/requirements/ecg.txt" -r "$ROOT/requirements/tabular.txt" -r "$ROOT/requirements/act.txt" \
  -r "$ROOT/requirements/tests.txt"
step "mmdet3d 1.4.0 and nuscenes-devkit 1.2.0 without their pins (requirements/mmdet3d.txt says why), then what they import"
"${PIP[@]}" -q --no-deps "mmdet3d==1.4.0" "nuscenes-devkit==1.2.0"
"${PIP[@]}" -q -r "$ROOT/requirements/mmdet3d.txt"
step "mmjepa (editable)"
"${PIP[@]}" -q --no-deps --no-build-isolation -e "$ROOT"
step "checking that what mmjepa needs imports"
"$PYTHON" "$ROOT/tools/check_install.py"
step "done in $(( $(date +%s) - start )) s"
