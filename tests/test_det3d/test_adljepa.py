# Copyright (c) mmjepa contributors. All rights reserved.
"""AD-L-JEPA: the BEV cell split, the loss against its formula, which points each branch sees, the regime."""
import pytest
import torch
import torch.nn.functional as F

import mmjepa.det3d  # noqa: F401,E402
from mmengine.config import Config  # noqa: E402
from mmengine.registry import DefaultScope  # noqa: E402

from mmjepa.models.losses import BEVCellJEPALoss  # noqa: E402
from mmjepa.models.mask_samplers import BEVCellMaskSampler, BEVMasks  # noqa: E402

ENCODER_BASE = 'configs/_base_/models/pillar-encoder_demo-kitti.py'


def random_coors(num, batch_size, grid, seed=0):
    g = torch.Generator().manual_seed(seed)
    coors = torch.stack([torch.randint(0, batch_size, (num,), generator=g), torch.zeros(num, dtype=torch.long),
                         torch.randint(0, grid[0], (num,), generator=g), torch.randint(0, grid[1], (num,), generator=g)],
                        dim=1)
    return torch.unique(coors, dim=0)


def test_cell_split_partitions_cells_and_voxels():
    coors = random_coors(300, 2, (16, 16))
    masks = BEVCellMaskSampler(0.5)(coors, 2, (8, 8), 2, torch.Generator().manual_seed(1))
    cells = torch.zeros(2, 8, 8, dtype=torch.bool)
    cells[coors[:, 0], coors[:, 2] // 2, coors[:, 3] // 2] = True
    parts = [masks.context, masks.target, masks.context_empty, masks.target_empty]
    assert torch.equal(sum(p.long() for p in parts), torch.ones(2, 8, 8, dtype=torch.long))  # disjoint, covering
    assert torch.equal(masks.context | masks.target, cells)
    assert int(masks.context.sum()) == int(int(cells.sum()) * 0.5)  # int(n * (1 - ratio)) kept, as official
    # a voxel goes to the context exactly when its cell is a context cell
    assert torch.equal(masks.keep, masks.context[coors[:, 0], coors[:, 2] // 2, coors[:, 3] // 2])
    again = BEVCellMaskSampler(0.5)(coors, 2, (8, 8), 2, torch.Generator().manual_seed(1))
    assert torch.equal(again.keep, masks.keep) and torch.equal(again.context_empty, masks.context_empty)


def test_cell_split_rejects_voxels_outside_the_map():
    coors = torch.tensor([[0, 0, 20, 3]])
    with pytest.raises(ValueError, match='out_stride'):
        BEVCellMaskSampler(0.5)(coors, 1, (8, 8), 2, torch.Generator())
    with pytest.raises(ValueError, match='mask_ratio'):
        BEVCellMaskSampler(1.0)


def test_loss_matches_its_formula():
    g = torch.Generator().manual_seed(0)
    pred, target, context = (F.normalize(torch.randn(2, 8, 4, 4, generator=g), dim=1) for _ in range(3))
    draw = torch.randint(0, 4, (2, 4, 4), generator=g)
    masks = BEVMasks(keep=torch.zeros(0, dtype=torch.bool), context=draw == 0, target=draw == 1,
                     context_empty=draw == 2, target_empty=draw == 3)
    out = BEVCellJEPALoss(beta=2.0)(pred, target, context, masks)
    dist = 1 - (pred * target).sum(1)
    expected = 0.75 * dist[draw == 1].mean() + 0.25 * dist[draw == 3].mean()
    torch.testing.assert_close(out['loss_jepa'], expected)

    def hinge(z, cells):  # the official reg_fn on [n, C] per sample
        per = [F.relu(1 / 16 - torch.sqrt(z[b].permute(1, 2, 0)[cells[b]].var(dim=0) + 1e-4)).mean() for b in range(2)]
        return torch.stack(per).mean()
    torch.testing.assert_close(out['loss_var'], 2.0 * (hinge(context, draw == 0) + hinge(pred, draw == 1)))
    perfect = BEVCellJEPALoss()(target, target, context, masks)
    assert float(perfect['loss_jepa']) == pytest.approx(0, abs=1e-6)


@pytest.fixture
def model_and_batch():
    base = Config.fromfile(ENCODER_BASE)
    from mmdet3d.registry import MODELS
    from mmdet3d.structures import Det3DDataSample
    with DefaultScope.overwrite_default_scope('mmdet3d'):  # the detection toolbox's scope, as its configs use
        model = MODELS.build(dict(
            type='ADLJEPA', data_preprocessor=base.data_preprocessor,
            backbone=dict(type='BEVEncoder', embed_dims=base.bev_channels, out_stride=base.bev_stride,
                          **base.pillar_encoder),
            target_generator=dict(type='EMATargetGenerator', momentum=(0.9, 1.0), normalize=False,
                                  batch_stats=True, total_steps=10)))
    model.init_weights()
    g = torch.Generator().manual_seed(0)
    low, high = torch.tensor(base.point_cloud_range[:3]) + 0.1, torch.tensor(base.point_cloud_range[3:]) - 0.1
    points = [torch.cat([low + (high - low) * torch.rand(600, 3, generator=g), torch.rand(600, 1, generator=g)], 1)
              for _ in range(2)]
    data = model.data_preprocessor(dict(inputs=dict(points=points), data_samples=[Det3DDataSample()] * 2),
                                   training=True)
    model.train()
    return model, data['inputs']


def test_each_branch_sees_only_its_cells(model_and_batch):
    model, raw = model_and_batch
    inputs = model.prepare_inputs(raw)
    masks = model.masks_for(inputs)
    assert masks.keep.any() and (~masks.keep).any()
    with torch.no_grad():
        pred = model.predict_targets(inputs, masks)
        target = model.compute_targets(inputs, masks)
        changed = dict(inputs, voxels=inputs['voxels'].clone())
        changed['voxels'][~masks.keep] += 5.0  # move the target cells' points
        torch.testing.assert_close(model.predict_targets(changed, masks)['prediction'], pred['prediction'])
        assert not torch.allclose(model.compute_targets(changed, masks), target)
        changed = dict(inputs, voxels=inputs['voxels'].clone())
        changed['voxels'][masks.keep] += 5.0  # move the context cells' points
        torch.testing.assert_close(model.compute_targets(changed, masks), target)
    # tokens where the official code puts them (maps are normalised: compare directions)
    token = F.normalize(model.mask_token, dim=1)[0, :, 0, 0]
    torch.testing.assert_close(pred['context'].permute(0, 2, 3, 1)[masks.target],
                               token.expand(int(masks.target.sum()), -1))
    empty = F.normalize(model.empty_token, dim=1)[0, :, 0, 0]
    torch.testing.assert_close(target.permute(0, 2, 3, 1)[masks.target_empty], empty.expand(
        int(masks.target_empty.sum()), -1))
    assert torch.allclose(target.norm(dim=1), torch.ones(()), atol=1e-5)


def test_step_trains_online_parts_and_moves_the_ema(model_and_batch):
    model, raw = model_and_batch
    losses = model.loss(raw)
    assert {'loss_jepa', 'loss_var', 'ema_momentum'} <= set(losses)
    assert all(torch.isfinite(v) for v in losses.values())
    sum(v for k, v in losses.items() if 'loss' in k).backward()
    assert model.mask_token.grad.abs().sum() > 0 and model.empty_token.grad.abs().sum() > 0
    assert all(p.grad is None for p in model.target_generator.parameters())
    before = [p.clone() for p in model.target_generator.encoder.parameters()]
    with torch.no_grad():
        for p in model.backbone.parameters():
            p.add_(0.1)
    assert model.update_target()
    assert any(not torch.equal(a, b) for a, b in zip(before, model.target_generator.encoder.parameters()))
    assert model.encoder_to_evaluate() is model.backbone
    assert any(k.startswith('backbone.voxel_encoder.') for k in model.state_dict())  # the detector's part names


def test_detached_empty_target_drops_the_target_side_gradient(model_and_batch):
    model, raw = model_and_batch
    inputs = model.prepare_inputs(raw)
    masks = model.masks_for(inputs)
    grads = []
    for detach in (False, True):
        model.detach_empty_target = detach
        model.zero_grad()
        loss = model.compute_loss(model.predict_targets(inputs, masks), model.compute_targets(inputs, masks), masks)
        (loss['loss_jepa'] + loss['loss_var']).backward()
        grads.append(model.empty_token.grad.clone())
    assert not torch.allclose(grads[0], grads[1])


def test_mask_draw_must_be_per_rank():
    base = Config.fromfile(ENCODER_BASE)
    from mmpretrain.registry import MODELS
    with pytest.raises(ValueError, match='per_rank'):
        MODELS.build(dict(type='ADLJEPA', mask_draw='global', backbone=dict(
            type='BEVEncoder', embed_dims=base.bev_channels, out_stride=base.bev_stride, **base.pillar_encoder)))


def test_bev_encoder_shapes_and_errors(model_and_batch):
    model, raw = model_and_batch
    from mmdet3d.registry import MODELS
    sparse = MODELS.build(dict(type='BEVEncoder', embed_dims=256, out_stride=8,
                               voxel_encoder=dict(type='HardSimpleVFE', num_features=4),
                               middle_encoder=dict(type='SparseEncoder', in_channels=4, sparse_shape=[41, 1600, 1408])))
    assert sparse.bev_shape == (200, 176)  # the official 200 x 176 BEV map of KITTI at stride 8
    inputs = model.prepare_inputs(raw)
    model.backbone.embed_dims = 100
    with pytest.raises(ValueError, match='embed_dims and out_stride'):
        model.backbone.forward_tokens(model.select(inputs, slice(None)), batch_size=2)
    with pytest.raises(ValueError, match='Det3DDataPreprocessor'):
        model.prepare_inputs(torch.zeros(2, 3))

