# Copyright (c) mmjepa contributors. All rights reserved.
"""Under the Runner, a checkpoint written after step k holds the target the official code holds after step k:
the EMA update with the momentum of step k, made right after its optimizer step and before the checkpoint."""
import os.path as osp
import subprocess
import sys

import torch
from test_resume import ROOT, tiny_config

import mmjepa  # noqa: F401  (the checkpoint allow-list)


def test_iteration_checkpoints_hold_the_official_target(tiny_demo_set, tmp_path):
    config = tiny_config('ijepa', tmp_path)
    cmd = [sys.executable, osp.join(ROOT, 'tools', 'train.py'), config, '--work-dir', str(tmp_path / 'run'),
           '--cfg-options', f'train_dataloader.dataset.dataset.data_root={tiny_demo_set}',
           'train_dataloader.batch_size=4', 'train_dataloader.num_workers=0', 'train_cfg.max_epochs=1',
           'custom_hooks.0.interval=1', 'model.backbone.drop_path_rate=0.', 'optim_wrapper.optimizer.lr=0.01',
           'model.target_generator.momentum=(0.5,1.0)']  # large steps and EMA weights: a lag of one update shows
    result = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    # 16 images / batch 4: 4 iterations; the two last iteration checkpoints are kept
    before, after = (torch.load(tmp_path / 'run' / f'iter_{k}.pth', map_location='cpu', weights_only=True)['state_dict']
                     for k in (3, 4))
    assert int(after['step']) == 4
    m = 0.5 + 3 * (1.0 - 0.5) / 4  # the official generator's value after optimizer step 3 (0-based)
    prefix = 'target_generator.encoder.'
    keys = [k[len(prefix):] for k in after if k.startswith(prefix) and 'pos_embed' not in k]
    assert len(keys) > 20
    for key in keys:
        expected = m * before[prefix + key] + (1 - m) * after['backbone.' + key]
        torch.testing.assert_close(after[prefix + key], expected, rtol=0, atol=1e-6, msg=key)
    assert not torch.equal(after['backbone.ln1.weight'], before['backbone.ln1.weight'])  # the encoder moved
