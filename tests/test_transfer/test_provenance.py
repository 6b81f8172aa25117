# Copyright (c) mmjepa contributors. All rights reserved.
"""ProvenanceHook: every checkpoint of a pretraining run (epoch and iteration ones) says what made it, as data;
TransferProvenanceHook: a transfer records it, with the file's hash, in its work dir and its checkpoints."""
import hashlib
import json
import os.path as osp

import pytest
import torch
from transfer_helpers import tiny_cfg

from mmjepa.utils.checkpoint import safe_torch_load
from mmjepa.utils.provenance import resolve_benchmark_meta, transfer_record

CONFIG = 'dmtjepa_vit-tiny-p8_1xb64-16e_demo-64px.py'


def test_pretraining_checkpoints_carry_provenance(dmtjepa_run):
    expected = dict(algorithm='DMT-JEPA', arch='ViT-D32xL4/8', max_epochs=1,
                    data='imagenet',  # the fixture's data_root (.../imagenet), not under a data/ folder
                    config=CONFIG)
    for name, epochs in (('iter_1.pth', 0.5), ('iter_2.pth', 1), ('epoch_1.pth', 1)):
        meta = safe_torch_load(osp.join(dmtjepa_run, name))['meta']  # weights_only: the meta is plain data
        assert meta['provenance'] == dict(expected, epochs=epochs), name
    # an iteration checkpoint saved mid-epoch is tabled with the epochs it had trained, of the planned total
    early = resolve_benchmark_meta({}, safe_torch_load(osp.join(dmtjepa_run, 'iter_1.pth'))['meta']['provenance'])
    assert early['pretrain_epochs'] == '0.5 of 1'


def test_transfer_records_the_checkpoint(dmtjepa_run, tiny_demo_set, tmp_path):
    from mmengine.runner import Runner
    pretrained = osp.join(dmtjepa_run, 'epoch_1.pth')
    cfg = tiny_cfg('finetune', pretrained, work_dir=str(tmp_path), data_root=tiny_demo_set, patch_size=8)
    cfg.train_cfg.max_iters = cfg.train_cfg.val_interval = 1
    Runner.from_cfg(cfg).train()
    with open(pretrained, 'rb') as f:
        sha = hashlib.sha256(f.read()).hexdigest()[:8]
    record = json.loads((tmp_path / 'pretrain_provenance.json').read_text())
    assert record == dict(safe_torch_load(pretrained)['meta']['provenance'], checkpoint=pretrained, sha256=sha)
    assert transfer_record(str(tmp_path / 'iter_1.pth')) == record  # what tools/test.py reports


def test_transfer_without_provenance_warns(pretrain_ckpt, tiny_demo_set, tmp_path):
    """A checkpoint with no provenance (hand-made here) transfers, and the run says its row will be unknown."""
    from mmengine.runner import Runner
    cfg = tiny_cfg('finetune', pretrain_ckpt, work_dir=str(tmp_path), data_root=tiny_demo_set)
    cfg.train_cfg.max_iters = cfg.train_cfg.val_interval = 1
    with pytest.warns(UserWarning, match="algorithm, arch, pretrain_epochs, pretrain_data are 'unknown'"):
        Runner.from_cfg(cfg).train()
    assert set(json.loads((tmp_path / 'pretrain_provenance.json').read_text())) == {'checkpoint', 'sha256'}
    assert torch.load(str(tmp_path / 'iter_1.pth'), weights_only=True)['meta']['pretrain_provenance']['sha256']
