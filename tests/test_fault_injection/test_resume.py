# Copyright (c) mmjepa contributors. All rights reserved.
"""Exact resume: kill -9 a demo pretraining mid-epoch, resume it, and get the uninterrupted run's losses."""
import json
import os
import os.path as osp
import re
import signal
import subprocess
import sys

import pytest
import torch

import mmjepa  # noqa: F401  (the checkpoint allow-list)

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEMO = osp.join(ROOT, 'configs', 'demo', '{}_vit-tiny-p8_1xb64-16e_demo-64px.py')
ITERS_PER_EPOCH, EPOCHS, CKPT_EVERY = 4, 9, 5  # 16 images / batch 4; iteration checkpoints at 5, 10, ...
KILL_AT = 12  # > the checkpoint at 10, so the run resumes mid-epoch (epoch 3, batch 3 of 4) with 26 steps left


def tiny_config(algorithm, tmp_path):
    """The algorithm's demo config with a 2-layer, 48-wide ViT: the resume logic, not the model, is under test."""
    path = tmp_path / f'{algorithm}_tiny.py'
    path.write_text(f"_base_ = [{DEMO.format(algorithm)!r}]\n"
                    "model = dict(backbone=dict(arch=dict(_delete_=True, embed_dims=48, num_layers=2, num_heads=3,\n"
                    "                                     feedforward_channels=96), drop_path_rate=0.1),\n"
                    "             predictor=dict(predictor_dims=48, depth=1))\n")
    return str(path)


def command(config, work_dir, data_root, *extra):
    return [sys.executable, osp.join(ROOT, 'tools', 'train.py'), config, '--work-dir', str(work_dir), *extra,
            '--cfg-options', f'train_dataloader.dataset.dataset.data_root={data_root}',
            'train_dataloader.batch_size=4', 'train_dataloader.num_workers=2', f'train_cfg.max_epochs={EPOCHS}',
            f'custom_hooks.0.interval={CKPT_EVERY}', 'default_hooks.checkpoint.interval=3',
            'default_hooks.logger.interval=1', 'log_processor.window_size=1']  # raw per-iteration losses


def losses(work_dir):
    """iteration -> loss from every run (timestamped folder) in work_dir."""
    out = {}
    for scalars in sorted(p for p in work_dir.glob('*/vis_data/scalars.json')):
        for line in scalars.read_text().splitlines():
            record = json.loads(line)
            if 'loss' in record:
                out[record['iter']] = record['loss']
    return out


def run(cmd):
    result = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout + result.stderr


def run_and_kill(cmd, kill_at):
    """Start a run and SIGKILL it as soon as it logs iteration ``kill_at``; return the last iteration seen."""
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    pattern, seen, log = re.compile(r'Epoch\(train\)\s+\[(\d+)\]\[\s*(\d+)/\d+\]'), 0, []
    for line in proc.stdout:
        log.append(line)
        match = pattern.search(line)
        if match:
            seen = (int(match[1]) - 1) * ITERS_PER_EPOCH + int(match[2])
            if seen >= kill_at:
                os.kill(proc.pid, signal.SIGKILL)
                break
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL, ''.join(log[-40:])
    return seen


@pytest.mark.parametrize('algorithm', ['ijepa', 'dmtjepa'])
def test_kill9_then_resume_matches_uninterrupted_run(algorithm, tiny_demo_set, tmp_path):
    """Model (drop path on: the RNG states matter), EMA target, extra heads, optimizer, schedules, mask RNG and
    the dataloader position (mid-epoch, 2 persistent workers, seeded augmentation) all come back."""
    config = tiny_config(algorithm, tmp_path)
    full, killed = tmp_path / 'full', tmp_path / 'killed'
    uninterrupted = subprocess.Popen(command(config, full, tiny_demo_set), cwd=ROOT, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True)  # runs beside the one we kill
    seen = run_and_kill(command(config, killed, tiny_demo_set), KILL_AT)
    out = uninterrupted.communicate(timeout=300)[0]
    assert uninterrupted.returncode == 0 and '[mmjepa] logs and checkpoints in' in out, out[-3000:]
    reference = losses(full)
    assert sorted(reference) == list(range(1, EPOCHS * ITERS_PER_EPOCH + 1))

    last_ckpt = (killed / 'last_checkpoint').read_text().strip()
    resumed_from = int(re.search(r'iter_(\d+)\.pth$', last_ckpt)[1])
    assert resumed_from % ITERS_PER_EPOCH != 0 and resumed_from <= seen  # a mid-epoch iteration checkpoint

    out = run(command(config, killed, tiny_demo_set, '--resume'))
    assert f'resumed epoch: {resumed_from // ITERS_PER_EPOCH}, iter: {resumed_from}' in out
    assert f'after its first {resumed_from % ITERS_PER_EPOCH} of {ITERS_PER_EPOCH} batches' in out
    resumed = {it: loss for it, loss in losses(killed).items() if it > resumed_from}
    after = list(range(resumed_from + 1, EPOCHS * ITERS_PER_EPOCH + 1))
    assert sorted(resumed) == after and len(after) >= 20
    for it in after:
        assert abs(resumed[it] - reference[it]) <= 1e-6, (it, resumed[it], reference[it])

    # Everything else ends equal too: encoder, EMA target, predictor, step, optimizer moments, schedulers.
    last = f'epoch_{EPOCHS}.pth'
    a = torch.load(full / last, map_location='cpu', weights_only=True)
    b = torch.load(killed / last, map_location='cpu', weights_only=True)
    assert a['state_dict'].keys() == b['state_dict'].keys()
    assert {'backbone.pos_embed', 'target_generator.encoder.ln1.weight', 'predictor.mask_token'} <= set(a['state_dict'])
    assert int(a['state_dict']['step']) == EPOCHS * ITERS_PER_EPOCH and a['meta']['epoch'] == EPOCHS
    assert set(a['meta']['rng_state']) >= {'python', 'numpy', 'torch'}
    for key, value in a['state_dict'].items():
        torch.testing.assert_close(b['state_dict'][key], value, rtol=0, atol=1e-6, msg=key)
    for pa, pb in zip(a['optimizer']['state'].values(), b['optimizer']['state'].values()):
        for name in ('exp_avg', 'exp_avg_sq'):
            torch.testing.assert_close(pb[name], pa[name], rtol=0, atol=1e-6)
    assert a['param_schedulers'] == b['param_schedulers']
