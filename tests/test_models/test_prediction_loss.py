# Copyright (c) mmjepa contributors. All rights reserved.
"""JEPAPredictionLoss under bf16: the fp32 targets are never rounded to bf16 (the official codes compute their
losses under autocast, which runs them in fp32 on the bf16 predictions and the fp32 layer-normed targets)."""
import pytest
import torch
import torch.nn.functional as F

from mmjepa.models.losses import JEPAPredictionLoss

REFERENCE = {
    'smooth_l1': lambda p, t: F.smooth_l1_loss(p, t),
    'l2': F.mse_loss,
    'l1': F.l1_loss,
    'cosine': lambda p, t: (1 - F.cosine_similarity(p, t, dim=-1)).mean(),
}


def operands():
    g = torch.Generator().manual_seed(0)
    target = F.layer_norm(torch.randn(4, 6, 32, generator=g), (32, ))  # fp32, most values not bf16-exact
    pred = (target + 0.3 * torch.randn(4, 6, 32, generator=g)).bfloat16().requires_grad_()
    assert not torch.equal(target.bfloat16().float(), target)
    return pred, target


@pytest.mark.parametrize('criterion', list(REFERENCE))
@pytest.mark.parametrize('autocast', [False, True])
def test_bf16_predictions_meet_fp32_targets_in_fp32(criterion, autocast):
    pred, target = operands()
    with torch.autocast('cpu', dtype=torch.bfloat16, enabled=autocast):
        loss = JEPAPredictionLoss(criterion)(pred, target)
    assert loss.dtype == torch.float32
    want = REFERENCE[criterion](pred.float(), target)
    rounded = REFERENCE[criterion](pred.float(), target.bfloat16().float())
    assert float(loss) == float(want)
    assert float(loss) != float(rounded)  # what the loss computed before: targets rounded to bf16
    loss.backward()
    assert pred.grad.dtype == torch.bfloat16


def test_fp32_operands_are_unchanged():
    pred, target = operands()
    pred = pred.detach().float()
    assert float(JEPAPredictionLoss('smooth_l1')(pred, target)) == float(F.smooth_l1_loss(pred, target))
