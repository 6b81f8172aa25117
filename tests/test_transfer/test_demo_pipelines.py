# Copyright (c) mmjepa contributors. All rights reserved.
"""Each demo transfer pipeline trains two iterations from a (tiny) pretraining checkpoint, evaluates and
logs its metrics; the classification one also goes through tools/test.py (test_metrics.json) and the
k-NN tool; two gloo processes run a demo config through tools/dist_train.sh; the leaderboard reads it all."""
import hashlib
import json
import os
import os.path as osp
import subprocess
import sys

import pytest
from transfer_helpers import REPO, TINY_ARCH, tiny_cfg

EXPECTED = dict(linear='accuracy/top1', finetune='accuracy/top1', ade20k='mIoU', coco='coco/segm_mAP')


def run_train(cfg):
    from mmengine.runner import Runner
    runner = Runner.from_cfg(cfg)
    runner.train()
    return runner


def last_metrics(work_dir):
    (stamp, ) = [d for d in os.listdir(work_dir) if osp.isdir(osp.join(work_dir, d))]
    with open(osp.join(work_dir, stamp, 'vis_data', 'scalars.json')) as f:
        return json.loads(f.read().strip().splitlines()[-1])


@pytest.mark.parametrize('task', ['finetune', 'ade20k', 'coco'])
def test_demo_pipeline(task, pretrain_ckpt, tiny_demo_set, dense_demo_sets, tmp_path):
    data_root = tiny_demo_set if task == 'finetune' else osp.join(dense_demo_sets, 'ade' if task == 'ade20k' else 'coco')
    cfg = tiny_cfg(task, pretrain_ckpt, work_dir=str(tmp_path / task), data_root=data_root)
    run_train(cfg)
    metrics = last_metrics(str(tmp_path / task))
    assert EXPECTED[task] in metrics, metrics
    assert osp.isfile(tmp_path / task / 'iter_2.pth')
    # TransferProvenanceHook (mmpretrain, mmseg and mmdet scopes): the hash of the checkpoint it started from
    with open(pretrain_ckpt, 'rb') as f:
        sha = hashlib.sha256(f.read()).hexdigest()[:8]
    assert json.loads((tmp_path / task / 'pretrain_provenance.json').read_text())['sha256'] == sha


def test_linear_demo_test_tool_knn_and_leaderboard(dmtjepa_run, tiny_demo_set, tmp_path):
    """Transfer a DMT-JEPA pretraining checkpoint through the (I-JEPA) demo linear-probe config, evaluate it with
    tools/test.py and the encoder with knn_eval.py, then build the leaderboard from those files and from fixture
    logs of the other tasks: the row is DMT-JEPA's, keyed by the checkpoint's provenance and hash."""
    from mmengine.config import Config
    pretrained = osp.join(dmtjepa_run, 'epoch_1.pth')
    cfg = tiny_cfg('linear', pretrained, work_dir=str(tmp_path / 'linear'), data_root=tiny_demo_set, patch_size=8)
    run_train(cfg)
    # A config file for the CLI tools: the tiny overrides written out.
    cfg_path = str(tmp_path / 'tiny_linear.py')
    Config(cfg.to_dict()).dump(cfg_path)
    env = dict(os.environ, PYTHONPATH=REPO)
    subprocess.run([sys.executable, osp.join(REPO, 'tools', 'test.py'), cfg_path, str(tmp_path / 'linear' / 'iter_2.pth'),
                    '--work-dir', str(tmp_path / 'linear')], check=True, env=env, cwd=REPO, capture_output=True)
    with open(tmp_path / 'linear' / 'test_metrics.json') as f:
        result = json.load(f)
    assert 'accuracy/top1' in result['metrics'] and result['benchmark_meta']['task'] == 'linear'

    from mmjepa.evaluation import knn_top1  # noqa: F401  (the tool's metric)
    sys.path.insert(0, osp.join(REPO, 'tools', 'analysis_tools'))
    try:
        import knn_eval
        import leaderboard
    finally:
        sys.path.pop(0)
    knn = knn_eval.main([cfg_path, '--out', str(tmp_path / 'linear' / 'knn.json')])
    assert 0 <= knn['metrics']['knn/top1'] <= 100 and knn['k'] == 16  # 16 train images < k=20

    # Fixture logs of finished segmentation and detection runs of the same checkpoint (mmengine scalars, dumped
    # config and the TransferProvenanceHook record).
    record = (tmp_path / 'linear' / 'pretrain_provenance.json').read_text()
    for task, line in (('ade20k', {'mIoU': 12.5, 'aAcc': 50.0, 'step': 30}),
                       ('coco', {'coco/bbox_mAP': 0.125, 'coco/segm_mAP': 0.25, 'step': 30})):
        run = tmp_path / task / '20260101_000000' / 'vis_data'
        run.mkdir(parents=True)
        (run / 'scalars.json').write_text(json.dumps({'loss': 1.0, 'step': 1}) + '\n' + json.dumps(line) + '\n')
        (tmp_path / task / 'cfg.py').write_text(f'benchmark_meta = {dict(task=task, dataset="demo")!r}\n')
        (tmp_path / task / 'pretrain_provenance.json').write_text(record)
    out = str(tmp_path / 'results.md')
    rows = leaderboard.main([str(tmp_path / 'linear'), str(tmp_path / 'ade20k'), str(tmp_path / 'coco'),
                             '--out', out])
    measured = [r for r in rows if r['source'] == 'measured']
    assert len(measured) == 1
    row = measured[0]
    with open(pretrained, 'rb') as f:
        sha = hashlib.sha256(f.read()).hexdigest()[:8]
    assert {k: row[k] for k in ('algorithm', 'arch', 'pretrain_epochs', 'pretrain_data', 'checkpoint')} == dict(
        algorithm='DMT-JEPA', arch='ViT-D32xL4/8', pretrain_epochs='1', pretrain_data='imagenet', checkpoint=sha)
    assert row['pretrain_config'] == 'dmtjepa_vit-tiny-p8_1xb64-16e_demo-64px.py'
    assert result['pretrain_provenance']['sha256'] == knn['pretrain_provenance']['sha256'] == sha
    assert row['linear'] == pytest.approx(result['metrics']['accuracy/top1'])
    assert row['knn'] == pytest.approx(knn['metrics']['knn/top1'])
    assert row['ade20k'] == 12.5 and row['coco_box'] == 12.5 and row['coco_mask'] == 25.0
    reported = [r for r in rows if r['source'].startswith('reported')]
    assert {(r['arch'], r.get('linear')) for r in reported} >= {('ViT-B/16', 72.9), ('ViT-H/14', 79.3)}
    text = open(out).read()
    assert '**reported (paper)**' in text and '| measured |' in text and f'| DMT-JEPA | ViT-D32xL4/8 | 1 |' in text
    assert open(str(tmp_path / 'results.csv')).readline().startswith('algorithm,arch,pretrain_epochs')


def test_dist_train_two_cpu_processes(pretrain_ckpt, tiny_demo_set, tmp_path):
    """tools/dist_train.sh: two gloo processes fine-tune the tiny model for two iterations."""
    cfg_path = tmp_path / 'tiny_ft.py'
    cfg_path.write_text(
        f"_base_ = {osp.join(REPO, 'configs', 'demo', 'vit-tiny-p8_ijepa-demo-pre_ft_demo-64px.py')!r}\n"
        f"model = dict(backbone=dict(arch=dict(_delete_=True, **{TINY_ARCH!r}), patch_size=16,\n"
        f"             init_cfg=dict(checkpoint={pretrain_ckpt!r})), head=dict(in_channels=32))\n"
        f"_data = dict(data_root={tiny_demo_set!r})\n"
        "train_dataloader = dict(batch_size=2, num_workers=0, persistent_workers=False, dataset=_data)\n"
        "val_dataloader = dict(batch_size=2, num_workers=0, persistent_workers=False, dataset=_data)\n"
        "test_dataloader = val_dataloader\n"
        "train_cfg = dict(max_iters=2, val_interval=2)\n")
    env = dict(os.environ, PORT='29531', OMP_NUM_THREADS='1')
    proc = subprocess.run(['bash', osp.join(REPO, 'tools', 'dist_train.sh'), str(cfg_path), '2', '--work-dir',
                           str(tmp_path / 'dist')], env=env, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    log = proc.stdout + proc.stderr
    assert 'Distributed training: True' in log and 'GPU number: 2' in log, log[-3000:]  # mmengine's "GPU number" = world size
    assert osp.isfile(tmp_path / 'dist' / 'iter_2.pth')
    assert 'accuracy/top1' in last_metrics(str(tmp_path / 'dist'))
