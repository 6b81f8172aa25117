# Copyright (c) mmjepa contributors. All rights reserved.
"""tools/train.py on the demo config: a few iterations, checkpoints, and a resume."""
import os.path as osp
import subprocess
import sys

import torch

import mmjepa  # noqa: F401  (the checkpoint allow-list)

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEMO = osp.join(ROOT, 'configs/demo/ijepa_vit-tiny-p8_1xb64-16e_demo-64px.py')


def train(work_dir, data_root, max_epochs, *extra):
    cmd = [sys.executable, osp.join(ROOT, 'tools/train.py'), DEMO, '--work-dir', str(work_dir), *extra,
           '--cfg-options', f'train_dataloader.dataset.data_root={data_root}', 'train_dataloader.batch_size=4',
           'train_dataloader.num_workers=0', f'train_cfg.max_epochs={max_epochs}',
           'default_hooks.checkpoint.interval=1', 'default_hooks.logger.interval=1']
    result = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout + result.stderr


def test_train_checkpoint_and_resume(tmp_path, tiny_demo_set):
    out = train(tmp_path, tiny_demo_set, 2)
    assert 'loss:' in out and '[mmjepa] logs and checkpoints in' in out
    ckpt = torch.load(tmp_path / 'epoch_2.pth', map_location='cpu', weights_only=True)  # data only
    iters_per_epoch = 16 // 4
    assert int(ckpt['state_dict']['step']) == 2 * iters_per_epoch
    assert {'backbone.pos_embed', 'target_generator.encoder.ln1.weight', 'predictor.mask_token'} <= set(
        ckpt['state_dict'])

    out = train(tmp_path, tiny_demo_set, 3, '--resume')
    assert 'resumed epoch: 2' in out
    ckpt = torch.load(tmp_path / 'epoch_3.pth', map_location='cpu', weights_only=True)
    assert int(ckpt['state_dict']['step']) == 3 * iters_per_epoch
    assert ckpt['meta']['epoch'] == 3
