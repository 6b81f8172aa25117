# Copyright (c) mmjepa contributors. All rights reserved.
"""The seq-JEPA converter on a checkpoint in the official layout (hafezgh/seq-jepa ``SeqJEPA_Transforms``, rebuilt
here from PyTorch's own modules with the official names and shapes, random values): every key accounted for, and the
converted model computes the same z, agg and prediction."""
import copy

import pytest
import torch
import torchvision
from mmpretrain.registry import MODELS
from torch import nn

import mmjepa  # noqa: F401
from mmjepa.converters import convert_seqjepa_checkpoint
from tools.model_converters.seqjepa_to_mmjepa import main

FEAT, PROJ, HEADS, LAYERS, HIDDEN, ACTIONS, CLASSES = 512, 32, 4, 2, 64, 4, 10


def official_layout(cifar: bool = True) -> nn.Module:
    """The module tree of the official ``SeqJEPA_Transforms`` (``ema=True``, ``learn_act_emb=1``) with the online
    probes ``main_transformed_views.py`` attaches, built from torchvision's ResNet-18 and PyTorch's
    ``nn.TransformerEncoder``."""
    model = nn.Module()
    encoder = torchvision.models.resnet18(weights=None, zero_init_residual=True)
    encoder.fc = nn.Identity()
    if cifar:
        encoder.conv1 = nn.Conv2d(3, 64, kernel_size=3, stride=1, padding=1, bias=False)
        encoder.maxpool = nn.Identity()
    model.encoder, model.target_encoder = encoder, copy.deepcopy(encoder)
    emb = FEAT + PROJ
    model.action_proj = nn.Sequential(nn.Linear(ACTIONS, PROJ, bias=False), nn.BatchNorm1d(PROJ, affine=False))
    model.predictor = nn.Sequential(nn.Linear(emb + PROJ, HIDDEN, bias=False), nn.BatchNorm1d(HIDDEN),
                                    nn.ReLU(inplace=True), nn.Linear(HIDDEN, FEAT))
    model.agg_token = nn.Parameter(torch.zeros(1, 1, emb))
    model.transformer_encoder = nn.Module()
    model.transformer_encoder.transformer_encoder = nn.TransformerEncoder(
        nn.TransformerEncoderLayer(emb, HEADS, dim_feedforward=4 * emb, batch_first=True), LAYERS,
        enable_nested_tensor=False)
    model.transformer_encoder.norm = nn.LayerNorm(emb)
    model.online_linprobe = nn.Sequential(nn.Linear(emb, CLASSES))
    model.online_equiprobe = nn.Sequential(nn.Linear(2 * FEAT, 1024), nn.ReLU(), nn.Linear(1024, 1024), nn.ReLU(),
                                           nn.Linear(1024, ACTIONS))
    g = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for name, tensor in model.state_dict().items():
            if tensor.is_floating_point():
                if 'running_var' in name:
                    tensor.copy_(0.5 + torch.rand(tensor.shape, generator=g))
                else:
                    tensor.copy_(0.1 * torch.randn(tensor.shape, generator=g))
    return model.eval()


def official_forward(model, views, actions):
    """The official forward in eval mode (3DIEBench path): z, agg, prediction."""
    batch, num = views.shape[:2]
    z = model.encoder(views.flatten(0, 1)).view(batch, num, -1)
    emb = model.action_proj(actions.flatten(0, 1)).view(batch, num, -1).clone()
    pred_action = model.action_proj(actions[:, -1])
    emb[:, -1] = 0.
    x = torch.cat([model.agg_token.expand(batch, -1, -1), torch.cat([z, emb], -1)], 1)
    agg = model.transformer_encoder.norm(model.transformer_encoder.transformer_encoder(x))[:, 0]
    return z, agg, model.predictor(torch.cat([agg, pred_action], -1))


def build_converted(meta):
    settings = meta['model']
    return MODELS.build(dict(
        type='SeqJEPA', backbone=dict(type=settings['backbone'], depth=18),
        aggregator=dict(type='ActionSequenceAggregator', action_dims=settings['action_dims'],
                        action_embed_dims=settings['action_embed_dims'], num_layers=settings['num_layers']),
        predictor=dict(type='MLPPredictor', hidden_dims=settings['hidden_dims']),
        target_generator=dict(type='EMATargetGenerator', total_steps=10, normalize=False, batch_stats=True)))


def rel(a, b):
    return ((a - b).norm() / b.norm()).item()


@pytest.mark.parametrize('cifar', [True, False])
def test_official_layout_converts_with_the_same_features(tmp_path, cifar):
    official = official_layout(cifar)
    src, dst = tmp_path / 'official.pth', tmp_path / 'mmjepa.pth'
    torch.save(dict(model=official.state_dict(), optimizer={}, min_loss=0.1, epoch=1000, run_id='seqjepa-3diebench'),
               src)
    main([str(src), str(dst), '--data', '3DIEBench'])
    out = torch.load(dst, weights_only=True)
    meta = out['meta']
    assert meta['epoch'] == 1000 and meta['model']['backbone'] == ('JEPAResNetCIFAR' if cifar else 'JEPAResNet')
    assert meta['provenance']['data'] == '3DIEBench'
    # every key accounted for: the probes are the only ones dropped, every mmjepa tensor filled
    assert sorted(meta['dropped']) == sorted(k for k in official.state_dict() if k.startswith('online_'))
    assert len(out['state_dict']) + len(meta['dropped']) == len(official.state_dict()) + 1  # + step
    model = build_converted(meta)
    assert model.load_state_dict(out['state_dict'], strict=True)
    model.eval()
    g = torch.Generator().manual_seed(1)
    size = 16 if cifar else 32
    views = torch.randn(2, 3, 3, size, size, generator=g)
    actions = torch.randn(2, 3, ACTIONS, generator=g)
    with torch.no_grad():
        z_ref, agg_ref, pred_ref = official_forward(official, views, actions)
        z, agg = model.encode_sequence(views, actions)
        pred = model.predict_targets(dict(views=torch.cat([views, views[:, :1]], 1), actions=actions))
        target = model.target_generator.encoder.embed(views[:, 0])
    assert rel(z, z_ref) < 1e-5 and rel(agg, agg_ref) < 1e-5 and rel(pred, pred_ref) < 1e-5
    assert rel(target, official.target_encoder(views[:, 0])) < 1e-5


def test_backbone_only_and_unknown_keys():
    official = official_layout()
    out = convert_seqjepa_checkpoint(dict(model=official.state_dict(), epoch=3), backbone_only=True)
    assert out['state_dict'] and all(k.startswith('backbone.') for k in out['state_dict'])
    state = official.state_dict()
    state['extra_head.weight'] = torch.zeros(1)
    with pytest.raises(ValueError, match='extra_head.weight'):
        convert_seqjepa_checkpoint(dict(model=state))
    with pytest.raises(ValueError, match='top-level'):
        convert_seqjepa_checkpoint(dict(model=official.state_dict(), extra=1))
    del state['extra_head.weight'], state['agg_token']
    with pytest.raises(ValueError, match='aggregator.agg_token'):
        convert_seqjepa_checkpoint(dict(model=state))
