# Copyright (c) mmjepa contributors. All rights reserved.
"""The settings shared by ``test_seqjepa_official.py`` and the side-by-side harness that wrote its fixture
(``tests/data/seqjepa_official/PROVENANCE.md``): the model (the default seq-JEPA aggregator, small), its seeded
weights, the inputs of each step and the fingerprints compared."""
import torch
from mmpretrain.registry import MODELS

import mmjepa  # noqa: F401

B, VIEWS, SIZE, LAYERS, ACTION_EMBED, HIDDEN, STEPS, LR, EMA = 4, 4, 16, 2, 32, 64, 3, 1e-3, 0.996
# path -> (action width, last_slot_input): 3DIEBench rotations, CIFAR-100 augmentation parameters
PATHS = {'3diebench': (4, 'action'), 'aug': (9, 'zero')}


def build_model(path: str, dropout: bool = False, block_cfg: dict = None, **aggregator) -> torch.nn.Module:
    """The default seq-JEPA (CIFAR ResNet-18, the official aggregator) with ``LAYERS`` blocks and
    :func:`set_seeded_weights`.
    ``block_cfg`` and ``aggregator`` override the aggregator's (the tests that must fail)."""
    action_dims, last_slot = PATHS[path]
    block_cfg = {**({} if dropout else dict(attn_drop=0., drop=0.)), **(block_cfg or {})}
    cfg = dict(type='SeqJEPA',
               backbone=dict(type='JEPAResNetCIFAR', depth=18),
               aggregator=dict(type='ActionSequenceAggregator', action_dims=action_dims,
                               action_embed_dims=ACTION_EMBED, num_layers=LAYERS, block_cfg=block_cfg,
                               **{**dict(last_slot_input=last_slot), **aggregator}),
               predictor=dict(type='MLPPredictor', hidden_dims=HIDDEN),
               target_generator=dict(type='EMATargetGenerator', momentum=(EMA, EMA), total_steps=100,
                                     normalize=False, batch_stats=True))
    torch.manual_seed(0)
    model = MODELS.build(cfg)
    model.init_weights()
    set_seeded_weights(model)
    return model.train()


def set_seeded_weights(model: torch.nn.Module) -> None:
    """Every float tensor but the running statistics drawn from one seeded generator, in state-dict order, whatever
    the init: weights ``N(0, 1 / fan_in)``, norm gains ``1 + N(0, 0.1^2)``, biases and the [AGG] token
    ``N(0, 0.1^2)`` (so no tensor keeps a constant init: zero-init residual BNs, zero biases, the zero [AGG])."""
    g = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for name, tensor in model.state_dict().items():
            if not tensor.is_floating_point() or 'running_' in name:
                continue
            noise = torch.randn(tensor.shape, generator=g, dtype=tensor.dtype)
            if tensor.dim() >= 2 and name != 'aggregator.agg_token':
                tensor.copy_(noise / tensor[0].numel() ** 0.5)
            elif tensor.dim() == 1 and name.endswith('weight'):
                tensor.copy_(1 + 0.1 * noise)
            else:
                tensor.copy_(0.1 * noise)


def step_inputs(path: str, step: int):
    """Views [B, VIEWS, 3, SIZE, SIZE] and the actions [B, VIEWS - 1, A] of a step, as the official loop gives
    them: unit quaternions of random sign (3DIEBench), or the differences of the augmentation parameters
    L2-normalised across the views (``raw`` [B, VIEWS, 9] returned too, for the official call)."""
    g = torch.Generator().manual_seed(100 * step + (0 if path == '3diebench' else 7))
    views = torch.randn(B, VIEWS, 3, SIZE, SIZE, generator=g)
    if path == '3diebench':
        q = torch.randn(B, VIEWS - 1, 4, generator=g)
        return views, q / q.norm(dim=-1, keepdim=True), None
    raw = torch.rand(B, VIEWS, 9, generator=g) * torch.tensor([8, 8, 24, 24, 1.4, 1.4, 1.2, 0.2, 2.0])
    raw[:, :, 8] *= (torch.rand(B, VIEWS, generator=g) < 0.5)  # unblurred views: sigma 0
    normalised = torch.nn.functional.normalize(raw, p=2, dim=1)
    return views, torch.diff(normalised, dim=1), raw


def fingerprint(tensor: torch.Tensor, name: str) -> torch.Tensor:
    """(norm, projection on a direction seeded by the name): two numbers that pin a tensor of any size."""
    g = torch.Generator().manual_seed(sum(ord(c) * (i + 1) for i, c in enumerate(name)) % (2 ** 31))
    direction = torch.randn(tensor.shape, generator=g, dtype=torch.float64)
    t = tensor.detach().double()
    return torch.stack([t.norm(), (t * direction).sum() / direction.norm()])


def comparable(name: str, tensor: torch.Tensor):
    """The part of a state-dict entry that a few Adam steps determine, or None: the final LayerNorm's bias and
    the key third of each q/k/v bias have a zero gradient up to rounding (a constant shift of ``agg`` that the
    predictor's batch norm removes; a shift of every attention logit), so Adam steps them by rounding noise;
    the EMA copy's batch-norm statistics are never used (README)."""
    if name == 'aggregator.ln1.bias' or not tensor.is_floating_point():
        return None
    if name.startswith('target_generator') and 'running_' in name:
        return None
    if name.endswith('attn.qkv.bias'):
        d = tensor.shape[0] // 3
        return torch.cat([tensor[:d], tensor[2 * d:]])
    return tensor
