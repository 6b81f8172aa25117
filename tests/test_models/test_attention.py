"""mmjepa's attention: the fused kernel for fp32 and GPUs, matmuls with an fp32 softmax for bf16 on the CPU."""
import pytest
import torch
import torch.nn.functional as F
from mmpretrain.models.utils import MultiheadAttention

from mmjepa.models.utils.layout import TokenLayout
from mmjepa.models.backbones import JEPAViT
from mmjepa.models.predictors import JEPAPredictor
from mmjepa.models.utils import attention, use_attention


def _qkv(dtype, lq=5, lk=7):
    gen = torch.Generator().manual_seed(0)
    shapes = [(2, 3, lq, 16), (2, 3, lk, 16), (2, 3, lk, 16)]
    return [torch.randn(*s, generator=gen).to(dtype).requires_grad_() for s in shapes]


def test_fp32_is_the_fused_kernel():
    q, k, v = _qkv(torch.float32)
    assert torch.equal(attention(q, k, v), F.scaled_dot_product_attention(q, k, v))


@pytest.mark.parametrize('masked', [False, True])
def test_bf16_cpu_matches_fp32_reference(masked):
    q, k, v = _qkv(torch.bfloat16)
    mask = None
    if masked:  # the second batch item may not see its last 3 keys (DMT-JEPA's padded neighbour sets)
        mask = torch.ones(2, 1, 1, 7, dtype=torch.bool)
        mask[1, ..., 4:] = False
    out = attention(q, k, v, attn_mask=mask)
    assert out.dtype == torch.bfloat16 and out.shape == (2, 3, 5, 16)
    ref = F.scaled_dot_product_attention(q.float(), k.float(), v.float(), attn_mask=mask)
    torch.testing.assert_close(out.float(), ref, atol=3e-2, rtol=3e-2)
    if masked:  # masked keys get no weight: changing their values changes nothing
        v2 = v.detach().clone()
        v2[1, :, 4:] = 100.
        assert torch.equal(attention(q, k, v2, attn_mask=mask)[1], out[1])
    out.float().sum().backward()
    assert all(t.grad is not None and torch.isfinite(t.grad).all() for t in (q, k, v))


def test_additive_mask_and_scale():
    q, k, v = _qkv(torch.bfloat16)
    bias = torch.zeros(1, 1, 5, 7)
    bias[..., 0] = -1e4
    out = attention(q, k, v, attn_mask=bias, scale=0.5)
    ref = F.scaled_dot_product_attention(q.float(), k.float(), v.float(), attn_mask=bias, scale=0.5)
    torch.testing.assert_close(out.float(), ref, atol=3e-2, rtol=3e-2)


def test_installed_in_encoder_and_predictor_only_where_default():
    vit = JEPAViT(arch='tiny', img_size=32, patch_size=8)
    predictor = JEPAPredictor(embed_dims=192, num_heads=3, layout=TokenLayout((4, 4)), predictor_dims=48, depth=2)
    assert all(layer.attn.scaled_dot_product_attention is attention for layer in vit.layers)
    assert all(layer.attn.scaled_dot_product_attention is attention for layer in predictor.layers)
    custom = MultiheadAttention(embed_dims=16, num_heads=2, qk_scale=0.1)  # its own scale: left alone
    kept = custom.scaled_dot_product_attention
    use_attention(custom)
    assert custom.scaled_dot_product_attention is kept


def test_encoder_bf16_autocast_cpu_close_to_fp32():
    torch.manual_seed(0)
    vit = JEPAViT(arch='tiny', img_size=32, patch_size=8)
    vit.init_weights()
    x = torch.randn(2, 3, 32, 32)
    ref = vit.forward_tokens(x)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        out = vit.forward_tokens(x)
    torch.testing.assert_close(out.float(), ref, atol=0.1, rtol=0.05)
