# Copyright (c) mmjepa contributors. All rights reserved.
"""seq-JEPA's default configuration pinned against numbers of the official code (hafezgh/seq-jepa; how they were
made: tests/data/seqjepa_official/PROVENANCE.md): the forward pass (z, agg, prediction), the loss, every gradient,
the action embedding's batch-norm statistics and three Adam + EMA steps, on the 3DIEBench (rotation) and the
augmentation (CIFAR-100) paths, in float64 (the two implementations agree to ~1e-13 there; in float32 to rounding)."""
import os.path as osp

import pytest
import torch
from mmpretrain.structures import DataSample

from seqjepa_official_setup import (B, EMA, LR, PATHS, STEPS, VIEWS, build_model, comparable, fingerprint,
                                    step_inputs)

FIXTURE = osp.join(osp.dirname(osp.dirname(__file__)), 'data', 'seqjepa_official', 'official.pt')
OUTPUT_RTOL, GRAD_RTOL, STEP_RTOL = 1e-5, 1e-4, 1e-5


@pytest.fixture(scope='module')
def official():
    return torch.load(FIXTURE, weights_only=True)


def close(ours: torch.Tensor, theirs: torch.Tensor, rtol: float) -> bool:
    """Relative to the official tensor's norm (a fingerprint: to its norm entry)."""
    scale = theirs[0].abs() if theirs.dim() == 1 and theirs.numel() == 2 else theirs.norm()
    return bool((ours.double() - theirs.double()).norm() <= rtol * scale.clamp_min(1e-30))


def run_steps(model: torch.nn.Module, path: str, steps: int = STEPS) -> dict:
    """``steps`` official training steps (Adam lr 1e-3 without weight decay, then the EMA update at 0.996) of
    ``model`` in float64; step 0's outputs, gradients and action batch-norm statistics are kept."""
    model.double()
    seen, out = {}, dict(losses=[])
    encode = model.encode_sequence

    def encode_and_keep(views, actions):
        z, agg = encode(views, actions)
        seen['z'], seen['agg'] = z.flatten(0, 1), agg
        return z, agg
    model.encode_sequence = encode_and_keep
    model.predictor.register_forward_hook(lambda m, i, o: seen.__setitem__('pred', o))
    optimizer = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=LR, weight_decay=0.)
    for step in range(steps):
        views, actions, raw = step_inputs(path, step)
        views = views.double()
        if raw is not None:  # the official loop normalises the raw parameters (here in float64)
            actions = torch.diff(torch.nn.functional.normalize(raw.double(), p=2, dim=1), dim=1)
        samples = [DataSample(actions=actions[b].double()) for b in range(B)]
        optimizer.zero_grad()
        loss = model.loss([views[:, i] for i in range(VIEWS)], samples)['loss']
        loss.backward()
        out['losses'].append(loss.detach())
        if step == 0:
            out.update({k: v.detach().clone() for k, v in seen.items()})
            out['grads'] = {n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None}
            bn = model.aggregator.action_embed[1]
            out['action_bn'] = torch.stack([bn.running_mean, bn.running_var]).clone()
        optimizer.step()
        model.update_target()
    out['state'] = model.state_dict()
    return out


@pytest.mark.parametrize('path', list(PATHS))
def test_default_seqjepa_equals_the_official_code(official, path):
    ref, ours = official[path], run_steps(build_model(path), path)
    # forward and loss (step 0)
    assert close(torch.stack(ours['losses'])[:1], ref['losses'][:1], OUTPUT_RTOL)
    for name in ('z', 'agg', 'pred'):
        assert close(fingerprint(ours[name], name), ref[name], OUTPUT_RTOL), name
        assert close(ours[name][:, :ref[name + '_slice'].shape[1]], ref[name + '_slice'], OUTPUT_RTOL), name
    # every gradient the official loss has (the final LayerNorm's bias, zero up to rounding, aside)
    assert len(ref['grads']['names']) == 92  # 62 ResNet + 1 + 1 + 2 x 12 + 1 + 3: all but the LN bias
    for name, value in zip(ref['grads']['names'], ref['grads']['values']):
        assert close(fingerprint(ours['grads'][name], name), value, GRAD_RTOL), name
    # the action embedding's batch norm: the predictor's action first, then the observed ones
    assert close(ours['action_bn'], ref['action_bn'], OUTPUT_RTOL)
    # three steps: every loss and every tensor a step determines
    assert close(torch.stack(ours['losses']), ref['losses'], STEP_RTOL)
    assert len(ref['params']['names']) == 196
    for name, value in zip(ref['params']['names'], ref['params']['values']):
        assert close(fingerprint(comparable(name, ours['state'][name]), name), value, STEP_RTOL), name


def test_the_pinned_numbers_catch_a_departure(official):
    """The fixture would fail the shipped pre-norm aggregator, the other last-slot convention, and the other
    order of the action batch-norm updates."""
    ref = official['3diebench']
    pre = run_steps(build_model('3diebench', block_cfg=dict(norm='pre')), '3diebench', steps=1)
    assert not close(pre['agg'][:, :16], ref['agg_slice'], 1e-2)
    zero = run_steps(build_model('3diebench', last_slot_input='zero'), '3diebench', steps=1)
    assert not close(zero['agg'][:, :16], ref['agg_slice'], 1e-2)
    model = build_model('3diebench')
    model.predict_targets = lambda inputs, masks=None: _observed_first(model, inputs)
    swapped = run_steps(model, '3diebench', steps=1)
    assert not close(swapped['action_bn'], ref['action_bn'], 1e-6)


def _observed_first(model, inputs):
    """The prediction with the observed actions embedded before the predictor's (the order before the fix)."""
    actions = inputs['actions']
    _, agg = model.encode_sequence(inputs['views'][:, :-1], actions)
    return model.predictor(torch.cat([agg, model.aggregator.embed_actions(actions[:, -1])], dim=-1))
