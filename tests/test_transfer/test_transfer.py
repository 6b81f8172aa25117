# Copyright (c) mmjepa contributors. All rights reserved.
"""Strict transfer of an mmjepa pretraining checkpoint into the classification, segmentation and detection
models; multi-level feature shapes; layer-decay parameter groups."""
import pytest
import torch
from transfer_helpers import save_pretrain_ckpt, tiny_backbone_state, tiny_cfg

from mmjepa.utils import TransferError

SCOPES = dict(linear='mmpretrain', finetune='mmpretrain', ade20k='mmseg', coco='mmdet')


def build(task, ckpt, prefix=None):
    from mmengine.registry import MODELS, init_default_scope
    cfg = tiny_cfg(task, ckpt, prefix=prefix)
    init_default_scope(SCOPES[task])
    model = MODELS.build(cfg.model)
    model.init_weights()
    return model, cfg


@pytest.mark.parametrize('task', ['linear', 'finetune', 'ade20k', 'coco'])
def test_transfer_loads_every_key(task, pretrain_ckpt):
    model, _ = build(task, pretrain_ckpt)
    expected = torch.load(pretrain_ckpt, weights_only=True)['state_dict']
    got = model.backbone.state_dict()
    assert set(got) == {k[len('target_generator.encoder.'):] for k in expected
                        if k.startswith('target_generator.encoder.')}
    for key, value in got.items():
        torch.testing.assert_close(value, expected['target_generator.encoder.' + key])


def test_context_encoder_option(pretrain_ckpt):
    model, _ = build('linear', pretrain_ckpt, prefix='backbone.')
    expected = torch.load(pretrain_ckpt, weights_only=True)['state_dict']
    torch.testing.assert_close(model.backbone.layers[1].attn.qkv.weight, expected['backbone.layers.1.attn.qkv.weight'])


def test_missing_and_left_over_keys_are_errors(tmp_path):
    deep = save_pretrain_ckpt(str(tmp_path / 'deep.pth'), num_layers=5)
    with pytest.raises(TransferError, match=r'left over.*layers\.4\.attn\.qkv\.weight'):
        build('ade20k', deep)
    shallow = str(tmp_path / 'shallow.pth')
    state = tiny_backbone_state()
    state.pop('ln1.weight')
    torch.save({'state_dict': {'backbone.' + k: v for k, v in state.items()}}, shallow)
    with pytest.raises(TransferError, match=r"missing from the checkpoint: \['ln1.weight'\]"):
        build('coco', shallow, prefix='backbone.')
    with pytest.raises(TransferError, match='No checkpoint key starts with prefix'):
        build('linear', shallow)  # default prefix: target_generator.encoder.


def test_multi_level_features(pretrain_ckpt):
    seg, _ = build('ade20k', pretrain_ckpt)
    x = torch.randn(2, 3, 64, 64)
    feats = seg.backbone(x)
    assert [tuple(f.shape) for f in feats] == [(2, 32, 4, 4)] * 4
    assert [tuple(f.shape) for f in seg.neck(feats)] == [(2, 32, 16, 16), (2, 32, 8, 8), (2, 32, 4, 4),
                                                          (2, 32, 2, 2)]
    det, _ = build('coco', pretrain_ckpt)
    pyramid = det.neck(det.backbone(x))
    assert [tuple(f.shape) for f in pyramid] == [(2, 64, s, s) for s in (16, 8, 4, 2, 1)]


@pytest.mark.parametrize('task,rate', [('finetune', 0.65), ('ade20k', 0.65), ('coco', 0.7)])
def test_layer_decay_groups(task, rate, pretrain_ckpt):
    from mmengine.optim import build_optim_wrapper
    model, cfg = build(task, pretrain_ckpt)
    assert cfg.optim_wrapper.paramwise_cfg.layer_decay_rate == rate
    optimizer = build_optim_wrapper(model, cfg.optim_wrapper).optimizer
    base_lr, base_wd = cfg.optim_wrapper.optimizer.lr, cfg.optim_wrapper.optimizer.weight_decay
    groups = optimizer.param_groups
    # depth 0 (patch embed), layers.0-3, top (final norm + neck/heads); each with and without weight decay
    assert sorted({g['layer_id'] for g in groups}) == [0, 1, 2, 3, 4, 5]
    assert len(groups) == 12
    for g in groups:
        assert g['lr'] == pytest.approx(base_lr * rate**(5 - g['layer_id']))
        assert g['weight_decay'] in (0., pytest.approx(base_wd))
        names = g['param_names']
        if g['weight_decay'] == 0.:
            assert all(p.ndim <= 1 for p in g['params']), names
    named = {n for g in groups for n in g['param_names']}
    assert 'backbone.pos_embed' not in named  # fixed sin-cos table: not trained
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    assert named == trainable
    by_name = {n: g for g in groups for n in g['param_names']}
    assert by_name['backbone.patch_embed.projection.weight']['layer_id'] == 0
    assert by_name['backbone.layers.1.attn.qkv.weight']['layer_id'] == 2
    assert by_name['backbone.ln1.weight']['layer_id'] == 5
