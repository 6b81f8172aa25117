# Copyright (c) mmjepa contributors. All rights reserved.
"""tools/analysis_tools/gpu_check.sh without a GPU: the CPU fallback runs a member's step eager and compiled and
writes the JSON report."""
import json
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


@pytest.mark.skipif(torch.cuda.is_available(), reason='the CPU fallback; on a GPU the script runs the recipes')
def test_gpu_check_cpu_fallback(tmp_path):
    env = dict(os.environ, PYTHON=sys.executable, SKIP_INSTALL='1', PYTHONPATH=ROOT, OMP_NUM_THREADS='1')
    proc = subprocess.run(['bash', osp.join(ROOT, 'tools', 'analysis_tools', 'gpu_check.sh'), str(tmp_path),
                           '--members', 'ijepa'], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-3000:]
    report = json.loads((tmp_path / 'gpu_check.json').read_text())
    assert report['device'] == 'cpu' and report['fallback'] and report['precision'].startswith('bf16')
    assert report['ddp'] == dict(ran=False, why='no CUDA')
    rows = report['rows']
    assert [(r['member'], r['mode']) for r in rows] == [('ijepa', 'eager'), ('ijepa', 'compiled')]
    for row in rows:
        assert 'error' not in row, row
        assert row['algorithm'] == 'IJEPA' and row['optim_wrapper'] == 'BF16OptimWrapper'
        assert row['samples_per_s'] > 0 and row['images_per_s'] == row['samples_per_s']
        assert row['peak_mem_mib'] > 0 and row['batch_size'] == 4
    assert '2 of 2 runs passed' in out


def test_gpu_check_refuses_unknown_members():
    sys.path.insert(0, osp.join(ROOT, 'tools', 'analysis_tools'))
    try:
        import gpu_check
    finally:
        sys.path.pop(0)
    with pytest.raises(SystemExit, match='unknown'):
        gpu_check.main(['--members', 'nojepa', '--cpu'])
    for gpu_config, cpu_config in gpu_check.MEMBERS.values():  # every config the check names exists
        assert osp.isfile(osp.join(ROOT, 'configs', gpu_config)), gpu_config
        assert osp.isfile(osp.join(ROOT, 'configs', cpu_config)), cpu_config
