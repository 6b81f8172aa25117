# Copyright (c) mmjepa contributors. All rights reserved.
"""The family core: target regimes, token layouts, the mask structure, the token pipeline options and the two
algorithms built on them (SAR-JEPA: windows masked inside the encoder, fixed targets; ECG-JEPA: 1-D tokens)."""
import pytest
import torch
from mmpretrain.registry import MODELS

import mmjepa  # noqa: F401
from mmjepa.models.mask_samplers import LocalWindowMaskSampler, Masks
from mmjepa.models.utils import gather_tokens, sincos_2d_position_embedding
from mmjepa.models.utils.layout import TokenLayout

ARCH = dict(embed_dims=32, num_layers=2, num_heads=2, feedforward_channels=64)


def tiny_sarjepa(**kwargs):
    cfg = dict(type='SARJEPA',
               backbone=dict(type='JEPAViT', arch=ARCH, img_size=64, patch_size=8, in_channels=1, mask_token=True,
                             abs_pos=False, rel_pos=dict(type='ContextualKeyRPE'), num_register_tokens=1),
               predictor=dict(type='TokenPredictor', out_dims=4 * 64, predictor_dims=16, depth=2,
                              rel_pos=dict(type='ContextualKeyRPE')),
               mask_sampler=dict(type='LocalWindowMaskSampler', window_size=4, num_windows=3),
               target_generator=dict(type='FixedTargetGenerator',
                                     operator=dict(type='ROAGradientTarget', patch_size=8, radii=(1, 2, 3, 4))))
    cfg.update(kwargs)
    torch.manual_seed(0)
    model = MODELS.build(cfg)
    model.init_weights()
    return model


def tiny_ecgjepa(**kwargs):
    cfg = dict(type='ECGJEPA',
               backbone=dict(type='TokenTransformer', arch=ARCH, num_register_tokens=1,
                             tokenizer=dict(type='SignalPatchEmbed', in_channels=12, patch_size=25,
                                            signal_length=1000)),
               predictor=dict(type='JEPAPredictor', predictor_dims=16, depth=2),
               mask_sampler=dict(type='ContiguousRunMaskSampler', min_run=4),
               target_generator=dict(type='EMATargetGenerator', momentum=(0.998, 0.9995), normalize=False,
                                     total_steps=10))
    cfg.update(kwargs)
    torch.manual_seed(0)
    model = MODELS.build(cfg)
    model.init_weights()
    return model


# ------------------------------------------------------------------------------------------------- layouts
def test_layout_sincos_is_the_official_2d_table_and_1d_prefixes_agree():
    assert torch.equal(TokenLayout((3, 5)).sincos(16), sincos_2d_position_embedding(16, (3, 5)))
    assert torch.equal(TokenLayout((200, )).sincos(8)[:, :50], TokenLayout(50).sincos(8))
    assert TokenLayout((2, 3, 4)).coordinates()[5].tolist() == [0, 1, 1]
    with pytest.raises(ValueError, match='divisible by 6'):
        TokenLayout((2, 3, 4)).sincos(16)
    with pytest.raises(ValueError, match='positive'):
        TokenLayout((0, 3))


def test_masks_rank_share_takes_whole_samples():
    masks = Masks(torch.arange(24).view(6, 4), torch.arange(48).view(2, 6, 4), sequences_per_sample=2)
    share = masks.samples(1, 2)  # sample 1 of 3 -> its two sequences 2 and 3
    assert share.context.tolist() == [[8, 9, 10, 11], [12, 13, 14, 15]]
    assert torch.equal(share.targets, masks.targets[:, 2:4])
    with pytest.raises(ValueError, match='same S'):
        Masks(torch.zeros(2, 3, dtype=torch.long), torch.zeros(1, 3, 2, dtype=torch.long))


def test_model_rejects_the_moved_ema_arguments():
    with pytest.raises(TypeError, match='model.ema_momentum moved to model.target_generator.momentum'):
        tiny_ecgjepa(ema_momentum=(0.99, 1.0))


def test_mask_sampler_grid_must_match_the_layout():
    with pytest.raises(ValueError, match='does not match the backbone token grid'):
        tiny_ecgjepa(mask_sampler=dict(type='ContiguousRunMaskSampler', input_size=(200, ), min_run=4))


# --------------------------------------------------------------------------------------------- local windows
def test_local_windows_are_contiguous_blocks_with_the_hidden_share():
    sampler = LocalWindowMaskSampler(input_size=(14, 14), window_size=7, num_windows=4, mask_ratio=0.8)
    masks = sampler(5, torch.Generator().manual_seed(0))
    assert masks.context.shape == (20, 49) and masks.sequences_per_sample == 4
    assert (masks.hidden.sum(1) == 39).all()
    rows, cols = masks.context // 14, masks.context % 14
    assert ((rows.max(1).values - rows.min(1).values) == 6).all() and ((cols.max(1).values - cols.min(1).values) == 6).all()
    # official placement: the batch shares 4 windows with distinct top rows and distinct left columns
    corners = masks.context[:, 0].view(5, 4)
    assert (corners == corners[0]).all() and len(set((corners[0] // 14).tolist())) == 4
    assert len(set((corners[0] % 14).tolist())) == 4
    per_sample = LocalWindowMaskSampler(input_size=14, placement='per_sample')(64, torch.Generator().manual_seed(0))
    assert len(set(per_sample.context[:, 0].tolist())) > 4
    assert (masks.context.diff(dim=1) > 0).all()  # raster order
    assert torch.equal(masks.targets[0], masks.context[masks.hidden].view(20, 39))
    again = sampler(5, torch.Generator().manual_seed(0))
    assert torch.equal(again.context, masks.context) and torch.equal(again.hidden, masks.hidden)
    with pytest.raises(ValueError, match='window_size=15'):
        LocalWindowMaskSampler(input_size=14, window_size=15)
    with pytest.raises(ValueError, match='distinct'):
        LocalWindowMaskSampler(input_size=8, window_size=7, num_windows=4)


# ------------------------------------------------------------------------------------------- token pipeline
def test_registers_are_attended_to_and_dropped_and_hidden_slots_take_the_mask_token():
    torch.manual_seed(0)
    plain = MODELS.build(dict(type='JEPAViT', arch=ARCH, img_size=32, patch_size=8))
    plain.init_weights()
    reg = MODELS.build(dict(type='JEPAViT', arch=ARCH, img_size=32, patch_size=8, num_register_tokens=2,
                            mask_token=True))
    reg.load_state_dict(plain.state_dict(), strict=False)
    reg.init_token_weights()
    x = torch.randn(2, 3, 32, 32)
    out = reg.forward_tokens(x)
    assert out.shape == (2, 16, 32) and not torch.allclose(out, plain.forward_tokens(x))
    assert reg.forward_tokens(x, with_registers=True).shape == (2, 18, 32)
    keep = torch.arange(16).repeat(2, 1)
    hidden = torch.zeros(2, 16, dtype=torch.bool)
    assert torch.equal(reg.forward_tokens(x, keep=keep, hidden=hidden), out)
    hidden[:, 3] = True
    changed = reg.forward_tokens(x, keep=keep, hidden=hidden)
    x2 = x.clone()
    x2[:, :, 0:8, 24:32] = 5.  # patch 3: its pixels no longer matter once it is hidden
    assert torch.allclose(reg.forward_tokens(x2, keep=keep, hidden=hidden), changed, atol=1e-6)
    assert reg(x)[-1].shape == (2, 32, 4, 4)  # downstream featmap through forward_tokens


def test_without_rel_pos_coordinates_the_rel_pos_attention_is_the_plain_attention():
    from mmjepa.models.layers import with_rel_pos
    torch.manual_seed(0)
    vit = MODELS.build(dict(type='JEPAViT', arch=ARCH, img_size=32, patch_size=8))
    vit.init_weights()
    x = torch.randn(2, 17, 32)
    layer = vit.layers[0]
    before = layer(x)
    with_rel_pos(vit.layers, dict(type='ContextualKeyRPE'))
    assert torch.allclose(layer(x), before, atol=1e-6)
    assert 'layers.0.attn.rel_pos.lookup_table_weight' in vit.state_dict()


def test_rel_pos_bias_is_translation_invariant_in_the_encoder():
    """iRPE with no absolute position: the same window content at two places of the grid encodes alike."""
    torch.manual_seed(0)
    enc = MODELS.build(dict(type='JEPAViT', arch=ARCH, img_size=64, patch_size=8, in_channels=1, abs_pos=False,
                            rel_pos=dict(type='ContextualKeyRPE')))
    enc.init_weights()
    for layer in enc.layers:
        torch.nn.init.normal_(layer.attn.rel_pos.lookup_table_weight)
    x = torch.zeros(1, 1, 64, 64)
    x[..., 0:24, 0:24] = torch.rand(1, 1, 24, 24)
    x[..., 40:64, 32:56] = x[..., 0:24, 0:24]
    win_a = torch.tensor([[r * 8 + c for r in range(3) for c in range(3)]])
    win_b = torch.tensor([[(r + 5) * 8 + (c + 4) for r in range(3) for c in range(3)]])
    a, b = enc.forward_tokens(x, keep=win_a), enc.forward_tokens(x, keep=win_b)
    assert torch.allclose(a, b, atol=1e-5)
    moved = torch.tensor([[r * 8 + c for r in range(3) for c in (0, 2, 4)]])  # other relative offsets
    assert not torch.allclose(enc.forward_tokens(x, keep=moved), a, atol=1e-3)


# ------------------------------------------------------------------------------------------------- SAR-JEPA
def test_sarjepa_regresses_the_gradient_targets_of_the_hidden_patches_only():
    model = tiny_sarjepa()
    assert not any(True for _ in model.target_generator.parameters())
    assert model.encoder_to_evaluate() is model.backbone and not model.target_update_due
    x = torch.rand(2, 1, 64, 64)
    masks = model.sample_masks(2, torch.device('cpu'))
    targets = model.compute_targets(x, masks)
    direct = model.target_generator.operator(x)[masks.sample_index()]
    assert torch.equal(targets, gather_tokens(direct, masks.targets))
    pred = model.predict_targets(x, masks)
    assert pred.shape == targets.shape == (6, 12, 256)
    loss = model.compute_loss(pred, targets, masks).detach()
    assert float(loss) == pytest.approx(float(((pred - targets)**2).mean().detach()), rel=1e-6)
    out = model.loss(x, None)
    out['loss'].backward()
    assert model.backbone.mask_token.grad is not None and set(out) == {'loss'}
    assert not model.update_target()  # the fixed regime has nothing to update


def test_sarjepa_loss_ignores_the_predictions_at_visible_patches():
    model = tiny_sarjepa()
    x = torch.rand(2, 1, 64, 64)
    predictor = model.predictor.forward
    with torch.no_grad():
        base = model.loss(x, None)['loss']
        model._step = 0  # the same masks again
        def visible_noise(tokens, masks, **kwargs):
            return predictor(tokens, masks, **kwargs) + 100. * (~masks.hidden).unsqueeze(-1)

        def hidden_noise(tokens, masks, **kwargs):
            return predictor(tokens, masks, **kwargs) + 1. * masks.hidden.unsqueeze(-1)

        model.predictor.forward = visible_noise
        assert torch.equal(model.loss(x, None)['loss'], base)
        model._step = 0
        model.predictor.forward = hidden_noise
        assert not torch.allclose(model.loss(x, None)['loss'], base)


def test_sarjepa_resume_draws_the_same_windows():
    a = tiny_sarjepa()
    x = torch.rand(2, 1, 64, 64)
    a.loss(x, None)['loss'].backward()
    b = tiny_sarjepa()
    b.load_state_dict(a.state_dict())
    ma, mb = a.sample_masks(2, 'cpu'), b.sample_masks(2, 'cpu')
    assert b._step == 1 and torch.equal(ma.context, mb.context) and torch.equal(ma.hidden, mb.hidden)


def test_sarjepa_demo_configs_train():
    import os.path as osp
    from mmengine.config import Config
    from mmengine.registry import DefaultScope
    root = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
    for name in ('sarjepa_vit-tiny-p8_1xb64-20e_demo-sar-64px.py',
                 'sarjepa_vit-tiny-p8_1xb64-20e_demo-sar-64px_pixel-target.py'):
        cfg = Config.fromfile(osp.join(root, 'configs', 'demo', name)).model
        cfg.backbone.arch = ARCH
        cfg.predictor.update(predictor_dims=16, depth=1, num_heads=2)
        torch.manual_seed(0)
        with DefaultScope.overwrite_default_scope('mmpretrain'):
            model = MODELS.build(cfg)
        model.init_weights()
        x = model.data_preprocessor(dict(inputs=torch.randint(0, 256, (2, 1, 64, 64), dtype=torch.uint8),
                                         data_samples=None), True)
        losses = [model.loss(x['inputs'], None)['loss'] for _ in range(2)]
        assert all(torch.isfinite(v) and v > 0 for v in losses)


def test_sarjepa_needs_the_mask_token():
    with pytest.raises(ValueError, match='mask_token=True'):
        tiny_sarjepa(backbone=dict(type='JEPAViT', arch=ARCH, img_size=64, patch_size=8, in_channels=1))


def test_fixed_target_operator_must_have_no_parameters():
    with pytest.raises(ValueError, match='has parameters'):
        MODELS.build(dict(type='FixedTargetGenerator', operator=dict(type='LN', normalized_shape=4)))


# ------------------------------------------------------------------------------------------------- ECG-JEPA
def test_ecgjepa_step_targets_and_evaluation():
    model = tiny_ecgjepa()
    assert model.layout.grid == (40, )
    s = torch.randn(3, 12, 1000)
    masks = model.sample_masks(3, torch.device('cpu'))
    targets = model.compute_targets(s, masks)
    # the EMA encoder's output (its final LN), no extra normalisation, at the masked tokens
    assert torch.equal(targets, gather_tokens(model.target_generator.encoder.forward_tokens(s), masks.targets))
    out = model.loss(s, None)
    assert float(out['ema_momentum']) == pytest.approx(0.998)
    out['loss'].backward()
    assert model.backbone.register_tokens.grad is not None
    assert model.update_target() and model.encoder_to_evaluate() is model.target_generator.encoder
    assert model.extract_feat(s)[0].shape == (3, 40, 32)
    assert model.extract_feat(s[..., :250])[0].shape == (3, 10, 32)  # 2.5 s crops


def test_ecgjepa_resume_restores_step_and_target():
    a = tiny_ecgjepa()
    s = torch.randn(2, 12, 1000)
    for _ in range(2):
        a.loss(s, None)['loss'].backward()
        a.update_target()
    b = tiny_ecgjepa()
    b.load_state_dict(a.state_dict())
    assert b._step == 2
    ma, mb = a.sample_masks(2, 'cpu'), b.sample_masks(2, 'cpu')
    assert torch.equal(ma.context, mb.context) and torch.equal(ma.targets, mb.targets)
    with torch.no_grad():
        assert torch.equal(a.loss(s, None)['loss'], b.loss(s, None)['loss'])


def test_ecgjepa_demo_transfer_configs_load_the_target_encoder_and_train():
    """The demo attentive probe and fine-tuning: the target encoder transferred strictly from a pretraining
    checkpoint, 2.5 s crops to train on, the crops of a record averaged to evaluate."""
    import os.path as osp
    import tempfile
    from mmengine.config import Config
    from mmengine.registry import DefaultScope
    from mmpretrain.structures import DataSample
    root = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
    pretrain = Config.fromfile(osp.join(root, 'configs/demo/ecgjepa_vit-xs-p25_1xb32-200it_demo-ptbxl.py')).model
    pretrain.backbone.arch = ARCH
    pretrain.predictor.update(predictor_dims=16, depth=1)
    with DefaultScope.overwrite_default_scope('mmpretrain'), tempfile.TemporaryDirectory() as tmp:
        torch.manual_seed(0)
        jepa = MODELS.build(pretrain)
        jepa.init_weights()
        torch.save(dict(state_dict=jepa.state_dict()), osp.join(tmp, 'pre.pth'))
        for name, head_params in (('attnprobe', {'fc.weight', 'query_token', 'attn.q.weight', 'attn.kv.weight'}),
                                  ('ft', None)):
            cfg = Config.fromfile(osp.join(root, f'configs/demo/vit-xs-p25_ecgjepa-demo-pre_{name}_demo-ptbxl.py'))
            cfg.model.backbone.arch = ARCH
            cfg.model.backbone.init_cfg.checkpoint = osp.join(tmp, 'pre.pth')
            if name == 'attnprobe':
                cfg.model.head.update(in_channels=32, num_heads=2)
            else:
                cfg.model.head.in_channels = 32
            model = MODELS.build(cfg.model)
            model.init_weights()
            target = jepa.target_generator.encoder.state_dict()
            assert all(torch.equal(v, target[k]) for k, v in model.backbone.state_dict().items())
            samples = [DataSample().set_gt_label([0, 2]).set_gt_score(torch.tensor([1., 0, 1, 0, 0]))
                       for _ in range(2)]
            model.train()
            model.loss(torch.randn(2, 12, 1250), samples)['loss'].backward()
            trained = {n for n, p in model.named_parameters() if p.grad is not None}
            if head_params is not None:  # frozen encoder: only the probe trains
                assert trained == {f'head.{n}' for n in head_params}
            else:
                assert 'backbone.register_tokens' in trained and 'head.fc.weight' in trained
            model.eval()
            crops = torch.randn(2, 7, 12, 1250)
            preds = model.predict(crops, None)
            expected = torch.stack([model.head(model.extract_feat(c)).mean(0) for c in crops]).sigmoid()
            torch.testing.assert_close(torch.stack([p.pred_score for p in preds]), expected)
