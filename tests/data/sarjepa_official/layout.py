# Copyright (c) mmjepa contributors. All rights reserved.
"""A tiny SAR-JEPA in the official layout (``waterdisappear/SAR-JEPA``, ``Pretraining/models_lomar.py``): the key
names and shapes of its ``MaskedAutoencoderViT`` state dict filled with seeded random values, the same model as an
mmjepa config, and the inputs. Used by the converter test and by the official fixtures (``README.md`` here).

Only names, shapes and the operator's box kernels (a fact of the method) are written here; no official code.
"""
import torch

# The official model's constructor arguments (in_chans=1; the decoder predicts 4 radii x 16 x 16 = 1024 values
# per 16 px patch, a width the official code fixes, so the patch stays 16).
OFFICIAL = dict(img_size=112, patch_size=16, in_chans=1, embed_dim=16, depth=2, num_heads=2, decoder_embed_dim=16,
                decoder_depth=2, decoder_num_heads=2, mlp_ratio=4)
RADII = (5, 9, 13, 17)
BATCH, WINDOW_SIZE, NUM_WINDOWS, MASK_RATIO = 3, 4, 4, 0.8  # gcd(3, 4) = 1: every image gets every window
NUM_BUCKETS = 7 * 7 + 1  # iRPE product method, ratio 1.9: 7 buckets per axis, + the cls (prefix) bucket


def box_kernels(radius: int) -> dict:
    """The operator's fixed kernels at ``radius``: (2r+1)^2 boxes whose left / right / top / bottom r + 1
    columns or rows are ones."""
    size = 2 * radius + 1
    halves = {}
    halves_at = dict(x1=(slice(None), slice(0, radius + 1)), x2=(slice(None), slice(radius, size)),
                     y1=(slice(0, radius + 1), slice(None)), y2=(slice(radius, size), slice(None)))
    for name, (rows, cols) in halves_at.items():
        kernel = torch.zeros(1, 1, size, size)
        kernel[..., rows, cols] = 1
        halves[name] = kernel
    return halves


def _block_shapes(dim: int, heads: int, mlp_ratio: int) -> dict:
    hidden = dim * mlp_ratio
    return {'norm1.weight': (dim, ), 'norm1.bias': (dim, ), 'attn.qkv.weight': (3 * dim, dim),
            'attn.qkv.bias': (3 * dim, ), 'attn.proj.weight': (dim, dim), 'attn.proj.bias': (dim, ),
            'attn.rpe_k.lookup_table_weight': (1, dim // heads, NUM_BUCKETS), 'norm2.weight': (dim, ),
            'norm2.bias': (dim, ), 'mlp.fc1.weight': (hidden, dim), 'mlp.fc1.bias': (hidden, ),
            'mlp.fc2.weight': (dim, hidden), 'mlp.fc2.bias': (dim, )}


def official_shapes(cfg: dict = OFFICIAL) -> dict:
    """Official state-dict key -> shape, in the module's order (the operator kernels excluded)."""
    dim, dec, patch = cfg['embed_dim'], cfg['decoder_embed_dim'], cfg['patch_size']
    num_patches = (cfg['img_size'] // patch)**2
    shapes = {'cls_token': (1, 1, dim), 'pos_embed': (1, num_patches + 1, dim), 'mask_token': (1, 1, dim),
              'patch_embed.proj.weight': (dim, cfg['in_chans'], patch, patch), 'patch_embed.proj.bias': (dim, )}
    for i in range(cfg['depth']):
        shapes.update({f'blocks.{i}.{k}': s for k, s in _block_shapes(dim, cfg['num_heads'], cfg['mlp_ratio']).items()})
    shapes.update({'norm.weight': (dim, ), 'norm.bias': (dim, ), 'encoder_pred.weight': (dec, dim),
                   'encoder_pred.bias': (dec, )})
    for i in range(cfg['decoder_depth']):
        shapes.update({f'decoder_blocks.{i}.{k}': s
                       for k, s in _block_shapes(dec, cfg['decoder_num_heads'], cfg['mlp_ratio']).items()})
    shapes.update({'decoder_norm.weight': (dec, ), 'decoder_norm.bias': (dec, ),
                   'decoder_pred.weight': (256 * 4, dec), 'decoder_pred.bias': (256 * 4, )})
    return shapes


def official_state_dict(seed: int = 0, cfg: dict = OFFICIAL) -> dict:
    """The official model's state dict with seeded random values (norm weights near 1, the rest small; the
    position table's cls row zero, as the official table) and the operator's kernels."""
    g = torch.Generator().manual_seed(seed)
    out = {}
    for key, shape in official_shapes(cfg).items():
        value = 0.1 * torch.randn(shape, generator=g)
        if 'norm' in key and key.endswith('weight'):
            value += 1
        if key == 'pos_embed':
            value[:, 0] = 0
        out[key] = value
    for i, radius in enumerate(RADII):
        out.update({f'sarfeature{i + 1}.weight_{name}': k for name, k in box_kernels(radius).items()})
    return out


def images(seed: int = 1) -> torch.Tensor:
    """[BATCH, 1, 112, 112] intensities in (0, 1] (the official code feeds [0, 1] pixels, no normalisation)."""
    g = torch.Generator().manual_seed(seed)
    return torch.rand(BATCH, 1, OFFICIAL['img_size'], OFFICIAL['img_size'], generator=g) * 0.9 + 0.05


def mmjepa_config(cfg: dict = OFFICIAL) -> dict:
    """The same model as an mmjepa SARJEPA config (configs/_base_/models/sarjepa_vit-base-p16.py at this size)."""
    rel_pos = dict(type='ContextualKeyRPE', ratio=1.9, shared_head=True, prefix_bucket=True)
    dim = cfg['embed_dim']
    return dict(
        type='SARJEPA',
        backbone=dict(type='JEPAViT', arch=dict(embed_dims=dim, num_layers=cfg['depth'], num_heads=cfg['num_heads'],
                                                feedforward_channels=dim * cfg['mlp_ratio']),
                      img_size=cfg['img_size'], patch_size=cfg['patch_size'], in_channels=cfg['in_chans'],
                      mask_token=True, abs_pos=False, num_register_tokens=1, rel_pos=rel_pos),
        predictor=dict(type='TokenPredictor', predictor_dims=cfg['decoder_embed_dim'], depth=cfg['decoder_depth'],
                       num_heads=cfg['decoder_num_heads'], out_dims=1024, mlp_ratio=cfg['mlp_ratio'],
                       rel_pos=rel_pos),
        mask_sampler=dict(type='LocalWindowMaskSampler', window_size=WINDOW_SIZE, num_windows=NUM_WINDOWS,
                          mask_ratio=MASK_RATIO),
        target_generator=dict(type='FixedTargetGenerator', operator=dict(
            type='ROAGradientTarget', patch_size=cfg['patch_size'], radii=RADII, eps=0.01)),
        loss=dict(type='JEPAPredictionLoss', criterion='l2'))


def sequence_order(num_samples: int = BATCH, num_windows: int = NUM_WINDOWS) -> torch.Tensor:
    """mmjepa's sequence ``q = n * W + w`` (sample n, window w) as the official sequence ``s`` with ``s = n mod N``
    and ``s = w mod W``: the official code repeats the inputs window-major and lays the windows out image-major,
    so its sequence ``s`` is image ``s mod N`` with window ``s mod W`` (``configs/sarjepa/README.md``)."""
    order = []
    for n in range(num_samples):
        for w in range(num_windows):
            order.append(next(s for s in range(num_samples * num_windows)
                              if s % num_samples == n and s % num_windows == w))
    return torch.tensor(order)


SAMPLED_ABOVE, SAMPLES = 2048, 512  # gradients of larger tensors are pinned at SAMPLES seeded entries (file size)


def gradient_entries(key: str, numel: int):
    """The flat entries of gradient ``key`` a fixture stores: all, or ``SAMPLES`` seeded ones of a large tensor."""
    if numel <= SAMPLED_ABOVE:
        return slice(None)
    g = torch.Generator().manual_seed(sum(map(ord, key)))
    return torch.randperm(numel, generator=g)[:SAMPLES]
