# Copyright (c) mmjepa contributors. All rights reserved.
"""The SAR-JEPA converter, on a checkpoint in the official layout (``tests/data/sarjepa_official/layout.py``: the
official key names and shapes, random values, saved as the official ``misc.save_model`` does): every key mapped
or explicitly dropped, and the converted encoder computes the features the official code computed on that
checkpoint (``official_tiny.pt``, provenance in ``tests/data/sarjepa_official/README.md``)."""
import argparse
import os.path as osp
import subprocess
import sys

import pytest
import torch
from mmpretrain.registry import MODELS

import mmjepa  # noqa: F401
from mmjepa.converters import convert_sarjepa_checkpoint

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DATA = osp.join(ROOT, 'tests', 'data', 'sarjepa_official')
SCRIPT = osp.join(ROOT, 'tools', 'model_converters', 'sarjepa_to_mmjepa.py')
sys.path.insert(0, DATA)
from layout import (NUM_WINDOWS, images, mmjepa_config, official_shapes, official_state_dict,  # noqa: E402
                    sequence_order)

OFFICIAL = torch.load(osp.join(DATA, 'official_tiny.pt'), weights_only=True)


def official_file(path, **extra):
    """The checkpoint as the official training script writes it (``misc.save_model``)."""
    state = official_state_dict()
    args = argparse.Namespace(model='mae_vit_base_patch16', batch_size=75, blr=1e-3, output_dir='./output_dir')
    torch.save(dict(model={'module.' + k if extra.get('ddp') else k: v for k, v in state.items()},
                    optimizer=dict(state={}, param_groups=[dict(lr=1e-3, params=[0])]), epoch=299,
                    scaler=dict(scale=65536.0), args=args), path)


def test_tool_converts_an_official_file_and_the_encoder_computes_the_official_features(tmp_path):
    official_file(tmp_path / 'checkpoint-299.pth')
    result = subprocess.run([sys.executable, SCRIPT, str(tmp_path / 'checkpoint-299.pth'), str(tmp_path / 'out.pth'),
                             '--data', 'SAR mix'], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr[-3000:]
    out = torch.load(tmp_path / 'out.pth', weights_only=True)
    assert out['meta']['epoch'] == 299 and out['meta']['operator_radii'] == (5, 9, 13, 17)
    assert out['meta']['provenance']['algorithm'] == 'SAR-JEPA'
    model = MODELS.build(mmjepa_config())
    model.load_state_dict(out['state_dict'], strict=True)  # every mmjepa key filled
    # every official key used: the tensors (all but the fixed operator kernels, and pos_embed's cls row) reappear
    source = official_state_dict()
    assert len(out['state_dict']) - 1 == len(official_shapes())  # + the step counter
    assert sum(v.numel() for k, v in out['state_dict'].items() if k != 'step') == \
        sum(v.numel() for k, v in source.items() if not k.startswith('sarfeature')) - source['pos_embed'].shape[-1]
    masks = OFFICIAL['masks'][0]
    order = sequence_order()
    with torch.no_grad():
        features = model.backbone.forward_tokens(images(), keep=masks['context'].long()[order],
                                                 hidden=masks['hidden'][order], sequences_per_sample=NUM_WINDOWS,
                                                 with_registers=True)
    want = OFFICIAL['features']
    assert float((features - want).norm() / want.norm()) < 1e-5


def test_backbone_only_and_ddp_prefixes(tmp_path):
    official_file(tmp_path / 'ddp.pth', ddp=True)
    with torch.serialization.safe_globals([argparse.Namespace]):
        ckpt = torch.load(tmp_path / 'ddp.pth', weights_only=True)
    out = convert_sarjepa_checkpoint(ckpt, backbone_only=True)
    assert out['state_dict'] and all(k.startswith('backbone.') for k in out['state_dict'])
    backbone = MODELS.build(mmjepa_config()).backbone
    backbone.load_state_dict({k[len('backbone.'):]: v for k, v in out['state_dict'].items()}, strict=True)


def test_nothing_is_dropped_silently():
    state = official_state_dict()
    with pytest.raises(ValueError, match='Unknown keys.*blocks.0.attn.rpe_q.lookup_table_weight'):
        convert_sarjepa_checkpoint(dict(state, **{'blocks.0.attn.rpe_q.lookup_table_weight': torch.zeros(1)}))
    with pytest.raises(ValueError, match='nothing maps.*predictor.proj.weight'):
        convert_sarjepa_checkpoint({k: v for k, v in state.items() if not k.startswith('decoder_pred')})
    with pytest.raises(ValueError, match='layer 1 lacks'):
        convert_sarjepa_checkpoint({k: v for k, v in state.items() if k != 'blocks.1.mlp.fc2.weight'})
    with pytest.raises(ValueError, match='radii'):
        convert_sarjepa_checkpoint(state, radii=(2, 4, 6, 8))
    with pytest.raises(ValueError, match="top-level keys \\['lr_sched'\\]"):
        convert_sarjepa_checkpoint(dict(model=state, lr_sched={}))
    with pytest.raises(ValueError, match='already an mmjepa'):
        convert_sarjepa_checkpoint(convert_sarjepa_checkpoint(state)['state_dict'])
